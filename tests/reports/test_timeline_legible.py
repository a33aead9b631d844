"""The timeline stays legible from one year to ten years of history, drawn in headless Chromium: the
axis labels, the lanes and the flag markers are measured on the page (their boxes must not overlap,
their text must be big enough to read), and a screenshot of each is kept in tests/reports/artifacts/."""
from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from chronolink.reports import render_child_html
from chronolink.reports.model import ChildReportData, ChildSummary, Flag
from tests.conftest import browser_only
from tests.reports.builders import AGENCY_TYPES

ARTIFACTS = Path(__file__).parent / "artifacts"
pytestmark = browser_only
AS_OF = date(2024, 6, 30)
MIN_FONT_PX = 10


def known_for(years: int, events: int = 150, seed: int = 5) -> ChildReportData:
    """A child known to agencies for `years`: events in every lane, plans as bars, and flags that fire
    in bunches (three rules on one day, two a week apart) so their markers would overlap."""
    rng = random.Random(seed)
    days = round(365.25 * years)
    start = AS_OF - timedelta(days=days)
    rows = []
    for i in range(events):
        agency = rng.choice(sorted(AGENCY_TYPES))
        etype = rng.choice(AGENCY_TYPES[agency])
        d = start + timedelta(days=rng.randrange(days))
        end = min(d + timedelta(days=rng.randrange(20, 200)), AS_OF) if etype in ("csc.cp_plan", "csc.cf_assessment") \
            else None
        rows.append({"event_id": f"e{i:04d}", "date": d, "time": None, "end_date": end, "agency": agency,
                     "event_type": etype, "label": etype.split(".")[1].upper(), "summary": "Note", "outcome": "NFA",
                     "people": "Child A", "place": "1 High Street", "sources": [f"{agency}.csv:{i + 2}"],
                     "child_age": None, "significance": None})
    frame = pl.DataFrame(rows, schema_overrides={"date": pl.Date, "end_date": pl.Date, "time": pl.String,
                                                 "child_age": pl.String, "significance": pl.String})
    rules = ("repeat_referrals", "bail_address_child", "missing_episodes")
    bunch = [start + timedelta(days=round(days * f)) for f in (0.3, 0.6)]
    flags = [Flag(flag_id=f"F{i:04d}", rule=rules[i % 3], trigger_date=bunch[0]) for i in range(3)]
    flags += [Flag(flag_id=f"F1{i:03d}", rule=rules[i], trigger_date=bunch[1] + timedelta(days=7 * i)) for i in range(2)]
    flags.append(Flag(flag_id="F9999", rule="repeat_referrals", trigger_date=AS_OF - timedelta(days=20)))
    child = ChildSummary(person_id="P00000077", display_name="Timeline Case", dob=start - timedelta(days=300))
    return ChildReportData(as_of=AS_OF, child=child, events=frame, flags=flags)


BOXES = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return {x: r.left, y: r.top, r: r.right, b: r.bottom, text: e.textContent,
            size: parseFloat(getComputedStyle(e).fontSize) || parseFloat(e.getAttribute('font-size'))}; };
  const svg = document.querySelector('#timeline-chart svg');
  const sel = (q) => Array.from(svg.querySelectorAll(q)).filter(e => e.textContent.trim() !== '' &&
                                                                   getComputedStyle(e).opacity !== '0').map(box);
  return {
    svg: box(svg),
    x: sel('g[aria-label^="X-axis"] .role-axis-label text'),
    y: sel('g[aria-label^="Y-axis"] .role-axis-label text'),
    marks: Array.from(svg.querySelectorAll('.flagmarks_marks path')).map(box),
    counts: sel('.flagcounts_marks text'),
  };
}"""


def _overlap(a: dict, b: dict, pad: float = 1.0) -> bool:
    return a["x"] < b["r"] + pad and b["x"] < a["r"] + pad and a["y"] < b["b"] and b["y"] < a["b"]


def _pairs(boxes: list[dict]) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:] if _overlap(a, b)]


@pytest.mark.parametrize("years, at_least", [(1, 6), (10, 8)])
def test_timeline_legible(browser, years, at_least):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.set_content(render_child_html(known_for(years)))
        page.wait_for_selector("#timeline-chart[data-status=rendered]")
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#timeline-chart").screenshot(path=str(ARTIFACTS / f"timeline_{years}y.png"))
        got = page.evaluate(BOXES)
    finally:
        page.close()
    x, svg = got["x"], got["svg"]
    # enough dates on the axis to read the scale, none overlapping, none cut at the chart's edge
    assert len(x) >= at_least, [b["text"] for b in x]
    assert _pairs(x) == [], _pairs(x)
    assert all(svg["x"] <= b["x"] and b["r"] <= svg["r"] for b in x)
    assert min(b["size"] for b in x + got["y"]) >= MIN_FONT_PX
    # one year: months named; ten years: one label a year or fewer
    if years == 1:
        assert all(not b["text"].strip().isdigit() for b in x)
    else:
        assert all(b["text"].strip().isdigit() for b in x)
    assert _pairs(got["y"]) == [] and len(got["y"]) == len({b["text"] for b in got["y"]}) >= 5
    # flags firing together are one marker carrying their count; markers and counts never collide
    marks, counts = got["marks"], got["counts"]
    assert 2 <= len(marks) < 6 and sorted(int(c["text"]) for c in counts)[-1] == 3
    assert _pairs(marks) == [] and _pairs(counts) == []
    assert not [(c["text"]) for c in counts for m in marks if _overlap(c, m, pad=0)]
