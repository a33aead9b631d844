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
from pydantic.dataclasses import dataclass

from chronolink.engine.link.blocking import rule_names
from chronolink.engine.link.comparisons import COMPARISONS, Comparison
from chronolink.engine.link.engine import LinkEngine, as_engine
from chronolink.engine.link.gammas import gamma_table
from chronolink.engine.link.model import LevelParams, LinkModel
from chronolink.engine.link.settings import EmSettings


def _level_counts(eng: LinkEngine, table: str) -> dict[str, list[float]]:
    """Pairs of `table` at each level of every comparison, from one count per agreement pattern (one
    query, not one per comparison: each is a job on Spark); integer sums, so exact."""
    cols = [f"g_{c.name}" for c in COMPARISONS]
    patterns = eng.frame(f"SELECT {', '.join(cols)}, count(*) AS n FROM {table} GROUP BY ALL")
    out: dict[str, list[float]] = {}
    for c in COMPARISONS:
        counts = [0.0] * len(c.levels)
        for lvl, n in patterns.group_by(f"g_{c.name}").agg(pl.col("n").sum()).iter_rows():
            counts[int(lvl)] = float(n)
        out[c.name] = counts
    return out


def _normalise(counts: list[float], nulls: list[int], floor: float, smooth: float = 0.5) -> list[float]:
    # Additive smoothing keeps unseen levels possible; null levels carry no probability.
    vals = [0.0 if i in nulls else c + smooth for i, c in enumerate(counts)]
    tot = sum(vals) or 1.0
    return [1.0 if i in nulls else max(v / tot, floor) for i, v in enumerate(vals)]


def estimate_u(eng: LinkEngine, settings: EmSettings) -> dict[str, list[float]]:
    """u per level from random pairs of different pre-clusters (one random signature each)."""
    n = eng.rows("SELECT count(DISTINCT pc) FROM _lk_sig")[0][0]
    if n < 2:
        return {c.name: _normalise([0.0] * len(c.levels), c.null_levels(), settings.u_floor) for c in COMPARISONS}
    offsets = max(1, min(n - 1, math.ceil(settings.u_sample_pairs / n)))
    seed = int(settings.seed * 1e6)
    # One signature per pre-cluster, in an order fixed by hashes of ids (the same sample every run).
    eng.materialise("ureps", f"""
        SELECT row_number() OVER (ORDER BY hash(pc + {seed}), pc) - 1 AS rn, sid FROM (
            SELECT pc, arg_min(sid, hash(sid * 7919 + {seed})) AS sid FROM _lk_sig GROUP BY pc
        )""")
    eng.materialise("upairs", f"""
        WITH t AS (
            SELECT a.sid AS sid_l, (a.rn + o.k) % {n} AS trn FROM _lk_ureps a CROSS JOIN range(1, {offsets + 1}) o(k)
        )
        SELECT t.sid_l, b.sid AS sid_r FROM t JOIN _lk_ureps b ON b.rn = t.trn""")
    gamma_table(eng, "_lk_upairs", "ugam")
    counts = _level_counts(eng, "_lk_ugam")
    eng.drop("upairs", "ugam", "ureps")
    return {c.name: _normalise(counts[c.name], c.null_levels(), settings.u_floor) for c in COMPARISONS}


def initial_m(eng: LinkEngine, settings: EmSettings) -> dict[str, list[float]]:
    """m per level from signature pairs inside the same pre-cluster (matches known through ids).

    Only signatures written on rows that carried the id count: mentions folded in by identical
    names and date of birth would teach the model that true matches always agree exactly."""
    eng.materialise("mpairs", """
        WITH s AS (SELECT sid, pc, row_number() OVER (PARTITION BY pc ORDER BY sid) AS k FROM _lk_sig WHERE from_ids)
        SELECT a.sid AS sid_l, b.sid AS sid_r FROM s a JOIN s b ON a.pc = b.pc AND b.k = a.k + 1""")
    gamma_table(eng, "_lk_mpairs", "mgam")
    counts = _level_counts(eng, "_lk_mgam")
    eng.drop("mpairs", "mgam")
    return {c.name: _normalise(counts[c.name], c.null_levels(), settings.m_floor, smooth=1.0) for c in COMPARISONS}


def agreement_patterns(eng: LinkEngine, gammas: str) -> pl.DataFrame:
    """Integer counts of candidate pairs per (blocking rule, level of every comparison): all that
    training reads of the pairs, small enough for any driver, and summed in a fixed order."""
    cols = ", ".join(f"g_{c.name}" for c in COMPARISONS)
    return eng.frame(f"SELECT rule, {cols}, count(*) AS n FROM {gammas} GROUP BY ALL ORDER BY ALL")


def run_em(patterns: pl.DataFrame, m0: dict[str, list[float]], u: dict[str, list[float]], settings: EmSettings,
           learn: set[str], exclude: frozenset[str] = frozenset(), lam0: float = 0.5,
           known_nonmatches: float = 0.0,
           comparisons: tuple[Comparison, ...] = COMPARISONS) -> tuple[dict[str, list[float]], float]:
    """EM over comparison patterns (columns g_<name>, n); returns (m, prior). u stays fixed.

    Comparisons in `exclude` (the ones the session was blocked on, hence biased) are left out
    of the likelihood; only comparisons in `learn` have m updated. `known_nonmatches` pairs (left
    out of the patterns because they cannot match) count towards the prior's denominator.
    `comparisons`: the model's (link-files' list model declares its own).
    """
    m = {k: list(v) for k, v in m0.items()}
    if patterns.is_empty():
        return m, lam0
    lam = lam0
    used = [c for c in comparisons if c.name not in exclude]
    total = int(patterns["n"].sum()) + known_nonmatches
    for _ in range(settings.iterations):
        log_bf = pl.sum_horizontal(
            pl.col(f"g_{c.name}").replace_strict(
                {i: math.log(m[c.name][i] / u[c.name][i]) for i in range(len(c.levels))}, return_dtype=pl.Float64)
            for c in used
        )
        post = patterns.with_columns(
            (pl.lit(math.log(lam / (1 - lam))) + log_bf).clip(-700, 700).alias("lo")
        ).with_columns((pl.col("n") / (1 + (-pl.col("lo")).exp())).alias("pn"))
        # Exact sums (fsum): the same result whatever order the rows arrive in.
        pn = post["pn"].to_list()
        lam = min(max(math.fsum(pn) / total, 1e-6), 1 - 1e-6)
        for c in used:
            if c.name not in learn:
                continue
            acc = [math.fsum(v for g, v in zip(post[f"g_{c.name}"].to_list(), pn) if g == i) for i in range(len(c.levels))]
            m[c.name] = _normalise(acc, c.null_levels(), settings.m_floor, smooth=0.1)
    return m, lam


@dataclass(frozen=True)
class Session:
    """One EM session (Splink's approach): EM over the candidates of one blocking rule, learning only
    the comparisons that rule did not constrain (`fixed`), which the blocking would have biased."""

    blocking_rule: str
    fixed: tuple[str, ...]


@dataclass(frozen=True)
class MeasuredM:
    """A comparison whose m is measured on id-linked pairs, not learned by EM; its levels from
    `floor_from` on get at least `floor`."""

    comparison: str
    floor: float = 0.0
    floor_from: str | None = None


@dataclass(frozen=True)
class Training:
    """How the model is trained: EM sessions, then the comparisons measured on id-linked pairs."""

    sessions: tuple[Session, ...]
    measured: tuple[MeasuredM, ...]


TRAINING = Training(
    sessions=(Session("surname+dob", ("surname", "dob")),),  # learns location, sex, suffix
    # Surname and dob keep the m measured on id-linked pairs: every rule that leaves them free blocks
    # on place or names, where family members (same surname, same address) pose as matches. Dates of
    # birth: EM cannot tell how often a true match disagrees, because same-name different people
    # (father and son) then look like matches with a wrong dob; error levels get a floor for
    # cross-agency typos, which id-linked (mostly same-agency) pairs under-represent.
    measured=(MeasuredM("dob", 0.005, "day and month swapped"), MeasuredM("forename")),
)


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


def train(con: LinkEngine | duckdb.DuckDBPyConnection, gammas: str, settings: EmSettings, tf_weight: float = 1.0,
          n_impossible: int = 0, comparisons: tuple[Comparison, ...] = COMPARISONS,
          training: Training = TRAINING, rules: list[str] | None = None) -> LinkModel:
    """Estimate the full model: u from random pre-cluster pairs, m by EM sessions, then the prior.

    The prior returned is the share of matches among every blocked pair, the `n_impossible` ones
    that were not scored (see blocking.block) counted as non-matches, so it does not depend on that
    filter; scoring uses it spread over all pairs (see prior_over_all_pairs). `rules` names the
    blocking rules by their index in the `rule` column of `gammas`."""
    eng = as_engine(con)
    rules = rules or rule_names()
    u = estimate_u(eng, settings)
    m0 = initial_m(eng, settings)
    for c in comparisons:
        for i, lv in enumerate(c.levels):
            if lv.fixed_u is not None:
                u[c.name][i] = lv.fixed_u
    m = {k: list(v) for k, v in m0.items()}
    learned: set[str] = set()
    patterns = agreement_patterns(eng, gammas)
    for session in training.sessions:
        exclude = frozenset(session.fixed)
        pats = patterns.filter(pl.col("rule") == rules.index(session.blocking_rule)).drop("rule")
        learn = {c.name for c in comparisons if c.name not in exclude and c.learned}
        m_s, _ = run_em(pats, m, u, settings, learn - learned, exclude)
        for name in learn - learned:
            m[name] = m_s[name]
        learned |= learn
    for meas in training.measured:
        c = next(c for c in comparisons if c.name == meas.comparison)
        start = c.level_of(meas.floor_from) if meas.floor_from else len(c.levels)
        m[c.name] = [max(v, meas.floor) if i >= start else v for i, v in enumerate(m0[c.name])]
    for c in comparisons:
        for i, lv in enumerate(c.levels):
            if lv.fixed_m is not None:
                m[c.name][i] = lv.fixed_m
    # The prior: EM over every candidate with m and u fixed.
    g = [f"g_{c.name}" for c in comparisons]
    everything = patterns.group_by(g).agg(pl.col("n").sum()).sort(g)
    _, lam = run_em(everything, m, u, settings, learn=set(), lam0=0.1, known_nonmatches=n_impossible)
    comps: dict[str, list[LevelParams]] = {}
    for c in comparisons:
        comps[c.name] = [LevelParams(label=lv.label, m=m[c.name][i], u=u[c.name][i], null=lv.null)
                         for i, lv in enumerate(c.levels)]
    return LinkModel(prior=lam, comparisons=comps, tf_weight=tf_weight)
