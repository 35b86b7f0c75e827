/*
 * err.c - the error catalog of err.h.
 */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct err_row {
    int status;
    const char *name;
    const char *vi;
    const char *en;
};

static const struct err_row CATALOG[ERR__COUNT] = {
#define ERR_ROW(e, s, c, vi, en) [e] = {s, c, vi, en},
    ERR_CATALOG(ERR_ROW)
#undef ERR_ROW
};

static int
err_vset(struct mc_err *e, enum err_code code, const char *field, const char *fmt, va_list ap)
{
    e->code = code;
    e->detail[0] = '\0';
    e->field[0] = '\0';
    if (field != NULL)
        snprintf(e->field, sizeof(e->field), "%s", field);
    if (fmt != NULL)
        vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
    return -1;
}

int
err_set(struct mc_err *e, enum err_code code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset(e, code, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

int
err_field(struct mc_err *e, enum err_code code, const char *field, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset(e, code, field, fmt, ap);
    va_end(ap);
    return -1;
}

void
err_clear(struct mc_err *e)
{
    e->code = ERR_OK;
    e->detail[0] = '\0';
    e->field[0] = '\0';
}

static const struct err_row *
row(enum err_code code)
{
    if ((int)code < 0 || code >= ERR__COUNT)
        code = ERR_INTERNAL;
    return &CATALOG[code];
}

int
err_status(enum err_code code)
{
    return row(code)->status;
}

const char *
err_name(enum err_code code)
{
    return row(code)->name;
}

const char *
err_msg_vi(enum err_code code)
{
    return row(code)->vi;
}

const char *
err_msg_en(enum err_code code)
{
    return row(code)->en;
}

int
err_from_name(const char *name)
{
    for (int i = 0; i < ERR__COUNT; i++)
        if (strcmp(CATALOG[i].name, name) == 0)
            return i;
    return -1;
}
