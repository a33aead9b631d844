"""Shared benchmark plumbing: the large generated world, child-process runs, medians."""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LARGE = ROOT / "sample_data" / "large"


def ensure_large_world(rows: int = 1_000_000, seed: int = 11) -> Path:
    """Generate the ~1M-row benchmark world once (sample_data/large, gitignored)."""
    marker = LARGE / "manifest.json"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "sample_data.generate", "--out", str(LARGE), "--rows", str(rows),
                        "--seed", str(seed)], check=True, cwd=ROOT)
    return LARGE


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(args: list[str]) -> dict:
    """Run `python -c/-m ...` in a fresh process that prints one JSON line; return it."""
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict], keys: list[str]) -> dict:
    """Median of each key over the runs."""
    return {k: statistics.median(r[k] for r in runs) for k in keys}
