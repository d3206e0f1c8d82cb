/* kpi.c: the `lmsgw kpi` command: `kpi rebuild` indexes the statements a
 * gateway left pending (deferred index), then drops and recomputes the KPI
 * state from the stored statements (the proof and the repair of the
 * incremental path); `kpi reattribute COURSE_ID` re-attributes statements
 * after IRIs were registered by hand. */
#include "gw/cli.h"
#include "gw/kpi_cli.h"
#include "gw/kpi_store.h"
#include "gw/timefmt.h"
#include "gw/xapi_store.h"

#include <stdio.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: lmsgw kpi rebuild | kpi reattribute COURSE_ID\n");
    return 2;
}

int gw_cmd_kpi(int argc, char **argv, const char *config_path)
{
    bool rebuild = argc == 2 && strcmp(argv[1], "rebuild") == 0;
    bool reattr = argc == 3 && strcmp(argv[1], "reattribute") == 0;
    if (!rebuild && !reattr)
        return usage();
    if (reattr && gw_cli_text_arg("COURSE_ID", argv[2]))
        return 2;
    struct gw_config cfg;
    struct gw_store *store = NULL;
    int rc = gw_cli_setup(config_path, &cfg, &store);
    if (rc)
        return rc;
    struct gw_error e;
    int64_t counted = 0, indexed = 0, t0 = gw_time_mono_us();
    if (gw_store_migrate(store, NULL, &e) != GW_OK)
        rc = 1;
    else if (rebuild && gw_store_xapi_index_pending(store, &indexed, &e) != GW_OK)
        rc = 1;
    else if (rebuild && gw_store_kpi_rebuild(store, &counted, &e) != GW_OK)
        rc = 1;
    else if (reattr && gw_store_kpi_reattribute(store, argv[2], &e) != GW_OK)
        rc = 1;
    if (rc)
        gw_cli_report(&e);
    else if (rebuild && indexed > 0)
        printf("%lld pending statements indexed; kpi state rebuilt from %lld counted statements in "
               "%.3f s\n",
               (long long)indexed, (long long)counted, (double)(gw_time_mono_us() - t0) / 1e6);
    else if (rebuild)
        printf("kpi state rebuilt from %lld counted statements in %.3f s\n", (long long)counted,
               (double)(gw_time_mono_us() - t0) / 1e6);
    else
        printf("statements under the IRIs of %s re-attributed\n", argv[2]);
    gw_store_close(store);
    gw_config_free(&cfg);
    return rc;
}
