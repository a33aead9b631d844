"""docs/architecture.md matches the code: every table it names exists in a store after ingest, link and flag."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
SECTIONS = ("Store tables", "Linkage outputs", "Chronology tables", "Flags")
# How each section names a table: "`name` — ...", "`name(col, ...)`", "- `name`: ...", and in the
# chronology list "`name` (what it holds)" (elsewhere that shape names JSON keys).
NAMED = (re.compile(r"^`([a-z_]+)` —", re.M), re.compile(r"`([a-z_]+)\("), re.compile(r"^- `([a-z_]+)`:", re.M))
LISTED = re.compile(r"`([a-z_]+)` \(")


def documented_tables() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    names: set[str] = set()
    for title in SECTIONS:
        body = text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
        for pattern in NAMED + ((LISTED,) if title == "Chronology tables" else ()):
            names.update(pattern.findall(body))
    return names


def test_every_table_the_architecture_names_exists(flagged_store):
    names = documented_tables()
    assert {"source_files", "records", "person_mentions", "link_pairs", "persons", "chronology", "event_people",
            "flags"} <= names, names
    con = duckdb.connect(flagged_store["db"], read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert sorted(names - tables) == []
