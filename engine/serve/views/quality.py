"""Data quality: reconciliation, quarantine, invalid values, identifier conflicts, the last link run."""
from __future__ import annotations

import duckdb
from starlette.requests import Request
from starlette.responses import HTMLResponse

from chronolink.engine.serve.queries import quality as q
from chronolink.engine.serve.queries.inbox import store_version
from chronolink.engine.serve.web import render


def page(request: Request) -> HTMLResponse:
    """GET /quality"""
    state = request.app.state
    try:
        n = max(int(request.query_params.get("page", "1")), 1)
    except ValueError:
        n = 1
    with state.gate.read() as con:
        files, quarantined = q.files(con), q.quarantined(con)
        summary, (invalid, total) = q.invalid_summary(con), q.invalid_rows(con, n)
        conflicts, run = _conflicts(request, con), q.last_link_run(con)
    people = [r["person_id"] for r in conflicts["two_numbers"]] + [p for r in conflicts["two_people"] for p in r["people"]]
    state.gate.audit("serve.quality", "read", people[:1000], {"files": len(files), "invalid": total})
    return render(request, "quality.html", active="quality", files=files, quarantined=quarantined, summary=summary,
                  invalid=invalid, total=total, page=n, pages=max(1, -(-total // q.LIMIT)), conflicts=conflicts,
                  run=run)


def _conflicts(request: Request, con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Identifier conflicts change only with a link run or an ingest: read once per store version."""
    state = request.app.state
    version = store_version(con)
    kept = getattr(state, "quality_conflicts", None)
    if kept is None or kept[0] != version:
        kept = (version, q.conflicts(con))
        state.quality_conflicts = kept
    return kept[1]


def row(request: Request) -> HTMLResponse:
    """GET /quality/row/{source_file}/{row}: open one source row, values included (audited)."""
    state = request.app.state
    source_file = request.path_params["source_file"]
    try:
        number = int(request.path_params["row"])
    except ValueError:
        number = -1
    with state.gate.read() as con:
        data = q.source_row(con, source_file, number)
    if not any(data.values()):
        return render(request, "message.html", http_status=404, active="quality", title="Not found",
                      message="No such row in the store.")
    people = [p["person_id"] for p in data["people"] if p["person_id"]]
    with state.gate.read() as con:
        seq = con.execute("SELECT max(file_seq) FROM source_files WHERE source_file = ?", [source_file]).fetchall()[0][0]
    state.gate.audit("serve.quality-row", "read", people, {"file_seq": seq, "source_row": number})
    return render(request, "quality_row.html", active="quality", source_file=source_file, row=number, data=data)
