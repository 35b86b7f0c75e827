/*
 * dossier.h - the dossier lifecycle as a table (domain.md §3): states (DVCQG
 * TrangThaiHoSo codes 1-10), transitions with their from-states, target state,
 * roles allowed, the form (Mẫu) each produces in each regime, and the effect on
 * the clock. Pure: no I/O, no clock, no globals.
 */
#ifndef MOTCUA_DOMAIN_DOSSIER_H
#define MOTCUA_DOMAIN_DOSSIER_H

#include <stdint.h>

#include "core/err.h"

/* DVCQG TrangThaiHoSo; 0 is "no dossier yet" (∅ in domain.md §3). */
enum dossier_state {
    DOSSIER_NONE = 0,
    DOSSIER_SUBMITTED = 1,            /* Mới đăng ký */
    DOSSIER_RECEIVED = 2,             /* Được tiếp nhận */
    DOSSIER_NOT_RECEIVED = 3,         /* Không được tiếp nhận (terminal, never counted) */
    DOSSIER_IN_PROGRESS = 4,          /* Đang xử lý */
    DOSSIER_SUPPLEMENT_REQUESTED = 5, /* Yêu cầu bổ sung giấy tờ */
    DOSSIER_PAYMENT_REQUESTED = 6,    /* Yêu cầu thực hiện nghĩa vụ tài chính */
    DOSSIER_WITHDRAWAL_REQUESTED = 7, /* Công dân yêu cầu rút hồ sơ */
    DOSSIER_STOPPED = 8,              /* Dừng xử lý (terminal) */
    DOSSIER_RESOLVED = 9,             /* Đã xử lý xong */
    DOSSIER_RETURNED = 10             /* Đã trả kết quả (terminal) */
};
#define DOSSIER_STATE_MAX 10

enum dossier_tr {
    DOSSIER_TR_SUBMIT = 0,
    DOSSIER_TR_RECEIVE,
    DOSSIER_TR_REFUSE,
    DOSSIER_TR_GUIDE,
    DOSSIER_TR_HAND_OVER,
    DOSSIER_TR_ASSIGN,
    DOSSIER_TR_REQUEST_SUPPLEMENT,
    DOSSIER_TR_RECEIVE_SUPPLEMENT,
    DOSSIER_TR_REQUEST_PAYMENT,
    DOSSIER_TR_PAYMENT_DONE,
    DOSSIER_TR_APOLOGIZE,
    DOSSIER_TR_RESOLVE,
    DOSSIER_TR_REQUEST_WITHDRAWAL,
    DOSSIER_TR_STOP,
    DOSSIER_TR_RETURN_RESULT,
    DOSSIER_TR__COUNT
};

/* What a transition does to the clock (domain.md §3 "clock" column, §5, §6). */
enum dossier_clock {
    DOSSIER_CLOCK_NONE = 0,
    DOSSIER_CLOCK_START,       /* receive: the appointment is computed */
    DOSSIER_CLOCK_STEP,        /* hand over: a step or leg plan starts */
    DOSSIER_CLOCK_PAUSE,       /* request supplement */
    DOSSIER_CLOCK_PAUSE_IF,    /* request payment: pauses when the version counts payment */
    DOSSIER_CLOCK_RESUME,      /* receive supplement, payment done */
    DOSSIER_CLOCK_END          /* resolve, stop */
};

/* Regime by reception date (domain.md §1). */
enum dossier_regime {
    DOSSIER_REGIME_ND61 = 0,   /* received before 2025-07-01: ND 61/2018, TT 01/2018 */
    DOSSIER_REGIME_ND118 = 1   /* from 2025-07-01: ND 118/2025, TT 03/2025 */
};

/* Flags of dossier_transition_check_ex. */
#define DOSSIER_F_SAMEDAY 1u /* the procedure version is same-day: 2 -> 9 allowed */

/* Regime of a dossier received on local day `day` (cal.h day number). */
enum dossier_regime dossier_regime_of(int32_t day);

/* Stable English key ("request_supplement") and Vietnamese label of a transition. */
const char *dossier_tr_name(enum dossier_tr tr);
const char *dossier_tr_label_vi(enum dossier_tr tr);
/* Inverse of dossier_tr_name; -1 when unknown. */
int dossier_tr_parse(const char *name);

/* Vietnamese name of a state (DVCQG wording) and a stable English key; "" when out of range. */
const char *dossier_state_name_vi(int state);
const char *dossier_state_key(int state);
/* Inverse of dossier_state_key; -1 when unknown. */
int dossier_state_parse(const char *key);
/* 1 for 3, 8 and 10. */
int dossier_state_terminal(int state);

/* Roles (role.h bits) allowed to perform a transition. */
unsigned dossier_tr_roles(enum dossier_tr tr);
/* Effect on the clock. */
enum dossier_clock dossier_tr_clock(enum dossier_tr tr);

/*
 * Form number (Mẫu 01..07) a transition produces under a regime, 0 when none:
 * receive 01, guide and request_supplement 02, refuse 03, apologize 04, hand_over the
 * control slip (05 ND 61, 06 ND 118), stop the stop notice (05, ND 118 only),
 * return_result the register entry (06 ND 61, 07 ND 118).
 */
int dossier_tr_form(enum dossier_tr tr, enum dossier_regime regime);

/*
 * Checks a transition from `from_state` by a caller holding the role bits `role`.
 * On success writes the target state to *to (the same state for hand_over within
 * 4, assign and apologize; 0 for guide, which creates no dossier) and returns 0.
 * Errors, in this order: ERR_BAD_REQUEST (unknown transition or state),
 * ERR_ROLE_NOT_ALLOWED (no role bit in common), ERR_WITHDRAW_DECIDED
 * (request_withdrawal from 9 or 10), ERR_DOSSIER_BAD_STATE (anything else not in
 * the table). Same as dossier_transition_check_ex with flags 0 (2 -> 9 refused).
 */
int dossier_transition_check(int from_state, enum dossier_tr tr, unsigned role, int *to,
                             struct mc_err *e);

/* With flags: DOSSIER_F_SAMEDAY allows resolve from state 2 (domain.md §3). */
int dossier_transition_check_ex(int from_state, enum dossier_tr tr, unsigned role,
                                unsigned flags, int *to, struct mc_err *e);

#endif
