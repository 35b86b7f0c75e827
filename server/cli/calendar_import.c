/*
 * calendar_import.c - `motcua calendar import FILE [--dry-run] [--override] [--format
 * tsv|json] [--year YYYY] [--json]`: a year's announcement loaded into the database of
 * DATABASE_URL (issue 15 part 2; docs/domain.md §4.4 "Adding a year").
 *
 * The same evaluation as POST /api/v1/calendar/import (api/calendar/calendar_import.c): the whole
 * file is checked, the diff against the loaded rows and the open dossiers whose appointment
 * or legal due would move are printed, then (without --dry-run) everything is written in
 * ONE transaction: calendar_day rows, the moved dossiers' calendar_reprojected events and
 * projections, one audit_log row (detail.via "cli"), and a NOTIFY on motcua_calendar so
 * that every running server reloads its calendar at commit. The transaction locks
 * calendar_day (SHARE ROW EXCLUSIVE) from its first read, so nothing changes the rows
 * between the check and the write. Blocking libpq: no event loop here.
 *
 * Output: one line per refusal ("refused<TAB>day<TAB>code<TAB>detail"), per row of the diff
 * ("added|changed|unchanged<TAB>day<TAB>before<TAB>after"), per moved dossier
 * ("moved<TAB>code<TAB>appointment before -> after<TAB>legal due before -> after"), then a
 * summary; with --json the API's response body instead. Exit: 0 done (or a clean dry run),
 * 1 refused or failed (nothing written), 2 bad arguments.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "api/calendar/calendar_int.h"
#include "api/calendar/calendar.h"
#include "core/arena.h"
#include "core/config.h"
#include "db/db.h"
#include "domain/cal.h"

#define FILE_MAX (256 * 1024)

static const char USAGE[] =
    "Cách dùng / usage:\n"
    "  motcua calendar import FILE [--dry-run] [--override] [--format tsv|json]\n"
    "                         [--year YYYY] [--json]\n"
    "  FILE: thông báo lịch nghỉ của một năm (định dạng sql/calendar_vn.tsv, hoặc JSON\n"
    "        [{\"day\",\"working\",\"reason\",\"note\"}]) / a year's announcement.\n"
    "  --dry-run   chỉ kiểm tra và so sánh / check and diff only, write nothing\n"
    "  --override  cho phép khác quy tắc Bộ luật Lao động / accept departures from the\n"
    "              Labour Code rules (holiday worked, make-up not on a Saturday, ...)\n"
    "  DATABASE_URL: chuỗi kết nối PostgreSQL / PostgreSQL connection string.\n";

static int
usage_error(const char *vi, const char *en, const char *arg)
{
    fprintf(stderr, "motcua calendar import: %s%s%s / %s%s%s\n", vi, arg ? ": " : "",
            arg ? arg : "", en, arg ? ": " : "", arg ? arg : "");
    fputs(USAGE, stderr);
    return 2;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (f == NULL)
        return NULL;
    buf = xmalloc(FILE_MAX + 2);
    n = fread(buf, 1, FILE_MAX + 1, f);
    if (ferror(f) || n > FILE_MAX) {
        errno = ferror(f) ? EIO : EFBIG;
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* One statement; the result on success (caller clears), NULL after printing the error. */
static PGresult *
run(PGconn *c, const char *sql, int n, const char *const *v)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    const char *state;

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (state != NULL && strcmp(state, "23505") == 0)
        fputs("motcua calendar import: một hồ sơ vừa thay đổi, hãy chạy lại / a dossier changed "
              "meanwhile, run again\n",
              stderr);
    else
        fprintf(stderr, "motcua calendar import: lỗi cơ sở dữ liệu / database error: %s",
                PQerrorMessage(c));
    PQclear(r);
    return NULL;
}

static const char *
jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : "-";
}

static void
print_state(json_t *s)
{
    if (!json_is_object(s)) {
        fputs("-", stdout);
        return;
    }
    printf("%s %s", json_is_true(json_object_get(s, "working")) ? "work" : "off",
           jstr(s, "reason"));
    if (json_object_get(s, "source") != NULL)
        printf(" (%s)", jstr(s, "source"));
}

static void
print_text(json_t *res, int applied)
{
    size_t i;
    json_t *it, *sum = json_object_get(res, "summary");

    json_array_foreach(json_object_get(res, "refusals"), i, it)
        printf("%s\t%s\t%s\t%s\n",
               json_is_true(json_object_get(it, "overridable")) &&
                       json_is_true(json_object_get(res, "override"))
                   ? "overridden"
                   : "refused",
               jstr(it, "day"), jstr(it, "code"), jstr(it, "detail"));
    json_array_foreach(json_object_get(res, "diff"), i, it)
    {
        printf("%s\t%s\t", jstr(it, "kind"), jstr(it, "day"));
        print_state(json_object_get(it, "before"));
        putchar('\t');
        print_state(json_object_get(it, "after"));
        putchar('\n');
    }
    json_array_foreach(json_object_get(res, "moved"), i, it) printf(
        "moved\t%s\t%s -> %s\t%s -> %s\n", jstr(it, "code"), jstr(it, "appointment_before"),
        jstr(it, "appointment_after"), jstr(it, "legal_due_before"), jstr(it, "legal_due_after"));
    if (sum != NULL)
        printf("Năm %lld: thêm %lld, sửa %lld, giữ nguyên %lld, không nhắc tới %lld; hồ sơ đang "
               "mở dời hạn: %lld; %s\n",
               (long long)json_integer_value(json_object_get(res, "year")),
               (long long)json_integer_value(json_object_get(sum, "added")),
               (long long)json_integer_value(json_object_get(sum, "changed")),
               (long long)json_integer_value(json_object_get(sum, "unchanged")),
               (long long)json_integer_value(json_object_get(sum, "kept")),
               (long long)json_integer_value(json_object_get(sum, "moved")),
               applied ? "đã áp dụng / applied" : "chưa ghi (--dry-run) / not written");
}

/* The command line of `motcua calendar import`. */
struct import_opts {
    const char *path, *format;
    int dry, override, as_json, year;
};

/* Reads the options into o: -1 to go on, else the exit status (usage errors, --help). */
static int
parse_args(int argc, char **argv, struct import_opts *o)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) {
            o->dry = 1;
        } else if (strcmp(argv[i], "--override") == 0) {
            o->override = 1;
        } else if (strcmp(argv[i], "--json") == 0) {
            o->as_json = 1;
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            o->format = argv[++i];
            if (strcmp(o->format, "tsv") != 0 && strcmp(o->format, "json") != 0)
                return usage_error("định dạng là tsv hoặc json", "format is tsv or json",
                                   o->format);
        } else if (strcmp(argv[i], "--year") == 0 && i + 1 < argc) {
            char *end;
            long y = strtol(argv[++i], &end, 10);

            if (*end != '\0' || y < CAL_MIN_YEAR || y > CAL_MAX_YEAR)
                return usage_error("năm không hợp lệ", "invalid year", argv[i]);
            o->year = (int)y;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(USAGE, stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("tùy chọn không hợp lệ", "unknown option", argv[i]);
        } else if (o->path == NULL) {
            o->path = argv[i];
        } else {
            return usage_error("thừa tham số", "unexpected argument", argv[i]);
        }
    }
    if (o->path == NULL)
        return usage_error("thiếu tên tệp", "missing FILE", NULL);
    if (o->format == NULL) {
        size_t pl = strlen(o->path);

        o->format = pl > 5 && strcmp(o->path + pl - 5, ".json") == 0 ? "json" : "tsv";
    }
    return -1;
}

/* The results a run holds until its end. */
struct import_res {
    PGresult *rows, *fp, *open;
};

/*
 * In one transaction with calendar_day locked: the rows and their fingerprint, the
 * evaluation, the open dossiers it may move. 0, or -1 after a message (or a failed run()).
 */
static int
evaluate_locked(PGconn *conn, const struct config *cfg, struct cimp *c, struct import_res *r)
{
    const char *prov[CAL_ROWS__N] = {[CAL_ROWS_PROVINCE] = cfg->province_code};
    struct mc_err e;
    const char *fingerprint;
    PGresult *t;

    err_clear(&e);
    if ((t = run(conn, "BEGIN", 0, NULL)) == NULL)
        return -1;
    PQclear(t);
    if ((t = run(conn, "LOCK TABLE calendar_day IN SHARE ROW EXCLUSIVE MODE", 0, NULL)) == NULL)
        return -1;
    PQclear(t);
    if ((r->rows = run(conn, CALENDAR_ROWS_SQL, CAL_ROWS__N, prov)) == NULL ||
        (r->fp = run(conn, CIMP_FINGERPRINT_SQL, 0, NULL)) == NULL)
        return -1;
    fingerprint = db_val(r->fp, 0, db_col(r->fp, "fingerprint"));
    if (cimp_evaluate(c, cfg, r->rows, fingerprint, &e) != 0) {
        fprintf(stderr, "motcua calendar import: %s / %s: %s\n", err_msg_vi(e.code),
                err_msg_en(e.code), e.detail);
        return -1;
    }
    if (c->blocking == 0 && c->from <= c->to) {
        const char *win[CIMP_OPEN__N] = {[CIMP_OPEN_FROM] = c->from_text,
                                         [CIMP_OPEN_TO] = c->to_text};

        if ((r->open = run(conn, CIMP_OPEN_SQL, CIMP_OPEN__N, win)) == NULL)
            return -1;
        cimp_moved(c, r->open);
    }
    return 0;
}

/* The apply unit's statements, then COMMIT; -1 when one failed (run() said why). */
static int
write_all(PGconn *conn, struct cimp *c)
{
    struct db_stmt *st = xcalloc(cimp_nstmts(c), sizeof(*st));
    size_t n = cimp_write_stmts(c, NULL, NULL, NULL, NULL, NULL, "import:cli", "cli", st);
    size_t k;
    PGresult *r;

    for (k = 0; k < n; k++) {
        r = run(conn, st[k].sql, st[k].nparams, st[k].values);
        if (r == NULL)
            break;
        PQclear(r);
    }
    free(st);
    if (k < n || (r = run(conn, "COMMIT", 0, NULL)) == NULL)
        return -1;
    PQclear(r);
    return 0;
}

static void
print_result(json_t *res, int as_json, int applied)
{
    if (as_json) {
        json_dumpf(res, stdout, JSON_INDENT(1));
        putchar('\n');
    } else {
        print_text(res, applied);
    }
}

int
cli_calendar_import(int argc, char **argv)
{
    struct import_opts o = {0};
    static struct config cfg;
    struct import_res r = {0};
    struct cimp c;
    struct mc_err e;
    PGconn *conn = NULL;
    char *text;
    size_t len = 0;
    json_t *res = NULL;
    int rc = parse_args(argc, argv, &o);

    if (rc >= 0)
        return rc;
    rc = 1;
    err_clear(&e);
    if (cfg_load(&cfg, &e) != 0) {
        fprintf(stderr, "motcua calendar import: cấu hình không hợp lệ / bad configuration: %s\n",
                e.detail);
        return 2;
    }
    text = slurp(o.path, &len);
    if (text == NULL) {
        fprintf(stderr, "motcua calendar: không đọc được tệp %s / cannot read %s: %s\n", o.path,
                o.path, strerror(errno));
        return 1;
    }
    cimp_init(&c, o.year, o.override);
    if (cimp_parse(&c, o.format, text, len, &e) != 0)
        goto out;
    conn = db_connect_blocking(cfg.database_url, &e);
    if (conn == NULL) {
        fprintf(stderr, "motcua calendar import: không kết nối được / cannot connect: %s\n",
                e.detail);
        goto out;
    }
    if (evaluate_locked(conn, &cfg, &c, &r) != 0)
        goto out;
    if (c.blocking > 0) {
        res = cimp_result(&c, 0);
        print_result(res, o.as_json, 0);
        fprintf(stderr,
                "motcua calendar import: thông báo bị từ chối, không ghi gì / the "
                "announcement is refused, nothing written (%ld)\n",
                c.blocking);
        goto out;
    }
    if (!o.dry && write_all(conn, &c) != 0)
        goto out;
    res = cimp_result(&c, !o.dry);
    print_result(res, o.as_json, !o.dry);
    rc = 0;
out:
    json_decref(res);
    PQclear(r.rows);
    PQclear(r.fp);
    PQclear(r.open);
    if (conn != NULL)
        PQfinish(conn); /* an open transaction rolls back */
    cimp_free(&c);
    free(text);
    return rc;
}
