/* The content origin against the real lmsgw binary (issue 15): a package
 * with a compressed page, a stored (uncompressed) video and a compressed
 * text file is submitted for review; the review page frames the player from
 * the content origin under a fresh capability, with a CSP that allows only
 * its own nonce'd script and that origin's frame, and no referrer; the
 * player page and the files come from the zip with their media types, byte
 * ranges (stored and compressed entries), the sandboxing CSP and no
 * referrer; paths outside the package, missing files, an altered or expired
 * capability and an approval token are refused with their codes; the
 * gateway's listener serves no course file and the content origin no API.
 * SQLite only: the content origin reads no more than the package record. */
#include "gwtest.h"
#include "testsupport.h"

#include "gw/preview.h"
#include "gw/review_store.h"
#include "gw/store.h"

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

enum { VIDEO_BYTES = 300000, NOTES_BYTES = 60000 };

static struct gwt_server srv;
static char h_admin[300];
static char *video, *notes;
static char cap_path[1024]; /* /c/{cap} */
static char page_csp[1024];
static char *review_page;

static const char MANIFEST[] =
    "<?xml version=\"1.0\"?><manifest identifier=\"m\" version=\"1\" "
    "xmlns=\"http://www.imsproject.org/xsd/imscp_rootv1p1p2\" "
    "xmlns:adlcp=\"http://www.adlnet.org/xsd/adlcp_rootv1p2\"><metadata><schema>ADL SCORM"
    "</schema><schemaversion>1.2</schemaversion></metadata><organizations default=\"o\">"
    "<organization identifier=\"o\"><title>Clips</title><item identifier=\"i1\" "
    "identifierref=\"r1\"><title>Watch the clip</title></item></organization></organizations>"
    "<resources><resource identifier=\"r1\" type=\"webcontent\" adlcp:scormtype=\"sco\" "
    "href=\"index.html\"><file href=\"index.html\"/><file href=\"media/clip.mp4\"/>"
    "<file href=\"notes.txt\"/></resource></resources></manifest>";
static const char INDEX[] = "<!doctype html><html lang=\"en\"><head><title>Clip</title></head>"
                            "<body><video src=\"media/clip.mp4\" controls></video></body></html>";

static bool add(zip_t *za, const char *name, const char *data, size_t len, bool store)
{
    zip_source_t *src = zip_source_buffer(za, data, len, 0);
    zip_int64_t i = src ? zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) : -1;
    if (i < 0) {
        zip_source_free(src);
        return false;
    }
    return zip_set_file_compression(za, (zip_uint64_t)i, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                    0) == 0;
}

static char *package_zip(size_t *len)
{
    char *path = gwt_fmt("%s/clips.zip", srv.dir);
    int err = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    bool ok = za && add(za, "imsmanifest.xml", MANIFEST, strlen(MANIFEST), false) &&
              add(za, "index.html", INDEX, strlen(INDEX), false) &&
              add(za, "media/clip.mp4", video, VIDEO_BYTES, true) &&
              add(za, "notes.txt", notes, NOTES_BYTES, false);
    ok = ok && zip_close(za) == 0;
    if (!ok && za)
        zip_discard(za);
    char *data = ok ? gwt_slurp(path, len) : NULL;
    free(path);
    return data;
}

static long get(const char *url, const char *range, struct gwt_response *r)
{
    char hdr[128];
    const char *headers[2] = {NULL, NULL};
    if (range) {
        snprintf(hdr, sizeof hdr, "Range: %s", range);
        headers[0] = hdr;
    }
    memset(r, 0, sizeof *r);
    if (!gwt_http("GET", url, headers, NULL, 0, r))
        return -1;
    return r->status;
}

static void check_header(const struct gwt_response *r, const char *name, const char *want)
{
    char *v = gwt_header(r, name);
    CHECK_STR(v ? v : "(none)", want);
    free(v);
}

static bool header_has(const struct gwt_response *r, const char *name, const char *part)
{
    char *v = gwt_header(r, name);
    bool ok = v && strstr(v, part);
    if (!ok)
        fprintf(stderr, "  %s: %s (wanted %s)\n", name, v ? v : "(none)", part);
    free(v);
    return ok;
}

static char *content(const char *rest)
{
    return gwt_fmt("%s%s%s", srv.content_url, cap_path, rest);
}

static void test_review_page_frames_the_player(void)
{
    REQUIRE(review_page);
    char *want = gwt_fmt("src=\"%s/c/", srv.content_url);
    CHECK(strstr(review_page, want) != NULL);
    free(want);
    CHECK(strstr(review_page, "sandbox=\"allow-scripts allow-same-origin") != NULL);
    /* the page's one script carries the nonce its CSP names */
    const char *n = strstr(page_csp, "'nonce-");
    REQUIRE(n);
    char nonce[64];
    snprintf(nonce, sizeof nonce, "%.*s", (int)strcspn(n + 7, "'"), n + 7);
    char *tag = gwt_fmt("<script nonce=\"%s\">", nonce);
    CHECK(strstr(review_page, tag) != NULL);
    free(tag);
    char *frame_src = gwt_fmt("frame-src %s;", srv.content_url);
    CHECK(strstr(page_csp, frame_src) != NULL);
    free(frame_src);
    CHECK(strstr(page_csp, "default-src 'none'") != NULL);
    CHECK(strstr(page_csp, "frame-ancestors 'none'") != NULL);
}

static void test_player_page(void)
{
    struct gwt_response r;
    char *url = content("/play");
    CHECK_INT(get(url, NULL, &r), 200);
    free(url);
    check_header(&r, "Content-Type", "text/html; charset=utf-8");
    check_header(&r, "Referrer-Policy", "no-referrer");
    check_header(&r, "Cache-Control", "no-store");
    CHECK(header_has(&r, "Content-Security-Policy", "sandbox allow-scripts allow-same-origin"));
    CHECK(header_has(&r, "Content-Security-Policy", "connect-src 'self'"));
    char *anc = gwt_fmt("frame-ancestors 'self' %s", srv.base_url);
    CHECK(header_has(&r, "Content-Security-Policy", anc));
    free(anc);
    CHECK(gwt_header(&r, "X-Frame-Options") == NULL);
    /* the player's configuration: the item, launched from the package's files */
    CHECK(r.body && strstr(r.body, "\"url\":\"f\\/index.html\"") != NULL);
    CHECK(r.body && strstr(r.body, "\"title\":\"Watch the clip\"") != NULL);
    CHECK(r.body && strstr(r.body, "/_player/scorm12.min.js") != NULL);
    gwt_response_free(&r);
    /* the player's assets, without a capability */
    char *js = gwt_fmt("%s/_player/player.js", srv.content_url);
    CHECK_INT(get(js, NULL, &r), 200);
    check_header(&r, "Content-Type", "text/javascript; charset=utf-8");
    gwt_response_free(&r);
    free(js);
    js = gwt_fmt("%s/_player/scorm12.min.js", srv.content_url);
    CHECK_INT(get(js, NULL, &r), 200);
    CHECK(r.body_len > 10000); /* scorm-again itself, not a placeholder */
    gwt_response_free(&r);
    free(js);
}

static void test_files_from_the_zip(void)
{
    struct gwt_response r;
    char *url = content("/f/index.html");
    CHECK_INT(get(url, NULL, &r), 200);
    free(url);
    check_header(&r, "Content-Type", "text/html; charset=utf-8");
    check_header(&r, "Accept-Ranges", "bytes");
    check_header(&r, "Referrer-Policy", "no-referrer");
    CHECK(r.body_len == strlen(INDEX) && memcmp(r.body, INDEX, r.body_len) == 0);
    CHECK(header_has(&r, "Content-Security-Policy", "connect-src 'self'"));
    CHECK(header_has(&r, "Content-Security-Policy", "sandbox allow-scripts"));
    char *csp = gwt_header(&r, "Content-Security-Policy");
    CHECK(csp && !strstr(csp, "allow-top-navigation")); /* the page around it stays put */
    free(csp);
    gwt_response_free(&r);

    url = content("/f/media/clip.mp4");
    CHECK_INT(get(url, NULL, &r), 200);
    check_header(&r, "Content-Type", "video/mp4");
    CHECK(r.body_len == VIDEO_BYTES && memcmp(r.body, video, VIDEO_BYTES) == 0);
    gwt_response_free(&r);
    free(url);
}

static void test_byte_ranges(void)
{
    struct gwt_response r;
    char *url = content("/f/media/clip.mp4");
    CHECK_INT(get(url, "bytes=1000-1999", &r), 206);
    check_header(&r, "Content-Range", "bytes 1000-1999/300000");
    CHECK(r.body_len == 1000 && memcmp(r.body, video + 1000, 1000) == 0);
    gwt_response_free(&r);
    CHECK_INT(get(url, "bytes=-10", &r), 206);
    CHECK(r.body_len == 10 && memcmp(r.body, video + VIDEO_BYTES - 10, 10) == 0);
    gwt_response_free(&r);
    CHECK_INT(get(url, "bytes=299990-", &r), 206);
    check_header(&r, "Content-Range", "bytes 299990-299999/300000");
    gwt_response_free(&r);
    CHECK_INT(get(url, "bytes=300000-", &r), 416);
    check_header(&r, "Content-Range", "bytes */300000");
    CHECK(r.body && strstr(r.body, "4204") != NULL);
    gwt_response_free(&r);
    CHECK_INT(get(url, "bytes=0-1,5-9", &r), 200); /* several ranges: the whole file */
    CHECK(r.body_len == VIDEO_BYTES);
    gwt_response_free(&r);
    free(url);
    /* a compressed entry cannot seek: the bytes before are read and dropped */
    url = content("/f/notes.txt");
    CHECK_INT(get(url, "bytes=40000-40099", &r), 206);
    CHECK(r.body_len == 100 && memcmp(r.body, notes + 40000, 100) == 0);
    gwt_response_free(&r);
    free(url);
}

static void test_refusals(void)
{
    struct gwt_response r;
    const char *bad[] = {"/f/missing.html", "/f/%2e%2e/%2e%2e/etc/passwd", "/f/media/",
                         "/f/media%5cclip.mp4", NULL};
    for (int i = 0; bad[i]; i++) {
        char *url = content(bad[i]);
        CHECK_INT(get(url, NULL, &r), 404);
        CHECK(r.body && strstr(r.body, "4203") != NULL);
        gwt_response_free(&r);
        free(url);
    }
    /* an altered capability: its signature's last character changed */
    char altered[1024];
    snprintf(altered, sizeof altered, "%s", cap_path);
    size_t n = strlen(altered);
    altered[n - 2] = altered[n - 2] == 'A' ? 'B' : 'A';
    char *url = gwt_fmt("%s%s/f/index.html", srv.content_url, altered);
    CHECK_INT(get(url, NULL, &r), 403);
    CHECK(r.body && strstr(r.body, "PREVIEW_CAP_INVALID") != NULL);
    gwt_response_free(&r);
    free(url);
    url = gwt_fmt("%s%sX/f/index.html", srv.content_url, cap_path); /* cut or garbled */
    CHECK_INT(get(url, NULL, &r), 400);
    CHECK(r.body && strstr(r.body, "PREVIEW_CAP_MALFORMED") != NULL);
    gwt_response_free(&r);
    free(url);
    /* the player says it in words, in the frame the approver looks at */
    url = gwt_fmt("%s%sX/play", srv.content_url, cap_path);
    CHECK_INT(get(url, NULL, &r), 400);
    check_header(&r, "Content-Type", "text/html; charset=utf-8");
    CHECK(r.body && strstr(r.body, "The course cannot be shown") != NULL);
    CHECK(r.body && strstr(r.body, "not in the expected form") != NULL);
    gwt_response_free(&r);
    free(url);
    /* the gateway's listener serves no course file, the content origin no API */
    char *p = gwt_fmt("%s/play", cap_path);
    CHECK_INT(gwt_call(&srv, "GET", p, NULL, NULL, 0, NULL), 404);
    free(p);
    const char *api[] = {"/healthz", "/api/v1/whoami", "/dashboard", "/xapi/about", NULL};
    for (int i = 0; api[i]; i++) {
        url = gwt_fmt("%s%s", srv.content_url, api[i]);
        CHECK_INT(get(url, NULL, &r), 404);
        gwt_response_free(&r);
        free(url);
    }
}

/* A capability minted with the store's key: one that expired answers 410. */
static void test_expired_capability(void)
{
    char *dsn = gwt_fmt("sqlite:%s/data/lmsgw.db", srv.dir);
    struct gw_store_options opt = {0};
    opt.existing_only = true;
    struct gw_error e;
    struct gw_store *st = gw_store_open(dsn, &opt, &e);
    free(dsn);
    REQUIRE(st);
    uint8_t key[32];
    CHECK_INT(gw_store_review_key(st, key, &e), GW_OK);
    gw_store_close(st);
    /* the claims of the page's capability, expired */
    struct gw_preview_cap c;
    REQUIRE(gw_preview_cap_verify(key, sizeof key, cap_path + 3, 0, &c, &e) == GW_OK);
    c.expires_ms = 1000;
    char tok[GW_REVIEW_TOKEN_MAX];
    REQUIRE(gw_preview_cap_make(key, sizeof key, &c, tok, sizeof tok, &e) == GW_OK);
    char *url = gwt_fmt("%s/c/%s/f/index.html", srv.content_url, tok);
    struct gwt_response r;
    CHECK_INT(get(url, NULL, &r), 410);
    CHECK(r.body && strstr(r.body, "PREVIEW_CAP_EXPIRED") != NULL);
    gwt_response_free(&r);
    free(url);
}

static bool setup(void)
{
    video = malloc(VIDEO_BYTES);
    notes = malloc(NOTES_BYTES);
    for (int i = 0; i < VIDEO_BYTES; i++)
        video[i] = (char)((i * 7919u) >> 3);
    for (int i = 0; i < NOTES_BYTES; i++)
        notes[i] = (char)('a' + (i / 7) % 26);
    if (!gwt_server_start(&srv, NULL, "{\"access_log\": false}") || !srv.content_url[0])
        return false;
    snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", srv.admin_token);
    const char *posts[][2] = {
        {"/api/v1/people", "{\"id\":\"ann\",\"name\":\"Ann\",\"email\":\"ann@example.com\"}"},
        {"/api/v1/people", "{\"id\":\"author\",\"name\":\"Ada\",\"email\":\"ada@example.com\"}"},
        {"/api/v1/departments", "{\"id\":\"ops\",\"name\":\"Operations\"}"},
    };
    json_t *j = NULL;
    for (size_t i = 0; i < 3; i++) {
        if (gwt_post_json(&srv, posts[i][0], h_admin, posts[i][1], &j) != 201)
            return false;
        json_decref(j);
    }
    size_t len = 0;
    char *zip = package_zip(&len);
    char course[64], round[64];
    long st = zip ? gwt_submit_package(&srv, h_admin, "ops", "Clips", "ann", "author", zip, len,
                                       course, round)
                  : -1;
    free(zip);
    if (st != 201)
        return false;
    const char *args[] = {"--config", srv.config_path, "review", "link", round, "ann", NULL};
    char *out = NULL;
    int rc = gwt_run_lmsgw(args, NULL, &out, NULL);
    const char *r = out ? strstr(out, "/r/") : NULL;
    if (rc != 0 || !r) {
        free(out);
        return false;
    }
    char path[1024];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(r, "\r\n"), r);
    free(out);
    struct gwt_response page;
    if (gwt_call(&srv, "GET", path, NULL, NULL, 0, &page) != 200)
        return false;
    char *csp = gwt_header(&page, "Content-Security-Policy");
    snprintf(page_csp, sizeof page_csp, "%s", csp ? csp : "");
    free(csp);
    review_page = page.body;
    page.body = NULL;
    gwt_response_free(&page);
    char *want = gwt_fmt("src=\"%s/c/", srv.content_url);
    const char *s = strstr(review_page, want);
    free(want);
    if (!s)
        return false;
    s = strstr(s, "/c/");
    snprintf(cap_path, sizeof cap_path, "%.*s", (int)(strstr(s, "/play") - s), s);
    return true;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!setup()) {
        fprintf(stderr, "setup failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_review_page_frames_the_player);
    GW_RUN(test_player_page);
    GW_RUN(test_files_from_the_zip);
    GW_RUN(test_byte_ranges);
    GW_RUN(test_refusals);
    GW_RUN(test_expired_capability);
    CHECK_INT(gwt_server_stop(&srv, SIGTERM), 0);
    gwt_server_free(&srv);
    free(review_page);
    free(video);
    free(notes);
    curl_global_cleanup();
    return gw_test_summary();
}
