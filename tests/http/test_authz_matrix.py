"""Who may do what: every route x every role x in scope / out of scope, with the exact status.

The expected table (EXPECT below) is typed by hand from /work/shared/domain.md §11 (roles) and
docs/security.md §2-§3 (scopes), NOT derived from the route table: a route whose roles are
changed in code makes this suite fail until the table (and the docs) are changed too. A
route added to the route table without a row here fails test_every_route_has_a_row.

Fixtures are real: a province (000.00.00.H56), two sibling communes A and B under it, a unit
of another province (H57), a commune-level procedure, dossiers received in A, in B and in
the other province, and one account per role. Accounts of the clerk, official, leader and
integration roles belong to commune A; the supervisor to the province (reads everything in
it, changes nothing); the administrator has no scope (everything).

  in scope    the resource is in the caller's scope: a dossier of commune A (the province's
              supervisor: also A), a catalogue object, the caller's own unit;
  out scope   commune B's dossier for accounts of A; the other province's dossier for the
              supervisor; the same for the administrator, who sees both.

Decisions (docs/security.md §3): a dossier out of scope answers 404 DOSSIER_NOT_FOUND, for
reads and writes alike, exactly like an unknown code (codes are guessable, existence is
information); a role the route does not list gets 403 FORBIDDEN from the hook; a transition
the role may not make on a dossier it may see gets 403 ROLE_NOT_ALLOWED from the handler.
Requests that would succeed carry valid bodies and do succeed (2xx). Every refused call is
made between two snapshots of the database (md5 of every table except the append-only logs:
audit_log, login_attempt, integ_signature_seen), which must be equal.

Integration clients sign every request (docs/integration.md §2); an unsigned integration
write must answer 401 (test_unsigned_integration_writes).
"""
import datetime
import hashlib
import hmac
import json
import socket
import subprocess
import time

from harness import Client, Response, TestFailure, eq, new_key, ok, status

PW = "mật-khẩu-thử-nghiệm-1"
ROLES = ["clerk", "official", "leader", "supervisor", "integration", "admin"]
P, A, B, X = "000.00.00.H56", "000.01.01.H56", "000.01.02.H56", "000.00.00.H57"
SUB = "000.01.11.H56"  # a unit below A (what A's leader may verify)
PROC = "1.009901"
# Append-only logs, and tables the server's background jobs write on their own clock.
# (webhook_delivery, webhook_outbox: the delivery thread fans out and records attempts on
# its own clock; both only ever follow a dossier event, which is in the snapshot. alert,
# alert_pakn_schedule: the alert scheduler writes them on its own clock, e.g. a moment after a
# fixture PAKN with every due at now() was inserted; they only ever follow a dossier or PAKN
# change, which is in the snapshot.)
LOG_TABLES = {"audit_log", "login_attempt", "integ_signature_seen", "alert_schedule",
              "webhook_delivery", "webhook_outbox", "alert", "alert_pakn_schedule"}
APPLICANT = {"name": "Trần Thị Bình", "id_number": "001190000002", "address": "Thôn 1",
             "phone": "0900000002"}

STAFF = {"clerk", "official", "leader", "supervisor", "admin"}
F = 403  # refused by the hook: FORBIDDEN


def row(default=F, **per_role):
    """Expected (in, out) per role: default for unlisted roles; an int means in == out."""
    out = {}
    for role in ROLES:
        v = per_role.get(role, default)
        out[role] = v if isinstance(v, tuple) else (v, v)
    return out


# The matrix makes some fifty public calls from one address within seconds: a budget that
# does not get in their way (the budget itself: test_documents.py).
SERVER_ENV = {"MOTCUA_LOOKUP_PER_MINUTE": "1000"}
ALL = set(ROLES)
# Reading a dossier: in scope 200, out of scope 404 -- the administrator sees both.
READ_DOSSIER = row(clerk=(200, 404), official=(200, 404), leader=(200, 404),
                   supervisor=(200, 404), integration=(200, 404), admin=200)
ADMIN_ONLY = {"admin"}


def ok_for(roles, st):
    return row(**{r: st for r in roles})


# (method, pattern) -> expected. Typed from domain.md §11 / docs/security.md §2.
EXPECT = {
    ("GET", "/healthz"): ok_for(ALL, 200),
    ("GET", "/readyz"): ok_for(ALL, 200),
    ("GET", "/metrics"): ok_for(ALL, 200),
    ("POST", "/api/v1/auth/login"): ok_for(ALL, 200),
    # an API key is not a session: an administrator revokes it (docs/security.md §4)
    ("POST", "/api/v1/auth/logout"): row(200, integration=422),
    ("GET", "/api/v1/auth/me"): ok_for(ALL, 200),
    # administrator: accounts, API keys, audit
    ("GET", "/api/v1/accounts"): ok_for(ADMIN_ONLY, 200),
    ("POST", "/api/v1/accounts"): ok_for(ADMIN_ONLY, 201),
    ("POST", "/api/v1/accounts/{login}/disable"): ok_for(ADMIN_ONLY, 200),
    ("POST", "/api/v1/accounts/{login}/api-keys"): ok_for(ADMIN_ONLY, 201),
    ("POST", "/api/v1/api-keys/{id}/revoke"): ok_for(ADMIN_ONLY, 200),
    ("GET", "/api/v1/audit"): ok_for(ADMIN_ONLY, 200),
    # the catalogue and the calendar: read by everyone, changed by the administrator
    ("GET", "/api/v1/units"): ok_for(ALL, 200),
    ("POST", "/api/v1/units"): ok_for(ADMIN_ONLY, 201),
    ("GET", "/api/v1/units/{code}"): ok_for(ALL, 200),
    ("POST", "/api/v1/units/{code}/dissolve"): ok_for(ADMIN_ONLY, 200),
    ("GET", "/api/v1/fields"): ok_for(ALL, 200),
    ("POST", "/api/v1/fields"): ok_for(ADMIN_ONLY, 201),
    ("GET", "/api/v1/procedures"): ok_for(ALL, 200),
    ("POST", "/api/v1/procedures"): ok_for(ADMIN_ONLY, 201),
    ("GET", "/api/v1/procedures/{code}"): ok_for(ALL, 200),
    ("POST", "/api/v1/procedures/{code}/versions"): ok_for(ADMIN_ONLY, 201),
    ("GET", "/api/v1/channels"): ok_for(ALL, 200),
    ("GET", "/api/v1/calendar/days"): ok_for(ALL, 200),
    ("POST", "/api/v1/calendar/days"): ok_for(ADMIN_ONLY, 201),
    ("POST", "/api/v1/calendar/days/{day}/delete"): ok_for(ADMIN_ONLY, 200),
    ("GET", "/api/v1/calendar/schedules"): ok_for(ALL, 200),
    ("POST", "/api/v1/calendar/schedules"): ok_for(ADMIN_ONLY, 201),
    ("POST", "/api/v1/calendar/schedules/{from_day}/delete"): ok_for(ADMIN_ONLY, 200),
    # corrections of closed dossiers (issue 15): a supervisor lists, an administrator applies
    ("GET", "/api/v1/calendar/corrections"): ok_for({"supervisor", "admin"}, 200),
    ("POST", "/api/v1/calendar/corrections/apply"): ok_for(ADMIN_ONLY, 200),
    # a year's announcement (issue 15 part 2): administrators only; a dry run writes nothing
    ("POST", "/api/v1/calendar/import"): ok_for(ADMIN_ONLY, 200),
    # dossiers: the clerk receives at its own counter; an integration client pushes for the
    # units it is bound to (naming a unit outside them: 422 UNKNOWN_REFERENCE, no dossier)
    ("POST", "/api/v1/dossiers"): row(clerk=201, integration=(201, 422)),
    ("GET", "/api/v1/dossiers"): ok_for(ALL, 200),
    ("GET", "/api/v1/dossiers/{code}"): READ_DOSSIER,
    # request_withdrawal (domain.md §3: clerk or integration); official and leader may see
    # the dossier but not make this transition; out of scope: 404 before any role check
    ("POST", "/api/v1/dossiers/{code}/events"): row(clerk=(200, 404), official=(403, 404),
                                                   leader=(403, 404),
                                                   integration=(200, 404)),
    ("GET", "/api/v1/dossiers/{code}/events"): READ_DOSSIER,
    # a new lookup secret for the applicant: the receiving side (clerk, integration client)
    ("POST", "/api/v1/dossiers/{code}/lookup-secret"): row(clerk=(200, 404),
                                                          integration=(200, 404)),
    ("GET", "/api/v1/dossiers/{code}/deadline/explain"): READ_DOSSIER,
    ("GET", "/api/v1/dossiers/{code}/documents"): READ_DOSSIER,
    ("GET", "/api/v1/dossiers/{code}/documents/{form}"): READ_DOSSIER,
    ("GET", "/api/v1/guidance/{id}/document"): READ_DOSSIER,
    ("GET", "/api/v1/register"): row(clerk=(200, 404), official=(200, 404), leader=(200, 404),
                                     supervisor=(200, 404), integration=(200, 404), admin=200),
    ("GET", "/api/v1/lookup"): ok_for(ALL, 200),
    # the citizen's voice (issue 16, shared/domain.md §12.1): the counter keys a kiosk or paper
    # evaluation, an integration client pushes one (portal, hotline, DVCQG); the text is read
    # by supervisors, leaders and administrators only (officials see aggregates); the
    # applicant evaluates with the receipt's code and secret, whoever else is logged in
    ("POST", "/api/v1/dossiers/{code}/evaluations"): row(clerk=(201, 404),
                                                        integration=(201, 404), admin=201),
    ("GET", "/api/v1/dossiers/{code}/evaluations"): row(leader=(200, 404),
                                                       supervisor=(200, 404), admin=200),
    ("POST", "/api/v1/lookup/evaluation"): ok_for(ALL, 201),
    # phản ánh, kiến nghị (§12.2): taken in and handled by the counter, officials, leaders,
    # integration clients and administrators of the receiving unit; the register is read by
    # every staff role in scope (a PAKN out of scope: 404 like a dossier); the citizen sends
    # one about a dossier with its code and secret
    ("POST", "/api/v1/pakn"): row(clerk=201, official=201, leader=201, integration=201,
                                  admin=201),
    ("GET", "/api/v1/pakn"): row(clerk=200, official=200, leader=200, supervisor=200,
                                 integration=200, admin=200),
    ("GET", "/api/v1/pakn/{id}"): row(clerk=(200, 404), official=(200, 404), leader=(200, 404),
                                      supervisor=(200, 404), integration=(200, 404),
                                      admin=200),
    ("POST", "/api/v1/pakn/{id}/events"): row(clerk=(200, 404), official=(200, 404),
                                             leader=(200, 404), integration=(200, 404),
                                             admin=200),
    ("POST", "/api/v1/lookup/pakn"): ok_for(ALL, 201),
    ("GET", "/api/v1/public/pakn"): ok_for(ALL, 200),
    # likes and dislikes of a published answer: anyone on the public page; the portal's
    # counts from its adapter (or an administrator) in scope
    ("POST", "/api/v1/public/pakn/{id}/reactions"): ok_for(ALL, 200),
    ("POST", "/api/v1/pakn/{id}/portal-reactions"): row(integration=(200, 404), admin=200),
    # the web client's pages and assets hold no data: anyone gets them
    ("GET", "/"): ok_for(ALL, 200),
    ("GET", "/tra-cuu"): ok_for(ALL, 200),
    ("GET", "/assets/{build}/{file}"): ok_for(ALL, 200),
    # figures: staff (not integration clients); a unit out of scope reads as empty figures
    ("GET", "/api/v1/stats/ontime"): ok_for(STAFF, 200),
    ("GET", "/api/v1/stats/trend"): ok_for(STAFF, 200),
    ("GET", "/api/v1/reports/bieu06"): ok_for(STAFF, 200),
    ("GET", "/api/v1/reports/bieu06/late-dossiers"): ok_for(STAFF, 200),
    ("GET", "/api/v1/stats/ontime/dossiers"): ok_for(STAFF, 200),
    ("GET", "/api/v1/stats/overdue"): ok_for(STAFF, 200),
    ("GET", "/api/v1/stats/due-soon"): ok_for(STAFF, 200),
    ("GET", "/api/v1/stats/evaluations"): ok_for(STAFF, 200),
    ("GET", "/api/v1/stats/satisfaction"): ok_for(STAFF, 200),
    ("GET", "/api/v1/stats/pakn"): ok_for(STAFF, 200),
    # the verified score of a sub-unit: a leader above it (in scope: a sub-unit of theirs;
    # out of scope another's: 422 as for an unknown unit), an administrator any unit
    ("POST", "/api/v1/evaluations/verified-scores"): row(leader=(201, 422), admin=201),
    ("GET", "/api/v1/alerts"): ok_for(STAFF, 200),
    ("GET", "/api/v1/alerts/stream"): ok_for(STAFF, 200),
    # integration
    ("POST", "/api/v1/integration/batch"): ok_for({"integration"}, 200),
    ("POST", "/api/v1/integration/clients/{login}/signing-secret"): ok_for(ADMIN_ONLY, 201),
    ("GET", "/api/v1/integration/status-map"): ok_for({"integration", "admin"}, 200),
    ("POST", "/api/v1/integration/status-map"): ok_for(ADMIN_ONLY, 200),
    ("POST", "/api/v1/webhooks"): ok_for(ADMIN_ONLY, 201),
    ("GET", "/api/v1/webhooks"): ok_for(ADMIN_ONLY, 200),
    ("POST", "/api/v1/webhooks/{id}/disable"): ok_for(ADMIN_ONLY, 200),
    ("GET", "/api/v1/webhooks/{id}/deliveries"): ok_for(ADMIN_ONLY, 200),
    ("POST", "/api/v1/webhooks/deliveries/{id}/replay"): ok_for(ADMIN_ONLY, 202),
    ("POST", "/api/v1/webhooks/{id}/update"): ok_for(ADMIN_ONLY, 200),
    ("POST", "/api/v1/webhooks/{id}/enable"): ok_for(ADMIN_ONLY, 200),
    ("POST", "/api/v1/webhooks/{id}/rotate-secret"): ok_for(ADMIN_ONLY, 200),
    ("POST", "/api/v1/webhooks/{id}/replay-dead"): ok_for(ADMIN_ONLY, 202),
    ("POST", "/api/v1/webhooks/deliveries/{id}/skip"): ok_for(ADMIN_ONLY, 200),
    ("GET", "/api/v1/dvcqg/dossiers"): ok_for({"integration", "admin"}, 200),
    ("GET", "/api/v1/dvcqg/progress"): ok_for({"integration", "admin"}, 200),
    ("GET", "/api/v1/dvcqg/evaluations"): ok_for({"integration", "admin"}, 200),
    ("GET", "/api/v1/dvcqg/pakn"): ok_for({"integration", "admin"}, 200),
    ("POST", "/api/v1/dvcqg/ack"): ok_for({"integration", "admin"}, 200),
    ("POST", "/api/v1/dvcqg/reconcile"): ok_for({"integration", "admin"}, 200),
}
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
          ("POST", "/api/v1/auth/login"), ("GET", "/api/v1/lookup"),
          ("POST", "/api/v1/lookup/evaluation"), ("POST", "/api/v1/lookup/pakn"),
          ("GET", "/api/v1/public/pakn"), ("POST", "/api/v1/public/pakn/{id}/reactions"),
          ("GET", "/"), ("GET", "/tra-cuu"), ("GET", "/assets/{build}/{file}")}


# -- fixtures -----------------------------------------------------------------------------
def receive(t, client, unit=None, sign=False):
    body = {"applicant": dict(APPLICANT), "procedure": PROC, "channel": 1,
            "documents": [{"name": "Tờ khai", "kind": "original", "count": 1}],
            "sets": 1, "return_method": "counter", "complete": True}
    if unit:
        body["receiving_unit"] = unit
    r = call(t, client, "POST", "/api/v1/dossiers", body, sign=sign)
    status(r, 201)
    t.secrets[r.json["code"]] = r.json["lookup_secret"]
    return r.json["code"]


def setup(t):
    t.psql("""
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from) VALUES
      ('%(P)s', 'UBND tỉnh Thử Nghiệm', 'province', 'committee', NULL, 'H56', '2000-01-01'),
      ('%(X)s', 'UBND tỉnh Khác', 'province', 'committee', NULL, 'H57', '2000-01-01');
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)
      SELECT c, n, 'commune', 'committee', (SELECT id FROM unit WHERE code = '%(P)s'), 'H56',
             '2025-07-01'
      FROM (VALUES ('%(A)s', 'UBND xã Hòa An'), ('%(B)s', 'UBND xã Hòa Bình')) v(c, n);
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)
      SELECT '%(SUB)s', 'Bộ phận Một cửa xã Hòa An', 'commune', 'counter', id, 'H56', '2025-07-01'
      FROM unit WHERE code = '%(A)s';
    INSERT INTO field (code, name) VALUES ('G91', 'Hộ tịch');
    INSERT INTO procedure (code, name, field_id, levels) VALUES
      ('%(PROC)s', 'Đăng ký khai sinh', (SELECT id FROM field WHERE code = 'G91'),
       '{commune,province}');
    INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
      duration_unit, pause_reasons, legs, steps)
    SELECT id, 1, '2015-01-01', 3, 'wd', '{supplement}', '[]', '[]' FROM procedure
     WHERE code = '%(PROC)s';
    """ % {"P": P, "A": A, "B": B, "X": X, "PROC": PROC, "SUB": SUB})
    t.c = {}
    for role in ROLES:
        unit = {"supervisor": P, "admin": P}.get(role, A)
        if role == "integration":
            t.c[role] = t.api_key("mx-int", unit)
            t.c[role].integration = True
        else:
            t.c[role] = t.account("mx-" + role, role, unit, password=PW)
    t.c["clerk_b"] = t.account("mx-clerk-b", "clerk", B, password=PW)
    t.c["clerk_x"] = t.account("mx-clerk-x", "clerk", X, password=PW)
    t.run_cli(["account", "add", "--login", "mx-int2", "--role", "integration", "--unit", A,
               "--api-key"])
    r = t.c["admin"].post("/api/v1/integration/clients/mx-int/signing-secret")
    t.secret = status(r, 201).json["signing_secret"]
    t.signed_at = set()
    t.n = 0
    t.secrets = {}
    t.dossier = {"A": receive(t, t.c["clerk"]), "B": receive(t, t.c["clerk_b"]),
                 "X": receive(t, t.c["clerk_x"])}
    # one fresh dossier of A per role for the event calls that succeed
    t.fresh = {role: receive(t, t.c["clerk"]) for role in ROLES}
    t.fresh_out = {"B": receive(t, t.c["clerk_b"]), "X": receive(t, t.c["clerk_x"])}
    t.fresh2 = {role: receive(t, t.c["clerk"]) for role in ROLES}
    t.pakn = {k: pakn_of(t, u) for k, u in (("A", A), ("B", B), ("X", X))}
    t.tables = [r[0] for r in t.sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        if r[0] not in LOG_TABLES]
    t.routes = [tuple(line.split()[:2]) for line in t.run_cli(["routes"]).stdout.splitlines()]


def uniq(t):
    t.n += 1
    return t.n


def pakn_of(t, unit, state=0):
    """A fresh PAKN received at unit (a fixture: one per successful step call); state 6:
    published, for the reactions."""
    return t.scalar(
        "INSERT INTO pakn (topic, channel, sender, content, unit_id, received_at, arrived_at,"
        " reject_due_at, transfer_due_at, supplement_due_at, answer_due_at, state, public_text)"
        " SELECT 'regulation', 'counter', '{\"name\": \"x\"}', 'x', id, now(), now(), now(),"
        " now(), now(), now(), %d, 'Đã trả lời' FROM unit WHERE code = '%s' RETURNING id"
        % (state, unit)).split()[0]


def out_of(role):
    """The unit whose dossiers are out of this role's scope."""
    return "X" if role == "supervisor" else "B"


# -- requests -----------------------------------------------------------------------------
def signature(t, method, target, raw):
    ts = int(time.time())
    while (method, target, raw, ts) in t.signed_at:
        ts -= 1
    t.signed_at.add((method, target, raw, ts))
    msg = b"\n".join([method.encode(), target.encode(), str(ts).encode(), raw])
    mac = hmac.new(t.secret.encode(), msg, hashlib.sha256).hexdigest()
    return {"X-Motcua-Timestamp": str(ts), "X-Motcua-Signature": "v1=" + mac}


def call(t, client, method, target, body=None, sign=None, token=True):
    """One request on its own connection; None for an event stream (its head was 200)."""
    raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    headers = {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if method == "POST":
        headers["Idempotency-Key"] = new_key()
    if sign is None:
        sign = getattr(client, "integration", False)
    if sign:
        headers.update(signature(t, method, target, raw))
    if token and client.token:
        headers["Authorization"] = "Bearer " + client.token
    if not target.startswith("/api/v1/alerts/stream"):
        if token and client.token:
            return client.request(method, target, raw=raw if body is not None else None,
                                  headers=headers, timeout=10, sign=False)
        anon = Client(client.server)
        try:
            return anon.request(method, target, raw=raw if body is not None else None,
                                headers=headers, timeout=10, sign=False)
        finally:
            anon.close()
    conn = client.server.connect(timeout=5)
    try:
        conn.request(method, target, body=raw if body is not None else None, headers=headers)
        r = conn.getresponse()
        if r.getheader("Content-Type", "").startswith("text/event-stream"):
            return Response(r.status, r.getheaders(), b"")
        return Response(r.status, r.getheaders(), r.read())
    except (socket.timeout, TimeoutError):
        return None
    finally:
        conn.close()


def version_of(t, code):
    return int(t.scalar("SELECT version FROM dossier WHERE code = '%s'" % code))


def request_for(t, role, scope, method, pattern):
    """(target, body) of the call of role on pattern, in or out of scope. Writes that may
    succeed get valid bodies and fresh objects."""
    d = t.dossier["A" if scope == "in" else out_of(role)]
    u = uniq(t)
    unit = A if scope == "in" else (X if role == "supervisor" else B)
    q = "?unit=%s" % unit
    simple = {
        "/api/v1/units/{code}": "/api/v1/units/" + unit,
        "/api/v1/procedures/{code}": "/api/v1/procedures/" + PROC,
        "/api/v1/dossiers/{code}": "/api/v1/dossiers/" + d,
        "/api/v1/dossiers/{code}/events": "/api/v1/dossiers/%s/events" % d,
        "/api/v1/dossiers/{code}/deadline/explain": "/api/v1/dossiers/%s/deadline/explain" % d,
        "/api/v1/dossiers/{code}/documents": "/api/v1/dossiers/%s/documents" % d,
        "/api/v1/dossiers/{code}/evaluations": "/api/v1/dossiers/%s/evaluations" % d,
        "/api/v1/pakn/{id}": "/api/v1/pakn/%s" % t.pakn["A" if scope == "in"
                                                     else out_of(role)],
        "/api/v1/dossiers/{code}/documents/{form}": "/api/v1/dossiers/%s/documents/receipt" % d,
        "/api/v1/register": "/api/v1/register" + q + "&from=2026-01-01&to=2026-12-31",
        "/api/v1/dossiers": "/api/v1/dossiers" + q,
        "/api/v1/lookup": "/api/v1/lookup?code=%s&secret=%s" % (d, t.secrets[d]),
        "/assets/{build}/{file}": "/assets/000000000000/app.js",
    }
    if method == "GET":
        if pattern == "/api/v1/guidance/{id}/document":
            return "/api/v1/guidance/%s/document" % t.guidance["A" if scope == "in"
                                                               else out_of(role)], None
        if pattern == "/api/v1/webhooks/{id}/deliveries":
            return "/api/v1/webhooks/%s/deliveries" % t.hook, None
        if pattern.startswith(("/api/v1/stats", "/api/v1/reports", "/api/v1/alerts")):
            extra = "&cell=received" if pattern.endswith("/ontime/dossiers") else ""
            return pattern + q + "&from=2026-01-01&to=2026-12-31" + extra, None
        return simple.get(pattern, pattern), None
    # POST
    if pattern == "/api/v1/auth/login":
        return pattern, {"login": "mx-clerk", "password": PW}
    if pattern == "/api/v1/auth/logout":
        return pattern, None
    if pattern == "/api/v1/accounts":
        return pattern, {"login": "mx-new-%d" % u, "role": "clerk", "unit_code": A,
                         "display_name": "Nhân viên %d" % u, "password": PW}
    if pattern == "/api/v1/accounts/{login}/disable":
        t.run_cli(["account", "add", "--login", "mx-victim-%d" % u, "--role", "clerk", "--unit",
                   A, "--password-stdin"], input=PW + "\n")
        return "/api/v1/accounts/mx-victim-%d/disable" % u, None
    if pattern == "/api/v1/accounts/{login}/api-keys":
        return "/api/v1/accounts/mx-int/api-keys", {"label": "khóa %d" % u}
    if pattern == "/api/v1/api-keys/{id}/revoke":
        kid = t.scalar("INSERT INTO auth_token (token_hash, account_id, kind, label) SELECT"
                       " md5(random()::text) || md5(random()::text), id, 'api_key', 'mx'"
                       " FROM account WHERE login = 'mx-int' RETURNING id")
        return "/api/v1/api-keys/%s/revoke" % kid, None
    if pattern == "/api/v1/units":
        return pattern, {"code": "000.02.%02d.H56" % (u % 100), "name": "UBND xã Mới %d" % u,
                         "level": "commune", "kind": "committee", "parent": P,
                         "valid_from": "2025-07-01"}
    if pattern == "/api/v1/units/{code}/dissolve":
        code = "000.03.%02d.H56" % (u % 100)
        t.psql("INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)"
               " SELECT '%s', 'UBND xã Giải Thể %d', 'commune', 'committee', id, 'H56',"
               " '2025-07-01' FROM unit WHERE code = '%s'" % (code, u, P))
        return "/api/v1/units/%s/dissolve" % code, {"valid_to": "2026-06-30"}
    if pattern == "/api/v1/fields":
        return pattern, {"code": "G%02d" % (u % 90 + 10) if False else "M%02d" % (u % 100),
                         "name": "Lĩnh vực %d" % u}
    if pattern == "/api/v1/procedures":
        return pattern, {"code": "1.9%05d" % u, "name": "Thủ tục %d" % u, "field": "G91",
                         "levels": ["commune"],
                         "version": {"effective_from": "2026-01-01", "duration_value": 3,
                                     "duration_unit": "wd"}}
    if pattern == "/api/v1/procedures/{code}/versions":
        return "/api/v1/procedures/%s/versions" % PROC, {
            "effective_from": "%d-01-01" % (2040 + u), "duration_value": 3,
            "duration_unit": "wd", "legal_basis": "Thông tư thử nghiệm"}
    if pattern == "/api/v1/calendar/days":
        return pattern, {"day": "2031-%02d-%02d" % (u % 12 + 1, u % 28 + 1), "working": False,
                         "reason": "local", "note": "Nghỉ thử nghiệm"}
    if pattern == "/api/v1/calendar/days/{day}/delete":
        day = "2032-%02d-%02d" % (u % 12 + 1, u % 28 + 1)
        status(t.c["admin"].post("/api/v1/calendar/days", {"day": day, "working": False,
                                                           "reason": "local"}), 201)
        return "/api/v1/calendar/days/%s/delete" % day, None
    if pattern == "/api/v1/calendar/corrections/apply":
        return pattern, {"codes": ["NOPE-000000-%04d" % (u % 10000)]}
    if pattern == "/api/v1/calendar/import":
        return pattern, {"format": "tsv", "content": "2021-10-15\toff\tlocal\tngày nghỉ\n"}
    if pattern == "/api/v1/dossiers":
        body = {"applicant": dict(APPLICANT), "procedure": PROC, "channel": 1,
                "documents": [{"name": "Tờ khai", "kind": "original", "count": 1}],
                "sets": 1, "return_method": "counter", "complete": True}
        if role == "integration":
            body["receiving_unit"] = unit
        return pattern, body
    if pattern == "/api/v1/dossiers/{code}/events":
        code = t.fresh[role] if scope == "in" else t.fresh_out[out_of(role)]
        return "/api/v1/dossiers/%s/events" % code, {
            "type": "request_withdrawal", "expected_version": version_of(t, code),
            "reason": "Công dân xin rút hồ sơ"}
    if pattern == "/api/v1/dossiers/{code}/lookup-secret":
        code = t.fresh2[role] if scope == "in" else t.fresh_out[out_of(role)]
        return "/api/v1/dossiers/%s/lookup-secret" % code, {
            "expected_version": version_of(t, code), "reason": "Mất giấy biên nhận"}
    if pattern == "/api/v1/dossiers/{code}/evaluations":
        # each call its own dossier (one evaluation per dossier)
        who = "clerk" if scope == "in" else {"B": "clerk_b", "X": "clerk_x"}[out_of(role)]
        return "/api/v1/dossiers/%s/evaluations" % receive(t, t.c[who]), {
            "rating": "satisfied", "channel": "paper", "answers": [None, None, 2] + [None] * 6}
    if pattern in ("/api/v1/pakn", "/api/v1/pakn/{id}/events"):
        sender = {"name": "Người phản ánh", "address": "Khu phố 1", "phone": "0900000001"}
        if pattern == "/api/v1/pakn":
            # the caller's own unit (the default receiver); an administrator names unit A
            body = {"topic": "regulation", "channel": "counter", "sender": sender,
                    "content": "Đề nghị niêm yết thủ tục %d" % u}
            if role == "admin":
                body["unit"] = A
            return pattern, body
        pid = pakn_of(t, A if scope == "in" else (X if role == "supervisor" else B))
        return "/api/v1/pakn/%s/events" % pid, {"type": "accept", "expected_version": 1}
    if pattern in ("/api/v1/public/pakn/{id}/reactions", "/api/v1/pakn/{id}/portal-reactions"):
        pid = pakn_of(t, A if scope == "in" else (X if role == "supervisor" else B), state=6)
        if pattern.endswith("/reactions") and "portal" not in pattern:
            return "/api/v1/public/pakn/%s/reactions" % pid, {"reaction": "like"}
        return "/api/v1/pakn/%s/portal-reactions" % pid, {"likes": 1, "dislikes": 0}
    if pattern == "/api/v1/evaluations/verified-scores":
        return pattern, {"unit": unit if role == "admin" or scope == "out" else SUB,
                         "from": "2026-07-01", "to": "2026-09-30", "total": 12.5}
    if pattern == "/api/v1/lookup/pakn":
        code = receive(t, t.c["clerk"])
        return pattern, {"code": code, "secret": t.secrets[code], "topic": "conduct",
                         "content": "Phản ánh %d" % u, "name": "Công dân", "address": "Tổ 1",
                         "phone": "0900000002"}
    if pattern == "/api/v1/lookup/evaluation":
        code = receive(t, t.c["clerk"])
        return pattern, {"code": code, "secret": t.secrets[code], "rating": "very_satisfied"}
    if pattern == "/api/v1/calendar/schedules":
        return pattern, {"from_day": monday(u), "sessions": SUMMER}
    if pattern == "/api/v1/calendar/schedules/{from_day}/delete":
        day = monday(u)
        status(t.c["admin"].post("/api/v1/calendar/schedules",
                                 {"from_day": day, "sessions": SUMMER}), 201)
        return "/api/v1/calendar/schedules/%s/delete" % day, None
    if pattern == "/api/v1/integration/batch":
        return pattern, {"items": [{"op": "event", "code": t.dossier["A"],
                                    "event": {"type": "payment_done", "expected_version": 1}}]}
    if pattern == "/api/v1/integration/clients/{login}/signing-secret":
        return "/api/v1/integration/clients/mx-int2/signing-secret", None
    if pattern == "/api/v1/integration/status-map":
        return pattern, {"items": [{"source": "egov", "code": "M%d" % u, "state": 4,
                                    "note": "Đang xử lý"}]}
    if pattern == "/api/v1/webhooks":
        return pattern, {"url": "http://127.0.0.1:9/hook-%d" % u}
    if pattern == "/api/v1/webhooks/{id}/disable":
        return "/api/v1/webhooks/%s/disable" % t.hook, None
    if pattern in ("/api/v1/webhooks/deliveries/{id}/replay",
                   "/api/v1/webhooks/deliveries/{id}/skip"):
        did = t.scalar("INSERT INTO webhook_delivery (subscription_id, event_id, dossier_id,"
                       " seq, state, attempts) VALUES (%s, gen_random_uuid(), 1, %d, 'dead', 5)"
                       " RETURNING id" % (t.hook, u)).split()[0]
        return pattern.replace("{id}", did), None
    if pattern == "/api/v1/webhooks/{id}/update":
        return "/api/v1/webhooks/%s/update" % t.hook, {"description": "Móc %d" % u}
    if pattern == "/api/v1/webhooks/{id}/enable":
        # its own disabled subscription (t.hook stays disabled: its URL answers nothing)
        hid = t.scalar("INSERT INTO webhook_subscription (url, secret, active)"
                       " VALUES ('http://127.0.0.1:9/mx-%d', 'whsec_%s', false) RETURNING id"
                       % (u, "A" * 40)).split()[0]
        return "/api/v1/webhooks/%s/enable" % hid, None
    if pattern in ("/api/v1/webhooks/{id}/rotate-secret", "/api/v1/webhooks/{id}/replay-dead"):
        return pattern.replace("{id}", str(t.hook)), None
    if pattern == "/api/v1/dvcqg/ack":
        return pattern, {"items": [{"code": t.dossier["A"], "state": "synced"}]}
    if pattern == "/api/v1/dvcqg/reconcile":
        return pattern, {"period": {"from": "2026-01-01", "to": "2026-01-31"},
                         "units": [{"unit_code": unit}]}
    raise TestFailure("no request for %s %s" % (method, pattern))


SUMMER = [{"start": "07:00", "end": "11:00"}, {"start": "13:00", "end": "17:00"}]


def monday(u):
    return (datetime.date(2031, 1, 6) + datetime.timedelta(days=7 * u)).isoformat()


class Psql:
    """One psql session kept open for the many snapshots (a process per query is slow)."""

    def __init__(self, url):
        self.p = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", url],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def row(self, sql):
        self.p.stdin.write(sql + ";\n\\echo __end__\n")
        self.p.stdin.flush()
        lines = []
        while True:
            line = self.p.stdout.readline()
            if line == "" or line.strip() == "__end__":
                break
            if line.strip():
                lines.append(line.rstrip("\n"))
        if not lines:
            raise TestFailure("snapshot query returned nothing")
        return lines[0].split("\x1f")


def snapshot(t):
    """md5 of every table but the logs; a token's last_used_at is bookkeeping of the
    authentication itself (written at most every 5 minutes), not a change."""
    if getattr(t, "snap_sql", None) is None:
        parts = ["(SELECT md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, '|'"
                 " ORDER BY (to_jsonb(x) - 'last_used_at')::text), '')) FROM %s x)" % tb
                 for tb in t.tables]
        t.snap_sql = "SELECT " + ", ".join(parts)
        t.snap_psql = Psql(t.db_url)
    return t.snap_psql.row(t.snap_sql)


def diff(t, before, after):
    return [tb for tb, a, b in zip(t.tables, before, after) if a != b]


def is_refusal(st):
    return st >= 400


# -- tests --------------------------------------------------------------------------------
def test_every_route_has_a_row(t):
    listed = set(t.routes)
    missing = sorted(listed - set(EXPECT))
    stale = sorted(set(EXPECT) - listed)
    ok(not missing, "routes without an expected row: %s" % missing)
    ok(not stale, "rows for routes that do not exist: %s" % stale)


def test_anonymous(t):
    bad = []
    anon = t.anon()
    for method, pattern in t.routes:
        if (method, pattern) in PUBLIC:
            continue
        before = snapshot(t) if method == "POST" else None
        r = call(t, anon, method, pattern, {} if method == "POST" else None, sign=False)
        if r is None or r.status != 401 or r.error_code() != "UNAUTHENTICATED":
            bad.append("%s %s: anonymous got %r" % (method, pattern, r))
        if before is not None and snapshot(t) != before:
            bad.append("%s %s: anonymous refusal changed %s" % (method, pattern,
                                                               diff(t, before, snapshot(t))))
    ok(not bad, "\n".join(bad))


def test_matrix(t):
    # guidance records (one per unit) and a webhook subscription for the routes that need them
    t.guidance = {}
    for key, who in (("A", "clerk"), ("B", "clerk_b"), ("X", "clerk_x")):
        body = {"type": "guide", "applicant": dict(APPLICANT), "procedure": PROC, "channel": 1,
                "missing": [{"name": "Bản sao giấy chứng sinh", "kind": "copy", "count": 1}],
                "documents": [], "sets": 1,
                "return_method": "counter", "complete": False}
        r = call(t, t.c[who], "POST", "/api/v1/dossiers", body)
        ok(r.status in (200, 201), "guidance recorded: %r" % r)
        t.guidance[key] = r.json.get("guidance_id") or r.json.get("id")
    r = status(t.c["admin"].post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/mx"}), 201)
    t.hook = r.json["id"]
    t.psql("UPDATE webhook_subscription SET active = false WHERE id = %s" % t.hook)
    bad, counts = [], {"calls": 0, "refused": 0}
    order = [(m, p) for m, p in t.routes if (m, p) != ("POST", "/api/v1/auth/logout")]
    order.append(("POST", "/api/v1/auth/logout"))  # last: it ends sessions
    for method, pattern in order:
        exp = EXPECT.get((method, pattern))
        if exp is None:
            continue
        cases = [(role, scope, exp[role][0 if scope == "in" else 1])
                 for role in ROLES for scope in ("in", "out")]
        refused = [c for c in cases if c[2] >= 400]
        allowed = [c for c in cases if c[2] < 400]
        for batch in (refused, allowed):
            # requests (and their fixtures) first, so the snapshots see only the calls
            prepared = []
            for role, scope, want in batch:
                client = (fresh_session(t, role) if pattern == "/api/v1/auth/logout"
                          else t.c[role])
                prepared.append((role, scope, want, client)
                                + request_for(t, role, scope, method, pattern))
            before = snapshot(t) if batch is refused and batch else None
            for role, scope, want, client, target, body in prepared:
                r = call(t, client, method, target, body)
                counts["calls"] += 1
                got = r.status if r is not None else None
                if got == want and want in (401, 403, 404) and r.body.startswith(b"{"):
                    code = expected_code(exp, role, pattern, want)
                    if code and r.error_code() != code:
                        got = "%d %s" % (got, r.error_code())
                        want = "%d %s" % (want, code)
                if got != want:
                    bad.append("%s %s as %s (%s scope): expected %s, got %s %s"
                               % (method, target, role, scope, want, got,
                                  r.text[:160] if r is not None else "(no answer)"))
            if before is not None:
                # No waiting: a refused write is answered only after its idempotency claim
                # is deleted (server/api/dossier/idem.c idem_release_reply_error).
                after = snapshot(t)
                if after != before:
                    bad.append("%s %s: refused calls changed %s"
                               % (method, pattern, diff(t, before, after)))
        counts["refused"] += len(refused)
    print("# matrix: %(calls)d calls, %(refused)d refused, each refused batch between two"
          " database snapshots" % counts)
    ok(not bad, "%d problems:\n%s" % (len(bad), "\n".join(bad)))


def expected_code(exp, role, pattern, st):
    """The error code that goes with an expected refusal."""
    if st == 403:
        # the hook refuses a role the route does not list; the handler a transition
        return "FORBIDDEN" if exp[role] == (403, 403) else "ROLE_NOT_ALLOWED"
    if st == 404 and "/dossiers/{code}" in pattern:
        return "DOSSIER_NOT_FOUND"
    return None


INTEGRATION_WRITES = [p for p, e in EXPECT.items()
                      if p[0] == "POST" and e["integration"][0] < 500 and e["integration"][0] != 403
                      and p not in PUBLIC and not p[1].startswith("/api/v1/auth/")]


def test_unsigned_integration_writes(t):
    """docs/integration.md §2: every write of an integration client is signed; unsigned it
    is refused with 401 before anything changes."""
    bad = []
    t.fresh["integration"] = receive(t, t.c["clerk"])
    t.fresh2["integration"] = receive(t, t.c["clerk"])
    for method, pattern in INTEGRATION_WRITES:
        client = t.c["integration"]
        if pattern == "/api/v1/auth/logout":
            client = fresh_session(t, "integration")
        target, body = request_for(t, "integration", "in", method, pattern)
        before = snapshot(t)
        r = call(t, client, method, target, body, sign=False)
        if r is None or r.status != 401 or r.error_code() != "BAD_SIGNATURE":
            bad.append("%s %s unsigned: %r" % (method, pattern, r))
        if snapshot(t) != before:
            bad.append("%s %s unsigned changed %s" % (method, pattern,
                                                      diff(t, before, snapshot(t))))
    ok(len(INTEGRATION_WRITES) >= 5, "integration writes: %d" % len(INTEGRATION_WRITES))
    ok(not bad, "\n".join(bad))


def test_refusals_audited(t):
    """Every kind of refusal leaves an audit row (docs/security.md §5). Refusal audits are
    bounded per worker and second, and the matrix above refuses hundreds a second, so one
    refusal of each kind is made here in a fresh second and its row waited for."""
    time.sleep(1.1)
    a = t.dossier["A"]
    body = {"type": "request_withdrawal", "expected_version": version_of(t, a),
            "reason": "Công dân xin rút hồ sơ"}
    eq(call(t, t.c["official"], "POST", "/api/v1/dossiers/%s/events" % a, body).error_code(),
       "ROLE_NOT_ALLOWED", "handler refusal for role")
    eq(call(t, t.c["supervisor"], "POST", "/api/v1/dossiers/%s/events" % a, body).error_code(),
       "FORBIDDEN", "route refusal for role")
    eq(call(t, t.c["clerk"], "GET", "/api/v1/dossiers/%s" % t.dossier[out_of("clerk")]).status,
       404, "out of scope")
    eq(call(t, t.c["clerk"], "GET", "/api/v1/dossiers", token=False).status, 401, "no token")
    deadline = time.time() + 5
    while True:
        rows = dict((a + "/" + (r or ""), int(n)) for a, r, n in t.sql(
            "SELECT action, detail->>'code', count(*) FROM audit_log WHERE outcome = 'denied'"
            " GROUP BY 1, 2"))
        if all(rows.get(k, 0) > 0 for k in ("authorize/", "authorize/ROLE_NOT_ALLOWED",
                                            "scope/DOSSIER_NOT_FOUND", "authenticate/")) \
                or time.time() > deadline:
            break
        time.sleep(0.1)
    ok(rows.get("authorize/", 0) > 0, "403 FORBIDDEN refusals audited: %r" % rows)
    ok(rows.get("authorize/ROLE_NOT_ALLOWED", 0) > 0, "403 ROLE_NOT_ALLOWED audited: %r" % rows)
    ok(rows.get("scope/DOSSIER_NOT_FOUND", 0) > 0, "out-of-scope 404s audited: %r" % rows)
    ok(rows.get("authenticate/", 0) > 0, "401s audited: %r" % rows)


def fresh_session(t, role):
    if role == "integration":
        r = status(t.c["admin"].post("/api/v1/accounts/mx-int/api-keys", {"label": "logout"}), 201)
        c = t.client(r.json["key"])
        c.integration = True
        return c
    r = status(t.anon().post("/api/v1/auth/login", {"login": "mx-" + role, "password": PW}), 200)
    return t.client(r.json["token"])
