-- Interned terms: every activity IRI and agent key a statement mentions gets
-- a small integer (rid) once, and the side tables hold (rid, seq, role) with
-- integer roles instead of the text: the indexes that every statement
-- inserts into at random places become a fraction of their size, so they
-- stay in the page cache and each commit rewrites fewer pages.
-- Roles (gateway/store/terms.c): activities object 1, parent 2, grouping 3,
-- category 4, other 5; agents actor 1, object 2, authority 3, context 4,
-- member 5; inside a SubStatement the same plus 8.
CREATE TABLE xapi_terms (
    rid  INTEGER PRIMARY KEY,
    term TEXT NOT NULL UNIQUE
);

CREATE TABLE xapi_statement_activity_rids (
    rid  INTEGER NOT NULL,
    seq  INTEGER NOT NULL,
    role INTEGER NOT NULL,
    PRIMARY KEY (rid, seq, role)
) WITHOUT ROWID;

CREATE TABLE xapi_statement_agent_rids (
    rid  INTEGER NOT NULL,
    seq  INTEGER NOT NULL,
    role INTEGER NOT NULL,
    PRIMARY KEY (rid, seq, role)
) WITHOUT ROWID;

INSERT INTO xapi_terms (term)
    SELECT activity_id FROM xapi_statement_activities
    UNION SELECT agent_key FROM xapi_statement_agents;

INSERT INTO xapi_statement_activity_rids (rid, seq, role)
    SELECT t.rid, a.seq,
           CASE a.role WHEN 'object' THEN 1 WHEN 'parent' THEN 2 WHEN 'grouping' THEN 3
                       WHEN 'category' THEN 4 WHEN 'other' THEN 5 WHEN 'sub_object' THEN 9
                       WHEN 'sub_parent' THEN 10 WHEN 'sub_grouping' THEN 11
                       WHEN 'sub_category' THEN 12 ELSE 13 END
    FROM xapi_statement_activities a JOIN xapi_terms t ON t.term = a.activity_id;

INSERT INTO xapi_statement_agent_rids (rid, seq, role)
    SELECT t.rid, g.seq,
           CASE g.role WHEN 'actor' THEN 1 WHEN 'object' THEN 2 WHEN 'authority' THEN 3
                       WHEN 'context' THEN 4 WHEN 'member' THEN 5 WHEN 'sub_actor' THEN 9
                       WHEN 'sub_object' THEN 10 WHEN 'sub_authority' THEN 11
                       WHEN 'sub_context' THEN 12 ELSE 13 END
    FROM xapi_statement_agents g JOIN xapi_terms t ON t.term = g.agent_key;

DROP TABLE xapi_statement_activities;
DROP TABLE xapi_statement_agents;

-- Attribution reads course_iris from memory; this counter tells every
-- connection (and every gateway instance) when its copy is stale.
CREATE TABLE course_iris_version (
    one     INTEGER PRIMARY KEY CHECK (one = 1),
    version INTEGER NOT NULL
);
INSERT INTO course_iris_version (one, version) VALUES (1, 1);
CREATE TRIGGER course_iris_ins AFTER INSERT ON course_iris
    BEGIN UPDATE course_iris_version SET version = version + 1; END;
CREATE TRIGGER course_iris_upd AFTER UPDATE ON course_iris
    BEGIN UPDATE course_iris_version SET version = version + 1; END;
CREATE TRIGGER course_iris_del AFTER DELETE ON course_iris
    BEGIN UPDATE course_iris_version SET version = version + 1; END;
-- the snapshot also maps courses to their departments
CREATE TRIGGER course_department_upd AFTER UPDATE OF department_id ON courses
    BEGIN UPDATE course_iris_version SET version = version + 1; END;

-- Only attributed statements are looked up by (course, learner): the rows of
-- unattributed ones (course_id '') stay out of that index, one random index
-- insert less per unattributed statement.
DROP INDEX kpi_statements_pair;
CREATE INDEX kpi_statements_pair ON kpi_statements (course_id, learner_key) WHERE course_id <> '';
