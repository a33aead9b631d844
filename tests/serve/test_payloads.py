"""Script payloads planted in every name and free-text field (names, summaries, event labels, outcomes,
addresses, referral text, quarantine reasons and rows, a dismissal reason, a review note, the analyst's
name) stay text on every page: never a live tag, always escaped."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

LIVE = re.compile(r"<script>window\.__pwned|<img src=x onerror", re.I)
ESCAPED = "&lt;script&gt;window.__pwned=1&lt;/script&gt;"


@pytest.fixture(scope="module")
def pages(client, planted, workbench):
    child = planted["child"]
    with workbench.gate.read() as con:
        f, row = con.execute("SELECT source_file, source_row FROM quarantine LIMIT 1").fetchall()[0]
        flag_id = con.execute("SELECT flag_id FROM flags WHERE child_person_id = ? LIMIT 1", [child]).fetchall()[0][0]
        other = con.execute("SELECT person_b FROM coresidence WHERE person_a = ? UNION SELECT person_a FROM coresidence "
                            "WHERE person_b = ? LIMIT 1", [child, child]).fetchall()[0][0]
        rid = con.execute("SELECT min(review_id) FROM link_review").fetchall()[0][0]
    h = {"x-csrf-token": client.csrf}
    payload = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    client.post(f"/flag/{flag_id}", data={"decision": "dismiss", "reason": payload}, headers=h)
    client.post(f"/review/{rid}", data={"decision": "reject", "note": payload}, headers=h)
    out = {
        "inbox": client.get("/").text,
        "inbox not known": client.get("/?rating=not+known").text,
        "child": client.get(f"/child/{child}").text,
        "household member": client.get(f"/child/{other}").text,
        "network": client.get(f"/network/{child}").text,
        "search": client.post("/search", data={"name": "window pwned"}, headers=h).text,
        "search by name": client.post("/search", data={"identifier": child}, headers=h).text,
        "review": client.get(f"/review/{rid}").text,
        "quality": client.get("/quality").text,
        "quality row": client.get(f"/quality/row/{quote(f)}/{row}").text,
        "batch": client.get("/batch").text,
        "flag fragment": client.post(f"/flag/{flag_id}", data={"decision": "reopen"}, headers=h).text,
        "search with payload query": client.post("/search", data={"name": payload}, headers=h).text,
        "audit trail": client.get("/audit").text,
    }
    return out


@pytest.mark.parametrize("name", ["inbox", "inbox not known", "child", "household member", "network", "search",
                                  "search by name", "review", "quality", "quality row", "batch", "flag fragment",
                                  "search with payload query", "audit trail"])
def test_no_payload_is_live(pages, name):
    html = pages[name]
    assert not LIVE.search(html), name
    assert "&lt;b&gt;analyst&lt;/b&gt;" in html or name == "flag fragment"  # the analyst's name, escaped


@pytest.mark.parametrize("name", ["inbox", "child", "household member", "network", "search by name", "quality",
                                  "quality row"])
def test_payload_is_shown_as_text(pages, name):
    assert ESCAPED in pages[name] or "\\u003Cscript\\u003Ewindow.__pwned" in pages[name], name
