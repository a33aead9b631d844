from pathlib import Path

import pytest

from chronolink.engine.rules.settings import (
    DEFAULT_SETTINGS_PATH,
    RuleSettings,
    SettingsError,
    dump_settings,
    load_settings,
)


def test_defaults_are_the_spec_values():
    s = RuleSettings()
    assert (s.bail_address_child.observed_days_before, s.bail_address_child.observed_days_after,
            s.bail_address_child.csc_response_days) == (365, 90, 28)
    assert (s.unassessed_adult.observed_days_before, s.unassessed_adult.observed_days_after) == (
        180, 30)
    c = s.concerns_not_collated
    assert (c.window_days, c.min_agencies, c.response_days_before, c.response_days_after) == (
        90, 3, 90, 14)
    assert (s.repeat_referrals.count, s.repeat_referrals.within_months) == (3, 12)
    assert s.assessment_overdue.working_days == 45
    assert s.core_group_overdue.working_days == 10
    assert (s.rcpc_overdue.first_review_months, s.rcpc_overdue.later_review_months) == (3, 6)
    assert s.long_cp_plan.months == 24 and s.repeat_cp_plan.months == 24
    assert s.child_age_years == 18


def test_packaged_toml_equals_defaults():
    assert load_settings() == RuleSettings()
    assert load_settings(DEFAULT_SETTINGS_PATH) == RuleSettings()


def test_round_trip(tmp_path: Path):
    s = RuleSettings.model_validate({"assessment_overdue": {"working_days": 20}})
    p = tmp_path / "s.toml"
    p.write_text(dump_settings(s))
    assert load_settings(p) == s


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "rules.toml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    "text, where",
    [
        ("[assessment_overdue]\nworking_days = 0\n", "assessment_overdue.working_days"),
        ("[assessment_overdue]\nworking_days = -5\n", "assessment_overdue.working_days"),
        ('[assessment_overdue]\nworking_days = "45"\n', "assessment_overdue.working_days"),
        ("[assessment_overdue]\nworking_days = 4.5\n", "assessment_overdue.working_days"),
        ("[assessment_overdue]\nworking_days = true\n", "assessment_overdue.working_days"),
        ("[rcpc_overdue]\nfirst_review_months = 3\nsecond = 6\n", "rcpc_overdue.second"),
        ("[no_such_rule]\nmonths = 3\n", "no_such_rule"),
        ("[repeat_referrals]\ncount = 1\n", "repeat_referrals.count"),
    ],
)
def test_bad_values_are_reported_by_key(tmp_path, text, where):
    with pytest.raises(SettingsError) as exc:
        load_settings(_write(tmp_path, text))
    msg = str(exc.value)
    assert where in msg
    assert "input_value" not in msg  # values stay out of error text


def test_unknown_key_message_is_clear(tmp_path):
    with pytest.raises(SettingsError, match="Extra inputs are not permitted"):
        load_settings(_write(tmp_path, "[long_cp_plan]\nmonth = 24\n"))


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(_write(tmp_path, "[long_cp_plan\nmonths = 24\n"))
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(tmp_path / "missing.toml")


def test_settings_are_frozen():
    s = RuleSettings()
    with pytest.raises(Exception):
        s.long_cp_plan.months = 12  # type: ignore[misc]
