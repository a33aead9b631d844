"""The linkage tables of the store, declared once (schemas.tables.Table): their DDL is generated."""
from __future__ import annotations

import duckdb

from chronolink.schemas.tables import Column, Table, ddl

# persons and places are replaced whole by every run (CREATE OR REPLACE: instant, where deleting every
# row is not, and it sheds an older store's key index); one row per id by construction, so no key
# index (deleting through one, and committing, took ten seconds at county scale).
PERSONS = Table("persons", "a linked person, each field its most common value", (
    Column("person_id", "VARCHAR", "P + 8 digits, stable across runs", nullable=False),
    Column("forename", "VARCHAR", "folded"),
    Column("surname", "VARCHAR", "folded"),
    Column("dob", "DATE", "date of birth"),
    Column("sex", "VARCHAR", "M or F"),
    Column("n_mentions", "BIGINT", "mentions linked into the person"),
    Column("agencies", "VARCHAR[]", "agencies that know the person"),
))
PLACES = Table("places", "a linked place, each field its most common value", (
    Column("address_id", "VARCHAR", "A + 8 digits, stable across runs", nullable=False),
    Column("flat", "VARCHAR", "flat"),
    Column("number", "VARCHAR", "house number"),
    Column("street", "VARCHAR", "street"),
    Column("town", "VARCHAR", "town"),
    Column("postcode", "VARCHAR", "postcode"),
    Column("uprn", "VARCHAR", "a valid UPRN"),
    Column("n_mentions", "BIGINT", "address mentions linked into the place"),
))
# "name (columns)", for CREATE OR REPLACE TABLE in persist.
PERSONS_TABLE = PERSONS.definition()
PLACES_TABLE = PLACES.definition()

LINK_RUNS = Table("link_runs", "one link run: counts, the settings and the model it used", (
    Column("run_id", "INTEGER", "1, 2, 3, ...", primary_key=True, nullable=False),
    Column("started_at", "TIMESTAMP", "when", nullable=False),
    Column("seconds", "DOUBLE", "how long"),
    Column("n_person_mentions", "BIGINT", "person mentions linked"),
    Column("n_persons", "BIGINT", "persons"),
    Column("n_address_mentions", "BIGINT", "address mentions placed"),
    Column("n_places", "BIGINT", "places"),
    Column("n_candidate_pairs", "BIGINT", "pairs compared"),
    Column("n_review_pending", "BIGINT", "borderline pairs awaiting review"),
    Column("settings", "JSON", "the LinkSettings used"),
    Column("model", "JSON", "the declared spec and trained parameters (format 2)"),
    Column("mode", "VARCHAR", "'full' or 'incremental' (an older store's runs were full)", default="'full'",
           added=True),
))
# Stable ids: every mention key ever linked and the id it holds; one row per (kind, mention_key), kept by
# stable_ids (no index: bulk delete-and-insert is faster).
LINK_ID_MAP = Table("link_id_map", "a mention key and the stable id it holds", (
    Column("kind", "VARCHAR", "'person' or 'place'", nullable=False),
    Column("mention_key", "VARCHAR", "the mention's key (engine.store.keys)", nullable=False),
    Column("id", "VARCHAR", "its person or place id", nullable=False),
    Column("run_id", "INTEGER", "the run that gave the key its id", nullable=False),
))
LINK_ID_SEQ = Table("link_id_seq", "the last id given of each kind", (
    Column("kind", "VARCHAR", "'person' or 'place'", primary_key=True, nullable=False),
    Column("last_value", "BIGINT", "the last number used", nullable=False),
))
LINK_ID_CHANGES = Table("link_id_changes", "ids merged or split by a run", (
    Column("run_id", "INTEGER", "the run", nullable=False),
    Column("kind", "VARCHAR", "'person' or 'place'", nullable=False),
    Column("change", "VARCHAR", "'merge' (ids retired into kept_id) or 'split' (new ids split off kept_id)",
           nullable=False),
    Column("kept_id", "VARCHAR", "the id kept", nullable=False),
    Column("other_ids", "VARCHAR[]", "the ids retired or split off", nullable=False),
    Column("n_mentions", "BIGINT", "mentions concerned"),
))
LINK_PAIRS = Table("link_pairs", "a scored pair kept as evidence", (
    Column("mention_id_l", "BIGINT", "one mention", nullable=False),
    Column("mention_id_r", "BIGINT", "the other", nullable=False),
    Column("match_weight", "DOUBLE", "log2 posterior odds", nullable=False),
    Column("match_probability", "DOUBLE", "posterior probability", nullable=False),
    Column("comparisons", "JSON", "each comparison's level and weight"),
    Column("blocking_rule", "VARCHAR", "the first blocking rule that found the pair"),
))
# What every clerical review queue records about an item's decision (pairs of people, places).
DECISION_COLUMNS = (
    Column("status", "VARCHAR", "pending, accepted or rejected", nullable=False, default="'pending'"),
    Column("created_run", "INTEGER", "the run that queued it"),
    Column("decided_at", "TIMESTAMP", "when decided"),
    Column("decided_by", "VARCHAR", "the analyst"),
    Column("note", "VARCHAR", "the analyst's note"),
)
LINK_REVIEW = Table("link_review", "a borderline pair for clerical review, and its decision", (
    Column("review_id", "INTEGER", "1, 2, 3, ...", primary_key=True, nullable=False),
    Column("mention_key_l", "VARCHAR", "one mention's key", nullable=False),
    Column("mention_key_r", "VARCHAR", "the other's", nullable=False),
    Column("match_weight", "DOUBLE", "the pair's weight"),
    Column("match_probability", "DOUBLE", "its probability"),
    *DECISION_COLUMNS,
))

PLACE_REVIEW = Table("place_review", "an address row that may be written with a house-number slip, for clerical review", (
    Column("review_id", "INTEGER", "1, 2, 3, ...", primary_key=True, nullable=False),
    Column("mention_key", "VARCHAR", "the address row's key (source_file:source_row:field)", nullable=False),
    Column("target_key", "VARCHAR", "a row of the place it may belong to", nullable=False),
    Column("evidence", "VARCHAR", "why it is queued: the numbers and who was seen where"),
    *DECISION_COLUMNS,
))

LINK_DDL = ddl(LINK_RUNS, LINK_ID_MAP, LINK_ID_SEQ, LINK_ID_CHANGES, LINK_PAIRS, LINK_REVIEW, PLACE_REVIEW, PERSONS, PLACES)


def ensure_link_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the linkage tables if missing (and give an older store's run record its `mode`)."""
    con.execute(LINK_DDL)
