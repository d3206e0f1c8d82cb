-- Statements whose filter-index rows and KPI rows are not written yet (see
-- the SQLite migration of the same number). The gateway writes PostgreSQL
-- inline (several instances share it), so this stays empty there; the table
-- exists so both schemas have the same shape.
CREATE TABLE xapi_index_pending (
    seq BIGINT PRIMARY KEY
);

-- The registration filter reads a side table written with the other index
-- rows (as on SQLite) instead of an index on xapi_statements.
CREATE TABLE xapi_statement_registrations (
    registration TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    PRIMARY KEY (registration, seq)
);
INSERT INTO xapi_statement_registrations (registration, seq)
    SELECT registration, seq FROM xapi_statements WHERE registration IS NOT NULL;
DROP INDEX xapi_statements_registration;
