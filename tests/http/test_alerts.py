"""Alerts (domain.md §6, §7; docs/architecture.md "Reports and alerts") against a live server:
every kind (due_soon, overdue, supplement_awaited, leg_late) from back-dated dossiers, none
while the clock is paused, scope, the list, and the SSE stream (retry, id, heartbeat,
Last-Event-ID resume across a server restart without losing an alert).

Deadlines are relative to the real clock: a 1-working-day dossier received now is due 8
working hours after its clock starts, which is within MOTCUA_ALERT_WARN_HOURS=8 at once; a
dossier received on 02/11/2026 with 3 working days is long overdue."""
import datetime
import http.client
import time

from harness import eq, new_key, ok, status

ROOT = "000.00.00.H56"
CENTER = "000.00.12.H56"
JUSTICE = "000.00.21.H56"
COMMUNE_A = "001.30.40.H56"
SERVER_ENV = {"MOTCUA_ALERT_WARN_HOURS": "8", "MOTCUA_ALERT_SUPPLEMENT_DAYS": "1",
              "MOTCUA_ALERT_HEARTBEAT": "1"}
OLD = "2026-11-02T08:00:00+07:00"   # a Monday, weeks before any test run


def setup(t):
    t.psql("""
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from) VALUES
      ('000.00.00.H56', 'UBND tỉnh Thử Nghiệm', 'province', 'committee', NULL, 'H56', '2000-01-01');
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)
      SELECT c, n, l, k, (SELECT id FROM unit WHERE code = '000.00.00.H56'), 'H56', '2000-01-01'
      FROM (VALUES ('000.00.12.H56', 'Trung tâm Phục vụ hành chính công tỉnh', 'province', 'center'),
                   ('000.00.21.H56', 'Sở Tư pháp', 'province', 'department'),
                   ('001.30.40.H56', 'UBND xã Hòa An', 'commune', 'committee')) v(c, n, l, k);
    INSERT INTO field (code, name) VALUES ('G01', 'Chứng thực');
    INSERT INTO procedure (code, name, field_id, levels) VALUES
      ('2.000908', 'Ba ngày', (SELECT id FROM field WHERE code = 'G01'), '{province,commune}'),
      ('2.000002', 'Một ngày', (SELECT id FROM field WHERE code = 'G01'), '{province,commune}'),
      ('1.000001', 'Liên thông', (SELECT id FROM field WHERE code = 'G01'), '{province,commune}');
    INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
      duration_unit, pause_reasons, legs, steps)
    SELECT p.id, 1, '2015-01-01', v.dv, 'wd', '{supplement}', v.legs::jsonb, '[]'
      FROM procedure p JOIN (VALUES ('2.000908', 3, '[]'), ('2.000002', 1, '[]'),
        ('1.000001', 30, '[{"unit_code":"000.00.21.H56","minutes":480}]')) v(code, dv, legs)
      ON v.code = p.code;
    """)
    t.integ = t.api_key("egov", ROOT)
    t.admin = t.account("admin1", "admin", ROOT)
    t.clerk_a = t.account("clerka", "clerk", COMMUNE_A)
    t.sup_j = t.account("supj", "supervisor", JUSTICE)


def receive(t, proc, at, unit=JUSTICE, rec=CENTER):
    body = {"applicant": {"name": "Phạm Thị Dung", "id_number": "001090000004"},
            "procedure": proc, "channel": 1, "received_at": at, "receiving_unit": rec,
            "resolving_unit": unit, "complete": True,
            "documents": [{"name": "Đơn", "kind": "original", "count": 1}]}
    r = t.integ.post("/api/v1/dossiers", body, headers={"Idempotency-Key": new_key()})
    status(r, 201)
    return r.json["code"], r.json["version"]


def event(t, code, version, typ, at, **kw):
    body = {"type": typ, "expected_version": version, "occurred_at": at}
    body.update(kw)
    r = t.integ.post("/api/v1/dossiers/%s/events" % code, body,
                     headers={"Idempotency-Key": new_key()})
    status(r, 200)
    return version + 1


def now_local():
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7)))


def alerts(c, q=""):
    r = c.get("/api/v1/alerts?limit=500" + q)
    status(r, 200)
    return r.json["items"]


def wait_alerts(c, pred, what, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        items = alerts(c)
        if pred(items):
            return items
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s; have %r" % (what, alerts(c)))


class Stream:
    """An SSE client on a raw HTTP connection."""

    def __init__(self, server, token, last_id=None, query=""):
        self.conn = server.connect(timeout=10)
        h = {"Authorization": "Bearer " + token, "Accept": "text/event-stream"}
        if last_id is not None:
            h["Last-Event-ID"] = str(last_id)
        self.conn.request("GET", "/api/v1/alerts/stream" + query, headers=h)
        self.resp = self.conn.getresponse()
        self.lines = []

    def events(self, until, timeout=10.0):
        """Reads events (dicts: id, event, data, comments) until until(events) holds."""
        import json
        out, cur = [], {}
        deadline = time.time() + timeout
        self.conn.sock.settimeout(timeout)
        while time.time() < deadline:
            line = self.resp.readline()
            if not line:
                break
            line = line.decode("utf-8").rstrip("\n")
            self.lines.append(line)
            if line == "":
                if cur:
                    if "data" in cur:
                        cur["data"] = json.loads(cur["data"])
                    out.append(cur)
                    cur = {}
                    if until(out):
                        return out
                continue
            if line.startswith(":"):
                cur.setdefault("comments", []).append(line[1:].strip())
                continue
            k, _, v = line.partition(":")
            cur[k] = v.lstrip(" ")
        raise AssertionError("stream ended or timed out; got %r" % out)

    def close(self):
        self.conn.close()


def test_every_kind(t):
    # overdue: 3 working days from 02/11/2026 08:00 -> 05/11 08:00, long past
    t.overdue, _ = receive(t, "2.000908", OLD)
    # due soon: 1 working day from now = 8 working hours = within the warning window
    t.soon, _ = receive(t, "2.000002", now_local().isoformat(timespec="seconds"))
    # supplement awaited: requested 03/11 (before the due 05/11, so not late when paused),
    # more than 1 working day ago; paused: no overdue, no due soon
    t.paused, v = receive(t, "2.000908", OLD)
    v = event(t, t.paused, v, "hand_over", OLD, to_unit=JUSTICE, step="Thẩm định")
    v = event(t, t.paused, v, "request_supplement", "2026-11-03T08:00:00+07:00",
              reason="Thiếu giấy tờ", missing=["Bản sao"])
    # leg late: a liên thông leg of 480 working minutes handed over on 02/11 is past its
    # planned end (the dossier itself has 30 working days: not overdue before mid-December)
    t.leg, v = receive(t, "1.000001", OLD)
    v = event(t, t.leg, v, "hand_over", OLD, to_unit=JUSTICE, step="Sở Tư pháp", leg=True)

    def have(items):
        got = {(a["dossier"], a["kind"]) for a in items}
        return {(t.overdue, "overdue"), (t.soon, "due_soon"), (t.paused, "supplement_awaited"),
                (t.leg, "leg_late")} <= got
    items = wait_alerts(t.admin, have, "one alert of every kind")
    kinds = {}
    for a in items:
        kinds.setdefault(a["dossier"], []).append(a["kind"])
    eq(sorted(kinds[t.paused]), ["supplement_awaited"], "never a deadline alert while paused")
    eq(sorted(kinds[t.soon]), ["due_soon"], "due soon only, not overdue")
    eq(sorted(kinds[t.overdue]), ["overdue"],
       "past due: overdue (the due-soon window passed unseen)")
    leg = [a for a in items if a["dossier"] == t.leg and a["kind"] == "leg_late"][0]
    eq(leg["unit"], JUSTICE, "leg alert goes to the leg's unit")
    eq(leg["payload"]["planned_end_at"], "2026-11-03T08:00:00+07:00", "planned end of the leg")
    od = [a for a in items if a["dossier"] == t.overdue][0]
    eq(od["payload"]["due_at"], "2026-11-05T08:00:00+07:00", "due instant")
    ok(all(items[i]["id"] > items[i + 1]["id"] for i in range(len(items) - 1)), "newest first")
    # each alert once per deadline, however often the scheduler looks again
    time.sleep(0.5)
    eq(len(alerts(t.admin)), len(items), "no duplicates")


def test_scope_and_list(t):
    eq(alerts(t.clerk_a), [], "a commune clerk sees no provincial alert")
    # due soon / overdue / supplement alerts go to the unit holding the dossier now (a
    # dossier not handed over yet is still at the centre), a leg's to the leg's unit
    mine = alerts(t.sup_j)
    eq([a["id"] for a in mine], [a["id"] for a in alerts(t.admin) if a["unit"] == JUSTICE],
       "a unit's supervisor sees exactly the unit's alerts")
    ok({a["kind"] for a in mine} == {"supplement_awaited", "leg_late"}, "kinds at the unit")
    only = alerts(t.admin, "&kind=overdue")
    ok(only and all(a["kind"] == "overdue" for a in only), "kind filter")
    first = t.admin.get("/api/v1/alerts?limit=2").json
    eq(len(first["items"]), 2, "page")
    nxt = t.admin.get("/api/v1/alerts?limit=2&cursor=%s" % first["next_cursor"]).json
    ok(nxt["items"][0]["id"] < first["items"][1]["id"], "keyset continues below the cursor")
    status(t.admin.get("/api/v1/alerts?kind=late"), 400, "BAD_QUERY")
    status(t.admin.get("/api/v1/alerts?cursor=x"), 400, "BAD_QUERY")
    status(t.integ.get("/api/v1/alerts"), 403)


def test_stream_live_and_heartbeat(t):
    s = Stream(t.server, t.admin.token)
    eq(s.resp.status, 200, "stream status")
    ok(s.resp.getheader("Content-Type").startswith("text/event-stream"), "SSE type")
    ev = s.events(lambda out: any("heartbeat" in x.get("comments", []) for x in out), 5)
    ok(any(line.startswith("retry: ") for line in s.lines), "retry: sent")
    code, _ = receive(t, "2.000908", OLD)
    ev = s.events(lambda out: any(x.get("data", {}).get("dossier") == code for x in out))
    a = [x for x in ev if x.get("data", {}).get("dossier") == code][0]
    eq(a["event"], "overdue", "event name = kind")
    eq(int(a["id"]), a["data"]["id"], "id: = alert id")
    s.close()
    # a commune clerk's stream stays silent for provincial alerts (only heartbeats)
    s = Stream(t.server, t.clerk_a.token, last_id=0)
    ev = s.events(lambda out: sum(1 for x in out if "heartbeat" in x.get("comments", [])) >= 2, 5)
    eq([x for x in ev if "id" in x], [], "nothing out of scope")
    s.close()


def test_restart_resume_last_event_id(t):
    every = sorted(a["id"] for a in alerts(t.admin))
    ok(len(every) >= 5, "alerts exist")
    resume = every[-3]
    rc = t.server.stop()
    eq(rc, 0, "clean stop")
    t.server = t.start_server()
    t.admin.server = t.integ.server = t.server
    t.admin.close()
    t.integ.close()
    # an alert produced after the restart (the schedule survived in the table)
    code, _ = receive(t, "2.000908", OLD)
    s = Stream(t.server, t.admin.token, last_id=resume)
    ev = s.events(lambda out: any(x.get("data", {}).get("dossier") == code for x in out))
    ids = [int(x["id"]) for x in ev if "id" in x]
    eq(ids[:2], every[-2:], "resumed right after Last-Event-ID, nothing lost")
    eq(ids, sorted(ids), "in id order")
    eq(len(ids), len(set(ids)), "no id twice")
    s.close()


def test_stream_unit_filter(t):
    # ?unit= narrows a stream inside the reader's scope (with or without sub-units); the
    # calendar horizon alarm (no unit, issue 15) is outside every ?unit=.
    every = sorted(a["id"] for a in alerts(t.admin) if a["unit"] is not None)
    at_j = [a["id"] for a in alerts(t.admin) if a["unit"] == JUSTICE]
    ok(at_j and len(at_j) < len(every), "alerts at Justice and elsewhere")
    s = Stream(t.server, t.admin.token, last_id=0, query="?unit=" + JUSTICE)
    ev = s.events(lambda out: len([x for x in out if "id" in x]) >= len(at_j))
    eq(sorted(int(x["id"]) for x in ev if "id" in x), sorted(at_j), "only Justice's alerts")
    ok(all(x["data"]["unit"] == JUSTICE for x in ev if "id" in x), "unit of each alert")
    s.close()
    s = Stream(t.server, t.admin.token, last_id=0,
               query="?unit=%s&include_sub_units=false" % ROOT)
    ev = s.events(lambda out: sum(1 for x in out if "heartbeat" in x.get("comments", [])) >= 2, 5)
    eq([x for x in ev if "id" in x], [], "the root itself holds no alert")
    s.close()
    s = Stream(t.server, t.admin.token, last_id=0, query="?unit=" + ROOT)
    ev = s.events(lambda out: len([x for x in out if "id" in x]) >= len(every))
    eq(sorted(int(x["id"]) for x in ev if "id" in x), every, "root with sub-units: all")
    s.close()
    # Justice's supervisor asking for the centre (outside the scope) hears nothing
    s = Stream(t.server, t.sup_j.token, last_id=0, query="?unit=" + CENTER)
    ev = s.events(lambda out: sum(1 for x in out if "heartbeat" in x.get("comments", [])) >= 2, 5)
    eq([x for x in ev if "id" in x], [], "outside the scope: nothing")
    s.close()
    status(t.admin.get("/api/v1/alerts/stream?unit=%s&by=nope" % JUSTICE), 400, "BAD_QUERY")


def test_scheduler_wakes_at_the_next_deadline(t):
    # A deadline a few seconds ahead, and then no write at all: the scheduler sleeps until
    # that instant (an evtimer; it does not poll, ALERT_MAX_SLEEP is 600 s) and fires then.
    at = now_local() - datetime.timedelta(minutes=1)
    code, _ = receive(t, "2.000908", at.strftime("%Y-%m-%dT%H:%M:%S+07:00"))
    t.psql("UPDATE dossier SET legal_due_at = now() + interval '4 seconds' WHERE code = '%s'"
           % code)
    s = Stream(t.server, t.admin.token, query="?unit=" + CENTER)
    t0 = time.time()
    ev = s.events(lambda out: any(x.get("event") == "overdue" and
                                  x["data"]["dossier"] == code for x in out), 15)
    dt = time.time() - t0
    ok(dt >= 2.0, "not before the deadline (%.1f s)" % dt)
    ok(dt < 12.0, "at the deadline, not at a poll (%.1f s)" % dt)
    ok(any(x.get("event") == "due_soon" and x["data"]["dossier"] == code for x in ev)
       or any(a["kind"] == "due_soon" and a["dossier"] == code for a in alerts(t.admin)),
       "due soon first (the deadline is within the warning window)")
    s.close()
