/* Approval requests by mail, end to end: the real lmsgw configured with
 * smtp_url pointing at a local SMTP sink, a round opened over the API, one
 * scheduler pass (`lmsgw review tick`), the ask arrives by SMTP with a
 * one-click link, and posting a decision through that link approves the
 * course. No mocks: the gateway's notifier, libcurl's SMTP and the link page. */
#include "support.h"
#include "gwtest.h"
#include "testsupport.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gwt_server srv;
static struct smtp_sink *sink;
static char h_admin[256], h_author[256];

/* This test's requests always carry a Content-Type (application/json unless
 * another is named) and, where no key is sent, this harmless line in the
 * key's place: the call sites keep both. */
#define NO_KEY "X-None: 1"
#define JSON "application/json"

static char course_id[64], round_id[64];

static void test_open_a_round(void)
{
    json_t *j = NULL;
    CHECK_INT(gwt_post_json(
                  &srv, "/api/v1/people", h_admin,
                  "{\"id\":\"ann\",\"name\":\"Ann Approver\",\"email\":\"ann@example.com\"}", &j),
              201);
    json_decref(j);
    CHECK_INT(gwt_post_json(&srv, "/api/v1/departments", h_admin,
                            "{\"id\":\"ops\",\"name\":\"Operations\"}", &j),
              201);
    json_decref(j);
    const char *req = "{\"department_id\":\"ops\",\"title\":\"Forklift safety\","
                      "\"business_case\":{\"problem\":\"incidents\",\"audience\":\"warehouse\","
                      "\"reach\":\"LMS kiosk\",\"mandatory\":true,\"communication_plan\":\"shift "
                      "briefings\",\"kpi\":\"incidents\",\"kpi_target\":\"-30%\",\"deadline\":"
                      "\"2027-01-15\",\"effort_low_hours\":10,\"effort_high_hours\":20,"
                      "\"project_code\":\"OPS-1\"},\"approvers\":[{\"person_id\":\"ann\","
                      "\"due_in_days\":3}]}";
    CHECK_INT(gwt_post_json(&srv, "/api/v1/requests", h_admin, req, &j), 201);
    char body[256];
    snprintf(body, sizeof body, "{\"request_id\":\"%s\"}", gwt_sv(j, "id"));
    json_decref(j);
    CHECK_INT(gwt_post_json(&srv, "/api/v1/courses", h_author, body, &j), 201);
    snprintf(course_id, sizeof course_id, "%s", gwt_sv(j, "id"));
    json_decref(j);
    char pkg[64];
    CHECK_INT(gwt_upload_sample(&srv, h_author, "cmi5-sample", pkg, sizeof pkg), 201);
    snprintf(body, sizeof body, "{\"package_id\":\"%s\"}", pkg);
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s/versions", course_id);
    CHECK_INT(gwt_post_json(&srv, path, h_author, body, &j), 201);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/courses/%s/submit", course_id);
    CHECK_INT(gwt_api(&srv, "POST", path, h_author, JSON, NULL, 0, &j, NULL), 201);
    snprintf(round_id, sizeof round_id, "%s", gwt_sv(j, "id"));
    json_decref(j);
}

static void test_ask_arrives_by_mail_and_its_link_decides(void)
{
    REQUIRE(round_id[0]);
    const char *args[] = {"--config", srv.config_path, "review", "tick", NULL};
    char *out = NULL, *err = NULL;
    CHECK_INT(gwt_run_lmsgw(args, NULL, &out, &err), 0);
    free(out);
    free(err);
    char *mail = smtp_sink_data(sink);
    char *env = smtp_sink_envelope(sink);
    CHECK(strstr(env, "ann@example.com") != NULL);
    CHECK(strstr(mail, "Forklift safety") != NULL);
    char *link = strstr(mail, "/r/");
    REQUIRE(link);
    char token[1024];
    size_t n = strcspn(link + 3, " \r\n>\"");
    snprintf(token, sizeof token, "%.*s", (int)n, link + 3);
    char path[1200];
    snprintf(path, sizeof path, "/r/%s", token);
    char *html = NULL;
    CHECK_INT(gwt_api(&srv, "GET", path, NO_KEY, JSON, NULL, 0, NULL, &html), 200);
    CHECK(html && strstr(html, "Forklift safety"));
    free(html);
    const char *form = "decision=approve&comment=Good+to+go";
    CHECK_INT(gwt_api(&srv, "POST", path, NO_KEY, "application/x-www-form-urlencoded", form,
                      strlen(form), NULL, NULL),
              200);
    json_t *c = NULL;
    snprintf(path, sizeof path, "/api/v1/courses/%s", course_id);
    CHECK_INT(gwt_api(&srv, "GET", path, h_admin, JSON, NULL, 0, &c, NULL), 200);
    const char *state = gwt_sv(c, "state");
    CHECK(strcmp(state, "approved") == 0 || strcmp(state, "publishing") == 0);
    json_decref(c);
    /* a second pass sends nothing new to Ann (never twice) */
    CHECK_INT(gwt_run_lmsgw(args, NULL, &out, NULL), 0);
    CHECK(out && strstr(out, "0 sent"));
    free(out);
    free(mail);
    free(env);
}

int main(void)
{
    int port = 0;
    sink = smtp_sink_start(&port);
    if (!sink) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    char cfg[512];
    snprintf(cfg, sizeof cfg,
             "{\"smtp_url\": \"smtp://127.0.0.1:%d\", \"smtp_from\": \"lmsgw@example.org\", "
             "\"smtp_starttls\": \"none\", \"access_log\": false}",
             port);
    if (!gwt_server_start(&srv, NULL, cfg) ||
        !gwt_server_make_key(&srv, "author", h_author, sizeof h_author)) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", srv.admin_token);
    GW_RUN(test_open_a_round);
    GW_RUN(test_ask_arrives_by_mail_and_its_link_decides);
    gwt_server_stop(&srv, SIGTERM);
    gwt_server_free(&srv);
    smtp_sink_stop(sink);
    return gw_test_summary();
}
