/* round.c: one approval round: its policy, named approvers with due dates,
 * delegation, decisions (with idempotent replays) and the evaluation that
 * says whether the round is open, approved or sends the course back; plus the
 * diff of two package file lists ("what changed" when a new version replaces
 * the round's). Owns the rules; does not own persisting decisions or sending
 * notices. */
#include "gw/review.h"

#include "gw/buf.h"
#include "gw/json.h"
#include "gw/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_id(char dst[GW_REVIEW_ID_MAX], const char *src)
{
    snprintf(dst, GW_REVIEW_ID_MAX, "%s", src ? src : "");
}

static bool is_blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++) {
        if (!isspace((unsigned char)*s))
            return false;
    }
    return true;
}

void gw_review_round_init(struct gw_review_round *r, const char *round_id, const char *course_id,
                          int64_t opened_ms, const struct gw_review_policy *policy)
{
    memset(r, 0, sizeof *r);
    copy_id(r->id, round_id);
    copy_id(r->course_id, course_id);
    r->opened_ms = opened_ms;
    if (policy)
        r->policy = *policy;
    else
        r->policy.kind = GW_REVIEW_POLICY_ALL;
}

void gw_review_round_free(struct gw_review_round *r)
{
    for (size_t i = 0; i < r->n_approvers; i++) {
        free(r->approvers[i].decision.comment);
        r->approvers[i].decision.comment = NULL;
    }
}

static struct gw_review_approver *find_approver(struct gw_review_round *r, const char *person_id)
{
    for (size_t i = 0; i < r->n_approvers; i++) {
        if (strcmp(r->approvers[i].person_id, person_id) == 0)
            return &r->approvers[i];
    }
    return NULL;
}

struct gw_review_approver *gw_review_round_find(struct gw_review_round *r, const char *person_id)
{
    if (!person_id || !*person_id)
        return NULL;
    struct gw_review_approver *a = find_approver(r, person_id);
    if (a)
        return a;
    for (size_t i = 0; i < r->n_approvers; i++) {
        if (strcmp(r->approvers[i].delegate_id, person_id) == 0)
            return &r->approvers[i];
    }
    return NULL;
}

enum gw_err gw_review_round_add_approver(struct gw_review_round *r, const char *person_id,
                                         int64_t due_ms, struct gw_error *err)
{
    if (is_blank(person_id) || strlen(person_id) >= GW_REVIEW_ID_MAX)
        return gw_error_set(err, GW_E_REVIEW_APPROVER_INVALID, "/approvers",
                            "An approver needs a person id of 1 to %d bytes.",
                            GW_REVIEW_ID_MAX - 1);
    if (find_approver(r, person_id)) {
        char where[48];
        snprintf(where, sizeof where, "/approvers/%zu/person_id", r->n_approvers);
        return gw_error_set(err, GW_E_REVIEW_APPROVER_INVALID, where,
                            "'%s' is named twice as an approver.", person_id);
    }
    if (r->n_approvers >= GW_REVIEW_MAX_APPROVERS)
        return gw_error_set(err, GW_E_REVIEW_APPROVER_INVALID, "/approvers",
                            "A round takes at most %d approvers.", GW_REVIEW_MAX_APPROVERS);
    struct gw_review_approver *a = &r->approvers[r->n_approvers++];
    memset(a, 0, sizeof *a);
    copy_id(a->person_id, person_id);
    a->due_ms = due_ms > 0 ? due_ms - due_ms % GW_REVIEW_DAY_MS : 0;
    return GW_OK;
}

enum gw_err gw_review_round_check(const struct gw_review_round *r, struct gw_error *err)
{
    const struct gw_review_policy *p = &r->policy;
    if (r->n_approvers == 0)
        return gw_error_set(err, GW_E_REVIEW_APPROVER_INVALID, "/approvers",
                            "A round needs at least one approver.");
    if (p->kind == GW_REVIEW_POLICY_N_OF_M && (p->required < 1 || p->required > r->n_approvers))
        return gw_error_set(err, GW_E_REVIEW_POLICY_INVALID, "/required",
                            "The policy asks for %u approvals but the round has %zu approvers.",
                            p->required, r->n_approvers);
    if (p->kind != GW_REVIEW_POLICY_ALL && p->kind != GW_REVIEW_POLICY_N_OF_M)
        return gw_error_set(err, GW_E_REVIEW_POLICY_INVALID, "/policy",
                            "The policy must be 'all' or 'n_of_m'.");
    for (size_t i = 0; i < r->n_approvers; i++) {
        const struct gw_review_approver *a = &r->approvers[i];
        char where[32];
        snprintf(where, sizeof where, "/approvers/%zu", i);
        if (a->due_ms > 0 && a->due_ms + GW_REVIEW_DAY_MS <= r->opened_ms)
            return gw_error_set(err, GW_E_REVIEW_APPROVER_INVALID, where,
                                "The due date for '%s' passed before the round opened; give a "
                                "due date from today on.",
                                a->person_id);
    }
    if (p->approve_on_silence && (is_blank(p->silence_agreed_by) || p->silence_agreed_ms <= 0))
        return gw_error_set(err, GW_E_REVIEW_POLICY_INVALID,
                            is_blank(p->silence_agreed_by) ? "/silence_agreed_by"
                                                           : "/silence_agreed_at",
                            "Approve on silence needs the requesting department's agreement, "
                            "recorded with who agreed and when.");
    return GW_OK;
}

enum gw_err gw_review_round_delegate(struct gw_review_round *r, const char *approver_id,
                                     const char *delegate_id, int64_t now_ms, struct gw_error *err)
{
    struct gw_review_approver *a = approver_id ? find_approver(r, approver_id) : NULL;
    if (!a)
        return gw_error_set(err, GW_E_REVIEW_NOT_APPROVER, "/approver",
                            "'%s' is not an approver in round '%s'.",
                            approver_id ? approver_id : "", r->id);
    if (r->closed)
        return gw_error_set(err, GW_E_REVIEW_ROUND_CLOSED, NULL, "Round '%s' is closed.", r->id);
    if (a->decision.kind != GW_REVIEW_PENDING)
        return gw_error_set(err, GW_E_REVIEW_DELEGATE_INVALID, "/delegate",
                            "'%s' already decided (%s); there is nothing left to delegate.",
                            a->person_id, gw_review_decision_name(a->decision.kind));
    if (is_blank(delegate_id) || strlen(delegate_id) >= GW_REVIEW_ID_MAX)
        return gw_error_set(err, GW_E_REVIEW_DELEGATE_INVALID, "/delegate",
                            "The delegate needs a person id of 1 to %d bytes.",
                            GW_REVIEW_ID_MAX - 1);
    if (strcmp(delegate_id, a->person_id) == 0 || find_approver(r, delegate_id))
        return gw_error_set(err, GW_E_REVIEW_DELEGATE_INVALID, "/delegate",
                            "'%s' is already an approver in this round; delegate to a colleague "
                            "who is not.",
                            delegate_id);
    for (size_t i = 0; i < r->n_approvers; i++) {
        if (&r->approvers[i] != a && strcmp(r->approvers[i].delegate_id, delegate_id) == 0)
            return gw_error_set(err, GW_E_REVIEW_DELEGATE_INVALID, "/delegate",
                                "'%s' already decides for '%s' in this round.", delegate_id,
                                r->approvers[i].person_id);
    }
    if (strcmp(a->delegate_id, delegate_id) == 0)
        return GW_OK;
    copy_id(a->delegate_id, delegate_id);
    a->delegated_ms = now_ms;
    return GW_OK;
}

enum gw_err gw_review_round_decide(struct gw_review_round *r, const char *actor_id,
                                   enum gw_review_decision_kind kind, const char *comment,
                                   enum gw_review_via via, int64_t now_ms,
                                   enum gw_review_record *rec, struct gw_error *err)
{
    struct gw_review_outcome o;
    struct gw_review_approver *a = gw_review_round_find(r, actor_id);
    if (!a)
        return gw_error_set(err, GW_E_REVIEW_NOT_APPROVER, "/approver",
                            "'%s' is neither an approver nor a delegate in round '%s'.",
                            actor_id ? actor_id : "", r->id);
    if (kind != GW_REVIEW_APPROVE && kind != GW_REVIEW_REQUEST_CHANGES && kind != GW_REVIEW_REJECT)
        return gw_error_set(err, GW_E_REVIEW_DECISION_INVALID, "/decision",
                            "The decision must be approve, request_changes or reject.");
    if (a->decision.kind == kind) {
        if (rec)
            *rec = GW_REVIEW_ALREADY_RECORDED;
        return GW_OK;
    }
    if (a->decision.kind != GW_REVIEW_PENDING)
        return gw_error_set(err, GW_E_REVIEW_ALREADY_DECIDED, "/decision",
                            "'%s' already decided '%s' in round '%s' (by '%s'); a decision is "
                            "not changed once recorded.",
                            a->person_id, gw_review_decision_name(a->decision.kind), r->id,
                            a->decision.decided_by);
    gw_review_round_evaluate(r, now_ms, &o);
    if (r->closed || o.state != GW_REVIEW_OPEN)
        return gw_error_set(err, GW_E_REVIEW_ROUND_CLOSED, NULL,
                            "Round '%s' is no longer open (%s).", r->id,
                            r->closed ? "closed" : gw_review_outcome_name(o.state));
    if (kind != GW_REVIEW_APPROVE && is_blank(comment))
        return gw_error_set(err, GW_E_REVIEW_COMMENT_REQUIRED, "/comment",
                            "A '%s' decision needs a comment telling the author what to change.",
                            gw_review_decision_name(kind));
    a->decision.kind = kind;
    a->decision.via = via;
    copy_id(a->decision.decided_by, actor_id);
    a->decision.comment = is_blank(comment) ? NULL : gw_xstrdup(comment);
    a->decision.at_ms = now_ms;
    if (rec)
        *rec = GW_REVIEW_RECORDED;
    return GW_OK;
}

void gw_review_round_evaluate(const struct gw_review_round *r, int64_t now_ms,
                              struct gw_review_outcome *out)
{
    memset(out, 0, sizeof *out);
    bool silence = r->policy.approve_on_silence && !is_blank(r->policy.silence_agreed_by) &&
                   r->policy.silence_agreed_ms > 0;
    for (size_t i = 0; i < r->n_approvers; i++) {
        const struct gw_review_approver *a = &r->approvers[i];
        switch (a->decision.kind) {
        case GW_REVIEW_APPROVE:
            out->explicit_approvals++;
            break;
        case GW_REVIEW_REQUEST_CHANGES:
        case GW_REVIEW_REJECT:
            out->blocking[out->n_blocking++] = i;
            break;
        case GW_REVIEW_PENDING:
            if (silence && a->due_ms > 0 && now_ms >= a->due_ms + GW_REVIEW_DAY_MS)
                out->silent[out->n_silent++] = i;
            else
                out->pending[out->n_pending++] = i;
            break;
        }
    }
    out->approvals = out->explicit_approvals + (unsigned)out->n_silent;
    out->required =
        r->policy.kind == GW_REVIEW_POLICY_N_OF_M ? r->policy.required : (unsigned)r->n_approvers;
    if (out->n_blocking > 0)
        out->state = GW_REVIEW_CHANGES_REQUESTED;
    else if (r->n_approvers > 0 && out->required > 0 && out->approvals >= out->required)
        out->state = GW_REVIEW_APPROVED;
    else
        out->state = GW_REVIEW_OPEN;
}

const char *gw_review_outcome_name(enum gw_review_outcome_state s)
{
    switch (s) {
    case GW_REVIEW_OPEN:
        return "open";
    case GW_REVIEW_APPROVED:
        return "approved";
    case GW_REVIEW_CHANGES_REQUESTED:
        return "changes_requested";
    }
    return "unknown";
}

static const char *const decision_names[] = {
    [GW_REVIEW_PENDING] = "pending",
    [GW_REVIEW_APPROVE] = "approve",
    [GW_REVIEW_REQUEST_CHANGES] = "request_changes",
    [GW_REVIEW_REJECT] = "reject",
};

const char *gw_review_decision_name(enum gw_review_decision_kind k)
{
    if ((unsigned)k >= sizeof decision_names / sizeof decision_names[0])
        return "unknown";
    return decision_names[k];
}

bool gw_review_decision_parse(const char *name, enum gw_review_decision_kind *out)
{
    /* "pending" is a state, not a decision anyone can take. */
    for (unsigned i = GW_REVIEW_APPROVE;
         name && i < sizeof decision_names / sizeof decision_names[0]; i++) {
        if (strcmp(name, decision_names[i]) == 0) {
            *out = (enum gw_review_decision_kind)i;
            return true;
        }
    }
    return false;
}

const char *gw_review_via_name(enum gw_review_via v)
{
    switch (v) {
    case GW_REVIEW_VIA_LINK:
        return "link";
    case GW_REVIEW_VIA_SYSTEM:
        return "system";
    case GW_REVIEW_VIA_API:
        break;
    }
    return "api";
}

/* ---- file diff ---- */

static int cmp_file(const void *a, const void *b)
{
    const struct gw_review_file *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

static const struct gw_review_file **sorted_refs(const struct gw_review_file *f, size_t n)
{
    const struct gw_review_file **refs = gw_xcalloc(n ? n : 1, sizeof *refs);
    for (size_t i = 0; i < n; i++)
        refs[i] = &f[i];
    gw_sort(refs, n, sizeof *refs, cmp_file);
    return refs;
}

static void add_change(struct gw_review_diff *d, enum gw_review_change c,
                       const struct gw_review_file *o, const struct gw_review_file *n)
{
    struct gw_review_file_change *ch = &d->changes[d->n++];
    memset(ch, 0, sizeof *ch);
    ch->change = c;
    if (o) {
        ch->name = o->name;
        ch->old_size = o->size;
        ch->old_crc32 = o->crc32;
    }
    if (n) {
        ch->name = n->name;
        ch->new_size = n->size;
        ch->new_crc32 = n->crc32;
    }
}

void gw_review_diff_files(const struct gw_review_file *old_files, size_t n_old,
                          const struct gw_review_file *new_files, size_t n_new,
                          struct gw_review_diff *out)
{
    const struct gw_review_file **o = sorted_refs(old_files, n_old);
    const struct gw_review_file **n = sorted_refs(new_files, n_new);
    size_t i = 0, j = 0;
    memset(out, 0, sizeof *out);
    out->changes = gw_xcalloc(n_old + n_new + 1, sizeof *out->changes);
    while (i < n_old || j < n_new) {
        int c = i == n_old ? 1 : j == n_new ? -1 : strcmp(o[i]->name, n[j]->name);
        if (c < 0) {
            add_change(out, GW_REVIEW_FILE_REMOVED, o[i++], NULL);
            out->n_removed++;
        } else if (c > 0) {
            add_change(out, GW_REVIEW_FILE_ADDED, NULL, n[j++]);
            out->n_added++;
        } else {
            if (o[i]->size != n[j]->size || o[i]->crc32 != n[j]->crc32) {
                add_change(out, GW_REVIEW_FILE_CHANGED, o[i], n[j]);
                out->n_changed++;
            } else {
                out->n_unchanged++;
            }
            i++;
            j++;
        }
    }
    free(o);
    free(n);
}

void gw_review_diff_free(struct gw_review_diff *d)
{
    free(d->changes);
    memset(d, 0, sizeof *d);
}

const char *gw_review_change_name(enum gw_review_change c)
{
    switch (c) {
    case GW_REVIEW_FILE_ADDED:
        return "added";
    case GW_REVIEW_FILE_REMOVED:
        return "removed";
    case GW_REVIEW_FILE_CHANGED:
        return "changed";
    }
    return "unknown";
}

json_t *gw_review_diff_to_json(const struct gw_review_diff *d)
{
    json_t *added = json_array(), *removed = json_array(), *changed = json_array();
    for (size_t i = 0; i < d->n; i++) {
        const struct gw_review_file_change *c = &d->changes[i];
        char oc[9], nc[9];
        switch (c->change) {
        case GW_REVIEW_FILE_ADDED:
            json_array_append_new(added, gw_json_str(c->name));
            break;
        case GW_REVIEW_FILE_REMOVED:
            json_array_append_new(removed, gw_json_str(c->name));
            break;
        case GW_REVIEW_FILE_CHANGED:
            snprintf(oc, sizeof oc, "%08x", (unsigned)c->old_crc32);
            snprintf(nc, sizeof nc, "%08x", (unsigned)c->new_crc32);
            json_array_append_new(
                changed, json_pack("{s:o,s:I,s:I,s:s,s:s}", "name", gw_json_str(c->name),
                                   "old_size", (json_int_t)c->old_size, "new_size",
                                   (json_int_t)c->new_size, "old_crc32", oc, "new_crc32", nc));
            break;
        }
    }
    return json_pack("{s:o,s:o,s:o,s:I}", "added", added, "removed", removed, "changed", changed,
                     "unchanged", (json_int_t)d->n_unchanged);
}

char *gw_review_diff_summary(const struct gw_review_diff *d)
{
    struct gw_buf b = {0};
    const char *sep = "";
    if (d->n_added) {
        gw_buf_printf(&b, "%zu file%s added", d->n_added, d->n_added == 1 ? "" : "s");
        sep = ", ";
    }
    if (d->n_removed) {
        gw_buf_printf(&b, "%s%zu %sremoved", sep, d->n_removed,
                      *sep                ? ""
                      : d->n_removed == 1 ? "file "
                                          : "files ");
        sep = ", ";
    }
    if (d->n_changed)
        gw_buf_printf(&b, "%s%zu %schanged", sep, d->n_changed,
                      *sep                ? ""
                      : d->n_changed == 1 ? "file "
                                          : "files ");
    if (d->n == 0)
        gw_buf_puts(&b, "no files changed");
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

const char *gw_review_policy_kind_name(enum gw_review_policy_kind k)
{
    return k == GW_REVIEW_POLICY_N_OF_M ? "n_of_m" : "all";
}

bool gw_review_policy_kind_parse(const char *name, enum gw_review_policy_kind *out)
{
    if (name && strcmp(name, "all") == 0)
        *out = GW_REVIEW_POLICY_ALL;
    else if (name && strcmp(name, "n_of_m") == 0)
        *out = GW_REVIEW_POLICY_N_OF_M;
    else
        return false;
    return true;
}

/* An RFC 3339 string, or null for 0. */
static json_t *time_or_null(int64_t ms)
{
    char buf[32];
    if (ms <= 0)
        return json_null();
    gw_time_format_ms(ms, buf);
    return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? gw_json_str(s) : json_null();
}

static json_t *approver_json(const struct gw_review_approver *a, bool silent)
{
    char due[32];
    json_t *o = json_object();
    const struct gw_review_decision *d = &a->decision;
    bool decided = d->kind != GW_REVIEW_PENDING;
    json_object_set_new(o, "person_id", gw_json_str(a->person_id));
    if (a->due_ms > 0) {
        gw_time_format_ms(a->due_ms, due);
        due[10] = '\0';
        json_object_set_new(o, "due_date", json_string(due));
    } else {
        json_object_set_new(o, "due_date", json_null());
    }
    json_object_set_new(o, "delegate_id", str_or_null(a->delegate_id));
    json_object_set_new(o, "delegated_at",
                        a->delegate_id[0] ? time_or_null(a->delegated_ms) : json_null());
    /* silence is no explicit approval: say what happened */
    bool on_silence = silent || (decided && d->on_silence);
    json_object_set_new(
        o, "status",
        json_string(on_silence ? "approve_on_silence" : gw_review_decision_name(d->kind)));
    json_object_set_new(o, "decided_by", decided ? str_or_null(d->decided_by) : json_null());
    json_object_set_new(o, "decided_at", decided ? time_or_null(d->at_ms) : json_null());
    json_object_set_new(o, "via",
                        decided      ? json_string(gw_review_via_name(d->via))
                        : on_silence ? json_string("system")
                                     : json_null());
    json_object_set_new(o, "comment", decided ? str_or_null(d->comment) : json_null());
    return o;
}

json_t *gw_review_round_to_json(const struct gw_review_round *r, int64_t now_ms)
{
    struct gw_review_outcome out;
    bool silent[GW_REVIEW_MAX_APPROVERS] = {false};
    const struct gw_review_policy *p = &r->policy;
    gw_review_round_evaluate(r, now_ms, &out);
    for (size_t i = 0; i < out.n_silent; i++)
        silent[out.silent[i]] = true;
    json_t *approvers = json_array();
    for (size_t i = 0; i < r->n_approvers; i++)
        json_array_append_new(approvers, approver_json(&r->approvers[i], silent[i]));
    json_t *policy = json_object();
    json_object_set_new(policy, "kind", json_string(gw_review_policy_kind_name(p->kind)));
    json_object_set_new(policy, "required",
                        p->kind == GW_REVIEW_POLICY_N_OF_M ? json_integer(p->required)
                                                           : json_null());
    json_object_set_new(policy, "approve_on_silence", json_boolean(p->approve_on_silence));
    json_object_set_new(policy, "silence_agreed_by",
                        p->approve_on_silence ? str_or_null(p->silence_agreed_by) : json_null());
    json_object_set_new(policy, "silence_agreed_at",
                        p->approve_on_silence ? time_or_null(p->silence_agreed_ms) : json_null());
    json_t *o = json_object();
    json_object_set_new(o, "id", gw_json_str(r->id));
    json_object_set_new(o, "course_id", gw_json_str(r->course_id));
    json_object_set_new(o, "opened_at", time_or_null(r->opened_ms));
    json_object_set_new(o, "closed", json_boolean(r->closed));
    json_object_set_new(o, "state", json_string(gw_review_outcome_name(out.state)));
    json_object_set_new(o, "required", json_integer(out.required));
    json_object_set_new(o, "approvals", json_integer(out.approvals));
    json_object_set_new(o, "policy", policy);
    json_object_set_new(o, "approvers", approvers);
    return o;
}

int64_t gw_review_due_ms(int64_t fixed_due_ms, int64_t due_in_days, int64_t now_ms)
{
    if (fixed_due_ms > 0)
        return fixed_due_ms;
    if (due_in_days <= 0)
        return 0;
    int64_t today = now_ms - now_ms % GW_REVIEW_DAY_MS;
    return today + due_in_days * GW_REVIEW_DAY_MS;
}
