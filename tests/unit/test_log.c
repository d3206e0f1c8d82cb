/* Unit tests for util/log.c: the access log line written without json_t must
 * be byte for byte the line gw_log_json wrote for the same request, and time
 * stamps must format as before. */
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/log.h"
#include "gw/timefmt.h"
#include "gwtest.h"

#include <stdint.h>

/* The line as server.c built it before: a json_t of the members, ts and
 * level put first by gw_log_json, json_dumps compact. */
static char *reference_line(int64_t ts_ms, const struct gw_log_request *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "msg", json_string("request"));
    json_object_set_new(o, "request_id", json_string(r->request_id));
    json_object_set_new(o, "method", gw_json_str(r->method));
    json_object_set_new(o, "path", gw_json_str(r->path));
    json_object_set_new(o, "route", r->route ? json_string(r->route) : json_null());
    json_object_set_new(o, "status", r->status ? json_integer(r->status) : json_null());
    json_object_set_new(o, "duration_us", json_integer((json_int_t)r->duration_us));
    json_object_set_new(o, "bytes_in", json_integer((json_int_t)r->bytes_in));
    json_object_set_new(o, "bytes_out", json_integer((json_int_t)r->bytes_out));
    json_object_set_new(o, "key_id", r->key_id[0] ? json_string(r->key_id) : json_null());
    json_object_set_new(o, "remote", json_string(r->remote));
    char ts[40];
    gw_time_format_ms(ts_ms, ts);
    json_t *line = json_object();
    json_object_set_new(line, "ts", json_string(ts));
    json_object_set_new(line, "level", json_string("info"));
    json_object_update(line, o);
    json_decref(o);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    size_t n = strlen(text);
    text = realloc(text, n + 2);
    text[n] = '\n';
    text[n + 1] = '\0';
    return text;
}

static void check_line(int64_t ts_ms, const struct gw_log_request *r)
{
    char *want = reference_line(ts_ms, r);
    struct gw_buf b = {0};
    gw_log_request_format(&b, ts_ms, r);
    CHECK_STR(gw_buf_str(&b), want);
    gw_buf_free(&b);
    free(want);
}

static void test_request_line(void)
{
    struct gw_log_request r = {
        .request_id = "0123456789abcdef",
        .method = "POST",
        .path = "/xapi/statements",
        .route = "/xapi/statements",
        .key_id = "k0a1b2c3d4e5f",
        .remote = "127.0.0.1",
        .status = 200,
        .duration_us = 1234,
        .bytes_in = 1461,
        .bytes_out = 40,
    };
    check_line(1795000000123LL, &r);
    r.route = NULL;
    r.status = 0;
    r.key_id = "";
    r.remote = "";
    r.duration_us = -5;
    r.bytes_in = INT64_MAX;
    check_line(0, &r);
    r.path = "/a\"b\\c\x01\xc3\xa9/\xff"; /* not UTF-8: the placeholder */
    r.method = "G\tT";
    check_line(-1, &r);
    r.path = "/ok";
    r.key_id = "k\xff"; /* not UTF-8: json_string failed and the member was left out */
    r.remote = "::1\xc3";
    check_line(253402300799999LL, &r);
}

/* gw_time_format_ms's old implementation, for comparison. */
static void old_format(int64_t ms, char out[32])
{
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t rem = ms - days * 86400000;
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
             (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
             (int)(rem % 1000));
    memcpy(out, tmp, 31);
    out[31] = '\0';
}

static void test_time_format(void)
{
    uint64_t state = 88172645463325252ULL;
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        int64_t ms;
        switch (i % 4) {
        case 0: /* around now */
            ms = 1700000000000LL + (int64_t)(state % 400000000000ULL);
            break;
        case 1: /* years 0..9999 and a little beyond */
            ms = (int64_t)(state % 330000000000000ULL) - 62200000000000LL;
            break;
        case 2: /* anything */
            ms = (int64_t)state / 1000;
            break;
        default:
            ms = (int64_t)(state % 4000) - 2000;
            break;
        }
        char a[32], b[32];
        old_format(ms, a);
        gw_time_format_ms(ms, b);
        if (strcmp(a, b) != 0 && bad++ < 5)
            fprintf(stderr, "  %lld: %s != %s\n", (long long)ms, a, b);
    }
    CHECK_INT(bad, 0);
}

int main(void)
{
    GW_RUN(test_request_line);
    GW_RUN(test_time_format);
    return gw_test_summary();
}
