"""Ingest agency extracts into the store: read, recognise, map, normalise, validate, write."""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chronolink.engine.ingest.layouts import MappingFileError, builtin_mappings, detect_layout, load_mapping
from chronolink.engine.ingest.readers import ExtractError, RawTable, read_csv_file, read_jsonl_file, read_xlsx_file
from chronolink.engine.ingest.transform import CanonicalFrames, apply_mapping
from chronolink.engine.ingest.writer import next_file_seq, previous_version, same_content, write_file
from chronolink.schemas.models import Mapping

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
    #: seconds spent on this file per stage: check (digest, layout), read, map, write (for bench/ingest.py)
    seconds: dict[str, float] = field(default_factory=dict, compare=False)

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
    needed = mapping.columns_used()
    if mapping.format == "xlsx":
        return read_xlsx_file(path, mapping.sheet, needed)
    if mapping.format == "jsonl":
        return read_jsonl_file(path)
    return read_csv_file(path, needed)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class _Job:
    """One file on its way into the store: checked, then prepared (read + mapped), then written."""

    path: Path
    mapping: Mapping | None = None
    digest: str = ""
    supersedes: int | None = None
    seq: int = 0
    raw: RawTable | None = None
    frames: CanonicalFrames | None = None
    report: FileReport | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _failure(job: _Job, exc: BaseException) -> FileReport:
    """A failed file's report: the message names the file and never echoes its data."""
    name, layout = job.path.name, job.mapping.layout if job.mapping else None
    if isinstance(exc, ExtractError):
        return FileReport(name, layout, "failed", message=str(exc))
    if isinstance(exc, (OSError, duckdb.Error)):
        return FileReport(name, layout, "failed",
                          message=f"{name}: {type(exc).__name__} while ingesting; the store is unchanged")
    # The engine never crashes on an agency's data; an exception's text may echo data, so it is not shown.
    return FileReport(name, layout, "failed",
                      message=f"{name}: cannot be ingested ({type(exc).__name__}); the store is unchanged")


def _check(con: duckdb.DuckDBPyConnection, job: _Job) -> None:
    """Recognise the layout and skip a file already ingested with the same content."""
    name = job.path.name
    if not job.path.is_file():
        raise ExtractError(f"{name}: no such file")
    if job.path.stat().st_size == 0:
        raise ExtractError(f"{name}: the file is empty")
    job.mapping = job.mapping or detect_layout(job.path)
    job.digest = _sha256(job.path)
    holder = same_content(con, job.digest, name)
    if holder is not None:
        raise ExtractError(f"{name}: the same content is already stored as {holder}; not stored twice")
    prev = previous_version(con, name)
    if prev is not None and prev[1] == job.digest:
        job.report = FileReport(name, job.mapping.layout, "unchanged", message="already ingested (same content)")
    job.supersedes = prev[0] if prev else None


def _prepare(job: _Job, max_date: dt.date | None) -> _Job:
    """Read and map one file (no store access, so files can be prepared side by side)."""
    try:
        assert job.mapping is not None
        t0 = time.perf_counter()
        job.raw = read_extract(job.path, job.mapping)
        missing = [c for c in job.mapping.required_columns if c not in job.raw.header]
        if missing:
            raise ExtractError(f"{job.path.name}: missing columns {', '.join(missing)}")
        t1 = time.perf_counter()
        job.frames = apply_mapping(job.raw, job.mapping, job.seq, job.path.name, max_date)
        job.seconds.update(read=t1 - t0, map=time.perf_counter() - t1)
    except Exception as exc:
        job.report = _failure(job, exc)
    return job


def _write(con: duckdb.DuckDBPyConnection, job: _Job) -> FileReport:
    """Store a prepared file in one transaction and report its reconciliation."""
    if job.report is not None:
        return job.report
    assert job.mapping and job.raw and job.frames
    t0 = time.perf_counter()
    try:
        write_file(con, file_seq=job.seq, source_file=job.path.name, path=str(job.path.resolve()),
                   layout=job.mapping.layout, sha256=job.digest, frames=job.frames, quarantined=job.raw.quarantined,
                   rows_read=job.raw.rows_read, supersedes=job.supersedes)
    except Exception as exc:
        return _failure(job, exc)
    f, raw = job.frames, job.raw
    return FileReport(job.path.name, job.mapping.layout, "replaced" if job.supersedes else "ingested",
                      raw.rows_read, f.records.height, raw.quarantined.height, f.issues.height, f.persons.height,
                      f.addresses.height, "; ".join(raw.notes), {**job.seconds, "write": time.perf_counter() - t0})


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, *, mapping: Mapping | None = None,
                max_date: dt.date | None = None) -> FileReport:
    """Ingest one extract in one transaction; a bad file leaves the store as it was."""
    return ingest_paths(con, [Path(path)], max_date=max_date, mapping=mapping, workers=1)[0]


def ingest_paths(con: duckdb.DuckDBPyConnection, paths: list[Path], *, max_date: dt.date | None = None,
                 mapping: Mapping | None = None, workers: int = 2) -> list[FileReport]:
    """Ingest every extract under the given paths, each file in its own transaction.

    Files are read and mapped two at a time (polars and the readers release the GIL) and written
    one at a time, in name order, by this thread: the store has one writer.
    """
    jobs = [_Job(p, mapping) for p in discover_files(paths)]
    seq = next_file_seq(con)
    batch: dict[str, str] = {}  # content digest -> the file of this run holding it
    for job in jobs:
        t0 = time.perf_counter()
        try:
            _check(con, job)
            if job.digest in batch and batch[job.digest] != job.path.name:
                raise ExtractError(f"{job.path.name}: the same content as {batch[job.digest]}, "
                                   "ingested in this run; not stored twice")
            batch.setdefault(job.digest, job.path.name)
        except Exception as exc:
            job.report = _failure(job, exc)
        job.seconds["check"] = time.perf_counter() - t0
        if job.report is None:
            job.seq, seq = seq, seq + 1
    todo = [j for j in jobs if j.report is None]
    with _bulk_load(con, workers):
        _pipeline(con, todo, max_date, workers)
    return [j.report for j in jobs if j.report is not None]


# The settings a bulk load changes, restored after it (names only: they go back into a SET).
_BULK_SETTINGS = ("threads", "disabled_compression_methods", "max_vacuum_tasks")


@contextmanager
def _bulk_load(con: duckdb.DuckDBPyConnection, workers: int) -> Iterator[None]:
    """The store's settings for loading files one transaction at a time, restored afterwards.

    - one writer thread when the other core is preparing the next file (a parallel insert would only contend);
    - no FSST string compression: a quarter of the store's commit CPU; without it the store is ~40% larger
      (dictionary compression stays), a price worth paying for a faster bulk load (bench/ingest.py);
    - no vacuum at the checkpoints of the load: each file's commit checkpoints, and a checkpoint merges the
      table's partly filled row groups, so every file re-compressed the tail of the files stored before it
      (a third of the write's CPU on the 1M world; the store came out larger, not smaller). Each file's rows
      now keep their own row groups.
    """
    before = con.execute(
        "SELECT " + ", ".join(f"current_setting('{name}')" for name in _BULK_SETTINGS)).fetchall()[0]
    saved = dict(zip(_BULK_SETTINGS, before))
    if workers > 1:
        con.execute("SET threads = 1")
    disabled = _methods(str(saved["disabled_compression_methods"]))
    con.execute(f"SET disabled_compression_methods = '{','.join(dict.fromkeys([*disabled, 'fsst']))}'")
    con.execute("SET max_vacuum_tasks = 0")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(saved['threads'])}")
        con.execute(f"SET disabled_compression_methods = '{','.join(disabled)}'")
        con.execute(f"SET max_vacuum_tasks = {int(saved['max_vacuum_tasks'])}")


def _methods(setting: str) -> list[str]:
    """The compression methods named in DuckDB's setting (names only: they go back into a SET)."""
    return [m.strip().lower() for m in setting.split(",") if m.strip().replace("_", "").isalnum()]


def _pipeline(con: duckdb.DuckDBPyConnection, todo: list[_Job], max_date: dt.date | None, workers: int) -> None:
    """Prepare files on worker threads while this thread writes them one at a time, in file_seq order.

    Written in order so that a run killed part way and restarted gives every file the file_seq (and so
    the ids) an uninterrupted run gives it. At most `workers + 1` files are prepared ahead, which bounds
    memory.
    """
    window = max(1, workers) + 1
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_prepare, j, max_date) for j in todo[:window]]
        for i, _ in enumerate(todo):
            job = futures[i].result()
            if i + window < len(todo):
                futures.append(pool.submit(_prepare, todo[i + window], max_date))
            try:
                job.report = _write(con, job)
            finally:
                job.raw = job.frames = None  # free the frames as soon as they are stored
