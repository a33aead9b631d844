"""The place review queue: an address row whose house number may be a slip, beside a row of the place
it may belong to, with the people on each record and the people seen at each place."""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from chronolink.engine.chronology.display import display_names
from chronolink.engine.link.place_review import PLACE_REVIEW
from chronolink.engine.store.keys import parse_mention_key
from chronolink.engine.store.lookup import keyed

# Every field of an address row, as the side-by-side table shows them (label, column).
FIELDS = (
    ("Address as written", "raw"), ("Flat", "flat"), ("House number", "number"), ("Number suffix", "number_suffix"),
    ("Building", "building"), ("Street", "street"), ("Town", "town"), ("Postcode", "postcode"),
    ("Postcode valid", "postcode_valid"), ("UPRN", "uprn"), ("Address field", "field"), ("Place id now", "address_id"),
)
RECORD_FIELDS = (("Agency", "agency"), ("Event", "event_label"), ("Date", "event_date"), ("Reference", "ref"))
SEEN_AT_PLACE = 12  # the people seen at each place, most recent first: enough to weigh a slip


@dataclass
class PlaceSide:
    """One address row of the pair: its fields, its record, the people the record names, who was seen at
    its place now."""

    key: str
    row: dict
    record: dict
    people: list[dict] = field(default_factory=list)
    residents: list[dict] = field(default_factory=list)
    residents_total: int = 0


@dataclass
class PlacePair:
    """A queued place pair: the row (`row`) and a row of the place proposed for it (`proposed`)."""

    review_id: int
    status: str
    evidence: str | None
    row: PlaceSide | None
    proposed: PlaceSide | None
    note: str | None = None
    decided_by: str | None = None

    def people(self) -> list[str]:
        """Everyone the page names (for the audit trail)."""
        return sorted({p["person_id"] for s in (self.row, self.proposed) if s is not None
                       for p in [*s.people, *s.residents] if p["person_id"]})


def has_queue(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the store has a place review queue (a store linked before it existed has none)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND database_name = "
                            "current_database()", [PLACE_REVIEW]).fetchall()[0][0])


def progress(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many place pairs are pending and decided."""
    rows = dict(con.execute(f"SELECT status, count(*) FROM {PLACE_REVIEW} GROUP BY status").fetchall()
                ) if has_queue(con) else {}
    return {"pending": rows.get("pending", 0), "accepted": rows.get("accepted", 0),
            "rejected": rows.get("rejected", 0), "total": sum(rows.values())}


def next_pending(con: duckdb.DuckDBPyConnection, skip: set[int]) -> int | None:
    """The first pending place pair not skipped in this session (queue order)."""
    if not has_queue(con):
        return None
    row = con.execute(f"""SELECT review_id FROM {PLACE_REVIEW} WHERE status = 'pending'
                          AND review_id NOT IN (SELECT unnest(?::BIGINT[])) ORDER BY review_id LIMIT 1""",
                      [sorted(skip)]).fetchall()
    return row[0][0] if row else None


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _side(con: duckdb.DuckDBPyConnection, key: str) -> PlaceSide | None:
    parts = parse_mention_key(key)
    if parts is None:
        return None
    rows = _dicts(con, "SELECT * FROM address_mentions WHERE source_file = ? AND source_row = ? AND field = ?",
                  list(parts))
    if not rows:
        return None
    row = rows[0]
    recs = _dicts(con, "SELECT * FROM records WHERE record_id = ?", [row["record_id"]])
    theirs, params = keyed("theirs", "person_mentions", "record_id", [row["record_id"]],
                           "person_id, name_raw, role, slot")
    people = _dicts(con, f"WITH {theirs} SELECT * FROM theirs ORDER BY slot, person_id", params)
    residents: list[dict] = []
    total = 0
    if row["address_id"]:
        seen, sparams = keyed("seen", "observations", "address_id", [row["address_id"]], "person_id, date, agency")
        residents = _dicts(con, f"""
            WITH {seen} SELECT person_id, min(date) AS first, max(date) AS last, list(DISTINCT agency ORDER BY agency)
                               AS agencies, count(*) OVER () AS total
            FROM seen WHERE person_id IS NOT NULL GROUP BY person_id
            ORDER BY last DESC NULLS LAST, person_id LIMIT {SEEN_AT_PLACE}""", sparams)
        total = residents[0]["total"] if residents else 0
        names = display_names(con, [r["person_id"] for r in residents])
        for r in residents:
            r["name"] = names.get(r["person_id"], r["person_id"])
    return PlaceSide(key, row, recs[0] if recs else {}, people, residents, total)


def place_pair(con: duckdb.DuckDBPyConnection, review_id: int) -> PlacePair | None:
    """A queued place pair with both rows, their records, the people on them and at each place."""
    if not has_queue(con):
        return None
    row = con.execute(f"""SELECT review_id, status, evidence, mention_key, target_key, note, decided_by
                          FROM {PLACE_REVIEW} WHERE review_id = ?""", [review_id]).fetchall()
    if not row:
        return None
    rid, status, evidence, mk, tk, note, by = row[0]
    return PlacePair(rid, status, evidence, _side(con, mk), _side(con, tk), note=note, decided_by=by)
