"""Comparison levels compiled to Python, from the same SQL the engines run (parsed by sqlglot).

The clustering asks, for two whole clusters, whether any of their values could be one person's
(a date of birth, a name): it evaluates the declared levels on pairs of value records in Python,
so the test is the declaration itself, never a copy with its own thresholds. SQL's three-valued
logic is kept (a comparison with NULL is unknown, and an unknown condition does not select its
level); functions map to rapidfuzz, which gives DuckDB's results on these inputs (a test checks).
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import sqlglot
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein
from sqlglot import exp

from chronolink.engine.link.comparisons import Comparison

Record = Sequence[Any]
Expr = Callable[[Record, Record], Any]


def _unknown_if_null(f: Callable[..., Any]) -> Callable[..., Any]:
    def g(*xs: Any) -> Any:
        return None if any(x is None for x in xs) else f(*xs)
    return g


def _and(*xs: Any) -> Any:
    if any(x is False for x in xs):
        return False
    return None if any(x is None for x in xs) else True


def _or(*xs: Any) -> Any:
    if any(x is True for x in xs):
        return True
    return None if any(x is None for x in xs) else False


def _coalesce(*xs: Any) -> Any:
    return next((x for x in xs if x is not None), None)


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    exp.EQ: _unknown_if_null(operator.eq), exp.NEQ: _unknown_if_null(operator.ne),
    exp.GT: _unknown_if_null(operator.gt), exp.GTE: _unknown_if_null(operator.ge),
    exp.LT: _unknown_if_null(operator.lt), exp.LTE: _unknown_if_null(operator.le),
    exp.Add: _unknown_if_null(operator.add), exp.Sub: _unknown_if_null(operator.sub),
    exp.ArrayContains: _unknown_if_null(lambda a, v: v in a),
    exp.ArrayOverlaps: _unknown_if_null(lambda a, b: not set(a).isdisjoint(b)),
    exp.Contains: _unknown_if_null(lambda a, b: b in a),
    exp.JarowinklerSimilarity: _unknown_if_null(lambda a, b: JaroWinkler.similarity(a, b)),
    exp.Levenshtein: _unknown_if_null(lambda a, b: Levenshtein.distance(a, b)),
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "DAMERAU_LEVENSHTEIN": _unknown_if_null(lambda a, b: DamerauLevenshtein.distance(a, b)),
}


def compile_condition(sql: str, columns: Sequence[str]) -> Expr:
    """A Python function of two records (tuples in `columns` order, as aliases l and r) giving the
    SQL condition's value: True, False or None (unknown)."""
    index = {c: i for i, c in enumerate(columns)}
    return _compile(sqlglot.parse_one(sql, read="duckdb"), index)


def _compile(node: exp.Expr, index: dict[str, int]) -> Expr:  # noqa: C901 - one branch per node type
    if isinstance(node, exp.Paren):
        return _compile(node.this, index)
    if isinstance(node, exp.Column):
        side, i = node.table, index[node.name]
        if side == "l":
            return lambda l, r: l[i]
        if side == "r":
            return lambda l, r: r[i]
        raise ValueError(f"a level reads l.<column> or r.<column>, not {node.sql()}")
    if isinstance(node, exp.Boolean):
        v = node.this
        return lambda l, r: v
    if isinstance(node, exp.Null):
        return lambda l, r: None
    if isinstance(node, exp.Literal):
        v = node.this if node.is_string else (float(node.this) if "." in node.this else int(node.this))
        return lambda l, r: v
    if isinstance(node, exp.Array):
        items = [_compile(x, index) for x in node.expressions]
        return lambda l, r: tuple(f(l, r) for f in items)
    if isinstance(node, (exp.And, exp.Or)):
        a, b = _compile(node.left, index), _compile(node.right, index)
        if isinstance(node, exp.And):
            return lambda l, r: False if (x := a(l, r)) is False else _and(x, b(l, r))
        return lambda l, r: True if (x := a(l, r)) is True else _or(x, b(l, r))
    if isinstance(node, exp.Not):
        a = _compile(node.this, index)
        return lambda l, r: None if (x := a(l, r)) is None else not x
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        a = _compile(node.this, index)
        return lambda l, r: a(l, r) is None
    if isinstance(node, exp.Coalesce):
        parts = [_compile(x, index) for x in (node.this, *node.expressions)]
        return lambda l, r: _coalesce(*(f(l, r) for f in parts))
    if isinstance(node, exp.Length):
        a = _compile(node.this, index)
        return lambda l, r: None if (x := a(l, r)) is None else len(x)
    if isinstance(node, exp.Abs):
        a = _compile(node.this, index)
        return lambda l, r: None if (x := a(l, r)) is None else abs(x)
    op = _BINARY.get(type(node))
    if op is not None:
        a, b = _compile(node.this, index), _compile(node.expression, index)
        return lambda l, r: op(a(l, r), b(l, r))
    if isinstance(node, exp.Anonymous) and node.name.upper() in _FUNCTIONS:
        fn = _FUNCTIONS[node.name.upper()]
        args = [_compile(x, index) for x in node.expressions]
        return lambda l, r: fn(*(f(l, r) for f in args))
    raise ValueError(f"no Python form for SQL {node.sql(dialect='duckdb')!r} ({type(node).__name__})")


def level_function(comparison: Comparison, columns: Sequence[str], first: int = 0) -> Callable[[Record, Record], int]:
    """The comparison's level (index of the first level whose condition is true, from level `first`
    on) for two records."""
    conds = [(i, compile_condition(lv.sql, columns)) for i, lv in enumerate(comparison.levels[:-1]) if i >= first]
    last = len(comparison.levels) - 1

    def level(l: Record, r: Record) -> int:
        for i, c in conds:
            if c(l, r) is True:
                return i
        return last
    return level
