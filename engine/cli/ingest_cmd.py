"""`chronolink ingest`: load extracts into the store and print the reconciliation."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from chronolink.engine.cli.common import AnalystOption, DbOption, err, fail, open_db, out, record_audit

if TYPE_CHECKING:
    from chronolink.engine.ingest import FileReport


def print_reconciliation(reports: list[FileReport]) -> None:
    """Per-file table: rows read = stored + quarantined."""
    table = Table(title="Ingest reconciliation", title_justify="left")
    for col in ("file", "layout", "status", "read", "stored", "quarantined", "value issues", "persons", "addresses"):
        table.add_column(col, justify="right" if col not in ("file", "layout", "status") else "left")
    for r in reports:
        table.add_row(escape(r.source_file), escape(r.layout or "-"), r.status, str(r.rows_read), str(r.rows_stored),
                      str(r.rows_quarantined), str(r.value_issues), str(r.person_mentions), str(r.address_mentions))
    out.print(table)
    for r in reports:
        if r.status == "failed":
            err.print(f"[red]failed:[/red] {escape(r.message)}")
        elif r.status != "unchanged" and not r.reconciles:
            err.print(f"[red]does not reconcile:[/red] {escape(r.source_file)}")


def check_inputs(paths: list[Path]) -> None:
    """Refuse missing paths, or paths holding no extract, before the store is opened or created."""
    from chronolink.engine.ingest import discover_files

    missing = [p for p in paths if not p.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(str(p) for p in missing)}")
    if not discover_files(paths):
        fail("no extract files found under the given paths")


def ingest(paths: Annotated[list[Path], typer.Argument(help="Extract files or folders of extracts.")],
           db: DbOption = None, analyst: AnalystOption = None) -> None:
    """Ingest agency extracts (each file in one transaction) and print the reconciliation."""
    from chronolink.engine.chronology.coverage import record_extract_outcomes
    from chronolink.engine.ingest import ingest_paths
    from chronolink.engine.security import audit

    check_inputs(paths)
    con = open_db(db, create=True)
    try:
        with audit.acting_as(analyst):  # each stored file's audit entry commits with its rows
            reports = ingest_paths(con, paths)
        record_extract_outcomes(con, reports)  # a failed file is named in every later report
        record_audit(con, "ingest", "ingest", analyst=analyst, detail={
            "files": len(reports), "failed": sum(r.status == "failed" for r in reports),
            "rows_stored": sum(r.rows_stored for r in reports),
            "rows_quarantined": sum(r.rows_quarantined for r in reports)})
    finally:
        con.close()
    print_reconciliation(reports)
    if any(r.status == "failed" for r in reports):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ingest command to the CLI."""
    app.command("ingest")(ingest)
