/*
 * dossier_read.c - GET /api/v1/dossiers/{code} (state, deadlines, remaining working time,
 * classification now under both rule sets, pauses, steps), .../events (timeline),
 * .../deadline/explain (skipped days and reasons) and GET /api/v1/dossiers (filters,
 * keyset pagination, scope). Unknown and out-of-scope codes both answer 404.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "api/dossier/dossier_int.h"
#include "app.h"
#include "domain/cal.h"
#include "domain/cls.h"
#include "domain/ddl.h"
#include "domain/dfold.h"
#include "domain/dossier.h"
#include "domain/wcal.h"
#include "http/jin.h"
#include "http/reqctx.h"

#define LIST_DEFAULT 50
#define LIST_MAX 500
#define EXPLAIN_CAP 400

static void
ask(struct reqctx *rc, const char *sql, int n, const char **params, hx_db_cb cb)
{
    struct db_stmt *s = arena_alloc(rc->arena, sizeof(*s));

    *s = (struct db_stmt){sql, n, params};
    hx_db(rc, s, 1, cb);
}

static const char **
code_scope(struct reqctx *rc)
{
    const char **p = hx_params(rc, DREAD__N);

    p[DREAD_CODE] = rc_param(rc, "code");
    p[DREAD_SCOPE] = hx_scope_param(rc);
    return p;
}

static int64_t
i64(const PGresult *res, int row, const char *col)
{
    const char *s = hx_col(res, row, col);

    return s != NULL ? strtoll(s, NULL, 10) : 0;
}

/* JSON epoch fields of the aggregated rows -> RFC 3339 (the names listed). */
static void
epochs_to_ts(json_t *arr, const char *const *names)
{
    size_t i;
    json_t *it;

    json_array_foreach(arr, i, it)
    {
        for (const char *const *n = names; *n != NULL; n++) {
            json_t *v = json_object_get(it, *n);

            if (json_is_integer(v))
                json_object_set_new(it, *n, hx_ts_json(json_integer_value(v)));
        }
    }
}

/* Classification at `now` under both rule sets (domain.md §7), from the stored row. */
static json_t *
classify_now(struct reqctx *rc, const struct ddl_axis *ax, const PGresult *res,
             json_t *pauses, int64_t now)
{
    json_t *out = json_object();
    struct cls_dossier d;
    struct cls_pause *cp;
    size_t np = json_array_size(pauses), i;
    int64_t base;
    int state = (int)i64(res, 0, "state");

    if (state == DOSSIER_SUBMITTED || state == DOSSIER_NOT_RECEIVED) {
        json_object_set_new(out, "legal", json_string(cls_class_key(CLS_NOT_COUNTED)));
        json_object_set_new(out, "dvcqg766", json_string(cls_class_key(CLS_NOT_COUNTED)));
        return out;
    }
    cp = arena_calloc(rc->arena, np ? np : 1, sizeof(*cp));
    base = i64(res, 0, "legal_due_at");
    for (i = 0; i < np; i++) {
        json_t *p = json_array_get(pauses, i);
        json_t *s = json_object_get(p, "resolved_at");

        cp[i].requested_at = json_integer_value(json_object_get(p, "requested_at"));
        cp[i].resolved_at = json_is_integer(s) ? json_integer_value(s) : DDL_OPEN;
        cp[i].supplement = strcmp(json_string_value(json_object_get(p, "reason")), "supplement") == 0;
        cp[i].counted = json_is_true(json_object_get(p, "counted"));
        /* Without an appointment cls wants the maximum duration's due before pauses. */
        if (cp[i].counted && json_is_integer(s))
            base = ddl_instant(ax, ddl_pos(ax, base) -
                                       ddl_between(ax, cp[i].requested_at, cp[i].resolved_at));
    }
    memset(&d, 0, sizeof(d));
    d.received_at = i64(res, 0, "received_at");
    d.has_appointment = strcmp(hx_col(res, 0, "has_appointment"), "t") == 0;
    d.appointment = d.has_appointment ? i64(res, 0, "appointment_at") : base;
    d.end_kind = cls_end_of_state((int)i64(res, 0, "end_state"));
    d.end_at = i64(res, 0, "ended_at");
    d.pauses = cp;
    d.npauses = np;
    for (int r = 0; r < 2; r++) {
        struct cls_result cr;
        struct mc_err e;
        enum cls_rules rules = r == 0 ? CLS_LEGAL : CLS_DVCQG766;

        if (cls_classify(ax, rules, &d, now, &cr, &e) == 0)
            json_object_set_new(out, cls_rules_key(rules), json_string(cls_class_key(cr.cls)));
        else
            json_object_set_new(out, cls_rules_key(rules), json_null());
    }
    return out;
}

/* A unit as every dossier route shows it: {code, name}, from the columns <role>_code and
   <role>_name. */
static json_t *
unit_json(const PGresult *res, int row, const char *role)
{
    char c[32], n[32];

    snprintf(c, sizeof(c), "%s_code", role);
    snprintf(n, sizeof(n), "%s_name", role);
    return json_pack("{s:s?,s:s?}", "code", hx_col(res, row, c), "name",
                     hx_col(res, row, n));
}

/*
 * The events the caller may record now: every transition of the domain table allowed from
 * the dossier's state for the caller's role (dossier_transition_check_ex, the check the
 * write path makes), as {type, name}. Clients build their buttons from it; the write path
 * still decides (a concurrent change may have moved the state: 409).
 */
static json_t *
actions_json(struct reqctx *rc, const PGresult *res)
{
    json_t *a = json_array();
    int state = (int)i64(res, 0, "state"), to;
    unsigned flags = dfold_tr_flags(hx_col(res, 0, "duration_unit"));
    struct mc_err e;

    for (int tr = 0; tr < DOSSIER_TR__COUNT; tr++) {
        if (tr == DOSSIER_TR_SUBMIT || tr == DOSSIER_TR_GUIDE)
            continue; /* they create a dossier (or none): POST /dossiers, not an event */
        if (tr == DOSSIER_TR_APOLOGIZE && i64(res, 0, "new_appointment_at") != 0)
            continue; /* one apology per dossier (§6.3): a second is 409 APOLOGY_ALREADY_ISSUED */
        err_clear(&e);
        if (dossier_transition_check_ex(state, (enum dossier_tr)tr, hx_roles(rc), flags, &to,
                                        &e) == 0)
            json_array_append_new(a, json_pack("{s:s,s:s}", "type",
                                               dossier_tr_name((enum dossier_tr)tr), "name",
                                               dossier_tr_label_vi((enum dossier_tr)tr)));
    }
    return a;
}

/* The deadlines of one dossier at `now` (domain.md §5, §6). */
static json_t *
deadlines_json(const struct ddl_axis *ax, const PGresult *res, int64_t now)
{
    json_t *dl;
    int64_t due, paused_since;

    /* Deadlines (domain.md §5, §6): the appointment is never overwritten; legal_due moves
       with counted pauses; the one new appointment does not change legal_due. */
    dl = json_object();
    json_object_set_new(dl, "duration",
                        json_pack("{s:I,s:s?}", "value",
                                  (json_int_t)i64(res, 0, "duration_value"), "unit",
                                  hx_col(res, 0, "duration_unit")));
    json_object_set_new(dl, "has_appointment",
                        json_boolean(strcmp(hx_col(res, 0, "has_appointment"), "t") == 0));
    json_object_set_new(dl, "submitted_at", hx_ts_json(i64(res, 0, "submitted_at")));
    json_object_set_new(dl, "received_at", hx_ts_json(i64(res, 0, "received_at")));
    json_object_set_new(dl, "appointment_at", hx_ts_json(i64(res, 0, "appointment_at")));
    json_object_set_new(dl, "legal_due_at", hx_ts_json(i64(res, 0, "legal_due_at")));
    json_object_set_new(dl, "new_appointment_at",
                        hx_ts_json(i64(res, 0, "new_appointment_at")));
    json_object_set_new(dl, "apology_late_notice",
                        json_boolean(strcmp(hx_col(res, 0, "apology_late"), "t") == 0));
    json_object_set_new(dl, "ended_at", hx_ts_json(i64(res, 0, "ended_at")));
    json_object_set_new(dl, "returned_at", hx_ts_json(i64(res, 0, "returned_at")));
    json_object_set_new(dl, "paused_minutes", json_integer(i64(res, 0, "paused_minutes")));
    paused_since = i64(res, 0, "paused_since");
    json_object_set_new(dl, "paused_since", hx_ts_json(paused_since));
    due = i64(res, 0, "legal_due_at");
    if (due != 0 && i64(res, 0, "ended_at") == 0) {
        /* A running counted pause moves the due as of now (§6.1). */
        due = dfold_due_as_of(ax, due, paused_since, now);
        json_object_set_new(dl, "legal_due_now", hx_ts_json(due));
        json_object_set_new(dl, "remaining_minutes",
                            json_integer(ddl_remaining(ax, due, now) / 60));
    }
    {
        int64_t ends[4] = {i64(res, 0, "appointment_at"), i64(res, 0, "legal_due_at"),
                           i64(res, 0, "new_appointment_at"), due};

        json_object_set_new(dl, "calendar_proposed",
                            json_boolean(dapi_calendar_proposed(
                                ax, i64(res, 0, "received_at"), ends, 4)));
    }
    return dl;
}

/* The dossier row of a DSQL_GET unit, or NULL after replying with the unit's error or
 * DOSSIER_NOT_FOUND (unknown, or out of the caller's scope). */
static const PGresult *
got_dossier(struct reqctx *rc, const struct db_result *r)
{
    if (r->err.code != ERR_OK) {
        http_reply_error(rc, &r->err);
        return NULL;
    }
    if (PQntuples(r->res[0]) == 0) {
        http_reply_err(rc, ERR_DOSSIER_NOT_FOUND, NULL);
        return NULL;
    }
    return r->res[0];
}

static void
on_get(struct reqctx *rc, struct db_result *r)
{
    const PGresult *res;
    const struct ddl_axis *ax;
    struct mc_err e;
    json_t *o, *pauses, *steps;
    int64_t now = rc->now;
    static const char *const PAUSE_TS[] = {"requested_at", "resolved_at", "due_before",
                                           "due_after", NULL};
    static const char *const STEP_TS[] = {"started_at", "planned_end_at", "ended_at", NULL};

    res = got_dossier(rc, r);
    if (res == NULL)
        return;
    ax = hx_axis(rc->w, &e);
    if (ax == NULL) {
        http_reply_error(rc, &e);
        return;
    }
    o = json_object();
    json_object_set_new(o, "code", json_string(hx_col(res, 0, "code")));
    json_object_set_new(o, "external_code",
                        json_boolean(strcmp(hx_col(res, 0, "external_code"), "t") == 0));
    json_object_set_new(o, "state", json_integer(i64(res, 0, "state")));
    json_object_set_new(o, "state_key", json_string(dossier_state_key((int)i64(res, 0, "state"))));
    json_object_set_new(o, "state_name",
                        json_string(dossier_state_name_vi((int)i64(res, 0, "state"))));
    json_object_set_new(o, "version", json_integer(i64(res, 0, "version")));
    json_object_set_new(o, "channel", json_integer(i64(res, 0, "channel")));
    json_object_set_new(o, "regime", json_string(hx_col(res, 0, "regime")));
    json_object_set_new(o, "province", json_string(hx_col(res, 0, "province")));
    json_object_set_new(o, "procedure",
                        json_pack("{s:s?,s:s?,s:I,s:s?,s:s?,s:s?}", "code",
                                  hx_col(res, 0, "procedure_code"), "name",
                                  hx_col(res, 0, "procedure_name"), "version",
                                  (json_int_t)i64(res, 0, "procedure_version"), "case",
                                  hx_col(res, 0, "case_code"), "field_code",
                                  hx_col(res, 0, "field_code"), "field_name",
                                  hx_col(res, 0, "field_name")));
    json_object_set_new(o, "receiving_unit", unit_json(res, 0, "receiving"));
    json_object_set_new(o, "resolving_unit", unit_json(res, 0, "resolving"));
    json_object_set_new(o, "current_unit", unit_json(res, 0, "current"));
    json_object_set_new(o, "current_official",
                        hx_col(res, 0, "current_official")
                            ? json_string(hx_col(res, 0, "current_official"))
                            : json_null());
    json_object_set_new(o, "applicant", hx_col_json(res, 0, "applicant"));
    json_object_set_new(o, "documents", hx_col_json(res, 0, "documents"));
    json_object_set_new(o, "sets", json_integer(i64(res, 0, "sets")));
    json_object_set_new(o, "return_method", json_string(hx_col(res, 0, "return_method")));
    json_object_set_new(o, "outcome", hx_col(res, 0, "outcome")
                                          ? json_string(hx_col(res, 0, "outcome"))
                                          : json_null());

    json_object_set_new(o, "deadlines", deadlines_json(ax, res, now));

    pauses = hx_col_json(res, 0, "pauses");
    json_object_set_new(o, "classification", classify_now(rc, ax, res, pauses, now));
    json_object_set_new(o, "supplement_requests", json_integer(i64(res, 0, "supplement_requests")));
    epochs_to_ts(pauses, PAUSE_TS);
    json_object_set_new(o, "pauses", pauses);
    steps = hx_col_json(res, 0, "steps");
    epochs_to_ts(steps, STEP_TS);
    json_object_set_new(o, "steps", steps);
    json_object_set_new(o, "actions", actions_json(rc, res));
    json_object_set_new(o, "as_of", hx_ts_json(now));
    http_reply_json(rc, 200, o);
}

void
api_dossier_get(struct reqctx *rc)
{
    ask(rc, DSQL_GET, DREAD__N, code_scope(rc), on_get);
}

/* An event of the timeline (DSQL_EVENTS): these keys, then "actor", then the tail. */
static const struct hx_jcol EVENT_HEAD[] = {
    {"id", NULL, HX_TEXT},          {"seq", NULL, HX_INT},
    {"type", NULL, HX_TEXT},        {"from_state", NULL, HX_INT},
    {"to_state", NULL, HX_INT},     {"occurred_at", NULL, HX_TS},
    {"recorded_at", NULL, HX_TS},
};
static const struct hx_jcol EVENT_TAIL[] = {
    {"request_id", NULL, HX_TEXT},
    {"payload", NULL, HX_JSON},
};
enum {
    EVENT_NHEAD = sizeof(EVENT_HEAD) / sizeof(EVENT_HEAD[0]),
    EVENT_NTAIL = sizeof(EVENT_TAIL) / sizeof(EVENT_TAIL[0]),
};

static void
on_events(struct reqctx *rc, struct db_result *r)
{
    const PGresult *res;
    json_t *items;
    int n;

    if (r->err.code != ERR_OK) {
        http_reply_error(rc, &r->err);
        return;
    }
    res = r->res[0];
    n = PQntuples(res);
    if (n == 0) { /* every dossier has its first event: none means unknown or out of scope */
        http_reply_err(rc, ERR_DOSSIER_NOT_FOUND, NULL);
        return;
    }
    items = json_array();
    for (int i = 0; i < n; i++) {
        json_t *ev = hx_row_set(json_object(), res, i, EVENT_HEAD, EVENT_NHEAD);

        json_object_set_new(ev, "actor",
                            json_pack("{s:s?,s:s?,s:s?}", "login",
                                      hx_col(res, i, "actor_login"), "role",
                                      hx_col(res, i, "actor_role"), "unit",
                                      hx_col(res, i, "actor_unit")));
        json_array_append_new(items, hx_row_set(ev, res, i, EVENT_TAIL, EVENT_NTAIL));
    }
    http_reply_json(rc, 200, json_pack("{s:s,s:o,s:n}", "code", rc_param(rc, "code"), "items",
                                       items, "next_cursor"));
}

void
api_dossier_events(struct reqctx *rc)
{
    ask(rc, DSQL_EVENTS, DREAD__N, code_scope(rc), on_events);
}


/* The days skipped, sk[0..n) (at most EXPLAIN_CAP of them), as JSON. */
static json_t *
explain_days(const struct ddl_axis *ax, const struct ddl_skip *sk, size_t n)
{
    json_t *days = json_array();

    for (size_t i = 0; i < n && i < EXPLAIN_CAP; i++) {
        char d[16];
        int wd = cal_weekday(sk[i].day);

        cal_format_date(sk[i].day, d);
        /* The keys of the calendar API (api/calendar/calendar.c days): day, reason + reason_vi; the
           weekday both as a number (0 = Sunday) and as its Vietnamese name. */
        json_array_append_new(days, json_pack("{s:s,s:i,s:s,s:b,s:s,s:s,s:s,s:b}", "day", d,
                                              "weekday", wd, "weekday_name", cal_weekday_vi(wd),
                                              "working", sk[i].working, "reason",
                                              wcal_reason_key(sk[i].reason), "reason_vi",
                                              wcal_reason_vi(sk[i].reason), "note",
                                              sk[i].note ? sk[i].note : "", "proposed",
                                              wcal_is_proposed(ax->cal, sk[i].day)));
    }
    return days;
}

/* The reply of an explanation: the dossier's clock from received to due, the days
 * skipped (n of them, from sk), and whether it stands on a proposal. */
static json_t *
explain_json(const struct ddl_axis *ax, const PGresult *res, int64_t start,
             const struct ddl_skip *sk, size_t n)
{
    int64_t received = i64(res, 0, "received_at");
    int64_t ends[2] = {i64(res, 0, "appointment_at"), i64(res, 0, "legal_due_at")};
    json_t *o = json_object();

    json_object_set_new(o, "code", json_string(hx_col(res, 0, "code")));
    json_object_set_new(o, "duration",
                        json_pack("{s:I,s:s?}", "value",
                                  (json_int_t)i64(res, 0, "duration_value"), "unit",
                                  hx_col(res, 0, "duration_unit")));
    json_object_set_new(o, "received_at", hx_ts_json(received));
    json_object_set_new(o, "clock_start", hx_ts_json(start));
    json_object_set_new(o, "appointment_at", hx_ts_json(ends[0]));
    json_object_set_new(o, "legal_due_at", hx_ts_json(ends[1]));
    json_object_set_new(o, "working_minutes_received_to_due",
                        json_integer(ddl_between(ax, received, ends[1]) / 60));
    json_object_set_new(o, "paused_minutes", json_integer(i64(res, 0, "paused_minutes")));
    json_object_set_new(o, "days", explain_days(ax, sk, n));
    json_object_set_new(o, "days_truncated", json_boolean(n > EXPLAIN_CAP));
    /* the whole explanation: "(dự kiến)" when it stands on a proposal */
    json_object_set_new(o, "calendar_proposed",
                        json_boolean(dapi_calendar_proposed(ax, received, ends, 2)));
    return o;
}

static void
on_explain(struct reqctx *rc, struct db_result *r)
{
    const PGresult *res;
    const struct ddl_axis *ax;
    struct mc_err e;
    struct ddl_skip *sk;
    struct ddl_duration dur;
    size_t n;
    int64_t received, start, due;

    res = got_dossier(rc, r);
    if (res == NULL)
        return;
    received = i64(res, 0, "received_at");
    due = i64(res, 0, "legal_due_at");
    if (received == 0 || due == 0) {
        http_reply_err(rc, ERR_DOSSIER_BAD_STATE, "the dossier has no clock (not received)");
        return;
    }
    ax = hx_axis(rc->w, &e);
    if (ax == NULL || ddl_start(ax, received, &start, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    /* By the dossier's own duration: a calendar-day period lists only the days its end
       moved over, the others every day skipped from the reception day on. */
    if (dapi_duration(hx_col(res, 0, "duration_unit"), (int)i64(res, 0, "duration_value"),
                         -1, &dur, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    sk = arena_calloc(rc->arena, EXPLAIN_CAP, sizeof(*sk));
    n = ddl_explain_due(ax, received, &dur, due, sk, EXPLAIN_CAP);
    http_reply_json(rc, 200, explain_json(ax, res, start, sk, n));
}

void
api_dossier_explain(struct reqctx *rc)
{
    ask(rc, DSQL_GET, DREAD__N, code_scope(rc), on_explain);
}

/* ---------------------------------------------------------------- list */

struct list {
    const char *p[DL__N];
    int64_t limit;
};

/* Opaque cursor: base64url of "<instant text>|<id>". */
static char *
cursor_encode(struct reqctx *rc, const char *k, const char *id)
{
    char *raw = arena_printf(rc->arena, "%s|%s", k, id);
    size_t n = strlen(raw);
    char *out = arena_alloc(rc->arena, 4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)out, (unsigned char *)raw, (int)n);

    for (int i = 0; i < len; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
        else if (out[i] == '=')
            out[i] = '\0';
    }
    return out;
}

static int
cursor_decode(struct reqctx *rc, const char *c, const char **k, const char **id)
{
    size_t n = strlen(c), padded;
    char *in, *out, *bar;
    int len;

    if (n == 0 || n > 200)
        return -1;
    padded = (n + 3) / 4 * 4;
    in = arena_alloc(rc->arena, padded + 1);
    for (size_t i = 0; i < padded; i++) {
        char ch = i < n ? c[i] : '=';

        if (ch == '-')
            ch = '+';
        else if (ch == '_')
            ch = '/';
        in[i] = ch;
    }
    out = arena_alloc(rc->arena, padded);
    len = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)in, (int)padded);
    if (len <= 0)
        return -1;
    out[len] = '\0'; /* EVP_DecodeBlock counts padding bytes as zeros: strlen trims them */
    bar = strchr(out, '|');
    if (bar == NULL || bar == out)
        return -1;
    *bar = '\0';
    for (const char *p = bar + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    if (bar[1] == '\0' || strlen(out) > 40)
        return -1;
    for (const char *p = out; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '-' || *p == ':' || *p == 'T' || *p == 'Z' ||
              *p == '.'))
            return -1;
    *k = out;
    *id = bar + 1;
    return 0;
}

static void
on_list(struct reqctx *rc, struct db_result *r)
{
    struct list *l = rc->state;
    const PGresult *res;
    const struct ddl_axis *ax;
    struct mc_err e;
    int64_t now = rc->now;
    json_t *items;
    int n;
    json_t *next = json_null();

    if (r->err.code != ERR_OK) {
        http_reply_error(rc, &r->err);
        return;
    }
    res = r->res[0];
    n = PQntuples(res);
    ax = hx_axis(rc->w, &e);
    if (ax == NULL) {
        http_reply_error(rc, &e);
        return;
    }
    items = json_array();
    for (int i = 0; i < n && i < l->limit; i++) {
        json_t *o = json_object();
        int st = (int)i64(res, i, "state");
        int64_t due = i64(res, i, "legal_due_at"), paused_since = i64(res, i, "paused_since");

        json_object_set_new(o, "code", json_string(hx_col(res, i, "code")));
        json_object_set_new(o, "state", json_integer(st));
        json_object_set_new(o, "state_name", json_string(dossier_state_name_vi(st)));
        json_object_set_new(o, "version", json_integer(i64(res, i, "version")));
        json_object_set_new(o, "channel", json_integer(i64(res, i, "channel")));
        json_object_set_new(o, "applicant_name", hx_col(res, i, "applicant_name")
                                                     ? json_string(hx_col(res, i, "applicant_name"))
                                                     : json_null());
        json_object_set_new(o, "procedure", json_pack("{s:s?,s:s?}", "code",
                                                      hx_col(res, i, "procedure_code"),
                                                      "name", hx_col(res, i, "procedure_name")));
        /* {code, name}, as GET /api/v1/dossiers/{code} (names joined in DSQL_LIST). */
        json_object_set_new(o, "receiving_unit", unit_json(res, i, "receiving"));
        json_object_set_new(o, "resolving_unit", unit_json(res, i, "resolving"));
        json_object_set_new(o, "current_unit", unit_json(res, i, "current"));
        json_object_set_new(o, "received_at", hx_ts_json(i64(res, i, "received_at")));
        json_object_set_new(o, "appointment_at", hx_ts_json(i64(res, i, "appointment_at")));
        json_object_set_new(o, "legal_due_at", hx_ts_json(i64(res, i, "legal_due_at")));
        json_object_set_new(o, "new_appointment_at",
                            hx_ts_json(i64(res, i, "new_appointment_at")));
        json_object_set_new(o, "ended_at", hx_ts_json(i64(res, i, "ended_at")));
        json_object_set_new(o, "class", json_string(hx_col(res, i, "class")));
        /* As GET one dossier: a running counted pause moves the due as of now; the working
           time left (negative when overdue), for queues sorted by urgency. */
        json_object_set_new(o, "paused", json_boolean(paused_since != 0));
        if (due != 0 && i64(res, i, "ended_at") == 0) {
            due = dfold_due_as_of(ax, due, paused_since, now);
            json_object_set_new(o, "remaining_minutes",
                                json_integer(ddl_remaining(ax, due, now) / 60));
        } else {
            json_object_set_new(o, "remaining_minutes", json_null());
        }
        json_array_append_new(items, o);
    }
    if (n > l->limit && l->limit > 0)
        next = json_string(cursor_encode(rc, hx_col(res, (int)l->limit - 1, "k_text"),
                                         hx_col(res, (int)l->limit - 1, "id")));
    http_reply_json(rc, 200, json_pack("{s:o,s:o,s:s}", "items", items, "next_cursor", next,
                                       "class_rules", "legal"));
}

/* A query parameter that must be a date "YYYY-MM-DD"; NULL when absent. */
static int
q_date(struct reqctx *rc, const char *name, const char **out)
{
    const char *v = rc_query(rc, name);
    int32_t d;

    *out = NULL;
    if (v == NULL || v[0] == '\0')
        return 0;
    if (cal_parse_date(v, strlen(v), &d) != 0) {
        http_reply_err(rc, ERR_BAD_QUERY, "%s: YYYY-MM-DD", name);
        return -1;
    }
    *out = v;
    return 0;
}

/* Filters channel, state, class and the date ranges (DL_CHANNEL .. DL_ENDED_TO) into l->p;
   replies and returns -1 on a bad one. */
static int
list_filters(struct reqctx *rc, struct list *l)
{
    const char *v;
    static const char *const CLASSES[] = {"early", "on_time", "late", "in_time", "overdue",
                                          "not_counted", NULL};
    /* In the order of DL_RECEIVED_FROM .. DL_ENDED_TO. */
    static const char *const DATES[] = {"received_from", "received_to", "due_from", "due_to",
                                        "ended_from", "ended_to", NULL};

    v = rc_query(rc, "channel");
    if (v != NULL) {
        if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0 && strcmp(v, "3") != 0) {
            http_reply_err(rc, ERR_BAD_QUERY, "channel: 1, 2 or 3");
            return -1;
        }
        l->p[DL_CHANNEL] = v;
    }
    v = rc_query(rc, "state");
    if (v != NULL) {
        char *end;
        long s = strtol(v, &end, 10);

        if (*v != '\0' && *end == '\0' && s >= 1 && s <= DOSSIER_STATE_MAX)
            l->p[DL_STATE] = v;
        else if (dossier_state_parse(v) >= 1)
            l->p[DL_STATE] = arena_printf(rc->arena, "%d", dossier_state_parse(v));
        else {
            http_reply_err(rc, ERR_BAD_QUERY, "state: 1..10 or a state key");
            return -1;
        }
    }
    v = rc_query(rc, "class");
    if (v != NULL) {
        int ok = 0;

        for (const char *const *c = CLASSES; *c; c++)
            ok |= strcmp(*c, v) == 0;
        if (!ok) {
            http_reply_err(rc, ERR_BAD_QUERY, "class: early, on_time, late, in_time, overdue");
            return -1;
        }
        l->p[DL_CLASS] = v;
    }
    for (int i = 0; DATES[i] != NULL; i++)
        if (q_date(rc, DATES[i], &l->p[DL_RECEIVED_FROM + i]) != 0)
            return -1;
    return 0;
}

void
api_dossier_list(struct reqctx *rc)
{
    struct list *l = arena_alloc(rc->arena, sizeof(*l));
    const char *v;

    rc->state = l;
    l->limit = LIST_DEFAULT;
    v = rc_query(rc, "limit");
    if (v != NULL) {
        char *end;
        long n = strtol(v, &end, 10);

        if (*v == '\0' || *end != '\0' || n < 1 || n > LIST_MAX) {
            http_reply_err(rc, ERR_BAD_QUERY, "limit: 1..%d", LIST_MAX);
            return;
        }
        l->limit = n;
    }
    l->p[DL_SCOPE] = hx_scope_param(rc);
    l->p[DL_UNIT] = rc_query(rc, "unit");
    v = rc_query(rc, "include_sub_units");
    l->p[DL_SUB_UNITS] = v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) ? "true" : "false";
    l->p[DL_PROCEDURE] = rc_query(rc, "procedure");
    l->p[DL_FIELD] = rc_query(rc, "field");
    if (list_filters(rc, l) != 0)
        return;
    v = rc_query(rc, "q");
    if (v != NULL && v[0] != '\0') {
        char *f = jin_fold_text(rc->arena, v), *o;

        if (f == NULL) {
            http_reply_err(rc, ERR_BAD_UTF8, "q");
            return;
        }
        /* LIKE wildcards typed by the user are literal text, not patterns: drop them. */
        o = f;
        for (char *p = f; *p; p++)
            if (*p != '%' && *p != '_' && *p != '\\')
                *o++ = *p;
        *o = '\0';
        if (f[0] != '\0')
            l->p[DL_Q] = f;
    }
    v = rc_query(rc, "cursor");
    if (v != NULL) {
        if (cursor_decode(rc, v, &l->p[DL_CURSOR_K], &l->p[DL_CURSOR_ID]) != 0) {
            http_reply_err(rc, ERR_BAD_QUERY, "cursor");
            return;
        }
    }
    l->p[DL_LIMIT] = arena_printf(rc->arena, "%lld", (long long)l->limit + 1);
    l->p[DL_NOW] = hx_ts(rc, rc->now);
    ask(rc, DSQL_LIST, DL__N, l->p, on_list);
}
