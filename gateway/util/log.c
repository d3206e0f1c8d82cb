/* log.c: JSON-lines logging to stderr (see gw/log.h). */
#include "gw/log.h"
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/timefmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set once at start-up before threads exist; read-only afterwards. */
static enum gw_log_level threshold = GW_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int gw_log_set_level_name(const char *name)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            threshold = (enum gw_log_level)i;
            return 0;
        }
    }
    return -1;
}

bool gw_log_level_valid(const char *name)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, level_names[i]) == 0)
            return true;
    }
    return false;
}

void gw_log_set_level(enum gw_log_level level)
{
    threshold = level;
}

int gw_log_enabled(enum gw_log_level level)
{
    return level >= threshold;
}

void gw_log_json(enum gw_log_level level, json_t *fields)
{
    if (!gw_log_enabled(level)) {
        json_decref(fields);
        return;
    }
    char ts[40];
    gw_time_format_ms(gw_time_now_ms(), ts);
    json_t *line_obj = json_object();
    json_object_set_new(line_obj, "ts", json_string(ts));
    json_object_set_new(line_obj, "level", json_string(level_names[level]));
    json_object_update(line_obj, fields);
    json_decref(fields);
    fields = line_obj;
    char *line = gw_json_dump(fields);
    json_decref(fields);
    if (!line)
        return;
    size_t n = strlen(line);
    line[n] = '\n'; /* overwrite the NUL: one write for the whole line */
    fwrite(line, 1, n + 1, stderr);
    free(line);
}

void gw_log(enum gw_log_level level, const char *fmt, ...)
{
    if (!gw_log_enabled(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *o = json_object();
    json_object_set_new(o, "msg", gw_json_str(msg));
    gw_log_json(level, o);
}

/* A member "key":"text" (JSON-escaped); a text that is not UTF-8 leaves the
 * member out, as json_object_set_new with json_string's NULL did. */
static void member_string(struct gw_buf *b, const char *key, const char *text)
{
    size_t mark = b->len;
    gw_buf_puts(b, key);
    if (!gw_json_append_string(b, text, strlen(text)))
        b->len = mark;
    b->data[b->len] = '\0';
}

static void member_int(struct gw_buf *b, const char *key, int64_t v)
{
    gw_buf_puts(b, key);
    gw_json_append_int(b, v);
}

void gw_log_request_format(struct gw_buf *out, int64_t ts_ms, const struct gw_log_request *r)
{
    char ts[40];
    gw_time_format_ms(ts_ms, ts);
    gw_buf_puts(out, "{\"ts\":\"");
    gw_buf_puts(out, ts);
    gw_buf_puts(out, "\",\"level\":\"info\",\"msg\":\"request\"");
    member_string(out, ",\"request_id\":", r->request_id);
    gw_buf_puts(out, ",\"method\":");
    gw_json_append_str(out, r->method);
    gw_buf_puts(out, ",\"path\":");
    gw_json_append_str(out, r->path);
    if (r->route)
        member_string(out, ",\"route\":", r->route);
    else
        gw_buf_puts(out, ",\"route\":null");
    if (r->status)
        member_int(out, ",\"status\":", r->status);
    else
        gw_buf_puts(out, ",\"status\":null");
    member_int(out, ",\"duration_us\":", r->duration_us);
    member_int(out, ",\"bytes_in\":", r->bytes_in);
    member_int(out, ",\"bytes_out\":", r->bytes_out);
    if (r->key_id && r->key_id[0])
        member_string(out, ",\"key_id\":", r->key_id);
    else
        gw_buf_puts(out, ",\"key_id\":null");
    member_string(out, ",\"remote\":", r->remote);
    gw_buf_puts(out, "}\n");
}

void gw_log_request(const struct gw_log_request *r)
{
    if (!gw_log_enabled(GW_LOG_INFO))
        return;
    struct gw_buf b = {0};
    gw_buf_reserve(&b, 512);
    gw_log_request_format(&b, gw_time_now_ms(), r);
    fwrite(b.data, 1, b.len, stderr); /* one write: threads don't interleave */
    gw_buf_free(&b);
}
