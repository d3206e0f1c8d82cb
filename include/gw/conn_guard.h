/* The connection guard: what keeps slow or many connections from starving
 * the HTTP workers (issue 13, slow-loris).
 *
 * libmicrohttpd's connection timeout is an idle timeout: a client that sends
 * one header line every few seconds keeps a connection forever. The guard
 * gives every connection a deadline for the head of its next request (request
 * line and headers): counted from the connection's opening, or from the end
 * of its previous reply on a kept-alive connection. A request being handled
 * (its head complete, a body arriving, a deferred reply waiting) has no
 * deadline. A sweeper thread answers 408 to connections past their deadline
 * (a kept-alive one idle since its last reply gets no 408, only the close)
 * and shuts their socket down; libmicrohttpd then sees the end of the stream
 * and closes the connection itself, so the guard never closes a descriptor.
 *
 * It also counts the open connections: those beyond the soft limit are
 * marked, so the daemon answers their request 503 with Retry-After instead
 * of serving it (libmicrohttpd's hard limit sits above the soft one, and at
 * the hard limit it stops accepting, which a client sees as a hang). Marked
 * connections get a shorter head deadline, so the headroom frees quickly.
 *
 * Thread safety: every function may be called from any thread. */
#ifndef GW_CONN_GUARD_H
#define GW_CONN_GUARD_H

#include <stdbool.h>
#include <stdint.h>

struct gw_conn_guard;
struct gw_conn;

/* A guard with a sweeper thread. header_timeout_ms: the head deadline;
 * soft_limit: connections served at once (0: no limit). NULL when the thread
 * cannot start. */
struct gw_conn_guard *gw_conn_guard_new(int64_t header_timeout_ms, int64_t soft_limit);
/* Stops the sweeper. Every connection must have been closed first. */
void gw_conn_guard_free(struct gw_conn_guard *g);

/* A connection on socket fd was accepted; returns its record (never NULL). */
struct gw_conn *gw_conn_guard_open(struct gw_conn_guard *g, int fd);
/* The connection is being closed (its socket is still open): forgets c. */
void gw_conn_guard_close(struct gw_conn_guard *g, struct gw_conn *c);
/* The head of a request on c is complete: no deadline while it is handled.
 * Returns false when c is over the soft limit or was already shut down for
 * its deadline: the request must not run (answer 503 and close). */
bool gw_conn_guard_request_started(struct gw_conn_guard *g, struct gw_conn *c);
/* The request on c is finished: the next head is due within the timeout. */
void gw_conn_guard_request_done(struct gw_conn_guard *g, struct gw_conn *c);

/* Open connections now; connections closed for a late head so far. */
int64_t gw_conn_guard_open_count(struct gw_conn_guard *g);
uint64_t gw_conn_guard_timed_out_total(struct gw_conn_guard *g);

#endif
