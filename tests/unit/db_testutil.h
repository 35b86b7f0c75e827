/*
 * db_testutil.h - helpers for the tests that need a real PostgreSQL
 * (test_db_*.c): the server named by MOTCUA_TEST_DATABASE_URL, a scratch
 * database per test program (created and dropped here), and a loop runner.
 * Header-only (static functions, maybe unused in a test) so each test stays one file.
 */
#ifndef MOTCUA_TESTS_DB_TESTUTIL_H
#define MOTCUA_TESTS_DB_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DBT_UNUSED __attribute__((unused))

#include <event2/event.h>
#include <libpq-fe.h>

/* The test server, or NULL (tests are skipped). */
DBT_UNUSED static const char *
dbt_url(void)
{
    const char *u = getenv("MOTCUA_TEST_DATABASE_URL");

    return u != NULL && u[0] != '\0' ? u : NULL;
}

/* The test server's conninfo with dbname and application_name replaced (key='value'
   form, so it can be extended). Caller frees. */
DBT_UNUSED static char *
dbt_conninfo(const char *url, const char *dbname, const char *appname)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &err);
    size_t cap = 4096, used = 0;
    char *s = malloc(cap);

    if (opts == NULL || s == NULL) {
        fprintf(stderr, "bad MOTCUA_TEST_DATABASE_URL: %s\n", err ? err : "?");
        abort();
    }
    s[0] = '\0';
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        const char *v = o->val;

        if (strcmp(o->keyword, "dbname") == 0)
            v = dbname;
        else if (strcmp(o->keyword, "application_name") == 0)
            v = appname;
        if (v == NULL || v[0] == '\0')
            continue;
        used += (size_t)snprintf(s + used, cap - used, "%s='", o->keyword);
        for (const char *p = v; *p && used + 4 < cap; p++) {
            if (*p == '\'' || *p == '\\')
                s[used++] = '\\';
            s[used++] = *p;
        }
        used += (size_t)snprintf(s + used, cap - used, "' ");
    }
    PQconninfoFree(opts);
    return s;
}

DBT_UNUSED static void
dbt_quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

DBT_UNUSED static PGconn *
dbt_connect(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);

    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "test database: %s", PQerrorMessage(c));
        abort();
    }
    PQsetNoticeProcessor(c, dbt_quiet, NULL);
    return c;
}

/* Runs one command; aborts the test program when it fails (setup, not assertions). */
DBT_UNUSED static void
dbt_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);

    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        abort();
    }
    PQclear(r);
}

/* Creates a fresh database "<prefix>_<pid>" on the test server; name written to out. */
DBT_UNUSED static void
dbt_create_db(const char *url, const char *prefix, char *out, size_t cap)
{
    char *admin = dbt_conninfo(url, "postgres", "motcua_test_admin");
    PGconn *c = dbt_connect(admin);
    char sql[256];

    snprintf(out, cap, "%s_%ld", prefix, (long)getpid());
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", out);
    dbt_exec(c, sql);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", out);
    dbt_exec(c, sql);
    PQfinish(c);
    free(admin);
}

DBT_UNUSED static void
dbt_drop_db(const char *url, const char *name)
{
    char *admin = dbt_conninfo(url, "postgres", "motcua_test_admin");
    PGconn *c = dbt_connect(admin);
    char sql[256];

    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    dbt_exec(c, sql);
    PQfinish(c);
    free(admin);
}

DBT_UNUSED static long
dbt_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

DBT_UNUSED static void
dbt_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

/* Runs the loop until *flag becomes non-zero or ms elapse; returns *flag. */
DBT_UNUSED static int
dbt_run_until(struct event_base *base, const volatile int *flag, long ms)
{
    struct event *tick = event_new(base, -1, EV_PERSIST, dbt_tick, NULL);
    struct timeval tv = {0, 10000};
    long end = dbt_ms() + ms;

    event_add(tick, &tv);
    while (!*flag && dbt_ms() < end)
        event_base_loop(base, EVLOOP_ONCE);
    event_free(tick);
    return *flag;
}

#endif
