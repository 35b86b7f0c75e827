/*
 * auth_int.h - what the files of server/api/auth/ share (auth_); not part of the module's
 * interface, which is api/auth/auth.h. The module is split by concern:
 *   auth.c       login, logout, me, the helpers below (auth.c section), the route table
 *   session.c    the authentication hook: bearer tokens, the cache's guard, refusals
 *   cache.c      the process's cache of verified tokens (shared by the workers, bounded)
 *   worker.c     per-worker state: created on first use, the password hashing thread, the
 *                LISTEN on AUTH_CHANNEL (revocations), freed by auth_worker_free()
 *   ratelimit.c  the login rate limiter's in-process table (attempts in flight, failures)
 *   accounts.c   accounts and API keys (administrators)
 *   audit.c      audit rows: inside a unit, detached refusals, and the audit log reader
 */
#ifndef MOTCUA_API_AUTH_INT_H
#define MOTCUA_API_AUTH_INT_H

#include <pthread.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "api/auth/auth.h"
#include "core/err.h"
#include "core/password.h"
#include "core/token.h"
#include "db/db.h"
#include "http/reqctx.h"

struct arena;
struct event;
struct worker;

/* ---- SQL shared by the files ------------------------------------------------------------ */

/* Instants as RFC 3339 in Vietnam time (schema.md: "2026-02-25T10:00:00+07:00"). */
#define TS(col) "to_char(" col " AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+07:00\"')"

/* The columns of auth_account_json(), read by name (a = account, u = its unit). */
#define ACCOUNT_COLS                                                                               \
    "a.id, a.login, a.display_name, a.role, coalesce(a.unit_id::text, '') AS unit_id,"            \
    " coalesce(u.code, '') AS unit_code, a.kind, a.active, " TS("a.created_at") " AS created_at"

/*
 * Every instant these statements write or compare is the request's now (rc->now, Unix
 * seconds, bound as its own parameter: "to_timestamp($n::bigint)"), never PostgreSQL's
 * now(): a token's expiry, its revocation and the rate limit's window are written and read
 * on the server's one clock (core/clock.h), as the CLI (cli/account.c) does with clock_now().
 * audit_log.at is left to its DEFAULT: the same table is written by the row trigger of
 * sql/041_admin_audit.sql on the database's clock, and one table keeps one clock.
 */

/*
 * Revocations notify AUTH_CHANNEL with the account id (delivered after the commit): every
 * process drops that account's cached tokens early (worker.c). Correctness does not rest on
 * it: a cached principal is served only after the revocation generation
 * (sql/116_auth_revocation.sql) confirmed it in the request's first unit (session.c).
 */
#define AUTH_CHANNEL "motcua_auth"

/* Statement 0 of the units that write their own audit row (audit.c). */
extern const char AUTH_AUDITED_SQL[];

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
    int64_t gen;      /* auth_revocation.gen in the snapshot that read (or confirmed) it */
};

/* ---- the process's token cache (cache.c); every function is thread-safe ---- */

struct auth_cache;
struct auth_cache_stats {
    size_t capacity, entries;
    unsigned long hits, misses, evictions;
};

/* A cache of at most capacity entries (0: caching off), each trusted for ttl seconds. */
struct auth_cache *auth_cache_new(size_t capacity, int ttl);
void auth_cache_free(struct auth_cache *c);
/* Copies the entry of hash, if younger than the TTL and its token unexpired at now: 0, or
   -1 (absent, old or expired: an old or expired entry is dropped). */
int auth_cache_get(struct auth_cache *c, const char *hash, int64_t now, struct cache_entry *out);
/* Stores e (replacing the entry of the same hash, or the oldest of its set). */
void auth_cache_put(struct auth_cache *c, const struct cache_entry *e);
/* The entry of hash was confirmed at generation gen (a later one than it was read at). */
void auth_cache_confirm(struct auth_cache *c, const char *hash, int64_t gen);
/* Drops the entry of one token hash. */
void auth_cache_drop(struct auth_cache *c, const char *hash);
/* Drops the entries of an account (0: every entry). */
void auth_cache_drop_account(struct auth_cache *c, int64_t account_id);
void auth_cache_stats(struct auth_cache *c, struct auth_cache_stats *st);

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
    int64_t audit_sec;
    int audit_count;
    unsigned long audit_dropped;
};

/* A unit's request and what its reply needs (logout, lists, disable, revoke). */
struct simple {
    struct reqctx *rc;
    const char **params;
    const char *s;    /* a string the reply needs */
    json_t *body;
};

/* The worker's auth state, created on first use by the worker's own thread (worker.c). */
struct auth_worker *auth_worker_get(struct worker *w);
/* Runs j on the worker's hashing thread, j->done from the loop; -1 when the queue is full. */
int auth_hash_submit(struct reqctx *rc, struct hash_job *j);

/* ---- the authentication hook (session.c) ---- */

/* The bearer token of rc hashed into hash; TOKEN_INVALID when absent or malformed. */
enum token_kind auth_bearer_hash(struct reqctx *rc, char hash[TOKEN_HASH_HEX]);

/* ---- audit rows (audit.c) ---- */

/* The audit insert for rc, values in the arena (to join a unit of work). Takes detail. */
struct db_stmt auth_audit_stmt(struct reqctx *rc, int64_t account_id, const char *login,
                               const char *action, const char *target, const char *outcome,
                               json_t *detail);
/* Records a refusal without delaying its reply (per-worker budget). Takes detail. */
void auth_audit_detached(struct reqctx *rc, int64_t account_id, const char *login,
                         const char *action, const char *outcome, json_t *detail);

/* ---- the login rate limiter (ratelimit.c) ---- */

/* Admits one attempt (0, both keys in flight) or refuses it (-1, *wait in seconds). */
int auth_rl_admit(const char *login, const char *addr, long db_login, long db_addr, long *wait);
/* The attempt admitted by auth_rl_admit is over: failed (remembered), succeeded (the login's
 * failures are forgotten: counted since the last success) or abandoned before verifying. */
enum rl_outcome { RL_FAILED, RL_OK, RL_NONE };
void auth_rl_done(const char *login, const char *addr, enum rl_outcome out);

/* ---- helpers (auth.c) ---- */

/* SQL parameter text of an integer, in the arena. */
const char *auth_itoa(struct arena *a, int64_t v);
/* Column col of row r as text, "" for SQL NULL. */
const char *auth_col(const PGresult *res, int r, const char *col);
/* The account of row r of a result selecting ACCOUNT_COLS, as a new object. */
json_t *auth_account_json(const PGresult *res, int r);
/* 1 when s is a login the account table accepts. */
int auth_login_valid(const char *s);
/* Start of a callback: the unit is back; 1 when the client hung up (request abandoned). */
int auth_job_back(struct reqctx *rc);
/* 1 after replying with the error of a failed unit. */
int auth_job_failed(struct reqctx *rc, const struct db_result *r);
/* ?limit= and ?cursor= of a list; -1 after replying 400 BAD_QUERY. */
int auth_list_params(struct reqctx *rc, int *limit, const char **cursor);

/* ---- handlers, rows of API_AUTH_ROUTES (auth.c) ---- */

/* accounts.c */
void api_accounts_list(struct reqctx *rc);
void api_accounts_create(struct reqctx *rc);
void api_accounts_disable(struct reqctx *rc);
void api_keys_create(struct reqctx *rc);
void api_keys_revoke(struct reqctx *rc);
/* audit.c */
void api_audit_list(struct reqctx *rc);

#endif
