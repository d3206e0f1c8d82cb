/* The review wiring in-process: store operations and the scheduler driven by
 * a fake clock through gw_scheduler_tick (never sleeping), on SQLite and on
 * PostgreSQL (GW_TEST_PG). Rounds end to end: reminders on the right days,
 * escalation marking the item stalled, approve on silence only when agreed,
 * delegation, request changes and resubmission with the file diff, N of M,
 * single-use links, two approvers deciding at once, a restart between a
 * notice's insert and its send, the publish job queued exactly once, illegal
 * transitions naming the state, the audit chain. */
#include "gw/review_app.h"
#include "gw/course_view.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/packages.h"
#include "gw/pipeline.h"
#include "gw/review_store.h"
#include "gw/scheduler.h"
#include "gw/timefmt.h"
#include "gwtest.h"
#include "testsupport.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY GW_REVIEW_DAY_MS
#define HOUR 3600000LL

static struct gw_store *st;
static int64_t T0; /* Monday 2026-11-23 08:00 UTC */
static const struct gw_review_actor author_who = {.actor = "author", .via = "api"};

static int64_t date_ms(int y, unsigned m, unsigned d)
{
    return gw_days_from_civil(y, m, d) * DAY;
}

/* ---- a notifier that records ---- */
#define MAX_MAIL 512
struct recorder {
    pthread_mutex_t mu;
    int n;
    int fail; /* answer failure while set */
    char to[MAX_MAIL][128];
    char key[MAX_MAIL][256];
    char *text[MAX_MAIL];
    int chats;
    int chat_links; /* chat payloads that carried a personal link */
};
static struct recorder rec = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int rec_mail(void *ud, const char *to, const char *name, const char *subject,
                    const char *text, const char *key)
{
    struct recorder *r = ud;
    (void)name;
    (void)subject;
    pthread_mutex_lock(&r->mu);
    int rc = r->fail ? -1 : 0;
    if (!r->fail && r->n < MAX_MAIL) {
        snprintf(r->to[r->n], sizeof r->to[r->n], "%s", to);
        snprintf(r->key[r->n], sizeof r->key[r->n], "%s", key);
        r->text[r->n] = strdup(text);
        r->n++;
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

static int rec_chat(void *ud, const char *url, const json_t *payload, const char *key)
{
    struct recorder *r = ud;
    (void)url;
    (void)key;
    char *d = gw_json_dump(payload);
    pthread_mutex_lock(&r->mu);
    r->chats++;
    if (strstr(d, "/r/"))
        r->chat_links++;
    pthread_mutex_unlock(&r->mu);
    free(d);
    return 0;
}

static const struct gw_notifier notifier = {rec_mail, rec_chat, &rec};

static int mails_to(const char *email, const char *key_part)
{
    int n = 0;
    for (int i = 0; i < rec.n; i++)
        if (strcmp(rec.to[i], email) == 0 && (!key_part || strstr(rec.key[i], key_part)))
            n++;
    return n;
}

static int tick(int64_t now)
{
    struct gw_scheduler *s = gw_scheduler_new(st, NULL, "https://gw.example.com", &notifier);
    struct gw_tick_stats stats;
    struct gw_error e;
    enum gw_err rc = gw_scheduler_tick(s, now, &stats, &e);
    if (rc != GW_OK)
        fprintf(stderr, "  tick: %s\n", e.detail);
    gw_scheduler_free(s);
    return rc == GW_OK ? (int)stats.sent : -1;
}

/* ---- fixtures ---- */

static void person(const char *id, const char *dep)
{
    char email[128];
    snprintf(email, sizeof email, "%s@example.com", id);
    struct gw_person p = {.name = id, .email = email, .department_id = dep, .title = ""};
    snprintf(p.id, sizeof p.id, "%s", id);
    struct gw_error e;
    if (gw_app_person_create(st, &p, T0, &e) != GW_OK)
        fprintf(stderr, "  person %s: %s\n", id, e.detail);
}

static void department(const char *id, const char *head, const char *settings)
{
    struct gw_department d = {.name = id, .cost_center = "CC1", .settings = settings};
    snprintf(d.id, sizeof d.id, "%s", id);
    struct gw_error e;
    if (gw_app_department_create(st, &d, T0, &e) != GW_OK)
        fprintf(stderr, "  department %s: %s\n", id, e.detail);
    person(head, id);
    gw_app_department_update(st, id, NULL, head, &e);
}

/* A package whose report lists files "name:size:crc" (NULL-terminated). */
static void package(char id[37], bool valid, const char *const *files)
{
    json_t *fl = json_array();
    for (size_t i = 0; files[i]; i++) {
        char name[128];
        unsigned size = 0, crc = 0;
        sscanf(files[i], "%127[^:]:%u:%x", name, &size, &crc);
        char c[9];
        snprintf(c, sizeof c, "%08x", crc);
        json_array_append_new(fl, json_pack("{s:s, s:i, s:s, s:b}", "path", name, "size", size,
                                            "crc32", c, "directory", 0));
    }
    json_t *rep = json_pack("{s:o, s:[s, s], s:[], s:{s:i, s:i}, s:s}", "files", fl, "activity_ids",
                            "https://example.com/act/1", "ITEM 1", "findings", "counts", "error",
                            valid ? 0 : 1, "warning", 0, "standard", "scorm12");
    struct gw_package p = {0};
    gw_uuid_v4(p.id);
    memcpy(id, p.id, 37);
    snprintf(p.sha256, sizeof p.sha256, "%064d", 0);
    p.sha256[0] = valid ? 'a' : 'b';
    snprintf(p.filename, sizeof p.filename, "course.zip");
    snprintf(p.standard, sizeof p.standard, "scorm12");
    p.valid = valid;
    p.errors = valid ? 0 : 1;
    snprintf(p.uploaded_by, sizeof p.uploaded_by, "test");
    p.created_ms = T0;
    p.report = gw_json_dump(rep);
    struct gw_error e;
    if (gw_store_package_insert(st, &p, &e) != GW_OK)
        fprintf(stderr, "  package: %s\n", e.detail);
    free(p.report);
    json_decref(rep);
}

static const char *const FILES1[] = {"index.html:100:1", "a.js:50:2", "old.css:10:3", NULL};
static const char *const FILES2[] = {"index.html:120:9", "a.js:50:2", "new.css:10:4", NULL};

struct req_opts {
    const char *dep;
    const char *approvers[4];
    int64_t due[4];
    enum gw_review_policy_kind kind;
    unsigned required;
    bool silence;
    const char *agreed_by;
};

static bool request(const struct req_opts *o, char id[GW_ID_MAX], struct gw_error *e)
{
    struct gw_course_request r;
    memset(&r, 0, sizeof r);
    gw_uuid_v4(r.id);
    r.department_id = o->dep;
    r.title = "Safety basics";
    r.business_case = "{\"problem\":\"accidents\",\"audience\":\"all staff\",\"mandatory\":true,"
                      "\"kpi\":\"incidents\"}";
    r.deadline_ms = date_ms(2027, 3, 1);
    r.effort_low_hours = 40;
    r.effort_high_hours = 80;
    r.project_code = "P-1";
    r.policy.kind = o->kind;
    r.policy.required = o->required;
    r.policy.approve_on_silence = o->silence;
    if (o->agreed_by) {
        snprintf(r.policy.silence_agreed_by, sizeof r.policy.silence_agreed_by, "%s", o->agreed_by);
        r.policy.silence_agreed_ms = T0 - DAY;
    }
    for (size_t i = 0; i < 4 && o->approvers[i]; i++) {
        r.approvers[i].person_id = o->approvers[i];
        r.approvers[i].due_ms = o->due[i];
        r.n_approvers = i + 1;
    }
    snprintf(id, GW_ID_MAX, "%s", r.id);
    return gw_app_request_create(st, &r, T0, e) == GW_OK;
}

/* A course for o with a valid first version, submitted at `at`: fills the
 * course and round ids. */
static bool course_in_review(const struct req_opts *o, int64_t at, char course[GW_ID_MAX],
                             char round[GW_ID_MAX])
{
    char req[GW_ID_MAX], pkg[37];
    struct gw_error e;
    struct gw_version_result v;
    if (!request(o, req, &e)) {
        fprintf(stderr, "  request: %s\n", e.detail);
        return false;
    }
    package(pkg, true, FILES1);
    bool ok = gw_app_course_create(st, req, NULL, "author", "https://gw.example.com", &author_who,
                                   at, course, &e) == GW_OK &&
              gw_app_course_add_version(st, course, pkg, "https://gw.example.com", &author_who, at,
                                        &v, &e) == GW_OK &&
              gw_app_course_submit(st, course, &author_who, at, round, &e) == GW_OK;
    if (!ok)
        fprintf(stderr, "  course: %s\n", e.detail);
    else
        json_decref(v.changes);
    return ok;
}

static enum gw_err decide(const char *round, const char *actor, enum gw_review_decision_kind k,
                          const char *comment, int64_t now, struct gw_decide_result *res,
                          struct gw_error *e)
{
    struct gw_decide_request rq = {.round_id = round,
                                   .actor_id = actor,
                                   .kind = k,
                                   .comment = comment,
                                   .via = GW_REVIEW_VIA_API,
                                   .who = {.actor = actor, .via = "api"}};
    struct gw_decide_result local;
    return gw_app_review_decide(st, &rq, now, res ? res : &local, e);
}

static char state_buf[32];
static const char *course_state(const char *course)
{
    json_t *c = NULL;
    struct gw_error e;
    state_buf[0] = '\0';
    if (gw_api_course_json(st, course, T0, &c, &e) == GW_OK)
        snprintf(state_buf, sizeof state_buf, "%s", json_string_value(json_object_get(c, "state")));
    json_decref(c);
    return state_buf;
}

static size_t jobs(const char *course)
{
    struct gw_course_publish_job *j = NULL;
    size_t n = 0;
    struct gw_error e;
    gw_store_publish_jobs(st, course, &j, &n, &e);
    free(j);
    return n;
}

/* The round's notices as the tests read them: [{"key","kind","status",
 * "attempts","recipient_id","approver_id","scheduled_ms"}]. */
static json_t *notices(const char *round)
{
    struct gw_notice_item *it = NULL;
    size_t n = 0;
    struct gw_error e;
    json_t *l = json_array();
    if (gw_app_notices_list(st, round, &it, &n, &e) != GW_OK)
        fprintf(stderr, "  notices: %s\n", e.detail);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            l, json_pack("{s:s, s:s, s:s, s:I, s:o, s:s, s:I}", "key", it[i].key, "kind",
                         it[i].kind, "status", it[i].status, "attempts", (json_int_t)it[i].attempts,
                         "recipient_id",
                         it[i].recipient_id ? json_string(it[i].recipient_id) : json_null(),
                         "approver_id", it[i].approver_id, "scheduled_ms",
                         (json_int_t)it[i].scheduled_ms));
    gw_notice_items_free(it, n);
    return l;
}

/* The notice with kind for round (and recipient when not NULL): its
 * scheduled_ms, or -1; *count receives how many match. */
static int64_t notice(const char *round, const char *kind, const char *recipient, int *count)
{
    json_t *l = NULL;
    l = notices(round);
    int64_t at = -1;
    int n = 0;
    size_t i;
    json_t *o;
    json_array_foreach(l, i, o)
    {
        if (strcmp(json_string_value(json_object_get(o, "kind")), kind) != 0)
            continue;
        const char *r = json_string_value(json_object_get(o, "recipient_id"));
        if (recipient && (!r || strcmp(r, recipient) != 0))
            continue;
        n++;
        at = json_integer_value(json_object_get(o, "scheduled_ms"));
    }
    json_decref(l);
    if (count)
        *count = n;
    return at;
}

/* Whether course's audit line with action also holds every one of the
 * members given (JSON text such as "\"comment\":\"7 days overdue\""). */
static bool audit_line_has(const char *course, const char *action, const char *const *members,
                           size_t n)
{
    struct gw_audit_lines lines;
    struct gw_error e;
    bool found = false;
    if (gw_store_audit_lines(st, course, &lines, &e) == GW_OK) {
        char needle[96];
        snprintf(needle, sizeof needle, "\"action\":\"%s\"", action);
        for (size_t i = 0; i < lines.n && !found; i++) {
            bool all = strstr(lines.lines[i], needle) != NULL;
            for (size_t k = 0; all && k < n; k++)
                all = strstr(lines.lines[i], members[k]) != NULL;
            found = all;
        }
    }
    gw_audit_lines_free(&lines);
    return found;
}

static bool audit_has(const char *course, const char *action)
{
    return audit_line_has(course, action, NULL, 0);
}

/* ---- tests ---- */

static void test_round_all_approve(void)
{
    struct req_opts o = {.dep = "dep1", .approvers = {"ann", "bob"}};
    char course[GW_ID_MAX], round[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, course, round));
    CHECK_STR(course_state(course), "in_review");
    int before = rec.n;
    CHECK_INT(tick(T0 + HOUR), 2); /* the two asks */
    CHECK_INT(rec.n - before, 2);
    CHECK(mails_to("ann@example.com", round) == 1);
    CHECK(rec.n > 0 && strstr(rec.text[rec.n - 1], "https://gw.example.com/r/"));
    CHECK_INT(tick(T0 + 2 * HOUR), 0); /* never twice */

    struct gw_decide_result res;
    struct gw_error e;
    CHECK_INT(decide(round, "ann", GW_REVIEW_APPROVE, NULL, T0 + DAY, &res, &e), GW_OK);
    CHECK_INT(res.rec, GW_REVIEW_RECORDED);
    CHECK_INT(res.outcome, GW_REVIEW_OPEN);
    CHECK_STR(res.course_state, "in_review");
    CHECK_INT(decide(round, "ann", GW_REVIEW_APPROVE, NULL, T0 + DAY, &res, &e), GW_OK);
    CHECK_INT(res.rec, GW_REVIEW_ALREADY_RECORDED);
    CHECK_INT(decide(round, "ann", GW_REVIEW_REJECT, "no", T0 + DAY, &res, &e),
              GW_E_REVIEW_ALREADY_DECIDED);
    CHECK_INT(decide(round, "mallory", GW_REVIEW_APPROVE, NULL, T0 + DAY, &res, &e),
              GW_E_REVIEW_NOT_APPROVER);
    CHECK_INT(jobs(course), 0);
    CHECK_INT(decide(round, "bob", GW_REVIEW_APPROVE, "fine", T0 + DAY, &res, &e), GW_OK);
    CHECK_INT(res.outcome, GW_REVIEW_APPROVED);
    CHECK(res.job_queued);
    CHECK_STR(res.course_state, "approved");
    CHECK_STR(course_state(course), "approved");
    CHECK_INT(jobs(course), 1);
    CHECK_INT(decide(round, "bob", GW_REVIEW_APPROVE, "fine", T0 + DAY, &res, &e), GW_OK);
    CHECK(!res.job_queued);
    CHECK_INT(jobs(course), 1); /* exactly once */
    CHECK(audit_has(course, "publish.queued"));
    CHECK(audit_has(course, "decision.approve"));

    /* illegal transitions name the current state */
    char r2[GW_ID_MAX];
    CHECK_INT(gw_app_course_submit(st, course, &author_who, T0 + DAY, r2, &e),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK(strstr(e.detail, "approved") != NULL);
    char pkg[37];
    package(pkg, true, FILES2);
    struct gw_version_result v;
    CHECK_INT(gw_app_course_add_version(st, course, pkg, "https://gw.example.com", &author_who,
                                        T0 + DAY, &v, &e),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK(strstr(e.detail, "approved") != NULL);

    /* the course registered its IRIs: its own, the package's IRI, the SCORM id under it */
    json_t *c = NULL;
    REQUIRE(gw_api_course_json(st, course, T0 + DAY, &c, &e) == GW_OK);
    char *dump = gw_json_dump(json_object_get(c, "iris"));
    char own[200];
    snprintf(own, sizeof own, "https://gw.example.com/courses/%s", course);
    CHECK(strstr(dump, own) != NULL);
    CHECK(strstr(dump, "https://example.com/act/1") != NULL);
    CHECK(strstr(dump, "/ITEM%201") != NULL);
    free(dump);
    json_decref(c);
}

static void test_audit_chain(void)
{
    struct gw_audit_lines lines;
    char last[65];
    struct gw_error e;
    REQUIRE(gw_store_audit_lines(st, NULL, &lines, &e) == GW_OK);
    size_t n = lines.n;
    CHECK(n > 5);
    size_t bad = 0;
    CHECK_INT(gw_audit_verify((const char *const *)lines.lines, n, NULL, last, &bad, &e), GW_OK);
    CHECK_STR(last, lines.head);
    gw_audit_lines_free(&lines);
}

static void test_invalid_version_and_draft(void)
{
    struct req_opts o = {.dep = "dep1", .approvers = {"ann"}};
    char req[GW_ID_MAX], course[GW_ID_MAX], round[GW_ID_MAX], pkg[37];
    struct gw_error e;
    REQUIRE(request(&o, req, &e));
    REQUIRE(gw_app_course_create(st, req, "Draft course", NULL, "https://gw.example.com",
                                 &author_who, T0, course, &e) == GW_OK);
    CHECK_INT(gw_app_course_submit(st, course, &author_who, T0, round, &e),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK(strstr(e.detail, "draft") != NULL);
    package(pkg, false, FILES1);
    struct gw_version_result v;
    REQUIRE(gw_app_course_add_version(st, course, pkg, "https://gw.example.com", &author_who, T0,
                                      &v, &e) == GW_OK);
    CHECK_STR(v.state, "draft");
    CHECK_INT(gw_app_course_submit(st, course, &author_who, T0, round, &e),
              GW_E_REVIEW_VERSION_HAS_ERRORS);
    CHECK_INT(gw_app_course_add_version(st, course, pkg, "https://gw.example.com", &author_who, T0,
                                        &v, &e),
              GW_E_REVIEW_PACKAGE_USED);
    /* a version's package stays (the refusal comes before any zip is touched) */
    CHECK_INT(gw_app_package_delete(st, pkg, "/nonexistent", &e), GW_E_CONFLICT);
    CHECK_STR(e.where, "id");
    CHECK(strstr(e.detail, "a version's package stays") != NULL);
    struct gw_package kept;
    CHECK_INT(gw_store_package_get(st, pkg, &kept, &e), GW_OK);
    gw_package_clear(&kept);
}

static void test_reminders_and_escalation(void)
{
    /* due Wednesday 2026-12-02; defaults: remind before, on the day, every 2
     * business days after, escalate 7 days overdue, at 09:00 UTC */
    int64_t due = date_ms(2026, 12, 2);
    struct req_opts o = {.dep = "dep1", .approvers = {"ann", "bob"}, .due = {due, 0}};
    char course[GW_ID_MAX], round[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, course, round));
    for (int64_t t = T0; t < date_ms(2026, 12, 16); t += 6 * HOUR)
        REQUIRE(tick(t) >= 0);
    const int64_t nine = 9 * HOUR;
    int n = 0;
    CHECK_INT(notice(round, "reminder_before", "ann", &n), date_ms(2026, 12, 1) + nine);
    CHECK_INT(n, 1);
    CHECK_INT(notice(round, "reminder_due", "ann", &n), date_ms(2026, 12, 2) + nine);
    CHECK_INT(n, 1);
    /* overdue: 2nd business day after (Fri 4th), then the 4th (Tue 8th), ... */
    int64_t first_overdue = -1;
    json_t *l = NULL;
    struct gw_error e;
    l = notices(round);
    size_t i;
    json_t *x;
    int overdue = 0;
    json_array_foreach(l, i, x)
    {
        if (strcmp(json_string_value(json_object_get(x, "kind")), "reminder_overdue") == 0) {
            int64_t at = json_integer_value(json_object_get(x, "scheduled_ms"));
            if (first_overdue < 0 || at < first_overdue)
                first_overdue = at;
            overdue++;
        }
    }
    json_decref(l);
    CHECK_INT(first_overdue, date_ms(2026, 12, 4) + nine);
    CHECK(overdue >= 2);
    CHECK_INT(notice(round, "escalation", "head1", &n), date_ms(2026, 12, 9) + nine);
    CHECK_INT(n, 1);
    CHECK(mails_to("head1@example.com", "escalation") == 1);
    CHECK(audit_has(course, "notice.escalation"));
    const char *esc[] = {"\"actor\":\"system\"", "\"on_behalf_of\":\"ann\"",
                         "\"comment\":\"7 days overdue\""};
    CHECK(audit_line_has(course, "notice.escalation", esc, 3));
    /* bob has no due date: no reminders */
    int bobs = 0;
    notice(round, "reminder_due", "bob", &bobs);
    CHECK_INT(bobs, 0);
    /* every recorded notice was sent exactly once */
    l = notices(round);
    json_array_foreach(l, i, x)
    {
        CHECK_STR(json_string_value(json_object_get(x, "status")), "sent");
        CHECK_INT(json_integer_value(json_object_get(x, "attempts")), 1);
        CHECK_INT(mails_to("ann@example.com", json_string_value(json_object_get(x, "key"))) +
                      mails_to("head1@example.com", json_string_value(json_object_get(x, "key"))) +
                      mails_to("bob@example.com", json_string_value(json_object_get(x, "key"))),
                  1);
    }
    json_decref(l);
    /* the review page counts the reminders sent, and when the last one left */
    struct gw_round_page page;
    REQUIRE(gw_store_round_page(st, round, &page, &e) == GW_OK);
    CHECK(page.people[0].asked_ms > 0 && page.people[1].asked_ms > 0);
    CHECK_INT(page.people[0].reminders, 2 + overdue);
    CHECK(page.people[0].reminded_ms >= first_overdue);
    CHECK_INT(page.people[1].reminders, 0);
    CHECK_INT(page.people[1].reminded_ms, 0);
    CHECK(!page.people[0].silent);
    gw_round_page_free(&page);
    /* the pipeline shows it stalled, held by the approvers */
    struct gw_pipeline pl;
    REQUIRE(gw_store_pipeline_load(st, &pl, &e) == GW_OK);
    json_t *p = gw_pipeline_json(&pl, date_ms(2026, 12, 10));
    gw_pipeline_free(&pl);
    json_t *mine = NULL;
    json_array_foreach(json_object_get(p, "courses"), i, x)
    {
        if (strcmp(json_string_value(json_object_get(x, "id")), course) == 0)
            mine = x;
    }
    REQUIRE(mine != NULL);
    CHECK(json_is_true(json_object_get(mine, "stalled")));
    CHECK_STR(json_string_value(json_object_get(mine, "holder")), "approvers");
    CHECK_INT(json_array_size(json_object_get(mine, "held_by")), 2);
    CHECK_INT(json_integer_value(json_object_get(mine, "days_in_state")), 16);
    /* times are ISO 8601 UTC, not epoch milliseconds (issue 15) */
    json_t *h0 = json_array_get(json_object_get(mine, "held_by"), 0);
    CHECK_STR(json_string_value(json_object_get(h0, "due")), "2026-12-02T00:00:00.000Z");
    CHECK(
        json_is_null(json_object_get(json_array_get(json_object_get(mine, "held_by"), 1), "due")));
    CHECK(json_is_string(json_object_get(mine, "state_since")));
    json_decref(p);
}

static void test_silence_only_when_agreed(void)
{
    int64_t due = date_ms(2026, 11, 25);
    struct gw_error e;
    char req[GW_ID_MAX];
    struct req_opts bad = {.dep = "dep1", .approvers = {"ann"}, .due = {due}, .silence = true};
    CHECK(!request(&bad, req, &e));
    CHECK_INT(e.code, GW_E_REVIEW_POLICY_INVALID);

    struct req_opts agreed = {
        .dep = "dep1", .approvers = {"ann"}, .due = {due}, .silence = true, .agreed_by = "head1"};
    struct req_opts silent = {.dep = "dep1", .approvers = {"ann"}, .due = {due}};
    char c1[GW_ID_MAX], r1[GW_ID_MAX], c2[GW_ID_MAX], r2[GW_ID_MAX];
    REQUIRE(course_in_review(&agreed, T0, c1, r1));
    REQUIRE(course_in_review(&silent, T0, c2, r2));
    CHECK(tick(date_ms(2026, 11, 25) + 23 * HOUR) >= 0); /* the due day itself */
    CHECK_STR(course_state(c1), "in_review");
    CHECK(tick(date_ms(2026, 11, 26) + 60000) >= 0);
    CHECK_STR(course_state(c1), "approved");
    CHECK_INT(jobs(c1), 1);
    CHECK(audit_has(c1, "decision.approve_on_silence"));
    const char *sil[] = {"\"on_behalf_of\":\"ann\"", "\"comment\":\"1 days overdue\""};
    CHECK(audit_line_has(c1, "notice.approve_on_silence", sil, 2));
    CHECK(notice(r1, "approve_on_silence", NULL, NULL) >= 0);
    /* the review page tells the silence from an explicit approval */
    struct gw_round_page page;
    REQUIRE(gw_store_round_page(st, r1, &page, &e) == GW_OK);
    CHECK(page.round.closed);
    CHECK_STR(page.state, "approved");
    CHECK_INT(page.round.approvers[0].decision.kind, GW_REVIEW_APPROVE);
    CHECK(page.people[0].silent);
    gw_round_page_free(&page);
    /* without the agreement silence never approves */
    CHECK(tick(date_ms(2026, 12, 20)) >= 0);
    CHECK_STR(course_state(c2), "in_review");
    CHECK_INT(jobs(c2), 0);
    CHECK_INT(notice(r2, "approve_on_silence", NULL, NULL), -1);
}

/* Mails to email about round whose key names kind. */
static int mails_about(const char *email, const char *round, const char *kind)
{
    int n = 0;
    for (int i = 0; i < rec.n; i++)
        if (strcmp(rec.to[i], email) == 0 && strstr(rec.key[i], round) && strstr(rec.key[i], kind))
            n++;
    return n;
}

/* Issue 15: the approve-on-silence notice is recorded in the transaction that
 * closes the round; it must still be delivered, to the author and to every
 * approver, once. */
static void test_silence_notice_delivered(void)
{
    int64_t due = date_ms(2026, 11, 25);
    struct req_opts o = {.dep = "dep1",
                         .approvers = {"gil", "hal"},
                         .due = {due, due},
                         .silence = true,
                         .agreed_by = "head1"};
    char c[GW_ID_MAX], r[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, c, r));
    CHECK(tick(date_ms(2026, 11, 26) + 60000) >= 0);
    CHECK_STR(course_state(c), "approved");
    /* one per silent approver to the author, one to each approver */
    CHECK_INT(mails_about("author@example.com", r, "approve_on_silence"), 2);
    CHECK_INT(mails_about("gil@example.com", r, "approve_on_silence"), 1);
    CHECK_INT(mails_about("hal@example.com", r, "approve_on_silence"), 1);
    bool worded = false;
    for (int i = 0; i < rec.n; i++)
        if (strstr(rec.key[i], r) && strstr(rec.key[i], "approve_on_silence"))
            worded = strstr(rec.text[i], "counts as approval") != NULL;
    CHECK(worded);
    /* never twice */
    CHECK(tick(date_ms(2026, 11, 27) + 60000) >= 0);
    CHECK(tick(date_ms(2026, 12, 3) + 60000) >= 0);
    CHECK_INT(mails_about("author@example.com", r, "approve_on_silence"), 2);
    CHECK_INT(mails_about("gil@example.com", r, "approve_on_silence"), 1);
    CHECK_INT(mails_about("hal@example.com", r, "approve_on_silence"), 1);
    int sent = 0;
    CHECK(notice(r, "approve_on_silence", "gil", &sent) >= 0);
    CHECK_INT(sent, 1);
}

/* Issue 15: a silence reads as what it is in the round's JSON, not as an
 * explicit approval through the API. */
static void test_silence_shown_as_silence(void)
{
    int64_t due = date_ms(2026, 11, 25);
    struct req_opts o = {
        .dep = "dep1", .approvers = {"ivy"}, .due = {due}, .silence = true, .agreed_by = "head1"};
    char c[GW_ID_MAX], r[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, c, r));
    json_t *j = NULL;
    struct gw_error e;
    /* due, not yet recorded: already says silence, decided by nobody yet */
    REQUIRE(gw_api_round_json(st, r, date_ms(2026, 11, 26) + 1000, &j, &e) == GW_OK);
    json_t *a = json_array_get(json_object_get(j, "approvers"), 0);
    CHECK_STR(json_string_value(json_object_get(a, "status")), "approve_on_silence");
    CHECK_STR(json_string_value(json_object_get(a, "via")), "system");
    CHECK(json_is_null(json_object_get(a, "decided_by")));
    json_decref(j);
    CHECK(tick(date_ms(2026, 11, 26) + 60000) >= 0);
    CHECK_STR(course_state(c), "approved");
    REQUIRE(gw_api_round_json(st, r, date_ms(2026, 12, 1), &j, &e) == GW_OK);
    a = json_array_get(json_object_get(j, "approvers"), 0);
    CHECK_STR(json_string_value(json_object_get(a, "status")), "approve_on_silence");
    CHECK_STR(json_string_value(json_object_get(a, "via")), "system");
    CHECK_STR(json_string_value(json_object_get(a, "decided_by")), "system");
    const char *comment = json_string_value(json_object_get(a, "comment"));
    CHECK(comment && strstr(comment, "approve on silence agreed by head1"));
    CHECK_STR(json_string_value(json_object_get(j, "round_state")), "approved");
    json_decref(j);
}

static void test_delegation(void)
{
    struct req_opts o = {.dep = "dep1", .approvers = {"ann", "bob"}};
    char course[GW_ID_MAX], round[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, course, round));
    struct gw_error e;
    CHECK_INT(gw_app_review_delegate(st, round, "ann", "bob", &author_who, T0, &e),
              GW_E_REVIEW_DELEGATE_INVALID);
    CHECK_INT(gw_app_review_delegate(st, round, "ann", "nobody", &author_who, T0, &e),
              GW_E_REVIEW_REFERENCE_UNKNOWN);
    CHECK_INT(gw_app_review_delegate(st, round, "ann", "dan", &author_who, T0, &e), GW_OK);
    int n = 0;
    notice(round, "ask", "dan", &n);
    CHECK_INT(n, 1);
    CHECK(tick(T0 + HOUR) >= 0);
    CHECK(mails_to("dan@example.com", "ask_delegate") == 1);
    struct gw_decide_result res;
    CHECK_INT(decide(round, "dan", GW_REVIEW_APPROVE, NULL, T0 + HOUR, &res, &e), GW_OK);
    json_t *r = NULL;
    REQUIRE(gw_api_round_json(st, round, T0 + HOUR, &r, &e) == GW_OK);
    json_t *a0 = json_array_get(json_object_get(r, "approvers"), 0);
    CHECK_STR(json_string_value(json_object_get(a0, "person_id")), "ann");
    CHECK_STR(json_string_value(json_object_get(a0, "decided_by")), "dan");
    CHECK_STR(json_string_value(json_object_get(a0, "delegate_id")), "dan");
    json_decref(r);
    CHECK(audit_has(course, "round.delegated"));
    CHECK_INT(decide(round, "bob", GW_REVIEW_APPROVE, NULL, T0 + HOUR, &res, &e), GW_OK);
    CHECK_STR(res.course_state, "approved");
}

static void test_changes_and_resubmit(void)
{
    struct req_opts o = {.dep = "dep1", .approvers = {"ann", "bob"}};
    char course[GW_ID_MAX], round[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, course, round));
    struct gw_error e;
    struct gw_decide_result res;
    CHECK_INT(decide(round, "bob", GW_REVIEW_REQUEST_CHANGES, "  ", T0, &res, &e),
              GW_E_REVIEW_COMMENT_REQUIRED);
    CHECK_INT(decide(round, "bob", GW_REVIEW_REQUEST_CHANGES, "fix slide 3", T0, &res, &e), GW_OK);
    CHECK_INT(res.outcome, GW_REVIEW_CHANGES_REQUESTED);
    CHECK_STR(course_state(course), "changes_requested");
    int n = 0;
    notice(round, "changes_requested", "author", &n);
    CHECK_INT(n, 1);
    CHECK(tick(T0 + HOUR) >= 0);
    CHECK(mails_to("author@example.com", round) == 1);
    CHECK_INT(decide(round, "ann", GW_REVIEW_APPROVE, NULL, T0, &res, &e),
              GW_E_REVIEW_ROUND_CLOSED);
    /* a new version: what changed */
    char pkg[37];
    package(pkg, true, FILES2);
    struct gw_version_result v;
    REQUIRE(gw_app_course_add_version(st, course, pkg, "https://gw.example.com", &author_who,
                                      T0 + DAY, &v, &e) == GW_OK);
    CHECK_STR(v.state, "validated");
    CHECK_INT(v.number, 2);
    char *d = gw_json_dump(v.changes);
    CHECK(strstr(d, "\"added\":[\"new.css\"]") != NULL);
    CHECK(strstr(d, "\"removed\":[\"old.css\"]") != NULL);
    CHECK(strstr(d, "index.html") != NULL);
    free(d);
    json_decref(v.changes);
    char round2[GW_ID_MAX];
    REQUIRE(gw_app_course_submit(st, course, &author_who, T0 + DAY, round2, &e) == GW_OK);
    struct gw_round_page page;
    REQUIRE(gw_store_round_page(st, round2, &page, &e) == GW_OK);
    CHECK_STR(json_string_value(json_object_get(page.changes, "summary")),
              "1 file added, 1 removed, 1 changed");
    CHECK_INT(page.number, 2);
    CHECK_INT(page.version_number, 2);
    CHECK_INT(page.round.n_approvers, 2);
    CHECK_STR(page.state, "open");
    CHECK(page.people[0].name && page.people[0].asked_ms > 0);
    gw_round_page_free(&page);
    CHECK_INT(gw_store_round_page(st, "no-such-round", &page, &e), GW_E_NOT_FOUND);
    gw_round_page_free(&page);
    CHECK_INT(decide(round2, "ann", GW_REVIEW_APPROVE, NULL, T0 + DAY, &res, &e), GW_OK);
    CHECK_INT(decide(round2, "bob", GW_REVIEW_APPROVE, NULL, T0 + DAY, &res, &e), GW_OK);
    CHECK_STR(res.course_state, "approved");
    CHECK_INT(jobs(course), 1);
}

static void test_new_version_supersedes(void)
{
    struct req_opts o = {.dep = "dep1", .approvers = {"ann"}};
    char course[GW_ID_MAX], round[GW_ID_MAX], pkg[37];
    REQUIRE(course_in_review(&o, T0, course, round));
    package(pkg, true, FILES2);
    struct gw_version_result v;
    struct gw_error e;
    REQUIRE(gw_app_course_add_version(st, course, pkg, "https://gw.example.com", &author_who, T0,
                                      &v, &e) == GW_OK);
    json_decref(v.changes);
    CHECK_STR(v.closed_round, round);
    CHECK_STR(v.state, "validated");
    struct gw_decide_result res;
    CHECK_INT(decide(round, "ann", GW_REVIEW_APPROVE, NULL, T0, &res, &e),
              GW_E_REVIEW_ROUND_CLOSED);
    CHECK(audit_has(course, "round.closed"));
    /* the closed round's ask is moot: skipped, not sent */
    int before = mails_to("ann@example.com", round);
    CHECK(tick(T0 + HOUR) >= 0);
    CHECK_INT(mails_to("ann@example.com", round), before);
    char round2[GW_ID_MAX];
    REQUIRE(gw_app_course_submit(st, course, &author_who, T0, round2, &e) == GW_OK);
    CHECK(strcmp(round, round2) != 0);
}

static void test_n_of_m(void)
{
    struct req_opts o = {.dep = "dep1",
                         .approvers = {"ann", "bob", "cat"},
                         .kind = GW_REVIEW_POLICY_N_OF_M,
                         .required = 2};
    char course[GW_ID_MAX], round[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, course, round));
    struct gw_error e;
    struct gw_decide_result res;
    CHECK_INT(decide(round, "ann", GW_REVIEW_APPROVE, NULL, T0, &res, &e), GW_OK);
    CHECK_INT(res.outcome, GW_REVIEW_OPEN);
    CHECK_INT(decide(round, "cat", GW_REVIEW_APPROVE, NULL, T0, &res, &e), GW_OK);
    CHECK_INT(res.outcome, GW_REVIEW_APPROVED);
    CHECK_INT(jobs(course), 1);
    CHECK_INT(decide(round, "bob", GW_REVIEW_APPROVE, NULL, T0, &res, &e),
              GW_E_REVIEW_ROUND_CLOSED);
    char req[GW_ID_MAX];
    struct req_opts bad = {
        .dep = "dep1", .approvers = {"ann"}, .kind = GW_REVIEW_POLICY_N_OF_M, .required = 2};
    CHECK(!request(&bad, req, &e));
    CHECK_INT(e.code, GW_E_REVIEW_POLICY_INVALID);
}

static void test_link_nonce_single_use(void)
{
    struct req_opts o = {.dep = "dep1", .approvers = {"ann", "bob"}};
    char course[GW_ID_MAX], round[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, course, round));
    uint8_t k1[32], k2[32];
    struct gw_error e;
    REQUIRE(gw_store_review_key(st, k1, &e) == GW_OK);
    REQUIRE(gw_store_review_key(st, k2, &e) == GW_OK);
    CHECK(memcmp(k1, k2, 32) == 0); /* one key, shared */
    struct gw_decide_request rq = {.round_id = round,
                                   .actor_id = "ann",
                                   .kind = GW_REVIEW_REQUEST_CHANGES,
                                   .via = GW_REVIEW_VIA_LINK,
                                   .nonce = "0123456789abcdef0123456789abcdef",
                                   .who = {.actor = "ann", .via = "link"}};
    struct gw_decide_result res;
    /* a refused decision does not use the link up */
    CHECK_INT(gw_app_review_decide(st, &rq, T0, &res, &e), GW_E_REVIEW_COMMENT_REQUIRED);
    bool used = true;
    CHECK_INT(gw_store_review_nonce_used(st, rq.nonce, &used, &e), GW_OK);
    CHECK(!used);
    rq.kind = GW_REVIEW_APPROVE;
    CHECK_INT(gw_app_review_decide(st, &rq, T0, &res, &e), GW_OK);
    CHECK_INT(gw_app_review_decide(st, &rq, T0, &res, &e), GW_E_REVIEW_TOKEN_USED);
    CHECK_INT(gw_err_lookup(GW_E_REVIEW_TOKEN_USED)->http_status, 410);
    CHECK(audit_has(course, "decision.approve"));
}

struct racer {
    const char *round, *who;
    int64_t now;
    enum gw_err rc;
    bool job;
};

static void *race(void *ud)
{
    struct racer *r = ud;
    struct gw_decide_result res = {0};
    struct gw_error e;
    r->rc = decide(r->round, r->who, GW_REVIEW_APPROVE, NULL, r->now, &res, &e);
    r->job = res.job_queued;
    if (r->rc != GW_OK)
        fprintf(stderr, "  race %s: %s\n", r->who, e.detail);
    return NULL;
}

static void test_two_approvers_same_instant(void)
{
    for (int k = 0; k < 4; k++) {
        struct req_opts o = {.dep = "dep1", .approvers = {"ann", "bob"}};
        char course[GW_ID_MAX], round[GW_ID_MAX];
        REQUIRE(course_in_review(&o, T0, course, round));
        struct racer a = {round, "ann", T0 + HOUR, GW_OK, false};
        struct racer b = {round, "bob", T0 + HOUR, GW_OK, false};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, race, &a);
        pthread_create(&tb, NULL, race, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        CHECK_INT(a.rc, GW_OK);
        CHECK_INT(b.rc, GW_OK);
        CHECK_STR(course_state(course), "approved");
        CHECK_INT(jobs(course), 1);
        CHECK_INT((int)a.job + (int)b.job, 1);
    }
    test_audit_chain(); /* concurrent appends kept the chain */
}

static void test_restart_between_insert_and_send(void)
{
    int64_t due = date_ms(2026, 11, 26); /* Thursday: reminder_before Wed 25th 09:00 */
    struct req_opts o = {.dep = "dep1", .approvers = {"eve"}, .due = {due}};
    char course[GW_ID_MAX], round[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, course, round));
    int64_t at = date_ms(2026, 11, 25) + 10 * HOUR;
    /* instance 1 records the due reminder, then "crashes" before sending */
    struct gw_scheduler *s1 = gw_scheduler_new(st, NULL, "https://gw.example.com", &notifier);
    struct gw_tick_stats stats = {0};
    struct gw_error e;
    CHECK_INT(gw_scheduler_plan(s1, at, &stats, &e), GW_OK);
    CHECK_INT(stats.recorded, 1);
    gw_scheduler_free(s1);
    CHECK_INT(mails_to("eve@example.com", NULL), 0);
    /* instance 2 starts: plans nothing new, sends what is pending, once */
    struct gw_scheduler *s2 = gw_scheduler_new(st, NULL, "https://gw.example.com", &notifier);
    CHECK_INT(gw_scheduler_tick(s2, at + 60000, &stats, &e), GW_OK);
    CHECK_INT(stats.recorded, 0);
    CHECK_INT(mails_to("eve@example.com", "reminder_before"), 1);
    CHECK_INT(mails_to("eve@example.com", "/ask/"), 1);
    CHECK_INT(gw_scheduler_tick(s2, at + 120000, &stats, &e), GW_OK);
    CHECK_INT(stats.sent, 0);
    CHECK_INT(mails_to("eve@example.com", "reminder_before"), 1);
    gw_scheduler_free(s2);
    /* a crash in the middle of a send (claimed, never completed): not resent */
    CHECK(tick(date_ms(2026, 11, 26) + 8 * HOUR) >= 0);
    struct gw_scheduler *s3 = gw_scheduler_new(st, NULL, "https://gw.example.com", &notifier);
    CHECK_INT(gw_scheduler_plan(s3, date_ms(2026, 11, 26) + 10 * HOUR, &stats, &e), GW_OK);
    CHECK_INT(stats.recorded, 1); /* reminder_due */
    struct gw_notice_row *rows = NULL;
    size_t n = 0;
    CHECK_INT(gw_app_notices_claim(st, 10, &rows, &n, &e), GW_OK);
    CHECK_INT(n, 1);
    gw_notice_rows_free(rows, n);
    gw_scheduler_free(s3);
    CHECK_INT(tick(date_ms(2026, 11, 26) + 11 * HOUR), 0);
    CHECK_INT(mails_to("eve@example.com", "reminder_due"), 0);
    int cnt = 0;
    notice(round, "reminder_due", "eve", &cnt);
    CHECK_INT(cnt, 1);
}

static void test_mail_failure_retries(void)
{
    struct req_opts o = {.dep = "dep1", .approvers = {"fay"}};
    char course[GW_ID_MAX], round[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, course, round));
    rec.fail = 1;
    CHECK_INT(tick(T0 + HOUR), 0);
    json_t *l = NULL;
    l = notices(round);
    json_t *x = json_array_get(l, 0);
    CHECK_STR(json_string_value(json_object_get(x, "status")), "pending");
    CHECK_INT(json_integer_value(json_object_get(x, "attempts")), 1);
    json_decref(l);
    rec.fail = 0;
    CHECK_INT(tick(T0 + 2 * HOUR), 1);
    CHECK_INT(mails_to("fay@example.com", round), 1);
}

static void test_department_settings_and_chat(void)
{
    /* escalation after 3 days, no overdue reminders, sent at 07:30; chat webhooks */
    department("dep2", "head2",
               "{\"escalate_after_days\":3,\"overdue_every_days\":0,\"send_minute_utc\":450,"
               "\"slack_webhook\":\"https://hooks.slack.example/x\","
               "\"teams_webhook\":\"https://teams.example/y\"}");
    person("gus", "dep2");
    int64_t due = date_ms(2026, 11, 30); /* Monday */
    struct req_opts o = {.dep = "dep2", .approvers = {"gus"}, .due = {due}};
    char course[GW_ID_MAX], round[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, course, round));
    int chats = rec.chats;
    for (int64_t t = T0; t < date_ms(2026, 12, 8); t += 6 * HOUR)
        REQUIRE(tick(t) >= 0);
    int n = 0;
    CHECK_INT(notice(round, "reminder_due", "gus", &n), due + 450 * 60000LL);
    CHECK_INT(notice(round, "reminder_overdue", NULL, &n), -1);
    CHECK_INT(notice(round, "escalation", "head2", &n), date_ms(2026, 12, 3) + 450 * 60000LL);
    /* every notice also went to both webhooks, never with a personal link */
    CHECK(rec.chats - chats >= 2 * 4);
    CHECK_INT(rec.chat_links, 0);
}

static void test_decided_before_ask_is_skipped(void)
{
    struct req_opts o = {.dep = "dep1", .approvers = {"ann", "bob"}};
    char course[GW_ID_MAX], round[GW_ID_MAX];
    REQUIRE(course_in_review(&o, T0, course, round));
    struct gw_error e;
    CHECK_INT(decide(round, "ann", GW_REVIEW_APPROVE, NULL, T0, NULL, &e), GW_OK);
    CHECK_INT(tick(T0 + HOUR), 1);
    CHECK_INT(mails_to("ann@example.com", round), 0);
    CHECK_INT(mails_to("bob@example.com", round), 1);
    json_t *l = NULL;
    l = notices(round);
    size_t i;
    json_t *x;
    json_array_foreach(l, i, x)
    {
        const char *want = strcmp(json_string_value(json_object_get(x, "approver_id")), "ann") == 0
                               ? "skipped"
                               : "sent";
        CHECK_STR(json_string_value(json_object_get(x, "status")), want);
    }
    json_decref(l);
}

static void test_leader(void)
{
    struct gw_error e;
    struct gw_store_leader *a = gw_store_leader_new(st), *b = gw_store_leader_new(st);
    CHECK(gw_store_try_leader(a, &e));
    CHECK(gw_store_try_leader(a, &e)); /* still */
#if GW_TEST_PG
    CHECK(!gw_store_try_leader(b, &e)); /* one leader at a time */
    gw_store_leader_free(a);
    a = NULL;
    CHECK(gw_store_try_leader(b, &e)); /* taken over once the first is gone */
#else
    CHECK(gw_store_try_leader(b, &e)); /* SQLite: one process, always leader */
#endif
    gw_store_leader_free(a);
    gw_store_leader_free(b);
}

int main(void)
{
    T0 = date_ms(2026, 11, 23) + 8 * HOUR;
    char *dir = gwt_tmpdir("review-wire");
    char *dsn = NULL;
#if GW_TEST_PG
    dsn = gwt_pg_fresh_dsn();
#else
    if (asprintf(&dsn, "sqlite:%s/review.db", dir) < 0)
        dsn = NULL;
#endif
    struct gw_error e;
    st = dsn ? gw_store_open(dsn, NULL, &e) : NULL;
    if (!st || gw_store_migrate(st, NULL, &e) != GW_OK) {
        fprintf(stderr, "cannot open the store: %s\n", e.detail);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    department("dep1", "head1", "{}");
    person("ann", "dep1");
    person("bob", "dep1");
    person("cat", "dep1");
    person("dan", "dep1");
    person("eve", "dep1");
    person("fay", "dep1");
    person("author", "dep1");
    person("gil", "dep1");
    person("hal", "dep1");
    person("ivy", "dep1");
    GW_RUN(test_round_all_approve);
    GW_RUN(test_invalid_version_and_draft);
    GW_RUN(test_reminders_and_escalation);
    GW_RUN(test_silence_only_when_agreed);
    GW_RUN(test_silence_notice_delivered);
    GW_RUN(test_silence_shown_as_silence);
    GW_RUN(test_delegation);
    GW_RUN(test_changes_and_resubmit);
    GW_RUN(test_new_version_supersedes);
    GW_RUN(test_n_of_m);
    GW_RUN(test_link_nonce_single_use);
    GW_RUN(test_two_approvers_same_instant);
    GW_RUN(test_restart_between_insert_and_send);
    GW_RUN(test_mail_failure_retries);
    GW_RUN(test_department_settings_and_chat);
    GW_RUN(test_decided_before_ask_is_skipped);
    GW_RUN(test_leader);
    GW_RUN(test_audit_chain);
    gw_store_close(st);
    for (int i = 0; i < rec.n; i++)
        free(rec.text[i]);
    gwt_rmtree(dir);
    free(dir);
    free(dsn);
    return gw_test_summary();
}
