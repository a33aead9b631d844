"""Derive the ``markers`` frame: who holds a risk marker, and from when.

risk-rules.md, "risk marker", held by a person from the first date it is
recorded:

* police ``Markers`` containing ``RSO``, ``SCHED1`` or ``DVPERP``
  (marker = that code);
* a police ``CONVICTION`` row naming them ``OFFENDER`` (marker ``CONVICTION``);
* a probation row with ``offence_category`` ``sexual``, ``violence`` or ``dv``
  (marker ``OFFENCE_SEXUAL``, ``OFFENCE_VIOLENCE``, ``OFFENCE_DV``).

One row per (person, marker): the earliest dated record of it (ties broken by
source file and row). Undated rows record nothing.
"""

from __future__ import annotations

import polars as pl

from chronolink.engine.rules import vocabulary as v
from chronolink.engine.rules.frames import MARKERS_SCHEMA

_SOURCE = ["person_id", "start_date", "source_file", "source_row"]


def derive_markers(events: pl.DataFrame) -> pl.DataFrame:
    dated = events.filter(pl.col("start_date").is_not_null() & pl.col("person_id").is_not_null())

    police_markers = (
        dated.filter(pl.col("agency") == v.POLICE)
        .select(*_SOURCE, marker=pl.col("markers"))
        .explode("marker")
        .with_columns(pl.col("marker").str.strip_chars().str.to_uppercase())
        .filter(pl.col("marker").is_in(v.RISK_POLICE_MARKERS))
    )
    convictions = dated.filter(
        (pl.col("event_type") == v.POLICE_CONVICTION)
        & (pl.col("role").str.strip_chars().str.to_uppercase() == v.ROLE_OFFENDER)
    ).select(*_SOURCE, marker=pl.lit(v.MARKER_CONVICTION))
    category = pl.col("offence_category").str.strip_chars().str.to_lowercase()
    offences = dated.filter(
        (pl.col("agency") == v.PROBATION) & category.is_in(v.RISK_OFFENCE_CATEGORIES)
    ).select(*_SOURCE, marker=pl.lit(v.MARKER_OFFENCE_PREFIX) + category.str.to_uppercase())

    return (
        pl.concat([police_markers, convictions, offences], how="vertical_relaxed")
        .sort("person_id", "marker", "start_date", "source_file", "source_row")
        .unique(["person_id", "marker"], keep="first", maintain_order=True)
        .select(
            "person_id",
            "marker",
            first_date="start_date",
            source_file="source_file",
            source_row="source_row",
        )
        .cast(MARKERS_SCHEMA)
    )
