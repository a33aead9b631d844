"""Point-lookup indexes on the store while the workbench runs.

Every workbench page is about one person, one pair or one place, and the store is laid
out for the batch (mentions in file order, events in id order): a person's rows are
scattered over the whole table, and DuckDB reads a scattered set of rows by scanning
the table (~100 ms per table on a 1M-row store). An ART index on the key turns an
equality or a constant `IN (?, ?, ...)` list that is the scan's only filter into an
index scan (a few ms), so the
queries the pages share with the static reports stay set-based and unchanged in
meaning; they pass their keys as placeholder lists
(`engine.store.lookup.in_list`).

The indexes exist only while the workbench runs: built in a background thread when it
opens (pages work meanwhile, scanning as before), dropped before its own batch run (the
link run updates `person_mentions.person_id`; the chronology build replaces its tables)
and rebuilt after, and dropped when it closes, so the store the other commands see is
the store they wrote. Names start with `serve_lookup_` so a store left with them by a
killed workbench is recognised and reused.
"""
from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager
from typing import Protocol

import duckdb


class Store(Protocol):
    """What the builder needs of the workbench's store gate (engine.serve.gate.StoreGate)."""

    def read(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...

    def write(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...


PREFIX = "serve_lookup_"
# (table, column): the keys the pages look rows up by.
KEYS = (
    ("person_mentions", "person_id"), ("person_mentions", "mention_id"), ("person_mentions", "record_id"),
    # find a person
    ("person_mentions", "surname"), ("person_mentions", "forename"), ("person_mentions", "preferred_forename"),
    ("person_mentions", "dob"), ("person_mentions", "nhs_number"), ("person_mentions", "upn"),
    ("person_mentions", "pnc"), ("person_mentions", "local_id"),
    ("records", "record_id"),
    ("event_people", "person_id"), ("event_people", "event_id"), ("chronology", "event_id"),
    ("event_sources", "event_id"), ("event_places", "event_id"),
    ("address_mentions", "address_mention_id"), ("address_mentions", "address_id"),
    ("person_facts", "person_id"), ("person_places", "person_id"),
    ("coresidence", "person_a"), ("coresidence", "person_b"),
    ("observations", "person_id"), ("observations", "address_id"),
    ("link_msig", "mention_id"), ("link_sig", "sid"),
)


def index_name(table: str, column: str) -> str:
    return f"{PREFIX}{table}__{column}"


class LookupIndexes:
    """Builds, drops and reports the workbench's lookup indexes."""

    def __init__(self, gate: Store) -> None:
        self.gate = gate
        self.ready = threading.Event()
        self.seconds: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cur: duckdb.DuckDBPyConnection | None = None

    def start(self) -> None:
        """Build the missing indexes in the background."""
        self.stop()
        self._stop.clear()
        self.ready.clear()
        self._thread = threading.Thread(target=self._build, name="chronolink-lookups", daemon=True)
        self._thread.start()

    def _build(self) -> None:
        started = time.perf_counter()
        try:
            with self.gate.read() as cur:
                self._cur = cur
                have = _existing(cur)
                for table, column in KEYS:
                    if self._stop.is_set():
                        return
                    if index_name(table, column) in have or not _has_column(cur, table, column):
                        continue
                    try:
                        cur.execute(f'CREATE INDEX IF NOT EXISTS "{index_name(table, column)}" '
                                    f'ON "{table}" ("{column}")')
                    except duckdb.Error:  # a table being replaced: that key is scanned instead
                        if self._stop.is_set():
                            return
        except duckdb.Error:  # interrupted (stop) or the store closing: what was built stays
            return
        finally:
            self._cur = None
        self.seconds = time.perf_counter() - started
        self.ready.set()

    def stop(self) -> None:
        """Stop a build that is running (what it built stays)."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._stop.set()
        cur = self._cur
        if cur is not None:
            try:
                cur.interrupt()
            except duckdb.Error:
                pass
        thread.join()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the indexes are built (bench, tests)."""
        return self.ready.wait(timeout)

    def drop(self) -> None:
        """Stop any build and drop every lookup index (before a batch run, and on close)."""
        self.stop()
        self.ready.clear()
        with self.gate.write() as cur:
            for name in sorted(_existing(cur)):
                cur.execute(f'DROP INDEX IF EXISTS "{name}"')


def _existing(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {n for (n,) in con.execute(
        "SELECT index_name FROM duckdb_indexes() WHERE database_name = current_database() AND starts_with(index_name, ?)",
        [PREFIX]).fetchall()}


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
                            "AND table_name = ? AND column_name = ?", [table, column]).fetchall()[0][0])

