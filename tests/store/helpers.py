"""Test helpers for the store."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from chronolink.engine.errors import NotAStore, StoreDamaged


@contextmanager
def held_by_another_process(db: Path) -> Iterator[None]:
    """Keep ``db`` open for writing in another process (DuckDB's lock held) for the block."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def non_stores(tmp: Path, good: Path) -> dict[str, tuple[Path, type, str]]:
    """Each kind of path that is not a usable store, with the error and the word its message must hold."""
    folder = tmp / "a-folder.duckdb"
    folder.mkdir()
    csv = tmp / "people.csv"
    csv.write_text("name,dob\nA,2010-01-01\n")
    foreign = tmp / "other-app.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.close()
    empty_duck = tmp / "empty.duckdb"
    duckdb.connect(str(empty_duck)).close()
    data = good.read_bytes()
    truncated = tmp / "truncated.duckdb"
    truncated.write_bytes(data[:5000])
    # A damaged file whose DuckDB text says "block" (which holds "lock"): never called busy.
    corrupt = tmp / "corrupt.duckdb"
    corrupt.write_bytes(data[:4096] + bytes(b ^ 0xFF for b in data[4096:12288]) + data[12288:])
    return {
        "folder": (folder, NotAStore, "folder"),
        "csv": (csv, NotAStore, "not a DuckDB database"),
        "foreign duckdb": (foreign, NotAStore, "not a Chronolink store"),
        "empty duckdb": (empty_duck, NotAStore, "not a Chronolink store"),
        "truncated": (truncated, StoreDamaged, "damaged"),
        "corrupt": (corrupt, StoreDamaged, "damaged"),
    }
