/* fuzz_config: libFuzzer target for the configuration reader
 * (util/config.c). The input is a config file's JSON text, then after a
 * line "\n--env--\n" up to 8 environment entries (NAME=value, one a line),
 * given to gw_config_load_text as its envp: the process environment is never
 * read or changed. A configuration that loads must show no secret in its
 * --show JSON; every value is also run through the URL redaction. Must never
 * crash, leak or trip a sanitizer. */
#include "gw/config.h"
#include "gw/json.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENV 8
#define SEP "\n--env--\n"

static void check_loaded(const struct gw_config *cfg)
{
    json_t *shown = gw_config_to_json(cfg);
    const char *pw = json_string_value(json_object_get(shown, "smtp_password"));
    if (!pw || (strcmp(pw, "") != 0 && strcmp(pw, "(set)") != 0))
        abort(); /* a secret reached config --show */
    char *text = json_dumps(shown, JSON_COMPACT);
    if (!text)
        abort(); /* every value is UTF-8, so the whole shows */
    free(text);
    json_decref(shown);
    char out[256];
    gw_config_redact_url(cfg->database, out, sizeof out);
    gw_config_redact_url(cfg->smtp_url, out, sizeof out);
    gw_config_redact_url(cfg->public_url, out, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *in = malloc(size + 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    char *sep = memmem(in, size, SEP, strlen(SEP));
    size_t file_len = sep ? (size_t)(sep - in) : size;
    char *env[MAX_ENV + 1];
    size_t n = 0;
    if (sep) {
        *sep = '\0';
        char *p = sep + strlen(SEP);
        while (*p && n < MAX_ENV) {
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = '\0';
            env[n++] = p; /* a NUL inside the input ends the entry there */
            if (!nl)
                break;
            p = nl + 1;
        }
    }
    env[n] = NULL;
    struct gw_config cfg;
    struct gw_error err;
    if (gw_config_load_text(&cfg, in, file_len, "fuzz.json", env, &err) == GW_OK) {
        check_loaded(&cfg);
        gw_config_free(&cfg);
    }
    free(in);
    return 0;
}
