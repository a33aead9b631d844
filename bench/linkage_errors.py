"""Why linkage errs: wrong merges and missed links counted in pairs, by the kind of case behind them.

The kinds are those a reviewer asks about (twins, a father and son with one name, adult and child,
siblings; initials, nicknames, spelling variants, lost letters, swapped or changed names, people
known only by name), so two linkers can be compared kind by kind. Counts are pairs of mentions,
the unit of pairwise precision and recall: wrong-merge pairs come from contingency cells, missed
pairs from the mentions of true people split over several clusters.
"""
from __future__ import annotations

import duckdb
import polars as pl

MERGE_KINDS = ["twins", "same name, other generation", "adult and child of one family", "siblings",
               "other members of one family", "unrelated people"]
MISS_KINDS = ["'?' for a lost letter", "forename and surname swapped", "surname changed or differs",
              "initial only", "spelling variant", "nickname or other forename",
              "known only by name (no date of birth)", "date of birth differs", "names and date agree"]

GENERATION_YEARS = 14  # an age gap this wide is a parent and child, not siblings


def load_persons(path) -> pl.DataFrame:
    """Truth persons with the attributes the kinds need (forename, surname, dob, family, role)."""
    p = pl.read_csv(path, infer_schema=False)
    return p.select(pl.col("person_id").alias("true_id"),
                    pl.col("forename").str.to_uppercase(), pl.col("surname").str.to_uppercase(),
                    pl.col("dob").str.to_date(strict=False), pl.col("family_id").replace("", None),
                    pl.col("role"))


def false_merges(pj: pl.DataFrame, pred: str, persons: pl.DataFrame) -> pl.DataFrame:
    """Wrong-merge pairs by kind: for each predicted cluster, every two true people it holds."""
    cells = pj.group_by(pred, "true_id").len()
    pairs = (cells.join(cells, on=pred, suffix="_r").filter(pl.col("true_id") < pl.col("true_id_r"))
             .with_columns((pl.col("len").cast(pl.Int64) * pl.col("len_r")).alias("pairs"))
             .join(persons, on="true_id")
             .join(persons, left_on="true_id_r", right_on="true_id", suffix="_r"))
    family = pl.col("family_id").is_not_null() & (pl.col("family_id") == pl.col("family_id_r"))
    gap = ((pl.col("dob") - pl.col("dob_r")).dt.total_days().abs() / 365.25)
    same_name = (pl.col("forename") == pl.col("forename_r")) & (pl.col("surname") == pl.col("surname_r"))
    kind = (pl.when(family & (pl.col("dob") == pl.col("dob_r"))).then(pl.lit(MERGE_KINDS[0]))
            .when(same_name & (gap >= GENERATION_YEARS)).then(pl.lit(MERGE_KINDS[1]))
            .when(family & (gap >= GENERATION_YEARS)).then(pl.lit(MERGE_KINDS[2]))
            .when(family & (pl.col("role") == "child") & (pl.col("role_r") == "child")).then(pl.lit(MERGE_KINDS[3]))
            .when(family).then(pl.lit(MERGE_KINDS[4]))
            .otherwise(pl.lit(MERGE_KINDS[5])))
    return _tally(pairs.with_columns(kind.alias("kind")), MERGE_KINDS)


def missed_links(pj: pl.DataFrame, pred: str) -> pl.DataFrame:
    """Missed pairs by kind: two mentions of one true person left in different clusters, classed by
    how the two mentions differ (the first kind that applies, in MISS_KINDS order)."""
    split = pj.group_by("true_id").agg(pl.col(pred).n_unique().alias("k")).filter(pl.col("k") > 1)
    m = (pj.join(split.select("true_id"), on="true_id")
         .select("true_id", pred, "mention_id",
                 pl.col("forename").fill_null("").str.to_uppercase(),
                 pl.col("surname").fill_null("").str.to_uppercase(), "dob"))
    pairs = m.join(m, on="true_id", suffix="_r").filter(
        (pl.col(pred) != pl.col(f"{pred}_r")) & (pl.col("mention_id") < pl.col("mention_id_r")))
    if pairs.is_empty():
        return _tally(pairs.with_columns(pl.lit("").alias("kind"), pl.lit(0).alias("pairs")), MISS_KINDS)
    pairs = duckdb.sql("SELECT *, jaro_winkler_similarity(forename, forename_r) AS jw FROM pairs").pl()
    jw = pl.col("jw")
    fn, fn_r, sn, sn_r = (pl.col(c) for c in ("forename", "forename_r", "surname", "surname_r"))
    lost = pl.any_horizontal(c.str.contains("?", literal=True) for c in (fn, fn_r, sn, sn_r))
    swapped = (fn == sn_r) & (sn == fn_r) & (fn != sn)
    part_of = sn.str.contains(sn_r, literal=True) | sn_r.str.contains(sn, literal=True)
    surname_differs = (sn != sn_r) & ~((sn != "") & (sn_r != "") & part_of)
    initial = (fn != fn_r) & ((fn.str.len_chars() == 1) | (fn_r.str.len_chars() == 1))
    kind = (pl.when(lost).then(pl.lit(MISS_KINDS[0]))
            .when(swapped).then(pl.lit(MISS_KINDS[1]))
            .when(surname_differs).then(pl.lit(MISS_KINDS[2]))
            .when(initial).then(pl.lit(MISS_KINDS[3]))
            .when((fn != fn_r) & (jw >= 0.85)).then(pl.lit(MISS_KINDS[4]))
            .when(fn != fn_r).then(pl.lit(MISS_KINDS[5]))
            .when(pl.col("dob").is_null() | pl.col("dob_r").is_null()).then(pl.lit(MISS_KINDS[6]))
            .when(pl.col("dob") != pl.col("dob_r")).then(pl.lit(MISS_KINDS[7]))
            .otherwise(pl.lit(MISS_KINDS[8])))
    return _tally(pairs.with_columns(kind.alias("kind"), pl.lit(1, dtype=pl.Int64).alias("pairs")), MISS_KINDS)


def _tally(pairs: pl.DataFrame, kinds: list[str]) -> pl.DataFrame:
    """Pairs summed per kind, every kind listed (zero where none), in the given order."""
    counts = pairs.group_by("kind").agg(pl.col("pairs").sum())
    return (pl.DataFrame({"kind": kinds}).join(counts, on="kind", how="left", maintain_order="left")
            .with_columns(pl.col("pairs").fill_null(0)))


def print_breakdown(title: str, tables: dict[str, pl.DataFrame]) -> None:
    """One row per kind, one column per linker."""
    names = list(tables)
    kinds = tables[names[0]]["kind"].to_list()
    print(f"{title:40} " + " ".join(f"{n:>12}" for n in names))
    for i, k in enumerate(kinds):
        print(f"  {k:38} " + " ".join(f"{tables[n]['pairs'][i]:12d}" for n in names))
    print(f"  {'total':38} " + " ".join(f"{tables[n]['pairs'].sum():12d}" for n in names))


PLACE_MERGE_KINDS = ["one UPRN written for both", "other flat of one house", "other number, same street",
                     "same street, other town", "unrelated addresses"]
PLACE_MISS_KINDS = ["house number not read", "house number digits transposed", "house number differs",
                    "flat differs or missing", "words run together or split", "street type differs",
                    "street spelling", "town differs or missing", "other"]


def load_master(path) -> pl.DataFrame:
    """Truth properties (address_id, uprn, flat, number, street, town) as strings, upper case."""
    m = pl.read_csv(path, infer_schema=False)
    return m.select(pl.col("address_id").alias("true_id"),
                    *[pl.col(c).fill_null("").str.to_uppercase().alias(f"t_{c}") for c in ("flat", "number", "street", "town")])


def place_false_merges(aj: pl.DataFrame, pred: str, master: pl.DataFrame) -> pl.DataFrame:
    """Wrong-merge pairs of address mentions by kind: two true properties in one predicted place, classed
    by how the properties relate (from the truth) or by a UPRN written on both (from the data)."""
    cells = aj.group_by(pred, "true_id").agg(pl.len(), pl.col("uprn").cast(pl.String).drop_nulls().unique().alias("uprns"))
    pairs = (cells.join(cells, on=pred, suffix="_r").filter(pl.col("true_id") < pl.col("true_id_r"))
             .with_columns((pl.col("len").cast(pl.Int64) * pl.col("len_r")).alias("pairs"))
             .join(master, on="true_id").join(master, left_on="true_id_r", right_on="true_id", suffix="_r"))
    same = {c: pl.col(f"t_{c}") == pl.col(f"t_{c}_r") for c in ("flat", "number", "street", "town")}
    shared_uprn = pl.col("uprns").list.set_intersection("uprns_r").list.len() > 0
    kind = (pl.when(shared_uprn).then(pl.lit(PLACE_MERGE_KINDS[0]))
            .when(same["street"] & same["town"] & same["number"]).then(pl.lit(PLACE_MERGE_KINDS[1]))
            .when(same["street"] & same["town"]).then(pl.lit(PLACE_MERGE_KINDS[2]))
            .when(same["street"]).then(pl.lit(PLACE_MERGE_KINDS[3]))
            .otherwise(pl.lit(PLACE_MERGE_KINDS[4])))
    return _tally(pairs.with_columns(kind.alias("kind")), PLACE_MERGE_KINDS)


def place_missed_links(aj: pl.DataFrame, pred: str) -> pl.DataFrame:
    """Missed pairs of address mentions by kind: two writings of one property left in different places,
    classed by how their parses (number, flat, street, town) differ, in PLACE_MISS_KINDS order."""
    split = aj.group_by("true_id").agg(pl.col(pred).n_unique().alias("k")).filter(pl.col("k") > 1)
    cols = ("number", "flat", "street", "town")
    m = (aj.join(split.select("true_id"), on="true_id")
         .select("true_id", pred, "address_mention_id", *[pl.col(c).cast(pl.String).fill_null("") for c in cols]))
    pairs = m.join(m, on="true_id", suffix="_r").filter(
        (pl.col(pred) != pl.col(f"{pred}_r")) & (pl.col("address_mention_id") < pl.col("address_mention_id_r")))
    num, num_r, st, st_r = pl.col("number"), pl.col("number_r"), pl.col("street"), pl.col("street_r")

    def digits_sorted(e: pl.Expr) -> pl.Expr:
        return e.str.split("").list.sort().list.join("")

    def squash(e: pl.Expr) -> pl.Expr:
        return e.str.replace_all(" ", "")

    def head(e: pl.Expr) -> pl.Expr:
        return e.str.replace(r"\s*\S+$", "")

    kind = (pl.when((num == "") != (num_r == "")).then(pl.lit(PLACE_MISS_KINDS[0]))
            .when((num != num_r) & (digits_sorted(num) == digits_sorted(num_r))).then(pl.lit(PLACE_MISS_KINDS[1]))
            .when(num != num_r).then(pl.lit(PLACE_MISS_KINDS[2]))
            .when(pl.col("flat") != pl.col("flat_r")).then(pl.lit(PLACE_MISS_KINDS[3]))
            .when((st != st_r) & (squash(st) == squash(st_r))).then(pl.lit(PLACE_MISS_KINDS[4]))
            .when((st != st_r) & (head(st) == head(st_r)) & (head(st) != "")).then(pl.lit(PLACE_MISS_KINDS[5]))
            .when(st != st_r).then(pl.lit(PLACE_MISS_KINDS[6]))
            .when(pl.col("town") != pl.col("town_r")).then(pl.lit(PLACE_MISS_KINDS[7]))
            .otherwise(pl.lit(PLACE_MISS_KINDS[8])))
    return _tally(pairs.with_columns(kind.alias("kind"), pl.lit(1, dtype=pl.Int64).alias("pairs")), PLACE_MISS_KINDS)
