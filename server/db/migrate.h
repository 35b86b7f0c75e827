/*
 * migrate.h - schema migrations. The numbered files sql/NNN_name.sql are embedded
 * in the binary (core/embed.h), applied in name order, each in one transaction, and
 * recorded in schema_migrations(name, checksum (SHA-256 hex), applied_at).
 *
 * A migration may load a data file in the same transaction with a directive line
 *   -- motcua:copy calendar_day(day, working, reason, note) FROM calendar_vn.tsv
 * The runner sends the file's non-comment, non-blank lines through COPY ... FROM STDIN
 * (tab-separated, columns as named). The checksum covers the migration and its data file.
 *
 * Then the function files sql/fn/NN_family.sql (embedded as "fn/NN_family.sql"; each SQL
 * function defined once, sql/fn/README): every one that is new or whose checksum differs
 * from the one recorded in schema_functions(name, checksum, applied_at) is applied again,
 * in name order, all in one transaction. A migration holding the line
 *   -- motcua:after-functions
 * runs at the end of that transaction (after the new bodies) and is recorded there.
 *
 * The server refuses to start when the database has a migration or function file the
 * binary does not know (schema ahead), a migration's recorded checksum differs (an applied
 * file changed), or anything is pending ("pending migrations: ...", "pending function
 * files: fn/20_reports.sql").
 */
#ifndef MOTCUA_DB_MIGRATE_H
#define MOTCUA_DB_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

#include "core/err.h"

/* Blocking (start-up and `motcua migrate` only): applies pending migrations, then the new or
   changed function files. */
int migrate_apply(PGconn *c, struct mc_err *e);

/* Blocking: 0 when the schema is exactly at head and unchanged; -1 with e filled otherwise
   (detail says pending / ahead / changed and which file). */
int migrate_check(PGconn *c, struct mc_err *e);

/*
 * The same over an explicit file set (tests, tools): files[0..n) holds the migrations
 * (names NNN_*.sql), their data files and the function files (names fn/NN_x.sql); on_applied
 * (may be NULL) is called with each migration's or function file's name once it is
 * committed.
 */
struct embed_file;
int migrate_apply_files(PGconn *c, const struct embed_file *files, size_t n,
                        void (*on_applied)(const char *name, void *arg), void *arg,
                        struct mc_err *e);
int migrate_check_files(PGconn *c, const struct embed_file *files, size_t n, struct mc_err *e);
int migrate_status_files(const PGresult *res, const struct embed_file *files, size_t n,
                         struct mc_err *e);

/* For /readyz on the event loop: run MIGRATE_STATUS_SQL with db_exec, then pass the result.
   The query reads schema_migrations and schema_functions (function files as "fn/<file>"):
   it fails on a database no build with function files migrated yet, which start-up
   (migrate_check) has already refused. */
extern const char MIGRATE_STATUS_SQL[];
int migrate_status_ok(const PGresult *res, struct mc_err *e);

#endif
