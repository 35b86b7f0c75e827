/*
 * test_db_migrate.c - schema migrations (server/db/migrate.c) against a real
 * PostgreSQL named by MOTCUA_TEST_DATABASE_URL (skipped without it), on a scratch
 * database: apply and check, the copy directive, the checksum (compared with
 * PostgreSQL's own sha256), a changed file, a tampered record, a schema ahead,
 * a failing migration rolled back, the function files (sql/fn/: applied after the
 * migrations, again when changed, reported as pending, all in one transaction), a migration
 * run after them (-- motcua:after-functions), and the
 * real embedded migrations and function files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "unit/db_testutil.h"

#include "core/embed.h"
#include "db/db.h"
#include "db/migrate.h"

static char dbname[64];
static char *conninfo;

#define F(n, s) {n, (const unsigned char *)(s), sizeof(s) - 1}

static const char M1[] = "CREATE TABLE ta (id int PRIMARY KEY, name text NOT NULL);\n"
                         "-- motcua:copy ta(id, name) FROM a.tsv\n"
                         "CREATE TABLE tb (x int);\n";
static const char TSV[] = "# id\tname (comment line)\n"
                          "1\tMột cửa\n"
                          "\n"
                          "2\tLiên thông\r\n";
static const char M2[] = "INSERT INTO tb VALUES (42);\n";

/* The set as embedded, in the wrong order on purpose (the runner sorts). */
static const struct embed_file SET[] = {
    F("002_b.sql", M2),
    F("001_a.sql", M1),
    F("a.tsv", TSV),
    F("README.txt", "not a migration"),
};
#define NSET (sizeof(SET) / sizeof(SET[0]))

static PGconn *
conn(void)
{
    return dbt_connect(conninfo);
}

static char *
q1(PGconn *c, const char *sql)
{
    static char buf[256];
    PGresult *r = PQexec(c, sql);

    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    snprintf(buf, sizeof(buf), "%s", PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "(none)");
    PQclear(r);
    return buf;
}

static int
setup(void **state)
{
    (void)state;
    if (dbt_url() == NULL)
        return 0;
    dbt_create_db(dbt_url(), "motcua_t_migrate", dbname, sizeof(dbname));
    conninfo = dbt_conninfo(dbt_url(), dbname, "test_db_migrate");
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

struct applied {
    int n;
    char names[8][32];
};

static void
on_applied(const char *name, void *arg)
{
    struct applied *a = arg;

    if (a->n < 8)
        snprintf(a->names[a->n], sizeof(a->names[0]), "%s", name);
    a->n++;
}

static void
reset_schema(PGconn *c)
{
    dbt_exec(c, "DROP SCHEMA public CASCADE");
    dbt_exec(c, "CREATE SCHEMA public");
}

/* Pending before, applied in name order with the data file, at head after, and a
   second apply does nothing. */
static void
test_apply_check_copy(void **state)
{
    PGconn *c;
    struct mc_err e;
    struct applied a;
    char sql[512];

    (void)state;
    NEED_DB();
    c = conn();
    reset_schema(c);
    err_clear(&e);
    assert_int_equal(migrate_check_files(c, SET, NSET, &e), -1);
    assert_int_equal(e.code, ERR_SCHEMA_MISMATCH);
    assert_string_equal(e.detail, "pending migrations: 001_a, 002_b");

    memset(&a, 0, sizeof(a));
    assert_int_equal(migrate_apply_files(c, SET, NSET, on_applied, &a, &e), 0);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.names[0], "001_a.sql");
    assert_string_equal(a.names[1], "002_b.sql");
    assert_int_equal(migrate_check_files(c, SET, NSET, &e), 0);

    /* the copy directive: comment and blank lines skipped, CR stripped, UTF-8 kept */
    assert_string_equal(q1(c, "SELECT string_agg(id || '=' || name, ';' ORDER BY id) FROM ta"),
                        "1=Một cửa;2=Liên thông");
    assert_string_equal(q1(c, "SELECT x FROM tb"), "42");

    /* checksum = SHA-256(migration text || data file), computed here by PostgreSQL */
    snprintf(sql, sizeof(sql),
             "SELECT (SELECT checksum FROM schema_migrations WHERE name = '001_a.sql') = "
             "encode(sha256(convert_to(%s, 'UTF8')), 'hex')",
             "E'CREATE TABLE ta (id int PRIMARY KEY, name text NOT NULL);\\n"
             "-- motcua:copy ta(id, name) FROM a.tsv\\nCREATE TABLE tb (x int);\\n"
             "# id\\tname (comment line)\\n1\\tMột cửa\\n\\n2\\tLiên thông\\r\\n'");
    assert_string_equal(q1(c, sql), "t");
    assert_string_equal(q1(c, "SELECT (SELECT checksum FROM schema_migrations WHERE name = "
                              "'002_b.sql') = encode(sha256('INSERT INTO tb VALUES (42);\n'::"
                              "bytea), 'hex')"),
                        "t");

    memset(&a, 0, sizeof(a));
    assert_int_equal(migrate_apply_files(c, SET, NSET, on_applied, &a, &e), 0);
    assert_int_equal(a.n, 0);
    assert_string_equal(q1(c, "SELECT count(*) FROM tb"), "1");

    /* MIGRATE_STATUS_SQL + migrate_status_files, as /readyz uses them */
    {
        PGresult *r = PQexec(c, MIGRATE_STATUS_SQL);

        assert_int_equal(migrate_status_files(r, SET, NSET, &e), 0);
        assert_int_equal(migrate_status_files(r, SET + 1, 2, &e), -1); /* without 002_b */
        assert_string_equal(e.detail,
                            "database schema is ahead of this build: 002_b.sql is not known");
        PQclear(r);
    }
    PQfinish(c);
}

/* Function files: "fn/20_b.sql" calls a function of "fn/10_a.sql" (so name order matters:
   a LANGUAGE sql body is checked when it is created). */
static const char FNA[] = "CREATE OR REPLACE FUNCTION fa() RETURNS int LANGUAGE sql AS $$ "
                          "SELECT x FROM tb $$;\n";
static const char FNA2[] = "CREATE OR REPLACE FUNCTION fa() RETURNS int LANGUAGE sql AS $$ "
                           "SELECT x + 1 FROM tb $$;\n";
static const char FNB[] = "CREATE OR REPLACE FUNCTION fb() RETURNS int LANGUAGE sql AS $$ "
                          "SELECT fa() * 10 $$;\n";

/* After the migrations, each function file once, in name order; a second apply does
   nothing; the checksums recorded are SHA-256 of the files (PostgreSQL's own sha256). */
static void
test_functions_applied_once(void **state)
{
    const struct embed_file set[] = {F("fn/20_b.sql", FNB), F("002_b.sql", M2),
                                     F("fn/10_a.sql", FNA), F("001_a.sql", M1), F("a.tsv", TSV)};
    PGconn *c;
    struct mc_err e;
    struct applied a;

    (void)state;
    NEED_DB();
    c = conn();
    reset_schema(c);
    err_clear(&e);
    memset(&a, 0, sizeof(a));
    assert_int_equal(migrate_apply_files(c, set, 5, on_applied, &a, &e), 0);
    assert_int_equal(a.n, 4);
    assert_string_equal(a.names[0], "001_a.sql");
    assert_string_equal(a.names[1], "002_b.sql");
    assert_string_equal(a.names[2], "fn/10_a.sql");
    assert_string_equal(a.names[3], "fn/20_b.sql");
    assert_int_equal(migrate_check_files(c, set, 5, &e), 0);
    assert_string_equal(q1(c, "SELECT fb()"), "420");
    assert_string_equal(q1(c, "SELECT string_agg(name, ',' ORDER BY name) FROM schema_functions"),
                        "10_a.sql,20_b.sql");
    assert_string_equal(q1(c, "SELECT checksum = encode(sha256(convert_to('CREATE OR REPLACE "
                              "FUNCTION fb() RETURNS int LANGUAGE sql AS $$ SELECT fa() * 10 "
                              "$$;' || chr(10), 'UTF8')), 'hex') FROM schema_functions WHERE "
                              "name = '20_b.sql'"),
                        "t");
    /* the migrations' record is unchanged: two rows */
    assert_string_equal(q1(c, "SELECT count(*) FROM schema_migrations"), "2");

    memset(&a, 0, sizeof(a));
    assert_int_equal(migrate_apply_files(c, set, 5, on_applied, &a, &e), 0);
    assert_int_equal(a.n, 0);
    PQfinish(c);
}

/* A function file changed since it was applied: pending for the check and for readiness
   (MIGRATE_STATUS_SQL), applied again alone; a failing file rolls every file of the run
   back; a recorded file this build lacks is a schema ahead; a database without
   schema_functions (migrated by an older build) has every function file pending. */
static void
test_functions_changed(void **state)
{
    const struct embed_file set[] = {F("001_a.sql", M1), F("002_b.sql", M2), F("a.tsv", TSV),
                                     F("fn/10_a.sql", FNA), F("fn/20_b.sql", FNB)};
    const struct embed_file changed[] = {F("001_a.sql", M1), F("002_b.sql", M2), F("a.tsv", TSV),
                                         F("fn/10_a.sql", FNA2), F("fn/20_b.sql", FNB)};
    const struct embed_file broken[] = {
        F("001_a.sql", M1), F("002_b.sql", M2), F("a.tsv", TSV), F("fn/10_a.sql", FNA),
        F("fn/20_b.sql", "CREATE OR REPLACE FUNCTION fb() RETURNS int LANGUAGE sql AS $$ "
                         "SELECT nope() $$;\n")};
    PGconn *c;
    PGresult *r;
    struct mc_err e;
    struct applied a;

    (void)state;
    NEED_DB();
    c = conn();
    reset_schema(c);
    err_clear(&e);
    assert_int_equal(migrate_apply_files(c, set, 5, NULL, NULL, &e), 0);

    assert_int_equal(migrate_check_files(c, changed, 5, &e), -1);
    assert_int_equal(e.code, ERR_SCHEMA_MISMATCH);
    assert_string_equal(e.detail, "pending function files: fn/10_a.sql");
    r = PQexec(c, MIGRATE_STATUS_SQL);
    assert_int_equal(migrate_status_files(r, changed, 5, &e), -1);
    assert_string_equal(e.detail, "pending function files: fn/10_a.sql");
    assert_int_equal(migrate_status_files(r, set, 5, &e), 0);
    PQclear(r);
    memset(&a, 0, sizeof(a));
    assert_int_equal(migrate_apply_files(c, changed, 5, on_applied, &a, &e), 0);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.names[0], "fn/10_a.sql");
    assert_string_equal(q1(c, "SELECT fb()"), "430");
    assert_int_equal(migrate_check_files(c, changed, 5, &e), 0);

    /* back to FNA and a broken fn/20_b.sql in the same run: neither is applied */
    assert_int_equal(migrate_apply_files(c, broken, 5, NULL, NULL, &e), -1);
    assert_int_equal(e.code, ERR_DB_QUERY);
    assert_non_null(strstr(e.detail, "fn/20_b.sql"));
    assert_string_equal(q1(c, "SELECT fb()"), "430");
    assert_int_equal(migrate_check_files(c, changed, 5, &e), 0);

    assert_int_equal(migrate_check_files(c, changed, 4, &e), -1); /* without fn/20_b.sql */
    assert_string_equal(e.detail,
                        "database schema is ahead of this build: fn/20_b.sql is not known");
    assert_int_equal(migrate_apply_files(c, changed, 4, NULL, NULL, &e), -1);
    assert_string_equal(e.detail,
                        "database schema is ahead of this build: fn/20_b.sql is not known");

    dbt_exec(c, "DROP TABLE schema_functions");
    assert_int_equal(migrate_check_files(c, set, 5, &e), -1);
    assert_string_equal(e.detail, "pending function files: fn/10_a.sql, fn/20_b.sql");
    assert_int_equal(migrate_apply_files(c, set, 5, NULL, NULL, &e), 0);
    assert_string_equal(q1(c, "SELECT fb()"), "420");
    assert_int_equal(migrate_check_files(c, set, 5, &e), 0);
    PQfinish(c);
}

/* A migration marked "-- motcua:after-functions" (002_c.sql) reads a function whose body
   changes in the same run: it runs after the function files, in their transaction, sees the
   new body, is recorded once and reported last; while pending it is named by the check. */
static const char MAFTER[] = "-- after the function files\n"
                             "-- motcua:after-functions\n"
                             "INSERT INTO tb SELECT fa() * 100;\n";

static void
test_after_functions(void **state)
{
    const struct embed_file set[] = {F("001_a.sql", M1), F("002_b.sql", M2), F("a.tsv", TSV),
                                     F("fn/10_a.sql", FNA)};
    const struct embed_file next[] = {F("001_a.sql", M1),    F("002_b.sql", M2),
                                      F("003_c.sql", MAFTER), F("a.tsv", TSV),
                                      F("fn/10_a.sql", FNA2), F("004_d.sql", M2)};
    PGconn *c;
    struct mc_err e;
    struct applied a;

    (void)state;
    NEED_DB();
    c = conn();
    reset_schema(c);
    err_clear(&e);
    assert_int_equal(migrate_apply_files(c, set, 4, NULL, NULL, &e), 0);
    assert_string_equal(q1(c, "SELECT fa()"), "42");
    assert_int_equal(migrate_check_files(c, next, 6, &e), -1);
    assert_string_equal(e.detail, "pending migrations: 003_c, 004_d");
    memset(&a, 0, sizeof(a));
    assert_int_equal(migrate_apply_files(c, next, 6, on_applied, &a, &e), 0);
    assert_int_equal(a.n, 3);
    assert_string_equal(a.names[0], "004_d.sql");
    assert_string_equal(a.names[1], "fn/10_a.sql");
    assert_string_equal(a.names[2], "003_c.sql");
    /* fa() is x + 1 over tb's first row (42) when 003 runs: 4300, not 4200 */
    assert_string_equal(q1(c, "SELECT string_agg(x::text, ',' ORDER BY x) FROM tb"),
                        "42,42,4300");
    assert_string_equal(q1(c, "SELECT count(*) FROM schema_migrations WHERE name = '003_c.sql'"),
                        "1");
    assert_int_equal(migrate_check_files(c, next, 6, &e), 0);
    memset(&a, 0, sizeof(a));
    assert_int_equal(migrate_apply_files(c, next, 6, on_applied, &a, &e), 0);
    assert_int_equal(a.n, 0);
    assert_string_equal(q1(c, "SELECT count(*) FROM tb"), "3");
    PQfinish(c);
}

/* A failing after-functions migration rolls the function files of its run back. */
static void
test_after_functions_fails(void **state)
{
    const struct embed_file set[] = {F("001_a.sql", M1), F("002_b.sql", M2), F("a.tsv", TSV),
                                     F("fn/10_a.sql", FNA)};
    const struct embed_file next[] = {
        F("001_a.sql", M1), F("002_b.sql", M2), F("a.tsv", TSV), F("fn/10_a.sql", FNA2),
        F("003_c.sql", "-- motcua:after-functions\nSELECT nope();\n")};
    PGconn *c;
    struct mc_err e;

    (void)state;
    NEED_DB();
    c = conn();
    reset_schema(c);
    err_clear(&e);
    assert_int_equal(migrate_apply_files(c, set, 4, NULL, NULL, &e), 0);
    assert_int_equal(migrate_apply_files(c, next, 5, NULL, NULL, &e), -1);
    assert_non_null(strstr(e.detail, "003_c.sql"));
    assert_string_equal(q1(c, "SELECT fa()"), "42");
    assert_int_equal(migrate_check_files(c, set, 4, &e), 0);
    PQfinish(c);
}

/* A data file edited after the migration was applied: check and apply refuse, naming
   the migration. A recorded checksum altered by hand is caught the same way. */
static void
test_changed_and_tampered(void **state)
{
    static const char TSV2[] = "1\tMột cửa\n2\tLiên thông\n3\tthêm\n";
    const struct embed_file changed[] = {F("001_a.sql", M1), F("002_b.sql", M2),
                                         F("a.tsv", TSV2)};
    PGconn *c;
    struct mc_err e;

    (void)state;
    NEED_DB();
    c = conn();
    reset_schema(c);
    err_clear(&e);
    assert_int_equal(migrate_apply_files(c, SET, NSET, NULL, NULL, &e), 0);
    assert_int_equal(migrate_check_files(c, changed, 3, &e), -1);
    assert_int_equal(e.code, ERR_SCHEMA_MISMATCH);
    assert_string_equal(e.detail, "migration 001_a.sql changed after it was applied");
    assert_int_equal(migrate_apply_files(c, changed, 3, NULL, NULL, &e), -1);
    assert_string_equal(e.detail, "migration 001_a.sql changed after it was applied");
    assert_string_equal(q1(c, "SELECT count(*) FROM ta"), "2");

    dbt_exec(c, "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE name = "
                "'002_b.sql'");
    assert_int_equal(migrate_check_files(c, SET, NSET, &e), -1);
    assert_string_equal(e.detail, "migration 002_b.sql changed after it was applied");
    PQfinish(c);
}

/* A migration recorded that this build does not have: the schema is ahead. */
static void
test_schema_ahead(void **state)
{
    PGconn *c;
    struct mc_err e;

    (void)state;
    NEED_DB();
    c = conn();
    reset_schema(c);
    err_clear(&e);
    assert_int_equal(migrate_apply_files(c, SET, NSET, NULL, NULL, &e), 0);
    dbt_exec(c, "INSERT INTO schema_migrations (name, checksum) VALUES ('099_future.sql', 'x')");
    assert_int_equal(migrate_check_files(c, SET, NSET, &e), -1);
    assert_int_equal(e.code, ERR_SCHEMA_MISMATCH);
    assert_string_equal(e.detail,
                        "database schema is ahead of this build: 099_future.sql is not known");
    assert_int_equal(migrate_apply_files(c, SET, NSET, NULL, NULL, &e), -1);
    assert_non_null(strstr(e.detail, "099_future.sql"));
    PQfinish(c);
}

/* A failing migration rolls back entirely (its DDL and its record); the ones before it
   stay applied; a directive naming a missing data file is refused. */
static void
test_failure_rolls_back(void **state)
{
    const struct embed_file bad[] = {F("001_a.sql", M1), F("002_b.sql", M2), F("a.tsv", TSV),
                                     F("003_bad.sql", "CREATE TABLE tc (x int);\n"
                                                      "INSERT INTO tc VALUES (1 / 0);\n")};
    const struct embed_file nodata[] = {F("001_a.sql", M1), F("a.tsv", TSV),
                                        F("004_nodata.sql", "CREATE TABLE td (x int);\n"
                                                            "-- motcua:copy td(x) FROM d.tsv\n")};
    const struct embed_file badrow[] = {F("001_a.sql", M1), F("a.tsv", TSV),
                                        F("005_badrow.sql", "CREATE TABLE te (x int);\n"
                                                            "-- motcua:copy te(x) FROM e.tsv\n"),
                                        F("e.tsv", "1\nhai\n")};
    PGconn *c;
    struct mc_err e;

    (void)state;
    NEED_DB();
    c = conn();
    reset_schema(c);
    err_clear(&e);
    assert_int_equal(migrate_apply_files(c, bad, 4, NULL, NULL, &e), -1);
    assert_int_equal(e.code, ERR_DB_QUERY);
    assert_non_null(strstr(e.detail, "003_bad.sql"));
    assert_non_null(strstr(e.detail, "22012"));
    assert_string_equal(q1(c, "SELECT to_regclass('tc') IS NULL"), "t");
    assert_string_equal(q1(c, "SELECT string_agg(name, ',' ORDER BY name) FROM "
                              "schema_migrations"),
                        "001_a.sql,002_b.sql");

    reset_schema(c);
    assert_int_equal(migrate_apply_files(c, nodata, 3, NULL, NULL, &e), -1);
    assert_non_null(strstr(e.detail, "d.tsv"));
    assert_string_equal(q1(c, "SELECT to_regclass('td') IS NULL"), "t");

    reset_schema(c);
    assert_int_equal(migrate_apply_files(c, badrow, 4, NULL, NULL, &e), -1);
    assert_non_null(strstr(e.detail, "005_badrow.sql"));
    assert_string_equal(q1(c, "SELECT to_regclass('te') IS NULL"), "t");
    /* the connection is usable afterwards */
    assert_string_equal(q1(c, "SELECT 1"), "1");
    PQfinish(c);
}

/* The migrations built into this binary apply to an empty database and leave it at
   head (this also runs every engineer's sql/NNN_*.sql once). */
static void
test_embedded(void **state)
{
    PGconn *c;
    struct mc_err e;
    size_t nsql = 0, nfn = 0;
    struct applied a;

    (void)state;
    NEED_DB();
    c = conn();
    reset_schema(c);
    err_clear(&e);
    for (size_t i = 0; i < EMBED_NFILES; i++) {
        int fn = strncmp(EMBED_FILES[i].name, "fn/", 3) == 0;

        nsql += !fn && strstr(EMBED_FILES[i].name, ".sql") != NULL;
        nfn += fn;
    }
    assert_true(nfn >= 5);
    assert_non_null(embed_find("001_init.sql"));
    assert_int_equal(migrate_check(c, &e), -1);
    assert_non_null(strstr(e.detail, "pending migrations: 001_init"));
    if (migrate_apply(c, &e) != 0)
        fail_msg("embedded migrations: %s", e.detail);
    assert_int_equal(migrate_check(c, &e), 0);
    assert_int_equal(atoi(q1(c, "SELECT count(*) FROM schema_migrations")), (int)nsql);
    assert_int_equal(atoi(q1(c, "SELECT count(*) FROM schema_functions")), (int)nfn);
    memset(&a, 0, sizeof(a));
    assert_int_equal(migrate_apply_files(c, EMBED_FILES, EMBED_NFILES, on_applied, &a, &e), 0);
    assert_int_equal(a.n, 0);
    PQfinish(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_check_copy),    cmocka_unit_test(test_changed_and_tampered),
        cmocka_unit_test(test_schema_ahead),        cmocka_unit_test(test_failure_rolls_back),
        cmocka_unit_test(test_functions_applied_once), cmocka_unit_test(test_functions_changed),
        cmocka_unit_test(test_after_functions), cmocka_unit_test(test_after_functions_fails),
        cmocka_unit_test(test_embedded),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
