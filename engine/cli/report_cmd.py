"""`chronolink report` (a child's or a household's report) and `export chronology`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal, Optional

import duckdb
import typer

from chronolink.engine.chronology.report_data import UnknownPerson, child_report_data, household_report_data
from chronolink.engine.cli.common import AnalystOption, DbOption, err, fail, open_db, record_audit
from chronolink.reports import write_child_report, write_chronology_csv, write_chronology_xlsx, write_household_report

AsOfOpt = Annotated[Optional[dt.datetime], typer.Option(
    "--as-of", formats=["%Y-%m-%d"], help="Date of the extracts (default: the date of the last `flag` run, else today).")]


def stored_as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The as-of date of the stored flags, else today."""
    try:
        row = con.execute("SELECT max(as_of) FROM flags").fetchall()
    except duckdb.CatalogException:
        row = [(None,)]
    return row[0][0] or dt.date.today()


def _ensure_chronology(con: duckdb.DuckDBPyConnection) -> None:
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'chronology'").fetchall()[0][0]:
        fail("no chronology in the store yet: run `chronolink link` and `chronolink flag --as-of DATE` first")


def report(child: Annotated[Optional[str], typer.Option("--child", help="The child's person id.")] = None,
           household: Annotated[Optional[str], typer.Option("--household", help="A place id.")] = None,
           out: Annotated[Path, typer.Option("--out", help="Folder to write the report to.")] = Path("reports_out"),
           fmt: Annotated[str, typer.Option("--format", help="html, or svg/png for the timeline image.")] = "html",
           as_of: AsOfOpt = None, db: DbOption = None, analyst: AnalystOption = None) -> None:
    """Write one self-contained report (HTML, or the timeline as SVG/PNG) for a child or a household."""
    if (child is None) == (household is None):
        fail("give exactly one of --child PERSON_ID or --household PLACE_ID")
    if fmt not in ("html", "svg", "png"):
        fail("--format must be html, svg or png")
    con = open_db(db)
    _ensure_chronology(con)
    when = as_of.date() if as_of else stored_as_of(con)
    try:
        if child is not None:
            data = child_report_data(con, child, when)
            path = write_child_report(data, out, fmt=fmt)  # type: ignore[arg-type]
            people = [child]
        else:
            data = household_report_data(con, household, when)
            path = write_household_report(data, out, fmt=fmt)  # type: ignore[arg-type]
            people = [m.person_id for m in data.members]
    except UnknownPerson as exc:
        fail(str(exc))
    record_audit(con, "report", "report", person_ids=[p for p in people if p.startswith("P")][:500],
                 analyst=analyst, detail={"format": fmt, "events": data.events.height})
    err.print(f"wrote {path}")
    typer.echo(str(path))


def export_chronology(out_path: Annotated[Path, typer.Argument(help="OUT.xlsx or OUT.csv")],
                      child: Annotated[str, typer.Option("--child", help="The child's person id.")],
                      as_of: AsOfOpt = None, db: DbOption = None, analyst: AnalystOption = None) -> None:
    """A child's multi-agency chronology as XLSX or CSV (formula-neutralised)."""
    con = open_db(db)
    _ensure_chronology(con)
    try:
        data = child_report_data(con, child, as_of.date() if as_of else stored_as_of(con))
    except UnknownPerson as exc:
        fail(str(exc))
    kind: Literal["xlsx", "csv"] = "xlsx" if out_path.suffix.lower() == ".xlsx" else "csv"
    (write_chronology_xlsx if kind == "xlsx" else write_chronology_csv)(data, out_path)
    record_audit(con, "export-chronology", "export", person_ids=[child], analyst=analyst,
                 detail={"rows": data.events.height, "format": kind})
    err.print(f"wrote {out_path}")


def chronology(child: Annotated[Optional[str], typer.Option("--child", help="A child's person id.")] = None,
               household: Annotated[Optional[str], typer.Option("--household", help="A place id.")] = None,
               csv: Annotated[bool, typer.Option("--csv", help="CSV to stdout instead of a table.")] = False,
               as_of: AsOfOpt = None, db: DbOption = None, analyst: AnalystOption = None) -> None:
    """Print the merged chronology of a child (with their age at each event) or of a household."""
    import sys

    from rich.markup import escape
    from rich.table import Table

    from chronolink.engine.cli.common import out
    from chronolink.engine.export import neutralise
    from chronolink.reports import chronology_frame

    if (child is None) == (household is None):
        fail("give exactly one of --child PERSON_ID or --household PLACE_ID")
    con = open_db(db)
    _ensure_chronology(con)
    when = as_of.date() if as_of else stored_as_of(con)
    try:
        data = (child_report_data(con, child, when) if child is not None
                else household_report_data(con, household, when))
    except UnknownPerson as exc:
        fail(str(exc))
    frame = chronology_frame(data)
    record_audit(con, "chronology", "read", person_ids=[child] if child else [], analyst=analyst,
                 detail={"rows": frame.height})
    if csv:
        neutralise(frame).write_csv(sys.stdout)
        return
    table = Table(show_lines=False)
    for col in frame.columns:
        table.add_column(col, overflow="fold")
    for row in frame.iter_rows():
        table.add_row(*(escape("" if v is None else str(v)) for v in row))
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add report, chronology and export chronology to the CLI."""
    app.command("report")(report)
    app.command("chronology")(chronology)
    from chronolink.engine.cli.export_cmd import export_app

    export_app.command("chronology")(export_chronology)
