"""repeat_cp_plan: a child back on a child protection plan within two years.

A CP Plan for child C starting in [e, e + 24 calendar months], where e is
the end (on or before E) of an earlier CP Plan for C. Flag (C, trigger =
start of the later plan); C must be a child on that date.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chronolink.engine.rules import vocabulary as v
from chronolink.engine.rules.calendar import add_months
from chronolink.engine.rules.common import assemble, events_of, evidence, is_csc_child, with_dob
from chronolink.engine.rules.inputs import RuleInputs
from chronolink.engine.rules.settings import RuleSettings
from chronolink.engine.rules.undated import DatedNeeds

RULE = "repeat_cp_plan"
# What it reads only with a date (undated records of these kinds are listed as not judged).
NEEDS_DATES = DatedNeeds(event_types=(v.CSC_CP_PLAN,))
_KEYS = ["child_person_id", "trigger_date"]


def evaluate(inputs: RuleInputs, settings: RuleSettings, as_of: date) -> pl.DataFrame:
    months = settings.repeat_cp_plan.months
    plans = (
        events_of(inputs.events, [v.CSC_CP_PLAN])
        .with_row_index("plan_key")
        .select(
            "plan_key",
            child_person_id="person_id",
            start_date="start_date",
            end_date="end_date",
            source_file="source_file",
            source_row="source_row",
            mention_id="link_mention_id",
        )
    )
    ended = plans.filter(
        pl.col("end_date").is_not_null() & (pl.col("end_date") <= pl.lit(as_of, dtype=pl.Date))
    )
    later = with_dob(plans, inputs.persons, "child_person_id", "dob").filter(
        is_csc_child(pl.col("dob"), pl.col("start_date"), settings.child_age_years)
    )
    pairs = later.join(ended, on="child_person_id", suffix="_earlier").filter(
        (pl.col("plan_key") != pl.col("plan_key_earlier"))
        & (pl.col("start_date_earlier") <= pl.col("start_date"))
        & pl.col("start_date").is_between(
            pl.col("end_date_earlier"), add_months("end_date_earlier", months)
        )
    )
    flags = pairs.unique("plan_key", keep="first", maintain_order=True).with_columns(
        trigger_date=pl.col("start_date")
    )
    earlier = pairs.sort("end_date_earlier", "source_file_earlier", "source_row_earlier")
    keys = ["plan_key"]
    return assemble(
        RULE,
        flags,
        [
            evidence(flags, keys, "plan", mention_col="mention_id"),
            evidence(earlier, keys, "earlier_plan", file_col="source_file_earlier",
                     row_col="source_row_earlier", mention_col="mention_id_earlier"),
        ],
        keys,
    )
