"""Find a person: by name (nicknames, misspellings, surname written first), date of birth, NHS number,
UPN, PNC id or an agency's own id, with the linker's own normalisers; every hit says why it matched."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import polars as pl

from chronolink.engine.chronology.display import display_names
from chronolink.engine.normalise import nhs_number, nickname_table, pnc_id, split_full_name, upn
from chronolink.engine.serve.queries.inbox import store_version
from chronolink.engine.store.lookup import in_list, keyed

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
    one_word: bool = False  # the name was one word: a surname or a forename

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
    one_word = False
    if name.strip():
        parts = pl.DataFrame({"n": [name]}).select(split_full_name(pl.col("n")).alias("s")).unnest("s").row(0, named=True)
        fore, sur = parts["forename"], parts["surname"]
        one_word = fore is None and sur is not None
        if one_word:  # one word: search it as a surname or a forename
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
    return Query(fore, sur, when, nhs_v, upn_v, pnc_v, local, one_word)


@dataclass
class Vocabulary:
    """The distinct surnames and forenames the store holds, and the agencies' id prefixes: what a
    misspelled name is compared with. Read once per store version (a batch run changes it)."""

    version: tuple
    surnames: pl.DataFrame  # name
    forenames: pl.DataFrame  # name (forenames and preferred forenames)
    prefixes: list[str]  # of local ids: csc, police, ...


def vocabulary(con: duckdb.DuckDBPyConnection, kept: Vocabulary | None = None) -> Vocabulary:
    """The store's name vocabulary; `kept` is reused while the store is unchanged."""
    version = store_version(con)
    if kept is not None and kept.version == version:
        return kept
    surnames = con.execute("SELECT DISTINCT surname AS name FROM person_mentions WHERE surname IS NOT NULL "
                           "ORDER BY 1").pl()
    forenames = con.execute("""SELECT DISTINCT name FROM (
                                 SELECT forename AS name FROM person_mentions UNION ALL
                                 SELECT preferred_forename FROM person_mentions) WHERE name IS NOT NULL ORDER BY 1
                            """).pl()
    prefixes = [p for (p,) in con.execute("SELECT DISTINCT split_part(local_id, ':', 1) FROM person_mentions "
                                          "WHERE local_id IS NOT NULL ORDER BY 1").fetchall()]
    return Vocabulary(version, surnames, forenames, prefixes)


def _near(con: duckdb.DuckDBPyConnection, names: pl.DataFrame, word: str | None) -> pl.DataFrame:
    """(name, exact, jw) of the names equal to `word` or spelled similarly."""
    if word is None:
        return pl.DataFrame(schema={"name": pl.String, "exact": pl.Boolean, "jw": pl.Float64})
    con.register("__names", names)
    try:
        return con.execute(f"""SELECT name, name = $w AS exact, jaro_winkler_similarity(name, $w) AS jw FROM __names
                               WHERE name = $w OR jaro_winkler_similarity(name, $w) >= {SIMILAR}""",
                           {"w": word}).pl()
    finally:
        con.unregister("__names")


def _forms(word: str) -> list[str]:
    """Other forms of a forename in the linker's nickname table (Gracie for Grace), itself included."""
    nick = nickname_table()
    heads = nick.filter(pl.col("name") == word)["canonical"]
    return sorted(set(nick.filter(pl.col("canonical").is_in(heads.implode()))["name"].to_list()) | {word})


_MENTION = "mention_id, person_id, forename, surname, preferred_forename, dob, nhs_number, upn, pnc, local_id"


def _candidates(con: duckdb.DuckDBPyConnection, q: Query, vocab: Vocabulary, surnames: list[str],
                forenames: list[str]) -> pl.DataFrame:
    """The mentions that could match: each read by one key, so an index answers it (engine.serve.lookups)."""
    keys: list[tuple[str, list]] = [("surname", surnames)]
    if q.one_word:  # a forename alone: its forms and spellings
        keys += [("forename", forenames), ("preferred_forename", forenames)]
    elif q.surname is not None and q.forename is not None:  # written surname first
        keys.append(("forename", [q.surname]))
    if q.dob is not None:
        keys.append(("dob", [q.dob]))
    for column, value in (("nhs_number", q.nhs), ("upn", q.upn), ("pnc", q.pnc), ("person_id", q.local)):
        if value is not None:
            keys.append((column, [value]))
    if q.local is not None:
        keys.append(("local_id", sorted({f"{p}:{v}" for p in vocab.prefixes for v in (q.local, q.local.lower())})))
    ctes, params = [], []
    for i, (column, values) in enumerate(k for k in keys if k[1]):
        cte, ps = keyed(f"c{i}", "person_mentions", column, values, _MENTION)
        ctes.append(cte)
        params += ps
    if not ctes:
        return pl.DataFrame(schema={c.strip(): pl.String for c in _MENTION.split(",")})
    union = " UNION ".join(f"SELECT * FROM c{i}" for i in range(len(ctes)))
    return con.execute(f"WITH {', '.join(ctes)} SELECT * FROM ({union}) WHERE person_id IS NOT NULL", params).pl()


_SQL = f"""
WITH m AS (
  SELECT m.person_id, m.forename, m.surname, m.preferred_forename, m.dob, m.nhs_number, m.upn, m.pnc, m.local_id,
         sn.exact AS sn_exact, sn.jw AS sn_jw,
         coalesce(m.forename = $sur AND m.surname = $fore AND $fore <> $sur, false) AS swapped
  FROM __candidates m LEFT JOIN __sn sn ON sn.name = m.surname
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
         WHEN list_contains($forms, forename) OR list_contains($forms, preferred_forename)
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
          "local": "VARCHAR", "forms": "VARCHAR[]"}
for _name, _type in _TYPES.items():
    _SQL = _SQL.replace(f"${_name}", f"CAST(${_name} AS {_type})")


def search(con: duckdb.DuckDBPyConnection, q: Query, vocab: Vocabulary | None = None) -> list[Hit]:
    """People matching the query, best first, each with the reasons it matched. Pass the `vocabulary`
    kept from an earlier search (it is read again when the store has changed)."""
    if q.empty:
        return []
    # A hit needs an identifier, or a surname (or forename) and something else, or a date of birth and a name;
    # a name of one word is a surname, or a forename (exact or another form of it).
    floor = 100 if q.surname is None and q.dob is None else 20 if q.surname is not None and q.dob is None else 30
    if q.surname is None and q.dob is not None:
        floor = 20
    if q.one_word and q.dob is None:
        floor = 12
    vocab = vocabulary(con, vocab)
    sn = _near(con, vocab.surnames, q.surname)
    forms = _forms(q.forename) if q.forename is not None else []
    forenames = sorted(set(forms) | set(_near(con, vocab.forenames, q.forename)["name"].to_list())) if q.one_word \
        else forms
    cands = _candidates(con, q, vocab, sn["name"].to_list(), forenames)
    con.register("__candidates", cands)
    con.register("__sn", sn)
    try:
        rows = con.execute(_SQL, {"fore": q.forename, "sur": q.surname, "dob": q.dob, "nhs": q.nhs, "upn": q.upn,
                                  "pnc": q.pnc, "local": q.local, "forms": forms, "floor": floor}).fetchall()
    finally:
        con.unregister("__candidates")
        con.unregister("__sn")
    ids = [r[0] for r in rows]
    names = display_names(con, ids)
    in_ids, params = in_list(ids)
    facts = {pid: (dob, agencies) for pid, dob, agencies in con.execute(
        f"SELECT person_id, dob, agencies FROM person_facts WHERE person_id IN {in_ids}", params).fetchall()}
    return [Hit(pid, names[pid], facts.get(pid, (None, []))[0], list(facts.get(pid, (None, []))[1] or []), score,
                list(reasons)) for pid, score, reasons in rows]
