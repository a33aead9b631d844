"""The schema of each frame the rules read (their contract; documented in engine.rules.inputs).

Kept apart from :mod:`engine.rules.inputs` so that `markers`, which derives one frame from another,
and `inputs`, which calls it, depend on it and not on each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

PERSONS_SCHEMA = pl.Schema({"person_id": pl.String, "dob": pl.Date})
_EVENTS_COLUMNS: dict[str, PolarsDataType] = {
    "event_id": pl.String,
    "person_id": pl.String,
    "agency": pl.String,
    "event_type": pl.String,
    "role": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "outcome": pl.String,
    "markers": pl.List(pl.String),
    "offence_category": pl.String,
    "address_id": pl.String,
    "bail_address_id": pl.String,
    "source_file": pl.String,
    "source_row": pl.Int64,
    "link_mention_id": pl.Int64,
}
EVENTS_SCHEMA = pl.Schema(_EVENTS_COLUMNS)
OBSERVATIONS_SCHEMA = pl.Schema(
    {
        "person_id": pl.String,
        "address_id": pl.String,
        "date": pl.Date,
        "source_file": pl.String,
        "source_row": pl.Int64,
        "field": pl.String,
    }
)
RELATIONSHIPS_SCHEMA = pl.Schema(
    {
        "child_person_id": pl.String,
        "related_person_id": pl.String,
        "source_file": pl.String,
        "source_row": pl.Int64,
    }
)
MARKERS_SCHEMA = pl.Schema(
    {
        "person_id": pl.String,
        "marker": pl.String,
        "first_date": pl.Date,
        "source_file": pl.String,
        "source_row": pl.Int64,
    }
)
SCHEMAS: dict[str, pl.Schema] = {
    "persons": PERSONS_SCHEMA,
    "events": EVENTS_SCHEMA,
    "observations": OBSERVATIONS_SCHEMA,
    "relationships": RELATIONSHIPS_SCHEMA,
    "markers": MARKERS_SCHEMA,
}
