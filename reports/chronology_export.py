"""The chronology as a spreadsheet: the columns of a multi-agency chronology.

Written through :mod:`engine.export.safe`, so a cell starting with ``=``, ``+``,
``-``, ``@``, tab, CR or NUL is neutralised and never becomes a formula.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from chronolink.engine.export.safe import write_csv_safe, write_xlsx_safe
from chronolink.reports.model import ChildReportData, HouseholdReportData
from chronolink.reports.vocab import AGENCY_LABELS

#: Column order of the export.
CHRONOLOGY_COLUMNS: tuple[str, ...] = (
    "Date", "Time", "Agency", "Source record", "Event", "Details", "Outcome or action",
    "People involved", "Significance",
)


def chronology_frame(data: ChildReportData | HouseholdReportData) -> pl.DataFrame:
    """One row per event, in date order (undated last), with :data:`CHRONOLOGY_COLUMNS`."""
    ev = data.events
    return ev.select(
        pl.col("date").alias("Date"),
        pl.col("time").alias("Time"),
        pl.col("agency").replace_strict(AGENCY_LABELS, return_dtype=pl.String).alias("Agency"),
        pl.col("sources").list.join("; ").alias("Source record"),
        pl.coalesce(pl.col("label"), pl.col("event_type")).alias("Event"),
        pl.col("summary").alias("Details"),
        pl.col("outcome").alias("Outcome or action"),
        pl.col("people").alias("People involved"),
        pl.col("significance").alias("Significance"),
    )


def write_chronology_csv(data: ChildReportData | HouseholdReportData, path: Path | str) -> Path:
    path = Path(path)
    write_csv_safe(chronology_frame(data), path)
    return path


def write_chronology_xlsx(data: ChildReportData | HouseholdReportData, path: Path | str) -> Path:
    path = Path(path)
    write_xlsx_safe(chronology_frame(data), path, sheet="Chronology")
    return path
