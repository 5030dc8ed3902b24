-- Payment-data flows (issue 5): uploaded flows with their check report, the accepted
-- worker records with their amounts (R-AMT), the append-only *fruito* ledger, payment
-- batches (R-FLO-4), fruito declarations of the conguaglio route, and the offset code
-- issued with an authorisation.
-- Keep in step with ../postgres/0005_flows.sql: the schema-parity test compares them.

-- Conguaglio route (R-FLO-4): the code the employer uses to offset the benefit.
ALTER TABLE applications ADD COLUMN offset_code TEXT;
CREATE UNIQUE INDEX applications_offset_code ON applications (offset_code);

-- One row per upload. `processing` is the per-sender lock: the partial unique index lets
-- one flow per sender be checked and loaded at a time (a second one gets 409). A refused
-- flow keeps only this row with its report.
CREATE TABLE flows (
    id                TEXT PRIMARY KEY, -- UUIDv7
    sender            TEXT NOT NULL,    -- CFMittente of the header (or the uploader's username)
    uploaded_by       INTEGER NOT NULL REFERENCES users (id),
    received_at       TEXT NOT NULL,
    finished_at       TEXT,
    status            TEXT NOT NULL CHECK (status IN ('processing', 'accepted', 'refused')),
    format            TEXT NOT NULL CHECK (format IN ('xml', 'csv')),
    bytes             INTEGER NOT NULL,
    records           INTEGER NOT NULL DEFAULT 0,
    total_gross_cents INTEGER NOT NULL DEFAULT 0,
    total_net_cents   INTEGER NOT NULL DEFAULT 0,
    report            TEXT, -- JSON: the check report (summary, counts, findings, outcome)
    confirmation_note TEXT
);
CREATE UNIQUE INDEX flows_one_processing_per_sender ON flows (sender) WHERE status = 'processing';
CREATE INDEX flows_uploaded_by ON flows (uploaded_by, received_at);

CREATE TABLE payment_batches (
    id             TEXT PRIMARY KEY, -- UUIDv7
    message_id     TEXT NOT NULL UNIQUE,
    office_id      INTEGER NOT NULL REFERENCES offices (id),
    created_by     INTEGER NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL,
    execution_date TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('in_payment', 'paid')),
    records        INTEGER NOT NULL,
    total_cents    INTEGER NOT NULL,
    paid_at        TEXT,
    paid_by        INTEGER REFERENCES users (id)
);
CREATE INDEX payment_batches_office ON payment_batches (office_id, created_at);

-- An accepted worker record (worker, month, qualifiche) with its amounts in cents.
CREATE TABLE flow_records (
    id                   INTEGER PRIMARY KEY,
    flow_id              TEXT NOT NULL REFERENCES flows (id),
    line                 INTEGER NOT NULL,
    employer_id          INTEGER NOT NULL REFERENCES employers (id),
    matricola            TEXT NOT NULL,
    worker_cf            TEXT NOT NULL,
    worker_name          TEXT,
    month                TEXT NOT NULL, -- YYYY-MM
    qualifiche           TEXT NOT NULL, -- Qualifica1/2/3, e.g. '1FI'
    unit_code            TEXT NOT NULL,
    application_id       TEXT NOT NULL REFERENCES applications (id),
    authorisation_number TEXT NOT NULL,
    benefit              TEXT NOT NULL,
    iban                 TEXT NOT NULL,
    hours_centi          INTEGER NOT NULL,
    paid_hours_centi     INTEGER NOT NULL,
    hourly_wage          TEXT NOT NULL, -- decimal string, euro
    gross_cents          INTEGER NOT NULL,
    net_cents            INTEGER NOT NULL,
    addizionale_cents    INTEGER NOT NULL,
    capped               INTEGER NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('new', 'replacement')),
    replaces             INTEGER REFERENCES flow_records (id),
    state                TEXT NOT NULL CHECK (state IN ('accepted', 'deleted', 'replaced', 'in_payment', 'paid')),
    batch_id             TEXT REFERENCES payment_batches (id),
    state_changed_at     TEXT NOT NULL
);
CREATE INDEX flow_records_flow ON flow_records (flow_id, line);
CREATE INDEX flow_records_employer ON flow_records (employer_id, state);
CREATE INDEX flow_records_worker_month ON flow_records (worker_cf, month);
CREATE INDEX flow_records_application ON flow_records (application_id, state);
CREATE INDEX flow_records_batch ON flow_records (batch_id);

-- Fruito declarations of the conguaglio route (FIS and funds), one per upload per UP.
CREATE TABLE fruito_declarations (
    id             TEXT PRIMARY KEY, -- UUIDv7
    unit_id        INTEGER NOT NULL REFERENCES productive_units (id),
    submitted_by   INTEGER NOT NULL REFERENCES users (id),
    submitted_at   TEXT NOT NULL,
    lines          INTEGER NOT NULL,
    hours_centi    INTEGER NOT NULL
);
CREATE INDEX fruito_declarations_unit ON fruito_declarations (unit_id, submitted_at);

-- The fruito ledger: hours used per authorisation, worker and month. Append-only (the
-- triggers refuse UPDATE and DELETE): a deletion or replacement posts a negative entry.
CREATE TABLE fruito_ledger (
    id             INTEGER PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    worker_cf      TEXT NOT NULL,
    month          TEXT NOT NULL,
    hours_centi    INTEGER NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('flow', 'deletion', 'replacement', 'declaration')),
    flow_id        TEXT REFERENCES flows (id),
    record_id      INTEGER REFERENCES flow_records (id),
    declaration_id TEXT REFERENCES fruito_declarations (id),
    posted_at      TEXT NOT NULL
);
CREATE INDEX fruito_ledger_application ON fruito_ledger (application_id, worker_cf);

CREATE TRIGGER fruito_ledger_no_update BEFORE UPDATE ON fruito_ledger
BEGIN
    SELECT RAISE(ABORT, 'fruito_ledger is append-only');
END;
CREATE TRIGGER fruito_ledger_no_delete BEFORE DELETE ON fruito_ledger
BEGIN
    SELECT RAISE(ABORT, 'fruito_ledger is append-only');
END;
