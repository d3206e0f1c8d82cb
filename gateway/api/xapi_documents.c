/* xapi_documents.c: the xAPI document resources (/xapi/activities/state,
 * /xapi/activities/profile, /xapi/agents/profile) and the Activities and
 * Agents resources (/xapi/activities, /xapi/agents).
 *
 * A document handler reads top-down: the version header, the parameters
 * (each resource has its own table; unknown names, names differing only in
 * case and repeated names are refused), then one store transaction that
 * loads the stored document, checks If-Match / If-None-Match (and the 409 of
 * a blind PUT), merges for POST and writes, then the reply. The rules
 * themselves live in xapi/documents.c; the SQL in store/xapi_documents.c. */
#include "gw/api.h"
#include "gw/json.h"
#include "gw/server.h"
#include "gw/timefmt.h"
#include "gw/xapi_docs.h"
#include "gw/xapi_docs_store.h"
#include "gw/xapi_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- parameters ---- */

enum doc_method { M_PUT, M_POST, M_GET, M_DELETE };

/* The parameters a resource takes, and which of them names the document. */
struct resource {
    enum gw_xapi_doc_kind kind;
    const char *id_name;            /* "stateId" or "profileId" */
    bool has_activity, has_agent;   /* activityId / agent are required when present */
    bool has_registration;          /* state only */
    bool delete_all;                /* DELETE without an id empties the context */
    const char *const *param_names; /* every name this resource knows */
};

static const char *const state_names[] = {"activityId", "agent", "registration",
                                          "stateId",    "since", NULL};
static const char *const activity_profile_names[] = {"activityId", "profileId", "since", NULL};
static const char *const agent_profile_names[] = {"agent", "profileId", "since", NULL};

static const struct resource state_res = {
    .kind = GW_XAPI_DOC_STATE,
    .id_name = "stateId",
    .has_activity = true,
    .has_agent = true,
    .has_registration = true,
    .delete_all = true,
    .param_names = state_names,
};
static const struct resource activity_profile_res = {
    .kind = GW_XAPI_DOC_ACTIVITY_PROFILE,
    .id_name = "profileId",
    .has_activity = true,
    .param_names = activity_profile_names,
};
static const struct resource agent_profile_res = {
    .kind = GW_XAPI_DOC_AGENT_PROFILE,
    .id_name = "profileId",
    .has_agent = true,
    .param_names = agent_profile_names,
};

#define MAX_PARAMS 8

struct params {
    const char *const *names;
    const char *name[MAX_PARAMS];
    const char *value[MAX_PARAMS];
    size_t n;
    struct gw_error *err;
    enum gw_err rc;
};

/* Collects the query, refusing what the resource does not define. */
static bool collect(const char *name, const char *value, void *ud)
{
    struct params *p = ud;
    const char *const *k = p->names;
    while (*k && strcmp(*k, name) != 0)
        k++;
    if (!*k) {
        const char *const *ci = p->names;
        while (*ci && strcasecmp(*ci, name) != 0)
            ci++;
        if (*ci)
            p->rc = gw_error_set(p->err, GW_E_XAPI_DOCUMENT_PARAM, name,
                                 "'%s' must be spelled '%s' (parameter names are case-sensitive)",
                                 name, *ci);
        else
            p->rc = gw_error_set(p->err, GW_E_XAPI_DOCUMENT_PARAM, name,
                                 "'%s' is not a parameter of this resource", name);
        return false;
    }
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->name[i], name) == 0) {
            p->rc = gw_error_set(p->err, GW_E_XAPI_DOCUMENT_PARAM, name,
                                 "'%s' is given more than once", name);
            return false;
        }
    }
    if (p->n == MAX_PARAMS) {
        p->rc = gw_error_set(p->err, GW_E_XAPI_DOCUMENT_PARAM, name, "too many parameters");
        return false;
    }
    p->name[p->n] = name;
    p->value[p->n] = value;
    p->n++;
    return true;
}

static const char *param(const struct params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->name[i], name) == 0)
            return p->value[i];
    }
    return NULL;
}

/* A document request, parsed and checked. */
struct doc_req {
    const struct resource *res;
    enum doc_method method;
    enum gw_xapi_version v;
    struct gw_xapi_doc_key key;
    char agent_key[1024];
    char registration[37]; /* lowercased: one registration, whatever its case */
    bool has_since;
    int64_t since_ms;
};

static enum gw_err require(const struct params *p, const char *name, const char **out,
                           struct gw_error *e)
{
    *out = param(p, name);
    if (!*out)
        return gw_error_set(e, GW_E_XAPI_DOCUMENT_PARAM, name, "the parameter '%s' is required",
                            name);
    return GW_OK;
}

static enum gw_err check_context(struct doc_req *d, const struct params *p, struct gw_error *e)
{
    enum gw_err rc = GW_OK;
    const struct resource *res = d->res;
    if (res->has_activity) {
        rc = require(p, "activityId", &d->key.activity_id, e);
        if (rc == GW_OK && !gw_is_absolute_iri(d->key.activity_id))
            rc = gw_error_set(e, GW_E_XAPI_DOCUMENT_PARAM, "activityId",
                              "activityId must be an absolute IRI");
    }
    if (rc == GW_OK && res->has_agent) {
        const char *agent = NULL;
        rc = require(p, "agent", &agent, e);
        if (rc == GW_OK)
            rc = gw_xapi_agent_param(agent, d->v, true, NULL, d->agent_key, sizeof d->agent_key, e);
        d->key.agent_key = d->agent_key;
    }
    if (rc == GW_OK && res->has_registration) {
        const char *reg = param(p, "registration");
        if (reg && !gw_is_uuid(reg))
            rc = gw_error_set(e, GW_E_XAPI_DOCUMENT_PARAM, "registration",
                              "registration must be a UUID");
        if (rc == GW_OK && reg) {
            size_t i = 0;
            for (; reg[i] && i + 1 < sizeof d->registration; i++)
                d->registration[i] = (char)tolower((unsigned char)reg[i]);
            d->registration[i] = '\0';
            d->key.registration = d->registration;
        }
    }
    return rc;
}

static enum gw_err check_id_and_since(struct doc_req *d, const struct params *p, struct gw_error *e)
{
    const struct resource *res = d->res;
    const char *since = param(p, "since");
    d->key.doc_id = param(p, res->id_name);
    bool id_needed =
        d->method == M_PUT || d->method == M_POST || (d->method == M_DELETE && !res->delete_all);
    if (id_needed && !d->key.doc_id)
        return gw_error_set(e, GW_E_XAPI_DOCUMENT_PARAM, res->id_name,
                            "the parameter '%s' is required", res->id_name);
    if (d->key.doc_id && !*d->key.doc_id)
        return gw_error_set(e, GW_E_XAPI_DOCUMENT_PARAM, res->id_name, "'%s' must not be empty",
                            res->id_name);
    if (since && d->method != M_GET)
        return gw_error_set(e, GW_E_XAPI_DOCUMENT_PARAM, "since",
                            "'since' only goes with a GET of the list of ids (without '%s')",
                            res->id_name);
    if (since) {
        if (!gw_time_parse_iso(since, true, &d->since_ms))
            return gw_error_set(e, GW_E_XAPI_DOCUMENT_PARAM, "since",
                                "'since' must be an ISO 8601 timestamp");
        /* With the document's id, 'since' is checked but has no effect: a
         * GET of one document answers it whenever it was stored (the suite
         * sends both and expects the document). */
        d->has_since = d->key.doc_id == NULL;
    }
    return GW_OK;
}

/* Version header, parameters, and the meaning of each. */
static enum gw_err parse_request(struct gw_req *req, const struct resource *res, enum doc_method m,
                                 struct doc_req *d, struct gw_error *e)
{
    memset(d, 0, sizeof *d);
    d->res = res;
    d->method = m;
    d->key.kind = res->kind;
    enum gw_err rc = gw_api_xapi_version(req, &d->v, e);
    if (rc != GW_OK)
        return rc;
    struct params p = {.names = res->param_names, .err = e, .rc = GW_OK};
    gw_req_query_each(req, collect, &p);
    if (p.rc != GW_OK)
        return p.rc;
    rc = check_context(d, &p, e);
    if (rc == GW_OK)
        rc = check_id_and_since(d, &p, e);
    return rc;
}

static const struct resource *resource_of(enum gw_xapi_doc_kind kind)
{
    switch (kind) {
    case GW_XAPI_DOC_STATE:
        return &state_res;
    case GW_XAPI_DOC_ACTIVITY_PROFILE:
        return &activity_profile_res;
    case GW_XAPI_DOC_AGENT_PROFILE:
        return &agent_profile_res;
    }
    return NULL;
}

enum gw_err gw_api_xapi_doc_params_check(enum gw_xapi_doc_kind kind, const char *method,
                                         enum gw_xapi_version v,
                                         const struct gw_xapi_qparam *params, size_t n,
                                         struct gw_error *e)
{
    static const char *const methods[] = {"PUT", "POST", "GET", "DELETE"};
    const struct resource *res = resource_of(kind);
    size_t m = 0;
    while (m < 4 && strcmp(methods[m], method) != 0)
        m++;
    if (!res || m == 4)
        return gw_error_set(e, GW_E_BAD_REQUEST, "", "no such document resource or method");
    struct doc_req d;
    memset(&d, 0, sizeof d);
    d.res = res;
    d.method = (enum doc_method)m;
    d.key.kind = res->kind;
    d.v = v;
    struct params p = {.names = res->param_names, .err = e, .rc = GW_OK};
    for (size_t i = 0; i < n; i++) {
        if (!collect(params[i].name, params[i].value, &p))
            break;
    }
    if (p.rc != GW_OK)
        return p.rc;
    enum gw_err rc = check_context(&d, &p, e);
    if (rc == GW_OK)
        rc = check_id_and_since(&d, &p, e);
    return rc;
}

/* ---- replies ---- */

static void http_date(int64_t ms, char out[64])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* A stored document goes back with its own type, but never as a page of our
 * origin: a browser may show only JSON, plain text and octet streams inline
 * (every other type is an attachment), and nosniff and the sandbox CSP of
 * every xAPI reply (gw_api_xapi_decorate) keep it from running anything. A
 * type stored before types were checked that cannot be a header is served
 * as an octet stream. */
static void reply_document(struct gw_reply *rep, const struct gw_xapi_doc *doc)
{
    gw_reply_text(rep, 200, NULL, (const char *)doc->content, doc->len);
    rep->content_type = NULL; /* the stored type, as a header: it outlives doc */
    bool valid = gw_xapi_media_type_valid(doc->content_type);
    gw_reply_header(rep, "Content-Type", valid ? doc->content_type : "application/octet-stream");
    if (!gw_xapi_media_type_inline(doc->content_type))
        gw_reply_header(rep, "Content-Disposition", "attachment");
    char etag[64], date[64];
    snprintf(etag, sizeof etag, "\"%s\"", doc->etag);
    http_date(doc->updated_ms, date);
    gw_reply_header(rep, "ETag", etag);
    gw_reply_header(rep, "Last-Modified", date);
}

/* The 409 of a blind PUT: Comm 3.1 asks for a plain text body explaining the
 * situation, so this one error is text; it still names the code. */
static void reply_conflict(struct gw_reply *rep, const struct gw_error *e)
{
    const struct gw_err_info *info = gw_err_lookup(e->code);
    struct gw_buf b = {0};
    gw_buf_printf(&b, "%s (%d): %s. %s\n", info->name, (int)info->code, e->detail, info->hint);
    gw_reply_text(rep, info->http_status, "text/plain; charset=utf-8", b.data, b.len);
    gw_buf_free(&b);
}

/* ---- writes: one transaction each ---- */

struct write_ctx {
    const struct doc_req *d;
    const struct gw_api_xapi_doc_store *docs;
    const char *if_match, *if_none_match;
    const char *content_type;
    const void *body;
    size_t len;
    int64_t now_ms;
};

static bool conflict_on_blind_put(const struct doc_req *d)
{
    /* 1.0.3 asks it of the profile resources; 2.0 of every document resource */
    return d->res->kind != GW_XAPI_DOC_STATE || d->v == GW_XAPI_V2_0;
}

/* 1.0.3 profiles: a PUT with neither If-Match nor If-None-Match is refused
 * with 400 when no document is there (the conformance suite's XAPI-00293
 * "fails without ETag header" for both profile resources) and with the 409
 * of Comm 3.1 when one is. 2.0 and the state resource keep the blind PUT
 * that creates. */
static bool preconditions_required(const struct doc_req *d)
{
    return d->res->kind != GW_XAPI_DOC_STATE && d->v != GW_XAPI_V2_0 && d->method == M_PUT;
}

static enum gw_qs write_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct write_ctx *c = ud;
    const struct doc_req *d = c->d;
    struct gw_xapi_doc old;
    char *merged = NULL;
    enum gw_qs qs = c->docs->load(db, c->docs->ud, &d->key, &old, err);
    if (qs < 0)
        goto done;
    bool exists = qs == GW_QS_ONE;
    if (!exists && preconditions_required(d) && !c->if_match && !c->if_none_match) {
        gw_error_set(err, GW_E_XAPI_PRECONDITION_MISSING, "If-None-Match",
                     "no document is stored here: send If-None-Match: * to create it");
        qs = GW_QS_HARD;
        goto done;
    }
    if (gw_xapi_doc_precondition(c->if_match, c->if_none_match, exists ? old.etag : NULL,
                                 d->method == M_PUT, conflict_on_blind_put(d), err) != GW_OK) {
        qs = GW_QS_HARD;
        goto done;
    }
    const char *ct = c->content_type;
    const void *content = c->body;
    size_t len = c->len;
    if (d->method == M_POST && exists) {
        if (!gw_xapi_is_json_type(old.content_type) || !gw_xapi_is_json_type(ct)) {
            gw_error_set(err, GW_E_XAPI_DOCUMENT_MERGE, "Content-Type",
                         "POST merges only JSON: the stored document is %s and the posted one "
                         "%s; use PUT to replace it",
                         old.content_type, ct);
            qs = GW_QS_HARD;
            goto done;
        }
        if (gw_xapi_doc_merge(old.content, old.len, c->body, c->len, &merged, &len, err) != GW_OK) {
            qs = GW_QS_HARD;
            goto done;
        }
        content = merged;
        ct = "application/json";
    }
    qs = c->docs->save(db, c->docs->ud, &d->key, ct, content, len, c->now_ms, err);
done:
    free(merged);
    gw_xapi_doc_clear(&old);
    return qs;
}

static enum gw_qs delete_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct write_ctx *c = ud;
    const struct doc_req *d = c->d;
    if (!d->key.doc_id || (!c->if_match && !c->if_none_match))
        return c->docs->remove(db, c->docs->ud, &d->key, err);
    struct gw_xapi_doc old;
    enum gw_qs qs = c->docs->load(db, c->docs->ud, &d->key, &old, err);
    if (qs >= 0 &&
        gw_xapi_doc_precondition(c->if_match, c->if_none_match, qs == GW_QS_ONE ? old.etag : NULL,
                                 false, false, err) != GW_OK)
        qs = GW_QS_HARD;
    gw_xapi_doc_clear(&old);
    if (qs < 0)
        return qs;
    return c->docs->remove(db, c->docs->ud, &d->key, err);
}

static void doc_write(struct gw_req *req, struct gw_reply *rep, const struct resource *res,
                      enum doc_method m, const struct gw_api_xapi_doc_store *docs)
{
    struct gw_error e;
    struct doc_req d;
    if (parse_request(req, res, m, &d, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    struct write_ctx c = {
        .d = &d,
        .docs = docs,
        .if_match = gw_req_header(req, "If-Match"),
        .if_none_match = gw_req_header(req, "If-None-Match"),
        .content_type = gw_req_header(req, "Content-Type"),
        .body = req->body.data ? req->body.data : "",
        .len = req->body.len,
        .now_ms = gw_clock_now_ms(&req->srv->clock),
    };
    if (!c.content_type || !*c.content_type)
        c.content_type = "application/octet-stream";
    /* the type is sent back as a header when the document is read */
    if (m != M_DELETE && !gw_xapi_media_type_valid(c.content_type)) {
        gw_reply_errorf(rep, GW_E_XAPI_HEADER_INVALID, "Content-Type",
                        "the document's Content-Type must be a media type such as "
                        "application/json (type/subtype, optional parameters, printable ASCII "
                        "without control characters)");
        return;
    }
    /* POST adds to a document: an empty body has nothing to add (the
     * suite's XAPI-00314 posts none and expects 400) */
    if (m == M_POST && c.len == 0) {
        gw_reply_errorf(rep, GW_E_XAPI_DOCUMENT_MERGE, "",
                        "POST needs a document in the body; it is empty");
        return;
    }
    /* a posted JSON document must be an object, whether one is stored or not */
    if (m == M_POST && gw_xapi_is_json_type(c.content_type) &&
        !gw_xapi_is_json_object(c.body, c.len)) {
        gw_reply_errorf(rep, GW_E_XAPI_DOCUMENT_MERGE, "",
                        "the posted application/json body is not a JSON object");
        return;
    }
    gw_tx_fn fn = m == M_DELETE ? delete_body : write_body;
    enum gw_err rc = gw_store_tx(req->srv->store, GW_TX_WRITE, fn, &c, &e);
    if (rc == GW_E_XAPI_DOCUMENT_CONFLICT)
        reply_conflict(rep, &e);
    else if (rc != GW_OK)
        gw_reply_error(rep, &e);
    else
        gw_reply_empty(rep, 204);
}

/* ---- reads ---- */

struct read_ctx {
    const struct doc_req *d;
    const struct gw_api_xapi_doc_store *docs;
    struct gw_xapi_doc doc;
    json_t *ids;
};

static enum gw_qs read_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct read_ctx *c = ud;
    gw_xapi_doc_clear(&c->doc); /* the body may run again on retry */
    if (!c->d->key.doc_id) {
        json_array_clear(c->ids);
        return c->docs->ids(db, c->docs->ud, &c->d->key,
                            c->d->has_since ? c->d->since_ms : INT64_MIN, c->ids, err);
    }
    enum gw_qs qs = c->docs->load(db, c->docs->ud, &c->d->key, &c->doc, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_XAPI_DOCUMENT_NOT_FOUND, c->d->res->id_name,
                     "no document '%s' is stored for these parameters", c->d->key.doc_id);
        qs = GW_QS_HARD;
    }
    return qs;
}

static void doc_get(struct gw_req *req, struct gw_reply *rep, const struct resource *res,
                    const struct gw_api_xapi_doc_store *docs)
{
    struct gw_error e;
    struct doc_req d;
    if (parse_request(req, res, M_GET, &d, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    struct read_ctx c = {.d = &d, .docs = docs, .ids = json_array()};
    if (gw_store_tx(req->srv->store, GW_TX_READ, read_body, &c, &e) != GW_OK)
        gw_reply_error(rep, &e);
    else if (d.key.doc_id)
        reply_document(rep, &c.doc);
    else
        gw_reply_json(rep, 200, json_incref(c.ids));
    gw_xapi_doc_clear(&c.doc);
    json_decref(c.ids);
}

/* ---- the handlers of THE route table ---- */

/* The LRS's own documents (store/xapi_documents.c). */
static enum gw_qs lrs_load(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                           struct gw_xapi_doc *out, struct gw_error *err)
{
    (void)ud;
    return gw_store_xapi_doc_load(db, k, out, err);
}

static enum gw_qs lrs_save(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                           const char *content_type, const void *content, size_t len,
                           int64_t updated_ms, struct gw_error *err)
{
    (void)ud;
    return gw_store_xapi_doc_save(db, k, content_type, content, len, updated_ms, err);
}

static enum gw_qs lrs_remove(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                             struct gw_error *err)
{
    (void)ud;
    return gw_store_xapi_doc_delete(db, k, err);
}

static enum gw_qs lrs_ids(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                          int64_t since_ms, json_t *ids, struct gw_error *err)
{
    (void)ud;
    return gw_store_xapi_doc_ids(db, k, since_ms, ids, err);
}

static const struct gw_api_xapi_doc_store lrs_docs = {lrs_load, lrs_save, lrs_remove, lrs_ids,
                                                      NULL};

void gw_api_xapi_doc_handle(struct gw_req *req, struct gw_reply *rep, enum gw_xapi_doc_kind kind,
                            const struct gw_api_xapi_doc_store *docs)
{
    /* the route's method: HEAD runs GET's route, and an alternate-syntax
     * POST the route of the method it stands for */
    const char *m = req->route->method;
    const struct resource *res = resource_of(kind);
    if (strcmp(m, "GET") == 0)
        doc_get(req, rep, res, docs);
    else if (strcmp(m, "PUT") == 0)
        doc_write(req, rep, res, M_PUT, docs);
    else if (strcmp(m, "POST") == 0)
        doc_write(req, rep, res, M_POST, docs);
    else
        doc_write(req, rep, res, M_DELETE, docs);
}

void gw_api_xapi_state_put(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_STATE, &lrs_docs);
}

void gw_api_xapi_state_post(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_STATE, &lrs_docs);
}

void gw_api_xapi_state_get(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_STATE, &lrs_docs);
}

void gw_api_xapi_state_delete(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_STATE, &lrs_docs);
}

void gw_api_xapi_activity_profile_put(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_ACTIVITY_PROFILE, &lrs_docs);
}

void gw_api_xapi_activity_profile_post(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_ACTIVITY_PROFILE, &lrs_docs);
}

void gw_api_xapi_activity_profile_get(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_ACTIVITY_PROFILE, &lrs_docs);
}

void gw_api_xapi_activity_profile_delete(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_ACTIVITY_PROFILE, &lrs_docs);
}

void gw_api_xapi_agent_profile_put(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_AGENT_PROFILE, &lrs_docs);
}

void gw_api_xapi_agent_profile_post(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_AGENT_PROFILE, &lrs_docs);
}

void gw_api_xapi_agent_profile_get(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_AGENT_PROFILE, &lrs_docs);
}

void gw_api_xapi_agent_profile_delete(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_doc_handle(req, rep, GW_XAPI_DOC_AGENT_PROFILE, &lrs_docs);
}

/* The version header and the one parameter name a lookup resource takes. */
static const char *lookup_param(struct gw_req *req, const char *name, struct gw_error *e)
{
    enum gw_xapi_version v;
    if (gw_api_xapi_version(req, &v, e) != GW_OK)
        return NULL;
    const char *const names[] = {name, NULL};
    struct params p = {.names = names, .err = e, .rc = GW_OK};
    gw_req_query_each(req, collect, &p);
    if (p.rc != GW_OK)
        return NULL;
    const char *value = NULL;
    if (require(&p, name, &value, e) != GW_OK)
        return NULL;
    return value;
}

/* GET /xapi/activities: the Activity with the definition the LRS holds;
 * an activity it has never seen still gets an Activity object (Comm 2.5). */
void gw_api_xapi_activities_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    const char *id = lookup_param(req, "activityId", &e);
    if (id && !gw_is_absolute_iri(id)) {
        gw_error_set(&e, GW_E_XAPI_DOCUMENT_PARAM, "activityId",
                     "activityId must be an absolute IRI");
        id = NULL;
    }
    char *def = NULL;
    if (id) /* definitions are written by the deferred index */
        gw_xapi_index_wait(req->srv->xindex, GW_XAPI_INDEX_WAIT_MS);
    if (!id || gw_store_xapi_activity_definition(req->srv->store, id, &def, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    json_t *activity = json_pack("{s:s, s:s}", "objectType", "Activity", "id", id);
    json_t *definition = def ? json_loads(def, 0, NULL) : NULL;
    if (json_is_object(definition) && json_object_size(definition) > 0)
        json_object_set(activity, "definition", definition);
    json_decref(definition);
    free(def);
    gw_reply_json(rep, 200, activity);
}

/* GET /xapi/agents: the Person object. The gateway has no directory of
 * people, so the Person holds what the given Agent carries (Comm 2.6). */
void gw_api_xapi_agents_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    enum gw_xapi_version v = GW_XAPI_V1_0;
    const char *text = lookup_param(req, "agent", &e);
    json_t *agent = NULL;
    char key[1024];
    if (text && gw_api_xapi_version(req, &v, &e) == GW_OK &&
        gw_xapi_agent_param(text, v, false, &agent, key, sizeof key, &e) == GW_OK) {
        gw_reply_json(rep, 200, gw_xapi_person(agent));
        json_decref(agent);
        return;
    }
    gw_reply_error(rep, &e);
}
