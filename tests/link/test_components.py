"""Connected components in SQL rounds (as Spark runs them) agree with the polars ones, on graphs with
long chains, stars and isolated edges, and settle in rounds that grow with the log of the diameter."""
from __future__ import annotations

import random

import duckdb
import polars as pl
import pytest

from chronolink.engine.link.components import components_in, components_of, connected_components
from chronolink.engine.link.engine import DuckDBEngine


def _graph(seed: int) -> pl.DataFrame:
    rnd = random.Random(seed)
    scattered = [(rnd.randrange(3000), rnd.randrange(3000)) for _ in range(2500)]  # many small trees, self-loops
    chain = [(i, i + 1) for i in range(10_000, 11_000)][::-1]  # a path of 1,001 nodes, highest ids first
    star = [(20_000, 20_000 + i) for i in range(1, 300)]
    rnd.shuffle(chain)
    a, b = zip(*(scattered + chain + star))
    return pl.DataFrame({"a": a, "b": b}, schema={"a": pl.Int64, "b": pl.Int64})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_rounds_find_the_same_components_as_polars(seed: int) -> None:
    edges = _graph(seed)
    eng = DuckDBEngine(duckdb.connect())
    eng.register("_lk_e_df", edges)
    rounds = components_in(eng, "_lk_e_df", "cc")
    got = eng.frame("SELECT node, component FROM _lk_cc ORDER BY node")
    want = connected_components(edges).sort("node")
    assert got.equals(want)
    assert got.filter(pl.col("node") == 11_000)["component"].item() == 10_000  # the chain's far end
    assert rounds <= 12  # about log2 of the 1,000-edge chain (propagating the smallest label alone: 500)
    components_of(eng, "_lk_e_df", "cc2")  # the in-process path, as DuckDB runs it
    assert eng.frame("SELECT node, component FROM _lk_cc2 ORDER BY node").equals(want)


def test_sql_rounds_on_an_empty_graph() -> None:
    eng = DuckDBEngine(duckdb.connect())
    eng.register("_lk_e_df", pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64}))
    components_in(eng, "_lk_e_df", "cc")
    assert eng.rows("SELECT count(*) FROM _lk_cc")[0][0] == 0
