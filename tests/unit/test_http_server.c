/*
 * test_http_server.c - the real server (http/server.c, reqctx.c) in-process on a free
 * port, with a route table of its own: replies, X-Request-Id, a client hanging up while
 * its handler waits (libevent#997: must not crash or leak under ASan, counted as 499),
 * and SIGTERM while a request is in flight (it still gets its reply: graceful drain).
 * No database is needed: DATABASE_URL points at a closed port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "app.h"
#include "core/config.h"
#include "core/log.h"
#include "http/metrics.h"
#include "http/reqctx.h"
#include "http/server.h"

static struct config cfg;
static struct app app;
static int port;

/* A handler waiting on "a job" (as api_db does): a 600 ms timer stands for the query. */
static void
on_job(evutil_socket_t fd, short what, void *arg)
{
    struct reqctx *rc = arg;

    (void)fd;
    (void)what;
    event_free(rc->state);
    rc->db_inflight--;
    if (rc->gone)
        reqctx_abandon(rc);
    else
        http_reply_json(rc, 200, json_pack("{s:s}", "slow", "done"));
}

static void
h_slow(struct reqctx *rc)
{
    struct timeval tv = {0, 600000};

    rc->state = evtimer_new(rc->w->base, on_job, rc);
    rc->db_inflight++;
    evtimer_add(rc->state, &tv);
}

static void
h_fast(struct reqctx *rc)
{
    http_reply_json(rc, 200, json_pack("{s:s}", "id", rc_param(rc, "id")));
}

static void
h_echo(struct reqctx *rc)
{
    http_reply_json(rc, 201, json_incref(rc->json));
}

static const struct route ROUTES[] = {
    {EVHTTP_REQ_GET, "/slow", h_slow, 0, RF_PUBLIC, ""},
    {EVHTTP_REQ_GET, "/fast/{id}", h_fast, 0, RF_PUBLIC, ""},
    {EVHTTP_REQ_POST, "/echo", h_echo, 0, RF_PUBLIC | RF_JSON, ""},
    {0, NULL, NULL, 0, 0, NULL},
};

static int
connect_local(void)
{
    struct sockaddr_in sa;
    int s = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return s;
}

/* Sends req, reads until the peer closes (requests say Connection: close). */
static void
roundtrip(const char *req, char *out, size_t len)
{
    int s = connect_local();
    size_t o = 0;
    ssize_t n;
    struct timeval tv = {5, 0};

    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(write(s, req, strlen(req)), (ssize_t)strlen(req));
    while (o + 1 < len && (n = read(s, out + o, len - 1 - o)) > 0)
        o += (size_t)n;
    out[o] = '\0';
    close(s);
}

static int
setup(void **state)
{
    struct mc_err e;

    (void)state;
    setenv("MOTCUA_LISTEN", "127.0.0.1:0", 1);
    setenv("MOTCUA_THREADS", "2", 1);
    setenv("DATABASE_URL", "postgresql://127.0.0.1:1/none?connect_timeout=1", 1);
    setenv("MOTCUA_LOG_LEVEL", "error", 1);
    unsetenv("MOTCUA_CONFIG");
    assert_int_equal(cfg_load(&cfg, &e), 0);
    log_set_level(LOG_ERROR);
    app.cfg = &cfg;
    app.routes = ROUTES;
    app.nroutes = 3;
    app.started_at = (int64_t)time(NULL);
    assert_int_equal(http_server_start(&app, &port, &e), 0);
    assert_true(port > 0);
    return 0;
}

struct reply_row {
    const char *request;
    const char *status_line;
    const char *body_part;
};

static const struct reply_row REPLIES[] = {
    {"GET /fast/a%20b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", "HTTP/1.1 200",
     "{\"id\":\"a b\"}"},
    {"GET /nowhere HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", "HTTP/1.1 404",
     "\"code\":\"NOT_FOUND\""},
    {"DELETE /slow HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", "HTTP/1.1 405",
     "\"code\":\"METHOD_NOT_ALLOWED\""},
    {"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n"
     "Content-Length: 7\r\n\r\n{\"a\":1}",
     "HTTP/1.1 201", "{\"a\":1}"},
    {"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: text/plain\r\n"
     "Content-Length: 7\r\n\r\n{\"a\":1}",
     "HTTP/1.1 415", "\"code\":\"UNSUPPORTED_MEDIA_TYPE\""},
    {"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n"
     "Content-Length: 8\r\n\r\n{\"a\":1,}",
     "HTTP/1.1 400", "\"code\":\"BAD_JSON\""},
    {"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
     "HTTP/1.1 201", "{}"},
    {"GET /fast/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\nX-Request-Id: req-42\r\n\r\n",
     "HTTP/1.1 200", ""},
};

static void
test_replies(void **state)
{
    char buf[4096];

    (void)state;
    for (size_t i = 0; i < sizeof(REPLIES) / sizeof(REPLIES[0]); i++) {
        roundtrip(REPLIES[i].request, buf, sizeof(buf));
        print_message("row %zu\n", i);
        assert_memory_equal(buf, REPLIES[i].status_line, strlen(REPLIES[i].status_line));
        assert_non_null(strstr(buf, REPLIES[i].body_part));
        assert_non_null(strstr(buf, "X-Request-Id: "));
    }
    roundtrip(REPLIES[7].request, buf, sizeof(buf));
    assert_non_null(strstr(buf, "X-Request-Id: req-42\r\n"));
    roundtrip(REPLIES[2].request, buf, sizeof(buf));
    assert_non_null(strstr(buf, "Allow: GET, HEAD\r\n"));
}

static int
metric_has(const char *needle)
{
    struct evbuffer *out = evbuffer_new();
    size_t n;
    char *text;
    int found;

    metrics_render(&app, out);
    n = evbuffer_get_length(out);
    text = calloc(1, n + 1);
    evbuffer_remove(out, text, n);
    evbuffer_free(out);
    found = strstr(text, needle) != NULL;
    free(text);
    return found;
}

/* libevent#997: the client leaves while the handler waits; the late callback abandons. */
static void
test_hangup_while_waiting(void **state)
{
    const char *req = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
    struct timespec ts = {1, 0};
    int s = connect_local();

    (void)state;
    assert_int_equal(write(s, req, strlen(req)), (ssize_t)strlen(req));
    usleep(100000);
    close(s);
    nanosleep(&ts, NULL); /* the job ends at 600 ms; ASan reports any use after free */
    assert_true(
        metric_has("motcua_http_requests_total{route=\"/slow\",method=\"GET\",status=\"499\"} 1"));
    assert_true(metric_has("motcua_http_connections{worker=\"0\"} 0"));
    assert_true(metric_has("motcua_http_connections{worker=\"1\"} 0"));
}

/* SIGTERM while /slow is in flight: the reply still arrives, then the server stops. */
static void
test_graceful_shutdown(void **state)
{
    const char *req = "GET /slow HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    char buf[2048];
    size_t o = 0;
    ssize_t n;
    int s = connect_local();

    (void)state;
    assert_int_equal(write(s, req, strlen(req)), (ssize_t)strlen(req));
    usleep(100000);
    kill(getpid(), SIGTERM); /* blocked in every thread; http_server_wait takes it */
    http_server_wait(&app);
    while (o + 1 < sizeof(buf) && (n = read(s, buf + o, sizeof(buf) - 1 - o)) > 0)
        o += (size_t)n;
    buf[o] = '\0';
    close(s);
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_non_null(strstr(buf, "{\"slow\":\"done\"}"));
    /* the listening sockets are closed */
    {
        struct sockaddr_in sa;
        int c = socket(AF_INET, SOCK_STREAM, 0);

        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_not_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
        close(c);
    }
    http_server_free(&app);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replies),
        cmocka_unit_test(test_hangup_while_waiting),
        cmocka_unit_test(test_graceful_shutdown),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
