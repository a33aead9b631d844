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
