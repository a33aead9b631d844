"""Household over time and the network around a child (cytoscape.js, drawn from a JSON block)."""
from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from chronolink.engine.security.audit import PERSON_ID
from chronolink.engine.serve.queries.network import network
from chronolink.engine.serve.views.child import not_found
from chronolink.engine.serve.web import render
from chronolink.reports.safety import json_script_text


def page(request: Request) -> HTMLResponse:
    """GET /network/{person_id}"""
    state = request.app.state
    pid = request.path_params["person_id"]
    if not PERSON_ID.fullmatch(pid):
        return not_found(request)
    with state.gate.read() as con:
        if not con.execute("SELECT count(*) FROM person_facts WHERE person_id = ?", [pid]).fetchall()[0][0]:
            return not_found(request)
        net = network(con, pid, state.as_of())
    people = [n["id"] for n in net.nodes if n["kind"] == "person"]
    state.gate.audit("serve.network", "read", people, {"people": len(people), "places": len(net.nodes) - len(people)})
    me = next(n for n in net.nodes if n["id"] == pid)
    return render(request, "network.html", active="", pid=pid, name=me["label"], net=net,
                  graph=Markup(json_script_text(net.elements())),  # noqa: S704 (escaped for a script block)
                  people=sorted((n for n in net.nodes if n["kind"] == "person"), key=lambda n: n["label"]))
