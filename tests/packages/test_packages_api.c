/* POST/GET /api/v1/packages against the real lmsgw binary: real zips (the
 * project's sample packages and the shared corpus) uploaded as the body and
 * as multipart/form-data, reports returned and stored, the zip kept by its
 * SHA-256, hostile and non-zip uploads, the size limit. */
#include "gwtest.h"
#include "testsupport.h"

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct gwt_server srv;
static char auth_author[256];

static json_t *upload_raw(const char *path, const char *ctype, long *status)
{
    size_t len = 0;
    char *data = gwt_slurp(path, &len);
    if (!data) {
        *status = -1;
        return NULL;
    }
    char u[512], cth[128];
    snprintf(u, sizeof u, "%s/api/v1/packages", srv.base_url);
    snprintf(cth, sizeof cth, "Content-Type: %s", ctype);
    const char *h[] = {auth_author, cth, "X-Filename: course.zip", NULL};
    struct gwt_response r;
    *status = gwt_http("POST", u, h, data, len, &r) ? r.status : -1;
    free(data);
    json_t *j = json_loads(r.body, 0, NULL);
    gwt_response_free(&r);
    return j;
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    struct gwt_response *r = ud;
    size_t add = s * n;
    r->body = realloc(r->body, r->body_len + add + 1);
    memcpy(r->body + r->body_len, p, add);
    r->body_len += add;
    r->body[r->body_len] = '\0';
    return add;
}

static json_t *upload_multipart(const char *path, long *status)
{
    CURL *c = curl_easy_init();
    curl_mime *mime = curl_mime_init(c);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_filedata(part, path);
    curl_mime_type(part, "application/zip");
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "note");
    curl_mime_data(part, "uploaded by the test", CURL_ZERO_TERMINATED);
    char u[512];
    snprintf(u, sizeof u, "%s/api/v1/packages", srv.base_url);
    struct curl_slist *hl = curl_slist_append(NULL, auth_author);
    struct gwt_response r = {0};
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (rc != CURLE_OK)
        *status = -1;
    curl_slist_free_all(hl);
    curl_mime_free(mime);
    curl_easy_cleanup(c);
    json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    free(r.body);
    return j;
}

static bool has_finding(json_t *report, const char *code)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(report, "findings"), i, f)
    {
        const char *c = json_string_value(json_object_get(f, "code"));
        if (c && strcmp(c, code) == 0)
            return true;
    }
    return false;
}

static char *sample(const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/packages/%s.zip", getenv("GW_BUILD_DIR"), name) < 0)
        abort();
    return p;
}

static char *corpus(const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/corpus/packages/%s", getenv("GW_SHARED_DIR"), name) < 0)
        abort();
    return p;
}

static void test_upload_valid_and_read_back(void)
{
    char *path = sample("scorm12-sample");
    long st;
    json_t *j = upload_raw(path, "application/zip", &st);
    free(path);
    CHECK_INT(st, 201);
    REQUIRE(j);
    CHECK(json_is_true(json_object_get(j, "valid")));
    CHECK_STR(json_string_value(json_object_get(j, "standard")), "scorm12");
    CHECK_STR(json_string_value(json_object_get(j, "filename")), "course.zip");
    const char *id = json_string_value(json_object_get(j, "id"));
    const char *sha = json_string_value(json_object_get(j, "sha256"));
    REQUIRE(id && sha);
    json_t *report = json_object_get(j, "report");
    CHECK(json_is_object(report));
    /* kept by content hash under the data directory */
    char kept[1024];
    snprintf(kept, sizeof kept, "%s/data/packages/%s.zip", srv.dir, sha);
    struct stat sb;
    CHECK(stat(kept, &sb) == 0 && sb.st_size == json_integer_value(json_object_get(j, "size")));
    /* read back */
    char u[512];
    snprintf(u, sizeof u, "%s/api/v1/packages/%s", srv.base_url, id);
    const char *h[] = {auth_author, NULL};
    struct gwt_response r;
    CHECK(gwt_http("GET", u, h, NULL, 0, &r));
    CHECK_INT(r.status, 200);
    json_t *back = json_loads(r.body, 0, NULL);
    CHECK(back && json_equal(json_object_get(back, "report"), report));
    json_decref(back);
    gwt_response_free(&r);
    snprintf(u, sizeof u, "%s/api/v1/packages/%s/report", srv.base_url, id);
    CHECK(gwt_http("GET", u, h, NULL, 0, &r));
    CHECK_INT(r.status, 200);
    back = json_loads(r.body, 0, NULL);
    CHECK(back && json_equal(back, report));
    json_decref(back);
    gwt_response_free(&r);
    snprintf(u, sizeof u, "%s/api/v1/packages/00000000-0000-4000-8000-000000000000", srv.base_url);
    CHECK(gwt_http("GET", u, h, NULL, 0, &r));
    CHECK_INT(r.status, 404);
    gwt_response_free(&r);
    json_decref(j);
}

static void test_multipart_and_invalid(void)
{
    NEED_SHARED("corpus/packages/mutant-scorm2004-manifest-in-subfolder.zip");
    char *path = corpus("mutant-scorm2004-manifest-in-subfolder.zip");
    long st;
    json_t *j = upload_multipart(path, &st);
    free(path);
    CHECK_INT(st, 201);
    REQUIRE(j);
    CHECK(json_is_false(json_object_get(j, "valid")));
    CHECK(has_finding(json_object_get(j, "report"), "MANIFEST_NOT_AT_ROOT"));
    CHECK(json_is_null(json_object_get(j, "standard"))); /* issue 16: never "(null)" */
    json_decref(j);
    path = sample("cmi5-sample");
    j = upload_multipart(path, &st);
    free(path);
    CHECK_INT(st, 201);
    CHECK_STR(json_string_value(json_object_get(j, "standard")), "cmi5");
    CHECK(json_is_true(json_object_get(j, "valid")));
    json_decref(j);
}

static void test_hostile_and_unreadable(void)
{
    NEED_SHARED("corpus/packages/mutant-zipbomb-1gib.zip");
    char *path = corpus("mutant-zipbomb-1gib.zip");
    long st;
    json_t *j = upload_raw(path, "application/octet-stream", &st);
    free(path);
    CHECK_INT(st, 201); /* examined, refused in the report, never expanded */
    CHECK(json_is_false(json_object_get(j, "valid")));
    json_decref(j);
    path = corpus("mutant-scorm12-symlink-entry.zip");
    j = upload_raw(path, "application/zip", &st);
    free(path);
    CHECK_INT(st, 201);
    CHECK(json_is_false(json_object_get(j, "valid")));
    json_decref(j);
    /* not a zip at all */
    char u[512];
    snprintf(u, sizeof u, "%s/api/v1/packages", srv.base_url);
    const char *h[] = {auth_author, "Content-Type: application/zip", NULL};
    struct gwt_response r;
    CHECK(gwt_http("POST", u, h, "this is not a zip", 17, &r));
    CHECK_INT(r.status, 422);
    j = json_loads(r.body, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(j, "name")), "PACKAGE_UNREADABLE");
    json_decref(j);
    gwt_response_free(&r);
    CHECK(gwt_http("POST", u, h, "", 0, &r));
    CHECK_INT(r.status, 400);
    gwt_response_free(&r);
}

/* Issue 16: an upload sent as something else than a zip or a multipart form
 * (curl --data-binary without -H sends a URL-encoded form type) is 415, and
 * the detail names the header to send and the multipart alternative; the zip
 * types, octet-stream and no Content-Type at all are taken. */
static void test_upload_content_type(void)
{
    char *path = sample("cmi5-sample");
    static const char *const refused[] = {"application/x-www-form-urlencoded", "text/plain",
                                          "application/json", "multipart/mixed; boundary=x"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        long st;
        json_t *j = upload_raw(path, refused[i], &st);
        CHECK_INT(st, 415);
        CHECK_STR(json_string_value(json_object_get(j, "name")), "UNSUPPORTED_MEDIA_TYPE");
        CHECK_STR(json_string_value(json_object_get(j, "where")), "Content-Type");
        const char *d = json_string_value(json_object_get(j, "detail"));
        CHECK(d && strstr(d, "'Content-Type: application/zip'"));
        CHECK(d && strstr(d, "multipart/form-data"));
        json_decref(j);
    }
    static const char *const taken[] = {"application/zip", "application/x-zip-compressed",
                                        "application/octet-stream"};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        long st;
        json_decref(upload_raw(path, taken[i], &st));
        CHECK_INT(st, 201);
    }
    free(path);
}

/* A multipart upload whose "file" part has the given filename and bytes. */
static json_t *upload_part(const char *filename, const char *data, size_t len, long *status,
                           char **raw)
{
    CURL *c = curl_easy_init();
    curl_mime *mime = curl_mime_init(c);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_filename(part, filename);
    curl_mime_data(part, data, len);
    curl_mime_type(part, "application/zip");
    char u[512];
    snprintf(u, sizeof u, "%s/api/v1/packages", srv.base_url);
    struct curl_slist *hl = curl_slist_append(NULL, auth_author);
    struct gwt_response r = {0};
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    *status = curl_easy_perform(c) == CURLE_OK ? 0 : -1;
    if (*status == 0)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hl);
    curl_mime_free(mime);
    curl_easy_cleanup(c);
    json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    *raw = r.body;
    return j;
}

/* An upload of body with header "X-Filename: name" (name NULL: none). */
static json_t *upload_named(const char *name, const char *body, size_t len, long *status,
                            char **raw)
{
    char u[512], xf[512];
    snprintf(u, sizeof u, "%s/api/v1/packages", srv.base_url);
    snprintf(xf, sizeof xf, "X-Filename: %s", name ? name : "");
    const char *h[] = {auth_author, "Content-Type: application/zip", name ? xf : NULL, NULL};
    struct gwt_response r;
    *status = gwt_http("POST", u, h, body, len, &r) ? r.status : -1;
    json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    *raw = r.body ? strdup(r.body) : NULL;
    gwt_response_free(&r);
    return j;
}

/* No reply names a path of the server's (its data directory, the upload
 * file, the build tree). */
static bool names_no_server_path(const char *body)
{
    return body && !strstr(body, srv.dir) && !strstr(body, "upload-") &&
           !strstr(body, "data/tmp") && !strstr(body, getenv("GW_BUILD_DIR"));
}

/* Issue 13: a file name that is not text is refused naming the header; what
 * goes wrong with an upload names the file the user sent, never our paths. */
static void test_names_and_paths(void)
{
    char *path = sample("cmi5-sample");
    size_t zlen = 0;
    char *zip = gwt_slurp(path, &zlen);
    free(path);
    REQUIRE(zip);
    long st;
    char *raw = NULL;
    const char *bad_names[] = {"\xff\xfe"
                               "course.zip",
                               "caf\xc3.zip", "tab\x01name.zip"};
    for (size_t i = 0; i < 3; i++) {
        json_t *j = upload_named(bad_names[i], zip, zlen, &st, &raw);
        CHECK_INT(st, 400);
        CHECK_INT(json_integer_value(json_object_get(j, "code")), 1030);
        CHECK_STR(json_string_value(json_object_get(j, "where")), "X-Filename");
        json_decref(j);
        free(raw);
    }
    /* UTF-8 names are kept as sent and read back */
    json_t *j = upload_named("Kurs f\xc3\xbcr Einsteiger.zip", zip, zlen, &st, &raw);
    CHECK_INT(st, 201);
    CHECK_STR(json_string_value(json_object_get(j, "filename")), "Kurs f\xc3\xbcr Einsteiger.zip");
    char u[512];
    snprintf(u, sizeof u, "%s/api/v1/packages/%s", srv.base_url,
             json_string_value(json_object_get(j, "id")));
    json_decref(j);
    free(raw);
    struct gwt_response r;
    const char *ha[] = {auth_author, NULL};
    CHECK(gwt_http("GET", u, ha, NULL, 0, &r));
    j = json_loads(r.body, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(j, "filename")), "Kurs f\xc3\xbcr Einsteiger.zip");
    json_decref(j);
    gwt_response_free(&r);
    /* the same rule for the multipart part's filename */
    j = upload_part("\xff.zip", zip, zlen, &st, &raw);
    CHECK_INT(st, 400);
    CHECK_INT(json_integer_value(json_object_get(j, "code")), 1030);
    CHECK_STR(json_string_value(json_object_get(j, "where")), "file");
    json_decref(j);
    free(raw);
    /* an empty file part names the part and the file, not the temp file */
    j = upload_part("empty.zip", "", 0, &st, &raw);
    CHECK_INT(st, 400);
    CHECK_STR(json_string_value(json_object_get(j, "where")), "file");
    CHECK(raw && strstr(raw, "empty.zip"));
    CHECK(names_no_server_path(raw));
    json_decref(j);
    free(raw);
    /* a part that is not a zip names its filename */
    j = upload_part("slides.pdf", "%PDF-1.4 not a zip", 18, &st, &raw);
    CHECK_INT(st, 422);
    CHECK_STR(json_string_value(json_object_get(j, "name")), "PACKAGE_UNREADABLE");
    CHECK(raw && strstr(raw, "slides.pdf"));
    CHECK(names_no_server_path(raw));
    json_decref(j);
    free(raw);
    /* a body that is not a zip names X-Filename, or package.zip without it */
    j = upload_named("notes.txt", "this is not a zip", 17, &st, &raw);
    CHECK_INT(st, 422);
    CHECK_STR(json_string_value(json_object_get(j, "where")), "notes.txt");
    CHECK(raw && strstr(raw, "notes.txt is not a zip file"));
    CHECK(names_no_server_path(raw));
    json_decref(j);
    free(raw);
    j = upload_named(NULL, "this is not a zip", 17, &st, &raw);
    CHECK_INT(st, 422);
    CHECK(raw && strstr(raw, "package.zip is not a zip file"));
    CHECK(names_no_server_path(raw));
    json_decref(j);
    free(raw);
    free(zip);
}

static void test_size_limit(void)
{
    /* the server runs with max_package_bytes = 4000000 */
    size_t n = 5000000;
    char *big = calloc(1, n);
    char u[512];
    snprintf(u, sizeof u, "%s/api/v1/packages", srv.base_url);
    const char *h[] = {auth_author, "Content-Type: application/zip", NULL};
    struct gwt_response r;
    CHECK(gwt_http("POST", u, h, big, n, &r));
    CHECK_INT(r.status, 413);
    json_t *j = json_loads(r.body, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(j, "name")), "BODY_TOO_LARGE");
    json_decref(j);
    gwt_response_free(&r);
    free(big);
    /* nothing is left behind in the upload directory */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s/data/tmp' 2>/dev/null)\"", srv.dir);
    CHECK_INT(system(cmd), 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!gwt_server_start(&srv, NULL, "{\"max_package_bytes\": 4000000}")) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    if (!gwt_server_make_key(&srv, "author", auth_author, sizeof auth_author)) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_upload_valid_and_read_back);
    GW_RUN(test_multipart_and_invalid);
    GW_RUN(test_hostile_and_unreadable);
    GW_RUN(test_upload_content_type);
    GW_RUN(test_names_and_paths);
    GW_RUN(test_size_limit);
    gwt_server_stop(&srv, SIGTERM);
    gwt_server_free(&srv);
    curl_global_cleanup();
    return gw_test_summary();
}
