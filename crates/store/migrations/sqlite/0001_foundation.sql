-- Foundation schema (issue 2): registry, users and delegations, sessions, applications,
-- counters, idempotency keys and the hash-chained audit log.
-- Keep in step with ../postgres/0001_foundation.sql: the schema-parity test compares them.
-- Types: instants are RFC 3339 TEXT (bound from Rust, never CURRENT_TIMESTAMP), civil dates
-- are TEXT 'YYYY-MM-DD', money is INTEGER cents, booleans INTEGER 0/1.

CREATE TABLE offices (
    id   INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE employers (
    id            INTEGER PRIMARY KEY,
    cf            TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    csc           TEXT NOT NULL,
    ateco         TEXT NOT NULL,
    edile_lapideo INTEGER NOT NULL DEFAULT 0,
    agricultural  INTEGER NOT NULL DEFAULT 0,
    fund_code     TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE employer_authorisation_codes (
    employer_id INTEGER NOT NULL REFERENCES employers (id),
    code        TEXT NOT NULL,
    PRIMARY KEY (employer_id, code)
);

CREATE TABLE matricole (
    id          INTEGER PRIMARY KEY,
    employer_id INTEGER NOT NULL REFERENCES employers (id),
    matricola   TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX matricole_employer ON matricole (employer_id);

-- Average workforce per semester by weekly contractual hours (input of R-LIM-5 and R-LIM-8).
-- Averages are fractional, so they are stored in hundredths of a worker.
CREATE TABLE employer_headcount (
    employer_id           INTEGER NOT NULL REFERENCES employers (id),
    semester              TEXT NOT NULL, -- '2025-S2'
    weekly_hours          INTEGER NOT NULL,
    avg_workers_hundredths INTEGER NOT NULL,
    PRIMARY KEY (employer_id, semester, weekly_hours)
);

CREATE TABLE productive_units (
    id                    INTEGER PRIMARY KEY,
    employer_id           INTEGER NOT NULL REFERENCES employers (id),
    name                  TEXT NOT NULL,
    address               TEXT NOT NULL,
    comune                TEXT NOT NULL,
    province              TEXT NOT NULL,
    working_days_per_week INTEGER NOT NULL CHECK (working_days_per_week IN (5, 6)),
    office_id             INTEGER NOT NULL REFERENCES offices (id)
);
CREATE INDEX productive_units_employer ON productive_units (employer_id);
CREATE INDEX productive_units_office ON productive_units (office_id);

CREATE TABLE workers (
    id                    INTEGER PRIMARY KEY,
    employer_id           INTEGER NOT NULL REFERENCES employers (id),
    unit_id               INTEGER NOT NULL REFERENCES productive_units (id),
    cf                    TEXT NOT NULL,
    surname               TEXT NOT NULL,
    name                  TEXT NOT NULL,
    hire_date             TEXT NOT NULL,
    qualifica             TEXT NOT NULL CHECK (qualifica IN ('operaio', 'impiegato', 'quadro', 'apprendista', 'dirigente')),
    weekly_hours          INTEGER NOT NULL CHECK (weekly_hours BETWEEN 1 AND 48),
    working_days_per_week INTEGER NOT NULL CHECK (working_days_per_week BETWEEN 1 AND 7),
    hourly_wage_cents     INTEGER NOT NULL CHECK (hourly_wage_cents >= 0),
    UNIQUE (employer_id, cf)
);
CREATE INDEX workers_unit ON workers (unit_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('employer_user', 'intermediary', 'operator', 'administrator')),
    employer_id   INTEGER REFERENCES employers (id),
    office_id     INTEGER REFERENCES offices (id),
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    CHECK ((role = 'employer_user') = (employer_id IS NOT NULL)),
    CHECK ((role = 'operator') = (office_id IS NOT NULL))
);

CREATE TABLE delegations (
    id              INTEGER PRIMARY KEY,
    intermediary_id INTEGER NOT NULL REFERENCES users (id),
    employer_id     INTEGER NOT NULL REFERENCES employers (id),
    valid_from      TEXT NOT NULL,
    valid_to        TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX delegations_intermediary ON delegations (intermediary_id);

-- The primary key is the SHA-256 of the token: a leaked table does not yield usable tokens.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('web', 'api')),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE applications (
    id                   TEXT PRIMARY KEY, -- UUIDv7
    employer_id          INTEGER NOT NULL REFERENCES employers (id),
    unit_id              INTEGER NOT NULL REFERENCES productive_units (id),
    benefit              TEXT NOT NULL,
    causale              TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    start_date           TEXT NOT NULL,
    end_date             TEXT NOT NULL,
    state                TEXT NOT NULL,
    ticket               TEXT UNIQUE,
    protocol_number      TEXT UNIQUE,
    submitted_at         TEXT,
    authorisation_number TEXT UNIQUE,
    decided_at           TEXT,
    decided_by           INTEGER REFERENCES users (id),
    motivation           TEXT,
    created_by           INTEGER NOT NULL REFERENCES users (id),
    snapshot             TEXT, -- immutable JSON of what was submitted (R-APP-6)
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    CHECK (start_date <= end_date)
);
CREATE INDEX applications_employer ON applications (employer_id);
CREATE INDEX applications_unit_state ON applications (unit_id, state);

CREATE TABLE application_workers (
    application_id   TEXT NOT NULL REFERENCES applications (id),
    worker_id        INTEGER NOT NULL REFERENCES workers (id),
    hours_requested  INTEGER NOT NULL CHECK (hours_requested > 0),
    hours_authorised INTEGER CHECK (hours_authorised >= 0),
    PRIMARY KEY (application_id, worker_id)
);
CREATE INDEX application_workers_worker ON application_workers (worker_id);

-- Human-readable numbers (protocol and authorisation per office and year, tickets per year),
-- allocated with an upsert inside the caller's transaction so a rolled-back submission
-- leaves no gap. `scope` is the office code, or '' for platform-wide sequences.
CREATE TABLE counters (
    kind       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    year       INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (kind, scope, year)
);

CREATE TABLE idempotency_keys (
    user_id         INTEGER NOT NULL REFERENCES users (id),
    idem_key        TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body   TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

-- Append-only, hash-chained: hash = SHA-256(prev_hash || canonical event text).
CREATE TABLE audit_events (
    seq                  INTEGER PRIMARY KEY,
    at                   TEXT NOT NULL,
    actor_user_id        INTEGER,
    on_behalf_of_employer INTEGER,
    action               TEXT NOT NULL,
    target_type          TEXT NOT NULL,
    target_id            TEXT NOT NULL,
    details              TEXT NOT NULL, -- JSON text, hashed byte for byte
    prev_hash            TEXT NOT NULL,
    hash                 TEXT NOT NULL
);

-- One row: the chain head. Appenders update it first, which serialises them (a row lock on
-- PostgreSQL, the single writer on SQLite), so two transactions never fork the chain.
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq  INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
