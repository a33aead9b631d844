"""Incremental linkage: new extracts linked into a linked store agree with a full relink."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.quality import pair_agreement
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.link.run import run_link
from chronolink.engine.store import open_store

WORLD = Path(__file__).resolve().parents[2] / "sample_data" / "world"
NEW = "mash_referrals.csv"  # the day's referrals arrive after the store was linked


@pytest.fixture(scope="module")
def linked_then_new(tmp_path_factory):
    held = tmp_path_factory.mktemp("held")
    for f in WORLD.iterdir():
        if f.is_file() and f.name != NEW:
            (held / f.name).symlink_to(f)
    con = open_store(tmp_path_factory.mktemp("store") / "s.duckdb")
    ingest_paths(con, [held])
    first = run_link(con)
    before = con.sql("SELECT mention_id, person_id FROM person_mentions").pl()
    ingest_paths(con, [WORLD / NEW])
    rep = run_link(con)
    inc = {
        "persons": con.sql("SELECT mention_id, person_id FROM person_mentions").pl(),
        "places": con.sql("SELECT address_mention_id, address_id FROM address_mentions").pl(),
        "counts": con.execute("""SELECT (SELECT count(*) FROM person_mentions WHERE person_id IS NULL),
                                        (SELECT count(*) FROM address_mentions WHERE address_id IS NULL),
                                        (SELECT count(*) FROM persons), (SELECT count(DISTINCT person_id) FROM person_mentions),
                                        (SELECT count(*) FROM link_msig), (SELECT count(*) FROM person_mentions)""").fetchall()[0],
    }
    full = run_link(con, full=True)
    out = {"first": first, "rep": rep, "full": full, "before": before, "inc": inc,
           "full_persons": con.sql("SELECT mention_id, person_id AS full FROM person_mentions").pl(),
           "full_places": con.sql("SELECT address_mention_id, address_id AS full FROM address_mentions").pl()}
    con.close()
    return out


def test_new_extracts_are_linked_incrementally_and_completely(linked_then_new):
    r = linked_then_new
    assert r["first"].mode == "full" and r["rep"].mode == "incremental" and r["full"].mode == "full"
    assert "training" not in r["rep"].timings and "new_pairs" in r["rep"].timings  # the stored model, not retrained
    no_person, no_place, n_rows, n_ids, n_sig_mentions, n_mentions = r["inc"]["counts"]
    assert no_person == no_place == 0
    assert n_rows == n_ids  # a persons row for every person id, none left over
    assert n_sig_mentions == n_mentions  # the stored signatures cover the new mentions
    # ids of mentions linked before are kept (a merge would be reported)
    kept = r["before"].join(r["inc"]["persons"], on="mention_id", suffix="_now")
    changed = kept.filter(kept["person_id"] != kept["person_id_now"]).height
    assert changed == 0 or r["rep"].person_changes.merges.height > 0


def test_incremental_link_agrees_with_a_full_relink(linked_then_new):
    r = linked_then_new
    persons = r["inc"]["persons"].join(r["full_persons"], on="mention_id")
    places = r["inc"]["places"].join(r["full_places"], on="address_mention_id")
    assert pair_agreement(persons, "person_id", "full") >= 0.999
    assert pair_agreement(places, "address_id", "full") >= 0.999


def test_a_store_with_no_model_or_with_many_new_mentions_is_linked_in_full(tmp_path):
    from chronolink.engine.link.incremental import why_not_incremental

    con = open_store(tmp_path / "s.duckdb")
    ingest_paths(con, [WORLD / "gp_consultations.csv"])
    assert run_link(con).mode == "full"
    assert why_not_incremental(con, 0.05) is None  # nothing new
    ingest_paths(con, [WORLD / "school_safeguarding.csv"])
    assert "new mentions" in why_not_incremental(con, 0.05)
    con.close()
