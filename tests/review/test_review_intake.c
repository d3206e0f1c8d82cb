/* test_review_intake.c: the rules of taking in a department, a person and a course
 * request (gw/intake.h): which references each body makes and where, in
 * order; the words of an unknown reference and of a taken name; the
 * request's policy against its approvers. No database. */
#include "gw/intake.h"
#include "gwtest.h"

static void test_request_refs_in_order(void)
{
    static const struct {
        const char *dep, *sme;
        size_t n_approvers;
        const char *where[6]; /* the references expected, in order */
        size_t n;
    } cases[] = {
        {"d1",
         "p0",
         2,
         {"/department_id", "/sme_person_id", "/approvers/0/person_id", "/approvers/1/person_id"},
         4},
        {"d1", NULL, 1, {"/department_id", "/approvers/0/person_id"}, 2},
        {"d1", "", 0, {"/department_id"}, 1},
        {NULL,
         "p0",
         3,
         {"/sme_person_id", "/approvers/0/person_id", "/approvers/1/person_id",
          "/approvers/2/person_id"},
         4},
    };
    static const char *const ids[] = {"a0", "a1", "a2"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_course_request r = {0};
        r.department_id = cases[i].dep;
        r.sme_person_id = cases[i].sme;
        r.n_approvers = cases[i].n_approvers;
        for (size_t a = 0; a < r.n_approvers; a++)
            r.approvers[a].person_id = ids[a];
        struct gw_intake_ref refs[GW_INTAKE_REFS_MAX];
        size_t n = gw_intake_request_refs(&r, refs);
        CHECK_INT(n, cases[i].n);
        for (size_t k = 0; k < n && k < cases[i].n; k++)
            CHECK_STR(refs[k].where, cases[i].where[k]);
        /* the department comes first and is the only department */
        for (size_t k = 0; k < n; k++)
            CHECK_INT(refs[k].kind,
                      k == 0 && cases[i].dep ? GW_INTAKE_DEPARTMENT : GW_INTAKE_PERSON);
    }
}

static void test_request_refs_every_approver(void)
{
    struct gw_course_request r = {0};
    r.department_id = "d";
    r.n_approvers = GW_REVIEW_MAX_APPROVERS;
    for (size_t a = 0; a < r.n_approvers; a++)
        r.approvers[a].person_id = "p";
    struct gw_intake_ref refs[GW_INTAKE_REFS_MAX];
    CHECK_INT(gw_intake_request_refs(&r, refs), 1 + GW_REVIEW_MAX_APPROVERS);
    CHECK_STR(refs[GW_REVIEW_MAX_APPROVERS].where, "/approvers/31/person_id");
}

static void test_department_and_person_refs(void)
{
    struct gw_intake_ref refs[GW_INTAKE_REFS_MAX];
    CHECK_INT(gw_intake_department_refs(NULL, refs), 0);
    CHECK_INT(gw_intake_department_refs("", refs), 0);
    CHECK_INT(gw_intake_department_refs("boss", refs), 1);
    CHECK_INT(refs[0].kind, GW_INTAKE_PERSON);
    CHECK_STR(refs[0].id, "boss");
    CHECK_STR(refs[0].where, "/head_person_id");
    struct gw_person p = {.name = "Ann", .email = "ann@example.com"};
    CHECK_INT(gw_intake_person_refs(&p, refs), 0);
    p.department_id = "ops";
    CHECK_INT(gw_intake_person_refs(&p, refs), 1);
    CHECK_INT(refs[0].kind, GW_INTAKE_DEPARTMENT);
    CHECK_STR(refs[0].where, "/department_id");
}

static void test_words(void)
{
    struct gw_error e;
    struct gw_intake_ref person = {GW_INTAKE_PERSON, "p9", "/approvers/2/person_id"};
    CHECK_INT(gw_intake_ref_unknown(&person, &e), GW_E_REVIEW_REFERENCE_UNKNOWN);
    CHECK_STR(e.where, "/approvers/2/person_id");
    CHECK_STR(e.detail, "no person has the id 'p9'");
    struct gw_intake_ref dep = {GW_INTAKE_DEPARTMENT, "d9", "/department_id"};
    gw_intake_ref_unknown(&dep, &e);
    CHECK_STR(e.detail, "no department has the id 'd9'");
    struct gw_department d = {.id = "d1", .name = "Ops"};
    CHECK_INT(gw_intake_department_taken(&d, &e), GW_E_REVIEW_NAME_TAKEN);
    CHECK_STR(e.where, "/name");
    CHECK_STR(e.detail, "a department named Ops exists");
    struct gw_person p = {.id = "p1", .email = "a@b.c"};
    CHECK_INT(gw_intake_person_taken(&p, &e), GW_E_REVIEW_NAME_TAKEN);
    CHECK_STR(e.where, "/email");
    CHECK_STR(e.detail, "a person with the email a@b.c (or the id p1) exists");
}

static void test_request_policy(void)
{
    static const struct {
        enum gw_review_policy_kind kind;
        unsigned required;
        size_t n;
        enum gw_err code;
        const char *where;
    } cases[] = {
        {GW_REVIEW_POLICY_ALL, 0, 2, GW_OK, ""},
        {GW_REVIEW_POLICY_ALL, 0, 0, GW_E_REVIEW_APPROVER_INVALID, "/approvers"},
        {GW_REVIEW_POLICY_N_OF_M, 2, 3, GW_OK, ""},
        {GW_REVIEW_POLICY_N_OF_M, 4, 3, GW_E_REVIEW_POLICY_INVALID, "/required"},
        {GW_REVIEW_POLICY_N_OF_M, 0, 3, GW_E_REVIEW_POLICY_INVALID, "/required"},
    };
    static const char *const ids[] = {"a", "b", "c"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_course_request r = {0};
        snprintf(r.id, sizeof r.id, "r%zu", i);
        r.policy.kind = cases[i].kind;
        r.policy.required = cases[i].required;
        r.n_approvers = cases[i].n;
        for (size_t a = 0; a < r.n_approvers; a++)
            r.approvers[a].person_id = ids[a];
        struct gw_error e;
        gw_error_clear(&e);
        CHECK_INT(gw_intake_request_check(&r, 1000, &e), cases[i].code);
        if (cases[i].code != GW_OK)
            CHECK_STR(e.where, cases[i].where);
    }
    /* the same approver twice */
    struct gw_course_request r = {0};
    r.policy.kind = GW_REVIEW_POLICY_ALL;
    r.n_approvers = 2;
    r.approvers[0].person_id = r.approvers[1].person_id = "a";
    struct gw_error e;
    CHECK_INT(gw_intake_request_check(&r, 1000, &e), GW_E_REVIEW_APPROVER_INVALID);
    /* a fixed due date that passed before the round (the request) opened */
    r.approvers[1].person_id = "b";
    r.approvers[1].due_ms = 86400000;
    CHECK_INT(gw_intake_request_check(&r, 3 * 86400000LL, &e), GW_E_REVIEW_APPROVER_INVALID);
    CHECK_STR(e.where, "/approvers/1");
}

int main(void)
{
    GW_RUN(test_request_refs_in_order);
    GW_RUN(test_request_refs_every_approver);
    GW_RUN(test_department_and_person_refs);
    GW_RUN(test_words);
    GW_RUN(test_request_policy);
    return gw_test_summary();
}
