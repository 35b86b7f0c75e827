#!/usr/bin/env python3
"""bench_compare.py - motcua beside its references, in one run on one cluster (issue 14).

One throwaway PostgreSQL with production durability (fsync=on, synchronous_commit=on; the
Cluster of bench_write.py), one motcua (build/motcua, MOTCUA_THREADS=2), the Node peer of
../shared/peer (copied to a temporary folder first: shared/ may be read-only) on its own
database of the same cluster, and nginx serving a 200-byte file. Then ROUNDS interleaved
rounds (default 3) of, each for SECS seconds (default 10) with `wrk -t2 -c64`:
  pgbench       one-row INSERT per transaction, 64 clients (-M prepared): the commit ceiling
  reception     motcua POST /api/v1/dossiers (a fresh Idempotency-Key and applicant each)
  peer POST     POST /dossier (one INSERT, no code, no event, no idempotency)
  GET by code   motcua GET /api/v1/dossiers/{code}, codes drawn at random from 2,000
  peer GET      GET /dossier/{id}, ids drawn at random from 10,000
  healthz       motcua GET /healthz
  nginx         GET of a 200-byte static file (access log on, as motcua's)
and, around the motcua receptions, WAL flushes (pg_stat_wal.wal_sync) and commits
(pg_stat_database.xact_commit) per reception. Resident memory of motcua: idle, with 10,000
idle keep-alive connections, and after the load. Prints every figure's min/median/max and a
table of ratios (medians) against the goals of issue 14. Figures, not assertions.

Usage: python3 tools/bench/bench_compare.py [--bin build/motcua] [--secs 10] [--rounds 3]
Environment: MOTCUA_BIN; BENCH_QUICK=1 (3 s, 1 round). As root it installs what is missing
(wrk, nginx, nodejs, npm) with apt-get.
"""
import argparse
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_write as bw  # noqa: E402  (Cluster, Server, SETUP_SQL, login, pgbench)

ROOT = bw.ROOT
PEER_SRC = os.path.join(os.path.dirname(ROOT), "shared", "peer")

RECEPTION_LUA = r"""
local n = 0
local token = os.getenv("BENCH_TOKEN")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  tid = tonumber(tid) or 0
  math.randomseed(os.time() * 97 + tid)
  run = string.format("%08x", math.random(0, 0x7fffffff))
end
function request()
  n = n + 1
  local id = string.format("%s-%d-%d", run, tid, n)
  local body = '{"procedure":"2.000908","channel":1,"complete":true,"sets":1,' ..
    '"return_method":"counter","applicant":{"name":"Nguyễn Văn Đo","id_number":"' ..
    string.format("%012d", (tid * 100000000 + n) % 1000000000000) .. '",' ..
    '"address":"Số 1 Tràng Tiền"},"documents":[{"name":"Đơn đề nghị","kind":"original","count":1}]}'
  return wrk.format("POST", "/api/v1/dossiers", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. id}, body)
end
"""

GET_LUA = r"""
local list = {}
local token = os.getenv("BENCH_TOKEN")
local prefix = os.getenv("BENCH_PREFIX")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  local f = assert(io.open(os.getenv("BENCH_LIST"), "r"))
  for line in f:lines() do
    if #line > 0 then list[#list + 1] = line end
  end
  f:close()
  math.randomseed(os.time() * 31 + (tonumber(tid) or 0))
end
function request()
  local h = {}
  if token and #token > 0 then h["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", prefix .. list[math.random(#list)], h)
end
"""

POST_PEER_LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"unit_id":42,"level":2,"procedure_id":1234,' ..
           '"received_at":"2024-05-01T08:00:00Z","due_at":"2024-05-31T00:00:00Z","status":1}'
"""


def free_port():
    return bw.free_port()


def ensure_tools():
    """wrk, nginx, node and npm; installed with apt-get when missing and we are root."""
    want = {"wrk": "wrk", "nginx": "nginx", "node": "nodejs", "npm": "npm"}
    have = lambda c: shutil.which(c) or os.path.exists("/usr/sbin/" + c)  # noqa: E731
    missing = [pkg for cmd, pkg in want.items() if not have(cmd)]
    if missing:
        if os.getuid() != 0:
            sys.exit("bench_compare: missing %s (apt-get install %s as root)"
                     % (", ".join(missing), " ".join(missing)))
        print("# installing %s" % " ".join(missing), flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq"] + missing, check=True, env=env,
                       stdout=subprocess.DEVNULL)


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1]) / 1024.0
    return float("nan")


def wrk(url, secs, script, env=None, conns=64):
    """(req/s, p50 ms, p99 ms, errors) of one wrk run."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(["wrk", "-t2", "-c%d" % conns, "-d%ds" % secs, "--latency", "-s", script,
                        url], capture_output=True, text=True, env=e)
    out = p.stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if p.returncode != 0 or m is None:
        sys.exit("bench_compare: wrk failed on %s:\n%s%s" % (url, out, p.stderr))

    def pctl(label):
        m2 = re.search(r"^\s+%s\s+([\d.]+)(us|ms|s)\s*$" % label, out, re.M)
        if m2 is None:
            return float("nan")
        v = float(m2.group(1))
        return v / 1000 if m2.group(2) == "us" else v * 1000 if m2.group(2) == "s" else v
    errs = 0
    m3 = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m3:
        errs += int(m3.group(1))
    m4 = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m4:
        errs += sum(int(x) for x in m4.groups())
    return float(m.group(1)), pctl("50%"), pctl("99%"), errs


class Peer:
    """The Node peer, copied out of shared/, on database `peer` of the cluster."""

    def __init__(self, cl, work):
        if not os.path.isdir(PEER_SRC):
            sys.exit("bench_compare: no peer at %s" % PEER_SRC)
        self.dir = os.path.join(work, "peer")
        shutil.copytree(PEER_SRC, self.dir, ignore=shutil.ignore_patterns("node_modules"))
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=self.dir,
                       check=True, capture_output=True)
        cl.psql("CREATE DATABASE peer")
        url = cl.url.rsplit("/", 1)[0] + "/peer"
        subprocess.run([os.path.join(cl.bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", url,
                        "-f", os.path.join(self.dir, "schema.sql")], check=True,
                       capture_output=True)
        ids = subprocess.run([os.path.join(cl.bin, "psql"), "-X", "-A", "-t", url, "-c",
                              "SELECT id FROM dossier ORDER BY random() LIMIT 10000"],
                             check=True, capture_output=True, text=True).stdout
        self.ids = os.path.join(work, "peer-ids.txt")
        with open(self.ids, "w") as f:
            f.write(ids)
        self.port = free_port()
        self.log = open(os.path.join(work, "peer.log"), "wb")
        self.proc = subprocess.Popen(["node", "server.js"], cwd=self.dir, stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     env=dict(os.environ, PORT=str(self.port), HOST="127.0.0.1",
                                              DATABASE_URL=url))
        wait_http(self.port, "/dossier/00000000-0000-0000-0000-000000000000", (404,))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()


class Nginx:
    def __init__(self, work):
        self.prefix = os.path.join(work, "nginx")
        os.makedirs(os.path.join(self.prefix, "html"))
        os.makedirs(os.path.join(self.prefix, "logs"))
        with open(os.path.join(self.prefix, "html", "f.txt"), "w") as f:
            f.write("x" * 199 + "\n")
        os.chmod(work, 0o755)
        for d in (self.prefix, os.path.join(self.prefix, "html")):
            os.chmod(d, 0o755)
        self.port = free_port()
        conf = os.path.join(self.prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write("worker_processes 2;\npid %s/nginx.pid;\nerror_log %s/logs/error.log;\n"
                    "events { worker_connections 4096; }\n"
                    "http { access_log %s/logs/access.log; keepalive_requests 1000000;\n"
                    "  client_body_temp_path %s/tmp; proxy_temp_path %s/tmp;\n"
                    "  fastcgi_temp_path %s/tmp; uwsgi_temp_path %s/tmp; scgi_temp_path %s/tmp;\n"
                    "  server { listen 127.0.0.1:%d; root %s/html; } }\n"
                    % ((self.prefix,) * 8 + (self.port, self.prefix)))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-p", self.prefix, "-c", conf], check=True, capture_output=True)
        self.nginx, self.conf = nginx, conf
        wait_http(self.port, "/f.txt", (200,))

    def stop(self):
        subprocess.run([self.nginx, "-p", self.prefix, "-c", self.conf, "-s", "stop"],
                       capture_output=True)


def wait_http(port, path, ok, timeout=30):
    import http.client
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", path)
            if c.getresponse().status in ok:
                c.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("bench_compare: nothing answered on port %d" % port)


def idle_connections(port, n):
    """Opens n idle keep-alive connections (each sent one request and read its answer)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1024), hard))
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    alive = 0
    for s in socks:
        try:
            if s.recv(4096).startswith(b"HTTP/1.1 200"):
                alive += 1
        except OSError:
            pass
    return socks, alive


def mmm(xs):
    s = sorted(xs)
    return s[0], statistics.median(s), s[-1]


def fmt(xs, unit=""):
    lo, med, hi = mmm(xs)
    f = "%.0f" if med >= 100 else "%.1f" if med >= 1 else "%.2f"
    return ("%s / %s / %s%s" % (f % lo, f % med, f % hi, unit))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("MOTCUA_BIN", os.path.join(ROOT, "build/motcua")))
    quick = bool(os.environ.get("BENCH_QUICK"))
    ap.add_argument("--secs", type=int, default=3 if quick else 10)
    ap.add_argument("--rounds", type=int, default=1 if quick else 3)
    ap.add_argument("--idle", type=int, default=10000)
    a = ap.parse_args()
    if not os.access(a.bin, os.X_OK):
        sys.exit("bench_compare: %s not built (make all)" % a.bin)
    ensure_tools()
    work = tempfile.mkdtemp(prefix="motcua-bench-compare.")
    cl = bw.Cluster(free_port(), False)
    srv = peer = ngx = None
    try:
        env = dict(os.environ, DATABASE_URL=cl.url)
        subprocess.run([a.bin, "migrate"], env=env, check=True, capture_output=True)
        cl.psql(bw.SETUP_SQL)
        subprocess.run([a.bin, "account", "add", "--login", "clerk1", "--role", "clerk", "--unit",
                        bw.COUNTER, "--password-stdin"], env=env, check=True, capture_output=True,
                       input=(bw.PASSWORD + "\n").encode())
        log_path = os.path.join(work, "motcua.log")
        srv = bw.Server(a.bin, cl.url, free_port(), log_path)
        token = bw.login(srv.port, "clerk1")
        peer = Peer(cl, work)
        ngx = Nginx(work)
        scripts = {}
        for name, text in (("reception", RECEPTION_LUA), ("get", GET_LUA),
                           ("peer_post", POST_PEER_LUA)):
            scripts[name] = os.path.join(work, name + ".lua")
            with open(scripts[name], "w") as f:
                f.write(text)
        plain = os.path.join(work, "plain.lua")
        with open(plain, "w") as f:
            f.write("-- plain GET\n")
        menv = {"BENCH_TOKEN": token}
        # dossiers to read: 2,000 receptions first (also warms the caches)
        wrk("http://127.0.0.1:%d" % srv.port, 3, scripts["reception"], menv, conns=8)
        codes = os.path.join(work, "codes.txt")
        with open(codes, "w") as f:
            f.write(cl.psql("SELECT code FROM dossier ORDER BY random() LIMIT 2000") + "\n")
        rss_idle = rss_mib(srv.proc.pid)
        print("# %s; PostgreSQL %s fsync=on synchronous_commit=on; MOTCUA_THREADS=2; "
              "wrk -t2 -c64, %d s per run, %d rounds; %d cores, load average %.2f at start"
              % (os.path.basename(a.bin), cl.psql("SHOW server_version"), a.secs, a.rounds,
                 os.cpu_count(), os.getloadavg()[0]), flush=True)
        fig = {k: [] for k in ("pgbench", "reception", "rec_p50", "rec_p99", "peer_post",
                               "get", "get_p50", "peer_get", "healthz", "nginx", "flush",
                               "commits")}
        errors = {}
        for r in range(a.rounds):
            tps, _ = bw.pgbench(cl, 64, a.secs)
            fig["pgbench"].append(tps)
            w0 = cl.wal()[0]
            c0 = int(cl.psql("SELECT sum(xact_commit) FROM pg_stat_database"))
            n0 = int(cl.psql("SELECT count(*) FROM dossier"))
            rps, p50, p99, e = wrk("http://127.0.0.1:%d" % srv.port, a.secs, scripts["reception"],
                                   menv)
            n1 = int(cl.psql("SELECT count(*) FROM dossier"))
            fig["reception"].append(rps)
            fig["rec_p50"].append(p50)
            fig["rec_p99"].append(p99)
            fig["flush"].append((cl.wal()[0] - w0) / max(1, n1 - n0))
            fig["commits"].append(
                (int(cl.psql("SELECT sum(xact_commit) FROM pg_stat_database")) - c0)
                / max(1, n1 - n0))
            errors["reception"] = errors.get("reception", 0) + e
            for key, url, script, env in (
                    ("peer_post", "http://127.0.0.1:%d/dossier" % peer.port, scripts["peer_post"],
                     {}),
                    ("get", "http://127.0.0.1:%d" % srv.port, scripts["get"],
                     dict(menv, BENCH_LIST=codes, BENCH_PREFIX="/api/v1/dossiers/")),
                    ("peer_get", "http://127.0.0.1:%d" % peer.port, scripts["get"],
                     {"BENCH_LIST": peer.ids, "BENCH_PREFIX": "/dossier/", "BENCH_TOKEN": ""}),
                    ("healthz", "http://127.0.0.1:%d/healthz" % srv.port, plain, {}),
                    ("nginx", "http://127.0.0.1:%d/f.txt" % ngx.port, plain, {})):
                rps, p50, _, e = wrk(url, a.secs, script, env)
                fig[key].append(rps)
                if key == "get":
                    fig["get_p50"].append(p50)
                errors[key] = errors.get(key, 0) + e
            print("# round %d: pgbench %.0f TPS, receptions %.0f/s, peer POST %.0f/s, GET %.0f/s,"
                  " peer GET %.0f/s, healthz %.0f/s, nginx %.0f/s" % (
                      r + 1, fig["pgbench"][-1], fig["reception"][-1], fig["peer_post"][-1],
                      fig["get"][-1], fig["peer_get"][-1], fig["healthz"][-1], fig["nginx"][-1]),
                  flush=True)
        rss_load = rss_mib(srv.proc.pid)
        socks, alive = idle_connections(srv.port, a.idle)
        time.sleep(1)
        rss_idle_conns = rss_mib(srv.proc.pid)
        for s in socks:
            s.close()
        med = lambda k: statistics.median(fig[k])  # noqa: E731
        print()
        print("| figure | motcua (min / median / max) | reference (min / median / max) |"
              " ratio (medians) | goal |")
        print("|---|---|---|---|---|")
        rows = [
            ("receptions, POST /api/v1/dossiers, c64", fmt(fig["reception"], " req/s"),
             "pgbench one-row INSERT -c64: " + fmt(fig["pgbench"], " TPS"),
             med("reception") / med("pgbench"), ">= 1.0"),
            ("same", "p50 " + fmt(fig["rec_p50"], " ms") + ", p99 " + fmt(fig["rec_p99"], " ms"),
             "peer POST /dossier: " + fmt(fig["peer_post"], " req/s"),
             med("reception") / med("peer_post"), ">= 3, p99 < 50 ms"),
            ("GET /api/v1/dossiers/{code}, c64", fmt(fig["get"], " req/s") + ", p50 "
             + fmt(fig["get_p50"], " ms"), "peer GET /dossier/{id}: " + fmt(fig["peer_get"], " req/s"),
             med("get") / med("peer_get"), ">= 2"),
            ("GET /healthz, c64", fmt(fig["healthz"], " req/s"),
             "nginx, 200-byte file: " + fmt(fig["nginx"], " req/s"),
             med("healthz") / med("nginx"), ">= 0.8"),
        ]
        for name, m, ref, ratio, goal in rows:
            print("| %s | %s | %s | %.3fx | %s |" % (name, m, ref, ratio, goal))
        print("| WAL flushes / commits per reception | %s / %s | | | one commit per group |"
              % (fmt(fig["flush"]), fmt(fig["commits"])))
        print("| RSS idle / after the load / with %d idle connections (%d answered) |"
              " %.0f / %.0f / %.0f MiB | | | < 100 MiB |"
              % (a.idle, alive, rss_idle, rss_load, rss_idle_conns))
        bad = {k: v for k, v in errors.items() if v}
        if bad:
            print("# errors (non-2xx + socket errors): %s" % json.dumps(bad))
        print("# load average at the end %.2f" % os.getloadavg()[0])
    finally:
        for x in (ngx, peer, srv):
            if x is not None:
                try:
                    x.stop()
                except Exception as e:  # noqa: BLE001 - cleanup goes on
                    print("# stop failed: %s" % e)
        cl.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
