"""Blocking: candidate signature pairs from several rules, unioned so no pair is scored twice.

Each rule is a key over `_lk_sig`; signatures sharing a key (and not already in the
same pre-cluster) become candidates. Keys are chosen so that one error never hides
a match: a changed surname is caught by the forename-initial + dob rule, a swapped
day and month by the sorted-day-month rule, a missing postcode by the name rules,
a missing dob by the place and name rules, swapped forename/surname by the
sorted-name rule. Over-large blocks carry no signal and are skipped.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from engine.link.settings import BlockingSettings


@dataclass(frozen=True)
class BlockingRule:
    """A named blocking key (SQL over `_lk_sig` columns); `explode` unnests a list key."""

    name: str
    key: str
    weak: bool = False  # weak keys use the smaller block-size cap
    explode: bool = False


RULES: tuple[BlockingRule, ...] = (
    BlockingRule("surname+dob", "CASE WHEN sn IS NOT NULL AND dob IS NOT NULL THEN sn || '|' || dob END"),
    BlockingRule("initial+dob", "CASE WHEN fi IS NOT NULL AND dob IS NOT NULL THEN fi || '|' || dob END"),
    BlockingRule("names any order", "CASE WHEN fn IS NOT NULL AND sn IS NOT NULL THEN array_to_string(list_sort([fn, sn]), '|') END"),
    BlockingRule("surname+initial+year", "CASE WHEN sn IS NOT NULL AND fi IS NOT NULL AND dob_y IS NOT NULL THEN sn || '|' || fi || '|' || dob_y END"),
    BlockingRule("day-month any order+year",
                 "CASE WHEN dob IS NOT NULL THEN dob_y || '|' || least(dob_d, dob_m) || '|' || greatest(dob_d, dob_m) || '|' || coalesce(left(sn, 1), '') END"),
    BlockingRule("place+initial", "CASE WHEN place_id IS NOT NULL AND fi IS NOT NULL THEN place_id || '|' || fi END"),
    BlockingRule("place+surname", "CASE WHEN place_id IS NOT NULL AND sn IS NOT NULL THEN place_id || '|' || sn END"),
    BlockingRule("surname part+dob", "CASE WHEN len(sn_parts) > 1 AND dob IS NOT NULL THEN list_transform(sn_parts, lambda x: x || '|' || dob) END", explode=True),
    BlockingRule("nickname+surname", "CASE WHEN sn IS NOT NULL THEN list_transform(fcanon, lambda x: x || '|' || sn) END", explode=True),
    BlockingRule("dob+district", "CASE WHEN dob IS NOT NULL AND pc_district IS NOT NULL THEN dob || '|' || pc_district END", weak=True),
    BlockingRule("dob", "CAST(dob AS VARCHAR)", weak=True),
)


def block(con: duckdb.DuckDBPyConnection, settings: BlockingSettings, rules: tuple[BlockingRule, ...] = RULES) -> int:
    """Create `_lk_cand(sid_l, sid_r, rule)` (sid_l < sid_r, first rule that found the pair); returns its size."""
    con.execute("CREATE OR REPLACE TEMP TABLE _lk_cand_all (sid_l BIGINT, sid_r BIGINT, rule INTEGER)")
    for i, rule in enumerate(rules):
        cap = settings.max_block_weak if rule.weak else settings.max_block
        key = f"unnest({rule.key})" if rule.explode else rule.key
        con.execute(f"""
            INSERT INTO _lk_cand_all
            WITH k AS (
                SELECT sid, pc, key FROM (SELECT sid, pc, {key} AS key FROM _lk_sig) WHERE key IS NOT NULL
            ), ok AS (
                SELECT key FROM k GROUP BY key HAVING count(*) BETWEEN 2 AND {int(cap)}
            ), kk AS (SELECT k.* FROM k SEMI JOIN ok USING (key))
            SELECT l.sid, r.sid, {i} FROM kk l JOIN kk r ON l.key = r.key AND l.sid < r.sid AND l.pc <> r.pc
        """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lk_cand AS
        SELECT sid_l, sid_r, min(rule) AS rule FROM _lk_cand_all GROUP BY ALL;
        DROP TABLE _lk_cand_all;
    """)
    return con.execute("SELECT count(*) FROM _lk_cand").fetchall()[0][0]


def rule_names(rules: tuple[BlockingRule, ...] = RULES) -> list[str]:
    """Rule names by index (as stored in `_lk_cand.rule`)."""
    return [r.name for r in rules]
