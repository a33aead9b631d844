"""Build the merged multi-agency chronology in the store from linked mentions.

One entry per real-world event: the nominal rows of one police occurrence are one
entry; a referral recorded by the referrer and by CSC is one entry with both sources.
Also each person's places over time, and who was observed at the same place in
overlapping periods. Everything is SQL over the store in one transaction.

A build is whole, or scoped to what changed since the last one (engine.chronology.state says
when that is allowed): the persons whose mentions changed (new, joined, merged, retired) and
the records added. Each derived row is a function of one event's records or of one person's
mentions, so replacing the rows of the events and persons that changed gives the tables a
whole build would: an event's id is its smallest record id, not a rank over the store.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from chronolink.engine.chronology.state import record_build, why_rebuild
from chronolink.engine.link.placeholders import not_placeholder_dob_sql
from chronolink.engine.rules import RuleSettings, load_settings
from chronolink.engine.store.transactions import transaction

REFERRER_TYPES = ("education.referral_to_mash", "mash.referral", "health.safeguarding_concern")
CSC_INTAKE_TYPES = ("csc.contact", "csc.referral")
TABLES = ("chronology", "event_sources", "event_people", "event_places", "person_facts", "observations",
          "person_places", "coresidence")
# Per-event tables and per-person tables: what a scoped build replaces rows of.
_EVENT_TABLES = ("event_sources", "chronology", "event_places", "event_people")

# Rows of one occurrence / tenancy event / referral share a key. Every record is an entry, dated or not:
# a row whose date is missing or unreadable is listed under "date unknown".
_GROUP_KEY = """CASE WHEN agency = 'police' AND ref IS NOT NULL THEN 'police|' || ref || '|' || coalesce(event_type, '')
            WHEN agency = 'housing' AND ref IS NOT NULL AND event_date IS NOT NULL
                 THEN 'housing|' || ref || '|' || coalesce(event_type, '') || '|' || event_date::VARCHAR
            ELSE 'rec|' || record_id::VARCHAR END"""

# {members}: the records grouped (all, or those of the events a scoped build replaces).
_GROUPING = """
CREATE OR REPLACE TEMP TABLE _grouped AS
SELECT record_id, {group_key} AS group_key FROM records {members};

-- a referrer's referral joins the CSC intake that recorded it (same child, within N days after)
CREATE OR REPLACE TEMP TABLE _ref_merge AS
WITH referrer AS (
  SELECT r.record_id, r.event_date, m.person_id FROM records r JOIN person_mentions m USING (record_id)
  WHERE r.event_type IN {referrer_types} AND r.event_date IS NOT NULL AND m.person_id IS NOT NULL
    AND r.record_id IN (SELECT record_id FROM _grouped)
), intake AS (
  SELECT r.record_id, r.event_date, m.person_id FROM records r JOIN person_mentions m USING (record_id)
  WHERE r.event_type IN {intake_types} AND r.event_date IS NOT NULL
    AND m.person_id IN (SELECT person_id FROM referrer)
)
SELECT referrer.record_id AS from_record,  -- the nearest intake; two as near: the first recorded
       arg_min(intake.record_id, {{'d': abs(date_diff('day', referrer.event_date, intake.event_date)),
                                    'r': intake.record_id}}) AS to_record
FROM referrer JOIN intake
  ON referrer.person_id = intake.person_id
 AND intake.event_date BETWEEN referrer.event_date AND referrer.event_date + INTERVAL {days} DAY
GROUP BY referrer.record_id;

CREATE OR REPLACE TEMP TABLE _keyed AS
SELECT g.record_id, coalesce(tg.group_key, g.group_key) AS group_key
FROM _grouped g
LEFT JOIN _ref_merge rm ON rm.from_record = g.record_id
LEFT JOIN (SELECT record_id, {group_key} AS group_key FROM records
           WHERE record_id IN (SELECT to_record FROM _ref_merge)) tg ON tg.record_id = rm.to_record;

CREATE OR REPLACE TEMP TABLE _event_ids AS
SELECT group_key, 'E' || lpad(min(record_id)::VARCHAR, 16, '0') AS event_id FROM _keyed GROUP BY group_key;
"""

# Each derived table's rows, {sources} being the event_sources rows of the events built.
_EVENT_SOURCES = """
SELECT e.event_id, r.record_id, r.source_file, r.source_row, r.agency, r.event_type, r.event_label
FROM _keyed k JOIN _event_ids e USING (group_key) JOIN records r USING (record_id)"""

# the entry takes its type, dates and text from its CSC source when it has one, else its earliest row
_CHRONOLOGY = """
WITH ranked AS (
  SELECT s.event_id, r.*, row_number() OVER (PARTITION BY s.event_id
         ORDER BY (r.agency = 'csc') DESC, r.event_date NULLS LAST, r.record_id) AS rk
  FROM {sources} s JOIN records r USING (record_id)
), agg AS (
  SELECT event_id, list(DISTINCT agency ORDER BY agency) AS agencies, count(*) AS n_sources
  FROM {sources} GROUP BY event_id
)
SELECT p.event_id, p.event_type, p.event_label, p.event_date, p.event_time,
       CASE WHEN p.event_date IS NULL THEN 'unknown' WHEN p.event_time IS NOT NULL THEN 'minute' ELSE 'day' END
           AS date_precision,
       p.end_date, p.agency, p.outcome, p.summary, p.ref, agg.agencies, agg.n_sources,
       p.date_status, p.date_raw  -- why an entry has no date, and the date as its source wrote it
FROM ranked p JOIN agg USING (event_id) WHERE rk = 1"""

_EVENT_PLACES = """
SELECT s.event_id, a.address_id, a.field, min(a.address_mention_id) AS address_mention_id
FROM {sources} s JOIN address_mentions a USING (record_id)
WHERE a.address_id IS NOT NULL
GROUP BY s.event_id, a.address_id, a.field"""

# who each event involves, in what role, and how old they were (whole months; a child is under 18)
_EVENT_PEOPLE = """
WITH ep AS (
  SELECT s.event_id, m.person_id, any_value(m.role ORDER BY m.mention_id) AS role, min(m.mention_id) AS mention_id,
         list(DISTINCT m.mention_id ORDER BY m.mention_id) AS mention_ids
  FROM {sources} s JOIN person_mentions m USING (record_id)
  WHERE m.person_id IS NOT NULL
  GROUP BY s.event_id, m.person_id
)
SELECT ep.*, CASE WHEN f.dob <= c.event_date THEN date_sub('month', f.dob, c.event_date) END AS age_months,
       CASE WHEN f.dob <= c.event_date THEN date_sub('year', f.dob, c.event_date) < 18 END AS is_child
FROM ep JOIN chronology c USING (event_id) LEFT JOIN person_facts f USING (person_id)"""

# {persons}: a filter on person_mentions (all linked persons, or those a scoped build replaces).
# each person's best date of birth: the most frequent valid one
_PERSON_FACTS = """
WITH pm AS (SELECT * FROM person_mentions WHERE person_id IS NOT NULL {persons}), d AS (
  SELECT person_id, dob, count(*) AS n FROM pm WHERE dob IS NOT NULL AND dob_status = 'ok' AND {real_dob}
  GROUP BY person_id, dob
), best AS (  -- ties go to the later date, as every most-common value below goes to the larger one
  SELECT person_id, arg_max(dob, {{'n': n, 'v': dob}}) AS dob FROM d GROUP BY person_id
), names AS (
  SELECT person_id, count(*) AS mentions, list(DISTINCT agency ORDER BY agency) AS agencies
  FROM pm GROUP BY person_id
){most_common}
SELECT n.person_id, b.dob, fn.v AS forename, sn.v AS surname, sx.v AS sex, n.mentions, n.agencies
FROM names n LEFT JOIN best b USING (person_id) LEFT JOIN fn USING (person_id) LEFT JOIN sn USING (person_id)
LEFT JOIN sx USING (person_id)"""

_OBSERVATIONS = """
SELECT m.person_id, a.address_id, o.date, o.field, o.source_file, o.source_row, o.mention_id,
       o.address_mention_id, m.agency
FROM mention_observations o
JOIN person_mentions m USING (mention_id)
JOIN address_mentions a ON a.address_mention_id = o.address_mention_id
WHERE m.person_id IS NOT NULL AND a.address_id IS NOT NULL {persons}"""

_PERSON_PLACES = """
SELECT person_id, address_id, min(date) AS first_seen, max(date) AS last_seen, count(*) AS observations,
       list(DISTINCT agency ORDER BY agency) AS agencies
FROM observations WHERE true {persons} GROUP BY person_id, address_id"""

# {places}: the addresses of the persons replaced (a scoped build), {pairs}: a pair holding one of them
_CORESIDENCE = """
WITH pp AS (SELECT * FROM person_places WHERE true {places})
SELECT a.address_id, a.person_id AS person_a, b.person_id AS person_b,
       greatest(a.first_seen, b.first_seen) AS overlap_from, least(a.last_seen, b.last_seen) AS overlap_to
FROM pp a JOIN pp b
  ON a.address_id = b.address_id AND a.person_id < b.person_id
 AND a.first_seen <= b.last_seen AND b.first_seen <= a.last_seen
WHERE true {pairs}"""

# What changed since the last build: the persons whose mentions are not those the chronology holds
# (their current and their former ids), and the records it has not placed in an event.
_CHANGES = """
CREATE OR REPLACE TEMP TABLE _chr_persons AS
WITH held AS (SELECT person_id, unnest(mention_ids) AS mention_id FROM event_people),
now_ AS (SELECT mention_id, person_id FROM person_mentions WHERE person_id IS NOT NULL),
moved AS (SELECT h.person_id AS was, n.person_id AS now_ FROM held h FULL JOIN now_ n USING (mention_id)
          WHERE h.person_id IS DISTINCT FROM n.person_id)
SELECT was AS person_id FROM moved WHERE was IS NOT NULL UNION SELECT now_ FROM moved WHERE now_ IS NOT NULL;

CREATE OR REPLACE TEMP TABLE _chr_new_records AS
SELECT record_id FROM records WHERE record_id NOT IN (SELECT record_id FROM event_sources);
"""

# The events a scoped build replaces: those holding a new record, a record naming a changed person, or a
# record sharing a group key with one (a new row of a known police occurrence), and every record of them.
_SCOPE_EVENTS = """
CREATE OR REPLACE TEMP TABLE _chr_touched AS
SELECT record_id FROM _chr_new_records
UNION SELECT record_id FROM person_mentions WHERE person_id IN (SELECT person_id FROM _chr_persons);

CREATE OR REPLACE TEMP TABLE _chr_keyed_touched AS
WITH touched AS (SELECT * FROM records WHERE record_id IN (SELECT record_id FROM _chr_touched) AND ref IS NOT NULL)
SELECT record_id FROM records  -- only a record with a ref shares a key with another
WHERE ref IN (SELECT ref FROM touched) AND {group_key} IN (SELECT {group_key} FROM touched);

CREATE OR REPLACE TEMP TABLE _chr_old_events AS
SELECT DISTINCT event_id FROM event_sources
WHERE record_id IN (SELECT record_id FROM _chr_touched UNION SELECT record_id FROM _chr_keyed_touched);

CREATE OR REPLACE TEMP TABLE _chr_members AS
SELECT record_id FROM event_sources WHERE event_id IN (SELECT event_id FROM _chr_old_events)
UNION SELECT record_id FROM _chr_touched UNION SELECT record_id FROM _chr_keyed_touched;
"""


@dataclass(frozen=True)
class ChronologyChanges:
    """What a scoped build replaced: the persons whose mentions changed (current and former ids; the
    temp table `_chr_persons` holds them until the connection's next build) and the records added."""

    persons: list[str]
    n_new_records: int


def _most_common(alias: str, column: str) -> str:
    """A CTE `alias(person_id, v)`: each person's most often written `column`, ties to the larger value
    (DuckDB's mode() takes whichever tied value its threads meet first, so runs would differ)."""
    return (f", {alias} AS (SELECT person_id, arg_max(v, {{'n': n, 'v': v}}) AS v FROM ("
            f"SELECT person_id, {column} AS v, count(*) AS n FROM pm "
            f"WHERE {column} IS NOT NULL GROUP BY ALL) GROUP BY person_id)")


_MOST_COMMON = "".join(_most_common(a, c) for a, c in (("fn", "forename"), ("sn", "surname"), ("sx", "sex")))


def _grouping(days: int, members: str) -> str:
    return _GROUPING.format(group_key=_GROUP_KEY, members=members, referrer_types=REFERRER_TYPES,
                            intake_types=CSC_INTAKE_TYPES, days=int(days))


def _build_all(con: duckdb.DuckDBPyConnection, days: int) -> None:
    # a date of birth the last link run listed as a placeholder is no date (placeholders.dob_placeholders)
    every = {"persons": "", "places": "", "pairs": "", "real_dob": not_placeholder_dob_sql(con)}
    con.execute(_grouping(days, ""))
    for table, sql in (("event_sources", _EVENT_SOURCES), ("chronology", _CHRONOLOGY),
                       ("event_places", _EVENT_PLACES), ("person_facts", _PERSON_FACTS),
                       ("event_people", _EVENT_PEOPLE), ("observations", _OBSERVATIONS),
                       ("person_places", _PERSON_PLACES), ("coresidence", _CORESIDENCE)):
        body = sql.format(sources="event_sources", most_common=_MOST_COMMON, **every)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS {body}")


def _build_changed(con: duckdb.DuckDBPyConnection, days: int) -> ChronologyChanges:
    con.execute(_CHANGES)
    con.execute(_SCOPE_EVENTS.format(group_key=_GROUP_KEY))
    changed = "AND person_id IN (SELECT person_id FROM _chr_persons)"
    # per person: facts, observations, places, then the pairs at their places
    con.execute(f"DELETE FROM person_facts WHERE true {changed}")
    facts = _PERSON_FACTS.format(persons=changed, most_common=_MOST_COMMON, real_dob=not_placeholder_dob_sql(con))
    con.execute(f"INSERT INTO person_facts BY NAME {facts}")
    con.execute(f"DELETE FROM observations WHERE true {changed}")
    con.execute(f"INSERT INTO observations BY NAME "
                f"{_OBSERVATIONS.format(persons='AND m.person_id IN (SELECT person_id FROM _chr_persons)')}")
    con.execute(f"DELETE FROM person_places WHERE true {changed}")
    con.execute(f"INSERT INTO person_places BY NAME {_PERSON_PLACES.format(persons=changed)}")
    con.execute("DELETE FROM coresidence WHERE person_a IN (SELECT person_id FROM _chr_persons) "
                "OR person_b IN (SELECT person_id FROM _chr_persons)")
    places = f"AND address_id IN (SELECT address_id FROM person_places WHERE true {changed})"
    pairs = ("AND (a.person_id IN (SELECT person_id FROM _chr_persons) "
             "OR b.person_id IN (SELECT person_id FROM _chr_persons))")
    con.execute(f"INSERT INTO coresidence BY NAME {_CORESIDENCE.format(places=places, pairs=pairs)}")
    # per event: the events replaced, regrouped from their records
    con.execute(_grouping(days, "WHERE record_id IN (SELECT record_id FROM _chr_members)"))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _chr_sources AS {_EVENT_SOURCES}")
    for table in _EVENT_TABLES:
        con.execute(f"DELETE FROM {table} WHERE event_id IN (SELECT event_id FROM _chr_old_events)")
    con.execute("INSERT INTO event_sources BY NAME SELECT * FROM _chr_sources")
    for table, sql in (("chronology", _CHRONOLOGY), ("event_places", _EVENT_PLACES), ("event_people", _EVENT_PEOPLE)):
        con.execute(f"INSERT INTO {table} BY NAME {sql.format(sources='_chr_sources')}")
    persons = [p for (p,) in con.execute("SELECT person_id FROM _chr_persons ORDER BY 1").fetchall()]
    n_new = con.execute("SELECT count(*) FROM _chr_new_records").fetchall()[0][0]
    return ChronologyChanges(persons, n_new)


def build_chronology(con: duckdb.DuckDBPyConnection, settings: RuleSettings | None = None, *,
                     scoped: bool = False) -> ChronologyChanges | None:
    """(Re)build chronology, event_people, event_places, person_facts, observations, person_places and
    coresidence from the linked store. A referral recorded by the referrer and then by CSC within
    `settings.chronology.referral_merge_days` (default: the packaged rule settings) is one event.

    `scoped`: replace only the rows of what changed since the last build when that gives the tables a
    whole build would (engine.chronology.state.why_rebuild), and return what changed; None: built whole."""
    days = int((settings or load_settings()).chronology.referral_merge_days)
    with transaction(con):  # joins the caller's transaction (a purge re-judging its flags, a scoped flag run)
        if scoped and why_rebuild(con, days) is None:
            changes = _build_changed(con, days)
            record_build(con, "scoped", days, len(changes.persons), changes.n_new_records)
            return changes
        _build_all(con, days)
        record_build(con, "full", days)
    return None


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in each derived table."""
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}
