/* clock.c: the real and the fake clock (see gw/clock.h). */
#include "gw/clock.h"
#include "gw/timefmt.h"

void gw_clock_init_real(struct gw_clock *c)
{
    c->fake = 0;
    atomic_store(&c->fake_ms, 0);
}

void gw_clock_init_fake(struct gw_clock *c, int64_t start_ms)
{
    c->fake = 1;
    atomic_store(&c->fake_ms, start_ms);
}

int64_t gw_clock_now_ms(const struct gw_clock *c)
{
    if (c && c->fake)
        return atomic_load(&((struct gw_clock *)c)->fake_ms);
    return gw_time_now_ms();
}

void gw_clock_advance(struct gw_clock *c, int64_t delta_ms)
{
    atomic_fetch_add(&c->fake_ms, delta_ms);
}

void gw_clock_set(struct gw_clock *c, int64_t ms)
{
    atomic_store(&c->fake_ms, ms);
}
