"""Security end to end: login, tokens, roles, logout, rate limits, accounts, API keys, audit.
docs/security.md describes the behaviour checked here.

One worker (MOTCUA_THREADS=1). The token cache and its revocations across workers and
processes are tested in test_session_cache.py.
"""
import re
import threading
import time

from harness import Client, eq, ok, status

SERVER_ENV = {"MOTCUA_THREADS": "1"}

PW = "mật-khẩu-thử-nghiệm-1"
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
UNITS = [
    # code, name, level, kind, parent code
    ("000.00.00.H56", "UBND tỉnh Khánh Hòa", "province", "committee", None),
    ("000.00.12.H56", "Sở Tư pháp", "province", "department", "000.00.00.H56"),
    ("000.01.12.H56", "Phòng Hộ tịch", "province", "department", "000.00.12.H56"),
    ("000.00.13.H56", "Sở Xây dựng", "province", "department", "000.00.00.H56"),
]


def setup(t):
    for code, name, level, kind, parent in UNITS:
        t.psql("INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from) "
               "SELECT '%s', '%s', '%s', '%s', (SELECT id FROM unit WHERE code = %s), 'H56', "
               "'2025-07-01'" % (code, name, level, kind, "'%s'" % parent if parent else "NULL"))
    t.admin = t.account("admin1", "admin", "000.00.00.H56")


def login(t, login_, password):
    return t.anon().post("/api/v1/auth/login", {"login": login_, "password": password})


def session(t, login_, password=PW):
    """A client logged in as an existing account."""
    r = login(t, login_, password)
    status(r, 200)
    return t.client(r.json["token"])


def audit_rows(t, where):
    return t.sql("SELECT action, outcome, coalesce(login, ''), coalesce(target, ''), detail::text "
                 "FROM audit_log WHERE %s ORDER BY id" % where)


def test_login_returns_session_token_and_account(t):
    t.run_cli(["account", "add", "--login", "clerk1", "--role", "clerk", "--unit",
               "000.01.12.H56", "--name", "Nguyễn Thị Mai", "--password-stdin"], input=PW + "\n")
    r = login(t, "clerk1", PW)
    status(r, 200)
    tok = r.json["token"]
    ok(re.match(r"^mcs_[A-Za-z0-9_-]{43}$", tok), "session token format: %r" % tok)
    ok(TS_RE.match(r.json["expires_at"]), "expires_at RFC 3339 +07:00: %r" % r.json["expires_at"])
    eq(r.headers.get("cache-control"), "no-store", "token reply not cached")
    acc = r.json["account"]
    eq((acc["login"], acc["role"], acc["unit_code"], acc["display_name"]),
       ("clerk1", "clerk", "000.01.12.H56", "Nguyễn Thị Mai"), "account")
    # 8 hours by default (MOTCUA_TOKEN_TTL)
    secs = float(t.scalar("SELECT extract(epoch FROM expires_at - created_at) FROM auth_token "
                          "WHERE kind = 'session' ORDER BY id DESC LIMIT 1"))
    eq(round(secs), 28800, "session lifetime")
    # only the hash is stored
    eq(t.scalar("SELECT count(*) FROM auth_token WHERE token_hash = '%s'" % tok), "0",
       "token stored in clear")
    me = t.client(tok).get("/api/v1/auth/me")
    status(me, 200)
    eq((me.json["account"]["login"], me.json["account"]["role_label"]),
       ("clerk1", "Cán bộ tiếp nhận"), "me")


def test_login_is_case_insensitive_on_the_login(t):
    status(login(t, "Clerk1", PW), 200)


def test_wrong_password_and_unknown_login_look_the_same(t):
    r1 = login(t, "clerk1", "sai-mật-khẩu-123")
    r2 = login(t, "no.such.person", "sai-mật-khẩu-123")
    status(r1, 401, "BAD_CREDENTIALS")
    status(r2, 401, "BAD_CREDENTIALS")
    # a 401 names its scheme (RFC 9110 §15.5.2), for a wrong password too
    eq(r1.headers.get("www-authenticate"), 'Bearer realm="motcua"', "WWW-Authenticate on 401")
    eq(r1.json["error"]["message"], r2.json["error"]["message"], "same message")
    rows = audit_rows(t, "action = 'login' AND outcome = 'failed'")
    eq([r[2] for r in rows[-2:]], ["clerk1", "no.such.person"], "failed logins audited")
    ok("wrong password" in rows[-2][4] and "unknown login" in rows[-1][4], "reasons: %r" % rows)


def test_login_validation(t):
    status(t.anon().post("/api/v1/auth/login", {"login": "clerk1"}), 422, "VALIDATION_FAILED")
    status(t.anon().post("/api/v1/auth/login", {"login": "a b", "password": PW}), 422,
           "VALIDATION_FAILED")
    status(t.anon().post("/api/v1/auth/login", {"login": "clerk1", "password": 12345678901}), 422,
           "VALIDATION_FAILED")


def test_missing_malformed_unknown_token_401(t):
    for tok in (None, "mcs_short", "mcs_" + "A" * 43, "mck_" + "B" * 42 + "A"):
        c = t.client(tok)
        r = c.get("/api/v1/auth/me")
        status(r, 401, "UNAUTHENTICATED")
        ok(r.headers.get("www-authenticate", "").startswith("Bearer"), "WWW-Authenticate")
    r = t.anon().get("/api/v1/auth/me", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    status(r, 401, "UNAUTHENTICATED")
    reasons = t.sql("SELECT detail->>'reason' FROM audit_log WHERE action = 'authenticate' "
                    "ORDER BY id")
    for want in ("missing", "malformed", "unknown"):
        ok([want] in reasons, "refusal %s audited: %r" % (want, reasons))


def test_role_not_allowed_403(t):
    c = session(t, "clerk1")
    r = c.get("/api/v1/accounts")
    status(r, 403, "FORBIDDEN")
    rows = audit_rows(t, "action = 'authorize'")
    ok(rows and rows[-1][1] == "denied" and rows[-1][2] == "clerk1"
       and rows[-1][3] == "/api/v1/accounts", "403 audited: %r" % rows)


def test_logout_revokes_the_token(t):
    c = session(t, "clerk1")
    status(c.get("/api/v1/auth/me"), 200)
    status(c.post("/api/v1/auth/logout"), 200)
    status(c.get("/api/v1/auth/me"), 401, "UNAUTHENTICATED")
    ok(["revoked"] in t.sql("SELECT detail->>'reason' FROM audit_log "
                            "WHERE action = 'authenticate'"), "revoked reason audited")


def test_admin_creates_accounts(t):
    a = t.admin
    r = a.post("/api/v1/accounts", {"login": "off1", "role": "official",
                                     "unit_code": "000.01.12.H56", "password": PW,
                                     "display_name": "Trần Văn Bình"})
    status(r, 201)
    eq((r.json["login"], r.json["role"], r.json["unit_code"]),
       ("off1", "official", "000.01.12.H56"), "created")
    status(login(t, "off1", PW), 200)
    status(a.post("/api/v1/accounts", {"login": "off1", "role": "official",
                                       "unit_code": "000.01.12.H56", "password": PW}),
           409, "ALREADY_EXISTS")
    r = a.post("/api/v1/accounts", {"login": "off2", "role": "official",
                                    "unit_code": "000.01.12.H56", "password": "ngắn-quá"})
    status(r, 422, "VALIDATION_FAILED")
    eq(r.json["error"].get("field"), "password", "field")
    status(a.post("/api/v1/accounts", {"login": "off3", "role": "official",
                                       "unit_code": "999.99.99.H99", "password": PW}),
           422, "UNKNOWN_REFERENCE")
    status(a.post("/api/v1/accounts", {"login": "off4", "role": "emperor",
                                       "unit_code": "000.01.12.H56", "password": PW}),
           422, "VALIDATION_FAILED")
    status(a.post("/api/v1/accounts", {"login": "egov2", "role": "integration",
                                       "unit_code": "000.00.12.H56", "password": PW}),
           422, "VALIDATION_FAILED")
    eq(t.scalar("SELECT count(*) FROM account WHERE login IN ('off2','off3','off4','egov2')"),
       "0", "nothing created by refused requests")
    eq(t.scalar("SELECT count(*) FROM audit_log WHERE action = 'account.create' "
                "AND target IN ('off3')"), "0", "no audit row for a create that failed")
    # the stored hash is Argon2id with the documented parameters
    ok(t.scalar("SELECT password_hash FROM account WHERE login = 'off1'")
       .startswith("$argon2id$v=19$m=19456,t=2,p=1$"), "Argon2id parameters")


def test_accounts_list_paginates(t):
    a = t.admin
    r = a.get("/api/v1/accounts?limit=2")
    status(r, 200)
    eq(len(r.json["items"]), 2, "page size")
    ok(r.json["next_cursor"], "next cursor")
    seen = [i["login"] for i in r.json["items"]]
    while r.json["next_cursor"]:
        r = a.get("/api/v1/accounts?limit=2&cursor=" + r.json["next_cursor"])
        status(r, 200)
        seen += [i["login"] for i in r.json["items"]]
    eq(len(seen), int(t.scalar("SELECT count(*) FROM account")), "all accounts once")
    eq(len(set(seen)), len(seen), "no duplicates")
    status(a.get("/api/v1/accounts?limit=501"), 400, "BAD_QUERY")
    status(a.get("/api/v1/accounts?cursor=abc"), 400, "BAD_QUERY")
    r = a.get("/api/v1/accounts?role=official")
    ok(all(i["role"] == "official" for i in r.json["items"]) and r.json["items"], "role filter")


def test_api_keys(t):
    a = t.admin
    status(a.post("/api/v1/accounts", {"login": "egov", "role": "integration",
                                       "unit_code": "000.00.12.H56"}), 201)
    r = a.post("/api/v1/accounts/egov/api-keys", {"label": "Egov Khánh Hòa"})
    status(r, 201)
    key, kid = r.json["key"], r.json["id"]
    ok(re.match(r"^mck_[A-Za-z0-9_-]{43}$", key), "key format")
    me = t.client(key).get("/api/v1/auth/me")
    status(me, 200)
    eq((me.json["account"]["role"], me.json["account"]["unit_code"]),
       ("integration", "000.00.12.H56"), "integration principal")
    # an integration client is not an administrator
    status(t.client(key).get("/api/v1/audit"), 403, "FORBIDDEN")
    # API keys only for integration accounts; unknown accounts 404
    status(a.post("/api/v1/accounts/off1/api-keys", {}), 409, "CONFLICT")
    status(a.post("/api/v1/accounts/nobody/api-keys", {}), 404, "NOT_FOUND")
    # API keys are not logged out, they are revoked
    status(t.client(key).post("/api/v1/auth/logout"), 422, "VALIDATION_FAILED")
    r = a.post("/api/v1/api-keys/%d/revoke" % kid)
    status(r, 200)
    ok(TS_RE.match(r.json["revoked_at"]), "revoked_at")
    status(t.client(key).get("/api/v1/auth/me"), 401, "UNAUTHENTICATED")
    status(a.post("/api/v1/api-keys/999999/revoke"), 404, "NOT_FOUND")
    # an expired key
    r = a.post("/api/v1/accounts/egov/api-keys", {"expires_at": "2020-01-01T00:00:00+07:00"})
    status(r, 422, "VALIDATION_FAILED")


def test_cli_api_key(t):
    c = t.api_key("dvcqg", "000.00.13.H56")
    r = c.get("/api/v1/auth/me")
    status(r, 200)
    eq(r.json["account"]["login"], "dvcqg", "CLI key works")
    p = t.run_cli(["account", "list"])
    ok("dvcqg\tintegration\t000.00.13.H56" in p.stdout, "account list: %s" % p.stdout)
    p = t.run_cli(["account", "add", "--login", "x1", "--role", "clerk", "--unit",
                   "000.00.13.H56", "--password-stdin"], input="short\n", check=False)
    ok(p.returncode != 0, "CLI refuses a short password")


def test_disable_revokes_everything(t):
    c = t.account("leader1", "leader", "000.00.12.H56", password=PW)
    status(c.get("/api/v1/auth/me"), 200)
    status(t.admin.post("/api/v1/accounts/admin1/disable"), 409, "CONFLICT")
    r = t.admin.post("/api/v1/accounts/leader1/disable")
    status(r, 200)
    eq((r.json["active"], r.json["tokens_revoked"] >= 1), (False, True), "disabled")
    status(c.get("/api/v1/auth/me"), 401, "UNAUTHENTICATED")
    status(login(t, "leader1", PW), 401, "BAD_CREDENTIALS")
    status(t.admin.post("/api/v1/accounts/ghost/disable"), 404, "NOT_FOUND")


def test_revocation_reaches_other_processes(t):
    # a second server on the same database caches the token; a disable made through the
    # first one reaches it by NOTIFY, well before the 15 s cache TTL
    other = t.start_server()
    try:
        t.account("official9", "official", "000.01.12.H56", password=PW)
        r = t.client(server=other).post("/api/v1/auth/login",
                                        {"login": "official9", "password": PW})
        status(r, 200)
        c = t.client(r.json["token"], server=other)
        status(c.get("/api/v1/auth/me"), 200)
        status(c.get("/api/v1/auth/me"), 200)  # now cached in the other process
        status(t.admin.post("/api/v1/accounts/official9/disable"), 200)
        deadline = time.time() + 3
        while True:
            r = c.get("/api/v1/auth/me")
            if r.status == 401 or time.time() > deadline:
                break
            time.sleep(0.05)
        status(r, 401, "UNAUTHENTICATED")
    finally:
        eq(other.stop(), 0, "second server exit status")
        ok(other.sanitizer_report() is None, "second server sanitizer report")


def test_audit_log_listing_and_append_only(t):
    a = t.admin
    r = a.get("/api/v1/audit?limit=3")
    status(r, 200)
    eq(len(r.json["items"]), 3, "page")
    ids = [i["id"] for i in r.json["items"]]
    eq(ids, sorted(ids, reverse=True), "newest first")
    r2 = a.get("/api/v1/audit?limit=3&cursor=" + r.json["next_cursor"])
    ok(all(i["id"] < ids[-1] for i in r2.json["items"]), "keyset continues")
    r = a.get("/api/v1/audit?action=account.disable&outcome=ok")
    ok(r.json["items"] and all(i["action"] == "account.disable" for i in r.json["items"]),
       "filters")
    item = r.json["items"][0]
    eq((item["login"], item["target"]), ("admin1", "official9"), "actor and target (newest)")
    ok(TS_RE.match(item["at"]), "at format")
    status(a.get("/api/v1/audit?outcome=maybe"), 400, "BAD_QUERY")
    p = t.psql("UPDATE audit_log SET outcome = 'ok'", check=False)
    eq(t.scalar("SELECT count(*) FROM audit_log WHERE outcome <> 'ok'") != "0", True,
       "audit rows unchanged")
    t.psql("DELETE FROM audit_log", check=False)
    ok(int(t.scalar("SELECT count(*) FROM audit_log")) > 0, "audit rows not deleted")
    del p


def test_unit_in_scope(t):
    def scope(root, target):
        return t.scalar("SELECT unit_in_scope((SELECT id FROM unit WHERE code = '%s'), "
                        "(SELECT id FROM unit WHERE code = '%s'))" % (root, target))
    eq(scope("000.00.00.H56", "000.01.12.H56"), "t", "province covers grandchild")
    eq(scope("000.00.12.H56", "000.01.12.H56"), "t", "department covers its office")
    eq(scope("000.01.12.H56", "000.00.12.H56"), "f", "child does not cover parent")
    eq(scope("000.00.13.H56", "000.01.12.H56"), "f", "sibling department")
    eq(scope("000.01.12.H56", "000.01.12.H56"), "t", "itself")


def test_secrets_never_logged(t):
    r = login(t, "off1", PW)
    tok = r.json["token"]
    t.client(tok).get("/api/v1/auth/me")
    time.sleep(0.2)
    log = t.server.log()
    ok(tok not in log and tok[4:] not in log, "token in the server log")
    ok(PW not in log, "password in the server log")
    dump = t.psql("SELECT * FROM audit_log")
    ok(tok[4:] not in dump and PW not in dump, "secret in the audit log")


def test_expired_session_and_api_key_401(t):
    """Tokens expire (docs/security.md §4): an expired session or API key gets the one 401
    answer, and the audit row says why. Fresh tokens, so no worker has them cached."""
    r = login(t, "admin1", PW)
    status(r, 200)
    tok = r.json["token"]
    t.psql("UPDATE auth_token SET expires_at = now() - interval '1 minute'"
           " WHERE account_id = (SELECT id FROM account WHERE login = 'admin1')"
           " AND kind = 'session' AND last_used_at IS NULL AND revoked_at IS NULL")
    r = t.client(tok).get("/api/v1/auth/me")
    status(r, 401, "UNAUTHENTICATED")
    ok(r.headers.get("www-authenticate", "").startswith("Bearer"), "WWW-Authenticate")
    key = t.api_key("egov-exp2", "000.00.12.H56").token
    t.psql("UPDATE auth_token SET expires_at = now() - interval '1 minute'"
           " WHERE account_id = (SELECT id FROM account WHERE login = 'egov-exp2')")
    status(t.client(key).get("/api/v1/auth/me"), 401, "UNAUTHENTICATED")
    rows = t.sql("SELECT login, detail->>'reason' FROM audit_log WHERE action = 'authenticate'"
                 " AND login IN ('admin1', 'egov-exp2') ORDER BY id")
    eq(rows[-2:], [["admin1", "expired"], ["egov-exp2", "expired"]], "expiry audited")


def test_fractional_expiry_is_judged_by_its_floor(t):
    """Issue 13 item 1: the server reads an expiry in whole seconds by its floor, so a
    token whose expires_at is x.6 s is expired from second x on (a bigint cast of the epoch
    rounded it to x+1: valid one second too long). The expiry is set from the session's own
    created_at (the server's whole-second now at the login): any later request runs at that
    second or after, so no sleep and no race with the machine's load."""
    def newest_session():
        return ("(SELECT max(id) FROM auth_token WHERE kind = 'session' AND account_id ="
                " (SELECT id FROM account WHERE login = 'admin1'))")

    r = login(t, "admin1", PW)
    status(r, 200)
    tok = r.json["token"]
    t.psql("UPDATE auth_token SET expires_at = created_at + interval '0.6 second'"
           " WHERE id = %s" % newest_session())
    eq(t.sql("SELECT extract(microseconds FROM expires_at)::int %% 1000000 FROM auth_token"
             " WHERE id = %s" % newest_session()), [["600000"]], "a fractional expiry")
    r = t.client(tok).get("/api/v1/auth/me")
    status(r, 401, "UNAUTHENTICATED")
    rows = t.sql("SELECT detail->>'reason' FROM audit_log WHERE action = 'authenticate'"
                 " AND login = 'admin1' ORDER BY id DESC LIMIT 1")
    eq(rows, [["expired"]], "refused as expired")
    # The same fraction an hour ahead: valid, and judged alike from the cache.
    r = login(t, "admin1", PW)
    status(r, 200)
    tok = r.json["token"]
    t.psql("UPDATE auth_token SET expires_at = created_at + interval '3600.6 second'"
           " WHERE id = %s" % newest_session())
    status(t.client(tok).get("/api/v1/auth/me"), 200)
    status(t.client(tok).get("/api/v1/auth/me"), 200)


def concurrent_logins(server, bodies, headers=None):
    """Sends every login at once (one connection each); returns the responses."""
    out = [None] * len(bodies)
    gate = threading.Barrier(len(bodies))

    def one(i):
        c = Client(server)
        try:
            gate.wait()
            out[i] = c.post("/api/v1/auth/login", bodies[i],
                            headers=headers[i] if headers else None)
        finally:
            c.close()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out


def test_concurrent_wrong_passwords_limited(t):
    """50 simultaneous wrong passwords for one login: at most 5 are verified (401), every
    other one is refused with 429 before any Argon2 work (api/auth/ratelimit.c auth_rl_admit: in-flight
    attempts count against the limit together with the committed failures)."""
    t.run_cli(["account", "add", "--login", "race1", "--role", "clerk", "--unit",
               "000.00.12.H56", "--password-stdin"], input=PW + "\n")
    rs = concurrent_logins(t.server, [{"login": "race1", "password": "sai-mật-khẩu-99"}] * 50)
    codes = [r.status for r in rs]
    verified = codes.count(401)
    print("# 50 concurrent wrong passwords: %d verified (401), %d refused (429)"
          % (verified, codes.count(429)))
    eq(sorted(set(codes) - {401, 429}), [], "only 401 and 429")
    ok(1 <= verified <= 5, "verified at most the limit: %d" % verified)
    ok(all(r.headers.get("retry-after") for r in rs if r.status == 429), "Retry-After on 429")
    eq(t.scalar("SELECT count(*) FROM login_attempt WHERE login = 'race1'"), str(verified),
       "attempts recorded = attempts verified")
    status(login(t, "race1", PW), 429, "RATE_LIMITED")


def test_trusted_proxy_client_address(t):
    """MOTCUA_TRUSTED_PROXIES: behind a trusted peer the client is the rightmost untrusted
    address of X-Forwarded-For; otherwise the header is ignored."""
    def addr_of(server, xff, who):
        c = Client(server)
        try:
            status(c.post("/api/v1/auth/login", {"login": who, "password": "sai-mật-khẩu-77"},
                          headers={"X-Forwarded-For": xff}), 401)
        finally:
            c.close()
        return t.scalar("SELECT client_addr FROM login_attempt WHERE login = '%s'"
                        " ORDER BY id DESC LIMIT 1" % who)

    eq(addr_of(t.server, "203.0.113.7", "proxy0"), "127.0.0.1", "untrusted peer: header ignored")
    s1 = t.start_server(env={"MOTCUA_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"})
    s2 = t.start_server(env={"MOTCUA_TRUSTED_PROXIES": "127.0.0.0/8"})
    try:
        eq(addr_of(s1, "203.0.113.7, 10.1.2.3", "proxy1"), "203.0.113.7",
           "trusted hops skipped right to left")
        eq(addr_of(s2, "203.0.113.7, 10.1.2.3", "proxy2"), "10.1.2.3",
           "the rightmost untrusted address, not the leftmost (spoofable) one")
        eq(addr_of(s1, "garbage, 10.1.2.3", "proxy3"), "10.1.2.3",
           "a malformed hop ends the walk at the last believable address")
        eq(t.scalar("SELECT client_addr FROM audit_log WHERE login = 'proxy1'"
                    " ORDER BY id DESC LIMIT 1"), "203.0.113.7", "audit uses it too")
        # the hash queue: 60 logins from 60 addresses at once on one worker
        s3 = t.start_server(env={"MOTCUA_TRUSTED_PROXIES": "127.0.0.1", "MOTCUA_THREADS": "1"})
        try:
            rs = concurrent_logins(s3, [{"login": "flood%02d" % i, "password": "sai-mật-khẩu-55"}
                                        for i in range(60)],
                                   [{"X-Forwarded-For": "198.51.100.%d" % i} for i in range(60)])
            codes = [r.status for r in rs]
            print("# 60 simultaneous logins, one worker: %d verified, %d refused (queue full)"
                  % (codes.count(401), codes.count(429)))
            eq(sorted(set(codes) - {401, 429}), [], "only 401 and 429")
            ok(codes.count(429) > 0, "the hash queue is bounded")
            ok(all(r.headers.get("retry-after") == "1" for r in rs if r.status == 429),
               "Retry-After on a full queue")
        finally:
            s3.stop()
    finally:
        s1.stop()
        s2.stop()
    for bad in ("10.0.0.0/33", "example.org", "10.0.0.1/"):
        p = t.run_cli([], check=False, env={"MOTCUA_TRUSTED_PROXIES": bad})
        ok(p.returncode != 0 and "MOTCUA_TRUSTED_PROXIES" in p.stdout + p.stderr,
           "%s refused at start-up" % bad)


def test_login_rate_limit_per_login(t):
    for i in range(5):
        status(login(t, "off1", "sai-mật-khẩu-%d0" % i), 401, "BAD_CREDENTIALS")
    r = login(t, "off1", PW)
    status(r, 429, "RATE_LIMITED")
    ra = int(r.headers.get("retry-after", "0"))
    ok(0 < ra <= 900, "Retry-After %r" % ra)
    # another login from the same address is not blocked by this one
    status(login(t, "admin1", PW), 200)
    rows = audit_rows(t, "action = 'login' AND outcome = 'denied'")
    ok(rows and "rate limited" in rows[-1][4], "429 audited")


def test_login_rate_limit_per_address(t):
    # 20 failures from one address within 15 minutes, whatever the logins (last test: it
    # blocks every login from 127.0.0.1 in this database for 15 minutes)
    failed = int(t.scalar("SELECT count(*) FROM login_attempt WHERE NOT success "
                          "AND client_addr = '127.0.0.1'"))
    for i in range(max(0, 20 - failed)):
        status(login(t, "spray%02d" % i, "sai-mật-khẩu-00"), 401, "BAD_CREDENTIALS")
    status(login(t, "admin1", PW), 429, "RATE_LIMITED")


def test_trusted_proxy_several_forwarded_for_fields(t):
    """A proxy may add its own X-Forwarded-For field instead of appending to the client's:
    every field is combined in order (RFC 9110 §5.3) before the rightmost untrusted address
    is taken, so a client's own (spoofed) field in front of the proxy's is never believed,
    however many hops it lists. Runs after the per-address limit test: these attempts come
    from other (forwarded) addresses."""
    import json
    import socket

    def addr_of(server, fields, who):
        body = json.dumps({"login": who, "password": "sai-mật-khẩu-88"}).encode()
        head = "".join("%s: %s\r\n" % f for f in fields).encode()
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                  + b"\r\n" + head + b"\r\n" + body)
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
        ok(data.startswith(b"HTTP/1.1 401"), "%s: 401 expected: %r" % (who, data[:200]))
        return t.scalar("SELECT client_addr FROM login_attempt WHERE login = '%s'"
                        " ORDER BY id DESC LIMIT 1" % who)

    srv = t.start_server(env={"MOTCUA_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"})
    try:
        xff = "X-Forwarded-For"
        eq(addr_of(srv, [(xff, "198.51.100.1"), (xff, "203.0.113.9")], "multi1"),
           "203.0.113.9", "the proxy's field after the client's spoofed one")
        eq(addr_of(srv, [(xff, "198.51.100.1"), ("x-forwarded-for", "203.0.113.10, 10.9.9.9")],
                   "multi2"), "203.0.113.10", "names in any case; trusted hops skipped")
        eq(addr_of(srv, [(xff, "198.51.100.1"), (xff, ""), (xff, "203.0.113.12,,")], "multi3"),
           "203.0.113.12", "empty fields and elements skipped")
        eq(addr_of(srv, [(xff, ", ".join(["198.51.100.7"] * 70)), (xff, "203.0.113.11")],
                   "multi4"), "203.0.113.11", "70 spoofed hops do not push the real one out")
        eq(addr_of(srv, [(xff, ", ".join(["198.51.100.9"] * 600)), (xff, "203.0.113.13")],
                   "multi5"), "203.0.113.13",
           "a list longer than 4 KiB is read from its right end")
        eq(t.scalar("SELECT client_addr FROM audit_log WHERE login = 'multi1'"
                    " ORDER BY id DESC LIMIT 1"), "203.0.113.9", "audit uses it too")
    finally:
        srv.stop()
