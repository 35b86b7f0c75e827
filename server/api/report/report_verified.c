/*
 * report_verified.c - the verified score of a unit's evaluations for a period (điểm thẩm
 * định; shared/domain.md §12.1; sql/115_evaluation_verified.sql):
 *
 *   POST /api/v1/evaluations/verified-scores {"unit", "from", "to", "total", "note"?}
 *
 * A leader of a unit above the one scored (its sub-units only: nobody verifies their own
 * unit), or an administrator, records the score the supervising office arrived at, 0-18
 * with at most two decimals, beside the computed total of GET /api/v1/stats/evaluations
 * (group=unit shows it for exactly that period as `verified`). Kept, never overwritten: a
 * later score for the same unit and period supersedes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api/api.h"
#include "api/common/common.h"
#include "api/report/report_int.h"
#include "core/arena.h"
#include "domain/cal.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

enum { VS_UNIT, VS_SCOPE, VS_FROM, VS_TO, VS_TOTAL, VS_NOTE, VS_ACCOUNT, VS__N };
/* The unit must be below the caller's own (an administrator: any unit). recorded_at is the
   database's clock, as every recorded_at that ?as_of= is compared with. */
static const char SQL_VS_ADD[] =
    "WITH u AS (SELECT id, code FROM unit WHERE code = $1"
    "  AND ($2::bigint IS NULL OR (unit_in_scope($2::bigint, id) AND id <> $2::bigint)))"
    " INSERT INTO evaluation_verified (unit_id, period_from, period_to, total, note,"
    "  account_id, recorded_at)"
    " SELECT id, $3::date, $4::date, $5::numeric, $6, $7::bigint, now()"
    " FROM u RETURNING id, (SELECT code FROM u) AS unit, period_from::text AS \"from\","
    "  period_to::text AS \"to\", total::text AS total, note,"
    "  floor(extract(epoch FROM recorded_at))::bigint AS recorded_at";

static const struct hx_jcol VS_JSON[] = {
    {"id", NULL, HX_INT},     {"unit", NULL, HX_TEXT}, {"from", NULL, HX_TEXT},
    {"to", NULL, HX_TEXT},    {"total", NULL, HX_TEXT}, {"note", NULL, HX_TEXT},
    {"recorded_at", NULL, HX_TS},
};

static void
on_added(struct reqctx *rc, struct db_result *r)
{
    const PGresult *res = hx_one_row(rc, r, ERR_UNKNOWN_REF, "no such unit below yours");

    if (res == NULL)
        return;
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 201, hx_row_set(json_object(), res, 0, VS_JSON,
                                        (int)(sizeof VS_JSON / sizeof VS_JSON[0])));
}

/* "14.5", "18", "9.25": 0-18 with at most two decimals, as a JSON number. */
static int
total_of(json_t *v, char *out, size_t size, struct mc_err *e)
{
    double d = json_number_value(v);
    long cents = (long)(d * 100 + (d >= 0 ? 0.5 : -0.5));

    if (!json_is_number(v) || d < 0 || d > 18 || (double)cents / 100 - d > 1e-9 ||
        d - (double)cents / 100 > 1e-9)
        return err_field(e, ERR_VALIDATION, "total", "a number from 0 to 18 with at most two "
                                                     "decimals");
    snprintf(out, size, "%d.%02d", (int)(cents / 100), (int)(cents % 100)); /* 0.00-18.00 */
    return 0;
}

static int
parse(struct reqctx *rc, const char **p, struct mc_err *e)
{
    static const char *const keys[] = {"unit", "from", "to", "total", "note", NULL};
    int32_t from, to;
    char *total = arena_alloc(rc->arena, 32), *fs = arena_alloc(rc->arena, 16),
         *ts = arena_alloc(rc->arena, 16);

    if (hx_only_keys(rc->json, keys, "", e) != 0 ||
        jin_get_str(rc->json, "unit", 32, 1, &p[VS_UNIT], e) < 0 ||
        jin_get_date(rc->json, "from", 1, &from, e) < 0 ||
        jin_get_date(rc->json, "to", 1, &to, e) < 0 ||
        jin_get_str(rc->json, "note", 2000, 0, &p[VS_NOTE], e) < 0 ||
        total_of(json_object_get(rc->json, "total"), total, 32, e) != 0)
        return -1;
    if (to < from)
        return err_field(e, ERR_VALIDATION, "to", "the period ends before it begins");
    cal_format_date(from, fs);
    cal_format_date(to, ts);
    p[VS_FROM] = fs;
    p[VS_TO] = ts;
    p[VS_TOTAL] = total;
    return 0;
}

/* POST /api/v1/evaluations/verified-scores */
static void
api_verified_add(struct reqctx *rc)
{
    const char **p = hx_params(rc, VS__N);
    struct mc_err e;

    err_clear(&e);
    if (parse(rc, p, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    p[VS_SCOPE] = rc->who.role == ROLE_ADMIN ? NULL : hx_i64(rc, rc->who.unit_id);
    p[VS_ACCOUNT] = hx_i64(rc, rc->who.account_id);
    api_db1(rc, SQL_VS_ADD, VS__N, p, on_added);
}

const struct route API_VERIFIED_ROUTES[] = {
    {EVHTTP_REQ_POST, "/api/v1/evaluations/verified-scores", api_verified_add,
     ROLE_LEADER | ROLE_ADMIN, RF_JSON,
     "The verified score (điểm thẩm định) of a sub-unit's evaluations for a period"},
    {0},
};
