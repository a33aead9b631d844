"""Workbench speed: median server time of every page on a linked and flagged store.

    flock /tmp/chronolink-cpu.lock .venv/bin/python bench/serve.py --db /work/data/store_w1m_s13.duckdb

Works on a copy of the store (the workbench opens its store read-write and appends audit
entries). Each request goes through the whole ASGI app in-process (guard, session,
queries, templates, audit), timed from request to full response; targets are from
issue 14: every page under 300 ms, a search under 200 ms, a household network under 1 s.
Pages are timed once the workbench's lookup indexes are built (engine.serve.lookups; the
time they took is printed). Beside wall time, the process's CPU time per request: on a
shared machine other people's load shows in wall time only.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from chronolink.engine.serve import Workbench

TARGETS = {"search": 0.2, "network": 1.0}
PAGE_TARGET = 0.3


def _client(server: Workbench) -> TestClient:
    client = TestClient(server.app, base_url=f"http://127.0.0.1:{server.port}", follow_redirects=False)
    client.get(server.login_url().split(f":{server.port}", 1)[1])
    client.csrf = client.get("/batch").text.split('data-csrf="', 1)[1].split('"', 1)[0]
    return client


def _subjects(server: Workbench) -> dict[str, str]:
    from chronolink.engine.flags.store import ensure_tables

    with server.gate.write() as con:
        ensure_tables(con)  # a store flagged by an earlier version gets this version's flag ids first
    with server.gate.read() as con:
        busiest = con.execute("SELECT child_person_id FROM flags GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
                              ).fetchall()[0][0]
        referred = con.execute("""SELECT m.person_id FROM person_mentions m WHERE m.agency = 'mash'
                                  AND m.person_id IS NOT NULL ORDER BY m.mention_id LIMIT 1""").fetchall()[0][0]
        bail = con.execute("SELECT child_person_id FROM flags WHERE rule = 'bail_address_child' ORDER BY flag_id "
                           "LIMIT 1").fetchall()[0][0]
        name = con.execute("SELECT forename || ' ' || surname FROM person_mentions WHERE person_id = ? "
                           "AND forename IS NOT NULL LIMIT 1", [referred]).fetchall()[0][0]
        review = con.execute("SELECT min(review_id) FROM link_review WHERE status = 'pending'").fetchall()[0][0]
        flag = con.execute("SELECT flag_id FROM flags ORDER BY json_array_length(evidence, '$.links') DESC, flag_id "
                           "LIMIT 1").fetchall()[0][0]
    return {"busiest": busiest, "referred": referred, "bail": bail, "name": name.title(), "review": str(review),
            "flag": flag}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="a linked and flagged store (copied first)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", type=Path, help="write the figures here too")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / args.db.name
        shutil.copy(args.db, db)
        started = time.perf_counter()
        server = Workbench(db, 0, analyst="bench", announce=lambda url: None)
        opened = time.perf_counter() - started
        server.gate.lookups.wait()
        indexed = time.perf_counter() - started - opened
        try:
            c = _client(server)
            s = _subjects(server)
            h = {"x-csrf-token": c.csrf}
            pages = {
                "inbox": lambda: c.get("/"),
                "inbox filtered (red, by rating)": lambda: c.get("/?rating=red&sort=rating"),
                "child (most flags)": lambda: c.get(f"/child/{s['busiest']}"),
                "child (a referred child)": lambda: c.get(f"/child/{s['referred']}"),
                "search": lambda: c.post("/search", data={"name": s["name"]}, headers=h),
                "search (identifier)": lambda: c.post("/search", data={"identifier": s["referred"]}, headers=h),
                "review pair": lambda: c.get(f"/review/{s['review']}"),
                "flag links (waterfalls, opened)": lambda: c.get(f"/flag/{s['flag']}/links"),
                "network (bail child)": lambda: c.get(f"/network/{s['bail']}"),
                "network (most flags)": lambda: c.get(f"/network/{s['busiest']}"),
                "quality": lambda: c.get("/quality"),
                "batch": lambda: c.get("/batch"),
            }
            results = {}
            for name, call in pages.items():
                call()  # the first request of a kind loads what it reads into memory
                times, cpu = [], []
                for _ in range(args.runs):
                    t, c0 = time.perf_counter(), time.process_time()
                    r = call()
                    times.append(time.perf_counter() - t)
                    cpu.append(time.process_time() - c0)
                    assert r.status_code == 200, (name, r.status_code)
                kind = "search" if name.startswith("search") else "network" if name.startswith("network") else "page"
                target = TARGETS.get(kind, PAGE_TARGET)
                med = statistics.median(times)
                results[name] = {"median_ms": round(med * 1000, 1), "max_ms": round(max(times) * 1000, 1),
                                 "cpu_median_ms": round(statistics.median(cpu) * 1000, 1),
                                 "target_ms": target * 1000, "ok": med <= target}
        finally:
            server.close()
    load = os.getloadavg()[0]
    print(f"store {args.db} opened (and served) in {opened:.1f} s, lookup indexes built in {indexed:.1f} s; "
          f"{args.runs} runs per page; load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'page':<34}{'median ms':>10}{'cpu ms':>8}{'max ms':>8}{'target':>8}  ok")
    for name, r in results.items():
        print(f"{name:<34}{r['median_ms']:>10}{r['cpu_median_ms']:>8}{r['max_ms']:>8}{r['target_ms']:>8.0f}  "
              f"{'yes' if r['ok'] else 'NO'}")
    if args.json:
        args.json.write_text(json.dumps({"open_s": round(opened, 2), "indexes_s": round(indexed, 2),
                                         "load_average": load, "pages": results}, indent=2))


if __name__ == "__main__":
    main()
