"""The audit trail as the analyst sees it: the latest entries, newest first, each with who, what,
the people it concerns and its detail (ids and counts only, never names or search text)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from chronolink.engine.security import audit
from chronolink.engine.serve.web import render

LIMIT = 100


def page(request: Request) -> HTMLResponse:
    """GET /audit[?mine=1]: the latest entries (only this analyst's with `mine`)."""
    state = request.app.state
    mine = request.query_params.get("mine") == "1"
    with state.gate.read() as con:
        count = audit.head(con).entry_count
        log = audit.entries(con, actor=state.gate.analyst if mine else None,
                            after_seq=None if mine else max(count - LIMIT, 0))
    rows = list(reversed(log.tail(LIMIT).to_dicts()))
    people = sorted({p for r in rows for p in (r["person_ids"] or [])})
    state.gate.audit("serve.audit", "read", people, {"entries": len(rows), "mine": mine})
    return render(request, "audit.html", active="audit", rows=rows, count=count, mine=mine, limit=LIMIT)
