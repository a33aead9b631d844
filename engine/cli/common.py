"""Options and helpers shared by CLI commands: the store option, opening it, auditing, errors.

Heavy modules (DuckDB, polars, the engine) are imported inside the functions that use them, so
`chronolink --help` starts fast.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer
from rich.markup import escape

from chronolink.engine.cli.console import err, out, printable
from chronolink.engine.errors import AnalystError

if TYPE_CHECKING:
    import duckdb
    import polars as pl
    from pydantic import BaseModel

__all__ = ["AnalystOption", "DbOption", "err", "export_audited", "fail", "open_db", "out", "printable", "record_audit",
           "settings_digest"]


def _check_analyst(value: str | None) -> str | None:
    """Validate --analyst while the command line is parsed, before anything is read or written."""
    if value is not None:
        from chronolink.engine.security.audit import current_actor

        try:
            current_actor(value)
        except AnalystError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


DbOption = Annotated[
    Optional[Path],
    typer.Option("--db", help="The store file (default: $CHRONOLINK_DB or ./chronolink.duckdb)."),
]
AnalystOption = Annotated[
    Optional[str], typer.Option("--analyst", callback=_check_analyst,
                                help="Who is running this, for the audit trail (default: OS user).")
]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error to stderr and exit non-zero."""
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def open_db(db: Path | None, *, read_only: bool = False, create: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store; only `ingest` and `run` pass ``create=True``.

    A missing, foreign, damaged, busy or read-only store raises a ChronolinkError, which the
    CLI turns into a message naming the path.
    """
    from chronolink.engine.store import open_store

    return open_store(db, read_only=read_only, create=create)


def record_audit(con: duckdb.DuckDBPyConnection, command: str, action: str, *,
                 person_ids: Iterable[str] = (), detail: Mapping[str, object] | None = None,
                 analyst: str | None = None) -> None:
    """Append to the audit trail: who ran which command on whose records."""
    from chronolink.engine.security import audit

    ids = sorted(set(person_ids))
    linked = [p for p in ids if audit.PERSON_ID.fullmatch(p)]
    extra = dict(detail or {})
    if len(linked) < len(ids):  # ids from outside linkage (e.g. imported truth) are counted, not named
        extra["unlinked_person_refs"] = len(ids) - len(linked)
    audit.record(con, audit.current_actor(analyst), command, action, person_ids=tuple(linked), detail=extra)


def export_audited(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, out_path: Path, command: str, *,
                   analyst: str | None, person_ids: Iterable[str] = (), detail: Mapping[str, object] | None = None,
                   sheet: str = "Sheet1") -> str:
    """Write ``frame`` to ``out_path`` (XLSX for a .xlsx name, else CSV) and audit it.

    The file takes its name only after its audit entry is committed, so no export exists unaudited.
    """
    from chronolink.engine.export import private_file, table_format, write_table

    fmt = table_format(out_path)
    with private_file(out_path) as tmp:
        write_table(frame, tmp, fmt, sheet, whole=False)
        record_audit(con, command, "export", person_ids=person_ids, analyst=analyst,
                     detail={"rows": frame.height, "format": fmt, **(detail or {})})
    return fmt


def settings_digest(settings: BaseModel) -> str:
    """SHA-256 of a settings object's canonical JSON: what the audit records of the settings a run used."""
    import hashlib
    import json

    canonical = json.dumps(settings.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
