"""The review queue: one borderline pair at a time, accept / reject / skip (keys a / r / s), blind mode."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from chronolink.engine.link.review import decide as record_decision
from chronolink.engine.serve.guard import session_of
from chronolink.engine.serve.queries import review as q
from chronolink.engine.serve.queries.place_review import progress as place_progress
from chronolink.engine.serve.web import is_htmx, render


def _people(p: q.Pair | None) -> list[str]:
    if p is None:
        return []
    return [s.mention["person_id"] for s in (p.left, p.right) if s is not None and s.mention["person_id"]]


def _show(request: Request, review_id: int | None, last: dict | None = None) -> HTMLResponse:
    state = request.app.state
    session = session_of(request.scope)
    with state.gate.read() as con:
        status = q.status(con, review_id) if review_id is not None else None
        # The waterfall is worked out only when it will be shown: blind mode hides it until decided.
        p = (q.pair(con, review_id, explain=not session.blind or status != "pending")
             if review_id is not None and status else None)
        counts, places = q.progress(con), place_progress(con)
    if review_id is not None and p is None:
        return render(request, "message.html", http_status=404, active="review", title="Not found",
                      message="No such pair in the review queue.")
    if p is not None:
        state.gate.audit("serve.review", "read", _people(p), {"review_id": p.review_id})
    template = "review_part.html" if is_htmx(request) else "review.html"
    return render(request, template, active="review", p=p, counts=counts, places=places, blind=session.blind,
                  skipped=len(session.seen), fields=q.FIELDS, record_fields=q.RECORD_FIELDS, last=last)


def queue(request: Request) -> HTMLResponse:
    """GET /review: the strongest pending pair this session has not skipped."""
    session = session_of(request.scope)
    with request.app.state.gate.read() as con:
        rid = q.next_pending(con, {int(x) for x in session.seen})
    return _show(request, rid)


def one(request: Request) -> HTMLResponse:
    """GET /review/{review_id}"""
    try:
        rid = int(request.path_params["review_id"])
    except ValueError:
        rid = -1
    return _show(request, rid)


async def decide(request: Request) -> Response:
    """POST /review/{review_id}: accept, reject or skip; answers with the next pair."""
    state = request.app.state
    session = session_of(request.scope)
    form = await request.form()
    choice = str(form.get("decision", ""))
    try:
        rid = int(request.path_params["review_id"])
    except ValueError:
        rid = -1
    if choice not in ("accept", "reject", "skip"):
        return HTMLResponse("Choose accept, reject or skip.", status_code=400)
    with state.gate.read() as con:
        p = q.pair(con, rid, explain=False)
    if p is None:
        return HTMLResponse("No such pair in the review queue.", status_code=404)
    last = {"review_id": rid, "decision": choice, "probability": p.probability, "weight": p.weight}
    if choice == "skip":
        session.seen.add(str(rid))
    else:
        note = str(form.get("note", "")).strip()[:500] or None
        with state.gate.transaction(decision=True) as cur:
            record_decision(cur, rid, choice == "accept", by=state.gate.analyst, note=note)
            state.gate.audit("serve.review", "review", _people(p), {"review_id": rid, "decision": choice}, cur=cur)
    if not is_htmx(request):
        return RedirectResponse("/review", status_code=303)
    with state.gate.read() as con:
        nxt = q.next_pending(con, {int(x) for x in session.seen})
    return _show(request, nxt, last)


async def blind(request: Request) -> Response:
    """POST /review/blind: hide (or show) the model's score until a pair is decided."""
    form = await request.form()
    session_of(request.scope).blind = str(form.get("blind", "on")) == "on"
    return RedirectResponse("/review", status_code=303)
