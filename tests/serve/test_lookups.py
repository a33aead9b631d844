"""The workbench's point-lookup indexes exist while it runs and are gone from the store when it closes."""
from __future__ import annotations

import shutil

import duckdb

from chronolink.engine.serve import Workbench
from chronolink.engine.serve.lookups import KEYS, PREFIX


def _indexes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {n for (n,) in con.execute("SELECT index_name FROM duckdb_indexes() WHERE starts_with(index_name, ?)",
                                      [PREFIX]).fetchall()}


def test_lookup_indexes_live_only_while_the_workbench_runs(served_store, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(served_store[0], db)
    server = Workbench(db, 0, analyst="tester", announce=lambda url: None)
    try:
        assert server.gate.lookups.wait(60)
        with server.gate.read() as con:
            built = _indexes(con)
        assert len(built) == len(KEYS), sorted(built)
    finally:
        server.close()
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _indexes(con) == set()
    finally:
        con.close()
