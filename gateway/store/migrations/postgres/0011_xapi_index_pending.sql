-- Statements whose filter-index rows and KPI rows are not written yet (see
-- the SQLite migration of the same number). The gateway writes PostgreSQL
-- inline (several instances share it), so this stays empty there; the table
-- exists so both schemas have the same shape.
CREATE TABLE xapi_index_pending (
    seq BIGINT PRIMARY KEY
);
