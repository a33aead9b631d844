"""Options and helpers shared by CLI commands: the store option, opening it, auditing, errors."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import duckdb
import typer
from rich.console import Console
from rich.markup import escape

from chronolink.engine.security import audit
from chronolink.engine.security.errors import SecurityError
from chronolink.engine.store import StoreBusy, StoreMissing, open_store

DbOption = Annotated[
    Optional[Path],
    typer.Option("--db", help="The store file (default: $CHRONOLINK_DB or ./chronolink.duckdb)."),
]
AnalystOption = Annotated[
    Optional[str], typer.Option("--analyst", help="Who is running this, for the audit trail (default: OS user).")
]

err = Console(stderr=True, highlight=False)
# Tables stay whole when stdout is a file or a pipe (analysts redirect them).
out = Console(highlight=False, width=None if Console().is_terminal else 200)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error to stderr and exit non-zero."""
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def open_db(db: Path | None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store or exit with a clear message (busy, missing, key problems)."""
    try:
        return open_store(db, read_only=read_only)
    except (StoreBusy, StoreMissing, SecurityError) as exc:
        fail(str(exc))


def record_audit(con: duckdb.DuckDBPyConnection, command: str, action: str, *,
                 person_ids: Iterable[str] = (), detail: Mapping[str, object] | None = None,
                 analyst: str | None = None) -> None:
    """Append to the audit trail: who ran which command on whose records."""
    ids = sorted(set(person_ids))
    linked = [p for p in ids if audit.PERSON_ID.fullmatch(p)]
    extra = dict(detail or {})
    if len(linked) < len(ids):  # ids from outside linkage (e.g. imported truth) are counted, not named
        extra["unlinked_person_refs"] = len(ids) - len(linked)
    audit.record(con, audit.current_actor(analyst), command, action, person_ids=tuple(linked), detail=extra)
