/*
 * ddl.c - deadlines on the working-time axis. See ddl.h and domain.md §5, §6.
 */
#include "domain/ddl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/cal.h"

#define DAY_SECS 86400

/* Working seconds of local day index i of the axis, before second-of-day `sec`. */
static int64_t
day_pos(const struct ddl_axis *ax, int32_t day, int64_t sec)
{
    const struct wcal_session *s;
    int n = wcal_sessions(ax->cal, day, &s);
    int64_t acc = 0;

    for (int k = 0; k < n; k++) {
        int64_t a = (int64_t)s[k].start * 60, b = (int64_t)s[k].end * 60;

        if (sec >= b)
            acc += b - a;
        else if (sec > a)
            acc += sec - a;
    }
    return acc;
}

int
ddl_axis_init(struct ddl_axis *ax, const struct wcal *cal, struct mc_err *e)
{
    int32_t first = wcal_first_day(cal), last = wcal_last_day(cal);

    if (last < first)
        return err_set(e, ERR_OUT_OF_CALENDAR, "empty calendar range");
    ax->cal = cal;
    ax->first_day = first;
    ax->ndays = last - first + 1;
    ax->cum = xcalloc((size_t)ax->ndays + 1, sizeof(int64_t));
    for (int32_t i = 0; i < ax->ndays; i++)
        ax->cum[i + 1] = ax->cum[i] + day_pos(ax, first + i, DAY_SECS);
    ax->t_first = cal_instant(first, 0);
    ax->t_last = cal_instant(last + 1, 0);
    return 0;
}

void
ddl_axis_free(struct ddl_axis *ax)
{
    free(ax->cum);
    ax->cum = NULL;
    ax->ndays = 0;
}

int
ddl_in_range(const struct ddl_axis *ax, int64_t t)
{
    return t >= ax->t_first && t < ax->t_last;
}

int64_t
ddl_pos_max(const struct ddl_axis *ax)
{
    return ax->cum[ax->ndays];
}

int64_t
ddl_pos(const struct ddl_axis *ax, int64_t t)
{
    int64_t off;
    int32_t i;

    if (t < ax->t_first)
        return 0;
    if (t >= ax->t_last)
        return ax->cum[ax->ndays];
    off = t - ax->t_first;
    i = (int32_t)(off / DAY_SECS);
    return ax->cum[i] + day_pos(ax, ax->first_day + i, off % DAY_SECS);
}

int64_t
ddl_instant(const struct ddl_axis *ax, int64_t pos)
{
    const struct wcal_session *s;
    int32_t lo = 0, hi = ax->ndays - 1;
    int64_t r;
    int n;

    if (pos <= 0)
        return ax->t_first;
    if (pos > ax->cum[ax->ndays])
        pos = ax->cum[ax->ndays];
    /* smallest day i with cum[i + 1] >= pos: the day in which the pos-th second ends */
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;

        if (ax->cum[mid + 1] >= pos)
            hi = mid;
        else
            lo = mid + 1;
    }
    r = pos - ax->cum[lo]; /* 0 < r <= working seconds of day lo */
    n = wcal_sessions(ax->cal, ax->first_day + lo, &s);
    for (int k = 0; k < n; k++) {
        int64_t len = (int64_t)(s[k].end - s[k].start) * 60;

        if (r <= len)
            return ax->t_first + (int64_t)lo * DAY_SECS + (int64_t)s[k].start * 60 + r;
        r -= len;
    }
    /* unreachable for a consistent axis: cum was built from the same sessions */
    return ax->t_first + (int64_t)(lo + 1) * DAY_SECS;
}

int
ddl_is_working_time(const struct ddl_axis *ax, int64_t t)
{
    const struct wcal_session *s;
    int64_t off, sec;
    int n;

    if (!ddl_in_range(ax, t))
        return 0;
    off = t - ax->t_first;
    sec = off % DAY_SECS;
    n = wcal_sessions(ax->cal, ax->first_day + (int32_t)(off / DAY_SECS), &s);
    for (int k = 0; k < n; k++)
        if (sec >= (int64_t)s[k].start * 60 && sec < (int64_t)s[k].end * 60)
            return 1;
    return 0;
}

int
ddl_start(const struct ddl_axis *ax, int64_t t, int64_t *out, struct mc_err *e)
{
    int64_t off, sec;
    int32_t i;

    if (!ddl_in_range(ax, t))
        return err_set(e, ERR_OUT_OF_CALENDAR, "instant outside the calendar range");
    off = t - ax->t_first;
    i = (int32_t)(off / DAY_SECS);
    sec = off % DAY_SECS;
    for (; i < ax->ndays; i++, sec = 0) {
        const struct wcal_session *s;
        int n = wcal_sessions(ax->cal, ax->first_day + i, &s);

        for (int k = 0; k < n; k++) {
            if (sec < (int64_t)s[k].end * 60) {
                int64_t a = (int64_t)s[k].start * 60;

                *out = ax->t_first + (int64_t)i * DAY_SECS + (sec > a ? sec : a);
                return 0;
            }
        }
    }
    return err_set(e, ERR_OUT_OF_CALENDAR, "no working session after the instant");
}

int64_t
ddl_between(const struct ddl_axis *ax, int64_t a, int64_t b)
{
    return ddl_pos(ax, b) - ddl_pos(ax, a);
}

int64_t
ddl_remaining(const struct ddl_axis *ax, int64_t due, int64_t at)
{
    return ddl_pos(ax, due) - ddl_pos(ax, at);
}

/* Durations */

static const char *const UNIT_KEYS[DDL_UNIT__COUNT] = {
    [DDL_WD] = "wd", [DDL_WH] = "wh", [DDL_WM] = "wm",
    [DDL_CD] = "cd", [DDL_SAMEDAY] = "sameday", [DDL_NONE] = "none",
};

const char *
ddl_unit_key(enum ddl_unit u)
{
    if ((int)u < 0 || u >= DDL_UNIT__COUNT)
        return "";
    return UNIT_KEYS[u];
}

int64_t
ddl_duration_minutes(const struct ddl_duration *d)
{
    switch (d->unit) {
    case DDL_WD:
        return (int64_t)d->value * DDL_DAY_MINUTES;
    case DDL_WH:
        return (int64_t)d->value * 60;
    case DDL_WM:
        return d->value;
    default:
        return -1;
    }
}

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int
ddl_parse_duration(const char *s, size_t n, struct ddl_duration *out, struct mc_err *e)
{
    struct ddl_duration d = {0, DDL_WD, -1};
    size_t i = 0;
    int64_t v = 0;
    int64_t max;

    if (n == 4 && memcmp(s, "none", 4) == 0) {
        d.unit = DDL_NONE;
        *out = d;
        return 0;
    }
    if (n >= 7 && memcmp(s, "sameday", 7) == 0) {
        d.unit = DDL_SAMEDAY;
        if (n == 7) {
            *out = d;
            return 0;
        }
        /* "sameday@HH:MM" */
        if (n != 13 || s[7] != '@' || !is_digit(s[8]) || !is_digit(s[9]) || s[10] != ':' ||
            !is_digit(s[11]) || !is_digit(s[12]))
            return err_set(e, ERR_BAD_DURATION, "expected sameday@HH:MM");
        int hh = (s[8] - '0') * 10 + (s[9] - '0'), mm = (s[11] - '0') * 10 + (s[12] - '0');
        if (hh > 23 || mm > 59)
            return err_set(e, ERR_BAD_DURATION, "cut-off time out of range");
        d.cutoff = hh * 60 + mm;
        *out = d;
        return 0;
    }
    while (i < n && is_digit(s[i])) {
        v = v * 10 + (s[i] - '0');
        if (v > DDL_MAX_MINUTES)
            return err_set(e, ERR_BAD_DURATION, "duration too long");
        i++;
    }
    if (i == 0 || i + 1 != n)
        return err_set(e, ERR_BAD_DURATION, "expected <number><d|h|m|c>, sameday[@HH:MM] or none");
    if (s[0] == '0' && i > 1)
        return err_set(e, ERR_BAD_DURATION, "leading zero");
    switch (s[i]) {
    case 'd':
        d.unit = DDL_WD;
        max = DDL_MAX_DAYS;
        break;
    case 'h':
        d.unit = DDL_WH;
        max = DDL_MAX_HOURS;
        break;
    case 'm':
        d.unit = DDL_WM;
        max = DDL_MAX_MINUTES;
        break;
    case 'c':
        d.unit = DDL_CD;
        max = DDL_MAX_DAYS;
        break;
    default:
        return err_set(e, ERR_BAD_DURATION, "unknown unit '%c'", s[i]);
    }
    if (v > max)
        return err_set(e, ERR_BAD_DURATION, "duration too long");
    if (v == 0) {
        /* "0d" is the same-day duration without cut-off; 0 of another unit means nothing */
        if (d.unit != DDL_WD)
            return err_set(e, ERR_BAD_DURATION, "zero duration");
        d.unit = DDL_SAMEDAY;
    }
    d.value = (int32_t)v;
    *out = d;
    return 0;
}

void
ddl_format_duration(const struct ddl_duration *d, char *buf, size_t size)
{
    static const char SUFFIX[DDL_UNIT__COUNT] = {[DDL_WD] = 'd', [DDL_WH] = 'h', [DDL_WM] = 'm',
                                                  [DDL_CD] = 'c'};

    switch (d->unit) {
    case DDL_SAMEDAY:
        if (d->cutoff >= 0)
            snprintf(buf, size, "sameday@%02d:%02d", d->cutoff / 60, d->cutoff % 60);
        else
            snprintf(buf, size, "sameday");
        break;
    case DDL_NONE:
        snprintf(buf, size, "none");
        break;
    case DDL_WD:
    case DDL_WH:
    case DDL_WM:
    case DDL_CD:
        snprintf(buf, size, "%d%c", (int)d->value, SUFFIX[d->unit]);
        break;
    default:
        snprintf(buf, size, "?");
        break;
    }
}

/* Appointments */

int
ddl_add_minutes(const struct ddl_axis *ax, int64_t t, int64_t minutes, int64_t *out,
                struct mc_err *e)
{
    int64_t p;

    if (minutes < 0 || minutes > DDL_MAX_MINUTES)
        return err_set(e, ERR_BAD_DURATION, "minutes out of range");
    if (!ddl_in_range(ax, t))
        return err_set(e, ERR_OUT_OF_CALENDAR, "instant outside the calendar range");
    if (minutes == 0) {
        *out = t;
        return 0;
    }
    p = ddl_pos(ax, t) + minutes * 60;
    if (p > ddl_pos_max(ax))
        return err_set(e, ERR_OUT_OF_CALENDAR, "deadline past the calendar range");
    *out = ddl_instant(ax, p);
    return 0;
}

/* End of the last session of a working day, as an instant. */
static int64_t
end_of_day(const struct ddl_axis *ax, int32_t day)
{
    const struct wcal_session *s;
    int n = wcal_sessions(ax->cal, day, &s);

    return cal_instant(day, s[n - 1].end);
}

/* The first working day >= day in range, or -1 with ERR_OUT_OF_CALENDAR. */
static int
working_from(const struct ddl_axis *ax, int32_t day, int32_t *out, struct mc_err *e)
{
    int32_t last = ax->first_day + ax->ndays - 1;

    for (; day <= last; day++) {
        const struct wcal_session *s;

        if (wcal_is_working(ax->cal, day) == 1 && wcal_sessions(ax->cal, day, &s) > 0) {
            *out = day;
            return 0;
        }
    }
    return err_set(e, ERR_OUT_OF_CALENDAR, "no working day in the calendar range");
}

int
ddl_appointment(const struct ddl_axis *ax, int64_t received, const struct ddl_duration *d,
                int64_t *out, struct mc_err *e)
{
    int64_t start;
    int32_t day;

    switch (d->unit) {
    case DDL_WD:
    case DDL_WH:
    case DDL_WM:
        if (d->value <= 0)
            return err_set(e, ERR_BAD_DURATION, "duration must be positive");
        return ddl_add_minutes(ax, received, ddl_duration_minutes(d), out, e);
    case DDL_CD:
        /* Civil Code 2015 Art. 147(2): for a period counted in days the first day is not
         * counted; it runs from the next day, so the last day is (reception day + N). The
         * event is the reception itself (its local day), not the clock start rolled into
         * working time: a dossier received on Friday 17:30 counts from Saturday, not from
         * Monday's 07:00 start. Art. 148(1) (domain.md §5.1): the period ends at the end of
         * its last day (for motcua the end of the last session, not Art. 148(6)'s 24:00);
         * Art. 148(5): a last day that is a weekend or holiday moves to the end of the next
         * working day. */
        if (d->value <= 0 || d->value > DDL_MAX_DAYS)
            return err_set(e, ERR_BAD_DURATION, "calendar days out of range");
        if (!ddl_in_range(ax, received))
            return err_set(e, ERR_OUT_OF_CALENDAR, "instant outside the calendar range");
        if (working_from(ax, cal_local_day(received) + d->value, &day, e) != 0)
            return -1;
        *out = end_of_day(ax, day);
        return 0;
    case DDL_SAMEDAY:
        /* §5.1 with the law's wording ("nếu tiếp nhận hồ sơ sau 15 giờ", domain-sources.md
         * §3.2-3.3): up to and including the cut-off minute -> end of the same working day;
         * strictly after it -> end of the next working day. domain.md §5.1 says "at or
         * after"; docs/domain.md "Where domain.md differs from the law". Minutes are
         * compared (instants print to the minute), so 15:00:59 is still "15 giờ".
         * The test reads the ACTUAL reception instant, not the clock start rolled into
         * working time (shared domain.md §5.1, issue #15): a reception at 12:00 in the lunch
         * break with a 13:00 cut-off is not "after 13 giờ" even though its clock starts at
         * 13:30. When the reception is outside the working hours of its own day (after the
         * day's close, or on a weekend or holiday), the clock starts on the next working day
         * and the dossier is handled that day, whatever the hour: after the close it is
         * "after the cut-off" and goes to the next working day, which is that day; on a
         * non-working day the counter's day begins at the next opening, before any cut-off. */
        if (ddl_start(ax, received, &start, e) != 0)
            return -1;
        day = cal_local_day(start);
        if (d->cutoff >= 0 && day == cal_local_day(received) &&
            cal_local_minute(received) > d->cutoff)
            day++;
        if (working_from(ax, day, &day, e) != 0)
            return -1;
        *out = end_of_day(ax, day);
        return 0;
    case DDL_NONE:
        return err_set(e, ERR_BAD_DURATION, "the procedure has no appointment");
    default:
        return err_set(e, ERR_BAD_DURATION, "unknown duration unit");
    }
}

int
ddl_plan(const struct ddl_axis *ax, int64_t handover, const int32_t *minutes, size_t n,
         int64_t *out, struct mc_err *e)
{
    int64_t t = handover;

    for (size_t i = 0; i < n; i++) {
        if (minutes[i] < 0)
            return err_set(e, ERR_BAD_DURATION, "step %zu: negative minutes", i + 1);
        if (ddl_add_minutes(ax, t, minutes[i], &t, e) != 0)
            return -1;
        out[i] = t;
    }
    return 0;
}

/* Pauses */

static const char *const PAUSE_KEYS[DDL_P__COUNT] = {
    [DDL_P_SUPPLEMENT] = "supplement",
    [DDL_P_PAYMENT] = "payment",
    [DDL_P_CONSULT] = "consultation",
    [DDL_P_VNEID] = "vneid",
};

const char *
ddl_pause_reason_key(enum ddl_pause_reason r)
{
    if ((int)r < 0 || r >= DDL_P__COUNT)
        return "";
    return PAUSE_KEYS[r];
}

int
ddl_pause_reason_parse(const char *key)
{
    for (int i = 0; i < DDL_P__COUNT; i++)
        if (strcmp(PAUSE_KEYS[i], key) == 0)
            return i;
    return -1;
}

void
ddl_policy_default(struct ddl_policy *p)
{
    p->single_supplement = 1;
    p->counted = 1u << DDL_P_SUPPLEMENT;
}

int
ddl_ledger(const struct ddl_axis *ax, const struct ddl_policy *pol, int64_t appointment,
           struct ddl_pause *pauses, size_t n, int64_t at, struct ddl_ledger *out,
           struct mc_err *e)
{
    int64_t base = ddl_pos(ax, appointment), acc = 0, due = appointment;
    int supplements = 0;
    struct ddl_ledger r = {appointment, 0, 0, -1, 0};

    for (size_t i = 0; i < n; i++) {
        if ((int)pauses[i].reason < 0 || pauses[i].reason >= DDL_P__COUNT)
            return err_field(e, ERR_VALIDATION, "pauses", "pause %zu: unknown reason", i + 1);
        if (pauses[i].resolved_at < pauses[i].requested_at)
            return err_field(e, ERR_VALIDATION, "pauses", "pause %zu: resumed before requested",
                             i + 1);
        if (i > 0 && pauses[i].requested_at < pauses[i - 1].resolved_at)
            return err_field(e, ERR_VALIDATION, "pauses", "pause %zu overlaps the previous one",
                             i + 1);
    }
    for (size_t i = 0; i < n; i++) {
        struct ddl_pause *p = &pauses[i];

        p->counted = 0;
        p->repeat = 0;
        p->paused_secs = 0;
        p->due_before = due;
        p->due_after = due;
        if (p->requested_at > at)
            continue;
        if (p->reason == DDL_P_SUPPLEMENT) {
            supplements++;
            /* §6.1 single_supplement: the law asks for every missing item at once, so a
             * second request during processing is recorded but does not pause. */
            if (pol->single_supplement && supplements > 1) {
                p->repeat = 1;
                r.nrepeats++;
                continue;
            }
        }
        if (!(pol->counted & (1u << p->reason)))
            continue;
        int64_t s = p->resolved_at > at ? at : p->resolved_at;
        p->counted = 1;
        p->paused_secs = ddl_pos(ax, s) - ddl_pos(ax, p->requested_at);
        acc += p->paused_secs;
        if (base + acc > ddl_pos_max(ax))
            return err_set(e, ERR_OUT_OF_CALENDAR, "deadline past the calendar range");
        if (p->paused_secs > 0)
            due = ddl_instant(ax, base + acc);
        p->due_after = due;
        if (p->resolved_at > at) {
            r.open = (int)i;
            r.open_since = p->requested_at;
        }
    }
    r.legal_due = due;
    r.paused_secs = acc;
    *out = r;
    return 0;
}

int
ddl_apology(const struct ddl_axis *ax, int64_t legal_due, int64_t issued_at,
            int64_t new_appointment, int already_issued, struct ddl_apology *out,
            struct mc_err *e)
{
    return ddl_apology_with(ax, DDL_NOTICE_DAY_BEFORE, legal_due, issued_at, new_appointment,
                            already_issued, out, e);
}

int
ddl_apology_with(const struct ddl_axis *ax, enum ddl_notice_policy notice, int64_t legal_due,
                 int64_t issued_at, int64_t new_appointment, int already_issued,
                 struct ddl_apology *out, struct mc_err *e)
{
    struct ddl_apology a;

    if (already_issued)
        return err_set(e, ERR_APOLOGY_TWICE, NULL);
    if (new_appointment <= legal_due)
        return err_field(e, ERR_VALIDATION, "new_appointment",
                         "the new appointment must be later than the legal due time");
    a.new_appointment = new_appointment;
    a.notice_secs = ddl_pos(ax, legal_due) - ddl_pos(ax, issued_at);
    if (notice == DDL_NOTICE_WORKING_DAY)
        /* the stricter margin (a warning, not the legal test): one working day before the
           legal due instant */
        a.late_notice = a.notice_secs < (int64_t)DDL_DAY_MINUTES * 60;
    else
        /* ND 61 Art. 19(5) (ND 118 the same), shared domain.md §6.3: "chậm nhất 01 ngày
           trước ngày hết hạn": dated on an earlier local date than the due date, at any hour */
        a.late_notice = cal_local_day(issued_at) >= cal_local_day(legal_due);
    *out = a;
    return 0;
}

size_t
ddl_explain(const struct ddl_axis *ax, int64_t start, int64_t due, struct ddl_skip *out,
            size_t cap)
{
    int32_t from = cal_local_day(start), to = cal_local_day(due);
    int32_t first = ax->first_day, last = ax->first_day + ax->ndays - 1;
    size_t n = 0;

    if (from < first)
        from = first;
    if (to > last)
        to = last;
    for (int32_t d = from; d <= to; d++) {
        int w = wcal_is_working(ax->cal, d);
        enum wcal_reason why = wcal_reason(ax->cal, d);

        if (w == 1 && why != WCAL_R_MAKEUP_SATURDAY)
            continue;
        if (n < cap) {
            out[n].day = d;
            out[n].working = w == 1;
            out[n].reason = why;
            out[n].note = wcal_note(ax->cal, d);
            if (out[n].note == NULL)
                out[n].note = "";
        }
        n++;
    }
    return n;
}

size_t
ddl_explain_due(const struct ddl_axis *ax, int64_t received, const struct ddl_duration *d,
                int64_t due, struct ddl_skip *out, size_t cap)
{
    if (d->unit == DDL_CD) {
        /* Art. 147(2): every calendar day of the period counts; only the roll of the last
           day (Art. 148(5)) and any pause extension skip days. */
        int64_t nominal = cal_instant(cal_local_day(received) + d->value, 0);

        if (nominal > due)
            nominal = due;
        return ddl_explain(ax, nominal, due, out, cap);
    }
    return ddl_explain(ax, received, due, out, cap);
}
