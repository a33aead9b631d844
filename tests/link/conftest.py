"""Small synthetic stores for linkage tests: a helper that writes person and address mentions."""
from __future__ import annotations

import datetime as dt
import itertools

import duckdb
import pytest

from chronolink.engine.store import schema_sql

_COLS = ("mention_id", "record_id", "file_seq", "source_file", "source_row", "slot", "agency", "role", "forename",
         "middle_names", "surname", "preferred_forename", "name_suffix", "dob", "dob_status", "sex", "nhs_number",
         "nhs_valid", "upn", "upn_valid", "pnc", "pnc_valid", "local_id", "address_mention_id", "event_date")


def nhs(seed: int) -> str:
    """A valid (mod 11) NHS number derived from `seed`."""
    for k in itertools.count(seed * 10):
        body = f"{k % 10**9:09d}"
        c = (11 - sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11) % 11
        if c != 10:
            return body + str(c)
    raise AssertionError


class StoreBuilder:
    """Adds rows to an in-memory store in the person_mentions / address_mentions layout."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(schema_sql())
        self.rows = 0

    def add(self, forename: str | None, surname: str | None, dob: str | None = None, *, address: str | None = None,
            postcode: str | None = None, sex: str | None = None, nhs_number: str | None = None,
            local_id: str | None = None, upn: str | None = None, file: str = "gp_consultations.csv",
            slot: str = "patient", agency: str = "health", role: str | None = None, middle: str | None = None,
            suffix: str | None = None, pref: str | None = None, event: str = "2024-01-01", row: int | None = None,
            record_row: int | None = None, slot_index: int = 0, uprn: str | None = None) -> int:
        """Add one mention (and its address); returns the mention id."""
        self.rows += 1
        r = row or self.rows
        rec = 1_000_000_000 + (record_row or r) * 100
        mid = rec + slot_index
        amid = None
        if address or postcode:
            amid = rec + 10 + slot_index
            self.con.execute(
                "INSERT INTO address_mentions (address_mention_id, record_id, file_seq, source_file, source_row, field, raw, postcode, uprn)"
                " VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)", [amid, rec, file, record_row or r, f"Address{slot_index}", address, postcode, uprn])
        vals = dict(mention_id=mid, record_id=rec, file_seq=1, source_file=file, source_row=record_row or r, slot=slot,
                    agency=agency, role=role, forename=forename, middle_names=middle, surname=surname,
                    preferred_forename=pref, name_suffix=suffix, dob=dt.date.fromisoformat(dob) if dob else None,
                    dob_status="ok" if dob else "missing", sex=sex, nhs_number=nhs_number, nhs_valid=bool(nhs_number),
                    upn=upn, upn_valid=bool(upn), pnc=None, pnc_valid=False, local_id=local_id,
                    address_mention_id=amid, event_date=dt.date.fromisoformat(event))
        self.con.execute(f"INSERT INTO person_mentions ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})",
                         [vals[c] for c in _COLS])
        return mid

    def person_of(self, mention_id: int) -> str:
        """person_id of a mention after linking."""
        return self.con.execute("SELECT person_id FROM person_mentions WHERE mention_id = ?", [mention_id]).fetchall()[0][0]

    def place_of(self, mention_id: int) -> str:
        """address_id of a mention's address after linking."""
        return self.con.execute("""SELECT a.address_id FROM person_mentions p JOIN address_mentions a USING (address_mention_id)
                                   WHERE p.mention_id = ?""", [mention_id]).fetchall()[0][0]


@pytest.fixture
def store() -> StoreBuilder:
    """A fresh in-memory store."""
    return StoreBuilder()


def background(s: StoreBuilder, n: int = 120) -> None:
    """Unrelated people so the model has non-matches to learn from, each recorded a few times with ids."""
    first = ["JAMES", "MARY", "AHMED", "ZOFIA", "LIAM", "PRIYA", "KWAME", "ELLEN", "TOMASZ", "GRACE", "OMAR", "NIAMH"]
    last = ["SMITH", "JONES", "KHAN", "NOWAK", "OKAFOR", "PATEL", "MURPHY", "EVANS", "WALSH", "HUSSAIN", "BROWN", "SCOTT"]
    streets = ["ELM ROAD", "OAK WAY", "ASH GROVE", "MILL LANE", "PARK CLOSE", "HIGH STREET"]
    for i in range(n):
        f, l = first[i % 12], last[(i * 7 + i // 12) % 12]
        dob = (dt.date(1950, 1, 1) + dt.timedelta(days=i * 211)).isoformat()
        addr = f"{i % 60 + 1} {streets[i % 6]}, TOWN{i % 3}"
        s.add(f, l, dob, address=addr, postcode=None, sex="M" if i % 2 else "F", nhs_number=nhs(1000 + i))
        s.add(f, l, dob, address=addr, file="police_occurrences.csv", slot="nominal", agency="police",
              local_id=f"police:N{i:07d}")
        s.add(f, l, dob, address=addr, file="csc_episodes.xlsx", slot="child", agency="csc", nhs_number=nhs(1000 + i),
              local_id=f"csc:LA{i:07d}")
