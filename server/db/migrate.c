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
 * Two processes migrating at once are serialised by a session advisory lock; the
 * second one then finds nothing pending.
 */
#include "db/migrate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/arena.h"
#include "core/embed.h"
#include "core/hex.h"
#include "db/db.h"

/* pg_advisory_lock key: "motcuaMG" as a big-endian 64-bit integer. */
#define MIGRATE_LOCK_KEY "7885083493245552967"

#define COPY_DIRECTIVE "-- motcua:copy "
#define SUPERSEDES_DIRECTIVE "-- motcua:supersedes "

const char MIGRATE_STATUS_SQL[] = "SELECT name, checksum FROM schema_migrations ORDER BY name";

static const char CREATE_TABLE_SQL[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " name text PRIMARY KEY,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

/* Migration names: three digits, '_', a name, ".sql". */
static int
is_migration(const char *name)
{
    size_t n = strlen(name);

    return n > 8 && isdigit((unsigned char)name[0]) && isdigit((unsigned char)name[1]) &&
           isdigit((unsigned char)name[2]) && name[3] == '_' && strcmp(name + n - 4, ".sql") == 0;
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

/* The migrations of a file set, sorted by name; *count set. Caller frees. */
static const struct embed_file **
list_migrations(const struct embed_file *files, size_t n, size_t *count)
{
    const struct embed_file **v = xcalloc(n + 1, sizeof(*v));
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (files[i].name != NULL && is_migration(files[i].name))
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

/* Compares recorded rows (name, checksum) with the file set: 0 at head, 1 pending
   ("pending migrations: 011_x, ..."), -1 ahead or changed (e names the file). */
static int
compare(const PGresult *res, const struct embed_file *files, size_t n, struct mc_err *e)
{
    size_t nm = 0;
    const struct embed_file **ms = list_migrations(files, n, &nm);
    int rows = PQntuples(res);
    int rc = -1;
    char hex[65];
    char list[120] = "";
    size_t used = 0;
    size_t npending = 0;

    for (int r = 0; r < rows; r++) {
        const char *name = db_val(res, r, 0);
        const struct embed_file *f = find_file(files, n, name);

        if (f == NULL || !is_migration(name)) {
            err_set(e, ERR_SCHEMA_MISMATCH,
                    "database schema is ahead of this build: %s is not known", name);
            goto out;
        }
        if (file_checksum(f, files, n, hex, e) != 0)
            goto out;
        if (strcmp(hex, db_val(res, r, 1)) != 0 && !superseded(files, n, name, db_val(res, r, 1))) {
            err_set(e, ERR_SCHEMA_MISMATCH, "migration %s changed after it was applied", name);
            goto out;
        }
    }
    for (size_t i = 0; i < nm; i++) {
        int found = 0;
        int w;

        for (int r = 0; r < rows && !found; r++)
            found = strcmp(db_val(res, r, 0), ms[i]->name) == 0;
        if (found)
            continue;
        /* "011_dossier" without ".sql"; a long list ends with "..." */
        w = snprintf(list + used, sizeof(list) - used, "%s%.*s", npending > 0 ? ", " : "",
                     (int)strlen(ms[i]->name) - 4, ms[i]->name);
        if (w < 0 || (size_t)w >= sizeof(list) - used)
            snprintf(list + sizeof(list) - 4, 4, "...");
        else
            used += (size_t)w;
        npending++;
    }
    if (npending > 0) {
        err_set(e, ERR_SCHEMA_MISMATCH, "pending migrations: %s", list);
        rc = 1;
        goto out;
    }
    rc = 0;
out:
    free(ms);
    return rc;
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

/* BEGIN; the migration with its COPY directives; INSERT schema_migrations; COMMIT. */
static int
apply_one(PGconn *c, const struct embed_file *m, const struct embed_file *files, size_t n,
          const char *checksum, struct mc_err *e)
{
    const char *text = (const char *)m->data;
    const char *end = text + m->len;
    const char *p = text;
    const char *vals[2] = {m->name, checksum};
    struct directive d;
    int f;

    if (exec_ok(c, "BEGIN", 0, NULL, PGRES_COMMAND_OK, m->name, e) != 0)
        return -1;
    while ((f = next_directive(p, end, &d, m->name, e)) == 1) {
        const struct embed_file *df = find_file(files, n, d.file);

        if (df == NULL) {
            err_set(e, ERR_SCHEMA_MISMATCH, "%s: data file %s is not embedded", m->name, d.file);
            goto fail;
        }
        if (exec_span(c, p, d.line, m->name, e) != 0 || copy_data(c, &d, df, m->name, e) != 0)
            goto fail;
        p = d.line_end;
    }
    if (f < 0 || exec_span(c, p, end, m->name, e) != 0)
        goto fail;
    if (exec_ok(c, "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", 2, vals,
                PGRES_COMMAND_OK, m->name, e) != 0 ||
        exec_ok(c, "COMMIT", 0, NULL, PGRES_COMMAND_OK, m->name, e) != 0)
        goto fail;
    return 0;
fail:
    PQclear(PQexec(c, "ROLLBACK"));
    return -1;
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

int
migrate_apply_files(PGconn *c, const struct embed_file *files, size_t n,
                    void (*on_applied)(const char *name, void *arg), void *arg,
                    struct mc_err *e)
{
    size_t nm = 0;
    const struct embed_file **ms = NULL;
    PGresult *res = NULL;
    int rc = -1;

    if (lock(c, e) != 0)
        return -1;
    if (exec_ok(c, CREATE_TABLE_SQL, 0, NULL, PGRES_COMMAND_OK, NULL, e) != 0)
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
    rc = -1;
    err_clear(e);
    ms = list_migrations(files, n, &nm);
    for (size_t i = 0; i < nm; i++) {
        int done = 0;
        char hex[65];

        for (int r = 0; r < PQntuples(res) && !done; r++)
            done = strcmp(db_val(res, r, 0), ms[i]->name) == 0;
        if (done)
            continue;
        if (file_checksum(ms[i], files, n, hex, e) != 0 ||
            apply_one(c, ms[i], files, n, hex, e) != 0)
            goto out;
        if (on_applied != NULL)
            on_applied(ms[i]->name, arg);
    }
    rc = 0;
out:
    PQclear(res);
    free(ms);
    unlock(c);
    return rc;
}

int
migrate_check_files(PGconn *c, const struct embed_file *files, size_t n, struct mc_err *e)
{
    PGresult *res;
    int rc;

    res = PQexec(c, "SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = pg_fail(e, ERR_DB_QUERY, "schema check failed", NULL, res, c);
        PQclear(res);
        return rc;
    }
    rc = strcmp(db_val(res, 0, 0), "t") == 0;
    PQclear(res);
    if (rc)
        res = PQexec(c, MIGRATE_STATUS_SQL);
    else /* no table yet: everything is pending; the same comparison says so */
        res = PQexec(c, "SELECT NULL::text AS name, NULL::text AS checksum WHERE false");
    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = pg_fail(e, ERR_DB_QUERY, "schema_migrations unreadable", NULL, res, c);
        PQclear(res);
        return rc;
    }
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
                   "  Áp dụng các tệp sql/NNN_*.sql chưa áp dụng (DATABASE_URL,\n"
                   "  mặc định \"dbname=motcua\"); --check chỉ kiểm tra lược đồ.\n");
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
