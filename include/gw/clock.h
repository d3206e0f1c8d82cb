/* The one clock every time-dependent decision asks: real in production,
 * controllable in tests (so no test sleeps). A fake clock is advanced by the
 * test; it is safe to read from several threads. */
#ifndef GW_CLOCK_H
#define GW_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

struct gw_clock {
    int fake;                /* 0: wall clock; 1: fake_ms */
    _Atomic int64_t fake_ms; /* milliseconds since the epoch when fake */
};

void gw_clock_init_real(struct gw_clock *c);
void gw_clock_init_fake(struct gw_clock *c, int64_t start_ms);
int64_t gw_clock_now_ms(const struct gw_clock *c);
/* Fake clocks only: moves time forward by delta_ms. */
void gw_clock_advance(struct gw_clock *c, int64_t delta_ms);
void gw_clock_set(struct gw_clock *c, int64_t ms);

#endif
