/*
 * reqctx.h - one HTTP request being served. Owned by the worker that accepted it;
 * everything it allocates lives in rc->arena.
 *
 * A handler must eventually reply exactly once (http_reply_*). While a database
 * job is in flight (rc->db_inflight > 0) the reqctx stays alive; if the client
 * hangs up meanwhile, rc->gone is set and the handler's callback must call
 * reqctx_abandon(rc) instead of replying (libevent#997).
 *
 * An internal request (http_internal) is a reqctx with no evhttp request (rc->req ==
 * NULL, rc->internal != NULL): made by server code for a caller already authenticated,
 * routed and checked like any request; its reply goes to a callback instead of a socket.
 */
#ifndef MOTCUA_HTTP_REQCTX_H
#define MOTCUA_HTTP_REQCTX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/err.h"
#include "http/router.h"

struct evhttp_request;
struct worker;
struct app;
struct http_conn;
struct http_internal_ctx;

/* One header of an internal request or of its reply. */
struct http_kv {
    const char *name;
    const char *value;
};

/* Who is calling, filled by app->authenticate (security module). */
struct principal {
    int authenticated;
    int64_t account_id;
    char login[64];
    unsigned role;          /* one enum role bit */
    int64_t unit_id;        /* scope root: this unit and its sub-units */
    char unit_code[32];     /* its electronic identifier */
    char display_name[128];
};

struct reqctx {
    struct evhttp_request *req;
    struct worker *w;
    struct app *app;
    struct arena *arena;
    struct route_match match;
    int method;
    const char *path;        /* decoded path, no query */
    const char *query;       /* raw query string or NULL */
    const char *target;      /* request-target as received (path?query, not decoded) */
    const char *body;        /* request body, NUL-terminated copy, or NULL */
    size_t body_len;
    json_t *json;            /* parsed body with RF_JSON (freed with the arena) */
    int body_pending;        /* body_checks wait for the authentication (http_dispatch) */
    char req_id[64];         /* X-Request-Id (given or generated) */
    char client_addr[64];
    const char *idem_key;    /* Idempotency-Key header or NULL */
    struct principal who;
    int status;              /* status sent, for the access log */
    size_t bytes_out;
    const char *err_code;    /* error code sent, for the access log */
    int replied;
    int gone;                /* client hung up: only reqctx_abandon() may be called */
    int db_inflight;         /* database jobs not yet called back */
    int streaming;           /* a chunked reply is open */
    uint64_t t_start_ns;
    int64_t now;             /* the request's one "now", Unix seconds (clock_now() at its start) */
    uint64_t db_ns;
    void *state;             /* handler's own state for multi-step async flows */
    /* Owned by server.c: */
    struct http_conn *conn;  /* the connection, NULL once it is gone */
    int completed;           /* the reply has been written (on-complete callback ran) */
    int detached;            /* evhttp let go of req after a hang-up: we free it */
    /*
     * Set by a handler that keeps rc waiting on something other than a database job
     * (an SSE stream registered in a list): called once when the client hangs up or the
     * server stops, just before rc is freed, so the owner can unlink it.
     */
    void (*on_gone)(struct reqctx *rc);
    /* Non-NULL for an internal request (http_internal): its headers, reply, caller. */
    struct http_internal_ctx *internal;
    /*
     * A principal taken from the authentication's cache and not yet confirmed by the
     * database (api/auth/session.c, docs/architecture.md "Session check"): the first unit
     * of api_db carries the check as a hidden statement 0 (GUARD_ARMED -> GUARD_SENT); a
     * reply made while it is ARMED or SENT is held (send_buf) and http_hold_hook is called,
     * which confirms it (http_release_held(rc, 1)) or drops it and restarts the request.
     * guard_epoch counts restarts: a database job of an earlier round is not called back.
     */
    int guard_state;
    void *guard;             /* the authentication's own data (struct api_guard) */
    int guard_epoch;
    struct evbuffer *held;   /* the reply held by send_buf, with its status */
    int held_status;
};

enum rc_guard { RC_GUARD_NONE, RC_GUARD_ARMED, RC_GUARD_SENT };

/*
 * Called (loop thread) when a reply is held because rc->guard_state is not NONE: must
 * eventually call http_release_held(rc, send) or release rc if it is gone. Set by the
 * authentication module (api/auth/session.c); NULL: replies are never held.
 */
extern void (*http_hold_hook)(struct reqctx *rc);

/*
 * The reply held by send_buf: sent (send = 1), or dropped (send = 0: its headers are
 * cleared and rc may reply again). Nothing when no reply is held.
 */
void http_release_held(struct reqctx *rc, int send);

/* Path parameter by name ("code"), or NULL. */
const char *rc_param(const struct reqctx *rc, const char *name);

/* Query parameter by name, percent-decoded into the arena, or NULL when absent. */
const char *rc_query(struct reqctx *rc, const char *name);

/* Request header, or NULL. */
const char *rc_header(const struct reqctx *rc, const char *name);

/* Adds a response header (before the reply). */
void rc_set_header(struct reqctx *rc, const char *name, const char *value);

/* Replies with JSON (takes the reference to body). */
void http_reply_json(struct reqctx *rc, int status, json_t *body);

/* Replies with the error envelope of err.h (status from the catalog). */
void http_reply_error(struct reqctx *rc, const struct mc_err *e);

/* Shorthand: err_set + http_reply_error. */
void http_reply_err(struct reqctx *rc, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Replies with bytes (copied). filename != NULL adds
 * Content-Disposition: attachment; filename="...".
 */
void http_reply_data(struct reqctx *rc, int status, const char *content_type, const void *data,
                     size_t len, const char *filename);

/* Streaming (SSE): start with status and headers, send chunks, end. */
void http_stream_start(struct reqctx *rc, int status, const char *content_type);
void http_stream_chunk(struct reqctx *rc, const char *data, size_t len);
void http_stream_end(struct reqctx *rc);

/*
 * Called by http_reply_error for an authenticated request refused by its handler for lack
 * of scope or role (404 DOSSIER_NOT_FOUND or a 404 under a dossier or guidance route,
 * 403 OUT_OF_SCOPE, 403 ROLE_NOT_ALLOWED), before the reply is sent; set by the security
 * module (auth_install) to audit the refusal. NULL: nothing is done.
 */
extern void (*http_refusal_hook)(struct reqctx *rc, enum err_code code);

/* Called by app->authenticate when the request may go on to its handler. */
void http_dispatch(struct reqctx *rc);

/* After rc->gone: releases the request once no job is in flight. */
void reqctx_abandon(struct reqctx *rc);

/* What an internal request answered; valid only while the done callback runs. */
struct http_internal_reply {
    int status;
    const char *body;               /* NUL-terminated (the reply may hold NULs: use len) */
    size_t len;
    const struct http_kv *headers;  /* reply headers: X-Request-Id, Content-Type, Location, */
    size_t nheaders;                /* Idempotent-Replayed, Retry-After, ... */
};

typedef void (*http_internal_fn)(const struct http_internal_reply *r, void *arg);

/*
 * Serves a request inside the process, without a socket: method (EVHTTP_REQ_*) and target
 * ("/api/v1/dossiers/<percent-encoded code>/events[?query]", as on a request line) go
 * through the same route table, shutdown check, body checks (MOTCUA_MAX_BODY, Content-Type
 * and strict JSON for RF_JSON routes, Idempotency-Key syntax) and the route's role check
 * against *who, the caller's principal (no token lookup: the caller authenticated it).
 * RF_STREAM routes are refused (500). headers (copied) are the request's headers, e.g.
 * Content-Type, Idempotency-Key, X-Request-Id (kept when well-formed, else a new UUID).
 *
 * parent (may be NULL) is the request on whose behalf this one runs: it gives the client
 * address and the parent id of the access log line, and it is kept alive meanwhile (the
 * internal request counts in parent->db_inflight, like a database job, see api_db). done
 * runs exactly once, on the loop (never from inside http_internal), after the handler
 * replied -- unless parent's client hung up or parent was answered meanwhile: then parent
 * is released instead (as api_db does). The internal request's memory is freed after done
 * returns, once no database job of its own is in flight. Logged and counted under its
 * route with "internal":true.
 */
void http_internal(struct worker *w, int method, const char *target, const char *body,
                   size_t len, const struct principal *who, const struct http_kv *headers,
                   size_t nheaders, struct reqctx *parent, http_internal_fn done, void *arg);

/* The value of header name (any case) in kv[0..n), or NULL. */
const char *http_kv_get(const struct http_kv *kv, size_t n, const char *name);

/* Monotonic nanoseconds. */
uint64_t http_now_ns(void);

#endif
