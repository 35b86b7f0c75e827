/*
 * test_cls.c - classification under `legal` and `dvcqg766` (domain.md §7) and the
 * rate formulas (§8.1). Expected classes worked out by hand on the 2026 calendar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ddl_fixture.h"
#include "domain/cls.h"

static struct fixture FX;

struct row {
    const char *why;
    enum cls_rules rules;
    const char *received, *appointment;
    int has_appt;
    enum cls_end end_kind;
    const char *end; /* NULL when open */
    int np;
    struct {
        const char *p, *s; /* s NULL: open */
        int supplement, counted;
    } pz[2];
    const char *at;
    enum cls_class want;
    int want_virtual;
};

#define R CLS_END_RESOLVED
#define N CLS_END_NONE
#define LEGAL CLS_LEGAL
#define V766 CLS_DVCQG766

static const struct row CASES[] = {
    /* legal, no pause: received Fri 13/02/2026 10:00, 3 working days -> Wed 25/02 10:00 */
    {"early by date", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, R, "2026-02-24T16:00",
     0, {{0}}, "2026-03-14T23:59", CLS_EARLY, 0},
    {"same date before due", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, R,
     "2026-02-25T09:00", 0, {{0}}, "2026-03-14T23:59", CLS_ON_TIME, 0},
    {"exactly at due", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, R, "2026-02-25T10:00", 0,
     {{0}}, "2026-03-14T23:59", CLS_ON_TIME, 0},
    {"a minute late", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, R, "2026-02-25T10:01", 0,
     {{0}}, "2026-03-14T23:59", CLS_LATE, 0},
    {"next day late", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, CLS_END_STOPPED,
     "2026-02-26T08:00", 0, {{0}}, "2026-03-14T23:59", CLS_LATE, 0},
    {"withdrawn early", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, CLS_END_WITHDRAWN,
     "2026-02-13T11:00", 0, {{0}}, "2026-03-14T23:59", CLS_EARLY, 0},
    {"open at due", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, N, NULL, 0, {{0}},
     "2026-02-25T10:00", CLS_IN_TIME, 0},
    {"open after due", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, N, NULL, 0, {{0}},
     "2026-02-25T10:01", CLS_OVERDUE, 0},
    {"not yet received", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, N, NULL, 0, {{0}},
     "2026-02-12T10:00", CLS_NOT_COUNTED, 0},
    {"ends after T: open at T", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, R,
     "2026-02-26T10:00", 0, {{0}}, "2026-02-25T09:00", CLS_IN_TIME, 0},
    /* legal with a counted supplement Mon 23/02 10:00 - Tue 24/02 10:00: due Thu 26/02 10:00 */
    {"pause moves due: on time", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, R,
     "2026-02-26T09:00", 1, {{"2026-02-23T10:00", "2026-02-24T10:00", 1, 1}}, "2026-03-14T23:59",
     CLS_ON_TIME, 0},
    {"pause moves due: early", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, R,
     "2026-02-25T15:00", 1, {{"2026-02-23T10:00", "2026-02-24T10:00", 1, 1}}, "2026-03-14T23:59",
     CLS_EARLY, 0},
    {"pause moves due: late", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, R,
     "2026-02-26T11:00", 1, {{"2026-02-23T10:00", "2026-02-24T10:00", 1, 1}}, "2026-03-14T23:59",
     CLS_LATE, 0},
    {"open, in time thanks to pause", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, N, NULL,
     1, {{"2026-02-23T10:00", "2026-02-24T10:00", 1, 1}}, "2026-02-26T10:00", CLS_IN_TIME, 0},
    {"uncounted pause does not move due", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, R,
     "2026-02-26T09:00", 1, {{"2026-02-23T10:00", "2026-02-24T10:00", 0, 0}},
     "2026-03-14T23:59", CLS_LATE, 0},
    {"paused at T, began in time", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, N, NULL, 1,
     {{"2026-02-23T10:00", NULL, 1, 1}}, "2026-03-27T10:00", CLS_IN_TIME, 0},
    {"paused at T, began late", LEGAL, "2026-01-05T10:00", "2026-01-07T10:00", 1, N, NULL, 1,
     {{"2026-01-08T10:00", NULL, 1, 1}}, "2026-01-09T10:00", CLS_OVERDUE, 0},
    {"paused exactly at due", LEGAL, "2026-01-05T10:00", "2026-01-07T10:00", 1, N, NULL, 1,
     {{"2026-01-07T10:00", NULL, 1, 1}}, "2026-01-08T10:00", CLS_IN_TIME, 0},
    {"stopped while paused late", LEGAL, "2026-01-05T10:00", "2026-01-07T10:00", 1,
     CLS_END_STOPPED, "2026-01-09T10:00", 1, {{"2026-01-08T10:00", NULL, 1, 1}},
     "2026-01-31T10:00", CLS_LATE, 0},
    {"stopped while paused in time", LEGAL, "2026-01-05T10:00", "2026-01-07T10:00", 1,
     CLS_END_STOPPED, "2026-01-09T10:00", 1, {{"2026-01-06T10:00", NULL, 1, 1}},
     "2026-01-31T10:00", CLS_EARLY, 0}, /* due moved to Mon 12/01 10:00 by the pause */
    {"repeat supplement open: not a pause", LEGAL, "2026-02-13T10:00", "2026-02-25T10:00", 1, N,
     NULL, 2,
     {{"2026-02-23T10:00", "2026-02-23T11:00", 1, 1}, {"2026-02-24T10:00", NULL, 1, 0}},
     "2026-02-27T10:00", CLS_OVERDUE, 0},
    /* legal, closing time: due Mon 17:00, ended Tue 07:00 is later as an instant */
    {"17:00 vs next 07:00, appointment", LEGAL, "2026-01-05T07:00", "2026-01-05T17:00", 1, R,
     "2026-01-06T07:00", 0, {{0}}, "2026-01-31T10:00", CLS_LATE, 0},
    {"17:00 vs next 07:00, max duration", LEGAL, "2026-01-05T07:00", "2026-01-05T17:00", 0, R,
     "2026-01-06T07:00", 0, {{0}}, "2026-01-31T10:00", CLS_ON_TIME, 0},
    {"no appointment: no early class", LEGAL, "2026-01-05T10:00", "2026-01-07T10:00", 0, R,
     "2026-01-06T10:00", 0, {{0}}, "2026-01-31T10:00", CLS_ON_TIME, 0},
    {"no appointment: over max", LEGAL, "2026-01-05T10:00", "2026-01-07T10:00", 0, R,
     "2026-01-07T10:30", 0, {{0}}, "2026-01-31T10:00", CLS_LATE, 0},
    {"no appointment: open over max", LEGAL, "2026-01-05T10:00", "2026-01-07T10:00", 0, N, NULL,
     0, {{0}}, "2026-01-07T13:31", CLS_OVERDUE, 0},
    /* dvcqg766 */
    {"766: early is on time", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, R,
     "2026-02-24T16:00", 0, {{0}}, "2026-03-14T23:59", CLS_ON_TIME, 0},
    {"766: a minute late", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, R, "2026-02-25T10:01",
     0, {{0}}, "2026-03-14T23:59", CLS_LATE, 0},
    {"766: open at due", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, N, NULL, 0, {{0}},
     "2026-02-25T10:00", CLS_IN_TIME, 0},
    {"766: open after due", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, N, NULL, 0, {{0}},
     "2026-02-25T10:01", CLS_OVERDUE, 0},
    {"766: 24 h wall clock subtracted", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, R,
     "2026-02-26T10:00", 1, {{"2026-02-23T10:00", "2026-02-24T10:00", 1, 1}},
     "2026-03-14T23:59", CLS_ON_TIME, 0},
    {"766: 24 h, one minute over", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, R,
     "2026-02-26T10:01", 1, {{"2026-02-23T10:00", "2026-02-24T10:00", 1, 1}},
     "2026-03-14T23:59", CLS_LATE, 0},
    {"766: wall clock across Tết", V766, "2026-02-09T08:00", "2026-02-23T08:00", 1, R,
     "2026-02-24T10:00", 1, {{"2026-02-13T16:00", "2026-02-23T08:00", 1, 1}},
     "2026-03-14T23:59", CLS_ON_TIME, 0},
    {"legal: same dossier is late", LEGAL, "2026-02-09T08:00", "2026-02-23T08:00", 1, R,
     "2026-02-24T10:00", 1, {{"2026-02-13T16:00", "2026-02-23T08:00", 1, 1}},
     "2026-03-14T23:59", CLS_LATE, 0},
    {"766: awaiting once, asked in time", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, N,
     NULL, 1, {{"2026-02-24T10:00", NULL, 1, 1}}, "2026-02-27T10:00", CLS_ON_TIME, 1},
    {"766: awaiting once, asked late", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, N, NULL,
     1, {{"2026-02-26T10:00", NULL, 1, 1}}, "2026-02-27T10:00", CLS_LATE, 1},
    {"766: awaiting, asked twice", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, N, NULL, 2,
     {{"2026-02-23T10:00", "2026-02-23T11:00", 1, 1}, {"2026-02-24T10:00", NULL, 1, 0}},
     "2026-02-27T10:00", CLS_LATE, 1},
    {"766: payment wait is not supplement", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, R,
     "2026-02-26T10:00", 1, {{"2026-02-23T10:00", "2026-02-24T10:00", 0, 1}},
     "2026-03-14T23:59", CLS_LATE, 0},
    {"766: no appointment within max", V766, "2026-01-05T10:00", "2026-01-07T10:00", 0, R,
     "2026-01-07T10:00", 0, {{0}}, "2026-01-31T10:00", CLS_ON_TIME, 0},
    {"766: not yet received", V766, "2026-02-13T10:00", "2026-02-25T10:00", 1, N, NULL, 0, {{0}},
     "2026-02-01T10:00", CLS_NOT_COUNTED, 0},
};

static void
test_classify(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const struct row *r = &CASES[i];
        struct cls_pause pz[2];
        struct cls_dossier d;
        struct cls_result res;
        struct mc_err e;

        for (int k = 0; k < r->np; k++) {
            pz[k].requested_at = T(r->pz[k].p);
            pz[k].resolved_at = r->pz[k].s ? T(r->pz[k].s) : DDL_OPEN;
            pz[k].supplement = r->pz[k].supplement;
            pz[k].counted = r->pz[k].counted;
        }
        d.received_at = T(r->received);
        d.has_appointment = r->has_appt;
        d.appointment = T(r->appointment);
        d.end_kind = r->end_kind;
        d.end_at = r->end ? T(r->end) : 0;
        d.pauses = pz;
        d.npauses = (size_t)r->np;
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
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
