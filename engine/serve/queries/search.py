"""Find a person: by name (nicknames, misspellings, surname written first), date of birth, NHS number,
UPN, PNC id or an agency's own id, with the linker's own normalisers; every hit says why it matched."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import polars as pl

from chronolink.engine.chronology.display import display_names
from chronolink.engine.normalise import nhs_number, nickname_table, pnc_id, split_full_name, upn

SIMILAR = 0.88  # Jaro-Winkler at or above this is "spelled similarly"
LIMIT = 50


@dataclass(frozen=True)
class Query:
    """What the analyst typed, normalised as the linker normalises records."""

    forename: str | None = None
    surname: str | None = None
    dob: dt.date | None = None
    nhs: str | None = None
    upn: str | None = None
    pnc: str | None = None
    local: str | None = None

    @property
    def empty(self) -> bool:
        return not any((self.surname, self.forename, self.dob, self.nhs, self.upn, self.pnc, self.local))


@dataclass
class Hit:
    """A person found, and why."""

    person_id: str
    name: str
    dob: dt.date | None
    agencies: list[str]
    score: int
    reasons: list[str] = field(default_factory=list)


def parse_query(name: str = "", dob: str = "", identifier: str = "") -> Query:
    """Normalise the form's three fields with the linker's normalisers."""
    fore = sur = None
    if name.strip():
        parts = pl.DataFrame({"n": [name]}).select(split_full_name(pl.col("n")).alias("s")).unnest("s").row(0, named=True)
        fore, sur = parts["forename"], parts["surname"]
        if fore is None and sur is not None:  # one word: search it as a surname or a forename
            fore = sur
    when = None
    if dob.strip():
        try:
            when = dt.date.fromisoformat(dob.strip())
        except ValueError:
            when = None
    ident = identifier.strip()
    nhs_v = upn_v = pnc_v = local = None
    if ident:
        frame = pl.DataFrame({"x": [ident]}).select(
            nhs_number(pl.col("x")).struct.field("value").alias("nhs"),
            upn(pl.col("x")).struct.field("value").alias("upn"),
            pnc_id(pl.col("x")).struct.field("value").alias("pnc"))
        nhs_v, upn_v, pnc_v = frame.row(0)
        local = ident.upper().replace(" ", "")
    return Query(fore, sur, when, nhs_v, upn_v, pnc_v, local)


_SQL = f"""
WITH sn AS (
  SELECT surname, surname = $sur AS exact, jaro_winkler_similarity(surname, $sur) AS jw
  FROM (SELECT DISTINCT surname FROM person_mentions WHERE surname IS NOT NULL)
  WHERE $sur IS NOT NULL AND (surname = $sur OR jaro_winkler_similarity(surname, $sur) >= {SIMILAR})
), fn_nick AS (
  SELECT DISTINCT o.name FROM __nick q JOIN __nick o ON o.canonical = q.canonical WHERE q.name = $fore
), m AS (
  SELECT m.person_id, m.forename, m.surname, m.preferred_forename, m.dob, m.nhs_number, m.upn, m.pnc, m.local_id,
         sn.exact AS sn_exact, sn.jw AS sn_jw,
         coalesce(m.forename = $sur AND m.surname = $fore AND $fore <> $sur, false) AS swapped
  FROM person_mentions m
  LEFT JOIN sn ON sn.surname = m.surname
  WHERE m.person_id IS NOT NULL AND (sn.surname IS NOT NULL OR (m.forename = $sur AND m.surname = $fore)
        OR m.person_id = $local
        OR (m.forename = $fore AND m.dob = $dob) OR m.dob = $dob OR m.nhs_number = $nhs OR m.upn = $upn OR m.pnc = $pnc
        OR (m.local_id IS NOT NULL AND $local IS NOT NULL AND upper(split_part(m.local_id, ':', 2)) = $local))
), why AS (
  SELECT person_id,
    CASE WHEN person_id = $local THEN 'person id ' || person_id
         WHEN nhs_number = $nhs THEN 'NHS number ' || nhs_number END AS r_nhs,
    CASE WHEN upn = $upn THEN 'UPN ' || upn END AS r_upn,
    CASE WHEN pnc = $pnc THEN 'PNC id ' || pnc END AS r_pnc,
    CASE WHEN $local IS NOT NULL AND upper(split_part(local_id, ':', 2)) = $local
         THEN 'agency id ' || local_id END AS r_local,
    CASE WHEN swapped THEN 'name written surname first (' || forename || ' ' || surname || ')'
         WHEN sn_exact THEN 'surname ' || surname
         WHEN sn_jw IS NOT NULL THEN 'surname spelled similarly (' || surname || ')' END AS r_sn,
    CASE WHEN $fore IS NULL OR swapped THEN NULL
         WHEN forename = $fore OR preferred_forename = $fore THEN 'forename ' || $fore
         WHEN forename IN (SELECT name FROM fn_nick) OR preferred_forename IN (SELECT name FROM fn_nick)
              THEN 'forename ' || forename || ', a form of ' || $fore
         WHEN jaro_winkler_similarity(forename, $fore) >= {SIMILAR}
              THEN 'forename spelled similarly (' || forename || ')'
         WHEN left(forename, 1) = left($fore, 1) AND (length(forename) = 1 OR length($fore) = 1)
              THEN 'initial ' || left(forename, 1) END AS r_fn,
    CASE WHEN $dob IS NULL OR dob IS NULL THEN NULL
         WHEN dob = $dob THEN 'date of birth ' || strftime(dob, '%d/%m/%Y')
         WHEN day(dob) = month($dob) AND month(dob) = day($dob) AND year(dob) = year($dob)
              THEN 'date of birth with day and month swapped (' || strftime(dob, '%d/%m/%Y') || ')'
         WHEN month(dob) = month($dob) AND day(dob) = day($dob) AND abs(year(dob) - year($dob)) = 1
              THEN 'date of birth a year out (' || strftime(dob, '%d/%m/%Y') || ')' END AS r_dob
  FROM m
), scored AS (
  SELECT person_id,
    (CASE WHEN r_nhs IS NOT NULL OR r_upn IS NOT NULL OR r_pnc IS NOT NULL OR r_local IS NOT NULL THEN 100 ELSE 0 END
     + CASE WHEN r_sn LIKE 'name written surname first%' THEN 32
            WHEN r_sn LIKE 'surname %' AND r_sn NOT LIKE '%similarly%' THEN 20 WHEN r_sn IS NOT NULL THEN 14 ELSE 0 END
     + CASE WHEN r_fn LIKE 'forename % a form of %' THEN 12 WHEN r_fn LIKE '%similarly%' THEN 8
            WHEN r_fn LIKE 'initial%' THEN 4 WHEN r_fn IS NOT NULL THEN 15 ELSE 0 END
     + CASE WHEN r_dob LIKE '%swapped%' OR r_dob LIKE '%year out%' THEN 10 WHEN r_dob IS NOT NULL THEN 20 ELSE 0 END
    ) AS score,
    list_filter([r_nhs, r_upn, r_pnc, r_local, r_sn, r_fn, r_dob], x -> x IS NOT NULL) AS reasons
  FROM why
)
SELECT person_id, max(score) AS score, arg_max(reasons, score) AS reasons
FROM scored
WHERE score >= $floor
GROUP BY person_id ORDER BY score DESC, person_id LIMIT {LIMIT}
"""


_TYPES = {"fore": "VARCHAR", "sur": "VARCHAR", "dob": "DATE", "nhs": "VARCHAR", "upn": "VARCHAR", "pnc": "VARCHAR",
          "local": "VARCHAR"}
for _name, _type in _TYPES.items():
    _SQL = _SQL.replace(f"${_name}", f"CAST(${_name} AS {_type})")


def search(con: duckdb.DuckDBPyConnection, q: Query) -> list[Hit]:
    """People matching the query, best first, each with the reasons it matched."""
    if q.empty:
        return []
    # A hit needs an identifier, or a surname (or forename) and something else, or a date of birth and a name.
    floor = 100 if q.surname is None and q.dob is None else 20 if q.surname is not None and q.dob is None else 30
    if q.surname is None and q.dob is not None:
        floor = 20
    con.register("__nick", nickname_table())
    try:
        rows = con.execute(_SQL, {"fore": q.forename, "sur": q.surname, "dob": q.dob, "nhs": q.nhs, "upn": q.upn,
                                  "pnc": q.pnc, "local": q.local, "floor": floor}).fetchall()
    finally:
        con.unregister("__nick")
    ids = [r[0] for r in rows]
    names = display_names(con, ids)
    facts = {pid: (dob, agencies) for pid, dob, agencies in con.execute(
        "SELECT person_id, dob, agencies FROM person_facts WHERE person_id IN (SELECT unnest(?))", [ids]).fetchall()}
    return [Hit(pid, names[pid], facts.get(pid, (None, []))[0], list(facts.get(pid, (None, []))[1] or []), score,
                list(reasons)) for pid, score, reasons in rows]
