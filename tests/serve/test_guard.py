"""Every refusal: no token or session (401), a used or wrong token, a foreign Host (DNS rebinding),
a state-changing request without the CSRF token or from another origin, an expired session."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from chronolink.engine.serve.auth import Sessions
from chronolink.engine.serve.guard import CSP
from tests.serve.conftest import login

PAGES = ["/", "/static/app.css", "/static/vendor/htmx-2.0.11.min.js"]


def anon(server) -> TestClient:
    return TestClient(server.app, base_url=f"http://127.0.0.1:{server.port}", follow_redirects=False)


@pytest.mark.parametrize("path", PAGES)
def test_no_session_is_401(workbench, path):
    r = anon(workbench).get(path)
    assert r.status_code == 401
    assert r.headers["content-security-policy"] == CSP


def test_post_without_session_is_401(workbench):
    assert anon(workbench).post("/referral/match", data={"mention_id": "1"}).status_code == 401


def test_token_is_one_time_and_a_new_one_is_announced(workbench):
    url = workbench.login_url().split(f":{workbench.port}", 1)[1]
    before = len(workbench.announced)
    c = anon(workbench)
    first = c.get(url)
    assert first.status_code == 303 and first.headers["location"] == "/"
    assert "HttpOnly" in first.headers["set-cookie"] and "SameSite=Strict" in first.headers["set-cookie"]
    assert len(workbench.announced) == before + 1  # the terminal shows a fresh address
    assert anon(workbench).get(url).status_code == 401  # used: dead
    assert anon(workbench).get(workbench.announced[-1].split(f":{workbench.port}", 1)[1]).status_code == 303


def test_wrong_token_is_401(workbench):
    assert anon(workbench).get("/?token=not-a-token").status_code == 401


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "127.0.0.1:1", "[::1]"])
def test_foreign_host_is_refused(workbench, client, host):
    r = client.get("/", headers={"host": host})
    assert r.status_code == 403
    url = workbench.login_url().split(f":{workbench.port}", 1)[1]
    assert anon(workbench).get(url, headers={"host": host}).status_code == 403


def test_localhost_host_is_accepted(workbench, client):
    assert client.get("/", headers={"host": f"localhost:{workbench.port}"}).status_code == 200


def test_post_without_csrf_is_403(client):
    r = client.post("/referral/match", data={"mention_id": "1", "person_id": "P00000001"})
    assert r.status_code == 403


def test_post_with_wrong_csrf_is_403(client):
    r = client.post("/referral/match", data={"mention_id": "1", "person_id": "P00000001"},
                    headers={"x-csrf-token": "wrong"})
    assert r.status_code == 403
    r = client.post("/referral/match", data={"mention_id": "1", "person_id": "P00000001", "csrf_token": "wrong"})
    assert r.status_code == 403


def test_csrf_of_another_session_is_403(workbench, client):
    other = login(workbench)
    r = client.post("/referral/match", data={"mention_id": "1", "person_id": "P00000001"},
                    headers={"x-csrf-token": other.csrf})
    assert r.status_code == 403


def test_post_from_another_origin_is_403(client):
    r = client.post("/referral/match", data={"mention_id": "1", "person_id": "P00000001"},
                    headers={"x-csrf-token": client.csrf, "origin": "http://evil.example"})
    assert r.status_code == 403


def test_csrf_in_form_field_passes_the_guard(client):
    r = client.post("/referral/match", data={"mention_id": "1", "person_id": "P00000001", "csrf_token": client.csrf})
    assert r.status_code == 400  # through the guard; the route refuses an unknown referral


def test_sessions_expire_when_idle_and_at_their_lifetime():
    now = [0.0]
    s = Sessions(idle=60, lifetime=300, clock=lambda: now[0])
    session = s.login(s.new_token())
    assert session is not None
    now[0] = 59
    assert s.get(session.session_id) is session
    now[0] = 59 + 61
    assert s.get(session.session_id) is None  # idle too long
    session = s.login(s.new_token())
    for t in range(1, 6):
        now[0] += 59
        assert s.get(session.session_id) is session
    now[0] += 59
    assert s.get(session.session_id) is None  # past its lifetime though never idle


def test_expired_session_is_401(workbench):
    c = login(workbench)
    sid = c.cookies.get("chronolink_session")
    workbench.sessions._sessions[sid].last_seen -= workbench.sessions.idle + 1
    assert c.get("/").status_code == 401


def test_logout_ends_the_session(workbench):
    c = login(workbench)
    assert c.post("/logout", headers={"x-csrf-token": c.csrf}).status_code == 200
    assert c.get("/").status_code == 401


def test_every_response_is_locked_down(client):
    r = client.get("/")
    assert r.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP and "http" not in CSP
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_binds_loopback_only(workbench):
    assert workbench.sock.getsockname()[0] == "127.0.0.1"
