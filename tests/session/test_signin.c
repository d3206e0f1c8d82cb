/* test_signin.c: the rules of signing in and of a session's life
 * (gw/signin.h), as tables: the request's times, the rate limits with their
 * retry-after and words, a link's and a session's validity, when the last
 * request is noted. No database, no clock: every time is given. */
#include "gw/signin.h"
#include "gwtest.h"

#define MIN_MS (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)
#define T0 1800000000000LL /* a fixed "now" */

static void test_times(void)
{
    struct gw_signin_times t;
    gw_signin_times(T0, 15 * MIN_MS, &t);
    CHECK_INT(t.since_ms, T0 - HOUR_MS);
    CHECK_INT(t.prune_before_ms, T0 - 24 * HOUR_MS);
    CHECK_INT(t.expires_ms, T0 + 15 * MIN_MS);
}

static void test_email_key(void)
{
    char out[8];
    gw_signin_email_key("Ann@Example.COM", out, sizeof out);
    CHECK_STR(out, "ann@exa"); /* lower-cased, cut to the buffer */
    char big[320];
    gw_signin_email_key("BOB@x.org", big, sizeof big);
    CHECK_STR(big, "bob@x.org");
}

static void test_limits(void)
{
    static const struct {
        int64_t by_email, oldest_email, by_client, oldest_client, max;
        enum gw_err code;
        int64_t retry_s;   /* when limited */
        const char *words; /* when limited */
    } cases[] = {
        /* under both limits */
        {0, 0, 0, 0, 5, GW_OK, 0, NULL},
        {4, T0 - 10 * MIN_MS, 49, T0 - MIN_MS, 5, GW_OK, 0, NULL},
        /* the address's limit: its oldest attempt leaves the hour in 50 min */
        {5, T0 - 10 * MIN_MS, 5, T0 - 10 * MIN_MS, 5, GW_E_SIGNIN_RATE_LIMITED, 3001,
         "too many sign-in requests for this address in the last hour; try again in 51 minutes"},
        /* the client's limit (10 x): its oldest leaves in 1 s */
        {1, T0 - MIN_MS, 50, T0 - HOUR_MS + 1000, 5, GW_E_SIGNIN_RATE_LIMITED, 2,
         "too many sign-in requests from this client in the last hour; try again in 1 minutes"},
        /* both: the address's words and oldest win */
        {5, T0 - 30 * MIN_MS, 50, T0 - 59 * MIN_MS, 5, GW_E_SIGNIN_RATE_LIMITED, 1801,
         "too many sign-in requests for this address in the last hour; try again in 31 minutes"},
        /* no limit at all (0): refused with a full hour, nothing counted */
        {0, 0, 0, 0, 0, GW_E_SIGNIN_RATE_LIMITED, 3601,
         "too many sign-in requests for this address in the last hour; try again in 61 minutes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_signin_counts c = {cases[i].by_email, cases[i].oldest_email, cases[i].by_client,
                                     cases[i].oldest_client};
        int64_t retry = -1;
        struct gw_error e;
        gw_error_clear(&e);
        CHECK_INT(gw_signin_limit(&c, T0, cases[i].max, &retry, &e), cases[i].code);
        if (cases[i].code == GW_OK) {
            CHECK_INT(retry, -1); /* untouched */
            continue;
        }
        CHECK_INT(retry, cases[i].retry_s);
        CHECK_STR(e.where, "email");
        CHECK_STR(e.detail, cases[i].words);
    }
}

static void test_link(void)
{
    static const struct {
        bool found, used;
        int64_t expires_ms;
        enum gw_err code;
    } cases[] = {
        {true, false, T0 + 1, GW_OK},
        {false, false, T0 + HOUR_MS, GW_E_SIGNIN_LINK_INVALID},
        {true, true, T0 + HOUR_MS, GW_E_SIGNIN_LINK_EXPIRED},
        {true, false, T0, GW_E_SIGNIN_LINK_EXPIRED}, /* expires at now: gone */
        {true, false, T0 - 1, GW_E_SIGNIN_LINK_EXPIRED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_signin_link l = {cases[i].found, cases[i].used, cases[i].expires_ms};
        struct gw_error e;
        gw_error_clear(&e);
        CHECK_INT(gw_signin_link_check(&l, T0, &e), cases[i].code);
        if (cases[i].code != GW_OK)
            CHECK_STR(e.where, "token");
    }
    struct gw_signin_link l = {false, false, 0};
    struct gw_error e;
    gw_signin_link_check(&l, T0, &e);
    CHECK_STR(e.detail, "this sign-in link is not one this gateway sent");
    l.found = l.used = true;
    gw_signin_link_check(&l, T0, &e);
    CHECK_STR(e.detail, "this sign-in link was used already or has expired");
}

static void test_session(void)
{
    const int64_t idle = 30 * MIN_MS;
    static const struct {
        bool found, revoked;
        int64_t expires_ms, last_seen_ms;
        enum gw_err code;
        const char *words;
    } cases[] = {
        {true, false, T0 + HOUR_MS, T0 - MIN_MS, GW_OK, NULL},
        {true, false, T0 + HOUR_MS, T0 - 30 * MIN_MS + 1, GW_OK, NULL},
        {false, false, 0, 0, GW_E_SESSION_EXPIRED, "no session has this cookie"},
        {true, true, T0 + HOUR_MS, T0, GW_E_SESSION_EXPIRED, "the session ended: sign in again"},
        {true, false, T0, T0, GW_E_SESSION_EXPIRED, "the session ended: sign in again"},
        {true, false, T0 + HOUR_MS, T0 - 30 * MIN_MS, GW_E_SESSION_EXPIRED,
         "the session ended: sign in again"}, /* idle exactly 30 min */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_signin_session s = {cases[i].found, cases[i].revoked, cases[i].expires_ms,
                                      cases[i].last_seen_ms};
        struct gw_error e;
        gw_error_clear(&e);
        CHECK_INT(gw_signin_session_check(&s, T0, idle, &e), cases[i].code);
        if (cases[i].code != GW_OK) {
            CHECK_STR(e.where, GW_SESSION_COOKIE);
            CHECK_STR(e.detail, cases[i].words);
        }
    }
}

static void test_touch_and_signout(void)
{
    static const struct {
        int64_t last_seen_ms;
        bool touch;
    } cases[] = {
        {T0, false},
        {T0 - MIN_MS + 1, false},
        {T0 - MIN_MS, true},
        {T0 - HOUR_MS, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_INT(gw_signin_session_touch(cases[i].last_seen_ms, T0), cases[i].touch);
    CHECK_STR(gw_signin_signout_action(false), "signout");
    CHECK_STR(gw_signin_signout_action(true), "signout.everywhere");
}

int main(void)
{
    GW_RUN(test_times);
    GW_RUN(test_email_key);
    GW_RUN(test_limits);
    GW_RUN(test_link);
    GW_RUN(test_session);
    GW_RUN(test_touch_and_signout);
    return gw_test_summary();
}
