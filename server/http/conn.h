/*
 * conn.h - a client connection as the HTTP layer keeps it (server/http: server.c owns its
 * life, wire.c watches its input before evhttp reads it). Internal to server/http.
 */
#ifndef MOTCUA_HTTP_CONN_H
#define MOTCUA_HTTP_CONN_H

#include <stddef.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "core/err.h"

struct worker;
struct reqctx;
struct bufferevent;

/* PH_REJECTED: refused at the end of its head (Content-Length over MOTCUA_MAX_BODY); the
 * reply is written, input is discarded until the connection is closed. */
enum conn_phase { PH_IDLE, PH_HEAD, PH_BODY, PH_BUSY, PH_REJECTED };

/* RFC 9112 §7.1: chunk-size [chunk-ext] CRLF, chunk-data CRLF, ..., last-chunk, trailer
   lines, CRLF. CK_DONE: the body is complete; later bytes are the next request's. */
enum chunk_state { CK_SIZE, CK_EXT, CK_SIZE_LF, CK_DATA, CK_DATA_CR, CK_DATA_LF, CK_TR_START,
                   CK_TR_LINE, CK_TR_LF, CK_END_LF, CK_DONE };

struct http_conn {
    struct worker *w;
    struct bufferevent *bev;
    struct evhttp_connection *evcon; /* known from the first request on */
    struct evbuffer_cb_entry *watch;
    struct event *deadline;
    struct event *hangup; /* EV_CLOSED watcher while a request is handled */
    struct reqctx *rc;    /* request being handled, or NULL */
    enum conn_phase phase;
    int newlines;  /* consecutive line ends seen in the head */
    int seen_byte; /* a non-CRLF byte of this head was seen */
    char line[48]; /* the start of the head line being received */
    size_t linelen;
    unsigned long long clen; /* Content-Length of this head (0: none) */
    int ncl;                 /* Content-Length lines of this head */
    int chunked;             /* a Transfer-Encoding line in this head */
    int folded;              /* a head line began with SP or HT (obs-fold) */
    int lines;               /* head lines ended so far */
    int has_auth;            /* an Authorization line in this head */
    char reqline[256];       /* the request line, when shorter than this */
    size_t reqlen;
    size_t body_seen;        /* chunk data announced so far (chunked bodies) */
    /* the chunked framing of this body, as its bytes arrive (chunk_scan) */
    enum chunk_state ck;
    unsigned long long ck_size; /* size of the chunk whose line is being read */
    unsigned long long ck_left; /* data bytes of the current chunk not seen yet */
    size_t ck_line;             /* bytes of the chunk-size or trailer line so far */
    size_t reserved;         /* bytes of app->buffered this connection holds */
    struct http_conn *hnext;
};

static inline void
conn_arm(struct event *ev, int seconds)
{
    struct timeval tv = {seconds, 0};

    event_add(ev, &tv);
}

static inline void
conn_set_timeout(struct http_conn *c, int seconds)
{
    struct timeval tv = {seconds, 0};

    if (c->evcon != NULL)
        evhttp_connection_set_timeout_tv(c->evcon, &tv);
}

/* The input watcher (evbuffer callback), installed at accept: wire.c. */
void wire_on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg);

/* Returns the bytes c holds of the global body budget (MOTCUA_MAX_BUFFERED). */
void wire_budget_return(struct http_conn *c);

/*
 * Answers a request evhttp has not been handed yet with the JSON error `code` and closes the
 * connection a second later (PH_REJECTED: input discarded meanwhile).
 */
void wire_refuse(struct http_conn *c, struct evbuffer *buf, enum err_code code, const char *reason,
                 const char *detail, const char *logmsg);

#endif
