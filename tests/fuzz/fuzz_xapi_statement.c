/* fuzz_xapi_statement: libFuzzer target for the xAPI statement path. The
 * input is a POST body: parsed as JSON, validated as a batch under both
 * versions, and each valid statement normalised, compared with its original,
 * formatted three ways and run through every extractor; attachment types
 * go through the header media-type check and definitions through the merge
 * of the Activities resource. Must never crash, leak or trip a sanitizer. */
#include "gw/xapi.h"
#include "gw/xapi_prepare.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(json_t *st)
{
    static const char *const langs[] = {"de-CH", "en", NULL};
    struct gw_xapi_activity_ref refs[8];
    char key[256], sig[65];
    json_t *orig = json_deep_copy(st);
    json_t *auth = json_pack("{s:s,s:s}", "objectType", "Agent", "mbox", "mailto:lrs@example.org");
    struct gw_xapi_norm norm;
    gw_xapi_activity_ids(st, refs, 8);
    gw_xapi_learner_key(st, key, sizeof key);
    gw_xapi_voided_target(st);
    gw_xapi_dedup_signature(st, sig);
    const char *hashes[4];
    gw_xapi_attachment_hashes(st, true, hashes, 4);
    /* a media type accepted for a header holds no control byte */
    size_t ai;
    json_t *att;
    json_array_foreach(json_object_get(st, "attachments"), ai, att)
    {
        const char *ct = json_string_value(json_object_get(att, "contentType"));
        if (ct && gw_xapi_media_type_valid(ct)) {
            for (const unsigned char *c = (const unsigned char *)ct; *c; c++) {
                if (*c < 0x20 || *c >= 0x7f)
                    __builtin_trap();
            }
        }
        gw_xapi_media_type_inline(ct);
    }
    if (gw_xapi_normalize(st, NULL, 1700000000000LL, auth, GW_XAPI_V1_0, &norm, NULL) == GW_OK) {
        if (!gw_xapi_statements_equivalent(orig, st))
            __builtin_trap(); /* normalising must not change what the statement says */
    }
    for (int f = GW_XAPI_FORMAT_EXACT; f <= GW_XAPI_FORMAT_CANONICAL; f++)
        json_decref(gw_xapi_format(st, (enum gw_xapi_format)f, langs));
    json_decref(auth);
    json_decref(orig);
}

/* What the statements handler does with the body (api/xapi_prepare.c): every
 * prepared item's stored text and definition are JSON, and its reply lists
 * an id per item. */
static void prepare(const json_t *body)
{
    json_t *copy = json_deep_copy(body);
    json_t *auth = json_pack("{s:s,s:s}", "objectType", "Agent", "mbox", "mailto:lrs@example.org");
    struct gw_xapi_prepare p = {.v = GW_XAPI_V1_0, .authority = auth, .now_ms = 1700000000000LL};
    struct gw_xapi_insert ins = {.authority_key = "k", .dedup_window_ms = 60000};
    struct gw_error err = {0};
    if (gw_xapi_prepare_statements(copy, &p, &ins, &err) == GW_OK) {
        const char *prev_def = NULL;
        for (size_t i = 0; i < ins.n; i++) {
            /* each definition merged into the one before (the Activities
             * resource): a merge that changes anything is a JSON object */
            const char *def = ins.items[i].definition;
            char *merged = def ? gw_xapi_definition_merge(prev_def, def) : NULL;
            json_t *m = merged ? json_loads(merged, 0, NULL) : NULL;
            if (merged && !json_is_object(m))
                __builtin_trap();
            json_decref(m);
            free(merged);
            prev_def = def ? def : prev_def;
            json_t *b = json_loads(ins.items[i].body, 0, NULL);
            json_t *d = ins.items[i].definition ? json_loads(ins.items[i].definition, 0, NULL)
                                                : json_object();
            if (!b || !d)
                __builtin_trap();
            json_decref(b);
            json_decref(d);
            memcpy(ins.items[i].final_id, ins.items[i].id, sizeof ins.items[i].id);
        }
        struct gw_buf reply = {0};
        gw_xapi_prepare_reply_ids(&ins, &reply);
        json_t *ids = json_loads(gw_buf_str(&reply), 0, NULL);
        if (!ids || json_array_size(ids) != ins.n)
            __builtin_trap();
        json_decref(ids);
        gw_buf_free(&reply);
    }
    gw_xapi_prepare_free(&ins);
    json_decref(auth);
    json_decref(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *body =
        json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!body)
        return 0;
    struct gw_error err = {0};
    bool ok1 = gw_xapi_validate_batch(body, GW_XAPI_V1_0, &err) == GW_OK;
    bool ok2 = gw_xapi_validate_batch(body, GW_XAPI_V2_0, &err) == GW_OK;
    if (ok1 && !ok2)
        __builtin_trap(); /* whatever 1.0.3 accepts, 2.0 accepts too */
    if (ok1)
        prepare(body);
    if (ok1 && json_is_object(body)) {
        exercise(body);
    } else if (ok1 && json_is_array(body)) {
        size_t i;
        json_t *st;
        json_array_foreach(body, i, st)
        {
            exercise(st);
        }
    }
    /* The query parser and version header on the raw bytes as a string. */
    char buf[256];
    size_t n = size < sizeof buf - 1 ? size : sizeof buf - 1;
    memcpy(buf, data, n);
    buf[n] = '\0';
    enum gw_xapi_version v;
    gw_xapi_version_parse(buf, &v, NULL);
    struct gw_xapi_qparam qp[2] = {{"agent", buf}, {"since", buf}};
    struct gw_xapi_query q;
    gw_xapi_query_parse(qp, 2, &q, NULL);
    json_decref(body);
    return 0;
}
