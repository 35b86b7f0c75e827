/*
 * session.c - the authentication hook (app->authenticate): the bearer token, its lookup
 * through the worker's token cache or TOKEN_SQL, the route's roles, the signature of an
 * integration client, and the audited refusals (the hook's own and the handlers'). Part of
 * the auth module (auth.h, auth_int.h).
 */
#include "api/auth/auth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <jansson.h>

#include "api/auth/auth.h"
#include "api/common/common.h"
#include "api/integration/integ.h"
#include "app.h"
#include "core/arena.h"
#include "core/token.h"
#include "db/db.h"
#include "domain/role.h"
#include "http/reqctx.h"
#include "http/router.h"

/*
 * The token lookup of every authenticated request that misses the cache. last_used_at is
 * written at most every 5 minutes per token, so the happy path is almost always read-only.
 * The expiry is judged in whole seconds, by its floor (expires_at, the cache's copy, and
 * the "expired" flag alike): a cast of the epoch to bigint would round x.6 s up to x+1.
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
    " t.id AS token_id"
    " FROM auth_token t JOIN account a ON a.id = t.account_id LEFT JOIN unit u ON u.id = a.unit_id"
    " WHERE t.token_hash = $1";

/* ---- the token cache: AUTH_CACHE_SLOTS per worker, trusted for AUTH_CACHE_TTL -------- */

void
auth_cache_drop_account(struct auth_worker *aw, int64_t account_id)
{
    for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++)
        if (aw->cache[i].hash[0] != '\0' && (account_id == 0 ||
                                             aw->cache[i].who.account_id == account_id))
            memset(&aw->cache[i], 0, sizeof(aw->cache[i]));
}

static struct cache_entry *
cache_slot(struct auth_worker *aw, const char *hash)
{
    unsigned v = 0;

    /* The hash is uniform: its first two hex digits pick one of 256 slots. */
    for (int i = 0; i < 2; i++)
        v = v << 4 | (unsigned)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
    return &aw->cache[v % AUTH_CACHE_SLOTS];
}

static const struct cache_entry *
cache_get(struct auth_worker *aw, const char *hash, int64_t now)
{
    const struct cache_entry *c = cache_slot(aw, hash);

    if (c->hash[0] == '\0' || !token_ct_equal(c->hash, hash, TOKEN_HASH_HEX))
        return NULL;
    if (now - c->cached >= AUTH_CACHE_TTL || now < c->cached ||
        (c->expires != 0 && now >= c->expires))
        return NULL;
    return c;
}

void
auth_cache_drop(struct auth_worker *aw, const char *hash)
{
    struct cache_entry *c = cache_slot(aw, hash);

    if (strcmp(c->hash, hash) == 0)
        memset(c, 0, sizeof(*c));
}

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

struct token_lookup {
    struct reqctx *rc;
    char hash[TOKEN_HASH_HEX];
    const char *params[TOK__N];
};

static void
on_token(struct db_result *r, void *arg)
{
    struct token_lookup *tl = arg;
    struct reqctx *rc = tl->rc;
    const PGresult *res;
    struct principal *p = &rc->who;
    struct cache_entry *c;

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

    c = cache_slot(auth_worker_get(rc->w), tl->hash);
    memcpy(c->hash, tl->hash, sizeof(c->hash));
    c->who = *p;
    c->expires = hx_col_ts(res, 0, "expires_at");
    c->cached = rc->now;
    authorize(rc);
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
    struct auth_worker *aw = auth_worker_get(rc->w);
    struct token_lookup *tl = arena_alloc(rc->arena, sizeof(*tl));
    const struct cache_entry *c;

    memset(&rc->who, 0, sizeof(rc->who));
    if (rc_header(rc, "Authorization") == NULL) {
        refuse(rc, ERR_UNAUTHENTICATED, "missing");
        return;
    }
    if (auth_bearer_hash(rc, tl->hash) == TOKEN_INVALID) {
        refuse(rc, ERR_UNAUTHENTICATED, "malformed");
        return;
    }
    c = cache_get(aw, tl->hash, rc->now);
    if (c != NULL) {
        rc->who = c->who;
        authorize(rc);
        return;
    }
    tl->rc = rc;
    tl->params[TOK_HASH] = tl->hash;
    tl->params[TOK_NOW] = auth_itoa(rc->arena, rc->now);
    rc->db_inflight++;
    db_exec1(rc->w->db, TOKEN_SQL, TOK__N, tl->params, on_token, tl);
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

void
auth_install(struct app *app)
{
    app->authenticate = authenticate;
    http_refusal_hook = on_handler_refusal;
}
