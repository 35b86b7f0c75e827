/*
 * wcal.c - the working calendar (contract in wcal.h; rules in domain.md §4 and
 * docs/domain.md "Working calendar").
 *
 * Build order, for every Gregorian year of the range:
 *   1. weekdays work, Saturdays and Sundays rest (ND 45/2013 era five-day week);
 *   2. the fixed holidays of BLLĐ 2019 Art. 112(1) in the form of the law in force that
 *      year (history table below);
 *   3. the announced rows (except announced compensatory days) as far as they decide
 *      days off: Tết, the second Quốc khánh day, swaps, local days;
 *   4. a proposed Tết for lunar years with no announced Tết row, and a proposed second
 *      Quốc khánh day for years with none (the policies of docs/domain.md);
 *   5. compensatory days (Art. 111(3)): a fixed holiday, or the second Quốc khánh day
 *      (announced or proposed), on a Saturday, a Sunday or on another holiday moves to the
 *      next Monday-Friday that is not off yet; holidays are taken in date order, so
 *      compensations chain forward (2023: 29/04 Sat -> 02/05, 30/04 Sun -> 03/05, 01/05
 *      itself a holiday). Tết is not compensated by the rule: the Prime Minister's
 *      decision places the 5 days and their nghỉ bù together (Art. 112(3));
 *   6. every announced row again: an announced row wins over the rules;
 *   7. the policy count_makeup_saturdays and the weekly schedules.
 * The per-day results live in arrays indexed by day - first, so queries are O(1).
 */
#include "domain/wcal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/cal.h"

#define NOTE_MAX 96
#define MAX_SCHEDULES 254

struct wcal {
    int32_t first;
    int32_t last;
    uint8_t *working;   /* per day: 1 working, 0 off */
    uint8_t *reason;    /* per day: enum wcal_reason */
    uint8_t *sched;     /* per day: index into schedules */
    uint16_t *note;     /* per day: index into notes, 0 = "" */
    char (*notes)[NOTE_MAX];
    size_t nnotes;
    size_t notes_cap;
    struct wcal_schedule *schedules;
    size_t nschedules;
};

static const struct wcal_session DEFAULT_SESSIONS[2] = {{420, 690}, {810, 1020}};

struct reason_name {
    const char *key;
    const char *vi;
};

static const struct reason_name REASONS[WCAL_R__COUNT] = {
    [WCAL_R_WORKDAY] = {"workday", "Ngày làm việc"},
    [WCAL_R_WEEKEND] = {"weekend", "Nghỉ cuối tuần"},
    [WCAL_R_NEW_YEAR] = {"new_year", "Tết Dương lịch"},
    [WCAL_R_TET] = {"tet", "Nghỉ Tết Âm lịch"},
    [WCAL_R_TET_PROPOSED] = {"tet_proposed", "Nghỉ Tết Âm lịch (dự kiến, chưa có thông báo)"},
    [WCAL_R_HUNG_KINGS] = {"hung_kings", "Giỗ Tổ Hùng Vương"},
    [WCAL_R_REUNIFICATION] = {"reunification", "Ngày Chiến thắng 30/4"},
    [WCAL_R_LABOUR] = {"labour", "Ngày Quốc tế lao động 1/5"},
    [WCAL_R_NATIONAL_DAY] = {"national_day", "Quốc khánh 2/9"},
    [WCAL_R_NATIONAL_DAY_2] = {"national_day_2", "Nghỉ Quốc khánh (ngày liền kề)"},
    [WCAL_R_COMPENSATORY] = {"compensatory", "Nghỉ bù"},
    [WCAL_R_SWAP_OFF] = {"swap_off", "Nghỉ hoán đổi ngày làm việc"},
    [WCAL_R_MAKEUP_SATURDAY] = {"makeup_saturday", "Làm bù thứ Bảy"},
    [WCAL_R_LOCAL] = {"local", "Nghỉ theo quyết định của địa phương"},
    [WCAL_R_ANNOUNCED] = {"announced", "Nghỉ theo thông báo"},
    [WCAL_R_NATIONAL_DAY_2_PROPOSED] = {"national_day_2_proposed",
                                        "Nghỉ Quốc khánh (ngày liền kề, dự kiến, chưa có thông báo)"},
};

/*
 * Rule notes (Vietnamese), indexes 1.. of the note table. Compensatory days name the
 * holiday they compensate.
 */
enum rule_note {
    N_NONE = 0,
    N_NEW_YEAR,
    N_HUNG_KINGS,
    N_REUNIFICATION,
    N_LABOUR,
    N_NATIONAL_DAY,
    N_NATIONAL_DAY_2_PROPOSED,
    N_TET_PROPOSED,
    N_COMP_NEW_YEAR,
    N_COMP_HUNG_KINGS,
    N_COMP_REUNIFICATION,
    N_COMP_LABOUR,
    N_COMP_NATIONAL_DAY,
    N_COMP_NATIONAL_DAY_2,
    N__RULE_COUNT
};

static const char *const RULE_NOTES[N__RULE_COUNT] = {
    [N_NONE] = "",
    [N_NEW_YEAR] = "Tết Dương lịch 01/01 (BLLĐ 2019 Điều 112 khoản 1 điểm a)",
    [N_HUNG_KINGS] = "Giỗ Tổ Hùng Vương 10/3 âm lịch (BLLĐ 2019 Điều 112 khoản 1 điểm e)",
    [N_REUNIFICATION] = "Ngày Chiến thắng 30/4 (BLLĐ 2019 Điều 112 khoản 1 điểm c)",
    [N_LABOUR] = "Ngày Quốc tế lao động 01/5 (BLLĐ 2019 Điều 112 khoản 1 điểm d)",
    [N_NATIONAL_DAY] = "Quốc khánh 02/9 (BLLĐ 2019 Điều 112 khoản 1 điểm đ)",
    [N_NATIONAL_DAY_2_PROPOSED] = "Ngày liền kề Quốc khánh, dự kiến (chưa có thông báo)",
    [N_TET_PROPOSED] = "Tết Âm lịch dự kiến (chưa có thông báo của Thủ tướng)",
    [N_COMP_NEW_YEAR] = "Nghỉ bù Tết Dương lịch (BLLĐ 2019 Điều 111 khoản 3)",
    [N_COMP_HUNG_KINGS] = "Nghỉ bù Giỗ Tổ Hùng Vương (BLLĐ 2019 Điều 111 khoản 3)",
    [N_COMP_REUNIFICATION] = "Nghỉ bù ngày Chiến thắng 30/4 (BLLĐ 2019 Điều 111 khoản 3)",
    [N_COMP_LABOUR] = "Nghỉ bù ngày Quốc tế lao động 01/5 (BLLĐ 2019 Điều 111 khoản 3)",
    [N_COMP_NATIONAL_DAY] = "Nghỉ bù Quốc khánh (BLLĐ 2019 Điều 111 khoản 3)",
    [N_COMP_NATIONAL_DAY_2] = "Nghỉ bù ngày liền kề Quốc khánh (BLLĐ 2019 Điều 111 khoản 3)",
};

/*
 * The holiday law over time (domain.md §4.2; history in docs/domain.md):
 *   BLLĐ 1994 Art. 73: 01/01, Tết 4 days, 30/04, 01/05, 02/09;
 *   Law 84/2007/QH11 added Giỗ Tổ 10/3 âm lịch from 2007;
 *   BLLĐ 2012 (in force 01/05/2013): Tết 5 days, first applied to Tết 2014;
 *   BLLĐ 2019 (in force 01/01/2021): Quốc khánh 2 days (02/09 and one adjacent day).
 */
#define HUNG_KINGS_FROM 2007
#define TET_5_DAYS_FROM 2014
#define NATIONAL_DAY_2_FROM 2021

void
wcal_opts_default(struct wcal_opts *o)
{
    o->first_year = 1990;
    o->last_year = 2100;
    o->count_makeup_saturdays = 1;
    o->nschedules = 0;
    o->schedules = NULL;
}

static int
is_weekend(int32_t day)
{
    int wd = cal_weekday(day);

    return wd == 0 || wd == 6;
}

static int
in_range(const struct wcal *w, int32_t day)
{
    return day >= w->first && day <= w->last;
}

static uint16_t
add_note(struct wcal *w, const char *text)
{
    /* The per-day index is 16 bits; a calendar never has that many distinct notes, but
       past the limit a day simply shows no note. */
    if (w->nnotes >= UINT16_MAX)
        return 0;
    if (w->nnotes == w->notes_cap) {
        w->notes_cap = w->notes_cap * 2 + 16;
        w->notes = xrealloc(w->notes, w->notes_cap * sizeof(*w->notes));
    }
    snprintf(w->notes[w->nnotes], NOTE_MAX, "%s", text);
    return (uint16_t)w->nnotes++;
}

static void
set_day(struct wcal *w, int32_t day, int working, enum wcal_reason r, uint16_t note)
{
    size_t i;

    if (!in_range(w, day))
        return;
    i = (size_t)(day - w->first);
    w->working[i] = (uint8_t)working;
    w->reason[i] = (uint8_t)r;
    w->note[i] = note;
}

/* A fixed holiday that may need a compensatory day. */
struct holiday {
    int32_t day;
    enum wcal_reason reason;
    uint16_t comp_note;
};

static int
cmp_holiday(const void *a, const void *b)
{
    const struct holiday *x = a, *y = b;

    return (x->day > y->day) - (x->day < y->day);
}

static int
cmp_entry(const void *a, const void *b)
{
    const struct wcal_entry *x = *(const struct wcal_entry *const *)a;
    const struct wcal_entry *y = *(const struct wcal_entry *const *)b;

    return (x->day > y->day) - (x->day < y->day);
}

/* Day of lunar d/m (not leap) of lunar year y, or -1. */
static int32_t
lunar_day(int y, int m, int d)
{
    struct cal_lunar l = {y, m, d, 0};
    int32_t out;

    return cal_from_lunar(&l, &out) == 0 ? out : -1;
}

/* 1 when an announced row with that reason lies in [from, to]. */
static int
announced_between(const struct wcal_entry *const *sorted, size_t n, enum wcal_reason r,
                  int32_t from, int32_t to)
{
    for (size_t i = 0; i < n; i++)
        if (sorted[i]->reason == r && sorted[i]->day >= from && sorted[i]->day <= to)
            return 1;
    return 0;
}

/*
 * Policy "proposed Tết" (docs/domain.md): the public sector gets N weekdays off (5 from
 * Tết 2014, 4 before) starting on the day before giao thừa (the next-to-last day of the
 * old lunar year), or on the first weekday after it. It reproduces every announced Tết of
 * 2020-2026 (tests/unit/test_wcal.c checks it against the data).
 */
static void
propose_tet(struct wcal *w, int lunar_year, uint16_t note)
{
    int32_t d = lunar_day(lunar_year, 1, 1);
    int left = lunar_year >= TET_5_DAYS_FROM ? 5 : 4;

    if (d < 0)
        return;
    for (d -= 2; left > 0; d++) {
        if (is_weekend(d))
            continue;
        set_day(w, d, 0, WCAL_R_TET_PROPOSED, note);
        left--;
    }
}

/*
 * The second Quốc khánh day of year y announced in the data: an off row `national_day_2`
 * on 01/09 or 03/09 (Art. 112(1)(đ): "01 ngày liền kề trước hoặc sau"); rows on other days
 * only label a longer break. A weekday row is preferred to a weekend one. -1 when none.
 */
static int32_t
announced_national_day_2(const struct wcal_entry *const *sorted, size_t n, int y)
{
    int32_t before = cal_days(y, 9, 1), after = cal_days(y, 9, 3), found = -1;

    for (size_t i = 0; i < n; i++) {
        const struct wcal_entry *en = sorted[i];

        if (en->reason != WCAL_R_NATIONAL_DAY_2 || en->working ||
            (en->day != before && en->day != after))
            continue;
        if (!is_weekend(en->day))
            return en->day;
        if (found < 0)
            found = en->day;
    }
    return found;
}

/*
 * Policy "proposed second Quốc khánh day" (docs/domain.md): the weekday next to 02/09 that
 * joins the holiday to a weekend, as the Government chose in 2021-2026: Mon -> Tue 03/09,
 * Tue -> Mon 01/09, Wed -> Tue 01/09, Thu -> Fri 03/09, Fri -> Thu 01/09, Sat -> Fri 01/09,
 * Sun -> Mon 03/09.
 */
static int32_t
propose_national_day_2(int year)
{
    static const int after[7] = {1, 1, 0, 0, 1, 0, 0}; /* by weekday of 02/09, Sunday first */
    int32_t d = cal_days(year, 9, 2);

    return after[cal_weekday(d)] ? d + 1 : d - 1;
}

static int
check_schedules(const struct wcal_opts *o, struct mc_err *e)
{
    if (o->nschedules > MAX_SCHEDULES)
        return err_set(e, ERR_VALIDATION, "too many weekly schedules (%zu)", o->nschedules);
    if (o->nschedules > 0 && o->schedules == NULL)
        return err_set(e, ERR_VALIDATION, "schedules missing");
    for (size_t i = 0; i < o->nschedules; i++) {
        const struct wcal_schedule *s = &o->schedules[i];

        if (i > 0 && s->from_day <= o->schedules[i - 1].from_day)
            return err_set(e, ERR_VALIDATION, "schedule %zu: from_day not increasing", i);
        if (s->nsessions < 1 || s->nsessions > WCAL_MAX_SESSIONS)
            return err_set(e, ERR_VALIDATION, "schedule %zu: %d sessions", i, s->nsessions);
        for (int j = 0; j < s->nsessions; j++) {
            if (s->s[j].start < 0 || s->s[j].end > 1440 || s->s[j].start >= s->s[j].end)
                return err_set(e, ERR_VALIDATION, "schedule %zu: session %d out of the day", i,
                               j);
            if (j > 0 && s->s[j].start < s->s[j - 1].end)
                return err_set(e, ERR_VALIDATION, "schedule %zu: sessions overlap or unsorted",
                               i);
        }
    }
    return 0;
}

static int
check_entries(const struct wcal_entry *const *sorted, size_t n, struct mc_err *e)
{
    char buf[11];

    for (size_t i = 0; i < n; i++) {
        if ((int)sorted[i]->reason < 0 || sorted[i]->reason >= WCAL_R__COUNT)
            return err_set(e, ERR_VALIDATION, "announced row with an unknown reason");
        if (i > 0 && sorted[i]->day == sorted[i - 1]->day) {
            cal_format_date(sorted[i]->day, buf);
            return err_set(e, ERR_VALIDATION, "day %s announced twice", buf);
        }
    }
    return 0;
}

/* Steps 1-2: weekends and the fixed holidays of each year; collects the holidays. */
static size_t
apply_fixed(struct wcal *w, int y, struct holiday *h, const uint16_t *notes)
{
    size_t n = 0;

    h[n++] = (struct holiday){cal_days(y, 1, 1), WCAL_R_NEW_YEAR, notes[N_COMP_NEW_YEAR]};
    if (y >= HUNG_KINGS_FROM) {
        int32_t d = lunar_day(y, 3, 10);

        if (d >= 0)
            h[n++] = (struct holiday){d, WCAL_R_HUNG_KINGS, notes[N_COMP_HUNG_KINGS]};
    }
    h[n++] = (struct holiday){cal_days(y, 4, 30), WCAL_R_REUNIFICATION,
                              notes[N_COMP_REUNIFICATION]};
    h[n++] = (struct holiday){cal_days(y, 5, 1), WCAL_R_LABOUR, notes[N_COMP_LABOUR]};
    h[n++] = (struct holiday){cal_days(y, 9, 2), WCAL_R_NATIONAL_DAY, notes[N_COMP_NATIONAL_DAY]};
    for (size_t i = 0; i < n; i++) {
        uint16_t note = notes[N_NEW_YEAR];

        switch (h[i].reason) {
        case WCAL_R_HUNG_KINGS:
            note = notes[N_HUNG_KINGS];
            break;
        case WCAL_R_REUNIFICATION:
            note = notes[N_REUNIFICATION];
            break;
        case WCAL_R_LABOUR:
            note = notes[N_LABOUR];
            break;
        case WCAL_R_NATIONAL_DAY:
            note = notes[N_NATIONAL_DAY];
            break;
        default:
            break;
        }
        set_day(w, h[i].day, 0, h[i].reason, note);
    }
    return n;
}

/*
 * Step 5 for one year: h sorted by day. A holiday on a weekend, or on a day already taken
 * by an earlier holiday, gives the next Monday-Friday that is neither off nor already a
 * compensatory day (chaining). The compensatory day may fall in the next year.
 */
static void
apply_compensation(struct wcal *w, const struct holiday *h, size_t n, uint8_t *taken)
{
    for (size_t i = 0; i < n; i++) {
        int clash = i > 0 && h[i].day == h[i - 1].day;
        int32_t d;

        if (!is_weekend(h[i].day) && !clash)
            continue;
        for (d = h[i].day + 1; in_range(w, d); d++) {
            size_t j = (size_t)(d - w->first);

            if (!is_weekend(d) && w->working[j] && !taken[j])
                break;
        }
        if (!in_range(w, d))
            continue;
        set_day(w, d, 0, WCAL_R_COMPENSATORY, h[i].comp_note);
        taken[d - w->first] = 1;
    }
}

static void
apply_entry(struct wcal *w, const struct wcal_entry *en, const struct wcal_opts *o)
{
    int working = en->working != 0;
    uint16_t note = 0;

    /* count_makeup_saturdays off: an announced worked weekend day stays a rest day for
       deadlines (domain.md §4.1); the reason still says it was announced as worked. */
    if (working && !o->count_makeup_saturdays && is_weekend(en->day))
        working = 0;
    if (en->note[0] != '\0')
        note = add_note(w, en->note);
    set_day(w, en->day, working, en->reason, note);
}

static void
alloc_days(struct wcal *w, size_t nd)
{
    w->working = xmalloc(nd);
    w->reason = xmalloc(nd);
    w->sched = xmalloc(nd);
    w->note = xmalloc(nd * sizeof(*w->note));
}

/* Checks the options and the entries; *sorted gets the entries by day (NULL when none,
 * free() it). -1 with e filled. */
static int
build_check(const struct wcal_opts *o, const struct wcal_entry *entries, size_t n,
            const struct wcal_entry ***sorted, struct mc_err *e)
{
    *sorted = NULL;
    if (o == NULL || o->first_year < CAL_MIN_YEAR || o->last_year > CAL_MAX_YEAR ||
        o->first_year > o->last_year)
        return err_set(e, ERR_OUT_OF_CALENDAR, "years must lie in %d-%d", CAL_MIN_YEAR,
                       CAL_MAX_YEAR);
    if (n > 0 && entries == NULL)
        return err_set(e, ERR_VALIDATION, "entries missing");
    if (check_schedules(o, e) != 0)
        return -1;
    if (n == 0)
        return 0;
    *sorted = xmalloc(n * sizeof(**sorted));
    for (size_t i = 0; i < n; i++)
        (*sorted)[i] = &entries[i];
    qsort(*sorted, n, sizeof(**sorted), cmp_entry);
    if (check_entries(*sorted, n, e) != 0) {
        free(*sorted);
        *sorted = NULL;
        return -1;
    }
    return 0;
}

/* Steps 2-5 for year y: fixed holidays, the year's announced days off (except
 * compensatory ones: the rules place those; an announced one must agree and is applied in
 * step 6), proposals where nothing is announced, compensatory days. */
static void
build_year(struct wcal *w, const struct wcal_opts *o, int y, const struct wcal_entry **sorted,
           size_t n, const uint16_t *rule_notes, uint8_t *taken)
{
    struct holiday h[8];
    size_t nh;
    int32_t tet = lunar_day(y, 1, 1);
    int32_t jan1 = cal_days(y, 1, 1), dec31 = cal_days(y, 12, 31);

    nh = apply_fixed(w, y, h, rule_notes);
    for (size_t i = 0; i < n; i++)
        if (sorted[i]->day >= jan1 && sorted[i]->day <= dec31 && !sorted[i]->working &&
            sorted[i]->reason != WCAL_R_COMPENSATORY)
            apply_entry(w, sorted[i], o);
    if (tet >= 0 && !announced_between(sorted, n, WCAL_R_TET, tet - 15, tet + 15))
        propose_tet(w, y, rule_notes[N_TET_PROPOSED]);
    if (y >= NATIONAL_DAY_2_FROM) {
        int32_t d2 = -1;

        if (!announced_between(sorted, n, WCAL_R_NATIONAL_DAY_2, cal_days(y, 8, 25),
                               cal_days(y, 9, 9))) {
            d2 = propose_national_day_2(y);
            set_day(w, d2, 0, WCAL_R_NATIONAL_DAY_2_PROPOSED,
                    rule_notes[N_NATIONAL_DAY_2_PROPOSED]);
        } else {
            d2 = announced_national_day_2(sorted, n, y);
        }
        /* Art. 111(3) covers every Art. 112(1) holiday, the second Quốc khánh day
           included: on a weekly rest day it is compensated like 02/09 (the proposal
           never places it on a weekend; an announcement might) */
        if (d2 >= 0)
            h[nh++] = (struct holiday){d2, WCAL_R_NATIONAL_DAY_2,
                                       rule_notes[N_COMP_NATIONAL_DAY_2]};
    }
    qsort(h, nh, sizeof(h[0]), cmp_holiday);
    apply_compensation(w, h, nh, taken);
}

/* Step 7, the weekly schedules: index 0 is the default, 1.. the given ones. */
static void
build_schedules(struct wcal *w, const struct wcal_opts *o)
{
    size_t si = 0;

    w->nschedules = o->nschedules + 1;
    w->schedules = xcalloc(w->nschedules, sizeof(*w->schedules));
    w->schedules[0].from_day = INT32_MIN;
    w->schedules[0].nsessions = 2;
    memcpy(w->schedules[0].s, DEFAULT_SESSIONS, sizeof(DEFAULT_SESSIONS));
    if (o->nschedules > 0)
        memcpy(w->schedules + 1, o->schedules, o->nschedules * sizeof(*o->schedules));
    for (int32_t d = w->first; d <= w->last; d++) {
        while (si + 1 < w->nschedules && w->schedules[si + 1].from_day <= d)
            si++;
        w->sched[d - w->first] = (uint8_t)si;
    }
}

struct wcal *
wcal_build(const struct wcal_opts *o, const struct wcal_entry *entries, size_t n,
           struct mc_err *e)
{
    struct wcal *w;
    const struct wcal_entry **sorted;
    uint8_t *taken;
    uint16_t rule_notes[N__RULE_COUNT];
    size_t nd;

    if (build_check(o, entries, n, &sorted, e) != 0)
        return NULL;
    w = xcalloc(1, sizeof(*w));
    w->first = cal_days(o->first_year, 1, 1);
    w->last = cal_days(o->last_year, 12, 31);
    nd = (size_t)(w->last - w->first + 1);
    alloc_days(w, nd);
    taken = xcalloc(nd, 1);
    for (int i = 0; i < N__RULE_COUNT; i++)
        rule_notes[i] = add_note(w, RULE_NOTES[i]);
    /* 1. weekdays and weekends */
    for (int32_t d = w->first; d <= w->last; d++)
        set_day(w, d, !is_weekend(d), is_weekend(d) ? WCAL_R_WEEKEND : WCAL_R_WORKDAY, 0);
    /* 2-5. each year's holidays, announced days off, proposals, compensatory days */
    for (int y = o->first_year; y <= o->last_year; y++)
        build_year(w, o, y, sorted, n, rule_notes, taken);
    /* 6. announced rows win */
    for (size_t i = 0; i < n; i++)
        if (in_range(w, sorted[i]->day))
            apply_entry(w, sorted[i], o);
    free(taken);
    free(sorted);
    build_schedules(w, o);
    return w;
}

void
wcal_free(struct wcal *w)
{
    if (w == NULL)
        return;
    free(w->working);
    free(w->reason);
    free(w->sched);
    free(w->note);
    free(w->notes);
    free(w->schedules);
    free(w);
}

int32_t
wcal_first_day(const struct wcal *w)
{
    return w->first;
}

int32_t
wcal_last_day(const struct wcal *w)
{
    return w->last;
}

int
wcal_is_working(const struct wcal *w, int32_t day)
{
    if (!in_range(w, day))
        return -1;
    return w->working[day - w->first];
}

enum wcal_reason
wcal_reason(const struct wcal *w, int32_t day)
{
    /* Outside the range only the weekly rest is known. */
    if (!in_range(w, day))
        return is_weekend(day) ? WCAL_R_WEEKEND : WCAL_R_WORKDAY;
    return (enum wcal_reason)w->reason[day - w->first];
}

const char *
wcal_note(const struct wcal *w, int32_t day)
{
    if (!in_range(w, day))
        return "";
    return w->notes[w->note[day - w->first]];
}

int
wcal_sessions(const struct wcal *w, int32_t day, const struct wcal_session **s)
{
    const struct wcal_schedule *sc;

    if (!in_range(w, day) || !w->working[day - w->first]) {
        *s = NULL;
        return 0;
    }
    sc = &w->schedules[w->sched[day - w->first]];
    *s = sc->s;
    return sc->nsessions;
}

int
wcal_day_minutes(const struct wcal *w, int32_t day)
{
    const struct wcal_session *s;
    int n = wcal_sessions(w, day, &s), m = 0;

    for (int i = 0; i < n; i++)
        m += s[i].end - s[i].start;
    return m;
}

int
wcal_is_proposed(const struct wcal *w, int32_t day)
{
    enum wcal_reason r;

    if (!in_range(w, day))
        return 0;
    r = (enum wcal_reason)w->reason[day - w->first];
    return r == WCAL_R_TET_PROPOSED || r == WCAL_R_NATIONAL_DAY_2_PROPOSED;
}

int32_t
wcal_first_proposed(const struct wcal *w, int32_t from, int32_t to)
{
    if (from < w->first)
        from = w->first;
    if (to > w->last)
        to = w->last;
    for (int32_t d = from; d <= to; d++)
        if (wcal_is_proposed(w, d))
            return d;
    return -1;
}

int
wcal_crosses_proposed(const struct wcal *w, int32_t start_day, int32_t due_day)
{
    return wcal_first_proposed(w, start_day, due_day) >= 0;
}

void
wcal_horizon(const struct wcal *w, int32_t today, struct wcal_horizon *h)
{
    struct cal_date t;
    int32_t jan1, dec31, first;

    memset(h, 0, sizeof(*h));
    if (!in_range(w, today))
        return;
    t = cal_date_of(today);
    h->next_year = t.year + 1;
    jan1 = cal_days(h->next_year, 1, 1);
    dec31 = cal_days(h->next_year, 12, 31);
    h->next_year_announced = 1;
    for (int32_t d = jan1; d <= dec31 && d <= w->last; d++)
        if (w->reason[d - w->first] == WCAL_R_TET_PROPOSED) {
            h->next_year_announced = 0;
            break;
        }
    first = wcal_first_proposed(w, today, w->last);
    h->last_announced = first < 0 ? w->last : first - 1;
    h->alarm = !h->next_year_announced && t.month >= WCAL_HORIZON_MONTH;
}

const char *
wcal_reason_vi(enum wcal_reason r)
{
    if ((int)r < 0 || r >= WCAL_R__COUNT)
        return "";
    return REASONS[r].vi;
}

const char *
wcal_reason_key(enum wcal_reason r)
{
    if ((int)r < 0 || r >= WCAL_R__COUNT)
        return "";
    return REASONS[r].key;
}

int
wcal_reason_parse(const char *key)
{
    if (key == NULL)
        return -1;
    for (int i = 0; i < WCAL_R__COUNT; i++)
        if (strcmp(REASONS[i].key, key) == 0)
            return i;
    return -1;
}

/* ---- the data file ------------------------------------------------------------------------ */

/* 1 when s[0..n) is well-formed UTF-8 with no control characters. */
static int
valid_text(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        uint32_t cp;

        if (c < 0x20 || c == 0x7f)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

/* Parses one data line (no newline); 0 or -1 with the reason in e. */
static int
parse_line(const char *s, size_t n, struct wcal_entry *en, struct mc_err *e, size_t lineno)
{
    const char *f[4];
    size_t fl[4], nf = 0, start = 0;
    char key[32];
    int r;

    /* Three tab-ended fields, then the note runs to the end of the line. */
    for (size_t i = 0; i <= n; i++) {
        if (nf == 3) {
            f[nf] = s + start;
            fl[nf++] = n - start;
            break;
        }
        if (i == n || s[i] == '\t') {
            f[nf] = s + start;
            fl[nf++] = i - start;
            start = i + 1;
            if (i == n)
                break;
        }
    }
    if (nf < 3 || (nf == 4 && memchr(f[3], '\t', fl[3]) != NULL))
        return err_set(e, ERR_VALIDATION, "line %zu: expected day, off|work, reason, note",
                       lineno);
    if (cal_parse_date(f[0], fl[0], &en->day) != 0)
        return err_set(e, ERR_VALIDATION, "line %zu: bad date", lineno);
    if (fl[1] == 3 && memcmp(f[1], "off", 3) == 0)
        en->working = 0;
    else if (fl[1] == 4 && memcmp(f[1], "work", 4) == 0)
        en->working = 1;
    else
        return err_set(e, ERR_VALIDATION, "line %zu: second column must be off or work",
                       lineno);
    if (fl[2] == 0 || fl[2] >= sizeof(key))
        return err_set(e, ERR_VALIDATION, "line %zu: unknown reason", lineno);
    memcpy(key, f[2], fl[2]);
    key[fl[2]] = '\0';
    r = wcal_reason_parse(key);
    /* Only announced reasons: the data cannot claim to be a rule or a proposal. */
    if (r < 0 || r == WCAL_R_WORKDAY || r == WCAL_R_WEEKEND || r == WCAL_R_TET_PROPOSED ||
        r == WCAL_R_NATIONAL_DAY_2_PROPOSED)
        return err_set(e, ERR_VALIDATION, "line %zu: unknown reason '%.31s'", lineno, key);
    en->reason = (enum wcal_reason)r;
    en->note[0] = '\0';
    if (nf == 4) {
        if (fl[3] >= sizeof(en->note))
            return err_set(e, ERR_VALIDATION, "line %zu: note longer than %zu bytes", lineno,
                           sizeof(en->note) - 1);
        if (!valid_text((const unsigned char *)f[3], fl[3]))
            return err_set(e, ERR_VALIDATION, "line %zu: note is not valid UTF-8 text", lineno);
        memcpy(en->note, f[3], fl[3]);
        en->note[fl[3]] = '\0';
    }
    return 0;
}

int
wcal_parse_tsv(const char *text, size_t len, struct wcal_entry **out, size_t *n,
               struct mc_err *e)
{
    struct wcal_entry *v = NULL;
    size_t cnt = 0, cap = 0, lineno = 0, pos = 0;

    if (text == NULL && len > 0)
        return err_set(e, ERR_VALIDATION, "no data");
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl != NULL ? (size_t)(nl - line) : len - pos;

        pos += ll + (nl != NULL);
        lineno++;
        if (ll > 0 && line[ll - 1] == '\r')
            ll--;
        if (ll == 0 || line[0] == '#')
            continue;
        if (cnt == cap) {
            cap = cap * 2 + 64;
            v = xrealloc(v, cap * sizeof(*v));
        }
        if (parse_line(line, ll, &v[cnt], e, lineno) != 0) {
            free(v);
            return -1;
        }
        cnt++;
    }
    *out = v;
    *n = cnt;
    return 0;
}
