"""rcpc_overdue: a review child protection conference that did not happen in time.

Walk each CP Plan for child C starting on s: the first due date is s + 3
months; an RCPC in (previous, due] meets it (previous = s, then the latest
RCPC that met a due date) and the next due date is the latest such RCPC + 6
months. A due date earlier than the plan's end (E while open) with no RCPC in
(previous, due] is missed. Flag (C, trigger = the first missed due date).

The walk advances all plans together, one due date per step (a plan of n
years takes about 2n steps); each step is one join over the plans still open.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chronolink.engine.rules import vocabulary as v
from chronolink.engine.rules.calendar import add_months
from chronolink.engine.rules.common import (
    assemble,
    child_episodes,
    dated_records,
    effective_end,
    empty_flags,
    evidence,
)
from chronolink.engine.rules.inputs import RuleInputs
from chronolink.engine.rules.settings import RuleSettings
from chronolink.engine.rules.undated import DatedNeeds

RULE = "rcpc_overdue"
# What it reads only with a date (undated records of these kinds are listed as not judged).
NEEDS_DATES = DatedNeeds(event_types=(v.CSC_CP_PLAN, v.CSC_RCPC))
_KEYS = ["plan_key"]


def evaluate(inputs: RuleInputs, settings: RuleSettings, as_of: date) -> pl.DataFrame:
    cfg = settings.rcpc_overdue
    plans = (
        child_episodes(inputs, [v.CSC_CP_PLAN], settings.child_age_years)
        .with_row_index("plan_key")
        .with_columns(plan_end=effective_end(pl.col("end_date"), as_of))
    )
    rcpcs = dated_records(inputs.events, [v.CSC_RCPC], "rcpc")
    state = plans.select(
        "plan_key",
        "child_person_id",
        "plan_end",
        previous="start_date",
        due=add_months("start_date", cfg.first_review_months),
    )
    missed: list[pl.DataFrame] = []
    while True:
        state = state.filter(pl.col("due") < pl.col("plan_end"))  # a later due cannot pass
        if state.is_empty():
            break
        met = (
            state.join(rcpcs, on="child_person_id")
            .filter(pl.col("rcpc_date") > pl.col("previous"))
            .filter(pl.col("rcpc_date") <= pl.col("due"))
            .group_by("plan_key")
            .agg(latest=pl.col("rcpc_date").max())
        )
        state = state.join(met, on="plan_key", how="left")
        missed.append(
            state.filter(pl.col("latest").is_null()).select("plan_key", trigger_date="due")
        )
        state = state.filter(pl.col("latest").is_not_null()).select(
            "plan_key",
            "child_person_id",
            "plan_end",
            previous="latest",
            due=add_months("latest", cfg.later_review_months),
        )
    if not missed:
        return empty_flags()
    flags = pl.concat(missed).join(plans, on="plan_key")
    held = (
        flags.join(rcpcs, on="child_person_id")
        .filter(pl.col("rcpc_date").is_between(pl.col("start_date"), pl.col("trigger_date"),
                                               closed="right"))
        .sort("rcpc_date", "rcpc_file", "rcpc_row")
    )
    return assemble(
        RULE,
        flags,
        [
            evidence(flags, _KEYS, "plan", mention_col="link_mention_id"),
            evidence(held, _KEYS, "rcpc", prefix="rcpc"),
        ],
        _KEYS,
    )
