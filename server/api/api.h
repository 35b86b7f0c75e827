/*
 * api.h - the route table, the start-up wiring of the modules and the per-worker clean-up:
 * included by main.c, cli/ and api/routes.c only. What the handlers share is in
 * api/common/common.h.
 *
 * The route table is the concatenation, in this order, of the per-module tables below,
 * each `const struct route X[]` ending with a zero row and defined in its module's file;
 * api_routes_build() joins them once at start-up (process lifetime, read-only after).
 */
#ifndef MOTCUA_API_API_H
#define MOTCUA_API_API_H

#include "core/err.h"
#include "http/router.h"

struct app;
struct worker;

extern const struct route API_SYSTEM_ROUTES[];   /* api/system/system.c: healthz, readyz, metrics */
extern const struct route API_AUTH_ROUTES[];     /* api/auth/auth.c */
extern const struct route API_CATALOG_ROUTES[];  /* api/catalog/catalog.c */
extern const struct route API_CALENDAR_ROUTES[]; /* api/calendar/calendar.c */
extern const struct route API_CALENDAR_FIX_ROUTES[]; /* api/calendar/calendar_fix.c */
extern const struct route API_CALENDAR_IMPORT_ROUTES[]; /* api/calendar/calendar_import.c */
extern const struct route API_DOSSIER_ROUTES[];  /* api/dossier/dossier.c */
extern const struct route API_DOC_ROUTES[];      /* api/dossier/documents.c */
extern const struct route API_REPORT_ROUTES[];   /* api/report/report.c */
extern const struct route API_VERIFIED_ROUTES[]; /* api/report/report_verified.c */
extern const struct route API_INTEG_ROUTES[];    /* api/integration/integ.c */
extern const struct route API_WEB_ROUTES[];      /* api/system/web.c: the web client */

/*
 * Joins the module tables into app->routes / app->nroutes. -1 with e filled when two
 * rows have the same method and pattern, or a row has no handler or a bad pattern.
 */
int api_routes_build(struct app *app, struct mc_err *e);
void api_routes_free(struct app *app);

/*
 * Start-up wiring of the modules that need it (authentication hook, metric families),
 * before the workers start; and the per-worker clean-up after a worker's loop stopped.
 */
int api_install(struct app *app, struct mc_err *e);
void api_worker_free(struct worker *w);

#endif
