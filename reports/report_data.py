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
from chronolink.engine.store.lookup import in_list, keyed
from chronolink.reports import model
from chronolink.reports.coverage import data_coverage

_ID_KINDS: dict[str, model.IdentifierKind] = {"csc": "CSC Person ID", "police": "Police nominal", "probation": "Probation CRN"}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])


_ID_COLUMNS: tuple[tuple[model.IdentifierKind, str, str], ...] = (
    ("NHS number", "nhs_number", "nhs_valid"), ("UPN", "upn", "upn_valid"), ("PNC id", "pnc", "pnc_valid"))


def _child_summary(con: duckdb.DuckDBPyConnection, person_id: str, as_of: dt.date) -> model.ChildSummary:
    facts = _rows(con, "SELECT * FROM person_facts WHERE person_id = ?", [person_id])
    if not facts:
        raise UnknownPerson(f"no person {person_id} in the store (run chronolink link and flag first)")
    f = facts[0]
    # The child's mentions are read once; names and identifiers are taken from them.
    mine = con.execute("""
        SELECT agency, name_raw, source_file, source_row, nhs_number, nhs_valid, upn, upn_valid, pnc, pnc_valid,
               local_id, record_id, slot
        FROM person_mentions WHERE person_id = ?""", [person_id]).pl()
    names = [model.AgencyName(agency=r["agency"], name=r["name_raw"], source_file=r["source_file"],
                        source_row=r["source_row"])
             for r in (mine.filter(pl.col("name_raw").is_not_null())
                       .group_by("agency", "name_raw")
                       .agg(pl.col("source_file").min(), pl.col("source_row").min(), pl.len().alias("n"))
                       .sort(["agency", "n", "name_raw"], descending=[False, True, False])
                       .iter_rows(named=True))]
    ids = []
    for kind, col, ok in _ID_COLUMNS:
        for value, valid in (mine.filter(pl.col(col).is_not_null()).select(col, ok).unique()
                             .sort([col, ok], nulls_last=False).iter_rows()):
            ids.append(model.Identifier(kind=kind, value=value, valid=valid))
    for local in mine["local_id"].drop_nulls().unique().sort().to_list():
        prefix, _, value = local.partition(":")
        if prefix in _ID_KINDS:
            ids.append(model.Identifier(kind=_ID_KINDS[prefix], value=value))
    mine_places, params = keyed("p", "person_places", "person_id", [person_id])
    places = _rows(con, f"""WITH {mine_places} SELECT * FROM p WHERE first_seen <= ?
                            ORDER BY last_seen DESC, observations DESC LIMIT 1""", [*params, as_of])
    current = None
    if places:
        p = places[0]
        current = model.CurrentPlace(address=place_texts(con, [p["address_id"]]).get(p["address_id"], p["address_id"]),
                               place_id=p["address_id"], since=p["first_seen"],
                               seen_by=[a for a in p["agencies"] if a])
    child_records = mine.filter(pl.col("slot") == "child")["record_id"].unique().sort().to_list()
    household, names_of = _household(con, person_id, as_of, current.place_id if current else None, child_records)
    return model.ChildSummary(person_id=person_id, display_name=names_of[person_id],
                        dob=f["dob"], sex=f["sex"], names=names, identifiers=ids, current_place=current,
                        household=household)


def _household(con: duckdb.DuckDBPyConnection, person_id: str, as_of: dt.date, current: str | None,
               child_records: list[int]) -> tuple[list[model.HouseholdMember], dict[str, str]]:
    """People around the child in three kinds: living with them now (seen at the child's current place
    in a period overlapping theirs, and seen nowhere else since), lived with them before (seen with them
    at a place in overlapping periods), and related by a relationship row only (never seen with them).
    Also returns the display names of the child and of everyone listed."""
    as_a, pa = keyed("as_a", "coresidence", "person_a", [person_id])
    as_b, pb = keyed("as_b", "coresidence", "person_b", [person_id])
    rows = _rows(con, f"""
        WITH {as_a}, {as_b}
        SELECT person_b AS other, address_id, overlap_from, overlap_to FROM as_a WHERE overlap_from <= ?
        UNION ALL
        SELECT person_a, address_id, overlap_from, overlap_to FROM as_b WHERE overlap_from <= ?
    """, [*pa, *pb, as_of, as_of])
    # the people named in the related slot of the records naming the child in their child slot
    recs, params = keyed("recs", "person_mentions", "record_id", child_records, "record_id, slot, role, mention_id, "
                         "person_id")
    rel = dict(con.execute(f"""
        WITH {recs}
        SELECT person_id, any_value(role ORDER BY mention_id) FROM recs
        WHERE slot = 'related' AND person_id IS NOT NULL GROUP BY person_id
    """, params).fetchall())
    others = sorted({r["other"] for r in rows} | set(rel))
    names = display_names(con, [person_id, *others])
    if not others:
        return [], names
    texts = place_texts(con, sorted({r["address_id"] for r in rows}))
    markers = risk_markers(con, others, as_of)
    ids, params = in_list(others)
    dobs = dict(con.execute(f"SELECT person_id, dob FROM person_facts WHERE person_id IN {ids}", params).fetchall())
    theirs, tparams = keyed("p", "person_places", "person_id", others)
    latest = dict(con.execute(f"""
        WITH {theirs}
        SELECT person_id, arg_max(address_id, last_seen) FROM p WHERE first_seen <= ? GROUP BY person_id
    """, [*tparams, as_of]).fetchall())
    members = []
    kind: model.MemberKind
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
        members.append(model.HouseholdMember(
            person_id=other, name=names[other], role=(rel.get(other) or "seen at the same address").lower(),
            dob=dobs.get(other), risk_markers=markers.get(other, []), kind=kind,
            places_shared=sorted({texts.get(r["address_id"], r["address_id"]) for r in mine}),
            period_from=start, period_to=end))
    order = {"current": 0, "past": 1, "related": 2}
    return sorted(members, key=lambda m: (order[m.kind], not m.risk_markers, m.name)), names


_EVENT_COLUMNS = """event_id, event_date AS date, event_time AS time, end_date, agency, event_type,
                    event_label AS label, summary, outcome, date_raw AS date_as_written"""


def _events(con: duckdb.DuckDBPyConnection, event_ids: list[str], flag_rows: dict[tuple[str, int], str]
            ) -> pl.DataFrame:
    """These events with their sources, places and people. Each table is read by its key (a join would
    read the whole table to find a few rows), and the pieces are put together here."""
    ids, params = in_list(sorted(set(event_ids)))
    cols = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'chronology' "
                                      "AND database_name = current_database()").fetchall()}
    chosen = _EVENT_COLUMNS if "date_raw" in cols else _EVENT_COLUMNS.replace(
        "date_raw AS date_as_written", "NULL::VARCHAR AS date_as_written")
    frame = con.execute(f"SELECT {chosen} FROM chronology WHERE event_id IN {ids}", params).pl()
    sources = con.execute(f"""
        SELECT event_id, list(source_file || ':' || source_row::VARCHAR ORDER BY source_file, source_row) AS sources
        FROM event_sources WHERE event_id IN {ids} GROUP BY event_id""", params).pl()
    at = con.execute(f"SELECT event_id, address_mention_id FROM event_places WHERE event_id IN {ids}", params).pl()
    ams, aparams = in_list(at["address_mention_id"].drop_nulls().unique().sort().to_list())
    raw = con.execute(f"""SELECT address_mention_id, replace(raw, chr(10), ', ') AS raw FROM address_mentions
                          WHERE address_mention_id IN {ams}""", aparams).pl()
    who = con.execute(f"SELECT event_id, person_id, role, mention_id FROM event_people WHERE event_id IN {ids}",
                      params).pl()
    mids, mparams = in_list(who["mention_id"].drop_nulls().unique().sort().to_list())
    written = con.execute(f"SELECT mention_id, name_raw FROM person_mentions WHERE mention_id IN {mids}",
                          mparams).pl()
    con.register("__ev", frame)
    con.register("__ev_sources", sources)
    con.register("__ev_at", at)
    con.register("__ev_raw", raw)
    con.register("__ev_who", who)
    con.register("__ev_written", written)
    try:
        frame = con.execute("""
            SELECT c.*, s.sources,
                   (SELECT string_agg(DISTINCT a.raw, ' | ' ORDER BY a.raw)
                      FROM __ev_at p JOIN __ev_raw a USING (address_mention_id) WHERE p.event_id = c.event_id
                   ) AS place,
                   (SELECT string_agg(coalesce(w.name_raw, ep.person_id) ||
                           CASE WHEN ep.role IS NOT NULL THEN ' (' || lower(ep.role) || ')' ELSE '' END, '; '
                           ORDER BY ep.person_id)
                      FROM __ev_who ep LEFT JOIN __ev_written w USING (mention_id) WHERE ep.event_id = c.event_id
                   ) AS people
            FROM __ev c LEFT JOIN __ev_sources s USING (event_id)
        """).pl()
    finally:
        for name in ("__ev", "__ev_sources", "__ev_at", "__ev_raw", "__ev_who", "__ev_written"):
            con.unregister(name)
    if frame.height and flag_rows:
        sig = pl.DataFrame({"src": [f"{f}:{r}" for f, r in flag_rows], "sig": list(flag_rows.values())})
        hits = (frame.select("event_id", "sources").explode("sources").join(sig, left_on="sources", right_on="src")
                .group_by("event_id").agg(pl.col("sig").unique().sort().str.join("; ").alias("significance")))
        frame = frame.join(hits, on="event_id", how="left")
    else:
        frame = frame.with_columns(significance=pl.lit(None, pl.String))
    return frame


def _flags(con: duckdb.DuckDBPyConnection, children: list[str], address_id: str | None = None,
           waterfalls: bool = True, names: dict[str, str] | None = None
           ) -> tuple[list[model.Flag], dict[tuple[str, int], str]]:
    """Flags about these children (and, for a household, at this place), and the rows they cite.
    Without `waterfalls`, each link carries its two mention ids and no waterfall (`link_waterfall`
    gives it when asked for); `names`: display names already read."""
    if not _has(con, "flags"):
        return [], {}

    frame = flags_with_dispositions(con, None if address_id is not None else children)
    keep = pl.col("child_person_id").is_in(children)
    if address_id is not None:  # at this place: any firing of the concern here
        keep = (keep & (pl.col("address_ids").list.len() == 0)) | pl.col("address_ids").list.contains(address_id)
    frame = frame.filter(keep)
    people = sorted(set(frame["child_person_id"].drop_nulls()) | set(frame["other_person_id"].drop_nulls()))
    names = dict(names or {})
    names.update(display_names(con, [p for p in people if p not in names]))
    places = place_texts(con, sorted(set(frame["address_ids"].explode().drop_nulls())
                                     | set(frame["address_id"].drop_nulls())))
    evidence = [json.loads(e) if e else {} for e in frame["evidence"]]
    # Every flag's cited records and link ends, each read once for all the flags.
    summaries = _record_summaries(con, [r for ev in evidence for r in (ev.get("records") or [])])
    ends = _link_ends(con, [lk[k] for ev in evidence for lk in (ev.get("links") or [])
                            for k in ("mention_id_l", "mention_id_r")])
    flags, rows = [], {}
    for f, ev in zip(frame.iter_rows(named=True), evidence):
        cited = [model.Evidence(source_file=r["source_file"], source_row=r["source_row"], role=r.get("role") or "",
                          summary=summaries.get((r["source_file"], r["source_row"]), ""))
                 for r in (ev.get("records") or [])]
        for r in (ev.get("records") or []):
            rows[(r["source_file"], r["source_row"])] = f"flag: {f['rule']}"
        flags.append(model.Flag(
            flag_id=f["flag_id"], rule=f["rule"], trigger_date=f["trigger_date"],
            child=f"{names.get(f['child_person_id'], f['child_person_id'])} ({f['child_person_id']})",
            other_person=(f"{names.get(f['other_person_id'], f['other_person_id'])} ({f['other_person_id']})"
                          if f["other_person_id"] else None),
            place=places.get(f["address_id"]) if f["address_id"] else None,
            evidence=cited,
            disposition=model.Disposition(status=f["status"], by=f["actor"], at=f["decided_at"], reason=f["reason"]),
            links=[_link(con, lk, ends, waterfalls) for lk in (ev.get("links") or [])],
            occurrences=[model.Occurrence(trigger_date=dt.date.fromisoformat(o["trigger_date"]),
                                    place=places.get(o["address_id"]) if o.get("address_id") else None)
                         for o in (ev.get("occurrences") or [])]))
    return flags, rows


def _record_summaries(con: duckdb.DuckDBPyConnection, recs: list[dict]) -> dict[tuple[str, int], str]:
    """`(source_file, source_row)` -> what the record says, for records cited by flag evidence."""
    if not recs:
        return {}
    # Evidence names its mention: the record is found through it by id (an index answers both steps).
    keys = pl.DataFrame({"source_file": [r["source_file"] for r in recs],
                         "source_row": [int(r["source_row"]) for r in recs]}).unique()
    cols = "record_id, source_file, source_row, event_label, event_type, event_date, summary"
    if all(r.get("mention_id") is not None for r in recs):
        # Evidence names its mentions: their records are read by id (an index answers both steps).
        mids, params = in_list(sorted({int(r["mention_id"]) for r in recs}))
        by_mention = [rid for (rid,) in con.execute(
            f"SELECT DISTINCT record_id FROM person_mentions WHERE mention_id IN {mids}", params).fetchall()]
        cited, params = keyed("cited", "records", "record_id", sorted(by_mention), cols)
    else:  # evidence of an older run: found by file and row
        cited, params = f"cited AS (SELECT {cols} FROM records)", []
    con.register("__keys", keys)
    try:
        rows = con.execute(f"""
            WITH {cited}
            SELECT r.source_file, r.source_row, coalesce(r.event_label, r.event_type, '') ||
                   CASE WHEN r.event_date IS NOT NULL THEN ' on ' || r.event_date::VARCHAR ELSE '' END ||
                   CASE WHEN r.summary IS NOT NULL THEN ': ' || left(r.summary, 200) ELSE '' END
            FROM cited r JOIN __keys k ON k.source_file = r.source_file AND k.source_row = r.source_row
        """, params).fetchall()
    finally:
        con.unregister("__keys")
    return {(f, r): s for f, r, s in rows}


def _link_ends(con: duckdb.DuckDBPyConnection, mention_ids: list[int]) -> dict[int, str]:
    """Mention id -> `file:row slot`, for the ends of the links flags rely on."""
    ids, params = in_list(sorted(set(mention_ids)))
    return {m: f"{f}:{r} {s}" for m, f, r, s in con.execute(
        f"SELECT mention_id, source_file, source_row, slot FROM person_mentions WHERE mention_id IN {ids}",
        params).fetchall()}


def link_waterfall(con: duckdb.DuckDBPyConnection, mention_l: int, mention_r: int) -> list[model.WaterfallStep]:
    """Why two mentions were linked: the match-weight waterfall under the latest model (empty when it
    cannot be explained, as for a link from an older run)."""
    try:

        return [model.WaterfallStep(comparison=r["comparison"], level=str(r["label"]), weight=r["weight"])
                for r in explain_pair(con, mention_l, mention_r) if r["comparison"] != "total"]
    except Exception:  # an explanation is a courtesy: a link from an older run still shows its score
        return []


def _link(con: duckdb.DuckDBPyConnection, lk: dict, ends: dict[int, str], waterfall: bool) -> model.Link:
    left, right = lk["mention_id_l"], lk["mention_id_r"]
    return model.Link(description=f"{ends.get(left, left)} ↔ {ends.get(right, right)}",
                match_weight=lk.get("match_weight"), match_probability=lk.get("match_probability"),
                waterfall=link_waterfall(con, left, right) if waterfall else [],
                mention_id_l=left, mention_id_r=right)


def flag_links(con: duckdb.DuckDBPyConnection, flag_id: str) -> list[model.Link]:
    """The links one stored flag relies on, each with its waterfall."""
    rows = con.execute("SELECT evidence FROM flags WHERE flag_id = ?", [flag_id]).fetchall() if _has(con, "flags") \
        else []
    links = (json.loads(rows[0][0]) if rows and rows[0][0] else {}).get("links") or []
    ends = _link_ends(con, [lk[k] for lk in links for k in ("mention_id_l", "mention_id_r")])
    return [_link(con, lk, ends, True) for lk in links]


def flags_about(con: duckdb.DuckDBPyConnection, children: list[str], *, waterfalls: bool = True) -> list[model.Flag]:
    """The stored flags about these children, with evidence, links and their latest decision."""
    return _flags(con, children, waterfalls=waterfalls)[0]


def _unjudged(con: duckdb.DuckDBPyConnection, person_ids: list[str]) -> list[model.Unjudged]:
    """The undated records about these people that the last flag run's rules could not judge."""

    return [model.Unjudged(source_file=r["source_file"], source_row=r["source_row"], event=r["event_type"] or "",
                     date_status=r["date_status"] or "missing", rules=r["rules"])
            for r in unjudged_records(con, person_ids).iter_rows(named=True)]


def child_report_data(con: duckdb.DuckDBPyConnection, person_id: str, as_of: dt.date, *, waterfalls: bool = True,
                      coverage: model.DataCoverage | None = None) -> model.ChildReportData:
    """Everything one child's report shows. Without `waterfalls`, links come without their waterfalls
    (see `link_waterfall`); pass `coverage` when it is already known (it is the same for every child)."""
    child = _child_summary(con, person_id, as_of)
    known = {person_id: child.display_name, **{m.person_id: m.name for m in child.household}}
    flags, flag_rows = _flags(con, [person_id], waterfalls=waterfalls, names=known)
    event_ids = [e for (e,) in con.execute("SELECT event_id FROM event_people WHERE person_id = ?",
                                           [person_id]).fetchall()]
    events = _events(con, event_ids, flag_rows)
    return model.ChildReportData(as_of=as_of, child=child, events=events, flags=flags,
                           unjudged=_unjudged(con, [person_id]),
                           coverage=coverage if coverage is not None else data_coverage(con))


def household_report_data(con: duckdb.DuckDBPyConnection, address_id: str, as_of: dt.date) -> model.HouseholdReportData:
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
    ids, params = in_list(pids)
    dobs = dict(con.execute(f"SELECT person_id, dob FROM person_facts WHERE person_id IN {ids}", params).fetchall())
    members = [model.ResidentPeriods(person_id=r["person_id"], name=names[r["person_id"]], dob=dobs.get(r["person_id"]),
                               risk_markers=markers.get(r["person_id"], []),
                               periods=[model.Period(start=r["start"], end=r["last"], sources=sorted(r["sources"])[:20])])
               for r in res]
    flags, flag_rows = _flags(con, pids, address_id)
    event_ids = [e for (e,) in con.execute("SELECT event_id FROM event_places WHERE address_id = ?",
                                           [address_id]).fetchall()]
    events = _events(con, event_ids, flag_rows)
    return model.HouseholdReportData(as_of=as_of, place=model.PlaceSummary(place_id=address_id, address=text[address_id],
                                                               seen_by=seen),
                               members=members, events=events, flags=flags, unjudged=_unjudged(con, pids),
                               coverage=data_coverage(con))
