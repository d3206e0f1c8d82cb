/* announce.h: the launch announcement of a course that went live on the LMS
 * (issue 15): who the request's communication plan says to tell (its
 * business case's "announce" member), the department's template, and the
 * words (subject, body, chat payloads) from a template and the course's
 * facts. Pure: no I/O, no clock. Queued by app/publish_jobs.c in the
 * transaction that records the publish; delivered by app/scheduler.c.
 *
 * Template placeholders: {title} {purpose} {audience} {link} {deadline}
 * {mandatory} {version_note} {department}. "{{" and "}}" are literal braces. */
#ifndef GW_ANNOUNCE_H
#define GW_ANNOUNCE_H

#include "gw/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_ANNOUNCE_MAX_RECIPIENTS 50
#define GW_ANNOUNCE_SUBJECT_MAX 300 /* template bytes */
#define GW_ANNOUNCE_BODY_MAX 8000

/* The plan: business_case.announce = {"recipients": ["a@b.example", ...],
 * "chat": bool}. recipients point into the JSON the plan was read from. */
struct gw_announce_plan {
    const char *recipients[GW_ANNOUNCE_MAX_RECIPIENTS];
    size_t n_recipients;
    bool chat;
};

/* Checks business_case.announce as a client sends it (closed object;
 * recipients are e-mail addresses, at most GW_ANNOUNCE_MAX_RECIPIENTS);
 * errors name the member under where (e.g. "/business_case/announce"). */
enum gw_err gw_announce_plan_check(json_t *announce, const char *where, struct gw_error *err);

/* Reads the plan from a stored business case (NULL or without "announce":
 * nobody, no chat). Entries that are not addresses are skipped. Points into
 * bc, which must outlive out. */
void gw_announce_plan_read(json_t *bc, struct gw_announce_plan *out);

/* The notice key of one announcement message (gw_review_notice_key under the
 * round that approved the version): recipient index i, or i < 0 for the
 * department's chat post. Unique per version and message, so a version is
 * announced once to each. */
void gw_announce_notice_key(char out[256], const char *round_id, const char *version_id, int i);

/* Why no mail goes out for a plan, or NULL when it names recipients (the
 * pipeline shows it). */
const char *gw_announce_no_mail_reason(const struct gw_announce_plan *p);

/* Checks a template string: every placeholder is one of the known names and
 * braces are balanced. where names it in the error. */
enum gw_err gw_announce_template_check(const char *tmpl, const char *where, struct gw_error *err);

/* The built-in template (a department's "announcement" replaces either). */
extern const char gw_announce_default_subject[];
extern const char gw_announce_default_body[];

/* What the words are made from. NULL strings read as empty; deadline_ms 0 is
 * "no deadline". updated: an earlier version of the course was published. */
struct gw_announce_facts {
    const char *title, *purpose, *audience, *link, *department;
    int64_t deadline_ms;
    bool mandatory, updated;
    int64_t version_number;
};

/* Fills tmpl's placeholders from facts (malloc'ed; the caller frees). An
 * unknown placeholder is left as written (the check refuses it anyway). */
char *gw_announce_fill(const char *tmpl, const struct gw_announce_facts *f);

struct gw_announce_words {
    char *subject; /* one line: CR and LF become spaces */
    char *body;
};

/* The subject and body from a template (NULL subject or body: the built-in
 * one) and the facts. Free with gw_announce_words_free. */
void gw_announce_render(const char *subject_tmpl, const char *body_tmpl,
                        const struct gw_announce_facts *f, struct gw_announce_words *out);
void gw_announce_words_free(struct gw_announce_words *w);

/* Chat payloads of rendered words: Slack (mrkdwn text) and Teams (an
 * Adaptive Card message). The caller owns the reference. */
json_t *gw_announce_slack(const struct gw_announce_words *w);
json_t *gw_announce_teams(const struct gw_announce_words *w);

#endif
