"""The place review queue in the workbench: an address row that may be a house-number slip beside a row
of the place proposed; accept / reject / skip, audited, CSRF-protected; decisions are the ones every
later full link run applies (engine.link.place_review)."""
from __future__ import annotations

import pytest

from chronolink.engine.link.place_review import list_place_reviews, place_decisions
from chronolink.engine.security import audit
from chronolink.engine.serve import Workbench
from tests.serve.conftest import ANALYST, PAYLOAD, fresh_store, login

EVIDENCE = "digits transposed (41 / 14); its people seen at 14 before it only"


@pytest.fixture(scope="module")
def queued(served_store, tmp_path_factory):
    """A fresh workbench whose place queue holds two rows of one street written at two numbers (as the
    link run queues them: by address row keys), one a row the payload was planted in."""
    tmp = tmp_path_factory.mktemp("places")
    db = fresh_store(served_store, tmp)
    server = Workbench(db, 0, analyst=ANALYST, announce=lambda url: None)
    with server.gate.write() as con:
        rows = con.execute("""
            SELECT a.source_file || ':' || a.source_row || ':' || a.field, b.source_file || ':' || b.source_row || ':' || b.field
            FROM address_mentions a JOIN address_mentions b ON a.street = b.street AND a.town = b.town
             AND a.address_id <> b.address_id AND a.address_mention_id < b.address_mention_id
            ORDER BY (a.raw LIKE '%<script%') DESC, a.address_mention_id, b.address_mention_id LIMIT 2""").fetchall()
        assert len(rows) == 2, "the sample world has no two places on one street"
        for i, (mk, tk) in enumerate(rows, 1):
            con.execute("INSERT INTO place_review (review_id, mention_key, target_key, evidence, status, created_run) "
                        "VALUES (?, ?, ?, ?, 'pending', 1)", [i, mk, tk, EVIDENCE])
    yield server
    server.close()


def test_the_place_queue_shows_both_rows_side_by_side_and_records_decisions(queued):
    c = login(queued)
    h = {"x-csrf-token": c.csrf}
    page = c.get("/review/places")
    assert page.status_code == 200
    html = page.text
    assert 'data-kind="place"' in html and 'data-review-id="1"' in html and EVIDENCE in html
    assert "Places: house-number slips (2 pending)" in html and 'data-key="a"' in html and 'data-key="r"' in html
    assert PAYLOAD not in html  # the planted address stays text
    # every field of both rows, side by side
    for label in ("Address as written", "House number", "Street", "Postcode", "People on the record", "Seen there"):
        assert f"<th>{label}</th>" in html
    # the person pair queue links to it, one click away
    assert 'href="/review/places"' in c.get("/review").text
    # refusals: no CSRF token, a bad decision, an unknown item
    assert c.post("/review/places/1", data={"decision": "accept"}).status_code == 403
    assert c.post("/review/places/1", data={"decision": "maybe"}, headers=h).status_code == 400
    assert c.post("/review/places/999", data={"decision": "accept"}, headers=h).status_code == 404
    assert c.get("/review/places/999").status_code == 404
    # skip, then accept, then reject (htmx answers with the next item)
    r = c.post("/review/places/1", data={"decision": "skip"}, headers={**h, "hx-request": "true"})
    assert 'data-review-id="2"' in r.text
    r = c.post("/review/places/2", data={"decision": "accept", "note": "slip"}, headers={**h, "hx-request": "true"})
    assert "Place item 2: you chose <strong>accept</strong>" in r.text and "No pending place left" in r.text
    assert c.post("/review/places/1", data={"decision": "reject"}, headers=h).status_code == 303
    with queued.gate.read() as con:
        statuses = dict(zip(*list_place_reviews(con, None).select("review_id", "status").to_dict(as_series=False).values()))
        decided = place_decisions(con)
        reviews = audit.entries(con, action="review")
        reads = audit.entries(con, action="read")
    assert statuses == {1: "rejected", 2: "accepted"}
    assert decided is not None and sorted(decided["accept"].to_list()) == [False, True]  # what the next link run applies
    mine = reviews.filter(reviews["command"] == "serve.review-place")
    assert mine.height == 2 and sorted(mine["detail"].to_list())[0].count('"decision":"accept"') == 1
    assert all(a == ANALYST for a in mine["actor"].to_list())
    assert reads.filter(reads["command"] == "serve.review-place").height >= 2  # every view of an item
    assert "Places: house-number slips (0 pending)" in c.get("/review/places/1").text


def test_the_place_queue_needs_a_session(queued):
    from starlette.testclient import TestClient

    anon = TestClient(queued.app, base_url=f"http://127.0.0.1:{queued.port}", follow_redirects=False)
    assert anon.get("/review/places").status_code == 401
    assert anon.post("/review/places/1", data={"decision": "accept"}).status_code in (401, 403)
