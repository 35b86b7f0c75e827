"""One clock (issue 13 item 5): a test build (make TEST_CLOCK=1, what tests/run.sh builds)
started with MOTCUA_TEST_NOW runs on a clock pinned at that instant and ticking from there;
every request reads it once (rc->now), so a reception and a dossier's classification "now"
are those of the pinned instant. A production build refuses to start with the setting.

The expected values are worked out by hand from domain.md §4.3 and §5.1: 2026 New Year,
Thu 01/01 is Tết Dương lịch and Fri 02/01 is the swapped day off (CV 12729/VPCP-KGVX,
sql/096), so a dossier of 3 working days received Fri 02/01/2026 10:00 starts at Mon 05/01
07:00 and is due after 3 x 480 working minutes: Mon 05, Tue 06, Wed 07/01 -> Wed 07/01/2026
17:00 (the earliest instant, a session end). With 02/01 worked it would have been Wed 10:00.
"""
import datetime
import http.server
import os
import subprocess
import threading
import time

from harness import ROOT, Server, TestFailure, eq, new_key, ok, status

START_SERVER = False
# A session lives 10 days here: the clerk's token, issued at the first pin (Fri 02/01), is
# still valid at the later pins (Wed 07/01), its expiry being on the pinned clock too.
TTL = 10 * 86400
SERVER_ENV = {"MOTCUA_TOKEN_TTL": str(TTL)}

CENTER = "000.00.12.H56"
PINNED = "2026-01-02T10:00:00+07:00"   # Friday, the swapped day off
DUE = "2026-01-07T17:00:00+07:00"      # Wed 07/01 17:00, worked out above


def pinned(t, instant):
    """Replaces the module's server by one pinned at instant."""
    if t.server is not None:
        eq(t.server.stop(), 0, "previous server stopped cleanly")
    t.server = t.start_server_at(instant)
    return t.server


def setup(t):
    t.psql("""
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from) VALUES
      ('000.00.00.H56', 'UBND tỉnh Thử Nghiệm', 'province', 'committee', NULL, 'H56', '2000-01-01');
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)
      SELECT '000.00.12.H56', 'Trung tâm Phục vụ hành chính công tỉnh', 'province', 'center',
             id, 'H56', '2000-01-01' FROM unit WHERE code = '000.00.00.H56';
    INSERT INTO field (code, name) VALUES ('G01', 'Chứng thực');
    INSERT INTO procedure (code, name, field_id, levels) VALUES
      ('2.000908', 'Cấp bản sao từ sổ gốc', (SELECT id FROM field WHERE code = 'G01'), '{province}');
    INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
      duration_unit, pause_reasons, legs, steps)
    SELECT id, 1, '2015-01-01', 3, 'wd', '{supplement}', '[]', '[]' FROM procedure
     WHERE code = '2.000908';
    """)
    pinned(t, PINNED)
    t.clerk_token = t.account("clerk1", "clerk", CENTER).token
    t.code = None


def clerk(t):
    return t.client(t.clerk_token)


def test_reception_uses_the_pinned_now(t):
    body = {"applicant": {"name": "Nguyễn Văn An", "id_number": "001090000001",
                          "address": "Số 1 Tràng Tiền", "phone": "0900000001"},
            "procedure": "2.000908", "channel": 1,
            "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}],
            "sets": 1, "return_method": "counter", "complete": True}
    d = status(clerk(t).post("/api/v1/dossiers", body,
                             headers={"Idempotency-Key": new_key()}), 201).json
    ok(d["received_at"].startswith("2026-01-02T10:0"),
       "received at the pinned now, got %s" % d["received_at"])
    eq(d["appointment_at"], DUE, "3 working days from the swapped Friday")
    eq(d["legal_due_at"], DUE, "legal due = appointment at reception")
    t.code = d["code"]


def test_get_classifies_as_of_the_pinned_now(t):
    ok(t.code is not None, "the reception above gave a dossier")
    g = status(clerk(t).get("/api/v1/dossiers/%s" % t.code), 200).json
    ok(g["as_of"].startswith("2026-01-02T10:0"), "as_of is the pinned now, got %s" % g["as_of"])
    eq(g["classification"]["legal"], "in_time", "open before its due")


def test_classification_follows_a_later_pin(t):
    # one minute before the due: still in time; one minute after: overdue (domain.md §7.1)
    ok(t.code is not None, "the reception above gave a dossier")
    pinned(t, "2026-01-07T16:59:00+07:00")
    g = status(clerk(t).get("/api/v1/dossiers/%s" % t.code), 200).json
    ok(g["as_of"].startswith("2026-01-07T16:59"), "as_of, got %s" % g["as_of"])
    eq(g["classification"]["legal"], "in_time", "Wed 16:59 <= due 17:00")
    pinned(t, "2026-01-07T17:01:00+07:00")
    g = status(clerk(t).get("/api/v1/dossiers/%s" % t.code), 200).json
    eq(g["classification"]["legal"], "overdue", "Wed 17:01 > due 17:00")


def test_calendar_year_defaults_to_the_pinned_year(t):
    # GET /api/v1/calendar/days without ?year= is the current local year: 2024 here, with its
    # Mon 29/04 swap (CV 2450/VPCP-KGVX, domain.md §4.3)
    pinned(t, "2024-06-03T08:00:00+07:00")
    r = status(clerk(t).get("/api/v1/calendar/days"), 200).json
    eq(r["year"], 2024, "the pinned year")
    swap = [i for i in r["items"] if i["day"] == "2024-04-29"]
    eq([(i["working"], i["reason"]) for i in swap], [(False, "swap_off")], "the 2024 swap")


def epoch(instant):
    return int(datetime.datetime.fromisoformat(instant).timestamp())


def near(got, want, what, slack=30):
    """got within [want, want + slack] seconds: the pinned clock ticks from the pin on."""
    ok(want <= got <= want + slack, "%s: %s, expected %s (+%d s at most)" % (what, got, want, slack))


# -- the pin reaches the SQL statements (issue 13 item 5): what the database writes and compares
# is the server's clock, not PostgreSQL's now() (here ~11 months later)

SESSION_PIN = "2026-03-02T08:00:00+07:00"


def test_a_session_expires_on_the_pinned_clock(t):
    pinned(t, SESSION_PIN)
    r = status(t.anon().post("/api/v1/auth/login", {"login": "clerk1",
                                                    "password": "mật-khẩu-thử-nghiệm-1"}), 200).json
    # 02/03/2026 08:00 + 10 days = 12/03/2026 08:00 (+ the seconds the pinned clock ticked)
    near(epoch(r["expires_at"]), epoch("2026-03-12T08:00:00+07:00"), "expires_at")
    token = r["token"]
    created = t.scalar("SELECT extract(epoch FROM created_at)::bigint FROM auth_token"
                       " WHERE expires_at = '%s'" % r["expires_at"])
    near(int(created), epoch(SESSION_PIN), "the session's created_at")
    # checked on the same clock: valid a minute before its expiry, refused a minute after
    pinned(t, "2026-03-12T07:59:00+07:00")
    status(t.client(token).get("/api/v1/auth/me"), 200)
    pinned(t, "2026-03-12T08:01:00+07:00")
    status(t.client(token).get("/api/v1/auth/me"), 401)


class Receiver:
    """A webhook receiver on a free port: keeps each message's headers, answers 204."""

    def __init__(self):
        self.got = []
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                rec.got.append(dict((k.lower(), v) for k, v in self.headers.items()))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/hook" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()


RELAY_PIN = "2026-03-03T09:00:00+07:00"


def test_idempotency_and_webhook_times_are_the_pinned_now(t):
    pinned(t, RELAY_PIN)
    admin = t.account("admin1", "admin", "000.00.00.H56")
    rec = Receiver()
    try:
        status(admin.post("/api/v1/webhooks", {"url": rec.url}), 201)
        key = new_key()
        body = {"applicant": {"name": "Trần Thị Bình", "id_number": "001090000002",
                              "address": "Số 2 Tràng Tiền", "phone": "0900000002"},
                "procedure": "2.000908", "channel": 1,
                "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}],
                "sets": 1, "return_method": "counter", "complete": True}
        # a session of this pin (the first one's expired on 12/01)
        counter = t.account("clerk1", "clerk", CENTER)
        status(counter.post("/api/v1/dossiers", body, headers={"Idempotency-Key": key}), 201)
        at = t.scalar("SELECT extract(epoch FROM created_at)::bigint FROM idempotency_key"
                      " WHERE key = '%s'" % key)
        near(int(at), epoch(RELAY_PIN), "the Idempotency-Key record's created_at")
        end = time.time() + 30
        while not rec.got and time.time() < end:
            time.sleep(0.1)
        ok(rec.got, "the reception's event was delivered")
        near(int(rec.got[0]["webhook-timestamp"]), epoch(RELAY_PIN), "webhook-timestamp")
        row = t.sql("SELECT extract(epoch FROM created_at)::bigint,"
                    " extract(epoch FROM next_attempt_at)::bigint,"
                    " extract(epoch FROM delivered_at)::bigint FROM webhook_delivery"
                    " WHERE state = 'delivered' ORDER BY id LIMIT 1")
        ok(row, "a delivered row")
        for name, v in zip(("created_at", "next_attempt_at", "delivered_at"), row[0]):
            near(int(v), epoch(RELAY_PIN), "the delivery's " + name)
    finally:
        rec.srv.shutdown()


def test_a_malformed_pin_stops_a_test_build(t):
    for bad in ("2026-01-02T10:00", "tomorrow", "2026-02-30T10:00:00+07:00"):
        p = subprocess.run([t.binary], env=dict(os.environ, DATABASE_URL=t.db_url,
                                                MOTCUA_LISTEN="127.0.0.1:0", MOTCUA_TEST_NOW=bad),
                           capture_output=True, text=True, timeout=30)
        eq(p.returncode, 2, "exit status for MOTCUA_TEST_NOW=%s" % bad)
        ok("MOTCUA_TEST_NOW" in p.stderr, "the message names the setting: %r" % p.stderr)
    help_text = subprocess.run([t.binary, "--help"], capture_output=True, text=True).stdout
    ok("MOTCUA_TEST_NOW" in help_text, "a test build lists the setting in --help")


def production_binary(t):
    """The binary under test built again without TEST_CLOCK, in <its folder without -asan>-prod
    (the Makefile's default TEST_CLOCK=0), e.g. build-test-prod/motcua."""
    folder = os.path.dirname(t.binary)
    if folder.endswith("-asan"):
        folder = folder[:-len("-asan")]
    folder += "-prod"
    target = os.path.join(folder, "motcua")
    p = subprocess.run(["make", "-s", "-j2", "--no-print-directory", "BUILD=" + folder, target],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise TestFailure("production build failed: %s%s" % (p.stdout[-1500:], p.stderr[-1500:]))
    return target


def test_a_production_build_refuses_the_pin(t):
    prod = production_binary(t)
    env = dict(os.environ, DATABASE_URL=t.db_url, MOTCUA_LISTEN="127.0.0.1:0",
               MOTCUA_TEST_NOW=PINNED)
    p = subprocess.run([prod], env=env, capture_output=True, text=True, timeout=30)
    eq(p.returncode, 2, "a production build exits 2 with MOTCUA_TEST_NOW")
    ok("MOTCUA_TEST_NOW" in p.stderr and "TEST_CLOCK=1" in p.stderr,
       "the message says why: %r" % p.stderr)
    ok("listening" not in p.stdout and "lắng nghe" not in p.stdout, "it never listened")
    # the same setting from a settings file is refused too
    conf = os.path.join(os.environ.get("MOTCUA_TEST_RUN", "/tmp"), "test_clock_%s.conf" % t.label)
    with open(conf, "w") as f:
        f.write("test_now = %s\n" % PINNED)
    env.pop("MOTCUA_TEST_NOW")
    env["MOTCUA_CONFIG"] = conf
    p = subprocess.run([prod], env=env, capture_output=True, text=True, timeout=30)
    eq(p.returncode, 2, "refused from the settings file too")
    ok("MOTCUA_TEST_NOW" in p.stderr, "names the setting: %r" % p.stderr)
    help_text = subprocess.run([prod, "--help"], capture_output=True, text=True).stdout
    ok("MOTCUA_TEST_NOW" not in help_text, "a production build does not list the setting")
    # and it does start without it (the same database, a real clock)
    s = Server(prod, t.db_url, label=t.dbname + "_prod")
    s.start()
    eq(s.stop(), 0, "the production build serves without the pin")
