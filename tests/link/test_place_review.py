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
