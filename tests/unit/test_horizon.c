/*
 * test_horizon.c - server/domain/wcal.c: proposed days, appointments across them and the
 * announcement horizon (issue 15 part 3).
 *
 * Typed by hand, not from the code: mùng 1 Tết Đinh Mùi is Sat 06/02/2027, so the rules'
 * proposal (docs/domain.md "Proposed Tết": five weekdays from the day before giao thừa) is
 * Thu 04/02, Fri 05/02, Mon 08/02, Tue 09/02, Wed 10/02/2027; 02/09/2027 is a Thursday, so
 * the proposed second Quốc khánh day is Fri 03/09/2027; mùng 1 Tết Mậu Thân is Wed
 * 26/01/2028 (proposal from Mon 24/01/2028). 2026 is announced in sql/calendar_vn.tsv.
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

/* The shipped calendar, plus `extra` announced rows (NULL-terminated lines of TSV). */
static struct wcal *
build(const char *extra)
{
    const struct embed_file *f = embed_find("calendar_vn.tsv");
    struct wcal_opts o;
    struct wcal_entry *en = NULL;
    size_t n = 0, len;
    struct mc_err e;
    struct wcal *w;
    char *text;

    assert_non_null(f);
    len = f->len + (extra != NULL ? strlen(extra) : 0);
    text = malloc(len + 2);
    assert_non_null(text);
    memcpy(text, f->data, f->len);
    text[f->len] = '\n';
    memcpy(text + f->len + 1, extra != NULL ? extra : "", len - f->len);
    text[len + 1] = '\0';
    assert_int_equal(wcal_parse_tsv(text, len + 1, &en, &n, &e), 0);
    free(text);
    wcal_opts_default(&o);
    w = wcal_build(&o, en, n, &e);
    free(en);
    if (w == NULL)
        fail_msg("wcal_build: %s", e.detail);
    return w;
}

/* Tết Đinh Mùi as an announcement might place it (the same five days), for the cleared
   horizon. */
static const char TET_2027[] = "2027-02-04\toff\ttet\tTết Đinh Mùi (thử nghiệm)\n"
                               "2027-02-05\toff\ttet\tTết Đinh Mùi (thử nghiệm)\n"
                               "2027-02-08\toff\ttet\tTết Đinh Mùi (thử nghiệm)\n"
                               "2027-02-09\toff\ttet\tTết Đinh Mùi (thử nghiệm)\n"
                               "2027-02-10\toff\ttet\tTết Đinh Mùi (thử nghiệm)\n";

static void
test_proposed_days(void **state)
{
    static const struct {
        const char *day;
        int proposed;
    } T[] = {
        {"2027-02-03", 0}, {"2027-02-04", 1}, {"2027-02-05", 1}, {"2027-02-06", 0},
        {"2027-02-07", 0}, {"2027-02-08", 1}, {"2027-02-09", 1}, {"2027-02-10", 1},
        {"2027-02-11", 0}, {"2027-09-02", 0}, {"2027-09-03", 1}, {"2026-02-17", 0},
        {"2026-09-01", 0}, {"2028-01-21", 0}, {"2028-01-24", 1}, {"2028-01-28", 1},
        {"2028-01-31", 0},
    };
    struct wcal *w = build(NULL);

    (void)state;
    for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++)
        if (wcal_is_proposed(w, D(T[i].day)) != T[i].proposed)
            fail_msg("%s: proposed %d, expected %d", T[i].day, !T[i].proposed, T[i].proposed);
    assert_int_equal(wcal_first_proposed(w, D("2026-12-07"), D("2027-12-31")), D("2027-02-04"));
    assert_int_equal(wcal_first_proposed(w, D("2027-02-11"), D("2027-12-31")), D("2027-09-03"));
    assert_int_equal(wcal_first_proposed(w, D("2026-01-01"), D("2026-12-31")), -1);
    wcal_free(w);
}

/* Clock start day, due day (of the appointment), crosses a proposal? */
static void
test_crosses(void **state)
{
    static const struct {
        const char *start, *due;
        int crosses;
        const char *why;
    } T[] = {
        /* received Mon 01/02/2027 for 10 working days: 01-03/02, Tết, 11/02.. */
        {"2027-02-01", "2027-02-22", 1, "10 working days over proposed Tết 2027"},
        {"2027-02-01", "2027-02-03", 0, "ends the day before the proposal"},
        {"2027-02-01", "2027-02-04", 1, "due on the first proposed day"},
        {"2027-02-10", "2027-02-10", 1, "start and due on a proposed day"},
        {"2027-02-11", "2027-02-24", 0, "after the proposal"},
        /* received Tue 02/03/2027 for 5 working days: due Tue 09/03/2027 */
        {"2027-03-02", "2027-03-09", 0, "5 working days in March 2027"},
        {"2027-08-30", "2027-09-02", 0, "02/09 is a fixed holiday, not a proposal"},
        {"2027-08-30", "2027-09-06", 1, "over the proposed second Quốc khánh day"},
        {"2026-02-10", "2026-02-27", 0, "over the announced Tết 2026"},
        {"2026-12-21", "2027-01-04", 0, "year end, 01/01 is a fixed holiday"},
    };
    struct wcal *w = build(NULL);

    (void)state;
    for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++)
        if (wcal_crosses_proposed(w, D(T[i].start), D(T[i].due)) != T[i].crosses)
            fail_msg("%s..%s (%s): expected %d", T[i].start, T[i].due, T[i].why, T[i].crosses);
    wcal_free(w);
}

static void
test_horizon(void **state)
{
    static const struct {
        const char *today;
        int announced_2027; /* with TET_2027 loaded */
        int next_year, next_announced, alarm;
        const char *last_announced;
    } T[] = {
        {"2026-09-30", 0, 2027, 0, 0, "2027-02-03"}, /* the day before the alarm */
        {"2026-10-01", 0, 2027, 0, 1, "2027-02-03"}, /* from 1 October */
        {"2026-12-07", 0, 2027, 0, 1, "2027-02-03"}, /* this machine's today */
        {"2026-12-31", 0, 2027, 0, 1, "2027-02-03"},
        {"2025-10-01", 0, 2026, 1, 0, "2027-02-03"}, /* 2026 announced in time */
        {"2027-01-15", 0, 2028, 0, 0, "2027-02-03"}, /* new year: before October again */
        {"2027-10-01", 0, 2028, 0, 1, "2028-01-23"},
        {"2026-12-07", 1, 2027, 1, 0, "2027-09-02"}, /* loaded: the next proposal is 03/09 */
        {"2027-09-04", 1, 2028, 0, 0, "2028-01-23"},
    };
    struct wcal *plain = build(NULL), *loaded = build(TET_2027);

    (void)state;
    for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++) {
        struct wcal_horizon h;

        wcal_horizon(T[i].announced_2027 ? loaded : plain, D(T[i].today), &h);
        if (h.next_year != T[i].next_year || h.next_year_announced != T[i].next_announced ||
            h.alarm != T[i].alarm || h.last_announced != D(T[i].last_announced)) {
            char got[11];

            cal_format_date(h.last_announced, got);
            fail_msg("%s%s: next %d announced %d alarm %d last %s", T[i].today,
                     T[i].announced_2027 ? " (2027 loaded)" : "", h.next_year,
                     h.next_year_announced, h.alarm, got);
        }
    }
    /* outside the range: nothing */
    {
        struct wcal_horizon h;

        wcal_horizon(plain, D("1980-01-01"), &h);
        assert_int_equal(h.alarm, 0);
        assert_int_equal(h.next_year, 0);
    }
    wcal_free(plain);
    wcal_free(loaded);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proposed_days),
        cmocka_unit_test(test_crosses),
        cmocka_unit_test(test_horizon),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
