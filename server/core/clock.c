/*
 * clock.c - clock_now(), the server's only wall-clock read, and its test pin (clock.h).
 */
#include "core/clock.h"

#include <string.h>
#include <time.h>

#include "domain/cal.h"

/* Written once by clock_pin before any thread starts; read-only afterwards. */
static struct {
    int on;
    int64_t at;     /* the pinned instant */
    uint64_t mono;  /* clock_mono_ns() when it was pinned */
} pin;

uint64_t
clock_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t
clock_now(void)
{
    if (pin.on)
        return pin.at + (int64_t)((clock_mono_ns() - pin.mono) / 1000000000u);
    return (int64_t)time(NULL);
}

int
clock_test_build(void)
{
#ifdef MOTCUA_TEST_CLOCK
    return 1;
#else
    return 0;
#endif
}

/* 1 when an RFC 3339 instant carries its offset ("Z", "+hh:mm" or "-hh:mm" after the time). */
static int
has_offset(const char *s)
{
    size_t n = strlen(s);

    if (n < 17)
        return 0;
    if (s[n - 1] == 'Z' || s[n - 1] == 'z')
        return 1;
    return n >= 6 && (s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':';
}

int
clock_pin(const char *value, struct mc_err *e)
{
    int64_t at;

    if (value == NULL || value[0] == '\0')
        return 0;
    if (!clock_test_build())
        return err_field(e, ERR_VALIDATION, "MOTCUA_TEST_NOW",
                         "MOTCUA_TEST_NOW is honoured only by a test build (make TEST_CLOCK=1); "
                         "this binary refuses to run on a pinned clock: unset it");
    if (!has_offset(value) || cal_parse_instant(value, strlen(value), &at) != 0)
        return err_field(e, ERR_VALIDATION, "MOTCUA_TEST_NOW",
                         "MOTCUA_TEST_NOW must be an RFC 3339 instant with offset, "
                         "e.g. 2026-01-02T10:00:00+07:00");
    pin.mono = clock_mono_ns();
    pin.at = at;
    pin.on = 1;
    return 0;
}
