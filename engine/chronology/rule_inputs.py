"""Assemble the frames the rules read (engine.rules.inputs) from the linked store."""
from __future__ import annotations

import duckdb
import polars as pl

from chronolink.engine.link.placeholders import not_placeholder_dob_sql
from chronolink.engine.rules import UNDATED_SCHEMA, RuleInputs, RuleSettings, load_settings

_EVENTS = """
WITH bail AS (
  SELECT record_id, any_value(address_id) AS bail_address_id
  FROM address_mentions WHERE field = 'BailAddress' AND address_id IS NOT NULL GROUP BY record_id
), home AS (
  SELECT address_mention_id, address_id FROM address_mentions
)
SELECT 'R' || r.record_id::VARCHAR AS event_id, m.person_id, r.agency, r.event_type, m.role,
       r.event_date AS start_date, r.end_date, r.outcome,
       CASE WHEN r.agency = 'police' THEN
         list_filter(list_transform(string_split(coalesce(json_extract_string(r.attrs, '$.markers'), ''), ';'),
                                    lambda x: upper(trim(x))), lambda x: x <> '')
       ELSE []::VARCHAR[] END AS markers,
       lower(trim(json_extract_string(r.attrs, '$.offence_category'))) AS offence_category,
       h.address_id, CASE WHEN r.event_type = 'police.bail' THEN b.bail_address_id END AS bail_address_id,
       r.source_file, r.source_row::BIGINT AS source_row, m.mention_id AS link_mention_id
FROM records r
-- the persons' mentions first: a scoped run reads a few hundred people's rows, not the store's
JOIN (SELECT * FROM person_mentions WHERE person_id IS NOT NULL {persons}) m USING (record_id)
LEFT JOIN home h ON h.address_mention_id = m.address_mention_id
LEFT JOIN bail b ON b.record_id = r.record_id
WHERE r.event_date IS NOT NULL AND r.event_type IS NOT NULL
ORDER BY m.person_id, r.event_date, r.source_file, r.source_row, m.mention_id
"""

_RELATIONSHIPS = """
WITH rel AS (
  SELECT c.person_id AS child_person_id, rel.person_id AS related_person_id, c.source_file,
         c.source_row::BIGINT AS source_row, rel.forename, rel.surname,
         CASE WHEN {real_dob} THEN rel.dob END AS dob  -- a placeholder date of birth is no date
  FROM person_mentions c JOIN person_mentions rel
    ON c.record_id = rel.record_id AND c.slot = 'child' AND rel.slot = 'related'
  JOIN records r ON r.record_id = c.record_id
  WHERE r.layout = 'csc_relationships' AND c.person_id IS NOT NULL AND rel.person_id IS NOT NULL {children}
),
-- People seen where the child was seen: the household a relationship row is about.
household AS (
  SELECT DISTINCT a.person_id AS child_person_id, b.person_id AS member
  FROM person_places a JOIN person_places b ON a.address_id = b.address_id AND a.person_id <> b.person_id
  WHERE a.person_id IN (SELECT child_person_id FROM rel)
),
-- A relationship row names its person by name and date of birth only, so linkage may leave it apart
-- from the household member it names. Within the child's household, the one member with the same date
-- of birth and a close surname (or, without a date, a close full name) is that person; how close is a rule
-- setting (RuleSettings.relationships.name_similarity).
resolved AS (
  SELECT rel.child_person_id, h.member AS related_person_id, rel.source_file, rel.source_row,
         count(*) OVER (PARTITION BY rel.child_person_id, rel.source_row, rel.source_file) AS n
  FROM rel JOIN household h ON h.child_person_id = rel.child_person_id
  JOIN person_facts f ON f.person_id = h.member
  WHERE h.member <> rel.related_person_id AND rel.surname IS NOT NULL AND f.surname IS NOT NULL
    AND ((rel.dob IS NOT NULL AND f.dob = rel.dob AND jaro_winkler_similarity(rel.surname, f.surname) >= $similar)
      OR (rel.dob IS NULL AND jaro_winkler_similarity(rel.surname, f.surname) >= $similar
          AND jaro_winkler_similarity(coalesce(rel.forename, ''), coalesce(f.forename, '')) >= $similar))
)
SELECT child_person_id, related_person_id, source_file, source_row FROM rel
UNION
SELECT child_person_id, related_person_id, source_file, source_row FROM resolved WHERE n = 1
ORDER BY ALL
"""


_UNDATED = """
SELECT r.record_id, r.source_file, r.source_row::BIGINT AS source_row, r.agency, r.event_type, r.date_status,
       m.person_id, m.role, m.address_mention_id IS NOT NULL AS observes,
       json_extract_string(r.attrs, '$.markers') AS markers,
       json_extract_string(r.attrs, '$.offence_category') AS offence_category
FROM records r JOIN person_mentions m USING (record_id)
WHERE r.event_date IS NULL AND m.person_id IS NOT NULL {persons}
ORDER BY r.record_id, m.mention_id
"""


def _among(column: str, table: str | None) -> str:
    """A filter keeping rows whose `column` is a person of the temp table `table` (none: every row)."""
    return f"AND {column} IN (SELECT person_id FROM {table})" if table else ""


def load_undated(con: duckdb.DuckDBPyConnection, persons: str | None = None) -> pl.DataFrame:
    """Records without a usable date, one row per linked person they name (engine.rules.UNDATED_SCHEMA);
    only the persons of the temp table `persons` when given."""
    return con.sql(_UNDATED.format(persons=_among("m.person_id", persons))).pl().cast(UNDATED_SCHEMA)


def load_rule_inputs(con: duckdb.DuckDBPyConnection, settings: RuleSettings | None = None, *,
                     persons: str | None = None, children: str | None = None) -> RuleInputs:
    """Persons, per-person events, observations and relationships after linkage and chronology
    (`settings`: the rule settings, for how a relationship row finds its person; default the packaged ones).

    A scoped flag run (engine.flags.scope) reads the records of the persons of the temp table `persons`
    and the relationship rows of the children of `children` only; every frame keeps the order it has whole."""
    settings = settings or load_settings()
    # Every frame in a fixed order: a rule that keeps the first of several candidates then keeps
    # the same one on every run (DuckDB returns joined and grouped rows in thread order).
    persons_sql = "SELECT person_id, dob FROM person_facts WHERE true {f} ORDER BY person_id"
    persons_frame = con.sql(persons_sql.format(f=_among("person_id", persons))).pl()
    events = con.sql(_EVENTS.format(persons=_among("person_id", persons))).pl()
    observations = con.sql(
        "SELECT person_id, address_id, date, source_file, source_row::BIGINT AS source_row, field "
        f"FROM observations WHERE true {_among('person_id', persons)} "
        "ORDER BY person_id, date, source_file, source_row, address_id, field").pl()
    relationships = con.execute(_RELATIONSHIPS.format(children=_among("c.person_id", children),
                                                      real_dob=not_placeholder_dob_sql(con, "rel.dob")),
                                {"similar": settings.relationships.name_similarity}).pl()
    return RuleInputs.build(persons=persons_frame, events=events, observations=observations,
                            relationships=relationships)
