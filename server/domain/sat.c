/*
 * sat.c - the citizen's evaluation and the satisfaction figures (sat.h, domain.md §12).
 */
#include "domain/sat.h"

#include <stdint.h>
#include <string.h>

#include "domain/cal.h"

static const char *const RATING_KEY[SAT_RATING__N] = {"", "very_satisfied", "satisfied",
                                                      "dissatisfied"};
static const char *const RATING_VI[SAT_RATING__N] = {"", "Rất hài lòng", "Hài lòng",
                                                     "Không hài lòng"};
static const char *const CHANNEL_KEY[SAT_CH__N] = {"kiosk", "dvcqg", "portal",
                                                   "paper", "sms_link", "hotline"};
static const char *const CLASS_KEY[SAT_CLASS__N] = {"weak", "average", "fair", "good",
                                                    "excellent"};
static const char *const CLASS_VI[SAT_CLASS__N] = {"Yếu", "Trung bình", "Khá", "Tốt",
                                                   "Xuất sắc"};

void
sat_policy_default(struct sat_policy *p)
{
    p->window_days = 30;
    p->amend_hours = 0;
    p->reason_required = 1;
    p->low_share_permille = 100;
    p->formula = SAT_FORMULA_SET;
}

const char *
sat_rating_key(enum sat_rating r)
{
    return (unsigned)r < SAT_RATING__N ? RATING_KEY[r] : "";
}

const char *
sat_rating_vi(enum sat_rating r)
{
    return (unsigned)r < SAT_RATING__N ? RATING_VI[r] : "";
}

static int
parse_in(const char *const *keys, int n, int from, const char *key)
{
    if (key == NULL)
        return -1;
    for (int i = from; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return i;
    return -1;
}

int
sat_rating_parse(const char *key)
{
    return parse_in(RATING_KEY, SAT_RATING__N, 1, key);
}

const char *
sat_channel_key(enum sat_channel c)
{
    return (unsigned)c < SAT_CH__N ? CHANNEL_KEY[c] : "";
}

int
sat_channel_parse(const char *key)
{
    return parse_in(CHANNEL_KEY, SAT_CH__N, 0, key);
}

const char *
sat_class_key(enum sat_class c)
{
    return (unsigned)c < SAT_CLASS__N ? CLASS_KEY[c] : "";
}

const char *
sat_class_vi(enum sat_class c)
{
    return (unsigned)c < SAT_CLASS__N ? CLASS_VI[c] : "";
}

int64_t
sat_window_end(const struct sat_policy *p, const struct sat_dossier *d)
{
    int32_t day;

    if (d->ended_at == 0 || p->window_days < 0)
        return INT64_MAX;
    day = cal_local_day(d->ended_at) + p->window_days + 1;
    return cal_instant(day, 0);
}

static int
check_input(const struct sat_policy *p, const struct sat_dossier *d,
            const struct sat_input *in, struct mc_err *e)
{
    if (in->rating <= SAT_RATING_NONE || in->rating >= SAT_RATING__N)
        return err_field(e, ERR_VALIDATION, "rating",
                         "rating: very_satisfied, satisfied or dissatisfied");
    if (in->rating == SAT_DISSATISFIED && p->reason_required
        && (in->reason == NULL || in->reason[strspn(in->reason, " \t\r\n")] == '\0'))
        return err_field(e, ERR_VALIDATION, "reason",
                         "a reason is required for Không hài lòng");
    for (int i = 0; i < SAT_INDICATORS; i++) {
        int v = in->answers[i];

        if (v != SAT_UNKNOWN && (v < 0 || v > 2))
            return err_field(e, ERR_VALIDATION, "answers", "indicator %d: 2, 1 or 0 points",
                             i + 1);
        if (v != SAT_UNKNOWN && i < 2 && d->ended_at == 0)
            return err_field(e, ERR_VALIDATION, "answers",
                             "indicator %d exists only after the dossier has ended", i + 1);
    }
    return 0;
}

int
sat_admit(const struct sat_policy *p, const struct sat_dossier *d,
          const struct sat_prior *prior, const struct sat_input *in, int64_t now, int *amend,
          struct mc_err *e)
{
    if (d->received_at == 0)
        return err_set(e, ERR_NOT_RECEIVED, "an evaluation starts at the reception");
    if (check_input(p, d, in, e) != 0)
        return -1;
    if (now >= sat_window_end(p, d))
        return err_set(e, ERR_EVALUATION_CLOSED, "%d days after the end", p->window_days);
    *amend = 0;
    if (prior->exists) {
        if (p->amend_hours <= 0
            || now >= prior->first_at + (int64_t)p->amend_hours * 3600)
            return err_set(e, ERR_ALREADY_EVALUATED, "one evaluation per dossier");
        *amend = 1;
    }
    return 0;
}

/* ---- indicators -------------------------------------------------------------------- */

int
sat_ind1(enum cls_class c)
{
    switch (c) {
    case CLS_EARLY:
        return 2;
    case CLS_ON_TIME:
        return 1;
    case CLS_LATE:
        return 0;
    default:
        return SAT_UNKNOWN;
    }
}

int
sat_ind2(const enum cls_class *steps, size_t n)
{
    int worst = 2;

    if (n == 0)
        return SAT_UNKNOWN;
    for (size_t i = 0; i < n; i++) {
        int v = sat_ind1(steps[i]);

        if (v == SAT_UNKNOWN)
            return SAT_UNKNOWN;
        if (v < worst)
            worst = v;
    }
    return worst;
}

int
sat_ind3(int contacts)
{
    if (contacts < 0)
        return SAT_UNKNOWN;
    return contacts == 0 ? 2 : contacts == 1 ? 1 : 0;
}

int
sat_ind4(int requests, int other_bodies)
{
    if (requests < 0 || other_bodies < 0)
        return SAT_UNKNOWN;
    if (other_bodies > 0)
        return 0;
    return requests == 0 ? 2 : 1;
}

int
sat_ind7(enum cls_class c, int conduct_pakn)
{
    if (conduct_pakn)
        return 0;
    if (c == CLS_EARLY)
        return 2;
    if (c == CLS_ON_TIME)
        return 1;
    return SAT_UNKNOWN;
}

int
sat_ind8(long on_time, long total)
{
    if (total <= 0 || on_time >= total)
        return 2;
    /* on_time / total >= 90 % without floating point */
    return on_time * 10 >= total * 9 ? 1 : 0;
}

/* ---- figures ----------------------------------------------------------------------- */

/* num / den rounded half up, num >= 0, den > 0. */
static long
div_round(long num, long den)
{
    return (2 * num + den) / (2 * den);
}

void
sat_acc_add(struct sat_acc *a, enum sat_rating r, const int ind[SAT_INDICATORS])
{
    if ((unsigned)r < SAT_RATING__N && r != SAT_RATING_NONE)
        a->rating[r]++;
    for (int i = 0; i < SAT_INDICATORS; i++)
        if (ind[i] != SAT_UNKNOWN) {
            a->sum[i] += ind[i];
            a->n[i]++;
        }
}

static enum sat_class
class_of(int total_h)
{
    if (total_h >= 1500)
        return SAT_CLASS_EXCELLENT;
    if (total_h >= 1200)
        return SAT_CLASS_GOOD;
    if (total_h >= 900)
        return SAT_CLASS_FAIR;
    if (total_h >= 600)
        return SAT_CLASS_AVERAGE;
    return SAT_CLASS_WEAK;
}

void
sat_score(const struct sat_acc *a, struct sat_score *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < SAT_INDICATORS; i++) {
        out->avg_h[i] = a->n[i] > 0 ? (int)div_round(a->sum[i] * 100, a->n[i]) : SAT_UNKNOWN;
        if (out->avg_h[i] != SAT_UNKNOWN) {
            out->total_h += out->avg_h[i];
            out->known++;
        }
    }
    out->cls = class_of(out->total_h);
    for (int r = 1; r < SAT_RATING__N; r++)
        out->rated += a->rating[r];
    for (int r = 1; r < SAT_RATING__N && out->rated > 0; r++)
        out->share_pm[r] = (int)div_round(a->rating[r] * 1000, out->rated);
}

int
sat_official_share(const struct sat_policy *p, long dissatisfied, long total, int *flag)
{
    int pm = total > 0 ? (int)div_round(dissatisfied * 1000, total) : 0;

    /* strictly above the share: compare exact fractions, not the rounded per mille */
    *flag = total > 0 && dissatisfied * 1000 > (long)p->low_share_permille * total;
    return pm;
}

void
sat_indicator_54(enum sat_formula f, const struct sat_54 *in, int *ratio_pm, int *points_h)
{
    long good;

    if (in->d <= 0) {
        *ratio_pm = 0;
        *points_h = 0;
        return;
    }
    good = f == SAT_FORMULA_SET ? in->d - in->b_set : in->d - in->late - in->pakn_or_dis;
    if (good < 0)
        good = 0;
    if (good > in->d)
        good = in->d;
    *ratio_pm = (int)div_round(good * 1000, in->d);
    /* min(6, 6 x ratio / 90), ratio = good / d x 100: 600 x good x 100 / (90 d) hundredths */
    *points_h = (int)div_round(good * 60000, in->d * 90);
    if (*points_h > 600)
        *points_h = 600;
}

int
sat_points_6(long num, long den)
{
    if (den <= 0)
        return 600;
    if (num < 0)
        num = 0;
    if (num > den)
        num = den;
    return (int)div_round(num * 600, den);
}
