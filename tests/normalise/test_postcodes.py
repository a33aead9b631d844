"""Postcodes: canonical form, validity, idempotence, space-insensitivity, extraction."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronolink.engine.normalise import extract_postcode, normalise_postcode
from tests.normalise.helpers import run


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("NN16 8QT", ("NN16 8QT", True, "NN", "NN16", "NN16 8")),
        ("nn168qt", ("NN16 8QT", True, "NN", "NN16", "NN16 8")),
        ("  n n16  8QT ", ("NN16 8QT", True, "NN", "NN16", "NN16 8")),
        ("EC1A 1BB", ("EC1A 1BB", True, "EC", "EC1A", "EC1A 1")),
        ("W1A0AX", ("W1A 0AX", True, "W", "W1A", "W1A 0")),
        ("M1 1AE", ("M1 1AE", True, "M", "M1", "M1 1")),
        ("B33 8TH", ("B33 8TH", True, "B", "B33", "B33 8")),
        ("CR2 6XH", ("CR2 6XH", True, "CR", "CR2", "CR2 6")),
        ("DN55 1PT", ("DN55 1PT", True, "DN", "DN55", "DN55 1")),
        ("GIR 0AA", ("GIR 0AA", True, "GIR", "GIR", "GIR 0")),
        ("NN16 8QI", ("NN16 8QI", False, None, None, None)),  # I is never used in the inward code
        ("QN16 8QT", ("QN16 8QT", False, None, None, None)),  # Q never starts a postcode
        ("NN16", ("NN16", False, None, None, None)),
        ("ABCDEFGHIJ", ("ABCDEFGHIJ", False, None, None, None)),
        ("", (None, None, None, None, None)),
        (None, (None, None, None, None, None)),
    ],
)
def test_normalise_postcode(raw, expected) -> None:
    (out,) = run(normalise_postcode, [raw])
    assert tuple(out[k] for k in ("postcode", "valid", "area", "district", "sector")) == expected


pc_text = st.text(alphabet=st.sampled_from(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 abcnq-.")), max_size=10)
valid_pc = st.builds(
    lambda a, d, s, i: f"{a}{d} {s}{i}",
    st.sampled_from(["NN", "EC1A", "W1A", "M", "B", "CR", "SW1A", "LS", "E"]),
    st.sampled_from(["", "1", "16", "2"]).filter(lambda x: True),
    st.integers(0, 9),
    st.sampled_from(["QT", "AA", "BB", "XH", "PT", "ZZ"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(pc_text, valid_pc), min_size=1, max_size=50), st.randoms())
def test_idempotent_and_space_insensitive(values, rnd) -> None:
    once = run(normalise_postcode, values)
    again = run(normalise_postcode, [o["postcode"] for o in once])
    assert once == again
    despaced = [v.replace(" ", "") for v in values]
    respaced = ["  ".join(v.replace(" ", "")) for v in values]
    assert run(normalise_postcode, despaced) == once == run(normalise_postcode, respaced)
    for o in once:
        assert (o["postcode"] is None) == (o["valid"] is None)
        if o["valid"]:
            assert o["sector"].startswith(o["district"]) and o["district"].startswith(o["area"])


def test_extract_postcode() -> None:
    out = run(extract_postcode, [
        "14 ASH GROVE, KETTERBY, NN16 8QT",
        "14 Ash Grove, Ketterby nn168qt.",
        "14 Ash Grove, Ketterby",
        "71 Elm Road\nHollowmere\nNN16 8QT\n",
        "NN16 8QT",
        None,
    ])
    assert [(o["rest"], o["postcode"]) for o in out] == [
        ("14 ASH GROVE, KETTERBY", "NN16 8QT"),
        ("14 Ash Grove, Ketterby", "nn168qt"),
        ("14 Ash Grove, Ketterby", None),
        ("71 Elm Road\nHollowmere", "NN16 8QT"),
        (None, "NN16 8QT"),
        (None, None),
    ]
