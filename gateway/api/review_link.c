/* review_link.c: the one-click approval page behind the signed links in
 * approvers' mail. GET /r/{token} only SHOWS what an approver needs to decide
 * in one visit (issue 15): what is asked and by when, the business case, the
 * other approvers and the policy in words, what changed, the validation
 * findings, and Approve / Request changes / Reject buttons; a GET never
 * decides, because mail scanners and link previewers follow links. The
 * decision is taken by POST /r/{token} (the page's form), which marks the
 * link's nonce used in the same transaction as the decision: a second POST
 * answers 410. Bad links get a page that says what went wrong, with the
 * registry's status (400 garbled, 403 altered, 410 expired or used). */
#include "gw/review_app.h"
#include "gw/api.h"
#include "gw/buf.h"
#include "gw/form.h"
#include "gw/hash.h"
#include "gw/log.h"
#include "gw/preview.h"
#include "gw/review_api.h"
#include "gw/review_words.h"
#include "gw/server.h"
#include "gw/timefmt.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Black on white, links and focus in a blue that keeps 4.5:1; the buttons'
 * colours keep 4.5:1 with white text. Nothing is wider than the screen:
 * long file names break, the form's controls take the width they have. */
static const char STYLE[] =
    "html{color:#1a1a1a;background:#fff}body{font-family:system-ui,sans-serif;line-height:1.5;"
    "max-width:46em;margin:0 auto;padding:1em}main{display:block}h1{font-size:1.6em;"
    "line-height:1.25}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #767676}"
    "dt{font-weight:bold;margin-top:.5em}dd{margin:0 0 0 1em}ul{padding-left:1.2em}"
    "li{margin:.4em 0}p,li,dd{overflow-wrap:anywhere}blockquote{margin:.3em 0 0 0;"
    "padding-left:.8em;border-left:3px solid #767676;white-space:pre-wrap}"
    ".error{color:#a00000}.due{font-size:1.1em}textarea{box-sizing:border-box;width:100%;"
    "font:inherit;padding:.4em;border:2px solid #595959}label{font-weight:bold}"
    ".hint{color:#4d4d4d;margin:.2em 0}.buttons{display:flex;flex-wrap:wrap;gap:.6em;"
    "margin-top:.8em}button{font:inherit;font-size:1.05em;padding:.5em 1.1em;border:2px solid "
    "transparent;border-radius:4px;color:#fff;cursor:pointer}.approve{background:#1e6b32}"
    ".changes{background:#7a4f00}.reject{background:#a00000}a{color:#1a4fb4}"
    ":focus-visible{outline:3px solid #1a4fb4;outline-offset:3px}"
    "button:focus-visible{outline-color:#1a1a1a}iframe.course{width:100%;height:80vh;"
    "min-height:24em;border:2px solid #595959;box-sizing:border-box}"
    "#reported li{margin:.2em 0}";

static void page_start(struct gw_buf *b, const char *title)
{
    gw_buf_puts(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<meta name=\"robots\" content=\"noindex\"><title>");
    gw_buf_html(b, title);
    gw_buf_printf(b, "</title><style>%s</style></head><body><main><h1>", STYLE);
    gw_buf_html(b, title);
    gw_buf_puts(b, "</h1>");
}

/* csp NULL: a page without the course (no script, no frame). */
static void send_page_csp(struct gw_reply *rep, unsigned status, struct gw_buf *b, const char *csp)
{
    gw_buf_puts(b, "</main></body></html>\n");
    gw_reply_text(rep, status, "text/html; charset=utf-8", gw_buf_str(b), b->len);
    gw_reply_header(rep, "Cache-Control", "no-store");
    /* the token in this page's address goes nowhere, the course's origin
     * included */
    gw_reply_header(rep, "Referrer-Policy", "no-referrer");
    gw_reply_header(rep, "X-Robots-Tag", "noindex, nofollow");
    /* never framed (clickjacking), never sniffed into another type */
    gw_reply_header(rep, "Content-Security-Policy",
                    csp ? csp
                        : "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                          "frame-ancestors 'none'");
    gw_reply_header(rep, "X-Frame-Options", "DENY");
    gw_reply_header(rep, "X-Content-Type-Options", "nosniff");
    gw_buf_free(b);
}

static void send_page(struct gw_reply *rep, unsigned status, struct gw_buf *b)
{
    send_page_csp(rep, status, b, NULL);
}

static void error_page(struct gw_reply *rep, const struct gw_error *e)
{
    const struct gw_err_info *info = gw_err_lookup(e->code);
    struct gw_buf b = {0};
    page_start(&b, info->http_status == 400 ? "Your decision was not recorded"
                                            : "This approval link cannot be used");
    gw_buf_puts(&b, "<p class=\"error\">");
    gw_buf_html(&b, info->hint);
    gw_buf_puts(&b, "</p><p>");
    gw_buf_html(&b, e->detail);
    gw_buf_puts(&b, "</p>");
    /* a refused decision leaves the link usable: back to the page (a GET of
     * the same address) */
    if (info->http_status == 400 && e->code != GW_E_REVIEW_TOKEN_MALFORMED)
        gw_buf_puts(&b, "<p><a href=\"\">Back to the review page</a></p>");
    gw_buf_printf(&b, "<p><small>%s (%d)</small></p>", info->name, (int)info->code);
    send_page(rep, info->http_status, &b);
}

/* Verifies the path's token with the shared key; fills c. */
static enum gw_err verify(struct gw_req *req, int64_t now, struct gw_review_token_claims *c,
                          struct gw_error *e)
{
    uint8_t key[32];
    enum gw_err rc = gw_store_review_key(req->srv->store, key, e);
    if (rc == GW_OK)
        rc = gw_review_token_verify(key, sizeof key, req->params[0], now, c, e);
    return rc;
}

/* ---- the page's parts, top-down ---- */

static void date_html(struct gw_buf *b, int64_t ms)
{
    char day[GW_REVIEW_DATE_WORDS];
    gw_review_date_words(ms, day);
    gw_buf_puts(b, day);
}

static const char *standard_words(const char *s)
{
    static const char *const names[][2] = {{"scorm12", "SCORM 1.2"},
                                           {"scorm2004", "SCORM 2004"},
                                           {"cmi5", "cmi5"},
                                           {"tincan", "Tin Can (xAPI)"}};
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i][0]) == 0)
            return names[i][1];
    return "an unknown standard";
}

static const char *person_name(const struct gw_round_page *p, size_t i)
{
    const char *n = p->people[i].name;
    return n && *n ? n : "An approver";
}

/* One <dt>/<dd> pair when value says something. */
static void dl_item(struct gw_buf *b, const char *term, const char *value)
{
    if (!value || !*value)
        return;
    gw_buf_printf(b, "<dt>%s</dt><dd>", term);
    gw_buf_html(b, value);
    gw_buf_puts(b, "</dd>");
}

static void hours(struct gw_buf *b, double h)
{
    gw_buf_printf(b, "%g", h);
}

static void business_case_html(struct gw_buf *b, const struct gw_round_page *p)
{
    gw_buf_puts(b, "<h2>Why this course</h2><dl>");
    dl_item(b, "Problem it solves", p->problem);
    dl_item(b, "Audience", p->audience);
    dl_item(b, "How they reach the LMS", p->reach);
    if (p->mandatory >= 0)
        dl_item(b, "Mandatory or optional",
                p->mandatory ? "Mandatory for the audience" : "Optional for the audience");
    dl_item(b, "KPI", p->kpi);
    dl_item(b, "KPI target", p->kpi_target);
    if (p->deadline_ms > 0) {
        gw_buf_puts(b, "<dt>Deadline</dt><dd>");
        date_html(b, p->deadline_ms);
        gw_buf_puts(b, "</dd>");
    }
    if (p->effort_low_hours >= 0 || p->effort_high_hours >= 0) {
        gw_buf_puts(b, "<dt>Effort</dt><dd>");
        if (p->effort_low_hours >= 0 && p->effort_high_hours >= 0 &&
            p->effort_low_hours != p->effort_high_hours) {
            hours(b, p->effort_low_hours);
            gw_buf_puts(b, " to ");
            hours(b, p->effort_high_hours);
        } else {
            hours(b, p->effort_high_hours >= 0 ? p->effort_high_hours : p->effort_low_hours);
        }
        gw_buf_puts(b, " hours</dd>");
    }
    dl_item(b, "Project code", p->project_code);
    dl_item(b, "How the audience will hear of it", p->communication_plan);
    gw_buf_puts(b, "</dl>");
}

/* "Approved on Friday 12 March 2027 by Bob (delegate)." / "Asked on ...;
 * reminded on ... ." */
static void status_html(struct gw_buf *b, const struct gw_round_page *p, size_t i)
{
    const struct gw_review_approver *a = &p->round.approvers[i];
    const struct gw_round_page_person *pp = &p->people[i];
    if (a->decision.kind != GW_REVIEW_PENDING) {
        if (pp->silent)
            gw_buf_puts(b, "Approved by silence (no answer by the due date) on ");
        else
            gw_buf_printf(b, "%s on ", gw_review_decision_words(a->decision.kind));
        date_html(b, a->decision.at_ms);
        if (a->delegate_id[0] && strcmp(a->decision.decided_by, a->delegate_id) == 0 &&
            pp->delegate_name) {
            gw_buf_puts(b, " by ");
            gw_buf_html(b, pp->delegate_name);
            gw_buf_puts(b, ", their delegate");
        }
        gw_buf_puts(b, ".");
        if (a->decision.comment && *a->decision.comment) {
            gw_buf_puts(b, "<blockquote>");
            gw_buf_html(b, a->decision.comment);
            gw_buf_puts(b, "</blockquote>");
        }
        return;
    }
    if (a->delegate_id[0]) {
        gw_buf_puts(b, "Delegated to ");
        gw_buf_html(b, pp->delegate_name ? pp->delegate_name : "someone else");
        gw_buf_puts(b, " on ");
        date_html(b, a->delegated_ms);
        gw_buf_puts(b, "; ");
    }
    if (pp->asked_ms > 0) {
        gw_buf_puts(b, "Asked on ");
        date_html(b, pp->asked_ms);
    } else {
        gw_buf_puts(b, "Not asked yet");
    }
    if (pp->reminders > 0) {
        gw_buf_puts(b, "; reminded");
        if (pp->reminders > 1)
            gw_buf_printf(b, " %u times, last", pp->reminders);
        gw_buf_puts(b, " on ");
        date_html(b, pp->reminded_ms);
    }
    gw_buf_puts(b, "; not decided yet.");
}

static void approvers_html(struct gw_buf *b, const struct gw_round_page *p, size_t me, int64_t now)
{
    char policy[256];
    gw_review_policy_words(&p->round, now, policy, sizeof policy);
    gw_buf_puts(b, "<h2>Approvers</h2><p>");
    gw_buf_html(b, policy);
    gw_buf_puts(b, "</p><ul>");
    for (size_t i = 0; i < p->round.n_approvers; i++) {
        const struct gw_review_approver *a = &p->round.approvers[i];
        gw_buf_puts(b, "<li><strong>");
        gw_buf_html(b, person_name(p, i));
        gw_buf_printf(b, "</strong>%s", i == me ? " (you)" : "");
        if (a->due_ms > 0 && a->decision.kind == GW_REVIEW_PENDING) {
            char left[64];
            gw_review_due_words(a->due_ms, now, left, sizeof left);
            gw_buf_puts(b, ", due ");
            date_html(b, a->due_ms);
            gw_buf_printf(b, " (%s)", left);
        }
        gw_buf_puts(b, ": ");
        status_html(b, p, i);
        gw_buf_puts(b, "</li>");
    }
    gw_buf_puts(b, "</ul>");
}

static void name_list(struct gw_buf *b, const char *label, json_t *arr, bool objects)
{
    if (json_array_size(arr) == 0)
        return;
    gw_buf_printf(b, "<h3>%s</h3><ul>", label);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        gw_buf_puts(b, "<li>");
        gw_buf_html(b, json_string_value(objects ? json_object_get(v, "name") : v));
        gw_buf_puts(b, "</li>");
    }
    gw_buf_puts(b, "</ul>");
}

static void changes_html(struct gw_buf *b, json_t *changes)
{
    gw_buf_puts(b, "<h2>What changed since the last round</h2>");
    if (!json_is_object(changes)) {
        gw_buf_puts(b, "<p>This is the first version you are asked to review.</p>");
        return;
    }
    const char *summary = json_string_value(json_object_get(changes, "summary"));
    gw_buf_puts(b, "<p>");
    if (summary && *summary) {
        /* "1 file added, 1 removed" reads as a sentence with its capital */
        char first[2] = {summary[0], '\0'};
        if (first[0] >= 'a' && first[0] <= 'z')
            first[0] = (char)(first[0] - 'a' + 'A');
        gw_buf_html(b, first);
        gw_buf_html(b, summary + 1);
        gw_buf_puts(b, ".");
    }
    gw_buf_puts(b, "</p>");
    name_list(b, "Files added", json_object_get(changes, "added"), false);
    name_list(b, "Files removed", json_object_get(changes, "removed"), false);
    name_list(b, "Files changed", json_object_get(changes, "changed"), true);
}

static const char *severity_words(const char *s)
{
    if (s && strcmp(s, "error") == 0)
        return "Error";
    if (s && strcmp(s, "warning") == 0)
        return "Warning";
    return "Note";
}

/* "no warnings", "1 warning", "3 warnings" */
static void count_words(struct gw_buf *b, int64_t n, const char *noun)
{
    if (n == 0)
        gw_buf_printf(b, "no %ss", noun);
    else
        gw_buf_printf(b, "%lld %s%s", (long long)n, noun, n == 1 ? "" : "s");
}

static void findings_html(struct gw_buf *b, const struct gw_round_page *p)
{
    gw_buf_puts(b, "<h2>Validation</h2><p>The package passed validation with ");
    count_words(b, p->n_errors, "error");
    gw_buf_puts(b, " and ");
    count_words(b, p->n_warnings, "warning");
    gw_buf_puts(b, ".</p>");
    if (json_array_size(p->findings) == 0)
        return;
    gw_buf_puts(b, "<ul>");
    size_t i;
    json_t *f;
    json_array_foreach(p->findings, i, f)
    {
        gw_buf_printf(b, "<li><strong>%s:</strong> ",
                      severity_words(json_string_value(json_object_get(f, "severity"))));
        gw_buf_html(b, json_string_value(json_object_get(f, "message")));
        const char *file = json_string_value(json_object_get(f, "file"));
        if (file && *file) {
            gw_buf_puts(b, " (in ");
            gw_buf_html(b, file);
            json_int_t line = json_integer_value(json_object_get(f, "line"));
            if (line > 0)
                gw_buf_printf(b, ", line %lld", (long long)line);
            gw_buf_puts(b, ")");
        }
        gw_buf_puts(b, "</li>");
    }
    gw_buf_puts(b, "</ul>");
}

static const char *closed_words(const char *state)
{
    if (strcmp(state, "approved") == 0)
        return "This review is over: the course was approved. Nothing is left to decide.";
    if (strcmp(state, "changes_requested") == 0)
        return "This review is over: changes were requested. Nothing is left to decide.";
    if (strcmp(state, "superseded") == 0)
        return "This review is over: a newer version of the course replaced this one. "
               "You will get a new link for it.";
    return "This review is over. Nothing is left to decide.";
}

/* No button has focus: a stray Enter or a click through a frame or an
 * overlay must not decide. */
static void form_html(struct gw_buf *b, const char *csrf)
{
    gw_buf_puts(b, "<h2>Your decision</h2><form method=\"post\">");
    if (csrf) /* signed in: the session's token comes back with the form */
        gw_buf_printf(b, "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">", csrf);
    gw_buf_puts(b, "<p><label for=\"comment\">"
                   "Comment (required to request changes or reject; optional to approve)"
                   "</label></p><p class=\"hint\" id=\"comment-hint\">The author reads it. "
                   "Say what must change, or why the course should not go ahead.</p>"
                   "<textarea id=\"comment\" name=\"comment\" rows=\"5\" "
                   "aria-describedby=\"comment-hint\"></textarea><div class=\"buttons\">"
                   "<button type=\"submit\" class=\"approve\" name=\"decision\" "
                   "value=\"approve\">Approve</button><button type=\"submit\" "
                   "class=\"changes\" name=\"decision\" value=\"request_changes\">Request "
                   "changes</button><button type=\"submit\" class=\"reject\" "
                   "name=\"decision\" value=\"reject\">Reject</button></div></form><p>"
                   "Nothing is decided until you press a button.</p>");
}

/* The top: what is asked, of whom, by when. */
static void ask_html(struct gw_buf *b, const struct gw_round_page *p, size_t me, bool delegate,
                     int64_t now, int64_t link_expires)
{
    gw_buf_puts(b, "<p>");
    gw_buf_html(b, p->department);
    gw_buf_printf(b,
                  " asks for approval of this course (version %lld, %s) before it goes live "
                  "on the LMS.</p><p>You decide as <strong>",
                  (long long)p->version_number, standard_words(p->standard));
    const struct gw_review_approver *a = &p->round.approvers[me];
    if (delegate) {
        gw_buf_html(b,
                    p->people[me].delegate_name ? p->people[me].delegate_name : "their delegate");
        gw_buf_puts(b, "</strong>, on behalf of <strong>");
    }
    gw_buf_html(b, person_name(p, me));
    gw_buf_puts(b, "</strong>.</p>");
    if (a->decision.kind == GW_REVIEW_PENDING && a->due_ms > 0) {
        char left[64];
        gw_review_due_words(a->due_ms, now, left, sizeof left);
        gw_buf_puts(b, "<p class=\"due\">Your decision is due <strong>");
        date_html(b, a->due_ms);
        gw_buf_printf(b, "</strong> (%s).</p>", left);
    } else if (a->decision.kind == GW_REVIEW_PENDING) {
        gw_buf_puts(b, "<p class=\"due\">Your decision has no due date.</p>");
    }
    if (link_expires <= 0)
        return; /* signed in: no link to expire */
    char when[32];
    gw_time_format_ms(link_expires, when);
    gw_buf_puts(b, "<p>This link works until ");
    date_html(b, link_expires);
    gw_buf_printf(b, ", %.5s UTC.</p>", when + 11);
}

/* The review page's script: shows what the course reports, as posted by the
 * player (web/player/player.js) from the content origin. Each line keeps
 * the call, element and value it came from in data- attributes. */
static const char REPORT_JS[] =
    "(function(){var origin=document.getElementById('course').dataset.origin;"
    "var frame=document.getElementById('course');var list=document.getElementById('reported');"
    "var empty=document.getElementById('reported-none');var last='';var words={"
    "'cmi.core.lesson_status':'Status','cmi.completion_status':'Completion',"
    "'cmi.success_status':'Result','cmi.core.score.raw':'Score','cmi.score.raw':'Score',"
    "'cmi.score.scaled':'Score (0 to 1)','cmi.core.lesson_location':'Bookmark',"
    "'cmi.location':'Bookmark','cmi.suspend_data':'Progress saved',"
    "'cmi.core.exit':'Exit','cmi.exit':'Exit','cmi.progress_measure':'Progress'};"
    "function text(d){if(d.kind==='launch')return 'Opened: '+d.title;"
    "if(d.kind==='initialize')return 'The course started and found the LMS interface ('+d.call+')';"
    "if(d.kind==='commit')return 'The course saved its data ('+d.call+')';"
    "if(d.kind==='finish')return 'The course ended its session ('+d.call+')';"
    "if(d.kind==='statement'){var r=d.result||{};var t='The course sent: '+d.verb+' "
    "'+(d.object||'');"
    "var sc=r.score;if(sc&&sc.raw!=null)t+=', score '+sc.raw;"
    "else if(sc&&sc.scaled!=null)t+=', score '+Math.round(sc.scaled*100)+'%';"
    "if(r.success!=null)t+=r.success?', passed':', failed';"
    "if(r.completion)t+=', completed';"
    "return t;}"
    "if(d.kind==='set'){if(/session_time|total_time|interactions\\./.test(d.element))return null;"
    "var w=words[d.element];if(!w)return null;"
    "return w==='Progress saved'?w:w+': '+d.value;}return null;}"
    "window.addEventListener('message',function(ev){var d=ev.data;"
    "if(ev.origin!==origin||ev.source!==frame.contentWindow||!d||d.source!=='lmsgw-player')return;"
    "var li=document.createElement('li');li.dataset.kind=String(d.kind||'');"
    "li.dataset.call=String(d.call||'');li.dataset.element=String(d.element||'');"
    "li.dataset.value=String(d.value==null?'':d.value);li.dataset.verb=String(d.verb||'');"
    "var t=text(d);var key=d.kind+'|'+d.element+'|'+d.value+'|'+d.verb;"
    "if(key===last&&d.kind==='set')return;last=key;"
    "if(!t){li.hidden=true;}else{li.textContent=t;if(empty)empty.remove();empty=null;}"
    "list.appendChild(li);while(list.children.length>200)list.removeChild(list.firstChild);});"
    "})();";

/* The course, running in a frame from the content origin under a fresh
 * preview capability. Returns false (and writes nothing) when one cannot be
 * made. */
static bool course_html(struct gw_buf *b, struct gw_req *req, const struct gw_round_page *p,
                        const struct gw_review_token_claims *c, int64_t now, const char *nonce)
{
    struct gw_preview_cap cap = {0};
    snprintf(cap.round_id, sizeof cap.round_id, "%s", c->round_id);
    snprintf(cap.approver_id, sizeof cap.approver_id, "%s", c->approver_id);
    snprintf(cap.sha256, sizeof cap.sha256, "%s", p->sha256);
    cap.expires_ms = now + GW_PREVIEW_CAP_TTL_MS;
    uint8_t key[32];
    char token[GW_REVIEW_TOKEN_MAX];
    struct gw_error e;
    gw_error_clear(&e);
    if (gw_store_review_key(req->srv->store, key, &e) != GW_OK ||
        gw_preview_cap_make(key, sizeof key, &cap, token, sizeof token, &e) != GW_OK) {
        gw_log_warn("review page: no course preview: %s", e.detail);
        return false;
    }
    const char *origin = req->srv->content_url;
    const char *host = strstr(origin, "://");
    host = host ? host + 3 : origin;
    int origin_len = (int)(host - origin) + (int)strcspn(host, "/?#");
    gw_buf_puts(b, "<h2>The course</h2><p>The course runs here as learners will see it. "
                   "Nothing you do in it counts as a learner's result.</p>"
                   "<iframe class=\"course\" id=\"course\" title=\"The course: ");
    gw_buf_html(b, p->course_title);
    gw_buf_printf(b,
                  "\" src=\"%s/c/%s/play\" data-origin=\"%.*s\" referrerpolicy=\"no-referrer\" "
                  "sandbox=\"allow-scripts allow-same-origin allow-forms allow-popups "
                  "allow-modals allow-downloads\" allow=\"fullscreen; autoplay\"></iframe>"
                  "<p><a href=\"%s/c/%s/play\" target=\"_blank\" rel=\"noopener noreferrer\">"
                  "Open the course in a new tab</a> (what it reports is then not shown "
                  "here).</p><h3>What the course reported</h3><ul id=\"reported\" "
                  "aria-live=\"polite\"><li id=\"reported-none\">Nothing yet: start the "
                  "course above.</li></ul><script nonce=\"%s\">%s</script>",
                  origin, token, origin_len, origin, origin, token, nonce, REPORT_JS);
    return true;
}

/* me: the slot the link's person decides for (gw_review_round_find). */
static void review_page(struct gw_buf *b, struct gw_req *req, const struct gw_round_page *p,
                        const struct gw_review_approver *mine,
                        const struct gw_review_token_claims *c, int64_t now, const char *nonce,
                        bool *with_course)
{
    size_t me = (size_t)(mine - p->round.approvers);
    bool delegate = strcmp(mine->person_id, c->approver_id) != 0;
    char title[400];
    snprintf(title, sizeof title, "Review: %s", p->course_title);
    page_start(b, title);
    ask_html(b, p, me, delegate, now, c->expires_ms);
    business_case_html(b, p);
    *with_course = p->sha256[0] && course_html(b, req, p, c, now, nonce);
    approvers_html(b, p, me, now);
    changes_html(b, p->changes);
    findings_html(b, p);
    if (p->round.closed) {
        gw_buf_puts(b, "<h2>Your decision</h2><p class=\"error\">");
        gw_buf_html(b, closed_words(p->state));
        gw_buf_puts(b, "</p>");
    } else if (mine->decision.kind != GW_REVIEW_PENDING) {
        gw_buf_printf(b, "<h2>Your decision</h2><p>You already decided: %s on ",
                      gw_review_decision_words(mine->decision.kind));
        date_html(b, mine->decision.at_ms);
        gw_buf_puts(b, ".</p>");
    } else {
        form_html(b, req->who.session ? req->who.csrf : NULL);
    }
}

static void show_page(struct gw_req *req, struct gw_reply *rep,
                      const struct gw_review_token_claims *cl, int64_t now);

void gw_api_review_link_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    gw_error_clear(&e);
    int64_t now = gw_clock_now_ms(&req->srv->clock);
    struct gw_review_token_claims c;
    bool used = false;
    enum gw_err rc = verify(req, now, &c, &e);
    if (rc == GW_OK)
        rc = gw_store_review_nonce_used(req->srv->store, c.nonce, &used, &e);
    if (rc == GW_OK && used)
        rc = gw_error_set(&e, GW_E_REVIEW_TOKEN_USED, "token",
                          "this link was already used to decide; each link takes one decision");
    if (rc != GW_OK) {
        error_page(rep, &e);
        return;
    }
    show_page(req, rep, &c, now);
}

/* The page for the claims' round and approver (a verified link's, or a
 * signed-in approver's). */
static void show_page(struct gw_req *req, struct gw_reply *rep,
                      const struct gw_review_token_claims *cl, int64_t now)
{
    struct gw_error e;
    gw_error_clear(&e);
    struct gw_review_token_claims c = *cl;
    struct gw_round_page p;
    enum gw_err rc = gw_store_round_page(req->srv->store, c.round_id, &p, &e);
    bool loaded = true;
    /* a link minted for someone the round does not name shows nothing */
    const struct gw_review_approver *mine =
        rc == GW_OK ? gw_review_round_find(&p.round, c.approver_id) : NULL;
    if (rc == GW_OK && !mine)
        rc = gw_error_set(&e, GW_E_REVIEW_NOT_APPROVER, req->who.session ? "round" : "token",
                          req->who.session
                              ? "you are not an approver of this review round"
                              : "this link is for someone who is not an approver of this round");
    if (rc != GW_OK) {
        if (loaded)
            gw_round_page_free(&p);
        error_page(rep, &e);
        return;
    }
    uint8_t raw[16];
    char nonce[33];
    gw_random_bytes(raw, sizeof raw);
    gw_hex(raw, sizeof raw, nonce);
    struct gw_buf b = {0};
    bool with_course = false;
    review_page(&b, req, &p, mine, &c, now, nonce, &with_course);
    gw_round_page_free(&p);
    if (!with_course) {
        send_page(rep, 200, &b);
        return;
    }
    /* the course's frame from the content origin, and this page's one script */
    const char *origin = req->srv->content_url;
    const char *host = strstr(origin, "://");
    host = host ? host + 3 : origin;
    struct gw_buf csp = {0};
    gw_buf_printf(&csp,
                  "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-%s'; "
                  "frame-src %.*s; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
                  nonce, (int)(host - origin) + (int)strcspn(host, "/?#"), origin);
    send_page_csp(rep, 200, &b, gw_buf_str(&csp));
    gw_buf_free(&csp);
}

static void record_decision(struct gw_req *req, struct gw_reply *rep,
                            const struct gw_review_token_claims *cl, int64_t now, bool link);

void gw_api_review_link_post(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    gw_error_clear(&e);
    int64_t now = gw_clock_now_ms(&req->srv->clock);
    struct gw_review_token_claims c;
    enum gw_err rc = verify(req, now, &c, &e);
    if (rc != GW_OK) {
        error_page(rep, &e);
        return;
    }
    record_decision(req, rep, &c, now, true);
}

/* The page's form POSTed: the decision recorded once (a link's nonce marked
 * used in the same transaction), as the link's approver or the signed-in
 * one. */
static void record_decision(struct gw_req *req, struct gw_reply *rep,
                            const struct gw_review_token_claims *cl, int64_t now, bool link)
{
    struct gw_error e;
    gw_error_clear(&e);
    struct gw_review_token_claims c = *cl;
    enum gw_review_decision_kind kind = GW_REVIEW_PENDING;
    enum gw_err rc = GW_OK;
    json_t *form = gw_form_parse(gw_buf_str(&req->body), req->body.len, &e);
    if (!form)
        rc = e.code;
    const char *decision = json_string_value(json_object_get(form, "decision"));
    const char *comment = json_string_value(json_object_get(form, "comment"));
    /* only what the page offers: approve, request changes, reject (issue 15) */
    if (rc == GW_OK &&
        (!decision || !gw_review_decision_parse(decision, &kind) || kind == GW_REVIEW_PENDING))
        rc = gw_error_set(&e, GW_E_REVIEW_DECISION_INVALID, "decision",
                          "press Approve, Request changes or Reject");
    const char *csrf = json_string_value(json_object_get(form, "csrf_token"));
    if (rc == GW_OK && req->who.session &&
        (!csrf || strlen(csrf) != strlen(req->who.csrf) ||
         !gw_ct_equal(csrf, req->who.csrf, strlen(csrf))))
        rc = gw_error_set(&e, GW_E_CSRF_REJECTED, "csrf_token",
                          "the form did not come from your review page: open it again");
    if (rc == GW_OK)
        rc = gw_review_token_allows(&c, kind, &e);
    struct gw_decide_result res = {0};
    if (rc == GW_OK) {
        struct gw_decide_request rq = {0};
        rq.round_id = c.round_id;
        rq.actor_id = c.approver_id;
        rq.kind = kind;
        rq.comment = comment && *comment ? comment : NULL;
        rq.via = link ? GW_REVIEW_VIA_LINK : GW_REVIEW_VIA_API;
        rq.nonce = link ? c.nonce : NULL;
        rq.who.actor = c.approver_id;
        rq.who.via = link ? "link" : req->who.session ? "session" : "api";
        rq.who.address = req->remote_addr;
        rq.who.link_nonce = link ? c.nonce : NULL;
        rq.who.key_id = link ? NULL : req->who.key_id;
        rc = gw_app_review_decide(req->srv->store, &rq, now, &res, &e);
    }
    json_decref(form);
    if (rc != GW_OK) {
        error_page(rep, &e);
        return;
    }
    struct gw_buf b = {0};
    page_start(&b, "Thank you");
    if (res.rec == GW_REVIEW_ALREADY_RECORDED)
        gw_buf_puts(&b, "<p>You had already decided this; nothing changed. Your decision: "
                        "<strong>");
    else
        gw_buf_puts(&b, "<p>Your decision was recorded: <strong>");
    gw_buf_html(&b, gw_review_decision_name(kind));
    gw_buf_puts(&b, "</strong>. The course is now <strong>");
    gw_buf_html(&b, res.course_state);
    gw_buf_puts(&b, "</strong>.</p>");
    send_page(rep, 200, &b);
}

/* ---- the same page for a signed-in approver: /review/{round} ---- */

/* The claims a signed-in approver's page works with: their round, all three
 * decisions, no link to expire. */
static void session_claims(const struct gw_req *req, struct gw_review_token_claims *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->round_id, sizeof c->round_id, "%s", req->params[0]);
    snprintf(c->approver_id, sizeof c->approver_id, "%s", req->who.person_id);
    c->actions =
        GW_REVIEW_ACTION_APPROVE | GW_REVIEW_ACTION_REQUEST_CHANGES | GW_REVIEW_ACTION_REJECT;
}

/* A key that belongs to no person finds itself among no round's
 * approvers (after an unknown round's 404). */
void gw_api_review_app_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_review_token_claims c;
    session_claims(req, &c);
    show_page(req, rep, &c, gw_clock_now_ms(&req->srv->clock));
}

void gw_api_review_app_post(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_review_token_claims c;
    session_claims(req, &c);
    record_decision(req, rep, &c, gw_clock_now_ms(&req->srv->clock), false);
}
