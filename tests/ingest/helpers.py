"""Small hand-written extracts for ingest tests."""
from __future__ import annotations

from pathlib import Path

POLICE_HEADER = ["OccurrenceRef", "OccurrenceDateTime", "OccurrenceType", "Summary", "NominalRef", "NominalRole",
                 "Surname", "Forenames", "DOB", "Gender", "PNCID", "HomeAddress", "BailAddress", "BailConditions",
                 "Markers"]


def quoted(fields: list[str]) -> str:
    """A police-style all-quoted CSV line."""
    return ",".join('"' + f.replace('"', '""') + '"' for f in fields)


def police_row(ref: str = "OCC/2021/000001", when: str = "01/02/2021 10:00", kind: str = "DOMESTIC",
               summary: str = "Domestic incident", nominal: str = "N0000001", role: str = "SUSPECT",
               surname: str = "HART", forenames: str = "DANIEL JAMES", dob: str = "12/04/1985",
               gender: str = "M", pnc: str = "", home: str = "14 ASH GROVE, KETTERBY, NN16 8QT",
               bail: str = "", conditions: str = "", markers: str = "") -> list[str]:
    """One police nominal row with sensible defaults."""
    return [ref, when, kind, summary, nominal, role, surname, forenames, dob, gender, pnc, home, bail, conditions,
            markers]


def write_police(path: Path, rows: list[list[str]], *, bom: bool = True, encoding: str = "utf-8") -> Path:
    """Write a police extract the way the police system exports it."""
    text = "\r\n".join([quoted(POLICE_HEADER)] + [quoted(r) for r in rows]) + "\r\n"
    data = text.encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path

CSC_HEADER = ["Person ID", "Forename", "Surname", "DOB", "Gender", "NHS Number", "Address", "Postcode", "Episode",
              "Start Date", "End Date", "Outcome", "Team", "Notes"]
SCHOOL_HEADER = ["UPN", "Legal Forename", "Preferred Forename", "Legal Surname", "DOB", "Gender", "Year Group",
                 "Address", "Postcode", "Incident Date", "Category", "Details", "Action", "Carer 1 Name",
                 "Carer 1 Relationship", "Carer 1 Phone", "Carer 2 Name", "Carer 2 Relationship", "Carer 2 Phone"]


def write_csc(path: Path, rows: list[dict]) -> Path:
    """Write a CSC episodes workbook; date fields given as datetime.date become Excel date cells."""
    import datetime as dt

    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as wb:
        ws = wb.add_worksheet("Episodes")
        fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
        for j, h in enumerate(CSC_HEADER):
            ws.write_string(0, j, h)
        for i, row in enumerate(rows, start=1):
            for j, h in enumerate(CSC_HEADER):
                v = row.get(h)
                if isinstance(v, dt.date):
                    ws.write_datetime(i, j, dt.datetime(v.year, v.month, v.day), fmt)
                elif v is not None:
                    ws.write_string(i, j, str(v))
    return path


def write_school(path: Path, rows: list[dict]) -> Path:
    """Write a school safeguarding log in Windows-1252."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(SCHOOL_HEADER)
    for r in rows:
        w.writerow([r.get(h, "") for h in SCHOOL_HEADER])
    path.write_bytes(buf.getvalue().encode("cp1252", errors="replace"))
    return path
