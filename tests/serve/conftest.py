"""One workbench per test session: a small generated world linked and flagged, with script
payloads planted in every name and free-text field, served in-process (route tests) and on a
real loopback socket (browser tests)."""
from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from chronolink.engine.flags import run_flags
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.link.run import run_link
from chronolink.engine.serve import Workbench
from chronolink.engine.store import open_store

AS_OF = dt.date(2026, 10, 31)
WORLD = Path(__file__).resolve().parents[2] / "sample_data" / "world"
# Both payloads set a global if they ever run; the browser tests assert it stays unset.
SCRIPT = "<script>window.__pwned=1</script>"
IMG = "<img src=x onerror=\"window.__pwned=2\">"
PAYLOAD = f"{SCRIPT}{IMG}\"'&"
# An analyst name is shown on every page, so it carries markup too.
ANALYST = "<b>analyst</b>"
RAW_MARKER = "RAW-VALUE-7731"  # in a quarantined row's raw text: shown only when the row is opened


def plant(con) -> dict[str, str]:
    """Put the payload in every name and free-text column of a few records; returns what was planted where."""
    child, = con.execute("""SELECT child_person_id FROM (SELECT child_person_id, count(*) n FROM flags
                           GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1)""").fetchall()[0]
    con.execute("UPDATE person_mentions SET name_raw = ? || ' ' || coalesce(name_raw, '') WHERE person_id = ?",
                [PAYLOAD, child])
    ev = con.execute("SELECT min(record_id) FROM person_mentions WHERE person_id = ?", [child]).fetchall()[0][0]
    con.execute("UPDATE records SET summary = ? || coalesce(summary, ''), event_label = ? || coalesce(event_label, ''), "
                "outcome = ? WHERE record_id IN (SELECT record_id FROM person_mentions WHERE person_id = ?)",
                [PAYLOAD, PAYLOAD, PAYLOAD, child])
    con.execute("UPDATE address_mentions SET raw = ? || raw WHERE address_id IN "
                "(SELECT address_id FROM person_places WHERE person_id = ?)", [PAYLOAD, child])
    # Everyone sharing a place with the child, and every referral's child name
    con.execute("UPDATE person_mentions SET name_raw = ? || ' ' || coalesce(name_raw, '') WHERE person_id IN "
                "(SELECT person_b FROM coresidence WHERE person_a = ? UNION SELECT person_a FROM coresidence "
                "WHERE person_b = ?)", [PAYLOAD, child, child])
    con.execute("UPDATE person_mentions SET name_raw = ? || ' ' || coalesce(name_raw, '') WHERE agency = 'mash'",
                [PAYLOAD])
    con.execute("UPDATE records SET summary = ? || coalesce(summary, '') WHERE agency = 'mash'", [PAYLOAD])
    con.execute("INSERT INTO quarantine VALUES (1, (SELECT min(source_file) FROM source_files), 999999, ?, ?)",
                [f"bad row {PAYLOAD}", PAYLOAD + RAW_MARKER])
    return {"child": child, "record": str(ev)}


@pytest.fixture(scope="session")
def served_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The bundled sample world (it has a referral of a child no agency knows) ingested, linked,
    payloads planted, flagged (flags rebuild the chronology)."""
    tmp = tmp_path_factory.mktemp("serve")
    db = tmp / "store.duckdb"
    con = open_store(db)
    ingest_paths(con, [WORLD], max_date=AS_OF)
    run_link(con)
    run_flags(con, AS_OF)
    planted = plant(con)
    run_flags(con, AS_OF)
    con.close()
    shutil.copy(db, tmp / "pristine.duckdb")  # copied while no server holds it: for tests that need their own
    return db, planted


def fresh_store(served_store, folder: Path) -> Path:
    """A copy of the served store as built, before any test decided anything, in `folder`."""
    db = folder / "store.duckdb"
    shutil.copy(served_store[0].with_name("pristine.duckdb"), db)
    return db


@pytest.fixture(scope="session")
def workbench(served_store, tmp_path_factory):
    db, _ = served_store
    extracts = tmp_path_factory.mktemp("extracts")
    announced: list[str] = []
    from chronolink.engine.serve.batch import batch_factory

    server = Workbench(db, 0, analyst=ANALYST, announce=announced.append,
                       batch_factory=batch_factory(extracts, None, tmp_path_factory.mktemp("reports"), db))
    server.announced = announced
    server.extracts = extracts
    yield server
    server.stop()
    server.close()


@pytest.fixture(scope="session")
def planted(served_store) -> dict[str, str]:
    return served_store[1]


def login(server: Workbench) -> TestClient:
    """A test client holding a fresh session."""
    client = TestClient(server.app, base_url=f"http://127.0.0.1:{server.port}", follow_redirects=False)
    url = server.login_url().split(f":{server.port}", 1)[1]
    r = client.get(url)
    assert r.status_code == 303 and "chronolink_session" in r.headers["set-cookie"]
    client.csrf = client.get("/").text.split('data-csrf="', 1)[1].split('"', 1)[0]
    return client


@pytest.fixture(scope="session")
def client(workbench) -> TestClient:
    return login(workbench)


@contextmanager
def serving(server: Workbench) -> Iterator[str]:
    """`server` on its real loopback socket, in a thread, for the browser tests; yields its address."""
    thread = threading.Thread(target=_serve, args=(server,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while getattr(server, "_server", None) is None or not server._server.started:
        assert time.monotonic() < deadline, "the workbench did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server._server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def live(workbench):
    """The session's workbench on its loopback socket."""
    with serving(workbench) as url:
        yield url


def _serve(server: Workbench) -> None:
    import asyncio

    import uvicorn

    config = uvicorn.Config(server.app, log_level="warning", access_log=False, lifespan="off")
    server._server = uvicorn.Server(config)
    asyncio.run(server._server.serve(sockets=[server.sock]))


ARTIFACTS = Path(__file__).parent / "artifacts"


@contextmanager
def checked_page(browser, server: Workbench) -> Iterator:
    """A fresh browser context logged in to `server` through a one-time address, every request checked:
    none leaves 127.0.0.1, no script planted in the data runs, no Content-Security-Policy violation."""
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
    pg.goto(server.login_url())
    try:
        yield pg
        assert seen and all(urlsplit(u).hostname == "127.0.0.1" for u in seen), [
            u for u in seen if "127.0.0.1" not in u]
        assert pg.evaluate("window.__pwned") is None, "a script planted in the data ran"
        assert pg.evaluate("document.documentElement.getAttribute('data-csp-violations')") is None, pg.evaluate(
            "document.documentElement.getAttribute('data-csp-last')")
    finally:
        context.close()


@pytest.fixture()
def page(browser, live, workbench):
    """A checked page on the session's workbench."""
    with checked_page(browser, workbench) as pg:
        yield pg


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def label_overlaps(page) -> list[tuple[str, str]]:
    """The pairs of nodes in the network view whose boxes, labels included, overlap."""
    return [tuple(p) for p in page.evaluate("""() => {
        const boxes = window.chronolinkNetwork.nodes().map(n => [n.id(), n.boundingBox({includeLabels: true})]);
        const out = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const [a, A] = boxes[i], [b, B] = boxes[j];
            if (A.x1 < B.x2 && B.x1 < A.x2 && A.y1 < B.y2 && B.y1 < A.y2) out.push([a, b]);
        }
        return out;
    }""")]
