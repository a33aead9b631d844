"""The Fellegi-Sunter model `link-files` uses for a general person list (not an agency extract).

Two lists are not a county of households: their model is trained on the lists themselves, over
every field the mapping names, each compared on its own (given name, surname, date of birth, sex,
house number, street, town and postcode as one address, each identifier column). u comes from random pairs of rows.
m is counted, not left to EM: a comparison's m is the share of each level among its *anchor* pairs,
the blocked pairs that agree exactly on every other key field (given name, surname, date of birth
and each identifier; for the date of birth of a list without identifiers, the address too). EM over
all blocked pairs would take what a household shares (surname, address, a twin's date of birth) for
a person; the anchors are people the list itself vouches for. Only the prior is found by EM.

A key field is a *veto* (VETO_FIELDS) when the anchors show it reliable: at most VETO_SHARE of the
pairs that agree on everything else disagree on it beyond a typo (a valid NHS number always is). A
veto field's disagreement keeps two rows, and two clusters, apart (list_clustering.py). In FEBRL a
duplicate's identifier or date of birth is sometimes replaced outright, so there they only weigh; in
a GP list the same person's NHS number and forename do not change, so a twin is kept apart.

A list too small to estimate from uses DEFAULT_LEVELS, with DEFAULT_VETOES.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import polars as pl

from chronolink.engine.link.comparisons import Comparison, Level
from chronolink.engine.link.em import run_em
from chronolink.engine.link.settings import EmSettings
from chronolink.engine.normalise.names import nickname_table, variant_groups

MIN_ROWS = 200  # fewer rows: DEFAULT_LEVELS and DEFAULT_DUPLICATE_SHARE, not estimates
MIN_ANCHORS = 20  # fewer anchor pairs for a comparison: its DEFAULT_LEVELS m, and the default veto
U_PAIRS = 100_000
DEFAULT_DUPLICATE_SHARE = 0.1  # a small list: about one row in ten assumed to repeat another
TF_FLOOR = 1e-4
M_FLOOR = 1e-4
PSEUDO = 2.0  # DEFAULT_LEVELS m counts as this many anchor pairs (smooths a level few anchors reach)
# A key field is a veto when at most this share of its anchor pairs disagree on it beyond a typo.
VETO_SHARE = 0.02
# The level of each key field that is "beyond a typo": what a veto refuses.
VETO_LEVEL = "different"
KEYS = ("forename", "surname", "dob")
VETO_FIELDS = ("forename", "dob")  # and every identifier; a surname changes at marriage
# Vetoes where there is too little to measure: a checked NHS number, and the date of birth (a typist
# changes a digit, not a generation). Another identifier may be mistyped beyond its typo levels.
DEFAULT_VETOES = ("dob", "id_nhs_number")


def _null(col: str) -> str:
    return f"(l.{col} IS NULL OR r.{col} IS NULL)"


def _jw(col: str, t: float) -> str:
    return f"jaro_winkler_similarity(l.{col}, r.{col}) >= {t}"


def _dl(col: str, k: int) -> str:
    # Damerau-Levenshtein is far slower than Levenshtein, and at most k only where Levenshtein is at
    # most 2k (a transposition is two edits): the cheap test first, so random pairs rarely pay for it.
    lev = f"levenshtein(l.{col}, r.{col})"
    return f"({lev} <= {k} OR ({lev} <= {2 * k} AND damerau_levenshtein(l.{col}, r.{col}) <= {k}))"


SWAPPED = "(l.fn = r.sn AND l.sn = r.fn)"


def _field(name: str, col: str, *near: tuple[str, str], tf: bool = False) -> Comparison:
    """A field compared as null / same / each `near` (label, SQL) level / different."""
    return Comparison(name, (Level("null", _null(col), null=True), Level("same", f"l.{col} = r.{col}", tf=col if tf else None),
                             *(Level(label, sql) for label, sql in near), Level("different", "TRUE")))


# The address parts, each compared once per pair (agree within a typo: 1, differ: 2, either missing: 0);
# the address comparison's levels read these part columns, not the rows.
ADDRESS_PARTS = {"number": "l.number = r.number", "street": _jw("street", 0.9), "town": _jw("town", 0.9),
                 "postcode": f"(l.postcode = r.postcode OR {_dl('postcode', 1)})"}


def _part_sql() -> str:
    return ", ".join(f"CASE WHEN l.{c} IS NULL OR r.{c} IS NULL THEN 0 WHEN {sql} THEN 1 ELSE 2 END AS a_{c}"
                     for c, sql in ADDRESS_PARTS.items())


def _address() -> Comparison:
    """House number, street, town and postcode as one comparison, by how many of the parts agree (a
    street, town or postcode within a typo): the parts of one address agree together (a household
    shares all four), so they are one piece of evidence, not four, and its u is measured whole. Its
    levels read the pair's part columns (a_<part>, _part_sql)."""
    k = " + ".join(f"CAST(a_{c} = 1 AS INTEGER)" for c in ADDRESS_PARTS)
    d = " + ".join(f"CAST(a_{c} = 2 AS INTEGER)" for c in ADDRESS_PARTS)
    return Comparison("address", (
        Level("null", " AND ".join(f"a_{c} = 0" for c in ADDRESS_PARTS), null=True),
        Level("four parts agree", f"({k}) = 4"),
        Level("three agree, none differs", f"({k}) = 3 AND ({d}) = 0"),
        Level("three agree", f"({k}) = 3"),
        Level("two agree, none differs", f"({k}) = 2 AND ({d}) = 0"),
        Level("two agree", f"({k}) = 2"),
        Level("one agrees", f"({k}) = 1"),
        Level("different", "TRUE"),
    ))


def comparisons(identifiers: list[str]) -> tuple[Comparison, ...]:
    """The comparisons for a list whose identifier columns are `identifiers` (row columns id_<k>).

    Every level's SQL also runs in Python (pyexpr), for the clustering's vetoes."""
    names = (
        Comparison("forename", (
            Level("null", _null("fn"), null=True),
            Level("exact", "l.fn = r.fn", tf="fn"),
            Level("swapped with surname", SWAPPED),
            Level("nickname or variant", "(list_contains(l.fcanon, r.fn) OR list_contains(r.fcanon, l.fn)"
                                         " OR list_has_any(l.fgrp, r.fgrp))"),
            Level("jaro-winkler >= 0.92", _jw("fn", 0.92)),
            Level("initial", "(length(l.fn) = 1 OR length(r.fn) = 1) AND l.fi = r.fi"),
            Level("jaro-winkler >= 0.8", _jw("fn", 0.8)),
            Level("different", "TRUE"),
        )),
        Comparison("surname", (
            Level("null", _null("sn"), null=True),
            Level("exact", "l.sn = r.sn", tf="sn"),
            Level("swapped with forename", SWAPPED),
            Level("jaro-winkler >= 0.92", _jw("sn", 0.92)),
            Level("jaro-winkler >= 0.8", _jw("sn", 0.8)),
            Level("different", "TRUE"),
        )),
        Comparison("dob", (
            Level("null", _null("dob_n"), null=True),
            Level("exact", "l.dob_n = r.dob_n"),
            Level("day and month swapped", "l.dob_y = r.dob_y AND l.dob_d = r.dob_m AND l.dob_m = r.dob_d"),
            Level("one digit off", _dl("dob_s", 1)),
            # A year typed one out (1969 for 1970) changes two or more digits but keeps the birthday.
            Level("year one out, same birthday", "l.dob_m = r.dob_m AND l.dob_d = r.dob_d AND abs(l.dob_y - r.dob_y) = 1"),
            Level("within a year", "abs(l.dob_n - r.dob_n) <= 366"),
            Level("different", "TRUE"),
        )),
        _field("sex", "sex"),
        _address(),
    )
    ids = tuple(_field(f"id_{k}", f"id_{k}", ("one character off", _dl(f"id_{k}", 1)),
                       ("two characters off", _dl(f"id_{k}", 2))) if k != "nhs_number"
                # A valid NHS number mistyped fails its check digit (and is left out): two valid ones differ.
                else _field(f"id_{k}", f"id_{k}") for k in identifiers)
    return names + ids


# Used for a list too small to estimate from, and for a comparison with too few anchors: (m, u) per
# level label, all comparisons alike where the label is shared.
DEFAULT_LEVELS: dict[str, dict[str, tuple[float, float]]] = {
    "forename": {"exact": (0.85, 0.01), "swapped with surname": (0.005, 1e-5), "nickname or variant": (0.04, 0.002),
                 "jaro-winkler >= 0.92": (0.05, 0.002), "initial": (0.01, 0.005), "jaro-winkler >= 0.8": (0.02, 0.01),
                 "different": (0.03, 0.97)},
    "surname": {"exact": (0.88, 0.01), "swapped with forename": (0.005, 1e-5), "jaro-winkler >= 0.92": (0.06, 0.002),
                "jaro-winkler >= 0.8": (0.02, 0.01), "different": (0.035, 0.98)},
    "dob": {"exact": (0.9, 0.0005), "day and month swapped": (0.01, 1e-5), "one digit off": (0.05, 0.005),
            "year one out, same birthday": (0.01, 0.0005), "within a year": (0.01, 0.02), "different": (0.001, 0.97)},
    "sex": {"same": (0.97, 0.5), "different": (0.03, 0.5)},
    "address": {"four parts agree": (0.75, 0.0005), "three agree, none differs": (0.05, 0.001), "three agree": (0.1, 0.002),
                "two agree, none differs": (0.02, 0.01), "two agree": (0.03, 0.02), "one agrees": (0.03, 0.2),
                "different": (0.02, 0.7667)},
    "id": {"same": (0.9, 1e-5), "one character off": (0.06, 1e-4), "two characters off": (0.02, 1e-3),
           "different": (0.02, 0.999)},
}


@dataclass
class ListScores:
    """Candidate pairs (rid_l, rid_r, match_weight, match_probability) and the model behind them."""

    pairs: pl.DataFrame
    comparisons: tuple[Comparison, ...]
    vetoes: tuple[str, ...]  # comparisons whose VETO_LEVEL keeps rows apart
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float


def _blocking(identifiers: list[str]) -> list[str]:
    """Pair conditions (aliases l, r); a pair is a candidate when any holds."""
    rules = ["l.fn = r.fn AND l.sn = r.sn", "l.sn = r.sn AND l.dob = r.dob", "l.fn = r.fn AND l.dob = r.dob",
             "l.dob = r.dob AND l.postcode = r.postcode", "l.number = r.number AND l.postcode = r.postcode",
             "l.sn = r.sn AND l.postcode = r.postcode", "l.fn = r.sn AND l.sn = r.fn",
             "l.number = r.number AND l.street = r.street", "l.dob = r.dob AND l.number = r.number",
             "l.dob = r.dob AND l.street = r.street", "l.sn = r.sn AND l.fi = r.fi"]
    return rules + [f"l.id_{k} = r.id_{k}" for k in identifiers]


def _gammas(comps: tuple[Comparison, ...], keys: str, pairs: str) -> str:
    """SELECT of `keys` and every comparison's level (g_<name>) for `pairs` (aliases l, r in scope):
    the address parts first, once each, then the address level from them."""
    rest = ", ".join(f"{c.case_sql()} AS g_{c.name}" for c in comps if c.name != "address")
    addr = next(c for c in comps if c.name == "address")
    parts = ", ".join(f"a_{c}" for c in ADDRESS_PARTS)
    return (f"SELECT * EXCLUDE ({parts}), {addr.case_sql()} AS g_address "
            f"FROM (SELECT {keys}{', ' if keys else ''}{rest}, {_part_sql()} FROM {pairs})")


def _pair_filter(two: bool) -> str:
    # Across the two files when linking, each unordered pair once when deduplicating.
    return "l.file_seq < r.file_seq" if two else "l.rid < r.rid"


def _default(c: Comparison) -> dict[str, tuple[float, float]]:
    return DEFAULT_LEVELS["id" if c.name.startswith("id_") else c.name]


def _default_params(comps: tuple[Comparison, ...]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    m: dict[str, list[float]] = {}
    u: dict[str, list[float]] = {}
    for c in comps:
        table = _default(c)
        m[c.name] = [1.0 if lv.null else table[lv.label][0] for lv in c.levels]
        u[c.name] = [1.0 if lv.null else table[lv.label][1] for lv in c.levels]
    return m, u


def _agrees(c: Comparison) -> str:
    # Every comparison's first level after its null level is full agreement.
    return f"g_{c.name} = {next(i for i, lv in enumerate(c.levels) if not lv.null)}"


def _anchor(c: Comparison, comps: tuple[Comparison, ...], identifiers: list[str]) -> str:
    """SQL condition (over gamma columns) for the anchor pairs of comparison `c`: every other key agrees."""
    keys = [x for x in comps if (x.name in KEYS or x.name.startswith("id_")) and x.name != c.name]
    if c.name == "dob" and not identifiers:  # namesakes share a name: their home tells them apart
        keys += [x for x in comps if x.name == "address"]
    return " AND ".join(_agrees(x) for x in keys) or "TRUE"


def _level_counts(con: duckdb.DuckDBPyConnection, table: str, c: Comparison, where: str = "TRUE") -> list[float]:
    counts = [0.0] * len(c.levels)
    for lvl, n in con.execute(f"SELECT g_{c.name}, count(*) FROM {table} WHERE {where} GROUP BY 1").fetchall():
        counts[int(lvl)] = float(n)
    return counts


def _shares(counts: list[float], c: Comparison, floor: float, prior: list[float] | None = None,
            pseudo: float = 0.0) -> list[float]:
    """Level shares of non-null counts (null levels 1.0), smoothed by `pseudo` pairs spread as `prior`."""
    nulls = set(c.null_levels())
    vals = [0.0 if i in nulls else v + (pseudo * prior[i] if prior else 0.5) for i, v in enumerate(counts)]
    tot = sum(vals) or 1.0
    return [1.0 if i in nulls else max(v / tot, floor) for i, v in enumerate(vals)]


def score_list_pairs(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, identifiers: list[str], two: bool,
                     em: EmSettings) -> ListScores:
    """Candidate pairs of `rows` (columns rid, file_seq, fn, sn, dob, sex, number, street, town, postcode,
    id_<k>) weighed under a model trained on the rows themselves."""
    comps = comparisons(identifiers)
    nick = nickname_table().group_by("name").agg(pl.col("canonical").unique().sort().alias("fcanon"))
    grp = variant_groups().group_by("name").agg(pl.col("group").unique().sort().alias("fgrp"))
    feats = rows.join(nick, left_on="fn", right_on="name", how="left").join(grp, left_on="fn", right_on="name", how="left")
    con.register("_ll_rows_df", feats)
    con.execute("""CREATE OR REPLACE TEMP TABLE _ll_rows AS
        SELECT * EXCLUDE (fcanon, fgrp), left(fn, 1) AS fi, strftime(dob, '%Y%m%d') AS dob_s,
               CAST(date_diff('day', DATE '1970-01-01', dob) AS BIGINT) AS dob_n,
               year(dob) AS dob_y, month(dob) AS dob_m, day(dob) AS dob_d,
               coalesce(fcanon, [fn]) AS fcanon, coalesce(fgrp, []) AS fgrp
        FROM _ll_rows_df""")
    con.unregister("_ll_rows_df")
    keep = _pair_filter(two)
    cand = " UNION ".join(f"SELECT l.rid AS rid_l, r.rid AS rid_r FROM _ll_rows l JOIN _ll_rows r ON {rule} AND {keep}"
                          for rule in _blocking(identifiers))
    blocked = f"({cand}) c JOIN _ll_rows l ON l.rid = c.rid_l JOIN _ll_rows r ON r.rid = c.rid_r"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ll_gam AS {_gammas(comps, 'c.rid_l, c.rid_r', blocked)}")
    n = rows.height
    n_all = (int((rows["file_seq"] == 1).sum()) * int((rows["file_seq"] == 2).sum())) if two else n * (n - 1) // 2
    if n < MIN_ROWS:
        m, u = _default_params(comps)
        lam = min(0.5, DEFAULT_DUPLICATE_SHARE * n / max(n_all, 1))
        vetoes = tuple(c.name for c in comps if c.name in DEFAULT_VETOES)
    else:
        m, u, lam, vetoes = _train(con, comps, identifiers, n, n_all, em)
    pairs = _weigh(con, comps, m, u, lam, n if n >= MIN_ROWS else None)
    return ListScores(pairs, comps, vetoes, m, u, lam)


def _train(con: duckdb.DuckDBPyConnection, comps: tuple[Comparison, ...], identifiers: list[str], n: int, n_all: int,
           em: EmSettings) -> tuple[dict[str, list[float]], dict[str, list[float]], float, tuple[str, ...]]:
    """u from random pairs; m counted on each comparison's anchors; the vetoes; the prior by EM."""
    offsets = max(1, min(n - 1, math.ceil(U_PAIRS / n)))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ll_u AS
        WITH o AS (SELECT rid, file_seq, row_number() OVER (ORDER BY hash(rid), rid) - 1 AS rn FROM _ll_rows),
        t AS (SELECT a.rid AS a, (a.rn + k.k) % {n} AS trn FROM o a CROSS JOIN range(1, {offsets + 1}) k(k)),
        p AS (SELECT t.a, b.rid AS b FROM t JOIN o b ON b.rn = t.trn WHERE t.a <> b.rid)
        {_gammas(comps, "", "p JOIN _ll_rows l ON l.rid = p.a JOIN _ll_rows r ON r.rid = p.b")}""")
    u = {c.name: _shares(_level_counts(con, "_ll_u", c), c, em.u_floor) for c in comps}
    m0, _ = _default_params(comps)
    m: dict[str, list[float]] = {}
    vetoes = []
    for c in comps:
        counts = _level_counts(con, "_ll_gam", c, _anchor(c, comps, identifiers))
        anchored = sum(v for i, v in enumerate(counts) if i not in c.null_levels())
        is_key = c.name in VETO_FIELDS or c.name.startswith("id_")
        if anchored < MIN_ANCHORS:
            m[c.name] = m0[c.name]
            if c.name in DEFAULT_VETOES:
                vetoes.append(c.name)
            continue
        m[c.name] = _shares(counts, c, M_FLOOR, m0[c.name], PSEUDO)
        if is_key and (c.name == "id_nhs_number" or counts[c.level_of(VETO_LEVEL)] <= VETO_SHARE * anchored):
            vetoes.append(c.name)
    cols = ", ".join(f"g_{c.name}" for c in comps)
    patterns = con.execute(f"SELECT {cols}, count(*) AS n FROM _ll_gam GROUP BY ALL ORDER BY ALL").pl()
    # The prior: EM's expected matches among the blocked pairs, spread over all pairs. Random pairs
    # hold matches too (a list with several rows per person: as many as the pairs agreeing on a
    # date of birth by chance), so u is then taken net of them, and the prior found again.
    rest = em.model_copy(update={"iterations": 5})
    nonmatches = max(n_all - int(patterns["n"].sum()), 0)
    _, lam = run_em(patterns, m, u, rest, learn=set(), comparisons=comps, known_nonmatches=nonmatches, lam0=1e-4)
    u = {c.name: [1.0 if i in c.null_levels() else max((u[c.name][i] - lam * m[c.name][i]) / (1 - lam), em.u_floor)
                  for i in range(len(c.levels))] for c in comps}
    _, lam = run_em(patterns, m, u, rest, learn=set(), comparisons=comps, known_nonmatches=nonmatches, lam0=lam)
    return m, u, lam, tuple(vetoes)


def _weigh(con: duckdb.DuckDBPyConnection, comps: tuple[Comparison, ...], m: dict[str, list[float]],
           u: dict[str, list[float]], lam: float, n: int | None) -> pl.DataFrame:
    """Each candidate's weight: log2 prior odds plus each comparison's log2(m/u); with `n` rows (None:
    too few to count) an exact name, street or town is weighed by how common its value is (m / share
    of rows holding it)."""
    terms, joins = [], []
    for c in comps:
        cases = " ".join(f"WHEN {i} THEN CAST({math.log2(m[c.name][i] / u[c.name][i])!r} AS DOUBLE)"
                         for i in range(len(c.levels)))
        term = f"CASE g.g_{c.name} {cases} END"
        tf = c.tf_column()
        if tf and n:
            i = next(i for i, lv in enumerate(c.levels) if lv.tf)
            con.execute(f"""CREATE OR REPLACE TEMP TABLE _ll_tf_{tf} AS
                SELECT {tf} AS v, greatest(count(*) / {n}, {TF_FLOOR}) AS tf FROM _ll_rows WHERE {tf} IS NOT NULL GROUP BY 1""")
            joins.append(f"LEFT JOIN _ll_tf_{tf} t_{tf} ON t_{tf}.v = l.{tf}")
            term = (f"CASE WHEN g.g_{c.name} = {i} THEN log2({m[c.name][i]!r} / coalesce(t_{tf}.tf, {u[c.name][i]!r}))"
                    f" ELSE {term} END")
        terms.append(term)
    prior = math.log2(lam / (1 - lam))
    gcols = ", ".join(f"g.g_{c.name}" for c in comps)
    return con.sql(f"""
        SELECT rid_l, rid_r, w AS match_weight, 1 / (1 + pow(2, -w)) AS match_probability, {", ".join(f"g_{c.name}" for c in comps)}
        FROM (SELECT g.rid_l, g.rid_r, {gcols}, CAST({prior!r} AS DOUBLE) + {" + ".join(terms)} AS w
              FROM _ll_gam g JOIN _ll_rows l ON l.rid = g.rid_l {" ".join(joins)})""").pl()


def value_records(con: duckdb.DuckDBPyConnection, columns: list[str]) -> pl.DataFrame:
    """(rid, the `columns` of the model's row table): what the clustering's vetoes compare."""
    return con.sql(f"SELECT rid, {', '.join(columns)} FROM _ll_rows").pl()


__all__ = ["ListScores", "comparisons", "score_list_pairs", "value_records"]
