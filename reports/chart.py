"""The timeline: one swimlane per agency, spans for plans, flags and silences marked.

The chart carries its data as named top-level ``datasets`` (built here from
the events frame), so no Altair data transformer runs: no 5,000-row limit, no
hashing of large frames, and ``to_dict(validate=False)`` is cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import altair as alt
import polars as pl

from chronolink.reports.model import AGENCIES, ChildReportData, HouseholdReportData
from chronolink.reports.periods import contact_gaps
from chronolink.reports.vocab import (
    AGENCY_LABELS,
    FAMILY_COLOURS,
    FAMILY_NAMES,
    SPAN_TYPES,
    family_of,
    fmt_date,
    rule_title,
)

TOOLTIP_CHARS = 300  # summaries are cut in tooltips (the table has them in full)
WIDTH = 980
LANE_HEIGHT = 34
FLAG_MARK_PX = 16  # flag markers closer than this (in pixels at full width) are drawn as one, with a count
# Axis ticks by the length of history shown: (longest span in days, tick interval, step, label format).
TICKS = ((430, "month", 1, "%b %Y"), (3 * 366, "month", 3, "%b %Y"), (6 * 366, "month", 6, "%b %Y"),
         (15 * 366, "year", 1, "%Y"), (10**6, "year", 2, "%Y"))


def _cut(text: str | None, n: int = TOOLTIP_CHARS) -> str:
    if not text:
        return ""
    return text if len(text) <= n else text[: n - 1] + "…"


def _event_rows(events: pl.DataFrame, as_of: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(points, spans) for the chart, dated events only."""
    points: list[dict[str, Any]] = []
    spans: list[dict[str, Any]] = []
    cols = ("date", "time", "end_date", "agency", "event_type", "label", "summary", "outcome", "sources")
    for d, time, end, agency, etype, label, summary, outcome, sources in events.select(cols).iter_rows():
        if d is None:
            continue
        row = {
            "lane": AGENCY_LABELS[agency],
            "date": d.isoformat(),
            "family": family_of(etype),
            "event": label or etype,
            "when": fmt_date(d) + (f" {time}" if time else ""),
            "summary": _cut(summary),
            "outcome": outcome or "",
            "source": "; ".join(sources or []),
        }
        if end is not None or etype in SPAN_TYPES:
            stop = end if end is not None else as_of
            row["end"] = max(stop, d).isoformat()
            row["when"] += f" to {fmt_date(end)}" if end is not None else " (open)"
            spans.append(row)
        else:
            points.append(row)
    return points, spans


def _extent(events: pl.DataFrame, as_of: date, residence: list[dict[str, Any]]) -> tuple[date, date]:
    """The first and last dates the chart shows (at least a month)."""
    dated = events.filter(pl.col("date").is_not_null())
    starts = dated["date"].to_list() + [date.fromisoformat(r["date"]) for r in residence]
    ends = [d for d in dated["end_date"].to_list() if d is not None] + [as_of]
    first, last = min(starts, default=as_of), max(ends)
    return min(first, last - timedelta(days=31)), last


def _ticks(first: date, last: date) -> tuple[dict[str, Any], str]:
    """A tick interval and label format that keep the axis legible over this span."""
    days = (last - first).days
    for longest, unit, step, fmt in TICKS:
        if days <= longest:
            return {"interval": unit, "step": step}, fmt
    raise AssertionError("unreachable: the last TICKS row covers every span")


def _flag_marks(flags: list[dict[str, Any]], days_per_px: float) -> list[dict[str, Any]]:
    """Flag firings close enough to overlap on the chart drawn as one marker: its date, how many, which."""
    marks: list[dict[str, Any]] = []
    for row in sorted(flags, key=lambda r: (r["date"], r["rule"])):
        d = date.fromisoformat(row["date"])
        if marks and (d - marks[-1]["_first"]).days <= FLAG_MARK_PX * days_per_px:
            m = marks[-1]
            m["count"] += 1
            m["_rules"].append(row["rule"])
            m["_last"] = d
        else:
            marks.append({"date": row["date"], "count": 1, "_first": d, "_last": d, "_rules": [row["rule"]]})
    for m in marks:
        first, last, rules = m.pop("_first"), m.pop("_last"), m.pop("_rules")
        m["label"] = str(m["count"]) if m["count"] > 1 else ""
        m["when"] = fmt_date(first) + (f" to {fmt_date(last)}" if last != first else "")
        m["rule"] = "; ".join(f"{r} ({n})" if n > 1 else r for r, n in
                              sorted(((r, rules.count(r)) for r in set(rules)), key=lambda t: (-t[1], t[0])))
    return marks


def _flag_rows(flags: list) -> list[dict[str, Any]]:
    """One mark per firing: a concern that fired on three dates shows on all three."""
    return [
        {
            "date": o.trigger_date.isoformat(),
            "rule": rule_title(f.rule),
            "when": fmt_date(o.trigger_date),
            "status": f.disposition.status,
        }
        for f in flags for o in f.firings()
    ]


@dataclass(frozen=True)
class Layout:
    """Everything the chart's structure depends on (its data aside): charts of one layout share one spec."""

    lanes: tuple[str, ...]
    families: tuple[tuple[str, str], ...]  # (event family, colour) present
    tick_unit: str
    tick_step: int
    label_format: str
    title: str


def timeline_layout(
    *,
    events: pl.DataFrame,
    flags: list,
    as_of: date,
    residence: list[dict[str, Any]] | None = None,
    title: str = "",
) -> tuple[Layout, dict[str, list[dict[str, Any]]]]:
    """The chart's layout and its named datasets."""
    points, spans = _event_rows(events, as_of)
    present = set(events.filter(pl.col("date").is_not_null())["agency"].unique().to_list())
    lanes = [lane for lane in dict.fromkeys(r["lane"] for r in residence or [])]
    lanes += [AGENCY_LABELS[a] for a in AGENCIES if a in present]
    first, last = _extent(events, as_of, residence or [])
    days_per_px = max((last - first).days, 1) / WIDTH
    gaps = [
        {"date": g.start.isoformat(), "end": g.end.isoformat(), "text": g.text,
         "when": f"{fmt_date(g.start)} to {fmt_date(g.end)}"}
        for g in contact_gaps(events["date"].to_list(), as_of)
    ]
    fired = _flag_rows(flags)
    datasets = {
        "points": points,
        "spans": spans,
        "flags": fired,
        "flag_marks": _flag_marks(fired, days_per_px),
        "gaps": gaps,
        "residence": residence or [],
        "as_of": [{"date": as_of.isoformat(), "when": fmt_date(as_of)}],
    }

    ticks, label_format = _ticks(first, last)
    used = {r["family"] for r in points + spans}
    families = [(f, c) for f, c in zip(FAMILY_NAMES, FAMILY_COLOURS) if f in used] or [(FAMILY_NAMES[-1], FAMILY_COLOURS[-1])]
    return Layout(tuple(lanes), tuple(families), ticks["interval"], ticks["step"], label_format, title), datasets


def _layered(layout: Layout) -> alt.LayerChart:
    """The layered chart of a layout, without data."""
    lanes, families, label_format, title = list(layout.lanes), list(layout.families), layout.label_format, layout.title
    ticks = {"interval": layout.tick_unit, "step": layout.tick_step}
    x_scale = alt.Scale(type="utc", padding=10)
    x_axis = alt.Axis(format=label_format, tickCount=ticks, labelOverlap="greedy", labelFontSize=11,
                      labelSeparation=6, grid=True)
    x = alt.X("date:T", title=None, scale=x_scale, axis=x_axis)
    y = alt.Y("lane:N", title=None, scale=alt.Scale(domain=lanes or [""]),
              axis=alt.Axis(labelLimit=220, labelFontSize=11))
    colour = alt.Color("family:N", title="Event family",
                       scale=alt.Scale(domain=[f for f, _ in families], range=[c for _, c in families]),
                       legend=alt.Legend(orient="bottom", columns=4, symbolType="circle"))
    tip = [alt.Tooltip("when:N", title="Date"), alt.Tooltip("lane:N", title="Agency"),
           alt.Tooltip("event:N", title="Event"), alt.Tooltip("summary:N", title="Summary"),
           alt.Tooltip("outcome:N", title="Outcome"), alt.Tooltip("source:N", title="Source")]
    zoom = alt.selection_interval(bind="scales", encodings=["x"], name="zoom")

    gap_layer = alt.Chart(alt.NamedData("gaps")).mark_rect(color="#888888", opacity=0.16).encode(
        x=x, x2="end:T",
        tooltip=[alt.Tooltip("text:N", title="Gap"), alt.Tooltip("when:N", title="Dates")])
    residence_layer = alt.Chart(alt.NamedData("residence")).mark_bar(
        height=12, color="#4c78a8", opacity=0.55, cornerRadius=2).encode(
        x=x, x2="end:T", y=y,
        tooltip=[alt.Tooltip("lane:N", title="Person"), alt.Tooltip("when:N", title="Seen here")])
    span_layer = alt.Chart(alt.NamedData("spans")).mark_bar(height=12, opacity=0.45, cornerRadius=2).encode(
        x=x, x2="end:T", y=y, color=colour, tooltip=tip)
    point_layer = alt.Chart(alt.NamedData("points")).mark_point(
        filled=True, size=70, opacity=0.9, stroke="white", strokeWidth=0.5).encode(
        x=x, y=y, color=colour, tooltip=tip).add_params(zoom).properties(name="events")  # a fixed view name
    flag_layer = alt.Chart(alt.NamedData("flags")).mark_rule(
        color="#c00000", strokeWidth=2, strokeDash=[5, 3]).encode(
        x=x, tooltip=[alt.Tooltip("rule:N", title="Flag"), alt.Tooltip("when:N", title="Trigger date"),
                      alt.Tooltip("status:N", title="Status")])
    mark_tip = [alt.Tooltip("count:Q", title="Flags"), alt.Tooltip("rule:N", title="Which"),
                alt.Tooltip("when:N", title="Trigger dates")]
    flag_mark = alt.Chart(alt.NamedData("flag_marks")).mark_point(
        shape="triangle-down", filled=True, size=110, color="#c00000", opacity=1).encode(
        x=x, y=alt.value(6), tooltip=mark_tip).properties(name="flagmarks")
    flag_count = alt.Chart(alt.NamedData("flag_marks")).mark_text(
        align="left", dx=7, dy=1, fontSize=11, fontWeight="bold", color="#c00000").encode(
        x=x, y=alt.value(6), text="label:N", tooltip=mark_tip).properties(name="flagcounts")
    as_of_layer = alt.Chart(alt.NamedData("as_of")).mark_rule(color="#333333", strokeDash=[2, 2]).encode(
        x=x, tooltip=[alt.Tooltip("when:N", title="Extracts as of")])

    chart = alt.layer(gap_layer, residence_layer, span_layer, point_layer, flag_layer, flag_mark, flag_count,
                      as_of_layer)
    chart = chart.properties(width=WIDTH, height=max(LANE_HEIGHT * max(len(lanes), 1), 80))
    if title:
        chart = chart.properties(title=alt.Title(title, anchor="start", fontSize=13))
    return chart.configure_view(stroke="#cccccc").configure_legend(labelLimit=220)


@lru_cache(maxsize=128)
def _layout_spec(layout: Layout) -> str:
    """The Vega-Lite spec of a layout (no data) as JSON: building it through Altair costs tens of ms."""
    spec = _layered(layout).to_dict(validate=False)
    spec.pop("$schema", None)
    return json.dumps(spec)


def _parts(data: ChildReportData | HouseholdReportData) -> tuple[Layout, dict[str, Any]]:
    if isinstance(data, HouseholdReportData):
        residence = []
        for m in data.members:
            lane = f"At address: {m.name}" + (f" ({m.role})" if m.role else "")
            for p in m.periods:
                start = p.start or p.end
                if start is None:
                    continue
                end = p.end or data.as_of
                residence.append({"lane": lane, "date": start.isoformat(), "end": max(end, start).isoformat(),
                                  "when": f"{fmt_date(start)} to {fmt_date(p.end) if p.end else 'the as-of date'}"})
        return timeline_layout(events=data.events, flags=data.flags, as_of=data.as_of, residence=residence)
    return timeline_layout(events=data.events, flags=data.flags, as_of=data.as_of)


def timeline_chart(data: ChildReportData | HouseholdReportData) -> alt.LayerChart:
    """The timeline of a child's (or a household's) report as an Altair chart, data included."""
    layout, datasets = _parts(data)
    chart = _layered(layout)
    # Set directly: .properties() would validate every row against the schema (slow on big data).
    chart.datasets = datasets
    return chart


def timeline_spec(data: ChildReportData | HouseholdReportData) -> dict[str, Any]:
    """The Vega-Lite spec to embed (data as top-level ``datasets``, no ``$schema`` URL).

    Built without passing the rows through Altair (which deep-copies them), so a
    chronology of thousands of events costs little; the structure is built once per layout.
    """
    layout, datasets = _parts(data)
    spec = json.loads(_layout_spec(layout))
    spec["datasets"] = datasets
    return spec
