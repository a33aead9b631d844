"""Household over time and the network: a bail address two hops from a child is a flagged path."""
from __future__ import annotations

import json
import re

import pytest


@pytest.fixture(scope="module")
def bail(workbench):
    with workbench.gate.read() as con:
        return con.execute("""SELECT child_person_id, other_person_id, address_id FROM flags
                              WHERE rule = 'bail_address_child' ORDER BY trigger_date DESC, flag_id LIMIT 1""").fetchall()[0]


def test_network_carries_the_bail_path(client, bail):
    child, offender, place = bail
    r = client.get(f"/network/{child}")
    assert r.status_code == 200
    data = json.loads(re.search(r'<script type="application/json" id="network-data">(.*?)</script>', r.text, re.S)
                      .group(1))
    edges = {(e["data"]["source"], e["data"]["target"]): e["data"] for e in data["edges"]}
    assert (child, place) in edges
    bailed = edges[(offender, place)]
    assert "bailed to" in bailed["label"] and bailed["flagged"] and "bail_address_child" in bailed["flags"]
    kinds = {n["data"]["id"]: n["data"] for n in data["nodes"]}
    assert kinds[offender]["kind"] == "person" and kinds[place]["kind"] == "place" and kinds[child]["child"]
    assert "Household over time" in r.text and f'<option value="{offender}">' in r.text


def test_unknown_person_is_404(client):
    assert client.get("/network/P99999999").status_code == 404
    assert client.get("/network/nope").status_code == 404


def test_household_over_time_is_split_now_and_before(client, bail, workbench):
    from chronolink.engine.serve.queries.network import network
    from tests.serve.conftest import AS_OF

    child = bail[0]
    with workbench.gate.read() as con:
        net = network(con, child, AS_OF)
        latest = dict(con.execute("""SELECT person_id, arg_max(address_id, last_seen) FROM person_places
                                     WHERE first_seen <= ? GROUP BY person_id""", [AS_OF]).fetchall())
    assert net.now is not None and net.now.residents[0].person_id == child
    me = net.now.residents[0]
    for r in net.now.residents[1:]:  # there while the child is, and seen nowhere else since
        assert latest[r.person_id] == net.now.place_id and r.last >= me.first
    left = [r for h in net.before if h.place_id == net.now.place_id for r in h.residents]
    assert all(latest[r.person_id] != net.now.place_id or r.last < me.first for r in left)
    assert {h.place_id for h in net.before} - {net.now.place_id} <= {n["id"] for n in net.nodes}
    html = client.get(f"/network/{child}").text
    assert 'class="household-now"' in html and "Before (" in html
    assert html.count('class="household-time household-now"') == 1
