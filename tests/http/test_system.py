"""Foundation: health, readiness, metrics, protocol errors, request ids, TLS, configuration,
PostgreSQL going away and coming back, graceful shutdown."""
import os
import select
import socket
import subprocess
import tempfile
import threading
import time

import harness
from harness import TestFailure, eq, ok, status


def test_healthz(t):
    r = t.anon().get("/healthz")
    status(r, 200)
    eq(r.json.get("status"), "ok", "healthz status")
    ok(r.headers.get("content-type", "").startswith("application/json"), "JSON content type")


def test_readyz_when_database_at_head(t):
    r = t.anon().get("/readyz")
    status(r, 200)


def test_request_id_generated_and_echoed(t):
    c = t.anon()
    r = c.get("/healthz")
    rid = r.headers.get("x-request-id", "")
    ok(len(rid) >= 32, "generated request id: %r" % rid)
    r = c.get("/healthz", headers={"X-Request-Id": "abc-123"})
    eq(r.headers.get("x-request-id"), "abc-123", "echoed request id")
    r2 = c.get("/healthz")
    ok(r2.headers.get("x-request-id") != rid, "request ids differ")
    # generated ids have the form of a version-4 UUID and never repeat (2,000 requests on
    # several connections, so both workers answer)
    import re
    seen = set()
    for i in range(2000):
        if i % 100 == 0:
            c.close()
        rid = c.get("/healthz").headers.get("x-request-id", "")
        ok(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", rid),
           "UUID form: %r" % rid)
        seen.add(rid)
    eq(len(seen), 2000, "distinct request ids")


def test_unknown_route_404(t):
    r = t.anon().get("/no/such/route")
    status(r, 404, "NOT_FOUND")
    ok(r.json["error"].get("message_en"), "English message present")


def test_wrong_method_405_with_allow(t):
    r = t.anon().request("DELETE", "/healthz")
    status(r, 405, "METHOD_NOT_ALLOWED")
    ok("GET" in r.headers.get("allow", ""), "Allow header: %r" % r.headers.get("allow"))


def test_bad_json_400(t):
    r = t.anon().request("POST", "/api/v1/auth/login", raw=b'{"login": "x", ',
                         headers={"Content-Type": "application/json"})
    status(r, 400, "BAD_JSON")


def test_deep_json_400(t):
    body = b"[" * 200 + b"]" * 200
    r = t.anon().request("POST", "/api/v1/auth/login", raw=body,
                         headers={"Content-Type": "application/json"})
    status(r, 400)
    ok(r.error_code() in ("JSON_TOO_DEEP", "BAD_JSON"), "deep JSON refused: %r" % r)


def test_invalid_utf8_400(t):
    r = t.anon().request("POST", "/api/v1/auth/login", raw=b'{"login":"\xff\xfe","password":"x"}',
                         headers={"Content-Type": "application/json"})
    status(r, 400)
    ok(r.error_code() in ("BAD_UTF8", "BAD_JSON"), "bad UTF-8 refused: %r" % r)


def test_wrong_media_type_415(t):
    r = t.anon().request("POST", "/api/v1/auth/login", raw=b"login=x",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    status(r, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_body_too_large_413(t):
    big = b'{"login":"' + b"a" * (2 * 1024 * 1024) + b'"}'
    try:
        r = t.anon().request("POST", "/api/v1/auth/login", raw=big,
                             headers={"Content-Type": "application/json"})
    except (ConnectionResetError, BrokenPipeError):
        raise TestFailure("connection reset instead of a 413 JSON error")
    status(r, 413, "BODY_TOO_LARGE")


def test_metrics_prometheus(t):
    t.anon().get("/healthz")
    r = t.anon().get("/metrics")
    status(r, 200)
    text = r.text
    for name in ("motcua_http_requests_total", "motcua_http_request_duration_seconds_bucket",
                 "motcua_db_pool_size", "motcua_db_pool_in_use", "motcua_db_pool_waiting",
                 "motcua_db_reconnects_total"):
        ok(name in text, "metric %s present" % name)
    ok('route="/healthz"' in text, "requests counted by route")


def test_access_log_is_json_lines(t):
    t.anon().get("/healthz", headers={"X-Request-Id": "log-probe-1"})
    time.sleep(0.2)
    lines = [ln for ln in t.server.log().splitlines() if "log-probe-1" in ln]
    ok(lines, "request logged")
    import json
    rec = json.loads(lines[-1])
    for k in ("ts", "method", "route", "status", "dur_ms"):
        ok(k in rec, "log field %s" % k)
    eq(rec["status"], 200 if isinstance(rec["status"], int) else "200", "logged status")


def test_help_version_and_bad_config(t):
    p = t.run_cli(["--version"])
    ok("motcua" in p.stdout, "version printed")
    p = t.run_cli(["--help"])
    ok("MOTCUA_LISTEN" in p.stdout and "DATABASE_URL" in p.stdout, "help lists settings")
    p = t.run_cli([], check=False, env={"MOTCUA_THREADS": "banana"})
    ok(p.returncode != 0, "bad MOTCUA_THREADS refused")
    ok("MOTCUA_THREADS" in (p.stderr + p.stdout), "message names the variable")
    p = t.run_cli([], check=False, env={"MOTCUA_LISTEN": "127.0.0.1:99999"})
    ok(p.returncode != 0 and "MOTCUA_LISTEN" in (p.stderr + p.stdout), "bad listen refused")


def test_metrics_for_the_scraper_only(t):
    """/metrics is not public (issue 17): without MOTCUA_METRICS_TOKEN only a direct loopback
    client reads it (a request relayed by a proxy carries X-Forwarded-For: 403); with it, only
    a scraper sending the token (401 otherwise)."""
    status(t.anon().get("/metrics"), 200)
    r = t.anon().get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    status(r, 403, "FORBIDDEN")
    ok("motcua_" not in r.text, "nothing of the figures")
    s = t.start_server(env={"MOTCUA_METRICS_TOKEN": "scrape-9f2c71d0"})
    try:
        c = t.client(server=s)
        for h in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer scrape-9f2c71d"},
                  {"Authorization": "Basic scrape-9f2c71d0"}):
            r = c.get("/metrics", headers=h)
            status(r, 401, "UNAUTHENTICATED")
            ok("motcua_" not in r.text, "nothing of the figures: %r" % h)
        r = c.get("/metrics", headers={"Authorization": "Bearer scrape-9f2c71d0"})
        status(r, 200)
        ok("motcua_" in r.text, "the figures for the scraper")
        status(c.get("/healthz"), 200)
    finally:
        eq(s.stop(), 0, "exit status")


class Forwarder:
    """A TCP relay on a port of its own to PostgreSQL's, started when the test says: until
    then nothing listens there, as for a database host that is down."""

    def __init__(self, target_port):
        self.port = harness.free_port()
        self.target = target_port
        self.sock = None
        self.frozen = False  # True: bytes are held, as by a PostgreSQL stopped with SIGSTOP

    def start(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    def pipe(self, a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                while self.frozen:
                    time.sleep(0.05)
                b.sendall(d)
        except OSError:
            pass
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        if self.sock is not None:
            self.sock.close()


def test_start_waits_for_an_unreachable_database(t):
    """PostgreSQL unreachable when the server starts (issue 17): the server does not exit;
    it answers /healthz 200 "starting" and every other route 503 DB_UNAVAILABLE with
    Retry-After, retries with backoff, and serves once the database can be reached."""
    pg_port = int(os.environ["PG_PORT"])
    fw = Forwarder(pg_port)
    url = t.db_url.replace(":%d/" % pg_port, ":%d/" % fw.port)
    ok(url != t.db_url, "the database address is the relay's: %s" % url)
    s = harness.Server(t.binary, url, label=t.dbname)
    s.start(wait=False)
    try:
        deadline = time.time() + 15
        r = None
        while time.time() < deadline:
            c = t.client(server=s)
            try:
                r = c.get("/healthz", timeout=5)
                break
            except Exception:  # not listening yet, or reset: a fresh connection
                c.close()
                time.sleep(0.2)
        ok(r is not None, "the server answers while the database is down")
        status(r, 200)
        eq(r.json, {"status": "starting"}, "starting")
        for target in ("/readyz", "/api/v1/units"):
            r = c.get(target)
            status(r, 503, "DB_UNAVAILABLE")
            ok(r.headers.get("retry-after"), "Retry-After on %s" % target)
        ok(s.proc.poll() is None, "still running")
        fw.start()
        s.wait_ready(timeout=60)
        status(t.client(server=s).get("/readyz"), 200)
        ok("database unreachable, waiting" in s.log(), "the wait is logged")
    finally:
        s.stop()
        fw.stop()


def test_frozen_database_answers_503_in_bounded_time(t):
    """PostgreSQL that stops answering without closing (SIGSTOP; here a relay that holds the
    bytes) (issue 17): with MOTCUA_DB_DEADLINE=2 a request and /readyz answer 503
    DB_UNAVAILABLE within the deadline and a margin, not after the freeze; once it thaws the
    server reconnects and serves."""
    pg_port = int(os.environ["PG_PORT"])
    fw = Forwarder(pg_port)
    fw.start()
    s = harness.Server(t.binary, t.db_url.replace(":%d/" % pg_port, ":%d/" % fw.port),
                       env={"MOTCUA_DB_DEADLINE": "2"}, label=t.dbname)
    s.start()
    t.psql("INSERT INTO unit (code, name, level, kind, province, valid_from) VALUES"
           " ('000.00.32.H56', 'Sở Đóng Băng', 'province', 'department', 'H56', '2025-07-01')")
    token = t.account("sys-frozen", "clerk", "000.00.32.H56").token
    try:
        status(t.client(token, server=s).get("/api/v1/units"), 200)
        fw.frozen = True
        for target in ("/readyz", "/api/v1/units"):
            t0 = time.time()
            r = t.client(token, server=s).get(target, timeout=30)
            took = time.time() - t0
            status(r, 503, "DB_UNAVAILABLE")
            ok(took < 2 + 3, "%s answered in %.1f s (deadline 2 s)" % (target, took))
        fw.frozen = False
        # every worker's pool reconnects on its own (connect timeout, then backoff): wait
        # until fresh connections, whichever worker takes them, find the database
        deadline, good = time.time() + 60, 0
        while time.time() < deadline and good < 6:
            good = good + 1 if t.client(server=s).get("/readyz").status == 200 else 0
            time.sleep(0.1)
        eq(good, 6, "the server serves again after the thaw")
    finally:
        fw.frozen = False
        s.stop()
        fw.stop()


def test_tls(t):
    d = tempfile.mkdtemp()
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    s = t.start_server(tls=(cert, key))
    try:
        r = t.client(server=s).get("/healthz")
        status(r, 200)
        # TLS 1.1 must be refused by the server. The client is told to offer TLS 1.1 with
        # SECLEVEL=0 (Debian's openssl otherwise refuses TLS 1.1 itself, and the check could
        # not fail): the server answers with a protocol_version alert.
        def s_client(*args):
            return subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % s.port,
                                   "-cipher", "DEFAULT@SECLEVEL=0"] + list(args), input="",
                                  capture_output=True, text=True, timeout=20)
        p = s_client("-tls1_1")
        out = p.stdout + p.stderr
        ok(p.returncode != 0 and "alert protocol version" in out,
           "TLS 1.1 refused by the server's alert: %s" % out[-600:])
        ok("no protocols available" not in out, "the client did offer TLS 1.1")
        for flag, name in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
            p = s_client(flag, "-brief")
            out = p.stdout + p.stderr
            ok(p.returncode == 0 and name in out and "alert" not in out,
               "%s accepted: %s" % (name, out[-600:]))
        # TLS 1.2 offers forward secrecy and AEAD only (issue 17): a static-RSA suite, a CBC
        # suite with SHA-1 and one with SHA-256 are each refused; ECDHE with AES-GCM or
        # ChaCha20-Poly1305 is taken.
        for suite in ("AES128-GCM-SHA256", "AES256-SHA", "ECDHE-RSA-AES128-SHA",
                      "ECDHE-RSA-AES128-SHA256", "DHE-RSA-AES128-GCM-SHA256"):
            p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % s.port,
                                "-tls1_2", "-cipher", suite + "@SECLEVEL=0", "-brief"],
                               input="", capture_output=True, text=True, timeout=20)
            out = p.stdout + p.stderr
            ok(p.returncode != 0 and "handshake failure" in out,
               "TLS 1.2 %s refused: %s" % (suite, out[-400:]))
        for suite in ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                      "ECDHE-RSA-CHACHA20-POLY1305"):
            p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % s.port,
                                "-tls1_2", "-cipher", suite, "-brief"],
                               input="", capture_output=True, text=True, timeout=20)
            out = p.stdout + p.stderr
            ok(p.returncode == 0 and suite in out, "TLS 1.2 %s taken: %s" % (suite, out[-400:]))
        # Plain HTTP on the TLS port gets no HTTP answer.
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = sock.recv(100)
        except OSError:
            data = b""
        sock.close()
        ok(not data.startswith(b"HTTP/1.1 200"), "no plain HTTP on the TLS port")
    finally:
        eq(s.stop(), 0, "TLS server exit status")
    p = t.run_cli([], check=False, env={"MOTCUA_TLS_CERT": "/nonexistent.pem",
                                       "MOTCUA_TLS_KEY": key,
                                       "MOTCUA_LISTEN": "127.0.0.1:0"})
    ok(p.returncode != 0 and "MOTCUA_TLS_CERT" in (p.stderr + p.stdout), "bad cert named")


def test_slow_client_cut_off(t):
    s = t.start_server(env={"MOTCUA_HEADER_TIMEOUT": "1", "MOTCUA_READ_TIMEOUT": "1"})
    try:
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finishes the headers
        t0 = time.time()
        try:
            data = sock.recv(100)
        except OSError:
            data = b""
        elapsed = time.time() - t0
        sock.close()
        ok(elapsed < 6, "slow client cut off after %.1fs" % elapsed)
        # Others are served meanwhile.
        status(t.client(server=s).get("/healthz"), 200)
        del data
    finally:
        eq(s.stop(), 0, "exit status")


def test_database_restart_503_then_recovers(t):
    """PostgreSQL stopped hard: /readyz and authenticated API routes answer 503
    DB_UNAVAILABLE with Retry-After, with the token cached by the worker (used just before)
    and with one the server has never seen; service resumes by itself afterwards."""
    t.psql("INSERT INTO unit (code, name, level, kind, province, valid_from) VALUES"
           " ('000.00.31.H56', 'Sở Thử Nghiệm', 'province', 'department', 'H56', '2025-07-01')")
    cached = t.account("sys-clerk", "clerk", "000.00.31.H56")
    fresh = t.account("sys-clerk", "clerk", "000.00.31.H56")  # a second session, never used
    c = t.anon()
    status(c.get("/readyz"), 200)
    status(cached.get("/api/v1/units"), 200)  # keep-alive: the same worker, now cached
    t.pg_stop("immediate")
    try:
        saw_503 = False
        deadline = time.time() + 10
        while time.time() < deadline:
            r = c.get("/readyz")
            if r.status == 503:
                saw_503 = True
                status(r, 503, "DB_UNAVAILABLE")
                ok(r.headers.get("retry-after"), "Retry-After on 503")
                break
            time.sleep(0.1)
        ok(saw_503, "readyz reports the database down")
        status(c.get("/healthz"), 200)  # the process itself is alive
        for who, cl in (("cached token", cached), ("uncached token", fresh)):
            r = cl.get("/api/v1/units")
            status(r, 503, "DB_UNAVAILABLE")
            ok(r.headers.get("retry-after"), "Retry-After on 503 (%s)" % who)
    finally:
        t.pg_start()
    deadline = time.time() + 20
    while time.time() < deadline:
        if c.get("/readyz").status == 200:
            break
        time.sleep(0.2)
    status(c.get("/readyz"), 200)
    ok("motcua_db_reconnects_total" in c.get("/metrics").text, "reconnects counted")
    # each worker's pool reconnects on its own backoff (up to 5 s after a long outage): the
    # two keep-alive clients may sit on different workers, so wait for both
    deadline = time.time() + 20
    while time.time() < deadline and (fresh.get("/api/v1/units").status != 200
                                      or cached.get("/api/v1/units").status != 200):
        time.sleep(0.2)
    status(cached.get("/api/v1/units"), 200)
    status(fresh.get("/api/v1/units"), 200)


def test_graceful_shutdown(t):
    s = t.start_server()
    status(t.client(server=s).get("/healthz"), 200)
    eq(s.stop(), 0, "exit status after SIGTERM")
    ok(s.sanitizer_report() is None, "no sanitizer report")


def _limited_server(t, ulimit_args, env=None):
    """A server started through a shell that first lowers RLIMIT_NOFILE (`ulimit` builtin)."""
    from harness import Server
    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    wrapper = os.path.join(d, "motcua-ulimit.sh")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nulimit %s || exit 97\nexec "%s" "$@"\n' % (ulimit_args, t.binary))
    os.chmod(wrapper, 0o755)
    e = {"MOTCUA_THREADS": "2"}
    e.update(env or {})
    return Server(wrapper, t.db_url, env=e, label=t.dbname + "-fd").start()


def _log_line(server, msg):
    import json
    for ln in server.log().splitlines():
        try:
            rec = json.loads(ln)
        except ValueError:
            continue
        if rec.get("msg", "").startswith(msg):
            return rec
    return None


def _soft_nofile(pid):
    with open("/proc/%d/limits" % pid) as f:
        for ln in f:
            if ln.startswith("Max open files"):
                return int(ln.split()[3])
    return None


def test_file_descriptor_limit_raised_or_cap_lowered(t):
    """8192 connections per worker need more descriptors than the usual soft RLIMIT_NOFILE
    (1024): at start-up the soft limit is raised as far as needed (up to the hard limit), and
    when the hard limit is too low the per-worker cap is lowered, with a warning naming the
    numbers; connections over that cap are closed at once, without accept errors."""
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    need = 2 * (8192 + 2 + 16) + 64  # threads x (max connections + pool + 16) + 64
    s = _limited_server(t, "-Sn 1024")
    try:
        rec = _log_line(s, "file descriptors")
        ok(rec is not None, "start-up line on file descriptors: %s" % s.log()[-1500:])
        eq(rec["fds_needed"], str(need), "descriptors needed")
        eq(rec["soft_limit_was"], "1024", "soft limit before")
        if hard == resource.RLIM_INFINITY or hard >= need:
            eq(rec["soft_limit"], str(need), "soft limit raised to what is needed")
            eq(_soft_nofile(s.proc.pid), need, "the process's soft limit (/proc/pid/limits)")
        print("# soft RLIMIT_NOFILE 1024 -> %s (hard %s) for %d descriptors"
              % (rec["soft_limit"], rec["hard_limit"], need))
        status(t.client(server=s).get("/healthz"), 200)
    finally:
        eq(s.stop(), 0, "exit status")

    # Hard limit 256: (256 - 64) / 2 threads - (2 pool + 16) = 78 connections per worker.
    # Idle connections are kept for the header timeout (6 s): long enough to count them.
    s = _limited_server(t, "-n 256", env={"MOTCUA_HEADER_TIMEOUT": "6"})
    socks = []
    try:
        rec = _log_line(s, "file descriptor limit too low")
        ok(rec is not None, "warning at start-up: %s" % s.log()[-1500:])
        eq((rec["max_connections"], rec["effective_max_connections"], rec["hard_limit"]),
           ("8192", "78", "256"), "the warning names the numbers")
        eq(_soft_nofile(s.proc.pid), 256, "soft limit")
        n = 300
        for _ in range(n):
            socks.append(socket.create_connection(("127.0.0.1", s.port), timeout=5))
            time.sleep(0.004)
        time.sleep(0.8)
        # The server sends nothing on an idle connection: readable means closed by it.
        readable = select.select(socks, [], [], 0.5)[0]
        closed = 0
        for sk in readable:
            try:
                closed += sk.recv(1) == b""
            except OSError:
                closed += 1
        open_ = n - closed
        print("# hard RLIMIT_NOFILE 256: %d connections, %d kept (cap 2 x 78), %d closed at once"
              % (n, open_, closed))
        ok(open_ <= 2 * 78, "no more than the lowered cap kept open: %d" % open_)
        ok(closed >= n - 2 * 78, "the excess closed at once: %d" % closed)
    finally:
        for sk in socks:
            sk.close()
    try:
        time.sleep(1.5)  # connections the client closed are freed by a once-a-second sweep
        status(t.client(server=s).get("/healthz"), 200)
        log = s.log()
        ok("Error from accept" not in log and "Too many open files" not in log,
           "no accept error: %s" % [ln for ln in log.splitlines() if "accept" in ln][:3])
    finally:
        eq(s.stop(), 0, "exit status")
