/*
 * app.h - the process: one struct app, passed down (no mutable globals), and
 * one struct worker per event-loop thread.
 *
 * Lifetimes: process (config, routes, calendar; read-only after start, the
 * calendar swapped atomically when an administrator changes it), connection
 * (PGconn, TLS), request (struct reqctx and its arena).
 */
#ifndef MOTCUA_APP_H
#define MOTCUA_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct wcal;
struct cal_retired;
struct event_base;
struct evhttp;
struct db_pool;
struct metrics;
struct reqctx;
struct route;
struct ssl_ctx_st;
struct metrics_family;
struct http_worker;

#define APP_MAX_EXT 8

struct worker {
    int id;
    pthread_t thread;
    struct app *app;
    struct event_base *base;
    struct evhttp *http;
    struct db_pool *db;       /* this worker's connections */
    struct metrics *metrics;  /* this worker's counters (summed by /metrics) */
    void *ext[APP_MAX_EXT];   /* per-worker state of optional modules (alerts streams, ...) */
    struct http_worker *hw;   /* connections and shutdown state (http/server.c) */
};

enum app_ext_slot { EXT_ALERTS = 0, EXT_AUTH = 1, EXT_WEBHOOK = 2, EXT_RATELIMIT = 3,
                    EXT_DOSSIER = 4 /* api/common/hx.c: the working-time axis */,
                    EXT_CALENDAR = 5 /* api/calendar/calendar.c: the calendar listener */,
                    EXT_DOCS = 6 /* api/dossier/documents.c: public lookup rate limiter */ };

struct app {
    const struct config *cfg;
    _Atomic(const struct wcal *) cal; /* current working calendar */
    /* calendars replaced by an administrator's change, kept (never freed while workers
       run) so a reader still holding one stays valid: api/calendar/calendar.c */
    _Atomic(struct cal_retired *) cal_retired;
    int nworkers;
    struct worker *workers;
    struct ssl_ctx_st *ssl;           /* NULL without TLS */
    const struct route *routes;       /* the route table (api/routes.c) */
    size_t nroutes;
    atomic_int shutting_down;
    /* Request body bytes held by all connections (announced or received, not yet answered):
       at most max(MOTCUA_MAX_BUFFERED, MOTCUA_MAX_BODY); http/server.c. */
    atomic_size_t buffered;
    atomic_ullong buffered_refused; /* requests answered 503 SERVER_BUSY for it */
    int64_t started_at;
    /*
     * Called for every routed request whose route is not RF_PUBLIC, before the handler:
     * must eventually call http_dispatch(rc) (go on) or reply with an error.
     * NULL: no authentication (only before the security module is wired).
     */
    void (*authenticate)(struct reqctx *rc);
    /*
     * Called on each worker's thread once its loop and database pool exist, before it
     * serves (set by api_install: per-worker listeners, schedulers). NULL: nothing to do.
     */
    void (*worker_init)(struct worker *w);
    /* The verified-token cache shared by the workers (api/auth/cache.c), NULL before
       auth_install. */
    struct auth_cache *auth_cache;
    /* Families added by modules with metrics_register() at start-up (http/metrics.h). */
    struct metrics_family *metric_families;
    size_t nmetric_families;
};

#endif
