import time
from datetime import date

import polars as pl

import chronolink.engine.rules as rules
from chronolink.engine.rules import FLAG_SCHEMA, RULES, DatedNeeds, RuleSettings, evaluate_all
from tests.rules.helpers import ADULT_DOB, CHILD_DOB, event, inputs, obs, person


def test_public_api():
    assert sorted(rules.__all__) == sorted([
        "FLAG_SCHEMA", "FLAG_SORT", "RULES", "InputSchemaError", "RuleInputs", "RuleSettings",
        "SettingsError", "derive_markers", "evaluate_all", "load_settings",
        "UNDATED_SCHEMA", "UNJUDGED_SCHEMA", "DatedNeeds", "not_judged",
    ])
    names = [m.RULE for m in RULES]
    assert names == [
        "bail_address_child", "unassessed_adult", "concerns_not_collated", "repeat_referrals",
        "assessment_overdue", "core_group_overdue", "rcpc_overdue", "long_cp_plan",
        "repeat_cp_plan",
    ]
    assert all(m.__name__.rsplit(".", 1)[1] == m.RULE for m in RULES)
    assert all(isinstance(m.NEEDS_DATES, DatedNeeds) and m.NEEDS_DATES.event_types for m in RULES)


def test_every_rule_returns_the_flag_schema_even_when_empty():
    empty = inputs()
    for m in RULES:
        assert m.evaluate(empty, RuleSettings(), date(2024, 1, 1)).schema == FLAG_SCHEMA
    assert evaluate_all(empty, RuleSettings(), date(2024, 1, 1)).schema == FLAG_SCHEMA


def test_evaluate_all_concatenates():
    evs = [
        event("P", "police.bail", "2024-03-01", bail_address_id="A1"),
        event("C", "csc.cp_plan", "2021-01-04"),
    ]
    inp = inputs([person("C", CHILD_DOB), person("P", ADULT_DOB)], evs,
                 [obs("C", "A1", "2024-02-01")])
    out = evaluate_all(inp, RuleSettings(), date(2024, 6, 30))
    assert out.schema == FLAG_SCHEMA
    assert set(out["rule"]) == {"bail_address_child", "core_group_overdue", "rcpc_overdue",
                                "long_cp_plan"}


def test_scale_smoke():
    """A few thousand children, households and plans run in well under a second or two."""
    n = 3000
    persons = [person(f"C{i}", CHILD_DOB) for i in range(n)]
    persons += [person(f"M{i}", ADULT_DOB) for i in range(n)]
    evs, observations = [], []
    for i in range(n):
        a = f"A{i % 1500}"
        evs.append(event(f"M{i}", "police.bail", "2023-05-01", bail_address_id=a,
                         markers=["RSO"] if i % 7 == 0 else []))
        evs.append(event(f"C{i}", "csc.cp_plan", "2022-01-10", end=None))
        evs.append(event(f"C{i}", "csc.cf_assessment", "2023-06-01", end="2023-08-01"))
        evs.append(event(f"C{i}", "health.injury", "2023-03-01"))
        evs.append(event(f"C{i}", "education.neglect", "2023-03-20"))
        evs.append(event(f"C{i}", "police.domestic", "2023-04-20"))
        observations += [obs(f"C{i}", a, "2023-04-15"), obs(f"M{i}", a, "2023-04-10")]
    inp = inputs(persons, evs, observations)
    t = time.perf_counter()
    out = evaluate_all(inp, RuleSettings(), date(2024, 6, 30))
    elapsed = time.perf_counter() - t
    assert elapsed < 10
    counts = dict(out.group_by("rule").len().iter_rows())
    assert counts["bail_address_child"] == 2 * n  # two children per address, each bail
    assert counts["unassessed_adult"] > 0 and counts["concerns_not_collated"] == n
    assert isinstance(out, pl.DataFrame)
