/* The lmsgw command line as a user meets it: help and version, bad
 * configuration (one clear line naming the key, exit 2), an unreachable
 * database or a port in use (one clear line, exit 1, no crash), a database
 * newer than the binary, key management, and README documenting every
 * configuration key exactly as `lmsgw config --doc` prints it. */
#include "gw/store.h"
#include "gwtest.h"
#include "testsupport.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dir;

static char *write_file(const char *name, const char *text)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        abort();
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Runs lmsgw; checks the exit code, that stderr is one line, and that it
 * contains needle. */
static void expect_fail(const char *const *args, const char *const *env, int code,
                        const char *needle)
{
    char *out = NULL, *err = NULL;
    int rc = gwt_run_lmsgw(args, env, &out, &err);
    CHECK_INT(rc, code);
    CHECK_INT(lines(err), 1);
    CHECK(strstr(err, needle) != NULL);
    if (!strstr(err, needle) || lines(err) != 1)
        fprintf(stderr, "  stderr was: %s\n", err);
    free(out);
    free(err);
}

static void test_help_version(void)
{
    char *out = NULL;
    const char *v[] = {"--version", NULL};
    CHECK_INT(gwt_run_lmsgw(v, NULL, &out, NULL), 0);
    CHECK(strncmp(out, "lmsgw ", 6) == 0);
    free(out);
    const char *h[] = {"--help", NULL};
    CHECK_INT(gwt_run_lmsgw(h, NULL, &out, NULL), 0);
    CHECK(strstr(out, "serve") && strstr(out, "migrate") && strstr(out, "key create"));
    free(out);
    const char *u[] = {"frobnicate", NULL};
    CHECK_INT(gwt_run_lmsgw(u, NULL, NULL, NULL), 2);
    const char *none[] = {NULL};
    CHECK_INT(gwt_run_lmsgw(none, NULL, NULL, NULL), 2);
}

static void test_bad_config(void)
{
    char *p = write_file("unknown.json", "{\"prot\": 8080}");
    const char *a1[] = {"--config", p, "migrate", NULL};
    expect_fail(a1, NULL, 2, "'prot'");
    free(p);
    p = write_file("badtype.json", "{\"port\": \"eighty\"}");
    const char *a2[] = {"--config", p, "serve", NULL};
    expect_fail(a2, NULL, 2, "'port'");
    free(p);
    p = write_file("range.json", "{\"port\": 70000}");
    const char *a3[] = {"--config", p, "serve", NULL};
    expect_fail(a3, NULL, 2, "'port'");
    free(p);
    p = write_file("notjson.json", "{\"port\": ");
    const char *a4[] = {"--config", p, "serve", NULL};
    expect_fail(a4, NULL, 2, "notjson.json");
    free(p);
    p = write_file("dsn.json", "{\"database\": \"mysql://x\"}");
    const char *a5[] = {"--config", p, "serve", NULL};
    expect_fail(a5, NULL, 2, "'database'");
    free(p);
    const char *a6[] = {"--config", "/nonexistent/lmsgw.json", "serve", NULL};
    expect_fail(a6, NULL, 2, "/nonexistent/lmsgw.json");
    const char *a7[] = {"config", "--show", NULL};
    const char *e7[] = {"LMSGW_PORT=abc", NULL};
    expect_fail(a7, e7, 2, "LMSGW_PORT");
    const char *e8[] = {"LMSGW_PROT=1", NULL};
    expect_fail(a7, e8, 2, "LMSGW_PROT");
    const char *e9[] = {"LMSGW_LOG_LEVEL=loud", NULL};
    expect_fail(a7, e9, 2, "log_level");
}

static void test_env_overrides_file(void)
{
    char *p = write_file("ok.json", "{\"port\": 9000, \"log_level\": \"warn\"}");
    const char *a[] = {"--config", p, "config", "--show", NULL};
    const char *e[] = {"LMSGW_PORT=9100", NULL};
    char *out = NULL;
    CHECK_INT(gwt_run_lmsgw(a, e, &out, NULL), 0);
    json_t *j = json_loads(out, 0, NULL);
    CHECK(j != NULL);
    CHECK_INT(json_integer_value(json_object_get(j, "port")), 9100);
    CHECK_STR(json_string_value(json_object_get(j, "log_level")), "warn");
    CHECK(strncmp(json_string_value(json_object_get(j, "database")), "sqlite:", 7) == 0);
    json_decref(j);
    free(out);
    free(p);
}

/* `config --show` never prints a secret: smtp_password shows "(set)", the
 * passwords inside the database DSN and the SMTP URL show REDACTED. */
static void test_show_hides_secrets(void)
{
    char *p = write_file(
        "secrets.json",
        "{\"smtp_password\": \"pw-SHOW-SECRET\", \"smtp_username\": \"mailer\", "
        "\"smtp_url\": \"smtp://mailer:url-SHOW-SECRET@127.0.0.1:2525\", "
        "\"database\": \"postgresql://lmsgw:dsn-SHOW-SECRET@127.0.0.1:1/lmsgw?sslmode=disable&"
        "password=q-SHOW-SECRET\"}");
    const char *a[] = {"--config", p, "config", "--show", NULL};
    char *out = NULL;
    CHECK_INT(gwt_run_lmsgw(a, NULL, &out, NULL), 0);
    REQUIRE(out);
    CHECK(strstr(out, "SHOW-SECRET") == NULL);
    json_t *j = json_loads(out, 0, NULL);
    REQUIRE(j);
    CHECK_STR(json_string_value(json_object_get(j, "smtp_password")), "(set)");
    CHECK_STR(json_string_value(json_object_get(j, "smtp_username")), "mailer");
    CHECK_STR(json_string_value(json_object_get(j, "smtp_url")),
              "smtp://mailer:REDACTED@127.0.0.1:2525");
    CHECK_STR(json_string_value(json_object_get(j, "database")),
              "postgresql://lmsgw:REDACTED@127.0.0.1:1/lmsgw?sslmode=disable&password=REDACTED");
    json_decref(j);
    free(out);
    /* unset secrets show as empty, a DSN without a password as it is */
    const char *e[] = {"LMSGW_DATABASE=postgresql://lmsgw@127.0.0.1:1/lmsgw", NULL};
    const char *b[] = {"config", "--show", NULL};
    CHECK_INT(gwt_run_lmsgw(b, e, &out, NULL), 0);
    j = json_loads(out, 0, NULL);
    REQUIRE(j);
    CHECK_STR(json_string_value(json_object_get(j, "smtp_password")), "");
    CHECK_STR(json_string_value(json_object_get(j, "database")),
              "postgresql://lmsgw@127.0.0.1:1/lmsgw");
    json_decref(j);
    free(out);
    /* a bad DSN is named in the error without its password */
    const char *e2[] = {"LMSGW_DATABASE=mysql://u:bad-SHOW-SECRET@h/db", NULL};
    expect_fail(b, e2, 2, "mysql://u:REDACTED@h/db");
    char *err = NULL;
    gwt_run_lmsgw(b, e2, NULL, &err);
    CHECK(err && strstr(err, "SHOW-SECRET") == NULL);
    free(err);
    free(p);
}

/* `serve` refuses SMTP credentials over a connection without TLS unless the
 * operator opted out by name: one clear line, exit 2, no password shown. */
static void test_smtp_plaintext_refused(void)
{
    char cfg[512];
    snprintf(cfg, sizeof cfg,
             "{\"data_dir\": \"%s/smtp\", \"port\": 0, \"smtp_url\": \"smtp://127.0.0.1:1\", "
             "\"smtp_from\": \"lmsgw@example.org\", \"smtp_username\": \"u\", "
             "\"smtp_password\": \"pw-PLAIN-SECRET\", "
             "\"smtp_starttls\": \"none\"}",
             dir);
    char *p = write_file("smtp.json", cfg);
    const char *a[] = {"--config", p, "serve", NULL};
    expect_fail(a, NULL, 2, "smtp_allow_plaintext_auth");
    char *err = NULL;
    gwt_run_lmsgw(a, NULL, NULL, &err);
    CHECK(err && strstr(err, "pw-PLAIN-SECRET") == NULL);
    free(err);
    free(p);
}

/* Setting only smtp_url is enough: the default sender lmsgw@localhost is
 * one the mail settings take (issue 13 leftover: serve used to exit with
 * "'from' must be an e-mail address"). */
static void test_serve_with_only_smtp_url(void)
{
    struct gwt_server s;
    REQUIRE(gwt_server_start(&s, NULL, "{\"smtp_url\": \"smtp://127.0.0.1:1\"}"));
    char *u = gwt_fmt("%s/readyz", s.base_url);
    struct gwt_response r;
    CHECK(gwt_http("GET", u, NULL, NULL, 0, &r));
    CHECK_INT(r.status, 200);
    gwt_response_free(&r);
    free(u);
    CHECK_INT(gwt_server_stop(&s, SIGTERM), 0);
    gwt_server_free(&s);
    /* a sender that is no address is still refused, in one line */
    char cfg[512];
    snprintf(cfg, sizeof cfg,
             "{\"data_dir\": \"%s/smtpfrom\", \"port\": 0, \"smtp_url\": \"smtp://127.0.0.1:1\", "
             "\"smtp_from\": \"lmsgw@\"}",
             dir);
    char *p = write_file("smtpfrom.json", cfg);
    const char *a[] = {"--config", p, "serve", NULL};
    expect_fail(a, NULL, 2, "'from' must be an e-mail address");
    free(p);
}

/* An LMSGW_ value that is not UTF-8 is refused naming the variable, without
 * echoing the value (found by fuzz_config). */
static void test_env_not_utf8(void)
{
    const char *a[] = {"config", "--show", NULL};
    const char *e[] = {"LMSGW_DATABASE=postgresql://u\xff\xff@db.example.org/lmsgw", NULL};
    expect_fail(a, e, 2, "LMSGW_DATABASE");
    char *err = NULL;
    gwt_run_lmsgw(a, e, NULL, &err);
    CHECK(err && strstr(err, "UTF-8") && !strstr(err, "db.example.org"));
    free(err);
    const char *e2[] = {"LMSGW_SMTP_FROM_NAME=Schulungsb\xfcro", NULL}; /* Latin-1 */
    expect_fail(a, e2, 2, "LMSGW_SMTP_FROM_NAME");
}

static void test_unreachable_database(void)
{
    char *p = write_file("pg.json", "{\"database\": \"postgresql://postgres@/x?host=/nonexistent\","
                                    " \"data_dir\": \"/tmp/lmsgw-cli-unused\"}");
    const char *a[] = {"--config", p, "serve", NULL};
    expect_fail(a, NULL, 1, "cannot connect to PostgreSQL");
    const char *m[] = {"--config", p, "migrate", NULL};
    expect_fail(m, NULL, 1, "STORE_UNREACHABLE");
    free(p);
}

static void test_port_in_use(void)
{
    struct gwt_server a;
    REQUIRE(gwt_server_start(&a, NULL, NULL));
    char cfg[256];
    snprintf(cfg, sizeof cfg, "{\"port\": %d, \"data_dir\": \"%s/second\"}", a.port, dir);
    char *p = write_file("second.json", cfg);
    const char *args[] = {"--config", p, "serve", NULL};
    expect_fail(args, NULL, 1, "cannot listen on 127.0.0.1 port");
    free(p);
    CHECK_INT(gwt_server_stop(&a, SIGINT), 0);
    gwt_server_free(&a);
}

static void test_newer_schema_refused(void)
{
    char *dsn = gwt_pg_fresh_dsn();
    REQUIRE(dsn);
    char cfg[512];
    snprintf(cfg, sizeof cfg, "{\"database\": \"%s\", \"data_dir\": \"%s/pgdata\", \"port\": 0}",
             dsn, dir);
    char *p = write_file("newer.json", cfg);
    const char *mig[] = {"--config", p, "migrate", NULL};
    char *out = NULL;
    CHECK_INT(gwt_run_lmsgw(mig, NULL, &out, NULL), 0);
    CHECK(strstr(out, "postgresql schema at version") != NULL);
    free(out);
    struct gw_error err;
    struct gw_store *s = gw_store_open(dsn, NULL, &err);
    REQUIRE(s);
    int dbv = 0, known = 0;
    CHECK_INT(gw_store_schema_version(s, &dbv, &known, &err), GW_OK);
    CHECK_INT(dbv, known);
    gw_store_close(s);
    /* pretend a newer lmsgw migrated this database */
    char *pgsql = NULL;
    if (asprintf(&pgsql,
                 "psql '%s' -qc \"INSERT INTO schema_migrations VALUES (%d, 'future.sql', 0)\"",
                 dsn, known + 1) < 0)
        abort();
    CHECK_INT(system(pgsql), 0);
    free(pgsql);
    expect_fail(mig, NULL, 1, "upgrade lmsgw");
    const char *serve[] = {"--config", p, "serve", NULL};
    expect_fail(serve, NULL, 1, "STORE_SCHEMA_NEWER");
    free(p);
    free(dsn);
}

static void test_keys(void)
{
    char cfg[256];
    snprintf(cfg, sizeof cfg, "{\"data_dir\": \"%s/keys\"}", dir);
    char *p = write_file("keys.json", cfg);
    const char *bad[] = {"--config", p, "key", "create", "--role", "root", "--name", "x", NULL};
    expect_fail(bad, NULL, 2, "not a role");
    const char *mig[] = {"--config", p, "migrate", NULL};
    CHECK_INT(gwt_run_lmsgw(mig, NULL, NULL, NULL), 0);
    const char *usage[] = {"--config", p, "key", "create", "--role", "bi", NULL};
    CHECK_INT(gwt_run_lmsgw(usage, NULL, NULL, NULL), 2);
    const char *mk[] = {"--config", p,        "key",     "create", "--role",
                        "bi",       "--name", "powerbi", "--json", NULL};
    char *out = NULL;
    CHECK_INT(gwt_run_lmsgw(mk, NULL, &out, NULL), 0);
    json_t *k = json_loads(out, 0, NULL);
    free(out);
    REQUIRE(k);
    const char *id = json_string_value(json_object_get(k, "key_id"));
    /* stored text is UTF-8; a key's person must exist */
    const char *bad_name[] = {"--config", p,        "key",   "create", "--role",
                              "bi",       "--name", "k\xff", NULL};
    expect_fail(bad_name, NULL, 2, "--name must be UTF-8");
    const char *bad_person[] = {"--config", p,          "key",      "create", "--role", "approver",
                                "--name",   "approver", "--person", "k\xc3",  NULL};
    expect_fail(bad_person, NULL, 2, "--person must be UTF-8");
    const char *ctl_name[] = {"--config", p,        "key",      "create", "--role",
                              "bi",       "--name", "k\x1b[2J", NULL};
    expect_fail(ctl_name, NULL, 2, "--name must be UTF-8 text without control characters");
    /* every other argument that is stored or passed on as text (issue 13) */
    const char *rv_bad[] = {"--config", p, "key", "revoke", "k\xff", NULL};
    expect_fail(rv_bad, NULL, 2, "KEY_ID must be UTF-8");
    const char *kpi_bad[] = {"--config", p, "kpi", "reattribute", "c\xc0\x80", NULL};
    expect_fail(kpi_bad, NULL, 2, "COURSE_ID must be UTF-8");
    const char *link_bad[] = {"--config", p, "review", "link", "r1", "ann\xff", NULL};
    expect_fail(link_bad, NULL, 2, "APPROVER_ID must be UTF-8");
    const char *link_bad2[] = {"--config", p, "review", "link", "r\n1", "ann", NULL};
    expect_fail(link_bad2, NULL, 2, "ROUND_ID must be UTF-8");
    const char *ghost[] = {"--config", p,       "key",      "create", "--role", "approver",
                           "--name",   "ghost", "--person", "nobody", NULL};
    expect_fail(ghost, NULL, 2, "no person has the id 'nobody'");
    const char *list[] = {"--config", p, "key", "list", NULL};
    CHECK_INT(gwt_run_lmsgw(list, NULL, &out, NULL), 0);
    CHECK(strstr(out, id) && strstr(out, "powerbi") && strstr(out, "active"));
    CHECK(strstr(out, json_string_value(json_object_get(k, "secret"))) == NULL);
    CHECK(strstr(out, "ghost") == NULL && strstr(out, "k\xff") == NULL);
    free(out);
    const char *rv[] = {"--config", p, "key", "revoke", id, NULL};
    CHECK_INT(gwt_run_lmsgw(rv, NULL, NULL, NULL), 0);
    expect_fail(rv, NULL, 1, "no active API key");
    CHECK_INT(gwt_run_lmsgw(list, NULL, &out, NULL), 0);
    CHECK(strstr(out, "revoked") != NULL);
    free(out);
    json_decref(k);
    free(p);
}

/* Issue 15: only migrate and serve create a database. Every other command run
 * with a configuration that names no existing database (another directory's
 * ./data, a typo in LMSGW_DATA_DIR) refuses with one line and exit 1, and
 * leaves nothing behind; an empty PostgreSQL database is refused too. */
static void test_cli_never_creates_database(void)
{
    char cfg[512], db[512];
    snprintf(cfg, sizeof cfg, "{\"data_dir\": \"%s/elsewhere/data\"}", dir);
    snprintf(db, sizeof db, "%s/elsewhere/data/lmsgw.db", dir);
    char *p = write_file("elsewhere.json", cfg);
    const char *const cmds[][8] = {
        {"--config", p, "review", "link", "r1", "ann", NULL},
        {"--config", p, "review", "tick", NULL},
        {"--config", p, "review", "audit-verify", NULL},
        {"--config", p, "key", "create", "--role", "bi", "--name", "x"},
        {"--config", p, "key", "list", NULL},
        {"--config", p, "kpi", "rebuild", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *a[10] = {0};
        for (size_t k = 0; k < 8 && cmds[i][k]; k++)
            a[k] = cmds[i][k];
        expect_fail(a, NULL, 1, "STORE_NOT_FOUND 1307");
    }
    /* not even the directory */
    CHECK(access(db, F_OK) != 0);
    char parent[512];
    snprintf(parent, sizeof parent, "%s/elsewhere", dir);
    CHECK(access(parent, F_OK) != 0);
    /* the same configuration through the environment */
    char env_dir[600];
    snprintf(env_dir, sizeof env_dir, "LMSGW_DATA_DIR=%s/elsewhere/env", dir);
    const char *env[] = {env_dir, NULL};
    const char *tick_env[] = {"review", "tick", NULL};
    expect_fail(tick_env, env, 1, "only 'lmsgw migrate' and 'lmsgw serve' create one");
    /* migrate creates it; then the others work */
    const char *mig[] = {"--config", p, "migrate", NULL};
    CHECK_INT(gwt_run_lmsgw(mig, NULL, NULL, NULL), 0);
    CHECK(access(db, F_OK) == 0);
    const char *tick[] = {"--config", p, "review", "tick", NULL};
    CHECK_INT(gwt_run_lmsgw(tick, NULL, NULL, NULL), 0);
    free(p);
    /* PostgreSQL: an empty database is no lmsgw database */
    char *dsn = gwt_pg_fresh_dsn();
    REQUIRE(dsn);
    snprintf(cfg, sizeof cfg, "{\"database\": \"%s\", \"data_dir\": \"%s/pgempty\"}", dsn, dir);
    p = write_file("pgempty.json", cfg);
    const char *pg_tick[] = {"--config", p, "review", "tick", NULL};
    expect_fail(pg_tick, NULL, 1, "STORE_NOT_MIGRATED");
    const char *pg_key[] = {"--config", p, "key", "list", NULL};
    expect_fail(pg_key, NULL, 1, "has no lmsgw schema");
    free(p);
    free(dsn);
}

/* Issue 15: `review link` prints links only for an open round's approver. */
static void test_review_link_refusals(void)
{
    struct gwt_server srv;
    REQUIRE(gwt_server_start(&srv, NULL, NULL));
    char h_admin[300], h_author[256];
    snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", srv.admin_token);
    REQUIRE(gwt_server_make_key(&srv, "author", h_author, sizeof h_author));
    json_t *j = NULL;
    CHECK_INT(gwt_post_json(&srv, "/api/v1/people", h_admin,
                            "{\"id\":\"ann\",\"name\":\"Ann\",\"email\":\"ann@example.com\"}", &j),
              201);
    json_decref(j);
    CHECK_INT(gwt_post_json(&srv, "/api/v1/people", h_admin,
                            "{\"id\":\"bob\",\"name\":\"Bob\",\"email\":\"bob@example.com\"}", &j),
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
    char body[256], course[64], round[64], path[256];
    snprintf(body, sizeof body, "{\"request_id\":\"%s\"}", gwt_sv(j, "id"));
    json_decref(j);
    CHECK_INT(gwt_post_json(&srv, "/api/v1/courses", h_author, body, &j), 201);
    snprintf(course, sizeof course, "%s", gwt_sv(j, "id"));
    json_decref(j);
    char pkg[64];
    CHECK_INT(gwt_upload_sample(&srv, h_author, "cmi5-sample", pkg, sizeof pkg), 201);
    snprintf(body, sizeof body, "{\"package_id\":\"%s\"}", pkg);
    snprintf(path, sizeof path, "/api/v1/courses/%s/versions", course);
    CHECK_INT(gwt_post_json(&srv, path, h_author, body, &j), 201);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/courses/%s/submit", course);
    CHECK_INT(gwt_api(&srv, "POST", path, h_author, "application/json", NULL, 0, &j, NULL), 201);
    snprintf(round, sizeof round, "%s", gwt_sv(j, "id"));
    json_decref(j);

    const char *nosuch[] = {"--config",      srv.config_path, "review", "link",
                            "no-such-round", "ann",           NULL};
    expect_fail(nosuch, NULL, 1, "NOT_FOUND 1012");
    const char *notappr[] = {"--config", srv.config_path, "review", "link", round, "bob", NULL};
    expect_fail(notappr, NULL, 1, "REVIEW_NOT_APPROVER 4007");
    const char *ok[] = {"--config", srv.config_path, "review", "link", round, "ann", NULL};
    char *out = NULL;
    CHECK_INT(gwt_run_lmsgw(ok, NULL, &out, NULL), 0);
    CHECK(out && strstr(out, "/r/"));
    free(out);
    /* closed: Ann approved */
    snprintf(path, sizeof path, "/api/v1/rounds/%s/decisions", round);
    CHECK_INT(gwt_post_json(&srv, path, h_admin,
                            "{\"decision\":\"approve\",\"approver_id\":\"ann\","
                            "\"on_behalf_reason\":\"said so on the phone\"}",
                            &j),
              201);
    json_decref(j);
    expect_fail(ok, NULL, 1, "REVIEW_ROUND_CLOSED 4010");
    CHECK_INT(gwt_server_stop(&srv, SIGTERM), 0);
    gwt_server_free(&srv);
}

/* README's configuration table is exactly what `lmsgw config --doc` prints. */
static void test_readme_documents_config(void)
{
    const char *a[] = {"config", "--doc", NULL};
    char *doc = NULL;
    CHECK_INT(gwt_run_lmsgw(a, NULL, &doc, NULL), 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/README.md", getenv("GW_SOURCE_DIR"));
    FILE *f = fopen(path, "r");
    REQUIRE(f);
    static char readme[256 * 1024];
    size_t n = fread(readme, 1, sizeof readme - 1, f);
    readme[n] = '\0';
    fclose(f);
    CHECK(strstr(readme, doc) != NULL);
    if (!strstr(readme, doc))
        fprintf(stderr, "  README.md's configuration table is stale; paste `lmsgw config --doc`\n");
    free(doc);
}

int main(void)
{
    dir = gwt_tmpdir("cli");
    GW_RUN(test_help_version);
    GW_RUN(test_bad_config);
    GW_RUN(test_env_overrides_file);
    GW_RUN(test_show_hides_secrets);
    GW_RUN(test_smtp_plaintext_refused);
    GW_RUN(test_serve_with_only_smtp_url);
    GW_RUN(test_env_not_utf8);
    GW_RUN(test_unreachable_database);
    GW_RUN(test_port_in_use);
    GW_RUN(test_newer_schema_refused);
    GW_RUN(test_keys);
    GW_RUN(test_cli_never_creates_database);
    GW_RUN(test_review_link_refusals);
    GW_RUN(test_readme_documents_config);
    gwt_rmtree(dir);
    free(dir);
    return gw_test_summary();
}
