/*
 * calendar.h - the working-calendar administration (domain.md §4) and the start-up load
 * of the calendar.
 *
 * Routes (zero row at the end; concatenated by api/routes.c):
 *   API_CALENDAR_ROUTES  api/calendar/calendar.c
 *     GET  /api/v1/calendar/days?year=2026  non-working weekdays and worked Saturdays
 *     POST /api/v1/calendar/days            admin: add or replace one announced row
 *     POST /api/v1/calendar/days/{day}/delete  admin: remove an announced row
 *   API_CALENDAR_FIX_ROUTES, API_CALENDAR_IMPORT_ROUTES: api/calendar/calendar_fix.c,
 *     api/calendar/calendar_import.c (declared in api/api.h)
 */
#ifndef MOTCUA_API_CALENDAR_CALENDAR_H
#define MOTCUA_API_CALENDAR_CALENDAR_H

#include <stddef.h>

#include <libpq-fe.h>

#include "core/err.h"
#include "http/router.h"

struct app;
struct config;
struct wcal;
struct worker;

extern const struct route API_CALENDAR_ROUTES[];
extern const size_t API_CALENDAR_NROUTES; /* rows before the zero row */

/* The channel NOTIFY'd after an administrator changed calendar_day (payload below). */
#define CALENDAR_CHANNEL "motcua_calendar"

/*
 * Start-up, before the event loops run: reads calendar_day with a blocking connection,
 * builds the working calendar with the configured policy (cfg->count_makeup_saturdays)
 * and stores it in app->cal. -1 with e filled when the database or the data is unusable.
 */
int calendar_boot(struct app *app, struct mc_err *e);

/*
 * Builds a calendar from the rows of CALENDAR_ROWS_SQL (day, working, reason, note).
 * Returns a new calendar (never freed while the process runs: see calendar.c) or NULL
 * with e filled.
 */
struct wcal *calendar_build_rows(const struct config *cfg, const PGresult *res, struct mc_err *e);
extern const char CALENDAR_ROWS_SQL[];
enum { CAL_ROWS_PROVINCE, CAL_ROWS__N }; /* its parameters */

/*
 * Per process, once the worker loops exist: LISTEN motcua_calendar on worker 0's pool, so
 * that a change made through another process (or psql followed by NOTIFY motcua_calendar)
 * reloads app->cal here too. Call it for one worker only (w->id == 0 is expected); it keeps
 * its state in w->ext[EXT_CALENDAR].
 */
void calendar_listen(struct worker *w);

/* After the worker's loop stopped: frees what calendar_listen kept in w->ext. */
void calendar_worker_free(struct worker *w);

/* After every worker stopped: frees the current and the replaced calendars. */
void calendar_free_all(struct app *app);

#endif
