"""The calendar horizon (issue 15 part 3; docs/architecture.md "Calendar horizon", docs/domain.md
"Proposed days") against a live server and database:

- from 1 October, while next year's Tết is only proposed, one calendar_unannounced alert reaches
  the administrators (GET /alerts, the SSE stream) and /metrics says
  motcua_calendar_next_year_announced 0; not a second one after a restart; it is resolved (and
  one calendar_announced follows) once the Tết days are POSTed through the calendar API;
- an appointment computed across a proposed day carries calendar_proposed: true in the
  reception, its receipt JSON, the preview, GET dossier, deadline/explain (each proposed day
  flagged) and "(dự kiến)" on the printed receipt; one that does not shows false and no mark.

The server runs on the real clock (tests/http/test_alerts.py does the same): the expectations are
computed from today's local date and from GET /calendar/days (which days are proposed), so the
module stays true on any day; on this machine (December 2026, 2027 not announced) every branch
below is the live one. The pinned dates (30/09 vs 01/10, January, the horizon) are the unit table
tests/unit/test_horizon.c."""
import datetime
import json
import re
import time

from harness import eq, new_key, ok, status
from test_alerts import Stream
from test_documents import pdf_text
from test_webhooks import Receiver, verify

ROOT = "000.00.00.H56"
CENTER = "000.00.12.H56"
JUSTICE = "000.00.21.H56"
TZ = datetime.timezone(datetime.timedelta(hours=7))
OLD = "2026-11-02T08:00:00+07:00"


def setup(t):
    t.psql("""
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, address) VALUES
      ('000.00.00.H56', 'UBND tỉnh Thử Nghiệm', 'province', 'committee', NULL, 'H56', '2000-01-01',
       'Thành phố Thử Nghiệm');
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, address)
      SELECT c, n, 'province', k, (SELECT id FROM unit WHERE code = '000.00.00.H56'), 'H56',
             '2000-01-01', 'Thành phố Thử Nghiệm'
      FROM (VALUES ('000.00.12.H56', 'Trung tâm Phục vụ hành chính công tỉnh', 'center'),
                   ('000.00.21.H56', 'Sở Tư pháp', 'department')) v(c, n, k);
    INSERT INTO field (code, name) VALUES ('G01', 'Chứng thực');
    INSERT INTO procedure (code, name, field_id, levels) VALUES
      ('2.000960', 'Sáu mươi ngày', (SELECT id FROM field WHERE code = 'G01'), '{province}'),
      ('2.000002', 'Một ngày', (SELECT id FROM field WHERE code = 'G01'), '{province}');
    INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
      duration_unit, pause_reasons, legs, steps)
    SELECT p.id, 1, '2015-01-01', v.dv, 'wd', '{supplement}', '[]', '[]'
      FROM procedure p JOIN (VALUES ('2.000960', 60), ('2.000002', 1)) v(code, dv)
        ON v.code = p.code;
    """)
    t.admin = t.account("admin1", "admin", ROOT)
    t.sup = t.account("sup1", "supervisor", ROOT)
    t.clerk = t.account("clerk1", "clerk", CENTER)
    t.today = datetime.datetime.now(TZ).date()
    t.next_year = t.today.year + 1


def proposed_days(t, year):
    y = status(t.admin.get("/api/v1/calendar/days?year=%d" % year), 200).json
    # a proposal: Tết (source "proposed") or the second Quốc khánh day (reason *_proposed)
    return y["status"], sorted(d["day"] for d in y["items"]
                               if d.get("source") == "proposed" or d["reason"].endswith("_proposed"))


def first_proposed_after(t, day):
    for y in (day.year, day.year + 1, day.year + 2):
        for d in proposed_days(t, y)[1]:
            if d >= day.isoformat():
                return datetime.date.fromisoformat(d)
    return None


def calendar_alerts(c):
    r = status(c.get("/api/v1/alerts?limit=500"), 200).json
    return [a for a in r["items"] if a["kind"].startswith("calendar_")]


def metrics(t):
    r = status(t.anon().get("/metrics"), 200)
    out = {}
    for line in r.text.splitlines():
        m = re.match(r"^(motcua_calendar_\w+) (-?\d+)$", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def wait(pred, what, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s" % what)


def alarm_due(t):
    return t.today.month >= 10 and proposed_days(t, t.next_year)[0] == "proposed"


def test_alarm_fires_once(t):
    due = alarm_due(t)
    m = metrics(t)
    eq(m.get("motcua_calendar_next_year_announced"),
       0 if proposed_days(t, t.next_year)[0] == "proposed" else 1, "announced gauge")
    first = first_proposed_after(t, t.today)
    eq(m.get("motcua_calendar_horizon_days"),
       (first - t.today).days - 1 if first else m.get("motcua_calendar_horizon_days"),
       "horizon: days to the day before the first proposed day")
    if not due:
        time.sleep(3)
        eq(calendar_alerts(t.admin), [], "before 1 October / next year announced: no alarm")
        return
    s = Stream(t.server, t.admin.token, last_id=0)
    ev = s.events(lambda out: any(x.get("event") == "calendar_unannounced" for x in out))
    s.close()
    a = [x for x in ev if x.get("event") == "calendar_unannounced"][0]["data"]
    eq((a["dossier"], a["unit"], a["resolved_at"]), (None, None, None), "no dossier, no unit, open")
    eq(a["payload"]["year"], t.next_year, "about next year")
    eq(a["payload"]["last_announced_day"], (first - datetime.timedelta(days=1)).isoformat(),
       "the last announced day")
    items = wait(lambda: calendar_alerts(t.admin), "the alarm in GET /alerts")
    eq([(x["kind"], x["payload"]["year"]) for x in items],
       [("calendar_unannounced", t.next_year)], "exactly one alarm")
    eq(status(t.admin.get("/api/v1/alerts?kind=calendar_unannounced"), 200).json["items"][0]["id"],
       items[0]["id"], "?kind= filter")
    # administrators only: a root supervisor and a clerk do not see it
    eq(calendar_alerts(t.sup), [], "supervisor: not an alert of a unit")
    eq(calendar_alerts(t.clerk), [], "clerk: no")
    # several scheduler ticks later: still one
    time.sleep(5)
    eq(len(calendar_alerts(t.admin)), 1, "not once per tick")
    eq(t.scalar("SELECT count(*) FROM alert WHERE kind = 'calendar_unannounced'"), "1", "one row")
    t.alarm_id = items[0]["id"]


def test_not_twice_after_restart(t):
    if not alarm_due(t):
        return
    eq(t.server.stop(), 0, "clean stop")
    t.server = t.start_server()
    for c in (t.admin, t.sup, t.clerk):
        c.server = t.server
        c.close()
    time.sleep(5)  # the first check runs at start, then every 2 s
    eq([x["id"] for x in calendar_alerts(t.admin)], [t.alarm_id], "the same single alarm")


def receive(t, proc, at=None, dry_run=False):
    body = {"applicant": {"name": "Trần Văn Bình", "id_number": "001090000009"},
            "procedure": proc, "complete": True,
            "documents": [{"name": "Đơn", "kind": "original", "count": 1}]}
    if dry_run:
        body["dry_run"] = True
        return status(t.clerk.post("/api/v1/dossiers", body), 200).json
    r = t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": new_key()})
    return status(r, 201).json


def crosses(t, received, due):
    """Independent of the server's answer: a day the calendar API lists as proposed lies
    between the local reception day and the local due day."""
    lo = datetime.datetime.fromisoformat(received).astimezone(TZ).date().isoformat()
    hi = datetime.datetime.fromisoformat(due).astimezone(TZ).date().isoformat()
    days = []
    for y in range(int(lo[:4]), int(hi[:4]) + 1):
        days += proposed_days(t, y)[1]
    return any(lo <= d <= hi for d in days)


def test_appointments_across_a_proposal(t):
    pv = receive(t, "2.000960", dry_run=True)
    long_ = receive(t, "2.000960")
    short = receive(t, "2.000002")
    expect_long = crosses(t, long_["received_at"], long_["appointment_at"])
    expect_short = crosses(t, short["received_at"], short["appointment_at"])
    ok(expect_long or t.today > datetime.date(2027, 2, 3),
       "precondition: 60 working days from now cross proposed Tết %d" % t.next_year)
    eq(pv["calendar_proposed"], expect_long, "preview")
    eq(long_["calendar_proposed"], expect_long, "reception")
    eq(long_["receipt"]["calendar_proposed"], expect_long, "receipt JSON")
    eq((short["calendar_proposed"], short["receipt"]["calendar_proposed"]),
       (expect_short, expect_short), "1 working day: not across")
    for d, expect in ((long_, expect_long), (short, expect_short)):
        g = status(t.clerk.get("/api/v1/dossiers/%s" % d["code"]), 200).json
        eq(g["deadlines"]["calendar_proposed"], expect, "GET dossier %s" % d["code"])
        x = status(t.clerk.get("/api/v1/dossiers/%s/deadline/explain" % d["code"]), 200).json
        eq(x["calendar_proposed"], expect, "explain %s" % d["code"])
        flagged = [day["day"] for day in x["days"] if day["proposed"]]
        eq(bool(flagged), expect, "explain: proposed days flagged")
        ok(all(day["reason"].endswith("_proposed") for day in x["days"] if day["proposed"]),
           "a flagged day is a proposal")
        r = t.clerk.get("/api/v1/dossiers/%s/documents/receipt?format=pdf" % d["code"])
        status(r, 200)
        text = pdf_text(r.body)
        eq("(dự kiến)" in text, expect, "receipt PDF mark for %s" % d["code"])
    t.long_code = long_["code"]


def test_announcement_clears(t):
    y = t.next_year
    status_, days = proposed_days(t, y)
    if status_ != "proposed":
        return
    tet = [d for d in days if d[5:7] in ("01", "02")]
    ok(len(tet) == 5, "five proposed Tết days %r" % tet)
    s = Stream(t.server, t.admin.token, last_id=getattr(t, "alarm_id", 0))
    # webhooks: opt in by type, no units (a calendar alert has none); a unit-filtered alert.*
    # subscription gets nothing
    rec, other = Receiver("ok"), Receiver("ok")
    sub = status(t.admin.post("/api/v1/webhooks", {
        "url": rec.url, "event_types": ["alert.calendar_unannounced", "alert.calendar_announced"]}),
        201).json
    sub_other = status(t.admin.post("/api/v1/webhooks", {
        "url": other.url, "event_types": ["alert.*"], "units": [CENTER]}), 201).json
    for d in tet:
        body = {"day": d, "working": False, "reason": "tet", "note": "Tết %d (thử nghiệm)" % y}
        status(t.admin.post("/api/v1/calendar/days", body), 201)
    eq(proposed_days(t, y)[0], "announced", "the year is announced")
    m = wait(lambda: metrics(t).get("motcua_calendar_next_year_announced") == 1 and metrics(t),
             "gauge 1")
    first = first_proposed_after(t, t.today)
    if first is not None:
        eq(m["motcua_calendar_horizon_days"], (first - t.today).days - 1, "horizon moved")
    if hasattr(t, "alarm_id"):
        ev = s.events(lambda out: any(x.get("event") == "calendar_announced" for x in out))
        a = [x for x in ev if x.get("event") == "calendar_announced"][0]["data"]
        eq(a["payload"]["year"], y, "clearance of the year")
        items = wait(lambda: [x for x in calendar_alerts(t.admin) if x["resolved_at"]],
                     "resolved")
        kinds = sorted((x["kind"], x["resolved_at"] is not None) for x in calendar_alerts(t.admin))
        eq(kinds, [("calendar_announced", True), ("calendar_unannounced", True)],
           "alarm resolved, one clearance")
        ok(items, "resolved_at set")
        got = wait(lambda: [(h, b) for h, b in rec.got
                            if json.loads(b)["type"] == "vn.motcua.alert.calendar_announced.v1"],
                   "the clearance as a webhook", 30)
        h, body = got[0]
        ok(verify(sub["secret"], h, body), "signed")
        ce = json.loads(body)
        eq((ce["source"], ce["subject"], ce["data"]["dossier_code"], ce["data"]["unit_code"]),
           ("/calendar", "calendar", None, None), "a calendar alert, no dossier")
        eq((ce["data"]["kind"], ce["data"]["payload"]["year"], ce["province"]),
           ("calendar_announced", y, "H56"), "kind, year, province")
        r = status(t.admin.get("/api/v1/webhooks/%d/deliveries" % sub["id"]), 200).json
        eq([(x["type"], x["dossier_code"]) for x in r["items"]],
           [("alert.calendar_announced", None)], "delivery list")
        time.sleep(1)
        eq([b for _, b in other.got if json.loads(b)["source"] == "/calendar"], [],
           "a unit-filtered subscription gets no calendar alert")
    for x in (sub, sub_other):
        t.admin.post("/api/v1/webhooks/%d/disable" % x["id"])
    rec.close()
    other.close()
    s.close()
    # the appointment across Tết was re-projected on announced days: no longer a guess
    g = status(t.clerk.get("/api/v1/dossiers/%s" % t.long_code), 200).json
    eq(g["deadlines"]["calendar_proposed"],
       crosses(t, g["deadlines"]["received_at"], g["deadlines"]["appointment_at"]),
       "after the announcement")
    r = t.clerk.get("/api/v1/dossiers/%s/documents/receipt?format=pdf" % t.long_code)
    eq("(dự kiến)" in pdf_text(status(r, 200).body), g["deadlines"]["calendar_proposed"],
       "receipt mark follows")
    # a restart adds nothing
    time.sleep(3)
    eq(len(calendar_alerts(t.admin)), 2 if hasattr(t, "alarm_id") else 0, "no new alert")
