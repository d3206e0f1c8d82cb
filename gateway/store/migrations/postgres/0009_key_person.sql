-- An API key may belong to a person: an approver's key then decides (and
-- delegates) only as that person, so every API decision is attributable.
ALTER TABLE api_keys ADD COLUMN person_id TEXT;
