"""Assemble the workbench: routes, the guard, static files, shared state."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from chronolink.engine.serve.auth import COOKIE, Sessions
from chronolink.engine.serve.gate import BatchRunning, StoreGate
from chronolink.engine.serve.guard import Guard, session_of
from chronolink.engine.serve.views import audit as audit_page
from chronolink.engine.serve.views import batch as batch_page
from chronolink.engine.serve.views import child, inbox, network, place_review, quality, review, search
from chronolink.reports.render import common_css, csp_watch_script

MARKING = "OFFICIAL-SENSITIVE"


def stored_as_of(gate: StoreGate) -> Callable[[], dt.date]:
    """The as-of date of the stored flags (the last `flag` run), else today."""
    def as_of() -> dt.date:
        with gate.read() as con:
            try:
                row = con.execute("SELECT max(as_of) FROM flags").fetchall()
            except duckdb.CatalogException:
                row = [(None,)]
        return row[0][0] or dt.date.today()
    return as_of


async def logout(request: Request) -> Response:
    """POST /logout: end this session."""
    request.app.state.sessions.end(session_of(request.scope).session_id)
    response = HTMLResponse("<p>Logged out. Open a new address printed by <code>chronolink serve</code> to return.</p>")
    response.delete_cookie(COOKIE, path="/")
    return response


def csp_watch(request: Request) -> Response:
    """GET /static/csp-watch.js: the reports' CSP-violation counter (one file for both)."""
    return Response(csp_watch_script(), media_type="text/javascript; charset=utf-8")


def common(request: Request) -> Response:
    """GET /static/common.css: the reports' styles for what their macros draw (one file for both)."""
    return Response(common_css(), media_type="text/css; charset=utf-8")


async def _paused(request: Request, exc: Exception) -> Response:
    return HTMLResponse(f"<p class=\"error\">{type(exc).__doc__}</p>", status_code=409)


def create_app(gate: StoreGate, sessions: Sessions, port: int, *, batch: object | None = None,
               marking: str = MARKING) -> Guard:
    """The ASGI application, already wrapped in its guard."""
    routes = [
        Route("/", inbox.inbox),
        Route("/referral/match", inbox.match, methods=["POST"]),
        Route("/child/{person_id}", child.child),
        Route("/flag/{flag_id}", child.decide, methods=["POST"]),
        Route("/flag/{flag_id}/links", child.links),
        Route("/search", search.find, methods=["GET", "POST"]),
        Route("/network/{person_id}", network.page),
        Route("/quality", quality.page),
        Route("/batch", batch_page.page),
        Route("/batch/run", batch_page.run, methods=["POST"]),
        Route("/quality/row/{source_file}/{row}", quality.row),
        Route("/review", review.queue),
        Route("/review/places", place_review.queue),
        Route("/review/places/{review_id}", place_review.one),
        Route("/review/places/{review_id}", place_review.decide, methods=["POST"]),
        Route("/review/blind", review.blind, methods=["POST"]),
        Route("/review/{review_id}", review.one),
        Route("/review/{review_id}", review.decide, methods=["POST"]),
        Route("/audit", audit_page.page),
        Route("/logout", logout, methods=["POST"]),
        Route("/static/csp-watch.js", csp_watch),
        Route("/static/common.css", common),
        Mount("/static", StaticFiles(packages=[("chronolink.engine.serve", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={BatchRunning: _paused})
    app.state.gate = gate
    app.state.sessions = sessions
    app.state.as_of = stored_as_of(gate)
    app.state.marking = marking
    app.state.batch = batch
    return Guard(app, sessions, port)
