"""Decisions work without JavaScript. Pages are served with `Referrer-Policy: no-referrer`, so a
browser's plain form post carries `Origin: null`: it passes the guard only with a live session and
that session's CSRF token; a foreign Origin, a request another site or port started, or a foreign
Host is refused whatever token it carries."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from chronolink.engine.flags import flags_with_dispositions
from tests.conftest import browser_only
from tests.serve.conftest import login, shot

PLAIN = {"origin": "null", "sec-fetch-site": "same-origin"}  # what Chromium sends for a no-JS form post


def _open_flag(workbench) -> tuple[str, str]:
    """An open flag (id, child) other tests leave alone: the last child's."""
    with workbench.gate.read() as con:
        flags = flags_with_dispositions(con).filter(status="open").sort("child_person_id", "flag_id",
                                                                            descending=[True, False])
    return flags["flag_id"][0], flags["child_person_id"][0]


def _status(workbench, flag_id: str) -> str:
    with workbench.gate.read() as con:
        return flags_with_dispositions(con).filter(flag_id=flag_id)["status"].to_list()[0]


def test_plain_form_post_with_the_token_is_accepted(workbench):
    c = login(workbench)
    flag_id, child = _open_flag(workbench)
    r = c.post(f"/flag/{flag_id}", data={"decision": "confirm", "csrf_token": c.csrf}, headers=PLAIN)
    # back to the child's page at the flag, decided
    assert r.status_code == 303 and r.headers["location"] == f"/child/{child}#flag-{flag_id}"
    assert _status(workbench, flag_id) == "confirmed"
    page = c.get(r.headers["location"]).text
    assert re.search(rf'<article class="flag status-confirmed" id="flag-{flag_id}">', page)
    # a refused decision says why on a page, with the way back
    r = c.post(f"/flag/{flag_id}", data={"decision": "dismiss", "csrf_token": c.csrf}, headers=PLAIN)
    assert r.status_code == 400 and "needs a reason" in r.text and f'href="/child/{child}#flag-{flag_id}"' in r.text
    assert _status(workbench, flag_id) == "confirmed"
    r = c.post(f"/flag/{flag_id}", data={"decision": "reopen", "csrf_token": c.csrf}, headers=PLAIN)
    assert r.status_code == 303 and _status(workbench, flag_id) == "open"


@pytest.mark.parametrize("token", [None, "", "wrong", "other-session"])
def test_origin_null_without_the_sessions_token_is_refused(workbench, token):
    c = login(workbench)
    flag_id, _ = _open_flag(workbench)
    if token == "other-session":
        token = login(workbench).csrf
    data = {"decision": "confirm"} | ({} if token is None else {"csrf_token": token})
    assert c.post(f"/flag/{flag_id}", data=data, headers=PLAIN).status_code == 403
    assert _status(workbench, flag_id) == "open"


def test_origin_null_without_a_session_is_refused(workbench):
    c = login(workbench)
    flag_id, _ = _open_flag(workbench)
    c.cookies.clear()
    assert c.post(f"/flag/{flag_id}", data={"decision": "confirm", "csrf_token": c.csrf},
                  headers=PLAIN).status_code == 401
    assert _status(workbench, flag_id) == "open"


@pytest.mark.parametrize("headers", [
    {"origin": "http://evil.example"}, {"origin": "https://127.0.0.1"}, {"origin": "http://127.0.0.1:1"},
    {"origin": "null", "sec-fetch-site": "cross-site"},  # a sandboxed frame on another site
    {"origin": "null", "sec-fetch-site": "same-site"},  # another port of this machine
    {"sec-fetch-site": "cross-site"},
])
def test_another_origin_or_site_is_refused_even_with_the_token(workbench, headers):
    c = login(workbench)
    flag_id, _ = _open_flag(workbench)
    r = c.post(f"/flag/{flag_id}", data={"decision": "confirm", "csrf_token": c.csrf}, headers=headers)
    assert r.status_code == 403 and "another site" in r.text
    assert _status(workbench, flag_id) == "open"


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "localhost:1"])
def test_wrong_host_is_refused_even_with_origin_null_and_the_token(workbench, host):
    c = login(workbench)
    flag_id, _ = _open_flag(workbench)
    r = c.post(f"/flag/{flag_id}", data={"decision": "confirm", "csrf_token": c.csrf}, headers=PLAIN | {"host": host})
    assert r.status_code == 403
    assert _status(workbench, flag_id) == "open"


@browser_only
def test_a_browser_without_javascript_decides_a_flag_and_a_pair(browser, live, workbench):
    """Scripts blocked: Chromium posts the plain forms itself (Origin: null) and the decisions are recorded."""
    flag_id, child = _open_flag(workbench)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1400, "height": 1000})
    origins: list[str | None] = []
    context.on("request", lambda req: origins.append(req.headers.get("origin")) if req.method == "POST" else None)
    try:
        page = context.new_page()
        page.set_default_timeout(10000)
        page.goto(workbench.login_url())
        page.goto(f"{live}/child/{child}")
        page.locator(f"#flag-{flag_id} button.confirm").click()
        page.wait_for_url(f"{live}/child/{child}#flag-{flag_id}")
        expect(page.locator(f"#flag-{flag_id} .decision")).to_contain_text("confirmed")
        assert _status(workbench, flag_id) == "confirmed"
        page.goto(f"{live}/review")
        pair = page.locator("#review-pair").get_attribute("data-review-id")
        page.click("#review-reject")
        page.wait_for_url(f"{live}/review")
        with workbench.gate.read() as con:
            assert con.execute("SELECT status FROM link_review WHERE review_id = ?", [int(pair)]).fetchall() == [
                ("rejected",)]
        shot(page, "no_javascript_review")
        assert origins == ["null", "null"]  # the case this guards: a plain post from a no-referrer page
        page.goto(f"{live}/child/{child}")
        page.locator(f"#flag-{flag_id} button.reopen").click()
        page.wait_for_url(f"{live}/child/{child}#flag-{flag_id}")
    finally:
        context.close()
    assert _status(workbench, flag_id) == "open"
