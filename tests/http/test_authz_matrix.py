"""The role x route matrix, derived from `motcua routes` (METHOD PATTERN roles|public), so
routes added later are covered without editing this file:

- anonymous on a non-public route -> 401 UNAUTHENTICATED; on a public route -> never 401;
- a role not listed for the route -> 403 FORBIDDEN (decided by the authentication hook
  before the handler, whatever the path parameters and body);
- a listed role -> neither 401 nor 403 FORBIDDEN (the handler runs: 2xx, 404, 422, ...).

Path parameters get placeholder values; POST bodies are {} so handlers refuse them with
422 rather than change anything. Scope (in / out of a unit's subtree) is checked per resource
by the modules' own suites with real dossiers; unit_in_scope() itself in test_auth.py.
"""
import socket

from harness import TestFailure, ok

PW = "mật-khẩu-thử-nghiệm-1"
ROLES = ["clerk", "official", "leader", "supervisor", "integration", "admin"]
# Calling these as an allowed role would end the session used for the rest of the matrix.
NO_POSITIVE_CALL = {("POST", "/api/v1/auth/logout")}
PLACEHOLDER = "zz-matrix-0"


def setup(t):
    t.psql("INSERT INTO unit (code, name, level, kind, province, valid_from) "
           "VALUES ('000.00.77.H56', 'Đơn vị kiểm thử', 'province', 'department', 'H56', "
           "'2025-07-01')")
    t.clients = {}
    for role in ROLES:
        if role == "integration":
            t.clients[role] = t.api_key("matrix-int", "000.00.77.H56")
        else:
            t.clients[role] = t.account("matrix-" + role, role, "000.00.77.H56", password=PW)
    t.routes = []
    for line in t.run_cli(["routes"]).stdout.splitlines():
        parts = line.split()
        if len(parts) < 3:
            raise TestFailure("`motcua routes` line without roles: %r" % line)
        roles = set() if parts[2] == "public" else set(parts[2].split(","))
        unknown = roles - set(ROLES)
        if unknown:
            raise TestFailure("unknown roles %s in %r" % (unknown, line))
        t.routes.append((parts[0], parts[1], parts[2] == "public", roles))
    ok(len(t.routes) >= 10, "routes listed: %d" % len(t.routes))


def path_of(pattern):
    return "/".join(PLACEHOLDER if s.startswith("{") else s for s in pattern.split("/"))


def call(client, method, pattern):
    """The response, or None when the handler kept the request open (a stream)."""
    body = {} if method in ("POST", "PUT", "PATCH") else None
    try:
        return client.request(method, path_of(pattern), body=body, timeout=3)
    except (socket.timeout, TimeoutError):
        client.close()
        return None


def test_anonymous(t):
    bad = []
    for method, pattern, public, _ in t.routes:
        r = call(t.anon(), method, pattern)
        if r is None:
            continue
        if public and r.status == 401:
            bad.append("%s %s: public route answered 401" % (method, pattern))
        if not public and (r.status != 401 or r.error_code() != "UNAUTHENTICATED"):
            bad.append("%s %s: anonymous got %d" % (method, pattern, r.status))
    ok(not bad, "\n".join(bad))


def test_roles(t):
    bad = []
    checked = 0
    for method, pattern, public, roles in t.routes:
        if public:
            continue
        for role in ROLES:
            allowed = role in roles
            if allowed and (method, pattern) in NO_POSITIVE_CALL:
                continue
            r = call(t.clients[role], method, pattern)
            checked += 1
            if r is None:
                if not allowed:
                    bad.append("%s %s as %s: no refusal" % (method, pattern, role))
                continue
            forbidden = r.status == 403 and r.error_code() == "FORBIDDEN"
            if allowed and (r.status == 401 or forbidden):
                bad.append("%s %s as %s: refused %d" % (method, pattern, role, r.status))
            if not allowed and not forbidden:
                bad.append("%s %s as %s: expected 403 FORBIDDEN, got %d %s"
                           % (method, pattern, role, r.status, r.text[:120]))
    ok(checked > 0, "matrix checked")
    ok(not bad, "%d problems:\n%s" % (len(bad), "\n".join(bad)))


def test_refusals_audited(t):
    n = int(t.scalar("SELECT count(*) FROM audit_log WHERE action = 'authorize' "
                     "AND outcome = 'denied'"))
    ok(n > 0, "403 refusals in audit_log: %d" % n)
