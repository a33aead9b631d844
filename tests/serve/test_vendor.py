"""The vendored scripts are the npm files VENDOR.md names (by hash), each with its licence; the
pages load nothing from anywhere else."""
from __future__ import annotations

import hashlib
import re
from importlib import resources

STATIC = resources.files("chronolink.engine.serve").joinpath("static")
VENDOR = STATIC.joinpath("vendor")
TEMPLATES = resources.files("chronolink.engine.serve").joinpath("templates")


def test_every_vendored_file_matches_its_recorded_hash_and_has_a_licence():
    table = VENDOR.joinpath("VENDOR.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([\w.-]+\.js) \| (\S+) (\S+) .*\| ([0-9a-f]{64}) \|$", table, flags=re.M)
    files = sorted(p.name for p in VENDOR.iterdir() if p.name.endswith(".js"))
    assert sorted(r[0] for r in rows) == files
    licences = {p.name for p in VENDOR.joinpath("licenses").iterdir()}
    for name, package, version, digest in rows:
        assert hashlib.sha256(VENDOR.joinpath(name).read_bytes()).hexdigest() == digest, name
        assert f"{package}-{version}.LICENSE" in licences, name


def test_templates_reference_only_local_scripts_and_styles():
    for t in TEMPLATES.iterdir():
        text = t.read_text(encoding="utf-8")
        for src in re.findall(r'(?:src|href)="([^"{]+)"', text):
            assert src.startswith(("/", "#", "?", "data:,")), (t.name, src)
        assert "<style" not in text and " style=" not in text, t.name  # CSP style-src 'self'
        assert not re.search(r"\son[a-z]+=", text), t.name  # no inline event handlers
        assert not re.search(r"<script>(?!</script>)", text), t.name  # no inline script bodies


def test_the_reports_shared_files_are_served_from_their_one_home(client):
    from chronolink.reports.render import common_css, csp_watch_script

    for path, text, kind in (("/static/csp-watch.js", csp_watch_script(), "text/javascript"),
                             ("/static/common.css", common_css(), "text/css")):
        r = client.get(path)
        assert r.status_code == 200 and r.text == text and r.headers["content-type"].startswith(kind)
    page = client.get("/").text
    assert page.index('src="/static/csp-watch.js"') < page.index('src="/static/vendor/htmx')
    assert page.index('href="/static/common.css"') < page.index('href="/static/app.css"')
