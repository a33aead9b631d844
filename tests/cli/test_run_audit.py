"""The audit records the settings and the model each run used (#16 item 1)."""
from __future__ import annotations

import hashlib
import json

import duckdb

from chronolink.engine.cli.common import settings_digest
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.rules import load_settings


def test_link_and_flag_entries_name_their_settings_and_the_link_model(flagged_store):
    con = duckdb.connect(flagged_store["db"], read_only=True)
    try:
        entries = {cmd: json.loads(detail) for cmd, detail in con.execute(
            "SELECT command, detail FROM audit_log WHERE command IN ('link', 'flag') ORDER BY seq").fetchall()}
        run_id, model = con.execute("SELECT run_id, model FROM link_runs ORDER BY run_id DESC LIMIT 1").fetchall()[0]
    finally:
        con.close()
    model_sha = hashlib.sha256(str(model).encode("utf-8")).hexdigest()
    link, flag = entries["link"], entries["flag"]
    assert link["link_settings_sha256"] == settings_digest(LinkSettings())
    assert flag["rule_settings_sha256"] == settings_digest(load_settings())
    # Both name the link run whose persons they read, and its stored model's digest.
    assert link["link_run_id"] == flag["link_run_id"] == run_id
    assert link["link_model_sha256"] == flag["link_model_sha256"] == model_sha
    assert link["chronolink_version"] == flag["chronolink_version"]
