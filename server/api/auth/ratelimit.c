/*
 * ratelimit.c - the login rate limiter's table of this process, beside the failures
 * committed in login_attempt (LOGIN_SQL, auth.c). Limits: auth.h; design:
 * docs/security.md. Part of the auth module (auth_int.h).
 */
#include "api/auth/auth_int.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/auth/auth.h"
#include "core/clock.h"

/* ---- login rate limit: attempts in flight and recent failures of this process ---------- */

/*
 * LOGIN_SQL counts the failures already committed; attempts between that read and the
 * commit of their own failure were invisible to each other, so 50 simultaneous wrong
 * passwords all passed the check. This table (one per process, all workers, a mutex) closes
 * the gap: a key ("l:" login, "a:" address) holds its attempts in flight and the times of
 * its failures recorded by this process within the window; a new attempt is counted against
 * max(committed failures, remembered failures) + attempts in flight, and becomes in flight
 * under the same lock. Another process's attempts are seen once committed (docs/security.md).
 */
#define RL_SLOTS 1024
#define RL_KEY 72

struct rl_entry {
    char key[RL_KEY];
    int inflight;
    int nfail;
    int64_t fail_at[AUTH_MAX_FAILS_ADDR]; /* ring of the most recent failures */
};

static pthread_mutex_t rl_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rl_entry rl_tab[RL_SLOTS];

/* The rate limiter's clock (shared between workers, not tied to one request). */
static int64_t
now_s(void)
{
    return clock_now();
}

/* Failures of e inside the window; the oldest of them in *oldest. */
static int
rl_fails(const struct rl_entry *e, int64_t now, int64_t *oldest)
{
    int n = 0, cap = e->nfail < AUTH_MAX_FAILS_ADDR ? e->nfail : AUTH_MAX_FAILS_ADDR;

    *oldest = 0;
    for (int i = 0; i < cap; i++)
        if (e->fail_at[i] > now - AUTH_WINDOW_SECONDS) {
            n++;
            if (*oldest == 0 || e->fail_at[i] < *oldest)
                *oldest = e->fail_at[i];
        }
    return n;
}

/* The entry of key, created when create; NULL when absent (or the table is full of live
 * entries: then the limiter falls back to the database count alone). Lock held. */
static struct rl_entry *
rl_find(const char *key, int create, int64_t now)
{
    unsigned h = 2166136261u;
    struct rl_entry *victim = NULL;

    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (int i = 0; i < 16; i++) {
        struct rl_entry *e = &rl_tab[(h + (unsigned)i) % RL_SLOTS];
        int64_t oldest;

        if (strcmp(e->key, key) == 0)
            return e;
        if (victim == NULL && (e->key[0] == '\0' ||
                               (e->inflight == 0 && rl_fails(e, now, &oldest) == 0)))
            victim = e;
    }
    if (!create || victim == NULL)
        return NULL;
    memset(victim, 0, sizeof(*victim));
    snprintf(victim->key, sizeof(victim->key), "%s", key);
    return victim;
}

/*
 * Admits one attempt of login from addr given the committed failure counts: 0 and both
 * keys in flight, or -1 and *wait = seconds to suggest in Retry-After.
 */
int
auth_rl_admit(const char *login, const char *addr, long db_login, long db_addr, long *wait)
{
    char kl[RL_KEY], ka[RL_KEY];
    int64_t now = now_s(), ol = 0, oa = 0;
    struct rl_entry *el, *ea;
    long nl, na;
    int ml, ma, rc = 0;

    snprintf(kl, sizeof(kl), "l:%s", login);
    snprintf(ka, sizeof(ka), "a:%s", addr);
    pthread_mutex_lock(&rl_mu);
    el = rl_find(kl, 1, now);
    ea = rl_find(ka, 1, now);
    ml = el != NULL ? rl_fails(el, now, &ol) : 0;
    ma = ea != NULL ? rl_fails(ea, now, &oa) : 0;
    nl = (db_login > ml ? db_login : ml) + (el != NULL ? el->inflight : 0);
    na = (db_addr > ma ? db_addr : ma) + (ea != NULL ? ea->inflight : 0);
    if (nl >= AUTH_MAX_FAILS_LOGIN || na >= AUTH_MAX_FAILS_ADDR) {
        int64_t o = nl >= AUTH_MAX_FAILS_LOGIN ? ol : oa;

        *wait = o != 0 ? (long)(o + AUTH_WINDOW_SECONDS - now) : 1;
        rc = -1;
    } else {
        if (el != NULL)
            el->inflight++;
        if (ea != NULL)
            ea->inflight++;
    }
    pthread_mutex_unlock(&rl_mu);
    return rc;
}

/* The attempt admitted by auth_rl_admit is over (enum rl_outcome: auth_int.h). */
void
auth_rl_done(const char *login, const char *addr, enum rl_outcome out)
{
    char kl[RL_KEY], ka[RL_KEY];
    int64_t now = now_s();
    struct rl_entry *e[2];

    snprintf(kl, sizeof(kl), "l:%s", login);
    snprintf(ka, sizeof(ka), "a:%s", addr);
    pthread_mutex_lock(&rl_mu);
    e[0] = rl_find(kl, 0, now);
    e[1] = rl_find(ka, 0, now);
    for (int i = 0; i < 2; i++) {
        if (e[i] == NULL)
            continue;
        if (e[i]->inflight > 0)
            e[i]->inflight--;
        if (out == RL_FAILED) {
            e[i]->fail_at[e[i]->nfail % AUTH_MAX_FAILS_ADDR] = now;
            e[i]->nfail++;
        } else if (out == RL_OK && i == 0) {
            e[i]->nfail = 0;
        }
    }
    pthread_mutex_unlock(&rl_mu);
}
