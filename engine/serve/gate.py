"""The workbench owns the store while it runs: one DuckDB connection, writes serialised.

DuckDB lets one process write a file, so `chronolink run` or `link` started while the
workbench runs finds the store busy and waits (`run --wait`) or refuses, as with any
other writer. Inside the server each request reads through its own cursor (DuckDB's
MVCC gives it a consistent snapshot); writes take `write_lock`, so an audit entry, a
decision and the workbench's own batch run never interleave. While a batch runs,
decisions are refused (they would race the link run's review queue) but pages and
their audit entries go on.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

from chronolink.engine.errors import BatchRunning
from chronolink.engine.security import audit
from chronolink.engine.store import open_store
from chronolink.engine.store.transactions import transaction


class StoreGate:
    """The server's one connection to the store, its analyst and its write locks."""

    def __init__(self, db: Path | None, analyst: str | None = None) -> None:
        self.con = open_store(db)
        self.path = db
        self.analyst = audit.current_actor(analyst)
        self._database = self.con.execute("SELECT current_database()").fetchall()[0][0]
        self.write_lock = threading.Lock()  # audit entries and decisions: short writes
        self.batch_lock = threading.Lock()  # held for a whole batch run
        audit.init(self.con)
        from chronolink.engine.serve.lookups import LookupIndexes

        self.lookups = LookupIndexes(self)  # built by the server when it starts, dropped when it closes

    def close(self) -> None:
        self.lookups.drop()
        self.con.close()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one request's reads."""
        cur = self.con.cursor()
        try:
            cur.execute(f'USE "{self._database}"')  # an encrypted store is an attached database
            yield cur
        finally:
            cur.close()

    @contextmanager
    def write(self, *, decision: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor holding the write lock; a decision is refused while a batch run is going."""
        if decision and self.batch_lock.locked():
            raise BatchRunning("a batch run is updating the store: decisions are paused until it finishes")
        with self.write_lock, self.read() as cur:
            yield cur

    @contextmanager
    def transaction(self, *, decision: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """`write()` inside one transaction: committed when the block ends, rolled back if it raises."""
        with self.write(decision=decision) as cur, transaction(cur):
            yield cur

    def audit(self, command: str, action: str, person_ids: Iterable[str] = (),
              detail: Mapping[str, object] | None = None, cur: duckdb.DuckDBPyConnection | None = None) -> None:
        """Append to the audit trail as this server's analyst (inside `cur`'s transaction when given)."""
        ids = sorted({p for p in person_ids if p and audit.PERSON_ID.fullmatch(p)})
        if cur is not None:
            audit.record(cur, self.analyst, command, action, person_ids=ids, detail=detail)
            return
        with self.write() as c:
            audit.record(c, self.analyst, command, action, person_ids=ids, detail=detail)
