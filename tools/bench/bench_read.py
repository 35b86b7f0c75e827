#!/usr/bin/env python3
"""bench_read.py - GET /api/v1/dossiers/{code} under wrk, one or more binaries interleaved.

Starts one throwaway PostgreSQL with the production durability settings (fsync=on,
synchronous_commit=on; the Cluster of bench_write.py) and pg_stat_statements, creates the
province of bench_write.py, preloads --preload dossiers (generated in SQL), then for each
round and each binary (interleaved: a b a b a b, so the machine's load drifts over both
alike) starts the server (MOTCUA_THREADS=2), logs in a clerk and runs
`wrk -t2 -c64 -d<secs>s --latency` with GETs of codes drawn at random from 10,000 of the
preloaded dossiers, all with the clerk's token (the peer's get.lua, tools/../shared/peer).
Before each wrk run it sends --probe requests on one connection and reads
pg_stat_statements: statements executed per request, by text (what a GET costs in the
database). Prints one line per run, then per binary requests/s and p50/p99 min/median/max.

Usage: python3 tools/bench/bench_read.py [--bin label=path ...] [--secs 10] [--rounds 3]
       [--preload 100000] [--conns 64] [--probe 200]
Figures only: asserts nothing.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_write as bw  # noqa: E402

WRK_LUA = r"""
local codes = {}
function init(args)
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do codes[#codes + 1] = line end
  f:close()
  math.randomseed(os.time() + math.random(100000))
end
function request()
  return wrk.format("GET", "/api/v1/dossiers/" .. codes[math.random(#codes)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("READSTAT rps=%.1f p50_us=%d p99_us=%d non2xx=%d sockerr=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
  io.write(string.format("READERR connect=%d read=%d write=%d timeout=%d status=%d max_us=%d\n",
    e.connect, e.read, e.write, e.timeout, e.status, latency.max))
end
"""


def psql(cl, url, sql):
    """psql on one database of the cluster (Cluster.psql talks to postgres only)."""
    p = subprocess.run([os.path.join(cl.bin, "psql"), "-X", "-q", "-A", "-t", "-v",
                        "ON_ERROR_STOP=1", url, "-c", sql], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("bench_read: psql failed: %s\n%s" % (sql[:200], p.stderr))
    return p.stdout.strip()


def probe(cl, url, port, token, codes, n):
    """Statements per request over n GETs on one connection (pg_stat_statements)."""
    psql(cl, url, "SELECT pg_stat_statements_reset()")
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for i in range(n):
        c.request("GET", "/api/v1/dossiers/" + codes[i % len(codes)],
                  headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            sys.exit("bench_read: GET gave %d" % r.status)
    c.close()
    time.sleep(0.5)
    rows = psql(cl, url, "SELECT calls, round(total_exec_time::numeric, 2),"
                   " round(total_plan_time::numeric, 2), plans,"
                   " left(regexp_replace(query, '\\s+', ' ', 'g'), 90)"
                   " FROM pg_stat_statements WHERE query !~* 'pg_stat_statements'"
                   " ORDER BY calls DESC")
    out = []
    for line in rows.splitlines():
        calls, ex, pl, plans, q = line.split("|", 4)
        if int(calls) >= n // 4:
            out.append("#   %5.2f/req exec %.3f ms plan %.3f ms (plans %s)  %s" % (
                int(calls) / n, float(ex) / int(calls), float(pl) / max(1, int(calls)), plans,
                q))
    return out


def access_errors(log_path):
    """Statuses other than 200 in a server log, with the first such line."""
    seen, first = {}, None
    with open(log_path, "rb") as f:
        for line in f:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            st = j.get("status")
            if st is not None and st != 200 and j.get("method") == "GET":
                seen[st] = seen.get(st, 0) + 1
                first = first or line.decode(errors="replace").strip()
    return "%r; first: %s" % (seen, first)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", action="append", default=[],
                    help="label=path (repeatable; default build/motcua)")
    ap.add_argument("--secs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--preload", type=int, default=100000)
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--probe", type=int, default=200)
    a = ap.parse_args()
    bins = []
    for b in a.bin or ["motcua=" + os.path.join(bw.ROOT, "build/motcua")]:
        label, _, path = b.partition("=")
        if not os.access(path, os.X_OK):
            sys.exit("bench_read: %s not built" % path)
        bins.append((label, path))

    cl = bw.Cluster(bw.free_port(), True)
    tmp = tempfile.mkdtemp(prefix="motcua-bench-read.")
    results = {label: [] for label, _ in bins}
    try:
        # Planning time per statement too (a statement re-planned per execution shows here).
        cl.psql("ALTER SYSTEM SET pg_stat_statements.track_planning = on")
        cl.psql("SELECT pg_reload_conf()")
        # One database per binary in the one cluster: a newer binary's migrations would
        # make the database "ahead" for an older one.
        urls = {}
        codes = None
        for label, path in bins:
            cl.psql("CREATE DATABASE bench_%s" % re.sub(r"\W", "_", label))
            url = cl.url.rsplit("/", 1)[0] + "/bench_" + re.sub(r"\W", "_", label)
            urls[label] = url
            env = dict(os.environ, DATABASE_URL=url)
            subprocess.run([path, "migrate"], env=env, check=True, capture_output=True)
            psql(cl, url, bw.SETUP_SQL)
            psql(cl, url, "CREATE EXTENSION pg_stat_statements")
            subprocess.run([path, "account", "add", "--login", "clerk1", "--role", "clerk",
                            "--unit", bw.COUNTER, "--password-stdin"], env=env, check=True,
                           capture_output=True, input=(bw.PASSWORD + "\n").encode())
            psql(cl, url, bw.PRELOAD_SQL.replace("{N}", str(a.preload)))
            # The first start re-projects the open dossiers onto the calendar the migrations
            # left pending (sql/096): let it finish before anything is measured.
            srv = bw.Server(path, url, bw.free_port(), os.path.join(tmp, "drain.log"))
            try:
                deadline = time.time() + 300
                while time.time() < deadline and psql(
                        cl, url, "SELECT count(*) FROM calendar_reproject_pending") != "0":
                    time.sleep(0.5)
            finally:
                srv.stop()
            psql(cl, url, "VACUUM ANALYZE")
            # Codes hold the day of a generated instant (now() - 730 days + ...): databases
            # loaded seconds apart may differ in a few; keep those every database has.
            mine = set(psql(cl, url, "SELECT code FROM dossier").splitlines())
            codes = mine if codes is None else codes & mine
        codes = sorted(codes)[::max(1, len(codes) // 10000)][:10000]
        codes_path = os.path.join(tmp, "codes.txt")
        with open(codes_path, "w") as f:
            f.write("\n".join(codes) + "\n")
        lua = os.path.join(tmp, "get.lua")
        with open(lua, "w") as f:
            f.write(WRK_LUA)
        print("# PostgreSQL %s fsync=on synchronous_commit=on, %d dossiers, MOTCUA_THREADS=2,"
              " wrk -t2 -c%d -d%ds, nproc %d, load average %.2f at start" % (
                  cl.psql("SHOW server_version"), a.preload, a.conns, a.secs, os.cpu_count(),
                  os.getloadavg()[0]))
        for rnd in range(a.rounds):
            for label, path in bins:
                log_path = os.path.join(tmp, "server-%s.log" % label)
                srv = bw.Server(path, urls[label], bw.free_port(), log_path)
                try:
                    token = bw.login(srv.port, "clerk1")
                    if rnd == 0 and a.probe > 0:
                        print("# %s: statements per GET (%d GETs, one connection)" % (
                            label, a.probe))
                        print("\n".join(probe(cl, urls[label], srv.port, token, codes, a.probe)))
                    p = subprocess.run(["wrk", "-t2", "-c%d" % a.conns, "-d%ds" % a.secs,
                                        "--latency", "-H", "Authorization: Bearer " + token,
                                        "-s", lua, "http://127.0.0.1:%d" % srv.port, "--",
                                        codes_path], capture_output=True, text=True)
                    m = re.search(r"READSTAT rps=([\d.]+) p50_us=(\d+) p99_us=(\d+) "
                                  r"non2xx=(\d+) sockerr=(\d+)", p.stdout)
                    if m is None:
                        sys.exit("bench_read: wrk failed:\n" + p.stdout + p.stderr)
                    rps, p50, p99 = float(m.group(1)), int(m.group(2)) / 1000, \
                        int(m.group(3)) / 1000
                    errs = int(m.group(4)) + int(m.group(5))
                    results[label].append((rps, p50, p99))
                    if errs:
                        m2 = re.search(r"READERR .*", p.stdout)
                        print("#   %s; access log: %s" % (m2.group(0) if m2 else "?",
                                                        access_errors(log_path)))
                    print("round %d %-10s %8.1f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d"
                          "  load %.2f" % (rnd + 1, label, rps, p50, p99, errs,
                                           os.getloadavg()[0]))
                finally:
                    srv.stop()
        print("%-10s %-26s %-26s %-26s" % ("binary", "req/s min/med/max",
                                           "p50 ms min/med/max", "p99 ms min/med/max"))
        for label, _ in bins:
            r = results[label]

            def mmm(i, fmt):
                xs = [x[i] for x in r]
                return "/".join(fmt % v for v in (min(xs), statistics.median(xs), max(xs)))
            print("%-10s %-26s %-26s %-26s" % (label, mmm(0, "%.0f"), mmm(1, "%.2f"),
                                               mmm(2, "%.2f")))
    finally:
        cl.stop()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
