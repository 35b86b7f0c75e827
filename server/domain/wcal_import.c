/*
 * wcal_import.c - wcal_import_check and its helpers (contract in wcal_import.h).
 *
 * The rules' days come from calendars built by wcal_build itself (the same code that
 * serves deadlines), over the announcement's year and its neighbours only (a compensatory
 * day may cross a year end): one with no announced row at all (what BLLĐ Art. 112 and
 * 111(3) alone give), and, when the announcement holds compensatory rows, one with every
 * row but those (what Art. 111(3) gives next to the announced days). Three years build in
 * well under a millisecond.
 */
#include "domain/wcal_import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/cal.h"

static const char *const WEEKDAY_EN[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};

static const struct {
    const char *key;
    const char *vi;
} PROBLEMS[WCAL_IMPORT__COUNT] = {
    [WCAL_IMPORT_BAD_ROW] = {"bad_row", "Dòng không hợp lệ (ngày, loại, lý do hoặc ghi chú)"},
    [WCAL_IMPORT_EMPTY] = {"empty", "Thông báo không có dòng nào"},
    [WCAL_IMPORT_TOO_MANY] = {"too_many", "Thông báo có quá nhiều dòng"},
    [WCAL_IMPORT_DUPLICATE] = {"duplicate", "Một ngày xuất hiện hai lần"},
    [WCAL_IMPORT_TWO_YEARS] = {"two_years", "Thông báo gồm ngày của nhiều năm"},
    [WCAL_IMPORT_OUT_OF_RANGE] = {"out_of_range", "Ngày nằm ngoài phạm vi lịch"},
    [WCAL_IMPORT_KIND] = {"kind", "Chỉ ngày làm bù (makeup_saturday) là ngày làm việc"},
    [WCAL_IMPORT_HOLIDAY_WORKED] = {"holiday_worked",
                                    "Ngày nghỉ lễ theo Điều 112 BLLĐ (hoặc ngày nghỉ bù) bị "
                                    "đánh dấu là ngày làm việc"},
    [WCAL_IMPORT_MAKEUP_NOT_SATURDAY] = {"makeup_not_saturday", "Ngày làm bù không phải thứ Bảy"},
    [WCAL_IMPORT_HOLIDAY_DATE] = {"holiday_date",
                                  "Lý do ngày lễ không khớp ngày lễ theo Điều 112 BLLĐ"},
    [WCAL_IMPORT_COMPENSATORY_RULE] = {"compensatory_rule",
                                       "Ngày nghỉ bù không đúng khoản 3 Điều 111 BLLĐ"},
    [WCAL_IMPORT_SWAP_ON_WEEKEND] = {"swap_on_weekend",
                                     "Ngày nghỉ hoán đổi rơi vào thứ Bảy hoặc Chủ nhật"},
    [WCAL_IMPORT_SWAP_UNPAIRED] = {"swap_unpaired",
                                   "Ngày nghỉ hoán đổi không có ngày thứ Bảy làm bù"},
    [WCAL_IMPORT_MAKEUP_UNPAIRED] = {"makeup_unpaired",
                                     "Ngày thứ Bảy làm bù không có ngày nghỉ hoán đổi"},
};

const char *
wcal_import_problem_key(enum wcal_import_problem p)
{
    return (int)p >= 0 && p < WCAL_IMPORT__COUNT ? PROBLEMS[p].key : "unknown";
}

const char *
wcal_import_problem_vi(enum wcal_import_problem p)
{
    return (int)p >= 0 && p < WCAL_IMPORT__COUNT ? PROBLEMS[p].vi : "";
}

int
wcal_import_overridable(enum wcal_import_problem p)
{
    return p >= WCAL_IMPORT_HOLIDAY_WORKED && p < WCAL_IMPORT__COUNT;
}

void
wcal_import_merge(const struct wcal_entry *loaded, size_t nloaded, const struct wcal_entry *rows,
                  size_t nrows, struct wcal_entry **out, size_t *nout)
{
    struct wcal_entry *v = xcalloc(nloaded + nrows + 1, sizeof(*v));
    size_t n = 0;

    /* O(nloaded x nrows): a few hundred rows each, once per import. */
    for (size_t i = 0; i < nloaded; i++) {
        size_t k;

        for (k = 0; k < nrows && rows[k].day != loaded[i].day; k++)
            ;
        if (k == nrows)
            v[n++] = loaded[i];
    }
    memcpy(v + n, rows, nrows * sizeof(*rows));
    *out = v;
    *nout = n + nrows;
}

struct sink {
    struct wcal_import_issue *out;
    size_t max, n;
    long blocking;
    int override;
};

static void
add(struct sink *s, long row, int32_t day, enum wcal_import_problem p, const char *fmt, ...)
{
    if (!s->override || !wcal_import_overridable(p))
        s->blocking++;
    if (s->n < s->max) {
        struct wcal_import_issue *x = &s->out[s->n];
        va_list ap;

        x->row = row;
        x->day = day;
        x->problem = p;
        va_start(ap, fmt);
        vsnprintf(x->detail, sizeof(x->detail), fmt, ap);
        va_end(ap);
    }
    s->n++;
}

/* Builds years y-1..y+1 from the entries of those years; NULL with e filled. */
static struct wcal *
build_near(const struct wcal_opts *base, int y, const struct wcal_entry *en, size_t n,
           struct mc_err *e)
{
    struct wcal_opts o = *base;
    struct wcal_entry *v = xcalloc(n + 1, sizeof(*v));
    size_t k = 0;
    struct wcal *w;

    o.first_year = y - 1 < base->first_year ? base->first_year : y - 1;
    o.last_year = y + 1 > base->last_year ? base->last_year : y + 1;
    for (size_t i = 0; i < n; i++) {
        int ey = cal_date_of(en[i].day).year;

        if (ey >= o.first_year && ey <= o.last_year)
            v[k++] = en[i];
    }
    w = wcal_build(&o, v, k, e);
    free(v);
    return w;
}

static int
is_fixed_holiday(enum wcal_reason r)
{
    return r == WCAL_R_NEW_YEAR || r == WCAL_R_HUNG_KINGS || r == WCAL_R_REUNIFICATION ||
           r == WCAL_R_LABOUR || r == WCAL_R_NATIONAL_DAY;
}

/* One swap or make-up row, for the pairing. */
struct pair_item {
    int32_t day;
    int makeup; /* 1: makeup_saturday, 0: swap_off */
    long row;   /* index in the announcement, -1 for a loaded row */
    int matched;
};

static int
cmp_item(const void *a, const void *b)
{
    const struct pair_item *x = a, *y = b;

    return x->day < y->day ? -1 : x->day > y->day;
}

/*
 * Pairs swaps and make-up Saturdays of the merged rows in date order: each item takes the
 * earliest unmatched item of the other kind at most WCAL_IMPORT_PAIR_DAYS before it
 * (greedy in date order; with a window this finds a maximum matching). Unmatched items of
 * the announcement are reported.
 */
static void
check_pairs(struct sink *s, const struct wcal_entry *merged, size_t nmerged,
            const struct wcal_entry *rows, size_t nrows)
{
    struct pair_item *it = xcalloc(nmerged + 1, sizeof(*it));
    size_t n = 0;

    for (size_t i = 0; i < nmerged; i++) {
        if (merged[i].reason != WCAL_R_SWAP_OFF && merged[i].reason != WCAL_R_MAKEUP_SATURDAY)
            continue;
        it[n].day = merged[i].day;
        it[n].makeup = merged[i].reason == WCAL_R_MAKEUP_SATURDAY;
        it[n].row = -1;
        for (size_t k = 0; k < nrows; k++)
            if (rows[k].day == merged[i].day)
                it[n].row = (long)k;
        n++;
    }
    qsort(it, n, sizeof(*it), cmp_item);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i && !it[i].matched; j++)
            if (!it[j].matched && it[j].makeup != it[i].makeup &&
                it[i].day - it[j].day <= WCAL_IMPORT_PAIR_DAYS) {
                it[j].matched = 1;
                it[i].matched = 1;
            }
    for (size_t i = 0; i < n; i++) {
        char d[11];

        if (it[i].matched || it[i].row < 0)
            continue;
        cal_format_date(it[i].day, d);
        if (it[i].makeup)
            add(s, it[i].row, it[i].day, WCAL_IMPORT_MAKEUP_UNPAIRED,
                "%s: makeup_saturday without a swap_off within %d days", d, WCAL_IMPORT_PAIR_DAYS);
        else
            add(s, it[i].row, it[i].day, WCAL_IMPORT_SWAP_UNPAIRED,
                "%s: swap_off without its makeup_saturday within %d days", d,
                WCAL_IMPORT_PAIR_DAYS);
    }
    free(it);
}

/* Row i on its own: what needs no calendar. Returns 1 when it is a compensatory day. */
static int
check_row(struct sink *s, const struct wcal_opts *o, const struct wcal_entry *rows, size_t i,
          int year)
{
    const struct wcal_entry *r = &rows[i];
    int32_t first = cal_days(o->first_year, 1, 1), last = cal_days(o->last_year, 12, 31);
    int wd = cal_weekday(r->day);
    char d[11];

    cal_format_date(r->day, d);
    if (r->day < first || r->day > last) {
        add(s, (long)i, r->day, WCAL_IMPORT_OUT_OF_RANGE, "%s is outside %d-%d", d, o->first_year,
            o->last_year);
        return 0;
    }
    if (cal_date_of(r->day).year != year)
        add(s, (long)i, r->day, WCAL_IMPORT_TWO_YEARS, "%s is not in %d", d, year);
    for (size_t k = 0; k < i; k++)
        if (rows[k].day == r->day) {
            add(s, (long)i, r->day, WCAL_IMPORT_DUPLICATE, "%s is given twice", d);
            break;
        }
    if (r->working != (r->reason == WCAL_R_MAKEUP_SATURDAY))
        add(s, (long)i, r->day, WCAL_IMPORT_KIND,
            "%s: work is for makeup_saturday only, every other reason is off", d);
    if (r->reason == WCAL_R_MAKEUP_SATURDAY && wd != 6)
        add(s, (long)i, r->day, WCAL_IMPORT_MAKEUP_NOT_SATURDAY, "%s is a %s, not a Saturday", d,
            WEEKDAY_EN[wd]);
    if (r->reason == WCAL_R_SWAP_OFF && (wd == 0 || wd == 6))
        add(s, (long)i, r->day, WCAL_IMPORT_SWAP_ON_WEEKEND, "%s is a %s", d, WEEKDAY_EN[wd]);
    if (r->reason == WCAL_R_NATIONAL_DAY_2) {
        struct cal_date c = cal_date_of(r->day);

        if (c.month != 9 || (c.day != 1 && c.day != 3))
            add(s, (long)i, r->day, WCAL_IMPORT_HOLIDAY_DATE,
                "%s: national_day_2 is 01/09 or 03/09 (BLLĐ Art. 112(1)(đ))", d);
    }
    return r->reason == WCAL_R_COMPENSATORY;
}

/* Against the rules of BLLĐ Art. 112 and 111(3) alone (a calendar of them, built here). */
static int
check_rules(struct sink *s, const struct wcal_opts *o, const struct wcal_entry *rows,
            size_t nrows, int year, struct mc_err *e)
{
    struct wcal *rules = build_near(o, year, NULL, 0, e);

    if (rules == NULL)
        return -1;
    for (size_t i = 0; i < nrows; i++) {
        const struct wcal_entry *r = &rows[i];
        enum wcal_reason why;
        char d[11];

        if (wcal_is_working(rules, r->day) < 0)
            continue; /* another year, reported above */
        why = wcal_reason(rules, r->day);
        cal_format_date(r->day, d);
        if (r->working && (is_fixed_holiday(why) || why == WCAL_R_COMPENSATORY))
            add(s, (long)i, r->day, WCAL_IMPORT_HOLIDAY_WORKED, "%s is %s under the rules", d,
                wcal_reason_key(why));
        if (is_fixed_holiday(r->reason) && why != r->reason)
            add(s, (long)i, r->day, WCAL_IMPORT_HOLIDAY_DATE, "%s is not %s under the rules", d,
                wcal_reason_key(r->reason));
    }
    wcal_free(rules);
    return 0;
}

/* Announced compensatory days: Art. 111(3) applied next to the other announced days
 * (merged: the loaded rows with the announcement applied). */
static int
check_compensatory(struct sink *s, const struct wcal_opts *o, const struct wcal_entry *merged,
                   size_t nmerged, const struct wcal_entry *rows, size_t nrows, int year,
                   struct mc_err *e)
{
    struct wcal_entry *mnc = xcalloc(nmerged + 1, sizeof(*mnc));
    struct wcal *nocomp;
    size_t nmnc = 0;

    for (size_t i = 0; i < nmerged; i++)
        if (merged[i].reason != WCAL_R_COMPENSATORY)
            mnc[nmnc++] = merged[i];
    nocomp = build_near(o, year, mnc, nmnc, e);
    free(mnc);
    if (nocomp == NULL)
        return -1;
    for (size_t i = 0; i < nrows; i++) {
        char d[11];

        if (rows[i].reason != WCAL_R_COMPENSATORY || wcal_is_working(nocomp, rows[i].day) < 0)
            continue;
        if (wcal_reason(nocomp, rows[i].day) != WCAL_R_COMPENSATORY) {
            cal_format_date(rows[i].day, d);
            add(s, (long)i, rows[i].day, WCAL_IMPORT_COMPENSATORY_RULE,
                "%s is not a compensatory day under BLLĐ Art. 111(3)", d);
        }
    }
    wcal_free(nocomp);
    return 0;
}

long
wcal_import_check(const struct wcal_opts *o, const struct wcal_entry *loaded, size_t nloaded,
                  const struct wcal_entry *rows, size_t nrows, int year, int override,
                  struct wcal_import_issue *out, size_t max, size_t *nout, int *year_out,
                  struct mc_err *e)
{
    struct sink s = {out, max, 0, 0, override};
    struct wcal_entry *merged = NULL;
    size_t nmerged = 0;
    int has_comp = 0;
    long rc = -1;

    *year_out = year;
    if (nrows == 0) {
        add(&s, -1, INT32_MIN, WCAL_IMPORT_EMPTY, "the announcement has no row");
        goto done;
    }
    if (nrows > WCAL_IMPORT_MAX_ROWS) {
        add(&s, -1, INT32_MIN, WCAL_IMPORT_TOO_MANY, "more than %d rows", WCAL_IMPORT_MAX_ROWS);
        goto done;
    }
    if (year == 0)
        *year_out = year = cal_date_of(rows[0].day).year;
    for (size_t i = 0; i < nrows; i++)
        has_comp |= check_row(&s, o, rows, i, year);
    if (year < o->first_year || year > o->last_year)
        goto done;
    if (check_rules(&s, o, rows, nrows, year, e) != 0)
        goto fail;
    wcal_import_merge(loaded, nloaded, rows, nrows, &merged, &nmerged);
    if (has_comp && check_compensatory(&s, o, merged, nmerged, rows, nrows, year, e) != 0)
        goto fail;
    check_pairs(&s, merged, nmerged, rows, nrows);
done:
    rc = s.blocking;
fail:
    *nout = s.n;
    free(merged);
    return rc;
}
