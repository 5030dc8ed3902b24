-- Reference data (issue 3, point 3): versions published by administrators on top of the
-- built-in `crates/domain/data/reference.json`. Append-only: a version, once published, is
-- never changed (a correction is a new version with a later label).
-- Keep in step with ../postgres/0004_reference_versions.sql. JSON is TEXT on both backends.
CREATE TABLE reference_versions (
    id             INTEGER PRIMARY KEY,
    label          TEXT NOT NULL UNIQUE,
    effective_from TEXT NOT NULL,
    document       TEXT NOT NULL,
    published_by   INTEGER NOT NULL REFERENCES users (id),
    published_at   TEXT NOT NULL
);
CREATE INDEX reference_versions_effective ON reference_versions (effective_from);
