/*
 * test_wcal_import.c - the checks of a year's announcement (server/domain/wcal_import.h),
 * table typed from the notices and the Labour Code, not from the code: CV 12729/VPCP-KGVX of
 * 25/12/2025 (Fri 02/01/2026 off, paid back on Sat 10/01/2026), BLLĐ 2019 Art. 111-112
 * (30/04 is a holiday; only a Saturday is worked in exchange), and what must never pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "domain/cal.h"
#include "domain/wcal.h"
#include "domain/wcal_import.h"

struct row {
    const char *day;
    int working;
    enum wcal_reason reason;
};

#define MAXR 12
struct icase {
    const char *what;
    struct row rows[MAXR];  /* the announcement, ends with a NULL day */
    struct row loaded[4];   /* already loaded, ends with a NULL day */
    int override;
    long blocking;          /* problems that block the import */
    int year;               /* the announcement's year */
    enum wcal_import_problem must[4]; /* problems that must be reported (WCAL_IMPORT__COUNT ends) */
};

#define END WCAL_IMPORT__COUNT
#define NONE {END}

static const struct icase CASES[] = {
    {"CV 12729: the swap and its Saturday",
     {{"2026-01-02", 0, WCAL_R_SWAP_OFF}, {"2026-01-10", 1, WCAL_R_MAKEUP_SATURDAY}, {NULL, 0, WCAL_R_WORKDAY}},
     {{NULL, 0, WCAL_R_WORKDAY}}, 0, 0, 2026, NONE},
    {"a swap without its Saturday",
     {{"2026-01-02", 0, WCAL_R_SWAP_OFF}, {NULL, 0, WCAL_R_WORKDAY}}, {{NULL, 0, WCAL_R_WORKDAY}}, 0, 1, 2026,
     {WCAL_IMPORT_SWAP_UNPAIRED, END}},
    {"... lifted by an explicit override",
     {{"2026-01-02", 0, WCAL_R_SWAP_OFF}, {NULL, 0, WCAL_R_WORKDAY}}, {{NULL, 0, WCAL_R_WORKDAY}}, 1, 0, 2026,
     {WCAL_IMPORT_SWAP_UNPAIRED, END}},
    {"a worked Saturday without its swap",
     {{"2026-01-10", 1, WCAL_R_MAKEUP_SATURDAY}, {NULL, 0, WCAL_R_WORKDAY}}, {{NULL, 0, WCAL_R_WORKDAY}}, 0, 1, 2026,
     {WCAL_IMPORT_MAKEUP_UNPAIRED, END}},
    {"the swap paired with a Saturday already loaded",
     {{"2026-01-02", 0, WCAL_R_SWAP_OFF}, {NULL, 0, WCAL_R_WORKDAY}}, {{"2026-01-10", 1, WCAL_R_MAKEUP_SATURDAY}, {NULL, 0, WCAL_R_WORKDAY}},
     0, 0, 2026, NONE},
    {"30/04 (Thursday) worked: a holiday, and not a Saturday",
     {{"2026-04-30", 1, WCAL_R_MAKEUP_SATURDAY}, {NULL, 0, WCAL_R_WORKDAY}}, {{NULL, 0, WCAL_R_WORKDAY}}, 0, 3, 2026,
     {WCAL_IMPORT_HOLIDAY_WORKED, WCAL_IMPORT_MAKEUP_NOT_SATURDAY, END}},
    {"a swap off on a Saturday: nothing to swap",
     {{"2026-01-17", 0, WCAL_R_SWAP_OFF}, {"2026-01-24", 1, WCAL_R_MAKEUP_SATURDAY}, {NULL, 0, WCAL_R_WORKDAY}},
     {{NULL, 0, WCAL_R_WORKDAY}}, 0, 1, 2026, {WCAL_IMPORT_SWAP_ON_WEEKEND, END}},
    {"the second Quốc khánh day on 05/09",
     {{"2026-09-05", 0, WCAL_R_NATIONAL_DAY_2}, {NULL, 0, WCAL_R_WORKDAY}}, {{NULL, 0, WCAL_R_WORKDAY}}, 0, 1, 2026,
     {WCAL_IMPORT_HOLIDAY_DATE, END}},
    {"worked for another reason than a make-up Saturday: never",
     {{"2026-03-07", 1, WCAL_R_LOCAL}, {NULL, 0, WCAL_R_WORKDAY}}, {{NULL, 0, WCAL_R_WORKDAY}}, 1, 1, 2026, {WCAL_IMPORT_KIND, END}},
    {"two years in one announcement: never, even with override",
     {{"2026-12-31", 0, WCAL_R_LOCAL}, {"2027-01-04", 0, WCAL_R_LOCAL}, {NULL, 0, WCAL_R_WORKDAY}}, {{NULL, 0, WCAL_R_WORKDAY}}, 1, 1,
     2026, {WCAL_IMPORT_TWO_YEARS, END}},
    {"the same day twice: never",
     {{"2026-11-24", 0, WCAL_R_LOCAL}, {"2026-11-24", 0, WCAL_R_ANNOUNCED}, {NULL, 0, WCAL_R_WORKDAY}}, {{NULL, 0, WCAL_R_WORKDAY}}, 1, 1,
     2026, {WCAL_IMPORT_DUPLICATE, END}},
    /* mùng 1 Tết Đinh Mùi is Sat 06/02/2027: a break from 29 Tết to mùng 5, weekend included */
    {"Tết Đinh Mùi as an announcement would give it",
     {{"2027-02-04", 0, WCAL_R_TET}, {"2027-02-05", 0, WCAL_R_TET}, {"2027-02-06", 0, WCAL_R_TET},
      {"2027-02-07", 0, WCAL_R_TET}, {"2027-02-08", 0, WCAL_R_TET}, {"2027-02-09", 0, WCAL_R_TET},
      {"2027-02-10", 0, WCAL_R_TET}, {NULL, 0, WCAL_R_WORKDAY}},
     {{NULL, 0, WCAL_R_WORKDAY}}, 0, 0, 2027, NONE},
};

static size_t
fill(const struct row *r, struct wcal_entry *out)
{
    size_t n = 0;

    for (; r[n].day != NULL; n++) {
        memset(&out[n], 0, sizeof(out[n]));
        assert_int_equal(cal_parse_date(r[n].day, strlen(r[n].day), &out[n].day), 0);
        out[n].working = r[n].working;
        out[n].reason = r[n].reason;
        snprintf(out[n].note, sizeof(out[n].note), "thử nghiệm");
    }
    return n;
}

static void
test_announcements(void **state)
{
    struct wcal_opts o;

    (void)state;
    wcal_opts_default(&o);
    o.first_year = 2020;
    o.last_year = 2030;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const struct icase *c = &CASES[i];
        struct wcal_entry rows[MAXR], loaded[4];
        struct wcal_import_issue is[32];
        size_t nr = fill(c->rows, rows), nl = fill(c->loaded, loaded), nis = 0;
        int year = 0;
        struct mc_err e;
        long blocking;

        err_clear(&e);
        blocking = wcal_import_check(&o, loaded, nl, rows, nr, 0, c->override, is, 32, &nis,
                                     &year, &e);
        if (blocking != c->blocking || year != c->year) {
            print_error("%s: %ld blocking (want %ld), year %d (want %d)\n", c->what, blocking,
                        c->blocking, year, c->year);
            for (size_t k = 0; k < nis && k < 32; k++)
                print_error("  %s: %s\n", wcal_import_problem_key(is[k].problem), is[k].detail);
            fail();
        }
        for (const enum wcal_import_problem *m = c->must; *m != END; m++) {
            int seen = 0;

            for (size_t k = 0; k < nis && k < 32; k++)
                seen |= is[k].problem == *m;
            if (!seen) {
                print_error("%s: %s not reported\n", c->what, wcal_import_problem_key(*m));
                fail();
            }
        }
        if (c->must[0] == END && nis != 0) {
            print_error("%s: %zu problems, want none (first: %s)\n", c->what, nis,
                        wcal_import_problem_key(is[0].problem));
            fail();
        }
    }
}

/* What override lifts and what it never does. */
static void
test_overridable(void **state)
{
    (void)state;
    assert_false(wcal_import_overridable(WCAL_IMPORT_BAD_ROW));
    assert_false(wcal_import_overridable(WCAL_IMPORT_TWO_YEARS));
    assert_false(wcal_import_overridable(WCAL_IMPORT_DUPLICATE));
    assert_false(wcal_import_overridable(WCAL_IMPORT_KIND));
    assert_true(wcal_import_overridable(WCAL_IMPORT_HOLIDAY_WORKED));
    assert_true(wcal_import_overridable(WCAL_IMPORT_SWAP_UNPAIRED));
    assert_string_equal(wcal_import_problem_key(WCAL_IMPORT_SWAP_UNPAIRED), "swap_unpaired");
    assert_non_null(strstr(wcal_import_problem_vi(WCAL_IMPORT_SWAP_UNPAIRED), "làm bù"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_announcements),
        cmocka_unit_test(test_overridable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
