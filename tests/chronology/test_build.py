"""The merged chronology: one entry per real-world event, places over time, households."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chronolink.engine.chronology import build_chronology
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.store import open_store
from tests.ingest.helpers import police_row, write_csc, write_police, write_school


def _link_by_name(con) -> None:
    """Stand-in for linkage: one person per folded forename+surname, one place per street line."""
    con.execute("UPDATE person_mentions SET person_id = 'P' || lpad((hash(forename || surname) % 100000000)::VARCHAR,"
                " 8, '0') WHERE forename IS NOT NULL")
    con.execute("UPDATE person_mentions p SET person_id = q.person_id FROM person_mentions q "
                "WHERE p.person_id IS NULL AND p.local_id = q.local_id AND q.person_id IS NOT NULL")
    con.execute("UPDATE address_mentions SET address_id = 'A' || coalesce(number, '') || '-' || coalesce(street, '')")


@pytest.fixture()
def store(tmp_path: Path):
    d = tmp_path / "extracts"
    d.mkdir()
    write_police(d / "police_occurrences.csv", [
        police_row(ref="OCC/2024/1", when="01/03/2024 22:00", kind="DOMESTIC", nominal="N1", role="SUSPECT",
                   surname="HART", forenames="DANIEL", dob="12/04/1985", home="14 ASH GROVE, KETTERBY, NN16 8QT"),
        police_row(ref="OCC/2024/1", when="01/03/2024 22:00", kind="DOMESTIC", nominal="N2", role="VICTIM",
                   surname="HART", forenames="JANE", dob="01/01/1988", gender="F",
                   home="14 ASH GROVE, KETTERBY, NN16 8QT"),
        police_row(ref="OCC/2024/1", when="01/03/2024 22:00", kind="DOMESTIC", nominal="N3", role="INVOLVED",
                   surname="HART", forenames="LILY", dob="03/03/2015", gender="F",
                   home="14 ASH GROVE, KETTERBY, NN16 8QT"),
        police_row(ref="OCC/2024/2", when="05/06/2024 10:00", kind="ARREST", nominal="N1", role="SUSPECT",
                   surname="HART", forenames="DANIEL", dob="12/04/1985", home="3 MILL LANE, KETTERBY, NN16 9AA"),
    ])
    write_school(d / "school_safeguarding.csv", [
        {"UPN": "", "Legal Forename": "Lily", "Preferred Forename": "Lily", "Legal Surname": "Hart",
         "DOB": "03/03/2015", "Gender": "F", "Year Group": "4", "Address": "14 Ash Grove\nKetterby",
         "Postcode": "NN16 8QT", "Incident Date": "04/03/2024", "Category": "Referral to MASH",
         "Details": "Referred after disclosure", "Action": "Referral to MASH",
         "Carer 1 Name": "Jane Hart", "Carer 1 Relationship": "Mother"}])
    write_csc(d / "csc_episodes.xlsx", [
        {"Person ID": "LA1", "Forename": "Lily", "Surname": "Hart", "DOB": dt.date(2015, 3, 3), "Gender": "Female",
         "Address": "14 Ash Grove, Ketterby", "Postcode": "NN16 8QT", "Episode": "Referral",
         "Start Date": dt.date(2024, 3, 6), "Outcome": "Strategy Discussion"}])
    con = open_store(tmp_path / "s.duckdb")
    reports = ingest_paths(con, [d])
    assert all(r.status == "ingested" for r in reports), [r.message for r in reports]
    _link_by_name(con)
    build_chronology(con)
    yield con
    con.close()


def test_nominal_rows_of_one_occurrence_are_one_event(store):
    rows = store.execute("SELECT event_id, n_sources FROM chronology WHERE event_type = 'police.domestic'").fetchall()
    assert len(rows) == 1 and rows[0][1] == 3
    people = store.execute("SELECT count(*) FROM event_people WHERE event_id = ?", [rows[0][0]]).fetchall()[0][0]
    assert people == 3


def test_referral_recorded_by_referrer_and_csc_is_one_event(store):
    rows = store.execute("""SELECT c.event_type, c.agencies, c.n_sources FROM chronology c
                            WHERE list_contains(c.agencies, 'education')""").fetchall()
    assert rows == [("csc.referral", ["csc", "education"], 2)]


def test_how_far_apart_a_referral_is_one_event_is_a_rule_setting(store):
    # The school's referral (4 March) and CSC's (6 March) are one entry within the default 7 days
    # (RuleSettings.chronology.referral_merge_days), two within 1.
    from chronolink.engine.rules import RuleSettings

    build_chronology(store, RuleSettings.model_validate({"chronology": {"referral_merge_days": 1}}))
    rows = store.execute("""SELECT c.event_type, c.agencies FROM chronology c
                            WHERE list_has_any(c.agencies, ['education', 'csc']) ORDER BY ALL""").fetchall()
    assert rows == [("csc.referral", ["csc"]), ("education.referral_to_mash", ["education"])]


def test_every_dated_source_row_is_in_exactly_one_event(store):
    dated = store.execute("SELECT count(*) FROM records WHERE event_date IS NOT NULL").fetchall()[0][0]
    sourced = store.execute("SELECT count(DISTINCT record_id), count(*) FROM event_sources").fetchall()[0]
    assert sourced == (dated, dated)


def test_places_over_time_and_coresidence(store):
    daniel = store.execute("SELECT DISTINCT person_id FROM person_mentions WHERE forename = 'DANIEL'").fetchall()[0][0]
    places = store.execute("SELECT address_id, first_seen, last_seen FROM person_places WHERE person_id = ? "
                           "ORDER BY first_seen", [daniel]).fetchall()
    assert [p[1] for p in places] == [dt.date(2024, 3, 1), dt.date(2024, 6, 5)]
    lily = store.execute("SELECT DISTINCT person_id FROM person_mentions WHERE forename = 'LILY'").fetchall()[0][0]
    pair = sorted([daniel, lily])
    co = store.execute("SELECT overlap_from FROM coresidence WHERE person_a = ? AND person_b = ?", pair).fetchall()
    assert co == [(dt.date(2024, 3, 1),)]


def test_carer_is_observed_at_the_pupils_address(store):
    rows = store.execute("""SELECT o.field FROM mention_observations o JOIN person_mentions m USING (mention_id)
                            WHERE m.slot = 'carer1'""").fetchall()
    assert rows == [("Address",)]


def test_bailed_nominal_is_observed_at_the_bail_address(tmp_path):
    write_police(tmp_path / "police_occurrences.csv", [
        police_row(kind="BAIL", home="3 MILL LANE, KETTERBY", bail="C/O 14 ASH GROVE, KETTERBY",
                   conditions="RESIDE AT BAIL ADDRESS"),
        police_row(ref="OCC/2", kind="ARREST", home="3 MILL LANE, KETTERBY", bail="14 ASH GROVE, KETTERBY")])
    con = open_store(tmp_path / "s.duckdb")
    ingest_paths(con, [tmp_path / "police_occurrences.csv"])
    fields = con.execute("SELECT m.source_row, o.field FROM mention_observations o JOIN person_mentions m "
                         "USING (mention_id) ORDER BY 1, 2").fetchall()
    # the BAIL row observes at home and bail address; the ARREST row only at home
    assert fields == [(1, "BailAddress"), (1, "HomeAddress"), (2, "HomeAddress")]


def test_relationship_row_resolves_to_the_household_member_it_names(tmp_path):
    """`Mo Hart` born 12/04/1985 on the child's relationships row is the household's Mohammed Hart born
    that day, even when linkage left the row's mention apart."""
    from chronolink.engine.chronology import load_rule_inputs

    d = tmp_path / "x"
    d.mkdir()
    write_police(d / "police_occurrences.csv", [
        police_row(ref="OCC/1", nominal="N1", surname="HART", forenames="MOHAMMED", dob="12/04/1985"),
        police_row(ref="OCC/1", nominal="N2", role="VICTIM", surname="HART", forenames="LILY", dob="03/03/2015",
                   gender="F"),
        police_row(ref="OCC/2", nominal="N3", surname="HART", forenames="MARK", dob="01/01/1990")])
    write_csc(d / "csc_episodes.xlsx", [
        {"Person ID": "LA1", "Forename": "Lily", "Surname": "Hart", "DOB": dt.date(2015, 3, 3),
         "Address": "14 Ash Grove, Ketterby", "Episode": "Referral", "Start Date": dt.date(2024, 3, 6)}])
    (d / "csc_relationships.csv").write_text(
        "Person ID,Related Name,Relationship,Related DOB,Related Address\n"
        "LA1,Mo Hart,Mother's partner,12/04/1985,\n")
    con = open_store(tmp_path / "s.duckdb")
    ingest_paths(con, [d])
    _link_by_name(con)
    build_chronology(con)
    ids = dict(con.execute("SELECT DISTINCT forename, person_id FROM person_mentions "
                           "WHERE forename IS NOT NULL").fetchall())
    rel = load_rule_inputs(con).relationships
    pairs = set(zip(rel["child_person_id"], rel["related_person_id"]))
    assert (ids["LILY"], ids["MO"]) in pairs  # the row as linked
    assert (ids["LILY"], ids["MOHAMMED"]) in pairs  # and the household member it names
    assert (ids["LILY"], ids["MARK"]) not in pairs  # another Hart at the address, born another day


@pytest.mark.parametrize(("similarity", "resolved"), [(None, True), (0.99, False)])
def test_how_close_a_relationship_row_must_be_is_a_rule_setting(tmp_path, similarity, resolved):
    """`Mo Harte` (Jaro-Winkler 0.96 to HART) names the household's Mohammed Hart at the default 0.9 of
    RuleSettings.relationships.name_similarity, and nobody when the setting asks for 0.99."""
    from chronolink.engine.chronology import load_rule_inputs
    from chronolink.engine.rules import RuleSettings

    d = tmp_path / "x"
    d.mkdir()
    write_police(d / "police_occurrences.csv", [
        police_row(ref="OCC/1", nominal="N1", surname="HART", forenames="MOHAMMED", dob="12/04/1985"),
        police_row(ref="OCC/1", nominal="N2", role="VICTIM", surname="HART", forenames="LILY", dob="03/03/2015",
                   gender="F")])
    write_csc(d / "csc_episodes.xlsx", [
        {"Person ID": "LA1", "Forename": "Lily", "Surname": "Hart", "DOB": dt.date(2015, 3, 3),
         "Address": "14 Ash Grove, Ketterby", "Episode": "Referral", "Start Date": dt.date(2024, 3, 6)}])
    (d / "csc_relationships.csv").write_text(
        "Person ID,Related Name,Relationship,Related DOB,Related Address\n"
        "LA1,Mo Harte,Mother's partner,12/04/1985,\n")
    con = open_store(tmp_path / "s.duckdb")
    ingest_paths(con, [d])
    _link_by_name(con)
    build_chronology(con)
    ids = dict(con.execute("SELECT DISTINCT forename, person_id FROM person_mentions "
                           "WHERE forename IS NOT NULL").fetchall())
    settings = RuleSettings.model_validate({"relationships": {"name_similarity": similarity}}) if similarity else None
    rel = load_rule_inputs(con, settings).relationships
    pairs = set(zip(rel["child_person_id"], rel["related_person_id"]))
    assert (ids["LILY"], ids["MO"]) in pairs
    assert ((ids["LILY"], ids["MOHAMMED"]) in pairs) is resolved
