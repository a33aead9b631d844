"""Helpers shared by the rule modules: flag schema, ages, event selection, evidence."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

    from chronolink.engine.rules.inputs import RuleInputs

EVIDENCE_DTYPE = pl.Struct(
    {
        "source_file": pl.String,
        "source_row": pl.Int64,
        "role": pl.String,  # what the row is: 'bail', 'child_observed', 'marker', 'plan', ...
        "mention_id": pl.Int64,  # the person mention tying the row to the person, if known
    }
)
_FLAG_COLUMNS: dict[str, PolarsDataType] = {
    "rule": pl.String,
    "child_person_id": pl.String,
    "other_person_id": pl.String,
    "address_id": pl.String,
    "trigger_date": pl.Date,
    "evidence": pl.List(EVIDENCE_DTYPE),
}
FLAG_SCHEMA = pl.Schema(_FLAG_COLUMNS)
FLAG_SORT = ["rule", "child_person_id", "trigger_date", "other_person_id", "address_id"]


def empty_flags() -> pl.DataFrame:
    return pl.DataFrame(schema=FLAG_SCHEMA)


# --- ages ----------------------------------------------------------------------
def age_on(dob: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Age in whole years on a date (a 29 February birthday comes round on 1 March)."""
    before_birthday = (on.dt.month().cast(pl.Int32) * 100 + on.dt.day().cast(pl.Int32)) < (
        dob.dt.month().cast(pl.Int32) * 100 + dob.dt.day().cast(pl.Int32)
    )
    return (
        on.dt.year().cast(pl.Int32) - dob.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)
    )


def is_child(dob: pl.Expr, on: pl.Expr, age: int = 18) -> pl.Expr:
    """Under ``age`` on ``on``; an unknown date of birth is never judged a child."""
    return (age_on(dob, on) < age).fill_null(False)


def is_csc_child(dob: pl.Expr, on: pl.Expr, age: int = 18) -> pl.Expr:
    """The subject of a CSC episode: a child unless a known date of birth says 18 or over on ``on``
    (children's social care works with children; a missing date of birth must not hide its drift)."""
    return (age_on(dob, on) < age).fill_null(True)


def is_adult(dob: pl.Expr, on: pl.Expr, age: int = 18) -> pl.Expr:
    """``age`` or over on ``on``; an unknown date of birth is never judged an adult."""
    return (age_on(dob, on) >= age).fill_null(False)


def with_dob(df: pl.DataFrame, persons: pl.DataFrame, person_col: str, name: str) -> pl.DataFrame:
    dobs = persons.unique("person_id", keep="first").select(
        pl.col("person_id").alias(person_col), pl.col("dob").alias(name)
    )
    return df.join(dobs, on=person_col, how="left")


# --- selections ------------------------------------------------------------------
def events_of(events: pl.DataFrame, types: Iterable[str]) -> pl.DataFrame:
    """Dated events of the given canonical types, one per (person, source row, type)."""
    return (
        events.filter(
            pl.col("event_type").is_in(list(types))
            & pl.col("start_date").is_not_null()
            & pl.col("person_id").is_not_null()
        )
        .sort("person_id", "start_date", "source_file", "source_row")
        .unique(["person_id", "source_file", "source_row", "event_type"], maintain_order=True)
    )


def dated_records(events: pl.DataFrame, types: Iterable[str], prefix: str,
                  person_col: str = "child_person_id") -> pl.DataFrame:
    """Dated events of ``types`` as (person, {prefix}_date, {prefix}_file, {prefix}_row, {prefix}_mention):
    the form in which a rule joins a second kind of record to the one it flags."""
    return events_of(events, types).select(
        pl.col("person_id").alias(person_col),
        pl.col("start_date").alias(f"{prefix}_date"),
        pl.col("source_file").alias(f"{prefix}_file"),
        pl.col("source_row").alias(f"{prefix}_row"),
        pl.col("link_mention_id").alias(f"{prefix}_mention"),
    )


def child_episodes(inputs: RuleInputs, types: Iterable[str], child_age: int) -> pl.DataFrame:
    """Dated CSC episodes of ``types`` with their subject as ``child_person_id`` and its ``dob``, kept
    unless a known date of birth says the subject was an adult when the episode started."""
    return with_dob(
        events_of(inputs.events, types).rename({"person_id": "child_person_id"}),
        inputs.persons, "child_person_id", "dob",
    ).filter(is_csc_child(pl.col("dob"), pl.col("start_date"), child_age))


def answered(candidates: pl.DataFrame, events: pl.DataFrame, types: Iterable[str], lo: pl.Expr,
             hi: pl.Expr, keys: Sequence[str]) -> pl.DataFrame:
    """The ``keys`` of the candidates whose child has a response of ``types`` dated in [lo, hi]
    (``lo``/``hi`` are expressions over the candidate's columns)."""
    responses = events_of(events, types).select(child_person_id="person_id", response_date="start_date")
    return (
        candidates.join(responses, on="child_person_id")
        .filter(pl.col("response_date").is_between(lo, hi))
        .select(keys)
    )


def observations_of(observations: pl.DataFrame) -> pl.DataFrame:
    return observations.filter(
        pl.col("person_id").is_not_null()
        & pl.col("address_id").is_not_null()
        & pl.col("date").is_not_null()
    )


def effective_end(end: pl.Expr, as_of: date) -> pl.Expr:
    """A plan's end for judging it at ``as_of``: its end date, or E while open (capped at E)."""
    e = pl.lit(as_of, dtype=pl.Date)
    return pl.min_horizontal(end.fill_null(e), e)


def mention_lookup(events: pl.DataFrame) -> pl.DataFrame:
    """(person_id, source_file, source_row) -> mention_id, for evidence from non-event frames."""
    return (
        events.filter(pl.col("link_mention_id").is_not_null())
        .sort("link_mention_id")
        .unique(["person_id", "source_file", "source_row"], keep="first")
        .select("person_id", "source_file", "source_row", mention_id="link_mention_id")
    )


def with_mentions(
    df: pl.DataFrame, lookup: pl.DataFrame, person_col: str, file_col: str, row_col: str
) -> pl.DataFrame:
    return df.join(
        lookup.rename(
            {"person_id": person_col, "source_file": file_col, "source_row": row_col}
        ),
        on=[person_col, file_col, row_col],
        how="left",
    )


# --- evidence and assembly ---------------------------------------------------------
def evidence(
    df: pl.DataFrame,
    keys: Sequence[str],
    role: str,
    *,
    file_col: str = "source_file",
    row_col: str = "source_row",
    mention_col: str | None = None,
    prefix: str | None = None,
) -> pl.DataFrame:
    """Long evidence rows: flag keys + (source_file, source_row, role, mention_id); ``prefix`` reads the
    columns of `dated_records` ({prefix}_file, {prefix}_row, {prefix}_mention)."""
    if prefix:
        file_col, row_col, mention_col = f"{prefix}_file", f"{prefix}_row", f"{prefix}_mention"
    return df.select(
        *keys,
        source_file=pl.col(file_col).cast(pl.String),
        source_row=pl.col(row_col).cast(pl.Int64),
        role=pl.lit(role, dtype=pl.String),
        mention_id=(pl.col(mention_col) if mention_col else pl.lit(None)).cast(pl.Int64),
    )


SUBJECT_FIELDS = ("child_person_id", "trigger_date")
FULL_FIELDS = ("child_person_id", "other_person_id", "address_id", "trigger_date")


def assemble(
    rule: str,
    flags: pl.DataFrame,
    evidence_parts: Sequence[pl.DataFrame],
    keys: Sequence[str],
    fields: Sequence[str] = SUBJECT_FIELDS,
) -> pl.DataFrame:
    """Join long evidence to flags by ``keys`` and shape the result as FLAG_SCHEMA.

    ``flags`` carries ``keys`` and the output ``fields`` the rule sets (of
    child_person_id, other_person_id, address_id, trigger_date; the others are
    null). Flags that coincide on ``keys`` are merged.
    """
    if flags.is_empty():
        return empty_flags()
    keys = list(keys)
    ev = (
        pl.concat(evidence_parts, how="vertical_relaxed")
        .unique(maintain_order=True)
        .group_by(keys, maintain_order=True)
        .agg(evidence=pl.struct("source_file", "source_row", "role", "mention_id"))
    )
    out = flags.unique(keys, keep="first", maintain_order=True).join(ev, on=keys, how="left")
    cols = {
        c: (pl.col(c) if c in fields else pl.lit(None)).cast(t)
        for c, t in FLAG_SCHEMA.items()
        if c not in ("rule", "evidence")
    }
    return (
        out.select(
            rule=pl.lit(rule, dtype=pl.String),
            **cols,
            evidence=pl.col("evidence").fill_null(pl.lit([], dtype=FLAG_SCHEMA["evidence"])),
        )
        .cast(FLAG_SCHEMA)
        .sort(FLAG_SORT, nulls_last=True, maintain_order=True)
    )
