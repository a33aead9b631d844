"""How the chronology shows a person or a place: the name most agencies write, the most written form
of an address, the risk markers a person holds. Queries over the linked store, read by the reports,
the batch run and the workbench.
"""
from __future__ import annotations

import datetime as dt

import duckdb

from chronolink.engine.store.lookup import in_list, keyed


def display_names(con: duckdb.DuckDBPyConnection, person_ids: list[str]) -> dict[str, str]:
    """Each person's name as most agencies record it: the folded name (forename, surname) written by the
    most agencies, then by the most records, shown in its most frequent written form. One agency's many
    records of a typo (a GP's fifty consultations) do not outvote what the other agencies write."""
    if not person_ids:
        return {}
    mine, params = keyed("mine", "person_mentions", "person_id", person_ids,
                         "person_id, agency, name_raw, forename, surname")
    # Ties go to the larger value, so every run shows the same name (mode() picks either).
    rows = con.execute(f"""
        WITH {mine}, m AS (
          SELECT person_id, agency, name_raw,
                 coalesce(forename, '') || ' ' || coalesce(surname, '') AS folded
          FROM mine WHERE name_raw IS NOT NULL
        ), forms AS (
          SELECT person_id, folded, count(DISTINCT agency) AS agencies, count(*) AS n FROM m GROUP BY ALL
        ), best AS (
          SELECT person_id, arg_max(folded, (agencies, n, folded)) AS folded FROM forms GROUP BY person_id
        ), written AS (
          SELECT m.person_id, m.name_raw, count(*) AS n FROM m JOIN best USING (person_id, folded) GROUP BY ALL
        )
        SELECT person_id, arg_max(name_raw, (n, name_raw)) FROM written GROUP BY person_id
    """, params).fetchall()
    names = {pid: _tidy(n) for pid, n in rows}
    return {pid: names.get(pid, pid) for pid in person_ids}


def _tidy(name: str) -> str:
    """`HART, DANIEL` -> `Daniel Hart`; mixed-case names are left as written."""
    if "," in name:
        sur, _, fore = name.partition(",")
        name = f"{fore.strip()} {sur.strip()}"
    return name.title() if name.isupper() else name


def place_texts(con: duckdb.DuckDBPyConnection, address_ids: list[str]) -> dict[str, str]:
    """The most often written form of each place."""
    if not address_ids:
        return {}
    written, params = keyed("written", "address_mentions", "address_id", address_ids, "address_id, raw")
    rows = con.execute(f"""
        WITH {written}
        SELECT address_id, arg_max(t, {{'n': n, 'v': t}}) FROM (
            SELECT address_id, replace(raw, chr(10), ', ') AS t, count(*) AS n FROM written
            WHERE raw IS NOT NULL GROUP BY ALL
        ) GROUP BY address_id
    """, params).fetchall()
    return dict(rows)


def risk_markers(con: duckdb.DuckDBPyConnection, person_ids: list[str], as_of: dt.date) -> dict[str, list[str]]:
    """Risk markers of risk-rules.md held by each person on or before `as_of`."""
    if not person_ids:
        return {}
    ids, params = in_list(person_ids)
    mentions = con.execute(f"SELECT person_id, role, record_id FROM person_mentions WHERE person_id IN {ids}",
                           params).pl()
    # The records are read by id in a second step: a join would read the whole records table.
    recs, rparams = keyed("recs", "records", "record_id", mentions["record_id"].unique().sort().to_list(),
                          "record_id, event_type, event_date, attrs")
    con.register("__marker_mentions", mentions)
    try:
        rows = con.execute(f"""
            WITH {recs}, r AS (
              SELECT m.person_id, r.event_type, m.role, r.event_date,
                     upper(coalesce(json_extract_string(r.attrs, '$.markers'), '')) AS markers,
                     lower(coalesce(json_extract_string(r.attrs, '$.offence_category'), '')) AS cat
              FROM __marker_mentions m JOIN recs r USING (record_id)
              WHERE r.event_date IS NULL OR r.event_date <= ?
            )
            SELECT person_id, list(DISTINCT marker ORDER BY marker) FROM (
              SELECT person_id, unnest(list_filter(string_split(markers, ';'),
                     lambda x: trim(x) IN ('RSO', 'SCHED1', 'DVPERP'))) AS marker FROM r
              UNION ALL SELECT person_id, 'conviction' FROM r WHERE event_type = 'police.conviction'
                AND role = 'OFFENDER'
              UNION ALL SELECT person_id, 'probation: ' || cat FROM r
                WHERE event_type LIKE 'probation.%' AND cat IN ('sexual', 'violence', 'dv')
            ) GROUP BY person_id
        """, [*rparams, as_of]).fetchall()
    finally:
        con.unregister("__marker_mentions")
    return {pid: [m.strip() for m in ms] for pid, ms in rows}

