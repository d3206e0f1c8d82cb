-- The entities review, publishing and KPIs share: departments, people,
-- courses and the activity IRIs a course registers (KPI attribution).
CREATE TABLE departments (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    cost_center     TEXT NOT NULL DEFAULT '',
    head_person_id  TEXT,                 -- people.id; escalations go here
    settings        TEXT NOT NULL DEFAULT '{}', -- JSON: reminder/escalation policy, chargeback rates, chat webhooks
    created_ms      INTEGER NOT NULL
);

CREATE TABLE people (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL UNIQUE,
    department_id  TEXT REFERENCES departments (id),
    title          TEXT NOT NULL DEFAULT '',
    created_ms     INTEGER NOT NULL
);

CREATE TABLE courses (
    id              TEXT PRIMARY KEY,
    department_id   TEXT NOT NULL REFERENCES departments (id), -- the requesting department
    request_id      TEXT,                 -- the course request it was built for
    title           TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'draft',
    state_since_ms  INTEGER NOT NULL,
    created_ms      INTEGER NOT NULL
);
CREATE INDEX courses_department ON courses (department_id);

-- Activity IRIs registered for a course: the gateway's own IRI, ids from its
-- packages, and what its LMS connector reports. A statement is attributed to
-- the course whose IRI equals one of its activity ids or is its longest
-- prefix followed by '/', '?' or '#' (shared/kpi-definitions.md).
CREATE TABLE course_iris (
    iri         TEXT PRIMARY KEY,
    course_id   TEXT NOT NULL REFERENCES courses (id),
    source      TEXT NOT NULL,            -- gateway, package, lms, admin
    created_ms  INTEGER NOT NULL
);
CREATE INDEX course_iris_course ON course_iris (course_id);
