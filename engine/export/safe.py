"""Spreadsheet-safe output: the one formula neutraliser, and CSV/XLSX writers that use it.

A cell a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-`` or ``@``, or
their full-width forms ``＝ ＋ － ＠``, or tab, CR, LF or NUL, possibly after spaces or
invisible characters such as a zero-width space or a BOM) gets a leading ``'``, so it is shown
as text. XLSX is written with xlsxwriter told never to turn strings into formulas, URLs or numbers.
"""
from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from chronolink.engine.export.files import private_file

__all__ = ["FORMULA_START", "neutralise", "neutralise_columns", "table_format", "write_csv_safe", "write_table",
           "write_xlsx_safe"]

# Leading blanks and invisible characters a spreadsheet may skip, then a formula trigger.
_INVISIBLE = r"\s\u00a0\u00ad\u180e\u200b-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff"
FORMULA_START = rf"^(?:[\t\r\n\x00]|[{_INVISIBLE}]*[=+\-@\uff1d\uff0b\uff0d\uff20])"


def neutralise_columns(frame: pl.DataFrame, columns: list[str] | tuple[str, ...]) -> pl.DataFrame:
    """Prefix ``'`` to every cell of ``columns`` (cast to text) that a spreadsheet would run as a formula."""
    return frame.with_columns(
        pl.when(pl.col(c).cast(pl.String).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(c).cast(pl.String))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in columns)


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Neutralise every text column of ``frame`` (see the module docstring)."""
    return neutralise_columns(frame, [c for c, t in frame.schema.items() if t == pl.String])


def _csv(frame: pl.DataFrame, path: Path) -> None:
    neutralise(frame).write_csv(path)


def _xlsx(frame: pl.DataFrame, path: Path, sheet: str) -> None:
    import xlsxwriter

    frame = neutralise(frame).with_columns(
        pl.col(c).cast(pl.String) for c, t in frame.schema.items() if not (t.is_numeric() or t == pl.String))
    # Built in memory, then written by us: a failed write (full disk) is one OSError, not xlsxwriter's
    # half-closed zip file complaining at garbage collection.
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False}) as wb:
        frame.write_excel(wb, worksheet=sheet, autofit=False, table_style=None, header_format={"bold": True})
    path.write_bytes(buffer.getvalue())


def write_csv_safe(frame: pl.DataFrame, path: Path | str) -> None:
    """Write a CSV with formula-like cells neutralised (owner-only, whole or not at all)."""
    write_table(frame, path, "csv")


def write_xlsx_safe(frame: pl.DataFrame, path: Path | str, sheet: str = "Sheet1") -> None:
    """Write an XLSX whose cells are neutralised and never turned into formulas (owner-only, whole)."""
    write_table(frame, path, "xlsx", sheet)


def table_format(path: Path | str) -> str:
    """The format an export path asks for: ``xlsx`` for a .xlsx name, else ``csv``."""
    return "xlsx" if Path(path).suffix.lower() == ".xlsx" else "csv"


def write_table(frame: pl.DataFrame, path: Path | str, fmt: str | None = None, sheet: str = "Sheet1", *,
                whole: bool = True) -> str:
    """Write ``frame`` as ``fmt`` (default: by ``path``'s suffix); returns the format written.

    ``whole`` writes through :func:`private_file` (0600, renamed into place when complete); pass
    False when ``path`` already is such a temporary file.
    """
    fmt = fmt or table_format(path)
    write = _xlsx if fmt == "xlsx" else (lambda f, p, _sheet: _csv(f, p))
    if not whole:
        write(frame, Path(path), sheet)
        return fmt
    with private_file(path) as tmp:
        write(frame, tmp, sheet)
    return fmt
