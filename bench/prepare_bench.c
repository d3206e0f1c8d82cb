/* prepare_bench: the HTTP worker's CPU per statement on POST /xapi/statements,
 * without HTTP and without the writer. It builds batch bodies of xapi_bench's
 * statements (bench/statement_gen.c) as JSON array texts, then, in this one
 * thread, does per body exactly what the handler does: parse the text
 * (gw_json_load), prepare the statements (gw_xapi_prepare_statements:
 * validate, normalize, extract, drop the trees), free the body, and, as
 * write_finish does after the commit, write the ids reply and free the items.
 * Up to --inflight requests are held between preparing and finishing, as a
 * server holds requests waiting for their commit. Prints CPU us per statement
 * (getrusage, user + system) and statements/s.
 *
 *   prepare_bench [--statements N] [--batch B] [--inflight K] [--rounds R]
 */
#include "gw/json.h"
#include "gw/xapi_prepare.h"
#include "statement_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define DISTINCT_BODIES 64

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A JSON array of batch statements numbered from seq on. */
static char *make_body(long seq, int batch, size_t *len)
{
    struct gw_buf b = {0};
    char st[4096];
    gw_buf_append(&b, "[", 1);
    for (int i = 0; i < batch; i++) {
        size_t n = gw_bench_statement(st, sizeof st, seq + i);
        if (i)
            gw_buf_append(&b, ",", 1);
        gw_buf_append(&b, st, n);
    }
    gw_buf_append(&b, "]", 1);
    *len = b.len;
    return b.data;
}

/* What write_finish does once the writer has committed: the writer sets
 * final_id (a new statement answers its own id). */
static void finish(struct gw_xapi_insert *ins, struct gw_buf *reply)
{
    for (size_t i = 0; i < ins->n; i++)
        memcpy(ins->items[i].final_id, ins->items[i].id, sizeof ins->items[i].id);
    gw_xapi_prepare_reply_ids(ins, reply);
    gw_xapi_prepare_free(ins);
}

/* One request: false when the statements were refused (a bug here). */
static bool prepare_one(const char *text, size_t len, const json_t *authority, int64_t now_ms,
                        struct gw_xapi_insert *ins)
{
    struct gw_error e;
    memset(ins, 0, sizeof *ins);
    ins->authority_key = "bench";
    json_t *body = gw_json_load(text, len, &e);
    if (!body) {
        fprintf(stderr, "prepare_bench: %s\n", e.detail);
        return false;
    }
    struct gw_xapi_prepare p = {NULL, GW_XAPI_V1_0, authority, now_ms, NULL, NULL};
    enum gw_err rc = gw_xapi_prepare_statements(body, &p, ins, &e);
    json_decref(body);
    if (rc != GW_OK) {
        fprintf(stderr, "prepare_bench: refused at %s: %s\n", e.where, e.detail);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    long statements = 200000;
    int batch = 100, inflight = 4, rounds = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--statements") == 0 && v)
            statements = atol(argv[++i]);
        else if (strcmp(a, "--batch") == 0 && v)
            batch = atoi(argv[++i]);
        else if (strcmp(a, "--inflight") == 0 && v)
            inflight = atoi(argv[++i]);
        else if (strcmp(a, "--rounds") == 0 && v)
            rounds = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: prepare_bench [--statements N] [--batch B] [--inflight K] "
                            "[--rounds R]\n");
            return 2;
        }
    }
    if (batch < 1 || inflight < 1 || inflight > 64 || statements < batch || rounds < 1)
        return 2;
    char *bodies[DISTINCT_BODIES];
    size_t lens[DISTINCT_BODIES];
    for (int i = 0; i < DISTINCT_BODIES; i++)
        bodies[i] = make_body((long)i * batch, batch, &lens[i]);
    json_t *authority =
        json_pack("{s:s, s:s, s:{s:s, s:s}}", "objectType", "Agent", "name", "bench client",
                  "account", "homePage", "http://127.0.0.1:8080", "name", "k_bench0123456789");
    int64_t now_ms = 1795000000000LL;
    long requests = statements / batch;
    struct gw_xapi_insert pending[64];
    struct gw_buf reply = {0};
    int status = 0;
    for (int r = 0; r < rounds && status == 0; r++) {
        size_t held = 0;
        double cpu0 = cpu_seconds(), t0 = now_s();
        for (long q = 0; q < requests; q++) {
            struct gw_xapi_insert *ins = &pending[q % inflight];
            if (held == (size_t)inflight)
                finish(ins, &reply);
            else
                held++;
            if (!prepare_one(bodies[q % DISTINCT_BODIES], lens[q % DISTINCT_BODIES], authority,
                             now_ms + q, ins)) {
                status = 1;
                break;
            }
        }
        for (size_t k = 0; k < held; k++)
            finish(&pending[k], &reply);
        double cpu = cpu_seconds() - cpu0, wall = now_s() - t0;
        long done = requests * batch;
        printf("round %d: %ld statements in batches of %d (%d in flight): CPU %.2f us/st, "
               "%.0f statements/s\n",
               r + 1, done, batch, inflight, cpu * 1e6 / (double)done, (double)done / wall);
        fflush(stdout);
    }
    gw_buf_free(&reply);
    json_decref(authority);
    for (int i = 0; i < DISTINCT_BODIES; i++)
        free(bodies[i]);
    return status;
}
