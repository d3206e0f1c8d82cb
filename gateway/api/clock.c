/* clock.c: GET and POST /api/v1/clock: the gateway's time, and (only on a
 * gateway started with clock_movable, for tests and demos) moving it forward
 * so what time alone causes (due dates, reminders, escalations, red flags)
 * can be seen at once. The time only moves forward, and every move is
 * logged as a warning. */
#include "gw/api.h"
#include "gw/json.h"
#include "gw/log.h"
#include "gw/server.h"
#include "gw/timefmt.h"

static json_t *clock_json(const struct gw_server *srv)
{
    char now[32];
    gw_time_format_ms(gw_clock_now_ms(&srv->clock), now);
    return json_pack("{s:s, s:b, s:I}", "now", now, "movable", srv->clock.mode == GW_CLOCK_SHIFTED,
                     "ahead_by_hours", (json_int_t)(gw_clock_shift_ms(&srv->clock) / 3600000));
}

void gw_api_clock_get(struct gw_req *req, struct gw_reply *rep)
{
    gw_reply_json(rep, 200, clock_json(req->srv));
}

void gw_api_clock_post(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    if (req->srv->clock.mode != GW_CLOCK_SHIFTED) {
        gw_error_set(&e, GW_E_CLOCK_NOT_MOVABLE, "",
                     "this gateway's clock is the real one: start it with clock_movable=true "
                     "(LMSGW_CLOCK_MOVABLE=true), for tests and demos only");
        gw_reply_error(rep, &e);
        return;
    }
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    int64_t hours = 0;
    struct gw_jfield fields[] = {
        {"advance_hours", GW_J_INT, true, &hours, GW_JF_NONE, NULL, 1, 87600, 0},
        GW_JFIELD_END,
    };
    if (gw_json_parse_fields(body, "", fields, true, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        json_decref(body);
        return;
    }
    json_decref(body);
    gw_clock_advance(&req->srv->clock, hours * 3600000LL);
    gw_log_warn("%s moved the clock forward by %lld hours (clock_movable)", req->who.name,
                (long long)hours);
    /* a 2xx POST wakes the scheduler (on_change): what fell due is sent now */
    gw_reply_json(rep, 200, clock_json(req->srv));
}
