/*
 * api.h - the route table and helpers shared by the handlers.
 *
 * The route table is the concatenation, in this order, of the per-module tables below,
 * each `const struct route X[]` ending with a zero row and defined in its module's file;
 * api_routes_build() joins them once at start-up (process lifetime, read-only after).
 */
#ifndef MOTCUA_API_API_H
#define MOTCUA_API_API_H

#include <stddef.h>

#include <jansson.h>

#include "core/err.h"
#include "db/db.h"
#include "http/router.h"

struct app;
struct arena;
struct reqctx;
struct worker;

extern const struct route API_SYSTEM_ROUTES[];   /* api/system.c: healthz, readyz, metrics */
extern const struct route API_AUTH_ROUTES[];     /* api/auth.c */
extern const struct route API_CATALOG_ROUTES[];  /* api/catalog.c */
extern const struct route API_CALENDAR_ROUTES[]; /* api/calendar.c */
extern const struct route API_CALENDAR_FIX_ROUTES[]; /* api/calendar_fix.c */
extern const struct route API_CALENDAR_IMPORT_ROUTES[]; /* api/calendar_import.c */
extern const struct route API_DOSSIER_ROUTES[];  /* api/dossier.c */
extern const struct route API_DOC_ROUTES[];      /* api/documents.c */
extern const struct route API_REPORT_ROUTES[];   /* api/report.c */
extern const struct route API_INTEG_ROUTES[];    /* api/integ.c */
extern const struct route API_WEB_ROUTES[];      /* api/web.c: the web client */

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

/*
 * Start-up: loads the working calendar from the database into app->cal
 * (api/calendar.c, catalogue module).
 */
int calendar_boot(struct app *app, struct mc_err *e);

/*
 * Runs one unit of work on the worker's pool for a request: counts it in rc->db_inflight
 * (the reqctx stays alive meanwhile) and adds its time to rc->db_ns. done(rc, r) runs on
 * the loop once the unit is over, unless the client hung up (then the request is
 * abandoned and released) or the reply was already written. st and its values must stay
 * valid until then: keep them in rc->arena.
 *
 * For a non-GET request of an authenticated principal, the unit gets one hidden first
 * statement setting the transaction-local request context (motcua.account_id, .login,
 * .request_id, .client_addr) read by the administrative audit trigger
 * (sql/041_admin_audit.sql); done's results start at st[0] and failed_stmt indexes st.
 */
typedef void (*api_db_done)(struct reqctx *rc, struct db_result *r);
void api_db(struct reqctx *rc, const struct db_stmt *st, int n, api_db_done done);

/* Shorthand for one statement. */
void api_db1(struct reqctx *rc, const char *sql, int nparams, const char *const *values,
             api_db_done done);

/* ---- paging (api/page.c) ---- */

/*
 * ?limit= of a list (default 50, 1..500, API conventions). Returns 0, or -1 with e =
 * BAD_QUERY naming "limit".
 */
int api_query_limit(struct reqctx *rc, int *limit, struct mc_err *e);

/*
 * A query parameter holding a row id (a keyset cursor of a list in id order, or a bound
 * like ?after=): *out = NULL when absent or empty, else the parameter's text, 1..18
 * decimal digits (fits a bigint). -1 with e = BAD_QUERY naming the parameter otherwise.
 */
int api_query_id(struct reqctx *rc, const char *name, const char **out, struct mc_err *e);

/*
 * Cursors of lists ordered by a text key (codes): the key of the last row shown, hex
 * encoded so that clients treat it as opaque. api_cursor_encode() returns the cursor in
 * the arena; api_query_cursor() reads ?cursor= back into the key (in rc->arena), NULL when
 * absent or empty; -1 with e = BAD_QUERY naming "cursor" when it is not one we wrote.
 */
const char *api_cursor_encode(struct arena *a, const char *key);
int api_query_cursor(struct reqctx *rc, const char **out, struct mc_err *e);

/* The body of a list: {"items": items, "next_cursor": next or null}. Takes items. */
json_t *api_page(json_t *items, const char *next);

/* Replies with the error of a failed unit: 503 DB_UNAVAILABLE, or 500 DB_ERROR. */
void api_reply_db_error(struct reqctx *rc, const struct db_result *r);

#endif
