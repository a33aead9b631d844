"""The child page: everything the report shows, live, and the flag decisions as buttons whose result
shows at once and in every later report and export."""
from __future__ import annotations

import re

from chronolink.engine.flags import export_frame
from chronolink.engine.security import audit
from chronolink.reports import render_child_html
from chronolink.reports.report_data import child_report_data
from tests.serve.conftest import AS_OF


def _flag_ids(html: str) -> list[str]:
    return re.findall(r'<article class="flag status-\w+" id="flag-(F\w+)">', html)


def test_child_page_shows_the_report_live(client, planted, workbench):
    pid = planted["child"]
    r = client.get(f"/child/{pid}")
    assert r.status_code == 200
    for part in ("Names and identifiers", "Lives with the child now", "Lived with the child before",
                 "Related by a relationship record only", 'id="timeline-spec"', "Chronology (", "Rating:"):
        assert part in r.text, part
    with workbench.gate.read() as con:
        data = child_report_data(con, pid, AS_OF)
    assert len(_flag_ids(r.text)) == len(data.flags) > 0
    assert f'href="/network/{pid}"' in r.text


def test_unknown_or_malformed_person_is_404(client):
    assert client.get("/child/P99999999").status_code == 404
    assert client.get("/child/x%3Cscript%3E").status_code == 404


def test_child_view_is_audited_with_the_people_shown(client, planted, workbench):
    with workbench.gate.read() as con:
        before = audit.head(con).entry_count
    client.get(f"/child/{planted['child']}")
    with workbench.gate.read() as con:
        log = audit.entries(con, after_seq=before)
    assert log["command"].to_list() == ["serve.child"]
    assert planted["child"] in log["person_ids"].to_list()[0]


def test_decisions_show_at_once_and_in_later_reports_and_exports(client, planted, workbench):
    pid = planted["child"]
    flag_id = _flag_ids(client.get(f"/child/{pid}").text)[0]
    h = {"x-csrf-token": client.csrf, "hx-request": "true"}
    r = client.post(f"/flag/{flag_id}", data={"decision": "confirm"}, headers=h)
    assert r.status_code == 200 and "confirmed" in r.text and f'id="flag-{flag_id}"' in r.text
    r = client.post(f"/flag/{flag_id}", data={"decision": "dismiss"}, headers=h)
    assert r.status_code == 400 and "needs a reason" in r.text  # a dismissal needs a reason
    r = client.post(f"/flag/{flag_id}", data={"decision": "dismiss", "reason": "Known to CSC, plan in place"},
                    headers=h)
    assert r.status_code == 200 and "dismissed" in r.text and "Known to CSC, plan in place" in r.text
    with workbench.gate.read() as con:
        report = render_child_html(child_report_data(con, pid, AS_OF))
        exported = export_frame(con).filter(flag_id=flag_id)
        log = audit.entries(con, action="disposition")
    assert "Known to CSC, plan in place" in report
    assert exported["status"].to_list() == ["dismissed"]
    assert log["detail"].to_list()[-1] == '{"flag_id":"%s","status":"dismissed"}' % flag_id
    r = client.post(f"/flag/{flag_id}", data={"decision": "reopen"}, headers=h)
    assert r.status_code == 200 and "open, not yet reviewed" in r.text
    r = client.post(f"/flag/{flag_id}", data={"decision": "action"}, headers=h)
    assert "actioned" in r.text


def test_unknown_flag_and_decision_are_refused(client, planted):
    h = {"x-csrf-token": client.csrf}
    assert client.post("/flag/Fnope", data={"decision": "confirm"}, headers=h).status_code == 404
    flag_id = _flag_ids(client.get(f"/child/{planted['child']}").text)[0]
    assert client.post(f"/flag/{flag_id}", data={"decision": "delete"}, headers=h).status_code == 400


def test_decisions_pause_while_a_batch_runs(client, planted, workbench):
    flag_id = _flag_ids(client.get(f"/child/{planted['child']}").text)[0]
    with workbench.gate.batch_lock:
        r = client.post(f"/flag/{flag_id}", data={"decision": "confirm"}, headers={"x-csrf-token": client.csrf})
    assert r.status_code == 409 and "batch run" in r.text


def test_link_waterfalls_load_when_the_evidence_is_opened(client, workbench):
    with workbench.gate.read() as con:
        flag_id, child = con.execute("""SELECT flag_id, child_person_id FROM flags
                                        WHERE json_array_length(evidence, '$.links') > 0
                                        ORDER BY flag_id LIMIT 1""").fetchall()[0]
    page = client.get(f"/child/{child}").text
    assert f'hx-get="/flag/{flag_id}/links"' in page
    assert 'class="waterfall"' not in page  # not worked out until asked for
    with workbench.gate.read() as con:
        before = audit.head(con).entry_count
    r = client.get(f"/flag/{flag_id}/links")
    assert r.status_code == 200 and 'class="waterfall"' in r.text and "match weight" in r.text
    with workbench.gate.read() as con:
        log = audit.entries(con, after_seq=before)
    assert log["command"].to_list() == ["serve.flag"] and child in log["person_ids"].to_list()[0]
    assert client.get("/flag/Fnope/links").status_code == 404
