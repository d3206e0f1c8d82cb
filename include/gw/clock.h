/* The one clock every time-dependent decision asks: real in production,
 * controllable in tests (so no test sleeps). A fake clock stands still until
 * the test advances it; a shifted clock is the real one plus an offset that
 * only grows (a running gateway started with clock_movable, moved forward by
 * POST /api/v1/clock, for browser tests and demos of what time causes). Safe
 * to read and advance from several threads. */
#ifndef GW_CLOCK_H
#define GW_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

enum gw_clock_mode { GW_CLOCK_REAL, GW_CLOCK_FAKE, GW_CLOCK_SHIFTED };

struct gw_clock {
    enum gw_clock_mode mode;
    _Atomic int64_t ms; /* FAKE: ms since the epoch; SHIFTED: the offset added to the real time */
};

void gw_clock_init_real(struct gw_clock *c);
void gw_clock_init_fake(struct gw_clock *c, int64_t start_ms);
/* The real time, movable forward (offset 0 to start with). */
void gw_clock_init_shifted(struct gw_clock *c);
int64_t gw_clock_now_ms(const struct gw_clock *c);
/* Fake and shifted clocks only: moves time forward by delta_ms. */
void gw_clock_advance(struct gw_clock *c, int64_t delta_ms);
/* Fake clocks only. */
void gw_clock_set(struct gw_clock *c, int64_t ms);
/* Shifted clocks: how far ahead of the real time it is (0 for the others). */
int64_t gw_clock_shift_ms(const struct gw_clock *c);

#endif
