"""A referral's rating, and the words that explain it on the page.

* Only flags still open count: not yet reviewed, or confirmed by an analyst and not yet
  actioned. A dismissed or actioned flag no longer raises the rating.
* Recent flags weigh more than old ones: a flag triggered within the last year counts
  1, within three years 0.5, older 0.25.
* Red: an open flag of the most serious kinds (a bail address shared with a child, an
  unassessed adult, concerns not collated) triggered within three years, or open
  flags weighing 3 or more. Amber: any other open flag. Green: known to agencies and
  no open flag. A child not known to any agency is "not known", never green: no
  agency's record means nothing has been checked, not that nothing is wrong.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from chronolink.reports.vocab import fmt_date, rule_title

RatingLevel = Literal["red", "amber", "green", "not known"]
SERIOUS_RULES = frozenset({"bail_address_child", "unassessed_adult", "concerns_not_collated"})
LIVE_STATUSES = frozenset({"open", "confirmed"})
RECENT_DAYS = 365
OLDER_DAYS = 3 * 365
RED_WEIGHT = 3.0


@dataclass(frozen=True)
class RatedFlag:
    """What the rating needs of one flag."""

    rule: str
    trigger_date: date
    status: str = "open"


@dataclass(frozen=True)
class Rating:
    """A rating and why."""

    level: RatingLevel
    weight: float = 0.0
    open_flags: int = 0
    reasons: list[str] = field(default_factory=list)


def flag_weight(trigger: date, as_of: date) -> float:
    """1 for a flag of the last year, 0.5 within three years, 0.25 older."""
    age = (as_of - trigger).days
    return 1.0 if age <= RECENT_DAYS else 0.5 if age <= OLDER_DAYS else 0.25


def rate(flags: Iterable[RatedFlag], as_of: date, *, known: bool = True) -> Rating:
    """The rating of a child from their flags as of a date (see the module docstring)."""
    if not known:
        return Rating("not known", reasons=["Not known to any agency: no record was found to check, so no "
                                            "rating can be given. Check the near candidates."])
    flags = list(flags)
    live = [f for f in flags if f.status in LIVE_STATUSES]
    closed = len(flags) - len(live)
    weight = sum(flag_weight(f.trigger_date, as_of) for f in live)
    serious = sorted((f for f in live if f.rule in SERIOUS_RULES and (as_of - f.trigger_date).days <= OLDER_DAYS),
                     key=lambda f: f.trigger_date, reverse=True)
    reasons = []
    if serious:
        level: RatingLevel = "red"
        reasons.append(f"Red: an open flag of a serious kind within three years ({rule_title(serious[0].rule)}, "
                       f"{fmt_date(serious[0].trigger_date)}).")
    elif weight >= RED_WEIGHT:
        level = "red"
        reasons.append(f"Red: open flags weigh {weight:g} (3 or more).")
    elif live:
        level = "amber"
        reasons.append(f"Amber: open flags weigh {weight:g} (under 3), none of the most serious kinds "
                       "within three years.")
    else:
        level = "green"
        reasons.append("Green: known to agencies and no open flag.")
    if live:
        recent = sum(1 for f in live if flag_weight(f.trigger_date, as_of) == 1.0)
        reasons.append(f"{len(live)} open flag{'s' if len(live) != 1 else ''}: {recent} in the last year "
                       f"(weight 1 each), {len(live) - recent} older (0.5 within three years, 0.25 before).")
    if closed:
        reasons.append(f"{closed} flag{'s' if closed != 1 else ''} dismissed or actioned, not counted.")
    return Rating(level, weight, len(live), reasons)
