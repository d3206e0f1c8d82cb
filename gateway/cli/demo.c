/* demo.c (cli): `lmsgw demo-data [--packages DIR]`: writes the demo data
 * (gw/demo.h) into the configured database, once, and only into one that
 * holds nothing else: a second run says the demo data is there (exit 0); a
 * database with departments, people, requests, packages or statements of
 * its own, or with an unfinished earlier run, is refused (DEMO_REFUSED).
 * Like every command but migrate and serve, it never creates a database. */
#include "gw/cli.h"
#include "gw/demo.h"
#include "gw/publish.h"
#include "gw/timefmt.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ZIPS 32

/* The build's sample packages: packages/ beside the lmsgw binary. */
static void default_packages(char *out, size_t cap)
{
    char exe[PATH_MAX - 16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(out, cap, "packages");
        return;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(out, cap, "%s/packages", exe);
}

/* The LMS target publishes are recorded under: the targets file's default
 * (so a retry or a retire goes where serve sends them), else "lms". */
static char *lms_target(const struct gw_config *cfg)
{
    struct gw_publish_targets *t = NULL;
    struct gw_error e;
    char *name = NULL;
    if (cfg->lms_targets_file && *cfg->lms_targets_file &&
        gw_publish_targets_load(cfg->lms_targets_file, &t, &e) == GW_OK)
        name = gw_xstrdup(t->default_name);
    gw_publish_targets_free(t);
    return name ? name : gw_xstrdup("lms");
}

static void say_there(int64_t written_ms)
{
    char ts[32];
    gw_time_format_ms(written_ms, ts);
    printf("demo data is already there (written %s); nothing to do\n", ts);
}

/* Why the database is refused, in one sentence. */
static void refuse(enum gw_demo_marker m, const struct gw_demo_census *c)
{
    struct gw_error e;
    static const char how[] = "demo data goes only into an empty database: point LMSGW_DATA_DIR "
                              "(or LMSGW_DATABASE) at a new place and run 'lmsgw migrate' and "
                              "'lmsgw demo-data' there";
    if (m == GW_DEMO_STARTED) {
        gw_error_set(&e, GW_E_DEMO_REFUSED, "",
                     "an earlier 'lmsgw demo-data' did not finish here; %s", how);
    } else {
        const struct {
            int64_t n;
            const char *one, *many;
        } parts[] = {{c->departments, "department", "departments"},
                     {c->people, "person", "people"},
                     {c->requests, "course request", "course requests"},
                     {c->packages, "package", "packages"},
                     {c->statements, "xAPI statement", "xAPI statements"}};
        char held[200] = "";
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
            size_t len = strlen(held);
            if (parts[i].n > 0)
                snprintf(held + len, sizeof held - len, "%s%lld %s", len ? ", " : "",
                         (long long)parts[i].n, parts[i].n == 1 ? parts[i].one : parts[i].many);
        }
        gw_error_set(&e, GW_E_DEMO_REFUSED, "",
                     "this database holds data that demo-data did not write (%s); %s", held, how);
    }
    gw_cli_report(&e);
}

static void say_written(const struct gw_demo_summary *s, const char *backend)
{
    printf("demo data written (%s): %zu departments, %zu people, %zu course requests, %zu "
           "courses, %zu versions, %zu approval rounds, %zu decisions, %zu notices, %zu "
           "published, %zu xAPI statements, %zu effort entries\n",
           backend, s->departments, s->people, s->requests, s->courses, s->versions, s->rounds,
           s->decisions, s->notices, s->published, s->statements, s->effort_entries);
}

/* Takes the marker and writes the history; the exit code. */
static int write_demo(struct gw_store *store, const struct gw_config *cfg, char **zips,
                      size_t n_zips)
{
    struct gw_error e;
    bool begun = false;
    enum gw_demo_marker m = GW_DEMO_NONE;
    int64_t written = 0;
    struct gw_demo_census census = {0};
    if (gw_store_demo_begin(store, &begun, &m, &written, &census, &e) != GW_OK) {
        gw_cli_report(&e);
        return 1;
    }
    if (!begun && m == GW_DEMO_WRITTEN) {
        say_there(written); /* another run finished meanwhile */
        return 0;
    }
    if (!begun) {
        refuse(m, &census);
        return 1;
    }
    char url[GW_CLI_URL_MAX];
    char *target = lms_target(cfg);
    struct gw_demo_options o = {cfg->data_dir, gw_cli_public_url(cfg, url),
                                target,        (const char *const *)zips,
                                n_zips,        gw_time_now_ms()};
    struct gw_demo_summary sum;
    enum gw_err rc = gw_demo_write(store, &o, &sum, &e);
    if (rc == GW_OK)
        rc = gw_store_demo_finish(store, gw_time_now_ms(), &e);
    free(target);
    if (rc != GW_OK) {
        gw_cli_report(&e);
        return 1;
    }
    say_written(&sum, gw_store_backend_name(store));
    return 0;
}

int gw_cmd_demo_data(int argc, char **argv, const char *config_path)
{
    if (!(argc == 1 || (argc == 3 && strcmp(argv[1], "--packages") == 0))) {
        fprintf(stderr, "usage: lmsgw demo-data [--packages DIR]\n");
        return 2;
    }
    char dir[PATH_MAX];
    if (argc == 3)
        snprintf(dir, sizeof dir, "%s", argv[2]);
    else
        default_packages(dir, sizeof dir);
    struct gw_config cfg;
    struct gw_store *store = NULL;
    int rc = gw_cli_setup(config_path, &cfg, &store);
    if (rc)
        return rc;
    struct gw_error e;
    enum gw_demo_marker m = GW_DEMO_NONE;
    int64_t written = 0;
    char *zips[MAX_ZIPS];
    size_t n_zips = 0;
    struct gw_demo_census census = {0};
    if (gw_store_migrate(store, NULL, &e) != GW_OK ||
        gw_store_demo_marker(store, &m, &written, &census, &e) != GW_OK) {
        gw_cli_report(&e);
        rc = 1;
    } else if (m == GW_DEMO_WRITTEN) {
        say_there(written);
    } else if (m == GW_DEMO_STARTED || census.departments || census.people || census.requests ||
               census.packages || census.statements) {
        refuse(m, &census);
        rc = 1;
    } else if (gw_demo_find_packages(dir, zips, MAX_ZIPS, &n_zips, &e) != GW_OK) {
        gw_cli_report(&e); /* before anything is written */
        rc = 1;
    } else {
        rc = write_demo(store, &cfg, zips, n_zips);
    }
    for (size_t i = 0; i < n_zips; i++)
        free(zips[i]);
    gw_store_close(store);
    gw_config_free(&cfg);
    return rc;
}
