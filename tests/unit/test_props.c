/*
 * test_props.c - properties of the deadline arithmetic over random cases (fixed-seed
 * xorshift64*, so a failure reproduces): for receptions between 2020 and 2030 on the
 * announced calendar and durations up to 30 working days,
 *   - the appointment is never earlier for a longer duration,
 *   - it falls inside working time or exactly at a session end (the second before it
 *     is working time),
 *   - the working time between reception and appointment is the duration,
 *   - a counted pause never makes the legal due earlier,
 *   - pos(instant(p)) == p and instant(pos(t)) <= t,
 *   - through ddl_appointment, for working-day, working-hour, calendar-day and same-day
 *     durations: never earlier for a longer duration (an earlier cut-off), never earlier
 *     for a later reception, always inside working time or at a session end; the working
 *     time counted back gives the duration (wd, wh); a calendar-day period ends on the
 *     first working day from reception day + N (Civil Code 2015 Art. 147(2), 148(5)).
 * Three million cases per property (MOTCUA_PROPS_N overrides the count).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ddl_fixture.h"

static struct fixture FX_ON, FX_OFF;
static uint64_t SEED = 0x9e3779b97f4a7c15ull;
static long N_CASES = 3000000;

static uint64_t
rnd(void)
{
    SEED ^= SEED >> 12;
    SEED ^= SEED << 25;
    SEED ^= SEED >> 27;
    return SEED * 0x2545f4914f6cdd1dull;
}

static int64_t
rnd_range(int64_t lo, int64_t hi) /* inclusive */
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* A random instant in 2020-2030, biased to session boundaries one time in four. */
static int64_t
rnd_instant(void)
{
    static int64_t lo, hi;
    int64_t t;

    if (lo == 0) {
        lo = cal_instant(cal_days(2020, 1, 1), 0);
        hi = cal_instant(cal_days(2030, 12, 31), 0);
    }
    t = rnd_range(lo, hi);

    if (rnd() % 4 == 0) {
        static const int EDGES[] = {420, 690, 810, 1020};
        t = cal_instant(cal_local_day(t), EDGES[rnd() % 4]) + (int64_t)(rnd() % 3) - 1;
    }
    return t;
}

static void
test_monotone_and_exact(void **state)
{
    (void)state;
    for (long i = 0; i < N_CASES; i++) {
        const struct fixture *fx = (i & 1) ? &FX_ON : &FX_OFF;
        int64_t t = rnd_instant();
        int64_t m1 = rnd_range(1, 30 * DDL_DAY_MINUTES), m2 = m1 + rnd_range(0, 3 * 480);
        int64_t a1, a2;
        struct mc_err e;

        assert_int_equal(ddl_add_minutes(&fx->ax, t, m1, &a1, &e), 0);
        assert_int_equal(ddl_add_minutes(&fx->ax, t, m2, &a2, &e), 0);
        if (a1 > a2)
            fail_msg("case %ld: %lld min gives a later appointment than %lld", i, (long long)m1,
                     (long long)m2);
        /* inside working time or at a session end: the second before is working time */
        if (!ddl_is_working_time(&fx->ax, a1 - 1))
            fail_msg("case %ld: appointment %lld not at working time", i, (long long)a1);
        if (ddl_between(&fx->ax, t, a1) != m1 * 60)
            fail_msg("case %ld: working time to the appointment differs from the duration", i);
        /* the earliest such instant: one second earlier, the duration is not reached */
        if (ddl_between(&fx->ax, t, a1 - 1) != m1 * 60 - 1)
            fail_msg("case %ld: not the earliest instant", i);
    }
}

static void
test_pause_never_earlier(void **state)
{
    (void)state;
    for (long i = 0; i < N_CASES; i++) {
        const struct fixture *fx = (i & 1) ? &FX_ON : &FX_OFF;
        int64_t t = rnd_instant(), appt;
        struct ddl_pause pz[2];
        struct ddl_policy pol;
        struct ddl_ledger L;
        struct mc_err e;
        size_t n = 1 + rnd() % 2;

        assert_int_equal(ddl_add_minutes(&fx->ax, t, rnd_range(1, 20 * 480), &appt, &e), 0);
        pz[0].reason = DDL_P_SUPPLEMENT;
        pz[0].requested_at = t + rnd_range(0, 30 * 86400);
        pz[0].resolved_at = pz[0].requested_at + rnd_range(0, 20 * 86400);
        pz[1].reason = (enum ddl_pause_reason)(rnd() % DDL_P__COUNT);
        pz[1].requested_at = pz[0].resolved_at + rnd_range(0, 10 * 86400);
        pz[1].resolved_at = (rnd() % 5 == 0) ? DDL_OPEN : pz[1].requested_at + rnd_range(0, 86400);
        ddl_policy_default(&pol);
        pol.single_supplement = (int)(rnd() % 2);
        pol.counted = (unsigned)(rnd() % 16) | 1u;
        assert_int_equal(ddl_ledger(&fx->ax, &pol, appt, pz, n, pz[0].requested_at + 60 * 86400,
                                    &L, &e),
                         0);
        if (L.legal_due < appt)
            fail_msg("case %ld: a pause made the due earlier", i);
        /* each resume's new date is never before its previous date */
        for (size_t k = 0; k < n; k++)
            if (pz[k].due_after < pz[k].due_before)
                fail_msg("case %ld: pause %zu moved the due backwards", i, k);
        if (ddl_between(&fx->ax, appt, L.legal_due) != L.paused_secs &&
            !(L.paused_secs == 0 && L.legal_due == appt))
            fail_msg("case %ld: legal due is not appointment + paused working time", i);
    }
}

static void
test_axis_inverse(void **state)
{
    const struct ddl_axis *ax = &FX_ON.ax;
    int64_t lo = ddl_pos(ax, cal_instant(cal_days(2020, 1, 1), 0));
    int64_t hi = ddl_pos(ax, cal_instant(cal_days(2030, 12, 31), 0));

    (void)state;
    for (long i = 0; i < N_CASES; i++) {
        int64_t p = rnd_range(lo + 1, hi);
        int64_t t = rnd_instant();

        if (ddl_pos(ax, ddl_instant(ax, p)) != p)
            fail_msg("case %ld: pos(instant(%lld)) != p", i, (long long)p);
        if (ddl_instant(ax, ddl_pos(ax, t)) > t)
            fail_msg("case %ld: instant(pos(t)) > t", i);
    }
}

/* A random duration of the unit u, and a longer (or equal) one in *longer. */
static void
rnd_duration(enum ddl_unit u, struct ddl_duration *d, struct ddl_duration *longer)
{
    d->unit = longer->unit = u;
    d->cutoff = longer->cutoff = -1;
    switch (u) {
    case DDL_WD:
        d->value = (int32_t)rnd_range(1, 30);
        longer->value = d->value + (int32_t)rnd_range(0, 5);
        break;
    case DDL_WH:
        d->value = (int32_t)rnd_range(1, 240);
        longer->value = d->value + (int32_t)rnd_range(0, 40);
        break;
    case DDL_CD:
        d->value = (int32_t)rnd_range(1, 60);
        longer->value = d->value + (int32_t)rnd_range(0, 10);
        break;
    default:
        /* same day: an earlier cut-off is the "longer" duration (it can only push the
           appointment to the next working day); no cut-off is the shortest */
        d->value = longer->value = 0;
        d->cutoff = rnd() % 4 == 0 ? -1 : (int32_t)rnd_range(360, 1080);
        longer->cutoff = (int32_t)rnd_range(360, d->cutoff < 0 ? 1080 : d->cutoff);
        break;
    }
}

static const enum ddl_unit UNITS[4] = {DDL_WD, DDL_WH, DDL_CD, DDL_SAMEDAY};

static void
test_appointment_monotone(void **state)
{
    (void)state;
    for (long i = 0; i < N_CASES; i++) {
        const struct fixture *fx = (i & 1) ? &FX_ON : &FX_OFF;
        enum ddl_unit u = UNITS[(i >> 1) & 3];
        int64_t t = rnd_instant(), t2 = t + rnd_range(0, 3 * 86400);
        struct ddl_duration d, longer;
        int64_t a1, a2, a3;
        struct mc_err e;

        rnd_duration(u, &d, &longer);
        assert_int_equal(ddl_appointment(&fx->ax, t, &d, &a1, &e), 0);
        assert_int_equal(ddl_appointment(&fx->ax, t, &longer, &a2, &e), 0);
        assert_int_equal(ddl_appointment(&fx->ax, t2, &d, &a3, &e), 0);
        if (a1 > a2)
            fail_msg("case %ld (%s): a longer duration gives an earlier appointment", i,
                     ddl_unit_key(u));
        if (a1 > a3)
            fail_msg("case %ld (%s): a later reception gives an earlier appointment", i,
                     ddl_unit_key(u));
    }
}

static void
test_appointment_in_working_time(void **state)
{
    (void)state;
    for (long i = 0; i < N_CASES; i++) {
        const struct fixture *fx = (i & 1) ? &FX_ON : &FX_OFF;
        enum ddl_unit u = UNITS[(i >> 1) & 3];
        int64_t t = rnd_instant(), a;
        struct ddl_duration d, unused;
        struct mc_err e;

        rnd_duration(u, &d, &unused);
        assert_int_equal(ddl_appointment(&fx->ax, t, &d, &a, &e), 0);
        /* inside working time or at a session end: the second before is working time */
        if (!ddl_is_working_time(&fx->ax, a - 1))
            fail_msg("case %ld (%s): appointment not at working time", i, ddl_unit_key(u));
        if (a <= t && u != DDL_WD && u != DDL_WH)
            fail_msg("case %ld (%s): appointment not after the reception", i, ddl_unit_key(u));
        switch (u) {
        case DDL_WD:
        case DDL_WH:
            /* counting working time back from the appointment gives the duration */
            if (ddl_between(&fx->ax, t, a) != ddl_duration_minutes(&d) * 60)
                fail_msg("case %ld (%s): working time to the appointment is not the duration",
                         i, ddl_unit_key(u));
            break;
        case DDL_CD: {
            int32_t last = cal_local_day(t) + d.value, day = cal_local_day(a);

            /* ends on the first working day from the last day of the period */
            if (day < last || wcal_is_working(fx->cal, day) != 1)
                fail_msg("case %ld (cd): period ends before its last day or on a day off", i);
            for (int32_t k = last; k < day; k++)
                if (wcal_is_working(fx->cal, k) == 1)
                    fail_msg("case %ld (cd): a working day was skipped", i);
            break;
        }
        default: {
            /* the end of a working day, on the rolled start's day or later */
            int64_t start;

            assert_int_equal(ddl_start(&fx->ax, t, &start, &e), 0);
            if (ddl_is_working_time(&fx->ax, a) || cal_local_day(a) < cal_local_day(start))
                fail_msg("case %ld (sameday): not the end of a working day", i);
            break;
        }
        }
    }
}

static int
setup(void **state)
{
    const char *n = getenv("MOTCUA_PROPS_N");

    (void)state;
    if (n != NULL && atol(n) > 0)
        N_CASES = atol(n);
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
        cmocka_unit_test(test_monotone_and_exact),
        cmocka_unit_test(test_pause_never_earlier),
        cmocka_unit_test(test_axis_inverse),
        cmocka_unit_test(test_appointment_monotone),
        cmocka_unit_test(test_appointment_in_working_time),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
