/*
 * test_dossier.c - the lifecycle table (domain.md §3): every (state, transition,
 * role) triple is allowed or rejected exactly as the table typed below says, and the
 * forms printed in each regime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/cal.h"
#include "domain/dossier.h"
#include "domain/role.h"

#define C ROLE_CLERK
#define O ROLE_OFFICIAL
#define L ROLE_LEADER
#define I ROLE_INTEGRATION

/* Typed from domain.md §3: name, from-states (list, -1 ends), to (-1 = same), roles. */
static const struct {
    const char *name;
    int from[8];
    int to;
    unsigned roles;
} TYPED[] = {
    {"submit", {0, -1}, 1, I},
    {"receive", {0, 1, -1}, 2, C},
    {"refuse", {0, 1, -1}, 3, C},
    {"guide", {0, -1}, 0, C},
    {"hand_over", {2, 4, -1}, 4, C | O},
    {"assign", {4, -1}, -1, L},
    {"request_supplement", {4, -1}, 5, O},
    {"receive_supplement", {5, -1}, 4, C},
    {"request_payment", {4, -1}, 6, O},
    {"payment_done", {6, -1}, 4, C | I},
    {"apologize", {4, 5, 6, -1}, -1, L},
    {"resolve", {4, -1}, 9, L},
    {"request_withdrawal", {2, 4, 5, 6, -1}, 7, C | I},
    {"stop", {7, 2, 4, 5, 6, -1}, 8, L | C},
    {"return_result", {9, -1}, 10, C | I},
};

static const unsigned ROLES[] = {ROLE_CLERK,       ROLE_OFFICIAL, ROLE_LEADER, ROLE_SUPERVISOR,
                                 ROLE_INTEGRATION, ROLE_ADMIN};

static int
in_list(const int *l, int s)
{
    for (; *l >= 0; l++)
        if (*l == s)
            return 1;
    return 0;
}

static void
test_every_triple(void **state)
{
    int checked = 0;

    (void)state;
    assert_int_equal(sizeof(TYPED) / sizeof(TYPED[0]), DOSSIER_TR__COUNT);
    for (size_t t = 0; t < sizeof(TYPED) / sizeof(TYPED[0]); t++) {
        int tr = dossier_tr_parse(TYPED[t].name);

        assert_true(tr >= 0);
        assert_string_equal(dossier_tr_name(tr), TYPED[t].name);
        for (int s = 0; s <= DOSSIER_STATE_MAX; s++) {
            for (size_t r = 0; r < sizeof(ROLES) / sizeof(ROLES[0]); r++) {
                struct mc_err e;
                int to = -99;
                int rc = dossier_transition_check(s, tr, ROLES[r], &to, &e);
                int role_ok = (TYPED[t].roles & ROLES[r]) != 0;
                int state_ok = in_list(TYPED[t].from, s);

                checked++;
                if (role_ok && state_ok) {
                    if (rc != 0)
                        print_error("%s from %d by %s refused\n", TYPED[t].name, s,
                                    role_name(ROLES[r]));
                    assert_int_equal(rc, 0);
                    assert_int_equal(to, TYPED[t].to < 0 ? s : TYPED[t].to);
                    continue;
                }
                if (rc != -1)
                    print_error("%s from %d by %s allowed\n", TYPED[t].name, s,
                                role_name(ROLES[r]));
                assert_int_equal(rc, -1);
                assert_int_equal(to, -99); /* outputs only on success */
                if (!role_ok)
                    assert_int_equal(e.code, ERR_ROLE_NOT_ALLOWED);
                else if (strcmp(TYPED[t].name, "request_withdrawal") == 0 && (s == 9 || s == 10))
                    assert_int_equal(e.code, ERR_WITHDRAW_DECIDED);
                else
                    assert_int_equal(e.code, ERR_DOSSIER_BAD_STATE);
            }
        }
    }
    assert_int_equal(checked, 15 * 11 * 6);
}

static void
test_combined_roles(void **state)
{
    struct mc_err e;
    int to;

    (void)state;
    /* an account holding two roles may use either */
    assert_int_equal(dossier_transition_check(4, DOSSIER_TR_RESOLVE, C | L, &to, &e), 0);
    assert_int_equal(to, 9);
    assert_int_equal(dossier_transition_check(4, DOSSIER_TR_RESOLVE, 0, &to, &e), -1);
    assert_int_equal(e.code, ERR_ROLE_NOT_ALLOWED);
}

static void
test_sameday_resolve(void **state)
{
    struct mc_err e;
    int to = 0;

    (void)state;
    assert_int_equal(dossier_transition_check(2, DOSSIER_TR_RESOLVE, L, &to, &e), -1);
    assert_int_equal(e.code, ERR_DOSSIER_BAD_STATE);
    assert_int_equal(
        dossier_transition_check_ex(2, DOSSIER_TR_RESOLVE, L, DOSSIER_F_SAMEDAY, &to, &e), 0);
    assert_int_equal(to, 9);
    /* the flag adds only 2 -> 9 */
    assert_int_equal(
        dossier_transition_check_ex(5, DOSSIER_TR_RESOLVE, L, DOSSIER_F_SAMEDAY, &to, &e), -1);
    assert_int_equal(
        dossier_transition_check_ex(2, DOSSIER_TR_RETURN_RESULT, C, DOSSIER_F_SAMEDAY, &to, &e),
        -1);
}

static void
test_bad_input(void **state)
{
    struct mc_err e;
    int to;

    (void)state;
    assert_int_equal(dossier_transition_check(11, DOSSIER_TR_ASSIGN, L, &to, &e), -1);
    assert_int_equal(e.code, ERR_BAD_REQUEST);
    assert_int_equal(dossier_transition_check(-1, DOSSIER_TR_ASSIGN, L, &to, &e), -1);
    assert_int_equal(dossier_transition_check(4, DOSSIER_TR__COUNT, L, &to, &e), -1);
    assert_int_equal(e.code, ERR_BAD_REQUEST);
    assert_int_equal(dossier_tr_parse("Resolve"), -1);
    assert_int_equal(dossier_tr_parse(""), -1);
}

static void
test_forms(void **state)
{
    /* domain.md §3 "Forms by regime", typed */
    static const struct {
        enum dossier_tr tr;
        int nd61, nd118;
    } ROWS[] = {
        {DOSSIER_TR_RECEIVE, 1, 1},       {DOSSIER_TR_GUIDE, 2, 2},
        {DOSSIER_TR_REQUEST_SUPPLEMENT, 2, 2}, {DOSSIER_TR_REFUSE, 3, 3},
        {DOSSIER_TR_APOLOGIZE, 4, 4},     {DOSSIER_TR_HAND_OVER, 5, 6},
        {DOSSIER_TR_STOP, 0, 5},          {DOSSIER_TR_RETURN_RESULT, 6, 7},
        {DOSSIER_TR_ASSIGN, 0, 0},        {DOSSIER_TR_SUBMIT, 0, 0},
        {DOSSIER_TR_RESOLVE, 0, 0},       {DOSSIER_TR_PAYMENT_DONE, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        assert_int_equal(dossier_tr_form(ROWS[i].tr, DOSSIER_REGIME_ND61), ROWS[i].nd61);
        assert_int_equal(dossier_tr_form(ROWS[i].tr, DOSSIER_REGIME_ND118), ROWS[i].nd118);
    }
    assert_int_equal(dossier_regime_of(cal_days(2025, 6, 30)), DOSSIER_REGIME_ND61);
    assert_int_equal(dossier_regime_of(cal_days(2025, 7, 1)), DOSSIER_REGIME_ND118);
}

static void
test_states_and_clock(void **state)
{
    static const char *const VI[] = {"Chưa có hồ sơ",
                                      "Mới đăng ký",
                                      "Được tiếp nhận",
                                      "Không được tiếp nhận",
                                      "Đang xử lý",
                                      "Yêu cầu bổ sung giấy tờ",
                                      "Yêu cầu thực hiện nghĩa vụ tài chính",
                                      "Công dân yêu cầu rút hồ sơ",
                                      "Dừng xử lý",
                                      "Đã xử lý xong",
                                      "Đã trả kết quả"};

    (void)state;
    for (int s = 0; s <= DOSSIER_STATE_MAX; s++) {
        assert_string_equal(dossier_state_name_vi(s), VI[s]);
        assert_int_equal(dossier_state_parse(dossier_state_key(s)), s);
        assert_int_equal(dossier_state_terminal(s), s == 3 || s == 8 || s == 10);
    }
    assert_string_equal(dossier_state_name_vi(11), "");
    assert_int_equal(dossier_tr_clock(DOSSIER_TR_RECEIVE), DOSSIER_CLOCK_START);
    assert_int_equal(dossier_tr_clock(DOSSIER_TR_REQUEST_SUPPLEMENT), DOSSIER_CLOCK_PAUSE);
    assert_int_equal(dossier_tr_clock(DOSSIER_TR_RECEIVE_SUPPLEMENT), DOSSIER_CLOCK_RESUME);
    assert_int_equal(dossier_tr_clock(DOSSIER_TR_REQUEST_PAYMENT), DOSSIER_CLOCK_PAUSE_IF);
    assert_int_equal(dossier_tr_clock(DOSSIER_TR_PAYMENT_DONE), DOSSIER_CLOCK_RESUME);
    assert_int_equal(dossier_tr_clock(DOSSIER_TR_RESOLVE), DOSSIER_CLOCK_END);
    assert_int_equal(dossier_tr_clock(DOSSIER_TR_STOP), DOSSIER_CLOCK_END);
    assert_int_equal(dossier_tr_clock(DOSSIER_TR_APOLOGIZE), DOSSIER_CLOCK_NONE);
    assert_int_equal(dossier_tr_clock(DOSSIER_TR_HAND_OVER), DOSSIER_CLOCK_STEP);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_triple),   cmocka_unit_test(test_combined_roles),
        cmocka_unit_test(test_sameday_resolve), cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_forms),          cmocka_unit_test(test_states_and_clock),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
