from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronolink.engine.errors import AuditDetailError, AuditIntegrityError
from chronolink.engine.security import audit
from chronolink.engine.security.audit import GENESIS_HASH, AuditHead

OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
SENTINEL_NAME = "Zebedee Quagmire"


@pytest.fixture
def con():
    connection = duckdb.connect(config=OFFLINE)
    yield connection
    connection.close()


def _fill(con, n: int = 5) -> None:
    for i in range(1, n + 1):
        audit.record(
            con,
            "analyst.one",
            "report",
            "report",
            [f"P{i:08d}"],
            {"rows": i * 10, "format": "html", "rule_ids": ["R01", "R07"], "pseudonymised": False},
        )


def _bad(con, seq: int, problem_part: str) -> None:
    result = audit.verify(con)
    assert not result.ok
    assert result.first_bad_seq == seq, result
    assert problem_part in result.problem


# ------------------------------------------------------------------ append


def test_append_and_verify(con):
    _fill(con)
    result = audit.verify(con)
    assert result.ok and bool(result)
    assert result.checked == 5
    assert result.head == audit.head(con) == AuditHead(5, 5, result.head.head_hash)
    rows = con.execute("SELECT seq FROM audit_log ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]


def test_hash_is_sha256_of_prev_hash_and_canonical_entry(con):
    first = audit.record(con, "a.user", "export", "export", ["P00000001"], {"rows": 3})
    second = audit.record(con, "a.user", "export", "export", [], None)
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    body = {
        "seq": 1,
        "at": first.at.isoformat(timespec="microseconds"),
        "actor": "a.user",
        "command": "export",
        "action": "export",
        "person_ids": ["P00000001"],
        "detail": {"rows": 3},
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    assert first.hash == hashlib.sha256((GENESIS_HASH + canonical).encode()).hexdigest()


def test_empty_log_verifies(con):
    result = audit.verify(con)
    assert result.ok and result.checked == 0
    assert audit.head(con) == AuditHead(0, 0, GENESIS_HASH)


def test_timestamps_are_utc(con):
    entry = audit.record(con, "a.user", "ingest", "ingest")
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    assert abs((now - entry.at).total_seconds()) < 60


# --------------------------------------------------------------- tampering


def test_edited_row_detected_with_its_seq(con):
    _fill(con)
    con.execute("UPDATE audit_log SET actor = 'someone.else' WHERE seq = 3")
    _bad(con, 3, "altered")


def test_edited_detail_detected(con):
    _fill(con)
    con.execute("""UPDATE audit_log SET detail = '{"rows":1}' WHERE seq = 2""")
    _bad(con, 2, "altered")


def test_edited_person_ids_detected(con):
    _fill(con)
    con.execute("UPDATE audit_log SET person_ids = [] WHERE seq = 4")
    _bad(con, 4, "altered")


def test_deleted_middle_row_detected(con):
    _fill(con)
    con.execute("DELETE FROM audit_log WHERE seq = 3")
    _bad(con, 3, "missing")


def test_deleted_middle_row_with_renumbering_detected(con):
    _fill(con)
    con.execute("DELETE FROM audit_log WHERE seq = 3")
    con.execute("UPDATE audit_log SET seq = 3 WHERE seq = 4")
    con.execute("UPDATE audit_log SET seq = 4 WHERE seq = 5")
    result = audit.verify(con)
    assert not result.ok and result.first_bad_seq == 3


def test_deleted_last_row_detected_via_head(con):
    _fill(con)
    con.execute("DELETE FROM audit_log WHERE seq = 5")
    _bad(con, 5, "truncated")


def test_deleted_head_record_detected(con):
    _fill(con)
    con.execute("DELETE FROM audit_head")
    _bad(con, 1, "head record missing")


def test_reordered_rows_detected(con):
    _fill(con)
    con.execute("UPDATE audit_log SET seq = 100 WHERE seq = 2")
    con.execute("UPDATE audit_log SET seq = 2 WHERE seq = 3")
    con.execute("UPDATE audit_log SET seq = 3 WHERE seq = 100")
    result = audit.verify(con)
    assert not result.ok and result.first_bad_seq == 2


def _forge(con, seq: int, prev_hash: str) -> None:
    at = dt.datetime(2024, 1, 1, 12, 0, 0)
    digest = audit._entry_hash(prev_hash, seq, at, "intruder", "read", "read", [], {})
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, 'intruder', 'read', 'read', [], '{}', ?, ?)",
        [seq, at, prev_hash, digest],
    )


def test_forged_row_appended_detected(con):
    _fill(con)
    _forge(con, 6, audit.head(con).head_hash)  # a perfectly chained forgery
    _bad(con, 6, "head record does not match")


def test_forged_row_with_bad_hash_detected(con):
    _fill(con)
    con.execute(
        "INSERT INTO audit_log VALUES (6, now()::TIMESTAMP, 'x', 'read', 'read', [], '{}', 'ab', 'cd')"
    )
    _bad(con, 6, "broken chain")


def test_forged_row_replacing_a_middle_row_detected(con):
    _fill(con)
    prev = con.execute("SELECT hash FROM audit_log WHERE seq = 2").fetchall()[0][0]
    con.execute("DELETE FROM audit_log WHERE seq = 3")
    _forge(con, 3, prev)
    _bad(con, 4, "broken chain")  # the forgery chains back, its successor no longer does


def test_consistent_rewrite_detected_only_by_external_anchor(con, tmp_path):
    _fill(con)
    anchor_file = tmp_path / "audit.anchor.json"
    anchor = audit.write_anchor(con, anchor_file)
    assert audit.read_anchor(anchor_file) == anchor
    # truncate and fix the head record too: invisible without the anchor
    con.execute("DELETE FROM audit_log WHERE seq = 5")
    last = con.execute("SELECT hash FROM audit_log WHERE seq = 4").fetchall()[0][0]
    con.execute("UPDATE audit_head SET entry_count = 4, last_seq = 4, head_hash = ?", [last])
    assert audit.verify(con).ok
    result = audit.verify(con, anchor=audit.read_anchor(anchor_file))
    assert not result.ok and result.first_bad_seq == 5 and "anchor" in result.problem


def test_anchor_detects_rewritten_history(con):
    _fill(con, 3)
    anchor = audit.head(con)
    con.execute("DELETE FROM audit_log")
    con.execute("DELETE FROM audit_head")
    _fill(con, 4)  # a fresh, self-consistent chain
    result = audit.verify(con, anchor=anchor)
    assert not result.ok and result.first_bad_seq == 3


def test_record_refuses_to_extend_a_truncated_log(con):
    _fill(con)
    con.execute("DELETE FROM audit_log WHERE seq = 5")
    with pytest.raises(AuditIntegrityError):
        audit.record(con, "a.user", "report", "report")


# ------------------------------------------------------------ transactions


def test_record_joins_the_callers_transaction(con):
    con.execute("CREATE TABLE work (x INTEGER)")
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO work VALUES (1)")
    audit.record(con, "a.user", "purge", "purge", [], {"rows": 1})
    con.execute("ROLLBACK")
    assert audit.verify(con).checked == 0
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO work VALUES (1)")
    audit.record(con, "a.user", "purge", "purge", [], {"rows": 1})
    con.execute("INSERT INTO work VALUES (2)")  # the caller's transaction is still usable
    con.execute("COMMIT")
    assert audit.verify(con).checked == 1
    assert con.execute("SELECT count(*) FROM work").fetchall() == [(2,)]


# ------------------------------------------------------------- no names


@pytest.mark.parametrize(
    "detail",
    [
        {"child": SENTINEL_NAME},
        {"name": "Zebedee"},
        {"forename": "Zebedee"},
        {"summary": "Zebedee"},
        {"address_line": "Zebedee"},
        {"matches": [{"who": SENTINEL_NAME}]},
        {"Zebedee": 1},
        {"note": "Zebedee"},
    ],
)
def test_detail_refuses_names_without_echoing_them(con, detail):
    with pytest.raises(AuditDetailError) as info:
        audit.record(con, "a.user", "report", "report", [], detail)
    assert "Zebedee" not in str(info.value) and "Quagmire" not in str(info.value)
    assert audit.verify(con).checked == 0


def test_person_ids_must_be_ids(con):
    with pytest.raises(AuditDetailError) as info:
        audit.record(con, "a.user", "read", "read", [SENTINEL_NAME])
    assert "Zebedee" not in str(info.value)


def test_allowed_detail_round_trips(con):
    detail = {
        "rows": 12,
        "share": 0.25,
        "format": "xlsx",
        "pseudonymised": True,
        "missing": None,
        "rule_ids": ["R01", "rule.R07"],
        "name_count": 3,
        "counts": {"police": 2, "csc": 1},
        "address_ids": ["A00000001"],
    }
    audit.record(con, "a.user", "export", "export", ["P00000001", "P00000002"], detail)
    frame = audit.entries(con)
    assert json.loads(frame["detail"][0]) == detail
    assert frame["person_ids"][0].to_list() == ["P00000001", "P00000002"]
    assert audit.verify(con).ok


def test_unknown_action_and_bad_command_rejected(con):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(con, "a.user", "report", "delete-everything")
    with pytest.raises(ValueError, match="command"):
        audit.record(con, "a.user", "report Zebedee Quagmire", "report")
    with pytest.raises(ValueError, match="actor"):
        audit.record(con, "  ", "report", "report")


# ------------------------------------------------------------- listing


def test_entries_filters(con):
    audit.record(con, "alice", "ingest", "ingest", [], {"rows": 5})
    audit.record(con, "bob", "report", "report", ["P00000007"], {})
    audit.record(con, "alice", "export", "export", ["P00000007", "P00000008"], {})
    assert audit.entries(con)["seq"].to_list() == [1, 2, 3]
    assert audit.entries(con, actor="alice")["seq"].to_list() == [1, 3]
    assert audit.entries(con, action="report")["seq"].to_list() == [2]
    assert audit.entries(con, person_id="P00000007")["seq"].to_list() == [2, 3]
    assert audit.entries(con, after_seq=1, limit=1)["seq"].to_list() == [2]
    future = dt.datetime.now() + dt.timedelta(days=2)
    assert audit.entries(con, since=future).height == 0


def test_current_actor(monkeypatch):
    assert audit.current_actor("  jane.analyst ") == "jane.analyst"
    monkeypatch.setattr(audit.getpass, "getuser", lambda: "osuser")
    assert audit.current_actor(None) == "osuser"
    assert audit.current_actor("") == "osuser"

    def fail():
        raise OSError("no user")

    monkeypatch.setattr(audit.getpass, "getuser", fail)
    assert audit.current_actor(None)  # falls back to uid:N rather than failing


# ------------------------------------------------------------- properties

_details = st.dictionaries(
    st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
        lambda k: not any(p in k for p in audit._FORBIDDEN_KEY_PARTS)
    ),
    st.one_of(
        st.integers(-(2**53), 2**53),
        st.booleans(),
        st.none(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}", fullmatch=True),
    ),
    max_size=5,
)


@settings(max_examples=25, deadline=None)
@given(st.lists(_details, min_size=1, max_size=6))
def test_any_valid_sequence_verifies(details):
    con = duckdb.connect(config=OFFLINE)
    try:
        for d in details:
            audit.record(con, "prop.user", "report", "report", [], d)
        result = audit.verify(con)
        assert result.ok and result.checked == len(details)
    finally:
        con.close()


def test_audit_in_an_encrypted_store(tmp_path, encryption_available):
    from chronolink.engine.store.encryption import open_encrypted

    key = b"audit-test-key-0123456789"
    path = tmp_path / "store.duckdb"
    con = open_encrypted(path, key, config=OFFLINE)
    try:
        _fill(con, 3)
    finally:
        con.close()
    assert b"analyst.one" not in Path(path).read_bytes()
    con = open_encrypted(path, key, config=OFFLINE)
    try:
        assert audit.verify(con).checked == 3
    finally:
        con.close()
