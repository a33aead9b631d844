"""Repeatable runs: the same extracts give the same store and byte-identical reports, run after run,
and a run killed anywhere and restarted ends exactly where an uninterrupted run ends.

The kill test kills `chronolink run` with SIGKILL at KILLS points spread over its four stages
(ingest, link, flag, reports), each a random time into its stage (a hook in `staged_run.py` starts the
clock when the stage starts, so a loaded machine does not push every kill into one stage). The
kills come in CHAINS chains run side by side: each restart of a chain is itself killed at the chain's
next point, and the chain's last restart runs to the end and is compared, table by table and byte by
byte, with the uninterrupted run. After every kill the store is checked for half-done work (a file
whose rows do not reconcile, a row stored twice, a report written in part).
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from tests.batch.snapshot import differences, report_files, store_tables

STAGES = ("ingest", "link", "flag", "reports")
KILLS = 22
CHAINS = 2
MIN_PER_STAGE = 4
STAGED = Path(__file__).with_name("staged_run.py")
CLI = [sys.executable, "-m", "chronolink"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOLINK_")}
    env.update(extra)
    return env


def _args(world: Path, run_dir: Path) -> list[str]:
    return ["run", str(world), "--referrals", str(world / "mash_referrals.csv"), "--as-of", "2026-10-31",
            "--out", str(run_dir / "out"), "--db", str(run_dir / "s.duckdb")]


def _staged(world: Path, run_dir: Path, log: Path, kill: tuple[str, float] | None = None
            ) -> subprocess.CompletedProcess:
    extra = {"CHRONOLINK_STAGE_LOG": str(log)}
    if kill:
        extra |= {"CHRONOLINK_KILL_STAGE": kill[0], "CHRONOLINK_KILL_AFTER": f"{kill[1]:.3f}"}
    return subprocess.run([sys.executable, str(STAGED), *_args(world, run_dir)], env=_env(**extra),
                          capture_output=True, text=True, timeout=300)


def _marks(log: Path) -> list[tuple[str, float]]:
    if not log.exists():
        return []
    return [(name, float(t)) for name, t in (line.split() for line in log.read_text().splitlines())]


def _snapshot(run_dir: Path) -> dict:
    return {"tables": store_tables(run_dir / "s.duckdb"), "files": report_files(run_dir / "out")}


def _check_nothing_partial(run_dir: Path) -> list[str]:
    """Half-done work a kill could leave: problems found, by kind (empty when none)."""
    problems = []
    db = run_dir / "s.duckdb"
    if db.exists():
        con = duckdb.connect(str(db), read_only=True)
        try:
            tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            if "source_files" in tables:
                bad = con.execute("""
                    SELECT count(*) FROM source_files f
                    WHERE NOT superseded AND (rows_read <> rows_stored + rows_quarantined
                       OR rows_stored <> (SELECT count(*) FROM records r WHERE r.file_seq = f.file_seq))
                """).fetchall()[0][0]
                if bad:
                    problems.append(f"{bad} file(s) not reconciling")
                twice = con.execute("""
                    SELECT count(*) FROM (SELECT r.source_file, r.source_row FROM records r
                                          JOIN source_files f USING (file_seq) WHERE NOT f.superseded
                                          GROUP BY ALL HAVING count(*) > 1)""").fetchall()[0][0]
                if twice:
                    problems.append(f"{twice} row(s) stored twice")
        finally:
            con.close()
    out = run_dir / "out"
    if out.exists():
        for p in out.glob("*.html"):
            if not p.read_bytes().rstrip().endswith(b"</html>"):
                problems.append(f"{p.name} written in part")
    return problems


@pytest.fixture(scope="module")
def clean(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two uninterrupted runs side by side in fresh stores (one logs its stage times), and the first's result."""
    tmp = tmp_path_factory.mktemp("clean")
    a, b = tmp / "a", tmp / "b"
    with ThreadPoolExecutor(2) as pool:
        fa = pool.submit(_staged, tiny_world, a, tmp / "a.log")
        fb = pool.submit(subprocess.run, CLI + _args(tiny_world, b), env=_env(), capture_output=True, text=True,
                         timeout=300)
        ra, rb = fa.result(), fb.result()
    assert ra.returncode == 0, ra.stderr[-2000:]
    assert rb.returncode == 0, rb.stderr[-2000:]
    marks = dict(_marks(tmp / "a.log"))
    assert list(marks) == [*STAGES, "end"], marks
    bounds = [marks[s] for s in (*STAGES, "end")]
    return {"a": _snapshot(a), "b": _snapshot(b),
            "durations": {s: bounds[i + 1] - bounds[i] for i, s in enumerate(STAGES)}}


def test_two_runs_give_identical_tables_and_reports(clean: dict) -> None:
    a, b = clean["a"], clean["b"]
    assert differences(a["tables"], b["tables"]) == []
    assert differences(a["files"], b["files"]) == []
    # Not vacuous: the runs linked, flagged and reported.
    assert len(a["tables"]["persons"][1]) > 50 and a["tables"]["flags"][1]
    assert "index.html" in a["files"] and any(n.startswith("child_") for n in a["files"])


def _kill_points(durations: dict[str, float], rng: random.Random) -> list[tuple[str, float]]:
    """KILLS (stage, seconds into it): at least MIN_PER_STAGE per stage, the rest by each stage's share of
    the run; each a random time into its stage."""
    total = sum(durations.values())
    counts = {s: MIN_PER_STAGE for s in STAGES}
    for _ in range(KILLS - MIN_PER_STAGE * len(STAGES)):
        counts[rng.choices(STAGES, weights=[durations[s] / total for s in STAGES])[0]] += 1
    # Within the first 80% of the stage as the clean run timed it: a restart can be quicker (less to do,
    # a quieter machine), and a kill after the run ended tests nothing.
    return [(s, rng.uniform(0.0, 0.8 * durations[s])) for s in STAGES for _ in range(counts[s])]


def _chain(world: Path, run_dir: Path, points: list[tuple[str, float]]) -> dict:
    """Kill a run at each point in turn (each restart killed at the next), then restart to the end."""
    killed, problems = [], []
    for i, point in enumerate(points):
        log = run_dir.parent / f"{run_dir.name}-{i}.log"
        res = _staged(world, run_dir, log, kill=point)
        marks = _marks(log)
        if res.returncode == -signal.SIGKILL:
            # Where the kill landed: the last stage the run had entered.
            killed.append(marks[-1][0] if marks else "start")
            problems += [f"after kill {i} ({point[0]} +{point[1]:.2f}s): {p}" for p in _check_nothing_partial(run_dir)]
        else:
            assert res.returncode == 0, res.stderr[-2000:]
    final = subprocess.run(CLI + _args(world, run_dir), env=_env(), capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    return {"killed": killed, "problems": problems, "result": _snapshot(run_dir)}


def test_runs_killed_anywhere_restart_to_the_same_bytes(clean: dict, tiny_world: Path, tmp_path: Path) -> None:
    seed = int(os.environ.get("CHRONOLINK_KILL_SEED", random.SystemRandom().randrange(1 << 30)))
    rng = random.Random(seed)
    points = _kill_points(clean["durations"], rng)
    chains = [sorted(points[i::CHAINS], key=lambda p: (STAGES.index(p[0]), p[1])) for i in range(CHAINS)]
    with ThreadPoolExecutor(CHAINS) as pool:
        results = list(pool.map(lambda ic: _chain(tiny_world, tmp_path / f"chain{ic[0]}", ic[1]),
                                enumerate(chains)))
    why = f"(kill seed {seed}: rerun with CHRONOLINK_KILL_SEED={seed})"
    killed = [k for r in results for k in r["killed"]]
    assert len(killed) >= 20, f"only {len(killed)} runs were killed before they ended {why}"
    assert set(STAGES) <= set(killed), f"kills landed in {sorted(set(killed))} {why}"
    assert [p for r in results for p in r["problems"]] == [], why
    for r in results:
        assert differences(clean["a"]["tables"], r["result"]["tables"]) == [], why
        assert differences(clean["a"]["files"], r["result"]["files"]) == [], why
