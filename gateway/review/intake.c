/* intake.c: the rules of taking in a department, a person and a course
 * request (gw/intake.h): the references each makes and where they stand in
 * its body, the words of an unknown reference or a taken name, and the
 * request's policy against its approvers. Loading and inserting are
 * app/review_org.c's with the store's verbs. */
#include "gw/intake.h"

#include <stdio.h>

/* Appends a reference when id is given; answers the new count. */
static size_t add(struct gw_intake_ref *out, size_t n, enum gw_intake_kind kind, const char *id,
                  const char *where)
{
    if (!id || !*id)
        return n;
    out[n].kind = kind;
    out[n].id = id;
    snprintf(out[n].where, sizeof out[n].where, "%s", where);
    return n + 1;
}

size_t gw_intake_department_refs(const char *head_person_id,
                                 struct gw_intake_ref out[GW_INTAKE_REFS_MAX])
{
    return add(out, 0, GW_INTAKE_PERSON, head_person_id, "/head_person_id");
}

size_t gw_intake_person_refs(const struct gw_person *p,
                             struct gw_intake_ref out[GW_INTAKE_REFS_MAX])
{
    return add(out, 0, GW_INTAKE_DEPARTMENT, p->department_id, "/department_id");
}

size_t gw_intake_request_refs(const struct gw_course_request *r,
                              struct gw_intake_ref out[GW_INTAKE_REFS_MAX])
{
    size_t n = add(out, 0, GW_INTAKE_DEPARTMENT, r->department_id, "/department_id");
    n = add(out, n, GW_INTAKE_PERSON, r->sme_person_id, "/sme_person_id");
    for (size_t i = 0; i < r->n_approvers && i < GW_REVIEW_MAX_APPROVERS; i++) {
        char where[64];
        snprintf(where, sizeof where, "/approvers/%zu/person_id", i);
        n = add(out, n, GW_INTAKE_PERSON, r->approvers[i].person_id, where);
    }
    return n;
}

enum gw_err gw_intake_ref_unknown(const struct gw_intake_ref *ref, struct gw_error *err)
{
    return gw_error_set(err, GW_E_REVIEW_REFERENCE_UNKNOWN, ref->where, "no %s has the id '%s'",
                        ref->kind == GW_INTAKE_PERSON ? "person" : "department", ref->id);
}

enum gw_err gw_intake_department_taken(const struct gw_department *d, struct gw_error *err)
{
    return gw_error_set(err, GW_E_REVIEW_NAME_TAKEN, "/name", "a department named %s exists",
                        d->name);
}

enum gw_err gw_intake_person_taken(const struct gw_person *p, struct gw_error *err)
{
    return gw_error_set(err, GW_E_REVIEW_NAME_TAKEN, "/email",
                        "a person with the email %s (or the id %s) exists", p->email, p->id);
}

enum gw_err gw_intake_request_check(const struct gw_course_request *r, int64_t now_ms,
                                    struct gw_error *err)
{
    struct gw_review_round probe;
    gw_review_round_init(&probe, r->id, "request", now_ms, &r->policy);
    enum gw_err rc = GW_OK;
    for (size_t i = 0; rc == GW_OK && i < r->n_approvers; i++)
        rc = gw_review_round_add_approver(&probe, r->approvers[i].person_id, r->approvers[i].due_ms,
                                          err);
    if (rc == GW_OK)
        rc = gw_review_round_check(&probe, err);
    gw_review_round_free(&probe);
    return rc;
}
