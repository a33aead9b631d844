"""Evaluate the risk rules on the merged chronology and keep flags with their evidence."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from chronolink.engine.chronology import build_chronology, load_rule_inputs, load_undated
from chronolink.engine.flags.evidence import attach_evidence
from chronolink.engine.flags.identity import flag_id, one_flag_per_concern
from chronolink.engine.flags.store import (
    DISPOSITIONS,
    DispositionError,
    export_frame,
    flags_with_dispositions,
    last_flag_run,
    save_flags,
    set_disposition,
    unjudged_records,
)
from chronolink.engine.rules import RuleSettings, evaluate_all, load_settings, not_judged

__all__ = ["DISPOSITIONS", "DispositionError", "evaluate_flags", "export_frame", "flag_id", "flags_with_dispositions",
           "last_flag_run", "run_flags", "set_disposition", "unjudged_records"]


def evaluate_flags(con: duckdb.DuckDBPyConnection, as_of: dt.date, settings: RuleSettings,
                   *, rebuild_chronology: bool = True) -> pl.DataFrame:
    """Every concern the rules find as of `as_of` (one row each, with its id, occurrences and evidence
    JSON), without storing them."""
    if rebuild_chronology:
        build_chronology(con, settings)
    flags = one_flag_per_concern(evaluate_all(load_rule_inputs(con, settings), settings, as_of))
    return attach_evidence(con, flags)


def run_flags(con: duckdb.DuckDBPyConnection, as_of: dt.date, settings_path: RuleSettings | Path | None = None,
              *, rebuild_chronology: bool = True) -> pl.DataFrame:
    """Rebuild the chronology, evaluate every rule as of `as_of` and store the flags.

    `settings_path` is the rule settings, loaded (callers validate them before writing) or a file."""
    settings = settings_path if isinstance(settings_path, RuleSettings) else load_settings(settings_path)
    flags = evaluate_flags(con, as_of, settings, rebuild_chronology=rebuild_chronology)
    save_flags(con, flags, as_of, not_judged(load_undated(con)), settings=settings)
    return flags_with_dispositions(con)
