"""End to end in headless Chromium (Playwright driving Debian's /usr/bin/chromium): open the inbox with
the one-time address, confirm a flag, accept a review pair, find a path in the network view. Every
request the page makes is intercepted and must go to 127.0.0.1; no script from the data runs; no
Content-Security-Policy violation. Screenshots are kept in tests/serve/artifacts/."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import browser_only
from tests.serve.conftest import label_overlaps, shot

pytestmark = browser_only


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
    assert page.evaluate("window.chronolinkNetwork.nodes().length") > 3
    assert label_overlaps(page) == []  # every node's label is legible: no two label boxes overlap
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


def test_csp_violations_are_counted(browser, live, workbench):
    """The counter every other browser test reads is loaded and works (else 'no violation' proves nothing)."""
    context = browser.new_context()
    try:
        pg = context.new_page()
        pg.goto(workbench.login_url())
        pg.wait_for_selector("table.inbox")
        pg.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';
                               document.body.appendChild(s); }""")  # an inline script: the CSP blocks it
        expect(pg.locator("html")).to_have_attribute("data-csp-violations", "1")
        assert pg.evaluate("window.__inline") is None
    finally:
        context.close()
