/* reply.c: filling replies (JSON, text, errors, headers) and reading
 * request bodies as JSON. Handlers use these; the daemon sends the result. */
#include "gw/http.h"
#include "gw/json.h"
#include "gw/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A streamed body a handler set is replaced: its reader is closed. */
static void drop_stream(struct gw_reply *rep)
{
    if (rep->stream.read && rep->stream.close)
        rep->stream.close(rep->stream.ud);
    rep->stream = (struct gw_reply_stream){0};
}

void gw_reply_text(struct gw_reply *rep, unsigned status, const char *content_type,
                   const char *text, size_t len)
{
    drop_stream(rep);
    rep->status = status;
    gw_buf_reset(&rep->body);
    gw_buf_append(&rep->body, text, len);
    rep->content_type = content_type;
}

void gw_reply_json(struct gw_reply *rep, unsigned status, json_t *body)
{
    char *s = gw_json_dump(body);
    json_decref(body);
    gw_reply_text(rep, status, "application/json", s ? s : "null", s ? strlen(s) : 4);
    free(s);
}

void gw_reply_empty(struct gw_reply *rep, unsigned status)
{
    drop_stream(rep);
    rep->status = status;
    gw_buf_reset(&rep->body);
    rep->content_type = NULL;
}

void gw_reply_stream(struct gw_reply *rep, unsigned status, const char *content_type,
                     const struct gw_reply_stream *stream)
{
    drop_stream(rep);
    rep->status = status;
    gw_buf_reset(&rep->body);
    rep->content_type = content_type;
    rep->stream = *stream;
}

void gw_reply_error(struct gw_reply *rep, const struct gw_error *e)
{
    gw_reply_json(rep, gw_err_lookup(e->code)->http_status, gw_error_to_json(e));
}

void gw_reply_errorf(struct gw_reply *rep, enum gw_err code, const char *where, const char *fmt,
                     ...)
{
    struct gw_error e;
    va_list ap;
    va_start(ap, fmt);
    gw_error_setv(&e, code, where, fmt, ap);
    va_end(ap);
    gw_reply_error(rep, &e);
}

static bool header_text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    }
    return true;
}

void gw_reply_header(struct gw_reply *rep, const char *name, const char *value)
{
    if (!name || !value || !header_text_ok(name) || !header_text_ok(value)) {
        gw_log(GW_LOG_WARN, "reply header %s dropped: its value holds a control byte",
               name && header_text_ok(name) ? name : "(unprintable)");
        return;
    }
    gw_buf_puts(&rep->headers, name);
    gw_buf_append(&rep->headers, ": ", 2);
    gw_buf_puts(&rep->headers, value);
    gw_buf_append(&rep->headers, "\n", 1);
}

void gw_req_media_type_words(const struct gw_req *req, char *out, size_t cap)
{
    const char *ct = gw_req_header(req, "Content-Type");
    while (ct && (*ct == ' ' || *ct == '\t'))
        ct++;
    size_t n = ct ? strcspn(ct, "; \t") : 0;
    if (n == 0) {
        snprintf(out, cap, "no Content-Type");
        return;
    }
    bool shown = n <= 80;
    for (size_t i = 0; shown && i < n; i++)
        shown = (unsigned char)ct[i] >= 0x21 && (unsigned char)ct[i] <= 0x7e;
    if (shown)
        snprintf(out, cap, "'%.*s'", (int)n, ct);
    else
        snprintf(out, cap, "a Content-Type that cannot be shown");
}

json_t *gw_req_json(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    json_t *j = gw_json_load(gw_buf_str(&req->body), req->body.len, &e);
    if (!j)
        gw_reply_error(rep, &e);
    return j;
}
