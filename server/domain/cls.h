/*
 * cls.h - on-time classification and rates (domain.md §7, §8.1). Pure
 * functions of a description of a dossier and an instant; every figure names
 * the rule set it used.
 *
 *   legal     (default, provincial reports, Biểu 06): working-time axis, legal_due
 *             moved by the counted pauses, early/on time/late by local date and instant.
 *   dvcqg766  (national portal, indicator 2.1): wall-clock supplement time subtracted
 *             from the end, compared with the original appointment (NgayHenTra).
 */
#ifndef MOTCUA_DOMAIN_CLS_H
#define MOTCUA_DOMAIN_CLS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "domain/ddl.h"

enum cls_rules {
    CLS_LEGAL = 0,
    CLS_DVCQG766 = 1
};

enum cls_class {
    CLS_NOT_COUNTED = 0, /* not received at the instant, refused at reception, never received */
    CLS_EARLY,           /* đã giải quyết trước hạn (legal only) */
    CLS_ON_TIME,         /* đã giải quyết đúng hạn */
    CLS_LATE,            /* đã giải quyết quá hạn */
    CLS_IN_TIME,         /* đang giải quyết trong hạn */
    CLS_OVERDUE,         /* đang giải quyết quá hạn */
    CLS__COUNT
};

/* How a dossier ended (domain.md §7.1: the first of 9, else 10, else 8, else 7). */
enum cls_end {
    CLS_END_NONE = 0,
    CLS_END_RESOLVED,   /* 9 (granted or refused after examination) */
    CLS_END_RETURNED,   /* 10 without a recorded 9 */
    CLS_END_STOPPED,    /* 8 */
    CLS_END_WITHDRAWN   /* 7 */
};

/* The end kind of a dossier's end state (dossier.end_state: 9, 10, 8, 7; anything else
   CLS_END_NONE). */
enum cls_end cls_end_of_state(int end_state);

struct cls_pause {
    int64_t requested_at;  /* P */
    int64_t resolved_at;   /* S, or DDL_OPEN */
    int supplement;        /* 1 for a supplement request (dvcqg766 counts only these) */
    int counted;           /* 1 when the pause moves legal_due (ddl_ledger's output) */
};

struct cls_dossier {
    int64_t received_at;       /* NgayTiepNhan */
    int has_appointment;       /* 0: the procedure has none (§5.1) */
    int64_t appointment;       /* NgayHenTra; without one, the due computed from the
                                  maximum duration from received_at (ddl_appointment) */
    enum cls_end end_kind;
    int64_t end_at;            /* instant of the end event (when end_kind != NONE) */
    const struct cls_pause *pauses; /* sorted by requested_at, not overlapping */
    size_t npauses;
};

struct cls_result {
    enum cls_class cls;
    int ended;             /* 1 for EARLY/ON_TIME/LATE */
    int virtual_end;       /* dvcqg766: open awaiting a supplement, counted as ended */
    int64_t due;           /* legal: legal_due used; dvcqg766: the appointment */
    int64_t end_adj;       /* dvcqg766: end (or T) minus supplement time; legal: end or T */
};

/*
 * Classifies the dossier at instant `at` (the period end for reports). Dossiers
 * received after `at` are CLS_NOT_COUNTED; ended dossiers are classified if they
 * ended at or before `at`, otherwise they are open at `at`. The legal rules need
 * the axis; dvcqg766 ignores it (may be NULL). Returns -1 with ERR_VALIDATION on
 * an inconsistent description, ERR_OUT_OF_CALENDAR past the calendar.
 */
int cls_classify(const struct ddl_axis *ax, enum cls_rules rules, const struct cls_dossier *d,
                 int64_t at, struct cls_result *out, struct mc_err *e);

/* "early", "on_time", "late", "in_time", "overdue", "not_counted" and the Vietnamese
 * labels ("Trước hạn", "Đúng hạn", "Quá hạn", "Trong hạn", "Quá hạn", "Không tính"). */
const char *cls_class_key(enum cls_class c);
const char *cls_class_vi(enum cls_class c);
const char *cls_rules_key(enum cls_rules r);
int cls_rules_parse(const char *key); /* -1 when unknown */

/*
 * Rates (§8.1), in hundredths of a percent, rounded half up:
 * (num × 10000 + den / 2) / den with integer arithmetic. Returns -1 (N/A) when
 * den == 0 or num < 0 or num > den; else 0 and *hundredths (0..10000).
 */
int cls_rate(int64_t num, int64_t den, int64_t *hundredths);

/* "97.35" or "N/A" (buf >= 8). */
void cls_rate_format(int64_t num, int64_t den, char *buf, size_t size);

/* Provincial on-time rate: (early + on_time) / resolved. */
int cls_rate_on_time(int64_t early, int64_t on_time, int64_t late, int64_t *hundredths);

/* DVCQG 2.1: (ended on time + open in time) / (received in period + carried over). */
int cls_rate_766(int64_t ended_on_time, int64_t open_in_time, int64_t received,
                 int64_t carried_over, int64_t *hundredths);

/*
 * Points of an indicator: min(rate / threshold, 1) × max_points, in hundredths of a
 * point, rounded half up; rate and threshold in hundredths of a percent
 * (threshold > 0). -1 when the rate is N/A (pass -1) or the threshold is not positive.
 */
int cls_points(int64_t rate_hundredths, int64_t threshold_hundredths, int64_t max_points,
               int64_t *points_hundredths);

/*
 * The same from the exact ratio num / den instead of the rounded rate (what the reports
 * publish, docs/domain.md "Rates": 2/3 at 90 % × 20 = 14.81, where the rounded 66.67 % gives
 * 14.82): full points iff num × 10000 >= den × threshold, else
 * (2 × num × max × 10^6 + den × threshold) / (2 × den × threshold). cls_points(r, ...) is
 * cls_points_ratio(r, 10000, ...). -1 (N/A) when den <= 0, num < 0, the threshold is not
 * positive, or beyond den <= 10^9 and max_points <= 1000 (no overflow in 64 bits).
 */
int cls_points_ratio(int64_t num, int64_t den, int64_t threshold_hundredths, int64_t max_points,
                     int64_t *points_hundredths);

#endif
