/* test_lmssim.c: drives the real lmssim binary over HTTP with libcurl: a
 * SCORM Cloud import from upload to readable course, versions and deletes,
 * the Moodle web-service functions and upload.php with their error shapes,
 * every fault mode, statement posting to a small receiver inside this test,
 * and the state file surviving a restart. Packages are real zips built with
 * libzip. No assertion depends on timing. */
#include "gw/buf.h"
#include "gwtest.h"

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#define APP "test-app"
#define SECRET "test-secret"
#define TOKEN "00112233445566778899aabbccddeeff"

struct sim {
    pid_t pid;
    char url[128];
};

static struct sim sim;
static char tmpdir[256];

static bool sim_start(struct sim *s, const char *state_file)
{
    int fds[2];
    const char *bin = getenv("LMSSIM_BIN");
    char line[256] = "";
    if (!bin || pipe(fds) != 0)
        return false;
    s->pid = fork();
    if (s->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        if (state_file)
            execl(bin, bin, "--port", "0", "--scormcloud-app-id", APP, "--scormcloud-secret",
                  SECRET, "--moodle-token", TOKEN, "--state-file", state_file, (char *)NULL);
        else
            execl(bin, bin, "--port", "0", "--scormcloud-app-id", APP, "--scormcloud-secret",
                  SECRET, "--moodle-token", TOKEN, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    bool ok = f && fgets(line, sizeof line, f) != NULL;
    if (f)
        fclose(f);
    const char *prefix = "lmssim listening on ";
    if (!ok || strncmp(line, prefix, strlen(prefix)) != 0)
        return false;
    snprintf(s->url, sizeof s->url, "%.*s", (int)(sizeof s->url - 1), line + strlen(prefix));
    s->url[strcspn(s->url, "\r\n")] = '\0';
    return true;
}

/* Stops s with SIGTERM; returns its exit status (0 on a clean stop). */
static int sim_stop(struct sim *s)
{
    int st = 0;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, &st, 0);
    s->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- HTTP client ------------------------------------------------------- */

struct http {
    /* request */
    const char *method;
    const char *userpwd;
    const char *bearer;
    const char *body; /* with ctype */
    const char *ctype;
    const char *file_field; /* multipart file part, with file_data/file_len */
    const void *file_data;
    size_t file_len;
    const char *form[8]; /* extra multipart fields: name, value, ..., NULL */
    long timeout_ms;
    /* response */
    CURLcode rc;
    long status;
    char retry_after[64];
    struct gw_buf out;
    json_t *json;
};

static size_t on_body(char *d, size_t sz, size_t n, void *cls)
{
    gw_buf_append(cls, d, sz * n);
    return sz * n;
}

static size_t on_header(char *d, size_t sz, size_t n, void *cls)
{
    struct http *h = cls;
    if (strncasecmp(d, "Retry-After:", 12) == 0) {
        snprintf(h->retry_after, sizeof h->retry_after, "%.*s", (int)(sz * n - 12), d + 12);
        char *s = h->retry_after;
        while (*s == ' ')
            memmove(s, s + 1, strlen(s));
        s[strcspn(s, "\r\n")] = '\0';
    }
    return sz * n;
}

static void http_free(struct http *h)
{
    gw_buf_free(&h->out);
    json_decref(h->json);
    h->json = NULL;
}

/* Performs the request described by h against path on the simulator. */
static void run(struct http *h, const char *path)
{
    char url[2048];
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    curl_mime *mime = NULL;
    char auth[256];
    snprintf(url, sizeof url, "%s%s", sim.url, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms ? h->timeout_ms : 20000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &h->out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    if (h->userpwd)
        curl_easy_setopt(c, CURLOPT_USERPWD, h->userpwd);
    if (h->bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", h->bearer);
        hdrs = curl_slist_append(hdrs, auth);
    }
    if (h->body) {
        char ct[128];
        snprintf(ct, sizeof ct, "Content-Type: %s", h->ctype ? h->ctype : "application/json");
        hdrs = curl_slist_append(hdrs, ct);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, h->body);
    }
    if (h->file_field || h->form[0]) {
        mime = curl_mime_init(c);
        for (int i = 0; i + 1 < 8 && h->form[i]; i += 2) {
            curl_mimepart *p = curl_mime_addpart(mime);
            curl_mime_name(p, h->form[i]);
            curl_mime_data(p, h->form[i + 1], CURL_ZERO_TERMINATED);
        }
        if (h->file_field) {
            curl_mimepart *p = curl_mime_addpart(mime);
            curl_mime_name(p, h->file_field);
            curl_mime_data(p, h->file_data, h->file_len);
            curl_mime_filename(p, "package.zip");
            curl_mime_type(p, "application/zip");
        }
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    }
    if (hdrs)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (h->method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, h->method);
    h->rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->status);
    h->json = h->out.len ? json_loadb(h->out.data, h->out.len, 0, NULL) : NULL;
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    curl_mime_free(mime);
}

static const char *jstr(json_t *j, const char *path)
{
    json_t *v = json_object_get(j, path);
    return json_string_value(v);
}

/* GET /_sim/state; the caller frees. */
static json_t *state(void)
{
    struct http h = {0};
    run(&h, "/_sim/state");
    json_t *s = json_incref(h.json);
    http_free(&h);
    return s;
}

static void sim_post(const char *path, const char *json_body, long *status)
{
    struct http h = {.method = "POST", .body = json_body ? json_body : "{}"};
    run(&h, path);
    if (status)
        *status = h.status;
    http_free(&h);
}

/* ---- packages ---------------------------------------------------------- */

/* Builds a zip holding one file name with content; *len receives its size. */
static char *make_zip(const char *name, const char *content, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/pkg.zip", tmpdir);
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, NULL);
    if (!z)
        return NULL;
    zip_source_t *src = zip_source_buffer(z, content, strlen(content), 0);
    zip_file_add(z, name, src, ZIP_FL_OVERWRITE);
    zip_source_t *idx = zip_source_buffer(z, "<html></html>", 13, 0);
    zip_file_add(z, "index.html", idx, ZIP_FL_OVERWRITE);
    if (zip_close(z) != 0)
        return NULL;
    FILE *f = fopen(path, "rb");
    struct gw_buf b = {0};
    char buf[4096];
    size_t n;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
        gw_buf_append(&b, buf, n);
    if (f)
        fclose(f);
    *len = b.len;
    return b.data;
}

static const char *SCORM12 =
    "<?xml version=\"1.0\"?>\n"
    "<manifest identifier=\"demo-manifest\" version=\"1.0\" "
    "xmlns=\"http://www.imsproject.org/xsd/imscp_rootv1p1p2\">"
    "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>"
    "<organizations default=\"org1\"><organization identifier=\"org1\"><title>Safety "
    "Basics</title></organization></organizations><resources/></manifest>";

static const char *CMI5 = "<?xml version=\"1.0\"?>\n"
                          "<courseStructure xmlns=\"https://w3id.org/xapi/profiles/cmi5/v1/"
                          "CourseStructure.xsd\"><course id=\"https://example.org/courses/fire\">"
                          "<title><langstring lang=\"en\">Fire drill</langstring></title>"
                          "</course></courseStructure>";

/* Uploads zip for course cid; returns the job id (caller frees) or NULL. */
static char *upload(const char *cid, bool may_new, const void *zip, size_t len, long *status)
{
    char path[512];
    struct http h = {.method = "POST",
                     .userpwd = APP ":" SECRET,
                     .file_field = "file",
                     .file_data = zip,
                     .file_len = len};
    snprintf(path, sizeof path, "/api/v2/courses/importJobs/upload?courseId=%s%s", cid,
             may_new ? "&mayCreateNewVersion=true" : "");
    run(&h, path);
    *status = h.status;
    char *id = jstr(h.json, "result") ? gw_xstrdup(jstr(h.json, "result")) : NULL;
    http_free(&h);
    return id;
}

/* Polls job until it is no longer RUNNING (at most 20 polls); returns the
 * final job (caller frees) and counts the RUNNING answers in *running. */
static json_t *poll_job(const char *jid, int *running)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v2/courses/importJobs/%s", jid);
    *running = 0;
    for (int i = 0; i < 20; i++) {
        struct http h = {.userpwd = APP ":" SECRET};
        run(&h, path);
        const char *st = jstr(h.json, "status");
        if (h.status != 200 || !st) {
            http_free(&h);
            return NULL;
        }
        if (strcmp(st, "RUNNING") != 0) {
            json_t *j = json_incref(h.json);
            http_free(&h);
            return j;
        }
        (*running)++;
        http_free(&h);
    }
    return NULL;
}

/* ---- SCORM Cloud ------------------------------------------------------- */

static void test_scorm_import(void)
{
    size_t len;
    long status;
    int running;
    char *zip = make_zip("imsmanifest.xml", SCORM12, &len);
    REQUIRE(zip);
    char *jid = upload("course-1", false, zip, len, &status);
    CHECK_INT(status, 200);
    REQUIRE(jid);
    json_t *job = poll_job(jid, &running);
    REQUIRE(job);
    CHECK_INT(running, 1); /* default: one RUNNING answer before the result */
    CHECK_STR(jstr(job, "status"), "COMPLETE");
    CHECK_STR(jstr(job, "jobId"), jid);
    json_t *course = json_object_get(json_object_get(job, "importResult"), "course");
    CHECK_STR(jstr(course, "id"), "course-1");
    CHECK_STR(jstr(course, "title"), "Safety Basics");
    CHECK_STR(jstr(course, "courseLearningStandard"), "SCORM12");
    CHECK_INT(json_integer_value(json_object_get(course, "version")), 0);
    CHECK(jstr(course, "xapiActivityId") &&
          strncmp(jstr(course, "xapiActivityId"), "urn:uuid:", 9) == 0);
    CHECK(json_is_array(json_object_get(json_object_get(job, "importResult"), "parserWarnings")));

    struct http h = {.userpwd = APP ":" SECRET};
    run(&h, "/api/v2/courses/course-1");
    CHECK_INT(h.status, 200);
    CHECK_STR(jstr(h.json, "title"), "Safety Basics");
    CHECK_STR(jstr(h.json, "xapiActivityId"), jstr(course, "xapiActivityId"));
    http_free(&h);

    struct http l = {.userpwd = APP ":" SECRET};
    run(&l, "/api/v2/courses");
    CHECK_INT(l.status, 200);
    CHECK_INT(json_array_size(json_object_get(l.json, "courses")), 1);
    http_free(&l);

    json_decref(job);
    free(jid);
    free(zip);
}

static void test_scorm_auth(void)
{
    struct http none = {0};
    run(&none, "/api/v2/ping");
    CHECK_INT(none.status, 401);
    CHECK_STR(jstr(none.json, "error"), "Authorization Required.");
    http_free(&none);

    struct http bad = {.userpwd = APP ":wrong"};
    run(&bad, "/api/v2/ping");
    CHECK_INT(bad.status, 401);
    http_free(&bad);

    struct http ok = {.userpwd = APP ":" SECRET};
    run(&ok, "/api/v2/ping");
    CHECK_INT(ok.status, 200);
    CHECK_STR(jstr(ok.json, "apiMessage"), "pong");
    http_free(&ok);

    struct http tok = {.method = "POST",
                       .userpwd = APP ":" SECRET,
                       .body = "scope=write:course&expiration=300",
                       .ctype = "application/x-www-form-urlencoded"};
    run(&tok, "/api/v2/oauth/authenticate/application/token");
    CHECK_INT(tok.status, 200);
    REQUIRE(jstr(tok.json, "accessToken"));
    struct http bearer = {.bearer = jstr(tok.json, "accessToken")};
    run(&bearer, "/api/v2/ping");
    CHECK_INT(bearer.status, 200);
    http_free(&bearer);
    http_free(&tok);

    struct http nojob = {.userpwd = APP ":" SECRET};
    run(&nojob, "/api/v2/courses/importJobs/no-such-job");
    CHECK_INT(nojob.status, 404);
    CHECK(jstr(nojob.json, "message") != NULL);
    http_free(&nojob);
}

static void test_scorm_versions_and_delete(void)
{
    size_t len, clen, blen;
    long status;
    int running;
    char *zip = make_zip("imsmanifest.xml", SCORM12, &len);
    REQUIRE(zip);
    char *j1 = upload("course-2", false, zip, len, &status);
    CHECK_INT(status, 200);
    free(j1);
    /* The same id again without mayCreateNewVersion: 409 MessageSchema. */
    char *j2 = upload("course-2", false, zip, len, &status);
    CHECK_INT(status, 409);
    CHECK(j2 == NULL);
    /* With it: a new version. */
    char *j3 = upload("course-2", true, zip, len, &status);
    CHECK_INT(status, 200);
    REQUIRE(j3);
    json_t *job = poll_job(j3, &running);
    REQUIRE(job);
    CHECK_STR(jstr(job, "status"), "COMPLETE");
    CHECK_INT(json_integer_value(json_object_get(
                  json_object_get(json_object_get(job, "importResult"), "course"), "version")),
              1);
    json_decref(job);
    free(j3);

    struct http v = {.userpwd = APP ":" SECRET};
    run(&v, "/api/v2/courses/course-2/versions");
    CHECK_INT(json_array_size(json_object_get(v.json, "courses")), 2);
    http_free(&v);

    /* A cmi5 package: the xAPI activity id is the course's own id. */
    char *cmi5 = make_zip("cmi5.xml", CMI5, &clen);
    char *j4 = upload("course-cmi5", false, cmi5, clen, &status);
    REQUIRE(j4);
    job = poll_job(j4, &running);
    REQUIRE(job);
    json_t *course = json_object_get(json_object_get(job, "importResult"), "course");
    CHECK_STR(jstr(course, "xapiActivityId"), "https://example.org/courses/fire");
    CHECK_STR(jstr(course, "courseLearningStandard"), "CMI5");
    CHECK_STR(jstr(course, "title"), "Fire drill");
    json_decref(job);
    free(j4);
    free(cmi5);

    /* Not a zip, and a zip without a manifest: ERROR with a message. */
    char *j5 = upload("course-bad", false, "not a zip at all", 16, &status);
    REQUIRE(j5);
    job = poll_job(j5, &running);
    REQUIRE(job);
    CHECK_STR(jstr(job, "status"), "ERROR");
    CHECK(jstr(job, "message") && strstr(jstr(job, "message"), "zip"));
    json_decref(job);
    free(j5);
    char *bare = make_zip("readme.txt", "hello", &blen);
    char *j6 = upload("course-bad", false, bare, blen, &status);
    REQUIRE(j6);
    job = poll_job(j6, &running);
    REQUIRE(job);
    CHECK_STR(jstr(job, "status"), "ERROR");
    CHECK(jstr(job, "message") && strstr(jstr(job, "message"), "imsmanifest.xml"));
    json_decref(job);
    free(j6);
    free(bare);
    struct http nb = {.userpwd = APP ":" SECRET};
    run(&nb, "/api/v2/courses/course-bad");
    CHECK_INT(nb.status, 404);
    http_free(&nb);

    /* Delete one version, then the course. */
    struct http dv = {.method = "DELETE", .userpwd = APP ":" SECRET};
    run(&dv, "/api/v2/courses/course-2/versions/0");
    CHECK_INT(dv.status, 204);
    http_free(&dv);
    struct http dc = {.method = "DELETE", .userpwd = APP ":" SECRET};
    run(&dc, "/api/v2/courses/course-2");
    CHECK_INT(dc.status, 204);
    http_free(&dc);
    struct http g = {.userpwd = APP ":" SECRET};
    run(&g, "/api/v2/courses/course-2");
    CHECK_INT(g.status, 404);
    CHECK(jstr(g.json, "message") != NULL);
    http_free(&g);
    struct http d2 = {.method = "DELETE", .userpwd = APP ":" SECRET};
    run(&d2, "/api/v2/courses/course-2");
    CHECK_INT(d2.status, 404);
    http_free(&d2);
    free(zip);
}

/* ---- Moodle ------------------------------------------------------------ */

/* Calls a web-service function with form parameters params ("a=b&c=d"). */
static void ws(struct http *h, const char *token, const char *fn, const char *params)
{
    static char body[4096];
    snprintf(body, sizeof body, "wstoken=%s&wsfunction=%s&moodlewsrestformat=json%s%s", token, fn,
             params ? "&" : "", params ? params : "");
    h->method = "POST";
    h->body = body;
    h->ctype = "application/x-www-form-urlencoded";
    run(h, "/webservice/rest/server.php");
}

static void test_moodle_courses(void)
{
    struct http si = {0};
    ws(&si, TOKEN, "core_webservice_get_site_info", NULL);
    CHECK_INT(si.status, 200);
    CHECK_STR(jstr(si.json, "username"), "admin");
    CHECK(json_array_size(json_object_get(si.json, "functions")) >= 5);
    http_free(&si);

    struct http cc = {0};
    ws(&cc, TOKEN, "core_course_create_courses",
       "courses%5B0%5D%5Bfullname%5D=Safety+Basics&courses%5B0%5D%5Bshortname%5D=lmsgw-demo-1"
       "&courses%5B0%5D%5Bcategoryid%5D=1&courses%5B0%5D%5Bidnumber%5D=lmsgw%3Apkg%3Ademo-1"
       "&courses%5B0%5D%5Bformat%5D=singleactivity&courses%5B0%5D%5Bvisible%5D=0"
       "&courses%5B0%5D%5Bcourseformatoptions%5D%5B0%5D%5Bname%5D=activitytype"
       "&courses%5B0%5D%5Bcourseformatoptions%5D%5B0%5D%5Bvalue%5D=scorm");
    CHECK_INT(cc.status, 200);
    REQUIRE(json_is_array(cc.json));
    json_int_t id = json_integer_value(json_object_get(json_array_get(cc.json, 0), "id"));
    CHECK(id >= 2);
    CHECK_STR(jstr(json_array_get(cc.json, 0), "shortname"), "lmsgw-demo-1");
    http_free(&cc);

    struct http get = {0};
    ws(&get, TOKEN, "core_course_get_courses_by_field", "field=idnumber&value=lmsgw:pkg:demo-1");
    json_t *courses = json_object_get(get.json, "courses");
    CHECK_INT(json_array_size(courses), 1);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(courses, 0), "id")), id);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(courses, 0), "visible")), 0);
    CHECK_STR(jstr(json_array_get(courses, 0), "format"), "singleactivity");
    CHECK(json_is_array(json_object_get(get.json, "warnings")));
    http_free(&get);

    /* Duplicate idnumber: HTTP 200 with Moodle's exception. */
    struct http dup = {0};
    ws(&dup, TOKEN, "core_course_create_courses",
       "courses[0][fullname]=Other&courses[0][shortname]=other&courses[0][categoryid]=1"
       "&courses[0][idnumber]=lmsgw:pkg:demo-1");
    CHECK_INT(dup.status, 200);
    CHECK_STR(jstr(dup.json, "exception"), "moodle_exception");
    CHECK_STR(jstr(dup.json, "errorcode"), "courseidnumbertaken");
    CHECK_STR(jstr(dup.json, "message"),
              "ID number is already used for another course (lmsgw:pkg:demo-1)");
    http_free(&dup);
    struct http dsn = {0};
    ws(&dsn, TOKEN, "core_course_create_courses",
       "courses[0][fullname]=Other&courses[0][shortname]=lmsgw-demo-1&courses[0][categoryid]=1");
    CHECK_STR(jstr(dsn.json, "errorcode"), "shortnametaken");
    http_free(&dsn);
    struct http miss = {0};
    ws(&miss, TOKEN, "core_course_create_courses", "courses[0][fullname]=No+shortname");
    CHECK_STR(jstr(miss.json, "errorcode"), "invalidparameter");
    http_free(&miss);

    struct http bad = {0};
    ws(&bad, "ffffffffffffffffffffffffffffffff", "core_webservice_get_site_info", NULL);
    CHECK_INT(bad.status, 200);
    CHECK_STR(jstr(bad.json, "exception"), "moodle_exception");
    CHECK_STR(jstr(bad.json, "errorcode"), "invalidtoken");
    CHECK_STR(jstr(bad.json, "message"), "Invalid token - token not found");
    http_free(&bad);
    struct http nofn = {0};
    ws(&nofn, TOKEN, "core_no_such_function", NULL);
    CHECK_STR(jstr(nofn.json, "errorcode"), "invalidrecord");
    http_free(&nofn);

    char params[256];
    snprintf(params, sizeof params, "courses[0][id]=%lld&courses[0][visible]=1", (long long)id);
    struct http up = {0};
    ws(&up, TOKEN, "core_course_update_courses", params);
    CHECK_INT(json_array_size(json_object_get(up.json, "warnings")), 0);
    http_free(&up);
    struct http vis = {0};
    ws(&vis, TOKEN, "core_course_get_courses_by_field", "field=idnumber&value=lmsgw:pkg:demo-1");
    CHECK_INT(json_integer_value(json_object_get(
                  json_array_get(json_object_get(vis.json, "courses"), 0), "visible")),
              1);
    http_free(&vis);
    struct http up2 = {0};
    ws(&up2, TOKEN, "core_course_update_courses", "courses[0][id]=999&courses[0][visible]=1");
    json_t *w = json_array_get(json_object_get(up2.json, "warnings"), 0);
    CHECK_STR(jstr(w, "warningcode"), "invalidrecord");
    CHECK_INT(json_integer_value(json_object_get(w, "itemid")), 999);
    http_free(&up2);
}

static json_int_t draft_upload(const char *token, const void *zip, size_t len, struct http *h)
{
    h->method = "POST";
    h->file_field = "file_1";
    h->file_data = zip;
    h->file_len = len;
    h->form[0] = "token";
    h->form[1] = token;
    h->form[2] = "filearea";
    h->form[3] = "draft";
    h->form[4] = "itemid";
    h->form[5] = "0";
    run(h, "/webservice/upload.php");
    return json_integer_value(json_object_get(json_array_get(h->json, 0), "itemid"));
}

static void test_moodle_upload_and_plugin(void)
{
    size_t len, clen;
    char *zip = make_zip("imsmanifest.xml", SCORM12, &len);
    REQUIRE(zip);
    struct http u = {0};
    json_int_t item = draft_upload(TOKEN, zip, len, &u);
    CHECK_INT(u.status, 200);
    CHECK(item > 0);
    json_t *f = json_array_get(u.json, 0);
    CHECK_STR(jstr(f, "filearea"), "draft");
    CHECK_STR(jstr(f, "component"), "user");
    CHECK_STR(jstr(f, "filename"), "package.zip");
    CHECK_INT(json_integer_value(json_object_get(f, "filesize")), len);
    http_free(&u);

    struct http ub = {0};
    draft_upload("bad-token", zip, len, &ub);
    CHECK_STR(jstr(ub.json, "errorcode"), "invalidtoken");
    CHECK_STR(jstr(ub.json, "error"), "Invalid token - token not found");
    CHECK(json_is_null(json_object_get(ub.json, "stacktrace")));
    CHECK(json_object_get(ub.json, "exception") == NULL);
    http_free(&ub);

    struct http cc = {0};
    ws(&cc, TOKEN, "core_course_create_courses",
       "courses[0][fullname]=Plugin&courses[0][shortname]=plugin-1&courses[0][categoryid]=1");
    json_int_t cid = json_integer_value(json_object_get(json_array_get(cc.json, 0), "id"));
    http_free(&cc);
    char params[256];
    snprintf(params, sizeof params, "courseid=%lld&draftitemid=%lld&name=Safety+Basics",
             (long long)cid, (long long)item);
    struct http p1 = {0};
    ws(&p1, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK_INT(p1.status, 200);
    json_int_t cmid = json_integer_value(json_object_get(p1.json, "cmid"));
    CHECK(cmid > 0);
    CHECK(json_is_true(json_object_get(p1.json, "created")));
    CHECK_INT(json_integer_value(json_object_get(p1.json, "revision")), 1);
    http_free(&p1);
    /* Again: the same activity, a new revision, never a second one. */
    struct http p2 = {0};
    ws(&p2, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK_INT(json_integer_value(json_object_get(p2.json, "cmid")), cmid);
    CHECK(json_is_false(json_object_get(p2.json, "created")));
    CHECK_INT(json_integer_value(json_object_get(p2.json, "revision")), 2);
    http_free(&p2);

    snprintf(params, sizeof params, "courseid=%lld&draftitemid=12345&name=x", (long long)cid);
    struct http p3 = {0};
    ws(&p3, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK_STR(jstr(p3.json, "errorcode"), "draftareaempty");
    http_free(&p3);
    snprintf(params, sizeof params, "courseid=9999&draftitemid=%lld&name=x", (long long)item);
    struct http p4 = {0};
    ws(&p4, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK_STR(jstr(p4.json, "exception"), "dml_missing_record_exception");
    http_free(&p4);
    char *cmi5 = make_zip("cmi5.xml", CMI5, &clen);
    struct http u2 = {0};
    json_int_t item2 = draft_upload(TOKEN, cmi5, clen, &u2);
    http_free(&u2);
    snprintf(params, sizeof params, "courseid=%lld&draftitemid=%lld&name=x", (long long)cid,
             (long long)item2);
    struct http p5 = {0};
    ws(&p5, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK_STR(jstr(p5.json, "errorcode"), "nomanifest");
    http_free(&p5);
    free(cmi5);
    free(zip);
}

/* The plugin's completion settings (recorded on create, kept on update), the
 * switch that makes the update path answer like plugin 0.1.0 on Moodle 4.3 (a
 * PHP Error: exception and message, no errorcode), and the answer fault. */
static void test_moodle_completion_and_update_bug(void)
{
    size_t len;
    long status;
    sim_post("/_sim/reset", NULL, &status);
    char *zip = make_zip("imsmanifest.xml", SCORM12, &len);
    REQUIRE(zip);
    struct http u = {0};
    json_int_t item = draft_upload(TOKEN, zip, len, &u);
    http_free(&u);
    struct http cc = {0};
    ws(&cc, TOKEN, "core_course_create_courses",
       "courses[0][fullname]=C&courses[0][shortname]=c-1&courses[0][categoryid]=1&"
       "courses[0][enablecompletion]=0");
    json_int_t cid = json_integer_value(json_object_get(json_array_get(cc.json, 0), "id"));
    http_free(&cc);
    char params[256];
    snprintf(params, sizeof params,
             "courseid=%lld&draftitemid=%lld&name=C&completiontracking=automatic&"
             "completionstatusrequired=2&completionscorerequired=80",
             (long long)cid, (long long)item);
    struct http p1 = {0};
    ws(&p1, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK_INT(json_integer_value(json_object_get(p1.json, "completion")), 2);
    CHECK_INT(json_integer_value(json_object_get(p1.json, "completionstatusrequired")), 2);
    CHECK_INT(json_integer_value(json_object_get(p1.json, "completionscorerequired")), 80);
    http_free(&p1);
    json_t *s = state();
    json_t *mc = json_array_get(json_object_get(json_object_get(s, "moodle"), "courses"), 0);
    CHECK_INT(json_integer_value(json_object_get(mc, "enablecompletion")), 1);
    json_t *call = json_array_get(json_object_get(json_object_get(s, "moodle"), "plugin_calls"), 0);
    CHECK_STR(jstr(call, "completionstatusrequired"), "2");
    CHECK(json_object_get(call, "wstoken") == NULL);
    json_decref(s);

    /* The update ignores the settings it is sent. */
    snprintf(params, sizeof params, "courseid=%lld&draftitemid=%lld&name=C&completiontracking=none",
             (long long)cid, (long long)item);
    struct http p2 = {0};
    ws(&p2, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK(json_is_false(json_object_get(p2.json, "created")));
    CHECK_INT(json_integer_value(json_object_get(p2.json, "completion")), 2);
    http_free(&p2);

    /* Bad completion settings. */
    snprintf(params, sizeof params,
             "courseid=%lld&draftitemid=%lld&name=C&completionstatusrequired=8", (long long)cid,
             (long long)item);
    struct http p3 = {0};
    ws(&p3, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK_STR(jstr(p3.json, "errorcode"), "invalidparameter");
    http_free(&p3);

    /* The 0.1.0 plugin's update path. */
    sim_post("/_sim/config", "{\"moodle_update_bug\":true}", &status);
    CHECK_INT(status, 200);
    snprintf(params, sizeof params, "courseid=%lld&draftitemid=%lld&name=C", (long long)cid,
             (long long)item);
    struct http p4 = {0};
    ws(&p4, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK_INT(p4.status, 200);
    CHECK_STR(jstr(p4.json, "exception"), "Error");
    CHECK_STR(jstr(p4.json, "message"), "Class \"grade_item\" not found");
    CHECK(json_object_get(p4.json, "errorcode") == NULL);
    http_free(&p4);
    sim_post("/_sim/config", "{\"moodle_update_bug\":\"yes\"}", &status);
    CHECK_INT(status, 400);
    sim_post("/_sim/config", "{}", &status);
    CHECK_INT(status, 400);
    sim_post("/_sim/config", "{\"moodle_update_bug\":false}", &status);
    CHECK_INT(status, 200);

    /* The answer fault: the body given, once, the operation not done. */
    sim_post("/_sim/faults",
             "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
             "\"local_lmsgw_create_or_update_scorm\",\"mode\":\"answer\",\"body\":{\"exception\":"
             "\"dml_write_exception\",\"errorcode\":\"dmlwriteexception\",\"message\":\"Error "
             "writing to database\"}}",
             &status);
    CHECK_INT(status, 201);
    struct http p5 = {0};
    ws(&p5, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK_INT(p5.status, 200);
    CHECK_STR(jstr(p5.json, "exception"), "dml_write_exception");
    http_free(&p5);
    s = state();
    mc = json_array_get(json_object_get(json_object_get(s, "moodle"), "courses"), 0);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(mc, "scorm"), "revision")), 2);
    json_decref(s);
    struct http p6 = {0};
    ws(&p6, TOKEN, "local_lmsgw_create_or_update_scorm", params);
    CHECK_INT(json_integer_value(json_object_get(p6.json, "revision")), 3);
    http_free(&p6);
    free(zip);
}

/* ---- faults ------------------------------------------------------------ */

static void test_fault_status(void)
{
    size_t len;
    long status;
    sim_post("/_sim/reset", NULL, &status); /* call counts start at zero */
    sim_post("/_sim/faults",
             "{\"match\":\"/api/v2/courses/importJobs/upload\",\"mode\":\"status\","
             "\"status\":503,\"retry_after\":7,\"count\":2}",
             &status);
    CHECK_INT(status, 201);
    char *zip = make_zip("imsmanifest.xml", SCORM12, &len);
    for (int i = 0; i < 2; i++) {
        struct http h = {.method = "POST",
                         .userpwd = APP ":" SECRET,
                         .file_field = "file",
                         .file_data = zip,
                         .file_len = len};
        run(&h, "/api/v2/courses/importJobs/upload?courseId=fault-status");
        CHECK_INT(h.status, 503);
        CHECK_STR(h.retry_after, "7");
        http_free(&h);
    }
    char *jid = upload("fault-status", false, zip, len, &status);
    CHECK_INT(status, 200);
    free(jid);
    json_t *s = state();
    CHECK_INT(json_integer_value(json_object_get(json_object_get(s, "calls"),
                                                 "POST /api/v2/courses/importJobs/upload")),
              3);
    CHECK_INT(json_object_size(json_object_get(json_object_get(s, "scormcloud"), "jobs")), 1);
    json_decref(s);
    free(zip);
}

static void test_fault_slow_and_timeout(void)
{
    long status;
    sim_post("/_sim/faults", "{\"match\":\"/api/v2/ping\",\"mode\":\"slow\",\"delay_ms\":100}",
             &status);
    struct http h = {.userpwd = APP ":" SECRET};
    run(&h, "/api/v2/ping");
    CHECK_INT(h.status, 200);
    CHECK_STR(jstr(h.json, "apiMessage"), "pong");
    http_free(&h);

    /* The client gives up before the answer; the course is created anyway. */
    sim_post("/_sim/faults",
             "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
             "\"core_course_create_courses\",\"mode\":\"timeout\",\"delay_ms\":1000}",
             &status);
    struct http t = {.timeout_ms = 200};
    ws(&t, TOKEN, "core_course_create_courses",
       "courses[0][fullname]=Slow&courses[0][shortname]=slow-1&courses[0][categoryid]=1"
       "&courses[0][idnumber]=slow-1");
    CHECK_INT(t.rc, CURLE_OPERATION_TIMEDOUT);
    http_free(&t);
    int found = 0;
    for (int i = 0; i < 400 && !found; i++) {
        struct http g = {0};
        ws(&g, TOKEN, "core_course_get_courses_by_field", "field=idnumber&value=slow-1");
        found = (int)json_array_size(json_object_get(g.json, "courses"));
        http_free(&g);
        if (!found) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    CHECK_INT(found, 1);
}

static void test_fault_drop(void)
{
    long status;
    sim_post("/_sim/faults",
             "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
             "\"core_course_create_courses\",\"mode\":\"drop\"}",
             &status);
    const char *p = "courses[0][fullname]=Drop&courses[0][shortname]=drop-1"
                    "&courses[0][categoryid]=1&courses[0][idnumber]=drop-1";
    struct http d = {0};
    ws(&d, TOKEN, "core_course_create_courses", p);
    CHECK(d.rc != CURLE_OK);
    CHECK_INT(d.status, 0);
    http_free(&d);
    struct http g = {0};
    ws(&g, TOKEN, "core_course_get_courses_by_field", "field=idnumber&value=drop-1");
    CHECK_INT(json_array_size(json_object_get(g.json, "courses")), 0);
    http_free(&g);
    struct http again = {0};
    ws(&again, TOKEN, "core_course_create_courses", p);
    CHECK_INT(again.status, 200);
    CHECK(json_is_array(again.json));
    http_free(&again);
}

static void test_fault_accept_then_drop(void)
{
    size_t len;
    long status;
    sim_post("/_sim/faults",
             "{\"match\":\"/api/v2/courses/importJobs/upload\",\"mode\":\"accept_then_drop\"}",
             &status);
    char *zip = make_zip("imsmanifest.xml", SCORM12, &len);
    struct http h = {.method = "POST",
                     .userpwd = APP ":" SECRET,
                     .file_field = "file",
                     .file_data = zip,
                     .file_len = len};
    run(&h, "/api/v2/courses/importJobs/upload?courseId=lost-answer");
    CHECK(h.rc != CURLE_OK);
    CHECK_INT(h.status, 0);
    http_free(&h);
    /* The operation happened: one job for the course, and the course is there
     * for a client that reads before retrying. */
    json_t *s = state();
    json_t *jobs = json_object_get(json_object_get(s, "scormcloud"), "jobs"), *j;
    const char *k;
    int n = 0;
    json_object_foreach(jobs, k, j) n += strcmp(jstr(j, "courseId"), "lost-answer") == 0;
    CHECK_INT(n, 1);
    json_decref(s);
    struct http g = {.userpwd = APP ":" SECRET};
    run(&g, "/api/v2/courses/lost-answer");
    CHECK_INT(g.status, 200);
    CHECK_STR(jstr(g.json, "id"), "lost-answer");
    http_free(&g);
    /* A blind retry is refused rather than duplicated. */
    char *jid = upload("lost-answer", false, zip, len, &status);
    CHECK_INT(status, 409);
    free(jid);
    s = state();
    json_t *c = json_object_get(json_object_get(json_object_get(s, "scormcloud"), "courses"),
                                "lost-answer");
    CHECK_INT(json_array_size(json_object_get(c, "versions")), 1);
    json_decref(s);

    /* Moodle: the course is created though the client got nothing. */
    sim_post("/_sim/faults",
             "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
             "\"core_course_create_courses\",\"mode\":\"accept_then_drop\"}",
             &status);
    struct http m = {0};
    ws(&m, TOKEN, "core_course_create_courses",
       "courses[0][fullname]=Lost&courses[0][shortname]=lost-1&courses[0][categoryid]=1"
       "&courses[0][idnumber]=lost-1");
    CHECK(m.rc != CURLE_OK);
    http_free(&m);
    s = state();
    json_t *mc, *courses = json_object_get(json_object_get(s, "moodle"), "courses");
    size_t i;
    n = 0;
    json_array_foreach(courses, i, mc) n += strcmp(jstr(mc, "idnumber"), "lost-1") == 0;
    CHECK_INT(n, 1);
    json_decref(s);
    free(zip);
}

/* ---- statements -------------------------------------------------------- */

static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int posts;
    char auth[256], version[32];
    struct gw_buf body;
} rx;

static enum MHD_Result rx_handler(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    static int marker;
    if (!*con_cls) {
        *con_cls = &marker;
        pthread_mutex_lock(&rx_lock);
        gw_buf_reset(&rx.body);
        pthread_mutex_unlock(&rx_lock);
        return MHD_YES;
    }
    pthread_mutex_lock(&rx_lock);
    if (*size) {
        gw_buf_append(&rx.body, data, *size);
        *size = 0;
        pthread_mutex_unlock(&rx_lock);
        return MHD_YES;
    }
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Experience-API-Version");
    snprintf(rx.auth, sizeof rx.auth, "%s", a ? a : "");
    snprintf(rx.version, sizeof rx.version, "%s", v ? v : "");
    rx.posts++;
    pthread_mutex_unlock(&rx_lock);
    /* Basic dXNlcjpwYXNz is user:pass. */
    bool ok = a && strcmp(a, "Basic dXNlcjpwYXNz") == 0;
    const char *body = ok ? "[\"id-1\"]" : "{\"error\":\"unauthorized\"}";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, ok ? 200 : 401, r);
    MHD_destroy_response(r);
    return ret;
}

static void test_post_statements(void)
{
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                            rx_handler, NULL, MHD_OPTION_END);
    REQUIRE(d);
    unsigned port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    char body[1024];
    snprintf(body, sizeof body,
             "{\"endpoint\":\"http://127.0.0.1:%u/xapi/statements\",\"user\":\"user\","
             "\"password\":\"pass\",\"statements\":[{\"actor\":{\"mbox\":\"mailto:a@example."
             "org\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\"},"
             "\"object\":{\"id\":\"https://example.org/courses/fire\"}}]}",
             port);
    struct http h = {.method = "POST", .body = body};
    run(&h, "/_sim/post-statements");
    CHECK_INT(h.status, 200);
    CHECK_INT(json_integer_value(json_object_get(h.json, "status")), 200);
    CHECK_STR(jstr(h.json, "body"), "[\"id-1\"]");
    http_free(&h);
    pthread_mutex_lock(&rx_lock);
    CHECK_INT(rx.posts, 1);
    CHECK_STR(rx.auth, "Basic dXNlcjpwYXNz");
    CHECK_STR(rx.version, "1.0.3");
    json_t *sent = json_loadb(rx.body.data, rx.body.len, 0, NULL);
    CHECK(json_is_array(sent) && json_array_size(sent) == 1);
    json_decref(sent);
    pthread_mutex_unlock(&rx_lock);

    /* Wrong credentials: the simulator answers with the status it got. */
    snprintf(body, sizeof body,
             "{\"endpoint\":\"http://127.0.0.1:%u/xapi/statements\",\"user\":\"user\","
             "\"password\":\"nope\",\"statements\":[]}",
             port);
    struct http w = {.method = "POST", .body = body};
    run(&w, "/_sim/post-statements");
    CHECK_INT(w.status, 401);
    http_free(&w);
    MHD_stop_daemon(d);
    gw_buf_free(&rx.body);
}

/* ---- control API and state file ---------------------------------------- */

static void test_reset(void)
{
    long status;
    sim_post("/_sim/reset", NULL, &status);
    CHECK_INT(status, 200);
    json_t *s = state();
    CHECK_INT(json_object_size(json_object_get(json_object_get(s, "scormcloud"), "courses")), 0);
    CHECK_INT(json_array_size(json_object_get(json_object_get(s, "moodle"), "courses")), 0);
    CHECK_INT(json_array_size(json_object_get(s, "faults")), 0);
    json_decref(s);
    sim_post("/_sim/faults", "{\"match\":\"/x\",\"mode\":\"explode\"}", &status);
    CHECK_INT(status, 400);
    sim_post("/_sim/config", "{\"import_polls\":0}", &status);
    CHECK_INT(status, 200);
    size_t len;
    int running;
    char *zip = make_zip("imsmanifest.xml", SCORM12, &len);
    char *jid = upload("no-wait", false, zip, len, &status);
    REQUIRE(jid);
    json_t *job = poll_job(jid, &running);
    CHECK_INT(running, 0);
    CHECK_STR(jstr(job, "status"), "COMPLETE");
    json_decref(job);
    free(jid);
    free(zip);
}

static void test_state_file(void)
{
    char path[512];
    struct sim saved = sim;
    snprintf(path, sizeof path, "%s/state.json", tmpdir);
    REQUIRE(sim_start(&sim, path));
    struct http cc = {0};
    ws(&cc, TOKEN, "core_course_create_courses",
       "courses[0][fullname]=Kept&courses[0][shortname]=kept-1&courses[0][categoryid]=1"
       "&courses[0][idnumber]=kept-1");
    CHECK_INT(cc.status, 200);
    http_free(&cc);
    CHECK_INT(sim_stop(&sim), 0);
    REQUIRE(sim_start(&sim, path));
    struct http g = {0};
    ws(&g, TOKEN, "core_course_get_courses_by_field", "field=idnumber&value=kept-1");
    CHECK_INT(json_array_size(json_object_get(g.json, "courses")), 1);
    http_free(&g);
    struct http cc2 = {0};
    ws(&cc2, TOKEN, "core_course_create_courses",
       "courses[0][fullname]=Next&courses[0][shortname]=kept-2&courses[0][categoryid]=1");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(cc2.json, 0), "id")), 3);
    http_free(&cc2);
    CHECK_INT(sim_stop(&sim), 0);
    unlink(path);
    sim = saved;
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_lmssim.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    if (!sim_start(&sim, NULL)) {
        fprintf(stderr, "cannot start lmssim (LMSSIM_BIN=%s)\n", getenv("LMSSIM_BIN"));
        return 1;
    }
    GW_RUN(test_scorm_import);
    GW_RUN(test_scorm_auth);
    GW_RUN(test_scorm_versions_and_delete);
    GW_RUN(test_moodle_courses);
    GW_RUN(test_moodle_upload_and_plugin);
    GW_RUN(test_moodle_completion_and_update_bug);
    GW_RUN(test_fault_status);
    GW_RUN(test_fault_slow_and_timeout);
    GW_RUN(test_fault_drop);
    GW_RUN(test_fault_accept_then_drop);
    GW_RUN(test_post_statements);
    GW_RUN(test_reset);
    GW_RUN(test_state_file);
    int clean = sim_stop(&sim);
    CHECK_INT(clean, 0);
    char pkg[512];
    snprintf(pkg, sizeof pkg, "%s/pkg.zip", tmpdir);
    unlink(pkg);
    rmdir(tmpdir);
    curl_global_cleanup();
    if (clean != 0)
        fprintf(stderr, "lmssim did not stop cleanly\n");
    return clean != 0 ? 1 : gw_test_summary();
}
