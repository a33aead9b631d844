"""Unsupervised estimation: u from random pairs of pre-clusters, m by expectation-maximisation.

u is measured over pairs of *different deterministic pre-clusters*, one random
signature each, so a person seen eight times does not inflate agreement rates
(random mention pairs would often be the same person). m starts from pairs
inside pre-clusters (known matches through shared ids) and is refined by EM over
the candidate pairs' comparison patterns, with u held fixed.
"""
from __future__ import annotations

import math

import duckdb
import polars as pl

from chronolink.engine.link.comparisons import COMPARISONS, FIXED_M, FIXED_U
from chronolink.engine.link.model import LevelParams, LinkModel
from chronolink.engine.link.settings import EmSettings


def gamma_table(con: duckdb.DuckDBPyConnection, pairs: str, out: str) -> None:
    """Create temp table `out`: the rows of `pairs` (sid_l, sid_r, ...) with every `g_<comparison>` level.

    Costly levels are evaluated once per distinct pair of lookup keys (far fewer than pairs: the
    same two spellings meet again and again) and joined back."""
    looked = [c for c in COMPARISONS if c.lookup_from is not None]
    for c in looked:
        cols = c.tail_columns()
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _lk_lv_{c.name} AS
            WITH d AS (
                SELECT DISTINCT l.k_{c.name} AS kl, r.k_{c.name} AS kr
                FROM {pairs} p JOIN _lk_sig l ON l.sid = p.sid_l JOIN _lk_sig r ON r.sid = p.sid_r
            ), v AS (SELECT k_{c.name} AS k, {", ".join(f"any_value({x}) AS {x}" for x in cols)} FROM _lk_sig GROUP BY 1)
            SELECT d.kl, d.kr, {c.tail_sql()} AS g FROM d JOIN v l ON l.k = d.kl JOIN v r ON r.k = d.kr
        """)
    select = ", ".join(
        f"{c.head_sql(f'lv_{c.name}.g') if c.lookup_from is not None else c.case_sql()} AS g_{c.name}" for c in COMPARISONS)
    joins = " ".join(f"LEFT JOIN _lk_lv_{c.name} lv_{c.name} ON lv_{c.name}.kl = l.k_{c.name} AND lv_{c.name}.kr = r.k_{c.name}"
                     for c in looked)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT p.*, {select}
        FROM {pairs} p JOIN _lk_sig l ON l.sid = p.sid_l JOIN _lk_sig r ON r.sid = p.sid_r {joins}
    """)
    con.execute("; ".join(f"DROP TABLE _lk_lv_{c.name}" for c in looked))


def _level_counts(con: duckdb.DuckDBPyConnection, table: str, weight: str = "1") -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for c in COMPARISONS:
        rows = con.execute(f"SELECT g_{c.name}, sum({weight}) FROM {table} GROUP BY 1").fetchall()
        counts = [0.0] * len(c.levels)
        for lvl, n in rows:
            counts[int(lvl)] = float(n)
        out[c.name] = counts
    return out


def _normalise(counts: list[float], nulls: list[int], floor: float, smooth: float = 0.5) -> list[float]:
    # Additive smoothing keeps unseen levels possible; null levels carry no probability.
    vals = [0.0 if i in nulls else c + smooth for i, c in enumerate(counts)]
    tot = sum(vals) or 1.0
    return [1.0 if i in nulls else max(v / tot, floor) for i, v in enumerate(vals)]


def estimate_u(con: duckdb.DuckDBPyConnection, settings: EmSettings) -> dict[str, list[float]]:
    """u per level from random pairs of different pre-clusters (one random signature each)."""
    n = con.execute("SELECT count(DISTINCT pc) FROM _lk_sig").fetchall()[0][0]
    if n < 2:
        return {c.name: _normalise([0.0] * len(c.levels), c.null_levels(), settings.u_floor) for c in COMPARISONS}
    offsets = max(1, min(n - 1, math.ceil(settings.u_sample_pairs / n)))
    seed = settings.seed
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lk_reps AS
        SELECT row_number() OVER (ORDER BY hash(pc + {int(seed * 1e6)})) - 1 AS rn, sid FROM (
            SELECT pc, arg_min(sid, hash(sid * 7919 + {int(seed * 1e6)})) AS sid FROM _lk_sig GROUP BY pc
        );
        CREATE OR REPLACE TEMP TABLE _lk_upairs AS
        WITH t AS (
            SELECT a.sid AS sid_l, (a.rn + o.k) % {n} AS trn FROM _lk_reps a CROSS JOIN range(1, {offsets + 1}) o(k)
        )
        SELECT t.sid_l, b.sid AS sid_r FROM t JOIN _lk_reps b ON b.rn = t.trn;
    """)
    gamma_table(con, "_lk_upairs", "_lk_ugam")
    counts = _level_counts(con, "_lk_ugam")
    con.execute("DROP TABLE _lk_upairs; DROP TABLE _lk_ugam; DROP TABLE _lk_reps")
    return {c.name: _normalise(counts[c.name], c.null_levels(), settings.u_floor) for c in COMPARISONS}


def initial_m(con: duckdb.DuckDBPyConnection, settings: EmSettings) -> dict[str, list[float]]:
    """m per level from signature pairs inside the same pre-cluster (matches known through ids).

    Only signatures written on rows that carried the id count: mentions folded in by identical
    names and date of birth would teach the model that true matches always agree exactly."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lk_mpairs AS
        WITH s AS (SELECT sid, pc, row_number() OVER (PARTITION BY pc ORDER BY sid) AS k FROM _lk_sig WHERE from_ids)
        SELECT a.sid AS sid_l, b.sid AS sid_r FROM s a JOIN s b ON a.pc = b.pc AND b.k = a.k + 1
    """)
    gamma_table(con, "_lk_mpairs", "_lk_mgam")
    counts = _level_counts(con, "_lk_mgam")
    con.execute("DROP TABLE _lk_mpairs; DROP TABLE _lk_mgam")
    return {c.name: _normalise(counts[c.name], c.null_levels(), settings.m_floor, smooth=1.0) for c in COMPARISONS}


def _patterns(con: duckdb.DuckDBPyConnection, gammas: str, where: str = "TRUE") -> pl.DataFrame:
    cols = ", ".join(f"g_{c.name}" for c in COMPARISONS)
    return con.sql(f"SELECT {cols}, count(*)::DOUBLE AS n FROM {gammas} WHERE {where} GROUP BY ALL").pl()


def run_em(patterns: pl.DataFrame, m0: dict[str, list[float]], u: dict[str, list[float]], settings: EmSettings,
           learn: set[str], exclude: frozenset[str] = frozenset(), lam0: float = 0.5,
           known_nonmatches: float = 0.0) -> tuple[dict[str, list[float]], float]:
    """EM over comparison patterns (columns g_<name>, n); returns (m, prior). u stays fixed.

    Comparisons in `exclude` (the ones the session was blocked on, hence biased) are left out
    of the likelihood; only comparisons in `learn` have m updated. `known_nonmatches` pairs (left
    out of the patterns because they cannot match) count towards the prior's denominator.
    """
    m = {k: list(v) for k, v in m0.items()}
    if patterns.is_empty():
        return m, lam0
    lam = lam0
    used = [c for c in COMPARISONS if c.name not in exclude]
    total = patterns["n"].sum() + known_nonmatches
    for _ in range(settings.iterations):
        log_bf = pl.sum_horizontal(
            pl.col(f"g_{c.name}").replace_strict(
                {i: math.log(m[c.name][i] / u[c.name][i]) for i in range(len(c.levels))}, return_dtype=pl.Float64)
            for c in used
        )
        post = patterns.with_columns(
            (pl.lit(math.log(lam / (1 - lam))) + log_bf).clip(-700, 700).alias("lo")
        ).with_columns((pl.col("n") / (1 + (-pl.col("lo")).exp())).alias("pn"))
        lam = min(max(post["pn"].sum() / total, 1e-6), 1 - 1e-6)
        for c in used:
            if c.name not in learn:
                continue
            agg = post.group_by(f"g_{c.name}").agg(pl.col("pn").sum())
            acc = [0.0] * len(c.levels)
            for g, v in agg.iter_rows():
                acc[int(g)] = v
            m[c.name] = _normalise(acc, c.null_levels(), settings.m_floor, smooth=0.1)
    return m, lam


# Training sessions (Splink's approach): each runs EM on the candidates of one blocking rule and
# learns only the comparisons that rule did not constrain, which the blocking would have biased.
SESSIONS: tuple[tuple[int, frozenset[str]], ...] = (
    (0, frozenset({"surname", "dob"})),  # surname+dob: learns forename, location, sex
)
# Surname and dob keep the m measured on id-linked pairs: every rule that leaves them free blocks
# on place or names, where family members (same surname, same address) pose as matches.


def prior_over_all_pairs(prior_among_blocked: float, n_blocked: int, n_preclusters: int) -> float:
    """The prior for a random pair of pre-clusters, from the share of matches among the blocked pairs.

    u is measured on random pairs, so each level's Bayes factor is against a random pair; adding
    them to the odds among blocked pairs would count the agreement that got a pair blocked twice
    (a shared first name and date of birth would then outweigh two different surnames and
    addresses, and more so the larger the county). Blocking is built to hold nearly every match,
    so the expected matches among blocked pairs, spread over all pairs, is the random-pair prior."""
    total = n_preclusters * (n_preclusters - 1) / 2
    if total <= 0:
        return prior_among_blocked
    return min(prior_among_blocked, max(prior_among_blocked * n_blocked / total, 1e-12))


def train(con: duckdb.DuckDBPyConnection, gammas: str, settings: EmSettings, tf_weight: float = 1.0,
          n_impossible: int = 0) -> LinkModel:
    """Estimate the full model: u from random pre-cluster pairs, m by EM sessions, then the prior.

    The prior returned is the share of matches among every blocked pair, the `n_impossible` ones
    that were not scored (see blocking.block) counted as non-matches, so it does not depend on that
    filter; scoring uses it spread over all pairs (see prior_over_all_pairs)."""
    u = estimate_u(con, settings)
    for (name, i), v in FIXED_U.items():
        u[name][i] = v
    m0 = initial_m(con, settings)
    m = {k: list(v) for k, v in m0.items()}
    learned: set[str] = set()
    for rule, exclude in SESSIONS:
        pats = _patterns(con, gammas, f"rule = {rule}")
        learn = {c.name for c in COMPARISONS if c.name not in exclude and (c.name, 1) not in FIXED_M}
        m_s, _ = run_em(pats, m, u, settings, learn - learned, exclude)
        for name in learn - learned:
            m[name] = m_s[name]
        learned |= learn
    # Dates of birth: the id-linked pairs measure how often a true match disagrees; EM cannot,
    # because every rule that leaves dob free blocks on names, and same-name different people
    # (father and son) then look like matches with a wrong dob. Error levels get a floor for
    # cross-agency typos, which id-linked (mostly same-agency) pairs under-represent.
    m["dob"] = [max(v, 0.005) if i > 2 else v for i, v in enumerate(m0["dob"])]
    m["forename"] = list(m0["forename"])
    for (name, i), v in FIXED_M.items():
        m[name][i] = v
    # The prior: EM over every candidate with m and u fixed.
    _, lam = run_em(_patterns(con, gammas), m, u, settings, learn=set(), lam0=0.1, known_nonmatches=n_impossible)
    comps: dict[str, list[LevelParams]] = {}
    for c in COMPARISONS:
        comps[c.name] = [LevelParams(label=lv.label, m=m[c.name][i], u=u[c.name][i], null=lv.null)
                         for i, lv in enumerate(c.levels)]
    return LinkModel(prior=lam, comparisons=comps, tf_weight=tf_weight)
