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
#include "report/report.h"
#include "report/sheet.h"
#include "domain/cal.h"
#include "domain/sat.h"
#include "http/reqctx.h"

/* Both statements: the period, the group, the scope block. */
enum { EVS_FROM, EVS_TO, EVS_GROUP, EVS_SCOPE, EVS_ASOF = EVS_SCOPE + RQ_SCOPE__N, EVS__N };
/* What was recorded by ?as_of= (live: everything). */
#define EVS_KNOWN(col) col " <= coalesce($9::timestamptz, 'infinity')"

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
    "   AND " EVS_KNOWN("v.recorded_at")
    "   AND NOT EXISTS (SELECT 1 FROM evaluation w WHERE w.dossier_id = v.dossier_id"
    "    AND w.version > v.version AND report_lday(w.evaluated_at) <= $2::date"
    "    AND " EVS_KNOWN("w.recorded_at") ")"
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

/* Coverage: the dossiers whose end (the return, else the stop or withdrawal) falls in the
   period, as they stand or stood at ?as_of= (their events recorded by then). */
static const char SQL_EVS_COVERAGE[] =
    EVS_UNITS ", a AS ("
    "  SELECT d.id, d.resolving_unit_id, d.receiving_unit_id, d.procedure_id,"
    "   CASE WHEN d.state = 10 THEN d.returned_at ELSE d.ended_at END AS end_at"
    "  FROM dossier d WHERE $9::timestamptz IS NULL AND d.state IN (7, 8, 10)"
    "  UNION ALL"
    "  SELECT d.id, d.resolving_unit_id, d.receiving_unit_id, d.procedure_id,"
    "   CASE WHEN x.st = 10 THEN x.ret ELSE x.stop END"
    "  FROM dossier d CROSS JOIN LATERAL ("
    "   SELECT (array_agg(e.to_state ORDER BY e.seq DESC))[1] AS st,"
    "    min(e.occurred_at) FILTER (WHERE e.to_state = 10) AS ret,"
    "    min(e.occurred_at) FILTER (WHERE e.to_state IN (7, 8)) AS stop"
    "   FROM dossier_event e WHERE e.dossier_id = d.id AND e.recorded_at <= $9::timestamptz) x"
    "  WHERE $9::timestamptz IS NOT NULL AND x.st IN (7, 8, 10)"
    " )"
    " SELECT CASE $3 WHEN 'unit' THEN gu.code WHEN 'procedure' THEN p.code ELSE '' END AS key,"
    "  count(*) AS ended,"
    "  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM evaluation v WHERE v.dossier_id = d.id"
    "   AND " EVS_KNOWN("v.recorded_at") ")) AS evaluated"
    " FROM a d"
    " JOIN us ON us.id = CASE WHEN $4 = 'receiving' THEN d.receiving_unit_id"
    "  ELSE d.resolving_unit_id END"
    " JOIN unit gu ON gu.id = us.gid JOIN procedure p ON p.id = d.procedure_id"
    " WHERE $3 IN ('unit', 'procedure', 'all')"
    "  AND report_lday(d.end_at) BETWEEN $1::date AND $2::date"
    " GROUP BY 1";

/* The verified score (điểm thẩm định, report_verified.c) of each unit for exactly this
   period, the latest recorded by ?as_of= (group=unit only). */
static const char SQL_EVS_VERIFIED[] =
    "SELECT DISTINCT ON (v.unit_id) u.code AS key, v.total::text AS total, v.note,"
    " floor(extract(epoch FROM v.recorded_at))::bigint AS recorded_at"
    " FROM evaluation_verified v JOIN unit u ON u.id = v.unit_id"
    " WHERE $3 = 'unit' AND v.period_from = $1::date AND v.period_to = $2::date"
    "  AND ($6::bigint IS NULL OR unit_in_scope($6::bigint, v.unit_id))"
    "  AND " EVS_KNOWN("v.recorded_at")
    /* the statement binds the summary's list; the rows' keys pick what is shown */
    "  AND num_nulls($4::text, $5::text, $7::text, $8::boolean) >= 0"
    " ORDER BY v.unit_id, v.id DESC";

static const struct hx_jcol VERIFIED_JSON[] = {
    {"total", NULL, HX_TEXT}, {"note", NULL, HX_TEXT}, {"recorded_at", NULL, HX_TS}};

/* The verified score of key as JSON, or null. */
static json_t *
verified_json(const PGresult *res, const char *key)
{
    for (int i = 0; i < PQntuples(res); i++)
        if (strcmp(hx_col(res, i, "key"), key) == 0)
            return hx_row_set(json_object(), res, i, VERIFIED_JSON,
                              (int)(sizeof VERIFIED_JSON / sizeof VERIFIED_JSON[0]));
    return json_null();
}

static const char *const SUM_COLS[SAT_INDICATORS] = {"s1", "s2", "s3", "s4", "s5",
                                                      "s6", "s7", "s8", "s9"};
static const char *const CNT_COLS[SAT_INDICATORS] = {"n1", "n2", "n3", "n4", "n5",
                                                      "n6", "n7", "n8", "n9"};
static const char *const GROUPS[] = {"unit", "official", "procedure", "channel", "all", NULL};

enum { FC_KEY, FC_NAME, FC_RATED, FC_R1, FC_R2, FC_R3, FC_S1, FC__N = FC_S1 + 2 * SAT_INDICATORS };

struct evs {
    struct rq q;
    const char *group;
    enum rq_fmt fmt; /* ?format=json|csv|xlsx */
};

static json_t *
fixed(long v, int decimals)
{
    char buf[64];

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
    /* ratings without any scorecard answer have no total and no class */
    json_object_set_new(o, "total", s.known > 0 ? fixed(s.total_h, 2) : json_null());
    json_object_set_new(o, "class", s.known > 0 ? json_string(sat_class_key(s.cls)) : json_null());
    json_object_set_new(o, "class_name",
                        s.known > 0 ? json_string(sat_class_vi(s.cls)) : json_null());
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

static void reply_file(struct reqctx *rc, const struct evs *x, json_t *rows, json_t *tot);

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

    if (res == NULL)
        return;
    cov = r->res[1];
    memcpy(cols, names, sizeof names);
    for (int i = 0; i < SAT_INDICATORS; i++) {
        cols[FC_S1 + 2 * i] = SUM_COLS[i];
        cols[FC_S1 + 2 * i + 1] = CNT_COLS[i];
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
        if (strcmp(x->group, "unit") == 0)
            json_object_set_new(o, "verified", verified_json(r->res[2], key));
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
    if (x->fmt != RQ_JSON) {
        reply_file(rc, x, rows, tot);
        json_decref(rows);
        json_decref(tot);
        return;
    }
    o = json_pack("{s:o, s:s, s:s, s:o, s:o}", "period", rq_period_json(&x->q), "group",
                  x->group, "by", x->q.by, "rows", rows, "total", tot);
    if (x->q.as_of != NULL)
        json_object_set_new(o, "as_of", json_string(x->q.as_of));
    http_reply_json(rc, 200, o);
}

/* ---- files: "Bảng đánh giá việc giải quyết TTHC" and the others -------------------- */

static json_t *
cell(json_t *v)
{
    return v != NULL ? json_incref(v) : json_null();
}

/* One row of the evaluation table: the label, then the figures of r. */
static json_t *
eval_line(json_t *r, const char *label)
{
    static const char *const ratings[] = {"very_satisfied", "satisfied", "dissatisfied"};
    json_t *cov = json_object_get(r, "coverage"), *ind = json_object_get(r, "indicators");
    json_t *a = json_array();

    json_array_append_new(a, label != NULL ? json_string(label) : cell(json_object_get(r, "name")));
    json_array_append_new(a, cell(json_object_get(r, "rated")));
    for (int i = 0; i < 3; i++)
        json_array_append_new(a, cell(json_object_get(r, ratings[i])));
    for (int i = 0; i < 3; i++)
        json_array_append_new(a, cell(json_object_get(json_object_get(r, "shares"), ratings[i])));
    for (size_t i = 0; i < SAT_INDICATORS; i++)
        json_array_append_new(a, cell(json_array_get(ind, i)));
    json_array_append_new(a, cell(json_object_get(r, "total")));
    json_array_append_new(a, cell(json_object_get(r, "class_name")));
    json_array_append_new(a, cell(json_object_get(r, "dissatisfied_share")));
    json_array_append_new(a, cell(cov != NULL ? json_object_get(cov, "ended") : NULL));
    json_array_append_new(a, cell(cov != NULL ? json_object_get(cov, "evaluated") : NULL));
    json_array_append_new(a, cell(json_object_get(json_object_get(r, "verified"), "total")));
    return a;
}

static void
reply_file(struct reqctx *rc, const struct evs *x, json_t *rows, json_t *tot)
{
    static const char *head[] = {
        NULL, "Số đánh giá", "Rất hài lòng", "Hài lòng", "Không hài lòng",
        "Tỷ lệ rất hài lòng (%)", "Tỷ lệ hài lòng (%)", "Tỷ lệ không hài lòng (%)", "Chỉ số 1",
        "Chỉ số 2", "Chỉ số 3", "Chỉ số 4", "Chỉ số 5", "Chỉ số 6", "Chỉ số 7", "Chỉ số 8",
        "Chỉ số 9", "Tổng điểm (/18)", "Xếp loại", "Tỷ lệ không hài lòng của cán bộ (%)",
        "Hồ sơ kết thúc", "Hồ sơ được đánh giá", "Điểm thẩm định"};
    const char *h[sizeof head / sizeof head[0]];
    struct sheet sh = {"Bảng đánh giá việc giải quyết thủ tục hành chính", NULL, "Đánh giá",
                       sizeof head / sizeof head[0], h, json_array(), 0, 1};
    size_t i;
    json_t *r;

    memcpy(h, head, sizeof head);
    h[0] = strcmp(x->group, "official") == 0    ? "Cán bộ"
           : strcmp(x->group, "procedure") == 0 ? "Thủ tục"
           : strcmp(x->group, "channel") == 0   ? "Hình thức đánh giá"
                                                : "Đơn vị";
    sh.subtitle = rq_period_line(rc, &x->q);
    json_array_foreach(rows, i, r) json_array_append_new(sh.rows, eval_line(r, NULL));
    sh.bold_from = json_array_size(sh.rows);
    json_array_append_new(sh.rows, eval_line(tot, "Tổng cộng"));
    rq_reply_sheet(rc, x->fmt, &sh, "danh-gia");
}

void
api_stats_evaluations(struct reqctx *rc)
{
    struct evs *x = arena_calloc(rc->arena, 1, sizeof *x);
    struct db_stmt *st = arena_alloc(rc->arena, 3 * sizeof *st);
    const char **v;
    struct mc_err e;

    err_clear(&e);
    if (rq_parse_report(rc, &x->q, &x->fmt, GROUPS, &x->group, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    v = hx_params(rc, EVS__N);
    v[EVS_FROM] = x->q.from_s;
    v[EVS_TO] = x->q.to_s;
    v[EVS_GROUP] = x->group;
    rq_scope_params(&x->q, v + EVS_SCOPE);
    v[EVS_ASOF] = x->q.as_of;
    st[0] = (struct db_stmt){SQL_EVS_FIGURES, EVS__N, v};
    st[1] = (struct db_stmt){SQL_EVS_COVERAGE, EVS__N, v};
    st[2] = (struct db_stmt){SQL_EVS_VERIFIED, EVS__N, v};
    rc->state = x;
    api_db(rc, st, 3, evs_done);
}

/* ---- QĐ 766 group 5 (satisfaction) before the portal publishes it ------------------------ */

/*
 * GET /api/v1/stats/satisfaction (shared/domain.md §12.1 5.4, §12.2 5.2-5.3), per unit of
 * the grouping (resolving or receiving, the report's structure), period [from, to], judged
 * at the period's end or now when earlier:
 *   5.2 PAKN handled in time = (answered by their due + open and not past it) / PAKN under
 *       competence (first received in the period, neither rejected nor transferred out);
 *   5.3 = (handled - late - followed up by another PAKN) / handled (likes and dislikes are
 *       not kept here: that part of the portal's formula is not computed);
 *   5.4 = (D - B) / D: D the dossiers whose end (resolution) falls in the period, B those with
 *       a Không hài lòng (latest evaluation), a PAKN naming them, or late under dvcqg766 -
 *       each once (formula=set), or late and PAKN-or-dislike counted apart (formula=additive).
 * Points: 6 x ratio for 5.2 and 5.3 (no PAKN: 6); min(6, 6 x ratio / 90) for 5.4 (D = 0: 0).
 */
enum { SAT_FROM, SAT_TO, SAT_AT, SAT_SCOPE, SAT_ASOF = SAT_SCOPE + RQ_SCOPE__N, SAT__N };

#define SAT_UNITS                                                                               \
    "WITH us AS MATERIALIZED (SELECT * FROM report_units($6::bigint,"                           \
    " CASE WHEN $7::text IS NULL THEN NULL"                                                     \
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $7::text), -1) END, $8::boolean, $5))"
/* The instant the figures are judged at: the period's end, or now, or ?as_of= if earlier. */
#define SAT_K "least(to_timestamp($3::bigint), coalesce($9::timestamptz, 'infinity'))"
/* A PAKN known at ?as_of= (its intake was logged by then; live: every PAKN). */
#define SAT_PAKN_KNOWN(x)                                                                       \
    "($9::timestamptz IS NULL OR EXISTS (SELECT 1 FROM pakn_event ke WHERE ke.pakn_id = " x    \
    " AND ke.seq = 1 AND ke.recorded_at <= $9::timestamptz))"

static const char SQL_SAT_PAKN[] =
    SAT_UNITS ", p AS ("
    "  SELECT gu.code AS key, gu.name, x.*,"
    "   (x.answered_at IS NOT NULL AND x.answered_at <= " SAT_K ") AS handled"
    "  FROM pakn_rows_at($9::timestamptz) x JOIN us ON us.id = x.unit_id"
    "  JOIN unit gu ON gu.id = us.gid"
    "  WHERE report_lday(x.received_at) BETWEEN $1::date AND $2::date AND x.state NOT IN (2, 3)"
    "   AND $4::text IS NOT NULL"
    " ), h AS ("
    /* 5.3 of a handled PAKN: late, followed up by another PAKN, more dislikes than likes */
    "  SELECT p.*, p.answered_at > p.answer_due_at AS late,"
    "   EXISTS (SELECT 1 FROM pakn c WHERE c.parent_id = p.id AND c.received_at <= " SAT_K
    "    AND " SAT_PAKN_KNOWN("c.id") ") AS followed,"
    "   (SELECT rx.dislikes > rx.likes FROM pakn_reactions_at(p.id, " SAT_K ") rx) AS disliked"
    "  FROM p"
    " )"
    " SELECT key, min(name) AS name, count(*) AS total,"
    "  count(*) FILTER (WHERE CASE WHEN handled THEN answered_at <= answer_due_at"
    "   ELSE " SAT_K " <= answer_due_at END) AS in_time,"
    "  count(*) FILTER (WHERE handled) AS handled,"
    "  count(*) FILTER (WHERE handled AND (late OR followed OR disliked)) AS bad,"
    "  count(*) FILTER (WHERE handled AND late) AS late,"
    "  count(*) FILTER (WHERE handled AND followed) AS followed,"
    "  count(*) FILTER (WHERE handled AND disliked) AS disliked"
    " FROM h GROUP BY key ORDER BY key";

/* The dossiers of 5.4: resolved (9 or 10) in the period, as they stand now or stood at
   ?as_of= (report_asof_rows, the on-time figures' own reconstruction). */
static const char SQL_SAT_DOSSIERS[] =
    SAT_UNITS ", a AS ("
    "  SELECT x.id, x.resolving_unit_id, x.receiving_unit_id, x.ended_at,"
    "   x.supplement_seconds, x.appointment_at, x.legal_due_at FROM dossier x"
    "  WHERE $9::timestamptz IS NULL AND x.end_state IN (9, 10)"
    "  UNION ALL"
    "  SELECT r.id, r.resolving_unit_id, r.receiving_unit_id, r.ended_at,"
    "   r.supplement_seconds, r.appointment_at, r.legal_due_at"
    "  FROM report_asof_rows($9::timestamptz) r"
    "  WHERE $9::timestamptz IS NOT NULL AND r.state IN (9, 10)"
    " ), d AS ("
    "  SELECT gu.code AS key, gu.name,"
    "   NOT report_ok_766(x.id, x.ended_at, x.supplement_seconds, x.appointment_at,"
    "    x.legal_due_at) AS late,"
    "   (EXISTS (SELECT 1 FROM pakn k WHERE k.dossier_id = x.id AND " SAT_PAKN_KNOWN("k.id") ")"
    "    OR (SELECT v.rating FROM evaluation v WHERE v.dossier_id = x.id"
    "     AND v.recorded_at <= coalesce($9::timestamptz, 'infinity')"
    "     ORDER BY v.version DESC LIMIT 1) = 3) AS voiced"
    "  FROM a x"
    "  JOIN us ON us.id = CASE WHEN $4 = 'receiving' THEN x.receiving_unit_id"
    "   ELSE x.resolving_unit_id END"
    "  JOIN unit gu ON gu.id = us.gid"
    "  WHERE report_lday(x.ended_at) BETWEEN $1::date AND $2::date"
    "   AND x.ended_at <= " SAT_K
    " )"
    " SELECT key, min(name) AS name, count(*) AS d, count(*) FILTER (WHERE late OR voiced) AS b,"
    "  count(*) FILTER (WHERE late) AS late, count(*) FILTER (WHERE voiced) AS voiced"
    " FROM d GROUP BY key ORDER BY key";

struct sat {
    struct rq q;
    enum sat_formula formula;
    enum rq_fmt fmt;
};

static json_t *
ratio6(long num, long den)
{
    return json_pack("{s:I, s:I, s:o, s:o}", "numerator", (json_int_t)num, "denominator",
                     (json_int_t)den, "ratio",
                     den > 0 ? fixed((num * 2000 + den) / (2 * den), 1) : json_null(), "points",
                     fixed(sat_points_6(num, den), 2));
}

static json_t *
sat_row(enum sat_formula f, const PGresult *pk, int pi, const PGresult *ds, int di, int *total_h)
{
    long total = pi >= 0 ? atol(hx_col(pk, pi, "total")) : 0;
    long in_time = pi >= 0 ? atol(hx_col(pk, pi, "in_time")) : 0;
    long handled = pi >= 0 ? atol(hx_col(pk, pi, "handled")) : 0;
    long bad = pi >= 0 ? atol(hx_col(pk, pi, "bad")) : 0;
    struct sat_54 in = {0, 0, 0, 0};
    int ratio, points;
    json_t *o = json_object();

    if (di >= 0)
        in = (struct sat_54){atol(hx_col(ds, di, "d")), atol(hx_col(ds, di, "b")),
                             atol(hx_col(ds, di, "late")), atol(hx_col(ds, di, "voiced"))};
    sat_indicator_54(f, &in, &ratio, &points);
    *total_h = sat_points_6(in_time, total) + sat_points_6(handled - bad, handled) + points;
    json_object_set_new(o, "indicator_5_2", ratio6(in_time, total));
    json_object_set_new(o, "indicator_5_3", ratio6(handled - bad, handled));
    /* why a handled PAKN is not counted satisfied (a PAKN may have several reasons) */
    for (int k = 0; k < 3; k++) {
        static const char *const why[] = {"late", "followed_up", "disliked"};
        static const char *const col[] = {"late", "followed", "disliked"};

        json_object_set_new(json_object_get(o, "indicator_5_3"), why[k],
                            json_integer(pi >= 0 ? atol(hx_col(pk, pi, col[k])) : 0));
    }
    json_object_set_new(o, "indicator_5_4",
                        json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "dossiers", (json_int_t)in.d,
                                  "unsatisfied", (json_int_t)in.b_set, "late",
                                  (json_int_t)in.late, "pakn_or_dissatisfied",
                                  (json_int_t)in.pakn_or_dis, "ratio",
                                  in.d > 0 ? fixed(ratio, 1) : json_null(), "points",
                                  fixed(points, 2)));
    json_object_set_new(o, "points", fixed(*total_h, 2));
    return o;
}

/* Row index of key in res, or -1. */
static int
row_of(const PGresult *res, const char *key)
{
    for (int i = 0; i < PQntuples(res); i++)
        if (strcmp(hx_col(res, i, "key"), key) == 0)
            return i;
    return -1;
}

/* "Chỉ số hài lòng" as a file: per unit the numerators, denominators, ratios and points. */
static void
sat_file(struct reqctx *rc, const struct sat *x, json_t *rows)
{
    static const char *const head[] = {
        "Đơn vị", "5.2 PAKN xử lý đúng hạn", "5.2 PAKN thuộc thẩm quyền", "5.2 Tỷ lệ (%)",
        "5.2 Điểm", "5.3 PAKN được hài lòng", "5.3 PAKN đã xử lý", "5.3 Tỷ lệ (%)", "5.3 Điểm",
        "5.4 Hồ sơ đã giải quyết", "5.4 Hồ sơ không hài lòng", "5.4 Tỷ lệ (%)", "5.4 Điểm",
        "Tổng điểm (/18)"};
    static const char *const ind[] = {"indicator_5_2", "indicator_5_3"};
    struct sheet sh = {"Mức độ hài lòng trong tiếp nhận, giải quyết thủ tục hành chính và xử lý "
                       "phản ánh, kiến nghị (nhóm chỉ số 5, Quyết định 766/QĐ-TTg)",
                       rq_period_line(rc, &x->q), "Hài lòng", sizeof head / sizeof head[0], head,
                       json_array(), (size_t)-1, 1};
    size_t i;
    json_t *r;

    json_array_foreach(rows, i, r) {
        json_t *a = json_array(), *s4 = json_object_get(r, "indicator_5_4");

        json_array_append_new(a, cell(json_object_get(r, "name")));
        for (int k = 0; k < 2; k++) {
            json_t *o = json_object_get(r, ind[k]);

            json_array_append_new(a, cell(json_object_get(o, "numerator")));
            json_array_append_new(a, cell(json_object_get(o, "denominator")));
            json_array_append_new(a, cell(json_object_get(o, "ratio")));
            json_array_append_new(a, cell(json_object_get(o, "points")));
        }
        json_array_append_new(a, cell(json_object_get(s4, "dossiers")));
        json_array_append_new(a, cell(json_object_get(s4, x->formula == SAT_FORMULA_SET
                                                              ? "unsatisfied"
                                                              : "pakn_or_dissatisfied")));
        json_array_append_new(a, cell(json_object_get(s4, "ratio")));
        json_array_append_new(a, cell(json_object_get(s4, "points")));
        json_array_append_new(a, cell(json_object_get(r, "points")));
        json_array_append_new(sh.rows, a);
    }
    rq_reply_sheet(rc, x->fmt, &sh, "hai-long");
}

static void
sat_done(struct reqctx *rc, struct db_result *r)
{
    struct sat *x = rc->state;
    const PGresult *pk = rq_result(rc, r), *ds;
    json_t *rows = json_array(), *o;
    int h;

    if (pk == NULL) {
        json_decref(rows);
        return;
    }
    ds = r->res[1];
    /* every unit with PAKN or dossiers, in key order */
    for (int i = 0, j = 0; i < PQntuples(pk) || j < PQntuples(ds);) {
        const char *a = i < PQntuples(pk) ? hx_col(pk, i, "key") : NULL;
        const char *b = j < PQntuples(ds) ? hx_col(ds, j, "key") : NULL;
        const char *key = a == NULL ? b : b == NULL ? a : strcmp(a, b) <= 0 ? a : b;
        int pi = row_of(pk, key), di = row_of(ds, key);
        json_t *u = sat_row(x->formula, pk, pi, ds, di, &h);

        json_object_set_new(u, "key", json_string(key));
        json_object_set_new(u, "name", json_string(hx_col(pi >= 0 ? pk : ds, pi >= 0 ? pi : di,
                                                          "name")));
        json_array_append_new(rows, u);
        i += pi >= 0;
        j += di >= 0;
    }
    if (x->fmt != RQ_JSON) {
        sat_file(rc, x, rows);
        json_decref(rows);
        return;
    }
    rc_set_header(rc, "Cache-Control", "no-store");
    o = json_pack("{s:o, s:s, s:s, s:o}", "period", rq_period_json(&x->q), "formula",
                  x->formula == SAT_FORMULA_SET ? "set" : "additive", "by", x->q.by, "rows", rows);
    if (x->q.as_of != NULL)
        json_object_set_new(o, "as_of", json_string(x->q.as_of));
    http_reply_json(rc, 200, o);
}

void
api_stats_satisfaction(struct reqctx *rc)
{
    struct sat *x = arena_calloc(rc->arena, 1, sizeof *x);
    struct db_stmt *st = arena_alloc(rc->arena, 2 * sizeof *st);
    const char *f = rc_query(rc, "formula");
    const char **v;
    struct mc_err e;
    int64_t end;

    err_clear(&e);
    if (rq_parse_report(rc, &x->q, &x->fmt, NULL, NULL, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    if (f != NULL && strcmp(f, "set") != 0 && strcmp(f, "additive") != 0) {
        err_field(&e, ERR_BAD_QUERY, "formula", "formula is set or additive");
        http_reply_error(rc, &e);
        return;
    }
    x->formula = f != NULL && strcmp(f, "additive") == 0 ? SAT_FORMULA_ADDITIVE : SAT_FORMULA_SET;
    end = cal_instant(x->q.to + 1, 0);
    v = hx_params(rc, SAT__N);
    v[SAT_FROM] = x->q.from_s;
    v[SAT_TO] = x->q.to_s;
    v[SAT_AT] = hx_i64(rc, end < rc->now ? end : rc->now);
    rq_scope_params(&x->q, v + SAT_SCOPE);
    v[SAT_ASOF] = x->q.as_of;
    st[0] = (struct db_stmt){SQL_SAT_PAKN, SAT__N, v};
    st[1] = (struct db_stmt){SQL_SAT_DOSSIERS, SAT__N, v};
    rc->state = x;
    api_db(rc, st, 2, sat_done);
}
