"""`chronolink audit`, `chronolink purge`, `chronolink export pseudonymised`: protecting the data."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chronolink.engine.cli.common import AnalystOption, DbOption, err, export_audited, fail, open_db, out
from chronolink.engine.errors import ChronolinkError

if TYPE_CHECKING:
    from chronolink.engine.security.audit import AuditHead

DateOpt = dict(formats=["%Y-%m-%d"])


def _people(ids: list[str] | None) -> str:
    ids = list(ids or [])
    return ", ".join(ids[:3]) + (f" +{len(ids) - 3} more" if len(ids) > 3 else "")


def _read_anchor(anchor_path: Path | None) -> AuditHead | None:
    from chronolink.engine.security import audit

    if anchor_path is None:
        return None
    try:
        return audit.read_anchor(anchor_path)
    except (OSError, ValueError, KeyError, TypeError):
        fail(f"cannot read the anchor file {anchor_path} (expected JSON written by --write-anchor)")


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
    from chronolink.engine.export import check_output_file, private_file
    from chronolink.engine.security import audit

    if action is not None and action not in audit.ACTIONS:
        fail(f"unknown action {action!r}; expected one of {', '.join(sorted(audit.ACTIONS))}")
    if write_anchor is not None:
        check_output_file(write_anchor)
    expected = _read_anchor(anchor)
    con = open_db(db, read_only=True)
    try:
        if verify or anchor is not None or write_anchor is not None:
            result = audit.verify(con, expected)
            if not result.ok:
                fail(f"audit trail verification failed at seq {result.first_bad_seq}: {result.problem} "
                     f"({result.checked} entries checked before it)", code=1)
            head = result.head or audit.AuditHead(0, 0, audit.GENESIS_HASH)
            err.print(f"audit trail verified: {result.checked} entries, head seq {head.last_seq}, "
                      f"hash {head.head_hash[:16]}" + (" (matches the anchor)" if anchor is not None else ""))
            if write_anchor is not None:
                with private_file(write_anchor) as tmp:
                    tmp.write_text(json.dumps({"entry_count": head.entry_count, "last_seq": head.last_seq,
                                               "head_hash": head.head_hash}, sort_keys=True) + "\n",
                                   encoding="utf-8")
                err.print(f"anchor written to {escape(str(write_anchor))}: keep it outside the store")
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


def _counts_table(title: str, heading: str, counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("table")
    table.add_column(heading, justify="right")
    for name, n in counts.items():
        table.add_row(name, str(n))
    return table


def purge(
    before: Annotated[dt.datetime, typer.Option("--before", help="Purge records dated before this day (YYYY-MM-DD).",
                                                **DateOpt)],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation (for scripts).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say how many rows of each table a purge "
                                                            "would delete.")] = False,
    compact: Annotated[bool, typer.Option("--compact/--no-compact",
                                          help="Rewrite the store file afterwards so purged bytes do not linger "
                                               "(default on).")] = True,
    db: DbOption = None,
    analyst: AnalystOption = None,
) -> None:
    """Delete records dated before a day and everything derived from them, in one transaction.

    Undated rows (e.g. CSC relationships) go when every dated record of their subject goes, and stay when their subject has no dated record. The store file is then rewritten so purged bytes do not linger. Full policy: engine/retention/purge.py.
    """
    from chronolink.engine.retention import compact_store, purge_before
    from chronolink.engine.security import audit
    from chronolink.engine.store import default_db_path

    cutoff = before.date()
    if cutoff > dt.date.today():
        fail(f"the cut-off {cutoff} is in the future; refusing to purge every record")
    actor = audit.current_actor(analyst)
    path = db if db is not None else default_db_path()
    con = open_db(path)
    try:
        # Before anything goes: the purge carried out and rolled back, so the counts are exact.
        preview = purge_before(con, cutoff, dry_run=True)
        err.print(_counts_table(f"A purge before {cutoff} deletes", "rows to delete", preview))
        if dry_run:
            err.print("dry run: nothing purged")
            return
        if not yes and not typer.confirm(f"Permanently delete these rows (every record dated before {cutoff} and "
                                         "all derived data)?", default=False, err=True):
            fail("nothing purged", code=1)
        counts = purge_before(con, cutoff, actor=actor)
    finally:
        con.close()
    out.print(_counts_table(f"Purged before {cutoff}", "rows deleted", counts))
    if compact:
        try:
            compact_store(path)
        except Exception as exc:  # the purge is done: say so, whatever stopped the rewrite
            detail = str(exc) if isinstance(exc, ChronolinkError) else type(exc).__name__
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
    from chronolink.engine.export import check_output_file
    from chronolink.engine.export.pseudonymised import load_pseudonym_key, pseudonymised_mentions

    key = load_pseudonym_key()
    check_output_file(out_path)
    con = open_db(db)
    try:
        frame = pseudonymised_mentions(con, key, with_free_text=with_free_text)
        export_audited(con, frame, out_path, "export-pseudonymised", analyst=analyst,
                       detail={"pseudonymised": True, "narrative_included": with_free_text})
    finally:
        con.close()
    err.print(f"wrote {frame.height} pseudonymised person mentions")


def register(app: typer.Typer) -> None:
    """Add audit, purge and export pseudonymised to the CLI."""
    app.command("audit")(audit_cmd)
    app.command("purge")(purge)
    from chronolink.engine.cli.export_cmd import export_app

    export_app.command("pseudonymised")(export_pseudonymised)
