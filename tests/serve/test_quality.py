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


def test_identifier_conflicts_both_ways_masked():
    import duckdb

    from chronolink.engine.serve.queries.quality import conflicts

    con = duckdb.connect()
    con.execute("CREATE TABLE person_mentions (person_id VARCHAR, nhs_number VARCHAR, nhs_valid BOOLEAN)")
    con.execute("""INSERT INTO person_mentions VALUES
        ('P1', '9434765919', true), ('P1', '9434765919', true), ('P1', '4010232137', true),  -- two numbers
        ('P2', '9434765870', true), ('P3', '9434765870', true),                              -- one number, two people
        ('P4', '1111111111', false), ('P4', '9434765862', true), (NULL, '9434765862', true)""")
    got = conflicts(con)
    assert got["two_numbers"] == [{"person_id": "P1", "numbers": ["******2137", "******5919"], "mentions": 3}]
    assert got["two_people"] == [{"nhs_number": "******5870", "people": ["P2", "P3"], "mentions": 2}]
