/* serve.c: `lmsgw serve`: migrate, listen, and run until SIGTERM/SIGINT,
 * then shut down gracefully. Signals are blocked in every thread and taken
 * by sigwait here, so no handler runs in signal context. */
#include "gw/blobs.h"
#include "gw/cli.h"
#include "gw/demo.h"
#include "gw/log.h"
#include "gw/notifier.h"
#include "gw/publish.h"
#include "gw/scheduler.h"
#include "gw/server.h"
#include "gw/timefmt.h"
#include "gw/xapi_retention.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

/* Zips no package refers to and uploads that died (gw_blobs_sweep), a day
 * back; a failure is only logged: they wait for the next start. */
static void sweep_zips(struct gw_store *store, const char *data_dir)
{
    struct gw_error e;
    gw_error_clear(&e);
    int removed = 0;
    if (gw_blobs_sweep(store, data_dir, gw_time_now_ms() - 24LL * 3600 * 1000, &removed, &e) !=
        GW_OK)
        gw_log_warn("cannot sweep the package zips: %s", e.detail);
    else if (removed > 0)
        gw_log_info("removed %d package zips nothing refers to", removed);
}

int gw_cmd_serve(int argc, char **argv, const char *config_path)
{
    if (argc > 1) {
        fprintf(stderr, "lmsgw: 'serve' takes no arguments (see lmsgw --help)\n");
        return 2;
    }
    (void)argv;
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* threads started below inherit this */
    signal(SIGPIPE, SIG_IGN);

    struct gw_config cfg;
    struct gw_store *store = NULL;
    int rc = gw_cli_setup_create(config_path, &cfg, &store);
    if (rc)
        return rc;
    struct gw_error e;
    int applied = 0;
    struct gw_scheduler *sched = NULL;
    struct gw_publish_outbox *outbox = NULL;
    struct gw_outbound_notifier *notifier = gw_notifier_new(&cfg, &e);
    struct gw_server *srv = notifier ? gw_server_new(&cfg, store, &e) : NULL;
    if (!srv || gw_server_bind(srv, &e) != GW_OK ||
        gw_store_migrate(store, &applied, &e) != GW_OK) {
        gw_cli_report(&e);
        rc = notifier ? 1 : 2;
        goto done;
    }
    sweep_zips(store, cfg.data_dir);
    /* statements' months before the first statement (PostgreSQL; the
     * scheduler's thread keeps them ahead afterwards) */
    if (gw_store_xapi_partitions_ensure(store, gw_clock_now_ms(&srv->clock), NULL, &e) != GW_OK) {
        gw_cli_report(&e);
        rc = 1;
        goto done;
    }
    /* Everything requests may reach is in place before the first request:
     * the mailer (sign-in links), the review scheduler (reminders and
     * escalations, and notices an action queues: on_change wakes it), and
     * the publish outbox (approved courses to the LMS; none without a
     * targets file), whose publishes queue launch announcements. */
    srv->notifier = gw_notifier_get(notifier);
    sched = gw_scheduler_start(srv, gw_notifier_get(notifier));
    srv->on_change_ud = sched;
    srv->on_change = gw_scheduler_wake;
    outbox = gw_publish_start(srv, &e);
    if ((!outbox && e.code != GW_OK) || gw_server_start(srv, &e) != GW_OK) {
        gw_cli_report(&e);
        rc = 1;
        gw_publish_stop(outbox);
        gw_scheduler_stop(sched);
        goto done;
    }
    gw_publish_on_done(outbox, gw_scheduler_wake, sched);
    gw_log_json(GW_LOG_INFO,
                json_pack("{s:s, s:s, s:i, s:s, s:I}", "msg", "listening", "address",
                          cfg.listen_address, "port", srv->port, "store",
                          gw_store_backend_name(store), "workers", (json_int_t)cfg.workers));
    enum gw_demo_marker demo = GW_DEMO_NONE;
    int64_t demo_ms = 0;
    if (gw_store_demo_marker(store, &demo, &demo_ms, NULL, &e) == GW_OK && demo != GW_DEMO_NONE) {
        char ts[32];
        gw_time_format_ms(demo_ms, ts);
        gw_log_info("this database holds the demo data of 'lmsgw demo-data' (%s)",
                    demo == GW_DEMO_WRITTEN ? ts : "unfinished: that run failed");
    }
    bool v6 = strchr(cfg.listen_address, ':') != NULL;
    printf("lmsgw listening on http://%s%s%s:%d\n", v6 ? "[" : "", cfg.listen_address,
           v6 ? "]" : "", srv->port);
    /* a second line, so scripts reading the first keep working */
    printf("lmsgw course previews (the content origin) on %s\n", srv->content_url);
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    gw_log_info("received %s; finishing in-flight requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    /* requests first: one that finishes may still wake the scheduler */
    gw_server_stop(srv);
    gw_publish_stop(outbox);
    gw_scheduler_stop(sched);
    gw_log_info("stopped");
done:
    gw_server_free(srv);
    gw_notifier_free(notifier);
    gw_store_close(store);
    gw_config_free(&cfg);
    return rc;
}
