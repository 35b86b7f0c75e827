/*
 * voice.h - the citizen's voice (issue 16; shared/domain.md §12): evaluations of a
 * dossier's handling. Routes (rows of API_VOICE_ROUTES, listed in api/routes.c):
 *   POST /api/v1/dossiers/{code}/evaluations  staff and integration clients key an
 *                                             evaluation (kiosk, paper form, hotline,
 *                                             dvcqg, sms_link, portal)
 *   GET  /api/v1/dossiers/{code}/evaluations  supervisors, leaders, administrators: every
 *                                             version with its reason and evaluator
 *   POST /api/v1/lookup/evaluation            public: the applicant with the receipt's code
 *                                             and lookup secret (channel portal)
 * The rules (who, when, one per dossier, the reason, the computed indicators) are
 * domain/sat.h; the table is sql/110_evaluation.sql.
 */
#ifndef MOTCUA_API_VOICE_VOICE_H
#define MOTCUA_API_VOICE_VOICE_H

#include "http/router.h"

/* Ends with a zero row (api/api.h). */
extern const struct route API_VOICE_ROUTES[];
/* Phản ánh, kiến nghị (api/voice/pakn.c):
 *   POST /api/v1/pakn, GET /api/v1/pakn, GET /api/v1/pakn/{id},
 *   POST /api/v1/pakn/{id}/events, POST /api/v1/lookup/pakn (public). */
extern const struct route API_PAKN_ROUTES[];
/* Likes and dislikes of a published answer (api/voice/reaction.c):
 *   POST /api/v1/public/pakn/{id}/reactions (public), POST /api/v1/pakn/{id}/portal-reactions
 *   (the portal's adapter). */
extern const struct route API_PAKN_REACTION_ROUTES[];

#endif
