/* lms_generic.c: a connector for LMSs with a plain REST API, configured
 * entirely by URL templates and JSON Pointers (see schemas/lms-target.schema.json). */
#include "gw/outbound.h"

static enum gw_err gen_configure(struct gw_lms_target *t, const json_t *cfg, struct gw_error *err)
{
    return gw_error_set(err, GW_E_LMS_TARGET_INVALID, "/type", "generic targets are not done yet.");
}

static enum gw_err gen_publish(const struct gw_lms_target *t, const struct gw_lms_course *c,
                               const struct gw_lms_env *env, struct gw_lms_result *out,
                               struct gw_error *err)
{
    return GW_E_INTERNAL;
}

static enum gw_err gen_retire(const struct gw_lms_target *t, const char *course_id,
                              const struct gw_lms_env *env, struct gw_lms_result *out,
                              struct gw_error *err)
{
    return GW_E_INTERNAL;
}

const struct gw_lms_ops gw_lms_generic_ops = {
    .type = "generic",
    .configure = gen_configure,
    .publish = gen_publish,
    .retire = gen_retire,
    .free_priv = NULL,
};
