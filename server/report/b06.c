/*
 * b06.c - reporting periods with the official cut-off days and the rows of Biểu số
 * 06/VPCP/KSTT with their invariants and CSV rendering (domain.md §8.2, domain-sources.md
 * §5.2-§5.3). See report.h.
 */
#include "report/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/cal.h"

static const char *const PERIOD_KEYS[RP__COUNT] = {"month", "quarter", "half", "nine_months",
                                                   "year"};

const char *const B06_HEAD[B06_COLS] = {
    "",
    "STT",
    "Lĩnh vực, công việc giải quyết theo cấp",
    "Số hồ sơ nhận giải quyết - Tổng số",
    "Trong đó: Trực tuyến",
    "Trực tiếp, dịch vụ bưu chính",
    "Từ kỳ trước",
    "Số hồ sơ đã giải quyết - Tổng số",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Số hồ sơ đang giải quyết - Tổng số",
    "Trong hạn",
    "Quá hạn",
};

int
report_period_parse(const char *key)
{
    for (int i = 0; i < RP__COUNT; i++)
        if (key != NULL && strcmp(key, PERIOD_KEYS[i]) == 0)
            return i;
    return -1;
}

const char *
report_period_key(enum report_period_kind k)
{
    return (unsigned)k < RP__COUNT ? PERIOD_KEYS[k] : "";
}

void
report_period_label(enum report_period_kind k, int year, int number, char *buf, size_t size)
{
    static const char *const roman[] = {"", "I", "II", "III", "IV"};

    switch (k) {
    case RP_MONTH:
        snprintf(buf, size, "Tháng %d năm %d", number, year);
        break;
    case RP_QUARTER:
        snprintf(buf, size, "Quý %s năm %d", roman[number >= 1 && number <= 4 ? number : 0],
                 year);
        break;
    case RP_HALF:
        snprintf(buf, size, "6 tháng %s năm %d", number == 2 ? "cuối" : "đầu", year);
        break;
    case RP_NINE_MONTHS:
        snprintf(buf, size, "9 tháng năm %d", year);
        break;
    default:
        snprintf(buf, size, "Năm %d", year);
        break;
    }
}

/* Day 15 of the month before `month` (month 1 -> 15/12 of the previous year). */
static int32_t
cut_start(int year, int month)
{
    return month == 1 ? cal_days(year - 1, 12, 15) : cal_days(year, month - 1, 15);
}

int
report_period(enum report_period_kind k, int year, int number, int32_t *from, int32_t *to,
              struct mc_err *e)
{
    int first, last; /* first and last month of the period: from 15/(first-1) to 14/last */

    if (year < 1971 || year > 2200)
        return err_field(e, ERR_BAD_QUERY, "year", "year must be 1971-2200");
    switch (k) {
    case RP_MONTH:
        if (number < 1 || number > 12)
            return err_field(e, ERR_BAD_QUERY, "number", "month number must be 1-12");
        first = last = number;
        break;
    case RP_QUARTER:
        if (number < 1 || number > 4)
            return err_field(e, ERR_BAD_QUERY, "number", "quarter number must be 1-4");
        first = 3 * number - 2;
        last = 3 * number;
        break;
    case RP_HALF:
        if (number < 1 || number > 2)
            return err_field(e, ERR_BAD_QUERY, "number", "half number must be 1-2");
        first = number == 1 ? 1 : 7;
        last = number == 1 ? 6 : 12;
        break;
    case RP_NINE_MONTHS:
        first = 1;
        last = 9;
        break;
    case RP_YEAR:
        first = 1;
        last = 12;
        break;
    default:
        return err_field(e, ERR_BAD_QUERY, "period",
                         "period is month, quarter, half, nine_months or year");
    }
    *from = cut_start(year, first);
    *to = cal_days(year, last, 14);
    return 0;
}

void
b06_fill(struct b06_row *r, int64_t received, int64_t online, int64_t direct, int64_t carried,
         int64_t ended, int64_t early, int64_t on_time, int64_t late, int64_t open,
         int64_t overdue)
{
    r->c[3] = received + carried;
    r->c[4] = online;
    r->c[5] = direct;
    r->c[6] = carried;
    r->c[7] = ended;
    r->c[8] = early;
    r->c[9] = on_time;
    r->c[10] = late;
    r->c[11] = open;
    r->c[12] = open - overdue;
    r->c[13] = overdue;
}

void
b06_add(struct b06_row *r, const struct b06_row *s)
{
    for (int i = 3; i < B06_COLS; i++)
        r->c[i] += s->c[i];
}

int
b06_check(const struct b06_row *r, struct mc_err *e)
{
    const char *name = r->label != NULL ? r->label : "";

    for (int i = 3; i < B06_COLS; i++)
        if (r->c[i] < 0)
            return err_set(e, ERR_REPORT_INVARIANT, "column %d negative in row %.60s", i, name);
    if (r->c[3] != r->c[4] + r->c[5] + r->c[6])
        return err_set(e, ERR_REPORT_INVARIANT, "3 = 4 + 5 + 6 fails in row %.80s", name);
    if (r->c[7] != r->c[8] + r->c[9] + r->c[10])
        return err_set(e, ERR_REPORT_INVARIANT, "7 = 8 + 9 + 10 fails in row %.80s", name);
    if (r->c[11] != r->c[12] + r->c[13])
        return err_set(e, ERR_REPORT_INVARIANT, "11 = 12 + 13 fails in row %.80s", name);
    if (r->c[3] != r->c[7] + r->c[11])
        return err_set(e, ERR_REPORT_INVARIANT, "3 = 7 + 11 fails in row %.80s", name);
    return 0;
}

static void
put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap * 2 + n + 256;
        *buf = xrealloc(*buf, c);
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

void
report_csv_field(char **buf, size_t *len, size_t *cap, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        put(buf, len, cap, s, strlen(s));
        return;
    }
    put(buf, len, cap, "\"", 1);
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '"')
            put(buf, len, cap, "\"\"", 2); /* a quote inside is doubled (RFC 4180) */
        else
            put(buf, len, cap, p, 1);
    }
    put(buf, len, cap, "\"", 1);
}

char *
b06_csv(struct arena *a, const struct b06_meta *m, const struct b06_row *rows, size_t n,
        size_t *len)
{
    size_t l = 0, cap = 4096;
    char *b = xmalloc(cap), from[16], to[16], num[32], *out;

    cal_format_date(m->from, from);
    cal_format_date(m->to, to);
    put(&b, &l, &cap, "\xEF\xBB\xBF", 3); /* BOM: Excel reads UTF-8 only with it */
    report_csv_field(&b, &l, &cap, B06_TITLE);
    put(&b, &l, &cap, "\r\n", 2);
    report_csv_field(&b, &l, &cap, "Kỳ báo cáo");
    put(&b, &l, &cap, ",", 1);
    report_csv_field(&b, &l, &cap, m->period_label);
    put(&b, &l, &cap, ",Từ ngày,", strlen(",Từ ngày,"));
    put(&b, &l, &cap, from, strlen(from));
    put(&b, &l, &cap, ",đến ngày,", strlen(",đến ngày,"));
    put(&b, &l, &cap, to, strlen(to));
    put(&b, &l, &cap, "\r\n", 2);
    report_csv_field(&b, &l, &cap, "Đơn vị báo cáo");
    put(&b, &l, &cap, ",", 1);
    report_csv_field(&b, &l, &cap, m->unit_name != NULL ? m->unit_name : "");
    put(&b, &l, &cap, "\r\n", 2);
    report_csv_field(&b, &l, &cap, "Đơn vị nhận báo cáo");
    put(&b, &l, &cap, ",", 1);
    report_csv_field(&b, &l, &cap, m->recipient != NULL ? m->recipient : "");
    put(&b, &l, &cap, "\r\n", 2);
    report_csv_field(&b, &l, &cap, "Đơn vị tính: Số hồ sơ TTHC");
    put(&b, &l, &cap, "\r\n", 2);
    for (int i = 1; i < B06_COLS; i++) {
        if (i > 1)
            put(&b, &l, &cap, ",", 1);
        report_csv_field(&b, &l, &cap, i == 2 && m->group_title != NULL ? m->group_title
                                                                        : B06_HEAD[i]);
    }
    put(&b, &l, &cap, "\r\n", 2);
    for (size_t r = 0; r < n; r++) {
        report_csv_field(&b, &l, &cap, rows[r].stt);
        put(&b, &l, &cap, ",", 1);
        report_csv_field(&b, &l, &cap, rows[r].label != NULL ? rows[r].label : "");
        for (int i = 3; i < B06_COLS; i++) {
            int k = snprintf(num, sizeof(num), ",%" PRId64, rows[r].c[i]);
            put(&b, &l, &cap, num, (size_t)k);
        }
        put(&b, &l, &cap, "\r\n", 2);
    }
    out = arena_strndup(a, b, l);
    free(b);
    *len = l;
    return out;
}
