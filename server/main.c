/*
 * main.c - the motcua command: serve (default), migrate, calendar, account, routes.
 * Serving: configuration, schema check, working calendar, TLS, workers, then wait
 * for SIGTERM/SIGINT and drain (http/server.h).
 */
#include <stdio.h>
#include <string.h>

#include <event2/http.h>

#include "api/api.h"
#include "api/calendar/calendar.h"
#include "app.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"
#include "http/server.h"

static void
usage(FILE *f)
{
    fprintf(f, "motcua %s - hệ thống một cửa (one-stop-shop dossier tracking)\n\n"
               "Cách dùng / usage:\n"
               "  motcua [serve]            chạy máy chủ HTTP (serve the API)\n"
               "  motcua migrate [--check]  áp dụng / kiểm tra lược đồ CSDL (schema migrations)\n"
               "  motcua calendar ...       lịch làm việc (working calendar tools)\n"
               "  motcua account ...        tài khoản và khóa API (accounts, API keys)\n"
               "  motcua routes             liệt kê các tuyến API (list the routes)\n"
               "  motcua --version | --help\n\n",
            MOTCUA_VERSION);
    cfg_print_help(f);
}

/* Prints "motcua: <detail>" for a start-up failure and returns the exit status. */
static int
fail(const struct mc_err *e, int status)
{
    fprintf(stderr, "motcua: %s\n", e->detail[0] != '\0' ? e->detail : err_msg_vi(e->code));
    return status;
}

/* Blocking, before any loop: refuse to serve a schema that is not exactly at head.
   ERR_DB_UNAVAILABLE when the database cannot be reached (then http_wait_until retries). */
static int
check_schema(void *arg, struct mc_err *e)
{
    const struct config *cfg = arg;
    PGconn *c = db_connect_blocking(cfg->database_url, e);
    int rc;

    if (c == NULL)
        return -1;
    rc = cfg->auto_migrate ? migrate_apply(c, e) : 0;
    if (rc == 0)
        rc = migrate_check(c, e);
    PQfinish(c);
    return rc;
}

static int
serve(void)
{
    static struct config cfg;
    static struct app app;
    struct http_waiting *waiting = NULL;
    struct mc_err e;
    int port = 0;
    char url[300];

    err_clear(&e);
    if (cfg_load(&cfg, &e) != 0)
        return fail(&e, 2);
    log_set_level((enum log_level)cfg.log_level);
    app.cfg = &cfg;
    app.started_at = clock_now();
    if (api_routes_build(&app, &e) != 0)
        return fail(&e, 1);
    if (http_tls_init(&app, &e) != 0)
        return fail(&e, e.code == ERR_VALIDATION ? 2 : 1);
    /* an unreachable database is waited for (503 meanwhile); a wrong schema is fatal */
    if (http_wait_until(&app, check_schema, &cfg, &waiting, &e) != 0) {
        fprintf(stderr, "motcua: lược đồ CSDL chưa sẵn sàng (database schema not ready); "
                        "chạy `motcua migrate` hoặc đặt MOTCUA_AUTO_MIGRATE=1\n");
        http_server_free(&app);
        api_routes_free(&app);
        return fail(&e, 1);
    }
    if (calendar_boot(&app, &e) != 0 || api_install(&app, &e) != 0) {
        http_waiting_free(waiting);
        http_server_free(&app);
        return fail(&e, e.code == ERR_VALIDATION ? 2 : 1);
    }
    if (http_server_start(&app, &port, &e) != 0) {
        http_waiting_free(waiting);
        http_server_free(&app);
        return fail(&e, 1);
    }
    http_waiting_free(waiting); /* the workers listen now (SO_REUSEPORT beside it) */
    snprintf(url, sizeof(url), "%s://%.*s:%d", app.ssl != NULL ? "https" : "http",
             (int)(strrchr(cfg.listen, ':') - cfg.listen), cfg.listen, port);
    printf("motcua đang lắng nghe tại %s\n", url);
    fflush(stdout);
    log_kv(LOG_INFO, "listening", "url", url, "version", MOTCUA_VERSION, NULL);
    http_server_wait(&app);
    for (int i = 0; i < app.nworkers; i++)
        api_worker_free(&app.workers[i]);
    http_server_free(&app);
    calendar_free_all(&app);
    api_routes_free(&app);
    log_kv(LOG_INFO, "stopped", NULL);
    return 0;
}

int
main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "serve";

    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("motcua %s\n", MOTCUA_VERSION);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0)
        return serve();
    if (strcmp(cmd, "migrate") == 0)
        return cli_migrate(argc - 1, argv + 1);
    if (strcmp(cmd, "calendar") == 0)
        return cli_calendar(argc - 1, argv + 1);
    if (strcmp(cmd, "account") == 0)
        return cli_account(argc - 1, argv + 1);
    if (strcmp(cmd, "routes") == 0)
        return cli_routes();
    fprintf(stderr, "motcua: lệnh không rõ '%s' (unknown command); xem motcua --help\n", cmd);
    return 2;
}
