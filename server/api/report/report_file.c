/*
 * report_file.c - the reports as files a supervisor downloads (report_int.h): ?format=,
 * the period line under a title, and a report/sheet.h table answered as CSV or XLSX.
 */
#include <string.h>

#include "api/common/common.h"
#include "api/report/report_int.h"
#include "core/arena.h"
#include "domain/cal.h"
#include "http/reqctx.h"
#include "report/sheet.h"

/* ?format=json|csv|xlsx: 0, or -1 with e = BAD_QUERY. */
int
rq_parse_format(struct reqctx *rc, enum rq_fmt *out, struct mc_err *e)
{
    const char *f = rc_query(rc, "format");

    *out = RQ_JSON;
    if (f == NULL || strcmp(f, "json") == 0)
        return 0;
    if (strcmp(f, "csv") == 0 || strcmp(f, "xlsx") == 0) {
        *out = f[0] == 'c' ? RQ_CSV : RQ_XLSX;
        return 0;
    }
    return err_field(e, ERR_BAD_QUERY, "format", "format is json, csv or xlsx");
}

/* "Từ ngày dd/mm/yyyy đến ngày dd/mm/yyyy", and the instant of an as-of report. */
const char *
rq_period_line(struct reqctx *rc, const struct rq *q)
{
    char from[16], to[16];

    cal_format_date(q->from, from);
    cal_format_date(q->to, to);
    return arena_printf(rc->arena, "Từ ngày %.2s/%.2s/%.4s đến ngày %.2s/%.2s/%.4s%s%s",
                        from + 8, from + 5, from, to + 8, to + 5, to,
                        q->as_of != NULL ? " - số liệu tại thời điểm " : "",
                        q->as_of != NULL ? q->as_of : "");
}

/* The sheet as the file asked for (rows released here). */
void
rq_reply_sheet(struct reqctx *rc, enum rq_fmt f, struct sheet *sh, const char *base)
{
    struct mc_err e;
    char *out;
    size_t len;

    rc_set_header(rc, "Cache-Control", "no-store");
    if (f == RQ_CSV) {
        out = sheet_csv(rc->arena, sh, &len);
        http_reply_data(rc, 200, "text/csv; charset=utf-8", out, len,
                        arena_printf(rc->arena, "%s.csv", base));
    } else if (sheet_xlsx(rc->arena, sh, &out, &len, &e) != 0) {
        http_reply_error(rc, &e);
    } else {
        http_reply_data(rc, 200,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", out,
                        len, arena_printf(rc->arena, "%s.xlsx", base));
    }
    json_decref(sh->rows);
}

int
rq_parse_report(struct reqctx *rc, struct rq *q, enum rq_fmt *fmt, const char *const *groups,
                const char **group, struct mc_err *e)
{
    const char *g = rc_query(rc, "group");
    char list[160] = "";
    size_t i = 0;

    if (rq_parse_common(rc, q, e) != 0 || rq_parse_as_of(rc, q, e) != 0 ||
        rq_parse_format(rc, fmt, e) != 0)
        return -1;
    if (groups == NULL)
        return 0;
    *group = g != NULL ? g : groups[0];
    while (groups[i] != NULL && strcmp(groups[i], *group) != 0)
        i++;
    if (groups[i] != NULL)
        return 0;
    for (i = 0; groups[i] != NULL; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i > 0 ? ", " : "",
                 groups[i]);
    return err_field(e, ERR_BAD_QUERY, "group", "group is one of %s", list);
}
