"""Place rules: numbers and flats never fuzzed; the flat conventions; towns kept apart."""
from __future__ import annotations

import polars as pl

from engine.link.address_key import parse_address
from engine.link.places import place_keys


def keys(rows: list[tuple[str, str | None]]) -> list[str]:
    df = pl.DataFrame({"address_mention_id": list(range(len(rows))), "raw": [r for r, _ in rows],
                       "postcode": [p for _, p in rows], "uprn": [None] * len(rows)},
                      schema={"address_mention_id": pl.Int64, "raw": pl.String, "postcode": pl.String, "uprn": pl.String})
    out = place_keys(df).sort("address_mention_id")
    return out["place_key"].to_list()


def test_house_numbers_differ():
    k = keys([("14 Ash Grove, Ketterby", "NN16 8QT"), ("16 Ash Grove, Ketterby", "NN16 8QT")])
    assert k[0] != k[1]


def test_flats_differ():
    k = keys([("Flat 2, 14 Mill Lane, Ketterby", None), ("Flat 3, 14 Mill Lane, Ketterby", None)])
    assert k[0] != k[1]


def test_letter_suffix_is_the_flat():
    k = keys([("14b Mill Lane, Ketterby", None), ("Flat 2, 14 Mill Lane, Ketterby", None), ("2/14 Mill Lane, Ketterby", None),
              ("14 Mill Lane, Ketterby", None), ("14c Mill Lane, Ketterby", None)])
    assert k[0] == k[1] == k[2]
    assert k[3] != k[0] and k[4] != k[0]


def test_building_name_with_flat_number():
    k = keys([("1 Oak Lodge, 30 Dickens Lane, Ravensby", None), ("Flat 1, Oak Lodge, 30 Dickens Ln, Ravensby", None),
              ("Flat 1 Oak Lodge, Dickens Lane, Ravensby", None), ("2 Oak Lodge, 30 Dickens Lane, Ravensby", None)])
    assert k[0] == k[1] == k[2]
    assert k[3] != k[0]


def test_same_street_in_two_towns_apart():
    k = keys([("5 Park Close, Ketterby", "NN16 9AU"), ("5 Park Close, Millbridge", "NN8 1AA")])
    assert k[0] != k[1]


def test_abbreviation_typo_missing_parts_and_care_of():
    rows = [("12 York Road, Ketterby", "NN16 1AB")] * 4 + [
        ("12 Yrok Rd, Ketterby", "NN16 1AB"), ("12 YORK RD", "NN16 1AB"), ("C/O Jane Smith, 12 York Road, Ketterby", None),
        ("12 York Road\nKetterby", None), ("12 York Road, Ketterby", "NN16 1AC"), ("12 York Road, Ketterby, NN161AB", None)]
    k = keys(rows)
    assert len(set(k)) == 1


def test_parse_is_idempotent_on_its_own_parts():
    flat, number, building, street, town, pc = parse_address("Flat 2, 14 Mill Lane, Ketterby, NN16 8QT")
    assert (flat, number, street, town, pc) == ("2", "14", "MILL LANE", "KETTERBY", "NN16 8QT")
    again = parse_address(f"Flat {flat}, {number} {street}, {town}", pc)
    assert again[:2] == (flat, number) and again[3:] == (street, town, pc)


def test_uprn_joins_keys():
    df = pl.DataFrame({"address_mention_id": [1, 2], "raw": ["Hostel, Ketterby", "The Hostel, Ketterby"],
                       "postcode": [None, None], "uprn": ["100000000001", "100000000001"]},
                      schema={"address_mention_id": pl.Int64, "raw": pl.String, "postcode": pl.String, "uprn": pl.String})
    k = place_keys(df)["place_key"].to_list()
    assert k[0] == k[1]
