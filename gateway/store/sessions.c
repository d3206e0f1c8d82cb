/* sessions.c: sign-in links, sessions and sign-in attempts in the store
 * (migration 0014): the verbs of gw/session_verbs.h, which app/signin.c's
 * use cases load and write with, and the roles' text of gw/session.h. Only
 * SHA-256 hashes of tokens and session ids are kept. The limits, expiries
 * and what is audited are decided elsewhere (gw/signin.h, app/signin.c). */
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/session_verbs.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- sign-in attempts ---- */

enum gw_qs gw_sess_attempts_prune(struct gw_db *db, int64_t before_ms, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(before_ms)};
    return gw_db_query(db, "DELETE FROM signin_attempts WHERE at_ms < $1", p, 1, NULL, NULL, err);
}

enum gw_qs gw_sess_attempts_count(struct gw_db *db, enum gw_sess_by by, const char *value,
                                  int64_t since_ms, int64_t *count, int64_t *oldest_ms,
                                  struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(value), GW_P_INT(since_ms)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                by == GW_SESS_BY_EMAIL
                                    ? "SELECT COUNT(*), MIN(at_ms) FROM signin_attempts WHERE "
                                      "email = $1 AND at_ms >= $2"
                                    : "SELECT COUNT(*), MIN(at_ms) FROM signin_attempts WHERE "
                                      "address = $1 AND at_ms >= $2",
                                p, 2, &r, NULL, err);
    *count = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    *oldest_ms = qs == GW_QS_ONE && !gw_db_col_null(r, 1) ? gw_db_col_int(r, 1) : 0;
    gw_db_rows_free(r);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_qs gw_sess_attempt_insert(struct gw_db *db, int64_t at_ms, const char *email,
                                  const char *address, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(at_ms), GW_P_TEXT(email), GW_P_TEXT(address)};
    return gw_db_query(db,
                       "INSERT INTO signin_attempts (at_ms, email, address) VALUES ($1, $2, $3)", p,
                       3, NULL, NULL, err);
}

enum gw_qs gw_sess_person_by_email(struct gw_db *db, const char *email,
                                   struct gw_session_person *person, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(email)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT id, name, email, roles FROM people WHERE lower(email) = $1", p, 1,
                    &r, NULL, err);
    if (qs == GW_QS_ONE)
        read_person(r, 0, person);
    gw_db_rows_free(r);
    return qs;
}

/* ---- sign-in links ---- */

enum gw_qs gw_sess_link_insert(struct gw_db *db, const char *token, const char *person_id,
                               int64_t created_ms, int64_t expires_ms, struct gw_error *err)
{
    char hash[GW_SESSION_SECRET_HEX];
    hash_hex(token, hash);
    struct gw_dbp p[] = {GW_P_TEXT(hash), GW_P_TEXT(person_id), GW_P_INT(created_ms),
                         GW_P_INT(expires_ms)};
    return gw_db_query(db,
                       "INSERT INTO signin_tokens (token_hash, person_id, created_ms, expires_ms) "
                       "VALUES ($1, $2, $3, $4)",
                       p, 4, NULL, NULL, err);
}

enum gw_qs gw_sess_links_prune(struct gw_db *db, int64_t before_ms, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(before_ms)};
    return gw_db_query(db, "DELETE FROM signin_tokens WHERE created_ms < $1", p, 1, NULL, NULL,
                       err);
}

enum gw_qs gw_sess_link_load(struct gw_db *db, const char *token, struct gw_signin_link *l,
                             struct gw_session_person *person, struct gw_error *err)
{
    memset(l, 0, sizeof *l);
    char hash[GW_SESSION_SECRET_HEX];
    hash_hex(token, hash);
    struct gw_dbp p[] = {GW_P_TEXT(hash)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT t.expires_ms, t.used_ms, p.id, p.name, p.email, p.roles "
                                "FROM signin_tokens t JOIN people p ON p.id = t.person_id WHERE "
                                "t.token_hash = $1",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        l->found = true;
        l->expires_ms = gw_db_col_int(r, 0);
        l->used = !gw_db_col_null(r, 1);
        read_person(r, 2, person);
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_sess_link_use(struct gw_db *db, const char *token, int64_t now_ms, bool *marked,
                            struct gw_error *err)
{
    char hash[GW_SESSION_SECRET_HEX];
    hash_hex(token, hash);
    struct gw_dbp p[] = {GW_P_INT(now_ms), GW_P_TEXT(hash)};
    int64_t changed = 0;
    enum gw_qs qs = gw_db_query(db,
                                "UPDATE signin_tokens SET used_ms = $1 WHERE token_hash = $2 AND "
                                "used_ms IS NULL",
                                p, 2, NULL, &changed, err);
    *marked = qs >= 0 && changed == 1;
    return qs;
}

/* ---- sessions ---- */

enum gw_qs gw_sess_insert(struct gw_db *db, const char *session_id, const char *person_id,
                          const char *csrf, const char *address, int64_t now_ms, int64_t expires_ms,
                          struct gw_error *err)
{
    char sid[GW_SESSION_SECRET_HEX];
    hash_hex(session_id, sid);
    struct gw_dbp p[] = {GW_P_TEXT(sid),   GW_P_TEXT(person_id), GW_P_TEXT(csrf),
                         GW_P_INT(now_ms), GW_P_INT(expires_ms), GW_P_TEXT(address)};
    return gw_db_query(db,
                       "INSERT INTO sessions (id_hash, person_id, csrf, created_ms, last_seen_ms, "
                       "expires_ms, address) VALUES ($1, $2, $3, $4, $4, $5, $6)",
                       p, 6, NULL, NULL, err);
}

enum gw_qs gw_sess_load(struct gw_db *db, const char *session_id, struct gw_session *o,
                        struct gw_signin_session *st, struct gw_error *err)
{
    memset(st, 0, sizeof *st);
    hash_hex(session_id, o->id_hash);
    struct gw_dbp p[] = {GW_P_TEXT(o->id_hash)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT s.csrf, s.created_ms, s.last_seen_ms, s.expires_ms, "
                                "s.revoked_ms, p.id, p.name, p.email, p.roles FROM sessions s "
                                "JOIN people p ON p.id = s.person_id WHERE s.id_hash = $1",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(o->csrf, sizeof o->csrf, gw_db_col_text(r, 0));
        o->created_ms = gw_db_col_int(r, 1);
        o->last_seen_ms = gw_db_col_int(r, 2);
        o->expires_ms = gw_db_col_int(r, 3);
        read_person(r, 5, &o->person);
        st->found = true;
        st->revoked = !gw_db_col_null(r, 4);
        st->expires_ms = o->expires_ms;
        st->last_seen_ms = o->last_seen_ms;
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_sess_touch(struct gw_db *db, const char *id_hash, int64_t now_ms,
                         struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(now_ms), GW_P_TEXT(id_hash)};
    return gw_db_query(db, "UPDATE sessions SET last_seen_ms = $1 WHERE id_hash = $2", p, 2, NULL,
                       NULL, err);
}

enum gw_qs gw_sess_owner(struct gw_db *db, const char *session_id, char *person_id, size_t cap,
                         struct gw_error *err)
{
    char hash[GW_SESSION_SECRET_HEX];
    hash_hex(session_id, hash);
    struct gw_dbp p[] = {GW_P_TEXT(hash)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT person_id FROM sessions WHERE id_hash = $1", p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE)
        gw_copy_str(person_id, cap, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_sess_revoke(struct gw_db *db, const char *session_id, const char *person_id,
                          bool everywhere, int64_t now_ms, struct gw_error *err)
{
    char hash[GW_SESSION_SECRET_HEX];
    hash_hex(session_id, hash);
    struct gw_dbp p[] = {GW_P_INT(now_ms), GW_P_TEXT(everywhere ? person_id : hash)};
    return gw_db_query(db,
                       everywhere ? "UPDATE sessions SET revoked_ms = $1 WHERE person_id = $2 AND "
                                    "revoked_ms IS NULL"
                                  : "UPDATE sessions SET revoked_ms = $1 WHERE id_hash = $2 AND "
                                    "revoked_ms IS NULL",
                       p, 2, NULL, NULL, err);
}
