"""Rule thresholds as declared data: a pydantic model round-tripped to TOML.

Every day, count and window of `risk-rules.md` lives here; the defaults are
the spec's values and `settings.toml` (shipped beside this module) repeats
them. Windows are written as two positive lengths (days before / days after)
rather than signed offsets, so that every value is a positive integer (but the
one similarity, a fraction).

    settings = load_settings()                  # the packaged settings.toml
    settings = load_settings("site.toml")       # a deployment's own file
    settings = RuleSettings()                   # the spec defaults

A bad file raises :class:`SettingsError`, whose message names each offending
key and what is wrong with it (never the rest of the file).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError

from chronolink.engine.errors import SettingsError  # noqa: F401 (re-exported: its home is engine.errors)

DEFAULT_SETTINGS_PATH = Path(__file__).with_name("settings.toml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class BailAddressChild(_Section):
    observed_days_before: PositiveInt = 365  # child observed at A in [d - 365, ...
    observed_days_after: PositiveInt = 90  # ... d + 90]
    csc_response_days: PositiveInt = 28  # no SD / S47 / referral in [d, d + 28]


class UnassessedAdult(_Section):
    observed_days_before: PositiveInt = 180  # observed at A in [d - 180, ...
    observed_days_after: PositiveInt = 30  # ... d + 30]
    adult_age_years: PositiveInt = 18  # M must be this age or over on d


class ConcernsNotCollated(_Section):
    window_days: PositiveInt = 90  # concerns within 90 days of the first
    min_agencies: PositiveInt = 3  # distinct agencies
    response_days_before: PositiveInt = 90  # CSC response in [first - 90, ...
    response_days_after: PositiveInt = 14  # ... trigger + 14]


class RepeatReferrals(_Section):
    count: PositiveInt = Field(default=3, ge=2)  # consecutive referrals
    within_months: PositiveInt = 12  # the last within 12 months of the first


class AssessmentOverdue(_Section):
    working_days: PositiveInt = 45


class CoreGroupOverdue(_Section):
    working_days: PositiveInt = 10


class RcpcOverdue(_Section):
    first_review_months: PositiveInt = 3
    later_review_months: PositiveInt = 6


class LongCpPlan(_Section):
    months: PositiveInt = 24


class RepeatCpPlan(_Section):
    months: PositiveInt = 24


class Relationships(_Section):
    # A relationship row names its person by name and date of birth only: the one member of the child's
    # household with the same date of birth and a surname at least this close (Jaro-Winkler), or, without
    # a date, a surname and forename this close, is that person (engine/chronology/rule_inputs.py).
    name_similarity: float = Field(default=0.9, gt=0, le=1)


class Chronology(_Section):
    # A referral recorded by the referrer (school, MASH, health) and then by CSC within this many days is one
    # chronology entry (engine/chronology/build.py).
    referral_merge_days: PositiveInt = 7


class RuleSettings(_Section):
    """Thresholds for every rule; defaults are those of `risk-rules.md`."""

    child_age_years: PositiveInt = 18  # a child is under this age
    bail_address_child: BailAddressChild = BailAddressChild()
    unassessed_adult: UnassessedAdult = UnassessedAdult()
    concerns_not_collated: ConcernsNotCollated = ConcernsNotCollated()
    repeat_referrals: RepeatReferrals = RepeatReferrals()
    assessment_overdue: AssessmentOverdue = AssessmentOverdue()
    core_group_overdue: CoreGroupOverdue = CoreGroupOverdue()
    rcpc_overdue: RcpcOverdue = RcpcOverdue()
    long_cp_plan: LongCpPlan = LongCpPlan()
    repeat_cp_plan: RepeatCpPlan = RepeatCpPlan()
    relationships: Relationships = Relationships()
    chronology: Chronology = Chronology()


def _describe(exc: ValidationError) -> str:
    # include_input=False: keep values out of messages that may reach logs.
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "<root>"
        lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def settings_from_dict(data: dict[str, Any], *, source: str = "<dict>") -> RuleSettings:
    try:
        return RuleSettings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(f"invalid rule settings in {source}:\n{_describe(exc)}") from None


def load_settings(path: str | Path | None = None) -> RuleSettings:
    """Read and validate a TOML settings file (default: the packaged one)."""
    path = Path(path) if path is not None else DEFAULT_SETTINGS_PATH
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise SettingsError(f"cannot read rule settings {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"rule settings {path} is not valid TOML: {exc}") from None
    return settings_from_dict(data, source=str(path))


def dump_settings(settings: RuleSettings) -> str:
    """Render settings as TOML that :func:`load_settings` reads back unchanged."""
    data = settings.model_dump()
    out = [f"{k} = {v}" for k, v in data.items() if not isinstance(v, dict)]
    for section, values in data.items():
        if isinstance(values, dict):
            out.append("")
            out.append(f"[{section}]")
            out.extend(f"{k} = {v}" for k, v in values.items())
    return "\n".join(out) + "\n"
