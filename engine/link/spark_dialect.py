"""The link steps' SQL, written once in DuckDB's dialect, carried to Spark SQL with sqlglot.

sqlglot does most of the work; this module adds what it cannot know from the text alone:

- `hash(x)` of one integer expression is DuckDB's own hash (MurmurHash64 of the 64-bit value,
  written out in Spark SQL with wrapping arithmetic, and flipped so signed order is DuckDB's unsigned
  order): the training sample is ordered by it (`em.estimate_u`), so both engines train on the same
  pairs. Any other `hash(...)` is a key compared only for equality: `xxhash64`.
- `first(x ORDER BY k DESC, j)` becomes `min_by(x, struct(-k, j))`; `list(DISTINCT x ORDER BY x)`
  becomes `sort_array(collect_set(x))` (the order is what makes stored lists repeat);
- `len(list)` is the list's size (sqlglot reads `len` as a string length), `list_has_any` is
  `arrays_overlap`, `array_to_string` joins the list's members as text, `CAST(... AS JSON)` keeps
  the text, `regexp_full_match` anchors the pattern and `regexp_escape` escapes it;
- `round(double, n)` is DuckDB's (half away from zero on `x * 10^n`), not Spark's decimal rounding;
- `range(a, b) alias(col)` is Spark's `range` table;
- a literal with a decimal point is a DOUBLE (Spark would compare a similarity with DECIMAL(1,1));
- query parameters (`?`, `$1`) are written in as literals.

String similarity (`jaro_winkler_similarity`, `damerau_levenshtein`) calls Arrow UDFs computing
DuckDB's functions (spark_engine.py; Spark 4's own `jaro_winkler_similarity` gives other values).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, cast

import sqlglot
from sqlglot import exp

# DuckDB's string similarity functions -> the Arrow UDFs the Spark engine registers (Spark's built-in
# jaro_winkler_similarity counts transpositions differently, so DuckDB's is reproduced, not Spark's).
SIMILARITY_UDFS = {"jaro_winkler_similarity": "chronolink_jaro_winkler", "damerau_levenshtein": "chronolink_damerau_levenshtein"}

# DuckDB's MurmurHash64 multiplier, as a signed 64-bit value (Spark's longs wrap when ANSI mode is off).
_MURMUR_C = 0xD6E8FEB86659FD93 - (1 << 64)


def _murmur64(e: str) -> str:
    """Spark SQL for DuckDB's hash of the BIGINT expression `e`, order-preserving as a signed long."""
    x = f"({e})"
    x = f"({x} ^ shiftrightunsigned({x}, 32))"
    x = f"({x} * ({_MURMUR_C}L))"
    x = f"({x} ^ shiftrightunsigned({x}, 32))"
    x = f"({x} * ({_MURMUR_C}L))"
    x = f"({x} ^ shiftrightunsigned({x}, 32))"
    return f"({x} ^ shiftleft(1L, 63))"


def _spark(node: exp.Expression) -> str:
    return node.sql(dialect="spark")


def _parse(sql: str) -> exp.Expression:
    return cast(exp.Expression, sqlglot.parse_one(sql, read="spark"))


def _literal(v: Any) -> exp.Expression:
    if v is None:
        return exp.Null()
    if isinstance(v, bool):
        return exp.Boolean(this=v)
    if isinstance(v, (int, float)):
        return exp.Literal.number(repr(v))
    if isinstance(v, (list, tuple)):
        return exp.Array(expressions=[_literal(x) for x in v])
    return exp.Literal.string(str(v))


def _order_keys(order: exp.Order) -> list[exp.Expression]:
    return [exp.Neg(this=o.this.copy()) if o.args.get("desc") else o.this.copy() for o in order.expressions]


def _rewrite(node: exp.Expression) -> exp.Expression:
    """One node of the DuckDB tree, rewritten where Spark differs (see the module docstring)."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        args = node.expressions
        if len(args) == 1 and isinstance(args[0], (exp.Add, exp.Sub, exp.Mul)):
            return _parse(_murmur64(_spark(args[0])))
        return exp.Anonymous(this="xxhash64", expressions=[a.copy() for a in args])
    if isinstance(node, exp.Literal) and not node.is_string and re.search(r"[.eE]", node.this):
        return exp.Literal.number(f"{node.this}D")  # DuckDB compares doubles with it as a double, not a decimal
    if isinstance(node, exp.JarowinklerSimilarity):  # Spark's own halves transpositions otherwise: the UDF
        return exp.Anonymous(this=SIMILARITY_UDFS["jaro_winkler_similarity"],
                             expressions=[node.this.copy(), node.expression.copy()])
    if isinstance(node, exp.Anonymous) and node.name.lower() in SIMILARITY_UDFS:
        return exp.Anonymous(this=SIMILARITY_UDFS[node.name.lower()], expressions=[a.copy() for a in node.expressions])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "regexp_escape":
        # Java regex: a backslash before every metacharacter.
        return _parse(f"regexp_replace({_spark(node.expressions[0])}, '([\\\\\\\\.^$|?*+()\\\\[\\\\]{{}}-])', '\\\\\\\\$1')")
    if isinstance(node, exp.First) and isinstance(node.this, exp.Order):
        order = node.this
        keys = _order_keys(order)
        return exp.Anonymous(this="min_by", expressions=[order.this.copy(), exp.Struct(expressions=keys)])
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArrayAgg) and isinstance(node.this.this, exp.Order):
        inner = _collect(node.this)
        return exp.Anonymous(this="sort_array", expressions=[exp.Filter(this=inner, expression=node.expression.copy())])
    if isinstance(node, exp.ArrayAgg) and not isinstance(node.parent, exp.Filter):
        if isinstance(node.this, exp.Order):
            return exp.Anonymous(this="sort_array", expressions=[_collect(node)])
        if isinstance(node.this, exp.Distinct):
            return _collect(node)
    if isinstance(node, exp.ArrayOverlaps):
        return exp.Anonymous(this="arrays_overlap", expressions=[node.this.copy(), node.expression.copy()])
    if isinstance(node, exp.ArrayToString):
        as_text = exp.Cast(this=node.this.copy(), to=exp.DataType.build("ARRAY<STRING>", dialect="spark"))
        return exp.Anonymous(this="array_join", expressions=[as_text, node.expression.copy()])
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.JSON):
        return node.this.copy()
    if isinstance(node, exp.RegexpFullMatch):
        pattern = f"concat('^(?:', {_spark(node.expression)}, ')$')"
        return _parse(f"regexp_like({_spark(node.this)}, {pattern})")
    if isinstance(node, exp.Round) and node.args.get("decimals") is not None:
        d = int(node.args["decimals"].name)
        scale = f"{10 ** d}.0D"
        return _parse(f"(round(CAST({_spark(node.this)} AS DOUBLE) * {scale}, 0) / {scale})")
    if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries):
        gs = node.this
        alias = node.args.get("alias")
        start, end = _spark(gs.args["start"]), _spark(gs.args["end"])
        name = alias.name if alias else "r"
        col = alias.columns[0].name if alias and alias.columns else "id"
        return _parse(f"SELECT * FROM range({start}, {end}) AS {name}({col})").args["from_"].this
    return node


def _bottom_up(node: exp.Expression) -> exp.Expression:
    """`_rewrite` applied children first, so a rewrite writing its children out as text sees them rewritten."""
    for child in list(node.iter_expressions()):
        new = _bottom_up(child)
        if new is not child:
            child.replace(new)
    return _rewrite(node)


def _collect(agg: exp.ArrayAgg) -> exp.Expression:
    """`collect_set` / `collect_list` for DuckDB's `list(...)` (its ORDER BY must sort by the value itself)."""
    inner = agg.this
    if isinstance(inner, exp.Order):
        keys = [o.this for o in inner.expressions]
        inner = inner.this
        value = inner.expressions[0] if isinstance(inner, exp.Distinct) else inner
        if len(keys) != 1 or keys[0] != value or inner.args.get("desc"):
            raise NotImplementedError("list(... ORDER BY ...) must order by the listed value, ascending")
    if isinstance(inner, exp.Distinct):
        return exp.Anonymous(this="collect_set", expressions=[inner.expressions[0].copy()])
    return exp.Anonymous(this="collect_list", expressions=[inner.copy()])


def _bind(tree: exp.Expression, params: list[Any]) -> exp.Expression:
    """Write query parameters in as literals (`?` in order, `$n` by number)."""
    seq = iter(params)

    def put(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            n = node.name
            return _literal(params[int(n) - 1] if n and n.isdigit() else next(seq))
        return node

    return tree.transform(put)


_LEN = re.compile(r"\blen\(")


@lru_cache(maxsize=512)
def _translate(sql: str) -> str:
    # DuckDB's `len` of a list; sqlglot would read it as a string's length.
    tree = cast(exp.Expression, sqlglot.parse_one(_LEN.sub("array_length(", sql), read="duckdb"))
    return _bottom_up(tree).sql(dialect="spark")


@lru_cache(maxsize=512)
def tables_read(sql: str) -> tuple[str, ...]:
    """The tables and views a statement reads, once per mention (CTE names left out)."""
    tree = sqlglot.parse_one(_LEN.sub("array_length(", sql), read="duckdb")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return tuple(t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes)


def to_spark(sql: str, params: list[Any] | None = None) -> str:
    """Spark SQL for one DuckDB statement of the link steps, with `params` written in."""
    if not params:
        return _translate(sql)
    tree = cast(exp.Expression, sqlglot.parse_one(_LEN.sub("array_length(", sql), read="duckdb"))
    return _bottom_up(_bind(tree, list(params))).sql(dialect="spark")


__all__ = ["SIMILARITY_UDFS", "tables_read", "to_spark"]
