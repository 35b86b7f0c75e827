/*
 * server.h - the HTTP server: N worker threads, each with its own event_base,
 * evhttp, database pool and metrics, each accepting on its own SO_REUSEPORT socket
 * bound to the same address (the kernel spreads connections over them).
 * See docs/architecture.md, "HTTP layer".
 */
#ifndef MOTCUA_HTTP_SERVER_H
#define MOTCUA_HTTP_SERVER_H

#include <stddef.h>

#include "core/err.h"
#include "http/reqctx.h"

struct app;
struct event;

/*
 * TLS: when cfg->tls_cert and cfg->tls_key are set, builds app->ssl (TLS 1.2 minimum).
 * Returns -1 with e naming MOTCUA_TLS_CERT or MOTCUA_TLS_KEY when a file is unusable.
 */
int http_tls_init(struct app *app, struct mc_err *e);

/*
 * Creates app->workers (app->cfg->threads of them), binds the listening sockets and
 * starts the threads. port_out (may be NULL) receives the port actually bound
 * (useful with port 0). Returns -1 with e filled when the address cannot be bound.
 */
int http_server_start(struct app *app, int *port_out, struct mc_err *e);

/*
 * Blocks until SIGTERM or SIGINT (which http_server_start blocked in every thread),
 * then stops accepting, lets in-flight requests finish for up to
 * cfg->shutdown_grace seconds, closes the pools and joins the workers.
 */
void http_server_wait(struct app *app);

/*
 * Start-up while the database is unreachable (issue 17): calls ready(arg, e) until it
 * returns 0, waiting 1, 2, 4 ... 30 s between attempts while ready fails with
 * ERR_DB_UNAVAILABLE. Meanwhile (without TLS) the listen address answers: /healthz 200
 * {"status":"starting"}, everything else 503 DB_UNAVAILABLE with Retry-After. Returns 0
 * (*waiting: the listener still open - SO_REUSEPORT lets the workers bind beside it - to
 * close with http_waiting_free once they listen; NULL when none was needed), or -1 with
 * ready's other error.
 */
struct http_waiting;
int http_wait_until(struct app *app, int (*ready)(void *arg, struct mc_err *e), void *arg,
                    struct http_waiting **waiting, struct mc_err *e);
void http_waiting_free(struct http_waiting *w);

/* Frees what http_server_start and http_tls_init allocated (after http_server_wait). */
void http_server_free(struct app *app);

/* Internal to http/: reqctx.c tells server.c a reply starts / the request may be freed. */
void http_rc_replying(struct reqctx *rc);
void http_rc_release(struct reqctx *rc);

/*
 * Internal to http/: the state of an internal request (http_internal), kept in its arena.
 * reqctx.c reads its headers and writes its reply headers and body there, then calls
 * http_internal_replied(), which queues the delivery to the caller on the loop.
 */
struct http_internal_ctx {
    struct http_kv *in;      /* request headers */
    size_t nin;
    struct http_kv *out;     /* reply headers */
    size_t nout, capout;
    const char *body;        /* reply body (arena) */
    size_t len;
    struct reqctx *parent;
    char parent_id[64];
    http_internal_fn done;
    void *arg;
    struct event *deliver;   /* zero-timeout event that runs the delivery */
    struct reqctx *next;     /* the worker's list of live internal requests */
    struct reqctx *prev;
};
void http_internal_replied(struct reqctx *rc);

#endif
