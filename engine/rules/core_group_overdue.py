"""core_group_overdue: no Core Group within 10 working days of a CP Plan starting.

A CP Plan for child C starting on s with no Core Group for C in
[s, 10th working day after s], and the plan still open after that day (its
end, or E, later than it). Flag (C, trigger = the 10th working day after s).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chronolink.engine.rules import vocabulary as v
from chronolink.engine.rules.calendar import nth_working_day_after
from chronolink.engine.rules.common import (
    assemble,
    child_episodes,
    dated_records,
    effective_end,
    evidence,
)
from chronolink.engine.rules.inputs import RuleInputs
from chronolink.engine.rules.settings import RuleSettings
from chronolink.engine.rules.undated import DatedNeeds

RULE = "core_group_overdue"
# What it reads only with a date (undated records of these kinds are listed as not judged).
NEEDS_DATES = DatedNeeds(event_types=(v.CSC_CP_PLAN, v.CSC_CORE_GROUP))
_KEYS = ["child_person_id", "trigger_date"]


def evaluate(inputs: RuleInputs, settings: RuleSettings, as_of: date) -> pl.DataFrame:
    n = settings.core_group_overdue.working_days
    plans = child_episodes(inputs, [v.CSC_CP_PLAN], settings.child_age_years).with_row_index("plan_key")
    plans = plans.with_columns(trigger_date=nth_working_day_after(plans["start_date"], n))
    core_groups = dated_records(inputs.events, [v.CSC_CORE_GROUP], "cg")
    met = (
        plans.join(core_groups, on="child_person_id")
        .filter(pl.col("cg_date").is_between(pl.col("start_date"), pl.col("trigger_date")))
        .select("plan_key")
    )
    flags = plans.filter(effective_end(pl.col("end_date"), as_of) > pl.col("trigger_date")).join(
        met, on="plan_key", how="anti"
    )
    late = (  # the first Core Group that did happen, after the due day
        flags.join(core_groups, on="child_person_id")
        .filter(pl.col("cg_date") > pl.col("trigger_date"))
        .sort("cg_date", "cg_file", "cg_row")
        .unique("plan_key", keep="first", maintain_order=True)
    )
    keys = ["plan_key"]
    return assemble(
        RULE,
        flags,
        [
            evidence(flags, keys, "plan", mention_col="link_mention_id"),
            evidence(late, keys, "late_core_group", prefix="cg"),
        ],
        keys,
    )
