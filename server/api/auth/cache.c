/*
 * cache.c - the process's cache of verified tokens (auth_cache_*): principals keyed by the
 * token's SHA-256, shared by the worker threads under one mutex, bounded
 * (MOTCUA_AUTH_CACHE entries, 4-way set-associative, the oldest of a full set evicted) and
 * trusted for at most MOTCUA_AUTH_CACHE_TTL seconds. An entry is never served on its own:
 * session.c sends the check of its revocation generation with the request's first
 * statement (docs/architecture.md "Session check"). Part of the auth module (auth_int.h).
 */
#include "api/auth/auth_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/arena.h"
#include "core/token.h"

#define WAYS 4

struct auth_cache {
    pthread_mutex_t mu;
    struct cache_entry *slot; /* nsets * ways */
    size_t nsets, ways;
    int ttl;
    atomic_ulong hits, misses, evictions;
};

struct auth_cache *
auth_cache_new(size_t capacity, int ttl)
{
    struct auth_cache *c = xcalloc(1, sizeof(*c));

    pthread_mutex_init(&c->mu, NULL);
    c->ttl = ttl;
    if (capacity == 0)
        return c; /* caching off: every request looks its token up */
    c->ways = capacity < WAYS ? capacity : WAYS;
    /* The largest power of two of sets that keeps nsets * ways within the bound. */
    c->nsets = 1;
    while (c->nsets * 2 * c->ways <= capacity)
        c->nsets *= 2;
    c->slot = xcalloc(c->nsets * c->ways, sizeof(*c->slot));
    return c;
}

void
auth_cache_free(struct auth_cache *c)
{
    if (c == NULL)
        return;
    if (c->slot != NULL) {
        OPENSSL_cleanse(c->slot, c->nsets * c->ways * sizeof(*c->slot));
        free(c->slot);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* The first set of hash (uniform hex: its first 8 digits pick the set). */
static struct cache_entry *
set_of(struct auth_cache *c, const char *hash)
{
    unsigned long v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 4 | (unsigned long)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
    return &c->slot[(v & (c->nsets - 1)) * c->ways];
}

static int
fresh(const struct auth_cache *c, const struct cache_entry *e, int64_t now)
{
    return now >= e->cached && now - e->cached < c->ttl && (e->expires == 0 || now < e->expires);
}

int
auth_cache_get(struct auth_cache *c, const char *hash, int64_t now, struct cache_entry *out)
{
    struct cache_entry *s;
    int found = 0;

    if (c->slot == NULL)
        return -1;
    pthread_mutex_lock(&c->mu);
    s = set_of(c, hash);
    for (size_t i = 0; i < c->ways; i++) {
        if (s[i].hash[0] == '\0' || !token_ct_equal(s[i].hash, hash, TOKEN_HASH_HEX))
            continue;
        if (fresh(c, &s[i], now)) {
            *out = s[i];
            found = 1;
        } else {
            memset(&s[i], 0, sizeof(s[i])); /* too old or expired: gone for everyone */
        }
        break;
    }
    pthread_mutex_unlock(&c->mu);
    atomic_fetch_add(found ? &c->hits : &c->misses, 1);
    return found ? 0 : -1;
}

void
auth_cache_put(struct auth_cache *c, const struct cache_entry *e)
{
    struct cache_entry *s, *victim = NULL;

    if (c->slot == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    s = set_of(c, e->hash);
    for (size_t i = 0; i < c->ways && victim == NULL; i++)
        if (strcmp(s[i].hash, e->hash) == 0)
            victim = &s[i];
    for (size_t i = 0; i < c->ways && victim == NULL; i++)
        if (s[i].hash[0] == '\0')
            victim = &s[i];
    if (victim == NULL) {
        victim = &s[0];
        for (size_t i = 1; i < c->ways; i++)
            if (s[i].cached < victim->cached)
                victim = &s[i];
        atomic_fetch_add(&c->evictions, 1);
    }
    /* A lookup older than the entry's (two requests raced) does not replace it. */
    if (!(strcmp(victim->hash, e->hash) == 0 && victim->gen > e->gen))
        *victim = *e;
    pthread_mutex_unlock(&c->mu);
}

void
auth_cache_confirm(struct auth_cache *c, const char *hash, int64_t gen)
{
    struct cache_entry *s;

    if (c->slot == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    s = set_of(c, hash);
    for (size_t i = 0; i < c->ways; i++)
        if (strcmp(s[i].hash, hash) == 0 && s[i].gen < gen)
            s[i].gen = gen;
    pthread_mutex_unlock(&c->mu);
}

void
auth_cache_drop(struct auth_cache *c, const char *hash)
{
    struct cache_entry *s;

    if (c->slot == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    s = set_of(c, hash);
    for (size_t i = 0; i < c->ways; i++)
        if (strcmp(s[i].hash, hash) == 0)
            memset(&s[i], 0, sizeof(s[i]));
    pthread_mutex_unlock(&c->mu);
}

void
auth_cache_drop_account(struct auth_cache *c, int64_t account_id)
{
    size_t n = c->nsets * c->ways;

    if (c->slot == NULL)
        return;
    /* O(capacity) under the lock: revocations are rare, 4096 entries a few microseconds. */
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < n; i++)
        if (c->slot[i].hash[0] != '\0' &&
            (account_id == 0 || c->slot[i].who.account_id == account_id))
            memset(&c->slot[i], 0, sizeof(c->slot[i]));
    pthread_mutex_unlock(&c->mu);
}

void
auth_cache_stats(struct auth_cache *c, struct auth_cache_stats *st)
{
    size_t n = c->nsets * c->ways;

    memset(st, 0, sizeof(*st));
    st->capacity = n;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < n; i++)
        st->entries += c->slot[i].hash[0] != '\0';
    pthread_mutex_unlock(&c->mu);
    st->hits = atomic_load(&c->hits);
    st->misses = atomic_load(&c->misses);
    st->evictions = atomic_load(&c->evictions);
}
