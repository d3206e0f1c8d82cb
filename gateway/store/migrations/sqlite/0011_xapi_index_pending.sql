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
