/*
 * test_sat.c - the citizen's evaluation (domain/sat.h) on tables typed from domain.md §12.1
 * and §12.2's 766 group: who may evaluate and when (from the reception, a window of 30 days
 * after the end's date, one evaluation per dossier unless an amendment period is set), the
 * reason required for Không hài lòng, indicators 1-2 only after the end, the indicators motcua
 * computes (2 / 1 / 0), the unit score (averages to 2 decimals, total /18, the classes at 15,
 * 12, 9 and 6), the official's Không hài lòng share (flag strictly above 10 %), and QĐ 766
 * 5.2-5.4 points (min(6, 6 x ratio / 90), no PAKN = 6). Every expected value is worked out by
 * hand in the comment beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/cal.h"
#include "domain/sat.h"

static int64_t
T(const char *s)
{
    int64_t t;

    if (cal_parse_instant(s, strlen(s), &t) != 0)
        fail_msg("bad instant in table: %s", s);
    return t;
}

#define U SAT_UNKNOWN
#define NOANS {U, U, U, U, U, U, U, U, U}
#define VS SAT_VERY_SATISFIED
#define SA SAT_SATISFIED
#define DI SAT_DISSATISFIED

/* Received Mon 02/03/2026 09:00, ended Tue 10/03/2026 15:00: the window of 30 days after
   10/03 runs to the end of Thu 09/04/2026 (10/03 + 21 = 31/03, + 9 = 09/04). */
#define RCV "2026-03-02T09:00"
#define END "2026-03-10T15:00"

struct admit_row {
    const char *why;
    const char *received, *ended; /* NULL: absent */
    int prior;                    /* 0 none, else the first version at PRIOR_AT */
    int amend_hours, window_days, reason_required;
    enum sat_rating rating;
    const char *reason;
    int ans1, ans3; /* indicator 1 and 3 answers (U: none) */
    const char *now;
    enum err_code want;
    const char *field;
    int want_amend;
};

#define PRIOR_AT "2026-03-11T10:00"

static const struct admit_row ADMIT[] = {
    {"open dossier, rated at the counter", RCV, NULL, 0, 0, 30, 1, VS, NULL, U, 2,
     "2026-03-03T08:00", ERR_OK, "", 0},
    {"open: indicator 1 does not exist yet", RCV, NULL, 0, 0, 30, 1, SA, NULL, 1, U,
     "2026-03-03T08:00", ERR_VALIDATION, "answers", 0},
    {"ended: indicator 1 may be answered", RCV, END, 0, 0, 30, 1, SA, NULL, 1, 1,
     "2026-03-11T08:00", ERR_OK, "", 0},
    {"never received", NULL, NULL, 0, 0, 30, 1, VS, NULL, U, U, "2026-03-03T08:00",
     ERR_NOT_RECEIVED, "", 0},
    {"Không hài lòng without a reason", RCV, END, 0, 0, 30, 1, DI, NULL, U, U,
     "2026-03-11T08:00", ERR_VALIDATION, "reason", 0},
    {"Không hài lòng with blanks only", RCV, END, 0, 0, 30, 1, DI, "  \t ", U, U,
     "2026-03-11T08:00", ERR_VALIDATION, "reason", 0},
    {"Không hài lòng with a reason", RCV, END, 0, 0, 30, 1, DI, "Phải đi lại ba lần", U, U,
     "2026-03-11T08:00", ERR_OK, "", 0},
    {"reason policy off", RCV, END, 0, 0, 30, 0, DI, NULL, U, U, "2026-03-11T08:00", ERR_OK,
     "", 0},
    {"no rating", RCV, END, 0, 0, 30, 1, SAT_RATING_NONE, NULL, U, U, "2026-03-11T08:00",
     ERR_VALIDATION, "rating", 0},
    {"an answer of 3 points", RCV, END, 0, 0, 30, 1, VS, NULL, U, 3, "2026-03-11T08:00",
     ERR_VALIDATION, "answers", 0},
    {"last minute of the window", RCV, END, 0, 0, 30, 1, VS, NULL, U, U, "2026-04-09T23:59",
     ERR_OK, "", 0},
    {"the window has closed", RCV, END, 0, 0, 30, 1, VS, NULL, U, U, "2026-04-10T00:00",
     ERR_EVALUATION_CLOSED, "", 0},
    {"no window", RCV, END, 0, 0, -1, 1, VS, NULL, U, U, "2029-01-01T00:00", ERR_OK, "", 0},
    {"a second evaluation", RCV, END, 1, 0, 30, 1, SA, NULL, U, U, "2026-03-11T11:00",
     ERR_ALREADY_EVALUATED, "", 0},
    {"amendment within 24 h", RCV, END, 1, 24, 30, 1, SA, NULL, U, U, "2026-03-12T09:59",
     ERR_OK, "", 1},
    {"amendment at 24 h", RCV, END, 1, 24, 30, 1, SA, NULL, U, U, "2026-03-12T10:00",
     ERR_ALREADY_EVALUATED, "", 0},
};

static void
test_admit(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ADMIT) / sizeof(ADMIT[0]); i++) {
        const struct admit_row *r = &ADMIT[i];
        struct sat_policy p;
        struct sat_dossier d = {r->received ? T(r->received) : 0, r->ended ? T(r->ended) : 0,
                                0};
        struct sat_prior pr = {r->prior, r->prior ? T(PRIOR_AT) : 0};
        struct sat_input in = {r->rating, r->reason, NOANS};
        struct mc_err e;
        int amend = -1, rc;

        sat_policy_default(&p);
        p.amend_hours = r->amend_hours;
        p.window_days = r->window_days;
        p.reason_required = r->reason_required;
        in.answers[0] = r->ans1;
        in.answers[2] = r->ans3;
        err_clear(&e);
        rc = sat_admit(&p, &d, &pr, &in, T(r->now), &amend, &e);
        if (r->want == ERR_OK) {
            if (rc != 0)
                fail_msg("%s: refused %s %s", r->why, err_name(e.code), e.detail);
            if (amend != r->want_amend)
                fail_msg("%s: amend %d", r->why, amend);
        } else {
            if (rc == 0 || e.code != r->want)
                fail_msg("%s: got %s, want %s", r->why, rc == 0 ? "OK" : err_name(e.code),
                         err_name(r->want));
            if (strcmp(e.field, r->field) != 0)
                fail_msg("%s: field %s", r->why, e.field);
        }
    }
}

static void
test_policy_and_keys(void **state)
{
    struct sat_policy p;

    (void)state;
    sat_policy_default(&p);
    assert_int_equal(p.window_days, 30);
    assert_int_equal(p.amend_hours, 0);
    assert_int_equal(p.reason_required, 1);
    assert_int_equal(p.low_share_permille, 100);
    assert_int_equal(p.formula, SAT_FORMULA_SET);
    assert_string_equal(sat_rating_vi(SAT_VERY_SATISFIED), "Rất hài lòng");
    assert_string_equal(sat_rating_vi(SAT_SATISFIED), "Hài lòng");
    assert_string_equal(sat_rating_vi(SAT_DISSATISFIED), "Không hài lòng");
    assert_int_equal(sat_rating_parse("dissatisfied"), SAT_DISSATISFIED);
    assert_int_equal(sat_rating_parse(""), -1);
    assert_int_equal(sat_rating_parse("bad"), -1);
    assert_int_equal(sat_channel_parse("kiosk"), SAT_CH_KIOSK);
    assert_int_equal(sat_channel_parse("hotline"), SAT_CH_HOTLINE);
    assert_int_equal(sat_channel_parse("fax"), -1);
    assert_string_equal(sat_class_vi(SAT_CLASS_EXCELLENT), "Xuất sắc");
    assert_string_equal(sat_class_vi(SAT_CLASS_WEAK), "Yếu");
}

static void
test_indicators(void **state)
{
    enum cls_class all_early[] = {CLS_EARLY, CLS_EARLY};
    enum cls_class mixed[] = {CLS_EARLY, CLS_ON_TIME};
    enum cls_class late[] = {CLS_ON_TIME, CLS_LATE};
    enum cls_class open[] = {CLS_EARLY, CLS_IN_TIME};

    (void)state;
    /* 1: shorter / equal / longer than the law's time */
    assert_int_equal(sat_ind1(CLS_EARLY), 2);
    assert_int_equal(sat_ind1(CLS_ON_TIME), 1);
    assert_int_equal(sat_ind1(CLS_LATE), 0);
    assert_int_equal(sat_ind1(CLS_IN_TIME), U);
    assert_int_equal(sat_ind1(CLS_OVERDUE), U);
    /* 2: the worst unit vs its plan */
    assert_int_equal(sat_ind2(all_early, 2), 2);
    assert_int_equal(sat_ind2(mixed, 2), 1);
    assert_int_equal(sat_ind2(late, 2), 0);
    assert_int_equal(sat_ind2(open, 2), U);
    assert_int_equal(sat_ind2(NULL, 0), U);
    /* 3: contacts to complete the dossier: 0 / 1 / more */
    assert_int_equal(sat_ind3(0), 2);
    assert_int_equal(sat_ind3(1), 1);
    assert_int_equal(sat_ind3(2), 0);
    assert_int_equal(sat_ind3(5), 0);
    /* 4: none / only the counter / more bodies */
    assert_int_equal(sat_ind4(0, 0), 2);
    assert_int_equal(sat_ind4(1, 0), 1);
    assert_int_equal(sat_ind4(2, 1), 0);
    /* 7: early without a conduct PAKN 2, on time 1, a conduct PAKN 0; late alone undefined */
    assert_int_equal(sat_ind7(CLS_EARLY, 0), 2);
    assert_int_equal(sat_ind7(CLS_ON_TIME, 0), 1);
    assert_int_equal(sat_ind7(CLS_EARLY, 1), 0);
    assert_int_equal(sat_ind7(CLS_LATE, 0), U);
    /* 8: PAKN on time 100 % / >= 90 % / less; none = 2 */
    assert_int_equal(sat_ind8(0, 0), 2);
    assert_int_equal(sat_ind8(10, 10), 2);
    assert_int_equal(sat_ind8(9, 10), 1);
    assert_int_equal(sat_ind8(18, 20), 1);
    assert_int_equal(sat_ind8(17, 20), 0);
    assert_int_equal(sat_ind8(89, 100), 0);
}

static void
test_unit_score(void **state)
{
    /* e1 all 2; e2 2,2,1,1,2,2,1,2,2; e3 1,1,0,2,2,1,1,2,1. Averages: 5/3 = 1.67, 1.67,
       3/3 = 1.00, 1.67, 2.00, 1.67, 4/3 = 1.33, 2.00, 1.67; total 14.68: Tốt. Ratings: two
       Rất hài lòng, one Hài lòng: 66.7 %, 33.3 %, 0 %. */
    static const int e1[] = {2, 2, 2, 2, 2, 2, 2, 2, 2};
    static const int e2[] = {2, 2, 1, 1, 2, 2, 1, 2, 2};
    static const int e3[] = {1, 1, 0, 2, 2, 1, 1, 2, 1};
    static const int want[] = {167, 167, 100, 167, 200, 167, 133, 200, 167};
    struct sat_acc a;
    struct sat_score s;

    (void)state;
    memset(&a, 0, sizeof(a));
    sat_acc_add(&a, VS, e1);
    sat_acc_add(&a, VS, e2);
    sat_acc_add(&a, SA, e3);
    sat_score(&a, &s);
    for (int i = 0; i < SAT_INDICATORS; i++)
        assert_int_equal(s.avg_h[i], want[i]);
    assert_int_equal(s.total_h, 1468);
    assert_int_equal(s.known, 9);
    assert_int_equal(s.cls, SAT_CLASS_GOOD);
    assert_int_equal(s.rated, 3);
    assert_int_equal(s.share_pm[VS], 667);
    assert_int_equal(s.share_pm[SA], 333);
    assert_int_equal(s.share_pm[DI], 0);
}

struct class_row {
    int ind[SAT_INDICATORS];
    int total_h;
    enum sat_class want;
};

static const struct class_row CLASSES[] = {
    {{2, 2, 2, 2, 2, 2, 2, 2, 2}, 1800, SAT_CLASS_EXCELLENT},
    {{2, 2, 2, 2, 2, 2, 1, 1, 1}, 1500, SAT_CLASS_EXCELLENT}, /* exactly 15: Xuất sắc */
    {{2, 2, 2, 2, 2, 2, 1, 1, 0}, 1400, SAT_CLASS_GOOD},
    {{2, 2, 2, 2, 1, 1, 1, 1, 0}, 1200, SAT_CLASS_GOOD},      /* exactly 12 */
    {{2, 2, 2, 1, 1, 1, 1, 1, 0}, 1100, SAT_CLASS_FAIR},
    {{2, 2, 1, 1, 1, 1, 1, 0, 0}, 900, SAT_CLASS_FAIR},       /* exactly 9 */
    {{2, 1, 1, 1, 1, 1, 1, 0, 0}, 800, SAT_CLASS_AVERAGE},
    {{1, 1, 1, 1, 1, 1, 0, 0, 0}, 600, SAT_CLASS_AVERAGE},    /* exactly 6 */
    {{1, 1, 1, 1, 1, 0, 0, 0, 0}, 500, SAT_CLASS_WEAK},
    /* unanswered indicators are left out of the total, not counted as 0 */
    {{2, 2, 2, 2, 2, 2, 2, U, U}, 1400, SAT_CLASS_GOOD},
};

static void
test_classes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CLASSES) / sizeof(CLASSES[0]); i++) {
        struct sat_acc a;
        struct sat_score s;

        memset(&a, 0, sizeof(a));
        sat_acc_add(&a, SA, CLASSES[i].ind);
        sat_score(&a, &s);
        assert_int_equal(s.total_h, CLASSES[i].total_h);
        assert_int_equal(s.cls, CLASSES[i].want);
    }
}

static void
test_no_scorecard(void **state)
{
    /* two ratings, no indicator answered: no total to class */
    static const int none[] = {U, U, U, U, U, U, U, U, U};
    struct sat_acc a;
    struct sat_score s;

    (void)state;
    memset(&a, 0, sizeof(a));
    sat_acc_add(&a, SA, none);
    sat_acc_add(&a, DI, none);
    sat_score(&a, &s);
    assert_int_equal(s.known, 0);
    assert_int_equal(s.total_h, 0);
    assert_int_equal(s.rated, 2);
    assert_int_equal(s.share_pm[DI], 500);
}

static void
test_official_share(void **state)
{
    struct sat_policy p;
    int flag;

    (void)state;
    sat_policy_default(&p);
    assert_int_equal(sat_official_share(&p, 1, 10, &flag), 100); /* 10.0 %: not above */
    assert_int_equal(flag, 0);
    assert_int_equal(sat_official_share(&p, 2, 19, &flag), 105); /* 10.53 % */
    assert_int_equal(flag, 1);
    assert_int_equal(sat_official_share(&p, 1, 9, &flag), 111); /* 11.1 % */
    assert_int_equal(flag, 1);
    assert_int_equal(sat_official_share(&p, 0, 0, &flag), 0);
    assert_int_equal(flag, 0);
    p.low_share_permille = 200; /* a province at 20 % */
    assert_int_equal(sat_official_share(&p, 2, 19, &flag), 105);
    assert_int_equal(flag, 0);
}

struct r54 {
    enum sat_formula f;
    struct sat_54 in;
    int ratio_pm, points_h;
};

static const struct r54 R54[] = {
    /* 180 of 200 good: 90.0 % gives the full 6 points */
    {SAT_FORMULA_SET, {200, 20, 0, 0}, 900, 600},
    /* 162 of 200: 81.0 %; 6 x 81 / 90 = 5.40 */
    {SAT_FORMULA_SET, {200, 38, 0, 0}, 810, 540},
    /* 2 of 3: 66.7 %; 6 x 66.67 / 90 = 4.44 */
    {SAT_FORMULA_SET, {3, 1, 0, 0}, 667, 444},
    /* all good: 100 %, capped at 6 */
    {SAT_FORMULA_SET, {50, 0, 0, 0}, 1000, 600},
    /* no dossier: 0, 0 */
    {SAT_FORMULA_SET, {0, 0, 0, 0}, 0, 0},
    /* additive: 100 % - 10 % late - 9 % PAKN or dislike = 81 %: 5.40 (overlaps twice) */
    {SAT_FORMULA_ADDITIVE, {200, 25, 20, 18}, 810, 540},
    /* additive below zero is 0 */
    {SAT_FORMULA_ADDITIVE, {200, 150, 120, 100}, 0, 0},
};

static void
test_indicator_54(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(R54) / sizeof(R54[0]); i++) {
        int ratio = -1, points = -1;

        sat_indicator_54(R54[i].f, &R54[i].in, &ratio, &points);
        if (ratio != R54[i].ratio_pm || points != R54[i].points_h)
            fail_msg("row %zu: ratio %d points %d", i, ratio, points);
    }
}

static void
test_points_6(void **state)
{
    (void)state;
    assert_int_equal(sat_points_6(0, 0), 600); /* no PAKN: 6 points */
    assert_int_equal(sat_points_6(10, 10), 600);
    assert_int_equal(sat_points_6(9, 10), 540);
    assert_int_equal(sat_points_6(2, 3), 400);
    assert_int_equal(sat_points_6(1, 3), 200);
    assert_int_equal(sat_points_6(0, 4), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admit),         cmocka_unit_test(test_policy_and_keys),
        cmocka_unit_test(test_indicators),    cmocka_unit_test(test_unit_score),
        cmocka_unit_test(test_classes),       cmocka_unit_test(test_official_share),
        cmocka_unit_test(test_indicator_54),  cmocka_unit_test(test_points_6),
        cmocka_unit_test(test_no_scorecard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
