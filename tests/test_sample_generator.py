"""The synthetic world generator (sample_data/): layouts, truth, determinism."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import polars as pl
import pytest
from stdnum.gb import upn as stdnum_upn

from sample_data import ids
from sample_data.generate import generate
from sample_data.rules import RULES

FILES = (
    "police_occurrences.csv", "csc_episodes.xlsx", "csc_relationships.csv", "gp_consultations.csv",
    "school_safeguarding.csv", "probation_events.jsonl", "housing_tenancies.csv", "mash_referrals.csv",
)
TRUTH = ("mentions.csv", "addresses.csv", "persons.csv", "addresses_master.csv", "flags.csv")
ENCODING = {"police_occurrences.csv": "utf-8-sig", "school_safeguarding.csv": "cp1252"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    generate(str(out), families=40, seed=3)
    return out


@pytest.fixture(scope="module")
def moderate(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("moderate")
    generate(str(out), families=150, seed=1)
    return out


def read_rows(world: Path, name: str) -> list:
    """Data rows (header excluded) of one extract, as lists/dicts."""
    path = world / name
    if name.endswith(".xlsx"):
        df = pl.read_excel(path, sheet_name="Episodes", infer_schema_length=0)
        return [list(r) for r in df.iter_rows()]
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    with open(path, encoding=ENCODING.get(name, "utf-8"), newline="") as fh:
        return list(csv.reader(fh))[1:]


def read_header(world: Path, name: str) -> list:
    with open(world / name, encoding=ENCODING.get(name, "utf-8"), newline="") as fh:
        return next(csv.reader(fh))


def read_truth(world: Path, name: str) -> list[dict]:
    with open(world / "truth" / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_all_files_written(tiny):
    for f in FILES:
        assert (tiny / f).is_file(), f
    for f in TRUTH:
        assert (tiny / "truth" / f).is_file(), f
    assert (tiny / "manifest.json").is_file()


def test_deterministic_bytes(tiny, tmp_path):
    again = tmp_path / "again"
    generate(str(again), families=40, seed=3)
    for f in FILES + tuple("truth/" + t for t in TRUTH) + ("manifest.json",):
        assert (tiny / f).read_bytes() == (again / f).read_bytes(), f
    other = tmp_path / "other"
    generate(str(other), families=40, seed=4)
    assert (tiny / "police_occurrences.csv").read_bytes() != (other / "police_occurrences.csv").read_bytes()


def test_row_counts_match_manifest(tiny):
    m = json.loads((tiny / "manifest.json").read_text())
    total = 0
    for f in FILES:
        n = len(read_rows(tiny, f))
        assert m["counts"]["files"][f] == n, f
        total += n
    assert m["counts"]["total_rows"] == total
    assert m["counts"]["mentions"] == len(read_truth(tiny, "mentions.csv"))
    assert m["counts"]["address_mentions"] == len(read_truth(tiny, "addresses.csv"))
    assert m["counts"]["persons"] == len(read_truth(tiny, "persons.csv"))


def test_encodings_and_headers(tiny):
    police = (tiny / "police_occurrences.csv").read_bytes()
    assert police.startswith(b"\xef\xbb\xbf\"OccurrenceRef\",")
    # every field quoted: each physical data line starts with a quote
    first = police.decode("utf-8-sig").split("\r\n")[1]
    assert first.startswith('"OCC/') and first.endswith('"')
    school = (tiny / "school_safeguarding.csv").read_bytes()
    assert not school.startswith(b"\xef\xbb\xbf")
    school.decode("cp1252")  # must be valid Windows-1252
    for f in ("csc_relationships.csv", "gp_consultations.csv", "housing_tenancies.csv", "mash_referrals.csv",
              "probation_events.jsonl"):
        (tiny / f).read_bytes().decode("utf-8")
    assert read_header(tiny, "police_occurrences.csv") == [
        "OccurrenceRef", "OccurrenceDateTime", "OccurrenceType", "Summary", "NominalRef", "NominalRole", "Surname",
        "Forenames", "DOB", "Gender", "PNCID", "HomeAddress", "BailAddress", "BailConditions", "Markers"]
    assert read_header(tiny, "housing_tenancies.csv")[-1] == "Household"
    df = pl.read_excel(tiny / "csc_episodes.xlsx", sheet_name="Episodes")
    assert df.columns == ["Person ID", "Forename", "Surname", "DOB", "Gender", "NHS Number", "Address", "Postcode",
                          "Episode", "Start Date", "End Date", "Outcome", "Team", "Notes"]
    assert df.schema["Start Date"] == pl.Date and df.schema["DOB"] == pl.Date
    assert df["Start Date"].null_count() == 0


def test_formats(tiny):
    gp = read_rows(tiny, "gp_consultations.csv")
    assert all(re.fullmatch(r"\d\d-[A-Z][a-z]{2}-\d{4}", r[6]) for r in gp)
    assert sum(bool(re.fullmatch(r"\d{3} \d{3} \d{4}", r[0])) for r in gp) > len(gp) * 0.6
    assert all(", " in r[1] for r in gp)
    police = read_rows(tiny, "police_occurrences.csv")
    assert all(re.fullmatch(r"OCC/\d{4}/\d{6}", r[0]) for r in police)
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", r[1]) for r in police)
    housing = read_rows(tiny, "housing_tenancies.csv")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r[5]) for r in housing)
    school = read_rows(tiny, "school_safeguarding.csv")
    assert any("\n" in r[7] for r in school)
    assert all(r[6] in {"R"} | {str(i) for i in range(1, 14)} for r in school)
    prob = read_rows(tiny, "probation_events.jsonl")
    assert {"crn", "name", "dob", "pnc", "offence", "offence_category", "event", "event_date", "address", "rosh",
            "notes"} <= set(prob[0])


def _slot_filled(rows: dict, m: dict) -> bool:
    f, slot = m["source_file"], m["slot"]
    row = rows[f][int(m["source_row"]) - 1]
    if f == "police_occurrences.csv":
        return slot == "nominal" and bool(row[6] or row[7])
    if f == "csc_episodes.xlsx":
        return slot == "child" and bool(row[0])
    if f == "csc_relationships.csv":
        return (slot == "child" and bool(row[0])) or (slot == "related" and bool(row[1]))
    if f == "gp_consultations.csv":
        return slot == "patient" and bool(row[1])
    if f == "school_safeguarding.csv":
        col = {"pupil": 1, "carer1": 13, "carer2": 16}[slot]
        return bool(row[col])
    if f == "probation_events.jsonl":
        return slot == "offender" and bool(row["name"]["surname"])
    if f == "housing_tenancies.csv":
        if slot == "lead_tenant":
            return bool(row[6])
        k = int(slot[len("household"):])
        return 1 <= k <= len([e for e in row[8].split("; ") if e])
    if f == "mash_referrals.csv":
        return slot == "child" and bool(row[3] or row[4])
    return False


def test_truth_mentions_point_at_rows_and_slots(tiny):
    rows = {f: read_rows(tiny, f) for f in FILES}
    persons = {p["person_id"] for p in read_truth(tiny, "persons.csv")}
    mentions = read_truth(tiny, "mentions.csv")
    assert mentions
    seen = set()
    for m in mentions:
        key = (m["source_file"], m["source_row"], m["slot"])
        assert key not in seen, key
        seen.add(key)
        assert m["person_id"] in persons
        assert 1 <= int(m["source_row"]) <= len(rows[m["source_file"]]), m
        assert _slot_filled(rows, m), m
    # every data row of every file names at least one person
    for f in FILES:
        named = {int(r) for (ff, r, _) in seen if ff == f}
        assert named == set(range(1, len(rows[f]) + 1)), f
    # housing: one household slot per Household entry, and no more
    for i, row in enumerate(rows["housing_tenancies.csv"], 1):
        n = len([e for e in row[8].split("; ") if e])
        slots = {s for (ff, r, s) in seen if ff == "housing_tenancies.csv" and int(r) == i and s.startswith("household")}
        assert slots == {f"household{k}" for k in range(1, n + 1)}
    # a blank carer has no mention
    for i, row in enumerate(rows["school_safeguarding.csv"], 1):
        for slot, col in (("carer1", 13), ("carer2", 16)):
            assert (("school_safeguarding.csv", str(i), slot) in seen) == bool(row[col])


def test_truth_addresses_point_at_filled_fields(tiny):
    rows = {f: read_rows(tiny, f) for f in FILES}
    master = {a["address_id"]: a for a in read_truth(tiny, "addresses_master.csv")}
    col = {
        ("police_occurrences.csv", "HomeAddress"): 11, ("police_occurrences.csv", "BailAddress"): 12,
        ("csc_episodes.xlsx", "Address"): 6, ("csc_relationships.csv", "Related Address"): 4,
        ("gp_consultations.csv", "Address"): 4, ("school_safeguarding.csv", "Address"): 7,
        ("housing_tenancies.csv", "Address"): 2, ("mash_referrals.csv", "Address"): 6,
    }
    truth = read_truth(tiny, "addresses.csv")
    assert truth
    got = set()
    for a in truth:
        assert a["address_id"] in master
        row = rows[a["source_file"]][int(a["source_row"]) - 1]
        if a["source_file"] == "probation_events.jsonl":
            assert a["field"] == "address" and row["address"]["line1"]
        else:
            assert row[col[(a["source_file"], a["field"])]], a
        got.add((a["source_file"], int(a["source_row"]), a["field"]))
    # and every filled address field has a truth row
    for (f, field), c in col.items():
        for i, row in enumerate(rows[f], 1):
            if row[c]:
                assert (f, i, field) in got, (f, i, field)
    # UPRNs in housing are the master's
    by_uprn = {a["uprn"] for a in master.values()}
    for row in rows["housing_tenancies.csv"]:
        assert not row[1] or row[1] in by_uprn


def test_identifiers_valid(tiny):
    persons = read_truth(tiny, "persons.csv")
    nhs = [p["nhs_number"] for p in persons if p["nhs_number"]]
    assert nhs and all(ids.nhs_is_valid(n) for n in nhs)
    assert len(set(nhs)) == len(nhs)
    upns = [p["upn"] for p in persons if p["upn"]]
    assert upns and all(stdnum_upn.is_valid(u) for u in upns)
    pncs = [p["pnc_id"] for p in persons if p["pnc_id"]]
    assert pncs and all(ids.pnc_is_valid(x) for x in pncs)
    assert all(re.fullmatch(r"N\d{7}", p["police_nominal"]) for p in persons if p["police_nominal"])
    assert all(re.fullmatch(r"[A-Z]\d{6}", p["crn"]) for p in persons if p["crn"])
    # documented examples of the schemes
    assert ids.nhs_is_valid("9434765919")
    assert ids.upn_is_valid("B801200005001") and not ids.upn_is_valid("A801200005001")
    assert ids.pnc_check_char(2009, 123456) == "ZABCDEFGHJKLMNPQRTUVWXY"[int("090123456") % 23]


def test_police_rows_per_nominal(tiny):
    police = read_rows(tiny, "police_occurrences.csv")
    by_occ: dict = {}
    for r in police:
        by_occ.setdefault(r[0], set()).add(r[2])
    assert all(len(t) == 1 for t in by_occ.values())  # one type per occurrence
    assert any(len([r for r in police if r[0] == k]) > 1 for k in list(by_occ)[:200])
    assert all(not r[12] or r[2] == "BAIL" for r in police)


def test_every_rule_fires(moderate):
    flags = read_truth(moderate, "flags.csv")
    persons = {p["person_id"] for p in read_truth(moderate, "persons.csv")}
    addrs = {a["address_id"] for a in read_truth(moderate, "addresses_master.csv")}
    fired = {f["rule"] for f in flags}
    assert fired == set(RULES)
    for f in flags:
        assert f["child_person_id"] in persons
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", f["trigger_date"])
        if f["rule"] in ("bail_address_child", "unassessed_adult"):
            assert f["other_person_id"] in persons and f["address_id"] in addrs
            assert f["other_person_id"] != f["child_person_id"]
        else:
            assert f["other_person_id"] == "" and f["address_id"] == ""
    m = json.loads((moderate / "manifest.json").read_text())
    assert m["flags"]["total_rows"] == len(flags)


def test_cli(tmp_path):
    from sample_data.generate import main

    assert main(["--out", str(tmp_path / "w"), "--families", "5", "--seed", "9", "--as-of", "2025-06-30", "--quiet"]) == 0
    m = json.loads((tmp_path / "w" / "manifest.json").read_text())
    assert m["as_of"] == "2025-06-30" and m["families"] == 5
    gp = read_rows(tmp_path / "w", "gp_consultations.csv")
    assert all(r[6][-4:] <= "2025" for r in gp)
    assert main(["--out", str(tmp_path / "r"), "--rows", "470", "--seed", "9", "--quiet"]) == 0
    m = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert m["families"] == 20 and 200 < m["counts"]["total_rows"] < 900


def test_bundled_world_is_what_the_generator_writes(tmp_path):
    # sample_data/world is seed 7, 300 families, the standard error profile: same arguments, same bytes.
    bundled = Path(__file__).resolve().parents[1] / "sample_data" / "world"
    generate(str(tmp_path), families=300, seed=7)
    for f in FILES + tuple("truth/" + t for t in TRUTH) + ("manifest.json",):
        assert (tmp_path / f).read_bytes() == (bundled / f).read_bytes(), f


def test_error_profiles(tmp_path):
    from sample_data.errors import parse_profile

    assert parse_profile(None).name == "standard" == parse_profile("standard").name
    assert parse_profile("messy,number_typo=0").number_typo == 0.0
    for bad in ("nonsense", "number_prefix=2", "colour=0.1"):
        with pytest.raises(ValueError):
            parse_profile(bad)
    out = tmp_path / "messy"
    generate(str(out), families=60, seed=21, errors="messy,number_prefix=0.3,run_together=0.2,placeholder_uprn=1")
    m = json.loads((out / "manifest.json").read_text())
    assert m["errors"].startswith("number_prefix=0.3")
    housing = read_rows(out, "housing_tenancies.csv")
    assert {r[1] for r in housing} - {""} >= {"0", "-1"}  # placeholders where no UPRN is shown
    texts = [r[2] for r in housing] + [r[4] for r in read_rows(out, "gp_consultations.csv")]
    assert any(re.match(r"(No\.? ?|#|Number )\d", t) for t in texts)
    assert any(re.search(r"[a-z](Road|Street|Lane|Avenue|Close|Drive)\b", t) for t in texts)
    # the truth still names the property written, whatever the clerk wrote
    assert len(read_truth(out, "addresses.csv")) == m["counts"]["address_mentions"]
