/* The notifier `lmsgw serve` gives the review scheduler: mail over SMTP
 * (smtp_* configuration) and chat webhooks, through outbound/. */
#ifndef GW_NOTIFIER_H
#define GW_NOTIFIER_H

#include "gw/config.h"
#include "gw/scheduler.h"

struct gw_outbound_notifier;

/* NULL with err set when the smtp_* settings are not valid. */
struct gw_outbound_notifier *gw_notifier_new(const struct gw_config *cfg, struct gw_error *err);
const struct gw_notifier *gw_notifier_get(const struct gw_outbound_notifier *o);
void gw_notifier_free(struct gw_outbound_notifier *o);

#endif
