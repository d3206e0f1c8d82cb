/* xapi_statements.c: the xAPI statements resource (PUT, POST, GET).
 *
 * Writes: the handler checks the version header, reads the statements (JSON,
 * or multipart/mixed with attachments), validates and normalizes them and
 * extracts what the store indexes, all in the HTTP worker thread; then it
 * defers its reply and hands one job to the group-commit writer. The reply
 * (200 with the ids, 204 for PUT, or the error) is sent only after the
 * writer's commit: an answered statement is durable and readable.
 * Reads run in the worker thread on a read transaction. */
#include "gw/api.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/jws.h"
#include "gw/log.h"
#include "gw/multipart.h"
#include "gw/server.h"
#include "gw/timefmt.h"
#include "gw/xapi_prepare.h"
#include "gw/xapi_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_PARTS 128

/* ---- reading the request body ---- */

struct body_parts {
    struct gw_mpart parts[MAX_PARTS];
    size_t n;
    bool *used;
};

/* The statements document of the request: the JSON body, or the first part
 * of a multipart/mixed body (the other parts stay in bp). */
static json_t *read_body(struct gw_req *req, struct body_parts *bp, struct gw_error *e)
{
    const char *ct = gw_req_header(req, "Content-Type");
    bp->n = 0;
    if (gw_content_type_is(ct, "multipart/mixed")) {
        if (gw_multipart_parse(ct, gw_buf_str(&req->body), req->body.len, bp->parts, MAX_PARTS,
                               &bp->n, e) != GW_OK)
            return NULL;
        char pct[128];
        if (bp->n == 0 || !gw_mpart_header(&bp->parts[0], "Content-Type", pct, sizeof pct) ||
            !gw_content_type_is(pct, "application/json")) {
            gw_error_set(e, GW_E_BAD_REQUEST, "Content-Type",
                         "the first part of a multipart/mixed body must be application/json "
                         "with the statements");
            return NULL;
        }
        bp->used = gw_xcalloc(bp->n, sizeof *bp->used);
        bp->used[0] = true;
        return gw_json_load(bp->parts[0].body, bp->parts[0].body_len, e);
    }
    /* No Content-Type reads as JSON: an alternate-syntax form (Comm 1.3)
     * need not carry one, and the suite's PUT-as-POST sends none. Any other
     * type is 400, not 415: xAPI 1.0.3 asks for 400 when the Content-Type
     * does not fit the content (Comm 3.2.s3.b6) and allows only the codes it
     * lists (3.2.s3.b1; conformance requirement XAPI-00323). */
    if (ct && *ct && !gw_content_type_is(ct, "application/json")) {
        char said[96];
        gw_req_media_type_words(req, said, sizeof said);
        if (gw_content_type_is(ct, "application/x-www-form-urlencoded"))
            gw_error_set(e, GW_E_BAD_REQUEST, "Content-Type",
                         "a form body is xAPI's alternate request syntax and needs ?method=PUT "
                         "or ?method=POST in the URL; otherwise send the header 'Content-Type: "
                         "application/json'");
        else
            gw_error_set(e, GW_E_BAD_REQUEST, "Content-Type",
                         "send the header 'Content-Type: application/json' (or multipart/mixed "
                         "with the statements as the first part, then the attachments); the "
                         "request had %s",
                         said);
        return NULL;
    }
    return gw_json_load(gw_buf_str(&req->body), req->body.len, e);
}

static bool hash_matches(const char *body, size_t len, const char *sha2)
{
    size_t n = strlen(sha2);
    char got[129];
    if (n == 64)
        gw_sha256_hex(body, len, got);
    else if (n == 96)
        gw_sha384_hex(body, len, got);
    else if (n == 128)
        gw_sha512_hex(body, len, got);
    else
        return false;
    return strcasecmp(got, sha2) == 0;
}

/* Some clients send binary content as a Latin-1 string that their HTTP
 * library then encodes as UTF-8 (the ADL conformance suite posts its PNG
 * attachment that way), so every byte >= 0x80 arrives as two. When the body
 * is UTF-8 made only of such code points (at least one), returns the bytes
 * they stand for (caller frees; *out_len their number), else NULL. Only
 * tried after the hash failed on the bytes as received. */
static char *latin1_from_utf8(const char *s, size_t n, size_t *out_len)
{
    char *out = gw_xmalloc(n ? n : 1);
    size_t o = 0;
    bool wide = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            out[o++] = (char)c;
            continue;
        }
        unsigned char c2 = i + 1 < n ? (unsigned char)s[i + 1] : 0;
        if ((c != 0xC2 && c != 0xC3) || (c2 & 0xC0) != 0x80) {
            free(out);
            return NULL;
        }
        out[o++] = (char)(((c & 0x03) << 6) | (c2 & 0x3F));
        wide = true;
        i++;
    }
    if (!wide) {
        free(out);
        return NULL;
    }
    *out_len = o;
    return out;
}

/* Finds the part for sha2, checks its headers and content, and records it
 * on the item for storing. */
static enum gw_err take_part(struct body_parts *bp, struct gw_xapi_new_statement *item,
                             const char *sha2, const char *ptr, struct gw_error *e)
{
    char h[160], cte[64], pct[128];
    for (size_t i = 1; i < bp->n; i++) {
        if (!gw_mpart_header(&bp->parts[i], "X-Experience-API-Hash", h, sizeof h) ||
            strcasecmp(h, sha2) != 0)
            continue;
        if (!gw_mpart_header(&bp->parts[i], "Content-Transfer-Encoding", cte, sizeof cte) ||
            strcasecmp(cte, "binary") != 0)
            return gw_error_set(e, GW_E_BAD_REQUEST, ptr,
                                "the attachment part with hash %s needs "
                                "'Content-Transfer-Encoding: binary'",
                                sha2);
        const char *content = bp->parts[i].body;
        size_t content_len = bp->parts[i].body_len;
        char *recovered = NULL;
        if (!hash_matches(content, content_len, sha2)) {
            recovered = latin1_from_utf8(content, content_len, &content_len);
            if (!recovered || !hash_matches(recovered, content_len, sha2)) {
                free(recovered);
                return gw_error_set(e, GW_E_BAD_REQUEST, ptr,
                                    "the attachment part's content does not have the hash %s",
                                    sha2);
            }
            content = recovered;
        }
        if (!gw_mpart_header(&bp->parts[i], "Content-Type", pct, sizeof pct))
            snprintf(pct, sizeof pct, "application/octet-stream");
        /* sent back as a part header of attachments=true replies */
        if (!gw_xapi_media_type_valid(pct)) {
            free(recovered);
            return gw_error_set(e, GW_E_XAPI_ATTACHMENT_INVALID, ptr,
                                "the Content-Type of the attachment part with hash %s must be a "
                                "media type (type/subtype, printable ASCII, no control "
                                "characters)",
                                sha2);
        }
        bp->used[i] = true;
        if (!item->attachments)
            item->attachments = json_array();
        char *b64 = gw_base64_encode(content, content_len);
        json_array_append_new(item->attachments,
                              json_pack("{s:s, s:s, s:I, s:s}", "sha2", sha2, "contentType", pct,
                                        "length", (json_int_t)content_len, "content_b64", b64));
        free(b64);
        free(recovered);
        return GW_OK;
    }
    return gw_error_set(e, GW_E_BAD_REQUEST, ptr,
                        "the attachment with sha2 %s has no fileUrl and no multipart part with "
                        "that X-Experience-API-Hash",
                        sha2);
}

static enum gw_err match_attachments(struct body_parts *bp, struct gw_xapi_new_statement *item,
                                     size_t index, bool batch, struct gw_error *e)
{
    const char *hashes[64];
    size_t n = gw_xapi_attachment_hashes(item->st, true, hashes, 64);
    char ptr[64];
    snprintf(ptr, sizeof ptr, "%s/attachments", batch ? "" : "");
    if (batch)
        snprintf(ptr, sizeof ptr, "/%zu/attachments", index);
    for (size_t i = 0; i < n && i < 64; i++) {
        if (bp->n == 0)
            return gw_error_set(e, GW_E_BAD_REQUEST, ptr,
                                "an attachment without fileUrl needs its content: send "
                                "multipart/mixed with a part per attachment");
        enum gw_err rc = take_part(bp, item, hashes[i], ptr, e);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* Signed statements: each signature attachment's part must be a JWS of this
 * statement (Data 2.6). */
static enum gw_err check_signatures(struct body_parts *bp, const json_t *st, size_t index,
                                    bool batch, struct gw_error *e)
{
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(st, "attachments"), i, a)
    {
        const char *usage = json_string_value(json_object_get(a, "usageType"));
        if (!usage || strcmp(usage, GW_XAPI_ATTACHMENT_SIGNATURE) != 0)
            continue;
        char where[64];
        if (batch)
            snprintf(where, sizeof where, "/%zu/attachments/%zu", index, i);
        else
            snprintf(where, sizeof where, "/attachments/%zu", i);
        const char *ct = json_string_value(json_object_get(a, "contentType"));
        if (!ct || strcmp(ct, "application/octet-stream") != 0)
            return gw_error_set(e, GW_E_XAPI_SIGNATURE_INVALID, where,
                                "a signature attachment's contentType must be "
                                "application/octet-stream");
        const char *sha2 = json_string_value(json_object_get(a, "sha2"));
        char h[160];
        const struct gw_mpart *part = NULL;
        for (size_t k = 1; k < bp->n && !part; k++) {
            if (gw_mpart_header(&bp->parts[k], "X-Experience-API-Hash", h, sizeof h) && sha2 &&
                strcasecmp(h, sha2) == 0)
                part = &bp->parts[k];
        }
        if (!part)
            return gw_error_set(e, GW_E_XAPI_SIGNATURE_INVALID, where,
                                "a signature attachment must be sent as a multipart part");
        enum gw_err rc = gw_jws_check_statement(part->body, part->body_len, st, where, e);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* ---- the write path ---- */

struct write_ctx {
    struct gw_req *req;
    struct gw_reply *rep;
    bool is_put;
    struct gw_xapi_insert ins;
    struct gw_batch_job job;
    struct gw_xapi_index *busy; /* told when this write began and ended */
};

static void free_ctx(struct write_ctx *c)
{
    gw_xapi_index_busy(c->busy, false);
    gw_xapi_prepare_free(&c->ins);
    free(c);
}

static enum gw_qs write_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct write_ctx *c = ud;
    return gw_store_xapi_insert(db, &c->ins, c->job.batch_ms, err);
}

/* In the writer thread: only wake the request; the reply is built and the
 * statements freed on the HTTP worker (write_finish), off the writer's path. */
static void write_done(struct gw_batch_job *job)
{
    struct write_ctx *c = job->ud;
    if (job->rc == GW_OK && c->ins.index)
        gw_xapi_index_committed(c->ins.index, &c->ins); /* before the answer: read your writes */
    gw_req_resume(c->req);
}

static void write_finish(void *ud)
{
    struct write_ctx *c = ud;
    if (c->job.rc != GW_OK) {
        gw_reply_error(c->rep, &c->job.err);
    } else if (c->is_put) {
        gw_reply_empty(c->rep, 204);
    } else {
        gw_xapi_prepare_reply_ids(&c->ins, &c->rep->body);
        c->rep->status = 200;
        c->rep->content_type = "application/json";
    }
    free_ctx(c);
}

static void write_start(void *ud)
{
    struct write_ctx *c = ud;
    gw_batcher_submit(c->req->srv->writer, &c->job);
}

/* Per statement, with its tree still held: the multipart parts of its
 * attachments, and its signatures. */
static enum gw_err prepare_item(struct gw_xapi_new_statement *item, size_t index, bool batch,
                                void *ud, struct gw_error *e)
{
    struct body_parts *bp = ud;
    enum gw_err rc = match_attachments(bp, item, index, batch, e);
    if (rc == GW_OK)
        rc = check_signatures(bp, item->st, index, batch, e);
    return rc;
}

/* Validates, normalizes and prepares every statement of body for storing. */
static enum gw_err prepare(struct gw_req *req, json_t *body, const char *put_id,
                           enum gw_xapi_version v, struct body_parts *bp, struct write_ctx *c,
                           struct gw_error *e)
{
    c->ins.authority_key = req->who.key_id;
    c->ins.dedup_window_ms = req->who.xapi_dedup_window_s * 1000;
    c->ins.dedup_members = req->who.xapi_dedup_members;
    c->ins.index = req->srv->xindex;
    json_t *authority = gw_api_xapi_authority(req);
    struct gw_xapi_prepare p = {put_id,       v, authority, gw_clock_now_ms(&req->srv->clock),
                                prepare_item, bp};
    enum gw_err rc = gw_xapi_prepare_statements(body, &p, &c->ins, e);
    json_decref(authority);
    for (size_t i = 1; rc == GW_OK && i < bp->n; i++) {
        if (!bp->used[i])
            rc = gw_error_set(e, GW_E_BAD_REQUEST, "",
                              "multipart part %zu matches no attachment of the statements", i + 1);
    }
    return rc;
}

/* Only the parameters a resource defines are allowed (Comm 3.2). */
struct allowed_params {
    const char *const *names;
    const char *bad;
};

static bool check_param(const char *name, const char *value, void *ud)
{
    (void)value;
    struct allowed_params *a = ud;
    for (const char *const *n = a->names; *n; n++) {
        if (strcmp(*n, name) == 0)
            return true;
    }
    a->bad = name;
    return false;
}

static void write_statements(struct gw_req *req, struct gw_reply *rep, bool is_put)
{
    struct gw_error e;
    enum gw_xapi_version v;
    if (gw_api_xapi_version(req, &v, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    static const char *const put_params[] = {"statementId", NULL};
    static const char *const post_params[] = {NULL};
    struct allowed_params ap = {is_put ? put_params : post_params, NULL};
    gw_req_query_each(req, check_param, &ap);
    if (ap.bad) {
        gw_reply_errorf(rep, GW_E_XAPI_QUERY_PARAM, ap.bad,
                        "'%s' is not a parameter of %s /xapi/statements", ap.bad, req->method);
        return;
    }
    const char *put_id = NULL;
    if (is_put) {
        put_id = gw_req_query(req, "statementId");
        if (!put_id || !gw_is_uuid(put_id)) {
            gw_reply_errorf(rep, GW_E_XAPI_QUERY_PARAM, "statementId",
                            "PUT needs ?statementId= with the statement's UUID");
            return;
        }
    }
    struct body_parts bp; /* on the stack: parts[] is read only up to n */
    bp.n = 0;
    bp.used = NULL;
    struct write_ctx *c = gw_xcalloc(1, sizeof *c);
    c->busy = req->srv->xindex;
    gw_xapi_index_busy(c->busy, true);
    json_t *body = read_body(req, &bp, &e);
    enum gw_err rc = body ? GW_OK : e.code;
    if (rc == GW_OK && is_put && !json_is_object(body))
        rc = gw_error_set(&e, GW_E_BAD_REQUEST, "", "PUT takes one statement object");
    if (rc == GW_OK)
        rc = prepare(req, body, put_id, v, &bp, c, &e);
    json_decref(body);
    free(bp.used);
    if (rc != GW_OK) {
        gw_reply_error(rep, &e);
        free_ctx(c);
        return;
    }
    c->req = req;
    c->rep = rep;
    c->is_put = is_put;
    c->job.fn = write_fn;
    c->job.done = write_done;
    c->job.ud = c;
    gw_req_defer(req, write_start, write_finish, c);
}

void gw_api_xapi_statements_put(struct gw_req *req, struct gw_reply *rep)
{
    write_statements(req, rep, true);
}

void gw_api_xapi_statements_post(struct gw_req *req, struct gw_reply *rep)
{
    write_statements(req, rep, false);
}

/* ---- the read path ---- */

struct collected {
    struct gw_xapi_qparam p[32];
    size_t n;
    const char *more;
    bool too_many;
};

static bool collect_param(const char *name, const char *value, void *ud)
{
    struct collected *c = ud;
    if (strcmp(name, "more") == 0) {
        c->more = value;
        return true;
    }
    if (c->n == 32) {
        c->too_many = true;
        return false;
    }
    c->p[c->n].name = name;
    c->p[c->n].value = value;
    c->n++;
    return true;
}

/* Accept-Language as an ordered list of tags (q values are not weighed: the
 * order given is the preference). */
static void languages(const char *header, char buf[256], const char *out[9])
{
    size_t n = 0;
    snprintf(buf, 256, "%s", header ? header : "");
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && n < 8;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        tok[strcspn(tok, "; ")] = '\0';
        if (*tok && strcmp(tok, "*") != 0)
            out[n++] = tok;
    }
    out[n] = NULL;
}

static void http_date(int64_t ms, char out[64])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* The `more` link: the query's parameters and the cursor, opaque to clients. */
static char *more_link(struct gw_req *req, const struct collected *c, int64_t cursor)
{
    json_t *params = json_array();
    for (size_t i = 0; i < c->n; i++)
        json_array_append_new(params, json_pack("[s, s]", c->p[i].name, c->p[i].value));
    json_t *tok = json_pack("{s:I, s:o}", "c", (json_int_t)cursor, "p", params);
    char *text = gw_json_dump(tok);
    json_decref(tok);
    char *enc = gw_base64url_encode(text, strlen(text));
    free(text);
    /* a path with the gateway's base path, no scheme or host (Comm 2.1.3) */
    const char *base = req->srv->public_url;
    const char *path = strstr(base, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    struct gw_buf b = {0};
    gw_buf_printf(&b, "%s/xapi/statements?more=%s", path ? path : "", enc);
    free(enc);
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

/* What a parameter absent from a query means (the ones with a default). */
static const char *param_default(const char *name)
{
    static const char *const defaults[][2] = {
        {"attachments", "false"},    {"ascending", "false"}, {"related_activities", "false"},
        {"related_agents", "false"}, {"format", "exact"},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (strcmp(defaults[i][0], name) == 0)
            return defaults[i][1];
    return NULL;
}

/* A client following a `more` link may repeat parameters of its query
 * (attachments=false, format=...); they are accepted when they say what the
 * token's query says (or, absent there, its default), as the token carries
 * the query. Anything else is refused naming the parameter. */
static enum gw_err more_extras_agree(const struct collected *extra, json_t *params,
                                     struct gw_error *e)
{
    for (size_t i = 0; i < extra->n; i++) {
        const char *name = extra->p[i].name, *value = extra->p[i].value, *in_token = NULL;
        size_t k;
        json_t *pair;
        json_array_foreach(params, k, pair)
        {
            const char *n = json_string_value(json_array_get(pair, 0));
            if (n && strcmp(n, name) == 0)
                in_token = json_string_value(json_array_get(pair, 1));
        }
        const char *want = in_token ? in_token : param_default(name);
        if (!want || !value || strcmp(want, value) != 0)
            return gw_error_set(e, GW_E_XAPI_QUERY_PARAM, name,
                                "'more' carries the query; '%s' may be repeated with it only "
                                "with the value the query had",
                                name);
    }
    return GW_OK;
}

/* Replaces c's parameters with those inside a more token; *cursor receives
 * its position. The strings live in *holder (caller decrefs). Parameters
 * sent beside `more` must agree with the token's (more_extras_agree). */
static enum gw_err unpack_more(struct collected *c, int64_t *cursor, json_t **holder,
                               struct gw_error *e)
{
    struct collected extra = *c;
    size_t len = 0;
    char *text = (char *)gw_base64url_decode(c->more, strlen(c->more), &len);
    json_t *tok = text ? json_loadb(text, len, 0, NULL) : NULL;
    free(text);
    json_t *params = json_object_get(tok, "p");
    if (!json_is_integer(json_object_get(tok, "c")) || !json_is_array(params) ||
        json_array_size(params) > 32) {
        json_decref(tok);
        return gw_error_set(e, GW_E_XAPI_QUERY_PARAM, "more", "the 'more' token is not valid");
    }
    if (more_extras_agree(&extra, params, e) != GW_OK) {
        json_decref(tok);
        return e->code;
    }
    c->n = 0;
    *cursor = json_integer_value(json_object_get(tok, "c"));
    size_t i;
    json_t *pair;
    json_array_foreach(params, i, pair)
    {
        c->p[c->n].name = json_string_value(json_array_get(pair, 0));
        c->p[c->n].value = json_string_value(json_array_get(pair, 1));
        if (!c->p[c->n].name || !c->p[c->n].value) {
            json_decref(tok);
            return gw_error_set(e, GW_E_XAPI_QUERY_PARAM, "more", "the 'more' token is not valid");
        }
        c->n++;
    }
    *holder = tok;
    return GW_OK;
}

static json_t *formatted(const char *body, int64_t stored_ms, enum gw_xapi_format f,
                         const char *const *langs)
{
    json_t *st = gw_xapi_stored_statement(body, stored_ms);
    if (!st || f == GW_XAPI_FORMAT_EXACT)
        return st;
    json_t *out = gw_xapi_format(st, f, langs);
    json_decref(st);
    return out;
}

/* The parts of a multipart/mixed reply: the statements document, then each
 * stored attachment the returned statements carry, once per hash. */
struct reply_part {
    const char *ct;   /* NULL for the statements document */
    const char *hash; /* borrowed from the statements */
    char *data;
    size_t len;
};

struct reply_parts {
    struct reply_part *v;
    size_t n, cap;
};

static void parts_add(struct reply_parts *ps, const char *ct, const char *hash, char *data,
                      size_t len)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 8;
        ps->v = gw_xrealloc(ps->v, ps->cap * sizeof *ps->v);
    }
    ps->v[ps->n++] = (struct reply_part){ct, hash, data, len};
}

static void parts_free(struct reply_parts *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free((char *)ps->v[i].ct);
        free(ps->v[i].data);
    }
    free(ps->v);
}

static void collect_attachments(struct gw_req *req, json_t *statements, struct reply_parts *ps)
{
    json_t *seen = json_object();
    size_t i;
    json_t *st;
    json_array_foreach(statements, i, st)
    {
        const char *hashes[64];
        size_t n = gw_xapi_attachment_hashes(st, false, hashes, 64);
        for (size_t k = 0; k < n && k < 64; k++) {
            if (json_object_get(seen, hashes[k]))
                continue;
            char *ct = NULL, *b64 = NULL;
            struct gw_error e;
            if (gw_store_xapi_attachment(req->srv->store, hashes[k], &ct, &b64, &e) != GW_OK)
                continue; /* a fileUrl attachment: no content here */
            json_object_set_new(seen, hashes[k], json_true());
            size_t len = 0;
            unsigned char *raw = gw_base64_decode(b64, &len);
            free(b64);
            /* a type stored before types were checked: sent as bytes */
            if (!gw_xapi_media_type_valid(ct)) {
                free(ct);
                ct = gw_xstrdup("application/octet-stream");
            }
            parts_add(ps, ct, hashes[k], (char *)raw, raw ? len : 0);
        }
    }
    json_decref(seen);
}

/* A fresh random boundary that no part contains, so attachment bytes can
 * never end a part and forge one (RFC 2046 5.1.1). False when none could be
 * drawn. */
static bool pick_boundary(const struct reply_parts *ps, char out[48])
{
    for (int attempt = 0; attempt < 8; attempt++) {
        uint8_t rnd[16];
        if (!gw_random_bytes(rnd, sizeof rnd))
            return false;
        memcpy(out, "lmsgw-", 6);
        gw_hex(rnd, sizeof rnd, out + 6);
        size_t blen = strlen(out);
        bool clash = false;
        for (size_t i = 0; i < ps->n && !clash; i++)
            clash = ps->v[i].data && memmem(ps->v[i].data, ps->v[i].len, out, blen) != NULL;
        if (!clash)
            return true;
    }
    return false;
}

/* A multipart/mixed reply: the statements document, then each attachment
 * the returned statements carry (attachments=true). */
static void reply_with_attachments(struct gw_req *req, struct gw_reply *rep, json_t *doc,
                                   json_t *statements)
{
    struct reply_parts ps = {0};
    char *text = gw_json_dump(doc);
    parts_add(&ps, NULL, NULL, text, text ? strlen(text) : 0);
    collect_attachments(req, statements, &ps);
    char boundary[48];
    if (!pick_boundary(&ps, boundary)) {
        gw_reply_errorf(rep, GW_E_INTERNAL, "", "no multipart boundary could be drawn");
        parts_free(&ps);
        return;
    }
    struct gw_buf b = {0};
    for (size_t i = 0; i < ps.n; i++) {
        const struct reply_part *pt = &ps.v[i];
        if (!pt->ct)
            gw_buf_printf(&b, "--%s\r\nContent-Type: application/json\r\n\r\n", boundary);
        else
            gw_buf_printf(&b,
                          "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: binary\r\n"
                          "X-Experience-API-Hash: %s\r\n\r\n",
                          boundary, pt->ct, pt->hash);
        if (pt->data)
            gw_buf_append(&b, pt->data, pt->len);
        gw_buf_puts(&b, "\r\n");
    }
    gw_buf_printf(&b, "--%s--\r\n", boundary);
    parts_free(&ps);
    char ctype[96];
    snprintf(ctype, sizeof ctype, "multipart/mixed; boundary=%s", boundary);
    gw_reply_text(rep, 200, "multipart/mixed", b.data, b.len);
    rep->content_type = NULL;
    gw_reply_header(rep, "Content-Type", ctype);
    gw_buf_free(&b);
}

static void get_one(struct gw_req *req, struct gw_reply *rep, const struct gw_xapi_query *q,
                    const char *const *langs)
{
    struct gw_error e;
    char *body = NULL;
    int64_t stored = 0;
    bool voided = q->voided_statement_id != NULL;
    const char *id = voided ? q->voided_statement_id : q->statement_id;
    if (gw_store_xapi_get(req->srv->store, id, voided, &body, &stored, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    json_t *st = formatted(body, stored, q->format, langs);
    free(body);
    char date[64];
    http_date(stored, date);
    if (q->attachments) {
        json_t *one = json_pack("[O]", st);
        reply_with_attachments(req, rep, st, one);
        json_decref(one);
        json_decref(st);
    } else {
        gw_reply_json(rep, 200, st);
    }
    gw_reply_header(rep, "Last-Modified", date);
}

void gw_api_xapi_statements_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    enum gw_xapi_version v;
    if (gw_api_xapi_version(req, &v, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    struct collected c = {0};
    gw_req_query_each(req, collect_param, &c);
    json_t *holder = NULL;
    int64_t cursor = 0;
    struct gw_xapi_query q;
    enum gw_err rc = GW_OK;
    if (c.too_many)
        rc = gw_error_set(&e, GW_E_XAPI_QUERY_PARAM, "", "too many query parameters");
    if (rc == GW_OK && c.more)
        rc = unpack_more(&c, &cursor, &holder, &e);
    if (rc == GW_OK)
        rc = gw_xapi_query_parse(c.p, c.n, &q, &e);
    if (rc != GW_OK) {
        gw_reply_error(rep, &e);
        json_decref(holder);
        return;
    }
    char langbuf[256];
    const char *langs[9];
    languages(gw_req_header(req, "Accept-Language"), langbuf, langs);
    if (q.statement_id || q.voided_statement_id) {
        get_one(req, rep, &q, langs);
        json_decref(holder);
        return;
    }
    if (q.has_agent || q.activity || q.registration) /* these filters read the deferred index */
        gw_xapi_index_wait(req->srv->xindex, GW_XAPI_INDEX_WAIT_MS);
    int64_t max = req->srv->cfg->xapi_page_limit;
    int limit = (int)(q.limit <= 0 || q.limit > max ? max : q.limit);
    struct gw_xapi_page page;
    if (gw_store_xapi_query(req->srv->store, &q, cursor, limit, &page, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        json_decref(holder);
        return;
    }
    json_t *list = json_array();
    int64_t newest = 0;
    for (size_t i = 0; i < page.n; i++) {
        if (page.stored_ms[i] > newest)
            newest = page.stored_ms[i];
        json_t *st = formatted(page.bodies[i], page.stored_ms[i], q.format, langs);
        if (st)
            json_array_append_new(list, st);
    }
    char *more = page.more ? more_link(req, &c, page.last_seq) : NULL;
    json_t *doc = json_pack("{s:O, s:s}", "statements", list, "more", more ? more : "");
    free(more);
    if (q.attachments)
        reply_with_attachments(req, rep, doc, list);
    else
        gw_reply_json(rep, 200, json_incref(doc));
    if (newest) { /* the newest statement in this page */
        char date[64];
        http_date(newest, date);
        gw_reply_header(rep, "Last-Modified", date);
    }
    json_decref(doc);
    json_decref(list);
    gw_xapi_page_free(&page);
    json_decref(holder);
}
