/*
 * util.c - result helpers (db_val, db_isnull, db_col) and the blocking connect
 * used at start-up and by command-line tools (db_connect_blocking). See db.h.
 * Nothing here may run on an event loop except the result helpers.
 */
#include "db/db.h"

#include <string.h>

#include "core/log.h"

const char *
db_val(const PGresult *res, int r, int c)
{
    if (res == NULL || r < 0 || c < 0 || r >= PQntuples(res) || c >= PQnfields(res))
        return "";
    if (PQgetisnull(res, r, c))
        return "";
    return PQgetvalue(res, r, c);
}

int
db_isnull(const PGresult *res, int r, int c)
{
    if (res == NULL || r < 0 || c < 0 || r >= PQntuples(res) || c >= PQnfields(res))
        return 1;
    return PQgetisnull(res, r, c);
}

int
db_col(const PGresult *res, const char *name)
{
    if (res == NULL || name == NULL)
        return -1;
    /* PQfnumber folds unquoted names to lower case, which is what we want for our
       snake_case columns. */
    return PQfnumber(res, name);
}

/* Server notices (e.g. "relation already exists, skipping" from IF NOT EXISTS) are
   expected during migrations: keep them out of the CLI output, in the debug log. */
static void
quiet_notice(void *arg, const char *message)
{
    char line[256];
    size_t n;

    (void)arg;
    if (!log_enabled(LOG_DEBUG))
        return;
    n = strlen(message);
    if (n >= sizeof(line))
        n = sizeof(line) - 1;
    memcpy(line, message, n);
    line[n] = '\0';
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    log_kv(LOG_DEBUG, "db notice", "message", line, NULL);
}

PGconn *
db_connect_blocking(const char *conninfo, struct mc_err *e)
{
    /* Our settings first, the caller's conninfo (expanded from "dbname") after them,
       so that an explicit application_name in DATABASE_URL wins. */
    const char *const keys[] = {"fallback_application_name", "connect_timeout", "dbname", NULL};
    const char *const vals[] = {"motcua", "10", conninfo, NULL};
    PGconn *c;

    c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL) {
        err_set(e, ERR_DB_UNAVAILABLE, "out of memory creating the connection");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        /* The first line of libpq's message (host and reason); no password is ever in it. */
        const char *m = PQerrorMessage(c);
        size_t n = strcspn(m, "\n");

        err_set(e, ERR_DB_UNAVAILABLE, "%.*s", (int)(n > 150 ? 150 : n), m);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet_notice, NULL);
    return c;
}
