"""`link` over a store: the declared pipeline (pipeline.STEPS) on the store's DuckDB connection."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from chronolink.engine.link.engine import DuckDBEngine
from chronolink.engine.link.incremental import new_mentions as nothing_new_count
from chronolink.engine.link.incremental import why_not_incremental
from chronolink.engine.link.pipeline import INCREMENTAL_STEPS, STEPS, LinkContext, run_steps
from chronolink.engine.link.place_review import queue_places
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
    mode: str = "full"  # or 'incremental': only the new mentions were linked
    why_full: str | None = None  # why a full link ran
    # After an incremental run, every person whose mentions it changed (new, joined by a new mention,
    # merged, retired): what flags and reports need recomputing. None after a full run (any may have).
    changed_persons: list[str] | None = None
    # Figures an engine reports about its work (Spark: the clustering's connected components).
    notes: dict[str, int] = field(default_factory=dict)


def run_link(con: duckdb.DuckDBPyConnection, settings: LinkSettings | None = None, full: bool = False) -> LinkReport:
    """Link places and persons in the store; every mention gets a person_id / address_id.

    A store linked before takes only its new mentions, with the stored model (incremental.py),
    unless `full` or the new mentions would change the model materially (more than
    `settings.incremental_max_share` of the store, removed mentions, a changed declaration).

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
    why_full = "asked for" if full else why_not_incremental(con, settings.incremental_max_share)
    if not why_full and not nothing_new_count(con):
        # Nothing new since the last run: nothing to link, and no run is recorded (a restarted batch
        # leaves the store as an uninterrupted one).
        row = con.execute("""SELECT run_id, n_person_mentions, n_persons, n_address_mentions, n_places,
                                    n_candidate_pairs, n_review_pending FROM link_runs ORDER BY run_id DESC LIMIT 1""").fetchall()[0]
        run_id, n_pm, n_persons, n_am, n_places, n_cand, n_review = row
        return LinkReport(run_id, n_pm, n_persons, n_am, n_places, n_cand, n_review, mode="incremental",
                          changed_persons=[])
    try:
        run_steps(ctx, STEPS if why_full else INCREMENTAL_STEPS)
        if why_full:
            # The placeholders this run found (UPRNs from the places step, person ids from pre-clusters);
            # an incremental run keeps the list the last full run found.
            write_placeholders(con, pl.concat([ctx.extra["uprn_placeholders"], eng.frame("SELECT * FROM _lk_idph")]))
            queue_places(con, ctx.extra["place_review"], ctx.counts["run_id"])
        else:  # the new rows' (the stored rows' queue stands)
            queue_places(con, ctx.extra["place_review"], ctx.counts["run_id"], replace=False)
    finally:
        eng.drop_all()
    c = ctx.counts
    if why_full:
        person_changes, place_changes = ctx.extra["person_plan"].changes, ctx.extra["place_plan"].changes
    else:
        merges = ctx.extra["merges"]
        if "n_mentions" not in merges.columns:  # no merge: the empty frame as a full run's
            merges = merges.with_columns(pl.lit(0, dtype=pl.UInt32).alias("n_mentions"))
        person_changes = IdChanges(merges=merges, splits=merges.clear(), new_ids=c["new_persons"])
        place_changes = None
    return LinkReport(c["run_id"], c["mentions"], c["persons"], c["address_mentions"], c["places"], c["candidates"],
                      c["review_pending"], person_changes, place_changes, ctx.timings,
                      mode="full" if why_full else "incremental", why_full=why_full,
                      changed_persons=None if why_full else ctx.extra["changed_persons"])


__all__ = ["LinkReport", "run_link"]
