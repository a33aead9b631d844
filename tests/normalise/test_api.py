"""The public surface of engine.normalise does not drift (the ingest is written against it)."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import polars as pl

import chronolink.engine.normalise as norm

EXPECTED = {
    "expand_street_abbreviations": "(e: 'pl.Expr') -> 'pl.Expr'",
    "extract_postcode": "(e: 'pl.Expr') -> 'pl.Expr'",
    "fold_name": "(e: 'pl.Expr') -> 'pl.Expr'",
    "name_suffix": "(e: 'pl.Expr') -> 'pl.Expr'",
    "nhs_number": "(e: 'pl.Expr') -> 'pl.Expr'",
    "nickname_canonicals": "(e: 'pl.Expr') -> 'pl.Expr'",
    "nickname_table": "() -> 'pl.DataFrame'",
    "normalise_postcode": "(e: 'pl.Expr') -> 'pl.Expr'",
    "parse_address": "(line: 'pl.Expr', postcode: 'pl.Expr | None' = None, town: 'pl.Expr | None' = None) -> 'pl.Expr'",
    "parse_date": "(e: 'pl.Expr', formats: 'list[str]', *, excel_serial: 'bool' = False, min_year: 'int' = 1900, "
                  "max_date: 'date | None' = None) -> 'pl.Expr'",
    "parse_datetime": "(e: 'pl.Expr', formats: 'list[str]', *, min_year: 'int' = 1900, max_date: 'date | None' = None)"
                      " -> 'pl.Expr'",
    "pnc_id": "(e: 'pl.Expr', *, pivot_year: 'int | None' = None) -> 'pl.Expr'",
    "split_forenames": "(e: 'pl.Expr') -> 'pl.Expr'",
    "split_full_name": "(e: 'pl.Expr') -> 'pl.Expr'",
    "strip_titles": "(e: 'pl.Expr') -> 'pl.Expr'",
    "surname_parts": "(e: 'pl.Expr') -> 'pl.Expr'",
    "upn": "(e: 'pl.Expr', *, check_la: 'bool' = True) -> 'pl.Expr'",
    "uprn": "(e: 'pl.Expr') -> 'pl.Expr'",
    "variant_groups": "() -> 'pl.DataFrame'",
}


def test_public_api_is_stable() -> None:
    assert sorted(norm.__all__) == sorted(EXPECTED)
    for name, sig in EXPECTED.items():
        fn = getattr(norm, name)
        assert str(inspect.signature(fn)) == sig, name
        doc = inspect.getdoc(fn)
        assert doc and doc.splitlines()[0].strip(), name


def test_output_struct_fields() -> None:
    df = pl.DataFrame({"v": ["x"]})
    schema = df.select(
        a=norm.parse_address(pl.col("v")),
        d=norm.parse_date(pl.col("v"), ["%d/%m/%Y"]),
        t=norm.parse_datetime(pl.col("v"), ["%d/%m/%Y %H:%M"]),
        p=norm.normalise_postcode(pl.col("v")),
        e=norm.extract_postcode(pl.col("v")),
        n=norm.nhs_number(pl.col("v")),
        u=norm.upn(pl.col("v")),
        c=norm.pnc_id(pl.col("v")),
        f=norm.split_full_name(pl.col("v")),
        g=norm.split_forenames(pl.col("v")),
    ).schema
    fields = {k: [f.name for f in v.fields] for k, v in schema.items()}
    assert fields == {
        "a": ["flat", "number", "number_suffix", "building", "street", "town", "postcode", "postcode_valid", "key"],
        "d": ["date", "status"],
        "t": ["date", "time", "status"],
        "p": ["postcode", "valid", "area", "district", "sector"],
        "e": ["rest", "postcode"],
        "n": ["value", "valid"],
        "u": ["value", "valid"],
        "c": ["value", "valid"],
        "f": ["forename", "middle_names", "surname", "suffix"],
        "g": ["forename", "middle_names"],
    }
    assert schema["d"].fields[0].dtype == pl.Date


def test_no_per_row_python_in_the_normalisers() -> None:
    src = "".join(p.read_text() for p in Path(norm.__file__).parent.glob("*.py"))
    assert not re.search(r"map_elements|apply\(", src)
