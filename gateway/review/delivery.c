/* delivery.c: the public delivery schedule's words (gw/schedule.h): which
 * section a delivery belongs in, its state as people say it, and who may
 * share the department's schedule. Pure: no clock, no SQL, no HTML. */
#include "gw/schedule.h"

#include "gw/review.h"

#include <string.h>

#define DAY_MS (24LL * 3600 * 1000)

enum gw_schedule_section gw_schedule_section_of(const char *state, int64_t since_ms, int64_t now_ms)
{
    if (!state)
        return GW_SCHEDULE_HIDDEN;
    if (strcmp(state, "published") == 0 || strcmp(state, "retired") == 0)
        return now_ms - since_ms <= GW_SCHEDULE_RECENT_DAYS * DAY_MS ? GW_SCHEDULE_RECENT
                                                                     : GW_SCHEDULE_HIDDEN;
    return GW_SCHEDULE_UPCOMING;
}

const char *gw_schedule_state_words(const char *state)
{
    static const char *const words[][2] = {
        {"requested", "Requested"},
        {"draft", "In development"},
        {"validated", "In development"},
        {"changes_requested", "In development (changes asked for)"},
        {"in_review", "In review"},
        {"approved", "Approved, to be published"},
        {"publishing", "Being published"},
        {"publish_failed", "Being published (delayed)"},
        {"published", "Live"},
        {"retired", "Retired"},
    };
    for (size_t i = 0; state && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(state, words[i][0]) == 0)
            return words[i][1];
    return "In progress";
}

bool gw_schedule_may_share(bool admin, const char *person_id, const char *head_person_id)
{
    if (admin)
        return true;
    return person_id && *person_id && head_person_id && strcmp(person_id, head_person_id) == 0;
}
