"""Address linkage: every address mention to a place key (one key = one dwelling).

A place is (town, street, house number, flat), from the parts the ingest parse stored
(see address_key). Postcodes are used to recover a missing town, never as part of the
key (they carry typos); street typos are resolved within a town towards the commoner
spelling when the two spellings share a postcode (or else a house number and postcode
sector); a building written without its street number borrows it from other mentions
of that building; UPRNs join keys that name the same property. House and flat numbers
are never fuzzed: 14 and 16, flat 2 and flat 3 stay apart. Work is in bulk: polars
columns, and DuckDB for the string distances of candidate pairs.
"""
from __future__ import annotations

import duckdb
import polars as pl

from chronolink.engine.link.address_key import PARSED, match_parts, squash_street
from chronolink.engine.link.components import connected_components
from chronolink.engine.link.placeholders import PLACEHOLDER_SCHEMA, uprn_placeholders
from chronolink.engine.link.settings import PlaceholderSettings, PlaceSettings
from chronolink.engine.normalise.identifiers import uprn as uprn_check


def _mode(col: str) -> pl.Expr:
    return pl.col(col).drop_nulls().mode().sort().first()


def _sql(query: str, **frames: pl.DataFrame) -> pl.DataFrame:
    """`query` over polars frames in a private in-memory DuckDB (for its bulk string distances)."""
    con = duckdb.connect()
    try:
        for name, frame in frames.items():
            con.register(name, frame)
        return con.sql(query).pl()
    finally:
        con.close()


def _canonical_towns(df: pl.DataFrame, cfg: PlaceSettings) -> pl.DataFrame:
    """(p_town, town): each written town to its commonest near-identical spelling (typos in town names).

    A town joins the commonest spelling at Jaro-Winkler >= cfg.town_similarity (0.9), or cfg.town_edits (1)
    edits away (names of 5 letters or more), written at least cfg.town_commoner (3) times as often;
    chains (a typo of a typo) end at the commonest.
    """
    counts = (df.group_by("p_town").len().drop_nulls().sort(["len", "p_town"], descending=[True, False])
              .with_row_index("rank").with_columns(pl.col("rank").cast(pl.Int64)))
    parent = _sql(f"""
        SELECT t.rank AS a, min(c.rank) AS b FROM counts t JOIN counts c
          ON c.len >= {int(cfg.town_commoner)} * t.len
         AND (jaro_winkler_similarity(t.p_town, c.p_town) >= {float(cfg.town_similarity)!r}
              -- one letter dropped, doubled or swapped early in the name scores low on Jaro-Winkler (WXLEY)
              OR (length(t.p_town) >= 5 AND damerau_levenshtein(t.p_town, c.p_town) <= {int(cfg.town_edits)}))
        GROUP BY t.rank""", counts=counts)
    # Every parent is commoner than its child, so the smallest rank in a tree is its root.
    roots = connected_components(parent, counts["rank"])
    names = counts.select("rank", "p_town")
    return (roots.join(names, left_on="node", right_on="rank")
            .join(names.rename({"p_town": "town"}), left_on="component", right_on="rank")
            .select("p_town", "town"))


_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _char_set(s: pl.Expr) -> pl.Expr:
    """The letters and digits of a string as a bit set."""
    return pl.sum_horizontal([s.str.contains(c, literal=True).cast(pl.Int64) * (1 << i) for i, c in enumerate(_CHARS)])


def _street_groups(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Spellings of a street in a town that differ only in spacing or abbreviation (same squashed form) as one.

    Returns (streets: one row per town and squashed form `sq`, with its commonest spelling `canon`,
    mention count n, postcodes, house numbers, lengths and character sets of both forms;
    members: (town, p_street, canon)).
    """
    spell = (
        df.filter(pl.col("town").is_not_null() & pl.col("p_street").is_not_null())
        .group_by("town", "p_street")
        .agg(pl.len().alias("n"), pl.col("p_postcode").drop_nulls().unique().alias("pcs"),
             pl.col("p_number").drop_nulls().unique().alias("nums"))
        .with_columns(squash_street(pl.col("p_street")).alias("sq"),
                      squash_street(pl.col("p_street"), every_word=True).alias("sq_all"))
        .sort(["town", "n", "p_street"], descending=[False, True, False]).with_row_index("i")
    )
    # One street: the same squashed form with the type shortened at the end (GREEN STREET, GREENST) or
    # with every type word shortened (PLOVER LANE, PLACE OVER LANE); it takes its commonest spelling's form.
    edges = pl.concat([spell.select("i", "town", pl.col(k).alias("k")) for k in ("sq", "sq_all")]).with_columns(
        pl.col("i").min().over("town", "k").alias("b")).select(pl.col("i").alias("a"), "b")
    comp = connected_components(edges, spell["i"])
    spell = (spell.join(comp, left_on="i", right_on="node")
             .with_columns(pl.col("sq").first().over("component", order_by="i").alias("sq")).drop("component", "i", "sq_all"))
    flat = {"keep_nulls": False, "empty_as_null": False}
    streets = (
        spell.sort(["town", "n", "p_street"], descending=[False, True, False])
        .group_by("town", "sq", maintain_order=True)
        .agg(pl.col("p_street").first().alias("canon"), pl.col("n").sum(),
             pl.col("pcs").list.explode(**flat).unique(), pl.col("nums").list.explode(**flat).unique())
        .with_columns(
            pl.col("sq").str.len_chars().cast(pl.Int32).alias("len_sq"), _char_set(pl.col("sq")).alias("set_sq"),
            pl.col("canon").str.len_chars().cast(pl.Int32).alias("len_full"), _char_set(pl.col("canon")).alias("set_full"))
    )
    members = spell.join(streets.select("town", "sq", "canon"), on=["town", "sq"]).select("town", "p_street", "canon")
    return streets, members


def _cutoff(length: pl.Expr, max_edits: int) -> pl.Expr:
    # Short names (< 8 letters) allow one edit: two would make most of them alike.
    return pl.when(length >= 8).then(max_edits).otherwise(1)


def _nearest(pairs: pl.DataFrame, max_edits: int) -> pl.DataFrame:
    """(town, canon, canon_c): for each rare spelling, the nearest common one among `pairs` within the edit cutoff.

    Squashed forms make abbreviation and spacing typos one edit, so a match on them comes first;
    full forms catch the rest. Then the nearest wins, then the commoner, then the alphabetically first.
    """
    pairs = pairs.with_columns(_cutoff(pl.col("len_sq"), max_edits).alias("cut_sq"),
                               _cutoff(pl.col("len_full"), max_edits).alias("cut_full"))

    def could_be_near(form: str) -> pl.Expr:
        # An edit changes the length by at most one and the character set by at most two, so these
        # cheap bounds drop most pairs and never a near one before the exact distance.
        cut = pl.col(f"cut_{form}")
        return (((pl.col(f"len_{form}") - pl.col(f"len_{form}_c")).abs() <= cut)
                & (pl.col(f"set_{form}").xor(pl.col(f"set_{form}_c")).bitwise_count_ones() <= 2 * cut))

    near = pairs.with_columns(could_be_near("sq").alias("near_sq"), could_be_near("full").alias("near_full")).filter(
        pl.col("near_sq") | pl.col("near_full"))
    # The full form's distance only where the squashed one is not within the cutoff.
    scored = _sql("""
        WITH a AS (SELECT *, CASE WHEN near_sq THEN damerau_levenshtein(sq, sq_c) END AS d_sq FROM near),
        b AS (SELECT *, d_sq IS NOT NULL AND d_sq <= cut_sq AS on_sq,
                     CASE WHEN NOT coalesce(d_sq <= cut_sq, false) AND near_full
                          THEN damerau_levenshtein(canon, canon_c) END AS d_full FROM a)
        SELECT town, canon, canon_c, n_c, NOT on_sq AS tier, CASE WHEN on_sq THEN d_sq ELSE d_full END AS d
        FROM b WHERE on_sq OR d_full <= cut_full""",
                  near=near.select("town", "canon", "sq", "canon_c", "sq_c", "n_c", "cut_sq", "cut_full", "near_sq",
                                   "near_full"))
    return (scored.sort(["tier", "d", "n_c", "canon_c"], descending=[False, False, True, False])
            .group_by("town", "canon", maintain_order=True).first().select("town", "canon", "canon_c"))


def _street_map(df: pl.DataFrame, max_edits: int) -> pl.DataFrame:
    """(town, p_street, street): each written street to its canonical spelling within its town.

    Spellings that differ only in spacing or abbreviation (same squashed form) are one street.
    A rare spelling (3 mentions or fewer: a typo is rarely repeated) then joins a commoner one
    (4+ mentions, at least twice as many) a few edits away that was written with the same
    postcode; failing that, one that shares a house number, with a postcode in the same sector
    or no postcode written. Candidates come from those shared postcodes and numbers, so edit
    distances are computed for few pairs rather than for all rare x common spellings of a town.
    """
    streets, members = _street_groups(df)
    rare = streets.filter(pl.col("n") <= 3)
    common = streets.filter(pl.col("n") >= 4).select(
        "town", *[pl.col(c).alias(f"{c}_c") for c in streets.columns if c != "town"])
    sector = pl.element().str.slice(0, pl.element().str.len_chars() - 2)

    def keyed(frame: pl.DataFrame, name: str, col: str, key: str) -> pl.DataFrame:
        return frame.select("town", name, pl.col(col).alias(key)).explode(key).drop_nulls(key)

    forms = ["sq", "n", "len_sq", "set_sq", "len_full", "set_full"]

    def pairs(cand: pl.DataFrame) -> pl.DataFrame:
        return (cand.select("town", "canon", "canon_c").unique()
                .join(rare.select("town", "canon", *forms), on=["town", "canon"])
                .join(common.select("town", "canon_c", *[f"{c}_c" for c in forms]), on=["town", "canon_c"])
                .filter(pl.col("n_c") >= 2 * pl.col("n")))

    # Pass 1: a shared postcode.
    by_pc = keyed(rare, "canon", "pcs", "pc").join(keyed(common, "canon_c", "pcs_c", "pc"), on=["town", "pc"])
    best = _nearest(pairs(by_pc), max_edits)
    # Pass 2, for the rest: a shared house number, with a postcode in a shared sector or none written.
    left = rare.join(best, on=["town", "canon"], how="anti")
    left_sec = left.filter(pl.col("pcs").list.len() > 0).with_columns(pl.col("pcs").list.eval(sector).list.unique())
    c_sec = common.with_columns(pl.col("pcs_c").list.eval(sector).list.unique())
    sec_num = (keyed(left_sec, "canon", "pcs", "sec").join(keyed(c_sec, "canon_c", "pcs_c", "sec"), on=["town", "sec"])
               .join(left_sec.select("town", "canon", "nums"), on=["town", "canon"])
               .join(common.select("town", "canon_c", "nums_c"), on=["town", "canon_c"])
               .filter(pl.col("nums").list.set_intersection("nums_c").list.len() > 0))
    no_pc = keyed(left.filter(pl.col("pcs").list.len() == 0), "canon", "nums", "num").join(
        keyed(common, "canon_c", "nums_c", "num"), on=["town", "num"])
    cand = pl.concat([sec_num.select("town", "canon", "canon_c"), no_pc.select("town", "canon", "canon_c")])
    best = pl.concat([best, _nearest(pairs(cand), max_edits)])
    return members.join(best, on=["town", "canon"], how="left").select(
        "town", "p_street", pl.coalesce("canon_c", "canon").alias("street"))


def place_keys(addresses: pl.DataFrame, max_edits: int = 2, places: PlaceSettings | None = None,
               placeholders: PlaceholderSettings | None = None) -> pl.DataFrame:
    """Columns (address_mention_id, place_key, town, street, number, flat, postcode) for address mentions
    (see `place_links`)."""
    return place_links(addresses, max_edits, places=places, placeholders=placeholders)[0]


def place_links(addresses: pl.DataFrame, max_edits: int = 2, residents: pl.DataFrame | None = None,
                places: PlaceSettings | None = None, placeholders: PlaceholderSettings | None = None,
                decided: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(keys, placeholder UPRNs): columns (address_mention_id, place_key, town, street, number, flat, postcode,
    review_to, review_why) for address mentions, and the UPRNs found to be placeholders (placeholders.PLACEHOLDER_SCHEMA).

    `addresses` needs address_mention_id, raw, uprn (nullable) and the parsed columns of address_mentions
    (flat, number, number_suffix, building, street, town, postcode): the parse stored at ingest.
    `residents` (address_mention_id, person, date): who a row places there and when, by a checked
    identifier; a house number written with its digits transposed or one digit wrong joins the number
    it varies only on such evidence (see `_number_variants`, `_slipped_mentions`); a row with evidence on one
    side only gets `review_to` (a row of the place it may belong to) and `review_why`, for the place review
    queue (place_review.py), whose decisions `decided` (address_mention_id, to_mention_id, accept) win.
    `places`, `placeholders`: the thresholds (LinkSettings.places, LinkSettings.placeholders).
    """
    cfg = places or PlaceSettings()
    cols = [c for c in ("address_mention_id", "raw", "uprn", *PARSED) if c in addresses.columns]
    df = match_parts(addresses.select(cols))
    df = df.join(_canonical_towns(df, cfg), on="p_town", how="left")
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
    df = df.join(_street_map(df, max_edits), on=["town", "p_street"], how="left").with_columns(
        pl.coalesce("street", "p_street").alias("street"))
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
    # Keyed by street too: two streets in a town can each have a 'Swallow Court'; and by postcode first:
    # one street can have two 'Nightingale House's (at 1 and at 18), each with its own postcode.
    known = df.filter(pl.col("p_building").is_not_null() & pl.col("p_number").is_not_null())
    bld = known.group_by("town", "p_building", "street").agg(_mode("p_number").alias("b_number"))
    bld_pc = (known.filter(pl.col("p_postcode").is_not_null()).group_by("town", "p_building", "street", "p_postcode")
              .agg(_mode("p_number").alias("b_number_pc")))
    bld_only = (
        known.group_by("town", "p_building")
        .agg(_mode("street").alias("b_street"), _mode("p_number").alias("b_number2"), pl.col("street").n_unique().alias("b_ns"))
        .filter(pl.col("b_ns") == 1)
        .drop("b_ns")
    )
    df = (
        df.join(bld, on=["town", "p_building", "street"], how="left")
        .join(bld_pc, on=["town", "p_building", "street", "p_postcode"], how="left")
        .join(bld_only, on=["town", "p_building"], how="left")
        .with_columns(
            pl.coalesce("p_number", "b_number_pc", "b_number",
                        pl.when(pl.col("street").is_null()).then("b_number2")).alias("number"),
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
    df, found = _usable_uprns(df, placeholders)
    df = _number_variants(df, residents, cfg)
    df, review = _slipped_mentions(df, residents, cfg, decided)
    return _join_uprns(df).join(review, on="address_mention_id", how="left").select(
        "address_mention_id", "place_key", "town", "street", "number", "flat", pl.col("p_postcode").alias("postcode"),
        "review_to", "review_why"), found


def _usable_uprns(df: pl.DataFrame, cfg: PlaceholderSettings | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`df` with `uprn` kept only where it is valid (1-12 digits, not zero) and no placeholder; and the
    placeholders found (a UPRN written on more dwellings than one building could be)."""
    checked = uprn_check(pl.col("uprn"))
    df = df.with_columns(pl.when(checked.struct.field("valid")).then(checked.struct.field("value")).alias("uprn"))
    if df["uprn"].null_count() == df.height:
        return df, pl.DataFrame(schema=PLACEHOLDER_SCHEMA)
    found = uprn_placeholders(df.with_columns(squash_street(pl.col("street")).alias("sq_street")), cfg)
    return df.with_columns(pl.when(~pl.col("uprn").is_in(found["value"].implode())).then(pl.col("uprn")).alias("uprn")), found


def _key_parts(col: str) -> list[pl.Expr]:
    """The town, street, number and flat of place keys (town|street|number|flat; null for a RAW| key)."""
    parts = pl.col(col).str.split("|")
    four = parts.list.len() == 4
    return [pl.when(four).then(parts.list.get(i, null_on_oob=True)) for i in range(4)]


def _join_uprns(df: pl.DataFrame) -> pl.DataFrame:
    """Keys sharing a UPRN are one place: the key becomes the smallest key of its UPRN component.

    Except another house number of the same street: a row written at 15 with the UPRN most of its rows
    carry at 14 moves to 14 alone (it is 14's row with a slipped number; 15, another house, keeps its
    own rows); with as many rows at 15 as at 14, which is the slip is not known and nothing moves."""
    with_uprn = df.filter(pl.col("uprn").is_not_null())
    if with_uprn.is_empty():
        return df
    counts = with_uprn.group_by("uprn", "place_key").len()
    # each UPRN's home: the key most of its rows are at (ties: the smallest key)
    home = (counts.sort(["uprn", "len", "place_key"], descending=[False, True, False])
            .group_by("uprn", maintain_order=True).first().select("uprn", pl.col("place_key").alias("home"),
                                                                  pl.col("len").alias("home_len")))
    k, h = _key_parts("place_key"), _key_parts("home")
    other_number = ((k[0] == h[0]) & (k[1] == h[1]) & (k[2] != h[2]) & (k[2] != "") & (h[2] != "")).fill_null(False)
    rivals = counts.join(home, on="uprn").filter(other_number)
    contested = rivals.filter(pl.col("len") == pl.col("home_len")).select("uprn").unique()
    rows = with_uprn.join(home, on="uprn").with_columns(other_number.alias("other_number"))
    slipped = rows.filter("other_number").join(contested, on="uprn", how="anti").select("address_mention_id", "home")
    if not slipped.is_empty():
        df = df.join(slipped, on="address_mention_id", how="left").with_columns(
            pl.coalesce("home", "place_key").alias("place_key"),
            pl.coalesce(_key_parts("home")[2], "number").alias("number")).drop("home")
    # a contested UPRN joins no two numbers of a street
    with_uprn = df.filter(pl.col("uprn").is_not_null()).join(
        rows.filter("other_number").join(contested, on="uprn").select("address_mention_id"), on="address_mention_id",
        how="anti")
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


def _is_variant(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """House number `a` is `b` with two digits transposed or one digit wrong (same length), or the number
    next to it (19 / 20: a neighbour's number, the slip that crosses a ten); both numeric."""
    same_len = a.str.len_chars() == b.str.len_chars()
    sorted_eq = a.str.split("").list.sort().list.join("") == b.str.split("").list.sort().list.join("")
    diffs = pl.sum_horizontal([(a.str.slice(i, 1) != b.str.slice(i, 1)).cast(pl.Int32) for i in range(4)])
    numeric = a.str.contains(r"^\d{1,4}$") & b.str.contains(r"^\d{1,4}$")
    next_to = (a.cast(pl.Int32, strict=False) - b.cast(pl.Int32, strict=False)).abs() == 1
    return (a != b) & numeric & ((same_len & (sorted_eq | (diffs == 1))) | next_to)


def _variant_candidates(keys: pl.DataFrame) -> pl.DataFrame:
    """Pairs of `keys` rows (the second suffixed `_c`) on the same town, street and flat whose house numbers
    may be variants: the same digits in another order, or the same but in one position. Equi-joins on
    those forms rather than every pair of numbers on a street (quadratic in a long street's numbers);
    `_is_variant` still decides."""
    num = keys.filter(pl.col("number").str.contains(r"^\d{1,4}$"))
    n = pl.col("number")
    forms = [n.str.split("").list.sort().list.join(""),
             *(pl.when(n.str.len_chars() > i).then(n.str.slice(0, i) + "_" + n.str.slice(i + 1)) for i in range(4))]
    sides = [(num.with_columns(form.alias("_form")).filter(pl.col("_form").is_not_null()),) * 2 for form in forms]
    # the next number up or down (19 / 20): the value on one side, the value plus or minus one on the other
    value = n.cast(pl.Int32, strict=False)
    sides += [(num.with_columns(value.alias("_form")), num.with_columns((value + step).alias("_form")))
              for step in (1, -1)]
    return pl.concat([a.join(b, on=["town", "street", "p_flat", "_form"], suffix="_c", nulls_equal=True).drop("_form")
                      for a, b in sides]).unique(["place_key", "place_key_c"]).with_columns(pl.col("p_flat").alias("p_flat_c"))


def _number_variants(df: pl.DataFrame, residents: pl.DataFrame | None, cfg: PlaceSettings) -> pl.DataFrame:
    """A place key whose house number is a transposition or one-digit slip of another key's number on the
    same street and town (and the same flat) joins that key only on evidence beyond the address: the
    same flat and the same postcode for transposed digits, or cfg.same_people people (by checked
    identifiers) placed at both within cfg.same_period_days, nobody else placed at the rarer one, and
    more rows of the other placing them than the rarer has rows. The key written less often joins the
    other; neighbours stay apart otherwise."""
    keyed = df.filter(pl.col("number").is_not_null() & pl.col("street").is_not_null())
    keys = keyed.group_by("place_key", "town", "street", "number", "p_flat").agg(
        pl.len().alias("n"), pl.col("p_postcode").drop_nulls().unique().alias("pcs"))
    pairs = _variant_candidates(keys).filter(
        _is_variant(pl.col("number"), pl.col("number_c"))
        & (pl.col("p_flat").eq_missing(pl.col("p_flat_c")))
        & ((pl.col("n") < pl.col("n_c")) | ((pl.col("n") == pl.col("n_c")) & (pl.col("place_key") > pl.col("place_key_c")))))
    if pairs.is_empty():
        return df
    # Neighbours share postcodes, and converted houses side by side have flats of the same numbers:
    # only a transposition (14 / 41, rarely in one postcode) counts on the flat and postcode alone.
    transposed = (pl.col("number").str.split("").list.sort().list.join("")
                  == pl.col("number_c").str.split("").list.sort().list.join(""))
    flat_pc = (pl.col("p_flat").is_not_null() & transposed
               & (pl.col("pcs").list.set_intersection("pcs_c").list.len() > 0))
    evidence = pairs.filter(flat_pc).select("place_key", "place_key_c", "n_c")
    if residents is not None and residents.height:
        cand = pairs.select("place_key", "place_key_c", "n", "n_c")
        # only the people of keys in a pair matter (the rest of the store's residents never do)
        paired = pl.concat([cand["place_key"], cand["place_key_c"]]).unique().implode()
        at = residents.join(df.select("address_mention_id", "place_key").filter(pl.col("place_key").is_in(paired)),
                            on="address_mention_id").select("place_key", "person", "date", "address_mention_id").unique()
        both = (cand.join(at.drop("address_mention_id"), on="place_key")
                .join(at.rename({"place_key": "place_key_c", "date": "date_c", "address_mention_id": "row_c"}),
                      on=["place_key_c", "person"])
                .filter((pl.col("date") - pl.col("date_c")).dt.total_days().abs() <= cfg.same_period_days))
        # The same people: two or more of them, and nobody else placed at the rare key (one person may
        # move next door, a household rarely does, and a real neighbour's house has its own people);
        # and they are written at the other key more often than the rare key is written at all: a
        # household at 14 once written at 15, where another family lives, does not make 14 a slip of 15.
        both = both.group_by("place_key", "place_key_c", "n_c").agg(pl.col("person").n_unique().alias("k"),
                                                                    pl.col("row_c").n_unique().alias("rows_c"))
        own = at.group_by("place_key").agg(pl.col("person").n_unique().alias("k_all"))
        both = both.join(own, on="place_key").join(cand.select("place_key", "place_key_c", "n"), on=["place_key", "place_key_c"]).filter(
            (pl.col("k") >= cfg.same_people) & (pl.col("k") == pl.col("k_all")) & (pl.col("rows_c") > pl.col("n")))
        evidence = pl.concat([evidence, both.select("place_key", "place_key_c", "n_c")])
    # each rare key joins its commonest variant with evidence (ties: the smallest key)
    best = (evidence.unique().sort(["place_key", "n_c", "place_key_c"], descending=[False, True, False])
            .group_by("place_key", maintain_order=True).first().select("place_key", pl.col("place_key_c").alias("to")))
    # a key that others join does not itself move (one step, no chains)
    best = best.filter(~pl.col("place_key").is_in(best["to"].implode()))
    return df.join(best, on="place_key", how="left").with_columns(
        pl.coalesce("to", "place_key").alias("place_key")).drop("to")


def _slipped_mentions(df: pl.DataFrame, residents: pl.DataFrame | None, cfg: PlaceSettings,
                      decided: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row's house number written with a digit slip moves to the number its people live at; and the
    rows where the evidence is one-sided, for review (address_mention_id, review_to, review_why).

    A mention at (town, street, number, flat) moves to the key of a variant number (digits transposed or
    one digit wrong) on the same street, town and flat when a person it places there (by a checked
    identifier, or name and date of birth) is placed at that variant by other rows on the same day or
    both before and after it within cfg.same_period_days, and none of its people is placed at its own number by another row in
    that period. A single row that disagrees with where its people are seen either side of it is the
    slip; a household that moved next door has rows at the new number after the move. A row with no
    town likewise takes the town its people are seen at, at its number and street, in the period.
    Seen there on one side only, the row stays and is queued for review (`review_to`: the nearest such row).
    `decided` (address_mention_id, to_mention_id, accept): an analyst's decisions, which win.
    """
    review = pl.DataFrame(schema={"address_mention_id": pl.Int64, "review_to": pl.Int64, "review_why": pl.String})
    decided = decided if decided is not None else pl.DataFrame(
        schema={"address_mention_id": pl.Int64, "to_mention_id": pl.Int64, "accept": pl.Boolean})
    # A decision names a row of the place: its key now.
    decided = decided.join(df.select(pl.col("address_mention_id").alias("to_mention_id"),
                                     pl.col("place_key").alias("place_key_c")), on="to_mention_id")
    cols = ["place_key", "town", "street", "number", "p_flat"]
    at = pl.DataFrame() if residents is None else (
        residents.filter(pl.col("date").is_not_null())
        .join(df.filter(pl.col("number").is_not_null() & pl.col("street").is_not_null())
              .select("address_mention_id", *cols), on="address_mention_id"))
    one = decided.filter("accept").select("address_mention_id", "place_key_c")
    if not at.is_empty():
        period = int(cfg.same_period_days)
        other = at.rename({c: f"{c}_c" for c in ("address_mention_id", "date", *cols)})
        near = at.join(other, on="person").filter(
            (pl.col("address_mention_id") != pl.col("address_mention_id_c"))
            & ((pl.col("date") - pl.col("date_c")).dt.total_days().abs() <= period))
        # Its people seen at its own key by another row in the period, or an analyst's decision: it stands.
        stands = pl.concat([near.filter(pl.col("place_key") == pl.col("place_key_c")).select("address_mention_id"),
                            decided.select("address_mention_id")]).unique()
        same_street = (pl.col("street") == pl.col("street_c")) & pl.col("p_flat").eq_missing(pl.col("p_flat_c"))
        gap = (pl.col("date") - pl.col("date_c")).dt.total_days().abs()
        slips = (near.filter(same_street & (pl.col("town") == pl.col("town_c"))
                             & _is_variant(pl.col("number"), pl.col("number_c")))
                 .join(stands, on="address_mention_id", how="anti")
                 .sort("address_mention_id", "place_key_c", gap, "address_mention_id_c")
                 .group_by("address_mention_id", "place_key_c", maintain_order=True)
                 .agg((pl.col("date_c") <= pl.col("date")).any().alias("before"),
                      (pl.col("date_c") >= pl.col("date")).any().alias("after"),
                      pl.col("address_mention_id_c").first().alias("review_to"),
                      pl.col("person").n_unique().alias("k"), pl.col("number").first(), pl.col("number_c").first()))
        # A row written without a town (and no postcode that tells it) takes the town its people are seen at
        # this number of this street in the period: no neighbour is at stake.
        no_town = near.filter(same_street & pl.col("town").is_null() & pl.col("town_c").is_not_null()
                              & (pl.col("number") == pl.col("number_c"))).join(stands, on="address_mention_id", how="anti")
        cand = pl.concat([slips.filter(pl.col("before") & pl.col("after")).select("address_mention_id", "place_key_c"),
                          no_town.select("address_mention_id", "place_key_c"),
                          _bracketed(df, residents).join(stands, on="address_mention_id", how="anti")]).unique()
        # Only where one variant is the answer.
        auto = cand.group_by("address_mention_id").agg(pl.col("place_key_c").first(), pl.len().alias("n")).filter(
            pl.col("n") == 1).drop("n")
        # Rows of 24 that would move to 42 while rows of 42 would move to 24 (one household written both ways
        # on one day): only the rows of the number written less often move (ties: neither).
        moves = auto.join(df.select("address_mention_id", "place_key"), on="address_mention_id")
        ways = moves.select("place_key", "place_key_c").unique()
        rows = df.group_by("place_key").len()
        against = (ways.join(ways.rename({"place_key": "place_key_c", "place_key_c": "place_key"}),
                             on=["place_key", "place_key_c"])
                   .join(rows, on="place_key").join(rows.rename({"place_key": "place_key_c", "len": "len_c"}),
                                                    on="place_key_c")
                   .filter(pl.col("len") >= pl.col("len_c")))
        auto = moves.join(against, on=["place_key", "place_key_c"], how="anti").drop("place_key")
        one = pl.concat([one, auto])
        # Seen at one variant on one side only: for an analyst.
        side = slips.filter(pl.col("before") != pl.col("after")).join(auto, on="address_mention_id", how="anti")
        side = side.filter(pl.len().over("address_mention_id") == 1)
        transposed = (pl.col("number").str.split("").list.sort().list.join("")
                      == pl.col("number_c").str.split("").list.sort().list.join(""))
        review = side.select(
            "address_mention_id", pl.col("review_to").cast(pl.Int64),
            pl.format("number {} written, {} of its people seen at number {} of the street {} it (within {} days); {}",
                      "number", "k", "number_c", pl.when("before").then(pl.lit("before")).otherwise(pl.lit("after")),
                      pl.lit(period), pl.when(transposed).then(pl.lit("digits transposed"))
                      .when(pl.col("number").str.len_chars() == pl.col("number_c").str.len_chars())
                      .then(pl.lit("one digit differs")).otherwise(pl.lit("the next number"))).alias("review_why"))
    if one.is_empty():
        return df, review
    parts = df.group_by("place_key").agg(pl.col("number").drop_nulls().first().alias("number_c"))
    moved = one.join(parts, left_on="place_key_c", right_on="place_key")
    return (df.join(moved, on="address_mention_id", how="left")
            .with_columns(pl.coalesce("place_key_c", "place_key").alias("place_key"),
                          pl.coalesce("number_c", "number").alias("number"))
            .drop("place_key_c", "number_c")), review


def _bracketed(df: pl.DataFrame, residents: pl.DataFrame | None) -> pl.DataFrame:
    """(address_mention_id, place_key_c): rows whose only sighting of a person at their key falls between two
    sightings of that person at a variant number of the same street, town and flat, with no sighting
    anywhere else in between, however far apart: a household seen at 14 before and after, with one row at
    15 in its tenure and nothing at 15 again, was at 14 throughout (a family that moved next door has
    rows at the new number after the move).

    Each person's rows in date order fall into runs at one key; a run of one row whose neighbouring runs
    are at one variant key is that row's slip."""
    if residents is None or residents.is_empty():
        return pl.DataFrame(schema={"address_mention_id": pl.Int64, "place_key_c": pl.String})
    seen = (residents.filter(pl.col("date").is_not_null()).select("address_mention_id", "person", "date").unique()
            .join(df.select("address_mention_id", "place_key"), on="address_mention_id")
            .sort("person", "date", "address_mention_id"))
    # runs by shifts over the whole sorted frame (no per-person windows): a run starts where the person or
    # the key changes; its neighbours are the runs before and after it of the same person
    person, key = pl.col("person"), pl.col("place_key")
    seen = seen.with_columns(((person != person.shift(1)) | key.ne_missing(key.shift(1))).fill_null(True)
                             .cast(pl.Int32).cum_sum().alias("run"))
    runs = (seen.group_by("run", maintain_order=True)
            .agg(person.first(), key.first(), pl.len().alias("n"), pl.col("address_mention_id").first()))
    same = person == person.shift(1)
    runs = runs.with_columns(pl.when(same).then(key.shift(1)).alias("prev"),
                             pl.when(person == person.shift(-1)).then(key.shift(-1)).alias("place_key_c"))
    one = runs.filter((pl.col("n") == 1) & (pl.col("prev") == pl.col("place_key_c")))
    # a key is town|street|number|flat: the two keys differ in the number alone, by a slip
    k, kc = _key_parts("place_key"), _key_parts("place_key_c")
    same_but_number = (k[0] != "?") & (k[0] == kc[0]) & (k[1] == kc[1]) & (k[3] == kc[3])
    return (one.filter((same_but_number & _is_variant(k[2], kc[2])).fill_null(False))
            .select("address_mention_id", "place_key_c").unique())


# Who an address row places there, by each checked identifier: (identifier, its value, the person key, when usable).
_RESIDENT_IDS = (
    ("nhs_number", "nhs_number", "'N' || nhs_number", "nhs_valid"),
    ("upn", "upper(upn)", "'U' || upper(upn)", "upn_valid"),
    ("pnc", "upper(pnc)", "'P' || upper(pnc)", "pnc_valid"),
    ("local_id", "local_id", "'L' || local_id", "nullif(local_id, '') IS NOT NULL"),
    ("dob", "dob::VARCHAR", "'D' || upper(surname) || '|' || upper(left(forename, 1)) || '|' || dob",
     "surname IS NOT NULL AND forename IS NOT NULL AND dob IS NOT NULL"),
)


def _resident_ids(where: dict[str, str] | None = None) -> str:
    """(address_mention_id, date, person, ident, value) of person mentions placing someone at an address
    row; `where`: an extra condition per identifier."""
    return " UNION ALL ".join(
        f"SELECT address_mention_id, event_date AS date, {person} AS person, '{ident}' AS ident, {value} AS value "
        f"FROM person_mentions WHERE {ok} AND address_mention_id IS NOT NULL AND {(where or {}).get(ident, 'true')}"
        for ident, value, person, ok in _RESIDENT_IDS)


def residents(con: duckdb.DuckDBPyConnection, placeholders: PlaceholderSettings | None = None,
              among: str | None = None, stored: str | None = None) -> pl.DataFrame:
    """(address_mention_id, person, date): the people each address row places there, by a checked
    identifier (valid NHS number, UPN, PNC id or an agency's own id), and the row's date. Values held by
    more people than one (placeholders.person_placeholders) are left out.

    `among` (a table of address_mention_id): only the people these rows place, at every row placing
    them; `stored` (a table of identifier, value): the placeholders to leave out, instead of finding them
    again (an incremental run takes the last full run's list)."""
    from chronolink.engine.link.engine import DuckDBEngine
    from chronolink.engine.link.placeholders import person_placeholders

    if stored is None:
        con.register("_lk_res_ph", person_placeholders(DuckDBEngine(con), cfg=placeholders))
    else:
        con.register("_lk_res_ph", con.sql(f"SELECT identifier, value FROM {stored}").pl())
    ids = _resident_ids()
    if among is not None:
        # the people the rows place, then their other rows (each identifier's values narrowed first)
        near = _resident_ids({i: f"address_mention_id IN (SELECT address_mention_id FROM {among})" for i, *_ in _RESIDENT_IDS})
        ids = f"""WITH near AS ({near})
            SELECT * FROM ({_resident_ids({i: f"{v} IN (SELECT value FROM near WHERE ident = '{i}')"
                                           for i, v, *_ in _RESIDENT_IDS})})
            WHERE person IN (SELECT person FROM near)"""
    try:
        return con.sql(f"""
            WITH ids AS ({ids})
            SELECT DISTINCT address_mention_id, person, date FROM ids
            ANTI JOIN _lk_res_ph p ON p.identifier = ids.ident AND p.value = ids.value
        """).pl()
    finally:
        con.unregister("_lk_res_ph")


def slipped_mentions(df: pl.DataFrame, residents: pl.DataFrame | None, cfg: PlaceSettings,
                     decided: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`_slipped_mentions` for a caller with the keys already made (an incremental run's new rows among
    the stored rows of their people, each stored row keyed by its place id)."""
    return _slipped_mentions(df, residents, cfg, decided)
