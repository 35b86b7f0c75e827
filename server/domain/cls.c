/*
 * cls.c - classification under the legal and dvcqg766 rule sets, and rates.
 * See cls.h and domain.md §7, §8.1.
 */
#include "domain/cls.h"
#include "domain/dossier.h"

#include <stdio.h>
#include <string.h>

#include "domain/cal.h"

static const struct {
    const char *key;
    const char *vi;
} CLASSES[CLS__COUNT] = {
    [CLS_NOT_COUNTED] = {"not_counted", "Không tính"},
    [CLS_EARLY] = {"early", "Trước hạn"},
    [CLS_ON_TIME] = {"on_time", "Đúng hạn"},
    [CLS_LATE] = {"late", "Quá hạn"},
    [CLS_IN_TIME] = {"in_time", "Trong hạn"},
    [CLS_OVERDUE] = {"overdue", "Quá hạn"},
};

const char *
cls_class_key(enum cls_class c)
{
    return (int)c >= 0 && c < CLS__COUNT ? CLASSES[c].key : "";
}

const char *
cls_class_vi(enum cls_class c)
{
    return (int)c >= 0 && c < CLS__COUNT ? CLASSES[c].vi : "";
}

const char *
cls_rules_key(enum cls_rules r)
{
    return r == CLS_DVCQG766 ? "dvcqg766" : "legal";
}

int
cls_rules_parse(const char *key)
{
    if (strcmp(key, "legal") == 0)
        return CLS_LEGAL;
    if (strcmp(key, "dvcqg766") == 0)
        return CLS_DVCQG766;
    return -1;
}

static int
check(const struct cls_dossier *d, struct mc_err *e)
{
    if (d->end_kind != CLS_END_NONE && d->end_at < d->received_at)
        return err_field(e, ERR_VALIDATION, "end_at", "the end is before the reception");
    for (size_t i = 0; i < d->npauses; i++) {
        const struct cls_pause *p = &d->pauses[i];

        if (p->resolved_at < p->requested_at || p->requested_at < d->received_at)
            return err_field(e, ERR_VALIDATION, "pauses", "pause %zu: bad interval", i + 1);
        if (i > 0 && p->requested_at < d->pauses[i - 1].resolved_at)
            return err_field(e, ERR_VALIDATION, "pauses", "pause %zu overlaps", i + 1);
    }
    return 0;
}

/* §7.1 legal. h = the end (ended) or the instant (open). */
static int
classify_legal(const struct ddl_axis *ax, const struct cls_dossier *d, int64_t h, int ended,
               struct cls_result *r, struct mc_err *e)
{
    int64_t base = ddl_pos(ax, d->appointment), acc = 0;
    int64_t open_p = -1; /* requested_at of a counted pause open at h */
    int64_t due_before = d->appointment, due;

    if (!ddl_in_range(ax, d->appointment) || !ddl_in_range(ax, h))
        return err_set(e, ERR_OUT_OF_CALENDAR, "instant outside the calendar range");
    for (size_t i = 0; i < d->npauses; i++) {
        const struct cls_pause *p = &d->pauses[i];

        if (!p->counted || p->requested_at > h)
            continue;
        if (p->resolved_at <= h) {
            acc += ddl_pos(ax, p->resolved_at) - ddl_pos(ax, p->requested_at);
            continue;
        }
        open_p = p->requested_at;
        due_before = acc > 0 ? ddl_instant(ax, base + acc) : d->appointment;
        acc += ddl_pos(ax, h) - ddl_pos(ax, p->requested_at);
    }
    due = acc > 0 ? ddl_instant(ax, base + acc) : d->appointment;
    r->due = due;
    r->end_adj = h;
    if (open_p >= 0) {
        /* Paused at h: the clock stopped at P, so the dossier is in time iff it was not
         * already late when the pause began (§7.1). */
        int late = open_p > due_before;

        if (ended) {
            r->ended = 1;
            if (late)
                r->cls = CLS_LATE;
            else if (d->has_appointment && cal_local_day(h) < cal_local_day(due))
                r->cls = CLS_EARLY;
            else
                r->cls = CLS_ON_TIME;
        } else {
            r->cls = late ? CLS_OVERDUE : CLS_IN_TIME;
        }
        return 0;
    }
    if (!d->has_appointment) {
        /* §7.1: late iff the working time used (minus counted pauses) exceeds the maximum
         * duration; appointment = instant(pos(start) + max), so compare positions. */
        int late = ddl_pos(ax, h) > base + acc;

        r->ended = ended;
        r->cls = ended ? (late ? CLS_LATE : CLS_ON_TIME) : (late ? CLS_OVERDUE : CLS_IN_TIME);
        return 0;
    }
    if (ended) {
        r->ended = 1;
        if (cal_local_day(h) < cal_local_day(due))
            r->cls = CLS_EARLY;
        else if (h <= due)
            r->cls = CLS_ON_TIME;
        else
            r->cls = CLS_LATE;
    } else {
        r->cls = h <= due ? CLS_IN_TIME : CLS_OVERDUE;
    }
    return 0;
}

/* §7.2 dvcqg766: wall-clock supplement time, original appointment. */
static void
classify_766(const struct cls_dossier *d, int64_t h, int ended, struct cls_result *r)
{
    int64_t st = 0;
    int nsup = 0;
    int64_t open_p = -1;

    for (size_t i = 0; i < d->npauses; i++) {
        const struct cls_pause *p = &d->pauses[i];

        if (!p->supplement || p->requested_at > h)
            continue;
        nsup++;
        if (p->resolved_at <= h)
            st += p->resolved_at - p->requested_at;
        else if (ended)
            st += h - p->requested_at; /* ended while waiting: waited until the end */
        else
            open_p = p->requested_at;
    }
    r->due = d->appointment;
    if (ended) {
        r->ended = 1;
        r->end_adj = h - st;
        r->cls = r->end_adj <= d->appointment ? CLS_ON_TIME : CLS_LATE;
        return;
    }
    if (open_p >= 0) {
        /* "A dossier still awaiting a supplement at the period end, requested once, counts
         * as ended at the request time; requested more than once: late." */
        r->ended = 1;
        r->virtual_end = 1;
        r->end_adj = open_p - st;
        if (nsup > 1)
            r->cls = CLS_LATE;
        else
            r->cls = r->end_adj <= d->appointment ? CLS_ON_TIME : CLS_LATE;
        return;
    }
    r->end_adj = h - st;
    r->cls = r->end_adj <= d->appointment ? CLS_IN_TIME : CLS_OVERDUE;
}

int
cls_classify(const struct ddl_axis *ax, enum cls_rules rules, const struct cls_dossier *d,
             int64_t at, struct cls_result *out, struct mc_err *e)
{
    struct cls_result r = {CLS_NOT_COUNTED, 0, 0, d->appointment, at};
    int ended;
    int64_t h;

    if (check(d, e) != 0)
        return -1;
    if (d->received_at > at) {
        *out = r;
        return 0;
    }
    ended = d->end_kind != CLS_END_NONE && d->end_at <= at;
    h = ended ? d->end_at : at;
    if (rules == CLS_LEGAL) {
        if (ax == NULL)
            return err_set(e, ERR_INTERNAL, "legal rules need the working calendar");
        if (classify_legal(ax, d, h, ended, &r, e) != 0)
            return -1;
    } else if (rules == CLS_DVCQG766) {
        classify_766(d, h, ended, &r);
    } else {
        return err_set(e, ERR_BAD_REQUEST, "unknown rule set");
    }
    *out = r;
    return 0;
}

int
cls_rate(int64_t num, int64_t den, int64_t *hundredths)
{
    if (den <= 0 || num < 0 || num > den)
        return -1;
    /* round half up: floor(num * 10000 / den + 1/2) */
    *hundredths = (2 * num * 10000 + den) / (2 * den);
    return 0;
}

void
cls_rate_format(int64_t num, int64_t den, char *buf, size_t size)
{
    int64_t h;

    if (cls_rate(num, den, &h) != 0)
        snprintf(buf, size, "N/A");
    else
        snprintf(buf, size, "%lld.%02lld", (long long)(h / 100), (long long)(h % 100));
}

int
cls_rate_on_time(int64_t early, int64_t on_time, int64_t late, int64_t *hundredths)
{
    return cls_rate(early + on_time, early + on_time + late, hundredths);
}

int
cls_rate_766(int64_t ended_on_time, int64_t open_in_time, int64_t received,
             int64_t carried_over, int64_t *hundredths)
{
    return cls_rate(ended_on_time + open_in_time, received + carried_over, hundredths);
}

int
cls_points_ratio(int64_t num, int64_t den, int64_t threshold_hundredths, int64_t max_points,
                 int64_t *points_hundredths)
{
    int64_t a, b;

    if (den <= 0 || num < 0 || threshold_hundredths <= 0 || max_points < 0 ||
        den > 1000000000 || max_points > 1000 || threshold_hundredths > 10000)
        return -1;
    if (num >= den) { /* num / den >= 1 >= the threshold */
        *points_hundredths = max_points * 100;
        return 0;
    }
    /* (num / den) / (thr / 10^4) × max × 100 = num × max × 10^6 / (den × thr) */
    a = num * max_points * 1000000;
    b = den * threshold_hundredths;
    if (num * 10000 >= b)
        *points_hundredths = max_points * 100;
    else
        *points_hundredths = (2 * a + b) / (2 * b);
    return 0;
}

int
cls_points(int64_t rate_hundredths, int64_t threshold_hundredths, int64_t max_points,
           int64_t *points_hundredths)
{
    if (rate_hundredths < 0)
        return -1;
    if (rate_hundredths > 10000) /* beyond 100 %: full points, as any rate >= the threshold */
        rate_hundredths = 10000;
    return cls_points_ratio(rate_hundredths, 10000, threshold_hundredths, max_points,
                            points_hundredths);
}

enum cls_end
cls_end_of_state(int end_state)
{
    switch (end_state) {
    case DOSSIER_RESOLVED:
        return CLS_END_RESOLVED;
    case DOSSIER_RETURNED:
        return CLS_END_RETURNED;
    case DOSSIER_STOPPED:
        return CLS_END_STOPPED;
    case DOSSIER_WITHDRAWAL_REQUESTED:
        return CLS_END_WITHDRAWN;
    default:
        return CLS_END_NONE;
    }
}
