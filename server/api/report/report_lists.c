/*
 * report_lists.c - the dossier lists behind the figures (domain.md §7, §8.2), rows of
 * API_REPORT_ROUTES:
 *
 *   GET /api/v1/stats/overdue                      open dossiers overdue now
 *   GET /api/v1/stats/due-soon?hours=N             open dossiers due within N working hours
 *   GET /api/v1/stats/ontime/dossiers?cell=...     the dossiers of one figure cell (also
 *                                                  as of a past instant: ?as_of=)
 *   GET /api/v1/reports/bieu06/late-dossiers       Biểu 06's late dossiers with the unit and
 *                                                  official responsible for the late step
 *                                                  (also as of a past instant: ?as_of=)
 *
 * They live under /api/v1/stats/ because /api/v1/dossiers/{code} would shadow
 * /api/v1/dossiers/overdue. SQL: sql/021_report_lists.sql. Keyset pagination: next_cursor
 * is "<epoch>_<id>" (due lists) or "<id>" (cell lists), opaque to clients.
 *
 * "Within N working hours" is measured on the working-time axis of the current calendar
 * (domain.md §6.1, server/domain/ddl.h): until = instant(pos(now) + N × 3600), so a dossier
 * due Monday 08:00 is "due within 2 working hours" on Friday at 16:00.
 */
#include "api/common/common.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/report/report_int.h"
#include "app.h"
#include "domain/cal.h"
#include "domain/ddl.h"
#include "http/reqctx.h"

/* Working hours a due-soon list looks ahead at most (a working month). */
#define DUE_SOON_MAX_HOURS 176

enum { OPEN_KIND, OPEN_NOW, OPEN_UNTIL, OPEN_BY, OPEN_SCOPE, OPEN_UNIT, OPEN_SUB,
       OPEN_AFTER_KEY, /* the cursor: the last row's sort instant */
       OPEN_AFTER_ID, OPEN_LIMIT, OPEN__N };
static const char SQL_OPEN_LIST[] =
    "SELECT id, code, state, procedure_code, procedure_name, resolving_code, resolving_name,"
    " current_code, current_name, official,"
    " extract(epoch FROM received_at)::bigint AS received_at,"
    " extract(epoch FROM appointment_at)::bigint AS appointment_at,"
    " extract(epoch FROM legal_due_at)::bigint AS legal_due_at,"
    " extract(epoch FROM new_appointment_at)::bigint AS new_appointment_at, paused"
    " FROM report_open_list($1, to_timestamp($2::bigint), to_timestamp($3::bigint), $4,"
    " $5::bigint, CASE WHEN $6::text IS NULL THEN NULL"
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $6::text), -1) END, $7::boolean,"
    " to_timestamp($8::bigint), $9::bigint, $10::int)";

/* Parameters of the cell lists: the period, the cell, the scope, the cell's keys, the page;
 * CELL_AT is the request's now for the live list, the ?as_of= instant for the past one. */
enum { CELL_FROM, CELL_TO, CELL_CELL, CELL_SCOPE, CELL_K_UNIT = CELL_SCOPE + RQ_SCOPE__N,
       CELL_K_LEVEL, CELL_K_PROCEDURE, CELL_K_FIELD, CELL_K_CHANNEL, CELL_AFTER_ID, CELL_LIMIT,
       CELL_AT, CELL__N };
static const char SQL_CELL_LIST[] =
    "SELECT id, code, state, channel, procedure_code, field_code, unit_code, unit_level,"
    " extract(epoch FROM received_at)::bigint AS received_at,"
    " extract(epoch FROM appointment_at)::bigint AS appointment_at,"
    " extract(epoch FROM legal_due_at)::bigint AS legal_due_at,"
    " extract(epoch FROM ended_at)::bigint AS ended_at"
    " FROM report_cell_list($1::date, $2::date, $3, $4, $5, $6::bigint,"
    " CASE WHEN $7::text IS NULL THEN NULL"
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $7::text), -1) END, $8::boolean,"
    " $9, $10, $11, $12, $13::smallint, $14::bigint, $15::int, to_timestamp($16::bigint))";

/* The same cell as known at ?as_of=: report_cell_list_asof rebuilds each dossier, its
 * appointment and legal due from the events recorded by then (sql/fn/30_report_lists.sql). */
static const char SQL_CELL_LIST_ASOF[] =
    "SELECT id, code, state, channel, procedure_code, field_code, unit_code, unit_level,"
    " extract(epoch FROM received_at)::bigint AS received_at,"
    " extract(epoch FROM appointment_at)::bigint AS appointment_at,"
    " extract(epoch FROM legal_due_at)::bigint AS legal_due_at,"
    " extract(epoch FROM ended_at)::bigint AS ended_at"
    " FROM report_cell_list_asof($16::timestamptz, $1::date, $2::date, $3, $4, $5, $6::bigint,"
    " CASE WHEN $7::text IS NULL THEN NULL"
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $7::text), -1) END, $8::boolean,"
    " $9, $10, $11, $12, $13::smallint, $14::bigint, $15::int)";

/* Parameters of the late lists (LATE_AT: now, or the ?as_of= instant). */
enum { LATE_FROM, LATE_TO, LATE_SCOPE, LATE_AFTER_ID = LATE_SCOPE + RQ_SCOPE__N, LATE_LIMIT,
       LATE_AT, LATE__N };
static const char SQL_LATE_LIST[] =
    "SELECT id, code, kind, procedure_code, procedure_name, resolving_code, resolving_name,"
    " official, extract(epoch FROM received_at)::bigint AS received_at,"
    " extract(epoch FROM legal_due_at)::bigint AS legal_due_at,"
    " extract(epoch FROM ended_at)::bigint AS ended_at, steps::text AS steps"
    " FROM report_late_list($1::date, $2::date, $3, $4, $5::bigint,"
    " CASE WHEN $6::text IS NULL THEN NULL"
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $6::text), -1) END, $7::boolean,"
    " $8::bigint, $9::int, to_timestamp($10::bigint))";

/* The same list as known at ?as_of=: report_late_list_asof takes its dossiers from
 * report_cell_list_asof and rebuilds their steps from the events recorded by then
 * (sql/fn/30_report_lists.sql). */
static const char SQL_LATE_LIST_ASOF[] =
    "SELECT id, code, kind, procedure_code, procedure_name, resolving_code, resolving_name,"
    " official, extract(epoch FROM received_at)::bigint AS received_at,"
    " extract(epoch FROM legal_due_at)::bigint AS legal_due_at,"
    " extract(epoch FROM ended_at)::bigint AS ended_at, steps::text AS steps"
    " FROM report_late_list_asof($10::timestamptz, $1::date, $2::date, $3, $4, $5::bigint,"
    " CASE WHEN $6::text IS NULL THEN NULL"
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $6::text), -1) END, $7::boolean,"
    " $8::bigint, $9::int)";

static const char *const CELLS[] = {
    "received", "received_online", "received_direct", "carried_over", "resolved", "early",
    "on_time", "late", "open", "open_in_time", "open_overdue", "ok766", "late766",
    "open_ok766", "open_late766", NULL};

struct lst {
    struct rq q;
    int limit;
    int64_t now;
    const struct ddl_axis *ax;
    const char *kind;
};

/* A decimal id of a cursor part: digits only, at most 18 of them. */
static int
digits(const char *s, size_t n)
{
    if (n == 0 || n > 18)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* limit and cursor ("<epoch>_<id>" when with_key, else "<id>"); -1 after replying 400. */
static int
page_params(struct reqctx *rc, int *limit, int with_key, const char **key, const char **id)
{
    struct mc_err e = {0};
    const char *c = rc_query(rc, "cursor");
    const char *us;

    if (api_query_limit(rc, limit, &e) != 0) {
        http_reply_error(rc, &e);
        return -1;
    }
    *key = NULL;
    *id = NULL;
    if (c == NULL || c[0] == '\0')
        return 0;
    us = strchr(c, '_');
    if (with_key && us != NULL && digits(c, (size_t)(us - c)) && digits(us + 1, strlen(us + 1))) {
        *key = arena_strndup(rc->arena, c, (size_t)(us - c));
        *id = us + 1;
        return 0;
    }
    if (!with_key && digits(c, strlen(c))) {
        *id = c;
        return 0;
    }
    http_reply_err(rc, ERR_BAD_QUERY, "cursor: malformed");
    return -1;
}

static json_t *
unit_json(const PGresult *res, int i, const char *code, const char *name)
{
    return json_pack("{s:s?,s:s?}", "code", hx_col(res, i, code), "name",
                     hx_col(res, i, name));
}

/*
 * Replies {key: value[, "as_of"], "period", "items", "next_cursor"} of a list in id order
 * (as_of: the instant asked for, when one was): a full page (n rows of res) continues after
 * the id of its last row. Takes items.
 */
static void
reply_id_page(struct reqctx *rc, const struct lst *l, const char *key, const char *value,
              json_t *items, const PGresult *res, int n)
{
    json_t *body = json_pack("{s:s}", key, value);

    if (l->q.as_of != NULL)
        json_object_set_new(body, "as_of", json_string(l->q.as_of));
    json_object_set_new(body, "period", rq_period_json(&l->q));
    json_object_set_new(body, "items", items);
    json_object_set_new(body, "next_cursor",
                        n == l->limit ? json_string(hx_col(res, n - 1, "id")) : json_null());
    http_reply_json(rc, 200, body);
}

/* ---- overdue and due soon ---- */

static void
open_done(struct reqctx *rc, struct db_result *r)
{
    struct lst *l = rc->state;
    const PGresult *res;
    json_t *items;
    int n, overdue = strcmp(l->kind, "overdue") == 0;
    int64_t pnow;

    res = rq_result(rc, r);
    if (res == NULL)
        return;
    n = PQntuples(res);
    items = json_array();
    pnow = ddl_pos(l->ax, l->now);
    for (int i = 0; i < n; i++) {
        int64_t due = hx_col_ts(res, i, "legal_due_at");
        /* working minutes late (overdue) or left (due soon), on the axis (§6.1) */
        int64_t wm = (overdue ? pnow - ddl_pos(l->ax, due) : ddl_pos(l->ax, due) - pnow) / 60;
        json_t *it = json_pack(
            "{s:s,s:i,s:{s:s?,s:s?},s:o,s:o,s:s?,s:o,s:o,s:o,s:o,s:b}", "code",
            hx_col(res, i, "code"), "state", atoi(hx_col(res, i, "state")),
            "procedure", "code", hx_col(res, i, "procedure_code"), "name",
            hx_col(res, i, "procedure_name"), "resolving_unit",
            unit_json(res, i, "resolving_code", "resolving_name"), "current_unit",
            unit_json(res, i, "current_code", "current_name"), "official",
            hx_col(res, i, "official"), "received_at",
            hx_ts_json(hx_col_ts(res, i, "received_at")), "appointment_at",
            hx_ts_json(hx_col_ts(res, i, "appointment_at")), "legal_due_at",
            hx_ts_json(due), "new_appointment_at",
            hx_ts_json(hx_col_ts(res, i, "new_appointment_at")), "paused",
            strcmp(hx_col(res, i, "paused"), "t") == 0);

        json_object_set_new(it, overdue ? "overdue_working_minutes" : "remaining_working_minutes",
                            json_integer(wm < 0 ? 0 : wm));
        json_array_append_new(items, it);
    }
    {
        json_t *body = json_object(), *next = json_null();

        if (n == l->limit)
            next = json_string(arena_printf(rc->arena, "%" PRId64 "_%s",
                                            hx_col_ts(res, n - 1, "legal_due_at"),
                                            hx_col(res, n - 1, "id")));
        json_object_set_new(body, "as_of", hx_ts_json(l->now));
        json_object_set_new(body, "by", json_string(l->q.by));
        json_object_set_new(body, "items", items);
        json_object_set_new(body, "next_cursor", next);
        http_reply_json(rc, 200, body);
    }
}

static void
open_list(struct reqctx *rc, const char *kind)
{
    struct lst *l = arena_calloc(rc->arena, 1, sizeof(*l));
    struct mc_err e = {0};
    const char *key, *id, *s, **v;
    int64_t until = 0;

    l->kind = kind;
    if (rq_parse_scope(rc, &l->q, 1, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (page_params(rc, &l->limit, 1, &key, &id) != 0)
        return;
    l->ax = hx_axis(rc->w, &e);
    if (l->ax == NULL) {
        http_reply_error(rc, &e);
        return;
    }
    l->now = rc->now;
    if (strcmp(kind, "due_soon") == 0) {
        int hours = 8;

        s = rc_query(rc, "hours");
        if (s != NULL && (rq_parse_int(s, &hours) != 0 || hours < 1 ||
                          hours > DUE_SOON_MAX_HOURS)) {
            http_reply_err(rc, ERR_BAD_QUERY, "hours: working hours, 1 to 176");
            return;
        }
        until = ddl_instant(l->ax, ddl_pos(l->ax, l->now) + (int64_t)hours * 3600);
    }
    v = hx_params(rc, OPEN__N);
    v[OPEN_KIND] = kind;
    v[OPEN_NOW] = hx_i64(rc, l->now);
    v[OPEN_UNTIL] = hx_i64(rc, until);
    v[OPEN_BY] = l->q.by;
    v[OPEN_SCOPE] = l->q.scope[0] != '\0' ? l->q.scope : NULL;
    v[OPEN_UNIT] = l->q.unit;
    v[OPEN_SUB] = l->q.sub;
    v[OPEN_AFTER_KEY] = key;
    v[OPEN_AFTER_ID] = id;
    v[OPEN_LIMIT] = hx_i64(rc, l->limit);
    rc->state = l;
    api_db1(rc, SQL_OPEN_LIST, OPEN__N, v, open_done);
}

void
api_stats_overdue(struct reqctx *rc)
{
    open_list(rc, "overdue");
}

void
api_stats_due_soon(struct reqctx *rc)
{
    open_list(rc, "due_soon");
}

/* ---- the dossiers of a figure cell ---- */

/* A dossier of a cell as JSON. */
static const struct hx_jcol CELL_ROW[] = {
    {"code", NULL, HX_TEXT},
    {"state", NULL, HX_INT},
    {"channel", NULL, HX_INT},
    {"procedure", "procedure_code", HX_TEXT},
    {"field", "field_code", HX_TEXT},
    {"unit", "unit_code", HX_TEXT},
    {"level", "unit_level", HX_TEXT},
    {"received_at", NULL, HX_TS},
    {"appointment_at", NULL, HX_TS},
    {"legal_due_at", NULL, HX_TS},
    {"ended_at", NULL, HX_TS},
};

static void
cell_done(struct reqctx *rc, struct db_result *r)
{
    struct lst *l = rc->state;
    const PGresult *res = rq_result(rc, r);

    if (res == NULL)
        return;
    reply_id_page(rc, l, "cell", l->kind,
                  hx_rows_json(res, CELL_ROW, (int)(sizeof(CELL_ROW) / sizeof(CELL_ROW[0]))),
                  res, PQntuples(res));
}

void
api_stats_cell_dossiers(struct reqctx *rc)
{
    struct lst *l = arena_calloc(rc->arena, 1, sizeof(*l));
    struct mc_err e = {0};
    const char *key, *id, **v, *cell = rc_query(rc, "cell"), *ch = rc_query(rc, "channel");
    int known = 0, chn;

    if (rq_parse_common(rc, &l->q, &e) != 0 || rq_parse_as_of(rc, &l->q, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    for (int i = 0; cell != NULL && CELLS[i] != NULL; i++)
        known |= strcmp(cell, CELLS[i]) == 0;
    if (!known) {
        http_reply_err(rc, ERR_BAD_QUERY, "cell: received, received_online, received_direct, "
                                          "carried_over, resolved, early, on_time, late, open, "
                                          "open_in_time, open_overdue, ok766, late766, "
                                          "open_ok766 or open_late766");
        return;
    }
    if (ch != NULL && (rq_parse_int(ch, &chn) != 0 || chn < 1 || chn > 3)) {
        http_reply_err(rc, ERR_BAD_QUERY, "channel: 1, 2 or 3");
        return;
    }
    if (page_params(rc, &l->limit, 0, &key, &id) != 0)
        return;
    l->kind = cell;
    v = hx_params(rc, CELL__N);
    v[CELL_FROM] = l->q.from_s;
    v[CELL_TO] = l->q.to_s;
    v[CELL_CELL] = cell;
    rq_scope_params(&l->q, v + CELL_SCOPE);
    v[CELL_K_UNIT] = rc_query(rc, "key_unit");
    v[CELL_K_LEVEL] = rc_query(rc, "level");
    v[CELL_K_PROCEDURE] = rc_query(rc, "procedure");
    v[CELL_K_FIELD] = rc_query(rc, "field");
    v[CELL_K_CHANNEL] = ch;
    v[CELL_AFTER_ID] = id;
    v[CELL_LIMIT] = hx_i64(rc, l->limit);
    v[CELL_AT] = l->q.as_of != NULL ? l->q.as_of : hx_i64(rc, rc->now);
    rc->state = l;
    api_db1(rc, l->q.as_of != NULL ? SQL_CELL_LIST_ASOF : SQL_CELL_LIST, CELL__N, v, cell_done);
}

/* ---- Biểu 06: late dossiers ---- */

static void
late_done(struct reqctx *rc, struct db_result *r)
{
    struct lst *l = rc->state;
    const PGresult *res;
    json_t *items;
    int n;

    res = rq_result(rc, r);
    if (res == NULL)
        return;
    n = PQntuples(res);
    items = json_array();
    for (int i = 0; i < n; i++) {
        json_t *steps = hx_col_json(res, i, "steps"), *resp;

        /* Responsible: the unit and official of every overrun step; without one, the
         * resolving unit and the dossier's official. */
        if (json_array_size(steps) > 0)
            resp = json_deep_copy(steps);
        else
            resp = json_pack("[{s:s?,s:s?,s:s?}]", "unit_code",
                             hx_col(res, i, "resolving_code"), "unit_name",
                             hx_col(res, i, "resolving_name"), "official",
                             hx_col(res, i, "official"));
        json_array_append_new(
            items,
            json_pack("{s:s,s:s,s:{s:s?,s:s?},s:o,s:s?,s:o,s:o,s:o,s:o,s:o}", "code",
                      hx_col(res, i, "code"), "kind", hx_col(res, i, "kind"),
                      "procedure", "code", hx_col(res, i, "procedure_code"), "name",
                      hx_col(res, i, "procedure_name"), "resolving_unit",
                      unit_json(res, i, "resolving_code", "resolving_name"), "official",
                      hx_col(res, i, "official"), "received_at",
                      hx_ts_json(hx_col_ts(res, i, "received_at")), "legal_due_at",
                      hx_ts_json(hx_col_ts(res, i, "legal_due_at")), "ended_at",
                      hx_ts_json(hx_col_ts(res, i, "ended_at")), "late_steps", steps,
                      "responsible", resp));
    }
    reply_id_page(rc, l, "form", "Biểu số 06/VPCP/KSTT", items, res, n);
}

void
api_bieu06_late(struct reqctx *rc)
{
    struct lst *l = arena_calloc(rc->arena, 1, sizeof(*l));
    struct mc_err e = {0};
    const char *key, *id, **v;

    if (rq_parse_common(rc, &l->q, &e) != 0 || rq_parse_as_of(rc, &l->q, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (page_params(rc, &l->limit, 0, &key, &id) != 0)
        return;
    v = hx_params(rc, LATE__N);
    v[LATE_FROM] = l->q.from_s;
    v[LATE_TO] = l->q.to_s;
    rq_scope_params(&l->q, v + LATE_SCOPE);
    v[LATE_AFTER_ID] = id;
    v[LATE_LIMIT] = hx_i64(rc, l->limit);
    v[LATE_AT] = l->q.as_of != NULL ? l->q.as_of : hx_i64(rc, rc->now);
    rc->state = l;
    api_db1(rc, l->q.as_of != NULL ? SQL_LATE_LIST_ASOF : SQL_LATE_LIST, LATE__N, v, late_done);
}
