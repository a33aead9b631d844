"""A child's page printed to A4 in headless Chromium: every page A4, page numbers, the child's name
and id and the protective marking on every page, the timeline scaled to the page, and no text cut
off at the right edge (measured in print layout). The PDF is kept in tests/serve/artifacts/."""
from __future__ import annotations

import io
import re

from chronolink.engine.serve.app import MARKING
from tests.conftest import browser_only
from tests.serve.conftest import ARTIFACTS

pytestmark = browser_only
A4 = (595.28, 841.89)  # points
A4_CONTENT_PX = round((210 - 2 * 10) / 25.4 * 96)  # the page width less print.css's side margins, in CSS pixels

CLIPPED = """(limit) => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || style.position === 'fixed') continue;
    const hasText = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim() !== '');
    const r = el.getBoundingClientRect();
    if (hasText && r.width > 0 && (r.right > limit + 1 || r.left < -1)) out.push(el.tagName + ': ' + el.textContent.slice(0, 40));
    if (hasText && ['hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      out.push('overflow ' + el.tagName + ': ' + el.textContent.slice(0, 40));
  }
  return out;
}"""


def test_child_page_prints_on_a4(page, planted):
    from pypdf import PdfReader

    pid = planted["child"]
    base = page.url.split("/", 3)
    page.goto(f"{base[0]}//{base[2]}/child/{pid}")
    page.wait_for_selector("#timeline-chart[data-status=rendered]")
    name = page.locator("h1").first.inner_text().split(pid)[0].strip()
    # Laid out for print at the width of an A4 page's text: nothing sticks out or is cut
    page.set_viewport_size({"width": A4_CONTENT_PX, "height": 1000})
    page.emulate_media(media="print")
    assert page.evaluate(CLIPPED, A4_CONTENT_PX) == []
    chart = page.locator("#timeline-chart svg").first.bounding_box()
    assert chart and chart["width"] <= A4_CONTENT_PX + 1
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "child_page_a4.pdf").write_bytes(pdf)
    pages = PdfReader(io.BytesIO(pdf)).pages
    # header, flags and chronology each start a page
    assert len(pages) >= 3
    for n, p in enumerate(pages, 1):
        width, height = float(p.mediabox.width), float(p.mediabox.height)
        assert abs(width - A4[0]) < 2 and abs(height - A4[1]) < 2, (n, width, height)
        text = re.sub(r"\s+", " ", p.extract_text())
        assert f"Page {n} of {len(pages)}" in text, (n, text[-200:])
        assert MARKING in text, n
        assert pid in text and name[:12] in text, n
