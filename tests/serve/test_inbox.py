"""The referral inbox: ratings explained, filters and sorts, unknown children matched by hand."""
from __future__ import annotations

import re

from chronolink.engine.security import audit


def _rows(html: str) -> list[str]:
    body = html.split('<div id="inbox-rows">', 1)[1]
    return re.findall(r'<tr class="rating-row-([a-z-]+)">', body)


def test_inbox_lists_every_referral_with_a_rating(client, workbench):
    r = client.get("/")
    assert r.status_code == 200
    with workbench.gate.read() as con:
        n = con.execute("SELECT count(*) FROM records WHERE agency = 'mash'").fetchall()[0][0]
    assert f"{n} referrals" in r.text
    assert len(_rows(r.text)) == min(n, 50)
    assert "How the rating is worked out" in r.text


def test_unknown_child_is_not_known_never_green(client, workbench):
    html = client.get("/?rating=not+known").text
    rows = _rows(html)
    with workbench.gate.read() as con:
        unknown = con.execute("""SELECT count(*) FROM person_mentions m LEFT JOIN person_facts f USING (person_id)
            WHERE m.agency = 'mash' AND m.slot = 'child'
              AND len(list_filter(coalesce(f.agencies, []), a -> a <> 'mash')) = 0""").fetchall()[0][0]
    assert unknown > 0, "the test world should have a referral of a child no agency knows"
    assert rows == ["not-known"] * unknown
    assert "not known to any agency" in html
    green = client.get("/?rating=green").text
    assert "not known to any agency" not in green


def test_filter_by_rating_and_sort(client):
    amber = _rows(client.get("/?rating=amber").text)
    assert amber and set(amber) == {"amber"}
    assert set(_rows(client.get("/?rating=red").text)) <= {"red"}
    by_rating = _rows(client.get("/?sort=rating&dir=desc").text)
    order = {"red": 0, "amber": 1, "not-known": 2, "green": 3}
    assert [order[x] for x in by_rating] == sorted(order[x] for x in by_rating)


def test_filter_by_agency_and_date(client):
    html = client.get("/?agency=police").text
    assert "Police" in html
    assert "No referrals match." in client.get("/?since=2099-01-01").text


def test_htmx_request_gets_the_fragment(client):
    r = client.get("/?rating=red", headers={"hx-request": "true"})
    assert r.text.lstrip().startswith('<div id="inbox-rows">')


def test_hand_match_is_recorded_and_audited(client, workbench):
    html = client.get("/?rating=not+known").text
    m = re.search(r'name="mention_id" value="(\d+)"><input type="hidden" name="person_id" value="(P\d{8})"', html)
    assert m, "an unknown child with near candidates"
    mention_id, person_id = m.groups()
    r = client.post("/referral/match", data={"mention_id": mention_id, "person_id": person_id},
                    headers={"x-csrf-token": client.csrf, "hx-request": "true"})
    assert r.status_code == 200 and "Matched by hand" in r.text
    with workbench.gate.read() as con:
        decided = con.execute("SELECT status, decided_by FROM link_review WHERE status = 'accepted'").fetchall()
        log = audit.entries(con, action="review")
    assert ("accepted", workbench.gate.analyst) in decided
    assert log["command"].to_list()[-1] == "serve.match" and person_id in log["person_ids"].to_list()[-1]
    assert "Matched by hand" in client.get("/?rating=not+known").text


def test_match_refuses_unknown_person(client):
    r = client.post("/referral/match", data={"mention_id": "1", "person_id": "<script>"},
                    headers={"x-csrf-token": client.csrf})
    assert r.status_code == 400 and "<script>" not in r.text


def test_inbox_view_is_audited(client, workbench):
    with workbench.gate.read() as con:
        before = audit.head(con).entry_count
    client.get("/")
    with workbench.gate.read() as con:
        log = audit.entries(con, after_seq=before)
        assert audit.verify(con).ok
    assert log["command"].to_list() == ["serve.inbox"]
    assert log["actor"].to_list() == [workbench.gate.analyst]
    assert log["person_ids"].to_list()[0], "the children listed are named in the entry"
