/* sessions.c: sign-in links, sessions and sign-in attempts in the store
 * (migration 0014; gw/session.h). Only SHA-256 hashes of tokens and session
 * ids are kept. Sign-in and sign-out are audited in the audit log. */
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/session.h"
#include "review_int.h"
#include "store_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR_MS (3600LL * 1000)
#define TOUCH_EVERY_MS (60LL * 1000) /* last_seen is written at most this often */

unsigned gw_session_roles_parse(const char *csv)
{
    unsigned bits = 0;
    for (const char *p = csv ? csv : ""; *p;) {
        size_t n = strcspn(p, ",");
        char name[16];
        if (n < sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)n, p);
            bits |= gw_role_from_name(name);
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return bits & (GW_ROLE_ADMIN | GW_ROLE_AUTHOR | GW_ROLE_APPROVER | GW_ROLE_BI);
}

void gw_session_roles_format(unsigned roles, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned bit = 1; bit <= GW_ROLE_BI; bit <<= 1) {
        if (roles & bit)
            n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "",
                                  gw_role_name(bit));
    }
}

static void hash_hex(const char *secret, char out[GW_SESSION_SECRET_HEX])
{
    gw_sha256_hex(secret, strlen(secret), out);
}

static void read_person(struct gw_db_rows *r, int col, struct gw_session_person *p)
{
    memset(p, 0, sizeof *p);
    gw_copy_str(p->id, sizeof p->id, gw_db_col_text(r, col));
    gw_copy_str(p->name, sizeof p->name, gw_db_col_text(r, col + 1));
    gw_copy_str(p->email, sizeof p->email, gw_db_col_text(r, col + 2));
    p->roles = gw_session_roles_parse(gw_db_col_text(r, col + 3));
}

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

/* How many attempts column col = value made in the last hour; the oldest's
 * time into *oldest. */
static enum gw_qs count_recent(struct gw_db *db, const char *sql, const char *value, int64_t now,
                               int64_t *count, int64_t *oldest, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(value), GW_P_INT(now - HOUR_MS)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, sql, p, 2, &r, NULL, err);
    *count = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    *oldest = qs == GW_QS_ONE && !gw_db_col_null(r, 1) ? gw_db_col_int(r, 1) : now;
    gw_db_rows_free(r);
    return qs < 0 ? qs : GW_QS_ONE;
}

static enum gw_qs request_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct request_ctx *c = ud;
    *c->found = false;
    /* a day of attempts is all the limits read */
    struct gw_dbp old[] = {GW_P_INT(c->now - 24 * HOUR_MS)};
    enum gw_qs qs =
        gw_db_query(db, "DELETE FROM signin_attempts WHERE at_ms < $1", old, 1, NULL, NULL, err);
    if (qs < 0)
        return qs;
    int64_t by_email = 0, by_client = 0, t1 = c->now, t2 = c->now;
    qs = count_recent(db,
                      "SELECT COUNT(*), MIN(at_ms) FROM signin_attempts WHERE email = $1 AND "
                      "at_ms >= $2",
                      c->email, c->now, &by_email, &t1, err);
    if (qs >= 0)
        qs = count_recent(db,
                          "SELECT COUNT(*), MIN(at_ms) FROM signin_attempts WHERE address = $1 "
                          "AND at_ms >= $2",
                          c->address, c->now, &by_client, &t2, err);
    if (qs < 0)
        return qs;
    if (by_email >= c->max || by_client >= 10 * c->max) {
        int64_t oldest = by_email >= c->max ? t1 : t2;
        *c->retry_after_s = (oldest + HOUR_MS - c->now) / 1000 + 1;
        gw_error_set(err, GW_E_SIGNIN_RATE_LIMITED, "email",
                     "too many sign-in requests %s in the last hour; try again in %lld minutes",
                     by_email >= c->max ? "for this address" : "from this client",
                     (long long)(*c->retry_after_s + 59) / 60);
        return GW_QS_HARD;
    }
    struct gw_dbp at[] = {GW_P_INT(c->now), GW_P_TEXT(c->email), GW_P_TEXT(c->address)};
    qs = gw_db_query(db, "INSERT INTO signin_attempts (at_ms, email, address) VALUES ($1, $2, $3)",
                     at, 3, NULL, NULL, err);
    if (qs < 0)
        return qs;
    struct gw_dbp pe[] = {GW_P_TEXT(c->email)};
    struct gw_db_rows *r = NULL;
    qs = gw_db_query(db, "SELECT id, name, email, roles FROM people WHERE lower(email) = $1", pe, 1,
                     &r, NULL, err);
    if (qs == GW_QS_ONE)
        read_person(r, 0, c->person);
    gw_db_rows_free(r);
    if (qs != GW_QS_ONE)
        return qs < 0 ? qs : GW_QS_ONE; /* nobody: no link, and the caller says the same */
    char hash[GW_SESSION_SECRET_HEX];
    hash_hex(c->token, hash);
    struct gw_dbp tk[] = {GW_P_TEXT(hash), GW_P_TEXT(c->person->id), GW_P_INT(c->now),
                          GW_P_INT(c->now + c->ttl)};
    qs = gw_db_query(db,
                     "INSERT INTO signin_tokens (token_hash, person_id, created_ms, expires_ms) "
                     "VALUES ($1, $2, $3, $4)",
                     tk, 4, NULL, NULL, err);
    if (qs >= 0) {
        struct gw_dbp gone[] = {GW_P_INT(c->now - 24 * HOUR_MS)};
        qs = gw_db_query(db, "DELETE FROM signin_tokens WHERE created_ms < $1", gone, 1, NULL, NULL,
                         err);
    }
    if (qs >= 0)
        qs = audit(db, "signin.link_sent", c->person->id, c->address, c->now, err);
    if (qs >= 0)
        *c->found = true;
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_signin_request(struct gw_store *s, const char *email, const char *address,
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
    size_t i = 0;
    for (; email[i] && i < sizeof c.email - 1; i++)
        c.email[i] = (char)tolower((unsigned char)email[i]);
    c.email[i] = '\0';
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
    char hash[GW_SESSION_SECRET_HEX];
    hash_hex(c->token, hash);
    struct gw_dbp p[] = {GW_P_TEXT(hash)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT t.expires_ms, t.used_ms, p.id, p.name, p.email, p.roles "
                                "FROM signin_tokens t JOIN people p ON p.id = t.person_id WHERE "
                                "t.token_hash = $1",
                                p, 1, &r, NULL, err);
    bool usable = false;
    if (qs == GW_QS_ONE) {
        usable = gw_db_col_null(r, 1) && gw_db_col_int(r, 0) > c->now;
        read_person(r, 2, c->person);
    }
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_SIGNIN_LINK_INVALID, "token",
                     "this sign-in link is not one this gateway sent");
        return GW_QS_HARD;
    }
    if (!usable) {
        gw_error_set(err, GW_E_SIGNIN_LINK_EXPIRED, "token",
                     "this sign-in link was used already or has expired");
        return GW_QS_HARD;
    }
    /* once: the update that marks it used must be the one that finds it unused */
    struct gw_dbp u[] = {GW_P_INT(c->now), GW_P_TEXT(hash)};
    int64_t changed = 0;
    qs = gw_db_query(db,
                     "UPDATE signin_tokens SET used_ms = $1 WHERE token_hash = $2 AND used_ms IS "
                     "NULL",
                     u, 2, NULL, &changed, err);
    if (qs < 0)
        return qs;
    if (changed != 1) {
        gw_error_set(err, GW_E_SIGNIN_LINK_EXPIRED, "token",
                     "this sign-in link was used already or has expired");
        return GW_QS_HARD;
    }
    char sid[GW_SESSION_SECRET_HEX];
    hash_hex(c->session_id, sid);
    struct gw_dbp sp[] = {GW_P_TEXT(sid),   GW_P_TEXT(c->person->id),  GW_P_TEXT(c->csrf),
                          GW_P_INT(c->now), GW_P_INT(c->now + c->max), GW_P_TEXT(c->address)};
    qs = gw_db_query(db,
                     "INSERT INTO sessions (id_hash, person_id, csrf, created_ms, last_seen_ms, "
                     "expires_ms, address) VALUES ($1, $2, $3, $4, $4, $5, $6)",
                     sp, 6, NULL, NULL, err);
    if (qs >= 0)
        qs = audit(db, "signin.completed", c->person->id, c->address, c->now, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_signin_complete(struct gw_store *s, const char *token, const char *session_id,
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
    hash_hex(c->session_id, o->id_hash);
    struct gw_dbp p[] = {GW_P_TEXT(o->id_hash)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT s.csrf, s.created_ms, s.last_seen_ms, s.expires_ms, "
                                "s.revoked_ms, p.id, p.name, p.email, p.roles FROM sessions s "
                                "JOIN people p ON p.id = s.person_id WHERE s.id_hash = $1",
                                p, 1, &r, NULL, err);
    bool live = false;
    if (qs == GW_QS_ONE) {
        gw_copy_str(o->csrf, sizeof o->csrf, gw_db_col_text(r, 0));
        o->created_ms = gw_db_col_int(r, 1);
        o->last_seen_ms = gw_db_col_int(r, 2);
        o->expires_ms = gw_db_col_int(r, 3);
        read_person(r, 5, &o->person);
        live = gw_db_col_null(r, 4) && c->now < o->expires_ms && c->now < o->last_seen_ms + c->idle;
    }
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    if (!live) {
        gw_error_set(err, GW_E_SESSION_EXPIRED, GW_SESSION_COOKIE,
                     qs == GW_QS_NONE ? "no session has this cookie"
                                      : "the session ended: sign in again");
        return GW_QS_HARD;
    }
    if (c->now - o->last_seen_ms >= TOUCH_EVERY_MS) {
        struct gw_dbp t[] = {GW_P_INT(c->now), GW_P_TEXT(o->id_hash)};
        qs = gw_db_query(db, "UPDATE sessions SET last_seen_ms = $1 WHERE id_hash = $2", t, 2, NULL,
                         NULL, err);
        if (qs < 0)
            return qs;
        o->last_seen_ms = c->now;
    }
    o->idle_expires_ms = o->last_seen_ms + c->idle;
    return GW_QS_ONE;
}

enum gw_err gw_store_session_get(struct gw_store *s, const char *session_id, int64_t now_ms,
                                 int64_t idle_ms, struct gw_session *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct get_ctx c = {session_id, now_ms, idle_ms, out};
    return gw_store_tx(s, GW_TX_WRITE, get_body, &c, err);
}

struct revoke_ctx {
    const char *session_id, *address;
    bool everywhere;
    int64_t now;
};

static enum gw_qs revoke_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct revoke_ctx *c = ud;
    char hash[GW_SESSION_SECRET_HEX];
    hash_hex(c->session_id, hash);
    struct gw_dbp p[] = {GW_P_TEXT(hash)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT person_id FROM sessions WHERE id_hash = $1", p, 1, &r, NULL, err);
    char person[64] = "";
    if (qs == GW_QS_ONE)
        gw_copy_str(person, sizeof person, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    if (qs != GW_QS_ONE)
        return qs < 0 ? qs : GW_QS_ONE; /* nothing to end */
    struct gw_dbp u[] = {GW_P_INT(c->now), GW_P_TEXT(c->everywhere ? person : hash)};
    qs = gw_db_query(db,
                     c->everywhere ? "UPDATE sessions SET revoked_ms = $1 WHERE person_id = $2 AND "
                                     "revoked_ms IS NULL"
                                   : "UPDATE sessions SET revoked_ms = $1 WHERE id_hash = $2 AND "
                                     "revoked_ms IS NULL",
                     u, 2, NULL, NULL, err);
    if (qs >= 0)
        qs = audit(db, c->everywhere ? "signout.everywhere" : "signout", person, c->address, c->now,
                   err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_session_revoke(struct gw_store *s, const char *session_id, bool everywhere,
                                    const char *address, int64_t now_ms, struct gw_error *err)
{
    struct revoke_ctx c = {session_id, address ? address : "", everywhere, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, revoke_body, &c, err);
}
