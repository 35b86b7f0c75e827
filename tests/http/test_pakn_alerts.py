"""Alerts on the deadlines of phản ánh, kiến nghị (issue 16, "alerts when they near";
shared/domain.md §12.2; sql/112_pakn_alerts.sql, server/api/report/alerts.c): pakn_due_soon
within MOTCUA_ALERT_WARN_HOURS=8 working hours of the running deadline, pakn_overdue past it,
to the PAKN's current receiver, once per deadline, in the list, the stream and as webhooks.

One story on servers whose clocks are pinned (MOTCUA_TEST_NOW), one server at a time - each
runs a scheduler on its own clock - moving forward: Friday 13/02/2026 15:00, the afternoon
before Tết Bính Ngọ (14-22/02 off), then the days the deadlines come due. Working sessions
07:00-11:30 and 13:30-17:00 (8 working hours a day; domain.md §4.5). The pinned clock ticks,
so every instant keeps the seconds of the step it comes from (`tod`). Every instant below is
worked out by hand beside it."""
import datetime
import http.server
import json
import threading
import time

import h56
from harness import eq, ok, status

ROOT = "000.00.00.H56"
CENTER = "000.00.12.H56"
JUSTICE = "000.00.21.H56"
SERVER_ENV = {"MOTCUA_ALERT_WARN_HOURS": "8", "MOTCUA_WEBHOOK_BACKOFF_MS": "100"}
SENDER = {"name": "Trần Thị Mai", "address": "Số 12 đường Võ Thị Sáu, phường Quyết Thắng",
          "phone": "0912345678"}
FRI = "2026-02-13T15:00:00+07:00"   # Friday afternoon, the last working day before Tết
KINDS = ("pakn_due_soon", "pakn_overdue")


class Receiver:
    """A webhook receiver on a free port: keeps every body it was sent, answers 204."""

    def __init__(self):
        self.got = []
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                rec.got.append(json.loads(body))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/hook" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()


def setup(t):
    h56.seed(t, procedure=False)
    # logged in on today's server (December 2026): the tokens outlive every pinned clock below
    t.admin = t.account("admin1", "admin", ROOT)
    t.sup = t.account("sup1", "supervisor", ROOT)
    t.clerk_c = t.account("clerkc", "clerk", CENTER)
    t.leader_c = t.account("leaderc", "leader", CENTER)
    t.clerk_j = t.account("clerkj", "clerk", JUSTICE)
    t.rec = Receiver()
    r = t.admin.post("/api/v1/webhooks", {"url": t.rec.url, "event_types": ["alert.pakn_overdue"],
                                          "units": [CENTER]})
    status(r, 201)
    # today's scheduler would find every PAKN below long overdue: only pinned servers from now
    eq(t.server.stop(), 0, "today's server stopped cleanly")
    t.server = None
    t.p = {}


def at(t, instant):
    """Stops the running server (cleanly, no sanitizer report) and starts one whose clock
    starts at `instant`; returns the instant as epoch seconds."""
    if t.server is not None:
        eq(t.server.stop(), 0, "server stopped cleanly")
        ok(not t.server.sanitizer_report(), "no sanitizer report: %s" % t.server.sanitizer_report())
    t.server = t.start_server_at(instant)
    return epoch(instant)


def epoch(s):
    return int(datetime.datetime.fromisoformat(s).timestamp())


def local(e):
    tz = datetime.timezone(datetime.timedelta(hours=7))
    return datetime.datetime.fromtimestamp(e, tz).isoformat()


def on(t, who):
    return t.client(who.token, server=t.server)


def intake(t):
    body = {"topic": "conduct", "channel": "hotline", "sender": dict(SENDER),
            "content": "Cán bộ một cửa hẹn trả kết quả nhưng đến hẹn không trả, không giải thích"}
    return status(on(t, t.clerk_c).post("/api/v1/pakn", body), 201).json


def step(t, who, pid, version, type_, **fields):
    body = {"type": type_, "expected_version": version}
    body.update(fields)
    return status(on(t, who).post("/api/v1/pakn/%s/events" % pid, body), 200).json


def settle(t, since, timeout=30.0):
    """Waits until the scheduler has looked at every PAKN due at `since` (epoch): its
    alerts and the new schedule commit in one unit, so they are all in then."""
    q = ("SELECT count(*) FROM alert_pakn_schedule WHERE claimed_until IS NOT NULL"
         " OR next_fire_at <= to_timestamp(%d)" % since)
    end = time.time() + timeout
    while time.time() < end:
        if t.scalar(q) == "0":
            return
        time.sleep(0.1)
    raise AssertionError("the scheduler did not settle: %s" % t.sql(
        "SELECT pakn_id, next_fire_at, claimed_until FROM alert_pakn_schedule"))


def next_fire(t, pid):
    return t.scalar("SELECT to_char(next_fire_at AT TIME ZONE 'Asia/Ho_Chi_Minh',"
                    " 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+07:00' FROM alert_pakn_schedule"
                    " WHERE pakn_id = %s" % pid)


def pakn_alerts(t, who, pid=None):
    """(kind, pakn_id, unit, deadline, due_at) of the PAKN alerts `who` lists, by PAKN, due
    and kind (the alerts of one claim are inserted in no particular order)."""
    r = status(on(t, who).get("/api/v1/alerts?limit=500"), 200).json["items"]
    out = [(a["kind"], a["pakn_id"], a["unit"], a["payload"]["deadline"], a["payload"]["due_at"])
           for a in r if a["kind"] in KINDS]
    return sorted((x for x in out if pid is None or x[1] == pid),
                  key=lambda x: (x[1], x[4], x[0]))


def wait_for(t, who, pred, what, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred(pakn_alerts(t, who)):
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s; have %r" % (what, pakn_alerts(t, who)))


def sse_until(conn, kind, timeout):
    """Reads an SSE response until an event of `kind`; returns its data."""
    resp = conn.getresponse()
    eq(resp.status, 200, "stream opened")
    conn.sock.settimeout(timeout)
    cur = {}
    end = time.time() + timeout
    while time.time() < end:
        line = resp.readline().decode("utf-8").rstrip("\n")
        if line == "":
            if cur.get("event") == kind:
                return json.loads(cur["data"])
            cur = {}
        elif not line.startswith(":"):
            k, _, v = line.partition(":")
            cur[k] = v.lstrip(" ")
    raise AssertionError("no %s event on the stream" % kind)


def test_friday_before_tet_nothing_yet(t):
    s = at(t, FRI)
    p1 = intake(t)
    tod1 = p1["received_at"][10:]
    # 2 working days after Fri 13/02 15:00, Tết in between: Mon 23/02 (1), Tue 24/02 (2);
    # 15: 23-27/02, 02-06/03, 09-13/03
    eq(p1["reject_due_at"], "2026-02-24" + tod1, "refuse within 2, over Tết")
    eq(p1["answer_due_at"], "2026-03-13" + tod1, "answer within 15, over Tết")
    p2 = intake(t)
    step(t, t.clerk_c, p2["id"], 1, "accept")
    p3 = intake(t)
    p4 = intake(t)
    step(t, t.clerk_c, p4["id"], 1, "accept")
    e = step(t, t.leader_c, p4["id"], 2, "answer", answer="Đơn vị đã trả kết quả cho bà ngày 13/02")
    step(t, t.leader_c, p4["id"], 3, "publish", public_text="Đơn vị đã trả kết quả, nhắc nhở cán bộ.")
    t.p = {"p1": p1["id"], "p2": p2["id"], "p3": p3["id"], "p4": p4["id"], "tod1": tod1,
           "tod2": p2["received_at"][10:], "tod3": p3["received_at"][10:]}
    settle(t, s)
    eq(pakn_alerts(t, t.admin), [], "no alert on Friday: 16 working hours to the first due")
    # 8 working hours before Tue 24/02 15:00: Tue 07:00-11:30 and 13:30-15:00 (6 h), Mon
    # 15:00-17:00 (2 h) -> Mon 23/02 15:00 (without Tết it would have been Mon 16/02)
    eq(next_fire(t, p1["id"]), "2026-02-23" + tod1, "submitted: watched until the reject due")
    # accepted: the answer due Fri 13/03 15:00; 8 working hours before: Thu 12/03 15:00
    eq(next_fire(t, p2["id"]), "2026-03-12" + t.p["tod2"], "accepted: the answer due")
    eq(next_fire(t, p4["id"]), None, "published: nothing left to watch")
    ok(e["state"] == "answered", "answered before it was published")


def test_due_soon_fires_by_the_timer_and_a_transfer_moves_the_clock(t):
    warn1 = epoch("2026-02-23" + t.p["tod1"])
    at(t, local(warn1 - 30))
    # Mon 23/02, half a minute before P1's warning: the counter passes P3 to Sở Tư pháp,
    # whose clock starts now (its reject due: Tue 24 (1), Wed 25/02 (2))
    e = step(t, t.clerk_c, t.p["p3"], 1, "transfer", to_unit=JUSTICE)
    tod3 = e["arrived_at"][10:]
    ok(e["arrived_at"] < "2026-02-23" + t.p["tod3"],
       "arrived before the counter's warning for it: %s" % e["arrived_at"])
    eq(e["reject_due_at"], "2026-02-25" + tod3, "the new receiver's reject due")
    t.p["arr3"] = tod3
    eq(pakn_alerts(t, t.admin), [], "nothing before the warning")
    conn = t.server.connect(timeout=60)
    conn.request("GET", "/api/v1/alerts/stream",
                 headers={"Authorization": "Bearer " + t.clerk_c.token})
    # no request needed: the scheduler's timer wakes at the warning instant
    d = sse_until(conn, "pakn_due_soon", 60)
    conn.close()
    eq((d["pakn_id"], d["dossier"], d["unit"]), (t.p["p1"], None, CENTER), "P1 on the stream")
    eq((d["payload"]["deadline"], d["payload"]["due_at"], d["payload"]["state"],
        d["payload"]["pakn_id"]), ("reject", "2026-02-24" + t.p["tod1"], "submitted", t.p["p1"]),
       "the payload")
    ok(d["payload"]["remaining_working_minutes"] in (479, 480), "8 working hours left: %r"
       % d["payload"]["remaining_working_minutes"])
    ok(d["created_at"] >= "2026-02-23" + t.p["tod1"], "fired at the warning: %s" % d["created_at"])
    eq(pakn_alerts(t, t.clerk_c),
       [("pakn_due_soon", t.p["p1"], CENTER, "reject", "2026-02-24" + t.p["tod1"])],
       "the counter's clerk sees it; P3 left before its warning")
    eq(pakn_alerts(t, t.clerk_j), [], "a clerk of another unit does not")


def test_overdue_and_the_new_receivers_warning(t):
    s = at(t, local(epoch("2026-02-24" + t.p["tod1"]) + 60))
    settle(t, s)
    # Tue 24/02 a minute past P1's due; P3's warning at Sở Tư pháp was Tue 24/02 (8 working
    # hours before Wed 25/02): due soon there
    eq(pakn_alerts(t, t.sup),
       [("pakn_due_soon", t.p["p1"], CENTER, "reject", "2026-02-24" + t.p["tod1"]),
        ("pakn_overdue", t.p["p1"], CENTER, "reject", "2026-02-24" + t.p["tod1"]),
        ("pakn_due_soon", t.p["p3"], JUSTICE, "reject", "2026-02-25" + t.p["arr3"])],
       "the province's supervisor sees both units")
    end = time.time() + 30
    while time.time() < end and not any(x["data"]["kind"] == "pakn_overdue" for x in t.rec.got):
        time.sleep(0.1)
    got = [x for x in t.rec.got if x["data"]["payload"].get("pakn_id") == t.p["p1"]]
    eq([(x["type"], x["data"]["unit_code"], x["data"]["payload"]["deadline"]) for x in got],
       [("vn.motcua.alert.pakn_overdue.v1", CENTER, "reject")],
       "the webhook that opted in to alert.pakn_overdue gets the overdue only")
    eq((got[0]["source"], got[0]["subject"], got[0]["data"]["pakn_id"],
        got[0]["data"]["dossier_code"]),
       ("/units/" + CENTER, "pakn/%s" % t.p["p1"], t.p["p1"], None),
       "a CloudEvent of the receiving unit about the PAKN, not a calendar one")


def test_transferred_overdue_belongs_to_the_new_unit(t):
    s = at(t, local(epoch("2026-02-25" + t.p["arr3"]) + 60))
    settle(t, s)
    j = [("pakn_due_soon", t.p["p3"], JUSTICE, "reject", "2026-02-25" + t.p["arr3"]),
         ("pakn_overdue", t.p["p3"], JUSTICE, "reject", "2026-02-25" + t.p["arr3"])]
    eq(pakn_alerts(t, t.clerk_j), j, "Sở Tư pháp's clerk: P3's, nothing of the counter's")
    eq(pakn_alerts(t, t.admin, t.p["p3"]), j, "none of P3's ever went to the counter")
    eq([x[1] for x in pakn_alerts(t, t.clerk_c)], [t.p["p1"], t.p["p1"]],
       "the counter's clerk: P1's two, not P3's")
    r = status(on(t, t.admin).get("/api/v1/alerts?kind=pakn_overdue&limit=500"), 200).json
    eq(sorted(a["pakn_id"] for a in r["items"]), sorted([t.p["p1"], t.p["p3"]]), "kind filter")


def test_answer_clock_runs_during_a_supplement_request(t):
    p2, tod2 = t.p["p2"], t.p["tod2"]
    s = at(t, local(epoch("2026-03-12" + tod2) + 30))
    settle(t, s)
    eq(pakn_alerts(t, t.admin, p2),
       [("pakn_due_soon", p2, CENTER, "answer", "2026-03-13" + tod2)], "Thu 12/03: due soon")
    step(t, t.clerk_c, p2, 2, "request_info", reason="Xin tên cán bộ đã hẹn trả kết quả")
    settle(t, s)
    eq(len(pakn_alerts(t, t.admin, p2)), 1, "the same deadline: no second alert")
    # whether a request stops the clock is not established: the answer due keeps running
    s = at(t, local(epoch("2026-03-13" + tod2) + 60))
    settle(t, s)
    r = status(on(t, t.admin).get("/api/v1/alerts?kind=pakn_overdue&limit=500"), 200).json
    mine = [a for a in r["items"] if a["pakn_id"] == p2]
    eq([(a["payload"]["deadline"], a["payload"]["state"]) for a in mine],
       [("answer", "supplement_requested")], "overdue while waiting for the information")
    step(t, t.clerk_c, p2, 3, "receive_info")
    e = step(t, t.leader_c, p2, 4, "answer", answer="Đơn vị đã kiểm tra, nhắc nhở cán bộ")
    # publish within 2 working days of Fri 13/03: Mon 16, Tue 17/03
    eq(e["publish_due_at"], "2026-03-17" + e["answered_at"][10:], "publish due")
    t.p["pub2"] = e["publish_due_at"]


def test_publish_overdue_then_nothing_after_published(t):
    p2 = t.p["p2"]
    s = at(t, "2026-03-18T09:00:00+07:00")
    settle(t, s)
    # the publish warning window (Mon 16 - Tue 17/03) passed with no server running: the
    # scheduler fires what is true at its clock, the overdue only
    eq(pakn_alerts(t, t.admin, p2),
       [("pakn_due_soon", p2, CENTER, "answer", "2026-03-13" + t.p["tod2"]),
        ("pakn_overdue", p2, CENTER, "answer", "2026-03-13" + t.p["tod2"]),
        ("pakn_overdue", p2, CENTER, "publish", t.p["pub2"])], "answered: the publish due")
    step(t, t.leader_c, p2, 5, "publish", public_text="Đơn vị đã chấn chỉnh việc hẹn trả kết quả.")
    before = pakn_alerts(t, t.admin)
    s = at(t, "2026-04-01T09:00:00+07:00")
    settle(t, s)
    eq(pakn_alerts(t, t.admin), before, "published, and the others past their last alert")
    eq(pakn_alerts(t, t.admin, t.p["p4"]), [], "answered and published in time: never an alert")
    eq(t.sql("SELECT pakn_id FROM alert_pakn_schedule WHERE next_fire_at IS NOT NULL"), [],
       "nothing left to watch")
    eq(t.scalar("SELECT count(*) FROM alert WHERE pakn_id IS NOT NULL"), str(len(before)),
       "one row per PAKN, kind and deadline")
