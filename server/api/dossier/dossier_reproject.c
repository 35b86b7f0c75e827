/*
 * dossier_reproject.c - dapi_reproject_calendar (api/dossier/dossier.h): after a calendar change,
 * open dossiers whose remaining window crosses the changed days get their appointment and
 * legal due recomputed on the new calendar, each with an event "calendar_reprojected" naming
 * the change (domain.md §4.5). One unit per dossier, guarded by its version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/dossier/dossier.h"
#include "api/dossier/dossier_int.h"
#include "api/dossier/idem.h"
#include "app.h"
#include "core/config.h"
#include "domain/cal.h"
#include "domain/ddl.h"
#include "domain/dossier.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* ---------------------------------------------------------------- calendar re-projection */

static const char DSQL_REPROJECT_EVENT[] =
    "INSERT INTO dossier_event (dossier_id, province, seq, type, from_state, to_state,"
    " occurred_at, payload, aggregateid)"
    " VALUES ($1::bigint, $2, $3::int, 'calendar_reprojected', $4::smallint, $4::smallint,"
    " now(), $5::jsonb, $6)";

static const char DSQL_REPROJECT_UPDATE[] =
    "UPDATE dossier SET appointment_at = $3::timestamptz, legal_due_at = $4::timestamptz,"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::bigint AND version = $2::int";

struct reproject {
    struct worker *w;
    dapi_reproject_cb done;
    void *arg;
    char change[128];
    char from[16], to[16];
    const char *params[2];
    int pending;
    int moved;
    int failed;
    struct mc_err err;
};

struct reproject_one {
    struct reproject *rp;
    char buf[8][160];
    char *payload;
    const char *pe[6];
    const char *pu[4];
    struct db_stmt s[2];
};

static void
reproject_finish(struct reproject *rp)
{
    if (rp->failed)
        rp->done(-1, &rp->err, rp->arg);
    else
        rp->done(rp->moved, NULL, rp->arg);
    free(rp);
}

static void
on_reprojected(struct db_result *r, void *arg)
{
    struct reproject_one *one = arg;
    struct reproject *rp = one->rp;

    /* A dossier that moved meanwhile (23505) keeps its projection; the next change
       re-projects it. Any other failure is reported. */
    if (r->err.code == ERR_OK)
        rp->moved++;
    else if (strcmp(r->sqlstate, "23505") != 0 && !rp->failed) {
        rp->failed = 1;
        rp->err = r->err;
    }
    free(one->payload);
    free(one);
    if (--rp->pending == 0)
        reproject_finish(rp);
}

/* Re-computes one dossier on the current calendar; 1 when it moved (unit queued). */
static int
reproject_row(struct reproject *rp, const struct ddl_axis *ax, const PGresult *res, int i)
{
    struct ddl_duration dur;
    struct mc_err e;
    int64_t appt = 0, due = 0, old_appt, old_due;
    const char *cut = db_val(res, i, db_col(res, "cutoff_minute"));
    const char *mm = db_val(res, i, db_col(res, "max_minutes"));
    json_t *pauses, *pz;
    size_t k;
    struct reproject_one *one;
    char a[32], b[32], c[32], d[32];

    if (dapi_duration(db_val(res, i, db_col(res, "duration_unit")),
                         atoi(db_val(res, i, db_col(res, "duration_value"))),
                         cut[0] ? atoi(cut) : -1, &dur, &e) != 0 ||
        dapi_start_clock(ax, hx_col_ts(res, i, "received_at"), &dur, mm[0] ? atoi(mm) : 0,
                    &appt, &due, &e) != 0)
        return 0;
    /* §6.1: each counted, resolved pause moves the due position by pos(S) - pos(P). */
    pauses = json_loads(db_val(res, i, db_col(res, "pauses")), 0, NULL);
    json_array_foreach(pauses, k, pz)
    {
        json_t *s = json_array_get(pz, 2);

        if (json_is_integer(s))
            due = ddl_instant(ax, ddl_pos(ax, due) +
                                      ddl_between(ax, json_integer_value(json_array_get(pz, 1)),
                                                  json_integer_value(s)));
    }
    json_decref(pauses);
    old_appt = hx_col_ts(res, i, "appointment_at");
    old_due = hx_col_ts(res, i, "legal_due_at");
    if (appt == old_appt && due == old_due)
        return 0;
    one = xcalloc(1, sizeof(*one));
    one->rp = rp;
    cal_format_instant(old_appt, a);
    cal_format_instant(appt, b);
    cal_format_instant(old_due, c);
    cal_format_instant(due, d);
    {
        json_t *pl = json_pack("{s:s,s:s?,s:s?,s:s,s:s}", "change", rp->change,
                               "appointment_before", old_appt ? a : NULL, "appointment_after",
                               appt ? b : NULL, "legal_due_before", c, "legal_due_after", d);
        one->payload = json_dumps(pl, JSON_COMPACT);
        json_decref(pl);
    }
    snprintf(one->buf[0], sizeof(one->buf[0]), "%s", db_val(res, i, db_col(res, "id")));
    snprintf(one->buf[1], sizeof(one->buf[1]), "%s", db_val(res, i, db_col(res, "province")));
    snprintf(one->buf[2], sizeof(one->buf[2]), "%d",
             atoi(db_val(res, i, db_col(res, "version"))) + 1);
    snprintf(one->buf[3], sizeof(one->buf[3]), "%s", db_val(res, i, db_col(res, "state")));
    snprintf(one->buf[4], sizeof(one->buf[4]), "%s", db_val(res, i, db_col(res, "code")));
    snprintf(one->buf[5], sizeof(one->buf[5]), "%s", db_val(res, i, db_col(res, "version")));
    one->pe[0] = one->buf[0];
    one->pe[1] = one->buf[1];
    one->pe[2] = one->buf[2];
    one->pe[3] = one->buf[3];
    one->pe[4] = one->payload;
    one->pe[5] = one->buf[4];
    one->pu[0] = one->buf[0];
    one->pu[1] = one->buf[5];
    snprintf(one->buf[6], sizeof(one->buf[6]), "%s", b);
    snprintf(one->buf[7], sizeof(one->buf[7]), "%s", d);
    one->pu[2] = appt ? one->buf[6] : NULL;
    one->pu[3] = one->buf[7];
    one->s[0] = (struct db_stmt){DSQL_REPROJECT_EVENT, 6, one->pe};
    one->s[1] = (struct db_stmt){DSQL_REPROJECT_UPDATE, 4, one->pu};
    rp->pending++;
    db_exec(rp->w->db, one->s, 2, on_reprojected, one);
    return 1;
}

static void
on_reproject_select(struct db_result *r, void *arg)
{
    struct reproject *rp = arg;
    const struct ddl_axis *ax;
    struct mc_err e;
    int nrows;

    if (r->err.code != ERR_OK) {
        rp->failed = 1;
        rp->err = r->err;
        reproject_finish(rp);
        return;
    }
    ax = hx_axis(rp->w, &e);
    if (ax == NULL) {
        rp->failed = 1;
        rp->err = e;
        reproject_finish(rp);
        return;
    }
    nrows = PQntuples(r->res[0]);
    rp->pending = 1; /* held until every row is queued */
    for (int i = 0; i < nrows; i++)
        reproject_row(rp, ax, r->res[0], i);
    if (--rp->pending == 0)
        reproject_finish(rp);
}

void
dapi_reproject_calendar(struct worker *w, int32_t from_day, int32_t to_day,
                           const char *change, dapi_reproject_cb done, void *arg)
{
    struct reproject *rp = xcalloc(1, sizeof(*rp));

    rp->w = w;
    rp->done = done;
    rp->arg = arg;
    snprintf(rp->change, sizeof(rp->change), "%s", change != NULL ? change : "calendar");
    cal_format_date(from_day, rp->from);
    cal_format_date(to_day, rp->to);
    rp->params[0] = rp->from;
    rp->params[1] = rp->to;
    db_exec1(w->db, DSQL_REPROJECT_SELECT, 2, rp->params, on_reproject_select, rp);
}
