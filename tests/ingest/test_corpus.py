"""The malformed-input corpus: each kind of damage built from a bundled sample file, with the exact
rows stored, quarantined and marked asserted.

Every case starts from the first rows of a file in sample_data/world, damages it one way, ingests it
and checks three things against the clean version of the same rows:
- the reconciliation and the exact quarantine (row, reason) and reader marks (row, field, problem);
- every stored row that the damage did not touch is stored exactly as the clean file stores it
  (records and person mentions, field by field): 0 valid rows lost;
- a stored row whose values differ from the clean file's has a value issue recorded for it:
  0 altered without a recorded issue.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import pytest

from chronolink.engine.ingest import ingest_file, ingest_paths
from chronolink.engine.store import schema_sql

WORLD = Path(__file__).resolve().parents[2] / "sample_data" / "world"
ROWS = 6  # rows taken from each sample file

# what the reader itself marks (the mapping's own checks, e.g. invalid_nhs_number, come from the sample)
READER_PROBLEMS = ("malformed_quoting", "mixed_encoding", "undecodable_character", "nul_character_removed",
                   "invisible_characters", "unexpected_json_type", "formula_without_value", "line_break_in_field",
                   "overlong_field")
RECORD_COLS = ("layout", "agency", "event_type", "event_label", "event_date", "event_time", "date_status",
               "end_date", "outcome", "ref", "summary", "attrs")
MENTION_COLS = ("slot", "role", "name_raw", "forename", "middle_names", "surname", "preferred_forename", "dob",
                "dob_status", "sex", "nhs_number", "upn", "pnc", "local_id")


def _store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(schema_sql())
    return con


# ---------------------------------------------------------------- the sample rows, as records

@cache
def sample(name: str) -> tuple[list[str], list[list[str]]]:
    """Header and first ROWS records of a bundled CSV sample (decoded as the layout says it is written)."""
    enc = "cp1252" if name.startswith("school") else "utf-8-sig"
    text = (WORLD / name).read_bytes().decode(enc)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:ROWS + 1]


def csv_bytes(header: list[str], rows: list[list[str]], *, quote_all: bool = False, eol: str = "\r\n",
              encoding: str = "utf-8", bom: bool = False) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator=eol)
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@cache
def jsonl_sample() -> list[str]:
    return (WORLD / "probation_events.jsonl").read_text(encoding="utf-8").splitlines()[:ROWS]


# ---------------------------------------------------------------- running a case

@dataclass
class Case:
    """One damaged file and what must come of it."""

    name: str  # file name (its layout)
    data: bytes
    stored: dict[int, int]  # row in the damaged file -> row of the clean file it must equal
    quarantined: dict[int, str] = field(default_factory=dict)  # row -> exact reason
    marks: set[tuple[int, str, str]] = field(default_factory=set)  # reader marks (row, field, problem)
    changed: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = field(default_factory=dict)  # marked rows' checks
    checks: list[Callable[[duckdb.DuckDBPyConnection], None]] = field(default_factory=list)  # exact values


def _rows(con, sql: str) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for row in con.execute(sql).fetchall():
        out.setdefault(row[0], []).append(tuple(row[1:]))
    return out


def _snapshot(con) -> tuple[dict, dict]:
    recs = _rows(con, f"SELECT source_row, {', '.join(RECORD_COLS)} FROM records ORDER BY source_row")
    ments = _rows(con, f"SELECT source_row, {', '.join(MENTION_COLS)} FROM person_mentions "
                       "ORDER BY source_row, slot")
    return recs, ments


@cache
def clean(name: str, data: bytes) -> tuple[dict, dict]:
    con = _store()
    path = _write(name, data)
    rep = ingest_file(con, path)
    assert rep.status == "ingested" and rep.rows_quarantined == 0, rep
    snap = _snapshot(con)
    con.close()
    return snap


_TMP: list[Path] = []


def _write(name: str, data: bytes) -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="corpus-"))
    _TMP.append(folder)
    path = folder / name
    path.write_bytes(data)
    return path


def run(case: Case, clean_data: bytes) -> None:
    base_recs, base_ments = clean(case.name, clean_data)
    con = _store()
    rep = ingest_file(con, _write(case.name, case.data))
    assert rep.status == "ingested", rep.message
    n_rows = len(case.stored) + len(case.quarantined)
    assert (rep.rows_read, rep.rows_stored, rep.rows_quarantined) == (n_rows, len(case.stored), len(case.quarantined))
    quarantine = dict(con.execute("SELECT source_row, reason FROM quarantine").fetchall())
    assert quarantine == case.quarantined
    marks = set(con.execute(f"SELECT source_row, field, problem FROM value_issues WHERE problem IN "
                            f"({', '.join(repr(p) for p in READER_PROBLEMS)})").fetchall())
    assert marks == case.marks
    recs, ments = _snapshot(con)
    assert sorted(recs) == sorted(case.stored)
    marked_rows = {r for r, _, _ in marks}
    for row, base_row in case.stored.items():
        same = recs[row] == base_recs[base_row] and ments.get(row) == base_ments.get(base_row)
        if row in case.changed:
            assert row in marked_rows
            case.changed[row](con)
        else:  # untouched by the damage: stored exactly as the clean file stores it
            assert same, (row, recs[row], base_recs[base_row], ments.get(row), base_ments.get(base_row))
    for check in case.checks:
        check(con)
    con.close()


def ident(n: int) -> dict[int, int]:
    return {i: i for i in range(1, n + 1)}


def one(con, sql: str):
    return con.execute(sql).fetchall()[0][0]


# ---------------------------------------------------------------- CSV: structure

POLICE = "police_occurrences.csv"
GP = "gp_consultations.csv"
HOUSING = "housing_tenancies.csv"
SCHOOL = "school_safeguarding.csv"
RELS = "csc_relationships.csv"
MASH = "mash_referrals.csv"


def police_clean() -> bytes:
    h, rows = sample(POLICE)
    return csv_bytes(h, rows, quote_all=True, bom=True)


def housing_clean() -> bytes:
    h, rows = sample(HOUSING)
    return csv_bytes(h, rows, eol="\n")


def gp_clean() -> bytes:
    h, rows = sample(GP)
    return csv_bytes(h, rows)


def _police_lines() -> tuple[str, list[str]]:
    h, rows = sample(POLICE)
    text = csv_bytes(h, rows, quote_all=True).decode()
    parts = text.split("\r\n")
    return parts[0], parts[1:-1]


def _housing_lines() -> tuple[str, list[str]]:
    text = housing_clean().decode()
    parts = text.split("\n")
    return parts[0], parts[1:-1]


def _join(head: str, body: list[str], eol: str = "\r\n", bom: bool = False, end: str | None = None) -> bytes:
    text = eol.join([head, *body]) + (eol if end is None else end)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


CASES: dict[str, Callable[[], tuple[Case, bytes]]] = {}


def case(fn: Callable[[], tuple[Case, bytes]]) -> Callable[[], tuple[Case, bytes]]:
    CASES[fn.__name__] = fn
    return fn


@case
def clean_police():
    return Case(POLICE, police_clean(), ident(ROWS)), police_clean()


@case
def truncated_inside_a_quoted_field():
    data = police_clean()
    last = data.rstrip(b"\r\n").rfind(b"\r\n") + 2
    third = data.index(b'","', data.index(b'","', data.index(b'","', last) + 3) + 3)
    cut = data[: third + 8]  # the last row ends five characters into its 4th (quoted) field
    return Case(POLICE, cut, ident(ROWS - 1),
                {ROWS: f"unterminated quoted field: the file ends inside it (line {ROWS + 1})"}), data


@case
def truncated_mid_line_unquoted():
    data = housing_clean()
    cut = data.rstrip(b"\n")
    last = cut.rfind(b"\n")
    cut = cut[: last + 20]
    n_fields = len(next(csv.reader([cut[last + 1:].decode()])))
    return Case(HOUSING, cut, ident(ROWS - 1),
                {ROWS: f"row has {n_fields} fields, the header has 9 (line {ROWS + 1})"}), data


@case
def truncated_after_last_full_row_without_newline():
    data = police_clean()
    return Case(POLICE, data.rstrip(b"\r\n"), ident(ROWS)), data


@case
def broken_quote_mid_file_quarantines_only_that_row():
    head, body = _police_lines()
    body[2] = body[2].replace('","', ',"', 1)  # the closing quote of the first field lost: 3rd row unreadable
    return Case(POLICE, _join(head, body, bom=True), {1: 1, 2: 2, 4: 4, 5: 5, 6: 6},
                {3: "broken quote: a quoted field is not closed on its line (line 4)"}), police_clean()


@case
def broken_quote_kept_when_the_row_still_splits():
    head, body = _housing_lines()
    # an opening quote in the middle of an unquoted value: the row still has all its fields
    parts = body[1].split(",")
    parts[0] = parts[0][:3] + '"' + parts[0][3:]
    body[1] = ",".join(parts)

    def check(con):
        assert one(con, "SELECT ref FROM records WHERE source_row = 2").count('"') == 1
    return Case(HOUSING, _join(head, body, eol="\n"), ident(ROWS), marks={(2, "Tenancy Ref", "malformed_quoting")},
                changed={2: check}), housing_clean()


@case
def two_broken_quotes_far_apart():
    head, body = _police_lines()
    body[1] = body[1].replace('","', ',"', 1)
    body[4] = body[4].replace('","', ',"', 1)
    return Case(POLICE, _join(head, body, bom=True), {1: 1, 3: 3, 4: 4, 6: 6},
                {2: "broken quote: a quoted field is not closed on its line (line 3)",
                 5: "broken quote: a quoted field is not closed on its line (line 6)"}), police_clean()


@case
def ragged_long_row():
    head, body = _police_lines()
    body[3] += ',"extra","more"'
    return Case(POLICE, _join(head, body, bom=True), {1: 1, 2: 2, 3: 3, 5: 5, 6: 6},
                {4: "row has 17 fields, the header has 15 (line 5)"}), police_clean()


@case
def ragged_short_row():
    head, body = _housing_lines()
    body[0] = body[0][:body[0].rfind(",", 0, body[0].rfind(","))]  # the last two fields lost
    n = len(next(csv.reader([body[0]])))
    return Case(HOUSING, _join(head, body, eol="\n"), {2: 2, 3: 3, 4: 4, 5: 5, 6: 6},
                {1: f"row has {n} fields, the header has 9 (line 2)"}), housing_clean()


@case
def classic_mac_line_endings():
    h, rows = sample(POLICE)
    return Case(POLICE, csv_bytes(h, rows, quote_all=True, eol="\r", bom=True), ident(ROWS)), police_clean()


@case
def mixed_line_endings():
    head, body = _police_lines()
    text = head + "\r\n" + body[0] + "\n" + body[1] + "\r" + body[2] + "\r\n" + body[3] + "\n" + body[4] + "\r" + \
        body[5] + "\n"
    return Case(POLICE, text.encode(), ident(ROWS)), police_clean()


@case
def lf_line_endings():
    h, rows = sample(POLICE)
    return Case(POLICE, csv_bytes(h, rows, quote_all=True, eol="\n"), ident(ROWS)), police_clean()


def _break_inside(row: int, col: int, brk: str) -> tuple[Case, bytes]:
    head, body = _housing_lines()
    parts = next(csv.reader([body[row - 1]]))
    parts[col] = parts[col][:4] + brk + parts[col][4:]  # Enter typed inside an unquoted value
    body[row - 1] = ",".join(f'"{p}"' if "," in p else p for p in parts)
    field = head.split(",")[col]

    def check(con):
        kept = con.execute(f"SELECT ref, event_label FROM records WHERE source_row = {row}").fetchall()[0]
        assert brk in (kept[0] if col == 0 else kept[1])
    return Case(HOUSING, _join(head, body, eol="\n"), ident(ROWS), marks={(row, field, "line_break_in_field")},
                changed={row: check}), housing_clean()


@case
def stray_line_break_inside_the_first_field():
    return _break_inside(3, 0, "\n")


@case
def stray_line_break_inside_a_middle_field():
    return _break_inside(2, 4, "\n")


@case
def stray_carriage_return_inside_an_unquoted_field():
    return _break_inside(5, 4, "\r")


@case
def empty_lines_between_and_after_rows():
    head, body = _police_lines()
    text = "\r\n".join([head, body[0], "", body[1], body[2], "", "", body[3], body[4], body[5], "", ""]) + "\r\n"
    return Case(POLICE, text.encode(), ident(ROWS)), police_clean()


@case
def row_of_empty_fields():
    head, body = _housing_lines()
    return Case(HOUSING, _join(head, body[:3] + [",,,,,,,,"] + body[3:], eol="\n"),
                {1: 1, 2: 2, 3: 3, 5: 4, 6: 5, 7: 6}, {4: "blank row"}), housing_clean()


@case
def repeated_header_mid_file():
    head, body = _police_lines()
    return Case(POLICE, _join(head, body[:3] + [head] + body[3:], bom=True),
                {1: 1, 2: 2, 3: 3, 5: 4, 6: 5, 7: 6}, {4: "repeated header"}), police_clean()


@case
def two_exports_concatenated_each_with_a_bom():
    head, body = _police_lines()
    text = "\ufeff" + "\r\n".join([head, *body[:3]]) + "\r\n" + "\ufeff" + "\r\n".join([head, *body[3:]]) + "\r\n"
    return Case(POLICE, text.encode(), {1: 1, 2: 2, 3: 3, 5: 4, 6: 5, 7: 6}, {4: "repeated header"}), police_clean()


@case
def header_only():
    head, _ = _police_lines()
    return Case(POLICE, _join(head, [], bom=True), {}), police_clean()


@case
def header_only_without_newline():
    head, _ = _police_lines()
    return Case(POLICE, ("\ufeff" + head).encode(), {}), police_clean()


@case
def quoted_line_breaks_keep_row_numbers():
    h, rows = sample(GP)
    rows = [list(r) for r in rows]
    rows[1][9] = 'line one\nline two, with "quotes"\r\nline three'
    data = csv_bytes(h, rows)

    def check(con):
        assert one(con, "SELECT summary FROM records WHERE source_row = 2") == rows[1][9]
        assert one(con, "SELECT ref FROM records WHERE source_row = 3") is None  # gp rows carry no ref
        assert one(con, "SELECT name_raw FROM person_mentions WHERE source_row = 3") == rows[2][1]
    return Case(GP, data, ident(ROWS), checks=[check]), data


@case
def duplicate_column_the_layout_does_not_read():
    h, rows = sample(RELS)
    return Case(RELS, csv_bytes(h + ["Comment", "Comment"], [r + ["a", "b"] for r in rows]), ident(ROWS)), \
        csv_bytes(h, rows)


@case
def header_names_padded_and_with_a_bom_inside():
    h, rows = sample(RELS)
    return Case(RELS, csv_bytes([f" {c} " for c in h[:-1]] + ["\ufeff" + h[-1]], rows), ident(ROWS)), \
        csv_bytes(h, rows)


# ---------------------------------------------------------------- CSV: bytes and encodings

@case
def windows_1252_file():
    h, rows = sample(SCHOOL)
    return Case(SCHOOL, csv_bytes(h, rows, encoding="cp1252"), ident(ROWS)), csv_bytes(h, rows, encoding="cp1252")


@case
def one_windows_1252_value_in_a_utf8_file():
    h, rows = sample(RELS)
    rows = [list(r) for r in rows]
    rows[0][1] = "Zoë Królówna"  # stays UTF-8
    base = csv_bytes(h, rows)
    rows[3][1] += " Müller"  # this line is written in Windows-1252
    lines = csv_bytes(h, rows).decode().split("\r\n")
    data = b"\r\n".join(line.encode("cp1252" if i == 4 else "utf-8") for i, line in enumerate(lines))

    def check(con):
        assert one(con, "SELECT name_raw FROM person_mentions WHERE source_row = 4 AND slot = 'related'") \
            .endswith(" Müller")
        assert one(con, "SELECT name_raw FROM person_mentions WHERE source_row = 1 AND slot = 'related'") \
            == "Zoë Królówna"
    return Case(RELS, data, ident(ROWS), marks={(4, "Related Name", "mixed_encoding")}, changed={4: check}), base


def _rels_in(encoding: str) -> tuple[Case, bytes]:
    h, rows = sample(RELS)
    return Case(RELS, csv_bytes(h, rows, encoding=encoding), ident(ROWS)), csv_bytes(h, rows)


@case
def utf16_with_bom():
    return _rels_in("utf-16")


@case
def utf16_le_without_bom():
    return _rels_in("utf-16-le")


@case
def utf16_be_without_bom():
    return _rels_in("utf-16-be")


@case
def utf16_cut_at_an_odd_byte():
    h, rows = sample(RELS)
    data = csv_bytes(h, rows, encoding="utf-16-le") + b"\x00\x00\x41"  # a stray trailing byte
    return Case(RELS, data, ident(ROWS)), csv_bytes(h, rows)


@case
def byte_undefined_in_windows_1252():
    h, rows = sample(SCHOOL)
    records = csv_bytes(h, rows, encoding="cp1252").split(b"\r\n")  # embedded line breaks are bare LF
    surname = rows[2][3].encode("cp1252")
    records[3] = records[3].replace(b"," + surname + b",", b"," + surname[:2] + b"\x81" + surname[2:] + b",", 1)
    data = b"\r\n".join(records)

    def check(con):
        assert "?" in one(con, "SELECT surname FROM person_mentions WHERE source_row = 3 AND slot = 'pupil'")
    return Case(SCHOOL, data, ident(ROWS), marks={(3, "Legal Surname", "undecodable_character")},
                changed={3: check}), csv_bytes(h, rows, encoding="cp1252")


@case
def nul_byte_inside_a_value():
    head, body = _police_lines()
    body[1] = body[1].replace('"N', '"N\x00', 1)
    return Case(POLICE, _join(head, body, bom=True), ident(ROWS), marks={(2, "NominalRef", "nul_character_removed")},
                changed={2: lambda con: None}), police_clean()


@case
def nul_padding_at_the_end():
    return Case(POLICE, police_clean() + b"\x00" * 64, ident(ROWS)), police_clean()


@case
def stray_control_characters():
    # a control character is data, kept as written (escaping is the reports' job)
    head, body = _police_lines()
    body[4] = body[4].replace('","', '\x07","', 1)  # a bell after the reference
    data = _join(head, body, bom=True)

    def check(con):
        assert one(con, "SELECT ref FROM records WHERE source_row = 5").endswith("\x07")
    return Case(POLICE, data, ident(ROWS), checks=[check]), data


@case
def zero_width_space_in_a_forename():
    head, body = _police_lines()
    h, rows = sample(POLICE)
    fore = rows[0][7]
    body[0] = body[0].replace(f'"{fore}"', f'"{fore[:2]}\u200b{fore[2:]}"', 1)

    def check(con):
        raw, forename = con.execute("SELECT name_raw, forename FROM person_mentions WHERE source_row = 1").fetchall()[0]
        assert "\u200b" in raw and forename == fore.split()[0]
    return Case(POLICE, _join(head, body, bom=True), ident(ROWS), marks={(1, "Forenames", "invisible_characters")},
                changed={1: check}), police_clean()


@case
def soft_hyphen_splitting_a_name():
    h, rows = sample(RELS)
    rows = [list(r) for r in rows]
    name = rows[2][1]
    rows[2][1] = name[:2] + "\u00ad" + name[2:]

    def check(con):
        fore = one(con, "SELECT forename FROM person_mentions WHERE source_row = 3 AND slot = 'related'")
        assert fore == name.split()[0].upper()
    return Case(RELS, csv_bytes(h, rows), ident(ROWS), marks={(3, "Related Name", "invisible_characters")},
                changed={3: check}), csv_bytes(h, sample(RELS)[1])


def _police_surname_wrapped(row: int, before: str, after: str) -> tuple[Case, bytes]:
    head, body = _police_lines()
    sur = sample(POLICE)[1][row - 1][6]
    body[row - 1] = body[row - 1].replace(f'"{sur}"', f'"{before}{sur}{after}"', 1)

    def check(con):
        assert one(con, f"SELECT surname FROM person_mentions WHERE source_row = {row}") == sur
    return Case(POLICE, _join(head, body, bom=True), ident(ROWS), marks={(row, "Surname", "invisible_characters")},
                changed={row: check}), police_clean()


@case
def bidirectional_override_around_a_surname():
    return _police_surname_wrapped(4, "\u202e", "\u202c")


@case
def bom_inside_a_value():
    return _police_surname_wrapped(6, "\ufeff", "")


@case
def isolates_and_marks_around_a_surname():
    return _police_surname_wrapped(2, "\u2067\u200f", "\u2069\u200e")


@case
def huge_field():
    h, rows = sample(GP)
    rows = [list(r) for r in rows]
    rows[4][9] = "x" * 500_000

    def check(con):
        assert len(one(con, "SELECT summary FROM records WHERE source_row = 5")) == 500_000
    return Case(GP, csv_bytes(h, rows), ident(ROWS), marks={(5, "Notes", "overlong_field")}, changed={5: check}), \
        csv_bytes(h, [r if i != 4 else r[:9] + [sample(GP)[1][4][9]] for i, r in enumerate(rows)])


# ---------------------------------------------------------------- JSONL

PROBATION = "probation_events.jsonl"


def jsonl(objs: list[dict | str], eol: str = "\n") -> bytes:
    return (eol.join(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objs) + eol).encode()


def probation() -> list[dict]:
    return [json.loads(line) for line in jsonl_sample()]


@case
def jsonl_number_where_others_hold_text():
    objs = probation()
    objs[2]["pnc"] = 20090123456
    objs[2]["crn"] = 123456

    def check(con):
        assert one(con, "SELECT local_id FROM person_mentions WHERE source_row = 3") == "probation:123456"
    return Case(PROBATION, jsonl(objs), ident(ROWS), marks={(3, "pnc", "unexpected_json_type"),
                                                              (3, "crn", "unexpected_json_type")},
                changed={3: check}), jsonl(probation())


@case
def jsonl_nested_value_where_others_hold_text():
    objs = probation()
    objs[1]["notes"] = {"text": "see file", "by": ["a", "b"]}

    def check(con):
        assert json.loads(one(con, "SELECT summary FROM records WHERE source_row = 2")) == objs[1]["notes"]
    return Case(PROBATION, jsonl(objs), ident(ROWS), marks={(2, "notes", "unexpected_json_type")},
                changed={2: check}), jsonl(probation())


@case
def jsonl_text_where_others_hold_an_object():
    objs = probation()
    objs[4]["address"] = "14 Ash Grove, Ketterby"
    return Case(PROBATION, jsonl(objs), ident(ROWS), marks={(5, "address", "unexpected_json_type")},
                changed={5: lambda con: None}), jsonl(probation())


@case
def jsonl_first_line_damaged_and_short():
    objs = probation()
    lines = ['{"crn": "X1", "event": "Breach"', *[json.dumps(o) for o in objs]]
    return Case(PROBATION, ("\n".join(lines) + "\n").encode(), {i + 1: i for i in range(1, ROWS + 1)},
                {1: "line is not valid JSON"}), jsonl(probation())


@case
def jsonl_not_an_object_and_blank_lines():
    objs = probation()
    lines = [json.dumps(objs[0]), "[1, 2]", "", json.dumps(objs[1]), '"text"', *[json.dumps(o) for o in objs[2:]]]
    return Case(PROBATION, ("\n".join(lines) + "\n").encode(), {1: 1, 4: 2, 6: 3, 7: 4, 8: 5, 9: 6},
                {2: "line is not a JSON object", 3: "blank line", 5: "line is not a JSON object"}), \
        jsonl(probation())


@case
def jsonl_truncated_last_line():
    data = jsonl(probation()).rstrip(b"\n")
    return Case(PROBATION, data[:-15], ident(ROWS - 1), {ROWS: "line is not valid JSON"}), jsonl(probation())


@case
def jsonl_crlf_and_bom():
    return Case(PROBATION, b"\xef\xbb\xbf" + jsonl(probation(), eol="\r\n"), ident(ROWS)), jsonl(probation())


@case
def jsonl_nulls_booleans_and_lists():
    objs, base = probation(), probation()
    objs[0]["pnc"] = base[0]["pnc"] = None
    objs[0]["flags"] = [True, "x", 3]  # a column no layout reads
    objs[1]["rosh"] = True

    def check(con):
        assert json.loads(one(con, "SELECT attrs FROM records WHERE source_row = 2"))["rosh"] == "true"
    return Case(PROBATION, jsonl(objs), ident(ROWS), marks={(2, "rosh", "unexpected_json_type")},
                changed={2: check}), jsonl(base)


# ---------------------------------------------------------------- XLSX

CSC = "csc_episodes.xlsx"


@cache
def csc_rows() -> tuple[list[str], list[list]]:
    import fastexcel

    frame = fastexcel.read_excel(WORLD / CSC).load_sheet("Episodes", n_rows=ROWS, dtypes="string").to_polars()
    return list(frame.columns), [list(r) for r in frame.rows()]


def xlsx(rows: list[list], *, formulas: dict[tuple[int, int], tuple[str, str | None]] | None = None) -> bytes:
    """A CSC workbook of these rows; `formulas` puts formula cells at (row, col) with an optional saved value."""
    import tempfile

    import xlsxwriter

    h, _ = csc_rows()
    path = Path(tempfile.mkdtemp(prefix="corpus-")) / "w.xlsx"
    with xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False}) as wb:
        ws = wb.add_worksheet("Episodes")
        for j, c in enumerate(h):
            ws.write_string(0, j, c)
        for i, r in enumerate(rows, start=1):
            for j, v in enumerate(r):
                if formulas and (i, j) in formulas:
                    continue
                if v is not None:
                    ws.write_string(i, j, str(v))
        for (i, j), (f, value) in (formulas or {}).items():
            ws.write_formula(i, j, f, None, value if value is not None else 0)
    data = path.read_bytes()
    if formulas and any(v is None for _, v in formulas.values()):
        data = _drop_cached_values(data)
    return data


def _drop_cached_values(data: bytes) -> bytes:
    """Remove the <v> of formula cells whose saved value is the 0 placeholder (as a program would write them)."""
    import re

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(rb"(<f>[^<]*</f>)<v>0</v>", rb"\1", content)
            dst.writestr(item, content)
    return out.getvalue()


def csc_clean() -> bytes:
    return xlsx(csc_rows()[1])


@case
def xlsx_clean():
    return Case(CSC, csc_clean(), ident(ROWS)), csc_clean()


@case
def xlsx_formula_without_saved_value():
    h, rows = csc_rows()
    col = h.index("Forename")

    def check(con):
        assert one(con, "SELECT forename FROM person_mentions WHERE source_row = 2") is None
    return Case(CSC, xlsx(rows, formulas={(2, col): ('UPPER("x")', None)}), ident(ROWS),
                marks={(2, "Forename", "formula_without_value")}, changed={2: check}), csc_clean()


@case
def xlsx_formula_with_saved_value_reads_the_value():
    h, rows = csc_rows()
    col = h.index("Surname")
    return Case(CSC, xlsx(rows, formulas={(3, col): (f'"{rows[2][col]}"', rows[2][col])}), ident(ROWS)), csc_clean()


@case
def xlsx_row_of_formulas_only():
    h, rows = csc_rows()
    rows = [list(r) for r in rows]
    rows[3] = [None] * len(h)
    formulas = {(4, j): ("1+1", None) for j in range(len(h))}
    return Case(CSC, xlsx(rows, formulas=formulas), ident(ROWS),
                marks={(4, c, "formula_without_value") for c in h}, changed={4: lambda con: None}), csc_clean()


@case
def xlsx_blank_row_and_repeated_header():
    h, rows = csc_rows()
    return Case(CSC, xlsx(rows[:2] + [[None] * len(h), h] + rows[2:]), {1: 1, 2: 2, 5: 3, 6: 4, 7: 5, 8: 6},
                {3: "blank row", 4: "repeated header"}), csc_clean()


# ---------------------------------------------------------------- the corpus

@pytest.mark.parametrize("kind", sorted(CASES))
def test_corpus(kind):
    c, clean_data = CASES[kind]()
    run(c, clean_data)


def test_corpus_has_at_least_forty_kinds():
    assert len(CASES) + len(FAILING) >= 40


# Files with nothing readable fail whole, with a message naming the file and never its data.
FAILING = {
    "truncated_zip": (CSC, lambda: csc_clean()[:2000], "not a readable XLSX workbook"),
    "not_a_zip": (CSC, lambda: b"PK\x03\x04" + b"\x00" * 100, "not a readable XLSX workbook"),
    "duplicate_column_the_layout_reads": (
        RELS, lambda: csv_bytes(sample(RELS)[0] + ["Related Name"], [r + ["x"] for r in sample(RELS)[1]]),
        "duplicate column names in the header (columns 2, 6)"),
}


@pytest.mark.parametrize("kind", sorted(FAILING))
def test_unreadable_files_fail_whole_naming_the_file(kind):
    name, make, message = FAILING[kind]
    con = _store()
    rep = ingest_file(con, _write(name, make()))
    assert rep.status == "failed" and rep.message.startswith(name) and message in rep.message, rep.message
    assert one(con, "SELECT count(*) FROM records") == 0


def test_same_content_under_another_name_is_refused(tmp_path):
    con = _store()
    first = tmp_path / "police_occurrences.csv"
    first.write_bytes(police_clean())
    (tmp_path / "other").mkdir()
    second = tmp_path / "other" / "police_occurrences (1).csv"
    second.write_bytes(police_clean())
    assert ingest_file(con, first).status == "ingested"
    rep = ingest_file(con, second)
    assert rep.status == "failed"
    assert rep.message == ("police_occurrences (1).csv: the same content is already stored as "
                           "police_occurrences.csv; not stored twice")
    assert one(con, "SELECT count(*) FROM records") == ROWS


def test_same_content_twice_in_one_run_is_stored_once(tmp_path):
    con = _store()
    (tmp_path / "police_occurrences.csv").write_bytes(police_clean())
    (tmp_path / "police_occurrences (1).csv").write_bytes(police_clean())
    first, second = ingest_paths(con, [tmp_path])  # in name order: ' (1)' sorts before '.csv'
    assert (first.source_file, first.status) == ("police_occurrences (1).csv", "ingested")
    assert second.status == "failed" and second.message == (
        "police_occurrences.csv: the same content as police_occurrences (1).csv, ingested in this run; "
        "not stored twice")
    assert one(con, "SELECT count(*) FROM records") == ROWS


def test_layout_recognition_reads_only_the_first_row_of_each_sheet():
    import fastexcel

    from chronolink.engine.ingest.xlsx_reader import sheet_headers

    path = _write(CSC, csc_clean())  # xlsxwriter: shared strings; the sample: inline strings
    for p in (path, WORLD / CSC):
        reader = fastexcel.read_excel(p)
        expected = {n: [str(c) for c in reader.load_sheet(n, n_rows=1, dtypes="string").to_polars().columns]
                    for n in reader.sheet_names}
        assert sheet_headers(p) == expected
