/*
 * fuzz_tsv.c - the announced-schedule parser (wcal_parse_tsv: sql/calendar_vn.tsv, the
 * `motcua calendar --data FILE` file). Invariants: it never reads past len; on failure the
 * error is VALIDATION_FAILED and names a line; on success every row has a date inside
 * 0000-9999, off|work, an announced reason (never a rule or a proposal), a NUL-terminated
 * note of valid UTF-8 text without control characters; printing the rows back in the file
 * format parses to the same rows; and a calendar built from rows of 2025-2026 is either
 * refused with VALIDATION_FAILED (a day announced twice) or answers for every day.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/cal.h"
#include "domain/wcal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_row(const struct wcal_entry *en)
{
    size_t len = strnlen(en->note, sizeof(en->note));
    char buf[16];

    if (len >= sizeof(en->note) || memchr(en->note, '\t', len) != NULL)
        abort();
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)en->note[k] < 0x20 || en->note[k] == 0x7f)
            abort();
    if (en->working != 0 && en->working != 1)
        abort();
    if ((int)en->reason <= (int)WCAL_R_WEEKEND || en->reason >= WCAL_R__COUNT ||
        en->reason == WCAL_R_TET_PROPOSED || en->reason == WCAL_R_NATIONAL_DAY_2_PROPOSED)
        abort();
    cal_format_date(en->day, buf);
    if (strlen(buf) != 10)
        abort();
}

/* The rows printed back in the file format must parse to the same rows. */
static void
round_trip(const struct wcal_entry *en, size_t n)
{
    size_t cap = n * 160 + 1, len = 0;
    char *text = malloc(cap);
    struct wcal_entry *en2 = NULL;
    size_t n2 = 0;
    struct mc_err e;

    if (text == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        char day[16];

        cal_format_date(en[i].day, day);
        len += (size_t)snprintf(text + len, cap - len, "%s\t%s\t%s\t%s\n", day,
                                en[i].working ? "work" : "off", wcal_reason_key(en[i].reason),
                                en[i].note);
    }
    if (wcal_parse_tsv(text, len, &en2, &n2, &e) != 0 || n2 != n)
        abort();
    for (size_t i = 0; i < n; i++)
        if (en2[i].day != en[i].day || en2[i].working != en[i].working ||
            en2[i].reason != en[i].reason || strcmp(en2[i].note, en[i].note) != 0)
            abort();
    free(en2);
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy so that ASan catches any read past len */
    char *s = malloc(size ? size : 1);
    struct wcal_entry *en = NULL;
    size_t n = 0;
    struct mc_err e;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    err_clear(&e);
    if (wcal_parse_tsv(s, size, &en, &n, &e) != 0) {
        if (e.code != ERR_VALIDATION || strstr(e.detail, "line ") == NULL)
            abort();
        free(s);
        return 0;
    }
    if (n > 0 && en == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        check_row(&en[i]);
    round_trip(en, n);
    if (n <= 64) {
        struct wcal_opts o;
        struct wcal *w;

        wcal_opts_default(&o);
        o.first_year = 2025;
        o.last_year = 2026;
        w = wcal_build(&o, en, n, &e);
        if (w == NULL) {
            if (e.code != ERR_VALIDATION)
                abort();
        } else {
            for (int32_t d = wcal_first_day(w); d <= wcal_last_day(w); d++) {
                int wk = wcal_is_working(w, d);

                if (wk != 0 && wk != 1)
                    abort();
                if ((wcal_day_minutes(w, d) > 0) != wk)
                    abort();
                if (wcal_note(w, d) == NULL)
                    abort();
            }
            wcal_free(w);
        }
    }
    free(en);
    free(s);
    return 0;
}
