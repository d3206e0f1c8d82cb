/* Fuzz target: the whole validator over arbitrary bytes as a zip (libzip
 * reading, the central-directory guards, descriptor parsing, content checks,
 * the CRC pass and the JSON report). */
#include "gw/course.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gw_course_limits lim;
    gw_course_limits_default(&lim);
    lim.max_total_uncompressed = 64u << 20; /* keep each run small */
    lim.max_entry_uncompressed = 16u << 20;
    struct gw_course_report *r = NULL;
    if (gw_course_validate_buffer(data, size, &lim, &r, NULL) == GW_OK) {
        json_decref(gw_course_report_to_json(r));
        gw_course_report_free(r);
    }
    return 0;
}
