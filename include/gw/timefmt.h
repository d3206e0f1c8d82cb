/* Wall-clock helpers and ISO 8601 formatting/parsing of UTC instants in
 * milliseconds since the Unix epoch. Time-dependent decisions go through
 * struct gw_clock (gw/clock.h); these are for formatting and for logs. */
#ifndef GW_TIMEFMT_H
#define GW_TIMEFMT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

int64_t gw_time_now_ms(void);
/* Monotonic milliseconds, for measuring durations. */
int64_t gw_time_mono_us(void);
/* The CLOCK_REALTIME instant ms from now, as pthread_cond_timedwait takes
 * it. */
struct timespec gw_time_deadline(int64_t ms);
/* Writes "2026-11-22T16:35:33.123Z" into out (at least 32 bytes). */
void gw_time_format_ms(int64_t ms, char out[32]);
/* Parses an RFC 3339 / ISO 8601 date-time ("YYYY-MM-DDTHH:MM:SS[.frac][Z|+hh:mm|+hhmm|+hh]";
 * no offset reads as UTC)
 * into milliseconds since the epoch. Returns false on a malformed value. When
 * reject_negative_zero is set, the offsets -00, -0000 and -00:00 are refused
 * (xAPI requires it). */
bool gw_time_parse_iso(const char *s, bool reject_negative_zero, int64_t *ms_out);
/* Parses "YYYY-MM-DD" as midnight UTC. */
bool gw_time_parse_date(const char *s, int64_t *ms_out);
/* Days since 1970-01-01 for a civil date (proleptic Gregorian). */
int64_t gw_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
