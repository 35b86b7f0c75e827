/*
 * dossier.h - the dossier lifecycle API (domain.md §3-§7, §9): reception, transitions as
 * events, the current-state projection, idempotency, optimistic concurrency, reading,
 * search, and the calendar re-projection of open dossiers (§4.5).
 *
 * Routes (rows of API_DOSSIER_ROUTES, joined by api/routes.c; ends with a zero row):
 *   POST /api/v1/dossiers                         reception (receive, refuse, guide) and
 *                                                 online intake (submit, integration)
 *   POST /api/v1/dossiers/{code}/events           one transition, with expected_version
 *   GET  /api/v1/dossiers                         list, filters, keyset pagination
 *   GET  /api/v1/dossiers/{code}                  state, deadlines, pauses, steps, class now
 *   GET  /api/v1/dossiers/{code}/events           the timeline
 *   GET  /api/v1/dossiers/{code}/deadline/explain skipped days and reasons
 * The request and response bodies are documented in docs/api/dossiers.md.
 *
 * Scope: staff see and touch dossiers whose receiving, resolving or current unit is in
 * their unit's subtree; an administrator everything; an integration client its account's
 * unit subtree. Out of scope looks like 404 DOSSIER_NOT_FOUND for reads AND writes (the
 * code is guessable: answering 403 would confirm that a dossier exists).
 */
#ifndef MOTCUA_API_DOSSIER_H
#define MOTCUA_API_DOSSIER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "http/router.h"

struct worker;

extern const struct route API_DOSSIER_ROUTES[];
extern const size_t API_DOSSIER_NROUTES;

/*
 * Re-projects the open dossiers whose remaining window crosses the local days
 * [from_day, to_day] after the calendar changed (domain.md §4.5): for each, the
 * appointment and legal due instant are recomputed from the reception instant and the
 * counted pauses on the current calendar (w->app->cal), and an event
 * "calendar_reprojected" naming `change` (a short text such as "calendar_day 2026-04-27")
 * is appended. Finished dossiers are never touched. Runs asynchronously on w's loop;
 * done(n, err, arg) is called once with the number of dossiers moved (n >= 0) or with
 * err filled.
 */
typedef void (*dapi_reproject_cb)(int n, const struct mc_err *err, void *arg);
void dapi_reproject_calendar(struct worker *w, int32_t from_day, int32_t to_day,
                                const char *change, dapi_reproject_cb done, void *arg);

#endif
