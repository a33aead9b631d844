"""Placeholder identifiers and dates of birth never count as evidence: planted in the sample, they change
no flag and merge nobody."""
from __future__ import annotations

import csv
import datetime as dt
import itertools
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from bench.flag_quality import score
from bench.quality import contingency_scores
from chronolink.engine.flags import run_flags
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.link.run import run_link
from chronolink.engine.store import open_store

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "world"
UPRNS = ("0", "-1", "999999999999")  # what housing exports write for "no UPRN"
NHS = ("0000000000", "9999999999")  # both pass the modulus 11 check
# Dates of birth systems write when none is known, each in its file's own date format.
DOBS = {"csc_relationships.csv": ("Related DOB", ("01/01/1900",)), "housing_tenancies.csv": ("Lead Tenant DOB", ("1900-01-01",)),
        "police_occurrences.csv": ("DOB", ("01/01/1901",)), "gp_consultations.csv": ("Date of Birth", ("01-Jan-1901",))}


def _plant(path: Path, column: str, values: tuple[str, ...]) -> int:
    """Write `values` in turn into every blank cell of `column`; returns how many were planted."""
    enc = "utf-8-sig" if path.read_bytes().startswith(b"\xef\xbb\xbf") else "utf-8"  # keep a byte-order mark
    with open(path, encoding=enc, newline="") as fh:
        rows = list(csv.reader(fh))
    i = rows[0].index(column)
    cycle, n = itertools.cycle(values), 0
    for r in rows[1:]:
        if not r[i].strip():
            r[i], n = next(cycle), n + 1
    with open(path, "w", encoding=enc, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return n


def _flags(world: Path, db: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict]:
    con = open_store(db)
    try:
        ingest_paths(con, [world])
        run_link(con)
        run_flags(con, dt.date(2026, 10, 31))
        scored = score(con, world / "truth").sort("rule")
        places = con.sql("SELECT identifier, value FROM identifier_placeholders ORDER BY ALL").pl()
        issues = con.sql("SELECT field, problem, count(*) AS n FROM value_issues GROUP BY ALL ORDER BY ALL").pl()
        truth = pl.read_csv(world / "truth" / "mentions.csv", infer_schema=False).with_columns(
            pl.col("source_row").cast(pl.Int32))
        persons = con.sql("SELECT source_file, source_row, slot, person_id FROM person_mentions").pl().join(
            truth.rename({"person_id": "true_id"}), on=["source_file", "source_row", "slot"])
        return scored, places, issues, contingency_scores(persons, "true_id", "person_id")
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("placeholders")
    planted = root / "planted"
    shutil.copytree(SAMPLE, planted)
    n_uprn = _plant(planted / "housing_tenancies.csv", "UPRN", UPRNS)
    n_nhs = _plant(planted / "gp_consultations.csv", "NHS Number", NHS)
    n_dob = sum(_plant(planted / f, col, values) for f, (col, values) in DOBS.items())
    assert n_uprn > 50 and n_nhs > 50 and n_dob > 100
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
    # written for people of many surnames, far more than any other date of their years
    assert ("dob", "1900-01-01") in found and ("dob", "1901-01-01") in found
    assert not {v for i, v in found if i == "dob"} - {"1900-01-01", "1901-01-01"}


def test_placeholder_dates_of_birth_merge_nobody(runs) -> None:
    clean, planted = runs["clean"][3], runs["planted"][3]
    # a placeholder date is read as unknown: no pair of people joined on it, none split by it
    assert planted["predicted_pairs"] - planted["true_pairs"] * planted["recall"] <= (
        clean["predicted_pairs"] - clean["true_pairs"] * clean["recall"]), (clean, planted)
    assert planted["precision"] >= clean["precision"] and planted["f1"] >= clean["f1"] - 0.0005, (clean, planted)


def test_invalid_uprns_are_value_issues(runs) -> None:
    issues = {(f, p): n for f, p, n in runs["planted"][2].iter_rows()}
    assert issues.get(("UPRN", "invalid_uprn"), 0) > 0
    assert ("UPRN", "invalid_uprn") not in {(f, p) for f, p, _ in runs["clean"][2].iter_rows()}


def test_placeholder_date_thresholds_are_link_settings() -> None:
    # 12 surnames on 1900-01-01, two on a real date: found at the default holders (10), not at 20
    from chronolink.engine.link.engine import DuckDBEngine
    from chronolink.engine.link.placeholders import dob_placeholders
    from chronolink.engine.link.settings import PlaceholderSettings

    con = duckdb.connect()
    rows = [(f"S{i}", dt.date(1900, 1, 1)) for i in range(12)] + [("A", dt.date(2010, 5, 3)), ("B", dt.date(2010, 5, 3))]
    con.register("pm", pl.DataFrame(rows, schema={"surname": pl.String, "dob": pl.Date}, orient="row").with_columns(
        pl.lit("ok").alias("dob_status")))
    found = dob_placeholders(DuckDBEngine(con), "pm", PlaceholderSettings())
    assert found["value"].to_list() == ["1900-01-01"] and found["holders"].to_list() == [12]
    assert dob_placeholders(DuckDBEngine(con), "pm", PlaceholderSettings(dob_holders=20)).is_empty()
