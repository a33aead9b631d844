"""`chronolink audit`, `chronolink purge`, `chronolink export pseudonymised`: protecting the data."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Optional

import duckdb
import typer
from rich.markup import escape
from rich.table import Table

from chronolink.engine.cli.common import AnalystOption, DbOption, err, fail, open_db, out, record_audit
from chronolink.engine.export import write_csv_safe
from chronolink.engine.export.pseudonymised import load_pseudonym_key, pseudonymised_mentions
from chronolink.engine.retention import compact_store, purge_before
from chronolink.engine.security import audit
from chronolink.engine.security.errors import SecurityError
from chronolink.engine.store import default_db_path

DateOpt = dict(formats=["%Y-%m-%d"])


def _existing(db: Path | None) -> Path:
    """The store path, or exit if there is no store there (these commands never create one)."""
    path = db if db is not None else default_db_path()
    if not path.exists() or path.stat().st_size == 0:
        fail(f"no store at {path}: ingest extracts first (chronolink ingest ... --db {path})")
    return path


def _has_audit(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                       "AND table_name IN ('audit_log', 'audit_head')").fetchall()
    return rows[0][0] == 2


def _people(ids: list[str] | None) -> str:
    ids = list(ids or [])
    return ", ".join(ids[:3]) + (f" +{len(ids) - 3} more" if len(ids) > 3 else "")


def _verify(con: duckdb.DuckDBPyConnection, anchor_path: Path | None) -> audit.VerifyResult:
    anchor = None
    if anchor_path is not None:
        try:
            anchor = audit.read_anchor(anchor_path)
        except (OSError, ValueError, KeyError, TypeError):
            fail(f"cannot read the anchor file {anchor_path} (expected JSON written by --write-anchor)")
    if not _has_audit(con):
        return audit.VerifyResult(anchor is None or anchor.entry_count == 0, 0,
                                  None if anchor is None or anchor.entry_count == 0 else 1,
                                  None if anchor is None or anchor.entry_count == 0 else "the audit trail is missing",
                                  audit.AuditHead(0, 0, audit.GENESIS_HASH))
    return audit.verify(con, anchor)


def audit_cmd(
    verify: Annotated[bool, typer.Option("--verify", help="Check the hash chain (exit 1 at the first bad entry).")] = False,
    since: Annotated[Optional[dt.datetime], typer.Option("--since", help="Entries on or after this date (UTC).",
                                                         **DateOpt)] = None,
    person: Annotated[Optional[str], typer.Option("--person", help="Entries about this person id.")] = None,
    action: Annotated[Optional[str], typer.Option("--action", help="Entries of this action (export, purge, ...).")] = None,
    anchor: Annotated[Optional[Path], typer.Option("--anchor", help="Also check against a head saved with "
                                                                    "--write-anchor (implies --verify).")] = None,
    write_anchor: Annotated[Optional[Path], typer.Option("--write-anchor", help="Verify, then save the head to this "
                                                                                "file kept outside the store.")] = None,
    db: DbOption = None,
) -> None:
    """List the audit trail (who did what to whose records), verify it, or save its head.

    Reading or verifying the trail appends nothing to it.
    """
    if action is not None and action not in audit.ACTIONS:
        fail(f"unknown action {action!r}; expected one of {', '.join(sorted(audit.ACTIONS))}")
    # audit.verify/entries create the audit tables if missing, which a read-only connection refuses,
    # so the store is opened for writing (nothing is written when the tables exist) but never created.
    con = open_db(_existing(db))
    try:
        if verify or anchor is not None or write_anchor is not None:
            result = _verify(con, anchor)
            if not result.ok:
                fail(f"audit trail verification failed at seq {result.first_bad_seq}: {result.problem} "
                     f"({result.checked} entries checked before it)", code=1)
            head = result.head or audit.AuditHead(0, 0, audit.GENESIS_HASH)
            err.print(f"audit trail verified: {result.checked} entries, head seq {head.last_seq}, "
                      f"hash {head.head_hash[:16]}" + (" (matches the anchor)" if anchor is not None else ""))
            if write_anchor is not None:
                target = Path(write_anchor)
                tmp = target.with_name(target.name + ".tmp")
                tmp.write_text(json.dumps({"entry_count": head.entry_count, "last_seq": head.last_seq,
                                           "head_hash": head.head_hash}, sort_keys=True) + "\n", encoding="utf-8")
                tmp.replace(target)
                err.print(f"anchor written to {escape(str(target))}: keep it outside the store")
            return
        if not _has_audit(con):
            err.print("the audit trail is empty")
            return
        since_at = since.replace(tzinfo=None) if since is not None else None
        frame = audit.entries(con, since=since_at, action=action, person_id=person)
    finally:
        con.close()
    table = Table(title="Audit trail (UTC)", title_justify="left")
    for col in ("seq", "at", "actor", "command", "action", "people", "detail"):
        table.add_column(col, justify="right" if col == "seq" else "left", overflow="fold")
    for r in frame.iter_rows(named=True):
        table.add_row(str(r["seq"]), r["at"].strftime("%Y-%m-%d %H:%M:%S"), escape(r["actor"]),
                      escape(r["command"]), escape(r["action"]), escape(_people(r["person_ids"])),
                      escape(r["detail"] or ""))
    out.print(table)
    err.print(f"{frame.height} entries")


def purge(
    before: Annotated[dt.datetime, typer.Option("--before", help="Purge records dated before this day (YYYY-MM-DD).",
                                                **DateOpt)],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    compact: Annotated[bool, typer.Option("--compact/--no-compact",
                                          help="Rewrite the store file afterwards so purged bytes do not linger "
                                               "(default on).")] = True,
    db: DbOption = None,
    analyst: AnalystOption = None,
) -> None:
    """Delete records dated before a day and everything derived from them, in one transaction.

    Undated rows (e.g. CSC relationships) go when every dated record of their subject goes, and stay when their subject has no dated record. The store file is then rewritten so purged bytes do not linger. Full policy: engine/retention/purge.py.
    """
    cutoff = before.date()
    if cutoff > dt.date.today():
        fail(f"the cut-off {cutoff} is in the future; refusing to purge every record")
    if not yes:
        if not typer.confirm(f"Permanently delete every record dated before {cutoff} and all derived data?",
                             default=False, err=True):
            fail("nothing purged", code=1)
    path = _existing(db)
    con = open_db(path)
    try:
        actor = audit.current_actor(analyst)
        counts = purge_before(con, cutoff, actor=actor)
    except (SecurityError, ValueError) as exc:
        con.close()
        fail(str(exc))
    con.close()
    table = Table(title=f"Purged before {cutoff}", title_justify="left")
    table.add_column("table")
    table.add_column("rows deleted", justify="right")
    for name, n in counts.items():
        table.add_row(name, str(n))
    out.print(table)
    if compact:
        try:
            compact_store(path)
        except (SecurityError, OSError, duckdb.Error) as exc:
            detail = str(exc) if isinstance(exc, SecurityError) else type(exc).__name__
            fail(f"purged, but the store file could not be compacted ({detail}); run the purge again with "
                 "the store not in use to rewrite it", code=1)
        err.print("store file rewritten: purged rows no longer linger in it")
    err.print(f"purged {counts.get('records', 0)} records; re-run `chronolink link` and `chronolink flag` "
              "to rebuild derived tables")


def export_pseudonymised(
    out_path: Annotated[Path, typer.Argument(help="The CSV file to write.")],
    with_free_text: Annotated[bool, typer.Option("--with-free-text",
                                                 help="Include event summaries (names redacted, best effort).")] = False,
    db: DbOption = None,
    analyst: AnalystOption = None,
) -> None:
    """Person mentions for peer review and research: keyed pseudonyms, birth month, postcode district.

    The key comes from CHRONOLINK_PSEUDONYM_KEY or CHRONOLINK_PSEUDONYM_KEY_FILE; the same key
    gives the same pseudonyms, so two exports link.
    """
    try:
        key = load_pseudonym_key()
    except SecurityError as exc:
        fail(str(exc))
    con = open_db(_existing(db))
    frame = pseudonymised_mentions(con, key, with_free_text=with_free_text)
    write_csv_safe(frame, out_path)
    record_audit(con, "export-pseudonymised", "export", analyst=analyst,
                 detail={"rows": frame.height, "pseudonymised": True, "narrative_included": with_free_text})
    con.close()
    err.print(f"wrote {frame.height} pseudonymised person mentions")


def register(app: typer.Typer) -> None:
    """Add audit, purge and export pseudonymised to the CLI."""
    app.command("audit")(audit_cmd)
    app.command("purge")(purge)
    from chronolink.engine.cli.export_cmd import export_app

    export_app.command("pseudonymised")(export_pseudonymised)
