-- Uploaded course packages: the zip is kept under data_dir/packages/<sha256>.zip,
-- its validation report here. Course versions (review) refer to packages.
CREATE TABLE packages (
    id          TEXT PRIMARY KEY,
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    filename    TEXT NOT NULL,
    standard    TEXT NOT NULL,
    valid       BIGINT NOT NULL,
    errors      BIGINT NOT NULL,
    warnings    BIGINT NOT NULL,
    report      TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX packages_sha256 ON packages (sha256);
CREATE INDEX packages_created ON packages (created_ms);
