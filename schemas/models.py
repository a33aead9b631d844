"""Declarative contracts: layout mapping files and the canonical records they produce.

A mapping file (`schemas/mappings/*.toml`) tells the ingest how one agency's export
maps onto canonical records; adding a layout is adding a file, not code. The canonical
record models document (and, through their exported JSON Schema, pin) the shape of
what lands in the store. Large frames are validated with polars expressions; these
models validate mapping files and serve as the schema contract; the canonical record models are
derived from the one declaration of each table's columns (schemas/tables.py).
"""
from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from chronolink.schemas.tables import (  # noqa: F401 (DateStatus re-exported)
    ADDRESS_MENTIONS,
    MENTION_OBSERVATIONS,
    PERSON_MENTIONS,
    QUARANTINE,
    RECORDS,
    VALUE_ISSUES,
    DateStatus,
    Table,
)
from chronolink.schemas.vocabulary import AGENCIES, Agency  # noqa: F401 (one vocabulary)

# A new layout may bring a new event type (a file, not code); the shipped mappings use the vocabulary's
# (tests/test_one_home.py), so the rules and reports know every type they can meet.
_CANONICAL_EVENT = re.compile(r"^(?:" + "|".join(AGENCIES) + r")\.[a-z0-9_]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DateSpec(_Strict):
    """A date column and the formats it is written in, tried in order."""

    column: str
    formats: list[str] = Field(default_factory=list)
    excel_serial: bool = False
    with_time: bool = False


class ValueMap(_Strict):
    """A coded column translated into canonical values (matched case-insensitively)."""

    column: str
    values: dict[str, str]
    # Values not listed are kept as written and recorded as a value issue.
    required: bool = False


class LocalId(_Strict):
    """An agency's own person id: exact within that agency."""

    column: str
    prefix: str
    required: bool = False


class PersonSlot(_Strict):
    """A named group of columns describing one person in a row."""

    slot: str
    role: str | None = None
    role_column: str | None = None
    forenames: str | None = None
    surname: str | None = None
    full_name: str | None = None
    preferred_forename: str | None = None
    dob: DateSpec | None = None
    sex: ValueMap | None = None
    nhs_number: str | None = None
    upn: str | None = None
    pnc: str | None = None
    local_id: LocalId | None = None
    observed_at: list[str] = Field(default_factory=list)
    # Address fields this person is observed at only when the row's event is one of these
    conditional_observed_at: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names_one_way(self) -> PersonSlot:
        if self.full_name and (self.forenames or self.surname):
            raise ValueError(f"slot {self.slot}: give full_name or forenames/surname, not both")
        if self.role and self.role_column:
            raise ValueError(f"slot {self.slot}: give role or role_column, not both")
        return self


class PersonList(_Strict):
    """A column holding several people (`Name (dd/mm/yyyy, relationship); ...`): slots prefix1..N."""

    slot_prefix: str
    column: str
    separator: str = ";"
    dob_formats: list[str] = Field(default_factory=lambda: ["%d/%m/%Y"])
    observed_at: list[str] = Field(default_factory=list)
    max_people: int = Field(default=20, ge=1, le=100)


class AddressSpec(_Strict):
    """An address field: its provenance name and the columns that make it up."""

    field: str
    line: str
    town: str | None = None
    postcode: str | None = None
    uprn: str | None = None


class EventSpec(_Strict):
    """How a row becomes a dated event in the canonical vocabulary."""

    event_type: ValueMap | None = None
    constant_type: str | None = None
    date: DateSpec | None = None
    end_date: DateSpec | None = None
    outcome: str | None = None
    ref: str | None = None
    summary: list[str] = Field(default_factory=list)
    attrs: dict[str, str] = Field(default_factory=dict)

    @field_validator("constant_type")
    @classmethod
    def _canonical(cls, v: str | None) -> str | None:
        if v is not None and not _CANONICAL_EVENT.match(v):
            raise ValueError(f"event type {v!r} is not of the form agency.code")
        return v

    @model_validator(mode="after")
    def _type_one_way(self) -> EventSpec:
        if (self.event_type is None) == (self.constant_type is None):
            raise ValueError("give exactly one of event_type or constant_type")
        if self.event_type is not None:
            bad = [v for v in self.event_type.values.values() if not _CANONICAL_EVENT.match(v)]
            if bad:
                raise ValueError(f"event types not of the form agency.code: {bad}")
        return self


class Mapping(_Strict):
    """One agency layout: how to read it and how it maps onto canonical records."""

    layout: str
    agency: Agency
    description: str = ""
    format: Literal["csv", "xlsx", "jsonl"]
    sheet: str | None = None
    required_columns: list[str] = Field(min_length=1)
    max_field_length: int = Field(default=20_000, ge=100)
    max_name_length: int = Field(default=200, ge=20)
    event: EventSpec
    addresses: list[AddressSpec] = Field(default_factory=list)
    persons: list[PersonSlot] = Field(default_factory=list)
    person_lists: list[PersonList] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> Mapping:
        fields = {a.field for a in self.addresses}
        slots = [p.slot for p in self.persons]
        if len(set(slots)) != len(slots):
            raise ValueError(f"{self.layout}: duplicate slot names {slots}")
        for p in self.persons:
            refs = set(p.observed_at) | {f for fs in p.conditional_observed_at.values() for f in fs}
            if refs - fields:
                raise ValueError(f"{self.layout}: slot {p.slot} observed at unknown fields {sorted(refs - fields)}")
        for pl_ in self.person_lists:
            if set(pl_.observed_at) - fields:
                raise ValueError(f"{self.layout}: list {pl_.slot_prefix} observed at unknown fields")
        if self.format == "xlsx" and not self.sheet:
            raise ValueError(f"{self.layout}: an xlsx layout needs a sheet name")
        return self

    def columns_used(self) -> set[str]:
        """Every source column this mapping reads."""
        cols: set[str] = set(self.required_columns)
        ev = self.event
        for spec in (ev.event_type, ev.date, ev.end_date):
            if spec is not None:
                cols.add(spec.column)
        cols |= {c for c in (ev.outcome, ev.ref) if c} | set(ev.summary) | set(ev.attrs.values())
        for a in self.addresses:
            cols |= {c for c in (a.line, a.town, a.postcode, a.uprn) if c}
        for p in self.persons:
            cols |= {c for c in (p.role_column, p.forenames, p.surname, p.full_name, p.preferred_forename,
                                 p.nhs_number, p.upn, p.pnc) if c}
            for slot_spec in (p.dob, p.sex, p.local_id):
                if slot_spec is not None:
                    cols.add(slot_spec.column)
        cols |= {pl_.column for pl_ in self.person_lists}
        return cols


# ---- canonical records (the store's contract) -------------------------------------------------
# Derived from the one declaration of each table's columns (schemas/tables.py): the DDL the store
# runs and these models cannot disagree.


def _contract_model(table: Table, name: str) -> type[BaseModel]:
    """A frozen model with one field per column of `table` (a column added later may be absent)."""
    fields: dict[str, Any] = {
        c.name: (c.python_type(), Field(None if c.added else ..., description=c.doc or None, ge=c.ge))
        for c in table.columns}
    return create_model(name, __base__=_Strict, __doc__=f"One row of `{table.name}`: {table.doc}.", **fields)


CanonicalRecord = _contract_model(RECORDS, "CanonicalRecord")
PersonMention = _contract_model(PERSON_MENTIONS, "PersonMention")
AddressMention = _contract_model(ADDRESS_MENTIONS, "AddressMention")
Observation = _contract_model(MENTION_OBSERVATIONS, "Observation")
ValueIssue = _contract_model(VALUE_ISSUES, "ValueIssue")
QuarantinedRow = _contract_model(QUARANTINE, "QuarantinedRow")

CANONICAL_MODELS: dict[str, type[BaseModel]] = {
    "records": CanonicalRecord,
    "person_mentions": PersonMention,
    "address_mentions": AddressMention,
    "mention_observations": Observation,
    "value_issues": ValueIssue,
    "quarantine": QuarantinedRow,
}
