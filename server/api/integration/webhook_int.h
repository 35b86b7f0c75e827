/*
 * webhook_int.h - what the subscriptions API (webhook_api.c) and the delivery worker
 * (webhook.c) share: the limits and the SQL fragments of delivery order.
 */
#ifndef MOTCUA_API_WEBHOOK_INT_H
#define MOTCUA_API_WEBHOOK_INT_H

#define WH_RELAY_BATCH 500
#define WH_MAX_INFLIGHT 16      /* deliveries in flight per process, all subscriptions */
#define WH_SUB_INFLIGHT 4       /* ... and per subscription (leases in the database) */
#define WH_BACKOFF_CAP_MS 3600000.0
#define WH_ROTATE_OVERLAP 86400 /* default seconds the former secret keeps signing */

/*
 * "Delivery p of the same (subscription, dossier) comes before delivery d": a lower seq, or
 * the event of d's seq when d is an alert of that seq (sql/063). A pending or dead p holds d
 * back (sql/080: a dead letter blocks its dossier until replayed or skipped).
 */
#define WH_EARLIER(p, d)                                                                   \
    "(" p ".seq < " d ".seq OR (" p ".seq = " d ".seq AND " p ".alert_id IS NULL AND " d    \
    ".alert_id IS NOT NULL))"
/* The dead letter that blocks pending delivery d (none: no row). */
#define WH_DEAD_BEFORE(d)                                                                  \
    "SELECT p.id FROM webhook_delivery p WHERE p.state = 'dead'"                           \
    " AND p.subscription_id = " d ".subscription_id AND p.dossier_id = " d ".dossier_id"     \
    " AND " WH_EARLIER("p", d)

#endif
