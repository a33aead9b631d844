"""Append-only, hash-chained audit trail kept in the store.

Every read, export, report, disposition, ingest, link, flag or purge appends
one row to ``audit_log``. Each row's ``hash`` is
``sha256(prev_hash + canonical_json(entry))`` where the entry is the row
without its hashes, so editing, deleting, reordering or inserting a row breaks
the chain. ``audit_head`` keeps the count, last seq and head hash in the same
transaction as each append, so deleting the last rows is detected too.

DuckDB has no triggers: anyone who can write the store could rewrite the whole
chain and head consistently. To detect that, keep the head somewhere else
(:func:`write_anchor` to a sidecar file, a report footer, an email) and pass it
to :func:`verify` later: the log must still contain that entry unchanged.

``detail`` never carries a name or free text: only counts, flags, codes and
identifiers (see :func:`check_detail`); people appear only as ids in
``person_ids``. Timestamps are UTC.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import polars as pl

from chronolink.engine.errors import AnalystError, AuditDetailError, AuditIntegrityError
from chronolink.engine.store.transactions import transaction
from chronolink.schemas.tables import Column, Table, ddl

__all__ = [
    "ACTIONS",
    "GENESIS_HASH",
    "AuditEntry",
    "AuditHead",
    "VerifyResult",
    "init",
    "record",
    "verify",
    "entries",
    "head",
    "acting_as",
    "current_actor",
    "check_detail",
    "write_anchor",
    "read_anchor",
]

ACTIONS = frozenset(
    {
        "read",
        "export",
        "report",
        "disposition",
        "ingest",
        "link",
        "review",
        "flag",
        "purge",
        "verify",
        "key",
    }
)
GENESIS_HASH = "0" * 64
PERSON_ID = re.compile(r"P\d{8}")
# A code or identifier: no spaces, so no "Forename Surname" and no sentences.
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/#@+=-]{0,127}")
_COMMAND = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
# Keys that would hold a name or free text whatever their value looks like.
_FORBIDDEN_KEY_PARTS = ("name", "summary", "note", "text", "comment", "address", "dob", "birth")
_MAX_DEPTH = 4

AUDIT_LOG = Table("audit_log", "one audited action, chained to the one before by its hash", (
    Column("seq", "BIGINT", "1, 2, 3, ... with no gap", primary_key=True, nullable=False),
    Column("at", "TIMESTAMP", "when", nullable=False),
    Column("actor", "VARCHAR", "the analyst", nullable=False),
    Column("command", "VARCHAR", "the command or workbench page", nullable=False),
    Column("action", "VARCHAR", "what was done", nullable=False),
    Column("person_ids", "VARCHAR[]", "whose records it concerned", nullable=False),
    Column("detail", "JSON", "counts, ids, settings: never a name or free text", nullable=False),
    Column("prev_hash", "VARCHAR", "the previous entry's hash", nullable=False),
    Column("hash", "VARCHAR", "SHA-256 of prev_hash and this entry", nullable=False),
))
AUDIT_HEAD = Table("audit_head", "the chain's head: how many entries, and the last one's hash", (
    Column("id", "INTEGER", "always 1 (one row)", primary_key=True, nullable=False, check="id = 1"),
    Column("entry_count", "BIGINT", "entries in the chain", nullable=False),
    Column("last_seq", "BIGINT", "the last entry's seq", nullable=False),
    Column("head_hash", "VARCHAR", "the last entry's hash", nullable=False),
    Column("updated_at", "TIMESTAMP", "when the head last moved", nullable=False),
))
_DDL = ddl(AUDIT_LOG, AUDIT_HEAD)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    actor: str
    command: str
    action: str
    person_ids: tuple[str, ...]
    detail: Mapping[str, object]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditHead:
    """Where the chain ends: an anchor to keep outside the store."""

    entry_count: int
    last_seq: int
    head_hash: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    head: AuditHead | None = None

    def __bool__(self) -> bool:
        return self.ok


# ------------------------------------------------------------------ helpers


_ANALYST: ContextVar[str | None] = ContextVar("chronolink_analyst", default=None)


@contextmanager
def acting_as(analyst: str | None) -> Iterator[None]:
    """Attribute entries written inside the block without an actor of their own (per-file ingest
    entries) to ``analyst`` (validated here, before anything is written)."""
    token = _ANALYST.set(current_actor(analyst))
    try:
        yield
    finally:
        _ANALYST.reset(token)


def current_actor(analyst: str | None = None) -> str:
    """The ``--analyst`` value if given, else the one set by :func:`acting_as`, else the OS user."""
    if (analyst is None or not analyst.strip()) and _ANALYST.get() is not None:
        analyst = _ANALYST.get()
    if analyst is not None and analyst.strip():
        actor = analyst.strip()
    else:
        try:
            actor = getpass.getuser()
        except (OSError, KeyError, ImportError):
            actor = f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    if len(actor) > 128 or not actor.isprintable():
        raise AnalystError("--analyst must be printable (no newlines or control characters) and at most 128 characters")
    return actor


def _check_value(value: object, where: str, depth: int) -> None:
    if value is None or isinstance(value, bool) or isinstance(value, int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AuditDetailError(f"detail {where} must be a finite number")
        return
    if isinstance(value, str):
        if not _CODE.fullmatch(value):
            raise AuditDetailError(
                f"detail {where} must be a count, flag, code or id (no spaces or free text)"
            )
        return
    if depth >= _MAX_DEPTH:
        raise AuditDetailError(f"detail {where} is nested too deeply")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_key(key, where)
            _check_value(item, f"{where}.{key}", depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_value(item, f"{where}[{i}]", depth + 1)
        return
    raise AuditDetailError(f"detail {where} has unsupported type {type(value).__name__}")


def _check_key(key: object, where: str) -> None:
    if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", key):
        raise AuditDetailError(f"detail keys under {where} must be snake_case identifiers")
    if any(part in key for part in _FORBIDDEN_KEY_PARTS) and not key.endswith(("_count", "_id", "_ids")):
        raise AuditDetailError(f"detail key {where}.{key} would hold a name or free text")


def check_detail(detail: Mapping[str, object] | None) -> dict[str, object]:
    """Validate an entry's detail; raise :class:`AuditDetailError` (never echoing values).

    Allowed: snake_case keys mapping to ints, finite floats, booleans, None,
    codes/ids without spaces (e.g. ``csv``, ``rule.R07``, ``P00000012``), and
    lists or mappings of those. Keys naming names, notes, addresses or dates
    of birth are refused unless they end in ``_count``, ``_id`` or ``_ids``.
    """
    if detail is None:
        return {}
    if not isinstance(detail, Mapping):
        raise AuditDetailError("detail must be a mapping")
    _check_value(detail, "detail", 0)
    return json.loads(_canonical(detail))


def _canonical(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _entry_hash(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor: str,
    command: str,
    action: str,
    person_ids: Sequence[str],
    detail: Mapping[str, object],
) -> str:
    body = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "command": command,
        "action": action,
        "person_ids": list(person_ids),
        "detail": detail,
    }
    return hashlib.sha256((prev_hash + _canonical(body)).encode("utf-8")).hexdigest()


def init(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``audit_log`` and ``audit_head`` in ``con``'s current database if missing
    (a read-only connection to a store that has them is left alone)."""
    have = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('audit_log', 'audit_head') "
                       "AND database_name = current_database()").fetchall()[0][0]
    if have < 2:
        con.execute(_DDL)


def _read_head(con: duckdb.DuckDBPyConnection) -> AuditHead | None:
    rows = con.execute("SELECT entry_count, last_seq, head_hash FROM audit_head WHERE id = 1").fetchall()
    return AuditHead(*rows[0]) if rows else None


def head(con: duckdb.DuckDBPyConnection) -> AuditHead:
    """The head record (count 0 and the genesis hash for an empty trail)."""
    init(con)
    return _read_head(con) or AuditHead(0, 0, GENESIS_HASH)


# ------------------------------------------------------------------- append


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    command: str,
    action: str,
    person_ids: Iterable[str] = (),
    detail: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Append one entry and move the head, in one transaction.

    If ``con`` is already inside a transaction the entry joins it, so it is
    committed or rolled back with the work it describes. Raises
    :class:`AuditIntegrityError` if the log's tail no longer matches its head
    (the log was tampered with), and :class:`AuditDetailError` /
    ``ValueError`` for entries that break the rules above.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; expected one of {sorted(ACTIONS)}")
    if not isinstance(command, str) or not _COMMAND.fullmatch(command):
        raise ValueError("command must be a lower-case command name without spaces")
    if not isinstance(actor, str) or not actor.strip():
        raise ValueError("actor is required (use current_actor())")
    actor = current_actor(actor)
    ids = tuple(person_ids)
    for pid in ids:
        if not isinstance(pid, str) or not PERSON_ID.fullmatch(pid):
            raise AuditDetailError("person_ids must be person ids of the form P + 8 digits")
    clean = check_detail(detail)
    at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

    init(con)
    with transaction(con):
        current = _read_head(con) or AuditHead(0, 0, GENESIS_HASH)
        tail = con.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchall()
        tail_seq, tail_hash = tail[0] if tail else (0, GENESIS_HASH)
        if (tail_seq, tail_hash) != (current.last_seq, current.head_hash):
            raise AuditIntegrityError(
                "the audit log's last entry does not match its head record; "
                "refusing to append (run the audit verification)"
            )
        seq = current.last_seq + 1
        digest = _entry_hash(current.head_hash, seq, at, actor, command, action, ids, clean)
        con.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [seq, at, actor, command, action, list(ids), _canonical(clean), current.head_hash, digest],
        )
        con.execute(
            "INSERT OR REPLACE INTO audit_head VALUES (1, ?, ?, ?, ?)",
            [current.entry_count + 1, seq, digest, at],
        )
    return AuditEntry(seq, at, actor, command, action, ids, clean, current.head_hash, digest)


# ------------------------------------------------------------------- verify


def _rows(con: duckdb.DuckDBPyConnection):
    cursor = con.execute(
        'SELECT seq, "at", actor, command, action, person_ids, CAST(detail AS VARCHAR), prev_hash, hash '
        "FROM audit_log ORDER BY seq"
    )
    while batch := cursor.fetchmany(10_000):
        yield from batch


def _present(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                       "AND table_name IN ('audit_log', 'audit_head', 'records', 'source_files')").fetchall()
    return {r[0] for r in rows}


def _unaudited_files(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[int]:
    """File versions stored in the store (records or source_files) with no ingest entry naming them."""
    stored = [f"SELECT file_seq FROM {t}" for t in ("records", "source_files") if t in present]
    if not stored:
        return []
    covered = ("SELECT TRY_CAST(json_extract_string(detail, '$.file_seq') AS BIGINT) AS seq FROM audit_log "
               "WHERE action = 'ingest'") if "audit_log" in present else "SELECT NULL::BIGINT AS seq WHERE false"
    rows = con.execute(f"SELECT DISTINCT file_seq FROM ({' UNION ALL '.join(stored)}) s WHERE NOT EXISTS "
                       f"(SELECT 1 FROM ({covered}) c WHERE c.seq = s.file_seq) ORDER BY file_seq").fetchall()
    return [r[0] for r in rows]


def _files_text(seqs: list[int]) -> str:
    shown = ", ".join(str(s) for s in seqs[:5])
    return shown + (f" and {len(seqs) - 5} more" if len(seqs) > 5 else "")


def verify(con: duckdb.DuckDBPyConnection, anchor: AuditHead | None = None) -> VerifyResult:
    """Check the whole chain, the head record, that every stored file version has its ingest
    entry, then an optional external anchor. Writes nothing.

    Reports the first bad seq: the edited or forged row, the first missing seq after a
    deletion, or the first seq beyond the surviving tail after a truncation. A store holding
    records whose trail was dropped or emptied fails: every stored file's rows commit with an
    ingest entry naming its ``file_seq``. What only an anchor catches: the whole trail rewritten
    consistently (chain, head and ingest entries forged anew) by someone who can write the store.
    """
    present = _present(con)
    unaudited = _unaudited_files(con, present)
    if "audit_log" not in present:
        if unaudited:
            return VerifyResult(False, 0, 1, "the audit log is missing, yet the store holds records "
                                             f"(file_seq {_files_text(unaudited)})")
        if "audit_head" in present or (anchor is not None and anchor.entry_count):
            return VerifyResult(False, 0, 1, "the audit log is missing")
        return VerifyResult(True, 0, head=AuditHead(0, 0, GENESIS_HASH))
    expected_seq, running, checked = 1, GENESIS_HASH, 0
    anchor_seen = anchor is None or anchor.entry_count == 0
    for seq, at, actor, command, action, person_ids, detail_json, prev_hash, stored in _rows(con):
        if seq != expected_seq:
            problem = "missing entry (deleted)" if seq > expected_seq else "duplicate or reordered seq"
            return VerifyResult(False, checked, min(seq, expected_seq), problem)
        if prev_hash != running:
            return VerifyResult(False, checked, seq, "broken chain: prev_hash does not match")
        try:
            detail = json.loads(detail_json)
        except (TypeError, ValueError):
            return VerifyResult(False, checked, seq, "detail is not valid JSON")
        digest = _entry_hash(prev_hash, seq, at, actor, command, action, person_ids or (), detail)
        if digest != stored:
            return VerifyResult(False, checked, seq, "entry altered: hash does not match its content")
        if anchor is not None and seq == anchor.last_seq:
            if stored != anchor.head_hash:
                return VerifyResult(False, checked, seq, "entry differs from the external anchor")
            anchor_seen = True
        running, expected_seq, checked = stored, expected_seq + 1, checked + 1

    last_seq = expected_seq - 1
    actual = AuditHead(checked, last_seq, running)
    recorded = _read_head(con) if "audit_head" in present else None
    if recorded is None:
        if checked or unaudited:
            return VerifyResult(False, checked, 1, "head record missing", actual)
        recorded = AuditHead(0, 0, GENESIS_HASH)
    if recorded != actual:
        if recorded.last_seq > last_seq or recorded.entry_count > checked:
            return VerifyResult(False, checked, last_seq + 1, "entries missing at the end (truncated)", actual)
        return VerifyResult(False, checked, recorded.last_seq + 1, "head record does not match the log", actual)
    if unaudited:
        return VerifyResult(False, checked, last_seq + 1, "the store holds records with no ingest entry in the "
                                                          f"audit trail (file_seq {_files_text(unaudited)})", actual)
    if not anchor_seen:
        return VerifyResult(
            False, checked, last_seq + 1, "the log ends before the external anchor (truncated)", actual
        )
    return VerifyResult(True, checked, head=actual)


# ------------------------------------------------------------------ listing


def entries(
    con: duckdb.DuckDBPyConnection,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    person_id: str | None = None,
    after_seq: int | None = None,
    limit: int | None = None,
) -> pl.DataFrame:
    """Entries in seq order, filtered; ``detail`` as a JSON string (none when there is no trail)."""
    if "audit_log" not in _present(con):
        return pl.DataFrame(schema={"seq": pl.Int64, "at": pl.Datetime, "actor": pl.String, "command": pl.String,
                                    "action": pl.String, "person_ids": pl.List(pl.String), "detail": pl.String,
                                    "prev_hash": pl.String, "hash": pl.String})
    clauses, params = [], []
    for clause, value in (
        ('"at" >= ?', since),
        ('"at" < ?', until),
        ("actor = ?", actor),
        ("action = ?", action),
        ("list_contains(person_ids, ?)", person_id),
        ("seq > ?", after_seq),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    sql = (
        'SELECT seq, "at", actor, command, action, person_ids, CAST(detail AS VARCHAR) AS detail, '
        "prev_hash, hash FROM audit_log"
    )
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY seq"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return con.sql(sql, params=params).pl()


# ------------------------------------------------------------------ anchors


def write_anchor(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str]) -> AuditHead:
    """Write the current head to a small JSON file kept outside the store."""
    current = head(con)
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(asdict(current), sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return current


def read_anchor(path: str | os.PathLike[str]) -> AuditHead:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return AuditHead(int(data["entry_count"]), int(data["last_seq"]), str(data["head_hash"]))
