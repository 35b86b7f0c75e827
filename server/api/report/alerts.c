/*
 * alerts.c - alerts on open dossiers and their Server-Sent-Events stream.
 *
 * Kinds (domain.md §6, §7): due_soon (the watched deadline is within
 * MOTCUA_ALERT_WARN_HOURS working hours), overdue (past it), supplement_awaited (a supplement
 * requested more than MOTCUA_ALERT_SUPPLEMENT_DAYS working days ago is still missing),
 * leg_late (a liên thông leg past its planned end). The watched deadline is the new
 * appointment after an apology, else legal_due (§6.3: the new appointment is what alerts
 * then watch). Never due_soon, overdue or leg_late while the clock is paused (the deadline
 * is not running); supplement_awaited is about the pause itself.
 *
 * Producer: a scheduler on worker 0. The dossier trigger (alert_dossier_mark, sql/fn/
 * 40_alerts.sql) marks a changed dossier "look now", without a NOTIFY (issue 14, item 1: a
 * NOTIFY in the writing transaction serialises the commits of the cluster). The scheduler
 * hears of it by its in-process bell (core/bell.h), rung on the committing worker's loop
 * once a unit that wrote dossier or dossier_event committed (on_commit, the commit hook of
 * every worker's pool), and, for writes of other processes, by a poll every ALERT_POLL_MS
 * while idle (SQL_DUE: alert_claim's condition on the index alert_schedule_next, read-only).
 * ALERT_DEBOUNCE_MS after a ring (one claim for all the rings of that window) it claims due
 * schedule rows (FOR UPDATE SKIP LOCKED + a 60 s lease, so several processes
 * may run one each), computes on the working-time axis which alerts are due and the next
 * instant one may be, inserts them (UNIQUE per dossier, kind and deadline: at most once per
 * deadline even when a claim is retried) and stores the next instant, then sleeps until
 * the earliest next instant of the table (an evtimer, at most ALERT_MAX_SLEEP).
 *
 * Calendar horizon (issue 15 part 3; docs/architecture.md "Calendar horizon"): worker 0 also
 * looks, every HORIZON_TICK seconds, whether the local day or the calendar in force changed;
 * then wcal_horizon() says whether next year's Tết is still only proposed and, from
 * 1 October, alert_calendar_horizon (sql/098) inserts the alarm calendar_unannounced once
 * per year (a unique row: ticks, processes and restarts add nothing) or, once the year is
 * announced, resolves it with one calendar_announced. They have no dossier and no unit:
 * administrators only. The clock of the check is horizon_today(), the same as the
 * scheduler's; /metrics shows motcua_calendar_next_year_announced and
 * motcua_calendar_horizon_days computed on the scrape.
 *
 * PAKN (issue 16; shared/domain.md §12.2; sql/112_pakn_alerts.sql): pakn_due_soon and
 * pakn_overdue on the running deadline of a phản ánh, kiến nghị (pakn_watch says which, by
 * state, and why), with the dossiers' measure: within MOTCUA_ALERT_WARN_HOURS working hours,
 * past it. They belong to the PAKN's current receiver (pakn.unit_id), so the same readers and
 * streams see them as a dossier alert of that unit, and after a transfer the new receiver's
 * deadlines (stored anew by the transfer) are the ones watched. Design: a schedule of its own,
 * alert_pakn_schedule keyed by pakn_id, marked by a trigger on pakn (alert_pakn_mark, no
 * NOTIFY, as the dossiers' since issue 14), claimed in the same unit as the dossiers'
 * (alert_pakn_claim beside alert_claim) and rescheduled in the same unit as their alerts. A
 * claim reading pakn directly was the other choice; it would have to find "what is due now"
 * without the working-time arithmetic (which lives here), i.e. look at every open PAKN on
 * every tick, while the schedule keeps an indexed next instant and shares the poll, the
 * bell (a unit writing pakn rings it, on_commit), the timer, the lease and the gen guard.
 * Once per PAKN, kind and deadline: alert_once_pakn (pakn_id, kind, fire_key), fire_key =
 * "<deadline>:<instant>:<receiver>".
 *
 * Consumers: every worker LISTENs on motcua_alerts (a doorbell without payload, sent in the
 * producer's transaction, so it arrives after the commit) and reads the rows after the
 * highest id its streams have seen, then writes each to the streams whose reader may see
 * the alert's unit (administrator: all; leader, supervisor: the unit and sub-units; clerk,
 * official: their own unit). Ids only grow, so `id:` + Last-Event-ID resume exactly; the
 * rows outlive restarts, so a client reconnecting with Last-Event-ID misses nothing
 * (delivery at least once; a client drops ids it has seen). After a LISTEN reconnect the
 * worker reads again (notifications may have been lost).
 */
#include "api/report/alerts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "api/common/common.h"
#include "api/report/report_int.h"
#include "app.h"
#include "core/arena.h"
#include "core/bell.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "domain/cal.h"
#include "domain/ddl.h"
#include "domain/pakn.h"
#include "domain/role.h"
#include "domain/wcal.h"
#include "http/metrics.h"
#include "http/reqctx.h"

#define ALERT_CHANNEL "motcua_alerts"
#define CLAIM_BATCH 200
#define PUMP_BATCH 500
#define ALERT_MAX_SLEEP 600 /* s: a lost doorbell costs at most this delay */
#define SSE_RETRY_MS 3000
/* ms between a doorbell and the claim it causes: every dossier write rings, so without
   a delay the scheduler ran alert_claim about once per write; rings in the window (and
   during a claim) are served by one claim. Alerts are late by at most this much. */
#define ALERT_DEBOUNCE_MS 100
/* ms between two looks for rows due now (written by other processes) while idle. */
#define ALERT_POLL_MS 200
/* Entries of a worker's memo of which statements write a dossier (on_commit). */
#define WRITES_MEMO 64

enum { CLAIM_NOW, CLAIM_LIMIT, CLAIM__N };
static const char SQL_CLAIM[] = "SELECT * FROM alert_claim(to_timestamp($1::bigint), $2::int)";
/* Columns of alert_claim (sql/fn/40_alerts.sql), read by name. */
enum { AC_DOSSIER, AC_GEN, AC_CODE, AC_STATE, AC_CURRENT_UNIT, AC_RESOLVING_UNIT, AC_LEGAL_DUE,
       AC_NEW_APPOINTMENT, AC_PAUSED, AC_ENDED, AC_SUPPLEMENT_AT, AC_LEGS, AC__N };
static const char *const AC_NAMES[AC__N] = {
    [AC_DOSSIER] = "dossier_id",
    [AC_GEN] = "gen",
    [AC_CODE] = "code",
    [AC_STATE] = "state",
    [AC_CURRENT_UNIT] = "current_unit_id",
    [AC_RESOLVING_UNIT] = "resolving_unit_id",
    [AC_LEGAL_DUE] = "legal_due_at",
    [AC_NEW_APPOINTMENT] = "new_appointment_at",
    [AC_PAUSED] = "paused",
    [AC_ENDED] = "ended",
    [AC_SUPPLEMENT_AT] = "supplement_at",
    [AC_LEGS] = "legs",
};

/* The PAKN due at $1 (sql/fn/40_alerts.sql, alert_pakn_claim), in the claim's unit. */
static const char SQL_CLAIM_PAKN[] =
    "SELECT * FROM alert_pakn_claim(to_timestamp($1::bigint), $2::int)";
enum { PC_PAKN, PC_GEN, PC_STATE, PC_UNIT, PC_REJECT_DUE, PC_ANSWER_DUE, PC_PUBLISH_DUE, PC__N };
static const char *const PC_NAMES[PC__N] = {
    [PC_PAKN] = "pakn_id",
    [PC_GEN] = "gen",
    [PC_STATE] = "state",
    [PC_UNIT] = "unit_id",
    [PC_REJECT_DUE] = "reject_due_at",
    [PC_ANSWER_DUE] = "answer_due_at",
    [PC_PUBLISH_DUE] = "publish_due_at",
};

/* The alerts of a claim (arrays of one element per alert), created at the claim's instant. */
enum { INS_UNIT, INS_DOSSIER, INS_KIND, INS_KEY, INS_PAYLOAD, INS_AT, INS__N };
static const char SQL_INSERT[] =
    "INSERT INTO alert (unit_id, dossier_id, kind, fire_key, payload, created_at)"
    " SELECT u, d, k, f, p::jsonb, to_timestamp($6::bigint) FROM unnest($1::bigint[],"
    " $2::bigint[], $3::text[], $4::text[], $5::text[]) AS x(u, d, k, f, p)"
    " ON CONFLICT ON CONSTRAINT alert_once DO NOTHING";
/* The PAKN alerts of a claim: the same parameters, $2 the PAKN (sql/112, alert_once_pakn). */
static const char SQL_INSERT_PAKN[] =
    "INSERT INTO alert (unit_id, pakn_id, kind, fire_key, payload, created_at)"
    " SELECT u, d, k, f, p::jsonb, to_timestamp($6::bigint) FROM unnest($1::bigint[],"
    " $2::bigint[], $3::text[], $4::text[], $5::text[]) AS x(u, d, k, f, p)"
    " ON CONFLICT (pakn_id, kind, fire_key) WHERE pakn_id IS NOT NULL DO NOTHING";

/* The claimed dossiers' next instants (arrays: dossier, generation, next or NULL). */
enum { RES_DOSSIER, RES_GEN, RES_NEXT, RES__N };
static const char SQL_RESCHEDULE[] =
    "SELECT count(alert_reschedule(d, g, CASE WHEN n IS NULL THEN NULL ELSE to_timestamp(n) END))"
    " FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS x(d, g, n)";
/* The claimed PAKN's next instants (the same arrays, of PAKN). */
static const char SQL_RESCHEDULE_PAKN[] =
    "SELECT count(alert_pakn_reschedule(d, g,"
    " CASE WHEN n IS NULL THEN NULL ELSE to_timestamp(n) END))"
    " FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS x(d, g, n)";

static const char SQL_NOTIFY[] = "SELECT pg_notify('" ALERT_CHANNEL "', '')";

/*
 * Taken first in the unit that inserts alerts, held until it commits: with several motcua
 * processes (one scheduler each) alert ids - drawn from the sequence inside the insert -
 * then commit in id order, so a stream that has sent id n never later meets a smaller id
 * committed after it (Last-Event-ID resume stays exact). The claim itself needs no lock
 * (FOR UPDATE SKIP LOCKED + lease): the schedulers split the due rows between them.
 */
static const char SQL_LOCK[] = "SELECT pg_advisory_xact_lock(7243002)";

/* The unit of ?unit= on a stream: its id, -1 if unknown (nothing matches, nothing leaks). */
enum { UNIT_ID_CODE, UNIT_ID__N };
static const char SQL_UNIT_ID[] =
    "SELECT coalesce((SELECT id FROM unit WHERE code = $1), -1) AS id";

/* Is a claim at $1 worth it: alert_claim's and alert_pakn_claim's conditions (sql/fn/
   40_alerts.sql), on their indexes. */
enum { DUE_NOW, DUE__N };
#define DUE_IN(table)                                                                           \
    "EXISTS (SELECT 1 FROM " table " s WHERE s.next_fire_at <= to_timestamp($1::bigint)"        \
    " AND (s.claimed_until IS NULL OR s.claimed_until < to_timestamp($1::bigint)))"
static const char SQL_DUE[] =
    "SELECT " DUE_IN("alert_schedule") " OR " DUE_IN("alert_pakn_schedule") " AS due";

/* The earliest instant worth waking up for (a leased row: when its lease ends). */
#define NEXT_IN(table)                                                                          \
    "SELECT greatest(next_fire_at, coalesce(claimed_until, next_fire_at)) AS t FROM " table    \
    " WHERE next_fire_at IS NOT NULL"
static const char SQL_NEXT[] = "SELECT extract(epoch FROM min(t))::bigint AS next FROM ("
    NEXT_IN("alert_schedule") " UNION ALL " NEXT_IN("alert_pakn_schedule") ") x";

/* Calendar alerts have no dossier and no unit (LEFT JOIN; path NULL: administrators); PAKN
   alerts no dossier but a PAKN and a unit. */
enum { PUMP_AFTER, PUMP__N };
static const char SQL_PUMP[] =
    "SELECT a.id, a.kind, d.code AS dossier, a.pakn_id, u.code AS unit,"
    " extract(epoch FROM a.created_at)::bigint AS created_at, a.payload::text AS payload,"
    " CASE WHEN a.unit_id IS NOT NULL THEN alert_unit_path(a.unit_id)::text END AS path,"
    " extract(epoch FROM a.resolved_at)::bigint AS resolved_at"
    " FROM alert a LEFT JOIN dossier d ON d.id = a.dossier_id LEFT JOIN unit u ON u.id = a.unit_id"
    " WHERE a.id > $1::bigint ORDER BY a.id LIMIT " "500";

static const char SQL_MAX_ID[] = "SELECT coalesce(max(id), 0) AS id FROM alert";

enum { LIST_SCOPE, LIST_UNIT, LIST_SUB, LIST_CURSOR, LIST_KIND, LIST_AFTER, LIST_LIMIT, LIST__N };
static const char SQL_LIST[] =
    "WITH us AS MATERIALIZED (SELECT id FROM report_units($1::bigint,"
    " CASE WHEN $2::text IS NULL THEN NULL"
    "  ELSE coalesce((SELECT id FROM unit WHERE code = $2::text), -1) END, $3::boolean,"
    " 'historical'))"
    " SELECT a.id, a.kind, d.code AS dossier, a.pakn_id, u.code AS unit,"
    " extract(epoch FROM a.created_at)::bigint AS created_at, a.payload::text AS payload,"
    " extract(epoch FROM a.resolved_at)::bigint AS resolved_at"
    " FROM alert a LEFT JOIN dossier d ON d.id = a.dossier_id LEFT JOIN unit u ON u.id = a.unit_id"
    " WHERE (a.unit_id IN (SELECT id FROM us)"
    "  OR (a.unit_id IS NULL AND $1::bigint IS NULL AND $2::text IS NULL))"
    " AND ($4::bigint IS NULL OR a.id < $4::bigint)"
    " AND ($5::text IS NULL OR a.kind = $5::text) AND ($6::bigint IS NULL OR a.id > $6::bigint)"
    " ORDER BY a.id DESC LIMIT $7::int";

struct client {
    struct client *next, *prev;
    struct reqctx *rc;
    struct aw *aw;
    int64_t last_id;   /* highest id this stream has been sent or skipped */
    int role;
    int64_t unit_id;
    int64_t filter_unit; /* ?unit=: 0 none; the alert's unit must be it (or under it) */
    int filter_sub;      /* ?include_sub_units= (default true) */
    int linked;
};

struct aw {
    struct worker *w;
    struct client *clients;
    struct event *heartbeat;
    int pumping, pump_again;
    char pump_low[24];          /* parameters of the unit in flight (kept until its callback) */
    const char *pump_v[PUMP__N];
    int64_t claim_at;           /* the claim's "now" (clock_now() once per scheduler tick) */
    char claim_now[24], claim_lim[16];
    const char *claim_v[CLAIM__N];
    struct db_stmt claim_st[2]; /* alert_claim, alert_pakn_claim */
    /* on_commit's memo: a statement's SQL pointer, and whether it writes a dossier */
    const char *memo_sql[WRITES_MEMO];
    char memo_writes[WRITES_MEMO];
    /* worker 0 only */
    struct bell *bell;      /* rung after this process's dossier writes committed */
    struct event *poll;     /* ALERT_POLL_MS: rows due, written by another process? */
    int polling;
    char due_now[24];
    const char *due_v[DUE__N];
    struct event *timer;    /* the next instant an alert may fire (sleep_until) */
    struct event *debounce; /* a doorbell rang: claim after ALERT_DEBOUNCE_MS */
    int scheduling, schedule_again;
    struct event *horizon;          /* HORIZON_TICK: day or calendar changed? */
    const struct wcal *horizon_cal; /* what the last stored evaluation saw */
    int32_t horizon_day;
    int horizon_busy, horizon_again;
};

static struct aw *
aw_of(struct worker *w)
{
    return w->ext[EXT_ALERTS];
}

static int
stopping(const struct aw *a)
{
    return a->w->db == NULL || atomic_load(&a->w->app->shutting_down);
}

/* ---- consumers: the streams ---- */

static void pump(struct aw *a);

/* Scope of a stream reader over an alert unit's path "{unit,parent,...,root}". */
static int
visible(const struct client *c, const char *path)
{
    const char *p = path;
    int first = 1;

    if (c->role == ROLE_ADMIN)
        return 1;
    if (path == NULL)
        return 0; /* a calendar alert: administrators only */
    while (*p != '\0') {
        char *end;
        int64_t id;

        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        id = strtoll(p, &end, 10);
        if (id == c->unit_id)
            return first || (c->role != ROLE_CLERK && c->role != ROLE_OFFICIAL);
        first = 0;
        p = end;
    }
    return 0;
}

/* ?unit= of a stream over an alert unit's path "{unit,parent,...,root}". */
static int
in_filter(const struct client *c, const char *path)
{
    const char *p = path;

    if (c->filter_unit == 0)
        return 1;
    if (path == NULL)
        return 0; /* no unit: outside every ?unit= */
    while (*p != '\0') {
        char *end;

        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        if (strtoll(p, &end, 10) == c->filter_unit)
            return 1;
        if (!c->filter_sub)
            return 0; /* only the alert's own unit (the first id) counts */
        p = end;
    }
    return 0;
}

/* One alert as JSON (stream and list): dossier and unit null for a calendar alert,
   dossier null and pakn_id set for a PAKN alert (null otherwise), resolved_at null unless a
   calendar alarm was cleared; payload {} if unreadable. */
static const struct hx_jcol ALERT_ROW[] = {
    {"id", NULL, HX_INT},
    {"kind", NULL, HX_TEXT},
    {"dossier", NULL, HX_TEXT},
    {"pakn_id", NULL, HX_INT},
    {"unit", NULL, HX_TEXT},
    {"created_at", NULL, HX_TS},
    {"resolved_at", NULL, HX_TS},
    {"payload", NULL, HX_JSON},
};

static json_t *
alert_json(const PGresult *res, int i)
{
    json_t *o = hx_row_set(json_object(), res, i, ALERT_ROW,
                           (int)(sizeof(ALERT_ROW) / sizeof(ALERT_ROW[0])));

    if (!json_is_object(json_object_get(o, "payload")))
        json_object_set_new(o, "payload", json_object());
    return o;
}

static char *
event_text(struct arena *ar, const PGresult *res, int i)
{
    json_t *o = alert_json(res, i);
    char *data = json_dumps(o, JSON_COMPACT);
    char *out = arena_printf(ar, "id: %s\nevent: %s\ndata: %s\n\n", hx_col(res, i, "id"),
                             hx_col(res, i, "kind"), data);

    free(data);
    json_decref(o);
    return out;
}

static void
on_pump(struct db_result *r, void *arg)
{
    struct aw *a = arg;
    const PGresult *res;
    int n;

    a->pumping = 0;
    if (r->err.code != ERR_OK || stopping(a))
        return;
    res = r->res[0];
    n = PQntuples(res);
    for (int i = 0; i < n; i++) {
        int64_t id = hx_col_ts(res, i, "id");

        for (struct client *c = a->clients; c != NULL; c = c->next) {
            const char *path;
            char *ev;

            if (id <= c->last_id)
                continue;
            c->last_id = id;
            path = hx_col(res, i, "path");
            if (!visible(c, path) || !in_filter(c, path))
                continue;
            ev = event_text(c->rc->arena, res, i);
            http_stream_chunk(c->rc, ev, strlen(ev));
        }
    }
    if (n == PUMP_BATCH || a->pump_again) {
        a->pump_again = 0;
        pump(a);
    }
}

/* Reads the alerts after the lowest id any stream of this worker has seen. */
static void
pump(struct aw *a)
{
    int64_t low = INT64_MAX;

    if (stopping(a))
        return;
    if (a->pumping) {
        a->pump_again = 1;
        return;
    }
    for (struct client *c = a->clients; c != NULL; c = c->next)
        if (c->last_id < low)
            low = c->last_id;
    if (low == INT64_MAX)
        return; /* nobody listening */
    snprintf(a->pump_low, sizeof(a->pump_low), "%" PRId64, low);
    a->pump_v[PUMP_AFTER] = a->pump_low;
    a->pumping = 1;
    db_exec1(a->w->db, SQL_PUMP, PUMP__N, a->pump_v, on_pump, a);
}

static void
on_alert_notify(const char *channel, const char *payload, void *arg)
{
    (void)channel;
    (void)payload; /* NULL after a reconnect: read anyway */
    pump(arg);
}

static void
on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
    struct aw *a = arg;
    static const char hb[] = ": heartbeat\n\n";

    (void)fd;
    (void)what;
    for (struct client *c = a->clients; c != NULL; c = c->next)
        http_stream_chunk(c->rc, hb, sizeof(hb) - 1);
}

static void
client_gone(struct reqctx *rc)
{
    struct client *c = rc->state;

    if (c == NULL || !c->linked)
        return;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        c->aw->clients = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->linked = 0;
}

static void
stream_open(struct reqctx *rc, struct db_result *r)
{
    struct client *c = rc->state;
    char hello[64];
    int n;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    if (c->last_id < 0)
        c->last_id = hx_col_ts(r->res[0], 0, "id");
    if (r->nres > 1)
        c->filter_unit = hx_col_ts(r->res[1], 0, "id");
    rc_set_header(rc, "X-Accel-Buffering", "no");
    http_stream_start(rc, 200, "text/event-stream; charset=utf-8");
    n = snprintf(hello, sizeof(hello), "retry: %d\n: motcua alerts\n\n", SSE_RETRY_MS);
    http_stream_chunk(rc, hello, (size_t)n);
    c->aw = aw_of(rc->w);
    c->next = c->aw->clients;
    if (c->next != NULL)
        c->next->prev = c;
    c->aw->clients = c;
    c->linked = 1;
    rc->on_gone = client_gone;
    pump(c->aw);
}

void
api_alerts_stream(struct reqctx *rc)
{
    struct client *c = arena_calloc(rc->arena, 1, sizeof(*c));
    const char *last = rc_header(rc, "Last-Event-ID");
    char *end;

    if (last == NULL)
        last = rc_query(rc, "last_event_id");
    if (aw_of(rc->w) == NULL) {
        http_reply_err(rc, ERR_INTERNAL, "alerts are not running on this worker");
        return;
    }
    c->rc = rc;
    c->role = rc->who.role;
    c->unit_id = rc->who.unit_id;
    c->last_id = -1;
    if (last != NULL && last[0] != '\0') {
        long long v = strtoll(last, &end, 10);

        if (*end != '\0' || v < 0) {
            http_reply_err(rc, ERR_BAD_QUERY, "Last-Event-ID: an alert id");
            return;
        }
        c->last_id = v;
    }
    /* ?unit= (and include_sub_units=) narrow the stream inside the reader's scope, which
     * still applies (visible): a unit outside it yields heartbeats only. */
    {
        struct rq q = {0};
        struct mc_err e = {0};
        struct db_stmt *st = arena_calloc(rc->arena, 2, sizeof(*st));
        const char *unit = rc_query(rc, "unit");

        if (rq_parse_scope(rc, &q, 0, &e) != 0) {
            http_reply_error(rc, &e);
            return;
        }
        rc->state = c;
        st[0] = (struct db_stmt){SQL_MAX_ID, 0, NULL};
        if (unit != NULL && unit[0] != '\0') {
            const char **v = hx_params(rc, UNIT_ID__N);

            v[UNIT_ID_CODE] = unit;
            c->filter_sub = strcmp(q.sub, "true") == 0;
            st[1] = (struct db_stmt){SQL_UNIT_ID, UNIT_ID__N, v};
            api_db(rc, st, 2, stream_open);
            return;
        }
        api_db(rc, st, 1, stream_open);
    }
}

/* ---- GET /api/v1/alerts ---- */

struct lq {
    int limit;
};

static void
list_done(struct reqctx *rc, struct db_result *r)
{
    struct lq *q = rc->state;
    const PGresult *res;
    json_t *items;
    int n;

    if (r->err.code != ERR_OK) {
        api_reply_db_error(rc, r);
        return;
    }
    res = r->res[0];
    n = PQntuples(res);
    items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, alert_json(res, i));
    http_reply_json(rc, 200, api_page(items, n == q->limit ? hx_col(res, n - 1, "id") : NULL));
}

void
api_alerts_list(struct reqctx *rc)
{
    static const char *const kinds[] = {
        "due_soon", "overdue", "supplement_awaited", "leg_late", "calendar_unannounced",
        "calendar_announced", "pakn_due_soon", "pakn_overdue", NULL};
    struct lq *q = arena_calloc(rc->arena, 1, sizeof(*q));
    struct rq s = {0};
    struct mc_err e = {0};
    const char **v = hx_params(rc, LIST__N), *kind = rc_query(rc, "kind");
    int known = kind == NULL;

    if (rq_parse_scope(rc, &s, 0, &e) != 0 || api_query_limit(rc, &q->limit, &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    for (int i = 0; kind != NULL && kinds[i] != NULL; i++)
        known |= strcmp(kind, kinds[i]) == 0;
    if (!known) {
        http_reply_err(rc, ERR_BAD_QUERY,
                       "kind: due_soon, overdue, supplement_awaited, leg_late,"
                       " calendar_unannounced, calendar_announced, pakn_due_soon or"
                       " pakn_overdue");
        return;
    }
    if (api_query_id(rc, "cursor", &v[LIST_CURSOR], &e) != 0 ||
        api_query_id(rc, "after", &v[LIST_AFTER], &e) != 0) {
        http_reply_error(rc, &e);
        return;
    }
    v[LIST_SCOPE] = s.scope[0] != '\0' ? s.scope : NULL;
    v[LIST_UNIT] = s.unit;
    v[LIST_SUB] = s.sub;
    v[LIST_KIND] = kind;
    v[LIST_LIMIT] = hx_i64(rc, q->limit);
    rc->state = q;
    api_db1(rc, SQL_LIST, LIST__N, v, list_done);
}

/* ---- producer: the scheduler (worker 0) ---- */

static void schedule(struct aw *a);

/* Growing text of a PostgreSQL array literal, elements quoted. */
struct arr {
    char *s;
    size_t len, cap;
    int n;
};

static void
arr_put(struct arr *x, const char *v)
{
    size_t need = (v != NULL ? strlen(v) * 2 : 0) + 8;

    if (x->len + need + 2 > x->cap) {
        x->cap = (x->len + need + 2) * 2;
        x->s = xrealloc(x->s, x->cap);
    }
    x->s[x->len++] = x->n++ == 0 ? '{' : ',';
    if (v == NULL) { /* a quoted "NULL" below stays the text NULL */
        memcpy(x->s + x->len, "NULL", 4);
        x->len += 4;
    } else {
        x->s[x->len++] = '"';
        for (const char *p = v; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                x->s[x->len++] = '\\';
            x->s[x->len++] = *p;
        }
        x->s[x->len++] = '"';
    }
    x->s[x->len] = '\0';
}

static const char *
arr_text(struct arr *x)
{
    if (x->n == 0)
        return "{}";
    x->s[x->len++] = '}';
    x->s[x->len] = '\0';
    return x->s;
}

/* What a claim found about one kind of subject (dossiers, PAKN): alerts and schedule rows. */
struct aset {
    struct arr unit, subject, kind, key, payload; /* alerts */
    struct arr sd, sg, sn;                        /* schedule: id, generation, next */
    int nalerts;
};

struct batch {
    struct aset d, p; /* dossiers, PAKN */
};

static void
aset_free(struct aset *b)
{
    free(b->unit.s);
    free(b->subject.s);
    free(b->kind.s);
    free(b->key.s);
    free(b->payload.s);
    free(b->sd.s);
    free(b->sg.s);
    free(b->sn.s);
}

static void
batch_free(struct batch *b)
{
    aset_free(&b->d);
    aset_free(&b->p);
}

static void
add_alert(struct aset *b, const char *unit, const char *subject, const char *kind,
          const char *key, json_t *payload)
{
    char *p = json_dumps(payload, JSON_COMPACT);

    arr_put(&b->unit, unit);
    arr_put(&b->subject, subject);
    arr_put(&b->kind, kind);
    arr_put(&b->key, key);
    arr_put(&b->payload, p);
    free(p);
    json_decref(payload);
    b->nalerts++;
}

static int64_t
col64(const PGresult *res, int i, int c)
{
    return db_isnull(res, i, c) ? 0 : strtoll(db_val(res, i, c), NULL, 10);
}

/*
 * The alerts of one claimed dossier due at `now` and the next instant one may fire (0:
 * none). c: the columns of alert_claim (AC_NAMES) resolved; legs is "n:unit:planned,...".
 */
static int64_t
evaluate(const struct ddl_axis *ax, const struct config *cfg, int64_t now, const PGresult *res,
         const int *c, int i, struct aset *b)
{
    const char *id = db_val(res, i, c[AC_DOSSIER]), *code = db_val(res, i, c[AC_CODE]),
               *unit = db_val(res, i, c[AC_CURRENT_UNIT]);
    int64_t legal = col64(res, i, c[AC_LEGAL_DUE]), newapp = col64(res, i, c[AC_NEW_APPOINTMENT]),
            sup = col64(res, i, c[AC_SUPPLEMENT_AT]);
    int64_t watch = newapp != 0 ? newapp : legal, next = INT64_MAX;
    int paused = strcmp(db_val(res, i, c[AC_PAUSED]), "t") == 0,
        state = atoi(db_val(res, i, c[AC_STATE]));
    char key[32];

    if (strcmp(db_val(res, i, c[AC_ENDED]), "t") == 0)
        return 0;
    if (!paused && watch != 0) {
        int64_t warn = ddl_instant(ax, ddl_pos(ax, watch) - (int64_t)cfg->alert_warn_hours * 3600);

        snprintf(key, sizeof(key), "%" PRId64, watch);
        if (cfg->alert_warn_hours > 0 && now >= warn && now <= watch)
            add_alert(b, unit, id, "due_soon", key,
                      json_pack("{s:s,s:o,s:i,s:I}", "code", code, "due_at",
                                hx_ts_json(watch), "state", state,
                                "remaining_working_minutes",
                                (json_int_t)((ddl_pos(ax, watch) - ddl_pos(ax, now)) / 60)));
        else if (cfg->alert_warn_hours > 0 && now < warn)
            next = warn;
        if (now > watch)
            add_alert(b, unit, id, "overdue", key,
                      json_pack("{s:s,s:o,s:i,s:b}", "code", code, "due_at", hx_ts_json(watch),
                                "state", state, "new_appointment", newapp != 0));
        else if (watch + 1 < next)
            next = watch + 1;
    }
    if (state == 5 && sup != 0) {
        int64_t at = ddl_instant(ax, ddl_pos(ax, sup) +
                                         (int64_t)cfg->alert_supplement_days * DDL_DAY_MINUTES * 60);

        snprintf(key, sizeof(key), "%" PRId64, sup);
        if (now > at)
            add_alert(b, unit, id, "supplement_awaited", key,
                      json_pack("{s:s,s:o,s:i}", "code", code, "requested_at",
                                hx_ts_json(sup), "working_days",
                                cfg->alert_supplement_days));
        else if (at + 1 < next)
            next = at + 1;
    }
    if (!paused && !db_isnull(res, i, c[AC_LEGS])) {
        const char *p = db_val(res, i, c[AC_LEGS]);

        while (*p != '\0') {
            long long n, u, planned;
            int used = 0;
            char ubuf[24];

            if (sscanf(p, "%lld:%lld:%lld%n", &n, &u, &planned, &used) != 3)
                break;
            p += used;
            if (*p == ',')
                p++;
            snprintf(key, sizeof(key), "leg%lld:%lld", n, planned);
            snprintf(ubuf, sizeof(ubuf), "%lld", u);
            if (now > planned)
                add_alert(b, ubuf, id, "leg_late", key,
                          json_pack("{s:s,s:I,s:o}", "code", code, "leg", (json_int_t)n,
                                    "planned_end_at", hx_ts_json(planned)));
            else if (planned + 1 < next)
                next = planned + 1;
        }
    }
    return next == INT64_MAX ? 0 : next;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    schedule(arg);
}

/* A doorbell (or rings that came during a claim): one claim ALERT_DEBOUNCE_MS later
   serves every ring until then. A pending debounce is not pushed back, so a steady
   stream of writes still gets a claim every ALERT_DEBOUNCE_MS plus the claim's time. */
static void
ring(struct aw *a)
{
    static const struct timeval tv = {0, ALERT_DEBOUNCE_MS * 1000};

    if (stopping(a))
        return;
    if (a->scheduling) {
        a->schedule_again = 1;
        return;
    }
    if (evtimer_pending(a->debounce, NULL))
        return;
    evtimer_add(a->debounce, &tv);
}

static void
sleep_until(struct aw *a, int64_t at)
{
    int64_t now = clock_now(), d = at == 0 ? ALERT_MAX_SLEEP : at - now;
    struct timeval tv;

    if (d < 0)
        d = 0;
    if (d > ALERT_MAX_SLEEP)
        d = ALERT_MAX_SLEEP;
    tv.tv_sec = (time_t)d;
    tv.tv_usec = d == 0 ? 200000 : 0; /* a leased row: retry soon, not in a busy loop */
    evtimer_add(a->timer, &tv);
}

struct sched_job {
    struct aw *a;
    struct batch b;
    const char *vi[2][INS__N], *vr[2][RES__N]; /* [0] dossiers, [1] PAKN */
    char at[24];
    struct db_stmt st[7];
    int full;
};

static void
on_scheduled(struct db_result *r, void *arg)
{
    struct sched_job *j = arg;
    struct aw *a = j->a;
    int full = j->full;

    a->scheduling = 0;
    if (r->err.code != ERR_OK) {
        if (!stopping(a))
            log_kv(LOG_WARN, "alerts: storing failed", "detail", r->err.detail, NULL);
        batch_free(&j->b);
        free(j);
        if (!stopping(a))
            sleep_until(a, clock_now() + 5);
        return;
    }
    batch_free(&j->b);
    free(j);
    if (stopping(a))
        return;
    if (full) {
        /* more rows are due now: no reason to wait */
        a->schedule_again = 0;
        schedule(a);
        return;
    }
    if (a->schedule_again) {
        a->schedule_again = 0;
        ring(a);
    }
    sleep_until(a, hx_col_ts(r->res[r->nres - 1], 0, "next"));
}

/* The running deadline of a PAKN in state `state` (pakn_running_deadline, domain/pakn.h,
   which says which and why) and *name its key; 0: none runs. */
static int64_t
pakn_watch(int state, int64_t reject, int64_t answer, int64_t publish, const char **name)
{
    switch (pakn_running_deadline((enum pakn_state)state)) {
    case PAKN_DL_REJECT:
        *name = "reject";
        return reject;
    case PAKN_DL_ANSWER:
        *name = "answer";
        return answer;
    case PAKN_DL_PUBLISH:
        *name = "publish";
        return publish;
    default:
        return 0;
    }
}

/*
 * The alerts of one claimed PAKN due at `now` and the next instant one may fire (0: none),
 * with the dossiers' measure (evaluate). c: the columns of alert_pakn_claim resolved.
 */
static int64_t
evaluate_pakn(const struct ddl_axis *ax, const struct config *cfg, int64_t now,
              const PGresult *res, const int *c, int i, struct aset *b)
{
    const char *id = db_val(res, i, c[PC_PAKN]), *unit = db_val(res, i, c[PC_UNIT]), *name = "";
    int state = atoi(db_val(res, i, c[PC_STATE]));
    int64_t due = pakn_watch(state, col64(res, i, c[PC_REJECT_DUE]),
                             col64(res, i, c[PC_ANSWER_DUE]), col64(res, i, c[PC_PUBLISH_DUE]),
                             &name);
    int64_t next = 0, warn;
    json_int_t pid = (json_int_t)strtoll(id, NULL, 10);
    const char *skey = pakn_state_key((enum pakn_state)state);
    char key[80];

    if (due == 0)
        return 0;
    warn = ddl_instant(ax, ddl_pos(ax, due) - (int64_t)cfg->alert_warn_hours * 3600);
    snprintf(key, sizeof(key), "%s:%" PRId64 ":%s", name, due, unit);
    if (cfg->alert_warn_hours > 0 && now >= warn && now <= due)
        add_alert(b, unit, id, "pakn_due_soon", key,
                  json_pack("{s:I,s:s,s:o,s:s,s:I}", "pakn_id", pid, "deadline", name, "due_at",
                            hx_ts_json(due), "state", skey, "remaining_working_minutes",
                            (json_int_t)((ddl_pos(ax, due) - ddl_pos(ax, now)) / 60)));
    else if (cfg->alert_warn_hours > 0 && now < warn)
        next = warn;
    if (now > due)
        add_alert(b, unit, id, "pakn_overdue", key,
                  json_pack("{s:I,s:s,s:o,s:s}", "pakn_id", pid, "deadline", name, "due_at",
                            hx_ts_json(due), "state", skey));
    else if (next == 0)
        next = due + 1;
    return next;
}

/* Evaluates the claimed rows of one kind of subject into b; returns the number of rows. */
static int
claim_rows(const struct aw *a, const struct ddl_axis *ax, int64_t now, const PGresult *res,
           int pakn, struct aset *b)
{
    int n = PQntuples(res), ac[AC__N], pc[PC__N];

    if (pakn)
        hx_cols(res, PC_NAMES, PC__N, pc);
    else
        hx_cols(res, AC_NAMES, AC__N, ac);
    for (int i = 0; i < n; i++) {
        int64_t next = pakn ? evaluate_pakn(ax, a->w->app->cfg, now, res, pc, i, b)
                            : evaluate(ax, a->w->app->cfg, now, res, ac, i, b);
        char buf[24];

        arr_put(&b->sd, db_val(res, i, pakn ? pc[PC_PAKN] : ac[AC_DOSSIER]));
        arr_put(&b->sg, db_val(res, i, pakn ? pc[PC_GEN] : ac[AC_GEN]));
        snprintf(buf, sizeof(buf), "%" PRId64, next);
        arr_put(&b->sn, next == 0 ? NULL : buf);
    }
    return n;
}

/* Appends the statements of one set: its alerts (after the lock, taken once) and its
   schedule; returns the new statement count. */
static int
bind_set(struct sched_job *j, int k, int which, int *locked)
{
    static const char *const insert[2] = {SQL_INSERT, SQL_INSERT_PAKN};
    static const char *const resched[2] = {SQL_RESCHEDULE, SQL_RESCHEDULE_PAKN};
    struct aset *b = which == 0 ? &j->b.d : &j->b.p;
    const char **vi = j->vi[which], **vr = j->vr[which];

    if (b->nalerts > 0) {
        if (!*locked)
            j->st[k++] = (struct db_stmt){SQL_LOCK, 0, NULL};
        *locked = 1;
        vi[INS_UNIT] = arr_text(&b->unit);
        vi[INS_DOSSIER] = arr_text(&b->subject);
        vi[INS_KIND] = arr_text(&b->kind);
        vi[INS_KEY] = arr_text(&b->key);
        vi[INS_PAYLOAD] = arr_text(&b->payload);
        vi[INS_AT] = j->at;
        j->st[k++] = (struct db_stmt){insert[which], INS__N, vi};
    }
    if (b->sd.n > 0) {
        vr[RES_DOSSIER] = arr_text(&b->sd);
        vr[RES_GEN] = arr_text(&b->sg);
        vr[RES_NEXT] = arr_text(&b->sn);
        j->st[k++] = (struct db_stmt){resched[which], RES__N, vr};
    }
    return k;
}

static void
on_claim(struct db_result *r, void *arg)
{
    struct aw *a = arg;
    struct sched_job *j;
    const struct ddl_axis *ax;
    struct mc_err e = {0};
    int64_t now = a->claim_at; /* the instant the rows were claimed as due at */
    int nd, np, k = 0, locked = 0;

    if (r->err.code != ERR_OK || stopping(a) || r->nres < 2) {
        a->scheduling = 0;
        if (!stopping(a)) {
            log_kv(LOG_WARN, "alerts: claim failed", "detail", r->err.detail, NULL);
            sleep_until(a, now + 5);
        }
        return;
    }
    ax = hx_axis(a->w, &e);
    if (ax == NULL) {
        a->scheduling = 0;
        sleep_until(a, now + 60);
        return;
    }
    j = xcalloc(1, sizeof(*j));
    j->a = a;
    nd = claim_rows(a, ax, now, r->res[0], 0, &j->b.d);
    np = claim_rows(a, ax, now, r->res[1], 1, &j->b.p);
    j->full = nd == CLAIM_BATCH || np == CLAIM_BATCH;
    snprintf(j->at, sizeof(j->at), "%" PRId64, now);
    k = bind_set(j, k, 0, &locked);
    k = bind_set(j, k, 1, &locked);
    if (locked)
        j->st[k++] = (struct db_stmt){SQL_NOTIFY, 0, NULL};
    j->st[k++] = (struct db_stmt){SQL_NEXT, 0, NULL};
    /* One unit: the alerts, their doorbell and the new schedule commit together. */
    db_exec(a->w->db, j->st, k, on_scheduled, j);
}

static void
schedule(struct aw *a)
{
    if (stopping(a))
        return;
    if (a->scheduling) {
        a->schedule_again = 1;
        return;
    }
    evtimer_del(a->timer);
    evtimer_del(a->debounce);
    a->scheduling = 1;
    a->claim_at = clock_now();
    snprintf(a->claim_now, sizeof(a->claim_now), "%" PRId64, a->claim_at);
    snprintf(a->claim_lim, sizeof(a->claim_lim), "%d", CLAIM_BATCH);
    a->claim_v[CLAIM_NOW] = a->claim_now;
    a->claim_v[CLAIM_LIMIT] = a->claim_lim;
    /* One unit: the dossiers' rows and the PAKN's (same parameters), claimed together. */
    a->claim_st[0] = (struct db_stmt){SQL_CLAIM, CLAIM__N, a->claim_v};
    a->claim_st[1] = (struct db_stmt){SQL_CLAIM_PAKN, CLAIM__N, a->claim_v};
    db_exec(a->w->db, a->claim_st, 2, on_claim, a);
}

/* The in-process bell (worker 0): a dossier or PAKN write of this process committed. */
static void
on_bell(void *arg)
{
    ring(arg);
}

static void
on_due(struct db_result *r, void *arg)
{
    struct aw *a = arg;

    a->polling = 0;
    if (r->err.code == ERR_OK && strcmp(hx_col(r->res[0], 0, "due"), "t") == 0)
        schedule(a);
}

/* The idle poll (worker 0): no claim or look in flight, and none about to start. */
static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
    struct aw *a = arg;

    (void)fd;
    (void)what;
    if (stopping(a) || a->scheduling || a->polling || evtimer_pending(a->debounce, NULL))
        return;
    a->polling = 1;
    snprintf(a->due_now, sizeof(a->due_now), "%" PRId64, clock_now());
    a->due_v[DUE_NOW] = a->due_now;
    db_exec1(a->w->db, SQL_DUE, DUE__N, a->due_v, on_due, a);
}

/* 1 when sql writes a dossier or its events (the triggers then touched the schedule and
   the outbox): the reception, transition, re-projection and calendar statements; or a PAKN
   (its trigger touched the PAKN schedule): the intake and the steps (api/voice/pakn.c). */
static int
writes_dossier(const char *sql)
{
    return strstr(sql, "INSERT INTO dossier") != NULL ||
           strstr(sql, "UPDATE dossier SET") != NULL || strstr(sql, "INSERT INTO pakn (") != NULL ||
           strstr(sql, "UPDATE pakn SET") != NULL;
}

/*
 * The commit hook of every worker's pool (db_pool_on_commit): after a unit that wrote a
 * dossier committed, rings the process's bells (this scheduler, the webhook relay). The
 * answer per statement is kept in a small memo keyed by the SQL pointer (constant text,
 * db.h). A write the test misses is still seen by the polls, at most ALERT_POLL_MS later.
 */
static void
on_commit(const struct db_stmt *st, int n, void *arg)
{
    struct aw *a = arg;

    for (int i = 0; i < n; i++) {
        size_t k = ((uintptr_t)st[i].sql >> 4) % WRITES_MEMO;

        if (a->memo_sql[k] != st[i].sql) {
            a->memo_sql[k] = st[i].sql;
            a->memo_writes[k] = (char)writes_dossier(st[i].sql);
        }
        if (a->memo_writes[k]) {
            bell_ring_joined();
            return;
        }
    }
}

/* ---- the calendar horizon (worker 0) ---- */

#define HORIZON_TICK 2 /* s: a calendar change or a new local day is seen this late */

/* One year's horizon, at the scheduler's instant; returns the alerts added (column added). */
enum { HZ_YEAR, HZ_ALARM, HZ_ANNOUNCED, HZ_PAYLOAD, HZ_NOW, HZ__N };
static const char SQL_HORIZON[] = "SELECT alert_calendar_horizon($1::int, $2::boolean,"
                                  " $3::boolean, $4::jsonb, to_timestamp($5::bigint)) AS added";

/* The clock of the horizon check and its gauges: the scheduler's. */
static int32_t
horizon_today(void)
{
    return cal_local_day(clock_now());
}

struct horizon_job {
    struct aw *a;
    const struct wcal *cal;
    int32_t day;
    char year[2][12], alarm[2][2], announced[2][2];
    char *payload[2], now[24];
    const char *v[2][HZ__N]; /* [0] this year, [1] next year */
    struct db_stmt st[3];
};

static void
on_horizon(struct db_result *r, void *arg)
{
    struct horizon_job *j = arg;
    struct aw *a = j->a;

    a->horizon_busy = 0;
    if (r->err.code == ERR_OK) {
        a->horizon_cal = j->cal;
        a->horizon_day = j->day;
        if (strcmp(db_val(r->res[1], 0, db_col(r->res[1], "added")), "0") != 0)
            log_kv(LOG_WARN, "calendar horizon alert", "year", j->year[1], "alarm",
                   j->alarm[1], (char *)NULL);
    } else if (!stopping(a)) {
        log_kv(LOG_WARN, "alerts: calendar horizon failed", "detail", r->err.detail,
               (char *)NULL); /* the memo is unchanged: the next tick retries */
    }
    free(j->payload[0]);
    free(j->payload[1]);
    free(j);
}

static char *
horizon_payload(const struct wcal_horizon *h, int year, int alarm, int32_t today,
                const char *province)
{
    char last[11], on[11], *out;
    json_t *o;

    cal_format_date(h->last_announced, last);
    cal_format_date(today, on);
    o = json_pack("{s:i,s:s,s:s,s:I,s:s,s:s}", "year", year, "checked_on", on,
                  "last_announced_day", last, "horizon_days",
                  (json_int_t)(h->last_announced - today), "province", province, "message",
                  alarm ? "Chưa nạp lịch nghỉ Tết của năm sau: lịch hẹn qua Tết là dự kiến"
                           : "Đã nạp lịch nghỉ Tết");
    out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}

/*
 * Evaluates the horizon when the local day or the calendar changed since the last stored
 * evaluation: one unit (lock, this year, next year). This year: an alarm left from last
 * year (it fired in the autumn, the announcement came after 1 January) is resolved when the
 * year is announced now. Next year: the alarm itself.
 */
static void
horizon_check(struct aw *a)
{
    const struct wcal *cal = atomic_load(&a->w->app->cal);
    int64_t now = clock_now();
    int32_t today = cal_local_day(now); /* horizon_today() of this instant */
    struct wcal_horizon h, prev;
    struct horizon_job *j;

    if (stopping(a) || cal == NULL)
        return;
    if (a->horizon_busy || (cal == a->horizon_cal && today == a->horizon_day))
        return;
    wcal_horizon(cal, today, &h);
    if (h.next_year == 0)
        return; /* today outside the calendar range */
    /* this year as seen from the day before its 1 January: announced or not */
    wcal_horizon(cal, cal_days(h.next_year - 1, 1, 1) - 1, &prev);
    j = xcalloc(1, sizeof(*j));
    j->a = a;
    j->cal = cal;
    j->day = today;
    snprintf(j->year[0], sizeof(j->year[0]), "%d", h.next_year - 1);
    snprintf(j->alarm[0], sizeof(j->alarm[0]), "f");
    snprintf(j->announced[0], sizeof(j->announced[0]), "%s",
             prev.next_year_announced ? "t" : "f");
    j->payload[0] = horizon_payload(&h, h.next_year - 1, 0, today, a->w->app->cfg->province_code);
    snprintf(j->year[1], sizeof(j->year[1]), "%d", h.next_year);
    snprintf(j->alarm[1], sizeof(j->alarm[1]), "%s", h.alarm ? "t" : "f");
    snprintf(j->announced[1], sizeof(j->announced[1]), "%s", h.next_year_announced ? "t" : "f");
    j->payload[1] = horizon_payload(&h, h.next_year, h.alarm, today, a->w->app->cfg->province_code);
    snprintf(j->now, sizeof(j->now), "%" PRId64, now);
    for (int k = 0; k < 2; k++) {
        j->v[k][HZ_YEAR] = j->year[k];
        j->v[k][HZ_ALARM] = j->alarm[k];
        j->v[k][HZ_ANNOUNCED] = j->announced[k];
        j->v[k][HZ_PAYLOAD] = j->payload[k];
        j->v[k][HZ_NOW] = j->now;
    }
    j->st[0] = (struct db_stmt){SQL_LOCK, 0, NULL};
    j->st[1] = (struct db_stmt){SQL_HORIZON, HZ__N, j->v[1]};
    j->st[2] = (struct db_stmt){SQL_HORIZON, HZ__N, j->v[0]};
    a->horizon_busy = 1;
    db_exec(a->w->db, j->st, 3, on_horizon, j);
}

static void
on_horizon_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    horizon_check(arg);
}

static void
m_next_year_announced(struct app *app, struct evbuffer *out)
{
    const struct wcal *cal = atomic_load(&app->cal);
    struct wcal_horizon h = {0};

    if (cal != NULL)
        wcal_horizon(cal, horizon_today(), &h);
    evbuffer_add_printf(out, "motcua_calendar_next_year_announced %d\n",
                        h.next_year != 0 && h.next_year_announced);
}

static void
m_horizon_days(struct app *app, struct evbuffer *out)
{
    const struct wcal *cal = atomic_load(&app->cal);
    struct wcal_horizon h = {0};
    int32_t today = horizon_today();

    if (cal != NULL)
        wcal_horizon(cal, today, &h);
    evbuffer_add_printf(out, "motcua_calendar_horizon_days %ld\n",
                        h.next_year != 0 ? (long)(h.last_announced - today) : 0L);
}

int
alerts_install(struct app *app, struct mc_err *e)
{
    if (metrics_register(app, "motcua_calendar_next_year_announced",
                         "1 when next year's Tet is announced in the working calendar, 0 while "
                         "only proposed",
                         "gauge", m_next_year_announced) != 0 ||
        metrics_register(app, "motcua_calendar_horizon_days",
                         "Days from today to the last day before the first proposed "
                         "(not announced) day of the working calendar",
                         "gauge", m_horizon_days) != 0)
        return err_set(e, ERR_INTERNAL, "calendar metrics already registered");
    return 0;
}

/* ---- wiring ---- */

void
alerts_worker_init(struct worker *w)
{
    struct aw *a;
    struct timeval hb = {w->app->cfg->alert_heartbeat, 0};

    if (w->ext[EXT_ALERTS] != NULL || w->db == NULL)
        return;
    a = xcalloc(1, sizeof(*a));
    a->w = w;
    w->ext[EXT_ALERTS] = a;
    a->heartbeat = event_new(w->base, -1, EV_PERSIST, on_heartbeat, a);
    event_add(a->heartbeat, &hb);
    db_listen(w->db, ALERT_CHANNEL, on_alert_notify, a);
    db_pool_on_commit(w->db, on_commit, a);
    if (w->id == 0) {
        struct timeval poll = {0, ALERT_POLL_MS * 1000};

        a->timer = evtimer_new(w->base, on_timer, a);
        a->debounce = evtimer_new(w->base, on_timer, a);
        a->bell = bell_new(w->base, on_bell, a);
        if (bell_join(a->bell) != 0)
            log_kv(LOG_WARN, "alerts: no in-process bell left; relying on the poll", NULL);
        a->poll = event_new(w->base, -1, EV_PERSIST, on_poll, a);
        event_add(a->poll, &poll);
        schedule(a);
        {
            struct timeval tick = {HORIZON_TICK, 0};

            a->horizon = event_new(w->base, -1, EV_PERSIST, on_horizon_tick, a);
            event_add(a->horizon, &tick);
            horizon_check(a);
        }
    }
}

void
alerts_worker_free(struct worker *w)
{
    struct aw *a = aw_of(w);

    if (a == NULL)
        return;
    if (a->heartbeat != NULL)
        event_free(a->heartbeat);
    if (a->timer != NULL)
        event_free(a->timer);
    if (a->debounce != NULL)
        event_free(a->debounce);
    if (a->poll != NULL)
        event_free(a->poll);
    bell_free(a->bell);
    if (a->w->db != NULL)
        db_pool_on_commit(a->w->db, NULL, NULL);
    if (a->horizon != NULL)
        event_free(a->horizon);
    /* Streams are closed by evhttp_free before this runs (client_gone unlinked them). */
    free(a);
    w->ext[EXT_ALERTS] = NULL;
}
