"""proto/openapi.yaml against the real server, judged by an outside validator.

Stoplight Prism (tests/contract/package.json, installed by tools/deps.sh) reads the YAML itself
and runs as a validating proxy in front of this module's server: `prism proxy --errors
proto/openapi.yaml http://127.0.0.1:<server>`. Every request of the session below goes
through it; Prism checks the request against the document (parameters, body, security) and
the server's answer against the declared response of its status (status declared, media
type, headers, body schema). With --errors a request violation is answered 422 (401 for a
missing token) without reaching the server and a response violation is replaced by a 500
problem+json; every violation, warnings included (an undeclared 4xx status is one), is also
listed in the `sl-violations` header. The session collects them all and the module fails
on any, printing each with its request.

The session runs on the demo province (tools/demo/load.sh, tools/demo/dossiers.py, as
test_web) plus dossiers it makes itself, and covers every route of `motcua routes` and every
event kind (receive ... return_result, and the lookup-secret reissue), with valid requests and
invalid ones the server refuses (401, 403, 404, 406, 409, 414, 422, 431, ...). Requests that
break the document on purpose (a missing member, a value outside an enum) go through a second
Prism without --errors, which forwards them and reports: the request violation is expected
there, and the server's refusal must still match the document. That proxy sits in front of a
small pass-through that can corrupt a response on demand (X-Contract-Fault), which shows that
the validator does catch a wrong body or status.

Prism re-serialises JSON bodies before forwarding them, so this client sends compact JSON
(what JSON.stringify writes) and signs those bytes. The alert stream never ends, so its 200
is read from the server directly; its events are compared with the same alerts as listed
(validated) by GET /api/v1/alerts.
"""
import atexit
import datetime as dt
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import socket
import subprocess
import threading
import time
import uuid

import yaml

from harness import ROOT, TestFailure, eq, free_port, ok

SERVER_ENV = {"MOTCUA_PROVINCE": "H19", "MOTCUA_THREADS": "2",
              "MOTCUA_ALERT_SUPPLEMENT_DAYS": "0",   # a supplement request alerts at once
              "MOTCUA_WEBHOOK_MAX_ATTEMPTS": "1",    # a failed delivery is dead at once
              "MOTCUA_WEBHOOK_TIMEOUT": "2",
              "MOTCUA_MAX_HEADERS": "8192",          # below Node's 16 KiB: 431 reaches us
              "MOTCUA_MAX_BODY": "65536"}
CONTRACT = os.path.join(ROOT, "tests/contract")
DOC = os.path.join(ROOT, "proto/openapi.yaml")
PRISM = os.path.join(CONTRACT, "node_modules/@stoplight/prism-cli/dist/index.js")
PASSWORD = "motcua-demo-2026"
CENTRE, JUSTICE, ROOTU = "000.00.01.H19", "000.00.10.H19", "000.00.00.H19"
PROC = "2.000942"   # resolved by Sở Tư pháp when received at the provincial centre (demo)
METHODS = ("get", "post", "put", "patch", "delete")
EVENT_KINDS = ("receive", "refuse", "hand_over", "assign", "request_supplement",
               "receive_supplement", "request_payment", "payment_done", "apologize", "resolve",
               "request_withdrawal", "stop", "return_result", "reissue_lookup_secret")

TODAY = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=7)).date()   # Vietnam time
# the official report year holding today (its cut-off: 15 December of the year before)
YEAR = TODAY.year + (1 if (TODAY.month, TODAY.day) >= (12, 15) else 0)
PERIOD = "period=year&year=%d" % YEAR
NEXT = TODAY.year + 1
MONDAY = dt.date(NEXT, 11, 1) + dt.timedelta(days=(7 - dt.date(NEXT, 11, 1).weekday()) % 7)


def day(n, base=None):
    return ((base or TODAY) + dt.timedelta(days=n)).isoformat()


RANGE = "from=%s&to=%s" % (day(-365), day(0))   # the demo dossiers: the last five months

S = {}          # the session: tokens, clients, codes made along the way
LOG = []        # every request through a proxy: dict(method, target, route, status, ...)
VIOLATIONS = []  # every unexpected violation or status, with its request
PROCS = []


# ---- the proxies ------------------------------------------------------------------------

def _kill_all():
    for p in PROCS:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()


atexit.register(_kill_all)


def start_prism(upstream_port, errors, label):
    port = free_port()
    log = open("/tmp/motcua-prism-%s-%d.log" % (label, port), "wb")
    argv = ["node", PRISM, "proxy", DOC, "http://127.0.0.1:%d" % upstream_port, "-p", str(port),
            "-h", "127.0.0.1", "--cors=false", "-v", "warn"]
    if errors:
        argv.insert(5, "--errors")
    p = subprocess.Popen(argv, cwd=CONTRACT, stdout=log, stderr=subprocess.STDOUT)
    PROCS.append(p)
    return port, p, log.name


def wait_listening(port, proc, logname, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise TestFailure("prism exited (%s): %s" % (proc.returncode, open(logname).read()[-3000:]))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TestFailure("prism not listening after %ds: %s" % (timeout, open(logname).read()[-3000:]))


class FaultProxy:
    """A pass-through to the server that corrupts a JSON answer on demand: X-Contract-Fault
    `drop:<member>` removes a top-level member, `set:<member>=<json>` replaces one,
    `status:<n>` changes the status. The header is not forwarded."""

    def __init__(self, upstream_port):
        up = upstream_port

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                fault = self.headers.get("X-Contract-Fault")
                hdr = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "x-contract-fault", "connection")}
                c = http.client.HTTPConnection("127.0.0.1", up, timeout=30)
                c.request(self.command, self.path, body=body, headers=hdr)
                r = c.getresponse()
                data, st = r.read(), r.status
                rh = [(k, v) for k, v in r.getheaders()
                      if k.lower() not in ("content-length", "transfer-encoding", "connection")]
                c.close()
                if fault:
                    kind, _, arg = fault.partition(":")
                    if kind == "status":
                        st = int(arg)
                    else:
                        obj = json.loads(data)
                        if kind == "drop":
                            obj.pop(arg, None)
                        elif kind == "set":
                            k, _, v = arg.partition("=")
                            obj[k] = json.loads(v)
                        data = json.dumps(obj).encode()
                self.send_response(st)
                for k, v in rh:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _any

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()


# ---- the route table of the document, to name what a request exercised ----------------

def _routes():
    doc = yaml.safe_load(open(DOC, encoding="utf-8"))
    out = []
    for path, item in doc["paths"].items():
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"
        for m in METHODS:
            if m in item:
                out.append((m.upper(), path, re.compile(rx), path.count("{")))
    out.sort(key=lambda r: r[3])   # literal paths first (/webhooks/deliveries/{id}/...)
    return out


ROUTES = _routes()


def route_of(method, path):
    path = path.split("?")[0]
    for m, p, rx, _ in ROUTES:
        if m == method and rx.match(path):
            return p
    return None


# ---- the client ---------------------------------------------------------------------------

def compact(body):
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_ts = [0]


def sign_headers(secret, method, target, raw):
    _ts[0] = ts = max(int(time.time()) - 120, _ts[0] + 1)   # never the same bytes twice
    msg = b"\n".join([method.encode(), target.encode(), str(ts).encode(), raw or b""])
    mac = hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()
    return {"X-Motcua-Timestamp": str(ts), "X-Motcua-Signature": "v1=" + mac}


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def code(self):
        try:
            return (self.json.get("error") or {}).get("code")
        except ValueError:
            return None


class Api:
    """A caller through one of the proxies. token: bearer; secret: an integration client's
    signing secret (its writes, and every request under /integration and /dvcqg, signed)."""

    def __init__(self, port, token=None, secret=None, name="anon"):
        self.port = port
        self.token = token
        self.secret = secret
        self.name = name
        self.conn = None

    def call(self, method, target, body=None, expect=200, headers=None, sign=None, raw=None,
             bad_request=False, fault=None, note=""):
        """One request; expect: a status or a tuple of them. bad_request: the request breaks
        the document on purpose (lenient proxy only): a request violation is expected and
        nothing else. fault: X-Contract-Fault for the pass-through (a response violation is
        then expected)."""
        h = {"Accept-Encoding": "identity"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        data = raw
        if body is not None:
            data = compact(body)
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        if sign is None:
            sign = self.secret is not None and (method != "GET" or "/integration/" in target
                                                or "/dvcqg/" in target)
        if sign and self.secret:
            h.update(sign_headers(self.secret, method, target, data))
        if fault:
            h["X-Contract-Fault"] = fault
        r = self._send(method, target, data, h)
        route = route_of(method, target)
        entry = {"who": self.name, "method": method, "target": target[:160], "route": route,
                 "status": r.status, "bad_request": bad_request, "fault": bool(fault),
                 "note": note}
        viol = []
        if "sl-violations" in r.headers:
            try:
                viol = json.loads(r.headers["sl-violations"])
            except ValueError:
                viol = [{"location": ["?"], "message": r.headers["sl-violations"][:2000]}]
        prism_own = (r.headers.get("content-type", "").startswith("application/problem+json")
                     and b"stoplight.io/prism/errors" in r.body[:200])
        if prism_own and not viol:
            viol = [{"location": ["prism"], "message": r.body[:2000].decode("utf-8", "replace")}]
        entry["violations"] = viol
        LOG.append(entry)
        where = "%s %s %s (%s)" % (self.name, method, target[:200], note or route)
        req_v = [v for v in viol if (v.get("location") or ["?"])[0] == "request"]
        resp_v = [v for v in viol if v not in req_v]
        if bad_request:
            if not req_v:
                VIOLATIONS.append("%s: a request that breaks the document was not reported by "
                                  "the validator" % where)
            viol = resp_v
        if fault:
            if not resp_v:
                VIOLATIONS.append("%s: a corrupted answer (%s) was not reported" % (where, fault))
            return r
        for v in viol:
            VIOLATIONS.append("%s -> %d: %s [%s] %s" % (
                where, r.status, ".".join(str(x) for x in v.get("location", [])),
                v.get("code", ""), v.get("message", "")))
        want = expect if isinstance(expect, tuple) else (expect,)
        if r.status not in want and not (prism_own and viol):
            VIOLATIONS.append("%s: expected %s, got %d %s" % (where, want, r.status,
                                                            r.body[:300].decode("utf-8", "replace")))
        return r

    def _send(self, method, target, data, h):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, target, body=data, headers=h)
                r = self.conn.getresponse()
                out = Resp(r.status, r.getheaders(), r.read())
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return out
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt:
                    raise
        raise TestFailure("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def get(self, target, expect=200, **kw):
        return self.call("GET", target, expect=expect, **kw)

    def post(self, target, body=None, expect=200, **kw):
        return self.call("POST", target, body=body, expect=expect, **kw)


def strict(name, token=None, secret=None):
    return Api(S["strict"], token, secret, name)


def lenient(name, token=None, secret=None):
    return Api(S["lenient"], token, secret, name + "~")


def clean(t, since):
    """Fails the calling test with the violations it added."""
    new = VIOLATIONS[since:]
    if new:
        # run.py keeps the last lines of a traceback only: every violation is printed first
        for v in new:
            print("# violation: " + v.replace("\n", " "))
        raise TestFailure("%d contract violation(s):\n  %s" % (len(new), "\n  ".join(new)))


def mark():
    return len(VIOLATIONS)


def key():
    return str(uuid.uuid4())


# ---- setup --------------------------------------------------------------------------------

def setup(t):
    missing = [w for w, cond in (
        ("node (apt-get install nodejs)", subprocess.run(["sh", "-c", "command -v node"],
                                                         capture_output=True).returncode == 0),
        ("tests/contract/node_modules/@stoplight/prism-cli (npm ci in tests/contract)",
         os.path.exists(PRISM))) if not cond]
    if missing:
        raise TestFailure("the contract suite cannot run: missing " + ", ".join(missing))
    fault = FaultProxy(t.server.port)
    S["strict"], sp, slog = start_prism(t.server.port, True, "strict")
    S["lenient"], lp, llog = start_prism(fault.port, False, "lenient")
    t.load_demo(45)
    # our own integration client at the province root, with a signing secret
    t.run_cli(["account", "add", "--login", "contract.int", "--role", "integration", "--unit",
               ROOTU, "--name", "Hợp đồng API"])
    wait_listening(S["strict"], sp, slog)
    wait_listening(S["lenient"], lp, llog)


def login(name, expect=200):
    r = strict("anon").post("/api/v1/auth/login", {"login": name, "password": PASSWORD},
                            expect=expect)
    return r.json.get("token") if r.status == 200 else None


# ---- the session --------------------------------------------------------------------------

def test_validator_catches_a_wrong_answer(t):
    # The pass-through corrupts the server's answer; the validator must say so. (Without
    # this, a validator that silently skipped a schema would pass everything.)
    m = mark()
    a = lenient("anon")
    a.get("/healthz", fault="set:status=\"nope\"")
    a.get("/readyz", fault="drop:schema_at_head")
    a.get("/api/v1/channels", fault="status:299")
    tok = login("admin")
    lenient("admin", tok).get("/api/v1/dossiers?limit=1", fault="set:class_rules=7")
    clean(t, m)
    bad = [e for e in LOG if e["fault"]]
    eq(len(bad), 4, "faulted requests")
    for e in bad:
        ok(any((v.get("location") or [""])[0] == "response" for v in e["violations"]),
           "response violation reported for %s: %r" % (e["target"], e["violations"]))


def test_system_and_web(t):
    m = mark()
    a = strict("anon")
    a.get("/healthz")
    a.get("/readyz")
    r = a.get("/metrics")
    ok(b"motcua_" in r.body, "metrics text")
    r = a.get("/")
    etag = r.headers.get("etag")
    a.get("/", headers={"If-None-Match": etag}, expect=304)
    page = a.get("/tra-cuu?ma=000.00.01.H19-260101-0001").body.decode()
    a.get("/tra-cuu")
    build = re.search(r"/assets/([0-9a-f]{12})/", page).group(1)
    a.get("/assets/%s/app.js" % build)
    a.get("/assets/%s/app.css" % build)
    a.get("/assets/%s/favicon.svg" % build)
    a.get("/assets/%s/nope.js" % build, expect=404)
    # the transport limits, through the validator
    a.get("/healthz?pad=" + "A" * 9000, expect=414)
    a.get("/healthz", headers={"X-Padding": "p" * 9000}, expect=431)
    clean(t, m)


def test_auth(t):
    m = mark()
    for name in ("admin", "giamsat", "tiepnhan.tinh", "chuyenvien.tuphap", "lanhdao.tuphap"):
        S[name] = login(name)
        ok(S[name], "logged in as %s" % name)
        strict(name, S[name]).get("/api/v1/auth/me")
    login("admin2-nobody", expect=401)
    strict("anon").post("/api/v1/auth/login", {"login": "admin", "password": "wrong-password"},
                        expect=401)
    strict("anon").post("/api/v1/auth/login", {"login": "x", "password": "y"}, expect=(401, 422))
    lenient("anon").post("/api/v1/auth/login", {"login": "admin"}, expect=422, bad_request=True)
    # (a body that is not JSON never passes Prism, which parses it; one nested deeper than
    # the server's 32 levels does)
    deep = b'{"login":' + b"[" * 40 + b"]" * 40 + b',"password":"x"}'
    lenient("anon").post("/api/v1/auth/login", raw=deep, headers={"Content-Type":
                         "application/json"}, expect=400, bad_request=True)
    lenient("anon").post("/api/v1/auth/login", raw=b"login=admin", headers={
        "Content-Type": "application/x-www-form-urlencoded"}, expect=415, bad_request=True)
    # a bad token reaches the server (the validator only checks that one is there)
    strict("bad", "mcs_not-a-token").get("/api/v1/auth/me", expect=401)
    lenient("anon").get("/api/v1/auth/me", expect=401, bad_request=True)
    spare = login("giamsat")
    strict("giamsat", spare).post("/api/v1/auth/logout")
    strict("giamsat", spare).get("/api/v1/auth/me", expect=401)
    # the integration client: an API key issued by the administrator, a signing secret
    adm = strict("admin", S["admin"])
    r = adm.post("/api/v1/accounts/contract.int/api-keys", {"label": "hợp đồng"}, expect=201)
    S["int_key"] = r.json["key"]
    S["int_key_id"] = r.json["id"]
    r = adm.post("/api/v1/integration/clients/contract.int/signing-secret", expect=201)
    S["int_secret"] = r.json["signing_secret"]
    strict("integration", S["int_key"]).post("/api/v1/auth/logout", expect=422, sign=False)
    strict("integration", S["int_key"]).get("/api/v1/auth/me")
    clean(t, m)


def test_accounts_and_audit(t):
    m = mark()
    adm = strict("admin", S["admin"])
    clerk = strict("clerk", S["tiepnhan.tinh"])
    adm.get("/api/v1/accounts?limit=3")
    r = adm.get("/api/v1/accounts?role=clerk&limit=1")
    if r.json["next_cursor"]:
        adm.get("/api/v1/accounts?role=clerk&limit=1&cursor=" + r.json["next_cursor"])
    clerk.get("/api/v1/accounts", expect=403)
    adm.post("/api/v1/accounts", {"login": "contract.clerk", "role": "clerk",
                                  "unit_code": CENTRE, "display_name": "Cán bộ thử",
                                  "password": "mật-khẩu-đủ-dài-1"}, expect=201)
    adm.post("/api/v1/accounts", {"login": "contract.clerk", "role": "clerk",
                                  "unit_code": CENTRE, "password": "mật-khẩu-đủ-dài-1"},
             expect=409)
    adm.post("/api/v1/accounts", {"login": "contract.other", "role": "clerk",
                                  "unit_code": "999.99.99.H19", "password": "mật-khẩu-đủ-dài-1"},
             expect=422)
    adm.post("/api/v1/accounts", {"login": "contract.int2", "role": "integration",
                                  "unit_code": ROOTU}, expect=201)
    lenient("admin", S["admin"]).post("/api/v1/accounts", {"login": "Bad Login!", "role": "clerk"},
                                      expect=422, bad_request=True)
    r = adm.post("/api/v1/accounts/contract.int2/api-keys", expect=201)
    adm.post("/api/v1/api-keys/%d/revoke" % r.json["id"])
    adm.post("/api/v1/api-keys/999999999/revoke", expect=404)
    adm.post("/api/v1/accounts/nobody.here/api-keys", {}, expect=404)
    adm.post("/api/v1/accounts/contract.clerk/api-keys", {}, expect=409)
    adm.post("/api/v1/accounts/contract.int2/api-keys",
             {"expires_at": "2020-01-01T00:00:00+07:00"}, expect=422)
    adm.post("/api/v1/accounts/contract.clerk/disable")
    adm.post("/api/v1/accounts/nobody.here/disable", expect=404)
    adm.post("/api/v1/accounts/admin/disable", expect=409)
    adm.get("/api/v1/audit?limit=5")
    r = adm.get("/api/v1/audit?login=admin&action=login&outcome=ok&limit=2")
    if r.json["next_cursor"]:
        adm.get("/api/v1/audit?limit=2&cursor=" + r.json["next_cursor"])
    adm.get("/api/v1/audit?action_prefix=admin.&limit=5")
    lenient("admin", S["admin"]).get("/api/v1/audit?outcome=maybe", expect=400, bad_request=True)
    clerk.get("/api/v1/audit", expect=403)
    clean(t, m)


def test_catalog(t):
    m = mark()
    adm = strict("admin", S["admin"])
    sup = strict("giamsat", S["giamsat"])
    r = sup.get("/api/v1/units?limit=5")
    if r.json["next_cursor"]:
        sup.get("/api/v1/units?limit=5&cursor=" + r.json["next_cursor"])
    sup.get("/api/v1/units?level=commune&province=H19&q=long&valid_at=2026-01-01")
    sup.get("/api/v1/units?parent=" + ROOTU)
    sup.get("/api/v1/units?valid_at=tomorrow", expect=422)
    lenient("giamsat", S["giamsat"]).get("/api/v1/units?level=planet", expect=400,
                                         bad_request=True)
    sup.get("/api/v1/units/" + JUSTICE)
    sup.get("/api/v1/units/999.99.99.H19", expect=404)
    new = {"code": "000.00.98.H19", "name": "Đơn vị thử hợp đồng", "level": "province",
           "kind": "department", "parent": ROOTU, "valid_from": "2026-01-01"}
    adm.post("/api/v1/units", new, expect=201)
    adm.post("/api/v1/units", new, expect=409)
    adm.post("/api/v1/units", dict(new, code="000.00.97.H19", parent="000.00.96.H19"),
             expect=422)
    sup.post("/api/v1/units", dict(new, code="000.00.95.H19"), expect=403)
    adm.post("/api/v1/units/000.00.98.H19/dissolve", {"valid_to": "2026-06-30",
                                                       "successors": [JUSTICE]})
    adm.post("/api/v1/units/000.00.98.H19/dissolve", {"valid_to": "2026-06-30"}, expect=409)
    adm.post("/api/v1/units/999.99.99.H19/dissolve", {"valid_to": "2026-06-30"}, expect=404)
    sup.get("/api/v1/fields")
    adm.post("/api/v1/fields", {"code": "HOPDONG", "name": "Lĩnh vực thử"}, expect=201)
    adm.post("/api/v1/fields", {"code": "HOPDONG", "name": "Lĩnh vực thử"}, expect=409)
    r = sup.get("/api/v1/procedures?limit=3")
    if r.json["next_cursor"]:
        sup.get("/api/v1/procedures?limit=3&cursor=" + r.json["next_cursor"])
    sup.get("/api/v1/procedures?field=CHUNGTHUC&level=commune&q=chung&at=2026-06-01")
    sup.get("/api/v1/procedures?at=someday", expect=422)
    sup.get("/api/v1/procedures/" + PROC)
    sup.get("/api/v1/procedures/%s?at=2026-01-01T08:00:00%%2B07:00" % PROC)
    sup.get("/api/v1/procedures/9.999999", expect=404)
    proc = {"code": "9.000001", "name": "Thủ tục thử hợp đồng", "field": "HOPDONG",
            "levels": ["province"],
            "version": {"effective_from": "2026-01-01", "duration_value": 3, "duration_unit": "wd",
                        "pause_reasons": ["supplement", "payment"],
                        "steps": [{"name": "Thẩm định", "role": "official", "minutes": 480}],
                        "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}],
                        "fees": [{"name": "Lệ phí", "amount": 50000}],
                        "cases": [{"code": "TH1", "name": "Cấp mới", "duration_value": 2,
                                   "duration_unit": "wd"}]}}
    adm.post("/api/v1/procedures", proc, expect=201)
    adm.post("/api/v1/procedures", proc, expect=409)
    adm.post("/api/v1/procedures", dict(proc, code="9.000002", field="NOFIELD"), expect=422)
    adm.post("/api/v1/procedures/9.000001/versions",
             {"effective_from": "2027-01-01", "duration_value": 5, "duration_unit": "wd"},
             expect=201)
    adm.post("/api/v1/procedures/9.000001/versions",
             {"effective_from": "2027-01-01", "duration_value": 5, "duration_unit": "wd"},
             expect=409)
    adm.post("/api/v1/procedures/9.999999/versions",
             {"effective_from": "2027-01-01", "duration_value": 5, "duration_unit": "wd"},
             expect=404)
    lenient("admin", S["admin"]).post("/api/v1/procedures/9.000001/versions",
                                      {"effective_from": "2027-02-01"}, expect=422,
                                      bad_request=True)
    sup.get("/api/v1/channels")
    clean(t, m)


def test_calendar(t):
    m = mark()
    adm = strict("admin", S["admin"])
    sup = strict("giamsat", S["giamsat"])
    sup.get("/api/v1/calendar/days")
    sup.get("/api/v1/calendar/days?year=%d" % NEXT)
    sup.get("/api/v1/calendar/days?year=1901", expect=422)
    lenient("giamsat", S["giamsat"]).get("/api/v1/calendar/days?year=3000", expect=400,
                                         bad_request=True)
    off = {"day": MONDAY.isoformat(), "working": False, "reason": "local", "note": "Ngày thử"}
    adm.post("/api/v1/calendar/days", off, expect=201)
    adm.post("/api/v1/calendar/days", off, expect=201)   # replaced
    adm.post("/api/v1/calendar/days", {"day": day(1, MONDAY), "working": True, "reason": "local"},
             expect=422)
    sup.post("/api/v1/calendar/days", off, expect=403)
    adm.post("/api/v1/calendar/days/%s/delete" % MONDAY)
    adm.post("/api/v1/calendar/days/%s/delete" % MONDAY, expect=404)
    sup.get("/api/v1/calendar/schedules")
    first = dt.date(NEXT, 12, 1)
    sched = {"from_day": first.isoformat(), "sessions": [{"start": "07:30", "end": "11:30"},
                                                    {"start": "13:00", "end": "17:00"}]}
    adm.post("/api/v1/calendar/schedules", sched, expect=201)
    adm.post("/api/v1/calendar/schedules", {"from_day": day(1, first), "sessions": [
        {"start": "11:30", "end": "07:30"}]}, expect=422)
    sup.get("/api/v1/calendar/schedules")
    adm.post("/api/v1/calendar/schedules/%s/delete" % first)
    adm.post("/api/v1/calendar/schedules/%s/delete" % first, expect=404)
    # closed dossiers whose class the corrected calendar would change, and the correction
    sup.get("/api/v1/calendar/corrections")
    sup.get("/api/v1/calendar/corrections?from=2026-01-01&to=2026-01-31")
    sup.get("/api/v1/calendar/corrections?from=2026-02-01&to=2026-01-01", expect=400)
    strict("tiepnhan.tinh", S["tiepnhan.tinh"]).get("/api/v1/calendar/corrections", expect=403)
    adm.post("/api/v1/calendar/corrections/apply", {"codes": ["NOPE-000000-0001"]},
             headers={"Idempotency-Key": key()})
    lenient("admin", S["admin"]).post("/api/v1/calendar/corrections/apply", {"codes": []},
                                      expect=422, bad_request=True,
                                      headers={"Idempotency-Key": key()})
    sup.post("/api/v1/calendar/corrections/apply", {"codes": ["NOPE-000000-0001"]}, expect=403,
             headers={"Idempotency-Key": key()})
    # a year's announcement (issue 15 part 2): dry run, refusal with every problem, bad body
    ann = "2021-10-15\toff\tswap_off\tnghỉ\n2021-10-23\twork\tmakeup_saturday\tlàm bù\n"
    adm.post("/api/v1/calendar/import", {"format": "tsv", "content": ann})
    adm.post("/api/v1/calendar/import", {"format": "json", "content": "[]", "apply": True},
             expect=422, headers={"Idempotency-Key": key()})
    adm.post("/api/v1/calendar/import", {"content": "2021-10-15\toff\tswap_off\tx\n"},
             expect=422)
    lenient("admin", S["admin"]).post("/api/v1/calendar/import", {"format": "xml", "content": ""},
                                      expect=422, bad_request=True)
    sup.post("/api/v1/calendar/import", {"content": ann}, expect=403)
    clean(t, m)


def applicant(n):
    return {"name": "Nguyễn Văn Hợp Đồng %d" % n, "id_number": "0750%08d" % n,
            "address": "12 đường Hùng Vương, tỉnh Đồng Nai", "phone": "09%08d" % n}


def reception(n, **kw):
    b = {"applicant": applicant(n), "procedure": PROC, "resolving_unit": JUSTICE,
         "documents": [{"name": "Giấy tờ tùy thân của người yêu cầu", "kind": "original",
                        "count": 1}]}
    b.update(kw)
    return b


def ev(api, code, version, type_, expect=200, **kw):
    body = {"type": type_, "expected_version": version}
    body.update(kw)
    r = api.post("/api/v1/dossiers/%s/events" % code, body, expect=expect,
                 headers={"Idempotency-Key": key()}, note="event " + type_)
    if r.status == 200:
        S.setdefault("events", set()).add(type_)
        return r.json["version"]
    return version


def test_dossier_lifecycle_every_event(t):
    m = mark()
    clerk = strict("clerk", S["tiepnhan.tinh"])
    off = strict("official", S["chuyenvien.tuphap"])
    lead = strict("leader", S["lanhdao.tuphap"])
    sup = strict("giamsat", S["giamsat"])
    integ = strict("integration", S["int_key"], S["int_secret"])
    # the counter: preview, reception, its replay, refusal, guidance
    clerk.post("/api/v1/dossiers", reception(1, dry_run=True))
    k = key()
    r = clerk.post("/api/v1/dossiers", reception(1), expect=201, headers={"Idempotency-Key": k})
    a, secret = r.json["code"], r.json["lookup_secret"]
    S["A"], S["A_secret"] = a, secret
    r = clerk.post("/api/v1/dossiers", reception(1), expect=201, headers={"Idempotency-Key": k})
    eq(r.headers.get("idempotent-replayed"), "true", "replayed reception")
    clerk.post("/api/v1/dossiers", reception(2), expect=422, headers={"Idempotency-Key": k})
    clerk.post("/api/v1/dossiers", reception(3, procedure="9.999999"), expect=422)
    clerk.post("/api/v1/dossiers", reception(3, dry_run=True), expect=422,
               headers={"Idempotency-Key": key()})
    clerk.post("/api/v1/dossiers", reception(3, received_at="2026-01-01T08:00:00+07:00"),
               expect=403)
    sup.post("/api/v1/dossiers", reception(3), expect=403)
    r = clerk.post("/api/v1/dossiers", reception(4, out_of_scope=True,
                                                 reason="Không thuộc thẩm quyền"), expect=201)
    S["refused"] = r.json["code"]
    r = clerk.post("/api/v1/dossiers", reception(5, complete=False,
                                                 missing=["Bản sao giấy khai sinh"]), expect=201,
                   headers={"Idempotency-Key": key()})
    S["guidance"] = r.json["id"]
    lenient("clerk", S["tiepnhan.tinh"]).post("/api/v1/dossiers", {"procedure": PROC},
                                              expect=422, bad_request=True)
    lenient("clerk", S["tiepnhan.tinh"]).post("/api/v1/dossiers", reception(6),
                                              headers={"Idempotency-Key": "bad key!"},
                                              expect=400, bad_request=True)
    # the whole path of A: 2 -> 4 -> 5 -> 4 -> 6 -> 4 -> (apology) -> 9 -> 10
    v = 1
    v = ev(clerk, a, v, "hand_over", to_unit=JUSTICE, step="Thẩm định hồ sơ")
    ev(lead, a, v + 5, "assign", expect=409, official="chuyenvien.tuphap")    # stale version
    ev(clerk, a, v, "assign", expect=403, official="chuyenvien.tuphap")       # not a leader
    ev(lead, a, v, "assign", expect=422, official="nobody.here")
    v = ev(lead, a, v, "assign", official="chuyenvien.tuphap")
    v = ev(off, a, v, "request_supplement", reason="Thiếu bản sao", missing=["Bản sao CCCD"])
    v = ev(clerk, a, v, "receive_supplement")
    v = ev(off, a, v, "request_payment", reason="Lệ phí chứng thực")
    v = ev(clerk, a, v, "payment_done")
    v = ev(lead, a, v, "apologize", reason="Chậm do xác minh",
           new_appointment=day(40) + "T10:00:00+07:00")
    ev(lead, a, v, "apologize", expect=409, reason="Lần hai",
       new_appointment=day(45) + "T10:00:00+07:00")
    ev(clerk, a, v, "return_result", expect=409, method="counter")            # not resolved
    lenient("leader", S["lanhdao.tuphap"]).post(
        "/api/v1/dossiers/%s/events" % a, {"type": "decide", "expected_version": v},
        expect=422, bad_request=True)
    v = ev(lead, a, v, "resolve", outcome="granted")
    ev(clerk, a, v, "request_withdrawal", expect=409, reason="Muộn")
    v = ev(clerk, a, v, "return_result", method="counter")
    S["A_version"] = v
    ev(clerk, "000.00.01.H19-990101-9999", 1, "hand_over", expect=404, step="x")
    # B: an online submission, received at the counter, withdrawn, stopped
    r = integ.post("/api/v1/dossiers", reception(7, submit=True, channel=2,
                                                  receiving_unit=CENTRE), expect=201,
                   headers={"Idempotency-Key": key()})
    b = r.json["code"]
    integ.get("/api/v1/dossiers/%s/deadline/explain" % b, expect=409)
    v = ev(clerk, b, 1, "receive")
    v = ev(clerk, b, v, "request_withdrawal", reason="Người nộp xin rút")
    v = ev(lead, b, v, "stop", reason="Người nộp rút hồ sơ",
           legal_basis="Điều 19 Nghị định 61/2018/NĐ-CP")
    S["B"] = b
    # C: a submission refused; D: received by the integration client itself, then a batch
    r = integ.post("/api/v1/dossiers", reception(8, submit=True, channel=2,
                                                  receiving_unit=CENTRE), expect=201)
    ev(clerk, r.json["code"], 1, "refuse", reason="Hồ sơ không hợp lệ")
    integ.post("/api/v1/dossiers", reception(9, receiving_unit=CENTRE), expect=401, sign=False,
               note="unsigned integration write")
    integ.post("/api/v1/dossiers", reception(9, receiving_unit=CENTRE), expect=401,
               headers={"X-Motcua-Timestamp": str(int(time.time())),
                        "X-Motcua-Signature": "v1=" + "0" * 64}, sign=False,
               note="wrong signature")
    r = integ.post("/api/v1/dossiers", reception(10, receiving_unit=CENTRE), expect=201)
    S["D"] = r.json["code"]
    missing = [k for k in EVENT_KINDS[:-1] if k not in S.get("events", set())]
    eq(missing, [], "event kinds recorded")
    clean(t, m)


def test_lookup_secret_and_reading(t):
    m = mark()
    clerk = strict("clerk", S["tiepnhan.tinh"])
    sup = strict("giamsat", S["giamsat"])
    a, refused = S["A"], S["refused"]
    path = "/api/v1/dossiers/%s/lookup-secret" % a
    k = key()
    r = clerk.post(path, {"expected_version": S["A_version"], "reason": "Mất giấy biên nhận"},
                   headers={"Idempotency-Key": k})
    S["A_secret"] = r.json["lookup_secret"]
    S.setdefault("events", set()).add("reissue_lookup_secret")
    r = clerk.post(path, {"expected_version": S["A_version"], "reason": "Mất giấy biên nhận"},
                   headers={"Idempotency-Key": k})
    eq(r.json.get("lookup_secret_withheld"), True, "replay withholds the secret")
    clerk.post(path, {"expected_version": S["A_version"]}, expect=409)
    clerk.post("/api/v1/dossiers/%s/lookup-secret" % refused, {"expected_version": 1},
               expect=409)
    clerk.post("/api/v1/dossiers/000.00.01.H19-990101-9999/lookup-secret",
               {"expected_version": 1}, expect=404)
    sup.post(path, {"expected_version": 1}, expect=403)
    lenient("clerk", S["tiepnhan.tinh"]).post(path, {"reason": "x"}, expect=422,
                                              bad_request=True)
    # reading
    r = sup.get("/api/v1/dossiers?limit=5")
    sup.get("/api/v1/dossiers?limit=5&cursor=" + r.json["next_cursor"])
    sup.get("/api/v1/dossiers?unit=%s&include_sub_units=1&procedure=%s&field=CHUNGTHUC&"
            "channel=1&state=received&class=in_time&received_from=%s&received_to=%s&"
            "due_from=%s&due_to=%s&q=nguyen" % (CENTRE, PROC, day(-365), day(1), day(-365),
                                                day(400)))
    sup.get("/api/v1/dossiers?ended_from=%s&ended_to=%s&state=10" % (day(-365), day(1)))
    sup.get("/api/v1/dossiers?state=sleeping", expect=400)
    sup.get("/api/v1/dossiers?cursor=garbage", expect=400)
    lenient("giamsat", S["giamsat"]).get("/api/v1/dossiers?channel=7", expect=400,
                                         bad_request=True)
    for code in (a, S["B"], refused, S["D"]):
        sup.get("/api/v1/dossiers/" + code)
        sup.get("/api/v1/dossiers/%s/events" % code)
        sup.get("/api/v1/dossiers/%s/documents" % code)
    for r in strict("official", S["chuyenvien.tuphap"]).get(
            "/api/v1/dossiers?state=in_progress&limit=20").json["items"]:
        strict("official", S["chuyenvien.tuphap"]).get("/api/v1/dossiers/" + r["code"])
    sup.get("/api/v1/dossiers/000.00.01.H19-990101-9999", expect=404)
    sup.get("/api/v1/dossiers/000.00.01.H19-990101-9999/events", expect=404)
    sup.get("/api/v1/dossiers/%s/deadline/explain" % a)
    sup.get("/api/v1/dossiers/%s/deadline/explain" % S["D"])
    sup.get("/api/v1/dossiers/000.00.01.H19-990101-9999/deadline/explain", expect=404)
    sup.get("/api/v1/dossiers/000.00.01.H19-990101-9999/documents", expect=404)
    clean(t, m)


def test_documents_register_lookup(t):
    m = mark()
    sup = strict("giamsat", S["giamsat"])
    clerk = strict("clerk", S["tiepnhan.tinh"])
    a = S["A"]
    forms = [x["form"] for x in sup.get("/api/v1/dossiers/%s/documents" % a).json["items"]]
    ok("receipt_reissue" in forms, "the reissued receipt is listed: %s" % forms)
    for f in forms:
        r = sup.get("/api/v1/dossiers/%s/documents/%s" % (a, f))
        ok(r.body[:4] == b"%PDF", "%s is a PDF" % f)
        sup.get("/api/v1/dossiers/%s/documents/%s?format=html" % (a, f))
    clerk.get("/api/v1/dossiers/%s/documents/receipt?format=html&secret=%s" % (a, S["A_secret"]))
    clerk.get("/api/v1/dossiers/%s/documents/receipt?secret=WRONGSECRET" % a, expect=422)
    sup.get("/api/v1/dossiers/%s/documents/refusal" % a, expect=404)
    sup.get("/api/v1/dossiers/%s/documents/refusal" % S["refused"])
    sup.get("/api/v1/dossiers/%s/documents/stop?format=html" % S["B"])
    sup.get("/api/v1/dossiers/%s/documents/receipt" % a, headers={"Accept": "image/png"},
            expect=406)
    sup.get("/api/v1/dossiers/000.00.01.H19-990101-9999/documents/receipt", expect=404)
    lenient("giamsat", S["giamsat"]).get("/api/v1/dossiers/%s/documents/receipt?format=doc" % a,
                                         expect=400, bad_request=True)
    lenient("giamsat", S["giamsat"]).get("/api/v1/dossiers/%s/documents/poster" % a,
                                         expect=404, bad_request=True)
    clerk.get("/api/v1/guidance/%d/document" % S["guidance"])
    clerk.get("/api/v1/guidance/%d/document?format=html" % S["guidance"])
    clerk.get("/api/v1/guidance/%d/document" % S["guidance"], headers={"Accept": "text/plain"},
              expect=406)
    clerk.get("/api/v1/guidance/999999/document", expect=404)
    year = "from=%s&to=%s" % (day(-300), day(0))
    clerk.get("/api/v1/register?unit=%s&%s" % (CENTRE, year))
    clerk.get("/api/v1/register?unit=%s&from=%s&to=%s&format=html" % (CENTRE, day(-30), day(0)))
    clerk.get("/api/v1/register?unit=%s&from=%s&to=%s" % (CENTRE, day(0), day(-300)), expect=400)
    clerk.get("/api/v1/register?unit=%s&%s" % (JUSTICE, year), expect=404)
    clerk.get("/api/v1/register?unit=%s&%s" % (CENTRE, year),
              headers={"Accept": "application/json"}, expect=406)
    anon = strict("anon")
    anon.get("/api/v1/lookup?code=%s&secret=%s" % (a, S["A_secret"]))
    anon.get("/api/v1/lookup?code=%s&secret=NOTTHEONE" % a, expect=404)
    anon.get("/api/v1/lookup?code=%s" % a, expect=400)
    clean(t, m)




def test_evaluations(t):
    # the applicant's evaluation (issue 16): from the lookup page with the receipt's secret,
    # and keyed at the counter for the dossier refused there; one per dossier
    m = mark()
    clerk = strict("clerk", S["tiepnhan.tinh"])
    sup = strict("giamsat", S["giamsat"])
    anon = strict("anon")
    r = anon.post("/api/v1/lookup/evaluation", {"code": S["A"], "secret": S["A_secret"],
                                                "rating": "very_satisfied",
                                                "answers": [None, None, 2] + [None] * 6},
                  expect=201)
    eq(r.json["channel"], "portal", "the lookup page's channel")
    anon.post("/api/v1/lookup/evaluation", {"code": S["A"], "secret": "NOTTHEONE",
                                            "rating": "satisfied"}, expect=404)
    anon.post("/api/v1/lookup/evaluation", {"code": S["A"], "secret": S["A_secret"],
                                            "rating": "satisfied"}, expect=409)
    path = "/api/v1/dossiers/%s/evaluations" % S["refused"]
    clerk.post(path, {"rating": "dissatisfied", "channel": "paper"}, expect=422)
    clerk.post(path, {"rating": "dissatisfied", "channel": "paper",
                      "reason": "Không được hướng dẫn rõ vì sao bị từ chối",
                      "evaluator_name": "Người nộp thay"}, expect=201)
    clerk.post(path, {"rating": "satisfied", "channel": "kiosk"}, expect=409)
    clerk.post("/api/v1/dossiers/000.00.01.H19-990101-9999/evaluations",
               {"rating": "satisfied", "channel": "kiosk"}, expect=404)
    lenient("clerk", S["tiepnhan.tinh"]).post(path, {"rating": "great", "channel": "kiosk"},
                                              expect=422, bad_request=True)
    r = sup.get(path)
    eq([x["rating"] for x in r.json["items"]], ["dissatisfied"], "the supervisor reads it")
    sup.get("/api/v1/dossiers/%s/evaluations" % S["D"])
    sup.get("/api/v1/dossiers/000.00.01.H19-990101-9999/evaluations", expect=404)
    strict("official", S["chuyenvien.tuphap"]).get(path, expect=403)
    for g in ("unit", "official", "procedure", "channel", "all"):
        sup.get("/api/v1/stats/evaluations?from=%s&to=%s&group=%s" % (day(-30), day(1), g))
    sup.get("/api/v1/stats/evaluations?period=month&year=2026&number=1&by=receiving")
    # the verified score of a unit for the period, shown beside the computed one
    adm = strict("admin", S["admin"])
    adm.post("/api/v1/evaluations/verified-scores",
             {"unit": JUSTICE, "from": day(-30), "to": day(1), "total": 13.25,
              "note": "Thẩm định quý"}, expect=201)
    sup.get("/api/v1/stats/evaluations?from=%s&to=%s&group=unit" % (day(-30), day(1)))
    lenient("admin", S["admin"]).post("/api/v1/evaluations/verified-scores",
                                      {"unit": JUSTICE, "from": day(-30), "to": day(1),
                                       "total": 19}, expect=422, bad_request=True)
    strict("giamsat", S["giamsat"]).post("/api/v1/evaluations/verified-scores",
                                         {"unit": JUSTICE, "from": day(-30), "to": day(1),
                                          "total": 10}, expect=403)
    sup.get("/api/v1/stats/evaluations?from=%s&to=%s&group=official&format=csv"
            % (day(-30), day(1)))
    sup.get("/api/v1/stats/satisfaction?from=%s&to=%s" % (day(-30), day(1)))
    sup.get("/api/v1/stats/satisfaction?period=quarter&year=2026&number=4&formula=additive")
    now = time.strftime("%Y-%m-%dT%H:%M:%S%%2B07:00", time.gmtime(time.time() + 7 * 3600))
    for f in ("csv", "xlsx"):
        sup.get("/api/v1/stats/satisfaction?from=%s&to=%s&format=%s" % (day(-30), day(1), f))
        sup.get("/api/v1/stats/evaluations?from=%s&to=%s&format=%s" % (day(-30), day(1), f))
    sup.get("/api/v1/stats/satisfaction?from=%s&to=%s&as_of=%s" % (day(-30), day(1), now))
    sup.get("/api/v1/stats/evaluations?from=%s&to=%s&as_of=%s" % (day(-30), day(1), now))
    lenient("giamsat", S["giamsat"]).get("/api/v1/stats/satisfaction?from=%s&to=%s&format=pdf"
                                         % (day(-30), day(1)), expect=400, bad_request=True)
    lenient("giamsat", S["giamsat"]).get("/api/v1/stats/evaluations?from=%s&to=%s&group=mood"
                                         % (day(-30), day(1)), expect=400, bad_request=True)
    clean(t, m)

def test_pakn(t):
    # phản ánh, kiến nghị (issue 16): intake, every step, the register, the citizen's form
    m = mark()
    clerk = strict("clerk", S["tiepnhan.tinh"])
    sup = strict("giamsat", S["giamsat"])
    sender = {"name": "Đỗ Văn Hải", "address": "Khu phố 4, phường Tân Phong",
              "phone": "0913000111"}
    r = clerk.post("/api/v1/pakn", {"topic": "conduct", "channel": "hotline", "sender": sender,
                                    "content": "Cán bộ chậm trả kết quả", "dossier_code": S["A"]},
                   expect=201)
    pid = r.json["id"]
    clerk.post("/api/v1/pakn", {"topic": "regulation", "channel": "counter", "sender": sender,
                                "content": "x", "kind": "complaint"}, expect=422)
    clerk.post("/api/v1/pakn", {"topic": "regulation", "channel": "counter", "sender": sender,
                                "content": "x", "dossier_code": "000.00.01.H19-990101-9999"},
               expect=422)
    path = "/api/v1/pakn/%s/events" % pid
    clerk.post(path, {"type": "accept", "expected_version": 1})
    clerk.post(path, {"type": "accept", "expected_version": 1}, expect=409)
    clerk.post(path, {"type": "request_info", "expected_version": 2, "reason": "Xin thêm thông tin"})
    clerk.post(path, {"type": "receive_info", "expected_version": 3})
    clerk.post(path, {"type": "answer", "expected_version": 4, "answer": "Đã xử lý"},
               expect=403)
    clerk.post(path, {"type": "request_info", "expected_version": 4}, expect=422)
    clerk.post(path, {"type": "transfer", "expected_version": 4, "to_body": "Bộ Nội vụ"})
    clerk.post(path, {"type": "accept", "expected_version": 5}, expect=409)
    clerk.post("/api/v1/pakn/999999999/events", {"type": "accept", "expected_version": 1},
               expect=404)
    lenient("clerk", S["tiepnhan.tinh"]).post(path, {"type": "fly", "expected_version": 5},
                                              expect=422, bad_request=True)
    r = clerk.post("/api/v1/pakn", {"topic": "regulation", "channel": "letter", "sender": sender,
                                    "content": "Đề nghị niêm yết phí"}, expect=201)
    q = "/api/v1/pakn/%s/events" % r.json["id"]
    clerk.post(q, {"type": "transfer", "expected_version": 1, "to_unit": JUSTICE})
    lead = strict("leader", S["lanhdao.tuphap"])
    lead.post(q, {"type": "accept", "expected_version": 2})
    lead.post(q, {"type": "answer", "expected_version": 3, "answer": "Đã niêm yết"})
    lead.post(q, {"type": "publish", "expected_version": 4, "public_text": "Đã niêm yết phí."})
    lead.get("/api/v1/pakn/%s" % r.json["id"])
    sup.get("/api/v1/pakn?limit=5")
    sup.get("/api/v1/pakn?state=transferred&topic=conduct")
    sup.get("/api/v1/pakn/%s" % pid)
    sup.get("/api/v1/pakn/999999999", expect=404)
    lenient("giamsat", S["giamsat"]).get("/api/v1/pakn?state=lost", expect=400, bad_request=True)
    anon = strict("anon")
    anon.post("/api/v1/lookup/pakn", {"code": S["A"], "secret": S["A_secret"], "topic": "conduct",
                                      "content": "Phải đi lại nhiều lần", "name": "Công dân A",
                                      "address": "Tổ 5", "phone": "0900111222"}, expect=201)
    anon.get("/api/v1/public/pakn?limit=10")
    # likes and dislikes of the published answer, and the portal's counts
    pub = r.json["id"]
    anon.post("/api/v1/public/pakn/%s/reactions" % pub, {"reaction": "like"})
    anon.post("/api/v1/public/pakn/%s/reactions" % pub, {"reaction": "dislike"})
    anon.post("/api/v1/public/pakn/%s/reactions" % pid, {"reaction": "like"}, expect=404)
    lenient("anon").post("/api/v1/public/pakn/%s/reactions" % pub, {"reaction": "love"},
                         expect=422, bad_request=True)
    integ = strict("integration", S["int_key"], S["int_secret"])
    integ.post("/api/v1/pakn/%s/portal-reactions" % pub, {"likes": 5, "dislikes": 2})
    adm = strict("admin", S["admin"])
    adm.post("/api/v1/pakn/%s/portal-reactions" % pub, {"likes": 6, "dislikes": 2})
    adm.post("/api/v1/pakn/%s/portal-reactions" % pid, {"likes": 1, "dislikes": 0}, expect=409)
    lenient("admin", S["admin"]).post("/api/v1/pakn/%s/portal-reactions" % pub,
                                      {"likes": -1, "dislikes": 0}, expect=422, bad_request=True)
    adm.post("/api/v1/pakn/999999999/portal-reactions", {"likes": 1, "dislikes": 0}, expect=404)
    clerk.post("/api/v1/pakn/%s/portal-reactions" % pub, {"likes": 1, "dislikes": 0},
               expect=403)
    # the register as figures
    for g in ("unit", "topic", "channel", "state", "all"):
        sup.get("/api/v1/stats/pakn?from=%s&to=%s&group=%s" % (day(-30), day(1), g))
    for f in ("csv", "xlsx"):
        sup.get("/api/v1/stats/pakn?from=%s&to=%s&format=%s" % (day(-30), day(1), f))
    now = time.strftime("%Y-%m-%dT%H:%M:%S%%2B07:00", time.gmtime(time.time() + 7 * 3600))
    sup.get("/api/v1/stats/pakn?from=%s&to=%s&group=all&as_of=%s" % (day(-30), day(1), now))
    lenient("giamsat", S["giamsat"]).get("/api/v1/stats/pakn?from=%s&to=%s&group=mood"
                                         % (day(-30), day(1)), expect=400, bad_request=True)
    anon.post("/api/v1/lookup/pakn", {"code": S["A"], "secret": "NOTTHEONE", "topic": "conduct",
                                      "content": "x", "name": "A", "address": "B",
                                      "phone": "1"}, expect=404)
    clean(t, m)

def test_reports(t):
    m = mark()
    sup = strict("giamsat", S["giamsat"])
    adm = strict("admin", S["admin"])
    clerk = strict("clerk", S["tiepnhan.tinh"])
    lead = strict("leader", S["lanhdao.tuphap"])
    integ = strict("integration", S["int_key"], S["int_secret"])
    now = time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.gmtime(time.time() + 7 * 3600))
    for q in (PERIOD, PERIOD + "&group=unit,channel", PERIOD + "&group=level,field",
              PERIOD + "&group=procedure&rules=dvcqg766&by=receiving",
              PERIOD + "&rollup=children&structure=current",
              RANGE + "&unit=%s&include_sub_units=false" % ROOTU,
              PERIOD + "&as_of=" + now.replace("+", "%2B"), "period=month&year=%d&number=1" % YEAR):
        sup.get("/api/v1/stats/ontime?" + q)
    clerk.get("/api/v1/stats/ontime?" + PERIOD)
    adm.get("/api/v1/stats/ontime?period=quarter&year=%d&number=4&rollup=subtree" % YEAR)
    sup.get("/api/v1/stats/ontime?period=month&year=%d" % YEAR, expect=400)
    sup.get("/api/v1/stats/ontime?period=quarter&year=%d&number=5" % YEAR, expect=400)
    sup.get("/api/v1/stats/ontime", expect=400)
    lenient("giamsat", S["giamsat"]).get("/api/v1/stats/ontime?%s&group=colour" % PERIOD,
                                         expect=400, bad_request=True)
    integ.get("/api/v1/stats/ontime?" + PERIOD, expect=403)
    for q in (PERIOD + "&interval=month", PERIOD + "&interval=week&rules=dvcqg766",
              "from=%s&to=%s" % (day(-60), day(0))):
        sup.get("/api/v1/stats/trend?" + q)
    sup.get("/api/v1/stats/trend?from=%s&to=%s" % (day(0), day(-60)), expect=400)
    # Biểu 06: JSON, CSV, XLSX, by unit, as of now, 406 for another format
    sup.get("/api/v1/reports/bieu06?" + PERIOD)
    sup.get("/api/v1/reports/bieu06?%s&group=unit&rollup=children" % PERIOD)
    sup.get("/api/v1/reports/bieu06?%s&as_of=%s" % (PERIOD, now.replace("+", "%2B")))
    r = sup.get("/api/v1/reports/bieu06?%s&format=csv&recipient=UBND" % PERIOD)
    ok(r.headers["content-type"].startswith("text/csv"), "csv")
    sup.get("/api/v1/reports/bieu06?" + PERIOD, headers={"Accept": "text/csv"})
    r = sup.get("/api/v1/reports/bieu06?%s&format=xlsx" % PERIOD)
    ok(r.headers["content-type"].startswith("application/vnd.openxmlformats"), "xlsx")
    sup.get("/api/v1/reports/bieu06?%s&format=docx" % PERIOD, expect=406)
    lead.get("/api/v1/reports/bieu06?period=nine_months&year=%d" % YEAR)
    lenient("giamsat", S["giamsat"]).get("/api/v1/reports/bieu06?%s&group=field" % PERIOD,
                                         expect=400, bad_request=True)
    integ.get("/api/v1/reports/bieu06?" + PERIOD, expect=403)
    sup.get("/api/v1/reports/bieu06/late-dossiers?%s&limit=3" % PERIOD)
    r = sup.get("/api/v1/reports/bieu06/late-dossiers?%s&limit=3" % RANGE)
    ok(r.json["items"], "late dossiers in the demo province")
    if r.json["next_cursor"]:
        sup.get("/api/v1/reports/bieu06/late-dossiers?%s&limit=3&cursor=%s"
                % (RANGE, r.json["next_cursor"]))
    sup.get("/api/v1/reports/bieu06/late-dossiers?%s&as_of=%s" % (PERIOD, now.replace("+", "%2B")))
    sup.get("/api/v1/reports/bieu06/late-dossiers?period=half&year=%d" % YEAR, expect=400)
    lenient("giamsat", S["giamsat"]).get(
        "/api/v1/reports/bieu06/late-dossiers?%s&cursor=abc" % PERIOD, expect=400,
        bad_request=True)
    for cell in ("received", "resolved", "late", "open_overdue", "ok766", "open_late766"):
        r = sup.get("/api/v1/stats/ontime/dossiers?%s&cell=%s&limit=3" % (RANGE, cell))
    if r.json["next_cursor"]:
        sup.get("/api/v1/stats/ontime/dossiers?%s&cell=open_late766&limit=3&cursor=%s"
                % (RANGE, r.json["next_cursor"]))
    sup.get("/api/v1/stats/ontime/dossiers?%s&cell=received&channel=1&level=province&"
            "field=CHUNGTHUC&procedure=%s&key_unit=%s" % (PERIOD, PROC, JUSTICE))
    sup.get("/api/v1/stats/ontime/dossiers?%s&cell=late&as_of=%s" % (PERIOD,
                                                                       now.replace("+", "%2B")))
    sup.get("/api/v1/stats/ontime/dossiers?from=2026-01-01&cell=received", expect=400)
    lenient("giamsat", S["giamsat"]).get("/api/v1/stats/ontime/dossiers?" + PERIOD,
                                         expect=400, bad_request=True)
    r = sup.get("/api/v1/stats/overdue?limit=3")
    ok(r.json["items"], "overdue dossiers in the demo province")
    if r.json["next_cursor"]:
        sup.get("/api/v1/stats/overdue?limit=3&cursor=" + r.json["next_cursor"])
    sup.get("/api/v1/stats/overdue?by=current&unit=%s&include_sub_units=true" % ROOTU)
    clerk.get("/api/v1/stats/overdue")
    sup.get("/api/v1/stats/overdue?structure=future", expect=400)
    r = sup.get("/api/v1/stats/due-soon?hours=176&limit=3")
    if r.json["next_cursor"]:
        sup.get("/api/v1/stats/due-soon?hours=176&limit=3&cursor=" + r.json["next_cursor"])
    sup.get("/api/v1/stats/due-soon?by=receiving")
    lenient("giamsat", S["giamsat"]).get("/api/v1/stats/due-soon?hours=500", expect=400,
                                         bad_request=True)
    integ.get("/api/v1/stats/overdue", expect=403)
    clean(t, m)


def test_alerts(t):
    m = mark()
    sup = strict("giamsat", S["giamsat"])
    deadline = time.time() + 20
    kinds = set()
    while time.time() < deadline:
        items = sup.get("/api/v1/alerts?limit=500").json["items"]
        kinds = {x["kind"] for x in items}
        if {"overdue", "supplement_awaited"} <= kinds:
            break
        time.sleep(1)
    ok({"overdue", "supplement_awaited"} <= kinds, "alerts of the demo province: %s" % kinds)
    r = sup.get("/api/v1/alerts?limit=2")
    sup.get("/api/v1/alerts?limit=2&cursor=" + r.json["next_cursor"])
    for k in sorted(kinds):
        sup.get("/api/v1/alerts?kind=%s&unit=%s&include_sub_units=true" % (k, ROOTU))
    sup.get("/api/v1/alerts?after=%d" % (items[-1]["id"]))
    strict("clerk", S["tiepnhan.tinh"]).get("/api/v1/alerts")
    sup.get("/api/v1/alerts?by=sideways", expect=400)
    lenient("giamsat", S["giamsat"]).get("/api/v1/alerts?kind=late", expect=400,
                                         bad_request=True)
    strict("integration", S["int_key"], S["int_secret"]).get("/api/v1/alerts", expect=403)
    # the stream: its refusals through the validator; its 200 read from the server itself
    sup.get("/api/v1/alerts/stream?by=sideways", expect=400)
    strict("bad", "mcs_not-a-token").get("/api/v1/alerts/stream", expect=401)
    strict("integration", S["int_key"], S["int_secret"]).get("/api/v1/alerts/stream",
                                                             expect=403)
    lenient("giamsat", S["giamsat"]).get("/api/v1/alerts/stream?last_event_id=x", expect=400,
                                         bad_request=True)
    listed = {x["id"]: x for x in sup.get("/api/v1/alerts?limit=500").json["items"]}
    first = min(listed)
    c = http.client.HTTPConnection("127.0.0.1", t.server.port, timeout=10)
    c.request("GET", "/api/v1/alerts/stream", headers={
        "Authorization": "Bearer " + S["giamsat"], "Last-Event-ID": str(first - 1)})
    r = c.getresponse()
    eq(r.status, 200, "stream")
    eq(r.getheader("Content-Type"), "text/event-stream; charset=utf-8", "stream type")
    buf, want = b"", min(5, len(listed))
    while buf.count(b"\ndata: ") < want:
        buf += r.read1(65536)
    c.close()
    ok(buf.startswith(b"retry: 3000\n"), "retry first: %r" % buf[:40])
    seen = 0
    for ev_ in buf.split(b"\n\n"):
        d = [ln[6:] for ln in ev_.split(b"\n") if ln.startswith(b"data: ")]
        if d:
            a = json.loads(d[0])
            if a["id"] in listed:
                eq(a, listed[a["id"]], "streamed alert %d as listed" % a["id"])
                seen += 1
    ok(seen >= 1, "streamed alerts compared")
    clean(t, m)


def test_integration_batch_and_status_map(t):
    m = mark()
    integ = strict("integration", S["int_key"], S["int_secret"])
    adm = strict("admin", S["admin"])
    local = time.gmtime(time.time() + 7 * 3600)
    code = "%s-%s-9101" % (CENTRE, time.strftime("%y%m%d", local))
    items = [
        {"sender_id": "c-1", "kind": "dossier", "dossier": reception(20, code=code,
                                                                        receiving_unit=CENTRE)},
        {"sender_id": "c-2", "kind": "event", "dossier_code": code, "type": "hand_over",
         "step": "Thẩm định", "to_unit": JUSTICE},
        {"sender_id": "c-3", "kind": "event", "dossier_code": "000.00.01.H19-990101-9998",
         "type": "hand_over", "step": "x"},
        {"sender_id": "c-4", "kind": "event", "dossier_code": "000.00.01.H19-990101-9998",
         "type": "stop", "reason": "r"},
        {"sender_id": "c-5", "kind": "dossier", "MaHoSo": code[:-4] + "9102",
         "MaTTHC": PROC, "KenhThucHien": 1, "ChuHoSo": "Trần Thị Bình",
         "MaDonViTiepNhan": CENTRE, "MaDonViXuLy": JUSTICE, "TrangThaiHoSo": 2,
         "NgayTiepNhan": time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() + 7 * 3600 - 60))},
        {"sender_id": "c-1", "kind": "dossier", "dossier": reception(20, code=code,
                                                                        receiving_unit=CENTRE)},
    ]
    r = integ.post("/api/v1/integration/batch", {"items": items})
    eq([x["status"] for x in r.json["items"]],
       ["accepted", "accepted", "rejected", "rejected", "accepted", "duplicate"],
       "batch: %r" % r.json)
    integ.post("/api/v1/integration/batch", {"items": items[:2]})
    integ.post("/api/v1/integration/batch", {"items": items[:1]}, sign=False, expect=401,
               headers={"X-Motcua-Timestamp": "1", "X-Motcua-Signature": "v1=" + "0" * 64},
               note="stale signature")
    lenient("integration", S["int_key"]).post("/api/v1/integration/batch", {"items": items[:1]},
                                              expect=401, bad_request=True)
    lenient("integration", S["int_key"], S["int_secret"]).post(
        "/api/v1/integration/batch", {"items": []}, expect=422, bad_request=True)
    adm.post("/api/v1/integration/batch", {"items": items[:1]}, expect=403,
             headers={"X-Motcua-Timestamp": "1", "X-Motcua-Signature": "v1=" + "0" * 64})
    adm.post("/api/v1/integration/clients/nobody.here/signing-secret", expect=404)
    strict("giamsat", S["giamsat"]).post(
        "/api/v1/integration/clients/contract.int/signing-secret", expect=403)
    adm.get("/api/v1/integration/status-map")
    integ.get("/api/v1/integration/status-map")
    integ.get("/api/v1/integration/status-map", sign=False, expect=401, note="unsigned read")
    adm.post("/api/v1/integration/status-map", {"items": [
        {"source": "contract", "code": "XONG", "state": 9, "note": "Đã giải quyết"},
        {"source": "contract", "code": "TRA", "state": 10}]})
    lenient("admin", S["admin"]).post("/api/v1/integration/status-map", {"items": [
        {"source": "Contract!", "code": "X", "state": 11}]}, expect=422, bad_request=True)
    integ.post("/api/v1/integration/status-map", {"items": [
        {"source": "contract", "code": "X", "state": 9}]}, expect=403)
    clean(t, m)


class Refuser:
    """A webhook receiver that answers 500 to everything (so deliveries die at once)."""

    def __init__(self):
        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()


def wait_dead(adm, wid, n):
    deadline, dead = time.time() + 20, []
    while time.time() < deadline:
        dead = adm.get("/api/v1/webhooks/%d/deliveries?state=dead" % wid).json["items"]
        if len(dead) >= n:
            return dead
        time.sleep(0.3)
    raise TestFailure("no %d dead letters: %r" % (n, dead))


def test_webhooks(t):
    m = mark()
    adm = strict("admin", S["admin"])
    clerk = strict("clerk", S["tiepnhan.tinh"])
    rec = Refuser()
    url = "http://127.0.0.1:%d/hook" % rec.port
    r = adm.post("/api/v1/webhooks", {"url": url, "event_types": [], "units": [CENTRE],
                                      "description": "Thử hợp đồng"}, expect=201)
    wid = r.json["id"]
    r = adm.post("/api/v1/webhooks", {"url": url, "format": "dvcqg",
                                      "secret": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"},
                 expect=201)
    wid2 = r.json["id"]
    adm.post("/api/v1/webhooks", {"url": "ftp://example/"}, expect=422)
    adm.post("/api/v1/webhooks", {"url": url, "units": ["999.99.99.H19"]}, expect=422)
    lenient("admin", S["admin"]).post("/api/v1/webhooks", {"url": url, "format": "xml"},
                                      expect=422, bad_request=True)
    clerk.post("/api/v1/webhooks", {"url": url}, expect=403)
    r = adm.get("/api/v1/webhooks?limit=1")
    adm.get("/api/v1/webhooks?limit=1&cursor=" + r.json["next_cursor"])
    # events for it: a reception and a hand-over at the centre
    r = clerk.post("/api/v1/dossiers", reception(30), expect=201)
    ev(clerk, r.json["code"], 1, "hand_over", to_unit=JUSTICE, step="Thẩm định")
    dead = wait_dead(adm, wid, 1)
    adm.get("/api/v1/webhooks/%d/deliveries" % wid)
    # the hand-over's delivery waits behind the reception's dead letter (order per dossier)
    blocked = adm.get("/api/v1/webhooks/%d/deliveries?state=blocked" % wid).json["items"]
    ok(blocked and blocked[0]["blocked_by"] == dead[0]["id"], "blocked: %r" % blocked)
    adm.get("/api/v1/webhooks/%d/deliveries?state=pending" % wid2)
    adm.get("/api/v1/webhooks/999999/deliveries", expect=404)
    lenient("admin", S["admin"]).get("/api/v1/webhooks/%d/deliveries?state=lost" % wid,
                                     expect=400, bad_request=True)
    adm.post("/api/v1/webhooks/deliveries/%d/skip" % dead[0]["id"])
    adm.post("/api/v1/webhooks/deliveries/%d/skip" % dead[0]["id"], expect=409)
    dead = wait_dead(adm, wid, 1)   # the hand-over went out once skipped, and died
    r = adm.get("/api/v1/webhooks/%d/deliveries?limit=1" % wid)
    adm.get("/api/v1/webhooks/%d/deliveries?limit=1&cursor=%s" % (wid, r.json["next_cursor"]))
    adm.post("/api/v1/webhooks/deliveries/%d/replay" % dead[0]["id"], expect=202)
    adm.post("/api/v1/webhooks/deliveries/999999999/replay", expect=404)
    adm.post("/api/v1/webhooks/deliveries/999999999/skip", expect=404)
    adm.post("/api/v1/webhooks/%d/replay-dead" % wid, expect=202)
    adm.post("/api/v1/webhooks/999999/replay-dead", expect=404)
    adm.post("/api/v1/webhooks/%d/update" % wid, {"description": "Đã sửa",
                                                  "event_types": ["receive", "alert.*"],
                                                  "units": None})
    adm.post("/api/v1/webhooks/%d/update" % wid, {"secret": "whsec_x"}, expect=422)
    adm.post("/api/v1/webhooks/999999/update", {"description": "x"}, expect=404)
    adm.post("/api/v1/webhooks/%d/rotate-secret" % wid, {"overlap_seconds": 60})
    adm.post("/api/v1/webhooks/%d/rotate-secret" % wid2)
    adm.post("/api/v1/webhooks/%d/rotate-secret" % wid, {"secret": "whsec_c2hvcnQ="},
             expect=422)
    adm.post("/api/v1/webhooks/999999/rotate-secret", {}, expect=404)
    adm.post("/api/v1/webhooks/%d/disable" % wid)
    adm.post("/api/v1/webhooks/%d/enable" % wid)
    adm.post("/api/v1/webhooks/%d/disable" % wid2)
    adm.post("/api/v1/webhooks/999999/disable", expect=404)
    adm.post("/api/v1/webhooks/999999/enable", expect=404)
    adm.get("/api/v1/webhooks")
    clean(t, m)


def test_dvcqg(t):
    m = mark()
    integ = strict("integration", S["int_key"], S["int_secret"])
    adm = strict("admin", S["admin"])
    r = integ.get("/api/v1/dvcqg/dossiers?limit=3")
    ok(r.json["items"] and r.json["more"], "feed page")
    integ.get("/api/v1/dvcqg/dossiers?limit=3&cursor=" + r.json["next_cursor"])
    adm.get("/api/v1/dvcqg/dossiers?sync=not_synced&limit=2")
    integ.get("/api/v1/dvcqg/dossiers?cursor=0_1", expect=400)
    integ.get("/api/v1/dvcqg/dossiers", sign=False, expect=401, note="unsigned feed")
    lenient("integration", S["int_key"], S["int_secret"]).get(
        "/api/v1/dvcqg/dossiers?sync=maybe", expect=400, bad_request=True)
    strict("giamsat", S["giamsat"]).get("/api/v1/dvcqg/dossiers", expect=403)
    r = integ.get("/api/v1/dvcqg/progress?limit=3")
    integ.get("/api/v1/dvcqg/progress?limit=3&cursor=" + r.json["next_cursor"])
    adm.get("/api/v1/dvcqg/progress?limit=2")
    integ.get("/api/v1/dvcqg/progress?cursor=0_a", expect=400)
    for feed in ("/api/v1/dvcqg/evaluations", "/api/v1/dvcqg/pakn"):
        r = integ.get(feed + "?limit=3")
        ok(r.json["items"], "%s: rows of the sessions above" % feed)
        integ.get(feed + "?limit=3&cursor=" + r.json["next_cursor"])
        adm.get(feed + "?limit=2")
        integ.get(feed + "?cursor=0_1", expect=400)
        integ.get(feed, sign=False, expect=401, note="unsigned feed")
        strict("giamsat", S["giamsat"]).get(feed, expect=403)
    a = S["A"]
    integ.post("/api/v1/dvcqg/ack", {"items": [{"code": a, "state": "synced"},
                                               {"code": S["B"], "state": "error",
                                                "error": "Cổng từ chối"},
                                               {"code": "NOPE-1", "state": "synced"}]})
    adm.post("/api/v1/dvcqg/ack", {"items": [{"code": S["D"], "state": "synced", "version": 1}]})
    integ.get("/api/v1/dvcqg/dossiers?sync=synced")
    integ.get("/api/v1/dvcqg/dossiers?sync=error")
    integ.post("/api/v1/dvcqg/ack", {"items": [{"code": a, "state": "synced"}]}, sign=False,
               expect=401, note="unsigned ack")
    lenient("integration", S["int_key"], S["int_secret"]).post(
        "/api/v1/dvcqg/ack", {"items": [{"code": a, "state": "error"}]}, expect=422,
        bad_request=True)
    body = {"period": {"from": day(-300), "to": day(0)},
            "units": [{"unit_code": CENTRE, "received": 5, "resolved": 1},
                      {"unit_code": "101.01.00.H19"}, {"unit_code": "999.99.99.H19"}]}
    integ.post("/api/v1/dvcqg/reconcile", body)
    adm.post("/api/v1/dvcqg/reconcile", body)
    integ.post("/api/v1/dvcqg/reconcile", body, sign=False, expect=401, note="unsigned reconcile")
    integ.post("/api/v1/dvcqg/reconcile", {"period": {"from": day(0), "to": day(-300)},
                                           "units": [{"unit_code": CENTRE}]}, expect=422)
    lenient("integration", S["int_key"], S["int_secret"]).post(
        "/api/v1/dvcqg/reconcile", {"period": {"from": day(0)}, "units": []},
        expect=422, bad_request=True)
    strict("giamsat", S["giamsat"]).post("/api/v1/dvcqg/reconcile", body, expect=403)
    clean(t, m)


def test_validator_catches_wrong_answers_of_every_kind(t):
    # The same on the schemas of reports, alerts, the feeds and webhooks: a wrong enum, a
    # missing member, a oneOf branch that does not fit, a $ref into the Error schema.
    m = mark()
    sup = lenient("giamsat", S["giamsat"])
    adm = lenient("admin", S["admin"])
    integ = lenient("integration", S["int_key"], S["int_secret"])
    t0 = "2026-01-01T00:00:00+07:00"
    sup.get("/api/v1/stats/ontime?" + PERIOD, fault='set:rules="legal766"')
    sup.get("/api/v1/stats/ontime?" + PERIOD, fault='set:items=[{"key":{}}]')
    sup.get("/api/v1/stats/trend?" + PERIOD, fault='set:interval="year"')
    sup.get("/api/v1/reports/bieu06?" + PERIOD, fault='set:form="Bieu so 07"')
    sup.get("/api/v1/reports/bieu06/late-dossiers?" + PERIOD, fault='set:items=[{"code":"x"}]')
    sup.get("/api/v1/stats/ontime/dossiers?%s&cell=late" % PERIOD, fault='set:cell="later"')
    sup.get("/api/v1/stats/overdue", fault="drop:as_of")
    sup.get("/api/v1/stats/due-soon", fault='set:by="sideways"')
    sup.get("/api/v1/alerts", fault='set:items=[{"id":1,"kind":"overdue","dossier":"x","unit":"y",'
            '"created_at":"%s","payload":{"code":"x","leg":1,"planned_end_at":"%s"}}]' % (t0, t0))
    adm.get("/api/v1/dvcqg/dossiers?limit=1", fault='set:more="yes"')
    adm.get("/api/v1/dvcqg/progress?limit=1", fault='set:items=[{"MaHoSo":"x"}]')
    adm.get("/api/v1/integration/status-map", fault='set:next_cursor="x"')
    adm.get("/api/v1/webhooks", fault='set:items=[{"id":1}]')
    integ.post("/api/v1/integration/batch", {"items": [
        {"sender_id": "fault-1", "kind": "event", "dossier_code": "000.00.01.H19-990101-9997",
         "type": "stop", "reason": "r"}]},
        fault='set:items=[{"index":0,"sender_id":null,"status":"rejected",'
              '"error":{"code":1,"message":"m","status":422}}]')
    clean(t, m)


def test_lookup_rate_limit(t):
    # last of the lookups: 30 a minute from one address per worker thread (this server runs
    # two, and the proxy's connections may land on either), then 429
    m = mark()
    anon = strict("anon")
    for _ in range(61):
        r = anon.get("/api/v1/lookup?code=%s&secret=NOTTHEONE" % S["A"], expect=(404, 429))
        if r.status == 429:
            break
    eq(r.status, 429, "rate limited")
    clean(t, m)


def test_every_route_and_event_kind_validated(t):
    """The session's coverage; fails on any violation of the whole session."""
    doc_routes = {(m, p) for m, p, _, _ in ROUTES}
    served = set()
    for line in t.run_cli(["routes"]).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            served.add((parts[0], parts[1]))
    eq(sorted(served - doc_routes), [], "routes missing from the document")
    hit = {(e["method"], e["route"]) for e in LOG if e["route"] and not e["fault"]}
    ok2 = {(e["method"], e["route"]) for e in LOG if e["route"] and 200 <= e["status"] < 300
           and not e["fault"] and not e["bad_request"]}
    missing = sorted(served - hit)
    no2xx = sorted(served - ok2 - {("GET", "/api/v1/alerts/stream")})
    events = sorted(S.get("events", set()))
    statuses = {}
    for e in LOG:
        if not e["fault"]:
            statuses[e["status"]] = statuses.get(e["status"], 0) + 1
    refused = sum(1 for e in LOG if e["status"] >= 400 and not e["fault"])
    print("# contract session: %d requests through Prism (%d refused by the server, %d of them "
          "breaking the document on purpose; %d answers corrupted on purpose), %d of %d routes, "
          "statuses %s" % (
              len(LOG), refused, sum(1 for e in LOG if e["bad_request"]),
              sum(1 for e in LOG if e["fault"]), len(hit & served), len(served),
              ", ".join("%d×%d" % (n, st) for st, n in sorted(statuses.items()))))
    print("# event kinds: " + ", ".join(events))
    problems = []
    if missing:
        problems.append("routes never exercised: %s" % missing)
    if no2xx:
        problems.append("routes never answered 2xx: %s" % no2xx)
    if set(EVENT_KINDS) - set(events):
        problems.append("event kinds never recorded: %s" % sorted(set(EVENT_KINDS) - set(events)))
    for v in VIOLATIONS:
        print("# violation: " + v.replace("\n", " "))
    if VIOLATIONS:
        problems.append("%d contract violation(s):\n  %s" % (len(VIOLATIONS),
                                                            "\n  ".join(VIOLATIONS)))
    _kill_all()
    if problems:
        raise TestFailure("\n".join(problems))
