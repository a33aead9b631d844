"""Write small extracts of any built-in layout (headers from the mapping files), for fuzz and security tests."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping as MappingT
from collections.abc import Sequence
from pathlib import Path

from engine.ingest import builtin_mappings
from schemas.models import Mapping


def mapping(layout: str) -> Mapping:
    """The built-in mapping of a layout."""
    return next(m for m in builtin_mappings() if m.layout == layout)


def text_layouts() -> list[Mapping]:
    """Every CSV and JSONL layout."""
    return [m for m in builtin_mappings() if m.format in ("csv", "jsonl")]


def header(m: Mapping) -> list[str]:
    """A valid header: every column the mapping reads, required ones first."""
    return list(m.required_columns) + sorted(m.columns_used() - set(m.required_columns))


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """RFC 4180 CSV, every field quoted (as most agency systems write it)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


def nest(row: MappingT[str, str]) -> dict:
    """A flat row with dotted names (`address.line1`) as a nested JSON object."""
    obj: dict = {}
    for key, value in row.items():
        parts = key.split(".")
        target = obj
        for p in parts[:-1]:
            target = target.setdefault(p, {})
        target[parts[-1]] = value
    return obj


def write_layout(folder: Path, layout: str, rows: Sequence[MappingT[str, str]], *, name: str | None = None,
                 encoding: str = "utf-8") -> Path:
    """Write rows (column -> value; missing columns empty) as an extract of `layout`."""
    m = mapping(layout)
    cols = header(m)
    folder.mkdir(parents=True, exist_ok=True)
    if m.format == "jsonl":
        path = folder / (name or f"{layout}.jsonl")
        lines = [json.dumps(nest({c: r.get(c, "") for c in cols}), ensure_ascii=False) for r in rows]
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
        return path
    if m.format == "xlsx":
        import xlsxwriter

        path = folder / (name or f"{layout}.xlsx")
        with xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                             "strings_to_urls": False}) as wb:
            ws = wb.add_worksheet(m.sheet or "Sheet1")
            for j, c in enumerate(cols):
                ws.write_string(0, j, c)
            for i, r in enumerate(rows, start=1):
                for j, c in enumerate(cols):
                    if r.get(c):
                        ws.write_string(i, j, r[c])
        return path
    path = folder / (name or f"{layout}.csv")
    path.write_bytes(csv_text(cols, [[r.get(c, "") for c in cols] for r in rows]).encode(encoding))
    return path
