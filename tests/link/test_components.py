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


def test_a_long_shuffled_chain_is_one_component_in_memory_and_in_sql_rounds() -> None:
    # Two chains of 100,000 and 20,000 nodes whose ids are in random order along them, their edges in
    # random order and direction, plus self-loops and lone nodes: the in-memory components (places,
    # link-files) find exactly the two chains and the loners, and the SQL rounds (Spark) the chain.
    rnd = random.Random(5)
    ids = rnd.sample(range(1, 10_000_000), 120_003)
    long, short, lone = ids[:100_000], ids[100_000:120_000], ids[120_000:]
    edges = [(x, y) if rnd.random() < 0.5 else (y, x) for chain in (long, short) for x, y in zip(chain, chain[1:])]
    edges += [(v, v) for v in lone[:2]]
    rnd.shuffle(edges)
    a, b = zip(*edges)
    frame = pl.DataFrame({"a": a, "b": b}, schema={"a": pl.Int64, "b": pl.Int64})
    got = connected_components(frame, pl.Series(lone[2:], dtype=pl.Int64))
    want = pl.DataFrame({"node": long + short + lone[2:],
                         "component": [min(long)] * len(long) + [min(short)] * len(short) + lone[2:]}).sort("node")
    assert got.equals(want)  # self-loop-only nodes are not nodes of the graph
    # The SQL rounds on the shorter chain (the longer one costs seconds of CPU on DuckDB).
    eng = DuckDBEngine(duckdb.connect())
    eng.register("_lk_e_df", frame.filter(pl.col("a").is_in(short)))
    rounds = components_in(eng, "_lk_e_df", "cc")
    assert eng.frame("SELECT node, component FROM _lk_cc ORDER BY node").equals(want.filter(pl.col("node").is_in(short)))
    assert rounds <= 20  # grows with the log of the chain's length (a smallest-label propagation: ~10,000)


def test_in_memory_components_of_an_empty_graph() -> None:
    assert connected_components(pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64})).is_empty()
    got = connected_components(pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64}), pl.Series([3, 1], dtype=pl.Int64))
    assert got.rows() == [(1, 1), (3, 3)]
