"""Render report data to self-contained HTML pages and timeline images.

    html = render_child_html(data)                       # one page, opens offline
    path = write_child_report(data, out_dir, fmt="png")  # file named from the person id

Every value from the data reaches the page through Jinja2 autoescaping, or
inside the chart spec's JSON block (see :mod:`reports.safety`).
"""

from __future__ import annotations

import functools
import os
import tempfile
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from chronolink.reports.chart import timeline_spec
from chronolink.reports.model import (
    ChildReportData,
    DataCoverage,
    Flag,
    HouseholdReportData,
    IndexRow,
    Link,
    Unjudged,
    check_id,
)
from chronolink.reports.periods import GAP_DAYS, age_text, contact_gaps
from chronolink.reports.safety import content_security_policy, csp_hash, json_script_text, vega_bundle, vega_bundle_hash
from chronolink.reports.vocab import AGENCY_LABELS, fmt_date, fmt_when, rule_text, rule_title

Format = Literal["html", "svg", "png"]
FORMATS = ("html", "svg", "png")
_STATUS_TEXT = {"open": "open, not yet reviewed", "confirmed": "confirmed", "dismissed": "dismissed",
                "actioned": "actioned"}


# --- static parts -------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("chronolink.reports", "templates"),
        autoescape=True,  # every template, whatever its extension
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.lru_cache(maxsize=None)
def _asset(name: str) -> str:
    return resources.files("chronolink.reports").joinpath("templates", name).read_text(encoding="utf-8")


def common_css() -> str:
    """The styles of what the macros draw: inlined in the static reports, served to the workbench."""
    return _asset("common.css")


def csp_watch_script() -> str:
    """The script that counts Content-Security-Policy violations on a page: inlined in the static
    reports, served to the workbench's pages (one file for both)."""
    return _asset("csp_watch.js")


def css_string(text: str) -> str:
    """``text`` as a CSS string literal, every character outside a-z, 0-9 and space hex-escaped, so
    a name or marking stays text inside a style sheet whatever it holds."""
    return '"' + "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):x} " for c in text) + '"'


def print_margins(marking: str, running: str) -> str:
    """The A4 page-margin boxes: the protective marking top and bottom, the page's title (the child's
    name and id) and "Page n of N" on every printed page."""
    m, r = css_string(marking), css_string(running)
    return (
        "@page { size: A4; margin: 16mm 10mm 14mm;"
        f" @top-left {{ content: {r}; font-size: 8pt; }}"
        f" @top-right {{ content: {m}; font-size: 8pt; font-weight: bold; }}"
        f" @bottom-left {{ content: {m}; font-size: 8pt; font-weight: bold; }}"
        ' @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; } }'
    )


def _page(template: str, *, chart: dict[str, Any] | None, **context: Any) -> str:
    scripts: tuple[str, ...] = ()
    extra: dict[str, Any] = {"chart_spec": ""}
    if chart is not None:
        boot = csp_watch_script() + _asset("boot.js")
        scripts = (vega_bundle_hash(), csp_hash(boot))
        extra = {
            "chart_spec": Markup(json_script_text(chart)),  # noqa: S704 (escaped for a script block)
            "bundle": Markup(vega_bundle()),  # noqa: S704 (trusted, checked for script tags)
            "boot": Markup(boot),  # noqa: S704 (static file)
        }
    return _env().get_template(template).render(
        csp=content_security_policy(scripts),
        # the margins' text is hex-escaped by css_string: nothing in it can close the style block
        css=Markup(common_css() + _asset("report.css") + "\n" + print_margins(context["marking"], context["page_title"])),  # noqa: S704
        gap_days=GAP_DAYS,
        **extra,
        **context,
    )


# --- view models ----------------------------------------------------------------------
def _num(x: float | None, places: int = 2) -> str | None:
    return None if x is None else f"{x:+.{places}f}"


def link_views(links: list[Link]) -> list[dict[str, Any]]:
    """Links as the templates show them: the two records, the score and the waterfall's bars."""
    views = []
    for link in links:
        biggest = max([abs(s.weight) for s in link.waterfall] + [1e-9])
        total = 0.0
        steps = []
        for s in link.waterfall:
            total += s.weight
            width = round(abs(s.weight) / biggest * 50, 1)
            steps.append({
                "comparison": s.comparison, "level": s.level, "weight": _num(s.weight),
                "total": _num(total), "sign": "pos" if s.weight >= 0 else "neg",
                "width": width, "left": 50 if s.weight >= 0 else round(50 - width, 1),
            })
        p = link.match_probability
        views.append({
            "description": link.description, "weight": _num(link.match_weight),
            "probability": None if p is None else f"{p:.1%}" if p < 0.999 else f"{p:.4%}",
            "steps": steps,
        })
    return views


def flag_views(flags: list[Flag], subject: str) -> list[dict[str, Any]]:
    """Flags as the templates show them: wording, decision, evidence and link waterfalls."""
    views = []
    for f in sorted(flags, key=lambda f: (f.trigger_date, f.rule, f.flag_id)):
        links = link_views(f.links)
        views.append({
            "flag_id": f.flag_id,
            "rule": f.rule,
            "title": rule_title(f.rule),
            "text": f.plain_english or rule_text(f.rule, f.child or subject, f.trigger_date, f.other_person, f.place),
            "trigger": fmt_date(f.trigger_date),
            "trigger_date": f.trigger_date,
            "firings": [{"date": fmt_date(o.trigger_date), "trigger_date": o.trigger_date, "place": o.place}
                        for o in f.firings()],
            "other": f.other_person,
            "place": f.place,
            "status": f.disposition.status,
            "status_text": _STATUS_TEXT[f.disposition.status],
            "by": f.disposition.by,
            "at": fmt_when(f.disposition.at),
            "reason": f.disposition.reason,
            "evidence": [
                {"source": e.source_file + ("" if e.source_row is None else f":{e.source_row}"),
                 "role": e.role, "summary": e.summary}
                for e in f.evidence
            ],
            "links": links,
        })
    return views


def _chronology_rows(events: pl.DataFrame, flags: list[dict[str, Any]], as_of: date,
                     dob: date | None) -> list[dict[str, Any]]:
    """Table rows in date order: events, flags after the events of their trigger date, and a
    'no agency contact' row after the last event before each silence; undated events last."""
    keyed: list[tuple[date, int, int, dict[str, Any]]] = []
    undated: list[dict[str, Any]] = []
    for i, r in enumerate(events.iter_rows(named=True)):
        d = r["date"]
        row = {
            "kind": "event",
            "date": fmt_date(d) if d else "date unknown",
            "time": r["time"],
            "end": fmt_date(r["end_date"]) if r["end_date"] else None,
            "age": r["child_age"] or (age_text(dob, d) if d else None) or "",
            "agency": r["agency"],
            "agency_label": AGENCY_LABELS[r["agency"]],
            "label": r["label"] or "",
            "event_type": r["event_type"],
            "significance": r["significance"],
            "summary": r["summary"] or "",
            "outcome": r["outcome"] or "",
            "people": r["people"] or "",
            "sources": r["sources"] or [],
            "date_raw": r["date_as_written"] if d is None else None,
        }
        if d is None:
            undated.append(row)
        else:
            keyed.append((d, 0, i, row))
    for n, f in enumerate(flags, start=1):
        for o in f["firings"]:  # a concern that fired on several dates is shown at each
            keyed.append((o["trigger_date"], 1, n, {"kind": "flag", "date": o["date"], "number": n,
                                                     "text": f"{f['title']}. {f['text']}"}))
    for n, g in enumerate(contact_gaps(events["date"].to_list(), as_of)):
        keyed.append((g.start, 2, n, {"kind": "gap", "text": g.text,
                                      "when": f"{fmt_date(g.start)} to {fmt_date(g.end)}"}))
    keyed.sort(key=lambda t: t[:3])
    rows = [t[3] for t in keyed]
    if undated:
        rows.append({"kind": "section", "text": "Undated records (date missing or unreadable in the source)"})
        rows.extend(undated)
    return rows


def _undated_lane(events: pl.DataFrame) -> list[dict[str, Any]]:
    """The events the timeline cannot place (no usable date), listed beside it."""
    return [{"agency_label": AGENCY_LABELS[r["agency"]], "label": r["label"] or r["event_type"],
             "sources": "; ".join(r["sources"] or [])}
            for r in events.filter(pl.col("date").is_null()).iter_rows(named=True)]


def _unjudged_views(items: list[Unjudged]) -> list[dict[str, Any]]:
    return [{"cells": [f"{u.source_file}:{u.source_row}", u.event,
                       "unreadable" if u.date_status == "invalid" else "missing",
                       "; ".join(rule_title(r) for r in u.rules)]} for u in items]


def _coverage_view(cov: DataCoverage | None) -> dict[str, Any] | None:
    if cov is None:
        return None
    return {
        "extracts": [{"source_file": e.source_file, "agency": AGENCY_LABELS[e.agency] if e.agency else (e.layout or ""),
                      "status": e.status, "message": e.message,
                      "rows_read": "" if e.rows_read is None else e.rows_read,
                      "rows_stored": "" if e.rows_stored is None else e.rows_stored,
                      "rows_quarantined": "" if e.rows_quarantined is None else e.rows_quarantined}
                     for e in cov.extracts],  # no times: the same extracts give the same page, run after run
        "agencies": [{"cells": [AGENCY_LABELS[a.agency], fmt_date(a.latest) if a.latest else "none dated",
                                a.records, a.undated]} for a in cov.agencies],
    }


def _period_text(start: date | None, end: date | None, open_text: str = "now") -> str:
    if start is None and end is None:
        return ""
    return f"{fmt_date(start) if start else 'unknown'} to {fmt_date(end) if end else open_text}"


HOUSEHOLD_KINDS = (
    ("current", "Lives with the child now", "Seen at the child's current address in a period overlapping theirs, "
                                            "and seen nowhere else since."),
    ("past", "Lived with the child before", "Seen with the child at an address in overlapping periods, "
                                            "not at the child's current address now."),
    ("related", "Related by a relationship record only", "Named in a relationship record; no agency saw them "
                                                         "at an address with the child."),
)


def household_period(kind: str, start: date | None, end: date | None) -> str:
    """'since 3 Mar 2024', '3 Mar 2020 to 1 Jun 2022', or '' for a relationship row only."""
    if kind == "current":
        return f"since {fmt_date(start)}" if start else "now"
    if kind == "past":
        return _period_text(start, end, "unknown")
    return ""


# --- pages ------------------------------------------------------------------------------
def child_context(data: ChildReportData) -> dict[str, Any]:
    """What a child's page shows, ready for a template (the static report and the workbench share it)."""
    c = data.child
    place = c.current_place
    flags = flag_views(data.flags, c.display_name)
    child = {
        "name": c.display_name,
        "person_id": c.person_id,
        "dob": fmt_date(c.dob) if c.dob else None,
        "age": c.age or age_text(c.dob, data.as_of),
        "sex": c.sex,
        "names": [{"agency": AGENCY_LABELS[n.agency], "name": n.name,
                   "source": n.source_file + ("" if n.source_row is None else f":{n.source_row}")}
                  for n in c.names],
        "identifiers": c.identifiers,
        "place": None if place is None else {
            "address": place.address, "place_id": place.place_id,
            "since": fmt_date(place.since) if place.since else None,
            "seen_by": ", ".join(AGENCY_LABELS[a] for a in place.seen_by),
        },
        "household": [
            {"name": m.name, "person_id": m.person_id, "role": m.role,
             "dob": fmt_date(m.dob) if m.dob else "", "age": m.age or age_text(m.dob, data.as_of) or "",
             "risk_markers": m.risk_markers, "places": m.places_shared, "kind": m.kind,
             "period": household_period(m.kind, m.period_from, m.period_to)}
            for m in c.household
        ],
    }
    return {
        "page_title": f"Chronology: {c.display_name} ({c.person_id})",
        "marking": data.marking,
        "as_of": fmt_date(data.as_of),
        "c": child,
        "household_kinds": HOUSEHOLD_KINDS,
        "flags": flags,
        "rows": _chronology_rows(data.events, flags, data.as_of, c.dob),
        "event_count": data.events.height,
        "has_events": data.events["date"].drop_nulls().len() > 0,
        "undated": _undated_lane(data.events),
        "unjudged": _unjudged_views(data.unjudged),
        "coverage": _coverage_view(data.coverage),
    }


def render_child_html(data: ChildReportData) -> str:
    """One child's report: header, timeline, flags with evidence and linkage, chronology."""
    return _page("child.html", chart=timeline_spec(data), **child_context(data))


def render_household_html(data: HouseholdReportData) -> str:
    """A place's report: who was seen there when, their events at that place, the flags."""
    p = data.place
    flags = flag_views(data.flags, "the child")
    members = [
        {"name": m.name, "person_id": m.person_id, "role": m.role or "",
         "dob": fmt_date(m.dob) if m.dob else "", "age": m.age or age_text(m.dob, data.as_of) or "",
         "risk_markers": m.risk_markers,
         "periods": [{"text": _period_text(per.start, per.end, "the as-of date"), "sources": "; ".join(per.sources)}
                     for per in m.periods]}
        for m in data.members
    ]
    return _page(
        "household.html",
        chart=timeline_spec(data),
        page_title=f"Household: {p.address} ({p.place_id})",
        marking=data.marking,
        as_of=fmt_date(data.as_of),
        p={"address": p.address, "place_id": p.place_id, "seen_by": ", ".join(AGENCY_LABELS[a] for a in p.seen_by)},
        members=members,
        flags=flags,
        rows=_chronology_rows(data.events, flags, data.as_of, None),
        event_count=data.events.height,
        has_events=data.events["date"].drop_nulls().len() > 0,
        undated=_undated_lane(data.events),
        unjudged=_unjudged_views(data.unjudged),
        coverage=_coverage_view(data.coverage),
    )


def render_index_html(rows: list[IndexRow], *, heading: str = "Referrals", as_of: date | None = None,
                      marking: str = "OFFICIAL-SENSITIVE", coverage: DataCoverage | None = None) -> str:
    """The batch page: referrals newest first, each with its child's report or near candidates."""
    rows = [r if isinstance(r, IndexRow) else IndexRow.model_validate(r) for r in rows]
    ordered = sorted(rows, key=lambda r: r.referral_id, reverse=True)
    ordered = sorted(ordered, key=lambda r: r.received or date.min, reverse=True)
    view = [
        {
            "referral_id": r.referral_id,
            "received": fmt_date(r.received) if r.received else "not recorded",
            "child_person_id": r.child_person_id,
            "child_name": r.child_name or r.child_person_id,
            "href": report_filename(r.child_person_id) if r.child_person_id else None,
            "candidates": [
                {"name": cand.name, "person_id": cand.person_id,
                 "href": report_filename(cand.person_id) if cand.has_report else None,
                 "probability": None if cand.match_probability is None else f"{cand.match_probability:.0%}"}
                for cand in r.candidates
            ],
            "flag_count": r.flag_count,
            "rating": r.rating,
            "rating_class": r.rating.replace(" ", "-"),
            "rating_reasons": r.rating_reasons,
        }
        for r in ordered
    ]
    return _page("index.html", chart=None, page_title=heading, marking=marking, heading=heading,
                 as_of=fmt_date(as_of) if as_of else None, rows=view, coverage=_coverage_view(coverage))


# --- files ------------------------------------------------------------------------------
def report_filename(person_id: str, fmt: Format = "html") -> str:
    """The report file of a person: named from the id only (never from a name)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    return f"child_{check_id(person_id, 'person_id')}.{fmt}"


def household_filename(place_id: str, fmt: Format = "html") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    return f"household_{check_id(place_id, 'place_id')}.{fmt}"


#: A report being written is a temp file of this prefix until it is renamed (a killed run leaves one).
TEMP_PREFIX = ".tmp-"


def _write_private(path: Path, payload: bytes) -> Path:
    """Write atomically (temp file + rename), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def timeline_image(data: ChildReportData | HouseholdReportData, fmt: Literal["svg", "png"]) -> bytes:
    """The timeline as an SVG or PNG for case-review documents (no network: no data URLs allowed)."""
    import vl_convert

    spec = timeline_spec(data)
    if fmt == "svg":
        return vl_convert.vegalite_to_svg(spec, allowed_base_urls=[]).encode("utf-8")
    if fmt == "png":
        return vl_convert.vegalite_to_png(spec, scale=2, allowed_base_urls=[])
    raise ValueError("image format must be svg or png")


def _encode(html: str) -> bytes:
    return html.encode("utf-8", errors="replace")


def write_child_report(data: ChildReportData, out_dir: Path | str, fmt: Format = "html") -> Path:
    """Write a child's report (HTML page, or the timeline as SVG/PNG); return its path."""
    path = Path(out_dir) / report_filename(data.child.person_id, fmt)
    payload = _encode(render_child_html(data)) if fmt == "html" else timeline_image(data, fmt)
    return _write_private(path, payload)


def write_household_report(data: HouseholdReportData, out_dir: Path | str, fmt: Format = "html") -> Path:
    path = Path(out_dir) / household_filename(data.place.place_id, fmt)
    payload = _encode(render_household_html(data)) if fmt == "html" else timeline_image(data, fmt)
    return _write_private(path, payload)


def write_index(rows: list[IndexRow], out_dir: Path | str, *, as_of: date | None = None,
                coverage: DataCoverage | None = None) -> Path:
    """The batch's index page: every referral, and which extracts the store holds (or failed)."""
    return _write_private(Path(out_dir) / "index.html",
                          _encode(render_index_html(rows, as_of=as_of, coverage=coverage)))
