/*
 * routes.c - the route table (concatenation of the module tables of api.h), the
 * start-up wiring of the modules and the per-worker clean-up.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "api/auth/auth.h"
#include "api/calendar/calendar.h"
#include "api/common/common.h"
#include "api/dossier/documents.h"
#include "api/dossier/dossier.h"
#include "api/integration/integ.h"
#include "api/report/alerts.h"
#include "api/voice/voice.h"
#include "app.h"
#include "core/arena.h"
#include "http/server.h"

/* Order = order of `motcua routes` and of first-match lookup. */
static const struct route *const TABLES[] = {
    API_SYSTEM_ROUTES,  API_AUTH_ROUTES, API_CATALOG_ROUTES, API_CALENDAR_ROUTES,
    API_CALENDAR_FIX_ROUTES, API_CALENDAR_IMPORT_ROUTES, API_DOSSIER_ROUTES, API_DOC_ROUTES,
    API_REPORT_ROUTES,  API_INTEG_ROUTES, API_VOICE_ROUTES, API_PAKN_ROUTES,
    API_PAKN_REACTION_ROUTES, API_VERIFIED_ROUTES,
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
    hx_worker_free(w);
    alerts_worker_free(w);
    if (w->id == 0)
        webhook_shutdown(w->app); /* the delivery thread stops with the workers */
}
