"""The one definition of a mention's key: ``source_file:source_row:slot`` (``:field`` for an address).

Keys, not ids, name mentions wherever a decision or an id must survive a re-ingest that renumbers
mentions (the review queue, the stable-id map, purge). SQL, polars and parsing all derive from here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

__all__ = ["mention_key_expr", "mention_key_sql", "parse_mention_key"]


def mention_key_sql(alias: str = "", part: str = "slot") -> str:
    """SQL for the key of the mention in table ``alias`` (``part`` is ``slot`` for people, ``field`` for places)."""
    p = f"{alias}." if alias else ""
    return f"({p}source_file || ':' || CAST({p}source_row AS VARCHAR) || ':' || {p}{part})"


def mention_key_expr(part: str = "slot") -> pl.Expr:
    """The same key as a polars expression named ``mention_key``."""
    import polars as pl

    return (pl.col("source_file") + ":" + pl.col("source_row").cast(pl.String) + ":" + pl.col(part)).alias(
        "mention_key")


def parse_mention_key(key: str) -> tuple[str, int, str] | None:
    """(source_file, source_row, slot) from a key, or None if ``key`` is not one (file names may hold ':')."""
    parts = str(key).rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2]
