"""Person linkage is fair to every community: pairwise F1 per family name culture on the bundled sample.

Measured (bench/linkage_quality.py --data sample_data/world --kinds): person F1 0.9989, every culture
>= 0.9986 (Pakistani 0.9891 before a parent by role too old for the child and a companion's name slip
were handled: a father named like his son, a mother and grandmother both AYESHA BIBI), spread 0.0014.
The floors are the issue's target: every culture >= 0.995, spread <= 0.005.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from bench.linkage_quality import score_store
from bench.quality import scores_by_group
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.link.run import run_link
from chronolink.engine.store import open_store
from tests.link.conftest import StoreBuilder, background, nhs

WORLD = Path(__file__).resolve().parents[2] / "sample_data" / "world"
OVERALL_FLOOR = 0.998
CULTURE_FLOOR = 0.995
SPREAD_CEILING = 0.005


@pytest.fixture(scope="module")
def by_culture(tmp_path_factory) -> tuple[dict, pl.DataFrame]:
    con = open_store(tmp_path_factory.mktemp("fair") / "s.duckdb")
    ingest_paths(con, [WORLD])
    run_link(con)
    persons, _, pj, _ = score_store(con, WORLD)
    con.close()
    cultures = pl.read_csv(WORLD / "truth" / "persons.csv", infer_schema=False).select(
        pl.col("person_id").alias("true_id"), "culture")
    return persons, scores_by_group(pj.join(cultures, on="true_id"), "true_id", "person_id", "culture")


def test_every_culture_is_linked_about_as_well_as_the_others(by_culture) -> None:
    overall, table = by_culture
    assert overall["f1"] >= OVERALL_FLOOR, overall
    assert table.height >= 8  # the sample's families come from ten name traditions
    worst = table.sort("f1").row(0, named=True)
    assert worst["f1"] >= CULTURE_FLOOR, table
    assert table["f1"].max() - table["f1"].min() <= SPREAD_CEILING, table
    # precision matters more than recall in safeguarding: no community's people are merged with others'
    assert table["precision"].min() >= 0.99, table


# Namesakes across generations: families that pass a name down (a son named for his father, a daughter
# for her mother) are commoner in some communities than in others, so these cases weigh on fairness.


def test_a_father_named_like_his_son_links_through_the_daughter_the_school_misspells() -> None:
    # Social care knows MARYAM MAHMOOD 2017-08-21 by her CSC id and names her father H MAHMOOD at his
    # own address, where the GP knows HARIS MAHMOOD born 1999. The school knows her by UPN on one row
    # only, written MSRYAM, her father there written MAHMOOD; on her brother's row (HARIS MAHMOOD,
    # born 2021) the father is HARIS MAHMOOD. The father's school mentions are the GP's Haris (named
    # beside the same child as social care's father, a slip in her name notwithstanding), never the son.
    s = StoreBuilder()
    background(s, 60)
    dad_home, home, school = "6 High Street, Town4", "18 Packington Avenue, Town5", "school_safeguarding.csv"
    gp = s.add("HARIS", "MAHMOOD", "1999-06-02", address=dad_home, sex="M", nhs_number=nhs(7601))
    for row in (7601, 7602):
        s.add("MARYAM", "MAHMOOD", "2017-08-21", address=home, file="csc_episodes.xlsx", slot="child", agency="csc",
              sex="F", local_id="csc:LA7601", record_row=row, event="2019-03-08")
    s.add(None, None, None, file="csc_relationships.csv", slot="child", agency="csc", local_id="csc:LA7601",
          record_row=7603, slot_index=0)
    csc_dad = s.add("H", "MAHMOOD", None, address=dad_home, file="csc_relationships.csv", slot="related",
                    agency="csc", role="FATHER", record_row=7603, slot_index=1)
    s.add("MSRYAM", "MAHMOOD", "2017-08-21", address=home, file=school, slot="pupil", agency="education",
          upn="L856211721006", record_row=7604, slot_index=0, event="2026-02-18")
    dad1 = s.add(None, "MAHMOOD", None, address=home, file=school, slot="carer2", agency="education",
                 role="FATHER", record_row=7604, slot_index=2, event="2026-02-18")
    son = s.add("HARIS", "MAHMOOD", "2021-10-26", address=home, file=school, slot="pupil", agency="education",
                upn="M856211721007", record_row=7605, slot_index=0, event="2026-09-27")
    dad2 = s.add("HARIS", "MAHMOOD", None, address=home, file=school, slot="carer2", agency="education",
                 role="FATHER", record_row=7605, slot_index=2, event="2026-09-27")
    run_link(s.con)
    assert s.person_of(csc_dad) == s.person_of(gp)
    assert s.person_of(dad1) == s.person_of(gp)
    assert s.person_of(dad2) == s.person_of(gp)
    assert s.person_of(son) != s.person_of(gp)


# (role, pupil's date of birth, the namesake of another generation, the carer's own record)
GENERATIONS = {
    # The school names the pupil's mother AYESHA BIBI; the GP knows an AYESHA BIBI born 1957 at the same
    # address, her mother: a woman 56 at her child's birth is not the child's mother.
    "mother, not her mother": ("MOTHER", "2013-04-02", "1957-03-19", "1986-05-18"),
    # The school names the pupil's grandmother (written as schools do); the GP knows an AYESHA BIBI born
    # 1995 at the same address, the pupil's mother: born 21 years before the pupil, nobody's grandmother.
    "grandmother, not her daughter": ("GRANDMOTHER", "2016-02-11", "1995-07-30", "1961-01-05"),
    "nan, not her daughter": ("NAN", "2016-02-11", "1995-07-30", "1961-01-05"),
}


@pytest.mark.parametrize("case", GENERATIONS)
def test_a_carer_by_role_is_not_her_namesake_of_another_generation(case: str) -> None:
    # Three generations of one name at one address; the carer named on the pupil's row (no date of birth)
    # stays apart from the namesake her role rules out, and links to her own record once there is one.
    role, pupil_dob, other_dob, own_dob = GENERATIONS[case]
    s = StoreBuilder()
    background(s, 60)
    home = "7 Cedar Road, Town3"
    s.add("ZARA", "KHAN", pupil_dob, address=home, file="school.csv", slot="pupil", agency="education",
          upn="C123456789012", record_row=7201, slot_index=0)
    carer = s.add("AYESHA", "BIBI", None, address=home, file="school.csv", slot="carer1", agency="education",
                  role=role, record_row=7201, slot_index=1, event="2023-09-01")
    other = s.add("AYESHA", "BIBI", other_dob, address=home, sex="F", nhs_number=nhs(7501))
    run_link(s.con)
    assert s.person_of(carer) != s.person_of(other)
    own = s.add("AYESHA", "BIBI", own_dob, address=home, sex="F", nhs_number=nhs(7502), file="gp2.csv")
    run_link(s.con, full=True)
    assert s.person_of(carer) == s.person_of(own) != s.person_of(other)
