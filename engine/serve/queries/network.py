"""A child's household over time and the network around them: people, places, relationship rows.

Two hops: the child's places and relationships, then the people seen at those places
(or bailed to them) and the places of the people related to the child. A person bailed to
an address where the child lives is a path child - place - person; the flag that found it
marks that edge.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from chronolink.engine.chronology.display import display_names, place_texts, risk_markers
from chronolink.engine.store.lookup import keyed

PEOPLE_PER_PLACE = 25  # a hostel or a block of flats would otherwise bury the child's own people
MAX_PLACES = 40
FIELD_LABELS = {"BailAddress": "bailed to", "HomeAddress": "home address", "Address": "seen at",
                "address": "seen at"}


@dataclass
class Resident:
    """Who was seen at one of the child's places, when, by whose records."""

    person_id: str
    name: str
    first: dt.date
    last: dt.date
    agencies: list[str]
    fields: list[str]
    risk: list[str]


@dataclass
class Household:
    """The people seen at one of the child's places, each with first and last dates."""

    place_id: str
    address: str
    residents: list[Resident]


@dataclass
class Network:
    """Cytoscape elements plus the household over time: who lives with the child now (at the child's
    latest place, seen there while the child was, and seen nowhere else since), and who lived with
    the child before (everyone else at that place, and the child's earlier places)."""

    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    now: Household | None = None
    before: list[Household] = field(default_factory=list)

    def elements(self) -> dict:
        return {"nodes": [{"data": n} for n in self.nodes], "edges": [{"data": e} for e in self.edges]}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def network(con: duckdb.DuckDBPyConnection, child: str, as_of: dt.date) -> Network:
    """The network two hops around a child, and who lived at each of the child's places when."""
    own = _rows(con, """SELECT address_id, min(date) AS first, max(date) AS last, list(DISTINCT agency) AS agencies
                        FROM observations WHERE person_id = ? AND date <= ? GROUP BY address_id
                        ORDER BY last DESC LIMIT ?""", [child, as_of, MAX_PLACES])
    places = [r["address_id"] for r in own]
    related = _rows(con, """
        SELECT rel.person_id, any_value(lower(rel.role)) AS role, min(rel.source_file || ':' || rel.source_row) AS src
        FROM person_mentions c JOIN person_mentions rel ON rel.record_id = c.record_id AND rel.slot = 'related'
        WHERE c.slot = 'child' AND c.person_id = ? AND rel.person_id IS NOT NULL AND rel.person_id <> ?
        GROUP BY rel.person_id""", [child, child])
    at_places = _rows(con, f"""
        SELECT * FROM (
          SELECT address_id, person_id, min(date) AS first, max(date) AS last, list(DISTINCT agency) AS agencies,
                 list(DISTINCT field) AS fields,
                 row_number() OVER (PARTITION BY address_id ORDER BY bool_or(field = 'BailAddress') DESC,
                                    count(*) DESC, person_id) AS rk
          FROM observations WHERE address_id IN (SELECT unnest(?)) AND person_id <> ? AND date <= ?
          GROUP BY address_id, person_id)
        WHERE rk <= {PEOPLE_PER_PLACE}""", [places, child, as_of])
    rel_ids = [r["person_id"] for r in related]
    rel_places = _rows(con, """
        SELECT person_id, address_id, min(date) AS first, max(date) AS last, list(DISTINCT field) AS fields
        FROM observations WHERE person_id IN (SELECT unnest(?)) AND date <= ? GROUP BY ALL""", [rel_ids, as_of])
    flags = _rows(con, """SELECT flag_id, rule, other_person_id, address_id, trigger_date FROM flags
                          WHERE child_person_id = ?""", [child])
    people = sorted({child, *rel_ids, *(r["person_id"] for r in at_places)})
    all_places = sorted(set(places) | {r["address_id"] for r in rel_places})
    names = display_names(con, people)
    texts = place_texts(con, all_places)
    risk = risk_markers(con, people, as_of)
    net = Network()
    for pid in people:
        net.nodes.append({"id": pid, "kind": "person", "label": names[pid], "short": names[pid],
                          "risk": ", ".join(risk.get(pid, [])), "child": pid == child})
    for aid in all_places:
        text = texts.get(aid, aid)
        net.nodes.append({"id": aid, "kind": "place", "label": text, "short": street_line(text),
                          "childplace": aid in places})
    flag_on: dict[tuple[str, str], list[str]] = {}
    for f in flags:
        for a, b in ((f["other_person_id"], f["address_id"]), (child, f["other_person_id"])):
            if a and b:
                flag_on.setdefault((a, b), []).append(f["rule"])
    seen: set[tuple[str, str]] = set()

    def edge(a: str, b: str, label: str, when: str) -> None:
        if (a, b) in seen or a not in names and a not in texts or b not in names and b not in texts:
            return
        seen.add((a, b))
        rules = sorted(set(flag_on.get((a, b), []) + flag_on.get((b, a), [])))
        net.edges.append({"id": f"{a}-{b}", "source": a, "target": b, "label": label, "when": when,
                          "flags": ", ".join(rules), "flagged": bool(rules)})

    for r in own:
        edge(child, r["address_id"], "lived at", f"{r['first']} to {r['last']}")
    for r in related:
        edge(child, r["person_id"], r["role"] or "related", f"relationship row {r['src']}")
    for r in at_places + rel_places:
        label = ", ".join(sorted({FIELD_LABELS.get(f, "seen at") for f in r["fields"]}))
        edge(r["person_id"], r["address_id"], label, f"{r['first']} to {r['last']}")
    latest = _latest_places(con, [r["person_id"] for r in at_places if places and r["address_id"] == places[0]], as_of)
    for aid in places:
        residents = [Resident(r["person_id"], names[r["person_id"]], r["first"], r["last"], sorted(r["agencies"]),
                              sorted({FIELD_LABELS.get(f, "seen at") for f in r["fields"]}), risk.get(r["person_id"], []))
                     for r in at_places if r["address_id"] == aid]
        mine = next(r for r in own if r["address_id"] == aid)
        me = Resident(child, names[child], mine["first"], mine["last"], sorted(mine["agencies"]), ["seen at"],
                      risk.get(child, []))
        if aid == places[0]:  # the child's latest place: who is there now, and who was before
            now = [r for r in residents if latest.get(r.person_id) == aid and r.last >= me.first]
            gone = [r for r in residents if r not in now]
            net.now = Household(aid, texts.get(aid, aid), [me, *sorted(now, key=lambda r: (r.first, r.person_id))])
            if gone:
                net.before.append(Household(aid, texts.get(aid, aid), sorted(gone, key=lambda r: (r.first, r.person_id))))
        else:
            net.before.append(Household(aid, texts.get(aid, aid),
                                        sorted([me, *residents], key=lambda r: (r.first, r.person_id))))
    return net


def street_line(address: str) -> str:
    """An address as written without its last two parts (town, postcode) when it has three or more: the
    network's label for a place (the whole text shows on hover)."""
    parts = address.split(", ")
    return ", ".join(parts[:-2]) if len(parts) >= 3 else address


def _latest_places(con: duckdb.DuckDBPyConnection, people: list[str], as_of: dt.date) -> dict[str, str]:
    """Each person's latest place on or before `as_of` (where they were last seen)."""
    theirs, params = keyed("p", "person_places", "person_id", people)
    return dict(con.execute(f"""
        WITH {theirs}
        SELECT person_id, arg_max(address_id, last_seen) FROM p WHERE first_seen <= ? GROUP BY person_id
    """, [*params, as_of]).fetchall())
