/* words.c: what the review page says in words (gw/review_words.h): dates as
 * people read them, days left or overdue, the policy as a sentence, when a
 * round approves itself by silence, decisions as verbs. Pure: the time is
 * passed in. Does not own HTML (api/review_link.c) nor notices' words
 * (notice.c). */
#include "gw/buf.h"
#include "gw/review_words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t day_of(int64_t ms)
{
    return ms / GW_REVIEW_DAY_MS - (ms % GW_REVIEW_DAY_MS < 0);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's
 * civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void gw_review_date_words(int64_t ms, char out[GW_REVIEW_DATE_WORDS])
{
    static const char *const wd[] = {"Thursday", "Friday",  "Saturday", "Sunday",
                                     "Monday",   "Tuesday", "Wednesday"};
    static const char *const mon[] = {"January",   "February", "March",    "April",
                                      "May",       "June",     "July",     "August",
                                      "September", "October",  "November", "December"};
    int64_t day = day_of(ms), y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(out, GW_REVIEW_DATE_WORDS, "%s %u %s %lld", wd[(day % 7 + 7) % 7], d, mon[m - 1],
             (long long)y);
}

int64_t gw_review_days_until(int64_t due_ms, int64_t now_ms)
{
    return day_of(due_ms) - day_of(now_ms);
}

void gw_review_due_words(int64_t due_ms, int64_t now_ms, char *out, size_t cap)
{
    if (cap == 0)
        return;
    if (due_ms == 0) {
        out[0] = '\0';
        return;
    }
    int64_t n = gw_review_days_until(due_ms, now_ms);
    if (n == 0)
        snprintf(out, cap, "due today");
    else if (n > 0)
        snprintf(out, cap, "%lld day%s left", (long long)n, n == 1 ? "" : "s");
    else
        snprintf(out, cap, "%lld day%s overdue", (long long)-n, n == -1 ? "" : "s");
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t gw_review_silence_approval_ms(const struct gw_review_round *r, int64_t now_ms)
{
    if (r->closed || !r->policy.approve_on_silence)
        return 0;
    /* Silence counts from the midnight after each undecided approver's due
     * date; the round approves at the first of those moments at which the
     * evaluation says so. */
    int64_t at[GW_REVIEW_MAX_APPROVERS];
    size_t n = 0;
    for (size_t i = 0; i < r->n_approvers; i++) {
        const struct gw_review_approver *a = &r->approvers[i];
        if (a->decision.kind == GW_REVIEW_PENDING && a->due_ms > 0)
            at[n++] = a->due_ms + GW_REVIEW_DAY_MS;
    }
    gw_sort(at, n, sizeof at[0], cmp_i64);
    for (size_t i = 0; i < n; i++) {
        int64_t t = at[i] > now_ms ? at[i] : now_ms;
        struct gw_review_outcome o;
        gw_review_round_evaluate(r, t, &o);
        if (o.state == GW_REVIEW_APPROVED)
            return t;
        if (o.state == GW_REVIEW_CHANGES_REQUESTED)
            return 0;
    }
    return 0;
}

void gw_review_policy_words(const struct gw_review_round *r, int64_t now_ms, char *out, size_t cap)
{
    if (cap == 0)
        return;
    size_t m = r->n_approvers;
    int len;
    if (r->policy.kind == GW_REVIEW_POLICY_N_OF_M)
        len = snprintf(out, cap, "%u of %zu approver%s must approve.", r->policy.required, m,
                       m == 1 ? "" : "s");
    else if (m == 1)
        len = snprintf(out, cap, "The approver must approve.");
    else
        len = snprintf(out, cap, "All approvers must approve.");
    if (len < 0 || (size_t)len >= cap || !r->policy.approve_on_silence)
        return;
    int64_t at = gw_review_silence_approval_ms(r, now_ms);
    if (at > 0) {
        char day[GW_REVIEW_DATE_WORDS];
        gw_review_date_words(at, day);
        snprintf(out + len, cap - (size_t)len, " Approves itself on %s unless someone objects.",
                 day);
    } else {
        snprintf(out + len, cap - (size_t)len,
                 " Approvers who do not answer by their due date count as approving.");
    }
}

const char *gw_review_decision_words(enum gw_review_decision_kind k)
{
    switch (k) {
    case GW_REVIEW_APPROVE:
        return "Approved";
    case GW_REVIEW_REQUEST_CHANGES:
        return "Requested changes";
    case GW_REVIEW_REJECT:
        return "Rejected";
    default:
        return "Not decided yet";
    }
}
