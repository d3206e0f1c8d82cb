/* department.c: a department's settings read and checked by one table of
 * members (gw/department.h). The API checks what a client sends with it
 * (closed, errors with where); the scheduler, the pipeline, notices and
 * chargeback read stored settings with it, member by member. */
#include "gw/department.h"

#include "gw/announce.h"
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/timefmt.h"

#include <stdlib.h>
#include <string.h>

#define RATE_MAX 1000000.0 /* a sane ceiling for an hourly rate or a per-learner fee */

/* What the members parse into before they are copied to the struct. */
struct raw {
    bool remind_before, remind_on_due, charge, schedule_approvers;
    int64_t overdue_every_days, escalate_after_days, send_minute_utc;
    json_t *holidays, *rates;
    const char *slack, *teams;
    double hourly, per_learner;
    const char *currency;
    json_t *announcement;
    const char *subject, *body;
};

enum { N_MEMBERS = 12, N_RATES = 3, N_ANNOUNCE = 2 };

static void members(struct raw *w, struct gw_jfield f[N_MEMBERS + 1])
{
    const struct gw_jfield t[N_MEMBERS + 1] = {
        {"remind_before", GW_J_BOOL, false, &w->remind_before, 0, NULL, 0, 0, 0},
        {"remind_on_due", GW_J_BOOL, false, &w->remind_on_due, 0, NULL, 0, 0, 0},
        {"overdue_every_days", GW_J_INT, false, &w->overdue_every_days, 0, NULL, 0, 60, 0},
        {"escalate_after_days", GW_J_INT, false, &w->escalate_after_days, 0, NULL, 0, 365, 0},
        {"send_minute_utc", GW_J_INT, false, &w->send_minute_utc, 0, NULL, 0, 1439, 0},
        {"holidays", GW_J_ARRAY, false, &w->holidays, 0, NULL, 0, 0, 0},
        {"charge", GW_J_BOOL, false, &w->charge, 0, NULL, 0, 0, 0},
        {"rates", GW_J_OBJECT, false, &w->rates, 0, NULL, 0, 0, 0},
        {"slack_webhook", GW_J_STRING, false, &w->slack, GW_JF_IRI, NULL, 0, 0, 500},
        {"teams_webhook", GW_J_STRING, false, &w->teams, GW_JF_IRI, NULL, 0, 0, 500},
        {"announcement", GW_J_OBJECT, false, &w->announcement, 0, NULL, 0, 0, 0},
        {"schedule_shows_approvers", GW_J_BOOL, false, &w->schedule_approvers, 0, NULL, 0, 0, 0},
        GW_JFIELD_END,
    };
    memcpy(f, t, sizeof t);
}

static void rate_members(struct raw *w, struct gw_jfield f[N_RATES + 1])
{
    const struct gw_jfield t[N_RATES + 1] = {
        {"hourly", GW_J_NUMBER, false, &w->hourly, 0, NULL, 0, RATE_MAX, 0},
        {"per_learner", GW_J_NUMBER, false, &w->per_learner, 0, NULL, 0, RATE_MAX, 0},
        {"currency", GW_J_STRING, false, &w->currency, 0, NULL, 0, 0, 3},
        GW_JFIELD_END,
    };
    memcpy(f, t, sizeof t);
}

static void announce_members(struct raw *w, struct gw_jfield f[N_ANNOUNCE + 1])
{
    const struct gw_jfield t[N_ANNOUNCE + 1] = {
        {"subject", GW_J_STRING, false, &w->subject, GW_JF_NONEMPTY, NULL, 0, 0,
         GW_ANNOUNCE_SUBJECT_MAX},
        {"body", GW_J_STRING, false, &w->body, GW_JF_NONEMPTY, NULL, 0, 0, GW_ANNOUNCE_BODY_MAX},
        GW_JFIELD_END,
    };
    memcpy(f, t, sizeof t);
}

static enum gw_err parse_each(json_t *obj, const char *where, struct gw_jfield *f, size_t n,
                              bool strict, bool *seen, struct gw_error *err);

/* The announcement template: its members by the table, then each string's
 * placeholders; a member that fails is left out (read) or refused (strict). */
static enum gw_err parse_announcement(struct raw *w, bool strict, bool seen[N_ANNOUNCE],
                                      struct gw_error *err)
{
    struct gw_jfield fa[N_ANNOUNCE + 1];
    announce_members(w, fa);
    enum gw_err rc =
        parse_each(w->announcement, "/settings/announcement", fa, N_ANNOUNCE, strict, seen, err);
    const char *text[N_ANNOUNCE] = {w->subject, w->body};
    for (size_t i = 0; i < N_ANNOUNCE; i++) {
        if (strict)
            seen[i] = rc == GW_OK && json_object_get(w->announcement, fa[i].name) != NULL;
        if (!seen[i])
            continue;
        char where[64];
        snprintf(where, sizeof where, "/settings/announcement/%s", fa[i].name);
        struct gw_error ignored;
        if (gw_announce_template_check(text[i], where, strict ? err : &ignored) != GW_OK) {
            seen[i] = false;
            if (strict)
                return GW_E_JSON_FIELD_VALUE;
        }
    }
    return rc;
}

static bool currency_ok(const char *c)
{
    return strlen(c) == 3 && strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3;
}

static bool holiday_ok(const json_t *v, int64_t *ms)
{
    return json_is_string(v) && gw_time_parse_date(json_string_value(v), ms);
}

/* Parses members of obj one at a time with the table; with strict, the first
 * that fails is the error; otherwise a failing member is left at its
 * default (*seen says which passed). */
static enum gw_err parse_each(json_t *obj, const char *where, struct gw_jfield *f, size_t n,
                              bool strict, bool *seen, struct gw_error *err)
{
    if (strict)
        return gw_json_parse_fields(obj, where, f, true, err);
    for (size_t i = 0; i < n; i++) {
        struct gw_jfield one[2] = {f[i], GW_JFIELD_END};
        struct gw_error ignored;
        seen[i] = json_object_get(obj, f[i].name) &&
                  gw_json_parse_fields(obj, where, one, false, &ignored) == GW_OK;
    }
    return GW_OK;
}

static enum gw_err parse(json_t *set, bool strict, struct gw_dept_settings *out,
                         struct gw_error *err)
{
    struct raw w = {0};
    struct gw_jfield f[N_MEMBERS + 1], fr[N_RATES + 1];
    bool seen[N_MEMBERS] = {0}, seen_r[N_RATES] = {0};
    members(&w, f);
    rate_members(&w, fr);
    enum gw_err rc = parse_each(set, "/settings", f, N_MEMBERS, strict, seen, err);
    if (strict)
        for (size_t i = 0; i < N_MEMBERS; i++)
            seen[i] = json_object_get(set, f[i].name) != NULL;
    size_t k;
    json_t *v;
    int64_t ms;
    json_array_foreach(strict && rc == GW_OK ? w.holidays : NULL, k, v)
    {
        if (rc == GW_OK && !holiday_ok(v, &ms)) {
            char where[64];
            snprintf(where, sizeof where, "/settings/holidays/%zu", k);
            rc = gw_error_set(err, GW_E_JSON_FIELD_VALUE, where, "a holiday is a date YYYY-MM-DD");
        }
    }
    if (rc == GW_OK && w.rates) {
        rc = parse_each(w.rates, "/settings/rates", fr, N_RATES, strict, seen_r, err);
        if (strict)
            for (size_t i = 0; i < N_RATES; i++)
                seen_r[i] = json_object_get(w.rates, fr[i].name) != NULL;
        if (rc == GW_OK && seen_r[2] && !currency_ok(w.currency)) {
            if (strict)
                rc = gw_error_set(err, GW_E_JSON_FIELD_VALUE, "/settings/rates/currency",
                                  "currency is an ISO 4217 code of three capital letters, such "
                                  "as EUR");
            seen_r[2] = false;
        }
    }
    bool seen_a[N_ANNOUNCE] = {0};
    if (rc == GW_OK && seen[10] && w.announcement)
        rc = parse_announcement(&w, strict, seen_a, err);
    if (rc != GW_OK || !out)
        return rc;

    memset(out, 0, sizeof *out);
    struct gw_review_schedule_settings *s = &out->schedule;
    gw_review_schedule_defaults(s);
    if (seen[0])
        s->remind_before = w.remind_before;
    if (seen[1])
        s->remind_on_due = w.remind_on_due;
    if (seen[2])
        s->overdue_every_days = (unsigned)w.overdue_every_days;
    if (seen[3])
        s->escalate_after_days = (unsigned)w.escalate_after_days;
    out->has_escalate_after_days = seen[3];
    if (seen[4])
        s->send_minute_utc = (unsigned)w.send_minute_utc;
    size_t n = seen[5] ? json_array_size(w.holidays) : 0;
    if (n) {
        out->holidays = gw_xcalloc(n, sizeof *out->holidays);
        json_array_foreach(w.holidays, k, v)
        {
            if (holiday_ok(v, &ms))
                out->holidays[s->n_holidays++] = ms;
        }
        s->holidays = out->holidays;
    }
    struct gw_kpi_rates *r = &out->rates;
    r->enabled = seen[6] && w.charge;
    r->has_hourly = seen[7] && seen_r[0];
    r->has_per_learner = seen[7] && seen_r[1];
    r->hourly_rate = r->has_hourly ? w.hourly : 0.0;
    r->per_learner_fee = r->has_per_learner ? w.per_learner : 0.0;
    if (seen[7] && seen_r[2])
        snprintf(r->currency, sizeof r->currency, "%s", w.currency);
    out->slack_webhook = seen[8] ? gw_xstrdup(w.slack) : NULL;
    out->teams_webhook = seen[9] ? gw_xstrdup(w.teams) : NULL;
    out->announce_subject = seen_a[0] ? gw_xstrdup(w.subject) : NULL;
    out->announce_body = seen_a[1] ? gw_xstrdup(w.body) : NULL;
    out->schedule_shows_approvers = seen[11] && w.schedule_approvers;
    return GW_OK;
}

enum gw_err gw_dept_settings_check(json_t *set, struct gw_dept_settings *out, struct gw_error *err)
{
    if (!json_is_object(set))
        return gw_error_set(err, GW_E_JSON_FIELD_TYPE, "/settings", "settings is an object");
    return parse(set, true, out, err);
}

void gw_dept_settings_read(const char *text, struct gw_dept_settings *out)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(j) || parse(j, false, out, NULL) != GW_OK) {
        memset(out, 0, sizeof *out);
        gw_review_schedule_defaults(&out->schedule);
    }
    json_decref(j);
}

void gw_dept_settings_free(struct gw_dept_settings *s)
{
    if (!s)
        return;
    free(s->holidays);
    free((char *)s->slack_webhook);
    free((char *)s->teams_webhook);
    free((char *)s->announce_subject);
    free((char *)s->announce_body);
    memset(s, 0, sizeof *s);
}
