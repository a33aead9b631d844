"""Build the merged multi-agency chronology in the store from linked mentions.

One entry per real-world event: the nominal rows of one police occurrence are one
entry; a referral recorded by the referrer and by CSC is one entry with both sources.
Also each person's places over time, and who was observed at the same place in
overlapping periods. Everything is SQL over the whole store in one transaction.
"""
from __future__ import annotations

import duckdb

from chronolink.engine.rules import RuleSettings, load_settings
from chronolink.engine.store.transactions import transaction

REFERRER_TYPES = ("education.referral_to_mash", "mash.referral", "health.safeguarding_concern")
CSC_INTAKE_TYPES = ("csc.contact", "csc.referral")

_SQL = """
CREATE OR REPLACE TEMP TABLE _rec_person AS
SELECT r.record_id, r.event_type, r.event_date, r.agency, r.ref, m.person_id, m.mention_id, m.role, m.slot
FROM records r JOIN person_mentions m USING (record_id)
WHERE r.event_date IS NOT NULL AND m.person_id IS NOT NULL;

-- 1. rows of one occurrence / tenancy event / referral share a key. Every record is an entry,
--    dated or not: a row whose date is missing or unreadable is listed under "date unknown".
CREATE OR REPLACE TEMP TABLE _grouped AS
SELECT record_id,
       CASE WHEN agency = 'police' AND ref IS NOT NULL THEN 'police|' || ref || '|' || coalesce(event_type, '')
            WHEN agency = 'housing' AND ref IS NOT NULL AND event_date IS NOT NULL
                 THEN 'housing|' || ref || '|' || coalesce(event_type, '') || '|' || event_date::VARCHAR
            ELSE 'rec|' || record_id::VARCHAR END AS group_key
FROM records;

-- 2. a referrer's referral joins the CSC intake that recorded it (same child, within N days after)
CREATE OR REPLACE TEMP TABLE _ref_merge AS
SELECT referrer.record_id AS from_record,  -- the nearest intake; two as near: the first recorded
       arg_min(intake.record_id, {{'d': abs(date_diff('day', referrer.event_date, intake.event_date)),
                                    'r': intake.record_id}}) AS to_record
FROM _rec_person referrer JOIN _rec_person intake
  ON referrer.person_id = intake.person_id
 AND referrer.event_type IN {referrer_types}
 AND intake.event_type IN {intake_types}
 AND intake.event_date BETWEEN referrer.event_date AND referrer.event_date + INTERVAL {days} DAY
GROUP BY referrer.record_id;

CREATE OR REPLACE TEMP TABLE _keyed AS
SELECT g.record_id, coalesce(tg.group_key, g.group_key) AS group_key
FROM _grouped g
LEFT JOIN _ref_merge rm ON rm.from_record = g.record_id
LEFT JOIN _grouped tg ON tg.record_id = rm.to_record;

CREATE OR REPLACE TEMP TABLE _event_ids AS
SELECT group_key,
       'E' || lpad((row_number() OVER (ORDER BY min(r.event_date) NULLS LAST, min(k.record_id)))::VARCHAR, 8, '0')
       AS event_id
FROM _keyed k JOIN records r USING (record_id) GROUP BY group_key;

CREATE OR REPLACE TABLE event_sources AS
SELECT e.event_id, r.record_id, r.source_file, r.source_row, r.agency, r.event_type, r.event_label
FROM _keyed k JOIN _event_ids e USING (group_key) JOIN records r USING (record_id);

-- the entry takes its type, dates and text from its CSC source when it has one, else its earliest row
CREATE OR REPLACE TABLE chronology AS
WITH ranked AS (
  SELECT s.event_id, r.*, row_number() OVER (PARTITION BY s.event_id
         ORDER BY (r.agency = 'csc') DESC, r.event_date NULLS LAST, r.record_id) AS rk
  FROM event_sources s JOIN records r USING (record_id)
), agg AS (
  SELECT event_id, list(DISTINCT agency ORDER BY agency) AS agencies, count(*) AS n_sources
  FROM event_sources GROUP BY event_id
)
SELECT p.event_id, p.event_type, p.event_label, p.event_date, p.event_time,
       CASE WHEN p.event_date IS NULL THEN 'unknown' WHEN p.event_time IS NOT NULL THEN 'minute' ELSE 'day' END
           AS date_precision,
       p.end_date, p.agency, p.outcome, p.summary, p.ref, agg.agencies, agg.n_sources,
       p.date_status, p.date_raw  -- why an entry has no date, and the date as its source wrote it
FROM ranked p JOIN agg USING (event_id) WHERE rk = 1;


CREATE OR REPLACE TABLE event_places AS
SELECT s.event_id, a.address_id, a.field, min(a.address_mention_id) AS address_mention_id
FROM event_sources s JOIN address_mentions a USING (record_id)
WHERE a.address_id IS NOT NULL
GROUP BY s.event_id, a.address_id, a.field;

-- each person's best date of birth: the most frequent valid one
CREATE OR REPLACE TABLE person_facts AS
WITH d AS (
  SELECT person_id, dob, count(*) AS n FROM person_mentions
  WHERE person_id IS NOT NULL AND dob IS NOT NULL AND dob_status = 'ok' GROUP BY person_id, dob
), best AS (  -- ties go to the later date, as every most-common value below goes to the larger one
  SELECT person_id, arg_max(dob, {{'n': n, 'v': dob}}) AS dob FROM d GROUP BY person_id
), names AS (
  SELECT person_id, count(*) AS mentions, list(DISTINCT agency ORDER BY agency) AS agencies
  FROM person_mentions WHERE person_id IS NOT NULL GROUP BY person_id
){most_common}
SELECT n.person_id, b.dob, fn.v AS forename, sn.v AS surname, sx.v AS sex, n.mentions, n.agencies
FROM names n LEFT JOIN best b USING (person_id) LEFT JOIN fn USING (person_id) LEFT JOIN sn USING (person_id)
LEFT JOIN sx USING (person_id);

-- who each event involves, in what role, and how old they were (whole months; a child is under 18)
CREATE OR REPLACE TABLE event_people AS
WITH ep AS (
  SELECT s.event_id, m.person_id, any_value(m.role ORDER BY m.mention_id) AS role, min(m.mention_id) AS mention_id,
         list(DISTINCT m.mention_id ORDER BY m.mention_id) AS mention_ids
  FROM event_sources s JOIN person_mentions m USING (record_id)
  WHERE m.person_id IS NOT NULL
  GROUP BY s.event_id, m.person_id
)
SELECT ep.*, CASE WHEN f.dob <= c.event_date THEN date_sub('month', f.dob, c.event_date) END AS age_months,
       CASE WHEN f.dob <= c.event_date THEN date_sub('year', f.dob, c.event_date) < 18 END AS is_child
FROM ep JOIN chronology c USING (event_id) LEFT JOIN person_facts f USING (person_id);

CREATE OR REPLACE TABLE observations AS
SELECT m.person_id, a.address_id, o.date, o.field, o.source_file, o.source_row, o.mention_id,
       o.address_mention_id, m.agency
FROM mention_observations o
JOIN person_mentions m USING (mention_id)
JOIN address_mentions a ON a.address_mention_id = o.address_mention_id
WHERE m.person_id IS NOT NULL AND a.address_id IS NOT NULL;

CREATE OR REPLACE TABLE person_places AS
SELECT person_id, address_id, min(date) AS first_seen, max(date) AS last_seen, count(*) AS observations,
       list(DISTINCT agency ORDER BY agency) AS agencies
FROM observations GROUP BY person_id, address_id;

CREATE OR REPLACE TABLE coresidence AS
SELECT a.address_id, a.person_id AS person_a, b.person_id AS person_b,
       greatest(a.first_seen, b.first_seen) AS overlap_from, least(a.last_seen, b.last_seen) AS overlap_to
FROM person_places a JOIN person_places b
  ON a.address_id = b.address_id AND a.person_id < b.person_id
 AND a.first_seen <= b.last_seen AND b.first_seen <= a.last_seen;
"""


def _most_common(alias: str, column: str) -> str:
    """A CTE `alias(person_id, v)`: each person's most often written `column`, ties to the larger value
    (DuckDB's mode() takes whichever tied value its threads meet first, so runs would differ)."""
    return (f", {alias} AS (SELECT person_id, arg_max(v, {{'n': n, 'v': v}}) AS v FROM ("
            f"SELECT person_id, {column} AS v, count(*) AS n FROM person_mentions "
            f"WHERE person_id IS NOT NULL AND {column} IS NOT NULL GROUP BY ALL) GROUP BY person_id)")


def build_chronology(con: duckdb.DuckDBPyConnection, settings: RuleSettings | None = None) -> dict[str, int]:
    """(Re)build chronology, event_people, event_places, person_facts, observations, person_places and
    coresidence from the linked store; returns row counts. A referral recorded by the referrer and then by
    CSC within `settings.chronology.referral_merge_days` (default: the packaged rule settings) is one event."""
    days = (settings or load_settings()).chronology.referral_merge_days
    most_common = "".join(_most_common(a, c) for a, c in (("fn", "forename"), ("sn", "surname"), ("sx", "sex")))
    sql = _SQL.format(referrer_types=REFERRER_TYPES, intake_types=CSC_INTAKE_TYPES, days=int(days),
                      most_common=most_common)
    with transaction(con):  # joins the caller's transaction (a purge re-judging its flags)
        con.execute(sql)
    tables = ("chronology", "event_sources", "event_people", "event_places", "person_facts", "observations",
              "person_places", "coresidence")
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
