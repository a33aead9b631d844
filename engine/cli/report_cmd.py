"""`chronolink report` (a child's or a household's report), `chronology` and `export chronology`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chronolink.engine.cli.common import AnalystOption, DbOption, err, export_audited, fail, open_db, out, record_audit

if TYPE_CHECKING:
    import duckdb

AsOfOpt = Annotated[Optional[dt.datetime], typer.Option(
    "--as-of", formats=["%Y-%m-%d"], help="Date of the extracts (default: the date of the last `flag` run, else today).")]
ChildOpt = Annotated[Optional[str], typer.Option("--child", help="The child's person id.")]
HouseholdOpt = Annotated[Optional[str], typer.Option("--household", help="A place id.")]


def stored_as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The as-of date of the last flag run (even one that found no flag), else today (said on stderr)."""
    from chronolink.engine.flags import last_flag_run

    last = last_flag_run(con)
    if last is not None:
        return last[0]
    err.print("no flag run in the store: the report is as of today (pass --as-of DATE)")
    return dt.date.today()


def _ensure_chronology(con: duckdb.DuckDBPyConnection) -> None:
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'chronology'").fetchall()[0][0]:
        fail("no chronology in the store yet: run `chronolink link` and `chronolink flag --as-of DATE` first")


def _one_subject(child: str | None, household: str | None) -> None:
    if (child is None) == (household is None):
        fail("give exactly one of --child PERSON_ID or --household PLACE_ID")


def _report_data(con: duckdb.DuckDBPyConnection, child: str | None, household: str | None, as_of: dt.datetime | None):
    """The report view model of a child or a household, and the people it shows."""
    from chronolink.reports.report_data import child_report_data, household_report_data

    _ensure_chronology(con)
    when = as_of.date() if as_of else stored_as_of(con)
    if child is not None:
        return child_report_data(con, child, when), [child]
    assert household is not None  # exactly one of the two was given (checked before the store opened)
    data = household_report_data(con, household, when)
    return data, [m.person_id for m in data.members]


def report(child: ChildOpt = None, household: HouseholdOpt = None,
           out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the report to.")] = Path("reports_out"),
           fmt: Annotated[str, typer.Option("--format", help="html, or svg/png for the timeline image.")] = "html",
           as_of: AsOfOpt = None, db: DbOption = None, analyst: AnalystOption = None) -> None:
    """Write one self-contained report (HTML, or the timeline as SVG/PNG) for a child or a household."""
    from chronolink.engine.export import check_output_folder
    from chronolink.reports import write_child_report, write_household_report

    _one_subject(child, household)
    if fmt not in ("html", "svg", "png"):
        fail("--format must be html, svg or png")
    check_output_folder(out_dir)
    con = open_db(db)
    try:
        data, people = _report_data(con, child, household, as_of)
        record_audit(con, "report", "report", person_ids=people[:500], analyst=analyst,
                     detail={"format": fmt, "events": data.events.height})
    finally:
        con.close()
    write = write_child_report if child is not None else write_household_report
    path = write(data, out_dir, fmt=fmt)  # type: ignore[arg-type]
    err.print(f"wrote {escape(str(path))}")
    typer.echo(str(path))


def export_chronology(out_path: Annotated[Path, typer.Argument(help="OUT.xlsx or OUT.csv")],
                      child: Annotated[str, typer.Option("--child", help="The child's person id.")],
                      as_of: AsOfOpt = None, db: DbOption = None, analyst: AnalystOption = None) -> None:
    """A child's multi-agency chronology as XLSX or CSV (formula-neutralised)."""
    from chronolink.engine.export import check_output_file
    from chronolink.reports import chronology_frame

    check_output_file(out_path)
    con = open_db(db)
    try:
        data, people = _report_data(con, child, None, as_of)
        export_audited(con, chronology_frame(data), out_path, "export-chronology", analyst=analyst,
                       person_ids=people, sheet="Chronology")
    finally:
        con.close()
    err.print(f"wrote {escape(str(out_path))}")


def chronology(child: ChildOpt = None, household: HouseholdOpt = None,
               csv: Annotated[bool, typer.Option("--csv", help="CSV to stdout instead of a table.")] = False,
               as_of: AsOfOpt = None, db: DbOption = None, analyst: AnalystOption = None) -> None:
    """Print the merged chronology of a child (with their age at each event) or of a household."""
    import sys

    from chronolink.engine.cli.console import printable
    from chronolink.engine.export import neutralise
    from chronolink.reports import chronology_frame

    _one_subject(child, household)
    con = open_db(db)
    try:
        data, people = _report_data(con, child, household, as_of)
        frame = chronology_frame(data)
        record_audit(con, "chronology", "read", person_ids=people[:500], analyst=analyst,
                     detail={"rows": frame.height})
    finally:
        con.close()
    if csv:
        sys.stdout.write(printable(neutralise(frame).write_csv()))
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
