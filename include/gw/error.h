/* Errors as values: one code from the registry (gw/errors.def), the place the
 * error concerns (a JSON Pointer, a query parameter, "file:line") and one
 * sentence of detail. Functions return the code and fill an optional
 * struct gw_error. This header owns the enum, the lookup and the JSON shape of
 * an error body; it does not own HTTP replies (http/reply.c does). */
#ifndef GW_ERROR_H
#define GW_ERROR_H

#include <jansson.h>
#include <stdarg.h>

enum gw_err {
    GW_OK = 0,
#define GW_ERROR(name, num, http, hint) GW_E_##name = num,
#include "gw/errors.def"
#undef GW_ERROR
};

struct gw_error {
    enum gw_err code;
    char where[256];
    char detail[512];
};

struct gw_err_info {
    enum gw_err code;
    const char *name; /* "JSON_FIELD_MISSING" */
    unsigned http_status;
    const char *hint;
};

/* Fills *e (when e is not NULL) and returns code. where may be NULL. */
enum gw_err gw_error_set(struct gw_error *e, enum gw_err code, const char *where, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));
enum gw_err gw_error_setv(struct gw_error *e, enum gw_err code, const char *where, const char *fmt,
                          va_list ap) __attribute__((format(printf, 4, 0)));
/* Resets *e to GW_OK with empty strings. */
void gw_error_clear(struct gw_error *e);

/* The registry entry for code, or the INTERNAL entry for an unknown code. */
const struct gw_err_info *gw_err_lookup(enum gw_err code);
/* All registry entries, in file order; *count receives their number. */
const struct gw_err_info *gw_err_all(size_t *count);

/* The error body every route answers with: {"code","name","hint","detail","where"}.
 * Returns a new reference. */
json_t *gw_error_to_json(const struct gw_error *e);
/* The registry as JSON (schemas/error-codes.json). Returns a new reference. */
json_t *gw_errors_registry_json(void);

#endif
