/* demo_learners.c: the learners of the demo's live courses: who starts a
 * course when, who completes it, passes or fails with which score, who rates
 * it and who comments, drawn from a seeded generator so every run tells the
 * same story; and the xAPI statements an LMS would post for each sitting
 * (initialized, completed, passed/failed with a score, rated, commented).
 * The statements go through the same preparation and store path as posted
 * ones (app/demo.c), so the KPIs follow from them as from real ones. */
#include "demo_int.h"

#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const first_names[] = {
    "Anna",   "Ben",  "Carla", "Daniel", "Eva",    "Felix", "Grace", "Hugo",  "Ines",  "Jamal",
    "Katrin", "Leon", "Maya",  "Noah",   "Olivia", "Pavel", "Quinn", "Rosa",  "Samir", "Tanja",
    "Uwe",    "Vera", "Wei",   "Yara",   "Zoe",    "Mateo", "Amara", "Lukas", "Sofia", "Omar"};
static const char *const last_names[] = {"Schmidt", "Johansson", "Moreau",    "Rossi",  "Kowalski",
                                         "Okoye",   "Tanaka",    "Fernandes", "Novak",  "Brennan",
                                         "Haddad",  "Lindqvist", "Petrov",    "Keller", "Duarte",
                                         "Mensah",  "Yilmaz",    "Svensson",  "Murphy", "Castillo"};
#define N_FIRST (sizeof first_names / sizeof first_names[0])
#define N_LAST (sizeof last_names / sizeof last_names[0])
/* (i mod 30, 7i mod 20) repeats only every 60: sixty distinct learners */
#define N_LEARNERS 60

static const char *const comments[] = {
    "Clear and to the point.",
    "The quiz questions were helpful.",
    "Could we get a printable summary?",
    "The video in part 3 did not play on my tablet.",
    "Good examples from real situations.",
    "A bit long, but useful.",
    "Please add subtitles to the videos.",
};
#define N_COMMENTS (sizeof comments / sizeof comments[0])

uint64_t demo_rand(uint64_t *state)
{
    /* splitmix64 */
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int64_t demo_rand_range(uint64_t *state, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)(demo_rand(state) % (uint64_t)(hi - lo + 1));
}

static int percent(uint64_t *rng)
{
    return (int)demo_rand_range(rng, 0, 99);
}

/* A learner's time of day: 07:00 to 17:00 UTC on the day of t. */
static int64_t working_hours(uint64_t *rng, int64_t t)
{
    int64_t day = t - t % DEMO_DAY_MS;
    return day + demo_rand_range(rng, 7 * 60, 17 * 60) * DEMO_MINUTE_MS +
           demo_rand_range(rng, 0, 59) * 1000;
}

static void push(struct demo_sessions *all, const struct demo_session *s)
{
    all->v = gw_xgrow(all->v, all->n, &all->cap, sizeof *all->v);
    all->v[all->n++] = *s;
}

/* The rating a learner gives: mostly 4 and 5. */
static int draw_rating(uint64_t *rng)
{
    int p = percent(rng);
    return p < 40 ? 5 : p < 75 ? 4 : p < 90 ? 3 : p < 97 ? 2 : 1;
}

void demo_learners_plan(uint64_t *rng, size_t story, int n, int64_t from_ms, int64_t until_ms,
                        struct demo_sessions *all)
{
    bool taken[N_LEARNERS] = {false};
    int64_t span_days = (until_ms - from_ms) / DEMO_DAY_MS;
    for (int k = 0; k < n && k < N_LEARNERS && span_days > 0; k++) {
        int learner = (int)demo_rand_range(rng, 0, N_LEARNERS - 1);
        while (taken[learner])
            learner = (learner + 1) % N_LEARNERS;
        taken[learner] = true;
        /* more learners in the first weeks after the launch */
        int64_t a = demo_rand_range(rng, 0, span_days), b = demo_rand_range(rng, 0, span_days);
        struct demo_session s = {.story = story, .learner = learner};
        gw_uuid_v4(s.registration);
        s.at_ms = working_hours(rng, from_ms + (a < b ? a : b) * DEMO_DAY_MS);
        s.minutes = (int)demo_rand_range(rng, 12, 55);
        s.what = DEMO_SAID_INITIALIZED;
        int p = percent(rng);
        bool completes = p >= 12, later = p >= 12 && p < 40;
        if (completes && !later) {
            s.what |= DEMO_SAID_COMPLETED;
        } else if (completes) {
            /* left after a while and came back a few days later */
            struct demo_session first = s;
            first.minutes = (int)demo_rand_range(rng, 5, 15);
            if (demo_session_last_ms(&first) + DEMO_MINUTE_MS < until_ms)
                push(all, &first);
            gw_uuid_v4(s.registration); /* a new attempt */
            s.at_ms = working_hours(rng, s.at_ms + demo_rand_range(rng, 1, 4) * DEMO_DAY_MS);
            s.what |= DEMO_SAID_COMPLETED;
        }
        if (s.what & DEMO_SAID_COMPLETED) {
            bool passes = percent(rng) < 85;
            s.what |= passes ? DEMO_SAID_PASSED : DEMO_SAID_FAILED;
            s.score = (int)(passes ? demo_rand_range(rng, 80, 100) : demo_rand_range(rng, 50, 79));
            if (percent(rng) < 40) {
                s.what |= DEMO_SAID_RATED;
                s.rating = draw_rating(rng);
                if (percent(rng) < 30) {
                    s.what |= DEMO_SAID_COMMENTED;
                    s.comment = (int)demo_rand_range(rng, 0, N_COMMENTS - 1);
                }
            }
        }
        /* the last sitting ends before until_ms (now, or the course's retirement) */
        if (demo_session_last_ms(&s) + DEMO_MINUTE_MS < until_ms)
            push(all, &s);
    }
}

static json_t *verb(const char *id, const char *display)
{
    return json_pack("{s:s, s:{s:s}}", "id", id, "display", "en-US", display);
}

static json_t *statement(const struct demo_session *s, const json_t *actor, const json_t *object,
                         const char *platform, json_t *v, json_t *result, int64_t at_ms)
{
    char id[37], ts[32];
    gw_uuid_v4(id);
    gw_time_format_ms(at_ms, ts);
    json_t *st = json_pack("{s:s, s:O, s:o, s:O, s:{s:s, s:s, s:s}, s:s}", "id", id, "actor", actor,
                           "verb", v, "object", object, "context", "registration", s->registration,
                           "platform", platform, "language", "en-US", "timestamp", ts);
    if (result)
        json_object_set_new(st, "result", result);
    return st;
}

static json_t *duration(int minutes, int seconds)
{
    char d[32];
    snprintf(d, sizeof d, "PT%dM%dS", minutes, seconds);
    return json_string(d);
}

/* The statements' times: initialized at the start; completed when the
 * learner leaves; the result a second later; a rating 45 s and a comment a
 * minute after that. */
static int64_t left_ms(const struct demo_session *s)
{
    return s->at_ms + s->minutes * DEMO_MINUTE_MS + (s->at_ms / 1000 % 60) * 1000;
}

int64_t demo_session_last_ms(const struct demo_session *s)
{
    int64_t t = s->what & DEMO_SAID_COMPLETED ? left_ms(s) : s->at_ms;
    if (s->what & (DEMO_SAID_PASSED | DEMO_SAID_FAILED))
        t += 1000;
    if (s->what & DEMO_SAID_RATED)
        t += 45000;
    if (s->what & DEMO_SAID_COMMENTED)
        t += 60000;
    return t;
}

json_t *demo_learners_statements(const struct demo_session *s, const char *activity_id,
                                 const char *title, const char *platform)
{
    const char *first = first_names[(size_t)s->learner % N_FIRST];
    const char *last = last_names[((size_t)s->learner * 7) % N_LAST];
    char name[64], mbox[128];
    snprintf(name, sizeof name, "%s %s", first, last);
    snprintf(mbox, sizeof mbox, "mailto:%s.%s@example.org", first, last);
    for (char *p = mbox; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    json_t *actor = json_pack("{s:s, s:s, s:s}", "objectType", "Agent", "name", name, "mbox", mbox);
    json_t *object = json_pack("{s:s, s:s, s:{s:{s:s}, s:s}}", "objectType", "Activity", "id",
                               activity_id, "definition", "name", "en-US", title, "type",
                               "http://adlnet.gov/expapi/activities/course");
    json_t *out = json_array();
    int64_t t = s->at_ms;
    json_array_append_new(
        out, statement(s, actor, object, platform,
                       verb("http://adlnet.gov/expapi/verbs/initialized", "initialized"), NULL, t));
    int seconds = (int)(s->at_ms / 1000 % 60);
    t = left_ms(s);
    if (s->what & DEMO_SAID_COMPLETED)
        json_array_append_new(
            out, statement(s, actor, object, platform,
                           verb("http://adlnet.gov/expapi/verbs/completed", "completed"),
                           json_pack("{s:b, s:o}", "completion", 1, "duration",
                                     duration(s->minutes, seconds)),
                           t));
    if (s->what & (DEMO_SAID_PASSED | DEMO_SAID_FAILED)) {
        bool passed = (s->what & DEMO_SAID_PASSED) != 0;
        t += 1000;
        json_array_append_new(
            out, statement(s, actor, object, platform,
                           passed ? verb("http://adlnet.gov/expapi/verbs/passed", "passed")
                                  : verb("http://adlnet.gov/expapi/verbs/failed", "failed"),
                           json_pack("{s:b, s:b, s:{s:f, s:i, s:i, s:i}}", "success", passed,
                                     "completion", 1, "score", "scaled", s->score / 100.0, "raw",
                                     s->score, "min", 0, "max", 100),
                           t));
    }
    if (s->what & DEMO_SAID_RATED) {
        t += 45000;
        json_array_append_new(out, statement(s, actor, object, platform,
                                             verb("http://id.tincanapi.com/verb/rated", "rated"),
                                             json_pack("{s:{s:i, s:i, s:i}}", "score", "raw",
                                                       s->rating, "min", 1, "max", 5),
                                             t));
    }
    if (s->what & DEMO_SAID_COMMENTED) {
        t += 60000;
        json_array_append_new(
            out, statement(s, actor, object, platform,
                           verb("http://adlnet.gov/expapi/verbs/commented", "commented"),
                           json_pack("{s:s}", "response", comments[s->comment]), t));
    }
    json_decref(actor);
    json_decref(object);
    return out;
}
