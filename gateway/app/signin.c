/* signin.c: the sign-in and session use cases (gw/session.h): asking for a
 * link, following it, reading a session for a request, ending it. Each runs
 * in one write transaction: load with the verbs of gw/session_verbs.h,
 * decide with gw/signin.h (limits, expiries, validity), write with the
 * verbs, and audit (signin.link_sent, signin.completed, signout,
 * signout.everywhere). No SQL; the time is passed in. */
#include "gw/session.h"

#include "gw/review_verbs.h"
#include "gw/session_verbs.h"
#include "gw/signin.h"

#include <string.h>

/* An audit line of the session's person, from address ("" for none). */
static enum gw_qs audit(struct gw_db *db, const char *action, const char *actor,
                        const char *address, int64_t now_ms, struct gw_error *err)
{
    struct gw_review_actor who = {0};
    who.actor = actor;
    who.via = "session";
    who.address = address && *address ? address : NULL;
    struct gw_audit_record rec;
    gw_rv_audit_from(&rec, &who, action, now_ms);
    return gw_rv_audit(db, &rec, err);
}

/* ---- asking for a link ---- */

struct request_ctx {
    char email[320];
    const char *address, *token;
    int64_t now, ttl, max;
    struct gw_session_person *person;
    bool *found;
    int64_t *retry_after_s;
};

/* The limits' counts over the window. */
static enum gw_qs count_attempts(struct gw_db *db, const struct request_ctx *c, int64_t since_ms,
                                 struct gw_signin_counts *n, struct gw_error *err)
{
    enum gw_qs qs = gw_sess_attempts_count(db, GW_SESS_BY_EMAIL, c->email, since_ms, &n->by_email,
                                           &n->oldest_email, err);
    if (qs >= 0)
        qs = gw_sess_attempts_count(db, GW_SESS_BY_ADDRESS, c->address, since_ms, &n->by_client,
                                    &n->oldest_client, err);
    return qs;
}

static enum gw_qs request_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct request_ctx *c = ud;
    *c->found = false;
    struct gw_signin_times t;
    gw_signin_times(c->now, c->ttl, &t);
    struct gw_signin_counts n = {0};
    enum gw_qs qs = gw_sess_attempts_prune(db, t.prune_before_ms, err);
    if (qs >= 0)
        qs = count_attempts(db, c, t.since_ms, &n, err);
    if (qs < 0)
        return qs;
    if (gw_signin_limit(&n, c->now, c->max, c->retry_after_s, err) != GW_OK)
        return GW_QS_HARD;
    qs = gw_sess_attempt_insert(db, c->now, c->email, c->address, err);
    if (qs >= 0)
        qs = gw_sess_person_by_email(db, c->email, c->person, err);
    if (qs != GW_QS_ONE)
        return qs < 0 ? qs : GW_QS_ONE; /* nobody: no link, and the caller says the same */
    qs = gw_sess_link_insert(db, c->token, c->person->id, c->now, t.expires_ms, err);
    if (qs >= 0)
        qs = gw_sess_links_prune(db, t.prune_before_ms, err);
    if (qs >= 0)
        qs = audit(db, "signin.link_sent", c->person->id, c->address, c->now, err);
    if (qs >= 0)
        *c->found = true;
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_app_signin_request(struct gw_store *s, const char *email, const char *address,
                                  const char *token, int64_t now_ms, int64_t ttl_ms,
                                  int64_t max_per_hour, struct gw_session_person *person,
                                  bool *found, int64_t *retry_after_s, struct gw_error *err)
{
    struct request_ctx c = {.address = address ? address : "",
                            .token = token,
                            .now = now_ms,
                            .ttl = ttl_ms,
                            .max = max_per_hour,
                            .person = person,
                            .found = found,
                            .retry_after_s = retry_after_s};
    gw_signin_email_key(email, c.email, sizeof c.email);
    *retry_after_s = 0;
    return gw_store_tx(s, GW_TX_WRITE, request_body, &c, err);
}

/* ---- following the link ---- */

struct complete_ctx {
    const char *token, *session_id, *csrf, *address;
    int64_t now, max;
    struct gw_session_person *person;
};

static enum gw_qs complete_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct complete_ctx *c = ud;
    struct gw_signin_link link;
    enum gw_qs qs = gw_sess_link_load(db, c->token, &link, c->person, err);
    if (qs < 0)
        return qs;
    if (gw_signin_link_check(&link, c->now, err) != GW_OK)
        return GW_QS_HARD;
    /* once: the update that marks it used must be the one that finds it unused */
    bool marked = false;
    qs = gw_sess_link_use(db, c->token, c->now, &marked, err);
    if (qs < 0)
        return qs;
    if (!marked) {
        link.used = true;
        gw_signin_link_check(&link, c->now, err);
        return GW_QS_HARD;
    }
    qs = gw_sess_insert(db, c->session_id, c->person->id, c->csrf, c->address, c->now,
                        c->now + c->max, err);
    if (qs >= 0)
        qs = audit(db, "signin.completed", c->person->id, c->address, c->now, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_app_signin_complete(struct gw_store *s, const char *token, const char *session_id,
                                   const char *csrf, const char *address, int64_t now_ms,
                                   int64_t max_ms, struct gw_session_person *person,
                                   struct gw_error *err)
{
    struct complete_ctx c = {token,  session_id, csrf,  address ? address : "",
                             now_ms, max_ms,     person};
    return gw_store_tx(s, GW_TX_WRITE, complete_body, &c, err);
}

/* ---- a request with the cookie ---- */

struct get_ctx {
    const char *session_id;
    int64_t now, idle;
    struct gw_session *out;
};

static enum gw_qs get_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct get_ctx *c = ud;
    struct gw_session *o = c->out;
    struct gw_signin_session st;
    enum gw_qs qs = gw_sess_load(db, c->session_id, o, &st, err);
    if (qs < 0)
        return qs;
    if (gw_signin_session_check(&st, c->now, c->idle, err) != GW_OK)
        return GW_QS_HARD;
    if (gw_signin_session_touch(o->last_seen_ms, c->now)) {
        qs = gw_sess_touch(db, o->id_hash, c->now, err);
        if (qs < 0)
            return qs;
        o->last_seen_ms = c->now;
    }
    o->idle_expires_ms = o->last_seen_ms + c->idle;
    return GW_QS_ONE;
}

enum gw_err gw_app_session_get(struct gw_store *s, const char *session_id, int64_t now_ms,
                               int64_t idle_ms, struct gw_session *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct get_ctx c = {session_id, now_ms, idle_ms, out};
    return gw_store_tx(s, GW_TX_WRITE, get_body, &c, err);
}

/* ---- signing out ---- */

struct revoke_ctx {
    const char *session_id, *address;
    bool everywhere;
    int64_t now;
};

static enum gw_qs revoke_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct revoke_ctx *c = ud;
    char person[64] = "";
    enum gw_qs qs = gw_sess_owner(db, c->session_id, person, sizeof person, err);
    if (qs != GW_QS_ONE)
        return qs < 0 ? qs : GW_QS_ONE; /* nothing to end */
    qs = gw_sess_revoke(db, c->session_id, person, c->everywhere, c->now, err);
    if (qs >= 0)
        qs = audit(db, gw_signin_signout_action(c->everywhere), person, c->address, c->now, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_app_session_revoke(struct gw_store *s, const char *session_id, bool everywhere,
                                  const char *address, int64_t now_ms, struct gw_error *err)
{
    struct revoke_ctx c = {session_id, address ? address : "", everywhere, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, revoke_body, &c, err);
}
