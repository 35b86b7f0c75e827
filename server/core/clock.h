/*
 * clock.h - the one wall clock of the server. Every "now" of the process (a request's
 * rc->now, the background loops' ticks, the CLI) comes from clock_now(); nothing else
 * reads the wall clock (the domain takes instants as arguments).
 *
 * A pin for tests: a binary compiled with -DMOTCUA_TEST_CLOCK (make TEST_CLOCK=1) honours
 * the setting MOTCUA_TEST_NOW, an RFC 3339 instant with offset ("2026-01-02T10:00:00+07:00"):
 * the clock starts there when it is pinned (at start-up, before any thread) and then ticks
 * with real (monotonic) time. A build without it refuses the setting (clock_pin fails), so a
 * production server never runs on a made-up clock. docs/configuration.md.
 *
 * The pin is process state written once at start-up, before the workers start, and only
 * read afterwards.
 */
#ifndef MOTCUA_CORE_CLOCK_H
#define MOTCUA_CORE_CLOCK_H

#include <stdint.h>

#include "core/err.h"

/* Now, Unix seconds (pinned in a test build given MOTCUA_TEST_NOW). */
int64_t clock_now(void);

/* Monotonic nanoseconds, for durations and timeouts (never pinned). */
uint64_t clock_mono_ns(void);

/* 1 when this binary honours MOTCUA_TEST_NOW (compiled with -DMOTCUA_TEST_CLOCK). */
int clock_test_build(void);

/*
 * Applies the setting MOTCUA_TEST_NOW: value NULL or "" leaves the real clock. Otherwise, in a
 * test build, the clock starts at that instant (offset required: "Z" or "+hh:mm"); -1 with
 * ERR_VALIDATION when it is malformed. In a build without MOTCUA_TEST_CLOCK any value is
 * refused (-1, ERR_VALIDATION, the message says why). Call before starting threads.
 */
int clock_pin(const char *value, struct mc_err *e);

#endif
