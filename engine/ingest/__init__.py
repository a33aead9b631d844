"""Ingest agency extracts into the store: read, recognise, map, normalise, validate, write."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from engine.ingest.layouts import MappingFileError, builtin_mappings, detect_layout, load_mapping
from engine.ingest.readers import ExtractError, RawTable, read_csv_file, read_jsonl_file, read_xlsx_file
from engine.ingest.transform import CanonicalFrames, apply_mapping
from engine.ingest.writer import next_file_seq, previous_version, write_file
from schemas.models import Mapping

__all__ = ["ExtractError", "FileReport", "MappingFileError", "builtin_mappings", "detect_layout",
           "discover_files", "ingest_file", "ingest_paths", "load_mapping", "read_extract"]

EXTRACT_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class FileReport:
    """The reconciliation of one file: rows read = stored + quarantined."""

    source_file: str
    layout: str | None
    status: str  # 'ingested', 'replaced', 'unchanged' or 'failed'
    rows_read: int = 0
    rows_stored: int = 0
    rows_quarantined: int = 0
    value_issues: int = 0
    person_mentions: int = 0
    address_mentions: int = 0
    message: str = ""

    @property
    def reconciles(self) -> bool:
        """True when every row read is accounted for."""
        return self.rows_read == self.rows_stored + self.rows_quarantined


def discover_files(paths: list[Path]) -> list[Path]:
    """Extract files named directly or found at the top of the given folders, in name order."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found += sorted(c for c in p.iterdir() if c.is_file() and c.suffix.lower() in EXTRACT_SUFFIXES)
        else:
            found.append(p)
    return found


def read_extract(path: Path, mapping: Mapping) -> RawTable:
    """Read a file the way its layout says it is written."""
    if mapping.format == "xlsx":
        return read_xlsx_file(path, mapping.sheet)
    if mapping.format == "jsonl":
        return read_jsonl_file(path)
    return read_csv_file(path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, *, mapping: Mapping | None = None,
                max_date: dt.date | None = None) -> FileReport:
    """Ingest one extract in one transaction; a bad file leaves the store as it was."""
    path = Path(path)
    name = path.name
    try:
        if not path.is_file():
            raise ExtractError(f"{name}: no such file")
        if path.stat().st_size == 0:
            raise ExtractError(f"{name}: the file is empty")
        mapping = mapping or detect_layout(path)
        digest = _sha256(path)
        prev = previous_version(con, name)
        if prev is not None and prev[1] == digest:
            return FileReport(name, mapping.layout, "unchanged", message="already ingested (same content)")
        raw = read_extract(path, mapping)
        missing = [c for c in mapping.required_columns if c not in raw.header]
        if missing:
            raise ExtractError(f"{name}: missing columns {', '.join(missing)}")
        seq = next_file_seq(con)
        frames: CanonicalFrames = apply_mapping(raw, mapping, seq, name, max_date)
        write_file(con, file_seq=seq, source_file=name, path=str(path.resolve()), layout=mapping.layout,
                   sha256=digest, frames=frames, quarantined=raw.quarantined, rows_read=raw.rows_read,
                   supersedes=prev[0] if prev else None)
    except ExtractError as exc:
        return FileReport(name, mapping.layout if mapping else None, "failed", message=str(exc))
    except (OSError, duckdb.Error) as exc:
        return FileReport(name, mapping.layout if mapping else None, "failed",
                          message=f"{name}: {type(exc).__name__} while ingesting; the store is unchanged")
    except Exception as exc:  # the engine never crashes on an agency's data; the text may echo data, so not shown
        return FileReport(name, mapping.layout if mapping else None, "failed",
                          message=f"{name}: cannot be ingested ({type(exc).__name__}); the store is unchanged")
    return FileReport(
        name, mapping.layout, "replaced" if prev else "ingested", raw.rows_read, frames.records.height,
        raw.quarantined.height, frames.issues.height, frames.persons.height, frames.addresses.height,
        "; ".join(raw.notes))


def ingest_paths(con: duckdb.DuckDBPyConnection, paths: list[Path], *,
                 max_date: dt.date | None = None) -> list[FileReport]:
    """Ingest every extract under the given paths, each file in its own transaction."""
    return [ingest_file(con, p, max_date=max_date) for p in discover_files(paths)]
