/*
 * db.h - asynchronous PostgreSQL on the worker's event loop (libpq pipeline
 * mode). One pool per worker; connections are non-blocking (PQconnectStartParams
 * + PQconnectPoll), in pipeline mode, and re-established with backoff when lost.
 *
 * A unit of work is one or more statements closed by one PQpipelineSync: it runs
 * as one implicit transaction, so the statements commit or fail together. The
 * callback runs exactly once, from the loop, never from inside db_exec(), and
 * only after the unit's PGRES_PIPELINE_SYNC (so a 2xx is never sent before the
 * commit is durable). SQL is constant text with $n parameters, never built from
 * strings. Results are freed after the callback returns.
 */
#ifndef MOTCUA_DB_DB_H
#define MOTCUA_DB_DB_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "core/err.h"

struct db_pool;
struct event_base;
struct arena;

struct db_stmt {
    const char *sql;            /* constant SQL text with $1..$n */
    int nparams;
    const char *const *values;  /* text-format values; NULL entry = SQL NULL */
};

struct db_result {
    struct mc_err err;   /* ERR_OK, ERR_DB_UNAVAILABLE (no connection, lost mid-flight,
                            shutting down), or ERR_DB_QUERY with detail */
    char sqlstate[6];    /* SQLSTATE of the failed statement, "" otherwise */
    int failed_stmt;     /* index of the failed statement, -1 otherwise */
    int nres;            /* == number of statements on success */
    PGresult **res;      /* res[i]: the last result of statement i */
    uint64_t elapsed_ns;
    char constraint_name[64]; /* constraint named by a failed statement (23505 ...), or "" */
};

typedef void (*db_cb)(struct db_result *r, void *arg);

struct db_pool_stats {
    int size;        /* configured connections */
    int connected;   /* ready to take work */
    int in_use;      /* connections with work in flight */
    int waiting;     /* units queued for a connection */
    uint64_t reconnects;
    uint64_t units_ok;
    uint64_t units_failed;
    uint64_t groups;        /* shared transactions sent (db_exec_grouped, two members or more) */
    uint64_t grouped_units; /* their members */
    uint64_t group_retries; /* groups rolled back whose members ran again alone */
};

/* One pool per worker. conninfo is a libpq connection string or URI. Never NULL. */
struct db_pool *db_pool_new(struct event_base *base, const char *conninfo, int size,
                            int pipeline_depth);

/* Closes the connections; queued and in-flight units are called back with
   ERR_DB_UNAVAILABLE first. */
void db_pool_free(struct db_pool *p);

/*
 * Queues a unit of n statements. stmts and every value must stay valid until cb runs.
 * When no connection is up, cb gets ERR_DB_UNAVAILABLE (on the next loop turn).
 */
void db_exec(struct db_pool *p, const struct db_stmt *stmts, int n, db_cb cb, void *arg);

/*
 * As db_exec, for a write that may share its transaction (and its commit) with other
 * grouped units of its class waiting at the same time on this pool (a class shares its
 * transaction-level settings: never a synchronous write with an asynchronous one): sent together, in the order of
 * `order` (a lock-order key: the receiving unit, say), in one transaction. cb gets this
 * unit's own results. When any statement of the group fails, the transaction is rolled
 * back and every member runs again alone, so cb sees only its own statements' errors; a
 * connection lost mid-group fails every member with ERR_DB_UNAVAILABLE (outcome unknown).
 * A grouped unit must not depend on running in a transaction of its own (no SET LOCAL,
 * no transaction-level advisory lock, no reading currval of another member's sequence).
 */
enum db_group {
    DB_GROUP_WRITE, /* durable writes (synchronous commit) */
    DB_GROUP_ASYNC  /* units that commit with synchronous_commit off (Idempotency-Key claims) */
};
void db_exec_grouped(struct db_pool *p, enum db_group klass, const struct db_stmt *stmts, int n,
                     uint64_t order, db_cb cb, void *arg);

/* Shorthand for one statement. */
void db_exec1(struct db_pool *p, const char *sql, int nparams, const char *const *values,
              db_cb cb, void *arg);

/*
 * The pool's commit hook: fn(stmts, n, arg) runs on the pool's loop after each unit whose
 * sync came back without an error (its transaction committed), just before the unit's
 * callback; stmts are the unit's. For doorbells rung after a commit (core/bell.h). One hook
 * per pool; fn NULL removes it.
 */
typedef void (*db_commit_fn)(const struct db_stmt *stmts, int n, void *arg);
void db_pool_on_commit(struct db_pool *p, db_commit_fn fn, void *arg);

/*
 * A connection whose units get no result for ms milliseconds (0: never; issue 17: a frozen
 * PostgreSQL) is given up: its units fail with ERR_DB_UNAVAILABLE (a write's outcome is then
 * unknown: the client's retry with its Idempotency-Key finds it) and it reconnects. It is
 * closed, never cancelled: a COMMIT waiting for a synchronous standby keeps waiting, so
 * nothing is reported committed that was not replicated.
 */
void db_pool_set_deadline(struct db_pool *p, int ms);

void db_pool_stats(const struct db_pool *p, struct db_pool_stats *s);

/* 1 when at least one connection is ready. */
int db_pool_ready(const struct db_pool *p);

/*
 * LISTEN on a channel with a dedicated connection of this pool (re-established and
 * re-LISTENed after a loss). cb gets the payload ("" when none); also called with
 * payload NULL after every reconnect, so the listener can re-poll what it may have missed.
 */
typedef void (*db_notify_cb)(const char *channel, const char *payload, void *arg);
void db_listen(struct db_pool *p, const char *channel, db_notify_cb cb, void *arg);

/* Result helpers: value of row r, column c as a string ("" for NULL) / is NULL. */
const char *db_val(const PGresult *res, int r, int c);
int db_isnull(const PGresult *res, int r, int c);
/* Column by name, -1 when absent. */
int db_col(const PGresult *res, const char *name);

/* Blocking helpers for start-up and command-line tools only (never on a loop). */
PGconn *db_connect_blocking(const char *conninfo, struct mc_err *e);

#endif
