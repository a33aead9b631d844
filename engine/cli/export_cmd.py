"""`chronolink export ...`: machine-readable exports (CSV, or XLSX for a .xlsx name)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chronolink.engine.cli.common import AnalystOption, DbOption, err, export_audited, open_db

export_app = typer.Typer(help="Write exports other tools read (CSV or XLSX, formula-neutralised, owner-only).",
                         no_args_is_help=True)

OutArg = Annotated[Path, typer.Argument(help="The file to write (.csv, or .xlsx for a spreadsheet).")]


def _export(kind: str, out: Path, db: Path | None, analyst: str | None) -> None:
    from chronolink.engine.export import address_mentions, check_output_file, person_mentions

    check_output_file(out)
    con = open_db(db)
    try:
        frame = (person_mentions if kind == "mentions" else address_mentions)(con)
        export_audited(con, frame, out, f"export-{kind}", analyst=analyst)
    finally:
        con.close()
    err.print(f"wrote {frame.height} {kind.replace('-', ' ')}")


@export_app.command("mentions")
def export_mentions(out: OutArg, db: DbOption = None, analyst: AnalystOption = None) -> None:
    """Person mentions with their person ids: source_file, source_row, slot, person_id."""
    _export("mentions", out, db, analyst)


@export_app.command("address-mentions")
def export_address_mentions(out: OutArg, db: DbOption = None, analyst: AnalystOption = None) -> None:
    """Address mentions with their place ids: source_file, source_row, field, address_id."""
    _export("address-mentions", out, db, analyst)


def register(app: typer.Typer) -> None:
    """Add the export command group to the CLI."""
    app.add_typer(export_app, name="export")
