/* fuzz_alternate_syntax: libFuzzer target for the xAPI 1.0.3 alternate
 * request syntax (http/altsyntax.c): POST ?method=X with a form body. The
 * input is the real Content-Type header (up to the first newline; "-" for
 * none) and then the form body. What the parser accepts must hold: header
 * fields in lower case with no control byte in their values (they become
 * reply headers), parameters that are UTF-8 text, and a body no longer than
 * the form. Must never crash, leak or trip a sanitizer. */
#include "gw/altsyntax.h"
#include "gw/json.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct gw_altsyntax *a, size_t body_len)
{
    const char *k;
    json_t *v;
    json_object_foreach(a->headers, k, v)
    {
        for (const char *p = k; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                abort();
        for (const unsigned char *p = (const unsigned char *)json_string_value(v); *p; p++)
            if ((*p < 0x20 && *p != '\t') || *p >= 0x7f)
                abort(); /* CR/LF would split a reply header */
    }
    json_object_foreach(a->query, k, v)
    {
        if (!gw_utf8_valid_str(k) || !gw_utf8_valid_str(json_string_value(v)))
            abort();
    }
    if (a->content.len > body_len)
        abort();
    const char *ver = json_string_value(json_object_get(a->headers, "x-experience-api-version"));
    struct gw_error e;
    gw_altsyntax_check_version(ver, "PUT", &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    if (!nl)
        return 0;
    size_t ct_len = (size_t)(nl - in);
    char *ct = malloc(ct_len + 1);
    if (!ct)
        return 0;
    memcpy(ct, in, ct_len);
    ct[ct_len] = '\0';
    /* the body as the router holds it: a NUL-terminated copy */
    size_t blen = size - ct_len - 1;
    char *body = malloc(blen + 1);
    if (body) {
        memcpy(body, nl + 1, blen);
        body[blen] = '\0';
        struct gw_altsyntax a = {0};
        struct gw_error e;
        bool no_ct = strcmp(ct, "-") == 0;
        if (gw_altsyntax_parse(no_ct ? NULL : ct, body, blen, &a, &e) == GW_OK)
            check(&a, blen);
        gw_altsyntax_free(&a);
    }
    free(body);
    free(ct);
    return 0;
}
