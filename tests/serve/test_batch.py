"""The workbench is the store's one writer: `link` started while it runs refuses. The batch run from
the workbench itself (watched folder, progress, one run at a time, review decisions winning, the
reports it writes) is walked end to end in test_newcomer.py."""
from __future__ import annotations

import subprocess
import sys

from tests.serve.conftest import login


def test_link_refuses_while_the_workbench_owns_the_store(workbench, served_store):
    other = subprocess.run([sys.executable, "-m", "chronolink", "link", "--db", str(served_store[0])],
                           capture_output=True, text=True, timeout=60)
    assert other.returncode != 0 and "in use" in other.stderr


def test_batch_page_says_what_is_watched(workbench):
    c = login(workbench)
    page = c.get("/batch").text
    assert "Watching" in page and "No new or changed extracts" in page
    assert c.post("/batch/run", data={"as_of": "not a date"}, headers={"x-csrf-token": c.csrf}).status_code == 409
