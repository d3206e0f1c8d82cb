/* Unit tests of the xAPI domain functions other than validation cases:
 * normalisation, equivalence on id conflicts, learner/agent keys, activity
 * ids, voiding target, dedup signature, output formats, GET /statements
 * parameters, the version header, language tags and durations. */
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"
#include "gwtest.h"

static json_t *J(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
    if (!j)
        fprintf(stderr, "  bad test JSON: %s\n", je.text);
    return j;
}

#define BASE_ST                                                                                    \
    "\"actor\":{\"mbox\":\"mailto:ada@example.org\",\"name\":\"Ada\"},"                            \
    "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\",\"display\":{\"en-US\":"        \
    "\"completed\"}},"                                                                             \
    "\"object\":{\"id\":\"https://example.org/act/1\",\"definition\":{\"name\":{\"en-US\":"        \
    "\"One\"}}}"

static void test_normalize(void)
{
    json_t *st =
        J("{" BASE_ST ",\"context\":{\"contextActivities\":{\"parent\":"
          "{\"id\":\"https://example.org/course\"}}},"
          "\"stored\":\"2000-01-01T00:00:00Z\",\"authority\":{\"mbox\":\"mailto:x@y.z\"}}");
    json_t *auth =
        J("{\"objectType\":\"Agent\",\"account\":{\"homePage\":\"https://lms.example.org\","
          "\"name\":\"lms\"}}");
    struct gw_xapi_norm n;
    struct gw_error err;
    REQUIRE(st && auth);
    int64_t stored = 1795000000123LL;
    CHECK_INT(gw_xapi_normalize(st, NULL, stored, auth, GW_XAPI_V1_0, &n, &err), GW_OK);
    CHECK(gw_is_uuid(n.id));
    CHECK_STR(json_string_value(json_object_get(st, "id")), n.id);
    char buf[32];
    gw_time_format_ms(stored, buf);
    CHECK_STR(json_string_value(json_object_get(st, "stored")), buf);
    CHECK_STR(json_string_value(json_object_get(st, "timestamp")), buf); /* missing -> stored */
    CHECK_INT(n.timestamp_ms, stored);
    CHECK(json_equal(json_object_get(st, "authority"), auth));
    CHECK_STR(json_string_value(json_object_get(st, "version")), "1.0.0");
    CHECK_STR(json_string_value(json_object_get(json_object_get(st, "object"), "objectType")),
              "Activity");
    json_t *parent = json_object_get(
        json_object_get(json_object_get(st, "context"), "contextActivities"), "parent");
    CHECK(json_is_array(parent) && json_array_size(parent) == 1);
    CHECK_INT(gw_xapi_validate_statement(st, "", GW_XAPI_V1_0, NULL), GW_OK);
    json_decref(st);

    /* A given timestamp becomes the same instant in UTC; a given id and
     * version are kept; 2.0 defaults version to 2.0.0. */
    st = J("{" BASE_ST ",\"id\":\"fd41c918-b88b-4b20-a0a5-a4c32391aaa0\","
           "\"timestamp\":\"2026-11-22T02:16:28.5-05:00\"}");
    REQUIRE(st);
    CHECK_INT(gw_xapi_normalize(st, NULL, stored, NULL, GW_XAPI_V2_0, &n, NULL), GW_OK);
    CHECK_STR(n.id, "fd41c918-b88b-4b20-a0a5-a4c32391aaa0");
    CHECK_STR(json_string_value(json_object_get(st, "timestamp")), "2026-11-22T07:16:28.500Z");
    CHECK_STR(json_string_value(json_object_get(st, "version")), "2.0.0");
    CHECK(json_object_get(st, "authority") == NULL);
    json_decref(st);

    /* PUT: statementId fills a missing id; a different body id is refused. */
    st = J("{" BASE_ST "}");
    REQUIRE(st);
    CHECK_INT(gw_xapi_normalize(st, "9e3fdc2e-3a5c-4b0b-9b8e-5cbf3b1e2a11", stored, NULL,
                                GW_XAPI_V1_0, &n, NULL),
              GW_OK);
    CHECK_STR(n.id, "9e3fdc2e-3a5c-4b0b-9b8e-5cbf3b1e2a11");
    CHECK_INT(gw_xapi_normalize(st, "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", stored, NULL,
                                GW_XAPI_V1_0, &n, &err),
              GW_E_XAPI_STATEMENT_ID_MISMATCH);
    CHECK_STR(err.where, "/id");
    json_decref(st);
    json_decref(auth);
}

/* gw_xapi_normalize_ex's flags give the tree, member order included, that
 * gw_xapi_normalize and removing "stored" and the defaulted timestamp give. */
static void test_normalize_ex(void)
{
    static const char *const bodies[] = {
        "{" BASE_ST ",\"id\":\"fd41c918-b88b-4b20-a0a5-a4c32391aaa0\"}",
        "{\"stored\":\"2000-01-01T00:00:00Z\"," BASE_ST
        ",\"id\":\"fd41c918-b88b-4b20-a0a5-a4c32391aaa0\",\"timestamp\":\"2026-11-22T02:16:28.5-05:"
        "00\"}",
        "{\"id\":\"fd41c918-b88b-4b20-a0a5-a4c32391aaa0\",\"authority\":{\"mbox\":\"mailto:x@y.z\"}"
        ","
        "\"version\":\"1.0.3\"," BASE_ST "}",
    };
    json_t *auth = J("{\"objectType\":\"Agent\",\"mbox\":\"mailto:lms@example.org\"}");
    REQUIRE(auth);
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        json_t *want = J(bodies[i]), *got = J(bodies[i]);
        REQUIRE(want && got);
        bool had_ts = json_object_get(want, "timestamp") != NULL;
        CHECK_INT(gw_xapi_normalize(want, NULL, 1795000000123LL, auth, GW_XAPI_V1_0, NULL, NULL),
                  GW_OK);
        json_object_del(want, "stored");
        if (!had_ts)
            json_object_del(want, "timestamp");
        CHECK_INT(gw_xapi_normalize_ex(got, NULL, 1795000000123LL, auth, GW_XAPI_V1_0,
                                       GW_XAPI_NORM_NO_STORED | GW_XAPI_NORM_NO_DEFAULT_TS |
                                           GW_XAPI_NORM_SHARE_AUTHORITY,
                                       NULL, NULL),
                  GW_OK);
        char *w = gw_json_dump(want), *g = gw_json_dump(got);
        CHECK_STR(g, w);
        CHECK(json_object_get(got, "authority") == auth); /* shared, not copied */
        free(w);
        free(g);
        json_decref(want);
        json_decref(got);
    }
    json_decref(auth);
}

static void test_equivalent(void)
{
    json_t *a = J("{" BASE_ST ",\"id\":\"fd41c918-b88b-4b20-a0a5-a4c32391aaa0\","
                  "\"timestamp\":\"2026-11-22T07:16:28.000Z\",\"result\":{\"score\":{\"raw\":85},"
                  "\"duration\":\"PT1.234S\"},"
                  "\"context\":{\"team\":{\"objectType\":\"Group\",\"member\":["
                  "{\"mbox\":\"mailto:a@example.org\"},{\"mbox\":\"mailto:b@example.org\"}]},"
                  "\"contextActivities\":{\"parent\":{\"id\":\"https://example.org/c\"}}}}");
    /* The same statement as another system would send it back. */
    json_t *b = J("{\"actor\":{\"objectType\":\"Agent\",\"name\":\"Ada\",\"mbox\":\"mailto:ada@"
                  "EXAMPLE.org\"},"
                  "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\",\"display\":"
                  "{\"de\":\"abgeschlossen\"}},"
                  "\"object\":{\"objectType\":\"Activity\",\"id\":\"https://example.org/act/1\"},"
                  "\"timestamp\":\"2026-11-22T08:16:28+01:00\",\"version\":\"1.0.3\","
                  "\"stored\":\"2026-11-22T09:00:00Z\",\"authority\":{\"mbox\":\"mailto:l@x.y\"},"
                  "\"result\":{\"score\":{\"raw\":85.0},\"duration\":\"PT1.23S\"},"
                  "\"attachments\":[],"
                  "\"context\":{\"team\":{\"objectType\":\"Group\",\"member\":["
                  "{\"mbox\":\"mailto:b@example.org\"},{\"mbox\":\"mailto:a@example.org\"}]},"
                  "\"contextActivities\":{\"parent\":[{\"objectType\":\"Activity\","
                  "\"id\":\"https://example.org/c\",\"definition\":{}}]}}}");
    REQUIRE(a && b);
    CHECK(gw_xapi_statements_equivalent(a, b));
    CHECK(gw_xapi_statements_equivalent(b, a));
    CHECK(gw_xapi_statements_equivalent(a, a));

    /* A missing timestamp on one side (LRS-assigned) is ignored. */
    json_t *c = json_deep_copy(b);
    json_object_del(c, "timestamp");
    CHECK(gw_xapi_statements_equivalent(a, c));
    json_decref(c);

    struct {
        const char *path, *json;
    } changes[] = {
        {"timestamp", "\"2026-11-22T07:16:28.001Z\""},
        {"result", "{\"score\":{\"raw\":86}}"},
        {"verb", "{\"id\":\"http://adlnet.gov/expapi/verbs/attempted\"}"},
        {"object", "{\"id\":\"https://example.org/act/2\"}"},
        {"actor", "{\"mbox\":\"mailto:Ada@example.org\"}"}, /* local part is case-sensitive */
        {"context", "{\"registration\":\"fd41c918-b88b-4b20-a0a5-a4c32391aaa0\"}"},
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        json_t *d = json_deep_copy(a);
        json_object_set_new(d, changes[i].path, J(changes[i].json));
        if (gw_xapi_statements_equivalent(a, d)) {
            fprintf(stderr, "  change of %s not detected\n", changes[i].path);
            gwt_case_failed = 1;
        }
        json_decref(d);
    }
    json_decref(a);
    json_decref(b);
}

static void test_learner_key(void)
{
    char k1[256], k2[256], hex[GW_SHA1_HEX], want[256];
    gw_sha1_hex("mailto:ada@example.org", 22, hex);
    snprintf(want, sizeof want, "mbox_sha1sum:%s", hex);
    json_t *a = J("{" BASE_ST "}");
    char body[512];
    snprintf(body, sizeof body,
             "{\"actor\":{\"mbox_sha1sum\":\"%s\"},\"verb\":{\"id\":\"http://e.org/v\"},"
             "\"object\":{\"id\":\"http://e.org/a\"}}",
             hex);
    json_t *b = J(body);
    REQUIRE(a && b);
    CHECK(gw_xapi_learner_key(a, k1, sizeof k1));
    CHECK(gw_xapi_learner_key(b, k2, sizeof k2));
    CHECK_STR(k1, want);
    CHECK_STR(k1, k2);

    json_t *acct = J("{\"account\":{\"homePage\":\"http://127.0.0.1:8081\",\"name\":\"2\"}}");
    CHECK(gw_xapi_agent_key(acct, k1, sizeof k1));
    CHECK_STR(k1, "account:http://127.0.0.1:8081|2");
    json_t *oid = J("{\"openid\":\"http://openid.example.org/1\"}");
    CHECK(gw_xapi_agent_key(oid, k1, sizeof k1));
    CHECK_STR(k1, "openid:http://openid.example.org/1");
    CHECK(!gw_xapi_agent_key(acct, k1, 5)); /* too small */

    json_t *g = J("{\"actor\":{\"objectType\":\"Group\",\"mbox\":\"mailto:t@example.org\"},"
                  "\"verb\":{\"id\":\"http://e.org/v\"},\"object\":{\"id\":\"http://e.org/a\"}}");
    CHECK(!gw_xapi_learner_key(g, k1, sizeof k1));
    CHECK(gw_xapi_agent_key(json_object_get(g, "actor"), k1, sizeof k1)); /* identified group */
    json_decref(a);
    json_decref(b);
    json_decref(acct);
    json_decref(oid);
    json_decref(g);
}

static void test_activity_ids(void)
{
    json_t *st = J("{" BASE_ST ",\"context\":{\"contextActivities\":{"
                   "\"parent\":[{\"id\":\"https://e.org/p1\"},{\"id\":\"https://e.org/p2\"}],"
                   "\"grouping\":{\"id\":\"https://e.org/g\"},"
                   "\"category\":[{\"id\":\"https://e.org/c\"}],"
                   "\"other\":[{\"id\":\"https://e.org/o\"}]}}}");
    REQUIRE(st);
    struct gw_xapi_activity_ref refs[16];
    size_t n = gw_xapi_activity_ids(st, refs, 16);
    CHECK_INT(n, 6);
    CHECK_STR(refs[0].id, "https://example.org/act/1");
    CHECK_INT(refs[0].role, GW_XAPI_ROLE_OBJECT);
    CHECK_STR(refs[1].id, "https://e.org/p1");
    CHECK_INT(refs[2].role, GW_XAPI_ROLE_PARENT);
    CHECK_STR(refs[3].id, "https://e.org/g");
    CHECK_INT(refs[3].role, GW_XAPI_ROLE_GROUPING);
    CHECK_INT(refs[4].role, GW_XAPI_ROLE_CATEGORY);
    CHECK_INT(refs[5].role, GW_XAPI_ROLE_OTHER);
    CHECK(!refs[5].in_substatement);
    CHECK_INT(gw_xapi_activity_ids(st, refs, 2), 6); /* total even when cap is small */
    json_decref(st);

    st = J("{\"actor\":{\"mbox\":\"mailto:a@e.org\"},\"verb\":{\"id\":\"http://e.org/v\"},"
           "\"object\":{\"objectType\":\"SubStatement\",\"actor\":{\"mbox\":\"mailto:a@e.org\"},"
           "\"verb\":{\"id\":\"http://e.org/v\"},\"object\":{\"id\":\"https://e.org/s\"}}}");
    REQUIRE(st);
    n = gw_xapi_activity_ids(st, refs, 16);
    CHECK_INT(n, 1);
    CHECK_STR(refs[0].id, "https://e.org/s");
    CHECK(refs[0].in_substatement);
    json_decref(st);

    /* Moodle: object + 3 parents + 1 category */
    NEED_SHARED("corpus/statements/moodle-logstore-xapi.json");
    const char *shared = getenv("GW_SHARED_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/corpus/statements/moodle-logstore-xapi.json", shared);
    json_t *doc = json_load_file(path, 0, NULL);
    REQUIRE(doc);
    json_t *m = json_array_get(json_object_get(doc, "statements"), 0);
    CHECK_INT(gw_xapi_activity_ids(m, refs, 16), 5);
    CHECK_STR(refs[0].id, "http://127.0.0.1:8081/mod/scorm/view.php?id=1#sco");
    CHECK_STR(refs[4].id, "http://127.0.0.1:8081");
    CHECK_INT(refs[4].role, GW_XAPI_ROLE_CATEGORY);
    char key[256];
    CHECK(gw_xapi_learner_key(m, key, sizeof key));
    CHECK_STR(key, "account:http://127.0.0.1:8081|2");
    json_decref(doc);
}

static void test_voided_target(void)
{
    json_t *v = J("{\"actor\":{\"mbox\":\"mailto:a@e.org\"},\"verb\":{\"id\":"
                  "\"http://adlnet.gov/expapi/verbs/voided\"},\"object\":{\"objectType\":"
                  "\"StatementRef\",\"id\":\"fd41c918-b88b-4b20-a0a5-a4c32391aaa0\"}}");
    json_t *r = J("{\"actor\":{\"mbox\":\"mailto:a@e.org\"},\"verb\":{\"id\":"
                  "\"http://e.org/v/liked\"},\"object\":{\"objectType\":"
                  "\"StatementRef\",\"id\":\"fd41c918-b88b-4b20-a0a5-a4c32391aaa0\"}}");
    json_t *a = J("{" BASE_ST "}");
    REQUIRE(v && r && a);
    CHECK_STR(gw_xapi_voided_target(v), "fd41c918-b88b-4b20-a0a5-a4c32391aaa0");
    CHECK(gw_xapi_voided_target(r) == NULL);
    CHECK(gw_xapi_voided_target(a) == NULL);
    json_decref(v);
    json_decref(r);
    json_decref(a);
}

static void test_attachment_hashes(void)
{
    json_t *st = J("{" BASE_ST ",\"attachments\":[{\"usageType\":\"http://e.org/u\","
                   "\"display\":{\"en\":\"a\"},\"contentType\":\"text/plain\",\"length\":1,"
                   "\"sha2\":\"aa\"},{\"usageType\":\"http://e.org/u\",\"display\":{\"en\":"
                   "\"b\"},\"contentType\":\"text/plain\",\"length\":1,\"sha2\":\"bb\","
                   "\"fileUrl\":\"https://e.org/f\"}]}");
    REQUIRE(st);
    const char *h[4];
    CHECK_INT(gw_xapi_attachment_hashes(st, false, h, 4), 2);
    CHECK_STR(h[0], "aa");
    CHECK_STR(h[1], "bb");
    CHECK_INT(gw_xapi_attachment_hashes(st, true, h, 4), 1);
    CHECK_STR(h[0], "aa");
    CHECK_INT(gw_xapi_attachment_hashes(st, false, h, 0), 2);
    json_decref(st);
}

static void test_dedup_signature(void)
{
    json_t *a = J("{" BASE_ST ",\"timestamp\":\"2026-11-22T07:16:28.000Z\","
                  "\"result\":{\"score\":{\"raw\":85}},\"context\":{\"registration\":"
                  "\"e57e8dd5-dae1-5fa1-962b-46e654c02242\",\"platform\":\"Moodle\"}}");
    REQUIRE(a);
    char s1[65], s2[65];
    CHECK(gw_xapi_dedup_signature(a, s1));
    CHECK_INT(strlen(s1), 64);
    /* Same event: other definition, display, platform, offset, key order. */
    json_t *b = J("{\"timestamp\":\"2026-11-22T08:16:28+01:00\","
                  "\"context\":{\"registration\":\"e57e8dd5-dae1-5fa1-962b-46e654c02242\"},"
                  "\"result\":{\"score\":{\"raw\":85}},"
                  "\"object\":{\"objectType\":\"Activity\",\"id\":\"https://example.org/act/1\"},"
                  "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\"},"
                  "\"actor\":{\"mbox\":\"mailto:ada@example.org\"}}");
    REQUIRE(b);
    CHECK(gw_xapi_dedup_signature(b, s2));
    CHECK_STR(s1, s2);
    json_object_set_new(b, "result", J("{\"score\":{\"raw\":86}}"));
    CHECK(gw_xapi_dedup_signature(b, s2));
    CHECK(strcmp(s1, s2) != 0);
    json_object_set_new(a, "timestamp", json_string("2026-11-22T07:16:29.000Z"));
    json_object_set_new(b, "result", J("{\"score\":{\"raw\":85}}"));
    CHECK(gw_xapi_dedup_signature(a, s1));
    CHECK(gw_xapi_dedup_signature(b, s2));
    CHECK(strcmp(s1, s2) != 0);
    json_decref(a);
    json_decref(b);
}

static void test_format(void)
{
    json_t *st = J("{\"actor\":{\"objectType\":\"Group\",\"name\":\"T\",\"member\":["
                   "{\"name\":\"A\",\"mbox\":\"mailto:a@e.org\"}]},"
                   "\"verb\":{\"id\":\"http://e.org/v\",\"display\":{\"en-US\":\"did\",\"de-DE\":"
                   "\"tat\",\"fr\":\"fit\"}},"
                   "\"object\":{\"objectType\":\"Activity\",\"id\":\"https://e.org/a\","
                   "\"definition\":{\"name\":{\"en\":\"Name\",\"de\":\"Name DE\"},"
                   "\"interactionType\":\"choice\",\"choices\":[{\"id\":\"x\",\"description\":"
                   "{\"en\":\"X\",\"de\":\"X DE\"}}]}},"
                   "\"context\":{\"instructor\":{\"name\":\"I\",\"openid\":\"http://o.org/i\"},"
                   "\"contextActivities\":{\"parent\":[{\"id\":\"https://e.org/p\","
                   "\"definition\":{\"name\":{\"en\":\"P\"}}}]}},"
                   "\"authority\":{\"name\":\"L\",\"mbox\":\"mailto:l@e.org\"}}");
    REQUIRE(st);
    json_t *ids = gw_xapi_format(st, GW_XAPI_FORMAT_IDS, NULL);
    json_t *want = J("{\"actor\":{\"objectType\":\"Group\",\"member\":["
                     "{\"objectType\":\"Agent\",\"mbox\":\"mailto:a@e.org\"}]},"
                     "\"verb\":{\"id\":\"http://e.org/v\"},"
                     "\"object\":{\"id\":\"https://e.org/a\"},"
                     "\"context\":{\"instructor\":{\"objectType\":\"Agent\",\"openid\":"
                     "\"http://o.org/i\"},\"contextActivities\":{\"parent\":[{"
                     "\"id\":\"https://e.org/p\"}]}},"
                     "\"authority\":{\"objectType\":\"Agent\",\"mbox\":\"mailto:l@e.org\"}}");
    CHECK(json_equal(ids, want));
    json_decref(ids);
    json_decref(want);

    /* an Activity inside a SubStatement carries only its id too */
    json_t *sub = J("{\"actor\":{\"mbox\":\"mailto:a@e.org\"},\"verb\":{\"id\":\"http://e.org/v\"},"
                    "\"object\":{\"objectType\":\"SubStatement\",\"actor\":{\"name\":\"B\","
                    "\"mbox\":\"mailto:b@e.org\"},\"verb\":{\"id\":\"http://e.org/w\",\"display\":"
                    "{\"en\":\"w\"}},\"object\":{\"objectType\":\"Activity\",\"id\":"
                    "\"https://e.org/s\",\"definition\":{\"name\":{\"en\":\"S\"}}},"
                    "\"context\":{\"contextActivities\":{\"grouping\":{\"objectType\":"
                    "\"Activity\",\"id\":\"https://e.org/g\"}}}}}");
    REQUIRE(sub);
    ids = gw_xapi_format(sub, GW_XAPI_FORMAT_IDS, NULL);
    want = J("{\"actor\":{\"objectType\":\"Agent\",\"mbox\":\"mailto:a@e.org\"},"
             "\"verb\":{\"id\":\"http://e.org/v\"},\"object\":{\"objectType\":\"SubStatement\","
             "\"actor\":{\"objectType\":\"Agent\",\"mbox\":\"mailto:b@e.org\"},\"verb\":{"
             "\"id\":\"http://e.org/w\"},\"object\":{\"id\":\"https://e.org/s\"},"
             "\"context\":{\"contextActivities\":{\"grouping\":{\"id\":\"https://e.org/g\"}}}}}");
    CHECK(json_equal(ids, want));
    json_decref(ids);
    json_decref(want);
    json_decref(sub);

    const char *langs[] = {"de-CH", "en", NULL};
    json_t *can = gw_xapi_format(st, GW_XAPI_FORMAT_CANONICAL, langs);
    json_t *display = json_object_get(json_object_get(can, "verb"), "display");
    CHECK_INT(json_object_size(display), 1);
    CHECK(json_object_get(display, "de-DE") != NULL); /* primary language match */
    json_t *def = json_object_get(json_object_get(can, "object"), "definition");
    CHECK_STR(json_string_value(json_object_get(json_object_get(def, "name"), "de")), "Name DE");
    json_t *choice = json_array_get(json_object_get(def, "choices"), 0);
    CHECK_INT(json_object_size(json_object_get(choice, "description")), 1);
    json_decref(can);

    can = gw_xapi_format(st, GW_XAPI_FORMAT_CANONICAL, NULL);
    CHECK_INT(json_object_size(json_object_get(json_object_get(can, "verb"), "display")), 1);
    json_decref(can);

    json_t *exact = gw_xapi_format(st, GW_XAPI_FORMAT_EXACT, NULL);
    CHECK(json_equal(exact, st));
    CHECK(exact != st);
    json_decref(exact);
    json_decref(st);
}

static enum gw_err parse_q(struct gw_xapi_query *q, struct gw_error *err, size_t n,
                           const char *const *kv)
{
    struct gw_xapi_qparam p[16];
    for (size_t i = 0; i < n; i++) {
        p[i].name = kv[2 * i];
        p[i].value = kv[2 * i + 1];
    }
    gw_error_clear(err);
    return gw_xapi_query_parse(p, n, q, err);
}

static void test_query(void)
{
    struct gw_xapi_query q;
    struct gw_error err;
    const char *all[] = {"agent",
                         "{\"mbox\":\"mailto:ada@example.org\"}",
                         "verb",
                         "http://adlnet.gov/expapi/verbs/completed",
                         "activity",
                         "https://example.org/act/1",
                         "registration",
                         "e57e8dd5-dae1-5fa1-962b-46e654c02242",
                         "related_activities",
                         "true",
                         "related_agents",
                         "false",
                         "since",
                         "2026-11-22T00:00:00Z",
                         "until",
                         "2026-11-23T01:00:00+01:00",
                         "limit",
                         "25",
                         "format",
                         "ids",
                         "attachments",
                         "false",
                         "ascending",
                         "true"};
    CHECK_INT(parse_q(&q, &err, 12, all), GW_OK);
    char hex[GW_SHA1_HEX], want[128];
    gw_sha1_hex("mailto:ada@example.org", 22, hex);
    snprintf(want, sizeof want, "mbox_sha1sum:%s", hex);
    CHECK(q.has_agent);
    CHECK_STR(q.agent_key, want);
    CHECK_STR(q.verb, "http://adlnet.gov/expapi/verbs/completed");
    CHECK_STR(q.activity, "https://example.org/act/1");
    CHECK_STR(q.registration, "e57e8dd5-dae1-5fa1-962b-46e654c02242");
    CHECK(q.related_activities && !q.related_agents && q.ascending && !q.attachments);
    CHECK(q.has_since && q.has_until);
    CHECK_INT(q.until_ms - q.since_ms, 86400000);
    CHECK_INT(q.limit, 25);
    CHECK_INT(q.format, GW_XAPI_FORMAT_IDS);

    CHECK_INT(parse_q(&q, &err, 0, NULL), GW_OK);
    CHECK_INT(q.limit, 0);
    CHECK_INT(q.format, GW_XAPI_FORMAT_EXACT);
    CHECK(!q.has_agent && !q.statement_id);

    const char *ok_id[] = {"statementId", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
                           "format",      "canonical",
                           "attachments", "true"};
    CHECK_INT(parse_q(&q, &err, 3, ok_id), GW_OK);
    CHECK_STR(q.statement_id, "fd41c918-b88b-4b20-a0a5-a4c32391aaa0");
    CHECK_INT(q.format, GW_XAPI_FORMAT_CANONICAL);

    struct {
        const char *kv[4];
        size_t n;
        enum gw_err code;
        const char *where;
    } bad[] = {
        {{"foo", "1"}, 1, GW_E_XAPI_QUERY_PARAM, "foo"},
        {{"StatementId", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"},
         1,
         GW_E_XAPI_QUERY_PARAM,
         "StatementId"},
        {{"Limit", "1"}, 1, GW_E_XAPI_QUERY_PARAM, "Limit"},
        {{"statementId", "nope"}, 1, GW_E_XAPI_QUERY_PARAM, "statementId"},
        {{"registration", "nope"}, 1, GW_E_XAPI_QUERY_PARAM, "registration"},
        {{"agent", "{\"mbox\":\"ada@example.org\"}"}, 1, GW_E_XAPI_QUERY_PARAM, "agent"},
        {{"agent", "not json"}, 1, GW_E_XAPI_QUERY_PARAM, "agent"},
        {{"agent", "{\"name\":\"no ifi\"}"}, 1, GW_E_XAPI_QUERY_PARAM, "agent"},
        {{"verb", "completed"}, 1, GW_E_XAPI_QUERY_PARAM, "verb"},
        {{"since", "yesterday"}, 1, GW_E_XAPI_QUERY_PARAM, "since"},
        {{"until", "2026-01-01T00:00:00-00:00"}, 1, GW_E_XAPI_QUERY_PARAM, "until"},
        {{"limit", "-1"}, 1, GW_E_XAPI_QUERY_PARAM, "limit"},
        {{"limit", "ten"}, 1, GW_E_XAPI_QUERY_PARAM, "limit"},
        {{"format", "IDS"}, 1, GW_E_XAPI_QUERY_PARAM, "format"},
        {{"ascending", "1"}, 1, GW_E_XAPI_QUERY_PARAM, "ascending"},
        {{"attachments", "True"}, 1, GW_E_XAPI_QUERY_PARAM, "attachments"},
        {{"limit", "1", "limit", "2"}, 2, GW_E_XAPI_QUERY_PARAM, "limit"},
        {{"statementId", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", "voidedStatementId",
          "9e3fdc2e-3a5c-4b0b-9b8e-5cbf3b1e2a11"},
         2,
         GW_E_XAPI_QUERY_COMBINATION,
         "voidedStatementId"},
        {{"statementId", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", "limit", "1"},
         2,
         GW_E_XAPI_QUERY_COMBINATION,
         "limit"},
        {{"voidedStatementId", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", "verb", "http://e.org/v"},
         2,
         GW_E_XAPI_QUERY_COMBINATION,
         "verb"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum gw_err rc = parse_q(&q, &err, bad[i].n, bad[i].kv);
        if (rc != bad[i].code || strcmp(err.where, bad[i].where) != 0) {
            fprintf(stderr, "  query case %zu: got %d at '%s', want %d at '%s'\n", i, rc, err.where,
                    bad[i].code, bad[i].where);
            gwt_case_failed = 1;
        }
    }
}

static void test_version_header(void)
{
    enum gw_xapi_version v = GW_XAPI_V2_0;
    struct gw_error err;
    const char *ok10[] = {"1.0", "1.0.0", "1.0.1", "1.0.3", "1.0.9", "1.0.10"};
    for (size_t i = 0; i < sizeof ok10 / sizeof ok10[0]; i++) {
        v = GW_XAPI_V2_0;
        CHECK_INT(gw_xapi_version_parse(ok10[i], &v, NULL), GW_OK);
        CHECK_INT(v, GW_XAPI_V1_0);
    }
    const char *ok20[] = {"2.0", "2.0.0", "2.0.1"};
    for (size_t i = 0; i < sizeof ok20 / sizeof ok20[0]; i++) {
        v = GW_XAPI_V1_0;
        CHECK_INT(gw_xapi_version_parse(ok20[i], &v, NULL), GW_OK);
        CHECK_INT(v, GW_XAPI_V2_0);
    }
    const char *bad[] = {"0.9.5", "0.95",  "1.1.0", "1.1", "2.1.0",  "3.0.0",  "1",
                         "1.0.",  "1.0.x", "abc",   "",    " 1.0.3", "1.0.3 ", "1.0.3.1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gw_error_clear(&err);
        enum gw_err rc = gw_xapi_version_parse(bad[i], &v, &err);
        if (rc != GW_E_XAPI_VERSION_HEADER)
            fprintf(stderr, "  version '%s' accepted\n", bad[i]);
        CHECK_INT(rc, GW_E_XAPI_VERSION_HEADER);
        CHECK_STR(err.where, "X-Experience-API-Version");
    }
    CHECK_INT(gw_xapi_version_parse(NULL, &v, &err), GW_E_XAPI_VERSION_HEADER);
}

static void test_langtag_duration(void)
{
    const char *good[] = {"en",        "en-US",      "de-CH-1901",       "zh-Hant-TW",
                          "es-419",    "sr-Latn-RS", "x-private",        "und",
                          "i-default", "zh-min-nan", "en-a-bbb-x-a-ccc", "sl-rozaj-biske",
                          "EN-us"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!gw_xapi_langtag_valid(good[i]))
            fprintf(stderr, "  tag '%s' refused\n", good[i]);
        CHECK(gw_xapi_langtag_valid(good[i]));
    }
    const char *badt[] = {"",
                          "a12345",
                          "e",
                          "en_US",
                          "en-",
                          "-en",
                          "en--US",
                          "123",
                          "en-US-x",
                          "toolongtag",
                          "en-a",
                          "en-a-b",
                          "ar-a-aaa-b-bbb-a-ccc",
                          "de-419-DE",
                          "a-DE"};
    for (size_t i = 0; i < sizeof badt / sizeof badt[0]; i++) {
        if (gw_xapi_langtag_valid(badt[i]))
            fprintf(stderr, "  tag '%s' accepted\n", badt[i]);
        CHECK(!gw_xapi_langtag_valid(badt[i]));
    }
    const char *gd[] = {"PT1H0M0.1S", "P4W", "P3Y",   "PT16559.14S", "P1DT12H",
                        "PT0S",       "P0D", "P1.5W", "PT1.23456S",  "P1Y2M4DT5H6M7.8S"};
    for (size_t i = 0; i < sizeof gd / sizeof gd[0]; i++)
        CHECK(gw_xapi_duration_valid(gd[i]));
    const char *bd[] = {"", "P", "PT", "1H", "PA1H0M0S", "P1H", "PT1D", "PT1S2M", "P1M1Y", "P1.S",
                        "PT.5S", "P1DT", "pt1h", "P0003-02-01T00:00:00",
                        /* weeks stand alone (ISO 8601) */
                        "P4W1D", "P1Y2M3W4DT5H6M7.8S", "P2WT1H", "P1W1W"};
    for (size_t i = 0; i < sizeof bd / sizeof bd[0]; i++) {
        if (gw_xapi_duration_valid(bd[i]))
            fprintf(stderr, "  duration '%s' accepted\n", bd[i]);
        CHECK(!gw_xapi_duration_valid(bd[i]));
    }
}

static void test_error_registry(void)
{
    /* Every statement refusal (3000-3099) is a 400 except the id conflict
     * (409). The document resources (3100-3199) also answer 404, 409, 412. */
    size_t n;
    const struct gw_err_info *all = gw_err_all(&n);
    int xapi = 0;
    for (size_t i = 0; i < n; i++) {
        if (all[i].code < 3000 || all[i].code >= 4000)
            continue;
        CHECK(strncmp(all[i].name, "XAPI_", 5) == 0);
        if (all[i].code >= 3100)
            continue;
        xapi++;
        CHECK_INT(all[i].http_status, all[i].code == GW_E_XAPI_ID_CONFLICT ? 409 : 400);
    }
    CHECK(xapi >= 30);
}

static void test_new_statement_id(void)
{
    char a[37], b[37], c[37];
    REQUIRE(gw_xapi_new_statement_id(1763800000000, a));
    REQUIRE(gw_xapi_new_statement_id(1763800000000, b));
    REQUIRE(gw_xapi_new_statement_id(1763800000001, c));
    CHECK(gw_is_uuid(a) && gw_is_uuid(b) && gw_is_uuid(c));
    CHECK(a[14] == '4');                  /* version 4 */
    CHECK(strchr("89ab", a[19]) != NULL); /* RFC 4122 variant */
    /* 1763800000000 = 0x019aaaac2600: the first 48 bits */
    CHECK(strncmp(a, "019aaaac-2600-4", 15) == 0);
    CHECK(strncmp(a, b, 13) == 0 && strcmp(a, b) != 0); /* same instant, still unique */
    CHECK(strcmp(a, c) < 0 && strcmp(b, c) < 0);        /* later instants sort after */
}

/* Media types that may become reply headers (issue 13, finding 1). */
static void test_media_types(void)
{
    static const char *const good[] = {"application/json",
                                       "application/json; charset=utf-8",
                                       "application/json;charset=UTF-8",
                                       "text/plain ; format=flowed",
                                       "text/html; charset=\"utf-8\"",
                                       "multipart/form-data; boundary=\"a b\\\"c\"",
                                       "application/vnd.api+json",
                                       "image/svg+xml",
                                       "application/json;"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!gw_xapi_media_type_valid(good[i]))
            fprintf(stderr, "  type '%s' refused\n", good[i]);
        CHECK(gw_xapi_media_type_valid(good[i]));
    }
    static const char *const bad[] = {"",
                                      "html",
                                      "text/",
                                      "/plain",
                                      "text/html\nSet-Cookie: pwned=1",
                                      "text/html\r\nSet-Cookie: pwned=1",
                                      "text/html\rX: 1",
                                      "text/html; a=\x01",
                                      "text/html\x7f",
                                      "text/h\xc3\xa9",
                                      "text/html; charset",
                                      "text/html; =x",
                                      "text/html; a=\"open",
                                      "text/html; a=\"\n\"",
                                      "text/html x",
                                      "text/html/x",
                                      "te xt/html"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (gw_xapi_media_type_valid(bad[i]))
            fprintf(stderr, "  type '%s' accepted\n", bad[i]);
        CHECK(!gw_xapi_media_type_valid(bad[i]));
    }
    char longer[300];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    longer[4] = '/';
    CHECK(!gw_xapi_media_type_valid(longer));
    CHECK(!gw_xapi_media_type_valid(NULL));
    /* inline only for JSON, plain text and octet streams */
    CHECK(gw_xapi_media_type_inline("application/json; charset=utf-8"));
    CHECK(gw_xapi_media_type_inline("TEXT/PLAIN"));
    CHECK(gw_xapi_media_type_inline("application/octet-stream"));
    CHECK(!gw_xapi_media_type_inline("text/html"));
    CHECK(!gw_xapi_media_type_inline("application/xhtml+xml"));
    CHECK(!gw_xapi_media_type_inline("image/svg+xml"));
    CHECK(!gw_xapi_media_type_inline("text/xml"));
    CHECK(!gw_xapi_media_type_inline("application/jsonp"));
    CHECK(!gw_xapi_media_type_inline("text/plainx"));
    CHECK(!gw_xapi_media_type_inline("text/plain\n"));
}

/* The Activities resource keeps what every statement said (Comm 2.5). */
static void test_definition_merge(void)
{
    char *m =
        gw_xapi_definition_merge("{\"name\":{\"en-US\":\"a\"},\"type\":\"http://t/1\"}",
                                 "{\"name\":{\"fr-FR\":\"b\"},\"description\":{\"en\":\"d\"}}");
    json_t *j = json_loads(m ? m : "", 0, NULL);
    json_t *want = J("{\"name\":{\"en-US\":\"a\",\"fr-FR\":\"b\"},\"type\":\"http://t/1\","
                     "\"description\":{\"en\":\"d\"}}");
    CHECK(json_equal(j, want));
    json_decref(j);
    json_decref(want);
    free(m);
    /* the newer wins per language, per extension key and for other properties */
    m = gw_xapi_definition_merge(
        "{\"name\":{\"en\":\"old\"},\"extensions\":{\"http://e/a\":{\"x\":1},\"http://e/b\":2},"
        "\"choices\":[{\"id\":\"a\"}]}",
        "{\"name\":{\"en\":\"new\"},\"extensions\":{\"http://e/a\":{\"y\":2}},"
        "\"choices\":[{\"id\":\"b\"}]}");
    j = json_loads(m ? m : "", 0, NULL);
    want =
        J("{\"name\":{\"en\":\"new\"},\"extensions\":{\"http://e/a\":{\"y\":2},\"http://e/b\":2},"
          "\"choices\":[{\"id\":\"b\"}]}");
    CHECK(json_equal(j, want));
    json_decref(j);
    json_decref(want);
    free(m);
    /* nothing new: NULL (nothing to write) */
    CHECK(gw_xapi_definition_merge("{\"name\":{\"en\":\"a\",\"de\":\"b\"}}",
                                   "{\"name\":{\"de\":\"b\"}}") == NULL);
    CHECK(gw_xapi_definition_merge("{\"a\":1}", "{}") == NULL);
    /* a stored text that is not an object is replaced; an added one that is
     * not an object changes nothing */
    m = gw_xapi_definition_merge("[1]", "{\"a\":1}");
    CHECK_STR(m, "{\"a\":1}");
    free(m);
    m = gw_xapi_definition_merge(NULL, "{\"a\":1}");
    CHECK_STR(m, "{\"a\":1}");
    free(m);
    CHECK(gw_xapi_definition_merge("{\"a\":1}", "nope") == NULL);
}

int main(void)
{
    GW_RUN(test_normalize);
    GW_RUN(test_normalize_ex);
    GW_RUN(test_new_statement_id);
    GW_RUN(test_equivalent);
    GW_RUN(test_learner_key);
    GW_RUN(test_activity_ids);
    GW_RUN(test_voided_target);
    GW_RUN(test_attachment_hashes);
    GW_RUN(test_dedup_signature);
    GW_RUN(test_format);
    GW_RUN(test_query);
    GW_RUN(test_version_header);
    GW_RUN(test_langtag_duration);
    GW_RUN(test_media_types);
    GW_RUN(test_definition_merge);
    GW_RUN(test_error_registry);
    return gw_test_summary();
}
