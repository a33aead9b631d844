"""Reading a few rows of a big table by key: SQL fragments that an index on the key can answer.

A list of constants (`col IN (?, ?, ...)`) can be answered by an ART index on `col` (the
workbench builds them while it runs: engine.serve.lookups); a list parameter
(`IN (SELECT unnest(?))`) is planned as a join, which reads the whole table.
"""
from __future__ import annotations

from collections.abc import Iterable


def in_list(values: Iterable) -> tuple[str, list]:
    """`(?, ?, ...)` and its parameters, for `col IN {sql}`. Empty: `(NULL)`, matching nothing."""
    vals = list(values)
    return ("(" + ", ".join("?" * len(vals)) + ")") if vals else "(NULL)", vals


def keyed(name: str, table: str, column: str, values: Iterable, columns: str = "*") -> tuple[str, list]:
    """A CTE `name` holding the rows of `table` whose `column` is one of `values`, and its parameters.
    Materialized on purpose: DuckDB answers a key list from an index only when the key is the scan's
    one filter, so further conditions go in the query that reads the CTE."""
    ids, params = in_list(values)
    return f"{name} AS MATERIALIZED (SELECT {columns} FROM {table} WHERE {column} IN {ids})", params
