/*
 * bell.c - in-process doorbells (bell.h): an event made active from any thread, with an
 * atomic flag so that rings arriving before the callback ran make one activation.
 */
#include "core/bell.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <event2/event.h>

#include "core/arena.h"
#include "core/log.h"

struct bell {
    struct event *ev;
    bell_fn fn;
    void *arg;
    atomic_int rung; /* 1 from a ring until the callback starts */
};

/* The joined bells (process state, bell.h). */
static pthread_mutex_t joined_mu = PTHREAD_MUTEX_INITIALIZER;
static struct bell *joined[BELL_MAX_JOINED];

static void
on_ring(evutil_socket_t fd, short what, void *arg)
{
    struct bell *b = arg;

    (void)fd;
    (void)what;
    atomic_store(&b->rung, 0); /* a ring from here on activates again */
    b->fn(b->arg);
}

struct bell *
bell_new(struct event_base *base, bell_fn fn, void *arg)
{
    struct bell *b = xcalloc(1, sizeof(*b));

    b->fn = fn;
    b->arg = arg;
    b->ev = event_new(base, -1, 0, on_ring, b);
    if (b->ev == NULL) {
        log_kv(LOG_ERROR, "bell: event_new failed", NULL);
        abort(); /* like out of memory */
    }
    return b;
}

void
bell_free(struct bell *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&joined_mu);
    for (int i = 0; i < BELL_MAX_JOINED; i++)
        if (joined[i] == b)
            joined[i] = NULL;
    pthread_mutex_unlock(&joined_mu);
    event_free(b->ev);
    free(b);
}

void
bell_ring(struct bell *b)
{
    if (atomic_exchange(&b->rung, 1) == 0)
        event_active(b->ev, EV_TIMEOUT, 0);
}

int
bell_join(struct bell *b)
{
    int rc = -1;

    pthread_mutex_lock(&joined_mu);
    for (int i = 0; i < BELL_MAX_JOINED && rc != 0; i++)
        if (joined[i] == NULL) {
            joined[i] = b;
            rc = 0;
        }
    pthread_mutex_unlock(&joined_mu);
    return rc;
}

void
bell_ring_joined(void)
{
    pthread_mutex_lock(&joined_mu);
    for (int i = 0; i < BELL_MAX_JOINED; i++)
        if (joined[i] != NULL)
            bell_ring(joined[i]);
    pthread_mutex_unlock(&joined_mu);
}
