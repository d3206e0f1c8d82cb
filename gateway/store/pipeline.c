/* pipeline.c: the pipeline view (GET /api/v1/pipeline, the public delivery
 * schedule), read in one transaction: every course with its state, holder,
 * due dates, escalations, stalled flags, the department's stall threshold
 * and, while it publishes or after it failed, the LMS's last message; and
 * every request no course was created for yet (state "requested"). */
#include "gw/announce.h"
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

/* ---- pipeline ---- */

struct pipe_ctx {
    int64_t now_ms;
    json_t *out;      /* the courses */
    json_t *requests; /* the requests without a course */
};

static json_t *time_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char ts[32];
    gw_time_format_ms(ms, ts);
    return json_string(ts);
}

/* The department's stall threshold: days past an approver's due date after
 * which a review is escalated and flagged (escalate_after_days; 0: never). */
static unsigned stall_after_days(const char *settings)
{
    struct gw_dept_settings ds;
    gw_dept_settings_read(settings, &ds);
    unsigned days = ds.schedule.escalate_after_days;
    gw_dept_settings_free(&ds);
    return days;
}

static enum gw_qs pipeline_holders(struct gw_db *db, const char *course_id, const char *settings,
                                   int64_t now_ms, json_t *item, struct gw_error *err)
{
    struct gw_dept_settings ds;
    gw_dept_settings_read(settings, &ds);
    const struct gw_review_schedule_settings set = ds.schedule;
    struct gw_dbp p[] = {GW_P_TEXT(course_id)};
    struct gw_db_rows *r = NULL;
    /* the latest escalation notice about each approver names whom it went to */
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT ra.person_id, ra.due_ms, ra.stalled, p.name, dp.name, ra.delegate_id, (SELECT "
        "ep.name FROM review_notices n JOIN people ep ON ep.id = n.recipient_id WHERE n.round_id "
        "= r.id AND n.approver_id = ra.person_id AND n.kind = 'escalation' ORDER BY "
        "n.scheduled_ms DESC LIMIT 1), (SELECT n.scheduled_ms FROM review_notices n WHERE "
        "n.round_id = r.id AND n.approver_id = ra.person_id AND n.kind = 'escalation' ORDER BY "
        "n.scheduled_ms DESC LIMIT 1), r.id FROM review_rounds r JOIN round_approvers ra ON "
        "ra.round_id "
        "= r.id JOIN people p ON p.id = ra.person_id LEFT JOIN people dp ON dp.id = "
        "ra.delegate_id WHERE r.course_id = $1 AND r.state = 'open' AND NOT EXISTS (SELECT 1 FROM "
        "review_decisions d WHERE d.round_id = r.id AND d.approver_id = ra.person_id) ORDER BY "
        "ra.position",
        p, 1, &r, NULL, err);
    json_t *held = json_object_get(item, "held_by");
    bool stalled = false;
    unsigned worst = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        /* the open round: a signed-in approver's review page is /review/{round} */
        if (!json_object_get(item, "round_id"))
            json_object_set_new(item, "round_id", json_string(gw_db_col_text(r, 8)));
        int64_t due = gw_db_col_int(r, 1);
        bool st = gw_db_col_int(r, 2) != 0 || gw_review_is_stalled(&set, due, now_ms);
        unsigned over = gw_review_days_overdue(due, now_ms);
        stalled = stalled || st;
        worst = over > worst ? over : worst;
        json_array_append_new(
            held, json_pack("{s:s, s:o, s:o, s:o, s:o, s:I, s:b, s:o, s:o}", "person_id",
                            gw_db_col_text(r, 0), "name", gw_json_str(gw_db_col_text(r, 3)),
                            "delegate", gw_json_str(gw_db_col_text(r, 4)), "delegate_id",
                            gw_json_str(gw_db_col_text(r, 5)), "due", time_or_null(due),
                            "days_overdue", (json_int_t)over, "stalled", st, "escalated_to",
                            gw_json_str(gw_db_col_text(r, 6)), "escalated_at",
                            time_or_null(gw_db_col_null(r, 7) ? 0 : gw_db_col_int(r, 7))));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_dept_settings_free(&ds);
    json_object_set_new(item, "stalled", json_boolean(stalled));
    json_object_set_new(item, "days_overdue", json_integer(worst));
    return qs;
}

/* The pipeline's word on the current version's launch announcement mail:
 * why none goes out, or how many of its mails were sent. buf holds it. */
static const char *announcement_words(const char *business_case, int64_t sent, int64_t queued,
                                      char buf[32])
{
    json_t *bc = business_case ? json_loads(business_case, 0, NULL) : NULL;
    struct gw_announce_plan plan;
    gw_announce_plan_read(bc, &plan);
    const char *why = gw_announce_no_mail_reason(&plan);
    const char *out = why;
    if (!why && queued == 0) {
        snprintf(buf, 32, "%zu recipients when published", plan.n_recipients);
        out = buf;
    } else if (!why) {
        snprintf(buf, 32, "mailed %lld of %lld", (long long)sent, (long long)queued);
        out = buf;
    }
    json_decref(bc);
    return out;
}

/* The deadline as "YYYY-MM-DD" or null, and whether it has passed (the day
 * after it began) for something not yet live. */
static void set_deadline(json_t *item, int64_t deadline, int64_t now_ms, bool done)
{
    char dl[32] = "";
    if (deadline > 0) {
        gw_time_format_ms(deadline, dl);
        dl[10] = '\0';
    }
    json_object_set_new(item, "deadline", dl[0] ? json_string(dl) : json_null());
    json_object_set_new(
        item, "late", json_boolean(deadline > 0 && now_ms >= deadline + GW_REVIEW_DAY_MS && !done));
}

/* While a course publishes or after its publish failed: the newest publish
 * job's attempts and the LMS's last message (null when none). */
static void set_publish(json_t *item, enum gw_course_state st, struct gw_db_rows *r, int col)
{
    bool show =
        st == GW_COURSE_APPROVED || st == GW_COURSE_PUBLISHING || st == GW_COURSE_PUBLISH_FAILED;
    json_object_set_new(item, "publish_error",
                        show ? gw_json_str(gw_db_col_text(r, col)) : json_null());
    json_object_set_new(
        item, "publish_attempts",
        json_integer(show && !gw_db_col_null(r, col + 1) ? gw_db_col_int(r, col + 1) : 0));
}

/* Columns: 0 id, 1 title, 2 state, 3 state_since_ms, 4 department name,
 * 5 settings, 6 deadline_ms, 7 author name, 8 business_case, 9-10 the
 * announcement's sent and queued mails, 11 department id, 12 request id,
 * 13 author id, 14-15 the newest publish job's last_error and attempts. */
static const char COURSES_SQL[] =
    "SELECT c.id, c.title, c.state, c.state_since_ms, d.name, d.settings, rq.deadline_ms, "
    "pa.name, rq.business_case, (SELECT COUNT(*) FROM review_notices n JOIN review_rounds rr "
    "ON rr.id = n.round_id WHERE rr.course_id = c.id AND rr.version_id = "
    "c.current_version_id AND n.kind = 'announcement' AND n.recipient_id IS NOT NULL AND "
    "n.status = 'sent'), (SELECT COUNT(*) FROM review_notices n JOIN review_rounds rr ON rr.id "
    "= n.round_id WHERE rr.course_id = c.id AND rr.version_id = c.current_version_id AND "
    "n.kind = 'announcement' AND n.recipient_id IS NOT NULL), c.department_id, c.request_id, "
    "c.author_person_id, (SELECT j.last_error FROM publish_jobs j WHERE j.course_id = c.id AND "
    "j.action = 'publish' ORDER BY j.created_ms DESC, j.id DESC LIMIT 1), (SELECT j.attempts "
    "FROM publish_jobs j WHERE j.course_id = c.id AND j.action = 'publish' ORDER BY "
    "j.created_ms DESC, j.id DESC LIMIT 1) FROM courses c JOIN departments d ON d.id = "
    "c.department_id LEFT JOIN course_requests rq ON rq.id = c.request_id LEFT JOIN people pa "
    "ON pa.id = c.author_person_id ORDER BY c.created_ms, c.id";

static json_t *course_item(struct gw_db_rows *r, int64_t now_ms, enum gw_course_state *st)
{
    *st = GW_COURSE_DRAFT;
    gw_course_state_parse(gw_db_col_text(r, 2), st);
    int64_t since = gw_db_col_int(r, 3);
    char ts[32], ann[32];
    gw_time_format_ms(since, ts);
    json_t *held = json_array();
    const char *holder = gw_course_state_holder(*st);
    if (strcmp(holder, "author") == 0 && !gw_db_col_null(r, 7))
        json_array_append_new(held, json_pack("{s:o, s:o}", "person_id",
                                              gw_json_str(gw_db_col_text(r, 13)), "name",
                                              gw_json_str(gw_db_col_text(r, 7))));
    json_t *item = json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:I, s:s, s:o, s:b, s:I, s:I}", "id",
        gw_db_col_text(r, 0), "title", gw_json_str(gw_db_col_text(r, 1)), "department",
        gw_json_str(gw_db_col_text(r, 4)), "department_id", gw_json_str(gw_db_col_text(r, 11)),
        "request_id", gw_json_str(gw_db_col_text(r, 12)), "state", gw_course_state_name(*st),
        "state_since", ts, "days_in_state", (json_int_t)((now_ms - since) / GW_REVIEW_DAY_MS),
        "holder", holder, "held_by", held, "stalled", 0, "days_overdue", (json_int_t)0,
        "stall_after_days", (json_int_t)stall_after_days(gw_db_col_text(r, 5)));
    set_deadline(item, gw_db_col_int(r, 6), now_ms,
                 *st == GW_COURSE_PUBLISHED || *st == GW_COURSE_RETIRED);
    json_object_set_new(item, "announcement",
                        json_string(announcement_words(gw_db_col_text(r, 8), gw_db_col_int(r, 9),
                                                       gw_db_col_int(r, 10), ann)));
    set_publish(item, *st, r, 14);
    return item;
}

static enum gw_qs pipeline_courses(struct gw_db *db, struct pipe_ctx *c, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, COURSES_SQL, NULL, 0, &r, NULL, err);
    json_t *settings = json_object();
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        enum gw_course_state st;
        json_array_append_new(c->out, course_item(r, c->now_ms, &st));
        if (st == GW_COURSE_IN_REVIEW)
            json_object_set_new(settings, gw_db_col_text(r, 0),
                                json_string(gw_db_col_text(r, 5) ? gw_db_col_text(r, 5) : "{}"));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
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

/* Requests no course was created for yet: the training team holds them. */
static enum gw_qs pipeline_requests(struct gw_db *db, struct pipe_ctx *c, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT rq.id, rq.title, rq.department_id, d.name, rq.created_ms, rq.deadline_ms, "
        "d.settings FROM course_requests rq JOIN departments d ON d.id = rq.department_id WHERE "
        "NOT EXISTS (SELECT 1 FROM courses c WHERE c.request_id = rq.id) ORDER BY rq.created_ms, "
        "rq.id",
        NULL, 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        int64_t since = gw_db_col_int(r, 4);
        char ts[32];
        gw_time_format_ms(since, ts);
        json_t *item = json_pack(
            "{s:s, s:o, s:o, s:o, s:s, s:s, s:I, s:s, s:[], s:b, s:I, s:I}", "id",
            gw_db_col_text(r, 0), "title", gw_json_str(gw_db_col_text(r, 1)), "department",
            gw_json_str(gw_db_col_text(r, 3)), "department_id", gw_json_str(gw_db_col_text(r, 2)),
            "state", "requested", "state_since", ts, "days_in_state",
            (json_int_t)((c->now_ms - since) / GW_REVIEW_DAY_MS), "holder", "training_team",
            "held_by", "stalled", 0, "days_overdue", (json_int_t)0, "stall_after_days",
            (json_int_t)stall_after_days(gw_db_col_text(r, 6)));
        set_deadline(item, gw_db_col_int(r, 5), c->now_ms, false);
        json_array_append_new(c->requests, item);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs pipeline_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct pipe_ctx *c = ud;
    json_decref(c->out);
    json_decref(c->requests);
    c->out = json_array();
    c->requests = json_array();
    enum gw_qs qs = pipeline_courses(db, c, err);
    if (qs >= 0)
        qs = pipeline_requests(db, c, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_pipeline(struct gw_store *s, int64_t now_ms, json_t **out,
                              struct gw_error *err)
{
    struct pipe_ctx c = {now_ms, NULL, NULL};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, pipeline_body, &c, err);
    if (rc != GW_OK) {
        json_decref(c.out);
        json_decref(c.requests);
        c.out = c.requests = NULL;
    }
    *out = c.out ? json_pack("{s:o, s:o}", "courses", c.out, "requests", c.requests) : NULL;
    return rc;
}
