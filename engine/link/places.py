"""Address linkage: every address mention to a place key (one key = one dwelling).

A place is (town, street, house number, flat). Postcodes are used to recover a
missing town, never as part of the key (they carry typos); street typos are
resolved within a town towards the commoner spelling when the two spellings
share a postcode; a building written without its street number borrows it from
other mentions of that building; UPRNs join keys that name the same property.
House and flat numbers are never fuzzed: 14 and 16, flat 2 and flat 3 stay apart.
"""
from __future__ import annotations

import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from engine.link.address_key import parse_frame, squash_street
from engine.link.components import connected_components


def _mode(col: str) -> pl.Expr:
    return pl.col(col).drop_nulls().mode().sort().first()


def _canonical_towns(df: pl.DataFrame) -> dict[str, str]:
    """Map each written town to its commonest near-identical spelling (typos in town names)."""
    counts = df.group_by("p_town").len().drop_nulls().sort(["len", "p_town"], descending=[True, False])
    towns, freq = counts["p_town"].to_list(), counts["len"].to_list()
    out: dict[str, str] = {}
    for i, t in enumerate(towns):
        out[t] = t
        for j in range(i):
            if freq[j] >= 3 * freq[i] and JaroWinkler.similarity(t, towns[j]) >= 0.9:
                out[t] = out[towns[j]]
                break
    return out


def _street_map(df: pl.DataFrame, max_edits: int) -> dict[tuple[str, str], str]:
    """(town, street) -> canonical street within a town.

    Spellings that differ only in spacing or abbreviation (same squashed form) are one street.
    A rare spelling (a typo is rarely repeated) then joins a commoner one a few edits away when
    both were written with the same postcode, or with no postcode conflict at a house number the
    common one has. Only rare spellings are tried, against common ones, so cost stays linear-ish.
    """
    g = (
        df.filter(pl.col("town").is_not_null() & pl.col("p_street").is_not_null())
        .group_by("town", "p_street")
        .agg(pl.len().alias("n"), pl.col("p_postcode").drop_nulls().unique().alias("pcs"),
             pl.col("p_number").drop_nulls().unique().alias("nums"))
        .with_columns(pl.col("p_street").map_elements(squash_street, return_dtype=pl.String).alias("sq"))
        .sort(["town", "n", "p_street"], descending=[False, True, False])
    )
    # Same squashed form: the commonest spelling wins.
    first = g.group_by("town", "sq", maintain_order=True).agg(
        pl.col("p_street").first().alias("canon"), pl.col("n").sum(), pl.col("pcs").list.explode(keep_nulls=False, empty_as_null=False).unique(),
        pl.col("nums").list.explode(keep_nulls=False, empty_as_null=False).unique(), pl.col("p_street").alias("members"))
    out: dict[tuple[str, str], str] = {}
    for town, canon, members in first.select("town", "canon", "members").iter_rows():
        for m in members:
            out[(town, m)] = canon
    remaps: dict[str, dict[str, str]] = {}
    for town_key, part in first.sort(["town", "n"], descending=[False, True]).partition_by("town", as_dict=True).items():
        town = town_key[0]
        streets, sq = part["canon"].to_list(), part["sq"].to_list()
        ns, pcs, nums = part["n"].to_list(), part["pcs"].to_list(), part["nums"].to_list()
        common = [j for j in range(len(streets)) if ns[j] >= 4]
        if not common:
            continue
        c_sq = [sq[j] for j in common]
        c_st = [streets[j] for j in common]
        remap: dict[str, str] = {}
        for i in range(len(streets)):
            if ns[i] > 3:
                continue
            # Squashed forms make abbreviation and spacing typos one edit; full forms catch the rest.
            cands = process.extract(sq[i], c_sq, scorer=DamerauLevenshtein.distance,
                                    score_cutoff=max_edits if len(sq[i]) >= 8 else 1, limit=3)
            if not cands:
                cands = process.extract(streets[i], c_st, scorer=DamerauLevenshtein.distance,
                                        score_cutoff=max_edits if len(streets[i]) >= 8 else 1, limit=3)
            for _c, _d, k in sorted(cands, key=lambda c: (c[1], -ns[common[c[2]]])):
                j = common[k]
                if j == i or ns[j] < 2 * ns[i]:
                    continue
                shared_pc = bool(set(pcs[i]) & set(pcs[j]))
                near_pc = not pcs[i] or bool({p[:-2] for p in pcs[i]} & {p[:-2] for p in pcs[j]})
                if shared_pc or (near_pc and bool(set(nums[i]) & set(nums[j]))):
                    remap[streets[i]] = streets[j]
                    break
        if remap:
            remaps[town] = remap
    for (t, m), c in out.items():
        r = remaps.get(t)
        if r and c in r:
            out[(t, m)] = r[c]
    return out


def place_keys(addresses: pl.DataFrame, max_edits: int = 2) -> pl.DataFrame:
    """Columns (address_mention_id, place_key, town, street, number, flat) for address mentions.

    `addresses` needs address_mention_id, raw, postcode and uprn (nullable).
    """
    df = parse_frame(addresses.select("address_mention_id", "raw", "postcode", "uprn"))
    towns = _canonical_towns(df)
    df = df.with_columns(pl.col("p_town").replace_strict(towns, default=None, return_dtype=pl.String).alias("town"))
    pc_known = df.filter(pl.col("town").is_not_null() & pl.col("p_postcode").is_not_null())
    by_pc = pc_known.group_by("p_postcode").agg(_mode("town").alias("town_pc"))
    by_district = (
        pc_known.with_columns(pl.col("p_postcode").str.split(" ").list.first().alias("district"))
        .group_by("district")
        .agg(_mode("town").alias("town_d"), (pl.col("town").n_unique()).alias("nt"))
    )
    df = (
        df.with_columns(pl.col("p_postcode").str.split(" ").list.first().alias("district"))
        .join(by_pc, on="p_postcode", how="left")
        .join(by_district, on="district", how="left")
        .with_columns(pl.coalesce("town", "town_pc", pl.when(pl.col("nt") == 1).then("town_d")).alias("town"))
    )
    smap = _street_map(df, max_edits)
    sm = pl.DataFrame([(t, s, c) for (t, s), c in smap.items()], schema={"town": pl.String, "p_street": pl.String,
                      "street": pl.String}, orient="row")
    df = df.join(sm, on=["town", "p_street"], how="left").with_columns(pl.coalesce("street", "p_street").alias("street"))
    # No town and no usable postcode: the street (and number) tells the town when only one town has it.
    streets_towns = df.filter(pl.col("town").is_not_null() & pl.col("street").is_not_null())
    st_unique = streets_towns.group_by("street").agg(pl.col("town").unique()).filter(pl.col("town").list.len() == 1)
    st_unique = st_unique.with_columns(pl.col("town").list.first().alias("town_st")).drop("town")
    stn_unique = (
        streets_towns.group_by("street", "p_number").agg(pl.col("town").unique())
        .filter(pl.col("town").list.len() == 1)
        .with_columns(pl.col("town").list.first().alias("town_stn")).drop("town")
    )
    sb_unique = (
        streets_towns.filter(pl.col("p_building").is_not_null()).group_by("street", "p_building")
        .agg(pl.col("town").unique()).filter(pl.col("town").list.len() == 1)
        .with_columns(pl.col("town").list.first().alias("town_sb")).drop("town")
    )
    df = (
        df.join(st_unique, on="street", how="left")
        .join(sb_unique, on=["street", "p_building"], how="left")
        .join(stn_unique, on=["street", "p_number"], how="left", nulls_equal=False)
        .with_columns(pl.coalesce("town", "town_sb", "town_stn", "town_st").alias("town"))
    )
    # A building written without its street number (or street) borrows them from other mentions of it.
    # Keyed by street too: two streets in a town can each have a 'Swallow Court'.
    known = df.filter(pl.col("p_building").is_not_null() & pl.col("p_number").is_not_null())
    bld = known.group_by("town", "p_building", "street").agg(_mode("p_number").alias("b_number"))
    bld_only = (
        known.group_by("town", "p_building")
        .agg(_mode("street").alias("b_street"), _mode("p_number").alias("b_number2"), pl.col("street").n_unique().alias("b_ns"))
        .filter(pl.col("b_ns") == 1)
        .drop("b_ns")
    )
    df = (
        df.join(bld, on=["town", "p_building", "street"], how="left")
        .join(bld_only, on=["town", "p_building"], how="left")
        .with_columns(
            pl.coalesce("p_number", "b_number", pl.when(pl.col("street").is_null()).then("b_number2")).alias("number"),
            pl.coalesce("street", "b_street").alias("street"),
        )
    )
    fallback = pl.col("raw").str.to_uppercase().str.replace_all(r"[^A-Z0-9]+", " ").str.strip_chars()
    key = (
        pl.when(pl.col("street").is_not_null() & (pl.col("number").is_not_null() | pl.col("p_building").is_not_null()))
        .then(pl.concat_str(
            pl.col("town").fill_null("?"), pl.col("street"),
            pl.coalesce("number", pl.lit("B:") + pl.col("p_building")),
            pl.col("p_flat").fill_null(""), separator="|"))
        .otherwise(pl.lit("RAW|") + pl.coalesce(fallback, pl.col("p_postcode"), pl.lit("")))
    )
    df = df.with_columns(key.alias("place_key"), pl.col("p_flat").alias("flat"))
    return _join_uprns(df).select("address_mention_id", "place_key", "town", "street", "number", "flat",
                                  pl.col("p_postcode").alias("postcode"))


def _join_uprns(df: pl.DataFrame) -> pl.DataFrame:
    """Keys sharing a UPRN are one place: the key becomes the smallest key of its UPRN component."""
    with_uprn = df.filter(pl.col("uprn").is_not_null() & (pl.col("uprn").str.strip_chars() != ""))
    if with_uprn.is_empty():
        return df
    keys = df.select("place_key").unique().sort("place_key").with_row_index("k")
    uprns = with_uprn.select("uprn").unique().sort("uprn").with_row_index("u").with_columns(
        (pl.col("u") + keys.height).alias("u"))
    edges = with_uprn.join(keys, on="place_key").join(uprns, on="uprn").select(
        pl.col("k").cast(pl.Int64).alias("a"), pl.col("u").cast(pl.Int64).alias("b"))
    comp = connected_components(edges).filter(pl.col("node") < keys.height)
    comp = comp.join(keys.with_columns(pl.col("k").cast(pl.Int64)), left_on="component", right_on="k").select(
        pl.col("node").alias("k"), pl.col("place_key").alias("new_key"))
    remap = keys.with_columns(pl.col("k").cast(pl.Int64)).join(comp, on="k").select("place_key", "new_key")
    return df.join(remap, on="place_key", how="left").with_columns(
        pl.coalesce("new_key", "place_key").alias("place_key")).drop("new_key")
