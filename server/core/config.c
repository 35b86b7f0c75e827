/*
 * config.c - the settings table of config.h: defaults, then the file named by
 * MOTCUA_CONFIG (`KEY = value` lines, `#` comments; KEY is the environment name,
 * e.g. MOTCUA_LISTEN, or its lower-case short form, e.g. listen), then the
 * environment. Later wins. Every value is validated against its row.
 */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/log.h"

enum cfg_type { CT_STR, CT_INT, CT_SIZE, CT_BOOL, CT_LOGLEVEL };

struct cfg_row {
    const char *env; /* MOTCUA_LISTEN */
    const char *key; /* listen (file form) */
    enum cfg_type type;
    size_t off;         /* offsetof(struct config, ...) */
    size_t size;        /* buffer size for CT_STR */
    const char *def;    /* default as text ("" = empty) */
    long long min, max; /* bounds for CT_INT / CT_SIZE */
    const char *help;
};

#define S(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

static const struct cfg_row ROWS[] = {
    {"MOTCUA_LISTEN", "listen", CT_STR, S(listen), "127.0.0.1:8080", 0, 0,
     "address to listen on, host:port ([v6]:port); port 0 picks a free port"},
    {"DATABASE_URL", "database_url", CT_STR, S(database_url), "postgresql:///motcua", 0, 0,
     "PostgreSQL connection string or URI (libpq)"},
    {"MOTCUA_THREADS", "threads", CT_INT, S(threads), "0", 0, 256,
     "worker threads (event loops); 0 = number of CPU cores"},
    {"MOTCUA_TLS_CERT", "tls_cert", CT_STR, S(tls_cert), "", 0, 0,
     "PEM certificate chain; HTTPS when set together with MOTCUA_TLS_KEY"},
    {"MOTCUA_TLS_KEY", "tls_key", CT_STR, S(tls_key), "", 0, 0, "PEM private key"},
    {"MOTCUA_LOG_LEVEL", "log_level", CT_LOGLEVEL, S(log_level), "info", 0, 0,
     "debug | info | warn | error"},
    {"MOTCUA_MAX_BODY", "max_body", CT_SIZE, S(max_body), "1048576", 1024, 256LL << 20,
     "largest request body in bytes (413 above)"},
    {"MOTCUA_MAX_BUFFERED", "max_buffered", CT_SIZE, S(max_buffered), "67108864", 1024, 1LL << 36,
     "request body bytes all connections together may hold before a handler has answered "
     "(503 SERVER_BUSY above; never below MOTCUA_MAX_BODY)"},
    {"MOTCUA_MAX_HEADERS", "max_headers", CT_SIZE, S(max_headers), "16384", 1024, 1 << 20,
     "largest request line + headers in bytes"},
    {"MOTCUA_HEADER_TIMEOUT", "header_timeout", CT_INT, S(header_timeout), "10", 1, 3600,
     "seconds a client has to send the request line and headers (slow-client cut-off)"},
    {"MOTCUA_READ_TIMEOUT", "read_timeout", CT_INT, S(read_timeout), "30", 1, 3600,
     "seconds of silence allowed while a request body is being received"},
    {"MOTCUA_WRITE_TIMEOUT", "write_timeout", CT_INT, S(write_timeout), "30", 1, 3600,
     "seconds of stalled writing allowed while a reply is being sent"},
    {"MOTCUA_IDLE_TIMEOUT", "idle_timeout", CT_INT, S(idle_timeout), "60", 1, 3600,
     "seconds an idle keep-alive connection is kept open"},
    {"MOTCUA_MAX_CONNECTIONS", "max_connections", CT_INT, S(max_conns), "8192", 1, 1000000,
     "open connections per worker; more are closed at once"},
    {"MOTCUA_DB_POOL", "db_pool", CT_INT, S(db_pool), "2", 1, 64,
     "PostgreSQL connections per worker"},
    {"MOTCUA_AUTH_CACHE", "auth_cache", CT_INT, S(auth_cache), "4096", 0, 1000000,
     "verified tokens the process keeps in memory (0: every request looks its token up)"},
    {"MOTCUA_AUTH_CACHE_TTL", "auth_cache_ttl", CT_INT, S(auth_cache_ttl), "15", 1, 300,
     "seconds a cached token is kept before it is looked up again"},
    {"MOTCUA_DB_PIPELINE", "db_pipeline", CT_INT, S(db_pipeline_depth), "32", 1, 1024,
     "units of work in flight per PostgreSQL connection (pipeline depth)"},
    {"MOTCUA_SHUTDOWN_GRACE", "shutdown_grace", CT_INT, S(shutdown_grace), "10", 0, 600,
     "seconds in-flight requests get to finish after SIGTERM/SIGINT"},
    {"MOTCUA_PUBLIC_URL", "public_url", CT_STR, S(public_url), "http://127.0.0.1:8080", 0, 0,
     "public base URL (printed in QR codes and links)"},
    {"MOTCUA_PROVINCE", "province", CT_STR, S(province_code), "H56", 0, 0,
     "province code of this installation (e.g. H56)"},
    {"MOTCUA_COUNT_MAKEUP_SATURDAYS", "count_makeup_saturdays", CT_BOOL, S(count_makeup_saturdays),
     "1", 0, 1, "1: worked make-up Saturdays count as working days (domain.md §4.1)"},
    {"MOTCUA_SINGLE_SUPPLEMENT", "single_supplement", CT_BOOL, S(single_supplement), "1", 0, 1,
     "1: only one supplement request per dossier (domain.md §6.1)"},
    {"MOTCUA_TOKEN_TTL", "token_ttl", CT_INT, S(token_ttl), "28800", 60, 2592000,
     "session token lifetime in seconds"},
    {"MOTCUA_ALERT_WARN_HOURS", "alert_warn_hours", CT_INT, S(alert_warn_hours), "8", 0, 1000,
     "working hours before the appointment when a 'due soon' alert starts"},
    {"MOTCUA_APOLOGY_WARN_WORKING_DAYS", "apology_warn_working_days", CT_INT,
     S(apology_warn_days), "1", 0, 30,
     "working days of notice below which an apology on time by law (ND 61 Art. 19(5): the day "
     "before the due date) is flagged short_notice; 0: never"},
    {"MOTCUA_ALERT_SUPPLEMENT_DAYS", "alert_supplement_days", CT_INT, S(alert_supplement_days),
     "10", 0, 365, "working days a supplement may wait before an alert"},
    {"MOTCUA_ALERT_HEARTBEAT", "alert_heartbeat", CT_INT, S(alert_heartbeat), "15", 1, 300,
     "seconds between heartbeat comments on an alert stream (proxies close idle streams)"},
    {"MOTCUA_DVCQG21_THRESHOLD", "dvcqg21_threshold", CT_INT, S(dvcqg21_threshold), "100", 1,
     100,
     "DVCQG indicator 2.1: on-time rate (%) that earns full points (domain.md §8.1)"},
    {"MOTCUA_DVCQG21_POINTS", "dvcqg21_points", CT_INT, S(dvcqg21_points), "20", 0, 100,
     "DVCQG indicator 2.1: points at or above the threshold (domain-sources.md §6)"},
    {"MOTCUA_WEBHOOK_MAX_ATTEMPTS", "webhook_max_attempts", CT_INT, S(webhook_max_attempts), "12",
     1, 100, "delivery attempts of one webhook before it is parked"},
    {"MOTCUA_SIGNATURE_WINDOW", "signature_window", CT_INT, S(signature_window), "300", 10, 3600,
     "seconds a signed integration request's timestamp may differ from now"},
    {"MOTCUA_WEBHOOK_BACKOFF_MS", "webhook_backoff_ms", CT_INT, S(webhook_backoff_ms), "5000", 10,
     3600000, "first webhook retry delay in ms; doubles per attempt (capped at 1 h), jittered"},
    {"MOTCUA_WEBHOOK_TIMEOUT", "webhook_timeout", CT_INT, S(webhook_timeout), "10", 1, 120,
     "seconds one webhook delivery attempt may take"},
    {"MOTCUA_AUTO_MIGRATE", "auto_migrate", CT_BOOL, S(auto_migrate), "0", 0, 1,
     "1: apply pending migrations at start-up instead of refusing to start"},
    {"MOTCUA_BODY_TIMEOUT", "body_timeout", CT_INT, S(body_timeout), "60", 1, 3600,
     "seconds a client has to send a whole request body after its head (slow-body cut-off)"},
    {"MOTCUA_EVALUATION_WINDOW_DAYS", "evaluation_window_days", CT_INT, S(eval_window_days),
     "30", -1, 3650,
     "days after a dossier's end (its local date) during which it may be evaluated; -1: no "
     "limit (domain.md §12.1, a setting: no text fixes it)"},
    {"MOTCUA_EVALUATION_AMEND_HOURS", "evaluation_amend_hours", CT_INT, S(eval_amend_hours), "0",
     0, 720, "hours after the first evaluation in which a new version may replace it; 0: one "
     "evaluation per dossier"},
    {"MOTCUA_EVALUATION_REASON_REQUIRED", "evaluation_reason_required", CT_BOOL,
     S(eval_reason_required), "1", 0, 1, "1: a reason is required for Không hài lòng"},
    {"MOTCUA_LOW_SATISFACTION_SHARE", "low_satisfaction_share", CT_INT, S(low_sat_share), "10", 0,
     100, "share (%) of Không hài lòng above which an official is flagged (ND 118 Art. 11(8))"},
    /* The PAKN deadlines (shared/domain.md §12.2): the portal's 2 / 5 / 5 / 15 / 2 by default;
       provinces set their own (Ninh Bình QĐ 163/2025 Art. 19: answer in 10; Bắc Ninh QĐ
       80/2025 Art. 9: 5, or 7 with several agencies). */
    {"MOTCUA_PAKN_REJECT_DAYS", "pakn_reject_days", CT_INT, S(pakn_days[0]), "2", 1, 60,
     "working days from a PAKN's arrival to refuse it (phản ánh, kiến nghị)"},
    {"MOTCUA_PAKN_TRANSFER_DAYS", "pakn_transfer_days", CT_INT, S(pakn_days[1]), "5", 1, 60,
     "working days in which a receiver without competence transfers a PAKN (ND 20/2008 Art. 9)"},
    {"MOTCUA_PAKN_SUPPLEMENT_DAYS", "pakn_supplement_days", CT_INT, S(pakn_days[2]), "5", 1, 60,
     "working days for the first request for more information on a PAKN"},
    {"MOTCUA_PAKN_ANSWER_DAYS", "pakn_answer_days", CT_INT, S(pakn_days[3]), "15", 1, 120,
     "working days from a PAKN's arrival to its answer (QĐ 766 5.2's due)"},
    {"MOTCUA_PAKN_PUBLISH_DAYS", "pakn_publish_days", CT_INT, S(pakn_days[4]), "2", 1, 60,
     "working days from a PAKN's answer to its publication"},
    {"MOTCUA_WEB_DIR", "web_dir", CT_STR, S(web_dir), "", 0, 0,
     "development: serve the web client from this folder (server/web) instead of the copy "
     "built into the binary, re-read on every request"},
    {"MOTCUA_DB_DEADLINE", "db_deadline", CT_INT, S(db_deadline), "35", 0, 3600,
     "seconds a PostgreSQL connection may leave its queries unanswered (a frozen server) before "
     "its requests get 503 and it reconnects; above statement_timeout (30 s); 0: wait"},
    {"MOTCUA_LOOKUP_PER_MINUTE", "lookup_per_minute", CT_INT, S(lookup_per_min), "30", 1, 10000,
     "public requests per client address and minute, for the whole process (a token bucket): "
     "lookups, the citizen's evaluation and PAKN share one budget, reactions have their own"},
    {"MOTCUA_METRICS_TOKEN", "metrics_token", CT_STR, S(metrics_token), "", 0, 0,
     "Bearer token a scraper must send for /metrics; empty: /metrics answers only direct "
     "loopback clients (no X-Forwarded-For)"},
    {"MOTCUA_TRUSTED_PROXIES", "trusted_proxies", CT_STR, S(trusted_proxies), "", 0, 0,
     "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is believed"},
    /* Read by every build so that a production build can refuse it (core/clock.h). */
    {"MOTCUA_TEST_NOW", "test_now", CT_STR, S(test_now), "", 0, 0,
     "tests only (a TEST_CLOCK=1 build): the clock starts at this RFC 3339 instant with offset "
     "and ticks from there; other builds refuse to start when it is set"},
};

#define NROWS (sizeof(ROWS) / sizeof(ROWS[0]))

static const char *const TYPE_NAMES[] = {"string", "integer", "bytes", "0|1", "level"};

static int
set_value(struct config *c, const struct cfg_row *r, const char *v, const char *origin,
          struct mc_err *e)
{
    char *p = (char *)c + r->off;
    long long x;
    char *end;

    switch (r->type) {
    case CT_STR:
        if (strlen(v) >= r->size)
            return err_field(e, ERR_VALIDATION, r->env, "%s: %s is longer than %zu bytes", origin,
                             r->env, r->size - 1);
        memcpy(p, v, strlen(v) + 1);
        return 0;
    case CT_LOGLEVEL:
        x = log_level_parse(v);
        if (x < 0)
            return err_field(e, ERR_VALIDATION, r->env, "%s: %s must be debug, info, warn or error",
                             origin, r->env);
        *(int *)(void *)p = (int)x;
        return 0;
    case CT_INT:
    case CT_SIZE:
    case CT_BOOL:
        errno = 0;
        x = strtoll(v, &end, 10);
        if (v[0] == '\0' || *end != '\0' || errno != 0 || x < r->min || x > r->max)
            return err_field(e, ERR_VALIDATION, r->env, "%s: %s must be an integer in [%lld, %lld]",
                             origin, r->env, r->min, r->max);
        if (r->type == CT_SIZE)
            *(size_t *)(void *)p = (size_t)x;
        else
            *(int *)(void *)p = (int)x;
        return 0;
    }
    return err_field(e, ERR_INTERNAL, r->env, "bad row");
}

static const struct cfg_row *
find_row(const char *key)
{
    for (size_t i = 0; i < NROWS; i++)
        if (strcasecmp(key, ROWS[i].env) == 0 || strcasecmp(key, ROWS[i].key) == 0)
            return &ROWS[i];
    return NULL;
}

static char *
trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int
load_file(struct config *c, const char *path, struct mc_err *e)
{
    FILE *f = fopen(path, "r");
    char line[2048], origin[600];
    int lineno = 0;

    if (f == NULL)
        return err_field(e, ERR_VALIDATION, "MOTCUA_CONFIG", "MOTCUA_CONFIG: cannot open %s", path);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *k, *v, *eq;
        const struct cfg_row *r;

        lineno++;
        k = trim(line);
        if (*k == '#' || *k == '\0')
            continue;
        eq = strchr(k, '=');
        snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
        if (eq == NULL) {
            fclose(f);
            return err_field(e, ERR_VALIDATION, "MOTCUA_CONFIG", "%s: expected KEY = value",
                             origin);
        }
        *eq = '\0';
        k = trim(k);
        v = trim(eq + 1);
        /* Allow "quoted values" as in shell-style env files. */
        if (strlen(v) >= 2 && v[0] == '"' && v[strlen(v) - 1] == '"') {
            v[strlen(v) - 1] = '\0';
            v++;
        }
        r = find_row(k);
        if (r == NULL) {
            fclose(f);
            return err_field(e, ERR_VALIDATION, "MOTCUA_CONFIG", "%s: unknown setting %s", origin,
                             k);
        }
        if (set_value(c, r, v, origin, e) != 0) {
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

static int
check_listen(const char *s, struct mc_err *e)
{
    const char *colon = strrchr(s, ':');
    char *end;
    long port;

    if (colon == NULL || colon == s)
        return err_field(e, ERR_VALIDATION, "MOTCUA_LISTEN",
                         "MOTCUA_LISTEN must be host:port, e.g. 127.0.0.1:8080");
    port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
        return err_field(e, ERR_VALIDATION, "MOTCUA_LISTEN", "MOTCUA_LISTEN: port must be 0-65535");
    return 0;
}

/* One address or CIDR ("10.0.0.0/8", "::1", "2001:db8::/32") into n; -1 when malformed. */
static int
parse_net(const char *s, struct cfg_net *n)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);
    int max;

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(n, 0, sizeof(*n));
    if (inet_pton(AF_INET, buf, n->addr) == 1) {
        n->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
        n->family = AF_INET6;
        max = 128;
    } else {
        return -1;
    }
    n->prefix = max;
    if (slash != NULL) {
        char *end;
        long p = strtol(slash + 1, &end, 10);

        if (slash[1] == '\0' || *end != '\0' || p < 0 || p > max)
            return -1;
        n->prefix = (int)p;
    }
    return 0;
}

static int
parse_proxies(struct config *c, struct mc_err *e)
{
    char list[sizeof(c->trusted_proxies)];
    char *save = NULL;

    c->nproxies = 0;
    snprintf(list, sizeof(list), "%s", c->trusted_proxies);
    for (char *tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (*tok == '\0')
            continue;
        if (c->nproxies >= (int)(sizeof(c->proxies) / sizeof(c->proxies[0])))
            return err_field(e, ERR_VALIDATION, "MOTCUA_TRUSTED_PROXIES",
                             "MOTCUA_TRUSTED_PROXIES: at most %zu entries",
                             sizeof(c->proxies) / sizeof(c->proxies[0]));
        if (parse_net(tok, &c->proxies[c->nproxies]) != 0)
            return err_field(e, ERR_VALIDATION, "MOTCUA_TRUSTED_PROXIES",
                             "MOTCUA_TRUSTED_PROXIES: %s is not an IP address or CIDR", tok);
        c->nproxies++;
    }
    return 0;
}

/* 1 when the textual address ip is inside one of the trusted proxy networks. */
static int
proxy_trusted(const struct config *c, const char *ip)
{
    unsigned char a[16];
    int fam;

    if (c->nproxies == 0)
        return 0;
    if (inet_pton(AF_INET, ip, a) == 1)
        fam = AF_INET;
    else if (inet_pton(AF_INET6, ip, a) == 1)
        fam = AF_INET6;
    else
        return 0;
    for (int i = 0; i < c->nproxies; i++) {
        const struct cfg_net *n = &c->proxies[i];
        int bits = n->prefix, k = 0;

        if (n->family != fam)
            continue;
        for (; bits >= 8; bits -= 8, k++)
            if (a[k] != n->addr[k])
                break;
        if (bits >= 8)
            continue;
        if (bits == 0 || ((a[k] ^ n->addr[k]) & (0xff << (8 - bits)) & 0xff) == 0)
            return 1;
    }
    return 0;
}

void
cfg_client_addr(const struct config *c, const char *peer, const char *xff, char *out,
                size_t outsz)
{
    char buf[4096];
    char *hops[64];
    char *save = NULL, *start = buf;
    size_t len;
    int n = 0;

    snprintf(out, outsz, "%s", peer != NULL ? peer : "");
    if (xff == NULL || peer == NULL || !proxy_trusted(c, peer))
        return;
    /* Only the right end matters: a longer list keeps its last bytes, from a whole hop on. */
    len = strlen(xff);
    snprintf(buf, sizeof(buf), "%s", len >= sizeof(buf) ? xff + len - (sizeof(buf) - 1) : xff);
    if (len >= sizeof(buf)) {
        start = strchr(buf, ',');
        if (start == NULL)
            return;
        start++;
    }
    /* The last 64 hops; empty list elements (", ,") are not hops (RFC 9110 §5.6.1). */
    for (char *t = strtok_r(start, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (*(t = trim(t)) == '\0')
            continue;
        if (n == 64) {
            memmove(hops, hops + 1, sizeof(hops) - sizeof(hops[0]));
            n--;
        }
        hops[n++] = t;
    }
    /* Right to left: each proxy appended the address it saw; stop at the first we do not
     * trust. Anything malformed ends the walk at the last address we could believe. */
    while (n-- > 0) {
        unsigned char tmp[16];

        if (inet_pton(AF_INET, hops[n], tmp) != 1 && inet_pton(AF_INET6, hops[n], tmp) != 1)
            return;
        snprintf(out, outsz, "%s", hops[n]);
        if (!proxy_trusted(c, hops[n]))
            return;
    }
}

int
cfg_load(struct config *c, struct mc_err *e)
{
    struct config tmp;
    const char *file;

    memset(&tmp, 0, sizeof(tmp));
    for (size_t i = 0; i < NROWS; i++)
        if (set_value(&tmp, &ROWS[i], ROWS[i].def, "default", e) != 0)
            return -1;
    file = getenv("MOTCUA_CONFIG");
    if (file != NULL && file[0] != '\0' && load_file(&tmp, file, e) != 0)
        return -1;
    for (size_t i = 0; i < NROWS; i++) {
        const char *v = getenv(ROWS[i].env);

        if (v != NULL && set_value(&tmp, &ROWS[i], v, "environment", e) != 0)
            return -1;
    }
    if (check_listen(tmp.listen, e) != 0)
        return -1;
    if ((tmp.tls_cert[0] == '\0') != (tmp.tls_key[0] == '\0'))
        return err_field(e, ERR_VALIDATION,
                         tmp.tls_cert[0] == '\0' ? "MOTCUA_TLS_CERT" : "MOTCUA_TLS_KEY",
                         "%s must be set together with %s",
                         tmp.tls_cert[0] == '\0' ? "MOTCUA_TLS_CERT" : "MOTCUA_TLS_KEY",
                         tmp.tls_cert[0] == '\0' ? "MOTCUA_TLS_KEY" : "MOTCUA_TLS_CERT");
    if (parse_proxies(&tmp, e) != 0 || clock_pin(tmp.test_now, e) != 0)
        return -1;
    if (tmp.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        tmp.threads = n > 0 ? (int)(n > 256 ? 256 : n) : 1;
    }
    *c = tmp;
    return 0;
}

void
cfg_print_help(void *file)
{
    FILE *f = file;

    fprintf(f, "Cấu hình (biến môi trường, hoặc tệp KEY = value chỉ định bởi MOTCUA_CONFIG):\n"
               "Settings (environment, or a KEY = value file named by MOTCUA_CONFIG):\n\n");
    fprintf(f, "  %-30s %s\n", "MOTCUA_CONFIG",
            "path of a settings file (read before the environment)");
    for (size_t i = 0; i < NROWS; i++) {
        const struct cfg_row *r = &ROWS[i];

        if (r->off == offsetof(struct config, test_now) && !clock_test_build())
            continue;
        fprintf(f, "  %-30s %s\n  %-30s (%s, default \"%s\"", r->env, r->help, "",
                TYPE_NAMES[r->type], r->def);
        if (r->type == CT_INT || r->type == CT_SIZE)
            fprintf(f, ", %lld..%lld", r->min, r->max);
        fprintf(f, ")\n");
    }
}
