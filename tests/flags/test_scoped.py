"""A flag run after an incremental link finds again only the flags of the persons the new rows touched
(and those near them), and ends with the store a whole run gives: the same chronology, the same flags
(ids, evidence, dispositions); the flags of everyone else stay exactly as stored."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from bench.link_incremental import split_world
from chronolink.engine.chronology.build import TABLES
from chronolink.engine.flags import flags_with_dispositions, run_flags, set_disposition
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.link.run import run_link
from chronolink.engine.store import open_store

WORLD = Path(__file__).resolve().parents[2] / "sample_data" / "world"
AS_OF = dt.date(2026, 10, 31)
DAY_ROWS = 60  # the last rows of every CSV and JSONL extract, referrals among them
_FLAG = ("flag_id", "rule", "child_person_id", "other_person_id", "address_id", "trigger_date", "as_of",
         "evidence", "trigger_dates", "address_ids", "status", "reason", "actor")


def _hold_adults(world: Path, base: Path, out: Path, per_rule: int = 4) -> Path:
    """Move the police rows of the adult in a few bail_address_child and unassessed_adult concerns of the
    world's truth from the base extract to a day file of their own: their children are untouched by them,
    so only a scope reaching from a changed adult to the children near them finds those flags again."""
    truth = pl.read_csv(world / "truth" / "mentions.csv")
    police = truth.filter(pl.col("source_file") == "police_occurrences.csv")
    flags = pl.read_csv(world / "truth" / "flags.csv").filter(
        pl.col("rule").is_in(["bail_address_child", "unassessed_adult"]))
    picked = flags.sort("rule", "child_person_id", "other_person_id").group_by("rule", maintain_order=True).head(per_rule)
    rows = police.filter(pl.col("person_id").is_in(picked["other_person_id"].implode()))["source_row"]
    src = base / "police_occurrences.csv"
    body = src.read_bytes()
    keep, day = base / "police_base.tmp", out / "police_occurrences_day3.csv"
    held = set(rows.to_list())
    _split_rows(src, keep, day, held)
    keep.replace(src)
    assert body != src.read_bytes() and held
    return day


def _split_rows(src: Path, keep: Path, day: Path, rows: set[int]) -> None:
    """`src`'s data rows numbered in `rows` (1-based) to `day`, the others to `keep` (header on both)."""
    import csv
    import io

    raw = src.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    table = list(csv.reader(io.StringIO(raw[len(bom):].decode("latin-1"), newline="")))
    for path, part in ((keep, [r for i, r in enumerate(table[1:], 1) if i not in rows]),
                       (day, [r for i, r in enumerate(table[1:], 1) if i in rows])):
        buf = io.StringIO(newline="")
        csv.writer(buf, quoting=csv.QUOTE_ALL).writerows([table[0], *part])
        path.write_bytes(bom + buf.getvalue().encode("latin-1"))


def _flags(con) -> pl.DataFrame:
    return flags_with_dispositions(con).select(*_FLAG, "flagged_at").sort("flag_id")


def _derived(con) -> dict[str, pl.DataFrame]:
    out = {}
    for t in TABLES:
        frame = con.sql(f"SELECT * FROM {t}").pl()
        out[t] = frame.sort(frame.columns, nulls_last=True)
    out["flags_unjudged"] = con.sql("SELECT * FROM flags_unjudged ORDER BY ALL").pl()
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("split")
    held, day = split_world(WORLD, out, DAY_ROWS)
    day.append(_hold_adults(WORLD, held, out))
    con = open_store(tmp_path_factory.mktemp("store") / "s.duckdb")
    try:
        ingest_paths(con, [held])
        run_link(con)
        run_flags(con, AS_OF)
        before = _flags(con)
        # an analyst's decisions on several children's flags, made before the new rows came
        decided = before.unique("child_person_id", keep="first").sort("flag_id").head(40)["flag_id"].to_list()
        for fid in decided:
            set_disposition(con, fid, "dismissed", "analyst", reason="known to the team")
        ingest_paths(con, day)
        link = run_link(con)
        run_flags(con, AS_OF)
        build = con.execute("SELECT mode, n_changed_persons, n_new_records FROM chronology_builds "
                            "ORDER BY built_at DESC LIMIT 1").fetchall()[0]
        scoped = {"flags": _flags(con), "derived": _derived(con), "build": build,
                  "children": con.sql("SELECT person_id FROM _fs_children").pl()["person_id"].to_list()}
        run_flags(con, AS_OF, scoped=False)
        whole = {"flags": _flags(con), "derived": _derived(con)}
        return {"link": link, "before": before, "decided": decided, "scoped": scoped, "whole": whole}
    finally:
        con.close()


def test_the_run_after_an_incremental_link_is_scoped(runs):
    assert runs["link"].mode == "incremental"
    mode, n_changed, n_new = runs["scoped"]["build"]
    assert mode == "scoped" and n_new > 0
    assert set(runs["link"].changed_persons) <= set(runs["scoped"]["children"])
    # it found again the flags of a small share of the store's persons
    assert 0 < len(runs["scoped"]["children"]) < runs["link"].n_persons / 4


def test_scoped_run_gives_the_chronology_and_flags_of_a_whole_run(runs):
    for table, frame in runs["whole"]["derived"].items():
        assert frame.height and frame.equals(runs["scoped"]["derived"][table]), table
    scoped, whole = runs["scoped"]["flags"].drop("flagged_at"), runs["whole"]["flags"].drop("flagged_at")
    assert scoped.height == whole.height and scoped.equals(whole)
    # the new rows did change flags (the test would pass trivially otherwise)
    assert not runs["before"].drop("flagged_at").equals(whole)


def test_untouched_flags_stay_as_stored_and_decisions_follow_the_flag(runs):
    before, scoped = runs["before"], runs["scoped"]["flags"]
    children = set(runs["scoped"]["children"])
    untouched = before.filter(~pl.col("child_person_id").is_in(children)).drop("status", "reason", "actor")
    kept = scoped.join(untouched.select("flag_id"), on="flag_id", how="semi").drop("status", "reason", "actor")
    assert untouched.height and kept.sort("flag_id").equals(untouched.sort("flag_id"))  # flagged_at too
    status = dict(zip(scoped["flag_id"], scoped["status"]))
    dismissed_untouched = [f for f in runs["decided"] if f in set(untouched["flag_id"])]
    assert dismissed_untouched and all(status[f] == "dismissed" for f in dismissed_untouched)
    # a recomputed child's decided flag that still fires keeps its decision too
    recomputed = [f for f in runs["decided"] if f not in set(untouched["flag_id"]) and f in status]
    assert all(status[f] == "dismissed" for f in recomputed)


def test_the_scope_reaches_the_children_near_a_changed_person_and_reads_their_neighbours():
    """T = {A}. A lives at X with child C; C also lives at Y with P, and Q is bailed to Y. C's flags are
    found again (A may be the adult of one), from C's, A's, P's and Q's records (P and Q may be the
    other person of C's flags at Y); P's own flags read nothing that changed."""
    import duckdb

    from chronolink.engine.flags.scope import CHILDREN, INPUTS, scope_tables

    con = duckdb.connect()
    con.execute("""
        CREATE TABLE observations AS SELECT * FROM (VALUES ('A', 'X'), ('C', 'X'), ('C', 'Y'), ('P', 'Y'),
            ('R', 'Z')) t(person_id, address_id);
        CREATE TABLE records AS SELECT * FROM (VALUES (1, 'police.bail'), (2, 'police.bail')) t(record_id, event_type);
        CREATE TABLE person_mentions AS SELECT * FROM (VALUES (1, 'Q'), (2, 'R')) t(record_id, person_id);
        CREATE TABLE address_mentions AS SELECT * FROM (VALUES (1, 'BailAddress', 'Y'), (2, 'BailAddress', 'Z'))
            t(record_id, field, address_id);
        CREATE TEMP TABLE changed AS SELECT 'A' AS person_id;
        CREATE TEMP TABLE new_records AS SELECT 99 AS record_id;
    """)
    scope_tables(con, "changed", "new_records")
    assert {p for (p,) in con.execute(f"SELECT person_id FROM {CHILDREN}").fetchall()} == {"A", "C"}
    assert {p for (p,) in con.execute(f"SELECT person_id FROM {INPUTS}").fetchall()} == {"A", "C", "P", "Q"}
