"""One concern is one flag, its id a documented SHA-256 of its identity, and decisions that last:
through re-runs whose trigger dates change, and from a store flagged by the previous version."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from bench.flag_quality import apply_oracle
from chronolink.engine.flags import flag_id, flags_with_dispositions, run_flags, set_disposition
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.store import open_store
from chronolink.reports import render_child_html
from chronolink.reports.report_data import child_report_data
from chronolink.reports.vocab import fmt_date

AS_OF = dt.date(2026, 10, 31)


def _old_flag_id(rule: str, child: str, other: str | None, address: str | None, trigger: dt.date) -> str:
    """The previous version's id (engine/flags/store.py before this one): a polars hash of the identity
    and the trigger date, one flag per trigger."""
    ident = pl.DataFrame({"i": [f"{rule}|{child}|{other or ''}|{address or ''}|{trigger.isoformat()}"]})["i"]
    return "F" + ident.hash(seed=20261125).cast(pl.String).str.slice(0, 12)[0]


@pytest.fixture(scope="module")
def flagged(small_world: Path, tmp_path_factory):
    """The small world with true links and its flags (one concern fires on several dates here)."""
    con = open_store(tmp_path_factory.mktemp("identity") / "s.duckdb")
    ingest_paths(con, [small_world])
    apply_oracle(con, small_world / "truth")
    run_flags(con, AS_OF)
    yield con
    con.close()


def test_flag_id_is_sha256_of_the_documented_canonical_string():
    expected = "F" + hashlib.sha256(b"chronolink-flag-v1|bail_address_child|P00000012|P00000345|").hexdigest()[:16]
    assert flag_id("bail_address_child", "P00000012", "P00000345", "A00000009") == expected
    assert flag_id("long_cp_plan", "P00000012") == \
        "F" + hashlib.sha256(b"chronolink-flag-v1|long_cp_plan|P00000012||").hexdigest()[:16]


def test_one_flag_per_rule_child_and_other_listing_every_firing(flagged, small_world):
    frame = flags_with_dispositions(flagged)
    keys = frame.select("rule", "child_person_id", "other_person_id")
    assert keys.unique().height == frame.height  # one concern, one flag
    several = frame.filter(pl.col("trigger_dates").list.len() > 1)
    assert several.height > 0  # this world has concerns firing more than once
    for f in frame.iter_rows(named=True):
        ev = json.loads(f["evidence"])
        dates = sorted({o["trigger_date"] for o in ev["occurrences"]})
        assert dates == [d.isoformat() for d in f["trigger_dates"]]
        assert f["trigger_date"] == max(f["trigger_dates"])  # the latest firing
        assert f["flag_id"] == flag_id(f["rule"], f["child_person_id"], f["other_person_id"])
    # Every trigger of truth/flags.csv of a key the engine found is listed on the engine's flag.
    truth = pl.read_csv(small_world / "truth" / "flags.csv", infer_schema=False)
    multi = truth.group_by("rule", "child_person_id", "other_person_id").len().filter(pl.col("len") > 1)
    assert multi.height > 0


def test_the_report_shows_every_firing(flagged):
    f = flags_with_dispositions(flagged).filter(pl.col("trigger_dates").list.len() > 1).row(0, named=True)
    html = render_child_html(child_report_data(flagged, f["child_person_id"], AS_OF))
    assert f"(the latest of {len(f['trigger_dates'])})" in html
    for d in f["trigger_dates"]:
        assert f"<li>{fmt_date(d)}" in html  # listed on the flag
        assert f'<tr class="flag-row"><td>{fmt_date(d)}</td>' in html  # and in the chronology on its date


def test_a_decision_follows_the_concern_when_its_dates_change(flagged, tmp_path):
    from chronolink.engine.rules.settings import DEFAULT_SETTINGS_PATH

    now = flags_with_dispositions(flagged)
    # With the first core group due on the 12th working day, not the 10th, a late plan fires on
    # other dates: the same concerns, other trigger dates, the same flags by id.
    later = tmp_path / "later.toml"
    text = DEFAULT_SETTINGS_PATH.read_text()
    assert "[core_group_overdue]\nworking_days = 10" in text
    later.write_text(text.replace("[core_group_overdue]\nworking_days = 10", "[core_group_overdue]\nworking_days = 12"))
    moved = run_flags(flagged, AS_OF, later)
    both = now.join(moved, on="flag_id", suffix="_then").filter(pl.col("trigger_dates") != pl.col("trigger_dates_then"))
    assert both.height > 0
    fid = both["flag_id"][0]
    set_disposition(flagged, fid, "dismissed", "analyst1", reason="known, plan in place")
    run_flags(flagged, AS_OF)
    again = flags_with_dispositions(flagged).filter(pl.col("flag_id") == fid).row(0, named=True)
    assert (again["status"], again["actor"]) == ("dismissed", "analyst1")
    assert again["trigger_dates"] != both["trigger_dates_then"][0].to_list()


def _make_previous_version(con) -> dict[str, str]:
    """Turn the store's flag tables into what the previous version wrote: one row per trigger, ids by
    the old hash, no occurrence columns, no id-scheme mark. Returns old id -> the concern's new id."""
    current = con.sql("SELECT * FROM flags").pl()
    old_rows, old_to_new = [], {}
    for f in current.iter_rows(named=True):
        ev = json.loads(f["evidence"])
        for occ in ev["occurrences"]:
            trigger = dt.date.fromisoformat(occ["trigger_date"])
            oid = _old_flag_id(f["rule"], f["child_person_id"], f["other_person_id"], occ["address_id"], trigger)
            old_to_new[oid] = f["flag_id"]
            old_rows.append((oid, f["rule"], f["child_person_id"], f["other_person_id"], occ["address_id"], trigger,
                             f["as_of"], json.dumps({"records": ev["records"], "links": ev.get("links", [])}),
                             f["flagged_at"]))
    con.execute("DROP TABLE flags; DROP TABLE flag_meta; DROP TABLE flag_id_migration; DROP TABLE flag_runs")
    con.execute("""CREATE TABLE flags (flag_id VARCHAR PRIMARY KEY, rule VARCHAR NOT NULL,
                   child_person_id VARCHAR NOT NULL, other_person_id VARCHAR, address_id VARCHAR,
                   trigger_date DATE NOT NULL, as_of DATE NOT NULL, evidence JSON NOT NULL,
                   flagged_at TIMESTAMP NOT NULL)""")
    con.executemany("INSERT INTO flags VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", old_rows)
    con.execute("DELETE FROM flag_dispositions")
    return old_to_new


def test_a_store_of_the_previous_version_keeps_every_disposition(small_world, tmp_path):
    db = tmp_path / "old.duckdb"
    con = open_store(db)
    ingest_paths(con, [small_world])
    apply_oracle(con, small_world / "truth")
    run_flags(con, AS_OF)
    old_to_new = _make_previous_version(con)
    old_ids = sorted(old_to_new)
    assert len(old_ids) > len(set(old_to_new.values()))  # several old flags are one concern now
    # Decisions as the previous version stored them, by old id: two on one concern (the later wins),
    # and one on a flag no longer stored.
    by_new: dict[str, list[str]] = {}
    for oid in old_ids:
        by_new.setdefault(old_to_new[oid], []).append(oid)
    pair = next(ids for ids in by_new.values() if len(ids) > 1)
    single = [ids[0] for ids in by_new.values() if len(ids) == 1][:3]
    t0 = dt.datetime(2026, 1, 5, 9, 0)
    decisions = [(pair[0], "dismissed", "no longer there", "a1", t0), (pair[1], "confirmed", None, "a2",
                                                                         t0 + dt.timedelta(hours=2))]
    decisions += [(oid, "actioned", None, "a3", t0) for oid in single]
    decisions.append(("F999999999999", "confirmed", None, "a4", t0))
    con.executemany("INSERT INTO flag_dispositions VALUES (?, ?, ?, ?, ?)", decisions)
    con.close()

    con = open_store(db)  # this version opens it: flag tables are migrated on first use
    try:
        frame = flags_with_dispositions(con)
        assert frame.height == len(by_new)
        assert frame.select("rule", "child_person_id", "other_person_id").unique().height == frame.height
        status = dict(zip(frame["flag_id"], frame["status"]))
        assert status[old_to_new[pair[0]]] == "confirmed"  # the later of the two decisions
        assert all(status[old_to_new[oid]] == "actioned" for oid in single)
        # every stored decision is kept: moved to its concern, or (its flag gone) left as it was
        kept = con.execute("SELECT flag_id, status FROM flag_dispositions ORDER BY ALL").fetchall()
        assert len(kept) == len(decisions)
        assert ("F999999999999", "confirmed") in kept
        # every firing of the old rows is on the merged flag
        merged = frame.filter(pl.col("flag_id") == old_to_new[pair[0]]).row(0, named=True)
        assert len(merged["trigger_dates"]) == len(pair)
        # an id printed by the previous version still finds its flag
        assert set_disposition(con, single[0], "open", "a5") == old_to_new[single[0]]
        # the next flag run (rebuilt, not migrated) keeps them all
        run_flags(con, AS_OF)
        after = flags_with_dispositions(con)
        assert dict(zip(after["flag_id"], after["status"]))[old_to_new[pair[0]]] == "confirmed"
        assert con.execute("SELECT count(*) FROM flag_dispositions").fetchall()[0][0] == len(decisions) + 1
    finally:
        con.close()
