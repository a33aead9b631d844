"""DDL of the linkage tables in the store (idempotent)."""
from __future__ import annotations

import duckdb

# persons and places are replaced whole by every run (CREATE OR REPLACE: instant, where deleting every
# row is not, and it sheds an older store's key index); one row per id by construction, so no key
# index (deleting through one, and committing, took ten seconds at county scale).
PERSONS_TABLE = """persons (
    person_id VARCHAR NOT NULL,
    forename VARCHAR,
    surname VARCHAR,
    dob DATE,
    sex VARCHAR,
    n_mentions BIGINT,
    agencies VARCHAR[]
)"""
PLACES_TABLE = """places (
    address_id VARCHAR NOT NULL,
    flat VARCHAR,
    number VARCHAR,
    street VARCHAR,
    town VARCHAR,
    postcode VARCHAR,
    uprn VARCHAR,
    n_mentions BIGINT
)"""

LINK_DDL = f"""
CREATE TABLE IF NOT EXISTS link_runs (
    run_id INTEGER PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    seconds DOUBLE,
    n_person_mentions BIGINT,
    n_persons BIGINT,
    n_address_mentions BIGINT,
    n_places BIGINT,
    n_candidate_pairs BIGINT,
    n_review_pending BIGINT,
    settings JSON,
    model JSON
);
-- Stable ids: every mention key ever linked and the id it holds (kind 'person' or 'place'); one row
-- per (kind, mention_key), kept by stable_ids; run_id is the run that gave the key its id (no index:
-- bulk delete-and-insert is faster).
CREATE TABLE IF NOT EXISTS link_id_map (
    kind VARCHAR NOT NULL,
    mention_key VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    run_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS link_id_seq (kind VARCHAR PRIMARY KEY, last_value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS link_id_changes (
    run_id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    change VARCHAR NOT NULL,       -- 'merge' (ids retired into kept_id) or 'split' (new ids split off kept_id)
    kept_id VARCHAR NOT NULL,
    other_ids VARCHAR[] NOT NULL,
    n_mentions BIGINT
);
CREATE TABLE IF NOT EXISTS link_pairs (
    mention_id_l BIGINT NOT NULL,
    mention_id_r BIGINT NOT NULL,
    match_weight DOUBLE NOT NULL,
    match_probability DOUBLE NOT NULL,
    comparisons JSON,
    blocking_rule VARCHAR
);
CREATE TABLE IF NOT EXISTS link_review (
    review_id INTEGER PRIMARY KEY,
    mention_key_l VARCHAR NOT NULL,
    mention_key_r VARCHAR NOT NULL,
    match_weight DOUBLE,
    match_probability DOUBLE,
    status VARCHAR NOT NULL DEFAULT 'pending',   -- pending | accepted | rejected
    created_run INTEGER,
    decided_at TIMESTAMP,
    decided_by VARCHAR,
    note VARCHAR
);
CREATE TABLE IF NOT EXISTS {PERSONS_TABLE};
CREATE TABLE IF NOT EXISTS {PLACES_TABLE};
"""


def ensure_link_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the linkage tables if missing (and give an older store's run record its `mode`)."""
    con.execute(LINK_DDL)
    con.execute("ALTER TABLE link_runs ADD COLUMN IF NOT EXISTS mode VARCHAR DEFAULT 'full'")
