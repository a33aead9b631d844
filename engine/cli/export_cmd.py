"""`chronolink export ...`: machine-readable exports."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli.common import DbOption, err
from engine.export import address_mentions, person_mentions, write_csv_safe
from engine.store import open_store

export_app = typer.Typer(help="Write exports other tools read (CSV, formula-neutralised).", no_args_is_help=True)

OutArg = Annotated[Path, typer.Argument(help="The CSV file to write.")]


@export_app.command("mentions")
def export_mentions(out: OutArg, db: DbOption = None) -> None:
    """Person mentions with their person ids: source_file, source_row, slot, person_id."""
    con = open_store(db, read_only=True)
    frame = person_mentions(con)
    write_csv_safe(frame, out)
    err.print(f"wrote {frame.height} person mentions")


@export_app.command("address-mentions")
def export_address_mentions(out: OutArg, db: DbOption = None) -> None:
    """Address mentions with their place ids: source_file, source_row, field, address_id."""
    con = open_store(db, read_only=True)
    frame = address_mentions(con)
    write_csv_safe(frame, out)
    err.print(f"wrote {frame.height} address mentions")


def register(app: typer.Typer) -> None:
    """Add the export command group to the CLI."""
    app.add_typer(export_app, name="export")
