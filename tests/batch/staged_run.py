"""`chronolink run`, logging when each batch stage starts (CHRONOLINK_STAGE_LOG) and, for the kill
test, killing itself with SIGKILL a given time into a given stage (CHRONOLINK_KILL_STAGE,
CHRONOLINK_KILL_AFTER seconds): a hook, so a kill lands in the stage meant however loaded the machine.

Usage: python staged_run.py run EXTRACTS --referrals ... (the arguments of `chronolink`).
"""
from __future__ import annotations

import os
import signal
import threading
import time

from chronolink.engine import batch
from chronolink.engine.cli import main

_T0 = time.monotonic()
_LOG = os.environ["CHRONOLINK_STAGE_LOG"]
_KILL_STAGE = os.environ.get("CHRONOLINK_KILL_STAGE")
_KILL_AFTER = float(os.environ.get("CHRONOLINK_KILL_AFTER", "0"))
_batch = batch.run_batch


def _mark(name: str) -> None:
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(f"{name} {time.monotonic() - _T0:.3f}\n")


def _staged(*args, progress=None, **kwargs):
    seen: set[str] = set()

    def step(name: str, done: int, total: int) -> None:
        if name not in seen:
            seen.add(name)
            _mark(name)
            if name == _KILL_STAGE:
                timer = threading.Timer(_KILL_AFTER, os.kill, (os.getpid(), signal.SIGKILL))
                timer.daemon = True  # a run that ends first is not held open for it
                timer.start()
        if progress is not None:
            progress(name, done, total)

    return _batch(*args, progress=step, **kwargs)


batch.run_batch = _staged  # `run` imports it from the package when it runs
try:
    main()
finally:
    _mark("end")
