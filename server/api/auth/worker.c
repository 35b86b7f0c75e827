/*
 * worker.c - the auth module's per-worker state (w->ext[EXT_AUTH]): created on first use
 * by the worker's own thread, with its password hashing thread (Argon2id never runs on the
 * event loop) and the LISTEN on AUTH_CHANNEL that drops revoked tokens from the cache;
 * freed by auth_worker_free(). Part of the auth module (auth.h, auth_int.h).
 */
#include "api/auth/auth_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "api/auth/auth.h"
#include "app.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/password.h"
#include "db/db.h"
#include "http/reqctx.h"

/* ---- the password hashing thread: jobs in, results back through the pipe ------------- */

static void *
hash_thread(void *arg)
{
    struct auth_worker *aw = arg;

    for (;;) {
        struct hash_job *j;
        uint64_t t0;

        pthread_mutex_lock(&aw->mu);
        while (!aw->stop && aw->head == NULL)
            pthread_cond_wait(&aw->cv, &aw->mu);
        j = aw->head;
        if (j == NULL) {
            pthread_mutex_unlock(&aw->mu);
            break;
        }
        aw->head = j->next;
        if (aw->head == NULL)
            aw->tail = NULL;
        pthread_mutex_unlock(&aw->mu);

        t0 = http_now_ns();
        if (j->op == HJ_VERIFY) {
            j->ok = password_verify(j->phc, j->pw);
            if (j->ok && password_needs_rehash(j->phc, NULL)) {
                struct mc_err e;

                j->rehashed = password_hash(j->pw, NULL, j->out, sizeof(j->out), &e) == 0;
            }
        } else {
            struct mc_err e;

            j->ok = password_hash(j->pw, NULL, j->out, sizeof(j->out), &e) == 0;
        }
        j->ns = http_now_ns() - t0;
        /* A pointer is far below PIPE_BUF: the write is atomic. */
        while (write(aw->pipefd[1], &j, sizeof(j)) < 0 && errno == EINTR)
            ;
    }
    return NULL;
}

static void
on_hash_done(evutil_socket_t fd, short what, void *arg)
{
    struct auth_worker *aw = arg;
    struct hash_job *j;

    while (read(fd, &j, sizeof(j)) == (ssize_t)sizeof(j)) {
        aw->pending--;
        j->done(j);
    }
    if (aw->pending == 0)
        event_del(aw->ev);
}

/* AUTH_CHANNEL: payload = account id; NULL after a reconnect (we may have missed some). */
static void
on_auth_notify(const char *channel, const char *payload, void *arg)
{
    struct auth_worker *aw = arg;
    int64_t id = payload != NULL ? strtoll(payload, NULL, 10) : 0;

    auth_cache_drop_account(aw->w->app->auth_cache, id > 0 ? id : 0);
}

/* The worker's auth state, created on first use by the worker's own thread. */
struct auth_worker *
auth_worker_get(struct worker *w)
{
    struct auth_worker *aw = w->ext[EXT_AUTH];

    if (aw != NULL)
        return aw;
    aw = xcalloc(1, sizeof(*aw));
    aw->w = w;
    aw->pipefd[0] = aw->pipefd[1] = -1;
    pthread_mutex_init(&aw->mu, NULL);
    pthread_cond_init(&aw->cv, NULL);
    if (pipe2(aw->pipefd, O_CLOEXEC) == 0 && fcntl(aw->pipefd[0], F_SETFL, O_NONBLOCK) == 0) {
        aw->ev = event_new(w->base, aw->pipefd[0], EV_READ | EV_PERSIST, on_hash_done, aw);
        if (aw->ev != NULL && pthread_create(&aw->thread, NULL, hash_thread, aw) == 0)
            aw->thread_started = 1;
    }
    if (!aw->thread_started)
        log_kv(LOG_ERROR, "auth_hash_thread_failed", "detail",
               "password hashing runs on the event loop", NULL);
    w->ext[EXT_AUTH] = aw;
    if (w->db != NULL)
        db_listen(w->db, AUTH_CHANNEL, on_auth_notify, aw);
    return aw;
}

/*
 * Password jobs queued or running per worker at most: at ~20 ms each, 16 is a third of a
 * second of waiting. Beyond it the caller answers 429 with Retry-After instead of letting
 * a flood of logins queue memory and latency without bound (each job also pins a request).
 */
#define AUTH_HASH_QUEUE_MAX 16

/*
 * Runs j on the worker's hashing thread and calls j->done from the loop; -1 (nothing done)
 * when AUTH_HASH_QUEUE_MAX jobs are already pending. Counts as a job in
 * flight of j->rc (the request stays alive if its client hangs up meanwhile). Without a
 * thread (creation failed at start), runs inline: slower for everyone, still correct.
 */
int
auth_hash_submit(struct reqctx *rc, struct hash_job *j)
{
    struct auth_worker *aw = auth_worker_get(rc->w);

    if (aw->pending >= AUTH_HASH_QUEUE_MAX)
        return -1;
    j->rc = rc;
    rc->db_inflight++;
    if (!aw->thread_started) {
        if (j->op == HJ_VERIFY)
            j->ok = password_verify(j->phc, j->pw);
        else {
            struct mc_err e;

            j->ok = password_hash(j->pw, NULL, j->out, sizeof(j->out), &e) == 0;
        }
        j->done(j);
        return 0;
    }
    if (aw->pending++ == 0)
        event_add(aw->ev, NULL);
    pthread_mutex_lock(&aw->mu);
    j->next = NULL;
    if (aw->tail != NULL)
        aw->tail->next = j;
    else
        aw->head = j;
    aw->tail = j;
    pthread_cond_signal(&aw->cv);
    pthread_mutex_unlock(&aw->mu);
    return 0;
}

void
auth_worker_free(struct worker *w)
{
    struct auth_worker *aw = w->ext[EXT_AUTH];
    struct hash_job *j;

    /* The workers are freed in order after every loop stopped: the last one frees the
       process's cache. */
    if (w->id == w->app->nworkers - 1) {
        auth_cache_free(w->app->auth_cache);
        w->app->auth_cache = NULL;
    }
    if (aw == NULL)
        return;
    if (aw->thread_started) {
        pthread_mutex_lock(&aw->mu);
        aw->stop = 1;
        pthread_cond_signal(&aw->cv);
        pthread_mutex_unlock(&aw->mu);
        pthread_join(aw->thread, NULL);
    }
    /* Jobs finished after the loop stopped: their memory is in request arenas. */
    while (aw->pipefd[0] >= 0 && read(aw->pipefd[0], &j, sizeof(j)) == (ssize_t)sizeof(j))
        ;
    if (aw->ev != NULL)
        event_free(aw->ev);
    if (aw->pipefd[0] >= 0)
        close(aw->pipefd[0]);
    if (aw->pipefd[1] >= 0)
        close(aw->pipefd[1]);
    pthread_mutex_destroy(&aw->mu);
    pthread_cond_destroy(&aw->cv);
    free(aw);
    w->ext[EXT_AUTH] = NULL;
}
