/* review_page.c: what the review page (GET /r/{token}) shows, loaded in one
 * read transaction into a typed struct gw_round_page: the round with its
 * approvers and decisions, the course request's business case, the version
 * under review with its package report's findings, what changed since the
 * last round, the people's names, who was asked and reminded when, and whose
 * approval was silence. Owns the SQL of that view; the words are
 * review/words.c's and the HTML api/review_link.c's. Read-only. */
#include "gw/buf.h"
#include "review_int.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_empty(const char *s)
{
    return gw_xstrdup(s ? s : "");
}

static char *bc_text(json_t *bc, const char *key)
{
    return dup_or_empty(json_string_value(json_object_get(bc, key)));
}

static void page_init(struct gw_round_page *p)
{
    memset(p, 0, sizeof *p);
    gw_review_round_init(&p->round, "", "", 0, NULL);
    p->mandatory = -1;
    p->effort_low_hours = p->effort_high_hours = -1;
}

void gw_round_page_free(struct gw_round_page *p)
{
    gw_review_round_free(&p->round);
    for (size_t i = 0; i < GW_REVIEW_MAX_APPROVERS; i++) {
        free(p->people[i].name);
        free(p->people[i].delegate_name);
    }
    char **strs[] = {&p->course_title, &p->department,   &p->problem,
                     &p->audience,     &p->reach,        &p->kpi,
                     &p->kpi_target,   &p->project_code, &p->communication_plan};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    json_decref(p->changes);
    json_decref(p->findings);
    page_init(p);
}

/* The request's business case: the JSON the API took, with the columns the
 * API parsed out of it (deadline, effort, project code). */
static void business_case(struct gw_round_page *p, struct gw_db_rows *rows, int col)
{
    const char *text = gw_db_col_text(rows, col);
    json_t *bc = text ? json_loads(text, 0, NULL) : NULL;
    p->problem = bc_text(bc, "problem");
    p->audience = bc_text(bc, "audience");
    p->reach = bc_text(bc, "reach");
    p->communication_plan = bc_text(bc, "communication_plan");
    p->kpi = bc_text(bc, "kpi");
    p->kpi_target = bc_text(bc, "kpi_target");
    json_t *m = json_object_get(bc, "mandatory");
    p->mandatory = json_is_boolean(m) ? json_is_true(m) : -1;
    json_decref(bc);
    p->deadline_ms = gw_db_col_int(rows, col + 1);
    if (!gw_db_col_null(rows, col + 2))
        p->effort_low_hours = gw_db_col_real(rows, col + 2);
    if (!gw_db_col_null(rows, col + 3))
        p->effort_high_hours = gw_db_col_real(rows, col + 3);
    p->project_code = dup_or_empty(gw_db_col_text(rows, col + 4));
}

static void report(struct gw_round_page *p, const char *text)
{
    json_t *rep = text ? json_loads(text, 0, NULL) : NULL;
    json_t *counts = json_object_get(rep, "counts");
    p->n_errors = json_integer_value(json_object_get(counts, "error"));
    p->n_warnings = json_integer_value(json_object_get(counts, "warning"));
    gw_copy_str(p->standard, sizeof p->standard,
                json_string_value(json_object_get(rep, "standard")));
    json_t *f = json_object_get(rep, "findings");
    p->findings = json_is_array(f) ? json_incref(f) : NULL;
    json_decref(rep);
}

static enum gw_qs load_main(struct gw_db *db, const char *round_id, struct gw_round_page *p,
                            struct gw_error *err)
{
    struct gw_dbp a[] = {GW_P_TEXT(round_id)};
    struct gw_db_rows *rows = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT r.number, r.changes, c.title, d.name, v.number, pk.report, q.business_case, "
        "q.deadline_ms, q.effort_low_hours, q.effort_high_hours, q.project_code FROM "
        "review_rounds r JOIN courses c ON c.id = r.course_id JOIN departments d ON d.id = "
        "c.department_id JOIN course_versions v ON v.id = r.version_id JOIN packages pk ON pk.id "
        "= v.package_id LEFT JOIN course_requests q ON q.id = c.request_id WHERE r.id = $1",
        a, 1, &rows, NULL, err);
    if (qs == GW_QS_ONE) {
        p->number = gw_db_col_int(rows, 0);
        const char *ch = gw_db_col_text(rows, 1);
        p->changes = ch ? json_loads(ch, 0, NULL) : NULL;
        p->course_title = dup_or_empty(gw_db_col_text(rows, 2));
        p->department = dup_or_empty(gw_db_col_text(rows, 3));
        p->version_number = gw_db_col_int(rows, 4);
        report(p, gw_db_col_text(rows, 5));
        business_case(p, rows, 6);
    }
    gw_db_rows_free(rows);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "round", "no approval round has the id '%s'", round_id);
        return GW_QS_HARD;
    }
    return qs;
}

static struct gw_round_page_person *person_of(struct gw_round_page *p, const char *approver_id)
{
    for (size_t i = 0; i < p->round.n_approvers; i++)
        if (strcmp(p->round.approvers[i].person_id, approver_id) == 0)
            return &p->people[i];
    return NULL;
}

static enum gw_qs load_names(struct gw_db *db, const char *round_id, struct gw_round_page *p,
                             struct gw_error *err)
{
    struct gw_dbp a[] = {GW_P_TEXT(round_id)};
    struct gw_db_rows *rows = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT ra.person_id, pa.name, pd.name FROM round_approvers ra "
                                "JOIN people pa ON pa.id = ra.person_id LEFT JOIN people pd ON "
                                "pd.id = ra.delegate_id WHERE ra.round_id = $1",
                                a, 1, &rows, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(rows)) {
        struct gw_round_page_person *pp = person_of(p, gw_db_col_text(rows, 0));
        if (!pp)
            continue;
        free(pp->name);
        free(pp->delegate_name);
        pp->name = gw_db_col_dup(rows, 1);
        pp->delegate_name = gw_db_col_dup(rows, 2);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(rows, err);
    gw_db_rows_free(rows);
    return qs;
}

/* Who was asked and reminded when: requests count once queued (the page may
 * open before the mail leaves), reminders once sent. */
static enum gw_qs load_notices(struct gw_db *db, const char *round_id, struct gw_round_page *p,
                               struct gw_error *err)
{
    struct gw_dbp a[] = {GW_P_TEXT(round_id)};
    struct gw_db_rows *rows = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT approver_id, kind, status, created_ms, sent_ms FROM review_notices WHERE "
        "round_id = $1 AND kind IN ('ask', 'reminder_before', 'reminder_due', "
        "'reminder_overdue')",
        a, 1, &rows, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(rows)) {
        struct gw_round_page_person *pp = person_of(p, gw_db_col_text(rows, 0));
        if (!pp)
            continue;
        bool sent = strcmp(gw_db_col_text(rows, 2), "sent") == 0;
        int64_t when = sent ? gw_db_col_int(rows, 4) : gw_db_col_int(rows, 3);
        if (strcmp(gw_db_col_text(rows, 1), "ask") == 0) {
            if (when > pp->asked_ms)
                pp->asked_ms = when;
        } else if (sent) {
            pp->reminders++;
            if (when > pp->reminded_ms)
                pp->reminded_ms = when;
        }
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(rows, err);
    gw_db_rows_free(rows);
    if (qs < 0)
        return qs;
    qs = gw_db_query(db,
                     "SELECT approver_id FROM review_decisions WHERE round_id = $1 AND kind = "
                     "'approve_on_silence'",
                     a, 1, &rows, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(rows)) {
        struct gw_round_page_person *pp = person_of(p, gw_db_col_text(rows, 0));
        if (pp)
            pp->silent = true;
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(rows, err);
    gw_db_rows_free(rows);
    return qs;
}

struct page_ctx {
    const char *round_id;
    struct gw_round_page *out;
};

static enum gw_qs page_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct page_ctx *c = ud;
    struct gw_round_page *p = c->out;
    gw_round_page_free(p); /* a retried transaction starts over */
    struct gw_rv_round_meta m;
    enum gw_qs qs = gw_rv_load_round(db, c->round_id, &p->round, &m, err);
    if (qs >= 0) {
        gw_copy_str(p->state, sizeof p->state, m.state);
        gw_copy_str(p->sha256, sizeof p->sha256, m.sha256);
        qs = load_main(db, c->round_id, p, err);
    }
    if (qs >= 0)
        qs = load_names(db, c->round_id, p, err);
    if (qs >= 0)
        qs = load_notices(db, c->round_id, p, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_round_page(struct gw_store *s, const char *round_id, struct gw_round_page *out,
                                struct gw_error *err)
{
    page_init(out);
    struct page_ctx c = {round_id, out};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, page_body, &c, err);
    if (rc != GW_OK)
        gw_round_page_free(out);
    return rc;
}
