"""The contract: the events frame is checked and normalised; errors never carry values."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from pydantic import ValidationError

from chronolink.reports import EVENT_SCHEMA, ChildReportData, ChildSummary, IndexRow, ReportDataError, events_frame

SENTINEL = "Zebedee Quux-Sentinel"


def _frame(**over):
    base = {"event_id": ["2", "1", "3"], "date": [date(2024, 2, 1), date(2024, 1, 1), None],
            "agency": ["police", "csc", "health"], "event_type": ["police.bail", "csc.cp_plan", "health.dna"],
            "summary": [SENTINEL, "b", "c"]}
    base.update(over)
    return pl.DataFrame(base)


def test_events_frame_normalises():
    out = events_frame(_frame(sources=["a.csv:1", None, "c.csv:3"]))
    assert out.schema == EVENT_SCHEMA
    assert out["event_id"].to_list() == ["1", "2", "3"]  # by date, undated last
    assert out["sources"].to_list() == [[], ["a.csv:1"], ["c.csv:3"]]
    assert events_frame(_frame(event_id=[1, 2, 3]))["event_id"].dtype == pl.String
    assert events_frame(_frame(sources=[[], [], []]))["sources"].dtype == pl.List(pl.String)
    assert events_frame(_frame(outcome=[None, None, None]))["outcome"].dtype == pl.String
    dt = events_frame(_frame(date=[datetime(2024, 2, 1, 9), datetime(2024, 1, 1), None]))
    assert dt["date"].dtype == pl.Date


@pytest.mark.parametrize("frame, words", [
    (_frame().drop("agency"), "lacks columns: agency"),
    (_frame(agency=["police", "social", "health"]), "agency outside"),
    (_frame(extra=[1, 2, 3]), "unknown columns: extra"),
    (_frame(date=["2024-01-01", "x", None]), "must be Date"),
    (_frame(event_id=[None, "1", "2"]), "event_id must not be null"),
])
def test_events_frame_errors_name_columns_not_values(frame, words):
    with pytest.raises(ReportDataError, match=words) as e:
        events_frame(frame)
    assert SENTINEL not in str(e.value)


def test_validation_error_hides_the_frame():
    with pytest.raises(ValidationError) as e:
        ChildReportData(as_of=date(2024, 6, 30), events=_frame().drop("agency"),
                        child=ChildSummary(person_id="P1", display_name=SENTINEL))
    assert SENTINEL not in str(e.value)
    assert "lacks columns: agency" in str(e.value)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "Lily Hart", "P1/..", ""])
def test_person_id_must_be_file_safe(bad):
    with pytest.raises(ValidationError) as e:
        ChildSummary(person_id=bad, display_name="x")
    assert bad not in str(e.value) or not bad
    with pytest.raises(ValidationError):
        IndexRow(referral_id="R1", child_person_id=bad or "a b")


def test_models_are_frozen_and_strict():
    c = ChildSummary(person_id="P1", display_name="x")
    with pytest.raises(ValidationError):
        c.display_name = "y"
    with pytest.raises(ValidationError):
        ChildSummary(person_id="P1", display_name="x", nickname="z")


def test_public_api_does_not_drift():
    from chronolink import reports
    assert sorted(reports.__all__) == sorted([
        "CHRONOLOGY_COLUMNS", "EVENT_SCHEMA", "AgencyName", "Candidate", "ChildReportData", "ChildSummary",
        "CurrentPlace", "Disposition", "Evidence", "Flag", "AgencyCoverage", "DataCoverage", "ExtractStatus",
        "Unjudged", "HouseholdMember", "HouseholdReportData", "Identifier",
        "IndexRow", "Link", "Occurrence", "Period", "PlaceSummary", "ReportDataError", "ResidentPeriods", "WaterfallStep",
        "chronology_frame", "events_frame", "household_filename", "render_child_html", "render_household_html",
        "render_index_html", "report_filename", "timeline_chart", "timeline_image", "write_child_report",
        "write_chronology_csv", "write_chronology_xlsx", "write_household_report", "write_index",
    ])
    assert all(hasattr(reports, name) for name in reports.__all__)
