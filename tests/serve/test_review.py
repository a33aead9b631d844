"""The review queue: a pair side by side with its source rows, linked records and waterfall; accept /
reject / skip; blind mode; progress; decisions win on the next link run."""
from __future__ import annotations

import re

from chronolink.engine.link.review import decisions
from chronolink.engine.security import audit
from tests.serve.conftest import login


def _pair_id(html: str) -> int:
    return int(re.search(r'data-review-id="(\d+)"', html).group(1))


def test_pair_shows_everything_and_blind_hides_the_score(workbench):
    c = login(workbench)
    html = c.get("/review").text
    rid = _pair_id(html)
    for part in ("Name as written", "Date of birth", "NHS number", "Source rows", "Records already linked to each",
                 "Summary", 'data-key="a"', 'data-key="r"', 'data-key="s"', "<progress"):
        assert part in html, part
    assert "Blind mode: the model's score is hidden" in html and "Match-weight waterfall" not in html
    c.post("/review/blind", data={"blind": "off"}, headers={"x-csrf-token": c.csrf})
    html = c.get(f"/review/{rid}").text
    assert "Model: probability" in html and "Match-weight waterfall" in html and "<svg class=\"wf\"" in html


def test_accept_reject_skip_and_the_model_is_shown_after(workbench):
    c = login(workbench)
    h = {"x-csrf-token": c.csrf, "hx-request": "true"}
    first = _pair_id(c.get("/review").text)
    r = c.post(f"/review/{first}", data={"decision": "skip"}, headers=h)
    second = _pair_id(r.text)
    assert second != first and "you chose <strong>skip</strong>" in r.text
    r = c.post(f"/review/{second}", data={"decision": "accept", "note": "same child, school and GP"}, headers=h)
    assert "you chose <strong>accept</strong>; the model gave" in r.text
    third = _pair_id(r.text)
    r = c.post(f"/review/{third}", data={"decision": "reject"}, headers=h)
    with workbench.gate.read() as con:
        st = dict(con.execute("SELECT review_id, status FROM link_review WHERE review_id IN (?, ?, ?)",
                              [first, second, third]).fetchall())
        log = audit.entries(con, action="review")
        decided = decisions(con)
    assert st == {first: "pending", second: "accepted", third: "rejected"}
    assert {"accept", "reject"} <= set(decided["decision"].to_list())  # what the next link run applies
    assert log["command"].to_list()[-2:] == ["serve.review", "serve.review"]
    assert '"decision":"reject"' in log["detail"].to_list()[-1]
    assert c.post(f"/review/{second}", data={"decision": "maybe"}, headers=h).status_code == 400
    assert c.get("/review/999999").status_code == 404
