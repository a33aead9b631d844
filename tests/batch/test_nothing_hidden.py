"""Nothing hidden from readers: a record without a usable date is in the chronology, the timeline's
"date unknown" list, the report (its date as written one click away) and the rules' "could not judge"
list; every page says which extracts were ingested, which failed and why, and how far each agency's
records reach; `run` exits non-zero when an extract failed, after writing everything it could."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from chronolink.engine.cli import app

BAD_DATE = "31/13/2024 25:61"
CONCERNS = ("DOMESTIC", "MISPER", "CONCERN FOR WELFARE")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _break_a_police_date(world: Path) -> tuple[int, str]:
    """Give a police concern naming a referred child an unreadable date (on every nominal row of the
    occurrence, as an export writes it); (the child's row, the child's true id)."""
    with (world / "truth" / "mentions.csv").open(encoding="utf-8") as fh:
        mentions = list(csv.DictReader(fh))
    referred = {m["person_id"] for m in mentions if m["source_file"] == "mash_referrals.csv" and m["slot"] == "child"}
    police_rows = {int(m["source_row"]): m["person_id"] for m in mentions if m["source_file"] == "police_occurrences.csv"}
    path = world / "police_occurrences.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    when, kind, ref = (header.index(c) for c in ("OccurrenceDateTime", "OccurrenceType", "OccurrenceRef"))
    for i, row in enumerate(rows[1:], start=1):
        if row[kind] in CONCERNS and police_rows.get(i) in referred:
            for other in rows[1:]:
                if other[ref] == row[ref]:
                    other[when] = BAD_DATE
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)
            return i, police_rows[i]
    raise AssertionError("no police concern names a referred child in this world")


@pytest.fixture(scope="module")
def ran(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("hidden")
    world = tmp / "world"
    shutil.copytree(tiny_world, world, ignore=shutil.ignore_patterns("truth"))
    shutil.copytree(tiny_world / "truth", world / "truth")
    row, true_child = _break_a_police_date(world)
    (world / "partner_agency_export.csv").write_text("Foo,Bar\n1,2\n", encoding="utf-8")  # no known layout
    shutil.move(world / "truth", tmp / "truth")
    db, out = tmp / "s.duckdb", tmp / "out"
    res = CliRunner().invoke(app, ["run", str(world), "--referrals", str(world / "mash_referrals.csv"),
                                   "--as-of", "2026-10-31", "--out", str(out), "--db", str(db)])
    con = duckdb.connect(str(db), read_only=True)
    try:
        child = con.execute("SELECT DISTINCT person_id FROM person_mentions WHERE source_file = "
                            "'police_occurrences.csv' AND source_row = ?", [row]).fetchall()
        entry = con.execute("SELECT c.event_id, c.event_date, c.date_status, c.date_raw FROM chronology c "
                            "JOIN event_sources s USING (event_id) WHERE s.source_file = 'police_occurrences.csv' "
                            "AND s.source_row = ?", [row]).fetchall()
        unjudged = con.execute("SELECT DISTINCT rule FROM flags_unjudged WHERE source_file = "
                               "'police_occurrences.csv' AND source_row = ?", [row]).fetchall()
    finally:
        con.close()
    assert len(child) == 1
    return {"res": res, "row": row, "child": child[0][0], "entry": entry, "unjudged": {r for (r,) in unjudged},
            "out": out, "db": db}


def test_run_writes_everything_then_exits_non_zero_naming_the_failed_extract(ran):
    res = ran["res"]
    assert res.exit_code == 1
    said = _flat(res.stderr)
    assert "1 extract(s) could not be ingested (partner_agency_export.csv" in said
    assert "every report written" in said
    assert (ran["out"] / "index.html").exists() and list(ran["out"].glob("child_*.html"))


def test_the_undated_record_is_in_the_chronology_with_its_date_as_written(ran):
    (event_id, date, status, raw), = ran["entry"]
    assert date is None and status == "invalid" and raw == BAD_DATE


def test_the_report_shows_it_in_the_date_unknown_list_and_chronology(ran):
    page = (ran["out"] / f"child_{ran['child']}.html").read_text(encoding="utf-8")
    source = f"police_occurrences.csv:{ran['row']}"
    lane = page.split('id="date-unknown"', 1)[1].split("</div>", 1)[0]
    assert source in lane
    chronology = page.split('id="chronology"', 1)[1]
    undated = chronology.split("Undated records", 1)[1]
    row = next(r for r in undated.split("<tr") if source in r)
    assert "date unknown" in row and f"<summary>as written</summary>{BAD_DATE}</details>" in row
    assert re.search(r"Chronology \((\d+) records\)", page)


def test_rules_that_needed_its_date_say_they_could_not_judge_it(ran):
    assert "concerns_not_collated" in ran["unjudged"]
    page = (ran["out"] / f"child_{ran['child']}.html").read_text(encoding="utf-8")
    panel = page.split('id="unjudged"', 1)[1].split("</section>", 1)[0]
    row = next(r for r in panel.split("<tr") if f"police_occurrences.csv:{ran['row']}" in r)
    assert "unreadable" in row and "Concerns" in row
    res = CliRunner().invoke(app, ["flags", "unjudged", "--child", ran["child"], "--db", str(ran["db"])])
    assert res.exit_code == 0 and f"police_occurrences.csv:{ran['row']}" in res.stdout


def test_every_page_states_the_extracts_and_each_agencys_latest_record(ran):
    for page in [ran["out"] / "index.html", *ran["out"].glob("child_*.html")]:
        text = page.read_text(encoding="utf-8")
        data = text.split('id="data"', 1)[1].split("</section>", 1)[0]
        assert "police_occurrences.csv" in data and "mash_referrals.csv" in data
        failed = next(r for r in data.split("<tr") if "partner_agency_export.csv" in r)
        assert "failed" in failed and "partner_agency_export.csv" in failed.split("failed", 1)[1]
        agencies = data.split("Latest record", 1)[1]
        for label in ("Police", "Children&#39;s social care", "Health", "School", "Housing"):
            assert re.search(rf"<td>{label}</td><td>\d", agencies), (page.name, label)


def test_report_without_as_of_uses_the_last_flag_runs(ran):
    runner = CliRunner()
    res = runner.invoke(app, ["flag", "--as-of", "2025-06-30", "--db", str(ran["db"])])
    assert res.exit_code == 0, res.output
    out = ran["db"].parent / "report"
    res = runner.invoke(app, ["report", "--child", ran["child"], "--out", str(out), "--db", str(ran["db"])])
    assert res.exit_code == 0, res.output
    assert "extracts as of 30 Jun 2025" in (out / f"child_{ran['child']}.html").read_text(encoding="utf-8")


def test_referrals_of_another_layout_are_refused(tiny_world: Path, tmp_path: Path):
    res = CliRunner().invoke(app, ["run", str(tiny_world), "--referrals", str(tiny_world / "police_occurrences.csv"),
                                   "--as-of", "2026-10-31", "--out", str(tmp_path / "out"),
                                   "--db", str(tmp_path / "s.duckdb")])
    assert res.exit_code != 0
    said = _flat(res.stderr)
    assert "police_occurrences.csv is not a MASH referrals extract" in said and "0 referrals" not in res.stdout
