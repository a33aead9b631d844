"""The trained Fellegi-Sunter model: prior and m/u per comparison level, as a typed, serialisable object."""
from __future__ import annotations

import math

from pydantic import BaseModel

from chronolink.engine.link.comparisons import COMPARISONS, Comparison


class LevelParams(BaseModel):
    """m = P(level | match), u = P(level | non-match) for one comparison level."""

    label: str
    m: float
    u: float
    null: bool = False

    @property
    def weight(self) -> float:
        """log2 Bayes factor of this level (0 for the no-evidence level)."""
        return 0.0 if self.null else math.log2(self.m / self.u)


class LinkModel(BaseModel):
    """Prior match probability and the per-level parameters.

    `prior` is for a random pair of pre-clusters, the population u is measured on (see
    em.prior_over_all_pairs); a model trained but not yet placed in its population holds the
    share of matches among the blocked pairs instead."""

    prior: float
    comparisons: dict[str, list[LevelParams]]
    tf_weight: float = 1.0

    @property
    def prior_weight(self) -> float:
        """log2 prior odds."""
        return math.log2(self.prior / (1.0 - self.prior))

    def weight_case_sql(self, name: str, tf_join: str | None = None, comparison: Comparison | None = None) -> str:
        """SQL giving the level weight of comparison `name` from its `g_<name>` column.

        For a term-frequency level the weight uses the agreeing value's own frequency
        (column `<tf_join>` holding u for that value) in place of the level's average u. The
        comparison's declaration is today's unless given (a stored run's)."""
        levels = self.comparisons[name]
        comp = comparison or next(c for c in COMPARISONS if c.name == name)
        parts = []
        for i, lp in enumerate(levels):
            w = lp.weight
            if comp.levels[i].tf and tf_join and not lp.null:
                tfw = self.tf_weight
                parts.append(
                    f"WHEN {i} THEN {w!r} + {tfw!r} * (log2({lp.u!r}) - log2(greatest(coalesce({tf_join}, {lp.u!r}), 1e-9)))"
                )
            else:
                parts.append(f"WHEN {i} THEN {w!r}::DOUBLE")
        # DOUBLE, not the DECIMAL SQL gives bare literals: arithmetic over millions of pairs.
        return f"(CASE g_{name} {' '.join(parts)} ELSE 0::DOUBLE END)"


def empty_model() -> LinkModel:
    """A neutral model (m = u) used before training, mainly by tests."""
    return LinkModel(
        prior=0.01,
        comparisons={
            c.name: [LevelParams(label=lv.label, m=0.5, u=0.5, null=lv.null) for lv in c.levels] for c in COMPARISONS
        },
    )
