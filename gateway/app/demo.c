/* demo.c (app): writes the demo data (gw/demo.h) by running the gateway's
 * own use cases at back-dated times: the store verbs the API handlers call
 * (requests, courses, versions, submissions, decisions, effort, retire), the
 * package upload the API uses (app/packages.c), the review scheduler's tick
 * (reminders, escalation, notices delivered, as `serve` runs it, here with a
 * notifier that sends nothing), the publish outbox's claim and outcome
 * (with what an LMS would have answered) and the xAPI statements' prepare
 * and insert path (KPIs follow). Everything happens in one time order with
 * a clock that never goes back, so each row is dated after what it depends
 * on and the audit log chains in time order. What happens is demo_story.c's;
 * who learns what, demo_learners.c's. */
#include "demo_int.h"

#include "gw/review_app.h"
#include "gw/auth.h"
#include "gw/buf.h"
#include "gw/course.h"
#include "gw/demo.h"
#include "gw/department.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/packages.h"
#include "gw/publish.h"
#include "gw/review_store.h"
#include "gw/scheduler.h"
#include "gw/timefmt.h"
#include "gw/xapi_prepare.h"
#include "gw/xapi_store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKER "demo-data/outbox"
#define LMS_HOST "lms.example.org"
#define LMS_KEY_NAME "LMS (demo data)"
#define RNG_SEED 20250916u
#define MAX_TICK_MINUTES 8

/* ---- the sample packages ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_zip(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".zip") == 0 && name[0] != '.';
}

enum gw_err gw_demo_find_packages(const char *dir, char **out, size_t cap, size_t *n,
                                  struct gw_error *err)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return gw_error_set(err, GW_E_IO, "--packages",
                            "cannot read the sample packages in %s: %s; build them (cmake --build "
                            "build) or give --packages DIR",
                            dir, strerror(errno));
    const struct dirent *e;
    while ((e = readdir(d)) != NULL && *n < cap) {
        if (!is_zip(e->d_name))
            continue;
        char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
            break;
        struct gw_course_report *r = NULL;
        struct gw_error ve;
        if (gw_course_validate_file(path, NULL, &r, &ve) == GW_OK && gw_course_report_valid(r))
            out[(*n)++] = path;
        else
            free(path);
        gw_course_report_free(r);
    }
    closedir(d);
    qsort(out, *n, sizeof *out, by_name);
    if (*n == 0)
        return gw_error_set(err, GW_E_IO, "--packages",
                            "%s holds no valid course package (*.zip); build the samples (cmake "
                            "--build build) or give --packages DIR",
                            dir);
    return GW_OK;
}

/* ---- the run's state ---- */

struct story_state {
    char course_id[GW_ID_MAX], round_id[GW_ID_MAX];
};

enum event_kind { EV_REQUEST, EV_STEP, EV_SESSION };

struct event {
    int64_t at;
    size_t order; /* ties keep the order they were planned in */
    enum event_kind kind;
    size_t story, index; /* index: the step, or the session */
};

struct demo {
    struct gw_store *s;
    const struct gw_demo_options *o;
    struct gw_demo_summary *sum;
    int64_t today; /* midnight UTC of o->now_ms */
    int64_t clock; /* when the last thing happened; never goes back */
    int64_t next_tick;
    unsigned tick_minutes[MAX_TICK_MINUTES]; /* the scheduler's daily ticks, sorted */
    size_t n_tick_minutes;
    struct gw_scheduler *sched;
    struct gw_notifier notifier;
    struct story_state *st; /* per story */
    struct demo_sessions sessions;
    struct event *ev;
    size_t n_ev, cap_ev;
    char lms_key[32];
    json_t *authority;
};

static int64_t when_ms(const struct demo *d, struct demo_when w)
{
    return w.days > 0 ? d->today - w.days * DEMO_DAY_MS + w.minute * DEMO_MINUTE_MS
                      : d->o->now_ms - w.minute * DEMO_MINUTE_MS;
}

/* The time something happens: t, or just after the last thing when that
 * was later (the clock never goes back). */
static int64_t at(struct demo *d, int64_t t)
{
    d->clock = t > d->clock ? t : d->clock + 1000;
    return d->clock;
}

static void day_text(int64_t ms, char out[11])
{
    char ts[32];
    gw_time_format_ms(ms, ts);
    snprintf(out, 11, "%.10s", ts);
}

/* Names the story and step of a failure in err's detail. */
static enum gw_err failed(struct gw_error *err, const struct demo_story *s, const char *what)
{
    struct gw_buf b = {0};
    gw_buf_printf(&b, "demo data, \"%s\", %s: %s", s ? s->title : "people", what, err->detail);
    size_t n = b.len < sizeof err->detail - 1 ? b.len : sizeof err->detail - 1;
    memcpy(err->detail, b.data, n);
    err->detail[n] = '\0';
    gw_buf_free(&b);
    return err->code;
}

static struct gw_review_actor person(const char *id)
{
    return (struct gw_review_actor){.actor = id, .via = "api"};
}

/* ---- the scheduler, as serve runs it ---- */

static int mail_nowhere(void *ud, const char *to_email, const char *to_name, const char *subject,
                        const char *text, const char *notice_key)
{
    (void)ud, (void)to_email, (void)to_name, (void)subject, (void)text, (void)notice_key;
    return 0;
}

static int chat_nowhere(void *ud, const char *webhook_url, const json_t *payload,
                        const char *notice_key)
{
    (void)ud, (void)webhook_url, (void)payload, (void)notice_key;
    return 0;
}

static enum gw_err tick(struct demo *d, int64_t t, struct gw_error *err)
{
    struct gw_tick_stats st;
    enum gw_err rc = gw_scheduler_tick(d->sched, at(d, t), &st, err);
    d->sum->notices += st.sent;
    return rc;
}

/* The daily ticks: a minute after midnight (approve on silence) and after
 * each department's send minute (reminders, escalation). */
static void tick_minutes(struct demo *d)
{
    d->tick_minutes[d->n_tick_minutes++] = 1;
    for (size_t i = 0; i < demo_n_departments && d->n_tick_minutes < MAX_TICK_MINUTES; i++) {
        struct gw_dept_settings ds;
        gw_dept_settings_read(demo_departments[i].settings, &ds);
        unsigned m = ds.schedule.send_minute_utc + 1;
        gw_dept_settings_free(&ds);
        size_t k = 0;
        while (k < d->n_tick_minutes && d->tick_minutes[k] < m)
            k++;
        if (k < d->n_tick_minutes && d->tick_minutes[k] == m)
            continue;
        memmove(d->tick_minutes + k + 1, d->tick_minutes + k,
                (d->n_tick_minutes - k) * sizeof *d->tick_minutes);
        d->tick_minutes[k] = m;
        d->n_tick_minutes++;
    }
}

static int64_t next_tick_after(const struct demo *d, int64_t t)
{
    int64_t day = t - t % DEMO_DAY_MS;
    for (;; day += DEMO_DAY_MS) {
        for (size_t i = 0; i < d->n_tick_minutes; i++) {
            int64_t c = day + d->tick_minutes[i] * DEMO_MINUTE_MS;
            if (c > t)
                return c;
        }
    }
}

/* Every daily tick before t. */
static enum gw_err ticks_until(struct demo *d, int64_t t, struct gw_error *err)
{
    enum gw_err rc = GW_OK;
    while (rc == GW_OK && d->next_tick < t) {
        rc = tick(d, d->next_tick, err);
        d->next_tick = next_tick_after(d, d->next_tick);
    }
    return rc;
}

/* ---- departments and people ---- */

static enum gw_err write_people(struct demo *d, int64_t t, struct gw_error *err)
{
    enum gw_err rc = GW_OK;
    for (size_t i = 0; rc == GW_OK && i < demo_n_departments; i++) {
        const struct demo_department *dd = &demo_departments[i];
        json_t *set = json_loads(dd->settings, 0, NULL);
        rc = gw_dept_settings_check(set, NULL, err); /* what the API checks */
        json_decref(set);
        struct gw_department dep = {
            .name = dd->name, .cost_center = dd->cost_center, .settings = dd->settings};
        snprintf(dep.id, sizeof dep.id, "%s", dd->id);
        if (rc == GW_OK)
            rc = gw_app_department_create(d->s, &dep, at(d, t), err);
        d->sum->departments += rc == GW_OK;
    }
    for (size_t i = 0; rc == GW_OK && i < demo_n_people; i++) {
        const struct demo_person *dp = &demo_people[i];
        struct gw_person p = {.name = dp->name,
                              .email = dp->email,
                              .department_id = dp->department,
                              .title = dp->title,
                              .roles = dp->roles};
        snprintf(p.id, sizeof p.id, "%s", dp->id);
        rc = gw_app_person_create(d->s, &p, at(d, t + 10 * DEMO_MINUTE_MS), err);
        d->sum->people += rc == GW_OK;
    }
    /* the heads, once they are people */
    for (size_t i = 0; rc == GW_OK && i < demo_n_departments; i++)
        rc = gw_app_department_update(d->s, demo_departments[i].id, NULL, demo_departments[i].head,
                                      err);
    return rc == GW_OK ? GW_OK : failed(err, NULL, "departments and people");
}

/* The LMS's key (its statements' authority): made when the LMS was
 * connected, revoked when the demo data is complete (nobody has its secret). */
static enum gw_err lms_key(struct demo *d, int64_t t, struct gw_error *err)
{
    struct gw_new_key k;
    enum gw_err rc = gw_auth_key_create(d->s, LMS_KEY_NAME, "lms", NULL, at(d, t), &k, err);
    if (rc != GW_OK)
        return failed(err, NULL, "the LMS's key");
    snprintf(d->lms_key, sizeof d->lms_key, "%s", k.key_id);
    d->authority =
        json_pack("{s:s, s:s, s:{s:s, s:s}}", "objectType", "Agent", "name", LMS_KEY_NAME,
                  "account", "homePage", d->o->public_url, "name", k.key_id);
    return GW_OK;
}

/* ---- one story's steps ---- */

static json_t *business_case(const struct demo *d, const struct demo_story *s)
{
    char deadline[11];
    day_text(d->today + s->deadline_in_days * DEMO_DAY_MS, deadline);
    json_t *bc =
        json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:f, s:f, s:s}", "problem", s->problem,
                  "audience", s->audience, "reach", s->reach, "mandatory", s->mandatory,
                  "communication_plan", s->communication_plan, "kpi", s->kpi, "kpi_target",
                  s->kpi_target, "deadline", deadline, "effort_low_hours", s->effort_low,
                  "effort_high_hours", s->effort_high, "project_code", s->project_code);
    if (s->announce_to)
        json_object_set_new(bc, "announce",
                            json_pack("{s:[s], s:b}", "recipients", s->announce_to, "chat", 0));
    return bc;
}

static enum gw_err request(struct demo *d, const struct demo_story *s, int64_t t,
                           struct gw_error *err)
{
    struct gw_course_request r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", s->id);
    r.department_id = s->department;
    r.title = s->title;
    r.sme_person_id = s->sme;
    json_t *bc = business_case(d, s);
    char *text = gw_json_dump(bc);
    json_decref(bc);
    r.business_case = text;
    r.deadline_ms = d->today + s->deadline_in_days * DEMO_DAY_MS;
    r.effort_low_hours = s->effort_low;
    r.effort_high_hours = s->effort_high;
    r.project_code = s->project_code;
    r.policy.kind = GW_REVIEW_POLICY_ALL;
    for (size_t i = 0; i < DEMO_MAX_APPROVERS && s->approvers[i].person; i++) {
        r.approvers[i].person_id = s->approvers[i].person;
        r.approvers[i].due_in_days = s->approvers[i].due_in_days;
        r.n_approvers = i + 1;
    }
    enum gw_err rc = gw_app_request_create(d->s, &r, at(d, t), err);
    free(text);
    d->sum->requests += rc == GW_OK;
    return rc;
}

/* Copies src to a new file in dir (the package keeps what it is given). */
static char *copy_to(const char *src, const char *dir, struct gw_error *err)
{
    char *tmp = NULL;
    if (asprintf(&tmp, "%s/demo-upload-XXXXXX", dir) < 0)
        abort();
    int out = mkstemp(tmp);
    FILE *in = fopen(src, "rb");
    bool ok = out >= 0 && in;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = write(out, buf, n) == (ssize_t)n;
    ok = ok && !ferror(in);
    if (in)
        fclose(in);
    if (out >= 0)
        close(out);
    if (!ok) {
        gw_error_set(err, GW_E_IO, "data_dir", "cannot copy %s into %s: %s", src, dir,
                     strerror(errno));
        if (out >= 0)
            unlink(tmp);
        free(tmp);
        return NULL;
    }
    return tmp;
}

static enum gw_err version(struct demo *d, size_t i, int64_t t, struct gw_error *err)
{
    const struct demo_story *s = &demo_stories[i];
    const char *zip = d->o->zips[i % d->o->n_zips];
    char *tmp = copy_to(zip, d->o->data_dir, err);
    if (!tmp)
        return err->code;
    const char *slash = strrchr(zip, '/');
    struct gw_package_upload up = {tmp, slash ? slash + 1 : zip, d->o->data_dir, "demo-data",
                                   at(d, t - 3 * DEMO_MINUTE_MS)};
    struct gw_package pkg;
    enum gw_err rc = gw_packages_add(d->s, &up, &pkg, NULL, err);
    unlink(tmp); /* gone already when it was kept */
    free(tmp);
    struct gw_version_result v;
    struct gw_review_actor who = person(s->author);
    if (rc == GW_OK)
        rc = gw_app_course_add_version(d->s, d->st[i].course_id, pkg.id, d->o->public_url, &who,
                                       at(d, t), &v, err);
    if (rc == GW_OK) {
        json_decref(v.changes);
        d->sum->versions++;
    }
    gw_package_clear(&pkg);
    return rc;
}

static enum gw_err decide(struct demo *d, size_t i, const struct demo_step *step, int64_t t,
                          struct gw_error *err)
{
    struct gw_decide_request rq = {.round_id = d->st[i].round_id,
                                   .actor_id = step->who,
                                   .comment = step->text,
                                   .via = GW_REVIEW_VIA_API,
                                   .who = person(step->who)};
    if (!gw_review_decision_parse(step->what, &rq.kind))
        return gw_error_set(err, GW_E_INTERNAL, "", "no decision is called %s", step->what);
    struct gw_decide_result res;
    enum gw_err rc = gw_app_review_decide(d->s, &rq, at(d, t), &res, err);
    d->sum->decisions += rc == GW_OK;
    return rc;
}

/* ---- the outbox, with what the LMS answered ---- */

static void lms_activity(const char *course_id, char *out, size_t cap)
{
    snprintf(out, cap, "https://" LMS_HOST "/xapi/activities/course/lmsgw-%s", course_id);
}

/* What the LMS confirms for a course (as a SCORM Cloud import would). */
static void lms_answer(const char *course_id, struct gw_lms_result *r)
{
    memset(r, 0, sizeof *r);
    char iri[256];
    lms_activity(course_id, iri, sizeof iri);
    if (asprintf(&r->lms_course_id, "lmsgw-%s", course_id) < 0 ||
        asprintf(&r->course_url, "https://" LMS_HOST "/courses/lmsgw-%s", course_id) < 0)
        abort();
    r->activity_ids = json_pack("[s]", iri);
    r->warnings = json_array();
    r->lms_version = 0;
    r->resume = gw_xstrdup("{\"done\":0}");
    r->out = (struct gw_out_status){GW_OUT_OK, 200, -1};
}

/* Claims the one due job, which must be action of story i's course. */
static enum gw_err claim(struct demo *d, size_t i, const char *action, int64_t t,
                         struct gw_publish_job *job, struct gw_error *err)
{
    bool found = false;
    enum gw_err rc = gw_app_publish_claim(d->s, WORKER, d->o->lms_target, at(d, t),
                                          GW_PUBLISH_LEASE_MS, job, &found, err);
    if (rc == GW_OK &&
        (!found || strcmp(job->course_id, d->st[i].course_id) || strcmp(job->action, action))) {
        gw_publish_job_free(job);
        return gw_error_set(err, GW_E_INTERNAL, "", "the outbox found no due %s job of it", action);
    }
    return rc;
}

static enum gw_err outbox(struct demo *d, size_t i, const struct demo_step *step, int64_t t,
                          struct gw_error *err)
{
    bool retire = step->kind == DEMO_STEP_RETIRE;
    enum gw_err rc = GW_OK;
    if (retire) {
        struct gw_review_actor who = person(step->who);
        bool queued = false;
        rc = gw_app_publish_retire(d->s, d->st[i].course_id, &who, at(d, t), &queued, err);
        t += DEMO_MINUTE_MS;
    }
    struct gw_publish_job job;
    if (rc == GW_OK)
        rc = claim(d, i, retire ? "retire" : "publish", t, &job, err);
    if (rc != GW_OK)
        return rc;
    int64_t done = t + (step->kind == DEMO_STEP_PUBLISH ? 3 : 1) * DEMO_MINUTE_MS;
    if (step->kind == DEMO_STEP_PUBLISH || retire) {
        struct gw_lms_result r;
        lms_answer(d->st[i].course_id, &r);
        rc = gw_app_publish_succeeded(d->s, &job, WORKER, d->o->lms_target, &r, at(d, done), err);
        gw_lms_result_free(&r);
        d->sum->published += rc == GW_OK && !retire;
    } else {
        /* a retryable answer is tried again after the LMS's Retry-After (an hour) */
        int64_t end = at(d, done);
        int64_t retry = step->kind == DEMO_STEP_PUBLISH_RETRYING ? end + 3600000 : -1;
        rc = gw_app_publish_attempt_failed(d->s, &job, WORKER, NULL, step->text, retry, end, err);
    }
    gw_publish_job_free(&job);
    return rc;
}

static enum gw_err effort(struct demo *d, size_t i, const struct demo_step *step, int64_t t,
                          struct gw_error *err)
{
    char day[11];
    day_text(t, day);
    struct gw_effort ef = {d->st[i].course_id, step->who, day, step->text, step->hours};
    enum gw_err rc = gw_store_effort_add(d->s, &ef, at(d, t), err);
    d->sum->effort_entries += rc == GW_OK;
    return rc;
}

static const char *const step_names[] = {
    [DEMO_STEP_END] = "end",
    [DEMO_STEP_COURSE] = "creating the course",
    [DEMO_STEP_VERSION] = "adding a version",
    [DEMO_STEP_SUBMIT] = "submitting it",
    [DEMO_STEP_DECIDE] = "a decision",
    [DEMO_STEP_PUBLISH] = "publishing",
    [DEMO_STEP_PUBLISH_RETRYING] = "a publish attempt",
    [DEMO_STEP_PUBLISH_FAILS] = "a failed publish",
    [DEMO_STEP_RETIRE] = "retiring it",
    [DEMO_STEP_EFFORT] = "logging effort",
};

static enum gw_err step(struct demo *d, size_t i, const struct demo_step *step, int64_t t,
                        struct gw_error *err)
{
    const struct demo_story *s = &demo_stories[i];
    struct gw_review_actor author = person(s->author);
    enum gw_err rc;
    switch (step->kind) {
    case DEMO_STEP_COURSE:
        rc = gw_app_course_create(d->s, s->id, NULL, s->author, d->o->public_url, &author, at(d, t),
                                  d->st[i].course_id, err);
        d->sum->courses += rc == GW_OK;
        break;
    case DEMO_STEP_VERSION:
        rc = version(d, i, t, err);
        break;
    case DEMO_STEP_SUBMIT:
        rc = gw_app_course_submit(d->s, d->st[i].course_id, &author, at(d, t), d->st[i].round_id,
                                  err);
        d->sum->rounds += rc == GW_OK;
        break;
    case DEMO_STEP_DECIDE:
        rc = decide(d, i, step, t, err);
        break;
    case DEMO_STEP_EFFORT:
        rc = effort(d, i, step, t, err);
        break;
    default:
        rc = outbox(d, i, step, t, err);
        break;
    }
    return rc == GW_OK ? GW_OK : failed(err, s, step_names[step->kind]);
}

/* ---- learners' statements, through the LRS's write path ---- */

struct insert_ctx {
    struct gw_xapi_insert *ins;
    int64_t stored_ms;
};

static enum gw_qs insert_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct insert_ctx *c = ud;
    return gw_store_xapi_insert(db, c->ins, c->stored_ms, err);
}

static enum gw_err session(struct demo *d, const struct demo_session *ss, struct gw_error *err)
{
    const struct demo_story *s = &demo_stories[ss->story];
    char iri[256];
    lms_activity(d->st[ss->story].course_id, iri, sizeof iri);
    json_t *body = demo_learners_statements(ss, iri, s->title, LMS_HOST);
    int64_t stored = at(d, demo_session_last_ms(ss) + 3000);
    struct gw_xapi_insert ins = {.authority_key = d->lms_key};
    struct gw_xapi_prepare p = {NULL, GW_XAPI_V1_0, d->authority, stored, NULL, NULL};
    enum gw_err rc = gw_xapi_prepare_statements(body, &p, &ins, err);
    if (rc == GW_OK) {
        struct insert_ctx c = {&ins, stored};
        rc = gw_store_tx(d->s, GW_TX_WRITE, insert_body, &c, err);
    }
    if (rc == GW_OK)
        d->sum->statements += ins.n;
    gw_xapi_prepare_free(&ins);
    json_decref(body);
    return rc == GW_OK ? GW_OK : failed(err, s, "a learner's statements");
}

/* ---- planning and running ---- */

static void add_event(struct demo *d, int64_t t, enum event_kind kind, size_t story, size_t index)
{
    d->ev = gw_xgrow(d->ev, d->n_ev, &d->cap_ev, sizeof *d->ev);
    d->ev[d->n_ev] = (struct event){t, d->n_ev, kind, story, index};
    d->n_ev++;
}

static int by_time(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Every request and step, and the learners of the courses while they are
 * live (from shortly after the publish to the retirement, or now). */
static void plan(struct demo *d)
{
    uint64_t rng = RNG_SEED;
    for (size_t i = 0; i < demo_n_stories; i++) {
        const struct demo_story *s = &demo_stories[i];
        add_event(d, when_ms(d, s->requested), EV_REQUEST, i, 0);
        int64_t live = 0, until = d->o->now_ms - 30 * DEMO_MINUTE_MS;
        for (size_t k = 0; k < DEMO_MAX_STEPS && s->steps[k].kind != DEMO_STEP_END; k++) {
            int64_t t = when_ms(d, s->steps[k].at);
            add_event(d, t, EV_STEP, i, k);
            if (s->steps[k].kind == DEMO_STEP_PUBLISH)
                live = t + 2 * 3600000;
            if (s->steps[k].kind == DEMO_STEP_RETIRE)
                until = t;
        }
        if (live && s->learners > 0)
            demo_learners_plan(&rng, i, s->learners, live, until, &d->sessions);
    }
    for (size_t k = 0; k < d->sessions.n; k++)
        add_event(d, demo_session_last_ms(&d->sessions.v[k]) + 3000, EV_SESSION,
                  d->sessions.v[k].story, k);
    qsort(d->ev, d->n_ev, sizeof *d->ev, by_time);
}

static enum gw_err run_event(struct demo *d, const struct event *e, struct gw_error *err)
{
    const struct demo_story *s = &demo_stories[e->story];
    switch (e->kind) {
    case EV_REQUEST:
        return request(d, s, e->at, err) == GW_OK ? GW_OK : failed(err, s, "the request");
    case EV_STEP:
        return step(d, e->story, &s->steps[e->index], e->at, err);
    case EV_SESSION:
        return session(d, &d->sessions.v[e->index], err);
    }
    return GW_OK;
}

static enum gw_err run(struct demo *d, struct gw_error *err)
{
    /* the organisation exists a week before the first request */
    int64_t start = d->ev[0].at - 7 * DEMO_DAY_MS;
    start = start - start % DEMO_DAY_MS + 9 * 3600000;
    enum gw_err rc = write_people(d, start, err);
    if (rc == GW_OK)
        rc = lms_key(d, start + DEMO_DAY_MS, err);
    d->next_tick = next_tick_after(d, d->ev[0].at);
    for (size_t k = 0; rc == GW_OK && k < d->n_ev; k++) {
        const struct event *e = &d->ev[k];
        rc = ticks_until(d, e->at, err);
        if (rc == GW_OK)
            rc = run_event(d, e, err);
        /* a change wakes serve's scheduler at once (asks, decisions' notices) */
        if (rc == GW_OK && e->kind == EV_STEP)
            rc = tick(d, d->clock + 30000, err);
    }
    if (rc == GW_OK)
        rc = ticks_until(d, d->o->now_ms, err);
    if (rc == GW_OK && d->clock < d->o->now_ms)
        rc = tick(d, d->o->now_ms, err);
    if (rc == GW_OK)
        rc = gw_store_key_revoke(d->s, d->lms_key, d->o->now_ms, err);
    return rc;
}

enum gw_err gw_demo_write(struct gw_store *s, const struct gw_demo_options *o,
                          struct gw_demo_summary *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    gw_error_clear(err);
    if (o->n_zips == 0)
        return gw_error_set(err, GW_E_INTERNAL, "", "the demo data needs a sample package");
    struct demo *d = gw_xcalloc(1, sizeof *d);
    d->s = s;
    d->o = o;
    d->sum = out;
    d->st = gw_xcalloc(demo_n_stories, sizeof *d->st);
    d->today = o->now_ms - o->now_ms % DEMO_DAY_MS;
    d->notifier = (struct gw_notifier){mail_nowhere, chat_nowhere, NULL};
    d->sched = gw_scheduler_new(s, NULL, o->public_url, &d->notifier);
    tick_minutes(d);
    plan(d);
    enum gw_err rc = run(d, err);
    gw_scheduler_free(d->sched);
    json_decref(d->authority);
    free(d->sessions.v);
    free(d->ev);
    free(d->st);
    free(d);
    return rc;
}
