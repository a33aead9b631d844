"""Assemble the frames the rules read (engine.rules.inputs) from the linked store."""
from __future__ import annotations

import duckdb

from engine.rules import RuleInputs

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
JOIN person_mentions m USING (record_id)
LEFT JOIN home h ON h.address_mention_id = m.address_mention_id
LEFT JOIN bail b ON b.record_id = r.record_id
WHERE r.event_date IS NOT NULL AND m.person_id IS NOT NULL AND r.event_type IS NOT NULL
"""

_RELATIONSHIPS = """
SELECT c.person_id AS child_person_id, rel.person_id AS related_person_id, c.source_file,
       c.source_row::BIGINT AS source_row
FROM person_mentions c JOIN person_mentions rel
  ON c.record_id = rel.record_id AND c.slot = 'child' AND rel.slot = 'related'
JOIN records r ON r.record_id = c.record_id
WHERE r.layout = 'csc_relationships' AND c.person_id IS NOT NULL AND rel.person_id IS NOT NULL
"""


def load_rule_inputs(con: duckdb.DuckDBPyConnection) -> RuleInputs:
    """Persons, per-person events, observations and relationships after linkage and chronology."""
    persons = con.sql("SELECT person_id, dob FROM person_facts").pl()
    events = con.sql(_EVENTS).pl()
    observations = con.sql(
        "SELECT person_id, address_id, date, source_file, source_row::BIGINT AS source_row, field "
        "FROM observations").pl()
    relationships = con.sql(_RELATIONSHIPS).pl()
    return RuleInputs.build(persons=persons, events=events, observations=observations,
                            relationships=relationships)
