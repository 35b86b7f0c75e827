/*
 * catalog.h - the catalogue API (domain.md §1, §2): administrative units with their history,
 * fields, procedures with versions, channels. The working calendar (domain.md §4) is in
 * api/calendar/calendar.h.
 *
 * Routes (zero row at the end; concatenated by api/routes.c):
 *   API_CATALOG_ROUTES   api/catalog/catalog.c
 *     GET  /api/v1/units                    ?level= ?parent= ?province= ?valid_at= ?q= ?limit=
 * ?cursor= GET  /api/v1/units/{code}             with parent, children, successors, predecessors
 *     POST /api/v1/units                    admin
 *     POST /api/v1/units/{code}/dissolve    admin: {"valid_to","successors":[codes],"since"}
 *     GET  /api/v1/fields                   POST /api/v1/fields (admin)
 *     GET  /api/v1/procedures               ?field= ?level= ?q= ?at= ?limit= ?cursor=
 *     GET  /api/v1/procedures/{code}        ?at= (date or RFC 3339 instant; default now):
 *                                           the version in force then, and every version
 *     POST /api/v1/procedures               admin: procedure + version 1
 *     POST /api/v1/procedures/{code}/versions  admin: next version; closes the open-ended
 *                                           previous version the day before, unless
 *                                           "close_previous": false; dates must not overlap
 *     GET  /api/v1/channels                 DVCQG KenhThucHien 1, 2, 3
 *
 * Reads are open to every authenticated role (the catalogue is public information);
 * writes need ROLE_ADMIN. Unit codes and procedure codes are checked with domain/code.h.
 * Writes are naturally idempotent on their codes (a retried create answers 409
 * ALREADY_EXISTS, a retried dissolve 409 CONFLICT), so they do not take Idempotency-Key.
 * Errors: 422 BAD_CODE, VALIDATION_FAILED (with "field", e.g. "steps/0/role"),
 * BAD_DURATION, BAD_DATE, UNIT_NOT_VALID (district after 30/06/2025, successor not in
 * force), UNKNOWN_REFERENCE (parent, field, leg unit); 409 ALREADY_EXISTS, CONFLICT
 * (overlapping versions, unit already dissolved); 404 NOT_FOUND.
 *
 * Version JSON (request and response):
 *   {"effective_from":"2025-07-01","effective_to":null,"duration_value":3,
 *    "duration_unit":"wd|wh|cd|sameday|none","cutoff_minute":900,"max_minutes":null,
 *    "pause_reasons":["supplement","payment","consultation","vneid"],
 *    "legs":[{"unit_code":"000.00.16.H19"|"level":"commune","name":"...","minutes":960}],
 *    "steps":[{"name":"...","role":"clerk|official|leader|...","minutes":240}],
 *    "documents":[{"name":"...","kind":"original|copy","count":1}],
 *    "fees":[{"name":"...","amount":10000,"note":"..."}],
 *    "cases":[{"code":"NORL","name":"...","duration_value":15,"duration_unit":"cd",
 *              "online_duration_value":..,"online_duration_unit":..,"cutoff_minute":..}],
 *    "resolving_level":"commune","legal_basis":"..."}
 * A leg names either a concrete unit (unit_code) or the level of the unit that takes the
 * leg for this dossier (level: the dossier's resolving unit of that level, or its parent
 * chain); the dossier module resolves a level leg when it hands the dossier over.
 */
#ifndef MOTCUA_API_CATALOG_H
#define MOTCUA_API_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"
#include "http/router.h"

struct reqctx;

extern const struct route API_CATALOG_ROUTES[];
extern const size_t API_CATALOG_NROUTES; /* rows before the zero row */

/* Replies with the error of a failed unit, mapping constraint violations to stable codes
   (unique -> ALREADY_EXISTS, foreign key -> UNKNOWN_REFERENCE, check -> VALIDATION_FAILED,
   overlapping versions -> CONFLICT); other failures as api_reply_db_error(). */
void catalog_reply_db_error(struct reqctx *rc, const struct db_result *r);

#endif
