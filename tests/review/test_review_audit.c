/* Tests for review/audit.c: canonical JSON lines, the hash chain and its
 * verification (changed, removed, inserted records), CSV quoting. */
#include "gw/hash.h"
#include "gw/review.h"
#include "gwtest.h"

#include <stdlib.h>

static struct gw_audit_record rec(int64_t seq, const char *action, const char *comment)
{
    struct gw_audit_record r = {0};
    r.seq = seq;
    r.at_ms = 1796202000000LL + seq * 1000;
    r.actor = "ann";
    r.via = "link";
    r.address = "192.0.2.7";
    r.link_nonce = "00112233445566778899aabbccddeeff";
    r.action = action;
    r.course_id = "course-1";
    r.round_id = "round-1";
    r.comment = comment;
    r.version_sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    return r;
}

static void test_json_line(void)
{
    struct gw_audit_record r = rec(1, "decision.approve", "Looks good, \"ship it\" \u00e9");
    gw_audit_chain(&r, NULL);
    CHECK_STR(r.prev, GW_AUDIT_GENESIS);
    char *line = gw_audit_json_line(&r);
    REQUIRE(line != NULL);
    CHECK(strncmp(line,
                  "{\"seq\":1,\"at\":\"2026-12-02T09:00:01.000Z\",\"at_ms\":1796202001000,"
                  "\"actor\":\"ann\",\"on_behalf_of\":null,\"via\":\"link\"",
                  strlen("{\"seq\":1,\"at\":\"2026-12-02T09:00:01.000Z\",\"at_ms\":1796202001000,"
                         "\"actor\":\"ann\",\"on_behalf_of\":null,\"via\":\"link\"")) == 0);
    CHECK(strstr(line, "\\u00E9") != NULL); /* ASCII only: stable bytes */
    CHECK(strstr(line, "\"key_id\":null") != NULL);
    CHECK(strstr(line, "\"prev\":\"0000") != NULL);
    CHECK(strchr(line, '\n') == NULL);
    /* Same record, same bytes. */
    char *again = gw_audit_json_line(&r);
    CHECK_STR(again, line);
    free(again);
    json_error_t jerr;
    json_t *o = json_loads(line, 0, &jerr);
    CHECK(json_is_object(o));
    CHECK_STR(json_string_value(json_object_get(o, "comment")), "Looks good, \"ship it\" \u00e9");
    CHECK_INT(json_object_size(o), 17);
    json_decref(o);
    free(line);

    r.comment = "bad \xff";
    CHECK(gw_audit_json_line(&r) == NULL);
}

static void test_chain(void)
{
    struct gw_audit_record r[4] = {
        rec(1, "round.opened", NULL),
        rec(2, "decision.request_changes", "Slide 3 is wrong"),
        rec(3, "transition", NULL),
        rec(4, "round.closed", NULL),
    };
    r[2].from_state = "in_review";
    r[2].to_state = "changes_requested";
    char *lines[4];
    for (int i = 0; i < 4; i++) {
        gw_audit_chain(&r[i], i ? lines[i - 1] : NULL);
        lines[i] = gw_audit_json_line(&r[i]);
    }
    char head[65], h3[65];
    size_t bad = 99;
    struct gw_error err;
    CHECK_INT(gw_audit_verify((const char *const *)lines, 4, NULL, head, &bad, &err), GW_OK);
    gw_audit_line_hash(lines[3], h3);
    CHECK_STR(head, h3);
    /* An excerpt verifies from the hash of the record before it. */
    char h0[65];
    gw_audit_line_hash(lines[0], h0);
    CHECK_INT(gw_audit_verify((const char *const *)lines + 1, 3, h0, NULL, &bad, &err), GW_OK);
    CHECK_INT(gw_audit_verify((const char *const *)lines + 1, 3, NULL, NULL, &bad, &err),
              GW_E_REVIEW_AUDIT_CHAIN_BROKEN);
    CHECK_INT(bad, 0);

    /* Change the comment of record 2: the chain breaks at record 3. */
    char *orig = lines[1];
    r[1].comment = "Fine by me";
    lines[1] = gw_audit_json_line(&r[1]);
    CHECK_INT(gw_audit_verify((const char *const *)lines, 4, NULL, NULL, &bad, &err),
              GW_E_REVIEW_AUDIT_CHAIN_BROKEN);
    CHECK_INT(bad, 2);
    CHECK(strstr(err.detail, "3") != NULL);
    free(lines[1]);
    lines[1] = orig;

    /* Remove record 2. */
    const char *cut[3] = {lines[0], lines[2], lines[3]};
    CHECK_INT(gw_audit_verify(cut, 3, NULL, NULL, &bad, &err), GW_E_REVIEW_AUDIT_CHAIN_BROKEN);
    CHECK_INT(bad, 1);
    /* Garbage line. */
    const char *junk[2] = {lines[0], "not json"};
    CHECK_INT(gw_audit_verify(junk, 2, NULL, NULL, &bad, &err), GW_E_REVIEW_AUDIT_CHAIN_BROKEN);
    CHECK_INT(bad, 1);
    /* Changing the last line shows only against the stored head. */
    r[3].actor = "mallory";
    char *forged = gw_audit_json_line(&r[3]);
    const char *tail[4] = {lines[0], lines[1], lines[2], forged};
    CHECK_INT(gw_audit_verify(tail, 4, NULL, head, &bad, &err), GW_OK);
    CHECK(strcmp(head, h3) != 0);
    free(forged);
    for (int i = 0; i < 4; i++)
        free(lines[i]);
}

static void test_csv(void)
{
    char *h = gw_audit_csv_header();
    CHECK_STR(h, "seq,at,at_ms,actor,on_behalf_of,via,address,key_id,link_nonce,action,course_id,"
                 "round_id,from_state,to_state,comment,version_sha256,prev");
    free(h);
    struct gw_audit_record r = rec(5, "decision.request_changes", "Fix \"title\", then\r\nresend");
    r.on_behalf_of = "bob";
    gw_audit_chain(&r, NULL);
    char *line = gw_audit_csv_line(&r);
    CHECK_STR(line,
              "5,2026-12-02T09:00:05.000Z,1796202005000,ann,bob,link,192.0.2.7,,"
              "00112233445566778899aabbccddeeff,decision.request_changes,course-1,round-1,,,"
              "\"Fix \"\"title\"\", then\r\nresend\","
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad," GW_AUDIT_GENESIS);
    free(line);
    /* Formula injection is neutralised; plain text is left alone. */
    r.comment = "=HYPERLINK(\"http://evil\")";
    line = gw_audit_csv_line(&r);
    CHECK(strstr(line, ",\"'=HYPERLINK(\"\"http://evil\"\")\",") != NULL);
    free(line);
    r.comment = "-1 from me";
    line = gw_audit_csv_line(&r);
    CHECK(strstr(line, ",\"'-1 from me\",") != NULL);
    free(line);
    r.comment = "ok";
    line = gw_audit_csv_line(&r);
    CHECK(strstr(line, ",ok,") != NULL);
    free(line);
}

int main(void)
{
    GW_RUN(test_json_line);
    GW_RUN(test_chain);
    GW_RUN(test_csv);
    return gw_test_summary();
}
