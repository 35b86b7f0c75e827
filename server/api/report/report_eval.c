/*
 * report_eval.c - the evaluation summary (shared/domain.md §12.3 "Evaluation summary";
 * rules in domain/sat.c): GET /api/v1/stats/evaluations?from=&to=|period=&group=
 * unit|official|procedure|channel|all, under the same scope and period parameters as the
 * on-time figures (rq_parse_common).
 *
 * Each dossier counts with its latest evaluation made in the period (evaluated_at's local
 * date), attributed by the resolving or receiving unit (?by=), to the reception and the
 * return clerk for group=official (once when they are the same person). Per group: the
 * evaluations by rating and their shares, the nine indicator averages of the applicants'
 * answers (2 decimals; an indicator nobody answered is null and left out of the total),
 * the total of 18, the class (Xuất sắc >= 15, Tốt >= 12, Khá >= 9, Trung bình >= 6, Yếu),
 * the share of Không hài lòng with the low-satisfaction flag (MOTCUA_LOW_SATISFACTION_SHARE,
 * strictly above), and, for unit, procedure and all, the coverage: the dossiers whose end
 * (return, stop or withdrawal) falls in the period, and how many of them have been
 * evaluated.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common/common.h"
#include "api/report/report_int.h"
#include "app.h"
#include "core/arena.h"
#include "core/config.h"
#include "domain/sat.h"
#include "http/reqctx.h"

/* Both statements: the period, the group, the scope block. */
enum { EVS_FROM, EVS_TO, EVS_GROUP, EVS_SCOPE, EVS__N = EVS_SCOPE + RQ_SCOPE__N };

#define EVS_UNITS                                                                               \
    "WITH us AS MATERIALIZED (SELECT * FROM report_units($6::bigint,"                           \
    " CASE WHEN $7::text IS NULL THEN NULL"                                                     \
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $7::text), -1) END, $8::boolean, $5))"

static const char SQL_EVS_FIGURES[] =
    EVS_UNITS ", e AS ("
    "  SELECT v.*, d.procedure_id, us.gid FROM evaluation v"
    "  JOIN dossier d ON d.id = v.dossier_id"
    "  JOIN us ON us.id = CASE WHEN $4 = 'receiving' THEN v.receiving_unit_id"
    "   ELSE v.resolving_unit_id END"
    "  WHERE report_lday(v.evaluated_at) BETWEEN $1::date AND $2::date"
    "   AND NOT EXISTS (SELECT 1 FROM evaluation w WHERE w.dossier_id = v.dossier_id"
    "    AND w.version > v.version AND report_lday(w.evaluated_at) <= $2::date)"
    " ), k AS ("
    "  SELECT CASE $3 WHEN 'unit' THEN gu.code WHEN 'procedure' THEN p.code"
    "   WHEN 'channel' THEN e.channel ELSE '' END AS key,"
    "   CASE $3 WHEN 'unit' THEN gu.name WHEN 'procedure' THEN p.name ELSE '' END AS name, e.*"
    "  FROM e JOIN unit gu ON gu.id = e.gid JOIN procedure p ON p.id = e.procedure_id"
    "  WHERE $3 <> 'official'"
    "  UNION ALL"
    "  SELECT a.login, a.display_name, e.* FROM e"
    "  JOIN account a ON a.id IN (e.reception_account_id, e.return_account_id)"
    "  WHERE $3 = 'official'"
    " )"
    " SELECT key, min(name) AS name, count(*) AS rated,"
    "  count(*) FILTER (WHERE rating = 1) AS r1, count(*) FILTER (WHERE rating = 2) AS r2,"
    "  count(*) FILTER (WHERE rating = 3) AS r3,"
    "  sum(answers[1]) AS s1, count(answers[1]) AS n1, sum(answers[2]) AS s2,"
    "  count(answers[2]) AS n2, sum(answers[3]) AS s3, count(answers[3]) AS n3,"
    "  sum(answers[4]) AS s4, count(answers[4]) AS n4, sum(answers[5]) AS s5,"
    "  count(answers[5]) AS n5, sum(answers[6]) AS s6, count(answers[6]) AS n6,"
    "  sum(answers[7]) AS s7, count(answers[7]) AS n7, sum(answers[8]) AS s8,"
    "  count(answers[8]) AS n8, sum(answers[9]) AS s9, count(answers[9]) AS n9"
    " FROM k GROUP BY key ORDER BY key";

static const char SQL_EVS_COVERAGE[] =
    EVS_UNITS
    " SELECT CASE $3 WHEN 'unit' THEN gu.code WHEN 'procedure' THEN p.code ELSE '' END AS key,"
    "  count(*) AS ended,"
    "  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM evaluation v WHERE v.dossier_id = d.id))"
    "   AS evaluated"
    " FROM dossier d"
    " JOIN us ON us.id = CASE WHEN $4 = 'receiving' THEN d.receiving_unit_id"
    "  ELSE d.resolving_unit_id END"
    " JOIN unit gu ON gu.id = us.gid JOIN procedure p ON p.id = d.procedure_id"
    " WHERE $3 IN ('unit', 'procedure', 'all') AND d.state IN (7, 8, 10)"
    "  AND report_lday(CASE WHEN d.state = 10 THEN d.returned_at ELSE d.ended_at END)"
    "   BETWEEN $1::date AND $2::date"
    " GROUP BY 1";

static const char *const GROUPS[] = {"unit", "official", "procedure", "channel", "all", NULL};

enum { FC_KEY, FC_NAME, FC_RATED, FC_R1, FC_R2, FC_R3, FC_S1, FC__N = FC_S1 + 2 * SAT_INDICATORS };

struct evs {
    struct rq q;
    const char *group;
};

static json_t *
fixed(long v, int decimals)
{
    char buf[32];

    if (decimals == 1)
        snprintf(buf, sizeof buf, "%ld.%ld", v / 10, v % 10);
    else
        snprintf(buf, sizeof buf, "%ld.%02ld", v / 100, v % 100);
    return json_string(buf);
}

/* One group's figures from its accumulated counts. */
static json_t *
score_json(struct reqctx *rc, const struct sat_acc *a)
{
    struct sat_policy pol;
    struct sat_score s;
    json_t *o = json_object(), *ind = json_array(), *sh = json_object();
    int flag, share;

    sat_policy_default(&pol);
    pol.low_share_permille = rc->app->cfg->low_sat_share * 10;
    sat_score(a, &s);
    for (int i = 0; i < SAT_INDICATORS; i++)
        json_array_append_new(ind, s.avg_h[i] == SAT_UNKNOWN ? json_null() : fixed(s.avg_h[i], 2));
    for (int r = SAT_VERY_SATISFIED; r < SAT_RATING__N; r++) {
        json_object_set_new(o, sat_rating_key((enum sat_rating)r), json_integer(a->rating[r]));
        json_object_set_new(sh, sat_rating_key((enum sat_rating)r),
                            s.rated > 0 ? fixed(s.share_pm[r], 1) : json_null());
    }
    share = sat_official_share(&pol, a->rating[SAT_DISSATISFIED], s.rated, &flag);
    json_object_set_new(o, "rated", json_integer(s.rated));
    json_object_set_new(o, "shares", sh);
    json_object_set_new(o, "indicators", ind);
    json_object_set_new(o, "total", fixed(s.total_h, 2));
    json_object_set_new(o, "class", json_string(sat_class_key(s.cls)));
    json_object_set_new(o, "class_name", json_string(sat_class_vi(s.cls)));
    json_object_set_new(o, "dissatisfied_share", s.rated > 0 ? fixed(share, 1) : json_null());
    json_object_set_new(o, "low_satisfaction", json_boolean(flag));
    return o;
}

static void
acc_row(const PGresult *res, int row, const int *c, struct sat_acc *one, struct sat_acc *all)
{
    memset(one, 0, sizeof *one);
    for (int r = 0; r < 3; r++)
        one->rating[SAT_VERY_SATISFIED + r] = atol(db_val(res, row, c[FC_R1 + r]));
    for (int i = 0; i < SAT_INDICATORS; i++) {
        const char *sum = db_val(res, row, c[FC_S1 + 2 * i]);

        one->sum[i] = sum != NULL && sum[0] != '\0' ? atol(sum) : 0;
        one->n[i] = atol(db_val(res, row, c[FC_S1 + 2 * i + 1]));
    }
    for (int r = 0; r < SAT_RATING__N; r++)
        all->rating[r] += one->rating[r];
    for (int i = 0; i < SAT_INDICATORS; i++) {
        all->sum[i] += one->sum[i];
        all->n[i] += one->n[i];
    }
}

/* {"ended", "evaluated", "share"} of the dossiers ended in the period. */
static json_t *
coverage_of(long ended, long evaluated)
{
    return json_pack("{s:I, s:I, s:o}", "ended", (json_int_t)ended, "evaluated",
                     (json_int_t)evaluated, "share",
                     ended > 0 ? fixed((evaluated * 2000 + ended) / (2 * ended), 1) : json_null());
}

static json_t *
coverage_json(const PGresult *cov, const char *key)
{
    for (int i = 0; i < PQntuples(cov); i++)
        if (strcmp(hx_col(cov, i, "key"), key) == 0)
            return coverage_of(atol(hx_col(cov, i, "ended")), atol(hx_col(cov, i, "evaluated")));
    return coverage_of(0, 0);
}

static void
evs_done(struct reqctx *rc, struct db_result *r)
{
    struct evs *x = rc->state;
    static const char *const names[FC_S1] = {"key", "name", "rated", "r1", "r2", "r3"};
    const char *cols[FC__N];
    const PGresult *res = rq_result(rc, r), *cov;
    struct sat_acc all, one;
    long ended = 0, evaluated = 0;
    int c[FC__N], covered = strcmp(x->group, "official") != 0 && strcmp(x->group, "channel") != 0;
    json_t *rows = json_array(), *tot, *o;
    char *nm = arena_alloc(rc->arena, 4 * FC__N);

    if (res == NULL)
        return;
    cov = r->res[1];
    memcpy(cols, names, sizeof names);
    for (int i = 0; i < SAT_INDICATORS; i++) {
        cols[FC_S1 + 2 * i] = nm + 8 * i;
        cols[FC_S1 + 2 * i + 1] = nm + 8 * i + 4;
        snprintf(nm + 8 * i, 4, "s%d", i + 1);
        snprintf(nm + 8 * i + 4, 4, "n%d", i + 1);
    }
    hx_cols(res, cols, FC__N, c);
    memset(&all, 0, sizeof all);
    for (int i = 0; i < PQntuples(res); i++) {
        const char *key = db_val(res, i, c[FC_KEY]);

        acc_row(res, i, c, &one, &all);
        o = score_json(rc, &one);
        json_object_set_new(o, "key", json_string(key));
        json_object_set_new(o, "name", json_string(db_val(res, i, c[FC_NAME])));
        if (covered)
            json_object_set_new(o, "coverage", coverage_json(cov, key));
        json_array_append_new(rows, o);
    }
    tot = score_json(rc, &all);
    if (covered) {
        for (int i = 0; i < PQntuples(cov); i++) {
            ended += atol(hx_col(cov, i, "ended"));
            evaluated += atol(hx_col(cov, i, "evaluated"));
        }
        json_object_set_new(tot, "coverage", coverage_of(ended, evaluated));
    }
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 200, json_pack("{s:o, s:s, s:s, s:o, s:o}", "period",
                                       rq_period_json(&x->q), "group", x->group, "by", x->q.by,
                                       "rows", rows, "total", tot));
}

void
api_stats_evaluations(struct reqctx *rc)
{
    struct evs *x = arena_calloc(rc->arena, 1, sizeof *x);
    struct db_stmt *st = arena_alloc(rc->arena, 2 * sizeof *st);
    const char **v;
    struct mc_err e;
    size_t i = 0;

    err_clear(&e);
    if (rq_parse_common(rc, &x->q, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    x->group = rc_query(rc, "group");
    if (x->group == NULL)
        x->group = "unit";
    while (GROUPS[i] != NULL && strcmp(GROUPS[i], x->group) != 0)
        i++;
    if (GROUPS[i] == NULL) {
        err_field(&e, ERR_BAD_QUERY, "group", "group is unit, official, procedure, channel or all");
        http_reply_error(rc, &e);
        return;
    }
    v = hx_params(rc, EVS__N);
    v[EVS_FROM] = x->q.from_s;
    v[EVS_TO] = x->q.to_s;
    v[EVS_GROUP] = x->group;
    rq_scope_params(&x->q, v + EVS_SCOPE);
    st[0] = (struct db_stmt){SQL_EVS_FIGURES, EVS__N, v};
    st[1] = (struct db_stmt){SQL_EVS_COVERAGE, EVS__N, v};
    rc->state = x;
    api_db(rc, st, 2, evs_done);
}
