"""The child report's household separates who lives with the child now, who lived with them
before, and who is only named in a relationship record, each with dates."""
from __future__ import annotations

from chronolink.reports import render_child_html
from tests.reports.builders import child_data
from tests.reports.htmlcheck import parse


def _section(html: str, kind: str) -> str:
    start = html.index(f'<h3 class="household-{kind}">')
    end = html.find("<h3 class=\"household-", start + 10)
    return html[start: end if end > 0 else html.index("</header>")]


def test_three_kinds_with_dates():
    html = render_child_html(child_data())
    parse(html)
    now, before, related = (_section(html, k) for k in ("current", "past", "related"))
    assert "Lives with the child now (1)" in now and "Daniel Hart" in now and "since 1 Sep 2021" in now
    assert "Lived with the child before (1)" in before and "Sarah Hart" in before
    assert "1 Sep 2021 to 31 Jan 2024" in before
    assert "Related by a relationship record only (1)" in related and "Gary Hart" in related
    assert "Sarah Hart" not in now and "Gary Hart" not in now
