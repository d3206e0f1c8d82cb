/* support.c: lmssim process control, its control API over our own HTTP
 * client, and test zips written with libzip. */
#include "support.h"

#include "gw/buf.h"
#include "gw/outbound.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

bool sim_start(struct sim *s)
{
    const char *bin = getenv("GW_LMSSIM_BIN");
    int fds[2];
    memset(s, 0, sizeof *s);
    if (!bin || pipe(fds) != 0) {
        fprintf(stderr, "GW_LMSSIM_BIN is not set\n");
        return false;
    }
    s->pid = fork();
    if (s->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the test */
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(bin, bin, "--port", "0", "--import-polls", "1", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[256] = "";
    bool ok = f && fgets(line, sizeof line, f) != NULL;
    if (f)
        fclose(f);
    const char *u = strstr(line, "http://");
    if (!ok || !u) {
        fprintf(stderr, "lmssim did not start: %s\n", line);
        return false;
    }
    snprintf(s->base_url, sizeof s->base_url, "%s", u);
    s->base_url[strcspn(s->base_url, "\r\n")] = '\0';
    return true;
}

void sim_stop(struct sim *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
}

static bool control(const struct sim *s, const char *method, const char *path, const char *body,
                    json_t **out)
{
    char url[256];
    struct gw_http_response resp = {0};
    const char *headers[] = {"Content-Type: application/json", NULL};
    snprintf(url, sizeof url, "%s%s", s->base_url, path);
    struct gw_http_request rq = {.method = method,
                                 .url = url,
                                 .headers = headers,
                                 .body = body,
                                 .body_len = body ? strlen(body) : 0,
                                 .timeout_ms = 10000,
                                 .max_response = 16 * 1024 * 1024};
    bool ok = gw_http_perform(&rq, 0, &resp, NULL) == GW_OK && resp.status < 300;
    if (ok && out)
        *out = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
    gw_http_response_free(&resp);
    return ok;
}

bool sim_reset(const struct sim *s)
{
    return control(s, "POST", "/_sim/reset", "{}", NULL);
}

bool sim_fault(const struct sim *s, const char *json)
{
    return control(s, "POST", "/_sim/faults", json, NULL);
}

bool sim_config(const struct sim *s, const char *json)
{
    return control(s, "POST", "/_sim/config", json, NULL);
}

json_t *sim_state(const struct sim *s)
{
    json_t *j = NULL;
    control(s, "GET", "/_sim/state", NULL, &j);
    return j;
}

long sim_calls(const json_t *state, const char *endpoint)
{
    return (long)json_integer_value(json_object_get(json_object_get(state, "calls"), endpoint));
}

char *make_scorm_zip(const char *dir, const char *name, const char *title, const char *extra)
{
    struct gw_buf path = {0};
    gw_buf_printf(&path, "%s/%s", dir, name);
    char *manifest = gw_xmalloc(2048), *page = gw_xmalloc(512);
    snprintf(manifest, 2048,
             "<?xml version=\"1.0\"?>\n<manifest identifier=\"m-%s\" version=\"1.0\" "
             "xmlns=\"http://www.imsproject.org/xsd/imscp_rootv1p1p2\"><metadata><schema>ADL "
             "SCORM</schema><schemaversion>1.2</schemaversion></metadata><organizations "
             "default=\"o\"><organization identifier=\"o\"><title>%s</title><item "
             "identifier=\"i\" identifierref=\"r\"><title>%s</title></item></organization>"
             "</organizations><resources><resource identifier=\"r\" type=\"webcontent\" "
             "adlcp:scormtype=\"sco\" href=\"index.html\"/></resources></manifest>",
             name, title, title);
    snprintf(page, 512, "<html><body>%s %s</body></html>", title, extra ? extra : "");
    int zerr = 0;
    zip_t *z = zip_open(path.data, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    zip_source_t *a = zip_source_buffer(z, manifest, strlen(manifest), 0);
    zip_file_add(z, "imsmanifest.xml", a, ZIP_FL_OVERWRITE);
    zip_source_t *b = zip_source_buffer(z, page, strlen(page), 0);
    zip_file_add(z, "index.html", b, ZIP_FL_OVERWRITE);
    zip_close(z);
    free(manifest);
    free(page);
    return path.data;
}
