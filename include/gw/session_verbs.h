/* session_verbs: the store's verbs for sign-in attempts, sign-in links and
 * sessions (gateway/store/sessions.c, migration 0014), for the use cases of
 * app/signin.c that run inside one gw_store_tx: load -> decide (gw/signin.h)
 * -> apply. Each takes the transaction's struct gw_db and answers a gw_qs.
 * Secrets (link tokens, session ids) are passed as they are and stored only
 * as their SHA-256 hex, hashed here. "Once" stays in the SQL: a link is
 * marked used only by the update that finds it unused. Called only by app/;
 * the API and the router call the use cases (gw/session.h). */
#ifndef GW_SESSION_VERBS_H
#define GW_SESSION_VERBS_H

#include "gw/session.h"
#include "gw/signin.h"

/* DELETE the attempts made before before_ms. */
enum gw_qs gw_sess_attempts_prune(struct gw_db *db, int64_t before_ms, struct gw_error *err);
enum gw_sess_by { GW_SESS_BY_EMAIL, GW_SESS_BY_ADDRESS };
/* How many attempts by email (or from address) = value were made at or
 * after since_ms, and the time of the oldest of them (0 when none). */
enum gw_qs gw_sess_attempts_count(struct gw_db *db, enum gw_sess_by by, const char *value,
                                  int64_t since_ms, int64_t *count, int64_t *oldest_ms,
                                  struct gw_error *err);
/* INSERT an attempt. */
enum gw_qs gw_sess_attempt_insert(struct gw_db *db, int64_t at_ms, const char *email,
                                  const char *address, struct gw_error *err);
/* The person whose email, lower-cased, is email (already lower-cased):
 * GW_QS_ONE with *person filled, or GW_QS_NONE. */
enum gw_qs gw_sess_person_by_email(struct gw_db *db, const char *email,
                                   struct gw_session_person *person, struct gw_error *err);
/* INSERT a link (the SHA-256 of token) for person_id. */
enum gw_qs gw_sess_link_insert(struct gw_db *db, const char *token, const char *person_id,
                               int64_t created_ms, int64_t expires_ms, struct gw_error *err);
/* DELETE the links made before before_ms. */
enum gw_qs gw_sess_links_prune(struct gw_db *db, int64_t before_ms, struct gw_error *err);
/* The link of token with its person: GW_QS_ONE (l->found, *person filled),
 * or GW_QS_NONE (l->found false). */
enum gw_qs gw_sess_link_load(struct gw_db *db, const char *token, struct gw_signin_link *l,
                             struct gw_session_person *person, struct gw_error *err);
/* Marks the link of token used at now_ms if it is unused; *marked says
 * whether this call marked it. */
enum gw_qs gw_sess_link_use(struct gw_db *db, const char *token, int64_t now_ms, bool *marked,
                            struct gw_error *err);
/* INSERT a session (the SHA-256 of session_id) for person_id, created and
 * last seen at now_ms, ending at expires_ms. */
enum gw_qs gw_sess_insert(struct gw_db *db, const char *session_id, const char *person_id,
                          const char *csrf, const char *address, int64_t now_ms, int64_t expires_ms,
                          struct gw_error *err);
/* The session of session_id: o->id_hash always; when found (GW_QS_ONE), its
 * csrf, times and person into o and its state into *st; GW_QS_NONE (st->found
 * false) otherwise. */
enum gw_qs gw_sess_load(struct gw_db *db, const char *session_id, struct gw_session *o,
                        struct gw_signin_session *st, struct gw_error *err);
/* Notes the session's last request at now_ms. */
enum gw_qs gw_sess_touch(struct gw_db *db, const char *id_hash, int64_t now_ms,
                         struct gw_error *err);
/* The person of session_id's session (cap bytes): GW_QS_ONE, or GW_QS_NONE. */
enum gw_qs gw_sess_owner(struct gw_db *db, const char *session_id, char *person_id, size_t cap,
                         struct gw_error *err);
/* Marks revoked at now_ms the session of session_id, or (everywhere) every
 * session of person_id, that is not revoked yet. */
enum gw_qs gw_sess_revoke(struct gw_db *db, const char *session_id, const char *person_id,
                          bool everywhere, int64_t now_ms, struct gw_error *err);

#endif
