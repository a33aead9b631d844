"""Placeholder identifiers never count as evidence: planted in the sample, they change no flag."""
from __future__ import annotations

import csv
import datetime as dt
import itertools
import shutil
from pathlib import Path

import polars as pl
import pytest

from bench.flag_quality import score
from chronolink.engine.flags import run_flags
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.link.run import run_link
from chronolink.engine.store import open_store

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "world"
UPRNS = ("0", "-1", "999999999999")  # what housing exports write for "no UPRN"
NHS = ("0000000000", "9999999999")  # both pass the modulus 11 check


def _plant(path: Path, column: str, values: tuple[str, ...]) -> int:
    """Write `values` in turn into every blank cell of `column`; returns how many were planted."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    i = rows[0].index(column)
    cycle, n = itertools.cycle(values), 0
    for r in rows[1:]:
        if not r[i].strip():
            r[i], n = next(cycle), n + 1
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return n


def _flags(world: Path, db: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    con = open_store(db)
    try:
        ingest_paths(con, [world])
        run_link(con)
        run_flags(con, dt.date(2026, 10, 31))
        scored = score(con, world / "truth").sort("rule")
        places = con.sql("SELECT identifier, value FROM identifier_placeholders ORDER BY ALL").pl()
        issues = con.sql("SELECT field, problem, count(*) AS n FROM value_issues GROUP BY ALL ORDER BY ALL").pl()
        return scored, places, issues
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("placeholders")
    planted = root / "planted"
    shutil.copytree(SAMPLE, planted)
    n_uprn = _plant(planted / "housing_tenancies.csv", "UPRN", UPRNS)
    n_nhs = _plant(planted / "gp_consultations.csv", "NHS Number", NHS)
    assert n_uprn > 50 and n_nhs > 50
    return {"clean": _flags(SAMPLE, root / "clean.duckdb"), "planted": _flags(planted, root / "planted.duckdb")}


def test_planted_placeholders_change_no_flag(runs) -> None:
    clean, planted = runs["clean"][0], runs["planted"][0]
    assert planted.equals(clean), (clean, planted)
    assert clean["engine"].sum() > 100  # the sample's flags are there to compare


def test_placeholders_are_found_from_the_data_and_listed(runs) -> None:
    assert runs["clean"][1].height == 0  # the sample's own identifiers are all real
    found = set(runs["planted"][1].iter_rows())
    # -1 is no UPRN at all (a value issue); 0 is neither; 999999999999 is well formed but held by many dwellings
    assert ("uprn", "999999999999") in found and ("nhs_number", "0000000000") in found
    assert ("nhs_number", "9999999999") in found


def test_invalid_uprns_are_value_issues(runs) -> None:
    issues = {(f, p): n for f, p, n in runs["planted"][2].iter_rows()}
    assert issues.get(("UPRN", "invalid_uprn"), 0) > 0
    assert ("UPRN", "invalid_uprn") not in {(f, p) for f, p, _ in runs["clean"][2].iter_rows()}
