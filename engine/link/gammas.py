"""Comparison levels of signature pairs: every `g_<comparison>` for the pairs of a table.

Costly levels (string similarity) are evaluated once per distinct pair of lookup keys (far
fewer than pairs: the same two spellings meet again and again) and joined back.
"""
from __future__ import annotations

import duckdb

from chronolink.engine.link.comparisons import COMPARISONS, Comparison
from chronolink.engine.link.engine import LinkEngine, as_engine, physical


def gamma_table(con: LinkEngine | duckdb.DuckDBPyConnection, pairs: str, out: str,
                comparisons: tuple[Comparison, ...] = COMPARISONS, sig: str = "_lk_sig") -> None:
    """Work table `out`: the rows of `pairs` (sid_l, sid_r, ...) with every `g_<comparison>` level,
    both sides read from the signature table `sig`."""
    eng = as_engine(con)
    looked = [c for c in comparisons if c.lookup_from is not None]
    for c in looked:
        cols = c.tail_columns()
        eng.materialise(f"lv_{c.name}", f"""
            WITH d AS (
                SELECT DISTINCT l.k_{c.name} AS kl, r.k_{c.name} AS kr
                FROM {pairs} p JOIN {sig} l ON l.sid = p.sid_l JOIN {sig} r ON r.sid = p.sid_r
            ), v AS (SELECT k_{c.name} AS k, {", ".join(f"any_value({x}) AS {x}" for x in cols)} FROM {sig} GROUP BY 1)
            SELECT d.kl, d.kr, {c.tail_sql()} AS g FROM d JOIN v l ON l.k = d.kl JOIN v r ON r.k = d.kr""")
    select = ", ".join(
        f"{c.head_sql(f'lv_{c.name}.g') if c.lookup_from is not None else c.case_sql()} AS g_{c.name}" for c in comparisons)
    joins = " ".join(f"LEFT JOIN {physical('lv_' + c.name)} lv_{c.name} ON lv_{c.name}.kl = l.k_{c.name}"
                     f" AND lv_{c.name}.kr = r.k_{c.name}" for c in looked)
    eng.materialise(out, f"""
        SELECT p.*, {select}
        FROM {pairs} p JOIN {sig} l ON l.sid = p.sid_l JOIN {sig} r ON r.sid = p.sid_r {joins}""")
    eng.drop(*(f"lv_{c.name}" for c in looked))
