/*
 * dossier.c - the dossier API's route table (API_DOSSIER_ROUTES) and the helpers shared
 * by dossier_write.c (reception, transitions, calendar re-projection) and
 * dossier_read.c (one dossier, timeline, explanation, list). See api/dossier.h.
 */
#include "api/dossier.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api/api.h"
#include "api/dossier_int.h"
#include "app.h"
#include "domain/cal.h"
#include "domain/role.h"
#include "domain/wcal.h"
#include "http/reqctx.h"
#include "http/router.h"

/*
 * Reads: every staff role and integration clients (their scope is their unit subtree).
 * Writes: the roles of each transition are checked against domain.md §3 by
 * dossier_transition_check(); the route lets in every role that performs at least one.
 */
#define DOSSIER_WRITERS (ROLE_CLERK | ROLE_OFFICIAL | ROLE_LEADER | ROLE_INTEGRATION)
#define DOSSIER_READERS (ROLE_STAFF | ROLE_INTEGRATION)

const struct route API_DOSSIER_ROUTES[] = {
    {EVHTTP_REQ_POST, "/api/v1/dossiers", api_dossier_create,
     ROLE_CLERK | ROLE_INTEGRATION, RF_JSON | RF_IDEMPOTENT,
     "Receive, refuse or guide a dossier at the counter; online intake"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers", api_dossier_list, DOSSIER_READERS, 0,
     "List dossiers in scope with filters and keyset pagination"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}", api_dossier_get, DOSSIER_READERS, 0,
     "A dossier: state, deadlines, pauses, steps, classification now"},
    {EVHTTP_REQ_POST, "/api/v1/dossiers/{code}/events", api_dossier_event, DOSSIER_WRITERS,
     RF_JSON | RF_IDEMPOTENT, "Record a transition (expected_version required)"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}/events", api_dossier_events, DOSSIER_READERS, 0,
     "The dossier's timeline"},
    {EVHTTP_REQ_GET, "/api/v1/dossiers/{code}/deadline/explain", api_dossier_explain,
     DOSSIER_READERS, 0, "Why the appointment is where it is: skipped and worked days"},
    {0, NULL, NULL, 0, 0, NULL},
};
/* Rows before the terminating zero row (api.h). */
const size_t API_DOSSIER_NROUTES = sizeof(API_DOSSIER_ROUTES) / sizeof(API_DOSSIER_ROUTES[0]) - 1;

/* Per-worker cache of the axis of the calendar in force (building one costs ~40k rows). */
struct axis_cache {
    const struct wcal *cal;
    struct ddl_axis ax;
};

const struct ddl_axis *
dossier_axis(struct worker *w, struct mc_err *e)
{
    const struct wcal *cal = atomic_load(&w->app->cal);
    struct axis_cache *c = w->ext[EXT_DOSSIER];

    if (cal == NULL) {
        err_set(e, ERR_INTERNAL, "no working calendar loaded");
        return NULL;
    }
    if (c != NULL && c->cal == cal)
        return &c->ax;
    if (c == NULL) {
        c = xcalloc(1, sizeof(*c));
        w->ext[EXT_DOSSIER] = c;
    } else {
        /* The old calendar may be freed only after every worker dropped it; the owner of
           app->cal (calendar module) defers that, we only drop our axis. */
        ddl_axis_free(&c->ax);
        c->cal = NULL;
    }
    if (ddl_axis_init(&c->ax, cal, e) != 0)
        return NULL;
    c->cal = cal;
    return &c->ax;
}

void
dossier_db(struct reqctx *rc, const struct db_stmt *stmts, int n, dossier_db_cb cb)
{
    api_db(rc, stmts, n, cb);
}

const char *
dossier_ts(struct reqctx *rc, int64_t t)
{
    char *buf = arena_alloc(rc->arena, 32);

    cal_format_instant(t, buf);
    return buf;
}

json_t *
dossier_ts_json(int64_t t)
{
    char buf[32];

    if (t == 0)
        return json_null();
    cal_format_instant(t, buf);
    return json_string(buf);
}

int64_t
dossier_col_ts(const PGresult *res, int row, const char *col)
{
    int c = db_col(res, col);

    if (c < 0 || db_isnull(res, row, c))
        return 0;
    return strtoll(db_val(res, row, c), NULL, 10);
}

const char *
dossier_col(const PGresult *res, int row, const char *col)
{
    int c = db_col(res, col);

    if (c < 0 || db_isnull(res, row, c))
        return NULL;
    return db_val(res, row, c);
}

json_t *
dossier_col_json(const PGresult *res, int row, const char *col)
{
    const char *s = dossier_col(res, row, col);
    json_t *j;

    if (s == NULL)
        return json_null();
    j = json_loads(s, JSON_DECODE_ANY, NULL);
    return j != NULL ? j : json_null();
}

const char *
dossier_scope_param(struct reqctx *rc)
{
    if (rc->who.role == ROLE_ADMIN)
        return NULL;
    /* Every other account has a unit (040_security.sql CHECK); 0 matches nothing. */
    return arena_printf(rc->arena, "%lld", (long long)rc->who.unit_id);
}

void
dossier_worker_free(struct worker *w)
{
    struct axis_cache *c = w->ext[EXT_DOSSIER];

    if (c == NULL)
        return;
    ddl_axis_free(&c->ax);
    free(c);
    w->ext[EXT_DOSSIER] = NULL;
}
