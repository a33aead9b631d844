"""Read JSON-lines text one line at a time, each line with its own types.

Row = line number (1-based; a blank line is a row, quarantined as such). Nested objects become
dotted columns (`address.line1`); a list of plain values is joined with `;`, any other list is kept
as JSON text. Every value is text: a number or boolean is kept as its JSON spelling. Where lines
disagree on a column's type (a number where the others hold text, text where the others hold an
object), the odd value is kept, as text, and marked `unexpected_json_type`.
"""
from __future__ import annotations

import json
import re
from collections import Counter

import polars as pl

from chronolink.engine.ingest.value_checks import ISSUE_SCHEMA, ROW

QUARANTINE_SCHEMA = {"source_row": pl.Int64, "reason": pl.String, "raw": pl.String}


def _kind(v: object) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list):
        return "list"
    return "object"


def _text(v: object) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v):
        return ";".join(_text(x) for x in v if x is not None)
    return json.dumps(v, ensure_ascii=False)


def flatten(obj: dict, prefix: str = "", as_text: frozenset[str] = frozenset()) -> dict[str, tuple[str | None, str]]:
    """Dotted column -> (text value, JSON kind) for one object; nested objects are walked, except at
    the paths in `as_text` (where most lines hold a plain value), which keep the object as JSON text."""
    out: dict[str, tuple[str | None, str]] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and name not in as_text:
            out.update(flatten(value, f"{name}.", as_text))
        elif value is None:
            out[name] = (None, "null")
        else:
            out[name] = (_text(value), _kind(value))
    return out


def _shapes(obj: dict, counts: Counter, prefix: str = "") -> None:
    """Count, per dotted path, lines holding an object there (+1) and lines holding a plain value (-1)."""
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            counts[name] += 1
            _shapes(value, counts, f"{name}.")
        elif value is not None:
            counts[name] -= 1


def split_jsonl_lines(text: str) -> list[str]:
    """Lines of a JSONL text (any line ending; JSON strings cannot hold a raw line break)."""
    lines = re.split(r"\r\n|\r|\n", text) if "\r" in text else text.split("\n")
    if lines and lines[-1].strip() == "":
        lines.pop()
    return lines


def parse_jsonl_text(text: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, list[str]]:
    """(frame with ROW and text columns, quarantined lines, value issues, column order)."""
    rows: list[int] = []
    objects: list[dict] = []
    bad: list[tuple[int, str, str]] = []
    for i, line in enumerate(split_jsonl_lines(text), start=1):
        if not line.strip(" \t\x00"):
            bad.append((i, "blank line", line))
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            bad.append((i, "line is not valid JSON", line))
            continue
        if not isinstance(obj, dict):
            bad.append((i, "line is not a JSON object", line))
            continue
        rows.append(i)
        objects.append(obj)
    shapes: Counter = Counter()
    for obj in objects:
        _shapes(obj, shapes)
    as_text = frozenset(p for p, n in shapes.items() if n < 0)  # mostly plain: an object there stays text
    flat = [flatten(obj, "", as_text) for obj in objects]
    columns: list[str] = []
    kinds: dict[str, Counter] = {}
    for f in flat:
        for c, (_, k) in f.items():
            if c not in kinds:
                kinds[c] = Counter()
                columns.append(c)
            if k != "null":
                kinds[c][k] += 1
    # a column that is also an object's prefix elsewhere ("address" text vs "address.line1")
    prefixes = {c.rsplit(".", 1)[0] for c in columns if "." in c}
    usual = {c: (k.most_common(1)[0][0] if k else "null") for c, k in kinds.items()}
    issues: list[tuple[int, str, str]] = []
    for row, f in zip(rows, flat):
        for c, (_, k) in f.items():
            if k != "null" and (k != usual[c] or c in prefixes):
                issues.append((row, c, "unexpected_json_type"))
    data = {c: [f.get(c, (None, ""))[0] for f in flat] for c in columns}
    frame = pl.DataFrame(data, schema={c: pl.String for c in columns}).with_columns(
        pl.Series(ROW, rows, dtype=pl.Int64)).select([ROW, *columns])
    quarantined = pl.DataFrame(bad, schema=QUARANTINE_SCHEMA, orient="row")
    return frame, quarantined, pl.DataFrame(issues, schema=ISSUE_SCHEMA, orient="row"), columns


def jsonl_columns(text: str, max_lines: int = 1000) -> list[str]:
    """The columns of the first `max_lines` object lines, for layout recognition."""
    seen: dict[str, None] = {}
    for line in split_jsonl_lines(text)[:max_lines]:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            seen.update(dict.fromkeys(flatten(obj)))
    return list(seen)
