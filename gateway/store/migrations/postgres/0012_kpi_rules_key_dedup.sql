-- The version of the KPI definitions the KPI state was derived under, and
-- the members of a key's dedup signature (see the SQLite migration of the
-- same number for why).
CREATE TABLE kpi_meta (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
-- A database without statements has nothing derived under version 1.
INSERT INTO kpi_meta (name, value)
    SELECT 'rule_version', CASE WHEN EXISTS (SELECT 1 FROM xapi_statements) THEN 1 ELSE 2 END;

ALTER TABLE api_keys ADD COLUMN xapi_dedup_members TEXT NOT NULL
    DEFAULT 'actor,verb,object,result,registration,timestamp';
UPDATE api_keys SET xapi_dedup_members = 'actor,verb,object,result,timestamp' WHERE role = 'lms';
