"""A newcomer's first walk through the workbench, in headless Chromium, by clicking only: open the
one-time address, find a child by name, decide one of their flags, review a pair, and see both
decisions (and the child's page view) in the audit trail."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import browser_only
from tests.serve.conftest import ANALYST, shot

pytestmark = browser_only


def test_newcomer_walk(page, workbench):
    with workbench.gate.read() as con:
        # a child with an open flag, found by the name most agencies record
        child, fore, sur = con.execute("""
            SELECT f.child_person_id, any_value(m.forename), any_value(m.surname) FROM flags f
            JOIN person_mentions m ON m.person_id = f.child_person_id AND m.forename IS NOT NULL
            WHERE m.name_raw NOT LIKE '%<%' GROUP BY 1 ORDER BY 1 LIMIT 1""").fetchall()[0]
    # 1. the first address, with its token: the inbox
    assert page.url.endswith("/")
    expect(page.locator("table.inbox")).to_be_visible()
    # 2. find the child
    page.get_by_role("link", name="Find a person").click()
    page.wait_for_load_state("load")  # htmx ready: it posts the forms (a plain form post is sent with Origin: null)
    page.fill("input[name=name]", f"{fore.title()} {sur.title()}")
    page.get_by_role("button", name="Find").click()
    page.locator(f'#search-results a[href="/child/{child}"]').first.click()
    expect(page.locator("h1")).to_contain_text(child)
    # the page's scripts have run (htmx sends the decision) once the timeline is drawn
    expect(page.locator("#timeline-chart")).to_have_attribute("data-status", "rendered", timeout=15000)
    # 3. decide a flag
    flag = page.locator("article.flag").first
    flag_id = flag.get_attribute("id").removeprefix("flag-")
    flag.locator("button.confirm").click()
    expect(page.locator(f"#flag-{flag_id} .decision")).to_contain_text("confirmed")
    # 4. review a pair
    page.get_by_role("link", name="Review queue").click()
    page.wait_for_load_state("load")
    pair = page.locator("#review-pair").get_attribute("data-review-id")
    page.click("#review-accept")
    expect(page.locator(".last-decision")).to_contain_text(f"Pair {pair}: you chose accept")
    # 5. the audit trail shows both decisions and the child's page view, by this analyst
    page.get_by_role("link", name="Audit trail").click()
    mine = page.locator("table.audit tbody tr")
    expect(mine.filter(has_text="serve.flag · disposition").filter(has_text=flag_id).first).to_be_visible()
    expect(mine.filter(has_text="serve.review · review").filter(has_text=f'"review_id":{pair}').first).to_be_visible()
    expect(mine.filter(has_text="serve.child · read").filter(has_text=child).first).to_be_visible()
    assert ANALYST in mine.first.inner_text()  # shown as text, never markup
    shot(page, "newcomer_audit_trail")
