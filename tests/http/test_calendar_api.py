"""Calendar administration end to end (domain.md §4): the year view, adding and removing an
announced day, the rebuilt calendar taking effect at once, and the refusals.

Expected days are typed from the announced 2026 schedule of domain.md §4.3 (weekdays off:
01/01; 16-20/02 Tết Bính Ngọ; 27/04 Giỗ Tổ's compensatory day; 30/04, 01/05; 31/08, 01,
02/09; Saturday worked: 22/08), not read from the server.
"""
import datetime
import os
import subprocess
import time

from harness import ROOT, TestFailure, eq, ok, status

DAYS_2026 = [
    ("2026-01-01", False),
    # New Year swap (CV 12729/VPCP-KGVX of 25/12/2025): Fri 02/01 off, Sat 10/01 worked
    ("2026-01-02", False), ("2026-01-10", True),
    # Tết Bính Ngọ (CV 9859/VPCP-KGVX): Sat 14/02 to Sun 22/02, the weekend days included
    ("2026-02-14", False), ("2026-02-15", False), ("2026-02-16", False), ("2026-02-17", False),
    ("2026-02-18", False), ("2026-02-19", False), ("2026-02-20", False), ("2026-02-21", False),
    ("2026-02-22", False),
    # Giỗ Tổ 10/3 âm lịch falls on Sunday 26/04, compensated on Monday 27/04
    ("2026-04-26", False), ("2026-04-27", False), ("2026-04-30", False),
    ("2026-05-01", False), ("2026-08-22", True), ("2026-08-31", False), ("2026-09-01", False),
    ("2026-09-02", False),
]
# Weekend days are listed only when they are also a holiday (the plain week is implied).
# 2026: 365 days, 104 weekend days (starts on a Thursday), 261 weekdays, 13 of them off,
# plus the worked Saturdays 10/01 and 22/08 with the default policy count_makeup_saturdays = 1.
WORKING_DAYS_2026 = 261 - 13 + 2


def setup(t):
    p = subprocess.run(["sh", os.path.join(ROOT, "tools/demo/load.sh"), t.db_url],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise TestFailure("load.sh failed: %s %s" % (p.stdout, p.stderr))
    t.admin = t.account("cal_admin", "admin", "000.00.00.H19")
    t.clerk = t.account("cal_clerk", "clerk", "101.01.00.H19")


def days(t, year):
    return status(t.clerk.get("/api/v1/calendar/days?year=%d" % year), 200).json


def test_year_2026_as_announced(t):
    r = days(t, 2026)
    eq([(d["day"], d["working"]) for d in r["items"]], DAYS_2026, "2026 days that differ")
    eq(r["status"], "announced", "2026 Tết is announced")
    eq(r["working_days"], WORKING_DAYS_2026, "working days of 2026")
    by_day = {d["day"]: d for d in r["items"]}
    eq(by_day["2026-02-17"]["reason"], "tet", "Tết reason")
    eq(by_day["2026-04-27"]["reason"], "compensatory", "Giỗ Tổ 26/04 is a Sunday")
    eq(by_day["2026-04-26"]["reason"], "hung_kings", "the holiday on the Sunday itself is listed")
    eq(by_day["2026-02-14"]["reason"], "tet", "a Tết day on a Saturday is listed")
    eq(by_day["2026-08-22"]["reason"], "makeup_saturday", "worked Saturday")
    eq(by_day["2026-08-22"]["weekday"], "Thứ Bảy", "weekday in Vietnamese")
    eq(by_day["2026-01-01"]["source"], "rule", "01/01 placed by BLLĐ Art. 112")


def test_unannounced_year_is_proposed(t):
    r = days(t, 2031)
    eq(r["status"], "proposed", "no Tết announcement for 2031")
    ok(any(d["reason"] == "tet_proposed" for d in r["items"]), "proposed Tết days shown")
    status(t.clerk.get("/api/v1/calendar/days?year=abc"), 400, "BAD_QUERY")
    status(t.clerk.get("/api/v1/calendar/days?year=1800"), 400, "BAD_QUERY")


def rows(t):
    return t.sql("SELECT day::text, working::text, reason, note FROM calendar_day ORDER BY day")


def test_add_and_delete_an_announced_day(t):
    before = rows(t)
    # 24/11 "Ngày Văn hóa Việt Nam" is not in BLLĐ Art. 112: an administrator adds it (§4.2)
    body = {"day": "2026-11-24", "working": False, "reason": "announced",
            "note": "Ngày Văn hóa Việt Nam"}
    status(t.clerk.post("/api/v1/calendar/days", body), 403, "FORBIDDEN")
    eq(rows(t), before, "a refused change writes nothing")
    r = status(t.admin.post("/api/v1/calendar/days", body), 201).json
    eq((r["day"], r["working_now"], r["replaced"]), ("2026-11-24", False, False), "added")
    ok(isinstance(r.get("reprojected"), int), "re-projection of open dossiers reported")
    y = days(t, 2026)
    by_day = {d["day"]: d for d in y["items"]}
    eq((by_day["2026-11-24"]["reason"], by_day["2026-11-24"]["note"]),
       ("announced", "Ngày Văn hóa Việt Nam"), "new day in the year view")
    eq(by_day["2026-11-24"]["source"], "admin:cal_admin", "who added it")
    eq(y["working_days"], WORKING_DAYS_2026 - 1, "one working day fewer")
    # replace the same day: a local day off instead
    r = status(t.admin.post("/api/v1/calendar/days", dict(body, reason="local")), 201).json
    eq(r["replaced"], True, "replaced")
    eq(t.scalar("SELECT reason FROM calendar_day WHERE day = '2026-11-24'"), "local", "stored")
    r = status(t.admin.post("/api/v1/calendar/days/2026-11-24/delete"), 200).json
    eq(r["working_now"], True, "a Tuesday again")
    eq(days(t, 2026)["working_days"], WORKING_DAYS_2026, "back to the announced count")
    eq(rows(t), before, "table as before")
    status(t.admin.post("/api/v1/calendar/days/2026-11-24/delete"), 404, "NOT_FOUND")
    status(t.admin.post("/api/v1/calendar/days/2026-13-01/delete"), 422, "BAD_DATE")


def test_worked_saturday(t):
    body = {"day": "2026-12-19", "working": True, "reason": "makeup_saturday",
            "note": "Làm bù (thử nghiệm)"}
    r = status(t.admin.post("/api/v1/calendar/days", body), 201).json
    eq(r["working_now"], True, "Saturday 19/12/2026 worked")
    eq(days(t, 2026)["working_days"], WORKING_DAYS_2026 + 1, "one working day more")
    status(t.admin.post("/api/v1/calendar/days/2026-12-19/delete"), 200)


def test_refusals_write_nothing(t):
    before = rows(t)
    cases = [
        ({"day": "2026-11-24", "working": True, "reason": "tet"}, "VALIDATION_FAILED"),
        ({"day": "2026-11-24", "working": True, "reason": "makeup_saturday"}, "VALIDATION_FAILED"),
        ({"day": "2026-11-21", "working": False, "reason": "makeup_saturday"},
         "VALIDATION_FAILED"),
        ({"day": "2026-11-24", "working": False, "reason": "holiday"}, "VALIDATION_FAILED"),
        ({"day": "2026-11-24", "working": False, "reason": "weekend"}, "VALIDATION_FAILED"),
        ({"day": "2026-11-24", "working": False, "reason": "announced", "x": 1},
         "VALIDATION_FAILED"),
        ({"day": "24/11/2026", "working": False, "reason": "announced"}, "BAD_DATE"),
        ({"day": "2150-01-02", "working": False, "reason": "announced"}, "OUT_OF_CALENDAR"),
        ({"day": "2026-11-24", "working": False, "reason": "announced", "note": "x" * 120},
         "VALIDATION_FAILED"),
    ]
    for body, code in cases:
        status(t.admin.post("/api/v1/calendar/days", body), 422, code)
    eq(rows(t), before, "nothing written by refused changes")


# -- weekly schedules (domain.md §4.5: sessions per province with effective dates) -----------

SUMMER = [{"start": "07:00", "end": "11:00"}, {"start": "13:00", "end": "17:00"}]
DEFAULT = [{"start": "07:00", "end": "11:30"}, {"start": "13:30", "end": "17:00"}]


def today_working(t):
    """Is today (Asia/Ho_Chi_Minh) a working day? From the year view, not the schedules."""
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7))).date()
    items = {d["day"]: d["working"] for d in days(t, now.year)["items"]}
    return items.get(now.isoformat(), now.weekday() < 5)


def schedule_rows(t):
    return t.sql("SELECT province, from_day::text, sessions::text FROM calendar_schedule"
                 " ORDER BY 1, 2")


def test_weekly_schedule_takes_effect_everywhere(t):
    r = status(t.clerk.get("/api/v1/calendar/schedules"), 200).json
    eq((r["items"], r["default_sessions"]), ([], DEFAULT), "no schedule: the default sessions")
    working = today_working(t)
    eq(r["today_sessions"], DEFAULT if working else [], "today under the default")
    # a second process on the same database reloads on NOTIFY
    other = t.start_server()
    try:
        status(t.clerk.post("/api/v1/calendar/schedules",
                            {"from_day": "2026-01-05", "sessions": SUMMER}), 403, "FORBIDDEN")
        eq(schedule_rows(t), [], "a refused change writes nothing")
        r = status(t.admin.post("/api/v1/calendar/schedules",
                                {"from_day": "2026-01-05", "sessions": SUMMER}), 201).json
        eq((r["from_day"], r["sessions"], r["replaced"]), ("2026-01-05", SUMMER, False), "added")
        ok(isinstance(r.get("reprojected"), int), "open dossiers re-projected")
        eq(len(schedule_rows(t)), 1, "one schedule row")
        r = status(t.clerk.get("/api/v1/calendar/schedules"), 200).json
        eq([(i["from_day"], i["sessions"]) for i in r["items"]], [("2026-01-05", SUMMER)],
           "listed")
        eq(r["today_sessions"], SUMMER if working else [], "in force today, this process")
        oc = t.client(t.clerk.token, server=other)
        deadline = time.time() + 10
        while True:
            got = status(oc.get("/api/v1/calendar/schedules"), 200).json["today_sessions"]
            if got == (SUMMER if working else []) or time.time() > deadline:
                break
            time.sleep(0.1)
        eq(got, SUMMER if working else [], "in force today, the other process (NOTIFY)")
    finally:
        other.stop()
    # a restart builds the calendar with the schedule
    t.server.stop()
    t.server = t.start_server()
    t.clerk = t.client(t.clerk.token)
    t.admin = t.client(t.admin.token)
    r = status(t.clerk.get("/api/v1/calendar/schedules"), 200).json
    eq(r["today_sessions"], SUMMER if working else [], "in force after a restart")
    status(t.admin.post("/api/v1/calendar/schedules/2026-01-05/delete"), 200)
    status(t.admin.post("/api/v1/calendar/schedules/2026-01-05/delete"), 404, "NOT_FOUND")
    r = status(t.clerk.get("/api/v1/calendar/schedules"), 200).json
    eq((r["items"], r["today_sessions"]), ([], DEFAULT if working else []), "default again")


def test_schedule_refusals_write_nothing(t):
    before = schedule_rows(t)
    bad = [
        ({"from_day": "2026-03-02", "sessions": []}, "VALIDATION_FAILED"),
        ({"from_day": "2026-03-02", "sessions": [{"start": "11:00", "end": "07:00"}]},
         "VALIDATION_FAILED"),
        ({"from_day": "2026-03-02", "sessions": [{"start": "07:00", "end": "12:00"},
                                                 {"start": "11:00", "end": "17:00"}]},
         "VALIDATION_FAILED"),  # overlapping sessions
        ({"from_day": "2026-03-02", "sessions": [{"start": "7h", "end": "11:00"}]},
         "VALIDATION_FAILED"),
        ({"from_day": "2026-03-02", "sessions": [{"start": "07:00", "end": "25:00"}]},
         "VALIDATION_FAILED"),
        ({"from_day": "2026-03-02", "sessions": SUMMER * 3}, "VALIDATION_FAILED"),  # > 4
        ({"from_day": "2026-03-02", "sessions": SUMMER, "x": 1}, "VALIDATION_FAILED"),
        ({"from_day": "02/03/2026", "sessions": SUMMER}, "BAD_DATE"),
        ({"from_day": "2150-01-01", "sessions": SUMMER}, "OUT_OF_CALENDAR"),
    ]
    for body, code in bad:
        status(t.admin.post("/api/v1/calendar/schedules", body), 422, code)
    status(t.admin.post("/api/v1/calendar/schedules/xx/delete"), 422, "BAD_DATE")
    eq(schedule_rows(t), before, "nothing written by refused changes")
