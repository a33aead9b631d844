"""Ages, durations and the periods with no agency contact."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

GAP_DAYS = 90  # a silence longer than this between two events is shown


def _months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end (end >= start)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def age_text(dob: date | None, on: date | None, adult_years_only: bool = True) -> str | None:
    """'7y 3m' for a child, '34y' for an adult, 'unborn' before birth, None when unknown."""
    if dob is None or on is None:
        return None
    if on < dob:
        return "unborn"
    months = _months_between(dob, on)
    years, rem = divmod(months, 12)
    if years >= 18 and adult_years_only:
        return f"{years}y"
    return f"{years}y {rem}m"


def duration_text(start: date, end: date) -> str:
    """'7 months', '1 year 2 months', '95 days' (under three months)."""
    months = _months_between(start, end)
    if months < 3:
        return f"{(end - start).days} days"
    years, rem = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if rem:
        parts.append(f"{rem} month{'s' if rem != 1 else ''}")
    return " ".join(parts)


@dataclass(frozen=True)
class Gap:
    start: date  # the last event before the silence
    end: date  # the next event, or the as-of date
    to_as_of: bool = False

    @property
    def text(self) -> str:
        tail = " (up to the as-of date)" if self.to_as_of else ""
        return f"No agency contact for {duration_text(self.start, self.end)}{tail}"


def contact_gaps(dates: Iterable[date | None], as_of: date | None, min_days: int = GAP_DAYS) -> list[Gap]:
    """Silences longer than ``min_days`` between consecutive event dates (and to the as-of date)."""
    ds = sorted({d for d in dates if d is not None})
    gaps = [Gap(a, b) for a, b in zip(ds, ds[1:]) if (b - a).days > min_days]
    if ds and as_of is not None and (as_of - ds[-1]).days > min_days:
        gaps.append(Gap(ds[-1], as_of, to_as_of=True))
    return gaps
