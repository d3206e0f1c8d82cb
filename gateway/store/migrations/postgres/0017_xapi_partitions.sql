-- Statements partitioned by month (issue 17): xapi_statements becomes
-- range-partitioned on stored_ms, one partition per UTC month
-- (xapi_statements_YYYYMM) plus xapi_statements_default for a statement
-- whose month has no partition yet (the server creates them ahead, see
-- store/xapi_retention.c; creating a month moves its rows out of the
-- default). A primary key of a partitioned table must contain the partition
-- key, so (seq, stored_ms) is the key, and ids stay unique over all time in
-- xapi_statement_ids, the statements' directory: id -> where the row is
-- (seq, stored_ms) and, for a voiding statement, its target. The insert
-- writes both in one statement. Directory rows outlive a dropped month, so
-- an id is never stored twice, archived or not. Side tables keep pointing at
-- statements by seq.

-- The sequence outlives the old table: new rows continue its numbering.
ALTER SEQUENCE xapi_statements_seq_seq OWNED BY NONE;
ALTER TABLE xapi_statements RENAME TO xapi_statements_old;

CREATE TABLE xapi_statements (
    seq           BIGINT NOT NULL DEFAULT nextval('xapi_statements_seq_seq'),
    id            TEXT NOT NULL,
    stored_ms     BIGINT NOT NULL,
    timestamp_ms  BIGINT NOT NULL,
    verb_id       TEXT NOT NULL,
    learner_key   TEXT,
    object_type   TEXT NOT NULL,
    object_id     TEXT,
    registration  TEXT,
    voided        BIGINT NOT NULL DEFAULT 0,
    voids_id      TEXT,
    authority_key TEXT NOT NULL,
    dedup_sig     TEXT,
    body          TEXT NOT NULL
) PARTITION BY RANGE (stored_ms);
ALTER SEQUENCE xapi_statements_seq_seq OWNED BY xapi_statements.seq;
CREATE TABLE xapi_statements_default PARTITION OF xapi_statements DEFAULT;

-- Adds the partition of month yyyymm (UTC) unless it exists: a plain table
-- takes the month's rows out of the default partition, then is attached
-- (its range CHECK spares the attach a scan). Returns whether it was added.
-- Callers serialize with the advisory lock 71420018 (two sessions creating
-- the same table at once would collide in the catalog).
CREATE FUNCTION xapi_statements_add_month(yyyymm INTEGER) RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
DECLARE
    start TIMESTAMPTZ := make_timestamptz(yyyymm / 100, yyyymm % 100, 1, 0, 0, 0, 'UTC');
    lo BIGINT := (extract(epoch FROM start) * 1000)::BIGINT;
    hi BIGINT := (extract(epoch FROM start + INTERVAL '1 month') * 1000)::BIGINT;
    part TEXT := 'xapi_statements_' || yyyymm::TEXT;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN FALSE;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE xapi_statements)', part);
    EXECUTE format('WITH m AS (DELETE FROM xapi_statements_default WHERE stored_ms >= %s AND '
                   'stored_ms < %s RETURNING *) INSERT INTO %I SELECT * FROM m', lo, hi, part);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (stored_ms >= %s AND stored_ms < %s)',
                   part, part || '_month', lo, hi);
    EXECUTE format('ALTER TABLE xapi_statements ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                   part, lo, hi);
    RETURN TRUE;
END;
$$;

-- The month (yyyymm, UTC) of a stored_ms.
CREATE FUNCTION xapi_month_of(ms BIGINT) RETURNS INTEGER
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(to_timestamp(ms / 1000.0) AT TIME ZONE 'UTC', 'YYYYMM')::INTEGER
$$;

-- The months that hold statements, and this one and the next two.
SELECT xapi_statements_add_month(m) FROM (
    SELECT DISTINCT xapi_month_of(stored_ms) AS m FROM xapi_statements_old
    UNION SELECT xapi_month_of((extract(epoch FROM now() + k * INTERVAL '1 month') * 1000)::BIGINT)
    FROM generate_series(0, 2) AS k
) months ORDER BY m;

INSERT INTO xapi_statements SELECT seq, id, stored_ms, timestamp_ms, verb_id, learner_key,
    object_type, object_id, registration, voided, voids_id, authority_key, dedup_sig, body
    FROM xapi_statements_old;

CREATE TABLE xapi_statement_ids (
    id        TEXT PRIMARY KEY,
    seq       BIGINT NOT NULL,
    stored_ms BIGINT NOT NULL,
    voids_id  TEXT  -- set on voiding statements: the target's id
);
INSERT INTO xapi_statement_ids (id, seq, stored_ms, voids_id)
    SELECT id, seq, stored_ms, voids_id FROM xapi_statements_old;
CREATE INDEX xapi_statement_ids_voids ON xapi_statement_ids (voids_id) WHERE voids_id IS NOT NULL;

DROP TABLE xapi_statements_old;

-- The indexes of 0002 but those on id and voids_id (the directory has them),
-- built once the rows are in.
ALTER TABLE xapi_statements ADD PRIMARY KEY (seq, stored_ms);
CREATE INDEX xapi_statements_stored ON xapi_statements (stored_ms);
CREATE INDEX xapi_statements_verb ON xapi_statements (verb_id, seq);
CREATE INDEX xapi_statements_ref ON xapi_statements (object_id) WHERE object_type = 'StatementRef';
CREATE INDEX xapi_statements_dedup ON xapi_statements (authority_key, dedup_sig)
    WHERE dedup_sig IS NOT NULL;

-- Months written out by 'lmsgw statements archive' (a JSON line per
-- statement): the file, how many statements, the file's SHA-256; dropped_ms
-- once 'lmsgw statements drop' removed the month.
CREATE TABLE xapi_archived_months (
    month       INTEGER PRIMARY KEY,  -- 202403
    file        TEXT NOT NULL,
    statements  BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    archived_ms BIGINT NOT NULL,
    dropped_ms  BIGINT
);

-- What dropped months contributed to the KPI state, folded per (course,
-- learner, UTC day) like kpi_learner_days, and the unattributed counts per
-- day: recomputing a learner (voiding, re-attribution) and 'lmsgw kpi
-- rebuild' start from these, since the statements behind them are gone.
CREATE TABLE kpi_archived_days (
    course_id    TEXT NOT NULL,
    learner_key  TEXT NOT NULL,
    day          BIGINT NOT NULL,
    month        BIGINT NOT NULL,
    statements   BIGINT NOT NULL,
    first_ms     BIGINT NOT NULL,
    complete_ms  BIGINT,
    passed       BIGINT NOT NULL,
    failed       BIGINT NOT NULL,
    best_score   DOUBLE PRECISION,
    rating_ms    BIGINT,
    rating_seq   BIGINT,
    rating       DOUBLE PRECISION,
    comments     BIGINT NOT NULL,
    PRIMARY KEY (course_id, learner_key, day)
);
CREATE TABLE kpi_archived_unattributed (
    day         BIGINT PRIMARY KEY,
    statements  BIGINT NOT NULL
);
