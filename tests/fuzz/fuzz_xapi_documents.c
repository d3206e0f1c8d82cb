/* fuzz_xapi_documents: libFuzzer target for the input of the xAPI document
 * resources (State, Activity Profile, Agent Profile) that does not need a
 * database: the rules of xapi/documents.c and the parameter checks
 * api/xapi_documents.c applies. The first byte holds flags (bit 0: xAPI 2.0,
 * bit 1: a Group may be the agent, bit 2: PUT, bit 3: 409 on a blind PUT,
 * bit 4: a document is stored); the rest is split at "\n--\n" into: the
 * agent parameter, activityId, registration, stateId/profileId, since, the
 * stored document, the posted document, If-Match, If-None-Match, the
 * Content-Type and a query string for the handler's parameter checks
 * (gw_api_xapi_doc_params_check). Checked: an accepted agent has an identifier that survives
 * a round trip; the POST merge keeps every posted member and every stored one
 * not posted; an accepted 'since' formats back to itself. Must never crash,
 * leak or trip a sanitizer. */
#include "gw/api.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"
#include "gw/xapi_docs.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The handler's parameter checks over a query written name=value&...
 * (not percent-decoded: values arrive decoded), for the resource and method
 * the flags pick (bits 5-6: state, activity profile, agent profile; bits 2
 * and 7: PUT, POST, GET, DELETE). */
static void params(char *query, unsigned flags, enum gw_xapi_version v)
{
    static const char *const methods[] = {"PUT", "POST", "GET", "DELETE"};
    static const enum gw_xapi_doc_kind kinds[] = {GW_XAPI_DOC_STATE, GW_XAPI_DOC_ACTIVITY_PROFILE,
                                                  GW_XAPI_DOC_AGENT_PROFILE, GW_XAPI_DOC_STATE};
    struct gw_xapi_qparam q[12];
    size_t n = 0;
    for (char *p = query; *p && n < 12;) {
        char *amp = strchr(p, '&');
        if (amp)
            *amp = '\0';
        char *eq = strchr(p, '=');
        if (eq)
            *eq = '\0';
        q[n].name = p;
        q[n].value = eq ? eq + 1 : "";
        n++;
        if (!amp)
            break;
        p = amp + 1;
    }
    const char *m = methods[((flags >> 2) & 1) | ((flags >> 6) & 2)];
    struct gw_error e;
    enum gw_err rc = gw_api_xapi_doc_params_check(kinds[(flags >> 5) & 3], m, v, q, n, &e);
    if (rc != GW_OK && rc != GW_E_XAPI_DOCUMENT_PARAM && rc != GW_E_XAPI_AGENT_PARAM)
        abort(); /* every refusal of a parameter names it with its own code */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    F_AGENT,
    F_ACTIVITY,
    F_REGISTRATION,
    F_DOC_ID,
    F_SINCE,
    F_STORED,
    F_POSTED,
    F_IF_MATCH,
    F_IF_NONE_MATCH,
    F_CONTENT_TYPE,
    F_QUERY,
    NFIELDS
};
#define SEP "\n--\n"

static void agent(const char *text, enum gw_xapi_version v, bool allow_group)
{
    json_t *a = NULL;
    char key[1024], again[1024];
    struct gw_error e;
    if (gw_xapi_agent_param(text, v, allow_group, &a, key, sizeof key, &e) != GW_OK) {
        if (a)
            abort(); /* refused, yet an agent came back */
        return;
    }
    if (!a || !key[0] || strlen(key) >= sizeof key)
        abort();
    /* the same agent, written again, is the same agent (same documents) */
    char *dumped = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
    if (!dumped ||
        gw_xapi_agent_param(dumped, v, allow_group, NULL, again, sizeof again, &e) != GW_OK ||
        strcmp(key, again) != 0)
        abort();
    free(dumped);
    json_t *person = gw_xapi_person(a);
    if (!json_is_object(person))
        abort();
    json_decref(person);
    json_decref(a);
}

static json_t *object_of(const char *s, size_t n)
{
    json_t *j = json_loadb(s, n, 0, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static void merge(const char *stored, size_t sn, const char *posted, size_t pn)
{
    char *out = NULL;
    size_t out_len = 0;
    struct gw_error e;
    enum gw_err rc = gw_xapi_doc_merge(stored, sn, posted, pn, &out, &out_len, &e);
    json_t *old = object_of(stored, sn), *add = object_of(posted, pn);
    if ((rc == GW_OK) != (old && add) || gw_xapi_is_json_object(posted, pn) != (add != NULL))
        abort();
    if (rc == GW_OK) {
        json_t *m = object_of(out, out_len);
        if (!m || out_len != strlen(out))
            abort();
        const char *k;
        json_t *v;
        json_object_foreach(add, k, v)
        {
            if (!json_equal(json_object_get(m, k), v))
                abort(); /* a posted member lost */
        }
        json_object_foreach(old, k, v)
        {
            if (!json_object_get(add, k) && !json_equal(json_object_get(m, k), v))
                abort(); /* a stored member not posted lost */
        }
        if (json_object_size(m) > json_object_size(old) + json_object_size(add))
            abort();
        json_decref(m);
    } else if (out) {
        abort();
    }
    free(out);
    json_decref(old);
    json_decref(add);
}

static void since(const char *s)
{
    int64_t ms, again;
    char text[32];
    if (!gw_time_parse_iso(s, true, &ms))
        return;
    if (ms < 0 || ms > 253402300799999LL) /* formatted back only for years 1970 to 9999 */
        return;
    gw_time_format_ms(ms, text);
    if (!gw_time_parse_iso(text, true, &again) || again != ms)
        abort();
}

static void preconditions(const char *const *f, const size_t *len, unsigned flags)
{
    char etag[GW_SHA1_HEX];
    gw_sha1_hex(f[F_STORED], len[F_STORED], etag);
    const char *stored = (flags & 16) ? etag : NULL;
    const char *im = len[F_IF_MATCH] ? f[F_IF_MATCH] : NULL;
    const char *inm = len[F_IF_NONE_MATCH] ? f[F_IF_NONE_MATCH] : NULL;
    struct gw_error e;
    enum gw_err rc = gw_xapi_doc_precondition(im, inm, stored, flags & 4, flags & 8, &e);
    if (rc != GW_OK && rc != GW_E_XAPI_DOCUMENT_PRECONDITION && rc != GW_E_XAPI_DOCUMENT_CONFLICT)
        abort();
    /* a document's own ETag, quoted, always matches it */
    char quoted[GW_SHA1_HEX + 2] = "\"";
    strcat(quoted, etag);
    strcat(quoted, "\"");
    if (!gw_xapi_etag_list_matches(quoted, etag) || !gw_xapi_etag_list_matches("*", etag) ||
        gw_xapi_etag_list_matches(im, NULL))
        abort();
    const char *ct = f[F_CONTENT_TYPE];
    gw_xapi_is_json_type(ct);
    if (gw_xapi_media_type_inline(ct) && !gw_xapi_media_type_valid(ct))
        abort(); /* an invalid type is never shown inline */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    unsigned flags = data[0];
    char *in = malloc(size);
    if (!in)
        return 0;
    memcpy(in, data + 1, size - 1);
    in[size - 1] = '\0';
    const char *f[NFIELDS];
    size_t len[NFIELDS];
    char *p = in, *end = in + size - 1;
    for (int i = 0; i < NFIELDS; i++) {
        char *sep = p ? memmem(p, (size_t)(end - p), SEP, strlen(SEP)) : NULL;
        f[i] = p ? p : "";
        len[i] = p ? (size_t)((sep ? sep : end) - p) : 0;
        if (sep)
            *sep = '\0';
        p = sep ? sep + strlen(SEP) : NULL;
    }
    enum gw_xapi_version v = (flags & 1) ? GW_XAPI_V2_0 : GW_XAPI_V1_0;
    agent(f[F_AGENT], v, flags & 2);
    gw_is_absolute_iri(f[F_ACTIVITY]);
    gw_is_uuid(f[F_REGISTRATION]);
    gw_utf8_valid(f[F_DOC_ID], len[F_DOC_ID]);
    since(f[F_SINCE]);
    merge(f[F_STORED], len[F_STORED], f[F_POSTED], len[F_POSTED]);
    preconditions(f, len, flags);
    params((char *)f[F_QUERY], flags, v);
    free(in);
    return 0;
}
