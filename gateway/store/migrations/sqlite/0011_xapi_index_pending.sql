-- Statements whose filter-index rows (xapi_statement_*_rids, xapi_activities)
-- and KPI rows are not written yet. When the gateway defers that work
-- (store/xapi_index.c, SQLite), the acknowledging transaction stores the
-- statement and its seq here; the writer thread indexes pending statements
-- in later, larger transactions and deletes their rows in the same
-- transaction, so a crash loses nothing: what is still listed here is
-- indexed after the restart.
CREATE TABLE xapi_index_pending (
    seq INTEGER PRIMARY KEY
);

-- The registration filter reads a side table written with the other index
-- rows instead of an index on xapi_statements: every statement inserted into
-- that index at a random place (registrations are UUIDs), which dirtied a
-- page per statement in the acknowledging transaction.
CREATE TABLE xapi_statement_registrations (
    registration TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    PRIMARY KEY (registration, seq)
) WITHOUT ROWID;
INSERT INTO xapi_statement_registrations (registration, seq)
    SELECT registration, seq FROM xapi_statements WHERE registration IS NOT NULL;
DROP INDEX xapi_statements_registration;
