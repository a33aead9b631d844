"""A serving cache: the store's person-keyed tables copied into memory, sorted and indexed.

The store's big tables are in load order, so "every mention of this person" scans all
of them (tens of milliseconds each, a child's page needs dozens of such lookups). The
workbench owns the store while it runs, so it can keep in-memory copies sorted by the key
pages look up (DuckDB then reads one row group) with ART indexes on the other keys, and
read through them with the same queries the reports use: a read cursor `USE`s the cache,
where every other store table is a view onto the store (live: decisions, the review
queue and the audit trail are never copied). The copies live in memory only: nothing
derived is written to disk, so retention's purge has nothing extra to find, and an
encrypted store stays encrypted at rest. The cache is rebuilt after each batch run.
"""
from __future__ import annotations

import itertools
import threading
import time

import duckdb

# table -> (sort key, indexed keys); only tables a batch run rewrites (never a workbench decision).
COPIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "person_mentions": ("person_id", ("person_id", "mention_id", "record_id")),
    "records": ("record_id", ("record_id", "source_row")),
    "address_mentions": ("address_id", ("address_id", "address_mention_id", "record_id")),
    "chronology": ("event_id", ("event_id",)),
    "event_sources": ("event_id", ("event_id", "record_id")),
    "event_people": ("person_id", ("person_id", "event_id")),
    "event_places": ("event_id", ("event_id", "address_id")),
    "person_facts": ("person_id", ("person_id",)),
    "person_places": ("person_id", ("person_id", "address_id")),
    "observations": ("person_id", ("person_id", "address_id")),
    "coresidence": ("person_a", ("person_a", "person_b", "address_id")),
    "link_pairs": ("mention_id_l", ("mention_id_l", "mention_id_r")),
    "link_msig": ("mention_id", ("mention_id",)),
    "flags": ("child_person_id", ("child_person_id", "flag_id", "other_person_id")),
}
_names = itertools.count(1)


class ServingCache:
    """The in-memory copies and the name of the attached database that holds them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, store: str, *, enabled: bool = True) -> None:
        self.con, self.store, self.enabled = con, store, enabled
        self.name: str | None = None
        self.seconds = 0.0
        self._lock = threading.Lock()

    def build(self) -> None:
        """(Re)build the copies in a new in-memory database, then switch readers to it."""
        if not self.enabled:
            return
        started = time.perf_counter()
        name = f"chronolink_cache_{next(_names)}"
        cur = self.con.cursor()
        try:
            cur.execute(f"ATTACH ':memory:' AS {name}")
            tables = [t for (t,) in cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'",
                [self.store]).fetchall()]
            for table in tables:
                src = f'"{self.store}".main."{table}"'
                if table in COPIES:
                    key, indexes = COPIES[table]
                    cur.execute(f'CREATE TABLE {name}.main."{table}" AS SELECT * FROM {src} ORDER BY "{key}"')
                    for col in indexes:
                        cur.execute(f'CREATE INDEX "{table}_{col}" ON {name}.main."{table}" ("{col}")')
                else:
                    cur.execute(f'CREATE VIEW {name}.main."{table}" AS SELECT * FROM {src}')
        except BaseException:
            cur.execute(f"DETACH DATABASE IF EXISTS {name}")
            cur.close()
            raise
        cur.close()
        with self._lock:
            old, self.name = self.name, name
        if old is not None:
            self.con.execute(f"DETACH DATABASE IF EXISTS {old}")
        self.seconds = time.perf_counter() - started

    def use(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Point a read cursor at the cache (or at the store when there is none)."""
        with self._lock:
            name = self.name
        cur.execute(f'USE "{name or self.store}"')
