/*
 * code.c - code validators and the dossier code generator. See code.h and
 * domain.md §9.
 */
#include "domain/code.h"

#include <stdio.h>
#include <string.h>

#include "domain/cal.h"

static int
digit(char c)
{
    return c >= '0' && c <= '9';
}

static int
all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!digit(s[i]))
            return 0;
    return 1;
}

int
code_unit_valid(const char *s, size_t n, struct mc_err *e)
{
    size_t start[5], len[5];
    int g = 0;
    size_t i = 0;

    if (n == 0 || n > CODE_UNIT_MAX)
        return err_set(e, ERR_BAD_CODE, "unit identifier: 1 to %d characters", CODE_UNIT_MAX);
    start[0] = 0;
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (g >= 4)
                return err_set(e, ERR_BAD_CODE, "unit identifier: at most 4 groups");
            len[g] = i - start[g];
            g++;
            if (i < n)
                start[g] = i + 1;
        }
    }
    if (g < 3)
        return err_set(e, ERR_BAD_CODE, "unit identifier: at least 3 groups");
    /* the last group: level-1 code, H + 2 digits (province) or G + 2 digits (ministry) */
    {
        const char *l = s + start[g - 1];

        if (len[g - 1] != 3 || (l[0] != 'H' && l[0] != 'G') || !digit(l[1]) || !digit(l[2]))
            return err_set(e, ERR_BAD_CODE, "unit identifier: last group must be H99 or G99");
    }
    /* lower levels, right to left: level 2 and 3 have 2 digits, level 4 has 3 */
    for (int k = g - 2; k >= 0; k--) {
        size_t want = (g == 4 && k == 0) ? 3 : 2;
        int ok = len[k] == want || (g == 3 && k == 0 && len[k] == 3);

        if (!ok || !all_digits(s + start[k], len[k]))
            return err_set(e, ERR_BAD_CODE, "unit identifier: group %d has the wrong form", k + 1);
    }
    return 0;
}

int
code_procedure_valid(const char *s, size_t n, struct mc_err *e)
{
    if (n < 8 || !digit(s[0]) || s[1] != '.' || !all_digits(s + 2, 6))
        return err_set(e, ERR_BAD_CODE, "procedure code: expected D.DDDDDD");
    if (n == 8)
        return 0;
    /* longer published form: the short code, '.', a 4-group unit identifier */
    if (s[8] != '.' || code_unit_valid(s + 9, n - 9, e) != 0)
        return err_set(e, ERR_BAD_CODE, "procedure code: expected D.DDDDDD[.unit identifier]");
    /* only the full 4-group identifier (13 characters) is seen after a procedure code */
    if (n - 9 != CODE_UNIT_MAX)
        return err_set(e, ERR_BAD_CODE, "procedure code: unit part must have 4 groups");
    return 0;
}

/* YYMMDD of 2000-2099 -> day number. */
static int
parse_yymmdd(const char *s, int32_t *day)
{
    int y, m, d;

    if (!all_digits(s, 6))
        return -1;
    y = 2000 + (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[2] - '0') * 10 + (s[3] - '0');
    d = (s[4] - '0') * 10 + (s[5] - '0');
    if (!cal_valid(y, m, d))
        return -1;
    *day = cal_days(y, m, d);
    return 0;
}

/* A decimal of nmin..9 digits with value >= 1. */
static int
parse_seq(const char *s, size_t n, size_t nmin, int64_t *out)
{
    int64_t v = 0;

    if (n < nmin || n > 9 || !all_digits(s, n))
        return -1;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    if (v < 1)
        return -1;
    *out = v;
    return 0;
}

static int
national_agency(const char *s, size_t n)
{
    /* MX1X2.Y1Y2Y3.Z1Z2 */
    return n == 10 && s[0] >= 'A' && s[0] <= 'Z' && digit(s[1]) && digit(s[2]) && s[3] == '.' &&
           all_digits(s + 4, 3) && s[7] == '.' && digit(s[8]) && digit(s[9]);
}

int
code_dossier_parse(const char *s, size_t n, struct code_dossier *out, struct mc_err *e)
{
    struct code_dossier c;
    const char *d1, *d2;
    size_t ulen, slen;

    memset(&c, 0, sizeof(c));
    /* the unit part has no '-': the first two dashes split the code */
    d1 = memchr(s, '-', n);
    if (d1 == NULL)
        return err_set(e, ERR_BAD_CODE, "dossier code: expected <unit>-YYMMDD-NNNN");
    ulen = (size_t)(d1 - s);
    if (n - ulen < 8 || d1[7] != '-')
        return err_set(e, ERR_BAD_CODE, "dossier code: expected <unit>-YYMMDD-NNNN");
    d2 = d1 + 7;
    if (parse_yymmdd(d1 + 1, &c.day) != 0)
        return err_set(e, ERR_BAD_CODE, "dossier code: bad date YYMMDD");
    slen = n - ulen - 8;
    if (national_agency(s, ulen)) {
        c.form = CODE_NATIONAL;
        if (slen < 6 || !digit(d2[1]) || !digit(d2[2]))
            return err_set(e, ERR_BAD_CODE, "dossier code: expected AAXXXX after the date");
        c.aa = (d2[1] - '0') * 10 + (d2[2] - '0');
        if (parse_seq(d2 + 3, slen - 2, 4, &c.seq) != 0)
            return err_set(e, ERR_BAD_CODE, "dossier code: bad sequence");
    } else {
        if (code_unit_valid(s, ulen, e) != 0)
            return -1;
        c.form = CODE_PROVINCIAL;
        c.aa = -1;
        if (parse_seq(d2 + 1, slen, 4, &c.seq) != 0)
            return err_set(e, ERR_BAD_CODE, "dossier code: sequence of 4 to 9 digits, >= 1");
    }
    memcpy(c.unit, s, ulen);
    c.unit[ulen] = '\0';
    if (out != NULL)
        *out = c;
    return 0;
}

int
code_dossier_make(const char *unit, int32_t day, int64_t seq, char *buf, size_t size,
                  struct mc_err *e)
{
    struct cal_date d;
    int n;

    if (code_unit_valid(unit, strlen(unit), e) != 0)
        return -1;
    if (seq < 1 || seq > CODE_SEQ_MAX)
        return err_set(e, ERR_BAD_CODE, "sequence out of range");
    d = cal_date_of(day);
    if (d.year < 2000 || d.year > 2099)
        return err_set(e, ERR_BAD_CODE, "date outside 2000-2099");
    n = snprintf(buf, size, "%s-%02d%02d%02d-%04lld", unit, d.year % 100, d.month, d.day,
                 (long long)seq);
    if (n < 0 || (size_t)n >= size)
        return err_set(e, ERR_BAD_CODE, "buffer too small");
    return 0;
}
