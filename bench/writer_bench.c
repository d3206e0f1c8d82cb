/* writer_bench: the group-commit writer alone, without HTTP. Prepares
 * realistic statements (validated and normalized as the HTTP workers do, not
 * timed), then times gw_store_xapi_insert through the batcher in jobs of
 * 1, 10 and 100 statements, on SQLite in a temporary directory or on a
 * PostgreSQL DSN. Prints statements/s per job size: the ceiling the writer
 * puts on ingestion, to compare with xapi_bench's figures over HTTP.
 *   writer_bench [--pg DSN] [--statements N] */
#include "gw/hash.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"
#include "gw/xapi_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int64_t now_fn(void *ud)
{
    (void)ud;
    return gw_time_now_ms();
}

static json_t *statement(int i)
{
    char actor[64], object[96], parent[96];
    snprintf(actor, sizeof actor, "mailto:learner%d@example.org", i % 5000);
    snprintf(object, sizeof object, "https://courses.example.org/c%d/lesson%d", i % 40, i % 12);
    snprintf(parent, sizeof parent, "https://courses.example.org/c%d", i % 40);
    char id[37];
    gw_uuid_v4(id);
    return json_pack(
        "{s:s, s:{s:s, s:s}, s:{s:s, s:{s:s}}, s:{s:s, s:{s:{s:s}, s:{s:s}, s:s}}, "
        "s:{s:{s:f, s:i, s:i, s:i}, s:b, s:b, s:s}, s:{s:s, s:{s:[{s:s}], s:[{s:s}]}, s:s, "
        "s:{s:s}}, s:s}",
        "id", id, "actor", "name", "Learner", "mbox", actor, "verb", "id",
        "http://adlnet.gov/expapi/verbs/completed", "display", "en-US", "completed", "object", "id",
        object, "definition", "name", "en-US", "Lesson", "description", "en-US",
        "A lesson of the course", "type", "http://adlnet.gov/expapi/activities/lesson", "result",
        "score", "scaled", 0.8, "raw", 80, "min", 0, "max", 100, "success", 1, "completion", 1,
        "duration", "PT12M30S", "context", "registration", "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
        "contextActivities", "parent", "id", parent, "grouping", "id",
        "https://courses.example.org", "platform", "Moodle", "extensions",
        "https://lmsgw.example/ext/session", "abc123", "timestamp", "2026-11-22T10:00:00.000Z");
}

struct job {
    struct gw_xapi_new_statement *items;
    struct gw_xapi_insert ins;
};

static enum gw_qs insert_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct job *j = ud;
    return gw_store_xapi_insert(db, &j->ins, gw_time_now_ms(), err);
}

static void done_fn(struct gw_batch_job *job)
{
    (void)job;
}

int main(int argc, char **argv)
{
    const char *pg = NULL;
    int total = 20000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--pg") == 0)
            pg = argv[i + 1];
        else if (strcmp(argv[i], "--statements") == 0)
            total = atoi(argv[i + 1]);
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
    json_t *authority = json_pack("{s:s, s:{s:s, s:s}}", "objectType", "Agent", "account",
                                  "homePage", "http://localhost", "name", "kbench");
    const int sizes[] = {1, 10, 100};
    for (size_t k = 0; k < 3; k++) {
        int per = sizes[k], njobs = total / per;
        struct job *jobs = calloc((size_t)njobs, sizeof *jobs);
        struct gw_batch_job *bj = calloc((size_t)njobs, sizeof *bj);
        for (int j = 0; j < njobs; j++) {
            jobs[j].items = calloc((size_t)per, sizeof *jobs[j].items);
            for (int i = 0; i < per; i++) {
                json_t *st = statement(j * per + i);
                gw_xapi_normalize(st, NULL, gw_time_now_ms(), authority, GW_XAPI_V1_0, NULL, &err);
                json_object_del(st, "stored");
                gw_xapi_new_statement_init(&jobs[j].items[i], st, true, NULL);
            }
            jobs[j].ins = (struct gw_xapi_insert){jobs[j].items, (size_t)per, "kbench", 0};
            bj[j] = (struct gw_batch_job){.fn = insert_fn, .done = done_fn, .ud = &jobs[j]};
        }
        struct gw_batcher *b = gw_batcher_new(s, 256, now_fn, NULL);
        int64_t t0 = gw_time_mono_us();
        for (int j = 0; j < njobs; j++)
            gw_batcher_submit(b, &bj[j]);
        gw_batcher_free(b); /* runs everything queued */
        double secs = (double)(gw_time_mono_us() - t0) / 1e6;
        int failed = 0;
        for (int j = 0; j < njobs; j++)
            failed += bj[j].rc != GW_OK;
        struct gw_batcher_stats st = {0};
        printf(
            "%-10s jobs of %3d: %6d statements in %.2f s = %8.0f statements/s (failed jobs %d)\n",
            pg ? "postgresql" : "sqlite", per, njobs * per, secs, njobs * per / secs, failed);
        (void)st;
        for (int j = 0; j < njobs; j++) {
            for (int i = 0; i < per; i++)
                gw_xapi_new_statement_clear(&jobs[j].items[i]);
            free(jobs[j].items);
        }
        free(jobs);
        free(bj);
    }
    json_decref(authority);
    gw_store_close(s);
    if (!pg) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            return 1;
    }
    return 0;
}
