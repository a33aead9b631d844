"""Open generated reports in headless Chromium: the chart draws, no data runs as script, no request leaves.

Needs ``/usr/bin/chromium`` (Debian: ``apt-get install -y chromium``); skipped otherwise.
The screenshot is kept in the test's temporary directory and its path printed (``pytest -s``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from chronolink.reports import render_child_html
from chronolink.reports.safety import csp_hash
from tests.reports.builders import IMG_PAYLOAD, PAYLOAD, SCRIPT_PAYLOAD, child_data
from tests.reports.htmlcheck import parse

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists() and os.environ.get("CHRONOLINK_TEST_REQUIRE_BROWSER") == "1":
    raise RuntimeError("CI requires /usr/bin/chromium for the browser test (apt-get install -y chromium)")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs /usr/bin/chromium for the browser test (Debian: apt-get install -y chromium)"
)

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000",
    "--window-size=1400,2000",
]


def chromium(tmp: Path, page: Path, *extra: str) -> str:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    proc = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def page_requests(netlog: Path) -> list[str]:
    """URLs of network requests made for the page (not the browser's own background traffic)."""
    text = netlog.read_text(encoding="utf-8")
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a log cut short: close it
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for ev in log["events"]:
        p = ev.get("params") or {}
        if ev["type"] != start_job or "url" not in p:
            continue
        from_page = p.get("initiator") != "not an origin" or "file://" in str(p.get("network_isolation_key", ""))
        if from_page and not p["url"].startswith(("file:", "data:", "blob:")):
            urls.append(p["url"])
    return urls


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    page = tmp / "child_P00000001.html"
    page.write_text(render_child_html(child_data(PAYLOAD)), encoding="utf-8")
    netlog = tmp / "netlog.json"
    dom = chromium(tmp, page, f"--log-net-log={netlog}", "--dump-dom")
    return {"tmp": tmp, "page": page, "dom": dom, "netlog": netlog}


def _chart_div(dom: str) -> str:
    m = re.search(r'<div id="timeline-chart"[^>]*>', dom)
    assert m, "chart div missing"
    return dom[m.start():]


def test_chart_rendered_as_svg(run):
    div = _chart_div(run["dom"])
    head = div[: div.index(">") + 1]
    assert 'data-status="rendered"' in head, head
    assert re.search(r"<svg[^>]*class=\"marks\"", div)
    assert len(re.findall(r'role="graphics-symbol"', div)) >= 5  # the event points and flag markers


def test_no_script_from_the_data_ran(run):
    dom = parse(run["dom"])
    assert dom.title != "PWNED" and SCRIPT_PAYLOAD in dom.title
    assert "img" not in dom.tag_names  # the <img onerror> payload stayed text
    for tag, attrs in dom.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
    text = "".join(dom.text)
    assert SCRIPT_PAYLOAD in text and IMG_PAYLOAD in text
    html_tag = re.search(r"<html[^>]*>", run["dom"]).group(0)
    assert "data-csp-violations" not in html_tag, html_tag  # nothing blocked: no eval, no fetch


def test_no_network_request(run):
    assert page_requests(run["netlog"]) == []


def test_request_detector_works(tmp_path):
    """Control: a page that does fetch is caught by :func:`page_requests`."""
    page = tmp_path / "leak.html"
    page.write_text('<html><body><img src="http://example.invalid/x.png"></body></html>')
    netlog = tmp_path / "netlog.json"
    chromium(tmp_path, page, f"--log-net-log={netlog}", "--dump-dom")
    assert page_requests(netlog) == ["http://example.invalid/x.png"]


def test_tooltip_keeps_payload_as_text(run):
    """Hover tooltips (vega-tooltip) get the payload: it must be escaped there too."""
    html = run["page"].read_text(encoding="utf-8")
    probe = (
        "(function t(){var v=window.chronolinkView;if(!v){setTimeout(t,50);return;}"
        "var s=JSON.parse(document.getElementById('probe').textContent);"
        "v.tooltip()(null,{clientX:40,clientY:40},{},{Summary:s});"
        "document.documentElement.setAttribute('data-probe','done');})();"
    )
    payload = json.dumps(PAYLOAD).replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    html = html.replace("script-src ", f"script-src {csp_hash(probe).replace(chr(39), '&#39;')} ", 1)
    cut = html.rindex("</body>")  # the last one: the bundle has "</body>" in its strings
    html = (html[:cut] + f'<script type="application/json" id="probe">{payload}</script>'
            f"<script>{probe}</script>" + html[cut:])
    page = run["tmp"] / "probe.html"
    page.write_text(html, encoding="utf-8")
    dom = chromium(run["tmp"], page, "--dump-dom")
    assert 'data-probe="done"' in re.search(r"<html[^>]*>", dom).group(0)
    assert "data-csp-violations" not in re.search(r"<html[^>]*>", dom).group(0)
    tip = dom[dom.index('id="vg-tooltip-element"'):]
    tip = tip[: tip.index("</div>")]
    assert "&lt;img src=x onerror=" in tip and "<img" not in tip
    assert "img" not in parse(dom).tag_names
    assert parse(dom).title != "PWNED"


def test_screenshot_and_print(run):
    shot = run["tmp"] / "child_report.png"
    chromium(run["tmp"], run["page"], f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    print(f"\nscreenshot: {shot}")
    pdf = run["tmp"] / "child_report.pdf"
    chromium(run["tmp"], run["page"], f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 3  # header, flags, chronology each start a page
    print(f"pdf: {pdf}")
    # Every printed page carries the marking, the child's id and "Page n of N" in its margins
    # (the child's name holds script payloads: it must print as text, never end the style block)
    from pypdf import PdfReader

    pages = PdfReader(pdf).pages
    for n, p in enumerate(pages, 1):
        assert abs(float(p.mediabox.width) - 595.28) < 2 and abs(float(p.mediabox.height) - 841.89) < 2
        text = " ".join(p.extract_text().split())
        assert f"Page {n} of {len(pages)}" in text, (n, text[-200:])
        assert "OFFICIAL-SENSITIVE" in text and "P00000001" in text, (n, text[:200])
