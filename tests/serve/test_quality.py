"""Data quality: reconciliation, quarantine and invalid values by file/row/field/reason without the
value until a row is opened (audited), identifier conflicts, the last link run."""
from __future__ import annotations

from urllib.parse import quote

from chronolink.engine.security import audit
from tests.serve.conftest import RAW_MARKER


def test_quality_page_lists_without_values(client, workbench):
    r = client.get("/quality")
    assert r.status_code == 200
    for part in ("Files ingested", "read = stored + quarantined", "Rows quarantined", "Values marked invalid",
                 "One linked person with two different valid NHS numbers", "One valid NHS number on two people",
                 "Last link run", "Pairs awaiting review"):
        assert part in r.text, part
    with workbench.gate.read() as con:
        raw = con.execute("SELECT raw FROM quarantine LIMIT 1").fetchall()[0][0]
        issue = con.execute("""SELECT v.source_file, v.source_row, m.nhs_number FROM value_issues v
                               JOIN person_mentions m USING (source_file, source_row)
                               WHERE v.problem = 'invalid_nhs_number' AND m.nhs_valid = false LIMIT 1""").fetchall()
    assert RAW_MARKER in raw and RAW_MARKER not in r.text
    if issue:
        assert issue[0][2] not in r.text  # the invalid value is not on the list


def test_opening_a_row_shows_values_and_is_audited(client, workbench):
    with workbench.gate.read() as con:
        f, row = con.execute("SELECT source_file, source_row FROM quarantine LIMIT 1").fetchall()[0]
        before = audit.head(con).entry_count
    r = client.get(f"/quality/row/{quote(f)}/{row}")
    assert r.status_code == 200 and RAW_MARKER in r.text and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in r.text
    with workbench.gate.read() as con:
        log = audit.entries(con, after_seq=before)
    assert log["command"].to_list() == ["serve.quality-row"]
    assert client.get("/quality/row/nofile.csv/1").status_code == 404
