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
