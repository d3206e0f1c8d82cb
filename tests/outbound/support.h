/* support.h: what the outbound tests share: the real lmssim binary started on
 * a free port (and stopped), its control API, test zips, and the SMTP sink. */
#ifndef OUTBOUND_SUPPORT_H
#define OUTBOUND_SUPPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sim {
    pid_t pid;
    char base_url[128];
};

/* Starts $GW_LMSSIM_BIN --port 0 and reads its "listening on" line. */
bool sim_start(struct sim *s);
void sim_stop(struct sim *s);
/* POST /_sim/reset. */
bool sim_reset(const struct sim *s);
/* POST /_sim/faults with json text. */
bool sim_fault(const struct sim *s, const char *json);
/* POST /_sim/config with json text. */
bool sim_config(const struct sim *s, const char *json);
/* GET /_sim/state (new reference) or NULL. */
json_t *sim_state(const struct sim *s);
/* The number of calls recorded for endpoint name (0 when none). */
long sim_calls(const json_t *state, const char *endpoint);

/* Writes a zip with imsmanifest.xml (SCORM 1.2, title) into dir; returns a
 * heap path. extra changes the content (so versions differ). */
char *make_scorm_zip(const char *dir, const char *name, const char *title, const char *extra);

/* The SMTP sink (smtp_sink.c): a thread on 127.0.0.1:port speaking enough
 * SMTP for curl; it records the last message. Refuses RCPT TO addresses that
 * start with "refuse". Offers AUTH PLAIN, never STARTTLS. */
struct smtp_sink;
struct smtp_sink *smtp_sink_start(int *port);
void smtp_sink_stop(struct smtp_sink *s);
/* Copies of what the sink recorded of the last message (caller frees). */
char *smtp_sink_data(struct smtp_sink *s);
char *smtp_sink_envelope(struct smtp_sink *s); /* "MAIL FROM:<..>\nRCPT TO:<..>\n" */
/* Every message the sink received: for each, its envelope lines, its DATA
 * and a line "<<end of message>>" (caller frees). */
char *smtp_sink_all(struct smtp_sink *s);
/* Every AUTH line (and response line) the sink ever received. */
char *smtp_sink_auth(struct smtp_sink *s);

#endif
