/*
 * test_wcal.c - server/domain/wcal.c: the working calendar.
 *
 * The yearly tables are typed in from domain.md §4.3 (the announced public-sector
 * schedule) and compared day by day over whole years with the calendar built from the
 * rules plus sql/calendar_vn.tsv (the copy embedded in the binary).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/embed.h"
#include "domain/cal.h"
#include "domain/wcal.h"

static int32_t
D(const char *s)
{
    int32_t d;

    if (cal_parse_date(s, strlen(s), &d) != 0)
        fail_msg("bad date in test table: %s", s);
    return d;
}

static struct wcal *
build(int first, int last, int makeup, int with_data)
{
    struct wcal_opts o;
    struct wcal_entry *en = NULL;
    size_t n = 0;
    struct mc_err e;
    struct wcal *w;

    wcal_opts_default(&o);
    o.first_year = first;
    o.last_year = last;
    o.count_makeup_saturdays = makeup;
    if (with_data) {
        const struct embed_file *f = embed_find("calendar_vn.tsv");

        assert_non_null(f);
        assert_int_equal(wcal_parse_tsv((const char *)f->data, f->len, &en, &n, &e), 0);
        assert_true(n > 0);
    }
    w = wcal_build(&o, en, n, &e);
    free(en);
    if (w == NULL)
        fail_msg("wcal_build: %s", e.detail);
    return w;
}

/* ---- the announced years, day by day ------------------------------------------------------ */

struct listed_day {
    const char *day;
    enum wcal_reason reason;
};

struct year_case {
    int year;
    struct listed_day off[16]; /* weekdays off (domain.md §4.3), ends with NULL */
    struct listed_day work[4]; /* Saturdays worked */
};

static const struct year_case YEARS[] = {
    {2023,
     {{"2023-01-02", WCAL_R_COMPENSATORY},
      {"2023-01-20", WCAL_R_TET},
      {"2023-01-23", WCAL_R_TET},
      {"2023-01-24", WCAL_R_TET},
      {"2023-01-25", WCAL_R_TET},
      {"2023-01-26", WCAL_R_TET},
      {"2023-05-01", WCAL_R_LABOUR},
      {"2023-05-02", WCAL_R_COMPENSATORY},
      {"2023-05-03", WCAL_R_COMPENSATORY},
      {"2023-09-01", WCAL_R_NATIONAL_DAY_2},
      {"2023-09-04", WCAL_R_COMPENSATORY},
      {NULL, 0}},
     {{NULL, 0}}},
    {2024,
     {{"2024-01-01", WCAL_R_NEW_YEAR},
      {"2024-02-08", WCAL_R_TET},
      {"2024-02-09", WCAL_R_TET},
      {"2024-02-12", WCAL_R_TET},
      {"2024-02-13", WCAL_R_TET},
      {"2024-02-14", WCAL_R_TET},
      {"2024-04-18", WCAL_R_HUNG_KINGS},
      {"2024-04-29", WCAL_R_SWAP_OFF},
      {"2024-04-30", WCAL_R_REUNIFICATION},
      {"2024-05-01", WCAL_R_LABOUR},
      {"2024-09-02", WCAL_R_NATIONAL_DAY},
      {"2024-09-03", WCAL_R_NATIONAL_DAY_2},
      {NULL, 0}},
     {{"2024-05-04", WCAL_R_MAKEUP_SATURDAY}, {NULL, 0}}},
    {2025,
     {{"2025-01-01", WCAL_R_NEW_YEAR},
      {"2025-01-27", WCAL_R_TET},
      {"2025-01-28", WCAL_R_TET},
      {"2025-01-29", WCAL_R_TET},
      {"2025-01-30", WCAL_R_TET},
      {"2025-01-31", WCAL_R_TET},
      {"2025-04-07", WCAL_R_HUNG_KINGS},
      {"2025-04-30", WCAL_R_REUNIFICATION},
      {"2025-05-01", WCAL_R_LABOUR},
      {"2025-05-02", WCAL_R_SWAP_OFF},
      {"2025-09-01", WCAL_R_NATIONAL_DAY_2},
      {"2025-09-02", WCAL_R_NATIONAL_DAY},
      {NULL, 0}},
     {{"2025-04-26", WCAL_R_MAKEUP_SATURDAY}, {NULL, 0}}},
    {2026,
     {{"2026-01-01", WCAL_R_NEW_YEAR},
      /* CV 12729/VPCP-KGVX 25/12/2025: Fri 02/01 off, paid back on Sat 10/01 */
      {"2026-01-02", WCAL_R_SWAP_OFF},
      {"2026-02-16", WCAL_R_TET},
      {"2026-02-17", WCAL_R_TET},
      {"2026-02-18", WCAL_R_TET},
      {"2026-02-19", WCAL_R_TET},
      {"2026-02-20", WCAL_R_TET},
      {"2026-04-27", WCAL_R_COMPENSATORY},
      {"2026-04-30", WCAL_R_REUNIFICATION},
      {"2026-05-01", WCAL_R_LABOUR},
      {"2026-08-31", WCAL_R_SWAP_OFF},
      {"2026-09-01", WCAL_R_NATIONAL_DAY_2},
      {"2026-09-02", WCAL_R_NATIONAL_DAY},
      {NULL, 0}},
     {{"2026-01-10", WCAL_R_MAKEUP_SATURDAY}, {"2026-08-22", WCAL_R_MAKEUP_SATURDAY}, {NULL, 0}}},
    /* 2020: only Tết is announced in the data (domain.md §4.3); the rest are the rules
       (BLLĐ 2012: one Quốc khánh day). 01/01 Wed, Giỗ Tổ Thu 02/04, 30/04 Thu, 01/05 Fri,
       02/09 Wed. */
    {2020,
     {{"2020-01-01", WCAL_R_NEW_YEAR},
      {"2020-01-23", WCAL_R_TET},
      {"2020-01-24", WCAL_R_TET},
      {"2020-01-27", WCAL_R_TET},
      {"2020-01-28", WCAL_R_TET},
      {"2020-01-29", WCAL_R_TET},
      {"2020-04-02", WCAL_R_HUNG_KINGS},
      {"2020-04-30", WCAL_R_REUNIFICATION},
      {"2020-05-01", WCAL_R_LABOUR},
      {"2020-09-02", WCAL_R_NATIONAL_DAY},
      {NULL, 0}},
     {{NULL, 0}}},
};

/* Checks a whole year against a table; proposed = expect rules-only reasons. */
static void
check_year(const struct wcal *w, const struct year_case *c)
{
    int32_t first = cal_days(c->year, 1, 1), last = cal_days(c->year, 12, 31);
    int offs = 0, works = 0, off_days = 0;

    for (int32_t d = first; d <= last; d++) {
        int wd = cal_weekday(d), want = wd != 0 && wd != 6;
        enum wcal_reason r = want ? WCAL_R_WORKDAY : WCAL_R_WEEKEND;
        int listed = 0;
        char buf[11];

        for (const struct listed_day *l = c->off; l->day != NULL; l++)
            if (D(l->day) == d) {
                want = 0;
                r = l->reason;
                listed = 1;
            }
        for (const struct listed_day *l = c->work; l->day != NULL; l++)
            if (D(l->day) == d) {
                want = 1;
                r = l->reason;
                listed = 1;
            }
        cal_format_date(d, buf);
        if (wcal_is_working(w, d) != want)
            fail_msg("%s: working %d, want %d", buf, wcal_is_working(w, d), want);
        /* weekend days inside a holiday break may carry its reason (e.g. Tết) */
        if ((listed || want) && wcal_reason(w, d) != r)
            fail_msg("%s: reason %s, want %s", buf, wcal_reason_key(wcal_reason(w, d)),
                     wcal_reason_key(r));
        if (!want && wd != 0 && wd != 6)
            off_days++;
        assert_int_equal(wcal_day_minutes(w, d), want ? 480 : 0);
    }
    for (const struct listed_day *l = c->off; l->day != NULL; l++)
        offs++;
    for (const struct listed_day *l = c->work; l->day != NULL; l++)
        works++;
    assert_int_equal(off_days, offs);
    (void)works;
}

static void
test_announced_years(void **state)
{
    struct wcal *w = build(2019, 2027, 1, 1);

    (void)state;
    for (size_t i = 0; i < sizeof(YEARS) / sizeof(YEARS[0]); i++)
        check_year(w, &YEARS[i]);
    /* notes: the announced row's note, the rule's note otherwise */
    assert_non_null(strstr(wcal_note(w, D("2026-02-17")), "9859/VPCP-KGVX"));
    assert_non_null(strstr(wcal_note(w, D("2026-04-30")), "Điều 112"));
    assert_string_equal(wcal_note(w, D("2026-03-03")), "");
    wcal_free(w);
}

/*
 * Without data, the rules and the proposal policies (docs/domain.md) give the same days off
 * as the announcements of 2020 and 2023-2026, except the swaps, which no rule can guess.
 */
struct swap_case {
    const char *day;
};

static const struct swap_case SWAPS[] = {
    {"2024-04-29"}, {"2024-05-04"}, {"2025-05-02"}, {"2025-04-26"}, {"2026-08-31"}, {"2026-08-22"},
    {"2026-01-02"}, {"2026-01-10"}, /* CV 12729/VPCP-KGVX */
};

static void
test_rules_match_announcements(void **state)
{
    struct wcal *rules = build(2020, 2026, 1, 0), *data = build(2020, 2026, 1, 1);
    int differ = 0;

    (void)state;
    for (int32_t d = cal_days(2020, 1, 1); d <= cal_days(2026, 12, 31); d++) {
        int swap = 0, y = cal_date_of(d).year;

        if (y == 2021 || y == 2022)
            continue; /* no announcement in the data */
        for (size_t i = 0; i < sizeof(SWAPS) / sizeof(SWAPS[0]); i++)
            swap |= D(SWAPS[i].day) == d;
        if (swap) {
            assert_int_not_equal(wcal_is_working(rules, d), wcal_is_working(data, d));
            differ++;
        } else if (wcal_is_working(rules, d) != wcal_is_working(data, d)) {
            char buf[11];

            cal_format_date(d, buf);
            fail_msg("%s: rules %d, announced %d", buf, wcal_is_working(rules, d),
                     wcal_is_working(data, d));
        }
        /* proposed Tết days are marked so */
        if (wcal_reason(data, d) == WCAL_R_TET && cal_weekday(d) != 0 && cal_weekday(d) != 6)
            assert_int_equal(wcal_reason(rules, d), WCAL_R_TET_PROPOSED);
        /* every announced compensatory day is one the Art. 111(3) rule gives */
        if (wcal_reason(data, d) == WCAL_R_COMPENSATORY)
            assert_int_equal(wcal_reason(rules, d), WCAL_R_COMPENSATORY);
    }
    assert_int_equal(differ, 8);
    wcal_free(rules);
    wcal_free(data);
}

/* ---- rules -------------------------------------------------------------------------------- */

struct rule_case {
    const char *day;
    int working;
    enum wcal_reason reason;
};

/* Rules only (no data). Expected values worked out by hand from BLLĐ 2019 Art. 111(3),
   112 and the proposal policies of docs/domain.md. */
static const struct rule_case RULES[] = {
    /* 2023: Giỗ Tổ Sat 29/04, 30/04 Sun, 01/05 Mon -> compensations chain to 02/05, 03/05 */
    {"2023-04-28", 1, WCAL_R_WORKDAY},
    {"2023-04-29", 0, WCAL_R_HUNG_KINGS},
    {"2023-04-30", 0, WCAL_R_REUNIFICATION},
    {"2023-05-01", 0, WCAL_R_LABOUR},
    {"2023-05-02", 0, WCAL_R_COMPENSATORY},
    {"2023-05-03", 0, WCAL_R_COMPENSATORY},
    {"2023-05-04", 1, WCAL_R_WORKDAY},
    /* 01/01/2023 Sunday -> Mon 02/01 */
    {"2023-01-02", 0, WCAL_R_COMPENSATORY},
    {"2023-01-03", 1, WCAL_R_WORKDAY},
    /* 02/09/2023 Saturday: proposed adjacent Fri 01/09, compensation Mon 04/09 */
    {"2023-09-01", 0, WCAL_R_NATIONAL_DAY_2_PROPOSED},
    {"2023-09-04", 0, WCAL_R_COMPENSATORY},
    {"2023-09-05", 1, WCAL_R_WORKDAY},
    /* 2027: Tết Sat 06/02; day before giao thừa Thu 04/02 -> Thu 04, Fri 05, Mon 08, Tue 09,
       Wed 10 proposed; Giỗ Tổ Fri 16/04; 02/09 Thu -> Fri 03/09 proposed */
    {"2027-02-03", 1, WCAL_R_WORKDAY},
    {"2027-02-04", 0, WCAL_R_TET_PROPOSED},
    {"2027-02-05", 0, WCAL_R_TET_PROPOSED},
    {"2027-02-06", 0, WCAL_R_WEEKEND},
    {"2027-02-08", 0, WCAL_R_TET_PROPOSED},
    {"2027-02-09", 0, WCAL_R_TET_PROPOSED},
    {"2027-02-10", 0, WCAL_R_TET_PROPOSED},
    {"2027-02-11", 1, WCAL_R_WORKDAY},
    {"2027-04-16", 0, WCAL_R_HUNG_KINGS},
    {"2027-09-02", 0, WCAL_R_NATIONAL_DAY},
    {"2027-09-03", 0, WCAL_R_NATIONAL_DAY_2_PROPOSED},
    {"2027-09-01", 1, WCAL_R_WORKDAY},
    /* 2028: 01/01 Sat -> Mon 03/01; 30/04 Sun -> Tue 02/05 (Mon 01/05 is a holiday) */
    {"2028-01-03", 0, WCAL_R_COMPENSATORY},
    {"2028-05-01", 0, WCAL_R_LABOUR},
    {"2028-05-02", 0, WCAL_R_COMPENSATORY},
    {"2028-05-03", 1, WCAL_R_WORKDAY},
    /* 2029: 02/09 Sun -> proposed adjacent Mon 03/09, compensation Tue 04/09 */
    {"2029-09-03", 0, WCAL_R_NATIONAL_DAY_2_PROPOSED},
    {"2029-09-04", 0, WCAL_R_COMPENSATORY},
    {"2029-09-05", 1, WCAL_R_WORKDAY},
    /* history: before BLLĐ 2019 Quốc khánh was one day (02/09/2020 Wed, 01/09 Tue works) */
    {"2020-09-01", 1, WCAL_R_WORKDAY},
    {"2020-09-03", 1, WCAL_R_WORKDAY},
    /* 2006: Giỗ Tổ (07/04/2006) not yet a holiday (Law 84/2007/QH11) */
    {"2006-04-07", 1, WCAL_R_WORKDAY},
    {"2007-04-26", 0, WCAL_R_HUNG_KINGS},
};

static void
test_rules(void **state)
{
    struct wcal *w = build(2005, 2030, 1, 0);

    (void)state;
    for (size_t i = 0; i < sizeof(RULES) / sizeof(RULES[0]); i++) {
        int32_t d = D(RULES[i].day);

        if (wcal_is_working(w, d) != RULES[i].working || wcal_reason(w, d) != RULES[i].reason)
            fail_msg("%s: working %d reason %s, want %d %s", RULES[i].day,
                     wcal_is_working(w, d), wcal_reason_key(wcal_reason(w, d)),
                     RULES[i].working, wcal_reason_key(RULES[i].reason));
    }
    wcal_free(w);
}

/*
 * BLLĐ 2019 Art. 111(3): "Nếu ngày nghỉ hằng tuần trùng với ngày nghỉ lễ, tết quy định tại
 * khoản 1 Điều 112 ... thì người lao động được nghỉ bù ngày nghỉ hằng tuần vào ngày làm việc
 * kế tiếp" - every Art. 112(1) holiday, so also the second Quốc khánh day of 112(1)(đ) when the
 * announcement places it on a weekend. Expected values typed from the law, by hand.
 */
static const struct {
    const char *announced[2]; /* national_day_2 rows; NULL = unused */
    struct rule_case want[6];
} ND2_COMP[] = {
    /* 2029: Sat 01/09 announced, 02/09 Sun: 01/09 -> Mon 03/09, 02/09 -> Tue 04/09 */
    {{"2029-09-01", NULL},
     {{"2029-09-01", 0, WCAL_R_NATIONAL_DAY_2},
      {"2029-09-02", 0, WCAL_R_NATIONAL_DAY},
      {"2029-09-03", 0, WCAL_R_COMPENSATORY},
      {"2029-09-04", 0, WCAL_R_COMPENSATORY},
      {"2029-09-05", 1, WCAL_R_WORKDAY},
      {"2029-08-31", 1, WCAL_R_WORKDAY}}},
    /* 2030: Sun 01/09 announced, Mon 02/09 itself a holiday -> Tue 03/09 */
    {{"2030-09-01", NULL},
     {{"2030-09-01", 0, WCAL_R_NATIONAL_DAY_2},
      {"2030-09-02", 0, WCAL_R_NATIONAL_DAY},
      {"2030-09-03", 0, WCAL_R_COMPENSATORY},
      {"2030-09-04", 1, WCAL_R_WORKDAY},
      {"2030-08-30", 1, WCAL_R_WORKDAY},
      {"2030-09-05", 1, WCAL_R_WORKDAY}}},
    /* 2028: 02/09 Sat, Sun 03/09 announced: 02/09 -> Mon 04/09, 03/09 -> Tue 05/09; Fri 01/09
       works (announced, so nothing is proposed) */
    {{"2028-09-03", NULL},
     {{"2028-09-01", 1, WCAL_R_WORKDAY},
      {"2028-09-02", 0, WCAL_R_NATIONAL_DAY},
      {"2028-09-03", 0, WCAL_R_NATIONAL_DAY_2},
      {"2028-09-04", 0, WCAL_R_COMPENSATORY},
      {"2028-09-05", 0, WCAL_R_COMPENSATORY},
      {"2028-09-06", 1, WCAL_R_WORKDAY}}},
    /* 2029 with the weekday Mon 03/09 announced and Sat 01/09 only labelling the break: the
       legal adjacent day is Mon 03/09 (a weekday, no compensation); 02/09 Sun -> Tue 04/09 */
    {{"2029-09-01", "2029-09-03"},
     {{"2029-09-01", 0, WCAL_R_NATIONAL_DAY_2},
      {"2029-09-03", 0, WCAL_R_NATIONAL_DAY_2},
      {"2029-09-04", 0, WCAL_R_COMPENSATORY},
      {"2029-09-05", 1, WCAL_R_WORKDAY},
      {"2029-09-06", 1, WCAL_R_WORKDAY},
      {"2029-08-31", 1, WCAL_R_WORKDAY}}},
};

static void
test_national_day_2_compensated(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ND2_COMP) / sizeof(ND2_COMP[0]); i++) {
        struct wcal_entry en[2];
        struct wcal_opts o;
        struct mc_err e;
        struct wcal *w;
        size_t n = 0;

        memset(en, 0, sizeof(en));
        for (int k = 0; k < 2 && ND2_COMP[i].announced[k] != NULL; k++) {
            en[n].day = D(ND2_COMP[i].announced[k]);
            en[n].working = 0;
            en[n].reason = WCAL_R_NATIONAL_DAY_2;
            n++;
        }
        wcal_opts_default(&o);
        o.first_year = 2027;
        o.last_year = 2031;
        w = wcal_build(&o, en, n, &e);
        assert_non_null(w);
        for (size_t k = 0; k < 6; k++) {
            const struct rule_case *c = &ND2_COMP[i].want[k];
            int32_t d = D(c->day);

            if (wcal_is_working(w, d) != c->working || wcal_reason(w, d) != c->reason)
                fail_msg("%s: working %d reason %s, want %d %s", c->day, wcal_is_working(w, d),
                         wcal_reason_key(wcal_reason(w, d)), c->working,
                         wcal_reason_key(c->reason));
        }
        wcal_free(w);
    }
}

/* The compensation of a weekend second day names it. */
static void
test_national_day_2_comp_note(void **state)
{
    struct wcal_entry en = {0, 0, WCAL_R_NATIONAL_DAY_2, ""};
    struct wcal_opts o;
    struct mc_err e;
    struct wcal *w;

    (void)state;
    en.day = D("2029-09-01");
    wcal_opts_default(&o);
    o.first_year = 2029;
    o.last_year = 2029;
    w = wcal_build(&o, &en, 1, &e);
    assert_non_null(w);
    assert_non_null(strstr(wcal_note(w, D("2029-09-03")), "ngày liền kề Quốc khánh"));
    assert_null(strstr(wcal_note(w, D("2029-09-04")), "liền kề"));
    assert_non_null(strstr(wcal_note(w, D("2029-09-04")), "Nghỉ bù Quốc khánh"));
    wcal_free(w);
}

/* Policy count_makeup_saturdays off: the worked Saturday is a rest day, the swap stays. */
static void
test_makeup_policy_off(void **state)
{
    struct wcal *on = build(2026, 2026, 1, 1), *off = build(2026, 2026, 0, 1);
    const struct wcal_session *s;

    (void)state;
    assert_int_equal(wcal_is_working(on, D("2026-08-22")), 1);
    assert_int_equal(wcal_is_working(off, D("2026-08-22")), 0);
    assert_int_equal(wcal_reason(off, D("2026-08-22")), WCAL_R_MAKEUP_SATURDAY);
    assert_int_equal(wcal_sessions(off, D("2026-08-22"), &s), 0);
    assert_int_equal(wcal_sessions(on, D("2026-08-22"), &s), 2);
    assert_int_equal(wcal_is_working(off, D("2026-08-31")), 0);
    assert_int_equal(wcal_is_working(off, D("2026-01-10")), 0); /* CV 12729's Saturday */
    assert_int_equal(wcal_is_working(on, D("2026-01-10")), 1);
    for (int32_t d = wcal_first_day(on); d <= wcal_last_day(on); d++)
        if (d != D("2026-08-22") && d != D("2026-01-10"))
            assert_int_equal(wcal_is_working(on, d), wcal_is_working(off, d));
    wcal_free(on);
    wcal_free(off);
}

/* ---- sessions ------------------------------------------------------------------------------ */

static void
test_sessions(void **state)
{
    /* a summer schedule from 2026-05-01, back to the default hours from 2026-10-01 */
    const struct wcal_schedule sch[2] = {
        {D("2026-05-01"), 2, {{420, 660}, {780, 1020}}},
        {D("2026-10-01"), 2, {{420, 690}, {810, 1020}}},
    };
    struct wcal_opts o;
    struct mc_err e;
    struct wcal *w;
    const struct wcal_session *s;

    (void)state;
    wcal_opts_default(&o);
    o.first_year = 2026;
    o.last_year = 2026;
    o.nschedules = 2;
    o.schedules = sch;
    w = wcal_build(&o, NULL, 0, &e);
    assert_non_null(w);
    /* before the first schedule: the default 07:00-11:30, 13:30-17:00 */
    assert_int_equal(wcal_sessions(w, D("2026-04-29"), &s), 2);
    assert_int_equal(s[0].start, 420);
    assert_int_equal(s[0].end, 690);
    assert_int_equal(s[1].start, 810);
    assert_int_equal(s[1].end, 1020);
    assert_int_equal(wcal_day_minutes(w, D("2026-04-29")), 480);
    /* 2026-05-01 is a holiday: no sessions */
    assert_int_equal(wcal_sessions(w, D("2026-05-01"), &s), 0);
    assert_int_equal(wcal_day_minutes(w, D("2026-05-01")), 0);
    assert_int_equal(wcal_sessions(w, D("2026-05-04"), &s), 2);
    assert_int_equal(s[0].end, 660);
    assert_int_equal(s[1].start, 780);
    assert_int_equal(wcal_day_minutes(w, D("2026-09-30")), 480);
    assert_int_equal(wcal_sessions(w, D("2026-09-30"), &s), 2);
    assert_int_equal(s[0].end, 660);
    assert_int_equal(wcal_sessions(w, D("2026-10-01"), &s), 2);
    assert_int_equal(s[0].end, 690);
    /* weekend */
    assert_int_equal(wcal_sessions(w, D("2026-10-03"), &s), 0);
    /* outside the range */
    assert_int_equal(wcal_is_working(w, D("2025-12-31")), -1);
    assert_int_equal(wcal_is_working(w, D("2027-01-01")), -1);
    assert_int_equal(wcal_sessions(w, D("2027-01-04"), &s), 0);
    assert_int_equal(wcal_first_day(w), D("2026-01-01"));
    assert_int_equal(wcal_last_day(w), D("2026-12-31"));
    wcal_free(w);
}

struct bad_opts_case {
    int first, last;
    struct wcal_schedule sch;
    enum err_code code;
};

static const struct bad_opts_case BAD_OPTS[] = {
    {1899, 2000, {0, 0, {{0, 0}}}, ERR_OUT_OF_CALENDAR},
    {2000, 2101, {0, 0, {{0, 0}}}, ERR_OUT_OF_CALENDAR},
    {2026, 2025, {0, 0, {{0, 0}}}, ERR_OUT_OF_CALENDAR},
    {2026, 2026, {0, 0, {{0, 0}}}, ERR_VALIDATION},            /* no sessions */
    {2026, 2026, {0, 5, {{0, 0}}}, ERR_VALIDATION},            /* too many */
    {2026, 2026, {0, 1, {{600, 600}}}, ERR_VALIDATION},        /* empty session */
    {2026, 2026, {0, 1, {{600, 1441}}}, ERR_VALIDATION},       /* past midnight */
    {2026, 2026, {0, 2, {{420, 700}, {690, 900}}}, ERR_VALIDATION}, /* overlap */
    {2026, 2026, {0, 1, {{-1, 600}}}, ERR_VALIDATION},
};

static void
test_bad_options(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(BAD_OPTS) / sizeof(BAD_OPTS[0]); i++) {
        struct wcal_opts o;
        struct mc_err e;

        wcal_opts_default(&o);
        o.first_year = BAD_OPTS[i].first;
        o.last_year = BAD_OPTS[i].last;
        if (BAD_OPTS[i].code == ERR_VALIDATION) {
            o.nschedules = 1;
            o.schedules = &BAD_OPTS[i].sch;
        }
        err_clear(&e);
        assert_null(wcal_build(&o, NULL, 0, &e));
        assert_int_equal(e.code, BAD_OPTS[i].code);
    }
}

static void
test_duplicate_entry(void **state)
{
    struct wcal_entry en[2] = {
        {D("2026-03-02"), 0, WCAL_R_LOCAL, "Nghỉ địa phương"},
        {D("2026-03-02"), 0, WCAL_R_ANNOUNCED, ""},
    };
    struct wcal_opts o;
    struct mc_err e;
    struct wcal *w;

    (void)state;
    wcal_opts_default(&o);
    o.first_year = 2026;
    o.last_year = 2026;
    assert_null(wcal_build(&o, en, 2, &e));
    assert_int_equal(e.code, ERR_VALIDATION);
    /* one local day off: applied, with its note; rows outside the range are ignored */
    en[1].day = D("2030-03-04");
    w = wcal_build(&o, en, 2, &e);
    assert_non_null(w);
    assert_int_equal(wcal_is_working(w, D("2026-03-02")), 0);
    assert_int_equal(wcal_reason(w, D("2026-03-02")), WCAL_R_LOCAL);
    assert_string_equal(wcal_note(w, D("2026-03-02")), "Nghỉ địa phương");
    wcal_free(w);
}

/* ---- reasons and the data file -------------------------------------------------------------- */

static void
test_reason_names(void **state)
{
    (void)state;
    for (int r = 0; r < WCAL_R__COUNT; r++) {
        assert_true(strlen(wcal_reason_key((enum wcal_reason)r)) > 0);
        assert_true(strlen(wcal_reason_vi((enum wcal_reason)r)) > 0);
        assert_int_equal(wcal_reason_parse(wcal_reason_key((enum wcal_reason)r)), r);
    }
    assert_string_equal(wcal_reason_key(WCAL_R_TET), "tet");
    assert_string_equal(wcal_reason_vi(WCAL_R_TET), "Nghỉ Tết Âm lịch");
    assert_int_equal(wcal_reason_parse("Tet"), -1);
    assert_int_equal(wcal_reason_parse(""), -1);
}

struct tsv_case {
    const char *text;
    int ok;
    size_t n;
    const char *detail; /* substring of e.detail on failure */
};

static const struct tsv_case TSV[] = {
    {"", 1, 0, NULL},
    {"# only a comment\n\n", 1, 0, NULL},
    {"2026-02-16\toff\ttet\tTết Bính Ngọ\n", 1, 1, NULL},
    {"2026-02-16\toff\ttet\n", 1, 1, NULL}, /* note may be left out */
    {"2026-02-16\toff\ttet\t\r\n2026-08-22\twork\tmakeup_saturday\tx", 1, 2, NULL},
    {"# c\n2026-02-16\toff\ttet\tx\n2026-02-31\toff\ttet\tx\n", 0, 0, "line 3"},
    {"2026-02-16 off tet x\n", 0, 0, "line 1"},
    {"2026-02-16\tOFF\ttet\tx\n", 0, 0, "line 1"},
    {"2026-02-16\toff\tholiday\tx\n", 0, 0, "line 1"},
    {"2026-02-16\toff\ttet_proposed\tx\n", 0, 0, "line 1"},
    {"2026-02-16\toff\tweekend\tx\n", 0, 0, "line 1"},
    {"\n\n2026-02-16\toff\ttet\tx\ty\n", 0, 0, "line 3"},
    {"2026-02-16\toff\ttet\t\xc3\x28\n", 0, 0, "line 1"}, /* bad UTF-8 */
    {"2026-02-16\toff\ttet\t"
     "0123456789012345678901234567890123456789012345678901234567890123456789"
     "01234567890123456789012345\n",
     0, 0, "line 1"}, /* 96-byte note */
    {"2026-02-16\toff\n", 0, 0, "line 1"},
    {" 2026-02-16\toff\ttet\tx\n", 0, 0, "line 1"},
};

static void
test_parse_tsv(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(TSV) / sizeof(TSV[0]); i++) {
        struct wcal_entry *en = (struct wcal_entry *)&en;
        size_t n = 99;
        struct mc_err e;
        int rc;

        err_clear(&e);
        rc = wcal_parse_tsv(TSV[i].text, strlen(TSV[i].text), &en, &n, &e);
        if (TSV[i].ok) {
            assert_int_equal(rc, 0);
            assert_int_equal(n, TSV[i].n);
            free(en);
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, ERR_VALIDATION);
            assert_non_null(strstr(e.detail, TSV[i].detail));
            assert_int_equal(n, 99);
        }
    }
}

static void
test_parse_tsv_fields(void **state)
{
    const char *text = "2026-02-16\toff\ttet\tTết Bính Ngọ\n2026-08-22\twork\tmakeup_saturday\t\n";
    struct wcal_entry *en;
    size_t n;
    struct mc_err e;

    (void)state;
    assert_int_equal(wcal_parse_tsv(text, strlen(text), &en, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(en[0].day, D("2026-02-16"));
    assert_int_equal(en[0].working, 0);
    assert_int_equal(en[0].reason, WCAL_R_TET);
    assert_string_equal(en[0].note, "Tết Bính Ngọ");
    assert_int_equal(en[1].working, 1);
    assert_int_equal(en[1].reason, WCAL_R_MAKEUP_SATURDAY);
    assert_string_equal(en[1].note, "");
    free(en);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_announced_years),
        cmocka_unit_test(test_rules_match_announcements),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_national_day_2_compensated),
        cmocka_unit_test(test_national_day_2_comp_note),
        cmocka_unit_test(test_makeup_policy_off),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_duplicate_entry),
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_parse_tsv),
        cmocka_unit_test(test_parse_tsv_fields),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
