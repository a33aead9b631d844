"""A person's displayed name is the form most agencies record, never one agency's repeated typo."""
from __future__ import annotations

import duckdb

from chronolink.engine.chronology.display import display_names


def test_most_agencies_win_over_one_agencys_many_records():
    con = duckdb.connect()
    con.execute("CREATE TABLE person_mentions (person_id VARCHAR, agency VARCHAR, name_raw VARCHAR, "
                "forename VARCHAR, surname VARCHAR)")
    rows = [("P1", "health", "Lilly Hart", "LILLY", "HART")] * 6 + [
        ("P1", "police", "HART, LILY", "LILY", "HART"),
        ("P1", "education", "Lily Hart", "LILY", "HART"),
        ("P1", "csc", "Lily Hart", "LILY", "HART"),
        ("P2", "police", "SMITH, JOHN", "JOHN", "SMITH"),
    ]
    con.executemany("INSERT INTO person_mentions VALUES (?, ?, ?, ?, ?)", rows)
    assert display_names(con, ["P1", "P2", "P3"]) == {"P1": "Lily Hart", "P2": "John Smith", "P3": "P3"}
