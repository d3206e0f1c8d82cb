/* No acknowledged statement disappears on a crash: eight clients post
 * statements while the gateway is killed with SIGKILL mid-stream; after a
 * restart on the same store, every statement that was answered 200 is read
 * back by id, and found by a query filtered on its agent (on SQLite the
 * filter-index rows of acknowledged statements may not have been written
 * before the kill: the restarted gateway writes them from the pending list).
 * Compiled for SQLite and PostgreSQL. */
#include "gwtest.h"
#include "testsupport.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct gwt_server srv;
static char auth[256];
static char base_url[128];

#define MAX_ACKED 100000
static char (*acked)[37];
static int acked_by[MAX_ACKED]; /* the client (and agent) of each */
static atomic_int n_acked;
static atomic_bool stop;

static void *client(void *ud)
{
    int me = (int)(intptr_t)ud;
    char u[256];
    snprintf(u, sizeof u, "%s/xapi/statements", base_url);
    const char *h[] = {auth, "Content-Type: application/json", "X-Experience-API-Version: 1.0.3",
                       NULL};
    for (int i = 0; !atomic_load(&stop) && i < 5000; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "[{\"actor\":{\"mbox\":\"mailto:learner%d@example.org\"},\"verb\":{\"id\":"
                 "\"http://adlnet.gov/expapi/verbs/experienced\"},\"object\":{\"id\":"
                 "\"https://courses.example.org/crash/%d\"}},{\"actor\":{\"mbox\":"
                 "\"mailto:learner%d@example.org\"},\"verb\":{\"id\":"
                 "\"http://adlnet.gov/expapi/verbs/completed\"},\"object\":{\"id\":"
                 "\"https://courses.example.org/crash/%d\"}}]",
                 me, i, me, i);
        struct gwt_response r;
        bool got = gwt_http("POST", u, h, body, strlen(body), &r);
        if (got && r.status == 200) {
            json_t *ids = json_loads(r.body, 0, NULL);
            size_t k;
            json_t *id;
            json_array_foreach(ids, k, id)
            {
                int slot = atomic_fetch_add(&n_acked, 1);
                if (slot < MAX_ACKED) {
                    snprintf(acked[slot], 37, "%s", json_string_value(id));
                    acked_by[slot] = me;
                }
            }
            json_decref(ids);
        }
        gwt_response_free(&r);
        if (!got)
            break; /* the server is gone */
    }
    return NULL;
}

/* The ids of every statement of client me's agent, following `more`
 * (comma-separated; NULL on a failure). */
static char *agent_statement_ids(int me)
{
    const char *h[] = {auth, "X-Experience-API-Version: 1.0.3", NULL};
    char u[512];
    snprintf(u, sizeof u,
             "%s/xapi/statements?format=ids&agent=%%7B%%22mbox%%22%%3A%%22mailto%%3Alearner%d%%40"
             "example.org%%22%%7D",
             srv.base_url, me);
    size_t cap = 4096, len = 0;
    char *ids = calloc(1, cap);
    for (int page = 0; page < 1000 && u[0]; page++) {
        struct gwt_response r;
        if (!gwt_http("GET", u, h, NULL, 0, &r) || r.status != 200) {
            fprintf(stderr, "  GET %s: %ld\n", u, r.status);
            gwt_response_free(&r);
            free(ids);
            return NULL;
        }
        json_t *res = json_loads(r.body, 0, NULL);
        gwt_response_free(&r);
        size_t k;
        json_t *st;
        json_array_foreach(json_object_get(res, "statements"), k, st)
        {
            const char *id = json_string_value(json_object_get(st, "id"));
            if (len + 40 >= cap)
                ids = realloc(ids, cap *= 2);
            len += (size_t)snprintf(ids + len, cap - len, "%s,", id ? id : "");
        }
        const char *more = json_string_value(json_object_get(res, "more"));
        if (more && more[0])
            snprintf(u, sizeof u, "http://127.0.0.1:%d%s", srv.port, more);
        else
            u[0] = '\0';
        json_decref(res);
    }
    return ids;
}

static void test_acknowledged_survive_sigkill(void)
{
    enum { CLIENTS = 8 };
    pthread_t th[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&th[i], NULL, client, (void *)(intptr_t)i);
    /* kill while requests are in flight, after some were acknowledged */
    for (int i = 0; i < 3000 && atomic_load(&n_acked) < 400; i++) {
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    CHECK_INT(gwt_server_stop(&srv, SIGKILL), 128 + SIGKILL);
    atomic_store(&stop, true);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);
    int n = atomic_load(&n_acked);
    CHECK(n >= 400);
    REQUIRE(gwt_server_restart(&srv));
    int missing = 0;
    const char *h[] = {auth, "X-Experience-API-Version: 1.0.3", NULL};
    for (int i = 0; i < n && i < MAX_ACKED; i++) {
        char u[256];
        snprintf(u, sizeof u, "%s/xapi/statements?statementId=%s", srv.base_url, acked[i]);
        struct gwt_response r;
        if (!gwt_http("GET", u, h, NULL, 0, &r) || r.status != 200) {
            if (missing++ < 5)
                fprintf(stderr, "  acknowledged statement %s is gone (%ld)\n", acked[i], r.status);
        }
        gwt_response_free(&r);
    }
    CHECK_INT(missing, 0);
    fprintf(stderr, "  %d acknowledged statements, all read back after SIGKILL\n", n);
    /* every acknowledged statement is found by its agent too */
    int unfound = 0;
    for (int me = 0; me < CLIENTS; me++) {
        char *ids = agent_statement_ids(me);
        REQUIRE(ids);
        for (int i = 0; i < n && i < MAX_ACKED; i++) {
            if (acked_by[i] == me && !strstr(ids, acked[i]) && unfound++ < 5)
                fprintf(stderr, "  %s is not found by its agent\n", acked[i]);
        }
        free(ids);
    }
    CHECK_INT(unfound, 0);
}

int main(void)
{
    acked = calloc(MAX_ACKED, sizeof *acked);
    char *dsn = NULL;
#if GW_TEST_PG
    dsn = gwt_pg_fresh_dsn();
    if (!dsn) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
#endif
    if (!gwt_server_start(&srv, dsn, "{\"access_log\": false}")) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(base_url, sizeof base_url, "%s", srv.base_url);
    if (!gwt_server_make_key(&srv, "lms", auth, sizeof auth)) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_acknowledged_survive_sigkill);
    gwt_server_stop(&srv, SIGTERM);
    gwt_server_free(&srv);
    free(dsn);
    free(acked);
    return gw_test_summary();
}
