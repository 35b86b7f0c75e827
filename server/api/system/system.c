/*
 * system.c - GET /healthz (the process answers), GET /readyz (this worker has a
 * database connection and the schema is at the binary's head), GET /metrics
 * (Prometheus text, http/metrics.h). All three are public: a load balancer and a
 * Prometheus scraper have no token; none returns personal data.
 */
#include "api/common/common.h"

#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "app.h"
#include "db/migrate.h"
#include "http/metrics.h"
#include "http/reqctx.h"

static void
api_healthz(struct reqctx *rc)
{
    http_reply_json(rc, 200, json_pack("{s:s}", "status", "ok"));
}

static void
on_status(struct reqctx *rc, struct db_result *r)
{
    struct mc_err e;

    err_clear(&e);
    if (r->err.code != ERR_OK) {
        e = r->err;
        e.code = ERR_DB_UNAVAILABLE;
        http_reply_error(rc, &e);
        return;
    }
    if (migrate_status_ok(r->res[0], &e) != 0) {
        /* Schema behind, ahead or changed: not ready, whatever the code says. */
        e.code = ERR_DB_UNAVAILABLE;
        http_reply_error(rc, &e);
        return;
    }
    http_reply_json(rc, 200, json_pack("{s:s,s:b}", "status", "ready", "schema_at_head", 1));
}

static void
api_readyz(struct reqctx *rc)
{
    if (atomic_load(&rc->app->shutting_down)) {
        http_reply_err(rc, ERR_SHUTTING_DOWN, NULL);
        return;
    }
    if (rc->w->db == NULL) {
        http_reply_err(rc, ERR_DB_UNAVAILABLE, "no database pool on this worker");
        return;
    }
    /*
     * No db_pool_ready() shortcut: while a connection is being made (start-up, reconnect)
     * the pool queues the unit until it is up, and fails it at once when none is up or
     * connecting, so the answer is the database's, not a guess made mid-connect.
     */
    api_db1(rc, MIGRATE_STATUS_SQL, 0, NULL, on_status);
}

static void
api_metrics(struct reqctx *rc)
{
    struct evbuffer *out = evbuffer_new();
    size_t n;
    char *text;

    metrics_render(rc->app, out);
    n = evbuffer_get_length(out);
    text = arena_alloc(rc->arena, n + 1);
    evbuffer_remove(out, text, n);
    evbuffer_free(out);
    http_reply_data(rc, 200, "text/plain; version=0.0.4; charset=utf-8", text, n, NULL);
}

const struct route API_SYSTEM_ROUTES[] = {
    {EVHTTP_REQ_GET, "/healthz", api_healthz, 0, RF_PUBLIC, "Liveness: the process answers"},
    {EVHTTP_REQ_GET, "/readyz", api_readyz, 0, RF_PUBLIC,
     "Readiness: database connected and schema at head"},
    {EVHTTP_REQ_GET, "/metrics", api_metrics, 0, RF_PUBLIC, "Prometheus metrics"},
    {0, NULL, NULL, 0, 0, NULL},
};
