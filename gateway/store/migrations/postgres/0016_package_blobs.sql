-- Package zips in the database (issue 17): with PostgreSQL, several gateways
-- share one database and no filesystem, so each zip is kept here once per
-- SHA-256, in chunks of at most 1 MiB (store/blobs.c). data_dir only holds
-- temporary files and a cache of zips written out for libzip and libcurl.
--
-- blob_chunks are written first, a few per transaction, by whoever uploads
-- the bytes (concurrent uploads of the same zip write the same rows: the
-- primary key makes the second a no-op). A blobs row says the chunks are
-- complete; it is inserted, after checking them, in the transaction that
-- inserts the package referring to it, and deleted with the chunks in the
-- transaction that deletes the last such package. Chunks without a blobs
-- row are an upload in progress or one that died: gw_blobs_sweep removes
-- them once they are old.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    chunks     INTEGER NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE blob_chunks (
    sha256     TEXT NOT NULL,
    seq        INTEGER NOT NULL, -- 0, 1, ...: bytes seq * 1 MiB onwards
    data       BYTEA NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (sha256, seq)
);
-- Zips are compressed already: keep the chunks out of line, uncompressed.
ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
