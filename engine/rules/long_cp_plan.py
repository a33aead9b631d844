"""long_cp_plan: a child protection plan that has lasted two years or more.

A CP Plan for child C starting on s whose end (E while open) is on or after
s + 24 calendar months. Flag (C, trigger = s + 24 months).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chronolink.engine.rules import vocabulary as v
from chronolink.engine.rules.calendar import add_months
from chronolink.engine.rules.common import assemble, child_episodes, effective_end, evidence
from chronolink.engine.rules.inputs import RuleInputs
from chronolink.engine.rules.settings import RuleSettings
from chronolink.engine.rules.undated import DatedNeeds

RULE = "long_cp_plan"
# What it reads only with a date (undated records of these kinds are listed as not judged).
NEEDS_DATES = DatedNeeds(event_types=(v.CSC_CP_PLAN,))
_KEYS = ["child_person_id", "trigger_date"]


def evaluate(inputs: RuleInputs, settings: RuleSettings, as_of: date) -> pl.DataFrame:
    months = settings.long_cp_plan.months
    flags = (
        child_episodes(inputs, [v.CSC_CP_PLAN], settings.child_age_years)
        .with_columns(trigger_date=add_months("start_date", months))
        .filter(effective_end(pl.col("end_date"), as_of) >= pl.col("trigger_date"))
    )
    return assemble(
        RULE, flags, [evidence(flags, _KEYS, "plan", mention_col="link_mention_id")], _KEYS
    )
