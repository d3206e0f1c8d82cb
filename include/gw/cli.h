/* The lmsgw subcommands. Each takes argv starting at the subcommand's name
 * and the path of the configuration file (NULL when none), and returns the
 * process exit code: 0 success, 1 failure, 2 bad usage or configuration. */
#ifndef GW_CLI_H
#define GW_CLI_H

#include "gw/config.h"
#include "gw/error.h"
#include "gw/store.h"

int gw_cmd_serve(int argc, char **argv, const char *config_path);
int gw_cmd_migrate(int argc, char **argv, const char *config_path);
int gw_cmd_key(int argc, char **argv, const char *config_path);
int gw_cmd_config(int argc, char **argv, const char *config_path);
int gw_cmd_statements(int argc, char **argv, const char *config_path);

/* Prints "lmsgw: <detail> [NAME]" for e on stderr: the one line a failed
 * command leaves. */
void gw_cli_report(const struct gw_error *e);
/* Loads the configuration, sets the log level and (store not NULL) opens the
 * store. Only an existing database with an lmsgw schema is opened: a missing
 * one is STORE_NOT_FOUND, one without schema STORE_NOT_MIGRATED (exit code 1),
 * so a command run with another configuration than the server's never makes
 * a database of its own. Returns 0 or the exit code to use. */
int gw_cli_setup(const char *config_path, struct gw_config *cfg, struct gw_store **store);
/* gw_cli_setup for `migrate` and `serve`, the commands that create the
 * database: creates data_dir first and opens (creating) the store. */
int gw_cli_setup_create(const char *config_path, struct gw_config *cfg, struct gw_store **store);

/* An argument the command stores or passes on as text must be UTF-8 without
 * control characters (issue 13: a key named otherwise was hidden from
 * listings). Returns 0, or prints "lmsgw: WHAT must be UTF-8 text ..." and
 * returns 2. NULL (not given) passes. */
int gw_cli_text_arg(const char *what, const char *s);

/* The base URL the server answers at (links, course IRIs): public_url, or
 * without one http://<listen_address>:<port> as serve computes it (with
 * port 0 the port serve picks is not known here). Returns cfg's string or
 * url, filled. */
#define GW_CLI_URL_MAX 300
const char *gw_cli_public_url(const struct gw_config *cfg, char url[GW_CLI_URL_MAX]);

#endif
