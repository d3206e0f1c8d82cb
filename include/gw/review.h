/* review: the approval round's domain logic, as plain functions over structs.
 *
 * Owns: the course state machine (state.c), a round's policy, approvers,
 * delegation, decisions and evaluation, and the package file diff (round.c),
 * the reminder / escalation / approve-on-silence schedule and what recording
 * a due notice does (schedule.c), what delivering a claimed notice does
 * (sending.c), the signed one-click approval links (token.c), the text of notices for mail,
 * Slack and Teams (notice.c), and the audit record with its JSON/CSV lines and
 * hash chain (audit.c).
 *
 * Does not own: HTTP, SQL, sending anything (outbound/ sends, store/ persists,
 * api/ translates requests). Nothing here reads a clock or sleeps: every
 * time-dependent function takes "now" in milliseconds since the epoch (from
 * struct gw_clock, gw/clock.h), so results are deterministic.
 *
 * Times are UTC milliseconds since the epoch. A due date is a calendar date:
 * due_ms is midnight UTC at its start (what gw_time_parse_date gives; any time
 * of day is ignored), the approver has the whole day, and the due date has
 * passed at the next midnight. 0 means "no due date". */
#ifndef GW_REVIEW_H
#define GW_REVIEW_H

#include "gw/buf.h"
#include "gw/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_REVIEW_ID_MAX 64          /* ids (round, course, person): at most 63 bytes */
#define GW_REVIEW_MAX_APPROVERS 32   /* per round */
#define GW_REVIEW_NOTICE_KEY_MAX 256 /* a notice key with its NUL (gw_review_notice_key) */
#define GW_REVIEW_DAY_MS 86400000LL

/* ------------------------------------------------------------------------ */
/* state.c: the course state machine                                        */
/* ------------------------------------------------------------------------ */

/* draft -> validated -> in_review -> approved -> publishing -> published -> retired
 * in_review -> changes_requested -> draft; publishing -> publish_failed -> publishing.
 * A new package version moves draft, validated, in_review (closing the open
 * round: the caller closes it and opens a new one on submit) and
 * changes_requested back to draft. Once approved, the approved version is what
 * gets published: a new version is refused from approved, publishing,
 * publish_failed, published and retired (publish or retire first). */
enum gw_course_state {
    GW_COURSE_DRAFT,
    GW_COURSE_VALIDATED,
    GW_COURSE_IN_REVIEW,
    GW_COURSE_CHANGES_REQUESTED,
    GW_COURSE_APPROVED,
    GW_COURSE_PUBLISHING,
    GW_COURSE_PUBLISH_FAILED,
    GW_COURSE_PUBLISHED,
    GW_COURSE_RETIRED,
};
#define GW_COURSE_STATE_COUNT 9

enum gw_course_event {
    GW_COURSE_EV_NEW_VERSION,       /* a package version was uploaded */
    GW_COURSE_EV_VALIDATED,         /* the latest version passed validation without errors */
    GW_COURSE_EV_SUBMIT,            /* the author submits the validated version: opens a round */
    GW_COURSE_EV_APPROVE,           /* the round's policy is satisfied */
    GW_COURSE_EV_REQUEST_CHANGES,   /* the round ended in request_changes or reject */
    GW_COURSE_EV_REVISE,            /* the author takes the course back to draft */
    GW_COURSE_EV_PUBLISH_START,     /* an outbox worker claimed the publish job */
    GW_COURSE_EV_PUBLISH_SUCCEEDED, /* the LMS confirmed */
    GW_COURSE_EV_PUBLISH_FAILED,    /* the LMS refused, or retries ran out */
    GW_COURSE_EV_PUBLISH_RETRY,     /* an admin retries a failed publish */
    GW_COURSE_EV_RETIRE,            /* the course is taken off the LMS */
};
#define GW_COURSE_EVENT_COUNT 11

/* Computes the state that event ev leads to from state from. Returns GW_OK and
 * sets *to, or REVIEW_ILLEGAL_TRANSITION (*to untouched) with a detail naming
 * the current state, the event and the states the event is allowed from. */
enum gw_err gw_review_transition(enum gw_course_state from, enum gw_course_event ev,
                                 enum gw_course_state *to, struct gw_error *err);

/* What a publish or retire job's final failure does to a course in state
 * st: a publish job whose course is approved (the worker failed before it
 * started) goes through publishing to publish_failed, one in publishing goes
 * to publish_failed, anything else keeps its state (a retire failure, or a
 * course an admin moved meanwhile). Fills ev[0..*n) in order and names the
 * audit action ("publish.failed" or "retire.failed"). */
void gw_review_job_failed(bool publish, enum gw_course_state st, enum gw_course_event ev[2],
                          size_t *n, const char **audit_action);
/* What claiming a job does to a course in state st: a publish job's approved
 * course starts publishing; anything else keeps its state (a retry's course
 * is already publishing, a retire job waits until it succeeds). Fills
 * ev[0..*n). */
void gw_review_job_claimed(bool publish, enum gw_course_state st, enum gw_course_event ev[1],
                           size_t *n);
/* What a job's success does to a course in state st: a publish job's course
 * goes to published (through publishing when it is still approved), a retire
 * job's published course is retired, anything else keeps its state (a course
 * an admin moved meanwhile). Fills ev[0..*n) in order and names the audit
 * action ("publish.succeeded" or "retire.succeeded"). */
void gw_review_job_succeeded(bool publish, enum gw_course_state st, enum gw_course_event ev[2],
                             size_t *n, const char **audit_action);

/* API names ("draft", "in_review", ...; "new_version", "submit", ...). Static
 * strings; "unknown" for an out-of-range value. */
const char *gw_course_state_name(enum gw_course_state s);
const char *gw_course_event_name(enum gw_course_event ev);
/* Parses an API name; returns false when name is not one. */
bool gw_course_state_parse(const char *name, enum gw_course_state *out);
bool gw_course_event_parse(const char *name, enum gw_course_event *out);
/* Who holds a course in state s, for the pipeline view: "author", "approvers",
 * "gateway" (approved/publishing: the outbox), "lms_admin" (publish_failed)
 * or "nobody" (published, retired). */
const char *gw_course_state_holder(enum gw_course_state s);
/* What moves a course on from state s, as words for people ("add a version
 * first: POST ... /api/v1/courses/{id}/versions ..."); ends the detail of an
 * illegal transition. Static. */
const char *gw_course_state_next_step(enum gw_course_state s);

/* What a course waits for, from what the store knows of it. */
struct gw_course_wait {
    enum gw_course_state state;
    bool has_version;   /* the course has a current version */
    bool version_valid; /* ... and it passed validation */
    /* in_review: the open round */
    unsigned approvers, decided;
    const struct gw_review_policy *policy; /* may be NULL: all must approve */
    bool retire_pending;                   /* published: a retire job is queued or running */
};
/* What the course waits for, in words ("the review round: 1 of 3 approvers
 * decided (all must approve)", "a version to be submitted for review"), or ""
 * when it waits for nothing (published, retired). Routes are named with
 * "{id}" for the course. Truncated to cap. */
void gw_course_waiting_words(const struct gw_course_wait *w, char *out, size_t cap);
/* The words above name routes with "{id}": replaces each with course_id in
 * text (cap bytes), unless the id would need escaping in a path (then "{id}"
 * stays). */
void gw_course_name_paths(char *text, size_t cap, const char *course_id);

/* ------------------------------------------------------------------------ */
/* round.c: policy, approvers, delegation, decisions, evaluation, file diff  */
/* ------------------------------------------------------------------------ */

enum gw_review_policy_kind {
    GW_REVIEW_POLICY_ALL,    /* every approver must approve (the default) */
    GW_REVIEW_POLICY_N_OF_M, /* `required` approvals suffice */
};

struct gw_review_policy {
    enum gw_review_policy_kind kind;
    unsigned required; /* N for N_OF_M; ignored for ALL */
    /* Approve on silence: an approver with a due date who has not decided when
     * the due date has passed counts as approving. Only valid when the
     * requesting department agreed at intake: who agreed and when is recorded
     * here and must be set. */
    bool approve_on_silence;
    char silence_agreed_by[GW_REVIEW_ID_MAX];
    int64_t silence_agreed_ms;
};

enum gw_review_decision_kind {
    GW_REVIEW_PENDING = 0, /* no decision yet */
    GW_REVIEW_APPROVE,
    GW_REVIEW_REQUEST_CHANGES, /* comment required */
    GW_REVIEW_REJECT,          /* comment required */
};

/* How a decision reached the gateway. */
enum gw_review_via {
    GW_REVIEW_VIA_API,    /* an API call with the approver's key */
    GW_REVIEW_VIA_LINK,   /* the one-click link's confirmation page */
    GW_REVIEW_VIA_SYSTEM, /* the gateway itself: an approval implied by silence */
};

struct gw_review_decision {
    enum gw_review_decision_kind kind;
    enum gw_review_via via;
    bool on_silence; /* kind APPROVE recorded as approve on silence (decided_by "system") */
    char decided_by[GW_REVIEW_ID_MAX]; /* the approver, or their delegate */
    char *comment;                     /* owned by the round; NULL when none */
    int64_t at_ms;
};

struct gw_review_approver {
    char person_id[GW_REVIEW_ID_MAX];
    int64_t due_ms; /* midnight UTC of the due date; 0 = none */
    /* Delegation: the delegate decides in the approver's place; both are kept. */
    char delegate_id[GW_REVIEW_ID_MAX]; /* "" = not delegated */
    int64_t delegated_ms;
    struct gw_review_decision decision;
};

struct gw_review_round {
    char id[GW_REVIEW_ID_MAX];
    char course_id[GW_REVIEW_ID_MAX];
    int64_t opened_ms;
    bool closed; /* set by the caller when the round ended or was replaced */
    struct gw_review_policy policy;
    size_t n_approvers;
    struct gw_review_approver approvers[GW_REVIEW_MAX_APPROVERS];
};

/* Starts a round (ids are copied, truncated to GW_REVIEW_ID_MAX - 1). policy
 * NULL means "all must approve". Free with gw_review_round_free. */
void gw_review_round_init(struct gw_review_round *r, const char *round_id, const char *course_id,
                          int64_t opened_ms, const struct gw_review_policy *policy);
/* Frees the comments the round owns; the struct can be re-initialised. */
void gw_review_round_free(struct gw_review_round *r);
/* An approver's due date when a round opens at now_ms: the date fixed at
 * intake (fixed_due_ms > 0), else due_in_days after today (midnight UTC),
 * else none (0). */
int64_t gw_review_due_ms(int64_t fixed_due_ms, int64_t due_in_days, int64_t now_ms);
/* Adds a named approver (due_ms 0 = no due date). REVIEW_APPROVER_INVALID for
 * an empty or duplicate id or more than GW_REVIEW_MAX_APPROVERS. */
enum gw_err gw_review_round_add_approver(struct gw_review_round *r, const char *person_id,
                                         int64_t due_ms, struct gw_error *err);
/* Checks the policy against the approvers: at least one approver, N between 1
 * and M, and approve-on-silence only with a recorded agreement
 * (REVIEW_APPROVER_INVALID / REVIEW_POLICY_INVALID). Call before opening. */
enum gw_err gw_review_round_check(const struct gw_review_round *r, struct gw_error *err);
/* The approver slot person_id decides for (as approver or as delegate), or NULL. */
struct gw_review_approver *gw_review_round_find(struct gw_review_round *r, const char *person_id);

/* Delegates approver_id's decision to delegate_id. Refused when the approver
 * is unknown (REVIEW_NOT_APPROVER), already decided, the round is closed, or
 * the delegate is the approver or another approver (REVIEW_DELEGATE_INVALID).
 * Delegating again to the same person is a no-op; to another one replaces. */
enum gw_err gw_review_round_delegate(struct gw_review_round *r, const char *approver_id,
                                     const char *delegate_id, int64_t now_ms, struct gw_error *err);

enum gw_review_record {
    GW_REVIEW_RECORDED,         /* a new decision was recorded */
    GW_REVIEW_ALREADY_RECORDED, /* the same decision was there: nothing changed */
};

/* Records actor_id's decision (actor: an approver or an approver's delegate;
 * the delegate's decision is recorded on the approver's slot with decided_by =
 * the delegate). comment is copied; it is required (non-blank) for
 * request_changes and reject. Rules, in order:
 *  - actor not an approver or delegate: REVIEW_NOT_APPROVER;
 *  - the slot already has a decision of the same kind: GW_OK with
 *    *rec = GW_REVIEW_ALREADY_RECORDED (a replay; the first record stays as it
 *    was, including its comment); of another kind: REVIEW_ALREADY_DECIDED;
 *  - round closed, or already concluded by evaluation at now_ms: REVIEW_ROUND_CLOSED;
 *  - missing comment: REVIEW_COMMENT_REQUIRED; bad kind: REVIEW_DECISION_INVALID.
 * rec may be NULL. */
enum gw_err gw_review_round_decide(struct gw_review_round *r, const char *actor_id,
                                   enum gw_review_decision_kind kind, const char *comment,
                                   enum gw_review_via via, int64_t now_ms,
                                   enum gw_review_record *rec, struct gw_error *err);

enum gw_review_outcome_state {
    GW_REVIEW_OPEN,
    GW_REVIEW_APPROVED,
    GW_REVIEW_CHANGES_REQUESTED, /* someone requested changes or rejected */
};

struct gw_review_outcome {
    enum gw_review_outcome_state state;
    unsigned required;  /* approvals needed: M for ALL, N for N_OF_M */
    unsigned approvals; /* explicit approvals plus those implied by silence */
    unsigned explicit_approvals;
    /* Indices into r->approvers. pending: no decision and no implied approval.
     * silent: approvals implied by silence at now_ms; the caller records each
     * as such (audit action "decision.approve_on_silence") before acting on
     * the outcome, never silently. blocking: request_changes / reject. */
    size_t n_pending, n_silent, n_blocking;
    size_t pending[GW_REVIEW_MAX_APPROVERS];
    size_t silent[GW_REVIEW_MAX_APPROVERS];
    size_t blocking[GW_REVIEW_MAX_APPROVERS];
};

/* Evaluates the round at now_ms. Rules (both policies):
 *  - any request_changes or reject sends the course back: CHANGES_REQUESTED
 *    (N of M relaxes how many approvals are needed, not a reviewer's veto);
 *  - else APPROVED when approvals >= required, where silence counts as approval
 *    only when the policy allows it, the approver has a due date and
 *    now_ms >= due_ms + one day (the due date has passed);
 *  - else OPEN.
 * A closed round is evaluated the same way (for reports). */
void gw_review_round_evaluate(const struct gw_review_round *r, int64_t now_ms,
                              struct gw_review_outcome *out);

/* What a round's outcome makes happen, decided here and applied by the store
 * in the transaction that recorded the last decision (or the silence):
 *  - approved: each approval implied by silence is recorded as a decision
 *    with its audit sentence, the round closes "approved", the course takes
 *    GW_COURSE_EV_APPROVE and the version's publish job is queued;
 *  - changes requested: the round closes "changes_requested", the course
 *    takes GW_COURSE_EV_REQUEST_CHANGES and, when the course has an author,
 *    the author's notice is queued under its exactly-once key.
 *  - approved with approvals implied by silence: notices that announce it
 *    (kind "approve_on_silence", see gw_review_notice_outlives_round), one
 *    to the author per silent approver (the key the schedule gives that
 *    approver's approve-on-silence notice, so a tick that concluded the round
 *    records it once) and one to every approver of the round;
 * act is false while the round is open, or when it was closed already. */
struct gw_review_conclusion_notice {
    const char *approver_id;  /* whose silence it announces; borrowed */
    const char *recipient_id; /* borrowed */
    int64_t scheduled_ms;
    char key[GW_REVIEW_NOTICE_KEY_MAX];
};
struct gw_review_silent_approval {
    const char *approver_id; /* borrowed from the round */
    char audit_comment[512];
};
struct gw_review_conclusion {
    enum gw_review_outcome_state outcome;
    bool act;
    const char *round_state; /* "approved" | "changes_requested" */
    enum gw_course_event course_event;
    size_t n_silent;
    struct gw_review_silent_approval silent[GW_REVIEW_MAX_APPROVERS];
    bool queue_publish;
    bool notify_author;
    char author_notice_key[GW_REVIEW_NOTICE_KEY_MAX];
    size_t n_notices;
    struct gw_review_conclusion_notice notices[2 * GW_REVIEW_MAX_APPROVERS];
};
/* Pure: r as loaded (closed set when its stored state is not open), the
 * course's author (NULL or "" when none), the time. */
void gw_review_conclude(const struct gw_review_round *r, const char *author_id, int64_t now_ms,
                        struct gw_review_conclusion *out);
/* Static names: "open", "approved", "changes_requested"; decision kinds:
 * "pending", "approve", "request_changes", "reject"; "api", "link", "system". */
const char *gw_review_outcome_name(enum gw_review_outcome_state s);
const char *gw_review_decision_name(enum gw_review_decision_kind k);
bool gw_review_decision_parse(const char *name, enum gw_review_decision_kind *out);
const char *gw_review_via_name(enum gw_review_via v);
/* "all", "n_of_m". */
const char *gw_review_policy_kind_name(enum gw_review_policy_kind k);
bool gw_review_policy_kind_parse(const char *name, enum gw_review_policy_kind *out);
/* The round as the API shows it, evaluated at now_ms:
 * {"id","course_id","opened_at","closed","state","required","approvals",
 *  "policy":{"kind","required"|null,"approve_on_silence","silence_agreed_by"|null,
 *            "silence_agreed_at"|null},
 *  "approvers":[{"person_id","due_date"|null,"delegate_id"|null,"delegated_at"|null,
 *                "status": "pending"|"approve"|"request_changes"|"reject"|"approve_on_silence",
 *                "decided_by"|null,"decided_at"|null,"via"|null,"comment"|null}]}
 * An approval implied by silence, recorded or due now, shows as status
 * "approve_on_silence", via "system", decided_by "system" (null while only due)
 * and its audit sentence as comment.
 * Times are RFC 3339 strings, due dates "YYYY-MM-DD". New reference. */
json_t *gw_review_round_to_json(const struct gw_review_round *r, int64_t now_ms);

/* Package file lists and what changed between two versions. */
struct gw_review_file {
    const char *name; /* path inside the zip; borrowed */
    uint64_t size;
    uint32_t crc32;
};

enum gw_review_change { GW_REVIEW_FILE_ADDED, GW_REVIEW_FILE_REMOVED, GW_REVIEW_FILE_CHANGED };

struct gw_review_file_change {
    enum gw_review_change change;
    const char *name; /* borrowed from the input lists */
    uint64_t old_size, new_size;
    uint32_t old_crc32, new_crc32;
};

struct gw_review_diff {
    size_t n_added, n_removed, n_changed, n_unchanged;
    size_t n;                              /* changes, sorted by name (byte order) */
    struct gw_review_file_change *changes; /* owned; gw_review_diff_free */
};

/* Diffs old_files against new_files (neither needs to be sorted; names are
 * compared byte-wise, so "A.html" and "a.html" are different files). A file is
 * changed when its size or CRC differs. The result borrows the names: keep the
 * inputs alive while using it. */
void gw_review_diff_files(const struct gw_review_file *old_files, size_t n_old,
                          const struct gw_review_file *new_files, size_t n_new,
                          struct gw_review_diff *out);
void gw_review_diff_free(struct gw_review_diff *d);
/* {"added":[names],"removed":[names],"changed":[{"name","old_size","new_size",
 * "old_crc32","new_crc32"}],"unchanged":n}; CRCs as 8 lowercase hex digits.
 * New reference. */
json_t *gw_review_diff_to_json(const struct gw_review_diff *d);
const char *gw_review_change_name(enum gw_review_change c);
/* "2 files added, 1 removed, 3 changed" (only the non-zero parts) or "no files
 * changed"; for notices' changes_summary. Caller frees. */
char *gw_review_diff_summary(const struct gw_review_diff *d);

/* ---- a new version of a course (review/version.c) ---- */

/* What changed between two validator reports' file lists (JSON text), as
 * gw_review_diff_to_json with a "summary" (gw_review_diff_summary); NULL
 * when either is NULL. New reference. */
json_t *gw_review_report_diff(const char *old_report, const char *new_report);

/* What adding a package as a course's next version decides, given the
 * previous version (last_number 0 and prev_report NULL for the first):
 * its number; what changed since the previous version's files (JSON with a
 * "summary", NULL for the first; owned: gw_review_version_plan_free); the
 * audit sentences of the version and of an open round it supersedes;
 * whether the course goes on from draft to validated (the package has no
 * errors); and the validator's verdict to show with the version: its
 * blocking findings (gw_review_blocking_findings, owned like changes) and
 * its number of warnings. Reports are the validator's JSON text. */
struct gw_review_version_plan {
    int64_t number;
    json_t *changes;
    char added_comment[160];
    char superseded_comment[64];
    bool validated;
    json_t *blocking;
    int64_t warnings;
};
void gw_review_version_plan(int64_t last_number, const char *prev_report, const char *report,
                            const char *package_id, bool valid, struct gw_review_version_plan *out);
void gw_review_version_plan_free(struct gw_review_version_plan *p);

/* What keeps a version from review, from its package's validator report
 * (JSON text): the findings of severity "error", each as {"code", "file",
 * "line", "message"} in report order (an empty array for a report without
 * errors, NULL when report is NULL or not a report). New reference. */
json_t *gw_review_blocking_findings(const char *report);
/* The blocking findings in words for an error detail: the first one's code,
 * file and message, then the codes of the others ("MANIFEST_NOT_AT_ROOT in
 * GolfCourse/imsmanifest.xml: imsmanifest.xml is inside ...; also
 * LAUNCH_FILE_MISSING, FILE_MISSING"). Truncated to cap; "" when there are
 * none. */
void gw_review_blocking_words(const json_t *blocking, char *out, size_t cap);

/* The IRI under which statements about one of a package's activity ids count
 * for the course: the id itself when it is an absolute IRI, else course_iri,
 * "/" and the id percent-encoded (SCORM identifiers such as "item_1" or
 * "SCO 2"; unreserved characters stay). Appended to out. */
void gw_review_activity_iri(const char *course_iri, const char *activity_id, struct gw_buf *out);
/* The course's own IRI: public_url (without trailing slashes) + "/courses/"
 * + the course's id. Truncated to cap. */
void gw_review_course_iri(char *out, size_t cap, const char *public_url, const char *course_id);

/* ------------------------------------------------------------------------ */
/* schedule.c: reminders, escalation, approve-on-silence                    */
/* ------------------------------------------------------------------------ */

enum gw_review_notice_kind {
    GW_NOTICE_REMINDER_BEFORE,   /* the business day before the due reminder */
    GW_NOTICE_REMINDER_DUE,      /* on the due date (last business day on or before it) */
    GW_NOTICE_REMINDER_OVERDUE,  /* every N business days after the due date */
    GW_NOTICE_ESCALATION,        /* to the approver's department head; marks the item stalled */
    GW_NOTICE_APPROVE_ON_SILENCE /* the due date passed; silence counts as approval */
};
#define GW_NOTICE_KIND_COUNT 5

enum gw_review_recipient {
    GW_RECIPIENT_APPROVER,        /* the approver (and their delegate, if any) */
    GW_RECIPIENT_DEPARTMENT_HEAD, /* the approver's department head */
    GW_RECIPIENT_REQUESTER,       /* the author and the requesting department */
};

/* The people a notice about one approver of a round can go to ("" when
 * there is none). */
struct gw_review_notice_people {
    const char *approver_id, *delegate_id;
    const char *approver_head_id;  /* the approver's department head */
    const char *author_id;         /* the course's author */
    const char *requester_head_id; /* the requesting department's head */
};
/* Who receives a notice for recipient kind to: the approver's delegate when
 * there is one, else the approver; the approver's department head; the
 * course's author, else the requesting department's head. "" when nobody. */
const char *gw_review_notice_recipient(enum gw_review_recipient to,
                                       const struct gw_review_notice_people *p);

/* A department's settings (defaults from gw_review_schedule_defaults). */
struct gw_review_schedule_settings {
    bool remind_before;           /* default true */
    bool remind_on_due;           /* default true */
    unsigned overdue_every_days;  /* business days between overdue reminders; 0 = none; default 2 */
    unsigned escalate_after_days; /* calendar days overdue; 0 = never; default 7 */
    unsigned send_minute_utc;     /* time of day reminders are sent, minutes after midnight UTC;
                                     default 540 (09:00) */
    const int64_t *holidays;      /* extra non-business days, each midnight UTC ms; borrowed */
    size_t n_holidays;
};

void gw_review_schedule_defaults(struct gw_review_schedule_settings *s);

/* A notice already recorded as sent (or claimed for sending) by the store. */
struct gw_review_sent {
    enum gw_review_notice_kind kind;
    int64_t scheduled_ms;
};

struct gw_review_schedule_input {
    const char *round_id;
    const char *approver_id;
    int64_t asked_ms;    /* when the approver was asked (round opened); nothing before it */
    int64_t due_ms;      /* midnight UTC of the due date; 0 = no due date: no notices */
    bool decided;        /* a decision is recorded: no notices */
    bool silence_agreed; /* the round's policy approves on silence (agreement recorded) */
    const struct gw_review_sent *sent; /* borrowed */
    size_t n_sent;
};

/* The one format of a notice's exactly-once key (review_notices.notice_key,
 * a unique constraint): "<round>/<approver>/<kind>/<slot>", round, approver
 * and slot percent-encoded ('%', '/' and control bytes) so keys cannot
 * collide; approver NULL is "-" (a notice to the author). The slot makes
 * notices of one kind distinct: the scheduled time for reminders and
 * escalations, the asking time for requests, the delegate for a delegated
 * request. Truncated (never overflowing) at GW_REVIEW_NOTICE_KEY_MAX - 1. */
void gw_review_notice_key(char out[GW_REVIEW_NOTICE_KEY_MAX], const char *round_id,
                          const char *approver_id, const char *kind, const char *slot);
/* The same with a time in ms as the slot. */
void gw_review_notice_key_at(char out[GW_REVIEW_NOTICE_KEY_MAX], const char *round_id,
                             const char *approver_id, const char *kind, int64_t slot_ms);

struct gw_review_due_notice {
    enum gw_review_notice_kind kind;
    enum gw_review_recipient recipient;
    int64_t scheduled_ms;  /* the slot's time: part of the key, stable across calls */
    unsigned days_overdue; /* at scheduled_ms, calendar days past the due date */
    bool marks_stalled;    /* escalation: mark the item stalled */
    /* "<round>/<approver>/<kind>/<scheduled_ms>", ids percent-encoded ('%', '/'
     * and control bytes), unique per notice: make it a unique constraint. */
    char key[GW_REVIEW_NOTICE_KEY_MAX];
};

/* Returns in out (up to 3 entries: the latest reminder due, escalation,
 * approve-on-silence) the notices due at now_ms and not in in->sent, in the
 * order to send them; *n_out receives their number.
 *
 * Deterministic from (settings, input, now_ms): each notice has a fixed slot
 * time, so a restart between computing and sending yields the same keys, and
 * the store's unique constraint on the key makes "never twice" hold.
 * Reminders: slots are at send_minute_utc on business days (Mon-Fri UTC, minus
 * holidays): reminder_due on the last business day on or before the due date,
 * reminder_before on the business day before that, reminder_overdue on the
 * k*N-th business day after the due date (k = 1, 2, ...). Only the latest
 * reminder slot reached is returned (after downtime, missed reminders are not
 * sent in a burst), and only slots after asked_ms. Escalation: once, at the
 * first business-day slot on or after the due date + escalate_after_days.
 * With silence_agreed: approve_on_silence once at the day after the due date,
 * 00:00 UTC (when gw_review_round_evaluate starts implying the approval), and
 * no overdue reminders or escalation. */
void gw_review_schedule_due(const struct gw_review_schedule_settings *settings,
                            const struct gw_review_schedule_input *in, int64_t now_ms,
                            struct gw_review_due_notice out[3], size_t *n_out);

/* Calendar days past the due date at now_ms: 0 up to the end of the due date,
 * 1 on the day after, ... (0 when due_ms is 0). */
unsigned gw_review_days_overdue(int64_t due_ms, int64_t now_ms);
/* The days overdue from which an undecided approval counts as stalled: the
 * department's escalate_after_days, or GW_REVIEW_STALL_DEFAULT_DAYS when it
 * escalates never (0), so a review that nobody is told about still shows.
 * The board's red flag (review/pipeline.c) and the KPI stalled_reviews
 * (store/kpi_pipeline.c) both use it. */
#define GW_REVIEW_STALL_DEFAULT_DAYS 7u
unsigned gw_review_stall_after_days(const struct gw_review_schedule_settings *s);
/* Whether an undecided approval with this due date counts as stalled: due,
 * and overdue by at least gw_review_stall_after_days. */
bool gw_review_is_stalled(const struct gw_review_schedule_settings *s, int64_t due_ms,
                          int64_t now_ms);
bool gw_review_is_business_day(const struct gw_review_schedule_settings *s, int64_t day_ms);
const char *gw_review_notice_kind_name(enum gw_review_notice_kind k);
/* True for the kinds whose purpose is to announce how a round ended
 * ("approve_on_silence", "changes_requested"): they are recorded in the
 * transaction that closes the round and delivered although it is closed.
 * Every other notice of a closed round is moot. */
bool gw_review_notice_outlives_round(const char *kind);
/* The slot of an approver's approve-on-silence notice: midnight UTC after the
 * due date (due_ms is midnight UTC of the due date). */
int64_t gw_review_silence_slot(int64_t due_ms);
bool gw_review_notice_kind_parse(const char *name, enum gw_review_notice_kind *out);
const char *gw_review_recipient_name(enum gw_review_recipient r);

/* What recording a due notice makes happen, applied (app/review_sched.c) in
 * the transaction that inserted it under its key; nothing when the key was
 * there already:
 *  - escalation marks the approver's slot stalled (at the pass's time);
 *  - escalation and approve-on-silence append an audit line by the system on
 *    behalf of the approver: action "notice.<kind>", comment "<N> days
 *    overdue" (the notice's days_overdue);
 *  - approve-on-silence concludes the round (gw_review_conclude), which
 *    records the silent approvals when the silence satisfies it.
 * Reminders do nothing beyond the notice. */
struct gw_review_recorded_notice {
    bool mark_stalled;
    bool audit;
    char audit_action[64];
    char audit_comment[96];
    bool conclude;
};
void gw_review_notice_recorded(const struct gw_review_due_notice *n,
                               struct gw_review_recorded_notice *out);

/* ------------------------------------------------------------------------ */
/* sending.c: what delivering a claimed notice does                         */
/* ------------------------------------------------------------------------ */

/* Why a claimed notice of kind is skipped rather than sent, or NULL to send
 * it: "the round closed" (moot, unless it announces how the round ended:
 * gw_review_notice_outlives_round), "the approver has decided" (an ask or a
 * reminder, once the approver it is about decided). */
const char *gw_review_notice_skip(const char *kind, bool round_open, bool decided);
/* Whether a notice of kind carries the recipient's personal one-click links:
 * the ask and the reminders (never escalations, approve-on-silence or
 * announcements). */
bool gw_review_notice_personal(const char *kind);
/* What a delivery's outcome ("sent", "skipped", "failed") makes of a claimed
 * notice after attempts attempts (the claim counted this one): "failed" goes
 * back to "pending" for the next pass, or is "failed" for good once attempts
 * reached max_attempts; any other outcome is its status. sent_ms: now_ms when
 * sent, else 0. status is outcome or static. */
struct gw_review_notice_done {
    const char *status;
    int64_t sent_ms;
};
void gw_review_notice_done(const char *outcome, int64_t attempts, int64_t max_attempts,
                           int64_t now_ms, struct gw_review_notice_done *out);

/* ------------------------------------------------------------------------ */
/* token.c: signed, expiring, single-use one-click approval links           */
/* ------------------------------------------------------------------------ */

/* NOTE for the HTTP side: a token only OPENS a page (GET) showing the course,
 * its validation findings, what changed, and Approve / Request changes /
 * Reject buttons; the decision is taken only when that page's form is POSTed (with
 * the token in the body). Mail scanners and link previewers follow GET links:
 * a GET must never decide. On POST: verify, check the action is allowed,
 * then in ONE transaction mark the nonce used (unique constraint; a used nonce
 * answers REVIEW_TOKEN_USED) and record the decision with via = LINK. */

enum {
    GW_REVIEW_ACTION_APPROVE = 1,
    GW_REVIEW_ACTION_REQUEST_CHANGES = 2,
    GW_REVIEW_ACTION_REJECT = 4,
};

#define GW_REVIEW_NONCE_HEX 33 /* 16 random bytes as hex + NUL */
#define GW_REVIEW_TOKEN_KEY_MIN 32
#define GW_REVIEW_TOKEN_MAX 512 /* a token never exceeds this, NUL included */

struct gw_review_token_claims {
    char round_id[GW_REVIEW_ID_MAX];
    char approver_id[GW_REVIEW_ID_MAX]; /* the approver (or delegate) the link is for */
    unsigned actions;                   /* GW_REVIEW_ACTION_* bits */
    int64_t expires_ms;
    char nonce[GW_REVIEW_NONCE_HEX]; /* what the store marks used */
};

/* Fills c->nonce with 16 fresh random bytes (hex). Returns false when the
 * system's randomness fails. */
bool gw_review_token_new_nonce(struct gw_review_token_claims *c);
/* Writes the token for c into out (cap bytes, GW_REVIEW_TOKEN_MAX suffices):
 * base64url(canonical claims) "." base64url(HMAC-SHA256(key, canonical)).
 * The canonical encoding is "lmsgw-review-1\n" round "\n" approver "\n"
 * actions "\n" expires_ms "\n" nonce. Errors: REVIEW_TOKEN_KEY (key shorter
 * than 32 bytes), BAD_REQUEST (empty id, id with a control byte, nonce not 32
 * hex digits, no action, negative expires_ms, out too small). */
enum gw_err gw_review_token_make(const uint8_t *key, size_t keylen,
                                 const struct gw_review_token_claims *c, char *out, size_t cap,
                                 struct gw_error *err);
/* Verifies token at now_ms and fills *c. Checks, in order: shape and base64
 * (REVIEW_TOKEN_MALFORMED), signature in constant time (REVIEW_TOKEN_INVALID:
 * tampered or foreign), claims' syntax (REVIEW_TOKEN_MALFORMED; a negative
 * expiry is malformed), expiry
 * (REVIEW_TOKEN_EXPIRED when now_ms >= expires_ms; *c is filled so the page can
 * say whose link expired). Single use is the store's job: check c->nonce. */
enum gw_err gw_review_token_verify(const uint8_t *key, size_t keylen, const char *token,
                                   int64_t now_ms, struct gw_review_token_claims *c,
                                   struct gw_error *err);
/* REVIEW_TOKEN_ACTION unless the claims allow decision kind k. */
enum gw_err gw_review_token_allows(const struct gw_review_token_claims *c,
                                   enum gw_review_decision_kind k, struct gw_error *err);

/* ------------------------------------------------------------------------ */
/* notice.c: notices as text: mail, Slack, Teams                            */
/* ------------------------------------------------------------------------ */

/* What a notice talks about. Strings are borrowed; NULL/"" when unknown. */
struct gw_review_notice_view {
    enum gw_review_notice_kind kind;
    bool initial_request; /* the first "please review" request, not a reminder (kind ignored) */
    const char *recipient_name;
    const char *approver_name; /* for escalation and silence: whose review it is */
    const char *course_title;
    const char *department; /* requesting department */
    const char *author_name;
    int64_t due_ms; /* 0 = none */
    /* When the notice is sent: reminders word the due date relative to that
     * day ("due today", "due tomorrow", "due in 2 days") and name it ("Sunday
     * 14 March"). 0 = unknown: a due-date reminder is then taken as sent on
     * the due date, other notices name the date only. */
    int64_t sent_ms;
    unsigned days_overdue;
    int64_t delivery_ms;         /* the request's deadline (the delivery date); 0 = none */
    const char *approve_url;     /* the one-click page, preset to approve */
    const char *changes_url;     /* the one-click page, preset to request changes */
    const char *changes_summary; /* e.g. "2 files added, 1 changed"; optional */
};

/* Links: approve_url / changes_url are personal (whoever opens them decides
 * as that approver), so they are rendered only in requests and reminders
 * (never in escalation or approve-on-silence notices). Post chat notices with
 * links only to a webhook that reaches the approver alone; for a shared
 * channel pass NULL links.
 *
 * Each returns a new string the caller frees (free()). The subject never
 * contains CR or LF (header injection); the body is plain text, lines joined
 * with "\n" (the mailer converts to CRLF). */
char *gw_review_notice_subject(const struct gw_review_notice_view *v);
char *gw_review_notice_text(const struct gw_review_notice_view *v);
/* Slack incoming webhook payload: {"text": fallback, "blocks": [header,
 * section, fields, actions with two URL buttons]}; user text is escaped for
 * Slack mrkdwn (&, <, >). New reference. */
json_t *gw_review_notice_slack(const struct gw_review_notice_view *v);
/* Teams incoming webhook (and Power Automate "post to a channel when a
 * webhook request is received") payload: {"type":"message","attachments":[{
 * "contentType":"application/vnd.microsoft.card.adaptive","content": an
 * Adaptive Card 1.4 with TextBlocks, a FactSet and Action.OpenUrl buttons}]}.
 * New reference. */
json_t *gw_review_notice_teams(const struct gw_review_notice_view *v);

/* ------------------------------------------------------------------------ */
/* audit.c: audit records, their canonical JSON and CSV lines, hash chain   */
/* ------------------------------------------------------------------------ */

/* One audit record. Strings are borrowed; NULL or "" prints as JSON null /
 * an empty CSV field. */
struct gw_audit_record {
    int64_t seq;              /* position in the log, from 1 */
    int64_t at_ms;            /* when */
    const char *actor;        /* who: a person id, or "system" */
    const char *on_behalf_of; /* the approver, when a delegate acted */
    const char *via;          /* "api", "link", "system" */
    const char *address;      /* the client's IP address (api, link) */
    const char *key_id;       /* the API key used (api) */
    const char *link_nonce;   /* the one-click link's nonce (link) */
    const char *action; /* e.g. "transition", "decision.approve", "decision.approve_on_silence",
                           "round.opened", "round.closed", "notice.escalation" */
    const char *course_id;
    const char *round_id;
    const char *from_state; /* transitions */
    const char *to_state;
    const char *comment;
    const char *version_sha256; /* the package version's checksum */
    char prev[65]; /* SHA-256 hex of the previous record's canonical line; 64 '0' for the first */
};

#define GW_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Sets r->prev from the previous record's canonical line (prev_line NULL: the
 * genesis value). The store appends under a unique constraint on prev, so two
 * concurrent appends cannot both chain from the same record. */
void gw_audit_chain(struct gw_audit_record *r, const char *prev_line);
/* The canonical JSON line (no newline): keys in a fixed order (seq, at,
 * at_ms, actor, on_behalf_of, via, address, key_id, link_nonce, action,
 * course_id, round_id, from_state, to_state, comment, version_sha256, prev),
 * compact, non-ASCII escaped as \uXXXX, absent values null. This is the
 * exported JSON line and what the next record's prev hashes: the store keeps
 * this exact text and exports it as is (never re-rendered from columns, so a
 * jansson upgrade cannot change old lines' bytes). Caller frees.
 * Returns NULL when a string is not valid UTF-8. */
char *gw_audit_json_line(const struct gw_audit_record *r);
/* SHA-256 hex of a canonical line. */
void gw_audit_line_hash(const char *line, char out[65]);
/* CSV (RFC 4180): the header row and one record's row, both without the line
 * break (join rows with "\r\n"). Fields with a comma, quote, CR or LF are
 * quoted, quotes doubled; a text field that starts with =, +, -, @, TAB or CR
 * gets a leading apostrophe so spreadsheets do not run it as a formula (the
 * JSON line keeps the exact text). Caller frees. */
char *gw_audit_csv_header(void);
char *gw_audit_csv_line(const struct gw_audit_record *r);
/* Checks an exported sequence of canonical lines: each line's "prev" must be
 * the hash of the line before; the first must carry first_prev (NULL: the
 * genesis value; pass the hash of the record before an excerpt). Returns GW_OK
 * and, when last is not NULL, the hash of the last line (compare it with the
 * store's head to catch a change to the last record or a cut-off tail); or
 * REVIEW_AUDIT_CHAIN_BROKEN with *bad = the index of the first line that does
 * not chain (a changed line shows as the line after it; a line that is not an
 * audit JSON object shows as itself). */
enum gw_err gw_audit_verify(const char *const *lines, size_t n, const char *first_prev,
                            char last[65], size_t *bad, struct gw_error *err);

#endif
