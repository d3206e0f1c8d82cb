/* Unit tests of xapi/documents.c: ETag lists, the concurrency
 * preconditions, the JSON merge of POST, the 'agent' parameter and the
 * Person object, without a server. */
#include "gw/xapi_docs.h"
#include "gwtest.h"

#include <stdlib.h>
#include <string.h>

#define E1 "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"

static void test_etag_lists(void)
{
    CHECK(gw_xapi_etag_list_matches("\"" E1 "\"", E1));
    CHECK(gw_xapi_etag_list_matches("W/\"" E1 "\"", E1));
    CHECK(gw_xapi_etag_list_matches("\"aa\", \"" E1 "\"", E1));
    CHECK(gw_xapi_etag_list_matches("\"2FD4E1C67A2D28FCED849EE1BB76E7391B93EB12\"", E1));
    CHECK(gw_xapi_etag_list_matches("*", E1));
    CHECK(gw_xapi_etag_list_matches(E1, E1)); /* unquoted, as some clients send it */
    CHECK(!gw_xapi_etag_list_matches("*", NULL));
    CHECK(!gw_xapi_etag_list_matches("\"aa\", \"bb\"", E1));
    CHECK(!gw_xapi_etag_list_matches("\"" E1 "0\"", E1));
    CHECK(!gw_xapi_etag_list_matches("", E1));
    CHECK(!gw_xapi_etag_list_matches(NULL, E1));
}

static void test_preconditions(void)
{
    struct gw_error e;
    const char *q = "\"" E1 "\"";
    CHECK_INT(gw_xapi_doc_precondition(NULL, NULL, NULL, true, true, &e), GW_OK);
    CHECK_INT(gw_xapi_doc_precondition(NULL, NULL, E1, true, false, &e), GW_OK);
    CHECK_INT(gw_xapi_doc_precondition(NULL, NULL, E1, true, true, &e),
              GW_E_XAPI_DOCUMENT_CONFLICT);
    CHECK_INT(gw_xapi_doc_precondition(NULL, NULL, E1, false, true, &e), GW_OK); /* POST */
    CHECK_INT(gw_xapi_doc_precondition(q, NULL, E1, true, true, &e), GW_OK);
    CHECK_INT(gw_xapi_doc_precondition("\"bb\"", NULL, E1, true, true, &e),
              GW_E_XAPI_DOCUMENT_PRECONDITION);
    CHECK_STR(e.where, "If-Match");
    CHECK_INT(gw_xapi_doc_precondition("*", NULL, NULL, true, true, &e),
              GW_E_XAPI_DOCUMENT_PRECONDITION);
    CHECK_INT(gw_xapi_doc_precondition(NULL, "*", NULL, true, true, &e), GW_OK);
    CHECK_INT(gw_xapi_doc_precondition(NULL, "*", E1, true, true, &e),
              GW_E_XAPI_DOCUMENT_PRECONDITION);
    CHECK_STR(e.where, "If-None-Match");
    CHECK_INT(gw_xapi_doc_precondition(NULL, "\"bb\"", E1, true, true, &e), GW_OK);
}

static void test_merge(void)
{
    struct gw_error e;
    char *out = NULL;
    size_t len = 0;
    const char *a = "{\"a\":1,\"b\":{\"x\":1}}", *b = "{\"b\":{\"y\":2},\"c\":null}";
    CHECK_INT(gw_xapi_doc_merge(a, strlen(a), b, strlen(b), &out, &len, &e), GW_OK);
    json_t *got = json_loadb(out, len, 0, NULL);
    json_t *want = json_loads("{\"a\":1,\"b\":{\"y\":2},\"c\":null}", 0, NULL);
    CHECK(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    free(out);
    CHECK_INT(gw_xapi_doc_merge("[1]", 3, b, strlen(b), &out, &len, &e), GW_E_XAPI_DOCUMENT_MERGE);
    CHECK(out == NULL);
    CHECK_INT(gw_xapi_doc_merge(a, strlen(a), "\"s\"", 3, &out, &len, &e),
              GW_E_XAPI_DOCUMENT_MERGE);
    CHECK_INT(gw_xapi_doc_merge(a, strlen(a), "{", 1, &out, &len, &e), GW_E_XAPI_DOCUMENT_MERGE);
    CHECK(gw_xapi_is_json_object("{}", 2));
    CHECK(!gw_xapi_is_json_object("[]", 2));
    CHECK(!gw_xapi_is_json_object("{", 1));
    CHECK(gw_xapi_is_json_type("application/json"));
    CHECK(gw_xapi_is_json_type("Application/JSON; charset=utf-8"));
    CHECK(!gw_xapi_is_json_type("application/jsonp"));
    CHECK(!gw_xapi_is_json_type("text/plain"));
    CHECK(!gw_xapi_is_json_type(NULL));
}

static void test_agent_param_and_person(void)
{
    struct gw_error e;
    char key[512];
    json_t *agent = NULL;
    CHECK_INT(gw_xapi_agent_param("{\"name\":\"Ada\",\"mbox\":\"mailto:ada@example.org\"}",
                                  GW_XAPI_V1_0, false, &agent, key, sizeof key, &e),
              GW_OK);
    CHECK(strncmp(key, "mbox_sha1sum:", 13) == 0);
    json_t *person = gw_xapi_person(agent);
    json_t *want = json_loads("{\"objectType\":\"Person\",\"name\":[\"Ada\"],"
                              "\"mbox\":[\"mailto:ada@example.org\"]}",
                              0, NULL);
    CHECK(json_equal(person, want));
    json_decref(want);
    json_decref(person);
    json_decref(agent);
    const char *group = "{\"objectType\":\"Group\",\"openid\":\"http://id.example.org/g\"}";
    CHECK_INT(gw_xapi_agent_param(group, GW_XAPI_V2_0, true, NULL, key, sizeof key, &e), GW_OK);
    CHECK_STR(key, "openid:http://id.example.org/g");
    CHECK_INT(gw_xapi_agent_param(group, GW_XAPI_V2_0, false, NULL, key, sizeof key, &e),
              GW_E_XAPI_AGENT_PARAM);
    const char *bad[] = {"",
                         "[]",
                         "{\"mbox\":\"x@example.org\"}",
                         "{\"name\":\"no ifi\"}",
                         "{\"mbox\":\"mailto:a@b.org\",\"openid\":\"http://x.org/a\"}",
                         "{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:a@b.org\"}]}",
                         "{\"mbox\":\"mailto:a@b.org\",\"Name\":\"case\"}",
                         NULL};
    for (const char **b = bad; *b; b++) {
        CHECK_INT(gw_xapi_agent_param(*b, GW_XAPI_V1_0, true, &agent, key, sizeof key, &e),
                  GW_E_XAPI_AGENT_PARAM);
        CHECK_STR(e.where, "agent");
        CHECK(agent == NULL);
    }
}

int main(void)
{
    GW_RUN(test_etag_lists);
    GW_RUN(test_preconditions);
    GW_RUN(test_merge);
    GW_RUN(test_agent_param_and_person);
    return gw_test_summary();
}
