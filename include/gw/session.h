/* Signing in to the web app (issue 16): people sign in with their e-mail
 * address. The gateway mails a single-use link (valid signin_link_minutes);
 * opening it shows a "Sign in" button (a GET never signs in: mail scanners
 * follow links), whose POST starts a session: an HttpOnly, SameSite=Strict
 * cookie (Secure when public_url is https) that ends after
 * session_idle_minutes without a request or session_max_hours after sign-in,
 * at sign-out, or when the person signs out everywhere.
 *
 * The session cookie is a credential for the API routes, with the roles of
 * the person's record; every change made with it (any method but GET, HEAD
 * and OPTIONS) must carry the session's CSRF token in X-CSRF-Token, and an
 * Origin header, when sent, must be the gateway's own. API keys stay for
 * machines. Sign-in requests are rate-limited per address and per client and
 * audited (the audit log's signin.* and signout.* records).
 *
 * The store keeps only SHA-256 hashes of link tokens and session ids
 * (store/sessions.c, gw/session_verbs.h); the rules are auth/signin.c's
 * (gw/signin.h), the use cases app/signin.c's (below); api/session.c serves
 * the routes. */
#ifndef GW_SESSION_H
#define GW_SESSION_H

#include "gw/error.h"
#include "gw/http.h"
#include "gw/signin.h"
#include "gw/store.h"

#include <stdbool.h>
#include <stdint.h>

#define GW_SESSION_CSRF_HEADER "X-CSRF-Token"
#define GW_SESSION_SECRET_HEX 65 /* 32 random bytes as hex + NUL */

/* A person who may sign in, with the roles of their record. */
struct gw_session_person {
    char id[64];
    char name[256];
    char email[320];
    unsigned roles; /* GW_ROLE_* bits */
};

/* A live session, as the router needs it. */
struct gw_session {
    struct gw_session_person person;
    char csrf[GW_SESSION_SECRET_HEX];
    char id_hash[GW_SESSION_SECRET_HEX]; /* SHA-256 hex of the cookie's value */
    int64_t created_ms, last_seen_ms, expires_ms, idle_expires_ms;
};

/* "admin,author" -> bits; unknown names are skipped. */
unsigned gw_session_roles_parse(const char *csv);
/* bits -> "admin,author" into out (cap bytes). */
void gw_session_roles_format(unsigned roles, char *out, size_t cap);

/* ---- the use cases (app/signin.c), each in one store transaction ---- */
/* Records a sign-in request for email (lower-cased here) from address, and
 * when the limits allow and the address is a person's, stores the SHA-256 of
 * token (a fresh secret the caller mails) valid until now + ttl_ms and fills
 * *person, *found. SIGNIN_RATE_LIMITED (with *retry_after_s) over
 * max_per_hour for the address, or 10 * max_per_hour for the client.
 * Attempts and links older than a day are pruned. Audited as
 * signin.link_sent when a link is made. */
enum gw_err gw_app_signin_request(struct gw_store *s, const char *email, const char *address,
                                  const char *token, int64_t now_ms, int64_t ttl_ms,
                                  int64_t max_per_hour, struct gw_session_person *person,
                                  bool *found, int64_t *retry_after_s, struct gw_error *err);
/* Uses the link token once and starts a session for its person: the
 * SHA-256 of session_id and csrf are stored, the session ends at now +
 * max_ms. SIGNIN_LINK_INVALID when unknown, SIGNIN_LINK_EXPIRED when used
 * or expired. Audited as signin.completed. */
enum gw_err gw_app_signin_complete(struct gw_store *s, const char *token, const char *session_id,
                                   const char *csrf, const char *address, int64_t now_ms,
                                   int64_t max_ms, struct gw_session_person *person,
                                   struct gw_error *err);
/* The session whose cookie value is session_id, at now: SESSION_EXPIRED when
 * unknown, revoked, past its absolute expiry or idle for idle_ms. Notes the
 * request (last_seen) at most once a minute. */
enum gw_err gw_app_session_get(struct gw_store *s, const char *session_id, int64_t now_ms,
                               int64_t idle_ms, struct gw_session *out, struct gw_error *err);
/* Ends the session (everywhere: every session of its person). Audited. */
enum gw_err gw_app_session_revoke(struct gw_store *s, const char *session_id, bool everywhere,
                                  const char *address, int64_t now_ms, struct gw_error *err);

/* The value of cookie name in a Cookie header into out (cap bytes); false
 * when absent or longer than cap - 1. */
bool gw_cookie_value(const char *header, const char *name, char *out, size_t cap);

/* Whether an Origin header value is url's scheme, host and port. */
bool gw_same_origin(const char *origin, const char *url);

/* For the router (http/server.c): the request's session from its Cookie
 * header, checked as a credential for method (CSRF and Origin for changes).
 * GW_E_AUTH_MISSING when there is no session cookie. Fills who. */
enum gw_err gw_session_authorize(struct gw_server *srv, const struct gw_req *req,
                                 struct gw_principal *who, struct gw_error *err);

#endif
