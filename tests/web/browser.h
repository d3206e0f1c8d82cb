/* browser.h: drive Debian's chromium headless for page tests: the DOM after
 * the page's scripts ran (--dump-dom with a virtual time budget), and
 * screenshots. Flags as this workplace needs them (no sandbox as root, no
 * background networking). */
#ifndef GW_TEST_BROWSER_H
#define GW_TEST_BROWSER_H

#include "testsupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs chromium on url with extra (e.g. "--dump-dom"); returns its stdout
 * (caller frees) or NULL. */
static inline char *browser_run(const char *url, const char *extra)
{
    const char *bin = getenv("GW_CHROMIUM");
    char *profile = gwt_tmpdir("chrome");
    char *cmd = NULL;
    if (asprintf(&cmd,
                 "timeout 60 '%s' --headless --no-sandbox --disable-gpu --disable-quic "
                 "--no-first-run --disable-background-networking --disable-component-update "
                 "--disable-sync --user-data-dir='%s' --virtual-time-budget=8000 "
                 "--window-size=1200,900 %s '%s' 2>/dev/null",
                 bin ? bin : "chromium", profile, extra, url) < 0)
        abort();
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p) {
        gwt_rmtree(profile);
        free(profile);
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *out = malloc(cap);
    size_t r;
    while ((r = fread(out + n, 1, cap - n - 1, p)) > 0) {
        n += r;
        if (n + 1 >= cap) {
            cap *= 2;
            out = realloc(out, cap);
        }
    }
    out[n] = '\0';
    int rc = pclose(p);
    gwt_rmtree(profile);
    free(profile);
    if (rc != 0 && n == 0) {
        free(out);
        return NULL;
    }
    return out;
}

static inline char *browser_dom(const char *url)
{
    return browser_run(url, "--dump-dom");
}

#endif
