#!/usr/bin/env python3
"""bench_write.py - the dossier write path against the machine's own durable-commit ceiling.

Starts a throwaway PostgreSQL with the real durability settings (fsync=on,
synchronous_commit=on, unlike tests/pg.sh) and the server (build/motcua, MOTCUA_THREADS=2),
creates one province with a counter, a department, one procedure and a clerk and a leader,
optionally preloads dossiers generated in SQL (--preload N, triggers off: only the tables'
size matters), then for each client count C (1, 8, 64; one thread and one keep-alive
connection each):
  - receptions: POST /api/v1/dossiers with an Idempotency-Key, for --secs seconds;
  - transitions: each client walks the dossiers it received through hand_over, assign,
    resolve, return_result (POST /api/v1/dossiers/{code}/events), for --secs seconds;
  - pgbench with C clients (-M prepared) running one INSERT into a scratch table per
    transaction: the cost of one durable commit on this disk, the ceiling of any write path.
Prints requests/s, p50/p95/p99 latency, the server-side db_ms share (access log), WAL flushes
per request (pg_stat_wal) and the ratio to pgbench; for C=1, reception latency of the first
and the last 500 receptions. Figures only: asserts nothing.

Usage: python3 tools/bench/bench_write.py [--bin build/motcua] [--secs 8] [--clients 1,8,32]
       [--preload 0] [--pg-port P] [--http-port P] [--pgss]
Environment: MOTCUA_BIN, BENCH_QUICK=1 (3 s per phase).
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COUNTER = "000.00.12.H56"
DEPT = "000.00.21.H56"
PROC = "2.000908"
PASSWORD = "mật-khẩu-đo-hiệu-năng-1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def pg_bindir():
    base = "/usr/lib/postgresql"
    for v in sorted(os.listdir(base) if os.path.isdir(base) else [], reverse=True,
                    key=lambda x: [int(p) if p.isdigit() else 0 for p in x.split(".")]):
        d = os.path.join(base, v, "bin")
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    d = shutil.which("initdb")
    if d:
        return os.path.dirname(d)
    sys.exit("bench_write: PostgreSQL server binaries not found")


def as_pg(cmd):
    return (["runuser", "-u", "postgres", "--"] + cmd) if os.getuid() == 0 else cmd


class Cluster:
    """A scratch cluster with fsync and synchronous_commit on (the production setting)."""

    def __init__(self, port, pgss):
        self.bin = pg_bindir()
        self.port = port
        self.tmp = tempfile.mkdtemp(prefix="motcua-bench-write.")
        os.chmod(self.tmp, 0o755)
        if os.getuid() == 0:
            shutil.chown(self.tmp, "postgres")
        self.url = "postgresql://postgres@127.0.0.1:%d/postgres" % port
        subprocess.run(as_pg([os.path.join(self.bin, "initdb"), "-D", self.tmp + "/data", "-A",
                              "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True)
        opts = ("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on"
                " -c max_connections=100 -c shared_buffers=256MB -c track_wal_io_timing=on"
                % (port, self.tmp))
        if pgss:
            opts += (" -c shared_preload_libraries=pg_stat_statements"
                     " -c pg_stat_statements.track=all")
        subprocess.run(as_pg([os.path.join(self.bin, "pg_ctl"), "-D", self.tmp + "/data", "-w",
                              "-t", "60", "-l", self.tmp + "/log", "-o", opts, "start"]),
                       check=True, capture_output=True)

    def psql(self, sql, *args):
        p = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", self.url] + list(args) + ["-c", sql],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("bench_write: psql failed: %s\n%s" % (sql[:200], p.stderr))
        return p.stdout.strip()

    def wal(self):
        """(WAL flushes, WAL bytes) so far (pg_stat_wal, PostgreSQL 14+)."""
        r = self.psql("SELECT wal_sync, wal_bytes FROM pg_stat_wal").split("|")
        return int(r[0]), int(float(r[1]))

    def stop(self):
        subprocess.run(as_pg([os.path.join(self.bin, "pg_ctl"), "-D", self.tmp + "/data", "-m",
                              "immediate", "-w", "stop"]), capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


class Server:
    def __init__(self, binary, db_url, port, log_path):
        self.port = port
        self.log_path = log_path
        env = dict(os.environ)
        env.update({"DATABASE_URL": db_url, "MOTCUA_LISTEN": "127.0.0.1:%d" % port,
                    "MOTCUA_THREADS": "2", "MOTCUA_LOG_LEVEL": "info",
                    "MOTCUA_PUBLIC_URL": "https://motcua.example.vn"})
        self.logf = open(log_path, "wb")
        self.proc = subprocess.Popen([binary], env=env, stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit("bench_write: server exited:\n" + open(log_path).read()[-2000:])
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    c.close()
                    return
            except OSError:
                time.sleep(0.05)
        sys.exit("bench_write: server not ready")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.logf.close()


class Client:
    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

    def post(self, path, body):
        h = dict(self.h)
        h["Idempotency-Key"] = str(uuid.uuid4())
        self.conn.request("POST", path, body=json.dumps(body, ensure_ascii=False).encode(),
                          headers=h)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, data


def login(port, login_name):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/api/v1/auth/login",
              body=json.dumps({"login": login_name, "password": PASSWORD}).encode(),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    body = json.loads(r.read())
    c.close()
    if r.status != 200:
        sys.exit("bench_write: login %s failed: %s" % (login_name, body))
    return body["token"]


SETUP_SQL = """
INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from) VALUES
  ('000.00.00.H56', 'UBND tỉnh Đo Hiệu Năng', 'province', 'committee', NULL, 'H56', '2000-01-01');
INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)
  SELECT c, n, 'province', k, (SELECT id FROM unit WHERE code = '000.00.00.H56'), 'H56', '2000-01-01'
  FROM (VALUES ('000.00.12.H56', 'Trung tâm Phục vụ hành chính công tỉnh', 'center'),
               ('000.00.21.H56', 'Sở Tư pháp', 'department')) v(c, n, k);
INSERT INTO field (code, name) VALUES ('G01', 'Chứng thực');
INSERT INTO procedure (code, name, field_id, levels) VALUES
  ('2.000908', 'Cấp bản sao từ sổ gốc', (SELECT id FROM field WHERE code = 'G01'), '{province}');
INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
  duration_unit, pause_reasons, legs, steps)
SELECT id, 1, '2015-01-01', 3, 'wd', '{supplement,payment}', '[]',
  '[{"name":"Thẩm định","role":"official","minutes":480}]' FROM procedure;
CREATE TABLE bench_scratch (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),
  note text);
"""

# Dossiers received over the last two years, ended for the most part, each with its event 1;
# loaded with the triggers off (session_replication_role): only the tables' size matters.
PRELOAD_SQL = """
SET session_replication_role = replica;
INSERT INTO dossier (code, province, procedure_id, procedure_version_id, receiving_unit_id,
  resolving_unit_id, current_unit_id, channel, state, version, regime, applicant,
  applicant_fold, documents, duration_value, duration_unit, received_at, appointment_at,
  legal_due_at, ended_at, end_state, outcome, returned_at, lookup_secret_hash)
SELECT '000.00.12.H56-' || to_char(t, 'YYMMDD') || '-P' || i, 'H56', p.id, pv.id, c.id, d.id,
  d.id, 1, CASE WHEN i % 10 = 0 THEN 4 ELSE 10 END, CASE WHEN i % 10 = 0 THEN 2 ELSE 5 END,
  'nd118', jsonb_build_object('name', 'Nguyễn Văn ' || i, 'id_number', lpad(i::text, 12, '0')),
  'nguyen van ' || i, '[{"name":"Đơn","kind":"original","count":1}]', 3, 'wd', t,
  t + interval '5 days', t + interval '5 days',
  CASE WHEN i % 10 <> 0 THEN t + interval '4 days' END,
  CASE WHEN i % 10 <> 0 THEN 10 END, CASE WHEN i % 10 <> 0 THEN 'granted' END,
  CASE WHEN i % 10 <> 0 THEN t + interval '4 days' END, md5(i::text)
FROM generate_series(1, {N}) i,
  LATERAL (SELECT now() - interval '730 days' + (i * interval '730 days') / {N} AS t) x,
  procedure p JOIN procedure_version pv ON pv.procedure_id = p.id,
  (SELECT id FROM unit WHERE code = '000.00.12.H56') c,
  (SELECT id FROM unit WHERE code = '000.00.21.H56') d;
INSERT INTO dossier_event (dossier_id, province, seq, type, from_state, to_state, occurred_at,
  actor_login, actor_role, payload, aggregateid)
SELECT id, province, 1, 'receive', NULL, 2, received_at, 'clerk1', 'clerk', '{}', code
FROM dossier;
"""


def pct(xs, p):
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def run_phase(nclients, secs, work):
    """Runs work(i, stop_at, lat, errs) in nclients threads; returns (latencies, errors, s)."""
    lats = [[] for _ in range(nclients)]
    errs = [[] for _ in range(nclients)]
    stop_at = time.monotonic() + secs
    ths = [threading.Thread(target=work, args=(i, stop_at, lats[i], errs[i]))
           for i in range(nclients)]
    t0 = time.monotonic()
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    el = time.monotonic() - t0
    return [x for l in lats for x in l], [x for e in errs for x in e], el, lats


def reception_body(i):
    return {"applicant": {"name": "Nguyễn Văn An %d" % i, "id_number": "%012d" % i,
                          "address": "Số 1 Tràng Tiền", "phone": "0900000001"},
            "procedure": PROC, "channel": 1, "complete": True, "sets": 1,
            "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}],
            "return_method": "counter"}


STEPS = [("clerk", {"type": "hand_over", "to_unit": DEPT, "step": "Thẩm định"}),
         ("leader", {"type": "assign", "official": "official1"}),
         ("leader", {"type": "resolve", "outcome": "granted"}),
         ("clerk", {"type": "return_result", "method": "counter"})]


def access_db_share(log_path, offset, route_part):
    """Mean dur_ms and db_ms of the access lines after offset whose path has route_part."""
    dur, db = [], []
    with open(log_path, "rb") as f:
        f.seek(offset)
        for line in f:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("method") == "POST" and route_part(j.get("path", "")) and "db_ms" in j:
                dur.append(j["dur_ms"])
                db.append(j["db_ms"])
    if not dur:
        return None
    return statistics.mean(dur), statistics.mean(db)


def pgbench(cl, nclients, secs):
    script = os.path.join(cl.tmp, "insert.sql")
    with open(script, "w") as f:
        f.write("INSERT INTO bench_scratch (note) VALUES ('x');\n")
    os.chmod(script, 0o644)
    p = subprocess.run([os.path.join(cl.bin, "pgbench"), "-n", "-M", "prepared", "-f", script,
                        "-c", str(nclients), "-j", str(min(nclients, 2)), "-T", str(secs),
                        "-h", "127.0.0.1", "-p", str(cl.port), "-U", "postgres", "postgres"],
                       capture_output=True, text=True)
    tps = lat = None
    for line in p.stdout.splitlines():
        if line.startswith("tps ="):
            tps = float(line.split()[2])
        if line.startswith("latency average"):
            lat = float(line.split()[3])
    if tps is None:
        sys.exit("bench_write: pgbench failed:\n" + p.stdout + p.stderr)
    return tps, lat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("MOTCUA_BIN", os.path.join(ROOT, "build/motcua")))
    quick = bool(os.environ.get("BENCH_QUICK"))
    ap.add_argument("--secs", type=float, default=3 if quick else 8)
    ap.add_argument("--clients", default="1,8,64")
    ap.add_argument("--preload", type=int, default=0)
    ap.add_argument("--pg-port", type=int, default=int(os.environ.get("BENCH_WRITE_PORT", "0")))
    ap.add_argument("--http-port", type=int, default=0)
    ap.add_argument("--pgss", action="store_true", help="load pg_stat_statements, print top")
    ap.add_argument("--keep-log", default=None, help="copy the server log here")
    a = ap.parse_args()
    clients = [int(x) for x in a.clients.split(",")]
    if not os.access(a.bin, os.X_OK):
        sys.exit("bench_write: %s not built (make all)" % a.bin)

    cl = Cluster(a.pg_port or free_port(), a.pgss)
    srv = None
    try:
        env = dict(os.environ, DATABASE_URL=cl.url)
        subprocess.run([a.bin, "migrate"], env=env, check=True, capture_output=True)
        cl.psql(SETUP_SQL)
        if a.pgss:
            cl.psql("CREATE EXTENSION pg_stat_statements")
        for login_name, role, unit in (("clerk1", "clerk", COUNTER), ("leader1", "leader", DEPT),
                                       ("official1", "official", DEPT)):
            subprocess.run([a.bin, "account", "add", "--login", login_name, "--role", role,
                            "--unit", unit, "--password-stdin"], env=env, check=True,
                           capture_output=True, input=(PASSWORD + "\n").encode())
        if a.preload > 0:
            t0 = time.time()
            cl.psql(PRELOAD_SQL.replace("{N}", str(a.preload)))
            cl.psql("VACUUM ANALYZE")
            print("# preloaded %d dossiers in %.1f s" % (a.preload, time.time() - t0))
        log_path = os.path.join(tempfile.gettempdir(), "motcua-bench-write-%d.log" % os.getpid())
        srv = Server(a.bin, cl.url, a.http_port or free_port(), log_path)
        tokens = {"clerk": login(srv.port, "clerk1"), "leader": login(srv.port, "leader1")}
        print("# %s, PostgreSQL %s fsync=on synchronous_commit=on, MOTCUA_THREADS=2, %g s per "
              "phase, load average %.2f" % (os.path.basename(a.bin), cl.psql("SHOW server_version"),
                                            a.secs, os.getloadavg()[0]))
        print("%-12s %3s %8s %8s %8s %8s %8s %9s %7s %9s %6s" % (
            "phase", "C", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "db/total", "flush/r",
            "pgbench", "ratio"))
        seq = [0]
        seq_lock = threading.Lock()
        for c in clients:
            owned = [[] for _ in range(c)]
            ceiling, _ = pgbench(cl, c, max(2, int(a.secs / 2)))

            def rec_work(i, stop_at, lat, err):
                cli = Client(srv.port, tokens["clerk"])
                while time.monotonic() < stop_at:
                    with seq_lock:
                        seq[0] += 1
                        n = seq[0]
                    t0 = time.monotonic()
                    st, data = cli.post("/api/v1/dossiers", reception_body(n))
                    lat.append((time.monotonic() - t0) * 1000)
                    if st == 201:
                        owned[i].append(json.loads(data)["code"])
                    else:
                        err.append(st)

            def tr_work(i, stop_at, lat, err):
                clis = {k: Client(srv.port, v) for k, v in tokens.items()}
                for code in owned[i]:
                    for v, (who, body) in enumerate(STEPS, start=1):
                        if time.monotonic() >= stop_at:
                            return
                        b = dict(body, expected_version=v)
                        t0 = time.monotonic()
                        st, data = clis[who].post("/api/v1/dossiers/%s/events" % code, b)
                        lat.append((time.monotonic() - t0) * 1000)
                        if st != 200:
                            err.append((st, data[:200]))
                            break

            for name, work, part in (
                    ("reception", rec_work, lambda p: p == "/api/v1/dossiers"),
                    ("transition", tr_work, lambda p: p.endswith("/events"))):
                off = os.path.getsize(log_path)
                w0 = cl.wal()
                lat, errs, el, per = run_phase(c, a.secs, work)
                w1 = cl.wal()
                share = access_db_share(log_path, off, part)
                rps = len(lat) / el
                print("%-12s %3d %8.1f %8.2f %8.2f %8.2f %8d %9s %7.2f %9.1f %6.2f" % (
                    name, c, rps, pct(lat, 50), pct(lat, 95), pct(lat, 99), len(errs),
                    "%.1f/%.1f" % (share[1], share[0]) if share else "-",
                    (w1[0] - w0[0]) / max(1, len(lat)), ceiling, rps / ceiling))
                if errs:
                    print("#   first error: %r" % (errs[0],))
                if name == "reception" and c == 1 and len(per[0]) >= 20:
                    k = min(500, len(per[0]) // 2)
                    first, last = per[0][:k], per[0][-k:]
                    print("#   C=1 receptions, first %d: p50 %.2f ms mean %.2f; last %d (of %d):"
                          " p50 %.2f ms mean %.2f" % (k, pct(first, 50), statistics.mean(first),
                                                      k, len(per[0]), pct(last, 50),
                                                      statistics.mean(last)))
            print("%-12s %3d %8.1f %8s %8s %8s %8s %9s %7s   (one-INSERT durable transaction)" % (
                "pgbench", c, ceiling, "", "", "", "", "", "1.00"))
        print("# dossiers now: %s; ratio = motcua req/s / pgbench TPS at the same C; flush/r ="
              " WAL flushes (pg_stat_wal.wal_sync) per request; db/total = mean db_ms/dur_ms of"
              " the access log" % cl.psql("SELECT count(*) FROM dossier"))
        if a.pgss:
            print(cl.psql("SELECT round(mean_exec_time::numeric, 3) || ' ms x' || calls || '  ' ||"
                          " left(regexp_replace(query, '\\s+', ' ', 'g'), 110)"
                          " FROM pg_stat_statements WHERE calls > 5"
                          " ORDER BY total_exec_time DESC LIMIT 15"))
    finally:
        if srv:
            srv.stop()
            if a.keep_log:
                shutil.copy(srv.log_path, a.keep_log)
            os.unlink(srv.log_path)
        cl.stop()


if __name__ == "__main__":
    main()
