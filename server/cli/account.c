/*
 * account.c - `motcua account ...`: accounts and API keys from the command line,
 * for the first administrator (before anyone can log in) and for scripts.
 *
 *   motcua account add --login L --role R [--unit CODE] [--name "Họ tên"]
 *                      [--password P | --password-stdin] [--api-key [--label X]]
 *   motcua account api-key --login L [--label X]     new key for an integration account
 *   motcua account disable --login L                 disable and revoke its tokens
 *   motcua account list
 *
 * Blocking libpq on DATABASE_URL (no event loop here). An API key is printed once, alone
 * on its line; only its SHA-256 is stored. Every change is written to audit_log with
 * detail {"via":"cli"} in the same transaction; a disable notifies channel motcua_auth so
 * running servers drop the account's cached tokens (api/auth/auth.c). Exit status: 0, 1 failure,
 * 2 bad arguments.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/password.h"
#include "core/token.h"
#include "db/db.h"
#include "domain/role.h"
#include "http/jin.h"

/*
 * The instants written here are clock_now() (the last parameter, Unix seconds), the clock
 * api/auth/auth.c writes and checks the same columns with (core/clock.h), never now().
 */
enum { CA_LOGIN, CA_NAME, CA_ROLE, CA_KIND, CA_HASH /* NULL: none */, CA_UNIT, CA_NOW, CA__N };
static const char CLI_ACCOUNT_INSERT_SQL[] =
    "INSERT INTO account (login, display_name, role, unit_id, kind, password_hash,"
    " password_changed_at, created_at)"
    " SELECT $1, $2, $3, u.id, $4, $5::text,"
    "  CASE WHEN $5 IS NULL THEN NULL ELSE to_timestamp($7::bigint) END, to_timestamp($7::bigint)"
    " FROM (SELECT 1) one LEFT JOIN unit u ON u.code = $6"
    " WHERE $6 IS NULL OR u.id IS NOT NULL RETURNING id";

enum { CK_HASH, CK_LOGIN, CK_LABEL, CK_NOW, CK__N };
static const char CLI_KEY_SQL[] =
    "INSERT INTO auth_token (token_hash, account_id, kind, label, created_at)"
    " SELECT $1, a.id, 'api_key', $3, to_timestamp($4::bigint) FROM account a"
    " WHERE a.login = $2 AND a.kind = 'integration' AND a.active RETURNING id";

enum { CD_LOGIN, CD_NOW, CD__N };
static const char CLI_DISABLE_SQL[] =
    "WITH acc AS (UPDATE account SET active = false,"
    " disabled_at = coalesce(disabled_at, to_timestamp($2::bigint)) WHERE login = $1 RETURNING id),"
    " rev AS (UPDATE auth_token SET revoked_at = to_timestamp($2::bigint)"
    " WHERE account_id = (SELECT id FROM acc) AND revoked_at IS NULL RETURNING 1)"
    " SELECT (SELECT count(*) FROM rev) AS tokens_revoked,"
    " pg_notify('motcua_auth', acc.id::text) FROM acc";

enum { CAU_ACTION, CAU_TARGET, CAU_INFO, CAU__N };
static const char CLI_AUDIT_SQL[] =
    "INSERT INTO audit_log (login, action, target, outcome, detail)"
    " VALUES (NULL, $1, $2, 'ok', jsonb_build_object('via', 'cli', 'info', $3::text))";

static const char CLI_LIST_SQL[] =
    "SELECT a.login, a.role, coalesce(u.code, '-') AS unit_code, a.kind, a.active, "
    " to_char(a.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') AS created_at,"
    " (SELECT count(*) FROM auth_token t WHERE t.account_id = a.id AND t.kind = 'api_key'"
    "  AND t.revoked_at IS NULL) AS api_keys, a.display_name"
    " FROM account a LEFT JOIN unit u ON u.id = a.unit_id ORDER BY a.login";
/* Its columns, in the order printed. */
enum { LS_LOGIN, LS_ROLE, LS_UNIT, LS_KIND, LS_ACTIVE, LS_CREATED_AT, LS_API_KEYS, LS_NAME, LS__N };
static const char *const LS_NAMES[LS__N] = {
    [LS_LOGIN] = "login",      [LS_ROLE] = "role",       [LS_UNIT] = "unit_code",
    [LS_KIND] = "kind",        [LS_ACTIVE] = "active",   [LS_CREATED_AT] = "created_at",
    [LS_API_KEYS] = "api_keys", [LS_NAME] = "display_name",
};

/* clock_now() as an SQL parameter (Unix seconds) into buf. */
static const char *
now_param(char *buf, size_t n)
{
    snprintf(buf, n, "%lld", (long long)clock_now());
    return buf;
}

struct opts {
    const char *login, *role, *unit, *name, *password, *label;
    int password_stdin, api_key;
};

static void
usage(void)
{
    fputs("Cách dùng / usage:\n"
          "  motcua account add --login L --role clerk|official|leader|supervisor|integration|admin\n"
          "                     [--unit MÃ_ĐƠN_VỊ] [--name \"Họ tên\"]\n"
          "                     [--password P | --password-stdin] [--api-key [--label X]]\n"
          "  motcua account api-key --login L [--label X]\n"
          "  motcua account disable --login L\n"
          "  motcua account list\n"
          "Mật khẩu tối thiểu 10 ký tự; nên dùng --password-stdin (--password lộ trong ps).\n"
          "Password: at least 10 characters; prefer --password-stdin (--password shows in ps).\n"
          "DATABASE_URL: chuỗi kết nối PostgreSQL / PostgreSQL connection string.\n",
          stderr);
}

/* Parses --name value pairs; 0, or -1 on an unknown or incomplete option. */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 2; i < argc; i++) {
        const char **dst = NULL;

        if (strcmp(argv[i], "--password-stdin") == 0) {
            o->password_stdin = 1;
            continue;
        }
        if (strcmp(argv[i], "--api-key") == 0) {
            o->api_key = 1;
            continue;
        }
        if (strcmp(argv[i], "--login") == 0)
            dst = &o->login;
        else if (strcmp(argv[i], "--role") == 0)
            dst = &o->role;
        else if (strcmp(argv[i], "--unit") == 0)
            dst = &o->unit;
        else if (strcmp(argv[i], "--name") == 0)
            dst = &o->name;
        else if (strcmp(argv[i], "--password") == 0)
            dst = &o->password;
        else if (strcmp(argv[i], "--label") == 0)
            dst = &o->label;
        if (dst == NULL || i + 1 >= argc) {
            fprintf(stderr, "Tùy chọn không hợp lệ / bad option: %s\n", argv[i]);
            return -1;
        }
        *dst = argv[++i];
    }
    return 0;
}

static PGconn *
connect_db(void)
{
    const char *url = getenv("DATABASE_URL");
    struct mc_err e;
    PGconn *c;

    if (url == NULL || url[0] == '\0') {
        fputs("Thiếu DATABASE_URL / DATABASE_URL is not set\n", stderr);
        return NULL;
    }
    c = db_connect_blocking(url, &e);
    if (c == NULL)
        fprintf(stderr, "Không kết nối được cơ sở dữ liệu / cannot connect: %s\n", e.detail);
    return c;
}

/* Runs one statement; the result on success (caller clears), NULL after printing the error. */
static PGresult *
run(PGconn *c, const char *sql, int n, const char *const *v)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

        if (state != NULL && strcmp(state, "23505") == 0)
            fputs("Tài khoản đã tồn tại / the login exists already\n", stderr);
        else
            fprintf(stderr, "Lỗi cơ sở dữ liệu / database error: %s", PQerrorMessage(c));
    }
    PQclear(r);
    return NULL;
}

static int
exec_simple(PGconn *c, const char *sql)
{
    PGresult *r = run(c, sql, 0, NULL);

    if (r == NULL)
        return -1;
    PQclear(r);
    return 0;
}

/*
 * Opens the transaction of a change. The CLI writes its own audit rows (detail.via "cli"),
 * so it tells the generic row trigger of sql/041_admin_audit.sql to stay silent
 * (transaction-local setting motcua.audited, docs/security.md §5).
 */
static int
begin_audited(PGconn *c)
{
    if (exec_simple(c, "BEGIN") != 0)
        return -1;
    return exec_simple(c, "SELECT set_config('motcua.audited', 'on', true)");
}

/* Reads one line from stdin into buf without its line end; -1 when there is none. */
static int
read_password(char *buf, size_t len)
{
    size_t n;

    if (fgets(buf, (int)len, stdin) == NULL)
        return -1;
    n = strcspn(buf, "\r\n");
    if (buf[n] == '\0' && n == len - 1)
        return -1; /* longer than the buffer: refuse rather than truncate */
    buf[n] = '\0';
    return 0;
}

/* Issues a key inside the open transaction; prints it on success. */
static int
issue_key(PGconn *c, const char *login, const char *label)
{
    char key[TOKEN_LEN + 1], hash[TOKEN_HASH_HEX], now[24];
    const char *v[CK__N];
    struct mc_err e;
    PGresult *r;
    int ok;

    if (token_new(TOKEN_API_KEY, key, sizeof(key), &e) != 0) {
        fprintf(stderr, "%s\n", e.detail);
        return -1;
    }
    token_hash_hex(key, hash);
    v[CK_HASH] = hash;
    v[CK_LOGIN] = login;
    v[CK_LABEL] = label ? label : "";
    v[CK_NOW] = now_param(now, sizeof(now));
    r = run(c, CLI_KEY_SQL, CK__N, v);
    if (r == NULL) {
        OPENSSL_cleanse(key, sizeof(key));
        return -1;
    }
    ok = PQntuples(r) == 1;
    if (ok) {
        const char *av[CAU__N] = {[CAU_ACTION] = "apikey.create", [CAU_TARGET] = login,
                                  [CAU_INFO] = db_val(r, 0, db_col(r, "id"))};
        PGresult *a = run(c, CLI_AUDIT_SQL, CAU__N, av);

        if (a == NULL)
            ok = 0;
        PQclear(a);
    } else {
        fputs("Chỉ cấp khóa API cho tài khoản tích hợp đang hoạt động / API keys are for active "
              "integration accounts only\n",
              stderr);
    }
    if (ok && exec_simple(c, "COMMIT") == 0) {
        printf("Khóa API số %s (chỉ hiển thị một lần, hãy lưu lại ngay):\n%s\n",
               db_val(r, 0, db_col(r, "id")), key);
    } else {
        ok = 0;
    }
    PQclear(r);
    OPENSSL_cleanse(key, sizeof(key));
    return ok ? 0 : -1;
}

/* The role, unit and password rules of a new account; 0, or 2 after the message. */
static int
add_check(const struct opts *o, enum role role, const char *pw)
{
    if (o->unit == NULL && role != ROLE_ADMIN) {
        fputs("Thiếu --unit / --unit is required for this role\n", stderr);
        return 2;
    }
    if (role == ROLE_INTEGRATION && pw != NULL) {
        fputs("Tài khoản tích hợp dùng khóa API, không dùng mật khẩu / integration accounts use "
              "API keys\n",
              stderr);
        return 2;
    }
    if (role != ROLE_INTEGRATION && (pw == NULL || o->api_key)) {
        fputs(o->api_key ? "Khóa API chỉ dành cho tài khoản tích hợp / API keys are for "
                           "integration accounts\n"
                         : "Thiếu mật khẩu / a password is required\n",
              stderr);
        return 2;
    }
    return 0;
}

/* The PHC hash of pw (NFC, checked against the policy) into phc; -1 after the message. */
static int
hash_password(struct arena *a, const char *pw, char *phc, size_t size)
{
    /* The same NFC form the login route verifies against (http/jin.c normalises). */
    const char *nfc = jin_nfc(a, pw);
    struct mc_err e;

    if (nfc == NULL || password_check_policy(nfc, &e) != 0) {
        fprintf(stderr, "Mật khẩu không hợp lệ / password refused: %s\n",
                nfc == NULL ? "not valid UTF-8" : e.detail);
        return -1;
    }
    if (password_hash(nfc, NULL, phc, size, &e) != 0) {
        fprintf(stderr, "%s\n", e.detail);
        return -1;
    }
    return 0;
}

/* The account row and its audit row, in a transaction begun here; -1 after the message. */
static int
insert_account(PGconn *c, const struct opts *o, enum role role, const char *phc)
{
    char now[24];
    const char *v[CA__N] = {
        [CA_LOGIN] = o->login,
        [CA_NAME] = o->name ? o->name : "",
        [CA_ROLE] = role_name(role),
        [CA_KIND] = role == ROLE_INTEGRATION ? "integration" : "staff",
        [CA_HASH] = phc,
        [CA_UNIT] = o->unit,
        [CA_NOW] = now_param(now, sizeof(now)),
    };
    const char *av[CAU__N] = {[CAU_ACTION] = "account.create", [CAU_TARGET] = o->login,
                              [CAU_INFO] = role_name(role)};
    PGresult *r;

    if (begin_audited(c) != 0)
        return -1;
    r = run(c, CLI_ACCOUNT_INSERT_SQL, CA__N, v);
    if (r == NULL)
        return -1;
    if (PQntuples(r) != 1) {
        fprintf(stderr, "Không có đơn vị mã %s / no unit with code %s\n", o->unit, o->unit);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    r = run(c, CLI_AUDIT_SQL, CAU__N, av);
    if (r == NULL)
        return -1;
    PQclear(r);
    return 0;
}

static int
cmd_add(PGconn *c, const struct opts *o)
{
    enum role role = o->role ? role_parse(o->role) : 0;
    char pwbuf[PASSWORD_MAX_BYTES + 2], phc[PASSWORD_PHC_MAX];
    const char *pw = o->password;
    struct arena *a;
    int rc;

    if (o->login == NULL || role == 0) {
        usage();
        return 2;
    }
    if (o->unit == NULL && role != ROLE_ADMIN)
        return add_check(o, role, pw);
    if (o->password_stdin) {
        if (read_password(pwbuf, sizeof(pwbuf)) < 0) {
            fputs("Không đọc được mật khẩu / no password on stdin (or too long)\n", stderr);
            return 2;
        }
        pw = pwbuf;
    }
    rc = add_check(o, role, pw);
    if (rc != 0) {
        OPENSSL_cleanse(pwbuf, sizeof(pwbuf));
        return rc;
    }
    a = arena_new();
    rc = 1;
    if ((pw == NULL || hash_password(a, pw, phc, sizeof(phc)) == 0) &&
        insert_account(c, o, role, pw != NULL ? phc : NULL) == 0) {
        printf("Đã tạo tài khoản %s (%s%s%s).\n", o->login, role_label_vi(role),
               o->unit ? ", đơn vị " : "", o->unit ? o->unit : "");
        if (o->api_key ? issue_key(c, o->login, o->label) == 0 : exec_simple(c, "COMMIT") == 0)
            rc = 0;
    }
    if (rc != 0)
        PQclear(PQexec(c, "ROLLBACK"));
    OPENSSL_cleanse(pwbuf, sizeof(pwbuf));
    arena_free(a);
    return rc;
}

static int
cmd_api_key(PGconn *c, const struct opts *o)
{
    if (o->login == NULL) {
        usage();
        return 2;
    }
    if (begin_audited(c) != 0)
        return 1;
    if (issue_key(c, o->login, o->label) != 0) {
        PQclear(PQexec(c, "ROLLBACK"));
        return 1;
    }
    return 0;
}

static int
cmd_disable(PGconn *c, const struct opts *o)
{
    char now[24];
    const char *v[CD__N] = {[CD_LOGIN] = o->login, [CD_NOW] = now_param(now, sizeof(now))};
    PGresult *r;

    if (o->login == NULL) {
        usage();
        return 2;
    }
    if (begin_audited(c) != 0)
        return 1;
    r = run(c, CLI_DISABLE_SQL, CD__N, v);
    if (r == NULL || PQntuples(r) != 1) {
        if (r != NULL)
            fprintf(stderr, "Không có tài khoản %s / no such account\n", o->login);
        PQclear(r);
        PQclear(PQexec(c, "ROLLBACK"));
        return 1;
    }
    {
        const char *av[CAU__N] = {[CAU_ACTION] = "account.disable", [CAU_TARGET] = o->login,
                                  [CAU_INFO] = db_val(r, 0, db_col(r, "tokens_revoked"))};
        PGresult *a = run(c, CLI_AUDIT_SQL, CAU__N, av);

        if (a == NULL || exec_simple(c, "COMMIT") != 0) {
            PQclear(a);
            PQclear(r);
            PQclear(PQexec(c, "ROLLBACK"));
            return 1;
        }
        PQclear(a);
    }
    printf("Đã khóa tài khoản %s, thu hồi %s mã truy cập.\n", o->login,
           db_val(r, 0, db_col(r, "tokens_revoked")));
    PQclear(r);
    return 0;
}

static int
cmd_list(PGconn *c)
{
    PGresult *r = run(c, CLI_LIST_SQL, 0, NULL);

    if (r == NULL)
        return 1;
    printf("tên đăng nhập\tvai trò\tđơn vị\tloại\thoạt động\ttạo lúc\tkhóa API\thọ tên\n");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *col[LS__N];

        for (int k = 0; k < LS__N; k++)
            col[k] = db_val(r, i, db_col(r, LS_NAMES[k]));
        printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", col[LS_LOGIN], col[LS_ROLE], col[LS_UNIT],
               col[LS_KIND], col[LS_ACTIVE][0] == 't' ? "có" : "không", col[LS_CREATED_AT],
               col[LS_API_KEYS], col[LS_NAME]);
    }
    PQclear(r);
    return 0;
}

int
cli_account(int argc, char **argv)
{
    struct opts o;
    PGconn *c;
    int rc;

    if (argc < 2 || parse_opts(argc, argv, &o) != 0) {
        usage();
        return 2;
    }
    if (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "api-key") != 0 &&
        strcmp(argv[1], "disable") != 0 && strcmp(argv[1], "list") != 0) {
        usage();
        return 2;
    }
    c = connect_db();
    if (c == NULL)
        return 1;
    if (strcmp(argv[1], "add") == 0)
        rc = cmd_add(c, &o);
    else if (strcmp(argv[1], "api-key") == 0)
        rc = cmd_api_key(c, &o);
    else if (strcmp(argv[1], "disable") == 0)
        rc = cmd_disable(c, &o);
    else
        rc = cmd_list(c);
    PQfinish(c);
    return rc;
}
