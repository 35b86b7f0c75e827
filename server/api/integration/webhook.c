/*
 * webhook.c - webhooks out: the delivery worker (the subscriptions API is webhook_api.c).
 *
 * Pipeline (docs/integration.md "Webhooks"):
 *   dossier_event INSERT --trigger--> webhook_outbox (same transaction, no NOTIFY: issue 14)
 *   relay: DELETE ... SKIP LOCKED from webhook_outbox, fan out to webhook_delivery rows of
 *          every active subscription whose event-type and unit filters match (one transaction)
 *   send:  claim due deliveries with a lease, the lowest pending seq per (subscription,
 *          dossier) only, at most WH_SUB_INFLIGHT per subscription, POST a CloudEvents 1.0
 *          structured JSON body (or, for a dvcqg-format subscription, the portal's
 *          CapNhatTienDoHoSoMC row stored at fan-out) signed per Standard Webhooks; 2xx =
 *          delivered; else retry with exponential backoff and jitter; dead after
 *          MOTCUA_WEBHOOK_MAX_ATTEMPTS; an administrator may replay or skip it.
 * At-least-once: a crash between the receiver's 2xx and our UPDATE re-sends the same
 * webhook-id once the lease lapses. In order per dossier: a delivery waits for every
 * lower-seq pending or dead delivery of its dossier and subscription (a dead letter blocks
 * its dossier until replayed or skipped; sql/080).
 *
 * One delivery worker per process: a thread of its own with its own event loop, one database
 * connection (+ the LISTEN connection) and an evdns resolver, so neither DNS nor a slow
 * receiver ever blocks an HTTP worker. Woken (issue 14, item 1: no NOTIFY in the writing
 * transaction, which would serialise the cluster's commits):
 *   - by its in-process bell (core/bell.h), rung once a unit of this process that wrote
 *     dossier or dossier_event has committed (alerts.c installs the pools' commit hook) or
 *     an administrator re-queued deliveries (webhook_api.c): delivery starts at once;
 *   - every WH_POLL_MS while idle, by a look at webhook_outbox (SQL_QUEUED: one
 *     read-only statement, no commit to flush), for events written by other processes;
 *   - every WH_POLL_EVERY polls (1 s) by a full cycle, for retries that became due;
 *   - by NOTIFY motcua_outbox, still rung by the alert outbox trigger in the scheduler's
 *     transaction (which notifies motcua_alerts anyway) and after a LISTEN reconnect.
 */
#include "api/integration/integ.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "api/common/common.h"
#include "api/integration/webhook_int.h"
#include "app.h"
#include "core/arena.h"
#include "core/bell.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/hmac.h"
#include "core/log.h"
#include "domain/cal.h"
#include "domain/role.h"
#include "http/jin.h"
#include "http/metrics.h"
#include "http/reqctx.h"

/* ---------------------------------------------------------------- the delivery worker */

/*
 * The relay. One process at a time (pg_try_advisory_xact_lock, key WH_RELAY_LOCK, held
 * until this statement's transaction ends): two relays committing their deliveries in the
 * other order could let a claim see (and send) a dossier's seq n+1 before its seq n exists
 * as a delivery. A process that does not get the lock relays nothing this round; the holder
 * does. Alert rows (sql/063_alert_webhooks.sql, alert_id set) reach only the CloudEvents
 * subscriptions that name their type ("alert.<kind>" or "alert.*"). A dvcqg-format
 * subscription's delivery gets its body here, once (sql/090): every attempt sends it.
 *
 * One clock: every instant the relay writes or compares (next_attempt_at, created_at,
 * lease_until, delivered_at, the secret overlap) is clock_now() (core/clock.h), bound as
 * "to_timestamp($n::bigint)", never PostgreSQL's now(): the claim reads once per cycle
 * (wh->now_s), a delivery's mark when its answer came (d->now_s). RELAY_NOW: the cycle's.
 */
#define WH_RELAY_LOCK "7243001"
/* The idle poll (ms) and the full cycle every WH_POLL_EVERY polls. The look is cheap:
   webhook_outbox holds only the events not yet relayed (a few rows, none when idle), and a
   read-only statement writes no WAL and waits for no flush. */
#define WH_POLL_MS 200
#define WH_POLL_EVERY 5
static const char SQL_QUEUED[] = "SELECT EXISTS (SELECT 1 FROM webhook_outbox) AS queued";
enum { RELAY_BATCH, RELAY_NOW, RELAY__N };
static const char SQL_RELAY[] =
    "WITH l AS MATERIALIZED (SELECT pg_try_advisory_xact_lock(" WH_RELAY_LOCK ") AS got),"
    " q AS (DELETE FROM webhook_outbox WHERE (SELECT got FROM l) AND event_id IN ("
    "  SELECT event_id FROM webhook_outbox ORDER BY dossier_id, seq LIMIT $1::int"
    "  FOR UPDATE SKIP LOCKED) RETURNING event_id, dossier_id, seq, alert_id),"
    " ins AS (INSERT INTO webhook_delivery (subscription_id, event_id, dossier_id, seq,"
    "  alert_id, body, next_attempt_at, created_at)"
    "  SELECT s.id, q.event_id, q.dossier_id, q.seq, q.alert_id,"
    "  CASE WHEN s.format = 'dvcqg' THEN json_build_object('CapNhatTienDoHoSoMC',"
    "   dvcqg_progress_row(e), 'MaHoSo', e.aggregateid, 'version', e.seq)::text END,"
    "  to_timestamp($2::bigint), to_timestamp($2::bigint) FROM q"
    "  LEFT JOIN dossier d ON d.id = q.dossier_id" /* none: a calendar alert (sql/098) */
    "  LEFT JOIN dossier_event e ON e.id = q.event_id AND q.alert_id IS NULL"
    "  LEFT JOIN alert a ON a.id = q.alert_id"
    "  JOIN webhook_subscription s ON s.active"
    "   AND (CASE WHEN q.alert_id IS NULL"
    "        THEN cardinality(s.event_types) = 0 OR e.type = ANY(s.event_types)"
    "        ELSE 'alert.' || a.kind = ANY(s.event_types) OR 'alert.*' = ANY(s.event_types) END)"
    "   AND (cardinality(s.unit_ids) = 0 OR EXISTS (SELECT 1 FROM unnest(s.unit_ids) u(id)"
    "        WHERE unit_in_scope(u.id, d.receiving_unit_id)"
    "           OR unit_in_scope(u.id, d.resolving_unit_id)"
    "           OR (a.unit_id IS NOT NULL AND unit_in_scope(u.id, a.unit_id))))"
    "  WHERE q.alert_id IS NULL OR (a.id IS NOT NULL AND s.format = 'cloudevents')"
    "  ORDER BY q.dossier_id, q.seq, s.id"
    "  ON CONFLICT DO NOTHING RETURNING 1)"
    " SELECT (SELECT count(*) FROM q) AS relayed, (SELECT count(*) FROM ins) AS fanned_out,"
    " (SELECT count(*) FROM webhook_delivery WHERE state = 'pending') AS pending,"
    " (SELECT count(*) FROM webhook_delivery WHERE state = 'dead') AS dead,"
    " (SELECT count(*) FROM webhook_delivery d WHERE d.state = 'pending'"
    "  AND EXISTS (" WH_DEAD_BEFORE("d") ")) AS blocked";

/*
 * Per (subscription, dossier) only the lowest delivery that is neither delivered nor
 * skipped: a pending one is sent when due, a dead one blocks the rest (sql/080). An alert
 * (sql/063) waits for the event of its own seq too. Fairness: each active subscription gets
 * at most CLAIM_PER_SUB deliveries under lease at a time (counted in the database, so across
 * processes once their claims are committed), taken in its own due order; the
 * subscriptions' candidates then share the CLAIM_LIMIT free slots round-robin (rn), so a
 * slow receiver cannot hold every slot. Columns: CLAIM_COLS.
 */
enum {
    CLAIM_LIMIT,   /* how many */
    CLAIM_LEASE,   /* lease seconds */
    CLAIM_PER_SUB, /* the per-subscription in-flight limit */
    CLAIM_NOW,     /* the cycle's now (Unix seconds) */
    CLAIM__N
};
static const char SQL_CLAIM[] =
    "WITH busy AS (SELECT subscription_id, count(*) AS n FROM webhook_delivery"
    "  WHERE state = 'pending' AND lease_until >= to_timestamp($4::bigint) GROUP BY 1),"
    " cand AS (SELECT x.id, x.rn, x.next_attempt_at FROM webhook_subscription s"
    "  LEFT JOIN busy b ON b.subscription_id = s.id"
    "  CROSS JOIN LATERAL (SELECT dl.id, dl.next_attempt_at,"
    "   row_number() OVER (ORDER BY dl.next_attempt_at, dl.id) AS rn"
    "   FROM webhook_delivery dl WHERE dl.subscription_id = s.id AND dl.state = 'pending'"
    "   AND dl.next_attempt_at <= to_timestamp($4::bigint)"
    "   AND (dl.lease_until IS NULL OR dl.lease_until < to_timestamp($4::bigint))"
    "   AND NOT EXISTS (SELECT 1 FROM webhook_delivery p WHERE p.state IN ('pending', 'dead')"
    "     AND p.subscription_id = dl.subscription_id AND p.dossier_id = dl.dossier_id"
    "     AND " WH_EARLIER("p", "dl") ")"
    "   ORDER BY dl.next_attempt_at, dl.id"
    "   LIMIT greatest($3::int - coalesce(b.n, 0), 0)) x"
    "  WHERE s.active),"
    " pick AS (SELECT dl.id FROM webhook_delivery dl JOIN cand ON cand.id = dl.id"
    "  WHERE dl.state = 'pending'"
    "  AND (dl.lease_until IS NULL OR dl.lease_until < to_timestamp($4::bigint))"
    "  ORDER BY cand.rn, cand.next_attempt_at, dl.id LIMIT $1::int"
    "  FOR UPDATE OF dl SKIP LOCKED),"
    " c AS (UPDATE webhook_delivery d"
    "  SET lease_until = to_timestamp($4::bigint) + make_interval(secs => $2::int)"
    "  FROM pick WHERE d.id = pick.id RETURNING d.id, d.attempts, d.subscription_id,"
    "  d.event_id, d.dossier_id, d.alert_id, d.body)"
    " SELECT c.id, c.attempts, s.url, s.secret, c.event_id, e.type, e.seq,"
    " extract(epoch FROM e.occurred_at)::bigint AS occurred_at,"
    " extract(epoch FROM e.recorded_at)::bigint AS recorded_at,"
    " e.from_state, e.to_state, e.payload::text AS payload,"
    " coalesce(e.aggregateid, d.code) AS dossier_code,"
    " coalesce(e.province, d.province, a.payload->>'province') AS province,"
    " coalesce(au.code, ua.code, ur.code) AS unit_code,"
    " c.alert_id, a.kind, a.fire_key, a.payload::text AS alert_payload,"
    " extract(epoch FROM a.created_at)::bigint AS alert_created_at,"
    " CASE WHEN s.previous_secret_until > to_timestamp($4::bigint) THEN s.previous_secret END"
    " AS previous_secret,"
    " c.body"
    " FROM c JOIN webhook_subscription s ON s.id = c.subscription_id"
    " LEFT JOIN dossier d ON d.id = c.dossier_id"
    " LEFT JOIN dossier_event e ON e.id = c.event_id AND c.alert_id IS NULL"
    " LEFT JOIN alert a ON a.id = c.alert_id"
    " LEFT JOIN unit ur ON ur.id = d.receiving_unit_id LEFT JOIN unit ua ON ua.id = e.actor_unit_id"
    " LEFT JOIN unit au ON au.id = a.unit_id";

/*
 * The columns of a claimed delivery. An event's (NULL for an alert): type, seq .. payload;
 * an alert's (sql/063, NULL for an event): alert_id .. alert_created_at; dossier_code NULL
 * for a calendar alert (sql/098); previous_secret: the former secret while a rotation's
 * overlap lasts; body: stored at fan-out (dvcqg format; NULL: CloudEvents, built here).
 */
enum { CC_ID, CC_ATTEMPTS, CC_URL, CC_SECRET, CC_EVENT_ID, CC_TYPE, CC_SEQ, CC_OCCURRED,
       CC_RECORDED, CC_FROM, CC_TO, CC_PAYLOAD, CC_DOSSIER, CC_PROVINCE, CC_UNIT, CC_ALERT,
       CC_KIND, CC_ALERT_PAYLOAD, CC_ALERT_AT, CC_PREVIOUS_SECRET, CC_BODY, CC__N };
static const char *const CLAIM_COLS[CC__N] = {
    [CC_ID] = "id",
    [CC_ATTEMPTS] = "attempts",
    [CC_URL] = "url",
    [CC_SECRET] = "secret",
    [CC_EVENT_ID] = "event_id",
    [CC_TYPE] = "type",
    [CC_SEQ] = "seq",
    [CC_OCCURRED] = "occurred_at",
    [CC_RECORDED] = "recorded_at",
    [CC_FROM] = "from_state",
    [CC_TO] = "to_state",
    [CC_PAYLOAD] = "payload",
    [CC_DOSSIER] = "dossier_code",
    [CC_PROVINCE] = "province",
    [CC_UNIT] = "unit_code",
    [CC_ALERT] = "alert_id",
    [CC_KIND] = "kind",
    [CC_ALERT_PAYLOAD] = "alert_payload",
    [CC_ALERT_AT] = "alert_created_at",
    [CC_PREVIOUS_SECRET] = "previous_secret",
    [CC_BODY] = "body",
};

/* The marks; *_NOW: the now of the answer (Unix seconds). */
enum { DELIVERED_ID, DELIVERED_STATUS, DELIVERED_NOW, DELIVERED__N };
static const char SQL_DELIVERED[] =
    "UPDATE webhook_delivery SET state = 'delivered', attempts = attempts + 1,"
    " delivered_at = to_timestamp($3::bigint), last_status = $2::int, last_error = NULL,"
    " lease_until = NULL WHERE id = $1::bigint";

/* FAILED_STATUS: NULL when no answer; FAILED_MAX: the attempts before dead; FAILED_DELAY:
   the backoff, seconds. */
enum { FAILED_ID, FAILED_STATUS, FAILED_ERROR, FAILED_MAX, FAILED_DELAY, FAILED_NOW, FAILED__N };
static const char SQL_FAILED[] =
    "UPDATE webhook_delivery SET attempts = attempts + 1, last_status = $2::int,"
    " last_error = $3, lease_until = NULL,"
    " state = CASE WHEN attempts + 1 >= $4::int THEN 'dead' ELSE 'pending' END,"
    " next_attempt_at = to_timestamp($6::bigint) + make_interval(secs => $5::double precision)"
    " WHERE id = $1::bigint RETURNING state";

struct wh {
    struct app *app;
    pthread_t thread;
    int started;
    struct event_base *base;
    struct evdns_base *dns;
    struct db_pool *db;
    SSL_CTX *ssl;
    struct event *tick, *soon;
    struct bell *bell;        /* rung after this process's writes (core/bell.h) */
    int polls;                /* WH_POLL_MS ticks since the last full cycle */
    int polling;              /* SQL_QUEUED in flight */
    int busy;                 /* a relay/claim cycle is running */
    int again;                /* woken while busy: run once more */
    int inflight;             /* deliveries being sent */
    int stopping;
    const char *relay_params[RELAY__N];
    const char *claim_params[CLAIM__N];
    char now_s[24];           /* the cycle's now: clock_now() once per tick (wh_kick) */
    struct delivery *sending;    /* deliveries waiting for the receiver */
    /* Connections whose exchange ended, freed on the next loop turn (reap_ev): libevent may
     * still touch a connection after its request callback returns, and does not free an
     * outgoing one whose exchange failed (refused, timed out), whatever free_on_completion
     * says. What is left at the stop is freed by webhook_shutdown. */
    struct evhttp_connection **reap;
    size_t nreap, capreap;
    struct event *reap_ev;
    /* Metrics (read by scrapes on other threads). */
    atomic_llong delivered, failed, dead, pending, dead_now, blocked;
};

/*
 * The process's delivery worker. One per process, created at start-up before any thread
 * runs and never replaced, so a plain pointer is enough for the /metrics collectors (which
 * get only struct app).
 */
static struct wh *the_wh;

struct delivery {
    struct wh *wh;
    char id[24];
    int attempts;
    char *body;
    const char *params[FAILED__N]; /* SQL_DELIVERED's (fewer) or SQL_FAILED's */
    char status_s[12], delay_s[32], max_s[12], now_s[24];
    char err[160];
    char tls_err[120];        /* first certificate check that failed, for last_error */
    struct evhttp_connection *conn;
    struct delivery *prev, *next; /* wh->sending: HTTP exchange in progress */
};
_Static_assert((int)DELIVERED__N <= (int)FAILED__N, "d->params holds either list");

static void wh_kick(struct wh *wh);

/*
 * CloudEvents 1.0 structured JSON (landscape.md §2): id = event uuid, source
 * /units/{unit code}, type vn.motcua.dossier.<transition>.v1, subject = dossier code, time
 * = occurred_at (+07:00); extensions sequence (the dossier's event seq, as a decimal string:
 * CloudEvents extension values are strings) and province. Deterministic for a given event,
 * so a retry carries the same bytes.
 */
static char *
alert_cloudevent(const PGresult *res, int i, const int *c)
{
    char created[32], src[64], type[96];
    json_t *ce, *payload;
    char *s;

    /* type vn.motcua.alert.<kind>.v1, subject = dossier code, time = when it fired; data as
     * on the alert stream (GET /api/v1/alerts/stream) plus the dossier code and unit. A
     * calendar alert (sql/098) has neither: source /calendar, subject "calendar", both null
     * in data. A PAKN alert (sql/112) has a unit and no dossier: source /units/<unit>,
     * subject "pakn/<id>" (the id from its payload), dossier_code null. */
    int nodossier = db_isnull(res, i, c[CC_DOSSIER]);
    int cal = nodossier && db_isnull(res, i, c[CC_UNIT]);
    char subject[64];
    json_int_t pakn = 0;

    cal_format_instant(strtoll(db_val(res, i, c[CC_ALERT_AT]), NULL, 10), created);
    payload = json_loads(db_val(res, i, c[CC_ALERT_PAYLOAD]), 0, NULL);
    if (payload != NULL)
        pakn = json_integer_value(json_object_get(payload, "pakn_id"));
    if (cal)
        snprintf(src, sizeof(src), "/calendar");
    else
        snprintf(src, sizeof(src), "/units/%s", db_val(res, i, c[CC_UNIT]));
    if (cal)
        snprintf(subject, sizeof(subject), "calendar");
    else if (nodossier)
        snprintf(subject, sizeof(subject), "pakn/%lld", (long long)pakn);
    else
        snprintf(subject, sizeof(subject), "%s", db_val(res, i, c[CC_DOSSIER]));
    snprintf(type, sizeof(type), "vn.motcua.alert.%s.v1", db_val(res, i, c[CC_KIND]));
    ce = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:I,s:s,s:o,s:o,s:s,s:o}}",
                   "specversion", "1.0", "id", db_val(res, i, c[CC_EVENT_ID]), "source", src, "type", type,
                   "subject", subject, "time", created,
                   "datacontenttype", "application/json", "province", db_val(res, i, c[CC_PROVINCE]),
                   "data", "alert_id", (json_int_t)strtoll(db_val(res, i, c[CC_ALERT]), NULL, 10),
                   "kind", db_val(res, i, c[CC_KIND]), "dossier_code",
                   nodossier ? json_null() : json_string(db_val(res, i, c[CC_DOSSIER])), "unit_code",
                   db_isnull(res, i, c[CC_UNIT]) ? json_null() : json_string(db_val(res, i, c[CC_UNIT])),
                   "created_at", created, "payload",
                   payload != NULL ? payload : json_object());
    if (!cal && nodossier)
        json_object_set_new(json_object_get(ce, "data"), "pakn_id", json_integer(pakn));
    s = json_dumps(ce, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(ce);
    return s;
}

static char *
cloudevent(const PGresult *res, int i, const int *c)
{
    char occurred[32], recorded[32];
    json_t *ce, *data, *payload;
    char *s;

    if (!db_isnull(res, i, c[CC_ALERT]))
        return alert_cloudevent(res, i, c);

    cal_format_instant(strtoll(db_val(res, i, c[CC_OCCURRED]), NULL, 10), occurred);
    cal_format_instant(strtoll(db_val(res, i, c[CC_RECORDED]), NULL, 10), recorded);
    payload = json_loads(db_val(res, i, c[CC_PAYLOAD]), 0, NULL);
    data = json_pack("{s:s,s:i,s:o,s:i,s:s,s:s,s:o}", "dossier_code", db_val(res, i, c[CC_DOSSIER]),
                     "sequence", atoi(db_val(res, i, c[CC_SEQ])), "from_state",
                     db_isnull(res, i, c[CC_FROM]) ? json_null() : json_integer(atoi(db_val(res, i, c[CC_FROM]))),
                     "to_state", atoi(db_val(res, i, c[CC_TO])), "occurred_at", occurred,
                     "recorded_at", recorded, "payload",
                     payload != NULL ? payload : json_object());
    ce = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "specversion", "1.0", "id",
                   db_val(res, i, c[CC_EVENT_ID]), "source",
                   "", "type", "", "subject", db_val(res, i, c[CC_DOSSIER]), "time", occurred,
                   "datacontenttype", "application/json", "sequence", db_val(res, i, c[CC_SEQ]),
                   "province", db_val(res, i, c[CC_PROVINCE]), "data", data);
    {
        char src[64], type[96];

        snprintf(src, sizeof(src), "/units/%s", db_val(res, i, c[CC_UNIT]));
        snprintf(type, sizeof(type), "vn.motcua.dossier.%s.v1", db_val(res, i, c[CC_TYPE]));
        json_object_set_new(ce, "source", json_string(src));
        json_object_set_new(ce, "type", json_string(type));
    }
    s = json_dumps(ce, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(ce);
    return s;
}

static void
delivery_free(struct delivery *d)
{
    free(d->body);
    free(d);
}

static void
on_marked(struct db_result *r, void *arg)
{
    struct delivery *d = arg;
    struct wh *wh = d->wh;

    if (r->err.code != ERR_OK)
        log_kv(LOG_WARN, "webhook delivery state not saved", "delivery", d->id, "detail",
               r->err.detail, NULL);
    else if (r->nres == 1 && PQntuples(r->res[0]) == 1 &&
             strcmp(db_val(r->res[0], 0, db_col(r->res[0], "state")), "dead") == 0)
        atomic_fetch_add(&wh->dead, 1);
    wh->inflight--;
    delivery_free(d);
    wh_kick(wh);
}

/* Next delay: base * 2^(attempt-1), capped, drawn uniformly in [d/2, d] ("full jitter"/2). */
static double
backoff_seconds(const struct wh *wh, int attempt)
{
    double d = wh->app->cfg->webhook_backoff_ms * pow(2.0, attempt > 30 ? 30 : attempt - 1);
    unsigned int r = 0;

    if (d > WH_BACKOFF_CAP_MS)
        d = WH_BACKOFF_CAP_MS;
    RAND_bytes((unsigned char *)&r, sizeof(r));
    return (d / 2 + d / 2 * ((double)r / 4294967295.0)) / 1000.0;
}

static void
unlink_sending(struct delivery *d)
{
    if (d->prev != NULL)
        d->prev->next = d->next;
    else if (d->wh->sending == d)
        d->wh->sending = d->next;
    if (d->next != NULL)
        d->next->prev = d->prev;
    d->prev = d->next = NULL;
}

static void
reap_conns(struct wh *wh)
{
    for (size_t i = 0; i < wh->nreap; i++)
        evhttp_connection_free(wh->reap[i]);
    wh->nreap = 0;
}

static void
on_reap(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    reap_conns(arg);
}

/* Frees c on the next loop turn (see struct wh). */
static void
reap_later(struct wh *wh, struct evhttp_connection *c)
{
    static const struct timeval now = {0, 0};

    if (c == NULL)
        return;
    if (wh->nreap == wh->capreap) {
        wh->capreap = wh->capreap ? 2 * wh->capreap : 16;
        wh->reap = xrealloc(wh->reap, wh->capreap * sizeof(*wh->reap));
    }
    wh->reap[wh->nreap++] = c;
    if (wh->reap_ev == NULL)
        wh->reap_ev = evtimer_new(wh->base, on_reap, wh);
    evtimer_add(wh->reap_ev, &now);
}

static void
on_response(struct evhttp_request *req, void *arg)
{
    struct delivery *d = arg;
    struct wh *wh = d->wh;
    int code = req != NULL ? evhttp_request_get_response_code(req) : 0;

    unlink_sending(d);
    reap_later(wh, d->conn);
    d->conn = NULL;
    snprintf(d->now_s, sizeof(d->now_s), "%lld", (long long)clock_now());

    if (code >= 200 && code < 300) {
        atomic_fetch_add(&wh->delivered, 1);
        snprintf(d->status_s, sizeof(d->status_s), "%d", code);
        d->params[DELIVERED_ID] = d->id;
        d->params[DELIVERED_STATUS] = d->status_s;
        d->params[DELIVERED_NOW] = d->now_s;
        db_exec1(wh->db, SQL_DELIVERED, DELIVERED__N, d->params, on_marked, d);
        return;
    }
    atomic_fetch_add(&wh->failed, 1);
    if (code == 0 && d->tls_err[0] != '\0')
        snprintf(d->err, sizeof(d->err), "TLS: receiver certificate refused: %s", d->tls_err);
    else if (code == 0)
        snprintf(d->err, sizeof(d->err), "no response (connection failed or timed out)");
    else
        snprintf(d->err, sizeof(d->err), "receiver answered %d", code);
    snprintf(d->status_s, sizeof(d->status_s), "%d", code);
    snprintf(d->max_s, sizeof(d->max_s), "%d", wh->app->cfg->webhook_max_attempts);
    snprintf(d->delay_s, sizeof(d->delay_s), "%.3f", backoff_seconds(wh, d->attempts + 1));
    d->params[FAILED_ID] = d->id;
    d->params[FAILED_STATUS] = code == 0 ? NULL : d->status_s;
    d->params[FAILED_ERROR] = d->err;
    d->params[FAILED_MAX] = d->max_s;
    d->params[FAILED_DELAY] = d->delay_s;
    d->params[FAILED_NOW] = d->now_s;
    db_exec1(wh->db, SQL_FAILED, FAILED__N, d->params, on_marked, d);
}

/*
 * Certificate check callback: keeps OpenSSL's verdict and notes the first failure (untrusted
 * chain, expired, host name or IP address mismatch) on the delivery, so last_error tells the
 * administrator why the receiver was refused. The SSL's app data is the delivery; the SSL
 * lives in the connection, which never outlives the delivery's exchange.
 */
static int
on_verify(int ok, X509_STORE_CTX *ctx)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct delivery *d = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

    if (!ok && d != NULL && d->tls_err[0] == '\0') {
        int err = X509_STORE_CTX_get_error(ctx);

        snprintf(d->tls_err, sizeof(d->tls_err), "%s (depth %d)",
                 X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(ctx));
    }
    return ok;
}

/*
 * Peer identity for an https URL host: an IP literal is matched against the certificate's
 * iPAddress names and sent without SNI (RFC 6066 s3 forbids literal addresses in
 * server_name); a DNS name is matched against its dNSName names (RFC 6125) and sent as SNI.
 * Fails closed: if the expected identity cannot be set, no connection is made.
 */
static int
tls_peer_name(SSL *ssl, const char *host)
{
    char lit[64];
    size_t n = strlen(host);

    /* libevent keeps the brackets of an IPv6 literal ("[::1]"). */
    if (n > 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(lit)) {
        memcpy(lit, host + 1, n - 2);
        lit[n - 2] = '\0';
        host = lit;
    }
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1)
        return 0;
    if (SSL_set_tlsext_host_name(ssl, host) != 1 || SSL_set1_host(ssl, host) != 1)
        return -1;
    return 0;
}

/*
 * Connection to the receiver: TLS verified against the trust store (OpenSSL's default verify
 * paths, so SSL_CERT_FILE / SSL_CERT_DIR override the system store) and the URL's host.
 */
static struct evhttp_connection *
wh_connect(struct wh *wh, struct delivery *d, const struct evhttp_uri *u, struct mc_err *e)
{
    const char *scheme = evhttp_uri_get_scheme(u), *host = evhttp_uri_get_host(u);
    int https = scheme != NULL && strcmp(scheme, "https") == 0;
    int port = evhttp_uri_get_port(u);
    struct bufferevent *bev = NULL;
    struct evhttp_connection *c;

    if (host == NULL || (!https && (scheme == NULL || strcmp(scheme, "http") != 0))) {
        err_set(e, ERR_VALIDATION, "unsupported URL");
        return NULL;
    }
    if (port < 0)
        port = https ? 443 : 80;
    if (https) {
        SSL *ssl = SSL_new(wh->ssl);

        if (ssl == NULL) {
            err_set(e, ERR_INTERNAL, "TLS unavailable");
            return NULL;
        }
        if (tls_peer_name(ssl, host) != 0) {
            SSL_free(ssl);
            err_set(e, ERR_INTERNAL, "TLS: cannot set the expected host name");
            return NULL;
        }
        SSL_set_app_data(ssl, d);
        SSL_set_verify(ssl, SSL_VERIFY_PEER, on_verify);
        bev = bufferevent_openssl_socket_new(wh->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                             BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
        if (bev == NULL) {
            SSL_free(ssl);
            err_set(e, ERR_INTERNAL, "TLS unavailable");
            return NULL;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    }
    c = evhttp_connection_base_bufferevent_new(wh->base, wh->dns, bev, host, (unsigned short)port);
    if (c == NULL) {
        err_set(e, ERR_INTERNAL, "cannot create a connection");
        return NULL;
    }
    evhttp_connection_set_timeout(c, wh->app->cfg->webhook_timeout);
    return c; /* one exchange, then reap_later() */
}

/*
 * Standard Webhooks: HMAC-SHA256 over "id.timestamp.body" with the base64-decoded secret
 * (after "whsec_"), written as "v1,<base64>" at out (HMAC_SHA256_B64 + 3 bytes).
 */
static void
sign_v1(const char *secret, const char *evid, const char *ts, const char *body, char *out)
{
    unsigned char key[128], mac[HMAC_SHA256_LEN];
    long kl = hmac_b64_decode(secret + 6, strlen(secret) - 6, key, sizeof(key));
    const void *parts[5] = {evid, ".", ts, ".", body};
    size_t lens[5] = {strlen(evid), 1, strlen(ts), 1, strlen(body)};

    hmac_sha256_parts(key, kl > 0 ? (size_t)kl : 0, parts, lens, 5, mac);
    memcpy(out, "v1,", 3);
    hmac_b64_encode(mac, sizeof(mac), out + 3);
}

static void
send_one(struct wh *wh, const PGresult *res, int i, const int *c)
{
    struct delivery *d = xcalloc(1, sizeof(*d));
    const char *url = db_val(res, i, c[CC_URL]), *secret = db_val(res, i, c[CC_SECRET]), *evid = db_val(res, i, c[CC_EVENT_ID]);
    struct evhttp_uri *u = evhttp_uri_parse(url);
    /* one signature, or two (new then former) during a rotation's overlap */
    char ts[24], sig[2 * (HMAC_SHA256_B64 + 3)], *target;
    struct evhttp_request *req;
    struct evkeyvalq *h;
    struct mc_err e;

    d->wh = wh;
    snprintf(d->id, sizeof(d->id), "%s", db_val(res, i, c[CC_ID]));
    d->attempts = atoi(db_val(res, i, c[CC_ATTEMPTS]));
    /* dvcqg: the bytes stored at fan-out; CloudEvents: built from the immutable event row.
     * Either way every attempt sends the same body under the same webhook-id. */
    d->body = db_isnull(res, i, c[CC_BODY]) ? cloudevent(res, i, c) : xstrdup(db_val(res, i, c[CC_BODY]));
    wh->inflight++;
    if (u == NULL || (d->conn = wh_connect(wh, d, u, &e)) == NULL) {
        if (u != NULL)
            evhttp_uri_free(u);
        on_response(NULL, d);
        return;
    }
    /* Standard Webhooks: the signatures are space-separated; a receiver accepts the
     * message when one of them verifies with a secret it holds. */
    snprintf(ts, sizeof(ts), "%lld", (long long)clock_now());
    sign_v1(secret, evid, ts, d->body, sig);
    if (!db_isnull(res, i, c[CC_PREVIOUS_SECRET])) {
        size_t n = strlen(sig);

        sig[n] = ' ';
        sign_v1(db_val(res, i, c[CC_PREVIOUS_SECRET]), evid, ts, d->body, sig + n + 1);
    }
    req = evhttp_request_new(on_response, d);
    h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", evhttp_uri_get_host(u));
    evhttp_add_header(h, "Content-Type", db_isnull(res, i, c[CC_BODY])
                                             ? "application/cloudevents+json; charset=utf-8"
                                             : "application/json");
    evhttp_add_header(h, "User-Agent", "motcua-webhooks/" MOTCUA_VERSION);
    evhttp_add_header(h, "webhook-id", evid);
    evhttp_add_header(h, "webhook-timestamp", ts);
    evhttp_add_header(h, "webhook-signature", sig);
    evbuffer_add(evhttp_request_get_output_buffer(req), d->body, strlen(d->body));
    {
        const char *path = evhttp_uri_get_path(u), *q = evhttp_uri_get_query(u);
        size_t n = strlen(path) + (q != NULL ? strlen(q) : 0) + 3;

        target = xmalloc(n);
        snprintf(target, n, "%s%s%s", path[0] != '\0' ? path : "/", q != NULL ? "?" : "",
                 q != NULL ? q : "");
    }
    evhttp_uri_free(u);
    d->next = wh->sending;
    if (wh->sending != NULL)
        wh->sending->prev = d;
    wh->sending = d;
    if (evhttp_make_request(d->conn, req, EVHTTP_REQ_POST, target) != 0) {
        free(target);
        on_response(NULL, d);
        return;
    }
    free(target);
}

static void
on_claimed(struct db_result *r, void *arg)
{
    struct wh *wh = arg;
    int c[CC__N];
    int n;

    wh->busy = 0;
    if (r->err.code != ERR_OK) {
        log_kv(LOG_WARN, "webhook claim failed", "detail", r->err.detail, NULL);
        return;
    }
    n = PQntuples(r->res[0]);
    hx_cols(r->res[0], CLAIM_COLS, CC__N, c);
    for (int i = 0; i < n && !wh->stopping; i++)
        send_one(wh, r->res[0], i, c);
    if (wh->again) {
        wh->again = 0;
        wh_kick(wh);
    }
}

static void
claim(struct wh *wh)
{
    static char lim[12], lease[12], per_sub[12];

    snprintf(lim, sizeof(lim), "%d", WH_MAX_INFLIGHT - wh->inflight);
    /* A lease longer than an attempt can take: a crashed process's claims lapse after it. */
    snprintf(lease, sizeof(lease), "%d", 2 * wh->app->cfg->webhook_timeout + 5);
    snprintf(per_sub, sizeof(per_sub), "%d", WH_SUB_INFLIGHT);
    wh->claim_params[CLAIM_LIMIT] = lim;
    wh->claim_params[CLAIM_LEASE] = lease;
    wh->claim_params[CLAIM_PER_SUB] = per_sub;
    wh->claim_params[CLAIM_NOW] = wh->now_s;
    db_exec1(wh->db, SQL_CLAIM, CLAIM__N, wh->claim_params, on_claimed, wh);
}

static void
on_relayed(struct db_result *r, void *arg)
{
    struct wh *wh = arg;

    if (r->err.code != ERR_OK) {
        wh->busy = 0;
        if (r->err.code != ERR_DB_UNAVAILABLE)
            log_kv(LOG_WARN, "webhook relay failed", "detail", r->err.detail, NULL);
        return;
    }
    atomic_store(&wh->pending, hx_col_ts(r->res[0], 0, "pending"));
    atomic_store(&wh->dead_now, hx_col_ts(r->res[0], 0, "dead"));
    atomic_store(&wh->blocked, hx_col_ts(r->res[0], 0, "blocked"));
    if (hx_col_ts(r->res[0], 0, "relayed") >= WH_RELAY_BATCH) {
        db_exec1(wh->db, SQL_RELAY, RELAY__N, wh->relay_params, on_relayed, wh);
        return;
    }
    if (wh->inflight >= WH_MAX_INFLIGHT || wh->stopping) {
        wh->busy = 0;
        return;
    }
    claim(wh);
}

static void
wh_kick(struct wh *wh)
{
    static const char batch[] = "500";

    if (wh->stopping)
        return;
    if (wh->busy) {
        wh->again = 1;
        return;
    }
    wh->busy = 1;
    snprintf(wh->now_s, sizeof(wh->now_s), "%lld", (long long)clock_now());
    wh->relay_params[RELAY_BATCH] = batch;
    wh->relay_params[RELAY_NOW] = wh->now_s;
    db_exec1(wh->db, SQL_RELAY, RELAY__N, wh->relay_params, on_relayed, wh);
}

static void
on_doorbell(const char *channel, const char *payload, void *arg)
{
    (void)channel;
    (void)payload;
    wh_kick(arg);
}

static void
on_bell(void *arg)
{
    wh_kick(arg);
}

static void
on_queued(struct db_result *r, void *arg)
{
    struct wh *wh = arg;

    wh->polling = 0;
    if (r->err.code == ERR_OK && strcmp(hx_col(r->res[0], 0, "queued"), "t") == 0)
        wh_kick(wh);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct wh *wh = arg;

    (void)fd;
    (void)what;
    if (atomic_load(&wh->app->shutting_down)) {
        /* Unsent deliveries keep their lease and go out after it lapses (next start). */
        wh->stopping = 1;
        event_base_loopexit(wh->base, NULL);
        return;
    }
    if (++wh->polls >= WH_POLL_EVERY) {
        wh->polls = 0;
        wh_kick(wh);
    } else if (!wh->busy && !wh->polling) {
        wh->polling = 1;
        db_exec1(wh->db, SQL_QUEUED, 0, NULL, on_queued, wh);
    }
}

static void *
wh_main(void *arg)
{
    struct wh *wh = arg;
    struct timeval tv = {0, WH_POLL_MS * 1000};

    wh->tick = event_new(wh->base, -1, EV_PERSIST, on_tick, wh);
    event_add(wh->tick, &tv);
    db_listen(wh->db, "motcua_outbox", on_doorbell, wh);
    event_base_dispatch(wh->base);
    return NULL;
}

/* ---------------------------------------------------------------- metrics */

/*
 * The delivery counters and gauges on /metrics. The registry's collectors take no
 * argument, hence one small function per family, each naming its row here.
 */
enum { WM_DELIVERED, WM_FAILED, WM_DEAD, WM_PENDING, WM_DEAD_NOW, WM_BLOCKED, WM_N };

static void m_delivered(struct app *app, struct evbuffer *out);
static void m_failed(struct app *app, struct evbuffer *out);
static void m_dead(struct app *app, struct evbuffer *out);
static void m_pending(struct app *app, struct evbuffer *out);
static void m_dead_now(struct app *app, struct evbuffer *out);
static void m_blocked(struct app *app, struct evbuffer *out);

static const struct {
    const char *name, *help, *type;
    metrics_collect_fn collect;
} WH_METRICS[WM_N] = {
    [WM_DELIVERED] = {"motcua_webhook_delivered_total", "Webhook deliveries acknowledged with 2xx",
                      "counter", m_delivered},
    [WM_FAILED] = {"motcua_webhook_failed_attempts_total",
                   "Webhook delivery attempts that failed (will be retried or parked)", "counter",
                   m_failed},
    [WM_DEAD] = {"motcua_webhook_dead_lettered_total",
                 "Webhook deliveries parked after the last attempt", "counter", m_dead},
    [WM_PENDING] = {"motcua_webhook_pending", "Webhook deliveries waiting to be sent or retried",
                    "gauge", m_pending},
    [WM_DEAD_NOW] = {"motcua_webhook_dead", "Webhook deliveries currently parked", "gauge",
                     m_dead_now},
    [WM_BLOCKED] = {"motcua_webhook_blocked",
                    "Pending webhook deliveries held back by a dead letter of their dossier",
                    "gauge", m_blocked},
};

/* One sample of family i; nothing before the delivery thread exists. */
static void
collect(struct evbuffer *out, int i)
{
    struct wh *wh = the_wh;

    if (wh == NULL)
        return;
    atomic_llong *const v[WM_N] = {&wh->delivered, &wh->failed, &wh->dead, &wh->pending,
                                   &wh->dead_now, &wh->blocked};
    evbuffer_add_printf(out, "%s %lld\n", WH_METRICS[i].name, atomic_load(v[i]));
}

/* One collector per family, as metrics_collect_fn carries no argument to tell them apart:
 * each only names its family's index for collect(). */
#define WH_COLLECTOR(fn, i)                                                                 \
    static void fn(struct app *app, struct evbuffer *out)                                  \
    {                                                                                      \
        (void)app;                                                                         \
        collect(out, i);                                                                   \
    }

WH_COLLECTOR(m_delivered, WM_DELIVERED)
WH_COLLECTOR(m_failed, WM_FAILED)
WH_COLLECTOR(m_dead, WM_DEAD)
WH_COLLECTOR(m_pending, WM_PENDING)
WH_COLLECTOR(m_dead_now, WM_DEAD_NOW)
WH_COLLECTOR(m_blocked, WM_BLOCKED)

/* ---------------------------------------------------------------- start and stop */

int
webhook_install(struct app *app, struct mc_err *e)
{
    struct wh *wh;

    for (int i = 0; i < WM_N; i++)
        if (metrics_register(app, WH_METRICS[i].name, WH_METRICS[i].help, WH_METRICS[i].type,
                             WH_METRICS[i].collect) != 0)
            return err_set(e, ERR_INTERNAL, "webhook metrics already registered");
    evthread_use_pthreads();
    wh = xcalloc(1, sizeof(*wh));
    wh->app = app;
    wh->base = event_base_new();
    if (wh->base == NULL) {
        free(wh);
        return err_set(e, ERR_INTERNAL, "webhooks: cannot create an event base");
    }
    wh->dns = evdns_base_new(wh->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    wh->ssl = SSL_CTX_new(TLS_client_method());
    if (wh->ssl == NULL) {
        event_base_free(wh->base);
        free(wh);
        return err_set(e, ERR_INTERNAL, "webhooks: cannot create a TLS context");
    }
    SSL_CTX_set_min_proto_version(wh->ssl, TLS1_2_VERSION);
    SSL_CTX_set_default_verify_paths(wh->ssl);
    SSL_CTX_set_verify(wh->ssl, SSL_VERIFY_PEER, NULL);
    wh->db = db_pool_new(wh->base, app->cfg->database_url, 1, 8);
    wh->bell = bell_new(wh->base, on_bell, wh);
    if (bell_join(wh->bell) != 0)
        log_kv(LOG_WARN, "webhooks: no in-process bell left; relying on the poll", NULL);
    the_wh = wh;
    if (pthread_create(&wh->thread, NULL, wh_main, wh) != 0)
        return err_set(e, ERR_INTERNAL, "webhooks: cannot start the delivery thread");
    wh->started = 1;
    return 0;
}

void
webhook_shutdown(struct app *app)
{
    struct wh *wh = the_wh;

    (void)app;
    if (wh == NULL)
        return;
    if (wh->started)
        pthread_join(wh->thread, NULL);
    /* Exchanges cut short by the stop: their leases lapse and the next start resends. */
    while (wh->sending != NULL) {
        struct delivery *d = wh->sending;

        unlink_sending(d);
        if (d->conn != NULL)
            evhttp_connection_free(d->conn);
        delivery_free(d);
    }
    reap_conns(wh);
    free(wh->reap);
    if (wh->reap_ev != NULL)
        event_free(wh->reap_ev);
    /* Connections still open belong to the loop: freeing the base after the pool. */
    db_pool_free(wh->db);
    if (wh->tick != NULL)
        event_free(wh->tick);
    bell_free(wh->bell);
    if (wh->dns != NULL)
        evdns_base_free(wh->dns, 0);
    SSL_CTX_free(wh->ssl);
    event_base_free(wh->base);
    the_wh = NULL;
    free(wh);
}
