"""Find a person. The query is posted (never in a URL, so names stay out of history and logs)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from chronolink.engine.serve.queries.search import parse_query, search, vocabulary
from chronolink.engine.serve.web import is_htmx, render


async def find(request: Request) -> HTMLResponse:
    """GET /search: the form; POST /search: the form with its hits."""
    state = request.app.state
    form = await request.form() if request.method == "POST" else {}
    fields = {k: str(form.get(k, ""))[:200] for k in ("name", "dob", "identifier")}
    hits, problem, searched = [], None, request.method == "POST"
    if searched:
        q = parse_query(**fields)
        if fields["dob"].strip() and q.dob is None:
            problem = "The date of birth was not understood: use the date picker (day, month, year)."
        elif q.empty:
            problem = "Type a name, a date of birth or an identifier."
        else:
            with state.gate.read() as con:
                # the store's names, read once per store version
                state.search_vocabulary = vocabulary(con, getattr(state, "search_vocabulary", None))
                hits = search(con, q, state.search_vocabulary)
            state.gate.audit("serve.search", "read", [h.person_id for h in hits],
                             {"hits": len(hits), "by": [k for k, v in fields.items() if v.strip()]})
    template = "search_part.html" if is_htmx(request) else "search.html"
    return render(request, template, active="search", fields=fields, hits=hits, problem=problem, searched=searched)
