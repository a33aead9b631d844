"""Read an extract file as text columns, numbering rows as agency-formats.md defines them.

Every reader returns a `RawTable`: one text column per source column plus `__row`
(1-based, header excluded), and the rows that could not be read at all, kept with a
reason. A file that cannot be read at all raises `ExtractError` naming the file.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from chronolink.engine.errors import ExtractError  # noqa: F401 (re-exported: its home is engine.errors)

ROW = "__row"
_QUARANTINE_SCHEMA = {"source_row": pl.Int64, "reason": pl.String, "raw": pl.String}


@dataclass
class RawTable:
    """Text columns of one extract, plus its unreadable rows and file-level notes."""

    frame: pl.DataFrame
    header: list[str]
    quarantined: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_QUARANTINE_SCHEMA))
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Rows found in the file: readable plus quarantined."""
        return self.frame.height + self.quarantined.height


def decode_text(data: bytes, name: str) -> tuple[str, str, list[str]]:
    """Decode extract bytes: UTF-16 or UTF-8 (BOM or not), else Windows-1252; strip NULs."""
    notes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, enc = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ExtractError(f"{name}: declares UTF-16 but is not valid UTF-16") from None
    else:
        try:
            text, enc = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            # Windows-1252 leaves five bytes undefined; they become U+FFFD and are noted.
            text, enc = data.decode("cp1252", errors="replace"), "windows-1252"
            if "\ufffd" in text:
                notes.append("bytes undefined in Windows-1252 replaced")
    if "\x00" in text:
        text = text.replace("\x00", "")
        notes.append("NUL bytes removed")
    return text, enc, notes


def _check_header(header: list[str], name: str) -> list[str]:
    header = [h.strip() for h in header]
    if not any(header):
        raise ExtractError(f"{name}: the first line holds no column names")
    dupes = [i + 1 for i, h in enumerate(header) if h and header.count(h) > 1]
    if dupes:  # positions, not names: a file without a header would put a person's data here
        raise ExtractError(f"{name}: duplicate column names in the header (columns {', '.join(map(str, dupes))})")
    return [h if h else f"__blank{i}" for i, h in enumerate(header)]


def read_csv_text(text: str, name: str) -> RawTable:
    """Parse CSV text: a fast Arrow path when every record has the header's width, else a tolerant
    record-by-record path that quarantines the ragged rows (too short or too long) with their row numbers."""
    first = next(csv.reader(io.StringIO(text[: 1 << 16])), None)
    if first is None:
        raise ExtractError(f"{name}: the file is empty")
    header = _check_header(first, name)
    ragged: list[int] = []

    def on_ragged(row: object) -> str:
        ragged.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_ragged),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in first}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError):
        return _read_csv_tolerant(text, name, header)
    if ragged or table.num_columns != len(header):
        return _read_csv_tolerant(text, name, header)
    frame = pl.from_arrow(table.rename_columns(header))
    assert isinstance(frame, pl.DataFrame)
    frame = frame.with_columns(pl.all().cast(pl.String).str.strip_chars().replace("", None))
    return RawTable(frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64)), header)


def _read_csv_tolerant(text: str, name: str, header: list[str]) -> RawTable:
    """Record-by-record parse used only when the fast path refuses the file."""
    width = len(header)
    good: list[list[str]] = []
    rows: list[int] = []
    bad: list[tuple[int, str, str]] = []
    reader = csv.reader(io.StringIO(text), strict=True)
    next(reader, None)
    row = 0
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row += 1
            kind = "unterminated quoted field" if "EOF" in str(exc) or "end of data" in str(exc) else "malformed quoting"
            bad.append((row, f"row cannot be parsed: {kind}", ""))
            break
        if not rec:
            continue
        row += 1
        if len(rec) == width:
            good.append(rec)
            rows.append(row)
        else:
            bad.append((row, f"row has {len(rec)} fields, the header has {width}", ",".join(rec)))
    cols = list(zip(*good)) if good else [[] for _ in header]
    frame = pl.DataFrame({h: pl.Series(h, list(c), dtype=pl.String) for h, c in zip(header, cols)})
    frame = frame.with_columns(pl.all().str.strip_chars().replace("", None))
    frame = frame.with_columns(pl.Series(ROW, rows, dtype=pl.Int64)).select([ROW, *header])
    quarantined = pl.DataFrame(bad, schema=_QUARANTINE_SCHEMA, orient="row")
    return RawTable(frame, header, quarantined, notes=["tolerant parse: some rows were malformed"])


def read_csv_file(path: Path) -> RawTable:
    """Read a CSV extract in whatever encoding it came in."""
    text, enc, notes = decode_text(path.read_bytes(), path.name)
    table = read_csv_text(text, path.name)
    table.encoding = enc
    table.notes = notes + table.notes
    return table


def _flatten(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested JSON objects become dotted text columns (`address.line1`)."""
    while any(isinstance(dt, pl.Struct) for dt in frame.schema.values()):
        cols = []
        for name, dt in frame.schema.items():
            if isinstance(dt, pl.Struct):
                cols += [pl.col(name).struct.field(f.name).alias(f"{name}.{f.name}") for f in dt.fields]
            else:
                cols.append(pl.col(name))
        frame = frame.select(cols)
    return frame.with_columns(
        [pl.col(c).cast(pl.String) if not isinstance(dt, pl.List) else pl.col(c).list.join(";").cast(pl.String)
         for c, dt in frame.schema.items()]
    )


def read_jsonl_file(path: Path) -> RawTable:
    """Read a JSON-lines extract; a line that is not a JSON object is quarantined."""
    text, enc, notes = decode_text(path.read_bytes(), path.name)
    lines = text.split("\n")
    if lines and lines[-1].strip() == "":
        lines.pop()
    objects: list[dict] = []
    rows: list[int] = []
    bad: list[tuple[int, str, str]] = []
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            bad.append((i, "blank line", ""))
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            bad.append((i, "line is not valid JSON", line))
            continue
        if not isinstance(obj, dict):
            bad.append((i, "line is not a JSON object", line))
            continue
        objects.append(obj)
        rows.append(i)
    if not objects and not bad:
        raise ExtractError(f"{path.name}: the file is empty")
    try:
        frame = pl.from_dicts(objects, infer_schema_length=None) if objects else pl.DataFrame()
        frame = _flatten(frame)
    except Exception:
        # Mixed shapes across lines: fall back to text columns of each top-level value.
        frame = _flatten(pl.DataFrame({k: [json.dumps(o.get(k)) if isinstance(o.get(k), (dict, list)) else o.get(k)
                                            for o in objects] for k in {k for o in objects for k in o}}))
    frame = frame.with_columns(pl.all().str.strip_chars().replace("", None))
    header = list(frame.columns)
    frame = frame.with_columns(pl.Series(ROW, rows, dtype=pl.Int64)).select([ROW, *header])
    return RawTable(frame, header, pl.DataFrame(bad, schema=_QUARANTINE_SCHEMA, orient="row"), enc, notes)


def read_xlsx_file(path: Path, sheet: str | None) -> RawTable:
    """Read one sheet of a workbook as text (date cells arrive as ISO date-times)."""
    try:
        import fastexcel

        reader = fastexcel.read_excel(path)
        names = reader.sheet_names
    except Exception:
        raise ExtractError(f"{path.name}: not a readable XLSX workbook") from None
    if sheet and sheet not in names:
        raise ExtractError(f"{path.name}: no sheet named {sheet!r} (sheets: {', '.join(names)})")
    try:
        sh = reader.load_sheet(sheet or names[0], header_row=0, dtypes="string")
        frame = sh.to_polars()
    except Exception:
        raise ExtractError(f"{path.name}: sheet {sheet!r} cannot be read") from None
    header = _check_header([str(c) for c in frame.columns], path.name)
    frame.columns = header
    frame = frame.with_columns(pl.all().cast(pl.String).str.strip_chars().replace("", None))
    frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    # A wholly blank sheet row carries nothing; it is counted but not stored.
    blank = frame.select(pl.all_horizontal([pl.col(c).is_null() for c in header])).to_series()
    quarantined = frame.filter(blank).select(pl.col(ROW).alias("source_row"),
                                             pl.lit("blank row").alias("reason"), pl.lit(None, pl.String).alias("raw"))
    return RawTable(frame.filter(~blank), header, quarantined, "xlsx")


def peek_header(path: Path) -> list[str]:
    """The column names of an extract, for layout recognition."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
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
        head = fh.read(1 << 16)
        if suffix in (".jsonl", ".ndjson", ".json") and b"\n" not in head:
            head += fh.readline()  # a first object longer than the sample still gives its keys
    text, _, _ = decode_text(head, path.name) if head else ("", "", [])
    if suffix in (".jsonl", ".ndjson", ".json"):
        for line in text.split("\n"):
            if line.strip():
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    return list(_flatten(pl.from_dicts([obj])).columns)
        return []
    first = next(csv.reader(io.StringIO(text)), None)
    return [h.strip() for h in first] if first else []
