"""End to end in headless Chromium (Playwright driving Debian's /usr/bin/chromium): open the inbox with
the one-time address, confirm a flag, accept a review pair, find a path in the network view. Every
request the page makes is intercepted and must go to 127.0.0.1; no script from the data runs; no
Content-Security-Policy violation. Screenshots are kept in tests/serve/artifacts/."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
if not CHROMIUM.exists() and os.environ.get("CHRONOLINK_TEST_REQUIRE_BROWSER") == "1":
    raise RuntimeError("CI requires /usr/bin/chromium for the browser tests (apt-get install -y chromium)")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture()
def page(browser, live, workbench):
    """A fresh browser context logged in through a one-time address, every request checked."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    seen: list[str] = []

    def check(route):
        seen.append(route.request.url)
        if urlsplit(route.request.url).hostname != "127.0.0.1":
            route.abort()
        else:
            route.continue_()

    context.route("**/*", check)
    pg = context.new_page()
    pg.seen = seen
    pg.goto(workbench.login_url())
    yield pg
    assert seen and all(urlsplit(u).hostname == "127.0.0.1" for u in seen), [u for u in seen if "127.0.0.1" not in u]
    assert pg.evaluate("window.__pwned") is None, "a script planted in the data ran"
    assert pg.evaluate("document.documentElement.getAttribute('data-csp-violations')") is None, pg.evaluate(
        "document.documentElement.getAttribute('data-csp-last')")
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_open_inbox_with_the_token(page):
    assert page.url.endswith("/") and "token=" not in page.url  # the token is traded and dropped
    page.wait_for_selector("table.inbox")
    assert page.locator("table.inbox tbody tr").count() > 1
    page.select_option("select[name=rating]", "not known")
    expect(page.locator("table.inbox tbody tr")).to_have_count(1)
    assert "not known to any agency" in page.inner_text("table.inbox")
    shot(page, "inbox")


def test_confirm_a_flag(page, planted):
    page.goto(page.url.rstrip("/") + f"/child/{planted['child']}")
    expect(page.locator("#timeline-chart")).to_have_attribute("data-status", "rendered", timeout=15000)
    first = page.locator("article.flag").first
    first.locator("button.confirm").click()
    expect(page.locator("article.flag").first.locator(".decision")).to_contain_text("confirmed")
    shot(page, "child_flag_confirmed")


def test_find_the_bail_path_in_the_network(page, workbench):
    with workbench.gate.read() as con:
        child, offender, _ = con.execute("""SELECT child_person_id, other_person_id, address_id FROM flags
            WHERE rule = 'bail_address_child' ORDER BY trigger_date DESC, flag_id LIMIT 1""").fetchall()[0]
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + f"/network/{child}")
    expect(page.locator("#network")).to_have_attribute("data-status", "rendered")
    page.select_option("#path-to", offender)
    page.click("#path-find")
    expect(page.locator("#path-result")).to_have_attribute("data-hops", "2")
    expect(page.locator("#path-result")).to_contain_text("bailed to")
    expect(page.locator("#path-result")).to_contain_text("bail_address_child")
    shot(page, "network_bail_path")


def test_accept_a_review_pair(page):
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/review")
    first = page.locator("#review-pair").get_attribute("data-review-id")
    assert first
    page.keyboard.press("a")  # the keyboard shortcut accepts
    expect(page.locator(".last-decision")).to_contain_text(f"Pair {first}: you chose accept")
    assert page.locator("#review-pair").get_attribute("data-review-id") != first
    shot(page, "review_accepted")
