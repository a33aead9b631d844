"""The audit trail page: the latest entries, newest first, with who, what and which people; viewing
it is itself audited."""
from __future__ import annotations

from chronolink.engine.security import audit


def test_audit_page_lists_latest_entries(client, planted, workbench):
    client.get(f"/child/{planted['child']}")
    with workbench.gate.read() as con:
        last = audit.head(con).entry_count
    r = client.get("/audit")
    assert r.status_code == 200
    seqs = [int(s) for s in r.text.split('data-seq="')[1:] for s in [s.split('"', 1)[0]]]
    assert seqs[0] == last and seqs == sorted(seqs, reverse=True)  # newest first, the child view on top
    assert "serve.child · read" in r.text and f'href="/child/{planted["child"]}"' in r.text
    with workbench.gate.read() as con:
        log = audit.entries(con, after_seq=last)
    assert log["command"].to_list() == ["serve.audit"] and planted["child"] in log["person_ids"].to_list()[0]
    mine = client.get("/audit?mine=1").text
    assert "Mine only" in mine and "serve.audit · read" in mine
