"""Scoring: match weight and probability for every candidate pair, with term-frequency adjustment."""
from __future__ import annotations

import duckdb

from chronolink.engine.link.comparisons import COMPARISONS
from chronolink.engine.link.engine import LinkEngine, as_engine
from chronolink.engine.link.model import LinkModel

# Names count in either name field (see build_tf_tables).
NAME_TF_COLUMNS = ("fn", "sn")
# The term-frequency columns, as the comparison levels declare them (fn, sn, dob). A date of birth is
# a term too: placeholder dates (the 1st of January or of June of an estimated year) are shared by
# many people, and agreeing on one is worth less than on another date.
TF_COLUMNS = tuple(col for c in COMPARISONS if (col := c.tf_column()))


def build_tf_tables(con: LinkEngine | duckdb.DuckDBPyConnection) -> None:
    """`tf_<col>(value, tf)`: share of pre-clusters (a person counts once, however often
    recorded) carrying each name or date of birth. A name counts in either name field: `Edwards
    Chloe` written surname first in two records agrees on a forename EDWARDS, rare as a forename
    but not as a name."""
    eng = as_engine(con)
    a, b = NAME_TF_COLUMNS
    eng.materialise("tf_raw", f"""
        WITH d AS (SELECT DISTINCT pc, {a}, {b} FROM _lk_sig),
        n AS (SELECT count(*) AS n FROM (SELECT DISTINCT pc FROM d))
        SELECT coalesce(x.value, y.value) AS value, coalesce(x.f, 0) AS f_{a}, coalesce(y.f, 0) AS f_{b}
        FROM (SELECT {a} AS value, count(DISTINCT pc) / any_value(n.n) AS f FROM d, n WHERE {a} IS NOT NULL GROUP BY 1) x
        FULL JOIN (SELECT {b} AS value, count(DISTINCT pc) / any_value(n.n) AS f FROM d, n WHERE {b} IS NOT NULL GROUP BY 1) y
        USING (value)""")
    for col in NAME_TF_COLUMNS:
        eng.materialise(f"tf_{col}", f"SELECT value, greatest(f_{a}, f_{b}) AS tf FROM _lk_tf_raw WHERE f_{col} > 0")
    eng.drop("tf_raw")
    for col in TF_COLUMNS:
        if col not in NAME_TF_COLUMNS:
            eng.materialise(f"tf_{col}", f"""
                SELECT {col} AS value, count(DISTINCT pc) / (SELECT count(DISTINCT pc) FROM _lk_sig) AS tf
                FROM _lk_sig WHERE {col} IS NOT NULL GROUP BY 1""")


def score(con: LinkEngine | duckdb.DuckDBPyConnection, model: LinkModel, gammas: str, out: str,
          min_weight: float | None = None, sig: str = "_lk_sig", tf: str = "_lk_tf_") -> None:
    """Work table `out`: rows of `gammas` plus `w_<comparison>` weights, `match_weight`, `match_probability`;
    with `min_weight`, only the pairs weighing at least that (no later step looks at the others).

    The tf value of an exact name agreement is the value's frequency (both sides agree, so either side).
    """
    eng = as_engine(con)
    weights = []
    for c in COMPARISONS:
        tf_col = c.tf_column()
        weights.append(f"{model.weight_case_sql(c.name, f'tf_{tf_col}.tf' if tf_col else None)} AS w_{c.name}")
    joins = " ".join(f"LEFT JOIN {tf}{col} tf_{col} ON tf_{col}.value = s.{col}" for col in TF_COLUMNS)
    total = " + ".join(f"w_{c.name}" for c in COMPARISONS)
    prior = f"{model.prior_weight!r}::DOUBLE"
    eng.materialise(out, f"""
        WITH w AS (
            SELECT g.*, {", ".join(weights)}
            FROM {gammas} g JOIN (SELECT sid, {", ".join(TF_COLUMNS)} FROM {sig}) s ON s.sid = g.sid_l
            {joins}
        )
        SELECT w.* , {prior} + {total} AS match_weight,
               1.0 / (1.0 + pow(2.0, -({prior} + {total}))) AS match_probability
        FROM w {"" if min_weight is None else f"WHERE {prior} + {total} >= {float(min_weight)!r}"}""")
