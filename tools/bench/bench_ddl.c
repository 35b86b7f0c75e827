/*
 * bench_ddl.c - deadline computations per second on one core (figures, not
 * assertions): ddl_appointment for working-day durations, the pos/instant pair, and
 * a ledger with one pause, over receptions spread across 2020-2030 on the rules-only
 * calendar (the announced rows do not change the cost).
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "domain/cal.h"
#include "domain/ddl.h"
#include "domain/wcal.h"

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(void)
{
    struct wcal_opts o;
    struct wcal *cal;
    struct ddl_axis ax;
    struct mc_err e;
    const long n = 5000000;
    int64_t lo, span, sink = 0;
    uint64_t x = 88172645463325252ull;
    double t0, t1;

    wcal_opts_default(&o);
    t0 = now();
    cal = wcal_build(&o, NULL, 0, &e);
    if (cal == NULL || ddl_axis_init(&ax, cal, &e) != 0) {
        fprintf(stderr, "calendar: %s\n", e.detail);
        return 1;
    }
    t1 = now();
    printf("calendar + axis build (%d days): %.1f ms\n", (int)ax.ndays, (t1 - t0) * 1e3);
    lo = cal_instant(cal_days(2020, 1, 1), 0);
    span = cal_instant(cal_days(2030, 12, 31), 0) - lo;

    t0 = now();
    for (long i = 0; i < n; i++) {
        struct ddl_duration d = {0, DDL_WD, -1};
        int64_t out;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        d.value = (int32_t)(1 + x % 30);
        if (ddl_appointment(&ax, lo + (int64_t)(x % (uint64_t)span), &d, &out, &e) == 0)
            sink += out;
    }
    t1 = now();
    printf("ddl_appointment (1-30 working days): %.2f M/s\n", n / (t1 - t0) / 1e6);

    t0 = now();
    for (long i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        sink += ddl_pos(&ax, lo + (int64_t)(x % (uint64_t)span));
    }
    t1 = now();
    printf("ddl_pos: %.2f M/s\n", n / (t1 - t0) / 1e6);

    t0 = now();
    for (long i = 0; i < n / 5; i++) {
        struct ddl_policy pol;
        struct ddl_pause p;
        struct ddl_ledger L;
        int64_t r;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        r = lo + (int64_t)(x % (uint64_t)span);
        ddl_policy_default(&pol);
        p.reason = DDL_P_SUPPLEMENT;
        p.requested_at = r + 86400;
        p.resolved_at = r + 3 * 86400;
        if (ddl_ledger(&ax, &pol, r + 10 * 86400, &p, 1, r + 30 * 86400, &L, &e) == 0)
            sink += L.legal_due;
    }
    t1 = now();
    printf("ddl_ledger (one pause): %.2f M/s\n", n / 5 / (t1 - t0) / 1e6);
    printf("(checksum %lld)\n", (long long)(sink & 0xffff));
    ddl_axis_free(&ax);
    wcal_free(cal);
    return 0;
}
