"""The declared link pipeline: steps and tables as the code declares them, the docs show them, and a run writes them."""
from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

from chronolink.engine.link.engine import DuckDBEngine
from chronolink.engine.link.pipeline import INCREMENTAL_STEPS, STEPS, TABLES, LinkContext, check_table, run_steps
from chronolink.engine.link.review import decisions
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.link.tables import ensure_link_tables
from tests.link.conftest import StoreBuilder, background

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
STORE_TABLES = {"person_mentions", "address_mentions"}


def _doc_rows(header: str) -> list[list[str]]:
    """The rows of the markdown table in docs/architecture.md whose header line starts with `header`."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def test_every_step_reads_only_what_the_store_or_an_earlier_step_holds() -> None:
    outputs: set[str] = set()
    for steps in (STEPS, INCREMENTAL_STEPS):
        written = set(STORE_TABLES)
        for step in steps:
            assert set(step.reads) <= written, (step.name, set(step.reads) - written)
            assert set(step.writes) <= set(TABLES), step.name
            written |= set(step.writes)
        outputs |= written - STORE_TABLES
    assert outputs == set(TABLES)  # every declared table is some step's output


def test_the_docs_show_the_steps_and_tables_the_code_declares() -> None:
    def names(cell: str) -> list[str]:
        return [] if cell.startswith("(") else [x.strip() for x in cell.split(",")]

    for header, declared in (("| step | reads | writes |", STEPS), ("| incremental step | reads | writes |", INCREMENTAL_STEPS)):
        steps = _doc_rows(header)
        assert [r[0] for r in steps] == [s.name for s in declared]
        for row, step in zip(steps, declared):
            assert names(row[1]) == list(step.reads) and names(row[2]) == list(step.writes), step.name
    documented = {t for row in _doc_rows("| table | one row per |") for t in re.findall(r"`(\w+)`", row[0])}
    assert documented == set(TABLES)


def test_a_run_writes_every_declared_table_with_its_columns() -> None:
    s = StoreBuilder()
    background(s, 40)
    s.add("RUBY", "KNOX", "2011-02-03", address="4 Lime Walk, Town2")
    s.add("RUBY", "KNOX", "2011-02-03", address="4 Lime Walk, Town2", file="school.csv", agency="education")
    ensure_link_tables(s.con)
    eng = DuckDBEngine(s.con)
    ctx = LinkContext(eng=eng, store=s.con, settings=LinkSettings(), decisions=decisions(s.con),
                      extra={"started": datetime.now(), "t0": time.perf_counter()})
    run_steps(ctx, STEPS, keep=tuple(TABLES))
    for name in {t for s in STEPS for t in s.writes}:
        check_table(eng, name)
    assert set(ctx.timings) == {s.name for s in STEPS}
    # Without `keep`, a table is gone once its last reader ran: only the run's outputs remain.
    eng.drop_all()
    run_steps(ctx, STEPS)
    left = {t for t in TABLES if eng.exists(t)}
    assert left == set()
