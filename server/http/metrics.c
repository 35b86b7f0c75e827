/*
 * metrics.c - per-worker atomic counters and the Prometheus text exposition.
 * See metrics.h.
 */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "app.h"
#include "core/arena.h"
#include "core/clock.h"
#include "db/db.h"
#include "http/router.h"

/* Statuses counted one by one; anything else falls into the class slot (2xx..5xx). */
static const int STATUSES[] = {200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405,
                               406, 409, 410, 412, 413, 415, 422, 429, 499, 500, 502, 503, 504};
#define NSTATUS_EXACT (sizeof(STATUSES) / sizeof(STATUSES[0]))
#define NSTATUS (NSTATUS_EXACT + 5) /* + 1xx..5xx "other" classes */

static const int METHOD_BITS[] = {EVHTTP_REQ_GET,     EVHTTP_REQ_HEAD,  EVHTTP_REQ_POST,
                                  EVHTTP_REQ_PUT,     EVHTTP_REQ_PATCH, EVHTTP_REQ_DELETE,
                                  EVHTTP_REQ_OPTIONS, EVHTTP_REQ_TRACE, EVHTTP_REQ_CONNECT};
#define NMETHOD (sizeof(METHOD_BITS) / sizeof(METHOD_BITS[0]) + 1)

/* Upper bounds in seconds: 5 ms .. 10 s, as in the Prometheus client defaults. */
static const double BUCKETS[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKET (sizeof(BUCKETS) / sizeof(BUCKETS[0]))

typedef _Atomic uint64_t counter_t;

struct route_hist {
    counter_t bucket[NBUCKET + 1]; /* non-cumulative; last = above the largest bound */
    counter_t sum_us;
    counter_t count;
};

struct metrics {
    size_t nslots;           /* nroutes + 1 (unmatched) */
    counter_t *requests;     /* [slot][method][status] */
    struct route_hist *hist; /* [slot] */
    _Atomic int64_t conns;
    _Atomic int pool_size, pool_connected, pool_in_use, pool_waiting;
    counter_t reconnects;
    counter_t groups, grouped_units, group_retries;
    counter_t json_bytes; /* request bodies parsed as JSON */
};

struct metrics_family {
    char name[96];
    char help[200];
    char type[16];
    metrics_collect_fn collect;
};

struct metrics *
metrics_new(size_t nroutes)
{
    struct metrics *m = xcalloc(1, sizeof(*m));

    m->nslots = nroutes + 1;
    m->requests = xcalloc(m->nslots * NMETHOD * NSTATUS, sizeof(counter_t));
    m->hist = xcalloc(m->nslots, sizeof(struct route_hist));
    return m;
}

void
metrics_free(struct metrics *m)
{
    if (m == NULL)
        return;
    free(m->requests);
    free(m->hist);
    free(m);
}

static size_t
status_slot(int status)
{
    for (size_t i = 0; i < NSTATUS_EXACT; i++)
        if (STATUSES[i] == status)
            return i;
    if (status < 100 || status > 599)
        status = 500;
    return NSTATUS_EXACT + (size_t)(status / 100 - 1);
}

static size_t
method_slot(int method)
{
    for (size_t i = 0; i < NMETHOD - 1; i++)
        if (METHOD_BITS[i] == method)
            return i;
    return NMETHOD - 1;
}

void
metrics_observe(struct metrics *m, size_t route_idx, int method, int status, uint64_t dur_ns)
{
    size_t slot = route_idx < m->nslots - 1 ? route_idx : m->nslots - 1;
    struct route_hist *h = &m->hist[slot];
    double s = (double)dur_ns / 1e9;
    size_t b = 0;

    atomic_fetch_add_explicit(
        &m->requests[(slot * NMETHOD + method_slot(method)) * NSTATUS + status_slot(status)], 1,
        memory_order_relaxed);
    while (b < NBUCKET && s > BUCKETS[b])
        b++;
    atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, dur_ns / 1000, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void
metrics_json_parsed(struct metrics *m, size_t bytes)
{
    atomic_fetch_add_explicit(&m->json_bytes, bytes, memory_order_relaxed);
}

void
metrics_conn(struct metrics *m, int delta)
{
    atomic_fetch_add_explicit(&m->conns, delta, memory_order_relaxed);
}

void
metrics_set_pool(struct metrics *m, const struct db_pool_stats *s)
{
    atomic_store_explicit(&m->pool_size, s->size, memory_order_relaxed);
    atomic_store_explicit(&m->pool_connected, s->connected, memory_order_relaxed);
    atomic_store_explicit(&m->pool_in_use, s->in_use, memory_order_relaxed);
    atomic_store_explicit(&m->pool_waiting, s->waiting, memory_order_relaxed);
    atomic_store_explicit(&m->reconnects, s->reconnects, memory_order_relaxed);
    atomic_store_explicit(&m->groups, s->groups, memory_order_relaxed);
    atomic_store_explicit(&m->grouped_units, s->grouped_units, memory_order_relaxed);
    atomic_store_explicit(&m->group_retries, s->group_retries, memory_order_relaxed);
}

static int
valid_name(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' || *s == ':'))
        return 0;
    for (s++; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == ':'))
            return 0;
    return 1;
}

int
metrics_register(struct app *app, const char *name, const char *help, const char *type,
                 metrics_collect_fn collect)
{
    struct metrics_family *f;

    if (!valid_name(name) || strlen(name) >= sizeof(f->name) || collect == NULL ||
        (strcmp(type, "counter") != 0 && strcmp(type, "gauge") != 0 &&
         strcmp(type, "histogram") != 0 && strcmp(type, "summary") != 0))
        return -1;
    for (size_t i = 0; i < app->nmetric_families; i++)
        if (strcmp(app->metric_families[i].name, name) == 0)
            return -1;
    app->metric_families = xrealloc(app->metric_families, (app->nmetric_families + 1) * sizeof(*f));
    f = &app->metric_families[app->nmetric_families++];
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "%s", name);
    snprintf(f->help, sizeof(f->help), "%s", help);
    snprintf(f->type, sizeof(f->type), "%s", type);
    f->collect = collect;
    return 0;
}

void
metrics_registry_free(struct app *app)
{
    free(app->metric_families);
    app->metric_families = NULL;
    app->nmetric_families = 0;
}

static uint64_t
ld(counter_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static const char *
route_label(const struct app *app, size_t slot)
{
    return slot < app->nroutes ? app->routes[slot].pattern : "unmatched";
}

static void
render_requests(struct app *app, struct evbuffer *out, size_t nslots)
{
    evbuffer_add_printf(out, "# HELP motcua_http_requests_total HTTP requests answered.\n"
                             "# TYPE motcua_http_requests_total counter\n");
    for (size_t slot = 0; slot < nslots; slot++)
        for (size_t mi = 0; mi < NMETHOD; mi++)
            for (size_t si = 0; si < NSTATUS; si++) {
                uint64_t n = 0;
                size_t idx = (slot * NMETHOD + mi) * NSTATUS + si;
                char status[8];

                for (int w = 0; w < app->nworkers; w++)
                    n += ld(&app->workers[w].metrics->requests[idx]);
                if (n == 0)
                    continue;
                if (si < NSTATUS_EXACT)
                    snprintf(status, sizeof(status), "%d", STATUSES[si]);
                else
                    snprintf(status, sizeof(status), "%dxx", (int)(si - NSTATUS_EXACT + 1));
                evbuffer_add_printf(
                    out,
                    "motcua_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
                    route_label(app, slot),
                    mi < NMETHOD - 1 ? route_method_name(METHOD_BITS[mi]) : "OTHER", status,
                    (unsigned long long)n);
            }
}

static void
render_hist(struct app *app, struct evbuffer *out, size_t nslots)
{
    evbuffer_add_printf(out, "# HELP motcua_http_request_duration_seconds Time from the "
                             "request being read to the reply being written.\n"
                             "# TYPE motcua_http_request_duration_seconds histogram\n");
    for (size_t slot = 0; slot < nslots; slot++) {
        uint64_t b[NBUCKET + 1] = {0}, sum_us = 0, count = 0, cum = 0;
        const char *r = route_label(app, slot);

        for (int w = 0; w < app->nworkers; w++) {
            struct route_hist *h = &app->workers[w].metrics->hist[slot];

            for (size_t i = 0; i <= NBUCKET; i++)
                b[i] += ld(&h->bucket[i]);
            sum_us += ld(&h->sum_us);
            count += ld(&h->count);
        }
        if (count == 0)
            continue;
        for (size_t i = 0; i < NBUCKET; i++) {
            cum += b[i];
            evbuffer_add_printf(out,
                                "motcua_http_request_duration_seconds_bucket{route=\"%s\","
                                "le=\"%g\"} %llu\n",
                                r, BUCKETS[i], (unsigned long long)cum);
        }
        evbuffer_add_printf(out,
                            "motcua_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"}"
                            " %llu\n"
                            "motcua_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                            "motcua_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                            r, (unsigned long long)count, r, (double)sum_us / 1e6, r,
                            (unsigned long long)count);
    }
}

void
metrics_render(struct app *app, struct evbuffer *out)
{
    size_t nslots = app->nroutes + 1;
    long long size = 0, connected = 0, in_use = 0, waiting = 0;
    unsigned long long reconnects = 0, json_bytes = 0, groups = 0, gunits = 0, gretries = 0;

    render_requests(app, out, nslots);
    render_hist(app, out, nslots);
    evbuffer_add_printf(out, "# HELP motcua_http_connections Open client connections.\n"
                             "# TYPE motcua_http_connections gauge\n");
    for (int w = 0; w < app->nworkers; w++) {
        struct metrics *m = app->workers[w].metrics;

        evbuffer_add_printf(out, "motcua_http_connections{worker=\"%d\"} %lld\n", w,
                            (long long)atomic_load_explicit(&m->conns, memory_order_relaxed));
        size += atomic_load_explicit(&m->pool_size, memory_order_relaxed);
        connected += atomic_load_explicit(&m->pool_connected, memory_order_relaxed);
        in_use += atomic_load_explicit(&m->pool_in_use, memory_order_relaxed);
        waiting += atomic_load_explicit(&m->pool_waiting, memory_order_relaxed);
        reconnects += ld(&m->reconnects);
        groups += ld(&m->groups);
        gunits += ld(&m->grouped_units);
        gretries += ld(&m->group_retries);
        json_bytes += ld(&m->json_bytes);
    }
    evbuffer_add_printf(out,
                        "# HELP motcua_http_json_parsed_bytes_total Request body bytes parsed as "
                        "JSON (only once the caller is authenticated, or on a public route).\n"
                        "# TYPE motcua_http_json_parsed_bytes_total counter\n"
                        "motcua_http_json_parsed_bytes_total %llu\n", json_bytes);
    evbuffer_add_printf(out,
                        "# HELP motcua_http_buffered_bytes Request body bytes held before their "
                        "answer, all connections (MOTCUA_MAX_BUFFERED).\n"
                        "# TYPE motcua_http_buffered_bytes gauge\nmotcua_http_buffered_bytes %zu\n"
                        "# HELP motcua_http_busy_refused_total Requests answered 503 SERVER_BUSY: "
                        "their body did not fit in MOTCUA_MAX_BUFFERED.\n"
                        "# TYPE motcua_http_busy_refused_total counter\n"
                        "motcua_http_busy_refused_total %llu\n",
                        atomic_load_explicit(&app->buffered, memory_order_relaxed),
                        (unsigned long long)atomic_load_explicit(&app->buffered_refused,
                                                                 memory_order_relaxed));
    evbuffer_add_printf(out,
                        "# HELP motcua_db_pool_size PostgreSQL connections configured.\n"
                        "# TYPE motcua_db_pool_size gauge\nmotcua_db_pool_size %lld\n"
                        "# HELP motcua_db_pool_connected PostgreSQL connections ready.\n"
                        "# TYPE motcua_db_pool_connected gauge\nmotcua_db_pool_connected %lld\n"
                        "# HELP motcua_db_pool_in_use PostgreSQL connections with work in flight.\n"
                        "# TYPE motcua_db_pool_in_use gauge\nmotcua_db_pool_in_use %lld\n"
                        "# HELP motcua_db_pool_waiting Units of work queued for a connection.\n"
                        "# TYPE motcua_db_pool_waiting gauge\nmotcua_db_pool_waiting %lld\n"
                        "# HELP motcua_db_reconnects_total PostgreSQL reconnections.\n"
                        "# TYPE motcua_db_reconnects_total counter\n"
                        "motcua_db_reconnects_total %llu\n",
                        size, connected, in_use, waiting, reconnects);
    evbuffer_add_printf(out,
                        "# HELP motcua_db_groups_total Transactions shared by several requests' "
                        "writes (grouped commits).\n"
                        "# TYPE motcua_db_groups_total counter\nmotcua_db_groups_total %llu\n"
                        "# HELP motcua_db_grouped_writes_total Writes committed in those shared "
                        "transactions.\n"
                        "# TYPE motcua_db_grouped_writes_total counter\n"
                        "motcua_db_grouped_writes_total %llu\n"
                        "# HELP motcua_db_group_retries_total Shared transactions rolled back "
                        "whose writes then ran alone.\n"
                        "# TYPE motcua_db_group_retries_total counter\n"
                        "motcua_db_group_retries_total %llu\n",
                        groups, gunits, gretries);
    evbuffer_add_printf(out,
                        "# HELP motcua_uptime_seconds Seconds since the server started.\n"
                        "# TYPE motcua_uptime_seconds gauge\nmotcua_uptime_seconds %lld\n"
                        "# HELP motcua_build_info Version of the running binary.\n"
                        "# TYPE motcua_build_info gauge\nmotcua_build_info{version=\"%s\"} 1\n",
                        (long long)(clock_now() - app->started_at), MOTCUA_VERSION);
    for (size_t i = 0; i < app->nmetric_families; i++) {
        const struct metrics_family *f = &app->metric_families[i];

        evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                            f->type);
        f->collect(app, out);
    }
}
