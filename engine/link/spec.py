"""The link model declared as data, stored whole with every run.

A `ModelSpec` holds each comparison (its levels' SQL, null and impossible levels, fixed m or u,
term-frequency column), the blocking rules and the training (EM sessions, comparisons measured on
id-linked pairs). A run stores its spec and trained parameters as one versioned JSON document
(`StoredModel`), so `explain` reads any stored run by the levels it was linked with.
"""
from __future__ import annotations

from pydantic import BaseModel, TypeAdapter
from pydantic.dataclasses import dataclass

from chronolink.engine.link.blocking import RULES, BlockingRule
from chronolink.engine.link.comparisons import COMPARISONS, Comparison
from chronolink.engine.link.em import TRAINING, Training
from chronolink.engine.link.model import LinkModel

# 1: parameters only (stores linked before the spec was stored); 2: spec and parameters.
MODEL_FORMAT = 2


@dataclass(frozen=True)
class ModelSpec:
    """Everything that defines the model apart from its trained numbers."""

    comparisons: tuple[Comparison, ...]
    blocking_rules: tuple[BlockingRule, ...]
    training: Training

    def comparison(self, name: str) -> Comparison:
        """The comparison called `name`."""
        return next(c for c in self.comparisons if c.name == name)


SPEC = ModelSpec(COMPARISONS, RULES, TRAINING)


class StoredModel(BaseModel):
    """A run's model as stored in link_runs.model: the spec (None for format 1) and the parameters."""

    format: int = MODEL_FORMAT
    spec: ModelSpec | None = None
    params: LinkModel

    def to_json(self) -> str:
        """JSON text."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> "StoredModel":
        """Read any stored format (format 1 held the parameters alone)."""
        data = TypeAdapter(dict).validate_json(text)
        if "format" not in data:
            return cls(format=1, spec=None, params=LinkModel.model_validate(data))
        return cls.model_validate(data)
