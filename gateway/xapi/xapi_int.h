/* Internal to gateway/xapi/: the validator's shared context and the checks
 * that several validator files use (property tables, IRIs, language maps,
 * actors). Not part of the public interface (see gw/xapi.h). */
#ifndef GW_XAPI_INT_H
#define GW_XAPI_INT_H

#include "gw/xapi.h"

#define XV_PTR 256

struct xv_ctx {
    enum gw_xapi_version v;
    struct gw_error *err;
};

/* ---- generic member checks (check.c) ---- */
enum gw_err gw_xapi_v_fail(struct xv_ctx *c, enum gw_err code, const char *ptr, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
/* obj must be an object whose keys are all in allowed (NULL-terminated) and
 * whose values are not null. */
enum gw_err gw_xapi_v_object(struct xv_ctx *c, const json_t *obj, const char *ptr,
                             const char *const *allowed);
/* Optional (required=false) or required string member key of obj; *out gets
 * the value or NULL when absent. */
enum gw_err gw_xapi_v_string(struct xv_ctx *c, const json_t *obj, const char *key, const char *base,
                             bool required, const char **out);
enum gw_err gw_xapi_v_iri(struct xv_ctx *c, const json_t *obj, const char *key, const char *base,
                          bool required);
enum gw_err gw_xapi_v_uuid(struct xv_ctx *c, const json_t *obj, const char *key, const char *base,
                           bool required);
enum gw_err gw_xapi_v_langmap(struct xv_ctx *c, const json_t *map, const char *ptr);
enum gw_err gw_xapi_v_extensions(struct xv_ctx *c, const json_t *ext, const char *ptr);
/* ---- agents and groups (agent.c) ---- */
/* Agent or Group (by objectType). */
enum gw_err gw_xapi_v_actor(struct xv_ctx *c, const json_t *a, const char *ptr);
enum gw_err gw_xapi_v_agent(struct xv_ctx *c, const json_t *a, const char *ptr);
enum gw_err gw_xapi_v_group(struct xv_ctx *c, const json_t *g, const char *ptr);

/* Helpers for the other files. */
extern const char *const gw_xapi_ifi_keys[]; /* mbox, mbox_sha1sum, openid, account */
const char *gw_xapi_str(const json_t *obj, const char *key); /* NULL unless a string */
/* The mailto IRI with scheme lowercased and the domain lowercased into out. */
void gw_xapi_mbox_canonical(const char *mbox, char *out, size_t cap);

#endif
