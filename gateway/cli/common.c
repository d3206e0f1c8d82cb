/* common.c: what every subcommand does first: load the configuration, set
 * the log level, create the data directory, open the store; how a failed
 * command reports; and the gateway's public URL as the server computes it. */
#include "gw/cli.h"
#include "gw/json.h"
#include "gw/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void gw_cli_report(const struct gw_error *e)
{
    const struct gw_err_info *info = gw_err_lookup(e->code);
    fprintf(stderr, "lmsgw: %s [%s %d]\n", e->detail[0] ? e->detail : info->hint, info->name,
            (int)info->code);
}

int gw_cli_text_arg(const char *what, const char *s)
{
    char buf[64];
    const char *why = s ? gw_text_problem(s, strlen(s), false, buf, sizeof buf) : NULL;
    if (!why)
        return 0;
    fprintf(stderr, "lmsgw: %s must be UTF-8 text without control characters; it %s\n", what, why);
    return 2;
}

static int mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int setup(const char *config_path, struct gw_config *cfg, struct gw_store **store,
                 bool create)
{
    struct gw_error e;
    if (gw_config_load(cfg, config_path, NULL, &e) != GW_OK) {
        gw_cli_report(&e);
        return 2;
    }
    gw_log_set_level_name(cfg->log_level);
    if (!store)
        return 0;
    if (create && mkdirs(cfg->data_dir) != 0) {
        gw_error_set(&e, GW_E_IO, "data_dir", "cannot create the data directory %s: %s",
                     cfg->data_dir, strerror(errno));
        gw_cli_report(&e);
        gw_config_free(cfg);
        return 1;
    }
    struct gw_store_options opt = {.pool_size = (int)cfg->db_pool_size, .existing_only = !create};
    *store = gw_store_open(cfg->database, &opt, &e);
    int dbv = 0, known = 0;
    enum gw_err rc = *store ? GW_OK : GW_E_STORE_NOT_FOUND;
    if (*store && !create) {
        rc = gw_store_schema_version(*store, &dbv, &known, &e);
        if (rc == GW_OK && dbv == 0)
            rc = gw_error_set(&e, GW_E_STORE_NOT_MIGRATED, "database",
                              "the database %s has no lmsgw schema: run 'lmsgw migrate' or "
                              "'lmsgw serve' with this configuration first, or give the command "
                              "the server's configuration",
                              cfg->database);
    }
    if (rc != GW_OK) {
        gw_cli_report(&e);
        gw_store_close(*store);
        *store = NULL;
        gw_config_free(cfg);
        return 1;
    }
    return 0;
}

int gw_cli_setup(const char *config_path, struct gw_config *cfg, struct gw_store **store)
{
    return setup(config_path, cfg, store, false);
}

int gw_cli_setup_create(const char *config_path, struct gw_config *cfg, struct gw_store **store)
{
    return setup(config_path, cfg, store, true);
}

const char *gw_cli_public_url(const struct gw_config *cfg, char url[GW_CLI_URL_MAX])
{
    if (cfg->public_url && *cfg->public_url)
        return cfg->public_url;
    bool v6 = strchr(cfg->listen_address, ':') != NULL;
    snprintf(url, GW_CLI_URL_MAX, "http://%s%.200s%s:%lld", v6 ? "[" : "", cfg->listen_address,
             v6 ? "]" : "", (long long)cfg->port);
    return url;
}
