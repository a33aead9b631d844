"""A child's page: everything the static report shows, live, with the flag decisions as buttons."""
from __future__ import annotations

import duckdb
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from chronolink.engine.errors import DispositionError
from chronolink.engine.flags import DISPOSITIONS, set_disposition
from chronolink.engine.security.audit import PERSON_ID
from chronolink.engine.serve.queries.inbox import flags_by_child, store_version
from chronolink.engine.serve.queries.review import pending_about
from chronolink.engine.serve.web import is_htmx, render
from chronolink.reports.chart import timeline_spec
from chronolink.reports.coverage import data_coverage
from chronolink.reports.model import DataCoverage
from chronolink.reports.rating import rate
from chronolink.reports.render import child_context, flag_views, link_views
from chronolink.reports.report_data import UnknownPerson, child_report_data, flag_links, flags_about
from chronolink.reports.safety import json_script_text

DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed", "action": "actioned", "reopen": "open"}


def not_found(request: Request, what: str = "That person is not in the store.") -> HTMLResponse:
    return render(request, "message.html", http_status=404, active="", title="Not found", message=what)


def child(request: Request) -> Response:
    """GET /child/{person_id}"""
    state = request.app.state
    pid = request.path_params["person_id"]
    if not PERSON_ID.fullmatch(pid):
        return not_found(request)
    as_of = state.as_of()
    with state.gate.read() as con:
        try:
            # Link waterfalls are fetched when a flag's evidence is opened (`links`).
            data = child_report_data(con, pid, as_of, waterfalls=False, coverage=_coverage(request, con))
        except UnknownPerson:
            return not_found(request)
        agencies = con.execute("SELECT agencies FROM person_facts WHERE person_id = ?", [pid]).fetchall()
        known = any(a != "mash" for a in (agencies[0][0] or [])) if agencies else False
        rating = rate(flags_by_child(con, [pid]).get(pid, []), as_of, known=known)
        household = [m.person_id for m in data.child.household]
        pairs = pending_about(con, pid, household)
    state.gate.audit("serve.child", "read", [pid, *(m.person_id for m in data.child.household)],
                     {"events": data.events.height, "flags": len(data.flags)})
    context = child_context(data)
    names = {pid: data.child.display_name, **{m.person_id: m.name for m in data.child.household}}
    return render(request, "child.html", active="", rating=rating,
                  pairs=[(rid, prob, names.get(who, who), who) for rid, prob, who in pairs],
                  chart_spec=Markup(json_script_text(timeline_spec(data))),  # noqa: S704 (escaped for a script block)
                  **{k: v for k, v in context.items() if k not in ("marking", "as_of")})


def _coverage(request: Request, con: duckdb.DuckDBPyConnection) -> DataCoverage:
    """What the store holds (extracts, each agency's reach): the same for every child, read once per
    store version."""
    state = request.app.state
    version = store_version(con)
    cached = getattr(state, "coverage", None)
    if cached is None or cached[0] != version:
        cached = (version, data_coverage(con))
        state.coverage = cached
    return cached[1]


def links(request: Request) -> Response:
    """GET /flag/{flag_id}/links: the links a flag relies on, with their match-weight waterfalls."""
    state = request.app.state
    flag_id = request.path_params["flag_id"]
    with state.gate.read() as con:
        row = con.execute("SELECT child_person_id FROM flags WHERE flag_id = ?", [flag_id]).fetchall()
        if not row:
            return HTMLResponse("No such flag.", status_code=404)
        found = flag_links(con, flag_id)
    state.gate.audit("serve.flag", "read", [row[0][0]], {"flag_id": flag_id, "links": len(found)})
    return render(request, "links_part.html", links=link_views(found), explained=True)


async def decide(request: Request) -> Response:
    """POST /flag/{flag_id}: confirm, dismiss (with a reason), action or reopen a flag."""
    state = request.app.state
    flag_id = request.path_params["flag_id"]
    form = await request.form()
    status = DECISIONS.get(str(form.get("decision", "")))
    reason = str(form.get("reason", "")).strip() or None
    with state.gate.read() as con:
        row = con.execute("SELECT child_person_id FROM flags WHERE flag_id = ?", [flag_id]).fetchall()
    if not row:
        return HTMLResponse("No such flag.", status_code=404)
    child_id = row[0][0]
    error = None
    if status is None or status not in DISPOSITIONS:
        error = "Choose confirm, dismiss, actioned or reopen."
    else:
        try:
            with state.gate.transaction(decision=True) as cur:
                set_disposition(cur, flag_id, status, state.gate.analyst, reason)
                state.gate.audit("serve.flag", "disposition", [child_id], {"flag_id": flag_id, "status": status},
                                 cur=cur)
        except DispositionError as exc:
            error = str(exc).replace(" (--reason)", "")
    if not is_htmx(request):  # a plain form post (no JavaScript): back to the child's page, at the flag
        if error is not None:
            return render(request, "message.html", http_status=400, active="", title="Decision not recorded",
                          message=error, back=(f"/child/{child_id}#flag-{flag_id}", "Back to the child's page"))
        return RedirectResponse(f"/child/{child_id}#flag-{flag_id}", status_code=303)
    with state.gate.read() as con:
        flag = next(f for f in flags_about(con, [child_id], waterfalls=False) if f.flag_id == flag_id)
    view = flag_views([flag], "")[0]
    return render(request, "flag_part.html", http_status=200 if error is None else 400, f=view, error=error,
                  number=str(form.get("number", "")))
