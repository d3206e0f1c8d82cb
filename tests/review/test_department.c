/* test_department.c: a department's settings, one table of members for the
 * API's check (closed, errors where) and for reading stored text (member by
 * member, defaults for what does not pass). No database. */
#include "gw/department.h"
#include "gw/schedule.h"
#include "gwtest.h"

#include <math.h>

static void test_check_fills_everything(void)
{
    json_t *j = json_loads(
        "{\"remind_before\":false,\"remind_on_due\":false,\"overdue_every_days\":3,"
        "\"escalate_after_days\":10,\"send_minute_utc\":600,\"holidays\":[\"2026-12-25\"],"
        "\"charge\":true,\"rates\":{\"hourly\":80,\"per_learner\":2.5,\"currency\":\"EUR\"},"
        "\"slack_webhook\":\"https://hooks.example/a\"}",
        0, NULL);
    REQUIRE(j);
    struct gw_dept_settings ds;
    struct gw_error e;
    CHECK_INT(gw_dept_settings_check(j, &ds, &e), GW_OK);
    CHECK(!ds.schedule.remind_before && !ds.schedule.remind_on_due);
    CHECK_INT(ds.schedule.overdue_every_days, 3);
    CHECK_INT(ds.schedule.escalate_after_days, 10);
    CHECK(ds.has_escalate_after_days);
    CHECK_INT(ds.schedule.send_minute_utc, 600);
    CHECK_INT(ds.schedule.n_holidays, 1);
    CHECK_INT(ds.schedule.holidays[0], 1798156800000LL); /* 2026-12-25T00:00:00Z */
    CHECK(ds.rates.enabled && ds.rates.has_hourly && ds.rates.has_per_learner);
    CHECK(fabs(ds.rates.hourly_rate - 80) < 1e-9 && fabs(ds.rates.per_learner_fee - 2.5) < 1e-9);
    CHECK_STR(ds.rates.currency, "EUR");
    CHECK_STR(ds.slack_webhook, "https://hooks.example/a");
    CHECK(ds.teams_webhook == NULL);
    gw_dept_settings_free(&ds);
    json_decref(j);
}

static void test_check_refuses_with_where(void)
{
    static const struct {
        const char *json, *where;
    } cases[] = {
        {"{\"colour\":\"red\"}", "/settings/colour"},
        {"{\"overdue_every_days\":61}", "/settings/overdue_every_days"},
        {"{\"escalate_after_days\":-1}", "/settings/escalate_after_days"},
        {"{\"holidays\":[\"2026-12-25\",\"Christmas\"]}", "/settings/holidays/1"},
        {"{\"rates\":{\"hourly\":-5}}", "/settings/rates/hourly"},
        {"{\"rates\":{\"hourly\":1e308}}", "/settings/rates/hourly"},
        {"{\"rates\":{\"currency\":\"eur\"}}", "/settings/rates/currency"},
        {"{\"rates\":{\"fee\":1}}", "/settings/rates/fee"},
        {"{\"charge\":\"yes\"}", "/settings/charge"},
        {"{\"schedule_shows_approvers\":1}", "/settings/schedule_shows_approvers"},
        {"{\"announcement\":\"hi\"}", "/settings/announcement"},
        {"{\"announcement\":{\"subject\":\"{titel}\"}}", "/settings/announcement/subject"},
        {"{\"announcement\":{\"body\":\"see {link\"}}", "/settings/announcement/body"},
        {"{\"announcement\":{\"footer\":\"x\"}}", "/settings/announcement/footer"},
        {"{\"announcement\":{\"subject\":\"\"}}", "/settings/announcement/subject"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = json_loads(cases[i].json, 0, NULL);
        struct gw_error e;
        gw_error_clear(&e);
        CHECK(gw_dept_settings_check(j, NULL, &e) != GW_OK);
        CHECK_STR(e.where, cases[i].where);
        json_decref(j);
    }
}

static void test_announcement_template(void)
{
    json_t *j = json_loads("{\"announcement\":{\"subject\":\"New: {title}\","
                           "\"body\":\"{{Ops}} {link} {mandatory}\"}}",
                           0, NULL);
    struct gw_dept_settings ds;
    struct gw_error e;
    CHECK_INT(gw_dept_settings_check(j, &ds, &e), GW_OK);
    CHECK_STR(ds.announce_subject, "New: {title}");
    CHECK_STR(ds.announce_body, "{{Ops}} {link} {mandatory}");
    gw_dept_settings_free(&ds);
    json_decref(j);
    /* stored text with a broken body keeps the subject; the body is the default */
    gw_dept_settings_read("{\"announcement\":{\"subject\":\"{title}\",\"body\":\"{nope}\"}}", &ds);
    CHECK_STR(ds.announce_subject, "{title}");
    CHECK(ds.announce_body == NULL);
    gw_dept_settings_free(&ds);
    gw_dept_settings_read("{}", &ds);
    CHECK(ds.announce_subject == NULL && ds.announce_body == NULL);
    gw_dept_settings_free(&ds);
}

static void test_read_is_lenient_per_member(void)
{
    struct gw_dept_settings ds, def;
    gw_dept_settings_read(NULL, &def);
    CHECK(def.schedule.remind_before);
    CHECK_INT(def.schedule.escalate_after_days, 7);
    CHECK(!def.has_escalate_after_days && !def.rates.enabled);
    gw_dept_settings_free(&def);
    gw_dept_settings_read("not json", &ds);
    CHECK(ds.schedule.remind_before && !ds.rates.enabled);
    gw_dept_settings_free(&ds);
    /* stored before the rules: a negative rate and a bad holiday are left
     * out, the rest is read */
    gw_dept_settings_read("{\"charge\":true,\"rates\":{\"hourly\":-5,\"per_learner\":2,"
                          "\"currency\":\"EUR\"},\"holidays\":[\"x\",\"2026-12-25\"],"
                          "\"escalate_after_days\":3,\"unknown\":1}",
                          &ds);
    CHECK(ds.rates.enabled);
    CHECK(!ds.rates.has_hourly);
    CHECK(ds.rates.has_per_learner);
    CHECK_STR(ds.rates.currency, "EUR");
    CHECK_INT(ds.schedule.n_holidays, 1);
    CHECK_INT(ds.schedule.escalate_after_days, 3);
    CHECK(ds.has_escalate_after_days);
    gw_dept_settings_free(&ds);
}

/* The public schedule's setting (default false) and its words
 * (review/delivery.c). */
static void test_schedule_setting_and_words(void)
{
    struct gw_dept_settings ds;
    gw_dept_settings_read("{}", &ds);
    CHECK(!ds.schedule_shows_approvers);
    gw_dept_settings_free(&ds);
    gw_dept_settings_read("{\"schedule_shows_approvers\":true}", &ds);
    CHECK(ds.schedule_shows_approvers);
    gw_dept_settings_free(&ds);
    gw_dept_settings_read("{\"schedule_shows_approvers\":\"yes\"}", &ds);
    CHECK(!ds.schedule_shows_approvers);
    gw_dept_settings_free(&ds);

    const int64_t day = 86400000LL, now = 1800000000000LL;
    CHECK_INT(gw_schedule_section_of("requested", now - 400 * day, now), GW_SCHEDULE_UPCOMING);
    CHECK_INT(gw_schedule_section_of("in_review", now, now), GW_SCHEDULE_UPCOMING);
    CHECK_INT(gw_schedule_section_of("publish_failed", now, now), GW_SCHEDULE_UPCOMING);
    CHECK_INT(gw_schedule_section_of("published", now - 90 * day, now), GW_SCHEDULE_RECENT);
    CHECK_INT(gw_schedule_section_of("published", now - 91 * day, now), GW_SCHEDULE_HIDDEN);
    CHECK_INT(gw_schedule_section_of("retired", now - day, now), GW_SCHEDULE_RECENT);
    CHECK_STR(gw_schedule_state_words("in_review"), "In review");
    CHECK_STR(gw_schedule_state_words("validated"), "In development");
    CHECK_STR(gw_schedule_state_words("published"), "Live");
    CHECK(gw_schedule_may_share(true, "", NULL));
    CHECK(gw_schedule_may_share(false, "hana", "hana"));
    CHECK(!gw_schedule_may_share(false, "alf", "hana"));
    CHECK(!gw_schedule_may_share(false, "", ""));
    CHECK(!gw_schedule_may_share(false, "hana", NULL));
}

int main(void)
{
    GW_RUN(test_check_fills_everything);
    GW_RUN(test_check_refuses_with_where);
    GW_RUN(test_read_is_lenient_per_member);
    GW_RUN(test_announcement_template);
    GW_RUN(test_schedule_setting_and_words);
    return gw_test_summary();
}
