/*
 * test_pakn.c - phản ánh, kiến nghị (domain/pakn.h) on tables typed from domain.md §12.2:
 * intake (content, name, address and phone required, ND 20/2008 Art. 7; khiếu nại, tố cáo out
 * of scope, Art. 1), every state x step pair against the hand-typed list of allowed moves,
 * the deadlines 2 / 5 / 5 / 15 / 2 working days across Tết Bính Ngọ 2026 and Giỗ Tổ's
 * compensatory day (worked out by hand on sql/calendar_vn.tsv, as the dossier examples of
 * domain.md §5.2), a province's own values, and "in time" for QĐ 766 5.2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ddl_fixture.h"
#include "domain/pakn.h"

static struct fixture FX;

struct intake_row {
    const char *why, *name, *address, *phone, *content;
    int topic, channel, complaint;
    const char *field; /* "" = accepted */
};

#define NAME "Nguyễn Văn An"
#define ADDR "Khu phố 3, phường Trảng Dài, Đồng Nai"
#define PHONE "0912345678"
#define BODY "Cán bộ hẹn trả kết quả nhưng đến hẹn không có"

static const struct intake_row INTAKE[] = {
    {"complete", NAME, ADDR, PHONE, BODY, PAKN_TOPIC_CONDUCT, PAKN_CH_HOTLINE, 0, ""},
    {"no content", NAME, ADDR, PHONE, NULL, PAKN_TOPIC_CONDUCT, PAKN_CH_HOTLINE, 0, "content"},
    {"blank name", "  ", ADDR, PHONE, BODY, PAKN_TOPIC_REGULATION, PAKN_CH_PHONE, 0, "name"},
    {"no address", NAME, "", PHONE, BODY, PAKN_TOPIC_REGULATION, PAKN_CH_LETTER, 0, "address"},
    {"no phone", NAME, ADDR, NULL, BODY, PAKN_TOPIC_REGULATION, PAKN_CH_PORTAL, 0, "phone"},
    {"no topic", NAME, ADDR, PHONE, BODY, -1, PAKN_CH_COUNTER, 0, "topic"},
    {"bad topic", NAME, ADDR, PHONE, BODY, PAKN_TOPIC__N, PAKN_CH_COUNTER, 0, "topic"},
    {"no channel", NAME, ADDR, PHONE, BODY, PAKN_TOPIC_CONDUCT, -1, 0, "channel"},
    {"a khiếu nại", NAME, ADDR, PHONE, BODY, PAKN_TOPIC_CONDUCT, PAKN_CH_COUNTER, 1, "kind"},
};

static void
test_intake(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(INTAKE) / sizeof(INTAKE[0]); i++) {
        const struct intake_row *r = &INTAKE[i];
        struct pakn_intake in = {r->name, r->address, r->phone, r->content, r->topic,
                                 r->channel, r->complaint};
        struct mc_err e;
        int rc;

        err_clear(&e);
        rc = pakn_intake_check(&in, &e);
        if (r->field[0] == '\0') {
            if (rc != 0)
                fail_msg("%s: refused %s", r->why, e.detail);
        } else if (rc == 0 || e.code != ERR_VALIDATION || strcmp(e.field, r->field) != 0) {
            fail_msg("%s: rc %d field %s", r->why, rc, e.field);
        }
    }
}

/* The allowed moves of §12.2, typed from its list; everything else is refused. */
struct move {
    enum pakn_state from;
    enum pakn_step step;
    int leaves;
    enum pakn_state to;
};

static const struct move MOVES[] = {
    {PAKN_SUBMITTED, PAKN_ACCEPT, 0, PAKN_ACCEPTED},
    {PAKN_SUBMITTED, PAKN_REJECT, 0, PAKN_REJECTED},
    {PAKN_SUBMITTED, PAKN_TRANSFER, 0, PAKN_SUBMITTED},   /* to another unit: clock restarts */
    {PAKN_SUBMITTED, PAKN_TRANSFER, 1, PAKN_TRANSFERRED}, /* out of the system */
    {PAKN_ACCEPTED, PAKN_TRANSFER, 0, PAKN_SUBMITTED},
    {PAKN_ACCEPTED, PAKN_TRANSFER, 1, PAKN_TRANSFERRED},
    {PAKN_ACCEPTED, PAKN_REQUEST_INFO, 0, PAKN_SUPPLEMENT},
    {PAKN_SUPPLEMENT, PAKN_RECEIVE_INFO, 0, PAKN_ACCEPTED},
    {PAKN_ACCEPTED, PAKN_ANSWER, 0, PAKN_ANSWERED},
    {PAKN_ANSWERED, PAKN_PUBLISH, 0, PAKN_PUBLISHED},
};

static const struct move *
allowed(enum pakn_state from, enum pakn_step step, int leaves)
{
    for (size_t i = 0; i < sizeof(MOVES) / sizeof(MOVES[0]); i++)
        if (MOVES[i].from == from && MOVES[i].step == step
            && (step != PAKN_TRANSFER || MOVES[i].leaves == leaves))
            return &MOVES[i];
    return NULL;
}

static void
test_moves(void **state)
{
    int seen = 0;

    (void)state;
    for (int s = 0; s < PAKN_STATE__N; s++)
        for (int k = 0; k < PAKN_STEP__N; k++)
            for (int leaves = 0; leaves <= 1; leaves++) {
                const struct move *m = allowed((enum pakn_state)s, (enum pakn_step)k, leaves);
                enum pakn_state to = PAKN_STATE__N;
                struct mc_err e;
                int rc = pakn_next((enum pakn_state)s, (enum pakn_step)k, leaves, &to, &e);

                if (m != NULL) {
                    if (rc != 0 || to != m->to)
                        fail_msg("%s %s: rc %d to %d", pakn_state_key(s), pakn_step_key(k), rc,
                                 (int)to);
                    seen++;
                } else if (rc == 0 || e.code != ERR_PAKN_BAD_STATE) {
                    fail_msg("%s %s (leaves %d) should be refused", pakn_state_key(s),
                             pakn_step_key(k), leaves);
                }
            }
    /* each non-transfer move is met twice (leaves 0 and 1) */
    assert_int_equal(seen, 6 * 2 + 4);
    assert_true(pakn_terminal(PAKN_REJECTED));
    assert_true(pakn_terminal(PAKN_TRANSFERRED));
    assert_true(pakn_terminal(PAKN_PUBLISHED));
    assert_false(pakn_terminal(PAKN_SUPPLEMENT));
    assert_false(pakn_terminal(PAKN_ANSWERED));
}

static void
test_keys(void **state)
{
    (void)state;
    assert_string_equal(pakn_state_key(PAKN_SUPPLEMENT), "supplement_requested");
    assert_string_equal(pakn_state_vi(PAKN_SUBMITTED), "Chờ tiếp nhận");
    assert_string_equal(pakn_state_vi(PAKN_PUBLISHED), "Đã công khai");
    assert_int_equal(pakn_state_parse("answered"), PAKN_ANSWERED);
    assert_int_equal(pakn_state_parse("done"), -1);
    assert_int_equal(pakn_step_parse("request_info"), PAKN_REQUEST_INFO);
    assert_int_equal(pakn_topic_parse("conduct"), PAKN_TOPIC_CONDUCT);
    assert_int_equal(pakn_channel_parse("hotline"), PAKN_CH_HOTLINE);
    assert_int_equal(pakn_channel_parse(NULL), -1);
}

struct due_row {
    const char *why;
    enum pakn_deadline which;
    int days; /* 0: the default */
    const char *from, *want;
};

static const struct due_row DUES[] = {
    /* arrival Fri 13/02/2026 10:00, Tết 14-22/02 off: Mon 23/02 is day 1, Tue 24/02 day 2 */
    {"reject across Tết", PAKN_DL_REJECT, 0, "2026-02-13T10:00", "2026-02-24T10:00"},
    /* 23, 24, 25, 26, 27/02, 02, 03, 04, 05, 06, 09, 10, 11, 12, 13/03: the 15th day */
    {"answer across Tết", PAKN_DL_ANSWER, 0, "2026-02-13T10:00", "2026-03-13T10:00"},
    /* from Mon 23/02 10:00: Tue 24, Wed 25, Thu 26, Fri 27/02, Mon 02/03 */
    {"first supplement request", PAKN_DL_SUPPLEMENT, 0, "2026-02-23T10:00",
     "2026-03-02T10:00"},
    /* answered Fri 24/04/2026 15:30; Mon 27/04 is Giỗ Tổ's compensatory day (domain.md §5.2) */
    {"publish after Giỗ Tổ", PAKN_DL_PUBLISH, 0, "2026-04-24T15:30", "2026-04-29T15:30"},
    /* after 17:00 the clock starts Mon 09/03 07:00; 5 days end Fri 13/03 at 17:00 */
    {"transfer from an evening arrival", PAKN_DL_TRANSFER, 0, "2026-03-06T17:30",
     "2026-03-13T17:00"},
    /* Ninh Bình QĐ 163/2025 Art. 19: 10 working days to answer */
    {"a province's 10 days", PAKN_DL_ANSWER, 10, "2026-02-13T10:00", "2026-03-06T10:00"},
};

static void
test_dues(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(DUES) / sizeof(DUES[0]); i++) {
        const struct due_row *r = &DUES[i];
        struct pakn_policy p;
        struct mc_err e;
        int64_t due = 0;

        pakn_policy_default(&p);
        if (r->days > 0)
            p.days[r->which] = r->days;
        if (pakn_due(&FX.ax, &p, r->which, T(r->from), &due, &e) != 0)
            fail_msg("%s: %s", r->why, e.detail);
        if (due != T(r->want))
            fail_msg("%s: due %lld, want %s", r->why, (long long)due, r->want);
    }
}

static void
test_policy(void **state)
{
    struct pakn_policy p;

    (void)state;
    pakn_policy_default(&p);
    assert_int_equal(p.days[PAKN_DL_REJECT], 2);
    assert_int_equal(p.days[PAKN_DL_TRANSFER], 5);
    assert_int_equal(p.days[PAKN_DL_SUPPLEMENT], 5);
    assert_int_equal(p.days[PAKN_DL_ANSWER], 15);
    assert_int_equal(p.days[PAKN_DL_PUBLISH], 2);
}

/* Which deadline runs in each state: typed from shared/domain.md §12.2 (reject within 2,
   answer within 15, publish within 2 of the answer; terminal states none). */
static void
test_running(void **state)
{
    static const struct {
        enum pakn_state s;
        int want;
    } T[] = {
        {PAKN_SUBMITTED, PAKN_DL_REJECT}, {PAKN_ACCEPTED, PAKN_DL_ANSWER},
        {PAKN_SUPPLEMENT, PAKN_DL_ANSWER}, {PAKN_ANSWERED, PAKN_DL_PUBLISH},
        {PAKN_REJECTED, -1},              {PAKN_TRANSFERRED, -1},
        {PAKN_PUBLISHED, -1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        assert_int_equal(pakn_running_deadline(T[i].s), T[i].want);
}

static void
test_in_time(void **state)
{
    int64_t due = T("2026-03-13T10:00");

    (void)state;
    /* answered exactly at its due, period ending 31/03 */
    assert_int_equal(pakn_in_time(due, T("2026-03-13T10:00"), T("2026-03-31T17:00")), 1);
    assert_int_equal(pakn_in_time(due, T("2026-03-13T10:01"), T("2026-03-31T17:00")), 0);
    /* open at the period end: within time iff the due has not passed */
    assert_int_equal(pakn_in_time(due, 0, T("2026-03-13T10:00")), 1);
    assert_int_equal(pakn_in_time(due, 0, T("2026-03-13T10:01")), 0);
    /* answered after the period end: open at that end */
    assert_int_equal(pakn_in_time(due, T("2026-04-02T09:00"), T("2026-03-10T17:00")), 1);
    assert_int_equal(pakn_in_time(due, T("2026-04-02T09:00"), T("2026-03-31T17:00")), 0);
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intake), cmocka_unit_test(test_moves),
        cmocka_unit_test(test_keys),   cmocka_unit_test(test_dues),
        cmocka_unit_test(test_policy), cmocka_unit_test(test_in_time),
        cmocka_unit_test(test_running),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
