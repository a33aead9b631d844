"""repeat_referrals: referred, closed NFA, referred again ("start again syndrome").

Three consecutive CSC Referral episodes of child C, the third within 12
calendar months of the first, the first two with outcome exactly ``NFA``.
Flag (C, trigger = start of the third). C must be a child on that date.
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

RULE = "repeat_referrals"
# What it reads only with a date (undated records of these kinds are listed as not judged).
NEEDS_DATES = DatedNeeds(event_types=(v.CSC_REFERRAL,))
_KEYS = ["child_person_id", "trigger_date"]


def evaluate(inputs: RuleInputs, settings: RuleSettings, as_of: date) -> pl.DataFrame:
    cfg = settings.repeat_referrals
    n = cfg.count
    refs = (
        events_of(inputs.events, [v.CSC_REFERRAL])
        .sort("person_id", "start_date", "source_file", "source_row")
        .select(
            child_person_id="person_id",
            ref_date="start_date",
            outcome="outcome",
            source_file="source_file",
            source_row="source_row",
            mention_id="link_mention_id",
        )
        .with_columns(seq=pl.int_range(pl.len()).over("child_person_id"))
    )
    by_child = pl.col("child_person_id")
    earlier_nfa = pl.all_horizontal(
        (pl.col("outcome").shift(-k).over(by_child) == v.OUTCOME_NFA).fill_null(False)
        for k in range(n - 1)
    )
    last_date = pl.col("ref_date").shift(-(n - 1)).over(by_child)
    starts = (
        refs.with_columns(trigger_date=last_date)
        .filter(
            earlier_nfa
            & pl.col("trigger_date").is_not_null()
            & (pl.col("trigger_date") <= add_months("ref_date", cfg.within_months))
        )
        .select("child_person_id", "trigger_date", first_seq="seq")
    )
    starts = with_dob(starts, inputs.persons, "child_person_id", "dob").filter(
        is_csc_child(pl.col("dob"), pl.col("trigger_date"), settings.child_age_years)
    )
    flags = starts.sort(_KEYS + ["first_seq"]).unique(_KEYS, keep="first", maintain_order=True)
    rows = (
        flags.join(refs.drop("outcome"), on="child_person_id", suffix="_ref")
        .filter(pl.col("seq").is_between(pl.col("first_seq"), pl.col("first_seq") + n - 1))
        .sort("seq")
    )
    return assemble(RULE, flags, [evidence(rows, _KEYS, "referral", mention_col="mention_id")],
                    _KEYS)
