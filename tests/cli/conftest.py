"""A linked and flagged store from the tiny world, shared by the CLI tests (built once per session)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from chronolink.engine.cli import app
from chronolink.engine.link.review import queue_pairs

KEY_VARS = ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION")


@pytest.fixture(scope="session")
def flagged_store(tiny_world: Path, tmp_path_factory) -> dict[str, str]:
    """A linked and flagged store from the tiny world, and the ids the commands need."""
    folder = tmp_path_factory.mktemp("misuse_base")
    db = folder / "store.duckdb"
    runner = CliRunner()
    env = {v: None for v in KEY_VARS}
    for args in (["ingest", str(tiny_world)], ["link"], ["flag", "--as-of", "2026-10-31"]):
        res = runner.invoke(app, [*args, "--db", str(db)], env=env)
        assert res.exit_code == 0, (args, res.stderr)
    con = duckdb.connect(str(db))
    try:
        if not con.execute("SELECT count(*) FROM link_review").fetchall()[0][0]:
            # The review commands need a pair awaiting review; a world whose linkage leaves none gets one
            # queued the way a link run queues its borderline pairs (two mentions of two persons).
            a, b = (r[0] for r in con.execute("SELECT min(mention_id) FROM person_mentions GROUP BY person_id "
                                              "ORDER BY 1 LIMIT 2").fetchall())
            queue_pairs(con, pl.DataFrame({"mention_id_l": [a], "mention_id_r": [b], "match_weight": [0.5],
                                           "match_probability": [0.59]}), run_id=1, replace=False)
        child, flag = con.execute("SELECT child_person_id, flag_id FROM flags ORDER BY flag_id LIMIT 1").fetchall()[0]
        review = con.execute("SELECT min(review_id) FROM link_review").fetchall()[0][0] or 1
        m1, m2 = (r[0] for r in con.execute("SELECT mention_id FROM person_mentions WHERE person_id = ? "
                                            "ORDER BY mention_id LIMIT 2", [child]).fetchall())
    finally:
        con.close()
    people = folder / "people.csv"
    people.write_text("ref,name,born\n1,Sarah Jones,03/04/1990\n2,Sarah Jones,03/04/1990\n", encoding="utf-8")
    mapping = folder / "mapping.toml"
    mapping.write_text('[columns]\nfull_name = "name"\ndob = "born"\nid = "ref"\n', encoding="utf-8")
    return {"db": str(db), "extracts": str(tiny_world), "referrals": str(tiny_world / "mash_referrals.csv"),
            "child": child, "flag": flag, "review": str(review), "m1": str(m1), "m2": str(m2),
            "people": str(people), "mapping": str(mapping)}


