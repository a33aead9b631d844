"""Linkage of arbitrary person lists: dedupe one CSV or link two, columns named by a TOML mapping.

The files are loaded into an in-memory store in the person_mentions / address_mentions
layout and go through exactly the same place and person linkage as agency extracts.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import polars as pl
from pydantic import BaseModel, ConfigDict

from chronolink.engine.link.engine import DuckDBEngine
from chronolink.engine.link.pipeline import link_persons
from chronolink.engine.link.places import place_keys
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.normalise.addresses import with_address_parts
from chronolink.engine.store import schema_sql


class FileMapping(BaseModel):
    """Which CSV column holds which field (all optional; `full_name` is used when forename/surname are absent)."""

    model_config = ConfigDict(extra="forbid")
    forename: str | None = None
    surname: str | None = None
    full_name: str | None = None
    dob: str | None = None
    dob_format: str = "%d/%m/%Y"
    sex: str | None = None
    postcode: str | None = None
    address: str | None = None
    nhs_number: str | None = None
    id: str | None = None

    @classmethod
    def load(cls, path: Path | str) -> "FileMapping":
        """Read a mapping TOML (keys at top level or under [columns])."""
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return cls.model_validate(data.get("columns", data))


def _nhs_valid(e: pl.Expr) -> pl.Expr:
    # Modulus 11 check digit of a 10-digit NHS number.
    digits = [e.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(10)]
    total = sum(d * (10 - i) for i, d in enumerate(digits[:9]))
    check = (11 - total % 11) % 11
    return e.str.contains(r"^\d{10}$") & (check != 10) & (check == digits[9])


def _fold(e: pl.Expr) -> pl.Expr:
    try:
        from chronolink.engine.normalise.names import fold_name

        return fold_name(e)
    except Exception:  # normaliser absent: a minimal fold
        s = e.str.to_uppercase().str.normalize("NFKD").str.replace_all(r"\p{Mn}", "")
        s = s.str.replace_all(r"[^A-Z?\- ]", " ").str.replace_all(r"\s+", " ").str.strip_chars()
        return pl.when(s == "").then(None).otherwise(s)


def _frame(path: Path, mapping: FileMapping, file_seq: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    for col in mapping.model_dump(exclude={"dob_format"}).values():
        if col is not None and col not in raw.columns:
            raise ValueError(f"column {col!r} named by the mapping is not in {path.name}")

    def col(name: str | None) -> pl.Expr:
        return pl.col(name).str.strip_chars() if name else pl.lit(None, dtype=pl.String)

    base = file_seq * 1_000_000_000
    df = raw.with_row_index("row", offset=1).with_columns(
        (pl.lit(base) + pl.col("row").cast(pl.Int64) * 100).alias("record_id"))
    if mapping.forename or mapping.surname:
        given, sur = _fold(col(mapping.forename)), _fold(col(mapping.surname))
    else:
        full = _fold(col(mapping.full_name).str.replace(r"^([^,]+),\s*(.+)$", "$2 $1"))
        given, sur = full.str.replace(r"\s*\S+$", ""), full.str.extract(r"(\S+)$")
    dob = col(mapping.dob).str.strptime(pl.Date, mapping.dob_format, strict=False)
    nhs = col(mapping.nhs_number).str.replace_all(r"\D", "")
    sex = col(mapping.sex).str.to_uppercase().str.slice(0, 1)
    persons = df.select(
        pl.col("record_id").alias("mention_id"), "record_id", pl.lit(file_seq).alias("file_seq"),
        pl.lit(path.name).alias("source_file"), pl.col("row").cast(pl.Int32).alias("source_row"),
        pl.lit("row").alias("slot"), pl.lit(f"file{file_seq}").alias("agency"),
        given.str.extract(r"^(\S+)").alias("forename"), given.str.extract(r"^\S+\s+(.+)$").alias("middle_names"),
        sur.alias("surname"), dob.alias("dob"),
        pl.when(dob.is_null()).then(pl.lit("missing")).otherwise(pl.lit("ok")).alias("dob_status"),
        pl.when(sex.is_in(["M", "F"])).then(sex).alias("sex"),
        pl.when(nhs != "").then(nhs).alias("nhs_number"), _nhs_valid(nhs).fill_null(False).alias("nhs_valid"),
        pl.when(col(mapping.address).is_not_null() | col(mapping.postcode).is_not_null())
        .then(pl.col("record_id") + 1).alias("address_mention_id"),
        col(mapping.id).alias("ext_id"),
    )
    addresses = df.select(
        (pl.col("record_id") + 1).alias("address_mention_id"), "record_id", pl.lit(file_seq).alias("file_seq"),
        pl.lit(path.name).alias("source_file"), pl.col("row").cast(pl.Int32).alias("source_row"),
        pl.lit("address").alias("field"), col(mapping.address).alias("raw"), col(mapping.postcode).alias("postcode"),
        pl.lit(None, dtype=pl.String).alias("uprn"),
    ).filter(pl.col("raw").is_not_null() | pl.col("postcode").is_not_null())
    return persons, addresses


def link_files(paths: list[Path], mapping: FileMapping, settings: LinkSettings | None = None) -> pl.DataFrame:
    """Pairs of rows judged the same person: within one file (dedupe) or across two (link).

    Columns: file_l, row_l, id_l, file_r, row_r, id_r, match_weight, match_probability, same_person.
    """
    if not 1 <= len(paths) <= 2:
        raise ValueError("link-files takes one file (dedupe) or two (link)")
    settings = settings or LinkSettings()
    frames = [_frame(Path(p), mapping, i + 1) for i, p in enumerate(paths)]
    persons = pl.concat([f[0] for f in frames], how="vertical_relaxed")
    addresses = pl.concat([f[1] for f in frames], how="vertical_relaxed")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(schema_sql())
    ext = persons.select("mention_id", "ext_id")
    con.register("_p", persons.drop("ext_id"))
    con.execute("INSERT INTO person_mentions BY NAME SELECT * FROM _p")
    if addresses.height:
        keys = place_keys(with_address_parts(addresses), settings.street_max_edits)
        con.register("_k", keys)
        con.execute("""CREATE TEMP TABLE _lk_addr AS
            SELECT address_mention_id, place_key AS place_id, postcode, town || '|' || street AS street_key FROM _k""")
    else:
        con.execute("CREATE TEMP TABLE _lk_addr (address_mention_id BIGINT, place_id VARCHAR, postcode VARCHAR, street_key VARCHAR)")
    link_persons(DuckDBEngine(con), settings, keep=("sig", "msig", "scored", "cluster"))
    two = len(paths) == 2
    con.register("_ext", ext)
    pairs = con.sql(f"""
        WITH scored AS (
            SELECT a.mention_id AS ml, b.mention_id AS mr, s.match_weight, s.match_probability
            FROM _lk_scored s JOIN _lk_msig a ON a.sid = s.sid_l JOIN _lk_msig b ON b.sid = s.sid_r
            WHERE s.match_weight >= {settings.cluster.review_weight!r}
            UNION ALL  -- identical rows share a signature and are never scored: certain duplicates
            SELECT a.mention_id, b.mention_id, NULL, 1.0
            FROM _lk_msig a JOIN _lk_msig b ON a.sid = b.sid AND a.mention_id < b.mention_id
        ), same_cluster AS (
            SELECT a.mention_id AS ml, b.mention_id AS mr FROM _lk_cluster a JOIN _lk_cluster b
            ON a.cluster = b.cluster AND a.mention_id < b.mention_id
        ), allp AS (
            SELECT least(ml, mr) AS ml, greatest(ml, mr) AS mr, max(match_weight) AS match_weight,
                   max(match_probability) AS match_probability
            FROM (SELECT * FROM scored UNION ALL SELECT ml, mr, NULL, NULL FROM same_cluster) GROUP BY ALL
        )
        SELECT l.source_file AS file_l, l.source_row AS row_l, el.ext_id AS id_l,
               r.source_file AS file_r, r.source_row AS row_r, er.ext_id AS id_r,
               round(p.match_weight, 3) AS match_weight, round(p.match_probability, 4) AS match_probability,
               (cl.cluster = cr.cluster) AS same_person
        FROM allp p
        JOIN person_mentions l ON l.mention_id = p.ml JOIN person_mentions r ON r.mention_id = p.mr
        JOIN _lk_cluster cl ON cl.mention_id = p.ml JOIN _lk_cluster cr ON cr.mention_id = p.mr
        LEFT JOIN _ext el ON el.mention_id = p.ml LEFT JOIN _ext er ON er.mention_id = p.mr
        WHERE {"l.file_seq <> r.file_seq" if two else "TRUE"}
        ORDER BY same_person DESC, match_weight DESC NULLS FIRST, file_l, row_l, file_r, row_r
    """).pl()
    con.close()
    return pairs


__all__ = ["FileMapping", "link_files"]
