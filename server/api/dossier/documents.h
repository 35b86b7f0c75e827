/*
 * documents.h - printable forms of a dossier (PDF or HTML, server/doc) and the
 * public lookup (tra cứu). Routes (rows of API_DOC_ROUTES, listed in api/routes.c):
 *   GET /api/v1/dossiers/{code}/documents          which forms exist for the dossier
 *   GET /api/v1/dossiers/{code}/documents/{form}   receipt | supplement | refusal | apology |
 *                                                  stop | control_slip; ?format=pdf|html or
 *                                                  the Accept header (default PDF);
 *                                                  receipt: ?secret= prints the lookup secret
 *   GET /api/v1/guidance/{id}/document             Mẫu 02 of a reception_guidance row
 *   GET /api/v1/register?unit=&from=&to=           Sổ theo dõi hồ sơ (A4 landscape)
 *   GET /api/v1/lookup?code=&secret=               public: status, appointment, unit name
 *
 * Scope: staff and integration clients read the documents of dossiers whose receiving,
 * resolving or current unit is in their subtree; out of scope is 404 DOSSIER_NOT_FOUND
 * (as api/dossier/dossier.h: the code is guessable). The lookup answers wrong code and wrong
 * secret with the same 404 LOOKUP_FAILED, and is rate-limited per client address.
 */
#ifndef MOTCUA_API_DOCUMENTS_H
#define MOTCUA_API_DOCUMENTS_H

#include <stddef.h>

#include "http/router.h"

struct worker;

/* Ends with a zero row (api/api.h). */
extern const struct route API_DOC_ROUTES[];

/* Counts a public request of the client's address against the lookup budget (the lookup
   and the citizen's evaluation share it: both take a lookup secret). 1 when it may go on;
   0 after replying 429 RATE_LIMITED with Retry-After. */
struct reqctx;
int api_lookup_allow(struct reqctx *rc);
/* The same for the likes and dislikes of published answers (api/voice/reaction.c), on a
   budget of their own: reading and reacting to answers does not use up the lookups. */
int api_reaction_allow(struct reqctx *rc);

/* Frees the worker's lookup limiter (w->ext[EXT_DOCS]); call when the worker stops. */
void api_documents_worker_free(struct worker *w);

#endif
