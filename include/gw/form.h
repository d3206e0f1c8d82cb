/* application/x-www-form-urlencoded bodies and query strings: decoding into
 * a JSON object of strings. Used by the xAPI alternate request syntax. */
#ifndef GW_FORM_H
#define GW_FORM_H

#include "gw/error.h"

#include <jansson.h>
#include <stddef.h>

/* Decodes "a=1&b=x+y%21" into {"a":"1","b":"x y!"}. A repeated name, bad
 * percent-encoding or invalid UTF-8 is GW_E_BAD_REQUEST naming the field.
 * Returns a new object or NULL. */
json_t *gw_form_parse(const char *text, size_t len, struct gw_error *err);

#endif
