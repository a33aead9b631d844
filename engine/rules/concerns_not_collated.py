"""concerns_not_collated: three agencies worried about a child and nobody joined it up.

Take each concern about child C in turn as the first; walk forward through C's
later concerns while within 90 days of it; the concern that brings in the
third distinct agency is the trigger. Flag (C, trigger) when no CSC response
for C starts in [first - 90, trigger + 14]. A police concern counts whatever
the child's role; C must be a child on the concern's date.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chronolink.engine.rules import vocabulary as v
from chronolink.engine.rules.calendar import add_days
from chronolink.engine.rules.common import answered, assemble, events_of, evidence, is_child, with_dob
from chronolink.engine.rules.inputs import RuleInputs
from chronolink.engine.rules.settings import RuleSettings
from chronolink.engine.rules.undated import DatedNeeds

RULE = "concerns_not_collated"
# What it reads only with a date (undated records of these kinds are listed as not judged).
NEEDS_DATES = DatedNeeds(event_types=(*sorted(v.CONCERN_EVENT_TYPES), *v.CSC_RESPONSE_TYPES))
_KEYS = ["child_person_id", "trigger_date"]


def evaluate(inputs: RuleInputs, settings: RuleSettings, as_of: date) -> pl.DataFrame:
    cfg = settings.concerns_not_collated
    concerns = (
        with_dob(
            events_of(inputs.events, v.CONCERN_EVENT_TYPES)
            .filter(pl.col("agency").is_in(list(v.CONCERN_TYPES)))
            .select(
                child_person_id="person_id",
                concern_date="start_date",
                agency="agency",
                source_file="source_file",
                source_row="source_row",
                mention_id="link_mention_id",
            ),
            inputs.persons, "child_person_id", "dob",
        )
        .filter(is_child(pl.col("dob"), pl.col("concern_date"), settings.child_age_years))
        .drop("dob")
    )
    # every concern date of a child as a possible first; concerns on the same
    # day as the first are walked with it
    walks = (
        concerns.select("child_person_id", first_date="concern_date").unique()
        .join(concerns, on="child_person_id")
        .filter(
            pl.col("concern_date").is_between(
                pl.col("first_date"), add_days("first_date", cfg.window_days)
            )
        )
    )
    # the trigger: the n-th smallest of the agencies' first dates in the walk
    triggers = (
        walks.group_by("child_person_id", "first_date", "agency")
        .agg(pl.col("concern_date").min())
        .group_by("child_person_id", "first_date")
        .agg(agency_dates=pl.col("concern_date").sort())
        .filter(pl.col("agency_dates").list.len() >= cfg.min_agencies)
        .select(
            "child_person_id",
            "first_date",
            trigger_date=pl.col("agency_dates").list.get(cfg.min_agencies - 1),
        )
    )
    responded = answered(triggers, inputs.events, v.CSC_RESPONSE_TYPES,
                         add_days("first_date", -cfg.response_days_before),
                         add_days("trigger_date", cfg.response_days_after), ["child_person_id", "first_date"])
    # one flag per (child, trigger): the earliest unanswered first that reaches it
    flags = (
        triggers.join(responded, on=["child_person_id", "first_date"], how="anti")
        .sort("child_person_id", "trigger_date", "first_date")
        .unique(_KEYS, keep="first", maintain_order=True)
    )
    rows = (
        walks.join(flags, on=["child_person_id", "first_date"])
        .filter(pl.col("concern_date") <= pl.col("trigger_date"))
        .sort("concern_date", "source_file", "source_row")
    )
    return assemble(RULE, flags, [evidence(rows, _KEYS, "concern", mention_col="mention_id")],
                    _KEYS)
