"""Linkage settings: a typed model that round-trips to JSON and TOML, so a tuned model is a file."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chronolink.engine.errors import SettingsError


class ClusterSettings(BaseModel):
    """Where pairs become links, and the borderline band sent to clerical review."""

    model_config = ConfigDict(extra="forbid")
    # Match weights (log2 posterior odds: the random-pair prior plus every level's Bayes
    # factor). A pair at or above `link_weight` (p >= 0.8) may merge two clusters; the band
    # [review_weight, link_weight) (more likely one person than not) goes to the review queue.
    link_weight: float = 2.0
    review_weight: float = 0.0
    # A cluster may not absorb another whose dates of birth are all incompatible
    # (more than a typo, a day/month swap or a one-digit slip apart).
    enforce_dob: bool = True
    # Nor one whose forenames can never be the same person's (twins, couples, siblings).
    enforce_twins: bool = True


class BlockingSettings(BaseModel):
    """Candidate-pair generation limits: blocks above these sizes are skipped (they carry no signal)."""

    model_config = ConfigDict(extra="forbid")
    max_block: int = 150
    max_block_weak: int = 40


class EmSettings(BaseModel):
    """Unsupervised parameter estimation."""

    model_config = ConfigDict(extra="forbid")
    iterations: int = 12
    u_sample_pairs: int = 600_000
    seed: float = 0.42
    m_floor: float = 1e-4
    u_floor: float = 1e-6
    # Fewer pre-clusters than this are too few people to estimate from: the bundled model is used
    # (engine/link/default_model.py; a few rows in `link-files`).
    min_preclusters: int = Field(default=200, ge=1)


class PlaceSettings(BaseModel):
    """Place matching thresholds (engine/link/places.py)."""

    model_config = ConfigDict(extra="forbid")
    # A written town joins its commonest near spelling: Jaro-Winkler at least this, written this many times as often.
    town_similarity: float = Field(default=0.9, gt=0, le=1)
    town_commoner: int = Field(default=3, ge=1)
    # Or this many edits away (names of 5+ letters): a letter dropped early in a name scores low on Jaro-Winkler.
    town_edits: int = Field(default=1, ge=0, le=2)
    # A house number written with a digit slip joins the number it varies on when at least `same_people` people
    # (by checked identifiers) are placed at both within `same_period_days` of each other, and nobody else at the rarer.
    same_people: int = Field(default=2, ge=1)
    same_period_days: int = Field(default=365, ge=0)


class PlaceholderSettings(BaseModel):
    """When an identifier value is a placeholder rather than evidence (engine/link/placeholders.py)."""

    model_config = ConfigDict(extra="forbid")
    # A person identifier (NHS number, UPN, PNC id) written with this many dates of birth or forename initials
    # (one person's records differ by a typo, a day/month swap or a nickname: two or three at most).
    person_dobs: int = Field(default=4, ge=2)
    person_initials: int = Field(default=4, ge=2)
    # A UPRN written on addresses with this many house numbers or streets (one dwelling's differ by a typo).
    uprn_numbers: int = Field(default=3, ge=2)
    uprn_streets: int = Field(default=3, ge=2)
    # A date of birth written with at least `dob_holders` surnames and `dob_ratio` times as many as the dates
    # around it average (chance): a placeholder (1900-01-01, a system's default).
    dob_holders: int = Field(default=10, ge=2)
    dob_ratio: float = Field(default=10.0, gt=1)
    # A date of no placeholder shape (not the 1st of a month, not before 1902) needs this many times both.
    dob_other_shape: float = Field(default=2.0, ge=1)


class NameOrderSettings(BaseModel):
    """When a name written surname first is put in order (engine/link/features.py): its forename is written as
    a surname at least `swap_ratio` times as often as a forename in the data, and its surname as a forename
    likewise, each seen at least `swap_min_seen` times that way."""

    model_config = ConfigDict(extra="forbid")
    swap_ratio: int = Field(default=4, ge=1)
    swap_min_seen: int = Field(default=3, ge=1)


class AgeSettings(BaseModel):
    """How much older than the event or the child a person named only by a parent's role must be born
    (fixed, not learned: a later birth cannot be them, so such a pair is at the dob's impossible level)."""

    model_config = ConfigDict(extra="forbid")
    # A parent or grandparent (by role) was at least this old in the year of the event.
    parent_min_age: int = Field(default=13, ge=0)
    # A parent named in one row with a child was born at least this many years before the child.
    parent_child_gap: int = Field(default=12, ge=0)
    # A mother (by role, named in one row with her child) was born at most this many years before the
    # child, a father at most `father_max_gap`: an older namesake (a grandmother called AYESHA BIBI like
    # her daughter) cannot be them.
    mother_max_gap: int = Field(default=50, ge=0)
    father_max_gap: int = Field(default=70, ge=0)


class LinkSettings(BaseModel):
    """Every tunable of person and place linkage."""

    model_config = ConfigDict(extra="forbid")
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    blocking: BlockingSettings = Field(default_factory=BlockingSettings)
    em: EmSettings = Field(default_factory=EmSettings)
    ages: AgeSettings = Field(default_factory=AgeSettings)
    places: PlaceSettings = Field(default_factory=PlaceSettings)
    placeholders: PlaceholderSettings = Field(default_factory=PlaceholderSettings)
    name_order: NameOrderSettings = Field(default_factory=NameOrderSettings)
    # Term-frequency adjustment strength for exact name agreement (Splink's tf weight).
    tf_weight: float = 1.0
    # Street-name typo tolerance within one town (Damerau-Levenshtein edits).
    street_max_edits: int = 2
    # `link` links only the new mentions, with the stored model, while they are at most this share
    # of the store; beyond it (or with `--full`) it retrains and relinks everything.
    incremental_max_share: float = 0.05
    threads: int | None = None
    duckdb_memory: str = "2GB"

    def to_json(self) -> str:
        """Serialise to JSON text."""
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str) -> "LinkSettings":
        """Parse JSON text (validated)."""
        return cls.model_validate(json.loads(text))

    def to_toml(self) -> str:
        """Serialise to TOML text (tables for the nested sections)."""
        data = self.model_dump(exclude_none=True)
        top = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
        sections = [
            f"\n[{k}]\n" + "\n".join(f"{kk} = {_toml_value(vv)}" for kk, vv in v.items())
            for k, v in data.items()
            if isinstance(v, dict)
        ]
        return "\n".join(top) + "\n" + "\n".join(sections) + "\n"

    @classmethod
    def from_toml(cls, text: str) -> "LinkSettings":
        """Parse TOML text (validated)."""
        return cls.model_validate(tomllib.loads(text))

    @classmethod
    def load(cls, path: Path | str | None) -> "LinkSettings":
        """Read settings from a .json or .toml file; defaults when `path` is None."""
        if path is None:
            return cls()
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
            return cls.from_toml(text) if p.suffix.lower() == ".toml" else cls.from_json(text)
        except OSError as exc:
            raise SettingsError(f"cannot read linkage settings {p}: {exc.strerror or type(exc).__name__}") from None
        except ValidationError as exc:
            fields = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or '<root>'}: {e['msg']}"
                               for e in exc.errors(include_input=False, include_url=False))
            raise SettingsError(f"invalid linkage settings in {p}: {fields}") from None
        except (ValueError, UnicodeDecodeError) as exc:  # JSON or TOML syntax
            raise SettingsError(f"linkage settings {p} is not valid {p.suffix.lstrip('.') or 'JSON'} "
                                f"({type(exc).__name__})") from None


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    return repr(v)
