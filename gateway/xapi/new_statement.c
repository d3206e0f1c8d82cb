/* new_statement.c: what the store needs of a new statement, extracted once
 * on the HTTP worker (gw_xapi_new_statement_init, gw/xapi_store.h): its id,
 * timestamp, verb, object, registration, voiding target, learner, the
 * activities and agents it refers to with their roles, its body and its
 * object's definition as text, and its course-level KPI fact. Pure xAPI: no
 * database; the writer (store/xapi_statements.c) persists the result. */
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/kpi.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"
#include "gw/xapi_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building insert items ----
 *
 * An item's strings and its two arrays live in one allocation (one malloc
 * and one free per statement instead of about twenty): the activities array
 * first (item->activities is the block, which gw_xapi_new_statement_clear
 * frees), then the agents array, the body text, the definition (copied from
 * the body's own text, where gw_json_append_part found it), and the other
 * strings. */

/* The block being built: strings are recorded by offset, as the buffer may
 * move while it grows. */
struct block {
    struct gw_buf b;
};

#define NO_STR ((size_t)-1)

static size_t block_add(struct block *k, const char *s)
{
    if (!s)
        return NO_STR;
    size_t at = k->b.len;
    gw_buf_append(&k->b, s, strlen(s) + 1);
    return at;
}

static char *block_str(const struct block *k, size_t at)
{
    return at == NO_STR ? NULL : k->b.data + at;
}

static const char *prefixed_role(const char *role, bool sub)
{
    static const char *const sub_roles[][2] = {
        {"object", "sub_object"},       {"parent", "sub_parent"},   {"grouping", "sub_grouping"},
        {"category", "sub_category"},   {"other", "sub_other"},     {"actor", "sub_actor"},
        {"authority", "sub_authority"}, {"context", "sub_context"}, {"member", "sub_member"},
    };
    if (!sub)
        return role;
    for (size_t i = 0; i < sizeof sub_roles / sizeof sub_roles[0]; i++) {
        if (strcmp(sub_roles[i][0], role) == 0)
            return sub_roles[i][1];
    }
    return role;
}

/* The statement's activity and agent references (borrowed from st, or in
 * the arrays here), gathered before the block is sized. */
struct refs {
    struct gw_xapi_activity_ref act_stack[32], *act;
    size_t n_act;
    struct gw_xapi_agent_ref ag_stack[16], *ag;
    size_t n_ag;
};

static void refs_collect(struct refs *r, const json_t *st)
{
    r->act = r->act_stack;
    r->n_act = gw_xapi_activity_ids(st, r->act, 32);
    if (r->n_act > 32) {
        r->act = gw_xcalloc(r->n_act, sizeof *r->act);
        gw_xapi_activity_ids(st, r->act, r->n_act);
    }
    r->ag = r->ag_stack;
    r->n_ag = gw_xapi_agent_refs(st, r->ag, 16);
    if (r->n_ag > 16) {
        r->ag = gw_xcalloc(r->n_ag, sizeof *r->ag);
        gw_xapi_agent_refs(st, r->ag, r->n_ag);
    }
}

static void refs_free(struct refs *r)
{
    if (r->act != r->act_stack)
        free(r->act);
    if (r->ag != r->ag_stack)
        free(r->ag);
}

/* Appends the statement's text and, when def is set, the definition's. */
static void add_texts(struct block *k, const json_t *st, const json_t *def, size_t *body_at,
                      size_t *def_at)
{
    size_t start = k->b.len, part_at = 0, part_len = 0;
    gw_buf_reserve(&k->b, 2048); /* a typical statement fits: no regrowth */
    *body_at = NO_STR;
    *def_at = NO_STR;
    if (gw_json_append_part(&k->b, st, def, &part_at, &part_len)) {
        gw_buf_append(&k->b, "", 1);
        *body_at = start;
    }
    if (!def)
        return;
    if (part_len > 0) {
        char *to = gw_buf_reserve(&k->b, part_len + 1);
        memcpy(to, k->b.data + part_at, part_len);
        to[part_len] = '\0';
        *def_at = k->b.len;
        k->b.len += part_len + 1;
        return;
    }
    size_t at = k->b.len;
    if (gw_json_append(&k->b, def)) {
        gw_buf_append(&k->b, "", 1);
        *def_at = at;
    }
}

/* Where each string of the item lies in its block (NO_STR: none). */
struct offsets {
    size_t body, def, verb, type, oid, reg, voids, learner, ids, keys;
};

/* The statement's id, timestamp and dedup signature: fixed-size members. */
static void set_head(struct gw_xapi_new_statement *item, json_t *st, bool had_id,
                     const char *dedup_sig)
{
    item->st = st;
    item->had_id = had_id;
    const char *id = json_string_value(json_object_get(st, "id"));
    gw_copy_str(item->id, sizeof item->id, id ? id : "(null)"); /* as printf("%s") */
    int64_t ts = 0;
    const char *tstext = json_string_value(json_object_get(st, "timestamp"));
    if (tstext && gw_time_parse_iso(tstext, false, &ts))
        item->timestamp_ms = ts;
    if (dedup_sig)
        gw_copy_str(item->dedup_sig, sizeof item->dedup_sig, dedup_sig);
    item->has_timestamp = json_object_get(st, "timestamp") != NULL;
}

/* Writes every string the item points to into k after room for its
 * activity and agent arrays, and says where each one lies. */
static void fill_block(struct block *k, json_t *st, const struct refs *r, size_t arrays,
                       struct offsets *o)
{
    gw_buf_reserve(&k->b, arrays);
    k->b.len = arrays;
    const json_t *obj = json_object_get(st, "object");
    const char *ot = json_string_value(json_object_get(obj, "objectType"));
    const char *object_type = ot ? ot : "Activity";
    const json_t *def = json_object_get(obj, "definition");
    if (!json_is_object(def) || strcmp(object_type, "Activity") != 0)
        def = NULL;
    add_texts(k, st, def, &o->body, &o->def);

    o->verb = block_add(k, json_string_value(json_object_get(json_object_get(st, "verb"), "id")));
    o->type = block_add(k, object_type);
    char key[1024];
    if (strcmp(object_type, "Agent") == 0 || strcmp(object_type, "Group") == 0)
        o->oid = gw_xapi_agent_key(obj, key, sizeof key) ? block_add(k, key) : NO_STR;
    else
        o->oid = block_add(k, json_string_value(json_object_get(obj, "id")));
    o->reg = block_add(
        k, json_string_value(json_object_get(json_object_get(st, "context"), "registration")));
    o->voids = block_add(k, gw_xapi_voided_target(st));
    o->learner = gw_xapi_learner_key(st, key, sizeof key) ? block_add(k, key) : NO_STR;
    o->ids = k->b.len;
    for (size_t i = 0; i < r->n_act; i++)
        block_add(k, r->act[i].id);
    o->keys = k->b.len;
    for (size_t i = 0; i < r->n_ag; i++)
        block_add(k, r->ag[i].key);
    /* a batch waits for its commit: give back the slack */
    if (k->b.cap - k->b.len > 256) {
        k->b.data = gw_xrealloc(k->b.data, k->b.len + 1);
        k->b.cap = k->b.len + 1;
    }
}

/* Points the item's arrays and strings into its block, which it owns from
 * here (freed through item->activities). */
static void point_into(struct gw_xapi_new_statement *item, struct block *k, const struct refs *r,
                       const struct offsets *o)
{
    item->activities = (struct gw_xapi_new_activity *)(void *)k->b.data;
    item->agents =
        (struct gw_xapi_new_agent *)(void *)(k->b.data + r->n_act * sizeof *item->activities);
    size_t ids_at = o->ids, keys_at = o->keys;
    for (size_t i = 0; i < r->n_act; i++) {
        item->activities[i].id = k->b.data + ids_at;
        ids_at += strlen(k->b.data + ids_at) + 1;
        item->activities[i].role =
            prefixed_role(gw_xapi_activity_role_name(r->act[i].role), r->act[i].in_substatement);
    }
    item->n_activities = r->n_act;
    for (size_t i = 0; i < r->n_ag; i++) {
        item->agents[i].key = k->b.data + keys_at;
        keys_at += strlen(k->b.data + keys_at) + 1;
        item->agents[i].role =
            prefixed_role(gw_xapi_agent_role_name(r->ag[i].role), r->ag[i].in_substatement);
    }
    item->n_agents = r->n_ag;
    item->body = block_str(k, o->body);
    item->definition = block_str(k, o->def);
    item->verb_id = block_str(k, o->verb);
    item->object_type = block_str(k, o->type);
    item->object_id = block_str(k, o->oid);
    item->registration = block_str(k, o->reg);
    item->voids_id = block_str(k, o->voids);
    item->learner_key = block_str(k, o->learner);
}

void gw_xapi_new_statement_init(struct gw_xapi_new_statement *item, json_t *st, bool had_id,
                                const char *dedup_sig)
{
    memset(item, 0, sizeof *item);
    set_head(item, st, had_id, dedup_sig);
    struct refs r;
    refs_collect(&r, st);
    struct block k = {{0}};
    struct offsets o;
    fill_block(&k, st, &r, r.n_act * sizeof *item->activities + r.n_ag * sizeof *item->agents, &o);
    point_into(item, &k, &r, &o);
    refs_free(&r);
    gw_kpi_statement_fact(st, true, item->timestamp_ms, &item->fact);
}

void gw_xapi_new_statement_drop_json(struct gw_xapi_new_statement *item)
{
    json_decref(item->st);
    item->st = NULL;
}

json_t *gw_xapi_stored_statement(const char *body, int64_t stored_ms)
{
    json_t *st = json_loads(body, 0, NULL);
    if (!st)
        return NULL;
    char stored[32];
    gw_time_format_ms(stored_ms, stored);
    json_object_set_new(st, "stored", json_string(stored));
    if (!json_object_get(st, "timestamp"))
        json_object_set_new(st, "timestamp", json_string(stored));
    return st;
}

void gw_xapi_new_statement_clear(struct gw_xapi_new_statement *item)
{
    json_decref(item->st);
    json_decref(item->attachments);
    free(item->activities); /* the block with every string (see above) */
    memset(item, 0, sizeof *item);
}
