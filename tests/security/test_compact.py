"""Compaction refuses a store another process holds, found by the kernel's lock table (not DuckDB's text)."""
from __future__ import annotations

import duckdb
import pytest

from chronolink.engine.errors import StoreOpenError
from chronolink.engine.retention import compact_store
from tests.store.helpers import held_by_another_process


def test_a_store_in_use_is_not_compacted_and_is_left_as_it_was(tmp_path, monkeypatch):
    for var in ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE"):
        monkeypatch.delenv(var, raising=False)
    db = tmp_path / "store.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE records AS SELECT range AS record_id FROM range(10)")
    con.close()
    before = db.read_bytes()
    with held_by_another_process(db), pytest.raises(StoreOpenError, match="in use by another process"):
        compact_store(db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.duckdb"]
    compact_store(db)  # free again: compacted, contents kept
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM records").fetchall() == [(10,)]
    con.close()
