/* sim_moodle.c: the simulator's subset of Moodle web services (REST protocol,
 * moodlewsrestformat=json), as Moodle 4.3 answers them: errors are HTTP 200
 * with {"exception","errorcode","message"} (PHP errors such as Error or
 * TypeError: {"exception","message"} with no errorcode), per-item problems of
 * core_course_update_courses are "warnings", and /webservice/upload.php has its
 * own error shape {"error","errorcode","stacktrace","debuginfo","reproductionlink"}.
 * State: lmssim_state["moodle"] = {"courses": [course + "scorm" module],
 * "drafts": {itemid: [file]}, "plugin_calls": [the parameters of every
 * local_lmsgw_create_or_update_scorm call, with "created" or "error"],
 * "next_course_id", "next_cmid", "next_instance"}. The "scorm" module records
 * its completion settings as Moodle stores them: "completion" (0 none, 2
 * automatic), "completionstatusrequired" (bitmask, null for none) and
 * "completionscorerequired" (null for none).
 *
 * Functions:
 *   core_course_create_courses   courses[i][fullname|shortname|categoryid] required,
 *                                [idnumber|visible|format|summary|enablecompletion|
 *                                courseformatoptions][..] (enablecompletion default 1)
 *                                -> [{"id","shortname"}]; shortnametaken,
 *                                courseidnumbertaken; the batch is all or nothing.
 *   core_course_get_courses_by_field  field=id|ids|shortname|idnumber|category (or none)
 *                                &value= -> {"courses":[...],"warnings":[]}
 *   core_course_update_courses   courses[i][id] + fields (visible, fullname, ...)
 *                                -> {"warnings":[{item,itemid,warningcode,message}]}
 *   core_webservice_get_site_info -> the site, the token's user, the functions.
 *
 * The companion plugin function (the project ships the Moodle plugin local_lmsgw;
 * this is its contract, which the plugin and this simulator both follow):
 *   local_lmsgw_create_or_update_scorm(courseid: int, draftitemid: int, name: string,
 *       completiontracking = "automatic" | "none", completionstatusrequired: int = 6,
 *       completionscorerequired: int = 0)
 *     Puts the SCORM package found in the token user's draft area draftitemid
 *     (its first file, uploaded with /webservice/upload.php) into course courseid
 *     as a SCORM activity named name, in section 0. The plugin manages at most one
 *     such activity per course (its course-module idnumber is "lmsgw:scorm"): when
 *     it exists, its package is replaced (revision + 1) and it is renamed; otherwise
 *     it is created. Calling it again with the same arguments therefore never adds
 *     a second activity. A new activity gets the completion settings asked for
 *     (automatic: completion 2, the status bitmask, passed 2 | completed 4, and
 *     the minimum score; the course's enablecompletion is switched on); an
 *     update keeps the activity's settings. Returns {"cmid": int, "instance":
 *     int, "revision": int, "created": bool, "completion": int,
 *     "completionstatusrequired": int, "completionscorerequired": int,
 *     "warnings": []}.
 *     With /_sim/config {"moodle_update_bug": true} the update path answers
 *     what plugin 0.1.0 answered on Moodle 4.3 (it did not load lib/gradelib.php):
 *     {"exception":"Error","message":"Class \"grade_item\" not found"}.
 *     Errors (HTTP 200, Moodle's exception shape):
 *       invalid_parameter_exception/invalidparameter  a parameter is missing or not an int,
 *                                                     or the completion settings are not valid;
 *       dml_missing_record_exception/invalidrecord    no such course;
 *       moodle_exception/draftareaempty               the draft area holds no file;
 *       moodle_exception/badpackage                   the file is not a zip (mod_scorm's string);
 *       moodle_exception/nomanifest                   the zip has no imsmanifest.xml. */
#include "lmssim.h"

#include "gw/hash.h"
#include "gw/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERVER "/webservice/rest/server.php"
#define UPLOAD "/webservice/upload.php"

bool lmssim_moodle_endpoint(const struct lmssim_req *r, char *out, size_t cap)
{
    if (strcmp(r->path, UPLOAD) == 0) {
        snprintf(out, cap, "%s %s", r->method, UPLOAD);
        return true;
    }
    if (strcmp(r->path, SERVER) != 0)
        return false;
    const char *fn = lmssim_param(r, "wsfunction");
    snprintf(out, cap, "%s %s wsfunction=%s", r->method, SERVER, fn ? fn : "");
    return true;
}

static void exception(struct lmssim_reply *rep, const char *cls, const char *code, const char *msg)
{
    lmssim_reply_json(
        rep, 200, json_pack("{s:s,s:s,s:s}", "exception", cls, "errorcode", code, "message", msg));
}

/* A PHP error (Error, TypeError, ...): Moodle's REST server sends the class
 * and the message, and no errorcode. */
static void php_error(struct lmssim_reply *rep, const char *cls, const char *msg)
{
    lmssim_reply_json(rep, 200, json_pack("{s:s,s:s}", "exception", cls, "message", msg));
}

static void invalid_param(struct lmssim_reply *rep)
{
    exception(rep, "invalid_parameter_exception", "invalidparameter",
              "Invalid parameter value detected");
}

/* ---- PHP array notation ------------------------------------------------ */

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Objects whose keys are all indexes become arrays, in index order. */
static json_t *arrays(json_t *v)
{
    const char *k;
    json_t *c;
    bool numeric = json_object_size(v) > 0;
    if (!json_is_object(v))
        return v;
    json_object_foreach(v, k, c)
    {
        json_object_set_new(v, k, arrays(json_incref(c)));
        numeric = numeric && all_digits(k);
    }
    if (!numeric)
        return v;
    json_t *a = json_array();
    for (long i = 0; json_array_size(a) < json_object_size(v) && i < 100000; i++) {
        char key[24];
        snprintf(key, sizeof key, "%ld", i);
        if (json_object_get(v, key))
            json_array_append(a, json_object_get(v, key));
    }
    json_decref(v);
    return a;
}

/* The request's parameters as a JSON tree: "courses[0][fullname]=x" gives
 * {"courses":[{"fullname":"x"}]}. */
static json_t *params_tree(const struct lmssim_req *r)
{
    json_t *root = json_object();
    for (size_t i = 0; i < r->nparams; i++) {
        const struct lmssim_param *p = &r->params[i];
        if (p->filename)
            continue;
        char *key = gw_xstrdup(p->key), *s = key, *br = strchr(key, '[');
        json_t *node = root;
        if (br)
            *br = '\0';
        const char *name = s;
        s = br ? br + 1 : NULL;
        while (s) {
            char *close = strchr(s, ']');
            if (!close)
                break;
            *close = '\0';
            json_t *next = json_object_get(node, name);
            if (!json_is_object(next)) {
                next = json_object();
                json_object_set_new(node, name, next);
            }
            node = next;
            name = s;
            s = close[1] == '[' ? close + 2 : NULL;
        }
        json_object_set_new(node, name, json_string(gw_buf_str(&p->value)));
        free(key);
    }
    return arrays(root);
}

static bool as_int(json_t *v, json_int_t *out)
{
    char *end = NULL;
    const char *s = json_string_value(v);
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (!s || !*s)
        return false;
    long long n = strtoll(s, &end, 10);
    if (*end)
        return false;
    *out = n;
    return true;
}

/* ---- state ------------------------------------------------------------- */

static json_t *mcourses(void)
{
    json_t *m = lmssim_section("moodle");
    if (!json_is_array(json_object_get(m, "courses")))
        json_object_set_new(m, "courses", json_array());
    return json_object_get(m, "courses");
}

static json_t *drafts(void)
{
    json_t *m = lmssim_section("moodle");
    if (!json_is_object(json_object_get(m, "drafts")))
        json_object_set_new(m, "drafts", json_object());
    return json_object_get(m, "drafts");
}

static json_int_t next_id(const char *counter)
{
    json_t *m = lmssim_section("moodle");
    json_int_t v = json_integer_value(json_object_get(m, counter));
    if (v < 1)
        v = 1;
    json_object_set_new(m, counter, json_integer(v + 1));
    return v;
}

static json_t *find_course(const char *field, const char *value)
{
    size_t i;
    json_t *c;
    json_array_foreach(mcourses(), i, c)
    {
        json_t *f = json_object_get(c, field);
        char buf[32];
        const char *s = json_string_value(f);
        if (json_is_integer(f)) {
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(f));
            s = buf;
        }
        if (s && value && strcmp(s, value) == 0)
            return c;
    }
    return NULL;
}

/* What core_course_get_courses_by_field shows of a course. */
static json_t *course_view(const json_t *c)
{
    json_t *v = json_deep_copy(c);
    json_object_del(v, "scorm");
    json_object_set_new(v, "categoryname", json_string("Category 1"));
    json_object_set_new(v, "summaryformat", json_integer(1));
    json_object_set_new(v, "summaryfiles", json_array());
    json_object_set_new(v, "overviewfiles", json_array());
    json_object_set_new(v, "contacts", json_array());
    json_object_set_new(v, "groupmode", json_integer(0));
    json_object_set_new(v, "lang", json_string(""));
    return v;
}

/* ---- functions --------------------------------------------------------- */

static void create_courses(json_t *in, struct lmssim_reply *rep)
{
    json_t *list = json_object_get(in, "courses"), *c, *out = NULL;
    size_t i;
    char msg[512];
    if (!json_is_array(list) || json_array_size(list) == 0) {
        invalid_param(rep);
        return;
    }
    json_array_foreach(list, i, c)
    {
        json_int_t cat;
        const char *sn = json_string_value(json_object_get(c, "shortname"));
        const char *idn = json_string_value(json_object_get(c, "idnumber"));
        if (!json_is_object(c) || !json_string_value(json_object_get(c, "fullname")) || !sn ||
            !as_int(json_object_get(c, "categoryid"), &cat)) {
            invalid_param(rep);
            return;
        }
        bool sn_dup = find_course("shortname", sn) != NULL,
             idn_dup = idn && *idn && find_course("idnumber", idn);
        for (size_t j = 0; j < i; j++) {
            json_t *o = json_array_get(list, j);
            const char *osn = json_string_value(json_object_get(o, "shortname"));
            const char *oidn = json_string_value(json_object_get(o, "idnumber"));
            sn_dup = sn_dup || (osn && strcmp(osn, sn) == 0);
            idn_dup = idn_dup || (idn && *idn && oidn && strcmp(oidn, idn) == 0);
        }
        if (sn_dup) {
            snprintf(msg, sizeof msg, "Short name is already used for another course (%s)", sn);
            exception(rep, "moodle_exception", "shortnametaken", msg);
            return;
        }
        if (idn_dup) {
            snprintf(msg, sizeof msg, "ID number is already used for another course (%s)", idn);
            exception(rep, "moodle_exception", "courseidnumbertaken", msg);
            return;
        }
    }
    out = json_array();
    json_array_foreach(list, i, c)
    {
        json_int_t cat = 1, visible = 1, completion = 1, id = next_id("next_course_id");
        const char *fmt = json_string_value(json_object_get(c, "format"));
        const char *idn = json_string_value(json_object_get(c, "idnumber"));
        const char *sum = json_string_value(json_object_get(c, "summary"));
        int64_t now = gw_time_now_ms() / 1000;
        as_int(json_object_get(c, "categoryid"), &cat);
        as_int(json_object_get(c, "visible"), &visible);
        as_int(json_object_get(c, "enablecompletion"), &completion);
        json_t *fo = json_object_get(c, "courseformatoptions");
        json_t *mc = json_pack(
            "{s:I,s:O,s:O,s:O,s:s,s:I,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:O}", "id", id, "fullname",
            json_object_get(c, "fullname"), "displayname", json_object_get(c, "fullname"),
            "shortname", json_object_get(c, "shortname"), "idnumber", idn ? idn : "", "categoryid",
            cat, "summary", sum ? sum : "", "format", fmt ? fmt : "topics", "visible",
            visible ? (json_int_t)1 : (json_int_t)0, "startdate", (json_int_t)now, "enddate",
            (json_int_t)0, "timecreated", (json_int_t)now, "timemodified", (json_int_t)now,
            "courseformatoptions", json_is_array(fo) ? fo : json_null());
        json_object_set_new(mc, "enablecompletion", json_integer(completion ? 1 : 0));
        json_array_append_new(mcourses(), mc);
        json_array_append_new(
            out, json_pack("{s:I,s:O}", "id", id, "shortname", json_object_get(c, "shortname")));
    }
    lmssim_state_changed();
    lmssim_reply_json(rep, 200, out);
}

static void get_courses_by_field(json_t *in, struct lmssim_reply *rep)
{
    const char *field = json_string_value(json_object_get(in, "field"));
    const char *value = json_string_value(json_object_get(in, "value"));
    json_t *out = json_array(), *c;
    size_t i;
    if (!field)
        field = "";
    if (*field && strcmp(field, "id") && strcmp(field, "ids") && strcmp(field, "shortname") &&
        strcmp(field, "idnumber") && strcmp(field, "category")) {
        json_decref(out);
        invalid_param(rep);
        return;
    }
    json_array_foreach(mcourses(), i, c)
    {
        bool take = !*field;
        char num[32];
        if (strcmp(field, "id") == 0 || strcmp(field, "category") == 0) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                     json_integer_value(json_object_get(c, *field == 'i' ? "id" : "categoryid")));
            take = value && strcmp(num, value) == 0;
        } else if (strcmp(field, "ids") == 0) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                     json_integer_value(json_object_get(c, "id")));
            for (const char *p = value; p && *p;) {
                size_t l = strcspn(p, ",");
                take = take || (l == strlen(num) && strncmp(p, num, l) == 0);
                p += l + (p[l] == ',');
            }
        } else if (*field) {
            const char *s = json_string_value(json_object_get(c, field));
            take = value && s && strcmp(s, value) == 0;
        }
        if (take)
            json_array_append_new(out, course_view(c));
    }
    lmssim_reply_json(rep, 200, json_pack("{s:o,s:[]}", "courses", out, "warnings"));
}

static void update_courses(json_t *in, struct lmssim_reply *rep)
{
    static const char *const strs[] = {"fullname", "shortname", "idnumber", "summary", "format"};
    json_t *list = json_object_get(in, "courses"), *c, *warnings = json_array();
    size_t i;
    char msg[512];
    if (!json_is_array(list)) {
        json_decref(warnings);
        invalid_param(rep);
        return;
    }
    json_array_foreach(list, i, c)
    {
        json_int_t id, visible;
        char ids[32];
        if (!as_int(json_object_get(c, "id"), &id)) {
            json_decref(warnings);
            invalid_param(rep);
            return;
        }
        snprintf(ids, sizeof ids, "%" JSON_INTEGER_FORMAT, id);
        json_t *mc = find_course("id", ids);
        const char *sn = json_string_value(json_object_get(c, "shortname"));
        const char *idn = json_string_value(json_object_get(c, "idnumber"));
        json_t *other_sn = sn ? find_course("shortname", sn) : NULL;
        json_t *other_idn = idn && *idn ? find_course("idnumber", idn) : NULL;
        const char *code = NULL;
        if (!mc) {
            code = "invalidrecord";
            snprintf(msg, sizeof msg, "Can't find data record in database table course.");
        } else if (other_sn && other_sn != mc) {
            code = "shortnametaken";
            snprintf(msg, sizeof msg, "Short name is already used for another course (%s)", sn);
        } else if (other_idn && other_idn != mc) {
            code = "courseidnumbertaken";
            snprintf(msg, sizeof msg, "ID number is already used for another course (%s)", idn);
        }
        if (code) {
            json_array_append_new(warnings,
                                  json_pack("{s:s,s:I,s:s,s:s}", "item", "course", "itemid", id,
                                            "warningcode", code, "message", msg));
            continue;
        }
        for (size_t k = 0; k < sizeof strs / sizeof *strs; k++)
            if (json_is_string(json_object_get(c, strs[k])))
                json_object_set(mc, strs[k], json_object_get(c, strs[k]));
        if (json_is_string(json_object_get(c, "fullname")))
            json_object_set(mc, "displayname", json_object_get(c, "fullname"));
        if (as_int(json_object_get(c, "visible"), &visible))
            json_object_set_new(mc, "visible", json_integer(visible ? 1 : 0));
        json_object_set_new(mc, "timemodified", json_integer(gw_time_now_ms() / 1000));
    }
    lmssim_state_changed();
    lmssim_reply_json(rep, 200, json_pack("{s:o}", "warnings", warnings));
}

static void site_info(struct lmssim_reply *rep)
{
    static const char *const fns[] = {"core_course_create_courses",
                                      "core_course_get_courses_by_field",
                                      "core_course_update_courses", "core_webservice_get_site_info",
                                      "local_lmsgw_create_or_update_scorm"};
    json_t *functions = json_array();
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
        json_array_append_new(functions,
                              json_pack("{s:s,s:s}", "name", fns[i], "version", "2023100900"));
    lmssim_reply_json(
        rep, 200,
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:o,s:i,s:i,s:s,s:s,s:b,s:i,s:i,s:i,s:b,"
                  "s:s}",
                  "sitename", "lmssim Moodle", "username", "admin", "firstname", "Admin",
                  "lastname", "User", "fullname", "Admin User", "lang", "en", "userid", 2,
                  "siteurl", lmssim_cfg.base_url, "userpictureurl", "", "functions", functions,
                  "downloadfiles", 1, "uploadfiles", 1, "release", "4.3 (Build: 20231009)",
                  "version", "2023100900", "usercanmanageownfiles", 1, "userquota", 104857600,
                  "usermaxuploadfilesize", 104857600, "siteid", 1, "userissiteadmin", 1, "theme",
                  "boost"));
}

/* The completion settings a new activity gets, checked like the plugin does:
 * completion 0 or 2, the status bitmask and the score (null: no rule). */
struct completion {
    json_int_t tracking, status, score;
};

static bool completion_params(json_t *in, struct completion *c)
{
    const char *tracking = json_string_value(json_object_get(in, "completiontracking"));
    json_int_t status = 6, score = 0;
    json_t *st = json_object_get(in, "completionstatusrequired");
    json_t *sc = json_object_get(in, "completionscorerequired");
    if ((st && !as_int(st, &status)) || (sc && !as_int(sc, &score)))
        return false;
    if (tracking && strcmp(tracking, "none") == 0) {
        *c = (struct completion){0, 0, 0};
        return true;
    }
    if ((tracking && strcmp(tracking, "automatic") != 0) || status < 0 || (status & ~6) ||
        score < 0 || (status == 0 && score == 0))
        return false;
    *c = (struct completion){2, status, score};
    return true;
}

/* Records a plugin call's parameters (the request as Moodle saw it). */
static void record_call(json_t *in, const char *outcome_key, json_t *outcome)
{
    json_t *m = lmssim_section("moodle");
    if (!json_is_array(json_object_get(m, "plugin_calls")))
        json_object_set_new(m, "plugin_calls", json_array());
    json_t *call = json_deep_copy(in);
    json_object_del(call, "wstoken");
    json_object_set_new(call, outcome_key, outcome);
    json_array_append_new(json_object_get(m, "plugin_calls"), call);
    lmssim_state_changed();
}

static json_t *nullable(json_int_t v)
{
    return v ? json_integer(v) : json_null();
}

/* A new activity with the completion settings asked for; the course's
 * completion tracking is switched on when the activity tracks completion. */
static json_t *new_scorm(json_t *course, const struct completion *cp)
{
    json_t *scorm =
        json_pack("{s:I,s:I,s:s,s:I,s:I,s:o,s:o}", "cmid", next_id("next_cmid"), "instance",
                  next_id("next_instance"), "idnumber", "lmsgw:scorm", "revision", (json_int_t)0,
                  "completion", cp->tracking, "completionstatusrequired", nullable(cp->status),
                  "completionscorerequired", nullable(cp->score));
    json_object_set_new(course, "scorm", scorm);
    if (cp->tracking)
        json_object_set_new(course, "enablecompletion", json_integer(1));
    return scorm;
}

static void create_or_update_scorm(json_t *in, struct lmssim_reply *rep)
{
    json_int_t cid, item;
    const char *name = json_string_value(json_object_get(in, "name"));
    struct completion cp;
    char key[32];
    if (!as_int(json_object_get(in, "courseid"), &cid) ||
        !as_int(json_object_get(in, "draftitemid"), &item) || !name || !*name ||
        !completion_params(in, &cp)) {
        record_call(in, "error", json_string("invalidparameter"));
        invalid_param(rep);
        return;
    }
    snprintf(key, sizeof key, "%" JSON_INTEGER_FORMAT, cid);
    json_t *course = find_course("id", key);
    if (!course) {
        exception(rep, "dml_missing_record_exception", "invalidrecord",
                  "Can't find data record in database table course.");
        return;
    }
    snprintf(key, sizeof key, "%" JSON_INTEGER_FORMAT, item);
    json_t *file = json_array_get(json_object_get(drafts(), key), 0);
    if (!file) {
        char msg[128];
        snprintf(msg, sizeof msg, "The draft area %s holds no file.", key);
        exception(rep, "moodle_exception", "draftareaempty", msg);
        return;
    }
    json_t *pkg = json_object_get(file, "package");
    const char *std = json_string_value(json_object_get(pkg, "standard"));
    if (json_is_true(json_object_get(pkg, "notzip"))) {
        exception(rep, "moodle_exception", "badpackage",
                  "The specified package/manifest is not valid. Check it and try again.");
        return;
    }
    if (!std || strncmp(std, "SCORM", 5) != 0) {
        exception(rep, "moodle_exception", "nomanifest",
                  "Incorrect file package - missing imsmanifest.xml or AICC structure");
        return;
    }
    json_t *scorm = json_object_get(course, "scorm");
    bool created = !scorm;
    if (!created && json_is_true(json_object_get(lmssim_section("config"), "moodle_update_bug"))) {
        record_call(in, "error", json_string("Error"));
        php_error(rep, "Error", "Class \"grade_item\" not found");
        return;
    }
    if (created)
        scorm = new_scorm(course, &cp);
    json_object_set_new(scorm, "name", json_string(name));
    json_object_set_new(scorm, "revision",
                        json_integer(json_integer_value(json_object_get(scorm, "revision")) + 1));
    json_object_set_new(scorm, "version",
                        json_string(strcmp(std, "SCORM12") == 0 ? "SCORM_1.2" : "SCORM_13"));
    json_object_set(scorm, "filename", json_object_get(file, "filename"));
    json_object_set(scorm, "sha256", json_object_get(pkg, "sha256"));
    json_object_set_new(scorm, "draftitemid", json_integer(item));
    json_object_set_new(scorm, "timemodified", json_integer(gw_time_now_ms() / 1000));
    record_call(in, "created", json_boolean(created));
    lmssim_reply_json(
        rep, 200,
        json_pack(
            "{s:O,s:O,s:O,s:b,s:I,s:I,s:I,s:[]}", "cmid", json_object_get(scorm, "cmid"),
            "instance", json_object_get(scorm, "instance"), "revision",
            json_object_get(scorm, "revision"), "created", created, "completion",
            json_integer_value(json_object_get(scorm, "completion")), "completionstatusrequired",
            json_integer_value(json_object_get(scorm, "completionstatusrequired")),
            "completionscorerequired",
            json_integer_value(json_object_get(scorm, "completionscorerequired")), "warnings"));
}

static void rest(struct lmssim_req *r, struct lmssim_reply *rep)
{
    const char *token = lmssim_param(r, "wstoken");
    const char *fn = lmssim_param(r, "wsfunction");
    const char *format = lmssim_param(r, "moodlewsrestformat");
    if (!format || strcmp(format, "json") != 0) {
        rep->status = 200;
        rep->content_type = "application/xml";
        rep->body = gw_xstrdup(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<EXCEPTION "
            "class=\"invalid_parameter_exception\">\n<ERRORCODE>invalidparameter</ERRORCODE>\n"
            "<MESSAGE>lmssim answers moodlewsrestformat=json only</MESSAGE>\n</EXCEPTION>\n");
        return;
    }
    if (!token || strcmp(token, lmssim_cfg.moodle_token) != 0) {
        exception(rep, "moodle_exception", "invalidtoken", "Invalid token - token not found");
        return;
    }
    json_t *in = params_tree(r);
    pthread_mutex_lock(&lmssim_lock);
    if (fn && strcmp(fn, "core_course_create_courses") == 0)
        create_courses(in, rep);
    else if (fn && strcmp(fn, "core_course_get_courses_by_field") == 0)
        get_courses_by_field(in, rep);
    else if (fn && strcmp(fn, "core_course_update_courses") == 0)
        update_courses(in, rep);
    else if (fn && strcmp(fn, "core_webservice_get_site_info") == 0)
        site_info(rep);
    else if (fn && strcmp(fn, "local_lmsgw_create_or_update_scorm") == 0)
        create_or_update_scorm(in, rep);
    else
        exception(rep, "dml_missing_record_exception", "invalidrecord",
                  "Can't find data record in database table external_functions.");
    pthread_mutex_unlock(&lmssim_lock);
    json_decref(in);
}

/* ---- upload.php -------------------------------------------------------- */

static void upload_error(struct lmssim_reply *rep, const char *code, const char *msg)
{
    lmssim_reply_json(rep, 200,
                      json_pack("{s:s,s:s,s:n,s:n,s:n}", "error", msg, "errorcode", code,
                                "stacktrace", "debuginfo", "reproductionlink"));
}

static void upload(struct lmssim_req *r, struct lmssim_reply *rep)
{
    const char *token = lmssim_param(r, "token");
    const char *area = lmssim_param(r, "filearea");
    const char *itemid = lmssim_param(r, "itemid");
    const char *path = lmssim_param(r, "filepath");
    json_int_t item = 0;
    char key[32], msg[256];
    if (!token || strcmp(token, lmssim_cfg.moodle_token) != 0) {
        upload_error(rep, "invalidtoken", "Invalid token - token not found");
        return;
    }
    if (area && strcmp(area, "draft") != 0) {
        snprintf(msg, sizeof msg,
                 "Coding error detected, it must be fixed by a programmer: File area %s not "
                 "supported",
                 area);
        upload_error(rep, "codingerror", msg);
        return;
    }
    if (!lmssim_file(r, NULL)) {
        upload_error(rep, "nofile", "No file specified");
        return;
    }
    if (itemid) {
        char *end = NULL;
        item = strtoll(itemid, &end, 10);
        if (*end || item < 0)
            item = 0;
    }
    json_t *out = json_array();
    pthread_mutex_lock(&lmssim_lock);
    if (item == 0) {
        do {
            uint32_t rnd = 0;
            gw_random_bytes(&rnd, sizeof rnd);
            item = 100000000 + (json_int_t)(rnd % 900000000u);
            snprintf(key, sizeof key, "%" JSON_INTEGER_FORMAT, item);
        } while (json_object_get(drafts(), key));
    }
    snprintf(key, sizeof key, "%" JSON_INTEGER_FORMAT, item);
    if (!json_object_get(drafts(), key))
        json_object_set_new(drafts(), key, json_array());
    json_t *area_files = json_object_get(drafts(), key);
    for (size_t i = 0; i < r->nparams; i++) {
        const struct lmssim_param *f = &r->params[i];
        struct lmssim_pkg pkg;
        char source[1024];
        if (!f->filename)
            continue;
        lmssim_pkg_inspect(f->value.data ? f->value.data : "", f->value.len, &pkg);
        snprintf(source, sizeof source, "O:8:\"stdClass\":1:{s:6:\"source\";s:%zu:\"%s\";}",
                 strlen(f->filename), f->filename);
        json_t *fo =
            json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:I}", "component", "user",
                      "contextid", 5, "userid", "2", "filearea", "draft", "filename", f->filename,
                      "filepath", path ? path : "/", "itemid", item, "license", "unknown", "author",
                      "Admin User", "source", source, "filesize", (json_int_t)f->value.len);
        json_array_append_new(out, json_deep_copy(fo));
        json_object_set_new(fo, "package",
                            json_pack("{s:s,s:s,s:b}", "standard", pkg.standard, "sha256",
                                      pkg.sha256, "notzip",
                                      pkg.error && strstr(pkg.error, "not a valid zip")));
        json_array_append_new(area_files, fo);
        lmssim_pkg_free(&pkg);
    }
    lmssim_state_changed();
    pthread_mutex_unlock(&lmssim_lock);
    lmssim_reply_json(rep, 200, out);
}

void lmssim_moodle_handle(struct lmssim_req *r, struct lmssim_reply *rep)
{
    if (strcmp(r->path, SERVER) == 0)
        rest(r, rep);
    else if (strcmp(r->path, UPLOAD) == 0 && strcmp(r->method, "POST") == 0)
        upload(r, rep);
    else
        lmssim_reply_json(rep, 404, json_pack("{s:s}", "error", "Not found."));
}
