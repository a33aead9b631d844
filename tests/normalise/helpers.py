"""Small helpers shared by the normaliser tests."""
from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

HERE = Path(__file__).parent


def golden(name: str) -> list[dict[str, str]]:
    """Rows of a golden CSV fixture beside this file (empty cells as '')."""
    with open(HERE / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def run(expr_fn, values: list, dtype=pl.String) -> list:
    """Apply an expression builder to a column of values and return Python values."""
    df = pl.DataFrame({"v": values}, schema={"v": dtype})
    return df.select(expr_fn(pl.col("v")).alias("out"))["out"].to_list()


def blank(v) -> str:
    """None -> '' so results compare with golden cells."""
    return "" if v is None else str(v)
