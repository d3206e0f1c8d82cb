/* department.h: a department's settings (departments.settings, a JSON
 * object), parsed and checked in one place for everyone who reads them: the
 * review schedule (reminders, escalation, holidays), the chargeback terms
 * (kpi.h) and the chat webhooks notices go to.
 *
 *   {"remind_before": bool, "remind_on_due": bool, "overdue_every_days": 0..60,
 *    "escalate_after_days": 0..365, "send_minute_utc": 0..1439,
 *    "holidays": ["YYYY-MM-DD", ...], "charge": bool,
 *    "rates": {"hourly": 0..1e6, "per_learner": 0..1e6, "currency": "EUR"},
 *    "slack_webhook": "https://...", "teams_webhook": "https://...",
 *    "announcement": {"subject": "...", "body": "..."},
 *    "schedule_shows_approvers": bool}
 *
 * announcement: the launch announcement's template (gw/announce.h lists the
 * placeholders); an unknown placeholder is refused with its member's where.
 * schedule_shows_approvers: whether the public delivery schedule
 * (gw/schedule.h) names the approvers of each delivery (default false).
 *
 * Pure: no I/O, no clock. The webhook URLs' destination policy depends on
 * the configuration and is checked by the caller (outbound/webhook.h). */
#ifndef GW_DEPARTMENT_H
#define GW_DEPARTMENT_H

#include "gw/error.h"
#include "gw/kpi.h"
#include "gw/review.h"

#include <jansson.h>
#include <stdbool.h>

struct gw_dept_settings {
    /* schedule.holidays points into holidays (owned, midnight UTC ms) */
    struct gw_review_schedule_settings schedule;
    int64_t *holidays;
    bool has_escalate_after_days; /* set, rather than the default */
    struct gw_kpi_rates rates;
    const char *slack_webhook, *teams_webhook; /* owned; NULL when not set */
    /* the announcement's template; owned; NULL: the built-in one */
    const char *announce_subject, *announce_body;
    bool schedule_shows_approvers; /* the public schedule names approvers */
};

/* Checks settings as a client sends them (a closed object: unknown members
 * refused; errors name the member under "/settings"); on GW_OK fills out
 * when out is not NULL (free it with gw_dept_settings_free). */
enum gw_err gw_dept_settings_check(json_t *set, struct gw_dept_settings *out, struct gw_error *err);

/* Reads stored settings text (NULL, not JSON or not an object: all
 * defaults). Each member is read by the same rule as the check; one that
 * does not pass (stored before a rule existed) keeps its default. Free with
 * gw_dept_settings_free. */
void gw_dept_settings_read(const char *text, struct gw_dept_settings *out);

void gw_dept_settings_free(struct gw_dept_settings *s);

#endif
