"""Write small extracts of any built-in layout (headers from the mapping files), for fuzz and security tests."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping as MappingT
from collections.abc import Sequence
from pathlib import Path

from chronolink.engine.ingest import builtin_mappings
from chronolink.schemas.models import Mapping


def mapping(layout: str) -> Mapping:
    """The built-in mapping of a layout."""
    return next(m for m in builtin_mappings() if m.layout == layout)


def text_layouts() -> list[Mapping]:
    """Every CSV and JSONL layout."""
    return [m for m in builtin_mappings() if m.format in ("csv", "jsonl")]


def header(m: Mapping) -> list[str]:
    """A valid header: every column the mapping reads, required ones first."""
    return list(m.required_columns) + sorted(m.columns_used() - set(m.required_columns))


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """RFC 4180 CSV, every field quoted (as most agency systems write it)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


def nest(row: MappingT[str, str]) -> dict:
    """A flat row with dotted names (`address.line1`) as a nested JSON object."""
    obj: dict = {}
    for key, value in row.items():
        parts = key.split(".")
        target = obj
        for p in parts[:-1]:
            target = target.setdefault(p, {})
        target[parts[-1]] = value
    return obj


def write_layout(folder: Path, layout: str, rows: Sequence[MappingT[str, str]], *, name: str | None = None,
                 encoding: str = "utf-8") -> Path:
    """Write rows (column -> value; missing columns empty) as an extract of `layout`."""
    m = mapping(layout)
    cols = header(m)
    folder.mkdir(parents=True, exist_ok=True)
    if m.format == "jsonl":
        path = folder / (name or f"{layout}.jsonl")
        lines = [json.dumps(nest({c: r.get(c, "") for c in cols}), ensure_ascii=False) for r in rows]
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
        return path
    if m.format == "xlsx":
        import xlsxwriter

        path = folder / (name or f"{layout}.xlsx")
        with xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                             "strings_to_urls": False}) as wb:
            ws = wb.add_worksheet(m.sheet or "Sheet1")
            for j, c in enumerate(cols):
                ws.write_string(0, j, c)
            for i, r in enumerate(rows, start=1):
                for j, c in enumerate(cols):
                    if r.get(c):
                        ws.write_string(i, j, r[c])
        return path
    path = folder / (name or f"{layout}.csv")
    path.write_bytes(csv_text(cols, [[r.get(c, "") for c in cols] for r in rows]).encode(encoding))
    return path


def identifying_world(folder: Path) -> Path:
    """One small extract of every layout, full of distinctive names, identifiers and postcodes.

    Every value is unusual enough that finding it in an output means it leaked.
    """
    from tests.ingest.helpers import police_row, write_police

    folder.mkdir(parents=True, exist_ok=True)
    write_police(folder / "police_occurrences.csv", [
        police_row(ref="OCC/2019/004711", when="03/05/2019 21:10", summary="Neighbour QUIXBY called in",
                   nominal="N0047110", surname="ZAQUILLON", forenames="XAVIERO QUENTIN", dob="17/08/1984",
                   pnc="84/0123456X", home="7 QUARRYVALE CLOSE, KETTERBY, NN15 6QZ"),
        police_row(ref="OCC/2020/008822", when="11/01/2020 08:00", kind="BAIL", nominal="N0047110",
                   surname="ZAQUILLON", forenames="XAVIERO", dob="17/08/1984", bail="21 WYXHAM ROW, CORBY, NN17 2XJ",
                   home="7 QUARRYVALE CLOSE, KETTERBY, NN15 6QZ",
                   conditions="Not to contact ZOWELLA"),
    ])
    write_layout(folder, "gp_consultations", [
        {"NHS Number": "943 476 5919", "Patient Name": "Zowella Quimby-Zaquillon", "Date of Birth": "02-Feb-2013",
         "Date": "14-Mar-2020", "Type": "Injury", "Sex": "Female", "Address": "7 Quarryvale Close, Ketterby",
         "Postcode": "NN15 6QZ", "Clinician": "DR XENOPHAX", "Notes": "Bruise seen by QUIXBY"},
    ])
    write_layout(folder, "school_safeguarding", [
        {"UPN": "H801200001001", "Legal Forename": "Zowella", "Legal Surname": "Quimby", "Preferred Forename": "Zozo",
         "DOB": "02/02/2013", "Gender": "F", "Incident Date": "20/06/2021", "Category": "Disclosure",
         "Details": "Told Mrs Xylander", "Address": "7 Quarryvale Close", "Postcode": "NN15 6QZ",
         "Carer 1 Name": "Quella Quimby", "Carer 1 Relationship": "Mother", "Carer 2 Name": "Xaviero Zaquillon",
         "Carer 2 Relationship": "Step-father", "Year Group": "3", "Action": "Referral"},
    ], encoding="cp1252")
    write_layout(folder, "probation_events", [
        {"crn": "X998877", "event": "Licence Start", "event_date": "2021-02-01", "name.forename": "Xaviero",
         "name.surname": "Zaquillon", "dob": "1984-08-17", "pnc": "84/0123456X", "address.line1": "21 Wyxham Row",
         "address.town": "Corby", "address.postcode": "NN17 2XJ", "notes": "Lives near QUIXBY", "rosh": "High"},
    ])
    write_layout(folder, "housing_tenancies", [
        {"Tenancy Ref": "TEN-778899", "Address": "Flat 3, 9 Yzerfontein Court, Ketterby", "Postcode": "NN14 9ZZ",
         "Event": "Tenancy Start", "Event Date": "2018-09-01", "Lead Tenant Name": "Quella Quimby",
         "Lead Tenant DOB": "1990-11-30", "UPRN": "100031234567",
         "Household": "Zowella Quimby (02/02/2013, daughter); Qwyneth Quimby (05/05/2016, Daughter)"},
    ])
    write_layout(folder, "mash_referrals", [
        {"Referral ID": "MR-55501", "Received": "01/07/2021 09:30", "Child Forename": "Qwyneth",
         "Child Surname": "Quimby", "Child DOB": "05/05/2016", "Address": "7 Quarryvale Close", "Postcode": "NN15 6QZ",
         "Referrer Agency": "Education", "Concern": "Sibling of ZOWELLA"},
    ])
    write_layout(folder, "csc_relationships", [
        {"Person ID": "LA7766554", "Related Name": "Xaviero Zaquillon", "Relationship": "Stepfather",
         "Related DOB": "17/08/1984", "Related Address": "21 Wyxham Row, Corby NN17 2XJ"},
    ])
    write_layout(folder, "csc_episodes", [
        {"Person ID": "LA7766554", "Forename": "Zowella", "Surname": "Quimby", "DOB": "2013-02-02",
         "Gender": "Female", "NHS Number": "9434765919", "Episode": "Referral", "Start Date": "2021-07-02",
         "Address": "7 Quarryvale Close", "Postcode": "NN15 6QZ", "Notes": "Mother Quella engaged", "Team": "MASH"},
    ])
    return folder


def identifying_values(con) -> set[str]:
    """Every raw identifying value in a store: names, identifiers, dates of birth, addresses, free text."""
    values: set[str] = set()
    queries = [
        "SELECT name_raw, forename, middle_names, surname, preferred_forename, nhs_number, upn, pnc, local_id, "
        "split_part(local_id, ':', 2), CAST(dob AS VARCHAR), strftime(dob, '%d/%m/%Y') FROM person_mentions",
        "SELECT raw, postcode, replace(postcode, ' ', ''), street, building, uprn FROM address_mentions",
        "SELECT summary, ref FROM records",
    ]
    for sql in queries:
        for row in con.execute(sql).fetchall():
            for value in row:
                if value is None:
                    continue
                values.add(str(value))
                values.update(w for w in str(value).replace(",", " ").split() if len(w) >= 4 and any(
                    c.isalpha() for c in w) and w.upper() not in _COMMON_WORDS)
    return {v for v in values if len(v) >= 4}


# Ordinary words of addresses and notes that may appear in an export for other reasons.
_COMMON_WORDS = {"CLOSE", "ROAD", "FLAT", "COURT", "CALLED", "LIVES", "NEAR", "SEEN", "TOLD", "MOTHER", "SIBLING",
                 "ENGAGED", "BRUISE", "NEIGHBOUR", "CONTACT", "FATHER", "DAUGHTER", "STEP-FATHER",
                 "STEPFATHER", "DOMESTIC", "INCIDENT"}
