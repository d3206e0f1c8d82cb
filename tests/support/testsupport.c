/* testsupport.c: see testsupport.h. */
#include "testsupport.h"
#include "gw/hash.h"
#include "gw/store.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

char *gwt_tmpdir(const char *prefix)
{
    char *tmpl = gwt_fmt("/tmp/lmsgw-%s.XXXXXX", prefix);
    if (!mkdtemp(tmpl))
        abort();
    return tmpl;
}

void gwt_rmtree(const char *path)
{
    if (!path || strncmp(path, "/tmp/lmsgw-", 11) != 0)
        return; /* only what gwt_tmpdir made */
    char *cmd = gwt_fmt("rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", path);
    free(cmd);
}

char *gwt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

char *gwt_pg_fresh_dsn(void)
{
    const char *build = getenv("GW_BUILD_DIR");
    char *path = gwt_fmt("%s/pg/dsn", build ? build : ".");
    char *base = gwt_slurp(path, NULL);
    free(path);
    if (!base) {
        fprintf(stderr, "  no PostgreSQL fixture: %s/pg/dsn is missing (run through ctest)\n",
                build ? build : ".");
        return NULL;
    }
    base[strcspn(base, "\n")] = '\0';
    PGconn *c = PQconnectdb(base);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "  cannot reach the PostgreSQL fixture: %s", PQerrorMessage(c));
        PQfinish(c);
        free(base);
        return NULL;
    }
    static int counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char name[64];
    snprintf(name, sizeof name, "t_%d_%d_%ld", (int)getpid(), ++counter, (long)ts.tv_nsec);
    char *sql = gwt_fmt("CREATE DATABASE %s", name);
    PGresult *r = PQexec(c, sql);
    free(sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "  CREATE DATABASE failed: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    /* base is postgresql://postgres@/postgres?host=DIR: swap the database name */
    char *q = strchr(base, '?');
    char *dsn = ok ? gwt_fmt("postgresql://postgres@/%s%s", name, q ? q : "") : NULL;
    free(base);
    return dsn;
}

static char *drain_fd(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 1024 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    return buf;
}

int gwt_run_lmsgw(const char *const *args, const char *const *env, char **out, char **errout)
{
    const char *bin = getenv("GW_LMSGW_BIN");
    int po[2], pe[2];
    if (!bin || pipe(po) != 0 || pipe(pe) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        for (const char *const *e = env; e && *e; e++)
            putenv((char *)*e);
        const char *argv[64] = {bin};
        int n = 1;
        for (const char *const *a = args; *a && n < 63; a++)
            argv[n++] = *a;
        argv[n] = NULL;
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    /* stderr is usually small; read stdout fully first, then stderr. */
    char *o = drain_fd(po[0]);
    char *e = drain_fd(pe[0]);
    close(po[0]);
    close(pe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (out)
        *out = o;
    else
        free(o);
    if (errout)
        *errout = e;
    else
        free(e);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool write_config(struct gwt_server *s, const char *dsn, const char *extra)
{
    json_t *cfg = json_object();
    json_object_set_new(cfg, "listen_address", json_string("127.0.0.1"));
    json_object_set_new(cfg, "port", json_integer(0));
    char *data = gwt_fmt("%s/data", s->dir);
    json_object_set_new(cfg, "data_dir", json_string(data));
    free(data);
    if (dsn)
        json_object_set_new(cfg, "database", json_string(dsn));
    json_object_set_new(cfg, "workers", json_integer(4));
    if (extra) {
        json_error_t je;
        json_t *x = json_loads(extra, 0, &je);
        if (!x) {
            fprintf(stderr, "  bad extra config: %s\n", je.text);
            json_decref(cfg);
            return false;
        }
        json_object_update(cfg, x);
        json_decref(x);
    }
    snprintf(s->config_path, sizeof s->config_path, "%s/config.json", s->dir);
    int rc = json_dump_file(cfg, s->config_path, JSON_INDENT(2));
    json_decref(cfg);
    return rc == 0;
}

bool gwt_server_prepare(struct gwt_server *s, const char *dsn, const char *extra_config)
{
    memset(s, 0, sizeof *s);
    s->dir = gwt_tmpdir("srv");
    if (!write_config(s, dsn, extra_config))
        return false;
    /* only migrate and serve create the database; key create needs it */
    const char *margs[] = {"--config", s->config_path, "migrate", NULL};
    const char *kargs[] = {"--config", s->config_path, "key",  "create", "--role",
                           "admin",    "--name",       "test", "--json", NULL};
    char *out = NULL, *err = NULL;
    int rc = gwt_run_lmsgw(margs, NULL, &out, &err);
    if (rc != 0) {
        fprintf(stderr, "  migrate failed (%d): %s%s\n", rc, out ? out : "", err ? err : "");
        free(out);
        free(err);
        return false;
    }
    free(out);
    free(err);
    out = err = NULL;
    rc = gwt_run_lmsgw(kargs, NULL, &out, &err);
    json_t *k = rc == 0 ? json_loads(out, 0, NULL) : NULL;
    if (!k) {
        fprintf(stderr, "  key create failed (%d): %s%s\n", rc, out ? out : "", err ? err : "");
        free(out);
        free(err);
        return false;
    }
    snprintf(s->admin_token, sizeof s->admin_token, "%s",
             json_string_value(json_object_get(k, "token")));
    json_decref(k);
    free(out);
    free(err);
    return true;
}

bool gwt_server_start(struct gwt_server *s, const char *dsn, const char *extra_config)
{
    return gwt_server_prepare(s, dsn, extra_config) && gwt_server_restart(s);
}

bool gwt_server_restart(struct gwt_server *s)
{
    snprintf(s->stderr_path, sizeof s->stderr_path, "%s/stderr.log", s->dir);
    int po[2];
    if (pipe(po) != 0)
        return false;
    const char *bin = getenv("GW_LMSGW_BIN");
    s->pid = fork();
    if (s->pid == 0) {
        dup2(po[1], 1);
        int fd = open(s->stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 2);
        close(po[0]);
        execl(bin, bin, "--config", s->config_path, "serve", (char *)NULL);
        _exit(127);
    }
    close(po[1]);
    FILE *f = fdopen(po[0], "r");
    char line[512];
    bool ok = false;
    if (fgets(line, sizeof line, f)) {
        char *p = strrchr(line, ':');
        if (strstr(line, "listening on") && p) {
            s->port = atoi(p + 1);
            ok = s->port > 0;
        }
    }
    /* the second line: the content origin (course previews) */
    s->content_url[0] = '\0';
    if (ok && fgets(line, sizeof line, f)) {
        char *u = strstr(line, " on http");
        if (u)
            snprintf(s->content_url, sizeof s->content_url, "%s", u + 4);
        s->content_url[strcspn(s->content_url, "\r\n")] = '\0';
    }
    fclose(f);
    if (!ok) {
        char *log = gwt_slurp(s->stderr_path, NULL);
        fprintf(stderr, "  lmsgw serve did not start: %s\n", log ? log : "");
        free(log);
        gwt_server_stop(s, SIGKILL);
        return false;
    }
    free(s->base_url);
    s->base_url = gwt_fmt("http://127.0.0.1:%d", s->port);
    return true;
}

int gwt_server_stop(struct gwt_server *s, int sig)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, sig);
    int status = 0;
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void gwt_server_free(struct gwt_server *s)
{
    if (s->pid > 0)
        gwt_server_stop(s, SIGKILL);
    gwt_rmtree(s->dir);
    free(s->dir);
    free(s->base_url);
    s->dir = s->base_url = NULL;
}

struct sink {
    char *data;
    size_t len;
};

static size_t sink_write(char *ptr, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t add = size * n;
    s->data = realloc(s->data, s->len + add + 1);
    memcpy(s->data + s->len, ptr, add);
    s->len += add;
    s->data[s->len] = '\0';
    return add;
}

bool gwt_http(const char *method, const char *url, const char *const *headers, const char *body,
              size_t body_len, struct gwt_response *resp)
{
    memset(resp, 0, sizeof *resp);
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    for (const char *const *h = headers; h && *h; h++)
        hl = curl_slist_append(hl, *h);
    hl = curl_slist_append(hl, "Expect:");
    struct sink b = {0}, h = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    resp->body = b.data ? b.data : xstrdup("");
    resp->body_len = b.len;
    resp->headers = h.data ? h.data : xstrdup("");
    return rc == CURLE_OK;
}

char *gwt_header(const struct gwt_response *resp, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = resp->headers; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t len = eol ? (size_t)(eol - v) : strlen(v);
            while (len && (v[len - 1] == '\r' || v[len - 1] == '\n'))
                len--;
            return strndup(v, len);
        }
        p = eol ? eol + 1 : NULL;
    }
    return NULL;
}

void gwt_response_free(struct gwt_response *resp)
{
    free(resp->body);
    free(resp->headers);
    memset(resp, 0, sizeof *resp);
}

long gwt_call(const struct gwt_server *s, const char *method, const char *path,
              const char *const *headers, const char *body, size_t body_len,
              struct gwt_response *keep)
{
    char *u = gwt_fmt("%s%s", s->base_url, path);
    struct gwt_response r;
    bool ok = gwt_http(method, u, headers, body, body ? body_len : 0, &r);
    free(u);
    long st = ok ? r.status : -1;
    if (keep)
        *keep = r;
    else
        gwt_response_free(&r);
    return st;
}

long gwt_api(const struct gwt_server *s, const char *method, const char *path, const char *auth,
             const char *content_type, const char *body, size_t body_len, json_t **json,
             char **text)
{
    const char *h[3] = {0};
    int n = 0;
    char *ct = content_type ? gwt_fmt("Content-Type: %s", content_type) : NULL;
    if (auth)
        h[n++] = auth;
    if (ct)
        h[n++] = ct;
    struct gwt_response r;
    long st = gwt_call(s, method, path, h, body, body_len, &r);
    free(ct);
    if (json)
        *json = json_loads(r.body, 0, NULL);
    if (text)
        *text = xstrdup(r.body);
    gwt_response_free(&r);
    return st;
}

long gwt_post_json(const struct gwt_server *s, const char *path, const char *auth, const char *body,
                   json_t **json)
{
    return gwt_api(s, "POST", path, auth, "application/json", body, strlen(body), json, NULL);
}

const char *gwt_sv(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

bool gwt_make_key(const struct gwt_server *s, const char *name, const char *role,
                  const char *person, char *header, size_t cap, char *key_id, size_t key_id_cap)
{
    char *admin = gwt_fmt("Authorization: Bearer %s", s->admin_token);
    char *body =
        gwt_fmt("{\"name\":\"%s\",\"role\":\"%s\"%s%s%s}", name, role,
                person ? ",\"person_id\":\"" : "", person ? person : "", person ? "\"" : "");
    json_t *k = NULL;
    bool ok = gwt_post_json(s, "/api/v1/keys", admin, body, &k) == 201;
    const char *token = json_string_value(json_object_get(k, "token"));
    const char *id = json_string_value(json_object_get(k, "key_id"));
    ok = ok && token && (!key_id || id);
    if (ok) {
        snprintf(header, cap, "Authorization: Bearer %s", token);
        if (key_id)
            snprintf(key_id, key_id_cap, "%s", id);
    }
    json_decref(k);
    free(admin);
    free(body);
    return ok;
}

bool gwt_server_make_key(const struct gwt_server *s, const char *role, char *header, size_t cap)
{
    char *name = gwt_fmt("test-%s", role);
    bool ok = gwt_make_key(s, name, role, NULL, header, cap, NULL, 0);
    free(name);
    return ok;
}

bool gwt_cli_make_key(const struct gwt_server *s, const char *role, const char *name,
                      const char *const *extra, char *header, size_t cap, char *key_id,
                      size_t key_id_cap, json_t **reply)
{
    const char *args[32] = {"--config", s->config_path, "key", "create", "--role",
                            role,       "--name",       name,  "--json"};
    size_t n = 9;
    for (const char *const *a = extra; a && *a && n + 1 < sizeof args / sizeof args[0]; a++)
        args[n++] = *a;
    args[n] = NULL;
    char *out = NULL, *err = NULL;
    int rc = gwt_run_lmsgw(args, NULL, &out, &err);
    json_t *k = rc == 0 ? json_loads(out, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(k, "key_id"));
    const char *secret = json_string_value(json_object_get(k, "secret"));
    bool ok = id && secret;
    if (ok) {
        char *pair = gwt_fmt("%s:%s", id, secret);
        char *b64 = gw_base64_encode(pair, strlen(pair));
        snprintf(header, cap, "Authorization: Basic %s", b64);
        if (key_id)
            snprintf(key_id, key_id_cap, "%s", id);
        free(b64);
        free(pair);
    } else {
        fprintf(stderr, "  key create failed (%d): %s%s\n", rc, out ? out : "", err ? err : "");
    }
    if (reply)
        *reply = json_incref(k);
    json_decref(k);
    free(out);
    free(err);
    return ok;
}

struct gw_store *gwt_fresh_store(const char *dir, bool pg)
{
    static int counter;
    char *dsn = pg ? gwt_pg_fresh_dsn() : gwt_fmt("sqlite:%s/store%d.db", dir, ++counter);
    if (!dsn)
        return NULL;
    struct gw_error err;
    struct gw_store *s = gw_store_open(dsn, NULL, &err);
    if (!s)
        fprintf(stderr, "  open %s: %s\n", dsn, err.detail);
    free(dsn);
    return s;
}

char *gwt_fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

char *gwt_uuid(void)
{
    char u[37];
    if (!gw_uuid_v4(u))
        abort();
    return strdup(u);
}

long gwt_upload_sample(const struct gwt_server *s, const char *auth, const char *sample, char *id,
                       size_t cap)
{
    char *path = gwt_fmt("%s/packages/%s.zip", getenv("GW_BUILD_DIR"), sample);
    size_t len = 0;
    char *data = gwt_slurp(path, &len);
    free(path);
    id[0] = '\0';
    if (!data)
        return -1;
    json_t *j = NULL;
    long st = gwt_api(s, "POST", "/api/v1/packages", auth, "application/zip", data, len, &j, NULL);
    const char *pid = json_string_value(json_object_get(j, "id"));
    snprintf(id, cap, "%s", pid ? pid : "");
    json_decref(j);
    free(data);
    return st;
}

/* One step of gwt_submit_package: POST body to path; the reply's id into id. */
static long step(const struct gwt_server *s, const char *auth, const char *path, const char *body,
                 char *id, size_t cap)
{
    json_t *j = NULL;
    long st = body ? gwt_post_json(s, path, auth, body, &j)
                   : gwt_api(s, "POST", path, auth, NULL, NULL, 0, &j, NULL);
    if (id)
        snprintf(id, cap, "%s", gwt_sv(j, "id"));
    if (st != 201)
        fprintf(stderr, "  POST %s: %ld\n", path, st);
    json_decref(j);
    return st;
}

long gwt_submit_package(const struct gwt_server *s, const char *auth, const char *department,
                        const char *title, const char *approver, const char *author,
                        const char *zip, size_t len, char course[64], char round[64])
{
    char req[64], pkg[64];
    course[0] = round[0] = '\0';
    char *body = gwt_fmt("{\"department_id\":\"%s\",\"title\":\"%s\",\"business_case\":{"
                         "\"problem\":\"p\",\"audience\":\"a\",\"mandatory\":false,\"kpi\":\"k\"},"
                         "\"approvers\":[{\"person_id\":\"%s\"}]}",
                         department, title, approver);
    long st = step(s, auth, "/api/v1/requests", body, req, sizeof req);
    free(body);
    if (st != 201)
        return st;
    body = gwt_fmt("{\"request_id\":\"%s\",\"author_person_id\":\"%s\"}", req, author);
    st = step(s, auth, "/api/v1/courses", body, course, 64);
    free(body);
    if (st != 201)
        return st;
    json_t *j = NULL;
    st = gwt_api(s, "POST", "/api/v1/packages", auth, "application/zip", zip, len, &j, NULL);
    snprintf(pkg, sizeof pkg, "%s", gwt_sv(j, "id"));
    json_decref(j);
    if (st != 201)
        return st;
    char *path = gwt_fmt("/api/v1/courses/%s/versions", course);
    body = gwt_fmt("{\"package_id\":\"%s\"}", pkg);
    st = step(s, auth, path, body, NULL, 0);
    free(path);
    free(body);
    if (st != 201)
        return st;
    path = gwt_fmt("/api/v1/courses/%s/submit", course);
    st = step(s, auth, path, NULL, round, 64);
    free(path);
    return st;
}
