/*
 * ddl_fixture.h - shared by the deadline tests (test_ddl, test_cls, test_props):
 * builds the working calendar from the announced schedule sql/calendar_vn.tsv (found
 * through $MOTCUA_SRC, else relative to the repository root where tests run) and its
 * working-time axis, and parses instants typed in the tables.
 */
#ifndef MOTCUA_TESTS_DDL_FIXTURE_H
#define MOTCUA_TESTS_DDL_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/cal.h"
#include "domain/ddl.h"
#include "domain/wcal.h"

struct fixture {
    struct wcal *cal;
    struct ddl_axis ax;
};

static char *
fixture_read_tsv(size_t *len)
{
    const char *src = getenv("MOTCUA_SRC");
    char path[4096];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/sql/calendar_vn.tsv", src != NULL ? src : ".");
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
        exit(1);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* makeup: the count_makeup_saturdays policy (domain.md §4.1). */
static void
fixture_init(struct fixture *fx, int makeup)
{
    struct wcal_opts o;
    struct wcal_entry *ent;
    struct mc_err e;
    size_t len, n;
    char *text = fixture_read_tsv(&len);

    if (wcal_parse_tsv(text, len, &ent, &n, &e) != 0) {
        fprintf(stderr, "calendar_vn.tsv: %s\n", e.detail);
        exit(1);
    }
    wcal_opts_default(&o);
    o.first_year = 2019;
    o.last_year = 2031;
    o.count_makeup_saturdays = makeup;
    fx->cal = wcal_build(&o, ent, n, &e);
    if (fx->cal == NULL || ddl_axis_init(&fx->ax, fx->cal, &e) != 0) {
        fprintf(stderr, "calendar: %s\n", e.detail);
        exit(1);
    }
    free(ent);
    free(text);
}

static void
fixture_free(struct fixture *fx)
{
    ddl_axis_free(&fx->ax);
    wcal_free(fx->cal);
}

/* "2026-02-13T10:00" local time -> instant; aborts on a typo in a table. */
static __attribute__((unused)) int64_t
T(const char *s)
{
    int64_t t;

    if (cal_parse_instant(s, strlen(s), &t) != 0) {
        fprintf(stderr, "bad instant in table: %s\n", s);
        abort();
    }
    return t;
}

#endif
