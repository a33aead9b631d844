"""Referral inbox: sort and filter referrals; match an unknown child to a near candidate by hand."""
from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from chronolink.engine.link.review import add_decision
from chronolink.engine.security.audit import PERSON_ID
from chronolink.engine.serve.queries import inbox as q
from chronolink.engine.serve.web import is_htmx, render
from chronolink.reports.model import AGENCIES

PAGE = 50
RATINGS = ("red", "amber", "green", "not known")


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def inbox(request: Request) -> HTMLResponse:
    """GET /: the referrals, filtered and sorted by the query string."""
    state = request.app.state
    p = request.query_params
    rating = p.get("rating", "") if p.get("rating", "") in RATINGS else ""
    agency = p.get("agency", "").lower()
    sort = p.get("sort", "received") if p.get("sort") in q.SORTS else "received"
    descending = p.get("dir", "desc") != "asc"
    try:
        page = max(int(p.get("page", "1")), 1)
    except ValueError:
        page = 1
    with state.gate.read() as con:
        rows = q.referrals(con, state.as_of(), getattr(state, "inbox_snapshot", None))
        state.inbox_snapshot = rows.snapshot
        chosen = q.select(rows, rating=rating, agency=agency, since=_date(p.get("since")),
                          until=_date(p.get("until")), sort=sort, descending=descending)
        shown = q.with_candidates(con, chosen[(page - 1) * PAGE: page * PAGE])
    people = [r.person_id for r in shown if r.person_id] + [c.person_id for r in shown for c in r.candidates]
    state.gate.audit("serve.inbox", "read", people, {"referrals": len(shown), "page": page})
    counts = {lvl: sum(r.rating.level == lvl for r in rows) for lvl in RATINGS}
    agencies = sorted({a for r in rows for a in r.agencies} | set(AGENCIES) - {"mash"})
    referrers = sorted({(r.referrer or "").lower() for r in rows if r.referrer})
    return render(request, "inbox_part.html" if is_htmx(request) else "inbox.html",
                  rows=shown, total=len(chosen), all_count=len(rows), page=page, pages=max(1, -(-len(chosen) // PAGE)),
                  counts=counts, ratings=RATINGS, agencies=agencies, referrers=referrers,
                  f={"rating": rating, "agency": agency, "sort": sort, "dir": "desc" if descending else "asc",
                     "since": p.get("since", ""), "until": p.get("until", "")})


async def match(request: Request) -> Response:
    """POST /referral/match: the analyst says an unknown referral's child is a known person."""
    form = await request.form()
    state = request.app.state
    try:
        mention_id, person_id = int(str(form.get("mention_id", ""))), str(form.get("person_id", ""))
    except ValueError:
        mention_id, person_id = -1, ""
    if not PERSON_ID.fullmatch(person_id):
        return HTMLResponse("That referral or person is not in the store.", status_code=400)
    with state.gate.read() as con:
        key = con.execute(f"SELECT {q.mention_key_sql()} FROM person_mentions WHERE mention_id = ?",
                          [mention_id]).fetchall()
        other = q.candidate_mention(con, mention_id, person_id) if key else None
    if not key or other is None:
        return HTMLResponse("That referral or person is not in the store.", status_code=400)
    with state.gate.transaction(decision=True) as cur:
        rid = add_decision(cur, key[0][0], other, True, by=state.gate.analyst)
        state.gate.audit("serve.match", "review", [person_id], {"review_id": rid, "decision": "accept",
                                                                "kind": "referral_match"}, cur=cur)
    if is_htmx(request):
        return HTMLResponse(f'<span class="decided">Matched by hand to {person_id}; '
                            "it applies from the next link run.</span>")
    return RedirectResponse("/", status_code=303)
