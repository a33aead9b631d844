"""link-files on a list of households (the small world's GP extract: families at one address sharing a
surname, twins sharing a date of birth), scored against the generator's truth (bench/link_files_households.py).

Measured on this world (130 families, seed 5, 1,217 rows), list model: with the NHS number mapped F1
1.0000, no family member merged (main's agency pipeline before it: 0.9995, one pair of twins merged);
without it F1 0.9985, one pair of twins merged (before: 0.9899, ten).
"""
from __future__ import annotations

from pathlib import Path

from bench.link_files_households import score


def test_households_with_nhs_numbers(small_world: Path) -> None:
    s = score(small_world, ids=True)
    assert s["f1"] >= 0.9995, s
    assert s["family_merged"] == 0, s


def test_households_without_identifiers(small_world: Path) -> None:
    s = score(small_world, ids=False)
    assert s["f1"] >= 0.997, s
    assert s["family_merged"] <= 2, s
