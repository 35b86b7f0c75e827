/*
 * session.c - the authentication hook (app->authenticate): the bearer token, its lookup
 * through the process's token cache (cache.c) confirmed by GUARD_SQL, or TOKEN_SQL, the
 * route's roles, the signature of an integration client, and the audited refusals (the
 * hook's own and the handlers'). Part of the auth module (auth.h, auth_int.h).
 */
#include "api/auth/auth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "api/auth/auth.h"
#include "api/common/common.h"
#include "api/integration/integ.h"
#include "app.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/token.h"
#include "db/db.h"
#include "domain/role.h"
#include "http/metrics.h"
#include "http/reqctx.h"
#include "http/router.h"

/*
 * The token lookup of every authenticated request that misses the cache. last_used_at is
 * written at most every 5 minutes per token, so the happy path is almost always read-only.
 * The expiry is judged in whole seconds, by its floor (expires_at, the cache's copy, and
 * the "expired" flag alike): a cast of the epoch to bigint would round x.6 s up to x+1.
 * gen is the revocation generation (sql/116_auth_revocation.sql) in the same snapshot.
 */
enum { TOK_HASH, TOK_NOW, TOK__N };
static const char TOKEN_SQL[] =
    "WITH touch AS (UPDATE auth_token SET last_used_at = to_timestamp($2::bigint)"
    " WHERE token_hash = $1 AND revoked_at IS NULL"
    " AND (last_used_at IS NULL OR last_used_at < to_timestamp($2::bigint) - interval '5 min'))"
    " SELECT a.id, a.login, a.role, coalesce(a.unit_id, 0) AS unit_id,"
    " coalesce(u.code, '') AS unit_code, a.display_name, a.active,"
    " t.revoked_at IS NOT NULL AS revoked,"
    " coalesce(floor(extract(epoch FROM t.expires_at)) <= $2::bigint, false) AS expired,"
    " coalesce(floor(extract(epoch FROM t.expires_at))::bigint, 0) AS expires_at, t.kind,"
    " t.id AS token_id, (SELECT gen FROM auth_revocation) AS gen"
    " FROM auth_token t JOIN account a ON a.id = t.account_id LEFT JOIN unit u ON u.id = a.unit_id"
    " WHERE t.token_hash = $1";

/*
 * The guard of a cached principal: one row (the current generation) when it still holds,
 * none otherwise. At the generation it was read at (the common case) this reads the one
 * row of auth_revocation; after a revocation anywhere, it compares the cached principal
 * with the token's rows, and a match confirms it at the new generation. Sent as statement
 * 0 of the request's first unit of a read (api_db), or alone before a write.
 */
enum { GRD_GEN, GRD_HASH, GRD_EXPIRES, GRD_ACCOUNT, GRD_ROLE, GRD_UNIT, GRD_UNIT_CODE,
       GRD_LOGIN, GRD_NAME, GRD__N };
static const char GUARD_SQL[] =
    "SELECT r.gen FROM auth_revocation r WHERE r.gen = $1::bigint"
    " UNION ALL"
    " SELECT r.gen FROM auth_revocation r"
    " JOIN auth_token t ON t.token_hash = $2 JOIN account a ON a.id = t.account_id"
    " LEFT JOIN unit u ON u.id = a.unit_id"
    " WHERE r.gen <> $1::bigint AND t.revoked_at IS NULL AND a.active"
    " AND coalesce(floor(extract(epoch FROM t.expires_at))::bigint, 0) = $3::bigint"
    " AND a.id = $4::bigint AND a.role = $5 AND coalesce(a.unit_id, 0) = $6::bigint"
    " AND coalesce(u.code, '') = $7 AND a.login = $8 AND a.display_name = $9";

/* ---- authentication hook ------------------------------------------------------------- */

static void
refuse(struct reqctx *rc, enum err_code code, const char *reason)
{
    json_t *detail = json_pack("{s:s, s:s}", "reason", reason, "method",
                               route_method_name(rc->method));

    auth_audit_detached(rc, rc->who.account_id, rc->who.login[0] ? rc->who.login : NULL,
                        code == ERR_FORBIDDEN ? "authorize" : "authenticate", "denied", detail);
    if (code == ERR_FORBIDDEN) {
        http_reply_err(rc, code, "role %s may not use this route",
                       role_name(rc->who.role) ? role_name(rc->who.role) : "?");
        return;
    }
    /* The same answer for every reason (RFC 6750 §3): the reason is in the audit log. */
    rc_set_header(rc, "WWW-Authenticate", "Bearer realm=\"motcua\"");
    http_reply_err(rc, code, "missing, invalid, expired or revoked token");
}

static void
authorize(struct reqctx *rc)
{
    if ((rc->match.route->roles & rc->who.role) == 0) {
        refuse(rc, ERR_FORBIDDEN, "role");
        return;
    }
    /* An integration client signs every state-changing request, wherever it goes, and
     * every request under /api/v1/integration/ and /api/v1/dvcqg/, reads included
     * (docs/integration.md §1-2: HMAC + replay window); RF_RAW_BODY routes verify in their
     * handler; the /api/v1/auth/ routes act on the presented token itself. Unsigned: 401
     * BAD_SIGNATURE. */
    if (rc->who.role == ROLE_INTEGRATION && !(rc->match.route->flags & RF_RAW_BODY) &&
        strncmp(rc->match.route->pattern, "/api/v1/auth/", 13) != 0 &&
        ((rc->method != EVHTTP_REQ_GET && rc->method != EVHTTP_REQ_HEAD) ||
         strncmp(rc->match.route->pattern, "/api/v1/integration/", 20) == 0 ||
         strncmp(rc->match.route->pattern, "/api/v1/dvcqg/", 14) == 0)) {
        integ_verify(rc, http_dispatch);
        return;
    }
    http_dispatch(rc);
}

/* One request's authentication: its token, the lookup, the cached entry and its guard. */
struct token_lookup {
    struct api_guard guard; /* first: rc->guard points here */
    struct reqctx *rc;
    char hash[TOKEN_HASH_HEX];
    const char *params[TOK__N];
    struct cache_entry entry;
    const char *gparams[GRD__N];
};

static void lookup(struct token_lookup *tl);

static void
on_token(struct db_result *r, void *arg)
{
    struct token_lookup *tl = arg;
    struct reqctx *rc = tl->rc;
    const PGresult *res;
    struct principal *p = &rc->who;
    struct cache_entry *c = &tl->entry;

    if (auth_job_back(rc) || auth_job_failed(rc, r))
        return;
    res = r->res[0];
    if (PQntuples(res) != 1) {
        refuse(rc, ERR_UNAUTHENTICATED, "unknown");
        return;
    }
    p->account_id = strtoll(auth_col(res, 0, "id"), NULL, 10);
    snprintf(p->login, sizeof(p->login), "%s", auth_col(res, 0, "login"));
    if (hx_col_true(res, "revoked")) {
        refuse(rc, ERR_UNAUTHENTICATED, "revoked");
        return;
    }
    if (hx_col_true(res, "expired")) {
        refuse(rc, ERR_UNAUTHENTICATED, "expired");
        return;
    }
    if (!hx_col_true(res, "active")) {
        refuse(rc, ERR_UNAUTHENTICATED, "inactive");
        return;
    }
    p->authenticated = 1;
    p->role = role_parse(auth_col(res, 0, "role"));
    p->unit_id = strtoll(auth_col(res, 0, "unit_id"), NULL, 10);
    snprintf(p->unit_code, sizeof(p->unit_code), "%s", auth_col(res, 0, "unit_code"));
    snprintf(p->display_name, sizeof(p->display_name), "%s", auth_col(res, 0, "display_name"));

    memset(c, 0, sizeof(*c));
    memcpy(c->hash, tl->hash, sizeof(c->hash));
    c->who = *p;
    c->expires = hx_col_ts(res, 0, "expires_at");
    c->cached = rc->now;
    c->gen = strtoll(auth_col(res, 0, "gen"), NULL, 10);
    auth_cache_put(rc->app->auth_cache, c);
    authorize(rc);
}

/* 1 when the guard's result confirms the cached principal (its generation is noted). */
static int
guard_holds(struct token_lookup *tl, const PGresult *res)
{
    int64_t gen;

    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        return 0;
    gen = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    if (gen != tl->entry.gen)
        auth_cache_confirm(tl->rc->app->auth_cache, tl->hash, gen);
    return 1;
}

/*
 * The cached principal no longer holds (revoked, expired, disabled, changed): forgotten by
 * every worker, the request's earlier round dropped (its jobs are not called back, a held
 * reply is discarded), and the token looked up afresh: a refusal, or the request served
 * again from the start under the principal as it now is.
 */
static void
guard_failed(struct token_lookup *tl)
{
    struct reqctx *rc = tl->rc;

    rc->guard_state = RC_GUARD_NONE;
    rc->guard_epoch++;
    http_release_held(rc, 0);
    auth_cache_drop(rc->app->auth_cache, tl->hash);
    memset(&rc->who, 0, sizeof(rc->who));
    lookup(tl);
}

/* api_guard.done: the guard came back in the request's first unit (api_db). */
static int
on_guard_in_unit(struct reqctx *rc, const PGresult *res)
{
    struct token_lookup *tl = rc->guard;

    if (!guard_holds(tl, res)) {
        guard_failed(tl);
        return -1;
    }
    rc->guard_state = RC_GUARD_NONE;
    http_release_held(rc, 1);
    return 0;
}

/* The guard sent alone: before a write or a stream (arg: the request's token_lookup). */
static void
on_guard_first(struct db_result *r, void *arg)
{
    struct token_lookup *tl = arg;
    struct reqctx *rc = tl->rc;

    if (auth_job_back(rc) || auth_job_failed(rc, r))
        return;
    if (!guard_holds(tl, r->res[0])) {
        guard_failed(tl);
        return;
    }
    authorize(rc);
}

/* The guard sent alone for a reply held by send_buf (a handler that answered before any
   unit of its own carried the guard). */
static void
on_guard_held(struct db_result *r, void *arg)
{
    struct token_lookup *tl = arg;
    struct reqctx *rc = tl->rc;

    rc->db_inflight--;
    if (rc->gone) {
        http_release_held(rc, 0);
        reqctx_abandon(rc);
        return;
    }
    if (r->err.code != ERR_OK) {
        /* Unconfirmed: an error reply may go, data may not. */
        rc->guard_state = RC_GUARD_NONE;
        if (rc->held_status >= 400) {
            http_release_held(rc, 1);
        } else {
            http_release_held(rc, 0);
            http_reply_error(rc, &r->err);
        }
        return;
    }
    if (!guard_holds(tl, r->res[0])) {
        guard_failed(tl);
        return;
    }
    rc->guard_state = RC_GUARD_NONE;
    http_release_held(rc, 1);
}

/* http_hold_hook: a reply waits for the guard; unless one is in flight, send it. */
static void
on_hold(struct reqctx *rc)
{
    struct token_lookup *tl = rc->guard;

    if (rc->guard_state == RC_GUARD_SENT)
        return; /* the unit carrying it is in flight: its result releases the reply */
    rc->guard_state = RC_GUARD_SENT;
    rc->db_inflight++;
    db_exec1(rc->w->db, GUARD_SQL, GRD__N, tl->gparams, on_guard_held, tl);
}

static void
lookup(struct token_lookup *tl)
{
    struct reqctx *rc = tl->rc;

    tl->params[TOK_HASH] = tl->hash;
    tl->params[TOK_NOW] = auth_itoa(rc->arena, rc->now);
    rc->db_inflight++;
    db_exec1(rc->w->db, TOKEN_SQL, TOK__N, tl->params, on_token, tl);
}

/*
 * The token presented by rc ("Authorization: Bearer mcs_..."), hashed into hash;
 * TOKEN_INVALID when absent or malformed.
 */
enum token_kind
auth_bearer_hash(struct reqctx *rc, char hash[TOKEN_HASH_HEX])
{
    const char *h = rc_header(rc, "Authorization");
    enum token_kind kind;

    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return TOKEN_INVALID;
    h += 7;
    while (*h == ' ')
        h++;
    kind = token_parse(h);
    if (kind != TOKEN_INVALID)
        token_hash_hex(h, hash);
    return kind;
}

static void
authenticate(struct reqctx *rc)
{
    struct token_lookup *tl = arena_calloc(rc->arena, 1, sizeof(*tl));
    const struct principal *p = &tl->entry.who;
    const char **g = tl->gparams;

    memset(&rc->who, 0, sizeof(rc->who));
    tl->rc = rc;
    (void)auth_worker_get(rc->w); /* the worker's LISTEN for early drops (worker.c) */
    if (rc_header(rc, "Authorization") == NULL) {
        refuse(rc, ERR_UNAUTHENTICATED, "missing");
        return;
    }
    if (auth_bearer_hash(rc, tl->hash) == TOKEN_INVALID) {
        refuse(rc, ERR_UNAUTHENTICATED, "malformed");
        return;
    }
    if (auth_cache_get(rc->app->auth_cache, tl->hash, rc->now, &tl->entry) != 0) {
        lookup(tl);
        return;
    }
    /* A cached principal: served only once the guard confirms it. */
    rc->who = *p;
    g[GRD_GEN] = auth_itoa(rc->arena, tl->entry.gen);
    g[GRD_HASH] = tl->hash;
    g[GRD_EXPIRES] = auth_itoa(rc->arena, tl->entry.expires);
    g[GRD_ACCOUNT] = auth_itoa(rc->arena, p->account_id);
    g[GRD_ROLE] = role_name(p->role) != NULL ? role_name(p->role) : "";
    g[GRD_UNIT] = auth_itoa(rc->arena, p->unit_id);
    g[GRD_UNIT_CODE] = rc->who.unit_code;
    g[GRD_LOGIN] = rc->who.login;
    g[GRD_NAME] = rc->who.display_name;
    tl->guard.stmt = (struct db_stmt){GUARD_SQL, GRD__N, g};
    tl->guard.done = on_guard_in_unit;
    rc->guard = &tl->guard;
    if ((rc->method == EVHTTP_REQ_GET || rc->method == EVHTTP_REQ_HEAD) &&
        !(rc->match.route->flags & RF_STREAM) && p->role != ROLE_INTEGRATION) {
        /* A read: the guard rides in its first unit, the reply waits for it. (An
           integration client's signature check writes its replay memory first: it waits.) */
        rc->guard_state = RC_GUARD_ARMED;
        authorize(rc);
        return;
    }
    /* A write or a stream acts before it replies: the guard goes first, alone. */
    rc->db_inflight++;
    db_exec1(rc->w->db, GUARD_SQL, GRD__N, g, on_guard_first, tl);
}

/*
 * http_refusal_hook: a handler refused an authenticated caller for scope (404 as if the
 * dossier did not exist, docs/security.md §3) or for role (403 ROLE_NOT_ALLOWED, a
 * transition its role may not make). Audited like the hook's own refusals, in the same
 * per-worker budget. A 404 cannot tell an unknown code from one out of scope (that is its
 * point), so both are recorded: action "scope", reason "not found or out of scope".
 */
static void
on_handler_refusal(struct reqctx *rc, enum err_code code)
{
    int role = code == ERR_ROLE_NOT_ALLOWED;
    json_t *detail = json_pack("{s:s, s:s, s:s, s:s}", "reason",
                               role ? "transition not allowed for role"
                               : code == ERR_OUT_OF_SCOPE ? "out of scope"
                                                          : "not found or out of scope",
                               "code", err_name(code), "method", route_method_name(rc->method),
                               "path", rc->path != NULL ? rc->path : "");

    auth_audit_detached(rc, rc->who.account_id, rc->who.login[0] ? rc->who.login : NULL,
                        role ? "authorize" : "scope", "denied", detail);
}

/* ---- metrics of the token cache ---------------------------------------------------- */

static void
m_cache(struct app *app, struct evbuffer *out, int which)
{
    struct auth_cache_stats st;

    auth_cache_stats(app->auth_cache, &st);
    switch (which) {
    case 0:
        evbuffer_add_printf(out, "motcua_auth_cache_entries %zu\n", st.entries);
        break;
    case 1:
        evbuffer_add_printf(out, "motcua_auth_cache_capacity %zu\n", st.capacity);
        break;
    case 2:
        evbuffer_add_printf(out, "motcua_auth_cache_lookups_total{result=\"hit\"} %lu\n"
                                 "motcua_auth_cache_lookups_total{result=\"miss\"} %lu\n",
                            st.hits, st.misses);
        break;
    default:
        evbuffer_add_printf(out, "motcua_auth_cache_evictions_total %lu\n", st.evictions);
    }
}

static void
m_entries(struct app *app, struct evbuffer *out)
{
    m_cache(app, out, 0);
}

static void
m_capacity(struct app *app, struct evbuffer *out)
{
    m_cache(app, out, 1);
}

static void
m_lookups(struct app *app, struct evbuffer *out)
{
    m_cache(app, out, 2);
}

static void
m_evictions(struct app *app, struct evbuffer *out)
{
    m_cache(app, out, 3);
}

static void
auth_metrics_register(struct app *app)
{
    /* Registered once per process (auth_install); a second call finds the names taken. */
    (void)metrics_register(app, "motcua_auth_cache_entries",
                           "Verified tokens held in the process's cache", "gauge", m_entries);
    (void)metrics_register(app, "motcua_auth_cache_capacity",
                           "Bound of the token cache (MOTCUA_AUTH_CACHE, rounded down to sets)",
                           "gauge", m_capacity);
    (void)metrics_register(app, "motcua_auth_cache_lookups_total",
                           "Token cache lookups by result (a hit is still confirmed by the"
                           " database in the request's first statement)",
                           "counter", m_lookups);
    (void)metrics_register(app, "motcua_auth_cache_evictions_total",
                           "Cached tokens evicted to make room (the cache was full)", "counter",
                           m_evictions);
}

void
auth_install(struct app *app)
{
    app->authenticate = authenticate;
    app->auth_cache = auth_cache_new((size_t)app->cfg->auth_cache, app->cfg->auth_cache_ttl);
    http_refusal_hook = on_handler_refusal;
    http_hold_hook = on_hold;
    auth_metrics_register(app);
}
