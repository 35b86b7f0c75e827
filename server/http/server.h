/*
 * server.h - the HTTP server: N worker threads, each with its own event_base,
 * evhttp, database pool and metrics, each accepting on its own SO_REUSEPORT socket
 * bound to the same address (the kernel spreads connections over them).
 * See docs/architecture.md, "HTTP layer".
 */
#ifndef MOTCUA_HTTP_SERVER_H
#define MOTCUA_HTTP_SERVER_H

#include "core/err.h"

struct app;
struct reqctx;

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

/* Frees what http_server_start and http_tls_init allocated (after http_server_wait). */
void http_server_free(struct app *app);

/* Internal to http/: reqctx.c tells server.c a reply starts / the request may be freed. */
void http_rc_replying(struct reqctx *rc);
void http_rc_release(struct reqctx *rc);

#endif
