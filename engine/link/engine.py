"""The small engine interface every link step runs through: run SQL, register a frame, materialise, drop.

Steps write their SQL once, in DuckDB's dialect, against *table names* (`sig`, `cand`, ...); an
engine maps a name to its physical table (`_lk_sig` on DuckDB) and runs the statement. Another
engine (Spark) carries the same SQL to its dialect and keeps the tables as Parquet checkpoints.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import duckdb
import polars as pl

PREFIX = "_lk_"


def physical(name: str) -> str:
    """The physical name of pipeline table `name` (`sig` -> `_lk_sig`); store tables keep their own."""
    return name if name.startswith(PREFIX) else PREFIX + name


@runtime_checkable
class LinkEngine(Protocol):
    """What a link step may ask of the engine it runs on."""

    dialect: str

    def run(self, sql: str, params: list[Any] | None = None) -> None:
        """Run one or more statements (no result)."""

    def materialise(self, name: str, query: str, params: list[Any] | None = None) -> None:
        """Create (or replace) work table `name` from `query`."""

    def register(self, name: str, frame: pl.DataFrame) -> None:
        """Make a polars frame readable as table `name` (until `unregister`)."""

    def unregister(self, name: str) -> None:
        """Forget a registered frame."""

    def frame(self, query: str, params: list[Any] | None = None) -> pl.DataFrame:
        """The result of `query` as a polars frame."""

    def rows(self, query: str, params: list[Any] | None = None) -> list[tuple]:
        """The result of `query` as tuples (small results only)."""

    def map_batches(self, name: str, query: str, fn: Callable[[pl.DataFrame], pl.DataFrame], schema: str) -> None:
        """Work table `name` from `fn` applied to the rows of `query` a batch at a time, where the rows
        are (`fn` row-wise, a module-level function; `schema`: its output columns, `name type, ...`)."""

    def checkpoint(self, name: str) -> None:
        """Compute work table `name` now and cut what it was computed from (it is read again and again)."""

    def drop(self, *names: str) -> None:
        """Drop work tables (if they exist)."""

    def exists(self, name: str) -> bool:
        """Does work table `name` exist?"""

    def columns(self, name: str) -> list[str]:
        """Column names of work table `name`."""


class DuckDBEngine:
    """The link pipeline on a DuckDB connection (the store's own): work tables are TEMP tables."""

    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def run(self, sql: str, params: list[Any] | None = None) -> None:
        """Run one or more statements."""
        self.con.execute(sql, params) if params is not None else self.con.execute(sql)

    def materialise(self, name: str, query: str, params: list[Any] | None = None) -> None:
        """CREATE OR REPLACE TEMP TABLE."""
        self.run(f"CREATE OR REPLACE TEMP TABLE {physical(name)} AS {query}", params)

    def register(self, name: str, frame: pl.DataFrame) -> None:
        """Register a polars frame (zero copy through Arrow)."""
        self.con.register(name, frame)

    def unregister(self, name: str) -> None:
        """Forget a registered frame."""
        self.con.unregister(name)

    def frame(self, query: str, params: list[Any] | None = None) -> pl.DataFrame:
        """Query to polars."""
        if params is None:
            return self.con.sql(query).pl()
        return self.con.execute(query, params).pl()

    def rows(self, query: str, params: list[Any] | None = None) -> list[tuple]:
        """Query to tuples (fetched fully: DuckDB keeps a partly fetched result open)."""
        return (self.con.execute(query, params) if params is not None else self.con.execute(query)).fetchall()

    def map_batches(self, name: str, query: str, fn: Callable[[pl.DataFrame], pl.DataFrame], schema: str) -> None:
        """`fn` over the whole result at once (it is in this process already)."""
        self.register("_lk_map_df", fn(self.frame(query)))
        self.materialise(name, "SELECT * FROM _lk_map_df")
        self.unregister("_lk_map_df")

    def checkpoint(self, name: str) -> None:
        """Nothing to do: every work table is already a table."""

    def drop(self, *names: str) -> None:
        """Drop temp work tables: DuckDB holds them in memory (or spills them) until then."""
        for n in names:
            self.con.execute(f"DROP TABLE IF EXISTS temp.{physical(n)}")

    def exists(self, name: str) -> bool:
        """Is there a temp table `name`?"""
        return bool(self.rows("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [physical(name)])[0][0])

    def columns(self, name: str) -> list[str]:
        """Column names of temp table `name`, in order."""
        return [r[0] for r in self.rows(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'temp' AND table_name = ? ORDER BY column_index",
            [physical(name)])]

    def drop_all(self) -> None:
        """Drop every work table of a link run (`_lk_*`)."""
        rows = self.rows("SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '\\_lk\\_%' ESCAPE '\\'")
        self.drop(*(r[0] for r in rows))


def as_engine(x: LinkEngine | duckdb.DuckDBPyConnection) -> LinkEngine:
    """An engine for `x` (a DuckDB connection gets the DuckDB engine)."""
    return DuckDBEngine(x) if isinstance(x, duckdb.DuckDBPyConnection) else x
