/* The server context: everything a running gateway owns (configuration,
 * store, clock, metrics, the key cache, the HTTP daemon). There is no other
 * mutable global state; handlers reach everything through req->srv. */
#ifndef GW_SERVER_H
#define GW_SERVER_H

#include "gw/clock.h"
#include "gw/config.h"
#include "gw/error.h"
#include "gw/http.h"
#include "gw/store.h"

#include <pthread.h>
#include <stdatomic.h>

struct gw_metrics;
struct gw_auth_cache;
struct gw_batcher;
struct gw_xapi_index;
struct gw_conn_guard;
struct gw_notifier;

/* What libmicrohttpd's callbacks get: the server and which listener the
 * request came to (the gateway's, or the content origin's, which serves only
 * routes flagged GW_ROUTE_CONTENT; gw/preview.h). */
struct gw_listener {
    struct gw_server *srv;
    bool content;
    void *daemon; /* struct MHD_Daemon */
    int fd;
    int port; /* the port actually bound */
};

struct gw_server {
    struct gw_config *cfg; /* borrowed */
    struct gw_store *store;
    struct gw_clock clock;
    struct gw_metrics *metrics;
    struct gw_auth_cache *auth;
    struct gw_batcher *writer;    /* group commit for xAPI statements */
    struct gw_xapi_index *xindex; /* SQLite: the deferred statement index, or NULL (inline) */
    char public_url[512];         /* cfg public_url, or http://address:port once bound */
    char web_root[1024];          /* the dashboard's files */
    void *daemon;                 /* struct MHD_Daemon */
    int listen_fd;
    int port;                   /* the port actually bound */
    struct gw_listener main_l;  /* callbacks' context for the gateway's listener */
    struct gw_listener content; /* the content origin's listener */
    char content_url[512];      /* cfg content_url, or http://address:content port once bound */
    atomic_int in_flight;
    atomic_bool shutting_down;
    struct gw_conn_guard *guard; /* head deadlines, connection count (gw/conn_guard.h) */
    atomic_llong body_bytes;     /* request bodies held in memory (max_inflight_body_bytes) */
    atomic_ullong overloaded;    /* 503s for a full connection or body budget */
    int64_t started_ms;
    /* Called after a request of our own API changed something (a 2xx answer
     * to POST, PUT, PATCH or DELETE outside the xAPI routes): notices it
     * queued (a round's "please review", "changes requested") leave now, not
     * at the scheduler's next pass. serve sets it to gw_scheduler_wake. */
    void (*on_change)(void *ud);
    void *on_change_ud;
    /* How mail leaves (sign-in links); serve sets it; NULL: logged only. */
    const struct gw_notifier *notifier;
};

/* Builds the context for cfg and an open, migrated store (borrowed: the caller
 * keeps ownership of both). Does not listen yet. */
struct gw_server *gw_server_new(struct gw_config *cfg, struct gw_store *store,
                                struct gw_error *err);
/* Binds listen_address:port and the content origin's port (so a port in use
 * fails before anything else happens); srv->port and srv->content.port then
 * hold the bound ports. */
enum gw_err gw_server_bind(struct gw_server *srv, struct gw_error *err);
/* Starts the worker threads on the bound socket (binding first if needed). */
enum gw_err gw_server_start(struct gw_server *srv, struct gw_error *err);
/* Stops accepting, lets in-flight requests finish (up to shutdown_grace_s),
 * then stops the daemon. */
void gw_server_stop(struct gw_server *srv);
void gw_server_free(struct gw_server *srv);

#endif
