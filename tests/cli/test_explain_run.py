"""`explain --run N`: a pair weighed by the model a stored run used; a run that does not exist is a clear error."""
from __future__ import annotations

import shutil

from typer.testing import CliRunner

from chronolink.engine.cli import app

KEY_VARS = ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION")


def test_explain_by_a_stored_run(flagged_store, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(flagged_store["db"], db)
    env = {v: None for v in KEY_VARS}
    runner = CliRunner()
    pair = [flagged_store["m1"], flagged_store["m2"], "--db", str(db)]
    latest = runner.invoke(app, ["explain", *pair], env=env)
    first = runner.invoke(app, ["explain", *pair, "--run", "1"], env=env)
    assert latest.exit_code == first.exit_code == 0, first.stderr
    assert "total" in first.stdout and first.stdout == latest.stdout  # one run so far: the same model
    missing = runner.invoke(app, ["explain", *pair, "--run", "99"], env=env)
    assert missing.exit_code != 0 and "nolinkrun99" in "".join(missing.stderr.split())
    assert "Traceback" not in missing.stderr
