/*
 * reqctx.c - request accessors and the reply functions of reqctx.h: the error
 * envelope, JSON and byte replies, chunked streaming (SSE). Every reply carries
 * X-Request-Id; JSON replies are application/json; charset=utf-8 and
 * Cache-Control: no-store (they may hold personal data).
 *
 * Internal requests (rc->internal, rc->req == NULL; http_internal in server.c) take the
 * same paths: headers are read from and written to the key/value lists of their
 * http_internal_ctx, and the body of a reply is kept there for the caller.
 */
#include "http/reqctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "app.h"
#include "core/hex.h"
#include "core/log.h"
#include "http/jin.h"
#include "http/server.h"

const char *
rc_param(const struct reqctx *rc, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < rc->match.nparams; i++)
        if (rc->match.params[i].name_len == n && memcmp(rc->match.params[i].name, name, n) == 0)
            return rc->match.params[i].value;
    return NULL;
}

/* Form decoding of s[0..n) ('+' is a space); NULL on a bad escape, NUL or bad UTF-8. */
static char *
form_decode(struct arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];

        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi, lo;

            if (i + 2 >= n)
                return NULL;
            hi = hex_digit((unsigned char)s[i + 1]);
            lo = hex_digit((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return NULL;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0)
            return NULL;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return jin_utf8_valid(out, o) ? out : NULL;
}

const char *
rc_query(struct reqctx *rc, const char *name)
{
    const char *p = rc->query;
    size_t nl = strlen(name);

    while (p != NULL && *p != '\0') {
        const char *amp = strchr(p, '&');
        size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t kl = eq != NULL ? (size_t)(eq - p) : len;
        char *k = form_decode(rc->arena, p, kl);

        if (k != NULL && strlen(k) == nl && memcmp(k, name, nl) == 0)
            return eq != NULL ? form_decode(rc->arena, eq + 1, len - kl - 1) : "";
        p = amp != NULL ? amp + 1 : NULL;
    }
    return NULL;
}

const char *
http_kv_get(const struct http_kv *kv, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(kv[i].name, name) == 0)
            return kv[i].value;
    return NULL;
}

const char *
rc_header(const struct reqctx *rc, const char *name)
{
    if (rc->internal != NULL)
        return http_kv_get(rc->internal->in, rc->internal->nin, name);
    if (rc->req == NULL || rc->gone)
        return NULL;
    return evhttp_find_header(evhttp_request_get_input_headers(rc->req), name);
}

/* A reply header already set, or NULL. */
static const char *
out_header_get(struct reqctx *rc, const char *name)
{
    if (rc->internal != NULL)
        return http_kv_get(rc->internal->out, rc->internal->nout, name);
    return evhttp_find_header(evhttp_request_get_output_headers(rc->req), name);
}

/* Sets a reply header (replacing one of the same name). */
static void
out_header(struct reqctx *rc, const char *name, const char *value)
{
    struct http_internal_ctx *ic = rc->internal;
    struct evkeyvalq *h;

    if (ic != NULL) {
        size_t i;

        for (i = 0; i < ic->nout && strcasecmp(ic->out[i].name, name) != 0; i++)
            ;
        if (i == ic->nout) {
            if (ic->nout == ic->capout) {
                struct http_kv *grown;

                ic->capout = ic->capout != 0 ? ic->capout * 2 : 8;
                grown = arena_calloc(rc->arena, ic->capout, sizeof(*grown));
                if (ic->nout > 0)
                    memcpy(grown, ic->out, ic->nout * sizeof(*grown));
                ic->out = grown;
            }
            ic->out[ic->nout++].name = arena_strdup(rc->arena, name);
        }
        ic->out[i].value = arena_strdup(rc->arena, value);
        return;
    }
    h = evhttp_request_get_output_headers(rc->req);
    evhttp_remove_header(h, name);
    evhttp_add_header(h, name, value);
}

void
rc_set_header(struct reqctx *rc, const char *name, const char *value)
{
    if ((rc->req == NULL && rc->internal == NULL) || rc->gone || rc->replied)
        return;
    out_header(rc, name, value);
}

static const char *
reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return status < 400 ? "OK" : "Error";
    }
}

/*
 * Marks the reply as made. Returns 0 when the caller may write it, -1 when the client is
 * gone (the request is then released) or a reply was already made (a bug: logged).
 */
static int
begin_reply(struct reqctx *rc, int status)
{
    if (rc->replied) {
        log_kv(LOG_ERROR, "second reply ignored", "req_id", rc->req_id, NULL);
        return -1;
    }
    rc->replied = 1;
    rc->status = status;
    if (rc->gone) {
        http_rc_release(rc);
        return -1;
    }
    out_header(rc, "X-Request-Id", rc->req_id);
    http_rc_replying(rc);
    return 0;
}

/* Sends buf (consumed) as the whole reply. */
static void
send_buf(struct reqctx *rc, int status, const char *content_type, struct evbuffer *buf)
{
    out_header(rc, "Content-Type", content_type);
    rc->bytes_out = evbuffer_get_length(buf);
    if (rc->internal != NULL) {
        char *b = arena_alloc(rc->arena, rc->bytes_out + 1);

        evbuffer_remove(buf, b, rc->bytes_out);
        b[rc->bytes_out] = '\0';
        rc->internal->body = b;
        rc->internal->len = rc->bytes_out;
        evbuffer_free(buf);
        http_internal_replied(rc); /* the caller gets it on the next loop turn */
        return;
    }
    /* A reply made before the principal was confirmed waits for its guard - except a
       server error (5xx), which shows nothing of the caller's scope: held, a 503 for a
       database that stopped answering would wait for a guard that cannot run either. */
    if (rc->guard_state != RC_GUARD_NONE && http_hold_hook != NULL && rc->held == NULL &&
        status < 500) {
        rc->held = buf;
        rc->held_status = status;
        http_hold_hook(rc);
        return;
    }
    evhttp_send_reply(rc->req, status, reason(status), buf);
    evbuffer_free(buf);
}

void (*http_hold_hook)(struct reqctx *rc);

void
http_release_held(struct reqctx *rc, int send)
{
    struct evbuffer *buf = rc->held;

    if (buf == NULL)
        return;
    rc->held = NULL;
    if (send && !rc->gone && rc->req != NULL) {
        evhttp_send_reply(rc->req, rc->held_status, reason(rc->held_status), buf);
    } else if (!send) {
        if (rc->req != NULL)
            evhttp_clear_headers(evhttp_request_get_output_headers(rc->req));
        rc->replied = 0;
        rc->status = 0;
        rc->err_code = NULL;
        rc->bytes_out = 0;
    }
    evbuffer_free(buf);
}

void
http_reply_json(struct reqctx *rc, int status, json_t *body)
{
    struct evbuffer *buf;
    char *s;

    if (body == NULL) {
        http_reply_err(rc, ERR_INTERNAL, "reply body missing");
        return;
    }
    s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(body);
    if (s == NULL) {
        http_reply_err(rc, ERR_INTERNAL, "reply not serialisable");
        return;
    }
    if (begin_reply(rc, status) != 0) {
        free(s);
        return;
    }
    buf = evbuffer_new();
    evbuffer_add(buf, s, strlen(s));
    free(s);
    out_header(rc, "Cache-Control", "no-store");
    send_buf(rc, status, "application/json; charset=utf-8", buf);
}

void (*http_refusal_hook)(struct reqctx *rc, enum err_code code);

/* A refusal for scope or role decided by a handler (see http_refusal_hook). */
static int
is_scope_refusal(const struct reqctx *rc, enum err_code code)
{
    const char *pat = rc->match.route != NULL ? rc->match.route->pattern : "";

    if (!rc->who.authenticated)
        return 0;
    if (code == ERR_DOSSIER_NOT_FOUND || code == ERR_OUT_OF_SCOPE || code == ERR_ROLE_NOT_ALLOWED)
        return 1;
    return code == ERR_NOT_FOUND &&
           (strstr(pat, "/dossiers/{") != NULL || strstr(pat, "/guidance/{") != NULL);
}

void
http_reply_error(struct reqctx *rc, const struct mc_err *e)
{
    enum err_code code = e->code == ERR_OK ? ERR_INTERNAL : e->code;
    int status = err_status(code);
    json_t *err, *body;

    if (http_refusal_hook != NULL && is_scope_refusal(rc, code))
        http_refusal_hook(rc, code);

    rc->err_code = err_name(code);
    err = json_pack("{s:s,s:s,s:s,s:i}", "code", err_name(code), "message", err_msg_vi(code),
                    "message_en", err_msg_en(code), "status", status);
    if (err == NULL)
        err = json_object();
    if (e->detail[0] != '\0' && jin_utf8_valid(e->detail, strlen(e->detail)))
        json_object_set_new(err, "detail", json_string(e->detail));
    if (e->field[0] != '\0' && jin_utf8_valid(e->field, strlen(e->field)))
        json_object_set_new(err, "field", json_string(e->field));
    json_object_set_new(err, "instance", json_string(rc->req_id));
    body = json_pack("{s:o}", "error", err);
    /* An error is logged once, where it becomes a response; 5xx only, client errors are
     * in the access line's err field. */
    if (status >= 500)
        log_kv(LOG_ERROR, "request failed", "req_id", rc->req_id, "err", err_name(code), "detail",
               e->detail, NULL);
    /* Every 401 names its scheme (RFC 9110 §11.6.1, §15.5.2): a handler may have set it. */
    if (!rc->replied && !rc->gone && (rc->req != NULL || rc->internal != NULL) &&
        status == 401 && out_header_get(rc, "WWW-Authenticate") == NULL)
        out_header(rc, "WWW-Authenticate", "Bearer realm=\"motcua\"");
    /* Tell clients when to come back (RFC 9110 §10.2.3); a handler may have set it. */
    if (!rc->replied && !rc->gone && (rc->req != NULL || rc->internal != NULL) &&
        (status == 503 || status == 429) && out_header_get(rc, "Retry-After") == NULL)
        out_header(rc, "Retry-After", status == 503 ? "5" : "1");
    http_reply_json(rc, status, body);
}

void
http_reply_err(struct reqctx *rc, enum err_code code, const char *fmt, ...)
{
    struct mc_err e;
    va_list ap;

    err_clear(&e);
    e.code = code;
    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(e.detail, sizeof(e.detail), fmt, ap);
        va_end(ap);
    }
    http_reply_error(rc, &e);
}

/* Keeps a download name to printable ASCII without quotes or separators. */
static void
safe_filename(const char *in, char *out, size_t len)
{
    size_t o = 0;

    for (; *in != '\0' && o + 1 < len; in++) {
        unsigned char c = (unsigned char)*in;

        out[o++] = (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '/' && c != ';')
                       ? (char)c
                       : '_';
    }
    out[o] = '\0';
}

void
http_reply_data(struct reqctx *rc, int status, const char *content_type, const void *data,
                size_t len, const char *filename)
{
    struct evbuffer *buf;

    if (begin_reply(rc, status) != 0)
        return;
    if (filename != NULL) {
        char safe[200], cd[260];

        safe_filename(filename, safe, sizeof(safe));
        snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", safe);
        out_header(rc, "Content-Disposition", cd);
    }
    buf = evbuffer_new();
    evbuffer_add(buf, data, len);
    send_buf(rc, status, content_type, buf);
}

void
http_stream_start(struct reqctx *rc, int status, const char *content_type)
{
    if (rc->internal != NULL) {
        /* http_internal refuses RF_STREAM routes; a stream elsewhere is a bug. */
        http_reply_err(rc, ERR_INTERNAL, "no streaming reply to an internal request");
        return;
    }
    rc->streaming = 1; /* before begin_reply: the hang-up watcher stays on for streams */
    if (begin_reply(rc, status) != 0)
        return;
    out_header(rc, "Content-Type", content_type);
    out_header(rc, "Cache-Control", "no-store");
    evhttp_send_reply_start(rc->req, status, reason(status));
}

void
http_stream_chunk(struct reqctx *rc, const char *data, size_t len)
{
    struct evbuffer *buf;

    if (!rc->streaming || rc->gone || rc->req == NULL)
        return;
    buf = evbuffer_new();
    evbuffer_add(buf, data, len);
    rc->bytes_out += len;
    evhttp_send_reply_chunk(rc->req, buf);
    evbuffer_free(buf);
}

void
http_stream_end(struct reqctx *rc)
{
    if (!rc->streaming || rc->gone || rc->req == NULL)
        return;
    evhttp_send_reply_end(rc->req);
}

void
reqctx_abandon(struct reqctx *rc)
{
    http_rc_release(rc);
}
