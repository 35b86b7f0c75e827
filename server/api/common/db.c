/*
 * db.c - units of work of a request on the worker's pool (api_db, api_db1: the hidden
 * request-context statement of writes, the hang-up rule of libevent#997) and the reply of
 * a failed unit (api_reply_db_error). See api/common/common.h.
 */
#include "api/common/common.h"

#include <string.h>

#include <event2/http.h>

#include "app.h"
#include "core/arena.h"
#include "http/reqctx.h"
#include "http/server.h"

struct db_job {
    struct reqctx *rc;
    api_db_done done;
    int context;  /* 1: statement 0 is CONTEXT_SQL, hidden from done */
    int guard;    /* 1: statement 0 is the guard of a cached principal, hidden from done */
    int epoch;    /* rc->guard_epoch when sent: a restarted request drops older jobs */
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

/* The handler sees its own statements only: r without the first statement the job put
   before them (the guard or the context). The pool frees the results through r after the
   callback, so the view is a copy. */
static void
done_without_first(struct db_job *j, const struct db_result *r)
{
    struct db_result v = *r;

    if (v.nres > 0) {
        v.res++;
        v.nres--;
    }
    if (v.failed_stmt >= 0)
        v.failed_stmt--;
    j->done(j->rc, &v);
}

static void
on_db_done(struct db_result *r, void *arg)
{
    struct db_job *j = arg;
    struct reqctx *rc = j->rc;

    rc->db_inflight--;
    rc->db_ns += r->elapsed_ns;
    if (rc->gone || rc->completed || j->epoch != rc->guard_epoch) {
        /* Nobody to answer (libevent#997), or a job of a round the guard restarted:
           release once no other job is pending. */
        if (rc->gone)
            http_release_held(rc, 0);
        http_rc_release(rc);
        return;
    }
    if (j->guard) {
        struct api_guard *g = rc->guard;

        if (r->err.code != ERR_OK) {
            /* The guard's result went with the failed unit: the handler's reply is held
               until a guard of its own (http_hold_hook) has confirmed the principal; a
               reply already held (by another unit's callback) sends it now. */
            rc->guard_state = RC_GUARD_ARMED;
            if (rc->held != NULL && http_hold_hook != NULL)
                http_hold_hook(rc);
        } else if (g->done(rc, r->res[0]) != 0) {
            return;
        }
    }
    if (j->guard || j->context)
        done_without_first(j, r);
    else
        j->done(rc, r);
}

static void api_db_run(struct reqctx *rc, const struct db_stmt *st, int n, int grouped,
                       uint64_t order, api_db_done done);

void
api_db(struct reqctx *rc, const struct db_stmt *st, int n, api_db_done done)
{
    api_db_run(rc, st, n, 0, 0, done);
}

void
api_db_grouped(struct reqctx *rc, const struct db_stmt *st, int n, uint64_t order,
               api_db_done done)
{
    api_db_run(rc, st, n, 1, order, done);
}

static void
api_db_run(struct reqctx *rc, const struct db_stmt *st, int n, int grouped, uint64_t order,
           api_db_done done)
{
    struct db_job *j = arena_alloc(rc->arena, sizeof(*j));

    j->rc = rc;
    j->done = done;
    j->context = rc->who.authenticated && rc->method != EVHTTP_REQ_GET &&
                 rc->method != EVHTTP_REQ_HEAD;
    j->guard = 0;
    j->epoch = rc->guard_epoch;
    if (!j->context && rc->guard_state == RC_GUARD_ARMED && rc->guard != NULL) {
        struct db_stmt *all = arena_alloc(rc->arena, (size_t)(n + 1) * sizeof(*all));

        all[0] = ((struct api_guard *)rc->guard)->stmt;
        memcpy(all + 1, st, (size_t)n * sizeof(*st));
        st = all;
        n++;
        j->guard = 1;
        rc->guard_state = RC_GUARD_SENT;
    }
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
    /* Only a unit with its context statement may share a transaction: set_config(..., true)
       lasts to the end of the transaction, so each member must set its own first. */
    if (grouped && j->context)
        db_exec_grouped(rc->w->db, DB_GROUP_WRITE, st, n, order, on_db_done, j);
    else
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
