/* gwtest.h: the small assertion harness every C test uses (libuv style).
 *
 *   static void test_something(void) { CHECK(x == 1); CHECK_STR(a, "b"); }
 *   int main(void) { GW_RUN(test_something); return gw_test_summary(); }
 *
 * A test case fails when any of its checks fails; checks keep going so one run
 * shows every failure. A case that needs the shared corpus beside the
 * checkout (../shared, $GW_SHARED_DIR) starts with NEED_SHARED("corpus/...")
 * and is skipped, saying why, in a clone without it. The summary line is
 * "N passed, N failed, N skipped", which CI reads; a program whose every case
 * was skipped exits 77, which CTest reports as skipped (SKIP_RETURN_CODE). */
#ifndef GWTEST_H
#define GWTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int gwt_passed, gwt_failed, gwt_skipped, gwt_case_failed, gwt_case_skipped;

/* Whether $GW_SHARED_DIR/rel exists; says why the case is skipped if not. */
static inline int gwt_have_shared(const char *rel)
{
    const char *shared = getenv("GW_SHARED_DIR");
    char path[2048];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", shared ? shared : "../shared", rel);
    if (shared && stat(path, &st) == 0)
        return 1;
    fprintf(stderr, "  skip: %s is not here (the shared corpus beside the checkout)\n", path);
    return 0;
}

/* Skips the current case unless the shared corpus holds rel. */
#define NEED_SHARED(rel)                                                                           \
    do {                                                                                           \
        if (!gwt_have_shared(rel)) {                                                               \
            gwt_case_skipped = 1;                                                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                      \
            gwt_case_failed = 1;                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long gwt_a = (long long)(a), gwt_b = (long long)(b);                                  \
        if (gwt_a != gwt_b) {                                                                      \
            fprintf(stderr, "  FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, \
                    gwt_a, gwt_b);                                                                 \
            gwt_case_failed = 1;                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *gwt_a = (a), *gwt_b = (b);                                                     \
        if (!gwt_a || !gwt_b || strcmp(gwt_a, gwt_b) != 0) {                                       \
            fprintf(stderr, "  FAIL %s:%d: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, \
                    #b, gwt_a ? gwt_a : "(null)", gwt_b ? gwt_b : "(null)");                       \
            gwt_case_failed = 1;                                                                   \
        }                                                                                          \
    } while (0)

/* Stops the current test case when cond fails (for preconditions). */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  FAIL %s:%d: required %s\n", __FILE__, __LINE__, #cond);             \
            gwt_case_failed = 1;                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define GW_RUN(fn)                                                                                 \
    do {                                                                                           \
        gwt_case_failed = 0;                                                                       \
        gwt_case_skipped = 0;                                                                      \
        fn();                                                                                      \
        if (gwt_case_skipped && !gwt_case_failed) {                                                \
            gwt_skipped++;                                                                         \
            fprintf(stderr, "skip %s\n", #fn);                                                     \
        } else if (gwt_case_failed) {                                                              \
            gwt_failed++;                                                                          \
            fprintf(stderr, "not ok %s\n", #fn);                                                   \
        } else {                                                                                   \
            gwt_passed++;                                                                          \
            fprintf(stderr, "ok %s\n", #fn);                                                       \
        }                                                                                          \
    } while (0)

static inline int gw_test_summary(void)
{
    printf("%d passed, %d failed, %d skipped\n", gwt_passed, gwt_failed, gwt_skipped);
    if (gwt_failed == 0 && gwt_passed == 0 && gwt_skipped > 0)
        return 77;
    return gwt_failed == 0 && gwt_passed > 0 ? 0 : 1;
}

#endif
