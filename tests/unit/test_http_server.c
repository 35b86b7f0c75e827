/*
 * test_http_server.c - the real server (http/server.c, reqctx.c) in-process on a free
 * port, with a route table of its own: replies, X-Request-Id, a client hanging up while
 * its handler waits (libevent#997: must not crash or leak under ASan, counted as 499),
 * and SIGTERM while a request is in flight (it still gets its reply: graceful drain).
 * Internal requests (http_internal): a handler runs a table of them one after another
 * and replies with what each answered; the main thread checks the rows (cmocka asserts
 * only run on the main thread). No database is needed: DATABASE_URL points at a closed
 * port.
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
#include "domain/role.h"
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

/* What an internal request sees of its headers, query, id, caller and address. */
static void
h_hdr(struct reqctx *rc)
{
    rc_set_header(rc, "Idempotent-Replayed", "true");
    http_reply_json(rc, 200,
                    json_pack("{s:s?,s:s?,s:s,s:s,s:s,s:i}", "key", rc->idem_key, "q",
                              rc_query(rc, "x"), "rid", rc->req_id, "login", rc->who.login,
                              "addr", rc->client_addr, "internal", rc->internal != NULL));
}

static void
h_stream(struct reqctx *rc)
{
    http_stream_start(rc, 200, "text/event-stream");
    http_stream_end(rc);
}

static void h_relay(struct reqctx *rc);
static void h_relay_slow(struct reqctx *rc);

static const struct route ROUTES[] = {
    {EVHTTP_REQ_GET, "/slow", h_slow, 0, RF_PUBLIC, ""},
    {EVHTTP_REQ_GET, "/fast/{id}", h_fast, 0, RF_PUBLIC, ""},
    {EVHTTP_REQ_POST, "/echo", h_echo, 0, RF_PUBLIC | RF_JSON, ""},
    {EVHTTP_REQ_POST, "/hdr", h_hdr, ROLE_CLERK | ROLE_INTEGRATION, RF_JSON | RF_IDEMPOTENT, ""},
    {EVHTTP_REQ_GET, "/stream", h_stream, 0, RF_PUBLIC | RF_STREAM, ""},
    {EVHTTP_REQ_GET, "/relay", h_relay, 0, RF_PUBLIC, ""},
    {EVHTTP_REQ_GET, "/relay-slow", h_relay_slow, 0, RF_PUBLIC, ""},
    {0, NULL, NULL, 0, 0, NULL},
};
#define NROUTES (sizeof(ROUTES) / sizeof(ROUTES[0]) - 1)

/* ---- internal requests ---- */

struct internal_row {
    int method;
    const char *target;
    const char *body;          /* NULL: none */
    const char *content_type;  /* NULL: no header */
    const char *idem_key;      /* NULL: no header */
    unsigned role;             /* 0: no principal */
    int status;
    const char *body_part;     /* expected in the reply body */
    const char *header;        /* a reply header to check, or NULL */
    const char *header_value;
};

static const struct internal_row INTERNAL[] = {
    {EVHTTP_REQ_GET, "/fast/a%20b", NULL, NULL, NULL, 0, 200, "{\"id\":\"a b\"}", "Content-Type",
     "application/json; charset=utf-8"},
    {EVHTTP_REQ_GET, "/nowhere", NULL, NULL, NULL, 0, 404, "\"code\":\"NOT_FOUND\"", NULL, NULL},
    {EVHTTP_REQ_DELETE, "/slow", NULL, NULL, NULL, 0, 405, "METHOD_NOT_ALLOWED", "Allow",
     "GET, HEAD"},
    {EVHTTP_REQ_POST, "/echo", "{\"a\":1}", "application/json", NULL, 0, 201, "{\"a\":1}", NULL,
     NULL},
    {EVHTTP_REQ_POST, "/echo", "{\"a\":1}", "text/plain", NULL, 0, 415,
     "UNSUPPORTED_MEDIA_TYPE", NULL, NULL},
    {EVHTTP_REQ_POST, "/echo", "{\"a\":1,}", "application/json", NULL, 0, 400, "BAD_JSON", NULL,
     NULL},
    {EVHTTP_REQ_POST, "/echo", "{\"a\":\"\xC3\x28\"}", "application/json", NULL, 0, 400,
     "BAD_UTF8", NULL, NULL},
    {EVHTTP_REQ_POST, "/echo", "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
     "\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
     "\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}",
     "application/json", NULL, 0, 400, "JSON_TOO_DEEP", NULL, NULL},
    {EVHTTP_REQ_POST, "/hdr?x=a%2Bb", NULL, NULL, "k.1", ROLE_CLERK, 200,
     "{\"key\":\"k.1\",\"q\":\"a+b\",\"rid\":\"sub-8\",\"login\":\"clerk\",\"addr\":\"127.0.0.1\","
     "\"internal\":1}",
     "Idempotent-Replayed", "true"},
    {EVHTTP_REQ_POST, "/hdr", NULL, NULL, "bad key!", ROLE_CLERK, 400, "BAD_REQUEST", NULL, NULL},
    {EVHTTP_REQ_POST, "/hdr", NULL, NULL, NULL, ROLE_LEADER, 403, "FORBIDDEN", NULL, NULL},
    {EVHTTP_REQ_POST, "/hdr", NULL, NULL, NULL, 0, 401, "UNAUTHENTICATED", NULL, NULL},
    {EVHTTP_REQ_GET, "/stream", NULL, NULL, NULL, 0, 500, "INTERNAL", NULL, NULL},
    {EVHTTP_REQ_GET, "/slow", NULL, NULL, NULL, 0, 200, "{\"slow\":\"done\"}", "X-Request-Id",
     "sub-13"},
};
#define NINTERNAL (sizeof(INTERNAL) / sizeof(INTERNAL[0]))

struct relay {
    struct reqctx *rc;
    size_t next;
    json_t *out;
};

static void relay_next(struct relay *r);

static void
on_relayed(const struct http_internal_reply *rep, void *arg)
{
    struct relay *r = arg;
    const struct internal_row *row = &INTERNAL[r->next];
    const char *h = row->header != NULL ? http_kv_get(rep->headers, rep->nheaders, row->header)
                                        : NULL;

    json_array_append_new(r->out, json_pack("{s:i,s:s%,s:s?}", "status", rep->status, "body",
                                            rep->body, rep->len, "header", h));
    r->next++;
    relay_next(r);
}

static void
relay_next(struct relay *r)
{
    const struct internal_row *row;
    struct principal who;
    struct http_kv h[3];
    size_t nh = 0;
    char rid[16];

    if (r->next == NINTERNAL) {
        http_reply_json(r->rc, 200, r->out);
        return;
    }
    row = &INTERNAL[r->next];
    memset(&who, 0, sizeof(who));
    who.authenticated = row->role != 0;
    who.role = row->role;
    snprintf(who.login, sizeof(who.login), "%s", row->role == ROLE_CLERK ? "clerk" : "other");
    snprintf(rid, sizeof(rid), "sub-%zu", r->next);
    h[nh++] = (struct http_kv){"X-Request-Id", rid};
    if (row->content_type != NULL)
        h[nh++] = (struct http_kv){"Content-Type", row->content_type};
    if (row->idem_key != NULL)
        h[nh++] = (struct http_kv){"Idempotency-Key", row->idem_key};
    http_internal(r->rc->w, row->method, row->target, row->body,
                  row->body != NULL ? strlen(row->body) : 0, row->role != 0 ? &who : NULL, h, nh,
                  r->rc, on_relayed, r);
}

static void
relay_free(void *p)
{
    json_decref(((struct relay *)p)->out);
}

/* Runs the INTERNAL table one row after another, replies with their answers. */
static void
h_relay(struct reqctx *rc)
{
    struct relay *r = arena_calloc(rc->arena, 1, sizeof(*r));

    r->rc = rc;
    r->out = json_array();
    json_incref(r->out); /* one reference for the reply, one for relay_free */
    arena_defer(rc->arena, relay_free, r);
    relay_next(r);
}

static void
on_relayed_slow(const struct http_internal_reply *rep, void *arg)
{
    struct reqctx *rc = arg;

    http_reply_data(rc, rep->status, "application/json", rep->body, rep->len, NULL);
}

/* One internal /slow; the test's client leaves before it answers. */
static void
h_relay_slow(struct reqctx *rc)
{
    http_internal(rc->w, EVHTTP_REQ_GET, "/slow", NULL, 0, NULL, NULL, 0, rc, on_relayed_slow, rc);
}

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
    app.nroutes = NROUTES;
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

static void
test_internal_requests(void **state)
{
    static char buf[16384];
    const char *req = "GET /relay HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    const char *body;
    json_t *arr;
    json_error_t je;

    (void)state;
    roundtrip(req, buf, sizeof(buf));
    assert_memory_equal(buf, "HTTP/1.1 200", 12);
    body = strstr(buf, "\r\n\r\n");
    assert_non_null(body);
    arr = json_loads(body + 4, 0, &je);
    assert_non_null(arr);
    assert_int_equal(json_array_size(arr), NINTERNAL);
    for (size_t i = 0; i < NINTERNAL; i++) {
        json_t *o = json_array_get(arr, i);
        const char *b = json_string_value(json_object_get(o, "body"));
        const char *h = json_string_value(json_object_get(o, "header"));

        print_message("internal row %zu: %s\n", i, b != NULL ? b : "(null)");
        assert_int_equal(json_integer_value(json_object_get(o, "status")), INTERNAL[i].status);
        assert_non_null(b);
        assert_non_null(strstr(b, INTERNAL[i].body_part));
        if (INTERNAL[i].header != NULL) {
            assert_non_null(h);
            assert_string_equal(h, INTERNAL[i].header_value);
        }
    }
    json_decref(arr);
    /* Counted under their own routes, as any request. */
    assert_true(metric_has(
        "motcua_http_requests_total{route=\"/hdr\",method=\"POST\",status=\"403\"} 1"));
    assert_true(metric_has(
        "motcua_http_requests_total{route=\"/stream\",method=\"GET\",status=\"500\"} 1"));
}

/* The parent's client leaves while its internal request waits: both are freed, once. */
static void
test_internal_parent_gone(void **state)
{
    const char *req = "GET /relay-slow HTTP/1.1\r\nHost: t\r\n\r\n";
    struct timespec ts = {1, 0};
    int s = connect_local();

    (void)state;
    assert_int_equal(write(s, req, strlen(req)), (ssize_t)strlen(req));
    usleep(100000);
    close(s);
    nanosleep(&ts, NULL); /* /slow ends at 600 ms; ASan reports any use after free */
    assert_true(metric_has(
        "motcua_http_requests_total{route=\"/relay-slow\",method=\"GET\",status=\"499\"} 1"));
    assert_true(metric_has(
        "motcua_http_requests_total{route=\"/slow\",method=\"GET\",status=\"200\"} 2"));
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
        cmocka_unit_test(test_internal_requests),
        cmocka_unit_test(test_internal_parent_gone),
        cmocka_unit_test(test_graceful_shutdown),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
