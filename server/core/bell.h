/*
 * bell.h - in-process doorbells (issue 14, item 1): a writer that has committed wakes the
 * background loops of its own process (the webhook relay, the alert scheduler) at once,
 * without a NOTIFY inside its transaction. A NOTIFY makes PostgreSQL take a cluster-wide
 * lock before the commit and hold it through the WAL flush, so every commit of the cluster
 * then runs one at a time. Other processes learn of the work by a cheap indexed poll of
 * their own (webhook.c, alerts.c).
 *
 * A bell belongs to one event loop: its callback runs there. bell_ring may be called from
 * any thread (libevent's pthread locking must be on: evthread_use_pthreads before the base
 * was created); rings coalesce until the callback has run, so a burst of commits costs the
 * hearing loop one wake-up.
 *
 * The process's bells of dossier writes: a bell that joins hears every bell_ring_joined
 * (rung after a unit that wrote dossier or dossier_event committed, or an administrator
 * re-queued deliveries). At most BELL_MAX_JOINED bells join; the list is guarded by a
 * mutex, the only process state of this module.
 */
#ifndef MOTCUA_CORE_BELL_H
#define MOTCUA_CORE_BELL_H

struct event_base;
struct bell;

#define BELL_MAX_JOINED 8

typedef void (*bell_fn)(void *arg);

/* A bell heard on base: fn(arg) runs on that loop after one or more rings. Never NULL
   (aborts when libevent cannot create the event, like out of memory). */
struct bell *bell_new(struct event_base *base, bell_fn fn, void *arg);

/* Leaves the joined list if it joined, then frees. Call on the bell's loop thread, or after
   that loop has stopped. NULL: nothing. */
void bell_free(struct bell *b);

/* Rings b (any thread). */
void bell_ring(struct bell *b);

/* Joins the process's bells of dossier writes; -1 when BELL_MAX_JOINED have joined. */
int bell_join(struct bell *b);

/* Rings every joined bell (any thread). */
void bell_ring_joined(void);

#endif
