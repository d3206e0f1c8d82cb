/* keys.c: the API-key resource (admin only): list, create, revoke. */
#include "gw/api.h"
#include "gw/auth.h"
#include "gw/json.h"
#include "gw/review_app.h"
#include "gw/server.h"
#include "gw/xapi.h"

#include <stdio.h>
#include <string.h>

void gw_api_keys_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_key *keys = NULL;
    size_t n = 0;
    struct gw_error e;
    if (gw_store_key_list(req->srv->store, &keys, &n, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct gw_key *k = &keys[i];
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:b, s:I, s:o}", "key_id",
                                              k->key_id, "name", k->name, "role", k->role,
                                              "created_ms", (json_int_t)k->created_ms, "revoked",
                                              k->revoked_ms != 0, "dedup_window_s",
                                              (json_int_t)k->xapi_dedup_window_s, "dedup_members",
                                              gw_xapi_dedup_members_json(k->xapi_dedup_members)));
    }
    free(keys);
    gw_reply_json(rep, 200, json_pack("{s:o}", "keys", list));
}

/* "dedup_members": an array of member names, each once -> bits. */
static enum gw_err parse_members(const json_t *arr, unsigned *out, struct gw_error *e)
{
    unsigned m = 0;
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *name = json_string_value(v);
        unsigned bit = name ? gw_xapi_dedup_member(name, strlen(name)) : 0;
        if (!bit || (m & bit)) {
            char where[48];
            snprintf(where, sizeof where, "/dedup_members/%zu", i);
            return gw_error_set(e, GW_E_JSON_FIELD_VALUE, where,
                                "%s; name each of actor, verb, object, result, timestamp, "
                                "registration and context at most once",
                                bit ? "a member named twice"
                                    : "not a member a signature can cover");
        }
        m |= bit;
    }
    *out = m;
    return GW_OK;
}

void gw_api_keys_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    static const char *const roles[] = {"admin", "author", "approver", "lms", "bi", NULL};
    const char *name = NULL, *role = NULL;
    json_t *members = NULL;
    /* absent: the role's default window, Moodle's members */
    struct gw_key_options opt = {.dedup_window_s = -1};
    struct gw_jfield fields[] = {
        {"name", GW_J_STRING, true, &name, GW_JF_NONEMPTY, NULL, 0, 0, 127},
        {"role", GW_J_STRING, true, &role, GW_JF_NONE, roles, 0, 0, 0},
        {"dedup_window_s", GW_J_INT, false, &opt.dedup_window_s, GW_JF_NONE, NULL, 0, 604800, 0},
        {"dedup_members", GW_J_ARRAY, false, &members, GW_JF_NONE, NULL, 0, 0, 0},
        {"hmac", GW_J_BOOL, false, &opt.hmac, GW_JF_NONE, NULL, 0, 0, 0},
        {"person_id", GW_J_STRING, false, &opt.person_id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        GW_JFIELD_END,
    };
    struct gw_error e;
    struct gw_new_key k;
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    /* jansson refuses text that is not UTF-8; the key's person must exist */
    if (rc == GW_OK && opt.person_id)
        rc = gw_app_person_known(req->srv->store, opt.person_id, "/person_id", &e);
    if (rc == GW_OK && members)
        rc = parse_members(members, &opt.dedup_members, &e);
    if (rc == GW_OK && members && opt.dedup_members == 0)
        rc = gw_error_set(&e, GW_E_JSON_FIELD_VALUE, "/dedup_members",
                          "the dedup signature must cover actor, verb and object");
    if (rc == GW_OK)
        rc = gw_auth_key_create(req->srv->store, name, role, &opt,
                                gw_clock_now_ms(&req->srv->clock), &k, &e);
    if (rc != GW_OK) {
        gw_reply_error(rep, &e);
        json_decref(body);
        return;
    }
    json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "key_id", k.key_id, "name", name,
                            "role", role, "secret", k.secret, "token", k.token, "dedup_window_s",
                            (json_int_t)k.dedup_window_s, "dedup_members",
                            gw_xapi_dedup_members_json(k.dedup_members));
    if (k.hmac_secret[0])
        json_object_set_new(out, "hmac_secret", json_string(k.hmac_secret));
    if (opt.person_id)
        json_object_set_new(out, "person_id", json_string(opt.person_id));
    gw_reply_json(rep, 201, out);
    json_decref(body);
}

void gw_api_keys_delete(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    const char *id = req->params[0];
    if (gw_store_key_revoke(req->srv->store, id, gw_clock_now_ms(&req->srv->clock), &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    gw_auth_cache_forget(req->srv->auth, id);
    gw_reply_empty(rep, 204);
}
