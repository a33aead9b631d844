"""A newcomer's first day with the workbench, in headless Chromium, by clicking and the review keys
only (issue #14's "Done when"): open the one-time address, triage the referrals, decide three flags
(confirm, dismiss with a reason, actioned) and five review pairs (some by keyboard), find the bail
address two hops from a child; see every decision in the audit trail; run the next batch from the
workbench and find every decision in the reports it writes."""
from __future__ import annotations

import csv
import re
import shutil

import pytest
from playwright.sync_api import expect

from chronolink.engine.serve import Workbench
from chronolink.engine.serve.batch import batch_factory
from chronolink.engine.serve.queries.review import pending_about
from chronolink.reports.report_data import child_report_data
from tests.conftest import browser_only
from tests.serve.conftest import ANALYST, AS_OF, PAYLOAD, WORLD, checked_page, fresh_store, label_overlaps, login, serving, shot

pytestmark = browser_only

FLAG_DECISIONS = ("confirm", "dismiss", "action")
REASON = "Known to CSC, plan in place"
# (how, decision) for five pairs: the review keys a / r for some, the buttons for the others; the first
# ones are pairs about a triaged child, opened from the child's page, the rest come from the queue
PAIR_DECISIONS = (("click", "accept"), ("key", "r"), ("key", "a"), ("click", "reject"), ("key", "a"))
FROM_CHILD_PAGES = 2  # pairs decided from the child's page; the rest from the queue (buttons and keys there too)
STATUS_TEXT = {"confirm": "confirmed", "dismiss": "dismissed", "action": "actioned"}


def _person(con, key: str) -> str:
    source_file, row, slot = key.rsplit(":", 2)
    return con.execute("SELECT person_id FROM person_mentions WHERE source_file = ? AND source_row = ? AND slot = ?",
                       [source_file, int(row), slot]).fetchall()[0][0]


@pytest.fixture(scope="module")
def day(served_store, tmp_path_factory):
    """The newcomer's own workbench on a fresh copy of the store, watching the day's extracts."""
    tmp = tmp_path_factory.mktemp("newcomer")
    db = fresh_store(served_store, tmp)
    extracts = tmp / "extracts"
    shutil.copytree(WORLD, extracts)  # the extracts the store was built from: the next run relinks and reflags
    server = Workbench(db, 0, analyst=ANALYST, announce=lambda url: None,
                       batch_factory=batch_factory(extracts, None, tmp / "reports", db))
    with server.gate.read() as con:
        # the referred children, each with their flags and the pending pairs about them or their household
        # (as their page lists them)
        referred = con.execute("""
            SELECT DISTINCT m.person_id, (SELECT count(*) FROM flags f WHERE f.child_person_id = m.person_id) AS n
            FROM person_mentions m JOIN records r USING (record_id)
            WHERE r.agency = 'mash' AND m.slot = 'child' AND m.person_id IS NOT NULL ORDER BY n DESC, 1""").fetchall()
        about = {c: [rid for rid, _, _ in pending_about(con, c, [m.person_id for m in child_report_data(
            con, c, AS_OF, waterfalls=False).child.household])] for c, _ in referred}
        bail_child, offender = con.execute("""SELECT child_person_id, other_person_id FROM flags
            WHERE rule = 'bail_address_child' ORDER BY trigger_date DESC, flag_id LIMIT 1""").fetchall()[0]
        fore, sur = con.execute("""SELECT any_value(forename), any_value(surname) FROM person_mentions
            WHERE person_id = ? AND forename IS NOT NULL AND name_raw NOT LIKE '%<%'""", [bail_child]).fetchall()[0]
        keys = {rid: (kl, kr) for rid, kl, kr in con.execute(
            "SELECT review_id, mention_key_l, mention_key_r FROM link_review WHERE status = 'pending'").fetchall()}
        before = {rid: (_person(con, kl), _person(con, kr)) for rid, (kl, kr) in keys.items()}
        children = _triage(referred, about)
        rows = {r for (r,) in con.execute(f"""SELECT m.source_row FROM person_mentions m JOIN records r USING (record_id)
            WHERE r.agency = 'mash' AND m.slot = 'child' AND m.person_id IN ({', '.join('?' * len(children))})""",
                                          [c for c, _ in children]).fetchall()}
    with serving(server):
        yield {"server": server, "children": children, "bail": (bail_child, f"{fore.title()} {sur.title()}",
               offender), "before": before, "reports": tmp / "reports", "extracts": extracts,
               "next_referrals": rows, "keys": keys, "pairs_about": {}}
    server.close()


def _triage(referred: list[tuple[str, int]], about: dict[str, list[int]]) -> list[tuple[str, int]]:
    """The referred children the newcomer opens from the inbox, from the data: first those with flags and
    pending pairs about them or their household, then those with pairs only (up to the pairs decided from
    a child's page), then those with flags, most first, until there are three flags to decide."""
    both = [(c, n) for c, n in referred if n and about[c]]
    assert both, "no referred child has both flags and pending pairs about them or their household"
    chosen = list(both)
    for c, n in referred:
        if not n and about[c] and sum(len(about[x]) for x, _ in chosen) < FROM_CHILD_PAGES:
            chosen.append((c, n))
    for c, n in referred:
        if sum(k for _, k in chosen) >= len(FLAG_DECISIONS):
            break
        if n and (c, n) not in chosen:
            chosen.append((c, n))
    assert sum(n for _, n in chosen) >= len(FLAG_DECISIONS), "the sample world has too few flags on referred children"
    return chosen


def _next_days_referrals(extracts, rows: set[int]) -> None:
    """The next day's referrals extract lands in the watched folder: the triaged children referred again
    (a few reports to write, not two dozen)."""
    path = extracts / "mash_referrals.csv"
    with path.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([table[0], *(r for i, r in enumerate(table[1:], 1) if i in rows)])


def test_newcomer_walk(browser, day):
    server: Workbench = day["server"]
    with checked_page(browser, server) as page:
        decided_flags, decided_pairs = _walk(page, day)
        _next_days_referrals(day["extracts"], day["next_referrals"])
        _batch(page, server)
    _reports(browser, day, decided_flags, decided_pairs)


def _walk(page, day) -> tuple[dict[str, tuple[str, str]], dict[int, str]]:
    # 1. the first address, with its token: the referral inbox
    assert page.url.endswith("/") and "token=" not in page.url
    expect(page.locator("table.inbox")).to_be_visible()
    shot(page, "newcomer_inbox")
    # 2. triage: open each referred child with flags from the inbox and decide their flags
    decisions = iter(FLAG_DECISIONS)
    decided: dict[str, tuple[str, str]] = {}  # flag id -> (child, decision)
    pairs: dict[int, str] = {}  # review id -> decision
    pairs_about: dict[int, str] = day["pairs_about"]  # review id -> the triaged child it is about
    for child, _ in day["children"]:
        page.get_by_role("link", name="Referral inbox").click()
        page.locator(f'table.inbox a[href="/child/{child}"]').first.click()
        expect(page.locator("h1")).to_contain_text(child)
        # the page's scripts have run (htmx sends the decisions) once the timeline is drawn
        expect(page.locator("#timeline-chart")).to_have_attribute("data-status", "rendered", timeout=15000)
        for flag_id in [a.removeprefix("flag-") for a in page.locator("article.flag").evaluate_all(
                "els => els.map(e => e.id)")]:
            decision = next(decisions, None)
            if decision is None:
                break
            flag = page.locator(f"#flag-{flag_id}")
            if decision == "dismiss":
                flag.locator("input[name=reason]").fill(REASON)
            flag.locator(f"button.{decision}").click()
            expect(page.locator(f"#flag-{flag_id} .decision")).to_contain_text(STATUS_TEXT[decision])
            if decision == "dismiss":
                expect(page.locator(f"#flag-{flag_id} .decision")).to_contain_text(REASON)
            decided[flag_id] = (child, decision)
        shot(page, f"newcomer_flags_{child}")
        # 3a. pairs about this child wait in the review queue: settle them from here
        about = [int(h.removeprefix("/review/")) for h in page.locator("#pairs-about a").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))")]
        for pair in about:
            if len(pairs) == FROM_CHILD_PAGES:
                break
            page.locator(f'#pairs-about a[href="/review/{pair}"]').click()
            pairs[pair] = _decide_pair(page, PAIR_DECISIONS[len(pairs)], pair)
            pairs_about[pair] = child
            page.go_back()
            expect(page.locator("h1")).to_contain_text(child)
    assert [d for _, d in decided.values()] == list(FLAG_DECISIONS)
    assert pairs_about, "no pending pair is about a triaged child or their household: nothing to see in the reports"
    # 3b. the rest from the review queue: the buttons for some, the keyboard shortcuts for the others
    page.get_by_role("link", name="Review queue").click()
    while len(pairs) < len(PAIR_DECISIONS):
        pair = int(page.locator("#review-pair").get_attribute("data-review-id"))
        pairs[pair] = _decide_pair(page, PAIR_DECISIONS[len(pairs)], pair)
    assert len(pairs) == len(PAIR_DECISIONS)
    expect(page.locator(".progress")).to_contain_text(f"{len(pairs)} of ")
    shot(page, "newcomer_review")
    # 4. find the bail address two hops from a child: find the child, open their network, find the path
    bail_child, name, offender = day["bail"]
    page.get_by_role("link", name="Find a person").click()
    page.fill("input[name=name]", name)
    page.get_by_role("button", name="Find").click()
    page.locator(f'#search-results a[href="/child/{bail_child}"]').first.click()
    page.get_by_role("link", name="Household and network").first.click()
    expect(page.locator("#network")).to_have_attribute("data-status", "rendered")
    assert label_overlaps(page) == []  # no two node labels overlap
    page.select_option("#path-to", offender)
    page.click("#path-find")
    expect(page.locator("#path-result")).to_have_attribute("data-hops", "2")
    expect(page.locator("#path-result")).to_contain_text("bailed to")
    shot(page, "newcomer_bail_path")
    # 5. the audit trail holds every decision, by this analyst
    page.get_by_role("link", name="Audit trail").click()
    rows = page.locator("table.audit tbody tr")
    for flag_id, (child, decision) in decided.items():
        entry = rows.filter(has_text="serve.flag · disposition").filter(has_text=flag_id)
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(child)
        expect(entry).to_contain_text(STATUS_TEXT[decision])
    for pair, decision in pairs.items():
        entry = rows.filter(has_text="serve.review · review").filter(has_text=re.compile(rf'"review_id":{pair}\b'))
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(f'"decision":"{decision}"')
    expect(rows.filter(has_text="serve.network · read").filter(has_text=bail_child).first).to_be_visible()
    assert ANALYST in rows.first.inner_text()  # shown as text, never markup
    shot(page, "newcomer_audit_trail")
    return decided, pairs


def _decide_pair(page, how_what: tuple[str, str], pair: int) -> str:
    """Decide the pair on screen by its button or its key; the page says what was chosen."""
    how, what = how_what
    assert int(page.locator("#review-pair").get_attribute("data-review-id")) == pair
    decision = {"a": "accept", "r": "reject"}.get(what, what)
    if how == "key":
        page.locator("body").press(what)
    else:
        page.click(f"#review-{decision}")
    expect(page.locator(".last-decision")).to_contain_text(f"Pair {pair}: you chose {decision}")
    return decision


def _batch(page, server: Workbench) -> None:
    """6. the watched folder shows the new extract; run the next batch from the workbench, as of its date;
    it runs once at a time."""
    page.get_by_role("link", name="Batch run").click()
    expect(page.locator("#batch-status")).to_contain_text("1 new or changed extract: mash_referrals.csv")
    page.fill("input[name=as_of]", AS_OF.isoformat())
    page.click("#batch-run")
    expect(page.locator("#batch-status")).to_have_attribute("data-running", "yes")
    other = login(server)
    r = other.post("/batch/run", data={"as_of": AS_OF.isoformat()}, headers={"x-csrf-token": other.csrf})
    assert r.status_code == 409 and "already going" in r.text
    expect(page.locator("#batch-outcome")).to_contain_text("reports written", timeout=300000)  # a loaded machine
    expect(page.locator("#batch-outcome")).not_to_contain_text("failed")
    shot(page, "newcomer_batch_done")


def _reports(browser, day, decided: dict[str, tuple[str, str]], pairs: dict[int, str]) -> None:
    """7. the reports the run wrote show every flag decision, and its link run applied every pair decision."""
    # The run's link step applied every review decision (the workbench's decisions win)
    server: Workbench = day["server"]
    with server.gate.read() as con:
        now = {rid: (_person(con, kl), _person(con, kr)) for rid, kl, kr in con.execute(
            "SELECT review_id, mention_key_l, mention_key_r FROM link_review").fetchall()}
        held = {p for (p,) in con.execute("SELECT DISTINCT person_id FROM person_mentions").fetchall()}
        statuses = dict(con.execute("SELECT review_id, status FROM link_review").fetchall())
    for pair, decision in pairs.items():
        assert statuses[pair] == {"accept": "accepted", "reject": "rejected"}[decision]
        left, right = now[pair]
        assert (left == right) == (decision == "accept"), (pair, decision, now[pair])
    out = day["reports"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", lambda r: r.abort() if not r.request.url.startswith("file:") else r.continue_())
    try:
        page = context.new_page()
        page.goto((out / "index.html").as_uri())
        for child, flags in day["children"]:
            mine = [d for c, d in decided.values() if c == child]
            row = page.locator("table.index tbody tr").filter(has_text=f"({child})").first
            # only open flags count: a dismissed or actioned one no longer does, a confirmed one still does
            expect(row.locator("td").nth(3)).to_have_text(str(flags - sum(d in ("dismiss", "action") for d in mine)))
        child = day["children"][0][0]
        page.locator(f'table.index a[href="child_{child}.html"]').first.click()
        expect(page.locator("h1")).to_be_visible()
        for flag_id, (c, decision) in decided.items():
            if c != child:
                page.goto((out / f"child_{c}.html").as_uri())
                child = c
            review = page.locator("article.flag").filter(has_text=f"(flag {flag_id})").locator("tr").filter(
                has_text="Review")
            expect(review).to_contain_text(f"{STATUS_TEXT[decision]} by {ANALYST}")
            if decision == "dismiss":
                expect(review).to_contain_text(REASON)
        # a pair decided from a child's page: the child's report names the people of both its records, now
        # one person if accepted, two if rejected (the run's link step applied it: checked above)
        for pair, about in day["pairs_about"].items():
            page.goto((out / f"child_{about}.html").as_uri())
            for person in set(now[pair]):
                expect(page.locator("body")).to_contain_text(person)
            for person in set(day["before"][pair]) - held:  # merged away by an accept: named nowhere
                expect(page.locator("body")).not_to_contain_text(person)
        shot(page, "newcomer_report")
    finally:
        context.close()
    # The reports it wrote show nobody an accept merged away
    merged_away = {p for pair, d in pairs.items() if d == "accept" for p in day["before"][pair]} - held
    assert merged_away, "an accepted pair joins two people into one"
    reports = [p.read_text(encoding="utf-8") for p in out.glob("*.html")]
    assert len(reports) > len(day["children"])
    assert not [p for p in merged_away if any(p in r for r in reports)]
    assert PAYLOAD not in "".join(reports)  # the planted markup stays escaped in every report
