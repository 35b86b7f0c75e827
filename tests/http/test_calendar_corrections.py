"""Issue 15 part 1: the 2026 public-sector New Year swap and the corrections it brings.

Typed from the notice, not from the code: CV 12729/VPCP-KGVX of 25/12/2025 gave Thu 01/01 -
Sun 04/01/2026 off, swapping the working Friday 02/01/2026 with the rest Saturday 10/01/2026
(domain.md §4.3). Tết Bính Ngọ: Sat 14/02 - Sun 22/02/2026 off (CV 9859/VPCP-KGVX).
Sessions 07:00-11:30, 13:30-17:00 (480 minutes a day).

  received Wed 31/12/2025 16:00, 1 working day: 60 min on 31/12, then 01/01 (holiday), 02/01
    (swap), 03-04/01 (weekend) are off: 420 min on Mon 05/01 -> Mon 05/01/2026 16:00
    (Fri 02/01 16:00 without the swap);
  received Mon 05/01/2026 09:00, 30 working days: 06-09/01 (4), Sat 10/01 worked (5),
    12-16 (10), 19-23 (15), 26-30 (20), 02-06/02 (25), 09-13/02 (30) -> Fri 13/02/2026 09:00
    (without the worked Saturday the 30th day falls in Tết: Mon 23/02 09:00).

The database of the test starts as an installation did before the notice (the two rows
removed), receives and closes dossiers on that calendar, then gets the rows exactly as
sql/096_calendar_2026_new_year.sql brings them: open dossiers are re-projected by the
server, closed ones are listed for a supervisor and corrected only by the explicit action.
"""
import os
import re
import time

from harness import ROOT, eq, ok, status
from test_dossier import H56, event, new_key, receive, setup as dossier_setup

SWAP_OFF, MAKEUP = "2026-01-02", "2026-01-10"


def setup(t):
    dossier_setup(t)
    t.psql("""
    INSERT INTO procedure (code, name, field_id, levels) VALUES
      ('2.000030', 'Ba mươi ngày làm việc', (SELECT id FROM field WHERE code = 'G01'), '{province}'),
      ('2.000031', 'Một ngày làm việc (sửa lịch)', (SELECT id FROM field WHERE code = 'G01'), '{province}');
    INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
      duration_unit, pause_reasons, legs, steps)
    SELECT p.id, 1, '2015-01-01', v.dv, 'wd', '{supplement}', '[]', '[]'
      FROM procedure p JOIN (VALUES ('2.000030', 30), ('2.000031', 1)) v(code, dv)
        ON v.code = p.code;
    """)
    t.supervisor = t.account("giamsat15", "supervisor", H56["root"])
    t.far_supervisor = t.account("giamsat15x", "supervisor", "000.00.12.H57")
    # The calendar as installed before 25/12/2025: no swap.
    t.psql("DELETE FROM calendar_day WHERE day IN ('%s', '%s');"
           " SELECT pg_notify('motcua_calendar', 'test');" % (SWAP_OFF, MAKEUP))
    wait_day(t, SWAP_OFF, True)


def wait_day(t, day, working, timeout=10.0):
    """Until the server's calendar says `day` is (not) a working day."""
    end = time.time() + timeout
    while True:
        r = status(t.clerk.get("/api/v1/calendar/days?year=2026"), 200).json
        row = [d for d in r["items"] if d["day"] == day]
        is_working = row[0]["working"] if row else (day != MAKEUP)
        if is_working == working:
            return
        if time.time() > end:
            raise AssertionError("calendar did not reload: %s working=%r" % (day, is_working))
        time.sleep(0.1)


def apply_migration_096(t):
    """The data statements of the shipped migration, as an installed database runs them
    (its CREATE TABLE already ran when the test database was migrated)."""
    with open(os.path.join(ROOT, "sql", "096_calendar_2026_new_year.sql"), encoding="utf-8") as f:
        text = f.read()
    body = "\n".join(l for l in text.splitlines() if not l.startswith("--"))
    stmts = [s for s in body.split(";") if s.strip() and "CREATE TABLE" not in s]
    t.psql(";\n".join(stmts) + ";")


def close(t, code, at):
    event(t, t.integ, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at=at)
    event(t, t.integ, code, 2, "resolve", outcome="granted", occurred_at=at)


def dossier(t, code):
    return status(t.integ.get("/api/v1/dossiers/%s" % code), 200).json


def report_row(t, day):
    return t.sql("SELECT coalesce(sum(ended_on_time), 0)::text, coalesce(sum(ended_late), 0)::text,"
                 " coalesce(sum(ended_ok766), 0)::text, coalesce(sum(ended_late766), 0)::text"
                 " FROM report_day r JOIN procedure p ON p.id = r.procedure_id"
                 " WHERE p.code = '2.000031' AND r.day = '%s'" % day)[0]


def test_swap_closed_dossiers_listed_and_corrected(t):
    # On the old calendar (no swap), as the installation computed them then.
    open1 = receive(t, "2.000031", received_at="2025-12-31T16:00:00+07:00")
    eq(open1["appointment_at"], "2026-01-02T16:00:00+07:00", "old calendar: Fri 02/01 counted")
    open30 = receive(t, "2.000030", received_at="2026-01-05T09:00:00+07:00")
    eq(open30["appointment_at"], "2026-02-23T09:00:00+07:00", "old calendar: across Tết")
    late = receive(t, "2.000031", received_at="2025-12-31T16:00:00+07:00")
    close(t, late["code"], "2026-01-05T10:00:00+07:00")      # late on the old calendar
    early30 = receive(t, "2.000030", received_at="2026-01-05T09:00:00+07:00")
    close(t, early30["code"], "2026-01-12T10:00:00+07:00")   # early either way: not listed
    eq(report_row(t, "2026-01-05"), ["0", "1", "0", "1"], "summaries: late under both rules")

    apply_migration_096(t)
    wait_day(t, SWAP_OFF, False)
    wait_day(t, MAKEUP, True)
    # Open dossiers: re-projected by the server (the pending range of the migration).
    # The server re-projects them in batches: wait until the pending range is done (the
    # first dossier re-projected does not mean the second one is).
    end = time.time() + 10
    while (t.scalar("SELECT count(*) FROM calendar_reproject_pending") != "0" or
           dossier(t, open1["code"])["deadlines"]["appointment_at"] != "2026-01-05T16:00:00+07:00"):
        ok(time.time() < end, "open dossiers re-projected after the migration")
        time.sleep(0.1)
    d1 = dossier(t, open1["code"])
    eq(d1["deadlines"]["legal_due_at"], "2026-01-05T16:00:00+07:00", "Mon 05/01 16:00")
    d30 = dossier(t, open30["code"])
    eq(d30["deadlines"]["appointment_at"], "2026-02-13T09:00:00+07:00", "Fri 13/02 09:00")
    ev = status(t.integ.get("/api/v1/dossiers/%s/events" % open30["code"]), 200).json["items"]
    eq(ev[-1]["type"], "calendar_reprojected", "journaled")
    ok("12729" in ev[-1]["payload"]["change"], "names the notice: %r" % ev[-1]["payload"])
    eq(t.scalar("SELECT count(*) FROM calendar_reproject_pending"), "0", "pending range done")
    # Closed dossiers: untouched.
    eq(dossier(t, late["code"])["deadlines"]["appointment_at"], "2026-01-02T16:00:00+07:00",
       "closed dossier never rewritten silently")

    # The supervisor's list: only the dossier whose class changes.
    q = "/api/v1/calendar/corrections?from=2025-12-01&to=2026-02-28"
    status(t.clerk.get(q), 403, "FORBIDDEN")
    status(t.supervisor.get("/api/v1/calendar/corrections?from=2026-13-01"), 400, "BAD_QUERY")
    r = status(t.supervisor.get(q), 200).json
    eq([i["code"] for i in r["items"]], [late["code"]], "listed: class changes")
    it = r["items"][0]
    eq((it["legal_due_before"], it["legal_due_after"]),
       ("2026-01-02T16:00:00+07:00", "2026-01-05T16:00:00+07:00"), "both dues")
    eq((it["legal_before"], it["legal_after"]), ("late", "on_time"), "legal classes")
    eq((it["dvcqg766_before"], it["dvcqg766_after"]), ("late", "on_time"), "dvcqg766 classes")
    eq(status(t.far_supervisor.get(q), 200).json["items"], [], "another province's scope")
    csv = t.supervisor.get(q + "&format=csv")
    status(csv, 200)
    ok(csv.headers.get("content-type", "").startswith("text/csv"), "CSV content type")
    lines = csv.text.strip().splitlines()
    eq(lines[0].split(",")[:3], ["code", "received_at", "ended_at"], "CSV header")
    eq(len(lines), 2, "one CSV row")
    ok(lines[1].startswith(late["code"] + ",") and lines[1].endswith("late,on_time,late,on_time"),
       "CSV row: %s" % lines[1])

    # The explicit action: admin only, idempotent, audited, journaled.
    body = {"codes": [late["code"], "NOPE-000000-0001"]}
    status(t.supervisor.post("/api/v1/calendar/corrections/apply", body), 403, "FORBIDDEN")
    status(t.admin.post("/api/v1/calendar/corrections/apply", {"codes": []}), 422,
           "VALIDATION_FAILED")
    key = new_key()
    a = status(t.admin.post("/api/v1/calendar/corrections/apply", body,
                            headers={"Idempotency-Key": key}), 200)
    eq([i["code"] for i in a.json["applied"]], [late["code"]], "applied")
    eq(a.json["not_found"], ["NOPE-000000-0001"], "unknown code reported")
    g = dossier(t, late["code"])
    eq(g["deadlines"]["legal_due_at"], "2026-01-05T16:00:00+07:00", "legal due follows")
    eq(g["deadlines"]["appointment_at"], "2026-01-05T16:00:00+07:00", "appointment follows")
    ev = status(t.integ.get("/api/v1/dossiers/%s/events" % late["code"]), 200).json["items"]
    eq(ev[-1]["type"], "calendar_corrected", "event type")
    eq((ev[-1]["payload"]["legal_due_before"], ev[-1]["payload"]["legal_due_after"]),
       ("2026-01-02T16:00:00+07:00", "2026-01-05T16:00:00+07:00"), "before/after in payload")
    eq(ev[-1]["seq"], 4, "seq continues after resolve")
    eq(report_row(t, "2026-01-05"), ["1", "0", "1", "0"], "summaries follow")
    audits = t.sql("SELECT login, outcome, detail->'codes' ->> 0 FROM audit_log"
                   " WHERE action = 'calendar.correction.apply'")
    eq(audits, [["admin5", "ok", late["code"]]], "one audit row")
    # Replay: same key, same answer, nothing more.
    n_ev = t.scalar("SELECT count(*) FROM dossier_event")
    b = t.admin.post("/api/v1/calendar/corrections/apply", body, headers={"Idempotency-Key": key})
    status(b, 200)
    eq(b.headers.get("idempotent-replayed"), "true", "replayed")
    eq(b.json, a.json, "same body")
    eq(t.scalar("SELECT count(*) FROM dossier_event"), n_ev, "no new event on replay")
    # Applying again with another key: nothing left to correct.
    c = status(t.admin.post("/api/v1/calendar/corrections/apply", body,
                            headers={"Idempotency-Key": new_key()}), 200).json
    eq((c["applied"], c["unchanged"]), ([], [late["code"]]), "idempotent in effect")
    eq(t.scalar("SELECT count(*) FROM dossier_event"), n_ev, "no new event")
    eq(status(t.supervisor.get(q), 200).json["items"], [], "list empty once corrected")
