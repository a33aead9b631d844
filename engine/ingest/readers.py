"""Read an extract file as text columns, numbering rows as agency-formats.md defines them.

Every reader returns a `RawTable`: one text column per source column plus `__row` (1-based,
header excluded), the rows that could not be read at all (kept with a reason and their raw text),
and the value issues found while reading (repairs and marks: problem codes, never values).
`rows_read` counts every record of the file, stored or quarantined, so the reconciliation cannot
balance over a lost row. A file that cannot be read at all raises `ExtractError` naming the file.

Format specifics: `csv_reader` (records, broken quotes, line endings), `jsonl_reader` (one line
at a time, types), `xlsx_reader` (formula cells without a cached value), `decoding` (encodings),
`value_checks` (NULs, lost characters, invisible characters, mixed encodings).
"""
from __future__ import annotations

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from chronolink.engine.errors import ExtractError
from chronolink.engine.ingest.csv_reader import parse_csv_text
from chronolink.engine.ingest.decoding import decode_bytes
from chronolink.engine.ingest.jsonl_reader import jsonl_columns, parse_jsonl_text
from chronolink.engine.ingest.value_checks import ROW, check_values, empty_issues, suspects
from chronolink.engine.ingest.xlsx_reader import formula_cells_without_value, formula_issues, sheet_headers

__all__ = ["ROW", "ExtractError", "RawTable", "peek_header", "read_csv_file", "read_jsonl_file", "read_xlsx_file"]

_QUARANTINE_SCHEMA = {"source_row": pl.Int64, "reason": pl.String, "raw": pl.String}
_BOM = "\ufeff"


@dataclass
class RawTable:
    """Text columns of one extract, its unreadable rows, value issues found reading it, file notes."""

    frame: pl.DataFrame
    header: list[str]
    quarantined: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_QUARANTINE_SCHEMA))
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)
    issues: pl.DataFrame = field(default_factory=empty_issues)

    @property
    def rows_read(self) -> int:
        """Records found in the file: readable plus quarantined."""
        return self.frame.height + self.quarantined.height


def _check_header(header: list[str], name: str, needed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Clean column names; duplicates the layout reads refuse the file, others are renamed `Name (2)`."""
    header = [h.replace(_BOM, "").replace("\x00", "").strip() for h in header]
    if not any(header):
        raise ExtractError(f"{name}: the first line holds no column names")
    dupes = [i + 1 for i, h in enumerate(header) if h and header.count(h) > 1 and h in needed]
    if dupes:  # positions, not names: a file without a header would put a person's data here
        raise ExtractError(f"{name}: duplicate column names in the header (columns {', '.join(map(str, dupes))})")
    out: list[str] = []
    for i, h in enumerate(header):
        h = h or f"__blank{i}"
        n = 2
        base = h
        while h in out:
            h, n = f"{base} ({n})", n + 1
        out.append(h)
    return out


def _strip(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    return frame.with_columns([pl.col(c).str.strip_chars().replace("", None) for c in columns])


def _header_and_blank_rows(frame: pl.DataFrame, header: list[str], keep: pl.Series | None = None
                           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split off rows that repeat the header (two exports concatenated) and rows with nothing in them."""
    names = [h for h in header if not h.startswith("__blank")]
    need = max(2, (len(names) + 1) // 2)
    # the value is the column's name, any case, with spaces or a BOM around it (an anchored regex is
    # several times cheaper than folding every value of every column)
    same = pl.sum_horizontal([
        pl.col(h).str.contains(rf"(?i)^[\s{_BOM}]*{re.escape(h)}[\s{_BOM}]*$").fill_null(False).cast(pl.Int32)
        for h in names]) >= need if names else pl.lit(False)
    blank = pl.all_horizontal([pl.col(c).is_null() for c in header])
    if keep is not None:  # rows marked by the reader (formula cells) are not blank: their values are unknown
        blank = blank & ~pl.col(ROW).is_in(keep.implode())
    tagged = frame.with_columns(__rep=same, __blank=blank)
    out = tagged.filter(pl.col("__rep") | pl.col("__blank")).select(
        pl.col(ROW).alias("source_row"),
        pl.when(pl.col("__rep")).then(pl.lit("repeated header")).otherwise(pl.lit("blank row")).alias("reason"),
        pl.concat_str([pl.col(c) for c in header], separator=",", ignore_nulls=True).alias("raw"))
    return tagged.filter(~pl.col("__rep") & ~pl.col("__blank")).drop("__rep", "__blank"), out


def read_csv_file(path: Path, needed: set[str] | frozenset[str] = frozenset()) -> RawTable:
    """Read a CSV extract in whatever encoding it came in; only unreadable records are lost to it."""
    data = path.read_bytes()
    dec = decode_bytes(data)
    own = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        parsed = parse_csv_text(dec.text, own if dec.encoding == "utf-8" else None, dec.fallback_lines)
    except ExtractError as exc:
        raise ExtractError(f"{path.name}: {exc}") from None
    header = _check_header(parsed.header, path.name, needed)
    positional = {f"c{j}": h for j, h in enumerate(header)}
    frame = parsed.frame.rename(positional)
    frame, issues = check_values(frame, header, suspects(data, dec.encoding), parsed.fallback_rows)
    frame = _strip(frame, header)
    frame, extra = _header_and_blank_rows(frame, header)
    quarantined = pl.concat([parsed.quarantined, extra]).sort("source_row")
    reader_issues = parsed.issues.with_columns(pl.col("field").replace(positional))
    issues = pl.concat([reader_issues, issues]).filter(~pl.col("source_row").is_in(extra["source_row"].implode()))
    return RawTable(frame, header, quarantined, dec.encoding, dec.notes + parsed.notes, issues)


def read_jsonl_file(path: Path) -> RawTable:
    """Read a JSON-lines extract line by line; a line that is not a JSON object is quarantined."""
    data = path.read_bytes()
    dec = decode_bytes(data)
    frame, quarantined, type_issues, columns = parse_jsonl_text(dec.text)
    if frame.height == 0 and quarantined.height == 0:
        raise ExtractError(f"{path.name}: the file is empty")
    fallback = pl.Series(ROW, [i + 1 for i in dec.fallback_lines], dtype=pl.Int64)
    frame, issues = check_values(frame, columns, suspects(data, dec.encoding), fallback)
    frame = _strip(frame, columns)
    frame, blank = _header_and_blank_rows(frame, columns)
    quarantined = pl.concat([quarantined, blank]).sort("source_row")
    issues = pl.concat([type_issues, issues]).filter(~pl.col("source_row").is_in(blank["source_row"].implode()))
    return RawTable(frame, columns, quarantined, dec.encoding, dec.notes, issues)


def read_xlsx_file(path: Path, sheet: str | None, needed: set[str] | frozenset[str] = frozenset()) -> RawTable:
    """Read one sheet of a workbook as text (date cells arrive as ISO date-times)."""
    try:
        import fastexcel

        reader = fastexcel.read_excel(path)
        names = reader.sheet_names
    except Exception:
        raise ExtractError(f"{path.name}: not a readable XLSX workbook") from None
    if sheet and sheet not in names:
        raise ExtractError(f"{path.name}: no sheet named {sheet!r} (sheets: {', '.join(names)})")
    sheet = sheet or names[0]
    # The formula scan (inflating the sheet's XML: zlib releases the GIL) runs beside fastexcel's load
    # (which releases it too): on two cores the scan no longer adds to the time the workbook takes.
    with ThreadPoolExecutor(max_workers=1) as scan:
        cells = scan.submit(formula_cells_without_value, path, sheet)
        try:
            frame = reader.load_sheet(sheet, header_row=0, dtypes="string").to_polars()
        except Exception:
            raise ExtractError(f"{path.name}: sheet {sheet!r} cannot be read") from None
        found = cells.result()
    header = _check_header([str(c) for c in frame.columns], path.name, needed)
    frame.columns = header
    frame = frame.with_columns(pl.all().cast(pl.String))
    frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    frame, issues = check_values(frame, header)
    frame = _strip(frame, header)
    formulas = formula_issues(found, header)
    frame, quarantined = _header_and_blank_rows(frame, header, formulas["source_row"])
    issues = pl.concat([formulas, issues]).filter(~pl.col("source_row").is_in(quarantined["source_row"].implode()))
    notes = [f"{formulas.height} formula cells without a saved value"] if formulas.height else []
    return RawTable(frame, header, quarantined, "xlsx", notes, issues)


def peek_header(path: Path) -> list[str]:
    """The column names of an extract, for layout recognition (JSONL: keys of the first lines)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        heads = sheet_headers(path)  # the first rows from the XML: a full sheet read costs seconds
        if heads is not None:
            return [c for cols in heads.values() for c in cols]
        try:
            import fastexcel

            reader = fastexcel.read_excel(path)
            cols: list[str] = []
            for name in reader.sheet_names:
                sh = reader.load_sheet(name, header_row=0, n_rows=1, dtypes="string")
                cols += [str(c) for c in sh.to_polars().columns]
            return cols
        except Exception:
            raise ExtractError(f"{path.name}: not a readable XLSX workbook") from None
    with path.open("rb") as fh:
        head = fh.read(1 << 18)
        if suffix in (".jsonl", ".ndjson", ".json") and b"\n" not in head:
            head += fh.readline()  # a first object longer than the sample still gives its keys
    if not head:
        return []
    text = decode_bytes(head).text
    if suffix in (".jsonl", ".ndjson", ".json"):
        cut = max(text.rfind("\n"), 0) if len(head) == 1 << 18 else len(text)
        return jsonl_columns(text[:cut] or text)
    first = next((line for line in re.split(r"\r\n|\r|\n", text) if line.strip(" \t\x00")), "")
    row = next(csv.reader(io.StringIO(first, newline="")), [])
    return [h.replace(_BOM, "").replace("\x00", "").strip() for h in row]
