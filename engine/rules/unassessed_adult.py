"""unassessed_adult: an adult with a risk marker in the child's household, not on CSC's list.

A CSC C&F Assessment or CP Plan for child C starting on d; C observed at A in
[d - 180, d + 30]; an adult M != C (18 or over on d) holding a risk marker
first recorded on or before d, observed at A in the same window; no
csc_relationships row for C whose related person is M.
Flag (C, other M, A, trigger d).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chronolink.engine.rules import vocabulary as v
from chronolink.engine.rules.calendar import add_days
from chronolink.engine.rules.common import (
    FULL_FIELDS,
    assemble,
    events_of,
    evidence,
    is_adult,
    is_child,
    mention_lookup,
    observations_of,
    with_dob,
    with_mentions,
)
from chronolink.engine.rules.inputs import RuleInputs
from chronolink.engine.rules.settings import RuleSettings
from chronolink.engine.rules.undated import DatedNeeds

RULE = "unassessed_adult"
# What it reads only with a date (undated records of these kinds are listed as not judged).
NEEDS_DATES = DatedNeeds(event_types=v.UNASSESSED_TRIGGER_TYPES, observations=True, markers=True)
_PAIR = ["child_person_id", "address_id", "trigger_date"]
_KEYS = ["child_person_id", "other_person_id", "address_id", "trigger_date"]
_ROLE = {v.CSC_CF_ASSESSMENT: "assessment", v.CSC_CP_PLAN: "plan"}


def evaluate(inputs: RuleInputs, settings: RuleSettings, as_of: date) -> pl.DataFrame:
    cfg = settings.unassessed_adult
    triggers = with_dob(
        events_of(inputs.events, v.UNASSESSED_TRIGGER_TYPES).rename(
            {"person_id": "child_person_id", "start_date": "trigger_date"}
        ),
        inputs.persons, "child_person_id", "child_dob",
    ).filter(is_child(pl.col("child_dob"), pl.col("trigger_date"), settings.child_age_years))

    obs = observations_of(inputs.observations)
    lo = add_days("trigger_date", -cfg.observed_days_before)
    hi = add_days("trigger_date", cfg.observed_days_after)
    child_seen = (
        triggers.select("child_person_id", "trigger_date").unique()
        .join(obs.rename({"person_id": "child_person_id", "date": "obs_date"}),
              on="child_person_id")
        .filter(pl.col("obs_date").is_between(lo, hi))
    )
    households = child_seen.select(_PAIR).unique()

    marked = inputs.markers.filter(pl.col("first_date").is_not_null())
    adult_obs = obs.join(marked.select("person_id").unique(), on="person_id", how="semi").rename(
        {"person_id": "other_person_id", "date": "obs_date"}
    )
    adult_seen = (
        households.join(adult_obs, on="address_id")
        .filter(
            pl.col("obs_date").is_between(lo, hi)
            & (pl.col("other_person_id") != pl.col("child_person_id"))
        )
    )
    adult_seen = with_dob(adult_seen, inputs.persons, "other_person_id", "other_dob").filter(
        is_adult(pl.col("other_dob"), pl.col("trigger_date"), cfg.adult_age_years)
    )
    held = (
        adult_seen.select(_KEYS).unique()
        .join(marked.rename({"person_id": "other_person_id"}), on="other_person_id")
        .filter(pl.col("first_date") <= pl.col("trigger_date"))
    )
    named = inputs.relationships.select(
        child_person_id="child_person_id", other_person_id="related_person_id"
    ).unique()
    flags = held.select(_KEYS).unique().join(
        named, on=["child_person_id", "other_person_id"], how="anti"
    )
    if flags.is_empty():
        return assemble(RULE, flags, [], _KEYS, FULL_FIELDS)

    lookup = mention_lookup(inputs.events)
    trig_rows = triggers.select(
        "child_person_id", "trigger_date", "event_type", "source_file", "source_row",
        "link_mention_id",
    ).join(flags, on=["child_person_id", "trigger_date"])
    child_rows = with_mentions(
        child_seen.join(flags, on=_PAIR), lookup, "child_person_id", "source_file", "source_row"
    ).sort("obs_date", "source_file", "source_row")
    adult_rows = with_mentions(
        adult_seen.join(flags, on=_KEYS, how="semi"),
        lookup, "other_person_id", "source_file", "source_row",
    ).sort("obs_date", "source_file", "source_row")
    marker_rows = with_mentions(
        held.join(flags, on=_KEYS, how="semi"),
        lookup, "other_person_id", "source_file", "source_row",
    ).sort("first_date", "source_file", "source_row")
    parts = [
        evidence(trig_rows.filter(pl.col("event_type") == t), _KEYS, role,
                 mention_col="link_mention_id")
        for t, role in _ROLE.items()
    ]
    parts += [
        evidence(child_rows, _KEYS, "child_observed", mention_col="mention_id"),
        evidence(adult_rows, _KEYS, "adult_observed", mention_col="mention_id"),
        evidence(marker_rows, _KEYS, "marker", mention_col="mention_id"),
    ]
    return assemble(RULE, flags, parts, _KEYS, FULL_FIELDS)
