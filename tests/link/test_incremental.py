"""Incremental linkage: new extracts linked into a linked store agree with a full relink."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from bench.link_incremental import new_pair_agreement, split_world
from bench.quality import pair_agreement
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.link.run import run_link
from chronolink.engine.store import open_store

WORLD = Path(__file__).resolve().parents[2] / "sample_data" / "world"
DAY_ROWS = 150  # the day's rows: the last rows of every CSV and JSONL extract, referrals among them


@pytest.fixture(scope="module")
def linked_then_new(tmp_path_factory):
    held, day = split_world(WORLD, tmp_path_factory.mktemp("split"), DAY_ROWS)
    con = open_store(tmp_path_factory.mktemp("store") / "s.duckdb")
    ingest_paths(con, [held])
    first = run_link(con)
    before = con.sql("SELECT mention_id, person_id FROM person_mentions").pl()
    before_places = con.sql("SELECT address_mention_id FROM address_mentions").pl()
    ingest_paths(con, day)
    # new address mentions written exactly as a stored one (every parsed part, UPRN and text): their twins' places
    twins = con.sql("""
        SELECT n.address_mention_id, list_distinct(list(o.address_id)) AS twin_ids FROM address_mentions n
        JOIN address_mentions o ON o.address_id IS NOT NULL AND o.raw = n.raw
         AND o.flat IS NOT DISTINCT FROM n.flat AND o.number IS NOT DISTINCT FROM n.number
         AND o.number_suffix IS NOT DISTINCT FROM n.number_suffix AND o.building IS NOT DISTINCT FROM n.building
         AND o.street IS NOT DISTINCT FROM n.street AND o.town IS NOT DISTINCT FROM n.town
         AND o.postcode IS NOT DISTINCT FROM n.postcode AND o.uprn IS NOT DISTINCT FROM n.uprn
        WHERE n.address_id IS NULL GROUP BY 1""").pl()
    rep = run_link(con)
    inc = {
        "twins": twins,
        "persons": con.sql("SELECT mention_id, person_id FROM person_mentions").pl(),
        "places": con.sql("SELECT address_mention_id, address_id FROM address_mentions").pl(),
        "counts": con.execute("""SELECT (SELECT count(*) FROM person_mentions WHERE person_id IS NULL),
                                        (SELECT count(*) FROM address_mentions WHERE address_id IS NULL),
                                        (SELECT count(*) FROM persons), (SELECT count(DISTINCT person_id) FROM person_mentions),
                                        (SELECT count(*) FROM link_msig), (SELECT count(*) FROM person_mentions)""").fetchall()[0],
    }
    full = run_link(con, full=True)
    out = {"first": first, "rep": rep, "full": full, "before": before, "before_places": before_places, "inc": inc,
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
    # The run names every person it changed: those of the new mentions, and both ids of a moved mention.
    now = r["inc"]["persons"].join(r["before"], on="mention_id", how="left", suffix="_before")
    moved = now.filter(pl.col("person_id_before").is_null() | (pl.col("person_id") != pl.col("person_id_before")))
    named = set(moved["person_id"]) | set(moved["person_id_before"].drop_nulls())
    assert named and named == set(r["rep"].changed_persons)


def test_incremental_link_agrees_with_a_full_relink(linked_then_new):
    r = linked_then_new
    new = pl.col("mention_id").is_in(r["before"]["mention_id"].implode()).not_()
    persons = r["inc"]["persons"].join(r["full_persons"], on="mention_id").with_columns(new.alias("new"))
    places = r["inc"]["places"].join(r["full_places"], on="address_mention_id")
    # The day is a real share of every agency's rows, and most of its people are known already.
    n_new = persons["new"].sum()
    assert n_new > 150 and set(r["rep"].timings) >= {"new_pairs", "new_clusters"}
    joined = persons.filter(pl.col("new") & pl.col("person_id").is_in(r["before"]["person_id"].implode())).height
    assert joined > n_new / 2
    assert pair_agreement(persons, "person_id", "full") >= 0.999
    assert pair_agreement(places, "address_id", "full") >= 0.999
    # Among the pairs the incremental run decided (those holding a new mention) too.
    assert new_pair_agreement(persons, "person_id", "full", "new") >= 0.99


def test_a_store_with_no_model_or_with_many_new_mentions_is_linked_in_full(tmp_path):
    from chronolink.engine.link.incremental import why_not_incremental

    con = open_store(tmp_path / "s.duckdb")
    ingest_paths(con, [WORLD / "gp_consultations.csv"])
    assert run_link(con).mode == "full"
    assert why_not_incremental(con, 0.05) is None  # nothing new
    ingest_paths(con, [WORLD / "school_safeguarding.csv"])
    assert "new mentions" in why_not_incremental(con, 0.05)
    con.close()


def test_new_addresses_take_their_twins_places_and_agree_with_a_full_relink(linked_then_new):
    r = linked_then_new
    places = r["inc"]["places"].join(r["full_places"], on="address_mention_id").with_columns(
        pl.col("address_mention_id").is_in(r["before_places"]["address_mention_id"].implode()).not_().alias("new"))
    # a new mention written exactly as stored ones (all of one place) is at that place
    twins = r["inc"]["twins"].filter(pl.col("twin_ids").list.len() == 1).join(r["inc"]["places"], on="address_mention_id")
    assert twins.height > 50
    assert (twins["address_id"] == twins["twin_ids"].list.first()).all()
    # and the new mentions written another way are placed as a full relink places them
    assert places["new"].sum() > twins.height
    assert new_pair_agreement(places, "address_id", "full", "new") >= 0.99
