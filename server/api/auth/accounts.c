/*
 * accounts.c - accounts (list, create, disable) and the API keys of integration accounts
 * (issue, revoke), for administrators. Each write carries its own audit row. Part of the
 * auth module (auth.h, auth_int.h).
 */
#include "api/auth/auth_int.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "api/common/common.h"
#include "app.h"
#include "core/arena.h"
#include "core/password.h"
#include "core/token.h"
#include "db/db.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* ---- SQL ----------------------------------------------------------------------------- */

enum { ACCS_AFTER, ACCS_ROLE, ACCS_LIMIT, ACCS__N };
static const char ACCOUNTS_SQL[] =
    "SELECT " ACCOUNT_COLS " FROM account a LEFT JOIN unit u ON u.id = a.unit_id"
    " WHERE ($1::bigint IS NULL OR a.id > $1::bigint) AND ($2::text IS NULL OR a.role = $2)"
    " ORDER BY a.id LIMIT $3::int";

/*
 * The administrative writes below carry their audit row in the same statement (a CTE fed by
 * the RETURNING of the change), so a write that touched nothing (unknown login, unknown unit)
 * leaves no "ok" row behind. Their last parameters are always the audit tail (audit_tail()):
 * actor account id, actor login, client address, request id, now.
 */
enum { TAIL_ACTOR, TAIL_ACTOR_LOGIN, TAIL_ADDR, TAIL_REQUEST, TAIL_NOW, TAIL__N };
#define AUDIT_INTO                                                                                 \
    "INSERT INTO audit_log (account_id, login, action, target, outcome, client_addr, request_id," \
    " detail) "

/* Inserts only when the unit code exists (or is absent for an admin): 0 rows = unknown unit. */
enum { ACCINS_LOGIN, ACCINS_NAME, ACCINS_ROLE, ACCINS_KIND, ACCINS_HASH /* NULL: none */,
       ACCINS_UNIT, ACCINS_TAIL, ACCINS__N = ACCINS_TAIL + TAIL__N };
static const char ACCOUNT_INSERT_SQL[] =
    "WITH ins AS (INSERT INTO account (login, display_name, role, unit_id, kind, password_hash,"
    "   password_changed_at, created_at)"
    " SELECT $1, $2, $3, u.id, $4, $5::text,"
    "  CASE WHEN $5 IS NULL THEN NULL ELSE to_timestamp($11::bigint) END, to_timestamp($11::bigint)"
    " FROM (SELECT 1) one LEFT JOIN unit u ON u.code = $6"
    " WHERE $6 IS NULL OR u.id IS NOT NULL RETURNING *),"
    " au AS (" AUDIT_INTO "SELECT $7::bigint, $8, 'account.create', ins.login, 'ok', $9, $10,"
    "   jsonb_build_object('role', ins.role, 'unit_code', $6::text) FROM ins)"
    " SELECT " ACCOUNT_COLS " FROM ins a LEFT JOIN unit u ON u.id = a.unit_id";

enum { DIS_LOGIN, DIS_TAIL, DIS__N = DIS_TAIL + TAIL__N };
static const char DISABLE_SQL[] =
    "WITH acc AS (UPDATE account SET active = false,"
    "   disabled_at = coalesce(disabled_at, to_timestamp($6::bigint)) WHERE login = $1 RETURNING *),"
    " rev AS (UPDATE auth_token SET revoked_at = to_timestamp($6::bigint)"
    "   WHERE account_id = (SELECT id FROM acc) AND revoked_at IS NULL RETURNING 1),"
    " au AS (" AUDIT_INTO "SELECT $2::bigint, $3, 'account.disable', acc.login, 'ok', $4, $5,"
    "   jsonb_build_object('tokens_revoked', (SELECT count(*) FROM rev)) FROM acc)"
    " SELECT " ACCOUNT_COLS ", (SELECT count(*) FROM rev) AS tokens_revoked,"
    " pg_notify('" AUTH_CHANNEL "', a.id::text)"
    " FROM acc a LEFT JOIN unit u ON u.id = a.unit_id";

/* API keys only for active integration accounts (staff use sessions that expire). The
 * actor of the audit tail is also the key's created_by. */
enum { KEY_HASH, KEY_LOGIN, KEY_LABEL, KEY_EXPIRES /* Unix seconds, NULL: never */, KEY_TAIL,
       KEY__N = KEY_TAIL + TAIL__N };
static const char APIKEY_SQL[] =
    "WITH k AS (INSERT INTO auth_token (token_hash, account_id, kind, label, expires_at,"
    "   created_by, created_at)"
    " SELECT $1, a.id, 'api_key', $3, to_timestamp($4::bigint), $5::bigint,"
    "  to_timestamp($9::bigint) FROM account a"
    " WHERE a.login = $2 AND a.kind = 'integration' AND a.active"
    " RETURNING id, label, created_at, expires_at),"
    " au AS (" AUDIT_INTO "SELECT $5::bigint, $6, 'apikey.create', $2, 'ok', $7, $8,"
    "   jsonb_build_object('key_id', k.id, 'label', k.label) FROM k)"
    " SELECT id, label, " TS("created_at") " AS created_at, " TS("expires_at") " AS expires_at"
    " FROM k";

enum { KIND_LOGIN, KIND__N };
static const char ACCOUNT_KIND_SQL[] = "SELECT kind, active FROM account WHERE login = $1";

enum { REV_ID, REV_TAIL, REV__N = REV_TAIL + TAIL__N };
static const char REVOKE_SQL[] =
    "WITH r AS (UPDATE auth_token t"
    " SET revoked_at = coalesce(t.revoked_at, to_timestamp($6::bigint))"
    " FROM account a WHERE t.id = $1::bigint AND t.kind = 'api_key' AND a.id = t.account_id"
    " RETURNING t.id, a.login, t.label, t.revoked_at, t.account_id),"
    " au AS (" AUDIT_INTO "SELECT $2::bigint, $3, 'apikey.revoke', r.id::text, 'ok', $4, $5,"
    "   jsonb_build_object('login', r.login) FROM r)"
    " SELECT id, login, label, " TS("revoked_at") " AS revoked_at, account_id,"
    " pg_notify('" AUTH_CHANNEL "', account_id::text) FROM r";

/* Fills the audit tail (TAIL_*) of an administrative statement's parameters at v. */
static void
audit_tail(struct reqctx *rc, const char **v)
{
    v[TAIL_ACTOR] = auth_itoa(rc->arena, rc->who.account_id);
    v[TAIL_ACTOR_LOGIN] = rc->who.login;
    v[TAIL_ADDR] = rc->client_addr;
    v[TAIL_REQUEST] = rc->req_id;
    v[TAIL_NOW] = auth_itoa(rc->arena, rc->now);
}

/* ---- accounts ------------------------------------------------------------------------ */

static void
on_accounts(struct db_result *r, void *arg)
{
    struct simple *s = arg;
    struct reqctx *rc = s->rc;
    json_t *items;
    int n, limit = atoi(s->s);

    if (auth_job_back(rc) || auth_job_failed(rc, r))
        return;
    n = PQntuples(r->res[0]);
    items = json_array();
    for (int i = 0; i < n && i < limit; i++)
        json_array_append_new(items, auth_account_json(r->res[0], i));
    http_reply_json(rc, 200,
                    api_page(items, n > limit ? auth_col(r->res[0], limit - 1, "id") : NULL));
}

void
api_accounts_list(struct reqctx *rc)
{
    struct simple *s = arena_alloc(rc->arena, sizeof(*s));
    const char *cursor, *role = rc_query(rc, "role");
    int limit;

    if (auth_list_params(rc, &limit, &cursor) < 0)
        return;
    if (role != NULL && role_parse(role) == 0) {
        http_reply_err(rc, ERR_BAD_QUERY, "unknown role");
        return;
    }
    s->rc = rc;
    s->s = auth_itoa(rc->arena, limit);
    s->params = hx_params(rc, ACCS__N);
    s->params[ACCS_AFTER] = cursor;
    s->params[ACCS_ROLE] = role;
    s->params[ACCS_LIMIT] = auth_itoa(rc->arena, limit + 1); /* one more: is there a next page? */
    rc->db_inflight++;
    db_exec1(rc->w->db, ACCOUNTS_SQL, ACCS__N, s->params, on_accounts, s);
}

struct create {
    struct reqctx *rc;
    const char *v[ACCINS__N];
    const char *pw;
    struct hash_job job;
};

static void
on_account_created(struct db_result *r, void *arg)
{
    struct create *c = arg;
    struct reqctx *rc = c->rc;

    if (auth_job_back(rc))
        return;
    if (r->err.code != ERR_OK) {
        if (strcmp(r->sqlstate, "23505") == 0)
            http_reply_err(rc, ERR_ALREADY_EXISTS, "login %s exists", c->v[ACCINS_LOGIN]);
        else
            http_reply_error(rc, &r->err);
        return;
    }
    if (PQntuples(r->res[1]) != 1) {
        struct mc_err e;

        err_field(&e, ERR_UNKNOWN_REF, "unit_code", "no unit with code %s", c->v[ACCINS_UNIT]);
        http_reply_error(rc, &e);
        return;
    }
    http_reply_json(rc, 201, auth_account_json(r->res[1], 0));
}

static void
account_insert(struct reqctx *rc, struct create *c)
{
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));

    audit_tail(rc, c->v + ACCINS_TAIL);
    st[0] = (struct db_stmt){AUTH_AUDITED_SQL, 0, NULL};
    st[1] = (struct db_stmt){ACCOUNT_INSERT_SQL, ACCINS__N, c->v};
    rc->db_inflight++;
    db_exec(rc->w->db, st, 2, on_account_created, c);
}

static void
on_account_hashed(struct hash_job *j)
{
    struct create *c = (struct create *)((char *)j - offsetof(struct create, job));
    struct reqctx *rc = c->rc;

    rc->db_inflight--;
    OPENSSL_cleanse((void *)c->pw, strlen(c->pw));
    if (rc->gone) {
        reqctx_abandon(rc);
        return;
    }
    if (!j->ok) {
        http_reply_err(rc, ERR_INTERNAL, "password hashing failed");
        return;
    }
    c->v[ACCINS_HASH] = arena_strdup(rc->arena, j->out);
    account_insert(rc, c);
}

/* The rules of a new account that the table's CHECKs would only answer with a 500. */
static int
create_check(const char *login, enum role r, const char *unit, const char *pw, struct mc_err *e)
{
    if (!auth_login_valid(login))
        return err_field(e, ERR_VALIDATION, "login",
                         "login must be 3-63 of a-z 0-9 . _ -, starting with a letter or digit");
    if (r == 0)
        return err_field(e, ERR_VALIDATION, "role", "unknown role");
    if (unit == NULL && r != ROLE_ADMIN)
        return err_field(e, ERR_VALIDATION, "unit_code", "required for this role");
    if (r == ROLE_INTEGRATION && pw != NULL)
        return err_field(e, ERR_VALIDATION, "password",
                         "integration accounts authenticate with API keys only");
    if (r != ROLE_INTEGRATION && pw == NULL)
        return err_field(e, ERR_VALIDATION, "password", "required for staff accounts");
    if (pw != NULL)
        return password_check_policy(pw, e);
    return 0;
}

void
api_accounts_create(struct reqctx *rc)
{
    struct create *c = arena_alloc(rc->arena, sizeof(*c));
    const char *login = NULL, *role = NULL, *unit = NULL, *name = "";
    enum role r;
    struct mc_err e;

    c->rc = rc;
    c->pw = NULL;
    if (jin_get_str(rc->json, "login", 63, 1, &login, &e) < 0 ||
        jin_get_str(rc->json, "role", 16, 1, &role, &e) < 0 ||
        jin_get_str(rc->json, "unit_code", 13, 0, &unit, &e) < 0 ||
        jin_get_str(rc->json, "display_name", 120, 0, &name, &e) < 0 ||
        jin_get_str(rc->json, "password", PASSWORD_MAX_BYTES, 0, &c->pw, &e) < 0) {
        http_reply_error(rc, &e);
        return;
    }
    r = role_parse(role);
    if (create_check(login, r, unit, c->pw, &e) < 0) {
        http_reply_error(rc, &e);
        return;
    }
    c->v[ACCINS_LOGIN] = login;
    c->v[ACCINS_NAME] = name;
    c->v[ACCINS_ROLE] = role;
    c->v[ACCINS_KIND] = r == ROLE_INTEGRATION ? "integration" : "staff";
    c->v[ACCINS_HASH] = NULL;
    c->v[ACCINS_UNIT] = unit;
    if (c->pw == NULL) {
        account_insert(rc, c);
        return;
    }
    c->job.op = HJ_HASH;
    c->job.pw = c->pw;
    c->job.done = on_account_hashed;
    if (auth_hash_submit(rc, &c->job) != 0) {
        OPENSSL_cleanse((void *)c->pw, strlen(c->pw));
        rc_set_header(rc, "Retry-After", "1");
        http_reply_err(rc, ERR_RATE_LIMITED, "password hashing is queued to capacity");
    }
}

static void
on_disabled(struct db_result *r, void *arg)
{
    struct simple *s = arg;
    struct reqctx *rc = s->rc;
    json_t *acc;

    if (auth_job_back(rc) || auth_job_failed(rc, r))
        return;
    if (PQntuples(r->res[1]) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no account %s", s->s);
        return;
    }
    acc = auth_account_json(r->res[1], 0);
    auth_cache_drop_account(rc->app->auth_cache,
                            strtoll(auth_col(r->res[1], 0, "id"), NULL, 10));
    json_object_set_new(
        acc, "tokens_revoked",
        json_integer(strtoll(auth_col(r->res[1], 0, "tokens_revoked"), NULL, 10)));
    http_reply_json(rc, 200, acc);
}

void
api_accounts_disable(struct reqctx *rc)
{
    struct simple *s = arena_alloc(rc->arena, sizeof(*s));
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));
    const char *login = rc_param(rc, "login");

    if (strcmp(login, rc->who.login) == 0) {
        /* The last administrator locking everyone out is one click away otherwise. */
        http_reply_err(rc, ERR_CONFLICT, "an administrator cannot disable their own account");
        return;
    }
    s->rc = rc;
    s->s = login;
    s->params = hx_params(rc, DIS__N);
    s->params[DIS_LOGIN] = login;
    audit_tail(rc, s->params + DIS_TAIL);
    st[0] = (struct db_stmt){AUTH_AUDITED_SQL, 0, NULL};
    st[1] = (struct db_stmt){DISABLE_SQL, DIS__N, s->params};
    rc->db_inflight++;
    db_exec(rc->w->db, st, 2, on_disabled, s);
}

/* ---- API keys ------------------------------------------------------------------------ */

struct keyreq {
    struct reqctx *rc;
    const char *login;
    char key[TOKEN_LEN + 1];
    char hash[TOKEN_HASH_HEX];
    const char *v[KEY__N];
    const char *kv[KIND__N];
};

static void
on_key_created(struct db_result *r, void *arg)
{
    struct keyreq *k = arg;
    struct reqctx *rc = k->rc;
    const PGresult *res;
    json_t *body;

    rc->db_inflight--;
    if (rc->gone) {
        OPENSSL_cleanse(k->key, sizeof(k->key));
        reqctx_abandon(rc);
        return;
    }
    if (r->err.code != ERR_OK) {
        OPENSSL_cleanse(k->key, sizeof(k->key));
        http_reply_error(rc, &r->err);
        return;
    }
    res = r->res[1];
    if (PQntuples(res) != 1) {
        OPENSSL_cleanse(k->key, sizeof(k->key));
        if (PQntuples(r->res[0]) != 1)
            http_reply_err(rc, ERR_NOT_FOUND, "no account %s", k->login);
        else
            http_reply_err(rc, ERR_CONFLICT,
                           "API keys are issued to active integration accounts only");
        return;
    }
    body = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "id",
                     (json_int_t)strtoll(auth_col(res, 0, "id"), NULL, 10), "key", k->key, "login",
                     k->login, "label", auth_col(res, 0, "label"), "created_at",
                     auth_col(res, 0, "created_at"), "expires_at",
                     hx_col(res, 0, "expires_at") == NULL
                         ? json_null()
                         : json_string(hx_col(res, 0, "expires_at")));
    OPENSSL_cleanse(k->key, sizeof(k->key));
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 201, body);
}

void
api_keys_create(struct reqctx *rc)
{
    struct keyreq *k = arena_alloc(rc->arena, sizeof(*k));
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));
    const char *label = "";
    int64_t expires = 0;
    struct mc_err e;

    k->rc = rc;
    k->login = rc_param(rc, "login");
    if (rc->json != NULL &&
        (jin_get_str(rc->json, "label", 120, 0, &label, &e) < 0 ||
         jin_get_instant(rc->json, "expires_at", 0, &expires, &e) < 0)) {
        http_reply_error(rc, &e);
        return;
    }
    if (expires != 0 && expires <= rc->now) {
        err_field(&e, ERR_VALIDATION, "expires_at", "expiry in the past");
        http_reply_error(rc, &e);
        return;
    }
    if (token_new(TOKEN_API_KEY, k->key, sizeof(k->key), &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    token_hash_hex(k->key, k->hash);
    k->kv[KIND_LOGIN] = k->login;
    k->v[KEY_HASH] = k->hash;
    k->v[KEY_LOGIN] = k->login;
    k->v[KEY_LABEL] = label;
    k->v[KEY_EXPIRES] = expires ? auth_itoa(rc->arena, expires) : NULL;
    audit_tail(rc, k->v + KEY_TAIL); /* the actor doubles as created_by */
    st[0] = (struct db_stmt){ACCOUNT_KIND_SQL, KIND__N, k->kv};
    st[1] = (struct db_stmt){APIKEY_SQL, KEY__N, k->v};
    rc->db_inflight++;
    db_exec(rc->w->db, st, 2, on_key_created, k);
}

static void
on_key_revoked(struct db_result *r, void *arg)
{
    struct simple *s = arg;
    struct reqctx *rc = s->rc;
    const PGresult *res;

    if (auth_job_back(rc) || auth_job_failed(rc, r))
        return;
    res = r->res[1];
    if (PQntuples(res) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no API key %s", s->s);
        return;
    }
    auth_cache_drop_account(rc->app->auth_cache,
                            strtoll(auth_col(res, 0, "account_id"), NULL, 10));
    http_reply_json(rc, 200,
                    json_pack("{s:I, s:s, s:s, s:s}", "id",
                              (json_int_t)strtoll(auth_col(res, 0, "id"), NULL, 10), "login",
                              auth_col(res, 0, "login"), "label", auth_col(res, 0, "label"),
                              "revoked_at", auth_col(res, 0, "revoked_at")));
}

void
api_keys_revoke(struct reqctx *rc)
{
    struct simple *s = arena_alloc(rc->arena, sizeof(*s));
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));
    const char *id = rc_param(rc, "id");

    if (id[0] == '\0' || strlen(id) > 18 || strspn(id, "0123456789") != strlen(id)) {
        http_reply_err(rc, ERR_NOT_FOUND, "no API key %s", "");
        return;
    }
    s->rc = rc;
    s->s = id;
    s->params = hx_params(rc, REV__N);
    s->params[REV_ID] = id;
    audit_tail(rc, s->params + REV_TAIL);
    st[0] = (struct db_stmt){AUTH_AUDITED_SQL, 0, NULL};
    st[1] = (struct db_stmt){REVOKE_SQL, REV__N, s->params};
    rc->db_inflight++;
    db_exec(rc->w->db, st, 2, on_key_revoked, s);
}
