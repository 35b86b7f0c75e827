/*
 * fuzz_date.c - libFuzzer harness for the date parsers of server/domain/cal.c
 * (cal_parse_date, cal_parse_instant). Invariants: a parsed value formats and parses
 * back to itself; a parsed date is a real date; the parsers read only n bytes (the input
 * is copied to an exact-size buffer so ASan catches an over-read).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/cal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = calloc(size > 0 ? size : 1, 1);
    int32_t day, day2;
    int64_t t, t2;
    char buf[32];

    if (s == NULL)
        return 0;
    if (size > 0)
        memcpy(s, data, size);
    if (cal_parse_date(s, size, &day) == 0) {
        struct cal_date d = cal_date_of(day);

        if (size != 10 || !cal_valid(d.year, d.month, d.day))
            abort();
        cal_format_date(day, buf);
        if (memcmp(buf, s, 10) != 0)
            abort();
        if (cal_parse_date(buf, strlen(buf), &day2) != 0 || day2 != day)
            abort();
    }
    if (cal_parse_instant(s, size, &t) == 0) {
        int m = cal_local_minute(t);

        if (m < 0 || m > 1439)
            abort();
        cal_format_instant(t, buf);
        if (strlen(buf) != 25 || cal_parse_instant(buf, strlen(buf), &t2) != 0 || t2 != t)
            abort();
        /* the minute form drops the seconds: it parses to the start of the minute */
        cal_format_instant_min(t, buf);
        if (strlen(buf) != 22 || cal_parse_instant(buf, strlen(buf), &t2) != 0 ||
            t2 != t - (t % 60 + 60) % 60)
            abort();
    }
    free(s);
    return 0;
}
