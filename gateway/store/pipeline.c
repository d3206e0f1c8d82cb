/* pipeline.c: loads the pipeline view's rows (gw/pipeline.h) in one read
 * transaction: every course with its department, request, author, the
 * current version's announcement mails and its newest publish job; the
 * undecided approvers of each course in review, with their due dates and the
 * latest escalation about each; and every request no course was created for
 * yet. What the rows mean at an instant is review/pipeline.c's. */
#include "gw/buf.h"
#include "gw/pipeline.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

static int64_t int_col(struct gw_db_rows *r, int col)
{
    return gw_db_col_null(r, col) ? 0 : gw_db_col_int(r, col);
}

static void copy_col(char *dst, size_t cap, struct gw_db_rows *r, int col)
{
    gw_copy_str(dst, cap, gw_db_col_null(r, col) ? "" : gw_db_col_text(r, col));
}

/* Grows *items by one zeroed item. */
static struct gw_pipeline_item *push(struct gw_pipeline_item **items, size_t *n, size_t *cap)
{
    *items = gw_xgrow(*items, *n, cap, sizeof **items);
    struct gw_pipeline_item *it = &(*items)[(*n)++];
    memset(it, 0, sizeof *it);
    return it;
}

/* The open round's undecided approvers of a course in review; the newest
 * escalation notice about each names whom it went to and when it fell due. */
static enum gw_qs load_approvers(struct gw_db *db, struct gw_pipeline_item *it,
                                 struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(it->id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT ra.person_id, ra.due_ms, ra.stalled, p.name, dp.name, ra.delegate_id, (SELECT "
        "ep.name FROM review_notices n JOIN people ep ON ep.id = n.recipient_id WHERE n.round_id "
        "= r.id AND n.approver_id = ra.person_id AND n.kind = 'escalation' ORDER BY "
        "n.scheduled_ms DESC LIMIT 1), (SELECT n.scheduled_ms FROM review_notices n WHERE "
        "n.round_id = r.id AND n.approver_id = ra.person_id AND n.kind = 'escalation' ORDER BY "
        "n.scheduled_ms DESC LIMIT 1), r.id FROM review_rounds r JOIN round_approvers ra ON "
        "ra.round_id = r.id JOIN people p ON p.id = ra.person_id LEFT JOIN people dp ON dp.id = "
        "ra.delegate_id WHERE r.course_id = $1 AND r.state = 'open' AND NOT EXISTS (SELECT 1 FROM "
        "review_decisions d WHERE d.round_id = r.id AND d.approver_id = ra.person_id) ORDER BY "
        "ra.position",
        p, 1, &r, NULL, err);
    size_t cap = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        it->approvers = gw_xgrow(it->approvers, it->n_approvers, &cap, sizeof *it->approvers);
        struct gw_pipeline_approver *a = &it->approvers[it->n_approvers++];
        memset(a, 0, sizeof *a);
        copy_col(a->person_id, sizeof a->person_id, r, 0);
        a->due_ms = int_col(r, 1);
        a->marked_stalled = int_col(r, 2) != 0;
        a->name = gw_db_col_dup(r, 3);
        a->delegate_name = gw_db_col_dup(r, 4);
        copy_col(a->delegate_id, sizeof a->delegate_id, r, 5);
        a->escalated_to = gw_db_col_dup(r, 6);
        a->escalated_ms = int_col(r, 7);
        if (!it->round_id[0])
            copy_col(it->round_id, sizeof it->round_id, r, 8);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
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

static enum gw_qs load_courses(struct gw_db *db, struct gw_pipeline *p, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, COURSES_SQL, NULL, 0, &r, NULL, err);
    size_t cap = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        struct gw_pipeline_item *it = push(&p->courses, &p->n_courses, &cap);
        copy_col(it->id, sizeof it->id, r, 0);
        it->title = gw_db_col_dup(r, 1);
        it->state = GW_COURSE_DRAFT;
        gw_course_state_parse(gw_db_col_text(r, 2), &it->state);
        it->since_ms = int_col(r, 3);
        it->department = gw_db_col_dup(r, 4);
        it->settings = gw_db_col_dup(r, 5);
        it->deadline_ms = int_col(r, 6);
        it->author_name = gw_db_col_dup(r, 7);
        it->business_case = gw_db_col_dup(r, 8);
        it->announce_sent = int_col(r, 9);
        it->announce_queued = int_col(r, 10);
        copy_col(it->department_id, sizeof it->department_id, r, 11);
        copy_col(it->request_id, sizeof it->request_id, r, 12);
        copy_col(it->author_id, sizeof it->author_id, r, 13);
        it->publish_error = gw_db_col_dup(r, 14);
        it->publish_attempts = int_col(r, 15);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    for (size_t i = 0; qs >= 0 && i < p->n_courses; i++) {
        if (p->courses[i].state == GW_COURSE_IN_REVIEW)
            qs = load_approvers(db, &p->courses[i], err);
    }
    return qs;
}

/* Requests no course was created for yet. */
static enum gw_qs load_requests(struct gw_db *db, struct gw_pipeline *p, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT rq.id, rq.title, rq.department_id, d.name, rq.created_ms, rq.deadline_ms, "
        "d.settings FROM course_requests rq JOIN departments d ON d.id = rq.department_id WHERE "
        "NOT EXISTS (SELECT 1 FROM courses c WHERE c.request_id = rq.id) ORDER BY rq.created_ms, "
        "rq.id",
        NULL, 0, &r, NULL, err);
    size_t cap = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        struct gw_pipeline_item *it = push(&p->requests, &p->n_requests, &cap);
        it->is_request = true;
        copy_col(it->id, sizeof it->id, r, 0);
        it->title = gw_db_col_dup(r, 1);
        copy_col(it->department_id, sizeof it->department_id, r, 2);
        it->department = gw_db_col_dup(r, 3);
        it->since_ms = int_col(r, 4);
        it->deadline_ms = int_col(r, 5);
        it->settings = gw_db_col_dup(r, 6);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs load_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct gw_pipeline *p = ud;
    gw_pipeline_free(p); /* a retried transaction starts again */
    enum gw_qs qs = load_courses(db, p, err);
    if (qs >= 0)
        qs = load_requests(db, p, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_pipeline_load(struct gw_store *s, struct gw_pipeline *out,
                                   struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    return gw_store_tx(s, GW_TX_READ, load_body, out, err);
}

static void item_free(struct gw_pipeline_item *it)
{
    free(it->title);
    free(it->department);
    free(it->author_name);
    free(it->settings);
    free(it->business_case);
    free(it->publish_error);
    for (size_t i = 0; i < it->n_approvers; i++) {
        free(it->approvers[i].name);
        free(it->approvers[i].delegate_name);
        free(it->approvers[i].escalated_to);
    }
    free(it->approvers);
}

void gw_pipeline_free(struct gw_pipeline *p)
{
    for (size_t i = 0; i < p->n_courses; i++)
        item_free(&p->courses[i]);
    for (size_t i = 0; i < p->n_requests; i++)
        item_free(&p->requests[i]);
    free(p->courses);
    free(p->requests);
    memset(p, 0, sizeof *p);
}
