/* smtp_sink.c: a tiny SMTP server for the mail tests: one thread on
 * 127.0.0.1 (an ephemeral port), one connection at a time, speaking EHLO/HELO,
 * MAIL FROM, RCPT TO, DATA, RSET, NOOP and QUIT; it records the envelope and
 * the DATA of the last message, and refuses recipients starting with
 * "refuse" with 550; it also keeps every message, envelope first. It offers AUTH PLAIN but never
 * STARTTLS, and records every AUTH exchange it receives (so a test sees credentials sent in clear).
 */
#include "support.h"

#include "gw/buf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct smtp_sink {
    int fd, port;
    pthread_t thread;
    atomic_int stop;
    pthread_mutex_t lock;
    struct gw_buf data, envelope, auth, all;
};

static void say(int c, const char *s)
{
    size_t len = strlen(s), off = 0;
    while (off < len) {
        ssize_t n = write(c, s + off, len - off);
        if (n <= 0)
            return;
        off += (size_t)n;
    }
}

/* Reads one CRLF line from c into line (via the buffer in); false at EOF. */
static bool read_line(int c, struct gw_buf *in, struct gw_buf *line)
{
    gw_buf_reset(line);
    for (;;) {
        char *nl = in->data ? memchr(in->data, '\n', in->len) : NULL;
        if (nl) {
            size_t l = (size_t)(nl - in->data) + 1;
            gw_buf_append(line, in->data, l);
            memmove(in->data, in->data + l, in->len - l);
            in->len -= l;
            in->data[in->len] = '\0';
            return true;
        }
        char buf[4096];
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0)
            return false;
        gw_buf_append(in, buf, (size_t)n);
    }
}

static void session(struct smtp_sink *s, int c)
{
    struct gw_buf in = {0}, line = {0}, env = {0}, data = {0};
    say(c, "220 sink.test ESMTP ready\r\n");
    while (read_line(c, &in, &line)) {
        const char *l = line.data;
        if (strncasecmp(l, "EHLO", 4) == 0) {
            say(c, "250-sink.test\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SIZE 10485760\r\n");
        } else if (strncasecmp(l, "HELO", 4) == 0) {
            say(c, "250 sink.test\r\n");
        } else if (strncasecmp(l, "MAIL FROM:", 10) == 0) {
            gw_buf_reset(&env);
            gw_buf_append(&env, l, strcspn(l, "\r\n"));
            gw_buf_puts(&env, "\n");
            say(c, "250 OK\r\n");
        } else if (strncasecmp(l, "RCPT TO:", 8) == 0) {
            const char *a = l + 8;
            while (*a == ' ' || *a == '<')
                a++;
            if (strncasecmp(a, "refuse", 6) == 0) {
                say(c, "550 5.1.1 No such user here\r\n");
            } else {
                gw_buf_append(&env, l, strcspn(l, "\r\n"));
                gw_buf_puts(&env, "\n");
                say(c, "250 OK\r\n");
            }
        } else if (strncasecmp(l, "DATA", 4) == 0) {
            say(c, "354 End data with <CR><LF>.<CR><LF>\r\n");
            gw_buf_reset(&data);
            while (read_line(c, &in, &line) && strcmp(line.data, ".\r\n") != 0)
                gw_buf_append(&data, line.data, line.len);
            pthread_mutex_lock(&s->lock);
            gw_buf_reset(&s->data);
            gw_buf_append(&s->data, data.data ? data.data : "", data.len);
            gw_buf_reset(&s->envelope);
            gw_buf_append(&s->envelope, env.data ? env.data : "", env.len);
            gw_buf_printf(&s->all, "%s%s\n<<end of message>>\n", env.data ? env.data : "",
                          data.data ? data.data : "");
            pthread_mutex_unlock(&s->lock);
            say(c, "250 OK queued\r\n");
        } else if (strncasecmp(l, "AUTH", 4) == 0) {
            pthread_mutex_lock(&s->lock);
            gw_buf_append(&s->auth, l, line.len);
            pthread_mutex_unlock(&s->lock);
            if (strcspn(l + 4, "\r\n") <= strlen(" PLAIN")) { /* no initial response */
                say(c, "334 \r\n");
                if (!read_line(c, &in, &line))
                    break;
                pthread_mutex_lock(&s->lock);
                gw_buf_append(&s->auth, line.data, line.len);
                pthread_mutex_unlock(&s->lock);
            }
            say(c, "235 2.7.0 Authentication successful\r\n");
        } else if (strncasecmp(l, "QUIT", 4) == 0) {
            say(c, "221 Bye\r\n");
            break;
        } else if (strncasecmp(l, "RSET", 4) == 0 || strncasecmp(l, "NOOP", 4) == 0) {
            say(c, "250 OK\r\n");
        } else {
            say(c, "502 Command not implemented\r\n");
        }
    }
    gw_buf_free(&in);
    gw_buf_free(&line);
    gw_buf_free(&env);
    gw_buf_free(&data);
}

static void *run(void *arg)
{
    struct smtp_sink *s = arg;
    while (!atomic_load(&s->stop)) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        if (!atomic_load(&s->stop))
            session(s, c);
        close(c);
    }
    return NULL;
}

struct smtp_sink *smtp_sink_start(int *port)
{
    struct smtp_sink *s = gw_xcalloc(1, sizeof *s);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof sa;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s->fd, 8) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&sa, &sl) != 0) {
        if (s->fd >= 0)
            close(s->fd);
        free(s);
        return NULL;
    }
    s->port = ntohs(sa.sin_port);
    pthread_mutex_init(&s->lock, NULL);
    pthread_create(&s->thread, NULL, run, s);
    *port = s->port;
    return s;
}

void smtp_sink_stop(struct smtp_sink *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    /* Wake the accept with a connection of our own. */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c >= 0) {
        connect(c, (struct sockaddr *)&sa, sizeof sa);
        close(c);
    }
    pthread_join(s->thread, NULL);
    close(s->fd);
    pthread_mutex_destroy(&s->lock);
    gw_buf_free(&s->data);
    gw_buf_free(&s->envelope);
    gw_buf_free(&s->auth);
    gw_buf_free(&s->all);
    free(s);
}

char *smtp_sink_data(struct smtp_sink *s)
{
    pthread_mutex_lock(&s->lock);
    char *d = gw_xstrdup(gw_buf_str(&s->data));
    pthread_mutex_unlock(&s->lock);
    return d;
}

char *smtp_sink_envelope(struct smtp_sink *s)
{
    pthread_mutex_lock(&s->lock);
    char *d = gw_xstrdup(gw_buf_str(&s->envelope));
    pthread_mutex_unlock(&s->lock);
    return d;
}

char *smtp_sink_auth(struct smtp_sink *s)
{
    pthread_mutex_lock(&s->lock);
    char *d = gw_xstrdup(gw_buf_str(&s->auth));
    pthread_mutex_unlock(&s->lock);
    return d;
}

char *smtp_sink_all(struct smtp_sink *s)
{
    pthread_mutex_lock(&s->lock);
    char *d = gw_xstrdup(gw_buf_str(&s->all));
    pthread_mutex_unlock(&s->lock);
    return d;
}
