/* sim_scorm.c: the simulator's subset of the Rustici SCORM Cloud API v2 (and
 * Rustici Engine, which shares it): import jobs from an uploaded zip, courses
 * and their versions, ping, and application tokens for bearer auth. State lives
 * in lmssim_state["scormcloud"] = {"courses": {id: {"id", "versions": [CourseSchema]}},
 * "jobs": {jobId: {...}}, "tokens": {token: expiry_ms}}. */
#include "lmssim.h"

#include "gw/hash.h"
#include "gw/timefmt.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BASE "/api/v2"

/* Splits the path under /api/v2 into at most 4 segments; returns their number
 * or -1 when the path is not under the base or has more segments. */
static int split(const char *path, char seg[4][512])
{
    int n = 0;
    if (strncmp(path, BASE, strlen(BASE)) != 0)
        return -1;
    const char *p = path + strlen(BASE);
    while (*p == '/')
        p++;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (n == 4 || l >= 512)
            return -1;
        memcpy(seg[n], p, l);
        seg[n][l] = '\0';
        n++;
        p += l;
        while (*p == '/')
            p++;
    }
    return n;
}

enum route {
    R_NONE,
    R_PING,
    R_TOKEN,
    R_UPLOAD,
    R_JOB,
    R_COURSES,
    R_COURSE,
    R_VERSIONS,
    R_VERSION,
};

static enum route route_of(const char *method, const char *path, char seg[4][512], int *n)
{
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0,
         del = strcmp(method, "DELETE") == 0;
    *n = split(path, seg);
    if (*n == 1 && get && strcmp(seg[0], "ping") == 0)
        return R_PING;
    if (*n == 4 && post && strcmp(seg[0], "oauth") == 0 && strcmp(seg[1], "authenticate") == 0 &&
        strcmp(seg[2], "application") == 0 && strcmp(seg[3], "token") == 0)
        return R_TOKEN;
    if (*n < 1 || strcmp(seg[0], "courses") != 0)
        return R_NONE;
    if (*n == 3 && post && strcmp(seg[1], "importJobs") == 0 && strcmp(seg[2], "upload") == 0)
        return R_UPLOAD;
    if (*n == 3 && get && strcmp(seg[1], "importJobs") == 0)
        return R_JOB;
    if (*n == 1 && get)
        return R_COURSES;
    if (*n == 2 && (get || del))
        return R_COURSE;
    if (*n == 3 && get && strcmp(seg[2], "versions") == 0)
        return R_VERSIONS;
    if (*n == 4 && (get || del) && strcmp(seg[2], "versions") == 0)
        return R_VERSION;
    return R_NONE;
}

bool lmssim_scorm_endpoint(const char *method, const char *path, char *out, size_t cap)
{
    static const char *const names[] = {
        NULL,
        "/ping",
        "/oauth/authenticate/application/token",
        "/courses/importJobs/upload",
        "/courses/importJobs/{importJobId}",
        "/courses",
        "/courses/{courseId}",
        "/courses/{courseId}/versions",
        "/courses/{courseId}/versions/{versionId}",
    };
    char seg[4][512];
    int n;
    enum route rt = route_of(method, path, seg, &n);
    if (rt == R_NONE)
        return false;
    snprintf(out, cap, "%s " BASE "%s", method, names[rt]);
    return true;
}

__attribute__((format(printf, 3, 4))) static void message(struct lmssim_reply *rep, unsigned status,
                                                          const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lmssim_reply_json(rep, status, json_pack("{s:s}", "message", msg));
}

static bool authorized(const struct lmssim_req *r)
{
    const char *h = lmssim_header(r, "Authorization");
    bool ok = false;
    if (!h)
        return false;
    if (strncasecmp(h, "Basic ", 6) == 0) {
        const char *b64 = h + 6;
        size_t l = strlen(b64);
        unsigned char *dec = gw_xmalloc(l + 4);
        int n = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)l);
        if (n >= 0) {
            while (l > 0 && b64[l - 1] == '=') { /* DecodeBlock counts padding as zeros */
                l--;
                n--;
            }
            char want[1024];
            int wl = snprintf(want, sizeof want, "%s:%s", lmssim_cfg.app_id, lmssim_cfg.secret);
            ok = n == wl && memcmp(dec, want, (size_t)wl) == 0;
        }
        free(dec);
    } else if (strncasecmp(h, "Bearer ", 7) == 0) {
        pthread_mutex_lock(&lmssim_lock);
        json_t *tokens = json_object_get(lmssim_section("scormcloud"), "tokens");
        json_t *exp = json_object_get(tokens, h + 7);
        ok = exp && json_integer_value(exp) > gw_time_now_ms();
        pthread_mutex_unlock(&lmssim_lock);
    }
    return ok;
}

static json_t *courses(void)
{
    json_t *sc = lmssim_section("scormcloud");
    json_t *c = json_object_get(sc, "courses");
    if (!c) {
        c = json_object();
        json_object_set_new(sc, "courses", c);
    }
    return c;
}

static json_t *jobs(void)
{
    json_t *sc = lmssim_section("scormcloud");
    json_t *j = json_object_get(sc, "jobs");
    if (!j) {
        j = json_object();
        json_object_set_new(sc, "jobs", j);
    }
    return j;
}

static json_t *latest(json_t *course)
{
    json_t *v = json_object_get(course, "versions");
    return json_array_get(v, json_array_size(v) - 1);
}

/* The simulated import worker finishes job: the course (or a new version) now
 * exists, or the job failed. Lock held. */
static void finish_job(json_t *job)
{
    const char *cid = json_string_value(json_object_get(job, "courseId"));
    json_t *pkg = json_object_get(job, "package");
    json_t *course = json_object_get(courses(), cid);
    const char *err = json_string_value(json_object_get(pkg, "error"));
    char now[32], xid[64];
    if (!err && course && !json_is_true(json_object_get(job, "mayCreateNewVersion")))
        err = "A course with this id already exists and mayCreateNewVersion is false.";
    if (err) {
        json_object_set_new(job, "status", json_string("ERROR"));
        json_object_set_new(job, "message", json_string(err));
        return;
    }
    lmssim_now(now);
    json_int_t version = 0;
    if (course) {
        version = json_integer_value(json_object_get(latest(course), "version")) + 1;
    } else {
        course = json_pack("{s:s,s:[]}", "id", cid, "versions");
        json_object_set_new(courses(), cid, course);
    }
    const char *xapi = json_string_value(json_object_get(pkg, "xapiActivityId"));
    if (!xapi) {
        lmssim_uuid5_urn(cid, xid);
        xapi = xid;
    }
    const char *title = json_string_value(json_object_get(pkg, "title"));
    json_t *cs =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:i,s:s,s:s,s:[],s:b}", "id", cid, "title",
                  title ? title : cid, "xapiActivityId", xapi, "created", now, "updated", now,
                  "version", version, "registrationCount", 0, "activityId",
                  json_string_value(json_object_get(pkg, "activityId"))
                      ? json_string_value(json_object_get(pkg, "activityId"))
                      : cid,
                  "courseLearningStandard", json_string_value(json_object_get(pkg, "standard")),
                  "tags", "dispatched", 0);
    json_array_append_new(json_object_get(course, "versions"), cs);
    char web[1024];
    snprintf(web, sizeof web, "/courses/%s/%s-%" JSON_INTEGER_FORMAT "/", lmssim_cfg.app_id, cid,
             version);
    json_object_set_new(job, "status", json_string("COMPLETE"));
    json_object_set_new(job, "importResult",
                        json_pack("{s:s,s:O,s:[],s:O}", "webPathToCourse", web, "parserWarnings",
                                  json_object_get(pkg, "warnings"), "courseLanguages", "course",
                                  cs));
}

/* Finishes the pending jobs of course cid (all courses when cid is NULL). */
static void catch_up(const char *cid)
{
    const char *id;
    json_t *job;
    json_object_foreach(jobs(), id, job)
    {
        const char *jc = json_string_value(json_object_get(job, "courseId"));
        if (strcmp(json_string_value(json_object_get(job, "status")), "RUNNING") == 0 &&
            (!cid || (jc && strcmp(jc, cid) == 0)))
            finish_job(job);
    }
}

static json_t *job_view(const json_t *job)
{
    json_t *v = json_pack("{s:O,s:O}", "jobId", json_object_get(job, "jobId"), "status",
                          json_object_get(job, "status"));
    if (json_object_get(job, "message"))
        json_object_set(v, "message", json_object_get(job, "message"));
    if (json_object_get(job, "importResult"))
        json_object_set(v, "importResult", json_object_get(job, "importResult"));
    return v;
}

static void upload(struct lmssim_req *r, struct lmssim_reply *rep)
{
    const char *cid = lmssim_param(r, "courseId");
    const char *may = lmssim_param(r, "mayCreateNewVersion");
    const struct lmssim_param *file = lmssim_file(r, "file");
    struct lmssim_pkg pkg;
    char jid[37];
    if (!cid || !*cid) {
        message(rep, 400, "The query parameter courseId is required.");
        return;
    }
    if (strlen(cid) > 255) {
        message(rep, 400, "courseId is longer than 255 characters.");
        return;
    }
    if (!file) {
        message(rep, 400, "The multipart/form-data body has no 'file' part.");
        return;
    }
    lmssim_pkg_inspect(file->value.data ? file->value.data : "", file->value.len, &pkg);
    gw_uuid_v4(jid);
    pthread_mutex_lock(&lmssim_lock);
    catch_up(cid);
    bool may_new = may && strcasecmp(may, "true") == 0;
    if (json_object_get(courses(), cid) && !may_new) {
        message(rep, 409,
                "A course with the id '%s' already exists; set mayCreateNewVersion=true to "
                "import a new version of it.",
                cid);
        goto unlock;
    }
    char now[32];
    lmssim_now(now);
    json_t *p =
        json_pack("{s:s,s:s?,s:s?,s:s?,s:O,s:s,s:I,s:s?,s:s?}", "standard", pkg.standard, "title",
                  pkg.title, "activityId", pkg.activity_id, "xapiActivityId", pkg.xapi_activity_id,
                  "warnings", pkg.warnings, "sha256", pkg.sha256, "size", (json_int_t)pkg.size,
                  "filename", file->filename, "error", pkg.error);
    json_int_t polls =
        json_integer_value(json_object_get(lmssim_section("config"), "import_polls"));
    json_t *job =
        json_pack("{s:s,s:s,s:b,s:s,s:I,s:s,s:s?,s:o}", "jobId", jid, "courseId", cid,
                  "mayCreateNewVersion", may_new, "status", "RUNNING", "pollsLeft", polls,
                  "created", now, "tenant", lmssim_header(r, "EngineTenantName"), "package", p);
    json_object_set_new(jobs(), jid, job);
    if (polls <= 0)
        finish_job(job);
    lmssim_state_changed();
    lmssim_reply_json(rep, 200, json_pack("{s:s}", "result", jid));
unlock:
    pthread_mutex_unlock(&lmssim_lock);
    lmssim_pkg_free(&pkg);
}

static void job_get(const char *jid, struct lmssim_reply *rep)
{
    pthread_mutex_lock(&lmssim_lock);
    json_t *job = json_object_get(jobs(), jid);
    if (!job) {
        message(rep, 404, "No import job found with the id '%s'.", jid);
        goto unlock;
    }
    if (strcmp(json_string_value(json_object_get(job, "status")), "RUNNING") == 0) {
        json_int_t left = json_integer_value(json_object_get(job, "pollsLeft"));
        if (left > 0)
            json_object_set_new(job, "pollsLeft", json_integer(left - 1));
        else
            finish_job(job);
        lmssim_state_changed();
    }
    lmssim_reply_json(rep, 200, job_view(job));
unlock:
    pthread_mutex_unlock(&lmssim_lock);
}

static void course_op(enum route rt, bool del, char seg[4][512], struct lmssim_reply *rep)
{
    const char *cid = seg[1];
    pthread_mutex_lock(&lmssim_lock);
    catch_up(rt == R_COURSES ? NULL : cid);
    if (rt == R_COURSES) {
        json_t *list = json_array(), *c;
        const char *id;
        json_object_foreach(courses(), id, c) json_array_append(list, latest(c));
        lmssim_reply_json(rep, 200, json_pack("{s:o}", "courses", list));
        goto unlock;
    }
    json_t *course = json_object_get(courses(), cid);
    if (!course) {
        message(rep, 404, "No course found with the id '%s'.", cid);
        goto unlock;
    }
    json_t *versions = json_object_get(course, "versions");
    if (rt == R_COURSE && !del) {
        lmssim_reply_json(rep, 200, json_incref(latest(course)));
    } else if (rt == R_COURSE) {
        json_object_del(courses(), cid);
        lmssim_state_changed();
        lmssim_reply_json(rep, 204, NULL);
    } else if (rt == R_VERSIONS) {
        lmssim_reply_json(rep, 200, json_pack("{s:O}", "courses", versions));
    } else {
        char *end = NULL;
        long v = strtol(seg[3], &end, 10);
        size_t i, found = (size_t)-1;
        json_t *cv;
        json_array_foreach(
            versions, i, cv) if (end && !*end &&
                                 json_integer_value(json_object_get(cv, "version")) == v) found = i;
        if (found == (size_t)-1) {
            message(rep, 404, "The course has no version '%s'.", seg[3]);
        } else if (!del) {
            lmssim_reply_json(rep, 200, json_incref(json_array_get(versions, found)));
        } else {
            json_array_remove(versions, found);
            if (json_array_size(versions) == 0)
                json_object_del(courses(), cid);
            lmssim_state_changed();
            lmssim_reply_json(rep, 204, NULL);
        }
    }
unlock:
    pthread_mutex_unlock(&lmssim_lock);
}

static void token(struct lmssim_req *r, struct lmssim_reply *rep)
{
    const char *exp = lmssim_param(r, "expiration");
    long secs = exp ? strtol(exp, NULL, 10) : 300;
    char tok[37];
    if (secs <= 0)
        secs = 300;
    gw_uuid_v4(tok);
    pthread_mutex_lock(&lmssim_lock);
    json_t *sc = lmssim_section("scormcloud");
    if (!json_object_get(sc, "tokens"))
        json_object_set_new(sc, "tokens", json_object());
    json_object_set_new(json_object_get(sc, "tokens"), tok,
                        json_integer(gw_time_now_ms() + secs * 1000));
    lmssim_state_changed();
    pthread_mutex_unlock(&lmssim_lock);
    lmssim_reply_json(rep, 200,
                      json_pack("{s:s,s:i,s:s}", "accessToken", tok, "expiresIn", (int)secs,
                                "tokenType", "Bearer"));
}

void lmssim_scorm_handle(struct lmssim_req *r, struct lmssim_reply *rep)
{
    char seg[4][512];
    int n;
    enum route rt = route_of(r->method, r->path, seg, &n);
    char now[32];
    if (!authorized(r)) {
        /* The 401 body is not a MessageSchema (api_overview). */
        lmssim_reply_json(rep, 401, json_pack("{s:s}", "error", "Authorization Required."));
        return;
    }
    switch (rt) {
    case R_NONE:
        message(rep, 404, "No such resource: %s", r->path);
        break;
    case R_PING:
        lmssim_now(now);
        lmssim_reply_json(rep, 200,
                          json_pack("{s:s,s:s}", "apiMessage", "pong", "currentTime", now));
        break;
    case R_TOKEN:
        token(r, rep);
        break;
    case R_UPLOAD:
        upload(r, rep);
        break;
    case R_JOB:
        job_get(seg[2], rep);
        break;
    default:
        course_op(rt, strcmp(r->method, "DELETE") == 0, seg, rep);
        break;
    }
}
