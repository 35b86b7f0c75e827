/*
 * audit.c - the module's audit rows: the insert joining a handler's unit of work, the
 * detached insert of a refusal (a per-worker budget per second), and GET /api/v1/audit.
 * Part of the auth module (auth.h, auth_int.h).
 */
#include "api/auth/auth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/common/common.h"
#include "app.h"
#include "core/arena.h"
#include "core/log.h"
#include "db/db.h"
#include "http/reqctx.h"
#include "http/router.h"

/* ---- SQL ----------------------------------------------------------------------------- */

enum { AUD_ACCOUNT, AUD_LOGIN, AUD_ACTION, AUD_TARGET, AUD_OUTCOME, AUD_ADDR, AUD_REQUEST,
       AUD_DETAIL, /* JSON text; NULL = {} */
       AUD__N };
static const char AUDIT_SQL[] =
    "INSERT INTO audit_log (account_id, login, action, target, outcome, client_addr, request_id,"
    " detail) VALUES ($1::bigint, $2, $3, $4, $5, $6, $7, coalesce($8, '{}')::jsonb)";

/*
 * Statement 0 of the units that write their own audit row (login, logout, account create
 * and disable, key revocation): the generic row trigger of sql/041_admin_audit.sql stays
 * silent for the rest of the unit's transaction, so each change is audited once, under its
 * documented action (docs/security.md §5).
 */
const char AUTH_AUDITED_SQL[] = "SELECT set_config('motcua.audited', 'on', true)";

enum { AL_BEFORE /* the cursor: rows below this id */, AL_LOGIN, AL_ACTION, AL_OUTCOME,
       AL_LIMIT, AL_ACTION_PREFIX, AL__N };
static const char AUDIT_LIST_SQL[] =
    "SELECT id, " TS("at") " AS at, account_id, login, action, target, outcome, client_addr,"
    " request_id, detail::text AS detail FROM audit_log"
    " WHERE ($1::bigint IS NULL OR id < $1::bigint) AND ($2::text IS NULL OR login = $2)"
    " AND ($3::text IS NULL OR action = $3) AND ($4::text IS NULL OR outcome = $4)"
    " AND ($6::text IS NULL OR starts_with(action, $6))"
    " ORDER BY id DESC LIMIT $5::int";

/* ---- audit --------------------------------------------------------------------------- */

/* The AUDIT_SQL statement for rc, values in the arena (to join a handler's unit of work). */
struct db_stmt
auth_audit_stmt(struct reqctx *rc, int64_t account_id, const char *login, const char *action,
                const char *target, const char *outcome, json_t *detail)
{
    const char **v = hx_params(rc, AUD__N);
    char *d = NULL;

    if (detail != NULL) {
        char *s = json_dumps(detail, JSON_COMPACT);

        d = arena_strdup(rc->arena, s ? s : "{}");
        free(s);
        json_decref(detail);
    }
    v[AUD_ACCOUNT] = account_id ? auth_itoa(rc->arena, account_id) : NULL;
    v[AUD_LOGIN] = login;
    v[AUD_ACTION] = action;
    v[AUD_TARGET] = target;
    v[AUD_OUTCOME] = outcome;
    v[AUD_ADDR] = rc->client_addr;
    v[AUD_REQUEST] = rc->req_id;
    v[AUD_DETAIL] = d;
    return (struct db_stmt){AUDIT_SQL, AUD__N, v};
}

/* A detached audit insert: owns copies of its values, outlives the request. */
struct audit_job {
    char *v[AUD__N];
    const char *p[AUD__N];
};

static void
on_audit_done(struct db_result *r, void *arg)
{
    struct audit_job *j = arg;

    if (r->err.code != ERR_OK)
        log_kv(LOG_WARN, "audit_insert_failed", "code", err_name(r->err.code), "detail",
               r->err.detail, NULL);
    for (int i = 0; i < AUD__N; i++)
        free(j->v[i]);
    free(j);
}

/*
 * Records a refusal without delaying its reply: the insert is queued on the pool and its
 * values copied out of the request. At most AUTH_AUDIT_REFUSALS_PER_SEC per worker.
 */
void
auth_audit_detached(struct reqctx *rc, int64_t account_id, const char *login, const char *action,
                    const char *outcome, json_t *detail)
{
    struct auth_worker *aw = auth_worker_get(rc->w);
    int64_t now = rc->now;
    struct db_stmt st;
    struct audit_job *j;

    if (now != aw->audit_sec) {
        if (aw->audit_dropped > 0) {
            char n[24];

            snprintf(n, sizeof(n), "%lu", aw->audit_dropped);
            log_kv(LOG_WARN, "audit_refusals_dropped", "count", n, NULL);
        }
        aw->audit_sec = now;
        aw->audit_count = 0;
        aw->audit_dropped = 0;
    }
    if (aw->audit_count >= AUTH_AUDIT_REFUSALS_PER_SEC) {
        aw->audit_dropped++;
        json_decref(detail);
        return;
    }
    aw->audit_count++;
    st = auth_audit_stmt(rc, account_id, login, action,
                         rc->match.route ? rc->match.route->pattern : rc->path, outcome, detail);
    j = xcalloc(1, sizeof(*j));
    for (int i = 0; i < AUD__N; i++) {
        j->v[i] = st.values[i] ? xstrdup(st.values[i]) : NULL;
        j->p[i] = j->v[i];
    }
    db_exec1(rc->w->db, AUDIT_SQL, AUD__N, j->p, on_audit_done, j);
}

/* ---- audit log ----------------------------------------------------------------------- */

/* An audit row as JSON (detail is jsonb NOT NULL, always an object). */
static const struct hx_jcol AUDIT_ROW[] = {
    {"id", NULL, HX_INT},          {"at", NULL, HX_TEXT},          {"account_id", NULL, HX_INT},
    {"login", NULL, HX_TEXT},      {"action", NULL, HX_TEXT},      {"target", NULL, HX_TEXT},
    {"outcome", NULL, HX_TEXT},    {"client_addr", NULL, HX_TEXT}, {"request_id", NULL, HX_TEXT},
    {"detail", NULL, HX_JSON},
};

static void
on_audit_list(struct db_result *r, void *arg)
{
    struct simple *s = arg;
    struct reqctx *rc = s->rc;
    const PGresult *res;
    json_t *items;
    int n, limit = atoi(s->s);

    if (auth_job_back(rc) || auth_job_failed(rc, r))
        return;
    res = r->res[0];
    n = PQntuples(res);
    items = hx_rows_json(res, AUDIT_ROW, (int)(sizeof(AUDIT_ROW) / sizeof(AUDIT_ROW[0])));
    if (n > limit)
        json_array_remove(items, (size_t)limit); /* the look-ahead row */
    http_reply_json(rc, 200, api_page(items, n > limit ? auth_col(res, limit - 1, "id") : NULL));
}

void
api_audit_list(struct reqctx *rc)
{
    struct simple *s = arena_alloc(rc->arena, sizeof(*s));
    const char *cursor, *outcome = rc_query(rc, "outcome");
    int limit;

    if (auth_list_params(rc, &limit, &cursor) < 0)
        return;
    if (outcome != NULL && strcmp(outcome, "ok") != 0 && strcmp(outcome, "denied") != 0 &&
        strcmp(outcome, "failed") != 0) {
        http_reply_err(rc, ERR_BAD_QUERY, "outcome is ok, denied or failed");
        return;
    }
    s->rc = rc;
    s->s = auth_itoa(rc->arena, limit);
    s->params = hx_params(rc, AL__N);
    s->params[AL_BEFORE] = cursor;
    s->params[AL_LOGIN] = rc_query(rc, "login");
    s->params[AL_ACTION] = rc_query(rc, "action");
    s->params[AL_OUTCOME] = outcome;
    s->params[AL_LIMIT] = auth_itoa(rc->arena, limit + 1);
    /* "admin." = every administrative change */
    s->params[AL_ACTION_PREFIX] = rc_query(rc, "action_prefix");
    rc->db_inflight++;
    db_exec1(rc->w->db, AUDIT_LIST_SQL, AL__N, s->params, on_audit_list, s);
}
