"""`run` takes the settings `link` and `flag` take, uses them, and records them (#16 item 3)."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from chronolink.engine.cli import app
from chronolink.engine.cli.common import settings_digest
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.rules import load_settings

KEY_VARS = ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION")


def test_run_uses_and_records_the_link_and_rule_settings_it_is_given(tiny_world: Path, tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text("[assessment_overdue]\nworking_days = 20\n[relationships]\nname_similarity = 0.95\n")
    link_file = tmp_path / "link.toml"
    link_file.write_text("[cluster]\nlink_weight = 3.0\n[ages]\nparent_min_age = 14\n")
    rules, link = load_settings(rules_file), LinkSettings.load(link_file)
    assert rules != load_settings() and link != LinkSettings()
    db = tmp_path / "s.duckdb"
    res = CliRunner().invoke(app, ["run", str(tiny_world), "--referrals", str(tiny_world / "mash_referrals.csv"),
                                   "--as-of", "2026-10-31", "--out", str(tmp_path / "out"), "--db", str(db),
                                   "--rule-settings", str(rules_file), "--link-settings", str(link_file)],
                             env={v: None for v in KEY_VARS})
    assert res.exit_code == 0, res.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        flag_settings = con.execute("SELECT CAST(settings AS VARCHAR) FROM flag_runs ORDER BY flagged_at DESC LIMIT 1"
                                    ).fetchall()[0][0]
        link_settings = con.execute("SELECT CAST(settings AS VARCHAR) FROM link_runs ORDER BY run_id DESC LIMIT 1"
                                    ).fetchall()[0][0]
        audit = json.loads(con.execute("SELECT detail FROM audit_log WHERE command = 'run' ORDER BY seq DESC LIMIT 1"
                                       ).fetchall()[0][0])
    finally:
        con.close()
    assert type(rules).model_validate_json(flag_settings) == rules
    assert LinkSettings.model_validate_json(link_settings) == link
    assert audit["rule_settings_sha256"] == settings_digest(rules)
    assert audit["link_settings_sha256"] == settings_digest(link)


def test_run_refuses_bad_settings_before_it_writes_anything(tiny_world: Path, tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text("[relationships]\nname_similarity = 1.5\n")
    db = tmp_path / "s.duckdb"
    res = CliRunner().invoke(app, ["run", str(tiny_world), "--referrals", str(tiny_world / "mash_referrals.csv"),
                                   "--as-of", "2026-10-31", "--out", str(tmp_path / "out"), "--db", str(db),
                                   "--rule-settings", str(bad)], env={v: None for v in KEY_VARS})
    assert res.exit_code != 0 and "Traceback" not in res.stderr + res.stdout
    assert "relationships.name_similarity" in "".join(res.stderr.split())
    assert not db.exists()
