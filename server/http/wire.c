/*
 * wire.c - the input watcher of a client connection: what arrives is looked at before
 * evhttp parses it (docs/architecture.md "HTTP layer", docs/security.md issue 17): the end
 * of each head (and the slow-client deadlines that follow from it), the framing RFC 9112
 * allows (one Content-Length, no obs-fold, no NUL), a body refused at its head when it is
 * too large, anonymous on a route that needs a caller, or beyond the process's budget of
 * buffered bodies, and a chunked body's framing followed byte by byte as it arrives.
 */
#include "http/conn.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/bufferevent.h>

#include "app.h"
#include "core/config.h"
#include "core/log.h"
#include "http/router.h"
#include "http/server.h"

/* A head line just ended: remembers its Content-Length, if that is what it is, and whether
   a Transfer-Encoding came. */
static void
head_line(struct http_conn *c)
{
    static const char name[] = "content-length:", te[] = "transfer-encoding:";
    const char *p = c->line;
    unsigned long long v = 0;

    /* c->line holds the line's first bytes: enough to tell the field, whatever its length */
    c->line[c->linelen < sizeof(c->line) ? c->linelen : sizeof(c->line) - 1] = '\0';
    c->lines++;
    if (strncasecmp(p, te, sizeof(te) - 1) == 0)
        c->chunked = 1;
    if (strncasecmp(p, "authorization:", 14) == 0)
        c->has_auth = 1;
    if (strncasecmp(p, name, sizeof(name) - 1) != 0)
        return;
    c->ncl++;
    if (c->linelen >= sizeof(c->line)) {
        c->clen = ULLONG_MAX; /* a value too long to read here is too large (413) */
        return;
    }
    p += sizeof(name) - 1;
    while (*p == ' ' || *p == '\t')
        p++;
    for (; *p >= '0' && *p <= '9'; p++)
        v = v > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX : v * 10 + (unsigned long long)(*p - '0');
    c->clen = v;
}

/*
 * The global budget of buffered request bytes (issue 17): a body is counted from the end of
 * its head (its Content-Length, or a chunked body as it arrives) until its request is
 * answered or its connection closes, in app->buffered for all workers together. A body that
 * does not fit is refused 503 SERVER_BUSY before any byte of it is read, so anonymous
 * senders on many connections cannot take more than max(MOTCUA_MAX_BUFFERED,
 * MOTCUA_MAX_BODY) between them. budget_take returns -1 when n does not fit.
 */
static size_t
budget_limit(const struct config *cfg)
{
    return cfg->max_buffered > cfg->max_body ? cfg->max_buffered : cfg->max_body;
}

static int
budget_take(struct http_conn *c, size_t n)
{
    struct app *app = c->w->app;
    size_t limit = budget_limit(app->cfg);
    size_t cur = atomic_load_explicit(&app->buffered, memory_order_relaxed);

    do {
        if (n > limit || cur > limit - n)
            return -1;
    } while (!atomic_compare_exchange_weak_explicit(&app->buffered, &cur, cur + n,
                                                    memory_order_relaxed, memory_order_relaxed));
    c->reserved += n;
    return 0;
}

void
wire_budget_return(struct http_conn *c)
{
    if (c->reserved > 0)
        atomic_fetch_sub_explicit(&c->w->app->buffered, c->reserved, memory_order_relaxed);
    c->reserved = 0;
}

/*
 * Answers a request that evhttp has not handed to us yet with the JSON error `code`, under
 * evhttp: the input is discarded (PH_REJECTED) until the connection is closed, a second
 * later, once the reply has been flushed (the deadline timer). evhttp's write callback is
 * cleared first (a kept-alive connection's would take our bytes for the end of its last
 * reply).
 */
void
wire_refuse(struct http_conn *c, struct evbuffer *buf, enum err_code code, const char *reason,
            const char *detail, const char *logmsg)
{
    static const char retry[] = "Retry-After: 1\r\n",
                      challenge[] = "WWW-Authenticate: Bearer realm=\"motcua\"\r\n";
    bufferevent_data_cb rcb = NULL;
    bufferevent_event_cb ecb = NULL;
    void *cbarg = NULL;
    char body[512];
    int n;

    c->phase = PH_REJECTED;
    evbuffer_drain(buf, evbuffer_get_length(buf));
    wire_budget_return(c);
    n = snprintf(body, sizeof(body),
                 "{\"error\":{\"code\":\"%s\",\"message\":\"%s\",\"message_en\":\"%s\","
                 "\"status\":%d,\"detail\":\"%s\"}}",
                 err_name(code), err_msg_vi(code), err_msg_en(code), err_status(code), detail);
    bufferevent_getcb(c->bev, &rcb, NULL, &ecb, &cbarg);
    bufferevent_setcb(c->bev, rcb, NULL, ecb, cbarg);
    evbuffer_add_printf(bufferevent_get_output(c->bev),
                        "HTTP/1.1 %d %s\r\n"
                        "Content-Type: application/json; charset=utf-8\r\n"
                        "Content-Length: %d\r\nConnection: close\r\n%s"
                        "Cache-Control: no-store\r\n\r\n%s",
                        err_status(code), reason, n,
                        code == ERR_SERVER_BUSY      ? retry
                        : code == ERR_UNAUTHENTICATED ? challenge
                                                      : "",
                        body);
    bufferevent_enable(c->bev, EV_WRITE);
    log_kv(LOG_INFO, logmsg, "err", err_name(code), "detail", detail, NULL);
    conn_arm(c->deadline, 1);
}

/*
 * Memory before authentication (issue 17): a head whose framing is ambiguous - a second
 * Content-Length, or obs-fold (a line continuing the previous one, RFC 9112 §5.2) - is
 * answered 400 as soon as it ends, before any byte of its body is read or buffered
 * (evhttp would read the body its own way first).
 */
static void
reject_head(struct http_conn *c, struct evbuffer *buf, const char *why)
{
    wire_refuse(c, buf, ERR_BAD_REQUEST, "Bad Request", why, "head_refused");
}

/*
 * Authentication from the head (issue 17): a request with a body for a route that needs a
 * caller, whose head carries no Authorization at all, is answered 401 when its head ends,
 * before any byte of its body is read (the same answer as session.c's for a missing token;
 * not audited: nothing names a caller). 1 when it was refused. A request line longer than
 * c->reqline, or one whose route does not match, goes the usual way.
 */
static int
refuse_anonymous_body(struct http_conn *c, struct evbuffer *buf)
{
    const struct app *app = c->w->app;
    const char *sp, *target, *end;
    char path[sizeof(c->reqline)];
    struct route_match m;
    int method;

    if (c->has_auth || app->authenticate == NULL || c->reqlen == 0 ||
        c->reqlen >= sizeof(c->reqline))
        return 0;
    c->reqline[c->reqlen] = '\0';
    if ((sp = strchr(c->reqline, ' ')) == NULL ||
        (method = route_method_parse(c->reqline, (size_t)(sp - c->reqline))) == 0)
        return 0;
    target = sp + 1;
    if (target[0] != '/' || (end = strpbrk(target, " ?")) == NULL)
        return 0;
    memcpy(path, target, (size_t)(end - target));
    path[end - target] = '\0';
    if (route_match(app->routes, app->nroutes, method, path, &m) != 0 ||
        (m.route->flags & RF_PUBLIC))
        return 0;
    wire_refuse(c, buf, ERR_UNAUTHENTICATED, "Unauthorized",
               "missing, invalid, expired or revoked token", "auth_refused_at_head");
    return 1;
}

/* The global budget cannot hold this body now: 503 with Retry-After before reading it. */
static void
reject_busy(struct http_conn *c, struct evbuffer *buf)
{
    char detail[96];

    atomic_fetch_add_explicit(&c->w->app->buffered_refused, 1, memory_order_relaxed);
    snprintf(detail, sizeof(detail), "request bodies held by the server reached %zu bytes",
             budget_limit(c->w->app->cfg));
    wire_refuse(c, buf, ERR_SERVER_BUSY, "Service Unavailable", detail, "body_busy");
}

/*
 * A head announced a body over MOTCUA_MAX_BODY: answers 413 at once, before any byte of the
 * body is read (evhttp would read it all first, up to its ceiling). evhttp never sees this
 * head.
 */
static void
reject_body(struct http_conn *c, struct evbuffer *buf)
{
    char detail[64];

    snprintf(detail, sizeof(detail), "at most %zu bytes", c->w->app->cfg->max_body);
    wire_refuse(c, buf, ERR_BODY_TOO_LARGE, "Payload Too Large", detail, "body_refused");
}

/* Longest chunk-size line (with its extensions) and trailer line taken. */
#define CHUNK_LINE_MAX 1024

static int
hexval(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/*
 * A chunk-size line ended: its data must fit in MOTCUA_MAX_BODY with the chunks before it
 * (413 at the line, before the data is sent) and in the global budget (503). 0: go on.
 */
static int
chunk_announced(struct http_conn *c, struct evbuffer *buf)
{
    const struct config *cfg = c->w->app->cfg;

    if (c->ck_size > cfg->max_body - c->body_seen) {
        reject_body(c, buf);
        return -1;
    }
    if (budget_take(c, (size_t)c->ck_size) != 0) {
        reject_busy(c, buf);
        return -1;
    }
    c->body_seen += (size_t)c->ck_size;
    c->ck_left = c->ck_size;
    c->ck = c->ck_size == 0 ? CK_TR_START : CK_DATA;
    c->ck_size = 0;
    return 0;
}

/*
 * One byte of chunked framing (not chunk data). Returns the refusal's reason, or NULL.
 * Chunk extensions are ignored as RFC 9112 §7.1.1 asks: blanked to spaces in place (*p),
 * since evhttp reads a chunk-size line only up to a space. A sign, a "0x", a missing size,
 * a bare LF or a NUL is refused 400 here (evhttp would answer 413, or take "-2").
 */
static const char *
chunk_byte(struct http_conn *c, unsigned char *p)
{
    unsigned char ch = *p;
    int v;

    if (ch == '\0')
        return "NUL byte in the chunked framing";
    switch (c->ck) {
    case CK_SIZE:
        if ((v = hexval(ch)) >= 0) {
            if (c->ck_size > (ULLONG_MAX >> 4))
                c->ck_size = ULLONG_MAX;
            else
                c->ck_size = c->ck_size * 16 + (unsigned long long)v;
        } else if (c->ck_line == 0) {
            return "a chunk must start with its size in hexadecimal digits";
        } else if (ch == ';' || ch == ' ' || ch == '\t') {
            *p = ' ';
            c->ck = CK_EXT;
        } else if (ch == '\r') {
            c->ck = CK_SIZE_LF;
        } else {
            return "a chunk size must be hexadecimal digits";
        }
        break;
    case CK_EXT:
        if (ch == '\r')
            c->ck = CK_SIZE_LF;
        else if (ch == '\n' || (ch < 0x20 && ch != '\t') || ch == 0x7f)
            return "control character in a chunk extension";
        else
            *p = ' ';
        break;
    case CK_TR_START:
    case CK_TR_LINE:
        if (ch == '\r') {
            c->ck = c->ck == CK_TR_START ? CK_END_LF : CK_TR_LF;
        } else if (ch == '\n') {
            return "a trailer line must end with CRLF";
        } else {
            c->ck = CK_TR_LINE;
        }
        break;
    case CK_SIZE_LF:
    case CK_TR_LF:
    case CK_END_LF:
    case CK_DATA_LF:
        if (ch != '\n')
            return "a chunk line must end with CRLF";
        c->ck_line = 0;
        /* after a chunk-size line chunk_announced decides (data or trailer) */
        c->ck = c->ck == CK_TR_LF    ? CK_TR_START
                : c->ck == CK_END_LF ? CK_DONE
                : c->ck == CK_DATA_LF ? CK_SIZE
                                      : CK_DATA;
        return NULL;
    case CK_DATA_CR:
        if (ch != '\r')
            return "chunk data longer than its size";
        c->ck = CK_DATA_LF;
        break;
    case CK_DATA:
    case CK_DONE:
        break;
    }
    if (++c->ck_line > CHUNK_LINE_MAX)
        return "chunk-size or trailer line too long";
    return NULL;
}

/*
 * Follows the framing of a chunked body over n bytes at offset `from` of the input (the
 * bytes just received), before evhttp reads them: sizes checked and counted as they are
 * announced, extensions blanked, anything malformed answered 400 in JSON at once.
 */
static void
chunk_scan(struct http_conn *c, struct evbuffer *buf, size_t from, size_t n)
{
    struct evbuffer_ptr pos;
    struct evbuffer_iovec v[16];
    int nv;

    while (n > 0 && c->phase == PH_BODY && c->ck != CK_DONE) {
        size_t got = 0;

        if (evbuffer_ptr_set(buf, &pos, from, EVBUFFER_PTR_SET) != 0)
            return;
        nv = evbuffer_peek(buf, (ev_ssize_t)n, &pos, v, 16);
        for (int i = 0; i < nv && i < 16 && got < n; i++) {
            unsigned char *p = v[i].iov_base;
            size_t len = v[i].iov_len < n - got ? v[i].iov_len : n - got;

            for (size_t k = 0; k < len; k++) {
                const char *why;
                int was_size_lf = c->ck == CK_SIZE_LF;

                if (c->ck == CK_DATA) {
                    size_t take = len - k < c->ck_left ? len - k : (size_t)c->ck_left;

                    c->ck_left -= take;
                    k += take - 1;
                    if (c->ck_left == 0)
                        c->ck = CK_DATA_CR;
                    continue;
                }
                if (c->ck == CK_DONE)
                    return;
                if ((why = chunk_byte(c, p + k)) != NULL) {
                    reject_head(c, buf, why);
                    return;
                }
                if (was_size_lf && chunk_announced(c, buf) != 0)
                    return;
            }
            got += len;
        }
        if (got == 0)
            return;
        from += got;
        n -= got;
    }
}

/*
 * Input watcher: spots the empty line that ends a request head, and that head's
 * Content-Length. Once the head is complete its body has MOTCUA_BODY_TIMEOUT seconds to
 * arrive in full (the deadline timer again), so a body dribbled a byte at a time is cut too.
 */
void
wire_on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct http_conn *c = arg;
    const struct config *cfg = c->w->app->cfg;
    struct evbuffer_ptr pos;
    struct evbuffer_iovec v[8];
    int nv;
    size_t len = evbuffer_get_length(buf);

    if (c->phase == PH_REJECTED) {
        if (info->n_added > 0 && len > 0)
            evbuffer_drain(buf, len);
        return;
    }
    if (c->phase == PH_BODY && c->chunked && info->n_added > 0 && info->n_added <= len) {
        chunk_scan(c, buf, len - info->n_added, info->n_added);
        return;
    }
    if (info->n_added == 0 || c->phase == PH_BODY || c->phase == PH_BUSY || info->n_added > len)
        return;
    if (c->phase == PH_IDLE) {
        /* Next request on a kept-alive connection: its head gets the header timeout. */
        c->phase = PH_HEAD;
        c->newlines = 0;
        c->seen_byte = 0;
        c->linelen = 0;
        c->clen = 0;
        c->ncl = c->chunked = c->folded = c->lines = c->has_auth = 0;
        c->reqlen = 0;
        c->body_seen = 0;
        c->ck = CK_SIZE;
        c->ck_size = c->ck_left = 0;
        c->ck_line = 0;
        conn_arm(c->deadline, cfg->header_timeout);
        conn_set_timeout(c, cfg->read_timeout);
    }
    if (evbuffer_ptr_set(buf, &pos, len - info->n_added, EVBUFFER_PTR_SET) != 0)
        return;
    nv = evbuffer_peek(buf, (ev_ssize_t)info->n_added, &pos, v, 8);
    for (int i = 0, seen = 0; i < nv && i < 8; i++) {
        const unsigned char *p = v[i].iov_base;

        for (size_t k = 0; k < v[i].iov_len; k++, seen++) {
            if (p[k] == '\n') {
                head_line(c);
                c->linelen = 0;
                if (c->seen_byte && ++c->newlines == 2) {
                    if (c->ncl > 1 || c->folded) {
                        reject_head(c, buf, c->folded ? "obsolete line folding in the head"
                                                      : "more than one Content-Length");
                        return;
                    }
                    if (c->clen > cfg->max_body) {
                        reject_body(c, buf);
                        return;
                    }
                    if ((c->clen > 0 || c->chunked) && refuse_anonymous_body(c, buf))
                        return;
                    if (!c->chunked && budget_take(c, (size_t)c->clen) != 0) {
                        reject_busy(c, buf);
                        return;
                    }
                    c->body_seen = 0;
                    c->phase = PH_BODY;
                    conn_arm(c->deadline, cfg->body_timeout);
                    /* the start of a chunked body may have come with its head */
                    if (c->chunked && (size_t)seen + 1 < info->n_added)
                        chunk_scan(c, buf, len - info->n_added + (size_t)seen + 1,
                                   info->n_added - (size_t)seen - 1);
                    return;
                }
            } else if (p[k] == '\0') {
                /* RFC 9110 §5.5: a NUL in a field must not be passed on; evhttp would cut
                   the value there (an Authorization prefix taken for the whole). */
                reject_head(c, buf, "NUL byte in the head");
                return;
            } else if (p[k] != '\r') {
                if (c->linelen == 0 && c->lines > 0 && (p[k] == ' ' || p[k] == '\t'))
                    c->folded = 1;
                c->newlines = 0;
                c->seen_byte = 1;
                if (c->linelen < sizeof(c->line) - 1)
                    c->line[c->linelen] = (char)p[k];
                if (c->lines == 0 && c->reqlen < sizeof(c->reqline))
                    c->reqline[c->reqlen++] = (char)p[k];
                if (c->linelen < sizeof(c->line))
                    c->linelen++;
            }
        }
    }
}

