/* Unit tests for auth/auth.c's check and its cache: a secret verified once is
 * recognised without hashing again, a different secret for the same key is
 * still refused, and revocation and forgetting still take effect. */
#include "gw/auth.h"
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/store.h"
#include "gwtest.h"
#include "testsupport.h"

static struct gw_store *store;
static char *dir;

static enum gw_err check(struct gw_auth_cache *c, const char *header, int64_t now,
                         struct gw_principal *who, struct gw_error *e)
{
    memset(who, 0, sizeof *who);
    gw_error_clear(e);
    return gw_auth_check(c, store, header, now, who, e);
}

static void test_cached_secret(void)
{
    struct gw_error e;
    struct gw_new_key k;
    struct gw_key_options opt = {.dedup_window_s = 7, .person_id = "p-1"};
    REQUIRE(gw_auth_key_create(store, "lms one", "lms", &opt, 1000, &k, &e) == GW_OK);
    struct gw_auth_cache *c = gw_auth_cache_new();
    char bearer[256], wrong[256], basic[256];
    snprintf(bearer, sizeof bearer, "Bearer %s", k.token);
    snprintf(wrong, sizeof wrong, "Bearer %s.%s", k.key_id, k.secret);
    wrong[strlen(wrong) - 1] = wrong[strlen(wrong) - 1] == '0' ? '1' : '0'; /* same length */
    char pair[200];
    snprintf(pair, sizeof pair, "%s:%s", k.key_id, k.secret);
    char *b64 = gw_base64_encode(pair, strlen(pair));
    snprintf(basic, sizeof basic, "Basic %s", b64);
    free(b64);

    struct gw_principal who;
    int64_t now = 5000;
    for (int round = 0; round < 3; round++) { /* a fetch, then twice from the cache */
        CHECK_INT(check(c, bearer, now, &who, &e), GW_OK);
        CHECK_STR(who.key_id, k.key_id);
        CHECK_STR(who.name, "lms one");
        CHECK_STR(who.person_id, "p-1");
        CHECK_INT(who.role, GW_ROLE_LMS);
        CHECK_INT(who.xapi_dedup_window_s, 7);
        CHECK_INT(check(c, wrong, now, &who, &e), GW_E_AUTH_INVALID);
        CHECK_STR(e.detail, "the API key is unknown");
        CHECK_INT(check(c, basic, now, &who, &e), GW_OK);
        CHECK_STR(who.key_id, k.key_id);
    }
    /* past the TTL the key is fetched again; the secret is checked again */
    now += GW_AUTH_CACHE_TTL_MS + 1;
    CHECK_INT(check(c, wrong, now, &who, &e), GW_E_AUTH_INVALID);
    CHECK_INT(check(c, bearer, now, &who, &e), GW_OK);
    /* revoked and forgotten: refused at once, also for the verified secret */
    REQUIRE(gw_store_key_revoke(store, k.key_id, now, &e) == GW_OK);
    CHECK_INT(check(c, bearer, now, &who, &e), GW_OK); /* still cached: the TTL */
    gw_auth_cache_forget(c, k.key_id);
    CHECK_INT(check(c, bearer, now, &who, &e), GW_E_AUTH_INVALID);
    CHECK_STR(e.detail, "the API key was revoked");
    CHECK_INT(check(c, bearer, now, &who, &e), GW_E_AUTH_INVALID);
    CHECK_INT(check(c, wrong, now, &who, &e), GW_E_AUTH_INVALID);
    CHECK_STR(e.detail, "the API key is unknown");
    CHECK_INT(check(c, NULL, now, &who, &e), GW_E_AUTH_MISSING);
    CHECK_INT(check(c, "Bearer nope", now, &who, &e), GW_E_AUTH_INVALID);
    gw_auth_cache_free(c);
}

int main(void)
{
    dir = gwt_tmpdir("lmsgw-auth");
    char dsn[600];
    snprintf(dsn, sizeof dsn, "sqlite:%s/gw.db", dir);
    struct gw_error e;
    store = gw_store_open(dsn, NULL, &e);
    if (store && gw_store_migrate(store, NULL, &e) == GW_OK)
        GW_RUN(test_cached_secret);
    else
        fprintf(stderr, "cannot open %s: %s\n", dsn, e.detail);
    gw_store_close(store);
    gwt_rmtree(dir);
    free(dir);
    return gw_test_summary();
}
