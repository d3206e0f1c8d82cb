/* xapi_bench: a load generator for POST /xapi/statements. It starts the real
 * lmsgw (SQLite in a temporary directory, or the PostgreSQL DSN given with
 * --pg), creates an lms key, and posts realistic ~1.5 KB statements (varied
 * actor, verb, object, result, context with parent/grouping/category and
 * extensions) from C concurrent keep-alive connections driven by one epoll
 * loop: first single statements, then batches of 10 and of 100. For each
 * scenario it prints statements/s, the p50/p99 latency of one request and
 * the server's peak RSS (VmHWM, reset between scenarios via clear_refs) and
 * the server's CPU time per statement (all threads, user + system: steadier
 * than the rate when the machine is busy).
 * Every request body is built before the clock starts; the run is bounded
 * (--statements per scenario) and stops by itself. Targets are reported by
 * the caller, never asserted here.
 *
 * --burst N instead posts N batches of 10,000 statements (about 15 MB each,
 * under the default max_xapi_body) at once on N connections, and prints how
 * many were stored and how many refused 503 (the max_inflight_body_bytes
 * budget; --budget BYTES sets it), the peak RSS, and the RSS once idle.
 *
 *   xapi_bench [--lmsgw PATH] [--pg DSN] [--statements N] [--clients C]
 *              [--batches 1,10,100] [--keep] [--no-access-log] [--no-dedup]
 *              [--burst N [--budget BYTES]] [--sustained N] [--instances K]
 *              [--pg-pid PID]
 * --no-dedup creates the key with --dedup-window 0 (lms keys deduplicate
 * id-less statements by default since migration 0012).
 *
 * --sustained N posts N statements per batch size (e.g. 1,000,000 with
 * --batches 100), each request built as it is sent (no N statements in
 * memory), prints the rate of every tenth of the run, and ends only when the
 * deferred index has caught up (where there is one): the sustained figure,
 * against the burst of a short run. --instances K (PostgreSQL) starts K
 * servers on the one database and shares the connections out among them;
 * CPU and RSS are then the servers' sums.
 *
 * --pg-pid PID (the postmaster's, e.g. the first line of postmaster.pid)
 * adds PostgreSQL's CPU per statement: the postmaster's own and reaped
 * children's time plus every live child's (backends, WAL writer,
 * checkpointer), all users of that server included.
 */
#include "gw/hash.h"
#include "statement_gen.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct opts {
    const char *lmsgw;
    const char *pg;
    long statements;
    int clients;
    int batches[8];
    int n_batches;
    bool keep;
    bool access_log;
    bool no_dedup;
    int burst;        /* --burst N: N concurrent 15 MB batches */
    long sustained;   /* --sustained N: N statements built as they are sent */
    int instances;    /* --instances K: K servers on one database (PostgreSQL) */
    long long budget; /* max_inflight_body_bytes; 0: the default */
    pid_t pg_pid;     /* --pg-pid: the postmaster, for PostgreSQL's CPU */
};

struct server {
    pid_t pid;
    int port;
    char dir[256];
    char auth[256]; /* base64 of key_id:secret */
};

static void die(const char *what)
{
    fprintf(stderr, "xapi_bench: %s\n", what);
    exit(2);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the server ---- */

static bool write_config(const struct opts *o, struct server *s, char *path, size_t cap)
{
    json_t *cfg = json_pack("{s:s, s:i, s:s+, s:b}", "listen_address", "127.0.0.1", "port", 0,
                            "data_dir", s->dir, "/data", "access_log", o->access_log);
    if (o->pg)
        json_object_set_new(cfg, "database", json_string(o->pg));
    if (o->budget)
        json_object_set_new(cfg, "max_inflight_body_bytes", json_integer(o->budget));
    snprintf(path, cap, "%s/config.json", s->dir);
    int rc = json_dump_file(cfg, path, JSON_INDENT(2));
    json_decref(cfg);
    return rc == 0;
}

static char *run_capture(const char *const argv[])
{
    int p[2];
    if (pipe(p) != 0)
        return NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        close(p[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ssize_t n;
    while ((n = read(p[0], buf + len, cap - len - 1)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Starts one lmsgw; a second instance (first non-NULL) shares the first's
 * database and key. */
static void start_server(const struct opts *o, struct server *s, const struct server *first)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/lmsgw-bench.XXXXXX");
    if (!mkdtemp(s->dir))
        die("cannot create a temporary directory");
    char cfg[512];
    if (!write_config(o, s, cfg, sizeof cfg))
        die("cannot write config.json");
    /* only migrate and serve create the database; key create needs it */
    const char *margs[] = {o->lmsgw, "--config", cfg, "migrate", NULL};
    char *mout = run_capture(margs);
    if (!mout)
        die("lmsgw migrate failed (is --lmsgw right? is the database reachable?)");
    free(mout);
    if (first) {
        snprintf(s->auth, sizeof s->auth, "%s", first->auth);
        goto serve;
    }
    const char *kargs[] = {o->lmsgw,         "--config", cfg,      "key",   "create",
                           "--role",         "lms",      "--name", "bench", "--json",
                           "--dedup-window", "0",        NULL};
    if (!o->no_dedup)
        kargs[10] = NULL;
    char *out = run_capture(kargs);
    json_t *k = out ? json_loads(out, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(k, "key_id"));
    const char *secret = json_string_value(json_object_get(k, "secret"));
    if (!id || !secret)
        die("lmsgw key create failed (is --lmsgw right? is the database reachable?)");
    char pair[256];
    snprintf(pair, sizeof pair, "%s:%s", id, secret);
    char *b64 = gw_base64_encode(pair, strlen(pair));
    snprintf(s->auth, sizeof s->auth, "%s", b64);
    free(b64);
    json_decref(k);
    free(out);

serve:;
    int p[2];
    if (pipe(p) != 0)
        die("pipe");
    char errlog[512];
    snprintf(errlog, sizeof errlog, "%s/stderr.log", s->dir);
    s->pid = fork();
    if (s->pid == 0) {
        dup2(p[1], 1);
        int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        close(p[0]);
        execl(o->lmsgw, o->lmsgw, "--config", cfg, "serve", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    char line[512] = "";
    if (!fgets(line, sizeof line, f) || !strstr(line, "listening on"))
        die("lmsgw serve did not start (see its stderr.log in the temp dir)");
    fclose(f);
    s->port = atoi(strrchr(line, ':') + 1);
}

static void stop_server(const struct opts *o, struct server *s)
{
    kill(s->pid, SIGTERM);
    int st;
    waitpid(s->pid, &st, 0);
    if (!o->keep) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "xapi_bench: could not remove %s\n", s->dir);
    } else {
        fprintf(stderr, "xapi_bench: kept %s\n", s->dir);
    }
}

/* Peak RSS in KiB since the last reset_peak_rss. */
static long peak_rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = atol(line + 6);
    }
    if (f)
        fclose(f);
    return kib;
}

/* The CPU fields of /proc/PID/stat: utime, stime, cutime, cstime (ticks);
 * ppid in *ppid. False when the process is gone. */
static bool stat_times(pid_t pid, unsigned long long t[4], long *ppid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    /* fields after the command's closing parenthesis: ppid is the 2nd,
     * utime the 12th */
    const char *p = strrchr(buf, ')');
    return p && sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
                       ppid, &t[0], &t[1], &t[2], &t[3]) == 5;
}

/* CPU seconds (user + system, all threads) the process has used. */
static double cpu_seconds(pid_t pid)
{
    unsigned long long t[4];
    long ppid;
    if (!stat_times(pid, t, &ppid))
        return 0;
    return (double)(t[0] + t[1]) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of a PostgreSQL server: the postmaster's, its reaped
 * children's and its live children's (backends exit and are reaped by the
 * postmaster, whose cutime/cstime then hold their time). */
static double pg_cpu_seconds(pid_t postmaster)
{
    unsigned long long t[4], sum = 0;
    long ppid;
    if (!stat_times(postmaster, t, &ppid))
        return 0;
    sum = t[0] + t[1] + t[2] + t[3];
    DIR *d = opendir("/proc");
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || !stat_times((pid_t)pid, t, &ppid) || ppid != (long)postmaster)
            continue;
        sum += t[0] + t[1] + t[2] + t[3];
    }
    if (d)
        closedir(d);
    return (double)sum / (double)sysconf(_SC_CLK_TCK);
}

static void reset_peak_rss(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)pid);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("5", f); /* resets VmHWM to the current RSS (Linux >= 4.0) */
        fclose(f);
    }
}

/* ---- statements ---- */

struct request {
    char *data;
    size_t len;
};

/* One request of `batch` statements into r (r->data malloc'd); body is a
 * scratch buffer of batch * 2600 + 512 bytes. Returns the statements'
 * bytes. */
static size_t build_request(const struct server *s, struct request *r, int batch, long *seq,
                            char *body)
{
    size_t cap = (size_t)batch * 2600 + 512, len = 0, total_st = 0;
    if (batch > 1)
        body[len++] = '[';
    for (int k = 0; k < batch; k++) {
        if (k)
            body[len++] = ',';
        size_t one = gw_bench_statement(body + len, cap - len - 2, (*seq)++);
        total_st += one;
        len += one;
    }
    if (batch > 1)
        body[len++] = ']';
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "POST /xapi/statements HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                      "Authorization: Basic %s\r\nX-Experience-API-Version: 1.0.3\r\n"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                      s->port, s->auth, len);
    r->len = (size_t)hl + len;
    r->data = malloc(r->len);
    memcpy(r->data, head, (size_t)hl);
    memcpy(r->data + hl, body, len);
    return total_st;
}

/* Builds n_req requests of `batch` statements each. */
static struct request *build_requests(const struct server *s, long n_req, int batch, long *seq,
                                      double *avg_statement)
{
    struct request *r = calloc((size_t)n_req, sizeof *r);
    char *body = malloc((size_t)batch * 2600 + 512);
    size_t total_st = 0;
    for (long i = 0; i < n_req; i++)
        total_st += build_request(s, &r[i], batch, seq, body);
    *avg_statement = (double)total_st / (double)(n_req * batch);
    free(body);
    return r;
}

/* Current RSS in KiB. */
static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = atol(line + 6);
    }
    if (f)
        fclose(f);
    return kib;
}

/* ---- the load loop ---- */

struct conn {
    int fd;
    const struct server *srv; /* the instance it talks to */
    struct request own;       /* --sustained: its request, built when sent */
    const struct request *req;
    size_t sent;
    char buf[1 << 20]; /* a burst batch answers 10,000 ids */
    size_t got;
    double t0;
};

struct run {
    const struct request *reqs; /* NULL: built as they are sent (--sustained) */
    int batch;
    long *seq;
    char *scratch;
    double st_bytes;
    long n_req, next, done, errors, unavailable;
    double *lat;
    int epfd;
    int port;
};

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS)
        die("connect");
    return fd;
}

static void arm(struct run *r, struct conn *c, uint32_t events, int op)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(r->epfd, op, c->fd, &ev) != 0)
        die("epoll_ctl");
}

/* Gives c its next request, or closes it when none is left. */
static void next_request(struct run *r, struct conn *c)
{
    if (r->next >= r->n_req) {
        epoll_ctl(r->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
        return;
    }
    if (r->reqs) {
        c->req = &r->reqs[r->next++];
    } else {
        free(c->own.data);
        r->st_bytes += (double)build_request(c->srv, &c->own, r->batch, r->seq, r->scratch);
        c->req = &c->own;
        r->next++;
    }
    c->sent = 0;
    c->got = 0;
    c->t0 = now_s();
    arm(r, c, EPOLLOUT, EPOLL_CTL_MOD);
}

static void on_writable(struct run *r, struct conn *c)
{
    while (c->sent < c->req->len) {
        ssize_t n = send(c->fd, c->req->data + c->sent, c->req->len - c->sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0)
            die("send failed (did the server close the connection?)");
        c->sent += (size_t)n;
    }
    arm(r, c, EPOLLIN, EPOLL_CTL_MOD);
}

/* True when c->buf holds a whole response; *status receives its code. */
static bool response_complete(struct conn *c, int *status)
{
    c->buf[c->got] = '\0';
    char *end = strstr(c->buf, "\r\n\r\n");
    if (!end)
        return false;
    const char *cl = strcasestr(c->buf, "\r\nContent-Length:");
    size_t body = cl && cl < end ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
    if (c->got < (size_t)(end + 4 - c->buf) + body)
        return false;
    *status = atoi(c->buf + 9);
    return true;
}

static void on_readable(struct run *r, struct conn *c)
{
    for (;;) {
        if (c->got >= sizeof c->buf - 1)
            die("response larger than the buffer");
        ssize_t n = recv(c->fd, c->buf + c->got, sizeof c->buf - 1 - c->got, 0);
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0)
            die("the server closed a keep-alive connection");
        c->got += (size_t)n;
    }
    int status = 0;
    if (!response_complete(c, &status))
        return;
    if (status == 503)
        r->unavailable++;
    else if (status != 200) {
        if (r->errors++ < 3)
            fprintf(stderr, "xapi_bench: HTTP %d: %.300s\n", status, c->buf);
    }
    r->lat[r->done++] = now_s() - c->t0;
    next_request(r, c);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The server's lmsgw_xapi_index_pending gauge (GET /metrics), or -1 when it
 * has none (PostgreSQL, or the index written inline). */
static long index_pending(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect for /metrics");
    const char req[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1))
        die("write /metrics");
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t n;
    while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)n;
        if (len + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    close(fd);
    buf[len] = '\0';
    const char *m = strstr(buf, "\nlmsgw_xapi_index_pending ");
    long v = m ? strtol(m + strlen("\nlmsgw_xapi_index_pending "), NULL, 10) : -1;
    free(buf);
    return v;
}

/* The servers' CPU seconds, summed. */
static double cpu_all(const struct server *s, int n)
{
    double t = 0;
    for (int i = 0; i < n; i++)
        t += cpu_seconds(s[i].pid);
    return t;
}

/* The servers' pending statements, summed; -1 when none has the gauge. */
static long pending_all(const struct server *s, int n)
{
    long t = -1;
    for (int i = 0; i < n; i++) {
        long p = index_pending(s[i].port);
        if (p >= 0)
            t = (t < 0 ? 0 : t) + p;
    }
    return t;
}

/* One scenario: n statements in requests of `batch`, on ns servers (the
 * connections shared out in turn). */
static void scenario(const struct opts *o, const struct server *s, int ns, int batch, long *seq)
{
    long total = o->sustained ? o->sustained : o->statements;
    long n_req = (total + batch - 1) / batch;
    double avg = 0;
    struct request *reqs = o->sustained ? NULL : build_requests(&s[0], n_req, batch, seq, &avg);
    struct run r = {.reqs = reqs, .batch = batch, .seq = seq, .n_req = n_req, .port = s->port};
    if (!reqs)
        r.scratch = malloc((size_t)batch * 2600 + 512);
    r.lat = calloc((size_t)n_req, sizeof *r.lat);
    r.epfd = epoll_create1(0);
    int clients = o->burst ? o->burst : o->clients;
    int nc = clients < n_req ? clients : (int)n_req;
    struct conn *conns = calloc((size_t)nc, sizeof *conns);
    for (int i = 0; i < ns; i++)
        reset_peak_rss(s[i].pid);
    double cpu0 = cpu_all(s, ns), pg0 = o->pg_pid ? pg_cpu_seconds(o->pg_pid) : 0;
    double t0 = now_s(), t_mark = t0;
    long done_mark = 0, step = n_req / 10 > 0 ? n_req / 10 : 1;
    for (int i = 0; i < nc; i++) {
        conns[i].srv = &s[i % ns];
        conns[i].fd = connect_to(conns[i].srv->port);
        arm(&r, &conns[i], EPOLLOUT, EPOLL_CTL_ADD);
        next_request(&r, &conns[i]);
    }
    struct epoll_event evs[256];
    while (r.done < n_req) {
        int n = epoll_wait(r.epfd, evs, 256, 30000);
        if (n == 0)
            die("no progress for 30 s");
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c->fd < 0)
                continue;
            if (evs[i].events & (EPOLLERR | EPOLLHUP))
                die("connection error");
            if (evs[i].events & EPOLLOUT)
                on_writable(&r, c);
            else if (evs[i].events & EPOLLIN)
                on_readable(&r, c);
        }
        if (o->sustained && r.done - done_mark >= step) {
            /* the rate of each tenth (lumpy: a group commit answers many
             * requests at once) and since the start: does it hold? */
            double t = now_s();
            printf("  %8ld st answered, %9.0f st/s since the start, %9.0f st/s over the last "
                   "%ld\n",
                   r.done * batch, (double)(r.done * batch) / (t - t0),
                   (double)((r.done - done_mark) * batch) / (t - t_mark),
                   (r.done - done_mark) * batch);
            fflush(stdout);
            t_mark = t;
            done_mark = r.done;
        }
    }
    double wall = now_s() - t0;
    double cpu = cpu_all(s, ns) - cpu0;
    double pg_cpu = o->pg_pid ? pg_cpu_seconds(o->pg_pid) - pg0 : 0;
    long rss = 0;
    for (int i = 0; i < ns; i++)
        rss += peak_rss_kib(s[i].pid);
    if (!reqs)
        avg = r.st_bytes / (double)(n_req * batch);
    qsort(r.lat, (size_t)n_req, sizeof *r.lat, cmp_double);
    double p50 = r.lat[n_req / 2] * 1000, p99 = r.lat[(n_req * 99) / 100] * 1000;
    double max = r.lat[n_req - 1] * 1000;
    char label[32];
    snprintf(label, sizeof label, batch == 1 ? "single" : "batch%d", batch);
    if (ns > 1)
        snprintf(label + strlen(label), sizeof label - strlen(label), "x%d", ns);
    printf("%-10s %-8s %7ld st %6ld req %5d conn %6.0f B/st  %9.0f st/s  p50 %7.2f ms  p99 %7.2f "
           "ms  max %7.2f ms  peak RSS %6.1f MiB  server CPU %5.1f us/st  errors %ld\n",
           o->pg ? "postgresql" : "sqlite", label, n_req * batch, n_req, nc, avg,
           (double)(n_req * batch) / wall, p50, p99, max, (double)rss / 1024.0,
           cpu * 1e6 / (double)(n_req * batch), r.errors);
    if (o->pg_pid)
        printf("%-10s %-8s   PostgreSQL CPU %5.1f us/st (all its processes)\n", "", label,
               pg_cpu * 1e6 / (double)(n_req * batch));
    /* statements are acknowledged once stored and, with the deferred
     * index, indexed right after: how long that took, and the figures with
     * it included */
    if (o->burst) {
        /* idle: every request answered; what the process keeps */
        struct timespec ts = {2, 0};
        nanosleep(&ts, NULL);
        printf("%-10s burst of %d x %.1f MB: %ld stored, %ld refused 503 (budget %s), peak RSS "
               "%.1f MiB, RSS idle 2 s later %.1f MiB\n",
               o->pg ? "postgresql" : "sqlite", o->burst, (double)reqs[0].len / (1024.0 * 1024.0),
               n_req - r.unavailable - r.errors, r.unavailable, o->budget ? "as given" : "default",
               (double)rss / 1024.0, (double)rss_kib(s->pid) / 1024.0);
    }
    long pending = pending_all(s, ns);
    if (pending >= 0) {
        while (pending > 0) {
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
            pending = pending_all(s, ns);
        }
        double all = now_s() - t0;
        double cpu_total = cpu_all(s, ns) - cpu0;
        double pg_total = o->pg_pid ? pg_cpu_seconds(o->pg_pid) - pg0 : 0;
        printf("%-10s %-8s   indexed %.2f s after the last answer: %9.0f st/s stored and indexed, "
               "server CPU %5.1f us/st, PostgreSQL CPU %5.1f us/st\n",
               "", label, all - wall, (double)(n_req * batch) / all,
               cpu_total * 1e6 / (double)(n_req * batch), pg_total * 1e6 / (double)(n_req * batch));
    } else {
        printf("%-10s %-8s   index written with each statement: %9.0f st/s stored and indexed\n",
               "", label, (double)(n_req * batch) / wall);
    }
    fflush(stdout);
    for (long i = 0; reqs && i < n_req; i++)
        free(reqs[i].data);
    for (int i = 0; i < nc; i++)
        free(conns[i].own.data);
    free(reqs);
    free(r.scratch);
    free(r.lat);
    free(conns);
    close(r.epfd);
}

static void usage(void)
{
    fprintf(stderr, "usage: xapi_bench [--lmsgw PATH] [--pg DSN] [--statements N] [--clients C] "
                    "[--batches 1,10,100] [--keep] [--no-access-log] [--no-dedup] [--burst N "
                    "[--budget BYTES]] [--sustained N] [--instances K] [--pg-pid PID]\n");
    exit(2);
}

static void parse_batches(struct opts *o, const char *list)
{
    o->n_batches = 0;
    char *copy = strdup(list), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && o->n_batches < 8;
         t = strtok_r(NULL, ",", &save)) {
        int b = atoi(t);
        if (b < 1 || b > 1000)
            usage();
        o->batches[o->n_batches++] = b;
    }
    free(copy);
}

int main(int argc, char **argv)
{
    struct opts o = {
        .lmsgw = getenv("GW_LMSGW_BIN"), .statements = 60000, .clients = 64, .access_log = true};
    parse_batches(&o, "1,10,100");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i] ? argv[i] : "";
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--lmsgw") == 0 && v)
            o.lmsgw = argv[++i];
        else if (strcmp(a, "--pg") == 0 && v)
            o.pg = argv[++i];
        else if (strcmp(a, "--statements") == 0 && v)
            o.statements = atol(argv[++i]);
        else if (strcmp(a, "--clients") == 0 && v)
            o.clients = atoi(argv[++i]);
        else if (strcmp(a, "--batches") == 0 && v)
            parse_batches(&o, argv[++i]);
        else if (strcmp(a, "--keep") == 0)
            o.keep = true;
        else if (strcmp(a, "--no-access-log") == 0)
            o.access_log = false;
        else if (strcmp(a, "--no-dedup") == 0)
            o.no_dedup = true;
        else if (strcmp(a, "--burst") == 0 && v)
            o.burst = atoi(argv[++i]);
        else if (strcmp(a, "--budget") == 0 && v)
            o.budget = atoll(argv[++i]);
        else if (strcmp(a, "--sustained") == 0 && v)
            o.sustained = atol(argv[++i]);
        else if (strcmp(a, "--instances") == 0 && v)
            o.instances = atoi(argv[++i]);
        else if (strcmp(a, "--pg-pid") == 0 && v)
            o.pg_pid = (pid_t)atol(argv[++i]);
        else
            usage();
    }
    if (!o.lmsgw || o.statements < 1 || o.clients < 1 || o.clients > 4096)
        usage();
    if (o.instances < 1)
        o.instances = 1;
    if (o.instances > 8 || (o.instances > 1 && !o.pg))
        usage(); /* several instances share one PostgreSQL database */
    signal(SIGPIPE, SIG_IGN);
    struct server s[8];
    memset(s, 0, sizeof s);
    for (int i = 0; i < o.instances; i++) {
        start_server(&o, &s[i], i ? &s[0] : NULL);
        printf("lmsgw pid %d on port %d, %s, %ld statements per scenario, %d keep-alive "
               "connections, access_log %s\n",
               (int)s[i].pid, s[i].port, o.pg ? "PostgreSQL" : "SQLite",
               o.sustained ? o.sustained : o.statements, o.clients, o.access_log ? "on" : "off");
    }
    fflush(stdout);
    long seq = 0;
    if (o.burst > 0) {
        o.statements = (long)o.burst * 10000;
        scenario(&o, s, 1, 10000, &seq);
    }
    for (int i = 0; i < o.n_batches && o.burst <= 0; i++)
        scenario(&o, s, o.instances, o.batches[i], &seq);
    for (int i = o.instances - 1; i >= 0; i--)
        stop_server(&o, &s[i]);
    return 0;
}
