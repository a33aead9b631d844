"""Each store table is declared once (schemas/tables.py's Table): the DDL a store runs is generated from
the declaration, the tables a store really has match it, and no module writes table DDL by hand."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from chronolink.engine.chronology import coverage, state
from chronolink.engine.flags import store as flag_store
from chronolink.engine.link import tables as link_tables
from chronolink.engine.security import audit
from chronolink.engine.store import open_store
from chronolink.schemas import tables
from chronolink.schemas.models import CANONICAL_MODELS
from chronolink.schemas.tables import Table

ROOT = Path(__file__).resolve().parents[2]
# The modules that declare the tables they own; every Table they hold is checked against a store.
OWNERS = (tables, link_tables, flag_store, audit, coverage, state)
DECLARED = {t.name: t for m in OWNERS for t in vars(m).values() if isinstance(t, Table)}


@pytest.fixture(scope="module")
def described(tmp_path_factory) -> dict[str, list[tuple[str, str, str]]]:
    """(name, type, null) of every column of every declared table in a store that created them all."""
    con = open_store(tmp_path_factory.mktemp("tables") / "s.duckdb")
    try:
        link_tables.ensure_link_tables(con)
        flag_store.ensure_tables(con)
        audit.init(con)
        con.execute(coverage._DDL)
        con.execute(state._DDL)
        return {name: [tuple(r[:3]) for r in con.execute(f"DESCRIBE {name}").fetchall()] for name in DECLARED}
    finally:
        con.close()


def test_every_owner_declares_tables():
    assert {"records", "person_mentions", "link_pairs", "persons", "flags", "audit_log",
            "extract_outcomes"} <= set(DECLARED)


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_a_store_holds_each_table_as_declared(described, name):
    want = [(c.name, c.sql, "YES" if c.nullable and not c.primary_key else "NO") for c in DECLARED[name].columns]
    assert described[name] == want


def test_contract_models_are_the_declared_columns():
    for name, model in CANONICAL_MODELS.items():
        table = DECLARED[name]
        assert list(model.model_fields) == table.names()
        for c in table.columns:
            assert (model.model_fields[c.name].is_required() is not c.added), (name, c.name)


def test_ingest_frames_carry_the_declared_columns():
    from chronolink.engine.ingest.transform import PERSON_COLUMNS

    assert PERSON_COLUMNS == tables.PERSON_MENTIONS.names()


# Literal DDL for a table ("CREATE TABLE IF NOT EXISTS x (", "ALTER TABLE x ADD COLUMN"): a table's
# columns are declared with schemas.tables.Table instead (a column added later: Column(..., added=True)).
_HAND_DDL = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[a-z_]+\s*\(|"
                       r"ALTER\s+TABLE\s+\w+\s+ADD\s+COLUMN", re.I)


def test_no_table_ddl_is_written_by_hand():
    found = []
    for folder in ("engine", "reports", "schemas"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".sql") and path != ROOT / "schemas" / "tables.py":
                for m in _HAND_DDL.finditer(path.read_text(encoding="utf-8")):
                    line = path.read_text(encoding="utf-8")[: m.start()].count("\n") + 1
                    found.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0)}")
    assert found == [], "declare the table with schemas.tables.Table instead"
