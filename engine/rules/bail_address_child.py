"""bail_address_child: a child lives where an adult is bailed to, and CSC did not act.

A police BAIL row for P with BailAddress A on d; a child C != P observed at A
on a date in [d - 365, d + 90] (a child on that observation's date); no CSC
Strategy Discussion, S47 Enquiry or Referral for C starting in [d, d + 28].
One flag per (bail row, child, address): (C, other P, A, trigger d).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chronolink.engine.rules import vocabulary as v
from chronolink.engine.rules.calendar import add_days
from chronolink.engine.rules.common import (
    FULL_FIELDS,
    answered,
    assemble,
    events_of,
    evidence,
    is_child,
    mention_lookup,
    observations_of,
    with_dob,
    with_mentions,
)
from chronolink.engine.rules.inputs import RuleInputs
from chronolink.engine.rules.settings import RuleSettings
from chronolink.engine.rules.undated import DatedNeeds

RULE = "bail_address_child"
# What it reads only with a date (undated records of these kinds are listed as not judged).
NEEDS_DATES = DatedNeeds(event_types=(v.POLICE_BAIL, *v.BAIL_CSC_RESPONSE_TYPES), observations=True)
_KEYS = ["bail_key", "child_person_id", "address_id"]


def evaluate(inputs: RuleInputs, settings: RuleSettings, as_of: date) -> pl.DataFrame:
    cfg = settings.bail_address_child
    bails = (
        events_of(inputs.events, [v.POLICE_BAIL])
        .filter(pl.col("bail_address_id").is_not_null())
        .with_row_index("bail_key")
        .select(
            "bail_key",
            other_person_id="person_id",
            address_id="bail_address_id",
            trigger_date="start_date",
            bail_file="source_file",
            bail_row="source_row",
            bail_mention="link_mention_id",
        )
    )
    obs = observations_of(inputs.observations).select(
        child_person_id="person_id",
        address_id="address_id",
        obs_date="date",
        obs_file="source_file",
        obs_row="source_row",
    )
    seen = bails.join(obs, on="address_id").filter(
        (pl.col("child_person_id") != pl.col("other_person_id"))
        & pl.col("obs_date").is_between(
            add_days("trigger_date", -cfg.observed_days_before),
            add_days("trigger_date", cfg.observed_days_after),
        )
    )
    seen = with_dob(seen, inputs.persons, "child_person_id", "child_dob").filter(
        is_child(pl.col("child_dob"), pl.col("obs_date"), settings.child_age_years)
    )

    candidates = seen.unique(_KEYS, keep="first", maintain_order=True)
    responded = answered(candidates, inputs.events, v.BAIL_CSC_RESPONSE_TYPES, pl.col("trigger_date"),
                         add_days("trigger_date", cfg.csc_response_days), _KEYS)
    flags = candidates.join(responded, on=_KEYS, how="anti")
    seen = with_mentions(
        seen.join(flags.select(_KEYS), on=_KEYS, how="semi"),
        mention_lookup(inputs.events),
        "child_person_id", "obs_file", "obs_row",
    ).sort("obs_date", "obs_file", "obs_row")
    return assemble(
        RULE,
        flags,
        [
            evidence(flags, _KEYS, "bail", prefix="bail"),
            evidence(seen, _KEYS, "child_observed", file_col="obs_file", row_col="obs_row",
                     mention_col="mention_id"),
        ],
        _KEYS,
        FULL_FIELDS,
    )
