"""A scoped flag run: which children's flags to recompute when some persons changed, and whose records to read.

A rule's flag for child C reads (risk-rules.md, engine.rules.*):

- C's own records, date of birth, places and relationship rows (every rule);
- bail_address_child: the bail rows of anyone bailed to an address C was observed at;
- unassessed_adult: the observations, markers and date of birth of the adults observed where C was,
  and C's relationship rows, resolved among the people seen where C was.

So when the persons T changed (engine.chronology: their mentions are new, joined, merged or retired),
the flags that may differ are those of

    S = T + everyone observed at a place where a person of T is observed or bailed to, or that a new
        record names

(a changed adult or bailed person reaches a child through a shared place; a changed child is in T),
and S's flags are found again from the records of

    I = S + everyone observed at a place of S + everyone on a record bailing to a place of S.

Every other child's flags read nothing that changed, and stay as stored.
"""
from __future__ import annotations

import duckdb

CHILDREN = "_fs_children"  # S: the children whose flags are found again
INPUTS = "_fs_inputs"  # I: the persons whose records they read

_SQL = f"""
CREATE OR REPLACE TEMP TABLE _fs_bails AS  -- who is bailed to where
SELECT DISTINCT m.person_id, a.address_id FROM address_mentions a JOIN person_mentions m USING (record_id)
JOIN records r USING (record_id)
WHERE a.field = 'BailAddress' AND a.address_id IS NOT NULL AND m.person_id IS NOT NULL
  AND r.event_type = 'police.bail';

CREATE OR REPLACE TEMP TABLE _fs_places AS
SELECT address_id FROM observations WHERE person_id IN (SELECT person_id FROM {{changed}})
UNION SELECT address_id FROM _fs_bails WHERE person_id IN (SELECT person_id FROM {{changed}})
UNION SELECT address_id FROM address_mentions
      WHERE record_id IN (SELECT record_id FROM {{new_records}}) AND address_id IS NOT NULL;

CREATE OR REPLACE TEMP TABLE {CHILDREN} AS
SELECT person_id FROM {{changed}}
UNION SELECT person_id FROM observations WHERE address_id IN (SELECT address_id FROM _fs_places);

CREATE OR REPLACE TEMP TABLE {INPUTS} AS
WITH places AS (SELECT DISTINCT address_id FROM observations WHERE person_id IN (SELECT person_id FROM {CHILDREN}))
SELECT person_id FROM {CHILDREN}
UNION SELECT person_id FROM observations WHERE address_id IN (SELECT address_id FROM places)
UNION SELECT person_id FROM _fs_bails WHERE address_id IN (SELECT address_id FROM places);
"""


def scope_tables(con: duckdb.DuckDBPyConnection, changed: str, new_records: str) -> tuple[int, int]:
    """Make the temp tables CHILDREN (S) and INPUTS (I) from the temp tables `changed` (person_id: T) and
    `new_records` (record_id); returns their sizes."""
    con.execute(_SQL.format(changed=changed, new_records=new_records))
    return (con.execute(f"SELECT count(*) FROM {CHILDREN}").fetchall()[0][0],
            con.execute(f"SELECT count(*) FROM {INPUTS}").fetchall()[0][0])
