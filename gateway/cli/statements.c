/* statements.c: the `lmsgw statements` command (PostgreSQL's monthly
 * partitions, issue 17): `statements months` lists the months with their
 * statements and archive state; `statements archive --before YYYY-MM --out
 * FILE` writes the months before into a new JSON-lines file and records
 * them; `statements drop --before YYYY-MM` drops archived months. The rules
 * are app/retention.c's. */
#include "gw/cli.h"
#include "gw/retention.h"
#include "gw/timefmt.h"
#include "gw/xapi_retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: lmsgw statements months\n"
                    "       lmsgw statements archive --before YYYY-MM --out FILE.jsonl\n"
                    "       lmsgw statements drop --before YYYY-MM\n");
    return 2;
}

static int list_months(struct gw_store *store, struct gw_error *e)
{
    struct gw_xapi_month *v = NULL;
    size_t n = 0;
    if (gw_store_xapi_months(store, &v, &n, e) != GW_OK)
        return 1;
    printf("%-8s %12s  %s\n", "month", "statements", "archive");
    for (size_t i = 0; i < n; i++) {
        char when[32] = "";
        if (v[i].archived)
            gw_time_format_ms(v[i].archived_ms, when);
        printf("%04d-%02d %12lld  ", v[i].month / 100, v[i].month % 100,
               (long long)v[i].statements);
        if (v[i].archived)
            printf("%lld statements in %s (sha256 %s) at %s\n", (long long)v[i].archived_statements,
                   v[i].file, v[i].sha256, when);
        else
            printf("-\n");
    }
    free(v);
    return 0;
}

static void say(const char *verb, const struct gw_retention_report *r, const char *out)
{
    if (!r->months) {
        printf("no month to %s\n", verb);
        return;
    }
    printf("%s %zu month%s (%04d-%02d .. %04d-%02d), %lld statements", verb, r->months,
           r->months == 1 ? "" : "s", r->first / 100, r->first % 100, r->last / 100, r->last % 100,
           (long long)r->statements);
    if (out)
        printf(", into %s (sha256 %s)", out, r->sha256);
    printf("\n");
}

int gw_cmd_statements(int argc, char **argv, const char *config_path)
{
    const char *before_s = NULL, *out = NULL;
    const char *what = argc >= 2 ? argv[1] : "";
    bool months = strcmp(what, "months") == 0, archive = strcmp(what, "archive") == 0,
         drop = strcmp(what, "drop") == 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--before") == 0)
            before_s = argv[i + 1];
        else if (strcmp(argv[i], "--out") == 0 && archive)
            out = argv[i + 1];
        else
            return usage();
    }
    int before = 0;
    if ((months && argc != 2) || (archive && (!before_s || !out || argc != 6)) ||
        (drop && (!before_s || argc != 4)) || (!months && !archive && !drop))
        return usage();
    if (before_s && !gw_xapi_month_parse(before_s, &before)) {
        fprintf(stderr, "lmsgw: --before takes a month YYYY-MM, not '%s'\n", before_s);
        return 2;
    }
    struct gw_config cfg;
    struct gw_store *store = NULL;
    int rc = gw_cli_setup(config_path, &cfg, &store);
    if (rc)
        return rc;
    struct gw_error e;
    gw_error_clear(&e);
    struct gw_retention_report rep = {0};
    if (gw_store_migrate(store, NULL, &e) != GW_OK)
        rc = 1;
    else if (months)
        rc = list_months(store, &e);
    else if (archive &&
             gw_retention_archive(store, before, out, gw_time_now_ms(), &rep, &e) == GW_OK)
        say("archived", &rep, out);
    else if (drop && gw_retention_drop(store, before, gw_time_now_ms(), &rep, &e) == GW_OK)
        say("dropped", &rep, NULL);
    else
        rc = 1;
    if (rc && drop && rep.months)
        say("dropped", &rep, NULL); /* what went before the refusal */
    if (rc)
        gw_cli_report(&e);
    gw_store_close(store);
    gw_config_free(&cfg);
    return rc;
}
