"""The one transaction helper: whole or nothing, joins an open transaction, keeps the real cause."""
from __future__ import annotations

import duckdb
import pytest

from chronolink.engine.errors import ChronolinkError, StoreWriteError
from chronolink.engine.store import in_transaction, transaction
from chronolink.engine.store import transactions as transaction_module


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER)")
    yield con
    con.close()


def _count(con) -> int:
    return con.execute("SELECT count(*) FROM t").fetchall()[0][0]


def test_commits_the_block(con):
    with transaction(con):
        assert in_transaction(con)
        con.execute("INSERT INTO t VALUES (1), (2)")
    assert not in_transaction(con) and _count(con) == 2


def test_rolls_back_on_any_error_and_reraises_it(con):
    with pytest.raises(KeyError):
        with transaction(con):
            con.execute("INSERT INTO t VALUES (1)")
            raise KeyError("boom")
    assert not in_transaction(con) and _count(con) == 0


def test_an_inner_block_joins_the_outer_transaction(con):
    with pytest.raises(RuntimeError):
        with transaction(con):
            with transaction(con):
                con.execute("INSERT INTO t VALUES (1)")
            assert in_transaction(con)  # the inner block did not commit
            raise RuntimeError("outer fails")
    assert _count(con) == 0


class _FailingCommit:
    """A connection whose COMMIT hits a full disk; DuckDB then has no transaction to roll back."""

    def __init__(self, con):
        self.con, self.rollbacks = con, 0

    def execute(self, sql, *args):
        if sql == "COMMIT":
            self.con.execute("ROLLBACK")
            raise duckdb.IOException("Could not write file: No space left on device")
        if sql == "ROLLBACK":
            self.rollbacks += 1
            raise duckdb.TransactionException("cannot rollback - no transaction is active")
        return self.con.execute(sql, *args)


def test_a_failed_commit_is_reported_as_the_write_failure_not_the_rollback(con, monkeypatch):
    monkeypatch.setattr(transaction_module, "nearly_full", lambda folder: True)
    failing = _FailingCommit(con)
    with pytest.raises(StoreWriteError) as caught:
        with transaction(failing):  # type: ignore[arg-type]
            con.execute("INSERT INTO t VALUES (1)")
    assert failing.rollbacks == 1
    message = str(caught.value)
    assert "disk is full" in message and "t.duckdb" in message and "rollback" not in message
    assert isinstance(caught.value.__cause__, duckdb.IOException)
    assert isinstance(caught.value, ChronolinkError)
    assert _count(con) == 0


def test_other_database_errors_propagate_unchanged(con):
    with pytest.raises(duckdb.CatalogException):
        with transaction(con):
            con.execute("INSERT INTO missing_table VALUES (1)")
    assert not in_transaction(con)
