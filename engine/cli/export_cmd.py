"""`chronolink export ...`: machine-readable exports."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chronolink.engine.cli.common import AnalystOption, DbOption, err, open_db, record_audit
from chronolink.engine.export import address_mentions, person_mentions, write_csv_safe

export_app = typer.Typer(help="Write exports other tools read (CSV, formula-neutralised).", no_args_is_help=True)

OutArg = Annotated[Path, typer.Argument(help="The CSV file to write.")]


@export_app.command("mentions")
def export_mentions(out: OutArg, db: DbOption = None, analyst: AnalystOption = None) -> None:
    """Person mentions with their person ids: source_file, source_row, slot, person_id."""
    con = open_db(db)
    frame = person_mentions(con)
    write_csv_safe(frame, out)
    record_audit(con, "export-mentions", "export", analyst=analyst, detail={"rows": frame.height})
    err.print(f"wrote {frame.height} person mentions")


@export_app.command("address-mentions")
def export_address_mentions(out: OutArg, db: DbOption = None, analyst: AnalystOption = None) -> None:
    """Address mentions with their place ids: source_file, source_row, field, address_id."""
    con = open_db(db)
    frame = address_mentions(con)
    write_csv_safe(frame, out)
    record_audit(con, "export-address-mentions", "export", analyst=analyst, detail={"rows": frame.height})
    err.print(f"wrote {frame.height} address mentions")


def register(app: typer.Typer) -> None:
    """Add the export command group to the CLI."""
    app.add_typer(export_app, name="export")
