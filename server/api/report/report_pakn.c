/*
 * report_pakn.c - the register of phản ánh, kiến nghị as figures (shared/domain.md §12.3
 * "PAKN register": by channel, topic, unit, state; on-time share per deadline; overdue;
 * repeats): GET /api/v1/stats/pakn?from=&to=|period=&group=unit|topic|channel|state|all
 * &as_of=&format=json|csv|xlsx, under the scopes and period parameters of the other reports.
 *
 * A PAKN counts once, in the period of its first reception (received_at's local date), with
 * its receiver, state and deadlines as they stood at the judging instant k: the period's
 * end, or now, or ?as_of= if earlier (pakn_rows_at, sql/fn/60_voice.sql, the same reading as
 * QĐ 766 5.2-5.3 in report_eval.c). Per group:
 *   states     how many are in each state at k;
 *   answer     of those under competence (neither rejected nor transferred out): answered
 *              by their due, answered late, still open within the due, overdue; in_time is
 *              5.2's numerator (answered by the due + open within it), share its ratio;
 *   decision   accepted, rejected or transferred out by the reject/transfer due (2 working
 *              days from the arrival at the current receiver), and still undecided past it;
 *   information  first requests for more information, and those by their due (5 days);
 *   publication  published, published by the due (2 days after the answer), and answered
 *              ones not yet published past it;
 *   repeats    follow-ups: PAKN that name an earlier one.
 */
#include <stdlib.h>
#include <string.h>

#include "api/common/common.h"
#include "api/report/report_int.h"
#include "core/arena.h"
#include "domain/cal.h"
#include "domain/pakn.h"
#include "http/reqctx.h"
#include "report/sheet.h"

enum { PR_FROM, PR_TO, PR_GROUP, PR_SCOPE, PR_ASOF = PR_SCOPE + RQ_SCOPE__N, PR_AT, PR__N };

#define PR_K "least(to_timestamp($10::bigint), coalesce($9::timestamptz, 'infinity'))"

static const char SQL_PR[] =
    "WITH us AS MATERIALIZED (SELECT * FROM report_units($6::bigint,"
    " CASE WHEN $7::text IS NULL THEN NULL"
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $7::text), -1) END, $8::boolean, $5)),"
    " x AS ("
    "  SELECT r.*, gu.code AS ucode, gu.name AS uname, r.state NOT IN (2, 3) AS competent,"
    "   coalesce(r.answered_at <= " PR_K ", false) AS answered,"
    "   coalesce(r.decided_at <= " PR_K ", false) AS decided,"
    "   coalesce(r.first_info_at <= " PR_K ", false) AS informed,"
    "   coalesce(r.published_at <= " PR_K ", false) AS published"
    "  FROM pakn_rows_at($9::timestamptz) r JOIN us ON us.id = r.unit_id"
    "  JOIN unit gu ON gu.id = us.gid"
    "  WHERE report_lday(r.received_at) BETWEEN $1::date AND $2::date AND $4::text IS NOT NULL"
    " )"
    " SELECT CASE $3 WHEN 'unit' THEN ucode WHEN 'topic' THEN topic WHEN 'channel' THEN channel"
    "  WHEN 'state' THEN state::text ELSE '' END AS key,"
    "  min(CASE $3 WHEN 'unit' THEN uname ELSE '' END) AS name, count(*) AS total,"
    "  count(*) FILTER (WHERE state = 0) AS s0, count(*) FILTER (WHERE state = 1) AS s1,"
    "  count(*) FILTER (WHERE state = 2) AS s2, count(*) FILTER (WHERE state = 3) AS s3,"
    "  count(*) FILTER (WHERE state = 4) AS s4, count(*) FILTER (WHERE state = 5) AS s5,"
    "  count(*) FILTER (WHERE state = 6) AS s6,"
    "  count(*) FILTER (WHERE competent) AS competent,"
    "  count(*) FILTER (WHERE competent AND answered AND answered_at <= answer_due_at)"
    "   AS answered_on_time,"
    "  count(*) FILTER (WHERE competent AND answered AND answered_at > answer_due_at)"
    "   AS answered_late,"
    "  count(*) FILTER (WHERE competent AND NOT answered AND " PR_K " <= answer_due_at)"
    "   AS open_in_time,"
    "  count(*) FILTER (WHERE competent AND NOT answered AND " PR_K " > answer_due_at)"
    "   AS overdue,"
    "  count(*) FILTER (WHERE decided) AS decided,"
    "  count(*) FILTER (WHERE decided AND decided_at <= reject_due_at) AS decided_on_time,"
    "  count(*) FILTER (WHERE NOT decided AND state = 0 AND " PR_K " > reject_due_at)"
    "   AS undecided_overdue,"
    "  count(*) FILTER (WHERE informed) AS info_requests,"
    "  count(*) FILTER (WHERE informed AND first_info_at <= supplement_due_at)"
    "   AS info_requests_on_time,"
    "  count(*) FILTER (WHERE published) AS published,"
    "  count(*) FILTER (WHERE published AND published_at <= publish_due_at)"
    "   AS published_on_time,"
    "  count(*) FILTER (WHERE answered AND NOT published AND " PR_K " > publish_due_at)"
    "   AS publish_overdue,"
    "  count(*) FILTER (WHERE parent_id IS NOT NULL) AS repeats"
    " FROM x GROUP BY 1 ORDER BY 1";

/* The counted columns, in the order of the sheet after the label. */
enum {
    PC_TOTAL, PC_S0, PC_S1, PC_S2, PC_S3, PC_S4, PC_S5, PC_S6, PC_COMPETENT, PC_ANS_OK,
    PC_ANS_LATE, PC_OPEN_OK, PC_OVERDUE, PC_DECIDED, PC_DECIDED_OK, PC_UNDECIDED_LATE,
    PC_INFO, PC_INFO_OK, PC_PUBLISHED, PC_PUBLISHED_OK, PC_PUBLISH_LATE, PC_REPEATS, PC__N
};
static const char *const PC_COLS[PC__N] = {
    "total", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "competent", "answered_on_time",
    "answered_late", "open_in_time", "overdue", "decided", "decided_on_time",
    "undecided_overdue", "info_requests", "info_requests_on_time", "published",
    "published_on_time", "publish_overdue", "repeats"};

static const char *const GROUPS[] = {"unit", "topic", "channel", "state", "all", NULL};

struct pr {
    struct rq q;
    const char *group;
    enum rq_fmt fmt;
};

/* "n / d" as a share in percent with one decimal ("87.5"), null when d = 0. */
static json_t *
share(long n, long d)
{
    char buf[32];
    long v = d > 0 ? (n * 2000 + d) / (2 * d) : 0;

    if (d <= 0)
        return json_null();
    snprintf(buf, sizeof buf, "%ld.%ld", v / 10, v % 10);
    return json_string(buf);
}

static json_t *
figures_json(const long *c)
{
    json_t *st = json_object();

    for (int s = 0; s < PAKN_STATE__N; s++)
        json_object_set_new(st, pakn_state_key((enum pakn_state)s), json_integer(c[PC_S0 + s]));
    return json_pack(
        "{s:I, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:o}, s:{s:I, s:I, s:I, s:o},"
        " s:{s:I, s:I, s:o}, s:{s:I, s:I, s:I, s:o}, s:I}",
        "total", (json_int_t)c[PC_TOTAL], "states", st, "answer", "competent",
        (json_int_t)c[PC_COMPETENT], "on_time", (json_int_t)c[PC_ANS_OK], "late",
        (json_int_t)c[PC_ANS_LATE], "open_in_time", (json_int_t)c[PC_OPEN_OK], "overdue",
        (json_int_t)c[PC_OVERDUE], "in_time", (json_int_t)(c[PC_ANS_OK] + c[PC_OPEN_OK]),
        "in_time_share", share(c[PC_ANS_OK] + c[PC_OPEN_OK], c[PC_COMPETENT]), "decision",
        "decided", (json_int_t)c[PC_DECIDED], "on_time", (json_int_t)c[PC_DECIDED_OK],
        "overdue", (json_int_t)c[PC_UNDECIDED_LATE], "on_time_share",
        share(c[PC_DECIDED_OK], c[PC_DECIDED]), "information", "requested",
        (json_int_t)c[PC_INFO], "on_time", (json_int_t)c[PC_INFO_OK], "on_time_share",
        share(c[PC_INFO_OK], c[PC_INFO]), "publication", "published",
        (json_int_t)c[PC_PUBLISHED], "on_time", (json_int_t)c[PC_PUBLISHED_OK], "overdue",
        (json_int_t)c[PC_PUBLISH_LATE], "on_time_share", share(c[PC_PUBLISHED_OK], c[PC_PUBLISHED]),
        "repeats", (json_int_t)c[PC_REPEATS]);
}

/* The name of a group's key: the unit's name from SQL, else the Vietnamese label. */
static const char *
key_name(const struct pr *x, const char *key, const char *sql_name)
{
    if (strcmp(x->group, "topic") == 0)
        return pakn_topic_vi((enum pakn_topic)pakn_topic_parse(key));
    if (strcmp(x->group, "channel") == 0)
        return pakn_channel_vi((enum pakn_channel)pakn_channel_parse(key));
    if (strcmp(x->group, "state") == 0)
        return pakn_state_vi((enum pakn_state)atoi(key));
    if (strcmp(x->group, "all") == 0)
        return "Tổng cộng";
    return sql_name;
}

static json_t *
sheet_line(const char *label, const long *c)
{
    json_t *a = json_array();

    json_array_append_new(a, json_string(label));
    for (int k = 0; k < PC__N; k++)
        json_array_append_new(a, json_integer(c[k]));
    json_array_append_new(a, share(c[PC_ANS_OK] + c[PC_OPEN_OK], c[PC_COMPETENT]));
    return a;
}

static void
reply_file(struct reqctx *rc, const struct pr *x, json_t *lines)
{
    static const char *const head[] = {
        "Nhóm", "Tổng số PAKN", "Chờ tiếp nhận", "Đang xử lý", "Từ chối tiếp nhận",
        "Đã chuyển cơ quan có thẩm quyền", "Chờ bổ sung thông tin", "Đã trả lời, chờ công khai",
        "Đã công khai", "Thuộc thẩm quyền", "Trả lời đúng hạn", "Trả lời quá hạn",
        "Đang xử lý trong hạn", "Đang xử lý quá hạn", "Đã quyết định tiếp nhận",
        "Quyết định đúng hạn", "Chưa quyết định, quá hạn", "Yêu cầu bổ sung",
        "Yêu cầu bổ sung đúng hạn", "Đã công khai (số)", "Công khai đúng hạn",
        "Chưa công khai, quá hạn", "PAKN lặp lại", "Tỷ lệ xử lý đúng hạn (%)"};
    struct sheet sh = {"Sổ theo dõi phản ánh, kiến nghị", rq_period_line(rc, &x->q),
                       "Phản ánh, kiến nghị", sizeof head / sizeof head[0], head, lines,
                       strcmp(x->group, "all") != 0 ? json_array_size(lines) - 1 : 0, 1};

    rq_reply_sheet(rc, x->fmt, &sh, "phan-anh-kien-nghi");
}

static void
pr_done(struct reqctx *rc, struct db_result *r)
{
    struct pr *x = rc->state;
    const PGresult *res = rq_result(rc, r);
    long all[PC__N] = {0}, c[PC__N];
    int idx[PC__N];
    json_t *rows = json_array(), *lines = json_array(), *o;

    if (res == NULL) {
        json_decref(rows);
        json_decref(lines);
        return;
    }
    hx_cols(res, PC_COLS, PC__N, idx);
    for (int i = 0; i < PQntuples(res); i++) {
        const char *key = hx_col(res, i, "key"), *name = key_name(x, key, hx_col(res, i, "name"));

        for (int k = 0; k < PC__N; k++)
            all[k] += c[k] = atol(db_val(res, i, idx[k]));
        o = figures_json(c);
        json_object_set_new(o, "key", json_string(strcmp(x->group, "state") == 0
                                                      ? pakn_state_key((enum pakn_state)atoi(key))
                                                      : key));
        json_object_set_new(o, "name", json_string(name));
        json_array_append_new(rows, o);
        json_array_append_new(lines, sheet_line(name, c));
    }
    if (x->fmt != RQ_JSON) {
        if (strcmp(x->group, "all") != 0)
            json_array_append_new(lines, sheet_line("Tổng cộng", all));
        json_decref(rows);
        reply_file(rc, x, lines);
        return;
    }
    json_decref(lines);
    o = json_pack("{s:o, s:s, s:o, s:o}", "period", rq_period_json(&x->q), "group", x->group,
                  "rows", rows, "total", figures_json(all));
    if (x->q.as_of != NULL)
        json_object_set_new(o, "as_of", json_string(x->q.as_of));
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_json(rc, 200, o);
}

/* GET /api/v1/stats/pakn */
void
api_stats_pakn(struct reqctx *rc)
{
    struct pr *x = arena_calloc(rc->arena, 1, sizeof *x);
    const char **v;
    struct mc_err e;
    int64_t end;

    err_clear(&e);
    if (rq_parse_report(rc, &x->q, &x->fmt, GROUPS, &x->group, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    end = cal_instant(x->q.to + 1, 0);
    v = hx_params(rc, PR__N);
    v[PR_FROM] = x->q.from_s;
    v[PR_TO] = x->q.to_s;
    v[PR_GROUP] = x->group;
    rq_scope_params(&x->q, v + PR_SCOPE);
    v[PR_ASOF] = x->q.as_of;
    v[PR_AT] = hx_i64(rc, end < rc->now ? end : rc->now);
    rc->state = x;
    api_db1(rc, SQL_PR, PR__N, v, pr_done);
}
