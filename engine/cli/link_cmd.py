"""`chronolink link | review | explain | link-files`: person and place linkage commands."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chronolink.engine.cli.common import AnalystOption, DbOption, err, fail, open_db, out, record_audit
from chronolink.engine.link.explain import ExplainError, explain_pair, format_waterfall
from chronolink.engine.link.link_files import FileMapping, link_files
from chronolink.engine.link.review import decide, list_reviews
from chronolink.engine.link.run import run_link
from chronolink.engine.link.settings import LinkSettings

SettingsOption = Annotated[
    Optional[Path], typer.Option("--settings", help="Linkage settings file (.json or .toml); defaults otherwise.")
]


def link(db: DbOption = None, settings: SettingsOption = None, analyst: AnalystOption = None) -> None:
    """Link every person and address mention into persons (P ids) and places (A ids)."""
    cfg = LinkSettings.load(settings)
    con = open_db(db)
    try:
        rep = run_link(con, cfg)
    except Exception as exc:  # message only: the traceback locals would hold records
        con.close()
        fail(f"linkage failed: {type(exc).__name__}")
    record_audit(con, "link", "link", analyst=analyst, detail={
        "run_id": rep.run_id, "persons": rep.n_persons, "places": rep.n_places})
    con.close()
    t = Table(title=f"Linkage run {rep.run_id}", title_justify="left")
    for c in ("", "mentions", "clusters", "new ids", "merges", "splits"):
        t.add_column(c, justify="left" if not c else "right")
    for name, n_m, n_c, ch in (("persons", rep.n_person_mentions, rep.n_persons, rep.person_changes),
                               ("places", rep.n_address_mentions, rep.n_places, rep.place_changes)):
        t.add_row(name, str(n_m), str(n_c), str(ch.new_ids if ch else 0), str(ch.merges.height if ch else 0),
                  str(ch.splits.height if ch else 0))
    out.print(t)
    for kind, ch in (("person", rep.person_changes), ("place", rep.place_changes)):
        if ch is None:
            continue
        for row in ch.merges.iter_rows(named=True):
            out.print(f"merge  {kind} {row['kept_id']} <- {', '.join(row['other_ids'])}")
        for row in ch.splits.iter_rows(named=True):
            out.print(f"split  {kind} {row['kept_id']} -> {', '.join(row['other_ids'])}")
    err.print(f"{rep.n_candidates} candidate pairs; {rep.n_review_pending} pairs awaiting review; "
              + ", ".join(f"{k} {v:.1f}s" for k, v in rep.timings.items()))


review_app = typer.Typer(help="Clerical review of borderline pairs: decisions override the model on every run.",
                         no_args_is_help=True)


@review_app.command("list")
def review_list(db: DbOption = None,
                status: Annotated[str, typer.Option(help="pending, accepted, rejected or all")] = "pending",
                limit: Annotated[int, typer.Option(help="rows to show")] = 50) -> None:
    """List queued pairs, strongest first."""
    con = open_db(db, read_only=True)
    try:
        rows = list_reviews(con, None if status == "all" else status, limit)
    except Exception:
        con.close()
        fail("no review queue yet: run `chronolink link` first")
    con.close()
    t = Table(title="Review queue", title_justify="left")
    for c in rows.columns:
        t.add_column(c)
    for r in rows.iter_rows():
        t.add_row(*(escape("" if v is None else str(v)) for v in r))
    out.print(t)


def _decide(review_id: int, accept: bool, db: Path | None, analyst: str | None, note: str | None) -> None:
    con = open_db(db)
    try:
        ok = decide(con, review_id, accept, by=analyst, note=note)
    except Exception:
        ok = False
    if ok:
        record_audit(con, "review", "review", analyst=analyst,
                     detail={"review_id": review_id, "decision": "accept" if accept else "reject"})
    con.close()
    if not ok:
        fail(f"no review item {review_id}")
    err.print(f"review {review_id} {'accepted' if accept else 'rejected'}; it applies from the next `chronolink link`")


@review_app.command("accept")
def review_accept(review_id: int, db: DbOption = None, analyst: AnalystOption = None,
                  note: Annotated[Optional[str], typer.Option(help="why")] = None) -> None:
    """Accept a pair: the two mentions are the same person."""
    _decide(review_id, True, db, analyst, note)


@review_app.command("reject")
def review_reject(review_id: int, db: DbOption = None, analyst: AnalystOption = None,
                  note: Annotated[Optional[str], typer.Option(help="why")] = None) -> None:
    """Reject a pair: the two mentions are different people (never merged again)."""
    _decide(review_id, False, db, analyst, note)


def explain(mention_a: Annotated[str, typer.Argument(help="mention id or source_file:source_row:slot")],
            mention_b: Annotated[str, typer.Argument(help="mention id or source_file:source_row:slot")],
            db: DbOption = None) -> None:
    """Print the match-weight waterfall of two mentions."""
    con = open_db(db, read_only=True)
    try:
        rows = explain_pair(con, mention_a, mention_b)
    except ExplainError as exc:
        con.close()
        fail(str(exc))
    con.close()
    out.print(escape(format_waterfall(rows)))


def link_files_cmd(files: Annotated[list[Path], typer.Argument(help="one CSV (dedupe) or two (link)")],
                   mapping: Annotated[Path, typer.Option("--mapping", help="TOML naming the columns")],
                   out_path: Annotated[Path, typer.Option("--out", help="pairs CSV to write")],
                   settings: SettingsOption = None) -> None:
    """Dedupe one person list or link two; writes the linked pairs as CSV."""
    try:
        pairs = link_files(files, FileMapping.load(mapping), LinkSettings.load(settings))
    except (ValueError, OSError) as exc:
        fail(str(exc))
    # Neutralise spreadsheet formulas in written cells.
    import polars as pl

    pairs = pairs.with_columns(
        pl.col(c).cast(pl.String).str.replace(r"^([=+\-@\t\r])", "'$1") for c in ("id_l", "id_r", "file_l", "file_r"))
    pairs.write_csv(out_path)
    err.print(f"{pairs.filter(pl.col('same_person')).height} linked pairs of {pairs.height} written to {escape(str(out_path))}")


def register(app: typer.Typer) -> None:
    """Add link, review, explain and link-files to the CLI."""
    app.command("link")(link)
    app.add_typer(review_app, name="review")
    app.command("explain")(explain)
    app.command("link-files")(link_files_cmd)
