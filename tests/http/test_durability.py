"""Durability under load while PostgreSQL is killed (owner: rel).

Several client threads send acknowledged writes at full speed - receptions (POST
/api/v1/dossiers) and transitions (POST /api/v1/dossiers/{code}/events, hand_over within
state 4, which keeps the dossier open) - each with its own Idempotency-Key and a marker that
identifies it in the database (applicant.id_number of a reception, payload.note of an event).
Meanwhile PostgreSQL is stopped hard (pg_ctl -m immediate) and restarted several times.

Afterwards:
  - every write answered 2xx is in the database exactly once (by its marker), with the code
    and version the answer gave, and its idempotency record is 'done';
  - every write answered with an error, or not answered at all, is absent or present once;
  - retrying those at once with the same key and body returns the original result (replay)
    or applies them once: a claim left 'running' by a unit cut off mid-flight belongs to a
    PostgreSQL session that the restart ended, so the retry takes it over without waiting
    IDEM_STALE_SECONDS (server/api/dossier/idem.c); no retry answers 409 IDEMPOTENCY_IN_FLIGHT;
  - the server recovered on its own (/readyz 200) and, at the end of the module, stops with
    exit status 0 and no sanitizer report (checked by run.py).
The run lasts MOTCUA_SOAK_SECONDS (default 20; `make soak` sets it longer).

Also: the server never answers 2xx before the commit - PostgreSQL is killed the moment a
2xx arrives, and the row must be there after the restart.

And the same load, with the same checks, through two other faults (issue 17): motcua itself
killed (SIGKILL) and restarted while PostgreSQL is down - the new process must come up
waiting for the database, answering 503 -, and PostgreSQL frozen (every process SIGSTOPped,
sockets open, nothing answered) for twice MOTCUA_DB_DEADLINE: every request is answered in
bounded time, and a write whose COMMIT the freeze cut off is "unknown" until its retry.
"""
import os
import random
import signal
import subprocess
import threading
import time
import uuid

from harness import TestFailure, eq, ok, status

THREADS = 4
DB_DEADLINE = 3
SERVER_ENV = {"MOTCUA_DB_DEADLINE": str(DB_DEADLINE)}
PROCEDURE = "1.000901"
UNIT_FMT = "000.00.9%d.H56"
PW = "mật-khẩu-thử-nghiệm-1"


def soak_seconds():
    try:
        return max(5.0, float(os.environ.get("MOTCUA_SOAK_SECONDS", "20")))
    except ValueError:
        return 20.0


def setup(t):
    t.psql("INSERT INTO field (code, name) VALUES ('RELF', 'Lĩnh vực kiểm thử độ bền')")
    t.psql("INSERT INTO procedure (code, name, field_id, levels) SELECT '%s', "
           "'Thủ tục kiểm thử độ bền', id, '{commune}' FROM field WHERE code = 'RELF'"
           % PROCEDURE)
    t.psql("INSERT INTO procedure_version (procedure_id, version, effective_from, "
           "duration_value, duration_unit, steps) SELECT id, 1, '2020-01-01', 15, 'wd', "
           "'[{\"name\":\"Thẩm định\",\"role\":\"official\",\"minutes\":480}]' "
           "FROM procedure WHERE code = '%s'" % PROCEDURE)
    for i in range(THREADS):
        t.psql("INSERT INTO unit (code, name, level, kind, province, valid_from) VALUES "
               "('%s', 'Bộ phận một cửa kiểm thử %d', 'commune', 'counter', 'H56', "
               "'2020-01-01')" % (UNIT_FMT % i, i))
    t.clerks = [t.account("rel-clerk-%d" % i, "clerk", UNIT_FMT % i, password=PW)
                for i in range(THREADS)]


def reception_body(marker):
    return {"procedure": PROCEDURE,
            "applicant": {"name": "Nguyễn Thị Bền Vững", "id_number": marker,
                          "address": "Số 1 Lê Lợi, Quảng Ngãi"},
            "documents": [{"name": "Tờ khai", "kind": "original", "count": 1}]}


def event_body(version, marker):
    return {"type": "hand_over", "expected_version": version, "step": "Thẩm định",
            "note": marker}


class Write:
    """One write as the client saw it."""
    __slots__ = ("kind", "path", "body", "key", "marker", "outcome", "status", "code",
                 "resp", "client", "sent", "dur")

    def __init__(self, kind, path, body, key, marker, client):
        self.kind, self.path, self.body, self.key, self.marker = kind, path, body, key, marker
        self.client = client
        self.outcome = None   # 'ack', 'error', 'none'
        self.status = None
        self.code = None
        self.resp = None
        self.sent = self.dur = None


def send(w):
    w.sent = time.time()
    try:
        r = w.client.post(w.path, w.body, headers={"Idempotency-Key": w.key}, timeout=20)
    except Exception:  # noqa: BLE001 - any transport failure is "no answer"
        w.dur = time.time() - w.sent
        w.client.close()
        w.outcome = "none"
        return None
    w.dur = time.time() - w.sent
    w.status = r.status
    if 200 <= r.status < 300:
        w.outcome = "ack"
        w.resp = r.json
    else:
        w.outcome = "error"
        try:
            w.code = r.error_code()
        except TestFailure:
            w.code = "non-JSON"
    return r


def load_thread(client, tid, stop, log, prefix):
    """Receptions and hand-overs on this thread's own dossiers until stop is set."""
    rnd = random.Random(tid)
    open_dossiers = {}  # code -> version known for sure
    n = 0
    while not stop.is_set():
        n += 1
        marker = "%s%d%09d" % (prefix, tid, n)
        if open_dossiers and rnd.random() < 0.6:
            code = rnd.choice(list(open_dossiers))
            w = Write("event", "/api/v1/dossiers/%s/events" % code,
                      event_body(open_dossiers[code], marker), str(uuid.uuid4()), marker, client)
            send(w)
            if w.outcome == "ack":
                open_dossiers[code] = w.resp.get("version", open_dossiers[code] + 1)
            else:
                # Outcome unknown or refused: this dossier's version is no longer known.
                open_dossiers.pop(code, None)
            log.append((w, code))
        else:
            w = Write("reception", "/api/v1/dossiers", reception_body(marker),
                      str(uuid.uuid4()), marker, client)
            send(w)
            if w.outcome == "ack" and len(open_dossiers) < 20:
                open_dossiers[w.resp["code"]] = w.resp.get("version", 1)
            log.append((w, None))
        if w.outcome != "ack":
            time.sleep(0.02)  # the database is down: don't spin on a 2-core machine


def wait_ready(t, timeout=30.0):
    c = t.anon()
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            if c.get("/readyz", timeout=5).status == 200:
                return time.time() - t0
        except Exception:  # noqa: BLE001
            c.close()
        time.sleep(0.1)
    raise TestFailure("/readyz not 200 within %.0fs after the restarts" % timeout)


class Stored:
    """What the database holds, read in three queries (not one psql per write)."""

    def __init__(self, t):
        self.rec = {}
        for marker, code in t.sql("SELECT applicant->>'id_number', code FROM dossier "
                                  "WHERE applicant ? 'id_number'"):
            self.rec.setdefault(marker, []).append(code)
        self.ev = {}
        for (note,) in t.sql("SELECT payload->>'note' FROM dossier_event "
                             "WHERE payload ? 'note'"):
            self.ev[note] = self.ev.get(note, 0) + 1
        self.idem = dict(t.sql("SELECT key, status FROM idempotency_key"))

    def count(self, w):
        if w.kind == "reception":
            return len(self.rec.get(w.marker, []))
        return self.ev.get(w.marker, 0)


def test_writes_survive_hard_restarts(t):
    duration = soak_seconds()
    stop, threads, logs = start_load(t, "D")
    restarts = 0
    t_end = time.time() + duration
    try:
        time.sleep(min(2.0, duration / 5))
        while time.time() < t_end - 2:
            t.pg_stop("immediate")
            restarts += 1
            time.sleep(random.uniform(0.3, 1.0))
            t.pg_start()
            time.sleep(min(random.uniform(1.5, 3.0), max(0.0, t_end - time.time())))
    finally:
        # Never leave the shared cluster down, whatever happened above.
        t.pg_start() if t.pg_ctl("status").returncode != 0 else None
        time.sleep(max(0.0, t_end - time.time()))
        stop.set()
        for th in threads:
            th.join(timeout=30)
    recovered = wait_ready(t)
    print("# %.0f s, %d hard restarts of PostgreSQL, %d client threads" % (duration, restarts,
                                                                           THREADS))
    print("# /readyz 200 again %.1f s after the last restart ended" % recovered)
    ok(restarts >= 3 or duration < 15, "at least 3 restarts (%d)" % restarts)
    check_writes(t, logs)


def start_load(t, prefix):
    """THREADS load threads; `prefix` keeps each test's markers apart."""
    stop = threading.Event()
    logs = [[] for _ in range(THREADS)]
    threads = [threading.Thread(target=load_thread, args=(t.clerks[i], i, stop, logs[i], prefix))
               for i in range(THREADS)]
    for th in threads:
        th.start()
    return stop, threads, logs


def check_writes(t, logs):
    """What every fault test proves of the writes its load sent (the module's docstring)."""
    writes = [w for log in logs for (w, _) in log]
    acked = [w for w in writes if w.outcome == "ack"]
    errors = [w for w in writes if w.outcome == "error"]
    unanswered = [w for w in writes if w.outcome == "none"]
    by_code = {}
    for w in errors:
        by_code["%s %s" % (w.status, w.code)] = by_code.get("%s %s" % (w.status, w.code), 0) + 1
    print("# sent %d (receptions %d, transitions %d), acknowledged %d, errors %d, no answer %d"
          % (len(writes), sum(w.kind == "reception" for w in writes),
             sum(w.kind == "event" for w in writes), len(acked), len(errors), len(unanswered)))
    print("# errors by status/code: %s" % ", ".join("%s x%d" % kv for kv in sorted(by_code.items())))
    ok(len(acked) > 50, "enough acknowledged writes to mean something: %d" % len(acked))
    ok(errors or unanswered, "the restarts made some writes fail (else the test proves nothing)")

    # 1. Acknowledged: present exactly once, as answered.
    db = Stored(t)
    bad = []
    for w in acked:
        n = db.count(w)
        if n != 1:
            bad.append("%s %s acknowledged but found %d times" % (w.kind, w.marker, n))
            continue
        if w.kind == "reception" and db.rec[w.marker][0] != w.resp.get("code"):
            bad.append("reception %s: answered code %s, stored %s"
                       % (w.marker, w.resp.get("code"), db.rec[w.marker][0]))
        if db.idem.get(w.key) != "done":
            bad.append("%s %s: idempotency record %r" % (w.kind, w.marker, db.idem.get(w.key)))
    ok(not bad, "%d problems:\n%s" % (len(bad), "\n".join(bad[:20])))
    print("# found after restart: %d of %d acknowledged writes, each exactly once"
          % (len(acked), len(acked)))

    # 2. Failed or unanswered: absent or once.
    failed = errors + unanswered
    present = 0
    for w in failed:
        n = db.count(w)
        ok(n <= 1, "%s %s (%s) stored %d times" % (w.kind, w.marker, w.outcome, n))
        present += n
    print("# of %d failed/unanswered writes, %d had committed (answer lost), %d had not"
          % (len(failed), present, len(failed) - present))

    # 3. Retry them at once with the same key and body, as a client would. Claims left
    # 'running' by units the restarts cut off are not aged here: their sessions are gone.
    running = sum(1 for v in db.idem.values() if v == "running")
    results = []
    for w in failed:
        r = w.client.post(w.path, w.body, headers={"Idempotency-Key": w.key}, timeout=30)
        r2 = w.client.post(w.path, w.body, headers={"Idempotency-Key": w.key}, timeout=30)
        results.append((w, r, r2))
    after = Stored(t)
    replayed = applied = 0
    bad = []
    for w, r, r2 in results:
        if not 200 <= r.status < 300:
            bad.append("%s %s retry: %r" % (w.kind, w.marker, r))
            continue
        if after.count(w) != 1:
            bad.append("%s %s after retry: %d rows" % (w.kind, w.marker, after.count(w)))
        if db.count(w) == 1:
            replayed += 1
            if r.headers.get("idempotent-replayed") != "true":
                bad.append("%s %s was stored but the retry ran again: %r" % (w.kind, w.marker, r))
        else:
            applied += 1
        # A second retry is always a replay of the same answer.
        if r2.status != r.status or r2.headers.get("idempotent-replayed") != "true":
            bad.append("%s %s second retry: %r" % (w.kind, w.marker, r2))
        elif w.kind == "reception" and r2.json.get("code") != r.json.get("code"):
            bad.append("reception %s: replay code %s != %s" % (w.marker, r2.json.get("code"),
                                                               r.json.get("code")))
    ok(not bad, "%d problems:\n%s" % (len(bad), "\n".join(bad[:20])))
    print("# claims left running by cut-off units before the retries: %d" % running)
    print("# retried %d: %d replayed the stored answer, %d applied once now"
          % (len(failed), replayed, applied))
    status(t.anon().get("/readyz"), 200)


def postgres_pids():
    """The test cluster's postmaster and its children (backends, checkpointer, ...)."""
    with open(os.path.join(os.environ["PG_TMP"], "data", "postmaster.pid")) as f:
        pm = int(f.readline())
    pids = [pm]
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pm:
                    pids.append(int(d))
        except (OSError, ValueError, IndexError):
            pass
    return pids


def signal_all(pids, sig):
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def timed(f):
    t0 = time.time()
    try:
        r = f()
    except Exception as e:  # noqa: BLE001 - reported below as what the client saw
        r = e
    return r, time.time() - t0


def test_writes_survive_a_server_restart_during_an_outage_and_a_frozen_database(t):
    """Issue 17: the load of test_writes_survive_hard_restarts, then (1) PostgreSQL stopped,
    motcua SIGKILLed and started again during the outage: the new process answers /healthz
    200 "starting" and a write 503 DB_UNAVAILABLE while it waits, and serves once PostgreSQL
    is back; (2) PostgreSQL frozen (SIGSTOP of every process) for 2 x MOTCUA_DB_DEADLINE:
    /readyz and a write are answered 503 within the deadline and a margin, and no write of
    the load waits longer than that; afterwards every acknowledged write is there once and
    every retry replays or applies once (check_writes)."""
    probe = t.client(t.clerks[0].token)
    stop, threads, logs = start_load(t, "F")
    pids = []
    bound = DB_DEADLINE + 5
    try:
        time.sleep(2)
        t.pg_stop("immediate")
        time.sleep(0.5)
        eq(t.server.stop(sig=signal.SIGKILL), -signal.SIGKILL, "motcua killed")
        t.server.start(wait=False)
        deadline = time.time() + 15
        r = None
        while time.time() < deadline:
            r, _ = timed(lambda: probe.get("/healthz", timeout=5))
            if not isinstance(r, Exception):
                break
            probe.close()
            time.sleep(0.1)
        ok(not isinstance(r, Exception) and r.status == 200 and r.json["status"] == "starting",
           "the restarted server answers while the database is down: %r" % (r,))
        r = probe.post("/api/v1/dossiers", reception_body("W%011d" % 0),
                       headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
        status(r, 503, "DB_UNAVAILABLE")
        ok(r.headers.get("retry-after"), "Retry-After while waiting")
        time.sleep(1)
        t.pg_start()
        print("# restarted during the outage: serving %.1f s after PostgreSQL came back"
              % wait_ready(t))
        time.sleep(2)
        pids = postgres_pids()
        signal_all(pids, signal.SIGSTOP)
        t0 = time.time()
        r, dt = timed(lambda: probe.get("/readyz", timeout=30))
        print("# frozen: /readyz answered %s in %.1f s" % (getattr(r, "status", r), dt))
        ok(getattr(r, "status", None) == 503 and dt < bound, "/readyz: %r in %.1f s" % (r, dt))
        r, dt = timed(lambda: probe.post("/api/v1/dossiers", reception_body("W%011d" % 1),
                                         headers={"Idempotency-Key": str(uuid.uuid4())},
                                         timeout=30))
        print("# frozen: a reception answered %s in %.1f s" % (getattr(r, "status", r), dt))
        ok(getattr(r, "status", None) == 503 and dt < bound, "a write: %r in %.1f s" % (r, dt))
        time.sleep(max(0.0, 2 * DB_DEADLINE - (time.time() - t0)))
        signal_all(pids, signal.SIGCONT)
        pids = []
        print("# thawed after %.1f s: serving %.1f s later" % (time.time() - t0, wait_ready(t, 60)))
        time.sleep(2)
    finally:
        signal_all(pids, signal.SIGCONT)
        t.pg_start() if t.pg_ctl("status").returncode != 0 else None
        if t.server.proc is None:
            t.server.start(wait=False)
        stop.set()
        for th in threads:
            th.join(timeout=60)
    wait_ready(t, 60)
    writes = [w for log in logs for (w, _) in log]
    slow = sorted((w.dur for w in writes), reverse=True)[:3]
    print("# slowest answers under the faults: %s s" % ", ".join("%.1f" % d for d in slow))
    ok(slow[0] < bound, "every write answered within %d s: %.1f" % (bound, slow[0]))
    check_writes(t, logs)


def post_until_answered(c, path, body, timeout=20.0):
    """POST with one Idempotency-Key, retried on 503 as a client would: each worker thread
    has its own pool, and one may still be in its reconnect back-off (up to 5 s) when
    /readyz, served by another, already says 200."""
    key = str(uuid.uuid4())
    t0 = time.time()
    while True:
        r = c.post(path, body, headers={"Idempotency-Key": key})
        if r.status != 503 or time.time() - t0 > timeout:
            return r
        time.sleep(0.2)


def test_no_2xx_before_commit(t):
    """PostgreSQL is killed the instant a 2xx arrives; the write must survive the restart."""
    c = t.clerks[0]
    wait_ready(t)
    for i in range(4):
        marker = "K%011d" % i
        r = post_until_answered(c, "/api/v1/dossiers", reception_body(marker))
        status(r, 201)
        t.pg_stop("immediate")
        t.pg_start()
        eq(t.scalar("SELECT code FROM dossier WHERE applicant->>'id_number' = '%s'" % marker),
           r.json["code"], "reception %d after a hard stop" % i)
        wait_ready(t)
        code, version = r.json["code"], r.json.get("version", 1)
        r = post_until_answered(c, "/api/v1/dossiers/%s/events" % code,
                                event_body(version, marker + "e"))
        status(r, 200)
        t.pg_stop("immediate")
        t.pg_start()
        eq(Stored(t).ev.get(marker + "e"), 1, "transition %d after a hard stop" % i)
        wait_ready(t)


def test_a_write_whose_claim_was_released_rolls_back(t):
    """sql/117: the statement that marks a key done requires the key still 'running' under
    the writer's claim nonce, else MC409 rolls the whole write back - so a write cut off by
    the database deadline that commits late (a thawed backend), after its 503 released the
    claim and the client's retry claimed the key again, cannot write a second time. Here
    the late write is played by hand in one transaction: a dossier row, then the store
    statement with the old nonce; nothing of it remains."""
    t.psql("INSERT INTO idempotency_key (scope, key, fingerprint, status, created_at, "
           "claim_nonce) VALUES ('late|1', 'k-late', 'f', 'running', now(), 2)")
    t.psql("BEGIN; UPDATE idempotency_key SET fingerprint = 'late write' "
               "WHERE key = 'k-late'; "
               "WITH u AS (UPDATE idempotency_key SET status = 'done', http_status = 201, "
               "response = '{}' WHERE scope = 'late|1' AND key = 'k-late' "
               "AND status = 'running' AND claim_nonce = 1 RETURNING 1) "
               "SELECT idem_claim_held((SELECT count(*) FROM u)); COMMIT", check=False)
    eq(t.sql("SELECT status, fingerprint FROM idempotency_key WHERE key = 'k-late'"),
       [["running", "f"]], "the late write left nothing")
    ok(t.scalar("SELECT idem_claim_held(1)") == "t", "a held claim passes")
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "VERBOSITY=verbose", t.db_url, "-c",
                        "SELECT idem_claim_held(0)"], capture_output=True, text=True)
    ok("MC409" in r.stderr, "MC409: %s" % r.stderr)
