"""The role x route matrix, derived from `motcua routes` (METHOD PATTERN roles|public), so
routes added later are covered without editing this file:

- anonymous on a non-public route -> 401 UNAUTHENTICATED; on a public route -> never 401;
- a role not listed for the route -> 403 FORBIDDEN (decided by the authentication hook
  before the handler, whatever the path parameters and body);
- a listed role -> neither 401 nor 403 FORBIDDEN (the handler runs: 2xx, 404, 422, ...).

Path parameters get placeholder values; POST bodies are {} so handlers refuse them with
422 rather than change anything. Requests of the integration client to /integration/* and
/dvcqg/* are signed as docs/integration.md §2 requires (X-Motcua-Timestamp,
X-Motcua-Signature with the secret an admin issued), so the matrix sees the handler's real
answer there rather than 401 BAD_SIGNATURE. Scope (in / out of a unit's subtree) is checked per resource
by the modules' own suites with real dossiers; unit_in_scope() itself in test_auth.py.
"""
import hashlib
import hmac
import json
import socket
import time

from harness import Response, TestFailure, ok, status

PW = "mật-khẩu-thử-nghiệm-1"
ROLES = ["clerk", "official", "leader", "supervisor", "integration", "admin"]
# Calling these as an allowed role would end the session used for the rest of the matrix.
NO_POSITIVE_CALL = {("POST", "/api/v1/auth/logout")}
PLACEHOLDER = "zz-matrix-0"
# docs/integration.md §1: an integration account's requests under these are signed.
SIGNED_PREFIXES = ("/api/v1/integration/", "/api/v1/dvcqg/")


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
    r = t.clients["admin"].post("/api/v1/integration/clients/matrix-int/signing-secret")
    t.secret = status(r, 201).json["signing_secret"]
    t.signed_at = set()
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


def signature(t, method, target, raw):
    """Signature headers (docs/integration.md §2). The server refuses a signature it has
    seen: a request whose bytes repeat within the same second gets an earlier timestamp."""
    ts = int(time.time())
    while (method, target, raw, ts) in t.signed_at:
        ts -= 1
    t.signed_at.add((method, target, raw, ts))
    msg = b"\n".join([method.encode(), target.encode(), str(ts).encode(), raw])
    mac = hmac.new(t.secret.encode(), msg, hashlib.sha256).hexdigest()
    return {"X-Motcua-Timestamp": str(ts), "X-Motcua-Signature": "v1=" + mac}


def call(client, method, pattern, t=None, sign=False):
    """The response, or None when the handler kept the request open (a stream)."""
    body = {} if method in ("POST", "PUT", "PATCH") else None
    target = path_of(pattern)
    raw = b"" if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if sign:
        headers.update(signature(t, method, target, raw))
    if client.token:
        headers["Authorization"] = "Bearer " + client.token
    # A connection of its own: a stream's head is enough (its body, kept alive by
    # heartbeats, never ends).
    conn = client.server.connect(timeout=3)
    try:
        conn.request(method, target, body=raw if body is not None else None, headers=headers)
        r = conn.getresponse()
        if r.getheader("Content-Type", "").startswith("text/event-stream"):
            return None
        return Response(r.status, r.getheaders(), r.read())
    except (socket.timeout, TimeoutError):
        return None
    finally:
        conn.close()


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
    checked = signed = 0
    for method, pattern, public, roles in t.routes:
        if public:
            continue
        for role in ROLES:
            allowed = role in roles
            if allowed and (method, pattern) in NO_POSITIVE_CALL:
                continue
            sign = role == "integration" and pattern.startswith(SIGNED_PREFIXES)
            r = call(t.clients[role], method, pattern, t, sign)
            checked += 1
            signed += sign
            if r is None:
                if not allowed:
                    bad.append("%s %s as %s: no refusal" % (method, pattern, role))
                continue
            forbidden = r.status == 403 and r.error_code() == "FORBIDDEN"
            if allowed and (r.status == 401 or forbidden):
                # 401 here includes BAD_SIGNATURE / REPLAYED: the signature must pass too.
                bad.append("%s %s as %s: refused %d" % (method, pattern, role, r.status))
            if not allowed and not forbidden:
                bad.append("%s %s as %s: expected 403 FORBIDDEN, got %d %s"
                           % (method, pattern, role, r.status, r.text[:120]))
    ok(checked > 0, "matrix checked")
    ok(not bad, "%d problems:\n%s" % (len(bad), "\n".join(bad)))
    ok(signed > 0, "signed integration calls made: %d" % signed)


def test_refusals_audited(t):
    n = int(t.scalar("SELECT count(*) FROM audit_log WHERE action = 'authorize' "
                     "AND outcome = 'denied'"))
    ok(n > 0, "403 refusals in audit_log: %d" % n)
