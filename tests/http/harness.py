"""End-to-end test harness: the real motcua binary, a real PostgreSQL, real sockets.

Each test module (tests/http/test_*.py) gets its own database, copied from a migrated
template, and its own server on a free port, so modules are independent. A module defines
functions `test_<name>(t)` run in file order; `t` is a Ctx (below). Optional module
attributes: SERVER_ENV (extra environment for the server), START_SERVER = False (the module
starts servers itself, e.g. pinned at an instant with t.start_server_at), and `setup(t)` run
once before the tests.

Environment (set by tests/run.sh via tests/pg.sh): PG_URL, PG_BIN, PG_TMP, PG_PORT.
"""
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                   "WARNING: ThreadSanitizer")


class TestFailure(AssertionError):
    pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def as_pg_user(argv):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + argv
    return argv


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body
        self._json = None

    @property
    def json(self):
        if self._json is None:
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except Exception as e:  # noqa: BLE001
                raise TestFailure("response is not JSON (%s): %r" % (e, self.body[:300]))
        return self._json

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def error_code(self):
        return self.json.get("error", {}).get("code")

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.body[:400])


class Server:
    """One motcua process."""

    def __init__(self, binary, db_url, env=None, tls=None, label="srv"):
        self.binary = binary
        self.db_url = db_url
        self.port = free_port()
        self.extra_env = dict(env or {})
        self.tls = tls
        self.proc = None
        self.log_path = "/tmp/motcua-%s-%d.log" % (label, self.port)
        self.logf = None

    def env(self):
        e = dict(os.environ)
        e.update({
            "DATABASE_URL": self.db_url,
            "MOTCUA_LISTEN": "127.0.0.1:%d" % self.port,
            "MOTCUA_THREADS": "2",
            "MOTCUA_LOG_LEVEL": "info",
            "MOTCUA_PUBLIC_URL": "https://motcua.example.vn",
        })
        if self.tls:
            e["MOTCUA_TLS_CERT"], e["MOTCUA_TLS_KEY"] = self.tls
        e.update(self.extra_env)
        return e

    def start(self, wait=True):
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary], env=self.env(), stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20.0, path="/readyz"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("server exited with %s:\n%s" % (self.proc.returncode, self.log()[-3000:]))
            try:
                c = self.connect(timeout=1)
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise TestFailure("server not ready after %.0fs:\n%s" % (timeout, self.log()[-3000:]))

    def connect(self, timeout=30):
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.tls[0])
            ctx.check_hostname = False
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stops the server; returns its exit status."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.logf.close()
                raise TestFailure("server did not stop within %ds after %s" % (timeout, sig))
        self.logf.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def sanitizer_report(self):
        text = self.log()
        for m in SANITIZER_MARKS:
            i = text.find(m)
            if i >= 0:
                return text[max(0, i - 200):i + 3000]
        return None


class Signer:
    """Signs an integration client's writes (docs/integration.md §2): the server refuses an
    unsigned one. The secret is the account's current one, read from the database (issued
    here if the test has not issued one) and read again when the server says it no longer
    matches (a test rotated it)."""

    def __init__(self, ctx, login):
        self.ctx = ctx
        self.login = login
        self.secret = None
        self.used = set()

    def _read(self):
        return self.ctx.scalar("SELECT c.signing_secret FROM integ_client c JOIN account a"
                               " ON a.id = c.account_id WHERE a.login = '%s'" % self.login)

    def refresh(self):
        old = self.secret
        self.secret = self._read() or None
        if self.secret is None:
            self.secret = uuid.uuid4().hex + uuid.uuid4().hex
            self.ctx.psql("INSERT INTO integ_client (account_id, signing_secret) SELECT id, '%s'"
                          " FROM account WHERE login = '%s'" % (self.secret, self.login))
        return self.secret != old

    def headers(self, method, target, raw):
        import hashlib
        import hmac
        if self.secret is None:
            self.refresh()
        ts = int(time.time())
        while (method, target, raw, ts) in self.used:  # the same bytes twice: a replay
            ts -= 1
        self.used.add((method, target, raw, ts))
        msg = b"\n".join([method.encode(), target.encode(), str(ts).encode(), raw or b""])
        mac = hmac.new(self.secret.encode(), msg, hashlib.sha256).hexdigest()
        return {"X-Motcua-Timestamp": str(ts), "X-Motcua-Signature": "v1=" + mac}


class Client:
    """HTTP client with keep-alive and an optional bearer token. An integration client
    (signer set) signs its writes unless the caller gave signature headers or sign=False."""

    def __init__(self, server, token=None, signer=None):
        self.server = server
        self.token = token
        self.conn = None
        self.signer = signer

    def request(self, method, path, body=None, headers=None, raw=None, timeout=30, sign=True):
        h = {}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        signing = (self.signer is not None and sign and method not in ("GET", "HEAD")
                   and "X-Motcua-Signature" not in h)
        if signing:
            h.update(self.signer.headers(method, path, data))
        r = self._send(method, path, data, h, timeout)
        if (signing and r.status == 401 and r.body.startswith(b"{")
                and r.error_code() == "BAD_SIGNATURE" and self.signer.refresh()):
            h.update(self.signer.headers(method, path, data))
            r = self._send(method, path, data, h, timeout)
        return r

    def _send(self, method, path, data, h, timeout):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = self.server.connect(timeout=timeout)
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                resp = Response(r.status, r.getheaders(), r.read())
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt:
                    raise
        raise TestFailure("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Ctx:
    """What a test function gets."""

    def __init__(self, binary, label, module_name, server_env=None):
        self.binary = binary
        self.label = label
        self.pg_url = os.environ["PG_URL"]
        self.dbname = ("t_%s_%s" % (label, module_name)).lower()
        self.db_url = "%s/%s" % (self.pg_url, self.dbname)
        self.server_env = server_env or {}
        self.server = None
        self._clients = []
        self._accounts = {}

    # -- database -------------------------------------------------------------------------
    def psql(self, sql, db=None, check=True):
        url = "%s/%s" % (self.pg_url, db or self.dbname)
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1",
                            url, "-c", sql], capture_output=True, text=True)
        if check and p.returncode != 0:
            raise TestFailure("psql failed: %s\n%s" % (sql, p.stderr))
        return p.stdout

    def sql(self, query):
        """Rows of a query as lists of strings (NULL as '')."""
        out = self.psql(query)
        return [line.split("\x1f") for line in out.splitlines() if line != ""]

    def scalar(self, query):
        rows = self.sql(query)
        return rows[0][0] if rows else None

    def create_database(self):
        tpl = "tpl_%s" % self.label
        have = self.psql("SELECT 1 FROM pg_database WHERE datname = '%s'" % tpl, db="postgres")
        if not have.strip():
            self.psql("CREATE DATABASE %s" % tpl, db="postgres")
            self.run_cli(["migrate"], db_url="%s/%s" % (self.pg_url, tpl))
        self.psql("DROP DATABASE IF EXISTS %s" % self.dbname, db="postgres")
        self.psql("CREATE DATABASE %s TEMPLATE %s" % (self.dbname, tpl), db="postgres")

    def run_cli(self, args, db_url=None, input=None, check=True, env=None):
        e = dict(os.environ)
        e["DATABASE_URL"] = db_url or self.db_url
        if env:
            e.update(env)
        p = subprocess.run([self.binary] + args, env=e, capture_output=True, text=True,
                           input=input)
        if check and p.returncode != 0:
            raise TestFailure("motcua %s failed (%d): %s%s" % (" ".join(args), p.returncode,
                                                              p.stdout, p.stderr))
        return p

    def pg_ctl(self, *args):
        cmd = as_pg_user([os.path.join(os.environ["PG_BIN"], "pg_ctl"), "-D",
                          os.path.join(os.environ["PG_TMP"], "data")] + list(args))
        return subprocess.run(cmd, capture_output=True, text=True)

    def pg_stop(self, mode="immediate"):
        self.pg_ctl("-m", mode, "-w", "stop")

    def pg_start(self):
        port, tmp = os.environ["PG_PORT"], os.environ["PG_TMP"]
        opts = ("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 "
                "-c shared_buffers=64MB" % (port, tmp))
        p = self.pg_ctl("-w", "-t", "60", "-l", os.path.join(tmp, "log"), "-o", opts, "start")
        if p.returncode != 0:
            raise TestFailure("pg_ctl start failed: %s %s" % (p.stdout, p.stderr))

    # -- servers and clients --------------------------------------------------------------
    def start_server(self, env=None, tls=None, wait=True):
        e = dict(self.server_env)
        e.update(env or {})
        s = Server(self.binary, self.db_url, env=e, tls=tls, label=self.dbname)
        s.start(wait=wait)
        return s

    def start_server_at(self, instant, env=None, tls=None, wait=True, binary=None):
        """A server whose clock starts at `instant` (RFC 3339 with offset) and ticks from there:
        MOTCUA_TEST_NOW, honoured by a TEST_CLOCK=1 build (tests/run.sh builds those; a
        production build refuses to start). `binary` defaults to the one under test."""
        e = dict(self.server_env)
        e.update(env or {})
        e["MOTCUA_TEST_NOW"] = instant
        s = Server(binary or self.binary, self.db_url, env=e, tls=tls, label=self.dbname)
        s.start(wait=wait)
        return s

    def client(self, token=None, server=None):
        c = Client(server or self.server, token)
        self._clients.append(c)
        return c

    def anon(self):
        return self.client()

    def load_demo(self, count):
        """The demo province of `make run`: its catalogue and accounts (tools/demo/load.sh),
        then `count` demo dossiers through this module's server (tools/demo/dossiers.py)."""
        p = subprocess.run(["sh", os.path.join(ROOT, "tools/demo/load.sh"), self.db_url,
                            self.binary], capture_output=True, text=True)
        if p.returncode != 0:
            raise TestFailure("load.sh: %s %s" % (p.stdout[-500:], p.stderr[-500:]))
        p = subprocess.run(["python3", os.path.join(ROOT, "tools/demo/dossiers.py"),
                            "--url", "http://127.0.0.1:%d" % self.server.port,
                            "--database-url", self.db_url, "--bin", self.binary,
                            "--count", str(count)], capture_output=True, text=True, timeout=240)
        if p.returncode != 0:
            raise TestFailure("dossiers.py: %s" % (p.stdout + p.stderr)[-1500:])
        return p.stdout

    def account(self, login, role, unit_code, password="mật-khẩu-thử-nghiệm-1"):
        """Creates a staff account with the CLI (once) and returns a logged-in Client."""
        if login not in self._accounts:
            self.run_cli(["account", "add", "--login", login, "--role", role, "--unit", unit_code,
                          "--password-stdin"], input=password + "\n")
            self._accounts[login] = password
        r = self.anon().post("/api/v1/auth/login", {"login": login, "password": self._accounts[login]})
        if r.status != 200:
            raise TestFailure("login %s failed: %r" % (login, r))
        return self.client(r.json["token"])

    def api_key(self, login, unit_code):
        """Creates an integration account with an API key; returns a Client using it."""
        p = self.run_cli(["account", "add", "--login", login, "--role", "integration", "--unit",
                          unit_code, "--api-key"])
        key = [w for w in p.stdout.split() if w.startswith("mck_")]
        if not key:
            raise TestFailure("no API key printed: %s" % p.stdout)
        c = self.client(key[0])
        c.signer = Signer(self, login)
        return c

    def close(self):
        for c in self._clients:
            c.close()


# -- assertions ---------------------------------------------------------------------------
def eq(actual, expected, what=""):
    if actual != expected:
        raise TestFailure("%s: expected %r, got %r" % (what or "value", expected, actual))


def ok(cond, what):
    if not cond:
        raise TestFailure(what)


def status(resp, expected, code=None):
    """Asserts the status (and the JSON error code when given)."""
    if resp.status != expected:
        raise TestFailure("expected status %d, got %r" % (expected, resp))
    if code is not None:
        err = resp.json.get("error") if isinstance(resp.json, dict) else None
        if not err or err.get("code") != code:
            raise TestFailure("expected error code %s, got %r" % (code, resp))
        for k in ("message",):
            if not err.get(k):
                raise TestFailure("error without %s: %r" % (k, resp))
    return resp


def new_key():
    return str(uuid.uuid4())
