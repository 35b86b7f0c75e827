/*
 * test_dfold.c - what one event does to a dossier (domain/dfold.h): the transition table
 * (domain.md §3), the clock start of a reception (§5: cut-off, same day, working days and
 * hours, calendar days, cases and the online channel, no appointment), the pause ledger
 * (§6.1), the apology (§6.3), step and liên thông leg plans (§5.1) and the regime switch
 * (§1). Every expected value is worked out by hand on the announced 2025-2026 calendar
 * (domain.md §4.3) with the default sessions 07:00-11:30, 13:30-17:00 (480 working minutes
 * a day); none is printed by the code under test.
 *
 * The usual dossier: received Mon 02/03/2026 08:00, 3 working days, so appointment and
 * legal due Thu 05/03/2026 08:00 (Mon 420 + Tue 480 + Wed 480 + Thu 60 minutes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ddl_fixture.h"
#include "domain/dfold.h"
#include "domain/dossier.h"
#include "domain/role.h"

static struct fixture FX;

/* T() of a table cell; NULL stands for "none" (0). */
static int64_t
TN(const char *s)
{
    return s != NULL ? T(s) : 0;
}

static void
expect_at(int64_t got, const char *want, const char *why, const char *what)
{
    if (got != TN(want)) {
        char g[32] = "none";

        if (got != 0)
            cal_format_instant_min(got, g);
        print_error("%s: %s: got %s, want %s\n", why, what, g, want ? want : "none");
        fail();
    }
}

static const struct dfold_plan STEPS[] = {{"Thẩm định", 960}, {"Phê duyệt", 240}};
static const struct dfold_plan LEGS[] = {{"000.00.20.H56", 480}, {"000.00.30.H56", 2400}};
static const struct dfold_case CASES[] = {
    {"A", "Cấp mới", "wd", 5, "wd", 2, -1},
    {"B", "Cấp lại", "sameday", 0, NULL, 0, 900},
};

static struct dfold_proj
base(int state)
{
    struct dfold_proj p;

    memset(&p, 0, sizeof(p));
    p.state = state;
    p.version = 3;
    p.current_unit_id = 10;
    p.official = "cv.an";
    p.received_at = T("2026-03-02T08:00");
    p.appointment_at = T("2026-03-05T08:00");
    p.legal_due_at = T("2026-03-05T08:00");
    p.duration_value = 3;
    p.duration_unit = "wd";
    p.has_appointment = 1;
    p.regime = "nd118";
    p.channel = 1;
    p.last_event_at = T("2026-03-02T08:00");
    return p;
}

static struct dfold_version
version(void)
{
    struct dfold_version v;

    memset(&v, 0, sizeof(v));
    v.counted = 1u << DDL_P_SUPPLEMENT; /* the schema default '{supplement}' */
    v.steps = STEPS;
    v.nsteps = 2;
    v.legs = LEGS;
    v.nlegs = 2;
    v.then_found = 1;
    v.then_id = 55;
    v.then = (struct dfold_terms){"wd", 3, -1, 0, NULL};
    v.cases = CASES;
    v.ncases = 2;
    return v;
}

static struct dfold_event
event(enum dossier_tr tr, const char *at)
{
    struct dfold_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.tr = tr;
    ev.at = T(at);
    ev.roles = ROLE_ALL;
    ev.minutes = -1;
    ev.step = "Thẩm định";
    ev.official = "cv.binh";
    ev.outcome = "granted";
    ev.legal_basis = "Điều 20 Nghị định 118/2025/NĐ-CP";
    ev.new_appointment = T("2026-03-20T17:00");
    ev.to_unit_found = 1;
    ev.to_unit_valid = 1;
    ev.official_found = 1;
    ev.resolving_valid = 1;
    return ev;
}

static const struct dfold_policy POLICY = {1, 1};
static const struct dfold_pause NO_PAUSE = {0, 0, 0, 0, -1};

/* ---------------------------------------------------------------- §3 transitions */

/* One row per (transition, from-state) of domain.md §3, plus one refused state each. */
static const struct {
    enum dossier_tr tr;
    int from;
    int to;               /* -1: refused */
    enum err_code err;
} TRANSITIONS[] = {
    {DOSSIER_TR_RECEIVE, 1, 2, ERR_OK},
    {DOSSIER_TR_RECEIVE, 4, -1, ERR_DOSSIER_BAD_STATE},
    {DOSSIER_TR_REFUSE, 1, 3, ERR_OK},
    {DOSSIER_TR_REFUSE, 2, -1, ERR_DOSSIER_BAD_STATE},
    {DOSSIER_TR_HAND_OVER, 2, 4, ERR_OK},
    {DOSSIER_TR_HAND_OVER, 4, 4, ERR_OK},
    {DOSSIER_TR_HAND_OVER, 5, -1, ERR_DOSSIER_BAD_STATE},
    {DOSSIER_TR_ASSIGN, 4, 4, ERR_OK},
    {DOSSIER_TR_ASSIGN, 2, -1, ERR_DOSSIER_BAD_STATE},
    {DOSSIER_TR_REQUEST_SUPPLEMENT, 4, 5, ERR_OK},
    {DOSSIER_TR_REQUEST_SUPPLEMENT, 6, -1, ERR_DOSSIER_BAD_STATE},
    {DOSSIER_TR_RECEIVE_SUPPLEMENT, 5, 4, ERR_OK},
    {DOSSIER_TR_RECEIVE_SUPPLEMENT, 4, -1, ERR_DOSSIER_BAD_STATE},
    {DOSSIER_TR_REQUEST_PAYMENT, 4, 6, ERR_OK},
    {DOSSIER_TR_REQUEST_PAYMENT, 5, -1, ERR_DOSSIER_BAD_STATE},
    {DOSSIER_TR_PAYMENT_DONE, 6, 4, ERR_OK},
    {DOSSIER_TR_PAYMENT_DONE, 4, -1, ERR_DOSSIER_BAD_STATE},
    {DOSSIER_TR_APOLOGIZE, 4, 4, ERR_OK},
    {DOSSIER_TR_APOLOGIZE, 5, 5, ERR_OK},
    {DOSSIER_TR_APOLOGIZE, 6, 6, ERR_OK},
    {DOSSIER_TR_APOLOGIZE, 2, -1, ERR_DOSSIER_BAD_STATE},
    {DOSSIER_TR_RESOLVE, 4, 9, ERR_OK},
    {DOSSIER_TR_RESOLVE, 2, -1, ERR_DOSSIER_BAD_STATE}, /* not a same-day version */
    {DOSSIER_TR_REQUEST_WITHDRAWAL, 2, 7, ERR_OK},
    {DOSSIER_TR_REQUEST_WITHDRAWAL, 4, 7, ERR_OK},
    {DOSSIER_TR_REQUEST_WITHDRAWAL, 5, 7, ERR_OK},
    {DOSSIER_TR_REQUEST_WITHDRAWAL, 6, 7, ERR_OK},
    {DOSSIER_TR_REQUEST_WITHDRAWAL, 9, -1, ERR_WITHDRAW_DECIDED},
    {DOSSIER_TR_REQUEST_WITHDRAWAL, 10, -1, ERR_WITHDRAW_DECIDED},
    {DOSSIER_TR_STOP, 7, 8, ERR_OK},
    {DOSSIER_TR_STOP, 2, 8, ERR_OK},
    {DOSSIER_TR_STOP, 4, 8, ERR_OK},
    {DOSSIER_TR_STOP, 5, 8, ERR_OK},
    {DOSSIER_TR_STOP, 6, 8, ERR_OK},
    {DOSSIER_TR_STOP, 9, -1, ERR_DOSSIER_BAD_STATE},
    {DOSSIER_TR_RETURN_RESULT, 9, 10, ERR_OK},
    {DOSSIER_TR_RETURN_RESULT, 4, -1, ERR_DOSSIER_BAD_STATE},
};

static void
test_transitions(void **state)
{
    struct dfold_version v = version();

    (void)state;
    for (size_t i = 0; i < sizeof(TRANSITIONS) / sizeof(TRANSITIONS[0]); i++) {
        struct dfold_proj p = base(TRANSITIONS[i].from);
        struct dfold_event ev = event(TRANSITIONS[i].tr, "2026-03-03T09:00");
        struct dfold_out o;
        struct mc_err e;
        int rc;

        err_clear(&e);
        rc = dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e);
        if (TRANSITIONS[i].to < 0) {
            if (rc != -1 || e.code != TRANSITIONS[i].err)
                print_error("row %zu: %s from %d: want refusal %d, got rc %d code %d\n", i,
                            dossier_tr_name(TRANSITIONS[i].tr), TRANSITIONS[i].from,
                            TRANSITIONS[i].err, rc, e.code);
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, TRANSITIONS[i].err);
            continue;
        }
        if (rc != 0)
            print_error("row %zu: %s from %d: %s\n", i, dossier_tr_name(TRANSITIONS[i].tr),
                        TRANSITIONS[i].from, e.detail);
        assert_int_equal(rc, 0);
        assert_int_equal(o.from, TRANSITIONS[i].from);
        assert_int_equal(o.to, TRANSITIONS[i].to);
        assert_int_equal(o.p.state, TRANSITIONS[i].to);
        assert_int_equal(o.p.version, 4);
        assert_int_equal(o.at, T("2026-03-03T09:00"));
    }
}

/* 2 -> 9 for a same-day version (§3); roles; the end; a stop's legal basis. */
static void
test_transition_rules(void **state)
{
    struct dfold_version v = version();
    struct dfold_proj p = base(2);
    struct dfold_event ev = event(DOSSIER_TR_RESOLVE, "2026-03-02T16:00");
    struct dfold_out o;
    struct mc_err e;

    (void)state;
    p.duration_unit = "sameday";
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), 0);
    assert_int_equal(o.to, 9);
    assert_int_equal(o.p.end_state, 9);
    assert_int_equal(o.p.ended_at, T("2026-03-02T16:00"));
    assert_string_equal(o.p.outcome, "granted");
    assert_int_equal(o.close_steps, 1);

    /* a hand-over is the clerk's or the official's, not the leader's */
    p = base(4);
    ev = event(DOSSIER_TR_HAND_OVER, "2026-03-03T09:00");
    ev.roles = ROLE_LEADER;
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), -1);
    assert_int_equal(e.code, ERR_ROLE_NOT_ALLOWED);

    /* a stop without a withdrawal request states its legal basis */
    ev = event(DOSSIER_TR_STOP, "2026-03-03T09:00");
    ev.legal_basis = NULL;
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), -1);
    assert_int_equal(e.code, ERR_VALIDATION);
    assert_string_equal(e.field, "legal_basis");
    p = base(7);
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), 0);
    assert_int_equal(o.p.end_state, 8);

    /* return: returned_at, the end stays the resolution's */
    p = base(9);
    p.ended_at = T("2026-03-04T10:00");
    p.end_state = 9;
    ev = event(DOSSIER_TR_RETURN_RESULT, "2026-03-05T09:00");
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), 0);
    assert_int_equal(o.p.returned_at, T("2026-03-05T09:00"));
    assert_int_equal(o.p.ended_at, T("2026-03-04T10:00"));
    assert_int_equal(o.p.end_state, 9);
}

/* §3: the times of one dossier never go backwards. */
static void
test_time_order(void **state)
{
    struct dfold_version v = version();
    struct dfold_proj p = base(4);
    struct dfold_event ev = event(DOSSIER_TR_ASSIGN, "2026-03-03T09:00");
    struct dfold_out o;
    struct mc_err e;

    (void)state;
    p.last_event_at = T("2026-03-03T10:00");
    ev.at_given = 1; /* an integration client's date */
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), -1);
    assert_int_equal(e.code, ERR_TIME_BACKWARDS);
    assert_string_equal(e.field, "occurred_at");
    assert_string_equal(e.detail, "2026-03-03T10:00:00+07:00");
    ev.at_given = 0; /* the server's own clock, behind another server's: moved up */
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), 0);
    assert_int_equal(o.at, T("2026-03-03T10:00"));
}

/* ---------------------------------------------------------------- §5 clock start */

static const struct {
    const char *why;
    const char *received;
    struct dfold_terms t;
    const char *appointment, *due; /* NULL: none */
    enum err_code err;
} CLOCK[] = {
    /* domain.md §5.2 worked examples */
    {"Tết 14-22/02 skipped", "2026-02-13T10:00", {"wd", 3, -1, 0, NULL},
     "2026-02-25T10:00", "2026-02-25T10:00", ERR_OK},
    {"worked Saturday 22/08 counted", "2026-08-21T09:00", {"wd", 1, -1, 0, NULL},
     "2026-08-22T09:00", "2026-08-22T09:00", ERR_OK},
    {"Giỗ Tổ compensatory Mon 27/04", "2026-04-24T15:30", {"wd", 2, -1, 0, NULL},
     "2026-04-29T15:30", "2026-04-29T15:30", ERR_OK},
    {"Tết Ất Tỵ", "2025-01-24T16:30", {"wd", 5, -1, 0, NULL}, "2025-02-07T16:30",
     "2025-02-07T16:30", ERR_OK},
    {"after hours rolls to Mon 07:00", "2026-03-06T17:30", {"wd", 1, -1, 0, NULL},
     "2026-03-09T17:00", "2026-03-09T17:00", ERR_OK},
    {"30/04 and 01/05 off", "2026-04-29T09:00", {"wd", 1, -1, 0, NULL}, "2026-05-04T09:00",
     "2026-05-04T09:00", ERR_OK},
    /* working hours: 90 + 210 on Monday, 270 + 150 on Tuesday */
    {"12 working hours", "2026-01-05T10:00", {"wh", 12, -1, 0, NULL}, "2026-01-06T16:00",
     "2026-01-06T16:00", ERR_OK},
    /* same day with the cut-off 15:00 (the reception instant, not the rolled start) */
    {"before the cut-off", "2026-03-04T14:59", {"sameday", 0, 900, 0, NULL},
     "2026-03-04T17:00", "2026-03-04T17:00", ERR_OK},
    {"within the cut-off minute", "2026-03-04T15:00", {"sameday", 0, 900, 0, NULL},
     "2026-03-04T17:00", "2026-03-04T17:00", ERR_OK},
    {"after the cut-off: next working day", "2026-03-04T15:01", {"sameday", 0, 900, 0, NULL},
     "2026-03-05T17:00", "2026-03-05T17:00", ERR_OK},
    {"Friday after the cut-off: Monday", "2026-03-06T16:00", {"sameday", 0, 900, 0, NULL},
     "2026-03-09T17:00", "2026-03-09T17:00", ERR_OK},
    {"same day, no cut-off", "2026-03-04T16:00", {"sameday", 0, -1, 0, NULL},
     "2026-03-04T17:00", "2026-03-04T17:00", ERR_OK},
    {"same day after the close", "2026-03-04T17:30", {"sameday", 0, -1, 0, NULL},
     "2026-03-05T17:00", "2026-03-05T17:00", ERR_OK},
    /* calendar days (Civil Code Art. 147-148): the reception day not counted */
    {"3 calendar days", "2026-03-02T10:00", {"cd", 3, -1, 0, NULL}, "2026-03-05T17:00",
     "2026-03-05T17:00", ERR_OK},
    {"last day a Saturday: Monday", "2026-03-02T10:00", {"cd", 5, -1, 0, NULL},
     "2026-03-09T17:00", "2026-03-09T17:00", ERR_OK},
    {"last day in Tết: the next working day", "2026-02-12T10:00", {"cd", 5, -1, 0, NULL},
     "2026-02-23T17:00", "2026-02-23T17:00", ERR_OK},
    /* no appointment: the maximum duration from the clock start */
    {"no appointment, 960 minutes", "2026-03-02T10:00", {"none", 0, -1, 960, NULL}, NULL,
     "2026-03-04T10:00", ERR_OK},
    {"no appointment, rolled start", "2026-03-06T17:30", {"none", 0, -1, 480, NULL}, NULL,
     "2026-03-09T17:00", ERR_OK},
    {"no appointment, no maximum", "2026-03-02T10:00", {"none", 0, -1, 0, NULL}, NULL, NULL,
     ERR_BAD_DURATION},
    {"unknown unit", "2026-03-02T10:00", {"xx", 1, -1, 0, NULL}, NULL, NULL, ERR_BAD_DURATION},
    {"no unit", "2026-03-02T10:00", {NULL, 1, -1, 0, NULL}, NULL, NULL, ERR_BAD_DURATION},
};

static void
test_clock_start(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CLOCK) / sizeof(CLOCK[0]); i++) {
        struct dfold_clock c;
        struct mc_err e;
        int rc;

        err_clear(&e);
        rc = dfold_start(&FX.ax, T(CLOCK[i].received), &CLOCK[i].t, &c, &e);
        if (CLOCK[i].err != ERR_OK) {
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, CLOCK[i].err);
            continue;
        }
        if (rc != 0)
            print_error("%s: %s\n", CLOCK[i].why, e.detail);
        assert_int_equal(rc, 0);
        expect_at(c.appointment_at, CLOCK[i].appointment, CLOCK[i].why, "appointment");
        expect_at(c.legal_due_at, CLOCK[i].due, CLOCK[i].why, "due");
        assert_int_equal(c.has_appointment, CLOCK[i].appointment != NULL);
    }
}

/* §2: a case's duration, its online duration for channel 2 (through receive 1 -> 2). */
static const struct {
    const char *why;
    const char *case_code;
    int64_t channel;
    const char *received;
    int value;
    const char *unit, *appointment;
    enum err_code err;
} CASE_ROWS[] = {
    {"no case: the version's 3 days", NULL, 1, "2026-03-02T10:00", 3, "wd",
     "2026-03-05T10:00", ERR_OK},
    {"case A at the counter: 5 days", "A", 1, "2026-03-02T10:00", 5, "wd", "2026-03-09T10:00",
     ERR_OK},
    {"case A online: its 2 days", "A", 2, "2026-03-02T10:00", 2, "wd", "2026-03-04T10:00",
     ERR_OK},
    {"case B online without an online duration: same day, cut-off 15:00", "B", 2,
     "2026-03-04T15:30", 0, "sameday", "2026-03-05T17:00", ERR_OK},
    {"a case the version does not list", "Z", 1, "2026-03-02T10:00", 0, NULL, NULL,
     ERR_UNKNOWN_REF},
};

static void
test_cases(void **state)
{
    struct dfold_version v = version();

    (void)state;
    for (size_t i = 0; i < sizeof(CASE_ROWS) / sizeof(CASE_ROWS[0]); i++) {
        struct dfold_proj p;
        struct dfold_event ev = event(DOSSIER_TR_RECEIVE, CASE_ROWS[i].received);
        struct dfold_out o;
        struct mc_err e;
        int rc;

        memset(&p, 0, sizeof(p));
        p.state = 1;
        p.version = 1;
        p.duration_value = -1;
        p.case_code = CASE_ROWS[i].case_code;
        p.channel = CASE_ROWS[i].channel;
        err_clear(&e);
        rc = dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e);
        if (CASE_ROWS[i].err != ERR_OK) {
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, CASE_ROWS[i].err);
            assert_string_equal(e.field, "case");
            continue;
        }
        if (rc != 0)
            print_error("%s: %s\n", CASE_ROWS[i].why, e.detail);
        assert_int_equal(rc, 0);
        assert_int_equal(o.p.duration_value, CASE_ROWS[i].value);
        assert_string_equal(o.p.duration_unit, CASE_ROWS[i].unit);
        expect_at(o.p.appointment_at, CASE_ROWS[i].appointment, CASE_ROWS[i].why, "appt");
        expect_at(o.p.legal_due_at, CASE_ROWS[i].appointment, CASE_ROWS[i].why, "due");
        assert_int_equal(o.facts.set & DFOLD_F_RECEIVE, DFOLD_F_RECEIVE);
        assert_int_equal(o.facts.duration_value, CASE_ROWS[i].value);
        expect_at(o.facts.appointment_at, CASE_ROWS[i].appointment, CASE_ROWS[i].why, "fact");
        assert_int_equal(o.p.version_id, 55);
        assert_int_equal(o.p.has_appointment, 1);
        assert_int_equal(o.new_secret, 1);
        expect_at(o.p.received_at, CASE_ROWS[i].received, CASE_ROWS[i].why, "received");
    }
}

/* receive 1 -> 2: the database facts are refused in this order. */
static void
test_receive_refusals(void **state)
{
    struct dfold_version v = version();
    struct dfold_proj p = base(1);
    struct dfold_event ev = event(DOSSIER_TR_RECEIVE, "2026-03-02T10:00");
    struct dfold_out o;
    struct mc_err e;

    (void)state;
    v.then_found = 0;
    ev.resolving_valid = 0;
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), -1);
    assert_int_equal(e.code, ERR_PROCEDURE_INVALID);
    assert_string_equal(e.field, "procedure");
    v.then_found = 1;
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), -1);
    assert_int_equal(e.code, ERR_UNIT_INVALID);
    assert_string_equal(e.field, "resolving_unit");
    /* a version without appointment keeps its maximum */
    ev.resolving_valid = 1;
    v.then = (struct dfold_terms){"none", 0, -1, 960, NULL};
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), 0);
    assert_int_equal(o.p.has_appointment, 0);
    assert_int_equal(o.p.appointment_at, 0);
    assert_int_equal(o.p.legal_due_at, T("2026-03-04T10:00"));
    assert_int_equal(o.p.max_minutes, 960);
}

/* §1: the regime by the reception instant, local time. */
static const struct {
    const char *received, *regime, *appointment;
} REGIME[] = {
    /* Mon 30/06/2025 late evening: the clock starts Tue 01/07 07:00; 3 days end Thu 17:00 */
    {"2025-06-30T23:59:59", "nd61", "2025-07-03T17:00"},
    {"2025-07-01T00:00:00", "nd118", "2025-07-03T17:00"},
    {"2025-06-30T23:59:59+07:00", "nd61", "2025-07-03T17:00"},
    {"2025-06-30T17:00:00Z", "nd118", "2025-07-03T17:00"}, /* = 01/07 00:00 local */
};

static void
test_regime(void **state)
{
    struct dfold_version v = version();

    (void)state;
    for (size_t i = 0; i < sizeof(REGIME) / sizeof(REGIME[0]); i++) {
        struct dfold_proj p = base(1);
        struct dfold_event ev = event(DOSSIER_TR_RECEIVE, REGIME[i].received);
        struct dfold_out o;
        struct mc_err e;

        p.last_event_at = 0;
        assert_string_equal(dfold_regime_key(T(REGIME[i].received)), REGIME[i].regime);
        assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), 0);
        assert_string_equal(o.p.regime, REGIME[i].regime);
        expect_at(o.p.appointment_at, REGIME[i].appointment, REGIME[i].received, "appt");
    }
}

/* ---------------------------------------------------------------- §6.1 pauses */

static const struct {
    const char *why;
    enum dossier_tr tr;
    int from;
    const char *at, *due, *paused_since;
    int64_t supplements;  /* supplement_requests before */
    unsigned counted;     /* the version's reasons */
    int single, has_appointment;
    struct dfold_pause open;
    /* expected */
    int opens, counted_out, repeat, was_late;
    int resolves;
    int64_t minutes;
    const char *due_after, *paused_after;
    int64_t supp_seconds, supplements_after;
} PAUSES[] = {
    {"first supplement request pauses", DOSSIER_TR_REQUEST_SUPPLEMENT, 4, "2026-03-03T09:00",
     "2026-03-05T08:00", NULL, 0, 1u << DDL_P_SUPPLEMENT, 1, 1, {0, 0, 0, 0, -1},
     1, 1, 0, 0, 0, 0, "2026-03-05T08:00", "2026-03-03T09:00", 0, 1},
    {"second request: a repeat, not counted", DOSSIER_TR_REQUEST_SUPPLEMENT, 4,
     "2026-03-03T09:00", "2026-03-05T08:00", NULL, 1, 1u << DDL_P_SUPPLEMENT, 1, 1,
     {0, 0, 0, 0, -1}, 1, 0, 1, 0, 0, 0, "2026-03-05T08:00", NULL, 0, 2},
    {"second request with single_supplement off", DOSSIER_TR_REQUEST_SUPPLEMENT, 4,
     "2026-03-03T09:00", "2026-03-05T08:00", NULL, 1, 1u << DDL_P_SUPPLEMENT, 0, 1,
     {0, 0, 0, 0, -1}, 1, 1, 1, 0, 0, 0, "2026-03-05T08:00", "2026-03-03T09:00", 0, 2},
    {"payment the version does not list", DOSSIER_TR_REQUEST_PAYMENT, 4, "2026-03-03T09:00",
     "2026-03-05T08:00", NULL, 0, 1u << DDL_P_SUPPLEMENT, 1, 1, {0, 0, 0, 0, -1},
     1, 0, 0, 0, 0, 0, "2026-03-05T08:00", NULL, 0, 0},
    {"payment the version lists", DOSSIER_TR_REQUEST_PAYMENT, 4, "2026-03-03T09:00",
     "2026-03-05T08:00", NULL, 0, (1u << DDL_P_SUPPLEMENT) | (1u << DDL_P_PAYMENT), 1, 1,
     {0, 0, 0, 0, -1}, 1, 1, 0, 0, 0, 0, "2026-03-05T08:00", "2026-03-03T09:00", 0, 0},
    {"already late when paused", DOSSIER_TR_REQUEST_SUPPLEMENT, 4, "2026-03-05T09:00",
     "2026-03-05T08:00", NULL, 0, 1u << DDL_P_SUPPLEMENT, 1, 1, {0, 0, 0, 0, -1},
     1, 1, 0, 1, 0, 0, "2026-03-05T08:00", "2026-03-05T09:00", 0, 1},
    {"no appointment and no due: nothing to pause", DOSSIER_TR_REQUEST_SUPPLEMENT, 4,
     "2026-03-03T09:00", NULL, NULL, 0, 1u << DDL_P_SUPPLEMENT, 1, 0, {0, 0, 0, 0, -1},
     1, 0, 0, 0, 0, 0, NULL, NULL, 0, 1},
    /* Tue 09:00 -> Wed 09:00 = 480 working minutes: the due moves one working day */
    {"resume after one working day", DOSSIER_TR_RECEIVE_SUPPLEMENT, 5, "2026-03-04T09:00",
     "2026-03-05T08:00", "2026-03-03T09:00", 1, 1u << DDL_P_SUPPLEMENT, 1, 1,
     {1, 1, 0, 1, DDL_P_SUPPLEMENT}, 0, 0, 0, 0, 1, 480, "2026-03-06T08:00", NULL, 86400, 1},
    /* Fri 16:00-17:00 + Mon 07:00-08:00 = 120 minutes; 64 h on the wall clock */
    {"resume across a weekend", DOSSIER_TR_RECEIVE_SUPPLEMENT, 5, "2026-03-09T08:00",
     "2026-03-10T10:00", "2026-03-06T16:00", 1, 1u << DDL_P_SUPPLEMENT, 1, 1,
     {1, 1, 0, 1, DDL_P_SUPPLEMENT}, 0, 0, 0, 0, 1, 120, "2026-03-10T14:00", NULL, 230400, 1},
    /* Fri 13/02 16:00 to Mon 23/02 08:00 over Tết Bính Ngọ (16-20/02): 120 minutes */
    {"resume across Tết", DOSSIER_TR_RECEIVE_SUPPLEMENT, 5, "2026-02-23T08:00",
     "2026-02-24T10:00", "2026-02-13T16:00", 1, 1u << DDL_P_SUPPLEMENT, 1, 1,
     {1, 1, 0, 1, DDL_P_SUPPLEMENT}, 0, 0, 0, 0, 1, 120, "2026-02-24T14:00", NULL, 835200, 1},
    {"payment done on a pause that did not count", DOSSIER_TR_PAYMENT_DONE, 6,
     "2026-03-04T09:00", "2026-03-05T08:00", NULL, 0, 1u << DDL_P_SUPPLEMENT, 1, 1,
     {1, 1, 0, 0, DDL_P_PAYMENT}, 0, 0, 0, 0, 1, 0, "2026-03-05T08:00", NULL, 0, 0},
    {"a stop while paused resumes first", DOSSIER_TR_STOP, 5, "2026-03-04T09:00",
     "2026-03-05T08:00", "2026-03-03T09:00", 1, 1u << DDL_P_SUPPLEMENT, 1, 1,
     {1, 1, 0, 1, DDL_P_SUPPLEMENT}, 0, 0, 0, 0, 1, 480, "2026-03-06T08:00", NULL, 86400, 1},
    {"a resume without an open pause", DOSSIER_TR_RECEIVE_SUPPLEMENT, 5, "2026-03-04T09:00",
     "2026-03-05T08:00", NULL, 1, 1u << DDL_P_SUPPLEMENT, 1, 1, {0, 0, 0, 0, -1},
     0, 0, 0, 0, 0, 0, "2026-03-05T08:00", NULL, 0, 1},
};

static void
test_pauses(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(PAUSES) / sizeof(PAUSES[0]); i++) {
        struct dfold_version v = version();
        struct dfold_proj p = base(PAUSES[i].from);
        struct dfold_event ev = event(PAUSES[i].tr, PAUSES[i].at);
        struct dfold_policy pol = {PAUSES[i].single, 1};
        struct dfold_pause open = PAUSES[i].open;
        struct dfold_out o;
        struct mc_err e;
        const char *why = PAUSES[i].why;

        v.counted = PAUSES[i].counted;
        p.legal_due_at = TN(PAUSES[i].due);
        p.appointment_at = PAUSES[i].has_appointment ? p.legal_due_at : 0;
        p.has_appointment = PAUSES[i].has_appointment;
        p.paused_since = TN(PAUSES[i].paused_since);
        p.supplement_requests = PAUSES[i].supplements;
        if (open.open)
            open.requested_at = PAUSES[i].paused_since ? T(PAUSES[i].paused_since)
                                                       : T("2026-03-03T09:00");
        /* the last event is the pause request (the Tết row's dossier is older than base's) */
        p.last_event_at = open.open ? open.requested_at : 0;
        if (dfold_apply(&p, &open, &v, &ev, &FX.ax, &pol, &o, &e) != 0) {
            print_error("%s: %s\n", why, e.detail);
            fail();
        }
        assert_int_equal(o.pause_open.on, PAUSES[i].opens);
        if (PAUSES[i].opens) {
            assert_int_equal(o.pause_open.counted, PAUSES[i].counted_out);
            assert_int_equal(o.pause_open.repeat, PAUSES[i].repeat);
            assert_int_equal(o.pause_open.was_late, PAUSES[i].was_late);
            expect_at(o.pause_open.due, PAUSES[i].due, why, "pause due");
            assert_int_equal(o.facts.counted, PAUSES[i].counted_out);
            assert_int_equal(o.facts.repeat, PAUSES[i].repeat);
        }
        assert_int_equal(o.pause_resolve.on, PAUSES[i].resolves);
        if (PAUSES[i].resolves) {
            if (o.pause_resolve.minutes != PAUSES[i].minutes)
                print_error("%s: paused %lld minutes\n", why, (long long)o.pause_resolve.minutes);
            assert_int_equal(o.pause_resolve.n, 1);
            assert_int_equal(o.pause_resolve.minutes, PAUSES[i].minutes);
            expect_at(o.pause_resolve.due_after, PAUSES[i].due_after, why, "resolve due");
            assert_int_equal(o.facts.pause_n, 1);
            assert_int_equal(o.facts.paused_minutes, PAUSES[i].minutes);
            expect_at(o.facts.due_before, PAUSES[i].due, why, "due_before");
            expect_at(o.facts.due_after, PAUSES[i].due_after, why, "due_after");
            assert_int_equal(o.p.paused_minutes, PAUSES[i].minutes);
        }
        expect_at(o.p.legal_due_at, PAUSES[i].due_after, why, "legal due");
        expect_at(o.p.appointment_at, PAUSES[i].has_appointment ? PAUSES[i].due : NULL, why,
                  "appointment never moves");
        expect_at(o.p.paused_since, PAUSES[i].paused_after, why, "paused_since");
        assert_int_equal(o.p.supplement_seconds, PAUSES[i].supp_seconds);
        assert_int_equal(o.p.supplement_requests, PAUSES[i].supplements_after);
    }
}

/* The legal due as of an instant while a counted pause runs (§6.1). */
static const struct {
    const char *due, *paused_since, *at, *want;
} DUE_AS_OF[] = {
    /* Thu 08:00 + 960 minutes paused (Tue 09:00 -> Thu 09:00): Thu 420, Fri 480, Mon 60 */
    {"2026-03-05T08:00", "2026-03-03T09:00", "2026-03-05T09:00", "2026-03-09T08:00"},
    {"2026-03-10T10:00", "2026-03-06T16:00", "2026-03-09T08:00", "2026-03-10T14:00"},
    {"2026-03-05T08:00", "2026-03-03T09:00", "2026-03-03T09:00", "2026-03-05T08:00"},
    {"2026-03-05T08:00", "2026-03-03T09:00", "2026-03-02T09:00", "2026-03-05T08:00"},
    {"2026-03-05T08:00", NULL, "2026-03-09T09:00", "2026-03-05T08:00"},
    {NULL, "2026-03-03T09:00", "2026-03-05T09:00", NULL},
};

static void
test_due_as_of(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(DUE_AS_OF) / sizeof(DUE_AS_OF[0]); i++)
        expect_at(dfold_due_as_of(&FX.ax, TN(DUE_AS_OF[i].due), TN(DUE_AS_OF[i].paused_since),
                                  T(DUE_AS_OF[i].at)),
                  DUE_AS_OF[i].want, DUE_AS_OF[i].at, "due as of");
}

/* ---------------------------------------------------------------- §6.3 apology */

static const struct {
    const char *why;
    int from;
    const char *at, *paused_since, *new_appointment;
    int already, warn_days;
    enum err_code err;
    int late, short_notice;
} APOLOGY[] = {
    /* due Thu 05/03 08:00; Tue 09:00 leaves 900 working minutes */
    {"two days ahead", 4, "2026-03-03T09:00", NULL, "2026-03-10T17:00", 0, 1, ERR_OK, 0, 0},
    /* the day before the due date at any hour is on time; 120 minutes are short notice */
    {"the day before, late afternoon", 4, "2026-03-04T16:00", NULL, "2026-03-10T17:00", 0, 1,
     ERR_OK, 0, 1},
    {"the day before, warning off", 4, "2026-03-04T16:00", NULL, "2026-03-10T17:00", 0, 0,
     ERR_OK, 0, 0},
    {"on the due date, before the due hour", 4, "2026-03-05T07:30", NULL, "2026-03-10T17:00", 0,
     1, ERR_OK, 1, 1},
    {"dated after the due", 4, "2026-03-05T09:00", NULL, "2026-03-10T17:00", 0, 1, ERR_OK, 1,
     1},
    /* a running counted pause: due as of Thu 09:00 is Mon 09/03 08:00 (900 minutes left) */
    {"a running pause moves the due", 5, "2026-03-05T09:00", "2026-03-03T09:00",
     "2026-03-12T17:00", 0, 1, ERR_OK, 0, 0},
    {"new appointment not after the due as of now", 5, "2026-03-05T09:00", "2026-03-03T09:00",
     "2026-03-06T17:00", 0, 1, ERR_VALIDATION, 0, 0},
    {"new appointment at the due", 4, "2026-03-03T09:00", NULL, "2026-03-05T08:00", 0, 1,
     ERR_VALIDATION, 0, 0},
    {"only one new appointment", 4, "2026-03-03T09:00", NULL, "2026-03-10T17:00", 1, 1,
     ERR_APOLOGY_TWICE, 0, 0},
};

static void
test_apology(void **state)
{
    struct dfold_version v = version();

    (void)state;
    for (size_t i = 0; i < sizeof(APOLOGY) / sizeof(APOLOGY[0]); i++) {
        struct dfold_proj p = base(APOLOGY[i].from);
        struct dfold_event ev = event(DOSSIER_TR_APOLOGIZE, APOLOGY[i].at);
        struct dfold_policy pol = {1, APOLOGY[i].warn_days};
        struct dfold_out o;
        struct mc_err e;
        int rc;

        p.paused_since = TN(APOLOGY[i].paused_since);
        if (APOLOGY[i].already)
            p.new_appointment_at = T("2026-03-09T17:00");
        ev.new_appointment = T(APOLOGY[i].new_appointment);
        err_clear(&e);
        rc = dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &pol, &o, &e);
        if (APOLOGY[i].err != ERR_OK) {
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, APOLOGY[i].err);
            continue;
        }
        if (rc != 0)
            print_error("%s: %s\n", APOLOGY[i].why, e.detail);
        assert_int_equal(rc, 0);
        assert_int_equal(o.p.new_appointment_at, T(APOLOGY[i].new_appointment));
        assert_int_equal(o.p.apology_late, APOLOGY[i].late);
        assert_int_equal(o.facts.set & DFOLD_F_NOTICE, DFOLD_F_NOTICE);
        if (o.facts.late_notice != APOLOGY[i].late ||
            o.facts.short_notice != APOLOGY[i].short_notice)
            print_error("%s: late %d short %d\n", APOLOGY[i].why, o.facts.late_notice,
                        o.facts.short_notice);
        assert_int_equal(o.facts.late_notice, APOLOGY[i].late);
        assert_int_equal(o.facts.short_notice, APOLOGY[i].short_notice);
        /* the legal due does not move (§6.3) */
        assert_int_equal(o.p.legal_due_at, T("2026-03-05T08:00"));
    }
}

/* ---------------------------------------------------------------- §5.1 steps and legs */

static const struct {
    const char *why;
    const char *at, *step, *to_unit;
    int leg;
    int64_t minutes;          /* from the body, -1: the version's */
    int found, valid;
    enum err_code err;
    int64_t want_unit, want_minutes;
    const char *planned_end, *step_official, *official_after;
} STEP_ROWS[] = {
    /* Tue 09:00 + 960: Tue 360, Wed 480, Thu 120 */
    {"step planned by the version", "2026-03-03T09:00", "Thẩm định", NULL, 0, -1, 1, 1, ERR_OK,
     10, 960, "2026-03-05T09:00", "cv.an", "cv.an"},
    /* "1/2 ngày": 09:00-11:30 150 + 13:30-15:00 90 */
    {"half a day from the body", "2026-03-03T09:00", "Thẩm định", NULL, 0, 240, 1, 1, ERR_OK, 10,
     240, "2026-03-03T15:00", "cv.an", "cv.an"},
    {"a step the version does not plan", "2026-03-03T09:00", "Lưu trữ", NULL, 0, -1, 1, 1,
     ERR_OK, 10, -1, NULL, "cv.an", "cv.an"},
    {"liên thông leg to another unit", "2026-03-03T09:00", "Phối hợp", "000.00.20.H56", 1, -1, 1,
     1, ERR_OK, 77, 480, "2026-03-04T09:00", NULL, NULL},
    /* Wed 29/04 09:00 + 2400 (5 days): 30/04, 01/05 off; Mon 04 .. Thu 07, Fri 08 09:00 */
    {"leg across 30/04-01/05", "2026-04-29T09:00", "Phối hợp", "000.00.30.H56", 1, -1, 1, 1,
     ERR_OK, 77, 2400, "2026-05-08T09:00", NULL, NULL},
    {"unknown unit", "2026-03-03T09:00", "Phối hợp", "000.00.99.H56", 1, -1, 0, 0,
     ERR_UNKNOWN_REF, 0, 0, NULL, NULL, NULL},
    {"unit not in force", "2026-03-03T09:00", "Phối hợp", "000.00.20.H56", 1, -1, 1, 0,
     ERR_UNIT_INVALID, 0, 0, NULL, NULL, NULL},
};

static void
test_steps(void **state)
{
    struct dfold_version v = version();

    (void)state;
    for (size_t i = 0; i < sizeof(STEP_ROWS) / sizeof(STEP_ROWS[0]); i++) {
        struct dfold_proj p = base(4);
        struct dfold_event ev = event(DOSSIER_TR_HAND_OVER, STEP_ROWS[i].at);
        struct dfold_out o;
        struct mc_err e;
        const char *why = STEP_ROWS[i].why;
        int rc;

        ev.step = STEP_ROWS[i].step;
        ev.to_unit = STEP_ROWS[i].to_unit;
        ev.leg = STEP_ROWS[i].leg;
        ev.minutes = STEP_ROWS[i].minutes;
        ev.to_unit_found = STEP_ROWS[i].found;
        ev.to_unit_valid = STEP_ROWS[i].valid;
        ev.to_unit_id = 77;
        err_clear(&e);
        rc = dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e);
        if (STEP_ROWS[i].err != ERR_OK) {
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, STEP_ROWS[i].err);
            assert_string_equal(e.field, "to_unit");
            continue;
        }
        if (rc != 0)
            print_error("%s: %s\n", why, e.detail);
        assert_int_equal(rc, 0);
        assert_int_equal(o.close_steps, 1);
        assert_int_equal(o.step_open.on, 1);
        assert_int_equal(o.step_open.leg, STEP_ROWS[i].leg);
        assert_int_equal(o.step_open.unit_id, STEP_ROWS[i].want_unit);
        assert_int_equal(o.step_open.minutes, STEP_ROWS[i].want_minutes);
        expect_at(o.step_open.planned_end, STEP_ROWS[i].planned_end, why, "planned end");
        expect_at(o.facts.planned_end_at, STEP_ROWS[i].planned_end, why, "payload");
        assert_int_equal(o.p.current_unit_id, STEP_ROWS[i].want_unit);
        if (STEP_ROWS[i].step_official == NULL)
            assert_null(o.step_open.official);
        else
            assert_string_equal(o.step_open.official, STEP_ROWS[i].step_official);
        if (STEP_ROWS[i].official_after == NULL)
            assert_null(o.p.official);
        else
            assert_string_equal(o.p.official, STEP_ROWS[i].official_after);
        /* step plans never change the appointment (§5.1) */
        assert_int_equal(o.p.appointment_at, T("2026-03-05T08:00"));
        assert_int_equal(o.p.legal_due_at, T("2026-03-05T08:00"));
    }
}

static void
test_assign(void **state)
{
    struct dfold_version v = version();
    struct dfold_proj p = base(4);
    struct dfold_event ev = event(DOSSIER_TR_ASSIGN, "2026-03-03T09:00");
    struct dfold_out o;
    struct mc_err e;

    (void)state;
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), 0);
    assert_string_equal(o.p.official, "cv.binh");
    assert_string_equal(o.assign, "cv.binh");
    ev.official_found = 0;
    assert_int_equal(dfold_apply(&p, &NO_PAUSE, &v, &ev, &FX.ax, &POLICY, &o, &e), -1);
    assert_int_equal(e.code, ERR_UNKNOWN_REF);
    assert_string_equal(e.field, "official");
    assert_string_equal(e.detail, "cv.binh");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions),   cmocka_unit_test(test_transition_rules),
        cmocka_unit_test(test_time_order),    cmocka_unit_test(test_clock_start),
        cmocka_unit_test(test_cases),         cmocka_unit_test(test_receive_refusals),
        cmocka_unit_test(test_regime),        cmocka_unit_test(test_pauses),
        cmocka_unit_test(test_due_as_of),     cmocka_unit_test(test_apology),
        cmocka_unit_test(test_steps),         cmocka_unit_test(test_assign),
    };
    int rc;

    fixture_init(&FX, 1);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    fixture_free(&FX);
    return rc;
}
