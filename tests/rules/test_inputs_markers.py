import polars as pl
import pytest

from chronolink.engine.rules.inputs import EVENTS_SCHEMA, InputSchemaError, RuleInputs
from chronolink.engine.rules.markers import derive_markers
from tests.rules.helpers import D, event, inputs


def test_schema_mismatch_is_reported():
    inp = inputs()
    with pytest.raises(InputSchemaError, match="persons"):
        RuleInputs(
            persons=pl.DataFrame({"person_id": ["P1"], "dob": ["2015-01-01"]}),
            events=inp.events, observations=inp.observations,
            relationships=inp.relationships, markers=inp.markers,
        )
    with pytest.raises(InputSchemaError, match="missing columns"):
        RuleInputs.build(persons=pl.DataFrame({"person_id": ["P1"]}))


def test_build_fills_and_derives():
    inp = inputs()
    assert inp.events.schema == EVENTS_SCHEMA
    assert inp.markers.is_empty()


def test_derive_markers():
    events = pl.DataFrame(
        [
            event("M1", "police.domestic", "2022-05-01", markers=["VIOLENCE", "dvperp "]),
            event("M1", "police.arrest", "2021-01-01", role="SUSPECT", markers=["DVPERP"]),
            event("M2", "police.domestic", "2022-01-01", markers=["VIOLENCE", "WEAPONS"]),
            event("M3", "police.conviction", "2020-02-02", role="OFFENDER"),
            event("M4", "police.conviction", "2020-02-02", role="VICTIM"),
            event("M5", "probation.licence_start", "2019-03-03", offence_category="dv"),
            event("M6", "probation.sentence", "2019-03-03", offence_category="acquisitive"),
            event("M7", "police.arrest", None, role="SUSPECT", markers=["RSO"]),
        ],
        schema=EVENTS_SCHEMA,
    )
    m = derive_markers(events)
    got = {(r["person_id"], r["marker"], r["first_date"]) for r in m.iter_rows(named=True)}
    assert got == {
        ("M1", "DVPERP", D("2021-01-01")),
        ("M3", "CONVICTION", D("2020-02-02")),
        ("M5", "OFFENCE_DV", D("2019-03-03")),
    }
