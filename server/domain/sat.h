/*
 * sat.h - the citizen's evaluation of a dossier's handling and the satisfaction figures
 * (domain.md §12.1, §12.2 "766 group", §12.3). Pure: no I/O, no clock, no globals.
 *
 * What is certain and what is a setting (domain.md §12 tags): the three-level rating, the
 * reason for "Không hài lòng", the 9-indicator scorecard at 2 / 1 / 0 points (max 18) and one
 * evaluation per dossier are [M] (a provincial system's data); the window, the amendment
 * period, the low-satisfaction share, the class thresholds and the 5.4 formula variant are
 * policies (struct sat_policy) with the documented defaults, never constants in callers.
 *
 * Fixed point: averages and totals in hundredths (1523 = 15.23), shares in tenths of a
 * percent (1000 = 100.0 %), points in hundredths; rounding half up.
 */
#ifndef MOTCUA_DOMAIN_SAT_H
#define MOTCUA_DOMAIN_SAT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "domain/cls.h"

enum sat_rating {
    SAT_RATING_NONE = 0,
    SAT_VERY_SATISFIED, /* Rất hài lòng */
    SAT_SATISFIED,      /* Hài lòng */
    SAT_DISSATISFIED,   /* Không hài lòng */
    SAT_RATING__N
};

/* Where an evaluation came from (§12.1 Channels). */
enum sat_channel {
    SAT_CH_KIOSK = 0, /* thiết bị điện tử at the Bộ phận Một cửa */
    SAT_CH_DVCQG,     /* pulled back from the national portal */
    SAT_CH_PORTAL,    /* provincial portal, app, the lookup page of the receipt's QR */
    SAT_CH_PAPER,     /* a paper form keyed in by a clerk (entered_by) */
    SAT_CH_SMS_LINK,
    SAT_CH_HOTLINE,
    SAT_CH__N
};

/* 5.4's formula (§12.1): the 2026 text's set count, or the 2022 text's subtraction. */
enum sat_formula { SAT_FORMULA_SET = 0, SAT_FORMULA_ADDITIVE };

/* Unit classes by the /18 total (§12.1, provincial practice [M]). */
enum sat_class {
    SAT_CLASS_WEAK = 0,  /* Yếu, < 6 */
    SAT_CLASS_AVERAGE,   /* Trung bình, 6 - < 9 */
    SAT_CLASS_FAIR,      /* Khá, 9 - < 12 */
    SAT_CLASS_GOOD,      /* Tốt, 12 - < 15 */
    SAT_CLASS_EXCELLENT, /* Xuất sắc, >= 15 */
    SAT_CLASS__N
};

#define SAT_INDICATORS 9
#define SAT_UNKNOWN (-1) /* an indicator not answered / not computable */

struct sat_policy {
    int window_days;       /* evaluation_window_days: days after the end's local date (30);
                              -1: no limit */
    int amend_hours;       /* evaluation_amend_hours: 0 = one evaluation, never amended */
    int reason_required;   /* a reason for Không hài lòng (1) */
    int low_share_permille; /* low_satisfaction_share, per mille (100 = 10 %) */
    enum sat_formula formula;
};

void sat_policy_default(struct sat_policy *p);

const char *sat_rating_key(enum sat_rating r);  /* "very_satisfied", "satisfied", ... */
const char *sat_rating_vi(enum sat_rating r);   /* "Rất hài lòng", ... */
int sat_rating_parse(const char *key);          /* -1 when unknown */
const char *sat_channel_key(enum sat_channel c);
int sat_channel_parse(const char *key);
const char *sat_class_key(enum sat_class c);
const char *sat_class_vi(enum sat_class c);

/* The dossier as the evaluation rules see it. Instants are Unix seconds (0: absent). */
struct sat_dossier {
    int64_t received_at; /* 0: never received (submitted online only, or a draft) */
    int64_t ended_at;    /* the end (10, 8 or 7; 3 at reception), 0 while open */
    int refused;         /* 1: refused at reception (state 3): evaluable, never in 766 */
};

/* An evaluation already stored for the dossier, if any. */
struct sat_prior {
    int exists;
    int64_t first_at; /* the first version's instant */
};

/* The submission. answers[i] is indicator i+1's 2 / 1 / 0, or SAT_UNKNOWN. */
struct sat_input {
    enum sat_rating rating;
    const char *reason; /* NULL or "" when none */
    int answers[SAT_INDICATORS];
};

/*
 * May this evaluation be stored at instant `now`? 0 (with *amend = 1 when it is a new
 * version of an existing one), or -1 with e: VALIDATION_FAILED (rating, reason, an answer
 * out of range, indicators 1-2 before the end), NOT_RECEIVED (the dossier was never
 * received), EVALUATION_CLOSED (the window after the end has passed), ALREADY_EVALUATED
 * (one per dossier, or the amendment period is over).
 */
int sat_admit(const struct sat_policy *p, const struct sat_dossier *d,
              const struct sat_prior *prior, const struct sat_input *in, int64_t now,
              int *amend, struct mc_err *e);

/* The last instant (exclusive) an ended dossier may be evaluated: 00:00 local of the day
   after (end's local date + window_days). INT64_MAX when open or without a limit. */
int64_t sat_window_end(const struct sat_policy *p, const struct sat_dossier *d);

/* ---- indicators motcua computes from the dossier's own events (§12.1 table) ---- */

/* 1: total time vs the law: early 2, on time 1, late 0 (the legal class, §7.1); unknown
   while open. */
int sat_ind1(enum cls_class c);
/* 2: each unit's time vs its plan, the worst unit: every unit early 2, on time or better 1,
   any late 0 (steps: their classes; n = 0: unknown). */
int sat_ind2(const enum cls_class *steps, size_t n);
/* 3: contacts to complete the dossier: none 2, one 1, more 0 (guidance + supplement
   requests not caused by the applicant). */
int sat_ind3(int contacts);
/* 4: bodies contacted to complete it: none 2, only the counter 1, more 0. */
int sat_ind4(int requests, int other_bodies);
/* 7: staff conduct: a conduct PAKN on the dossier 0; else early 2, on time 1; late without
   such a PAKN is not defined by the form: unknown. */
int sat_ind7(enum cls_class c, int conduct_pakn);
/* 8 (unit level): PAKN answered on time: 100 % 2, >= 90 % 1, less 0; no PAKN 2. */
int sat_ind8(long on_time, long total);

/* ---- figures ---- */

/* Per-indicator sums and counts over the evaluations of a unit and period. */
struct sat_acc {
    long sum[SAT_INDICATORS], n[SAT_INDICATORS];
    long rating[SAT_RATING__N]; /* counts by rating */
};

void sat_acc_add(struct sat_acc *a, enum sat_rating r, const int ind[SAT_INDICATORS]);

struct sat_score {
    int avg_h[SAT_INDICATORS]; /* hundredths; SAT_UNKNOWN when no value */
    int total_h;               /* Σ of the known averages, hundredths, of 1800 */
    int known;                 /* indicators with a value: 0 = no scorecard answered (no
                                  total, no class) */
    enum sat_class cls;
    int share_pm[SAT_RATING__N]; /* tenths of a percent of the rated; [0] unused */
    long rated;
};

void sat_score(const struct sat_acc *a, struct sat_score *out);

/* Share of Không hài lòng in tenths of a percent; 1 in *flag when it is above the policy's
   low_satisfaction_share (strictly). */
int sat_official_share(const struct sat_policy *p, long dissatisfied, long total, int *flag);

/* 766 indicator 5.4 (§12.1): d = the 2.1 population, b_set = those with a Không hài lòng,
   or a PAKN on their reception or handling, or late under dvcqg766, each once; for the
   additive variant late and pakn_or_dis separately (overlaps count twice). */
struct sat_54 {
    long d, b_set, late, pakn_or_dis;
};
/* ratio in tenths of a percent (clamped to 0..1000) and points in hundredths:
   min(6, 6 x ratio / 90); d = 0: ratio 0 and 0 points. */
void sat_indicator_54(enum sat_formula f, const struct sat_54 *in, int *ratio_pm,
                      int *points_h);

/* 5.2 and 5.3 (§12.2): 6 x num / den in hundredths; den = 0 gives 6 (no PAKN). */
int sat_points_6(long num, long den);

#endif
