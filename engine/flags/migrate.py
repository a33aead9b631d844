"""Bring a store flagged by an earlier version to this version's flag ids, keeping every decision.

Earlier versions made a flag id from a polars hash of (rule, child, other person, address, trigger
date), one flag per trigger. This version's id is a SHA-256 of the concern (engine.flags.identity),
one flag per concern. The stored flags still hold each old flag's identity, so:

* every disposition of a stored flag moves to the new id of its concern (several old flags of one
  concern pool their decisions; the latest decision stands, as always);
* the stored flags are merged to one row per concern, every trigger date, address and piece of
  evidence kept, so reports read right before the next `flag` run rebuilds them;
* each old id is kept beside its new one (`flag_id_migration`), so an id printed before the
  upgrade still finds its flag;
* a disposition whose flag is no longer stored cannot be placed; it is kept as it was (counted).

It runs once, in the caller's transaction, and marks the store (`flag_meta.id_scheme`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb
import polars as pl

from chronolink.engine.flags.identity import ID_SCHEME, with_flag_ids


@dataclass(frozen=True)
class Migration:
    """What a migration did."""

    flags_before: int
    flags_after: int
    dispositions_moved: int
    dispositions_unplaced: int


def _scheme(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute("SELECT value FROM flag_meta WHERE key = 'id_scheme'").fetchall()
    return rows[0][0] if rows else None


def _merged_evidence(rows: list[dict]) -> str:
    """One concern's evidence from its old rows: records and links pooled without repeats, and one
    occurrence per old row."""
    records: dict[str, dict] = {}
    links: dict[str, dict] = {}
    for r in rows:
        try:
            ev = json.loads(r["evidence"]) if r["evidence"] else {}
        except ValueError:
            ev = {}
        ev = ev if isinstance(ev, dict) else {}
        for rec in ev.get("records") or []:
            records.setdefault(json.dumps(rec, sort_keys=True), rec)
        for link in ev.get("links") or []:
            links.setdefault(json.dumps(link, sort_keys=True), link)
    occurrences = sorted({(str(r["trigger_date"]), r["address_id"]) for r in rows}, key=lambda o: (o[0], o[1] or ""))
    return json.dumps({"records": list(records.values()), "links": list(links.values()),
                       "occurrences": [{"trigger_date": d, "address_id": a} for d, a in occurrences]},
                      separators=(",", ":"))


def _merge_rows(old: pl.DataFrame) -> pl.DataFrame:
    """Old flag rows (with their new `flag_id`) as one row per concern."""
    out = []
    for (fid,), group in old.sort("trigger_date", "address_id", nulls_last=True).group_by("flag_id",
                                                                                          maintain_order=True):
        rows = group.to_dicts()
        last = rows[-1]
        out.append({"flag_id": fid, "rule": last["rule"], "child_person_id": last["child_person_id"],
                    "other_person_id": last["other_person_id"], "address_id": last["address_id"],
                    "trigger_date": last["trigger_date"], "as_of": max(r["as_of"] for r in rows),
                    "evidence": _merged_evidence(rows), "flagged_at": max(r["flagged_at"] for r in rows),
                    "trigger_dates": sorted({r["trigger_date"] for r in rows}),
                    "address_ids": sorted({r["address_id"] for r in rows if r["address_id"] is not None})})
    return pl.DataFrame(out, schema={
        "flag_id": pl.String, "rule": pl.String, "child_person_id": pl.String, "other_person_id": pl.String,
        "address_id": pl.String, "trigger_date": pl.Date, "as_of": pl.Date, "evidence": pl.String,
        "flagged_at": pl.Datetime("us"), "trigger_dates": pl.List(pl.Date), "address_ids": pl.List(pl.String)})


def migrate_flag_ids(con: duckdb.DuckDBPyConnection) -> Migration | None:
    """Migrate the flag tables (created, in the caller's transaction) if an earlier version wrote them;
    None when the store already uses this version's ids."""
    if _scheme(con) == ID_SCHEME:
        return None
    old = con.sql("""SELECT flag_id AS old_id, rule, child_person_id, other_person_id, address_id, trigger_date,
                            as_of, CAST(evidence AS VARCHAR) AS evidence, flagged_at FROM flags""").pl()
    moved = unplaced = 0
    merged = old.head(0)
    if old.height:
        mapped = with_flag_ids(old)
        mapping = mapped.select("old_id", "flag_id").unique()
        con.register("__flag_map", mapping)
        try:
            moved = con.execute("""SELECT count(*) FROM flag_dispositions d JOIN __flag_map m
                                   ON m.old_id = d.flag_id""").fetchall()[0][0]
            con.execute("""UPDATE flag_dispositions SET flag_id = m.flag_id FROM __flag_map m
                           WHERE flag_dispositions.flag_id = m.old_id""")
            con.execute("""INSERT OR REPLACE INTO flag_id_migration SELECT old_id, flag_id FROM __flag_map
                           WHERE old_id <> flag_id""")
        finally:
            con.unregister("__flag_map")
        merged = _merge_rows(mapped.drop("old_id"))
        con.execute("DELETE FROM flags")
        con.register("__flags_merged", merged)
        try:
            con.execute(f"INSERT INTO flags ({', '.join(merged.columns)}) SELECT * FROM __flags_merged")
        finally:
            con.unregister("__flags_merged")
    unplaced = con.execute("SELECT count(*) FROM flag_dispositions WHERE flag_id NOT IN "
                           "(SELECT flag_id FROM flags)").fetchall()[0][0]
    con.execute("INSERT OR REPLACE INTO flag_meta VALUES ('id_scheme', ?)", [ID_SCHEME])
    return Migration(old.height, merged.height, moved, unplaced)
