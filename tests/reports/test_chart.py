"""The timeline spec: lanes, spans, flags, gaps, zoom, tooltips."""

from __future__ import annotations

from datetime import date

import altair as alt

from chronolink.reports import timeline_chart
from chronolink.reports.chart import timeline_spec
from tests.reports.builders import child_data, household_data


def _layers(spec):
    return {l["data"]["name"]: l for l in spec["layer"]}


def test_spec_shape():
    spec = timeline_spec(child_data())
    assert "$schema" not in spec
    layers = _layers(spec)
    ds = spec["datasets"]
    assert layers["points"]["encoding"]["y"]["scale"]["domain"] == [
        "Police", "Children's social care", "Health", "School", "Probation"]  # agency order, present only
    assert layers["points"]["encoding"]["x"]["scale"]["type"] == "utc"
    # zoom and pan on x only
    (param,) = spec["params"]
    assert param["bind"] == "scales" and param["select"]["encodings"] == ["x"]
    assert param["views"] == ["events"] and layers["points"]["name"] == "events"  # stable across runs
    # spans: the assessment to its end, the open CP plan to the as-of date
    assert [(r["event"], r["date"], r["end"]) for r in ds["spans"]] == [
        ("C&F Assessment", "2023-02-10", "2023-04-18"), ("CP Plan", "2023-05-01", "2024-06-30")]
    assert len(ds["points"]) == 5  # the undated tenancy is not charted
    assert {r["date"] for r in ds["flags"]} == {"2022-12-01", "2022-04-20"}
    assert layers["flags"]["mark"]["color"] == "#c00000"
    assert [(g["date"], g["end"]) for g in ds["gaps"]] == [
        ("2022-04-20", "2022-12-01"), ("2023-05-01", "2023-12-05"), ("2023-12-05", "2024-06-30")]
    tip = [t["title"] for t in layers["points"]["encoding"]["tooltip"]]
    assert tip == ["Date", "Agency", "Event", "Summary", "Outcome", "Source"]
    fam = layers["points"]["encoding"]["color"]["scale"]
    assert fam["domain"] == ["Concern or incident", "Criminal justice", "Enquiry or assessment", "Child protection"]
    assert ds["points"][0]["source"] == "police_occurrences.csv:12"


def test_household_lanes():
    spec = timeline_spec(household_data())
    lanes = _layers(spec)["points"]["encoding"]["y"]["scale"]["domain"]
    assert lanes[:2] == ["At address: Lily Hart (child)", "At address: Daniel Hart (adult)"]
    assert [(r["date"], r["end"]) for r in spec["datasets"]["residence"]][1:] == [
        ("2022-03-14", "2022-12-01"), ("2023-12-05", "2024-06-30")]


def test_timeline_chart_is_altair_and_self_contained():
    chart = timeline_chart(child_data())
    assert isinstance(chart, alt.TopLevelMixin)
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert set(spec["datasets"]) == {"points", "spans", "flags", "flag_marks", "gaps", "residence", "as_of"}
    assert spec["datasets"]["as_of"] == [{"date": date(2024, 6, 30).isoformat(), "when": "30 Jun 2024"}]


def test_tooltip_summary_cut():
    data = child_data()
    long = data.events.with_columns(summary=data.events["summary"] + "x" * 1000)
    spec = timeline_spec(data.model_copy(update={"events": long}))
    assert all(len(r["summary"]) <= 300 for r in spec["datasets"]["points"])


def test_spec_structure_is_built_once_per_layout_and_never_shared():
    from chronolink.reports.chart import _layered, _parts

    data = child_data()
    first = timeline_spec(data)
    first["layer"].clear()  # a caller changing its spec changes nobody else's
    again = timeline_spec(data)
    layout, _ = _parts(data)
    fresh = _layered(layout).to_dict(validate=False)
    fresh.pop("$schema", None)
    assert again["layer"] and {k: v for k, v in again.items() if k != "datasets"} == fresh
