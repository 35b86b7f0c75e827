"""Audit of administrative changes (docs/security.md §5, sql/041_admin_audit.sql).

Each administrative change made over the API leaves exactly one audit_log row per changed
row, written by the generic trigger from the request context that api_db() sets: action
'admin.<table>.<op>', the row's natural key as target, the administrator's login and account
id, the X-Request-Id of the response and the client address. Secrets never reach a detail.
Changes that auth.c audits itself (account.disable, ...) keep their single, named row.
A refused change (403) leaves no admin row; a write without a request context (psql) is
audited as 'system'.
"""
import json

from harness import eq, ok, status
import test_dossier as td

ADMIN = "audit_admin"
CLERK = "audit_clerk"
UNIT = "131.00.00.H56"


def setup(t):
    td.setup(t)
    t.admin = t.account(ADMIN, "admin", td.H56["root"])
    t.clerk2 = t.account(CLERK, "clerk", td.H56["center"])
    t.admin_id = t.scalar("SELECT id FROM account WHERE login = '%s'" % ADMIN)


def admin_rows(t, where):
    """Admin rows as dicts, oldest first."""
    rows = t.sql("SELECT action, coalesce(target, ''), coalesce(login, ''),"
                 " coalesce(account_id::text, ''), coalesce(request_id, ''),"
                 " coalesce(client_addr, ''), detail::text FROM audit_log"
                 " WHERE %s ORDER BY id" % where)
    keys = ("action", "target", "login", "account_id", "request_id", "client_addr", "detail")
    return [dict(zip(keys, r[:6] + [json.loads(r[6])])) for r in rows]


def by_request(t, resp):
    rid = resp.headers.get("x-request-id")
    ok(rid, "response has an X-Request-Id")
    return admin_rows(t, "request_id = '%s'" % rid), rid


def check_one(t, resp, action, target):
    rows, rid = by_request(t, resp)
    eq(len(rows), 1, "%s: audit rows of request %s: %r" % (action, rid, rows))
    r = rows[0]
    eq((r["action"], r["target"], r["login"], r["account_id"], r["request_id"]),
       (action, target, ADMIN, t.admin_id, rid), action + " row")
    eq(r["client_addr"], "127.0.0.1", action + " client address")
    return r


def test_unit_create(t):
    body = {"code": UNIT, "name": "Ủy ban nhân dân xã Thử Nghiệm", "level": "commune",
            "kind": "committee", "parent": td.H56["root"], "valid_from": "2025-07-01"}
    status(t.clerk2.post("/api/v1/units", body), 403, "FORBIDDEN")
    eq(t.scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'admin.%%'"
                " AND target = '%s'" % UNIT), "0", "a refused change leaves no admin row")
    eq(t.scalar("SELECT count(*) FROM audit_log WHERE action = 'authorize' AND login = '%s'"
                % CLERK), "1", "the refusal itself is audited once")
    r = status(t.admin.post("/api/v1/units", body), 201)
    row = check_one(t, r, "admin.unit.insert", UNIT)
    eq((row["detail"]["new"]["code"], row["detail"]["new"]["name"], row["detail"]["new"]["level"]),
       (UNIT, body["name"], "commune"), "detail.new holds the row")
    ok("name_fold" not in row["detail"]["new"], "bookkeeping columns left out")


def test_procedure_version(t):
    pid = t.scalar("SELECT id FROM procedure WHERE code = '2.000002'")
    body = {"effective_from": "2026-03-01", "duration_value": 2, "duration_unit": "wd",
            "legal_basis": "Quyết định thử nghiệm"}
    status(t.clerk2.post("/api/v1/procedures/2.000002/versions", body), 403, "FORBIDDEN")
    r = status(t.admin.post("/api/v1/procedures/2.000002/versions", body), 201)
    rows, rid = by_request(t, r)
    # The new version, and the automatic close of the open-ended version 1 (a second change).
    eq([(x["action"], x["target"]) for x in rows],
       [("admin.procedure_version.update", "%s/1" % pid),
        ("admin.procedure_version.insert", "%s/2" % pid)], "version rows")
    ins = [x for x in rows if x["action"].endswith(".insert")][0]
    eq((ins["login"], ins["account_id"]), (ADMIN, t.admin_id), "who")
    eq((ins["detail"]["new"]["duration_value"], ins["detail"]["new"]["effective_from"]),
       (2, "2026-03-01"), "detail of the new version")
    upd = rows[0]["detail"]
    eq(upd, {"old": {"effective_to": None}, "new": {"effective_to": "2026-02-28"}},
       "an update records only the changed columns")


def test_calendar_day(t):
    body = {"day": "2026-11-24", "working": False, "reason": "announced",
            "note": "Ngày Văn hóa Việt Nam"}
    status(t.clerk2.post("/api/v1/calendar/days", body), 403, "FORBIDDEN")
    eq(t.scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'admin.calendar%'"), "0",
       "refused calendar change: no admin row")
    r = status(t.admin.post("/api/v1/calendar/days", body), 201)
    row = check_one(t, r, "admin.calendar_day.insert", "2026-11-24")
    eq(row["detail"]["new"]["note"], "Ngày Văn hóa Việt Nam", "note in the detail")
    r = status(t.admin.post("/api/v1/calendar/days/2026-11-24/delete"), 200)
    check_one(t, r, "admin.calendar_day.delete", "2026-11-24")


def test_webhook_without_secret(t):
    r = status(t.admin.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook"}), 201)
    secret = r.json["secret"]
    row = check_one(t, r, "admin.webhook_subscription.insert", str(r.json["id"]))
    ok("secret" not in row["detail"]["new"], "no webhook secret in the detail")
    eq(row["detail"].get("redacted"), ["secret"], "the secret is named, not shown")
    r = status(t.admin.post("/api/v1/webhooks/%d/disable" % r.json["id"]), 200)
    row = check_one(t, r, "admin.webhook_subscription.update", str(r.json["id"]))
    eq(row["detail"]["new"]["active"], False, "disabled")
    eq(t.scalar("SELECT count(*) FROM audit_log WHERE detail::text LIKE '%%%s%%'"
                % secret[6:]), "0", "the secret appears in no audit row")
    # A replay of a dead delivery (of the disabled subscription: the delivery thread never
    # claims it). The delivery thread's own updates (attempts + 1, dead) leave no row.
    did = t.scalar("INSERT INTO webhook_delivery (subscription_id, event_id, dossier_id, seq,"
                   " state, attempts) VALUES (%d, gen_random_uuid(), 1, 1, 'pending', 4)"
                   " RETURNING id" % r.json["id"]).split()[0]
    t.psql("UPDATE webhook_delivery SET attempts = attempts + 1, state = 'dead' WHERE id = %s"
           % did)
    eq(admin_rows(t, "action LIKE 'admin.webhook_delivery%%'"), [], "delivery progress: no row")
    r = status(t.admin.post("/api/v1/webhooks/deliveries/%s/replay" % did), 202)
    row = check_one(t, r, "admin.webhook_delivery.update", did)
    eq((row["detail"]["old"]["state"], row["detail"]["new"]["state"],
        row["detail"]["new"]["attempts"]), ("dead", "pending", 0), "replay recorded")


def test_signing_secret_and_status_map(t):
    r = status(t.admin.post("/api/v1/integration/clients/egov/signing-secret"), 201)
    egov = t.scalar("SELECT id FROM account WHERE login = 'egov'")
    row = check_one(t, r, "admin.integ_client.insert", egov)
    eq(row["detail"].get("redacted"), ["signing_secret"], "signing secret redacted")
    eq(t.scalar("SELECT count(*) FROM audit_log WHERE detail::text LIKE '%%%s%%'"
                % r.json["signing_secret"][:24]), "0", "no signing secret in any row")
    r = status(t.admin.post("/api/v1/integration/clients/egov/signing-secret"), 201)
    row = check_one(t, r, "admin.integ_client.update", egov)
    eq(row["detail"]["redacted"], ["signing_secret"], "rotation: secret named only")
    ok("rotated_at" in row["detail"]["new"], "rotation time recorded")
    # An upsert of the map: the unchanged row (same state and note) leaves no row.
    items = [{"source": "dvcqg", "code": "4", "state": 4, "note": "Đang xử lý"},
             {"source": "egov", "code": "DXL", "state": 4, "note": "Đang xử lý"}]
    r = status(t.admin.post("/api/v1/integration/status-map", {"items": items}), 200)
    row = check_one(t, r, "admin.integ_status_map.insert", "egov/DXL")
    eq(row["detail"]["new"]["state"], 4, "mapped state")


def test_account_disable_audited_once(t):
    t.account("audit_victim", "clerk", td.H56["center"])  # holds one session
    r = status(t.admin.post("/api/v1/accounts/audit_victim/disable"), 200)
    eq(r.json["tokens_revoked"], 1, "its session revoked")
    rows = t.sql("SELECT action, target, login, request_id FROM audit_log WHERE request_id = '%s'"
                 % r.headers["x-request-id"])
    eq(rows, [["account.disable", "audit_victim", ADMIN, r.headers["x-request-id"]]],
       "exactly one row, under auth.c's named action (no trigger duplicate)")


def test_no_secret_in_any_detail(t):
    dump = t.psql("SELECT detail::text FROM audit_log")
    for marker in ("$argon2", "whsec_", "mck_", "mcs_", "password_hash", "token_hash"):
        ok(marker not in dump.replace('"redacted"', ""), "%s in an audit detail" % marker)
    hashes = t.sql("SELECT token_hash FROM auth_token")
    ok(all(h[0] not in dump for h in hashes), "a token hash in an audit detail")


def test_system_writes_and_noop_upserts(t):
    t.psql("UPDATE field SET name = 'Chứng thực (sửa)' WHERE code = 'G01'")
    rows = admin_rows(t, "action = 'admin.field.update' AND target = 'G01'")
    eq(len(rows), 1, "psql write audited")
    eq((rows[-1]["login"], rows[-1]["account_id"], rows[-1]["request_id"]), ("system", "", ""),
       "no request context: login 'system'")
    ok(rows[-1]["detail"].get("db_user"), "the database user is recorded")
    n = t.scalar("SELECT count(*) FROM audit_log")
    t.psql("UPDATE field SET name = name")
    t.psql("UPDATE auth_token SET last_used_at = now()")
    eq(t.scalar("SELECT count(*) FROM audit_log"), n, "updates that change nothing: no row")


def test_audit_route_action_prefix(t):
    r = status(t.admin.get("/api/v1/audit?action_prefix=admin.&limit=500"), 200).json
    actions = [i["action"] for i in r["items"]]
    ok(actions and all(a.startswith("admin.") for a in actions), "prefix filter: %r" % actions)
    ok("admin.unit.insert" in actions and "admin.calendar_day.delete" in actions,
       "admin rows listed")
    r = status(t.admin.get("/api/v1/audit?action_prefix=admin.calendar_day.&limit=500"), 200).json
    eq(sorted(i["action"] for i in r["items"]),
       ["admin.calendar_day.delete", "admin.calendar_day.insert"], "narrower prefix")
    eq([i["login"] for i in r["items"]], [ADMIN, ADMIN], "rows show the administrator")
    status(t.clerk2.get("/api/v1/audit?action_prefix=admin."), 403, "FORBIDDEN")
