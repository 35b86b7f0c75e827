"""The verified-token cache (issue 14, item 4; docs/architecture.md "Session check").

The process keeps verified tokens in memory, shared by its workers (MOTCUA_THREADS=2 here),
and serves a cached principal only once the request's first statement has confirmed it
against the revocation generation (sql/116_auth_revocation.sql). So every revocation takes
effect on the very next request, on every worker of every process on the database, also
when it was written without the API (psql: no NOTIFY at all) - each case below asks once,
right after the change, never polling. On the cache of before (15 s per worker, dropped by
NOTIFY) the psql cases were served from the cache for up to 15 s.
"""
import re

from harness import eq, ok, status

SERVER_ENV = {"MOTCUA_THREADS": "2"}

PW = "mật-khẩu-thử-nghiệm-1"
UNITS = [
    ("000.00.00.H56", "UBND tỉnh Khánh Hòa", "province", "committee", None),
    ("000.00.12.H56", "Sở Tư pháp", "province", "department", "000.00.00.H56"),
    ("000.00.13.H56", "Sở Xây dựng", "province", "department", "000.00.00.H56"),
]
MISSING = "/api/v1/dossiers/000.00.12.H56-250101-0001"  # a read through api_db: 404


def setup(t):
    for code, name, level, kind, parent in UNITS:
        t.psql("INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from) "
               "SELECT '%s', '%s', '%s', '%s', (SELECT id FROM unit WHERE code = %s), 'H56', "
               "'2025-07-01'" % (code, name, level, kind, "'%s'" % parent if parent else "NULL"))
    t.admin = t.account("admin1", "admin", "000.00.00.H56")


def warm(c, n=6):
    """Uses the token a few times (both workers' connections get it from the cache)."""
    for _ in range(n):
        status(c.get("/api/v1/auth/me"), 200)
        status(c.get(MISSING), 404, "DOSSIER_NOT_FOUND")


def clerk(t, login):
    return t.account(login, "clerk", "000.00.12.H56", password=PW)


def token_of(c):
    return c.token


def test_logout_on_another_server_refused_at_once(t):
    other = t.start_server()
    try:
        a = clerk(t, "clerk1")
        b = t.client(a.token, server=other)
        warm(a)
        warm(b)
        status(b.post("/api/v1/auth/logout"), 200)
        # the very next request to the first server, no waiting: both kinds of read
        status(a.get(MISSING), 401, "UNAUTHENTICATED")
        status(a.get("/api/v1/auth/me"), 401, "UNAUTHENTICATED")
        status(t.client(a.token).get("/api/v1/auth/me"), 401, "UNAUTHENTICATED")
    finally:
        eq(other.stop(), 0, "second server exit status")
        ok(other.sanitizer_report() is None, "second server sanitizer report")


def test_revocation_without_notify_refused_at_once(t):
    c = clerk(t, "clerk2")
    warm(c)
    t.psql("UPDATE auth_token SET revoked_at = now()"
           " WHERE account_id = (SELECT id FROM account WHERE login = 'clerk2')")
    status(c.get(MISSING), 401, "UNAUTHENTICATED")
    rows = t.sql("SELECT detail->>'reason' FROM audit_log WHERE action = 'authenticate'"
                 " AND login = 'clerk2' ORDER BY id")
    eq(rows[-1:], [["revoked"]], "audited as revoked")


def test_write_with_a_revoked_cached_token_writes_nothing(t):
    adm = t.account("admin2", "admin", "000.00.00.H56", password=PW)
    status(adm.get("/api/v1/accounts"), 200)
    status(adm.get("/api/v1/accounts"), 200)
    t.psql("UPDATE auth_token SET revoked_at = now()"
           " WHERE account_id = (SELECT id FROM account WHERE login = 'admin2')")
    r = adm.post("/api/v1/accounts", {"login": "ghost1", "display_name": "Ghost", "role": "clerk",
                                      "unit": "000.00.12.H56", "password": PW})
    status(r, 401, "UNAUTHENTICATED")
    eq(t.scalar("SELECT count(*) FROM account WHERE login = 'ghost1'"), "0", "no account")


def test_disabled_account_refused_at_once(t):
    c = clerk(t, "clerk3")
    warm(c)
    t.psql("UPDATE account SET active = false WHERE login = 'clerk3'")
    status(c.get("/api/v1/auth/me"), 401, "UNAUTHENTICATED")
    status(c.get(MISSING), 401, "UNAUTHENTICATED")


def test_password_change_that_ends_sessions_refused_at_once(t):
    c = clerk(t, "clerk4")
    warm(c)
    # a password reset that ends the account's sessions, as an operator would run it
    t.psql("BEGIN; UPDATE account SET password_hash = password_hash || '' , "
           " password_changed_at = now() WHERE login = 'clerk4';"
           " UPDATE auth_token SET revoked_at = now() WHERE account_id ="
           " (SELECT id FROM account WHERE login = 'clerk4'); COMMIT")
    status(c.get(MISSING), 401, "UNAUTHENTICATED")


def test_role_and_unit_change_seen_at_once(t):
    c = clerk(t, "clerk5")
    warm(c)
    eq(c.get("/api/v1/auth/me").json["account"]["role"], "clerk", "cached as clerk")
    t.psql("UPDATE account SET role = 'leader', unit_id = (SELECT id FROM unit"
           " WHERE code = '000.00.13.H56') WHERE login = 'clerk5'")
    # a read through api_db: its guard fails, the request is served again from the start
    status(c.get(MISSING), 404, "DOSSIER_NOT_FOUND")
    c2 = t.client(c.token)
    r = c2.get("/api/v1/auth/me")
    status(r, 200)
    eq((r.json["account"]["role"], r.json["account"]["unit_code"]), ("leader", "000.00.13.H56"),
       "served again under the new role and unit")
    # the new principal is cached and confirmed: later requests need no fresh lookup
    eq(c2.get("/api/v1/auth/me").json["account"]["role"], "leader", "still leader")


def test_expiry_moved_earlier_refused_at_once(t):
    c = clerk(t, "clerk6")
    warm(c)
    t.psql("UPDATE auth_token SET expires_at = now() - interval '1 second'"
           " WHERE account_id = (SELECT id FROM account WHERE login = 'clerk6')")
    status(c.get(MISSING), 401, "UNAUTHENTICATED")
    rows = t.sql("SELECT detail->>'reason' FROM audit_log WHERE action = 'authenticate'"
                 " AND login = 'clerk6' ORDER BY id")
    eq(rows[-1:], [["expired"]], "audited as expired")


def test_unrelated_revocation_keeps_others_served(t):
    c = clerk(t, "clerk7")
    d = clerk(t, "clerk8")
    warm(c)
    warm(d)
    status(d.post("/api/v1/auth/logout"), 200)
    warm(c, 2)  # confirmed at the new generation by comparing its rows


def metric(t, srv, name):
    r = t.client(server=srv).get("/metrics")
    status(r, 200)
    m = re.search(r"^%s (\d+)$" % re.escape(name), r.text, re.M)
    ok(m is not None, "metric %s present" % name)
    return int(m.group(1))


def test_cache_bound(t):
    srv = t.start_server(env={"MOTCUA_AUTH_CACHE": "8"})
    try:
        clerk(t, "clerk9")
        toks = []
        for _ in range(20):
            r = t.client(server=srv).post("/api/v1/auth/login",
                                          {"login": "clerk9", "password": PW})
            status(r, 200)
            toks.append(r.json["token"])
        for tok in toks + toks:
            status(t.client(tok, server=srv).get(MISSING), 404, "DOSSIER_NOT_FOUND")
        eq(metric(t, srv, "motcua_auth_cache_capacity"), 8, "capacity")
        ok(metric(t, srv, "motcua_auth_cache_entries") <= 8, "entries within the bound")
        ok(metric(t, srv, "motcua_auth_cache_evictions_total") >= 12, "evictions counted")
    finally:
        eq(srv.stop(), 0, "server exit status")
        ok(srv.sanitizer_report() is None, "sanitizer report")


def test_cache_off(t):
    srv = t.start_server(env={"MOTCUA_AUTH_CACHE": "0"})
    try:
        c = t.client(clerk(t, "clerk10").token, server=srv)
        warm(c, 2)
        eq(metric(t, srv, "motcua_auth_cache_entries"), 0, "nothing cached")
        status(c.post("/api/v1/auth/logout"), 200)
        status(c.get(MISSING), 401, "UNAUTHENTICATED")
    finally:
        eq(srv.stop(), 0, "server exit status")
        ok(srv.sanitizer_report() is None, "sanitizer report")
