/*
 * system.c - GET /healthz (the process answers), GET /readyz (this worker has a
 * database connection and the schema is at the binary's head), GET /metrics
 * (Prometheus text, http/metrics.h). The first two are public (a load balancer has no
 * token); /metrics is for the scraper only: its token, or loopback (metrics_allowed).
 */
#include "api/common/common.h"

#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "app.h"
#include "core/config.h"
#include "core/hmac.h"
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

/*
 * Who may read /metrics (issue 17: per-route counts, login failures and reception volume are
 * not for the public): with MOTCUA_METRICS_TOKEN, a scraper sending it as a Bearer token
 * (compared in constant time); without, a client on the loopback interface that reached
 * the server directly - a request relayed by a reverse proxy carries X-Forwarded-For and is
 * refused, whatever MOTCUA_TRUSTED_PROXIES says. 1 when allowed, else 0 after replying.
 */
static int
metrics_allowed(struct reqctx *rc)
{
    const char *want = rc->app->cfg->metrics_token, *auth;
    const struct evkeyvalq *h;
    struct evhttp_connection *evcon;
    char *peer = NULL;
    ev_uint16_t port = 0;

    if (rc->req == NULL) /* an internal request of the server itself */
        return 1;
    h = evhttp_request_get_input_headers(rc->req);
    auth = evhttp_find_header(h, "Authorization");
    evcon = evhttp_request_get_connection(rc->req);
    if (want[0] != '\0') {
        size_t n = strlen(want);

        if (auth != NULL && strncmp(auth, "Bearer ", 7) == 0 && strlen(auth + 7) == n &&
            hmac_equal(auth + 7, want, n))
            return 1;
        rc_set_header(rc, "WWW-Authenticate", "Bearer realm=\"motcua metrics\"");
        http_reply_err(rc, ERR_UNAUTHENTICATED, "/metrics needs MOTCUA_METRICS_TOKEN");
        return 0;
    }
    if (evcon != NULL)
        evhttp_connection_get_peer(evcon, &peer, &port);
    if (peer != NULL && (strcmp(peer, "127.0.0.1") == 0 || strcmp(peer, "::1") == 0) &&
        evhttp_find_header(h, "X-Forwarded-For") == NULL)
        return 1;
    http_reply_err(rc, ERR_FORBIDDEN,
                   "/metrics answers loopback clients only unless MOTCUA_METRICS_TOKEN is set");
    return 0;
}

static void
api_metrics(struct reqctx *rc)
{
    struct evbuffer *out;
    size_t n;
    char *text;

    if (!metrics_allowed(rc))
        return;
    out = evbuffer_new();

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
