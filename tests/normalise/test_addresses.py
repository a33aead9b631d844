"""Address parsing: golden forms, flat equivalences, generated variants, key stability, throughput."""
from __future__ import annotations

import random
import time

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from chronolink.engine.normalise import expand_street_abbreviations, fold_name, parse_address
from tests.normalise.helpers import blank, golden

FIELDS = ("flat", "number", "number_suffix", "building", "street", "town", "postcode", "postcode_valid")
GOLDEN = golden("golden_addresses.csv")


def parse(lines, postcodes=None, towns=None) -> list[dict]:
    n = len(lines)
    df = pl.DataFrame(
        {"line": lines, "pc": postcodes or [None] * n, "town": towns or [None] * n},
        schema={"line": pl.String, "pc": pl.String, "town": pl.String},
    )
    return df.select(parse_address(pl.col("line"), pl.col("pc"), pl.col("town")).alias("a"))["a"].to_list()


def test_golden_addresses() -> None:
    rows = GOLDEN
    out = parse([r["input"] or None for r in rows], [r["postcode_arg"] or None for r in rows],
                [r["town_arg"] or None for r in rows])
    for r, o in zip(rows, out):
        got = {k: blank(o[k]).lower() if k == "postcode_valid" else blank(o[k]) for k in FIELDS}
        assert got == {k: r[k] for k in FIELDS}, r["input"]


def test_flat_forms_share_flat_number_street_and_key() -> None:
    a, b, c, d = parse(["Flat 2, 14 Mill Lane", "2/14 Mill Lane", "14b Mill Lane", "FLAT 2 14 MILL LN"])
    assert (a["flat"], a["number"], a["street"]) == (b["flat"], b["number"], b["street"]) == ("2", "14", "MILL LANE")
    assert a["key"] == b["key"] == d["key"]
    assert (c["flat"], c["number"], c["number_suffix"]) == (None, "14", "B")
    assert c["key"] != a["key"]


def test_same_place_written_differently_shares_key() -> None:
    keys = [o["key"] for o in parse([
        "14 ASH GROVE, KETTERBY, NN16 8QT",
        "14 Ash Grove\nKetterby",
        "14 Ash Gr, Ketterby",
        "c/o Mrs Smith, 14 Ash Grove, Ketterby",
    ])]
    keys.append(parse(["14 Ash Grove"], ["NN16 8QT"], ["Ketterby"])[0]["key"])
    assert len(set(keys)) == 1, keys
    sub = [o["key"] for o in parse(["1 Oak Lodge, 30 Dickens Lane, Ravensby", "Flat 1, Oak Lodge, 30 Dickens Lane, Ravensby",
                                     "Flat 1, 30 Dickens Lane, Ravensby"])]
    assert len(set(sub)) == 1, sub


def test_postcode_from_line_wins_over_argument_and_nulls() -> None:
    a, b, c = parse(["14 Ash Grove, NN16 8QT", None, ""], ["NN1 1AA", None, None])
    assert a["postcode"] == "NN16 8QT"
    assert b == c == dict.fromkeys((*FIELDS, "key"))


def test_expand_street_abbreviations() -> None:
    df = pl.DataFrame({"s": ["14 High St", "St Johns Rd", "Gt Nth Rd, St Ives", None, "  "]})
    out = df.select(expand_street_abbreviations(pl.col("s")))["s"].to_list()
    assert out == ["14 HIGH STREET", "SAINT JOHNS ROAD", "GREAT NORTH ROAD, SAINT IVES", None, None]


STREETS = [("MILL", "MILL"), ("ASH", "ASH"), ("HIGH", "HIGH"), ("St Johns", "SAINT JOHNS"), ("Queen's", "QUEENS"),
           ("Dickens", "DICKENS"), ("Żółta", "ZOLTA")]
TYPES = [("Road", "ROAD"), ("Rd", "ROAD"), ("Rd.", "ROAD"), ("Street", "STREET"), ("St", "STREET"), ("Lane", "LANE"),
         ("Ln", "LANE"), ("Close", "CLOSE"), ("Cl", "CLOSE"), ("Avenue", "AVENUE"), ("Ave", "AVENUE"),
         ("Gardens", "GARDENS"), ("Gdns", "GARDENS"), ("Grove", "GROVE"), ("Gr", "GROVE"), ("Court", "COURT")]
TOWNS = [("Ketterby", "KETTERBY"), ("HOLLOWMERE", "HOLLOWMERE"), ("St Ives", "SAINT IVES"), ("Eastwold", "EASTWOLD")]
POSTCODES = [("NN16 8QT", "NN16 8QT"), ("nn168qt", "NN16 8QT"), ("EC1A1BB", "EC1A 1BB"), ("M1 1AE", "M1 1AE")]


@st.composite
def written_address(draw):
    street, street_c = draw(st.sampled_from(STREETS))
    typ, typ_c = draw(st.sampled_from(TYPES))
    number = draw(st.one_of(st.none(), st.integers(1, 250)))
    suffix = draw(st.sampled_from([None, "a", "B"])) if number else None
    flat = draw(st.one_of(st.none(), st.integers(1, 30))) if number and not suffix else None
    town, town_c = draw(st.one_of(st.none(), st.sampled_from(TOWNS)).map(lambda t: t or (None, None)))
    pc, pc_c = draw(st.one_of(st.none(), st.sampled_from(POSTCODES)).map(lambda p: p or (None, None)))
    sep = draw(st.sampled_from([", ", ",", "\n", "\r\n", " , "]))
    case = draw(st.sampled_from([str, str.upper, str.lower]))
    line = f"{street} {typ}"
    if number:
        line = f"{number}{suffix or ''} {line}"
    if flat:
        style = draw(st.sampled_from(["Flat {f}, {l}", "{f}/{l}", "Apartment {f} {l}", "FLAT {f}{sep}{l}"]))
        line = style.format(f=flat, l=line, sep=sep)
    parts = [line] + ([town] if town else []) + ([pc] if pc else [])
    text = case(sep.join(parts))
    if draw(st.booleans()):
        text = "C/O " + text if draw(st.booleans()) else "  " + text.replace(" ", "  ") + " "
    expected = {
        "flat": str(flat) if flat else None,
        "number": str(number) if number else None,
        "number_suffix": suffix.upper() if suffix else None,
        "street": f"{street_c} {typ_c}",
        "town": town_c,
        "postcode": pc_c,
    }
    return text, expected


@settings(max_examples=40, deadline=None)
@given(st.lists(written_address(), min_size=1, max_size=40))
def test_generated_written_forms_parse_to_their_parts(items) -> None:
    out = parse([t for t, _ in items])
    for (text, expected), o in zip(items, out):
        assert {k: o[k] for k in expected} == expected, text


def render(o: dict) -> str:
    """A canonical written form of parsed parts (what a clerk might type)."""
    parts = []
    if o["flat"]:
        parts.append(f"FLAT {o['flat']}")
    if o["building"]:
        parts.append(o["building"])
    line = " ".join(x for x in (f"{o['number'] or ''}{o['number_suffix'] or ''}", o["street"] or "") if x)
    if line:
        parts.append(line)
    if o["town"]:
        parts.append(o["town"])
    return ", ".join(parts)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(written_address().map(lambda x: x[0]), st.sampled_from([r["input"] for r in GOLDEN])),
                min_size=1, max_size=40))
def test_key_is_stable_when_reparsing_the_rendered_parts(texts) -> None:
    first = parse(texts)
    rendered = [render(o) for o in first]
    second = parse(rendered)
    for t, r, a, b in zip(texts, rendered, first, second):
        assert a["key"] == b["key"], (t, r)
    assert [o["key"] for o in parse(rendered)] == [o["key"] for o in second]  # deterministic


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=40))
def test_arbitrary_text_never_fails_and_stays_folded(texts) -> None:
    for o in parse(texts):
        for k in ("flat", "number", "number_suffix", "building", "street", "town"):
            assert o[k] is None or (o[k] == o[k].strip().upper() and o[k].isascii() and "  " not in o[k])


def test_throughput_sanity(capsys) -> None:
    rng = random.Random(7)
    forms = [r["input"] for r in GOLDEN if r["input"]]
    n = 200_000
    df = pl.DataFrame({"a": [rng.choice(forms) for _ in range(n)]})
    df.head(1000).select(parse_address(pl.col("a")))  # warm up
    t0 = time.perf_counter()
    out = df.select(parse_address(pl.col("a")).alias("p"), fold_name(pl.col("a")).alias("f"))
    dt = time.perf_counter() - t0
    assert out.height == n
    with capsys.disabled():
        print(f"\n[normalise] parse_address + fold_name on {n:,} rows: {dt:.2f}s ({n / dt:,.0f} rows/s)")
    assert dt < 60  # a sanity bound only; see the printed figure


FORMS = golden("golden_address_forms.csv")
PARTS = ("flat", "number", "number_suffix", "building", "street", "town", "postcode")


def test_golden_written_forms() -> None:
    # Several hundred ways clerks write UK addresses: number prefixes and punctuation, suffixes, ranges,
    # flats, blocks, building names, words run together, abbreviations and their typos, counties,
    # multi-line fields.
    assert len(FORMS) >= 300
    out = parse([r["input"] for r in FORMS])
    wrong = [(r["input"], {k: (r[k], blank(o[k])) for k in PARTS if r[k] != blank(o[k])})
             for r, o in zip(FORMS, out) if any(r[k] != blank(o[k]) for k in PARTS)]
    assert wrong == []


_ABBREV = {"ROAD": ["RD", "Rd.", "Raod", "ROAD"], "LANE": ["Ln", "La", "Laen"], "STREET": ["St", "Str", "Stret", "St."],
           "AVENUE": ["Ave", "Av", "Avenu"], "CLOSE": ["Cl", "Clsoe"], "CRESCENT": ["Cres", "Cresent"],
           "GARDENS": ["Gdns", "Gardns"], "DRIVE": ["Dr", "Drvie"]}


@st.composite
def rewritten_address(draw):
    """(canonical text, a clerk's re-writing of it): the same property, written another way."""
    number = draw(st.integers(1, 299))
    flat = draw(st.one_of(st.none(), st.integers(1, 12)))
    base = draw(st.sampled_from(["MILL", "OAK", "STATION", "KEATS", "UPPER ABBEY", "HAWTHORN", "QUEENS"]))
    typ = draw(st.sampled_from(sorted(_ABBREV)))
    town = draw(st.sampled_from(["WEXLEY", "HARROWBY CROSS", "STANMOOR", "PELHAM BRIDGE"]))
    canonical = f"{'FLAT ' + str(flat) + ', ' if flat else ''}{number} {base} {typ}, {town}"
    street = draw(st.sampled_from([f"{base} {typ}", f"{base} {draw(st.sampled_from(_ABBREV[typ]))}",
                                   f"{base}{typ}" if typ in ("ROAD", "LANE", "STREET", "AVENUE", "CLOSE", "DRIVE") else
                                   f"{base} {typ}"]))
    num = draw(st.sampled_from([f"{number}", f"No. {number}", f"No{number}", f"#{number}", f"{number},",
                                f"Number {number}"]))
    flat_part = ""
    if flat:
        flat_style = draw(st.sampled_from(["Flat {f}, ", "Flat {f} ", "Apartment {f}, ", "FLAT NO. {f}\n"]))
        flat_part = flat_style.format(f=flat)
        if draw(st.booleans()) and not num.startswith(("No", "#", "Number")) and not num.endswith(","):
            flat_part, num = "", f"{flat}/{number}"
    sep = draw(st.sampled_from([", ", "\n", " ,", ",\n"]))
    county = draw(st.sampled_from(["", ", Leicestershire", "\nLeics", ", UK"]))
    text = f"{flat_part}{num} {street}{sep}{town.title()}{county}"
    text = draw(st.sampled_from([text, text.upper(), text.lower()]))
    return canonical, text


@settings(max_examples=60, deadline=None)
@given(st.lists(rewritten_address(), min_size=1, max_size=30))
def test_a_rewritten_address_parses_as_the_original(pairs) -> None:
    canon = parse([c for c, _ in pairs])
    again = parse([t for _, t in pairs])
    for (c, t), a, b in zip(pairs, canon, again):
        assert {k: a[k] for k in PARTS} == {k: b[k] for k in PARTS}, (c, t)
