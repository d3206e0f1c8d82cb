/* review_org.c: the intake's use cases (gw/review_app.h): creating a
 * department, changing its settings or head, creating a person, checking
 * that a person exists, taking in a course request. Each runs in one store
 * transaction: the domain says which departments and people a body names
 * and where (gw/intake.h), the store's verbs say whether they exist and
 * insert (gw/review_verbs.h), and the domain words the refusals. No SQL. */
#include "gw/review_app.h"

#include "gw/buf.h"
#include "gw/http.h"
#include "gw/intake.h"
#include "gw/review_verbs.h"

/* GW_QS_ONE when every reference exists; REVIEW_REFERENCE_UNKNOWN (hard) at
 * the first that does not. */
static enum gw_qs refs_exist(struct gw_db *db, const struct gw_intake_ref *refs, size_t n,
                             struct gw_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *table = refs[i].kind == GW_INTAKE_PERSON ? "people" : "departments";
        enum gw_qs qs = gw_rv_exists(db, table, refs[i].id, err);
        if (qs == GW_QS_NONE) {
            gw_intake_ref_unknown(&refs[i], err);
            return GW_QS_HARD;
        }
        if (qs < 0)
            return qs;
    }
    return GW_QS_ONE;
}

/* A taken unique key (CONFLICT) in the domain's words. */
static bool taken(enum gw_qs qs, const struct gw_error *err)
{
    return qs == GW_QS_HARD && err->code == GW_E_CONFLICT;
}

/* ---- departments ---- */

struct dep_ctx {
    const struct gw_department *d;
    int64_t now_ms;
};

static enum gw_qs dep_create_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct dep_ctx *c = ud;
    struct gw_intake_ref refs[GW_INTAKE_REFS_MAX];
    enum gw_qs qs =
        refs_exist(db, refs, gw_intake_department_refs(c->d->head_person_id, refs), err);
    if (qs >= 0)
        qs = gw_rv_department_insert(db, c->d, c->now_ms, err);
    if (taken(qs, err))
        gw_intake_department_taken(c->d, err);
    return qs;
}

enum gw_err gw_app_department_create(struct gw_store *s, const struct gw_department *d,
                                     int64_t now_ms, struct gw_error *err)
{
    struct dep_ctx c = {d, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, dep_create_body, &c, err);
}

struct dep_upd {
    const char *id, *settings, *head;
};

static enum gw_qs dep_update_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct dep_upd *c = ud;
    struct gw_intake_ref refs[GW_INTAKE_REFS_MAX];
    enum gw_qs qs = refs_exist(db, refs, gw_intake_department_refs(c->head, refs), err);
    if (qs >= 0)
        qs = gw_rv_department_update(db, c->id, c->settings, c->head, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no department has the id '%s'", c->id);
        return GW_QS_HARD;
    }
    return qs;
}

enum gw_err gw_app_department_update(struct gw_store *s, const char *id, const char *settings,
                                     const char *head_person_id, struct gw_error *err)
{
    struct dep_upd c = {id, settings, head_person_id};
    return gw_store_tx(s, GW_TX_WRITE, dep_update_body, &c, err);
}

/* ---- people ---- */

struct person_ctx {
    const struct gw_person *p;
    int64_t now_ms;
};

unsigned gw_app_person_roles(const struct gw_person *p)
{
    return p->roles ? p->roles : GW_ROLE_APPROVER;
}

static enum gw_qs person_create_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct person_ctx *c = ud;
    struct gw_intake_ref refs[GW_INTAKE_REFS_MAX];
    enum gw_qs qs = refs_exist(db, refs, gw_intake_person_refs(c->p, refs), err);
    if (qs >= 0)
        qs = gw_rv_person_insert(db, c->p, gw_app_person_roles(c->p), c->now_ms, err);
    if (taken(qs, err))
        gw_intake_person_taken(c->p, err);
    return qs;
}

enum gw_err gw_app_person_create(struct gw_store *s, const struct gw_person *p, int64_t now_ms,
                                 struct gw_error *err)
{
    struct person_ctx c = {p, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, person_create_body, &c, err);
}

static enum gw_qs person_known_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    const struct gw_intake_ref *ref = ud;
    return refs_exist(db, ref, ref->id && *ref->id ? 1 : 0, err);
}

enum gw_err gw_app_person_known(struct gw_store *s, const char *id, const char *where,
                                struct gw_error *err)
{
    struct gw_intake_ref ref = {GW_INTAKE_PERSON, id, ""};
    gw_copy_str(ref.where, sizeof ref.where, where);
    return gw_store_tx(s, GW_TX_READ, person_known_body, &ref, err);
}

/* ---- course requests ---- */

struct req_ctx {
    const struct gw_course_request *r;
    int64_t now_ms;
};

static enum gw_qs req_create_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct req_ctx *c = ud;
    struct gw_intake_ref refs[GW_INTAKE_REFS_MAX];
    enum gw_qs qs = refs_exist(db, refs, gw_intake_request_refs(c->r, refs), err);
    return qs < 0 ? qs : gw_rv_request_insert(db, c->r, c->now_ms, err);
}

enum gw_err gw_app_request_create(struct gw_store *s, const struct gw_course_request *r,
                                  int64_t now_ms, struct gw_error *err)
{
    enum gw_err rc = gw_intake_request_check(r, now_ms, err);
    if (rc != GW_OK)
        return rc;
    struct req_ctx c = {r, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, req_create_body, &c, err);
}
