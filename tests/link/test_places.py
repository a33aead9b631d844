"""Place rules: numbers and flats never fuzzed; the flat conventions; towns kept apart."""
from __future__ import annotations

import polars as pl
import pytest

from chronolink.engine.link.address_key import match_parts
from chronolink.engine.link.places import place_keys, place_links
from chronolink.engine.normalise import parse_address
from chronolink.engine.normalise.addresses import with_address_parts


def keys(rows: list[tuple[str, str | None]]) -> list[str]:
    df = pl.DataFrame({"address_mention_id": list(range(len(rows))), "raw": [r for r, _ in rows],
                       "postcode": [p for _, p in rows], "uprn": [None] * len(rows)},
                      schema={"address_mention_id": pl.Int64, "raw": pl.String, "postcode": pl.String, "uprn": pl.String})
    out = place_keys(with_address_parts(df)).sort("address_mention_id")
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


def parts(raws: list[str]) -> list[tuple[str | None, ...]]:
    df = pl.DataFrame({"address_mention_id": list(range(len(raws))), "raw": raws, "postcode": [None] * len(raws)},
                      schema={"address_mention_id": pl.Int64, "raw": pl.String, "postcode": pl.String})
    cols = ["p_flat", "p_number", "p_building", "p_street", "p_town", "p_postcode"]
    return match_parts(with_address_parts(df)).sort("address_mention_id").select(cols).rows()


def test_parse_is_idempotent_on_its_own_parts():
    [(flat, number, building, street, town, pc)] = parts(["Flat 2, 14 Mill Lane, Ketterby, NN16 8QT"])
    assert (flat, number, building, street, town, pc) == ("2", "14", None, "MILL LANE", "KETTERBY", "NN16 8QT")
    [again] = parts([f"Flat {flat}, {number} {street}, {town}, {pc}"])
    assert again == (flat, number, building, street, town, pc)


def test_matching_conventions():
    got = parts(["14b Mill Lane, Ketterby", "Flat B, 14 Mill Lane, Ketterby", "2/14 Mill Lane, Ketterby",
                 "14 A Road, Ketterby", "1 Oak Lodge, 30 Dickens Ln, Ravensby", "23 Est Abbey Street, Stanmoor"])
    assert got[0][:2] == got[1][:2] == got[2][:2] == ("2", "14")
    assert got[3][:4] == (None, "14", None, "A ROAD")
    assert got[4][:5] == ("1", "30", "OAK LODGE", "DICKENS LANE", "RAVENSBY")
    assert got[5][3] == "EST ABBEY STREET"  # a typo of EAST, not Estate


def test_block_before_unrecognised_street():
    # The street type has a typo: the parser corrects it, so the block is the building before it.
    got = parts(["2 Albion Court, Middle Cedar Tsreet, Ketterby", "Flat 2 Chestnut Ct, School Cres, Dunmere"])
    assert got[0][:5] == ("2", None, "ALBION COURT", "MIDDLE CEDAR STREET", "KETTERBY")
    assert got[1][:5] == ("2", None, "CHESTNUT COURT", "SCHOOL CRESCENT", "DUNMERE")


def test_building_and_street_without_town():
    got = parts(["Flat 5 Victoria Mansions, Devonshire Gardens, NN16 6DB"] + ["3 Mill Lane, Ockley Green"] * 3
                + ["Rose Cottage, Ockley Green"])
    assert got[0][:5] == ("5", None, "VICTORIA MANSIONS", "DEVONSHIRE GARDENS", None)
    # A town that looks like a street stays a town once it is known as one.
    assert got[4][3:5] == ("ROSE COTTAGE", "OCKLEY GREEN")


def test_stored_parse_gives_the_same_keys():
    raws = ["Flat 2, 14 Mill Lane, Ketterby, NN16 8QT", "14b Mill Lane, Ketterby", "2 Albion Court, Cedar Stret, Ketterby",
            "C/O Jane Smith, 12 York Road, Ketterby", "12 York Road\nKetterby"]
    df = pl.DataFrame({"address_mention_id": list(range(len(raws))), "raw": raws, "postcode": [None] * len(raws),
                       "uprn": [None] * len(raws)}, schema={"address_mention_id": pl.Int64, "raw": pl.String,
                                                            "postcode": pl.String, "uprn": pl.String})
    # The columns ingest stores in address_mentions.
    ingested = df.drop("postcode").with_columns(parse_address(pl.col("raw")).alias("p")).unnest("p").drop(
        "postcode_valid", "key")
    assert place_keys(ingested)["place_key"].to_list() == place_keys(with_address_parts(df))["place_key"].to_list()


def test_linkage_never_parses_again():
    df = pl.DataFrame({"address_mention_id": [1], "raw": ["14 Mill Lane, Ketterby"], "postcode": [None], "uprn": [None]},
                      schema={"address_mention_id": pl.Int64, "raw": pl.String, "postcode": pl.String, "uprn": pl.String})
    with pytest.raises(ValueError, match="parsed columns"):
        place_keys(df)


def test_street_typo_joins_common_spelling_by_number_in_sector():
    # The typo was written with a different postcode in the same sector: a shared house number decides.
    rows = [("12 York Road, Ketterby", "NN16 1AB")] * 4 + [("12 Yrok Road, Ketterby", "NN16 1XY"),
                                                           ("14 Ash Grove, Ketterby", "NN16 1XY")] + [
        ("16 Ash Grove, Ketterby", "NN16 1XY")] * 4
    k = keys(rows)
    assert k[4] == k[0] and k[5] != k[0]


def test_town_typo_joins_common_town():
    rows = [("5 Park Close, Ketterby", None)] * 6 + [("5 Park Close, Ketterbby", None), ("5 Park Close, Ketterbbyy", None)]
    assert len(set(keys(rows))) == 1


def test_uprn_joins_keys():
    df = pl.DataFrame({"address_mention_id": [1, 2], "raw": ["Hostel, Ketterby", "The Hostel, Ketterby"],
                       "postcode": [None, None], "uprn": ["100000000001", "100000000001"]},
                      schema={"address_mention_id": pl.Int64, "raw": pl.String, "postcode": pl.String, "uprn": pl.String})
    k = place_keys(with_address_parts(df))["place_key"].to_list()
    assert k[0] == k[1]


def _keys_with_residents(rows: list[tuple[str, str | None]], people: list[tuple[int, str, str]]) -> list[str]:
    df = pl.DataFrame({"address_mention_id": list(range(len(rows))), "raw": [r for r, _ in rows],
                       "postcode": [p for _, p in rows], "uprn": [None] * len(rows)},
                      schema={"address_mention_id": pl.Int64, "raw": pl.String, "postcode": pl.String, "uprn": pl.String})
    res = pl.DataFrame(people, schema={"address_mention_id": pl.Int64, "person": pl.String, "date": pl.String},
                       orient="row").with_columns(pl.col("date").str.to_date())
    keys, _ = place_links(with_address_parts(df), residents=res if people else None)
    return keys.sort("address_mention_id")["place_key"].to_list()


def test_a_transposed_number_joins_only_on_evidence_beyond_the_address():
    home = [("14 Mill Lane, Ketterby", "NN16 8QT")] * 5
    slip = [("41 Mill Lane, Ketterby", "NN16 8QT")]
    # no evidence: 41 stays its own place (it may be a real house)
    k = _keys_with_residents(home + slip, [])
    assert k[5] != k[0]
    # the same two people placed at both in the same year: one household, one place
    people = [(0, "N1", "2024-01-01"), (1, "N2", "2024-02-01"), (5, "N1", "2024-03-01"), (5, "N2", "2024-03-01")]
    k = _keys_with_residents(home + slip, people)
    assert k[5] == k[0]
    # one person only (who may have moved next door), or years apart: apart
    assert _keys_with_residents(home + slip, people[:1] + [(5, "N1", "2024-03-01")])[5] != k[0]
    assert _keys_with_residents(home + slip, [(0, "N1", "2015-01-01"), (1, "N2", "2015-01-01"),
                                              (5, "N1", "2024-03-01"), (5, "N2", "2024-03-01")])[5] != k[0]


def test_flats_transposed_in_one_postcode_join_and_neighbours_never():
    rows = [("Flat 2, 14 Mill Lane, Ketterby", "NN16 8QT")] * 4 + [("Flat 2, 41 Mill Lane, Ketterby", "NN16 8QT"),
                                                                  ("Flat 2, 15 Mill Lane, Ketterby", "NN16 8QT"),
                                                                  ("16 Mill Lane, Ketterby", "NN16 8QT")]
    k = _keys_with_residents(rows, [])
    assert k[4] == k[0]  # same flat, same postcode, digits transposed
    assert k[5] != k[0] and k[6] != k[0]  # the flat next door, the house next door


def test_place_thresholds_are_link_settings():
    # LinkSettings.places holds the town-spelling and number-variant thresholds; place matching reads them there.
    from chronolink.engine.link.settings import PlaceSettings

    towns = [("5 Park Close, Ketterby", None)] * 6 + [("5 Park Close, Ketterbby", None)]
    df = pl.DataFrame({"address_mention_id": list(range(len(towns))), "raw": [r for r, _ in towns],
                       "postcode": [None] * len(towns), "uprn": [None] * len(towns)},
                      schema={"address_mention_id": pl.Int64, "raw": pl.String, "postcode": pl.String, "uprn": pl.String})
    parts = with_address_parts(df)
    assert place_keys(parts, places=PlaceSettings())["place_key"].n_unique() == 1
    assert place_keys(parts, places=PlaceSettings(town_similarity=0.99))["place_key"].n_unique() == 1  # one edit
    assert place_keys(parts, places=PlaceSettings(town_similarity=0.99, town_edits=0))["place_key"].n_unique() == 2
    assert place_keys(parts, places=PlaceSettings(town_commoner=7))["place_key"].n_unique() == 2
    home = [("14 Mill Lane, Ketterby", "NN16 8QT")] * 5 + [("41 Mill Lane, Ketterby", "NN16 8QT")]
    people = [(0, "N1", "2024-01-01"), (1, "N2", "2024-02-01"), (5, "N1", "2024-03-01"), (5, "N2", "2024-03-01")]
    df = pl.DataFrame({"address_mention_id": list(range(6)), "raw": [r for r, _ in home],
                       "postcode": [p for _, p in home], "uprn": [None] * 6},
                      schema={"address_mention_id": pl.Int64, "raw": pl.String, "postcode": pl.String, "uprn": pl.String})
    res = pl.DataFrame(people, schema={"address_mention_id": pl.Int64, "person": pl.String, "date": pl.String},
                       orient="row").with_columns(pl.col("date").str.to_date())

    def joined(cfg: PlaceSettings) -> bool:
        k = place_links(with_address_parts(df), residents=res, places=cfg)[0].sort("address_mention_id")["place_key"]
        return k[5] == k[0]

    assert joined(PlaceSettings())
    assert not joined(PlaceSettings(same_people=3))
    assert not joined(PlaceSettings(same_period_days=30))


def test_a_mistyped_number_row_moves_to_where_its_people_are_seen_either_side():
    rows = [("14 Mill Lane, Ketterby", "NN16 8QT")] * 3 + [("15 Mill Lane, Ketterby", "NN16 8QT"),
                                                          ("15 Mill Lane, Ketterby", "NN16 8QT")]
    # N1 at 14 in January and March, written at 15 in February: the February row is the slip
    seen = [(0, "N1", "2024-01-01"), (1, "N1", "2024-03-01"), (3, "N1", "2024-02-01"), (4, "N9", "2024-02-01")]
    k = _keys_with_residents(rows, seen)
    assert k[3] == k[0] and k[4] != k[0]  # the slip joins 14; 15, a real house with its own people, stays
    # seen at 14 only before (they may have moved next door): the row stays at 15, for review
    assert _keys_with_residents(rows, seen[:1] + seen[2:])[3] != k[0]
    # also seen at 15 by another row in the period: 15 stands
    assert _keys_with_residents(rows, seen + [(4, "N1", "2024-02-15")])[3] != k[0]
    # a row with no town takes the town its people are seen at, at the same number and street
    k = _keys_with_residents([("14 Mill Lane, Ketterby", None), ("14 Mill Lane, Dunmore", None), ("14 Mill Lane", None)],
                             [(0, "N1", "2024-01-01"), (2, "N1", "2024-02-01")])
    assert k[2] == k[0] != k[1]


def test_a_row_inside_its_peoples_tenure_elsewhere_on_the_street_moves_however_far_apart():
    rows = [("19 Mill Lane, Ketterby", "NN16 8QT")] * 3 + [("20 Mill Lane, Ketterby", "NN16 8QT"),
                                                          ("20 Mill Lane, Ketterby", "NN16 8QT")]
    # N1 at 19 in 2016 and 2019, one row at 20 in 2017 and nowhere else between: 19 throughout
    # (20 is the next number, a slip that crosses a ten); 20 keeps its own household's row
    seen = [(0, "N1", "2016-01-01"), (1, "N1", "2019-06-01"), (3, "N1", "2017-06-01"), (4, "N9", "2017-06-01")]
    k = _keys_with_residents(rows, seen)
    assert k[3] == k[0] and k[4] != k[0]
    # seen somewhere else in between (a move, and back): the row stays
    elsewhere = rows + [("3 Oak Road, Ketterby", "NN16 8QA")]
    assert _keys_with_residents(elsewhere, seen + [(5, "N1", "2018-01-01")])[3] != k[0]
    # seen at 20 again by another row in its time there: 20 stands
    assert _keys_with_residents(rows, seen + [(4, "N1", "2017-09-01")])[3] != k[0]
    # a number that is no slip of 19 (26: two digits differ, not next to it) never moves
    far = rows[:3] + [("26 Mill Lane, Ketterby", "NN16 8QT")]
    assert _keys_with_residents(far, seen[:3])[3] != _keys_with_residents(far, seen[:3])[0]


def test_a_row_with_its_houses_uprn_moves_alone_and_the_neighbour_keeps_its_rows():
    # a housing row written at 15 with the UPRN the rows of 14 carry: that row is 14's; 15 is another house
    raws = ["14 Mill Lane, Ketterby"] * 3 + ["15 Mill Lane, Ketterby"] * 3
    uprns = ["100000000014"] * 3 + ["100000000014", None, None]
    df = pl.DataFrame({"address_mention_id": list(range(6)), "raw": raws, "postcode": ["NN16 8QT"] * 6, "uprn": uprns},
                      schema={"address_mention_id": pl.Int64, "raw": pl.String, "postcode": pl.String, "uprn": pl.String})
    out = place_keys(with_address_parts(df)).sort("address_mention_id")
    k = out["place_key"].to_list()
    assert k[3] == k[0] and k[4] == k[5] != k[0]
    assert out["number"][3] == "14"
    # one row at 14 and one at 15 with one UPRN: which is the slip is not known; the two houses stay apart
    tie = df.with_columns(pl.Series("uprn", ["100000000014", None, None, "100000000014", None, None]))
    k = place_keys(with_address_parts(tie)).sort("address_mention_id")["place_key"].to_list()
    assert k[0] == k[1] == k[2] != k[3] == k[4] == k[5]


def test_a_household_once_written_at_the_neighbours_number_does_not_join_the_two_houses():
    # household A (N1, N2) at 14 on six rows, written once at 15, where household B (N8, N9) lives on seven:
    # the rows of 15 that place A are fewer than the rows of 14, so 14 is no slip of 15
    rows = [("14 Mill Lane, Ketterby", "NN16 8QT")] * 6 + [("15 Mill Lane, Ketterby", "NN16 8QT")] * 7
    seen = [(i, p, f"2020-0{i + 1}-01") for i in range(6) for p in ("N1", "N2")]
    seen += [(6, "N1", "2019-12-01"), (6, "N2", "2019-12-01")]
    seen += [(i, p, f"2020-0{i - 6}-15") for i in range(7, 13) for p in ("N8", "N9")]
    k = _keys_with_residents(rows, seen)
    assert k[0] != k[7]
    # and B's rows stay at 15 (A's one row there is before A's rows at 14 only: for review, not moved)
    assert len({k[i] for i in range(7, 13)}) == 1


def test_one_household_written_at_24_and_42_on_one_day_is_not_swapped():
    # N1 written at 24 and at 42 on one day: each row is the other's evidence. 24 is written more often:
    # the row at 42 joins it, and the row at 24 stays (it used to move to 42 as the other moved to 24)
    rows = [("24 Mill Lane, Ketterby", "NN16 8QT")] * 4 + [("42 Mill Lane, Ketterby", "NN16 8QT")] * 2
    seen = [(0, "N9", "2016-01-01"), (1, "N9", "2016-02-01"), (2, "N9", "2016-03-01"), (3, "N1", "2023-03-30"),
            (4, "N1", "2023-03-30"), (5, "N8", "2019-05-05")]
    k = _keys_with_residents(rows, seen)
    assert k[3] == k[4] == k[0] != k[5]


def test_two_buildings_of_one_name_on_one_street_keep_their_own_numbers_by_postcode():
    rows = ([("Flat 10, Nightingale House, 1 Cedar Street, Ketterby", "NN16 8HY")] * 5
            + [("Flat 10, Nightingale House, 18 Cedar Street, Ketterby", "NN16 6FH")]
            + [("10 Nightingale House, Cedar Street, Ketterby", "NN16 6FH"),
               ("10 Nightingale House, Cedar Street, Ketterby", "NN16 8HY")])
    k = keys(rows)
    assert k[6] == k[5] != k[0] and k[7] == k[0]


def test_a_split_word_read_as_an_abbreviation_is_still_its_street():
    # "Pl over Lane": the parse expands PL (PLACE) and ST (SAINT); the squashed street forms agree again
    rows = ([("8 Plover Lane, Ketterby", "NN16 8QT")] * 4 + [("8 Pl over Lane, Ketterby", "NN16 8QT")]
            + [("3 Station Road, Ketterby", "NN16 8QA")] * 4 + [("3 St ation Road, Ketterby", "NN16 8QA")])
    k = keys(rows)
    assert k[4] == k[0] and k[8] == k[5] and k[0] != k[5]
    # and a street named by a type word, its type run on in capitals, is still its street (GREEN is GRN nowhere)
    k = keys([("16 Green Street, Ketterby", "NN16 8QB")] * 4 + [("16 GREENST, KETTERBY", "NN16 8QB")])
    assert k[4] == k[0]
