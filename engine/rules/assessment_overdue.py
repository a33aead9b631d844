"""assessment_overdue: a C&F Assessment that ran past 45 working days.

A CSC C&F Assessment for child C (a child on its start s) with more than 45
working days in (s, completion], or, still open at E, in (s, E].
Flag (C, trigger = the 45th working day after s).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chronolink.engine.rules import vocabulary as v
from chronolink.engine.rules.calendar import nth_working_day_after, working_days_between
from chronolink.engine.rules.common import assemble, child_episodes, effective_end, evidence
from chronolink.engine.rules.inputs import RuleInputs
from chronolink.engine.rules.settings import RuleSettings
from chronolink.engine.rules.undated import DatedNeeds

RULE = "assessment_overdue"
# What it reads only with a date (undated records of these kinds are listed as not judged).
NEEDS_DATES = DatedNeeds(event_types=(v.CSC_CF_ASSESSMENT,))
_KEYS = ["child_person_id", "trigger_date"]


def evaluate(inputs: RuleInputs, settings: RuleSettings, as_of: date) -> pl.DataFrame:
    n = settings.assessment_overdue.working_days
    assessments = child_episodes(inputs, [v.CSC_CF_ASSESSMENT], settings.child_age_years)
    assessments = assessments.with_columns(measured=effective_end(pl.col("end_date"), as_of))
    flags = assessments.with_columns(
        working_days=working_days_between(assessments["start_date"], assessments["measured"])
    ).filter(pl.col("working_days") > n)
    flags = flags.with_columns(trigger_date=nth_working_day_after(flags["start_date"], n))
    return assemble(
        RULE, flags, [evidence(flags, _KEYS, "assessment", mention_col="link_mention_id")], _KEYS
    )
