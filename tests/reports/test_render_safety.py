"""Script injection: every free-text field carries payloads; the page must keep them as text."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronolink.reports import (
    ChildReportData,
    ChildSummary,
    render_child_html,
    render_household_html,
    render_index_html,
)
from chronolink.reports.chart import timeline_spec
from chronolink.reports.safety import json_script_text
from tests.reports.builders import IMG_PAYLOAD, PAYLOAD, SCRIPT_PAYLOAD, child_data, household_data, index_rows
from tests.reports.htmlcheck import parse, remote_refs

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "link", "style", "body", "div", "header", "nav", "a", "h1", "h2", "h3",
    "h4", "p", "span", "table", "colgroup", "col", "thead", "tbody", "tr", "th", "td", "section", "article",
    "br", "em", "strong", "noscript", "script", "ul", "li",
}


def _pages():
    return {
        "child": render_child_html(child_data(PAYLOAD)),
        "household": render_household_html(household_data(PAYLOAD)),
        "index": render_index_html(index_rows(PAYLOAD)),
    }


@pytest.fixture(scope="module")
def pages():
    return _pages()


@pytest.mark.parametrize("kind", ["child", "household", "index"])
def test_payloads_stay_text(pages, kind):
    page = parse(pages[kind])
    assert page.tag_names <= ALLOWED_TAGS, page.tag_names - ALLOWED_TAGS
    for tag, attrs in page.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "link":
            assert attrs == {"rel": "icon", "href": "data:,"}
    text = "".join(page.text)
    assert SCRIPT_PAYLOAD in text and IMG_PAYLOAD in text  # shown, literally, as text
    if kind != "index":
        assert SCRIPT_PAYLOAD in page.title


@pytest.mark.parametrize("kind", ["child", "household"])
def test_exactly_three_scripts_and_spec_round_trips(pages, kind, bundle):
    page = parse(pages[kind])
    types = [s.attrs.get("type") for s in page.scripts]
    assert types == [None, "application/json", None]
    assert page.scripts[0].text == bundle
    raw = page.scripts[1].text
    assert not re.search("[<>&\u2028\u2029]", raw)
    data = child_data(PAYLOAD) if kind == "child" else household_data(PAYLOAD)
    assert json.loads(raw) == json.loads(json.dumps(timeline_spec(data)))
    assert SCRIPT_PAYLOAD in json.dumps(json.loads(raw), ensure_ascii=False)


def test_index_has_no_script(pages):
    page = parse(pages["index"])
    assert page.scripts == []
    assert page.csp_directives()["script-src"] == ["'none'"]


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("kind", ["child", "household"])
def test_csp_allows_our_scripts_only(pages, kind):
    page = parse(pages[kind])
    csp = page.csp_directives()
    assert csp["default-src"] == ["'none'"]
    assert csp["connect-src"] == ["'none'"]
    assert csp["img-src"] == ["data:", "blob:"]
    assert csp["base-uri"] == ["'none'"] and csp["form-action"] == ["'none'"]
    executable = [s.text for s in page.scripts if s.attrs.get("type") is None]
    assert sorted(csp["script-src"]) == sorted(_sha(t) for t in executable)
    assert all(w.startswith("'sha256-") for w in csp["script-src"])  # no unsafe-inline, unsafe-eval, hosts
    # the CSP meta comes before any script or style
    names = [t for t, _ in page.tags]
    csp_at = next(i for i, (t, a) in enumerate(page.tags) if t == "meta" and a.get("http-equiv"))
    assert csp_at < names.index("style") and csp_at < names.index("script")


@pytest.mark.parametrize("kind", ["child", "household", "index"])
def test_nothing_remote(pages, kind, bundle):
    html = pages[kind]
    page = parse(html)
    assert remote_refs(page) == []
    rest = html.replace(bundle, "")
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/", rest, re.I)
    css = "".join(page.styles)
    assert "@import" not in css and "url(" not in css and "@font-face" not in css


def test_bundle_inlined_once(pages, bundle):
    assert len(bundle) > 300_000
    assert pages["child"].count(bundle) == 1
    assert "vega-embed" in bundle or "vegaEmbed" in bundle


def test_boot_script_embeds_safely(pages):
    boot = parse(pages["child"]).scripts[2].text
    assert "actions: false" in boot and "ast: true" in boot and 'renderer: "svg"' in boot
    assert "JSON.parse" in boot and "innerHTML" not in boot


def test_json_script_text_escapes():
    s = json_script_text({"a": "</script><!-- & \u2028\u2029 é", "n": float("nan")})
    assert not re.search("[<>&\u2028\u2029]", s)
    assert s.isascii()
    assert json.loads(s) == {"a": "</script><!-- & \u2028\u2029 é", "n": None}


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_text, summary=_text)
def test_any_text_stays_text(name, summary):
    events = pl.DataFrame({"event_id": ["1"], "date": [date(2024, 1, 2)], "agency": ["police"],
                           "event_type": ["police.domestic"], "summary": [summary], "sources": ["f.csv:2"]})
    data = ChildReportData(as_of=date(2024, 6, 30), events=events,
                           child=ChildSummary(person_id="P00000001", display_name=name))
    page = parse(render_child_html(data))
    assert page.tag_names <= ALLOWED_TAGS
    assert [s.attrs.get("type") for s in page.scripts] == [None, "application/json", None]
    spec = json.loads(page.scripts[1].text)
    assert spec["datasets"]["points"][0]["summary"] == summary[:299] + ("…" if len(summary) > 300 else summary[299:])
    text = "".join(page.text)
    # the browser normalises CR; the parser keeps it: compare without CR/NUL
    clean = lambda s: s.replace("\r", "").replace("\x00", "")  # noqa: E731
    assert clean(summary.strip()) in clean(text) or not summary.strip()
