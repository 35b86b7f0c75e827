/*
 * auth.c - the authentication hook, login/logout, accounts, API keys and the
 * audit log over HTTP. See auth.h and docs/security.md.
 *
 * Flows (each database step is one unit of work through the worker's pool):
 *   authenticate: cache or TOKEN_SQL -> roles -> http_dispatch, or 401/403 + audit
 *   login:        LOGIN_SQL (account + failure counts) -> 429, or Argon2id verify on the
 *                 hashing thread -> one unit: token + attempt + audit -> 200, or
 *                 one unit: attempt + audit -> 401
 *   create:       Argon2id hash on the hashing thread -> one unit: account + audit
 */
#include "api/auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "api/common/common.h"
#include "api/integration/integ.h"
#include "app.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/password.h"
#include "core/token.h"
#include "db/db.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* Instants as RFC 3339 in Vietnam time (schema.md: "2026-02-25T10:00:00+07:00"). */
#define TS(col) "to_char(" col " AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+07:00\"')"

/* The columns of account_json(), read by name (a = account, u = its unit). */
#define ACCOUNT_COLS                                                                               \
    "a.id, a.login, a.display_name, a.role, coalesce(a.unit_id::text, '') AS unit_id,"            \
    " coalesce(u.code, '') AS unit_code, a.kind, a.active, " TS("a.created_at") " AS created_at"


/* ---- SQL ----------------------------------------------------------------------------- */

/*
 * Every instant these statements write or compare is the request's now (rc->now, Unix
 * seconds, bound as its own parameter: "to_timestamp($n::bigint)"), never PostgreSQL's
 * now(): a token's expiry, its revocation and the rate limit's window are written and read
 * on the server's one clock (core/clock.h), as the CLI (cli/account.c) does with clock_now().
 * audit_log.at is left to its DEFAULT: the same table is written by the row trigger of
 * sql/041_admin_audit.sql on the database's clock, and one table keeps one clock.
 */

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

enum { AUD_ACCOUNT, AUD_LOGIN, AUD_ACTION, AUD_TARGET, AUD_OUTCOME, AUD_ADDR, AUD_REQUEST,
       AUD_DETAIL, /* JSON text; NULL = {} */
       AUD__N };
static const char AUDIT_SQL[] =
    "INSERT INTO audit_log (account_id, login, action, target, outcome, client_addr, request_id,"
    " detail) VALUES ($1::bigint, $2, $3, $4, $5, $6, $7, coalesce($8, '{}')::jsonb)";

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

/*
 * Revocations notify AUTH_CHANNEL with the account id (delivered at commit): every worker of
 * every process drops that account's cached tokens at once (on_auth_notify), so the 15 s
 * cache TTL only matters while a listening connection is being re-established.
 */
#define AUTH_CHANNEL "motcua_auth"

enum { LOGOUT_HASH, LOGOUT_NOW, LOGOUT__N };
static const char LOGOUT_SQL[] =
    "UPDATE auth_token SET revoked_at = to_timestamp($2::bigint)"
    " WHERE token_hash = $1 AND revoked_at IS NULL"
    " RETURNING pg_notify('" AUTH_CHANNEL "', account_id::text)";

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

/*
 * Statement 0 of the units that write their own audit row (login, logout, account create
 * and disable, key revocation): the generic row trigger of sql/041_admin_audit.sql stays
 * silent for the rest of the unit's transaction, so each change is audited once, under its
 * documented action (docs/security.md §5).
 */
static const char AUDITED_SQL[] = "SELECT set_config('motcua.audited', 'on', true)";

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

enum { AL_BEFORE /* the cursor: rows below this id */, AL_LOGIN, AL_ACTION, AL_OUTCOME,
       AL_LIMIT, AL_ACTION_PREFIX, AL__N };
static const char AUDIT_LIST_SQL[] =
    "SELECT id, " TS("at") " AS at, account_id, login, action, target, outcome, client_addr,"
    " request_id, detail::text AS detail FROM audit_log"
    " WHERE ($1::bigint IS NULL OR id < $1::bigint) AND ($2::text IS NULL OR login = $2)"
    " AND ($3::text IS NULL OR action = $3) AND ($4::text IS NULL OR outcome = $4)"
    " AND ($6::text IS NULL OR starts_with(action, $6))"
    " ORDER BY id DESC LIMIT $5::int";

/* ---- per-worker state: hashing thread, token cache, audit budget ------------------------ */

enum hash_op { HJ_VERIFY, HJ_HASH };

struct hash_job {
    struct hash_job *next;
    enum hash_op op;
    const char *pw;    /* owned by the caller's arena; cleansed by the caller */
    const char *phc;   /* HJ_VERIFY: the stored hash (or the dummy) */
    int ok;            /* HJ_VERIFY: 1 on a match; HJ_HASH: 1 when out holds a hash */
    int rehashed;      /* HJ_VERIFY: out holds a hash with the current parameters */
    char out[PASSWORD_PHC_MAX];
    uint64_t ns;       /* time spent hashing (metrics, docs/security.md) */
    void (*done)(struct hash_job *j);
    struct reqctx *rc;
};

struct cache_entry {
    char hash[TOKEN_HASH_HEX];
    struct principal who;
    int64_t expires;  /* token expiry, Unix seconds (0: none) */
    int64_t cached;   /* when the row was read */
};

struct auth_worker {
    struct worker *w;
    pthread_t thread;
    int thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct hash_job *head, *tail;
    int stop;
    int pipefd[2];
    struct event *ev;
    int pending;     /* jobs submitted and not yet called back (loop thread only) */
    struct cache_entry cache[AUTH_CACHE_SLOTS];
    int64_t audit_sec;
    int audit_count;
    unsigned long audit_dropped;
};

static void *
hash_thread(void *arg)
{
    struct auth_worker *aw = arg;

    for (;;) {
        struct hash_job *j;
        uint64_t t0;

        pthread_mutex_lock(&aw->mu);
        while (!aw->stop && aw->head == NULL)
            pthread_cond_wait(&aw->cv, &aw->mu);
        j = aw->head;
        if (j == NULL) {
            pthread_mutex_unlock(&aw->mu);
            break;
        }
        aw->head = j->next;
        if (aw->head == NULL)
            aw->tail = NULL;
        pthread_mutex_unlock(&aw->mu);

        t0 = http_now_ns();
        if (j->op == HJ_VERIFY) {
            j->ok = password_verify(j->phc, j->pw);
            if (j->ok && password_needs_rehash(j->phc, NULL)) {
                struct mc_err e;

                j->rehashed = password_hash(j->pw, NULL, j->out, sizeof(j->out), &e) == 0;
            }
        } else {
            struct mc_err e;

            j->ok = password_hash(j->pw, NULL, j->out, sizeof(j->out), &e) == 0;
        }
        j->ns = http_now_ns() - t0;
        /* A pointer is far below PIPE_BUF: the write is atomic. */
        while (write(aw->pipefd[1], &j, sizeof(j)) < 0 && errno == EINTR)
            ;
    }
    return NULL;
}

static void
on_hash_done(evutil_socket_t fd, short what, void *arg)
{
    struct auth_worker *aw = arg;
    struct hash_job *j;

    while (read(fd, &j, sizeof(j)) == (ssize_t)sizeof(j)) {
        aw->pending--;
        j->done(j);
    }
    if (aw->pending == 0)
        event_del(aw->ev);
}

static void
cache_drop_account(struct auth_worker *aw, int64_t account_id)
{
    for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++)
        if (aw->cache[i].hash[0] != '\0' && (account_id == 0 ||
                                             aw->cache[i].who.account_id == account_id))
            memset(&aw->cache[i], 0, sizeof(aw->cache[i]));
}

/* AUTH_CHANNEL: payload = account id; NULL after a reconnect (we may have missed some). */
static void
on_auth_notify(const char *channel, const char *payload, void *arg)
{
    struct auth_worker *aw = arg;
    int64_t id = payload != NULL ? strtoll(payload, NULL, 10) : 0;

    cache_drop_account(aw, id > 0 ? id : 0);
}

/* The worker's auth state, created on first use by the worker's own thread. */
static struct auth_worker *
auth_worker_get(struct worker *w)
{
    struct auth_worker *aw = w->ext[EXT_AUTH];

    if (aw != NULL)
        return aw;
    aw = xcalloc(1, sizeof(*aw));
    aw->w = w;
    aw->pipefd[0] = aw->pipefd[1] = -1;
    pthread_mutex_init(&aw->mu, NULL);
    pthread_cond_init(&aw->cv, NULL);
    if (pipe2(aw->pipefd, O_CLOEXEC) == 0 && fcntl(aw->pipefd[0], F_SETFL, O_NONBLOCK) == 0) {
        aw->ev = event_new(w->base, aw->pipefd[0], EV_READ | EV_PERSIST, on_hash_done, aw);
        if (aw->ev != NULL && pthread_create(&aw->thread, NULL, hash_thread, aw) == 0)
            aw->thread_started = 1;
    }
    if (!aw->thread_started)
        log_kv(LOG_ERROR, "auth_hash_thread_failed", "detail",
               "password hashing runs on the event loop", NULL);
    w->ext[EXT_AUTH] = aw;
    if (w->db != NULL)
        db_listen(w->db, AUTH_CHANNEL, on_auth_notify, aw);
    return aw;
}

/*
 * Password jobs queued or running per worker at most: at ~20 ms each, 16 is a third of a
 * second of waiting. Beyond it the caller answers 429 with Retry-After instead of letting
 * a flood of logins queue memory and latency without bound (each job also pins a request).
 */
#define AUTH_HASH_QUEUE_MAX 16

/*
 * Runs j on the worker's hashing thread and calls j->done from the loop; -1 (nothing done)
 * when AUTH_HASH_QUEUE_MAX jobs are already pending. Counts as a job in
 * flight of j->rc (the request stays alive if its client hangs up meanwhile). Without a
 * thread (creation failed at start), runs inline: slower for everyone, still correct.
 */
static int
hash_submit(struct reqctx *rc, struct hash_job *j)
{
    struct auth_worker *aw = auth_worker_get(rc->w);

    if (aw->pending >= AUTH_HASH_QUEUE_MAX)
        return -1;
    j->rc = rc;
    rc->db_inflight++;
    if (!aw->thread_started) {
        if (j->op == HJ_VERIFY)
            j->ok = password_verify(j->phc, j->pw);
        else {
            struct mc_err e;

            j->ok = password_hash(j->pw, NULL, j->out, sizeof(j->out), &e) == 0;
        }
        j->done(j);
        return 0;
    }
    if (aw->pending++ == 0)
        event_add(aw->ev, NULL);
    pthread_mutex_lock(&aw->mu);
    j->next = NULL;
    if (aw->tail != NULL)
        aw->tail->next = j;
    else
        aw->head = j;
    aw->tail = j;
    pthread_cond_signal(&aw->cv);
    pthread_mutex_unlock(&aw->mu);
    return 0;
}

void
auth_worker_free(struct worker *w)
{
    struct auth_worker *aw = w->ext[EXT_AUTH];
    struct hash_job *j;

    if (aw == NULL)
        return;
    if (aw->thread_started) {
        pthread_mutex_lock(&aw->mu);
        aw->stop = 1;
        pthread_cond_signal(&aw->cv);
        pthread_mutex_unlock(&aw->mu);
        pthread_join(aw->thread, NULL);
    }
    /* Jobs finished after the loop stopped: their memory is in request arenas. */
    while (aw->pipefd[0] >= 0 && read(aw->pipefd[0], &j, sizeof(j)) == (ssize_t)sizeof(j))
        ;
    if (aw->ev != NULL)
        event_free(aw->ev);
    if (aw->pipefd[0] >= 0)
        close(aw->pipefd[0]);
    if (aw->pipefd[1] >= 0)
        close(aw->pipefd[1]);
    pthread_mutex_destroy(&aw->mu);
    pthread_cond_destroy(&aw->cv);
    OPENSSL_cleanse(aw->cache, sizeof(aw->cache));
    free(aw);
    w->ext[EXT_AUTH] = NULL;
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

static void
cache_drop(struct auth_worker *aw, const char *hash)
{
    struct cache_entry *c = cache_slot(aw, hash);

    if (strcmp(c->hash, hash) == 0)
        memset(c, 0, sizeof(*c));
}

/* ---- small helpers ------------------------------------------------------------------- */

/* The rate limiter's clock (shared between workers, not tied to one request). */
static int64_t
now_s(void)
{
    return clock_now();
}

/* SQL parameter text of an integer, in the arena. */
static const char *
itoa_a(struct arena *a, int64_t v)
{
    return arena_printf(a, "%" PRId64, v);
}

/* Fills the audit tail (TAIL_*) of an administrative statement's parameters at v. */
static void
audit_tail(struct reqctx *rc, const char **v)
{
    v[TAIL_ACTOR] = itoa_a(rc->arena, rc->who.account_id);
    v[TAIL_ACTOR_LOGIN] = rc->who.login;
    v[TAIL_ADDR] = rc->client_addr;
    v[TAIL_REQUEST] = rc->req_id;
    v[TAIL_NOW] = itoa_a(rc->arena, rc->now);
}

/* Column col of row r as text, "" for SQL NULL (as db_val). */
static const char *
col_s(const PGresult *res, int r, const char *col)
{
    const char *s = hx_col(res, r, col);

    return s != NULL ? s : "";
}

/* The account of row r of a result selecting ACCOUNT_COLS. */
static json_t *
account_json(const PGresult *res, int r)
{
    const char *role = col_s(res, r, "role");
    const char *unit_id = col_s(res, r, "unit_id");
    const char *unit_code = col_s(res, r, "unit_code");

    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:b, s:s}", "id",
                     (json_int_t)strtoll(col_s(res, r, "id"), NULL, 10), "login",
                     col_s(res, r, "login"), "display_name", col_s(res, r, "display_name"),
                     "role", role, "role_label", role_label_vi(role_parse(role)), "unit_id",
                     unit_id[0] ? json_integer(strtoll(unit_id, NULL, 10)) : json_null(),
                     "unit_code", unit_code[0] ? json_string(unit_code) : json_null(), "kind",
                     col_s(res, r, "kind"), "active", col_s(res, r, "active")[0] == 't',
                     "created_at", col_s(res, r, "created_at"));
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
static int
login_valid(const char *s)
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
static int
job_back(struct reqctx *rc)
{
    rc->db_inflight--;
    if (rc->gone) {
        reqctx_abandon(rc);
        return 1;
    }
    return 0;
}

/* When the unit failed: replies with its error and returns 1. */
static int
job_failed(struct reqctx *rc, const struct db_result *r)
{
    if (r->err.code == ERR_OK)
        return 0;
    http_reply_error(rc, &r->err);
    return 1;
}

/* "limit" and "cursor" (an id) query parameters; -1 after replying 400 BAD_QUERY. */
static int
list_params(struct reqctx *rc, int *limit, const char **cursor)
{
    struct mc_err e;

    if (api_query_limit(rc, limit, &e) != 0 || api_query_id(rc, "cursor", cursor, &e) != 0) {
        http_reply_error(rc, &e);
        return -1;
    }
    return 0;
}

/* ---- audit --------------------------------------------------------------------------- */

/* The AUDIT_SQL statement for rc, values in the arena (to join a handler's unit of work). */
static struct db_stmt
audit_stmt(struct reqctx *rc, int64_t account_id, const char *login, const char *action,
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
    v[AUD_ACCOUNT] = account_id ? itoa_a(rc->arena, account_id) : NULL;
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
static void
audit_detached(struct reqctx *rc, int64_t account_id, const char *login, const char *action,
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
    st = audit_stmt(rc, account_id, login,
                    action, rc->match.route ? rc->match.route->pattern : rc->path, outcome, detail);
    j = xcalloc(1, sizeof(*j));
    for (int i = 0; i < AUD__N; i++) {
        j->v[i] = st.values[i] ? xstrdup(st.values[i]) : NULL;
        j->p[i] = j->v[i];
    }
    db_exec1(rc->w->db, AUDIT_SQL, AUD__N, j->p, on_audit_done, j);
}

/* ---- authentication hook ------------------------------------------------------------- */

static void
refuse(struct reqctx *rc, enum err_code code, const char *reason)
{
    json_t *detail = json_pack("{s:s, s:s}", "reason", reason, "method",
                               route_method_name(rc->method));

    audit_detached(rc, rc->who.account_id, rc->who.login[0] ? rc->who.login : NULL,
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

    if (job_back(rc) || job_failed(rc, r))
        return;
    res = r->res[0];
    if (PQntuples(res) != 1) {
        refuse(rc, ERR_UNAUTHENTICATED, "unknown");
        return;
    }
    p->account_id = strtoll(col_s(res, 0, "id"), NULL, 10);
    snprintf(p->login, sizeof(p->login), "%s", col_s(res, 0, "login"));
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
    p->role = role_parse(col_s(res, 0, "role"));
    p->unit_id = strtoll(col_s(res, 0, "unit_id"), NULL, 10);
    snprintf(p->unit_code, sizeof(p->unit_code), "%s", col_s(res, 0, "unit_code"));
    snprintf(p->display_name, sizeof(p->display_name), "%s", col_s(res, 0, "display_name"));

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
static enum token_kind
bearer_hash(struct reqctx *rc, char hash[TOKEN_HASH_HEX])
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
    if (bearer_hash(rc, tl->hash) == TOKEN_INVALID) {
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
    tl->params[TOK_NOW] = itoa_a(rc->arena, rc->now);
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

    audit_detached(rc, rc->who.account_id, rc->who.login[0] ? rc->who.login : NULL,
                   role ? "authorize" : "scope", "denied", detail);
}

void
auth_install(struct app *app)
{
    app->authenticate = authenticate;
    http_refusal_hook = on_handler_refusal;
}

/* ---- login rate limit: attempts in flight and recent failures of this process ---------- */

/*
 * LOGIN_SQL counts the failures already committed; attempts between that read and the
 * commit of their own failure were invisible to each other, so 50 simultaneous wrong
 * passwords all passed the check. This table (one per process, all workers, a mutex) closes
 * the gap: a key ("l:" login, "a:" address) holds its attempts in flight and the times of
 * its failures recorded by this process within the window; a new attempt is counted against
 * max(committed failures, remembered failures) + attempts in flight, and becomes in flight
 * under the same lock. Another process's attempts are seen once committed (docs/security.md).
 */
#define RL_SLOTS 1024
#define RL_KEY 72

struct rl_entry {
    char key[RL_KEY];
    int inflight;
    int nfail;
    int64_t fail_at[AUTH_MAX_FAILS_ADDR]; /* ring of the most recent failures */
};

static pthread_mutex_t rl_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rl_entry rl_tab[RL_SLOTS];

/* Failures of e inside the window; the oldest of them in *oldest. */
static int
rl_fails(const struct rl_entry *e, int64_t now, int64_t *oldest)
{
    int n = 0, cap = e->nfail < AUTH_MAX_FAILS_ADDR ? e->nfail : AUTH_MAX_FAILS_ADDR;

    *oldest = 0;
    for (int i = 0; i < cap; i++)
        if (e->fail_at[i] > now - AUTH_WINDOW_SECONDS) {
            n++;
            if (*oldest == 0 || e->fail_at[i] < *oldest)
                *oldest = e->fail_at[i];
        }
    return n;
}

/* The entry of key, created when create; NULL when absent (or the table is full of live
 * entries: then the limiter falls back to the database count alone). Lock held. */
static struct rl_entry *
rl_find(const char *key, int create, int64_t now)
{
    unsigned h = 2166136261u;
    struct rl_entry *victim = NULL;

    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (int i = 0; i < 16; i++) {
        struct rl_entry *e = &rl_tab[(h + (unsigned)i) % RL_SLOTS];
        int64_t oldest;

        if (strcmp(e->key, key) == 0)
            return e;
        if (victim == NULL && (e->key[0] == '\0' ||
                               (e->inflight == 0 && rl_fails(e, now, &oldest) == 0)))
            victim = e;
    }
    if (!create || victim == NULL)
        return NULL;
    memset(victim, 0, sizeof(*victim));
    snprintf(victim->key, sizeof(victim->key), "%s", key);
    return victim;
}

/*
 * Admits one attempt of login from addr given the committed failure counts: 0 and both
 * keys in flight, or -1 and *wait = seconds to suggest in Retry-After.
 */
static int
rl_admit(const char *login, const char *addr, long db_login, long db_addr, long *wait)
{
    char kl[RL_KEY], ka[RL_KEY];
    int64_t now = now_s(), ol = 0, oa = 0;
    struct rl_entry *el, *ea;
    long nl, na;
    int ml, ma, rc = 0;

    snprintf(kl, sizeof(kl), "l:%s", login);
    snprintf(ka, sizeof(ka), "a:%s", addr);
    pthread_mutex_lock(&rl_mu);
    el = rl_find(kl, 1, now);
    ea = rl_find(ka, 1, now);
    ml = el != NULL ? rl_fails(el, now, &ol) : 0;
    ma = ea != NULL ? rl_fails(ea, now, &oa) : 0;
    nl = (db_login > ml ? db_login : ml) + (el != NULL ? el->inflight : 0);
    na = (db_addr > ma ? db_addr : ma) + (ea != NULL ? ea->inflight : 0);
    if (nl >= AUTH_MAX_FAILS_LOGIN || na >= AUTH_MAX_FAILS_ADDR) {
        int64_t o = nl >= AUTH_MAX_FAILS_LOGIN ? ol : oa;

        *wait = o != 0 ? (long)(o + AUTH_WINDOW_SECONDS - now) : 1;
        rc = -1;
    } else {
        if (el != NULL)
            el->inflight++;
        if (ea != NULL)
            ea->inflight++;
    }
    pthread_mutex_unlock(&rl_mu);
    return rc;
}

/* The attempt admitted by rl_admit is over: failed (remembered), succeeded (the login's
 * failures are forgotten: counted since the last success) or abandoned before verifying. */
enum rl_outcome { RL_FAILED, RL_OK, RL_NONE };

static void
rl_done(const char *login, const char *addr, enum rl_outcome out)
{
    char kl[RL_KEY], ka[RL_KEY];
    int64_t now = now_s();
    struct rl_entry *e[2];

    snprintf(kl, sizeof(kl), "l:%s", login);
    snprintf(ka, sizeof(ka), "a:%s", addr);
    pthread_mutex_lock(&rl_mu);
    e[0] = rl_find(kl, 0, now);
    e[1] = rl_find(ka, 0, now);
    for (int i = 0; i < 2; i++) {
        if (e[i] == NULL)
            continue;
        if (e[i]->inflight > 0)
            e[i]->inflight--;
        if (out == RL_FAILED) {
            e[i]->fail_at[e[i]->nfail % AUTH_MAX_FAILS_ADDR] = now;
            e[i]->nfail++;
        } else if (out == RL_OK && i == 0) {
            e[i]->nfail = 0;
        }
    }
    pthread_mutex_unlock(&rl_mu);
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
    json_t *account;       /* account_json of the row */
    const char *stored;    /* stored PHC */
    struct hash_job job;
    int admitted;          /* counted in flight by rl_admit: rl_done owed */
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
    rl_done(l->login, l->rc->client_addr, out);
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
                     "expires_at", col_s(r->res[1], 0, "expires_at"), "account", l->account);
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
    const char *now = itoa_a(rc->arena, rc->now);
    struct mc_err e;
    int n = 0, ok = j->ok && l->can_login;

    st[n++] = (struct db_stmt){AUDITED_SQL, 0, NULL}; /* the rehash is part of the login */

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
        sv[SES_ACCOUNT] = itoa_a(rc->arena, l->account_id);
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
    st[n++] = audit_stmt(rc, l->account_id, l->login, "login", l->login, ok ? "ok" : "failed",
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

    if (job_back(rc) || job_failed(rc, r))
        return;
    res = r->res[0];
    login_fails = strtol(col_s(res, 0, "login_fails"), NULL, 10);
    addr_fails = strtol(col_s(res, 0, "addr_fails"), NULL, 10);
    if (rl_admit(l->login, rc->client_addr, login_fails, addr_fails, &wait) != 0) {
        char ra[24];

        if (login_fails >= AUTH_MAX_FAILS_LOGIN || addr_fails >= AUTH_MAX_FAILS_ADDR) {
            long a = login_fails >= AUTH_MAX_FAILS_LOGIN
                         ? strtol(col_s(res, 0, "login_wait"), NULL, 10) : 0;
            long b = addr_fails >= AUTH_MAX_FAILS_ADDR
                         ? strtol(col_s(res, 0, "addr_wait"), NULL, 10) : 0;

            wait = a > b ? a : b;
        }
        snprintf(ra, sizeof(ra), "%ld", wait < 1 ? 1 : wait);
        rc_set_header(rc, "Retry-After", ra);
        audit_detached(rc, 0, l->login, "login", "denied",
                       json_pack("{s:s, s:i, s:i}", "reason", "rate limited", "login_failures",
                                 (int)login_fails, "address_failures", (int)addr_fails));
        http_reply_err(rc, ERR_RATE_LIMITED, "too many failed logins; retry after %s s", ra);
        return;
    }
    l->admitted = 1;
    if (hx_col(res, 0, "id") != NULL) {
        l->account_id = strtoll(hx_col(res, 0, "id"), NULL, 10);
        l->account = account_json(res, 0);
        l->can_login = hx_col(res, 0, "password_hash") != NULL && hx_col_true(res, "active") &&
                       strcmp(col_s(res, 0, "kind"), "staff") == 0;
        if (l->can_login)
            l->stored = arena_strdup(rc->arena, hx_col(res, 0, "password_hash"));
    }
    /* Unknown login, disabled account: the same Argon2id work, the same answer. */
    l->job.op = HJ_VERIFY;
    l->job.pw = l->pw;
    l->job.phc = l->can_login ? l->stored : password_dummy_phc();
    l->job.done = on_login_verified;
    if (hash_submit(rc, &l->job) != 0) {
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
    if (!login_valid(folded)) {
        err_field(&e, ERR_VALIDATION, "login", "login must be 3-63 of a-z 0-9 . _ -");
        http_reply_error(rc, &e);
        return;
    }
    l->login = folded;
    snprintf(l->window, sizeof(l->window), "%d", AUTH_WINDOW_SECONDS);
    l->params[LOGIN_LOGIN] = l->login;
    l->params[LOGIN_ADDR] = rc->client_addr;
    l->params[LOGIN_WINDOW] = l->window;
    l->params[LOGIN_NOW] = itoa_a(rc->arena, rc->now);
    rc->db_inflight++;
    db_exec1(rc->w->db, LOGIN_SQL, LOGIN__N, l->params, on_login_looked_up, l);
}

/* ---- logout, me ---------------------------------------------------------------------- */

struct simple {
    struct reqctx *rc;
    const char **params;
    const char *s;    /* a string the reply needs */
    json_t *body;
};

static void
on_logout(struct db_result *r, void *arg)
{
    struct simple *s = arg;
    struct reqctx *rc = s->rc;

    if (job_back(rc) || job_failed(rc, r))
        return;
    http_reply_json(rc, 200, json_pack("{s:b}", "revoked", 1));
}

static void
api_auth_logout(struct reqctx *rc)
{
    struct simple *s = arena_alloc(rc->arena, sizeof(*s));
    char *hash = arena_alloc(rc->arena, TOKEN_HASH_HEX);
    struct db_stmt *st = arena_calloc(rc->arena, 3, sizeof(*st));
    enum token_kind kind = bearer_hash(rc, hash);

    if (kind != TOKEN_SESSION) {
        http_reply_err(rc, ERR_VALIDATION, "API keys are revoked by an administrator");
        return;
    }
    cache_drop(auth_worker_get(rc->w), hash);
    s->rc = rc;
    s->params = hx_params(rc, LOGOUT__N);
    s->params[LOGOUT_HASH] = hash;
    s->params[LOGOUT_NOW] = itoa_a(rc->arena, rc->now);
    st[0] = (struct db_stmt){AUDITED_SQL, 0, NULL};
    st[1] = (struct db_stmt){LOGOUT_SQL, LOGOUT__N, s->params};
    st[2] = audit_stmt(rc, rc->who.account_id, rc->who.login, "logout", rc->who.login, "ok", NULL);
    rc->db_inflight++;
    db_exec(rc->w->db, st, 3, on_logout, s);
}

static void
api_auth_me(struct reqctx *rc)
{
    http_reply_json(rc, 200, json_pack("{s:o}", "account", principal_json(&rc->who)));
}

/* ---- accounts ------------------------------------------------------------------------ */

static void
on_accounts(struct db_result *r, void *arg)
{
    struct simple *s = arg;
    struct reqctx *rc = s->rc;
    json_t *items;
    int n, limit = atoi(s->s);

    if (job_back(rc) || job_failed(rc, r))
        return;
    n = PQntuples(r->res[0]);
    items = json_array();
    for (int i = 0; i < n && i < limit; i++)
        json_array_append_new(items, account_json(r->res[0], i));
    http_reply_json(rc, 200, api_page(items, n > limit ? col_s(r->res[0], limit - 1, "id") : NULL));
}

static void
api_accounts_list(struct reqctx *rc)
{
    struct simple *s = arena_alloc(rc->arena, sizeof(*s));
    const char *cursor, *role = rc_query(rc, "role");
    int limit;

    if (list_params(rc, &limit, &cursor) < 0)
        return;
    if (role != NULL && role_parse(role) == 0) {
        http_reply_err(rc, ERR_BAD_QUERY, "unknown role");
        return;
    }
    s->rc = rc;
    s->s = itoa_a(rc->arena, limit);
    s->params = hx_params(rc, ACCS__N);
    s->params[ACCS_AFTER] = cursor;
    s->params[ACCS_ROLE] = role;
    s->params[ACCS_LIMIT] = itoa_a(rc->arena, limit + 1); /* one more: is there a next page? */
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

    if (job_back(rc))
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
    http_reply_json(rc, 201, account_json(r->res[1], 0));
}

static void
account_insert(struct reqctx *rc, struct create *c)
{
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));

    audit_tail(rc, c->v + ACCINS_TAIL);
    st[0] = (struct db_stmt){AUDITED_SQL, 0, NULL};
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
    if (!login_valid(login))
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

static void
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
    if (hash_submit(rc, &c->job) != 0) {
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

    if (job_back(rc) || job_failed(rc, r))
        return;
    if (PQntuples(r->res[1]) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no account %s", s->s);
        return;
    }
    acc = account_json(r->res[1], 0);
    cache_drop_account(auth_worker_get(rc->w), strtoll(col_s(r->res[1], 0, "id"), NULL, 10));
    json_object_set_new(
        acc, "tokens_revoked",
        json_integer(strtoll(col_s(r->res[1], 0, "tokens_revoked"), NULL, 10)));
    http_reply_json(rc, 200, acc);
}

static void
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
    st[0] = (struct db_stmt){AUDITED_SQL, 0, NULL};
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
                     (json_int_t)strtoll(col_s(res, 0, "id"), NULL, 10), "key", k->key, "login",
                     k->login, "label", col_s(res, 0, "label"), "created_at",
                     col_s(res, 0, "created_at"), "expires_at",
                     hx_col(res, 0, "expires_at") == NULL
                         ? json_null()
                         : json_string(hx_col(res, 0, "expires_at")));
    OPENSSL_cleanse(k->key, sizeof(k->key));
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 201, body);
}

static void
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
    k->v[KEY_EXPIRES] = expires ? itoa_a(rc->arena, expires) : NULL;
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

    if (job_back(rc) || job_failed(rc, r))
        return;
    res = r->res[1];
    if (PQntuples(res) != 1) {
        http_reply_err(rc, ERR_NOT_FOUND, "no API key %s", s->s);
        return;
    }
    cache_drop_account(auth_worker_get(rc->w), strtoll(col_s(res, 0, "account_id"), NULL, 10));
    http_reply_json(rc, 200,
                    json_pack("{s:I, s:s, s:s, s:s}", "id",
                              (json_int_t)strtoll(col_s(res, 0, "id"), NULL, 10), "login",
                              col_s(res, 0, "login"), "label", col_s(res, 0, "label"),
                              "revoked_at", col_s(res, 0, "revoked_at")));
}

static void
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
    st[0] = (struct db_stmt){AUDITED_SQL, 0, NULL};
    st[1] = (struct db_stmt){REVOKE_SQL, REV__N, s->params};
    rc->db_inflight++;
    db_exec(rc->w->db, st, 2, on_key_revoked, s);
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

    if (job_back(rc) || job_failed(rc, r))
        return;
    res = r->res[0];
    n = PQntuples(res);
    items = hx_rows_json(res, AUDIT_ROW, (int)(sizeof(AUDIT_ROW) / sizeof(AUDIT_ROW[0])));
    if (n > limit)
        json_array_remove(items, (size_t)limit); /* the look-ahead row */
    http_reply_json(rc, 200, api_page(items, n > limit ? col_s(res, limit - 1, "id") : NULL));
}

static void
api_audit_list(struct reqctx *rc)
{
    struct simple *s = arena_alloc(rc->arena, sizeof(*s));
    const char *cursor, *outcome = rc_query(rc, "outcome");
    int limit;

    if (list_params(rc, &limit, &cursor) < 0)
        return;
    if (outcome != NULL && strcmp(outcome, "ok") != 0 && strcmp(outcome, "denied") != 0 &&
        strcmp(outcome, "failed") != 0) {
        http_reply_err(rc, ERR_BAD_QUERY, "outcome is ok, denied or failed");
        return;
    }
    s->rc = rc;
    s->s = itoa_a(rc->arena, limit);
    s->params = hx_params(rc, AL__N);
    s->params[AL_BEFORE] = cursor;
    s->params[AL_LOGIN] = rc_query(rc, "login");
    s->params[AL_ACTION] = rc_query(rc, "action");
    s->params[AL_OUTCOME] = outcome;
    s->params[AL_LIMIT] = itoa_a(rc->arena, limit + 1);
    /* "admin." = every administrative change */
    s->params[AL_ACTION_PREFIX] = rc_query(rc, "action_prefix");
    rc->db_inflight++;
    db_exec1(rc->w->db, AUDIT_LIST_SQL, AL__N, s->params, on_audit_list, s);
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
