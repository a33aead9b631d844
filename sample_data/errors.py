"""Error profiles: which clerical errors a generated world carries beyond the standard ones, and how often.

The standard profile adds nothing, so a world generated without ``--errors`` is byte for byte the
world of earlier versions (a kind whose rate is zero draws no random number). Other profiles, or
rates given one by one, write addresses and identifiers the way other systems and clerks do:

- ``number_prefix``: ``No. 12``, ``No 12``, ``No.12``, ``#12``, ``Number 12``, ``12,``
- ``number_transposed``: the digits of a house number transposed (``41`` for ``14``)
- ``number_typo``: a house number one key off (``15`` for ``14``)
- ``run_together``: the street type run into the name (``OakRoad``, ``Oak road``)
- ``split_word``: a space inside the street name (``Haw thorn Road``)
- ``street_type_typo``: a typo in the street type (``Raod``, ``Stret``)
- ``county_line``: the county written after the town
- ``placeholder_uprn``: a housing row with no UPRN shown writes ``0``, ``-1`` or ``999999999999``
- ``placeholder_nhs``: a GP row with no NHS number writes ``0000000000`` or ``9999999999``

    python -m sample_data.generate --out DIR --errors messy
    python -m sample_data.generate --out DIR --errors messy,number_typo=0.02
    python -m sample_data.generate --out DIR --errors number_prefix=0.1,placeholder_uprn=0.5
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class ErrorProfile:
    """Rate of each added kind of error, per written address (or per identifier left blank)."""

    number_prefix: float = 0.0
    number_transposed: float = 0.0
    number_typo: float = 0.0
    run_together: float = 0.0
    split_word: float = 0.0
    street_type_typo: float = 0.0
    county_line: float = 0.0
    placeholder_uprn: float = 0.0
    placeholder_nhs: float = 0.0

    @property
    def name(self) -> str:
        """The profile as a spec string (`standard` when it adds nothing)."""
        set_ = [f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name)]
        return ",".join(set_) or "standard"


PROFILES: dict[str, ErrorProfile] = {
    "standard": ErrorProfile(),
    # Addresses written by systems and clerks other than the standard ones, with placeholder identifiers.
    "messy": ErrorProfile(number_prefix=0.06, number_transposed=0.01, number_typo=0.005, run_together=0.03,
                          split_word=0.01, street_type_typo=0.03, county_line=0.05, placeholder_uprn=0.5,
                          placeholder_nhs=0.3),
    # Only placeholder identifiers (to test that they never count as evidence).
    "placeholders": ErrorProfile(placeholder_uprn=1.0, placeholder_nhs=1.0),
}


def parse_profile(spec: str | None) -> ErrorProfile:
    """`standard`, a profile name, `kind=rate,...`, or a name followed by overrides (`messy,number_typo=0.02`)."""
    if not spec:
        return PROFILES["standard"]
    profile = PROFILES["standard"]
    known = {f.name for f in fields(ErrorProfile)}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        if "=" not in part:
            if part not in PROFILES:
                raise ValueError(f"unknown error profile {part!r} (known: {', '.join(PROFILES)})")
            profile = PROFILES[part]
            continue
        key, value = (x.strip() for x in part.split("=", 1))
        if key not in known:
            raise ValueError(f"unknown error kind {key!r} (known: {', '.join(sorted(known))})")
        rate = float(value)
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate of {key} must be between 0 and 1")
        profile = replace(profile, **{key: rate})
    return profile
