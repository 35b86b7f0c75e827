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

#include "api/dossier/dossier.h"
#include "api/dossier/dossier_int.h"
#include "api/dossier/idem.h"
#include "app.h"
#include "core/config.h"
#include "domain/cal.h"
#include "domain/ddl.h"
#include "domain/dfold.h"
#include "domain/dossier.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* ---------------------------------------------------------------- transitions */


struct ev {
    struct dapi_wreq w; /* first member: see dossier_int.h */
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
    const char *pr[FU__N];
    const char *p_event[IEV__N];
    const char *p_proj[PROJ__N];
    const char *p_reissue[REISSUE__N];
    const char *p_pause_ins[PINS__N];
    const char *p_pause_res[PRES__N];
    const char *p_step_close[SCLOSE__N];
    const char *p_step_ins[SINS__N];
    const char *p_step_assign[SASSIGN__N];
    const char *p_cur[CURV__N];
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

/* The optional members of an event body (which ones a transition needs: ev_required). */
static int
ev_fields(struct ev *x, struct mc_err *e)
{
    x->minutes = -1;
    if (jin_get_str(x->body, "to_unit", 13, 0, &x->to_unit, e) < 0 ||
        jin_get_str(x->body, "step", 200, 0, &x->step, e) < 0 ||
        jin_get_bool(x->body, "leg", 0, &x->leg, e) < 0 ||
        jin_get_int(x->body, "minutes", 0, DDL_MAX_MINUTES, 0, &x->minutes, e) < 0 ||
        jin_get_str(x->body, "official", 63, 0, &x->official, e) < 0 ||
        jin_get_str(x->body, "reason", 2000, 0, &x->reason, e) < 0 ||
        jin_get_str(x->body, "outcome", 16, 0, &x->outcome, e) < 0 ||
        jin_get_str(x->body, "legal_basis", 500, 0, &x->legal_basis, e) < 0 ||
        jin_get_str(x->body, "method", 16, 0, &x->method, e) < 0 ||
        jin_get_str(x->body, "postal_receipt", 64, 0, &x->postal_receipt, e) < 0 ||
        jin_get_instant(x->body, "new_appointment", x->tr == DOSSIER_TR_APOLOGIZE,
                         &x->new_appointment, e) < 0)
        return -1;
    return 0;
}

/* The members the transition x->tr cannot do without, and their values. */
static int
ev_required(struct ev *x, struct mc_err *e)
{
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
        if (x->method == NULL || !dapi_return_method_ok(x->method))
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

static int
parse_event(struct reqctx *rc, struct ev *x, struct mc_err *e)
{
    const char *type = NULL;
    int tr, have;

    x->body = rc->json;
    if (!json_is_object(x->body))
        return err_set(e, ERR_VALIDATION, "the body must be an object");
    if (jin_get_str(x->body, "type", 32, 1, &type, e) < 0 ||
        jin_get_int(x->body, "expected_version", 1, INT32_MAX, 1, &x->expected, e) < 0)
        return -1;
    tr = dossier_tr_parse(type);
    if (tr < 0 || tr == DOSSIER_TR_SUBMIT || tr == DOSSIER_TR_GUIDE)
        return err_field(e, ERR_VALIDATION, "type", "unknown transition %s", type);
    x->tr = (enum dossier_tr)tr;
    have = jin_get_instant(x->body, "occurred_at", 0, &x->at, e);
    if (have < 0)
        return -1;
    if (have == 1 && rc->who.role != ROLE_INTEGRATION)
        return err_field(e, ERR_FORBIDDEN, "occurred_at",
                         "only an integration client may date an event");
    x->at_given = have == 1;
    if (!x->at_given)
        x->at = rc->now;
    else if (x->at > rc->now + FUTURE_SLACK)
        return err_field(e, ERR_FUTURE_TIME, "occurred_at", NULL);
    if (ev_fields(x, e) != 0 || ev_required(x, e) != 0)
        return -1;
    return 0;
}

static int64_t
col_i64(const PGresult *res, const char *col)
{
    const char *s = hx_col(res, 0, col);

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
    *res = hx_keep_result(rc, r->res[0]);
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

void
dapi_bind_actor(struct reqctx *rc, const char **v, int64_t at, json_t *payload)
{
    v[ACT_OCCURRED_AT] = hx_ts(rc, at);
    v[ACT_ACCOUNT] = hx_i64(rc, rc->who.account_id);
    v[ACT_LOGIN] = rc->who.login;
    v[ACT_ROLE] = role_name(rc->who.role);
    v[ACT_UNIT] = rc->who.unit_id ? hx_i64(rc, rc->who.unit_id) : NULL;
    v[ACT_REQUEST_ID] = rc->req_id;
    v[ACT_CLIENT] = rc->client_addr;
    v[ACT_PAYLOAD] = hx_json_text(rc, payload);
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
    x->p_event[IEV_DOSSIER] = x->dossier_id;
    x->p_event[IEV_PROVINCE] = hx_col(res, 0, "province");
    x->p_event[IEV_SEQ] = hx_i64(rc, version + 1);
    x->p_event[IEV_TYPE] = type;
    x->p_event[IEV_FROM] = hx_i64(rc, from);
    x->p_event[IEV_TO] = hx_i64(rc, to);
    dapi_bind_actor(rc, x->p_event + IEV_ACTOR, x->at, payload);
    x->p_event[IEV_CODE] = hx_col(res, 0, "code");
    return (struct db_stmt){DSQL_INSERT_EVENT, IEV__N, x->p_event};
}

static void
on_ev_current(struct reqctx *rc, struct db_result *r)
{
    struct ev *x = rc->state;
    struct mc_err e;

    if (r->err.code == ERR_OK && PQntuples(r->res[0]) == 1) {
        ev_conflict(rc, x, (int)col_i64(r->res[0], "state"), (int)col_i64(r->res[0], "version"));
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

            x->p_cur[CURV_DOSSIER] = x->dossier_id;
            *s = (struct db_stmt){DSQL_CURRENT_VERSION, CURV__N, x->p_cur};
            hx_db(rc, s, 1, on_ev_current);
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

/* ---------------------------------------------------------------- the row and the fold */

/* The projection of the locked row (DSQL_FOR_UPDATE). */
static void
row_proj(const PGresult *res, struct dfold_proj *p)
{
    memset(p, 0, sizeof(*p));
    p->state = (int)col_i64(res, "state");
    p->version = (int)col_i64(res, "version");
    p->current_unit_id = col_i64(res, "current_unit_id");
    p->official = hx_col(res, 0, "current_official");
    p->received_at = col_i64(res, "received_at");
    p->appointment_at = col_i64(res, "appointment_at");
    p->legal_due_at = col_i64(res, "legal_due_at");
    p->new_appointment_at = col_i64(res, "new_appointment_at");
    p->apology_late = hx_col_true(res, "apology_late");
    p->paused_since = col_i64(res, "paused_since");
    p->paused_minutes = col_i64(res, "paused_minutes");
    p->supplement_requests = col_i64(res, "supplement_requests");
    p->supplement_seconds = col_i64(res, "supplement_seconds");
    p->first_supplement_at = col_i64(res, "first_supplement_at");
    p->ended_at = col_i64(res, "ended_at");
    p->end_state = (int)col_i64(res, "end_state");
    p->outcome = hx_col(res, 0, "outcome");
    p->returned_at = col_i64(res, "returned_at");
    p->duration_value = hx_col(res, 0, "duration_value") ? col_i64(res, "duration_value") : -1;
    p->duration_unit = hx_col(res, 0, "duration_unit");
    p->max_minutes = col_i64(res, "max_minutes");
    p->has_appointment = hx_col_true(res, "has_appointment");
    p->regime = hx_col(res, 0, "regime");
    p->channel = col_i64(res, "channel");
    p->case_code = hx_col(res, 0, "case_code");
    p->last_event_at = col_i64(res, "last_event_at");
}

/* The open pause {n, reason, counted, requested_at} of the row, if any. */
static void
row_pause(struct reqctx *rc, const PGresult *res, struct dfold_pause *op)
{
    json_t *open = hx_keep_json(rc, hx_col_json(res, 0, "open_pause"));
    const char *reason = json_string_value(json_object_get(open, "reason"));

    memset(op, 0, sizeof(*op));
    op->open = json_is_object(open);
    op->n = json_integer_value(json_object_get(open, "n"));
    op->requested_at = json_integer_value(json_object_get(open, "requested_at"));
    op->counted = json_is_true(json_object_get(open, "counted"));
    op->reason = reason != NULL ? ddl_pause_reason_parse(reason) : -1;
}

/* Steps [{name, minutes}] or legs [{unit_code, minutes}] of the version, in the arena. */
static size_t
row_plans(struct reqctx *rc, const PGresult *res, const char *col, const char *key,
          const struct dfold_plan **out)
{
    json_t *arr = hx_keep_json(rc, hx_col_json(res, 0, col));
    struct dfold_plan *l = arena_calloc(rc->arena, json_array_size(arr) + 1, sizeof(*l));
    json_t *it;
    size_t i, n = 0;

    json_array_foreach(arr, i, it)
    {
        json_t *k = json_object_get(it, key), *m = json_object_get(it, "minutes");

        if (json_is_string(k) && json_is_integer(m))
            l[n++] = (struct dfold_plan){json_string_value(k), json_integer_value(m)};
    }
    *out = l;
    return n;
}

/* The version facts: counted pause reasons, plans, the version in force on the date. */
static void
row_version(struct reqctx *rc, const PGresult *res, struct dfold_version *v)
{
    const char *reasons = hx_col(res, 0, "pause_reasons");
    json_t *then = hx_keep_json(rc, hx_col_json(res, 0, "version_then"));
    json_t *cut = json_object_get(then, "cutoff_minute");
    json_t *mm = json_object_get(then, "max_minutes");

    memset(v, 0, sizeof(*v));
    for (int r = 0; r < DDL_P__COUNT; r++)
        if (reason_counted(reasons, ddl_pause_reason_key((enum ddl_pause_reason)r)))
            v->counted |= 1u << r;
    v->nsteps = row_plans(rc, res, "steps", "name", &v->steps);
    v->nlegs = row_plans(rc, res, "legs", "unit_code", &v->legs);
    v->then_found = json_is_object(then);
    v->then_id = json_integer_value(json_object_get(then, "id"));
    v->then.unit = json_string_value(json_object_get(then, "duration_unit"));
    v->then.value = (int)json_integer_value(json_object_get(then, "duration_value"));
    v->then.cutoff = json_is_integer(cut) ? (int)json_integer_value(cut) : -1;
    v->then.max_minutes = json_is_integer(mm) ? (int)json_integer_value(mm) : 0;
    v->ncases = dapi_cases(rc, json_object_get(then, "cases"), &v->cases);
}

/* The event with the database facts the rules need (unit, official, resolving unit). */
static void
row_event(struct reqctx *rc, const PGresult *res, const struct ev *x, struct dfold_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->tr = x->tr;
    ev->at = x->at;
    ev->at_given = x->at_given;
    ev->roles = hx_roles(rc);
    ev->to_unit = x->to_unit;
    ev->step = x->step;
    ev->official = x->official;
    ev->outcome = x->outcome;
    ev->legal_basis = x->legal_basis;
    ev->leg = x->leg;
    ev->minutes = x->minutes;
    ev->new_appointment = x->new_appointment;
    ev->to_unit_found = hx_col(res, 0, "to_unit_id") != NULL;
    ev->to_unit_valid = hx_col_true(res, "to_unit_valid");
    ev->to_unit_id = col_i64(res, "to_unit_id");
    ev->official_found = strcmp(hx_col(res, 0, "official_ok"), "0") != 0;
    ev->resolving_valid = hx_col_true(res, "resolving_valid");
}

/*
 * The event's payload: the body without type, expected_version and occurred_at, plus the
 * facts the fold records. *pause_detail is the payload as the pause row keeps it (before
 * counted and repeat).
 */
static json_t *
ev_payload(struct reqctx *rc, const struct ev *x, const struct dfold_facts *f,
           const char **pause_detail)
{
    json_t *pl = json_deep_copy(x->body);

    json_object_del(pl, "type");
    json_object_del(pl, "expected_version");
    json_object_del(pl, "occurred_at");
    if (f->set & DFOLD_F_RECEIVE) {
        json_object_set_new(pl, "duration", json_pack("{s:i,s:s}", "value", f->duration_value,
                                                      "unit", f->duration_unit));
        json_object_set_new(pl, "appointment_at", hx_ts_json(f->appointment_at));
    }
    if (f->set & DFOLD_F_PLANNED)
        json_object_set_new(pl, "planned_end_at", hx_ts_json(f->planned_end_at));
    *pause_detail = hx_json_text(rc, pl);
    if (f->set & DFOLD_F_COUNTED) {
        json_object_set_new(pl, "counted", json_boolean(f->counted));
        json_object_set_new(pl, "repeat", json_boolean(f->repeat));
    }
    if (f->set & DFOLD_F_RESUME) {
        json_object_set_new(pl, "pause_n", json_integer(f->pause_n));
        json_object_set_new(pl, "paused_minutes", json_integer(f->paused_minutes));
        json_object_set_new(pl, "due_before", hx_ts_json(f->due_before));
        json_object_set_new(pl, "due_after", hx_ts_json(f->due_after));
    }
    if (f->set & DFOLD_F_NOTICE) {
        json_object_set_new(pl, "late_notice", json_boolean(f->late_notice));
        json_object_set_new(pl, "short_notice", json_boolean(f->short_notice));
    }
    return pl;
}

/* DSQL_UPDATE_PROJECTION of the new projection, guarded by the version read. */
static struct db_stmt
ev_proj_stmt(struct reqctx *rc, struct ev *x, const struct dfold_proj *p, int version,
             const char *hash)
{
    x->p_proj[PROJ_ID] = x->dossier_id;
    x->p_proj[PROJ_EXPECTED] = hx_i64(rc, version);
    x->p_proj[PROJ_STATE] = hx_i64(rc, p->state);
    x->p_proj[PROJ_VERSION] = hx_i64(rc, p->version);
    x->p_proj[PROJ_CURRENT_UNIT] = hx_i64(rc, p->current_unit_id);
    x->p_proj[PROJ_OFFICIAL] = p->official;
    x->p_proj[PROJ_RECEIVED_AT] = hx_tsp(rc, p->received_at);
    x->p_proj[PROJ_APPOINTMENT_AT] = hx_tsp(rc, p->appointment_at);
    x->p_proj[PROJ_LEGAL_DUE_AT] = hx_tsp(rc, p->legal_due_at);
    x->p_proj[PROJ_NEW_APPOINTMENT_AT] = hx_tsp(rc, p->new_appointment_at);
    x->p_proj[PROJ_APOLOGY_LATE] = p->apology_late ? "true" : "false";
    x->p_proj[PROJ_PAUSED_SINCE] = hx_tsp(rc, p->paused_since);
    x->p_proj[PROJ_PAUSED_MINUTES] = hx_i64(rc, p->paused_minutes);
    x->p_proj[PROJ_SUPPLEMENT_REQUESTS] = hx_i64(rc, p->supplement_requests);
    x->p_proj[PROJ_SUPPLEMENT_SECONDS] = hx_i64(rc, p->supplement_seconds);
    x->p_proj[PROJ_FIRST_SUPPLEMENT_AT] = hx_tsp(rc, p->first_supplement_at);
    x->p_proj[PROJ_ENDED_AT] = hx_tsp(rc, p->ended_at);
    x->p_proj[PROJ_END_STATE] = p->end_state ? hx_i64(rc, p->end_state) : NULL;
    x->p_proj[PROJ_OUTCOME] = p->outcome;
    x->p_proj[PROJ_RETURNED_AT] = hx_tsp(rc, p->returned_at);
    x->p_proj[PROJ_VERSION_ID] = p->version_id ? hx_i64(rc, p->version_id) : NULL;
    x->p_proj[PROJ_DURATION_VALUE] = p->duration_value >= 0 ? hx_i64(rc, p->duration_value) : NULL;
    x->p_proj[PROJ_DURATION_UNIT] = p->duration_unit;
    x->p_proj[PROJ_HAS_APPOINTMENT] = p->has_appointment ? "true" : "false";
    x->p_proj[PROJ_MAX_MINUTES] = p->max_minutes > 0 ? hx_i64(rc, p->max_minutes) : NULL;
    x->p_proj[PROJ_SECRET_HASH] = hash;
    x->p_proj[PROJ_REGIME] = p->regime;
    return (struct db_stmt){DSQL_UPDATE_PROJECTION, PROJ__N, x->p_proj};
}

/* The pause and step statements of the fold's effects, from stmts[*n] on, in the order
   the rules produce them (a resume before the steps close, a close before a new step). */
static void
ev_effect_stmts(struct reqctx *rc, struct ev *x, const PGresult *res, const struct dfold_out *o,
                const char *pause_detail, int *n)
{
    const char *at = hx_ts(rc, o->at);

    if (o->pause_resolve.on) {
        x->p_pause_res[PRES_DOSSIER] = x->dossier_id;
        x->p_pause_res[PRES_N] = hx_i64(rc, o->pause_resolve.n);
        x->p_pause_res[PRES_RESOLVED_AT] = at;
        x->p_pause_res[PRES_MINUTES] =
            o->pause_resolve.counted ? hx_i64(rc, o->pause_resolve.minutes) : NULL;
        x->p_pause_res[PRES_DUE_AFTER] = hx_tsp(rc, o->pause_resolve.due_after);
        x->stmts[(*n)++] = (struct db_stmt){DSQL_PAUSE_RESOLVE, PRES__N, x->p_pause_res};
    }
    if (o->close_steps) {
        x->p_step_close[SCLOSE_DOSSIER] = x->dossier_id;
        x->p_step_close[SCLOSE_ENDED_AT] = at;
        x->stmts[(*n)++] = (struct db_stmt){DSQL_STEP_CLOSE, SCLOSE__N, x->p_step_close};
    }
    if (o->step_open.on) {
        x->p_step_ins[SINS_DOSSIER] = x->dossier_id;
        x->p_step_ins[SINS_N] = hx_i64(rc, col_i64(res, "nsteps") + 1);
        x->p_step_ins[SINS_PROVINCE] = hx_col(res, 0, "province");
        x->p_step_ins[SINS_KIND] = o->step_open.leg ? "leg" : "step";
        x->p_step_ins[SINS_UNIT_ID] = hx_i64(rc, o->step_open.unit_id);
        x->p_step_ins[SINS_NAME] = x->step;
        x->p_step_ins[SINS_OFFICIAL] = o->step_open.official;
        x->p_step_ins[SINS_PLANNED_MINUTES] =
            o->step_open.minutes >= 0 ? hx_i64(rc, o->step_open.minutes) : NULL;
        x->p_step_ins[SINS_STARTED_AT] = at;
        x->p_step_ins[SINS_PLANNED_END_AT] = hx_tsp(rc, o->step_open.planned_end);
        x->stmts[(*n)++] = (struct db_stmt){DSQL_STEP_INSERT, SINS__N, x->p_step_ins};
    }
    if (o->assign != NULL) {
        x->p_step_assign[SASSIGN_DOSSIER] = x->dossier_id;
        x->p_step_assign[SASSIGN_OFFICIAL] = o->assign;
        x->stmts[(*n)++] = (struct db_stmt){DSQL_STEP_ASSIGN, SASSIGN__N, x->p_step_assign};
    }
    if (o->pause_open.on) {
        x->p_pause_ins[PINS_DOSSIER] = x->dossier_id;
        x->p_pause_ins[PINS_N] = hx_i64(rc, col_i64(res, "npauses") + 1);
        x->p_pause_ins[PINS_PROVINCE] = hx_col(res, 0, "province");
        x->p_pause_ins[PINS_REASON] =
            ddl_pause_reason_key((enum ddl_pause_reason)o->pause_open.reason);
        x->p_pause_ins[PINS_REQUESTED_AT] = at;
        x->p_pause_ins[PINS_COUNTED] = o->pause_open.counted ? "true" : "false";
        x->p_pause_ins[PINS_REPEAT] = o->pause_open.repeat ? "true" : "false";
        x->p_pause_ins[PINS_WAS_LATE] = o->pause_open.was_late ? "true" : "false";
        x->p_pause_ins[PINS_DUE_BEFORE] = hx_tsp(rc, o->pause_open.due);
        x->p_pause_ins[PINS_DETAIL] = pause_detail;
        x->stmts[(*n)++] = (struct db_stmt){DSQL_PAUSE_INSERT, PINS__N, x->p_pause_ins};
    }
}

/* The reply (and the stored copy) of a transition. */
static void
ev_resp(struct ev *x, const PGresult *res, const struct dfold_out *o, int version,
        json_t *payload)
{
    const struct dfold_proj *p = &o->p;

    x->w.resp = json_object();
    json_object_set_new(x->w.resp, "code", json_string(hx_col(res, 0, "code")));
    json_object_set_new(x->w.resp, "event",
                        json_pack("{s:i,s:s,s:i,s:i,s:o,s:O}", "seq", version + 1, "type",
                                  dossier_tr_name(x->tr), "from_state", o->from, "to_state",
                                  o->to, "occurred_at", hx_ts_json(o->at), "payload",
                                  payload));
    json_object_set_new(x->w.resp, "state", json_integer(p->state));
    json_object_set_new(x->w.resp, "state_name", json_string(dossier_state_name_vi(p->state)));
    json_object_set_new(x->w.resp, "version", json_integer(p->version));
    json_object_set_new(x->w.resp, "received_at", hx_ts_json(p->received_at));
    json_object_set_new(x->w.resp, "appointment_at", hx_ts_json(p->appointment_at));
    json_object_set_new(x->w.resp, "legal_due_at", hx_ts_json(p->legal_due_at));
    json_object_set_new(x->w.resp, "new_appointment_at", hx_ts_json(p->new_appointment_at));
    json_object_set_new(x->w.resp, "paused", json_boolean(p->paused_since != 0));
    json_object_set_new(x->w.resp, "ended_at", hx_ts_json(p->ended_at));
}

/* Runs the fold on the locked row: admission, then the axis, then the rules. */
static int
ev_fold(struct reqctx *rc, struct ev *x, const PGresult *res, struct dfold_out *o,
        struct mc_err *e)
{
    struct dfold_proj p;
    struct dfold_pause open;
    struct dfold_version v;
    struct dfold_event ev;
    struct dfold_policy pol = {1, 1};
    const struct ddl_axis *ax;
    int to;
    int64_t at;

    row_proj(res, &p);
    row_event(rc, res, x, &ev);
    if (dfold_admit(&p, &ev, &to, &at, e) != 0)
        return -1;
    ax = hx_axis(rc->w, e);
    if (ax == NULL)
        return -1;
    row_pause(rc, res, &open);
    row_version(rc, res, &v);
    if (rc->app->cfg != NULL) {
        pol.single_supplement = rc->app->cfg->single_supplement;
        pol.apology_warn_days = rc->app->cfg->apology_warn_days;
    }
    return dfold_apply(&p, &open, &v, &ev, ax, &pol, o, e);
}

static void
on_ev_read(struct reqctx *rc, struct db_result *r)
{
    struct ev *x = rc->state;
    const PGresult *res;
    struct mc_err e;
    struct dfold_out o;
    int from, n, version;
    const char *hash = NULL, *pause_detail;
    json_t *payload;

    err_clear(&e);
    if (ev_locked(rc, x, r, &res, &from, &version) != 0)
        return;
    if (ev_fold(rc, x, res, &o, &e) != 0) {
        ev_fail(rc, x, &e);
        return;
    }
    if (o.new_secret) {
        char *h = arena_alloc(rc->arena, 65);

        if (dapi_make_secret(x->secret) != 0) {
            ev_fail_code(rc, x, ERR_INTERNAL, "", "%s", "no randomness");
            return;
        }
        hx_sha256_hex(x->secret, h);
        hash = h;
    }
    x->at = o.at;
    x->dossier_id = hx_col(res, 0, "id");
    payload = ev_payload(rc, x, &o.facts, &pause_detail);
    /* The event goes first (see the file header), the projection second: if it guarded
       nothing the unit still fails as one. */
    n = 0;
    x->stmts[n++] = ev_insert_stmt(rc, x, res, version, dossier_tr_name(x->tr), o.from, o.to,
                                   payload);
    x->stmts[n++] = ev_proj_stmt(rc, x, &o.p, version, hash);
    ev_effect_stmts(rc, x, res, &o, pause_detail, &n);
    ev_resp(x, res, &o, version, payload);
    json_decref(payload);
    if (x->w.im != NULL)
        dapi_wreq_store(rc, &x->w, 200, x->secret[0] != '\0', &x->stmts[n++]);
    /* Transitions waiting together share a commit, in the order of their dossier (the row
       each updates); a stale version fails its group, whose members then run alone. */
    hx_db_grouped(rc, x->stmts, n, strtoull(x->dossier_id, NULL, 10), on_ev_written);
}

static struct db_stmt *
ev_read_stmt(struct reqctx *rc, struct ev *x)
{
    struct db_stmt *s = arena_alloc(rc->arena, sizeof(*s));
    char *day = arena_alloc(rc->arena, 16);

    cal_format_date(cal_local_day(x->at), day);
    x->pr[FU_CODE] = rc_param(rc, "code");
    x->pr[FU_SCOPE] = hx_scope_param(rc);
    x->pr[FU_TO_UNIT] = x->to_unit;
    x->pr[FU_OFFICIAL] = x->official;
    x->pr[FU_DAY] = day;
    *s = (struct db_stmt){DSQL_FOR_UPDATE, FU__N, x->pr};
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
    dapi_wreq_read(rc, &x->w, ev_read_stmt(rc, x), on_ev_read);
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
    if (dapi_make_secret(x->secret) != 0) {
        ev_fail_code(rc, x, ERR_INTERNAL, "", "%s", "no randomness");
        return;
    }
    hx_sha256_hex(x->secret, hash);
    x->dossier_id = hx_col(res, 0, "id");
    payload = json_object();
    if (x->reason != NULL)
        json_object_set_new(payload, "reason", json_string(x->reason));
    x->stmts[n++] =
        ev_insert_stmt(rc, x, res, version, "reissue_lookup_secret", state, state, payload);
    x->p_reissue[REISSUE_ID] = x->dossier_id;
    x->p_reissue[REISSUE_EXPECTED] = hx_i64(rc, version);
    x->p_reissue[REISSUE_VERSION] = hx_i64(rc, version + 1);
    x->p_reissue[REISSUE_HASH] = arena_strdup(rc->arena, hash);
    x->stmts[n++] = (struct db_stmt){DSQL_REISSUE_SECRET, REISSUE__N, x->p_reissue};
    x->w.resp = json_object();
    json_object_set_new(x->w.resp, "code", json_string(hx_col(res, 0, "code")));
    json_object_set_new(x->w.resp, "event",
                        json_pack("{s:i,s:s,s:i,s:i,s:o,s:o}", "seq", version + 1, "type",
                                  "reissue_lookup_secret", "from_state", state, "to_state",
                                  state, "occurred_at", hx_ts_json(x->at), "payload",
                                  payload));
    json_object_set_new(x->w.resp, "state", json_integer(state));
    json_object_set_new(x->w.resp, "version", json_integer(version + 1));
    if (x->w.im != NULL)
        dapi_wreq_store(rc, &x->w, 200, 1, &x->stmts[n++]);
    hx_db(rc, x->stmts, n, on_ev_written);
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
    if (jin_get_int(x->body, "expected_version", 1, INT32_MAX, 1, &x->expected, &e) < 0 ||
        jin_get_str(x->body, "reason", 2000, 0, &x->reason, &e) < 0) {
        http_reply_error(rc, &e);
        return;
    }
    x->at = rc->now;
    dapi_wreq_read(rc, &x->w, ev_read_stmt(rc, x), on_reissue_read);
}
