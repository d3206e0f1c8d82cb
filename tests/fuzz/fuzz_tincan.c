/* Fuzz target: tincan.xml (the xAPI package descriptor) parsed from arbitrary bytes, as if it were
 * the package's descriptor beside a few files, through the safe XML parser,
 * the standard's checks and the JSON report. */
#include "gw/course.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const files[] = {"index.html",  "shared/launchpage.html",
                                        "Shared/a.js", "content/lesson/index.html",
                                        "meta.xml",    NULL};
    struct gw_course_report *r = NULL;
    if (gw_course_validate_descriptor("tincan.xml", data, size, files, NULL, &r, NULL) == GW_OK) {
        json_decref(gw_course_report_to_json(r));
        gw_course_report_free(r);
    }
    return 0;
}
