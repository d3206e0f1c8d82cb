/* preview.c: the content origin's pages (gw/preview.h): the player page that
 * runs the package under review, and the package's files, read from the
 * stored zip as they are sent (nothing is unpacked to disk), with the media
 * type a web server would give them, byte ranges for audio and video, and a
 * Content-Security-Policy that lets the course run but not reach the
 * gateway: it may connect only to its own origin (the content origin, where
 * no API route is served), it is framed only by the gateway's review page,
 * and it cannot navigate the page around it. The preview LRS for cmi5 and
 * Tin Can packages is preview_xapi.c's. */
#include "gw/api.h"
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/log.h"
#include "gw/blobs.h"
#include "gw/packages.h"
#include "gw/preview.h"
#include "gw/review_store.h"
#include "gw/server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

bool gw_preview_cap_from_req(struct gw_req *req, struct gw_reply *rep, struct gw_preview_cap *c)
{
    struct gw_error e;
    gw_error_clear(&e);
    uint8_t key[32];
    enum gw_err rc = gw_store_review_key(req->srv->store, key, &e);
    if (rc == GW_OK)
        rc = gw_preview_cap_verify(key, sizeof key, req->params[0],
                                   gw_clock_now_ms(&req->srv->clock), c, &e);
    if (rc == GW_OK)
        return true;
    gw_reply_error(rep, &e);
    return false;
}

/* The scheme, host and port of url. */
static void origin_of(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = (size_t)(p - url) + strcspn(p, "/?#");
    snprintf(out, cap, "%.*s", (int)n, url);
}

/* What course files may do: run scripts, styles, media and frames from their
 * own origin and from the web (a video host, a font service), but connect
 * (fetch, XHR, WebSocket, beacons) and submit forms only to the content origin,
 * be framed only by the player and the gateway's review page, and never
 * navigate the page around them (the sandbox has no allow-top-navigation). */
static void content_csp(struct gw_req *req, struct gw_reply *rep, bool player)
{
    char gateway[512];
    origin_of(req->srv->public_url, gateway, sizeof gateway);
    struct gw_buf csp = {0};
    gw_buf_puts(&csp, "sandbox allow-scripts allow-same-origin allow-forms allow-popups "
                      "allow-modals allow-downloads; ");
    if (player)
        gw_buf_puts(&csp, "default-src 'self'; script-src 'self'; style-src 'self' "
                          "'unsafe-inline'; img-src 'self' data:; frame-src 'self' https:; "
                          "connect-src 'self'; form-action 'none'; base-uri 'none'; ");
    else
        gw_buf_puts(&csp, "default-src 'self' data: blob: https:; script-src 'self' "
                          "'unsafe-inline' 'unsafe-eval' data: blob: https:; style-src 'self' "
                          "'unsafe-inline' data: https:; connect-src 'self'; form-action 'self'; "
                          "base-uri 'self'; ");
    gw_buf_printf(&csp, "frame-ancestors 'self' %s", gateway);
    gw_reply_header(rep, "Content-Security-Policy", gw_buf_str(&csp));
    gw_buf_free(&csp);
    /* the capability in the path goes nowhere else (a video host's log) */
    gw_reply_header(rep, "Referrer-Policy", "no-referrer");
    gw_reply_header(rep, "Cross-Origin-Resource-Policy", "same-site");
}

/* ---- the player page ---- */

/* The folder of the package's descriptor ("" at the root, else "dir/"):
 * cmi5 launch URLs are relative to cmi5.xml. */
static void descriptor_dir(const char *descriptor, char *out, size_t cap)
{
    const char *slash = descriptor ? strrchr(descriptor, '/') : NULL;
    snprintf(out, cap, "%.*s", slash ? (int)(slash - descriptor + 1) : 0, slash ? descriptor : "");
}

static bool absolute_url(const char *u)
{
    return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

/* A registration UUID that stays the same for one reviewer's previews of one
 * round (so a cmi5 AU can resume), made from the scope's hash. */
static void scope_uuid(const char *scope, char out[37])
{
    char hex[GW_SHA256_HEX];
    gw_sha256_hex(scope, strlen(scope), hex);
    snprintf(out, 37, "%.8s-%.4s-4%.3s-8%.3s-%.12s", hex, hex + 8, hex + 13, hex + 17, hex + 20);
}

/* The player's configuration: what to launch and how (read by player.js). */
static json_t *player_config(struct gw_req *req, const struct gw_preview_cap *c, json_t *report)
{
    const char *standard = json_string_value(json_object_get(report, "standard"));
    char dir[512], scope[2 * GW_REVIEW_ID_MAX], reg[37], gateway[512];
    descriptor_dir(json_string_value(json_object_get(report, "descriptor")), dir, sizeof dir);
    gw_preview_scope(c, scope, sizeof scope);
    scope_uuid(scope, reg);
    origin_of(req->srv->public_url, gateway, sizeof gateway);
    json_t *items = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(report, "items"), i, it)
    {
        const char *launch = json_string_value(json_object_get(it, "launch_url"));
        bool launchable = json_is_true(json_object_get(it, "launchable")) && launch && *launch;
        struct gw_buf url = {0};
        if (launchable && absolute_url(launch))
            gw_buf_puts(&url, launch);
        else if (launchable)
            gw_buf_printf(&url, "f/%s%s", dir, launch);
        json_t *o =
            json_pack("{s:s?, s:s?, s:I, s:b, s:s?, s:O?, s:O?, s:O?, s:O?}", "title",
                      json_string_value(json_object_get(it, "title")), "kind",
                      json_string_value(json_object_get(it, "kind")), "depth",
                      json_integer_value(json_object_get(it, "depth")), "launchable", launchable,
                      "url", launchable ? gw_buf_str(&url) : NULL, "id",
                      json_object_get(it, "identifier"), "move_on", json_object_get(it, "move_on"),
                      "mastery_score", json_object_get(it, "mastery_score"), "launch_method",
                      json_object_get(it, "launch_method"));
        gw_buf_free(&url);
        if (o)
            json_array_append_new(items, o);
    }
    struct gw_buf base = {0};
    gw_buf_printf(&base, "%s/c/%s/", req->srv->content_url, req->params[0]);
    json_t *actor = json_pack("{s:s, s:s, s:{s:s, s:s}}", "objectType", "Agent", "name", "Reviewer",
                              "account", "homePage", req->srv->public_url, "name", c->approver_id);
    json_t *cfg =
        json_pack("{s:s?, s:s?, s:s, s:o, s:{s:s, s:s}, s:{s:s+, s:s+, s:s, s:o}}", "standard",
                  standard, "title", json_string_value(json_object_get(report, "title")),
                  "parent_origin", gateway, "items", items, "learner", "id", c->approver_id, "name",
                  "Reviewer", "xapi", "endpoint", gw_buf_str(&base), "xapi/", "fetch",
                  gw_buf_str(&base), "fetch", "registration", reg, "actor", actor);
    gw_buf_free(&base);
    /* what the course reports from now on: earlier visits' statements stay
     * in the preview LRS but are not shown again */
    json_object_set_new(cfg, "since_ms", json_integer(gw_clock_now_ms(&req->srv->clock) - 1));
    return cfg;
}

/* The player's answer when it cannot run: a page in words, in the frame
 * where the approver looks, with the registry's status. */
static void play_error(struct gw_req *req, struct gw_reply *rep)
{
    const char *detail = "";
    json_t *j = json_loadb(rep->body.data ? rep->body.data : "", rep->body.len, 0, NULL);
    detail = json_string_value(json_object_get(j, "detail"));
    struct gw_buf b = {0};
    gw_buf_puts(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>The course cannot be shown</title><link rel=\"stylesheet\" "
                    "href=\"/_player/player.css\"></head><body><main><h1>The course cannot be "
                    "shown</h1><p>");
    gw_buf_html(&b, detail ? detail : "The preview is not available.");
    gw_buf_puts(&b, "</p></main></body></html>\n");
    unsigned status = rep->status;
    json_decref(j);
    gw_reply_text(rep, status, "text/html; charset=utf-8", gw_buf_str(&b), b.len);
    gw_buf_free(&b);
    gw_reply_header(rep, "Cache-Control", "no-store");
    content_csp(req, rep, true);
}

void gw_api_preview_play_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_preview_cap c;
    if (!gw_preview_cap_from_req(req, rep, &c)) {
        play_error(req, rep);
        return;
    }
    struct gw_package pkg;
    struct gw_error e;
    gw_error_clear(&e);
    if (gw_store_package_by_sha(req->srv->store, c.sha256, &pkg, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        play_error(req, rep);
        return;
    }
    json_t *report = json_loads(pkg.report ? pkg.report : "{}", 0, NULL);
    json_t *cfg = player_config(req, &c, report);
    /* in a script element: "</" must not close it */
    char *text = json_dumps(cfg, JSON_COMPACT | JSON_ESCAPE_SLASH);
    const char *standard = json_string_value(json_object_get(report, "standard"));
    const char *lib = !standard                            ? NULL
                      : strcmp(standard, "scorm12") == 0   ? "scorm12.min.js"
                      : strcmp(standard, "scorm2004") == 0 ? "scorm2004.min.js"
                                                           : NULL;
    struct gw_buf b = {0};
    gw_buf_puts(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<meta name=\"robots\" content=\"noindex\"><title>");
    gw_buf_html(&b, json_string_value(json_object_get(report, "title")));
    gw_buf_puts(&b, " (preview)</title><link rel=\"stylesheet\" href=\"/_player/player.css\">"
                    "<script id=\"lmsgw-course\" type=\"application/json\">");
    gw_buf_puts(&b, text ? text : "{}");
    gw_buf_puts(&b, "</script>");
    if (lib)
        gw_buf_printf(&b, "<script src=\"/_player/%s\"></script>", lib);
    gw_buf_puts(&b, "<script src=\"/_player/player.js\" defer></script></head><body>"
                    "<nav id=\"toc\" aria-label=\"Course contents\"></nav>"
                    "<main><p id=\"status\" role=\"status\"></p>"
                    "<iframe id=\"sco\" name=\"sco\" title=\"Course content\" "
                    "allow=\"fullscreen; autoplay\"></iframe></main></body></html>\n");
    free(text);
    json_decref(cfg);
    json_decref(report);
    gw_package_clear(&pkg);
    gw_reply_text(rep, 200, "text/html; charset=utf-8", gw_buf_str(&b), b.len);
    gw_buf_free(&b);
    gw_reply_header(rep, "Cache-Control", "no-store");
    content_csp(req, rep, true);
}

void gw_api_player_asset_get(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_static_file(req, rep, "/player", req->params[0],
                       "default-src 'none'; sandbox; frame-ancestors 'none'");
    gw_reply_header(rep, "Cross-Origin-Resource-Policy", "same-origin");
}

/* ---- the package's files, streamed from the zip ---- */

struct zip_reader {
    zip_t *za;
    zip_file_t *zf;
    bool stored;    /* not compressed: zip_fseek works */
    uint64_t start; /* the range's first byte in the file */
    uint64_t done;  /* bytes of the file read so far (from 0) */
};

static void zip_reader_close(void *ud)
{
    struct zip_reader *z = ud;
    if (z->zf)
        zip_fclose(z->zf);
    if (z->za)
        zip_discard(z->za);
    free(z);
}

/* pos counts from the range's start; libzip reads on from where it was.
 * A compressed entry cannot seek: the bytes before the range are read and
 * dropped (video in packages is stored uncompressed, where zip_fseek works). */
static long zip_reader_read(void *ud, uint64_t pos, char *buf, size_t max)
{
    struct zip_reader *z = ud;
    uint64_t want = z->start + pos;
    /* (a failed zip_fseek would leave the file in an error state) */
    if (z->done < want && z->stored && zip_fseek(z->zf, (zip_int64_t)want, SEEK_SET) == 0)
        z->done = want;
    char skip[16384];
    while (z->done < want) {
        uint64_t n = want - z->done < sizeof skip ? want - z->done : sizeof skip;
        zip_int64_t r = zip_fread(z->zf, skip, n);
        if (r <= 0)
            return -1;
        z->done += (uint64_t)r;
    }
    if (z->done != want)
        return -1; /* MHD reads forward only */
    zip_int64_t r = zip_fread(z->zf, buf, max);
    if (r <= 0)
        return -1;
    z->done += (uint64_t)r;
    return (long)r;
}

/* A path a package can hold: no empty, "." or ".." segment, no backslash,
 * not absolute. */
static bool entry_path_ok(const char *p)
{
    if (!*p || *p == '/' || strchr(p, '\\'))
        return false;
    for (const char *s = p; *s;) {
        size_t n = strcspn(s, "/");
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        s += n;
        if (*s == '/')
            s++;
    }
    return true;
}

void gw_api_preview_file_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_preview_cap c;
    if (!gw_preview_cap_from_req(req, rep, &c))
        return;
    const char *name = req->params[1];
    if (!entry_path_ok(name)) {
        gw_reply_errorf(rep, GW_E_PREVIEW_FILE_NOT_FOUND, "path",
                        "'%s' is not a path inside a package", name);
        return;
    }
    char path[1400];
    struct gw_error e;
    if (gw_blobs_local(req->srv->store, req->srv->cfg->data_dir, c.sha256, path, sizeof path, &e) !=
        GW_OK) {
        if (e.code != GW_E_NOT_FOUND) {
            gw_reply_error(rep, &e);
            return;
        }
        gw_log_warn("preview: no zip %s: %s", c.sha256, e.detail);
        gw_reply_errorf(rep, GW_E_PREVIEW_FILE_NOT_FOUND, "path", "the package's zip is not kept");
        return;
    }
    int zerr = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &zerr);
    if (!za) {
        gw_log_warn("preview: cannot open %s (libzip error %d)", path, zerr);
        gw_reply_errorf(rep, GW_E_PREVIEW_FILE_NOT_FOUND, "path",
                        "the package's zip is not on this gateway");
        return;
    }
    zip_int64_t idx = zip_name_locate(za, name, ZIP_FL_ENC_GUESS);
    zip_stat_t st;
    zip_stat_init(&st);
    if (idx < 0 || zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0 ||
        !(st.valid & ZIP_STAT_SIZE) || (st.name && st.name[strlen(st.name) - 1] == '/')) {
        zip_discard(za);
        gw_reply_errorf(rep, GW_E_PREVIEW_FILE_NOT_FOUND, "path", "the package has no file '%s'",
                        name);
        return;
    }
    uint64_t start = 0, len = st.size;
    enum gw_range rg = gw_http_range(gw_req_header(req, "Range"), st.size, &start, &len);
    if (rg == GW_RANGE_UNSATISFIABLE) {
        zip_discard(za);
        char cr[64];
        snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)st.size);
        gw_reply_errorf(rep, GW_E_PREVIEW_RANGE_INVALID, "Range",
                        "the file has %llu bytes; the range asked for lies outside it",
                        (unsigned long long)st.size);
        gw_reply_header(rep, "Content-Range", cr);
        return;
    }
    zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!zf) {
        zip_discard(za);
        gw_reply_errorf(rep, GW_E_PREVIEW_FILE_NOT_FOUND, "path",
                        "the package's file '%s' cannot be read (encrypted or damaged)", name);
        return;
    }
    struct zip_reader *z = gw_xcalloc(1, sizeof *z);
    z->za = za;
    z->zf = zf;
    z->start = start;
    z->stored = (st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_STORE;
    struct gw_reply_stream s = {len, zip_reader_read, zip_reader_close, z};
    gw_reply_stream(rep, rg == GW_RANGE_PART ? 206 : 200, gw_mime_type(name), &s);
    if (rg == GW_RANGE_PART) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)start,
                 (unsigned long long)(start + len - 1), (unsigned long long)st.size);
        gw_reply_header(rep, "Content-Range", cr);
    }
    gw_reply_header(rep, "Accept-Ranges", "bytes");
    gw_reply_header(rep, "Cache-Control", "private, max-age=600");
    content_csp(req, rep, false);
}
