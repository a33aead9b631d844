"""`chronolink flag` (evaluate the rules), `chronolink flags ...` (list and disposition flags)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chronolink.engine.cli.common import (
    AnalystOption,
    DbOption,
    err,
    export_audited,
    open_db,
    out,
    record_audit,
    settings_digest,
)

if TYPE_CHECKING:
    import duckdb

flags_app = typer.Typer(help="List flags and record analysts' decisions on them.", no_args_is_help=True)

AsOf = Annotated[dt.datetime, typer.Option("--as-of", formats=["%Y-%m-%d"],
                                           help="The date the extracts were taken (YYYY-MM-DD).")]
RuleSettingsOption = Annotated[Optional[Path], typer.Option("--rule-settings", "--settings",
                                                            help="Rule settings TOML (default: the packaged one).")]


def run_detail(rule_settings: object | None = None, link_settings: object | None = None,
               con: duckdb.DuckDBPyConnection | None = None) -> dict[str, object]:
    """What the audit keeps of a run's configuration: the version, each settings object's digest and, given the
    store, the link model its persons come from (the latest link run and the SHA-256 of its stored model)."""
    import hashlib

    from chronolink import __version__

    detail: dict[str, object] = {"chronolink_version": __version__}
    if rule_settings is not None:
        detail["rule_settings_sha256"] = settings_digest(rule_settings)  # type: ignore[arg-type]
    if link_settings is not None:
        detail["link_settings_sha256"] = settings_digest(link_settings)  # type: ignore[arg-type]
    if con is not None and con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'link_runs'"
                                       " AND NOT temporary").fetchall()[0][0]:
        row = con.execute("SELECT run_id, model FROM link_runs ORDER BY run_id DESC LIMIT 1").fetchall()
        if row:
            detail["link_run_id"] = row[0][0]
            detail["link_model_sha256"] = hashlib.sha256(str(row[0][1] or "").encode("utf-8")).hexdigest()
    return detail


def flag(as_of: AsOf, db: DbOption = None, settings: RuleSettingsOption = None,
         analyst: AnalystOption = None) -> None:
    """Build the merged chronology and evaluate every risk rule as of a date."""
    from chronolink.engine.flags import run_flags
    from chronolink.engine.rules import load_settings

    rules = load_settings(settings)  # validated before the store is touched
    con = open_db(db)
    try:
        frame = run_flags(con, as_of.date(), rules)
        unjudged = dict(con.execute("SELECT rule, count(DISTINCT record_id) FROM flags_unjudged GROUP BY rule")
                        .fetchall())
        n_undated = con.execute("SELECT count(DISTINCT record_id) FROM flags_unjudged").fetchall()[0][0]
        record_audit(con, "flag", "flag", analyst=analyst,
                     detail={"flags": frame.height, "as_of": as_of.date().isoformat(), **run_detail(rules, con=con)})
    finally:
        con.close()
    from chronolink.engine.rules import RULES

    counts = dict(frame.group_by("rule").len().iter_rows())
    table = Table(title=f"Flags as of {as_of.date()}", title_justify="left")
    table.add_column("rule")
    table.add_column("flags", justify="right")
    table.add_column("undated records not judged", justify="right")
    for rule in sorted({m.RULE for m in RULES} | set(counts)):
        table.add_row(escape(rule), str(counts.get(rule, 0)), str(unjudged.get(rule, 0)))
    out.print(table)
    err.print(f"{frame.height} flags stored")
    if unjudged:
        err.print(f"{n_undated} record(s) have no usable date, so the rules above that need one could not judge "
                  "them: `chronolink flags unjudged` lists them, and each child's report shows its own")


@flags_app.command("list")
def list_flags(db: DbOption = None,
               child: Annotated[Optional[str], typer.Option("--child", help="Only this child's flags.")] = None,
               status: Annotated[Optional[str], typer.Option("--status", help="open, confirmed, ...")] = None,
               analyst: AnalystOption = None) -> None:
    """List stored flags with their dispositions (the listing is audited: it names children)."""
    import polars as pl

    from chronolink.engine.flags import flags_with_dispositions

    con = open_db(db)
    try:
        frame = flags_with_dispositions(con)
        if child:
            frame = frame.filter(pl.col("child_person_id") == child)
        if status:
            frame = frame.filter(pl.col("status") == status)
        people = frame.select(pl.concat_list("child_person_id", "other_person_id").explode().drop_nulls().unique())
        record_audit(con, "flags-list", "read", person_ids=people.to_series().to_list(), analyst=analyst,
                     detail={"rows": frame.height})
    finally:
        con.close()
    table = Table()
    for col in ("flag_id", "rule", "child", "other", "place", "trigger", "fired", "status"):
        table.add_column(col)
    for r in frame.iter_rows(named=True):  # trigger: the latest firing; fired: how many dates
        r["fired"] = len(r["trigger_dates"])
        table.add_row(*(escape("" if r[c] is None else str(r[c])) for c in (
            "flag_id", "rule", "child_person_id", "other_person_id", "address_id", "trigger_date", "fired", "status")))
    out.print(table)


@flags_app.command("unjudged")
def list_unjudged(db: DbOption = None,
                  child: Annotated[Optional[str], typer.Option("--child", help="Only records naming this person.")] = None,
                  analyst: AnalystOption = None) -> None:
    """Records the last flag run's rules could not judge: their date is missing or unreadable."""
    from chronolink.engine.flags import unjudged_records

    con = open_db(db)
    try:
        frame = unjudged_records(con, [child] if child else None)
        record_audit(con, "flags-unjudged", "read", person_ids=[child] if child else [], analyst=analyst,
                     detail={"rows": frame.height})
    finally:
        con.close()
    table = Table(title="Records without a usable date, not judged", title_justify="left")
    for col in ("source record", "event", "date", "rules that needed its date"):
        table.add_column(col)
    for r in frame.iter_rows(named=True):
        table.add_row(escape(f"{r['source_file']}:{r['source_row']}"), escape(r["event_type"] or ""),
                      "unreadable" if r["date_status"] == "invalid" else "missing", escape(", ".join(r["rules"])))
    out.print(table)


def _dispose(status: str):
    def command(flag_id: Annotated[str, typer.Argument(help="The flag id (see `flags list`).")],
                reason: Annotated[Optional[str], typer.Option("--reason", help="Why (required to dismiss).")] = None,
                analyst: AnalystOption = None, db: DbOption = None) -> None:
        from chronolink.engine.flags import set_disposition
        from chronolink.engine.security.audit import current_actor
        from chronolink.engine.store import transaction

        con = open_db(db)
        try:
            with transaction(con):  # the decision and its audit entry commit together
                flag_id = set_disposition(con, flag_id, status, current_actor(analyst), reason)  # today's id
                child = con.execute("SELECT child_person_id FROM flags WHERE flag_id = ?", [flag_id]).fetchall()
                record_audit(con, f"flags-{status}", "disposition", person_ids=[child[0][0]], analyst=analyst,
                             detail={"flag_id": flag_id, "status": status})
        finally:
            con.close()
        err.print(f"{escape(flag_id)}: {status}")
    command.__doc__ = f"Mark a flag {status}."
    return command


for _status in ("confirmed", "dismissed", "actioned", "open"):
    flags_app.command({"confirmed": "confirm", "dismissed": "dismiss", "actioned": "action",
                       "open": "reopen"}[_status])(_dispose(_status))


def export_flags(out_path: Annotated[Path, typer.Argument(help="The file to write (.csv, or .xlsx).")],
                 db: DbOption = None, analyst: AnalystOption = None) -> None:
    """rule, child_person_id, other_person_id, address_id, trigger_date, evidence (compact JSON)."""
    import polars as pl

    from chronolink.engine.export import check_output_file
    from chronolink.engine.flags import export_frame

    check_output_file(out_path)
    con = open_db(db)
    try:
        frame = export_frame(con)
        people = frame.select(pl.concat_list("child_person_id", "other_person_id").explode().drop_nulls().unique())
        export_audited(con, frame, out_path, "export-flags", analyst=analyst, sheet="Flags",
                       person_ids=people.to_series().to_list())
    finally:
        con.close()
    err.print(f"wrote {frame.height} flags")


def register(app: typer.Typer) -> None:
    """Add flag, flags and export flags to the CLI."""
    app.command("flag")(flag)
    app.add_typer(flags_app, name="flags")
    from chronolink.engine.cli.export_cmd import export_app

    export_app.command("flags")(export_flags)
