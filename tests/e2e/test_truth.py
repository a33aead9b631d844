"""End to end on a generated world with known truth: ingest, link, flag, then score against truth."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from bench.flag_quality import score
from bench.quality import pairwise_scores
from chronolink.engine.export import address_mentions, person_mentions
from chronolink.engine.flags import run_flags
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.link.run import run_link
from chronolink.engine.store import open_store


@pytest.fixture(scope="module")
def linked(small_world: Path, tmp_path_factory):
    con = open_store(tmp_path_factory.mktemp("e2e") / "s.duckdb")
    reports = ingest_paths(con, [small_world])
    assert all(r.status == "ingested" and r.reconciles for r in reports)
    run_link(con)
    run_flags(con, dt.date(2026, 10, 31))
    yield con, small_world / "truth"
    con.close()


def test_every_truth_mention_is_exported(linked):
    con, truth = linked
    keys = ["source_file", "source_row", "slot"]
    ours = person_mentions(con).with_columns(pl.col("source_row").cast(pl.Int64))
    theirs = pl.read_csv(truth / "mentions.csv").with_columns(pl.col("source_row").cast(pl.Int64))
    assert theirs.join(ours, on=keys, how="anti").height == 0
    assert ours.join(theirs, on=keys, how="anti").height == 0


def test_person_linkage_quality(linked):
    con, truth = linked
    s = pairwise_scores(person_mentions(con), pl.read_csv(truth / "mentions.csv"),
                        ["source_file", "source_row", "slot"], "person_id")
    assert s["f1"] >= 0.95, s


def test_place_linkage_quality(linked):
    con, truth = linked
    s = pairwise_scores(address_mentions(con), pl.read_csv(truth / "addresses.csv"),
                        ["source_file", "source_row", "field"], "address_id")
    assert s["f1"] >= 0.97, s


def test_flags_against_truth(linked):
    con, truth = linked
    result = score(con, truth)
    tp, n_truth, n_engine = result["tp"].sum(), result["truth"].sum(), result["engine"].sum()
    assert tp / n_truth >= 0.9 and tp / n_engine >= 0.9, result
