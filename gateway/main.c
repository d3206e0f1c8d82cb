/* main.c: the lmsgw command line only. Parses arguments, loads the
 * configuration and calls into the modules; owns no logic of its own. */
#include "gw/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("lmsgw %s\n", GW_VERSION);
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "errors") == 0 && strcmp(argv[2], "--json") == 0) {
        json_t *j = gw_errors_registry_json();
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        return 0;
    }
    fprintf(stderr, "usage: lmsgw --version | errors --json\n");
    return 2;
}
