/* clock.c: the real, the fake and the shifted clock (see gw/clock.h). */
#include "gw/clock.h"
#include "gw/timefmt.h"

void gw_clock_init_real(struct gw_clock *c)
{
    c->mode = GW_CLOCK_REAL;
    atomic_store(&c->ms, 0);
}

void gw_clock_init_fake(struct gw_clock *c, int64_t start_ms)
{
    c->mode = GW_CLOCK_FAKE;
    atomic_store(&c->ms, start_ms);
}

void gw_clock_init_shifted(struct gw_clock *c)
{
    c->mode = GW_CLOCK_SHIFTED;
    atomic_store(&c->ms, 0);
}

int64_t gw_clock_now_ms(const struct gw_clock *c)
{
    if (!c || c->mode == GW_CLOCK_REAL)
        return gw_time_now_ms();
    int64_t v = atomic_load(&((struct gw_clock *)c)->ms);
    return c->mode == GW_CLOCK_FAKE ? v : gw_time_now_ms() + v;
}

void gw_clock_advance(struct gw_clock *c, int64_t delta_ms)
{
    if (c->mode != GW_CLOCK_REAL)
        atomic_fetch_add(&c->ms, delta_ms);
}

void gw_clock_set(struct gw_clock *c, int64_t ms)
{
    if (c->mode == GW_CLOCK_FAKE)
        atomic_store(&c->ms, ms);
}

int64_t gw_clock_shift_ms(const struct gw_clock *c)
{
    return c->mode == GW_CLOCK_SHIFTED ? atomic_load(&((struct gw_clock *)c)->ms) : 0;
}
