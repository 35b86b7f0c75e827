/*
 * test_report.c - the pure report helpers (server/report/b06.c): official reporting periods
 * with the cut-off days of domain.md §8.2 (ND 09/2019 Art. 12 as repeated in domain-sources.md
 * §5.3: a month is 15/(m-1)..14/m, a quarter 15 of the month before it..14 of its last month,
 * six months 15/12..14/06, nine months 15/12..14/09, a year 15/12..14/12), Biểu 06's four
 * invariants, and the CSV rendering.
 *
 * server/report/ is outside the core+domain library these tests link (Makefile), so its
 * pure file is compiled into the test directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../server/report/b06.c"

struct prow {
    const char *kind;
    int year, number;
    const char *from, *to; /* expected, typed from the rule */
    const char *label;
};

static const struct prow PERIODS[] = {
    {"month", 2026, 1, "2025-12-15", "2026-01-14", "Tháng 1 năm 2026"},
    {"month", 2026, 3, "2026-02-15", "2026-03-14", "Tháng 3 năm 2026"},
    {"month", 2024, 3, "2024-02-15", "2024-03-14", "Tháng 3 năm 2024"},
    {"month", 2025, 12, "2025-11-15", "2025-12-14", "Tháng 12 năm 2025"},
    {"quarter", 2026, 1, "2025-12-15", "2026-03-14", "Quý I năm 2026"},
    {"quarter", 2025, 2, "2025-03-15", "2025-06-14", "Quý II năm 2025"},
    {"quarter", 2025, 3, "2025-06-15", "2025-09-14", "Quý III năm 2025"},
    {"quarter", 2025, 4, "2025-09-15", "2025-12-14", "Quý IV năm 2025"},
    {"half", 2025, 1, "2024-12-15", "2025-06-14", "6 tháng đầu năm 2025"},
    {"half", 2025, 2, "2025-06-15", "2025-12-14", "6 tháng cuối năm 2025"},
    {"nine_months", 2025, 0, "2024-12-15", "2025-09-14", "9 tháng năm 2025"},
    {"year", 2025, 0, "2024-12-15", "2025-12-14", "Năm 2025"},
    {"year", 2024, 0, "2023-12-15", "2024-12-14", "Năm 2024"},
};

static void
test_periods(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(PERIODS) / sizeof(PERIODS[0]); i++) {
        const struct prow *p = &PERIODS[i];
        int32_t from, to, wf, wt;
        struct mc_err e;
        char label[64];
        int k = report_period_parse(p->kind);

        assert_true(k >= 0);
        assert_int_equal(report_period((enum report_period_kind)k, p->year, p->number, &from, &to,
                                       &e), 0);
        assert_int_equal(cal_parse_date(p->from, strlen(p->from), &wf), 0);
        assert_int_equal(cal_parse_date(p->to, strlen(p->to), &wt), 0);
        if (from != wf || to != wt)
            fail_msg("%s %d/%d: got %d..%d", p->kind, p->number, p->year, from, to);
        report_period_label((enum report_period_kind)k, p->year, p->number, label, sizeof(label));
        assert_string_equal(label, p->label);
    }
}

struct brow {
    const char *why;
    const char *kind;
    int year, number;
};

static const struct brow BAD[] = {
    {"month 0", "month", 2026, 0},
    {"month 13", "month", 2026, 13},
    {"quarter 5", "quarter", 2026, 5},
    {"half 3", "half", 2026, 3},
    {"year 1900", "year", 1900, 0},
};

static void
test_bad_periods(void **state)
{
    (void)state;
    assert_int_equal(report_period_parse("week"), -1);
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
        int32_t from = 7, to = 7;
        struct mc_err e;

        assert_int_equal(report_period((enum report_period_kind)report_period_parse(BAD[i].kind),
                                       BAD[i].year, BAD[i].number, &from, &to, &e),
                         -1);
        assert_int_equal(e.code, ERR_BAD_QUERY);
        assert_int_equal(from, 7); /* outputs untouched on failure */
    }
}

/* Cells: received, online, direct, carried, ended, early, on time, late, open, overdue. */
struct irow {
    const char *why;
    int64_t v[10];
    int ok;
    const char *which; /* start of the detail of the failing invariant */
};

static const struct irow INV[] = {
    {"consistent", {10, 4, 6, 3, 9, 2, 5, 2, 4, 1}, 1, NULL},
    {"all zero", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1, NULL},
    {"channels do not add up", {10, 4, 5, 3, 9, 2, 5, 2, 4, 1}, 0, "3 = 4 + 5 + 6"},
    {"classes do not add up", {10, 4, 6, 3, 9, 2, 5, 1, 4, 1}, 0, "7 = 8 + 9 + 10"},
    {"received != resolved + open", {10, 4, 6, 3, 9, 2, 5, 2, 5, 1}, 0, "3 = 7 + 11"},
    {"more overdue than open", {10, 4, 6, 3, 9, 2, 5, 2, 4, 5}, 0, "column 12 negative"},
};

static void
test_invariants(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(INV) / sizeof(INV[0]); i++) {
        const int64_t *v = INV[i].v;
        struct b06_row r = {.label = INV[i].why};
        struct mc_err e;

        b06_fill(&r, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
        if (INV[i].ok) {
            assert_int_equal(b06_check(&r, &e), 0);
        } else {
            assert_int_equal(b06_check(&r, &e), -1);
            assert_int_equal(e.code, ERR_REPORT_INVARIANT);
            if (strncmp(e.detail, INV[i].which, strlen(INV[i].which)) != 0)
                fail_msg("%s: detail %s", INV[i].why, e.detail);
        }
    }
}

static void
test_csv(void **state)
{
    struct arena *a = arena_new();
    struct b06_row rows[2] = {{.kind = B06_DATA, .stt = "1", .label = "Hộ tịch, \"khai sinh\""},
                              {.kind = B06_TOTAL, .stt = "", .label = "Tổng cộng"}};
    struct b06_meta m = {.period_label = "Quý I năm 2026", .unit_name = "UBND tỉnh"};
    size_t len;
    char *csv;
    struct mc_err e;

    (void)state;
    assert_int_equal(report_period(RP_QUARTER, 2026, 1, &m.from, &m.to, &e), 0);
    b06_fill(&rows[0], 10, 4, 6, 3, 9, 2, 5, 2, 4, 1);
    b06_add(&rows[1], &rows[0]);
    csv = b06_csv(a, &m, rows, 2, &len);
    assert_int_equal(strlen(csv), len);
    assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
    assert_non_null(strstr(csv, "Kỳ báo cáo,Quý I năm 2026,Từ ngày,2025-12-15,đến ngày,2026-03-14\r\n"));
    assert_non_null(strstr(csv, "1,\"Hộ tịch, \"\"khai sinh\"\"\",13,4,6,3,9,2,5,2,4,3,1\r\n"));
    assert_non_null(strstr(csv, ",Tổng cộng,13,4,6,3,9,2,5,2,4,3,1\r\n"));
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_bad_periods),
        cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_csv),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
