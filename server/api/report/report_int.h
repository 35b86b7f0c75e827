/*
 * report_int.h - what the report handlers share (api/report/report.c: figures and Biểu 06;
 * api/report/report_lists.c: the dossier lists behind them). Internal to the report module.
 */
#ifndef MOTCUA_API_REPORT_INT_H
#define MOTCUA_API_REPORT_INT_H

#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "db/db.h"
#include "domain/role.h"

struct reqctx;

/* Who reads figures and lists (domain.md §11; integration clients read none). */
#define REPORT_READERS (ROLE_CLERK | ROLE_OFFICIAL | ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN)

/* The parameters of a report request (rq_parse_common). */
struct rq {
    int32_t from, to;
    char from_s[16], to_s[16];
    const char *g1, *g2;
    const char *by, *structure, *unit, *sub;
    const char *rollup;        /* ?rollup=children|subtree, NULL for none */
    const char *structure_sql; /* p_structure of the SQL functions: structure[/rollup] */
    char scope[24];
    int rules;
    int kind;     /* period kind, -1 for an explicit range */
    int year, number;
    const char *format;
    const char *as_of; /* RFC 3339 instant of ?as_of=, NULL for "now" */
};

/* Decimal in [-100000, 100000] -> *out; -1 when s is NULL, empty or not such a number. */
int rq_parse_int(const char *s, int *out);

/*
 * Period (period=&year=&number= or from=&to=), by, structure, rules, unit,
 * include_sub_units, and the caller's scope (administrator: all; leader, supervisor: their
 * subtree; clerk, official: their own unit). -1 with e = BAD_QUERY naming the field.
 */
int rq_parse_common(struct reqctx *rc, struct rq *q, struct mc_err *e);

/* The non-period part of rq_parse_common (by, structure, rollup, rules, unit, scope);
 * by may also be "current" (the unit holding the dossier now) when allow_current. rollup
 * (sql/064_report_rollup.sql): children = one row per child unit of the unit asked for (else
 * of the caller's unit, else of the top of the tree) with its whole subtree summed, plus the
 * unit's own dossiers; subtree = the whole subtree as one row; clerks and officials (their
 * own unit only) get none. */
int rq_parse_scope(struct reqctx *rc, struct rq *q, int allow_current, struct mc_err *e);

/* ?as_of=<RFC 3339> into q->as_of (NULL when absent; an offset-less time is local,
 * +07:00). -1 with e = BAD_QUERY naming as_of. */
int rq_parse_as_of(struct reqctx *rc, struct rq *q, struct mc_err *e);

/* The scope parameters of the report statements, in the order their SQL functions take
 * them: by, structure[/rollup], scope (NULL for an administrator: everything), unit and
 * include_sub_units. A statement's enum names the first RQ_SCOPE__N-long block
 * (X_SCOPE), and its next member is X_SCOPE + RQ_SCOPE__N. */
enum { RQ_BY, RQ_STRUCTURE, RQ_SCOPE, RQ_UNIT, RQ_SUB, RQ_SCOPE__N };
/* q's scope parameters into v[RQ_BY .. RQ_SUB] (v points at the statement's X_SCOPE). */
void rq_scope_params(const struct rq *q, const char **v);

/* The first result of a report unit, or NULL after replying with the unit's error. */
const PGresult *rq_result(struct reqctx *rc, const struct db_result *r);

/* ?format=json|csv|xlsx (report_file.c): 0, or -1 with e = BAD_QUERY naming format. */
enum rq_fmt { RQ_JSON, RQ_CSV, RQ_XLSX };
int rq_parse_format(struct reqctx *rc, enum rq_fmt *out, struct mc_err *e);
/* The query of a report that downloads as files: the period and scope (rq_parse_common),
   ?as_of=, ?format= and, when groups (NULL-terminated, the first the default) is given,
   ?group= into *group. 0, or -1 with e = BAD_QUERY naming the parameter. */
int rq_parse_report(struct reqctx *rc, struct rq *q, enum rq_fmt *fmt, const char *const *groups,
                    const char **group, struct mc_err *e);
/* "Từ ngày dd/mm/yyyy đến ngày dd/mm/yyyy" of q, with the instant of ?as_of=, in the arena. */
const char *rq_period_line(struct reqctx *rc, const struct rq *q);
/* The table as the file asked for (CSV or XLSX, named base.csv / base.xlsx, no-store);
   releases sh->rows. */
struct sheet;
void rq_reply_sheet(struct reqctx *rc, enum rq_fmt f, struct sheet *sh, const char *base);

/* {"from","to"[,"kind","label"]} of the request's period. */
json_t *rq_period_json(const struct rq *q);

/* Handlers of api/report/report_lists.c (rows of API_REPORT_ROUTES). */
void api_stats_overdue(struct reqctx *rc);
void api_stats_due_soon(struct reqctx *rc);
void api_stats_cell_dossiers(struct reqctx *rc);
void api_bieu06_late(struct reqctx *rc);
/* The evaluation summary (api/report/report_eval.c). */
void api_stats_evaluations(struct reqctx *rc);
/* QĐ 766 group 5 before the portal publishes it (api/report/report_eval.c). */
void api_stats_satisfaction(struct reqctx *rc);
/* report_pakn.c */
void api_stats_pakn(struct reqctx *rc);

#endif
