"""Address strings to matching parts (flat, number, building, street, town, postcode).

This is a parse *for matching*, not for display: it applies the conventions the
place keys depend on (`14b` = flat 2 of 14, `2/14` = flat 2 of 14, `1 Oak Lodge,
30 Dickens Lane` = flat 1 of 30, street-type abbreviations expanded). It runs once
per distinct address string, so its cost does not grow with repeated addresses.
"""
from __future__ import annotations

import multiprocessing
import os
import re
from functools import lru_cache

import polars as pl

STREET_TYPES = {
    "RD": "ROAD", "ROAD": "ROAD", "ST": "STREET", "STR": "STREET", "STREET": "STREET",
    "AVE": "AVENUE", "AV": "AVENUE", "AVENUE": "AVENUE", "LN": "LANE", "LANE": "LANE",
    "CL": "CLOSE", "CLOSE": "CLOSE", "DR": "DRIVE", "DRV": "DRIVE", "DRIVE": "DRIVE",
    "GR": "GROVE", "GRO": "GROVE", "GRV": "GROVE", "GROVE": "GROVE",
    "GDNS": "GARDENS", "GDN": "GARDENS", "GARDENS": "GARDENS", "CRES": "CRESCENT", "CRESC": "CRESCENT",
    "CRESCENT": "CRESCENT", "WY": "WAY", "WAY": "WAY", "CT": "COURT", "CRT": "COURT", "COURT": "COURT",
    "PL": "PLACE", "PLACE": "PLACE", "TER": "TERRACE", "TERR": "TERRACE", "TCE": "TERRACE",
    "TERRACE": "TERRACE", "SQ": "SQUARE", "SQUARE": "SQUARE", "PK": "PARK", "PARK": "PARK",
    "MWS": "MEWS", "MEWS": "MEWS", "WLK": "WALK", "WALK": "WALK", "RW": "ROW", "ROW": "ROW",
    "HL": "HILL", "HILL": "HILL", "GRN": "GREEN", "GREEN": "GREEN", "RI": "RISE", "RISE": "RISE",
    "VW": "VIEW", "VIEW": "VIEW", "PDE": "PARADE", "PARADE": "PARADE", "BVD": "BOULEVARD",
    "BLVD": "BOULEVARD", "CLS": "CLOSE", "HWY": "HIGHWAY", "WHARF": "WHARF", "YARD": "YARD",
    "DRIVEWAY": "DRIVEWAY", "CIRCLE": "CIRCLE", "END": "END", "FIELDS": "FIELDS", "MEAD": "MEAD",
    "CHASE": "CHASE", "GATE": "GATE", "LEA": "LEA", "VALE": "VALE", "BANK": "BANK", "LA": "LANE",
    "HO": "HOUSE", "HSE": "HOUSE", "HOUSE": "HOUSE", "LODGE": "LODGE", "MANSIONS": "MANSIONS",
}
BUILDING_WORDS = {"HOUSE", "HO", "HSE", "LODGE", "MANSIONS", "COURT", "CT", "TOWER", "HALL", "BUILDINGS", "BLOCK",
                  "APARTMENTS", "FLATS", "POINT", "CENTRE", "HOSTEL", "PREMISES", "COTTAGES", "HEIGHTS"}
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][0-9A-Z]?) ?([0-9][A-Z]{2})\b")
_POSTCODE_ONLY = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?) ?([0-9][A-Z]{2})$")
_FLAT_PREFIX = re.compile(r"^(?:FLAT|APARTMENT|APT|UNIT|FLT|ROOM)\.? *([0-9]+[A-Z]?|[A-Z])\b[ ,]*")
_SLASH_NUM = re.compile(r"^([0-9]+[A-Z]?) */ *([0-9]+)([A-Z]?)\b *(.*)$")
_NUM = re.compile(r"^([0-9]+)(?: ?([A-Z]))?\b[ ,]*(.*)$")
_RANGE = re.compile(r"^([0-9]+)-[0-9]+\b *(.*)$")
_CO = re.compile(r"^(?:C/O|C\\O|CARE OF)\b")

_R0 = re.compile(r"[^A-Z0-9]")
_R1 = re.compile(r"[^A-Z0-9' ]")
_R2 = re.compile(r"\s*\n\s*")
_R3 = re.compile(r"\s+")
_R4 = re.compile(r"^[0-9]")
_R5 = re.compile(r"[^A-Z ]")
_R6 = re.compile(r"[0-9]")
_R7 = re.compile(r"^[0-9]+[A-Z]? +\S")
_R8 = re.compile(r"[0-9]+[A-Z]?")

PARTS = ("flat", "number", "building", "street", "town", "postcode")


@lru_cache(maxsize=200_000)
def norm_postcode(pc: str | None) -> str | None:
    """Canonical `AA9 9AA` form of a postcode-looking string, else None."""
    if not pc:
        return None
    s = _R0.sub("", pc.upper())
    m = _POSTCODE_ONLY.match(s[:-3] + " " + s[-3:]) if len(s) >= 5 else None
    return f"{m.group(1)} {m.group(2)}" if m else None


def expand_street(s: str | None) -> str | None:
    """Upper-case street or building name with its final type word expanded (RD -> ROAD)."""
    if not s:
        return None
    words = _R1.sub(" ", s.upper()).replace("'", "").split()
    if not words:
        return None
    if words[-1] in STREET_TYPES:
        words[-1] = STREET_TYPES[words[-1]]
    # A leading 'ST' is Saint (St John's Road), never Street.
    if len(words) > 2 and words[0] == "ST":
        words[0] = "SAINT"
    return " ".join(words)


_SHORT = {"ROAD": "RD", "STREET": "ST", "AVENUE": "AVE", "LANE": "LN", "CLOSE": "CL", "DRIVE": "DR",
          "GROVE": "GR", "GARDENS": "GDNS", "CRESCENT": "CRES", "WAY": "WY", "COURT": "CT", "PLACE": "PL",
          "TERRACE": "TER", "SQUARE": "SQ", "PARK": "PK", "MEWS": "MWS", "WALK": "WLK", "HILL": "HL",
          "GREEN": "GRN", "RISE": "RI", "VIEW": "VW", "PARADE": "PDE"}


def squash_street(s: str) -> str:
    """A spacing-free short form for typo distance (`ASH WAY` -> `ASHWY`, `PARKC L` -> `PARKCL`)."""
    words = s.split()
    if words and words[-1] in _SHORT:
        words[-1] = _SHORT[words[-1]]
    return "".join(words)


def _is_streetish(comp: str) -> bool:
    words = comp.split()
    return bool(words) and words[-1] in STREET_TYPES and words[-1] not in BUILDING_WORDS


def _letter_flat(letter: str | None) -> str | None:
    # 14b Mill Lane is flat 2 of 14 Mill Lane (a=1, b=2, ...): the data's convention.
    return str(ord(letter) - 64) if letter else None


def _flat_token(tok: str) -> str:
    # "2A" stays as is; a single letter flat "B" becomes 2.
    return _letter_flat(tok) if len(tok) == 1 and tok.isalpha() else tok


@lru_cache(maxsize=500_000)
def parse_address(raw: str | None, postcode: str | None = None, towns: frozenset[str] = frozenset()) -> tuple[str | None, ...]:
    """(flat, number, building, street, town, postcode) of one address string, all upper case.

    `towns` are town names known from other addresses: a final component equal to one is the
    town even when it looks like a street (OCKLEY GREEN)."""
    text = (raw or "").upper().replace("\r", "\n")
    text = _R2.sub(", ", text)
    text = re.sub(r"[\"\.;]", " ", text)
    comps = [_R3.sub(" ", c).strip(" -") for c in text.split(",")]
    # "C/O 14 ASH GROVE" keeps the address; "C/O JANE SMITH" (a name) is dropped.
    comps = [_CO.sub("", c).strip() if _CO.match(c) else c for c in comps if c]
    comps = [c for c in comps if c]
    if raw and _CO.match((raw or "").upper().strip()) and comps and not _R4.match(comps[0]) and len(comps) > 1:
        comps = comps[1:]
    pc = norm_postcode(postcode)
    # Postcodes written inside the address string (as a component or at its end).
    keep: list[str] = []
    for c in comps:
        only = norm_postcode(c) if len(c) <= 8 else None
        if only:
            pc = pc or only
            continue
        m = _POSTCODE.search(c)
        if m and m.end() == len(c) and m.start() > 0 and not _R4.match(c[m.start():]):
            pc = pc or f"{m.group(1)} {m.group(2)}"
            c = c[: m.start()].strip()
        if c:
            keep.append(c)
    comps = keep
    flat = number = building = street = town = None
    # Town: a known town, or a trailing component with no digits and no street-type word.
    if len(comps) >= 2 and _R5.sub("", comps[-1]).strip() in towns:
        town = comps.pop()
    elif len(comps) >= 2 and not _R6.search(comps[-1]) and not _is_streetish(comps[-1]) \
            and not _FLAT_PREFIX.match(comps[-1]):
        town = comps.pop()
    # "5 HIGH ST, OCKLEY GREEN": a full numbered street line followed by a street-like name is a town.
    if town is None and len(comps) >= 2 and _R7.match(comps[-2]) and _is_streetish(comps[-2]) \
            and not _R6.search(comps[-1]):
        town = comps.pop()
    # The flat prefix may share a component with the rest ("FLAT 2 OAK LODGE").
    if comps:
        m = _FLAT_PREFIX.match(comps[0])
        if m:
            flat = _flat_token(m.group(1))
            rest = comps[0][m.end():].strip()
            comps = ([rest] if rest else []) + comps[1:]
    # The street line is the last component (the town is already off): anything before it is
    # flat and building ("1 OAK LODGE, 30 DICKENS LANE", "18 VICTORIA MANSIONS, PACKINGTON ROAD").
    idx = len(comps) - 1 if comps else None
    if idx is not None and idx > 0 and not _R4.match(comps[idx]) and not _is_streetish(comps[idx]) \
            and _is_streetish(comps[idx - 1]) and town is None:
        town = comps[idx]  # a town written without being recognised (e.g. it ends in GREEN)
        idx -= 1
    before: list[str] = []
    if idx is not None:
        line = comps[idx]
        before = comps[:idx]
        m = _SLASH_NUM.match(line)
        if m:  # 2/14 Mill Lane
            flat = flat or _flat_token(m.group(1))
            number, street = m.group(2), m.group(4)
            flat = flat or _letter_flat(m.group(3) or None)
        else:
            m = _RANGE.match(line) or None
            m2 = _NUM.match(line)
            if m2 and m2.group(3):
                number, letter, street = m2.group(1), m2.group(2), m2.group(3)
                if letter and street in STREET_TYPES:  # "14 A ROAD": the letter names the street
                    street = f"{letter} {street}"
                elif letter:
                    flat = flat or _letter_flat(letter)
            else:
                street = line
    if before:
        b = before[-1]
        m = _NUM.match(b)
        if m and m.group(3):  # "1 OAK LODGE" before "30 DICKENS LANE": flat 1, building OAK LODGE
            flat = flat or _flat_token(m.group(1) + (m.group(2) or ""))
            building = m.group(3)
        elif _R8.fullmatch(b):
            flat = flat or b
        else:
            mf = _FLAT_PREFIX.match(b)
            if mf:
                flat = flat or _flat_token(mf.group(1))
                building = b[mf.end():].strip() or None
            else:
                building = b
    return (
        flat,
        number,
        expand_street(building),
        expand_street(street),
        _R5.sub("", town).strip() or None if town else None,
        pc,
    )


def _parse_chunk(chunk: list[tuple[str | None, str | None]]) -> list[tuple[str | None, ...]]:
    return [parse_address(r, p) for r, p in chunk]


def _parse_many(pairs: list[tuple[str | None, str | None]]) -> list[tuple[str | None, ...]]:
    """Parse many distinct inputs, on every core when there are enough to pay for the processes."""
    workers = min(os.cpu_count() or 1, 4)
    if len(pairs) < 100_000 or workers < 2:
        return _parse_chunk(pairs)
    size = -(-len(pairs) // workers)
    chunks = [pairs[i:i + size] for i in range(0, len(pairs), size)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        parts = pool.map(_parse_chunk, chunks)
    return [row for part in parts for row in part]


def parse_frame(df: pl.DataFrame, raw: str = "raw", postcode: str = "postcode") -> pl.DataFrame:
    """Add the parsed parts (columns `p_flat` ... `p_postcode`) to `df`, parsing each distinct input once."""
    # Case and spacing never change the parse: fold them before taking distinct inputs.
    df = df.with_columns(
        pl.col(raw).str.to_uppercase().str.replace_all(r"[ \t]+", " ").str.strip_chars().alias("_raw_u"),
        pl.col(postcode).str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "").alias("_pc_u"),
    )
    raw, postcode = "_raw_u", "_pc_u"
    distinct = df.select(raw, postcode).unique()
    pairs = list(zip(distinct[raw].to_list(), distinct[postcode].to_list()))
    first = _parse_many(pairs)
    # Second pass, only where no town was found, with the towns the first pass found 3+ times.
    counts: dict[str, int] = {}
    for row in first:
        if row[4]:
            counts[row[4]] = counts.get(row[4], 0) + 1
    towns = frozenset(t for t, n in counts.items() if n >= 3)
    rows = [parse_address(r, p, towns) if f[4] is None else f for (r, p), f in zip(pairs, first)]
    parsed = pl.DataFrame(rows, schema={f"p_{k}": pl.String for k in PARTS}, orient="row")
    distinct = pl.concat([distinct, parsed], how="horizontal")
    return df.join(distinct, on=[raw, postcode], how="left", nulls_equal=True).drop(raw, postcode)
