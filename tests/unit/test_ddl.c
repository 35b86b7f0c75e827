/*
 * test_ddl.c - deadlines on the working-time axis (domain.md §5, §6). Every
 * expected value was worked out by hand from the 2025-2026 public-sector calendar
 * (domain.md §4.3) and the default sessions 07:00-11:30, 13:30-17:00; none is
 * printed by the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ddl_fixture.h"

static struct fixture FX_ON, FX_OFF; /* make-up Saturdays counted / not counted */

static void
expect_instant(int64_t got, const char *want, const char *what)
{
    if (got != T(want)) {
        char g[32];

        cal_format_instant_min(got, g);
        print_error("%s: got %s, want %s\n", what, g, want);
        fail();
    }
}

/* Appointments: received, duration, policy, expected. */
static const struct {
    const char *received;
    const char *duration;
    int makeup;
    const char *want;
    const char *why;
} APPT[] = {
    /* domain.md §5.2 worked examples */
    {"2026-02-13T10:00", "3d", 1, "2026-02-25T10:00", "Tết 14-22/02 skipped"},
    {"2026-08-21T09:00", "1d", 1, "2026-08-22T09:00", "worked Saturday counted"},
    {"2026-08-21T09:00", "1d", 0, "2026-08-24T09:00", "worked Saturday not counted"},
    {"2026-04-24T15:30", "2d", 1, "2026-04-29T15:30", "Giỗ Tổ compensatory Mon 27/04"},
    {"2025-01-24T16:30", "5d", 1, "2025-02-07T16:30", "Tết Ất Tỵ"},
    {"2026-03-06T17:30", "1d", 1, "2026-03-09T17:00", "after hours rolls to Mon 07:00"},
    /* session boundaries: the earliest instant */
    {"2026-01-05T07:00", "1d", 1, "2026-01-05T17:00", "opening + 480 min = same day close"},
    {"2026-01-05T13:30", "1d", 1, "2026-01-06T11:30", "afternoon start ends at noon close"},
    {"2026-01-05T12:00", "1d", 1, "2026-01-06T11:30", "lunch break rolls to 13:30"},
    {"2026-01-05T06:00", "1d", 1, "2026-01-05T17:00", "before opening rolls to 07:00"},
    {"2026-01-05T11:30", "4h", 1, "2026-01-06T07:30", "11:30 is outside; 210 + 30 min"},
    {"2026-01-05T10:00", "12h", 1, "2026-01-06T16:00", "720 working minutes"},
    {"2026-01-05T10:00", "1h", 1, "2026-01-05T11:00", "one hour in the morning"},
    {"2026-01-05T11:00", "1h", 1, "2026-01-05T14:00", "one hour across lunch"},
    {"2026-01-05T11:00", "30m", 1, "2026-01-05T11:30", "ends at the session end"},
    {"2026-01-05T17:00", "1m", 1, "2026-01-06T07:01", "17:00 is closed"},
    {"2026-01-05T16:59", "1m", 1, "2026-01-05T17:00", "last minute of the day"},
    {"2026-01-05T10:00:30", "1h", 1, "2026-01-05T11:00:30", "seconds are kept"},
    /* year end, New Year */
    {"2025-12-31T10:00", "1d", 1, "2026-01-05T10:00", "01/01 off; 02/01 off by swap (CV 12729/VPCP-KGVX)"},
    {"2025-12-31T16:00", "2d", 1, "2026-01-06T16:00", "01-04/01 off (CV 12729/VPCP-KGVX), weekend"},
    {"2026-12-31T15:00", "1d", 1, "2027-01-04T15:00", "01/01/2027 Friday off by rule"},
    {"2026-12-31T15:00", "2d", 1, "2027-01-05T15:00", "year end, two days"},
    /* 30/4, 1/5 */
    {"2026-04-29T09:00", "1d", 1, "2026-05-04T09:00", "30/04 Thu and 01/05 Fri off"},
    {"2026-04-28T14:00", "3d", 1, "2026-05-05T14:00", "Wed 29, Mon 4, Tue 5"},
    {"2025-04-25T10:00", "1d", 1, "2025-04-26T10:00", "2025 worked Saturday 26/04"},
    {"2025-04-25T10:00", "1d", 0, "2025-04-28T10:00", "2025 worked Saturday not counted"},
    {"2025-04-29T10:00", "1d", 1, "2025-05-05T10:00", "30/04, 01/05, swap 02/05"},
    {"2025-04-04T10:00", "1d", 1, "2025-04-08T10:00", "Giỗ Tổ Mon 07/04/2025"},
    /* Quốc khánh 2026 and the swap */
    {"2026-08-20T10:00", "3d", 1, "2026-08-24T10:00", "Fri 21, Sat 22, Mon 24"},
    {"2026-08-20T10:00", "3d", 0, "2026-08-25T10:00", "Fri 21, Mon 24, Tue 25"},
    {"2026-08-28T10:00", "1d", 1, "2026-09-03T10:00", "31/08 swap, 01-02/09 off"},
    {"2026-08-28T10:00", "2d", 1, "2026-09-04T10:00", "then Fri 04/09"},
    {"2026-08-22T10:00", "1d", 1, "2026-08-24T10:00", "received on a worked Saturday"},
    {"2026-08-22T10:00", "1d", 0, "2026-08-24T17:00", "Saturday not worked: Mon 07:00 start"},
    {"2026-08-23T10:00", "1d", 1, "2026-08-24T17:00", "received on Sunday"},
    /* Tết Bính Ngọ */
    {"2026-02-12T16:00", "2d", 1, "2026-02-23T16:00", "Fri 13, then Mon 23"},
    {"2026-02-13T17:00", "1d", 1, "2026-02-23T17:00", "Friday 17:00, holiday eve"},
    {"2026-02-13T16:59", "1h", 1, "2026-02-23T07:59", "1 min Friday, 59 after Tết"},
    {"2026-02-16T09:00", "1d", 1, "2026-02-23T17:00", "received during Tết"},
    {"2026-02-02T08:00", "15d", 1, "2026-03-02T08:00", "15 working days across Tết"},
    {"2026-03-06T17:30", "3d", 1, "2026-03-11T17:00", "after hours, 3 days"},
    {"2026-02-13T10:00", "10h", 1, "2026-02-23T14:00", "300 min Friday, 300 after Tết"},
    /* calendar days, Civil Code Art. 147-148 */
    {"2026-01-05T10:00", "15c", 1, "2026-01-20T17:00", "05 + 15"},
    {"2026-02-13T10:00", "1c", 1, "2026-02-23T17:00", "Sat 14 is Tết: next working day"},
    {"2026-01-05T10:00", "5c", 1, "2026-01-10T17:00", "Sat 10 is worked (CV 12729): ends there"},
    /* Art. 147(2): counted from the day after the reception day itself, even when the
       reception is outside working time (the clock start rolls, the day count does not) */
    {"2026-03-06T17:30", "2c", 1, "2026-03-09T17:00", "after hours Fri: Sun 08 -> Mon 09"},
    {"2026-03-06T17:30", "15c", 1, "2026-03-23T17:00", "after hours Fri: Sat 21 -> Mon 23"},
    {"2026-03-06T17:00", "1c", 1, "2026-03-09T17:00", "at closing time: Sat 07 -> Mon 09"},
    {"2026-01-10T10:00", "5c", 1, "2026-01-15T17:00", "received Saturday: Thu 15"},
    {"2026-01-11T23:30", "1c", 1, "2026-01-12T17:00", "received Sunday night: Mon 12"},
    {"2026-04-30T10:00", "3c", 1, "2026-05-04T17:00", "received on 30/04: Sun 03 -> Mon 04"},
    {"2026-04-27T10:00", "2c", 1, "2026-04-29T17:00", "on Giỗ Tổ's compensatory Mon: Wed 29"},
    {"2026-02-13T17:30", "1c", 1, "2026-02-23T17:00", "Tết eve after hours: Sat 14 -> Mon 23"},
    {"2026-02-15T10:00", "5c", 1, "2026-02-23T17:00", "received in Tết, ends Fri 20 Tết"},
    {"2026-08-25T10:00", "4c", 1, "2026-09-03T17:00", "Sat 29 .. Wed 02/09 off"},
    {"2026-08-20T10:00", "2c", 1, "2026-08-22T17:00", "ends on a worked Saturday"},
    {"2026-08-20T10:00", "2c", 0, "2026-08-24T17:00", "worked Saturday not counted"},
    {"2026-12-30T10:00", "2c", 1, "2027-01-04T17:00", "01/01/2027 off"},
    {"2026-01-05T10:00", "30c", 1, "2026-02-04T17:00", "05/01 + 30 = Wed 04/02"},
    /* same day */
    {"2026-01-05T10:00", "sameday@15:00", 1, "2026-01-05T17:00", "before the cut-off"},
    /* the law: "nếu tiếp nhận hồ sơ sau 15 giờ" - only strictly after the cut-off minute
       goes to the next working day (domain.md §5.1 says "at or after"; docs/domain.md) */
    {"2026-01-05T15:00", "sameday@15:00", 1, "2026-01-05T17:00", "at the cut-off: same day"},
    {"2026-01-05T15:00:00", "sameday@15:00", 1, "2026-01-05T17:00", "15:00:00: same day"},
    {"2026-01-05T15:00:59", "sameday@15:00", 1, "2026-01-05T17:00", "within the 15:00 minute"},
    {"2026-01-05T15:01", "sameday@15:00", 1, "2026-01-06T17:00", "15:01 is after: next day"},
    {"2026-02-13T15:00", "sameday@15:00", 1, "2026-02-13T17:00", "Tết eve 15:00: same day"},
    {"2026-02-13T15:01", "sameday@15:00", 1, "2026-02-23T17:00", "Tết eve 15:01: after Tết"},
    {"2026-01-05T14:59", "sameday@15:00", 1, "2026-01-05T17:00", "a minute before"},
    {"2026-01-05T12:00", "sameday@13:30", 1, "2026-01-05T17:00", "rolls to 13:30 = cut-off"},
    {"2026-02-13T15:30", "sameday@15:00", 1, "2026-02-23T17:00", "after cut-off, Tết eve"},
    {"2026-02-13T16:00", "sameday", 1, "2026-02-13T17:00", "no cut-off"},
    {"2026-02-13T17:30", "sameday", 1, "2026-02-23T17:00", "after hours"},
    {"2026-08-21T15:30", "sameday@15:00", 1, "2026-08-22T17:00", "next day is worked Sat"},
    {"2026-08-21T15:30", "sameday@15:00", 0, "2026-08-24T17:00", "policy off"},
    /* issue #15: "tiếp nhận hồ sơ sau 15 giờ" (2.000635, 2.000908; shared domain.md §5.1)
       compares the actual reception instant, not the start rolled into working time: a
       reception at 12:00 with a 13:00 cut-off was not made after 13:00 (it was next day
       when the rolled 13:30 start was compared) */
    {"2026-01-05T12:00", "sameday@13:00", 1, "2026-01-05T17:00", "12:00 is before 13:00"},
    {"2026-01-05T13:15", "sameday@13:00", 1, "2026-01-06T17:00", "13:15 in lunch, after 13:00"},
    {"2026-01-05T06:30", "sameday@06:45", 1, "2026-01-05T17:00", "06:30 before an early cut-off"},
    {"2026-01-05T06:50", "sameday@06:45", 1, "2026-01-06T17:00", "06:50 after it"},
    {"2026-01-05T11:45", "sameday@11:30", 1, "2026-01-06T17:00", "lunch, after 11:30"},
    /* after the close of a working day: after any cut-off, so the next working day */
    {"2026-03-06T17:30", "sameday@15:00", 1, "2026-03-09T17:00", "Fri 17:30: Mon"},
    {"2026-03-06T23:59", "sameday@15:00", 1, "2026-03-09T17:00", "Fri 23:59: Mon"},
    /* a non-working day: handled on the next working day whatever the hour (the counter's day
       begins at its opening, before any cut-off); the Saturday's 16:00 is no "sau 15 giờ" of a
       working day, and Monday's rolled 07:00 start is not what is compared */
    {"2026-03-07T10:00", "sameday@15:00", 1, "2026-03-09T17:00", "Sat 10:00: Mon"},
    {"2026-03-07T16:00", "sameday@15:00", 1, "2026-03-09T17:00", "Sat 16:00: Mon too"},
    {"2026-03-08T16:00", "sameday@06:45", 1, "2026-03-09T17:00", "Sun 16:00, early cut-off: Mon"},
    {"2026-02-16T16:00", "sameday@15:00", 1, "2026-02-23T17:00", "in Tết 16:00: first day after"},
    {"2026-01-05T10:00", "0d", 1, "2026-01-05T17:00", "0d = same day"},
    {"2025-12-31T16:00", "sameday@15:00", 1, "2026-01-05T17:00", "year end, cut-off; 02/01 swapped off (CV 12729)"},
};

static void
test_appointments(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(APPT) / sizeof(APPT[0]); i++) {
        struct ddl_duration d;
        struct mc_err e;
        int64_t out;
        const struct fixture *fx = APPT[i].makeup ? &FX_ON : &FX_OFF;

        assert_int_equal(ddl_parse_duration(APPT[i].duration, strlen(APPT[i].duration), &d, &e),
                         0);
        assert_int_equal(ddl_appointment(&fx->ax, T(APPT[i].received), &d, &out, &e), 0);
        expect_instant(out, APPT[i].want, APPT[i].why);
    }
}

/* Every worked example in domain.md §5.2, exact. */
static void
test_worked_examples_distance(void **state)
{
    (void)state;
    /* the working time between reception and appointment is the duration */
    assert_int_equal(ddl_between(&FX_ON.ax, T("2026-02-13T10:00"), T("2026-02-25T10:00")),
                     3 * 480 * 60);
    /* Fri 10:00-17:00 (300 min) + Mon 23/02 07:00-10:00 (180 min) */
    assert_int_equal(ddl_between(&FX_ON.ax, T("2026-02-13T10:00"), T("2026-02-23T10:00")),
                     1 * 480 * 60);
    /* 17:00 and the next 07:00 are the same position */
    assert_int_equal(ddl_pos(&FX_ON.ax, T("2026-03-09T17:00")),
                     ddl_pos(&FX_ON.ax, T("2026-03-10T07:00")));
    assert_int_equal(ddl_pos(&FX_ON.ax, T("2026-03-06T17:30")),
                     ddl_pos(&FX_ON.ax, T("2026-03-09T07:00")));
    /* the lunch break has the position of 13:30 */
    assert_int_equal(ddl_pos(&FX_ON.ax, T("2026-03-09T12:15")),
                     ddl_pos(&FX_ON.ax, T("2026-03-09T13:30")));
    assert_int_equal(ddl_pos(&FX_ON.ax, T("2026-03-09T13:30")) -
                         ddl_pos(&FX_ON.ax, T("2026-03-09T07:00")),
                     270 * 60);
}

static void
test_start(void **state)
{
    static const struct {
        const char *t, *want;
    } ROWS[] = {
        {"2026-03-06T17:30", "2026-03-09T07:00"}, {"2026-03-09T12:00", "2026-03-09T13:30"},
        {"2026-03-09T06:59", "2026-03-09T07:00"}, {"2026-03-09T11:30", "2026-03-09T13:30"},
        {"2026-03-09T11:29", "2026-03-09T11:29"}, {"2026-02-13T17:00", "2026-02-23T07:00"},
        {"2026-08-21T17:00", "2026-08-22T07:00"}, {"2026-12-31T17:05", "2027-01-04T07:00"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        int64_t out;
        struct mc_err e;

        assert_int_equal(ddl_start(&FX_ON.ax, T(ROWS[i].t), &out, &e), 0);
        expect_instant(out, ROWS[i].want, ROWS[i].t);
    }
}

static void
test_parse(void **state)
{
    static const struct {
        const char *s;
        int ok;
        int value;
        enum ddl_unit unit;
        int cutoff;
    } ROWS[] = {
        {"3d", 1, 3, DDL_WD, -1},
        {"12h", 1, 12, DDL_WH, -1},
        {"240m", 1, 240, DDL_WM, -1},
        {"15c", 1, 15, DDL_CD, -1},
        {"0d", 1, 0, DDL_SAMEDAY, -1},
        {"sameday", 1, 0, DDL_SAMEDAY, -1},
        {"sameday@15:00", 1, 0, DDL_SAMEDAY, 900},
        {"sameday@07:30", 1, 0, DDL_SAMEDAY, 450},
        {"none", 1, 0, DDL_NONE, -1},
        {"3650d", 1, 3650, DDL_WD, -1},
        {"3651d", 0, 0, 0, 0},
        {"29201h", 0, 0, 0, 0},
        {"", 0, 0, 0, 0},
        {"d", 0, 0, 0, 0},
        {"3", 0, 0, 0, 0},
        {"3x", 0, 0, 0, 0},
        {"-3d", 0, 0, 0, 0},
        {"03d", 0, 0, 0, 0},
        {"0h", 0, 0, 0, 0},
        {"0c", 0, 0, 0, 0},
        {"0m", 0, 0, 0, 0},
        {"3 d", 0, 0, 0, 0},
        {"3dd", 0, 0, 0, 0},
        {"sameday@24:00", 0, 0, 0, 0},
        {"sameday@15:60", 0, 0, 0, 0},
        {"sameday@1500", 0, 0, 0, 0},
        {"sameday@", 0, 0, 0, 0},
        {"samedayx", 0, 0, 0, 0},
        {"None", 0, 0, 0, 0},
        {"99999999999999999999d", 0, 0, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        struct ddl_duration d;
        struct mc_err e;
        int rc = ddl_parse_duration(ROWS[i].s, strlen(ROWS[i].s), &d, &e);

        if (!ROWS[i].ok) {
            if (rc != -1)
                print_error("accepted %s\n", ROWS[i].s);
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, ERR_BAD_DURATION);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(d.value, ROWS[i].value);
        assert_int_equal(d.unit, ROWS[i].unit);
        assert_int_equal(d.cutoff, ROWS[i].cutoff);
        /* canonical text reads back to the same duration */
        char buf[32];
        struct ddl_duration d2;

        ddl_format_duration(&d, buf, sizeof(buf));
        assert_int_equal(ddl_parse_duration(buf, strlen(buf), &d2, &e), 0);
        assert_int_equal(d2.value, d.value);
        assert_int_equal(d2.unit, d.unit);
        assert_int_equal(d2.cutoff, d.cutoff);
    }
}

static void
test_none_has_no_appointment(void **state)
{
    struct ddl_duration d = {0, DDL_NONE, -1};
    struct mc_err e;
    int64_t out = 0;

    (void)state;
    assert_int_equal(ddl_appointment(&FX_ON.ax, T("2026-01-05T10:00"), &d, &out, &e), -1);
    assert_int_equal(e.code, ERR_BAD_DURATION);
}

static void
test_out_of_calendar(void **state)
{
    struct ddl_duration d = {5, DDL_WD, -1};
    struct mc_err e;
    int64_t out;

    (void)state;
    assert_int_equal(ddl_appointment(&FX_ON.ax, T("2031-12-31T10:00"), &d, &out, &e), -1);
    assert_int_equal(e.code, ERR_OUT_OF_CALENDAR);
    assert_int_equal(ddl_appointment(&FX_ON.ax, T("2010-01-04T10:00"), &d, &out, &e), -1);
    assert_int_equal(e.code, ERR_OUT_OF_CALENDAR);
}

/* Steps and liên thông legs, chained from the hand-over instant. */
static void
test_plans(void **state)
{
    static const int32_t STEPS[] = {240, 480, 60};
    static const int32_t LEGS[] = {480, 480};
    static const int32_t ZERO[] = {0, 30};
    int64_t out[3];
    struct mc_err e;

    (void)state;
    assert_int_equal(ddl_plan(&FX_ON.ax, T("2026-01-05T08:00"), STEPS, 3, out, &e), 0);
    expect_instant(out[0], "2026-01-05T14:00", "step 1: 1/2 ngày");
    expect_instant(out[1], "2026-01-06T14:00", "step 2: 1 ngày");
    expect_instant(out[2], "2026-01-06T15:00", "step 3: 1 giờ");
    assert_int_equal(ddl_plan(&FX_ON.ax, T("2026-02-12T14:00"), LEGS, 2, out, &e), 0);
    expect_instant(out[0], "2026-02-13T14:00", "leg 1 before Tết");
    expect_instant(out[1], "2026-02-23T14:00", "leg 2 after Tết");
    assert_int_equal(ddl_plan(&FX_ON.ax, T("2026-01-05T11:15"), ZERO, 2, out, &e), 0);
    expect_instant(out[0], "2026-01-05T11:15", "zero-minute step");
    expect_instant(out[1], "2026-01-05T13:45", "15 + 15 across lunch");
}

/* The pause ledger (§6.1). */
struct pause_row {
    const char *why;
    const char *appointment;
    int single, payment_counted;
    int n;
    struct {
        enum ddl_pause_reason r;
        const char *p, *s; /* s NULL = open */
    } pz[3];
    const char *at;
    const char *want_due;
    int64_t want_paused_min;
    int want_repeats;
    int want_open;
};

static const struct pause_row PAUSES[] = {
    {"one supplement, one working day", "2026-02-25T10:00", 1, 0, 1,
     {{DDL_P_SUPPLEMENT, "2026-02-23T10:00", "2026-02-24T10:00"}}, "2026-03-31T00:00",
     "2026-02-26T10:00", 480, 0, -1},
    {"second supplement is a repeat", "2026-02-25T10:00", 1, 0, 2,
     {{DDL_P_SUPPLEMENT, "2026-02-23T10:00", "2026-02-24T10:00"},
      {DDL_P_SUPPLEMENT, "2026-02-25T09:00", "2026-02-25T15:00"}},
     "2026-03-31T00:00", "2026-02-26T10:00", 480, 1, -1},
    {"second supplement counted, policy off", "2026-02-25T10:00", 0, 0, 2,
     {{DDL_P_SUPPLEMENT, "2026-02-23T10:00", "2026-02-24T10:00"},
      {DDL_P_SUPPLEMENT, "2026-02-25T09:00", "2026-02-25T15:00"}},
     "2026-03-31T00:00", "2026-02-26T16:00", 720, 0, -1},
    {"pause across Tết: 60 + 60 working min", "2026-02-23T08:00", 1, 0, 1,
     {{DDL_P_SUPPLEMENT, "2026-02-13T16:00", "2026-02-23T08:00"}}, "2026-03-31T00:00",
     "2026-02-23T10:00", 120, 0, -1},
    {"requested in the lunch break", "2026-01-07T10:00", 1, 0, 1,
     {{DDL_P_SUPPLEMENT, "2026-01-05T12:00", "2026-01-05T15:00"}}, "2026-03-31T00:00",
     "2026-01-07T11:30", 90, 0, -1},
    {"open pause as of T", "2026-01-07T10:00", 1, 0, 1,
     {{DDL_P_SUPPLEMENT, "2026-01-06T10:00", NULL}}, "2026-01-07T16:00", "2026-01-08T16:00",
     720, 0, 0},
    {"payment not counted by default", "2026-01-07T10:00", 1, 0, 1,
     {{DDL_P_PAYMENT, "2026-01-06T10:00", "2026-01-07T10:00"}}, "2026-03-31T00:00",
     "2026-01-07T10:00", 0, 0, -1},
    {"payment counted by the version", "2026-01-07T10:00", 1, 1, 1,
     {{DDL_P_PAYMENT, "2026-01-06T10:00", "2026-01-07T10:00"}}, "2026-03-31T00:00",
     "2026-01-08T10:00", 480, 0, -1},
    {"already late when paused", "2026-01-07T10:00", 1, 0, 1,
     {{DDL_P_SUPPLEMENT, "2026-01-08T10:00", "2026-01-09T10:00"}}, "2026-03-31T00:00",
     "2026-01-08T10:00", 480, 0, -1},
    {"resumed after hours", "2026-01-07T10:00", 1, 0, 1,
     {{DDL_P_SUPPLEMENT, "2026-01-05T16:00", "2026-01-05T20:00"}}, "2026-03-31T00:00",
     "2026-01-07T11:00", 60, 0, -1},
    {"supplement then payment, both counted", "2026-01-07T10:00", 1, 1, 2,
     {{DDL_P_SUPPLEMENT, "2026-01-05T10:00", "2026-01-05T11:00"},
      {DDL_P_PAYMENT, "2026-01-05T14:00", "2026-01-05T15:00"}},
     "2026-03-31T00:00", "2026-01-07T14:00", 120, 0, -1},
    {"pause after T ignored", "2026-01-07T10:00", 1, 0, 1,
     {{DDL_P_SUPPLEMENT, "2026-01-06T10:00", "2026-01-07T10:00"}}, "2026-01-06T09:00",
     "2026-01-07T10:00", 0, 0, -1},
    {"three supplements, policy on", "2026-01-09T10:00", 1, 0, 3,
     {{DDL_P_SUPPLEMENT, "2026-01-05T10:00", "2026-01-05T11:00"},
      {DDL_P_SUPPLEMENT, "2026-01-06T10:00", "2026-01-06T11:00"},
      {DDL_P_SUPPLEMENT, "2026-01-07T10:00", "2026-01-07T11:00"}},
     "2026-03-31T00:00", "2026-01-09T11:00", 60, 2, -1},
};

static void
test_ledger(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(PAUSES) / sizeof(PAUSES[0]); i++) {
        const struct pause_row *r = &PAUSES[i];
        struct ddl_pause pz[3];
        struct ddl_policy pol;
        struct ddl_ledger L;
        struct mc_err e;

        ddl_policy_default(&pol);
        pol.single_supplement = r->single;
        if (r->payment_counted)
            pol.counted |= 1u << DDL_P_PAYMENT;
        for (int k = 0; k < r->n; k++) {
            pz[k].reason = r->pz[k].r;
            pz[k].requested_at = T(r->pz[k].p);
            pz[k].resolved_at = r->pz[k].s ? T(r->pz[k].s) : DDL_OPEN;
        }
        assert_int_equal(
            ddl_ledger(&FX_ON.ax, &pol, T(r->appointment), pz, (size_t)r->n, T(r->at), &L, &e),
            0);
        expect_instant(L.legal_due, r->want_due, r->why);
        assert_int_equal(L.paused_secs, r->want_paused_min * 60);
        assert_int_equal(L.nrepeats, r->want_repeats);
        assert_int_equal(L.open, r->want_open);
    }
}

static void
test_ledger_history(void **state)
{
    /* NgayHenTraTruoc / NgayHenTraMoi of each resume */
    struct ddl_pause pz[2] = {
        {DDL_P_SUPPLEMENT, T("2026-02-23T10:00"), T("2026-02-24T10:00"), 0, 0, 0, 0, 0},
        {DDL_P_SUPPLEMENT, T("2026-02-25T09:00"), T("2026-02-25T15:00"), 0, 0, 0, 0, 0},
    };
    struct ddl_policy pol;
    struct ddl_ledger L;
    struct mc_err e;

    (void)state;
    ddl_policy_default(&pol);
    assert_int_equal(ddl_ledger(&FX_ON.ax, &pol, T("2026-02-25T10:00"), pz, 2,
                                T("2026-03-31T00:00"), &L, &e),
                     0);
    expect_instant(pz[0].due_before, "2026-02-25T10:00", "first: before");
    expect_instant(pz[0].due_after, "2026-02-26T10:00", "first: after");
    assert_int_equal(pz[0].counted, 1);
    assert_int_equal(pz[1].repeat, 1);
    assert_int_equal(pz[1].counted, 0);
    expect_instant(pz[1].due_after, "2026-02-26T10:00", "repeat: unchanged");
}

static void
test_ledger_rejects(void **state)
{
    struct ddl_pause overlap[2] = {
        {DDL_P_SUPPLEMENT, T("2026-01-05T10:00"), T("2026-01-06T10:00"), 0, 0, 0, 0, 0},
        {DDL_P_PAYMENT, T("2026-01-06T09:00"), T("2026-01-06T11:00"), 0, 0, 0, 0, 0},
    };
    struct ddl_pause backwards[1] = {
        {DDL_P_SUPPLEMENT, T("2026-01-06T10:00"), T("2026-01-05T10:00"), 0, 0, 0, 0, 0},
    };
    struct ddl_policy pol;
    struct ddl_ledger L;
    struct mc_err e;

    (void)state;
    ddl_policy_default(&pol);
    assert_int_equal(
        ddl_ledger(&FX_ON.ax, &pol, T("2026-01-09T10:00"), overlap, 2, T("2026-02-01T00:00"), &L,
                   &e),
        -1);
    assert_int_equal(e.code, ERR_VALIDATION);
    assert_int_equal(ddl_ledger(&FX_ON.ax, &pol, T("2026-01-09T10:00"), backwards, 1,
                                T("2026-02-01T00:00"), &L, &e),
                     -1);
    assert_int_equal(e.code, ERR_VALIDATION);
}

static void
test_apology(void **state)
{
    static const struct {
        const char *due, *issued, *new_appt;
        int already;
        int rc;
        enum err_code code;
        int late;
    } ROWS[] = {
        /* issue #15: the legal test is ND 61/2018 Art. 19(5) (kept by ND 118/2025), "chậm
           nhất 01 ngày trước ngày hết hạn": dated on a day before the due date, at any hour,
           is on time. The rows that were late under the old one-working-day default (Wed
           10:01, Fri 13/02 10:30) are on time. */
        {"2026-01-08T10:00", "2026-01-07T10:00", "2026-01-12T10:00", 0, 0, ERR_OK, 0},
        {"2026-01-08T10:00", "2026-01-07T10:01", "2026-01-12T10:00", 0, 0, ERR_OK, 0},
        {"2026-01-08T10:00", "2026-01-07T23:59", "2026-01-12T10:00", 0, 0, ERR_OK, 0},
        {"2026-01-08T10:00", "2026-01-08T00:00", "2026-01-12T10:00", 0, 0, ERR_OK, 1},
        {"2026-01-08T10:00", "2026-01-08T07:30", "2026-01-12T10:00", 0, 0, ERR_OK, 1},
        {"2026-01-08T10:00", "2026-01-08T11:00", "2026-01-12T10:00", 0, 0, ERR_OK, 1},
        {"2026-02-23T10:00", "2026-02-13T10:00", "2026-02-27T10:00", 0, 0, ERR_OK, 0},
        {"2026-02-23T10:00", "2026-02-13T10:30", "2026-02-27T10:00", 0, 0, ERR_OK, 0},
        /* Sun 22/02 (in the Tết break) is still the day before Mon 23/02 */
        {"2026-02-23T10:00", "2026-02-22T20:00", "2026-02-27T10:00", 0, 0, ERR_OK, 0},
        {"2026-01-08T10:00", "2026-01-05T10:00", "2026-01-12T10:00", 1, -1, ERR_APOLOGY_TWICE, 0},
        {"2026-01-08T10:00", "2026-01-05T10:00", "2026-01-08T10:00", 0, -1, ERR_VALIDATION, 0},
        {"2026-01-08T10:00", "2026-01-05T10:00", "2026-01-07T10:00", 0, -1, ERR_VALIDATION, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        struct ddl_apology a;
        struct mc_err e;
        int rc = ddl_apology(&FX_ON.ax, T(ROWS[i].due), T(ROWS[i].issued), T(ROWS[i].new_appt),
                             ROWS[i].already, &a, &e);

        assert_int_equal(rc, ROWS[i].rc);
        if (rc == 0) {
            assert_int_equal(a.late_notice, ROWS[i].late);
            assert_int_equal(a.new_appointment, T(ROWS[i].new_appt));
        } else {
            assert_int_equal(e.code, ROWS[i].code);
        }
    }
}

static void
test_remaining(void **state)
{
    (void)state;
    assert_int_equal(ddl_remaining(&FX_ON.ax, T("2026-01-07T10:00"), T("2026-01-06T10:00")),
                     480 * 60);
    assert_int_equal(ddl_remaining(&FX_ON.ax, T("2026-01-07T10:00"), T("2026-01-07T14:00")),
                     -120 * 60);
    assert_int_equal(ddl_remaining(&FX_ON.ax, T("2026-02-23T10:00"), T("2026-02-13T16:00")),
                     240 * 60);
    assert_int_equal(ddl_remaining(&FX_ON.ax, T("2026-01-07T10:00"), T("2026-01-07T10:00")), 0);
}

static void
test_explain(void **state)
{
    struct ddl_skip sk[16];
    size_t n;

    (void)state;
    n = ddl_explain(&FX_ON.ax, T("2026-02-13T10:00"), T("2026-02-25T10:00"), sk, 16);
    assert_int_equal(n, 9);
    assert_int_equal(sk[0].day, cal_days(2026, 2, 14));
    assert_int_equal(sk[8].day, cal_days(2026, 2, 22));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sk[i].working, 0);
        assert_int_equal(sk[i].reason, WCAL_R_TET);
    }
    n = ddl_explain(&FX_ON.ax, T("2026-08-21T09:00"), T("2026-08-25T09:00"), sk, 16);
    assert_int_equal(n, 2);
    assert_int_equal(sk[0].day, cal_days(2026, 8, 22));
    assert_int_equal(sk[0].working, 1);
    assert_int_equal(sk[0].reason, WCAL_R_MAKEUP_SATURDAY);
    assert_int_equal(sk[1].day, cal_days(2026, 8, 23));
    assert_int_equal(sk[1].reason, WCAL_R_WEEKEND);
    n = ddl_explain(&FX_ON.ax, T("2026-04-24T15:30"), T("2026-04-29T15:30"), sk, 16);
    assert_int_equal(n, 3);
    assert_int_equal(sk[0].reason, WCAL_R_WEEKEND);
    assert_int_equal(sk[2].day, cal_days(2026, 4, 27));
    assert_int_equal(sk[2].reason, WCAL_R_COMPENSATORY);
    /* cap: the count is the total, only cap rows written */
    n = ddl_explain(&FX_ON.ax, T("2026-02-13T10:00"), T("2026-02-25T10:00"), sk, 2);
    assert_int_equal(n, 9);
}

/* The explanation of a due date from the reception (ddl_explain_due). */
static void
expect_skips(const struct ddl_skip *sk, size_t n, const char *const *days,
             const enum wcal_reason *why, const char *what)
{
    size_t want = 0;

    while (days[want] != NULL)
        want++;
    if (n != want) {
        print_error("%s: %zu days listed, want %zu\n", what, n, want);
        fail();
    }
    for (size_t i = 0; i < n; i++) {
        int32_t d;

        assert_int_equal(cal_parse_date(days[i], strlen(days[i]), &d), 0);
        if (sk[i].day != d || sk[i].reason != why[i]) {
            char g[16];

            cal_format_date(sk[i].day, g);
            print_error("%s: row %zu is %s %s, want %s %s\n", what, i, g,
                        wcal_reason_key(sk[i].reason), days[i], wcal_reason_key(why[i]));
            fail();
        }
    }
}

static void
test_explain_due(void **state)
{
    static const char *const TET_DAYS[] = {"2026-02-14", "2026-02-15", "2026-02-16",
                                           "2026-02-17", "2026-02-18", "2026-02-19",
                                           "2026-02-20", "2026-02-21", "2026-02-22", NULL};
    static const enum wcal_reason TET_WHY[] = {WCAL_R_TET, WCAL_R_TET, WCAL_R_TET,
                                               WCAL_R_TET, WCAL_R_TET, WCAL_R_TET,
                                               WCAL_R_TET, WCAL_R_TET, WCAL_R_TET};
    static const char *const WEEKEND_JAN[] = {"2026-01-17", "2026-01-18", NULL};
    static const char *const WEEKEND_MAR[] = {"2026-03-21", "2026-03-22", NULL};
    static const enum wcal_reason WEEKEND2[] = {WCAL_R_WEEKEND, WCAL_R_WEEKEND};
    static const char *const NONE[] = {NULL};
    static const char *const SAT_WORKED[] = {"2026-08-22", NULL};
    static const enum wcal_reason MAKEUP[] = {WCAL_R_MAKEUP_SATURDAY};
    struct ddl_skip sk[32];
    struct ddl_duration d;
    struct mc_err e;
    size_t n;

    (void)state;
    /* received Fri 13/02/2026 17:00 (closing time), 1d: the clock starts Mon 23/02 07:00, so
       every Tết day 14-22/02 is skipped before it starts; due Mon 23/02 17:00 */
    assert_int_equal(ddl_parse_duration("1d", 2, &d, &e), 0);
    n = ddl_explain_due(&FX_ON.ax, T("2026-02-13T17:00"), &d, T("2026-02-23T17:00"), sk, 32);
    expect_skips(sk, n, TET_DAYS, TET_WHY, "Tết eve 17:00 + 1d");
    /* received Sat 17/01/2026, 1d: the weekend before the clock starts Mon 19/01 07:00 (not
       Sat 10/01, worked by CV 12729/VPCP-KGVX) */
    n = ddl_explain_due(&FX_ON.ax, T("2026-01-17T10:00"), &d, T("2026-01-19T17:00"), sk, 32);
    expect_skips(sk, n, WEEKEND_JAN, WEEKEND2, "Saturday + 1d");
    /* calendar days: weekends inside the period are counted, not skipped */
    assert_int_equal(ddl_parse_duration("15c", 3, &d, &e), 0);
    n = ddl_explain_due(&FX_ON.ax, T("2026-01-05T10:00"), &d, T("2026-01-20T17:00"), sk, 32);
    expect_skips(sk, n, NONE, NULL, "05/01 + 15c ends Tue 20/01: nothing skipped");
    /* Fri 06/03 17:30 + 15c: last day Sat 21/03 -> Mon 23/03; only 21 and 22 moved over
       (not the weekends 07-08 and 14-15/03 inside the period) */
    n = ddl_explain_due(&FX_ON.ax, T("2026-03-06T17:30"), &d, T("2026-03-23T17:00"), sk, 32);
    expect_skips(sk, n, WEEKEND_MAR, WEEKEND2, "Fri 17:30 + 15c");
    /* Fri 13/02 17:30 + 1c: last day Sat 14/02 is Tết -> Mon 23/02 */
    assert_int_equal(ddl_parse_duration("1c", 2, &d, &e), 0);
    n = ddl_explain_due(&FX_ON.ax, T("2026-02-13T17:30"), &d, T("2026-02-23T17:00"), sk, 32);
    expect_skips(sk, n, TET_DAYS, TET_WHY, "Tết eve + 1c");
    /* Thu 20/08 + 2c ends on the worked Saturday 22/08: shown as a worked day */
    assert_int_equal(ddl_parse_duration("2c", 2, &d, &e), 0);
    n = ddl_explain_due(&FX_ON.ax, T("2026-08-20T10:00"), &d, T("2026-08-22T17:00"), sk, 32);
    expect_skips(sk, n, SAT_WORKED, MAKEUP, "2c ends on a worked Saturday");
    assert_int_equal(sk[0].working, 1);
}

/* Policy apology_notice: the law's "01 ngày trước ngày hết hạn" (default, ND 61 Art. 19(5))
   vs. the stricter one-working-day margin (a warning only, issue #15). */
static void
test_apology_notice_policy(void **state)
{
    static const struct {
        const char *due, *issued;
        int late_working_day, late_day_before;
    } ROWS[] = {
        /* Wed 16:00 for Thu 10:00: 60 + 180 = 240 working min; but the day before */
        {"2026-01-08T10:00", "2026-01-07T16:00", 1, 0},
        {"2026-01-08T10:00", "2026-01-07T10:00", 0, 0},
        {"2026-01-08T10:00", "2026-01-08T07:30", 1, 1},
        {"2026-01-08T10:00", "2026-01-08T11:00", 1, 1},
        /* Fri 13/02 16:00 for Mon 23/02 10:00 (after Tết): 240 working min, ten days before */
        {"2026-02-23T10:00", "2026-02-13T16:00", 1, 0},
        {"2026-02-23T10:00", "2026-02-23T09:00", 1, 1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        struct ddl_apology a;
        struct mc_err e;
        int64_t later = T("2026-03-31T10:00");

        assert_int_equal(ddl_apology_with(&FX_ON.ax, DDL_NOTICE_WORKING_DAY, T(ROWS[i].due),
                                          T(ROWS[i].issued), later, 0, &a, &e),
                         0);
        assert_int_equal(a.late_notice, ROWS[i].late_working_day);
        assert_int_equal(ddl_apology_with(&FX_ON.ax, DDL_NOTICE_DAY_BEFORE, T(ROWS[i].due),
                                          T(ROWS[i].issued), later, 0, &a, &e),
                         0);
        assert_int_equal(a.late_notice, ROWS[i].late_day_before);
    }
}

static int
setup(void **state)
{
    (void)state;
    fixture_init(&FX_ON, 1);
    fixture_init(&FX_OFF, 0);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    fixture_free(&FX_ON);
    fixture_free(&FX_OFF);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appointments),
        cmocka_unit_test(test_worked_examples_distance),
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_none_has_no_appointment),
        cmocka_unit_test(test_out_of_calendar),
        cmocka_unit_test(test_plans),
        cmocka_unit_test(test_ledger),
        cmocka_unit_test(test_ledger_history),
        cmocka_unit_test(test_ledger_rejects),
        cmocka_unit_test(test_apology),
        cmocka_unit_test(test_remaining),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_explain_due),
        cmocka_unit_test(test_apology_notice_policy),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
