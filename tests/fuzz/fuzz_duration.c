/*
 * fuzz_duration.c - the duration parser (ddl_parse_duration). Invariants: it never
 * reads past n; on success the value is in range for its unit and the canonical text
 * parses back to the same duration; on failure the error is BAD_DURATION.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/ddl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy so that ASan catches any read past n */
    char *s = malloc(size ? size : 1);
    struct ddl_duration d, d2;
    struct mc_err e;
    char buf[32];

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    if (ddl_parse_duration(s, size, &d, &e) != 0) {
        if (e.code != ERR_BAD_DURATION)
            abort();
        free(s);
        return 0;
    }
    if (d.value < 0 || (int)d.unit < 0 || d.unit >= DDL_UNIT__COUNT)
        abort();
    if (ddl_duration_minutes(&d) > DDL_MAX_MINUTES)
        abort();
    if (d.unit == DDL_SAMEDAY && (d.cutoff < -1 || d.cutoff >= 24 * 60))
        abort();
    ddl_format_duration(&d, buf, sizeof(buf));
    if (ddl_parse_duration(buf, strlen(buf), &d2, &e) != 0 || d2.value != d.value ||
        d2.unit != d.unit || d2.cutoff != d.cutoff)
        abort();
    free(s);
    return 0;
}
