/*
 * dfold.h - what one event does to a dossier (domain.md §3, §5, §6): the fold of the
 * dossier's projection. Pure: no I/O, no clock, no globals; plain structs (the api layer
 * converts the database row to them and the result back to statements).
 *
 *   dfold_admit   the transition table (dossier.h) and the order of a dossier's times
 *   dfold_apply   the new projection and the effects to write: the pause ledger (§6.1),
 *                 the step and leg plans (§5.1), the apology (§6.3), the end (§7.1)
 *   dfold_start   the clock of a reception (§5.1), shared by the direct reception and
 *                 receive 1 -> 2, with dfold_case_terms (the case's duration, §2)
 *   dfold_due_as_of  the legal due at an instant while a counted pause runs (§6.1)
 *
 * Strings are borrowed: every const char * of a result points at an input (or a static
 * string); nothing is allocated.
 */
#ifndef MOTCUA_DOMAIN_DFOLD_H
#define MOTCUA_DOMAIN_DFOLD_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "domain/ddl.h"
#include "domain/dossier.h"

/* ---------------------------------------------------------------- reception terms */

/* A case (trường hợp, domain.md §2) of a procedure version: its own duration and, for
   channel 2, its online duration (online_unit NULL when it states none). */
struct dfold_case {
    const char *code, *name;
    const char *unit;        /* NULL when the case states none */
    int value;
    const char *online_unit;
    int online_value;
    int cutoff;              /* minute of day, -1 for none */
};

/* The terms a reception's clock runs on: the version's, or its case's. */
struct dfold_terms {
    const char *unit;        /* "wd" "wh" "wm" "cd" "sameday" "none" (procedure_version) */
    int value;
    int cutoff;              /* same-day cut-off minute, -1 for none */
    int max_minutes;         /* maximum duration of a version without appointment, 0 none */
    const char *case_name;   /* the case's name when a case was chosen */
};

/*
 * The case case_code of cases[0..n) replaces the terms' unit, value and cutoff (channel 2
 * takes its online duration when it has one) and sets case_name; max_minutes stays the
 * version's. Terms untouched for case_code NULL. -1 with UNKNOWN_REFERENCE (field "case")
 * for a case the version does not list.
 */
int dfold_case_terms(const struct dfold_case *cases, size_t n, const char *case_code,
                     int64_t channel, struct dfold_terms *t, struct mc_err *e);

/* Duration of the columns (unit key, value, cut-off); -1 with BAD_DURATION for a NULL or
   unknown unit. sameday keeps the cut-off, the others none. */
int dfold_duration(const char *unit, int value, int cutoff, struct ddl_duration *d,
                   struct mc_err *e);

/*
 * Appointment (0 without one) and legal due of a reception at t (domain.md §5.1): the
 * appointment is the due; a version without appointment is due after max_minutes working
 * minutes from the clock start (-1 with BAD_DURATION when max_minutes <= 0).
 */
int dfold_start_clock(const struct ddl_axis *ax, int64_t t, const struct ddl_duration *d,
                      int max_minutes, int64_t *appointment, int64_t *due, struct mc_err *e);

/* The clock of a reception at `at` under terms t (dfold_duration + dfold_start_clock). */
struct dfold_clock {
    struct ddl_duration dur;
    int64_t appointment_at;  /* 0 without an appointment */
    int64_t legal_due_at;
    int has_appointment;
};
int dfold_start(const struct ddl_axis *ax, int64_t at, const struct dfold_terms *t,
                struct dfold_clock *out, struct mc_err *e);

/* "nd61" before 2025-07-01 local, "nd118" from then (domain.md §1), by reception instant. */
const char *dfold_regime_key(int64_t t);

/*
 * The legal due as of instant t (domain.md §6.1): while a counted pause that began at
 * paused_since (0: none) runs, the due moves by the working time paused up to t. legal_due
 * 0 (none) gives 0.
 */
int64_t dfold_due_as_of(const struct ddl_axis *ax, int64_t legal_due, int64_t paused_since,
                        int64_t t);

/* Flags of dossier_transition_check_ex for a dossier of duration unit `unit`. */
unsigned dfold_tr_flags(const char *unit);

/* ---------------------------------------------------------------- the fold */

/* The dossier's projection (columns of the dossier row). */
struct dfold_proj {
    int state, version;
    int64_t current_unit_id;
    const char *official;          /* NULL: none */
    int64_t received_at, appointment_at, legal_due_at, new_appointment_at; /* 0: none */
    int apology_late;
    int64_t paused_since;          /* start of the running counted pause, 0: none */
    int64_t paused_minutes, supplement_requests, supplement_seconds;
    int64_t first_supplement_at, ended_at;
    int end_state;                 /* 0: none */
    const char *outcome;
    int64_t returned_at;
    int64_t version_id;            /* 0: unchanged (the procedure version stays) */
    int64_t duration_value;        /* -1: none */
    const char *duration_unit;
    int64_t max_minutes;           /* 0: none */
    int has_appointment;
    const char *regime;
    /* read only: facts of the row the rules use */
    int64_t channel;
    const char *case_code;
    int64_t last_event_at;         /* occurred_at of the latest event, 0: none */
};

/* The open pause of the ledger (the latest unresolved row). */
struct dfold_pause {
    int open;                      /* 0: no open pause (the other fields unused) */
    int64_t n;
    int64_t requested_at;
    int counted;
    int reason;                    /* enum ddl_pause_reason, -1 unknown */
};

/* A planned step or liên thông leg of the version: name (steps) or unit code (legs). */
struct dfold_plan {
    const char *key;
    int64_t minutes;
};

/* The procedure version's facts the rules read. */
struct dfold_version {
    unsigned counted;              /* bit 1u << ddl_pause_reason for each reason listed */
    const struct dfold_plan *steps;
    size_t nsteps;
    const struct dfold_plan *legs;
    size_t nlegs;
    /* receive 1 -> 2: the version in force on the acceptance date */
    int then_found;
    int64_t then_id;
    struct dfold_terms then;
    const struct dfold_case *cases;
    size_t ncases;
};

/* The event (POST .../events body, validated) and the database facts it needs. */
struct dfold_event {
    enum dossier_tr tr;
    int64_t at;
    int at_given;                  /* dated by the caller (integration), else the server's */
    unsigned roles;                /* role.h bits the caller acts with */
    const char *to_unit, *step, *official, *outcome, *legal_basis;
    int leg;
    int64_t minutes;               /* the step's planned minutes, -1: the version's */
    int64_t new_appointment;
    int to_unit_found, to_unit_valid; /* to_unit exists; in force on the date (§1) */
    int64_t to_unit_id;
    int official_found;            /* the official's active account exists */
    int resolving_valid;           /* the resolving unit is in force on the date (§1) */
};

struct dfold_policy {
    int single_supplement;         /* §6.1, default 1 */
    int apology_warn_days;         /* short_notice margin in working days, 0: off */
};

/* The payload facts an event records (DFOLD_F_* bits say which). */
#define DFOLD_F_RECEIVE 1u         /* duration {value, unit}, appointment_at */
#define DFOLD_F_PLANNED 2u         /* planned_end_at */
#define DFOLD_F_COUNTED 4u         /* counted, repeat */
#define DFOLD_F_RESUME 8u          /* pause_n, paused_minutes, due_before, due_after */
#define DFOLD_F_NOTICE 16u         /* late_notice, short_notice */

struct dfold_facts {
    unsigned set;
    int duration_value;
    const char *duration_unit;
    int64_t appointment_at, planned_end_at;
    int counted, repeat;
    int64_t pause_n, paused_minutes, due_before, due_after;
    int late_notice, short_notice;
};

struct dfold_out {
    int from, to;
    int64_t at;                    /* the event's instant (never before the last event) */
    struct dfold_proj p;           /* the new projection (state to, version + 1) */
    int new_secret;                /* a reception: a lookup secret is issued */
    struct {
        int on;
        int reason;                /* enum ddl_pause_reason */
        int counted, repeat, was_late;
        int64_t due;               /* legal due when requested (0: none) */
    } pause_open;
    struct {
        int on;
        int64_t n;
        int counted;
        int64_t minutes;           /* working minutes paused (counted pauses) */
        int64_t due_after;         /* NgayHenTraMoi, 0: none */
    } pause_resolve;
    int close_steps;               /* the open steps end at `at` */
    struct {
        int on, leg;
        int64_t unit_id;
        const char *official;      /* NULL: none */
        int64_t minutes;           /* -1: no plan */
        int64_t planned_end;       /* 0: none */
    } step_open;
    const char *assign;            /* the official now assigned to the open steps, or NULL */
    struct dfold_facts facts;
};

/*
 * The admission of an event on projection p (domain.md §3), in this order:
 * dossier_transition_check_ex (same-day versions allow 2 -> 9), then the times never go
 * backwards: an event dated by the caller before the last event is -1 with TIME_BACKWARDS
 * (field occurred_at, detail the last event's instant); the server's own instant is moved
 * up to the last event's (clock skew). On success *to and *at.
 */
int dfold_admit(const struct dfold_proj *p, const struct dfold_event *ev, int *to, int64_t *at,
                struct mc_err *e);

/*
 * Applies event ev to the projection p with its open pause, the version facts v, the axis
 * and the policies: dfold_admit, then the rules of the transition. Refusals after the
 * admission, by transition: receive 1 -> 2 PROCEDURE_INVALID (no version then), UNIT_INVALID
 * (resolving_unit), UNKNOWN_REFERENCE (case), BAD_DURATION / OUT_OF_CALENDAR; hand_over
 * UNKNOWN_REFERENCE / UNIT_INVALID (to_unit), OUT_OF_CALENDAR; assign UNKNOWN_REFERENCE
 * (official); apologize APOLOGY_ALREADY_ISSUED / VALIDATION (ddl_apology); stop VALIDATION
 * (legal_basis) unless from a withdrawal request. Writes *out only on success.
 */
int dfold_apply(const struct dfold_proj *p, const struct dfold_pause *open,
                const struct dfold_version *v, const struct dfold_event *ev,
                const struct ddl_axis *ax, const struct dfold_policy *pol, struct dfold_out *out,
                struct mc_err *e);

#endif
