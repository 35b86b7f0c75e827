/*
 * calendar.c - `motcua calendar ...`: prints the lunar date of a day and the days off
 * and worked Saturdays of a year, from the rules of server/domain/wcal.c and the announced
 * schedule: by default the one built into the binary (sql/calendar_vn.tsv, as the server
 * loads it), or --data FILE instead, or none with --rules-only (docs/domain.md "Command
 * line"). `due` and `classify` are
 * dispatched to server/cli/calendar_due.c, `import` to server/cli/calendar_import.c.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/embed.h"
#include "core/err.h"
#include "domain/cal.h"
#include "domain/wcal.h"

/* A data file larger than this is not a calendar. */
#define DATA_MAX (4 * 1024 * 1024)

/* The announced schedule built into the binary (core/embed.h), the server's default too. */
#define EMBEDDED_SCHEDULE "calendar_vn.tsv"

static const char USAGE[] =
    "Cách dùng / usage:\n"
    "  motcua calendar lunar YYYY-MM-DD [--data FILE | --rules-only] [--no-makeup-saturdays]\n"
    "  motcua calendar days YYYY [--data FILE | --rules-only] [--no-makeup-saturdays]\n"
    "  motcua calendar due ...      (xem / see: motcua calendar due --help)\n"
    "  motcua calendar classify ... (xem / see: motcua calendar classify --help)\n"
    "  motcua calendar import FILE [--dry-run] [--override] (xem / see: --help)\n"
    "Lịch công bố / announced schedule: mặc định lịch có sẵn trong chương trình\n"
    "  (sql/calendar_vn.tsv, như máy chủ) / by default the one built in, as the server;\n"
    "  --data FILE thay thế nó / replaces it; --rules-only: chỉ quy tắc / the bare rules.\n";

static int
usage_error(const char *vi, const char *en, const char *arg)
{
    if (arg != NULL)
        fprintf(stderr, "motcua calendar: %s: %s / %s: %s\n", vi, arg, en, arg);
    else
        fprintf(stderr, "motcua calendar: %s / %s\n", vi, en);
    fputs(USAGE, stderr);
    return 2;
}

/* Reads a whole file into a malloc'd NUL-terminated buffer; -1 on failure (errno set). */
static int
read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;

    if (f == NULL)
        return -1;
    for (;;) {
        size_t got;

        if (cap - n < 4096) {
            cap = cap * 2 + 8192;
            if (cap > DATA_MAX + 8192) {
                free(buf);
                fclose(f);
                errno = EFBIG;
                return -1;
            }
            buf = xrealloc(buf, cap + 1);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        errno = EIO;
        return -1;
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* The rows of data_path, or of the embedded schedule when data_path is NULL; -1 after a
 * message on stderr. */
static int
load_rows(const char *data_path, struct wcal_entry **entries, size_t *n)
{
    const struct embed_file *ef = NULL;
    const char *name = data_path;
    char *text = NULL;
    size_t len;
    struct mc_err e;
    int rc;

    err_clear(&e);
    if (data_path == NULL) {
        ef = embed_find(EMBEDDED_SCHEDULE);
        name = "sql/" EMBEDDED_SCHEDULE;
        if (ef == NULL) {
            fprintf(stderr, "motcua calendar: thiếu lịch có sẵn %s / no built-in %s\n", name,
                    name);
            return -1;
        }
    } else if (read_file(data_path, &text, &len) != 0) {
        fprintf(stderr, "motcua calendar: không đọc được tệp %s / cannot read %s: %s\n",
                data_path, data_path, strerror(errno));
        return -1;
    }
    rc = ef != NULL ? wcal_parse_tsv((const char *)ef->data, ef->len, entries, n, &e)
                    : wcal_parse_tsv(text, len, entries, n, &e);
    free(text);
    if (rc != 0)
        fprintf(stderr, "motcua calendar: tệp lịch không hợp lệ %s / bad calendar file %s: %s\n",
                name, name, e.detail);
    return rc;
}

struct wcal *
cli_calendar_load(const char *data_path, int rules_only, int first_year, int last_year,
                  int count_makeup_saturdays)
{
    struct wcal_opts o;
    struct wcal_entry *entries = NULL;
    struct wcal *w;
    struct mc_err e;
    size_t n = 0;

    err_clear(&e);
    if (!rules_only && load_rows(data_path, &entries, &n) != 0)
        return NULL;
    wcal_opts_default(&o);
    o.first_year = first_year;
    o.last_year = last_year;
    o.count_makeup_saturdays = count_makeup_saturdays;
    w = wcal_build(&o, entries, n, &e);
    free(entries);
    if (w == NULL)
        fprintf(stderr, "motcua calendar: %s / %s: %s\n", err_msg_vi(e.code), err_msg_en(e.code),
                e.detail);
    return w;
}

struct opts {
    const char *data;
    int rules_only;
    int makeup;
    const char *arg; /* the one positional argument */
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
    o->data = NULL;
    o->rules_only = 0;
    o->makeup = 1;
    o->arg = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0) {
            if (i + 1 >= argc)
                return usage_error("thiếu tên tệp sau --data", "missing file after --data",
                                   NULL);
            o->data = argv[++i];
        } else if (strcmp(argv[i], "--rules-only") == 0) {
            o->rules_only = 1;
        } else if (strcmp(argv[i], "--no-makeup-saturdays") == 0) {
            o->makeup = 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("tùy chọn không hợp lệ", "unknown option", argv[i]);
        } else if (o->arg == NULL) {
            o->arg = argv[i];
        } else {
            return usage_error("thừa tham số", "unexpected argument", argv[i]);
        }
    }
    if (o->rules_only && o->data != NULL)
        return usage_error("--data và --rules-only loại trừ nhau",
                           "--data and --rules-only exclude each other", NULL);
    return 0;
}

/* `lunar YYYY-MM-DD`: "2026-02-17 âm lịch 01/01/Bính Ngọ", "... 01/02 (nhuận)/Quý Mão". */
static int
cmd_lunar(const struct opts *o)
{
    struct cal_lunar l;
    int32_t day;
    char date[11], canchi[32];

    if (o->arg == NULL)
        return usage_error("thiếu ngày YYYY-MM-DD", "missing date YYYY-MM-DD", NULL);
    if (cal_parse_date(o->arg, strlen(o->arg), &day) != 0)
        return usage_error("ngày không hợp lệ (YYYY-MM-DD)", "invalid date (YYYY-MM-DD)",
                           o->arg);
    if (cal_lunar_of(day, &l) != 0)
        return usage_error("ngày ngoài phạm vi 1900-2100", "date outside 1900-2100", o->arg);
    /* --data and --no-makeup-saturdays do not change a lunar date; a bad --data file is
       still reported, so a typo does not pass silently. */
    if (o->data != NULL) {
        struct wcal *w =
            cli_calendar_load(o->data, 0, CAL_MIN_YEAR, CAL_MIN_YEAR, o->makeup);

        if (w == NULL)
            return 1;
        wcal_free(w);
    }
    cal_format_date(day, date);
    cal_can_chi(l.year, canchi);
    printf("%s âm lịch %02d/%02d%s/%s\n", date, l.day, l.month, l.leap ? " (nhuận)" : "",
           canchi);
    return 0;
}

/* `days YYYY`: weekdays off and worked weekend days, one per line. */
static int
cmd_days(const struct opts *o)
{
    struct wcal *w;
    char *end;
    long y;

    if (o->arg == NULL)
        return usage_error("thiếu năm YYYY", "missing year YYYY", NULL);
    errno = 0;
    y = strtol(o->arg, &end, 10);
    if (strlen(o->arg) != 4 || *end != '\0' || errno != 0 || y < CAL_MIN_YEAR ||
        y > CAL_MAX_YEAR)
        return usage_error("năm không hợp lệ (1900-2100)", "invalid year (1900-2100)", o->arg);
    w = cli_calendar_load(o->data, o->rules_only, (int)y, (int)y, o->makeup);
    if (w == NULL)
        return 1;
    for (int32_t d = wcal_first_day(w); d <= wcal_last_day(w); d++) {
        int wd = cal_weekday(d), working = wcal_is_working(w, d);
        int weekend = wd == 0 || wd == 6;
        char date[11];

        if (weekend == !working)
            continue;
        cal_format_date(d, date);
        printf("%s\t%s\t%s\n", date, working ? "work" : "off", wcal_reason_vi(wcal_reason(w, d)));
    }
    wcal_free(w);
    return 0;
}

int
cli_calendar(int argc, char **argv)
{
    struct opts o;
    int rc;

    if (argc < 2)
        return usage_error("thiếu lệnh con", "missing subcommand", NULL);
    if (strcmp(argv[1], "due") == 0)
        return cli_calendar_due(argc - 1, argv + 1);
    if (strcmp(argv[1], "classify") == 0)
        return cli_calendar_classify(argc - 1, argv + 1);
    if (strcmp(argv[1], "import") == 0)
        return cli_calendar_import(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (strcmp(argv[1], "lunar") != 0 && strcmp(argv[1], "days") != 0)
        return usage_error("lệnh con không hợp lệ", "unknown subcommand", argv[1]);
    rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc;
    return strcmp(argv[1], "lunar") == 0 ? cmd_lunar(&o) : cmd_days(&o);
}
