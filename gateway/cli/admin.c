/* admin.c: `lmsgw migrate`, `lmsgw key create|list|revoke`, `lmsgw config`. */
#include "gw/auth.h"
#include "gw/cli.h"
#include "gw/json.h"
#include "gw/review_app.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gw_cmd_migrate(int argc, char **argv, const char *config_path)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "lmsgw: 'migrate' takes no arguments\n");
        return 2;
    }
    struct gw_config cfg;
    struct gw_store *store = NULL;
    int rc = gw_cli_setup_create(config_path, &cfg, &store);
    if (rc)
        return rc;
    struct gw_error e;
    int applied = 0, dbv = 0, known = 0;
    if (gw_store_migrate(store, &applied, &e) != GW_OK ||
        gw_store_schema_version(store, &dbv, &known, &e) != GW_OK) {
        gw_cli_report(&e);
        rc = 1;
    } else {
        printf("%s schema at version %d (%d migration%s applied now)\n",
               gw_store_backend_name(store), dbv, applied, applied == 1 ? "" : "s");
    }
    gw_store_close(store);
    gw_config_free(&cfg);
    return rc;
}

static const char *opt_value(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (argv[i] && strcmp(argv[i], name) == 0)
            return argv[i + 1];
    }
    return NULL;
}

static bool has_flag(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i] && strcmp(argv[i], flag) == 0)
            return true;
    }
    return false;
}

static int key_create(int argc, char **argv, struct gw_store *store)
{
    const char *role = opt_value(argc, argv, "--role");
    const char *name = opt_value(argc, argv, "--name");
    if (!role || !name) {
        fprintf(stderr, "usage: lmsgw key create --role admin|author|approver|lms|bi --name NAME "
                        "[--person PERSON_ID] [--dedup-window SECONDS] [--dedup-members LIST] "
                        "[--hmac] [--json]\n");
        return 2;
    }
    const char *dedup = opt_value(argc, argv, "--dedup-window");
    char *end = NULL;
    long long window = dedup ? strtoll(dedup, &end, 10) : -1; /* -1: the role's default */
    if (dedup && (!*dedup || *end || window < 0 || window > 604800)) {
        fprintf(stderr, "lmsgw: --dedup-window takes seconds from 0 to 604800\n");
        return 2;
    }
    const char *members_text = opt_value(argc, argv, "--dedup-members");
    unsigned members = 0;
    if (members_text && !gw_xapi_dedup_members_parse(members_text, &members)) {
        fprintf(stderr, "lmsgw: --dedup-members takes a comma-separated list of actor, verb, "
                        "object, result, timestamp, registration, context (each at most once)\n");
        return 2;
    }
    struct gw_key_options opt = {.dedup_window_s = window,
                                 .dedup_members = members,
                                 .hmac = has_flag(argc, argv, "--hmac"),
                                 .person_id = opt_value(argc, argv, "--person")};
    struct gw_new_key k;
    struct gw_error e;
    /* stored text is UTF-8 (a key named otherwise would be hidden from listings) */
    if (gw_cli_text_arg("--name", name) || gw_cli_text_arg("--person", opt.person_id))
        return 2;
    if (opt.person_id && gw_app_person_known(store, opt.person_id, "--person", &e) != GW_OK) {
        gw_cli_report(&e);
        return e.code == GW_E_REVIEW_REFERENCE_UNKNOWN ? 2 : 1;
    }
    if (gw_auth_key_create(store, name, role, &opt, gw_time_now_ms(), &k, &e) != GW_OK) {
        gw_cli_report(&e);
        return e.code == GW_E_JSON_FIELD_VALUE ? 2 : 1;
    }
    char mtext[GW_XAPI_DEDUP_MEMBERS_TEXT];
    gw_xapi_dedup_members_format(k.dedup_members, mtext);
    if (has_flag(argc, argv, "--json")) {
        json_t *mj = gw_xapi_dedup_members_json(k.dedup_members);
        char *mdump = json_dumps(mj, JSON_COMPACT);
        printf("{\"key_id\":\"%s\",\"secret\":\"%s\",\"token\":\"%s\"", k.key_id, k.secret,
               k.token);
        if (k.hmac_secret[0])
            printf(",\"hmac_secret\":\"%s\"", k.hmac_secret);
        printf(",\"dedup_window_s\":%lld,\"dedup_members\":%s}\n", (long long)k.dedup_window_s,
               mdump ? mdump : "[]");
        free(mdump);
        json_decref(mj);
    } else {
        printf("key_id: %s\nrole:   %s\ntoken:  %s\n", k.key_id, role, k.token);
        if (k.dedup_window_s > 0)
            printf("dedup:  id-less statements with the same %s within %lld s are stored once\n",
                   mtext, (long long)k.dedup_window_s);
        printf("(Bearer clients send 'Authorization: Bearer %s'; xAPI clients use Basic auth with "
               "user %s and password %s. The secret is shown only now.)\n",
               k.token, k.key_id, k.secret);
        if (k.hmac_secret[0])
            printf("hmac secret: %s\n(sign every request body: X-Lmsgw-Signature: "
                   "sha256=HEX(HMAC-SHA256(hmac secret, body)))\n",
                   k.hmac_secret);
    }
    return 0;
}

static int key_list(struct gw_store *store)
{
    struct gw_key *keys = NULL;
    size_t n = 0;
    struct gw_error e;
    if (gw_store_key_list(store, &keys, &n, &e) != GW_OK) {
        gw_cli_report(&e);
        return 1;
    }
    printf("%-16s %-9s %-8s %-25s %-8s %-42s %s\n", "KEY_ID", "ROLE", "STATE", "CREATED", "DEDUP_S",
           "DEDUP_MEMBERS", "NAME");
    for (size_t i = 0; i < n; i++) {
        const struct gw_key *k = &keys[i];
        char ts[32], members[GW_XAPI_DEDUP_MEMBERS_TEXT] = "";
        gw_time_format_ms(k->created_ms, ts);
        json_t *names = gw_xapi_dedup_members_json(k->xapi_dedup_members);
        size_t j;
        const json_t *m;
        json_array_foreach(names, j, m)
        {
            const char *name = json_string_value(m);
            size_t len = strlen(members);
            snprintf(members + len, sizeof members - len, "%s%s", j ? "," : "", name ? name : "");
        }
        json_decref(names);
        printf("%-16s %-9s %-8s %-25s %-8lld %-42s %s\n", k->key_id, k->role,
               k->revoked_ms ? "revoked" : "active", ts, (long long)k->xapi_dedup_window_s, members,
               k->name);
    }
    free(keys);
    return 0;
}

int gw_cmd_key(int argc, char **argv, const char *config_path)
{
    if (argc < 2 || (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "list") != 0 &&
                     strcmp(argv[1], "revoke") != 0)) {
        fprintf(stderr, "usage: lmsgw key create --role ROLE --name NAME [--json] | key list | "
                        "key revoke KEY_ID\n");
        return 2;
    }
    if (strcmp(argv[1], "revoke") == 0 && argc != 3) {
        fprintf(stderr, "usage: lmsgw key revoke KEY_ID\n");
        return 2;
    }
    if (strcmp(argv[1], "revoke") == 0 && gw_cli_text_arg("KEY_ID", argv[2]))
        return 2;
    const char *role = opt_value(argc, argv, "--role");
    if (strcmp(argv[1], "create") == 0 && role && !gw_role_from_name(role)) {
        /* refuse before touching the store */
        fprintf(stderr, "lmsgw: '%s' is not a role: use admin, author, approver, lms or bi\n",
                role);
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
    } else if (strcmp(argv[1], "create") == 0) {
        rc = key_create(argc - 1, argv + 1, store);
    } else if (strcmp(argv[1], "list") == 0) {
        rc = key_list(store);
    } else if (gw_store_key_revoke(store, argv[2], gw_time_now_ms(), &e) != GW_OK) {
        gw_cli_report(&e);
        rc = 1;
    } else {
        printf("revoked %s\n", argv[2]);
    }
    gw_store_close(store);
    gw_config_free(&cfg);
    return rc;
}

int gw_cmd_config(int argc, char **argv, const char *config_path)
{
    if (argc == 2 && strcmp(argv[1], "--doc") == 0) {
        char *doc = gw_config_doc_markdown();
        fputs(doc, stdout);
        free(doc);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--show") == 0) {
        struct gw_config cfg;
        int rc = gw_cli_setup(config_path, &cfg, NULL);
        if (rc)
            return rc;
        json_t *j = gw_config_to_json(&cfg);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        gw_config_free(&cfg);
        return 0;
    }
    fprintf(stderr, "usage: lmsgw config --doc | --show\n");
    return 2;
}
