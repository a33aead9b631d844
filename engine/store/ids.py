"""The one definition of row ids: ``record_id = file_seq * FILE_STRIDE + source_row * ROW_STRIDE``.

A person mention adds its slot's index to its record's id, an address mention ``ADDRESS_OFFSET`` plus its
field's index, so every id of one source row sorts together and names its file and row. Ingest and
`link-files` number their rows here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

__all__ = ["ADDRESS_OFFSET", "FILE_STRIDE", "ROW_STRIDE", "record_id_expr"]

FILE_STRIDE = 1_000_000_000
ROW_STRIDE = 100  # room for a row's slots (0..) and address fields (ADDRESS_OFFSET..)
ADDRESS_OFFSET = 90


def record_id_expr(file_seq: int, row: pl.Expr) -> pl.Expr:
    """The record id of 1-based row `row` of the file numbered `file_seq` (an Int64 expression)."""
    import polars as pl

    return pl.lit(file_seq, pl.Int64) * FILE_STRIDE + row.cast(pl.Int64) * ROW_STRIDE
