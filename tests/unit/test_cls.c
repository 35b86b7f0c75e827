/*
 * test_cls.c - classification under `legal` and `dvcqg766` (domain.md §7) and the
 * rate formulas (§8.1). Expected classes worked out by hand on the 2026 calendar; the
 * classification and points tables are in cls_cases.h, shared with test_db_cls_parity.c
 * (the same cases fed to the SQL functions of the reports).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cls_cases.h"
#include "ddl_fixture.h"
#include "domain/cls.h"

static struct fixture FX;

static void
test_classify(void **state)
{
    (void)state;
    for (size_t i = 0; i < CLS_NCASES; i++) {
        const struct cls_case *r = &CLS_CASES[i];
        struct cls_pause pz[2];
        struct cls_dossier d;
        struct cls_result res;
        struct mc_err e;

        cls_case_dossier(r, pz, &d);
        assert_int_equal(cls_classify(&FX.ax, r->rules, &d, T(r->at), &res, &e), 0);
        if (res.cls != r->want)
            print_error("%s: got %s, want %s\n", r->why, cls_class_key(res.cls),
                        cls_class_key(r->want));
        assert_int_equal(res.cls, r->want);
        assert_int_equal(res.virtual_end, r->want_virtual);
    }
}

static void
test_classify_rejects(void **state)
{
    struct cls_pause pz = {T("2026-01-04T10:00"), T("2026-01-06T10:00"), 1, 1};
    struct cls_dossier d = {T("2026-01-05T10:00"), 1, T("2026-01-07T10:00"), CLS_END_NONE, 0, &pz,
                            1};
    struct cls_result res;
    struct mc_err e;

    (void)state;
    /* a pause requested before the reception */
    assert_int_equal(cls_classify(&FX.ax, CLS_LEGAL, &d, T("2026-01-09T10:00"), &res, &e), -1);
    assert_int_equal(e.code, ERR_VALIDATION);
    d.npauses = 0;
    d.end_kind = CLS_END_RESOLVED;
    d.end_at = T("2026-01-04T10:00");
    assert_int_equal(cls_classify(&FX.ax, CLS_DVCQG766, &d, T("2026-01-09T10:00"), &res, &e), -1);
    assert_int_equal(e.code, ERR_VALIDATION);
    d.end_kind = CLS_END_NONE;
    assert_int_equal(cls_classify(NULL, CLS_LEGAL, &d, T("2026-01-09T10:00"), &res, &e), -1);
    assert_int_equal(cls_classify(NULL, CLS_DVCQG766, &d, T("2026-01-09T10:00"), &res, &e), 0);
}

static void
test_rates(void **state)
{
    static const struct {
        long long num, den;
        int rc;
        long long want;
        const char *text;
    } ROWS[] = {
        {97, 100, 0, 9700, "97.00"}, {1, 3, 0, 3333, "33.33"},   {2, 3, 0, 6667, "66.67"},
        {1, 8, 0, 1250, "12.50"},    {1, 80000, 0, 0, "0.00"},   {1, 20000, 0, 1, "0.01"},
        {0, 5, 0, 0, "0.00"},        {5, 5, 0, 10000, "100.00"}, {0, 0, -1, 0, "N/A"},
        {3, 2, -1, 0, "N/A"},        {-1, 2, -1, 0, "N/A"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        int64_t h = -7;
        char buf[16];

        assert_int_equal(cls_rate(ROWS[i].num, ROWS[i].den, &h), ROWS[i].rc);
        if (ROWS[i].rc == 0)
            assert_int_equal(h, ROWS[i].want);
        else
            assert_int_equal(h, -7);
        cls_rate_format(ROWS[i].num, ROWS[i].den, buf, sizeof(buf));
        assert_string_equal(buf, ROWS[i].text);
    }
}

static void
test_rate_formulas(void **state)
{
    int64_t h;

    (void)state;
    assert_int_equal(cls_rate_on_time(10, 5, 5, &h), 0);
    assert_int_equal(h, 7500);
    assert_int_equal(cls_rate_on_time(0, 0, 0, &h), -1);
    assert_int_equal(cls_rate_766(40, 45, 80, 20, &h), 0);
    assert_int_equal(h, 8500);
    assert_int_equal(cls_rate_766(0, 0, 0, 0, &h), -1);
    assert_int_equal(cls_points(8500, 8000, 20, &h), 0);
    assert_int_equal(h, 2000);
    assert_int_equal(cls_points(4000, 8000, 22, &h), 0);
    assert_int_equal(h, 1100);
    assert_int_equal(cls_points(9735, 10000, 20, &h), 0);
    assert_int_equal(h, 1947);
    assert_int_equal(cls_points(3333, 5000, 22, &h), 0);
    assert_int_equal(h, 1467);
    assert_int_equal(cls_points(-1, 5000, 22, &h), -1);
    assert_int_equal(cls_points(3333, 0, 22, &h), -1);
}

/* min(rate / threshold, 1) × points (§8.1) on the hand-computed table of cls_cases.h. */
static void
test_points_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < CLS_NPOINTS; i++) {
        const struct cls_points_case *c = &CLS_POINTS_CASES[i];
        int64_t h = -7;

        assert_int_equal(cls_points(c->rate, c->threshold, c->points, &h), c->rc);
        if (c->rc == 0 && h != c->want)
            print_error("points(%lld, %lld, %lld): got %lld, want %lld\n", (long long)c->rate,
                        (long long)c->threshold, (long long)c->points, (long long)h,
                        (long long)c->want);
        assert_int_equal(h, c->rc == 0 ? c->want : -7);
    }
}

/* The exact-ratio form the reports use (cls_points_ratio), same table style. */
static void
test_points_ratio_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < CLS_NPOINTS_RATIO; i++) {
        const struct cls_points_ratio_case *c = &CLS_POINTS_RATIO_CASES[i];
        int64_t h = -7;

        assert_int_equal(cls_points_ratio(c->num, c->den, c->threshold, c->points, &h), c->rc);
        if (c->rc == 0 && h != c->want)
            print_error("points %lld/%lld: got %lld, want %lld\n", (long long)c->num,
                        (long long)c->den, (long long)h, (long long)c->want);
        assert_int_equal(h, c->rc == 0 ? c->want : -7);
    }
}

static void
test_labels(void **state)
{
    (void)state;
    assert_string_equal(cls_class_vi(CLS_EARLY), "Trước hạn");
    assert_string_equal(cls_class_vi(CLS_ON_TIME), "Đúng hạn");
    assert_string_equal(cls_class_vi(CLS_LATE), "Quá hạn");
    assert_string_equal(cls_class_vi(CLS_IN_TIME), "Trong hạn");
    assert_string_equal(cls_class_vi(CLS_OVERDUE), "Quá hạn");
    assert_string_equal(cls_class_key(CLS_OVERDUE), "overdue");
    assert_int_equal(cls_rules_parse("dvcqg766"), CLS_DVCQG766);
    assert_int_equal(cls_rules_parse("legal"), CLS_LEGAL);
    assert_int_equal(cls_rules_parse("766"), -1);
}

static int
setup(void **state)
{
    (void)state;
    fixture_init(&FX, 1);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    fixture_free(&FX);
    return 0;
}

/* The end of a dossier by its end state (domain.md §7.1: 9, else 8, else 7; 10 alone means
   a return without a recorded resolution). */
static void
test_end_of_state(void **state)
{
    (void)state;
    assert_int_equal(cls_end_of_state(9), CLS_END_RESOLVED);
    assert_int_equal(cls_end_of_state(10), CLS_END_RETURNED);
    assert_int_equal(cls_end_of_state(8), CLS_END_STOPPED);
    assert_int_equal(cls_end_of_state(7), CLS_END_WITHDRAWN);
    for (int st = 0; st <= 6; st++)
        assert_int_equal(cls_end_of_state(st), CLS_END_NONE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),      cmocka_unit_test(test_classify_rejects),
        cmocka_unit_test(test_rates),         cmocka_unit_test(test_rate_formulas),
        cmocka_unit_test(test_labels),        cmocka_unit_test(test_end_of_state),
        cmocka_unit_test(test_points_table),  cmocka_unit_test(test_points_ratio_table),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
