"""The place review queue: a row whose house number may be a slip, queued with its evidence; an
analyst's decision is applied by every later link run."""
from __future__ import annotations

import polars as pl

from chronolink.engine.link.place_review import decide_place, list_place_reviews
from chronolink.engine.link.run import run_link
from chronolink.engine.normalise.addresses import with_address_parts
from tests.link.conftest import StoreBuilder, background, nhs


def _parse(con) -> None:  # noqa: ANN001
    """Store the ingest parse of each address row (StoreBuilder writes the raw text only)."""
    raw = con.sql("SELECT address_mention_id, raw, postcode FROM address_mentions").pl()
    parts = with_address_parts(raw).drop("raw", "postcode_valid")
    con.register("_parts", parts)
    cols = [c for c in parts.columns if c != "address_mention_id"]
    con.execute(f"UPDATE address_mentions a SET {', '.join(f'{c} = p.{c}' for c in cols)} FROM _parts p "
                "WHERE a.address_mention_id = p.address_mention_id")
    con.unregister("_parts")


def _world() -> tuple[StoreBuilder, int, int]:
    s = StoreBuilder()
    background(s, 60)
    # Ann and Ben live at 14; a police row in June writes 41. They are seen at 14 before it only (they
    # may have moved to 41): the row stays apart and is queued. 41 has its own household too.
    ann, ben = nhs(7001), nhs(7002)
    for i, day in enumerate(("2024-01-10", "2024-02-11", "2024-03-12")):
        s.add("ANN", "ROWE", "1990-04-02", address="14 Quarry Lane, Dunmore", postcode="DN1 4QL", nhs_number=ann, event=day)
        s.add("BEN", "ROWE", "2015-06-09", address="14 Quarry Lane, Dunmore", postcode="DN1 4QL", nhs_number=ben, event=day)
    slip = s.add("ANN", "ROWE", "1990-04-02", address="41 Quarry Lane, Dunmore", postcode="DN1 4QL", file="police_occurrences.csv",
                 slot="nominal", agency="police", nhs_number=None, local_id="police:N7001", event="2024-06-01")
    s.con.execute("UPDATE person_mentions SET nhs_number = ?, nhs_valid = true WHERE mention_id = ?", [ann, slip])
    home = s.add("CARL", "STONE", "1970-01-01", address="41 Quarry Lane, Dunmore", postcode="DN1 4QL", nhs_number=nhs(7003),
                 event="2023-05-05")
    _parse(s.con)
    return s, slip, home


def test_a_one_sided_slip_is_queued_with_its_evidence_and_the_decision_is_applied():
    s, slip, home = _world()
    run_link(s.con, full=True)
    first = s.place_of(slip)
    assert first == s.place_of(home)  # not moved without evidence on both sides: it stays at 41
    q = list_place_reviews(s.con)
    assert q.height == 1
    row = q.row(0, named=True)
    assert "41 Quarry Lane" in row["written"] and "14 Quarry Lane" in row["proposed"]
    assert "digits transposed" in row["evidence"] and "before" in row["evidence"]
    # accepted: the next run puts the row at 14, and it leaves the pending queue
    assert decide_place(s.con, row["review_id"], True, by="analyst")
    run_link(s.con, full=True)
    assert s.place_of(slip) != s.place_of(home)
    assert s.place_of(slip) == row["proposed_place"]
    assert list_place_reviews(s.con).height == 0 and list_place_reviews(s.con, "accepted").height == 1
    # rejected: back at 41, and never queued again
    assert decide_place(s.con, row["review_id"], False, by="analyst")
    run_link(s.con, full=True)
    assert s.place_of(slip) == s.place_of(home)
    assert list_place_reviews(s.con).height == 0


def test_a_slip_seen_both_sides_moves_without_review():
    s, slip, home = _world()
    # Ann is seen at 14 after the slip too: the June row is the slip, moved with no analyst needed
    s.add("ANN", "ROWE", "1990-04-02", address="14 Quarry Lane, Dunmore", postcode="DN1 4QL", nhs_number=nhs(7001),
          event="2024-09-01")
    _parse(s.con)
    run_link(s.con, full=True)
    assert s.place_of(slip) != s.place_of(home)
    assert list_place_reviews(s.con).height == 0
    assert pl.Series([s.place_of(slip)]).is_not_null().all()


def _places(s: StoreBuilder) -> pl.DataFrame:
    return s.con.sql("SELECT address_mention_id, address_id FROM address_mentions ORDER BY 1").pl()


def _queue(s: StoreBuilder) -> pl.DataFrame:
    return s.con.sql("SELECT review_id, mention_key, target_key, evidence, status FROM place_review ORDER BY 1").pl()


def _link_without(s: StoreBuilder, mention_id: int) -> None:
    """Link the store in full without one mention (and its address row), then put it back: the new row
    of the next run, as the next day's extracts bring it."""
    rows = {t: s.con.sql(f"SELECT * FROM {t} WHERE {k} = {v}").pl()
            for t, k, v in (("person_mentions", "mention_id", mention_id),
                            ("address_mentions", "address_mention_id", mention_id + 10))}
    for t, k, v in (("person_mentions", "mention_id", mention_id), ("address_mentions", "address_mention_id", mention_id + 10)):
        s.con.execute(f"DELETE FROM {t} WHERE {k} = {v}")
    run_link(s.con, full=True)
    for t in ("address_mentions", "person_mentions"):
        s.con.register("_row", rows[t])
        s.con.execute(f"INSERT INTO {t} SELECT * FROM _row")
        s.con.unregister("_row")


def test_an_incremental_run_queues_a_new_one_sided_slip_as_a_full_run_does():
    s, slip, home = _world()
    _link_without(s, slip)
    assert list_place_reviews(s.con).height == 0
    rep = run_link(s.con)
    assert rep.mode == "incremental"
    assert s.place_of(slip) == s.place_of(home)  # written at 41, seen at 14 before only: it stays, queued
    inc_places, inc_queue = _places(s), _queue(s)
    assert inc_queue.height == 1 and inc_queue["status"].to_list() == ["pending"]
    assert "digits transposed" in inc_queue["evidence"][0] and "before" in inc_queue["evidence"][0]
    # a full relink of the same store places every row alike and finds the same queue (not queued twice)
    run_link(s.con, full=True)
    assert _places(s).equals(inc_places)
    assert _queue(s).equals(inc_queue)


def test_an_incremental_run_moves_a_new_slip_seen_both_sides_as_a_full_run_does():
    s, slip, home = _world()
    s.add("ANN", "ROWE", "1990-04-02", address="14 Quarry Lane, Dunmore", postcode="DN1 4QL", nhs_number=nhs(7001),
          event="2024-09-01")
    _parse(s.con)
    _link_without(s, slip)
    rep = run_link(s.con)
    assert rep.mode == "incremental"
    assert s.place_of(slip) != s.place_of(home)  # the slip: moved to 14 with no analyst needed
    assert list_place_reviews(s.con).height == 0
    inc_places = _places(s)
    run_link(s.con, full=True)
    assert _places(s).equals(inc_places)
def test_a_place_decision_is_applied_by_the_next_incremental_run_as_by_a_full_one():
    s, slip, home = _world()
    run_link(s.con, full=True)
    row = list_place_reviews(s.con).row(0, named=True)
    ann = s.person_of(slip)
    # accepted: the next run (nothing new arrived) is incremental and puts the row at 14
    assert decide_place(s.con, row["review_id"], True, by="analyst")
    rep = run_link(s.con)
    assert rep.mode == "incremental"
    assert s.place_of(slip) == row["proposed_place"] != s.place_of(home)
    assert ann in rep.changed_persons  # her household and flags are recomputed
    n_at_41 = s.con.execute("SELECT n_mentions FROM places WHERE address_id = ?", [s.place_of(home)]).fetchall()
    assert n_at_41 == [(1,)]  # Carl's row only
    assert list_place_reviews(s.con).height == 0
    inc_places = _places(s)
    run_link(s.con, full=True)
    assert _places(s).equals(inc_places)
    # rejected afterwards: the next incremental run puts it back where it is written, as a full run does
    assert decide_place(s.con, row["review_id"], False, by="analyst")
    rep = run_link(s.con)
    assert rep.mode == "incremental" and ann in rep.changed_persons
    assert s.place_of(slip) == s.place_of(home)
    inc_places = _places(s)
    run_link(s.con, full=True)
    assert _places(s).equals(inc_places)
    # decided and applied: a later run has nothing to do
    assert run_link(s.con).changed_persons == []
