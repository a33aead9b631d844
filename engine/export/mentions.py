"""Exports other tools read: person and address mentions with their linked ids."""
from __future__ import annotations

import duckdb
import polars as pl


def person_mentions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """`source_file, source_row, slot, person_id`; an unlinked mention is its own person."""
    return con.sql(
        "SELECT source_file, source_row, slot, coalesce(person_id, 'M' || mention_id::VARCHAR) AS person_id "
        "FROM person_mentions ORDER BY source_file, source_row, slot").pl()


def address_mentions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """`source_file, source_row, field, address_id`; an unlinked address is its own place."""
    return con.sql(
        "SELECT source_file, source_row, field, "
        "coalesce(address_id, 'M' || address_mention_id::VARCHAR) AS address_id "
        "FROM address_mentions ORDER BY source_file, source_row, field").pl()
