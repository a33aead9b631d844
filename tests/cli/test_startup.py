"""`chronolink --help` starts fast: no command module loads DuckDB or polars until a command runs.

Checked by what a fresh interpreter has imported, not by a stopwatch (a timed test would measure the
machine's load). Heavy modules belong inside the command bodies (engine/cli/*_cmd.py).
"""
from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("duckdb", "polars", "pyarrow", "altair", "vl_convert", "starlette", "jinja2", "sqlglot", "rapidfuzz")

# Runs every command's --help in one fresh interpreter (imports accumulate, so a clean end state
# means each help was clean), then reports which heavy modules were loaded.
_PROBE = """
import json, sys
from typer.main import get_command
from chronolink.engine.cli import app, main

group = get_command(app)
names = sorted(group.list_commands(None))
for argv in [["--help"], *([n, "--help"] for n in names)]:
    sys.argv = ["chronolink", *argv]
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None), (argv, exc.code)
print(json.dumps({"commands": names, "heavy": [m for m in HEAVY if m in sys.modules]}))
"""


def test_help_imports_neither_duckdb_nor_polars():
    res = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{_PROBE}"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr[-2000:]
    found = json.loads(res.stdout.strip().splitlines()[-1])
    assert len(found["commands"]) >= 10, found  # the probe really walked the commands
    assert found["heavy"] == [], f"--help loads {found['heavy']}: import them inside the command body"
