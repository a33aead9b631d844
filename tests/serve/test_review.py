"""The review queue: a pair side by side with its source rows, linked records and waterfall; accept /
reject / skip; blind mode; progress; decisions win on the next link run."""
from __future__ import annotations

import re

from markupsafe import escape

from chronolink.engine.link.review import decisions
from chronolink.engine.security import audit
from tests.serve.conftest import AS_OF, login


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


def test_child_page_links_the_pending_pairs_about_the_child(workbench):
    from chronolink.engine.serve.queries.review import pending_about

    c = login(workbench)
    with workbench.gate.read() as con:
        rid, key = con.execute("""SELECT review_id, mention_key_r FROM link_review WHERE status = 'pending'
                                  ORDER BY review_id DESC LIMIT 1""").fetchall()[0]
        source_file, row, slot = key.rsplit(":", 2)
        person = con.execute("SELECT person_id FROM person_mentions WHERE source_file = ? AND source_row = ? "
                             "AND slot = ?", [source_file, int(row), slot]).fetchall()[0][0]
        about = pending_about(con, person)
    assert rid in [r for r, _, _ in about]
    html = c.get(f"/child/{person}").text
    assert 'id="pairs-about"' in html and f'href="/review/{rid}"' in html
    c.post(f"/review/{rid}", data={"decision": "reject"}, headers={"x-csrf-token": c.csrf})
    assert f'href="/review/{rid}"' not in c.get(f"/child/{person}").text  # decided: no longer waiting


def test_child_page_links_the_pending_pairs_about_their_household(workbench):
    """A pair one of whose records is a household member's is listed on the child's page, naming whose."""
    from chronolink.engine.serve.queries.review import pending_about
    from chronolink.reports.report_data import child_report_data

    c = login(workbench)
    with workbench.gate.read() as con:
        children = [p for (p,) in con.execute("SELECT DISTINCT child_person_id FROM flags ORDER BY 1").fetchall()]
        found = None
        for child in children:
            household = {m.person_id: m for m in child_report_data(con, child, AS_OF, waterfalls=False).child.household}
            theirs = [(rid, who) for rid, _, who in pending_about(con, child, list(household)) if who != child]
            if theirs:
                found = child, theirs[0], household
                own = [r for r, _, _ in pending_about(con, child)]
                break
    assert found, "no flagged child has a pending pair about someone in their household"
    child, (rid, who), household = found
    assert rid not in own  # not the child's own record: listed for the household member's
    html = c.get(f"/child/{child}").text
    about = html.split('id="pairs-about"', 1)[1].split("</p>", 1)[0]
    assert f'href="/review/{rid}"' in about and str(escape(household[who].name)) in about
