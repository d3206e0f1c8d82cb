/* server.c: the libmicrohttpd daemon and the request lifecycle.
 *
 * Owns: the listening socket, worker threads, per-request state, everything
 * the router does before a handler runs (414, 400 for too many query
 * parameters, 404/405, 503 while shutting down or over a limit, 401/403,
 * 413/415, body accumulation within the memory budget or streaming to a
 * file), sending replies with the headers every reply carries, the access log
 * (secrets in paths hashed), request metrics and graceful shutdown. Head
 * deadlines and the connection count are the connection guard's
 * (conn_guard.c); the daemon wires it to libmicrohttpd.
 * Does not own: what any route does (api/), or the route table (routes.c). */
#include "gw/altsyntax.h"
#include "gw/auth.h"
#include "gw/buf.h"
#include "gw/conn_guard.h"
#include "gw/form.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/log.h"
#include "gw/metrics.h"
#include "gw/multipart.h"
#include "gw/server.h"
#include "gw/session.h"
#include "gw/xapi_store.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Per-request state: what handlers see (req) plus the router's own. */
/* How far over its limit a body with a Content-Length may be and still be
 * read (and dropped) before the 413, so the client gets to read it. */
enum { DRAIN_MAX = 16 * 1024 * 1024 };
/* A request that held at least this much body gives freed memory back to the
 * system when it ends and no other body is held (malloc_trim). */
enum { TRIM_MIN = 1024 * 1024 };
/* What a 503 for a full limit asks the client to wait, in seconds. */
#define RETRY_AFTER_S "2"

struct rctx {
    struct gw_req req;
    struct gw_reply rep;
    int64_t t0_us;
    size_t uri_len;
    size_t route_index; /* gw_routes_count() when unmatched */
    size_t max_body;
    bool started;
    bool too_large;
    unsigned long long declared; /* Content-Length of a body refused once read */
    bool sent;
    bool content;         /* came to the content origin's listener */
    size_t bytes_out;     /* the reply body's length, once sent */
    struct gw_conn *conn; /* the connection's record in the guard */
    size_t charged;       /* body bytes counted in srv->body_bytes */
    bool over_budget;     /* the body did not fit max_inflight_body_bytes: 503 */
    long long uri_args;   /* query arguments counted in the raw URI, -1 unknown */
    int upload_fd;
    /* xAPI alternate request syntax: POST ?method=X with a form body */
    bool alternate;
    json_t *alt_headers; /* lower-case header name -> value, from the form */
    json_t *alt_query;   /* the resource's parameters, from the form */
    char *content_path;  /* the content origin: the path with '//' made '/' */
    /* deferred replies (gw_req_defer) */
    bool deferred;
    bool finished;
    void (*defer_start)(void *ud);
    void (*defer_finish)(void *ud);
    void *defer_ud;
};

/* req is the first member of struct rctx. */
static struct rctx *ctx_of(struct gw_req *req)
{
    return (struct rctx *)req;
}

void gw_req_defer(struct gw_req *req, void (*start)(void *ud), void (*finish)(void *ud), void *ud)
{
    struct rctx *x = ctx_of(req);
    x->deferred = true;
    x->defer_start = start;
    x->defer_finish = finish;
    x->defer_ud = ud;
}

static void finish_deferred(struct rctx *x)
{
    if (x->deferred && !x->finished) {
        x->finished = true;
        x->defer_finish(x->defer_ud);
    }
}

void gw_req_resume(struct gw_req *req)
{
    MHD_resume_connection(req->conn);
}

/* ---- request accessors (declared in gw/http.h) ---- */

static const struct rctx *cctx_of(const struct gw_req *req)
{
    return (const struct rctx *)req;
}

const char *gw_req_header(const struct gw_req *req, const char *name)
{
    const struct rctx *x = cctx_of(req);
    if (x->alt_headers) {
        char lower[64];
        size_t i = 0;
        for (; name[i] && i + 1 < sizeof lower; i++)
            lower[i] = (char)tolower((unsigned char)name[i]);
        lower[i] = '\0';
        const char *v = json_string_value(json_object_get(x->alt_headers, lower));
        if (v || strcmp(lower, "content-type") == 0 || strcmp(lower, "content-length") == 0)
            return v;
    }
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *gw_req_query(const struct gw_req *req, const char *name)
{
    const struct rctx *x = cctx_of(req);
    if (x->alt_query)
        return json_string_value(json_object_get(x->alt_query, name));
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct each_ctx {
    bool (*fn)(const char *name, const char *value, void *ud);
    void *ud;
};

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    struct each_ctx *e = cls;
    return e->fn(key, value ? value : "", e->ud) ? MHD_YES : MHD_NO;
}

void gw_req_query_each(const struct gw_req *req,
                       bool (*fn)(const char *name, const char *value, void *ud), void *ud)
{
    const struct rctx *x = cctx_of(req);
    if (x->alt_query) {
        const char *k;
        json_t *v;
        json_object_foreach(x->alt_query, k, v)
        {
            if (!fn(k, json_string_value(v), ud))
                return;
        }
        return;
    }
    struct each_ctx e = {fn, ud};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, each_arg, &e);
}

/* ---- sending ---- */

/* Copies the n bytes at s into out (cap bytes), cut to fit, NUL-terminated. */
static void copy_cut(char *out, size_t cap, const char *s, size_t n)
{
    if (n > cap - 1)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static void add_headers(struct MHD_Response *r, const struct gw_reply *rep)
{
    const char *p = gw_buf_str(&rep->headers);
    while (*p) {
        const char *nl = strchr(p, '\n');
        const char *colon = strchr(p, ':');
        if (!nl || !colon || colon > nl)
            break;
        char name[128], value[2048];
        copy_cut(name, sizeof name, p, (size_t)(colon - p));
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        copy_cut(value, sizeof value, v, (size_t)(nl - v));
        MHD_add_response_header(r, name, value);
        p = nl + 1;
    }
}

/* Whether the handler set header name (case-insensitive) on rep. */
static bool has_header(const struct gw_reply *rep, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = gw_buf_str(&rep->headers); *p;) {
        if (strncasecmp(p, name, n) == 0 && p[n] == ':')
            return true;
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    return false;
}

/* What every reply carries unless its handler chose otherwise: no reply of
 * ours is sniffed into another type, and no HTML page of ours is framed by
 * another site (clickjacking). The content origin's pages are framed by the
 * review page: their handlers say by whom (frame-ancestors). */
static void security_headers(struct gw_reply *rep, bool content)
{
    if (!has_header(rep, "X-Content-Type-Options"))
        gw_reply_header(rep, "X-Content-Type-Options", "nosniff");
    if (content) {
        if (!has_header(rep, "Content-Security-Policy"))
            gw_reply_header(rep, "Content-Security-Policy", "default-src 'none'; sandbox");
        return;
    }
    if (!rep->content_type || strncasecmp(rep->content_type, "text/html", 9) != 0)
        return;
    if (!has_header(rep, "X-Frame-Options"))
        gw_reply_header(rep, "X-Frame-Options", "DENY");
    if (!has_header(rep, "Content-Security-Policy"))
        gw_reply_header(rep, "Content-Security-Policy", "frame-ancestors 'none'");
}

/* libmicrohttpd's reader for a streamed body (struct gw_reply_stream). */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct gw_reply_stream *st = cls;
    if (pos >= st->size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    long n = st->read(st->ud, pos, buf, max);
    return n > 0 ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
    struct gw_reply_stream *st = cls;
    if (st->close)
        st->close(st->ud);
    free(st);
}

static enum MHD_Result send_reply(struct gw_server *srv, struct MHD_Connection *conn,
                                  struct rctx *x)
{
    struct gw_reply *rep = &x->rep;
    if (rep->status == 0)
        gw_reply_errorf(rep, GW_E_INTERNAL, "", "the handler produced no reply");
    const struct gw_route *route = x->req.route;
    if (route && route->decorate)
        route->decorate(&x->req, rep);
    if (route && (route->flags & GW_ROUTE_CORS)) {
        gw_reply_header(rep, "Access-Control-Allow-Origin", "*");
        gw_reply_header(rep, "Access-Control-Expose-Headers",
                        "ETag, Last-Modified, Content-Type, X-Experience-API-Version, "
                        "X-Experience-API-Consistent-Through, X-Request-Id");
    }
    security_headers(rep, x->content);
    /* the body's memory goes to MHD, which frees it: no copy */
    bool streamed = rep->stream.read != NULL;
    x->bytes_out = streamed ? rep->stream.size : rep->body.len;
    struct MHD_Response *r;
    if (rep->stream.read) {
        struct gw_reply_stream *st = gw_xmalloc(sizeof *st);
        *st = rep->stream;
        r = MHD_create_response_from_callback(st->size, 64 * 1024, stream_read, st, stream_free);
        if (!r)
            stream_free(st);
        rep->stream = (struct gw_reply_stream){0}; /* MHD owns it now */
    } else {
        r = rep->body.len ? MHD_create_response_from_buffer(rep->body.len, rep->body.data,
                                                            MHD_RESPMEM_MUST_FREE)
                          : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    if (rep->body.len)
        rep->body = (struct gw_buf){0};
    if (rep->content_type && (x->bytes_out || streamed))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type);
    MHD_add_response_header(r, "X-Request-Id", x->req.request_id);
    add_headers(r, rep);
    if (atomic_load(&srv->shutting_down))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, rep->status, r);
    MHD_destroy_response(r);
    x->sent = true;
    return ret;
}

static enum MHD_Result send_error(struct gw_server *srv, struct MHD_Connection *conn,
                                  struct rctx *x, const struct gw_error *e)
{
    gw_reply_error(&x->rep, e);
    return send_reply(srv, conn, x);
}

/* ---- request start: everything decided before the body is read ---- */

static enum MHD_Result add_arg_len(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    size_t *n = cls;
    *n += strlen(key) + (value ? strlen(value) : 0) + 2; /* "?k=v" or "&k=v" */
    return MHD_YES;
}

/* The request's state, made when libmicrohttpd has read the request line
 * (on_uri, raw_target set: the URI as sent) or else on the handler's first
 * call (url without the query, which is then added back to count). */
static struct rctx *new_request(const struct gw_listener *l, struct MHD_Connection *conn,
                                const char *url, bool raw_target)
{
    struct gw_server *srv = l->srv;
    struct rctx *x = gw_xcalloc(1, sizeof *x);
    x->content = l->content;
    x->t0_us = gw_time_mono_us();
    x->uri_len = strlen(url);
    if (!raw_target)
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg_len, &x->uri_len);
    x->uri_args = -1;
    x->upload_fd = -1;
    x->route_index = gw_routes_count();
    x->req.srv = srv;
    x->req.conn = conn;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    x->conn = ci ? ci->socket_context : NULL;
    uint8_t id[8];
    gw_random_bytes(id, sizeof id);
    gw_hex(id, sizeof id, x->req.request_id);
    atomic_fetch_add(&srv->in_flight, 1);
    return x;
}

/* libmicrohttpd calls this with the raw request target before it parses the
 * query into one record per argument in the connection's memory pool. A
 * query with more arguments than max_query_params is answered 400 from the
 * count made here; its arguments are cut off (the target is MHD's own
 * writable read buffer, parsed in place right after this call) so they
 * cannot exhaust the pool, which would drop the connection unanswered. The
 * pool therefore stays small: libmicrohttpd clears all of it for every
 * request on a keep-alive connection (issue 13 finding 13, and the cost a
 * pool sized for 8,000 arguments added to every request). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    const struct gw_listener *l = cls;
    struct gw_server *srv = l->srv;
    struct rctx *x = new_request(l, conn, uri, true);
    char *q = strchr(uri, '?');
    x->uri_args = 0;
    if (q && q[1]) {
        x->uri_args = 1;
        for (const char *p = q + 1; *p; p++)
            if (*p == '&')
                x->uri_args++;
    }
    if (q && x->uri_args > srv->cfg->max_query_params)
        q[1] = '\0';
    return x;
}

static void remote_address(struct MHD_Connection *conn, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)cap);
}

/* Finds the route; on failure fills e with 404 or 405 (and the Allow header). */
static const struct gw_route *find_route(struct rctx *x, const char *path, const char *method,
                                         struct gw_error *e)
{
    struct gw_buf allow = {0};
    const struct gw_route *found = NULL;
    char *params[GW_REQ_MAX_PARAMS];
    for (size_t i = 0; gw_routes[i].method; i++) {
        if (!(gw_routes[i].flags & GW_ROUTE_CONTENT) != !x->content ||
            !gw_route_match(gw_routes[i].pattern, path, params))
            continue;
        if (strcmp(gw_routes[i].method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(gw_routes[i].method, "GET") == 0)) {
            found = &gw_routes[i];
            x->route_index = i;
            memcpy(x->req.param_store, params, sizeof params);
            for (int k = 0; k < GW_REQ_MAX_PARAMS; k++)
                x->req.params[k] = params[k];
            break;
        }
        gw_buf_printf(&allow, "%s%s", allow.len ? ", " : "", gw_routes[i].method);
        gw_route_params_free(params);
    }
    if (!found && allow.len) {
        gw_reply_header(&x->rep, "Allow", gw_buf_str(&allow));
        struct gw_buf detail = {0};
        gw_buf_printf(&detail, "%s is not allowed on %s; allowed: %s", method, path,
                      gw_buf_str(&allow));
        const char *note = gw_route_note_for(method, path);
        if (note) {
            gw_buf_puts(&detail, ". ");
            const char *hit = strstr(note, "{path}");
            while (hit) {
                gw_buf_append(&detail, note, (size_t)(hit - note));
                gw_buf_puts(&detail, path);
                note = hit + 6;
                hit = strstr(note, "{path}");
            }
            gw_buf_puts(&detail, note);
        }
        gw_error_set(e, GW_E_METHOD_NOT_ALLOWED, path, "%s", gw_buf_str(&detail));
        gw_buf_free(&detail);
    } else if (!found) {
        gw_error_set(e, GW_E_ROUTE_NOT_FOUND, path, "no route has the path %s", path);
    }
    gw_buf_free(&allow);
    return found;
}

static bool json_content_type(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strcspn(ct, "; ");
    return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
           (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0);
}

/* What a package upload may be sent as: the zip itself, or a form with it. */
static bool upload_content_type(const char *ct)
{
    static const char *const types[] = {"application/zip", "application/x-zip-compressed",
                                        "application/x-zip", "application/octet-stream",
                                        "multipart/form-data"};
    const char *p = ct;
    while (p && (*p == ' ' || *p == '\t'))
        p++;
    if (!p || !*p)
        return true; /* no Content-Type: the body is the zip */
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (gw_content_type_is(p, types[i]))
            return true;
    }
    return false;
}

/* 415 naming the header to send, and what the request said instead. */
static enum gw_err unsupported_media_type(struct rctx *x, enum gw_body_kind body,
                                          struct gw_error *e)
{
    char said[96];
    gw_req_media_type_words(&x->req, said, sizeof said);
    if (body == GW_BODY_FILE)
        return gw_error_set(e, GW_E_UNSUPPORTED_MEDIA_TYPE, "Content-Type",
                            "send the zip as the body with the header 'Content-Type: "
                            "application/zip', or as the part 'file' of a multipart/form-data "
                            "upload (curl -F file=@course.zip); the request had %s",
                            said);
    return gw_error_set(e, GW_E_UNSUPPORTED_MEDIA_TYPE, "Content-Type",
                        "this route takes a JSON body: send the header 'Content-Type: "
                        "application/json'; the request had %s",
                        said);
}

static enum gw_err open_upload(struct gw_server *srv, struct rctx *x, struct gw_error *e)
{
    struct gw_buf path = {0};
    gw_buf_printf(&path, "%s/tmp", srv->cfg->data_dir);
    mkdir(gw_buf_str(&path), 0700);
    gw_buf_puts(&path, "/upload-XXXXXX");
    x->req.body_file = gw_xstrdup(gw_buf_str(&path));
    gw_buf_free(&path);
    x->upload_fd = mkstemp(x->req.body_file);
    if (x->upload_fd < 0) {
        enum gw_err rc = gw_error_set(e, GW_E_IO, "", "cannot create an upload file in %s/tmp: %s",
                                      srv->cfg->data_dir, strerror(errno));
        free(x->req.body_file);
        x->req.body_file = NULL;
        return rc;
    }
    return GW_OK;
}

/* Answers a CORS preflight (OPTIONS) for a path whose routes allow CORS.
 * Returns false when no such route has this path. */
static bool preflight(struct rctx *x, const char *path)
{
    struct gw_buf methods = {0};
    char *params[GW_REQ_MAX_PARAMS];
    for (size_t i = 0; gw_routes[i].method; i++) {
        if (!(gw_routes[i].flags & GW_ROUTE_CORS) ||
            !(gw_routes[i].flags & GW_ROUTE_CONTENT) != !x->content ||
            !gw_route_match(gw_routes[i].pattern, path, params))
            continue;
        gw_route_params_free(params);
        gw_buf_printf(&methods, "%s%s", methods.len ? ", " : "", gw_routes[i].method);
    }
    if (!methods.len)
        return false;
    gw_buf_puts(&methods, ", OPTIONS");
    gw_reply_empty(&x->rep, 204);
    gw_reply_header(&x->rep, "Access-Control-Allow-Origin", "*");
    gw_reply_header(&x->rep, "Access-Control-Allow-Methods", gw_buf_str(&methods));
    gw_reply_header(&x->rep, "Access-Control-Allow-Headers",
                    "Authorization, Content-Type, X-Experience-API-Version, If-Match, "
                    "If-None-Match, X-Lmsgw-Signature");
    gw_reply_header(&x->rep, "Access-Control-Max-Age", "86400");
    gw_buf_free(&methods);
    return true;
}

/* The key and its role, for the request's route. */
static enum gw_err authorize(struct gw_server *srv, struct rctx *x, struct gw_error *e)
{
    const struct gw_route *route = x->req.route;
    if (route->roles == GW_ROLE_PUBLIC)
        return GW_OK;
    const char *authz = gw_req_header(&x->req, "Authorization");
    /* a person in the web app: the session cookie instead of a key */
    enum gw_err rc = !authz && gw_req_header(&x->req, "Cookie")
                         ? gw_session_authorize(srv, &x->req, &x->req.who, e)
                         : gw_auth_check(srv->auth, srv->store, authz, gw_clock_now_ms(&srv->clock),
                                         &x->req.who, e);
    if (rc != GW_OK)
        return rc;
    if (x->req.who.role & route->roles)
        return GW_OK;
    struct gw_buf need = {0};
    for (unsigned bit = 1; bit <= GW_ROLE_BI; bit <<= 1) {
        if (route->roles & bit)
            gw_buf_printf(&need, "%s%s", need.len ? " or " : "", gw_role_name(bit));
    }
    gw_error_set(e, GW_E_AUTH_FORBIDDEN, "", "%s %s needs the role %s; this key is %s",
                 route->method, route->pattern, gw_buf_str(&need), gw_role_name(x->req.who.role));
    gw_buf_free(&need);
    return GW_E_AUTH_FORBIDDEN;
}

/* xAPI's alternate request syntax (Comm 1.3): POST to an xAPI path with
 * ?method=GET|PUT|POST|DELETE as the only URL parameter and a form body that
 * carries the headers, the resource's parameters and the content. Returns the
 * method the request stands for, or NULL when this is not one. */
static const char *alternate_method(struct rctx *x, const char *url, const char *method)
{
    if (strcmp(method, "POST") != 0 || strncmp(url, "/xapi/", 6) != 0)
        return NULL;
    const char *m = MHD_lookup_connection_value(x->req.conn, MHD_GET_ARGUMENT_KIND, "method");
    if (!m)
        return NULL;
    x->alternate = true;
    return m;
}

/* On xAPI resources the version header comes first: without a usable one
 * the request is 400 whether or not it has credentials (Comm 3.3). */
static enum gw_err check_xapi_version(struct rctx *x, struct gw_error *e)
{
    if (!(x->req.route->flags & GW_ROUTE_XAPI_VERSION))
        return GW_OK;
    enum gw_xapi_version v;
    return gw_xapi_version_parse(gw_req_header(&x->req, "X-Experience-API-Version"), &v, e);
}

/* Unpacks the form of an alternate-syntax request, then authorizes it as the
 * request it stands for. */
static enum gw_err finish_alternate(struct gw_server *srv, struct rctx *x, struct gw_error *e)
{
    size_t nargs =
        (size_t)MHD_get_connection_values(x->req.conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    if (nargs != 1)
        return gw_error_set(e, GW_E_XAPI_QUERY_PARAM, "method",
                            "with ?method=, every other parameter goes in the form body");
    const char *ct = MHD_lookup_connection_value(x->req.conn, MHD_HEADER_KIND, "Content-Type");
    struct gw_altsyntax a = {0};
    enum gw_err rc = gw_altsyntax_parse(ct, gw_buf_str(&x->req.body), x->req.body.len, &a, e);
    /* what the form gave stands for the request's headers and query, also
     * for the error reply */
    x->alt_headers = a.headers;
    x->alt_query = a.query;
    if (rc != GW_OK)
        return rc;
    gw_buf_free(&x->req.body);
    x->req.body = a.content;
    x->req.body_size = a.content.len;
    const char *ver =
        json_string_value(json_object_get(x->alt_headers, "x-experience-api-version"));
    if (!ver)
        ver = MHD_lookup_connection_value(x->req.conn, MHD_HEADER_KIND, "X-Experience-API-Version");
    if (gw_altsyntax_check_version(ver, x->req.method, e) != GW_OK)
        return e->code;
    if (check_xapi_version(x, e) != GW_OK)
        return e->code;
    return authorize(srv, x, e);
}

/* ---- the memory budget for request bodies ---- */

/* Counts n more body bytes for x in srv->body_bytes; false (nothing counted)
 * when that would pass max_inflight_body_bytes. */
static bool charge(struct gw_server *srv, struct rctx *x, size_t n)
{
    long long limit = (long long)srv->cfg->max_inflight_body_bytes;
    long long cur = atomic_load(&srv->body_bytes);
    do {
        if (cur + (long long)n > limit)
            return false;
    } while (!atomic_compare_exchange_weak(&srv->body_bytes, &cur, cur + (long long)n));
    x->charged += n;
    return true;
}

/* Gives x's bytes back; returns what all requests still hold. */
static long long uncharge(struct gw_server *srv, struct rctx *x)
{
    long long held = atomic_fetch_sub(&srv->body_bytes, (long long)x->charged);
    held -= (long long)x->charged;
    x->charged = 0;
    return held;
}

/* Marks x as over the budget: its body is read and dropped, then 503. */
static void refuse_body(struct gw_server *srv, struct rctx *x)
{
    x->over_budget = true;
    gw_buf_free(&x->req.body);
    uncharge(srv, x);
}

static enum gw_err over_budget_error(struct gw_server *srv, struct rctx *x, struct gw_error *e)
{
    atomic_fetch_add(&srv->overloaded, 1);
    gw_reply_header(&x->rep, "Retry-After", RETRY_AFTER_S);
    return gw_error_set(e, GW_E_OVERLOADED, "",
                        "with this body the request bodies the gateway holds would pass its "
                        "limit of %lld bytes (max_inflight_body_bytes); retry in a moment",
                        (long long)srv->cfg->max_inflight_body_bytes);
}

/* Makes room for the body the client announced, so it is not copied over
 * and over while it grows; a claim beyond 1 MiB is only believed as data
 * arrives. */
static void presize_body(struct rctx *x, unsigned long long content_length)
{
    size_t cap = 1024 * 1024;
    if (content_length > 0 && content_length <= cap)
        gw_buf_reserve(&x->req.body, (size_t)content_length);
}

struct query_check {
    struct gw_error *e;
    enum gw_err rc;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct query_check *q = cls;
    q->rc = gw_route_query_check(key, key_size, value, value_size, q->e);
    return q->rc == GW_OK ? MHD_YES : MHD_NO;
}

/* Course players join an endpoint ending in '/' and a resource starting
 * with one ("xapi//activities/state"); a web server serves that as one
 * slash, and so does the content origin. Returns the path to route (owned
 * by x when changed). */
static const char *content_path(struct rctx *x, const char *url)
{
    if (!x->content || !strstr(url, "//"))
        return url;
    x->content_path = gw_xstrdup(url);
    char *w = x->content_path;
    for (const char *r = url; *r; r++) {
        if (!(*r == '/' && r[1] == '/'))
            *w++ = *r;
    }
    *w = '\0';
    return x->content_path;
}

/* The URI's length, its number of query arguments and their values. */
static enum gw_err check_uri(struct gw_server *srv, struct rctx *x, struct gw_error *e)
{
    if (x->uri_len > (size_t)srv->cfg->max_uri_length)
        return gw_error_set(e, GW_E_URI_TOO_LONG, "", "the URI has %zu bytes; the limit is %lld",
                            x->uri_len, (long long)srv->cfg->max_uri_length);
    long long nargs =
        x->uri_args >= 0
            ? x->uri_args
            : MHD_get_connection_values(x->req.conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    if (nargs > srv->cfg->max_query_params)
        return gw_error_set(e, GW_E_QUERY_TOO_MANY_PARAMS, "",
                            "the URI has %lld query parameters; the limit is %lld", nargs,
                            (long long)srv->cfg->max_query_params);
    /* decoded query values reach handlers and the store as they are: text
     * only (issue 13), sized so an encoded NUL is seen too */
    struct query_check qc = {e, GW_OK};
    MHD_get_connection_values_n(x->req.conn, MHD_GET_ARGUMENT_KIND, check_arg, &qc);
    return qc.rc;
}

/* xAPI's alternate request syntax names the method in the query: the
 * method's name in any case (the conformance suite sends "put"). */
static enum gw_err apply_alternate(struct rctx *x, const char *url, const char **method,
                                   struct gw_error *e)
{
    const char *alt = alternate_method(x, url, *method);
    if (!alt)
        return GW_OK;
    static const char *const methods[] = {"GET", "PUT", "POST", "DELETE"};
    const char *m = NULL;
    for (size_t i = 0; i < 4 && !m; i++)
        m = strcasecmp(alt, methods[i]) == 0 ? methods[i] : NULL;
    if (!m)
        return gw_error_set(e, GW_E_XAPI_QUERY_PARAM, "method",
                            "method must be GET, PUT, POST or DELETE, not '%s'", alt);
    *method = m;
    x->req.method = m;
    return GW_OK;
}

/* The body's limit for the route, its announced length and content type,
 * and its budget: what the route may read before a byte of it is kept. */
static enum gw_err prepare_body(struct gw_server *srv, struct rctx *x, const struct gw_route *route,
                                struct gw_error *e)
{
    if (route->max_body)
        x->max_body = route->max_body;
    else if (route->body == GW_BODY_FILE)
        x->max_body = (size_t)srv->cfg->max_package_bytes;
    else if (route->flags & GW_ROUTE_XAPI_BODY)
        x->max_body = (size_t)srv->cfg->max_xapi_body;
    else
        x->max_body = (size_t)srv->cfg->max_json_body;
    const char *cl = gw_req_header(&x->req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
    if (cl && route->body != GW_BODY_NONE && declared > x->max_body) {
        /* A client that sent no Expect: 100-continue is already sending the
         * body: answering now and closing with it unread makes the kernel
         * reset the connection, and the client may lose the 413. A body
         * less than DRAIN_MAX over the limit is read and dropped first. */
        if (declared - x->max_body > DRAIN_MAX)
            return gw_error_set(e, GW_E_BODY_TOO_LARGE, "",
                                "the body has %s bytes; the limit is %zu", cl, x->max_body);
        x->too_large = true;
        x->declared = declared;
        return GW_OK;
    }
    /* a body is coming: announced with a length, or chunked */
    bool has_body =
        cl ? declared > 0 : gw_req_header(&x->req, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
    const char *ct = gw_req_header(&x->req, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (route->body == GW_BODY_JSON && has_body && !json_content_type(ct))
        return unsupported_media_type(x, route->body, e);
    if (route->body == GW_BODY_FILE && !upload_content_type(ct))
        return unsupported_media_type(x, route->body, e);
    if (route->body == GW_BODY_FILE)
        return open_upload(srv, x, e);
    if (cl && (route->body == GW_BODY_JSON || route->body == GW_BODY_RAW)) {
        /* the announced body is counted before a byte of it is kept */
        if (!charge(srv, x, (size_t)declared)) {
            if (declared > DRAIN_MAX)
                return over_budget_error(srv, x, e);
            x->over_budget = true; /* read and dropped, then 503 */
            return GW_OK;
        }
        presize_body(x, declared);
    }
    return GW_OK;
}

/* Everything the router checks before reading a body. Returns GW_OK to go
 * on reading, or an error to answer at once. */
static enum gw_err begin_request(struct gw_server *srv, struct rctx *x, const char *url,
                                 const char *method, struct gw_error *e)
{
    url = content_path(x, url);
    x->req.method = method;
    x->req.path = url;
    remote_address(x->req.conn, x->req.remote_addr, sizeof x->req.remote_addr);
    enum gw_err rc = check_uri(srv, x, e);
    if (rc == GW_OK)
        rc = apply_alternate(x, url, &method, e);
    if (rc != GW_OK)
        return rc;
    const struct gw_route *route = find_route(x, url, method, e);
    if (!route)
        return e->code;
    if (gw_route_params_check(route->pattern, x->req.param_store, e) != GW_OK)
        return e->code;
    x->req.route = route;
    if (atomic_load(&srv->shutting_down))
        return gw_error_set(e, GW_E_SHUTTING_DOWN, "", "the gateway is shutting down");
    if (x->alternate) {
        /* the form carries the credentials: check them once it is read */
        x->max_body = (size_t)srv->cfg->max_xapi_body;
        return GW_OK;
    }
    if (check_xapi_version(x, e) != GW_OK)
        return e->code;
    rc = authorize(srv, x, e);
    if (rc != GW_OK)
        return rc;
    return prepare_body(srv, x, route, e);
}

static void take_body(struct rctx *x, const char *data, size_t n)
{
    if (x->too_large || x->over_budget)
        return;
    if (x->req.body_size + n > x->max_body) {
        x->too_large = true;
        gw_buf_free(&x->req.body);
        return;
    }
    x->req.body_size += n;
    bool buffered =
        x->alternate || x->req.route->body == GW_BODY_JSON || x->req.route->body == GW_BODY_RAW;
    /* a body without Content-Length is counted as it arrives */
    if (buffered && x->req.body_size > x->charged &&
        !charge(x->req.srv, x, (size_t)x->req.body_size - x->charged)) {
        refuse_body(x->req.srv, x);
        return;
    }
    if (x->alternate) {
        gw_buf_append(&x->req.body, data, n);
        return;
    }
    switch (x->req.route->body) {
    case GW_BODY_NONE:
        break;
    case GW_BODY_JSON:
    case GW_BODY_RAW:
        gw_buf_append(&x->req.body, data, n);
        break;
    case GW_BODY_FILE:
        while (n) {
            ssize_t w = write(x->upload_fd, data, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                x->too_large = true; /* the disk is full: report as too large for us */
                return;
            }
            data += w;
            n -= (size_t)w;
        }
        break;
    }
}

/* Keys with an HMAC secret sign every body (an empty one too). File bodies
 * are not signed: package uploads come from people, not webhooks. */
static bool signature_ok(struct rctx *x)
{
    if (x->req.route->body == GW_BODY_FILE && !x->alternate)
        return true;
    return gw_auth_signature_ok(x->req.who.hmac_secret, gw_buf_str(&x->req.body), x->req.body.len,
                                gw_req_header(&x->req, "X-Lmsgw-Signature"));
}

/* A connection beyond max_connections: its request is answered 503 and the
 * connection closed, so the slot frees at once. */
static enum MHD_Result send_overloaded(struct gw_server *srv, struct MHD_Connection *conn,
                                       struct rctx *x, const char *url, const char *method)
{
    x->req.method = method;
    x->req.path = url;
    remote_address(conn, x->req.remote_addr, sizeof x->req.remote_addr);
    atomic_fetch_add(&srv->overloaded, 1);
    struct gw_error e;
    gw_error_set(&e, GW_E_OVERLOADED, "",
                 "the gateway serves %lld connections, its limit (max_connections); retry in "
                 "a moment",
                 (long long)srv->cfg->max_connections);
    gw_reply_header(&x->rep, "Retry-After", RETRY_AFTER_S);
    gw_reply_header(&x->rep, "Connection", "close");
    return send_error(srv, conn, x, &e);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    const struct gw_listener *l = cls;
    struct gw_server *srv = l->srv;
    struct rctx *x = *con_cls;
    if (!x) {
        x = new_request(l, conn, url, false);
        *con_cls = x;
    }
    if (x->sent) {
        *upload_data_size = 0; /* an early error reply is queued; drop the rest */
        return MHD_YES;
    }
    if (!x->started) {
        x->started = true;
        struct gw_error e;
        gw_error_clear(&e);
        if (!gw_conn_guard_request_started(srv->guard, x->conn))
            return send_overloaded(srv, conn, x, url, method);
        if (strcmp(method, "OPTIONS") == 0 && preflight(x, url)) {
            x->req.method = method;
            x->req.path = url;
            return send_reply(srv, conn, x);
        }
        if (begin_request(srv, x, url, method, &e) != GW_OK)
            return send_error(srv, conn, x, &e);
        return MHD_YES;
    }
    if (*upload_data_size) {
        take_body(x, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (x->upload_fd >= 0) {
        close(x->upload_fd);
        x->upload_fd = -1;
    }
    if (x->too_large) {
        struct gw_error e;
        if (x->declared)
            gw_error_set(&e, GW_E_BODY_TOO_LARGE, "", "the body has %llu bytes; the limit is %zu",
                         x->declared, x->max_body);
        else
            gw_error_set(&e, GW_E_BODY_TOO_LARGE, "",
                         "the body is larger than the limit of %zu bytes", x->max_body);
        return send_error(srv, conn, x, &e);
    }
    if (x->over_budget) {
        struct gw_error e;
        over_budget_error(srv, x, &e);
        return send_error(srv, conn, x, &e);
    }
    if (x->deferred) { /* resumed: the work is done */
        finish_deferred(x);
        return send_reply(srv, conn, x);
    }
    if (x->alternate) {
        struct gw_error e;
        gw_error_clear(&e);
        if (finish_alternate(srv, x, &e) != GW_OK)
            return send_error(srv, conn, x, &e);
    }
    if (x->req.who.hmac_secret[0] && !signature_ok(x)) {
        struct gw_error e;
        gw_error_set(&e, GW_E_AUTH_INVALID, "X-Lmsgw-Signature",
                     "this key signs its requests: send X-Lmsgw-Signature: sha256=<hex "
                     "HMAC-SHA256 of the body with the key's HMAC secret>");
        return send_error(srv, conn, x, &e);
    }
    x->req.route->handler(&x->req, &x->rep);
    if (srv->on_change && x->rep.status >= 200 && x->rep.status < 300 &&
        strcmp(x->req.method, "GET") != 0 && strcmp(x->req.method, "HEAD") != 0 &&
        !(x->req.route->flags & (GW_ROUTE_XAPI_BODY | GW_ROUTE_CONTENT)))
        srv->on_change(srv->on_change_ud);
    if (x->deferred) {
        /* suspend before the work starts, so a fast resume cannot come first */
        MHD_suspend_connection(conn);
        x->defer_start(x->defer_ud);
        return MHD_YES;
    }
    return send_reply(srv, conn, x);
}

/* Copies text into out with every credential in a path hashed: after the
 * literal prefix of a route flagged GW_ROUTE_SECRET_PATH ("/r/"), at the
 * start of text or after a space or quote, the segment becomes
 * "{sha256:<first 12 hex digits>}". Enough to tell links apart in a log,
 * useless to decide with. */
static void redact_secret_paths(const char *text, struct gw_buf *out)
{
    const char *p = text;
    while (*p) {
        size_t plen = 0;
        bool boundary = p == text || p[-1] == ' ' || p[-1] == '"' || p[-1] == '\'';
        for (size_t i = 0; boundary && !plen && gw_routes[i].method; i++) {
            if (!(gw_routes[i].flags & GW_ROUTE_SECRET_PATH))
                continue;
            const char *brace = strchr(gw_routes[i].pattern, '{');
            size_t n = brace ? (size_t)(brace - gw_routes[i].pattern) : 0;
            if (n && strncmp(p, gw_routes[i].pattern, n) == 0)
                plen = n;
        }
        if (!plen) {
            gw_buf_append(out, p, 1);
            p++;
            continue;
        }
        gw_buf_append(out, p, plen);
        p += plen;
        size_t seg = strcspn(p, "/?# \"'");
        if (seg) {
            char hex[GW_SHA256_HEX];
            gw_sha256_hex(p, seg, hex);
            gw_buf_printf(out, "{sha256:%.12s}", hex);
            p += seg;
        }
    }
}

static void access_log(struct gw_server *srv, struct rctx *x, int64_t dur_us)
{
    if (!srv->cfg->access_log)
        return;
    struct gw_buf path = {0};
    if (x->req.path)
        redact_secret_paths(x->req.path, &path);
    struct gw_log_request r = {
        .request_id = x->req.request_id,
        .method = x->req.method,
        .path = x->req.path ? gw_buf_str(&path) : NULL,
        .route = x->req.route ? x->req.route->pattern : NULL,
        .key_id = x->req.who.key_id,
        .remote = x->req.remote_addr,
        .status = x->rep.status,
        .duration_us = dur_us,
        .bytes_in = (int64_t)x->req.body_size,
        .bytes_out = (int64_t)x->bytes_out,
    };
    gw_log_request(&r);
    gw_buf_free(&path);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    struct gw_server *srv = ((const struct gw_listener *)cls)->srv;
    struct rctx *x = *con_cls;
    if (!x)
        return;
    finish_deferred(x); /* the client left while the work ran */
    int64_t dur = gw_time_mono_us() - x->t0_us;
    if (x->rep.status)
        gw_metrics_record(srv->metrics, x->route_index, x->rep.status, dur);
    if (x->req.method)
        access_log(srv, x, dur);
    gw_conn_guard_request_done(srv->guard, x->conn);
    if (x->upload_fd >= 0)
        close(x->upload_fd);
    if (x->req.body_file) {
        unlink(x->req.body_file); /* a handler that keeps the upload renames it first */
        free(x->req.body_file);
    }
    json_decref(x->alt_headers);
    json_decref(x->alt_query);
    free(x->content_path);
    gw_route_params_free(x->req.param_store);
    gw_buf_free(&x->req.body);
    gw_reply_empty(&x->rep, x->rep.status); /* closes a stream never handed to MHD */
    gw_buf_free(&x->rep.body);
    gw_buf_free(&x->rep.headers);
    bool big = x->charged >= TRIM_MIN;
    long long held = uncharge(srv, x);
    free(x);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
    /* After a burst of large bodies the heap keeps their pages; hand them
     * back once nothing large is held (issue 13: RSS stayed at the peak). */
    if (big && held == 0)
        malloc_trim(0);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct gw_server *srv = ((const struct gw_listener *)cls)->srv;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = gw_conn_guard_open(srv->guard, ci ? (int)ci->connect_fd : -1);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        gw_conn_guard_close(srv->guard, *socket_context);
        *socket_context = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* libmicrohttpd's own messages: what an operator must act on (a limit
 * reached, memory short, accept failing) as warnings, the rest (a client that
 * closed mid-request, a socket shut for its late head) at debug level. At most
 * MHD_LOG_PER_S a second, so a flood cannot fill the disk; the next line says
 * how many were dropped. */
enum { MHD_LOG_PER_S = 10 };
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    static atomic_llong window_s;
    static atomic_int in_window, dropped;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    static const char *const serious[] = {"limit", "memory", "pool", "accept", NULL};
    enum gw_log_level level = GW_LOG_DEBUG;
    for (const char *const *k = serious; *k && level == GW_LOG_DEBUG; k++) {
        if (strcasestr(msg, *k))
            level = GW_LOG_WARN;
    }
    if (!gw_log_enabled(level))
        return;
    long long now_s = (long long)(gw_time_mono_us() / 1000000);
    long long w = atomic_load(&window_s);
    if (w != now_s && atomic_compare_exchange_strong(&window_s, &w, now_s))
        atomic_store(&in_window, 0);
    if (atomic_fetch_add(&in_window, 1) >= MHD_LOG_PER_S) {
        atomic_fetch_add(&dropped, 1);
        return;
    }
    struct gw_buf safe = {0};
    redact_secret_paths(msg, &safe);
    int d = atomic_exchange(&dropped, 0);
    if (d)
        gw_log(level, "http: %s (and %d more messages dropped)", gw_buf_str(&safe), d);
    else
        gw_log(level, "http: %s", gw_buf_str(&safe));
    gw_buf_free(&safe);
}

/* ---- lifecycle ---- */

static int64_t clock_now(void *ud)
{
    struct gw_server *srv = ud;
    return gw_clock_now_ms(&srv->clock);
}

struct gw_server *gw_server_new(struct gw_config *cfg, struct gw_store *store, struct gw_error *err)
{
    (void)err;
    struct gw_server *srv = gw_xcalloc(1, sizeof *srv);
    srv->cfg = cfg;
    srv->store = store;
    if (cfg->clock_movable)
        gw_clock_init_shifted(&srv->clock);
    else
        gw_clock_init_real(&srv->clock);
    srv->metrics = gw_metrics_new(gw_routes_count());
    srv->auth = gw_auth_cache_new();
    srv->writer = gw_batcher_new(store, 256, clock_now, srv);
    srv->listen_fd = -1;
    srv->main_l = (struct gw_listener){.srv = srv, .fd = -1};
    srv->content = (struct gw_listener){.srv = srv, .content = true, .fd = -1};
    srv->started_ms = gw_time_now_ms();
    if (cfg->web_root[0]) {
        snprintf(srv->web_root, sizeof srv->web_root, "%s", cfg->web_root);
    } else {
        char exe[900];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        snprintf(srv->web_root, sizeof srv->web_root, "%s/web", n > 0 ? exe : ".");
    }
    return srv;
}

static int bind_listener(const char *addr, int port, int *bound_port, struct gw_error *err)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int rc = getaddrinfo(addr, portstr, &hints, &ai);
    if (rc != 0) {
        gw_error_set(err, GW_E_CONFIG_BAD_VALUE, "listen_address",
                     "'listen_address' %s is not a numeric IPv4 or IPv6 address: %s", addr,
                     gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 511) != 0) {
        gw_error_set(err, GW_E_LISTEN_FAILED, "port", "cannot listen on %s port %d: %s", addr, port,
                     strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        *bound_port = port; /* cannot happen on a socket we just bound */
    else
        *bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)&ss)->sin_port);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* The scheme, host and port of url ("http://h:80/x" -> "http://h:80"). */
static void origin_of(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = (size_t)(p - url) + strcspn(p, "/?#");
    snprintf(out, cap, "%.*s", (int)n, url);
}

/* The content origin's listener: content_port (-1: the gateway's port + 1,
 * or a free one when that is 0), and its URL. */
static enum gw_err bind_content(struct gw_server *srv, struct gw_error *err)
{
    const struct gw_config *cfg = srv->cfg;
    int port = (int)cfg->content_port;
    if (port < 0)
        port = cfg->port > 0 ? (int)cfg->port + 1 : 0;
    int fd = bind_listener(cfg->listen_address, port, &srv->content.port, err);
    if (fd < 0) {
        if (err) {
            char was[sizeof err->detail];
            snprintf(was, sizeof was, "%s", err->detail);
            gw_error_set(err, err->code, "content_port",
                         "%s (the content origin, where approvers' pages run courses: set "
                         "content_port)",
                         was);
        }
        close(srv->listen_fd);
        srv->listen_fd = -1;
        return err ? err->code : GW_E_LISTEN_FAILED;
    }
    srv->content.fd = fd;
    if (cfg->content_url && cfg->content_url[0]) {
        snprintf(srv->content_url, sizeof srv->content_url, "%s", cfg->content_url);
    } else {
        bool v6 = strchr(cfg->listen_address, ':') != NULL;
        snprintf(srv->content_url, sizeof srv->content_url, "http://%s%s%s:%d", v6 ? "[" : "",
                 cfg->listen_address, v6 ? "]" : "", srv->content.port);
    }
    size_t n = strlen(srv->content_url);
    while (n && srv->content_url[n - 1] == '/')
        srv->content_url[--n] = '\0';
    char a[512], b[512];
    origin_of(srv->public_url, a, sizeof a);
    origin_of(srv->content_url, b, sizeof b);
    if (strcasecmp(a, b) == 0) {
        close(fd);
        srv->content.fd = -1;
        close(srv->listen_fd);
        srv->listen_fd = -1;
        return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, "content_url",
                            "'content_url' %s is the gateway's own origin (public_url %s): "
                            "courses must run in another origin; give it another host or port",
                            srv->content_url, srv->public_url);
    }
    return GW_OK;
}

enum gw_err gw_server_bind(struct gw_server *srv, struct gw_error *err)
{
    int fd = bind_listener(srv->cfg->listen_address, (int)srv->cfg->port, &srv->port, err);
    if (fd < 0)
        return err ? err->code : GW_E_LISTEN_FAILED;
    srv->listen_fd = fd;
    if (srv->cfg->public_url[0]) {
        snprintf(srv->public_url, sizeof srv->public_url, "%s", srv->cfg->public_url);
    } else {
        bool v6 = strchr(srv->cfg->listen_address, ':') != NULL;
        snprintf(srv->public_url, sizeof srv->public_url, "http://%s%s%s:%d", v6 ? "[" : "",
                 srv->cfg->listen_address, v6 ? "]" : "", srv->port);
    }
    size_t n = strlen(srv->public_url);
    while (n && srv->public_url[n - 1] == '/')
        srv->public_url[--n] = '\0';
    return bind_content(srv, err);
}

/* What libmicrohttpd keeps per query argument in the connection's pool
 * (struct MHD_HTTP_Header, 7 words, rounded up to its alignment). A URI of n
 * bytes has at most n arguments ("&&&" makes one per byte). */
enum { ARG_RECORD_BYTES = 64 };

/* libmicrohttpd's own limit: max_connections plus the headroom in which
 * connections are accepted only to be answered 503 (gw/conn_guard.h). */
static unsigned max_connections_hard(const struct gw_config *cfg)
{
    int64_t extra = cfg->max_connections / 16;
    if (extra < 16)
        extra = 16;
    int64_t n = cfg->max_connections + extra;
    /* each pool thread takes its share and needs at least one */
    if (n < cfg->workers)
        n = cfg->workers;
    return (unsigned)n;
}

/* Every connection is a descriptor: the soft limit (often 1024) is raised to
 * what the connection limit needs, within the hard limit. */
static void raise_fd_limit(unsigned conn_limit)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)conn_limit + 256; /* the store, packages, logs */
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
        gw_log_warn("the open file limit is %llu; max_connections needs about %llu (raise "
                    "'ulimit -n' or lower max_connections)",
                    (unsigned long long)rl.rlim_cur, (unsigned long long)want);
}

static void read_http_metrics(void *ud, struct gw_metrics_http *out)
{
    struct gw_server *srv = ud;
    out->connections = srv->guard ? gw_conn_guard_open_count(srv->guard) : 0;
    out->header_timeouts_total = srv->guard ? gw_conn_guard_timed_out_total(srv->guard) : 0;
    out->inflight_body_bytes = atomic_load(&srv->body_bytes);
    out->overloaded_total = atomic_load(&srv->overloaded);
}

static struct MHD_Daemon *start_daemon(struct gw_listener *l, unsigned threads, size_t mem,
                                       unsigned conn_limit)
{
    const struct gw_config *cfg = l->srv->cfg;
    return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                                MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                            0, NULL, NULL, on_request, l, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_LISTEN_SOCKET, l->fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, l, MHD_OPTION_NOTIFY_COMPLETED,
                            on_completed, l, MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->connection_timeout_s,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem, MHD_OPTION_CONNECTION_LIMIT,
                            conn_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                            (unsigned int)cfg->max_connections_per_ip, MHD_OPTION_END);
}

enum gw_err gw_server_start(struct gw_server *srv, struct gw_error *err)
{
    if (srv->listen_fd < 0 && gw_server_bind(srv, err) != GW_OK)
        return err ? err->code : GW_E_LISTEN_FAILED;
    if (!srv->xindex && gw_store_dialect(srv->store) == GW_DIALECT_SQLITE &&
        srv->cfg->xapi_index_lag > 0) {
        /* statements are acknowledged once stored; the writer indexes them
         * when it has time (gw/xapi_store.h). Here, after the migrations. */
        srv->xindex = gw_xapi_index_new(srv->store, GW_XAPI_INDEX_MEMORY, srv->cfg->xapi_index_lag);
        gw_xapi_index_set_wake(srv->xindex, gw_batcher_wake, srv->writer);
        gw_batcher_set_idle(srv->writer, gw_xapi_index_idle, srv->xindex);
    }
    int fd = srv->listen_fd;
    const struct gw_config *cfg = srv->cfg;
    /* The connection's memory pool holds the request line and headers and
     * one record per query argument, which libmicrohttpd parses before our
     * handler runs: room for max_query_params of them (more are cut off in
     * on_uri and answered 400). */
    size_t mem = (size_t)cfg->max_uri_length * 2 + 32 * 1024 +
                 ((size_t)cfg->max_query_params + 2) * ARG_RECORD_BYTES;
    unsigned conn_limit = max_connections_hard(cfg);
    raise_fd_limit(conn_limit);
    if (!srv->guard)
        srv->guard = gw_conn_guard_new(cfg->request_header_timeout_s * 1000, cfg->max_connections);
    if (!srv->guard) {
        close(fd);
        srv->listen_fd = -1;
        return gw_error_set(err, GW_E_LISTEN_FAILED, "", "the connection guard could not start");
    }
    gw_metrics_set_http_source(srv->metrics, read_http_metrics, srv);
    srv->main_l.fd = fd;
    srv->main_l.port = srv->port;
    struct MHD_Daemon *d = start_daemon(&srv->main_l, (unsigned)cfg->workers, mem, conn_limit);
    /* the content origin serves files and a few small requests: two threads */
    struct MHD_Daemon *dc = d ? start_daemon(&srv->content, 2, mem, conn_limit) : NULL;
    if (!d || !dc) {
        if (d)
            MHD_stop_daemon(d);
        close(fd);
        srv->listen_fd = -1;
        if (srv->content.fd >= 0)
            close(srv->content.fd);
        srv->content.fd = -1;
        return gw_error_set(err, GW_E_LISTEN_FAILED, "", "the HTTP daemon could not start");
    }
    srv->daemon = d;
    srv->main_l.daemon = d;
    srv->content.daemon = dc;
    return GW_OK;
}

void gw_server_stop(struct gw_server *srv)
{
    if (!srv->daemon)
        return;
    atomic_store(&srv->shutting_down, true);
    /* No new connections from here: shutdown() makes the kernel refuse
     * them at once, while the descriptor stays valid; it is closed only after
     * MHD_stop_daemon, because a worker thread may still be taking it out of
     * its epoll set (libmicrohttpd's rule for threaded daemons; TSan saw the
     * race with an early close). */
    MHD_socket lfd = MHD_quiesce_daemon(srv->daemon);
    if (lfd != MHD_INVALID_SOCKET)
        shutdown(lfd, SHUT_RDWR);
    srv->listen_fd = -1;
    MHD_socket cfd = MHD_INVALID_SOCKET;
    if (srv->content.daemon) {
        cfd = MHD_quiesce_daemon(srv->content.daemon);
        if (cfd != MHD_INVALID_SOCKET)
            shutdown(cfd, SHUT_RDWR);
    }
    srv->content.fd = -1;
    int64_t deadline = gw_time_mono_us() + srv->cfg->shutdown_grace_s * 1000000;
    while (atomic_load(&srv->in_flight) > 0 && gw_time_mono_us() < deadline) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    int left = atomic_load(&srv->in_flight);
    if (left > 0)
        gw_log_warn("shutdown: %d requests still running after %llds; closing them", left,
                    (long long)srv->cfg->shutdown_grace_s);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    srv->main_l.daemon = NULL;
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    if (srv->content.daemon)
        MHD_stop_daemon(srv->content.daemon);
    srv->content.daemon = NULL;
    if (cfd != MHD_INVALID_SOCKET)
        close(cfd);
}

void gw_server_free(struct gw_server *srv)
{
    if (!srv)
        return;
    if (srv->daemon)
        gw_server_stop(srv);
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    if (srv->content.fd >= 0)
        close(srv->content.fd);
    gw_batcher_free(srv->writer);    /* after the daemon: deferred requests are all answered */
    gw_xapi_index_free(srv->xindex); /* after the writer, which uses it */
    gw_conn_guard_free(srv->guard);  /* after the daemon: every connection is closed */
    gw_metrics_free(srv->metrics);
    gw_auth_cache_free(srv->auth);
    free(srv);
}
