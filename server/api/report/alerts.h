/*
 * alerts.h - alerts on open dossiers (domain.md §6, §7): due soon, overdue, supplement
 * awaited too long, liên thông leg late; on the deadlines of phản ánh, kiến nghị (§12.2,
 * sql/112_pakn_alerts.sql): due soon, overdue. Rows in `alert` (sql/022_alerts.sql), produced
 * by a scheduler on worker 0 and pushed to Server-Sent-Events clients by every worker.
 * Design and guarantees: docs/architecture.md, "Reports and alerts".
 */
#ifndef MOTCUA_API_ALERTS_H
#define MOTCUA_API_ALERTS_H

struct app;
struct mc_err;
struct reqctx;
struct worker;

/*
 * At start-up, before the workers run (api_install): the calendar horizon gauges on
 * /metrics (motcua_calendar_next_year_announced, motcua_calendar_horizon_days). -1 and *e
 * when they are already registered.
 */
int alerts_install(struct app *app, struct mc_err *e);

/*
 * Per worker, once its loop and pool exist (api_worker_init): LISTEN for new alerts, the
 * heartbeat timer of its streams, and on worker 0 the scheduler.
 */
void alerts_worker_init(struct worker *w);

/* After the worker's loop stopped (api_worker_free): timers and state. */
void alerts_worker_free(struct worker *w);

/* GET /api/v1/alerts and GET /api/v1/alerts/stream (rows of API_REPORT_ROUTES). */
void api_alerts_list(struct reqctx *rc);
void api_alerts_stream(struct reqctx *rc);

#endif
