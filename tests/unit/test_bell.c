/*
 * test_bell.c - core/bell.h: the in-process doorbells of issue 14, item 1 (no NOTIFY inside a
 * writing transaction). Rings coalesce until the callback runs, a ring from another thread
 * wakes a loop blocked in its dispatch, joined bells all hear bell_ring_joined, a freed
 * bell leaves the list, and at most BELL_MAX_JOINED join.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "core/bell.h"

static void
count(void *arg)
{
    (*(int *)arg)++;
}

/* One loop turn without blocking: what is active runs. */
static void
turn(struct event_base *base)
{
    event_base_loop(base, EVLOOP_NONBLOCK);
}

/* Rings before the loop turns make one call; a ring after it, another. */
static void
test_rings_coalesce(void **state)
{
    struct event_base *base = event_base_new();
    int n = 0;
    struct bell *b = bell_new(base, count, &n);

    (void)state;
    turn(base);
    assert_int_equal(n, 0);
    bell_ring(b);
    bell_ring(b);
    bell_ring(b);
    turn(base);
    assert_int_equal(n, 1);
    turn(base);
    assert_int_equal(n, 1);
    bell_ring(b);
    turn(base);
    assert_int_equal(n, 2);
    bell_free(b);
    event_base_free(base);
}

struct ringer {
    struct bell *b;
};

static void *
ring_later(void *arg)
{
    struct ringer *r = arg;
    struct timespec ts = {0, 50 * 1000 * 1000};

    nanosleep(&ts, NULL);
    bell_ring(r->b);
    return NULL;
}

static void
stop_loop(void *arg)
{
    event_base_loopbreak(arg);
}

static void
on_guard(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    *(int *)arg = 1;
}

/* A loop blocked in its dispatch wakes when another thread rings (before a 5 s guard). */
static void
test_ring_from_another_thread(void **state)
{
    struct event_base *base = event_base_new();
    struct bell *b = bell_new(base, stop_loop, base);
    int timed_out = 0;
    struct event *guard = evtimer_new(base, on_guard, &timed_out);
    struct timeval five = {5, 0};
    struct ringer r = {b};
    pthread_t t;

    (void)state;
    evtimer_add(guard, &five);
    assert_int_equal(pthread_create(&t, NULL, ring_later, &r), 0);
    event_base_dispatch(base);
    pthread_join(t, NULL);
    assert_int_equal(timed_out, 0);
    event_free(guard);
    bell_free(b);
    event_base_free(base);
}

/* Every joined bell hears bell_ring_joined; a freed one no longer does; the list is full at
   BELL_MAX_JOINED. */
static void
test_joined(void **state)
{
    struct event_base *base = event_base_new();
    int n[BELL_MAX_JOINED + 1] = {0};
    struct bell *b[BELL_MAX_JOINED + 1];

    (void)state;
    for (int i = 0; i <= BELL_MAX_JOINED; i++)
        b[i] = bell_new(base, count, &n[i]);
    for (int i = 0; i < BELL_MAX_JOINED; i++)
        assert_int_equal(bell_join(b[i]), 0);
    assert_int_equal(bell_join(b[BELL_MAX_JOINED]), -1);
    bell_ring_joined();
    turn(base);
    for (int i = 0; i < BELL_MAX_JOINED; i++)
        assert_int_equal(n[i], 1);
    assert_int_equal(n[BELL_MAX_JOINED], 0);
    bell_free(b[0]);
    assert_int_equal(bell_join(b[BELL_MAX_JOINED]), 0); /* the freed one's place */
    bell_ring_joined();
    turn(base);
    for (int i = 1; i <= BELL_MAX_JOINED; i++)
        assert_int_equal(n[i], i == BELL_MAX_JOINED ? 1 : 2);
    for (int i = 1; i <= BELL_MAX_JOINED; i++)
        bell_free(b[i]);
    event_base_free(base);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rings_coalesce),
        cmocka_unit_test(test_ring_from_another_thread),
        cmocka_unit_test(test_joined),
    };

    evthread_use_pthreads();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
