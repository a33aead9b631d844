"""One declaration of each store table's columns: name, DuckDB type, nullability and meaning.

Everything else about a table's shape is derived from it: the DDL that creates it
(:func:`ddl`, run by engine.store), the contract models and their JSON Schema
(schemas/models.py, schemas/json/), and the columns the ingest's frames carry
(:meth:`Table.names`, :meth:`Table.polars_schema`). Stages declare the tables they own with the same
:class:`Table` (the audit trail in engine.security.audit, the extract outcomes in engine.chronology),
so no table's columns are written twice.

A column added after stores already existed is marked ``added``: opening an older store gives it the
column (``ALTER TABLE ... ADD COLUMN IF NOT EXISTS``), and the contract model lets it be absent.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from chronolink.schemas.vocabulary import Agency

DateStatus = Literal["ok", "missing", "invalid", "implausible"]

# The Python type of each DuckDB type the declarations use (the contract models' field types).
_PYTHON: dict[str, Any] = {"BIGINT": int, "INTEGER": int, "VARCHAR": str, "DATE": dt.date, "BOOLEAN": bool,
                           "TIMESTAMP": dt.datetime, "DOUBLE": float, "JSON": str,
                           "VARCHAR[]": list[str], "DATE[]": list[dt.date]}


@dataclass(frozen=True)
class Column:
    """One column: its name, DuckDB type, whether it may be NULL, and what it holds."""

    name: str
    sql: str
    doc: str = ""
    nullable: bool = True
    py: Any = None  # the contract's type where it is narrower than the SQL type (a Literal)
    ge: int | None = None  # the contract's lower bound (row numbers start at 1)
    default: str | None = None  # SQL default
    check: str | None = None  # SQL CHECK constraint
    primary_key: bool = False
    added: bool = False  # added after stores existed: older stores gain it when opened

    def python_type(self) -> Any:
        """The contract model's type for this column (Optional when nullable)."""
        base = self.py if self.py is not None else _PYTHON[self.sql]
        return base | None if self.nullable else base

    def definition(self) -> str:
        """The column's SQL definition inside CREATE TABLE / ADD COLUMN."""
        parts = [f'"{self.name}"', self.sql]
        if self.primary_key:
            parts.append("PRIMARY KEY")
        elif not self.nullable:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        if self.check is not None:
            parts.append(f"CHECK ({self.check})")
        return " ".join(parts)


@dataclass(frozen=True)
class Table:
    """A store table: its name, what one row is, and its columns in order."""

    name: str
    doc: str
    columns: tuple[Column, ...]

    def names(self) -> list[str]:
        """The column names, in order."""
        return [c.name for c in self.columns]

    def definition(self) -> str:
        """`name (column definitions)`: what CREATE TABLE takes."""
        body = ",\n".join(f"    {c.definition()}" for c in self.columns)
        return f"{self.name} (\n{body}\n)"

    def ddl(self) -> str:
        """CREATE TABLE IF NOT EXISTS, and ADD COLUMN IF NOT EXISTS for each column added later."""
        sql = [f"CREATE TABLE IF NOT EXISTS {self.definition()};"]
        sql += [f"ALTER TABLE {self.name} ADD COLUMN IF NOT EXISTS {c.definition()};" for c in self.columns if c.added]
        return "\n".join(sql)

    def polars_schema(self) -> dict[str, Any]:
        """Column -> polars dtype, for frames written into this table (polars imported only here)."""
        import polars as pl

        types = {"BIGINT": pl.Int64, "INTEGER": pl.Int32, "VARCHAR": pl.String, "DATE": pl.Date,
                 "BOOLEAN": pl.Boolean, "TIMESTAMP": pl.Datetime("us"), "DOUBLE": pl.Float64, "JSON": pl.String,
                 "VARCHAR[]": pl.List(pl.String), "DATE[]": pl.List(pl.Date)}
        return {c.name: types[c.sql] for c in self.columns}


def ddl(*tables: Table) -> str:
    """The DDL of several tables, in order (idempotent)."""
    return "\n".join(t.ddl() for t in tables) + "\n"


def _provenance(file_doc: str = "the extract's file name (basename)") -> tuple[Column, ...]:
    return (
        Column("file_seq", "INTEGER", "the ingested file version (source_files.file_seq)", nullable=False),
        Column("source_file", "VARCHAR", file_doc, nullable=False),
        Column("source_row", "INTEGER", "the row in that file: 1-based, header excluded", nullable=False, ge=1),
    )


FILE_SEQ, SOURCE_FILE, SOURCE_ROW = _provenance()

SOURCE_FILES = Table("source_files", "one ingested file version", (
    Column("file_seq", "INTEGER", "the file version's number, in ingest order", primary_key=True, nullable=False),
    Column("source_file", "VARCHAR", "the file's name (basename, as in truth/)", nullable=False),
    Column("path", "VARCHAR", "where it was read from"),
    Column("layout", "VARCHAR", "the agency layout it was read as", nullable=False),
    Column("sha256", "VARCHAR", "SHA-256 of its bytes", nullable=False),
    Column("rows_read", "INTEGER", "every record read, stored or quarantined", nullable=False),
    Column("rows_stored", "INTEGER", "records stored", nullable=False),
    Column("rows_quarantined", "INTEGER", "records quarantined", nullable=False),
    Column("ingested_at", "TIMESTAMP", "when it was ingested", nullable=False),
    Column("superseded", "BOOLEAN", "a later version of the same name replaced it", nullable=False, default="false"),
))

RECORDS = Table("records", "one stored source row, as a dated event of one agency", (
    Column("record_id", "BIGINT", "file_seq * 1e9 + source_row * 100", nullable=False),
    FILE_SEQ, SOURCE_FILE, SOURCE_ROW,
    Column("layout", "VARCHAR", "the agency layout", nullable=False),
    Column("agency", "VARCHAR", "the agency (schemas.vocabulary.AGENCIES)", nullable=False, py=Agency),
    Column("event_type", "VARCHAR", "canonical event type, agency.code (schemas.vocabulary)"),
    Column("event_label", "VARCHAR", "the event type as written"),
    Column("event_date", "DATE", "the event's date; NULL when missing or unusable"),
    Column("event_time", "VARCHAR", "'HH:MM' or NULL"),
    Column("date_status", "VARCHAR", "ok, missing, invalid or implausible", py=DateStatus, nullable=False),
    Column("end_date", "DATE", "the end of a span (plans, tenancies)"),
    Column("outcome", "VARCHAR", "the outcome as written"),
    Column("ref", "VARCHAR", "occurrence, tenancy or referral reference"),
    Column("summary", "VARCHAR", "free text"),
    Column("attrs", "VARCHAR", "layout extras as JSON text (json_extract reads it; a JSON column would "
                               "re-validate on every load)"),
    Column("date_raw", "VARCHAR", "the event date as written, kept when it did not read as a good date",
           added=True),
))

PERSON_MENTIONS = Table("person_mentions", "one (source row, slot) that names or identifies a person", (
    Column("mention_id", "BIGINT", "record_id + slot index", nullable=False),
    Column("record_id", "BIGINT", "the record naming the person", nullable=False),
    FILE_SEQ, SOURCE_FILE, SOURCE_ROW,
    Column("slot", "VARCHAR", "the mapping's slot (subject, carer1, ...)", nullable=False),
    Column("agency", "VARCHAR", "the agency", nullable=False, py=Agency),
    Column("role", "VARCHAR", "nominal role, relationship or slot meaning, upper case"),
    Column("name_raw", "VARCHAR", "the name as written"),
    Column("forename", "VARCHAR", "folded: upper case, diacritics and titles removed"),
    Column("middle_names", "VARCHAR", "folded"),
    Column("surname", "VARCHAR", "folded"),
    Column("preferred_forename", "VARCHAR", "folded"),
    Column("name_suffix", "VARCHAR", "JR, SR, II, III, IV"),
    Column("dob", "DATE", "date of birth, when valid"),
    Column("dob_status", "VARCHAR", "ok, missing, invalid or implausible", py=DateStatus, nullable=False),
    Column("sex", "VARCHAR", "M, F or NULL", py=Literal["M", "F"]),
    Column("nhs_number", "VARCHAR", "as written, digits only"),
    Column("nhs_valid", "BOOLEAN", "passes the NHS check digit"),
    Column("upn", "VARCHAR", "unique pupil number"),
    Column("upn_valid", "BOOLEAN", "passes the UPN check letter"),
    Column("pnc", "VARCHAR", "police national computer id"),
    Column("pnc_valid", "BOOLEAN", "passes the PNC check"),
    Column("local_id", "VARCHAR", "agency-scoped id: 'police:N0012345', 'csc:LA1234567', ..."),
    Column("address_mention_id", "BIGINT", "where this row observes the person"),
    Column("event_date", "DATE", "the row's date; NULL for undated rows"),
    Column("person_id", "VARCHAR", "the linked person (P + 8 digits), set by link"),
))

ADDRESS_MENTIONS = Table("address_mentions", "one filled address field of one source row", (
    Column("address_mention_id", "BIGINT", "record_id + field index", nullable=False),
    Column("record_id", "BIGINT", "the record holding the address", nullable=False),
    FILE_SEQ, SOURCE_FILE, SOURCE_ROW,
    Column("field", "VARCHAR", "the address field (HomeAddress, BailAddress, Address, ...)", nullable=False),
    Column("raw", "VARCHAR", "the address as written"),
    Column("flat", "VARCHAR", "parsed by the one address parser (engine.normalise.addresses)"),
    Column("number", "VARCHAR", "house number"),
    Column("number_suffix", "VARCHAR", "letter after the number (14A)"),
    Column("building", "VARCHAR", "building name"),
    Column("street", "VARCHAR", "street"),
    Column("town", "VARCHAR", "town"),
    Column("postcode", "VARCHAR", "postcode, normalised"),
    Column("postcode_valid", "BOOLEAN", "a well-formed UK postcode"),
    Column("uprn", "VARCHAR", "unique property reference number, as written"),
    Column("address_id", "VARCHAR", "the linked place (A + 8 digits), set by link"),
))

VALUE_ISSUES = Table("value_issues", "a value kept but marked invalid; `problem` is a code, never the value", (
    FILE_SEQ, SOURCE_FILE, SOURCE_ROW,
    Column("field", "VARCHAR", "the column", nullable=False),
    Column("problem", "VARCHAR", "a code such as unparseable_date, invalid_nhs_number", nullable=False),
))

QUARANTINE = Table("quarantine", "a source row that could not be read at all, kept with the reason", (
    FILE_SEQ, SOURCE_FILE, SOURCE_ROW,
    Column("reason", "VARCHAR", "why it could not be read (names the physical line)", nullable=False),
    Column("raw", "VARCHAR", "the row's text"),
))

MENTION_OBSERVATIONS = Table("mention_observations",
                             "a person seen at an address on a date, as one row of one extract records it", (
    Column("mention_id", "BIGINT", "the person mention", nullable=False),
    Column("address_mention_id", "BIGINT", "the address mention", nullable=False),
    Column("date", "DATE", "the row's date", nullable=False),
    Column("field", "VARCHAR", "the address field", nullable=False),
    FILE_SEQ, SOURCE_FILE, SOURCE_ROW,
))

#: The tables every store has from its first open (engine.store creates them), in creation order.
STORE_TABLES: tuple[Table, ...] = (SOURCE_FILES, RECORDS, PERSON_MENTIONS, ADDRESS_MENTIONS, VALUE_ISSUES, QUARANTINE,
                                   MENTION_OBSERVATIONS)
