"""The rendered page of a fixed child, compared with a reviewed copy.

Regenerate after an intended change: ``UPDATE_GOLDEN=1 pytest tests/reports/test_golden.py``
and review the diff. The Vega bundle (and its CSP hash) is replaced by a
placeholder: it belongs to vl-convert, not to us.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from chronolink.reports import render_child_html
from chronolink.reports.safety import vega_bundle, vega_bundle_hash
from tests.reports.builders import child_data

GOLDEN = Path(__file__).parent / "golden" / "child_report.html"


def normalise(html: str) -> str:
    assert html.count(vega_bundle()) == 1
    return html.replace(vega_bundle(), "/* VEGA BUNDLE */").replace(vega_bundle_hash().strip("'"), "sha256-VEGA-BUNDLE")


def test_child_report_matches_golden():
    got = normalise(render_child_html(child_data()))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(got, encoding="utf-8")
    want = GOLDEN.read_text(encoding="utf-8")
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "golden", "rendered", n=2))
        raise AssertionError(f"report differs from {GOLDEN} (UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}")
