"""`chronolink flag` (evaluate the rules), `chronolink flags ...` (list and disposition flags)."""
from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chronolink.engine.cli.common import AnalystOption, DbOption, err, fail, open_db, out, record_audit
from chronolink.engine.export import write_csv_safe
from chronolink.engine.flags import DispositionError, export_frame, flags_with_dispositions, run_flags, set_disposition
from chronolink.engine.rules import SettingsError

flags_app = typer.Typer(help="List flags and record analysts' decisions on them.", no_args_is_help=True)

AsOf = Annotated[dt.datetime, typer.Option("--as-of", formats=["%Y-%m-%d"],
                                           help="The date the extracts were taken (YYYY-MM-DD).")]


def flag(as_of: AsOf, db: DbOption = None,
         settings: Annotated[Optional[Path], typer.Option("--settings", help="Rule settings TOML.")] = None,
         analyst: AnalystOption = None) -> None:
    """Build the merged chronology and evaluate every risk rule as of a date."""
    con = open_db(db)
    try:
        frame = run_flags(con, as_of.date(), settings)
    except SettingsError as exc:
        fail(str(exc))
    record_audit(con, "flag", "flag", analyst=analyst, detail={"flags": frame.height})
    counts = frame.group_by("rule").len().sort("rule")
    table = Table(title=f"Flags as of {as_of.date()}", title_justify="left")
    table.add_column("rule")
    table.add_column("flags", justify="right")
    for rule, n in counts.iter_rows():
        table.add_row(rule, str(n))
    out.print(table)
    err.print(f"{frame.height} flags stored")


@flags_app.command("list")
def list_flags(db: DbOption = None,
               child: Annotated[Optional[str], typer.Option("--child", help="Only this child's flags.")] = None,
               status: Annotated[Optional[str], typer.Option("--status", help="open, confirmed, ...")] = None) -> None:
    """List stored flags with their dispositions."""
    frame = flags_with_dispositions(open_db(db))
    if child:
        frame = frame.filter(frame["child_person_id"] == child)
    if status:
        frame = frame.filter(frame["status"] == status)
    table = Table()
    for col in ("flag_id", "rule", "child", "other", "place", "trigger", "status"):
        table.add_column(col)
    for r in frame.iter_rows(named=True):
        table.add_row(r["flag_id"], r["rule"], r["child_person_id"], r["other_person_id"] or "",
                      r["address_id"] or "", str(r["trigger_date"]), escape(r["status"]))
    out.print(table)


def _dispose(status: str):
    def command(flag_id: Annotated[str, typer.Argument(help="The flag id (see `flags list`).")],
                reason: Annotated[Optional[str], typer.Option("--reason", help="Why (required to dismiss).")] = None,
                analyst: AnalystOption = None, db: DbOption = None) -> None:
        con = open_db(db)
        try:
            set_disposition(con, flag_id, status, analyst or getpass.getuser(), reason)
        except DispositionError as exc:
            fail(str(exc))
        child = con.execute("SELECT child_person_id FROM flags WHERE flag_id = ?", [flag_id]).fetchall()[0][0]
        record_audit(con, f"flags-{status}", "disposition", person_ids=[child], analyst=analyst,
                     detail={"flag_id": flag_id, "status": status})
        err.print(f"{flag_id}: {status}")
    command.__doc__ = f"Mark a flag {status}."
    return command


for _status in ("confirmed", "dismissed", "actioned", "open"):
    flags_app.command({"confirmed": "confirm", "dismissed": "dismiss", "actioned": "action",
                       "open": "reopen"}[_status])(_dispose(_status))


def export_flags(out_path: Annotated[Path, typer.Argument(help="The CSV file to write.")], db: DbOption = None,
                 analyst: AnalystOption = None) -> None:
    """rule, child_person_id, other_person_id, address_id, trigger_date, evidence (compact JSON)."""
    con = open_db(db)
    frame = export_frame(con)
    write_csv_safe(frame, out_path)
    record_audit(con, "export-flags", "export", analyst=analyst, detail={"rows": frame.height})
    err.print(f"wrote {frame.height} flags")


def register(app: typer.Typer) -> None:
    """Add flag, flags and export flags to the CLI."""
    app.command("flag")(flag)
    app.add_typer(flags_app, name="flags")
    from chronolink.engine.cli.export_cmd import export_app

    export_app.command("flags")(export_flags)
