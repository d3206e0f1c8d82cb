/* log.c: JSON-lines logging to stderr (see gw/log.h). */
#include "gw/log.h"
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
    char *line = json_dumps(fields, JSON_COMPACT | JSON_PRESERVE_ORDER);
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
