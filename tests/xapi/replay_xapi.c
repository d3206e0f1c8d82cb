/* replay_xapi: a plain main that feeds every file of the xAPI fuzz corpus
 * (tests/fuzz/corpus/xapi_statement, or the paths given as arguments) to
 * LLVMFuzzerTestOneInput, so the corpus is exercised under ASan in the normal
 * suite without clang/libFuzzer. */
#include "gwtest.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replayed;

static void replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "  cannot open %s\n", path);
        gwt_case_failed = 1;
        return;
    }
    uint8_t *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    replayed++;
}

static void replay_dir(const char *dir)
{
    char path[2048];
    DIR *d = opendir(dir);
    if (!d) {
        replay_file(dir);
        return;
    }
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        replay_file(path);
    }
    closedir(d);
}

static int g_argc;
static char **g_argv;

static void test_replay_corpus(void)
{
    char dir[1024];
    if (g_argc > 1) {
        for (int i = 1; i < g_argc; i++)
            replay_dir(g_argv[i]);
    } else {
        const char *src = getenv("GW_SOURCE_DIR");
        REQUIRE(src != NULL);
        snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/xapi_statement", src);
        replay_dir(dir);
        CHECK(replayed >= 5);
    }
    fprintf(stderr, "  replayed %d inputs\n", replayed);
}

int main(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
    GW_RUN(test_replay_corpus);
    return gw_test_summary();
}
