/* review.c: `lmsgw review tick` (one scheduler pass) and `lmsgw review
 * audit-verify` (the audit log's hash chain, end to end). See gw/review_cli.h. */
#include "gw/buf.h"
#include "gw/cli.h"
#include "gw/course_view.h"
#include "gw/json.h"
#include "gw/notifier.h"
#include "gw/review.h"
#include "gw/review_cli.h"
#include "gw/review_store.h"
#include "gw/scheduler.h"
#include "gw/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int audit_verify(struct gw_store *store)
{
    struct gw_audit_lines lines;
    char last[65] = "";
    struct gw_error e;
    if (gw_store_audit_lines(store, NULL, &lines, &e) != GW_OK) {
        gw_cli_report(&e);
        return 1;
    }
    size_t n = lines.n, bad = 0;
    const char *head = lines.head;
    enum gw_err rc =
        n ? gw_audit_verify((const char *const *)lines.lines, n, NULL, last, &bad, &e) : GW_OK;
    if (rc == GW_OK && n && strcmp(last, head) != 0)
        rc = gw_error_set(&e, GW_E_REVIEW_AUDIT_CHAIN_BROKEN, "",
                          "the last record's hash %s is not the stored head %s", last, head);
    if (rc != GW_OK) {
        gw_cli_report(&e);
    } else {
        printf("audit log intact: %zu records, head %s\n", n, n ? head : "-");
    }
    gw_audit_lines_free(&lines);
    return rc == GW_OK ? 0 : 1;
}

static int tick(struct gw_store *store, const struct gw_config *cfg)
{
    struct gw_error e;
    struct gw_outbound_notifier *n = gw_notifier_new(cfg, &e);
    if (!n) {
        gw_cli_report(&e);
        return 2;
    }
    char url[300];
    struct gw_scheduler *s =
        gw_scheduler_new(store, NULL, gw_cli_public_url(cfg, url), gw_notifier_get(n));
    struct gw_tick_stats st;
    enum gw_err rc = gw_scheduler_tick(s, gw_time_now_ms(), &st, &e);
    gw_scheduler_free(s);
    gw_notifier_free(n);
    if (rc != GW_OK) {
        gw_cli_report(&e);
        return 1;
    }
    printf("leader %s, %zu notices recorded, %zu sent, %zu failed, %zu skipped\n",
           st.leader ? "yes" : "no", st.recorded, st.sent, st.failed, st.skipped);
    return 0;
}

/* Whether approver may decide on round now: the round exists, is open, and
 * names them (as approver or as the delegate of one). Reports and returns
 * false when not. */
static bool link_allowed(struct gw_store *store, const char *round, const char *approver)
{
    struct gw_error e;
    struct gw_round_view v;
    if (gw_store_round_get(store, round, &v, &e) != GW_OK) {
        if (e.code == GW_E_NOT_FOUND)
            gw_error_set(&e, GW_E_NOT_FOUND, "ROUND_ID",
                         "there is no approval round %s in this database; is this the "
                         "server's configuration?",
                         round);
        gw_cli_report(&e);
        return false;
    }
    bool named = gw_review_round_find(&v.round, approver) != NULL;
    enum gw_err rc = GW_OK;
    if (strcmp(v.state, "open") != 0)
        rc = gw_error_set(&e, GW_E_REVIEW_ROUND_CLOSED, "ROUND_ID",
                          "the approval round %s is closed (%s): a link could decide nothing",
                          round, v.state[0] ? v.state : "unknown");
    else if (!named)
        rc = gw_error_set(&e, GW_E_REVIEW_NOT_APPROVER, "APPROVER_ID",
                          "%s is not an approver of round %s, nor the delegate of one", approver,
                          round);
    gw_round_view_free(&v);
    if (rc != GW_OK)
        gw_cli_report(&e);
    return rc == GW_OK;
}

/* A fresh one-click link for an approver of a round, e.g. when their mail
 * bounced: the same signed, expiring, single-use token the scheduler mails.
 * Refused for a round that does not exist or is closed and for someone who
 * is not its approver. */
static int link(struct gw_store *store, const struct gw_config *cfg, const char *round,
                const char *approver, long days)
{
    uint8_t key[32];
    struct gw_error e;
    if (!link_allowed(store, round, approver))
        return 1;
    struct gw_review_token_claims c = {0};
    snprintf(c.round_id, sizeof c.round_id, "%s", round);
    snprintf(c.approver_id, sizeof c.approver_id, "%s", approver);
    c.actions =
        GW_REVIEW_ACTION_APPROVE | GW_REVIEW_ACTION_REQUEST_CHANGES | GW_REVIEW_ACTION_REJECT;
    c.expires_ms = gw_time_now_ms() + days * 86400000LL;
    char token[GW_REVIEW_TOKEN_MAX];
    if (gw_store_review_key(store, key, &e) != GW_OK || !gw_review_token_new_nonce(&c) ||
        gw_review_token_make(key, sizeof key, &c, token, sizeof token, &e) != GW_OK) {
        gw_cli_report(&e);
        return 1;
    }
    char url[300];
    printf("%s/r/%s\n", gw_cli_public_url(cfg, url), token);
    return 0;
}

int gw_cmd_review(int argc, char **argv, const char *config_path)
{
    const char *sub = argc > 1 ? argv[1] : "";
    bool is_link =
        strcmp(sub, "link") == 0 && (argc == 4 || (argc == 6 && strcmp(argv[4], "--days") == 0));
    long days = argc == 6 ? strtol(argv[5], NULL, 10) : 14;
    if (!is_link && (argc != 2 || (strcmp(sub, "tick") != 0 && strcmp(sub, "audit-verify") != 0))) {
        fprintf(stderr,
                "usage: lmsgw review tick | audit-verify | link ROUND_ID APPROVER_ID [--days N]\n");
        return 2;
    }
    /* the ids go into the link and, once it is used, into the decision */
    if (is_link &&
        (gw_cli_text_arg("ROUND_ID", argv[2]) || gw_cli_text_arg("APPROVER_ID", argv[3])))
        return 2;
    if (is_link && (days < 1 || days > 90)) {
        fprintf(stderr, "lmsgw: --days takes 1 to 90\n");
        return 2;
    }
    struct gw_config cfg;
    struct gw_store *store = NULL;
    int rc = gw_cli_setup(config_path, &cfg, &store);
    if (rc)
        return rc;
    struct gw_error e;
    if (gw_store_migrate(store, NULL, &e) != GW_OK) {
        gw_cli_report(&e);
        rc = 1;
    } else {
        rc = is_link                    ? link(store, &cfg, argv[2], argv[3], days)
             : strcmp(sub, "tick") == 0 ? tick(store, &cfg)
                                        : audit_verify(store);
    }
    gw_store_close(store);
    gw_config_free(&cfg);
    return rc;
}
