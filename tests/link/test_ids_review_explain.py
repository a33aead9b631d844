"""Stable ids across runs, analyst decisions over the model, explanations, settings, link-files."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from chronolink.engine.link.clustering import CONSTRAINTS, Cluster, Judge, conflict, greedy_cluster
from chronolink.engine.link.explain import explain_pair, format_waterfall
from chronolink.engine.link.link_files import FileMapping, link_files
from chronolink.engine.link.review import add_decision
from chronolink.engine.link.run import run_link
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.link.stable_ids import assign_ids
from tests.link.conftest import StoreBuilder, background, nhs


def test_assign_ids_merge_keeps_older_and_split_reported():
    prev = pl.DataFrame({"mention_key": ["a", "b", "c", "d", "e"], "id": ["P00000003", "P00000003", "P00000001", "P00000002", "P00000002"]})
    # a,b,c now one cluster (merge of P3 and P1); d and e split apart; f is new.
    cur = pl.DataFrame({"mention_key": ["a", "b", "c", "d", "e", "f"], "cluster": [1, 1, 1, 2, 3, 4]})
    out, changes, last = assign_ids(cur, prev, "P", 3)
    ids = dict(zip(out["mention_key"], out["id"]))
    assert ids["a"] == ids["c"] == "P00000001"
    assert ids["d"] == "P00000002" and ids["e"] not in ("P00000001", "P00000002", "P00000003")
    assert ids["f"].startswith("P") and last == 5
    assert changes.merges["other_ids"].to_list() == [["P00000003"]]
    assert changes.splits["kept_id"].to_list() == ["P00000002"]


@pytest.fixture(scope="module")
def linked_store() -> tuple[StoreBuilder, dict]:
    s = StoreBuilder()
    background(s, 60)
    m = {
        "x1": s.add("HANNAH", "OKORO", "2001-02-03", address="4 Birch Way, Town0", nhs_number=nhs(5001)),
        "x2": s.add("HANNAH", "OKORO", "2001-02-03", address="4 Birch Way, Town0", file="police_occurrences.csv",
                    slot="nominal", agency="police", local_id="police:N7777777"),
        "y1": s.add("PETER", "QUINN", "1970-10-10", address="5 Birch Way, Town0"),
        "y2": s.add("PETE", "QUINNE", None, address="99 Other Road, Town2", file="school.csv", slot="carer1"),
    }
    run_link(s.con)
    return s, m


def test_ids_survive_rerun_with_extra_data(linked_store):
    s, m = linked_store
    before = {k: s.person_of(v) for k, v in m.items()}
    places_before = s.place_of(m["x1"])
    extra = s.add("HANNAH", "OKORO", "2001-02-03", address="4 Birch Way, Town0", file="new.csv")
    new = s.add("ZED", "NEWCOMER", "1999-09-09", address="1 New Street, Town1", file="new.csv")
    run_link(s.con)
    after = {k: s.person_of(v) for k, v in m.items()}
    assert before == after
    assert s.person_of(extra) == before["x1"]
    assert s.person_of(new) not in set(before.values())
    assert s.place_of(m["x1"]) == places_before
    # Only new or changed keys are written: an unchanged mention keeps the run that gave its id.
    runs = dict(s.con.execute("""SELECT m.mention_id, k.run_id FROM link_id_map k JOIN person_mentions m
                                 ON k.kind = 'person' AND k.mention_key = m.source_file || ':' || m.source_row || ':' || m.slot
                                 WHERE m.mention_id IN (?, ?)""", [m["x1"], extra]).fetchall())
    assert runs[m["x1"]] < runs[extra]


def test_review_decisions_win(linked_store):
    s, m = linked_store
    key = lambda mid: "%s:%s:%s" % s.con.execute(  # noqa: E731
        "SELECT source_file, source_row, slot FROM person_mentions WHERE mention_id = ?", [mid]).fetchall()[0]
    assert s.person_of(m["x1"]) == s.person_of(m["x2"])
    add_decision(s.con, key(m["x1"]), key(m["x2"]), accept=False)
    add_decision(s.con, key(m["y1"]), key(m["y2"]), accept=True)
    run_link(s.con)
    assert s.person_of(m["x1"]) != s.person_of(m["x2"])
    assert s.person_of(m["y1"]) == s.person_of(m["y2"])
    run_link(s.con)  # and again on the next run
    assert s.person_of(m["x1"]) != s.person_of(m["x2"])


def test_rejection_keeps_identical_name_only_mentions_apart():
    # Identical id-less mentions are folded into one pre-cluster, unless an analyst said otherwise.
    s = StoreBuilder()
    background(s, 40)
    a = s.add("LOWRI", "PRYCE", "1988-01-05", address="3 Fern Bank, Town1", file="housing.csv", slot="lead_tenant")
    b = s.add("LOWRI", "PRYCE", "1988-01-05", address="3 Fern Bank, Town1", file="school.csv", slot="carer1")
    run_link(s.con)
    assert s.person_of(a) == s.person_of(b)
    add_decision(s.con, "housing.csv:%d:lead_tenant" % s.con.execute(
        "SELECT source_row FROM person_mentions WHERE mention_id = ?", [a]).fetchall()[0][0],
        "school.csv:%d:carer1" % s.con.execute(
        "SELECT source_row FROM person_mentions WHERE mention_id = ?", [b]).fetchall()[0][0], accept=False)
    run_link(s.con)
    assert s.person_of(a) != s.person_of(b)


def test_explain_waterfall(linked_store):
    s, m = linked_store
    rows = explain_pair(s.con, m["y1"], m["y2"])
    assert rows[0]["comparison"] == "prior" and rows[-1]["comparison"] == "total"
    names = {r["comparison"] for r in rows}
    assert {"forename", "surname", "dob", "location", "nhs_number"} <= names
    assert abs(sum(r["weight"] for r in rows[:-1]) - rows[-1]["weight"]) < 0.01
    assert 0 <= rows[-1]["probability"] <= 1
    key = "%s:%s:%s" % s.con.execute("SELECT source_file, source_row, slot FROM person_mentions WHERE mention_id = ?",
                                     [m["y1"]]).fetchall()[0]
    assert explain_pair(s.con, key, m["y2"])[-1]["weight"] == rows[-1]["weight"]
    assert "forename" in format_waterfall(rows)


def test_explain_reads_a_run_by_the_levels_it_stored():
    # A run stores its whole model (spec and parameters): explain labels and weighs the levels by the
    # run's own declaration, even when today's code declares other levels. A store linked before
    # runs stored their spec, whose levels differ from today's, is refused rather than mislabelled.
    import json

    from chronolink.engine.link.explain import ExplainError

    s = StoreBuilder()
    background(s, 30)
    a = s.add("RUBY", "KNOX", "2011-02-03", address="4 Lime Walk, Town2")
    b = s.add("RUBY", "KNOX", "2011-02-03", address="4 Lime Walk, Town2", file="school.csv", agency="education")
    run_link(s.con)
    before = explain_pair(s.con, a, b)
    assert before[-1]["comparison"] == "total"
    stored = json.loads(s.con.execute("SELECT model FROM link_runs ORDER BY run_id DESC LIMIT 1").fetchall()[0][0])
    assert stored["format"] == 2 and [c["name"] for c in stored["spec"]["comparisons"]][:3] == ["forename", "surname", "dob"]

    def save(doc: dict) -> None:
        s.con.execute("UPDATE link_runs SET model = ? WHERE run_id = (SELECT max(run_id) FROM link_runs)", [json.dumps(doc)])

    # The run's spec declared forename with three levels, named differently: explain follows it.
    fn_spec = stored["spec"]["comparisons"][0]
    fn_params = stored["params"]["comparisons"]["forename"]
    fn_spec["levels"] = [fn_spec["levels"][0], {**fn_spec["levels"][1], "label": "written alike"}, fn_spec["levels"][-1]]
    stored["params"]["comparisons"]["forename"] = [fn_params[0], {**fn_params[1], "label": "written alike"}, fn_params[-1]]
    save(stored)
    rows = {r["comparison"]: r for r in explain_pair(s.con, a, b)}
    assert rows["forename"]["label"].startswith("written alike (term frequency")
    assert rows["forename"]["weight"] == before[1]["weight"] and rows["total"]["weight"] == before[-1]["weight"]
    # Format 1 (parameters alone) with other levels than today's: refused.
    old = stored["params"]
    old["comparisons"]["location"] = old["comparisons"]["location"][1:]
    save(old)
    with pytest.raises(ExplainError, match="link` again"):
        explain_pair(s.con, a, b)


class Values:
    """Clusters for constraint tests: dates of birth and names become value records, as the SQL would make them."""

    def __init__(self) -> None:
        self.records: list[dict[int, tuple]] = [{} for _ in CONSTRAINTS]

    def _add(self, k: int, row: dict) -> int:
        rid = len(self.records[k]) + 1000 * k
        self.records[k][rid] = tuple(row[c] for c in CONSTRAINTS[k].columns())
        return rid

    def cluster(self, dobs: tuple[str, ...] = (), names: tuple[dict, ...] = (), **kw) -> Cluster:
        d = {self._add(0, {"dob": x, "dob_y": int(x[:4]), "dob_m": int(x[4:6]), "dob_d": int(x[6:]), "dob_s": x})
             for x in dobs}
        n = {self._add(1, {"fn": x["fn"], "pref": x.get("pref"), "sn": x.get("sn"), "mids": x.get("mids", []),
                           "fi": x["fn"][0], "fcanon": x.get("canon", [x["fn"]]), "pcanon": None,
                           "fgrp": x.get("groups", []), "pgrp": []}) for x in names}
        years = [int(x[:4]) for x in dobs]
        return Cluster(values=(frozenset(d), frozenset(n)), min_dob_year=min(years) if years else None, **kw)

    def judge(self) -> Judge:
        return Judge(self.records)


def name(fn: str, **kw) -> dict:
    return {"fn": fn, **kw}


def test_cluster_constraints():
    v = Values()
    amelia = (name("AMELIA"),)
    a = v.cluster(("20120504",), amelia, ids={"nhs": {"1"}})
    b = v.cluster(("20120504",), amelia, ids={"nhs": {"2"}})
    twin = v.cluster(("20120504",), (name("ISABELLA"),))
    sister = v.cluster(("20120504",), amelia)
    typo = v.cluster(("20120405",), amelia)
    plain = v.cluster(("20120504",), amelia)
    # a year typed one out keeps the birthday; two years out, or a year and a day, is another person
    y69, y70, y71, y70b = (v.cluster((d,)) for d in ("19690423", "19700423", "19710423", "19700424"))
    # a nickname and its canonical form, or one curated variant group, can be one person's forenames;
    # two nicknames sharing only a canonical form (sisters MAISIE and MEGAN: MARGARITA) cannot
    same = ("20120504",)
    maisie = v.cluster(same, (name("MAISIE", canon=["MARGARITA"]),))
    megan = v.cluster(same, (name("MEGAN", canon=["MARGARITA"]),))
    meg = v.cluster(same, (name("MEG", canon=["MARGARET"]),))
    margaret = v.cluster(same, (name("MARGARET"),))
    mohamed = v.cluster(same, (name("MOHAMED", groups=["MOHAMMED"]),))
    muhammad = v.cluster(same, (name("MUHAMMAD", groups=["MOHAMMED"]),))
    # the forename test is the comparison's declared levels: down to jaro-winkler 0.8 may be one name
    olivia, olivai, oliver = (v.cluster(same, (name(x),)) for x in ("OLIVIA", "OLIVAI", "OLIVER"))
    kai, kairo = v.cluster(same, (name("KAI"),)), v.cluster(same, (name("KAIRO"),))
    parent = v.cluster(max_birth_year=1990)
    young, slipped = v.cluster(("19940911",)), v.cluster(("19740911", "19940911"))
    judge = v.judge()
    assert conflict(a, b, judge) == "different nhs"
    assert "twin" in conflict(sister, twin, judge)
    assert conflict(plain, typo, judge) is None
    assert conflict(y69, y70, judge) is None
    assert conflict(y69, y71, judge) == conflict(y69, y70b, judge) == "incompatible dates of birth"
    assert "twin" in conflict(maisie, megan, judge)
    assert conflict(meg, margaret, judge) is None and conflict(mohamed, muhammad, judge) is None
    assert conflict(olivia, olivai, judge) is None and conflict(olivia, oliver, judge) is None
    assert conflict(kai, kairo, judge) is None  # contained: the comparison's own level
    # a parent named by role must be old enough: for one of the other's dates (a later one may be a slip)
    assert conflict(parent, young, judge) == "too young for a parent role"
    assert conflict(parent, slipped, judge) is None
    assert conflict(Cluster(records={"r7", "r9"}), Cluster(records={"r9"}), judge) == "named together in one record"
    assert conflict(Cluster(records={"r7"}), Cluster(records={"r9"}), judge) is None
    # switched off in the settings, a value constraint refuses nothing
    assert conflict(maisie, megan, Judge(v.records, [True, False])) is None
    # Chaining: A-x strong, x-B strong, but A and B conflict: B must not join.
    clusters = {1: Cluster(ids={"nhs": {"1"}}), 2: Cluster(), 3: Cluster(ids={"nhs": {"2"}})}
    roots, refused = greedy_cluster(clusters, [(1, 2, 20.0), (2, 3, 19.0)], judge)
    assert roots[1] == roots[2] != roots[3] and refused[0][3] == "different nhs"


def test_clustering_levels_in_python_equal_the_engine_sql():
    # The constraints evaluate the comparisons' declared SQL in Python: on every pair of a linked
    # world's signatures the levels must be DuckDB's, three-valued logic and string similarity included.
    from chronolink.engine.link.comparisons import COMPARISONS, pair_columns
    from chronolink.engine.link.pyexpr import level_function

    s = StoreBuilder()
    background(s, 40)
    for fn, sn, dob in (("OLIVIA", "WILSON", "2009-02-28"), ("OLIVAI", "WILSON", "2009-02-28"),
                        ("OLIVER", "WILSON", None), ("MEG", "HALL", "1990-01-02"), ("MARGARET", "HALL", "1990-02-01"),
                        ("KAI", "ROSS", "2015-03-04"), ("KAIRO", "ROSS", "2016-03-04"), ("J", "OKAFOR", "1970-05-06"),
                        ("ROSS", "KAI", "2015-03-04"), ("HILL-HARRISON", "ANN", None)):
        s.add(fn, sn, dob, address="9 Oak Way, Town1", role="MOTHER" if dob is None else None)
    run_link(s.con)
    con = s.con
    n = 0
    for c in COMPARISONS:
        cols = pair_columns(" ".join(lv.sql for lv in c.levels))
        level = level_function(c, cols)
        sel = ", ".join([f"l.{x}" for x in cols] + [f"r.{x}" for x in cols])
        rows = con.execute(f"""SELECT {c.case_sql()}, {sel} FROM link_sig l, link_sig r
                               WHERE l.sid < r.sid AND (l.sid + r.sid) % 3 = 0""").fetchall()
        k = len(cols)
        bad = [r for r in rows if level(r[1:1 + k], r[1 + k:]) != r[0]]
        assert not bad, (c.name, bad[:3])
        n += len(rows)
    assert n > 30_000


def test_settings_round_trip():
    s = LinkSettings()
    s.cluster.link_weight = 7.5
    assert LinkSettings.from_json(s.to_json()) == s
    assert LinkSettings.from_toml(s.to_toml()) == s


def test_link_files_dedupe_and_link(tmp_path: Path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("ref,name,born,pc\n1,Sarah Jones,03/04/1990,NN1 1AA\n2,Sarah Jones,03/04/1990,NN1 1AA\n"
                 "3,Tom Baker,01/01/1960,NN2 2BB\n", encoding="utf-8")
    b.write_text("ref,name,born,pc\n9,S Jones,03/04/1990,NN1 1AA\n8,Ann Other,05/05/1975,NN3 3CC\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\nfull_name = "name"\ndob = "born"\ndob_format = "%d/%m/%Y"\npostcode = "pc"\nid = "ref"\n')
    fm = FileMapping.load(mapping)
    dd = link_files([a], fm).pairs
    assert dd.filter(pl.col("same_person")).select("id_l", "id_r").rows() == [("1", "2")]
    lk = link_files([a, b], fm).pairs
    assert set(lk.filter(pl.col("same_person")).select("id_l", "id_r").rows()) == {("1", "9"), ("2", "9")}


def test_a_failed_run_leaves_the_store_as_it_was(linked_store, monkeypatch):
    # The run works in temp tables and writes the store in one transaction at the end: a failure
    # while writing persons must also undo the places already written in that transaction.
    import chronolink.engine.link.persist as persist_mod
    s, m = linked_store
    tables = ("address_mentions", "places", "person_mentions", "persons", "link_id_map", "link_runs", "link_pairs")
    snap = {t: s.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    s.add("HANNAH", "OKORO", "2001-02-03", address="77 Elm Road, Town3", file="late.csv")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    import chronolink.engine.link.incremental as incremental_mod

    # a full run and an incremental one (the late mention is new) alike
    monkeypatch.setattr(persist_mod, "_write_persons", boom)
    monkeypatch.setattr(incremental_mod, "_write_new_persons", boom)
    for full in (True, False):
        with pytest.raises(RuntimeError):
            run_link(s.con, full=full)
    monkeypatch.undo()
    for t in tables:
        rows = s.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
        if t in ("address_mentions", "person_mentions"):  # the late mention is there, unlinked
            rows = [r for r in rows if "late.csv" not in r]
        assert rows == snap[t], t
    late = s.con.execute("SELECT person_id FROM person_mentions WHERE source_file = 'late.csv'").fetchall()
    assert late == [(None,)]


def test_review_candidates_leave_out_certain_non_matches():
    # Borderline edges go to an analyst unless the two persons are certainly two people (different
    # strict ids) or already one; a dob the clustering could not reconcile is for the analyst.
    from chronolink.engine.link.persons import _reviewable

    v = Values()
    clusters = {1: v.cluster(("19900101",), ids={"nhs": {"1"}}), 2: Cluster(ids={"nhs": {"2"}}),
                3: v.cluster(("19750101",)), 4: Cluster()}
    roots = {1: 1, 2: 2, 3: 3, 4: 1}
    out = _reviewable([(1, 2), (1, 3), (1, 4)], roots, clusters)
    assert out.rows() == [(1, 3)]


def test_review_band_needs_a_name_in_common():
    # A pair that shares only a date of birth and an area (both names different) is not a review
    # case; a forename-surname swap shares a name, so it is.
    import duckdb

    from chronolink.engine.link.comparisons import comparison
    from chronolink.engine.link.persons import _band_edges

    fd, sd = comparison("forename").level_of("different"), comparison("surname").level_of("different")
    con = duckdb.connect()
    con.execute("""CREATE TEMP TABLE _lk_sig AS SELECT * FROM (VALUES
        (1, 'NIA', 'WILLIAMS'), (2, 'SAOIRSE', 'KELLY'), (3, 'BISHOP', 'REBECCA'), (4, 'BECK', 'BISHOP'),
        (5, 'SARAH', 'WILKINSON'), (6, 'SZRAG', 'WILKINSON')) t(sid, fn, sn)""")
    con.execute(f"""CREATE TEMP TABLE _lk_scored AS SELECT * FROM (VALUES
        (1, 2, {fd}, {sd}), (3, 4, {fd}, {sd}), (5, 6, {fd}, 1)) t(sid_l, sid_r, g_forename, g_surname)""")
    cs = LinkSettings().cluster
    mid, above = (cs.review_weight + cs.link_weight) / 2, cs.link_weight + 3
    con.execute(f"""CREATE TEMP TABLE _lk_pcedge AS SELECT * FROM (VALUES
        (10, 20, {mid}, {{'w': {mid}, 'sid_l': 1, 'sid_r': 2}}), (30, 40, {mid}, {{'w': {mid}, 'sid_l': 3, 'sid_r': 4}}),
        (50, 60, {mid}, {{'w': {mid}, 'sid_l': 5, 'sid_r': 6}}), (70, 80, {above}, {{'w': {above}, 'sid_l': 5, 'sid_r': 6}}))
        t(pc_a, pc_b, w, best)""")
    got = sorted(con.execute(_band_edges(cs)).fetchall())
    assert got == [(30, 40), (50, 60)]  # (70, 80) is above the link weight: not borderline


def test_prior_is_for_a_random_pair_of_preclusters():
    # The matches EM finds among blocked pairs, spread over every pair of pre-clusters: the same
    # evidence counts for less in a larger population; never above the share among blocked pairs.
    from chronolink.engine.link.em import prior_over_all_pairs

    assert prior_over_all_pairs(0.5, 1000, 100) == pytest.approx(0.5 * 1000 / 4950)
    assert prior_over_all_pairs(0.5, 1000, 10_000) < prior_over_all_pairs(0.5, 1000, 1000)
    assert prior_over_all_pairs(0.5, 10, 3) == 0.5  # blocking kept every pair: nothing to spread
    assert prior_over_all_pairs(0.5, 0, 1) == 0.5


def test_pending_queue_follows_the_latest_run():
    # Pending pairs a new run no longer finds borderline leave the queue; surviving ones keep their
    # id and take the new weight; ids are never reused; decisions stay whatever the model says.
    from chronolink.engine.link.review import decide, queue_pairs
    from chronolink.engine.link.tables import ensure_link_tables

    s = StoreBuilder()
    ensure_link_tables(s.con)
    a, b, c, d = (s.add(n, "REES", "1990-01-01") for n in ("ANN", "ANNE", "ANNA", "ANIA"))

    def q(*pairs):
        return pl.DataFrame(pairs, schema=["mention_id_l", "mention_id_r", "match_weight", "match_probability"], orient="row")

    def queue():
        return s.con.execute("SELECT review_id, status, match_weight FROM link_review ORDER BY review_id").fetchall()

    assert queue_pairs(s.con, q((a, b, 1.0, 0.6), (a, c, 0.5, 0.55), (a, d, 0.2, 0.52)), 1) == 3
    ids = [r[0] for r in queue()]
    decide(s.con, ids[2], accept=False)  # (a, d) decided
    assert queue_pairs(s.con, q((a, b, 1.5, 0.7), (c, d, 0.3, 0.53)), 2) == 1
    now = queue()
    assert (ids[0], "pending", 1.5) in now  # kept its id, new weight
    assert all(r[0] != ids[1] for r in now)  # (a, c) withdrawn
    assert (ids[2], "rejected", 0.2) in now  # the decision stays
    assert max(r[0] for r in now) > max(ids)  # (c, d) got a fresh id
    assert queue_pairs(s.con, q(), 3) == 0 and [r[1] for r in queue()] == ["rejected"]


def test_explain_an_older_run_after_a_later_retrain():
    # Every run stores its model, so a pair is explained as any stored run weighed it: after a
    # retrain (here with another term-frequency weight), the first run still explains as it did.
    from chronolink.engine.link.explain import ExplainError

    s = StoreBuilder()
    background(s, 30)
    a = s.add("RUBY", "KNOX", "2011-02-03", address="4 Lime Walk, Town2")
    b = s.add("RUBY", "KNOX", "2011-02-03", address="4 Lime Walk, Town2", file="school.csv", agency="education")
    first = run_link(s.con)
    before = explain_pair(s.con, a, b)
    second = run_link(s.con, LinkSettings(tf_weight=0.25), full=True)
    assert second.run_id > first.run_id and second.mode == "full"
    now = explain_pair(s.con, a, b)
    assert now[-1]["weight"] != before[-1]["weight"]  # the retrained model weighs the pair otherwise
    assert explain_pair(s.con, a, b, run_id=first.run_id) == before
    assert explain_pair(s.con, a, b, run_id=second.run_id) == now
    with pytest.raises(ExplainError, match="no link run 99"):
        explain_pair(s.con, a, b, run_id=99)
