"""The batch run from inside the workbench: the server owns the store, so it runs the batch itself.

The extracts folder is watched (polled: name, size and modification time of each
extract); when something is new or changed the workbench says so, and the analyst starts
the run with a button. The run goes in a background thread on its own cursor, holding
the gate's batch lock (decisions pause, pages go on), reporting its progress.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chronolink.engine.errors import ChronolinkError
from chronolink.engine.ingest import EXTRACT_SUFFIXES
from chronolink.engine.serve.gate import StoreGate

STEPS = ("ingest", "link", "flag", "reports")


@dataclass
class BatchStatus:
    """What the batch page shows."""

    configured: bool
    extracts: str | None
    running: bool = False
    step: str | None = None
    done: int = 0
    total: int = 0
    steps_done: list[str] = field(default_factory=list)
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    outcome: str | None = None
    failed: bool = False
    changed: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        if not self.running:
            return 100 if self.finished else 0
        per = 100 / len(STEPS)
        within = self.done / self.total if self.total else 0
        return int(per * len(self.steps_done) + per * within)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    if not folder.is_dir():
        return {}
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in EXTRACT_SUFFIXES and not p.name.startswith(".")}


class BatchRunner:
    """Runs `run_batch` for the workbench, one run at a time."""

    def __init__(self, gate: StoreGate, extracts: Path | None, referrals: Path | None, out: Path,
                 run: Callable | None = None) -> None:
        self.gate, self.extracts, self.out = gate, extracts, out
        self.referrals = referrals or (extracts / "mash_referrals.csv" if extracts else None)
        self._status = BatchStatus(configured=extracts is not None, extracts=str(extracts) if extracts else None)
        self._lock = threading.Lock()
        self._seen = self._ingested_snapshot()
        self._run = run
        self._thread: threading.Thread | None = None

    def _ingested_snapshot(self) -> dict[str, tuple[int, int]]:
        """The extracts as they are now, less those the store has never seen (those count as new)."""
        if self.extracts is None:
            return {}
        with self.gate.read() as con:
            try:
                known = {n for (n,) in con.execute("SELECT DISTINCT source_file FROM source_files").fetchall()}
            except Exception:  # a new store has no source_files yet
                known = set()
        return {k: v for k, v in _snapshot(self.extracts).items() if k in known}

    def status(self) -> BatchStatus:
        """The current status, with the extracts new or changed since the last run."""
        with self._lock:
            if self.extracts is not None and not self._status.running:
                now = _snapshot(self.extracts)
                self._status.changed = sorted(k for k, v in now.items() if self._seen.get(k) != v)
            return BatchStatus(**{**self._status.__dict__, "steps_done": list(self._status.steps_done),
                                  "changed": list(self._status.changed)})

    def start(self, as_of: dt.date) -> bool:
        """Start a run in the background; False if one is running or no folder is configured."""
        if self.extracts is None or self.referrals is None:
            return False
        with self._lock:
            if self._status.running:
                return False
            self._status = BatchStatus(configured=True, extracts=str(self.extracts), running=True,
                                       started=dt.datetime.now())
        self._thread = threading.Thread(target=self._work, args=(as_of,), name="chronolink-batch", daemon=True)
        self._thread.start()
        return True

    def _progress(self, step: str, done: int, total: int) -> None:
        with self._lock:
            if self._status.step and self._status.step != step and self._status.step not in self._status.steps_done:
                self._status.steps_done.append(self._status.step)
            self._status.step, self._status.done, self._status.total = step, done, total

    def _work(self, as_of: dt.date) -> None:
        from chronolink.engine.batch import run_batch

        assert self.extracts is not None and self.referrals is not None
        snapshot = _snapshot(self.extracts)
        outcome, failed = "", False
        try:
            with self.gate.batch_lock:
                # The run rewrites the tables the lookup indexes are on: off before, rebuilt after.
                self.gate.lookups.drop()
                try:
                    with self.gate.read() as cur:
                        result = (self._run or run_batch)(cur, self.extracts, self.referrals, as_of, self.out,
                                                          progress=self._progress)
                finally:
                    self.gate.lookups.start()
            known = sum(r.child_person_id is not None for r in result.referrals)
            outcome = (f"{len(result.referrals)} referrals ({known} children known to agencies), "
                       f"{result.n_flags} flags, {len(result.reports)} reports written")
            self.gate.audit("serve.batch", "report",
                            sorted({r.child_person_id for r in result.referrals if r.child_person_id})[:1000],
                            {"referrals": len(result.referrals), "flags": result.n_flags,
                             "reports": len(result.reports)})
            self._seen = snapshot
        except ChronolinkError as exc:  # its message names the file, row or field, never a value
            outcome, failed = f"the batch run failed: {exc}", True
        except Exception as exc:  # the page says what failed; the traceback's locals would hold records
            outcome, failed = f"the batch run failed: {type(exc).__name__}", True
        with self._lock:
            self._status.running, self._status.failed, self._status.outcome = False, failed, outcome
            if self._status.step and self._status.step not in self._status.steps_done:
                self._status.steps_done.append(self._status.step)
            self._status.finished = dt.datetime.now()

    def wait(self, timeout: float = 600) -> None:
        """Block until a running batch finishes (tests)."""
        deadline = time.monotonic() + timeout
        while self._thread is not None and self._thread.is_alive() and time.monotonic() < deadline:
            self._thread.join(0.1)

    def stop(self) -> None:
        """Wait for a running batch before the store closes (a run is restartable, but finish it)."""
        self.wait()


def batch_factory(extracts: Path | None, referrals: Path | None, out: Path | None, db: Path | None
                  ) -> Callable[[StoreGate], BatchRunner]:
    """A factory the server calls with its gate."""
    def make(gate: StoreGate) -> BatchRunner:
        folder = out or Path(str(gate.path or "chronolink.duckdb") + ".reports")
        return BatchRunner(gate, extracts, referrals, folder)
    return make
