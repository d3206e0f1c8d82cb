/* main.c: the lmsgw command line only. Finds the configuration file, picks
 * the subcommand and calls it; the subcommands live in gateway/cli/. */
#include "gw/api.h"
#include "gw/cli.h"
#include "gw/course.h"
#include "gw/demo.h"
#include "gw/kpi_cli.h"
#include "gw/outbound.h"
#include "gw/review_cli.h"
#include "gw/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: lmsgw [--config FILE] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  serve                         migrate the store and serve HTTP until SIGTERM/SIGINT\n"
    "  migrate                       apply pending schema migrations and exit\n"
    "  key create --role ROLE --name NAME [--person PERSON_ID] [--dedup-window SECONDS]\n"
    "             [--dedup-members LIST] [--hmac] [--json]\n"
    "                                create an API key (roles: admin author approver lms bi);\n"
    "                                the secret is printed once\n"
    "  key list                      list API keys\n"
    "  key revoke KEY_ID             revoke an API key\n"
    "  config --doc | --show         document every configuration key | print the effective one\n"
    "  validate PACKAGE.zip [--json] check a course package (SCORM 1.2/2004, cmi5, xAPI);\n"
    "                                exit 0 valid, 1 invalid, 2 unreadable\n"
    "  validate --finding-codes      print the registry of validation finding codes\n"
    "  review tick | audit-verify    run the review scheduler once | check the audit log's chain\n"
    "  review link ROUND APPROVER [--days N]\n"
    "                                print a fresh one-click approval link (default 14 days)\n"
    "  kpi rebuild                   recompute every KPI from the stored statements\n"
    "  kpi reattribute COURSE_ID     attribute stored statements again to a course's IRIs\n"
    "  statements months             list the monthly partitions of statements (PostgreSQL)\n"
    "  statements archive --before YYYY-MM --out FILE.jsonl\n"
    "                                write the months before into a new JSON-lines file\n"
    "  statements drop --before YYYY-MM\n"
    "                                drop archived months with their index and KPI rows\n"
    "  demo-data [--packages DIR]    write back-dated demo data into an empty database (every\n"
    "                                pipeline stage, learners' statements); once: again is a "
    "no-op\n"
    "  errors --json                 print the error-code registry\n"
    "  openapi                       print the OpenAPI description of the API\n"
    "  --help, --version\n"
    "\n"
    "The configuration file is JSON (--config FILE, or the LMSGW_CONFIG environment variable);\n"
    "LMSGW_* environment variables override it. See README.md.\n";

struct command {
    const char *name;
    int (*fn)(int argc, char **argv, const char *config_path);
};

static int cmd_errors(int argc, char **argv, const char *config_path)
{
    (void)config_path;
    if (argc != 2 || strcmp(argv[1], "--json") != 0) {
        fprintf(stderr, "usage: lmsgw errors --json\n");
        return 2;
    }
    json_t *j = gw_errors_registry_json();
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(j);
    return 0;
}

static int cmd_openapi(int argc, char **argv, const char *config_path)
{
    (void)argv;
    (void)config_path;
    if (argc != 1) {
        fprintf(stderr, "usage: lmsgw openapi\n");
        return 2;
    }
    json_t *j = gw_api_openapi_json();
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(j);
    return 0;
}

static int cmd_validate(int argc, char **argv, const char *config_path)
{
    (void)config_path;
    return gw_cmd_validate(argc, argv);
}

static const struct command commands[] = {
    {"review", gw_cmd_review},         {"kpi", gw_cmd_kpi},
    {"demo-data", gw_cmd_demo_data},   {"serve", gw_cmd_serve},
    {"migrate", gw_cmd_migrate},       {"key", gw_cmd_key},
    {"config", gw_cmd_config},         {"errors", cmd_errors},
    {"validate", cmd_validate},        {"openapi", cmd_openapi},
    {"statements", gw_cmd_statements},
};

int main(int argc, char **argv)
{
    const char *config_path = getenv("LMSGW_CONFIG");
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("lmsgw %s\n", GW_VERSION);
            return 0;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[i + 1];
            i += 2;
            continue;
        }
        fprintf(stderr, "lmsgw: unknown option %s\n%s", argv[i], usage);
        return 2;
    }
    if (i >= argc) {
        fputs(usage, stderr);
        return 2;
    }
    if (config_path && !*config_path)
        config_path = NULL;
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        if (strcmp(argv[i], commands[c].name) == 0) {
            gw_outbound_global_init(); /* libcurl, before any thread starts */
            int rc = commands[c].fn(argc - i, argv + i, config_path);
            gw_outbound_global_cleanup();
            return rc;
        }
    }
    fprintf(stderr, "lmsgw: unknown command '%s'\n%s", argv[i], usage);
    return 2;
}
