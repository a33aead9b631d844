"""The referral inbox: every MASH referral with its child, open flags and rating."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from chronolink.engine.chronology.display import display_names
from chronolink.engine.store.keys import mention_key_sql
from chronolink.reports.rating import RatedFlag, Rating, rate

SORTS = ("received", "rating", "flags", "child")
RATING_ORDER = {"red": 0, "amber": 1, "not known": 2, "green": 3}


@dataclass
class Candidate:
    """A known person near an unmatched referral's child."""

    person_id: str
    name: str
    probability: float | None


@dataclass
class Referral:
    """One row of the inbox."""

    referral_id: str
    received: dt.date | None
    received_time: str | None
    referrer: str | None
    mention_id: int
    mention_key: str
    person_id: str | None
    name: str
    known: bool
    agencies: list[str]
    rating: Rating
    matched_to: str | None = None  # a hand match waiting for the next link run
    candidates: list[Candidate] = field(default_factory=list)


_REFERRALS = f"""
SELECT r.ref AS referral_id, r.event_date AS received, r.event_time AS received_time,
       json_extract_string(r.attrs, '$.referrer_agency') AS referrer, m.mention_id,
       {mention_key_sql('m')} AS mention_key, m.person_id, m.name_raw,
       list_filter(coalesce(f.agencies, []), a -> a <> 'mash') AS agencies
FROM records r JOIN person_mentions m USING (record_id)
LEFT JOIN person_facts f ON f.person_id = m.person_id
WHERE r.agency = 'mash' AND r.event_type = 'mash.referral' AND m.slot = 'child'
"""


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])


def flags_by_child(con: duckdb.DuckDBPyConnection, children: list[str]) -> dict[str, list[RatedFlag]]:
    """Each child's flags with their latest decision, as the rating needs them."""
    if not children or not _has(con, "flags"):
        return {}
    rows = con.execute("""
        SELECT f.child_person_id, f.rule, f.trigger_date, coalesce(d.status, 'open')
        FROM flags f LEFT JOIN (SELECT flag_id, arg_max(status, decided_at) AS status FROM flag_dispositions
                                GROUP BY flag_id) d USING (flag_id)
        WHERE f.child_person_id IN (SELECT unnest(?))
    """, [children]).fetchall()
    out: dict[str, list[RatedFlag]] = {}
    for child, rule, trigger, status in rows:
        out.setdefault(child, []).append(RatedFlag(rule, trigger, status))
    return out


def _hand_matches(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, str]:
    """Referral mention key -> the person an analyst matched it to (accepted, not yet linked)."""
    if not keys or not _has(con, "link_review"):
        return {}
    rows = con.execute(f"""
        WITH d AS (
          SELECT mention_key_l AS mine, mention_key_r AS other FROM link_review WHERE status = 'accepted'
          UNION ALL SELECT mention_key_r, mention_key_l FROM link_review WHERE status = 'accepted')
        SELECT d.mine, any_value(o.person_id) FROM d
        JOIN person_mentions o ON {mention_key_sql('o')} = d.other
        WHERE d.mine IN (SELECT unnest(?)) GROUP BY d.mine
    """, [keys]).fetchall()
    return dict(rows)


def near_candidates(con: duckdb.DuckDBPyConnection, mention_ids: list[int], limit: int = 3
                    ) -> dict[int, list[Candidate]]:
    """For each referral mention, people known to an agency whose records scored closest to it, else
    people sharing its surname and date of birth or its full name (one query for all mentions)."""
    if not mention_ids or not _has(con, "link_pairs"):
        return {}
    scored = con.execute("""
        WITH pairs AS (
          SELECT mention_id_l AS mine, mention_id_r AS other, match_probability FROM link_pairs
          WHERE mention_id_l IN (SELECT unnest($ids))
          UNION ALL SELECT mention_id_r, mention_id_l, match_probability FROM link_pairs
          WHERE mention_id_r IN (SELECT unnest($ids))
        ), best AS (
          SELECT p.mine, o.person_id, max(p.match_probability) AS prob FROM pairs p
          JOIN person_mentions o ON o.mention_id = p.other
          WHERE o.agency <> 'mash' AND o.person_id IS NOT NULL GROUP BY ALL
        ), alike AS (
          SELECT m.mention_id AS mine, o.person_id, NULL::DOUBLE AS prob
          FROM person_mentions m JOIN person_mentions o
            ON o.surname = m.surname AND (o.dob = m.dob OR o.forename = m.forename)
          WHERE m.mention_id IN (SELECT unnest($ids)) AND o.agency <> 'mash' AND o.person_id IS NOT NULL
            AND m.mention_id NOT IN (SELECT mine FROM best)
          GROUP BY ALL
        )
        SELECT mine, person_id, prob FROM (
          SELECT *, row_number() OVER (PARTITION BY mine ORDER BY prob DESC NULLS LAST, person_id) AS rk
          FROM (SELECT * FROM best UNION ALL SELECT * FROM alike))
        WHERE rk <= $limit ORDER BY mine, rk
    """, {"ids": mention_ids, "limit": limit}).fetchall()
    names = display_names(con, sorted({pid for _, pid, _ in scored}))
    out: dict[int, list[Candidate]] = {}
    for mine, pid, prob in scored:
        out.setdefault(mine, []).append(Candidate(pid, names[pid], prob))
    return out


def store_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """Changes whenever a batch, link or flag run changes what the inbox lists (not on decisions)."""
    parts: list[tuple | None] = []
    for sql in ("SELECT max(run_id) FROM link_runs", "SELECT max(flagged_at), count(*) FROM flags",
                "SELECT max(file_seq) FROM source_files"):
        try:
            parts.append(tuple(con.execute(sql).fetchall()[0]))
        except duckdb.CatalogException:
            parts.append(None)
    return tuple(parts)


@dataclass
class Snapshot:
    """What the inbox lists that only a batch run changes: referrals, names, flags (without decisions)."""

    version: tuple
    rows: list[tuple]
    names: dict[str, str]
    flags: dict[str, list[tuple[str, str, dt.date]]]  # child -> (flag_id, rule, trigger)


def snapshot(con: duckdb.DuckDBPyConnection) -> Snapshot:
    """Read the inbox's slow-changing part once per store version."""
    version = store_version(con)
    rows = con.execute(_REFERRALS + " ORDER BY r.event_date DESC NULLS LAST, r.event_time DESC NULLS LAST, r.ref"
                       ).fetchall()
    known_ids = sorted({r[6] for r in rows if r[6] and r[8]})
    flags: dict[str, list[tuple[str, str, dt.date]]] = {}
    if known_ids and _has(con, "flags"):
        for child, fid, rule, trigger in con.execute(
                "SELECT child_person_id, flag_id, rule, trigger_date FROM flags WHERE child_person_id IN "
                "(SELECT unnest(?))", [known_ids]).fetchall():
            flags.setdefault(child, []).append((fid, rule, trigger))
    return Snapshot(version, rows, display_names(con, known_ids), flags)


def _statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if not _has(con, "flag_dispositions"):
        return {}
    return dict(con.execute("SELECT flag_id, arg_max(status, decided_at) FROM flag_dispositions GROUP BY flag_id"
                            ).fetchall())


class Referrals(list):
    """The inbox's rows, and the snapshot they were read from (keep it for the next request)."""

    snapshot: Snapshot


def referrals(con: duckdb.DuckDBPyConnection, as_of: dt.date, snap: Snapshot | None = None) -> Referrals:
    """Every referral, newest first, with its child's rating from the flags' latest decisions (no candidates
    yet: see `with_candidates`). Pass the snapshot kept from an earlier call while the store is unchanged."""
    snap = snap if snap is not None and snap.version == store_version(con) else snapshot(con)
    statuses = _statuses(con)
    matched = _hand_matches(con, [r[5] for r in snap.rows if not (r[6] and r[8])])
    out = Referrals()
    for ref, received, rtime, referrer, mid, key, pid, raw, agencies in snap.rows:
        known = bool(pid and agencies)
        rated = [RatedFlag(rule, trigger, statuses.get(fid, "open")) for fid, rule, trigger in snap.flags.get(pid, [])]
        out.append(Referral(
            referral_id=ref or f"row {mid}", received=received, received_time=rtime, referrer=referrer,
            mention_id=mid, mention_key=key, person_id=pid if known else None,
            name=snap.names.get(pid, raw or "") if known else (raw or "name not recorded"), known=known,
            agencies=list(agencies or []), rating=rate(rated, as_of, known=known), matched_to=matched.get(key)))
    out.snapshot = snap
    return out


def select(rows: list[Referral], *, rating: str = "", agency: str = "", since: dt.date | None = None,
           until: dt.date | None = None, sort: str = "received", descending: bool = True) -> list[Referral]:
    """Filter by rating, agency (the referrer or any agency that knows the child) and received date; sort."""
    keep = [r for r in rows
            if (not rating or r.rating.level == rating)
            and (not agency or agency == (r.referrer or "").lower() or agency in r.agencies)
            and (since is None or (r.received is not None and r.received >= since))
            and (until is None or (r.received is not None and r.received <= until))]
    key = {
        "received": lambda r: (r.received or dt.date.min, r.received_time or "", r.referral_id),
        "rating": lambda r: (-RATING_ORDER[r.rating.level], r.rating.weight, r.received or dt.date.min),
        "flags": lambda r: (r.rating.open_flags, r.rating.weight, r.received or dt.date.min),
        "child": lambda r: (r.name.lower(), r.referral_id),
    }[sort if sort in SORTS else "received"]
    return sorted(keep, key=key, reverse=descending)


def with_candidates(con: duckdb.DuckDBPyConnection, rows: list[Referral]) -> list[Referral]:
    """Fill the near candidates of the unknown children among `rows`."""
    cands = near_candidates(con, [r.mention_id for r in rows if not r.known])
    for r in rows:
        r.candidates = cands.get(r.mention_id, [])
    return rows


def candidate_mention(con: duckdb.DuckDBPyConnection, mention_id: int, person_id: str) -> str | None:
    """The key of the person's mention that best matches the referral mention (for a hand match)."""
    row = con.execute(f"""
        WITH pairs AS (
          SELECT mention_id_r AS other, match_weight FROM link_pairs WHERE mention_id_l = $m
          UNION ALL SELECT mention_id_l, match_weight FROM link_pairs WHERE mention_id_r = $m)
        SELECT {mention_key_sql('o')} FROM person_mentions o LEFT JOIN pairs p ON p.other = o.mention_id
        WHERE o.person_id = $p AND o.agency <> 'mash'
        ORDER BY p.match_weight DESC NULLS LAST, (o.dob IS NOT NULL) DESC, o.mention_id LIMIT 1
    """, {"m": mention_id, "p": person_id}).fetchall()
    return row[0][0] if row else None
