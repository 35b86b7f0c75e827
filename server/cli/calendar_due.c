/*
 * calendar_due.c - `motcua calendar due` (the appointment of a dossier, with
 * pauses and an explanation of the skipped days) and `motcua calendar classify`
 * (the class of a dossier under the legal or dvcqg766 rules), over
 * server/domain/ddl.c and cls.c. Exits 0, 1 on an unreadable data file, 2 on bad
 * arguments. The announced schedule is the built-in one unless --data FILE or --rules-only
 * (cli.h). Output formats: docs/domain.md "Command line: due and classify".
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "domain/cal.h"
#include "domain/cls.h"
#include "domain/ddl.h"
#include "domain/wcal.h"

#define MAX_PAUSES 32

static const char USAGE_DUE[] =
    "Cách dùng / usage:\n"
    "  motcua calendar due --received YYYY-MM-DDTHH:MM[+07:00] --duration D\n"
    "      [--pause FROM/TO]... [--no-single-supplement] [--no-makeup-saturdays]\n"
    "      [--explain] [--data FILE | --rules-only]\n"
    "  D: 3d (ngày làm việc), 12h (giờ làm việc), 240m (phút làm việc), 15c (ngày lịch),\n"
    "     sameday, sameday@15:00, 0d\n"
    "  --pause: thời gian chờ bổ sung / a supplement pause; TO may be empty (still open)\n"
    "  lịch công bố có sẵn (sql/calendar_vn.tsv) trừ khi --data FILE hoặc --rules-only /\n"
    "  the built-in announced schedule unless --data FILE or --rules-only\n";

static const char USAGE_CLASSIFY[] =
    "Cách dùng / usage:\n"
    "  motcua calendar classify --rules legal|dvcqg766 --received T --due T\n"
    "      (--end T | --at T | --end T --at T) [--pause FROM/TO]... [--no-appointment]\n"
    "      [--no-single-supplement] [--no-makeup-saturdays] [--data FILE | --rules-only]\n"
    "  prints: <class key><TAB><Vietnamese label>\n"
    "  lịch công bố có sẵn (sql/calendar_vn.tsv) trừ khi --data FILE hoặc --rules-only /\n"
    "  the built-in announced schedule unless --data FILE or --rules-only\n";

struct args {
    const char *received, *duration, *rules, *due, *end, *at, *data;
    const char *pause[MAX_PAUSES];
    int npause;
    int makeup, single, explain, no_appointment, rules_only;
};

static int
bad(const char *usage, const char *vi, const char *en, const char *arg)
{
    fprintf(stderr, "motcua calendar: %s / %s%s%s\n%s", vi, en, arg ? ": " : "", arg ? arg : "",
            usage);
    return 2;
}

/* Returns 0, or the exit status 2 after printing the error. */
static int
parse_args(int argc, char **argv, const char *usage, struct args *a)
{
    memset(a, 0, sizeof(*a));
    a->makeup = 1;
    a->single = 1;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        const char **slot = NULL;

        if (strcmp(k, "--help") == 0 || strcmp(k, "-h") == 0) {
            fputs(usage, stdout);
            return -1;
        }
        if (strcmp(k, "--no-makeup-saturdays") == 0) {
            a->makeup = 0;
            continue;
        }
        if (strcmp(k, "--no-single-supplement") == 0) {
            a->single = 0;
            continue;
        }
        if (strcmp(k, "--rules-only") == 0) {
            a->rules_only = 1;
            continue;
        }
        if (strcmp(k, "--explain") == 0) {
            a->explain = 1;
            continue;
        }
        if (strcmp(k, "--no-appointment") == 0) {
            a->no_appointment = 1;
            continue;
        }
        if (strcmp(k, "--received") == 0)
            slot = &a->received;
        else if (strcmp(k, "--duration") == 0)
            slot = &a->duration;
        else if (strcmp(k, "--rules") == 0)
            slot = &a->rules;
        else if (strcmp(k, "--due") == 0)
            slot = &a->due;
        else if (strcmp(k, "--end") == 0)
            slot = &a->end;
        else if (strcmp(k, "--at") == 0)
            slot = &a->at;
        else if (strcmp(k, "--data") == 0)
            slot = &a->data;
        else if (strcmp(k, "--pause") == 0) {
            if (a->npause == MAX_PAUSES)
                return bad(usage, "quá nhiều --pause", "too many --pause", NULL);
            slot = &a->pause[a->npause++];
        } else {
            return bad(usage, "tham số không hợp lệ", "unknown argument", k);
        }
        if (i + 1 >= argc)
            return bad(usage, "thiếu giá trị", "missing value", k);
        *slot = argv[++i];
    }
    if (a->rules_only && a->data != NULL)
        return bad(usage, "--data và --rules-only loại trừ nhau",
                   "--data and --rules-only exclude each other", NULL);
    return 0;
}

static int
instant(const char *s, int64_t *t)
{
    return cal_parse_instant(s, strlen(s), t);
}

/* "FROM/TO" or "FROM/" (open). */
static int
parse_pause(const char *s, int64_t *from, int64_t *to)
{
    const char *slash = strchr(s, '/');

    if (slash == NULL || cal_parse_instant(s, (size_t)(slash - s), from) != 0)
        return -1;
    if (slash[1] == '\0') {
        *to = DDL_OPEN;
        return 0;
    }
    if (instant(slash + 1, to) != 0 || *to < *from)
        return -1;
    return 0;
}

static int
parse_pauses(const struct args *a, const char *usage, struct ddl_pause *pz)
{
    for (int i = 0; i < a->npause; i++) {
        memset(&pz[i], 0, sizeof(pz[i]));
        pz[i].reason = DDL_P_SUPPLEMENT;
        if (parse_pause(a->pause[i], &pz[i].requested_at, &pz[i].resolved_at) != 0)
            return bad(usage, "khoảng tạm dừng không hợp lệ", "bad pause FROM/TO", a->pause[i]);
        if (i > 0 && pz[i].requested_at < pz[i - 1].resolved_at)
            return bad(usage, "các khoảng tạm dừng chồng nhau hoặc không theo thứ tự",
                       "pauses overlap or are out of order", a->pause[i]);
    }
    return 0;
}

/* Calendar and axis for the whole supported range; 1 on failure (message printed). */
static int
load(const struct args *a, struct wcal **cal, struct ddl_axis *ax)
{
    struct mc_err e;

    *cal = cli_calendar_load(a->data, a->rules_only, 1990, 2100, a->makeup);
    if (*cal == NULL)
        return 1;
    if (ddl_axis_init(ax, *cal, &e) != 0) {
        fprintf(stderr, "motcua calendar: %s / %s\n", err_msg_vi(e.code), err_msg_en(e.code));
        wcal_free(*cal);
        return 1;
    }
    return 0;
}

/*
 * The explanation lists the days skipped from the reception day (also those before the
 * clock starts: a reception on Friday evening or on the eve of Tết) to the due day; for
 * a calendar-day period only the days its end moved over (ddl_explain_due).
 */
static void
print_explain(const struct ddl_axis *ax, int64_t received, int64_t start,
              const struct ddl_duration *d, int64_t due)
{
    struct ddl_skip sk[64];
    size_t n = ddl_explain_due(ax, received, d, due, sk, 64);
    char rec[32], from[32], to[32];

    cal_format_instant_min(received, rec);
    cal_format_instant_min(start, from);
    cal_format_instant_min(due, to);
    printf("Tiếp nhận / received: %s\n", rec);
    if (d->unit == DDL_CD) {
        char first[16], last[16];

        cal_format_date(cal_local_day(received) + 1, first);
        cal_format_date(cal_local_day(received) + d->value, last);
        printf("Thời hạn tính theo ngày lịch / calendar days: %s → %s "
               "(BLDS 2015 Điều 147 khoản 2, Điều 148)\n", first, last);
    } else {
        printf("Bắt đầu tính / clock starts: %s\n", from);
    }
    printf("Hạn / due: %s\n", to);
    if (n == 0)
        printf("Không có ngày nghỉ nào bị bỏ qua / no day skipped\n");
    for (size_t i = 0; i < n && i < 64; i++) {
        char day[16];
        const char *note = sk[i].note;

        cal_format_date(sk[i].day, day);
        printf("%s (%s): %s%s%s%s\n", day, cal_weekday_vi(cal_weekday(sk[i].day)),
               sk[i].working ? "ngày làm việc (làm bù) — " : "nghỉ — ",
               wcal_reason_vi(sk[i].reason), note[0] ? " — " : "", note);
    }
    if (n > 64)
        printf("… và %zu ngày khác / and %zu more\n", n - 64, n - 64);
}

/* The arguments of due, checked: parse_args's status (-1: help shown), or 2 after printing
 * the error, or 0 with the reception instant, the duration and the pauses. */
static int
due_args(int argc, char **argv, struct args *a, int64_t *received, struct ddl_duration *d,
         struct ddl_pause *pz)
{
    struct mc_err e;
    int rc = parse_args(argc, argv, USAGE_DUE, a);

    if (rc != 0)
        return rc;
    if (a->received == NULL || a->duration == NULL)
        return bad(USAGE_DUE, "cần --received và --duration",
                   "--received and --duration are required", NULL);
    if (a->rules != NULL || a->due != NULL || a->end != NULL || a->at != NULL || a->no_appointment)
        return bad(USAGE_DUE, "tham số không dùng cho due", "argument not valid for due", NULL);
    if (instant(a->received, received) != 0)
        return bad(USAGE_DUE, "thời điểm tiếp nhận không hợp lệ", "bad --received", a->received);
    if (ddl_parse_duration(a->duration, strlen(a->duration), d, &e) != 0)
        return bad(USAGE_DUE, "thời hạn không hợp lệ", "bad --duration", a->duration);
    if (d->unit == DDL_NONE)
        return bad(USAGE_DUE, "thủ tục không có ngày hẹn trả", "no appointment for 'none'", NULL);
    if (parse_pauses(a, USAGE_DUE, pz) != 0)
        return 2;
    /* as classify (cls_classify): no pause before the clock exists */
    for (int i = 0; i < a->npause; i++)
        if (pz[i].requested_at < *received)
            return bad(USAGE_DUE, "khoảng tạm dừng bắt đầu trước khi tiếp nhận",
                       "pause starts before the reception", a->pause[i]);
    return 0;
}

/* The ledger is taken as of the last instant given: an open pause has paused nothing yet. */
static int64_t
ledger_asof(int64_t received, const struct ddl_pause *pz, int n)
{
    int64_t asof = received;

    for (int i = 0; i < n; i++) {
        if (pz[i].requested_at > asof)
            asof = pz[i].requested_at;
        if (pz[i].resolved_at != DDL_OPEN && pz[i].resolved_at > asof)
            asof = pz[i].resolved_at;
    }
    return asof;
}

/* The pauses of --explain, with what the ledger counted of each. */
static void
print_pauses(const struct ddl_pause *pz, int n)
{
    for (int i = 0; i < n; i++) {
        char p[32], s[32];

        cal_format_instant_min(pz[i].requested_at, p);
        if (pz[i].resolved_at == DDL_OPEN)
            snprintf(s, sizeof(s), "…");
        else
            cal_format_instant_min(pz[i].resolved_at, s);
        printf("Tạm dừng / pause %s → %s: %s, %lld phút làm việc / working minutes\n", p, s,
               pz[i].repeat ? "yêu cầu bổ sung lần sau, không tính / repeat, not counted"
                            : "tính / counted",
               (long long)(pz[i].paused_secs / 60));
    }
}

/* Prints the domain error e (with its detail when with_detail); the exit status 2. */
static int
domain_fail(const struct mc_err *e, int with_detail)
{
    if (with_detail)
        fprintf(stderr, "motcua calendar: %s / %s: %s\n", err_msg_vi(e->code), err_msg_en(e->code),
                e->detail);
    else
        fprintf(stderr, "motcua calendar: %s / %s\n", err_msg_vi(e->code), err_msg_en(e->code));
    return 2;
}

/* The legal due of the reception on the axis (and with --explain why); the exit status. */
static int
due_run(const struct args *a, const struct ddl_axis *ax, int64_t received,
        const struct ddl_duration *d, struct ddl_pause *pz)
{
    struct ddl_policy pol;
    struct ddl_ledger L;
    struct mc_err e;
    int64_t start, appt;
    char buf[32];

    if (ddl_start(ax, received, &start, &e) != 0 ||
        ddl_appointment(ax, received, d, &appt, &e) != 0)
        return domain_fail(&e, 0);
    ddl_policy_default(&pol);
    pol.single_supplement = a->single;
    if (ddl_ledger(ax, &pol, appt, pz, (size_t)a->npause, ledger_asof(received, pz, a->npause), &L,
                   &e) != 0)
        return domain_fail(&e, 1);
    cal_format_instant_min(L.legal_due, buf);
    printf("%s\n", buf);
    if (a->explain) {
        print_explain(ax, received, start, d, L.legal_due);
        print_pauses(pz, a->npause);
    }
    return 0;
}

int
cli_calendar_due(int argc, char **argv)
{
    struct args a;
    struct ddl_duration d;
    struct ddl_pause pz[MAX_PAUSES];
    struct wcal *cal;
    struct ddl_axis ax;
    int64_t received;
    int rc;

    rc = due_args(argc, argv, &a, &received, &d, pz);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (load(&a, &cal, &ax) != 0)
        return 1;
    rc = due_run(&a, &ax, received, &d, pz);
    ddl_axis_free(&ax);
    wcal_free(cal);
    return rc;
}

/* The instants and rules of classify. */
struct classify_in {
    int rules;
    int64_t received, due, end, at;
};

/* The arguments of classify, checked: as due_args. */
static int
classify_args(int argc, char **argv, struct args *a, struct classify_in *c, struct ddl_pause *pz)
{
    int rc = parse_args(argc, argv, USAGE_CLASSIFY, a);

    if (rc != 0)
        return rc;
    if (a->rules == NULL || a->received == NULL || a->due == NULL ||
        (a->end == NULL && a->at == NULL))
        return bad(USAGE_CLASSIFY, "cần --rules, --received, --due và --end hoặc --at",
                   "--rules, --received, --due and --end or --at are required", NULL);
    if (a->duration != NULL || a->explain)
        return bad(USAGE_CLASSIFY, "tham số không dùng cho classify",
                   "argument not valid for classify", NULL);
    c->rules = cls_rules_parse(a->rules);
    if (c->rules < 0)
        return bad(USAGE_CLASSIFY, "bộ quy tắc không hợp lệ", "unknown --rules", a->rules);
    if (instant(a->received, &c->received) != 0)
        return bad(USAGE_CLASSIFY, "thời điểm tiếp nhận không hợp lệ", "bad --received",
                   a->received);
    if (instant(a->due, &c->due) != 0)
        return bad(USAGE_CLASSIFY, "hạn không hợp lệ", "bad --due", a->due);
    c->end = 0;
    if (a->end != NULL && instant(a->end, &c->end) != 0)
        return bad(USAGE_CLASSIFY, "thời điểm kết thúc không hợp lệ", "bad --end", a->end);
    if (a->at != NULL) {
        if (instant(a->at, &c->at) != 0)
            return bad(USAGE_CLASSIFY, "thời điểm xét không hợp lệ", "bad --at", a->at);
    } else {
        c->at = c->end;
    }
    if (parse_pauses(a, USAGE_CLASSIFY, pz) != 0)
        return 2;
    return 0;
}

/* The class of the dossier on the axis, printed; the exit status. */
static int
classify_run(const struct args *a, const struct ddl_axis *ax, const struct classify_in *c,
             struct ddl_pause *pz)
{
    struct cls_pause cp[MAX_PAUSES];
    struct ddl_policy pol;
    struct ddl_ledger L;
    struct cls_dossier d;
    struct cls_result r;
    struct mc_err e;

    /* which pauses count: the single_supplement policy of the ledger */
    ddl_policy_default(&pol);
    pol.single_supplement = a->single;
    if (ddl_ledger(ax, &pol, c->due, pz, (size_t)a->npause, c->at, &L, &e) != 0)
        return domain_fail(&e, 1);
    for (int i = 0; i < a->npause; i++) {
        cp[i].requested_at = pz[i].requested_at;
        cp[i].resolved_at = pz[i].resolved_at;
        cp[i].supplement = 1;
        cp[i].counted = pz[i].counted;
    }
    d.received_at = c->received;
    d.has_appointment = !a->no_appointment;
    d.appointment = c->due;
    d.end_kind = a->end != NULL ? CLS_END_RESOLVED : CLS_END_NONE;
    d.end_at = c->end;
    d.pauses = cp;
    d.npauses = (size_t)a->npause;
    if (cls_classify(ax, (enum cls_rules)c->rules, &d, c->at, &r, &e) != 0)
        return domain_fail(&e, 1);
    printf("%s\t%s\n", cls_class_key(r.cls), cls_class_vi(r.cls));
    return 0;
}

int
cli_calendar_classify(int argc, char **argv)
{
    struct args a;
    struct classify_in c;
    struct ddl_pause pz[MAX_PAUSES];
    struct wcal *cal;
    struct ddl_axis ax;
    int rc;

    rc = classify_args(argc, argv, &a, &c, pz);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (load(&a, &cal, &ax) != 0)
        return 1;
    rc = classify_run(&a, &ax, &c, pz);
    ddl_axis_free(&ax);
    wcal_free(cal);
    return rc;
}
