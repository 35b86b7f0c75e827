/*
 * test_pver.c - the rules of a procedure version's head (domain/pver.h): durations in
 * working days, working hours, calendar days or "same day" (domain.md §2, §5.1), a
 * cut-off only for same-day procedures, the maximum duration exactly for a procedure
 * without appointment (§7.1), the administrative levels and the end of the district level
 * on 30/06/2025 (§1). One row per rule case, typed from domain.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/cal.h"
#include "domain/pver.h"

/* A row: the head (dates as y, m, d; 0 = absent), the expected code ("" = valid) and field. */
struct row {
    int fy, fm, fd, ty, tm, td;
    int64_t value;
    const char *unit;
    int cutoff, max;
    const char *level;
    enum err_code code;
    const char *field;
};

static const struct row ROWS[] = {
    /* valid durations (§2, §5.1) */
    {2026, 1, 1, 0, 0, 0, 15, "wd", 0, 0, NULL, ERR_OK, ""},
    {2026, 1, 1, 0, 0, 0, 4, "wh", 0, 0, "province", ERR_OK, ""},
    {2026, 1, 1, 0, 0, 0, 30, "cd", 0, 0, "commune", ERR_OK, ""},
    {2026, 1, 1, 0, 0, 0, 0, "sameday", 1, 0, "central", ERR_OK, ""},
    {2026, 1, 1, 0, 0, 0, 0, "none", 0, 1, NULL, ERR_OK, ""},
    /* the interval: effective_to the same day is fine, the day before is not */
    {2026, 3, 1, 2026, 3, 1, 5, "wd", 0, 0, NULL, ERR_OK, ""},
    {2026, 3, 1, 2026, 2, 28, 5, "wd", 0, 0, NULL, ERR_BAD_DATE, "effective_to"},
    /* units */
    {2026, 1, 1, 0, 0, 0, 5, "days", 0, 0, NULL, ERR_BAD_DURATION, "duration_unit"},
    {2026, 1, 1, 0, 0, 0, 5, "", 0, 0, NULL, ERR_BAD_DURATION, "duration_unit"},
    /* the cut-off ("sau 15 giờ") only for same-day procedures */
    {2026, 1, 1, 0, 0, 0, 1, "wd", 1, 0, NULL, ERR_BAD_DURATION, "cutoff_minute"},
    {2026, 1, 1, 0, 0, 0, 0, "none", 1, 1, NULL, ERR_BAD_DURATION, "cutoff_minute"},
    /* a duration needs a value unless same day or without appointment */
    {2026, 1, 1, 0, 0, 0, 0, "wd", 0, 0, NULL, ERR_BAD_DURATION, "duration_value"},
    {2026, 1, 1, 0, 0, 0, 0, "wh", 0, 0, NULL, ERR_BAD_DURATION, "duration_value"},
    {2026, 1, 1, 0, 0, 0, 0, "cd", 0, 0, NULL, ERR_BAD_DURATION, "duration_value"},
    {2026, 1, 1, 0, 0, 0, 1, "cd", 0, 0, NULL, ERR_OK, ""},
    /* without an appointment the maximum duration decides on-time (§7.1) */
    {2026, 1, 1, 0, 0, 0, 0, "none", 0, 0, NULL, ERR_BAD_DURATION, "max_minutes"},
    {2026, 1, 1, 0, 0, 0, 10, "wd", 0, 1, NULL, ERR_BAD_DURATION, "max_minutes"},
    /* levels (§1) */
    {2026, 1, 1, 0, 0, 0, 10, "wd", 0, 0, "ward", ERR_VALIDATION, "resolving_level"},
    {2026, 1, 1, 0, 0, 0, 10, "wd", 0, 0, "Province", ERR_VALIDATION, "resolving_level"},
    /* district: history only, a version ending on or before 30/06/2025 */
    {2024, 1, 1, 2025, 6, 30, 10, "wd", 0, 0, "district", ERR_OK, ""},
    {2024, 1, 1, 2025, 6, 29, 10, "wd", 0, 0, "district", ERR_OK, ""},
    {2024, 1, 1, 2025, 7, 1, 10, "wd", 0, 0, "district", ERR_UNIT_INVALID, "resolving_level"},
    {2024, 1, 1, 0, 0, 0, 10, "wd", 0, 0, "district", ERR_UNIT_INVALID, "resolving_level"},
    /* the first failing rule is the one reported: the interval before the unit */
    {2026, 3, 1, 2026, 2, 1, 5, "days", 0, 0, "ward", ERR_BAD_DATE, "effective_to"},
};

static void
test_head(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        const struct row *w = &ROWS[i];
        struct pver_head h = {cal_days(w->fy, w->fm, w->fd),
                              w->ty != 0 ? cal_days(w->ty, w->tm, w->td) : 0,
                              w->ty != 0,
                              w->value,
                              w->unit,
                              w->cutoff,
                              w->max,
                              w->level};
        struct mc_err e;
        int rc;

        memset(&e, 0, sizeof(e));
        rc = pver_check_head(&h, &e);
        if (rc != (w->code == ERR_OK ? 0 : -1) || (rc != 0 && e.code != w->code) ||
            (rc != 0 && strcmp(e.field, w->field) != 0))
            print_error("row %zu: rc %d code %d field %s\n", i, rc, (int)e.code, e.field);
        assert_int_equal(rc, w->code == ERR_OK ? 0 : -1);
        if (rc != 0) {
            assert_int_equal(e.code, w->code);
            assert_string_equal(e.field, w->field);
        }
    }
}

static void
test_levels_and_units(void **state)
{
    static const struct {
        const char *s;
        int level, unit, unit_or_none;
    } ROWS2[] = {
        {"central", 1, 0, 0}, {"province", 1, 0, 0}, {"district", 1, 0, 0},
        {"commune", 1, 0, 0}, {"xa", 0, 0, 0},       {"", 0, 0, 0},
        {"wd", 0, 1, 1},      {"wh", 0, 1, 1},       {"cd", 0, 1, 1},
        {"sameday", 0, 1, 1}, {"none", 0, 0, 1},     {"WD", 0, 0, 0},
    };

    (void)state;
    assert_int_equal(pver_level_valid(NULL), 0);
    for (size_t i = 0; i < sizeof(ROWS2) / sizeof(ROWS2[0]); i++) {
        assert_int_equal(pver_level_valid(ROWS2[i].s), ROWS2[i].level);
        assert_int_equal(pver_unit_valid(ROWS2[i].s, 0), ROWS2[i].unit);
        assert_int_equal(pver_unit_valid(ROWS2[i].s, 1), ROWS2[i].unit_or_none);
    }
    assert_int_equal(pver_district_last_day(), cal_days(2025, 6, 30));
}

static void
test_case_duration(void **state)
{
    /* A case's duration: its field is the caller's path; a cut-off only for same day. */
    struct mc_err e;

    (void)state;
    assert_int_equal(pver_check_duration(3, "wd", 0, "cases[0].duration_value", &e), 0);
    assert_int_equal(pver_check_duration(0, "sameday", 1, "x", &e), 0);
    assert_int_equal(pver_check_duration(0, "wd", 0, "cases[1].duration_value", &e), -1);
    assert_int_equal(e.code, ERR_BAD_DURATION);
    assert_string_equal(e.field, "cases[1].duration_value");
    assert_int_equal(pver_check_duration(2, "wh", 1, "cases[2].duration_value", &e), -1);
    assert_int_equal(e.code, ERR_BAD_DURATION);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_levels_and_units),
        cmocka_unit_test(test_case_duration),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
