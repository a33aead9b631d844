"""Rendering: one Jinja2 environment (autoescape on every template), page and fragment responses.

Every value from the store reaches the browser through autoescaping; nothing from the
data is ever put in a script, a style or an event-handler attribute.
"""
from __future__ import annotations

import functools
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from chronolink.engine.serve.guard import session_of
from chronolink.reports.vocab import AGENCY_LABELS, fmt_when

NAV = (("inbox", "/", "Referral inbox"), ("search", "/search", "Find a person"),
       ("review", "/review", "Review queue"), ("quality", "/quality", "Data quality"),
       ("batch", "/batch", "Batch run"), ("audit", "/audit", "Audit trail"))


@functools.lru_cache(maxsize=1)
def env() -> Environment:
    """The workbench's templates (autoescaped whatever their extension)."""
    # The reports' macros are reachable as "reports/...": a child's page shows what the report shows,
    # from the one template that draws it.
    loader = ChoiceLoader([PackageLoader("chronolink.engine.serve", "templates"),
                           PrefixLoader({"reports": PackageLoader("chronolink.reports", "templates")})])
    e = Environment(loader=loader, autoescape=True,
                    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    e.filters["date"] = fmt_when
    e.filters["agency"] = lambda a: AGENCY_LABELS.get(a, a or "")
    e.filters["pct"] = lambda p: "" if p is None else f"{p:.0%}" if p < 0.995 else f"{p:.2%}"
    e.filters["signed"] = lambda w: "" if w is None else f"{w:+.2f}"
    return e


def render(request: Request, template: str, *, http_status: int = 200, **context: Any) -> HTMLResponse:
    """Render a full page (or, for an htmx request to a `*_part` template, a fragment)."""
    app = request.app.state
    session = session_of(request.scope)
    html = env().get_template(template).render(
        csrf=session.csrf, analyst=app.gate.analyst, nav=NAV, as_of=app.as_of(), marking=app.marking,
        batch=app.batch.status() if app.batch is not None else None, **context)
    return HTMLResponse(html, status_code=http_status)


def is_htmx(request: Request) -> bool:
    """True for a request made by htmx (it wants a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"
