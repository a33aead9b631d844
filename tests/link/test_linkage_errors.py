"""The bench's error breakdown: wrong merges and missed links land in the right kind, counted in pairs."""
from __future__ import annotations

import polars as pl

from bench.linkage_errors import MERGE_KINDS, MISS_KINDS, false_merges, missed_links

PERSONS = pl.DataFrame({
    "true_id": ["T1", "T2", "D", "S", "M", "K1", "K2", "X"],
    "forename": ["AMELIA", "ISLA", "DANIEL", "DANIEL", "JO", "ADAM", "EVE", "ZED"],
    "surname": ["HART", "HART", "HART", "HART", "HART", "HART", "HART", "OKAFOR"],
    "dob": ["2012-05-04", "2012-05-04", "1980-03-02", "2008-03-02", "1982-01-01", "2010-01-01", "2013-01-01",
            "1990-01-01"],
    "family_id": ["F", "F", "F", "F", "F", "F", "F", None],
    "role": ["child", "child", "father", "child", "mother", "child", "child", "lone"],
}).with_columns(pl.col("dob").str.to_date())


def _frame(rows: list[tuple[str, str, str, str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["true_id", "person_id", "forename", "surname", "dob"], orient="row").with_columns(
        pl.col("dob").str.to_date(), pl.int_range(pl.len()).alias("mention_id"))


def _counts(table: pl.DataFrame) -> dict[str, int]:
    return {k: v for k, v in table.iter_rows() if v}


def test_wrong_merges_by_kind() -> None:
    pj = _frame([
        ("T1", "p1", "AMELIA", "HART", "2012-05-04"), ("T1", "p1", "AMELIA", "HART", "2012-05-04"),
        ("T2", "p1", "ISLA", "HART", "2012-05-04"),                      # twins: 2 x 1 pairs
        ("D", "p2", "DANIEL", "HART", "1980-03-02"), ("S", "p2", "DANIEL", "HART", "2008-03-02"),
        ("M", "p3", "JO", "HART", "1982-01-01"), ("K1", "p3", "ADAM", "HART", "2010-01-01"),
        ("K1", "p4", "ADAM", "HART", "2010-01-01"), ("K2", "p4", "EVE", "HART", "2013-01-01"),
        ("X", "p4", "ZED", "OKAFOR", "1990-01-01"),
    ])
    got = _counts(false_merges(pj, "person_id", PERSONS))
    assert got == {"twins": 2, "same name, other generation": 1, "adult and child of one family": 1,
                   "siblings": 1, "unrelated people": 2}
    assert false_merges(pj, "person_id", PERSONS)["kind"].to_list() == MERGE_KINDS


def test_missed_links_by_kind() -> None:
    pj = _frame([
        ("A", "p1", "OLIVIA", "MARSH", "2010-02-03"), ("A", "p2", "LIVVY", "MARSH", "2010-02-03"),
        ("B", "p3", "SARAH", "KOWALSKA", "1985-07-09"), ("B", "p4", "S", "KOWALSKA", "1985-07-09"),
        ("C", "p5", "EMMA", "CLARKSON", "1992-11-05"), ("C", "p6", "EMMA", "BRADLEY", "1992-11-05"),
        ("D", "p7", "ADAM", "NOWAK", "1990-01-20"), ("D", "p8", "NOWAK", "ADAM", "1990-01-20"),
        ("E", "p9", "JOHN", "SMITH", None), ("E", "p10", "JOHN", "SMITH", "1970-01-01"),
        ("F", "p11", "RUBY", "HUNT-MARSH", "2011-09-30"), ("F", "p11", "RUBY", "MARSH", "2011-09-30"),
        ("G", "p12", "KATIE", "LEE", "2000-01-01"), ("G", "p13", "KATIE", "LE?", "2000-01-01"),
        ("G", "p13", "KATIE", "LEE", "2000-01-01"),
    ])
    got = _counts(missed_links(pj, "person_id"))
    # G: the '?' mention and its twin in p13 each miss the p12 mention; F sits in one cluster: no miss
    assert got == {"'?' for a lost letter": 1, "names and date agree": 1, "forename and surname swapped": 1,
                   "surname changed or differs": 1, "initial only": 1, "nickname or other forename": 1,
                   "known only by name (no date of birth)": 1}
    assert missed_links(pj, "person_id")["kind"].to_list() == MISS_KINDS


def test_scores_by_group_counts_cross_group_merges_against_both() -> None:
    from bench.quality import scores_by_group

    df = pl.DataFrame({
        "true_id": ["A", "A", "B", "B", "C"],
        "pred": ["p1", "p2", "p3", "p3", "p3"],  # A split in two; B merged with C
        "culture": ["irish", "irish", "polish", "polish", "somali"],
    })
    t = {r["culture"]: r for r in scores_by_group(df, "true_id", "pred", "culture").iter_rows(named=True)}
    assert t["irish"]["recall"] == 0.0 and t["irish"]["precision"] == 1.0
    # p3 holds B,B,C: polish mentions take part in 3 predicted pairs, one of them true
    assert t["polish"]["recall"] == 1.0 and abs(t["polish"]["precision"] - 1 / 3) < 1e-9
    assert t["somali"]["precision"] == 0.0 and t["somali"]["f1"] == 0.0


def test_place_errors_by_kind() -> None:
    from bench.linkage_errors import PLACE_MERGE_KINDS, PLACE_MISS_KINDS, place_false_merges, place_missed_links

    master = pl.DataFrame({
        "true_id": ["H14", "H41", "F1", "F2", "H16", "W14"],
        "t_flat": ["", "", "1", "2", "", ""],
        "t_number": ["14", "41", "3", "3", "16", "14"],
        "t_street": ["MILL LANE"] * 5 + ["MILL LANE"],
        "t_town": ["WEXLEY"] * 5 + ["STANMOOR"],
    })
    aj = pl.DataFrame({
        "address_mention_id": list(range(9)),
        "true_id": ["H14", "H14", "H14", "H14", "F1", "F2", "H16", "H41", "W14"],
        "address_id": ["a", "b", "c", "d", "e", "e", "a", "x", "a"],
        "uprn": [None, None, None, None, None, None, None, None, None],
        "number": ["14", None, "41", "14", "3", "3", "16", "41", "14"],
        "flat": [None] * 9,
        "street": ["MILL LANE", "NO14 MILL LANE", "MILL LANE", "MILLLANE", "MILL LANE", "MILL LANE", "MILL LANE",
                   "MILL LANE", "MILL LANE"],
        "town": ["WEXLEY"] * 8 + ["STANMOOR"],
    })
    merges = {k: v for k, v in place_false_merges(aj, "address_id", master).iter_rows() if v}
    # place a holds H14, H16 and W14 (Mill Lane in another town): 1 + 2 pairs
    assert merges == {"other flat of one house": 1, "other number, same street": 1, "same street, other town": 2}
    misses = {k: v for k, v in place_missed_links(aj, "address_id").iter_rows() if v}
    # H14's four mentions in four places: 6 pairs
    assert misses == {"house number not read": 3, "house number digits transposed": 2, "words run together or split": 1}
    assert place_missed_links(aj, "address_id")["kind"].to_list() == PLACE_MISS_KINDS
    assert place_false_merges(aj, "address_id", master)["kind"].to_list() == PLACE_MERGE_KINDS
