"""Linkage of arbitrary person lists: dedupe one CSV or link two, columns named by a TOML mapping.

The rows go through the ingest normalisers (names, dates, identifiers, the one address parser) into
the person_mentions / address_mentions layout. The mapping format is documented in docs/link-files.md:

    forename = "given_name"          # or full_name = "name" (either order, "SURNAME, Forename" too)
    surname = "surname"
    dob = "date_of_birth"
    dob_format = "auto"              # or "%Y%m%d", or a list of formats; every unparseable date is reported
    sex = "sex"
    address = ["street_number", "address_1", "address_2"]   # one column or several, in writing order
    town = "suburb"
    postcode = "postcode"
    id = "rec_id"                    # the row's own reference, echoed in the output

    [identifiers]                    # any number; a value counts only within its own column
    soc_sec_id = "soc_sec_id"
    nhs_number = "nhs"               # an identifier named nhs_number must pass the NHS check digit

By default the rows are linked by the list model (list_model.py: trained on the lists themselves,
its vetoes learned from the pairs the lists vouch for) and clustered under its vetoes
(list_clustering.py). `constraints="safeguarding"` links them with the agency pipeline and its
household clustering constraints instead.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from chronolink.engine.errors import InputFileError, MappingFileError
from chronolink.engine.link.comparisons import COMPARISONS, impossible_levels
from chronolink.engine.link.components import connected_components
from chronolink.engine.link.engine import DuckDBEngine
from chronolink.engine.link.list_clustering import cluster_rows
from chronolink.engine.link.list_model import score_list_pairs
from chronolink.engine.link.pipeline import link_persons
from chronolink.engine.link.placeholders import held_placeholders
from chronolink.engine.link.places import place_keys
from chronolink.engine.link.settings import LinkSettings, PlaceholderSettings
from chronolink.engine.normalise.addresses import with_address_parts
from chronolink.engine.normalise.dates import parse_date
from chronolink.engine.normalise.identifiers import nhs_number
from chronolink.engine.normalise.names import fold_name, split_full_name
from chronolink.engine.store import schema_sql
from chronolink.engine.store.ids import ADDRESS_OFFSET, record_id_expr

# Formats tried when dob_format is "auto" (day first before month first: UK lists); the one that
# reads most of a file's dates is used for that file, and every date it cannot read is reported.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d-%b-%Y", "%d %B %Y",
                "%Y/%m/%d", "%d/%m/%y", "%m/%d/%Y")
CONSTRAINTS = ("none", "safeguarding")
LIST_U_PAIRS = 100_000
CHAINED = "clustering: another link of one of the two rows conflicts"
ISSUE_SCHEMA = {"file": pl.String, "row": pl.Int64, "column": pl.String, "problem": pl.String}


class FileMapping(BaseModel):
    """Which CSV column holds which field (all optional; `full_name` is used when forename/surname are absent)."""

    model_config = ConfigDict(extra="forbid")
    forename: str | None = None
    surname: str | None = None
    full_name: str | None = None
    dob: str | None = None
    dob_format: str | list[str] = "auto"
    sex: str | None = None
    address: str | list[str] | None = None
    town: str | None = None
    postcode: str | None = None
    id: str | None = None
    identifiers: dict[str, str] = {}

    @field_validator("address")
    @classmethod
    def _address_list(cls, v: str | list[str] | None) -> list[str] | None:
        return [v] if isinstance(v, str) else v

    @classmethod
    def load(cls, path: Path | str) -> "FileMapping":
        """Read a mapping TOML (keys at top level or under [columns]); a bad one raises MappingFileError."""
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise MappingFileError(f"mapping {p.name}: cannot be read as TOML ({type(exc).__name__})") from None
        if "columns" in data:
            data = {**data.pop("columns"), **data}
        return cls.from_dict(data, p.name)

    @classmethod
    def from_dict(cls, data: dict, source: str = "mapping") -> "FileMapping":
        """Validate a mapping; errors name the key and what is wrong, never a pydantic dump."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = []
            for e in exc.errors(include_input=False):
                key = ".".join(str(x) for x in e["loc"])
                if e["type"] == "extra_forbidden":
                    problems.append(f"unknown key {key!r} (known: {', '.join(cls.model_fields)})")
                else:
                    problems.append(f"key {key!r}: {e['msg']}")
            raise MappingFileError(f"{source}: " + "; ".join(problems)) from None

    def columns(self) -> dict[str, str]:
        """Mapping key -> column, for every column the mapping names."""
        cols = {k: getattr(self, k) for k in ("forename", "surname", "full_name", "dob", "sex", "town", "postcode", "id")}
        cols.update({f"address[{i}]": c for i, c in enumerate(self.address or [])})
        cols.update({f"identifiers.{k}": c for k, c in self.identifiers.items()})
        return {k: v for k, v in cols.items() if v}


@dataclass
class LinkFilesResult:
    """Pairs, and what could not be used: every unparseable date, invalid or placeholder identifier."""

    pairs: pl.DataFrame
    issues: pl.DataFrame
    date_formats: dict[str, str]


def _read(path: Path, mapping: FileMapping) -> pl.DataFrame:
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=True)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputFileError(f"{path.name}: cannot be read as CSV ({type(exc).__name__})") from None
    raw = raw.rename({c: c.strip() for c in raw.columns})
    for key, col in mapping.columns().items():
        if col not in raw.columns:
            raise InputFileError(f"{path.name}: column {col!r} (mapping key {key!r}) is not in the file "
                                 f"(its columns: {', '.join(raw.columns)})")
    return raw.with_columns(pl.all().str.strip_chars().replace("", None))


def _date_format(df: pl.DataFrame, col: str, declared: str | list[str]) -> list[str]:
    """The declared formats, or the one of DATE_FORMATS that reads most of the column's distinct values."""
    if declared != "auto":
        return [declared] if isinstance(declared, str) else list(declared)
    values = df.select(pl.col(col).drop_nulls().unique())
    if values.is_empty():
        return [DATE_FORMATS[0]]
    counts = [values.select((parse_date(pl.col(col), [f]).struct.field("status") == "ok").sum()).item() for f in DATE_FORMATS]
    return [DATE_FORMATS[counts.index(max(counts))]]


def _issues(df: pl.DataFrame, cond: pl.Expr, path: Path, column: str, problem: str) -> pl.DataFrame:
    return df.filter(cond).select(pl.lit(path.name).alias("file"), pl.col("row").cast(pl.Int64),
                                  pl.lit(column).alias("column"), pl.lit(problem).alias("problem"))


def _frame(path: Path, mapping: FileMapping, file_seq: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, str]:
    """(person rows, address rows, issues, date format used) of one file."""
    raw = _read(path, mapping)

    def col(name: str | None) -> pl.Expr:
        return pl.col(name) if name else pl.lit(None, dtype=pl.String)

    df = raw.with_row_index("row", offset=1).with_columns(record_id_expr(file_seq, pl.col("row")).alias("record_id"))
    issues = [pl.DataFrame(schema=ISSUE_SCHEMA)]
    fmt = ""
    dob = pl.lit(None, dtype=pl.Date)
    status = pl.lit("missing")
    if mapping.dob:
        formats = _date_format(df, mapping.dob, mapping.dob_format)
        fmt = " | ".join(formats)
        df = df.with_columns(parse_date(pl.col(mapping.dob), formats).alias("_dob"))
        dob, status = pl.col("_dob").struct.field("date"), pl.col("_dob").struct.field("status")
        for st, problem in (("invalid", "unparseable_date"), ("implausible", "implausible_date")):
            issues.append(_issues(df, status == st, path, mapping.dob, problem))
    if mapping.forename or mapping.surname:
        given, sur = fold_name(col(mapping.forename)), fold_name(col(mapping.surname))
        first = given.str.extract(r"^(\S+)")
        middle = given.str.extract(r"^\S+\s+(.+)$")
    else:
        parts = split_full_name(col(mapping.full_name))
        first, middle, sur = (parts.struct.field(f) for f in ("forename", "middle_names", "surname"))
    sex = col(mapping.sex).str.to_uppercase().str.slice(0, 1)
    nhs_col = mapping.identifiers.get("nhs_number")
    nhs = nhs_number(col(nhs_col))
    if nhs_col:
        issues.append(_issues(df, nhs.struct.field("valid") == False, path, nhs_col, "invalid_nhs_number"))  # noqa: E712
    has_address = pl.any_horizontal([col(c).is_not_null() for c in [*(mapping.address or []), mapping.town,
                                                                     mapping.postcode] if c] or [pl.lit(False)])
    persons = df.select(
        pl.col("record_id").alias("mention_id"), "record_id", pl.lit(file_seq).alias("file_seq"),
        pl.lit(path.name).alias("source_file"), pl.col("row").cast(pl.Int32).alias("source_row"),
        pl.lit("row").alias("slot"), pl.lit(f"file{file_seq}").alias("agency"),
        first.alias("forename"), middle.alias("middle_names"), sur.alias("surname"), dob.alias("dob"),
        status.alias("dob_status"), pl.when(sex.is_in(["M", "F"])).then(sex).alias("sex"),
        nhs.struct.field("value").alias("nhs_number"), nhs.struct.field("valid").fill_null(False).alias("nhs_valid"),
        pl.when(has_address).then(pl.col("record_id") + ADDRESS_OFFSET).alias("address_mention_id"),
        col(mapping.id).alias("ext_id"),
        *[col(c).str.to_uppercase().str.replace_all(r"[\s\-]", "").alias(f"_id_{k}")
          for k, c in mapping.identifiers.items() if k != "nhs_number"],
    )
    lines = [col(c) for c in [*(mapping.address or []), mapping.town] if c]
    addresses = df.select(
        (pl.col("record_id") + ADDRESS_OFFSET).alias("address_mention_id"), "record_id", pl.lit(file_seq).alias("file_seq"),
        pl.lit(path.name).alias("source_file"), pl.col("row").cast(pl.Int32).alias("source_row"),
        pl.lit("address").alias("field"),
        (pl.concat_str(lines, separator=", ", ignore_nulls=True) if lines else pl.lit(None, pl.String)).alias("raw"),
        col(mapping.postcode).alias("postcode"), pl.lit(None, dtype=pl.String).alias("uprn"),
    ).filter(pl.col("raw").is_not_null() | pl.col("postcode").is_not_null())
    return persons, addresses, pl.concat(issues), fmt


def _identifier_groups(persons: pl.DataFrame, mapping: FileMapping, cfg: PlaceholderSettings,
                       eng: DuckDBEngine) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(mention_id, local_id): rows sharing a value in one identifier column (other than nhs_number,
    which the person linkage weighs itself) are one person; and the rows whose value is a placeholder
    (placeholders.held_placeholders: held by more people than one), listed for the user; and those
    placeholder values (ident, value)."""
    cols = [(k, pl.col(f"_id_{k}")) for k in mapping.identifiers if k != "nhs_number"]
    if "nhs_number" in mapping.identifiers:  # a valid one only: an invalid one is already listed
        cols.append(("nhs_number", pl.when(pl.col("nhs_valid")).then(pl.col("nhs_number"))))
    if not cols:
        return (pl.DataFrame(schema={"mention_id": pl.Int64, "local_id": pl.String}), pl.DataFrame(schema=ISSUE_SCHEMA),
                pl.DataFrame(schema={"ident": pl.String, "value": pl.String}))
    long = pl.concat([persons.select("mention_id", "source_file", "source_row", "dob", "forename",
                                     pl.lit(k).alias("ident"), v.alias("value")) for k, v in cols])
    long = long.filter(pl.col("value").is_not_null())
    eng.register("_lf_held", long.select(pl.col("ident").alias("identifier"), "value", "dob", "forename"))
    ph = held_placeholders(eng, "_lf_held", cfg).select(pl.col("identifier").alias("ident"), "value")
    eng.unregister("_lf_held")
    placeholder_rows = long.join(ph, on=["ident", "value"]).select(
        pl.col("source_file").alias("file"), pl.col("source_row").cast(pl.Int64).alias("row"),
        ("identifiers." + pl.col("ident")).alias("column"), pl.lit("placeholder_identifier").alias("problem"))
    long = long.join(ph, on=["ident", "value"], how="anti").filter(pl.col("ident") != "nhs_number")
    keys = long.select("ident", "value").unique().sort("ident", "value").with_row_index("k")
    n = keys.height
    edges = long.join(keys, on=["ident", "value"]).select(
        pl.col("k").cast(pl.Int64).alias("a"), (pl.col("mention_id") + n).alias("b"))
    comp = connected_components(edges).filter(pl.col("node") >= n)
    groups = comp.with_columns((pl.col("node") - n).alias("mention_id")).group_by("component").agg(pl.col("mention_id"))
    groups = groups.filter(pl.col("mention_id").list.len() > 1).explode("mention_id")
    return (groups.select(pl.col("mention_id").cast(pl.Int64), ("ids:" + pl.col("component").cast(pl.String)).alias("local_id")),
            placeholder_rows, ph)


def _kept_apart_sql() -> str:
    """SQL CASE naming the impossible comparison level of a scored pair (`s`), if any."""
    whens = [f"WHEN s.g_{c.name} IN ({', '.join(map(str, impossible_levels(c.name)))}) THEN '{c.name}: impossible level'"
             for c in COMPARISONS if impossible_levels(c.name)]
    return "CASE " + " ".join(whens) + " END" if whens else "NULL"


def link_files(paths: list[Path], mapping: FileMapping, settings: LinkSettings | None = None, *,
               link_only: bool = False, constraints: str = "none") -> LinkFilesResult:
    """Pairs of rows judged the same person: within one file (dedupe) or across two (link).

    Pair columns: file_l, row_l, id_l, file_r, row_r, id_r, match_weight, match_probability, same_person,
    kept_apart_by (for a pair whose weight reaches the link weight but is not linked: the rule that
    kept it apart). `link_only` (two deduplicated lists) links each row to at most one row of the
    other file, strongest pairs first. `constraints="safeguarding"` applies the household clustering
    constraints of agency extracts (dates of birth too far apart, forenames of twins or relatives).
    """
    if not 1 <= len(paths) <= 2:
        raise InputFileError("link-files takes one file (dedupe) or two (link)")
    if link_only and len(paths) != 2:
        raise InputFileError("--link-only needs two files")
    if constraints not in CONSTRAINTS:
        raise InputFileError(f"unknown constraints {constraints!r} (known: {', '.join(CONSTRAINTS)})")
    if settings is None:
        # u from 100k random pairs: a list of thousands has far fewer people than a county, and the
        # agency default (600k) is most of a small run's time for no better estimate.
        settings = LinkSettings()
        settings = settings.model_copy(update={"em": settings.em.model_copy(update={"u_sample_pairs": LIST_U_PAIRS})})
    on = constraints == "safeguarding"
    settings = settings.model_copy(update={"cluster": settings.cluster.model_copy(
        update={"enforce_dob": on, "enforce_twins": on})})
    frames = [_frame(Path(p), mapping, i + 1) for i, p in enumerate(paths)]
    persons = pl.concat([f[0] for f in frames], how="vertical_relaxed")
    addresses = pl.concat([f[1] for f in frames], how="vertical_relaxed")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        groups, placeholder_rows, placeholders = _identifier_groups(persons, mapping, settings.placeholders, DuckDBEngine(con))
        persons = persons.join(groups, on="mention_id", how="left")
        issues = pl.concat([*(f[2] for f in frames), placeholder_rows]).sort("file", "row", "column")
        if on:
            pairs = _link(con, persons, addresses, settings, two=len(paths) == 2, link_only=link_only)
        else:
            pairs = _link_list(con, persons, addresses, placeholders, mapping, settings, two=len(paths) == 2,
                               link_only=link_only)
    finally:
        con.close()
    return LinkFilesResult(pairs, issues, {Path(p).name: f[3] for p, f in zip(paths, frames) if f[3]})


def _link(con: duckdb.DuckDBPyConnection, persons: pl.DataFrame, addresses: pl.DataFrame, settings: LinkSettings,
          two: bool, link_only: bool) -> pl.DataFrame:
    con.execute(schema_sql())
    ext = persons.select("mention_id", "ext_id")
    con.register("_p", persons.select(pl.exclude("ext_id", "^_id_.*$")))
    con.execute("INSERT INTO person_mentions BY NAME SELECT * FROM _p")
    if addresses.height:
        keys = place_keys(with_address_parts(addresses), settings.street_max_edits, places=settings.places,
                          placeholders=settings.placeholders)
        con.register("_k", keys)
        con.execute("""CREATE TEMP TABLE _lk_addr AS
            SELECT address_mention_id, place_key AS place_id, postcode, town || '|' || street AS street_key FROM _k""")
    else:
        con.execute("CREATE TEMP TABLE _lk_addr (address_mention_id BIGINT, place_id VARCHAR, postcode VARCHAR, street_key VARCHAR)")
    link_persons(DuckDBEngine(con), settings, keep=("sig", "msig", "scored", "cluster", "m", "refused"))
    con.register("_ext", ext)
    link_w = settings.cluster.link_weight
    pairs = con.sql(f"""
        WITH scored AS (
            SELECT a.mention_id AS ml, b.mention_id AS mr, s.match_weight, s.match_probability,
                   {_kept_apart_sql()} AS impossible
            FROM _lk_scored s JOIN _lk_msig a ON a.sid = s.sid_l JOIN _lk_msig b ON b.sid = s.sid_r
            WHERE s.match_weight >= {settings.cluster.review_weight!r}
            UNION ALL  -- identical rows share a signature and are never scored: certain duplicates
            SELECT a.mention_id, b.mention_id, NULL, 1.0, NULL
            FROM _lk_msig a JOIN _lk_msig b ON a.sid = b.sid AND a.mention_id < b.mention_id
        ), same_cluster AS (
            SELECT a.mention_id AS ml, b.mention_id AS mr FROM _lk_cluster a JOIN _lk_cluster b
            ON a.cluster = b.cluster AND a.mention_id < b.mention_id
        ), allp AS (
            SELECT least(ml, mr) AS ml, greatest(ml, mr) AS mr, max(match_weight) AS match_weight,
                   max(match_probability) AS match_probability, max(impossible) AS impossible
            FROM (SELECT * FROM scored UNION ALL SELECT ml, mr, NULL, NULL, NULL FROM same_cluster) GROUP BY ALL
        )
        SELECT l.source_file AS file_l, l.source_row AS row_l, el.ext_id AS id_l,
               r.source_file AS file_r, r.source_row AS row_r, er.ext_id AS id_r,
               round(p.match_weight, 3) AS match_weight, round(p.match_probability, 4) AS match_probability,
               (cl.cluster = cr.cluster) AS same_person,
               CASE WHEN cl.cluster <> cr.cluster AND p.match_weight >= {link_w!r}
                    THEN coalesce(rf.reason, p.impossible, '{CHAINED}')
               END AS kept_apart_by,
               l.file_seq <> r.file_seq AS across
        FROM allp p
        JOIN person_mentions l ON l.mention_id = p.ml JOIN person_mentions r ON r.mention_id = p.mr
        JOIN _lk_cluster cl ON cl.mention_id = p.ml JOIN _lk_cluster cr ON cr.mention_id = p.mr
        JOIN _lk_m ml ON ml.mention_id = p.ml JOIN _lk_m mr ON mr.mention_id = p.mr
        LEFT JOIN _lk_refused rf ON rf.pc_a = least(ml.pc, mr.pc) AND rf.pc_b = greatest(ml.pc, mr.pc)
        LEFT JOIN _ext el ON el.mention_id = p.ml LEFT JOIN _ext er ON er.mention_id = p.mr
        WHERE {"l.file_seq <> r.file_seq" if two else "TRUE"}
    """).pl()
    if link_only:
        pairs = _one_to_one(pairs, link_w)
    return pairs.drop("across").sort(["same_person", "match_weight", "file_l", "row_l", "file_r", "row_r"],
                                     descending=[True, True, False, False, False, False], nulls_last=False)


def _list_rows(persons: pl.DataFrame, addresses: pl.DataFrame, placeholders: pl.DataFrame,
               mapping: FileMapping) -> tuple[pl.DataFrame, list[str]]:
    """One row per list row with every field the list model compares (placeholder identifiers nulled,
    an invalid NHS number left out), and the identifier names."""
    parts = with_address_parts(addresses).select("address_mention_id", "number", "street", "town", "postcode") \
        if addresses.height else pl.DataFrame(schema={"address_mention_id": pl.Int64, **{c: pl.String for c in
                                                       ("number", "street", "town", "postcode")}})
    idents = list(mapping.identifiers)
    ids = []
    for k in idents:
        value = pl.when(pl.col("nhs_valid")).then(pl.col("nhs_number")) if k == "nhs_number" else pl.col(f"_id_{k}")
        bad = placeholders.filter(pl.col("ident") == k)["value"]
        ids.append(pl.when(value.is_in(bad.implode())).then(None).otherwise(value).alias(f"id_{k}"))
    rows = persons.join(parts, on="address_mention_id", how="left").select(
        pl.col("mention_id").alias("rid"), "file_seq", pl.col("forename").alias("fn"), pl.col("surname").alias("sn"),
        "dob", "sex", "number", "street", "town", pl.col("postcode").str.replace_all(" ", ""), *ids)
    return rows, idents


def _shared_values(rows: pl.DataFrame, idents: list[str], two: bool) -> pl.DataFrame:
    """(rid_l, rid_r): rows holding one value in one identifier column (placeholders already nulled),
    each row joined to the first row holding it; across the files when linking two."""
    out = [pl.DataFrame(schema={"rid_l": pl.Int64, "rid_r": pl.Int64})]
    for k in idents:
        held = rows.filter(pl.col(f"id_{k}").is_not_null()).select("rid", "file_seq", pl.col(f"id_{k}").alias("v"))
        first = held.sort("rid").group_by("v", *(["file_seq"] if two else []), maintain_order=True).first()
        if two:
            pairs = first.filter(pl.col("file_seq") == 1).join(held.filter(pl.col("file_seq") == 2), on="v")
        else:
            pairs = first.join(held, on="v").filter(pl.col("rid") != pl.col("rid_right"))
        out.append(pairs.select(pl.col("rid").alias("rid_l"), pl.col("rid_right").alias("rid_r")))
    return pl.concat(out).unique().sort("rid_l", "rid_r")


def _link_list(con: duckdb.DuckDBPyConnection, persons: pl.DataFrame, addresses: pl.DataFrame,
               placeholders: pl.DataFrame, mapping: FileMapping, settings: LinkSettings, two: bool,
               link_only: bool) -> pl.DataFrame:
    """Pairs under the list model (list_model.py): links (weight at or above the link weight, or a shared
    identifier value) clustered strongest first under the model's vetoes (list_clustering.py)."""
    rows, idents = _list_rows(persons, addresses, placeholders, mapping)
    scores = score_list_pairs(con, rows, idents, two, settings.em)
    scored = scores.pairs.select("rid_l", "rid_r", "match_weight", "match_probability")
    link_w, review_w = settings.cluster.link_weight, settings.cluster.review_weight
    same_id = _shared_values(rows, idents, two)
    edges = (scored.filter(pl.col("match_weight") >= link_w).select("rid_l", "rid_r", "match_weight")
             .sort(["match_weight", "rid_l", "rid_r"], descending=[True, False, False]))
    comp, refused = cluster_rows(con, rows, scores, same_id.iter_rows(), edges.iter_rows(), link_only)
    in_cluster = comp.join(comp, on="cluster").filter(pl.col("rid") < pl.col("rid_right")).select(
        pl.col("rid").alias("rid_l"), pl.col("rid_right").alias("rid_r"))
    pairs = (pl.concat([scored.filter(pl.col("match_weight") >= review_w),
                        in_cluster.with_columns(pl.lit(None, pl.Float64).alias("match_weight"),
                                                pl.lit(None, pl.Float64).alias("match_probability"))])
             .group_by("rid_l", "rid_r").agg(pl.col("match_weight").max(), pl.col("match_probability").max())
             .join(refused.unique(["rid_l", "rid_r"], keep="first"), on=["rid_l", "rid_r"], how="left"))
    info = persons.select(pl.col("mention_id").alias("rid"), "file_seq", pl.col("source_file").alias("file"),
                          pl.col("source_row").alias("row"), pl.col("ext_id").alias("id")).join(comp, on="rid")
    apart = (pl.col("cluster") != pl.col("cluster_r")) & (pl.col("match_weight") >= link_w)
    out = (pairs.join(info, left_on="rid_l", right_on="rid").join(info, left_on="rid_r", right_on="rid", suffix="_r")
           .filter((pl.col("file_seq") != pl.col("file_seq_r")) if two else pl.lit(True))
           .select(pl.col("file").alias("file_l"), pl.col("row").alias("row_l"), pl.col("id").alias("id_l"),
                   pl.col("file_r"), pl.col("row_r"), pl.col("id_r"),
                   pl.col("match_weight").round(3), pl.col("match_probability").round(4),
                   (pl.col("cluster") == pl.col("cluster_r")).alias("same_person"),
                   pl.when(apart).then(pl.col("reason").fill_null(CHAINED)).alias("kept_apart_by")))
    return out.sort(["same_person", "match_weight", "file_l", "row_l", "file_r", "row_r"],
                    descending=[True, True, False, False, False, False], nulls_last=False)


def _one_to_one(pairs: pl.DataFrame, link_weight: float) -> pl.DataFrame:
    """Each row linked to at most one row of the other file: linked pairs taken strongest first
    (a certain pair, with no weight, before any scored one); a pair that lost is kept apart by it."""
    order = pairs.with_row_index("_i").with_columns(pl.col("match_weight").fill_null(float("inf")).alias("_w"))
    linked = order.filter(pl.col("same_person")).sort(["_w", "file_l", "row_l", "row_r"], descending=[True, False, False, False])
    taken_l: set = set()
    taken_r: set = set()
    keep: list[int] = []
    # One pass over the linked pairs (a few per row), not over every scored pair.
    for i, fl, rl, fr, rr in linked.select("_i", "file_l", "row_l", "file_r", "row_r").iter_rows():
        a, b = (fl, rl), (fr, rr)
        if a not in taken_l and b not in taken_r:
            taken_l.add(a)
            taken_r.add(b)
            keep.append(i)
    won = pl.col("_i").is_in(keep)
    return order.with_columns(
        won.alias("same_person"),
        pl.when(pl.col("same_person") & ~won)
        .then(pl.lit("one-to-one (--link-only): a stronger pair took one of these rows"))
        .otherwise(pl.col("kept_apart_by")).alias("kept_apart_by"),
    ).drop("_i", "_w")


__all__ = ["CONSTRAINTS", "DATE_FORMATS", "FileMapping", "LinkFilesResult", "link_files"]
