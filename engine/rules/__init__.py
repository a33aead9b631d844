"""Risk and drift rules of `risk-rules.md`, one pure function per module.

    from chronolink.engine.rules import RuleInputs, load_settings, evaluate_all
    flags = evaluate_all(inputs, load_settings(), as_of=date(2024, 6, 30))

Each module in :data:`RULES` exposes ``RULE`` (its name) and
``evaluate(inputs, settings, as_of) -> polars.DataFrame`` returning flags with
:data:`FLAG_SCHEMA`: rule, child_person_id, other_person_id, address_id,
trigger_date, evidence (list of {source_file, source_row, role, mention_id}).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chronolink.engine.rules import (
    assessment_overdue,
    bail_address_child,
    concerns_not_collated,
    core_group_overdue,
    long_cp_plan,
    rcpc_overdue,
    repeat_cp_plan,
    repeat_referrals,
    unassessed_adult,
)
from chronolink.engine.rules.common import FLAG_SCHEMA, FLAG_SORT, empty_flags
from chronolink.engine.rules.inputs import InputSchemaError, RuleInputs
from chronolink.engine.rules.markers import derive_markers
from chronolink.engine.rules.settings import RuleSettings, SettingsError, load_settings
from chronolink.engine.rules.undated import UNDATED_SCHEMA, UNJUDGED_SCHEMA, DatedNeeds, unjudged

RULES = (
    bail_address_child,
    unassessed_adult,
    concerns_not_collated,
    repeat_referrals,
    assessment_overdue,
    core_group_overdue,
    rcpc_overdue,
    long_cp_plan,
    repeat_cp_plan,
)


def not_judged(undated: pl.DataFrame) -> pl.DataFrame:
    """The undated records (engine.rules.undated.UNDATED_SCHEMA) each rule of :data:`RULES` could not judge."""
    return unjudged(undated, RULES)


def evaluate_all(inputs: RuleInputs, settings: RuleSettings, as_of: date) -> pl.DataFrame:
    """Run every rule in :data:`RULES` and concatenate their flags."""
    frames = [rule.evaluate(inputs, settings, as_of) for rule in RULES]
    return pl.concat([empty_flags(), *frames], how="vertical")


__all__ = [
    "FLAG_SCHEMA",
    "FLAG_SORT",
    "RULES",
    "UNDATED_SCHEMA",
    "UNJUDGED_SCHEMA",
    "DatedNeeds",
    "InputSchemaError",
    "RuleInputs",
    "RuleSettings",
    "SettingsError",
    "derive_markers",
    "evaluate_all",
    "load_settings",
    "not_judged",
]
