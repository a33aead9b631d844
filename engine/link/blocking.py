"""Blocking: candidate signature pairs from several rules, unioned so no pair is scored twice.

Each rule is a key over `_lk_sig`; signatures sharing a key (and not already in the
same pre-cluster) become candidates. Keys are chosen so that one error never hides
a match: a changed surname is caught by the forename-initial + dob rule, a swapped
day and month by the sorted-day-month rule, a missing postcode by the name rules,
a missing dob by the place and name rules, swapped forename/surname by the
sorted-name rule. Over-large blocks carry no signal and are skipped.
"""
from __future__ import annotations

import duckdb
from pydantic.dataclasses import dataclass

from chronolink.engine.link.comparisons import pair_columns, possible_sql
from chronolink.engine.link.engine import LinkEngine, as_engine
from chronolink.engine.link.settings import BlockingSettings


@dataclass(frozen=True)
class BlockingRule:
    """A named blocking key (SQL over `_lk_sig` columns); `explode` unnests a list key.

    `one_side` (SQL condition) restricts the rule to pairs where at least one signature meets it:
    name-only keys are only needed when a date of birth is missing, so they pair the dob-less
    signatures with everyone sharing the key instead of enumerating every same-name pair.
    """

    name: str
    key: str
    weak: bool = False  # weak keys use the smaller block-size cap
    explode: bool = False
    one_side: str | None = None
    pair: str | None = None  # SQL over the pair (aliases l, r): what the rule is there to find


_SN, _FI, _FN = "sn IS NOT NULL", "fi IS NOT NULL", "fn IS NOT NULL"
RULES: tuple[BlockingRule, ...] = (
    BlockingRule("surname+dob", f"CASE WHEN {_SN} AND dob IS NOT NULL THEN sn || '|' || dob END"),
    BlockingRule("initial+dob", f"CASE WHEN {_FI} AND dob IS NOT NULL THEN fi || '|' || dob END", weak=True),
    BlockingRule("names any order+year",
                 f"CASE WHEN {_FN} AND {_SN} AND dob IS NOT NULL THEN array_to_string(list_sort([fn, sn]), '|') || '|' || dob_y END"),
    # One wrong digit anywhere in the dob leaves two of year, month, day intact.
    BlockingRule("surname+initial+year+month", f"CASE WHEN {_SN} AND {_FI} THEN sn || '|' || fi || '|' || dob_y || '|' || dob_m END", weak=True),
    BlockingRule("surname+initial+year+day", f"CASE WHEN {_SN} AND {_FI} THEN sn || '|' || fi || '|' || dob_y || '|' || dob_d END", weak=True),
    BlockingRule("surname+initial+month+day", f"CASE WHEN {_SN} AND {_FI} THEN sn || '|' || fi || '|' || dob_m || '|' || dob_d END", weak=True),
    BlockingRule("day-month any order+year",
                 "CASE WHEN dob IS NOT NULL THEN dob_y || '|' || least(dob_d, dob_m) || '|' || greatest(dob_d, dob_m) || '|' || coalesce(left(sn, 1), '') END",
                 pair="l.dob <> r.dob"),
    # Same place: for a signature without a dob (carers, tenants, relatives); when both sides have
    # one, the dob rules above find the pair, and a family at one address is mostly non-matches.
    BlockingRule("place+initial", f"CASE WHEN {_FI} THEN list_transform(places, lambda x: x || '|' || fi) END", explode=True,
                 one_side="dob IS NULL"),
    BlockingRule("place+surname", f"CASE WHEN {_SN} THEN list_transform(places, lambda x: x || '|' || sn) END", explode=True,
                 one_side="dob IS NULL"),
    # Named beside the same person (a carer on a pupil's row, the same carer on the child's CSC row).
    BlockingRule("companion+initial",
                 f"CASE WHEN {_FI} THEN list_transform(list_concat(list_transform(comps, lambda x: CAST(x AS VARCHAR)), ckeys),"
                 " lambda x: x || '|' || fi) END",
                 explode=True, one_side="dob IS NULL", weak=True),
    # ... and a carer written with a surname alone (MAHMOOD, the pupil's father) beside the same child.
    BlockingRule("companion+surname",
                 f"CASE WHEN {_SN} THEN list_transform(list_concat(list_transform(comps, lambda x: CAST(x AS VARCHAR)), ckeys),"
                 " lambda x: x || '|' || sn) END",
                 explode=True, one_side="dob IS NULL", weak=True, pair="l.fi IS NULL OR r.fi IS NULL"),
    BlockingRule("surname part+dob", "CASE WHEN len(sn_parts) > 1 AND dob IS NOT NULL THEN list_transform(sn_parts, lambda x: x || '|' || dob) END", explode=True),
    # Name-only mentions (carers, relatives): nickname-aware name key against everyone; the place
    # rules catch the common names whose blocks are too big to carry signal.
    BlockingRule("nickname+surname", f"CASE WHEN {_SN} THEN list_transform(fcanon, lambda x: x || '|' || sn) END",
                 explode=True, one_side="dob IS NULL", weak=True),
    # Same dob and area, both names changed: a new surname and a nickname (PEGGY / MARGARET).
    BlockingRule("dob+district", "CASE WHEN dob IS NOT NULL THEN list_transform(districts, lambda x: x || '|' || dob) END",
                 weak=True, explode=True, pair="list_has_any(l.fcanon, r.fcanon)"),
)


def block(con: LinkEngine | duckdb.DuckDBPyConnection, settings: BlockingSettings,
          rules: tuple[BlockingRule, ...] = RULES, drop_impossible: bool = True, sig: str = "_lk_sig",
          against: str | None = None, out: str = "cand") -> tuple[int, int]:
    """Work table `out` (sid_l, sid_r, rule): sid_l < sid_r, the first rule that found the pair; returns
    (its size, how many blocked pairs were left out as impossible).

    With `drop_impossible` (the clustering enforces dates of birth), pairs it could never merge are left
    out: incompatible dates of birth, a parent role born too late, two different strict ids
    (signatures carry their pre-cluster's id sets). Scoring them would be wasted work.
    With `against` (a second signature table), only pairs with one side in `sig` and the other in
    `against` or `sig` are made, and block sizes count both (new signatures against a linked store)."""
    eng = as_engine(con)
    pool = sig if against is None else f"(SELECT * FROM {sig} UNION ALL BY NAME SELECT * FROM {against})"
    for i, rule in enumerate(rules):
        cap = settings.max_block_weak if rule.weak else settings.max_block
        key = f"unnest({rule.key})" if rule.explode else rule.key
        side = rule.one_side or "TRUE"
        cols = "".join(f", {c}" for c in pair_columns(rule.pair or ""))
        new_side, new_key = "TRUE", "TRUE"
        if against is not None:
            # On a linked store only pairs touching a new signature are wanted (`fresh` marks them),
            # so only the blocks of the new signatures' keys are formed (and counted whole).
            new_side = f"sid IN (SELECT sid FROM {sig})"
            new_key = f"key IN (SELECT {key} FROM {sig})"
        eng.materialise(f"cand_r{i}", f"""
            WITH k AS (
                SELECT * FROM (SELECT sid, pc, {key} AS key, ({side}) AS side, ({new_side}) AS fresh{cols} FROM {pool})
                WHERE key IS NOT NULL AND {new_key}
            ), ok AS (
                SELECT key FROM k GROUP BY key HAVING count(*) BETWEEN 2 AND {int(cap)}
            ), kk AS (SELECT k.* FROM k SEMI JOIN ok USING (key)),
            ks AS (SELECT * FROM kk WHERE side)
            {_pairs(i, rule.pair, against is not None)}""")
    possible = possible_sql() if drop_impossible else "TRUE"
    every = " UNION ALL ".join(f"SELECT * FROM _lk_cand_r{i}" for i in range(len(rules)))
    eng.materialise("cand1", f"""
        WITH c AS (SELECT sid_l, sid_r, min(rule) AS rule FROM ({every}) GROUP BY ALL)
        SELECT c.*, {possible} AS possible FROM c JOIN {pool} l ON l.sid = c.sid_l JOIN {pool} r ON r.sid = c.sid_r""")
    eng.drop(*(f"cand_r{i}" for i in range(len(rules))))
    eng.materialise(out, "SELECT sid_l, sid_r, rule FROM _lk_cand1 WHERE possible")
    n_all, n_impossible = eng.rows("SELECT count(*), count(*) FILTER (WHERE NOT possible) FROM _lk_cand1")[0]
    eng.drop("cand1")
    return n_all - n_impossible, n_impossible


def _pairs(i: int, pair: str | None, fresh_only: bool) -> str:
    """SELECT of rule `i`'s pairs from its blocks (`ks`: members on the rule's side, `kk`: all members).
    With `fresh_only`, a pair needs a new signature on one side: each join starts from the new ones,
    so the pairs among a block's stored signatures are never formed (a block can hold 150)."""
    on = "l.key = r.key AND l.sid <> r.sid AND l.pc <> r.pc"
    where = f"(NOT r.side OR l.sid < r.sid) AND {pair or 'TRUE'}"
    select = f"SELECT least(l.sid, r.sid) AS sid_l, greatest(l.sid, r.sid) AS sid_r, {i} AS rule"
    if not fresh_only:
        return f"{select} FROM ks l JOIN kk r ON {on} WHERE {where}"
    return (f"{select} FROM (SELECT * FROM ks WHERE fresh) l JOIN kk r ON {on} WHERE {where} UNION "
            f"{select} FROM ks l JOIN (SELECT * FROM kk WHERE fresh) r ON {on} WHERE {where}")


def rule_names(rules: tuple[BlockingRule, ...] = RULES) -> list[str]:
    """Rule names by index (as stored in `_lk_cand.rule`)."""
    return [r.name for r in rules]
