"""The declared contract: mapping files valid, JSON Schema in sync, models match the store."""
from __future__ import annotations

import json
import tomllib

import pytest
from pydantic import ValidationError

from chronolink.engine.ingest import builtin_mappings
from chronolink.engine.ingest.layouts import MappingFileError, load_mapping
from chronolink.engine.store import open_store
from chronolink.schemas.export_json import JSON_DIR, render, schemas
from chronolink.schemas.models import CANONICAL_MODELS, Mapping

LAYOUTS = {"police_occurrences", "csc_episodes", "csc_relationships", "gp_consultations", "school_safeguarding",
           "probation_events", "housing_tenancies", "mash_referrals"}


def test_every_layout_has_a_valid_mapping():
    assert {m.layout for m in builtin_mappings()} == LAYOUTS


@pytest.mark.parametrize("name, schema", sorted(schemas().items()))
def test_exported_json_schema_is_in_sync(name, schema):
    path = JSON_DIR / name
    assert path.exists(), f"run python -m chronolink.schemas.export_json ({name} missing)"
    assert path.read_text(encoding="utf-8") == render(schema), f"{name} is stale: run python -m chronolink.schemas.export_json"


def test_no_stale_schema_files():
    assert {p.name for p in JSON_DIR.glob("*.json")} == set(schemas())


@pytest.mark.parametrize("table, model", sorted(CANONICAL_MODELS.items()))
def test_models_match_store_tables(tmp_path, table, model):
    con = open_store(tmp_path / "s.duckdb")
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    assert cols == list(model.model_fields), table


def test_mapping_rejects_unknown_keys_and_bad_references(tmp_path):
    police = next(m for m in builtin_mappings() if m.layout == "police_occurrences")
    data = police.model_dump()
    data["persons"][0]["observed_at"] = ["NoSuchField"]
    with pytest.raises(ValidationError):
        Mapping.model_validate(data)
    data = police.model_dump()
    data["colour"] = "red"
    with pytest.raises(ValidationError):
        Mapping.model_validate(data)


def test_bad_mapping_file_error_names_the_file_not_values(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('layout = "x"\nagency = "aliens"\nformat = "csv"\nrequired_columns = ["A"]\n'
                   '[event]\nconstant_type = "x.y"\n')
    with pytest.raises(MappingFileError) as exc:
        load_mapping(bad)
    assert "broken.toml" in str(exc.value) and "agency" in str(exc.value)
    assert "aliens" not in str(exc.value)


def test_a_new_layout_is_a_new_mapping_file(tmp_path):
    """A layout the engine has never seen is ingested from a mapping file alone."""
    from chronolink.engine.ingest import ingest_file

    mapping = tmp_path / "ambulance.toml"
    mapping.write_text(
        'layout = "ambulance_calls"\nagency = "health"\nformat = "csv"\n'
        'required_columns = ["Call ID", "Patient"]\n'
        '[event]\nconstant_type = "health.ambulance_call"\nref = "Call ID"\n'
        'date = { column = "Call Date", formats = ["%d/%m/%Y"] }\n'
        '[[addresses]]\nfield = "Location"\nline = "Location"\n'
        '[[persons]]\nslot = "patient"\nrole = "PATIENT"\nfull_name = "Patient"\n'
        'dob = { column = "DOB", formats = ["%d/%m/%Y"] }\nobserved_at = ["Location"]\n')
    m = load_mapping(mapping)
    extract = tmp_path / "calls.csv"
    extract.write_text("Call ID,Call Date,Patient,DOB,Location\nC1,02/03/2024,Lily Hart,03/03/2012,"
                       "\"14 Ash Grove, Ketterby, NN16 8QT\"\n")
    con = open_store(tmp_path / "s.duckdb")
    rep = ingest_file(con, extract, mapping=m)
    assert rep.rows_stored == 1 and rep.person_mentions == 1 and rep.address_mentions == 1
    assert con.execute("SELECT forename, surname, dob::VARCHAR FROM person_mentions").fetchall() == \
        [("LILY", "HART", "2012-03-03")]
    assert con.execute("SELECT count(*) FROM mention_observations").fetchall()[0][0] == 1
    assert json.loads(json.dumps(tomllib.loads(mapping.read_text())))["layout"] == "ambulance_calls"
