/* review_audit.c: GET /api/v1/audit exports the append-only audit log as
 * JSON (the stored canonical lines, verbatim, with the chain's head hash) or
 * as CSV (?format=csv or Accept: text/csv), optionally for one course
 * (?course_id=). (The pipeline view: api/pipeline.c.) */
#include "gw/api.h"
#include "gw/buf.h"
#include "gw/review_api.h"
#include "gw/server.h"

#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* One canonical line back into a record (strings borrowed from o). */
static void record_from(json_t *o, struct gw_audit_record *r)
{
    memset(r, 0, sizeof *r);
    r->seq = json_integer_value(json_object_get(o, "seq"));
    r->at_ms = json_integer_value(json_object_get(o, "at_ms"));
    r->actor = str(o, "actor");
    r->on_behalf_of = str(o, "on_behalf_of");
    r->via = str(o, "via");
    r->address = str(o, "address");
    r->key_id = str(o, "key_id");
    r->link_nonce = str(o, "link_nonce");
    r->action = str(o, "action");
    r->course_id = str(o, "course_id");
    r->round_id = str(o, "round_id");
    r->from_state = str(o, "from_state");
    r->to_state = str(o, "to_state");
    r->comment = str(o, "comment");
    r->version_sha256 = str(o, "version_sha256");
    snprintf(r->prev, sizeof r->prev, "%s", str(o, "prev") ? str(o, "prev") : "");
}

static void reply_csv(struct gw_reply *rep, const struct gw_audit_lines *lines)
{
    struct gw_buf b = {0};
    char *h = gw_audit_csv_header();
    gw_buf_puts(&b, h);
    gw_buf_puts(&b, "\r\n");
    free(h);
    for (size_t i = 0; i < lines->n; i++) {
        json_t *o = json_loads(lines->lines[i], 0, NULL);
        struct gw_audit_record r;
        record_from(o, &r);
        char *row = gw_audit_csv_line(&r);
        gw_buf_puts(&b, row ? row : "");
        gw_buf_puts(&b, "\r\n");
        free(row);
        json_decref(o);
    }
    gw_reply_text(rep, 200, "text/csv; charset=utf-8", gw_buf_str(&b), b.len);
    gw_reply_header(rep, "Content-Disposition", "attachment; filename=\"lmsgw-audit.csv\"");
    gw_buf_free(&b);
}

/* {"head": hash, "count": n, "records": [lines verbatim]}: the lines are
 * spliced in as stored, so their bytes (and the chain over them) hold. */
static void reply_json(struct gw_reply *rep, const struct gw_audit_lines *lines)
{
    struct gw_buf b = {0};
    gw_buf_printf(&b, "{\"head\":\"%s\",\"count\":%zu,\"records\":[", lines->head, lines->n);
    for (size_t i = 0; i < lines->n; i++) {
        if (i)
            gw_buf_puts(&b, ",\n");
        gw_buf_puts(&b, lines->lines[i]);
    }
    gw_buf_puts(&b, "]}\n");
    gw_reply_text(rep, 200, "application/json", gw_buf_str(&b), b.len);
    gw_buf_free(&b);
}

void gw_api_audit_get(struct gw_req *req, struct gw_reply *rep)
{
    const char *format = gw_req_query(req, "format");
    const char *accept = gw_req_header(req, "Accept");
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        gw_reply_errorf(rep, GW_E_QUERY_INVALID, "format", "format is json or csv");
        return;
    }
    bool csv = format ? strcmp(format, "csv") == 0 : (accept && strstr(accept, "text/csv"));
    struct gw_audit_lines lines;
    struct gw_error e;
    if (gw_store_audit_lines(req->srv->store, gw_req_query(req, "course_id"), &lines, &e) !=
        GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    if (csv)
        reply_csv(rep, &lines);
    else
        reply_json(rep, &lines);
    gw_audit_lines_free(&lines);
}
