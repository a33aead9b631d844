"""Evaluate the risk rules on the merged chronology and keep flags with their evidence."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from chronolink.engine.chronology import build_chronology, load_rule_inputs
from chronolink.engine.flags.evidence import attach_evidence
from chronolink.engine.flags.store import (
    DISPOSITIONS,
    DispositionError,
    export_frame,
    flags_with_dispositions,
    save_flags,
    set_disposition,
)
from chronolink.engine.rules import RuleSettings, evaluate_all, load_settings

__all__ = ["DISPOSITIONS", "DispositionError", "export_frame", "flags_with_dispositions", "run_flags",
           "set_disposition"]


def run_flags(con: duckdb.DuckDBPyConnection, as_of: dt.date, settings_path: RuleSettings | Path | None = None,
              *, rebuild_chronology: bool = True) -> pl.DataFrame:
    """Rebuild the chronology, evaluate every rule as of `as_of` and store the flags.

    `settings_path` is the rule settings, loaded (callers validate them before writing) or a file."""
    settings = settings_path if isinstance(settings_path, RuleSettings) else load_settings(settings_path)
    if rebuild_chronology:
        build_chronology(con)
    flags = evaluate_all(load_rule_inputs(con), settings, as_of)
    flags = attach_evidence(con, flags)
    save_flags(con, flags, as_of)
    return flags_with_dispositions(con)
