/* status.c: what a course's publish status means (GET
 * /api/v1/courses/{id}/publish): what the course waits for, in words with its
 * own routes, and which job's message is the course's last error. Pure: the
 * facts come from the store (gw_store_publish_status), the JSON is the API's
 * (gw_publish_status_json). Owns no SQL, no HTTP, no clock. */
#include "gw/publish.h"

#include <stdio.h>

void gw_publish_status_waiting(const struct gw_publish_status *st, char *out, size_t cap)
{
    struct gw_course_wait w = st->wait;
    w.policy = st->has_policy ? &st->policy : NULL;
    gw_course_waiting_words(&w, out, cap);
    if (st->course_id)
        gw_course_name_paths(out, cap, st->course_id);
}

const char *gw_publish_status_last_error(const struct gw_publish_status *st)
{
    return st->n_jobs ? st->jobs[st->n_jobs - 1].last_error : NULL;
}
