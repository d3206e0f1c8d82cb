/* The launch announcement, end to end (issue 15): the real lmsgw with a
 * targets file pointing at the real lmssim and smtp_url at the SMTP sink;
 * courses approved over HTTP and published; scheduler passes run as `lmsgw
 * review tick` besides the gateway's own scheduler, which the outbox wakes
 * after a publish. Proves: a published course is announced once to each of its
 * plan's recipients with the title, the LMS link, the deadline and
 * "mandatory"; a second version says "updated", once; more passes send
 * nothing again; a plan without recipients gets no mail and the pipeline
 * says so; the preview shows the words that were sent; a department's
 * template is used, and a malformed one is refused with its where. The
 * sink counts messages from every sender (the gateway's own scheduler thread
 * too), so "once" holds whoever sends. Compiled once per backend. */
#include "../outbound/support.h"
#include "gwtest.h"
#include "testsupport.h"

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

static struct sim sim;
static struct smtp_sink *sink;
static char *tmp;
static struct gwt_server srv;
static char h_admin[256], h_author[256], h_approver[256];

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* How often needle occurs in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay ? strstr(hay, needle) : NULL; p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The message (envelope and data) that holds needle, as a copy, or NULL. */
static char *message_with(const char *all, const char *needle)
{
    const char *hit = all ? strstr(all, needle) : NULL;
    if (!hit)
        return NULL;
    const char *start = hit;
    while (start > all && strncmp(start, "<<end of message>>\n", 19) != 0)
        start--;
    const char *end = strstr(hit, "<<end of message>>");
    return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

/* Waits (up to 10 s) until the sink holds n messages with needle: the
 * outbox wakes the gateway's scheduler after a publish. */
static void wait_mail(const char *needle, int n)
{
    for (int i = 0; i < 200; i++) {
        char *all = smtp_sink_all(sink);
        int c = count(all, needle);
        free(all);
        if (c >= n)
            return;
        pause_ms(50);
    }
    fprintf(stderr, "  no %d mails with %s\n", n, needle);
}

static void tick(void)
{
    const char *args[] = {"--config", srv.config_path, "review", "tick", NULL};
    char *out = NULL, *err = NULL;
    CHECK_INT(gwt_run_lmsgw(args, NULL, &out, &err), 0);
    free(out);
    free(err);
}

static char *package(const char *tag, size_t *len)
{
    char src[1024], dst[1024];
    snprintf(src, sizeof src, "%s/packages/scorm12-sample.zip", getenv("GW_BUILD_DIR"));
    snprintf(dst, sizeof dst, "%s/pkg-%s.zip", tmp, tag);
    size_t n = 0;
    char *data = gwt_slurp(src, &n);
    FILE *f = data ? fopen(dst, "wb") : NULL;
    if (!f) {
        free(data);
        return NULL;
    }
    fwrite(data, 1, n, f);
    fclose(f);
    free(data);
    int zerr = 0;
    zip_t *z = zip_open(dst, 0, &zerr);
    if (!z)
        return NULL;
    zip_source_t *s = zip_source_buffer(z, strdup(tag), strlen(tag), 1);
    zip_file_add(z, "notes.txt", s, ZIP_FL_OVERWRITE);
    zip_close(z);
    return gwt_slurp(dst, len);
}

/* Uploads a variant as the course's next version, submits it and approves;
 * then waits until the course is published. */
static bool publish_version(const char *course_id, const char *tag)
{
    json_t *j = NULL;
    char body[512], path[256];
    size_t len = 0;
    char *zip = package(tag, &len);
    long st = zip ? gwt_api(&srv, "POST", "/api/v1/packages", h_author, "application/zip", zip, len,
                            &j, NULL)
                  : -1;
    free(zip);
    if (st != 201)
        return false;
    snprintf(body, sizeof body, "{\"package_id\":\"%s\"}", gwt_sv(j, "id"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/courses/%s/versions", course_id);
    if (gwt_post_json(&srv, path, h_author, body, &j) != 201)
        return false;
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/courses/%s/submit", course_id);
    if (gwt_api(&srv, "POST", path, h_author, NULL, NULL, 0, &j, NULL) != 201)
        return false;
    snprintf(path, sizeof path, "/api/v1/rounds/%s/decisions", gwt_sv(j, "id"));
    json_decref(j);
    if (gwt_post_json(&srv, path, h_approver, "{\"decision\":\"approve\",\"approver_id\":\"ann\"}",
                      &j) != 201)
        return false;
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/courses/%s/publish", course_id);
    for (int i = 0; i < 1200; i++) {
        bool done = gwt_api(&srv, "GET", path, h_author, NULL, NULL, 0, &j, NULL) == 200 &&
                    strcmp(gwt_sv(j, "state"), "published") == 0;
        json_decref(j);
        j = NULL;
        if (done)
            return true;
        pause_ms(50);
    }
    return false;
}

/* A request (announce: the business case's announce member or NULL) and its
 * course, published; the course id into id. */
static bool publish_course(const char *dept, const char *title, const char *announce, char id[64])
{
    json_t *j = NULL;
    char body[2048];
    snprintf(body, sizeof body,
             "{\"department_id\":\"%s\",\"title\":\"%s\",\"business_case\":{\"problem\":"
             "\"forklift incidents\",\"audience\":\"warehouse staff\",\"mandatory\":true,"
             "\"communication_plan\":\"shift briefings\",\"kpi\":\"incidents\",\"deadline\":"
             "\"2027-03-01\"%s%s},\"approvers\":[{\"person_id\":\"ann\"}]}",
             dept, title, announce ? ",\"announce\":" : "", announce ? announce : "");
    if (gwt_post_json(&srv, "/api/v1/requests", h_admin, body, &j) != 201) {
        fprintf(stderr, "  request: %s\n", j ? gwt_sv(j, "detail") : "?");
        json_decref(j);
        return false;
    }
    snprintf(body, sizeof body, "{\"request_id\":\"%s\",\"author_person_id\":\"author\"}",
             gwt_sv(j, "id"));
    json_decref(j);
    if (gwt_post_json(&srv, "/api/v1/courses", h_author, body, &j) != 201)
        return false;
    snprintf(id, 64, "%s", gwt_sv(j, "id"));
    json_decref(j);
    return publish_version(id, title);
}

static json_t *preview(const char *course_id)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s/announcement", course_id);
    json_t *j = NULL;
    CHECK_INT(gwt_api(&srv, "GET", path, h_author, NULL, NULL, 0, &j, NULL), 200);
    return j;
}

static char course_a[64];

static void test_published_course_announced_once(void)
{
    REQUIRE(publish_course("ops", "Forklift safety",
                           "{\"recipients\":[\"all-ops@corp.example\",\"leads@corp.example\"]}",
                           course_a));
    wait_mail("Subject: New course: Forklift safety", 2);
    char *all = smtp_sink_all(sink);
    CHECK_INT(count(all, "Subject: New course: Forklift safety"), 2);
    CHECK_INT(count(all, "RCPT TO:<all-ops@corp.example>"), 1);
    CHECK_INT(count(all, "RCPT TO:<leads@corp.example>"), 1);
    char *m = message_with(all, "RCPT TO:<leads@corp.example>");
    REQUIRE(m);
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s/publish", course_a);
    json_t *p = NULL;
    CHECK_INT(gwt_api(&srv, "GET", path, h_author, NULL, NULL, 0, &p, NULL), 200);
    const char *url = gwt_sv(json_array_get(json_object_get(p, "lms"), 0), "course_url");
    CHECK(url[0] && strstr(m, url) != NULL);
    CHECK(strstr(m, "Forklift safety") != NULL);
    CHECK(strstr(m, "2027-03-01") != NULL);
    CHECK(strstr(m, "mandatory") != NULL);
    CHECK(strstr(m, "What it is for: forklift incidents") != NULL);
    /* the preview shows the words that were sent */
    json_t *v = preview(course_a);
    CHECK_STR(gwt_sv(v, "subject"), "New course: Forklift safety");
    CHECK_INT(json_array_size(json_object_get(v, "recipients")), 2);
    CHECK(json_is_null(json_object_get(v, "mail")));
    const char *body = gwt_sv(v, "body");
    char first[256];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(strstr(body, "What"), "\n"),
             strstr(body, "What"));
    CHECK(strstr(m, first) != NULL);
    json_decref(v);
    json_decref(p);
    free(m);
    free(all);
    /* more passes (a restart runs the same tick; on PostgreSQL the serving
     * gateway holds the scheduler's lead, so these find nothing to do) */
    tick();
    tick();
    all = smtp_sink_all(sink);
    CHECK_INT(count(all, "Subject: New course: Forklift safety"), 2);
    free(all);
    /* audited on the course's trail, once per message */
    char *text = NULL;
    snprintf(path, sizeof path, "/api/v1/audit?course_id=%s", course_a);
    CHECK_INT(gwt_api(&srv, "GET", path, h_admin, NULL, NULL, 0, NULL, &text), 200);
    CHECK_INT(count(text, "announcement.sent"), 2);
    free(text);
}

static void test_new_version_says_updated(void)
{
    REQUIRE(course_a[0]);
    REQUIRE(publish_version(course_a, "forklift v2"));
    wait_mail("Subject: Course updated (version 2): Forklift safety", 2);
    tick();
    tick();
    char *all = smtp_sink_all(sink);
    CHECK_INT(count(all, "Subject: Course updated (version 2): Forklift safety"), 2);
    CHECK_INT(count(all, "Subject: New course: Forklift safety"), 2);
    free(all);
    json_t *v = preview(course_a);
    CHECK(json_is_true(json_object_get(v, "updated")));
    json_decref(v);
}

static void test_no_recipients_no_mail(void)
{
    char id[64];
    REQUIRE(publish_course("ops", "Quiet course", NULL, id));
    tick();
    pause_ms(300); /* the woken scheduler's pass, had it anything to send */
    char *all = smtp_sink_all(sink);
    /* its review requests were mailed (a submit wakes the scheduler); no
     * announcement */
    CHECK_INT(count(all, "New course: Quiet course"), 0);
    CHECK_INT(count(all, ": Quiet course\r\n"), count(all, "Review requested: Quiet course"));
    free(all);
    json_t *pl = NULL;
    CHECK_INT(gwt_api(&srv, "GET", "/api/v1/pipeline", h_author, NULL, NULL, 0, &pl, NULL), 200);
    size_t i;
    json_t *it;
    bool seen = false;
    json_array_foreach(json_object_get(pl, "courses"), i, it)
    {
        if (strcmp(gwt_sv(it, "id"), id) == 0) {
            seen = true;
            CHECK_STR(gwt_sv(it, "announcement"), "no recipients in the communication plan");
        } else if (strcmp(gwt_sv(it, "id"), course_a) == 0) {
            CHECK_STR(gwt_sv(it, "announcement"), "mailed 2 of 2");
        }
    }
    CHECK(seen);
    json_decref(pl);
    json_t *v = preview(id);
    CHECK_STR(gwt_sv(v, "mail"), "no recipients in the communication plan");
    json_decref(v);
}

static void test_department_template(void)
{
    json_t *j = NULL;
    const char *bad = "{\"announcement\":{\"body\":\"see {lnk}\"}}";
    CHECK_INT(gwt_api(&srv, "PUT", "/api/v1/departments/sales/settings", h_admin,
                      "application/json", bad, strlen(bad), &j, NULL),
              400);
    CHECK_STR(gwt_sv(j, "where"), "/settings/announcement/body");
    json_decref(j);
    const char *set = "{\"announcement\":{\"subject\":\"[{department}] {title} is live\","
                      "\"body\":\"Open {link} by {deadline}; it is {mandatory}.\"}}";
    CHECK_INT(gwt_api(&srv, "PUT", "/api/v1/departments/sales/settings", h_admin,
                      "application/json", set, strlen(set), &j, NULL),
              200);
    json_decref(j);
    char id[64];
    REQUIRE(
        publish_course("sales", "Pitch deck", "{\"recipients\":[\"all-sales@corp.example\"]}", id));
    wait_mail("Subject: [Sales] Pitch deck is live", 1);
    tick();
    char *all = smtp_sink_all(sink);
    CHECK_INT(count(all, "Subject: [Sales] Pitch deck is live"), 1);
    char *m = message_with(all, "Subject: [Sales] Pitch deck is live");
    CHECK(m && strstr(m, "by 2027-03-01; it is mandatory.") != NULL);
    CHECK(m && strstr(m, "RCPT TO:<all-sales@corp.example>") != NULL);
    free(m);
    free(all);
    json_t *v = preview(id);
    CHECK_STR(gwt_sv(v, "subject"), "[Sales] Pitch deck is live");
    json_decref(v);
}

static void test_intake_checks_addresses(void)
{
    json_t *j = NULL;
    const char *req =
        "{\"department_id\":\"ops\",\"title\":\"x\",\"business_case\":{\"problem\":\"p\","
        "\"audience\":\"a\",\"mandatory\":false,\"kpi\":\"k\",\"announce\":{\"recipients\":"
        "[\"ok@corp.example\",\"not an address\"]}},\"approvers\":[{\"person_id\":\"ann\"}]}";
    CHECK_INT(gwt_post_json(&srv, "/api/v1/requests", h_admin, req, &j), 400);
    CHECK_STR(gwt_sv(j, "where"), "/business_case/announce/recipients/1");
    json_decref(j);
}

static bool setup(void)
{
    int port = 0;
    tmp = gwt_tmpdir("lmsgw-announce");
    sink = smtp_sink_start(&port);
    if (!tmp || !sink || !sim_start(&sim))
        return false;
    char targets[512];
    snprintf(targets, sizeof targets, "%s/targets.json", tmp);
    FILE *f = fopen(targets, "w");
    if (!f)
        return false;
    fprintf(f,
            "{\"default\":\"sim\",\"poll_ms\":50,\"backoff_base_ms\":50,\"backoff_cap_ms\":200,"
            "\"lease_ms\":1200000,\"targets\":{\"sim\":{\"type\":\"scormcloud\",\"base_url\":"
            "\"%s/api/v2\",\"app_id\":\"lmssim-app\",\"secret\":\"lmssim-secret\","
            "\"import_poll_interval_ms\":10,\"timeout_ms\":10000,\"upload_timeout_ms\":30000}}}\n",
            sim.base_url);
    fclose(f);
    char extra[1024];
    snprintf(extra, sizeof extra,
             "{\"max_package_bytes\": 4000000, \"lms_targets_file\": \"%s\", \"smtp_url\": "
             "\"smtp://127.0.0.1:%d\", \"smtp_from\": \"lmsgw@example.org\", \"smtp_starttls\": "
             "\"none\", \"access_log\": false}",
             targets, port);
    char *dsn = NULL;
#if GW_TEST_PG
    dsn = gwt_pg_fresh_dsn();
    if (!dsn)
        return false;
#endif
    bool ok = gwt_server_start(&srv, dsn, extra);
    free(dsn);
    if (!ok)
        return false;
    snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", srv.admin_token);
    json_t *j = NULL;
    const char *deps[] = {"{\"id\":\"ops\",\"name\":\"Operations\"}",
                          "{\"id\":\"sales\",\"name\":\"Sales\"}"};
    for (int i = 0; ok && i < 2; i++) {
        ok = gwt_post_json(&srv, "/api/v1/departments", h_admin, deps[i], &j) == 201;
        json_decref(j);
    }
    const char *people[] = {"ann", "author"};
    for (int i = 0; ok && i < 2; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"id\":\"%s\",\"name\":\"%s\",\"email\":\"%s@example.com\","
                 "\"department_id\":\"ops\"}",
                 people[i], people[i], people[i]);
        ok = gwt_post_json(&srv, "/api/v1/people", h_admin, body, &j) == 201;
        json_decref(j);
    }
    return ok && gwt_make_key(&srv, "author", "author", NULL, h_author, sizeof h_author, NULL, 0) &&
           gwt_make_key(&srv, "approver", "approver", "ann", h_approver, sizeof h_approver, NULL,
                        0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!setup()) {
        fprintf(stderr, "setup failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_published_course_announced_once);
    GW_RUN(test_new_version_says_updated);
    GW_RUN(test_no_recipients_no_mail);
    GW_RUN(test_department_template);
    GW_RUN(test_intake_checks_addresses);
    CHECK_INT(gwt_server_stop(&srv, SIGTERM), 0);
    gwt_server_free(&srv);
    sim_stop(&sim);
    smtp_sink_stop(sink);
    gwt_rmtree(tmp);
    free(tmp);
    curl_global_cleanup();
    return gw_test_summary();
}
