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
#include "core/clock.h"
#include "core/config.h"
#include "domain/cal.h"
#include "domain/ddl.h"
#include "domain/dossier.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/reqctx.h"

/* ---------------------------------------------------------------- calendar re-projection */

/* The event naming the change, dated at the re-projection's clock (clock_now(), read once
   per change). */
static const char DSQL_REPROJECT_EVENT[] =
    "INSERT INTO dossier_event (dossier_id, province, seq, type, from_state, to_state,"
    " occurred_at, payload, aggregateid)"
    " VALUES ($1::bigint, $2, $3::int, 'calendar_reprojected', $4::smallint, $4::smallint,"
    " $5::timestamptz, $6::jsonb, $7)";
enum rev_param {
    REV_DOSSIER,
    REV_PROVINCE,
    REV_SEQ,
    REV_STATE,       /* from and to: the state does not change */
    REV_OCCURRED_AT, /* the re-projection's now */
    REV_PAYLOAD,     /* JSON */
    REV_CODE,        /* aggregateid */
    REV__N
};

static const char DSQL_REPROJECT_UPDATE[] =
    "UPDATE dossier SET appointment_at = $3::timestamptz, legal_due_at = $4::timestamptz,"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::bigint AND version = $2::int";
enum rup_param { RUP_ID, RUP_EXPECTED, RUP_APPOINTMENT_AT, RUP_LEGAL_DUE_AT, RUP__N };

/* The columns of DSQL_REPROJECT_SELECT read per row. */
enum rsel_col {
    RC_ID,
    RC_CODE,
    RC_PROVINCE,
    RC_STATE,
    RC_VERSION,
    RC_DURATION_VALUE,
    RC_DURATION_UNIT,
    RC_MAX_MINUTES,
    RC_CUTOFF_MINUTE,
    RC_RECEIVED_AT,
    RC_APPOINTMENT_AT,
    RC_LEGAL_DUE_AT,
    RC_PAUSES,
    RC__N
};
static const char *const RC_NAMES[RC__N] = {
    [RC_ID] = "id",
    [RC_CODE] = "code",
    [RC_PROVINCE] = "province",
    [RC_STATE] = "state",
    [RC_VERSION] = "version",
    [RC_DURATION_VALUE] = "duration_value",
    [RC_DURATION_UNIT] = "duration_unit",
    [RC_MAX_MINUTES] = "max_minutes",
    [RC_CUTOFF_MINUTE] = "cutoff_minute",
    [RC_RECEIVED_AT] = "received_at",
    [RC_APPOINTMENT_AT] = "appointment_at",
    [RC_LEGAL_DUE_AT] = "legal_due_at",
    [RC_PAUSES] = "pauses",
};

struct reproject {
    struct worker *w;
    dapi_reproject_cb done;
    void *arg;
    char change[128];
    char from[16], to[16];
    char now[32];            /* RFC 3339 of clock_now() at the start of the change */
    const char *params[RSEL__N];
    int pending;
    int moved;
    int failed;
    struct mc_err err;
};

/* One dossier's unit: its parameters' text (REV_ and RUP_ members point into buf). */
enum { RB_ID, RB_PROVINCE, RB_SEQ, RB_STATE, RB_CODE, RB_VERSION, RB_APPT, RB_DUE, RB__N };
struct reproject_one {
    struct reproject *rp;
    char buf[RB__N][160];
    char *payload;
    const char *pe[REV__N];
    const char *pu[RUP__N];
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

/* Column k of row i ("" for SQL NULL), and as an instant (0 for SQL NULL). */
static const char *
rcol(const PGresult *res, int i, const int *c, enum rsel_col k)
{
    return db_val(res, i, c[k]);
}

static int64_t
rcol_ts(const PGresult *res, int i, const int *c, enum rsel_col k)
{
    return db_isnull(res, i, c[k]) ? 0 : strtoll(db_val(res, i, c[k]), NULL, 10);
}

/* The appointment (0 without one) and legal due of row i on the axis; -1 when its terms
   cannot be read. */
static int
reproject_due(const struct ddl_axis *ax, const PGresult *res, int i, const int *c,
              int64_t *appt, int64_t *due)
{
    struct ddl_duration dur;
    struct mc_err e;
    const char *cut = rcol(res, i, c, RC_CUTOFF_MINUTE);
    const char *mm = rcol(res, i, c, RC_MAX_MINUTES);
    json_t *pauses, *pz;
    size_t k;

    if (dapi_duration(rcol(res, i, c, RC_DURATION_UNIT),
                      atoi(rcol(res, i, c, RC_DURATION_VALUE)), cut[0] ? atoi(cut) : -1, &dur,
                      &e) != 0 ||
        dapi_start_clock(ax, rcol_ts(res, i, c, RC_RECEIVED_AT), &dur, mm[0] ? atoi(mm) : 0,
                         appt, due, &e) != 0)
        return -1;
    /* §6.1: each counted, resolved pause moves the due position by pos(S) - pos(P). */
    pauses = json_loads(rcol(res, i, c, RC_PAUSES), 0, NULL);
    json_array_foreach(pauses, k, pz)
    {
        json_t *s = json_array_get(pz, 2);

        if (json_is_integer(s))
            *due = ddl_instant(ax, ddl_pos(ax, *due) +
                                       ddl_between(ax, json_integer_value(json_array_get(pz, 1)),
                                                   json_integer_value(s)));
    }
    json_decref(pauses);
    return 0;
}

/* The event and the update of row i moved from (old_appt, old_due) to (appt, due). */
static struct reproject_one *
reproject_unit(struct reproject *rp, const PGresult *res, int i, const int *c, int64_t old_appt,
               int64_t old_due, int64_t appt, int64_t due)
{
    struct reproject_one *one = xcalloc(1, sizeof(*one));
    char a[32], b[32], d[32], e[32];
    json_t *pl;

    one->rp = rp;
    cal_format_instant(old_appt, a);
    cal_format_instant(appt, b);
    cal_format_instant(old_due, d);
    cal_format_instant(due, e);
    pl = json_pack("{s:s,s:s?,s:s?,s:s,s:s}", "change", rp->change, "appointment_before",
                   old_appt ? a : NULL, "appointment_after", appt ? b : NULL,
                   "legal_due_before", d, "legal_due_after", e);
    one->payload = json_dumps(pl, JSON_COMPACT);
    json_decref(pl);
    snprintf(one->buf[RB_ID], sizeof(one->buf[RB_ID]), "%s", rcol(res, i, c, RC_ID));
    snprintf(one->buf[RB_PROVINCE], sizeof(one->buf[RB_PROVINCE]), "%s",
             rcol(res, i, c, RC_PROVINCE));
    snprintf(one->buf[RB_SEQ], sizeof(one->buf[RB_SEQ]), "%d",
             atoi(rcol(res, i, c, RC_VERSION)) + 1);
    snprintf(one->buf[RB_STATE], sizeof(one->buf[RB_STATE]), "%s", rcol(res, i, c, RC_STATE));
    snprintf(one->buf[RB_CODE], sizeof(one->buf[RB_CODE]), "%s", rcol(res, i, c, RC_CODE));
    snprintf(one->buf[RB_VERSION], sizeof(one->buf[RB_VERSION]), "%s",
             rcol(res, i, c, RC_VERSION));
    snprintf(one->buf[RB_APPT], sizeof(one->buf[RB_APPT]), "%s", b);
    snprintf(one->buf[RB_DUE], sizeof(one->buf[RB_DUE]), "%s", e);
    one->pe[REV_DOSSIER] = one->buf[RB_ID];
    one->pe[REV_PROVINCE] = one->buf[RB_PROVINCE];
    one->pe[REV_SEQ] = one->buf[RB_SEQ];
    one->pe[REV_STATE] = one->buf[RB_STATE];
    one->pe[REV_OCCURRED_AT] = rp->now;
    one->pe[REV_PAYLOAD] = one->payload;
    one->pe[REV_CODE] = one->buf[RB_CODE];
    one->pu[RUP_ID] = one->buf[RB_ID];
    one->pu[RUP_EXPECTED] = one->buf[RB_VERSION];
    one->pu[RUP_APPOINTMENT_AT] = appt ? one->buf[RB_APPT] : NULL;
    one->pu[RUP_LEGAL_DUE_AT] = one->buf[RB_DUE];
    one->s[0] = (struct db_stmt){DSQL_REPROJECT_EVENT, REV__N, one->pe};
    one->s[1] = (struct db_stmt){DSQL_REPROJECT_UPDATE, RUP__N, one->pu};
    return one;
}

/* Re-computes row i on the current calendar; 1 when it moved (unit queued). */
static int
reproject_row(struct reproject *rp, const struct ddl_axis *ax, const PGresult *res, int i,
              const int *c)
{
    int64_t appt = 0, due = 0;
    int64_t old_appt = rcol_ts(res, i, c, RC_APPOINTMENT_AT);
    int64_t old_due = rcol_ts(res, i, c, RC_LEGAL_DUE_AT);
    struct reproject_one *one;

    if (reproject_due(ax, res, i, c, &appt, &due) != 0)
        return 0;
    if (appt == old_appt && due == old_due)
        return 0;
    one = reproject_unit(rp, res, i, c, old_appt, old_due, appt, due);
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
    int nrows, c[RC__N];

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
    hx_cols(r->res[0], RC_NAMES, RC__N, c);
    rp->pending = 1; /* held until every row is queued */
    for (int i = 0; i < nrows; i++)
        reproject_row(rp, ax, r->res[0], i, c);
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
    /* The events of this change are dated on the server's one clock (core/clock.h). */
    cal_format_instant(clock_now(), rp->now);
    rp->params[RSEL_FROM] = rp->from;
    rp->params[RSEL_TO] = rp->to;
    db_exec1(w->db, DSQL_REPROJECT_SELECT, RSEL__N, rp->params, on_reproject_select, rp);
}
