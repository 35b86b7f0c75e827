/*
 * pool.c - the asynchronous PostgreSQL pool of one worker (db.h): `size`
 * connections in libpq pipeline mode on the worker's event_base, plus one
 * dedicated connection per db_listen() channel.
 *
 * A unit (db_exec) is its statements (prepared statements, see below) closed by
 * one PQpipelineSync, so PostgreSQL runs them as one implicit transaction. Each
 * connection keeps a FIFO of the units it has sent (at most pipeline_depth);
 * results come back in that order: per statement one or more results then a
 * NULL, per unit a PGRES_PIPELINE_SYNC, which is the moment the commit is durable
 * (synchronous_commit is forced on) and the only moment a unit succeeds.
 *
 * Prepared statements: each connection caches up to STMT_CACHE_MAX SQL texts, keyed
 * by the caller's pointer (SQL is constant text, db.h) and checked against a copy of
 * the text, under the name "s<slot>". The first use sends PQsendPrepare then
 * PQsendQueryPrepared in the same unit (the prepare's result comes first in the FIFO
 * and is consumed, not stored); later uses only PQsendQueryPrepared, so PostgreSQL
 * parses once and may reuse a generic plan (its plan cache, plan_cache_mode). While
 * a prepare's outcome is unknown, or beyond the bound, a statement goes unprepared
 * (PQsendQueryParams) as before. A failed or skipped prepare (an earlier statement
 * of its unit failed) is sent again on the next use; its error is the statement's
 * error, as if unprepared. Parameters stay text without types either way, so the
 * types PostgreSQL infers are the same. The cache dies with the connection.
 *
 * Every failure callback (no connection, queue full, connection lost, pool
 * closing) goes through one deferred list drained by a zero timer, so db_exec()
 * never calls back from inside itself and a lost connection never re-enters the
 * code that noticed the loss. Connections lost are re-established with
 * exponential backoff (100 ms doubling to 5 s, with jitter).
 *
 * SQLSTATE mapping (documented in docs/architecture.md, "Database layer"):
 * 40001 serialization failure, 40P01 deadlock and 55P03 lock not available ->
 * ERR_CONFLICT (the unit rolled back; retrying may succeed); 57014 (statement
 * timeout), classes 08, 53 and 57P -> ERR_DB_UNAVAILABLE; everything else ->
 * ERR_DB_QUERY. sqlstate, failed_stmt and constraint_name are always filled so a
 * handler can tell, e.g., which unique key a 23505 hit.
 */
#include "db/db.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "core/arena.h"
#include "core/log.h"

#define POOL_QUEUE_MAX 4096     /* units waiting for a connection; beyond: DB_UNAVAILABLE */
#define GROUP_MAX 64            /* members of one shared transaction (db_exec_grouped) */
#define GROUP_MAX_STMTS 512     /* and their statements */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT_MS 10000 /* the async API does not apply connect_timeout itself */
#define STMT_CACHE_MAX 256      /* prepared statements per connection; beyond: unprepared */
#define STMT_CACHE_SLOTS 512    /* open addressing (power of two), at most half full */

/*
 * Session settings sent in the start-up packet. statement_timeout bounds a stuck
 * query, idle_in_transaction_session_timeout a leaked transaction, and
 * synchronous_commit=on makes PGRES_PIPELINE_SYNC mean "on disk" even if the
 * database default was weakened. A DATABASE_URL with its own options replaces
 * these (it comes later in the keyword list).
 */
#define SESSION_OPTIONS                                                                            \
    "-c statement_timeout=30s -c idle_in_transaction_session_timeout=60s "                       \
    "-c synchronous_commit=on"

struct db_unit {
    struct db_unit *next;
    const struct db_stmt *stmts;
    int n;          /* statements whose results will come back */
    int cur;        /* statement being read; == n: waiting for the sync */
    int got;        /* statement cur (or its prepare) produced at least one result */
    int prepping;   /* the results being read are statement cur's prepare */
    int failed;     /* an error was recorded in out */
    int *prep;      /* n entries: cache slot * 2 + (1 if its prepare was sent), or -1 */
    db_cb cb;
    void *arg;
    PGresult **res; /* n entries */
    struct db_result out;
    uint64_t t0;
    int grouped;         /* db_exec_grouped: may share its transaction with others */
    int klass;           /* ... of its class only (enum db_group) */
    uint64_t order;      /* members of a group are sent in this order */
    struct group *group; /* a group's own unit: its members (group_done) */
};

/* A transaction shared by grouped units: their statements end to end, one sync. */
struct group {
    struct db_pool *pool;
    struct db_conn *conn;
    struct db_unit *members[GROUP_MAX];
    int n;
    struct db_stmt *stmts;
};

struct unitq {
    struct db_unit *head;
    struct db_unit *tail;
    int len;
};

enum conn_kind { CONN_POOL, CONN_LISTEN };

enum prep_state {
    PREP_NONE,  /* not on the server: the next use prepares it */
    PREP_SENT,  /* prepare in flight, outcome unknown: uses go unprepared meanwhile */
    PREP_READY, /* on the server: uses send only PQsendQueryPrepared */
    PREP_STALE  /* its cached plan cannot serve anymore (0A000 after DDL): unprepared */
};

struct stmt_entry {
    const char *key; /* the caller's SQL pointer; NULL: free slot */
    char *text;      /* copy of the text, compared on every use */
    enum prep_state state;
};

enum conn_state {
    CS_DOWN,       /* waiting for the backoff timer */
    CS_CONNECTING, /* PQconnectPoll in progress */
    CS_SETUP,      /* listener: LISTEN sent, result pending */
    CS_READY
};

struct db_conn {
    struct db_pool *pool;
    enum conn_kind kind;
    enum conn_state state;
    PGconn *pg;
    int fd;
    struct event *rd;    /* EV_READ|EV_PERSIST on fd */
    struct event *wr;    /* EV_WRITE|EV_PERSIST on fd, added only while output is pending */
    struct event *timer; /* backoff (DOWN), connect timeout (CONNECTING, SETUP), or the
                            deadline of the units in flight (READY, db_pool_set_deadline) */
    int backoff_ms;
    int ever_connected;
    struct unitq inflight;
    struct stmt_entry *cache; /* STMT_CACHE_SLOTS entries, NULL until the first use */
    int ncached;
    /* listener only */
    char *channel;
    db_notify_cb ncb;
    void *narg;
    int listen_got;
    int group_inflight; /* a group (or a lone grouped unit) is in flight here */
    struct db_conn *next;
};

struct db_pool {
    struct event_base *base;
    char *conninfo;
    int size;
    int depth;
    struct db_conn *conns;
    struct db_conn *listeners;
    struct unitq waiting;
    struct unitq gwait;   /* grouped units waiting for a connection without a group */
    uint64_t groups, grouped_units, group_retries;
    struct unitq failing; /* called back by fail_ev on the next loop turn */
    struct event *fail_ev;
    uint64_t rng;
    uint64_t reconnects;
    uint64_t units_ok;
    uint64_t units_failed;
    int closing;
    int deadline_ms;        /* db_pool_set_deadline; 0: none */
    db_commit_fn on_commit; /* db_pool_on_commit; NULL: none */
    void *commit_arg;
};

static void conn_start(struct db_conn *c);
static void conn_lost(struct db_conn *c, const char *why);
static void pool_dispatch(struct db_pool *p);
static struct db_unit *unit_new(const struct db_stmt *stmts, int n, db_cb cb, void *arg);
static struct db_conn *pool_pick_group(struct db_pool *p);

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
q_push(struct unitq *q, struct db_unit *u)
{
    u->next = NULL;
    if (q->tail != NULL)
        q->tail->next = u;
    else
        q->head = u;
    q->tail = u;
    q->len++;
}

static struct db_unit *
q_pop(struct unitq *q)
{
    struct db_unit *u = q->head;

    if (u == NULL)
        return NULL;
    q->head = u->next;
    if (q->head == NULL)
        q->tail = NULL;
    q->len--;
    u->next = NULL;
    return u;
}

/* xorshift64*: jitter for the backoff only, not security. */
static uint64_t
pool_rand(struct db_pool *p)
{
    p->rng ^= p->rng >> 12;
    p->rng ^= p->rng << 25;
    p->rng ^= p->rng >> 27;
    return p->rng * 2685821657736338717u;
}

/* First line of libpq's message, for logs and details. */
static void
first_line(char *dst, size_t cap, const char *m)
{
    size_t n;

    if (m == NULL)
        m = "";
    n = strcspn(m, "\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, m, n);
    dst[n] = '\0';
}

static void
unit_free(struct db_unit *u)
{
    for (int i = 0; i < u->n; i++)
        PQclear(u->res[i]);
    free(u->res); /* u->prep lives in the same block */
    free(u);
}

/* Calls the callback with the unit's outcome, then frees its results. */
static void
unit_finish(struct db_pool *p, struct db_unit *u)
{
    struct db_result *r = &u->out;

    r->elapsed_ns = now_ns() - u->t0;
    if (r->err.code == ERR_OK) {
        r->nres = u->n;
        r->res = u->res;
        p->units_ok++;
        /* before the callback, which may free the statements */
        if (p->on_commit != NULL)
            p->on_commit(u->stmts, u->n, p->commit_arg);
    } else {
        r->nres = 0;
        r->res = NULL;
        p->units_failed++;
    }
    u->cb(r, u->arg);
    unit_free(u);
}

static void
on_fail_ev(evutil_socket_t fd, short what, void *arg)
{
    struct db_pool *p = arg;
    struct unitq q = p->failing;
    struct db_unit *u;

    (void)fd;
    (void)what;
    /* Take the list first: callbacks may fail new units, which go to a fresh list and
       are called back on a later turn. */
    memset(&p->failing, 0, sizeof(p->failing));
    while ((u = q_pop(&q)) != NULL)
        unit_finish(p, u);
}

/* Fails u on the next loop turn (or in db_pool_free's drain). */
static void
unit_fail(struct db_pool *p, struct db_unit *u, enum err_code code, const char *detail)
{
    static const struct timeval zero = {0, 0};

    /* A unit lost mid-flight may already hold a statement error: the connection loss
       wins, since the outcome of the whole unit is now unknown. */
    err_set(&u->out.err, code, "%s", detail);
    u->out.failed_stmt = u->failed ? u->out.failed_stmt : -1;
    q_push(&p->failing, u);
    if (!p->closing && event_add(p->fail_ev, &zero) != 0)
        log_kv(LOG_ERROR, "db event_add failed", "what", "fail timer", NULL);
}

static enum err_code
map_sqlstate(const char *s)
{
    /* MC409 (sql/117): the write's Idempotency-Key claim was released or taken over. */
    if (strcmp(s, "MC409") == 0)
        return ERR_IDEMPOTENCY_IN_FLIGHT;
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 || strcmp(s, "55P03") == 0)
        return ERR_CONFLICT;
    if (strcmp(s, "57014") == 0 || strncmp(s, "08", 2) == 0 || strncmp(s, "53", 2) == 0 ||
        strncmp(s, "57P", 3) == 0)
        return ERR_DB_UNAVAILABLE;
    return ERR_DB_QUERY;
}

/* Records the first error of a unit: SQLSTATE, statement index, constraint and the
   primary message. Class 22 (data exception) messages quote the offending input
   ("invalid input syntax for type date: \"...\""), so they are cut before the value:
   details reach logs and clients and must not carry citizens' data. The DETAIL field
   (which holds key values for 23505) is never copied. */
static void
unit_record_error(struct db_unit *u, const PGresult *r, int stmt)
{
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *cons = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    char buf[sizeof(u->out.err.detail)];

    if (u->failed)
        return;
    u->failed = 1;
    u->out.failed_stmt = stmt;
    snprintf(u->out.sqlstate, sizeof(u->out.sqlstate), "%s", st != NULL ? st : "XX000");
    snprintf(u->out.constraint_name, sizeof(u->out.constraint_name), "%s",
             cons != NULL ? cons : "");
    first_line(buf, sizeof(buf), msg != NULL ? msg : PQresultErrorMessage(r));
    if (strncmp(u->out.sqlstate, "22", 2) == 0)
        buf[strcspn(buf, ":")] = '\0';
    err_set(&u->out.err, map_sqlstate(u->out.sqlstate), "%s", buf);
}

/* ---- connection I/O ---------------------------------------------------- */

static void
conn_free_events(struct db_conn *c)
{
    if (c->rd != NULL)
        event_free(c->rd);
    if (c->wr != NULL)
        event_free(c->wr);
    c->rd = NULL;
    c->wr = NULL;
    c->fd = -1;
}

static void on_io(evutil_socket_t fd, short what, void *arg);

/*
 * libpq may change the socket during PQconnectPoll (the next host of a multi-host URL, the
 * next address, an SSL retry), and the new socket often gets the number of the one it just
 * closed - which the kernel dropped from epoll with the close, while libevent still thinks
 * it watches it (issue 18: every connection stalled until its 10 s connect timeout when the
 * first host refused). So while connecting (`force`) the events are made anew after every
 * poll; afterwards only when PQsocket differs.
 */
static int
conn_set_fd(struct db_conn *c, int force)
{
    int fd = PQsocket(c->pg);

    if (fd == c->fd && c->rd != NULL && !force)
        return 0;
    conn_free_events(c);
    if (fd < 0)
        return -1;
    c->rd = event_new(c->pool->base, fd, EV_READ | EV_PERSIST, on_io, c);
    c->wr = event_new(c->pool->base, fd, EV_WRITE | EV_PERSIST, on_io, c);
    if (c->rd == NULL || c->wr == NULL) {
        conn_free_events(c);
        return -1;
    }
    c->fd = fd;
    return 0;
}

static int
conn_want(struct db_conn *c, int rd, int wr)
{
    int rc = 0;

    rc |= rd ? event_add(c->rd, NULL) : event_del(c->rd);
    rc |= wr ? event_add(c->wr, NULL) : event_del(c->wr);
    return rc == 0 ? 0 : -1;
}

/* Sends what libpq buffered; waits for EV_WRITE while the socket is full. */
static int
conn_flush(struct db_conn *c)
{
    int r = PQflush(c->pg);

    if (r < 0) {
        conn_lost(c, PQerrorMessage(c->pg));
        return -1;
    }
    if (conn_want(c, 1, r == 1) != 0) {
        conn_lost(c, "event_add failed");
        return -1;
    }
    return 0;
}

static void
conn_arm_timer(struct db_conn *c, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

    if (event_add(c->timer, &tv) != 0)
        log_kv(LOG_ERROR, "db event_add failed", "what", "connection timer", NULL);
}

static int
pool_has_hope(const struct db_pool *p)
{
    for (int i = 0; i < p->size; i++)
        if (p->conns[i].state == CS_READY || p->conns[i].state == CS_CONNECTING)
            return 1;
    return 0;
}

/* Queued units fail at once when no connection is up or coming up: a request must
   get 503 quickly, not wait for a database that is down. */
static void
pool_fail_waiting_if_hopeless(struct db_pool *p)
{
    struct db_unit *u;

    if (pool_has_hope(p))
        return;
    while ((u = q_pop(&p->waiting)) != NULL)
        unit_fail(p, u, ERR_DB_UNAVAILABLE, "no database connection");
    while ((u = q_pop(&p->gwait)) != NULL)
        unit_fail(p, u, ERR_DB_UNAVAILABLE, "no database connection");
}

/* Prepared statements die with their session: a new connection starts empty. */
static void
stmt_cache_drop(struct db_conn *c)
{
    if (c->cache == NULL)
        return;
    for (int i = 0; i < STMT_CACHE_SLOTS; i++)
        free(c->cache[i].text);
    free(c->cache);
    c->cache = NULL;
    c->ncached = 0;
}

/*
 * The cache slot for sql, or -1 to send it unprepared; *prepare = 1 when the
 * statement must be prepared first (the slot is then PREP_SENT). A known pointer
 * whose text changed (a caller breaking db.h's "constant text") goes unprepared.
 */
static int
stmt_cache_get(struct db_conn *c, const char *sql, int *prepare)
{
    uintptr_t k = (uintptr_t)sql;
    unsigned h = (unsigned)(((k >> 3) * 0x9e3779b97f4a7c15u) >> 40) & (STMT_CACHE_SLOTS - 1);
    struct stmt_entry *e;

    *prepare = 0;
    if (c->cache == NULL)
        c->cache = xcalloc(STMT_CACHE_SLOTS, sizeof(*c->cache));
    for (;; h = (h + 1) & (STMT_CACHE_SLOTS - 1)) {
        e = &c->cache[h];
        if (e->key == sql)
            break;
        if (e->key == NULL) {
            if (c->ncached >= STMT_CACHE_MAX)
                return -1;
            e->key = sql;
            e->text = xstrdup(sql);
            e->state = PREP_NONE;
            c->ncached++;
            break;
        }
    }
    if (strcmp(e->text, sql) != 0)
        return -1;
    switch (e->state) {
    case PREP_READY:
        return (int)h;
    case PREP_NONE:
        e->state = PREP_SENT;
        *prepare = 1;
        return (int)h;
    case PREP_SENT:
    case PREP_STALE:
        break;
    }
    return -1;
}

static void
conn_close(struct db_conn *c)
{
    stmt_cache_drop(c);
    conn_free_events(c); /* before PQfinish closes the socket */
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
    event_del(c->timer);
}

static void
conn_schedule_retry(struct db_conn *c)
{
    struct db_pool *p = c->pool;
    int half = c->backoff_ms / 2;
    int delay = half + (int)(pool_rand(p) % (uint64_t)(half + 1));

    c->state = CS_DOWN;
    if (p->closing)
        return;
    conn_arm_timer(c, delay);
    c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

/* The connection is gone (or never came up): every unit it carried fails with
   DB_UNAVAILABLE (their commit status is unknown), then it reconnects later. */
static void
conn_lost(struct db_conn *c, const char *why)
{
    struct db_pool *p = c->pool;
    struct db_unit *u;
    char reason[160];

    first_line(reason, sizeof(reason), why);
    /* One warning per outage; the retries of a series only at debug level. */
    if (c->state == CS_READY || c->state == CS_SETUP || c->backoff_ms == BACKOFF_MIN_MS ||
        log_enabled(LOG_DEBUG))
        log_kv(c->state == CS_READY || c->backoff_ms == BACKOFF_MIN_MS ? LOG_WARN : LOG_DEBUG, c->state == CS_READY ? "db connection lost" : "db connect failed",
               "kind", c->kind == CONN_POOL ? "pool" : "listen", "reason", reason, NULL);
    conn_close(c);
    c->group_inflight = 0;
    while ((u = q_pop(&c->inflight)) != NULL) {
        unit_fail(p, u, ERR_DB_UNAVAILABLE,
                  strstr(reason, "deadline") != NULL /* why may be libpq's, freed by now */
                      ? "the database did not answer in time; a write's outcome is unknown until "
                        "it is retried with its Idempotency-Key"
                      : "database connection lost");
    }
    conn_schedule_retry(c);
    if (c->kind == CONN_POOL) {
        pool_fail_waiting_if_hopeless(p);
        pool_dispatch(p); /* another connection may take the queue */
    }
}

static void
conn_ready(struct db_conn *c)
{
    struct db_pool *p = c->pool;

    event_del(c->timer);
    if (PQsetnonblocking(c->pg, 1) != 0) {
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    if (c->ever_connected)
        p->reconnects++;
    c->ever_connected = 1;
    c->backoff_ms = BACKOFF_MIN_MS;
    if (c->kind == CONN_POOL) {
        if (PQenterPipelineMode(c->pg) != 1) {
            conn_lost(c, PQerrorMessage(c->pg));
            return;
        }
        c->state = CS_READY;
        if (conn_want(c, 1, 0) != 0) {
            conn_lost(c, "event_add failed");
            return;
        }
        log_kv(LOG_INFO, "db connected", "kind", "pool", NULL);
        pool_dispatch(p);
        return;
    }
    /* Listener: LISTEN needs an identifier, not a $n parameter; PQescapeIdentifier
       quotes it. The connection stays out of pipeline mode. */
    char *ident = PQescapeIdentifier(c->pg, c->channel, strlen(c->channel));
    char *sql;
    int ok;

    if (ident == NULL) {
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    sql = xmalloc(strlen(ident) + 8);
    memcpy(sql, "LISTEN ", 7);
    strcpy(sql + 7, ident);
    PQfreemem(ident);
    ok = PQsendQuery(c->pg, sql);
    free(sql);
    if (!ok) {
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    c->state = CS_SETUP;
    c->listen_got = 0;
    conn_arm_timer(c, CONNECT_TIMEOUT_MS);
    conn_flush(c);
}

static void
conn_poll(struct db_conn *c)
{
    PostgresPollingStatusType st = PQconnectPoll(c->pg);

    if (st == PGRES_POLLING_FAILED) {
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    if (conn_set_fd(c, 1) != 0) {
        conn_lost(c, "no socket");
        return;
    }
    if (st == PGRES_POLLING_OK) {
        conn_ready(c);
        return;
    }
    if (conn_want(c, st == PGRES_POLLING_READING, st == PGRES_POLLING_WRITING) != 0)
        conn_lost(c, "event_add failed");
}

/* libpq prints server notices (and the FATAL of a terminated session) on stderr by
   default: route them to the log instead. */
static void
conn_notice(void *arg, const char *message)
{
    char line[160];

    (void)arg;
    first_line(line, sizeof(line), message);
    log_kv(LOG_DEBUG, "db notice", "message", line, NULL);
}

static void
conn_start(struct db_conn *c)
{
    struct db_pool *p = c->pool;
    /* Ours first, the caller's conninfo (expanded from "dbname") after, so its
       explicit values win (see SESSION_OPTIONS). */
    const char *const keys[] = {"fallback_application_name", "options", "keepalives",
                                "keepalives_idle", "keepalives_interval", "keepalives_count",
                                "dbname", NULL};
    const char *const vals[] = {"motcua", SESSION_OPTIONS, "1", "30", "10", "3", p->conninfo,
                                NULL};

    c->pg = PQconnectStartParams(keys, vals, 1);
    c->state = CS_CONNECTING;
    if (c->pg == NULL) {
        conn_lost(c, "out of memory");
        return;
    }
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    PQsetNoticeProcessor(c->pg, conn_notice, NULL);
    conn_arm_timer(c, CONNECT_TIMEOUT_MS);
    /* libpq: after PQconnectStart, behave as if PQconnectPoll returned WRITING. */
    if (conn_set_fd(c, 1) != 0 || conn_want(c, 0, 1) != 0)
        conn_lost(c, "no socket");
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct db_conn *c = arg;

    (void)fd;
    (void)what;
    if (c->state == CS_DOWN)
        conn_start(c);
    else if (c->state != CS_READY)
        conn_lost(c, "connect timeout");
    else if (c->inflight.head != NULL)
        conn_lost(c, "no answer from the database within the deadline");
}

/* READY: the units' deadline runs while some are in flight, from the last progress. */
static void
conn_deadline(struct db_conn *c)
{
    if (c->state != CS_READY || c->kind != CONN_POOL || c->pool->deadline_ms <= 0)
        return;
    if (c->inflight.head != NULL)
        conn_arm_timer(c, c->pool->deadline_ms);
    else
        event_del(c->timer);
}

/* A prepared statement's execution failed because of the server-side statement
   itself: 26000 (gone, e.g. DISCARD ALL) -> prepare again on the next use; 0A000
   ("cached plan must not change result type" after DDL) -> unprepared from now on,
   where an unnamed statement would have been planned afresh. */
static void
stmt_cache_exec_failed(struct db_conn *c, const struct db_unit *u, const PGresult *r)
{
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    int slot = u->prep[u->cur];

    if (slot < 0 || st == NULL || c->cache == NULL)
        return;
    /* Only from READY: a prepare sent again meanwhile (SENT) must not be sent twice. */
    if (strcmp(st, "26000") == 0 && c->cache[slot / 2].state == PREP_READY)
        c->cache[slot / 2].state = PREP_NONE;
    else if (strcmp(st, "0A000") == 0)
        c->cache[slot / 2].state = PREP_STALE;
}

/* One result of statement cur's prepare: the statement becomes usable, or its error
   is the statement's error (the execution after it comes back PIPELINE_ABORTED). */
static int
unit_take_prepare(struct db_conn *c, struct db_unit *u, PGresult *r)
{
    struct stmt_entry *e = &c->cache[u->prep[u->cur] / 2];

    /* Only one prepare per slot is in flight (PREP_SENT), so its result decides. */
    switch (PQresultStatus(r)) {
    case PGRES_COMMAND_OK:
        e->state = PREP_READY;
        break;
    case PGRES_FATAL_ERROR:
        unit_record_error(u, r, u->cur);
        e->state = PREP_NONE;
        break;
    case PGRES_PIPELINE_ABORTED: /* an earlier statement of the unit failed: never parsed */
        e->state = PREP_NONE;
        break;
    default:
        PQclear(r);
        return -1;
    }
    PQclear(r);
    u->got = 1;
    return 0;
}

/* Stores one result of the head unit's current statement. */
static int
unit_take(struct db_conn *c, struct db_unit *u, PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);

    if (u->prepping)
        return unit_take_prepare(c, u, r);
    switch (st) {
    case PGRES_FATAL_ERROR:
        unit_record_error(u, r, u->cur);
        stmt_cache_exec_failed(c, u, r);
        break;
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY:
    case PGRES_PIPELINE_ABORTED:
    case PGRES_NONFATAL_ERROR:
        break;
    default:
        /* COPY and the like cannot run in a pipeline unit. */
        PQclear(r);
        return -1;
    }
    PQclear(u->res[u->cur]);
    u->res[u->cur] = r;
    u->got = 1;
    return 0;
}

static void
conn_read_pool(struct db_conn *c)
{
    struct db_pool *p = c->pool;

    if (!PQconsumeInput(c->pg)) {
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    conn_deadline(c); /* bytes came: progress */
    for (;;) {
        struct db_unit *u = c->inflight.head;
        PGresult *r;

        if (PQstatus(c->pg) == CONNECTION_BAD || PQisBusy(c->pg))
            break;
        r = PQgetResult(c->pg);
        if (u == NULL) {
            if (r == NULL)
                break;
            PQclear(r); /* nothing was asked: ignore */
            continue;
        }
        if (r == NULL) {
            /* NULL ends the results of statement cur (or of its prepare, which
               precedes the statement's own). */
            if (u->cur < u->n && u->got) {
                if (u->prepping) {
                    u->prepping = 0;
                } else {
                    u->cur++;
                    u->prepping = u->cur < u->n && u->prep[u->cur] >= 0 &&
                                  (u->prep[u->cur] & 1);
                }
                u->got = 0;
                continue;
            }
            break;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            if (u->cur != u->n) {
                conn_lost(c, "pipeline out of step");
                return;
            }
            q_pop(&c->inflight);
            if (u->grouped || u->group != NULL)
                c->group_inflight = 0;
            unit_finish(p, u);
            /* The callback may have sent more on this connection, or lost it. */
            if (c->state != CS_READY)
                return;
            continue;
        }
        if (u->cur >= u->n || unit_take(c, u, r) != 0) {
            if (u->cur >= u->n)
                PQclear(r);
            conn_lost(c, "unexpected result in pipeline");
            return;
        }
    }
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    if (conn_flush(c) != 0)
        return;
    conn_deadline(c);
    pool_dispatch(p);
}

static void
conn_read_listen(struct db_conn *c)
{
    PGnotify *n;

    if (!PQconsumeInput(c->pg)) {
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    while (PQstatus(c->pg) != CONNECTION_BAD && !PQisBusy(c->pg)) {
        PGresult *r = PQgetResult(c->pg);

        if (r == NULL) {
            if (c->state == CS_SETUP && c->listen_got) {
                c->state = CS_READY;
                event_del(c->timer);
                log_kv(LOG_INFO, "db listening", "channel", c->channel, NULL);
                /* Tell the listener it may have missed notifications while away. */
                c->ncb(c->channel, NULL, c->narg);
                if (c->state != CS_READY)
                    return;
            }
            break;
        }
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            char why[160];

            first_line(why, sizeof(why), PQresultErrorMessage(r));
            PQclear(r);
            conn_lost(c, why);
            return;
        }
        PQclear(r);
        c->listen_got = 1;
    }
    while ((n = PQnotifies(c->pg)) != NULL) {
        c->ncb(n->relname, n->extra != NULL ? n->extra : "", c->narg);
        PQfreemem(n);
        if (c->state != CS_READY && c->state != CS_SETUP)
            return;
    }
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    conn_flush(c);
}

static void
on_io(evutil_socket_t fd, short what, void *arg)
{
    struct db_conn *c = arg;

    (void)fd;
    if (c->state == CS_CONNECTING) {
        conn_poll(c);
        return;
    }
    if (c->pg == NULL)
        return;
    if (what & EV_READ) {
        if (c->kind == CONN_POOL)
            conn_read_pool(c);
        else
            conn_read_listen(c);
    } else if (what & EV_WRITE) {
        conn_flush(c);
    }
}

/* ---- units --------------------------------------------------------------- */

/* Queues statement i of u: prepared when the cache allows (prepare first on its first
   use). Returns 0, -1 when libpq refused it without touching the wire, -2 when a
   prepare went out but its execution did not (the results would be out of step). */
static int
stmt_send(struct db_conn *c, struct db_unit *u, int i)
{
    const struct db_stmt *s = &u->stmts[i];
    int prepare;
    int slot = stmt_cache_get(c, s->sql, &prepare);
    char name[16];

    u->prep[i] = -1;
    if (slot < 0)
        return PQsendQueryParams(c->pg, s->sql, s->nparams, NULL, s->values, NULL, NULL, 0)
                   ? 0
                   : -1;
    snprintf(name, sizeof(name), "s%d", slot);
    if (prepare && !PQsendPrepare(c->pg, name, s->sql, s->nparams, NULL)) {
        c->cache[slot].state = PREP_NONE;
        return -1;
    }
    u->prep[i] = slot * 2 + prepare;
    if (!PQsendQueryPrepared(c->pg, name, s->nparams, s->values, NULL, NULL, 0))
        return prepare ? -2 : -1;
    return 0;
}

/* Sends the unit on a ready connection: its statements, then the sync. */
static void
unit_send(struct db_conn *c, struct db_unit *u)
{
    int i, rc = 0;

    for (i = 0; i < u->n; i++)
        if ((rc = stmt_send(c, u, i)) != 0)
            break;
    if (rc == -2) {
        q_push(&c->inflight, u);
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    u->prepping = u->n > 0 && u->prep[0] >= 0 && (u->prep[0] & 1);
    if (i < u->n) {
        if (PQstatus(c->pg) == CONNECTION_BAD) {
            q_push(&c->inflight, u);
            conn_lost(c, PQerrorMessage(c->pg));
            return;
        }
        /* Refused by libpq without touching the wire (e.g. too many parameters):
           close the unit at what was sent, so it rolls back and fails. */
        char why[160];

        first_line(why, sizeof(why), PQerrorMessage(c->pg));
        u->failed = 1;
        u->out.failed_stmt = i;
        err_set(&u->out.err, ERR_DB_QUERY, "%s", why);
        u->n = i;
    }
    q_push(&c->inflight, u);
    if (!PQpipelineSync(c->pg)) {
        conn_lost(c, PQerrorMessage(c->pg));
        return;
    }
    if (c->inflight.head == u) /* the first in flight: the deadline starts */
        conn_deadline(c);
    conn_flush(c);
}

/* The ready connection with the fewest units in flight and room for one more. */
static struct db_conn *
pool_pick(struct db_pool *p)
{
    struct db_conn *best = NULL;

    for (int i = 0; i < p->size; i++) {
        struct db_conn *c = &p->conns[i];

        if (c->state != CS_READY || c->inflight.len >= p->depth)
            continue;
        if (best == NULL || c->inflight.len < best->inflight.len)
            best = c;
    }
    return best;
}

/*
 * Grouped commits (issue 14, item 2). A connection carries at most one group at a time;
 * grouped units that arrive meanwhile wait in p->gwait and leave together, in one
 * transaction (their statements end to end, one sync), when a connection's group is back:
 * one commit and one WAL flush for all of them. Under light load a unit finds a connection
 * free of groups and goes alone at once, so grouping adds no wait. Members are sent in
 * the order of their key (db_exec_grouped), so groups on different connections take the
 * rows they share in one order.
 *
 * The outcome: committed, every member gets its own results; the connection lost (or the
 * deadline), every member gets DB_UNAVAILABLE, outcome unknown, as a lone unit would; an
 * error in any statement rolled the whole transaction back, so every member is sent again
 * alone (at the head of the queue): the one at fault fails by itself, its neighbours do not.
 */
static void
group_done(struct db_result *r, void *arg)
{
    struct group *g = arg;
    struct db_pool *p = g->pool;
    int off = 0;

    if (r->err.code != ERR_OK && r->err.code != ERR_DB_UNAVAILABLE && g->n > 1) {
        log_kv(LOG_INFO, "db group rolled back; its members are retried alone", "reason",
               r->err.detail, NULL);
        p->group_retries++;
        for (int i = g->n - 1; i >= 0; i--) { /* at the head of the queue, in their order */
            struct db_unit *m = g->members[i];

            m->grouped = 0;
            m->next = p->waiting.head;
            p->waiting.head = m;
            if (p->waiting.tail == NULL)
                p->waiting.tail = m;
            p->waiting.len++;
        }
        free(g->stmts);
        free(g);
        return; /* conn_read_pool dispatches them once this sync is handled */
    }
    for (int i = 0; i < g->n; i++) {
        struct db_unit *m = g->members[i];
        struct db_result mr = *r;

        mr.failed_stmt = -1;
        if (r->err.code == ERR_OK) {
            mr.nres = m->n;
            mr.res = r->res + off;
            off += m->n;
        } else {
            mr.sqlstate[0] = '\0';
        }
        mr.elapsed_ns = now_ns() - m->t0;
        m->cb(&mr, m->arg);
        unit_free(m);
    }
    free(g->stmts);
    free(g);
}

/* Takes the first waiting grouped unit and up to GROUP_MAX - 1 more of its class (in queue
   order, GROUP_MAX_STMTS statements in all), sorted by key, and sends them as one
   transaction on c. A unit with no company goes as it is. */
static void
group_send(struct db_conn *c)
{
    struct db_pool *p = c->pool;
    struct group *g = xcalloc(1, sizeof(*g));
    struct db_unit **pp = &p->gwait.head, *prev = NULL, *u;
    int klass = p->gwait.head->klass, nst = 0, k = 0;

    c->group_inflight = 1;
    g->pool = p;
    while (*pp != NULL && g->n < GROUP_MAX) {
        struct db_unit *m = *pp;
        int j;

        if (m->klass != klass || (g->n > 0 && nst + m->n > GROUP_MAX_STMTS)) {
            prev = m;
            pp = &m->next;
            continue;
        }
        *pp = m->next; /* unlink m */
        if (p->gwait.tail == m)
            p->gwait.tail = prev;
        p->gwait.len--;
        m->next = NULL;
        j = g->n++;
        while (j > 0 && g->members[j - 1]->order > m->order) { /* by key, stable */
            g->members[j] = g->members[j - 1];
            j--;
        }
        g->members[j] = m;
        nst += m->n;
    }
    if (g->n == 1) {
        u = g->members[0];
        free(g);
        unit_send(c, u);
        return;
    }
    g->stmts = xcalloc((size_t)nst, sizeof(*g->stmts));
    for (int i = 0; i < g->n; i++)
        for (int j = 0; j < g->members[i]->n; j++)
            g->stmts[k++] = g->members[i]->stmts[j];
    u = unit_new(g->stmts, nst, group_done, g);
    u->group = g;
    u->t0 = g->members[0]->t0;
    p->groups++;
    p->grouped_units += (uint64_t)g->n;
    unit_send(c, u);
}

/* The ready connection without a group in flight, with room, and the fewest units. */
static struct db_conn *
pool_pick_group(struct db_pool *p)
{
    struct db_conn *best = NULL;

    for (int i = 0; i < p->size; i++) {
        struct db_conn *c = &p->conns[i];

        if (c->state != CS_READY || c->group_inflight || c->inflight.len >= p->depth)
            continue;
        if (best == NULL || c->inflight.len < best->inflight.len)
            best = c;
    }
    return best;
}

static void
pool_dispatch(struct db_pool *p)
{
    struct db_conn *c;

    while (p->waiting.head != NULL && (c = pool_pick(p)) != NULL)
        unit_send(c, q_pop(&p->waiting));
    while (p->gwait.head != NULL && (c = pool_pick_group(p)) != NULL)
        group_send(c);
}


static void unit_submit(struct db_pool *p, struct db_unit *u, int n);

static struct db_unit *
unit_new(const struct db_stmt *stmts, int n, db_cb cb, void *arg)
{
    struct db_unit *u = xcalloc(1, sizeof(*u));

    u->stmts = stmts;
    u->n = n > 0 ? n : 0;
    u->cb = cb;
    u->arg = arg;
    u->t0 = now_ns();
    u->out.failed_stmt = -1;
    /* res and prep in one block (pointers first, so both are aligned) */
    u->res = xcalloc(u->n > 0 ? (size_t)u->n : 1, sizeof(PGresult *) + sizeof(int));
    u->prep = (int *)(u->res + (u->n > 0 ? u->n : 1));
    return u;
}

void
db_exec(struct db_pool *p, const struct db_stmt *stmts, int n, db_cb cb, void *arg)
{
    unit_submit(p, unit_new(stmts, n, cb, arg), n);
}

void
db_exec_grouped(struct db_pool *p, enum db_group klass, const struct db_stmt *stmts, int n,
                uint64_t order, db_cb cb, void *arg)
{
    struct db_unit *u = unit_new(stmts, n, cb, arg);

    u->grouped = 1;
    u->klass = (int)klass;
    u->order = order;
    unit_submit(p, u, n);
}

static void
unit_submit(struct db_pool *p, struct db_unit *u, int n)
{
    const struct db_stmt *stmts = u->stmts;
    struct db_conn *c;
    struct unitq *q = u->grouped ? &p->gwait : &p->waiting;

    if (p->closing) {
        unit_fail(p, u, ERR_DB_UNAVAILABLE, "database pool closed");
        return;
    }
    for (int i = 0; i < u->n; i++)
        if (stmts[i].sql == NULL || stmts[i].nparams < 0 ||
            (stmts[i].nparams > 0 && stmts[i].values == NULL))
            n = -1;
    if (n <= 0) {
        unit_fail(p, u, ERR_INTERNAL, "malformed database unit");
        return;
    }
    if (u->grouped) {
        c = p->gwait.head == NULL ? pool_pick_group(p) : NULL;
        if (c != NULL) {
            c->group_inflight = 1;
            unit_send(c, u);
            return;
        }
    } else {
        c = p->waiting.head == NULL ? pool_pick(p) : NULL;
        if (c != NULL) {
            unit_send(c, u);
            return;
        }
    }
    if (!pool_has_hope(p)) {
        unit_fail(p, u, ERR_DB_UNAVAILABLE, "no database connection");
        return;
    }
    if (q->len >= POOL_QUEUE_MAX) {
        unit_fail(p, u, ERR_DB_UNAVAILABLE, "database queue full");
        return;
    }
    q_push(q, u);
}

/* db_exec1 keeps its one-statement array with the unit: a small block freed by a
   trampoline after the caller's callback. */
struct exec1 {
    struct db_stmt s;
    db_cb cb;
    void *arg;
};

static void
exec1_done(struct db_result *r, void *arg)
{
    struct exec1 *o = arg;

    o->cb(r, o->arg);
    free(o);
}

void
db_exec1(struct db_pool *p, const char *sql, int nparams, const char *const *values, db_cb cb,
         void *arg)
{
    struct exec1 *o = xmalloc(sizeof(*o));

    o->s.sql = sql;
    o->s.nparams = nparams;
    o->s.values = values;
    o->cb = cb;
    o->arg = arg;
    db_exec(p, &o->s, 1, exec1_done, o);
}

/* ---- pool ---------------------------------------------------------------- */

static void
conn_init(struct db_pool *p, struct db_conn *c, enum conn_kind kind)
{
    c->pool = p;
    c->kind = kind;
    c->state = CS_DOWN;
    c->fd = -1;
    c->backoff_ms = BACKOFF_MIN_MS;
    c->timer = evtimer_new(p->base, on_timer, c);
    if (c->timer == NULL) {
        log_kv(LOG_ERROR, "db evtimer_new failed", NULL);
        abort(); /* like out of memory */
    }
}

struct db_pool *
db_pool_new(struct event_base *base, const char *conninfo, int size, int pipeline_depth)
{
    struct db_pool *p = xcalloc(1, sizeof(*p));

    p->base = base;
    p->conninfo = xstrdup(conninfo != NULL ? conninfo : "");
    p->size = size > 0 ? size : 1;
    p->depth = pipeline_depth > 0 ? pipeline_depth : 1;
    p->rng = now_ns() ^ (uint64_t)(uintptr_t)p ^ 0x9e3779b97f4a7c15u;
    if (p->rng == 0)
        p->rng = 1;
    p->fail_ev = evtimer_new(base, on_fail_ev, p);
    if (p->fail_ev == NULL) {
        log_kv(LOG_ERROR, "db evtimer_new failed", NULL);
        abort();
    }
    p->conns = xcalloc((size_t)p->size, sizeof(*p->conns));
    for (int i = 0; i < p->size; i++)
        conn_init(p, &p->conns[i], CONN_POOL);
    for (int i = 0; i < p->size; i++)
        conn_start(&p->conns[i]);
    return p;
}

static void
conn_destroy(struct db_conn *c)
{
    struct db_unit *u;

    conn_close(c);
    c->state = CS_DOWN;
    while ((u = q_pop(&c->inflight)) != NULL)
        unit_fail(c->pool, u, ERR_DB_UNAVAILABLE, "database pool closed");
    event_free(c->timer);
    c->timer = NULL;
}

void
db_pool_free(struct db_pool *p)
{
    struct db_unit *u;

    if (p == NULL)
        return;
    p->closing = 1;
    for (int i = 0; i < p->size; i++)
        conn_destroy(&p->conns[i]);
    while (p->listeners != NULL) {
        struct db_conn *l = p->listeners;

        p->listeners = l->next;
        conn_destroy(l);
        free(l->channel);
        free(l);
    }
    while ((u = q_pop(&p->waiting)) != NULL)
        unit_fail(p, u, ERR_DB_UNAVAILABLE, "database pool closed");
    while ((u = q_pop(&p->gwait)) != NULL)
        unit_fail(p, u, ERR_DB_UNAVAILABLE, "database pool closed");
    /* Callbacks run here may call db_exec again: those units join the list (closing)
       and are called back by this same loop. */
    while (p->failing.head != NULL)
        on_fail_ev(-1, 0, p);
    event_free(p->fail_ev);
    free(p->conns);
    free(p->conninfo);
    free(p);
}

void
db_pool_set_deadline(struct db_pool *p, int ms)
{
    p->deadline_ms = ms;
}

void
db_pool_on_commit(struct db_pool *p, db_commit_fn fn, void *arg)
{
    p->on_commit = fn;
    p->commit_arg = arg;
}

void
db_pool_stats(const struct db_pool *p, struct db_pool_stats *s)
{
    memset(s, 0, sizeof(*s));
    s->size = p->size;
    for (int i = 0; i < p->size; i++) {
        if (p->conns[i].state == CS_READY)
            s->connected++;
        if (p->conns[i].inflight.len > 0)
            s->in_use++;
    }
    s->groups = p->groups;
    s->grouped_units = p->grouped_units;
    s->group_retries = p->group_retries;
    s->waiting = p->waiting.len + p->gwait.len;
    s->reconnects = p->reconnects;
    s->units_ok = p->units_ok;
    s->units_failed = p->units_failed;
}

int
db_pool_ready(const struct db_pool *p)
{
    for (int i = 0; i < p->size; i++)
        if (p->conns[i].state == CS_READY)
            return 1;
    return 0;
}

void
db_listen(struct db_pool *p, const char *channel, db_notify_cb cb, void *arg)
{
    struct db_conn *l = xcalloc(1, sizeof(*l));

    conn_init(p, l, CONN_LISTEN);
    l->channel = xstrdup(channel);
    l->ncb = cb;
    l->narg = arg;
    l->next = p->listeners;
    p->listeners = l;
    conn_start(l);
}
