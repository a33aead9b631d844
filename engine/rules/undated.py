"""Records a rule could not judge: rows it would read whose date is missing or unreadable.

A rule works on dates (windows, deadlines, "within 12 months"), so a record without a usable date
is left out of it, and a reader must be told. Each rule module declares what it reads
(``NEEDS_DATES``): event types (what triggers it and what clears it), whether it places people at
addresses (an undated row cannot say when someone was there) and whether it needs risk markers
(an undated marker row cannot say since when). :func:`unjudged` lists, per rule, every undated
record of those kinds with each linked person it names.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from chronolink.engine.rules import vocabulary as v


@dataclass(frozen=True)
class DatedNeeds:
    """What of the records a rule reads only with a date."""

    event_types: tuple[str, ...] = ()
    observations: bool = False  # places people at addresses on dates
    markers: bool = False  # reads risk markers, held from the date first recorded


#: The undated records, one row per (record, linked person named in it): what :func:`unjudged` reads.
UNDATED_SCHEMA = pl.Schema({
    "record_id": pl.Int64, "source_file": pl.String, "source_row": pl.Int64, "agency": pl.String,
    "event_type": pl.String, "date_status": pl.String, "person_id": pl.String, "role": pl.String,
    "observes": pl.Boolean, "markers": pl.String, "offence_category": pl.String,
})
UNJUDGED_SCHEMA = pl.Schema({
    "rule": pl.String, "person_id": pl.String, "record_id": pl.Int64, "source_file": pl.String,
    "source_row": pl.Int64, "event_type": pl.String, "date_status": pl.String,
})


def _carries_marker(undated: pl.DataFrame) -> pl.Expr:
    """A row that would give its person a risk marker, had it a date (engine.rules.markers)."""
    codes = pl.col("markers").fill_null("").str.to_uppercase().str.split(";").list.eval(pl.element().str.strip_chars())
    return (((pl.col("agency") == v.POLICE) & codes.list.eval(pl.element().is_in(v.RISK_POLICE_MARKERS)).list.any())
            | ((pl.col("event_type") == v.POLICE_CONVICTION)
               & (pl.col("role").fill_null("").str.strip_chars().str.to_uppercase() == v.ROLE_OFFENDER))
            | ((pl.col("agency") == v.PROBATION)
               & pl.col("offence_category").fill_null("").str.strip_chars().str.to_lowercase()
               .is_in(v.RISK_OFFENCE_CATEGORIES)))


def unjudged(undated: pl.DataFrame, rules: tuple) -> pl.DataFrame:
    """Per rule module of `rules` (each with RULE and NEEDS_DATES), the undated records it could not
    judge, one row per linked person named (UNJUDGED_SCHEMA), in a fixed order."""
    if undated.is_empty():
        return pl.DataFrame(schema=UNJUDGED_SCHEMA)
    marked = undated.with_columns(_marker=_carries_marker(undated))
    parts = []
    for rule in rules:
        needs: DatedNeeds = rule.NEEDS_DATES
        hit = pl.col("event_type").is_in(list(needs.event_types))
        if needs.observations:
            hit = hit | pl.col("observes").fill_null(False)
        if needs.markers:
            hit = hit | pl.col("_marker")
        parts.append(marked.filter(hit).select(pl.lit(rule.RULE).alias("rule"), *[
            c for c in UNJUDGED_SCHEMA if c != "rule"]))
    return (pl.concat(parts, how="vertical").unique()
            .sort("rule", "person_id", "source_file", "source_row").cast(UNJUDGED_SCHEMA))
