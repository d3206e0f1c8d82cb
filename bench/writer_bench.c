/* writer_bench: the group-commit writer alone, without HTTP. Takes the same
 * statements xapi_bench posts (statement_gen.c), prepares them as the HTTP
 * workers do (parse, validate, normalize; not timed), then times
 * gw_store_xapi_insert through the batcher in jobs of 1, 10 and 100
 * statements, at most --clients jobs per transaction (as many as xapi_bench
 * has connections), on SQLite in a temporary directory or on a PostgreSQL
 * DSN. The scenarios run one after the other on one growing database, as in
 * xapi_bench. Prints statements/s per job size: the ceiling the writer puts
 * on ingestion, to compare with xapi_bench's figures over HTTP, and the CPU
 * time (user + system, all threads) per statement, which varies less than
 * the rate on a busy machine.
 * --deferred: the jobs leave the filter-index and KPI rows to the deferred
 * index (as the gateway does on SQLite), whose rounds are then timed on
 * their own after each scenario.
 *   writer_bench [--pg DSN] [--statements N] [--clients C] [--jobs 1|10|100]
 *                [--attributed] [--deferred] [--keep] */
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"
#include "gw/xapi_store.h"
#include "statement_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum { CHUNK = 10000 }; /* statements prepared at a time (bounds memory) */

static int64_t now_fn(void *ud)
{
    (void)ud;
    return gw_time_now_ms();
}

struct job {
    struct gw_xapi_new_statement *items;
    struct gw_xapi_insert ins;
};

static struct gw_xapi_index *deferred; /* --deferred: the index the jobs leave rows to */

static enum gw_qs insert_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct job *j = ud;
    return gw_store_xapi_insert(db, &j->ins, gw_time_now_ms(), err);
}

static void done_fn(struct gw_batch_job *job)
{
    struct job *j = job->ud;
    if (deferred && job->rc == GW_OK)
        gw_xapi_index_committed(deferred, &j->ins); /* as the HTTP handler does */
}

/* Statement seq as POST /xapi/statements prepares it for the writer. */
static void prepare(struct gw_xapi_new_statement *item, long seq, const json_t *authority)
{
    char text[4096];
    size_t len = gw_bench_statement(text, sizeof text, seq);
    struct gw_error err;
    json_t *st = gw_json_load(text, len, &err);
    if (!st || gw_xapi_validate_batch(st, GW_XAPI_V1_0, &err) != GW_OK ||
        gw_xapi_normalize(st, NULL, gw_time_now_ms(), authority, GW_XAPI_V1_0, NULL, &err) !=
            GW_OK) {
        fprintf(stderr, "writer_bench: statement %ld: %s\n", seq, err.detail);
        exit(1);
    }
    json_object_del(st, "stored");
    gw_xapi_new_statement_init(item, st, false, NULL);
    gw_xapi_new_statement_drop_json(item); /* as the HTTP side does */
}

/* Runs `total` statements in jobs of `per`; returns the seconds spent in the
 * writer. */
static enum gw_qs script_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    return gw_db_exec_script(db, ud, err);
}

/* --attributed: the 40 courses of statement_gen.c registered (IRI
 * https://lms.example.org/course/N) in 5 departments, so every statement is
 * attributed and KPI maintenance does its full work. */
static void register_courses(struct gw_store *s)
{
    struct gw_buf b = {0};
    for (int d = 0; d < 5; d++)
        gw_buf_printf(
            &b, "INSERT INTO departments (id, name, created_ms) VALUES ('d%d', 'D%d', 0);", d, d);
    for (int c = 0; c < 40; c++)
        gw_buf_printf(&b,
                      "INSERT INTO courses (id, department_id, title, state_since_ms, created_ms) "
                      "VALUES ('c%d', 'd%d', 'Course %d', 0, 0); INSERT INTO course_iris (iri, "
                      "course_id, source, created_ms) VALUES ('https://lms.example.org/course/%d', "
                      "'c%d', 'gateway', 0);",
                      c, c % 5, c, c, c);
    struct gw_error err;
    if (gw_store_tx(s, GW_TX_WRITE, script_tx, (void *)gw_buf_str(&b), &err) != GW_OK) {
        fprintf(stderr, "writer_bench: courses: %s\n", err.detail);
        exit(1);
    }
    gw_buf_free(&b);
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double scenario(struct gw_store *s, int per, long total, int clients, long *seq,
                       const json_t *authority, long *failed, double *cpu)
{
    double secs = 0;
    for (long done = 0; done < total;) {
        long n = total - done < CHUNK ? total - done : CHUNK;
        long njobs = (n + per - 1) / per;
        struct job *jobs = calloc((size_t)njobs, sizeof *jobs);
        struct gw_batch_job *bj = calloc((size_t)njobs, sizeof *bj);
        for (long j = 0; j < njobs; j++) {
            long k = n - j * per < per ? n - j * per : per;
            jobs[j].items = calloc((size_t)k, sizeof *jobs[j].items);
            for (long i = 0; i < k; i++)
                prepare(&jobs[j].items[i], (*seq)++, authority);
            jobs[j].ins = (struct gw_xapi_insert){.items = jobs[j].items,
                                                  .n = (size_t)k,
                                                  .authority_key = "kbench",
                                                  .index = deferred};
            bj[j] = (struct gw_batch_job){.fn = insert_fn, .done = done_fn, .ud = &jobs[j]};
        }
        struct gw_batcher *b = gw_batcher_new(s, clients, now_fn, NULL);
        int64_t t0 = gw_time_mono_us();
        double c0 = cpu_s();
        for (long j = 0; j < njobs; j++)
            gw_batcher_submit(b, &bj[j]);
        gw_batcher_free(b); /* runs everything queued */
        secs += (double)(gw_time_mono_us() - t0) / 1e6;
        *cpu += cpu_s() - c0;
        for (long j = 0; j < njobs; j++) {
            *failed += bj[j].rc != GW_OK;
            for (size_t i = 0; i < jobs[j].ins.n; i++)
                gw_xapi_new_statement_clear(&jobs[j].items[i]);
            free(jobs[j].items);
        }
        free(jobs);
        free(bj);
        done += n;
    }
    return secs;
}

int main(int argc, char **argv)
{
    const char *pg = NULL;
    long total = 100000;
    int clients = 64;
    bool keep = false, attributed = false, defer = false;
    int only = 0; /* --jobs N: only the scenario with jobs of N */
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--keep") == 0) {
            keep = true;
            i--;
        } else if (strcmp(argv[i], "--attributed") == 0) {
            attributed = true;
            i--;
        } else if (strcmp(argv[i], "--deferred") == 0) {
            defer = true;
            i--;
        } else if (i + 1 == argc) {
            total = 0;
        } else if (strcmp(argv[i], "--pg") == 0)
            pg = argv[i + 1];
        else if (strcmp(argv[i], "--statements") == 0)
            total = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--clients") == 0)
            clients = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--jobs") == 0)
            only = atoi(argv[i + 1]);
        else
            total = 0;
    }
    if (total < 1 || clients < 1) {
        fprintf(stderr, "usage: writer_bench [--pg DSN] [--statements N] [--clients C] [--jobs N] "
                        "[--attributed] [--deferred] [--keep]\n");
        return 2;
    }
    char dir[] = "/tmp/lmsgw-writer-bench.XXXXXX";
    char dsn[256];
    if (pg)
        snprintf(dsn, sizeof dsn, "%s", pg);
    else if (mkdtemp(dir))
        snprintf(dsn, sizeof dsn, "sqlite:%s/bench.db", dir);
    struct gw_error err;
    struct gw_store *s = gw_store_open(dsn, NULL, &err);
    if (!s || gw_store_migrate(s, NULL, &err) != GW_OK) {
        fprintf(stderr, "store: %s\n", err.detail);
        return 1;
    }
    if (attributed)
        register_courses(s);
    if (defer)
        deferred = gw_xapi_index_new(s, GW_XAPI_INDEX_MEMORY, 1000000000);
    json_t *authority = json_pack("{s:s, s:{s:s, s:s}}", "objectType", "Agent", "account",
                                  "homePage", "http://localhost", "name", "kbench");
    const int sizes[] = {1, 10, 100};
    long seq = 0;
    for (size_t k = 0; k < 3; k++) {
        if (only && sizes[k] != only)
            continue;
        long failed = 0;
        double cpu = 0;
        double secs = scenario(s, sizes[k], total, clients, &seq, authority, &failed, &cpu);
        printf("%-10s writer, jobs of %3d: %7ld statements in %6.2f s = %8.0f statements/s, "
               "%6.1f us CPU per statement (failed jobs %ld)\n",
               pg ? "postgresql" : "sqlite", sizes[k], total, secs, (double)total / secs,
               cpu * 1e6 / (double)total, failed);
        if (deferred) {
            /* the deferred index's share, measured alone: the rounds the
             * gateway's writer runs when it has time */
            int64_t t0 = gw_time_mono_us();
            double c0 = cpu_s();
            while (gw_xapi_index_idle(deferred, false) == GW_IDLE_DID)
                ;
            double isecs = (double)(gw_time_mono_us() - t0) / 1e6, icpu = cpu_s() - c0;
            struct gw_xapi_index_stats st;
            gw_xapi_index_stats(deferred, &st);
            printf("%-10s index,  jobs of %3d: %7ld statements in %6.2f s = %8.0f statements/s, "
                   "%6.1f us CPU per statement (%llu from memory, %llu from bodies so far)\n",
                   "", sizes[k], total, isecs, (double)total / isecs, icpu * 1e6 / (double)total,
                   (unsigned long long)st.from_memory, (unsigned long long)st.from_body);
        }
        fflush(stdout);
    }
    json_decref(authority);
    gw_xapi_index_free(deferred);
    gw_store_close(s);
    if (!pg && keep)
        printf("database kept in %s\n", dir);
    if (!pg && !keep) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            return 1;
    }
    return 0;
}
