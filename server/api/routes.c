/*
 * routes.c - the route table (concatenation of the module tables of api.h), the
 * start-up wiring of the modules, and the handler helpers of api.h.
 */
#include "api/api.h"
#include "api/catalog.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api/alerts.h"
#include "api/auth.h"
#include "api/documents.h"
#include "api/integ.h"
#include "api/dossier.h"
#include "app.h"
#include "core/arena.h"
#include "http/reqctx.h"
#include "http/server.h"

/* Order = order of `motcua routes` and of first-match lookup. */
static const struct route *const TABLES[] = {
    API_SYSTEM_ROUTES,  API_AUTH_ROUTES, API_CATALOG_ROUTES, API_CALENDAR_ROUTES,
    API_CALENDAR_FIX_ROUTES, API_CALENDAR_IMPORT_ROUTES, API_DOSSIER_ROUTES, API_DOC_ROUTES,
    API_REPORT_ROUTES,  API_INTEG_ROUTES,
    API_WEB_ROUTES,
};

/* A pattern starts with '/', and each {param} is a whole, non-empty segment. */
static int
pattern_ok(const char *p)
{
    if (p[0] != '/')
        return 0;
    for (const char *s = p; *s != '\0'; s++) {
        if (*s == '{') {
            const char *end = strchr(s, '}');

            if (s[-1] != '/' || end == NULL || end == s + 1 || (end[1] != '/' && end[1] != '\0'))
                return 0;
            s = end;
        } else if (*s == '}') {
            return 0;
        }
    }
    return 1;
}

int
api_routes_build(struct app *app, struct mc_err *e)
{
    size_t n = 0, k = 0;
    struct route *all;

    for (size_t t = 0; t < sizeof(TABLES) / sizeof(TABLES[0]); t++)
        for (const struct route *r = TABLES[t]; r->pattern != NULL; r++)
            n++;
    all = xcalloc(n + 1, sizeof(*all));
    for (size_t t = 0; t < sizeof(TABLES) / sizeof(TABLES[0]); t++)
        for (const struct route *r = TABLES[t]; r->pattern != NULL; r++) {
            if (r->fn == NULL || !pattern_ok(r->pattern)) {
                free(all);
                return err_set(e, ERR_INTERNAL, "route %s %s: no handler or bad pattern",
                               route_method_name(r->method), r->pattern);
            }
            for (size_t i = 0; i < k; i++)
                if (all[i].method == r->method && strcmp(all[i].pattern, r->pattern) == 0) {
                    free(all);
                    return err_set(e, ERR_INTERNAL, "route %s %s declared twice",
                                   route_method_name(r->method), r->pattern);
                }
            all[k++] = *r;
        }
    app->routes = all;
    app->nroutes = n;
    return 0;
}

void
api_routes_free(struct app *app)
{
    free((void *)app->routes);
    app->routes = NULL;
    app->nroutes = 0;
}

/* Per-worker start: worker 0 listens for calendar changes made by other processes. */
static void
api_worker_init(struct worker *w)
{
    if (w->id == 0)
        calendar_listen(w);
    alerts_worker_init(w);
}

int
api_install(struct app *app, struct mc_err *e)
{
    app->worker_init = api_worker_init;
    auth_install(app);
    if (alerts_install(app, e) != 0)
        return -1;
    return webhook_install(app, e);
}

void
api_worker_free(struct worker *w)
{
    auth_worker_free(w);
    calendar_worker_free(w);
    api_documents_worker_free(w);
    dossier_worker_free(w);
    alerts_worker_free(w);
    if (w->id == 0)
        webhook_shutdown(w->app); /* the delivery thread stops with the workers */
}

struct db_job {
    struct reqctx *rc;
    api_db_done done;
    int context;  /* 1: statement 0 is CONTEXT_SQL, hidden from done */
};

/*
 * The request context of a write, for the administrative audit trigger of
 * sql/041_admin_audit.sql (docs/security.md §5): transaction-local settings (is_local =
 * true: they end with the unit's implicit transaction, so a pooled connection never
 * carries one request's identity into the next unit).
 */
static const char CONTEXT_SQL[] =
    "SELECT set_config('motcua.account_id', $1, true), set_config('motcua.login', $2, true),"
    " set_config('motcua.request_id', $3, true), set_config('motcua.client_addr', $4, true)";

static void
on_db_done(struct db_result *r, void *arg)
{
    struct db_job *j = arg;
    struct reqctx *rc = j->rc;

    rc->db_inflight--;
    rc->db_ns += r->elapsed_ns;
    if (rc->gone || rc->completed) {
        /* Nobody to answer (libevent#997): release once no other job is pending. */
        http_rc_release(rc);
        return;
    }
    if (j->context) {
        /* The handler sees its own statements only; the pool frees the results through
           r after we return, so the view is a copy. */
        struct db_result v = *r;

        if (v.nres > 0) {
            v.res++;
            v.nres--;
        }
        if (v.failed_stmt >= 0)
            v.failed_stmt--;
        j->done(rc, &v);
        return;
    }
    j->done(rc, r);
}

void
api_db(struct reqctx *rc, const struct db_stmt *st, int n, api_db_done done)
{
    struct db_job *j = arena_alloc(rc->arena, sizeof(*j));

    j->rc = rc;
    j->done = done;
    j->context = rc->who.authenticated && rc->method != EVHTTP_REQ_GET &&
                 rc->method != EVHTTP_REQ_HEAD;
    if (j->context) {
        struct db_stmt *all = arena_alloc(rc->arena, (size_t)(n + 1) * sizeof(*all));
        const char **v = arena_alloc(rc->arena, 4 * sizeof(*v));

        v[0] = arena_printf(rc->arena, "%lld", (long long)rc->who.account_id);
        v[1] = rc->who.login;
        v[2] = rc->req_id;
        v[3] = rc->client_addr;
        all[0] = (struct db_stmt){CONTEXT_SQL, 4, v};
        memcpy(all + 1, st, (size_t)n * sizeof(*st));
        st = all;
        n++;
    }
    rc->db_inflight++;
    db_exec(rc->w->db, st, n, on_db_done, j);
}

void
api_db1(struct reqctx *rc, const char *sql, int nparams, const char *const *values,
        api_db_done done)
{
    struct db_stmt *st = arena_alloc(rc->arena, sizeof(*st));

    st->sql = sql;
    st->nparams = nparams;
    st->values = values;
    api_db(rc, st, 1, done);
}

void
api_reply_db_error(struct reqctx *rc, const struct db_result *r)
{
    struct mc_err e = r->err;

    if (e.code == ERR_OK)
        e.code = ERR_DB_QUERY;
    http_reply_error(rc, &e);
}
