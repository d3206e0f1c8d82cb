/* preview_xapi.c: the preview LRS on the content origin (gw/preview.h), for
 * cmi5 AUs and Tin Can packages run on the review page:
 *   POST /c/{cap}/fetch                  cmi5's fetch URL: the auth-token
 *   /c/{cap}/xapi/about                  the versions (no token needed)
 *   /c/{cap}/xapi/statements             PUT, POST, GET (statementId, since,
 *                                        until, verb, activity, limit,
 *                                        ascending, format)
 *   /c/{cap}/xapi/activities/state       GET, PUT, POST, DELETE; GET of
 *                                        LMS.LaunchData for an AU of the
 *                                        package answers cmi5's LaunchData
 *   /c/{cap}/xapi/activities/profile     GET, PUT, POST, DELETE
 *   /c/{cap}/xapi/agents/profile         GET, PUT, POST, DELETE
 *   GET /c/{cap}/preview/reported        what the course reported, for the
 *                                        player to show the reviewer
 * The capability in the path is the credential of every route; the xapi/
 * routes but about also need "Authorization: Basic <auth-token>". What a
 * course sends is kept per scope (round/approver) in the preview tables
 * (store/preview.c), never with learners' statements: no KPI, attribution,
 * publish or /xapi/ query sees it. Statements are validated and prepared by
 * the LRS's own code (api/xapi_prepare.c), documents handled by the LRS's
 * document handlers (api/xapi_documents.c) over the preview tables. */
#include "gw/api.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/multipart.h"
#include "gw/packages.h"
#include "gw/preview.h"
#include "gw/preview_store.h"
#include "gw/review_store.h"
#include "gw/server.h"
#include "gw/timefmt.h"
#include "gw/xapi_prepare.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LAUNCH_DATA "LMS.LaunchData"
#define SESSION_EXT "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
#define PAGE_MAX 100    /* GET statements: the most statements one answer holds */
#define REPORTED_MAX 50 /* preview/reported */

/* ---- the capability, the scope and the auth-token ---- */

struct preview {
    struct gw_preview_cap cap;
    char scope[2 * GW_REVIEW_ID_MAX];
};

static bool open_preview(struct gw_req *req, struct gw_reply *rep, struct preview *p)
{
    if (!gw_preview_cap_from_req(req, rep, &p->cap))
        return false;
    gw_preview_scope(&p->cap, p->scope, sizeof p->scope);
    return true;
}

#define TOKEN_MAX 64

/* The scope's auth-token, derived, never stored: base64 of "preview:" and
 * the first 32 hex digits of HMAC-SHA256(review key, "lmsgw-preview-auth\n"
 * scope). A valid Basic credential (user "preview"), the same for every
 * capability of the scope (a reload of the review page keeps a running AU's
 * token working), another for every other scope; and worth nothing without
 * a live capability in the path, which every route checks first. */
static enum gw_err auth_token(struct gw_req *req, const char *scope, char out[TOKEN_MAX],
                              struct gw_error *e)
{
    uint8_t key[32], mac[32];
    enum gw_err rc = gw_store_review_key(req->srv->store, key, e);
    if (rc != GW_OK)
        return rc;
    struct gw_buf msg = {0};
    gw_buf_printf(&msg, "lmsgw-preview-auth\n%s", scope);
    gw_hmac_sha256(key, sizeof key, msg.data, msg.len, mac);
    gw_buf_free(&msg);
    char hex[65], cred[48];
    gw_hex(mac, sizeof mac, hex);
    snprintf(cred, sizeof cred, "preview:%.32s", hex);
    char *b64 = gw_base64_encode(cred, strlen(cred));
    gw_copy_str(out, TOKEN_MAX, b64);
    free(b64);
    return GW_OK;
}

/* "Authorization: Basic <the scope's token>", or a 401 in rep. No
 * WWW-Authenticate: the callers are scripts in the reviewer's browser, which
 * would put up a login dialog for it. */
static bool token_ok(struct gw_req *req, struct gw_reply *rep, const struct preview *p)
{
    struct gw_error e;
    char want[TOKEN_MAX];
    if (auth_token(req, p->scope, want, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return false;
    }
    const char *h = gw_req_header(req, "Authorization");
    if (h && strncasecmp(h, "Basic ", 6) == 0) {
        const char *got = h + 6;
        while (*got == ' ')
            got++;
        size_t n = strlen(want);
        if (strlen(got) == n && gw_ct_equal(got, want, n))
            return true;
    }
    gw_reply_errorf(rep, GW_E_PREVIEW_AUTH_INVALID, "Authorization",
                    h ? "the Authorization header does not carry this preview's auth-token"
                      : "send 'Authorization: Basic <auth-token>' with the auth-token from "
                        "POST fetch");
    return false;
}

/* The capability, the token and the version header of an xapi/ request. */
static bool open_xapi(struct gw_req *req, struct gw_reply *rep, struct preview *p,
                      enum gw_xapi_version *v)
{
    struct gw_error e;
    if (!open_preview(req, rep, p) || !token_ok(req, rep, p))
        return false;
    if (gw_api_xapi_version(req, v, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return false;
    }
    return true;
}

void gw_api_preview_fetch_post(struct gw_req *req, struct gw_reply *rep)
{
    struct preview p;
    if (!open_preview(req, rep, &p))
        return;
    struct gw_error e;
    char token[TOKEN_MAX];
    if (auth_token(req, p.scope, token, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    /* cmi5 (8.2) has an LMS answer a fetch URL once and then refuse with
     * error-code 1. A preview answers the same token every time: it is
     * derived from the scope, so a second answer tells nothing the first did
     * not, and the player asks for it too (to launch Tin Can packages), as
     * does an AU a reviewer reloads. */
    gw_reply_json(rep, 200, json_pack("{s:s}", "auth-token", token));
    gw_reply_header(rep, "Cache-Control", "no-store");
}

void gw_api_preview_about_get(struct gw_req *req, struct gw_reply *rep)
{
    struct preview p;
    if (open_preview(req, rep, &p))
        gw_api_xapi_about_get(req, rep);
}

/* ---- statements ---- */

/* The preview keeps no attachment content: a statement may carry
 * attachments with a fileUrl only (so no multipart body, no signature). */
static enum gw_err no_attachment_parts(struct gw_xapi_new_statement *item, size_t index, bool batch,
                                       void *ud, struct gw_error *e)
{
    (void)ud;
    const char *hashes[1];
    if (gw_xapi_attachment_hashes(item->st, true, hashes, 1) == 0)
        return GW_OK;
    char where[48] = "/attachments";
    if (batch)
        snprintf(where, sizeof where, "/%zu/attachments", index);
    return gw_error_set(e, GW_E_XAPI_ATTACHMENT_INVALID, where,
                        "the course preview keeps no attachment content: give attachments a "
                        "fileUrl");
}

/* The authority the preview stamps on what it stores: the preview itself,
 * not an API key. */
static json_t *preview_authority(struct gw_req *req, const char *scope)
{
    struct gw_buf name = {0};
    gw_buf_printf(&name, "preview:%s", scope);
    json_t *a =
        json_pack("{s:s, s:s, s:{s:s, s:s}}", "objectType", "Agent", "name", "lmsgw course preview",
                  "account", "homePage", req->srv->public_url, "name", gw_buf_str(&name));
    gw_buf_free(&name);
    return a;
}

/* Only the parameters a method defines (Comm 3.2). */
struct only {
    const char *allowed; /* one name, or NULL for none */
    const char *bad;
};

static bool check_only(const char *name, const char *value, void *ud)
{
    (void)value;
    struct only *o = ud;
    if (o->allowed && strcmp(o->allowed, name) == 0)
        return true;
    o->bad = name;
    return false;
}

/* Validates and prepares body's statements (the LRS's code), then stores
 * them in the scope. On success ins holds the items (for the ids reply). */
static enum gw_err store_statements(struct gw_req *req, const struct preview *p, json_t *body,
                                    const char *put_id, enum gw_xapi_version v,
                                    struct gw_xapi_insert *ins, struct gw_error *e)
{
    int64_t now = gw_clock_now_ms(&req->srv->clock);
    json_t *authority = preview_authority(req, p->scope);
    struct gw_xapi_prepare prep = {put_id, v, authority, now, no_attachment_parts, NULL};
    enum gw_err rc = gw_xapi_prepare_statements(body, &prep, ins, e);
    json_decref(authority);
    if (rc != GW_OK)
        return rc;
    struct gw_preview_statement_in *in = gw_xcalloc(ins->n, sizeof *in);
    for (size_t i = 0; i < ins->n && rc == GW_OK; i++) {
        struct gw_xapi_new_statement *it = &ins->items[i];
        if (!it->body)
            rc = gw_error_set(e, GW_E_INTERNAL, "", "a statement could not be serialized");
        in[i] = (struct gw_preview_statement_in){it->id, it->verb_id, it->object_id, it->body};
        gw_copy_str(it->final_id, sizeof it->final_id, it->id);
    }
    if (rc == GW_OK)
        rc = gw_store_preview_statements_insert(req->srv->store, p->scope, in, ins->n, now, e);
    free(in);
    return rc;
}

static void write_statements(struct gw_req *req, struct gw_reply *rep, bool is_put)
{
    struct preview p;
    enum gw_xapi_version v;
    if (!open_xapi(req, rep, &p, &v))
        return;
    struct only o = {is_put ? "statementId" : NULL, NULL};
    gw_req_query_each(req, check_only, &o);
    if (o.bad) {
        gw_reply_errorf(rep, GW_E_XAPI_QUERY_PARAM, o.bad,
                        "'%s' is not a parameter of %s statements", o.bad, req->method);
        return;
    }
    const char *put_id = is_put ? gw_req_query(req, "statementId") : NULL;
    if (is_put && (!put_id || !gw_is_uuid(put_id))) {
        gw_reply_errorf(rep, GW_E_XAPI_QUERY_PARAM, "statementId",
                        "PUT needs ?statementId= with the statement's UUID");
        return;
    }
    const char *ct = gw_req_header(req, "Content-Type");
    if (ct && *ct && !gw_content_type_is(ct, "application/json")) {
        gw_reply_errorf(rep, GW_E_BAD_REQUEST, "Content-Type",
                        "the course preview takes statements as application/json (attachments "
                        "with a fileUrl; no multipart)");
        return;
    }
    struct gw_error e;
    json_t *body = gw_json_load(gw_buf_str(&req->body), req->body.len, &e);
    enum gw_err rc = body ? GW_OK : e.code;
    if (rc == GW_OK && is_put && !json_is_object(body))
        rc = gw_error_set(&e, GW_E_BAD_REQUEST, "", "PUT takes one statement object");
    struct gw_xapi_insert ins = {0};
    if (rc == GW_OK)
        rc = store_statements(req, &p, body, put_id, v, &ins, &e);
    json_decref(body);
    if (rc != GW_OK) {
        gw_reply_error(rep, &e);
    } else if (is_put) {
        gw_reply_empty(rep, 204);
    } else {
        gw_xapi_prepare_reply_ids(&ins, &rep->body);
        rep->status = 200;
        rep->content_type = "application/json";
    }
    gw_xapi_prepare_free(&ins);
}

void gw_api_preview_statements_put(struct gw_req *req, struct gw_reply *rep)
{
    write_statements(req, rep, true);
}

void gw_api_preview_statements_post(struct gw_req *req, struct gw_reply *rep)
{
    write_statements(req, rep, false);
}

#define MAX_QPARAMS 16

struct qparams {
    struct gw_xapi_qparam p[MAX_QPARAMS];
    size_t n;
    bool too_many;
};

static bool collect(const char *name, const char *value, void *ud)
{
    struct qparams *q = ud;
    if (q->n == MAX_QPARAMS) {
        q->too_many = true;
        return false;
    }
    q->p[q->n++] = (struct gw_xapi_qparam){name, value};
    return true;
}

/* The filters the preview answers; the others are refused by name rather
 * than ignored (an answer that looks filtered and is not would mislead). */
static enum gw_err supported(const struct gw_xapi_query *q, struct gw_error *e)
{
    const char *bad = q->voided_statement_id  ? "voidedStatementId"
                      : q->has_agent          ? "agent"
                      : q->registration       ? "registration"
                      : q->related_activities ? "related_activities"
                      : q->related_agents     ? "related_agents"
                      : q->attachments        ? "attachments"
                                              : NULL;
    if (!bad)
        return GW_OK;
    return gw_error_set(e, GW_E_XAPI_QUERY_PARAM, bad,
                        "the course preview answers statementId, since, until, verb, activity "
                        "(the object's id), limit, ascending and format; not '%s'",
                        bad);
}

static json_t *statement_out(const struct gw_preview_statement *s, enum gw_xapi_format f)
{
    json_t *st = gw_xapi_stored_statement(s->body, s->stored_ms);
    if (!st || f == GW_XAPI_FORMAT_EXACT)
        return st;
    json_t *out = gw_xapi_format(st, f, NULL);
    json_decref(st);
    return out;
}

/* Writes are committed before they are answered: everything is consistent
 * through now. */
static void consistent_now(struct gw_req *req, struct gw_reply *rep)
{
    char ts[32];
    gw_time_format_ms(gw_clock_now_ms(&req->srv->clock), ts);
    gw_reply_header(rep, "X-Experience-API-Consistent-Through", ts);
}

void gw_api_preview_statements_get(struct gw_req *req, struct gw_reply *rep)
{
    struct preview p;
    enum gw_xapi_version v;
    if (!open_xapi(req, rep, &p, &v))
        return;
    struct gw_error e;
    struct qparams qp = {0};
    gw_req_query_each(req, collect, &qp);
    struct gw_xapi_query q;
    enum gw_err rc = qp.too_many
                         ? gw_error_set(&e, GW_E_XAPI_QUERY_PARAM, "", "too many query parameters")
                         : gw_xapi_query_parse(qp.p, qp.n, &q, &e);
    if (rc == GW_OK)
        rc = supported(&q, &e);
    struct gw_preview_query pq = {
        .statement_id = rc == GW_OK ? q.statement_id : NULL,
        .since_ms = rc == GW_OK && q.has_since ? q.since_ms : INT64_MIN,
        .until_ms = rc == GW_OK && q.has_until ? q.until_ms : INT64_MAX,
        .verb_id = rc == GW_OK ? q.verb : NULL,
        .object_id = rc == GW_OK ? q.activity : NULL,
        .ascending = rc == GW_OK && q.ascending,
        .limit = rc == GW_OK && q.limit > 0 && q.limit < PAGE_MAX ? (int)q.limit : PAGE_MAX,
    };
    struct gw_preview_page page = {0};
    if (rc == GW_OK)
        rc = gw_store_preview_statements(req->srv->store, p.scope, &pq, &page, &e);
    if (rc == GW_OK && pq.statement_id && page.n == 0)
        rc = gw_error_set(&e, GW_E_NOT_FOUND, "statementId", "this preview holds no statement %s",
                          pq.statement_id);
    if (rc != GW_OK) {
        gw_reply_error(rep, &e);
        gw_preview_page_free(&page);
        return;
    }
    consistent_now(req, rep);
    if (pq.statement_id) {
        gw_reply_json(rep, 200, statement_out(&page.v[0], q.format));
        gw_preview_page_free(&page);
        return;
    }
    /* no `more` link: a preview's reader (the player) asks with since */
    json_t *list = json_array();
    for (size_t i = 0; i < page.n; i++) {
        json_t *st = statement_out(&page.v[i], q.format);
        if (st)
            json_array_append_new(list, st);
    }
    gw_reply_json(rep, 200, json_pack("{s:o, s:s}", "statements", list, "more", ""));
    gw_preview_page_free(&page);
}

/* ---- documents, and cmi5's LaunchData ---- */

/* What the document functions need: the scope, and for a State request the
 * package's report (its AUs) and the capability (the session). */
struct preview_docs {
    const struct preview *p;
    const char *cap_text;
    json_t *report; /* NULL when not needed or not found */
};

/* The report's AU with this id, or NULL. */
static const json_t *find_au(const json_t *report, const char *activity_id)
{
    size_t i;
    const json_t *it;
    json_array_foreach(json_object_get(report, "items"), i, it)
    {
        const char *kind = json_string_value(json_object_get(it, "kind"));
        const char *id = json_string_value(json_object_get(it, "identifier"));
        if (kind && id && activity_id && strcmp(kind, "au") == 0 && strcmp(id, activity_id) == 0)
            return it;
    }
    return NULL;
}

/* The AU whose LaunchData k names, or NULL when k is another document. */
static const json_t *launch_data_au(const struct preview_docs *d, const struct gw_xapi_doc_key *k)
{
    if (k->kind != GW_XAPI_DOC_STATE || !k->doc_id || strcmp(k->doc_id, LAUNCH_DATA) != 0)
        return NULL;
    return find_au(d->report, k->activity_id);
}

/* A cmi5 session id for one launch of an AU: a UUID from the capability and
 * the AU, so each page view of the review page (a new capability) is a new
 * session, and the LaunchData of one stays the same however often it is
 * read. */
static void session_id(const char *cap_text, const char *au_id, char out[37])
{
    struct gw_buf b = {0};
    gw_buf_printf(&b, "lmsgw-preview-session\n%s\n%s", cap_text, au_id);
    char hex[GW_SHA256_HEX];
    gw_sha256_hex(b.data, b.len, hex);
    gw_buf_free(&b);
    snprintf(out, 37, "%.8s-%.4s-4%.3s-8%.3s-%.12s", hex, hex + 8, hex + 13, hex + 17, hex + 20);
}

/* When the capability was minted (the page view began): its expiry less the
 * lifetime the review page gives one. */
static int64_t minted_ms(const struct gw_preview_cap *c)
{
    return c->expires_ms > GW_PREVIEW_CAP_TTL_MS ? c->expires_ms - GW_PREVIEW_CAP_TTL_MS : 0;
}

/* cmi5 10.2.1: the LaunchData state document the LMS writes before it
 * launches an AU. No returnURL (the player is the way back), no
 * launchParameters or entitlementKey (the report does not keep them). */
static void launch_data(const struct preview_docs *d, const json_t *au, struct gw_xapi_doc *out)
{
    char session[37];
    const char *au_id = json_string_value(json_object_get(au, "identifier"));
    session_id(d->cap_text, au_id, session);
    const char *course_id = json_string_value(json_object_get(d->report, "identifier"));
    const char *move_on = json_string_value(json_object_get(au, "move_on"));
    const char *method = json_string_value(json_object_get(au, "launch_method"));
    json_t *doc = json_pack("{s:{s:{s:[{s:s, s:s}]}, s:{s:s}}, s:s, s:s, s:s}", "contextTemplate",
                            "contextActivities", "grouping", "objectType", "Activity", "id",
                            course_id ? course_id : "", "extensions", SESSION_EXT, session,
                            "launchMode", "Normal", "launchMethod", method ? method : "AnyWindow",
                            "moveOn", move_on ? move_on : "NotApplicable");
    const json_t *mastery = json_object_get(au, "mastery_score");
    if (json_is_number(mastery))
        json_object_set_new(doc, "masteryScore", json_real(json_number_value(mastery)));
    /* 15 digits: a masteryScore of 0.9 reads 0.9, not 0.90000000000000002 */
    char *text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(doc);
    memset(out, 0, sizeof *out);
    out->content_type = gw_xstrdup("application/json");
    out->content = (unsigned char *)text;
    out->len = strlen(text);
    gw_sha1_hex(text, out->len, out->etag);
    out->updated_ms = minted_ms(&d->p->cap);
}

static enum gw_qs docs_load(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                            struct gw_xapi_doc *out, struct gw_error *err)
{
    struct preview_docs *d = ud;
    const json_t *au = launch_data_au(d, k);
    if (!au)
        return gw_store_preview_doc_load(db, d->p->scope, k, out, err);
    launch_data(d, au, out);
    return GW_QS_ONE;
}

static enum gw_qs launch_data_refused(const struct gw_xapi_doc_key *k, struct gw_error *err)
{
    gw_error_set(err, GW_E_PREVIEW_LAUNCH_DATA, "stateId",
                 "the AU %s may read LMS.LaunchData, not change it", k->activity_id);
    return GW_QS_HARD;
}

static enum gw_qs docs_save(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                            const char *content_type, const void *content, size_t len,
                            int64_t updated_ms, struct gw_error *err)
{
    struct preview_docs *d = ud;
    if (launch_data_au(d, k))
        return launch_data_refused(k, err);
    return gw_store_preview_doc_save(db, d->p->scope, k, content_type, content, len, updated_ms,
                                     err);
}

/* Deleting a context's states leaves LaunchData, which is not stored. */
static enum gw_qs docs_remove(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                              struct gw_error *err)
{
    struct preview_docs *d = ud;
    if (launch_data_au(d, k))
        return launch_data_refused(k, err);
    return gw_store_preview_doc_delete(db, d->p->scope, k, err);
}

/* An AU's state ids include LMS.LaunchData, in id order. */
static enum gw_qs docs_ids(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                           int64_t since_ms, json_t *ids, struct gw_error *err)
{
    struct preview_docs *d = ud;
    enum gw_qs qs = gw_store_preview_doc_ids(db, d->p->scope, k, since_ms, ids, err);
    if (qs < 0 || k->kind != GW_XAPI_DOC_STATE || !find_au(d->report, k->activity_id) ||
        minted_ms(&d->p->cap) <= since_ms)
        return qs;
    size_t at = 0;
    while (at < json_array_size(ids) &&
           strcmp(json_string_value(json_array_get(ids, at)), LAUNCH_DATA) < 0)
        at++;
    json_array_insert_new(ids, at, json_string(LAUNCH_DATA));
    return GW_QS_ONE;
}

static void documents(struct gw_req *req, struct gw_reply *rep, enum gw_xapi_doc_kind kind)
{
    struct preview p;
    enum gw_xapi_version v;
    if (!open_xapi(req, rep, &p, &v))
        return;
    struct preview_docs d = {&p, req->params[0], NULL};
    if (kind == GW_XAPI_DOC_STATE) {
        struct gw_package pkg;
        struct gw_error e;
        /* a package that is gone has no AUs: its LaunchData is not found */
        if (gw_store_package_by_sha(req->srv->store, p.cap.sha256, &pkg, &e) == GW_OK) {
            d.report = json_loads(pkg.report ? pkg.report : "{}", 0, NULL);
            gw_package_clear(&pkg);
        }
    }
    struct gw_api_xapi_doc_store docs = {docs_load, docs_save, docs_remove, docs_ids, &d};
    gw_api_xapi_doc_handle(req, rep, kind, &docs);
    json_decref(d.report);
}

void gw_api_preview_state(struct gw_req *req, struct gw_reply *rep)
{
    documents(req, rep, GW_XAPI_DOC_STATE);
}

void gw_api_preview_activity_profile(struct gw_req *req, struct gw_reply *rep)
{
    documents(req, rep, GW_XAPI_DOC_ACTIVITY_PROFILE);
}

void gw_api_preview_agent_profile(struct gw_req *req, struct gw_reply *rep)
{
    documents(req, rep, GW_XAPI_DOC_AGENT_PROFILE);
}

/* ---- what the course reported, for the player ---- */

/* A language map's en-US entry, else en, else its first. */
static const char *in_english(const json_t *map)
{
    const char *s = json_string_value(json_object_get(map, "en-US"));
    if (!s)
        s = json_string_value(json_object_get(map, "en"));
    const char *lang;
    const json_t *v;
    json_object_foreach((json_t *)map, lang, v)
    {
        if (!s)
            s = json_string_value(v);
    }
    return s;
}

/* The IRI's last path segment or fragment ("completed" of
 * http://adlnet.gov/expapi/verbs/completed). */
static const char *last_segment(const char *iri)
{
    if (!iri)
        return "";
    size_t n = strlen(iri);
    while (n > 0 && (iri[n - 1] == '/' || iri[n - 1] == '#'))
        n--;
    const char *s = iri + n;
    while (s > iri && s[-1] != '/' && s[-1] != '#')
        s--;
    return *s ? s : iri;
}

static json_t *reported_one(const struct gw_preview_statement *s)
{
    json_t *st = gw_xapi_stored_statement(s->body, s->stored_ms);
    if (!st)
        return NULL;
    const json_t *verb = json_object_get(st, "verb");
    const char *verb_text = in_english(json_object_get(verb, "display"));
    if (!verb_text)
        verb_text = last_segment(json_string_value(json_object_get(verb, "id")));
    const json_t *obj = json_object_get(st, "object");
    const char *obj_text = in_english(json_object_get(json_object_get(obj, "definition"), "name"));
    if (!obj_text)
        obj_text = json_string_value(json_object_get(obj, "id"));
    if (!obj_text)
        obj_text = json_string_value(json_object_get(obj, "name"));
    char stored[32];
    gw_time_format_ms(s->stored_ms, stored);
    json_t *o =
        json_pack("{s:s, s:s, s:I, s:s, s:s}", "id", s->id, "stored", stored, "stored_ms",
                  (json_int_t)s->stored_ms, "verb", verb_text, "object", obj_text ? obj_text : "");
    const json_t *result = json_object_get(st, "result");
    if (o && json_is_object(result)) {
        json_t *r = json_object();
        static const char *const flags[] = {"completion", "success"};
        for (size_t i = 0; i < 2; i++) {
            const json_t *b = json_object_get(result, flags[i]);
            if (json_is_boolean(b))
                json_object_set(r, flags[i], (json_t *)b);
        }
        const json_t *score = json_object_get(result, "score");
        json_t *sc = json_object();
        static const char *const scores[] = {"scaled", "raw"};
        for (size_t i = 0; i < 2; i++) {
            const json_t *n = json_object_get(score, scores[i]);
            if (json_is_number(n))
                json_object_set(sc, scores[i], (json_t *)n);
        }
        if (json_object_size(sc) > 0)
            json_object_set(r, "score", sc);
        json_decref(sc);
        json_object_set_new(o, "result", r);
    }
    json_decref(st);
    return o;
}

void gw_api_preview_reported_get(struct gw_req *req, struct gw_reply *rep)
{
    struct preview p;
    if (!open_preview(req, rep, &p))
        return;
    struct only o = {"since", NULL};
    gw_req_query_each(req, check_only, &o);
    if (o.bad) {
        gw_reply_errorf(rep, GW_E_QUERY_INVALID, o.bad, "'%s' is not a parameter; only since",
                        o.bad);
        return;
    }
    struct gw_preview_query q = {
        .since_ms = INT64_MIN, .until_ms = INT64_MAX, .limit = REPORTED_MAX};
    const char *since = gw_req_query(req, "since");
    if (since) {
        char *end = NULL;
        errno = 0;
        long long ms = strtoll(since, &end, 10);
        if (!*since || *end || errno) {
            gw_reply_errorf(rep, GW_E_QUERY_INVALID, "since",
                            "since is a time in milliseconds since 1970 (stored_ms of the newest "
                            "statement shown)");
            return;
        }
        q.since_ms = ms;
    }
    struct gw_error e;
    struct gw_preview_page page;
    if (gw_store_preview_statements(req->srv->store, p.scope, &q, &page, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < page.n; i++) {
        json_t *one = reported_one(&page.v[i]);
        if (one)
            json_array_append_new(list, one);
    }
    gw_preview_page_free(&page);
    gw_reply_json(rep, 200, list);
    gw_reply_header(rep, "Cache-Control", "no-store");
}
