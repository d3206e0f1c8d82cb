/* Tests for review/round.c: policy checks, delegation, decisions and their
 * replays, evaluation (all, N of M, approve on silence) and the file diff. */
#include "gw/review.h"
#include "gw/timefmt.h"
#include "gwtest.h"

#include <stdlib.h>

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    if (!gw_time_parse_iso(iso, false, &ms))
        abort();
    return ms;
}

static void three(struct gw_review_round *r, const struct gw_review_policy *p)
{
    gw_review_round_init(r, "round-1", "course-1", at("2026-11-23T10:00:00Z"), p);
    CHECK_INT(gw_review_round_add_approver(r, "ann", at("2026-12-02T00:00:00Z"), NULL), GW_OK);
    CHECK_INT(gw_review_round_add_approver(r, "bob", at("2026-12-02T15:30:00Z"), NULL), GW_OK);
    CHECK_INT(gw_review_round_add_approver(r, "cem", 0, NULL), GW_OK);
}

static void test_add_and_check(void)
{
    struct gw_review_round r;
    struct gw_error err;
    three(&r, NULL);
    CHECK_INT(r.approvers[1].due_ms, at("2026-12-02T00:00:00Z")); /* time of day dropped */
    CHECK_INT(gw_review_round_add_approver(&r, "ann", 0, &err), GW_E_REVIEW_APPROVER_INVALID);
    CHECK(strstr(err.detail, "ann") != NULL);
    CHECK_STR(err.where, "/approvers/3/person_id"); /* the request body's fourth row */
    CHECK_INT(gw_review_round_add_approver(&r, "  ", 0, &err), GW_E_REVIEW_APPROVER_INVALID);
    CHECK_INT(gw_review_round_check(&r, &err), GW_OK);

    struct gw_review_policy p = {.kind = GW_REVIEW_POLICY_N_OF_M, .required = 4};
    r.policy = p;
    CHECK_INT(gw_review_round_check(&r, &err), GW_E_REVIEW_POLICY_INVALID);
    CHECK_STR(err.where, "/required"); /* where the request body says it */
    r.policy.required = 0;
    CHECK_INT(gw_review_round_check(&r, &err), GW_E_REVIEW_POLICY_INVALID);
    r.policy.required = 2;
    CHECK_INT(gw_review_round_check(&r, &err), GW_OK);
    r.policy.approve_on_silence = true; /* without the recorded agreement */
    CHECK_INT(gw_review_round_check(&r, &err), GW_E_REVIEW_POLICY_INVALID);
    CHECK_STR(err.where, "/silence_agreed_by");
    snprintf(r.policy.silence_agreed_by, sizeof r.policy.silence_agreed_by, "head-sales");
    r.policy.silence_agreed_ms = at("2026-11-01T12:00:00Z");
    CHECK_INT(gw_review_round_check(&r, &err), GW_OK);
    gw_review_round_free(&r);

    struct gw_review_round empty;
    gw_review_round_init(&empty, "r", "c", 0, NULL);
    CHECK_INT(gw_review_round_check(&empty, &err), GW_E_REVIEW_APPROVER_INVALID);

    struct gw_review_round late;
    gw_review_round_init(&late, "r", "c", at("2026-12-05T08:00:00Z"), NULL);
    CHECK_INT(gw_review_round_add_approver(&late, "ann", at("2026-12-04T00:00:00Z"), NULL), GW_OK);
    CHECK_INT(gw_review_round_check(&late, &err), GW_E_REVIEW_APPROVER_INVALID);
    CHECK(strstr(err.detail, "passed") != NULL);
    CHECK_STR(err.where, "/approvers/0");
}

static void test_all_must_approve(void)
{
    struct gw_review_round r;
    struct gw_review_outcome o;
    enum gw_review_record rec;
    int64_t now = at("2026-11-24T09:00:00Z");
    three(&r, NULL);
    gw_review_round_evaluate(&r, now, &o);
    CHECK_INT(o.state, GW_REVIEW_OPEN);
    CHECK_INT(o.required, 3);
    CHECK_INT(o.n_pending, 3);
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API, now,
                                     &rec, NULL),
              GW_OK);
    CHECK_INT(rec, GW_REVIEW_RECORDED);
    CHECK_INT(gw_review_round_decide(&r, "bob", GW_REVIEW_APPROVE, "fine", GW_REVIEW_VIA_LINK, now,
                                     &rec, NULL),
              GW_OK);
    gw_review_round_evaluate(&r, now, &o);
    CHECK_INT(o.state, GW_REVIEW_OPEN);
    CHECK_INT(o.approvals, 2);
    CHECK_INT(o.n_pending, 1);
    CHECK_STR(r.approvers[o.pending[0]].person_id, "cem");
    CHECK_INT(gw_review_round_decide(&r, "cem", GW_REVIEW_APPROVE, "", GW_REVIEW_VIA_API, now, &rec,
                                     NULL),
              GW_OK);
    gw_review_round_evaluate(&r, now, &o);
    CHECK_INT(o.state, GW_REVIEW_APPROVED);
    CHECK_INT(o.n_pending, 0);
    CHECK(r.approvers[2].decision.comment == NULL); /* blank comment stored as none */
    CHECK_STR(r.approvers[1].decision.comment, "fine");
    CHECK_INT(r.approvers[1].decision.via, GW_REVIEW_VIA_LINK);
    gw_review_round_free(&r);
}

static void test_n_of_m(void)
{
    struct gw_review_round r;
    struct gw_review_outcome o;
    struct gw_review_policy p = {.kind = GW_REVIEW_POLICY_N_OF_M, .required = 2};
    int64_t now = at("2026-11-24T09:00:00Z");
    three(&r, &p);
    CHECK_INT(gw_review_round_check(&r, NULL), GW_OK);
    CHECK_INT(gw_review_round_decide(&r, "cem", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API, now,
                                     NULL, NULL),
              GW_OK);
    gw_review_round_evaluate(&r, now, &o);
    CHECK_INT(o.state, GW_REVIEW_OPEN);
    CHECK_INT(o.required, 2);
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API, now,
                                     NULL, NULL),
              GW_OK);
    gw_review_round_evaluate(&r, now, &o);
    CHECK_INT(o.state, GW_REVIEW_APPROVED);
    CHECK_INT(o.n_pending, 1);
    CHECK_STR(r.approvers[o.pending[0]].person_id, "bob");
    /* The round is decided: bob cannot add a decision any more. */
    struct gw_error err;
    CHECK_INT(gw_review_round_decide(&r, "bob", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API, now,
                                     NULL, &err),
              GW_E_REVIEW_ROUND_CLOSED);
    gw_review_round_free(&r);

    /* In N of M, a request for changes still sends the course back. */
    three(&r, &p);
    CHECK_INT(gw_review_round_decide(&r, "cem", GW_REVIEW_REQUEST_CHANGES, "Fix slide 3",
                                     GW_REVIEW_VIA_API, now, NULL, NULL),
              GW_OK);
    gw_review_round_evaluate(&r, now, &o);
    CHECK_INT(o.state, GW_REVIEW_CHANGES_REQUESTED);
    CHECK_INT(o.n_blocking, 1);
    CHECK_INT(o.blocking[0], 2);
    gw_review_round_free(&r);
}

static void test_comments_and_replays(void)
{
    struct gw_review_round r;
    struct gw_error err;
    enum gw_review_record rec;
    int64_t now = at("2026-11-24T09:00:00Z");
    three(&r, NULL);
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_REQUEST_CHANGES, NULL, GW_REVIEW_VIA_API,
                                     now, &rec, &err),
              GW_E_REVIEW_COMMENT_REQUIRED);
    CHECK_STR(err.where, "/comment");
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_REJECT, " \t\n", GW_REVIEW_VIA_API, now,
                                     &rec, &err),
              GW_E_REVIEW_COMMENT_REQUIRED);
    CHECK_INT(r.approvers[0].decision.kind, GW_REVIEW_PENDING);
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_PENDING, NULL, GW_REVIEW_VIA_API, now,
                                     &rec, &err),
              GW_E_REVIEW_DECISION_INVALID);
    CHECK_INT(gw_review_round_decide(&r, "zoe", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API, now,
                                     &rec, &err),
              GW_E_REVIEW_NOT_APPROVER);
    CHECK(strstr(err.detail, "zoe") != NULL);
    CHECK_INT(gw_err_lookup(err.code)->http_status, 403);

    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_APPROVE, "ok", GW_REVIEW_VIA_API, now,
                                     &rec, &err),
              GW_OK);
    CHECK_INT(rec, GW_REVIEW_RECORDED);
    /* The same decision again: already recorded, the first record stays. */
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_APPROVE, "other text", GW_REVIEW_VIA_LINK,
                                     now + 5000, &rec, &err),
              GW_OK);
    CHECK_INT(rec, GW_REVIEW_ALREADY_RECORDED);
    CHECK_STR(r.approvers[0].decision.comment, "ok");
    CHECK_INT(r.approvers[0].decision.at_ms, now);
    CHECK_INT(r.approvers[0].decision.via, GW_REVIEW_VIA_API);
    /* A different decision: refused, naming the recorded one. */
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_REJECT, "no", GW_REVIEW_VIA_API, now,
                                     &rec, &err),
              GW_E_REVIEW_ALREADY_DECIDED);
    CHECK(strstr(err.detail, "approve") != NULL);
    CHECK_INT(gw_err_lookup(err.code)->http_status, 409);
    CHECK_INT(r.approvers[0].decision.kind, GW_REVIEW_APPROVE);

    /* Rejection with a comment sends the course back; the round is then done. */
    CHECK_INT(gw_review_round_decide(&r, "bob", GW_REVIEW_REJECT, "Wrong audience",
                                     GW_REVIEW_VIA_API, now, &rec, &err),
              GW_OK);
    struct gw_review_outcome o;
    gw_review_round_evaluate(&r, now, &o);
    CHECK_INT(o.state, GW_REVIEW_CHANGES_REQUESTED);
    CHECK_INT(gw_review_round_decide(&r, "cem", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API, now,
                                     &rec, &err),
              GW_E_REVIEW_ROUND_CLOSED);
    /* ...but bob's replay still answers "already recorded". */
    CHECK_INT(gw_review_round_decide(&r, "bob", GW_REVIEW_REJECT, "Wrong audience",
                                     GW_REVIEW_VIA_API, now, &rec, &err),
              GW_OK);
    CHECK_INT(rec, GW_REVIEW_ALREADY_RECORDED);
    r.closed = true;
    CHECK_INT(gw_review_round_decide(&r, "cem", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API, now,
                                     &rec, &err),
              GW_E_REVIEW_ROUND_CLOSED);
    gw_review_round_free(&r);
}

static void test_delegation(void)
{
    struct gw_review_round r;
    struct gw_error err;
    struct gw_review_outcome o;
    int64_t now = at("2026-11-25T11:00:00Z");
    three(&r, NULL);
    CHECK_INT(gw_review_round_delegate(&r, "zoe", "dan", now, &err), GW_E_REVIEW_NOT_APPROVER);
    CHECK_INT(gw_review_round_delegate(&r, "bob", "bob", now, &err), GW_E_REVIEW_DELEGATE_INVALID);
    CHECK_INT(gw_review_round_delegate(&r, "bob", "ann", now, &err), GW_E_REVIEW_DELEGATE_INVALID);
    CHECK_INT(gw_review_round_delegate(&r, "bob", "", now, &err), GW_E_REVIEW_DELEGATE_INVALID);
    CHECK_INT(gw_review_round_delegate(&r, "bob", "dan", now, &err), GW_OK);
    CHECK_STR(r.approvers[1].delegate_id, "dan");
    CHECK_INT(r.approvers[1].delegated_ms, now);
    CHECK_INT(gw_review_round_delegate(&r, "bob", "dan", now + 1000, &err), GW_OK);
    CHECK_INT(r.approvers[1].delegated_ms, now); /* same delegate again: no change */
    CHECK_INT(gw_review_round_delegate(&r, "cem", "dan", now, &err),
              GW_E_REVIEW_DELEGATE_INVALID); /* dan already decides for bob */
    CHECK(gw_review_round_find(&r, "dan") == &r.approvers[1]);

    CHECK_INT(gw_review_round_decide(&r, "dan", GW_REVIEW_APPROVE, "for Bob", GW_REVIEW_VIA_LINK,
                                     now + 60000, NULL, &err),
              GW_OK);
    CHECK_STR(r.approvers[1].person_id, "bob"); /* both recorded */
    CHECK_STR(r.approvers[1].decision.decided_by, "dan");
    /* bob himself repeating the same decision is a replay; a different one is refused */
    enum gw_review_record rec;
    CHECK_INT(gw_review_round_decide(&r, "bob", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API, now,
                                     &rec, &err),
              GW_OK);
    CHECK_INT(rec, GW_REVIEW_ALREADY_RECORDED);
    CHECK_INT(gw_review_round_decide(&r, "bob", GW_REVIEW_REQUEST_CHANGES, "hmm", GW_REVIEW_VIA_API,
                                     now, &rec, &err),
              GW_E_REVIEW_ALREADY_DECIDED);
    CHECK(strstr(err.detail, "dan") != NULL);
    /* delegating after deciding is refused */
    CHECK_INT(gw_review_round_delegate(&r, "bob", "eve", now, &err), GW_E_REVIEW_DELEGATE_INVALID);
    gw_review_round_evaluate(&r, now, &o);
    CHECK_INT(o.explicit_approvals, 1);
    gw_review_round_free(&r);
}

static void test_approve_on_silence(void)
{
    struct gw_review_round r;
    struct gw_review_outcome o;
    struct gw_review_policy p = {.kind = GW_REVIEW_POLICY_ALL, .approve_on_silence = true};
    snprintf(p.silence_agreed_by, sizeof p.silence_agreed_by, "head-sales");
    p.silence_agreed_ms = at("2026-11-02T10:00:00Z");
    gw_review_round_init(&r, "round-s", "course-1", at("2026-11-23T10:00:00Z"), &p);
    gw_review_round_add_approver(&r, "ann", at("2026-12-02T00:00:00Z"), NULL);
    gw_review_round_add_approver(&r, "bob", 0, NULL); /* no due date: silence never counts */
    CHECK_INT(gw_review_round_check(&r, NULL), GW_OK);
    gw_review_round_decide(&r, "bob", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API,
                           at("2026-11-24T10:00:00Z"), NULL, NULL);
    /* On the due date itself ann still has time. */
    gw_review_round_evaluate(&r, at("2026-12-02T23:59:59.999Z"), &o);
    CHECK_INT(o.state, GW_REVIEW_OPEN);
    CHECK_INT(o.n_silent, 0);
    /* The next midnight, silence counts, and says so. */
    gw_review_round_evaluate(&r, at("2026-12-03T00:00:00Z"), &o);
    CHECK_INT(o.state, GW_REVIEW_APPROVED);
    CHECK_INT(o.n_silent, 1);
    CHECK_STR(r.approvers[o.silent[0]].person_id, "ann");
    CHECK_INT(o.explicit_approvals, 1);
    CHECK_INT(o.approvals, 2);

    json_t *j = gw_review_round_to_json(&r, at("2026-12-03T00:00:00Z"));
    CHECK_STR(json_string_value(json_object_get(j, "state")), "approved");
    json_t *pj = json_object_get(j, "policy");
    CHECK_STR(json_string_value(json_object_get(pj, "kind")), "all");
    CHECK(json_is_null(json_object_get(pj, "required")));
    CHECK_STR(json_string_value(json_object_get(pj, "silence_agreed_by")), "head-sales");
    CHECK_STR(json_string_value(json_object_get(pj, "silence_agreed_at")),
              "2026-11-02T10:00:00.000Z");
    json_t *a0 = json_array_get(json_object_get(j, "approvers"), 0);
    CHECK_STR(json_string_value(json_object_get(a0, "status")), "approve_on_silence");
    CHECK_STR(json_string_value(json_object_get(a0, "due_date")), "2026-12-02");
    CHECK(json_is_null(json_object_get(a0, "decided_by")));
    json_t *a1 = json_array_get(json_object_get(j, "approvers"), 1);
    CHECK_STR(json_string_value(json_object_get(a1, "status")), "approve");
    CHECK_STR(json_string_value(json_object_get(a1, "decided_by")), "bob");
    CHECK_STR(json_string_value(json_object_get(a1, "via")), "api");
    CHECK(json_is_null(json_object_get(a1, "due_date")));
    json_decref(j);

    /* Without the department's recorded agreement, silence is never approval. */
    r.policy.silence_agreed_by[0] = '\0';
    gw_review_round_evaluate(&r, at("2026-12-20T00:00:00Z"), &o);
    CHECK_INT(o.state, GW_REVIEW_OPEN);
    CHECK_INT(o.n_silent, 0);
    r.policy.approve_on_silence = false;
    gw_review_round_evaluate(&r, at("2026-12-20T00:00:00Z"), &o);
    CHECK_INT(o.state, GW_REVIEW_OPEN);
    gw_review_round_free(&r);
}

static void test_diff(void)
{
    struct gw_review_file old_files[] = {
        {"index.html", 1200, 0x11111111u},
        {"js/app.js", 500, 0x22222222u},
        {"css/old.css", 80, 0x33333333u},
        {"imsmanifest.xml", 900, 0x44444444u},
    };
    struct gw_review_file new_files[] = {
        {"imsmanifest.xml", 900, 0x44444444u},
        {"js/app.js", 500, 0x2222aaaau}, /* same size */
        {"index.html", 1300, 0x11111111u},
        {"img/logo.png", 4096, 0x55555555u},
        {"Index.html", 10, 0x1u}, /* case matters */
    };
    struct gw_review_diff d;
    gw_review_diff_files(old_files, 4, new_files, 5, &d);
    CHECK_INT(d.n_added, 2);
    CHECK_INT(d.n_removed, 1);
    CHECK_INT(d.n_changed, 2);
    CHECK_INT(d.n_unchanged, 1);
    REQUIRE(d.n == 5);
    CHECK_STR(d.changes[0].name, "Index.html"); /* sorted bytewise */
    CHECK_INT(d.changes[0].change, GW_REVIEW_FILE_ADDED);
    CHECK_STR(d.changes[1].name, "css/old.css");
    CHECK_INT(d.changes[1].change, GW_REVIEW_FILE_REMOVED);
    CHECK_STR(d.changes[2].name, "img/logo.png");
    CHECK_STR(d.changes[3].name, "index.html");
    CHECK_INT(d.changes[3].old_size, 1200);
    CHECK_INT(d.changes[3].new_size, 1300);
    CHECK_STR(d.changes[4].name, "js/app.js");
    CHECK_INT(d.changes[4].change, GW_REVIEW_FILE_CHANGED);

    json_t *j = gw_review_diff_to_json(&d);
    REQUIRE(j != NULL);
    CHECK_INT(json_array_size(json_object_get(j, "added")), 2);
    CHECK_STR(json_string_value(json_array_get(json_object_get(j, "removed"), 0)), "css/old.css");
    json_t *ch = json_array_get(json_object_get(j, "changed"), 1);
    CHECK_STR(json_string_value(json_object_get(ch, "name")), "js/app.js");
    CHECK_STR(json_string_value(json_object_get(ch, "new_crc32")), "2222aaaa");
    CHECK_INT(json_integer_value(json_object_get(j, "unchanged")), 1);
    json_decref(j);
    char *sum = gw_review_diff_summary(&d);
    CHECK_STR(sum, "2 files added, 1 removed, 2 changed");
    free(sum);
    gw_review_diff_free(&d);

    gw_review_diff_files(old_files, 4, old_files, 4, &d);
    CHECK_INT(d.n, 0);
    sum = gw_review_diff_summary(&d);
    CHECK_STR(sum, "no files changed");
    free(sum);
    gw_review_diff_free(&d);
    gw_review_diff_files(NULL, 0, new_files, 1, &d);
    sum = gw_review_diff_summary(&d);
    CHECK_STR(sum, "1 file added");
    free(sum);
    gw_review_diff_free(&d);
}

static void test_names(void)
{
    enum gw_review_decision_kind k;
    CHECK(gw_review_decision_parse("request_changes", &k));
    CHECK_INT(k, GW_REVIEW_REQUEST_CHANGES);
    CHECK(!gw_review_decision_parse("pending", &k));
    CHECK(!gw_review_decision_parse("APPROVE", &k));
    CHECK_STR(gw_review_outcome_name(GW_REVIEW_CHANGES_REQUESTED), "changes_requested");
    CHECK_STR(gw_review_via_name(GW_REVIEW_VIA_LINK), "link");
    enum gw_review_policy_kind pk;
    CHECK(gw_review_policy_kind_parse("n_of_m", &pk));
    CHECK_INT(pk, GW_REVIEW_POLICY_N_OF_M);
    CHECK(!gw_review_policy_kind_parse("any", &pk));
    CHECK_STR(gw_review_policy_kind_name(GW_REVIEW_POLICY_ALL), "all");
}

/* Due dates when a round opens: fixed at intake, else days from today. */
static void test_due_dates(void)
{
    int64_t now = at("2026-11-23T15:45:00Z");
    CHECK_INT(gw_review_due_ms(at("2026-12-01T00:00:00Z"), 5, now), at("2026-12-01T00:00:00Z"));
    CHECK_INT(gw_review_due_ms(0, 5, now), at("2026-11-28T00:00:00Z"));
    CHECK_INT(gw_review_due_ms(0, 0, now), 0);
    CHECK_INT(gw_review_due_ms(-1, -3, now), 0);
}

int main(void)
{
    GW_RUN(test_add_and_check);
    GW_RUN(test_all_must_approve);
    GW_RUN(test_n_of_m);
    GW_RUN(test_comments_and_replays);
    GW_RUN(test_delegation);
    GW_RUN(test_approve_on_silence);
    GW_RUN(test_diff);
    GW_RUN(test_names);
    GW_RUN(test_due_dates);
    return gw_test_summary();
}
