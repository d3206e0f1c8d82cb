/* Unit tests for the JSON text codec in util/json.c: gw_json_dump must write
 * byte for byte what json_dumps writes, and gw_json_load (its fast path and
 * its fallback) must give what json_loadb gives, errors included. Both are
 * checked against jansson on the repository's JSON files, on hand-picked
 * edge cases and on deterministic pseudo-random values and mutations. */
#include "gw/buf.h"
#include "gw/json.h"
#include "gwtest.h"

#include <ftw.h>
#include <math.h>
#include <stdint.h>

#define JFLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd64(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned rnd(unsigned n)
{
    return (unsigned)(rnd64() % n);
}

/* ---- dumping ---- */

static int dump_mismatches;

static void check_dump(const json_t *j)
{
    char *want = json_dumps(j, JFLAGS);
    char *got = gw_json_dump(j);
    bool same = (!want && !got) || (want && got && strcmp(want, got) == 0);
    if (!same && dump_mismatches++ < 5)
        fprintf(stderr, "  dump differs:\n    jansson %s\n    ours    %s\n", want ? want : "NULL",
                got ? got : "NULL");
    CHECK(same);
    free(want);
    free(got);
}

static void random_bytes_string(char *out, size_t *n, bool allow_invalid)
{
    static const char *const pieces[] = {"a",
                                         "Z",
                                         "0",
                                         " ",
                                         "/",
                                         "\"",
                                         "\\",
                                         "\b",
                                         "\f",
                                         "\n",
                                         "\r",
                                         "\t",
                                         "\x01",
                                         "\x1f",
                                         "\x7f",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\xef\xbf\xbf",
                                         "\xed\x9f\xbf",
                                         "mailto",
                                         "https://",
                                         "~",
                                         "\xc2\x80"};
    static const char *const invalid[] = {"\xff",
                                          "\x80",
                                          "\xc0\x80",
                                          "\xed\xa0\x80",
                                          "\xf4\x90\x80\x80",
                                          "\xe2\x82",
                                          "\xf5\x80\x80\x80"};
    size_t len = 0, parts = rnd(12);
    for (size_t i = 0; i < parts; i++) {
        const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
        if (allow_invalid && rnd(40) == 0)
            p = invalid[rnd(sizeof invalid / sizeof invalid[0])];
        size_t pl = strlen(p);
        memcpy(out + len, p, pl);
        len += pl;
    }
    if (rnd(30) == 0)
        out[len++] = '\0'; /* an embedded NUL */
    *n = len;
}

static double random_real(void)
{
    static const double specials[] = {
        0.0,     -0.0,     1.0,       -1.0,   0.1,     1e21, 1e22, 1e-7, 1e-5,
        123.456, 1e300,    -1e-300,   5e-324, 1.5e308, 2.5,  1e16, 1e17, 9007199254740993.0,
        100.0,   0.000123, 12345678.9};
    if (rnd(3) == 0)
        return specials[rnd(sizeof specials / sizeof specials[0])];
    for (;;) {
        uint64_t bits = rnd64();
        double d;
        memcpy(&d, &bits, sizeof d);
        if (isfinite(d))
            return d;
    }
}

static json_t *random_value(int depth, bool allow_invalid)
{
    char s[256];
    size_t n;
    unsigned kind = depth > 4 ? rnd(6) : rnd(8);
    switch (kind) {
    case 0:
        return rnd(2) ? json_true() : (rnd(2) ? json_false() : json_null());
    case 1: {
        static const json_int_t ints[] = {0, -1, 1, INT64_MAX, INT64_MIN, 1000000000000000000LL};
        return json_integer(rnd(2) ? ints[rnd(6)] : (json_int_t)rnd64());
    }
    case 2:
        return json_real(random_real());
    case 3:
    case 4:
    case 5:
        random_bytes_string(s, &n, allow_invalid);
        return json_stringn_nocheck(s, n);
    case 6: {
        json_t *a = json_array();
        for (unsigned i = rnd(5); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1, allow_invalid));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = rnd(6); i > 0; i--) {
            random_bytes_string(s, &n, allow_invalid);
            json_object_setn_new_nocheck(o, s, n, random_value(depth + 1, allow_invalid));
        }
        return o;
    }
    }
}

static void test_dump_random(void)
{
    for (int i = 0; i < 20000; i++) {
        json_t *v = random_value(0, true);
        check_dump(v);
        json_decref(v);
    }
}

/* The k-th node of j in a depth-first walk (j itself is 0), or NULL. */
static const json_t *nth_node(const json_t *j, size_t *k)
{
    if (*k == 0)
        return j;
    (*k)--;
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++) {
            const json_t *hit = nth_node(json_array_get(j, i), k);
            if (hit)
                return hit;
        }
    } else if (json_is_object(j)) {
        for (void *it = json_object_iter((json_t *)j); it;
             it = json_object_iter_next((json_t *)j, it)) {
            const json_t *hit = nth_node(json_object_iter_value(it), k);
            if (hit)
                return hit;
        }
    }
    return NULL;
}

/* gw_json_append_part: the whole text is gw_json_dump's, and the part's
 * slice of it is gw_json_dump of the part. */
static void test_append_part(void)
{
    int bad = 0, found = 0;
    for (int i = 0; i < 5000; i++) {
        json_t *v = random_value(0, i % 4 == 0);
        size_t k = rnd(12);
        const json_t *part = nth_node(v, &k);
        struct gw_buf b = {0};
        gw_buf_append(&b, "x", 1);
        size_t at = 99, len = 99;
        bool ok = gw_json_append_part(&b, v, part, &at, &len);
        char *whole = gw_json_dump(v), *alone = part ? gw_json_dump(part) : NULL;
        if (ok != (whole != NULL) || (ok && strcmp(b.data + 1, whole) != 0))
            bad++;
        if (len > 0) {
            found++;
            if (!ok || !alone || at < 1 || strlen(alone) != len || memcmp(b.data + at, alone, len))
                bad++;
        } else if (ok && part && alone) {
            bad++; /* a part that was dumped must be found */
        }
        free(whole);
        free(alone);
        gw_buf_free(&b);
        json_decref(v);
    }
    CHECK_INT(bad, 0);
    CHECK(found > 500); /* many trees are scalars or fail to dump */
    /* a node that is not in the tree, and no node */
    json_t *tree = json_pack("{s:[i, s]}", "a", 1, "b"), *other = json_string("b");
    struct gw_buf b = {0};
    size_t at = 7, len = 7;
    CHECK(gw_json_append_part(&b, tree, other, &at, &len));
    CHECK_INT(len, 0);
    gw_buf_reset(&b);
    CHECK(gw_json_append_part(&b, tree, NULL, &at, &len));
    CHECK_INT(len, 0);
    CHECK_STR(b.data, "{\"a\":[1,\"b\"]}");
    gw_buf_free(&b);
    json_decref(tree);
    json_decref(other);
}

static void test_dump_edges(void)
{
    check_dump(NULL);
    json_t *o = json_object();
    check_dump(o);
    json_object_set_new(o, "a", json_array());
    json_object_set_new(o, "b", json_object());
    check_dump(o);
    json_decref(o);
    /* deeper than the fast writer goes: jansson writes it */
    json_t *deep = json_array(), *cur = deep;
    for (int i = 0; i < 700; i++) {
        json_t *next = i % 2 ? json_array() : json_object();
        if (json_is_array(cur))
            json_array_append_new(cur, next);
        else
            json_object_set_new(cur, "k", next);
        cur = next;
    }
    check_dump(deep);
    json_decref(deep);
    /* a cycle: both refuse it */
    json_t *a = json_array(), *b = json_array();
    json_array_append(a, b);
    json_array_append(b, a);
    char *t = gw_json_dump(a);
    CHECK(t == NULL);
    free(t);
    json_array_clear(b);
    json_decref(a);
    json_decref(b);
    /* appending keeps what is in the buffer, also on failure */
    struct gw_buf buf = {0};
    gw_buf_puts(&buf, "x=");
    json_t *bad = json_stringn_nocheck("\xff", 1);
    CHECK(!gw_json_append(&buf, bad));
    CHECK_STR(gw_buf_str(&buf), "x=");
    json_decref(bad);
    json_t *good = json_pack("{s:[i,f,s,b,n]}", "k", 1, 0.5, "t\"\n", 1);
    CHECK(gw_json_append(&buf, good));
    CHECK_STR(gw_buf_str(&buf), "x={\"k\":[1,0.5,\"t\\\"\\n\",true,null]}");
    json_decref(good);
    gw_buf_reset(&buf);
    gw_json_append_str(&buf, "a\x01\xc3\xa9");
    gw_json_append_str(&buf, NULL);
    gw_json_append_str(&buf, "\xc3");
    CHECK_STR(gw_buf_str(&buf), "\"a\\u0001\xc3\xa9\"null\"(invalid UTF-8)\"");
    gw_buf_free(&buf);
}

/* ---- parsing ---- */

static int load_mismatches;
static int fast_hits;

static void check_load(const char *text, size_t len)
{
    json_error_t je;
    json_t *ref = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    json_t *fast = gw_json_load_fast(text, len);
    struct gw_error e;
    gw_error_clear(&e);
    json_t *via = gw_json_load(text, len, &e);
    bool ok = true;
    if (fast) {
        fast_hits++;
        char *a = ref ? json_dumps(ref, JFLAGS) : NULL;
        char *b = json_dumps(fast, JFLAGS);
        ok = ref && a && b && strcmp(a, b) == 0 && json_equal(ref, fast);
        free(a);
        free(b);
    }
    if ((via != NULL) != (ref != NULL))
        ok = false;
    if (!ref) {
        char want[512];
        snprintf(want, sizeof want, "line %d, column %d: %s", je.line, je.column, je.text);
        if (e.code != GW_E_JSON_MALFORMED || strcmp(e.detail, want) != 0)
            ok = false;
    }
    if (!ok && load_mismatches++ < 5)
        fprintf(stderr, "  load differs on %zu bytes: %.*s\n", len, (int)(len < 200 ? len : 200),
                text);
    CHECK(ok);
    json_decref(ref);
    json_decref(fast);
    json_decref(via);
}

static void test_load_edges(void)
{
    static const char *const texts[] = {"{}",
                                        "[]",
                                        " [ ] ",
                                        "0",
                                        "-0",
                                        "1",
                                        "-1",
                                        "12345678901234567",
                                        "123456789012345678",
                                        "1234567890123456789",
                                        "9223372036854775807",
                                        "9223372036854775808",
                                        "-9223372036854775808",
                                        "-9223372036854775809",
                                        "1.5",
                                        "-0.0",
                                        "1e5",
                                        "1E+5",
                                        "1e-5",
                                        "2.5e-308",
                                        "1e400",
                                        "-1e400",
                                        "1e-400",
                                        "0.1e1",
                                        "01",
                                        "1.",
                                        ".5",
                                        "-",
                                        "+1",
                                        "1e",
                                        "1e+",
                                        "0x10",
                                        "tru",
                                        "true",
                                        "truex",
                                        "false",
                                        "null",
                                        "nul",
                                        "\"\"",
                                        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
                                        "\"\\u00e9\\u20AC\\uD83D\\uDE00\"",
                                        "\"\\u0000\"",
                                        "\"\\uD800\"",
                                        "\"\\uDC00\"",
                                        "\"\\uD800\\u0041\"",
                                        "\"\\uD800x\"",
                                        "\"\\u12\"",
                                        "\"\\u12G4\"",
                                        "\"\\x\"",
                                        "\"a\nb\"",
                                        "\"a\x01\"",
                                        "\"\xc3\xa9\"",
                                        "\"\xc3\"",
                                        "\"\xff\"",
                                        "\"\xed\xa0\x80\"",
                                        "\"\xc0\x80\"",
                                        "\"abc",
                                        "{\"a\":1,\"a\":2}",
                                        "{\"a\":1,\"b\":{\"a\":2}}",
                                        "{\"a\\u0000\":1}",
                                        "{\"\\u0061\":1,\"a\":2}",
                                        "{\"a\" : 1 , \"b\" : [ 1 , 2 ] }",
                                        "{\"a\":}",
                                        "{\"a\" 1}",
                                        "{a:1}",
                                        "{\"a\":1,}",
                                        "[1,]",
                                        "[1 2]",
                                        "[,1]",
                                        "{\"a\":1}}",
                                        "[1]]",
                                        "  ",
                                        "",
                                        "[1]\n",
                                        "[1] x",
                                        "\t\r\n[\"x\"]\t\r\n",
                                        "[\"\\u00\"]",
                                        "\"\\",
                                        "[",
                                        "{",
                                        "{\"a\"",
                                        "{\"a\":",
                                        "[1,",
                                        "[true,false,null,1,-2,3.25,\"s\",[],{}]"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        check_load(texts[i], strlen(texts[i]));
    check_load("[1,\0 2]", 7); /* an embedded NUL */
    check_load("\"a\0b\"", 5);
    /* nesting past the fast path's limit, and past jansson's */
    for (int depth = 600; depth <= 3000; depth += 2400) {
        struct gw_buf b = {0};
        for (int i = 0; i < depth; i++)
            gw_buf_puts(&b, "[");
        for (int i = 0; i < depth; i++)
            gw_buf_puts(&b, "]");
        CHECK(gw_json_load_fast(b.data, b.len) == NULL);
        check_load(b.data, b.len);
        gw_buf_free(&b);
    }
}

static void test_load_random(void)
{
    int before = fast_hits;
    for (int i = 0; i < 20000; i++) {
        json_t *v = random_value(0, false);
        char *text = json_dumps(v, JFLAGS);
        json_decref(v);
        if (!text)
            continue;
        size_t len = strlen(text);
        check_load(text, len);
        /* and a mutation of it: a changed byte, a cut or a doubled piece */
        char *m = gw_xmalloc(2 * len + 2);
        memcpy(m, text, len);
        size_t mlen = len;
        size_t at = len ? rnd((unsigned)len) : 0;
        switch (rnd(3)) {
        case 0: {
            static const char bytes[] = "\"\\{}[]:,0123456789-+.eE \n\x01\xc3\xa9tfnu";
            if (len)
                m[at] = bytes[rnd(sizeof bytes - 1)];
            break;
        }
        case 1:
            mlen = at;
            break;
        default:
            memcpy(m + len, text + at, len - at);
            mlen = len + (len - at);
            break;
        }
        check_load(m, mlen);
        free(m);
        free(text);
    }
    CHECK(fast_hits - before > 15000);
}

/* Every JSON file in the repository and the shared statement corpus. */
static int files_checked;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || n < 5 || strcmp(path + n - 5, ".json") != 0 || st->st_size > 4 << 20)
        return 0;
    if (strstr(path, "/node_modules/") || strstr(path, "/build"))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *data = gw_xmalloc((size_t)st->st_size + 1);
    size_t got = fread(data, 1, (size_t)st->st_size, f);
    fclose(f);
    check_load(data, got);
    json_t *j = json_loadb(data, got, JSON_DECODE_ANY, NULL);
    if (j)
        check_dump(j);
    json_decref(j);
    free(data);
    files_checked++;
    return 0;
}

static void test_files(void)
{
    const char *src = getenv("GW_SOURCE_DIR"), *shared = getenv("GW_SHARED_DIR");
    REQUIRE(src);
    const char *dirs[] = {"tests", "schemas", "packages", "web"};
    char path[1024];
    int hits = fast_hits;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", src, dirs[i]);
        nftw(path, visit, 16, FTW_PHYS);
    }
    if (shared && gwt_have_shared("corpus/statements")) {
        snprintf(path, sizeof path, "%s/corpus/statements", shared);
        nftw(path, visit, 16, FTW_PHYS);
    }
    CHECK(files_checked > 20);
    CHECK(fast_hits - hits > 20);
}

/* The loop gw_json_pointer_join had, for comparison. */
static void old_pointer_join(char *out, size_t cap, const char *base, const char *key)
{
    size_t n = (size_t)snprintf(out, cap, "%s/", base);
    for (const char *k = key; *k && n + 3 < cap; k++) {
        if (*k == '~') {
            out[n++] = '~';
            out[n++] = '0';
        } else if (*k == '/') {
            out[n++] = '~';
            out[n++] = '1';
        } else {
            out[n++] = *k;
        }
    }
    if (n < cap)
        out[n] = '\0';
}

static void test_pointer_join_same(void)
{
    static const char *const bases[] = {"", "/a", "/context/extensions", "/0123456789"};
    static const char *const keys[] = {
        "", "x", "~", "/", "a~b/c", "~~//", "abcdefghij", "https://example.org/ext~1", "~0~1"};
    int bad = 0;
    for (size_t cap = 1; cap < 40; cap++) {
        for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
            for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
                char want[64], got[64];
                memset(want, 'Z', sizeof want);
                memset(got, 'Z', sizeof got);
                old_pointer_join(want, cap, bases[b], keys[k]);
                gw_json_pointer_join(got, cap, bases[b], keys[k]);
                if (memcmp(want, got, sizeof want) != 0)
                    bad++;
            }
        }
    }
    CHECK_INT(bad, 0);
}

/* gw_json_pointer_index writes what snprintf("%s/%zu") does, cut or not. */
static void test_pointer_index_same(void)
{
    static const char *const bases[] = {"", "/a", "/context/extensions", "/0123456789"};
    static const size_t indexes[] = {0, 7, 10, 99, 12345, SIZE_MAX};
    int bad = 0;
    for (size_t cap = 1; cap < 48; cap++) {
        for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
            for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
                char want[64], got[64];
                memset(want, 'Z', sizeof want);
                memset(got, 'Z', sizeof got);
                snprintf(want, cap, "%s/%zu", bases[b], indexes[i]);
                gw_json_pointer_index(got, cap, bases[b], indexes[i]);
                if (memcmp(want, got, sizeof want) != 0)
                    bad++;
            }
        }
    }
    CHECK_INT(bad, 0);
}

static void test_pointer_join(void)
{
    char out[32];
    gw_json_pointer_join(out, sizeof out, "/a", "b~c/d");
    CHECK_STR(out, "/a/b~0c~1d");
    gw_json_pointer_join(out, sizeof out, "", "x");
    CHECK_STR(out, "/x");
    gw_json_pointer_join(out, sizeof out, "", "");
    CHECK_STR(out, "/");
    /* cut to fit, as before */
    gw_json_pointer_join(out, 8, "/abc", "defghij");
    CHECK_STR(out, "/abc/");
    gw_json_pointer_join(out, 4, "/abcdef", "x");
    CHECK_STR(out, "/ab");
}

int main(void)
{
    GW_RUN(test_dump_edges);
    GW_RUN(test_dump_random);
    GW_RUN(test_load_edges);
    GW_RUN(test_load_random);
    GW_RUN(test_files);
    GW_RUN(test_pointer_join);
    GW_RUN(test_pointer_join_same);
    GW_RUN(test_pointer_index_same);
    GW_RUN(test_append_part);
    return gw_test_summary();
}
