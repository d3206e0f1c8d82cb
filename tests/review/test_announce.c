/* test_announce.c: the launch announcement's words (review/announce.c): the
 * plan read and checked, templates checked and filled, the default wording
 * for a new and an updated course, chat payloads. No database. */
#include "gw/announce.h"
#include "gwtest.h"

#include <string.h>

static const struct gw_announce_facts facts = {
    .title = "Forklift safety",
    .purpose = "incidents",
    .audience = "warehouse staff",
    .link = "https://lms.example/course/42",
    .department = "Operations",
    .deadline_ms = 1799971200000LL, /* 2027-01-15 */
    .mandatory = true,
    .updated = false,
    .version_number = 1,
};

static void test_default_words_new_course(void)
{
    struct gw_announce_words w;
    gw_announce_render(NULL, NULL, &facts, &w);
    CHECK_STR(w.subject, "New course: Forklift safety");
    CHECK(strstr(w.body, "\"Forklift safety\" is now available") != NULL);
    CHECK(strstr(w.body, "What it is for: incidents") != NULL);
    CHECK(strstr(w.body, "Who it is for: warehouse staff") != NULL);
    CHECK(strstr(w.body, "Complete it by: 2027-01-15") != NULL);
    CHECK(strstr(w.body, "This course is mandatory.") != NULL);
    CHECK(strstr(w.body, "https://lms.example/course/42") != NULL);
    gw_announce_words_free(&w);
}

static void test_updated_optional_no_deadline(void)
{
    struct gw_announce_facts f = facts;
    f.updated = true;
    f.version_number = 2;
    f.mandatory = false;
    f.deadline_ms = 0;
    f.link = NULL;
    struct gw_announce_words w;
    gw_announce_render(NULL, NULL, &f, &w);
    CHECK_STR(w.subject, "Course updated (version 2): Forklift safety");
    CHECK(strstr(w.body, "optional") != NULL);
    CHECK(strstr(w.body, "no deadline") != NULL);
    CHECK(strstr(w.body, "did not report a link") != NULL);
    gw_announce_words_free(&w);
}

static void test_department_template(void)
{
    struct gw_announce_facts f = facts;
    f.title = "Line\r\nbreak";
    struct gw_announce_words w;
    gw_announce_render("[{department}] {title}", "{{braces}} {link} {unknown} }}", &f, &w);
    CHECK_STR(w.subject, "[Operations] Line  break");
    CHECK_STR(w.body, "{braces} https://lms.example/course/42 {unknown} }");
    gw_announce_words_free(&w);
}

static void test_template_check(void)
{
    struct gw_error e;
    CHECK_INT(gw_announce_template_check("{title} {{x}} {version_note}", "/t", &e), GW_OK);
    CHECK(gw_announce_template_check("{titel}", "/t", &e) != GW_OK);
    CHECK_STR(e.where, "/t");
    CHECK(gw_announce_template_check("{title", "/t", &e) != GW_OK);
    CHECK(gw_announce_template_check("a } b", "/t", &e) != GW_OK);
}

static void test_plan(void)
{
    json_t *bc = json_loads("{\"announce\":{\"recipients\":[\"all-sales@corp.example\","
                            "\"ops@corp.example\"],\"chat\":true}}",
                            0, NULL);
    struct gw_announce_plan p;
    gw_announce_plan_read(bc, &p);
    CHECK_INT(p.n_recipients, 2);
    CHECK_STR(p.recipients[1], "ops@corp.example");
    CHECK(p.chat);
    struct gw_error e;
    CHECK_INT(gw_announce_plan_check(json_object_get(bc, "announce"), "/a", &e), GW_OK);
    json_decref(bc);
    gw_announce_plan_read(NULL, &p);
    CHECK_INT(p.n_recipients, 0);
    CHECK(!p.chat);
    json_t *bad = json_loads("{\"recipients\":[\"a@b.example\",\"not-an-address\"]}", 0, NULL);
    CHECK(gw_announce_plan_check(bad, "/a", &e) != GW_OK);
    CHECK_STR(e.where, "/a/recipients/1");
    json_decref(bad);
    bad = json_loads("{\"to\":[]}", 0, NULL);
    CHECK(gw_announce_plan_check(bad, "/a", &e) != GW_OK);
    CHECK_STR(e.where, "/a/to");
    json_decref(bad);
}

static void test_chat_payloads(void)
{
    struct gw_announce_words w = {(char *)"New <x> & y", (char *)"body"};
    json_t *s = gw_announce_slack(&w);
    CHECK_STR(json_string_value(json_object_get(s, "text")), "*New &lt;x&gt; &amp; y*\nbody");
    json_decref(s);
    json_t *t = gw_announce_teams(&w);
    CHECK_STR(json_string_value(json_object_get(t, "type")), "message");
    json_decref(t);
}

int main(void)
{
    GW_RUN(test_default_words_new_course);
    GW_RUN(test_updated_optional_no_deadline);
    GW_RUN(test_department_template);
    GW_RUN(test_template_check);
    GW_RUN(test_plan);
    GW_RUN(test_chat_payloads);
    return gw_test_summary();
}
