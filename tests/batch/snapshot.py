"""What a finished run leaves, in a form two runs can be compared by: every data table and every report file.

Left out, and only these: the audit trail (it records when and by whom), the chronology's build history
(whether a build was whole or scoped: how a run got there, not what it found), TIMESTAMP columns, run
numbers, a run's duration, and the path a file was read from. `link_runs` and `flag_runs` are the
histories of link and flag runs (one row each): a restarted batch links and flags again, so only the
latest run of each is compared.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

SKIP_TABLES = frozenset({"audit_log", "audit_head", "chronology_builds"})
SKIP_COLUMNS = frozenset({"run_id", "created_run", "seconds", "path"})
RUN_LOGS = {"link_runs": "run_id", "flag_runs": "flagged_at"}  # table: the column ordering its runs


def store_tables(db: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Each table of the store: (compared columns, its rows as sorted reprs)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        out = {}
        for t in tables:
            if t in SKIP_TABLES:
                continue
            cols = [c for c, typ in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
                "AND table_name = ? ORDER BY ordinal_position", [t]).fetchall()
                if not typ.startswith("TIMESTAMP") and c not in SKIP_COLUMNS]
            latest = f" ORDER BY {RUN_LOGS[t]} DESC LIMIT 1" if t in RUN_LOGS else ""
            select = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f"SELECT {select} FROM {t}{latest}").fetchall()
            out[t] = (cols, sorted(map(repr, rows)))
        return out
    finally:
        con.close()


def report_files(out: Path) -> dict[str, bytes]:
    """Every file of a run's output folder (reports and index), by name."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def differences(a: dict, b: dict) -> list[str]:
    """Names of the tables or files that differ between two snapshots, with a short reason."""
    diffs = [f"{k}: only in one" for k in sorted(set(a) ^ set(b))]
    for k in sorted(set(a) & set(b)):
        if a[k] != b[k]:
            if isinstance(a[k], tuple):
                ra, rb = set(a[k][1]), set(b[k][1])
                diffs.append(f"{k}: {len(ra - rb)} rows only in the first, {len(rb - ra)} only in the second")
            else:
                diffs.append(f"{k}: bytes differ")
    return diffs
