-- The Chronolink store. Every table keeps provenance: (source_file, source_row[, slot|field]).
-- No primary keys on the big tables: ids are unique by construction (file_seq, row, slot), and index
-- upkeep would dominate bulk loads. Uniqueness is checked by tests.
CREATE TABLE IF NOT EXISTS source_files (
    file_seq INTEGER PRIMARY KEY,
    source_file VARCHAR NOT NULL,
    path VARCHAR,
    layout VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_stored INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    ingested_at TIMESTAMP NOT NULL,
    superseded BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS records (
    record_id BIGINT NOT NULL,
    file_seq INTEGER NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row INTEGER NOT NULL,
    layout VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    event_type VARCHAR,
    event_label VARCHAR,
    event_date DATE,
    event_time VARCHAR,
    date_status VARCHAR,
    end_date DATE,
    outcome VARCHAR,
    ref VARCHAR,
    summary VARCHAR,
    attrs VARCHAR  -- JSON text (json_extract works on it; a JSON column would re-validate on every load)
);
-- The event date as written, kept when it did not read as a good date (stores of earlier versions gain it).
ALTER TABLE records ADD COLUMN IF NOT EXISTS date_raw VARCHAR;
CREATE TABLE IF NOT EXISTS person_mentions (
    mention_id BIGINT NOT NULL,
    record_id BIGINT NOT NULL,
    file_seq INTEGER NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row INTEGER NOT NULL,
    slot VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    role VARCHAR,
    name_raw VARCHAR,
    forename VARCHAR,
    middle_names VARCHAR,
    surname VARCHAR,
    preferred_forename VARCHAR,
    name_suffix VARCHAR,
    dob DATE,
    dob_status VARCHAR,
    sex VARCHAR,
    nhs_number VARCHAR,
    nhs_valid BOOLEAN,
    upn VARCHAR,
    upn_valid BOOLEAN,
    pnc VARCHAR,
    pnc_valid BOOLEAN,
    local_id VARCHAR,
    address_mention_id BIGINT,
    event_date DATE,
    person_id VARCHAR
);
CREATE TABLE IF NOT EXISTS address_mentions (
    address_mention_id BIGINT NOT NULL,
    record_id BIGINT NOT NULL,
    file_seq INTEGER NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row INTEGER NOT NULL,
    field VARCHAR NOT NULL,
    raw VARCHAR,
    flat VARCHAR,
    number VARCHAR,
    number_suffix VARCHAR,
    building VARCHAR,
    street VARCHAR,
    town VARCHAR,
    postcode VARCHAR,
    postcode_valid BOOLEAN,
    uprn VARCHAR,
    address_id VARCHAR
);
CREATE TABLE IF NOT EXISTS value_issues (
    file_seq INTEGER NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row INTEGER NOT NULL,
    field VARCHAR NOT NULL,
    problem VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    file_seq INTEGER NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row INTEGER NOT NULL,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);
CREATE TABLE IF NOT EXISTS mention_observations (
    mention_id BIGINT NOT NULL,
    address_mention_id BIGINT NOT NULL,
    date DATE NOT NULL,
    field VARCHAR NOT NULL,
    file_seq INTEGER NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row INTEGER NOT NULL
);
