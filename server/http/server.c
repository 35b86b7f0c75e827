/*
 * server.c - evhttp worker threads, connection bookkeeping, limits, timeouts,
 * TLS and graceful shutdown; the dispatcher every request goes through. See
 * server.h and docs/architecture.md ("HTTP layer") for the reasons.
 *
 * Connection life: evhttp calls bevcb at accept, which creates the bufferevent
 * (plain or TLS) and our struct http_conn, holding one extra reference on the
 * bufferevent so its memory stays valid until we let go of it. We learn the
 * evhttp_connection at the first request (gencb) and set its close callback
 * there. A connection that closes before any request is noticed by its deadline
 * timer (the bufferevent's callbacks are cleared by bufferevent_free).
 *
 * Slow clients: evhttp 2.1 only has inactivity timeouts, which a client sending
 * one byte every few seconds never trips (slowloris). A watcher on the input
 * buffer (wire.c, which also checks the framing and the body budget before evhttp
 * reads anything) sees when the request head ends (an empty line); the deadline timer
 * closes connections whose head is not complete MOTCUA_HEADER_TIMEOUT seconds
 * after the first byte (or after accept).
 *
 * Internal requests (http_internal): a reqctx with no connection, made by server code
 * for a caller already authenticated; it goes through the same route match and body
 * checks as on_request (route_or_reply, body_checks), then the route's role check
 * against the caller's principal, and its reply is handed to the caller's callback on
 * the next loop turn (internal_deliver), never from inside the handler's reply call.
 */
#include "http/server.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <uuid/uuid.h>

#include "app.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "domain/role.h"
#include "http/idem_key.h"
#include "http/jin.h"
#include "http/metrics.h"
#include "http/conn.h"
#include "http/reqctx.h"

#define CONN_BUCKETS 1024

struct http_worker {
    struct http_conn *bucket[CONN_BUCKETS];
    int nconns;
    int max_conns; /* MOTCUA_MAX_CONNECTIONS, or lower when file descriptors are short */
    int inflight; /* reqctx alive */
    struct evhttp_bound_socket *bound;
    struct event *stop_ev, *drain_ev, *tick_ev;
    uint64_t stop_deadline_ns;
    int early_close; /* the backend reports EV_CLOSED */
    struct reqctx *internal; /* live internal requests (http_internal) */
    int ninternal;
    uint64_t rid_hi, rid_key, rid_count; /* request ids (request_id) */
};


/* libevent's own body limit: 8 x MOTCUA_MAX_BODY, at least 8 MiB, at most 256 MiB. */
static size_t
http_body_ceiling(size_t max_body)
{
    size_t c = max_body > SIZE_MAX / 8 ? SIZE_MAX : max_body * 8;

    if (c < ((size_t)8 << 20))
        c = (size_t)8 << 20;
    if (c > ((size_t)256 << 20))
        c = (size_t)256 << 20;
    return c;
}

/*
 * libevent's own head limit: 4 x MOTCUA_MAX_HEADERS, at least 64 KiB. Like bodies, a head
 * over libevent's limit gets its HTML page before any callback of ours runs, so libevent's
 * limit is a ceiling and heads between MOTCUA_MAX_HEADERS and it get our JSON 431.
 */
static size_t
http_head_ceiling(size_t max_headers)
{
    size_t c = max_headers > SIZE_MAX / 4 ? SIZE_MAX : max_headers * 4;

    if (c < ((size_t)64 << 10))
        c = (size_t)64 << 10;
    if (c > ((size_t)16 << 20))
        c = (size_t)16 << 20;
    return c;
}

/*
 * The longest request-target we serve (414 URI_TOO_LONG beyond): RFC 9112 §3 asks servers
 * to take at least 8000 octets; our paths and queries are far shorter.
 */
#define HTTP_MAX_URI 8192

/*
 * Size of the request head as it came on the wire: request line and header lines, each
 * with its CRLF, and the blank line (folded lines count once unfolded).
 */
static size_t
head_size(struct evhttp_request *req, const char *method, const char *uri)
{
    const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const struct evkeyval *kv;
    size_t n = strlen(method) + 1 + strlen(uri) + sizeof(" HTTP/1.1\r\n") - 1;

    for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next)
        n += strlen(kv->key) + 2 + strlen(kv->value) + 2;
    return n + 2;
}

static void conn_destroy(struct http_conn *c);

uint64_t
http_now_ns(void)
{
    return clock_mono_ns();
}

static size_t
hash_bev(const struct bufferevent *bev)
{
    return ((uintptr_t)bev >> 4) % CONN_BUCKETS;
}

static struct http_conn *
conn_find(struct http_worker *hw, const struct bufferevent *bev)
{
    struct http_conn *c = hw->bucket[hash_bev(bev)];

    while (c != NULL && c->bev != bev)
        c = c->hnext;
    return c;
}

/* 1 when evhttp has released the bufferevent (bufferevent_free clears the callbacks). */
static int
bev_released(struct bufferevent *bev)
{
    bufferevent_event_cb ecb = NULL;

    bufferevent_getcb(bev, NULL, NULL, &ecb, NULL);
    return ecb == NULL;
}

/* Deadline: the head did not arrive in time, the keep-alive idle time ran out, or the
 * connection closed before any request and only our reference keeps it. */
static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct http_conn *c = arg;
    evutil_socket_t s;

    (void)fd;
    (void)what;
    if (bev_released(c->bev)) {
        conn_destroy(c);
        return;
    }
    if (c->rc != NULL)
        return;
    if (c->phase == PH_BODY) {
        /* The body did not arrive within MOTCUA_BODY_TIMEOUT: 408 in JSON, then close. */
        char detail[64];

        snprintf(detail, sizeof(detail), "body not received within %d s",
                 c->w->app->cfg->body_timeout);
        wire_refuse(c, bufferevent_get_input(c->bev), ERR_REQUEST_TIMEOUT, "Request Timeout",
                   detail, "body_timeout");
        return;
    }
    s = bufferevent_getfd(c->bev);
    if (s >= 0)
        shutdown(s, SHUT_RDWR); /* evhttp reads EOF and frees the connection */
    if (c->evcon == NULL) {
        /* No close callback yet: sweep again soon. Until conn_destroy drops our reference the
         * descriptor stays open, so connections closed over the cap must not linger. */
        struct timeval tv = {0, 20000};

        event_add(c->deadline, &tv);
    }
}

static struct bufferevent *
on_accept(struct event_base *base, void *arg)
{
    struct worker *w = arg;
    struct http_worker *hw = w->hw;
    struct http_conn *c = xcalloc(1, sizeof(*c));
    size_t h;

    if (w->app->ssl != NULL) {
        SSL *ssl = SSL_new((SSL_CTX *)w->app->ssl);

        if (ssl == NULL) {
            free(c);
            return NULL;
        }
        c->bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                BEV_OPT_CLOSE_ON_FREE);
    } else {
        c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (c->bev == NULL) {
        free(c);
        return NULL;
    }
    bufferevent_incref(c->bev);
    c->w = w;
    c->phase = PH_HEAD;
    c->watch = evbuffer_add_cb(bufferevent_get_input(c->bev), wire_on_input, c);
    c->deadline = evtimer_new(base, on_deadline, c);
    h = hash_bev(c->bev);
    c->hnext = hw->bucket[h];
    hw->bucket[h] = c;
    hw->nconns++;
    metrics_conn(w->metrics, 1);
    /* Over the limit or stopping: closed on the next loop turn, before any request. */
    if (hw->nconns > hw->max_conns || atomic_load(&w->app->shutting_down))
        conn_arm(c->deadline, 0);
    else
        conn_arm(c->deadline, w->app->cfg->header_timeout);
    return c->bev;
}

static void
conn_destroy(struct http_conn *c)
{
    struct http_worker *hw = c->w->hw;
    struct http_conn **pp = &hw->bucket[hash_bev(c->bev)];

    while (*pp != c)
        pp = &(*pp)->hnext;
    *pp = c->hnext;
    evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->watch);
    event_free(c->deadline);
    if (c->hangup != NULL)
        event_free(c->hangup);
    hw->nconns--;
    wire_budget_return(c);
    metrics_conn(c->w->metrics, -1);
    bufferevent_decref(c->bev);
    free(c);
}

/*
 * Appends s to the n bytes of dst (capacity cap) as the body of a JSON string: quotes,
 * backslashes and control characters escaped, and every byte above 0x7f too when s is
 * not valid UTF-8 (a decoded path may be anything). Returns the new length; a value cut
 * at the capacity stays well-formed.
 */
static size_t
json_esc(char *dst, size_t n, size_t cap, const char *s)
{
    int ascii_only = !jin_utf8_valid(s, strlen(s));

    for (; *s != '\0' && n + 7 < cap; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '"' || ch == '\\') {
            dst[n++] = '\\';
            dst[n++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f || (ascii_only && ch >= 0x80)) {
            n += (size_t)snprintf(dst + n, cap - n, "\\u%04x", ch);
        } else {
            dst[n++] = (char)ch;
        }
    }
    dst[n] = '\0';
    return n;
}

/* The access log line and the metrics of one request, once. Written by hand, not with
 * jansson: it is the one thing every request pays for (issue 14, item 5). */
static void
account(struct reqctx *rc)
{
    uint64_t dur = http_now_ns() - rc->t_start_ns;
    size_t idx = rc->match.route != NULL ? (size_t)(rc->match.route - rc->app->routes) : (size_t)-1;
    int status = rc->replied ? rc->status : 499; /* 499: client closed first (as nginx) */
    char line[2048];
    size_t n;

    metrics_observe(rc->w->metrics, idx, rc->method, status, dur);
    if (!log_enabled(LOG_INFO))
        return;
    n = (size_t)snprintf(line, sizeof(line), "\"msg\":\"request\",\"req_id\":\"");
    n = json_esc(line, n, sizeof(line), rc->req_id);
    n += (size_t)snprintf(line + n, sizeof(line) - n, "\",\"method\":\"%s\",\"route\":\"%s\",\"path\":\"",
                          route_method_name(rc->method),
                          rc->match.route != NULL ? rc->match.route->pattern : "");
    n = json_esc(line, n, sizeof(line) - 512, rc->path != NULL ? rc->path : "");
    n += (size_t)snprintf(line + n, sizeof(line) - n,
                          "\",\"status\":%d,\"bytes\":%llu,\"dur_ms\":%.3f,\"db_ms\":%.3f", status,
                          (unsigned long long)rc->bytes_out, (double)dur / 1e6,
                          (double)rc->db_ns / 1e6);
    if (rc->err_code != NULL)
        n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"err\":\"%s\"", rc->err_code);
    if (rc->internal != NULL) {
        n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"internal\":true");
        if (rc->internal->parent_id[0] != '\0') {
            n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"parent\":\"");
            n = json_esc(line, n, sizeof(line) - 4, rc->internal->parent_id);
            snprintf(line + n, sizeof(line) - n, "\"");
        }
    }
    log_raw(status >= 500 ? LOG_WARN : LOG_INFO, line);
}

void
http_rc_release(struct reqctx *rc)
{
    struct http_worker *hw = rc->w->hw;

    if (rc->db_inflight > 0 || !(rc->completed || rc->gone))
        return;
    if (!rc->completed) {
        if (rc->on_gone != NULL)
            rc->on_gone(rc);
        /* evhttp let go of a request that had no reply yet: it is ours to free. */
        if (rc->detached && rc->req != NULL)
            evhttp_request_free(rc->req);
        account(rc);
    }
    if (rc->conn != NULL) {
        rc->conn->rc = NULL;
        if (rc->conn->hangup != NULL)
            event_del(rc->conn->hangup);
    }
    hw->inflight--;
    arena_free(rc->arena);
    free(rc);
}

void
http_rc_replying(struct reqctx *rc)
{
    /* From here the connection is evhttp's to write; a hang-up shows as a write error. */
    if (rc->conn != NULL && rc->conn->hangup != NULL && !rc->streaming)
        event_del(rc->conn->hangup);
}

static void
on_complete(struct evhttp_request *req, void *arg)
{
    struct reqctx *rc = arg;
    struct http_conn *c = rc->conn;

    (void)req;
    rc->completed = 1;
    account(rc);
    rc->req = NULL;
    if (c != NULL) {
        c->rc = NULL;
        rc->conn = NULL;
        if (c->hangup != NULL)
            event_del(c->hangup);
        c->phase = PH_IDLE;
        wire_budget_return(c);
        conn_arm(c->deadline, rc->app->cfg->idle_timeout);
        conn_set_timeout(c, rc->app->cfg->idle_timeout);
    }
    http_rc_release(rc);
}

/* The connection is being freed by evhttp (hang-up, timeout, error, server stop). */
static void
on_close(struct evhttp_connection *evcon, void *arg)
{
    struct http_conn *c = arg;
    struct reqctx *rc = c->rc;

    (void)evcon;
    if (rc != NULL) {
        rc->gone = 1;
        rc->conn = NULL;
        c->rc = NULL;
        /* Un-replied (or streaming) and detached by evhttp_connection_incoming_fail: ours. */
        if (!rc->completed && (!rc->replied || rc->streaming))
            rc->detached = evhttp_request_get_connection(rc->req) == NULL;
        http_rc_release(rc);
    }
    conn_destroy(c);
}

/* EV_CLOSED while a handler works: the client gave up; free the connection now. */
static void
on_hangup(evutil_socket_t fd, short what, void *arg)
{
    struct http_conn *c = arg;

    (void)fd;
    (void)what;
    if (c->evcon != NULL && c->rc != NULL && (!c->rc->replied || c->rc->streaming))
        evhttp_connection_free(c->evcon); /* runs on_close, which frees c */
}

static int
sane_request_id(const char *s)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        char ch = s[n];

        if (n >= 63 || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                         (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
            return 0;
    }
    return n > 0;
}

/* application/json, optionally with charset=utf-8, in any case. */
static int
is_json_type(const char *ct)
{
    const char *p;

    if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
        return 0;
    p = ct + 16;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return 1;
    if (*p != ';')
        return 0;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return 1;
    return strncasecmp(p, "charset=", 8) == 0 &&
           (strcasecmp(p + 8, "utf-8") == 0 || strcasecmp(p + 8, "\"utf-8\"") == 0);
}

static int route_or_reply(struct reqctx *rc, const char *raw_path);
static int body_checks(struct reqctx *rc);

/*
 * The X-Forwarded-For list of a request: a proxy may add its own field instead of appending
 * to the one it received, so every X-Forwarded-For field is taken, combined in order into
 * one comma-separated list (RFC 9110 §5.3), empty ones skipped. NULL when there is none.
 */
static const char *
forwarded_for(struct reqctx *rc, struct evhttp_request *req)
{
    const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const struct evkeyval *kv;
    const char *one = NULL;
    size_t n = 0;
    int k = 0;
    char *out, *p;

    for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next)
        if (strcasecmp(kv->key, "X-Forwarded-For") == 0 && kv->value[strspn(kv->value, " \t")]) {
            n += strlen(kv->value) + 2;
            one = kv->value;
            k++;
        }
    if (k <= 1)
        return one;
    out = p = arena_alloc(rc->arena, n + 1);
    for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
        size_t len;

        if (strcasecmp(kv->key, "X-Forwarded-For") != 0 || !kv->value[strspn(kv->value, " \t")])
            continue;
        if (p != out) {
            *p++ = ',';
            *p++ = ' ';
        }
        len = strlen(kv->value);
        memcpy(p, kv->value, len);
        p += len;
    }
    *p = '\0';
    return out;
}

#define MASK62 ((1ULL << 62) - 1)

/* A bijection of 62-bit words keyed by key (distinct in, distinct out): odd multiplications
   modulo 2^62, xor-shifts within 62 bits and the key xored in. */
static uint64_t
mix62(uint64_t z, uint64_t key)
{
    z = (z * 0x9e3779b97f4a7c15ULL) & MASK62;
    z ^= z >> 29;
    z = (z * 0xbf58476d1ce4e5b9ULL) & MASK62;
    z ^= z >> 31;
    return z ^ (key & MASK62);
}

/*
 * rc->req_id: the client's X-Request-Id when sane, else a new id in the form of a version-4
 * UUID: the worker's 64 random bits (drawn once, at start) and its request counter mixed
 * with another 58 random bits, so ids are distinct within the run, unguessable from one
 * another and cost no system call (libuuid costs six per id: getrandom, getpid twice,
 * gettid, getppid, getuid).
 */
static void
request_id(struct reqctx *rc)
{
    const char *hdr = rc_header(rc, "X-Request-Id");
    struct http_worker *hw = rc->w->hw;
    uint64_t lo;

    if (hdr != NULL && sane_request_id(hdr)) {
        snprintf(rc->req_id, sizeof(rc->req_id), "%s", hdr);
        return;
    }
    lo = mix62(++hw->rid_count, hw->rid_key);
    snprintf(rc->req_id, sizeof(rc->req_id), "%08x-%04x-4%03x-%04x-%012llx",
             (unsigned)(hw->rid_hi >> 32), (unsigned)(hw->rid_hi >> 16) & 0xffffu,
             (unsigned)hw->rid_hi & 0xfffu, (unsigned)(0x8000u | (lo >> 48)),
             (unsigned long long)(lo & 0xffffffffffffULL));
}

/* A new request context for req on connection c: started now (its one clock read). */
static struct reqctx *
request_new(struct worker *w, struct http_conn *c, struct evhttp_request *req)
{
    struct reqctx *rc = xcalloc(1, sizeof(*rc));

    rc->t_start_ns = http_now_ns();
    rc->now = clock_now();
    rc->req = req;
    rc->w = w;
    rc->app = w->app;
    rc->arena = arena_new();
    rc->conn = c;
    rc->method = (int)evhttp_request_get_command(req);
    c->rc = rc;
    w->hw->inflight++;
    evhttp_request_set_on_complete_cb(req, on_complete, rc);
    return rc;
}

/*
 * A request still unanswered once its handler returned waits for the database: from now
 * on a hang-up of the client frees the connection at once (on_hangup). Requests answered
 * in the handler (healthz, refusals) never arm the watcher: two epoll_ctl calls fewer.
 */
static void
watch_hangup(struct worker *w, struct http_conn *c)
{
    if (!w->hw->early_close || c->rc == NULL || (c->rc->replied && !c->rc->streaming))
        return;
    if (c->hangup == NULL)
        c->hangup = event_new(w->base, bufferevent_getfd(c->bev), EV_CLOSED, on_hangup, c);
    if (c->hangup != NULL)
        event_add(c->hangup, NULL);
}

/* The request id (the client's X-Request-Id when sane, else a new UUID), the client address,
 * the target, the decoded path and the query; returns the raw path (for routing). */
static const char *
request_names(struct reqctx *rc, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw_path;
    char *dec, *peer = NULL;
    ev_uint16_t port = 0;

    request_id(rc);
    evhttp_connection_get_peer(evcon, &peer, &port);
    /* The peer, or behind a trusted proxy the address it saw (MOTCUA_TRUSTED_PROXIES). */
    cfg_client_addr(rc->app->cfg, peer, forwarded_for(rc, req), rc->client_addr,
                    sizeof(rc->client_addr));
    rc->target = arena_strdup(rc->arena, evhttp_request_get_uri(req) != NULL
                                             ? evhttp_request_get_uri(req) : "/");
    raw_path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    if (raw_path == NULL || raw_path[0] == '\0')
        raw_path = "/";
    rc->query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
    if (rc->query != NULL)
        rc->query = arena_strdup(rc->arena, rc->query);
    dec = evhttp_uridecode(raw_path, 0, NULL);
    rc->path = arena_strdup(rc->arena, dec != NULL ? dec : raw_path);
    free(dec);
    return raw_path;
}

/*
 * The message framing of RFC 9112 (issue 17: request smuggling): a head whose body length
 * two parties could read differently is refused with 400 and the connection closed, so the
 * bytes after it are never read as another request. NULL when the framing is sound, else
 * what is wrong:
 *   - whitespace inside a field name ("Content-Length : 5"; §5.1: MUST be rejected);
 *   - more than one Content-Length (§6.3: "Content-Length: 0" then "Content-Length: 40");
 *   - a Content-Length that is not 1*DIGIT ("+2", "-1", "5, 5", "0x10");
 *   - Content-Length beside Transfer-Encoding (§6.1: possible smuggling);
 *   - a Transfer-Encoding other than exactly "chunked".
 */
static const char *
framing_error(struct evhttp_request *req)
{
    const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const struct evkeyval *kv;
    int cl = 0, te = 0;

    for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
        if (kv->key[0] == '\0' || strpbrk(kv->key, " \t\r\n") != NULL)
            return "whitespace in a header field name";
        if (strcasecmp(kv->key, "Content-Length") == 0) {
            size_t n = strlen(kv->value);

            if (++cl > 1)
                return "more than one Content-Length";
            if (n == 0 || n > 18 || strspn(kv->value, "0123456789") != n)
                return "Content-Length is not a decimal number";
        } else if (strcasecmp(kv->key, "Transfer-Encoding") == 0) {
            if (++te > 1 || strcasecmp(kv->value, "chunked") != 0)
                return "only one Transfer-Encoding: chunked is understood";
        }
    }
    if (cl > 0 && te > 0)
        return "Content-Length and Transfer-Encoding together";
    return NULL;
}

/* How many Host header fields the head has. RFC 9112 §3.2: a server answers 400 to an
   HTTP/1.1 request without one or with several (issue 17); HTTP/1.0 may omit it. */
static int
host_count(struct evhttp_request *req)
{
    const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const struct evkeyval *kv;
    int n = 0;

    for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next)
        n += strcasecmp(kv->key, "Host") == 0;
    return n;
}

/*
 * Our limits on the head (libevent's are only a ceiling, see http_head_ceiling), and no new
 * work while shutting down: replies and returns -1. The connection is closed: a client that
 * sends such heads is not worth keeping.
 */
static int
request_head_ok(struct reqctx *rc, struct evhttp_request *req)
{
    const char *target = evhttp_request_get_uri(req);
    size_t tlen = target != NULL ? strlen(target) : 0;
    const char *why;
    int hosts;

    if (tlen > HTTP_MAX_URI) {
        rc_set_header(rc, "Connection", "close");
        http_reply_err(rc, ERR_URI_TOO_LONG, "at most %d bytes", HTTP_MAX_URI);
        return -1;
    }
    if (head_size(req, route_method_name(rc->method), target != NULL ? target : "") >
        rc->app->cfg->max_headers) {
        rc_set_header(rc, "Connection", "close");
        http_reply_err(rc, ERR_HEADERS_TOO_LARGE, "at most %zu bytes", rc->app->cfg->max_headers);
        return -1;
    }
    if ((why = framing_error(req)) != NULL) {
        rc_set_header(rc, "Connection", "close");
        http_reply_err(rc, ERR_BAD_REQUEST, "%s", why);
        return -1;
    }
    hosts = host_count(req);
    if (hosts > 1 || (hosts == 0 && !(req->major == 1 && req->minor == 0))) {
        rc_set_header(rc, "Connection", "close");
        http_reply_err(rc, ERR_BAD_REQUEST, "an HTTP/1.1 request has exactly one Host header");
        return -1;
    }
    if (atomic_load(&rc->app->shutting_down)) {
        rc_set_header(rc, "Connection", "close");
        http_reply_err(rc, ERR_SHUTTING_DOWN, NULL);
        return -1;
    }
    return 0;
}

/* The body into rc->body (NUL-terminated), within MOTCUA_MAX_BODY; -1 after a 413. */
static int
request_body(struct reqctx *rc, struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t blen = evbuffer_get_length(in);

    if (blen > rc->app->cfg->max_body) {
        rc_set_header(rc, "Connection", "close");
        http_reply_err(rc, ERR_BODY_TOO_LARGE, "at most %zu bytes", rc->app->cfg->max_body);
        return -1;
    }
    if (blen > 0) {
        char *b = arena_alloc(rc->arena, blen + 1);

        evbuffer_copyout(in, b, blen);
        b[blen] = '\0';
        rc->body = b;
        rc->body_len = blen;
    }
    return 0;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
    struct worker *w = arg;
    struct app *app = w->app;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct http_conn *c = conn_find(w->hw, evhttp_connection_get_bufferevent(evcon));
    struct reqctx *rc;
    const char *raw_path;

    if (c == NULL) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    if (c->evcon == NULL) {
        c->evcon = evcon;
        evhttp_connection_set_closecb(evcon, on_close, c);
    }
    event_del(c->deadline);
    c->phase = PH_BUSY;
    conn_set_timeout(c, app->cfg->write_timeout);
    rc = request_new(w, c, req);
    raw_path = request_names(rc, req);
    if (request_head_ok(rc, req) != 0 || route_or_reply(rc, raw_path) != 0)
        return;
    if (rc->match.route->flags & RF_STREAM) {
        c->phase = PH_BUSY;
        if (c->evcon != NULL)
            evhttp_connection_set_timeout_tv(c->evcon, NULL);
    }
    if (request_body(rc, req) != 0)
        return;
    if (!(rc->match.route->flags & RF_PUBLIC) && app->authenticate != NULL) {
        /* The body is checked and parsed only once the caller is known (issue 17: an
           anonymous sender costs no JSON parsing); http_dispatch does it. */
        rc->body_pending = 1;
        app->authenticate(rc);
    } else if (body_checks(rc) == 0) {
        http_dispatch(rc);
    }
    watch_hangup(w, c);
}

/*
 * Routes rc (method, raw_path) into rc->match; on no match replies 404, or 405 with Allow,
 * and returns -1.
 */
static int
route_or_reply(struct reqctx *rc, const char *raw_path)
{
    if (route_match(rc->app->routes, rc->app->nroutes, rc->method, raw_path, &rc->match) == 0)
        return 0;
    if (rc->match.allow != 0) {
        char allow[96];

        route_allow_header(rc->match.allow, allow, sizeof(allow));
        rc_set_header(rc, "Allow", allow);
        http_reply_err(rc, ERR_METHOD_NOT_ALLOWED, "allowed: %s", allow);
    } else {
        http_reply_err(rc, ERR_NOT_FOUND, NULL);
    }
    return -1;
}

/*
 * The checks of a routed request's body (already within MOTCUA_MAX_BODY, in rc->body):
 * Idempotency-Key syntax, and for RF_JSON routes the media type and the strict parse
 * into rc->json. Replies and returns -1 when one fails.
 */
static int
body_checks(struct reqctx *rc)
{
    const char *hdr;
    struct mc_err e;

    hdr = rc_header(rc, "Idempotency-Key");
    if (hdr != NULL) {
        /* The one rule (http/idem_key.h), the same the idempotency store applies. */
        if (!http_idem_key_valid(hdr)) {
            http_reply_err(rc, ERR_BAD_REQUEST, "%s", IDEM_KEY_RULE);
            return -1;
        }
        rc->idem_key = arena_strdup(rc->arena, hdr);
    }
    if (rc->match.route->flags & RF_JSON) {
        /* An empty body stands for {} (actions without parameters). */
        if (rc->body_len == 0) {
            rc->json = json_object();
        } else if (!is_json_type(rc_header(rc, "Content-Type"))) {
            http_reply_err(rc, ERR_UNSUPPORTED_MEDIA, "expected application/json; charset=utf-8");
            return -1;
        } else {
            err_clear(&e);
            if (rc->w != NULL && rc->w->metrics != NULL)
                metrics_json_parsed(rc->w->metrics, rc->body_len);
            rc->json = jin_parse_strict(rc->body, rc->body_len, &e);
            if (rc->json == NULL) {
                http_reply_error(rc, &e);
                return -1;
            }
        }
        arena_defer(rc->arena, (void (*)(void *))json_decref, rc->json);
    }
    return 0;
}

void
http_dispatch(struct reqctx *rc)
{
    if (rc->body_pending) {
        rc->body_pending = 0;
        if (body_checks(rc) != 0)
            return;
    }
    rc->match.route->fn(rc);
}

/* ---- internal requests --------------------------------------------------------------- */

static void
internal_unlink(struct reqctx *rc)
{
    struct http_internal_ctx *ic = rc->internal;
    struct http_worker *hw = rc->w->hw;

    if (ic->prev != NULL)
        ic->prev->internal->next = ic->next;
    else
        hw->internal = ic->next;
    if (ic->next != NULL)
        ic->next->internal->prev = ic->prev;
    ic->next = ic->prev = NULL;
    hw->ninternal--;
}

/*
 * Hands the reply to the caller, once: the access line and metrics, then done (or, when
 * the parent's client left or the parent was answered meanwhile, the parent's release),
 * then the internal request's own release (now or when its last database job is back).
 */
static void
internal_deliver(struct reqctx *rc)
{
    struct http_internal_ctx *ic = rc->internal;
    struct reqctx *parent = ic->parent;
    struct http_internal_reply r;

    event_free(ic->deliver);
    ic->deliver = NULL;
    internal_unlink(rc);
    rc->completed = 1;
    account(rc);
    r.status = rc->status;
    r.body = ic->body != NULL ? ic->body : "";
    r.len = ic->len;
    r.headers = ic->out;
    r.nheaders = ic->nout;
    if (parent != NULL) {
        parent->db_inflight--;
        if (parent->gone || parent->completed)
            http_rc_release(parent);
        else
            ic->done(&r, ic->arg);
    } else {
        ic->done(&r, ic->arg);
    }
    http_rc_release(rc);
}

static void
on_internal_deliver(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    internal_deliver(arg);
}

void
http_internal_replied(struct reqctx *rc)
{
    struct timeval zero = {0, 0};

    event_add(rc->internal->deliver, &zero);
}

/* A new internal request context (reqctx.h) on w, linked into the worker's list. */
static struct reqctx *
internal_new(struct worker *w, int method, const struct http_kv *headers, size_t nheaders,
             struct reqctx *parent, http_internal_fn done, void *arg)
{
    struct http_worker *hw = w->hw;
    struct http_internal_ctx *ic;
    struct reqctx *rc = xcalloc(1, sizeof(*rc));

    rc->t_start_ns = http_now_ns();
    rc->now = clock_now();
    rc->w = w;
    rc->app = w->app;
    rc->arena = arena_new();
    rc->method = method;
    ic = arena_calloc(rc->arena, 1, sizeof(*ic));
    rc->internal = ic;
    ic->parent = parent;
    ic->done = done;
    ic->arg = arg;
    ic->deliver = evtimer_new(w->base, on_internal_deliver, rc);
    if (ic->deliver == NULL)
        abort(); /* out of memory, as xmalloc */
    ic->in = arena_calloc(rc->arena, nheaders > 0 ? nheaders : 1, sizeof(*ic->in));
    for (size_t i = 0; i < nheaders; i++)
        if (headers[i].name != NULL && headers[i].value != NULL) {
            ic->in[ic->nin].name = arena_strdup(rc->arena, headers[i].name);
            ic->in[ic->nin++].value = arena_strdup(rc->arena, headers[i].value);
        }
    ic->next = hw->internal;
    if (hw->internal != NULL)
        hw->internal->internal->prev = rc;
    hw->internal = rc;
    hw->ninternal++;
    hw->inflight++;
    if (parent != NULL) {
        parent->db_inflight++; /* parent stays alive until done (see reqctx.h) */
        snprintf(ic->parent_id, sizeof(ic->parent_id), "%s", parent->req_id);
        snprintf(rc->client_addr, sizeof(rc->client_addr), "%s", parent->client_addr);
    }
    return rc;
}

/* Target, query and decoded path of an internal request; returns the raw path. */
static const char *
internal_names(struct reqctx *rc, const char *target)
{
    const char *q, *raw_path;
    char *copy, *dec;

    rc->target = arena_strdup(rc->arena, target != NULL && target[0] != '\0' ? target : "/");
    q = strchr(rc->target, '?');
    copy = arena_strdup(rc->arena, rc->target);
    if (q != NULL) {
        copy[q - rc->target] = '\0';
        rc->query = q + 1;
    }
    raw_path = copy[0] != '\0' ? copy : "/";
    dec = evhttp_uridecode(raw_path, 0, NULL);
    rc->path = arena_strdup(rc->arena, dec != NULL ? dec : raw_path);
    free(dec);
    return raw_path;
}

/* The checks of on_request that apply without a wire head, in the same order, and the body;
 * -1 after replying. */
static int
internal_checks(struct reqctx *rc, const char *raw_path, const char *body, size_t len)
{
    if (strlen(rc->target) > HTTP_MAX_URI) {
        http_reply_err(rc, ERR_URI_TOO_LONG, "at most %d bytes", HTTP_MAX_URI);
        return -1;
    }
    if (atomic_load(&rc->app->shutting_down)) {
        http_reply_err(rc, ERR_SHUTTING_DOWN, NULL);
        return -1;
    }
    if (route_or_reply(rc, raw_path) != 0)
        return -1;
    if (rc->match.route->flags & RF_STREAM) {
        http_reply_err(rc, ERR_INTERNAL, "streaming route in an internal request");
        return -1;
    }
    if (len > rc->app->cfg->max_body) {
        http_reply_err(rc, ERR_BODY_TOO_LARGE, "at most %zu bytes", rc->app->cfg->max_body);
        return -1;
    }
    if (len > 0) {
        char *b = arena_alloc(rc->arena, len + 1);

        memcpy(b, body, len);
        b[len] = '\0';
        rc->body = b;
        rc->body_len = len;
    }
    return body_checks(rc);
}

void
http_internal(struct worker *w, int method, const char *target, const char *body, size_t len,
              const struct principal *who, const struct http_kv *headers, size_t nheaders,
              struct reqctx *parent, http_internal_fn done, void *arg)
{
    struct reqctx *rc = internal_new(w, method, headers, nheaders, parent, done, arg);
    const char *raw_path;

    request_id(rc);
    raw_path = internal_names(rc, target);
    if (internal_checks(rc, raw_path, body, len) != 0)
        return;
    if (!(rc->match.route->flags & RF_PUBLIC)) {
        /* The caller's principal, authenticated by the caller: only the route's role rule
         * (the rule of api/auth/auth.c's authorize) is applied here. */
        if (who == NULL || !who->authenticated) {
            http_reply_err(rc, ERR_UNAUTHENTICATED, "internal request without a principal");
            return;
        }
        rc->who = *who;
        if ((rc->match.route->roles & rc->who.role) == 0) {
            http_reply_err(rc, ERR_FORBIDDEN, "role %s may not use this route",
                           role_name(rc->who.role) ? role_name(rc->who.role) : "?");
            return;
        }
    }
    http_dispatch(rc);
}

/*
 * At a worker's stop, after its pool and evhttp were freed: every internal request has
 * replied by then (its database jobs were called back with DB_UNAVAILABLE), so deliver
 * what is pending; parents whose connection closed are released instead of called.
 */
static void
internal_flush(struct worker *w)
{
    struct http_worker *hw = w->hw;
    int rounds = 0;

    while (hw->internal != NULL) {
        struct reqctx *rc = hw->internal;

        while (rc != NULL && !rc->replied)
            rc = rc->internal->next;
        if (rc == NULL || ++rounds > 100000) {
            log_kv(LOG_ERROR, "internal requests left without a reply", NULL);
            return;
        }
        event_del(rc->internal->deliver);
        internal_deliver(rc);
    }
}

/*
 * Publishes the pool statistics for /metrics once a second, and frees the connections that
 * their client closed before any request: evhttp has let go of them, but our reference keeps
 * the bufferevent, its descriptor and its place under MOTCUA_MAX_CONNECTIONS until the
 * deadline timer (the header timeout) would notice.
 */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct db_pool_stats s;

    (void)fd;
    (void)what;
    for (size_t i = 0; i < CONN_BUCKETS; i++) {
        struct http_conn *c = w->hw->bucket[i], *next;

        for (; c != NULL; c = next) {
            next = c->hnext;
            if (c->evcon == NULL && c->rc == NULL && bev_released(c->bev))
                conn_destroy(c);
        }
    }
    if (w->db != NULL) {
        db_pool_stats(w->db, &s);
        metrics_set_pool(w->metrics, &s);
    }
}

static void
finish_worker(struct worker *w)
{
    struct http_worker *hw = w->hw;

    if (w->db != NULL) {
        db_pool_free(w->db); /* in-flight units are called back with DB_UNAVAILABLE */
        w->db = NULL;
    }
    if (w->http != NULL) {
        evhttp_free(w->http); /* closes the remaining connections (close callbacks run) */
        w->http = NULL;
    }
    internal_flush(w);
    for (size_t i = 0; i < CONN_BUCKETS; i++)
        while (hw->bucket[i] != NULL)
            conn_destroy(hw->bucket[i]);
    event_base_loopexit(w->base, NULL);
}

static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct http_worker *hw = w->hw;
    struct timeval tv = {0, 50000};

    (void)fd;
    (void)what;
    int busy = 0;

    /* Open SSE streams never finish on their own: wait only for ordinary requests. */
    for (size_t i = 0; i < CONN_BUCKETS; i++)
        for (struct http_conn *c = hw->bucket[i]; c != NULL; c = c->hnext)
            busy += c->rc != NULL && !c->rc->streaming;
    busy += hw->ninternal; /* also those whose parent's client left */
    if (busy == 0 || http_now_ns() >= hw->stop_deadline_ns) {
        if (busy > 0)
            log_kv(LOG_WARN, "shutdown grace over", "worker", "", NULL);
        finish_worker(w);
        return;
    }
    event_add(hw->drain_ev, &tv);
}

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct http_worker *hw = w->hw;

    (void)fd;
    (void)what;
    if (hw->bound != NULL) {
        evhttp_del_accept_socket(w->http, hw->bound); /* stop accepting */
        hw->bound = NULL;
    }
    hw->stop_deadline_ns = http_now_ns() + (uint64_t)w->app->cfg->shutdown_grace * 1000000000u;
    event_active(hw->drain_ev, 0, 0);
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;

    event_base_dispatch(w->base);
    return NULL;
}

/* One listening socket: SO_REUSEPORT so every worker binds the same address. */
static evutil_socket_t
listen_socket(const struct addrinfo *ai, int port, struct mc_err *e)
{
    struct sockaddr_storage ss;
    int one = 1;
    evutil_socket_t s;

    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    if (ss.ss_family == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
    s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
        err_field(e, ERR_INTERNAL, "MOTCUA_LISTEN", "socket: %s", strerror(errno));
        return -1;
    }
    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        bind(s, (struct sockaddr *)&ss, ai->ai_addrlen) != 0 || listen(s, 1024) != 0) {
        err_field(e, ERR_INTERNAL, "MOTCUA_LISTEN", "MOTCUA_LISTEN: cannot listen on %s: %s",
                  e->detail[0] != '\0' ? e->detail : "address", strerror(errno));
        close(s);
        return -1;
    }
    return s;
}

static int
resolve(const char *listen, struct addrinfo **res, int *port, struct mc_err *e)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    size_t hl;
    struct addrinfo hints;
    int rv;

    if (colon == NULL)
        return err_field(e, ERR_VALIDATION, "MOTCUA_LISTEN", "MOTCUA_LISTEN must be host:port");
    hl = (size_t)(colon - listen);
    if (hl >= 2 && listen[0] == '[' && listen[hl - 1] == ']') {
        memcpy(host, listen + 1, hl - 2);
        host[hl - 2] = '\0';
    } else {
        snprintf(host, sizeof(host), "%.*s", (int)hl, listen);
    }
    *port = atoi(colon + 1);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    rv = getaddrinfo(host[0] != '\0' ? host : NULL, NULL, &hints, res); /* start-up only */
    if (rv != 0)
        return err_field(e, ERR_VALIDATION, "MOTCUA_LISTEN", "MOTCUA_LISTEN: %s: %s", host,
                         gai_strerror(rv));
    return 0;
}

int
http_tls_init(struct app *app, struct mc_err *e)
{
    const struct config *cfg = app->cfg;
    SSL_CTX *ctx;

    if (cfg->tls_cert[0] == '\0')
        return 0;
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return err_set(e, ERR_INTERNAL, "TLS: cannot create a context");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* TLS 1.2: forward secrecy (ECDHE) and AEAD only - no static-RSA key exchange, no CBC,
       no SHA-1 MACs (issue 17; docs/security.md). TLS 1.3's suites are all AEAD with an
       ephemeral exchange and stay OpenSSL's defaults. */
    if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL") != 1) {
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return err_set(e, ERR_INTERNAL, "TLS: cannot set the TLS 1.2 cipher suites");
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return err_field(e, ERR_VALIDATION, "MOTCUA_TLS_CERT",
                         "MOTCUA_TLS_CERT: cannot load a PEM certificate from %s", cfg->tls_cert);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return err_field(e, ERR_VALIDATION, "MOTCUA_TLS_KEY",
                         "MOTCUA_TLS_KEY: cannot load %s or it does not match the certificate",
                         cfg->tls_key);
    }
    app->ssl = (struct ssl_ctx_st *)ctx;
    return 0;
}

/* The worker's request-id bits (request_id): libuuid's random bytes, once. */
static void
request_id_seed(struct http_worker *hw)
{
    uuid_t u;
    uint64_t k[2];

    uuid_generate_random(u);
    memcpy(k, u, sizeof(k));
    hw->rid_hi = k[0];
    hw->rid_key = k[1];
}

static int
worker_init(struct app *app, struct worker *w, evutil_socket_t fd, int max_conns,
            struct mc_err *e)
{
    const struct config *cfg = app->cfg;
    struct timeval tv = {cfg->read_timeout, 0};
    struct timeval tick = {1, 0};

    w->app = app;
    w->hw = xcalloc(1, sizeof(*w->hw));
    request_id_seed(w->hw);
    w->hw->max_conns = max_conns;
    w->base = event_base_new();
    if (w->base == NULL) {
        close(fd);
        return err_set(e, ERR_INTERNAL, "cannot create an event base");
    }
    w->hw->early_close = (event_base_get_features(w->base) & EV_FEATURE_EARLY_CLOSE) != 0;
    w->http = evhttp_new(w->base);
    w->metrics = metrics_new(app->nroutes);
    if (w->http == NULL) {
        close(fd);
        return err_set(e, ERR_INTERNAL, "cannot create the HTTP server");
    }
    /*
     * libevent 2.1 answers a body over its own limit with an HTML 413 before any callback
     * of ours runs (evhttp_send_error; 2.1 has no error callback). So libevent's limit is a
     * hard ceiling well above MOTCUA_MAX_BODY, and bodies between the two get our JSON 413
     * (dispatch below). Only bodies past the ceiling meet libevent's page.
     */
    evhttp_set_max_body_size(w->http, (ev_ssize_t)http_body_ceiling(cfg->max_body));
    /* Same for the head: MOTCUA_MAX_HEADERS and HTTP_MAX_URI are ours (on_request). */
    evhttp_set_max_headers_size(w->http, (ev_ssize_t)http_head_ceiling(cfg->max_headers));
    evhttp_set_timeout_tv(w->http, &tv);
    /*
     * Every standard method reaches the router, whose JSON 405 names the allowed ones;
     * a method left out here would get libevent's HTML 405 instead.
     */
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                                            EVHTTP_REQ_CONNECT);
    evhttp_set_default_content_type(w->http, "application/json; charset=utf-8");
    evhttp_set_gencb(w->http, on_request, w);
    evhttp_set_bevcb(w->http, on_accept, w);
    w->hw->bound = evhttp_accept_socket_with_handle(w->http, fd);
    if (w->hw->bound == NULL) {
        close(fd);
        return err_set(e, ERR_INTERNAL, "cannot accept on the listening socket");
    }
    w->hw->stop_ev = event_new(w->base, -1, 0, on_stop, w);
    w->hw->drain_ev = evtimer_new(w->base, on_drain, w);
    w->hw->tick_ev = event_new(w->base, -1, EV_PERSIST, on_tick, w);
    event_add(w->hw->tick_ev, &tick);
    w->db = db_pool_new(w->base, cfg->database_url, cfg->db_pool, cfg->db_pipeline_depth);
    if (w->db != NULL)
        db_pool_set_deadline(w->db, cfg->db_deadline * 1000);
    if (app->worker_init != NULL)
        app->worker_init(w);
    return 0;
}

/*
 * File descriptors: every connection is one, and the default soft RLIMIT_NOFILE (1024) is
 * far below MOTCUA_THREADS x MOTCUA_MAX_CONNECTIONS. At accept time EMFILE is not a
 * condition libevent retries quietly: it logs an error for every attempt while the listener
 * stays readable. So the soft limit is raised towards the hard one as far as needed, and
 * when even the hard limit is too low the per-worker cap is lowered to what fits, with a
 * warning naming the numbers. Besides the connections, each worker holds its pool's
 * PostgreSQL connections and FD_PER_WORKER more (listening socket, event base, wake-up
 * descriptors, outgoing webhook connections, a burst of connections accepted over the cap
 * before they are closed); FD_RESERVE is for the rest of the process (standard streams,
 * notification listener, temporary files).
 */
#define FD_PER_WORKER 16
#define FD_RESERVE 64

static int
fd_budget(const struct config *cfg)
{
    struct rlimit rl;
    long long threads = cfg->threads, per = (long long)cfg->db_pool + FD_PER_WORKER;
    long long need = threads * ((long long)cfg->max_conns + per) + FD_RESERVE;
    long long soft0, have, cap = cfg->max_conns;
    char s_need[24], s_soft0[24], s_soft[24], s_hard[24], s_cap[24], s_want[24], s_thr[24];

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_kv(LOG_WARN, "getrlimit(RLIMIT_NOFILE) failed", "error", strerror(errno), NULL);
        return cfg->max_conns;
    }
    soft0 = rl.rlim_cur == RLIM_INFINITY ? LLONG_MAX : (long long)rl.rlim_cur;
    if (soft0 < need) {
        struct rlimit nl = rl;

        nl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || (long long)rl.rlim_max >= need)
                          ? (rlim_t)need
                          : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
            rl = nl;
    }
    have = rl.rlim_cur == RLIM_INFINITY ? LLONG_MAX : (long long)rl.rlim_cur;
    if (have < need) {
        cap = (have - FD_RESERVE) / threads - per;
        if (cap < 1)
            cap = 1;
    }
    snprintf(s_need, sizeof(s_need), "%lld", need);
    snprintf(s_soft0, sizeof(s_soft0), "%lld", soft0);
    snprintf(s_soft, sizeof(s_soft), "%lld", have);
    if (rl.rlim_max == RLIM_INFINITY)
        snprintf(s_hard, sizeof(s_hard), "unlimited");
    else
        snprintf(s_hard, sizeof(s_hard), "%lld", (long long)rl.rlim_max);
    if (soft0 == LLONG_MAX)
        snprintf(s_soft0, sizeof(s_soft0), "unlimited");
    if (have == LLONG_MAX)
        snprintf(s_soft, sizeof(s_soft), "unlimited");
    snprintf(s_cap, sizeof(s_cap), "%lld", cap);
    snprintf(s_want, sizeof(s_want), "%d", cfg->max_conns);
    snprintf(s_thr, sizeof(s_thr), "%d", cfg->threads);
    if (have < need)
        log_kv(LOG_WARN, "file descriptor limit too low: MOTCUA_MAX_CONNECTIONS lowered",
               "max_connections", s_want, "effective_max_connections", s_cap, "threads", s_thr,
               "fds_needed", s_need, "soft_limit", s_soft, "hard_limit", s_hard, NULL);
    else
        log_kv(LOG_INFO, "file descriptors", "max_connections", s_want, "threads", s_thr,
               "fds_needed", s_need, "soft_limit_was", s_soft0, "soft_limit", s_soft,
               "hard_limit", s_hard, NULL);
    return (int)cap;
}

/* ---- start-up while the database is unreachable ------------------------------------ */

struct http_waiting {
    struct event_base *base;
    struct evhttp *http;
};

static void
waiting_reply(struct evhttp_request *req, void *arg)
{
    const char *uri = evhttp_request_get_uri(req);
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    struct evbuffer *b = evbuffer_new();
    int health = uri != NULL && strcmp(uri, "/healthz") == 0;

    (void)arg;
    evhttp_add_header(out, "Content-Type", "application/json; charset=utf-8");
    evhttp_add_header(out, "Cache-Control", "no-store");
    if (health) {
        evbuffer_add_printf(b, "{\"status\":\"starting\"}");
    } else {
        evhttp_add_header(out, "Retry-After", "5");
        evbuffer_add_printf(b, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\",\"message_en\":"
                               "\"%s\",\"status\":503,\"detail\":\"the server is waiting for "
                               "its database\"}}",
                            err_name(ERR_DB_UNAVAILABLE), err_msg_vi(ERR_DB_UNAVAILABLE),
                            err_msg_en(ERR_DB_UNAVAILABLE));
    }
    evhttp_send_reply(req, health ? 200 : 503, health ? "OK" : "Service Unavailable", b);
    evbuffer_free(b);
}

/* The interim listener, or NULL (TLS configured, or the address cannot be bound: then the
   real start reports it). */
static struct http_waiting *
waiting_open(struct app *app)
{
    struct http_waiting *w;
    struct addrinfo *ai = NULL;
    struct mc_err e;
    int port = 0;
    evutil_socket_t fd;

    err_clear(&e);
    if (app->ssl != NULL || resolve(app->cfg->listen, &ai, &port, &e) != 0)
        return NULL;
    fd = listen_socket(ai, port, &e);
    freeaddrinfo(ai);
    if (fd < 0)
        return NULL;
    w = xcalloc(1, sizeof *w);
    w->base = event_base_new();
    w->http = w->base != NULL ? evhttp_new(w->base) : NULL;
    if (w->http == NULL || evhttp_accept_socket(w->http, fd) != 0) {
        close(fd);
        http_waiting_free(w);
        return NULL;
    }
    evhttp_set_timeout(w->http, 10);
    evhttp_set_gencb(w->http, waiting_reply, NULL);
    return w;
}

void
http_waiting_free(struct http_waiting *w)
{
    if (w == NULL)
        return;
    if (w->http != NULL)
        evhttp_free(w->http);
    if (w->base != NULL)
        event_base_free(w->base);
    free(w);
}

int
http_wait_until(struct app *app, int (*ready)(void *arg, struct mc_err *e), void *arg,
                struct http_waiting **waiting, struct mc_err *e)
{
    int delay = 1;

    *waiting = NULL;
    for (;;) {
        struct timeval tv = {delay, 0};
        char s[16];

        err_clear(e);
        if (ready(arg, e) == 0)
            return 0;
        if (e->code != ERR_DB_UNAVAILABLE) {
            http_waiting_free(*waiting);
            *waiting = NULL;
            return -1;
        }
        if (*waiting == NULL)
            *waiting = waiting_open(app);
        snprintf(s, sizeof s, "%d", delay);
        log_kv(LOG_WARN, "database unreachable, waiting", "detail", e->detail, "retry_in_s", s,
               NULL);
        if (*waiting != NULL) {
            event_base_loopexit((*waiting)->base, &tv);
            event_base_dispatch((*waiting)->base);
        } else {
            sleep((unsigned)delay);
        }
        delay = delay * 2 > 30 ? 30 : delay * 2;
    }
}

int
http_server_start(struct app *app, int *port_out, struct mc_err *e)
{
    struct addrinfo *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int port = 0, max_conns;
    sigset_t set;

    if (resolve(app->cfg->listen, &ai, &port, e) != 0)
        return -1;
    max_conns = fd_budget(app->cfg);
    evthread_use_pthreads();
    app->nworkers = app->cfg->threads;
    app->workers = xcalloc((size_t)app->nworkers, sizeof(struct worker));
    for (int i = 0; i < app->nworkers; i++) {
        evutil_socket_t fd = listen_socket(ai, port, e);

        app->workers[i].id = i;
        if (fd < 0 || worker_init(app, &app->workers[i], fd, max_conns, e) != 0) {
            freeaddrinfo(ai);
            app->nworkers = i + (fd >= 0);
            return -1;
        }
        if (i == 0 && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
            port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                 : ((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    freeaddrinfo(ai);
    if (port_out != NULL)
        *port_out = port;
    /* Signals go to the main thread's sigwait only; SIGPIPE is ignored everywhere. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    for (int i = 0; i < app->nworkers; i++)
        if (pthread_create(&app->workers[i].thread, NULL, worker_main, &app->workers[i]) != 0)
            return err_set(e, ERR_INTERNAL, "cannot start worker thread %d", i);
    return 0;
}

void
http_server_wait(struct app *app)
{
    sigset_t set;
    int sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigwait(&set, &sig);
    atomic_store(&app->shutting_down, 1);
    log_kv(LOG_INFO, "shutting down", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
    for (int i = 0; i < app->nworkers; i++)
        event_active(app->workers[i].hw->stop_ev, 0, 0);
    for (int i = 0; i < app->nworkers; i++)
        pthread_join(app->workers[i].thread, NULL);
}

void
http_server_free(struct app *app)
{
    for (int i = 0; i < app->nworkers; i++) {
        struct worker *w = &app->workers[i];

        if (w->hw != NULL) {
            if (w->hw->stop_ev != NULL)
                event_free(w->hw->stop_ev);
            if (w->hw->drain_ev != NULL)
                event_free(w->hw->drain_ev);
            if (w->hw->tick_ev != NULL)
                event_free(w->hw->tick_ev);
        }
        if (w->db != NULL)
            db_pool_free(w->db);
        if (w->http != NULL)
            evhttp_free(w->http);
        if (w->base != NULL)
            event_base_free(w->base);
        metrics_free(w->metrics);
        free(w->hw);
    }
    free(app->workers);
    app->workers = NULL;
    app->nworkers = 0;
    if (app->ssl != NULL)
        SSL_CTX_free((SSL_CTX *)app->ssl);
    app->ssl = NULL;
}
