/*
 * calendar_fix.c - corrections of CLOSED dossiers after a late calendar announcement
 * (API_CALENDAR_FIX_ROUTES; domain.md §4.5, docs/domain.md "Corrections of closed dossiers").
 *
 * A calendar change re-projects open dossiers (dapi_reproject_calendar) but never
 * touches finished ones. When a change (e.g. the 2026 New Year swap, CV 12729/VPCP-KGVX of
 * 25/12/2025, which arrived a week before it applied) would have given a closed dossier
 * another appointment, a supervisor sees it here:
 *
 *   GET  /api/v1/calendar/corrections?from=&to=[&format=csv]   supervisor, admin (scope)
 *        every closed dossier whose window (reception .. stored legal due) crosses
 *        [from, to] and whose class under either rule set would change when the
 *        appointment and the legal due are recomputed on the current calendar from its
 *        reception, duration and pause ledger (dapi_start_clock, ddl_*, cls_classify);
 *   POST /api/v1/calendar/corrections/apply {codes:[...]}       admin, Idempotency-Key
 *        applies the recomputation to the chosen closed dossiers in ONE unit: per dossier
 *        an event "calendar_corrected" with before/after in its payload (the keys the
 *        as-of reports read: appointment_before/after, legal_due_before/after) and the
 *        row's appointment_at / legal_due_at, guarded by its version; one audit_log row
 *        (action calendar.correction.apply). The report summaries follow through the
 *        report_dossier trigger of sql/020_report.sql. A dossier already corrected has
 *        nothing to change: applying twice changes nothing the second time.
 */
#include "api/common/common.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "api/dossier/dossier_int.h"
#include "api/dossier/idem.h"
#include "app.h"
#include "core/arena.h"
#include "domain/cal.h"
#include "domain/cls.h"
#include "domain/ddl.h"
#include "domain/dossier.h"
#include "domain/role.h"
#include "domain/wcal.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* Most codes one apply takes (one unit: two statements a dossier). */
#define FIX_MAX_CODES 500

/*
 * Closed dossiers with what the recomputation needs; instants in whole seconds (floor).
 */
enum { CFS_FROM /* day; NULL with CFS_TO: no window */, CFS_TO, CFS_CODES /* JSON; NULL: all */,
       CFS_SCOPE /* scope root; NULL: everything */, CFS__N };
static const char FIX_SELECT_SQL[] =
    "SELECT d.id, d.code, d.province, d.state, d.version, d.duration_value, d.duration_unit,"
    " d.max_minutes, d.has_appointment, d.end_state,"
    DSQL_CUTOFF_MINUTE ","
    " floor(extract(epoch FROM d.received_at))::bigint AS received_at,"
    " floor(extract(epoch FROM d.appointment_at))::bigint AS appointment_at,"
    " floor(extract(epoch FROM d.legal_due_at))::bigint AS legal_due_at,"
    " floor(extract(epoch FROM d.ended_at))::bigint AS ended_at,"
    " (SELECT coalesce(json_agg(json_build_array(dp.reason,"
    "   floor(extract(epoch FROM dp.requested_at))::bigint,"
    "   floor(extract(epoch FROM dp.resolved_at))::bigint, dp.counted) ORDER BY dp.n), '[]')"
    "  FROM dossier_pause dp WHERE dp.dossier_id = d.id)::text AS pauses"
    " FROM dossier d JOIN procedure_version pv ON pv.id = d.procedure_version_id"
    " WHERE d.ended_at IS NOT NULL AND d.received_at IS NOT NULL AND d.state NOT IN (1, 3)"
    "  AND ($1::date IS NULL"
    "   OR ((d.legal_due_at + interval '7 hours') AT TIME ZONE 'UTC')::date >= $1::date)"
    "  AND ($2::date IS NULL"
    "   OR ((d.received_at + interval '7 hours') AT TIME ZONE 'UTC')::date <= $2::date)"
    "  AND ($3::jsonb IS NULL OR d.code IN (SELECT jsonb_array_elements_text($3::jsonb)))"
    "  AND ($4::bigint IS NULL OR unit_in_scope($4::bigint, d.receiving_unit_id)"
    "   OR unit_in_scope($4::bigint, d.resolving_unit_id))"
    " ORDER BY d.ended_at, d.id";

/* The event's occurred_at is the request's now (CFE_NOW, rc->now), never PostgreSQL's now(). */
enum { CFE_DOSSIER, CFE_PROVINCE, CFE_SEQ, CFE_STATE /* from and to */, CFE_ACCOUNT, CFE_LOGIN,
       CFE_REQUEST, CFE_ADDR, CFE_PAYLOAD, CFE_AGGREGATE /* the dossier code */, CFE_NOW, CFE__N };
static const char FIX_EVENT_SQL[] =
    "INSERT INTO dossier_event (dossier_id, province, seq, type, from_state, to_state,"
    " occurred_at, actor_account_id, actor_login, actor_role, request_id, client_addr,"
    " payload, aggregateid)"
    " VALUES ($1::bigint, $2, $3::int, 'calendar_corrected', $4::smallint, $4::smallint,"
    " $11::timestamptz, $5::bigint, $6, 'admin', $7, $8, $9::jsonb, $10)";

/* Guarded by the version: a dossier that changed meanwhile already holds event seq
   version + 1, so the event insert fails first (23505) and the whole unit rolls back.
   updated_at stays on the database's clock on purpose: it is the DVCQG dossier feed's
   keyset, which must hold the writing transaction's start (the horizon of api/integration/dvcqg.c),
   as every other writer of a dossier (api/dossier/dossier_sql.c) leaves it. */
enum { CFU_DOSSIER, CFU_VERSION /* as read */, CFU_APPOINTMENT, CFU_LEGAL_DUE, CFU__N };
static const char FIX_UPDATE_SQL[] =
    "UPDATE dossier SET appointment_at = $3::timestamptz, legal_due_at = $4::timestamptz,"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::bigint AND version = $2::int AND ended_at IS NOT NULL";

enum { CFA_ACCOUNT, CFA_LOGIN, CFA_TARGET, CFA_ADDR, CFA_REQUEST, CFA_DETAIL, CFA__N };
static const char FIX_AUDIT_SQL[] =
    "INSERT INTO audit_log (account_id, login, action, target, outcome, client_addr, request_id,"
    " detail) VALUES ($1::bigint, $2, 'calendar.correction.apply', $3, 'ok', $4, $5, $6::jsonb)";

/* One closed dossier, before and after the recomputation. */
struct fix {
    const char *code;
    int64_t received, ended;
    int64_t appt_before, appt_after, due_before, due_after;
    enum cls_class legal_before, legal_after, v766_before, v766_after;
};

static int64_t
col_i64(const PGresult *res, int i, const char *col)
{
    const char *v = db_val(res, i, db_col(res, col));

    return v != NULL && v[0] != '\0' ? strtoll(v, NULL, 10) : 0;
}

/* Legal and dvcqg766 classes at the end, with appointment (or, without one, the due before
   the pauses) `appt`. -1 when the description is inconsistent. */
static int
classify(const struct ddl_axis *ax, const struct cls_dossier *base, int64_t appt,
         enum cls_class *legal, enum cls_class *v766)
{
    struct cls_dossier d = *base;
    struct cls_result r;
    struct mc_err e;

    d.appointment = appt;
    if (cls_classify(ax, CLS_LEGAL, &d, d.end_at, &r, &e) != 0)
        return -1;
    *legal = r.cls;
    if (cls_classify(ax, CLS_DVCQG766, &d, d.end_at, &r, &e) != 0)
        return -1;
    *v766 = r.cls;
    return 0;
}

/*
 * Recomputes row i on the current calendar (ax): the reception's clock (same-day cut-off,
 * roll to the next session, duration: dapi_start_clock), then each counted, resolved
 * pause moves the due by its working time (domain.md §6.1, as dossier_reproject.c).
 * Returns 1 when the appointment or the due would change, 0 when not, -1 when the row
 * cannot be recomputed (left out).
 */
static int
fix_row(struct reqctx *rc, const struct ddl_axis *ax, const PGresult *res, int i, struct fix *f)
{
    struct ddl_duration dur;
    struct mc_err e;
    const char *cut = db_val(res, i, db_col(res, "cutoff_minute"));
    const char *mm = db_val(res, i, db_col(res, "max_minutes"));
    int has_appt = strcmp(db_val(res, i, db_col(res, "has_appointment")), "t") == 0;
    json_t *pauses = json_loads(db_val(res, i, db_col(res, "pauses")), 0, NULL);
    size_t np = json_array_size(pauses), k;
    struct cls_pause *cp = arena_calloc(rc->arena, np ? np : 1, sizeof(*cp));
    struct cls_dossier d;
    int64_t appt = 0, due = 0, base_before, base_after;
    int rcode = -1;

    memset(f, 0, sizeof(*f));
    f->code = arena_strdup(rc->arena, db_val(res, i, db_col(res, "code")));
    f->received = col_i64(res, i, "received_at");
    f->ended = col_i64(res, i, "ended_at");
    f->appt_before = col_i64(res, i, "appointment_at");
    f->due_before = col_i64(res, i, "legal_due_at");
    if (dapi_duration(db_val(res, i, db_col(res, "duration_unit")),
                         atoi(db_val(res, i, db_col(res, "duration_value"))),
                         cut[0] ? atoi(cut) : -1, &dur, &e) != 0 ||
        dapi_start_clock(ax, f->received, &dur, mm[0] ? atoi(mm) : 0, &appt, &due, &e) != 0)
        goto out;
    base_before = f->due_before;
    base_after = due;
    for (k = 0; k < np; k++) {
        json_t *p = json_array_get(pauses, k);
        json_t *s = json_array_get(p, 2);
        const char *why = json_string_value(json_array_get(p, 0));

        cp[k].requested_at = json_integer_value(json_array_get(p, 1));
        cp[k].resolved_at = json_is_integer(s) ? json_integer_value(s) : DDL_OPEN;
        cp[k].supplement = why != NULL && strcmp(why, "supplement") == 0;
        cp[k].counted = json_is_true(json_array_get(p, 3));
        if (cp[k].counted && json_is_integer(s)) {
            int64_t w = ddl_between(ax, cp[k].requested_at, cp[k].resolved_at);

            due = ddl_instant(ax, ddl_pos(ax, due) + w);
            base_before = ddl_instant(ax, ddl_pos(ax, base_before) - w);
        }
    }
    f->appt_after = appt;
    f->due_after = due;
    memset(&d, 0, sizeof(d));
    d.received_at = f->received;
    d.has_appointment = has_appt;
    d.end_kind = cls_end_of_state(atoi(db_val(res, i, db_col(res, "end_state"))));
    d.end_at = f->ended;
    d.pauses = cp;
    d.npauses = np;
    if (classify(ax, &d, has_appt ? f->appt_before : base_before, &f->legal_before,
                 &f->v766_before) != 0 ||
        classify(ax, &d, has_appt ? f->appt_after : base_after, &f->legal_after,
                 &f->v766_after) != 0)
        goto out;
    rcode = f->appt_after != f->appt_before || f->due_after != f->due_before;
out:
    json_decref(pauses);
    return rcode;
}

static int
class_changes(const struct fix *f)
{
    return f->legal_before != f->legal_after || f->v766_before != f->v766_after;
}

static json_t *
fix_json(const struct fix *f)
{
    json_t *o = json_object();

    json_object_set_new(o, "code", json_string(f->code));
    json_object_set_new(o, "received_at", hx_ts_json(f->received));
    json_object_set_new(o, "ended_at", hx_ts_json(f->ended));
    json_object_set_new(o, "appointment_before", hx_ts_json(f->appt_before));
    json_object_set_new(o, "appointment_after", hx_ts_json(f->appt_after));
    json_object_set_new(o, "legal_due_before", hx_ts_json(f->due_before));
    json_object_set_new(o, "legal_due_after", hx_ts_json(f->due_after));
    json_object_set_new(o, "legal_before", json_string(cls_class_key(f->legal_before)));
    json_object_set_new(o, "legal_after", json_string(cls_class_key(f->legal_after)));
    json_object_set_new(o, "dvcqg766_before", json_string(cls_class_key(f->v766_before)));
    json_object_set_new(o, "dvcqg766_after", json_string(cls_class_key(f->v766_after)));
    return o;
}

/* ---- GET /api/v1/calendar/corrections ------------------------------------------------- */

struct list_state {
    const char *from, *to;
    int csv;
    const char *p[CFS__N];
};

static void
csv_ts(struct evbuffer *b, int64_t t)
{
    char s[32];

    if (t != 0) {
        cal_format_instant(t, s);
        evbuffer_add_printf(b, "%s", s);
    }
}

static void
on_list(struct reqctx *rc, struct db_result *r)
{
    struct list_state *s = rc->state;
    const struct ddl_axis *ax;
    struct mc_err e;
    const PGresult *res;
    json_t *items, *o;
    struct evbuffer *b = NULL;

    if (r->err.code != ERR_OK) {
        http_reply_error(rc, &r->err);
        return;
    }
    ax = hx_axis(rc->w, &e);
    if (ax == NULL) {
        http_reply_error(rc, &e);
        return;
    }
    res = r->res[0];
    items = json_array();
    if (s->csv) {
        b = evbuffer_new();
        evbuffer_add_printf(b, "code,received_at,ended_at,appointment_before,appointment_after,"
                               "legal_due_before,legal_due_after,legal_before,legal_after,"
                               "dvcqg766_before,dvcqg766_after\r\n");
    }
    for (int i = 0; i < PQntuples(res); i++) {
        struct fix f;

        if (fix_row(rc, ax, res, i, &f) != 1 || !class_changes(&f))
            continue;
        if (b != NULL) {
            /* dossier codes hold no comma or quote (domain.md §9) */
            evbuffer_add_printf(b, "%s,", f.code);
            csv_ts(b, f.received);
            evbuffer_add(b, ",", 1);
            csv_ts(b, f.ended);
            evbuffer_add(b, ",", 1);
            csv_ts(b, f.appt_before);
            evbuffer_add(b, ",", 1);
            csv_ts(b, f.appt_after);
            evbuffer_add(b, ",", 1);
            csv_ts(b, f.due_before);
            evbuffer_add(b, ",", 1);
            csv_ts(b, f.due_after);
            evbuffer_add_printf(b, ",%s,%s,%s,%s\r\n", cls_class_key(f.legal_before),
                                cls_class_key(f.legal_after), cls_class_key(f.v766_before),
                                cls_class_key(f.v766_after));
        } else {
            json_array_append_new(items, fix_json(&f));
        }
    }
    if (b != NULL) {
        size_t len = evbuffer_get_length(b);
        char *csv = arena_alloc(rc->arena, len + 1);

        evbuffer_remove(b, csv, len);
        csv[len] = '\0';
        evbuffer_free(b);
        json_decref(items);
        http_reply_data(rc, 200, "text/csv; charset=utf-8", csv, len, "calendar-corrections.csv");
        return;
    }
    o = json_object();
    json_object_set_new(o, "from", json_string(s->from));
    json_object_set_new(o, "to", json_string(s->to));
    json_object_set_new(o, "count", json_integer((json_int_t)json_array_size(items)));
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "next_cursor", json_null());
    http_reply_json(rc, 200, o);
}

/* ?name=YYYY-MM-DD into *out (arena text), dflt when absent. */
static int
query_day(struct reqctx *rc, const char *name, const char *dflt, const char **out, int32_t *day,
          struct mc_err *e)
{
    const char *v = rc_query(rc, name);

    if (v == NULL || v[0] == '\0')
        v = dflt;
    if (cal_parse_date(v, strlen(v), day) != 0)
        return err_field(e, ERR_BAD_QUERY, name, "%s is YYYY-MM-DD", name);
    *out = v;
    return 0;
}

static void
api_calendar_corrections(struct reqctx *rc)
{
    struct list_state *s = arena_calloc(rc->arena, 1, sizeof(*s));
    const char *fmt = rc_query(rc, "format"), *accept = rc_header(rc, "Accept");
    int year = cal_date_of(cal_local_day(rc->now)).year;
    int32_t from, to;
    struct mc_err e;

    err_clear(&e);
    if (query_day(rc, "from", arena_printf(rc->arena, "%d-01-01", year), &s->from, &from, &e) !=
            0 ||
        query_day(rc, "to", arena_printf(rc->arena, "%d-12-31", year), &s->to, &to, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (to < from || to - from > 366) {
        err_field(&e, ERR_BAD_QUERY, "to", "to is on or after from, at most 366 days later");
        http_reply_error(rc, &e);
        return;
    }
    if (fmt == NULL && accept != NULL && strstr(accept, "text/csv") != NULL)
        fmt = "csv";
    if (fmt != NULL && strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0) {
        http_reply_err(rc, ERR_NOT_ACCEPTABLE, "format is json or csv");
        return;
    }
    s->csv = fmt != NULL && strcmp(fmt, "csv") == 0;
    s->p[CFS_FROM] = s->from;
    s->p[CFS_TO] = s->to;
    s->p[CFS_CODES] = NULL;
    s->p[CFS_SCOPE] = hx_scope_param(rc);
    rc->state = s;
    api_db1(rc, FIX_SELECT_SQL, CFS__N, s->p, on_list);
}

/* ---- POST /api/v1/calendar/corrections/apply ------------------------------------------ */

struct apply_state {
    struct idem *im;
    const char *codes_json;
    json_t *codes;
    const char *sel[CFS__N];
    struct db_stmt read;
    json_t *resp;
    int status;
};

static void
free_json(void *p)
{
    json_decref(p);
}

static void
on_applied(struct reqctx *rc, struct db_result *r)
{
    struct apply_state *s = rc->state;

    if (r->err.code != ERR_OK) {
        struct mc_err e = r->err;

        if (strcmp(r->sqlstate, "23505") == 0)
            err_set(&e, ERR_VERSION_CONFLICT, "a dossier changed meanwhile: list again");
        idem_release_reply_error(rc, s->im, &e);
        return;
    }
    http_reply_json(rc, s->status, json_incref(s->resp));
}

/* The codes asked for that no row of res (FIX_SELECT_SQL) carries, as a new array. */
static json_t *
missing_codes(json_t *codes, const PGresult *res)
{
    json_t *missing = json_array(), *cv;
    int n = PQntuples(res), c = db_col(res, "code");
    size_t ci;

    json_array_foreach(codes, ci, cv)
    {
        int found = 0;

        for (int i = 0; i < n && !found; i++)
            found = strcmp(db_val(res, i, c), json_string_value(cv)) == 0;
        if (!found)
            json_array_append(missing, cv);
    }
    return missing;
}

/* The event calendar_corrected and the projection update of row i, fixed as f (item: its
 * JSON in the reply). */
static void
fix_stmts(struct reqctx *rc, const PGresult *res, int i, const struct fix *f, json_t *item,
          struct db_stmt *st)
{
    const char **pe = hx_params(rc, CFE__N), **pu = hx_params(rc, CFU__N);
    int ver = atoi(hx_col(res, i, "version"));
    json_t *pl = json_deep_copy(item);

    json_object_del(pl, "code");
    json_object_del(pl, "received_at");
    json_object_del(pl, "ended_at");
    json_object_set_new(pl, "change", json_string("calendar correction of a closed dossier"));
    pe[CFE_DOSSIER] = arena_strdup(rc->arena, hx_col(res, i, "id"));
    pe[CFE_PROVINCE] = arena_strdup(rc->arena, hx_col(res, i, "province"));
    pe[CFE_SEQ] = arena_printf(rc->arena, "%d", ver + 1);
    pe[CFE_STATE] = arena_strdup(rc->arena, hx_col(res, i, "state"));
    pe[CFE_ACCOUNT] = arena_printf(rc->arena, "%lld", (long long)rc->who.account_id);
    pe[CFE_LOGIN] = rc->who.login;
    pe[CFE_REQUEST] = rc->req_id;
    pe[CFE_ADDR] = rc->client_addr;
    pe[CFE_PAYLOAD] = hx_json_text(rc, pl);
    pe[CFE_AGGREGATE] = f->code;
    pe[CFE_NOW] = hx_ts(rc, rc->now);
    json_decref(pl);
    pu[CFU_DOSSIER] = pe[CFE_DOSSIER];
    pu[CFU_VERSION] = arena_printf(rc->arena, "%d", ver);
    pu[CFU_APPOINTMENT] = hx_tsp(rc, f->appt_after);
    pu[CFU_LEGAL_DUE] = hx_tsp(rc, f->due_after);
    st[0] = (struct db_stmt){FIX_EVENT_SQL, CFE__N, pe};
    st[1] = (struct db_stmt){FIX_UPDATE_SQL, CFU__N, pu};
}

/* The audit row calendar.correction.apply (takes audit). */
static struct db_stmt
fix_audit_stmt(struct reqctx *rc, const struct apply_state *s, json_t *audit)
{
    const char **av = hx_params(rc, CFA__N);
    json_t *d = json_pack("{s:O,s:o}", "codes", s->codes, "applied", audit);

    av[CFA_ACCOUNT] = arena_printf(rc->arena, "%lld", (long long)rc->who.account_id);
    av[CFA_LOGIN] = rc->who.login;
    av[CFA_TARGET] = arena_printf(rc->arena, "%zu dossiers", json_array_size(s->codes));
    av[CFA_ADDR] = rc->client_addr;
    av[CFA_REQUEST] = rc->req_id;
    av[CFA_DETAIL] = hx_json_text(rc, d);
    json_decref(d);
    return (struct db_stmt){FIX_AUDIT_SQL, CFA__N, av};
}

static void
on_apply_read(struct reqctx *rc, struct idem *im, struct db_result *r)
{
    struct apply_state *s = rc->state;
    const PGresult *res = r->res[0];
    const struct ddl_axis *ax;
    struct mc_err e;
    int n = PQntuples(res), k = 0;
    struct db_stmt *st;
    json_t *applied, *unchanged, *audit;

    s->im = im;
    ax = hx_axis(rc->w, &e);
    if (ax == NULL) {
        idem_release_reply_error(rc, im, &e);
        return;
    }
    st = arena_calloc(rc->arena, (size_t)n * 2 + 2, sizeof(*st));
    applied = json_array();
    unchanged = json_array();
    audit = json_array();
    for (int i = 0; i < n; i++) {
        struct fix f;
        json_t *item;

        if (fix_row(rc, ax, res, i, &f) != 1) {
            json_array_append_new(unchanged, json_string(hx_col(res, i, "code")));
            continue;
        }
        item = fix_json(&f);
        json_array_append(applied, item);
        json_array_append(audit, item);
        fix_stmts(rc, res, i, &f, item, &st[k]);
        k += 2;
        json_decref(item);
    }
    s->resp = json_pack("{s:o,s:o,s:o}", "applied", applied, "unchanged", unchanged, "not_found",
                        missing_codes(s->codes, res));
    arena_defer(rc->arena, free_json, s->resp);
    s->status = 200;
    st[k++] = fix_audit_stmt(rc, s, audit);
    if (im != NULL)
        idem_store_stmt(im, s->status, hx_json_text(rc, s->resp), &st[k++]);
    api_db(rc, st, k, on_applied);
}

static void
api_calendar_corrections_apply(struct reqctx *rc)
{
    static const char *const keys[] = {"codes", NULL};
    struct apply_state *s = arena_calloc(rc->arena, 1, sizeof(*s));
    json_t *codes = json_object_get(rc->json, "codes");
    struct mc_err e;
    const char *k;
    json_t *v;
    size_t i;

    err_clear(&e);
    if (!json_is_object(rc->json)) {
        err_set(&e, ERR_VALIDATION, "body must be a JSON object");
        goto fail;
    }
    json_object_foreach(rc->json, k, v)
    {
        size_t j;

        for (j = 0; keys[j] != NULL && strcmp(keys[j], k) != 0; j++)
            ;
        if (keys[j] == NULL) {
            err_field(&e, ERR_VALIDATION, "", "unknown member \"%.60s\"", k);
            goto fail;
        }
    }
    if (!json_is_array(codes) || json_array_size(codes) == 0 ||
        json_array_size(codes) > FIX_MAX_CODES) {
        err_field(&e, ERR_VALIDATION, "codes", "codes is an array of 1 to %d dossier codes",
                  FIX_MAX_CODES);
        goto fail;
    }
    json_array_foreach(codes, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0 ||
            json_string_length(v) > DOSSIER_CODE_MAX) {
            err_field(&e, ERR_VALIDATION, "codes", "codes[%zu] is a dossier code", i);
            goto fail;
        }
    }
    s->codes = codes;
    s->codes_json = hx_json_text(rc, codes);
    s->sel[CFS_CODES] = s->codes_json; /* no window; administrator: everything */
    s->read = (struct db_stmt){FIX_SELECT_SQL, CFS__N, s->sel};
    rc->state = s;
    idem_begin_read(rc, &s->read, 1, on_apply_read);
    return;
fail:
    http_reply_error(rc, &e);
}

const struct route API_CALENDAR_FIX_ROUTES[] = {
    {EVHTTP_REQ_GET, "/api/v1/calendar/corrections", api_calendar_corrections,
     ROLE_SUPERVISOR | ROLE_ADMIN, 0,
     "Closed dossiers whose class the current calendar would change (?from=&to=, format=csv)"},
    {EVHTTP_REQ_POST, "/api/v1/calendar/corrections/apply", api_calendar_corrections_apply,
     ROLE_ADMIN, RF_JSON | RF_IDEMPOTENT,
     "Apply the calendar correction to chosen closed dossiers (journaled, audited)"},
    {0, NULL, NULL, 0, 0, NULL},
};
