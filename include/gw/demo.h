/* demo: the demo data of `lmsgw demo-data` (issue 16): a consistent history,
 * back-dated from now, that shows every stage of the pipeline, written by
 * running the gateway's own use cases at their back-dated times.
 *
 *  - the marker (store/demo.c): a row 'demo_data' in kpi_meta (migration
 *    0012's name/value table; no migration of its own), written before the
 *    first demo row with the value 0 and set to the finishing time once the
 *    history is complete. It is how a second run knows the demo data is
 *    there and how the gateway says its database holds demo data (serve's
 *    log, GET /api/v1);
 *  - the history (app/demo.c runs it, app/demo_story.c says what happens,
 *    app/demo_learners.c makes the learners' statements);
 *  - the command (cli/demo.c). */
#ifndef GW_DEMO_H
#define GW_DEMO_H

#include "gw/error.h"
#include "gw/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the marker (store/demo.c) ---- */
enum gw_demo_marker {
    GW_DEMO_NONE,    /* no demo data was ever written here */
    GW_DEMO_STARTED, /* a run began and did not finish */
    GW_DEMO_WRITTEN, /* the demo data is complete */
};

/* What the database holds that demo-data would collide with. */
struct gw_demo_census {
    int64_t departments, people, requests, packages, statements;
};

/* The marker and, when census is not NULL, what the database holds;
 * *written_ms (may be NULL) receives when the history was finished (0
 * unless GW_DEMO_WRITTEN). */
enum gw_err gw_store_demo_marker(struct gw_store *s, enum gw_demo_marker *m, int64_t *written_ms,
                                 struct gw_demo_census *census, struct gw_error *err);
/* In one transaction: when there is no marker and the database holds no
 * department, person, course request, package or statement, records the
 * marker as started and sets *begun. Otherwise changes nothing and answers
 * the marker as it is (*m, *written_ms) and what the database holds (*c). */
enum gw_err gw_store_demo_begin(struct gw_store *s, bool *begun, enum gw_demo_marker *m,
                                int64_t *written_ms, struct gw_demo_census *c,
                                struct gw_error *err);
/* Marks the demo data complete at now_ms. */
enum gw_err gw_store_demo_finish(struct gw_store *s, int64_t now_ms, struct gw_error *err);

/* ---- the history (app/demo.c) ---- */
struct gw_demo_options {
    const char *data_dir;    /* the configuration's: packages are kept under it */
    const char *public_url;  /* the gateway's, as serve computes it (course IRIs) */
    const char *lms_target;  /* the LMS target name publishes are recorded under */
    const char *const *zips; /* valid sample packages (gw_demo_find_packages) */
    size_t n_zips;
    int64_t now_ms; /* everything happens before it */
};

/* What was written, for the command's one line. */
struct gw_demo_summary {
    size_t departments, people, requests, courses, versions, rounds, decisions;
    size_t notices, published, statements, effort_entries;
};

/* The sample packages in dir: every *.zip that validates without errors,
 * by name (at most cap, heap paths in out, *n their number; free each).
 * GW_E_IO naming dir when it cannot be read or holds none. */
enum gw_err gw_demo_find_packages(const char *dir, char **out, size_t cap, size_t *n,
                                  struct gw_error *err);

/* Writes the history into s (which must hold nothing yet: the caller took
 * the marker with gw_store_demo_begin): departments and people, then every
 * course request's story in time order, with the review scheduler ticking
 * in between as `serve` would. Mail and chat notices are recorded as sent
 * and go nowhere. Stops at the first failure (err names the step). */
enum gw_err gw_demo_write(struct gw_store *s, const struct gw_demo_options *o,
                          struct gw_demo_summary *out, struct gw_error *err);

/* ---- the command (cli/demo.c) ----
 *   lmsgw demo-data [--packages DIR]
 * DIR: the sample packages, default the packages/ folder beside the lmsgw
 * binary (the build's). Exit 0: written, or already there; 1: refused
 * (DEMO_REFUSED) or failed; 2: bad usage or configuration. */
int gw_cmd_demo_data(int argc, char **argv, const char *config_path);

#endif
