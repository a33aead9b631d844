"""Read one sheet of a workbook as text, and find formula cells that carry no cached value.

Row = sheet row minus the header row. calamine (through fastexcel) reads cell values only: a
formula whose result was never saved (a workbook written by a program, not by Excel) comes back
empty. A pass over the sheet's XML inside the zip finds `<f>` without `<v>`: cheap (one streaming
decompression; nothing is parsed when the sheet holds no formula at all).
"""
from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

import polars as pl

from chronolink.engine.ingest.value_checks import ISSUE_SCHEMA

_SHEET_TAG = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL_TAG = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_TAG2 = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_FORMULA = re.compile(rb"<f[ >/]")
_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<v>[^<]")
_DIMENSION = re.compile(rb'<dimension\b[^>]*\bref="[A-Z]+(\d+)')


def _unescape(b: bytes) -> str:
    return (b.decode("utf-8", "replace").replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<")
            .replace("&gt;", ">").replace("&amp;", "&"))


def _sheet_members(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML member in the zip, in workbook order."""
    wb = z.read("xl/workbook.xml")
    rels = z.read("xl/_rels/workbook.xml.rels")
    targets = {i: t for i, t in _REL_TAG.findall(rels)} | {i: t for t, i in _REL_TAG2.findall(rels)}
    out: dict[str, str] = {}
    for name, rid in _SHEET_TAG.findall(wb):
        if rid in targets:
            target = targets[rid].decode()
            out[_unescape(name)] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def _sheet_member(z: zipfile.ZipFile, sheet: str) -> str | None:
    return _sheet_members(z).get(sheet)


_FIRST_ROW = re.compile(rb"<row\b[^>]*>(.*?)</row>", re.S)
_INLINE = re.compile(rb"<t\b[^>]*>(.*?)</t>", re.S)
_V = re.compile(rb"<v>(.*?)</v>", re.S)
_SI = re.compile(rb"<si>(.*?)</si>", re.S)


def _shared_strings(z: zipfile.ZipFile, upto: int) -> list[str]:
    """The first `upto + 1` shared strings (read as a stream: headers are written first)."""
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    out: list[str] = []
    buf = b""
    with z.open("xl/sharedStrings.xml") as fh:
        while len(out) <= upto:
            chunk = fh.read(1 << 16)
            buf += chunk
            items = _SI.findall(buf)
            out = ["".join(_unescape(t) for t in _INLINE.findall(si)) for si in items]
            if not chunk:
                break
    return out


def sheet_headers(path: Path) -> dict[str, list[str]] | None:
    """The first row of every sheet, read from the start of each sheet's XML (not the whole sheet);
    None when the workbook is not laid out as expected (the caller falls back to a full reader)."""
    try:
        with zipfile.ZipFile(path) as z:
            heads: dict[str, list[str]] = {}
            for name, member in _sheet_members(z).items():
                with z.open(member) as fh:
                    head = fh.read(1 << 17)
                row = _FIRST_ROW.search(head)
                if row is None:
                    if b"<row" in head:
                        return None
                    heads[name] = []
                    continue
                cells: list[tuple[int, str]] = []
                for m in _CELL.finditer(row.group(1)):
                    attrs, inner = m.group(1), m.group(2) or b""
                    ref = _REF.search(attrs)
                    if ref is None:
                        return None
                    if b't="s"' in attrs:
                        v = _V.search(inner)
                        shared = _shared_strings(z, int(v.group(1))) if v else []
                        text = shared[int(v.group(1))] if v and int(v.group(1)) < len(shared) else ""
                    elif b't="inlineStr"' in attrs:
                        text = "".join(_unescape(t) for t in _INLINE.findall(inner))
                    else:
                        v = _V.search(inner)
                        text = _unescape(v.group(1)) if v else ""
                    cells.append((_column_index(ref.group(1)), text))
                heads[name] = [t for _, t in sorted(cells) if t.strip()]
            return heads
    except (zipfile.BadZipFile, KeyError, OSError, zlib.error, ValueError):
        return None


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _has_formula(xml: bytes) -> bool:
    # memchr-fast `in` first: the regex only runs on a chunk that may hold a formula
    return b"<f" in xml and _FORMULA.search(xml) is not None


def formula_cells_without_value(path: Path, sheet: str) -> tuple[int, list[tuple[int, int]]] | None:
    """(first sheet row, [(sheet row, column index)]) of formula cells with no cached value; None if unreadable."""
    try:
        with zipfile.ZipFile(path) as z:
            member = _sheet_member(z, sheet)
            if member is None:
                return None
            with z.open(member) as fh:
                head = fh.read(1 << 16)
                first = _DIMENSION.search(head)
                start = int(first.group(1)) if first else 1
                tail = head[-8:]
                found = _has_formula(head)
                while not found:
                    chunk = fh.read(1 << 22)
                    if not chunk:
                        break
                    found = _has_formula(tail + chunk)
                    tail = chunk[-8:]
            if not found:
                return start, []
            xml = z.read(member)
    except (zipfile.BadZipFile, KeyError, OSError, zlib.error, ValueError):
        return None
    cells: list[tuple[int, int]] = []
    for m in _CELL.finditer(xml):
        inner = m.group(2) or b""
        if not _FORMULA.search(inner) or _VALUE.search(inner):
            continue
        ref = _REF.search(m.group(1))
        if ref:
            cells.append((int(ref.group(2)), _column_index(ref.group(1))))
    return start, cells


def formula_issues(found: tuple[int, list[tuple[int, int]]] | None, header: list[str]) -> pl.DataFrame:
    """Value issues `formula_without_value` from `formula_cells_without_value`'s answer (rows numbered as
    the reader numbers them)."""
    if not found or not found[1]:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    start, cells = found
    rows = [(r - start, header[c], "formula_without_value") for r, c in cells if r > start and c < len(header)]
    return pl.DataFrame(rows, schema=ISSUE_SCHEMA, orient="row")
