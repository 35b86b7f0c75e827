/*
 * log.c - JSON-lines logger. See log.h.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int min_level = LOG_INFO;

static const char *const NAMES[] = {"debug", "info", "warn", "error"};

int
log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, NAMES[i]) == 0)
            return i;
    return -1;
}

void
log_set_level(enum log_level lvl)
{
    atomic_store(&min_level, (int)lvl);
}

int
log_enabled(enum log_level lvl)
{
    return (int)lvl >= atomic_load(&min_level);
}

struct line {
    char buf[4096];
    size_t n;
};

static void
put(struct line *l, const char *s, size_t n)
{
    if (n > sizeof(l->buf) - 3 - l->n)
        n = sizeof(l->buf) - 3 - l->n;
    memcpy(l->buf + l->n, s, n);
    l->n += n;
}

static void
put_str(struct line *l, const char *s)
{
    put(l, s, strlen(s));
}

static void
put_escaped(struct line *l, const char *s)
{
    char tmp[8];

    put(l, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            put(l, tmp, 2);
        } else if (c < 0x20) {
            snprintf(tmp, sizeof(tmp), "\\u%04x", c);
            put(l, tmp, 6);
        } else {
            put(l, (const char *)&c, 1);
        }
    }
    put(l, "\"", 1);
}

static void
head(struct line *l, enum log_level lvl)
{
    struct timespec ts;
    struct tm tm;
    time_t local;
    char tbuf[128];

    clock_gettime(CLOCK_REALTIME, &ts);
    local = ts.tv_sec + 7 * 3600; /* Asia/Ho_Chi_Minh, no daylight saving */
    gmtime_r(&local, &tm);
    snprintf(tbuf, sizeof(tbuf), "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ld+07:00\",\"lvl\":\"",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             ts.tv_nsec / 1000000);
    l->n = 0;
    put_str(l, tbuf);
    put_str(l, NAMES[lvl]);
    put_str(l, "\"");
}

static void
emit(struct line *l)
{
    ssize_t w;

    l->buf[l->n++] = '}';
    l->buf[l->n++] = '\n';
    w = write(STDERR_FILENO, l->buf, l->n);
    (void)w;
}

void
log_kv(enum log_level lvl, const char *msg, ...)
{
    struct line l;
    va_list ap;
    const char *k, *v;

    if (!log_enabled(lvl))
        return;
    head(&l, lvl);
    put_str(&l, ",\"msg\":");
    put_escaped(&l, msg);
    va_start(ap, msg);
    while ((k = va_arg(ap, const char *)) != NULL) {
        v = va_arg(ap, const char *);
        put_str(&l, ",");
        put_escaped(&l, k);
        put_str(&l, ":");
        put_escaped(&l, v != NULL ? v : "");
    }
    va_end(ap);
    emit(&l);
}

void
log_raw(enum log_level lvl, const char *json_members)
{
    struct line l;

    if (!log_enabled(lvl))
        return;
    head(&l, lvl);
    put_str(&l, ",");
    put_str(&l, json_members);
    emit(&l);
}
