/*
 * test_db_pool.c - the asynchronous pool (server/db/pool.c) against a real
 * PostgreSQL named by MOTCUA_TEST_DATABASE_URL (skipped without it): pipelined
 * units and their order, an error inside a unit, an unreachable server, a
 * backend terminated mid-flight, LISTEN/NOTIFY with re-listen, db_pool_free with
 * work pending, the per-connection prepared-statement cache (reuse, errors at the
 * prepare and at the execution, a skipped prepare, reconnect, the size bound).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "unit/db_testutil.h"

#include "db/db.h"

static char dbname[64];
static char *conninfo; /* the scratch database, application_name test_db_pool */

struct rec {
    int calls;
    int in_exec_seen; /* a callback ran while db_exec was on the stack */
    enum err_code code;
    char sqlstate[6];
    int failed_stmt;
    int nres;
    char detail[160];
    char constraint_name[64];
    char val[64];  /* res[last] row 0 col 0 */
    int order;     /* sequence number at completion */
};

static int in_exec;
static int seq;

static void
on_done(struct db_result *r, void *arg)
{
    struct rec *x = arg;

    x->calls++;
    x->in_exec_seen |= in_exec;
    x->code = r->err.code;
    snprintf(x->sqlstate, sizeof(x->sqlstate), "%s", r->sqlstate);
    snprintf(x->detail, sizeof(x->detail), "%s", r->err.detail);
    snprintf(x->constraint_name, sizeof(x->constraint_name), "%s", r->constraint_name);
    x->failed_stmt = r->failed_stmt;
    x->nres = r->nres;
    x->order = seq++;
    if (r->err.code == ERR_OK && r->nres > 0)
        snprintf(x->val, sizeof(x->val), "%s", db_val(r->res[r->nres - 1], 0, 0));
}

static void
exec_rec(struct db_pool *p, const struct db_stmt *s, int n, struct rec *x)
{
    in_exec = 1;
    db_exec(p, s, n, on_done, x);
    in_exec = 0;
}

/* Runs one unit to completion; returns its record. */
static struct rec
run1(struct event_base *b, struct db_pool *p, const char *sql, int np, const char *const *v)
{
    struct rec x;
    struct db_stmt s = {sql, np, v};

    memset(&x, 0, sizeof(x));
    exec_rec(p, &s, 1, &x);
    dbt_run_until(b, &x.calls, 10000);
    return x;
}

static int
wait_ready(struct event_base *b, struct db_pool *p, long ms)
{
    long end = dbt_ms() + ms;
    int zero = 0;

    while (!db_pool_ready(p) && dbt_ms() < end)
        dbt_run_until(b, &zero, 20);
    return db_pool_ready(p);
}

static int
setup(void **state)
{
    const char *url = dbt_url();

    (void)state;
    if (url == NULL)
        return 0;
    dbt_create_db(url, "motcua_t_pool", dbname, sizeof(dbname));
    conninfo = dbt_conninfo(url, dbname, "test_db_pool");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    if (dbt_url() != NULL)
        dbt_drop_db(dbt_url(), dbname);
    free(conninfo);
    return 0;
}

#define NEED_DB()                                                                                  \
    do {                                                                                           \
        if (dbt_url() == NULL)                                                                     \
            skip();                                                                                \
    } while (0)

/* 200 units on one connection, 8 in flight: callbacks in submission order, each once,
   none from inside db_exec; the rest wait in the pool queue. */
static void
test_pipelined_order(void **state)
{
    enum { N = 200, DEPTH = 8 };
    struct event_base *b;
    struct db_pool *p;
    static struct rec recs[N];
    static char vals[N][12];
    static const char *vp[N][1];
    static struct db_stmt st[N];
    struct db_pool_stats ps;
    int first;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, DEPTH);
    assert_true(wait_ready(b, p, 5000));
    memset(recs, 0, sizeof(recs));
    seq = 0;
    for (int i = 0; i < N; i++) {
        snprintf(vals[i], sizeof(vals[i]), "%d", i * 7);
        vp[i][0] = vals[i];
        st[i] = (struct db_stmt){"SELECT $1::int + 1", 1, vp[i]};
        exec_rec(p, &st[i], 1, &recs[i]);
    }
    db_pool_stats(p, &ps);
    assert_int_equal(ps.waiting, N - DEPTH);
    assert_int_equal(ps.in_use, 1);
    assert_true(dbt_run_until(b, &recs[N - 1].calls, 10000));
    first = recs[0].order;
    for (int i = 0; i < N; i++) {
        char want[16];

        snprintf(want, sizeof(want), "%d", i * 7 + 1);
        assert_int_equal(recs[i].calls, 1);
        assert_int_equal(recs[i].in_exec_seen, 0);
        assert_int_equal(recs[i].code, ERR_OK);
        assert_int_equal(recs[i].nres, 1);
        assert_int_equal(recs[i].order, first + i);
        assert_string_equal(recs[i].val, want);
    }
    db_pool_stats(p, &ps);
    assert_int_equal(ps.waiting, 0);
    assert_int_equal(ps.units_ok, N);
    assert_int_equal(ps.units_failed, 0);
    db_pool_free(p);
    event_base_free(b);
}

/* Several connections: multi-statement units all complete exactly once. */
static void
test_many_connections(void **state)
{
    enum { N = 300 };
    struct event_base *b;
    struct db_pool *p;
    static struct rec recs[N];
    static const struct db_stmt two[2] = {{"SELECT 1", 0, NULL},
                                          {"SELECT 'hồ sơ'::text", 0, NULL}};
    int done = 0;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 3, 4);
    assert_true(wait_ready(b, p, 5000));
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < N; i++)
        exec_rec(p, two, 2, &recs[i]);
    for (long end = dbt_ms() + 10000; dbt_ms() < end && done < N;) {
        int zero = 0;

        dbt_run_until(b, &zero, 10);
        done = 0;
        for (int i = 0; i < N; i++)
            done += recs[i].calls;
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(recs[i].calls, 1);
        assert_int_equal(recs[i].code, ERR_OK);
        assert_int_equal(recs[i].nres, 2);
        assert_string_equal(recs[i].val, "hồ sơ");
    }
    db_pool_free(p);
    event_base_free(b);
}

/* An error in the middle of a unit rolls the whole unit back; the units pipelined
   after it are unaffected. */
static void
test_error_mid_unit(void **state)
{
    struct event_base *b;
    struct db_pool *p;
    static const struct db_stmt bad[3] = {{"INSERT INTO t_unit VALUES (1)", 0, NULL},
                                          {"SELECT 1 / 0", 0, NULL},
                                          {"INSERT INTO t_unit VALUES (2)", 0, NULL}};
    static const struct db_stmt good[1] = {{"INSERT INTO t_unit VALUES (3)", 0, NULL}};
    static const struct db_stmt dup[1] = {{"INSERT INTO t_unit VALUES (3)", 0, NULL}};
    const char *const name[1] = {"Nguyễn Văn A"};
    struct rec rb, rg, rd, x;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 8);
    x = run1(b, p, "CREATE TABLE t_unit (id int PRIMARY KEY)", 0, NULL);
    assert_int_equal(x.code, ERR_OK);
    memset(&rb, 0, sizeof(rb));
    memset(&rg, 0, sizeof(rg));
    memset(&rd, 0, sizeof(rd));
    exec_rec(p, bad, 3, &rb);
    exec_rec(p, good, 1, &rg);
    exec_rec(p, dup, 1, &rd);
    assert_true(dbt_run_until(b, &rd.calls, 10000));
    assert_int_equal(rb.calls, 1);
    assert_int_equal(rb.code, ERR_DB_QUERY);
    assert_string_equal(rb.sqlstate, "22012");
    assert_int_equal(rb.failed_stmt, 1);
    assert_int_equal(rb.nres, 0);
    assert_string_equal(rb.detail, "division by zero");
    assert_int_equal(rg.calls, 1);
    assert_int_equal(rg.code, ERR_OK);
    /* 23505 is left to the handler: sqlstate and constraint say which key. */
    assert_int_equal(rd.code, ERR_DB_QUERY);
    assert_string_equal(rd.sqlstate, "23505");
    assert_string_equal(rd.constraint_name, "t_unit_pkey");
    assert_int_equal(rd.failed_stmt, 0);
    x = run1(b, p, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t_unit", 0, NULL);
    assert_int_equal(x.code, ERR_OK);
    assert_string_equal(x.val, "3");
    /* A data exception's message quotes the input: the detail stops before it. */
    x = run1(b, p, "SELECT $1::int", 1, name);
    assert_int_equal(x.code, ERR_DB_QUERY);
    assert_string_equal(x.sqlstate, "22P02");
    assert_null(strstr(x.detail, "Nguy"));
    assert_string_equal(x.detail, "invalid input syntax for type integer");
    db_pool_free(p);
    event_base_free(b);
}

/* Nothing listens on the port: the unit fails with DB_UNAVAILABLE, exactly once,
   from the loop (not inside db_exec), and quickly once the pool knows it is down. */
static void
test_unreachable(void **state)
{
    struct event_base *b = event_base_new();
    struct db_pool *p = db_pool_new(b, "host=127.0.0.1 port=1 dbname=x", 2, 4);
    static const struct db_stmt s[1] = {{"SELECT 1", 0, NULL}};
    struct rec x, y;
    struct db_pool_stats ps;
    int zero = 0;
    long t0;

    (void)state;
    memset(&x, 0, sizeof(x));
    memset(&y, 0, sizeof(y));
    exec_rec(p, s, 1, &x);
    assert_int_equal(x.calls, 0);
    assert_true(dbt_run_until(b, &x.calls, 3000));
    dbt_run_until(b, &zero, 300);
    assert_int_equal(x.calls, 1);
    assert_int_equal(x.in_exec_seen, 0);
    assert_int_equal(x.code, ERR_DB_UNAVAILABLE);
    assert_int_equal(x.nres, 0);
    /* While the pool waits to reconnect, a new unit fails on the next loop turn. */
    t0 = dbt_ms();
    exec_rec(p, s, 1, &y);
    assert_int_equal(y.calls, 0);
    dbt_run_until(b, &y.calls, 3000);
    assert_int_equal(y.calls, 1);
    assert_int_equal(y.code, ERR_DB_UNAVAILABLE);
    assert_true(dbt_ms() - t0 < 1000);
    db_pool_stats(p, &ps);
    assert_int_equal(ps.connected, 0);
    assert_int_equal(db_pool_ready(p), 0);
    db_pool_free(p);
    event_base_free(b);
}

/* The backend is terminated while a unit runs: the in-flight units fail with
   DB_UNAVAILABLE, the pool reconnects by itself, later units succeed. */
static void
test_terminated_mid_flight(void **state)
{
    struct event_base *b;
    struct db_pool *p;
    static const struct db_stmt slow[1] = {{"SELECT pg_sleep(20)", 0, NULL}};
    static const struct db_stmt quick[1] = {{"SELECT 1", 0, NULL}};
    struct rec pid1, r1, r2, pid2;
    struct db_pool_stats ps;
    PGconn *ctl;
    const char *v[1];
    PGresult *res;
    long t0;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 4);
    ctl = dbt_connect(conninfo);
    pid1 = run1(b, p, "SELECT pg_backend_pid()", 0, NULL);
    assert_int_equal(pid1.code, ERR_OK);
    memset(&r1, 0, sizeof(r1));
    memset(&r2, 0, sizeof(r2));
    exec_rec(p, slow, 1, &r1);
    exec_rec(p, quick, 1, &r2);
    /* let the server start the sleep */
    dbt_run_until(b, &r1.calls, 200);
    v[0] = pid1.val;
    t0 = dbt_ms();
    res = PQexecParams(ctl, "SELECT pg_terminate_backend($1::int)", 1, NULL, v, NULL, NULL, 0);
    assert_string_equal(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    assert_true(dbt_run_until(b, &r2.calls, 5000));
    assert_true(dbt_ms() - t0 < 5000);
    assert_int_equal(r1.calls, 1);
    assert_int_equal(r1.code, ERR_DB_UNAVAILABLE);
    assert_int_equal(r2.code, ERR_DB_UNAVAILABLE);
    assert_true(wait_ready(b, p, 5000));
    pid2 = run1(b, p, "SELECT pg_backend_pid()", 0, NULL);
    assert_int_equal(pid2.code, ERR_OK);
    assert_string_not_equal(pid2.val, pid1.val);
    db_pool_stats(p, &ps);
    assert_int_equal(ps.reconnects, 1);
    assert_int_equal(ps.connected, 1);
    assert_int_equal(r1.calls + r2.calls, 2);
    PQfinish(ctl);
    db_pool_free(p);
    event_base_free(b);
}

struct lrec {
    int resets;   /* cb(channel, NULL) */
    int got;
    char channel[64];
    char payload[64];
};

static void
on_notify(const char *channel, const char *payload, void *arg)
{
    struct lrec *l = arg;

    snprintf(l->channel, sizeof(l->channel), "%s", channel);
    if (payload == NULL) {
        l->resets++;
        return;
    }
    l->got++;
    snprintf(l->payload, sizeof(l->payload), "%s", payload);
}

static void
notify(PGconn *ctl, const char *chan, const char *payload)
{
    const char *v[2] = {chan, payload};
    PGresult *r = PQexecParams(ctl, "SELECT pg_notify($1, $2)", 2, NULL, v, NULL, NULL, 0);

    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
}

/* LISTEN delivers payloads; after the listener's backend is terminated it reconnects,
   LISTENs again, signals the reset (payload NULL), and delivers again. */
static void
test_listen_relisten(void **state)
{
    struct event_base *b;
    struct db_pool *p;
    PGconn *ctl;
    struct lrec l;
    char chan[64], q[96];
    const char *v[1] = {q};
    PGresult *r;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 4);
    ctl = dbt_connect(conninfo);
    memset(&l, 0, sizeof(l));
    snprintf(chan, sizeof(chan), "t_chan_%ld", (long)getpid());
    db_listen(p, chan, on_notify, &l);
    assert_true(dbt_run_until(b, &l.resets, 5000));
    notify(ctl, chan, "xin chào");
    assert_true(dbt_run_until(b, &l.got, 5000));
    assert_string_equal(l.channel, chan);
    assert_string_equal(l.payload, "xin chào");
    /* find and terminate the listener's backend */
    snprintf(q, sizeof(q), "LISTEN \"%s\"", chan);
    r = PQexecParams(ctl,
                     "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     "WHERE query = $1",
                     1, NULL, v, NULL, NULL, 0);
    assert_string_equal(PQgetvalue(r, 0, 0), "1");
    PQclear(r);
    l.resets = 0;
    {
        int two = 0;
        long end = dbt_ms() + 5000;

        while (l.resets < 1 && dbt_ms() < end)
            dbt_run_until(b, &two, 20);
    }
    assert_int_equal(l.resets, 1);
    l.got = 0;
    notify(ctl, chan, "lần 2");
    assert_true(dbt_run_until(b, &l.got, 5000));
    assert_string_equal(l.payload, "lần 2");
    PQfinish(ctl);
    db_pool_free(p);
    event_base_free(b);
}

static struct db_pool *free_pool;
static struct rec late;

static void
on_done_resubmit(struct db_result *r, void *arg)
{
    static const struct db_stmt s[1] = {{"SELECT 2", 0, NULL}};

    on_done(r, arg);
    db_exec(free_pool, s, 1, on_done, &late);
}

/* db_pool_free calls back in-flight and queued units with DB_UNAVAILABLE, and also a
   unit submitted from one of those callbacks. */
static void
test_free_with_pending(void **state)
{
    struct event_base *b;
    struct db_pool *p;
    static const struct db_stmt slow[1] = {{"SELECT pg_sleep(5)", 0, NULL}};
    struct rec a, c;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 1);
    assert_true(wait_ready(b, p, 5000));
    memset(&a, 0, sizeof(a));
    memset(&c, 0, sizeof(c));
    memset(&late, 0, sizeof(late));
    free_pool = p;
    db_exec(p, slow, 1, on_done_resubmit, &a); /* in flight */
    db_exec(p, slow, 1, on_done, &c);          /* queued (depth 1) */
    db_pool_free(p);
    assert_int_equal(a.calls, 1);
    assert_int_equal(c.calls, 1);
    assert_int_equal(late.calls, 1);
    assert_int_equal(a.code, ERR_DB_UNAVAILABLE);
    assert_int_equal(c.code, ERR_DB_UNAVAILABLE);
    assert_int_equal(late.code, ERR_DB_UNAVAILABLE);
    event_base_free(b);
}

/* ---- prepared statements ---- */

/* How many times the connection executed a prepared statement of this text, as
   PostgreSQL counts it (pg_prepared_statements lists the session's own statements):
   -1 when it is not prepared. */
static const char Q_RUNS[] = "SELECT coalesce(max(generic_plans + custom_plans), -1)"
                             " FROM pg_prepared_statements WHERE statement = $1";

static int
prepared_runs(struct event_base *b, struct db_pool *p, const char *sql)
{
    const char *v[1] = {sql};
    struct rec x = run1(b, p, Q_RUNS, 1, v);

    assert_int_equal(x.code, ERR_OK);
    return atoi(x.val);
}

struct vals {
    int calls;
    enum err_code code;
    int nres;
    char v[4][32]; /* res[i] row 0 col 0 */
};

static void
on_vals(struct db_result *r, void *arg)
{
    struct vals *x = arg;

    x->calls++;
    x->code = r->err.code;
    x->nres = r->nres;
    for (int i = 0; i < r->nres && i < 4; i++)
        snprintf(x->v[i], sizeof(x->v[i]), "%s", db_val(r->res[i], 0, 0));
}

static const char Q_DOUBLE[] = "SELECT $1::int * 2";
static const char Q_CONCAT[] = "SELECT $1::text || '/' || $2::text";

/* A statement is prepared once per connection and reused by later units (one
   execution counted per use); the first use's prepare result is not taken for the
   statement's; a unit using two new statements and the same one twice, and units
   pipelined while the prepare is in flight, get their own results. */
static void
test_prepared_reuse(void **state)
{
    struct event_base *b;
    struct db_pool *p;
    static const char *const one[1] = {"21"}, *const two[2] = {"hồ", "sơ"}, *const tri[1] = {"7"};
    const struct db_stmt mix[3] = {{Q_CONCAT, 2, two}, {Q_DOUBLE, 1, tri}, {Q_DOUBLE, 1, one}};
    struct vals burst[5], m;
    struct rec x;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 8);
    assert_true(wait_ready(b, p, 5000));
    assert_int_equal(prepared_runs(b, p, Q_DOUBLE), -1);
    for (int i = 0; i < 3; i++) {
        x = run1(b, p, Q_DOUBLE, 1, one);
        assert_int_equal(x.code, ERR_OK);
        assert_int_equal(x.nres, 1);
        assert_string_equal(x.val, "42");
    }
    assert_int_equal(prepared_runs(b, p, Q_DOUBLE), 3);
    /* 5 units of a new statement at once: the first prepares it, those sent before its
       outcome is known go unprepared; all right, and later uses are prepared */
    memset(burst, 0, sizeof(burst));
    for (int i = 0; i < 5; i++)
        db_exec(p, &mix[0], 1, on_vals, &burst[i]);
    assert_true(dbt_run_until(b, &burst[4].calls, 10000));
    for (int i = 0; i < 5; i++) {
        assert_int_equal(burst[i].calls, 1);
        assert_int_equal(burst[i].code, ERR_OK);
        assert_string_equal(burst[i].v[0], "hồ/sơ");
    }
    assert_int_equal(prepared_runs(b, p, Q_CONCAT), 1);
    memset(&m, 0, sizeof(m));
    db_exec(p, mix, 3, on_vals, &m);
    assert_true(dbt_run_until(b, &m.calls, 10000));
    assert_int_equal(m.code, ERR_OK);
    assert_int_equal(m.nres, 3);
    assert_string_equal(m.v[0], "hồ/sơ");
    assert_string_equal(m.v[1], "14");
    assert_string_equal(m.v[2], "42");
    assert_int_equal(prepared_runs(b, p, Q_CONCAT), 2);
    assert_int_equal(prepared_runs(b, p, Q_DOUBLE), 5);
    db_pool_free(p);
    event_base_free(b);
}

/* An error while executing a prepared statement fails its unit as before and leaves
   the statement usable; a statement whose prepare was skipped because an earlier
   statement of its unit failed is prepared on its next use; a statement removed from
   the session (DEALLOCATE) fails once with 26000, then is prepared again. */
static void
test_prepared_exec_error(void **state)
{
    static const char Q_DIV[] = "SELECT 10 / $1::int";
    static const char Q_LATE[] = "SELECT $1::int + 100";
    static const char *const two[1] = {"2"}, *const zero[1] = {"0"}, *const five[1] = {"5"};
    const struct db_stmt failing[2] = {{Q_DIV, 1, zero}, {Q_LATE, 1, five}};
    struct event_base *b;
    struct db_pool *p;
    struct rec x;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 8);
    x = run1(b, p, Q_DIV, 1, two);
    assert_int_equal(x.code, ERR_OK);
    assert_string_equal(x.val, "5");
    memset(&x, 0, sizeof(x));
    exec_rec(p, failing, 2, &x);
    assert_true(dbt_run_until(b, &x.calls, 10000));
    assert_int_equal(x.code, ERR_DB_QUERY);
    assert_string_equal(x.sqlstate, "22012");
    assert_int_equal(x.failed_stmt, 0);
    assert_string_equal(x.detail, "division by zero");
    assert_int_equal(x.nres, 0);
    assert_int_equal(prepared_runs(b, p, Q_LATE), -1); /* its prepare never ran */
    x = run1(b, p, Q_LATE, 1, five);
    assert_int_equal(x.code, ERR_OK);
    assert_string_equal(x.val, "105");
    assert_int_equal(prepared_runs(b, p, Q_LATE), 1);
    x = run1(b, p, Q_DIV, 1, five);
    assert_int_equal(x.code, ERR_OK);
    assert_string_equal(x.val, "2");
    /* 2 or 3: PostgreSQL counts a plan only when planning succeeded, and it may fold
       10 / 0 while planning */
    assert_true(prepared_runs(b, p, Q_DIV) >= 2);
    x = run1(b, p, "DEALLOCATE ALL", 0, NULL);
    assert_int_equal(x.code, ERR_OK);
    x = run1(b, p, Q_DIV, 1, five);
    assert_int_equal(x.code, ERR_DB_QUERY);
    assert_string_equal(x.sqlstate, "26000");
    x = run1(b, p, Q_RUNS, 1, five);
    assert_string_equal(x.sqlstate, "26000");
    x = run1(b, p, Q_DIV, 1, two);
    assert_int_equal(x.code, ERR_OK);
    assert_string_equal(x.val, "5");
    assert_int_equal(prepared_runs(b, p, Q_DIV), 1);
    db_pool_free(p);
    event_base_free(b);
}

/* An error in the prepare step (syntax, unknown table, bad parameter type) fails the
   unit with the statement's index and PostgreSQL's error, exactly like the same
   statement sent unprepared; a unit pipelined behind it with the same text (sent
   while the prepare's outcome was unknown) fails the same way, another unit succeeds,
   and a second try fails again the same way (prepared again, not "does not exist"). */
static void
test_prepare_error(void **state)
{
    static const struct {
        const char *sql;
        const char *sqlstate;
        const char *detail;
    } rows[] = {
        {"SELEC 1", "42601", "syntax error at or near \"SELEC\""},
        {"SELECT x FROM t_missing", "42P01", "relation \"t_missing\" does not exist"},
        /* parameters are sent untyped, as before: $1 unused has no type */
        {"SELECT $2::int", "42P18", "could not determine data type of parameter $1"},
    };
    static const char *const v[1] = {"1"};
    struct event_base *b;
    struct db_pool *p;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 8);
    assert_true(wait_ready(b, p, 5000));
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct db_stmt unit[2] = {{"SELECT 1", 0, NULL}, {rows[i].sql, 1, v}};
        const struct db_stmt same[1] = {{rows[i].sql, 1, v}};
        static const struct db_stmt fine[1] = {{"SELECT 'được'::text", 0, NULL}};
        struct rec a, c, d;

        memset(&a, 0, sizeof(a));
        memset(&c, 0, sizeof(c));
        memset(&d, 0, sizeof(d));
        exec_rec(p, unit, 2, &a);
        exec_rec(p, same, 1, &c);
        exec_rec(p, fine, 1, &d);
        assert_true(dbt_run_until(b, &d.calls, 10000));
        for (int k = 0; k < 3; k++) {
            struct rec *x = k == 0 ? &a : &c;

            if (k == 2) { /* the retry, after the prepare's outcome is known */
                memset(&c, 0, sizeof(c));
                exec_rec(p, same, 1, &c);
                assert_true(dbt_run_until(b, &c.calls, 10000));
            }
            assert_int_equal(x->calls, 1);
            assert_int_equal(x->code, ERR_DB_QUERY);
            assert_string_equal(x->sqlstate, rows[i].sqlstate);
            assert_int_equal(x->failed_stmt, k == 0 ? 1 : 0);
            assert_int_equal(x->nres, 0);
            assert_string_equal(x->detail, rows[i].detail);
        }
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.code, ERR_OK);
        assert_string_equal(d.val, "được");
    }
    db_pool_free(p);
    event_base_free(b);
}

/* The cache belongs to the connection: after the backend is terminated the pool
   reconnects, and the same statement is prepared again on the new session (had the
   cache survived, it would fail with 26000). */
static void
test_prepared_reconnect(void **state)
{
    static const char *const one[1] = {"21"};
    struct event_base *b;
    struct db_pool *p;
    struct rec pid1, pid2, x;
    PGconn *ctl;
    const char *v[1];
    PGresult *res;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 4);
    ctl = dbt_connect(conninfo);
    x = run1(b, p, Q_DOUBLE, 1, one);
    assert_int_equal(x.code, ERR_OK);
    x = run1(b, p, Q_DOUBLE, 1, one);
    assert_int_equal(x.code, ERR_OK);
    assert_int_equal(prepared_runs(b, p, Q_DOUBLE), 2);
    pid1 = run1(b, p, "SELECT pg_backend_pid()", 0, NULL);
    v[0] = pid1.val;
    res = PQexecParams(ctl, "SELECT pg_terminate_backend($1::int)", 1, NULL, v, NULL, NULL, 0);
    assert_string_equal(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    {
        /* the loss is noticed on the next read: a unit fails, then the pool reconnects */
        long end = dbt_ms() + 5000;

        do
            x = run1(b, p, "SELECT pg_backend_pid()", 0, NULL);
        while ((x.code != ERR_OK || strcmp(x.val, pid1.val) == 0) && dbt_ms() < end);
        pid2 = x;
    }
    assert_int_equal(pid2.code, ERR_OK);
    assert_string_not_equal(pid2.val, pid1.val);
    assert_int_equal(prepared_runs(b, p, Q_DOUBLE), -1);
    x = run1(b, p, Q_DOUBLE, 1, one);
    assert_int_equal(x.code, ERR_OK);
    assert_string_equal(x.val, "42");
    assert_int_equal(prepared_runs(b, p, Q_DOUBLE), 1);
    PQfinish(ctl);
    db_pool_free(p);
    event_base_free(b);
}

/* At most 256 statements are prepared per connection; the others still run,
   unprepared. */
static void
test_prepared_bound(void **state)
{
    enum { N = 300 };
    static char texts[N][48];
    static struct db_stmt st[N];
    static struct rec recs[N];
    struct event_base *b;
    struct db_pool *p;
    struct rec x;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 8);
    assert_true(wait_ready(b, p, 5000));
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < N; i++) {
        snprintf(texts[i], sizeof(texts[i]), "SELECT %d + 0", i);
        st[i] = (struct db_stmt){texts[i], 0, NULL};
        exec_rec(p, &st[i], 1, &recs[i]);
    }
    assert_true(dbt_run_until(b, &recs[N - 1].calls, 10000));
    for (int i = 0; i < N; i++) {
        char want[16];

        snprintf(want, sizeof(want), "%d", i);
        assert_int_equal(recs[i].code, ERR_OK);
        assert_string_equal(recs[i].val, want);
    }
    /* the counting query itself is beyond the bound: unprepared, not counted */
    x = run1(b, p, "SELECT count(*) FROM pg_prepared_statements", 0, NULL);
    assert_int_equal(x.code, ERR_OK);
    assert_string_equal(x.val, "256");
    db_pool_free(p);
    event_base_free(b);
}

/* The start-up options reach the session; the caller's application_name wins over
   the fallback "motcua". */
static void
test_session_settings(void **state)
{
    struct event_base *b;
    struct db_pool *p;
    struct rec x;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 2);
    x = run1(b, p,
             "SELECT current_setting('statement_timeout') || ',' || "
             "current_setting('idle_in_transaction_session_timeout') || ',' || "
             "current_setting('synchronous_commit') || ',' || current_setting('application_name')",
             0, NULL);
    assert_int_equal(x.code, ERR_OK);
    assert_string_equal(x.val, "30s,1min,on,test_db_pool");
    db_pool_free(p);
    event_base_free(b);
}

/* Grouped units that wait together share one transaction: with one connection, the first
   goes alone and the 99 submitted meanwhile leave in two groups (64 + 35) - three
   transactions for 100 inserts (txid_current per member); each member gets its own row. */
static void
test_grouped_share_a_commit(void **state)
{
    enum { N = 100 };
    struct event_base *b;
    struct db_pool *p;
    static struct rec recs[N];
    static char vals[N][12];
    static const char *vp[N][1];
    static struct db_stmt st[N][2];
    struct db_pool_stats ps;
    struct rec x;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 8);
    assert_true(wait_ready(b, p, 5000));
    x = run1(b, p, "CREATE TABLE t_group (n int PRIMARY KEY, tx bigint)", 0, NULL);
    assert_int_equal(x.code, ERR_OK);
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < N; i++) {
        snprintf(vals[i], sizeof(vals[i]), "%d", i);
        vp[i][0] = vals[i];
        st[i][0] = (struct db_stmt){"INSERT INTO t_group VALUES ($1::int, txid_current())", 1,
                                    vp[i]};
        st[i][1] = (struct db_stmt){"SELECT n FROM t_group WHERE n = $1::int", 1, vp[i]};
        db_exec_grouped(p, DB_GROUP_WRITE, st[i], 2, (uint64_t)(N - i), on_done, &recs[i]);
    }
    assert_true(dbt_run_until(b, &recs[N - 1].calls, 10000));
    for (int i = 0; i < N; i++) {
        assert_true(dbt_run_until(b, &recs[i].calls, 1000));
        assert_int_equal(recs[i].code, ERR_OK);
        assert_int_equal(recs[i].nres, 2);
        assert_string_equal(recs[i].val, vals[i]);
    }
    x = run1(b, p, "SELECT count(DISTINCT tx) || '/' || count(*) FROM t_group", 0, NULL);
    assert_string_equal(x.val, "3/100");
    db_pool_stats(p, &ps);
    assert_int_equal(ps.groups, 2);
    assert_int_equal(ps.grouped_units, N - 1);
    assert_int_equal(ps.group_retries, 0);
    run1(b, p, "DROP TABLE t_group", 0, NULL);
    db_pool_free(p);
    event_base_free(b);
}

/* A member whose statement fails rolls its group back; every member runs again alone: the
   faulty one gets its own error (its own statement index), the others commit once. */
static void
test_grouped_member_fails_alone(void **state)
{
    enum { N = 10, BAD = 6 };
    struct event_base *b;
    struct db_pool *p;
    static struct rec recs[N];
    static char vals[N][12];
    static const char *vp[N][1];
    static struct db_stmt st[N][2];
    struct db_pool_stats ps;
    struct rec x;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 8);
    assert_true(wait_ready(b, p, 5000));
    x = run1(b, p, "CREATE TABLE t_group2 (n int PRIMARY KEY)", 0, NULL);
    assert_int_equal(x.code, ERR_OK);
    memset(recs, 0, sizeof(recs));
    /* the first goes alone; the other nine wait and leave as one group */
    for (int i = 0; i < N; i++) {
        snprintf(vals[i], sizeof(vals[i]), "%d", i);
        vp[i][0] = vals[i];
        st[i][0] = (struct db_stmt){"INSERT INTO t_group2 VALUES ($1::int)", 1, vp[i]};
        st[i][1] = (struct db_stmt){i == BAD ? "SELECT 1 / ($1::int - $1::int)"
                                             : "SELECT $1::int",
                                    1, vp[i]};
        db_exec_grouped(p, DB_GROUP_WRITE, st[i], 2, 0, on_done, &recs[i]);
    }
    for (int i = 0; i < N; i++)
        assert_true(dbt_run_until(b, &recs[i].calls, 10000));
    for (int i = 0; i < N; i++) {
        assert_int_equal(recs[i].calls, 1);
        if (i == BAD) {
            assert_int_equal(recs[i].code, ERR_DB_QUERY);
            assert_string_equal(recs[i].sqlstate, "22012");
            assert_int_equal(recs[i].failed_stmt, 1);
        } else {
            assert_int_equal(recs[i].code, ERR_OK);
            assert_string_equal(recs[i].val, vals[i]);
        }
    }
    x = run1(b, p, "SELECT string_agg(n::text, ',' ORDER BY n) FROM t_group2", 0, NULL);
    assert_string_equal(x.val, "0,1,2,3,4,5,7,8,9");
    db_pool_stats(p, &ps);
    assert_int_equal(ps.groups, 1);
    assert_int_equal(ps.group_retries, 1);
    run1(b, p, "DROP TABLE t_group2", 0, NULL);
    db_pool_free(p);
    event_base_free(b);
}

/* Classes never share a transaction: asynchronous members (set_config('synchronous_commit',
   'off', true) first) and durable ones interleaved in the queue leave in groups of their own
   class, so no durable member ever runs with synchronous_commit off. */
static void
test_grouped_classes_apart(void **state)
{
    enum { N = 40 };
    struct event_base *b;
    struct db_pool *p;
    static struct rec recs[N];
    static const struct db_stmt async_u[2] = {
        {"SELECT set_config('synchronous_commit', 'off', true)", 0, NULL},
        {"SELECT current_setting('synchronous_commit')", 0, NULL}};
    static const struct db_stmt sync_u[1] = {
        {"SELECT current_setting('synchronous_commit')", 0, NULL}};
    struct db_pool_stats ps;

    (void)state;
    NEED_DB();
    b = event_base_new();
    p = db_pool_new(b, conninfo, 1, 8);
    assert_true(wait_ready(b, p, 5000));
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < N; i++) {
        if (i % 2)
            db_exec_grouped(p, DB_GROUP_ASYNC, async_u, 2, 0, on_done, &recs[i]);
        else
            db_exec_grouped(p, DB_GROUP_WRITE, sync_u, 1, 0, on_done, &recs[i]);
    }
    for (int i = 0; i < N; i++)
        assert_true(dbt_run_until(b, &recs[i].calls, 10000));
    for (int i = 0; i < N; i++) {
        assert_int_equal(recs[i].code, ERR_OK);
        assert_string_equal(recs[i].val, i % 2 ? "off" : "on");
    }
    db_pool_stats(p, &ps);
    assert_true(ps.groups >= 2);
    db_pool_free(p);
    event_base_free(b);
}

/* Issue 18: a multi-host URL whose first host refuses (port 1 of 127.0.0.1). libpq closes
   that socket and opens the next host's, usually under the same descriptor number; the
   pool must follow the new socket and be ready at once, not after its 10 s connect
   timeout (before the fix: 10 s per connection, and never with a refused first host
   behind a fresh start). */
static void
test_refused_first_host(void **state)
{
    struct event_base *b;
    struct db_pool *p;
    PQconninfoOption *opts;
    const char *host = "127.0.0.1", *port = "5432";
    char ci[4096];
    long t0;
    struct rec x;

    (void)state;
    NEED_DB();
    opts = PQconninfoParse(dbt_url(), NULL);
    assert_non_null(opts);
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "host") == 0 && o->val != NULL && o->val[0] != '\0')
            host = o->val;
        if (strcmp(o->keyword, "port") == 0 && o->val != NULL && o->val[0] != '\0')
            port = o->val;
    }
    /* a repeated keyword: the last one counts */
    snprintf(ci, sizeof(ci), "%s host='127.0.0.1,%s' port='1,%s'", conninfo, host, port);
    PQconninfoFree(opts);
    b = event_base_new();
    p = db_pool_new(b, ci, 2, 4);
    t0 = dbt_ms();
    assert_true(wait_ready(b, p, 8000));
    assert_true(dbt_ms() - t0 < 3000);
    x = run1(b, p, "SELECT 'hồ sơ'::text", 0, NULL);
    assert_int_equal(x.code, ERR_OK);
    assert_string_equal(x.val, "hồ sơ");
    db_pool_free(p);
    event_base_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_order),
        cmocka_unit_test(test_many_connections),
        cmocka_unit_test(test_error_mid_unit),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_terminated_mid_flight),
        cmocka_unit_test(test_listen_relisten),
        cmocka_unit_test(test_free_with_pending),
        cmocka_unit_test(test_session_settings),
        cmocka_unit_test(test_prepared_reuse),
        cmocka_unit_test(test_prepared_exec_error),
        cmocka_unit_test(test_prepare_error),
        cmocka_unit_test(test_prepared_reconnect),
        cmocka_unit_test(test_prepared_bound),
        cmocka_unit_test(test_grouped_share_a_commit),
        cmocka_unit_test(test_grouped_member_fails_alone),
        cmocka_unit_test(test_grouped_classes_apart),
        cmocka_unit_test(test_refused_first_host),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
