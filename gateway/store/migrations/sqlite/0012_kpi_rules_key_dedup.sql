-- The version of the KPI definitions (shared/kpi-definitions.md) the KPI
-- state was derived under. Version 2 reads a statement's score from
-- raw/min/max before scaled (Moodle's logstore_xapi rescales scaled to
-- -1..1). State already stored was derived under version 1: the row says so,
-- and the gateway rebuilds the KPI state from the statements the first time
-- it migrates a database whose version is older than its own
-- (gw_store_kpi_upgrade, store/kpi.c), and records the new version.
CREATE TABLE kpi_meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
-- A database without statements has nothing derived under version 1.
INSERT INTO kpi_meta (name, value)
    SELECT 'rule_version', CASE WHEN EXISTS (SELECT 1 FROM xapi_statements) THEN 1 ELSE 2 END;

-- Which members of an id-less statement make up a key's dedup signature
-- (gw/xapi.h, GW_XAPI_DEDUP_*), in canonical order. Keys made before this
-- migration keep the signature they had (registration included), except lms
-- keys: Moodle's logstore_xapi derives context.registration from the sending
-- PHP session, so its resends never matched; they get Moodle's default.
ALTER TABLE api_keys ADD COLUMN xapi_dedup_members TEXT NOT NULL
    DEFAULT 'actor,verb,object,result,registration,timestamp';
UPDATE api_keys SET xapi_dedup_members = 'actor,verb,object,result,timestamp' WHERE role = 'lms';
