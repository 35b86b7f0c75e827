/*
 * integ.h - integration helpers shared by api/integration/integ.c, webhook.c and dvcqg.c
 * (owner: integration engineer). See docs/integration.md.
 */
#ifndef MOTCUA_API_INTEG_H
#define MOTCUA_API_INTEG_H

#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "http/router.h"

struct app;
struct reqctx;
struct worker;

/*
 * Request signing (docs/integration.md "Signing"): for a caller with the integration role,
 * checks X-Motcua-Timestamp (Unix seconds, within MOTCUA_SIGNATURE_WINDOW of now) and
 * X-Motcua-Signature "v1=<hex or base64 HMAC-SHA256>" over
 * "METHOD\nTARGET\nTIMESTAMP\nBODY" (TARGET = path and query exactly as sent) with the
 * account's signing secret, and records the signature so that a second use inside the window
 * is refused. Then calls go(rc); otherwise replies 401 BAD_SIGNATURE or REPLAYED. Callers of
 * other roles go straight on (their session token is the credential).
 */
typedef void (*integ_go_fn)(struct reqctx *rc);
void integ_verify(struct reqctx *rc, integ_go_fn go);

/* The error envelope's inner object ({"code","message","message_en","status",...}). */
json_t *integ_error_json(const struct mc_err *e);

/* "yyyyMMddHHmmss" local time (UTC+7) of an instant, DVCQG style, into out[15]. */
void integ_dvcqg_time(int64_t t, char out[15]);

/*
 * Parses "yyyyMMddHHmmss" local time into an RFC 3339 string with +07:00 (out[26]).
 * -1 when the text is not 14 digits forming a valid date and time.
 */
int integ_dvcqg_to_rfc3339(const char *s, char out[26]);

/* Handlers of webhook.c and dvcqg.c, listed in API_INTEG_ROUTES (integ.c). */
void api_webhook_create(struct reqctx *rc);
void api_webhook_list(struct reqctx *rc);
void api_webhook_disable(struct reqctx *rc);
void api_webhook_enable(struct reqctx *rc);
void api_webhook_update(struct reqctx *rc);
void api_webhook_rotate(struct reqctx *rc);
void api_webhook_replay_dead(struct reqctx *rc);
void api_webhook_deliveries(struct reqctx *rc);
void api_webhook_replay(struct reqctx *rc);
void api_webhook_skip(struct reqctx *rc);
void api_dvcqg_dossiers(struct reqctx *rc);
void api_dvcqg_progress(struct reqctx *rc);
void api_dvcqg_evaluations(struct reqctx *rc);
void api_dvcqg_pakn(struct reqctx *rc);
void api_dvcqg_ack(struct reqctx *rc);
void api_dvcqg_reconcile(struct reqctx *rc);

/*
 * The webhook delivery worker: one thread per process with its own event loop and
 * database connection (webhook.c). webhook_install registers the metric families and starts
 * it (from api_install); webhook_shutdown stops and joins it (from api_worker_free of
 * worker 0, after the HTTP workers stopped).
 */
int webhook_install(struct app *app, struct mc_err *e);
void webhook_shutdown(struct app *app);

#endif
