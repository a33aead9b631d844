"""The same declared pipeline on Spark: the sample world linked on DuckDB and on Spark local[2] gives
the same persons and places, trained on the same pairs, and `--engine spark` without pyspark or Java
is a one-line error.

CI installs a JRE (`.ci/run`) and sets CHRONOLINK_TEST_REQUIRE_SPARK=1, so there the parity test can
never be skipped; elsewhere it is skipped only when Java is missing.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chronolink.engine.cli import app
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.link.run import run_link
from chronolink.engine.link.settings import EmSettings, LinkSettings
from chronolink.engine.store import open_store

WORLD = Path(__file__).resolve().parents[2] / "sample_data" / "world"
# The same settings on both engines; a smaller u sample than the default 600,000 pairs keeps the test
# quick (parity holds for any sample: both engines draw the same one).
SETTINGS = LinkSettings(em=EmSettings(u_sample_pairs=50_000))
HAS_JAVA = shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))
if not HAS_JAVA and os.environ.get("CHRONOLINK_TEST_REQUIRE_SPARK") == "1":
    raise RuntimeError("CI requires Java 17+ for the Spark parity test (apt-get install -y openjdk-17-jre-headless)")
needs_java = pytest.mark.skipif(not HAS_JAVA, reason="needs Java 17+ for PySpark (apt-get install openjdk-17-jre-headless)")


# Settings for a toy world on two cores that change how Spark plans and compiles, never what it
# computes: the JVM's quick compiler only and a single-threaded collector (a short run spends more on
# compiling and collecting than on the data), no whole-stage code generation (compiled once per query,
# and nearly every query here runs once), no adaptive re-planning (an extra job per shuffle).
TOY_CONF = {
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.default.parallelism": "2",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
}


@pytest.fixture(scope="session")
def spark():
    """Spark on two local cores: no UI, two shuffle partitions, bound to 127.0.0.1 (no network)."""
    from chronolink.engine.link.spark_engine import spark_session

    s = spark_session("local[2]", shuffle_partitions=2, conf=TOY_CONF)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def linked_both_ways(spark, tmp_path_factory):
    """The sample world ingested once, then linked in full on DuckDB and, from the same store, on Spark."""
    from chronolink.engine.link.spark_run import run_link_spark

    base = tmp_path_factory.mktemp("parity")
    con = open_store(base / "ingested.duckdb")
    ingest_paths(con, [WORLD])
    con.close()
    out = {}
    for engine in ("duckdb", "spark"):
        folder = base / engine
        folder.mkdir()
        shutil.copy(base / "ingested.duckdb", folder / "store.duckdb")
        con = open_store(folder / "store.duckdb")
        rep = run_link_spark(con, SETTINGS, spark=spark) if engine == "spark" else run_link(con, SETTINGS, full=True)
        out[engine] = {
            "report": rep,
            "persons": dict(con.execute("SELECT mention_id, person_id FROM person_mentions").fetchall()),
            "places": dict(con.execute("SELECT address_mention_id, address_id FROM address_mentions").fetchall()),
            "model": json.loads(con.execute("SELECT model FROM link_runs ORDER BY run_id DESC LIMIT 1").fetchall()[0][0]),
            "persons_table": con.execute("SELECT * FROM persons ORDER BY person_id").fetchall(),
            "places_table": con.execute("SELECT * FROM places ORDER BY address_id").fetchall(),
            # the signatures and their hash keys, as a later incremental link on DuckDB reads them
            "sig": con.execute("SELECT * FROM link_sig ORDER BY sid").fetchall(),
            "pairs": con.execute("SELECT * FROM link_pairs ORDER BY mention_id_l, mention_id_r").fetchall(),
            "folder": sorted(p.name for p in folder.iterdir()),
        }
        con.close()
    return out


@needs_java
def test_spark_links_the_sample_world_into_the_same_persons_and_places(linked_both_ways):
    duck, spark = linked_both_ways["duckdb"], linked_both_ways["spark"]
    assert spark["report"].why_full == "on Spark"
    # The clustering ran on the executors, component by component (not collected to the driver).
    notes = spark["report"].notes
    assert notes["components"] > 500 and notes["largest_component"] >= 2 and notes["buckets"] >= 1
    assert 1 <= notes["cc_rounds"] < 20
    assert len(duck["persons"]) == len(spark["persons"]) > 8000
    assert len(set(duck["persons"].values())) > 1000  # a real clustering, not one blob or all singletons
    # Identical clusterings, and so (ids being a function of the clusters) identical stable ids.
    assert spark["persons"] == duck["persons"]
    assert spark["places"] == duck["places"]
    assert spark["persons_table"] == duck["persons_table"]
    assert spark["places_table"] == duck["places_table"]
    assert spark["sig"] == duck["sig"]
    assert spark["report"].n_candidates == duck["report"].n_candidates
    # The evidence pairs: the same pairs, rules and per-comparison levels and weights (3 decimals). A
    # match weight may differ in its last bits: Java's log2 (term-frequency weights) is ln(x)/ln(2).
    assert [p[:2] + p[4:] for p in spark["pairs"]] == [p[:2] + p[4:] for p in duck["pairs"]]
    assert all(abs(a[2] - b[2]) < 1e-9 and abs(a[3] - b[3]) < 1e-9 for a, b in zip(spark["pairs"], duck["pairs"]))


@needs_java
def test_spark_trains_the_same_model_on_the_same_pairs(linked_both_ways):
    # u comes from a sample ordered by DuckDB's hash (reproduced in Spark SQL), m from id-linked pairs
    # and EM over integer agreement-pattern counts: equal counts give equal parameters.
    duck, spark = linked_both_ways["duckdb"]["model"], linked_both_ways["spark"]["model"]
    assert spark["spec"] == duck["spec"]
    assert spark["params"]["comparisons"] == duck["params"]["comparisons"]
    assert spark["params"]["prior"] == duck["params"]["prior"]


@needs_java
def test_spark_run_leaves_no_parquet_behind(linked_both_ways):
    assert linked_both_ways["spark"]["folder"] == linked_both_ways["duckdb"]["folder"]


@pytest.fixture
def runner_env(monkeypatch, tmp_path):
    for var in ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "store.duckdb"


def _one_line_error(res, word: str) -> None:
    assert res.exit_code == 2, res.output
    text = res.stderr.strip()
    assert word in text and "--engine spark" in text and "Traceback" not in res.output
    assert len(text.splitlines()) == 1


def test_engine_spark_without_java_is_a_one_line_error(runner_env, monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    res = CliRunner().invoke(app, ["link", "--engine", "spark", "--db", str(runner_env)])
    _one_line_error(res, "Java 17")
    assert not runner_env.exists()  # refused before the store was touched


def test_engine_spark_without_pyspark_is_a_one_line_error(runner_env, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark -> ImportError
    for argv in (["link", "--engine", "spark", "--db", str(runner_env)],
                 ["run", str(WORLD), "--referrals", str(WORLD / "mash_referrals.csv"), "--as-of", "2026-10-31",
                  "--out", str(runner_env.parent / "out"), "--engine", "spark", "--db", str(runner_env)]):
        res = CliRunner().invoke(app, argv)
        _one_line_error(res, "pyspark")
        assert not runner_env.exists()
