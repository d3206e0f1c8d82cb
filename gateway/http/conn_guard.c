/* conn_guard.c: head deadlines and the connection count (see
 * gw/conn_guard.h). Owns the list of open connections and the sweeper
 * thread; does not own the sockets (libmicrohttpd does). */
#include "gw/conn_guard.h"
#include "gw/buf.h"
#include "gw/timefmt.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

/* A connection over the soft limit has this long at most to send its head:
 * a real client sends it right after connecting. */
enum { OVERFLOW_HEAD_MS = 2000 };

struct gw_conn {
    struct gw_conn *prev, *next;
    int fd;
    int64_t deadline_us; /* 0 while a request is handled */
    bool overflow;       /* opened beyond the soft limit */
    bool served;         /* a request was answered: the next one may never come */
    bool swept;          /* shut down by the sweeper */
};

struct gw_conn_guard {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    pthread_t sweeper;
    bool stop;
    int64_t timeout_us;
    int64_t soft_limit;
    int64_t open;
    uint64_t timed_out;
    struct gw_conn head; /* circular list sentinel */
};

static const char REPLY_408[] = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                                "Content-Length: 0\r\n\r\n";

/* Called with g->mu held; the sockets stay open until gw_conn_guard_close,
 * which takes the same lock, so fd is the connection's. */
static void sweep(struct gw_conn_guard *g, int64_t now)
{
    for (struct gw_conn *c = g->head.next; c != &g->head; c = c->next) {
        if (c->swept || !c->deadline_us || now < c->deadline_us)
            continue;
        /* No request is being answered on c, so nothing else writes to it.
         * A kept-alive connection idle since its last reply is just closed,
         * as keep-alive closes are (clients retry those). */
        if (!c->served) {
            ssize_t w = send(c->fd, REPLY_408, sizeof REPLY_408 - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)w;
        }
        shutdown(c->fd, SHUT_RDWR);
        c->swept = true;
        g->timed_out++;
    }
}

static void *sweeper_main(void *ud)
{
    struct gw_conn_guard *g = ud;
    int64_t period_us = g->timeout_us / 4;
    if (period_us > 1000000)
        period_us = 1000000;
    if (period_us < 50000)
        period_us = 50000;
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = ts.tv_nsec + (period_us % 1000000) * 1000;
        ts.tv_sec += (time_t)(period_us / 1000000 + ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        int rc = pthread_cond_timedwait(&g->wake, &g->mu, &ts);
        if (rc != 0 && rc != ETIMEDOUT)
            break;
        if (!g->stop)
            sweep(g, gw_time_mono_us());
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

struct gw_conn_guard *gw_conn_guard_new(int64_t header_timeout_ms, int64_t soft_limit)
{
    struct gw_conn_guard *g = gw_xcalloc(1, sizeof *g);
    g->timeout_us = header_timeout_ms * 1000;
    g->soft_limit = soft_limit;
    g->head.next = g->head.prev = &g->head;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&g->sweeper, NULL, sweeper_main, g) != 0) {
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->mu);
        free(g);
        return NULL;
    }
    return g;
}

void gw_conn_guard_free(struct gw_conn_guard *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->sweeper, NULL);
    /* connections still listed (none when the daemon stopped first) */
    while (g->head.next != &g->head) {
        struct gw_conn *c = g->head.next;
        g->head.next = c->next;
        free(c);
    }
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

struct gw_conn *gw_conn_guard_open(struct gw_conn_guard *g, int fd)
{
    struct gw_conn *c = gw_xcalloc(1, sizeof *c);
    c->fd = fd;
    int64_t now = gw_time_mono_us();
    pthread_mutex_lock(&g->mu);
    g->open++;
    c->overflow = g->soft_limit > 0 && g->open > g->soft_limit;
    int64_t t = g->timeout_us;
    if (c->overflow && t > OVERFLOW_HEAD_MS * 1000)
        t = OVERFLOW_HEAD_MS * 1000;
    c->deadline_us = now + t;
    c->prev = g->head.prev;
    c->next = &g->head;
    g->head.prev->next = c;
    g->head.prev = c;
    pthread_mutex_unlock(&g->mu);
    return c;
}

void gw_conn_guard_close(struct gw_conn_guard *g, struct gw_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->mu);
    c->prev->next = c->next;
    c->next->prev = c->prev;
    g->open--;
    pthread_mutex_unlock(&g->mu);
    free(c);
}

bool gw_conn_guard_request_started(struct gw_conn_guard *g, struct gw_conn *c)
{
    if (!c)
        return true;
    pthread_mutex_lock(&g->mu);
    c->deadline_us = 0;
    bool ok = !c->overflow && !c->swept;
    pthread_mutex_unlock(&g->mu);
    return ok;
}

void gw_conn_guard_request_done(struct gw_conn_guard *g, struct gw_conn *c)
{
    if (!c)
        return;
    int64_t now = gw_time_mono_us();
    pthread_mutex_lock(&g->mu);
    c->deadline_us = now + g->timeout_us;
    c->served = true;
    pthread_mutex_unlock(&g->mu);
}

int64_t gw_conn_guard_open_count(struct gw_conn_guard *g)
{
    pthread_mutex_lock(&g->mu);
    int64_t n = g->open;
    pthread_mutex_unlock(&g->mu);
    return n;
}

uint64_t gw_conn_guard_timed_out_total(struct gw_conn_guard *g)
{
    pthread_mutex_lock(&g->mu);
    uint64_t n = g->timed_out;
    pthread_mutex_unlock(&g->mu);
    return n;
}
