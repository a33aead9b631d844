"""The place review queue: one address row that may be a house-number slip at a time, beside a row of
the place proposed; accept / reject / skip (keys a / r / s, as for pairs of people)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from chronolink.engine.link.place_review import decide_place
from chronolink.engine.serve.guard import session_of
from chronolink.engine.serve.queries import place_review as q
from chronolink.engine.serve.queries.review import progress as pair_progress
from chronolink.engine.serve.web import is_htmx, render


def _review_id(request: Request) -> int:
    try:
        return int(request.path_params["review_id"])
    except ValueError:
        return -1


def _show(request: Request, review_id: int | None, last: dict | None = None) -> HTMLResponse:
    state = request.app.state
    session = session_of(request.scope)
    with state.gate.read() as con:
        p = q.place_pair(con, review_id) if review_id is not None else None
        counts, pairs = q.progress(con), pair_progress(con)
    if review_id is not None and p is None:
        return render(request, "message.html", http_status=404, active="review", title="Not found",
                      message="No such item in the place review queue.")
    if p is not None:
        state.gate.audit("serve.review-place", "read", p.people(), {"review_id": p.review_id})
    template = "place_review_part.html" if is_htmx(request) else "place_review.html"
    return render(request, template, active="review", p=p, counts=counts, pairs=pairs,
                  skipped=len(session.skipped_places), fields=q.FIELDS, record_fields=q.RECORD_FIELDS, last=last)


def queue(request: Request) -> HTMLResponse:
    """GET /review/places: the first pending place pair this session has not skipped."""
    session = session_of(request.scope)
    with request.app.state.gate.read() as con:
        rid = q.next_pending(con, session.skipped_places)
    return _show(request, rid)


def one(request: Request) -> HTMLResponse:
    """GET /review/places/{review_id}"""
    return _show(request, _review_id(request))


async def decide(request: Request) -> Response:
    """POST /review/places/{review_id}: accept (the row belongs to the place proposed), reject (it is the
    place it says) or skip; answers with the next place pair."""
    state = request.app.state
    session = session_of(request.scope)
    form = await request.form()
    choice = str(form.get("decision", ""))
    rid = _review_id(request)
    if choice not in ("accept", "reject", "skip"):
        return HTMLResponse("Choose accept, reject or skip.", status_code=400)
    with state.gate.read() as con:
        p = q.place_pair(con, rid)
    if p is None:
        return HTMLResponse("No such item in the place review queue.", status_code=404)
    if choice == "skip":
        session.skipped_places.add(rid)
    else:
        note = str(form.get("note", "")).strip()[:500] or None
        with state.gate.transaction(decision=True) as cur:
            decide_place(cur, rid, choice == "accept", by=state.gate.analyst, note=note)
            state.gate.audit("serve.review-place", "review", p.people(), {"review_id": rid, "decision": choice},
                             cur=cur)
    if not is_htmx(request):
        return RedirectResponse("/review/places", status_code=303)
    with state.gate.read() as con:
        nxt = q.next_pending(con, session.skipped_places)
    return _show(request, nxt, {"review_id": rid, "decision": choice})
