/*
 * web.c - serves the web client: GET / (index.html, the staff application), GET /tra-cuu
 * (tra-cuu.html, the citizen's lookup page the receipt's QR opens) and
 * GET /assets/{build}/{file}.
 *
 * Pages are revalidated on every load (Cache-Control: no-cache + ETag, 304 on a match);
 * assets under the current build id never change and are cached for a year as immutable;
 * an asset asked under another build id (a page from before an upgrade) is served as it is
 * now, without the immutable promise. gzip'd bodies are built in (tools/webembed.c) and
 * sent to clients that accept them (Vary: Accept-Encoding). Every page carries a
 * Content-Security-Policy that allows scripts and styles from this origin only: no inline
 * script, no eval, no framing by other sites.
 *
 * MOTCUA_WEB_DIR (development) serves the files from that folder instead, re-read on each
 * request, uncompressed and never cached, so the client can be edited without a rebuild.
 */
#include "api/system/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api/common/common.h"
#include "app.h"
#include "core/arena.h"
#include "core/config.h"
#include "http/reqctx.h"

#define CSP                                                                                    \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "    \
    "connect-src 'self'; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; "        \
    "form-action 'self'; frame-ancestors 'none'"

const struct web_file *
web_find(const char *name)
{
    for (const struct web_file *f = WEB_FILES; f->name != NULL; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* gzip in Accept-Encoding, not refused with q=0 (RFC 9110 §12.5.3). */
static int
accepts_gzip(const struct reqctx *rc)
{
    const char *ae = rc_header(rc, "Accept-Encoding"), *g;

    if (ae == NULL || (g = strstr(ae, "gzip")) == NULL)
        return 0;
    g += 4;
    while (*g == ' ')
        g++;
    if (*g == ';') {
        const char *q = strstr(g, "q=");

        if (q != NULL && strtod(q + 2, NULL) <= 0.0)
            return 0;
    }
    return 1;
}

/* Does If-None-Match name etag (or "*")? */
static int
etag_matches(const struct reqctx *rc, const char *etag)
{
    const char *inm = rc_header(rc, "If-None-Match");
    size_t n = strlen(etag);

    if (inm == NULL)
        return 0;
    if (strstr(inm, "*") != NULL)
        return 1;
    for (const char *p = inm; (p = strstr(p, etag)) != NULL; p += n)
        return 1;
    return 0;
}

static void
common_headers(struct reqctx *rc)
{
    rc_set_header(rc, "Content-Security-Policy", CSP);
    rc_set_header(rc, "X-Content-Type-Options", "nosniff");
    rc_set_header(rc, "Referrer-Policy", "no-referrer");
    rc_set_header(rc, "X-Frame-Options", "DENY");
}

static const char *
dev_type(const char *name)
{
    const char *dot = strrchr(name, '.');

    if (dot == NULL)
        return NULL;
    if (strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    if (strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    return NULL;
}

/* Development: the file from MOTCUA_WEB_DIR, "{{BUILD}}" replaced by "dev". */
static void
serve_dir(struct reqctx *rc, const char *name)
{
    const char *dir = rc->app->cfg->web_dir;
    char *path = arena_printf(rc->arena, "%s/%s", dir, name);
    FILE *f;
    char *buf, *out;
    long len;
    size_t o = 0;

    if (dev_type(name) == NULL || strchr(name, '/') != NULL || name[0] == '.') {
        http_reply_err(rc, ERR_NOT_FOUND, "no such file in MOTCUA_WEB_DIR");
        return;
    }
    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        if (f != NULL)
            fclose(f);
        http_reply_err(rc, ERR_NOT_FOUND, "no such file in MOTCUA_WEB_DIR");
        return;
    }
    buf = arena_alloc(rc->arena, (size_t)len + 1);
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        http_reply_err(rc, ERR_INTERNAL, "short read in MOTCUA_WEB_DIR");
        return;
    }
    fclose(f);
    buf[len] = '\0';
    out = arena_alloc(rc->arena, (size_t)len + 1);
    for (long i = 0; i < len;) {
        if (strncmp(buf + i, "{{BUILD}}", 9) == 0) {
            memcpy(out + o, "dev", 3);
            o += 3;
            i += 9;
        } else {
            out[o++] = buf[i++];
        }
    }
    common_headers(rc);
    rc_set_header(rc, "Cache-Control", "no-store");
    http_reply_data(rc, 200, dev_type(name), out, o, NULL);
}

static void
serve(struct reqctx *rc, const char *name, int immutable)
{
    const struct web_file *f;

    if (rc->app->cfg != NULL && rc->app->cfg->web_dir[0] != '\0') {
        serve_dir(rc, name);
        return;
    }
    f = web_find(name);
    if (f == NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "no such file of the web client");
        return;
    }
    common_headers(rc);
    rc_set_header(rc, "ETag", f->etag);
    if (f->gz_len > 0)
        rc_set_header(rc, "Vary", "Accept-Encoding");
    rc_set_header(rc, "Cache-Control",
                  immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (etag_matches(rc, f->etag)) {
        http_reply_data(rc, 304, f->type, "", 0, NULL);
        return;
    }
    if (f->gz_len > 0 && accepts_gzip(rc)) {
        rc_set_header(rc, "Content-Encoding", "gzip");
        http_reply_data(rc, 200, f->type, f->gz, f->gz_len, NULL);
        return;
    }
    http_reply_data(rc, 200, f->type, f->data, f->len, NULL);
}

static void
web_index(struct reqctx *rc)
{
    serve(rc, "index.html", 0);
}

static void
web_lookup(struct reqctx *rc)
{
    serve(rc, "tra-cuu.html", 0);
}

static void
web_asset(struct reqctx *rc)
{
    const char *build = rc_param(rc, "build"), *file = rc_param(rc, "file");

    if (strstr(file, ".html") != NULL) {
        http_reply_err(rc, ERR_NOT_FOUND, "pages are served at / and /tra-cuu");
        return;
    }
    serve(rc, file, strcmp(build, WEB_BUILD_ID) == 0);
}

const struct route API_WEB_ROUTES[] = {
    {EVHTTP_REQ_GET, "/", web_index, 0, RF_PUBLIC,
     "Web client: the counter, queues, supervisor and administrator (HTML)"},
    {EVHTTP_REQ_GET, "/tra-cuu", web_lookup, 0, RF_PUBLIC,
     "Web client: the citizen's lookup page opened by the receipt's QR (HTML)"},
    {EVHTTP_REQ_GET, "/assets/{build}/{file}", web_asset, 0, RF_PUBLIC,
     "Web client assets (JavaScript, CSS, images), immutable under the current build id"},
    {0, NULL, NULL, 0, 0, NULL},
};
