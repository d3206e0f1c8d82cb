/* review_words: what the review page says in words, as pure functions (no
 * clock, no SQL, no HTML): dates as people read them, days left or overdue,
 * the round's policy as a sentence, when approve-on-silence would approve a
 * round, and decisions as verbs. Times are UTC milliseconds since the epoch;
 * due dates are midnight UTC at their start (see gw/review.h). */
#ifndef GW_REVIEW_WORDS_H
#define GW_REVIEW_WORDS_H

#include "gw/review.h"

#include <stddef.h>
#include <stdint.h>

#define GW_REVIEW_DATE_WORDS 40 /* "Wednesday 30 September 2026" with its NUL, and more */

/* "Tuesday 12 March 2027": the UTC day ms falls on. */
void gw_review_date_words(int64_t ms, char out[GW_REVIEW_DATE_WORDS]);
/* Whole days from now_ms's day to due_ms's day: > 0 days left, 0 due today,
 * < 0 overdue by that many days. */
int64_t gw_review_days_until(int64_t due_ms, int64_t now_ms);
/* "3 days left", "1 day left", "due today", "1 day overdue", "4 days
 * overdue"; "" when due_ms is 0 (no due date). Truncated to cap. */
void gw_review_due_words(int64_t due_ms, int64_t now_ms, char *out, size_t cap);
/* When the round would approve itself by silence if nobody decides from now
 * on: the first moment (a midnight after a due date) at which
 * gw_review_round_evaluate says APPROVED. 0 when it never would: the policy
 * does not approve on silence, someone requested changes or rejected, an
 * undecided approver has no due date, or the round is closed. */
int64_t gw_review_silence_approval_ms(const struct gw_review_round *r, int64_t now_ms);
/* The round's policy as a sentence: "All approvers must approve." or "2 of 3
 * approvers must approve.", followed for approve-on-silence by " Approves
 * itself on Tuesday 12 March 2027 unless someone objects." (or, when no date
 * follows from the due dates, " Approvers who do not answer by their due
 * date count as approving."). Truncated to cap. */
void gw_review_policy_words(const struct gw_review_round *r, int64_t now_ms, char *out, size_t cap);
/* "Approved", "Requested changes", "Rejected", "Not decided yet". Static. */
const char *gw_review_decision_words(enum gw_review_decision_kind k);

#endif
