"""Gather everything one child's (or one household's) report shows from the store: the reports' view model.

It sits beside the reports, above the flags and the link stage it reads, so the chronology depends on
nothing above it (docs/architecture.md, "Import layering"). The renderer reads only the contract
objects built here (reports.model); this module only queries. Names are shown as agencies wrote them; ids are linked ids.
"""
from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl

from chronolink.engine.chronology.display import display_names, place_texts, risk_markers  # noqa: F401 (re-exported)
from chronolink.engine.errors import UnknownPerson  # noqa: F401 (re-exported: its home is engine.errors)
from chronolink.engine.flags import flags_with_dispositions, unjudged_records
from chronolink.engine.link.explain import explain_pair
from chronolink.reports.coverage import data_coverage
from chronolink.reports.model import (
    AgencyName,
    ChildReportData,
    ChildSummary,
    CurrentPlace,
    Disposition,
    Evidence,
    Flag,
    HouseholdMember,
    HouseholdReportData,
    Identifier,
    IdentifierKind,
    Link,
    MemberKind,
    Occurrence,
    Period,
    PlaceSummary,
    ResidentPeriods,
    Unjudged,
    WaterfallStep,
)

_ID_KINDS: dict[str, IdentifierKind] = {"csc": "CSC Person ID", "police": "Police nominal", "probation": "Probation CRN"}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])


def _child_summary(con: duckdb.DuckDBPyConnection, person_id: str, as_of: dt.date) -> ChildSummary:
    facts = _rows(con, "SELECT * FROM person_facts WHERE person_id = ?", [person_id])
    if not facts:
        raise UnknownPerson(f"no person {person_id} in the store (run chronolink link and flag first)")
    f = facts[0]
    names = [AgencyName(agency=r["agency"], name=r["name_raw"], source_file=r["source_file"],
                        source_row=r["source_row"])
             for r in _rows(con, """
                SELECT agency, name_raw, min(source_file) AS source_file, min(source_row) AS source_row
                FROM person_mentions WHERE person_id = ? AND name_raw IS NOT NULL
                GROUP BY agency, name_raw ORDER BY agency, count(*) DESC, name_raw""", [person_id])]
    ids = []
    checked: tuple[tuple[IdentifierKind, str, str], ...] = (
        ("NHS number", "nhs_number", "nhs_valid"), ("UPN", "upn", "upn_valid"), ("PNC id", "pnc", "pnc_valid"))
    for kind, col, ok in checked:
        for value, valid in con.execute(
                f"SELECT DISTINCT {col}, {ok} FROM person_mentions WHERE person_id = ? AND {col} IS NOT NULL "
                f"ORDER BY 1", [person_id]).fetchall():
            ids.append(Identifier(kind=kind, value=value, valid=valid))
    for (local,) in con.execute("SELECT DISTINCT local_id FROM person_mentions WHERE person_id = ? "
                                "AND local_id IS NOT NULL ORDER BY 1", [person_id]).fetchall():
        prefix, _, value = local.partition(":")
        if prefix in _ID_KINDS:
            ids.append(Identifier(kind=_ID_KINDS[prefix], value=value))
    places = _rows(con, """SELECT * FROM person_places WHERE person_id = ? AND first_seen <= ?
                           ORDER BY last_seen DESC, observations DESC LIMIT 1""", [person_id, as_of])
    current = None
    if places:
        p = places[0]
        current = CurrentPlace(address=place_texts(con, [p["address_id"]]).get(p["address_id"], p["address_id"]),
                               place_id=p["address_id"], since=p["first_seen"],
                               seen_by=[a for a in p["agencies"] if a])
    household = _household(con, person_id, as_of, current.place_id if current else None)
    return ChildSummary(person_id=person_id, display_name=display_names(con, [person_id])[person_id],
                        dob=f["dob"], sex=f["sex"], names=names, identifiers=ids, current_place=current,
                        household=household)


def _household(con: duckdb.DuckDBPyConnection, person_id: str, as_of: dt.date,
               current: str | None) -> list[HouseholdMember]:
    """People around the child in three kinds: living with them now (seen at the child's current place
    in a period overlapping theirs, and seen nowhere else since), lived with them before (seen with them
    at a place in overlapping periods), and related by a relationship row only (never seen with them)."""
    rows = _rows(con, """
        SELECT CASE WHEN person_a = ? THEN person_b ELSE person_a END AS other, address_id,
               overlap_from, overlap_to
        FROM coresidence WHERE (person_a = ? OR person_b = ?) AND overlap_from <= ?
    """, [person_id, person_id, person_id, as_of])
    rel = dict(con.execute("""
        SELECT rel.person_id, any_value(rel.role ORDER BY rel.mention_id) FROM person_mentions c
        JOIN person_mentions rel ON rel.record_id = c.record_id AND rel.slot = 'related'
        WHERE c.slot = 'child' AND c.person_id = ? AND rel.person_id IS NOT NULL GROUP BY rel.person_id
    """, [person_id]).fetchall())
    if not rows and not rel:
        return []
    others = sorted({r["other"] for r in rows} | set(rel))
    names = display_names(con, others)
    texts = place_texts(con, sorted({r["address_id"] for r in rows}))
    markers = risk_markers(con, others, as_of)
    dobs = dict(con.execute("SELECT person_id, dob FROM person_facts WHERE person_id IN (SELECT unnest(?))",
                            [others]).fetchall())
    latest = dict(con.execute("""
        SELECT person_id, arg_max(address_id, last_seen) FROM person_places
        WHERE person_id IN (SELECT unnest(?)) AND first_seen <= ? GROUP BY person_id
    """, [others, as_of]).fetchall())
    members = []
    kind: MemberKind
    for other in others:
        mine = [r for r in rows if r["other"] == other]
        here = [r for r in mine if r["address_id"] == current]
        if here and latest.get(other) == current:
            kind, start, end = "current", min(r["overlap_from"] for r in here), None
        elif mine:
            kind = "past"
            start, end = min(r["overlap_from"] for r in mine), max(r["overlap_to"] for r in mine)
        else:
            kind, start, end = "related", None, None
        members.append(HouseholdMember(
            person_id=other, name=names[other], role=(rel.get(other) or "seen at the same address").lower(),
            dob=dobs.get(other), risk_markers=markers.get(other, []), kind=kind,
            places_shared=sorted({texts.get(r["address_id"], r["address_id"]) for r in mine}),
            period_from=start, period_to=end))
    order = {"current": 0, "past": 1, "related": 2}
    return sorted(members, key=lambda m: (order[m.kind], not m.risk_markers, m.name))


def _events(con: duckdb.DuckDBPyConnection, where: str, params: dict[str, object], flag_rows: dict[tuple[str, int], str]
            ) -> pl.DataFrame:
    frame = con.sql(f"""
        WITH ev AS (SELECT DISTINCT event_id FROM ({where}))
        SELECT c.event_id, c.event_date AS date, c.event_time AS time, c.end_date, c.agency, c.event_type,
               c.event_label AS label, c.summary, c.outcome, c.date_raw AS date_as_written,
               (SELECT list(s.source_file || ':' || s.source_row::VARCHAR ORDER BY s.source_file, s.source_row)
                  FROM event_sources s WHERE s.event_id = c.event_id) AS sources,
               (SELECT string_agg(DISTINCT replace(a.raw, chr(10), ', '), ' | ' ORDER BY replace(a.raw, chr(10), ', '))
                  FROM event_places p JOIN address_mentions a USING (address_mention_id)
                  WHERE p.event_id = c.event_id) AS place,
               (SELECT string_agg(coalesce(pm.name_raw, ep.person_id) ||
                       CASE WHEN ep.role IS NOT NULL THEN ' (' || lower(ep.role) || ')' ELSE '' END, '; '
                       ORDER BY ep.person_id)
                  FROM event_people ep LEFT JOIN person_mentions pm ON pm.mention_id = ep.mention_id
                  WHERE ep.event_id = c.event_id) AS people
        FROM chronology c JOIN ev USING (event_id)
    """, params=params).pl()
    if frame.height and flag_rows:
        sig = pl.DataFrame({"src": [f"{f}:{r}" for f, r in flag_rows], "sig": list(flag_rows.values())})
        hits = (frame.select("event_id", "sources").explode("sources").join(sig, left_on="sources", right_on="src")
                .group_by("event_id").agg(pl.col("sig").unique().sort().str.join("; ").alias("significance")))
        frame = frame.join(hits, on="event_id", how="left")
    else:
        frame = frame.with_columns(significance=pl.lit(None, pl.String))
    return frame


def _flags(con: duckdb.DuckDBPyConnection, children: list[str], address_id: str | None = None
           ) -> tuple[list[Flag], dict[tuple[str, int], str]]:
    """Flags about these children (and, for a household, at this place), and the rows they cite."""
    if not _has(con, "flags"):
        return [], {}

    frame = flags_with_dispositions(con)
    keep = pl.col("child_person_id").is_in(children)
    if address_id is not None:  # at this place: any firing of the concern here
        keep = (keep & (pl.col("address_ids").list.len() == 0)) | pl.col("address_ids").list.contains(address_id)
    frame = frame.filter(keep)
    people = sorted(set(frame["child_person_id"].drop_nulls()) | set(frame["other_person_id"].drop_nulls()))
    names = display_names(con, people)
    places = place_texts(con, sorted(set(frame["address_ids"].explode().drop_nulls())
                                     | set(frame["address_id"].drop_nulls())))
    flags, rows = [], {}
    for f in frame.iter_rows(named=True):
        ev = json.loads(f["evidence"]) if f["evidence"] else {}
        summaries = _record_summaries(con, ev.get("records") or [])
        evidence = [Evidence(source_file=r["source_file"], source_row=r["source_row"], role=r.get("role") or "",
                             summary=summaries.get((r["source_file"], r["source_row"]), ""))
                    for r in (ev.get("records") or [])]
        for r in (ev.get("records") or []):
            rows[(r["source_file"], r["source_row"])] = f"flag: {f['rule']}"
        flags.append(Flag(
            flag_id=f["flag_id"], rule=f["rule"], trigger_date=f["trigger_date"],
            child=f"{names.get(f['child_person_id'], f['child_person_id'])} ({f['child_person_id']})",
            other_person=(f"{names.get(f['other_person_id'], f['other_person_id'])} ({f['other_person_id']})"
                          if f["other_person_id"] else None),
            place=places.get(f["address_id"]) if f["address_id"] else None,
            evidence=evidence,
            disposition=Disposition(status=f["status"], by=f["actor"], at=f["decided_at"], reason=f["reason"]),
            links=[_link(con, lk) for lk in (ev.get("links") or [])],
            occurrences=[Occurrence(trigger_date=dt.date.fromisoformat(o["trigger_date"]),
                                    place=places.get(o["address_id"]) if o.get("address_id") else None)
                         for o in (ev.get("occurrences") or [])]))
    return flags, rows


def _record_summaries(con: duckdb.DuckDBPyConnection, recs: list[dict]) -> dict[tuple[str, int], str]:
    if not recs:
        return {}
    keys = pl.DataFrame({"source_file": [r["source_file"] for r in recs],
                         "source_row": [int(r["source_row"]) for r in recs]})
    con.register("__keys", keys)
    try:
        rows = con.execute("""
            SELECT r.source_file, r.source_row, coalesce(r.event_label, r.event_type, '') ||
                   CASE WHEN r.event_date IS NOT NULL THEN ' on ' || r.event_date::VARCHAR ELSE '' END ||
                   CASE WHEN r.summary IS NOT NULL THEN ': ' || left(r.summary, 200) ELSE '' END
            FROM records r JOIN __keys k ON k.source_file = r.source_file AND k.source_row = r.source_row
        """).fetchall()
    finally:
        con.unregister("__keys")
    return {(f, r): s for f, r, s in rows}


def _link(con: duckdb.DuckDBPyConnection, lk: dict) -> Link:
    ends = dict(((m, f"{f}:{r} {s}") for m, f, r, s in con.execute(
        "SELECT mention_id, source_file, source_row, slot FROM person_mentions WHERE mention_id IN (?, ?)",
        [lk["mention_id_l"], lk["mention_id_r"]]).fetchall()))
    steps: list[WaterfallStep] = []
    try:

        for r in explain_pair(con, lk["mention_id_l"], lk["mention_id_r"]):
            if r["comparison"] != "total":
                steps.append(WaterfallStep(comparison=r["comparison"], level=str(r["label"]), weight=r["weight"]))
    except Exception:  # an explanation is a courtesy: a link from an older run still shows its score
        steps = []
    return Link(description=f"{ends.get(lk['mention_id_l'], lk['mention_id_l'])} ↔ "
                            f"{ends.get(lk['mention_id_r'], lk['mention_id_r'])}",
                match_weight=lk.get("match_weight"), match_probability=lk.get("match_probability"),
                waterfall=steps)


def flags_about(con: duckdb.DuckDBPyConnection, children: list[str]) -> list[Flag]:
    """The stored flags about these children, with evidence, links and their latest decision."""
    return _flags(con, children)[0]


def _unjudged(con: duckdb.DuckDBPyConnection, person_ids: list[str]) -> list[Unjudged]:
    """The undated records about these people that the last flag run's rules could not judge."""

    return [Unjudged(source_file=r["source_file"], source_row=r["source_row"], event=r["event_type"] or "",
                     date_status=r["date_status"] or "missing", rules=r["rules"])
            for r in unjudged_records(con, person_ids).iter_rows(named=True)]


def child_report_data(con: duckdb.DuckDBPyConnection, person_id: str, as_of: dt.date) -> ChildReportData:
    """Everything one child's report shows."""
    child = _child_summary(con, person_id, as_of)
    flags, flag_rows = _flags(con, [person_id])
    events = _events(con, "SELECT event_id FROM event_people WHERE person_id = $pid", {"pid": person_id}, flag_rows)
    return ChildReportData(as_of=as_of, child=child, events=events, flags=flags,
                           unjudged=_unjudged(con, [person_id]), coverage=data_coverage(con))


def household_report_data(con: duckdb.DuckDBPyConnection, address_id: str, as_of: dt.date) -> HouseholdReportData:
    """Everything one place's report shows: who was there when, their events there, the flags."""
    text = place_texts(con, [address_id])
    if address_id not in text:
        raise UnknownPerson(f"no place {address_id} in the store")
    seen = [a for (a,) in con.execute("SELECT DISTINCT agency FROM observations WHERE address_id = ? ORDER BY 1",
                                     [address_id]).fetchall()]
    res = _rows(con, "SELECT person_id, min(date) AS start, max(date) AS last, list(DISTINCT source_file || ':' || "
                     "source_row::VARCHAR) AS sources FROM observations WHERE address_id = ? GROUP BY person_id "
                     "ORDER BY start, person_id", [address_id])
    pids = [r["person_id"] for r in res]
    names = display_names(con, pids)
    markers = risk_markers(con, pids, as_of)
    dobs = dict(con.execute("SELECT person_id, dob FROM person_facts WHERE person_id IN (SELECT unnest(?))",
                            [pids]).fetchall())
    members = [ResidentPeriods(person_id=r["person_id"], name=names[r["person_id"]], dob=dobs.get(r["person_id"]),
                               risk_markers=markers.get(r["person_id"], []),
                               periods=[Period(start=r["start"], end=r["last"], sources=sorted(r["sources"])[:20])])
               for r in res]
    flags, flag_rows = _flags(con, pids, address_id)
    events = _events(con, "SELECT event_id FROM event_places WHERE address_id = $aid", {"aid": address_id},
                     flag_rows)
    return HouseholdReportData(as_of=as_of, place=PlaceSummary(place_id=address_id, address=text[address_id],
                                                               seen_by=seen),
                               members=members, events=events, flags=flags, unjudged=_unjudged(con, pids),
                               coverage=data_coverage(con))
