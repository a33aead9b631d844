"""The batch run from the workbench: new or changed extracts in the watched folder, a button, progress."""
from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from chronolink.engine.serve.web import is_htmx, render


def page(request: Request) -> HTMLResponse:
    """GET /batch (an htmx poll gets just the status while a run goes)."""
    runner = request.app.state.batch
    status = runner.status() if runner is not None else None
    template = "batch_part.html" if is_htmx(request) else "batch.html"
    return render(request, template, active="batch", status=status, today=dt.date.today().isoformat())


async def run(request: Request) -> Response:
    """POST /batch/run: start the batch on the watched folder."""
    runner = request.app.state.batch
    form = await request.form()
    try:
        as_of = dt.date.fromisoformat(str(form.get("as_of", "")))
    except ValueError:
        as_of = None
    if runner is None or as_of is None or not runner.start(as_of):
        reason = ("No extracts folder: start the workbench with --extracts DIR." if runner is None or
                  not runner.status().configured else "Give the date the extracts were taken."
                  if as_of is None else "A batch run is already going.")
        return HTMLResponse(f'<p class="error">{reason}</p>', status_code=409)
    if is_htmx(request):
        return render(request, "batch_part.html", active="batch", status=runner.status(),
                      today=dt.date.today().isoformat())
    return RedirectResponse("/batch", status_code=303)
