"""Reviewer-facing reports: one self-contained HTML page per child, images, exports.

    from chronolink.reports import ChildReportData, render_child_html, write_child_report
    path = write_child_report(data, "out/reports")            # child_P00001234.html
    write_child_report(data, "out/reports", fmt="png")        # the timeline for a case review
    write_chronology_xlsx(data, "out/P00001234.xlsx")

The contract is in :mod:`reports.model`; the page is safe to open offline
(no network, no eval, data never executed): see :mod:`reports.safety`.
"""

from __future__ import annotations

from chronolink.reports.chart import timeline_chart
from chronolink.reports.chronology_export import (
    CHRONOLOGY_COLUMNS,
    chronology_frame,
    write_chronology_csv,
    write_chronology_xlsx,
)
from chronolink.reports.model import (
    EVENT_SCHEMA,
    AgencyCoverage,
    AgencyName,
    Candidate,
    ChildReportData,
    ChildSummary,
    CurrentPlace,
    DataCoverage,
    Disposition,
    Evidence,
    ExtractStatus,
    Flag,
    HouseholdMember,
    HouseholdReportData,
    Identifier,
    IndexRow,
    Link,
    Occurrence,
    Period,
    PlaceSummary,
    ReportDataError,
    ResidentPeriods,
    Unjudged,
    WaterfallStep,
    events_frame,
)
from chronolink.reports.render import (
    household_filename,
    render_child_html,
    render_household_html,
    render_index_html,
    report_filename,
    timeline_image,
    write_child_report,
    write_household_report,
    write_index,
)

__all__ = [
    "CHRONOLOGY_COLUMNS",
    "EVENT_SCHEMA",
    "AgencyCoverage",
    "AgencyName",
    "Candidate",
    "ChildReportData",
    "ChildSummary",
    "CurrentPlace",
    "DataCoverage",
    "Disposition",
    "Evidence",
    "ExtractStatus",
    "Flag",
    "Occurrence",
    "HouseholdMember",
    "HouseholdReportData",
    "Identifier",
    "IndexRow",
    "Link",
    "Period",
    "PlaceSummary",
    "ReportDataError",
    "ResidentPeriods",
    "Unjudged",
    "WaterfallStep",
    "chronology_frame",
    "events_frame",
    "household_filename",
    "render_child_html",
    "render_household_html",
    "render_index_html",
    "report_filename",
    "timeline_chart",
    "timeline_image",
    "write_child_report",
    "write_chronology_csv",
    "write_chronology_xlsx",
    "write_household_report",
    "write_index",
]
