/*
 * metrics.h - Prometheus text exposition at GET /metrics.
 *
 * Each worker owns a struct metrics of atomic counters that only its own thread
 * increments; a scrape (on any worker) sums them with relaxed loads, so requests
 * never share a cache line with another thread's counters.
 *
 * Built-in families:
 *   motcua_http_requests_total{route,method,status}          counter
 *   motcua_http_request_duration_seconds{route}              histogram
 *   motcua_http_connections{worker}                          gauge (open connections)
 *   motcua_db_pool_size / _connected / _in_use / _waiting    gauges (summed over workers)
 *   motcua_db_reconnects_total                               counter
 *   motcua_uptime_seconds                                    gauge
 *   motcua_build_info{version}                               gauge (always 1)
 *
 * Other modules add families with metrics_register() at start-up, before the workers
 * run (the list is read-only afterwards).
 */
#ifndef MOTCUA_HTTP_METRICS_H
#define MOTCUA_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct evbuffer;
struct metrics;
struct db_pool_stats;

/* Counters for a table of nroutes routes (plus one slot for unmatched requests). */
struct metrics *metrics_new(size_t nroutes);
void metrics_free(struct metrics *m);

/*
 * Counts one finished request. route_idx is the index in app->routes, or (size_t)-1
 * when no route matched. Called by the worker that owns m.
 */
void metrics_observe(struct metrics *m, size_t route_idx, int method, int status, uint64_t dur_ns);

/* Bytes of a request body parsed as JSON. */
void metrics_json_parsed(struct metrics *m, size_t bytes);

/* Open connections of this worker (+1 / -1). */
void metrics_conn(struct metrics *m, int delta);

/* Publishes this worker's pool statistics (the worker calls it; a scrape reads it). */
void metrics_set_pool(struct metrics *m, const struct db_pool_stats *s);

/*
 * Writes the lines of one registered family (after its # HELP and # TYPE, which the
 * registry writes): e.g. "motcua_webhook_pending 3\n". Runs on the scraping worker's
 * thread: read other workers' state only through atomics.
 */
typedef void (*metrics_collect_fn)(struct app *app, struct evbuffer *out);

/*
 * Adds a family (name like "motcua_webhook_pending", type "counter" | "gauge" |
 * "histogram" | "summary"). Call at start-up only, before the workers start. Returns 0,
 * or -1 when the name is not a valid metric name or is already registered.
 */
int metrics_register(struct app *app, const char *name, const char *help, const char *type,
                     metrics_collect_fn collect);

/* The whole exposition (text format 0.0.4) into out. */
void metrics_render(struct app *app, struct evbuffer *out);

/* Frees the registry of app (at exit). */
void metrics_registry_free(struct app *app);

#endif
