"""`chronolink link | review | explain | link-files`: person and place linkage commands."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chronolink.engine.cli.common import AnalystOption, DbOption, err, fail, open_db, out, record_audit

if TYPE_CHECKING:
    import duckdb
    import polars as pl

LinkSettingsOption = Annotated[
    Optional[Path], typer.Option("--link-settings", "--settings",
                                 help="Linkage settings file (.json or .toml); defaults otherwise.")
]


def _print_link_report(rep) -> None:  # noqa: ANN001 (a LinkReport; imported lazily)
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
            out.print(f"merge  {kind} {escape(row['kept_id'])} <- {escape(', '.join(row['other_ids']))}")
        for row in ch.splits.iter_rows(named=True):
            out.print(f"split  {kind} {escape(row['kept_id'])} -> {escape(', '.join(row['other_ids']))}")
    how = f"full link ({rep.why_full})" if rep.why_full else "incremental link (new mentions, stored model)"
    err.print(f"{how}; {rep.n_candidates} candidate pairs; {rep.n_review_pending} pairs awaiting review; "
              + ", ".join(f"{k} {v:.1f}s" for k, v in rep.timings.items()))


FullOption = Annotated[bool, typer.Option(
    "--full", help="Retrain and relink every mention (by default a linked store links only its new mentions).")]


class Engine(str, Enum):
    """Where the link steps run."""

    duckdb = "duckdb"
    spark = "spark"


EngineOption = Annotated[Engine, typer.Option(
    "--engine", help="duckdb (default) or spark: the link steps on PySpark (a full link; needs pyspark and Java 17+).")]


def link(db: DbOption = None, settings: LinkSettingsOption = None, analyst: AnalystOption = None,
         full: FullOption = False, engine: EngineOption = Engine.duckdb) -> None:
    """Link every person and address mention into persons (P ids) and places (A ids)."""
    from chronolink.engine.cli.flag_cmd import run_detail
    from chronolink.engine.link.place_review import pending_places
    from chronolink.engine.link.settings import LinkSettings
    from chronolink.engine.link.spark_run import link_store

    cfg = LinkSettings.load(settings)  # validated before the store is touched
    if engine is Engine.spark:
        from chronolink.engine.link.spark_engine import check_spark

        check_spark()  # before the store is opened
    con = open_db(db)
    try:
        rep = link_store(con, cfg, full=full, engine=engine.value)
        record_audit(con, "link", "link", analyst=analyst, detail={
            "run_id": rep.run_id, "persons": rep.n_persons, "places": rep.n_places, **run_detail(link_settings=cfg, con=con)})
        places_pending = pending_places(con)
    finally:
        con.close()
    _print_link_report(rep)
    if places_pending:
        err.print(f"{places_pending} address rows awaiting place review (a house number that may be a slip): "
                  "chronolink review places")


review_app = typer.Typer(help="Clerical review of borderline pairs: decisions override the model on every run.",
                         no_args_is_help=True)


def _people_of_mentions(con: duckdb.DuckDBPyConnection, keys: list[str]) -> list[str]:
    from chronolink.engine.link.review import MENTION_KEY_SQL

    if not keys:
        return []
    rows = con.execute(f"SELECT DISTINCT person_id FROM person_mentions WHERE {MENTION_KEY_SQL} IN "
                       "(SELECT unnest(?::VARCHAR[])) AND person_id IS NOT NULL", [keys]).fetchall()
    return [r[0] for r in rows]


@review_app.command("list")
def review_list(db: DbOption = None,
                status: Annotated[str, typer.Option(help="pending, accepted, rejected or all")] = "pending",
                limit: Annotated[int, typer.Option(help="rows to show")] = 50,
                analyst: AnalystOption = None) -> None:
    """List queued pairs, strongest first (the listing is audited: it shows names and dates of birth)."""
    from chronolink.engine.link.review import list_reviews

    if status not in ("pending", "accepted", "rejected", "all"):
        fail("--status must be pending, accepted, rejected or all")
    con = open_db(db)
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'link_review'").fetchall()[0][0]:
            fail("no review queue yet: run `chronolink link` first")
        rows = list_reviews(con, None if status == "all" else status, limit)
        keys = rows["mention_key_l"].to_list() + rows["mention_key_r"].to_list()
        record_audit(con, "review-list", "read", person_ids=_people_of_mentions(con, keys), analyst=analyst,
                     detail={"rows": rows.height})
    finally:
        con.close()
    _print_rows("Review queue", rows)


def _print_rows(title: str, rows: pl.DataFrame) -> None:
    """A queue listing as a table, every value escaped (it holds names and addresses as written)."""
    t = Table(title=title, title_justify="left")
    for c in rows.columns:
        t.add_column(c)
    for r in rows.iter_rows():
        t.add_row(*(escape("" if v is None else str(v)) for v in r))
    out.print(t)


def _decide(kind: str, review_id: int, accept: bool, db: Path | None, analyst: str | None,
            note: str | None) -> None:
    """Record a decision on item ``review_id`` of the person pair queue (kind 'pair') or the place
    queue (kind 'place'), with its audit entry in the same transaction."""
    from chronolink.engine.link.place_review import PLACE_REVIEW
    from chronolink.engine.link.review import decide_in
    from chronolink.engine.store import transaction

    table, command, what = (("link_review", "review", "review") if kind == "pair"
                            else (PLACE_REVIEW, "review-place", "place review"))
    con = open_db(db)
    try:
        with transaction(con):  # the decision and its audit entry commit together
            ok = decide_in(table, con, review_id, accept, by=analyst, note=note)
            if ok:
                record_audit(con, command, "review", analyst=analyst,
                             detail={"review_id": review_id, "decision": "accept" if accept else "reject"})
    finally:
        con.close()
    if not ok:
        fail(f"no {what} item {review_id}")
    err.print(f"{what} {review_id} {'accepted' if accept else 'rejected'}; it applies from the next "
              + ("`chronolink link`" if kind == "pair" else "full `chronolink link`"))


@review_app.command("accept")
def review_accept(review_id: int, db: DbOption = None, analyst: AnalystOption = None,
                  note: Annotated[Optional[str], typer.Option(help="why")] = None) -> None:
    """Accept a pair: the two mentions are the same person."""
    _decide("pair", review_id, True, db, analyst, note)


@review_app.command("reject")
def review_reject(review_id: int, db: DbOption = None, analyst: AnalystOption = None,
                  note: Annotated[Optional[str], typer.Option(help="why")] = None) -> None:
    """Reject a pair: the two mentions are different people (never merged again)."""
    _decide("pair", review_id, False, db, analyst, note)


@review_app.command("places")
def review_places(db: DbOption = None,
                  status: Annotated[str, typer.Option(help="pending, accepted, rejected or all")] = "pending",
                  limit: Annotated[int, typer.Option(help="rows to show")] = 50,
                  analyst: AnalystOption = None) -> None:
    """List queued place pairs: an address row that may be written with a house-number slip, a row of the
    place proposed, and the evidence (the listing is audited: it shows addresses)."""
    from chronolink.engine.link.place_review import list_place_reviews

    if status not in ("pending", "accepted", "rejected", "all"):
        fail("--status must be pending, accepted, rejected or all")
    con = open_db(db)
    try:
        rows = list_place_reviews(con, None if status == "all" else status, limit)
        record_audit(con, "review-places", "read", analyst=analyst, detail={"rows": rows.height})
    finally:
        con.close()
    _print_rows("Place review queue", rows)


@review_app.command("accept-place")
def review_accept_place(review_id: int, db: DbOption = None, analyst: AnalystOption = None,
                        note: Annotated[Optional[str], typer.Option(help="why")] = None) -> None:
    """Accept a place pair: the row is written with a slip and belongs to the place proposed."""
    _decide("place", review_id, True, db, analyst, note)


@review_app.command("reject-place")
def review_reject_place(review_id: int, db: DbOption = None, analyst: AnalystOption = None,
                        note: Annotated[Optional[str], typer.Option(help="why")] = None) -> None:
    """Reject a place pair: the row is the place it says (never moved there)."""
    _decide("place", review_id, False, db, analyst, note)


def explain(mention_a: Annotated[str, typer.Argument(help="mention id or source_file:source_row:slot")],
            mention_b: Annotated[str, typer.Argument(help="mention id or source_file:source_row:slot")],
            db: DbOption = None, analyst: AnalystOption = None,
            run: Annotated[Optional[int], typer.Option(
                "--run", help="explain by the model of this stored link run (default: the latest)")] = None) -> None:
    """Print the match-weight waterfall of two mentions (audited: it concerns two people)."""
    from chronolink.engine.link.explain import explain_pair, format_waterfall, resolve_mention

    con = open_db(db)
    try:
        rows = explain_pair(con, mention_a, mention_b, run_id=run)
        ids = [resolve_mention(con, mention_a), resolve_mention(con, mention_b)]
        people = con.execute("SELECT DISTINCT person_id FROM person_mentions WHERE mention_id IN (?, ?) "
                             "AND person_id IS NOT NULL", ids).fetchall()
        record_audit(con, "explain", "read", person_ids=[p[0] for p in people], analyst=analyst,
                     detail={"mention_ids": ids})
    finally:
        con.close()
    out.print(escape(format_waterfall(rows)))


def link_files_cmd(files: Annotated[list[Path], typer.Argument(help="one CSV (dedupe) or two (link)")],
                   mapping: Annotated[Path, typer.Option("--mapping", help=(
                       "TOML naming the columns: forename, surname or full_name, dob (+ dob_format, default auto), "
                       "sex, address (one column or a list), town, postcode, id, and a table named identifiers "
                       "(any number; exact within their own column). See docs/link-files.md."))],
                   out_path: Annotated[Path, typer.Option("--out", help="pairs file to write (.csv or .xlsx)")],
                   issues_path: Annotated[Optional[Path], typer.Option(
                       "--issues", help="CSV of every value that could not be used (default: OUT with .issues.csv)")] = None,
                   link_only: Annotated[bool, typer.Option(
                       "--link-only", help="two deduplicated lists: each row links to at most one row of the other")] = False,
                   constraints: Annotated[str, typer.Option(
                       "--constraints", help="none (default) or safeguarding: the household constraints of agency "
                                             "extracts (dates of birth too far apart, twins' forenames)")] = "none",
                   settings: LinkSettingsOption = None) -> None:
    """Dedupe one person list or link two; writes the pairs (formula-neutralised), with why a strong pair was
    kept apart, and every value that could not be used (an unparseable date, an invalid identifier)."""
    import polars as pl

    from chronolink.engine.export import check_output_file, write_table
    from chronolink.engine.link.link_files import FileMapping, link_files
    from chronolink.engine.link.settings import LinkSettings

    check_output_file(out_path)
    missing = [f for f in (*files, mapping) if not f.is_file()]
    if missing:
        fail(f"no such file: {', '.join(str(f) for f in missing)}")
    res = link_files(files, FileMapping.load(mapping), LinkSettings.load(settings) if settings else None,
                     link_only=link_only, constraints=constraints)
    write_table(res.pairs, out_path)
    issues_path = issues_path or out_path.with_name(out_path.stem + ".issues.csv")
    check_output_file(issues_path)
    write_table(res.issues, issues_path)
    for name, fmt in res.date_formats.items():
        err.print(f"{escape(name)}: dates read as {escape(fmt)}")
    for column, problem, n in res.issues.group_by("column", "problem").len().sort("column", "problem").iter_rows():
        err.print(f"{n} values of {escape(column)}: {problem} (rows listed in {escape(str(issues_path))})")
    pairs = res.pairs
    err.print(f"{pairs.filter(pl.col('same_person')).height} linked pairs of {pairs.height} written to "
              f"{escape(str(out_path))}")


def register(app: typer.Typer) -> None:
    """Add link, review, explain and link-files to the CLI."""
    app.command("link")(link)
    app.add_typer(review_app, name="review")
    app.command("explain")(explain)
    app.command("link-files")(link_files_cmd)
