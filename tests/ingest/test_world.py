"""Ingest a whole generated world: everything reconciles, every truth mention is present, ids are unique."""
from __future__ import annotations

import polars as pl
import pytest

from chronolink.engine.export import address_mentions, person_mentions
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.store import open_store


@pytest.fixture(scope="module")
def ingested(tiny_world, tmp_path_factory):
    con = open_store(tmp_path_factory.mktemp("ingest") / "s.duckdb")
    reports = ingest_paths(con, [tiny_world])
    yield con, reports, tiny_world / "truth"
    con.close()


def test_all_eight_layouts_reconcile(ingested):
    _, reports, _ = ingested
    assert sorted(r.layout for r in reports) == sorted([
        "police_occurrences", "csc_episodes", "csc_relationships", "gp_consultations", "school_safeguarding",
        "probation_events", "housing_tenancies", "mash_referrals"])
    for r in reports:
        assert r.status == "ingested" and r.reconciles and r.rows_read > 0, r


@pytest.mark.parametrize("table, key", [("records", "record_id"), ("person_mentions", "mention_id"),
                                        ("address_mentions", "address_mention_id")])
def test_ids_are_unique(ingested, table, key):
    con, _, _ = ingested
    n, distinct = con.execute(f"SELECT count(*), count(DISTINCT {key}) FROM {table}").fetchall()[0]
    assert n == distinct > 0


def test_every_truth_mention_and_address_is_present(ingested):
    con, _, truth = ingested
    for ours, theirs, keys in (
            (person_mentions(con), pl.read_csv(truth / "mentions.csv"), ["source_file", "source_row", "slot"]),
            (address_mentions(con), pl.read_csv(truth / "addresses.csv"), ["source_file", "source_row", "field"])):
        ours = ours.with_columns(pl.col("source_row").cast(pl.Int64))
        theirs = theirs.with_columns(pl.col("source_row").cast(pl.Int64))
        assert theirs.join(ours, on=keys, how="anti").height == 0
        assert ours.join(theirs, on=keys, how="anti").height == 0


def test_every_stored_row_keeps_provenance(ingested):
    con, _, _ = ingested
    for table in ("records", "person_mentions", "address_mentions", "mention_observations"):
        bad = con.execute(f"SELECT count(*) FROM {table} WHERE source_file IS NULL OR source_row IS NULL "
                          "OR source_row < 1").fetchall()[0][0]
        assert bad == 0, table
    assert con.execute("SELECT count(*) FROM person_mentions WHERE slot IS NULL").fetchall()[0][0] == 0


def test_each_file_keeps_its_own_row_groups_and_settings_are_restored(tiny_world, tmp_path):
    """A file's commit does not re-compress the files stored before it (no vacuum during the load: each
    file's rows stay in row groups of their own), and the store's settings are as they were afterwards."""
    con = open_store(tmp_path / "s.duckdb")
    settings = "SELECT current_setting('max_vacuum_tasks'), current_setting('disabled_compression_methods')"
    before = con.execute(settings).fetchall()
    con.execute("SET checkpoint_threshold = '1KB'")  # every file's commit checkpoints, as the 1M world's do
    reports = ingest_paths(con, [tiny_world])
    assert con.execute(settings).fetchall() == before
    groups = con.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('records')").fetchall()[0][0]
    assert groups == len(reports) == 8
    con.close()
