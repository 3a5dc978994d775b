-- The warehouse schema (DuckDB). One file, read by etl/publish.py when it builds a new database.
-- Column meanings are documented in docs/data-model.md; checks live in etl/checks.py.

CREATE TABLE meta (
    key VARCHAR PRIMARY KEY,          -- data_version, built_at, schema_version
    value VARCHAR NOT NULL
);

CREATE TABLE indicator (
    id VARCHAR PRIMARY KEY,
    topic VARCHAR NOT NULL,
    title_nb VARCHAR NOT NULL,
    title_en VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    unit_label_nb VARCHAR NOT NULL,
    unit_label_en VARCHAR NOT NULL,
    decimals INTEGER NOT NULL,
    better VARCHAR NOT NULL,          -- up | down | none
    definition_nb VARCHAR NOT NULL,
    definition_en VARCHAR NOT NULL,
    comparability_nb VARCHAR,
    comparability_en VARCHAR,
    min_value DOUBLE,
    max_value DOUBLE,
    levels VARCHAR,                   -- comma-separated: country,county,municipality
    numerator VARCHAR,                -- for rates: recomputed from these, never summed
    denominator VARCHAR,
    per DOUBLE,
    expected_periods VARCHAR,         -- comma-separated: the periods a national total is expected for
    joined BOOLEAN NOT NULL DEFAULT true, -- false: snapshots or cohorts, never joined by a line
    compare_nb VARCHAR,               -- why no change is computed (NULL: changes may be computed)
    compare_en VARCHAR,
    estimates_dimension VARCHAR,      -- a dimension whose categories are separate estimates
    estimate_ranges VARCHAR,          -- JSON [[low, high], ...]: categories that make one range
    public_query VARCHAR,             -- the default view of /figur/<id> (data API parameters)
    title_nn VARCHAR,                 -- nynorsk texts (data/indicators.yaml requires them)
    unit_label_nn VARCHAR,
    definition_nn VARCHAR,
    comparability_nn VARCHAR,
    compare_nn VARCHAR
);

-- Method changes: from `period` on, an indicator cannot be compared with what came before.
CREATE TABLE comparability_break (
    indicator_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    reason_nb VARCHAR NOT NULL,
    reason_en VARCHAR NOT NULL,
    reason_nn VARCHAR
);

CREATE TABLE source (
    source_id VARCHAR PRIMARY KEY,
    publisher VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    table_id VARCHAR,
    published VARCHAR,                -- as precise as the source says; '' when it does not
    license VARCHAR,
    fetched_at VARCHAR,
    checksum VARCHAR,
    kind VARCHAR NOT NULL,            -- curated | ssb | import
    publisher_kind VARCHAR,           -- primary | secondary (data/facts/publishers.csv; SSB tables are primary); '' when unlisted
    publisher_en VARCHAR              -- the publisher as English pages name it (publishers.csv name_en, else publisher)
);

-- Every publisher a curated figure may cite, and whether it produced the figures (primary) or
-- repeats someone else's (secondary). From data/facts/publishers.csv.
CREATE TABLE publisher (
    publisher VARCHAR PRIMARY KEY,
    name_en VARCHAR,                  -- the name on English pages where it differs
    kind VARCHAR NOT NULL,            -- primary | secondary
    why_nb VARCHAR NOT NULL,
    why_en VARCHAR NOT NULL
);

-- Municipalities in a Husbanken partnership programme (data/facts/partnership_municipalities.csv),
-- on the municipality code valid at period_start.
CREATE TABLE partnership (
    region_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    programme VARCHAR NOT NULL,       -- boligsosialt_utviklingsprogram | kommuneprogram
    husbanken_region VARCHAR,
    period_start INTEGER NOT NULL,
    period_end INTEGER,
    status VARCHAR NOT NULL,          -- invited | participated
    publisher VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    published VARCHAR,
    note_nb VARCHAR,
    note_nn VARCHAR,
    note_en VARCHAR,
    region_code_today VARCHAR NOT NULL  -- the code it has today ('' when split since)
);

CREATE TABLE region (
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    level VARCHAR NOT NULL,           -- country | county | municipality
    parent_code VARCHAR,
    valid_from DATE,
    valid_to DATE,                    -- NULL while still valid
    PRIMARY KEY (code, valid_from)
);

CREATE TABLE region_change (
    old_code VARCHAR NOT NULL,
    old_name VARCHAR,
    new_code VARCHAR NOT NULL,
    new_name VARCHAR,
    changed_on DATE NOT NULL,
    level VARCHAR NOT NULL
);

CREATE TABLE dimension (
    dimension VARCHAR PRIMARY KEY,
    label_nb VARCHAR NOT NULL,
    label_nn VARCHAR,                 -- '' where only bokmål exists (SSB's labels): pages show label_nb
    label_en VARCHAR NOT NULL
);

CREATE TABLE category (
    dimension VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    label_nb VARCHAR NOT NULL,
    label_nn VARCHAR,                 -- likewise
    label_en VARCHAR NOT NULL,
    sort_order INTEGER,
    PRIMARY KEY (dimension, code)
);

-- One row per published number, on the region codes valid at its period.
CREATE TABLE observation (
    indicator_id VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,       -- '' = total; else 'dim=code|dim=code'
    value DOUBLE,                     -- NULL exactly when status says why
    status VARCHAR NOT NULL,          -- '' or an SSB symbol: . .. ... : -
    qualifier VARCHAR NOT NULL,       -- '' | approx | gt | lt
    source_id VARCHAR,                -- NULL only for an expected period with no figure at all
    derived BOOLEAN NOT NULL,
    derivation VARCHAR,
    confidence VARCHAR NOT NULL,      -- H | M; '' for an expected period with no figure
    note VARCHAR,                     -- English, = note_en (kept for the runtime that reads it)
    note_nb VARCHAR,                  -- the note in bokmål, nynorsk and English (all or none)
    note_nn VARCHAR,
    note_en VARCHAR,
    derivation_nb VARCHAR,            -- the derivation likewise
    derivation_nn VARCHAR,
    derivation_en VARCHAR
);

-- Rows that lost to a higher-precedence source for the same key (ssb > import > curated).
-- Kept so that nothing is silently dropped.
CREATE TABLE observation_superseded AS SELECT * FROM observation WHERE false;

-- The same series on today's region codes: counts of merged places summed, rates recomputed.
CREATE TABLE observation_current AS SELECT *, false AS harmonised, '' AS original_codes FROM observation WHERE false;

CREATE TABLE series_break (
    region_code VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    changed_on DATE NOT NULL,
    kind VARCHAR NOT NULL,            -- split
    old_code VARCHAR NOT NULL
);

CREATE TABLE strategy (
    id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,            -- national | forerunner | municipal
    name_nb VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL,
    period_start INTEGER,
    period_end INTEGER,
    publication_code VARCHAR,
    published VARCHAR,
    owners_nb VARCHAR,
    source_publisher VARCHAR,
    source_title VARCHAR,
    source_url VARCHAR,
    note VARCHAR,
    name_nn VARCHAR
);

CREATE TABLE goal (
    strategy_id VARCHAR NOT NULL,
    goal_no INTEGER NOT NULL,
    text_nb VARCHAR NOT NULL,
    text_en VARCHAR NOT NULL,
    text_nn VARCHAR,
    PRIMARY KEY (strategy_id, goal_no)
);

CREATE TABLE priority_area (
    strategy_id VARCHAR NOT NULL,
    area_no INTEGER NOT NULL,
    goal_no INTEGER,
    kind VARCHAR,
    text_nb VARCHAR NOT NULL,
    text_en VARCHAR NOT NULL,
    text_nn VARCHAR,
    PRIMARY KEY (strategy_id, area_no)
);

CREATE TABLE target (
    strategy_id VARCHAR NOT NULL,
    target_no INTEGER NOT NULL,
    text_nb VARCHAR NOT NULL,
    text_en VARCHAR NOT NULL,
    indicator_id VARCHAR,
    target_value DOUBLE,
    direction VARCHAR,
    due INTEGER,
    text_nn VARCHAR,
    PRIMARY KEY (strategy_id, target_no)
);

CREATE TABLE goal_indicator (
    strategy_id VARCHAR NOT NULL,
    goal_no INTEGER NOT NULL,
    indicator_id VARCHAR NOT NULL,
    why VARCHAR
);

CREATE TABLE etl_run (
    run_id VARCHAR PRIMARY KEY,
    command VARCHAR NOT NULL,
    started VARCHAR NOT NULL,
    finished VARCHAR,
    status VARCHAR NOT NULL,          -- ok | failed | interrupted
    message VARCHAR,
    rows_json VARCHAR                 -- rows per source
);

-- What each published data version changed compared with the one it replaced (etl/changelog.py):
-- carried over from the previous warehouse at every publish, the new version added. Read by
-- /nytt and /nytt.atom.
CREATE TABLE data_release (
    data_version VARCHAR PRIMARY KEY,
    built_at VARCHAR NOT NULL,
    previous_version VARCHAR,         -- NULL: nothing to compare with (the first version recorded)
    command VARCHAR                   -- build | refresh | import
);

CREATE TABLE change_log (
    data_version VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,            -- etl/changelog.py CHANGE_KINDS: new_periods, changed_values, source_updated, ...
    indicator_id VARCHAR,             -- for the indicator kinds
    source_id VARCHAR,                -- for the source kinds
    label VARCHAR,                    -- a source's "publisher: title", as published
    url VARCHAR,                      -- a source's URL
    periods VARCHAR,                  -- comma-separated: the periods concerned
    figures INTEGER                   -- how many figures (observations with a value)
);
