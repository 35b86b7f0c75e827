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
 * The server refuses to start when the database has a migration the binary does not
 * know (schema ahead) or a recorded checksum differs (an applied file changed).
 */
#ifndef MOTCUA_DB_MIGRATE_H
#define MOTCUA_DB_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

#include "core/err.h"

/* Blocking (start-up and `motcua migrate` only): applies pending migrations. */
int migrate_apply(PGconn *c, struct mc_err *e);

/* Blocking: 0 when the schema is exactly at head and unchanged; -1 with e filled otherwise
   (detail says pending / ahead / changed and which file). */
int migrate_check(PGconn *c, struct mc_err *e);

/*
 * The same over an explicit file set (tests, tools): files[0..n) holds the migrations
 * (names NNN_*.sql) and their data files; on_applied (may be NULL) is called with each
 * migration's name once it is committed.
 */
struct embed_file;
int migrate_apply_files(PGconn *c, const struct embed_file *files, size_t n,
                        void (*on_applied)(const char *name, void *arg), void *arg,
                        struct mc_err *e);
int migrate_check_files(PGconn *c, const struct embed_file *files, size_t n, struct mc_err *e);
int migrate_status_files(const PGresult *res, const struct embed_file *files, size_t n,
                         struct mc_err *e);

/* For /readyz on the event loop: run MIGRATE_STATUS_SQL with db_exec, then pass the result. */
extern const char MIGRATE_STATUS_SQL[];
int migrate_status_ok(const PGresult *res, struct mc_err *e);

/* `motcua migrate [--check]`: uses DATABASE_URL; prints what it applied; exit status. */
int cli_migrate(int argc, char **argv);

#endif
