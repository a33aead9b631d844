"""The frames every rule reads (docs/architecture.md, "Chronology inputs to rules").

All person and place references are already resolved by linkage: ``person_id``
is a linked person (``P`` + 8 digits), ``address_id`` a linked place.

persons        person_id str, dob Date (null when unknown)
events         one row per (source row, person the row names)
               event_id str, person_id str,
               agency str ('police','csc','health','education','probation','housing','mash'),
               event_type str (canonical, engine.rules.vocabulary),
               role str (upper case: 'SUSPECT', 'OFFENDER', 'VICTIM', ...; null when n/a),
               start_date Date, end_date Date (null: open / not applicable),
               outcome str, markers list[str] (police Markers, split; may be empty),
               offence_category str (probation), address_id str (where this row observes
               the person), bail_address_id str (police BAIL rows only),
               source_file str, source_row i64,
               link_mention_id i64 (the mention that tied this person to this row)
observations   person_id str, address_id str, date Date, source_file str, source_row i64,
               field str (the address column: HomeAddress, BailAddress, Address, address)
relationships  child_person_id str, related_person_id str, source_file str, source_row i64
markers        person_id str, marker str, first_date Date, source_file str, source_row i64
               (see engine.rules.markers.derive_markers)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import polars as pl

from chronolink.engine.errors import InputSchemaError  # noqa: F401 (re-exported: its home is engine.errors)
from chronolink.engine.rules.frames import (  # noqa: F401 (re-exported: the frames' schemas)
    EVENTS_SCHEMA,
    MARKERS_SCHEMA,
    OBSERVATIONS_SCHEMA,
    PERSONS_SCHEMA,
    RELATIONSHIPS_SCHEMA,
    SCHEMAS,
)
from chronolink.engine.rules.markers import derive_markers


def conform(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Select and cast ``df`` to the schema of frame ``name``; missing columns are an error."""
    schema = SCHEMAS[name]
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise InputSchemaError(f"{name}: missing columns {missing}")
    return df.select(pl.col(c).cast(t) for c, t in schema.items())


@dataclass(frozen=True)
class RuleInputs:
    persons: pl.DataFrame
    events: pl.DataFrame
    observations: pl.DataFrame
    relationships: pl.DataFrame
    markers: pl.DataFrame

    def __post_init__(self) -> None:
        for f in fields(self):
            df = getattr(self, f.name)
            want = SCHEMAS[f.name]
            if not isinstance(df, pl.DataFrame):
                raise InputSchemaError(f"{f.name}: expected a polars DataFrame")
            if df.schema != want:
                got = dict(df.schema)
                diff = {
                    c: (str(got.get(c, "missing")), str(t))
                    for c, t in want.items()
                    if got.get(c) != t
                }
                extra = [c for c in got if c not in want]
                raise InputSchemaError(
                    f"{f.name}: schema mismatch (column: (got, expected)) {diff}"
                    + (f"; unexpected columns {extra}" if extra else "")
                )

    @classmethod
    def build(
        cls,
        *,
        persons: pl.DataFrame | None = None,
        events: pl.DataFrame | None = None,
        observations: pl.DataFrame | None = None,
        relationships: pl.DataFrame | None = None,
        markers: pl.DataFrame | None = None,
    ) -> RuleInputs:
        """Conform the given frames (extra columns dropped, dtypes cast), fill the
        missing ones with empty frames, and derive ``markers`` from ``events``
        when not given."""
        given = {
            "persons": persons,
            "events": events,
            "observations": observations,
            "relationships": relationships,
        }
        frames = {
            name: conform(name, df) if df is not None else pl.DataFrame(schema=SCHEMAS[name])
            for name, df in given.items()
        }
        frames["markers"] = (
            conform("markers", markers) if markers is not None else derive_markers(frames["events"])
        )
        return cls(**frames)
