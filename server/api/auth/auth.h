/*
 * auth.h - authentication and account management (security module).
 *
 *   auth_install(app)     sets app->authenticate: every non-public route passes through it.
 *                         It reads "Authorization: Bearer <token>", looks the SHA-256 of the
 *                         token up (one parameterised statement, or the process's cache
 *                         confirmed by the request's first statement: session.c),
 *                         fills rc->who, checks route->roles, then http_dispatch(rc); or
 *                         replies 401 UNAUTHENTICATED / 403 FORBIDDEN and audits the refusal.
 *   API_AUTH_ROUTES       /api/v1/auth/..., /api/v1/accounts..., /api/v1/api-keys...,
 *                         /api/v1/audit (zero row at the end; concatenated by api/routes.c).
 *   auth_worker_free(w)   after the worker's loop has stopped: joins the worker's hashing
 *                         thread and frees its state (w->ext[EXT_AUTH]).
 *
 * Password hashing (Argon2id, ~20 ms) never runs on the event loop: each worker lazily
 * starts one hashing thread and gets the results back through a pipe watched by its loop.
 * Design, limits and threat model: docs/security.md.
 */
#ifndef MOTCUA_API_AUTH_H
#define MOTCUA_API_AUTH_H

#include "http/router.h"

struct app;
struct worker;

/* Login rate limits (docs/security.md): failures inside the sliding window. */
#define AUTH_WINDOW_SECONDS 900
#define AUTH_MAX_FAILS_LOGIN 5   /* per login, counted since its last success */
#define AUTH_MAX_FAILS_ADDR 20   /* per client address (a counter office shares one NAT) */

/* Refusals audited per worker per second; beyond it they are counted in the log instead,
   so a flood of anonymous requests cannot turn into a flood of database writes. */
#define AUTH_AUDIT_REFUSALS_PER_SEC 50

extern const struct route API_AUTH_ROUTES[];

void auth_install(struct app *app);

void auth_worker_free(struct worker *w);

#endif
