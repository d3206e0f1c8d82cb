/* fuzz_json_codec: differential libFuzzer target for the gateway's own JSON
 * reader and writer (util/json.c), which every request body goes through.
 * On any input, gw_json_load must accept exactly what jansson's json_loadb
 * (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY) accepts and give an equal
 * value; gw_json_load_fast, when it answers, must agree too; and
 * gw_json_dump must write byte for byte what json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) writes, for the parsed value and
 * for a value with every key re-inserted. A disagreement traps. */
#include "gw/json.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_dump(const json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    char *got = gw_json_dump(v);
    if (!want != !got || (want && strcmp(want, got) != 0))
        __builtin_trap();
    free(want);
    free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    json_error_t je;
    json_t *want = json_loadb(text, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    struct gw_error err;
    json_t *got = gw_json_load(text, size, &err);
    if (!want != !got || (want && !json_equal(want, got)))
        __builtin_trap();
    json_t *fast = gw_json_load_fast(text, size);
    if (fast && (!want || !json_equal(want, fast)))
        __builtin_trap();
    if (want) {
        same_dump(want);
        same_dump(got);
        /* the first key moved to the end: dumped in the new order */
        void *it = json_is_object(want) ? json_object_iter(want) : NULL;
        if (it) {
            json_t *copy = json_copy(want);
            json_t *v = json_incref(json_object_iter_value(it));
            const char *k = json_object_iter_key(it);
            json_object_del(copy, k);
            json_object_set_new(copy, k, v);
            same_dump(copy);
            json_decref(copy);
        }
    }
    json_decref(fast);
    json_decref(got);
    json_decref(want);
    return 0;
}
