/*
 * auth.c - login, logout and "me" over HTTP, the helpers the files of this module share,
 * and the route table. See auth.h, auth_int.h (which file holds what) and docs/security.md.
 *
 * Flows (each database step is one unit of work through the worker's pool):
 *   authenticate: cache or TOKEN_SQL -> roles -> http_dispatch, or 401/403 + audit
 *                 (session.c)
 *   login:        LOGIN_SQL (account + failure counts) -> 429, or Argon2id verify on the
 *                 hashing thread -> one unit: token + attempt + audit -> 200, or
 *                 one unit: attempt + audit -> 401
 *   create:       Argon2id hash on the hashing thread -> one unit: account + audit
 *                 (accounts.c)
 */
#include "api/auth/auth.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "api/auth/auth_int.h"
#include "api/common/common.h"
#include "app.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/password.h"
#include "core/token.h"
#include "db/db.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* ---- SQL ----------------------------------------------------------------------------- */

/*
 * Login, step 1: the account (maybe none: LEFT JOIN on a one-row relation) and the failure
 * counts of the rate limit with the seconds until the oldest counted failure leaves the window.
 */
enum { LOGIN_LOGIN, LOGIN_ADDR, LOGIN_WINDOW /* seconds */, LOGIN_NOW /* Unix seconds */,
       LOGIN__N };
static const char LOGIN_SQL[] =
    "WITH lf AS (SELECT at FROM login_attempt WHERE login = $1 AND NOT success"
    "   AND at > to_timestamp($4::bigint) - make_interval(secs => $3::int)"
    "   AND at > coalesce((SELECT max(at) FROM login_attempt WHERE login = $1 AND success),"
    "                     '-infinity')),"
    " af AS (SELECT at FROM login_attempt WHERE client_addr = $2 AND NOT success"
    "   AND at > to_timestamp($4::bigint) - make_interval(secs => $3::int))"
    " SELECT (SELECT count(*) FROM lf) AS login_fails, (SELECT count(*) FROM af) AS addr_fails,"
    " ceil(extract(epoch FROM (SELECT min(at) FROM lf) + make_interval(secs => $3::int)"
    "  - to_timestamp($4::bigint))) AS login_wait,"
    " ceil(extract(epoch FROM (SELECT min(at) FROM af) + make_interval(secs => $3::int)"
    "  - to_timestamp($4::bigint))) AS addr_wait,"
    " a.password_hash, " ACCOUNT_COLS
    " FROM (SELECT 1) one LEFT JOIN account a ON a.login = $1"
    " LEFT JOIN unit u ON u.id = a.unit_id";

enum { ATT_LOGIN, ATT_ADDR, ATT_SUCCESS, ATT_NOW, ATT__N };
static const char ATTEMPT_SQL[] =
    "INSERT INTO login_attempt (login, client_addr, success, at)"
    " VALUES ($1, $2, $3::boolean, to_timestamp($4::bigint))";

/* Housekeeping riding on each login: a hundred expired attempt rows at a time. */
enum { PURGE_NOW, PURGE__N };
static const char ATTEMPT_PURGE_SQL[] =
    "DELETE FROM login_attempt WHERE id IN (SELECT id FROM login_attempt"
    " WHERE at < to_timestamp($1::bigint) - interval '1 day' LIMIT 100)";

enum { SES_HASH, SES_ACCOUNT, SES_TTL /* seconds */, SES_NOW, SES__N };
static const char SESSION_SQL[] =
    "INSERT INTO auth_token (token_hash, account_id, kind, created_at, expires_at)"
    " VALUES ($1, $2::bigint, 'session', to_timestamp($4::bigint),"
    "  to_timestamp($4::bigint) + make_interval(secs => $3::int))"
    " RETURNING " TS("expires_at") " AS expires_at";

enum { REHASH_ACCOUNT, REHASH_NEW, REHASH_OLD, REHASH__N };
static const char REHASH_SQL[] =
    "UPDATE account SET password_hash = $2 WHERE id = $1::bigint AND password_hash = $3";

enum { LOGOUT_HASH, LOGOUT_NOW, LOGOUT__N };
static const char LOGOUT_SQL[] =
    "UPDATE auth_token SET revoked_at = to_timestamp($2::bigint)"
    " WHERE token_hash = $1 AND revoked_at IS NULL"
    " RETURNING pg_notify('" AUTH_CHANNEL "', account_id::text)";

/* ---- helpers shared by the files of the module (auth_int.h) -------------------------- */

/* SQL parameter text of an integer, in the arena. */
const char *
auth_itoa(struct arena *a, int64_t v)
{
    return arena_printf(a, "%" PRId64, v);
}

/* Column col of row r as text, "" for SQL NULL (as db_val). */
const char *
auth_col(const PGresult *res, int r, const char *col)
{
    const char *s = hx_col(res, r, col);

    return s != NULL ? s : "";
}

/* The account of row r of a result selecting ACCOUNT_COLS. */
json_t *
auth_account_json(const PGresult *res, int r)
{
    const char *role = auth_col(res, r, "role");
    const char *unit_id = auth_col(res, r, "unit_id");
    const char *unit_code = auth_col(res, r, "unit_code");

    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:b, s:s}", "id",
                     (json_int_t)strtoll(auth_col(res, r, "id"), NULL, 10), "login",
                     auth_col(res, r, "login"), "display_name", auth_col(res, r, "display_name"),
                     "role", role, "role_label", role_label_vi(role_parse(role)), "unit_id",
                     unit_id[0] ? json_integer(strtoll(unit_id, NULL, 10)) : json_null(),
                     "unit_code", unit_code[0] ? json_string(unit_code) : json_null(), "kind",
                     auth_col(res, r, "kind"), "active", auth_col(res, r, "active")[0] == 't',
                     "created_at", auth_col(res, r, "created_at"));
}

static json_t *
principal_json(const struct principal *p)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)p->account_id,
                     "login", p->login, "display_name", p->display_name, "role",
                     role_name(p->role) ? role_name(p->role) : "", "role_label",
                     role_label_vi(p->role), "unit_id",
                     p->unit_id ? json_integer(p->unit_id) : json_null(), "unit_code",
                     p->unit_code[0] ? json_string(p->unit_code) : json_null());
}

/* A login as accepted by the account table: 3-63 of [a-z0-9._-], starting alphanumeric. */
int
auth_login_valid(const char *s)
{
    size_t n = strlen(s);

    if (n < 3 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

/*
 * The start of every callback of a unit queued by this module: the unit is no longer in
 * flight; when the client hung up, the request is abandoned and 1 returned (touch nothing
 * else then, libevent#997).
 */
int
auth_job_back(struct reqctx *rc)
{
    rc->db_inflight--;
    if (rc->gone) {
        reqctx_abandon(rc);
        return 1;
    }
    return 0;
}

/* When the unit failed: replies with its error and returns 1. */
int
auth_job_failed(struct reqctx *rc, const struct db_result *r)
{
    if (r->err.code == ERR_OK)
        return 0;
    http_reply_error(rc, &r->err);
    return 1;
}

/* "limit" and "cursor" (an id) query parameters; -1 after replying 400 BAD_QUERY. */
int
auth_list_params(struct reqctx *rc, int *limit, const char **cursor)
{
    struct mc_err e;

    if (api_query_limit(rc, limit, &e) != 0 || api_query_id(rc, "cursor", cursor, &e) != 0) {
        http_reply_error(rc, &e);
        return -1;
    }
    return 0;
}

/* ---- POST /api/v1/auth/login --------------------------------------------------------- */

struct login {
    struct reqctx *rc;
    const char *login;
    const char *pw;
    const char *params[LOGIN__N];
    char window[16];
    int64_t account_id;
    int can_login;         /* account exists, active, staff, has a password */
    json_t *account;       /* auth_account_json of the row */
    const char *stored;    /* stored PHC */
    struct hash_job job;
    int admitted;          /* counted in flight by auth_rl_admit: auth_rl_done owed */
    char token[TOKEN_LEN + 1];
    char token_hash[TOKEN_HASH_HEX];
    char ttl[16];
};

static void
login_cleanse(struct login *l)
{
    OPENSSL_cleanse((void *)l->pw, strlen(l->pw));
    OPENSSL_cleanse(l->token, sizeof(l->token));
}

/* Ends the attempt's in-flight count (once): after its outcome is committed or abandoned. */
static void
login_settle(struct login *l, enum rl_outcome out)
{
    if (!l->admitted)
        return;
    l->admitted = 0;
    auth_rl_done(l->login, l->rc->client_addr, out);
}

static void
on_login_saved(struct db_result *r, void *arg)
{
    struct login *l = arg;
    struct reqctx *rc = l->rc;
    json_t *body;

    rc->db_inflight--;
    /* Committed (or not): the database count includes this attempt from now on. */
    login_settle(l, r->err.code != ERR_OK ? RL_NONE : l->job.ok ? RL_OK : RL_FAILED);
    if (rc->gone) {
        login_cleanse(l);
        json_decref(l->account);
        reqctx_abandon(rc);
        return;
    }
    if (r->err.code != ERR_OK) {
        login_cleanse(l);
        json_decref(l->account);
        http_reply_error(rc, &r->err);
        return;
    }
    if (!l->job.ok) {
        json_decref(l->account);
        login_cleanse(l);
        http_reply_err(rc, ERR_BAD_CREDENTIALS, NULL);
        return;
    }
    body = json_pack("{s:s, s:s, s:s, s:o}", "token", l->token, "token_type", "Bearer",
                     "expires_at", auth_col(r->res[1], 0, "expires_at"), "account", l->account);
    login_cleanse(l);
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 200, body);
}

static void
on_login_verified(struct hash_job *j)
{
    struct login *l = (struct login *)((char *)j - offsetof(struct login, job));
    struct reqctx *rc = l->rc;
    struct db_stmt *st = arena_calloc(rc->arena, 7, sizeof(*st));
    const char **av = hx_params(rc, ATT__N);
    const char **pv = hx_params(rc, PURGE__N);
    const char *now = auth_itoa(rc->arena, rc->now);
    struct mc_err e;
    int n = 0, ok = j->ok && l->can_login;

    st[n++] = (struct db_stmt){AUTH_AUDITED_SQL, 0, NULL}; /* the rehash is part of the login */

    j->ok = ok;
    av[ATT_LOGIN] = l->login;
    av[ATT_ADDR] = rc->client_addr;
    av[ATT_SUCCESS] = ok ? "true" : "false";
    av[ATT_NOW] = now;
    pv[PURGE_NOW] = now;
    if (ok) {
        const char **sv = hx_params(rc, SES__N);

        if (token_new(TOKEN_SESSION, l->token, sizeof(l->token), &e) != 0) {
            rc->db_inflight--;
            login_settle(l, RL_NONE);
            json_decref(l->account);
            login_cleanse(l);
            http_reply_error(rc, &e);
            return;
        }
        token_hash_hex(l->token, l->token_hash);
        snprintf(l->ttl, sizeof(l->ttl), "%d", rc->app->cfg->token_ttl);
        sv[SES_HASH] = l->token_hash;
        sv[SES_ACCOUNT] = auth_itoa(rc->arena, l->account_id);
        sv[SES_TTL] = l->ttl;
        sv[SES_NOW] = now;
        st[n++] = (struct db_stmt){SESSION_SQL, SES__N, sv};
        if (j->rehashed) {
            const char **rv = hx_params(rc, REHASH__N);

            rv[REHASH_ACCOUNT] = sv[SES_ACCOUNT];
            rv[REHASH_NEW] = arena_strdup(rc->arena, j->out);
            rv[REHASH_OLD] = l->stored;
            st[n++] = (struct db_stmt){REHASH_SQL, REHASH__N, rv};
        }
    }
    st[n++] = (struct db_stmt){ATTEMPT_SQL, ATT__N, av};
    st[n++] = auth_audit_stmt(rc, l->account_id, l->login, "login", l->login, ok ? "ok" : "failed",
                              ok ? NULL : json_pack("{s:s}", "reason",
                                                    l->account_id == 0 ? "unknown login"
                                                    : !l->can_login ? "account cannot log in"
                                                                    : "wrong password"));
    st[n++] = (struct db_stmt){ATTEMPT_PURGE_SQL, PURGE__N, pv};
    /* still one job in flight: the hashing one becomes this unit */
    db_exec(rc->w->db, st, n, on_login_saved, l);
}

static void
on_login_looked_up(struct db_result *r, void *arg)
{
    struct login *l = arg;
    struct reqctx *rc = l->rc;
    const PGresult *res;
    long login_fails, addr_fails, wait = 1;

    if (auth_job_back(rc) || auth_job_failed(rc, r))
        return;
    res = r->res[0];
    login_fails = strtol(auth_col(res, 0, "login_fails"), NULL, 10);
    addr_fails = strtol(auth_col(res, 0, "addr_fails"), NULL, 10);
    if (auth_rl_admit(l->login, rc->client_addr, login_fails, addr_fails, &wait) != 0) {
        char ra[24];

        if (login_fails >= AUTH_MAX_FAILS_LOGIN || addr_fails >= AUTH_MAX_FAILS_ADDR) {
            long a = login_fails >= AUTH_MAX_FAILS_LOGIN
                         ? strtol(auth_col(res, 0, "login_wait"), NULL, 10) : 0;
            long b = addr_fails >= AUTH_MAX_FAILS_ADDR
                         ? strtol(auth_col(res, 0, "addr_wait"), NULL, 10) : 0;

            wait = a > b ? a : b;
        }
        snprintf(ra, sizeof(ra), "%ld", wait < 1 ? 1 : wait);
        rc_set_header(rc, "Retry-After", ra);
        auth_audit_detached(rc, 0, l->login, "login", "denied",
                            json_pack("{s:s, s:i, s:i}", "reason", "rate limited",
                                      "login_failures", (int)login_fails, "address_failures",
                                      (int)addr_fails));
        http_reply_err(rc, ERR_RATE_LIMITED, "too many failed logins; retry after %s s", ra);
        return;
    }
    l->admitted = 1;
    if (hx_col(res, 0, "id") != NULL) {
        l->account_id = strtoll(hx_col(res, 0, "id"), NULL, 10);
        l->account = auth_account_json(res, 0);
        l->can_login = hx_col(res, 0, "password_hash") != NULL && hx_col_true(res, "active") &&
                       strcmp(auth_col(res, 0, "kind"), "staff") == 0;
        if (l->can_login)
            l->stored = arena_strdup(rc->arena, hx_col(res, 0, "password_hash"));
    }
    /* Unknown login, disabled account: the same Argon2id work, the same answer. */
    l->job.op = HJ_VERIFY;
    l->job.pw = l->pw;
    l->job.phc = l->can_login ? l->stored : password_dummy_phc();
    l->job.done = on_login_verified;
    if (auth_hash_submit(rc, &l->job) != 0) {
        login_settle(l, RL_NONE);
        json_decref(l->account);
        login_cleanse(l);
        rc_set_header(rc, "Retry-After", "1");
        http_reply_err(rc, ERR_RATE_LIMITED, "password checks are queued to capacity");
    }
}

static void
api_auth_login(struct reqctx *rc)
{
    struct login *l = arena_alloc(rc->arena, sizeof(*l));
    struct mc_err e;
    const char *login = NULL;
    char *folded;

    l->rc = rc;
    if (jin_get_str(rc->json, "login", 63, 1, &login, &e) < 0 ||
        jin_get_str(rc->json, "password", PASSWORD_MAX_BYTES, 1, &l->pw, &e) < 0) {
        http_reply_error(rc, &e);
        return;
    }
    /* Logins are lower case; accept what people type at a counter. */
    folded = arena_strdup(rc->arena, login);
    for (char *p = folded; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if (!auth_login_valid(folded)) {
        err_field(&e, ERR_VALIDATION, "login", "login must be 3-63 of a-z 0-9 . _ -");
        http_reply_error(rc, &e);
        return;
    }
    l->login = folded;
    snprintf(l->window, sizeof(l->window), "%d", AUTH_WINDOW_SECONDS);
    l->params[LOGIN_LOGIN] = l->login;
    l->params[LOGIN_ADDR] = rc->client_addr;
    l->params[LOGIN_WINDOW] = l->window;
    l->params[LOGIN_NOW] = auth_itoa(rc->arena, rc->now);
    rc->db_inflight++;
    db_exec1(rc->w->db, LOGIN_SQL, LOGIN__N, l->params, on_login_looked_up, l);
}

/* ---- logout, me ---------------------------------------------------------------------- */

static void
on_logout(struct db_result *r, void *arg)
{
    struct simple *s = arg;
    struct reqctx *rc = s->rc;

    if (auth_job_back(rc) || auth_job_failed(rc, r))
        return;
    http_reply_json(rc, 200, json_pack("{s:b}", "revoked", 1));
}

static void
api_auth_logout(struct reqctx *rc)
{
    struct simple *s = arena_alloc(rc->arena, sizeof(*s));
    char *hash = arena_alloc(rc->arena, TOKEN_HASH_HEX);
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));
    enum token_kind kind = auth_bearer_hash(rc, hash);

    if (kind != TOKEN_SESSION) {
        http_reply_err(rc, ERR_VALIDATION, "API keys are revoked by an administrator");
        return;
    }
    auth_cache_drop(rc->app->auth_cache, hash);
    s->rc = rc;
    s->params = hx_params(rc, LOGOUT__N);
    s->params[LOGOUT_HASH] = hash;
    s->params[LOGOUT_NOW] = auth_itoa(rc->arena, rc->now);
    st[0] = (struct db_stmt){AUTH_AUDITED_SQL, 0, NULL};
    st[1] = (struct db_stmt){LOGOUT_SQL, LOGOUT__N, s->params};
    st[2] = auth_audit_stmt(rc, rc->who.account_id, rc->who.login, "logout", rc->who.login, "ok",
                            NULL);
    rc->db_inflight++;
    db_exec(rc->w->db, st, 3, on_logout, s);
}

static void
api_auth_me(struct reqctx *rc)
{
    http_reply_json(rc, 200, json_pack("{s:o}", "account", principal_json(&rc->who)));
}

/* ---- the route table ----------------------------------------------------------------- */

const struct route API_AUTH_ROUTES[] = {
    {EVHTTP_REQ_POST, "/api/v1/auth/login", api_auth_login, 0, RF_PUBLIC | RF_JSON,
     "Log in with login and password; returns a session token"},
    {EVHTTP_REQ_POST, "/api/v1/auth/logout", api_auth_logout, ROLE_ALL, 0,
     "Revoke the session token of this request"},
    {EVHTTP_REQ_GET, "/api/v1/auth/me", api_auth_me, ROLE_ALL, 0,
     "The authenticated account, its role and unit scope"},
    {EVHTTP_REQ_GET, "/api/v1/accounts", api_accounts_list, ROLE_ADMIN, 0,
     "List accounts (keyset paginated, ?role=)"},
    {EVHTTP_REQ_POST, "/api/v1/accounts", api_accounts_create, ROLE_ADMIN, RF_JSON,
     "Create an account"},
    {EVHTTP_REQ_POST, "/api/v1/accounts/{login}/disable", api_accounts_disable, ROLE_ADMIN, 0,
     "Disable an account and revoke its tokens"},
    {EVHTTP_REQ_POST, "/api/v1/accounts/{login}/api-keys", api_keys_create, ROLE_ADMIN, RF_JSON,
     "Issue an API key to an integration account (shown once)"},
    {EVHTTP_REQ_POST, "/api/v1/api-keys/{id}/revoke", api_keys_revoke, ROLE_ADMIN, 0,
     "Revoke an API key"},
    {EVHTTP_REQ_GET, "/api/v1/audit", api_audit_list, ROLE_ADMIN, 0,
     "Audit log, newest first (keyset paginated, ?login= ?action= ?action_prefix= ?outcome=)"},
    {0, NULL, NULL, 0, 0, NULL},
};
