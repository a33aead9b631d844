"""`chronolink run`: the whole pipeline on new extracts and referrals (the main job)."""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from chronolink.engine.cli.common import AnalystOption, DbOption, err, fail, open_db, out, record_audit
from chronolink.engine.cli.flag_cmd import RuleSettingsOption, run_detail
from chronolink.engine.cli.ingest_cmd import print_reconciliation
from chronolink.engine.cli.link_cmd import Engine, EngineOption, LinkSettingsOption
from chronolink.engine.errors import StoreBusy

if TYPE_CHECKING:
    import duckdb


def _open_waiting(db: Path | None, wait: float) -> duckdb.DuckDBPyConnection:
    """Open (or create) the store for writing, waiting up to `wait` seconds for another run to finish."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return open_db(db, create=True)
        except StoreBusy as exc:
            if time.monotonic() >= deadline:
                fail(f"{exc} (or pass --wait SECONDS)")
            time.sleep(1.0)


def run(extracts: Annotated[Path, typer.Argument(help="Folder of agency extracts.")],
        referrals: Annotated[Path, typer.Option("--referrals", help="The MASH referrals file.")],
        as_of: Annotated[dt.datetime, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Date of the extracts.")],
        out_dir: Annotated[Path, typer.Option("--out", help="Folder for reports and index.html.")],
        db: DbOption = None,
        wait: Annotated[float, typer.Option("--wait", help="Seconds to wait if another run holds the store.")] = 0,
        link_settings: LinkSettingsOption = None,
        rule_settings: RuleSettingsOption = None,
        analyst: AnalystOption = None,
        engine: EngineOption = Engine.duckdb) -> None:
    """Ingest what is new, link with stable ids, flag, and report on every referred child."""
    from chronolink.engine.batch import run_batch
    from chronolink.engine.export import check_output_folder
    from chronolink.engine.link.settings import LinkSettings
    from chronolink.engine.rules import load_settings
    from chronolink.engine.security import audit
    from chronolink.engine.store.connection import default_db_path

    if not extracts.is_dir():
        fail(f"{extracts} is not a folder of extracts")
    if not referrals.is_file():
        fail(f"no referrals file at {referrals}")
    check_output_folder(out_dir)
    link_cfg, rules = LinkSettings.load(link_settings), load_settings(rule_settings)  # before anything is written
    if engine is Engine.spark:
        from chronolink.engine.link.spark_engine import check_spark

        check_spark()
    db = db or (out_dir / "chronolink.duckdb" if not default_db_path().exists() else None)
    con = _open_waiting(db, wait)
    started = time.perf_counter()
    try:
        with Progress(TextColumn("{task.description:<8}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=err, transient=False) as bar:
            tasks: dict[str, TaskID] = {}

            def step(name: str, done: int, total: int) -> None:
                if name not in tasks:
                    tasks[name] = bar.add_task(name, total=max(total, 1))
                bar.update(tasks[name], completed=done, total=max(total, 1))

            with audit.acting_as(analyst):
                try:
                    result = run_batch(con, extracts, referrals, as_of.date(), out_dir, progress=step,
                                       link_settings=link_cfg, rule_settings=rules, link_engine=engine.value)
                except ValueError as exc:
                    fail(str(exc))
        print_reconciliation(result.ingest)
        record_audit(con, "run", "report", analyst=analyst,
                     person_ids=sorted({r.child_person_id for r in result.referrals if r.child_person_id})[:1000],
                     detail={"referrals": len(result.referrals), "reports": len(result.reports),
                             "flags": result.n_flags, "as_of": as_of.date().isoformat(),
                             **run_detail(rules, link_cfg, con)})
    finally:
        con.close()
    known = sum(r.child_person_id is not None for r in result.referrals)
    out.print(f"{len(result.referrals)} referrals: {known} children known to agencies, "
              f"{len(result.referrals) - known} not known; {result.n_flags} flags; "
              f"{len(result.reports)} reports in {escape(str(out_dir))} "
              f"({time.perf_counter() - started:.1f}s). Index: {escape(str(result.index))}")
    failed = [r.source_file for r in result.ingest if r.status == "failed"]
    if failed:  # everything else is written; the run still failed, for a scheduler to see
        fail(f"{len(failed)} extract(s) could not be ingested ({', '.join(failed)}; reasons above and in the "
             "index); the rest were used and every report written", code=1)


def register(app: typer.Typer) -> None:
    """Add run to the CLI."""
    app.command("run")(run)
