/*
 * dossier_write.c - transitions (POST /api/v1/dossiers/{code}/events): api_dossier_event.
 *
 * Every write is: read what it needs in one query (pipelined with the Idempotency-Key
 * claim, idem_begin_read), decide in C with the domain modules
 * (dossier.h state machine, ddl.h deadlines), then ONE unit of work (one pipeline sync =
 * one transaction) holding the event, the projection update, the pause/step rows and the
 * idempotent response. Optimistic concurrency: the event's seq is version + 1 and
 * UNIQUE (dossier_id, seq) makes the second of two writers that read the same version
 * fail on its first statement (23505), before anything else is written; the projection
 * update is also guarded by WHERE version = expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/dossier.h"
#include "api/dossier_int.h"
#include "api/idem.h"
#include "app.h"
#include "core/config.h"
#include "domain/cal.h"
#include "domain/ddl.h"
#include "domain/dossier.h"
#include "domain/role.h"
#include "http/json.h"
#include "http/reqctx.h"

/* ---------------------------------------------------------------- transitions */

/* The projection being rebuilt (columns of DSQL_UPDATE_PROJECTION). */
struct proj {
    int state, version;
    int64_t current_unit_id;
    const char *official;
    int64_t received_at, appointment_at, legal_due_at, new_appointment_at;
    int apology_late;
    int64_t paused_since;
    int64_t paused_minutes, supplement_requests, supplement_seconds;
    int64_t first_supplement_at, ended_at;
    int end_state;
    const char *outcome;
    int64_t returned_at;
    const char *version_id, *duration_value, *duration_unit, *max_minutes;
    int has_appointment;
    const char *lookup_hash;
    const char *regime;
};

struct ev {
    struct dossier_wreq w; /* first member: see dossier_int.h */
    enum dossier_tr tr;
    json_t *body;
    int64_t expected;
    int64_t at;
    int at_given;
    const char *to_unit, *step, *official, *reason, *outcome, *legal_basis, *method,
        *postal_receipt;
    int leg;
    int64_t minutes;
    int64_t new_appointment;
    const char *dossier_id;
    char secret[SECRET_LEN + 1];
    struct db_stmt stmts[8];
    const char *pr[5];
    const char *p_event[15];
    const char *p_proj[27];
    const char *p_pause_ins[10];
    const char *p_pause_res[5];
    const char *p_step_close[2];
    const char *p_step_ins[10];
    const char *p_step_assign[2];
    const char *p_cur[1];
};

static void
ev_fail(struct reqctx *rc, struct ev *x, const struct mc_err *e)
{
    idem_release_reply_error(rc, x->w.im, e);
}

static void
ev_fail_code(struct reqctx *rc, struct ev *x, enum err_code code, const char *field,
             const char *fmt, const char *arg)
{
    struct mc_err e;

    err_field(&e, code, field, fmt, arg);
    ev_fail(rc, x, &e);
}

static int
parse_event(struct reqctx *rc, struct ev *x, struct mc_err *e)
{
    const char *type = NULL;
    int tr, have;

    x->body = rc->json;
    if (!json_is_object(x->body))
        return err_set(e, ERR_VALIDATION, "the body must be an object");
    if (json_get_str(x->body, "type", 32, 1, &type, e) < 0 ||
        json_get_int(x->body, "expected_version", 1, INT32_MAX, 1, &x->expected, e) < 0)
        return -1;
    tr = dossier_tr_parse(type);
    if (tr < 0 || tr == DOSSIER_TR_SUBMIT || tr == DOSSIER_TR_GUIDE)
        return err_field(e, ERR_VALIDATION, "type", "unknown transition %s", type);
    x->tr = (enum dossier_tr)tr;
    have = json_get_instant(x->body, "occurred_at", 0, &x->at, e);
    if (have < 0)
        return -1;
    if (have == 1 && rc->who.role != ROLE_INTEGRATION)
        return err_field(e, ERR_FORBIDDEN, "occurred_at",
                         "only an integration client may date an event");
    x->at_given = have == 1;
    if (!x->at_given)
        x->at = dossier_now();
    else if (x->at > dossier_now() + FUTURE_SLACK)
        return err_field(e, ERR_FUTURE_TIME, "occurred_at", NULL);
    x->minutes = -1;
    if (json_get_str(x->body, "to_unit", 13, 0, &x->to_unit, e) < 0 ||
        json_get_str(x->body, "step", 200, 0, &x->step, e) < 0 ||
        json_get_bool(x->body, "leg", 0, &x->leg, e) < 0 ||
        json_get_int(x->body, "minutes", 0, DDL_MAX_MINUTES, 0, &x->minutes, e) < 0 ||
        json_get_str(x->body, "official", 63, 0, &x->official, e) < 0 ||
        json_get_str(x->body, "reason", 2000, 0, &x->reason, e) < 0 ||
        json_get_str(x->body, "outcome", 16, 0, &x->outcome, e) < 0 ||
        json_get_str(x->body, "legal_basis", 500, 0, &x->legal_basis, e) < 0 ||
        json_get_str(x->body, "method", 16, 0, &x->method, e) < 0 ||
        json_get_str(x->body, "postal_receipt", 64, 0, &x->postal_receipt, e) < 0 ||
        json_get_instant(x->body, "new_appointment", x->tr == DOSSIER_TR_APOLOGIZE,
                         &x->new_appointment, e) < 0)
        return -1;
    switch (x->tr) {
    case DOSSIER_TR_HAND_OVER:
        if (x->step == NULL)
            return err_field(e, ERR_VALIDATION, "step", "the step (or leg) name is required");
        break;
    case DOSSIER_TR_ASSIGN:
        if (x->official == NULL)
            return err_field(e, ERR_VALIDATION, "official", "the official's login is required");
        break;
    case DOSSIER_TR_REQUEST_SUPPLEMENT:
    case DOSSIER_TR_APOLOGIZE:
    case DOSSIER_TR_REFUSE:
    case DOSSIER_TR_STOP: /* Mẫu 05, the stop notice, states its reason */
        if (x->reason == NULL)
            return err_field(e, ERR_VALIDATION, "reason", "a reason is required");
        break;
    case DOSSIER_TR_RESOLVE:
        if (x->outcome == NULL ||
            (strcmp(x->outcome, "granted") != 0 && strcmp(x->outcome, "refused") != 0))
            return err_field(e, ERR_VALIDATION, "outcome", "granted or refused");
        if (strcmp(x->outcome, "refused") == 0 && x->reason == NULL &&
            json_object_get(x->body, "reasons") == NULL)
            return err_field(e, ERR_VALIDATION, "reason", "a refusal states its reasons");
        break;
    case DOSSIER_TR_RETURN_RESULT:
        if (x->method == NULL ||
            (strcmp(x->method, "counter") != 0 && strcmp(x->method, "post") != 0 &&
             strcmp(x->method, "online") != 0))
            return err_field(e, ERR_VALIDATION, "method", "counter, post or online");
        if (strcmp(x->method, "post") == 0 && x->postal_receipt == NULL)
            return err_field(e, ERR_VALIDATION, "postal_receipt",
                             "a return by post records the postal receipt");
        break;
    default:
        break;
    }
    return 0;
}

static int64_t
col_i64(const PGresult *res, const char *col)
{
    const char *s = dossier_col(res, 0, col);

    return s != NULL ? strtoll(s, NULL, 10) : 0;
}

/* 1 when the version's pause reasons (a text[] literal "{supplement,payment}") include r. */
static int
reason_counted(const char *arr, const char *r)
{
    size_t n = strlen(r);

    if (arr == NULL)
        return 0;
    for (const char *p = strstr(arr, r); p != NULL; p = strstr(p + 1, r))
        if ((p[-1] == '{' || p[-1] == ',') && (p[n] == '}' || p[n] == ','))
            return 1;
    return 0;
}

/* Planned working minutes of a step or leg from the version (steps [{name, minutes}],
   legs [{unit_code, minutes}]); -1 when the version does not say. */
static int64_t
planned_minutes(const PGresult *res, const struct ev *x)
{
    json_t *steps = dossier_col_json(res, 0, x->leg ? "legs" : "steps");
    json_t *it;
    size_t i;
    int64_t m = -1;

    if (json_is_array(steps)) {
        json_array_foreach(steps, i, it)
        {
            const char *key = x->leg ? "unit_code" : "name";
            const char *want = x->leg ? x->to_unit : x->step;
            json_t *v = json_object_get(it, key);

            if (want != NULL && json_is_string(v) && strcmp(json_string_value(v), want) == 0 &&
                json_is_integer(json_object_get(it, "minutes"))) {
                m = json_integer_value(json_object_get(it, "minutes"));
                break;
            }
        }
    }
    json_decref(steps);
    return m;
}

/*
 * 409 VERSION_CONFLICT with the dossier's current state in structured form (issue 5: "a
 * stale one gets 409 and the current state"): the error body of http_reply_error() plus
 * error.current = {state, state_name, version}, so that a client can retry without parsing
 * the detail text.
 */
static void
ev_conflict(struct reqctx *rc, struct ev *x, int state, int version)
{
    json_t *err, *cur;

    rc->err_code = err_name(ERR_VERSION_CONFLICT);
    cur = json_pack("{s:i,s:s,s:i}", "state", state, "state_name",
                    dossier_state_name_vi(state), "version", version);
    err = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:o}", "code", err_name(ERR_VERSION_CONFLICT),
                    "message", err_msg_vi(ERR_VERSION_CONFLICT), "message_en",
                    err_msg_en(ERR_VERSION_CONFLICT), "status", err_status(ERR_VERSION_CONFLICT),
                    "detail", arena_printf(rc->arena, "current version %d, state %d", version,
                                           state),
                    "instance", rc->req_id, "current", cur);
    if (err == NULL) {
        ev_fail_code(rc, x, ERR_VERSION_CONFLICT, "", "%s", "conflict");
        return;
    }
    idem_release_reply_json(rc, x->w.im, err_status(ERR_VERSION_CONFLICT),
                            json_pack("{s:o}", "error", err));
}

/*
 * The dossier row read FOR UPDATE at the start of an event's unit: kept for the request,
 * with its state and version. Replies (not found, version conflict, database error) and
 * returns -1 when the event cannot go on.
 */
static int
ev_locked(struct reqctx *rc, struct ev *x, struct db_result *r, const PGresult **res,
          int *state, int *version)
{
    if (r->err.code != ERR_OK) {
        ev_fail(rc, x, &r->err);
        return -1;
    }
    *res = dossier_keep_result(rc, r->res[0]);
    if (PQntuples(*res) == 0) {
        ev_fail_code(rc, x, ERR_DOSSIER_NOT_FOUND, "code", "%s", rc_param(rc, "code"));
        return -1;
    }
    *state = (int)col_i64(*res, "state");
    *version = (int)col_i64(*res, "version");
    if (*version != x->expected) {
        ev_conflict(rc, x, *state, *version);
        return -1;
    }
    return 0;
}

/*
 * The DSQL_INSERT_EVENT statement of an event of type `type` taking the locked dossier row
 * res from `version` and state `from` to `to`, by the caller (rc->who), from where
 * (request id, client address), with its payload; parameters in x->p_event.
 */
static struct db_stmt
ev_insert_stmt(struct reqctx *rc, struct ev *x, const PGresult *res, int version,
               const char *type, int from, int to, json_t *payload)
{
    x->p_event[0] = x->dossier_id;
    x->p_event[1] = dossier_col(res, 0, "province");
    x->p_event[2] = dossier_i64(rc, version + 1);
    x->p_event[3] = type;
    x->p_event[4] = dossier_i64(rc, from);
    x->p_event[5] = dossier_i64(rc, to);
    x->p_event[6] = dossier_ts(rc, x->at);
    x->p_event[7] = dossier_i64(rc, rc->who.account_id);
    x->p_event[8] = rc->who.login;
    x->p_event[9] = role_name(rc->who.role);
    x->p_event[10] = rc->who.unit_id ? dossier_i64(rc, rc->who.unit_id) : NULL;
    x->p_event[11] = rc->req_id;
    x->p_event[12] = rc->client_addr;
    x->p_event[13] = dossier_json_text(rc, payload);
    x->p_event[14] = dossier_col(res, 0, "code");
    return (struct db_stmt){DSQL_INSERT_EVENT, 15, x->p_event};
}

static void
on_ev_current(struct reqctx *rc, struct db_result *r)
{
    struct ev *x = rc->state;
    struct mc_err e;

    if (r->err.code == ERR_OK && PQntuples(r->res[0]) == 1) {
        ev_conflict(rc, x, atoi(db_val(r->res[0], 0, 0)), atoi(db_val(r->res[0], 0, 1)));
        return;
    }
    err_set(&e, ERR_VERSION_CONFLICT, NULL);
    ev_fail(rc, x, &e);
}

static void
on_ev_written(struct reqctx *rc, struct db_result *r)
{
    struct ev *x = rc->state;

    if (r->err.code != ERR_OK) {
        struct mc_err e = r->err;

        if (strcmp(r->sqlstate, "23505") == 0 && r->failed_stmt == 0) {
            /* Another writer took this seq: tell the caller where the dossier is now. */
            struct db_stmt *s = arena_alloc(rc->arena, sizeof(*s));

            x->p_cur[0] = x->dossier_id;
            *s = (struct db_stmt){DSQL_CURRENT_VERSION, 1, x->p_cur};
            dossier_db(rc, s, 1, on_ev_current);
            return;
        }
        if (strcmp(r->sqlstate, "23503") == 0 || strcmp(r->sqlstate, "23502") == 0)
            err_set(&e, ERR_UNKNOWN_REF, NULL);
        ev_fail(rc, x, &e);
        return;
    }
    if (r->nres >= 2 && strcmp(PQcmdTuples(r->res[1]), "1") != 0) {
        /* Unreachable while seq is unique per dossier; kept as a guard. */
        ev_fail_code(rc, x, ERR_VERSION_CONFLICT, "", "%s", "projection moved");
        return;
    }
    if (x->secret[0] != '\0')
        json_object_set_new(x->w.resp, "lookup_secret", json_string(x->secret));
    http_reply_json(rc, 200, json_incref(x->w.resp));
}

/* Closes an open pause at t: resumes the clock for a counted one (domain.md §6.1). */
static void
resume_pause(struct reqctx *rc, struct ev *x, const struct ddl_axis *ax, const PGresult *res,
             struct proj *p, json_t *payload, int *n)
{
    json_t *open = dossier_col_json(res, 0, "open_pause");
    int64_t since, secs = 0, before = p->legal_due_at;
    int counted;
    const char *reason;

    if (!json_is_object(open)) {
        json_decref(open);
        return;
    }
    since = json_integer_value(json_object_get(open, "requested_at"));
    counted = json_is_true(json_object_get(open, "counted"));
    reason = json_string_value(json_object_get(open, "reason"));
    if (counted && p->legal_due_at != 0) {
        secs = ddl_between(ax, since, x->at);
        if (secs < 0)
            secs = 0;
        p->legal_due_at = ddl_instant(ax, ddl_pos(ax, p->legal_due_at) + secs);
        p->paused_minutes += secs / 60;
        p->paused_since = 0;
    }
    if (reason != NULL && strcmp(reason, "supplement") == 0 && x->at > since)
        p->supplement_seconds += x->at - since; /* wall clock, dvcqg766 (§7.2) */
    x->p_pause_res[0] = x->dossier_id;
    x->p_pause_res[1] = dossier_i64(rc, json_integer_value(json_object_get(open, "n")));
    x->p_pause_res[2] = dossier_ts(rc, x->at);
    x->p_pause_res[3] = counted ? dossier_i64(rc, secs / 60) : NULL;
    /* NgayHenTraMoi is recorded for every resume (§6.1, §10): a pause that does not count
       (a repeat request under single_supplement, a reason the version excludes) repeats the
       unchanged due, so the applicant is told the date did not move. */
    x->p_pause_res[4] = dossier_tsp(rc, p->legal_due_at);
    x->stmts[(*n)++] = (struct db_stmt){DSQL_PAUSE_RESOLVE, 5, x->p_pause_res};
    json_object_set_new(payload, "pause_n", json_integer(json_integer_value(json_object_get(open, "n"))));
    json_object_set_new(payload, "paused_minutes", json_integer(secs / 60));
    json_object_set_new(payload, "due_before", dossier_ts_json(before));
    json_object_set_new(payload, "due_after", dossier_ts_json(p->legal_due_at));
    json_decref(open);
}

static void
close_steps(struct reqctx *rc, struct ev *x, int *n)
{
    x->p_step_close[0] = x->dossier_id;
    x->p_step_close[1] = dossier_ts(rc, x->at);
    x->stmts[(*n)++] = (struct db_stmt){DSQL_STEP_CLOSE, 2, x->p_step_close};
}

static void
on_ev_read(struct reqctx *rc, struct db_result *r)
{
    struct ev *x = rc->state;
    const PGresult *res;
    struct mc_err e;
    const struct ddl_axis *ax;
    struct proj p;
    int from, to, n = 0, version;
    unsigned flags = 0;
    const char *unit_key;
    json_t *payload;
    int64_t last;
    const char *pause_reasons;

    err_clear(&e);
    if (ev_locked(rc, x, r, &res, &from, &version) != 0)
        return;
    unit_key = dossier_col(res, 0, "duration_unit");
    if (unit_key != NULL && strcmp(unit_key, "sameday") == 0)
        flags |= DOSSIER_F_SAMEDAY;
    if (dossier_transition_check_ex(from, x->tr, dossier_roles(rc), flags, &to, &e) != 0) {
        ev_fail(rc, x, &e);
        return;
    }
    /* domain.md §3: the times of one dossier never go backwards. */
    last = col_i64(res, "last_event_at");
    if (x->at < last) {
        if (!x->at_given) {
            x->at = last; /* clock skew between servers: never before the last event */
        } else {
            ev_fail_code(rc, x, ERR_TIME_BACKWARDS, "occurred_at", "%s", dossier_ts(rc, last));
            return;
        }
    }
    ax = dossier_axis(rc->w, &e);
    if (ax == NULL) {
        ev_fail(rc, x, &e);
        return;
    }
    x->dossier_id = dossier_col(res, 0, "id");
    pause_reasons = dossier_col(res, 0, "pause_reasons");

    memset(&p, 0, sizeof(p));
    p.state = to;
    p.version = version + 1;
    p.current_unit_id = col_i64(res, "current_unit_id");
    p.official = dossier_col(res, 0, "current_official");
    p.received_at = col_i64(res, "received_at");
    p.appointment_at = col_i64(res, "appointment_at");
    p.legal_due_at = col_i64(res, "legal_due_at");
    p.new_appointment_at = col_i64(res, "new_appointment_at");
    p.apology_late = strcmp(dossier_col(res, 0, "apology_late"), "t") == 0;
    p.paused_since = col_i64(res, "paused_since");
    p.paused_minutes = col_i64(res, "paused_minutes");
    p.supplement_requests = col_i64(res, "supplement_requests");
    p.supplement_seconds = col_i64(res, "supplement_seconds");
    p.first_supplement_at = col_i64(res, "first_supplement_at");
    p.ended_at = col_i64(res, "ended_at");
    p.end_state = (int)col_i64(res, "end_state");
    p.outcome = dossier_col(res, 0, "outcome");
    p.returned_at = col_i64(res, "returned_at");
    p.version_id = NULL;
    p.duration_value = dossier_col(res, 0, "duration_value");
    p.duration_unit = unit_key;
    p.max_minutes = dossier_col(res, 0, "max_minutes");
    p.has_appointment = strcmp(dossier_col(res, 0, "has_appointment"), "t") == 0;
    p.regime = dossier_col(res, 0, "regime");

    payload = json_deep_copy(x->body);
    json_object_del(payload, "type");
    json_object_del(payload, "expected_version");
    json_object_del(payload, "occurred_at");

    /* Statement 0 is the event (see the file header); its parameters are set below. */
    n = 1;
    switch (x->tr) {
    case DOSSIER_TR_RECEIVE: {
        /* 1 -> 2: the clerk's acceptance starts the clock (§5.1), under the version and the
           regime in force at acceptance, not at the online submission. */
        json_t *v = dossier_col_json(res, 0, "version_then");
        struct ddl_duration dur;
        int64_t appt = 0, due = 0;
        char hash[65];
        const char *dunit, *cname = NULL;
        int dvalue, cutoff;

        if (!json_is_object(v)) {
            json_decref(v);
            json_decref(payload);
            ev_fail_code(rc, x, ERR_PROCEDURE_INVALID, "procedure", "%s",
                         "no version in force on the reception date");
            return;
        }
        if (!dossier_col_true(res, "resolving_valid")) {
            json_decref(v);
            json_decref(payload);
            ev_fail_code(rc, x, ERR_UNIT_INVALID, "resolving_unit", "%s",
                         "the resolving unit is not in force on the reception date");
            return;
        }
        dunit = json_string_value(json_object_get(v, "duration_unit"));
        dvalue = (int)json_integer_value(json_object_get(v, "duration_value"));
        cutoff = json_is_integer(json_object_get(v, "cutoff_minute"))
                     ? (int)json_integer_value(json_object_get(v, "cutoff_minute"))
                     : -1;
        /* §2: the submitted case, under the version in force at acceptance; channel 2 takes
           the case's online duration. A case that version does not list is refused. */
        if (dossier_case_duration(json_object_get(v, "cases"), dossier_col(res, 0, "case_code"),
                                  col_i64(res, "channel"), &dunit, &dvalue, &cutoff, &cname,
                                  &e) != 0) {
            json_decref(v);
            json_decref(payload);
            ev_fail(rc, x, &e);
            return;
        }
        if (dossier_duration(dunit, dvalue, cutoff, &dur, &e) != 0 ||
            dossier_start_clock(ax, x->at, &dur,
                        (int)json_integer_value(json_object_get(v, "max_minutes")), &appt, &due,
                        &e) != 0 ||
            dossier_make_secret(x->secret) != 0) {
            json_decref(v);
            json_decref(payload);
            if (e.code == ERR_OK)
                err_set(&e, ERR_INTERNAL, "no randomness");
            ev_fail(rc, x, &e);
            return;
        }
        dossier_sha256_hex(x->secret, hash);
        p.version_id = dossier_i64(rc, json_integer_value(json_object_get(v, "id")));
        p.duration_value = dossier_i64(rc, dvalue);
        p.duration_unit = arena_strdup(rc->arena, dunit);
        json_object_set_new(payload, "duration",
                            json_pack("{s:i,s:s}", "value", dvalue, "unit", dunit));
        p.max_minutes = json_is_integer(json_object_get(v, "max_minutes"))
                            ? dossier_i64(rc, json_integer_value(json_object_get(v, "max_minutes")))
                            : NULL;
        p.received_at = x->at;
        p.appointment_at = appt;
        p.legal_due_at = due;
        p.has_appointment = dur.unit != DDL_NONE;
        p.lookup_hash = arena_strdup(rc->arena, hash);
        p.regime = dossier_regime_key(x->at);
        json_object_set_new(payload, "appointment_at", dossier_ts_json(appt));
        json_decref(v);
        break;
    }
    case DOSSIER_TR_REFUSE:
        break;
    case DOSSIER_TR_HAND_OVER: {
        int64_t unit = p.current_unit_id, minutes = x->minutes, planned_end = 0;

        if (x->to_unit != NULL) {
            if (dossier_col(res, 0, "to_unit_id") == NULL) {
                json_decref(payload);
                ev_fail_code(rc, x, ERR_UNKNOWN_REF, "to_unit", "%s", x->to_unit);
                return;
            }
            /* domain.md §1: a unit in force on the hand-over date; never a district unit
               for a dossier received from 01/07/2025. */
            if (!dossier_col_true(res, "to_unit_valid")) {
                json_decref(payload);
                ev_fail_code(rc, x, ERR_UNIT_INVALID, "to_unit", "%s", x->to_unit);
                return;
            }
            unit = col_i64(res, "to_unit_id");
        }
        if (minutes < 0)
            minutes = planned_minutes(res, x);
        if (minutes >= 0 && ddl_add_minutes(ax, x->at, minutes, &planned_end, &e) != 0) {
            json_decref(payload);
            ev_fail(rc, x, &e);
            return;
        }
        close_steps(rc, x, &n);
        x->p_step_ins[0] = x->dossier_id;
        x->p_step_ins[1] = dossier_i64(rc, col_i64(res, "nsteps") + 1);
        x->p_step_ins[2] = dossier_col(res, 0, "province");
        x->p_step_ins[3] = x->leg ? "leg" : "step";
        x->p_step_ins[4] = dossier_i64(rc, unit);
        x->p_step_ins[5] = x->step;
        x->p_step_ins[6] = x->leg || unit != p.current_unit_id ? NULL : p.official;
        x->p_step_ins[7] = minutes >= 0 ? dossier_i64(rc, minutes) : NULL;
        x->p_step_ins[8] = dossier_ts(rc, x->at);
        x->p_step_ins[9] = dossier_tsp(rc, planned_end);
        x->stmts[n++] = (struct db_stmt){DSQL_STEP_INSERT, 10, x->p_step_ins};
        if (unit != p.current_unit_id)
            p.official = NULL; /* a new unit assigns its own official */
        p.current_unit_id = unit;
        json_object_set_new(payload, "planned_end_at", dossier_ts_json(planned_end));
        break;
    }
    case DOSSIER_TR_ASSIGN:
        if (strcmp(dossier_col(res, 0, "official_ok"), "0") == 0) {
            json_decref(payload);
            ev_fail_code(rc, x, ERR_UNKNOWN_REF, "official", "%s", x->official);
            return;
        }
        p.official = x->official;
        x->p_step_assign[0] = x->dossier_id;
        x->p_step_assign[1] = x->official;
        x->stmts[n++] = (struct db_stmt){DSQL_STEP_ASSIGN, 2, x->p_step_assign};
        break;
    case DOSSIER_TR_REQUEST_SUPPLEMENT:
    case DOSSIER_TR_REQUEST_PAYMENT: {
        int supp = x->tr == DOSSIER_TR_REQUEST_SUPPLEMENT;
        int repeat = supp && p.supplement_requests >= 1;
        int single = rc->app->cfg != NULL ? rc->app->cfg->single_supplement : 1;
        int counted = reason_counted(pause_reasons, supp ? "supplement" : "payment");
        int was_late;

        /* §6.1 single_supplement: only the first request during processing pauses. */
        if (repeat && single)
            counted = 0;
        if (!p.has_appointment && p.legal_due_at == 0)
            counted = 0;
        was_late = p.legal_due_at != 0 && x->at > p.legal_due_at;
        if (counted)
            p.paused_since = x->at;
        if (supp) {
            p.supplement_requests++;
            if (p.first_supplement_at == 0)
                p.first_supplement_at = x->at;
        }
        x->p_pause_ins[0] = x->dossier_id;
        x->p_pause_ins[1] = dossier_i64(rc, col_i64(res, "npauses") + 1);
        x->p_pause_ins[2] = dossier_col(res, 0, "province");
        x->p_pause_ins[3] = supp ? "supplement" : "payment";
        x->p_pause_ins[4] = dossier_ts(rc, x->at);
        x->p_pause_ins[5] = counted ? "true" : "false";
        x->p_pause_ins[6] = repeat ? "true" : "false";
        x->p_pause_ins[7] = was_late ? "true" : "false";
        x->p_pause_ins[8] = dossier_tsp(rc, p.legal_due_at);
        x->p_pause_ins[9] = dossier_json_text(rc, payload);
        x->stmts[n++] = (struct db_stmt){DSQL_PAUSE_INSERT, 10, x->p_pause_ins};
        json_object_set_new(payload, "counted", json_boolean(counted));
        json_object_set_new(payload, "repeat", json_boolean(repeat));
        break;
    }
    case DOSSIER_TR_RECEIVE_SUPPLEMENT:
    case DOSSIER_TR_PAYMENT_DONE:
        resume_pause(rc, x, ax, res, &p, payload, &n);
        break;
    case DOSSIER_TR_APOLOGIZE: {
        struct ddl_apology ap;
        int64_t due_now = p.legal_due_at;
        int warn_days;

        /* §6.1: while a counted pause is open the legal due keeps moving; the notice
           (§6.3, one working day) and the "later than the due" check use the legal due
           as of the apology, not the one frozen when the pause began. */
        if (p.paused_since != 0 && due_now != 0 && x->at > p.paused_since)
            due_now = ddl_instant(ax, ddl_pos(ax, due_now) + ddl_between(ax, p.paused_since,
                                                                          x->at));
        if (ddl_apology(ax, due_now, x->at, x->new_appointment,
                        p.new_appointment_at != 0, &ap, &e) != 0) {
            json_decref(payload);
            ev_fail(rc, x, &e);
            return;
        }
        p.new_appointment_at = ap.new_appointment;
        p.apology_late = ap.late_notice;
        /* late_notice is the legal test (ND 61 Art. 19(5): dated before the due date);
           short_notice the stricter working-day margin, a warning only (docs/domain.md). */
        warn_days = rc->app->cfg != NULL ? rc->app->cfg->apology_warn_days : 1;
        json_object_set_new(payload, "late_notice", json_boolean(ap.late_notice));
        json_object_set_new(payload, "short_notice",
                            json_boolean(warn_days > 0 &&
                                         ap.notice_secs <
                                             (int64_t)warn_days * DDL_DAY_MINUTES * 60));
        break;
    }
    case DOSSIER_TR_RESOLVE:
    case DOSSIER_TR_REQUEST_WITHDRAWAL:
    case DOSSIER_TR_STOP:
        if (x->tr == DOSSIER_TR_STOP && from != DOSSIER_WITHDRAWAL_REQUESTED &&
            x->legal_basis == NULL) {
            json_decref(payload);
            ev_fail_code(rc, x, ERR_VALIDATION, "legal_basis", "%s",
                         "a stop without a withdrawal request states its legal basis");
            return;
        }
        if (p.paused_since != 0 || from == DOSSIER_SUPPLEMENT_REQUESTED ||
            from == DOSSIER_PAYMENT_REQUESTED)
            resume_pause(rc, x, ax, res, &p, payload, &n);
        close_steps(rc, x, &n);
        /* §7.1: the end is the first of 9, else 8, else 7 (by kind, not by time). */
        p.ended_at = x->at;
        p.end_state = to;
        if (x->tr == DOSSIER_TR_RESOLVE)
            p.outcome = x->outcome;
        break;
    case DOSSIER_TR_RETURN_RESULT:
        p.returned_at = x->at;
        break;
    default:
        break;
    }

    x->stmts[0] = ev_insert_stmt(rc, x, res, version, dossier_tr_name(x->tr), from, to, payload);

    /* The projection goes second: if it guarded nothing the unit still fails as one. */
    {
        struct db_stmt tmp[8];
        int m = 0;

        tmp[m++] = x->stmts[0];
        x->p_proj[0] = x->dossier_id;
        x->p_proj[1] = dossier_i64(rc, version);
        x->p_proj[2] = dossier_i64(rc, p.state);
        x->p_proj[3] = dossier_i64(rc, p.version);
        x->p_proj[4] = dossier_i64(rc, p.current_unit_id);
        x->p_proj[5] = p.official;
        x->p_proj[6] = dossier_tsp(rc, p.received_at);
        x->p_proj[7] = dossier_tsp(rc, p.appointment_at);
        x->p_proj[8] = dossier_tsp(rc, p.legal_due_at);
        x->p_proj[9] = dossier_tsp(rc, p.new_appointment_at);
        x->p_proj[10] = p.apology_late ? "true" : "false";
        x->p_proj[11] = dossier_tsp(rc, p.paused_since);
        x->p_proj[12] = dossier_i64(rc, p.paused_minutes);
        x->p_proj[13] = dossier_i64(rc, p.supplement_requests);
        x->p_proj[14] = dossier_i64(rc, p.supplement_seconds);
        x->p_proj[15] = dossier_tsp(rc, p.first_supplement_at);
        x->p_proj[16] = dossier_tsp(rc, p.ended_at);
        x->p_proj[17] = p.end_state ? dossier_i64(rc, p.end_state) : NULL;
        x->p_proj[18] = p.outcome;
        x->p_proj[19] = dossier_tsp(rc, p.returned_at);
        x->p_proj[20] = p.version_id; /* NULL keeps the version (coalesce in the SQL) */
        x->p_proj[21] = p.duration_value;
        x->p_proj[22] = p.duration_unit;
        x->p_proj[23] = p.has_appointment ? "true" : "false";
        x->p_proj[24] = p.max_minutes;
        x->p_proj[25] = p.lookup_hash;
        x->p_proj[26] = p.regime;
        tmp[m++] = (struct db_stmt){DSQL_UPDATE_PROJECTION, 27, x->p_proj};
        for (int i = 1; i < n; i++)
            tmp[m++] = x->stmts[i];
        memcpy(x->stmts, tmp, sizeof(struct db_stmt) * (size_t)m);
        n = m;
    }

    x->w.resp = json_object();
    json_object_set_new(x->w.resp, "code", json_string(dossier_col(res, 0, "code")));
    json_object_set_new(x->w.resp, "event",
                        json_pack("{s:i,s:s,s:i,s:i,s:o,s:O}", "seq", version + 1, "type",
                                  dossier_tr_name(x->tr), "from_state", from, "to_state", to,
                                  "occurred_at", dossier_ts_json(x->at), "payload", payload));
    json_object_set_new(x->w.resp, "state", json_integer(p.state));
    json_object_set_new(x->w.resp, "state_name", json_string(dossier_state_name_vi(p.state)));
    json_object_set_new(x->w.resp, "version", json_integer(p.version));
    json_object_set_new(x->w.resp, "received_at", dossier_ts_json(p.received_at));
    json_object_set_new(x->w.resp, "appointment_at", dossier_ts_json(p.appointment_at));
    json_object_set_new(x->w.resp, "legal_due_at", dossier_ts_json(p.legal_due_at));
    json_object_set_new(x->w.resp, "new_appointment_at", dossier_ts_json(p.new_appointment_at));
    json_object_set_new(x->w.resp, "paused", json_boolean(p.paused_since != 0));
    json_object_set_new(x->w.resp, "ended_at", dossier_ts_json(p.ended_at));
    json_decref(payload);
    if (x->w.im != NULL) {
        dossier_wreq_store(rc, &x->w, 200, x->secret[0] != '\0', &x->stmts[n++]);
    }
    dossier_db(rc, x->stmts, n, on_ev_written);
}

static struct db_stmt *
ev_read_stmt(struct reqctx *rc, struct ev *x)
{
    struct db_stmt *s = arena_alloc(rc->arena, sizeof(*s));
    char *day = arena_alloc(rc->arena, 16);

    cal_format_date(cal_local_day(x->at), day);
    x->pr[0] = rc_param(rc, "code");
    x->pr[1] = dossier_scope_param(rc);
    x->pr[2] = x->to_unit;
    x->pr[3] = x->official;
    x->pr[4] = day;
    *s = (struct db_stmt){DSQL_FOR_UPDATE, 5, x->pr};
    return s;
}

void
api_dossier_event(struct reqctx *rc)
{
    struct ev *x = arena_alloc(rc->arena, sizeof(*x));
    struct mc_err e;

    rc->state = x;
    err_clear(&e);
    if (parse_event(rc, x, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    /* The dossier read rides in the idempotency claim's unit. */
    dossier_wreq_read(rc, &x->w, ev_read_stmt(rc, x), on_ev_read);
}

/* ---------------------------------------------------------------- lookup secret */

/*
 * POST /api/v1/dossiers/{code}/lookup-secret {expected_version, reason?}: a new lookup
 * secret for an applicant who lost the receipt or whose reception was replayed (a replay
 * never shows the secret: only its hash is kept). One event "reissue_lookup_secret"
 * (state unchanged, no secret and no hash in its payload) and the new hash in the same
 * unit; the old secret stops working. Only a received dossier has a secret (not 1, not 3).
 */
static void
on_reissue_read(struct reqctx *rc, struct db_result *r)
{
    struct ev *x = rc->state;
    const PGresult *res;
    int state, version;
    int64_t last;
    char hash[65];
    json_t *payload;
    int n = 0;

    if (ev_locked(rc, x, r, &res, &state, &version) != 0)
        return;
    if (col_i64(res, "received_at") == 0 || state == DOSSIER_SUBMITTED ||
        state == DOSSIER_NOT_RECEIVED) {
        ev_fail_code(rc, x, ERR_DOSSIER_BAD_STATE, "", "%s",
                     "only a received dossier has a lookup secret");
        return;
    }
    last = col_i64(res, "last_event_at");
    if (x->at < last)
        x->at = last;
    if (dossier_make_secret(x->secret) != 0) {
        ev_fail_code(rc, x, ERR_INTERNAL, "", "%s", "no randomness");
        return;
    }
    dossier_sha256_hex(x->secret, hash);
    x->dossier_id = dossier_col(res, 0, "id");
    payload = json_object();
    if (x->reason != NULL)
        json_object_set_new(payload, "reason", json_string(x->reason));
    x->stmts[n++] =
        ev_insert_stmt(rc, x, res, version, "reissue_lookup_secret", state, state, payload);
    x->p_proj[0] = x->dossier_id;
    x->p_proj[1] = dossier_i64(rc, version);
    x->p_proj[2] = dossier_i64(rc, version + 1);
    x->p_proj[3] = arena_strdup(rc->arena, hash);
    x->stmts[n++] = (struct db_stmt){DSQL_REISSUE_SECRET, 4, x->p_proj};
    x->w.resp = json_object();
    json_object_set_new(x->w.resp, "code", json_string(dossier_col(res, 0, "code")));
    json_object_set_new(x->w.resp, "event",
                        json_pack("{s:i,s:s,s:i,s:i,s:o,s:o}", "seq", version + 1, "type",
                                  "reissue_lookup_secret", "from_state", state, "to_state",
                                  state, "occurred_at", dossier_ts_json(x->at), "payload",
                                  payload));
    json_object_set_new(x->w.resp, "state", json_integer(state));
    json_object_set_new(x->w.resp, "version", json_integer(version + 1));
    if (x->w.im != NULL)
        dossier_wreq_store(rc, &x->w, 200, 1, &x->stmts[n++]);
    dossier_db(rc, x->stmts, n, on_ev_written);
}

void
api_dossier_reissue_secret(struct reqctx *rc)
{
    struct ev *x = arena_alloc(rc->arena, sizeof(*x));
    struct mc_err e;

    rc->state = x;
    err_clear(&e);
    x->body = rc->json;
    if (!json_is_object(x->body)) {
        err_set(&e, ERR_VALIDATION, "the body must be an object");
        http_reply_error(rc, &e);
        return;
    }
    if (json_get_int(x->body, "expected_version", 1, INT32_MAX, 1, &x->expected, &e) < 0 ||
        json_get_str(x->body, "reason", 2000, 0, &x->reason, &e) < 0) {
        http_reply_error(rc, &e);
        return;
    }
    x->at = dossier_now();
    dossier_wreq_read(rc, &x->w, ev_read_stmt(rc, x), on_reissue_read);
}
