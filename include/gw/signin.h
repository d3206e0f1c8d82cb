/* signin: the rules of signing in by e-mail and of a session's life
 * (gateway/auth/signin.c): the times a sign-in request reads and writes
 * (the limits' hour, the day attempts and links are kept, the link's
 * expiry), the rate limits per address and per client with the retry-after
 * and their words, whether a link may be used, whether a session is live
 * and when its last request is noted. Pure: handed the loaded state and the
 * time, no SQL, no clock. The use cases that load, decide with these and
 * write are app/signin.c's (gw/session.h); the verbs gw/session_verbs.h's. */
#ifndef GW_SIGNIN_H
#define GW_SIGNIN_H

#include "gw/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_SESSION_COOKIE "lmsgw_session"
#define GW_SIGNIN_WINDOW_MS (3600LL * 1000)          /* the limits count the last hour */
#define GW_SIGNIN_KEEP_MS (24 * GW_SIGNIN_WINDOW_MS) /* attempts and links are kept a day */
#define GW_SESSION_TOUCH_MS (60LL * 1000)            /* last_seen is written at most this often */

/* The times a sign-in request made at now reads and writes. */
struct gw_signin_times {
    int64_t since_ms;        /* the limits count attempts from here on */
    int64_t prune_before_ms; /* attempts and links made before are deleted */
    int64_t expires_ms;      /* the new link's expiry (now + its ttl) */
};
void gw_signin_times(int64_t now_ms, int64_t ttl_ms, struct gw_signin_times *out);

/* The address as the limits count it and people are looked up by:
 * lower-cased (ASCII), cut to cap - 1 bytes. */
void gw_signin_email_key(const char *email, char *out, size_t cap);

/* What the limits read: the attempts since since_ms for the address and
 * from the client, with the time of the oldest of each (0: none). */
struct gw_signin_counts {
    int64_t by_email, oldest_email;
    int64_t by_client, oldest_client;
};
/* GW_OK while an address has had fewer than max_per_hour attempts and the
 * client fewer than 10 * max_per_hour. Otherwise SIGNIN_RATE_LIMITED at
 * "email", saying which limit and in how many minutes to try again, and
 * *retry_after_s: the seconds until the oldest counted attempt of the limit
 * hit (the address's first) leaves the hour, plus one. */
enum gw_err gw_signin_limit(const struct gw_signin_counts *c, int64_t now_ms, int64_t max_per_hour,
                            int64_t *retry_after_s, struct gw_error *err);

/* A sign-in link as loaded. */
struct gw_signin_link {
    bool found; /* a link with the token's hash exists */
    bool used;  /* it was used already */
    int64_t expires_ms;
};
/* GW_OK when the link may be used at now. SIGNIN_LINK_INVALID when not
 * found, SIGNIN_LINK_EXPIRED when used or expired (both at "token"). */
enum gw_err gw_signin_link_check(const struct gw_signin_link *l, int64_t now_ms,
                                 struct gw_error *err);

/* A session as loaded. */
struct gw_signin_session {
    bool found, revoked;
    int64_t expires_ms, last_seen_ms;
};
/* GW_OK when the session is live at now: found, not revoked, before its
 * absolute expiry and less than idle_ms after its last request.
 * SESSION_EXPIRED at the cookie otherwise. */
enum gw_err gw_signin_session_check(const struct gw_signin_session *s, int64_t now_ms,
                                    int64_t idle_ms, struct gw_error *err);
/* Whether a request at now notes the session's last request (at most once
 * every GW_SESSION_TOUCH_MS). */
bool gw_signin_session_touch(int64_t last_seen_ms, int64_t now_ms);
/* The audit action of a sign-out: "signout", or "signout.everywhere". */
const char *gw_signin_signout_action(bool everywhere);

#endif
