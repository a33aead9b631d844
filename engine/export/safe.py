"""Spreadsheet-safe output: a cell that a spreadsheet would run as a formula is neutralised."""
from __future__ import annotations

from pathlib import Path

import polars as pl

FORMULA_START = r"^[=+\-@\t\r\x00]"


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix `'` to every text cell starting with =, +, -, @, tab, CR or NUL."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        [pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
         for c in text])


def write_csv_safe(frame: pl.DataFrame, path: Path) -> None:
    """Write a CSV with formula-like cells neutralised."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    neutralise(frame).write_csv(path)


def write_xlsx_safe(frame: pl.DataFrame, path: Path, sheet: str = "Sheet1") -> None:
    """Write an XLSX whose cells are neutralised and never turned into formulas."""
    import xlsxwriter

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame = neutralise(frame)
    with xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False}) as wb:
        ws = wb.add_worksheet(sheet)
        bold = wb.add_format({"bold": True})
        for j, name in enumerate(frame.columns):
            ws.write_string(0, j, name, bold)
        for i, row in enumerate(frame.iter_rows(), start=1):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    ws.write_number(i, j, value)
                else:
                    ws.write_string(i, j, str(value))
