"""The link stage as a declared pipeline: named steps, each reading and writing named tables.

    places -> pre_clusters -> signatures -> blocking -> comparison_levels -> training
           -> scoring -> clustering -> evidence -> ids            (then `run` persists)

Every work table a step hands on is declared in TABLES with the columns later steps read; the
runner checks each step wrote what it declares, and drops a table as soon as the last step that
reads it has run (a county's work tables do not fit in memory all at once). Steps run through the
small engine interface of `engine.py`, so the same steps run on DuckDB or Spark.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from chronolink.engine.errors import ContractError
from chronolink.engine.link import incremental, incremental_places
from chronolink.engine.link.blocking import block
from chronolink.engine.link.comparisons import COMPARISONS
from chronolink.engine.link.default_model import DEFAULT_MODEL
from chronolink.engine.link.em import prior_over_all_pairs, train
from chronolink.engine.link.engine import LinkEngine
from chronolink.engine.link.evidence import link_evidence
from chronolink.engine.link.features import build_mentions, build_signatures, nickname_tables
from chronolink.engine.link.gammas import gamma_table
from chronolink.engine.link.model import LinkModel
from chronolink.engine.link.persist import persist, person_ids
from chronolink.engine.link.persons import cluster_persons
from chronolink.engine.link.placing import link_places
from chronolink.engine.link.scoring import TF_COLUMNS, build_tf_tables, score
from chronolink.engine.link.settings import LinkSettings


@dataclass(frozen=True)
class Table:
    """A work table handed between steps: its name (physical `_lk_<name>`) and the columns read downstream."""

    name: str
    columns: tuple[str, ...]
    doc: str


_G = tuple(f"g_{c.name}" for c in COMPARISONS)
_W = tuple(f"w_{c.name}" for c in COMPARISONS)
_SETS = ("nhs_set", "upn_set", "pnc_set", "police_set", "probation_set", "csc_set")

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("addr", ("address_mention_id", "place_id", "postcode", "street_key"),
          "per address mention: its place and what person linkage compares of it"),
    Table("keyed", ("address_mention_id", "id", "flat", "number", "street", "town", "postcode", "uprn"),
          "per address mention: its place id and matching parts (the places table is built from it)"),
    Table("m", ("mention_id", "record_id", "source_file", "source_row", "slot", "agency", "role", "fn", "sn", "pref",
                "mid", "sfx", "dob", "sex", "nhs", "upn", "pnc", "local_id", "has_id", "max_birth_year", "min_birth_year", "place_id",
                "postcode", "street_key", "pc"),
          "per person mention: cleaned comparison fields and its deterministic pre-cluster `pc`"),
    Table("pc", ("pc", *_SETS, "n_mentions", "n_dob", "n_fn", "n_pref", "n_mid", "n_sn"),
          "per pre-cluster: its identifier sets and how many ways it writes a dob and names"),
    Table("nickl", ("name", "canon", "grps"), "per name: its canonical forms (nicknames) and curated variant groups"),
    Table("sig", ("sid", "h", "pc", "fn", "mid", "sn", "pref", "sfx", "dob", "sex", "rep_mention", "n", "from_ids",
                  "max_birth_year", "min_birth_year", "places", "pcs", "streets", "sectors", "districts", "sn_parts", "mids", "fi",
                  "dob_y", "dob_m", "dob_d", "dob_s", "fcanon", "pcanon", "fgrp", "pgrp", *_SETS, "comps", "ckeys",
                  *(f"k_{c.name}" for c in COMPARISONS if c.lookup_from is not None)),
          "per signature (one way a pre-cluster writes a person): every field a comparison or blocking rule reads"),
    Table("msig", ("mention_id", "sid"), "each mention's signature"),
    Table("cand", ("sid_l", "sid_r", "rule"), "candidate signature pairs (sid_l < sid_r) and the first rule that found each"),
    Table("gam", ("sid_l", "sid_r", "rule", *_G), "candidate pairs with every comparison's level"),
    *(Table(f"tf_{c}", ("value", "tf"), f"term frequency of each {c} value (share of pre-clusters)") for c in TF_COLUMNS),
    Table("scored", ("sid_l", "sid_r", "rule", *_G, *_W, "match_weight", "match_probability"),
          "pairs weighing at least the review weight, with each comparison's weight"),
    Table("pcedge", ("pc_a", "pc_b", "w", "best"), "pre-cluster pairs: best weight and best signature pair"),
    Table("cluster", ("mention_id", "cluster"), "each mention's person cluster"),
    Table("band", ("pc_a", "pc_b"), "borderline edges between two persons that may be one (review candidates)"),
    Table("pairs_out", ("mention_id_l", "mention_id_r", "match_weight", "match_probability", "comparisons",
                        "blocking_rule", "band"), "the scored pairs kept as evidence (and, with band, for review)"),
    Table("pid", ("mention_id", "id"), "each mention's stable person id"),
    Table("newkeyed", ("address_mention_id", "id", "new", "was", "mention_key", "flat", "number", "street", "town",
                       "postcode", "uprn"),
          "per address mention placed: its place id (`new`: a place not seen before; `was`: a decided row's place before) and parts"),
    Table("newsig", ("sid", "h", "pc"), "the new signatures (as `sig`; stored ones are not repeated)"),
    Table("newmsig", ("mention_id", "sid"), "each new mention's signature (new or stored)"),
)}


@dataclass
class LinkContext:
    """What the steps share beyond tables: the store, settings, analysts' decisions, the model and counts."""

    eng: LinkEngine
    store: duckdb.DuckDBPyConnection | None
    settings: LinkSettings
    decisions: pl.DataFrame | None = None
    model: LinkModel | None = None  # given: used as is; None: trained
    counts: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # Results steps hand to `run` (id plans, placeholders, timestamps): a bag of several types.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def keep_apart(self) -> list[int]:
        """Mentions an analyst decided on: never folded into another's pre-cluster."""
        if self.decisions is None:
            return []
        return [int(x) for x in self.decisions["mention_id_l"].to_list() + self.decisions["mention_id_r"].to_list()]


@dataclass(frozen=True)
class Step:
    """A named step: the tables it reads and writes, and the function that does it."""

    name: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    run: Callable[[LinkContext], None]


def _pre_clusters(ctx: LinkContext) -> None:
    nickname_tables(ctx.eng)
    build_mentions(ctx.eng, "person_mentions", "_lk_addr", keep_apart=ctx.keep_apart, settings=ctx.settings)


def _signatures(ctx: LinkContext) -> None:
    build_signatures(ctx.eng)


def _blocking(ctx: LinkContext) -> None:
    n_cand, n_impossible = block(ctx.eng, ctx.settings.blocking, drop_impossible=ctx.settings.cluster.enforce_dob)
    ctx.counts.update(candidates=n_cand, impossible=n_impossible)


def _comparison_levels(ctx: LinkContext) -> None:
    gamma_table(ctx.eng, "_lk_cand", "gam")


def _training(ctx: LinkContext) -> None:
    """Train unless a model was given; the prior is then placed among all pairs of pre-clusters."""
    if ctx.model is not None:
        return
    s = ctx.settings
    n_pc = ctx.eng.rows("SELECT count(DISTINCT pc) FROM _lk_sig")[0][0]
    if n_pc < s.em.min_preclusters:  # too few people to estimate from: bundled parameters
        blocked = DEFAULT_MODEL.model_copy(update={"tf_weight": s.tf_weight})
    else:
        blocked = train(ctx.eng, "_lk_gam", s.em, s.tf_weight, ctx.counts["impossible"])
    n_blocked = ctx.counts["candidates"] + ctx.counts["impossible"]
    ctx.model = blocked.model_copy(update={"prior": prior_over_all_pairs(blocked.prior, n_blocked, n_pc)})


def _scoring(ctx: LinkContext) -> None:
    assert ctx.model is not None
    build_tf_tables(ctx.eng)
    cs = ctx.settings.cluster
    score(ctx.eng, ctx.model, "_lk_gam", "scored", min_weight=min(cs.review_weight, cs.link_weight))


def _clustering(ctx: LinkContext) -> None:
    ctx.refused = cluster_persons(ctx.eng, ctx.settings.cluster, ctx.decisions)


def _evidence(ctx: LinkContext) -> None:
    link_evidence(ctx.eng)
    ctx.counts["mentions"] = ctx.eng.rows("SELECT count(*) FROM _lk_cluster")[0][0]


def _ids(ctx: LinkContext) -> None:
    person_ids(ctx)


def _persist(ctx: LinkContext) -> None:
    persist(ctx, ctx.extra["started"], time.perf_counter() - ctx.extra["t0"])


_TF = tuple(f"tf_{c}" for c in TF_COLUMNS)

# Places first; the person steps; then evidence, ids and one transaction writing the store.
PLACES = Step("places", ("address_mentions",), ("keyed", "addr"), link_places)
PERSON_STEPS: tuple[Step, ...] = (
    Step("pre_clusters", ("person_mentions", "addr"), ("nickl", "m", "pc"), _pre_clusters),
    Step("signatures", ("m", "pc", "nickl"), ("sig", "msig"), _signatures),
    Step("blocking", ("sig",), ("cand",), _blocking),
    Step("comparison_levels", ("cand", "sig"), ("gam",), _comparison_levels),
    Step("training", ("gam", "sig"), (), _training),
    Step("scoring", ("gam", "sig"), ("scored", *_TF), _scoring),
    Step("clustering", ("scored", "sig", "m", "pc", "nickl"), ("pcedge", "cluster", "band"), _clustering),
)
STEPS: tuple[Step, ...] = (
    PLACES,
    *PERSON_STEPS,
    Step("evidence", ("scored", "pcedge", "cluster", "band", "m", "sig"), ("pairs_out",), _evidence),
    Step("ids", ("cluster", "m"), ("pid",), _ids),
    Step("persist", ("keyed", "pid", "m", "pairs_out", "sig", "msig", *_TF), (), _persist),
)


# A linked store takes new mentions with its stored model (see incremental.py).
INCREMENTAL_STEPS: tuple[Step, ...] = (
    Step("new_places", ("address_mentions",), ("newkeyed", "addr"), incremental_places.new_places),
    Step("new_pre_clusters", ("person_mentions", "addr"), ("nickl", "m", "pc"), incremental.new_pre_clusters),
    Step("new_signatures", ("m", "pc", "nickl"), ("newsig", "newmsig"), incremental.new_signatures),
    Step("new_pairs", ("newsig",), ("scored",), incremental.new_pairs),
    # `m`, `sig` and `pc` again, over clustering units: each person the new mentions touch is one unit
    Step("new_clusters", ("scored", "m", "newsig"), ("m", "sig", "pc", "pcedge", "cluster", "band"),
         incremental.new_clusters),
    Step("evidence", ("scored", "pcedge", "cluster", "band", "m", "sig"), ("pairs_out",), _evidence),
    Step("new_ids", ("cluster", "m", "newkeyed"), ("pid",), incremental.new_ids),
    Step("persist", ("newkeyed", "pid", "pairs_out", "newsig", "newmsig"), (),
         lambda ctx: incremental.persist_new(ctx, ctx.extra["started"], time.perf_counter() - ctx.extra["t0"])),
)


def run_steps(ctx: LinkContext, steps: tuple[Step, ...], keep: tuple[str, ...] = ()) -> None:
    """Run `steps` in order, checking each wrote the tables it declares, and dropping a work table
    once no later step reads it (unless in `keep`: what the caller reads afterwards)."""
    last_reader = {t: i for i, s in enumerate(steps) for t in s.reads}
    for i, step in enumerate(steps):
        t0 = time.perf_counter()
        step.run(ctx)
        for name in step.writes:
            check_table(ctx.eng, name)
        spent = [t for t, last in last_reader.items() if last == i and t in TABLES and t not in keep]
        ctx.eng.drop(*spent)
        ctx.timings[step.name] = time.perf_counter() - t0


def check_table(eng: LinkEngine, name: str) -> None:
    """Raise ContractError unless work table `name` exists with its declared columns (a step that
    breaks its declaration is a defect in the step, never the data's fault)."""
    table = TABLES[name]
    if not eng.exists(name):
        raise ContractError(f"step output `{name}` was not written")
    missing = set(table.columns) - set(eng.columns(name))
    if missing:
        raise ContractError(f"step output `{name}` lacks columns {sorted(missing)}")


def link_persons(eng: LinkEngine, settings: LinkSettings, decisions: pl.DataFrame | None = None,
                 model: LinkModel | None = None, keep: tuple[str, ...] = ()) -> LinkContext:
    """Run the person steps over `person_mentions` (places already in `addr`); returns the context
    (model, counts, timings). A given `model` is used as is instead of training."""
    ctx = LinkContext(eng=eng, store=None, settings=settings, decisions=decisions, model=model)
    run_steps(ctx, PERSON_STEPS, keep=keep)
    return ctx
