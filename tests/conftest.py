"""Shared fixtures: small generated worlds with known truth (made once per test session)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from sample_data.generate import main as generate_main


def make_world(out: Path, families: int, seed: int) -> Path:
    """Generate a multi-agency world with truth/ into `out`."""
    generate_main(["--out", str(out), "--families", str(families), "--seed", str(seed), "--as-of", "2026-10-31",
                   "--quiet"])
    return out


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 1,000 rows in all eight layouts, with truth."""
    return make_world(tmp_path_factory.mktemp("tiny_world"), families=40, seed=3)


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 3,000 rows: enough for every rule to fire, still fast."""
    return make_world(tmp_path_factory.mktemp("small_world"), families=130, seed=5)


# Headless Chromium for the browser tests (Playwright driving Debian's chromium; CI installs it).
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists() and os.environ.get("CHRONOLINK_TEST_REQUIRE_BROWSER") == "1":
    raise RuntimeError("CI requires /usr/bin/chromium for the browser tests (apt-get install -y chromium)")
browser_only = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of the session (Playwright's sync API runs one at a time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()
