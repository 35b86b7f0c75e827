/*
 * dfold.c - what one event does to a dossier's projection (dfold.h): the clock start of a
 * reception (domain.md §5.1), the pause ledger (§6.1), step and leg plans (§5.1), the
 * apology (§6.3) and the end (§7.1). Pure: no I/O, no clock, no globals.
 */
#include "domain/dfold.h"

#include <string.h>

#include "domain/cal.h"

/* ---------------------------------------------------------------- reception terms */

int
dfold_case_terms(const struct dfold_case *cases, size_t n, const char *case_code,
                 int64_t channel, struct dfold_terms *t, struct mc_err *e)
{
    if (case_code == NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const struct dfold_case *c = &cases[i];

        if (c->code == NULL || strcmp(c->code, case_code) != 0)
            continue;
        if (channel == 2 && c->online_unit != NULL) {
            t->unit = c->online_unit;
            t->value = c->online_value;
        } else {
            t->unit = c->unit;
            t->value = c->value;
        }
        t->cutoff = c->cutoff;
        t->case_name = c->name;
        return 0;
    }
    return err_field(e, ERR_UNKNOWN_REF, "case", "the procedure version has no case %s",
                     case_code);
}

int
dfold_duration(const char *unit, int value, int cutoff, struct ddl_duration *d, struct mc_err *e)
{
    static const struct {
        const char *key;
        enum ddl_unit unit;
    } UNITS[] = {{"wd", DDL_WD}, {"wh", DDL_WH},           {"wm", DDL_WM},
                 {"cd", DDL_CD}, {"sameday", DDL_SAMEDAY}, {"none", DDL_NONE}};
    struct ddl_duration r = {value, DDL_WD, -1};
    size_t i;

    if (unit == NULL)
        return err_set(e, ERR_BAD_DURATION, "procedure version has no duration");
    for (i = 0; i < sizeof(UNITS) / sizeof(UNITS[0]); i++)
        if (strcmp(unit, UNITS[i].key) == 0)
            break;
    if (i == sizeof(UNITS) / sizeof(UNITS[0]))
        return err_set(e, ERR_BAD_DURATION, "unknown duration unit %s", unit);
    r.unit = UNITS[i].unit;
    if (r.unit == DDL_SAMEDAY || r.unit == DDL_NONE)
        r.value = 0;
    if (r.unit == DDL_SAMEDAY)
        r.cutoff = cutoff;
    *d = r;
    return 0;
}

int
dfold_start_clock(const struct ddl_axis *ax, int64_t t, const struct ddl_duration *d,
                  int max_minutes, int64_t *appointment, int64_t *due, struct mc_err *e)
{
    int64_t start, a, u;

    if (d->unit == DDL_NONE) {
        if (max_minutes <= 0)
            return err_set(e, ERR_BAD_DURATION, "no appointment and no maximum duration");
        if (ddl_start(ax, t, &start, e) != 0 || ddl_add_minutes(ax, start, max_minutes, &u, e) != 0)
            return -1;
        *appointment = 0;
        *due = u;
        return 0;
    }
    if (ddl_appointment(ax, t, d, &a, e) != 0)
        return -1;
    *appointment = a;
    *due = a;
    return 0;
}

int
dfold_start(const struct ddl_axis *ax, int64_t at, const struct dfold_terms *t,
            struct dfold_clock *out, struct mc_err *e)
{
    struct dfold_clock c;

    memset(&c, 0, sizeof(c));
    if (dfold_duration(t->unit, t->value, t->cutoff, &c.dur, e) != 0 ||
        dfold_start_clock(ax, at, &c.dur, t->max_minutes, &c.appointment_at, &c.legal_due_at,
                          e) != 0)
        return -1;
    c.has_appointment = c.dur.unit != DDL_NONE;
    *out = c;
    return 0;
}

const char *
dfold_regime_key(int64_t t)
{
    return dossier_regime_of(cal_local_day(t)) == DOSSIER_REGIME_ND61 ? "nd61" : "nd118";
}

int64_t
dfold_due_as_of(const struct ddl_axis *ax, int64_t legal_due, int64_t paused_since, int64_t t)
{
    if (legal_due == 0 || paused_since == 0 || t <= paused_since)
        return legal_due;
    return ddl_instant(ax, ddl_pos(ax, legal_due) + ddl_between(ax, paused_since, t));
}

unsigned
dfold_tr_flags(const char *unit)
{
    return unit != NULL && strcmp(unit, "sameday") == 0 ? DOSSIER_F_SAMEDAY : 0;
}

/* ---------------------------------------------------------------- the fold */

int
dfold_admit(const struct dfold_proj *p, const struct dfold_event *ev, int *to, int64_t *at,
            struct mc_err *e)
{
    int t;

    if (dossier_transition_check_ex(p->state, ev->tr, ev->roles, dfold_tr_flags(p->duration_unit),
                                    &t, e) != 0)
        return -1;
    /* domain.md §3: the times of one dossier never go backwards. */
    if (ev->at < p->last_event_at && ev->at_given) {
        char last[32];

        cal_format_instant(p->last_event_at, last);
        return err_field(e, ERR_TIME_BACKWARDS, "occurred_at", "%s", last);
    }
    *to = t;
    *at = ev->at < p->last_event_at ? p->last_event_at : ev->at; /* clock skew */
    return 0;
}

/* receive 1 -> 2: the clerk's acceptance starts the clock (§5.1), under the version and the
   regime in force at acceptance, not at the online submission. */
static int
fold_receive(const struct dfold_version *v, const struct ddl_axis *ax, struct dfold_out *o,
             const struct dfold_event *ev, struct mc_err *e)
{
    struct dfold_terms t = v->then;
    struct dfold_clock c;

    if (!v->then_found)
        return err_field(e, ERR_PROCEDURE_INVALID, "procedure", "%s",
                         "no version in force on the reception date");
    if (!ev->resolving_valid)
        return err_field(e, ERR_UNIT_INVALID, "resolving_unit", "%s",
                         "the resolving unit is not in force on the reception date");
    /* §2: the submitted case, under the version in force at acceptance; channel 2 takes the
       case's online duration. A case that version does not list is refused. */
    if (dfold_case_terms(v->cases, v->ncases, o->p.case_code, o->p.channel, &t, e) != 0 ||
        dfold_start(ax, o->at, &t, &c, e) != 0)
        return -1;
    o->new_secret = 1;
    o->p.version_id = v->then_id;
    o->p.duration_value = t.value;
    o->p.duration_unit = t.unit;
    o->p.max_minutes = v->then.max_minutes > 0 ? v->then.max_minutes : 0;
    o->p.received_at = o->at;
    o->p.appointment_at = c.appointment_at;
    o->p.legal_due_at = c.legal_due_at;
    o->p.has_appointment = c.has_appointment;
    o->p.regime = dfold_regime_key(o->at);
    o->facts.set |= DFOLD_F_RECEIVE;
    o->facts.duration_value = t.value;
    o->facts.duration_unit = t.unit;
    o->facts.appointment_at = c.appointment_at;
    return 0;
}

/* Planned minutes of the named step (or of the leg to to_unit) in the version; -1 when the
   version does not say. */
static int64_t
planned_minutes(const struct dfold_version *v, const struct dfold_event *ev)
{
    const struct dfold_plan *l = ev->leg ? v->legs : v->steps;
    size_t n = ev->leg ? v->nlegs : v->nsteps;
    const char *want = ev->leg ? ev->to_unit : ev->step;

    for (size_t i = 0; want != NULL && i < n; i++)
        if (l[i].key != NULL && strcmp(l[i].key, want) == 0)
            return l[i].minutes;
    return -1;
}

/* hand over (§5.1): a step or liên thông leg opens with its plan chained from now. */
static int
fold_hand_over(const struct dfold_version *v, const struct ddl_axis *ax, struct dfold_out *o,
               const struct dfold_event *ev, struct mc_err *e)
{
    int64_t unit = o->p.current_unit_id, minutes = ev->minutes, end = 0;

    if (ev->to_unit != NULL) {
        if (!ev->to_unit_found)
            return err_field(e, ERR_UNKNOWN_REF, "to_unit", "%s", ev->to_unit);
        /* domain.md §1: a unit in force on the hand-over date; never a district unit for a
           dossier received from 01/07/2025. */
        if (!ev->to_unit_valid)
            return err_field(e, ERR_UNIT_INVALID, "to_unit", "%s", ev->to_unit);
        unit = ev->to_unit_id;
    }
    if (minutes < 0)
        minutes = planned_minutes(v, ev);
    if (minutes >= 0 && ddl_add_minutes(ax, o->at, minutes, &end, e) != 0)
        return -1;
    o->close_steps = 1;
    o->step_open.on = 1;
    o->step_open.leg = ev->leg;
    o->step_open.unit_id = unit;
    o->step_open.official = ev->leg || unit != o->p.current_unit_id ? NULL : o->p.official;
    o->step_open.minutes = minutes >= 0 ? minutes : -1;
    o->step_open.planned_end = end;
    if (unit != o->p.current_unit_id)
        o->p.official = NULL; /* a new unit assigns its own official */
    o->p.current_unit_id = unit;
    o->facts.set |= DFOLD_F_PLANNED;
    o->facts.planned_end_at = end;
    return 0;
}

/* request supplement / payment (§6.1): a pause row; it stops the clock when counted. */
static void
fold_pause(const struct dfold_version *v, const struct dfold_policy *pol, struct dfold_out *o,
           const struct dfold_event *ev)
{
    int supp = ev->tr == DOSSIER_TR_REQUEST_SUPPLEMENT;
    int reason = supp ? DDL_P_SUPPLEMENT : DDL_P_PAYMENT;
    int repeat = supp && o->p.supplement_requests >= 1;
    int counted = (v->counted & (1u << reason)) != 0;

    /* §6.1 single_supplement: only the first request during processing pauses. */
    if (repeat && pol->single_supplement)
        counted = 0;
    if (!o->p.has_appointment && o->p.legal_due_at == 0)
        counted = 0;
    o->pause_open.on = 1;
    o->pause_open.reason = reason;
    o->pause_open.counted = counted;
    o->pause_open.repeat = repeat;
    o->pause_open.was_late = o->p.legal_due_at != 0 && o->at > o->p.legal_due_at;
    o->pause_open.due = o->p.legal_due_at;
    if (counted)
        o->p.paused_since = o->at;
    if (supp) {
        o->p.supplement_requests++;
        if (o->p.first_supplement_at == 0)
            o->p.first_supplement_at = o->at;
    }
    o->facts.set |= DFOLD_F_COUNTED;
    o->facts.counted = counted;
    o->facts.repeat = repeat;
}

/* Closes the open pause at `at`: resumes the clock for a counted one (§6.1). */
static void
fold_resume(const struct dfold_pause *open, const struct ddl_axis *ax, struct dfold_out *o)
{
    int64_t secs = 0, before = o->p.legal_due_at;

    if (!open->open)
        return;
    if (open->counted && o->p.legal_due_at != 0) {
        secs = ddl_between(ax, open->requested_at, o->at);
        if (secs < 0)
            secs = 0;
        o->p.legal_due_at = ddl_instant(ax, ddl_pos(ax, o->p.legal_due_at) + secs);
        o->p.paused_minutes += secs / 60;
        o->p.paused_since = 0;
    }
    if (open->reason == DDL_P_SUPPLEMENT && o->at > open->requested_at)
        o->p.supplement_seconds += o->at - open->requested_at; /* wall clock, dvcqg766 (§7.2) */
    o->pause_resolve.on = 1;
    o->pause_resolve.n = open->n;
    o->pause_resolve.counted = open->counted;
    o->pause_resolve.minutes = secs / 60;
    /* NgayHenTraMoi is recorded for every resume (§6.1, §10): a pause that does not count
       (a repeat request under single_supplement, a reason the version excludes) repeats the
       unchanged due, so the applicant is told the date did not move. */
    o->pause_resolve.due_after = o->p.legal_due_at;
    o->facts.set |= DFOLD_F_RESUME;
    o->facts.pause_n = open->n;
    o->facts.paused_minutes = secs / 60;
    o->facts.due_before = before;
    o->facts.due_after = o->p.legal_due_at;
}

/* apologize (§6.3): the one new appointment; legal_due stays. */
static int
fold_apology(const struct ddl_axis *ax, const struct dfold_policy *pol, struct dfold_out *o,
             const struct dfold_event *ev, struct mc_err *e)
{
    struct ddl_apology ap;
    /* §6.1: while a counted pause is open the legal due keeps moving; the notice and the
       "later than the due" check use the legal due as of the apology. */
    int64_t due_now = dfold_due_as_of(ax, o->p.legal_due_at, o->p.paused_since, o->at);

    if (ddl_apology(ax, due_now, o->at, ev->new_appointment, o->p.new_appointment_at != 0, &ap,
                    e) != 0)
        return -1;
    o->p.new_appointment_at = ap.new_appointment;
    o->p.apology_late = ap.late_notice;
    /* late_notice is the legal test (ND 61 Art. 19(5): dated before the due date);
       short_notice the stricter working-day margin, a warning only (docs/domain.md). */
    o->facts.set |= DFOLD_F_NOTICE;
    o->facts.late_notice = ap.late_notice;
    o->facts.short_notice =
        pol->apology_warn_days > 0 &&
        ap.notice_secs < (int64_t)pol->apology_warn_days * DDL_DAY_MINUTES * 60;
    return 0;
}

/* resolve, request withdrawal, stop: the dossier ends (§6.2, §7.1). */
static int
fold_end(const struct dfold_pause *open, const struct ddl_axis *ax, struct dfold_out *o,
         const struct dfold_event *ev, struct mc_err *e)
{
    if (ev->tr == DOSSIER_TR_STOP && o->from != DOSSIER_WITHDRAWAL_REQUESTED &&
        ev->legal_basis == NULL)
        return err_field(e, ERR_VALIDATION, "legal_basis", "%s",
                         "a stop without a withdrawal request states its legal basis");
    if (o->p.paused_since != 0 || o->from == DOSSIER_SUPPLEMENT_REQUESTED ||
        o->from == DOSSIER_PAYMENT_REQUESTED)
        fold_resume(open, ax, o);
    o->close_steps = 1;
    /* §7.1: the end is the first of 9, else 8, else 7 (by kind, not by time). */
    o->p.ended_at = o->at;
    o->p.end_state = o->to;
    if (ev->tr == DOSSIER_TR_RESOLVE)
        o->p.outcome = ev->outcome;
    return 0;
}

static int
fold_rules(const struct dfold_pause *open, const struct dfold_version *v,
           const struct dfold_event *ev, const struct ddl_axis *ax,
           const struct dfold_policy *pol, struct dfold_out *o, struct mc_err *e)
{
    switch (ev->tr) {
    case DOSSIER_TR_RECEIVE:
        return fold_receive(v, ax, o, ev, e);
    case DOSSIER_TR_HAND_OVER:
        return fold_hand_over(v, ax, o, ev, e);
    case DOSSIER_TR_ASSIGN:
        if (!ev->official_found)
            return err_field(e, ERR_UNKNOWN_REF, "official", "%s", ev->official);
        o->p.official = ev->official;
        o->assign = ev->official;
        return 0;
    case DOSSIER_TR_REQUEST_SUPPLEMENT:
    case DOSSIER_TR_REQUEST_PAYMENT:
        fold_pause(v, pol, o, ev);
        return 0;
    case DOSSIER_TR_RECEIVE_SUPPLEMENT:
    case DOSSIER_TR_PAYMENT_DONE:
        fold_resume(open, ax, o);
        return 0;
    case DOSSIER_TR_APOLOGIZE:
        return fold_apology(ax, pol, o, ev, e);
    case DOSSIER_TR_RESOLVE:
    case DOSSIER_TR_REQUEST_WITHDRAWAL:
    case DOSSIER_TR_STOP:
        return fold_end(open, ax, o, ev, e);
    case DOSSIER_TR_RETURN_RESULT:
        o->p.returned_at = o->at;
        return 0;
    default:
        return 0; /* refuse 1 -> 3: the state alone */
    }
}

int
dfold_apply(const struct dfold_proj *p, const struct dfold_pause *open,
            const struct dfold_version *v, const struct dfold_event *ev,
            const struct ddl_axis *ax, const struct dfold_policy *pol, struct dfold_out *out,
            struct mc_err *e)
{
    struct dfold_out o;

    memset(&o, 0, sizeof(o));
    o.from = p->state;
    if (dfold_admit(p, ev, &o.to, &o.at, e) != 0)
        return -1;
    o.p = *p;
    o.p.state = o.to;
    o.p.version = p->version + 1;
    o.p.version_id = 0;
    if (fold_rules(open, v, ev, ax, pol, &o, e) != 0)
        return -1;
    *out = o;
    return 0;
}
