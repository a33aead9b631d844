"""The review queue: a borderline pair with everything an analyst needs to decide it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from chronolink.engine.link.explain import ExplainError, explain_pair
from chronolink.engine.store.keys import mention_key_sql, parse_mention_key
from chronolink.engine.store.lookup import keyed

# Every field of a mention, as the side-by-side table shows them (label, column).
FIELDS = (
    ("Name as written", "name_raw"), ("Forename", "forename"), ("Middle names", "middle_names"),
    ("Surname", "surname"), ("Preferred forename", "preferred_forename"), ("Suffix", "name_suffix"),
    ("Date of birth", "dob"), ("Date of birth status", "dob_status"), ("Sex", "sex"),
    ("NHS number", "nhs_number"), ("NHS number valid", "nhs_valid"), ("UPN", "upn"), ("UPN valid", "upn_valid"),
    ("PNC id", "pnc"), ("PNC id valid", "pnc_valid"), ("Agency id", "local_id"), ("Role", "role"),
    ("Slot", "slot"), ("Agency", "agency"), ("Record date", "event_date"), ("Person id now", "person_id"),
)
RECORD_FIELDS = (("Event", "event_label"), ("Event type", "event_type"), ("Date", "event_date"),
                 ("Outcome", "outcome"), ("Reference", "ref"), ("Summary", "summary"), ("Address", "address"))


@dataclass
class Side:
    """One record of the pair."""

    key: str
    mention: dict
    record: dict
    linked: list[dict] = field(default_factory=list)  # other records already linked to the same person
    linked_total: int = 0


@dataclass
class Pair:
    """A queued pair and its evidence."""

    review_id: int
    status: str
    weight: float | None
    probability: float | None
    left: Side | None
    right: Side | None
    waterfall: list[dict] = field(default_factory=list)
    note: str | None = None
    decided_by: str | None = None


def progress(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many pairs are pending and decided."""
    rows = dict(con.execute("SELECT status, count(*) FROM link_review GROUP BY status").fetchall())
    return {"pending": rows.get("pending", 0), "accepted": rows.get("accepted", 0),
            "rejected": rows.get("rejected", 0), "total": sum(rows.values())}


def status(con: duckdb.DuckDBPyConnection, review_id: int) -> str | None:
    """A queued pair's status (None: no such pair)."""
    row = con.execute("SELECT status FROM link_review WHERE review_id = ?", [review_id]).fetchall()
    return row[0][0] if row else None


def next_pending(con: duckdb.DuckDBPyConnection, skip: set[int]) -> int | None:
    """The strongest pending pair not skipped in this session."""
    row = con.execute("""SELECT review_id FROM link_review WHERE status = 'pending'
                         AND review_id NOT IN (SELECT unnest(?::BIGINT[]))
                         ORDER BY match_weight DESC, review_id LIMIT 1""", [sorted(skip)]).fetchall()
    return row[0][0] if row else None


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> dict | None:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    row = cur.fetchone()
    return dict(zip(cols, row)) if row else None


def _side(con: duckdb.DuckDBPyConnection, key: str) -> Side | None:
    parts = parse_mention_key(key)
    if parts is None:
        return None
    # By file, row and slot: the store keeps mentions, records and addresses in file order, so each
    # of these reads only the block holding the row.
    m = _one(con, "SELECT * FROM person_mentions WHERE source_file = ? AND source_row = ? AND slot = ?", list(parts))
    if m is None:
        return None
    rec = _one(con, "SELECT * FROM records WHERE record_id = ?", [m["record_id"]]) or {}
    rec["address"] = con.execute("""SELECT string_agg(replace(raw, chr(10), ', '), ' | ' ORDER BY address_mention_id)
                                    FROM address_mentions WHERE record_id = ?""", [m["record_id"]]).fetchall()[0][0]
    linked, total = [], 0
    if m["person_id"]:
        # The person's other mentions by person id, then their records by id (each from an index while
        # the workbench runs: engine.serve.lookups).
        theirs, params = keyed("theirs", "person_mentions", "person_id", [m["person_id"]],
                               "mention_id, record_id, source_file, source_row, slot, agency, name_raw, dob")
        others = con.execute(f"WITH {theirs} SELECT * FROM theirs WHERE mention_id <> ?",
                             [*params, m["mention_id"]]).pl()
        total = others.height
        recs, rparams = keyed("recs", "records", "record_id", others["record_id"].unique().sort().to_list(),
                              "record_id, event_label, event_date")
        con.register("__others", others)
        try:
            cur = con.execute(f"""
                WITH {recs}
                SELECT o.source_file, o.source_row, o.slot, o.agency, o.name_raw, o.dob, r.event_label, r.event_date
                FROM __others o JOIN recs r USING (record_id)
                ORDER BY r.event_date DESC NULLS LAST, o.mention_id LIMIT 12""", rparams)
            lcols = [d[0] for d in cur.description]
            linked = [dict(zip(lcols, r)) for r in cur.fetchall()]
        finally:
            con.unregister("__others")
    return Side(key, m, rec, linked, total)


def pair(con: duckdb.DuckDBPyConnection, review_id: int, *, explain: bool = True) -> Pair | None:
    """A queued pair with both records, their source rows, what each is linked to and (with `explain`)
    the waterfall."""
    row = con.execute("""SELECT review_id, status, match_weight, match_probability, mention_key_l, mention_key_r,
                                note, decided_by FROM link_review WHERE review_id = ?""", [review_id]).fetchall()
    if not row:
        return None
    rid, status, weight, prob, kl, kr, note, by = row[0]
    p = Pair(rid, status, weight, prob, _side(con, kl), _side(con, kr), note=note, decided_by=by)
    if p.left and p.right and explain:
        try:
            steps = explain_pair(con, kl, kr)
        except ExplainError:
            steps = []
        biggest = max([abs(s["weight"]) for s in steps if s["comparison"] != "total"] + [1e-9])
        for s in steps:
            if s["comparison"] == "total":
                continue
            width = round(abs(s["weight"]) / biggest * 50, 1)
            p.waterfall.append({"comparison": s["comparison"], "level": s["label"], "weight": f"{s['weight']:+.2f}",
                                "total": f"{s['cumulative']:+.2f}", "sign": "pos" if s["weight"] >= 0 else "neg",
                                "width": width, "left": 50 if s["weight"] >= 0 else round(50 - width, 1)})
    return p


def pending_about(con: duckdb.DuckDBPyConnection, person_id: str, household: Sequence[str] = ()
                  ) -> list[tuple[int, float | None, str]]:
    """The pending pairs one of whose records is this person's or a household member's (review id, model
    probability, whose record), strongest first: the child's page links them, so an analyst settles there
    whether a record is the child's, or whether the man in the household is the one in the police record."""
    people = [person_id, *household]
    return [(int(r), p, who) for r, p, who in con.execute(f"""
        WITH mine AS (SELECT {mention_key_sql('m')} AS k, m.person_id FROM person_mentions m
                      WHERE m.person_id IN (SELECT unnest(?::VARCHAR[]))),
        hits AS (SELECT l.review_id, l.match_probability, mine.person_id FROM link_review l
                 JOIN mine ON mine.k = l.mention_key_l WHERE l.status = 'pending'
                 UNION ALL
                 SELECT l.review_id, l.match_probability, mine.person_id FROM link_review l
                 JOIN mine ON mine.k = l.mention_key_r WHERE l.status = 'pending')
        SELECT review_id, any_value(match_probability) AS p,
               CASE WHEN bool_or(person_id = ?) THEN ? ELSE min(person_id) END AS who
        FROM hits GROUP BY review_id ORDER BY p DESC NULLS LAST, review_id""",
        [people, person_id, person_id]).fetchall()]
