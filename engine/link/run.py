"""`link` over a store: the declared pipeline (pipeline.STEPS) on the store's DuckDB connection."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from chronolink.engine.link.engine import DuckDBEngine
from chronolink.engine.link.pipeline import STEPS, LinkContext, run_steps
from chronolink.engine.link.placeholders import write_placeholders
from chronolink.engine.link.review import decisions
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.link.stable_ids import IdChanges
from chronolink.engine.link.tables import ensure_link_tables


@dataclass
class LinkReport:
    """What a link run did (printed by the CLI, stored in link_runs)."""

    run_id: int
    n_person_mentions: int
    n_persons: int
    n_address_mentions: int
    n_places: int
    n_candidates: int
    n_review_pending: int
    person_changes: IdChanges | None = None
    place_changes: IdChanges | None = None
    timings: dict[str, float] = field(default_factory=dict)


def run_link(con: duckdb.DuckDBPyConnection, settings: LinkSettings | None = None) -> LinkReport:
    """Link places and persons in the store; every mention gets a person_id / address_id.

    The work happens in temp tables; the store changes only in one transaction at the end, so a
    failed run leaves it as it was. (Inside a transaction DuckDB keeps every replaced temp table
    until commit, which doubled the time and memory of a large run.)"""
    settings = settings or LinkSettings()
    if settings.threads:
        con.execute(f"SET threads = {int(settings.threads)}")
    con.execute("SET enable_progress_bar = false")
    # Leave room for the Python side (clustering, ids) inside the 4 GB budget.
    con.execute(f"SET memory_limit = '{settings.duckdb_memory}'")
    ensure_link_tables(con)
    eng = DuckDBEngine(con)
    ctx = LinkContext(eng=eng, store=con, settings=settings, decisions=decisions(con),
                      extra={"started": datetime.now(), "t0": time.perf_counter()})
    try:
        run_steps(ctx, STEPS)
        # The placeholders this run found (UPRNs from the places step, person ids from pre-clusters).
        write_placeholders(con, pl.concat([ctx.extra["uprn_placeholders"], eng.frame("SELECT * FROM _lk_idph")]))
    finally:
        eng.drop_all()
    c = ctx.counts
    return LinkReport(c["run_id"], c["mentions"], c["persons"], c["address_mentions"], c["places"], c["candidates"],
                      c["review_pending"], ctx.extra["person_plan"].changes, ctx.extra["place_plan"].changes,
                      ctx.timings)


__all__ = ["LinkReport", "run_link"]
