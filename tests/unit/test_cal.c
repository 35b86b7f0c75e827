/*
 * test_cal.c - server/domain/cal.c: day numbers, instants, strict parsers, formatters
 * and the Vietnamese lunar calendar.
 *
 * The expected lunar values are typed in from published Vietnamese calendars and from
 * domain.md §4.4 / domain-sources.md §4.3, never produced by the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/cal.h"

/* ---- day numbers ------------------------------------------------------------------------ */

struct day_case {
    int y, m, d;
    int32_t n;
    int weekday; /* 0 = Sunday */
};

/* Day numbers counted from 1970-01-01 (Unix day), weekdays from any perpetual calendar. */
static const struct day_case DAYS[] = {
    {1970, 1, 1, 0, 4},        {1969, 12, 31, -1, 3},     {2000, 2, 29, 11016, 2},
    {2000, 3, 1, 11017, 3},    {1900, 1, 1, -25567, 1},   {1900, 3, 1, -25508, 4},
    {2100, 12, 31, 47846, 5},  {2026, 2, 17, 20501, 2},   {2023, 4, 29, 19476, 6},
    {1600, 1, 1, -135140, 6},  {2038, 1, 19, 24855, 2},   {1985, 1, 21, 5499, 1},
    {0, 1, 1, -719528, 6},     {9999, 12, 31, 2932896, 5},
};

static void
test_day_numbers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(DAYS) / sizeof(DAYS[0]); i++) {
        const struct day_case *c = &DAYS[i];
        struct cal_date d;

        assert_int_equal(cal_days(c->y, c->m, c->d), c->n);
        d = cal_date_of(c->n);
        assert_int_equal(d.year, c->y);
        assert_int_equal(d.month, c->m);
        assert_int_equal(d.day, c->d);
        assert_int_equal(cal_weekday(c->n), c->weekday);
    }
}

/* Vietnamese weekday names, as written on office documents; outside 0..6 -> "". */
struct weekday_vi_case {
    int weekday;
    const char *name;
};

static const struct weekday_vi_case WEEKDAYS_VI[] = {
    {0, "Chủ nhật"}, {1, "Thứ Hai"}, {2, "Thứ Ba"}, {3, "Thứ Tư"}, {4, "Thứ Năm"},
    {5, "Thứ Sáu"},  {6, "Thứ Bảy"}, {7, ""},       {-1, ""},
};

static void
test_weekday_vi(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(WEEKDAYS_VI) / sizeof(WEEKDAYS_VI[0]); i++)
        assert_string_equal(cal_weekday_vi(WEEKDAYS_VI[i].weekday), WEEKDAYS_VI[i].name);
    /* 2026-02-17, Mùng 1 Tết Bính Ngọ, is a Tuesday. */
    assert_string_equal(cal_weekday_vi(cal_weekday(cal_days(2026, 2, 17))), "Thứ Ba");
}

/* Every day 1600-2400 maps back to itself and follows the previous one. */
static void
test_day_numbers_continuous(void **state)
{
    struct cal_date prev = cal_date_of(cal_days(1599, 12, 31));

    (void)state;
    assert_int_equal(prev.year, 1599);
    for (int32_t n = cal_days(1600, 1, 1); n <= cal_days(2400, 12, 31); n++) {
        struct cal_date d = cal_date_of(n);

        assert_true(cal_valid(d.year, d.month, d.day));
        assert_int_equal(cal_days(d.year, d.month, d.day), n);
        if (d.day == 1)
            assert_true(d.month == prev.month % 12 + 1);
        else
            assert_int_equal(d.day, prev.day + 1);
        prev = d;
    }
}

struct valid_case {
    int y, m, d, ok;
};

static const struct valid_case VALID[] = {
    {2024, 2, 29, 1}, {2023, 2, 29, 0}, {1900, 2, 29, 0}, {2000, 2, 29, 1}, {2100, 2, 29, 0},
    {2026, 4, 31, 0}, {2026, 4, 30, 1}, {2026, 12, 31, 1}, {2026, 13, 1, 0}, {2026, 0, 1, 0},
    {2026, 1, 0, 0},  {2026, 1, 32, 0}, {2026, 6, 31, 0},  {2026, 9, 31, 0}, {2026, 11, 31, 0},
};

static void
test_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(VALID) / sizeof(VALID[0]); i++)
        assert_int_equal(cal_valid(VALID[i].y, VALID[i].m, VALID[i].d), VALID[i].ok);
}

/* ---- instants ----------------------------------------------------------------------------- */

struct local_case {
    int64_t t;
    const char *day; /* local date */
    int minute;
};

static const struct local_case LOCAL[] = {
    {0, "1970-01-01", 420},                   /* 07:00 local */
    {-25200, "1970-01-01", 0},                /* local midnight */
    {-25201, "1969-12-31", 1439},             /* one second before it */
    {1771261200, "2026-02-17", 0},            /* 2026-02-16T17:00Z */
    {1771261199, "2026-02-16", 1439},         /* 2026-02-16T16:59:59Z */
    {1772769600, "2026-03-06", 660},          /* 2026-03-06T04:00Z = 11:00+07 */
};

static void
test_local_day_minute(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(LOCAL) / sizeof(LOCAL[0]); i++) {
        int32_t want;
        char buf[11];

        assert_int_equal(cal_parse_date(LOCAL[i].day, 10, &want), 0);
        assert_int_equal(cal_local_day(LOCAL[i].t), want);
        assert_int_equal(cal_local_minute(LOCAL[i].t), LOCAL[i].minute);
        assert_int_equal(cal_instant(want, LOCAL[i].minute),
                         LOCAL[i].t - (LOCAL[i].t % 60 + 60) % 60);
        cal_format_date(want, buf);
        assert_string_equal(buf, LOCAL[i].day);
    }
}

/* ---- parsers ------------------------------------------------------------------------------ */

struct date_parse_case {
    const char *s;
    int ok;
    int y, m, d;
};

static const struct date_parse_case DATE_PARSE[] = {
    {"2026-02-17", 1, 2026, 2, 17},
    {"2024-02-29", 1, 2024, 2, 29},
    {"2023-02-29", 0, 0, 0, 0},
    {"1900-02-29", 0, 0, 0, 0},
    {"2000-02-29", 1, 2000, 2, 29},
    {"0000-01-01", 1, 0, 1, 1},
    {"9999-12-31", 1, 9999, 12, 31},
    {"2026-2-17", 0, 0, 0, 0},
    {"2026-02-7", 0, 0, 0, 0},
    {"26-02-17", 0, 0, 0, 0},
    {"2026/02/17", 0, 0, 0, 0},
    {"2026-02-17 ", 0, 0, 0, 0},
    {" 2026-02-17", 0, 0, 0, 0},
    {"2026-02-17T00:00", 0, 0, 0, 0},
    {"2026-13-01", 0, 0, 0, 0},
    {"2026-00-10", 0, 0, 0, 0},
    {"2026-04-31", 0, 0, 0, 0},
    {"2026-01-00", 0, 0, 0, 0},
    {"+026-01-01", 0, 0, 0, 0},
    {"2026-0a-01", 0, 0, 0, 0},
    {"", 0, 0, 0, 0},
    {"20260217", 0, 0, 0, 0},
    {"2026-02-1\xef", 0, 0, 0, 0},
};

static void
test_parse_date(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(DATE_PARSE) / sizeof(DATE_PARSE[0]); i++) {
        const struct date_parse_case *c = &DATE_PARSE[i];
        int32_t out = 12345;
        int rc = cal_parse_date(c->s, strlen(c->s), &out);

        if (c->ok) {
            assert_int_equal(rc, 0);
            assert_int_equal(out, cal_days(c->y, c->m, c->d));
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(out, 12345); /* untouched on failure */
        }
    }
}

/* Not NUL-terminated: only n bytes are read. */
static void
test_parse_date_length(void **state)
{
    const char buf[] = "2026-02-17XYZ";
    int32_t out;

    (void)state;
    assert_int_equal(cal_parse_date(buf, 10, &out), 0);
    assert_int_equal(out, cal_days(2026, 2, 17));
    assert_int_equal(cal_parse_date(buf, 9, &out), -1);
    assert_int_equal(cal_parse_date(buf, 11, &out), -1);
}

struct instant_case {
    const char *s;
    int ok;
    int64_t t; /* Unix seconds, computed by hand from the UTC time */
};

static const struct instant_case INSTANT_PARSE[] = {
    /* 2026-02-25T03:00:00Z = 1771988400 */
    {"2026-02-25T10:00:00+07:00", 1, 1771988400},
    {"2026-02-25T10:00+07:00", 1, 1771988400},
    {"2026-02-25T10:00", 1, 1771988400}, /* no offset: local time */
    {"2026-02-25T10:00:00", 1, 1771988400},
    {"2026-02-25 10:00:00+07:00", 1, 1771988400},
    {"2026-02-25t10:00:00+07:00", 1, 1771988400},
    {"2026-02-25T03:00:00Z", 1, 1771988400},
    {"2026-02-25T03:00:00z", 1, 1771988400},
    {"2026-02-25T03:00:00.999Z", 1, 1771988400}, /* fractions are dropped */
    {"2026-02-25T03:00:00.123456789Z", 1, 1771988400},
    {"2026-02-25T03:00:00+00:00", 1, 1771988400},
    {"2026-02-24T22:00:00-05:00", 1, 1771988400},
    {"2026-02-25T08:45:00+05:45", 1, 1771988400},
    {"1970-01-01T00:00:00Z", 1, 0},
    {"1970-01-01T07:00:00+07:00", 1, 0},
    {"1969-12-31T23:59:59Z", 1, -1},
    {"2024-02-29T23:59:59+07:00", 1, 1709225999},
    /* rejected */
    {"2023-02-29T10:00:00+07:00", 0, 0},
    {"2026-02-25T24:00:00+07:00", 0, 0},
    {"2026-02-25T10:60:00+07:00", 0, 0},
    {"2026-02-25T10:00:60+07:00", 0, 0}, /* no leap seconds */
    {"2026-02-25T10:00:00+24:00", 0, 0},
    {"2026-02-25T10:00:00+07:60", 0, 0},
    {"2026-02-25T10:00:00+0700", 0, 0},
    {"2026-02-25T10:00:00+07", 0, 0},
    {"2026-02-25T10:00:00.Z", 0, 0},
    {"2026-02-25T10:00:00.1234567890Z", 0, 0},
    {"2026-02-25T10:00:00ZZ", 0, 0},
    {"2026-02-25T10", 0, 0},
    {"2026-02-25T1:00", 0, 0},
    {"2026-02-25T10:0", 0, 0},
    {"2026-02-25T10:00:", 0, 0},
    {"2026-02-25T10:00:0", 0, 0},
    {"2026-02-25_10:00", 0, 0},
    {"2026-02-25", 0, 0},
    {"2026-02-25T10:00 ", 0, 0},
    {"2026-02-25T10:00:00+07:00 ", 0, 0},
    {"0000-01-01T00:00:00+07:00", 1, -62167244400},
    {"0000-01-01T00:00:00Z", 1, -62167219200},
    {"0000-01-01T00:00:00+08:00", 0, 0}, /* local day would be year -1 */
    {"9999-12-31T16:59:59Z", 1, 253402275599},
    {"9999-12-31T17:00:00Z", 0, 0}, /* local day would be year 10000 */
};

static void
test_parse_instant(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(INSTANT_PARSE) / sizeof(INSTANT_PARSE[0]); i++) {
        const struct instant_case *c = &INSTANT_PARSE[i];
        int64_t out = 777;
        int rc = cal_parse_instant(c->s, strlen(c->s), &out);

        if (c->ok) {
            assert_int_equal(rc, 0);
            assert_int_equal(out, c->t);
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(out, 777);
        }
    }
}

struct format_case {
    int64_t t;
    const char *full;
    const char *minute;
};

static const struct format_case FORMAT[] = {
    {1771988400, "2026-02-25T10:00:00+07:00", "2026-02-25T10:00+07:00"},
    {0, "1970-01-01T07:00:00+07:00", "1970-01-01T07:00+07:00"},
    {-1, "1970-01-01T06:59:59+07:00", "1970-01-01T06:59+07:00"},
    {1709225999, "2024-02-29T23:59:59+07:00", "2024-02-29T23:59+07:00"},
    {-2208988800, "1900-01-01T07:00:00+07:00", "1900-01-01T07:00+07:00"},
};

static void
test_format(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(FORMAT) / sizeof(FORMAT[0]); i++) {
        char full[26], minute[23];
        int64_t back;

        cal_format_instant(FORMAT[i].t, full);
        cal_format_instant_min(FORMAT[i].t, minute);
        assert_string_equal(full, FORMAT[i].full);
        assert_string_equal(minute, FORMAT[i].minute);
        assert_int_equal(cal_parse_instant(full, strlen(full), &back), 0);
        assert_int_equal(back, FORMAT[i].t);
    }
}

/* ---- lunar calendar ----------------------------------------------------------------------- */

struct tet_case {
    int year;
    const char *tet; /* mùng 1 tháng Giêng */
};

/*
 * Tết Nguyên đán in Vietnam (UTC+7). 2020-2030: domain.md §4.4 / domain-sources.md §4.3.
 * Others: published Vietnamese calendars (lịch vạn niên). 1968: the North's new UTC+7
 * calendar put Tết Mậu Thân on 29/01 (the South, still UTC+8, on 30/01). 1985, 2007 and
 * 2030 are years where Vietnam differs from China (20/02/1985, 18/02/2007, 03/02/2030).
 */
static const struct tet_case TET[] = {
    {1900, "1900-01-31"}, {1968, "1968-01-29"}, {1975, "1975-02-11"}, {1976, "1976-01-31"},
    {1985, "1985-01-21"}, {1990, "1990-01-27"}, {1995, "1995-01-31"}, {2000, "2000-02-05"},
    {2001, "2001-01-24"}, {2004, "2004-01-22"}, {2005, "2005-02-09"}, {2006, "2006-01-29"},
    {2007, "2007-02-17"}, {2008, "2008-02-07"}, {2009, "2009-01-26"}, {2010, "2010-02-14"},
    {2011, "2011-02-03"}, {2012, "2012-01-23"}, {2013, "2013-02-10"}, {2014, "2014-01-31"},
    {2015, "2015-02-19"}, {2016, "2016-02-08"}, {2017, "2017-01-28"}, {2018, "2018-02-16"},
    {2019, "2019-02-05"}, {2020, "2020-01-25"}, {2021, "2021-02-12"}, {2022, "2022-02-01"},
    {2023, "2023-01-22"}, {2024, "2024-02-10"}, {2025, "2025-01-29"}, {2026, "2026-02-17"},
    {2027, "2027-02-06"}, {2028, "2028-01-26"}, {2029, "2029-02-13"}, {2030, "2030-02-02"},
    {2031, "2031-01-23"}, {2032, "2032-02-11"}, {2033, "2033-01-31"}, {2034, "2034-02-19"},
    {2035, "2035-02-08"},
};

static void
test_tet(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(TET) / sizeof(TET[0]); i++) {
        struct cal_lunar l = {TET[i].year, 1, 1, 0}, back;
        int32_t want, got;

        assert_int_equal(cal_parse_date(TET[i].tet, 10, &want), 0);
        assert_int_equal(cal_from_lunar(&l, &got), 0);
        if (got != want) {
            char buf[11];

            cal_format_date(got, buf);
            fail_msg("Tết %d: got %s, want %s", TET[i].year, buf, TET[i].tet);
        }
        assert_int_equal(cal_lunar_of(want, &back), 0);
        assert_int_equal(back.year, TET[i].year);
        assert_int_equal(back.month, 1);
        assert_int_equal(back.day, 1);
        assert_int_equal(back.leap, 0);
        /* the day before is the last day of month 12 of the old year */
        assert_int_equal(cal_lunar_of(want - 1, &back), 0);
        assert_int_equal(back.year, TET[i].year - 1);
        assert_int_equal(back.month, 12);
        assert_true(back.day == 29 || back.day == 30);
    }
}

struct lunar_case {
    const char *solar;
    int y, m, d, leap;
};

/* domain-sources.md §4.3 (Giỗ Tổ, last day of the old year) and published calendars. */
static const struct lunar_case LUNAR[] = {
    {"2020-04-02", 2020, 3, 10, 0}, {"2021-04-21", 2021, 3, 10, 0}, {"2022-04-10", 2022, 3, 10, 0},
    {"2023-04-29", 2023, 3, 10, 0}, {"2024-04-18", 2024, 3, 10, 0}, {"2025-04-07", 2025, 3, 10, 0},
    {"2026-04-26", 2026, 3, 10, 0}, {"2027-04-16", 2027, 3, 10, 0}, {"2028-04-04", 2028, 3, 10, 0},
    {"2029-04-23", 2029, 3, 10, 0}, {"2030-04-12", 2030, 3, 10, 0},
    {"2020-01-24", 2019, 12, 30, 0}, /* 30 Chạp */
    {"2025-01-28", 2024, 12, 29, 0}, /* 29 Chạp */
    {"2026-02-16", 2025, 12, 29, 0}, /* 29 Chạp */
    {"2023-03-22", 2023, 2, 1, 1},   /* mùng 1 tháng 2 nhuận Quý Mão */
    {"2025-07-25", 2025, 6, 1, 1},   /* mùng 1 tháng 6 nhuận Ất Tỵ */
    {"2020-05-23", 2020, 4, 1, 1},   /* mùng 1 tháng 4 nhuận Canh Tý */
    {"2024-09-17", 2024, 8, 15, 0},  /* Tết Trung thu */
    {"2025-10-06", 2025, 8, 15, 0},
};

static void
test_lunar_dates(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(LUNAR) / sizeof(LUNAR[0]); i++) {
        const struct lunar_case *c = &LUNAR[i];
        struct cal_lunar l, want = {c->y, c->m, c->d, c->leap};
        int32_t day, got;

        assert_int_equal(cal_parse_date(c->solar, 10, &day), 0);
        assert_int_equal(cal_lunar_of(day, &l), 0);
        if (l.year != c->y || l.month != c->m || l.day != c->d || l.leap != c->leap)
            fail_msg("%s: got %d/%d/%d leap %d", c->solar, l.day, l.month, l.year, l.leap);
        assert_int_equal(cal_from_lunar(&want, &got), 0);
        assert_int_equal(got, day);
    }
}

struct leap_case {
    int year, leap;
};

/* Leap months (tháng nhuận) in published Vietnamese calendars; 0 = none. */
static const struct leap_case LEAP[] = {
    {2001, 4}, {2004, 2}, {2006, 7}, {2009, 5}, {2012, 4}, {2014, 9}, {2017, 6}, {2020, 4},
    {2023, 2}, {2025, 6}, {2028, 5}, {2031, 3}, {2021, 0}, {2022, 0}, {2024, 0}, {2026, 0},
    {2027, 0},
};

static void
test_leap_months(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(LEAP) / sizeof(LEAP[0]); i++) {
        int got = cal_lunar_leap_month(LEAP[i].year);

        if (got != LEAP[i].leap)
            fail_msg("%d: leap month %d, want %d", LEAP[i].year, got, LEAP[i].leap);
    }
}

struct bad_lunar_case {
    struct cal_lunar l;
};

static const struct bad_lunar_case BAD_LUNAR[] = {
    {{2024, 2, 1, 1}},   /* 2024 has no leap month */
    {{2023, 3, 1, 1}},   /* 2023's leap month is 2 */
    {{2026, 0, 1, 0}},   {{2026, 13, 1, 0}}, {{2026, 1, 0, 0}}, {{2026, 1, 31, 0}},
    {{2025, 12, 30, 0}}, /* Chạp Ất Tỵ has 29 days (29 Chạp = 16/02/2026) */
    {{1898, 1, 1, 0}},   {{2101, 1, 1, 0}},
};

static void
test_lunar_invalid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(BAD_LUNAR) / sizeof(BAD_LUNAR[0]); i++) {
        int32_t out = 99;

        assert_int_equal(cal_from_lunar(&BAD_LUNAR[i].l, &out), -1);
        assert_int_equal(out, 99);
    }
    {
        struct cal_lunar l;

        assert_int_equal(cal_lunar_of(cal_days(1899, 12, 31), &l), -1);
        assert_int_equal(cal_lunar_of(cal_days(2101, 1, 1), &l), -1);
    }
}

/*
 * Every day 1900-2100: solar -> lunar -> solar gives the day back, and lunar dates follow
 * each other (next day in the month, or day 1 of the next month after a 29- or 30-day
 * month; month numbers advance by one except into a leap month, which repeats).
 */
static void
test_lunar_round_trip(void **state)
{
    struct cal_lunar prev;
    int32_t first = cal_days(1900, 1, 1), last = cal_days(2100, 12, 31);
    int months = 0, leaps = 0;

    (void)state;
    assert_int_equal(cal_lunar_of(first, &prev), 0);
    for (int32_t d = first; d <= last; d++) {
        struct cal_lunar l;
        int32_t back;

        assert_int_equal(cal_lunar_of(d, &l), 0);
        assert_int_equal(cal_from_lunar(&l, &back), 0);
        if (back != d)
            fail_msg("day %d: lunar %d/%d/%d leap %d gives %d", (int)d, l.day, l.month, l.year,
                     l.leap, (int)back);
        if (d == first)
            continue;
        if (l.day != 1) {
            assert_int_equal(l.day, prev.day + 1);
            assert_int_equal(l.month, prev.month);
            assert_int_equal(l.leap, prev.leap);
        } else {
            assert_true(prev.day == 29 || prev.day == 30);
            months++;
            if (l.leap) {
                leaps++;
                assert_int_equal(l.month, prev.month);
                assert_int_equal(prev.leap, 0);
                assert_int_equal(l.year, prev.year);
            } else if (l.month == 1) {
                assert_int_equal(prev.month, 12);
                assert_int_equal(l.year, prev.year + 1);
            } else {
                assert_int_equal(l.month, prev.month + 1);
                assert_int_equal(l.year, prev.year);
            }
        }
        prev = l;
    }
    /* 201 years hold 201 * 12.368 mean months, 7 leap months every 19 years. */
    assert_in_range(months, 2484, 2488);
    assert_in_range(leaps, 72, 76);
}

struct canchi_case {
    int year;
    const char *name;
};

static const struct canchi_case CANCHI[] = {
    {2026, "Bính Ngọ"}, {2025, "Ất Tỵ"},    {2024, "Giáp Thìn"}, {2023, "Quý Mão"},
    {2020, "Canh Tý"},  {1984, "Giáp Tý"},  {1968, "Mậu Thân"},  {1945, "Ất Dậu"},
    {2000, "Canh Thìn"}, {1900, "Canh Tý"}, {2100, "Canh Thân"}, {2019, "Kỷ Hợi"},
    {2021, "Tân Sửu"},  {2022, "Nhâm Dần"}, {2027, "Đinh Mùi"},  {1975, "Ất Mão"},
};

static void
test_can_chi(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CANCHI) / sizeof(CANCHI[0]); i++) {
        char buf[32];

        cal_can_chi(CANCHI[i].year, buf);
        assert_string_equal(buf, CANCHI[i].name);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_numbers),
        cmocka_unit_test(test_day_numbers_continuous),
        cmocka_unit_test(test_weekday_vi),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_local_day_minute),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_parse_date_length),
        cmocka_unit_test(test_parse_instant),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_tet),
        cmocka_unit_test(test_lunar_dates),
        cmocka_unit_test(test_leap_months),
        cmocka_unit_test(test_lunar_invalid),
        cmocka_unit_test(test_lunar_round_trip),
        cmocka_unit_test(test_can_chi),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
