"""What makes two firings of a rule one flag, and the flag's id.

One concern is one flag: the same rule firing for the same child and the same other person on
several dates, or at several addresses, is one flag that lists every occurrence (its trigger
dates, the addresses, and the evidence of each). A flag's identity is

    (rule, child, other person)            for every rule today
    (rule, child, other person, address)   for a rule in PLACE_RULES, whose concern is the place

None of the rules of risk-rules.md is about a place on its own: where they name an address (a bail
address, the home an unassessed adult shares), the concern is the other person near the child, and
a move does not make it a new concern. A rule whose concern is the place itself would join
PLACE_RULES.

The id is derived from the identity alone, by a hash that no library version can change:

    flag_id = "F" + the first 16 hex digits of SHA-256(UTF-8 of the canonical string)
    canonical string = "chronolink-flag-v1|<rule>|<child_person_id>|<other_person_id>|<address_id>"

with an empty field for "none" (no other person; an address outside PLACE_RULES). Ids never
contain "|", so the string is unambiguous. An analyst's disposition is stored against the id, so
it follows the concern through every later run, whatever the dates it fires on.
"""
from __future__ import annotations

import hashlib

import polars as pl

#: Rules whose flag identity includes the address (see the module docstring): none today.
PLACE_RULES: frozenset[str] = frozenset()
ID_SCHEME = "chronolink-flag-v1"


def canonical_identity(rule: str, child: str, other: str | None, address: str | None) -> str:
    """The canonical string a flag id hashes (the address counts only for PLACE_RULES)."""
    place = (address or "") if rule in PLACE_RULES else ""
    return "|".join((ID_SCHEME, rule, child, other or "", place))


def flag_id(rule: str, child: str, other: str | None = None, address: str | None = None) -> str:
    """`F` + 16 hex digits of the SHA-256 of the flag's canonical identity."""
    digest = hashlib.sha256(canonical_identity(rule, child, other, address).encode("utf-8")).hexdigest()
    return "F" + digest[:16]


def with_flag_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (rule, child_person_id, other_person_id, address_id) with `flag_id` added.

    Hashed once per distinct identity: flags number thousands, not millions."""
    keys = frame.select("rule", "child_person_id", "other_person_id", "address_id").unique()
    ids = keys.with_columns(flag_id=pl.Series(
        [flag_id(*row) for row in keys.iter_rows()], dtype=pl.String))
    return frame.join(ids, on=["rule", "child_person_id", "other_person_id", "address_id"], how="left",
                      nulls_equal=True)


OCCURRENCE = pl.Struct({"trigger_date": pl.Date, "address_id": pl.String})


def one_flag_per_concern(flags: pl.DataFrame) -> pl.DataFrame:
    """The rules' firings (engine.rules.FLAG_SCHEMA, one row per trigger) as one row per concern.

    Each row keeps its identity, `trigger_date` = the latest occurrence (how current the concern
    is: ratings weigh recent flags above old ones), `address_id` = that occurrence's address,
    `occurrences` = every (trigger_date, address_id) in date order, and the evidence of all of them.
    """
    cols = ("rule", "child_person_id", "other_person_id", "address_id", "trigger_date", "evidence", "occurrences",
            "flag_id")
    firing = with_flag_ids(flags)
    if firing.is_empty():
        return firing.with_columns(occurrences=pl.lit([], dtype=pl.List(OCCURRENCE))).select(cols)
    merged = (
        firing.sort("flag_id", "trigger_date", "address_id", nulls_last=True)
        .group_by("flag_id", maintain_order=True)
        .agg(pl.col("rule").first(), pl.col("child_person_id").first(), pl.col("other_person_id").first(),
             pl.col("trigger_date").last(), pl.col("address_id").last(),
             pl.struct("trigger_date", "address_id").unique(maintain_order=True).alias("occurrences"),
             pl.col("evidence").list.explode(keep_nulls=False, empty_as_null=False)
             .unique(maintain_order=True).alias("evidence"))
    )
    return merged.select(cols).sort(
        "rule", "child_person_id", "other_person_id", "flag_id", nulls_last=True)
