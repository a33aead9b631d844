"""Value-level repairs and marks a reader makes: each one a value issue (row, field, problem code).

A reader keeps every readable row; what it had to do to a value, or what it found in one that
will mislead matching, is recorded here, never the value itself:

- `nul_character_removed`  NUL bytes inside a value (removed: no agency writes them on purpose)
- `undecodable_character`  U+FFFD in a value: a byte no encoding defined, a letter lost upstream
- `invisible_characters`   zero-width, soft hyphen, BOM inside text, bidirectional controls (kept
                           as written; name folding drops them for matching)
- `mixed_encoding`         a non-ASCII value on a line read as Windows-1252 in a file otherwise UTF-8
"""
from __future__ import annotations

import re

import polars as pl

from chronolink.engine.normalise._text import INVISIBLE_CHARS

ROW = "__row"
ISSUE_SCHEMA = pl.Schema({"source_row": pl.Int64, "field": pl.String, "problem": pl.String})

INVISIBLE_CLASS = f"[{INVISIBLE_CHARS}]"
# Any character some mark is about: one scan per column tells whether the per-mark scans are needed.
_ANY_MARK = f"[\x00\ufffd{INVISIBLE_CHARS}]"


def empty_issues() -> pl.DataFrame:
    """A value-issue frame with no rows."""
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def _marks(frame: pl.DataFrame, columns: list[str], cond, problem: str) -> list[pl.DataFrame]:
    out = []
    for c in columns:
        hit = frame.filter(cond(pl.col(c))).select(pl.col(ROW).alias("source_row"), pl.lit(c).alias("field"),
                                                   pl.lit(problem).alias("problem"))
        if hit.height:
            out.append(hit)
    return out


# UTF-8 lead bytes of every invisible character (a curly quote shares E2 80: a false alarm only costs a scan);
# their first bytes are each found by memchr first: most files hold none of them and skip the regex scan
_INVISIBLE_LEADS = (b"\xc2", b"\xcd", b"\xd8", b"\xe1", b"\xe2", b"\xef")
_INVISIBLE_UTF8 = re.compile(b"\xc2\xad|\xcd\x8f|\xd8\x9c|\xe1\x85|\xe1\x9e|\xe1\xa0|\xe2\x80|\xe2\x81|\xef\xbb\xbf")


def suspects(data: bytes, encoding: str) -> frozenset[str]:
    """Which marks could apply to a file, judged from its bytes (memchr-fast), so a clean file skips the scans."""
    if encoding not in ("utf-8", "windows-1252", "mixed"):
        return frozenset({"nul", "lost", "invisible"})
    found = set()
    if b"\x00" in data:
        found.add("nul")
    if encoding != "utf-8" or (b"\xef" in data and b"\xef\xbf\xbd" in data):
        found.add("lost")
    if (encoding != "utf-8" and b"\xad" in data) or (
            not data.isascii() and any(lead in data for lead in _INVISIBLE_LEADS)
            and _INVISIBLE_UTF8.search(data) is not None):
        found.add("invisible")
    return frozenset(found)


def check_values(frame: pl.DataFrame, columns: list[str], possible: frozenset[str] | None = None,
                 fallback_rows: pl.Series | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Repair NULs and mark suspicious values; returns (frame, issues).

    `possible` (from `suspects`) names the marks the file's bytes allow; None scans every column for all.
    """
    present = [c for c in columns if c in frame.columns and frame.schema[c] == pl.String]
    if possible is None and present and frame.height:  # no bytes to judge from (a workbook): one scan first
        hit = frame.select(pl.any_horizontal([pl.col(c).str.contains(_ANY_MARK).any() for c in present])).item()
        possible = None if hit else frozenset()
    issues: list[pl.DataFrame] = []
    maybe = (lambda k: True) if possible is None else (lambda k: k in possible)
    if maybe("nul"):
        issues += _marks(frame, present, lambda e: e.str.contains("\x00", literal=True), "nul_character_removed")
        frame = frame.with_columns([pl.col(c).str.replace_all("\x00", "", literal=True).str.strip_chars()
                                    .replace("", None) for c in present])
    if maybe("lost"):
        issues += _marks(frame, present, lambda e: e.str.contains("\ufffd", literal=True), "undecodable_character")
    if maybe("invisible"):
        issues += _marks(frame, present, lambda e: e.str.contains(INVISIBLE_CLASS), "invisible_characters")
    if fallback_rows is not None and fallback_rows.len():
        rows = frame.filter(pl.col(ROW).is_in(fallback_rows.implode()))
        issues += _marks(rows, present, lambda e: e.str.contains(r"[^\x00-\x7f]"), "mixed_encoding")
    out = pl.concat(issues, how="vertical") if issues else empty_issues()
    return frame, out.unique(maintain_order=True)
