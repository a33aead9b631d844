"""Evaluate the risk rules on the merged chronology and keep flags with their evidence."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from chronolink.engine.chronology import build_chronology, load_rule_inputs, load_undated
from chronolink.engine.chronology.state import last_build, why_rebuild
from chronolink.engine.flags.evidence import attach_evidence
from chronolink.engine.flags.identity import flag_id, one_flag_per_concern
from chronolink.engine.flags.scope import CHILDREN, INPUTS, scope_tables
from chronolink.engine.flags.store import (
    DISPOSITIONS,
    DispositionError,
    export_frame,
    flags_current,
    flags_with_dispositions,
    last_flag_run,
    replace_flags,
    save_flags,
    set_disposition,
    unjudged_records,
)
from chronolink.engine.rules import RuleSettings, evaluate_all, load_settings, not_judged
from chronolink.engine.store.transactions import transaction

__all__ = ["DISPOSITIONS", "DispositionError", "evaluate_flags", "export_frame", "flag_id", "flags_with_dispositions",
           "last_flag_run", "run_flags", "set_disposition", "unjudged_records", "update_flags"]


def evaluate_flags(con: duckdb.DuckDBPyConnection, as_of: dt.date, settings: RuleSettings,
                   *, rebuild_chronology: bool = True) -> pl.DataFrame:
    """Every concern the rules find as of `as_of` (one row each, with its id, occurrences and evidence
    JSON), without storing them."""
    if rebuild_chronology:
        build_chronology(con, settings)
    flags = one_flag_per_concern(evaluate_all(load_rule_inputs(con, settings), settings, as_of))
    return attach_evidence(con, flags)


def _scoped(con: duckdb.DuckDBPyConnection, as_of: dt.date, settings: RuleSettings) -> bool:
    """Update the chronology and the flags for what changed since the last run, in one transaction
    (engine.flags.scope); False (nothing written) when only a whole run gives the right answer."""
    days = int(settings.chronology.referral_merge_days)
    built = last_build(con)
    if why_rebuild(con, days) is not None or not flags_current(con, as_of, settings, built.built_at if built else None):
        return False
    with transaction(con):
        if build_chronology(con, settings, scoped=True) is None:  # cannot happen: checked above, same transaction
            raise AssertionError("the chronology was rebuilt whole in a scoped flag run")
        scope_tables(con, "_chr_persons", "_chr_new_records")
        inputs = load_rule_inputs(con, settings, persons=INPUTS, children=CHILDREN)
        children = con.sql(f"SELECT person_id FROM {CHILDREN}").pl()
        found = evaluate_all(inputs, settings, as_of).join(
            children.rename({"person_id": "child_person_id"}), on="child_person_id", how="semi")
        flags = attach_evidence(con, one_flag_per_concern(found))
        unjudged = not_judged(load_undated(con, persons="_chr_persons"))
        replace_flags(con, flags, CHILDREN, as_of, unjudged, "_chr_persons", settings)
    return True


def update_flags(con: duckdb.DuckDBPyConnection, as_of: dt.date, settings_path: RuleSettings | Path | None = None,
                 *, rebuild_chronology: bool = True, scoped: bool = True) -> int:
    """Rebuild the chronology, evaluate every rule as of `as_of` and store the flags; returns how many
    flags the store holds.

    `settings_path` is the rule settings, loaded (callers validate them before writing) or a file.
    `scoped`: when the stored flags are the last run's as of the same date with the same settings and
    the store was only added to and linked incrementally since, only the chronology and flags of the
    persons that changed and those near them are found again (engine.flags.scope); the result is the
    same as a whole run's, and the flags of everyone else stay as stored."""
    settings = settings_path if isinstance(settings_path, RuleSettings) else load_settings(settings_path)
    if not (scoped and rebuild_chronology and _scoped(con, as_of, settings)):
        flags = evaluate_flags(con, as_of, settings, rebuild_chronology=rebuild_chronology)
        save_flags(con, flags, as_of, not_judged(load_undated(con)), settings=settings)
    return int(con.execute("SELECT count(*) FROM flags").fetchall()[0][0])


def run_flags(con: duckdb.DuckDBPyConnection, as_of: dt.date, settings_path: RuleSettings | Path | None = None,
              *, rebuild_chronology: bool = True, scoped: bool = True) -> pl.DataFrame:
    """`update_flags`, then every stored flag with its disposition."""
    update_flags(con, as_of, settings_path, rebuild_chronology=rebuild_chronology, scoped=scoped)
    return flags_with_dispositions(con)
