"""Tiny builders for hand-made rule inputs."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import polars as pl

from chronolink.engine.rules.inputs import RuleInputs
from chronolink.engine.rules.settings import RuleSettings

SETTINGS = RuleSettings()
_rows = itertools.count(1)

CHILD_DOB = date(2015, 6, 1)
ADULT_DOB = date(1985, 6, 1)


def D(s: str) -> date:
    return date.fromisoformat(s)


def plus(d: date | str, days: int) -> date:
    return (D(d) if isinstance(d, str) else d) + timedelta(days=days)


def person(pid: str, dob: date | str | None) -> dict:
    return {"person_id": pid, "dob": D(dob) if isinstance(dob, str) else dob}


def event(
    pid: str,
    event_type: str,
    start: date | str,
    *,
    end: date | str | None = None,
    role: str | None = None,
    outcome: str | None = None,
    markers: list[str] | None = None,
    offence_category: str | None = None,
    address_id: str | None = None,
    bail_address_id: str | None = None,
    source_file: str | None = None,
) -> dict:
    row = next(_rows)
    agency = event_type.split(".")[0]
    return {
        "event_id": f"E{row}",
        "person_id": pid,
        "agency": agency,
        "event_type": event_type,
        "role": role,
        "start_date": D(start) if isinstance(start, str) else start,
        "end_date": D(end) if isinstance(end, str) else end,
        "outcome": outcome,
        "markers": markers or [],
        "offence_category": offence_category,
        "address_id": address_id,
        "bail_address_id": bail_address_id,
        "source_file": source_file or f"{agency}.csv",
        "source_row": row,
        "link_mention_id": row * 100,
    }


def obs(pid: str, address_id: str, day: date | str, field: str = "Address") -> dict:
    return {
        "person_id": pid,
        "address_id": address_id,
        "date": D(day) if isinstance(day, str) else day,
        "source_file": "obs.csv",
        "source_row": next(_rows),
        "field": field,
    }


def rel(child: str, related: str) -> dict:
    return {
        "child_person_id": child,
        "related_person_id": related,
        "source_file": "csc_relationships.csv",
        "source_row": next(_rows),
    }


def inputs(persons=(), events=(), observations=(), relationships=(), markers=None) -> RuleInputs:
    from chronolink.engine.rules.inputs import SCHEMAS

    def frame(name, rows):
        return pl.DataFrame(list(rows), schema=SCHEMAS[name]) if rows else None

    return RuleInputs.build(
        persons=frame("persons", persons),
        events=frame("events", events),
        observations=frame("observations", observations),
        relationships=frame("relationships", relationships),
        markers=frame("markers", markers) if markers is not None else None,
    )


def run(module, inp: RuleInputs, as_of: date | str, settings: RuleSettings = SETTINGS):
    out = module.evaluate(inp, settings, D(as_of) if isinstance(as_of, str) else as_of)
    return out


def keys(flags: pl.DataFrame) -> list[tuple]:
    return [
        (r["child_person_id"], r["other_person_id"], r["address_id"], r["trigger_date"])
        for r in flags.iter_rows(named=True)
    ]
