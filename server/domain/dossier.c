/*
 * dossier.c - the lifecycle table of domain.md §3. See dossier.h.
 */
#include "domain/dossier.h"

#include <string.h>

#include "domain/cal.h"
#include "domain/role.h"

#define S(x) (1u << (x))
#define SAME (-1) /* target state = the current state */

struct tr_row {
    const char *name;
    const char *vi;
    unsigned from;       /* bit per state allowed as the origin */
    int to;              /* target state, or SAME */
    unsigned roles;      /* role.h bits */
    enum dossier_clock clock;
    int form_nd61;       /* Mẫu number in TT 01/2018, 0 for none */
    int form_nd118;      /* Mẫu number in TT 03/2025, 0 for none */
};

/* domain.md §3, one row per transition. The from-sets include only what the table
 * lists; 2 -> 9 (resolve) is added at run time for same-day procedures. */
static const struct tr_row TABLE[DOSSIER_TR__COUNT] = {
    [DOSSIER_TR_SUBMIT] = {"submit", "Nộp hồ sơ trực tuyến", S(DOSSIER_NONE), DOSSIER_SUBMITTED,
                           ROLE_INTEGRATION, DOSSIER_CLOCK_NONE, 0, 0},
    [DOSSIER_TR_RECEIVE] = {"receive", "Tiếp nhận hồ sơ", S(DOSSIER_NONE) | S(DOSSIER_SUBMITTED),
                            DOSSIER_RECEIVED, ROLE_CLERK, DOSSIER_CLOCK_START, 1, 1},
    [DOSSIER_TR_REFUSE] = {"refuse", "Từ chối tiếp nhận", S(DOSSIER_NONE) | S(DOSSIER_SUBMITTED),
                           DOSSIER_NOT_RECEIVED, ROLE_CLERK, DOSSIER_CLOCK_NONE, 3, 3},
    [DOSSIER_TR_GUIDE] = {"guide", "Hướng dẫn bổ sung, hoàn thiện hồ sơ", S(DOSSIER_NONE),
                          DOSSIER_NONE, ROLE_CLERK, DOSSIER_CLOCK_NONE, 2, 2},
    [DOSSIER_TR_HAND_OVER] = {"hand_over", "Chuyển xử lý",
                              S(DOSSIER_RECEIVED) | S(DOSSIER_IN_PROGRESS), DOSSIER_IN_PROGRESS,
                              ROLE_CLERK | ROLE_OFFICIAL, DOSSIER_CLOCK_STEP, 5, 6},
    [DOSSIER_TR_ASSIGN] = {"assign", "Phân công xử lý", S(DOSSIER_IN_PROGRESS), SAME, ROLE_LEADER,
                           DOSSIER_CLOCK_NONE, 0, 0},
    [DOSSIER_TR_REQUEST_SUPPLEMENT] = {"request_supplement", "Yêu cầu bổ sung hồ sơ",
                                       S(DOSSIER_IN_PROGRESS), DOSSIER_SUPPLEMENT_REQUESTED,
                                       ROLE_OFFICIAL, DOSSIER_CLOCK_PAUSE, 2, 2},
    [DOSSIER_TR_RECEIVE_SUPPLEMENT] = {"receive_supplement", "Tiếp nhận hồ sơ bổ sung",
                                       S(DOSSIER_SUPPLEMENT_REQUESTED), DOSSIER_IN_PROGRESS,
                                       ROLE_CLERK, DOSSIER_CLOCK_RESUME, 0, 0},
    [DOSSIER_TR_REQUEST_PAYMENT] = {"request_payment", "Yêu cầu thực hiện nghĩa vụ tài chính",
                                    S(DOSSIER_IN_PROGRESS), DOSSIER_PAYMENT_REQUESTED,
                                    ROLE_OFFICIAL, DOSSIER_CLOCK_PAUSE_IF, 0, 0},
    [DOSSIER_TR_PAYMENT_DONE] = {"payment_done", "Hoàn thành nghĩa vụ tài chính",
                                 S(DOSSIER_PAYMENT_REQUESTED), DOSSIER_IN_PROGRESS,
                                 ROLE_CLERK | ROLE_INTEGRATION, DOSSIER_CLOCK_RESUME, 0, 0},
    [DOSSIER_TR_APOLOGIZE] = {"apologize", "Xin lỗi và hẹn lại ngày trả kết quả",
                              S(DOSSIER_IN_PROGRESS) | S(DOSSIER_SUPPLEMENT_REQUESTED) |
                                  S(DOSSIER_PAYMENT_REQUESTED),
                              SAME, ROLE_LEADER, DOSSIER_CLOCK_NONE, 4, 4},
    [DOSSIER_TR_RESOLVE] = {"resolve", "Giải quyết xong", S(DOSSIER_IN_PROGRESS),
                            DOSSIER_RESOLVED, ROLE_LEADER, DOSSIER_CLOCK_END, 0, 0},
    [DOSSIER_TR_REQUEST_WITHDRAWAL] = {"request_withdrawal", "Yêu cầu rút hồ sơ",
                                       S(DOSSIER_RECEIVED) | S(DOSSIER_IN_PROGRESS) |
                                           S(DOSSIER_SUPPLEMENT_REQUESTED) |
                                           S(DOSSIER_PAYMENT_REQUESTED),
                                       DOSSIER_WITHDRAWAL_REQUESTED, ROLE_CLERK | ROLE_INTEGRATION,
                                       DOSSIER_CLOCK_END, 0, 0},
    [DOSSIER_TR_STOP] = {"stop", "Dừng xử lý",
                         S(DOSSIER_WITHDRAWAL_REQUESTED) | S(DOSSIER_RECEIVED) |
                             S(DOSSIER_IN_PROGRESS) | S(DOSSIER_SUPPLEMENT_REQUESTED) |
                             S(DOSSIER_PAYMENT_REQUESTED),
                         DOSSIER_STOPPED, ROLE_LEADER | ROLE_CLERK, DOSSIER_CLOCK_END, 0, 5},
    [DOSSIER_TR_RETURN_RESULT] = {"return_result", "Trả kết quả", S(DOSSIER_RESOLVED),
                                  DOSSIER_RETURNED, ROLE_CLERK | ROLE_INTEGRATION,
                                  DOSSIER_CLOCK_NONE, 6, 7},
};

static const struct {
    const char *key;
    const char *vi;
} STATES[DOSSIER_STATE_MAX + 1] = {
    [DOSSIER_NONE] = {"none", "Chưa có hồ sơ"},
    [DOSSIER_SUBMITTED] = {"submitted", "Mới đăng ký"},
    [DOSSIER_RECEIVED] = {"received", "Được tiếp nhận"},
    [DOSSIER_NOT_RECEIVED] = {"not_received", "Không được tiếp nhận"},
    [DOSSIER_IN_PROGRESS] = {"in_progress", "Đang xử lý"},
    [DOSSIER_SUPPLEMENT_REQUESTED] = {"supplement_requested", "Yêu cầu bổ sung giấy tờ"},
    [DOSSIER_PAYMENT_REQUESTED] = {"payment_requested", "Yêu cầu thực hiện nghĩa vụ tài chính"},
    [DOSSIER_WITHDRAWAL_REQUESTED] = {"withdrawal_requested", "Công dân yêu cầu rút hồ sơ"},
    [DOSSIER_STOPPED] = {"stopped", "Dừng xử lý"},
    [DOSSIER_RESOLVED] = {"resolved", "Đã xử lý xong"},
    [DOSSIER_RETURNED] = {"returned", "Đã trả kết quả"},
};

enum dossier_regime
dossier_regime_of(int32_t day)
{
    /* domain.md §1: ND 118/2025 applies to dossiers received from 01/07/2025 */
    return day < cal_days(2025, 7, 1) ? DOSSIER_REGIME_ND61 : DOSSIER_REGIME_ND118;
}

static int
tr_ok(enum dossier_tr tr)
{
    return (int)tr >= 0 && tr < DOSSIER_TR__COUNT;
}

const char *
dossier_tr_name(enum dossier_tr tr)
{
    return tr_ok(tr) ? TABLE[tr].name : "";
}

const char *
dossier_tr_label_vi(enum dossier_tr tr)
{
    return tr_ok(tr) ? TABLE[tr].vi : "";
}

int
dossier_tr_parse(const char *name)
{
    for (int i = 0; i < DOSSIER_TR__COUNT; i++)
        if (strcmp(TABLE[i].name, name) == 0)
            return i;
    return -1;
}

const char *
dossier_state_name_vi(int state)
{
    return state >= 0 && state <= DOSSIER_STATE_MAX ? STATES[state].vi : "";
}

const char *
dossier_state_key(int state)
{
    return state >= 0 && state <= DOSSIER_STATE_MAX ? STATES[state].key : "";
}

int
dossier_state_parse(const char *key)
{
    for (int i = 0; i <= DOSSIER_STATE_MAX; i++)
        if (strcmp(STATES[i].key, key) == 0)
            return i;
    return -1;
}

int
dossier_state_terminal(int state)
{
    return state == DOSSIER_NOT_RECEIVED || state == DOSSIER_STOPPED ||
           state == DOSSIER_RETURNED;
}

unsigned
dossier_tr_roles(enum dossier_tr tr)
{
    return tr_ok(tr) ? TABLE[tr].roles : 0;
}

enum dossier_clock
dossier_tr_clock(enum dossier_tr tr)
{
    return tr_ok(tr) ? TABLE[tr].clock : DOSSIER_CLOCK_NONE;
}

int
dossier_tr_form(enum dossier_tr tr, enum dossier_regime regime)
{
    if (!tr_ok(tr))
        return 0;
    return regime == DOSSIER_REGIME_ND61 ? TABLE[tr].form_nd61 : TABLE[tr].form_nd118;
}

int
dossier_transition_check_ex(int from_state, enum dossier_tr tr, unsigned role,
                            unsigned flags, int *to, struct mc_err *e)
{
    const struct tr_row *r;
    unsigned from;

    if (!tr_ok(tr))
        return err_set(e, ERR_BAD_REQUEST, "unknown transition");
    if (from_state < 0 || from_state > DOSSIER_STATE_MAX)
        return err_set(e, ERR_BAD_REQUEST, "unknown state %d", from_state);
    r = &TABLE[tr];
    if ((role & r->roles) == 0)
        return err_set(e, ERR_ROLE_NOT_ALLOWED, "%s", r->name);
    from = r->from;
    if (tr == DOSSIER_TR_RESOLVE && (flags & DOSSIER_F_SAMEDAY))
        from |= S(DOSSIER_RECEIVED); /* §3: 2 -> 9 directly for same-day procedures */
    if (!(from & S(from_state))) {
        if (tr == DOSSIER_TR_REQUEST_WITHDRAWAL &&
            (from_state == DOSSIER_RESOLVED || from_state == DOSSIER_RETURNED))
            return err_set(e, ERR_WITHDRAW_DECIDED, NULL);
        return err_set(e, ERR_DOSSIER_BAD_STATE, "%s from state %d", r->name, from_state);
    }
    *to = r->to == SAME ? from_state : r->to;
    return 0;
}

int
dossier_transition_check(int from_state, enum dossier_tr tr, unsigned role, int *to,
                         struct mc_err *e)
{
    return dossier_transition_check_ex(from_state, tr, role, 0, to, e);
}
