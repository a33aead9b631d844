"""An incremental link that merges two known people reports it, stores it, and keeps the older id."""
from __future__ import annotations

from chronolink.engine.cli.console import out
from chronolink.engine.cli.link_cmd import _print_link_report
from chronolink.engine.link.run import run_link
from tests.link.conftest import StoreBuilder, background, nhs


def test_a_new_record_tying_two_known_people_merges_them_and_says_so():
    s = StoreBuilder()
    background(s, 60)
    # Two records the first run keeps apart (other names, other places), each with its own identifier.
    a = s.add("AMELIA", "JONES", "2010-03-04", address="7 Quay Street, Town1", nhs_number=nhs(9001))
    b = s.add("MILLIE", "JONES-SMITH", "2010-03-04", address="9 Dock Road, Town2", file="police_occurrences.csv",
              slot="nominal", agency="police", local_id="police:N9999999")
    first = run_link(s.con)
    pa, pb = s.person_of(a), s.person_of(b)
    assert pa != pb
    # The day brings a police record holding both the NHS number and the police id: one person.
    c = s.add("AMELIA", "JONES", "2010-03-04", file="police_occurrences.csv", slot="nominal", agency="police",
              nhs_number=nhs(9001), local_id="police:N9999999")
    rep = run_link(s.con)
    assert rep.mode == "incremental" and rep.run_id == first.run_id + 1
    kept, retired = sorted([pa, pb])
    assert s.person_of(a) == s.person_of(b) == s.person_of(c) == kept  # the older id is kept
    assert rep.person_changes is not None
    assert rep.person_changes.merges.rows() == [(kept, [retired], 3)]
    assert rep.changed_persons == [kept, retired]  # what flags and reports must look at again
    assert rep.person_changes.splits.height == 0
    # Stored for an analyst (the workbench's run page reads it), under the run that made it.
    stored = s.con.execute("SELECT run_id, kind, change, kept_id, other_ids, n_mentions FROM link_id_changes "
                           "WHERE run_id = ?", [rep.run_id]).fetchall()
    assert stored == [(rep.run_id, "person", "merge", kept, [retired], 3)]
    assert not s.con.execute("SELECT count(*) FROM persons WHERE person_id = ?", [retired]).fetchall()[0][0]
    # Printed by `link`.
    with out.capture() as cap:
        _print_link_report(rep)
    assert f"merge  person {kept} <- {retired}" in cap.get()
