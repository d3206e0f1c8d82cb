/* signin.c: the rules of signing in and of a session's life (gw/signin.h):
 * the request's times, the rate limits and their retry-after and words, a
 * link's and a session's validity, when a session's last request is noted.
 * Pure; app/signin.c loads, decides with these and writes with the verbs of
 * gw/session_verbs.h. */
#include "gw/signin.h"

#include <ctype.h>

void gw_signin_times(int64_t now_ms, int64_t ttl_ms, struct gw_signin_times *out)
{
    out->since_ms = now_ms - GW_SIGNIN_WINDOW_MS;
    out->prune_before_ms = now_ms - GW_SIGNIN_KEEP_MS;
    out->expires_ms = now_ms + ttl_ms;
}

void gw_signin_email_key(const char *email, char *out, size_t cap)
{
    size_t i = 0;
    for (; email[i] && i < cap - 1; i++)
        out[i] = (char)tolower((unsigned char)email[i]);
    out[i] = '\0';
}

enum gw_err gw_signin_limit(const struct gw_signin_counts *c, int64_t now_ms, int64_t max_per_hour,
                            int64_t *retry_after_s, struct gw_error *err)
{
    bool email = c->by_email >= max_per_hour;
    if (!email && c->by_client < 10 * max_per_hour)
        return GW_OK;
    int64_t oldest = email ? c->oldest_email : c->oldest_client;
    if (oldest == 0)
        oldest = now_ms;
    *retry_after_s = (oldest + GW_SIGNIN_WINDOW_MS - now_ms) / 1000 + 1;
    return gw_error_set(err, GW_E_SIGNIN_RATE_LIMITED, "email",
                        "too many sign-in requests %s in the last hour; try again in %lld minutes",
                        email ? "for this address" : "from this client",
                        (long long)(*retry_after_s + 59) / 60);
}

enum gw_err gw_signin_link_check(const struct gw_signin_link *l, int64_t now_ms,
                                 struct gw_error *err)
{
    if (!l->found)
        return gw_error_set(err, GW_E_SIGNIN_LINK_INVALID, "token",
                            "this sign-in link is not one this gateway sent");
    if (l->used || l->expires_ms <= now_ms)
        return gw_error_set(err, GW_E_SIGNIN_LINK_EXPIRED, "token",
                            "this sign-in link was used already or has expired");
    return GW_OK;
}

enum gw_err gw_signin_session_check(const struct gw_signin_session *s, int64_t now_ms,
                                    int64_t idle_ms, struct gw_error *err)
{
    if (s->found && !s->revoked && now_ms < s->expires_ms && now_ms < s->last_seen_ms + idle_ms)
        return GW_OK;
    return gw_error_set(err, GW_E_SESSION_EXPIRED, GW_SESSION_COOKIE,
                        s->found ? "the session ended: sign in again"
                                 : "no session has this cookie");
}

bool gw_signin_session_touch(int64_t last_seen_ms, int64_t now_ms)
{
    return now_ms - last_seen_ms >= GW_SESSION_TOUCH_MS;
}

const char *gw_signin_signout_action(bool everywhere)
{
    return everywhere ? "signout.everywhere" : "signout";
}
