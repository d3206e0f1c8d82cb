-- Statements partitioned by month (issue 17) is PostgreSQL-only: a SQLite
-- gateway keeps every statement in one table, and 'lmsgw statements
-- archive|drop' refuse. The KPI code reads the baseline of dropped months on
-- both backends, so its (here always empty) tables exist here too.
CREATE TABLE kpi_archived_days (
    course_id    TEXT NOT NULL,
    learner_key  TEXT NOT NULL,
    day          INTEGER NOT NULL,
    month        INTEGER NOT NULL,
    statements   INTEGER NOT NULL,
    first_ms     INTEGER NOT NULL,
    complete_ms  INTEGER,
    passed       INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    best_score   REAL,
    rating_ms    INTEGER,
    rating_seq   INTEGER,
    rating       REAL,
    comments     INTEGER NOT NULL,
    PRIMARY KEY (course_id, learner_key, day)
);
CREATE TABLE kpi_archived_unattributed (
    day         INTEGER PRIMARY KEY,
    statements  INTEGER NOT NULL
);
