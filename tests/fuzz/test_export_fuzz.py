"""Fuzzing exports: no exported cell starts like a spreadsheet formula, whatever the extracts held."""
from __future__ import annotations

import csv
import re
import tempfile
import zipfile
from pathlib import Path

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from chronolink.engine.export import address_mentions, person_mentions, write_csv_safe, write_xlsx_safe
from chronolink.engine.export.pseudonymised import pseudonymised_mentions
from chronolink.engine.ingest import ingest_file
from tests.fuzz.extracts import header, mapping, write_layout
from tests.fuzz.strategies import FORMULAS, FUZZ, SCRIPTS, field, memory_store

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\x00")
KEY = b"fuzz-pseudonym-key-0123456789abcdef"
cell = st.one_of(field, st.sampled_from(FORMULAS), st.text(max_size=12).map(lambda t: "=" + t))


def read_cells(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def assert_safe(path: Path) -> None:
    for row in read_cells(path):
        for value in row:
            assert not value.startswith(DANGEROUS), (path.name, value[:40])


@FUZZ
@given(values=st.lists(st.tuples(cell, cell), min_size=1, max_size=8))
def test_safe_csv_neutralises_and_keeps_everything_else(values):
    frame = pl.DataFrame({"a": [v[0] for v in values], "b": [v[1] for v in values]}, schema={"a": pl.String, "b": pl.String})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.csv"
        write_csv_safe(frame, path)
        rows = read_cells(path)
    assert rows[0] == ["a", "b"] and len(rows) == len(values) + 1
    for (a, b), row in zip(values, rows[1:]):
        for original, written in zip((a, b), row):
            assert not written.startswith(DANGEROUS)
            expected = "'" + original if original.startswith(DANGEROUS) else original
            # polars writes CR LF inside quoted cells unchanged; csv reads them back as written
            assert written == expected


@FUZZ
@given(values=st.lists(cell, min_size=1, max_size=8))
def test_safe_xlsx_has_no_formulas(values):
    values = [v.replace("\x00", "") for v in values]  # XML cannot hold NUL
    frame = pl.DataFrame({"text": values}, schema={"text": pl.String})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.xlsx"
        write_xlsx_safe(frame, path)
        with zipfile.ZipFile(path) as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    assert not re.search(r't="(?:str|e)"', sheet)  # no formula results or error cells


payload = st.one_of(st.sampled_from(FORMULAS), st.sampled_from(SCRIPTS), field)


@FUZZ
@given(data=st.data())
def test_exports_of_hostile_extracts_are_safe(data):
    layout = data.draw(st.sampled_from(["police_occurrences", "gp_consultations", "school_safeguarding",
                                        "housing_tenancies", "mash_referrals", "csc_relationships"]))
    cols = header(mapping(layout))
    rows = [{c: data.draw(payload) for c in cols} for _ in range(data.draw(st.integers(1, 4)))]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_layout(folder / "in", layout, rows)
        con = memory_store()
        report = ingest_file(con, path)
        assert report.status == "ingested" and report.rows_stored == len(rows), report.message
        frames = {
            "mentions.csv": person_mentions(con),
            "addresses.csv": address_mentions(con),
            "pseudonymised.csv": pseudonymised_mentions(con, KEY, with_free_text=True),
            "records.csv": con.sql("SELECT * EXCLUDE (attrs), CAST(attrs AS VARCHAR) AS attrs FROM records").pl(),
            "people.csv": con.sql("SELECT * FROM person_mentions").pl(),
        }
        con.close()
        for name, frame in frames.items():
            out = folder / name
            write_csv_safe(frame, out)
            assert_safe(out)
