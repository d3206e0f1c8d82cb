/* review_audit.c: reading the audit log (verbatim lines), the pipeline view
 * (the public delivery schedule), the link-signing key shared through the
 * database, publish jobs as JSON, and the scheduler's leadership (an advisory
 * lock on PostgreSQL, held on a dedicated connection). */
#include "gw/department.h"
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/timefmt.h"
#include "review_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- audit ---- */

struct audit_ctx {
    const char *course_id;
    json_t *lines;
    char head[65];
};

static enum gw_qs audit_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct audit_ctx *c = ud;
    json_decref(c->lines);
    c->lines = json_array();
    c->head[0] = '\0';
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1", NULL, 0,
                                &r, NULL, err);
    if (qs == GW_QS_ONE)
        gw_copy_str(c->head, sizeof c->head, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    struct gw_dbp p[] = {GW_P_TEXT(c->course_id)};
    qs = gw_db_query(db,
                     c->course_id ? "SELECT line FROM audit_log WHERE course_id = $1 ORDER BY seq"
                                  : "SELECT line FROM audit_log ORDER BY seq",
                     p, c->course_id ? 1 : 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        json_array_append_new(c->lines, json_string(gw_db_col_text(r, 0)));
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_audit_lines(struct gw_store *s, const char *course_id, json_t **lines,
                                 char head[65], struct gw_error *err)
{
    struct audit_ctx c = {course_id, NULL, ""};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, audit_body, &c, err);
    if (rc != GW_OK) {
        json_decref(c.lines);
        c.lines = NULL;
    }
    *lines = c.lines;
    memcpy(head, c.head, 65);
    return rc;
}

/* ---- pipeline ---- */

struct pipe_ctx {
    int64_t now_ms;
    json_t *out;
};

static enum gw_qs pipeline_holders(struct gw_db *db, const char *course_id, const char *settings,
                                   int64_t now_ms, json_t *item, struct gw_error *err)
{
    struct gw_dept_settings ds;
    gw_dept_settings_read(settings, &ds);
    const struct gw_review_schedule_settings set = ds.schedule;
    struct gw_dbp p[] = {GW_P_TEXT(course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT ra.person_id, ra.due_ms, ra.stalled, p.name, dp.name, ra.delegate_id FROM "
        "review_rounds r JOIN round_approvers ra ON ra.round_id = r.id JOIN people p ON p.id = "
        "ra.person_id LEFT JOIN people dp ON dp.id = ra.delegate_id WHERE r.course_id = $1 AND "
        "r.state = 'open' AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.round_id = "
        "r.id AND d.approver_id = ra.person_id) ORDER BY ra.position",
        p, 1, &r, NULL, err);
    json_t *held = json_object_get(item, "held_by");
    bool stalled = false;
    unsigned worst = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        int64_t due = gw_db_col_int(r, 1);
        bool st = gw_db_col_int(r, 2) != 0 || gw_review_is_stalled(&set, due, now_ms);
        unsigned over = gw_review_days_overdue(due, now_ms);
        stalled = stalled || st;
        worst = over > worst ? over : worst;
        json_array_append_new(held, json_pack("{s:s, s:o, s:o, s:o, s:I, s:b}", "person_id",
                                              gw_db_col_text(r, 0), "name",
                                              gw_json_str(gw_db_col_text(r, 3)), "delegate",
                                              gw_json_str(gw_db_col_text(r, 4)), "due",
                                              due > 0 ? json_integer(due) : json_null(),
                                              "days_overdue", (json_int_t)over, "stalled", st));
    }
    gw_db_rows_free(r);
    gw_dept_settings_free(&ds);
    json_object_set_new(item, "stalled", json_boolean(stalled));
    json_object_set_new(item, "days_overdue", json_integer(worst));
    return qs;
}

static enum gw_qs pipeline_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct pipe_ctx *c = ud;
    json_decref(c->out);
    c->out = json_array();
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT c.id, c.title, c.state, c.state_since_ms, d.name, d.settings, rq.deadline_ms, "
        "pa.name FROM courses c JOIN departments d ON d.id = c.department_id LEFT JOIN "
        "course_requests rq ON rq.id = c.request_id LEFT JOIN people pa ON pa.id = "
        "c.author_person_id ORDER BY c.created_ms, c.id",
        NULL, 0, &r, NULL, err);
    json_t *settings = json_object();
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        enum gw_course_state st = GW_COURSE_DRAFT;
        gw_course_state_parse(gw_db_col_text(r, 2), &st);
        int64_t since = gw_db_col_int(r, 3), deadline = gw_db_col_int(r, 6);
        char ts[32], dl[32] = "";
        gw_time_format_ms(since, ts);
        if (deadline > 0) {
            gw_time_format_ms(deadline, dl);
            dl[10] = '\0';
        }
        json_t *held = json_array();
        const char *holder = gw_course_state_holder(st);
        if (strcmp(holder, "author") == 0 && !gw_db_col_null(r, 7))
            json_array_append_new(held,
                                  json_pack("{s:o}", "name", gw_json_str(gw_db_col_text(r, 7))));
        json_t *item = json_pack(
            "{s:s, s:o, s:o, s:s, s:s, s:I, s:s, s:o, s:o, s:b, s:I}", "id", gw_db_col_text(r, 0),
            "title", gw_json_str(gw_db_col_text(r, 1)), "department",
            gw_json_str(gw_db_col_text(r, 4)), "state", gw_course_state_name(st), "state_since", ts,
            "days_in_state", (json_int_t)((c->now_ms - since) / GW_REVIEW_DAY_MS), "holder", holder,
            "held_by", held, "deadline", dl[0] ? json_string(dl) : json_null(), "stalled", 0,
            "days_overdue", (json_int_t)0);
        json_object_set_new(item, "late",
                            json_boolean(deadline > 0 && c->now_ms >= deadline + GW_REVIEW_DAY_MS &&
                                         st != GW_COURSE_PUBLISHED && st != GW_COURSE_RETIRED));
        json_array_append_new(c->out, item);
        if (st == GW_COURSE_IN_REVIEW)
            json_object_set_new(settings, gw_db_col_text(r, 0),
                                json_string(gw_db_col_text(r, 5) ? gw_db_col_text(r, 5) : "{}"));
    }
    gw_db_rows_free(r);
    size_t i;
    json_t *item;
    json_array_foreach(c->out, i, item)
    {
        const char *id = json_string_value(json_object_get(item, "id"));
        json_t *set = json_object_get(settings, id);
        if (qs >= 0 && set)
            qs = pipeline_holders(db, id, json_string_value(set), c->now_ms, item, err);
    }
    json_decref(settings);
    return qs;
}

enum gw_err gw_store_pipeline(struct gw_store *s, int64_t now_ms, json_t **out,
                              struct gw_error *err)
{
    struct pipe_ctx c = {now_ms, NULL};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, pipeline_body, &c, err);
    if (rc != GW_OK) {
        json_decref(c.out);
        c.out = NULL;
    }
    *out = c.out ? json_pack("{s:o}", "courses", c.out) : NULL;
    return rc;
}

/* ---- the link-signing key ---- */

struct key_ctx {
    char hex[65];
    int64_t now_ms;
};

static enum gw_qs key_read_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct key_ctx *c = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT secret FROM review_secrets WHERE name = 'link_key'",
                                NULL, 0, &r, NULL, err);
    gw_copy_str(c->hex, sizeof c->hex, qs == GW_QS_ONE ? gw_db_col_text(r, 0) : NULL);
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs key_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct key_ctx *c = ud;
    uint8_t fresh[32];
    char hex[65];
    if (!gw_random_bytes(fresh, sizeof fresh)) {
        gw_error_set(err, GW_E_REVIEW_TOKEN_KEY, "", "the system's randomness failed");
        return GW_QS_HARD;
    }
    gw_hex(fresh, sizeof fresh, hex);
    struct gw_dbp p[] = {GW_P_TEXT(hex), GW_P_INT(c->now_ms)};
    enum gw_qs qs = gw_db_query(db,
                                "INSERT INTO review_secrets (name, secret, created_ms) VALUES "
                                "('link_key', $1, $2) ON CONFLICT (name) DO NOTHING",
                                p, 2, NULL, NULL, err);
    if (qs < 0)
        return qs;
    struct gw_db_rows *r = NULL;
    qs = gw_db_query(db, "SELECT secret FROM review_secrets WHERE name = 'link_key'", NULL, 0, &r,
                     NULL, err);
    if (qs == GW_QS_ONE)
        gw_copy_str(c->hex, sizeof c->hex, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_review_key(struct gw_store *s, uint8_t key[32], struct gw_error *err)
{
    struct key_ctx c = {"", gw_time_now_ms()};
    /* read first: the key exists after the first use, and pages should not write */
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, key_read_body, &c, err);
    if (rc == GW_OK && !c.hex[0])
        rc = gw_store_tx(s, GW_TX_WRITE, key_body, &c, err);
    if (rc != GW_OK)
        return rc;
    if (strlen(c.hex) != 64)
        return gw_error_set(err, GW_E_REVIEW_TOKEN_KEY, "", "the stored link key is malformed");
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        sscanf(c.hex + 2 * i, "%2x", &v);
        key[i] = (uint8_t)v;
    }
    return GW_OK;
}

/* ---- publish jobs ---- */

struct jobs_ctx {
    const char *course_id;
    json_t *out;
};

static enum gw_qs jobs_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct jobs_ctx *c = ud;
    json_decref(c->out);
    c->out = json_array();
    struct gw_dbp p[] = {GW_P_TEXT(c->course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id, version_id, action, state, attempts, created_ms FROM "
                                "publish_jobs WHERE course_id = $1 ORDER BY created_ms, id",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        json_array_append_new(c->out, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "id",
                                                gw_db_col_text(r, 0), "version_id",
                                                gw_db_col_text(r, 1), "action",
                                                gw_db_col_text(r, 2), "state", gw_db_col_text(r, 3),
                                                "attempts", (json_int_t)gw_db_col_int(r, 4),
                                                "created_ms", (json_int_t)gw_db_col_int(r, 5)));
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_publish_jobs(struct gw_store *s, const char *course_id, json_t **out,
                                  struct gw_error *err)
{
    struct jobs_ctx c = {course_id, NULL};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, jobs_body, &c, err);
    if (rc != GW_OK) {
        json_decref(c.out);
        c.out = NULL;
    }
    *out = c.out;
    return rc;
}

/* ---- leadership ---- */

#define LEADER_LOCK_ID "7426117001" /* pg advisory lock key: the review scheduler */

struct gw_store_leader {
    struct gw_store *s;
    struct gw_db *db; /* PostgreSQL: the dedicated connection holding the lock */
    bool leader;
};

struct gw_store_leader *gw_store_leader_new(struct gw_store *s)
{
    struct gw_store_leader *l = gw_xcalloc(1, sizeof *l);
    l->s = s;
    return l;
}

bool gw_store_try_leader(struct gw_store_leader *l, struct gw_error *err)
{
    if (l->s->drv->dialect == GW_DIALECT_SQLITE)
        return true; /* one process owns a SQLite file */
    if (l->db && !l->db->drv->healthy(l->db)) {
        gw_db_disconnect(l->db); /* the session (and its lock) is gone */
        l->db = NULL;
        l->leader = false;
    }
    if (!l->db)
        l->db = l->s->drv->connect(l->s->dsn, &l->s->opt, err);
    if (!l->db)
        return false;
    struct gw_db_rows *r = NULL;
    /* while leader, this re-checks the session still answers (and the lock
     * is re-entrant within it: unlock once per success, so keep one) */
    enum gw_qs qs =
        l->leader ? l->db->drv->query(l->db, "SELECT true", NULL, 0, &r, NULL, err)
                  : l->db->drv->query(l->db, "SELECT pg_try_advisory_lock(" LEADER_LOCK_ID ")",
                                      NULL, 0, &r, NULL, err);
    bool got = qs == GW_QS_ONE && strcmp(l->db->drv->col_text(r, 0), "t") == 0;
    if (r)
        l->db->drv->rows_free(r);
    if (qs < 0) {
        gw_db_disconnect(l->db);
        l->db = NULL;
        got = false;
    }
    l->leader = got;
    return got;
}

void gw_store_leader_free(struct gw_store_leader *l)
{
    if (!l)
        return;
    if (l->db && l->leader) {
        /* release now, not when the server notices the session ended, so a
         * successor can take over at once */
        struct gw_error e;
        struct gw_db_rows *r = NULL;
        l->db->drv->query(l->db, "SELECT pg_advisory_unlock(" LEADER_LOCK_ID ")", NULL, 0, &r, NULL,
                          &e);
        if (r)
            l->db->drv->rows_free(r);
    }
    if (l->db)
        gw_db_disconnect(l->db);
    free(l);
}
