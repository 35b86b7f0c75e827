/*
 * config.h - configuration: defaults, then the `key = value` file named by
 * MOTCUA_CONFIG, then the environment; later wins. Validated once at start;
 * an invalid value stops start-up with a message naming the variable.
 * Read-only after start (const struct config *).
 *
 * Every setting is one row of the table in config.c (name, type, default,
 * bounds, help), which also produces `motcua --help`.
 */
#ifndef MOTCUA_CORE_CONFIG_H
#define MOTCUA_CORE_CONFIG_H

#include <stddef.h>

#include "core/err.h"

struct config {
    char listen[128];          /* MOTCUA_LISTEN, host:port, default 127.0.0.1:8080 */
    char database_url[1024];   /* DATABASE_URL, libpq conninfo or URI */
    int threads;               /* MOTCUA_THREADS, default: number of cores */
    char tls_cert[512];        /* MOTCUA_TLS_CERT, PEM; TLS on when cert and key are set */
    char tls_key[512];         /* MOTCUA_TLS_KEY */
    int log_level;             /* MOTCUA_LOG_LEVEL: debug|info|warn|error */
    size_t max_body;           /* MOTCUA_MAX_BODY bytes, default 1 MiB */
    size_t max_buffered;       /* MOTCUA_MAX_BUFFERED bytes, all connections, default 64 MiB */
    size_t max_headers;        /* MOTCUA_MAX_HEADERS bytes, default 16 KiB */
    int header_timeout;        /* MOTCUA_HEADER_TIMEOUT s (slow clients), default 10 */
    int read_timeout;          /* MOTCUA_READ_TIMEOUT s, default 30 */
    int write_timeout;         /* MOTCUA_WRITE_TIMEOUT s, default 30 */
    int idle_timeout;          /* MOTCUA_IDLE_TIMEOUT s (keep-alive), default 60 */
    int max_conns;             /* MOTCUA_MAX_CONNECTIONS per worker, default 4096 */
    int db_pool;               /* MOTCUA_DB_POOL connections per worker, default 2 */
    int auth_cache;            /* MOTCUA_AUTH_CACHE verified tokens cached, default 4096 */
    int auth_cache_ttl;        /* MOTCUA_AUTH_CACHE_TTL seconds an entry is trusted, 15 */
    int db_pipeline_depth;     /* MOTCUA_DB_PIPELINE units in flight per connection, default 32 */
    int shutdown_grace;        /* MOTCUA_SHUTDOWN_GRACE s, default 10 */
    char public_url[256];      /* MOTCUA_PUBLIC_URL, base URL printed in QR codes */
    char province_code[16];    /* MOTCUA_PROVINCE, e.g. H56 */
    char web_dir[256];         /* MOTCUA_WEB_DIR: serve the web client from this folder (development) */
    int count_makeup_saturdays;/* MOTCUA_COUNT_MAKEUP_SATURDAYS 0|1, default 1 */
    int single_supplement;     /* MOTCUA_SINGLE_SUPPLEMENT 0|1, default 1 */
    int token_ttl;             /* MOTCUA_TOKEN_TTL s, default 28800 (8 h) */
    int alert_warn_hours;      /* MOTCUA_ALERT_WARN_HOURS working hours, default 8 */
    int apology_warn_days;     /* MOTCUA_APOLOGY_WARN_WORKING_DAYS, default 1 (0: off) */
    int alert_supplement_days; /* MOTCUA_ALERT_SUPPLEMENT_DAYS working days, default 10 */
    int alert_heartbeat;       /* MOTCUA_ALERT_HEARTBEAT s between SSE comments, default 15 */
    int dvcqg21_threshold;     /* MOTCUA_DVCQG21_THRESHOLD % for full points, default 100 */
    int dvcqg21_points;        /* MOTCUA_DVCQG21_POINTS of indicator 2.1, default 20 */
    int webhook_max_attempts;  /* MOTCUA_WEBHOOK_MAX_ATTEMPTS, default 12 */
    int signature_window;      /* MOTCUA_SIGNATURE_WINDOW s, default 300 */
    int webhook_backoff_ms;    /* MOTCUA_WEBHOOK_BACKOFF_MS first retry delay, default 5000 */
    int webhook_timeout;       /* MOTCUA_WEBHOOK_TIMEOUT s per delivery attempt, default 10 */
    int auto_migrate;          /* MOTCUA_AUTO_MIGRATE 0|1: apply pending migrations at start */
    int body_timeout;          /* MOTCUA_BODY_TIMEOUT s for a whole request body, default 60 */
    int eval_window_days;      /* MOTCUA_EVALUATION_WINDOW_DAYS after the end, default 30, -1 none */
    int eval_amend_hours;      /* MOTCUA_EVALUATION_AMEND_HOURS, default 0 (never amended) */
    int eval_reason_required;  /* MOTCUA_EVALUATION_REASON_REQUIRED 0|1, default 1 */
    int low_sat_share;         /* MOTCUA_LOW_SATISFACTION_SHARE %, default 10 */
    /* MOTCUA_PAKN_{REJECT,TRANSFER,SUPPLEMENT,ANSWER,PUBLISH}_DAYS: the PAKN deadlines in
       working days, in the order of enum pakn_deadline (domain/pakn.h), default 2 5 5 15 2 */
    int pakn_days[5];
    char trusted_proxies[1024];/* MOTCUA_TRUSTED_PROXIES: IPs/CIDRs, comma-separated */
    int db_deadline;           /* MOTCUA_DB_DEADLINE: seconds without an answer, 35 (0: none) */
    int lookup_per_min;        /* MOTCUA_LOOKUP_PER_MINUTE: the public budget per address, 30 */
    char metrics_token[256];   /* MOTCUA_METRICS_TOKEN: Bearer token of /metrics; empty: loopback */
    int nproxies;              /* parsed form of trusted_proxies */
    char test_now[64];         /* MOTCUA_TEST_NOW: test builds only (core/clock.h) */
    struct cfg_net {
        int family;            /* AF_INET or AF_INET6 */
        unsigned char addr[16];
        int prefix;            /* bits */
    } proxies[32];
};

/*
 * Fills defaults, reads MOTCUA_CONFIG's file and the environment, validates. A non-empty
 * MOTCUA_TEST_NOW pins the clock (clock_pin): honoured by a test build only, refused
 * (ERR_VALIDATION) by any other.
 */
int cfg_load(struct config *c, struct mc_err *e);

/*
 * The client address of a request: the peer, or, when the peer is one of
 * MOTCUA_TRUSTED_PROXIES, the rightmost address of X-Forwarded-For (xff: every field of the
 * request combined in order, may be NULL) that is not itself a trusted proxy; only the last
 * 4 KiB and the last 64 hops are read (docs/configuration.md). Writes at most outsz bytes.
 */
void cfg_client_addr(const struct config *c, const char *peer, const char *xff, char *out,
                     size_t outsz);

/* Prints every setting with its default and help to f (for --help); MOTCUA_TEST_NOW only
 * in a test build. */
void cfg_print_help(void *file);

#endif
