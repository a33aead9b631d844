"""The batch run: new extracts and referrals in, one report per referred child and an index out.

Every step is restartable: ingest is per file and skips unchanged files, linkage and
flagging each commit in one transaction and recompute from the store, reports are
written to a temporary name and renamed. A run killed at any point and started
again ends with the same result and nothing duplicated.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from chronolink.engine.chronology.coverage import record_extract_outcomes
from chronolink.engine.chronology.display import display_names
from chronolink.engine.errors import InputFileError
from chronolink.engine.flags import flags_with_dispositions, update_flags
from chronolink.engine.ingest import FileReport, ingest_file, ingest_paths
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.link.spark_run import link_store
from chronolink.engine.rules import RuleSettings
from chronolink.reports import Candidate, IndexRow, write_child_report, write_index
from chronolink.reports.coverage import data_coverage
from chronolink.reports.rating import RatedFlag, Rating, rate
from chronolink.reports.render import TEMP_PREFIX
from chronolink.reports.report_data import child_report_data

Progress = Callable[[str, int, int], None]
REFERRALS_LAYOUT = "mash_referrals"


@dataclass
class BatchResult:
    """What a batch run did."""

    ingest: list[FileReport] = field(default_factory=list)
    referrals: list[IndexRow] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    index: Path | None = None
    n_flags: int = 0


def rating(flags: pl.DataFrame, as_of: dt.date, known: bool = True) -> Rating:
    """A child's rating from their flags (rule, trigger_date, status): see reports.rating."""
    return rate([RatedFlag(r, t, s) for r, t, s in flags.select("rule", "trigger_date", "status").iter_rows()],
                as_of, known=known)


def _referral_children(con: duckdb.DuckDBPyConnection, referrals_file: str) -> pl.DataFrame:
    """Each referral row of the file: its id, received date, the child's mention and person id."""
    return con.sql("""
        SELECT r.ref AS referral_id, r.event_date AS received, r.event_time AS received_time, m.mention_id,
               m.person_id, m.name_raw,
               (SELECT count(*) FROM person_mentions o
                 WHERE o.person_id = m.person_id AND o.agency <> 'mash') AS known_mentions
        FROM records r JOIN person_mentions m USING (record_id)
        WHERE r.source_file = $f AND m.slot = 'child'
        ORDER BY r.event_date DESC NULLS LAST, r.event_time DESC NULLS LAST, r.ref, m.mention_id
    """, params={"f": referrals_file}).pl()


def near_candidates(con: duckdb.DuckDBPyConnection, mention_id: int, limit: int = 3) -> list[tuple[str, float | None]]:
    """People known to an agency whose records scored closest to this mention (below the link threshold)."""
    rows = con.execute("""
        WITH pairs AS (
          SELECT mention_id_r AS other, match_probability FROM link_pairs WHERE mention_id_l = ?
          UNION ALL SELECT mention_id_l, match_probability FROM link_pairs WHERE mention_id_r = ?
        )
        SELECT m.person_id, max(p.match_probability) AS prob FROM pairs p
        JOIN person_mentions m ON m.mention_id = p.other
        WHERE m.agency <> 'mash' AND m.person_id IS NOT NULL
        GROUP BY m.person_id ORDER BY prob DESC, m.person_id LIMIT ?
    """, [mention_id, mention_id, limit]).fetchall()
    if rows:
        return [(pid, float(p)) for pid, p in rows]
    # No scored pair at all: people sharing the surname and date of birth, or the full name.
    rows = con.execute("""
        SELECT DISTINCT o.person_id FROM person_mentions m JOIN person_mentions o
          ON o.agency <> 'mash' AND o.person_id IS NOT NULL
         AND ((o.surname = m.surname AND o.dob = m.dob) OR (o.surname = m.surname AND o.forename = m.forename))
        WHERE m.mention_id = ? ORDER BY o.person_id LIMIT ?
    """, [mention_id, limit]).fetchall()
    return [(pid, None) for (pid,) in rows]


def _check_referrals(report: FileReport) -> None:
    """The --referrals file must be a referrals extract that could be read: a report on nobody is no answer."""
    if report.status == "failed":
        raise InputFileError(report.message)
    if report.layout != REFERRALS_LAYOUT:
        raise InputFileError(f"{report.source_file} is not a MASH referrals extract (its columns are those of "
                             f"{report.layout}): --referrals must name the referrals file")


def _clear_unfinished(out: Path) -> None:
    """Remove the temp files of reports a killed run was writing (never renamed into place)."""
    for p in out.glob(f"{TEMP_PREFIX}*"):
        p.unlink(missing_ok=True)


def run_batch(con: duckdb.DuckDBPyConnection, extracts: Path, referrals: Path, as_of: dt.date, out: Path,
              progress: Progress | None = None, *, link_settings: LinkSettings | None = None,
              rule_settings: RuleSettings | None = None, link_engine: str = "duckdb") -> BatchResult:
    """Ingest what is new, link, flag, and write a report per referred child plus index.html.

    `link_settings` and `rule_settings` are what `link` and `flag` take (defaults when None);
    `link_engine` 'spark' runs the link steps on Spark (a full link)."""
    step = progress or (lambda *_: None)
    result = BatchResult()
    step("ingest", 0, 1)
    result.ingest = ingest_paths(con, [extracts], max_date=as_of)
    if referrals.resolve().parent != extracts.resolve() or not (extracts / referrals.name).exists():
        result.ingest.append(ingest_file(con, referrals, max_date=as_of))
    record_extract_outcomes(con, result.ingest)
    _check_referrals(next(r for r in result.ingest if r.source_file == referrals.name))
    step("ingest", 1, 1)
    step("link", 0, 1)
    link_store(con, link_settings, engine=link_engine)
    step("link", 1, 1)
    step("flag", 0, 1)
    result.n_flags = update_flags(con, as_of, rule_settings)
    step("flag", 1, 1)
    refs = _referral_children(con, referrals.name)
    known = refs.filter(pl.col("known_mentions") > 0)
    # the referred children's flags only (a county store holds tens of thousands)
    flags = flags_with_dispositions(con, sorted(set(known["person_id"].drop_nulls())))
    by_child = {c: frame for (c,), frame in flags.group_by("child_person_id")}
    no_flags = flags.clear()
    names = display_names(con, sorted(set(known["person_id"].drop_nulls())))
    out.mkdir(parents=True, exist_ok=True)
    _clear_unfinished(out)
    written: dict[str, Path] = {}
    children = sorted(set(known["person_id"].drop_nulls()))
    for i, pid in enumerate(children):
        step("reports", i, len(children))
        written[pid] = write_child_report(child_report_data(con, pid, as_of), out)
    step("reports", len(children), len(children))
    rows = []
    for r in refs.iter_rows(named=True):
        if r["known_mentions"] and r["person_id"] in written:
            rated = rating(by_child.get(r["person_id"], no_flags), as_of)
            rows.append(IndexRow(referral_id=r["referral_id"] or f"row {r['mention_id']}", received=r["received"],
                                 child_person_id=r["person_id"], child_name=names.get(r["person_id"]),
                                 flag_count=rated.open_flags, rating=rated.level, rating_reasons=rated.reasons))
        else:
            cands = near_candidates(con, r["mention_id"])
            cand_names = display_names(con, [c for c, _ in cands])
            rows.append(IndexRow(referral_id=r["referral_id"] or f"row {r['mention_id']}", received=r["received"],
                                 child_person_id=None, child_name=r["name_raw"],
                                 candidates=[Candidate(person_id=c, name=cand_names[c], match_probability=p,
                                                       has_report=c in written) for c, p in cands],
                                 flag_count=0, rating="not known",
                                 rating_reasons=rate([], as_of, known=False).reasons))
    result.referrals = rows
    result.reports = list(written.values())
    result.index = write_index(rows, out, as_of=as_of, coverage=data_coverage(con))
    return result
