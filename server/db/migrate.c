/*
 * migrate.c - schema migrations (migrate.h): the embedded sql/NNN_name.sql files
 * applied in name order, each in its own transaction, recorded in
 * schema_migrations(name, checksum, applied_at). Blocking: start-up and the
 * `motcua migrate` command only, never on an event loop.
 *
 * A migration may hold directive lines
 *   -- motcua:copy table(col, ...) FROM file.tsv
 * at which point the embedded data file's lines (without '#' comments and blank
 * lines) are sent through COPY ... FROM STDIN in the same transaction. The
 * checksum is SHA-256 over the migration text followed by the bytes of each data
 * file it names, in order, so editing either is detected.
 *
 * A data file may grow after its migration was applied (a late calendar announcement added
 * to sql/calendar_vn.tsv, domain.md §4.3): the later migration that brings the change to
 * installed databases then holds a line
 *   -- motcua:supersedes 002_calendar.sql <sha256 hex the database recorded before>
 * and that recorded checksum is accepted for the named migration. Each later edit of the
 * same data adds its own line, so every installed state stays known.
 *
 * A migration holding the line
 *   -- motcua:after-functions
 * (data work that needs the function bodies of this build, e.g. rebuilding the report
 * summaries after a rule changed) is not applied with the others: it runs in the function
 * files' transaction, after them and after every other pending migration, and its
 * schema_migrations row is written in that transaction, so it runs once, with the new
 * bodies, or not at all. It must not create what a later migration needs.
 *
 * Then the function files sql/fn/NN_family.sql (embedded as "fn/NN_family.sql", see
 * sql/fn/README): each one whose SHA-256 differs from the one recorded in
 * schema_functions(name, checksum, applied_at), or that has no row, is applied again, in
 * name order, all of them in one transaction that also records the new checksums. Unlike a
 * migration, a changed function file is pending work, not an error; a row naming a file
 * this build does not have means the schema is ahead. The status (readiness and start-up)
 * reads both tables: "pending migrations: ..." first, then "pending function files: ...".
 *
 * Two processes migrating at once are serialised by a session advisory lock; the
 * second one then finds nothing pending.
 */
#include "db/migrate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "core/embed.h"
#include "core/hex.h"
#include "db/db.h"

/* pg_advisory_lock key: "motcuaMG" as a big-endian 64-bit integer. */
#define MIGRATE_LOCK_KEY "7885083493245552967"

#define COPY_DIRECTIVE "-- motcua:copy "
#define SUPERSEDES_DIRECTIVE "-- motcua:supersedes "
#define AFTER_FN_DIRECTIVE "-- motcua:after-functions"

#define FN_PREFIX "fn/"

/* Function files appear as "fn/<file>" next to the migrations (schema_functions keeps the
   file name alone). */
const char MIGRATE_STATUS_SQL[] =
    "SELECT name, checksum FROM schema_migrations UNION ALL "
    "SELECT 'fn/' || name, checksum FROM schema_functions ORDER BY 1";

/* A database migrated by a build without function files has no schema_functions yet. */
static const char STATUS_NO_FN_SQL[] = "SELECT name, checksum FROM schema_migrations ORDER BY 1";

static const char CREATE_TABLE_SQL[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " name text PRIMARY KEY,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static const char CREATE_FN_TABLE_SQL[] =
    "CREATE TABLE IF NOT EXISTS schema_functions ("
    " name text PRIMARY KEY,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static const char RECORD_FN_SQL[] =
    "INSERT INTO schema_functions (name, checksum) VALUES ($1, $2) ON CONFLICT (name) "
    "DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()";

/* Migration names: three digits, '_', a name, ".sql". */
static int
is_migration(const char *name)
{
    size_t n = strlen(name);

    return n > 8 && isdigit((unsigned char)name[0]) && isdigit((unsigned char)name[1]) &&
           isdigit((unsigned char)name[2]) && name[3] == '_' && strcmp(name + n - 4, ".sql") == 0;
}

/* Function file names: "fn/", a name, ".sql". */
static int
is_fn_file(const char *name)
{
    size_t n = strlen(name), pl = strlen(FN_PREFIX);

    return n > pl + 4 && strncmp(name, FN_PREFIX, pl) == 0 && strchr(name + pl, '/') == NULL &&
           strcmp(name + n - 4, ".sql") == 0;
}

/* 1 when migration m holds an AFTER_FN_DIRECTIVE line (alone on it, trailing blanks aside). */
static int
is_after_functions(const struct embed_file *m)
{
    const char *p = (const char *)m->data;
    const char *end = p + m->len;
    size_t dl = strlen(AFTER_FN_DIRECTIVE);

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol != NULL ? eol : end;
        const char *q = p + dl;

        if ((size_t)(le - p) >= dl && strncmp(p, AFTER_FN_DIRECTIVE, dl) == 0) {
            while (q < le && isspace((unsigned char)*q))
                q++;
            if (q == le)
                return 1;
        }
        p = eol != NULL ? eol + 1 : end;
    }
    return 0;
}

static const struct embed_file *
find_file(const struct embed_file *files, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(files[i].name, name) == 0)
            return &files[i];
    return NULL;
}

static int
cmp_file_ptr(const void *a, const void *b)
{
    const struct embed_file *const *x = a;
    const struct embed_file *const *y = b;

    return strcmp((*x)->name, (*y)->name);
}

/* The migrations (fn = 0) or the function files (fn = 1) of a file set, sorted by name;
   *count set. Caller frees. */
static const struct embed_file **
list_files(const struct embed_file *files, size_t n, int fn, size_t *count)
{
    const struct embed_file **v = xcalloc(n + 1, sizeof(*v));
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (files[i].name != NULL && (fn ? is_fn_file(files[i].name) : is_migration(files[i].name)))
            v[k++] = &files[i];
    qsort(v, k, sizeof(*v), cmp_file_ptr);
    *count = k;
    return v;
}

/* One parsed directive: the COPY target text and the data file name, as spans of the
   migration text. */
struct directive {
    const char *line;     /* start of the directive line */
    const char *line_end; /* after its newline (or end of text) */
    char target[256];     /* "calendar_day(day, working, reason, note)" */
    char file[128];
};

/*
 * Finds the next directive at or after s. Returns 1 found, 0 none, -1 malformed
 * (detail in e). The target may hold only identifier characters, '.', ',', '(', ')'
 * and spaces: it is pasted into COPY, so nothing else is accepted even from our own
 * files.
 */
static int
next_directive(const char *s, const char *end, struct directive *d, const char *mname,
               struct mc_err *e)
{
    const char *p = s;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol != NULL ? eol : end;
        size_t plen = strlen(COPY_DIRECTIVE);

        if ((size_t)(le - p) > plen && strncmp(p, COPY_DIRECTIVE, plen) == 0) {
            const char *body = p + plen;
            const char *from = NULL;
            const char *q;
            size_t tl, fl;

            for (q = body; q + 6 <= le; q++)
                if (strncasecmp(q, " FROM ", 6) == 0)
                    from = q;
            if (from == NULL)
                return err_set(e, ERR_SCHEMA_MISMATCH, "%s: copy directive without FROM", mname);
            tl = (size_t)(from - body);
            q = from + 6;
            while (q < le && *q == ' ')
                q++;
            fl = (size_t)(le - q);
            while (fl > 0 && isspace((unsigned char)q[fl - 1]))
                fl--;
            if (tl == 0 || tl >= sizeof(d->target) || fl == 0 || fl >= sizeof(d->file))
                return err_set(e, ERR_SCHEMA_MISMATCH, "%s: malformed copy directive", mname);
            for (size_t i = 0; i < tl; i++)
                if (!isalnum((unsigned char)body[i]) && strchr("_.,() ", body[i]) == NULL)
                    return err_set(e, ERR_SCHEMA_MISMATCH, "%s: bad copy target", mname);
            memcpy(d->target, body, tl);
            d->target[tl] = '\0';
            memcpy(d->file, q, fl);
            d->file[fl] = '\0';
            d->line = p;
            d->line_end = eol != NULL ? eol + 1 : end;
            return 1;
        }
        p = eol != NULL ? eol + 1 : end;
    }
    return 0;
}

/* SHA-256 hex of a function file's text. */
static int
text_checksum(const struct embed_file *m, char hex[65], struct mc_err *e)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(m->data, m->len, md, &mdlen, EVP_sha256(), NULL) != 1)
        return err_set(e, ERR_INTERNAL, "sha256 unavailable");
    hex_encode(md, mdlen, hex);
    return 0;
}

/* SHA-256 hex of the migration and the data files of its directives. */
static int
file_checksum(const struct embed_file *m, const struct embed_file *files, size_t n,
              char hex[65], struct mc_err *e)
{
    const char *text = (const char *)m->data;
    const char *end = text + m->len;
    const char *p = text;
    struct directive d;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = -1;
    int f;

    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, m->data, m->len) != 1) {
        err_set(e, ERR_INTERNAL, "sha256 unavailable");
        goto out;
    }
    while ((f = next_directive(p, end, &d, m->name, e)) == 1) {
        const struct embed_file *df = find_file(files, n, d.file);

        if (df == NULL) {
            err_set(e, ERR_SCHEMA_MISMATCH, "%s: data file %s is not embedded", m->name, d.file);
            goto out;
        }
        if (EVP_DigestUpdate(ctx, df->data, df->len) != 1) {
            err_set(e, ERR_INTERNAL, "sha256 failed");
            goto out;
        }
        p = d.line_end;
    }
    if (f < 0)
        goto out;
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
        err_set(e, ERR_INTERNAL, "sha256 failed");
        goto out;
    }
    hex_encode(md, mdlen, hex);
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* 1 when a migration of the set declares that `name` applied with checksum `hex` was
   superseded by it (SUPERSEDES_DIRECTIVE lines: "<name> <hex>"). */
static int
superseded(const struct embed_file *files, size_t n, const char *name, const char *hex)
{
    size_t plen = strlen(SUPERSEDES_DIRECTIVE), nl = strlen(name), hl = strlen(hex);

    if (hl != 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char *p, *end;

        if (files[i].name == NULL || !is_migration(files[i].name))
            continue;
        p = (const char *)files[i].data;
        end = p + files[i].len;
        while (p < end) {
            const char *eol = memchr(p, '\n', (size_t)(end - p));
            const char *le = eol != NULL ? eol : end;
            const char *q = p + plen;

            if ((size_t)(le - p) >= plen + nl + 1 + hl &&
                strncmp(p, SUPERSEDES_DIRECTIVE, plen) == 0 && strncmp(q, name, nl) == 0 &&
                q[nl] == ' ' && strncmp(q + nl + 1, hex, hl) == 0 &&
                (q + nl + 1 + hl == le || isspace((unsigned char)q[nl + 1 + hl])))
                return 1;
            p = eol != NULL ? eol + 1 : end;
        }
    }
    return 0;
}

/* The checksum recorded for `name` among the status rows, or NULL. */
static const char *
recorded(const PGresult *res, const char *name)
{
    for (int r = 0; r < PQntuples(res); r++)
        if (strcmp(db_val(res, r, 0), name) == 0)
            return db_val(res, r, 1);
    return NULL;
}

/* Each recorded row against the file set: -1 (e names the file) when one names a file this
   build does not have, or a migration changed after it was applied; 0 otherwise. A changed
   function file is not checked here: it is pending (fn_pending). */
static int
check_recorded(const PGresult *res, const struct embed_file *files, size_t n, struct mc_err *e)
{
    char hex[65];

    for (int r = 0; r < PQntuples(res); r++) {
        const char *name = db_val(res, r, 0);
        const char *sum = db_val(res, r, 1);
        const struct embed_file *f = find_file(files, n, name);

        if (f == NULL || (!is_migration(name) && !is_fn_file(name)))
            return err_set(e, ERR_SCHEMA_MISMATCH,
                           "database schema is ahead of this build: %s is not known", name);
        if (is_fn_file(name))
            continue;
        if (file_checksum(f, files, n, hex, e) != 0)
            return -1;
        if (strcmp(hex, sum) != 0 && !superseded(files, n, name, sum))
            return err_set(e, ERR_SCHEMA_MISMATCH, "migration %s changed after it was applied",
                           name);
    }
    return 0;
}

/* 1 when function file f has no row or one with another checksum, 0 when applied as it is,
   -1 on error. */
static int
fn_pending(const PGresult *res, const struct embed_file *f, struct mc_err *e)
{
    const char *sum = recorded(res, f->name);
    char hex[65];

    if (sum == NULL)
        return 1;
    if (text_checksum(f, hex, e) != 0)
        return -1;
    return strcmp(hex, sum) != 0;
}

/* Appends `len` bytes of name to the ", "-separated list (cap bytes); a list that does not
   fit ends with "...". */
static void
list_add(char *list, size_t cap, size_t *used, const char *name, int len)
{
    int w = snprintf(list + *used, cap - *used, "%s%.*s", *used > 0 ? ", " : "", len, name);

    if (w < 0 || (size_t)w >= cap - *used)
        snprintf(list + cap - 4, 4, "...");
    else
        *used += (size_t)w;
}

/* The pending migrations ("011_dossier", without ".sql") or function files
   ("fn/20_reports.sql") into list; returns how many, or -1. */
static int
pending_list(const PGresult *res, const struct embed_file *files, size_t n, int fn, char *list,
             size_t cap, struct mc_err *e)
{
    size_t nm = 0, used = 0;
    const struct embed_file **ms = list_files(files, n, fn, &nm);
    int count = 0;

    list[0] = '\0';
    for (size_t i = 0; i < nm; i++) {
        int p = fn ? fn_pending(res, ms[i], e) : recorded(res, ms[i]->name) == NULL;
        int len = (int)strlen(ms[i]->name) - (fn ? 0 : 4);

        if (p < 0) {
            count = -1;
            break;
        }
        if (p == 0)
            continue;
        list_add(list, cap, &used, ms[i]->name, len);
        count++;
    }
    free(ms);
    return count;
}

/* Compares recorded rows (name, checksum; function files as "fn/<file>") with the file
   set: 0 at head, 1 pending ("pending migrations: 011_x, ..." before "pending function
   files: fn/20_reports.sql, ..."), -1 ahead or changed (e names the file). */
static int
compare(const PGresult *res, const struct embed_file *files, size_t n, struct mc_err *e)
{
    /* what fits in e->detail after "pending function files: " (a longer list ends "...") */
    char list[sizeof(e->detail) - sizeof("pending function files: ") + 1];
    int np;

    if (check_recorded(res, files, n, e) != 0)
        return -1;
    np = pending_list(res, files, n, 0, list, sizeof(list), e);
    if (np > 0)
        err_set(e, ERR_SCHEMA_MISMATCH, "pending migrations: %s", list);
    if (np != 0)
        return np > 0 ? 1 : -1;
    np = pending_list(res, files, n, 1, list, sizeof(list), e);
    if (np > 0)
        err_set(e, ERR_SCHEMA_MISMATCH, "pending function files: %s", list);
    return np > 0 ? 1 : np;
}

int
migrate_status_files(const PGresult *res, const struct embed_file *files, size_t n,
                     struct mc_err *e)
{
    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQnfields(res) != 2)
        return err_set(e, ERR_SCHEMA_MISMATCH, "schema_migrations unreadable");
    return compare(res, files, n, e) == 0 ? 0 : -1;
}

int
migrate_status_ok(const PGresult *res, struct mc_err *e)
{
    return migrate_status_files(res, EMBED_FILES, EMBED_NFILES, e);
}

/* PostgreSQL's primary message, first line, for a detail. */
static int
pg_fail(struct mc_err *e, enum err_code code, const char *what, const char *name,
        const PGresult *r, PGconn *c)
{
    const char *m = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *st = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    if (m == NULL)
        m = PQerrorMessage(c);
    return err_set(e, code, "%s%s%s: %.*s%s%s%s", name != NULL ? name : "", name ? " " : "",
                   what, (int)strcspn(m, "\n"), m, st ? " (" : "", st ? st : "", st ? ")" : "");
}

/* Runs one command, expecting `want`; 0 or -1 with e filled. */
static int
exec_ok(PGconn *c, const char *sql, int nparams, const char *const *vals, ExecStatusType want,
        const char *name, struct mc_err *e)
{
    PGresult *r = nparams > 0 ? PQexecParams(c, sql, nparams, NULL, vals, NULL, NULL, 0)
                              : PQexec(c, sql);
    int rc = 0;

    if (r == NULL || PQresultStatus(r) != want)
        rc = pg_fail(e, ERR_DB_QUERY, "failed", name, r, c);
    PQclear(r);
    return rc;
}

/* Runs a span of SQL text (maybe several statements; maybe only comments). */
static int
exec_span(PGconn *c, const char *s, const char *end, const char *name, struct mc_err *e)
{
    char *sql = xmalloc((size_t)(end - s) + 1);
    PGresult *r;
    ExecStatusType st;
    int rc = 0;

    memcpy(sql, s, (size_t)(end - s));
    sql[end - s] = '\0';
    r = PQexec(c, sql);
    free(sql);
    st = PQresultStatus(r);
    if (r == NULL || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY))
        rc = pg_fail(e, ERR_DB_QUERY, "failed", name, r, c);
    PQclear(r);
    return rc;
}

/* COPY target FROM STDIN with the data file's lines except '#' comments and blanks. */
static int
copy_data(PGconn *c, const struct directive *d, const struct embed_file *df, const char *name,
          struct mc_err *e)
{
    const char *p = (const char *)df->data;
    const char *end = p + df->len;
    char *sql = xmalloc(strlen(d->target) + 32);
    PGresult *r;
    int rc = 0;

    sprintf(sql, "COPY %s FROM STDIN", d->target);
    r = PQexec(c, sql);
    free(sql);
    if (r == NULL || PQresultStatus(r) != PGRES_COPY_IN) {
        rc = pg_fail(e, ERR_DB_QUERY, "copy failed", name, r, c);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    while (p < end && rc == 0) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol != NULL ? eol : end;
        size_t len = (size_t)(le - p);
        const char *q = p;

        if (len > 0 && p[len - 1] == '\r')
            len--;
        while (q < p + len && (*q == ' ' || *q == '\t'))
            q++;
        if (q < p + len && *p != '#') {
            if (PQputCopyData(c, p, (int)len) != 1 || PQputCopyData(c, "\n", 1) != 1)
                rc = pg_fail(e, ERR_DB_QUERY, "copy failed", name, NULL, c);
        }
        p = eol != NULL ? eol + 1 : end;
    }
    if (PQputCopyEnd(c, rc == 0 ? NULL : "aborted") != 1 && rc == 0)
        rc = pg_fail(e, ERR_DB_QUERY, "copy failed", name, NULL, c);
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0)
            rc = pg_fail(e, ERR_DB_QUERY, "copy failed", name, r, c);
        PQclear(r);
    }
    return rc;
}

/* The migration with its COPY directives and its schema_migrations row, in the caller's
   transaction. */
static int
run_migration(PGconn *c, const struct embed_file *m, const struct embed_file *files, size_t n,
              struct mc_err *e)
{
    const char *text = (const char *)m->data;
    const char *end = text + m->len;
    const char *p = text;
    const char *vals[2] = {m->name, NULL};
    char hex[65];
    struct directive d;
    int f;

    if (file_checksum(m, files, n, hex, e) != 0)
        return -1;
    vals[1] = hex;
    while ((f = next_directive(p, end, &d, m->name, e)) == 1) {
        const struct embed_file *df = find_file(files, n, d.file);

        if (df == NULL)
            return err_set(e, ERR_SCHEMA_MISMATCH, "%s: data file %s is not embedded", m->name,
                           d.file);
        if (exec_span(c, p, d.line, m->name, e) != 0 || copy_data(c, &d, df, m->name, e) != 0)
            return -1;
        p = d.line_end;
    }
    if (f < 0 || exec_span(c, p, end, m->name, e) != 0)
        return -1;
    return exec_ok(c, "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", 2, vals,
                   PGRES_COMMAND_OK, m->name, e);
}

/* BEGIN; the migration (run_migration); COMMIT. */
static int
apply_one(PGconn *c, const struct embed_file *m, const struct embed_file *files, size_t n,
          struct mc_err *e)
{
    if (exec_ok(c, "BEGIN", 0, NULL, PGRES_COMMAND_OK, m->name, e) != 0)
        return -1;
    if (run_migration(c, m, files, n, e) != 0 ||
        exec_ok(c, "COMMIT", 0, NULL, PGRES_COMMAND_OK, m->name, e) != 0) {
        PQclear(PQexec(c, "ROLLBACK"));
        return -1;
    }
    return 0;
}

static int
lock(PGconn *c, struct mc_err *e)
{
    const char *v[1] = {MIGRATE_LOCK_KEY};

    return exec_ok(c, "SELECT pg_advisory_lock($1::bigint)", 1, v, PGRES_TUPLES_OK, NULL, e);
}

static void
unlock(PGconn *c)
{
    const char *v[1] = {MIGRATE_LOCK_KEY};

    PQclear(PQexecParams(c, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, v, NULL, NULL, 0));
}

/* The pending numbered migrations, each in its own transaction, except those marked
   AFTER_FN_DIRECTIVE (apply_functions runs them). */
static int
apply_migrations(PGconn *c, const PGresult *res, const struct embed_file *files, size_t n,
                 void (*on_applied)(const char *name, void *arg), void *arg, struct mc_err *e)
{
    size_t nm = 0;
    const struct embed_file **ms = list_files(files, n, 0, &nm);
    int rc = 0;

    for (size_t i = 0; i < nm && rc == 0; i++) {
        if (recorded(res, ms[i]->name) != NULL || is_after_functions(ms[i]))
            continue;
        if (apply_one(c, ms[i], files, n, e) != 0)
            rc = -1;
        else if (on_applied != NULL)
            on_applied(ms[i]->name, arg);
    }
    free(ms);
    return rc;
}

/* Into v (cap nf + nm): the changed or new function files in name order, then the pending
   migrations marked AFTER_FN_DIRECTIVE in name order; returns how many, or -1. */
static int
after_work(const PGresult *res, const struct embed_file *files, size_t n,
           const struct embed_file **v, struct mc_err *e)
{
    size_t nf = 0, nm = 0;
    const struct embed_file **fs = list_files(files, n, 1, &nf);
    const struct embed_file **ms = list_files(files, n, 0, &nm);
    int k = 0;

    for (size_t i = 0; i < nf && k >= 0; i++) {
        int p = fn_pending(res, fs[i], e);

        if (p < 0)
            k = -1;
        else if (p > 0)
            v[k++] = fs[i];
    }
    for (size_t i = 0; i < nm && k >= 0; i++)
        if (recorded(res, ms[i]->name) == NULL && is_after_functions(ms[i]))
            v[k++] = ms[i];
    free(fs);
    free(ms);
    return k;
}

/* The changed or new function files, in name order, then the pending migrations marked
   AFTER_FN_DIRECTIVE, in one transaction that records the files' checksums in
   schema_functions and the migrations in schema_migrations; on_applied is called for each
   once it is committed. */
static int
apply_functions(PGconn *c, const PGresult *res, const struct embed_file *files, size_t n,
                void (*on_applied)(const char *name, void *arg), void *arg, struct mc_err *e)
{
    const struct embed_file **v = xcalloc(n + 1, sizeof(*v));
    int k = after_work(res, files, n, v, e);
    int rc = k < 0 ? -1 : 0;

    if (rc == 0 && k > 0)
        rc = exec_ok(c, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL, e);
    for (int i = 0; i < k && rc == 0; i++) {
        const char *text = (const char *)v[i]->data;
        const char *vals[2] = {v[i]->name + strlen(FN_PREFIX), NULL};
        char hex[65];

        vals[1] = hex;
        if (!is_fn_file(v[i]->name))
            rc = run_migration(c, v[i], files, n, e);
        else if (text_checksum(v[i], hex, e) != 0 ||
                 exec_span(c, text, text + v[i]->len, v[i]->name, e) != 0 ||
                 exec_ok(c, RECORD_FN_SQL, 2, vals, PGRES_COMMAND_OK, v[i]->name, e) != 0)
            rc = -1;
    }
    if (rc == 0 && k > 0)
        rc = exec_ok(c, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL, e);
    if (rc != 0 && k > 0)
        PQclear(PQexec(c, "ROLLBACK"));
    for (int i = 0; i < k && rc == 0 && on_applied != NULL; i++)
        on_applied(v[i]->name, arg);
    free(v);
    return rc;
}

int
migrate_apply_files(PGconn *c, const struct embed_file *files, size_t n,
                    void (*on_applied)(const char *name, void *arg), void *arg,
                    struct mc_err *e)
{
    PGresult *res = NULL;
    int rc = -1;

    if (lock(c, e) != 0)
        return -1;
    if (exec_ok(c, CREATE_TABLE_SQL, 0, NULL, PGRES_COMMAND_OK, NULL, e) != 0 ||
        exec_ok(c, CREATE_FN_TABLE_SQL, 0, NULL, PGRES_COMMAND_OK, NULL, e) != 0)
        goto out;
    res = PQexec(c, MIGRATE_STATUS_SQL);
    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        pg_fail(e, ERR_DB_QUERY, "schema_migrations unreadable", NULL, res, c);
        goto out;
    }
    /* Refuse to build on a schema this build does not know or whose applied files
       changed: only "pending" is something apply can fix. */
    rc = compare(res, files, n, e);
    if (rc <= 0)
        goto out;
    err_clear(e);
    rc = apply_migrations(c, res, files, n, on_applied, arg, e);
    if (rc == 0)
        rc = apply_functions(c, res, files, n, on_applied, arg, e);
out:
    PQclear(res);
    unlock(c);
    return rc;
}

/* The status rows as MIGRATE_STATUS_SQL returns them, from whichever of the two tables
   exist (none: everything is pending, and the comparison says so). */
static PGresult *
read_status(PGconn *c, struct mc_err *e)
{
    PGresult *res = PQexec(c, "SELECT to_regclass('schema_migrations') IS NOT NULL, "
                              "to_regclass('schema_functions') IS NOT NULL");
    const char *sql = "SELECT NULL::text AS name, NULL::text AS checksum WHERE false";

    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        pg_fail(e, ERR_DB_QUERY, "schema check failed", NULL, res, c);
        PQclear(res);
        return NULL;
    }
    if (strcmp(db_val(res, 0, 0), "t") == 0)
        sql = strcmp(db_val(res, 0, 1), "t") == 0 ? MIGRATE_STATUS_SQL : STATUS_NO_FN_SQL;
    PQclear(res);
    res = PQexec(c, sql);
    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        pg_fail(e, ERR_DB_QUERY, "schema_migrations unreadable", NULL, res, c);
        PQclear(res);
        return NULL;
    }
    return res;
}

int
migrate_check_files(PGconn *c, const struct embed_file *files, size_t n, struct mc_err *e)
{
    PGresult *res = read_status(c, e);
    int rc;

    if (res == NULL)
        return -1;
    rc = compare(res, files, n, e);
    PQclear(res);
    return rc == 0 ? 0 : -1;
}

int
migrate_apply(PGconn *c, struct mc_err *e)
{
    return migrate_apply_files(c, EMBED_FILES, EMBED_NFILES, NULL, NULL, e);
}

int
migrate_check(PGconn *c, struct mc_err *e)
{
    return migrate_check_files(c, EMBED_FILES, EMBED_NFILES, e);
}

static void
print_applied(const char *name, void *arg)
{
    int *count = arg;

    (*count)++;
    printf("Đã áp dụng: %s\n", name);
    fflush(stdout);
}

int
cli_migrate(int argc, char **argv)
{
    const char *url = getenv("DATABASE_URL");
    int check = 0;
    int applied = 0;
    struct mc_err e;
    PGconn *c;
    int rc;

    err_clear(&e);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) {
            check = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("Cách dùng: motcua migrate [--check]\n"
                   "  Áp dụng các tệp sql/NNN_*.sql chưa áp dụng, rồi các tệp hàm\n"
                   "  sql/fn/*.sql mới hoặc đã thay đổi (DATABASE_URL, mặc định\n"
                   "  \"dbname=motcua\"); --check chỉ kiểm tra lược đồ.\n");
            return 0;
        } else if (strcmp(argv[i], "migrate") != 0) {
            fprintf(stderr, "Tham số không hợp lệ: %s\n", argv[i]);
            return 2;
        }
    }
    if (url == NULL || url[0] == '\0')
        url = "dbname=motcua";
    c = db_connect_blocking(url, &e);
    if (c == NULL) {
        fprintf(stderr, "Lỗi: %s: %s\n", err_msg_vi(e.code), e.detail);
        return 1;
    }
    if (check)
        rc = migrate_check(c, &e);
    else
        rc = migrate_apply_files(c, EMBED_FILES, EMBED_NFILES, print_applied, &applied, &e);
    PQfinish(c);
    if (rc != 0) {
        fprintf(stderr, "Lỗi: %s: %s\n", err_msg_vi(e.code), e.detail);
        return 1;
    }
    if (check)
        printf("Lược đồ cơ sở dữ liệu đã ở phiên bản mới nhất.\n");
    else if (applied == 0)
        printf("Không có tệp di chuyển nào cần áp dụng; lược đồ đã ở phiên bản mới nhất.\n");
    else
        printf("Đã áp dụng %d tệp di chuyển; lược đồ đã ở phiên bản mới nhất.\n", applied);
    return 0;
}
