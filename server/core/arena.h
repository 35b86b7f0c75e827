/*
 * arena.h - request-lifetime memory (after h2o's mem pool and PostgreSQL's
 * memory contexts). Everything a request allocates lives in its arena and is
 * released at once by arena_free(); other resources (PGresult, json_t,
 * evbuffer) are released by callbacks registered with arena_defer().
 *
 * Out of memory is not an error path: every allocator here aborts on OOM, so
 * call sites stay clean. Sizes are checked for overflow.
 */
#ifndef MOTCUA_CORE_ARENA_H
#define MOTCUA_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* Process-lifetime helpers that abort on OOM. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* A new, empty arena. Never NULL. */
struct arena *arena_new(void);

/* Runs the deferred callbacks in reverse order, then frees every block. NULL is a no-op. */
void arena_free(struct arena *a);

/* Zeroed memory, aligned for any type, valid until arena_free(). */
void *arena_alloc(struct arena *a, size_t n);

/* nmemb * size with an overflow check (aborts on overflow). */
void *arena_calloc(struct arena *a, size_t nmemb, size_t size);

char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* fn(p) runs when the arena is freed, last registered first. */
void arena_defer(struct arena *a, void (*fn)(void *), void *p);

/* Bytes handed out so far (for metrics and tests). */
size_t arena_used(const struct arena *a);

#endif
