"""One home per concept (#16 item 3): each concept is defined once and every user reads it there."""
from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for pkg in ("engine", "reports", "schemas") for p in (ROOT / pkg).rglob("*.py")]


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_one_vocabulary_of_agencies_and_event_types():
    from typing import get_args

    from chronolink.engine.rules import vocabulary as rules_vocab
    from chronolink.reports import model as report_model
    from chronolink.reports.vocab import _FAMILY_OF, AGENCY_LABELS
    from chronolink.schemas import models
    from chronolink.schemas import vocabulary as v

    assert set(get_args(v.Agency)) == set(v.AGENCIES) == set(AGENCY_LABELS)
    assert models.AGENCIES is v.AGENCIES and report_model.AGENCIES is v.AGENCIES
    assert rules_vocab.EVENT_TYPES is v.EVENT_TYPES
    assert set(_FAMILY_OF) <= v.ALL_EVENT_TYPES
    # The agency list is written once: nowhere else lists all seven names side by side.
    listing = re.compile(r'"police",\s*"csc",\s*"health"')
    assert [p.relative_to(ROOT).as_posix() for p in SOURCES if listing.search(_source(p))] == ["schemas/vocabulary.py"]
    # Every shipped mapping speaks the vocabulary, so rules and reports know every type they meet.
    for mapping in (ROOT / "schemas" / "mappings").glob("*.toml"):
        event = tomllib.loads(mapping.read_text(encoding="utf-8")).get("event", {})
        types = set((event.get("event_type") or {}).get("values", {}).values())
        types |= {event["constant_type"]} if event.get("constant_type") else set()
        assert types <= v.ALL_EVENT_TYPES, (mapping.name, types - v.ALL_EVENT_TYPES)


def test_one_name_fold_even_in_the_pseudonymised_export():
    from chronolink.engine.export.pseudonymised import _name_tokens, redact_free_text
    from chronolink.engine.normalise import fold_name
    from chronolink.engine.normalise._text import fold_text

    spellings = ["Łukasz", "ŁUKASZ", "lukasz", "Łukasz", "ＬＵＫＡＳＺ"]
    folded = pl.DataFrame({"n": spellings}).select(fold_name(pl.col("n")))["n"].to_list()
    assert set(folded) == {"LUKASZ"} == {fold_text(s) for s in spellings}
    names = _name_tokens(["Łukasz Nowak"])
    for spelling in spellings:
        assert redact_free_text(f"seen with {spelling} today", names) == "seen with [name] today", spelling


def test_one_formula_neutraliser():
    from chronolink.engine.export.safe import neutralise

    cells = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\x00=1", "＝1+1", "＋1", "－1", "＠x", "\u200b=1",
             "\ufeff=1", " =1", "\u00a0+1"]
    out = neutralise(pl.DataFrame({"c": cells + ["fine", "a=b"]}))["c"].to_list()
    assert all(o.startswith("'") for o in out[:-2]), out
    assert out[-2:] == ["fine", "a=b"]
    # No other module writes its own: the prefix regex lives in engine/export/safe.py only.
    prefixing = re.compile(r"pl\.lit\(\"'\"\)|\"'\$1\"")
    writers = [p.relative_to(ROOT).as_posix() for p in SOURCES if prefixing.search(_source(p))]
    assert writers == ["engine/export/safe.py"], writers


def test_one_transaction_helper():
    hand_written = [p.relative_to(ROOT).as_posix() for p in SOURCES if re.search(r"execute\(\s*\"(BEGIN|COMMIT|ROLLBACK)",
                                                                                 _source(p))]
    assert hand_written == ["engine/store/transactions.py"], hand_written


def test_one_mention_key():
    from chronolink.engine.link import review
    from chronolink.engine.store import keys

    assert review.mention_key_sql is keys.mention_key_sql
    built_by_hand = re.compile(r"source_file \|\| ':' \|\| CAST\(|\+ \":\" \+ pl\.col\(\"source_row\"\)")
    assert [p.name for p in SOURCES if built_by_hand.search(_source(p))] == ["keys.py"]
    assert keys.parse_mention_key("a:b.csv:12:child") == ("a:b.csv", 12, "child")
    assert keys.parse_mention_key("no-key") is None


def test_one_error_root():
    from chronolink.engine.errors import ChronolinkError

    roots = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(_source(path))):
            if isinstance(node, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id in (
                    "Exception", "ValueError", "LookupError", "RuntimeError") for b in node.bases):
                roots.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert roots == ["engine/errors.py:ChronolinkError"] or all(r.startswith("engine/errors.py") for r in roots), roots
    assert ChronolinkError.__subclasses__()


def test_one_row_id_scheme():
    # record_id = file_seq * 1e9 + row * 100 is written once (engine/store/ids.py); ingest and link-files read it.
    from chronolink.engine.store.ids import ADDRESS_OFFSET, FILE_STRIDE, ROW_STRIDE, record_id_expr

    assert pl.select(record_id_expr(3, pl.lit(7))).item() == 3 * FILE_STRIDE + 7 * ROW_STRIDE == 3_000_000_700
    assert 0 < ADDRESS_OFFSET < ROW_STRIDE
    stride = re.compile(r"1_000_000_000|\b1000000000\b|\* 100\)")
    assert [p.relative_to(ROOT).as_posix() for p in SOURCES if stride.search(_source(p))] == ["engine/store/ids.py"]
