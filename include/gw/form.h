/* Percent-encoding: decoding URL path segments, and
 * application/x-www-form-urlencoded bodies into a JSON object of strings (the
 * xAPI alternate request syntax). */
#ifndef GW_FORM_H
#define GW_FORM_H

#include "gw/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Decodes s[0..n) into a new heap string. form: '+' means a space. Returns
 * NULL on a malformed escape (not two hex digits) or an encoded NUL. */
char *gw_percent_decode(const char *s, size_t n, bool form);

/* Decodes "a=1&b=x+y%21" into {"a":"1","b":"x y!"}. A repeated name or bad
 * percent-encoding is GW_E_BAD_REQUEST naming the field; a name or value that
 * is not UTF-8 is GW_E_PARAM_INVALID naming the field (control characters
 * are the reader's to refuse: a comment may have lines).
 * Returns a new object or NULL. */
json_t *gw_form_parse(const char *text, size_t len, struct gw_error *err);

#endif
