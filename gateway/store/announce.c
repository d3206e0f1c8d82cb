/* announce.c: the launch announcement's persistence: queuing its notices in
 * the transaction that records a publish (gw_rv_announce_queue, called by
 * app/publish_jobs.c) and loading what it is made from (course, request,
 * department, the LMS link). The words are review/announce.c's; sending is
 * app/scheduler.c's, completing a sent one with its audit record
 * app/review_sched.c's. */
#include "gw/announce.h"
#include "gw/buf.h"
#include "gw/json.h"
#include "review_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_announcement_free(struct gw_announcement *a)
{
    if (!a)
        return;
    json_decref(a->business_case);
    gw_dept_settings_free(&a->dept);
    memset(a, 0, sizeof *a);
}

#define LOAD_SQL                                                                                   \
    "SELECT c.title, d.name, d.settings, rq.business_case, rq.deadline_ms, v.id, v.number, "       \
    "v.sha256, (SELECT l.course_url FROM course_lms l WHERE l.course_id = c.id AND l.version_id "  \
    "= v.id ORDER BY l.published_ms DESC LIMIT 1), CASE WHEN EXISTS (SELECT 1 FROM course_lms l "  \
    "WHERE l.course_id = c.id AND l.version_id = v.id) THEN 1 ELSE 0 END, CASE WHEN EXISTS "       \
    "(SELECT 1 FROM publish_jobs j JOIN course_versions w ON w.id = j.version_id WHERE "           \
    "j.course_id = c.id AND j.action = 'publish' AND j.state = 'done' AND w.number < v.number) "   \
    "THEN 1 ELSE 0 END FROM courses c JOIN departments d ON d.id = c.department_id LEFT JOIN "     \
    "course_requests rq ON rq.id = c.request_id JOIN course_versions v ON v.id = "                 \
    "COALESCE(NULLIF($2, ''), (SELECT l.version_id FROM course_lms l WHERE l.course_id = c.id "    \
    "AND l.retired_ms IS NULL ORDER BY l.published_ms DESC LIMIT 1), c.current_version_id) "       \
    "WHERE c.id = $1"

/* Loads a's facts; NONE when the course (or a version of it) is unknown. */
static enum gw_qs load(struct gw_db *db, const char *course_id, const char *version_id,
                       struct gw_announcement *a, struct gw_error *err)
{
    gw_announcement_free(a);
    struct gw_dbp p[] = {GW_P_TEXT(course_id), GW_P_TEXT(version_id ? version_id : "")};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, LOAD_SQL, p, 2, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(a->course_id, sizeof a->course_id, course_id);
        gw_copy_str(a->title, sizeof a->title, gw_db_col_text(r, 0));
        gw_copy_str(a->department, sizeof a->department, gw_db_col_text(r, 1));
        gw_dept_settings_read(gw_db_col_text(r, 2), &a->dept);
        const char *bc = gw_db_col_text(r, 3);
        a->business_case = bc ? json_loads(bc, 0, NULL) : NULL;
        gw_announce_plan_read(a->business_case, &a->plan);
        a->facts.deadline_ms = gw_db_col_int(r, 4);
        gw_copy_str(a->version_id, sizeof a->version_id, gw_db_col_text(r, 5));
        a->facts.version_number = gw_db_col_int(r, 6);
        gw_copy_str(a->sha256, sizeof a->sha256, gw_db_col_text(r, 7));
        gw_copy_str(a->link, sizeof a->link, gw_db_col_text(r, 8));
        a->on_lms = gw_db_col_int(r, 9) != 0;
        a->facts.updated = gw_db_col_int(r, 10) != 0;
        a->facts.title = a->title;
        a->facts.department = a->department;
        a->facts.link = a->link;
        a->facts.purpose = json_string_value(json_object_get(a->business_case, "problem"));
        a->facts.audience = json_string_value(json_object_get(a->business_case, "audience"));
        a->facts.mandatory = json_is_true(json_object_get(a->business_case, "mandatory"));
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_announce_queue(struct gw_db *db, const char *course_id, const char *version_id,
                                int64_t now_ms, struct gw_error *err)
{
    struct gw_announcement a = {0};
    enum gw_qs qs = load(db, course_id, version_id, &a, err);
    bool chat = a.plan.chat && (a.dept.slack_webhook || a.dept.teams_webhook);
    if (qs != GW_QS_ONE || (a.plan.n_recipients == 0 && !chat)) {
        gw_announcement_free(&a);
        return qs < 0 ? qs : GW_QS_ONE;
    }
    /* the notice hangs under the round that approved the version */
    struct gw_dbp p[] = {GW_P_TEXT(version_id)};
    struct gw_db_rows *r = NULL;
    char round_id[GW_ID_MAX] = "";
    qs = gw_db_query(db,
                     "SELECT id FROM review_rounds WHERE version_id = $1 ORDER BY number DESC "
                     "LIMIT 1",
                     p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE)
        gw_copy_str(round_id, sizeof round_id, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    if (qs >= 0 && !round_id[0]) { /* published without a round: nothing to hang it on */
        gw_announcement_free(&a);
        return GW_QS_ONE;
    }
    char key[GW_REVIEW_NOTICE_KEY_MAX];
    for (size_t i = 0; qs == GW_QS_ONE && i < a.plan.n_recipients; i++) {
        gw_announce_notice_key(key, round_id, version_id, (int)i);
        qs = gw_rv_notice_insert(db, key, round_id, "-", a.plan.recipients[i], "announcement",
                                 now_ms, 0, now_ms, NULL, err);
    }
    if (qs == GW_QS_ONE && chat) {
        gw_announce_notice_key(key, round_id, version_id, -1);
        qs = gw_rv_notice_insert(db, key, round_id, "-", NULL, "announcement", now_ms, 0, now_ms,
                                 NULL, err);
    }
    gw_announcement_free(&a);
    return qs < 0 ? qs : GW_QS_ONE;
}

struct get_ctx {
    const char *course_id, *version_id;
    struct gw_announcement *out;
};

static enum gw_qs get_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct get_ctx *c = ud;
    enum gw_qs qs = load(db, c->course_id, c->version_id, c->out, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "course", "no course %s with a version", c->course_id);
        return GW_QS_HARD;
    }
    return qs;
}

enum gw_err gw_store_announcement(struct gw_store *s, const char *course_id, const char *version_id,
                                  struct gw_announcement *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct get_ctx c = {course_id, version_id, out};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, get_body, &c, err);
    if (rc != GW_OK)
        gw_announcement_free(out);
    return rc;
}
