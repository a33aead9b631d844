"""The report contract: what the store side hands the renderer.

Everything a report shows is in these objects; the renderer reads nothing else.
Models are frozen pydantic models; the chronology is a polars frame with the
columns of :data:`EVENT_SCHEMA` (checked and normalised by :func:`events_frame`).

Validation errors never carry record values: models set
``hide_input_in_errors=True`` and the frame check names columns only. (A
pydantic ``ValidationError``'s ``.errors()`` still holds the input: log it with
``e.errors(include_input=False)``.)
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

import polars as pl
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from chronolink.engine.errors import ReportDataError  # noqa: F401 (re-exported: its home is engine.errors)
from chronolink.schemas.vocabulary import AGENCIES, Agency  # noqa: F401 (one vocabulary)

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

IdentifierKind = Literal["NHS number", "UPN", "PNC id", "CSC Person ID", "Police nominal", "Probation CRN"]
DispositionStatus = Literal["open", "confirmed", "dismissed", "actioned"]
Rating = Literal["red", "amber", "green", "not known"]
MemberKind = Literal["current", "past", "related"]  # lives with the child now / before / only related

# A person or place id becomes a file name: nothing but these characters.
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

#: The chronology frame: one row per event (a source row, or a span such as a plan).
_EVENT_COLUMNS: dict[str, PolarsDataType] = {
    "event_id": pl.String,
    "date": pl.Date,  # null: undated (listed after the dated rows, not charted)
    "time": pl.String,  # 'HH:MM' or null
    "end_date": pl.Date,  # spans (plans, assessments, LAC); null while open or for point events
    "agency": pl.String,  # one of AGENCIES
    "event_type": pl.String,  # canonical, 'csc.cp_plan'
    "label": pl.String,  # as written by the agency
    "summary": pl.String,  # free text
    "outcome": pl.String,
    "people": pl.String,  # 'Daniel Hart (suspect); Lily Hart (victim)'
    "place": pl.String,  # address text
    "sources": pl.List(pl.String),  # ['police_occurrences.csv:12', ...]
    "child_age": pl.String,  # '7y 3m' (filled from the child's dob when null)
    "significance": pl.String,  # 'flag: bail_address_child' or null
    "date_as_written": pl.String,  # an undated row's date as its source wrote it (shown when opened)
}
EVENT_SCHEMA = pl.Schema(_EVENT_COLUMNS)
REQUIRED_EVENT_COLUMNS = ("event_id", "date", "agency", "event_type")


def check_id(value: str, what: str = "id") -> str:
    """A person/place id safe to use in a file name (`P00001234`)."""
    if not isinstance(value, str) or not _SAFE_ID.match(value):
        raise ReportDataError(f"{what} must be 1-64 letters, digits, '_' or '-' (a person/place id)")
    return value


def events_frame(frame: pl.DataFrame | None = None) -> pl.DataFrame:
    """Check and normalise a chronology frame to :data:`EVENT_SCHEMA`.

    Missing optional columns are added as nulls, ``sources`` may be a plain
    string (one source), ``event_id`` may be an integer. Rows are sorted by
    date (undated last), time, event_id.
    """
    if frame is None:
        return pl.DataFrame(schema=EVENT_SCHEMA)
    if not isinstance(frame, pl.DataFrame):
        raise ReportDataError("events must be a polars DataFrame")
    missing = [c for c in REQUIRED_EVENT_COLUMNS if c not in frame.columns]
    if missing:
        raise ReportDataError(f"events frame lacks columns: {', '.join(missing)}")
    extra = [c for c in frame.columns if c not in EVENT_SCHEMA]
    if extra:
        raise ReportDataError(f"events frame has unknown columns: {', '.join(extra)}")
    cols = []
    for name, dtype in EVENT_SCHEMA.items():
        if name not in frame.columns:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
            continue
        have = frame.schema[name]
        if name == "sources" and have == pl.String:
            cols.append(pl.concat_list(pl.col(name)).list.drop_nulls().alias(name))
        elif name in ("date", "end_date") and have not in (pl.Date, pl.Null):
            if have == pl.Datetime or isinstance(have, pl.Datetime):
                cols.append(pl.col(name).dt.date())
            else:
                raise ReportDataError(f"events column {name} must be Date, not {have}")
        elif have == dtype:
            cols.append(pl.col(name))
        elif name == "sources" and not (isinstance(have, pl.List) or have == pl.Null):
            raise ReportDataError("events column sources must be list[str] or str")
        else:
            cols.append(pl.col(name).cast(dtype))
    out = frame.select(cols).with_columns(pl.col("sources").fill_null(pl.lit([], dtype=pl.List(pl.String))))
    bad_agency = out.filter(~pl.col("agency").is_in(list(AGENCIES)) | pl.col("agency").is_null()).height
    if bad_agency:
        raise ReportDataError(f"events: {bad_agency} row(s) with an agency outside {', '.join(AGENCIES)}")
    if out["event_id"].null_count():
        raise ReportDataError("events: event_id must not be null")
    return out.sort(["date", "time", "event_id"], nulls_last=True, maintain_order=True)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


# Ids that name report files: checked where a model takes them (check_id).
PersonId = Annotated[str, AfterValidator(lambda v: check_id(v, "person_id"))]
PlaceId = Annotated[str, AfterValidator(lambda v: check_id(v, "place_id"))]


class AgencyName(_Model):
    """A name as one agency records the person, and where."""

    agency: Agency
    name: str
    source_file: str
    source_row: int | None = None


class Identifier(_Model):
    kind: IdentifierKind
    value: str
    valid: bool | None = None  # None: no check exists / not checked


class CurrentPlace(_Model):
    address: str
    place_id: str | None = None
    since: date | None = None
    seen_by: list[Agency] = Field(default_factory=list)  # agencies that observed them there


class _PersonRow(_Model):
    """A person as a row of a people table (reports/templates/macros.html `people_table`)."""

    person_id: str
    name: str
    role: str | None = None  # relationship or role: 'mother', 'partner of mother', 'lodger', ...
    dob: date | None = None
    age: str | None = None  # '34y' at as_of; computed from dob when None
    risk_markers: list[str] = Field(default_factory=list)  # 'RSO', 'DVPERP', 'probation: violence'


class HouseholdMember(_PersonRow):
    role: str  # a household member always has one
    places_shared: list[str] = Field(default_factory=list)  # address texts
    # current: lives with the child now; past: lived with the child before; related: a relationship
    # row names them, but no agency saw them with the child
    kind: MemberKind = "current"
    period_from: date | None = None  # overlap of their time at the shared places with the child's
    period_to: date | None = None  # None: still there (current) or not known (related)


class ChildSummary(_Model):
    person_id: PersonId
    display_name: str
    dob: date | None = None
    age: str | None = None  # at as_of; computed from dob when None
    sex: str | None = None
    names: list[AgencyName] = Field(default_factory=list)
    identifiers: list[Identifier] = Field(default_factory=list)
    current_place: CurrentPlace | None = None
    household: list[HouseholdMember] = Field(default_factory=list)


class Evidence(_Model):
    source_file: str
    source_row: int | None = None
    role: str = ""  # 'bail', 'child_observed', 'marker', 'plan', ...
    summary: str = ""


class Disposition(_Model):
    status: DispositionStatus = "open"
    by: str | None = None
    at: datetime | date | None = None
    reason: str | None = None


class WaterfallStep(_Model):
    """One comparison's contribution to a link's match weight (log2 Bayes factor)."""

    comparison: str  # 'surname', 'dob', 'postcode', or 'prior' for the starting weight
    level: str  # 'exact', 'jaro-winkler >= 0.9', 'different', 'null'
    weight: float


class Link(_Model):
    """A linkage step a flag relies on: two records taken as one person or one place."""

    description: str  # 'police_occurrences.csv:12 nominal ↔ csc_episodes.xlsx:40 child'
    match_weight: float | None = None
    match_probability: float | None = None
    waterfall: list[WaterfallStep] = Field(default_factory=list)
    mention_id_l: int | None = None  # the two mentions, so a viewer can ask for the waterfall later
    mention_id_r: int | None = None


class Occurrence(_Model):
    """One firing of a flag's concern: its trigger date and, where the rule has one, the place."""

    trigger_date: date
    place: str | None = None  # address text


class Flag(_Model):
    """One concern: a rule, a child, another person (engine.flags.identity), firing once or more."""

    flag_id: str
    rule: str  # a rule of risk-rules.md ('bail_address_child', ...) or an engine rule
    trigger_date: date
    plain_english: str = ""  # filled from the rule's standard wording when empty
    child: str | None = None  # the child it is about, 'name (id)': shown on household reports
    other_person: str | None = None  # name (id)
    place: str | None = None  # address text
    evidence: list[Evidence] = Field(default_factory=list)
    disposition: Disposition = Field(default_factory=Disposition)
    links: list[Link] = Field(default_factory=list)
    # Every firing, in date order (empty: the one at trigger_date). trigger_date is the latest.
    occurrences: list[Occurrence] = Field(default_factory=list)

    def firings(self) -> list[Occurrence]:
        """Every firing of the concern (the trigger date alone when none are listed)."""
        return list(self.occurrences) or [Occurrence(trigger_date=self.trigger_date, place=self.place)]


class Unjudged(_Model):
    """A record the rules could not judge: its date is missing or unreadable."""

    source_file: str
    source_row: int
    event: str = ""  # what it is ('Bail', 'csc.cp_plan')
    date_status: str = "missing"  # 'missing' or 'invalid' (unreadable)
    rules: list[str] = Field(default_factory=list)  # the rules that needed its date


class ExtractStatus(_Model):
    """An extract as the store knows it: ingested (its live version) or failed (the latest attempt)."""

    source_file: str
    status: Literal["ingested", "failed"]
    layout: str | None = None
    agency: Agency | None = None
    rows_read: int | None = None
    rows_stored: int | None = None
    rows_quarantined: int | None = None
    at: datetime | None = None  # when it was ingested, or last tried
    message: str = ""  # why it failed: names the file, never its data


class AgencyCoverage(_Model):
    """How far one agency's records reach."""

    agency: Agency
    latest: date | None = None  # its latest record with a good date
    records: int = 0
    undated: int = 0  # records whose date is missing or unreadable


class DataCoverage(_Model):
    """What the store holds: which extracts were ingested, which failed and why, each agency's reach."""

    extracts: list[ExtractStatus] = Field(default_factory=list)
    agencies: list[AgencyCoverage] = Field(default_factory=list)


class _WithEvents(_Model):
    """What every report page holds: its date, chronology, flags, marking and undatable records."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, hide_input_in_errors=True, arbitrary_types_allowed=True
    )

    as_of: date
    events: pl.DataFrame = Field(default_factory=events_frame)  # EVENT_SCHEMA
    flags: list[Flag] = Field(default_factory=list)
    marking: str = "OFFICIAL-SENSITIVE"  # protective marking printed top and bottom
    unjudged: list[Unjudged] = Field(default_factory=list)  # undated records no rule could judge
    coverage: DataCoverage | None = None  # the extracts behind the page

    @field_validator("events", mode="before")
    @classmethod
    def _events(cls, v: Any) -> pl.DataFrame:
        return events_frame(v)


class ChildReportData(_WithEvents):
    """Everything on one child's report."""

    child: ChildSummary


class Period(_Model):
    start: date | None = None
    end: date | None = None  # None: still there at as_of
    sources: list[str] = Field(default_factory=list)  # 'file:row' observing them


class ResidentPeriods(_PersonRow):
    """A person seen at the place, and when."""

    periods: list[Period] = Field(default_factory=list)


class PlaceSummary(_Model):
    place_id: PlaceId
    address: str
    seen_by: list[Agency] = Field(default_factory=list)


class HouseholdReportData(_WithEvents):
    """A place: who lived there when, their events at that place, and the flags."""

    place: PlaceSummary
    members: list[ResidentPeriods] = Field(default_factory=list)


class Candidate(_Model):
    """A known person near an unmatched referral's child."""

    person_id: PersonId
    name: str
    match_probability: float | None = None
    has_report: bool = False  # link to this person's report file


class IndexRow(_Model):
    """One referral of a batch run, for the index page."""

    referral_id: str
    received: date | None = None
    child_person_id: PersonId | None = None  # None: not known to any agency
    child_name: str | None = None
    candidates: list[Candidate] = Field(default_factory=list)
    flag_count: int = 0  # open flags (not yet reviewed, or confirmed and not yet actioned)
    rating: Rating = "green"
    rating_reasons: list[str] = Field(default_factory=list)  # why, in words (reports.rating)
