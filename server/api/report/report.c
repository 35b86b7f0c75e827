/*
 * report.c - on-time figures and Biểu số 06 (domain.md §7, §8): API_REPORT_ROUTES.
 *
 *   GET /api/v1/stats/ontime      figures of a period grouped by up to two keys
 *   GET /api/v1/stats/trend       received / ended by class per day, week or month
 *   GET /api/v1/reports/bieu06    Biểu số 06/VPCP/KSTT as JSON, CSV or XLSX
 *
 * Figures come from the summaries of sql/020_report.sql (report_figures): sums over the
 * report months / days of the period plus the boundary snapshots of what was open at its
 * start and end, never a scan of every dossier (docs/architecture.md, "Reports and
 * alerts"). With ?as_of= (/stats/ontime, /reports/bieu06) the figures are those the report
 * said at that instant, rebuilt from the event log by a plain scan (report_figures_asof).
 *
 * Scope (API conventions): an administrator reads everything; a supervisor or leader the
 * subtree of their unit; a clerk or official their own unit only; integration clients
 * nothing (route roles). A unit= outside the caller's scope gives empty figures, like an
 * empty unit: existence is not leaked.
 */
#include "api/common/common.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "app.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/cal.h"
#include "domain/cls.h"
#include "domain/role.h"
#include "http/reqctx.h"
#include "report/report.h"
#include "api/report/alerts.h"
#include "api/report/report_int.h"

/* Columns of report_figures() and report_figures_asof(), read by name (their RETURNS TABLE
 * in sql/fn/20_reports.sql). */
enum { F_K1, F_K2, F_RECEIVED, F_ONLINE, F_DIRECT, F_CARRIED, F_ENDED, F_EARLY, F_ONTIME,
       F_LATE, F_OPEN, F_OVERDUE, F_OK766, F_LATE766, F_OPENOK766, F__N };
static const char *const F_NAMES[F__N] = {
    [F_K1] = "k1",
    [F_K2] = "k2",
    [F_RECEIVED] = "received",
    [F_ONLINE] = "recv_online",
    [F_DIRECT] = "recv_direct",
    [F_CARRIED] = "carried",
    [F_ENDED] = "ended",
    [F_EARLY] = "ended_early",
    [F_ONTIME] = "ended_on_time",
    [F_LATE] = "ended_late",
    [F_OPEN] = "open_total",
    [F_OVERDUE] = "open_overdue",
    [F_OK766] = "ended_ok766",
    [F_LATE766] = "ended_late766",
    [F_OPENOK766] = "open_ok766",
};

/* Columns of report_trend(). */
enum { T_BUCKET, T_RECEIVED, T_ENDED, T_EARLY, T_ONTIME, T_LATE, T_OK766, T__N };
static const char *const T_NAMES[T__N] = {
    [T_BUCKET] = "bucket",     [T_RECEIVED] = "received",    [T_ENDED] = "ended",
    [T_EARLY] = "ended_early", [T_ONTIME] = "ended_on_time", [T_LATE] = "ended_late",
    [T_OK766] = "ended_ok766",
};

/* Parameters of the figure statements: the period, the two grouping keys, the scope, and
 * FIG_AT: the request's now for the live figures, the ?as_of= instant for the past ones. */
enum { FIG_FROM, FIG_TO, FIG_G1, FIG_G2, FIG_SCOPE, FIG_AT = FIG_SCOPE + RQ_SCOPE__N, FIG__N };

static const char SQL_FIGURES[] =
    "SELECT * FROM report_figures($1::date, $2::date, $3, $4, $5, $6, $7::bigint,"
    " CASE WHEN $8::text IS NULL THEN NULL"
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $8::text), -1) END, $9::boolean,"
    " to_timestamp($10::bigint))";

/* The same figures as the report said at ?as_of=: report_figures_asof reconstructs each
 * dossier from the events recorded by then (a plain scan, sql/fn/20_reports.sql). */
static const char SQL_FIGURES_ASOF[] =
    "SELECT * FROM report_figures_asof($10::timestamptz, $1::date, $2::date, $3, $4, $5, $6,"
    " $7::bigint, CASE WHEN $8::text IS NULL THEN NULL"
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $8::text), -1) END, $9::boolean)";

enum { NAMES_UNIT, NAMES_SCOPE, NAMES__N };
/* Display names: columns key ('field:<code>', 'unit:<code>', 'procedure:<code>', 'root') and
 * name. */
static const char SQL_NAMES[] =
    "SELECT 'field:' || code AS key, name FROM field"
    " UNION ALL SELECT 'unit:' || code, name FROM unit"
    " UNION ALL SELECT 'procedure:' || code, name FROM procedure"
    " UNION ALL SELECT 'root', coalesce((SELECT name FROM unit WHERE code = $1::text),"
    "  (SELECT name FROM unit WHERE id = $2::bigint), '')";

enum { TREND_FROM, TREND_TO, TREND_INTERVAL, TREND_SCOPE, TREND__N = TREND_SCOPE + RQ_SCOPE__N };
static const char SQL_TREND[] =
    "SELECT bucket::text, received, ended, ended_early, ended_on_time, ended_late, ended_ok766"
    " FROM report_trend($1::date, $2::date, $3, $4, $5, $6::bigint,"
    " CASE WHEN $7::text IS NULL THEN NULL"
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $7::text), -1) END, $8::boolean)";

static const char *const GROUPS[] = {"unit", "level", "procedure", "field", "channel", NULL};

static int
known_group(const char *g)
{
    for (int i = 0; GROUPS[i] != NULL; i++)
        if (strcmp(g, GROUPS[i]) == 0)
            return 1;
    return 0;
}

int
rq_parse_int(const char *s, int *out)
{
    char *end;
    long v;

    if (s == NULL || s[0] == '\0')
        return -1;
    v = strtol(s, &end, 10);
    if (*end != '\0' || v < -100000 || v > 100000)
        return -1;
    *out = (int)v;
    return 0;
}

int
rq_parse_common(struct reqctx *rc, struct rq *q, struct mc_err *e)
{
    const char *period = rc_query(rc, "period"), *from = rc_query(rc, "from"),
               *to = rc_query(rc, "to");

    memset(q, 0, sizeof(*q));
    q->kind = -1;
    if (period != NULL) {
        q->kind = report_period_parse(period);
        if (q->kind < 0)
            return err_field(e, ERR_BAD_QUERY, "period",
                             "period is month, quarter, half, nine_months or year");
        if (rq_parse_int(rc_query(rc, "year"), &q->year) != 0)
            return err_field(e, ERR_BAD_QUERY, "year", "year required with period");
        if (q->kind <= RP_HALF && rq_parse_int(rc_query(rc, "number"), &q->number) != 0)
            return err_field(e, ERR_BAD_QUERY, "number", "number required with this period");
        if (report_period((enum report_period_kind)q->kind, q->year, q->number, &q->from,
                          &q->to, e) != 0)
            return -1;
    } else {
        if (from == NULL || cal_parse_date(from, strlen(from), &q->from) != 0)
            return err_field(e, ERR_BAD_QUERY, "from", "from is YYYY-MM-DD (or give period=)");
        if (to == NULL || cal_parse_date(to, strlen(to), &q->to) != 0)
            return err_field(e, ERR_BAD_QUERY, "to", "to is YYYY-MM-DD");
        if (q->to < q->from || q->to - q->from > 3660)
            return err_field(e, ERR_BAD_QUERY, "to", "to must be on or after from, within 10 years");
    }
    cal_format_date(q->from, q->from_s);
    cal_format_date(q->to, q->to_s);
    return rq_parse_scope(rc, q, 0, e);
}

int
rq_parse_scope(struct reqctx *rc, struct rq *q, int allow_current, struct mc_err *e)
{
    const char *s = rc_query(rc, "by");

    q->by = s == NULL ? "resolving" : s;
    if (strcmp(q->by, "resolving") != 0 && strcmp(q->by, "receiving") != 0 &&
        !(allow_current && strcmp(q->by, "current") == 0))
        return err_field(e, ERR_BAD_QUERY, "by",
                         allow_current ? "by is resolving, receiving or current"
                                       : "by is resolving or receiving");
    s = rc_query(rc, "structure");
    q->structure = s == NULL ? "historical" : s;
    if (strcmp(q->structure, "historical") != 0 && strcmp(q->structure, "current") != 0)
        return err_field(e, ERR_BAD_QUERY, "structure", "structure is historical or current");
    s = rc_query(rc, "rollup");
    q->rollup = s == NULL || s[0] == '\0' || strcmp(s, "none") == 0 ? NULL : s;
    if (q->rollup != NULL && strcmp(q->rollup, "children") != 0 &&
        strcmp(q->rollup, "subtree") != 0)
        return err_field(e, ERR_BAD_QUERY, "rollup", "rollup is none, children or subtree");
    s = rc_query(rc, "rules");
    q->rules = s == NULL ? CLS_LEGAL : cls_rules_parse(s);
    if (q->rules < 0)
        return err_field(e, ERR_BAD_QUERY, "rules", "rules is legal or dvcqg766");
    q->unit = rc_query(rc, "unit");
    if (q->unit != NULL && q->unit[0] == '\0')
        q->unit = NULL;
    s = rc_query(rc, "include_sub_units");
    q->sub = (s == NULL || strcmp(s, "true") == 0 || strcmp(s, "1") == 0) ? "true" : "false";
    /* Scope: NULL for an administrator, the account's unit otherwise; clerks and officials
     * see their own unit only (domain.md §11). */
    if (rc->who.role == ROLE_ADMIN) {
        q->scope[0] = '\0';
    } else {
        snprintf(q->scope, sizeof(q->scope), "%" PRId64, rc->who.unit_id);
        if (rc->who.role == ROLE_CLERK || rc->who.role == ROLE_OFFICIAL) {
            q->unit = arena_strdup(rc->arena, rc->who.unit_code);
            q->sub = "false";
            q->rollup = NULL;
        }
    }
    q->structure_sql = q->rollup == NULL
                           ? q->structure
                           : arena_printf(rc->arena, "%s/%s", q->structure, q->rollup);
    return 0;
}

void
rq_scope_params(const struct rq *q, const char **v)
{
    v[RQ_BY] = q->by;
    v[RQ_STRUCTURE] = q->structure_sql;
    v[RQ_SCOPE] = q->scope[0] != '\0' ? q->scope : NULL;
    v[RQ_UNIT] = q->unit;
    v[RQ_SUB] = q->sub;
}

const PGresult *
rq_result(struct reqctx *rc, const struct db_result *r)
{
    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return NULL;
    }
    return r->res[0];
}

static const char **
figure_params(struct reqctx *rc, const struct rq *q)
{
    const char **v = hx_params(rc, FIG__N);

    v[FIG_FROM] = q->from_s;
    v[FIG_TO] = q->to_s;
    v[FIG_G1] = q->g1;
    v[FIG_G2] = q->g2;
    rq_scope_params(q, v + FIG_SCOPE);
    v[FIG_AT] = q->as_of != NULL ? q->as_of : hx_i64(rc, rc->now);
    return v;
}

/* ?as_of=<RFC 3339> (report_int.h): validated by cal_parse_instant, then passed on as given
 * (sub-second digits matter: events recorded a few milliseconds after the instant must not
 * count); a time without an offset is local (+07:00), as cal_parse_instant reads it. NULL
 * when absent. */
int
rq_parse_as_of(struct reqctx *rc, struct rq *q, struct mc_err *e)
{
    const char *s = rc_query(rc, "as_of");
    int64_t t;
    size_t n;

    q->as_of = NULL;
    if (s == NULL)
        return 0;
    n = strlen(s);
    if (n > 64 || cal_parse_instant(s, n, &t) != 0)
        return err_field(e, ERR_BAD_QUERY, "as_of", "as_of is an RFC 3339 instant");
    if (s[n - 1] == 'Z' || s[n - 1] == 'z' || strchr(s + 16, '+') != NULL ||
        strchr(s + 16, '-') != NULL) {
        q->as_of = s;
    } else {
        char *buf = arena_alloc(rc->arena, n + 8);

        memcpy(buf, s, n);
        memcpy(buf + n, "+07:00", 7);
        q->as_of = buf;
    }
    return 0;
}

/* The figure statement of a request: from the summaries, or as of a past instant. */
static const char *
figures_sql(const struct rq *q)
{
    return q->as_of != NULL ? SQL_FIGURES_ASOF : SQL_FIGURES;
}

static int64_t
cell(const PGresult *res, int r, int c)
{
    return strtoll(db_val(res, r, c), NULL, 10);
}

static json_t *
rate_json(int rc_, int64_t h)
{
    char buf[32];

    if (rc_ != 0)
        return json_null();
    snprintf(buf, sizeof(buf), "%" PRId64 ".%02" PRId64, h / 100, h % 100);
    return json_string(buf);
}

json_t *
rq_period_json(const struct rq *q)
{
    json_t *p = json_object();

    json_object_set_new(p, "from", json_string(q->from_s));
    json_object_set_new(p, "to", json_string(q->to_s));
    if (q->kind >= 0) {
        char label[64];

        report_period_label((enum report_period_kind)q->kind, q->year, q->number, label,
                            sizeof(label));
        json_object_set_new(p, "kind", json_string(report_period_key(q->kind)));
        json_object_set_new(p, "label", json_string(label));
    }
    return p;
}

/* ---- GET /api/v1/stats/ontime ---- */

static void
ontime_done(struct reqctx *rc, struct db_result *r)
{
    struct rq *q = rc->state;
    const PGresult *res;
    int fc[F__N];
    json_t *items, *body;
    int thr = rc->app->cfg != NULL ? rc->app->cfg->dvcqg21_threshold : 100,
        maxp = rc->app->cfg != NULL ? rc->app->cfg->dvcqg21_points : 20;

    res = rq_result(rc, r);
    if (res == NULL)
        return;
    hx_cols(res, F_NAMES, F__N, fc);
    items = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *it = json_object(), *k = json_object(), *v = json_object();
        int64_t early = cell(res, i, fc[F_EARLY]), ontime = cell(res, i, fc[F_ONTIME]),
                late = cell(res, i, fc[F_LATE]), ended = cell(res, i, fc[F_ENDED]),
                open = cell(res, i, fc[F_OPEN]), overdue = cell(res, i, fc[F_OVERDUE]),
                recv = cell(res, i, fc[F_RECEIVED]), car = cell(res, i, fc[F_CARRIED]),
                ok766 = cell(res, i, fc[F_OK766]), openok = cell(res, i, fc[F_OPENOK766]), h, pts;
        int x;

        if (strcmp(q->g1, "none") != 0)
            json_object_set_new(k, q->g1, json_string(db_val(res, i, fc[F_K1])));
        if (strcmp(q->g2, "none") != 0)
            json_object_set_new(k, q->g2, json_string(db_val(res, i, fc[F_K2])));
        json_object_set_new(it, "key", k);
        json_object_set_new(it, "received", json_integer(recv));
        json_object_set_new(it, "received_online", json_integer(cell(res, i, fc[F_ONLINE])));
        json_object_set_new(it, "received_direct", json_integer(cell(res, i, fc[F_DIRECT])));
        json_object_set_new(it, "carried_over", json_integer(car));
        json_object_set_new(it, "resolved", json_integer(ended));
        json_object_set_new(it, "early", json_integer(early));
        json_object_set_new(it, "on_time", json_integer(ontime));
        json_object_set_new(it, "late", json_integer(late));
        json_object_set_new(it, "open", json_integer(open));
        json_object_set_new(it, "open_in_time", json_integer(open - overdue));
        json_object_set_new(it, "open_overdue", json_integer(overdue));
        x = cls_rate_on_time(early, ontime, late, &h);
        json_object_set_new(it, "on_time_rate", rate_json(x, h));
        x = cls_rate(late, ended, &h);
        json_object_set_new(it, "late_rate", rate_json(x, h));
        x = cls_rate(overdue, open, &h);
        json_object_set_new(it, "open_overdue_rate", rate_json(x, h));
        /* DVCQG indicator 2.1 (domain.md §8.1): points = min(rate / threshold, 1) × points
         * of the indicator, from the exact ratio (cls_points_ratio); threshold and points are
         * MOTCUA_DVCQG21_THRESHOLD / _POINTS (defaults 100 % and 20: domain-sources.md §6,
         * Thanh Hóa's published scoring). */
        json_object_set_new(v, "ended_on_time", json_integer(ok766));
        json_object_set_new(v, "ended_late", json_integer(cell(res, i, fc[F_LATE766])));
        json_object_set_new(v, "open_in_time", json_integer(openok));
        json_object_set_new(v, "open_late", json_integer(open - openok));
        x = cls_rate_766(ok766, openok, recv, car, &h);
        json_object_set_new(v, "rate", rate_json(x, h));
        if (x == 0 &&
            cls_points_ratio(ok766 + openok, recv + car, (int64_t)thr * 100, maxp, &pts) == 0)
            json_object_set_new(v, "points", rate_json(0, pts));
        else
            json_object_set_new(v, "points", json_null());
        json_object_set_new(it, "dvcqg766", v);
        json_array_append_new(items, it);
    }
    body = json_object();
    json_object_set_new(body, "rules", json_string(cls_rules_key((enum cls_rules)q->rules)));
    json_object_set_new(body, "period", rq_period_json(q));
    if (q->as_of != NULL)
        json_object_set_new(body, "as_of", json_string(q->as_of));
    json_object_set_new(body, "by", json_string(q->by));
    json_object_set_new(body, "structure", json_string(q->structure));
    json_object_set_new(body, "rollup", json_string(q->rollup != NULL ? q->rollup : "none"));
    json_object_set_new(body, "items", items);
    json_object_set_new(body, "next_cursor", json_null());
    http_reply_json(rc, 200, body);
}

static void
api_stats_ontime(struct reqctx *rc)
{
    struct rq *q = arena_alloc(rc->arena, sizeof(*q));
    struct mc_err e = {0};
    const char *group = rc_query(rc, "group");
    char *g, *comma;

    if (rq_parse_common(rc, q, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (rq_parse_as_of(rc, q, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    g = arena_strdup(rc->arena, group != NULL && group[0] != '\0' ? group : "unit");
    comma = strchr(g, ',');
    q->g1 = g;
    q->g2 = "none";
    if (comma != NULL) {
        *comma = '\0';
        q->g2 = comma + 1;
    }
    if (!known_group(q->g1) || (strcmp(q->g2, "none") != 0 && !known_group(q->g2)) ||
        strchr(q->g2, ',') != NULL) {
        http_reply_err(rc, ERR_BAD_QUERY, "group is one or two of unit, level, procedure, "
                                          "field, channel");
        return;
    }
    rc->state = q;
    api_db1(rc, figures_sql(q), FIG__N, figure_params(rc, q), ontime_done);
}

/* ---- GET /api/v1/stats/trend ---- */

static void
trend_done(struct reqctx *rc, struct db_result *r)
{
    int tc[T__N];
    struct rq *q = rc->state;
    const PGresult *res;
    json_t *items, *body;

    res = rq_result(rc, r);
    if (res == NULL)
        return;
    hx_cols(res, T_NAMES, T__N, tc);
    items = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *it = json_object(), *v = json_object();
        int64_t h, h2, ended = cell(res, i, tc[T_ENDED]), ok766 = cell(res, i, tc[T_OK766]);
        int x = cls_rate_on_time(cell(res, i, tc[T_EARLY]), cell(res, i, tc[T_ONTIME]),
                                 cell(res, i, tc[T_LATE]), &h);
        int x2 = cls_rate(ok766, ended, &h2);

        json_object_set_new(it, "bucket", json_string(db_val(res, i, tc[T_BUCKET])));
        json_object_set_new(it, "received", json_integer(cell(res, i, tc[T_RECEIVED])));
        json_object_set_new(it, "resolved", json_integer(ended));
        json_object_set_new(it, "early", json_integer(cell(res, i, tc[T_EARLY])));
        json_object_set_new(it, "on_time", json_integer(cell(res, i, tc[T_ONTIME])));
        json_object_set_new(it, "late", json_integer(cell(res, i, tc[T_LATE])));
        /* dvcqg766 (domain.md §7.2) per bucket: the dossiers ended in it, on time or late by
         * that rule, and their rate (indicator 2.1 also counts the dossiers open at a period
         * end: /stats/ontime gives it per period). With rules=dvcqg766 on_time_rate is this
         * rate. */
        json_object_set_new(it, "on_time_rate",
                            q->rules == CLS_DVCQG766 ? rate_json(x2, h2) : rate_json(x, h));
        json_object_set_new(v, "ended_on_time", json_integer(ok766));
        json_object_set_new(v, "ended_late", json_integer(ended - ok766));
        json_object_set_new(v, "rate", rate_json(x2, h2));
        json_object_set_new(it, "dvcqg766", v);
        json_array_append_new(items, it);
    }
    body = json_object();
    json_object_set_new(body, "rules", json_string(cls_rules_key((enum cls_rules)q->rules)));
    json_object_set_new(body, "period", rq_period_json(q));
    json_object_set_new(body, "interval", json_string(q->g1));
    json_object_set_new(body, "items", items);
    json_object_set_new(body, "next_cursor", json_null());
    http_reply_json(rc, 200, body);
}

static void
api_stats_trend(struct reqctx *rc)
{
    struct rq *q = arena_alloc(rc->arena, sizeof(*q));
    struct mc_err e = {0};
    const char *iv = rc_query(rc, "interval");
    const char **v;

    if (rq_parse_common(rc, q, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    q->g1 = iv == NULL ? "day" : iv;
    if (strcmp(q->g1, "day") != 0 && strcmp(q->g1, "week") != 0 && strcmp(q->g1, "month") != 0) {
        http_reply_err(rc, ERR_BAD_QUERY, "interval is day, week or month");
        return;
    }
    v = hx_params(rc, TREND__N);
    v[TREND_FROM] = q->from_s;
    v[TREND_TO] = q->to_s;
    v[TREND_INTERVAL] = q->g1;
    rq_scope_params(q, v + TREND_SCOPE);
    rc->state = q;
    api_db1(rc, SQL_TREND, TREND__N, v, trend_done);
}

/* ---- GET /api/v1/reports/bieu06 ---- */

static const struct {
    const char *key, *label;
} LEVELS[] = {
    {"central", "Cấp bộ, ngành"},
    {"province", "Cấp tỉnh (sở, ban, ngành)"},
    {"district", "Cấp huyện"},
    {"commune", "Cấp xã"},
};

static const char *
name_of(const PGresult *names, const char *prefix, const char *code, struct arena *a)
{
    char *k = arena_printf(a, "%s:%s", prefix, code);

    int ck = db_col(names, "key"), cn = db_col(names, "name");

    for (int i = 0; i < PQntuples(names); i++)
        if (strcmp(db_val(names, i, ck), k) == 0)
            return db_val(names, i, cn);
    return code;
}

static void
fill_from(struct b06_row *row, const PGresult *res, const int *fc, int i)
{
    b06_fill(row, cell(res, i, fc[F_RECEIVED]), cell(res, i, fc[F_ONLINE]), cell(res, i, fc[F_DIRECT]),
             cell(res, i, fc[F_CARRIED]), cell(res, i, fc[F_ENDED]), cell(res, i, fc[F_EARLY]),
             cell(res, i, fc[F_ONTIME]), cell(res, i, fc[F_LATE]), cell(res, i, fc[F_OPEN]),
             cell(res, i, fc[F_OVERDUE]));
}

/* The rows of Biểu 06 from the figures (res) and the names: by unit, or by level with the
 * fields within a level (§8.2); the total last. Returns the number of rows. */
static size_t
bieu06_rows(struct reqctx *rc, const PGresult *res, const PGresult *names, int by_unit,
            struct b06_row *rows)
{
    static const char *const roman[] = {"I", "II", "III", "IV"};
    struct b06_row total = {.kind = B06_TOTAL, .label = "Tổng cộng", .key = ""};
    size_t n = 0;
    int fc[F__N], ngroup = 0;

    hx_cols(res, F_NAMES, F__N, fc);
    if (by_unit) {
        for (int i = 0; i < PQntuples(res); i++) {
            struct b06_row *row = &rows[n++];

            snprintf(row->stt, sizeof(row->stt), "%d", i + 1);
            row->key = db_val(res, i, fc[F_K1]);
            row->label = name_of(names, "unit", row->key, rc->arena);
            fill_from(row, res, fc, i);
            b06_add(&total, row);
        }
    } else {
        for (size_t l = 0; l < sizeof(LEVELS) / sizeof(LEVELS[0]); l++) {
            struct b06_row *grp = NULL;
            int k = 0;

            for (int i = 0; i < PQntuples(res); i++) {
                struct b06_row *row;

                if (strcmp(db_val(res, i, fc[F_K1]), LEVELS[l].key) != 0)
                    continue;
                if (grp == NULL) {
                    grp = &rows[n++];
                    grp->kind = B06_GROUP;
                    snprintf(grp->stt, sizeof(grp->stt), "%s", roman[ngroup++]);
                    grp->label = LEVELS[l].label;
                    grp->key = LEVELS[l].key;
                }
                row = &rows[n++];
                snprintf(row->stt, sizeof(row->stt), "%d", ++k);
                row->key = db_val(res, i, fc[F_K2]);
                row->label = name_of(names, "field", row->key, rc->arena);
                fill_from(row, res, fc, i);
                b06_add(grp, row);
                b06_add(&total, row);
            }
        }
    }
    rows[n++] = total;
    return n;
}

/* Biểu 06 as JSON: the form's head, its columns and rows. */
static json_t *
bieu06_json(const struct rq *q, const struct b06_meta *m, const struct b06_row *rows, size_t n)
{
    static const char *const kinds[] = {"data", "group", "total"};
    json_t *body = json_object(), *cols = json_array(), *jr = json_array();

    for (int i = 1; i < B06_COLS; i++)
        json_array_append_new(cols, json_string(i == 2 ? m->group_title : B06_HEAD[i]));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object(), *c = json_array();

        json_object_set_new(o, "stt", json_string(rows[i].stt));
        json_object_set_new(o, "label", json_string(rows[i].label));
        json_object_set_new(o, "key", json_string(rows[i].key != NULL ? rows[i].key : ""));
        json_object_set_new(o, "kind", json_string(kinds[rows[i].kind]));
        for (int k = 3; k < B06_COLS; k++)
            json_array_append_new(c, json_integer(rows[i].c[k]));
        json_object_set_new(o, "cells", c);
        json_array_append_new(jr, o);
    }
    json_object_set_new(body, "form", json_string("Biểu số 06/VPCP/KSTT"));
    json_object_set_new(body, "title", json_string(B06_TITLE));
    json_object_set_new(body, "period", rq_period_json(q));
    json_object_set_new(body, "period_label", json_string(m->period_label));
    json_object_set_new(body, "unit", json_string(m->unit_name));
    json_object_set_new(body, "unit_of_measure", json_string("Số hồ sơ TTHC"));
    json_object_set_new(body, "rules", json_string("legal"));
    json_object_set_new(body, "rollup", json_string(q->rollup != NULL ? q->rollup : "none"));
    if (q->as_of != NULL)
        json_object_set_new(body, "as_of", json_string(q->as_of));
    json_object_set_new(body, "columns", cols);
    json_object_set_new(body, "rows", jr);
    return body;
}

/* Replies with Biểu 06 in the format asked for (JSON, CSV or XLSX). */
static void
bieu06_reply(struct reqctx *rc, const struct rq *q, const struct b06_meta *m,
             const struct b06_row *rows, size_t n)
{
    struct mc_err e = {0};
    size_t len;

    if (strcmp(q->format, "csv") == 0) {
        char *csv = b06_csv(rc->arena, m, rows, n, &len);

        http_reply_data(rc, 200, "text/csv; charset=utf-8", csv, len, "bieu06.csv");
        return;
    }
    if (strcmp(q->format, "xlsx") == 0) {
        char *out;

        if (b06_xlsx(rc->arena, m, rows, n, &out, &len, &e) != 0) {
            http_reply_error(rc, &e);
            return;
        }
        http_reply_data(rc, 200,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", out,
                        len, "bieu06.xlsx");
        return;
    }
    http_reply_json(rc, 200, bieu06_json(q, m, rows, n));
}

static void
bieu06_done(struct reqctx *rc, struct db_result *r)
{
    struct rq *q = rc->state;
    const PGresult *res, *names;
    struct b06_row *rows;
    struct b06_meta m = {0};
    size_t n;
    struct mc_err e = {0};
    char *label = arena_alloc(rc->arena, 160);
    int by_unit = strcmp(q->g1, "unit") == 0;

    res = rq_result(rc, r);
    if (res == NULL)
        return;
    names = r->res[1];
    rows = arena_calloc(rc->arena, (size_t)PQntuples(res) + 8, sizeof(*rows));
    n = bieu06_rows(rc, res, names, by_unit, rows);
    for (size_t i = 0; i < n; i++)
        if (b06_check(&rows[i], &e) != 0) {
            log_kv(LOG_ERROR, "report invariant violated", "detail", e.detail, "from",
                   q->from_s, "to", q->to_s, "request_id", rc->req_id, NULL);
            http_reply_error(rc, &e);
            return;
        }
    if (q->kind >= 0)
        report_period_label((enum report_period_kind)q->kind, q->year, q->number, label, 160);
    else
        snprintf(label, 160, "Từ ngày %s đến ngày %s", q->from_s, q->to_s);
    m.period_label = label;
    m.from = q->from;
    m.to = q->to;
    m.unit_name = db_val(names, PQntuples(names) - 1, db_col(names, "name"));
    m.recipient = rc_query(rc, "recipient");
    m.group_title = by_unit ? "Đơn vị giải quyết" : B06_HEAD[2];
    bieu06_reply(rc, q, &m, rows, n);
}

static void
api_bieu06(struct reqctx *rc)
{
    struct rq *q = arena_alloc(rc->arena, sizeof(*q));
    struct mc_err e = {0};
    const char *group = rc_query(rc, "group"), *fmt = rc_query(rc, "format"),
               *accept = rc_header(rc, "Accept");
    struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));
    const char **nv = hx_params(rc, NAMES__N);

    if (rq_parse_common(rc, q, &e) != 0 || rq_parse_as_of(rc, q, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (fmt == NULL && accept != NULL) {
        if (strstr(accept, "text/csv") != NULL)
            fmt = "csv";
        else if (strstr(accept, "spreadsheetml") != NULL)
            fmt = "xlsx";
    }
    q->format = fmt == NULL ? "json" : fmt;
    if (strcmp(q->format, "json") != 0 && strcmp(q->format, "csv") != 0 &&
        strcmp(q->format, "xlsx") != 0) {
        http_reply_err(rc, ERR_NOT_ACCEPTABLE, "format is json, csv or xlsx");
        return;
    }
    if (group == NULL || strcmp(group, "level") == 0) {
        q->g1 = "level";
        q->g2 = "field";
    } else if (strcmp(group, "unit") == 0) {
        q->g1 = "unit";
        q->g2 = "none";
    } else {
        http_reply_err(rc, ERR_BAD_QUERY, "group is level (default) or unit");
        return;
    }
    nv[NAMES_UNIT] = q->unit;
    nv[NAMES_SCOPE] = q->scope[0] != '\0' ? q->scope : NULL;
    st[0] = (struct db_stmt){figures_sql(q), FIG__N, figure_params(rc, q)};
    st[1] = (struct db_stmt){SQL_NAMES, NAMES__N, nv};
    rc->state = q;
    api_db(rc, st, 2, bieu06_done);
}

const struct route API_REPORT_ROUTES[] = {
    {EVHTTP_REQ_GET, "/api/v1/stats/ontime", api_stats_ontime, REPORT_READERS, 0,
     "On-time figures and rates of a period, grouped by up to two keys"},
    {EVHTTP_REQ_GET, "/api/v1/stats/trend", api_stats_trend, REPORT_READERS, 0,
     "Received and resolved by class per day, week or month"},
    {EVHTTP_REQ_GET, "/api/v1/reports/bieu06", api_bieu06, REPORT_READERS, 0,
     "Biểu số 06/VPCP/KSTT as JSON, CSV or XLSX"},
    {EVHTTP_REQ_GET, "/api/v1/reports/bieu06/late-dossiers", api_bieu06_late, REPORT_READERS, 0,
     "The late dossiers of a Biểu 06 period with the unit and official of the late step"},
    {EVHTTP_REQ_GET, "/api/v1/stats/ontime/dossiers", api_stats_cell_dossiers, REPORT_READERS, 0,
     "The dossiers counted in one cell of the on-time figures"},
    {EVHTTP_REQ_GET, "/api/v1/stats/overdue", api_stats_overdue, REPORT_READERS, 0,
     "Open dossiers overdue now, most overdue first"},
    {EVHTTP_REQ_GET, "/api/v1/stats/due-soon", api_stats_due_soon, REPORT_READERS, 0,
     "Open dossiers due within N working hours, most urgent first"},
    {EVHTTP_REQ_GET, "/api/v1/stats/evaluations", api_stats_evaluations, REPORT_READERS, 0,
     "The applicants' evaluations: ratings, indicator averages, total of 18, class, coverage"},
    {EVHTTP_REQ_GET, "/api/v1/stats/pakn", api_stats_pakn, REPORT_READERS, 0,
     "The register of phản ánh, kiến nghị as figures: states, deadlines kept, overdue, repeats"},
    {EVHTTP_REQ_GET, "/api/v1/stats/satisfaction", api_stats_satisfaction, REPORT_READERS, 0,
     "QĐ 766 indicators 5.2-5.4 (PAKN in time, PAKN satisfaction, dossier satisfaction)"},
    {EVHTTP_REQ_GET, "/api/v1/alerts", api_alerts_list, REPORT_READERS, 0,
     "Alerts in the caller's scope, newest first"},
    {EVHTTP_REQ_GET, "/api/v1/alerts/stream", api_alerts_stream, REPORT_READERS, RF_STREAM,
     "Alerts as Server-Sent Events (id = alert id; Last-Event-ID resumes)"},
    {0, NULL, NULL, 0, 0, NULL},
};
