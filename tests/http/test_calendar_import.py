"""Issue 15 part 2: a year's announcement as a workflow (POST /api/v1/calendar/import and
`motcua calendar import`).

Typed from the notice, not from the code: CV 12729/VPCP-KGVX of 25/12/2025 swapped the
working Friday 02/01/2026 with the rest Saturday 10/01/2026 (domain.md §4.3). The database
starts as an installation did before the notice (the two rows removed); the announcement is
then imported instead of migrated. Sessions 07:00-11:30, 13:30-17:00 (480 minutes a day).

  received Wed 31/12/2025 16:00, 1 working day: before the notice Fri 02/01/2026 16:00;
    after it 01/01 (holiday), 02/01 (swap), 03-04/01 (weekend) are off -> Mon 05/01 16:00;
  received Mon 05/01/2026 09:00, 30 working days: before the notice the 30th day falls in
    Tết (14-22/02) -> Mon 23/02 09:00; with Sat 10/01 worked -> Fri 13/02/2026 09:00.

BLLĐ 2019 Art. 112(1): 30/04 is a holiday (Thu 30/04/2026), so a worked row on it contradicts
the Labour Code (and a make-up day is a Saturday): refused unless override.
"""
import json
import os
import tempfile
import time

from harness import eq, ok, status
from test_calendar_corrections import MAKEUP, SWAP_OFF, close, dossier, wait_day
from test_dossier import H56, new_key, receive, setup as dossier_setup

NOTE_OFF = "Nghỉ hoán đổi Tết Dương lịch (CV 12729/VPCP-KGVX)"
NOTE_WORK = "Làm bù cho thứ Sáu 02/01/2026 (CV 12729/VPCP-KGVX)"
TET_CHANGED = "Nghỉ Tết Bính Ngọ (CV 9859/VPCP-KGVX, ghi chú sửa)"


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
    t.psql("DELETE FROM calendar_day WHERE day IN ('%s', '%s');"
           " SELECT pg_notify('motcua_calendar', 'test');" % (SWAP_OFF, MAKEUP))
    wait_day(t, SWAP_OFF, True)


# Every table an import may write, as md5 of its rows: a refusal changes none of them.
TABLES = ["calendar_day", "dossier", "dossier_event", "audit_log",
          "idempotency_key WHERE status <> 'running'"]


def snap(t):
    out = {}
    for tbl in TABLES:
        name = tbl.split()[0]
        out[name] = t.scalar("SELECT count(*)::text || ':' || md5(coalesce(string_agg(x::text, '|'"
                             " ORDER BY x::text), '')) FROM %s x %s"
                             % (name, tbl[len(name):].replace("status", "x.status")))
    return out


def tsv(*rows):
    return "# thông báo\n" + "".join("\t".join(r) + "\n" for r in rows)


def post(t, content, fmt="tsv", client=None, **kw):
    body = {"format": fmt, "content": content}
    body.update(kw)
    headers = {"Idempotency-Key": kw.pop("key")} if "key" in kw else {}
    body.pop("key", None)
    return (client or t.admin).post("/api/v1/calendar/import", body, headers=headers)


def codes(r):
    return sorted(x["code"] for x in r.json["refusals"])


def announcement(t):
    tet16 = t.scalar("SELECT note FROM calendar_day WHERE day = '2026-02-16'")
    return tsv(("2026-01-01", "off", "new_year", "Tết Dương lịch"),
               (SWAP_OFF, "off", "swap_off", NOTE_OFF),
               (MAKEUP, "work", "makeup_saturday", NOTE_WORK),
               ("2026-02-16", "off", "tet", tet16),
               ("2026-02-17", "off", "tet", TET_CHANGED))


def test_import_refusals_dry_run_apply_replay(t):
    open1 = receive(t, "2.000031", received_at="2025-12-31T16:00:00+07:00")
    eq(open1["appointment_at"], "2026-01-02T16:00:00+07:00", "old calendar: Fri 02/01 counted")
    open30 = receive(t, "2.000030", received_at="2026-01-05T09:00:00+07:00")
    eq(open30["appointment_at"], "2026-02-23T09:00:00+07:00", "old calendar: across Tết")
    closed = receive(t, "2.000031", received_at="2025-12-31T16:00:00+07:00")
    close(t, closed["code"], "2026-01-05T10:00:00+07:00")
    status(post(t, announcement(t), client=t.clerk), 403, "FORBIDDEN")  # audited as denied
    before = snap(t)

    # -- refusals: each leaves every table as it was ------------------------------------
    r = status(post(t, tsv((SWAP_OFF, "off", "swap_off", NOTE_OFF)), apply=True), 422,
               "VALIDATION_FAILED")
    eq(codes(r), ["swap_unpaired"], "a swap without its Saturday")
    eq(r.json["refusals"][0]["day"], SWAP_OFF, "names the day")
    r = status(post(t, tsv((MAKEUP, "work", "makeup_saturday", NOTE_WORK)), apply=True), 422,
               "VALIDATION_FAILED")
    eq(codes(r), ["makeup_unpaired"], "a Saturday without its swap")
    holiday = tsv(("2026-04-30", "work", "makeup_saturday", "làm việc ngày 30/4"))
    r = status(post(t, holiday, apply=True), 422, "VALIDATION_FAILED")
    eq(codes(r), ["holiday_worked", "makeup_not_saturday", "makeup_unpaired"],
       "30/04 is a holiday (BLLĐ Art. 112), Thursday")
    ok(all(x["overridable"] for x in r.json["refusals"]), "the Labour Code checks are overridable")
    r = status(post(t, tsv((SWAP_OFF, "off", "swap_off", NOTE_OFF),
                           ("2027-01-09", "work", "makeup_saturday", NOTE_WORK)),
                    apply=True, override=True), 422, "VALIDATION_FAILED")
    ok("two_years" in codes(r), "two years, even with override: %r" % codes(r))
    r = status(post(t, tsv(("2026-02-30", "off", "tet", "x"), ("2026-03-02", "off", "holiday", "y"),
                           ("2026-03-03", "maybe", "local", "z")), apply=True), 422,
               "VALIDATION_FAILED")
    eq(codes(r), ["bad_row", "bad_row", "bad_row"], "every bad row reported")
    eq([x.get("line") for x in r.json["refusals"]], [2, 3, 4], "by line")
    r = status(post(t, json.dumps([{"day": "2026-13-01", "working": False, "reason": "local"},
                                   {"day": "2026-03-02", "working": False, "reason": "nope"}]),
                    fmt="json", apply=True), 422, "VALIDATION_FAILED")
    eq(codes(r), ["bad_row", "bad_row"], "JSON rows checked one by one")
    status(post(t, "x", fmt="xml"), 422, "VALIDATION_FAILED")
    eq(snap(t), before, "refusals change nothing")

    # -- override: the Labour Code checks lifted, still a dry run ------------------------
    r = status(post(t, holiday, override=True), 200)
    eq((r.json["applied"], r.json["override"]), (False, True), "dry run with override")
    eq(len(r.json["refusals"]), 3, "the overridden checks are still listed")

    # -- dry run: the exact diff and the open dossiers that move -------------------------
    ann = announcement(t)
    r = status(post(t, ann), 200).json
    eq(r["applied"], False, "dry run")
    eq(r["year"], 2026, "year")
    eq(r["refusals"], [], "nothing to refuse")
    eq(r["summary"], {"added": 3, "changed": 1, "unchanged": 1, "kept":
                      int(t.scalar("SELECT count(*) FROM calendar_day WHERE day BETWEEN"
                                   " '2026-01-01' AND '2026-12-31'")) - 2, "moved": 2}, "summary")
    got = [(d["day"], d["kind"], d["before"]["working"], d["before"]["reason"],
            d["before"]["source"], d["after"]["working"], d["after"]["reason"]) for d in r["diff"]]
    eq(got, [("2026-01-01", "added", False, "new_year", "rule", False, "new_year"),
             (SWAP_OFF, "added", True, "workday", "rule", False, "swap_off"),
             (MAKEUP, "added", False, "weekend", "rule", True, "makeup_saturday"),
             ("2026-02-16", "unchanged", False, "tet", "announced", False, "tet"),
             ("2026-02-17", "changed", False, "tet", "announced", False, "tet")], "diff")
    eq(r["diff"][4]["after"]["note"], TET_CHANGED, "new note")
    ok(r["diff"][4]["before"]["note"] != TET_CHANGED, "old note")
    eq((r["changed_from"], r["changed_to"]), (SWAP_OFF, MAKEUP), "days whose working time changes")
    moved = sorted((m["code"], m["appointment_before"], m["appointment_after"],
                    m["legal_due_before"], m["legal_due_after"]) for m in r["moved"])
    eq(moved, sorted([
        (open1["code"], "2026-01-02T16:00:00+07:00", "2026-01-05T16:00:00+07:00",
         "2026-01-02T16:00:00+07:00", "2026-01-05T16:00:00+07:00"),
        (open30["code"], "2026-02-23T09:00:00+07:00", "2026-02-13T09:00:00+07:00",
         "2026-02-23T09:00:00+07:00", "2026-02-13T09:00:00+07:00")]), "moved open dossiers")
    eq(snap(t), before, "a dry run changes nothing")

    # -- one transaction: a failure at its end leaves nothing ----------------------------
    t.psql("""CREATE FUNCTION fail_import() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'forced failure'; END $$;
              CREATE TRIGGER fail_import BEFORE INSERT ON audit_log FOR EACH ROW
                WHEN (NEW.action = 'calendar.import.apply') EXECUTE FUNCTION fail_import();""")
    r = post(t, ann, apply=True, key=new_key())
    ok(r.status >= 500, "the forced failure fails the request: %r" % r)
    t.psql("DROP TRIGGER fail_import ON audit_log; DROP FUNCTION fail_import();")
    eq(snap(t), before, "nothing applied")
    eq(dossier(t, open1["code"])["deadlines"]["appointment_at"], "2026-01-02T16:00:00+07:00",
       "not re-projected")

    # -- apply -----------------------------------------------------------------------------
    key = new_key()
    a = status(post(t, ann, apply=True, key=key), 200)
    eq(a.json["applied"], True, "applied")
    eq(sorted(m["code"] for m in a.json["moved"]), sorted([open1["code"], open30["code"]]), "moved")
    eq(t.sql("SELECT day::text, working::text, reason, source FROM calendar_day"
             " WHERE day IN ('2026-01-01', '%s', '%s') ORDER BY day" % (SWAP_OFF, MAKEUP)),
       [["2026-01-01", "false", "new_year", "import:admin5"],
        [SWAP_OFF, "false", "swap_off", "import:admin5"],
        [MAKEUP, "true", "makeup_saturday", "import:admin5"]], "rows written")
    eq(t.scalar("SELECT note FROM calendar_day WHERE day = '2026-02-17'"), TET_CHANGED, "changed")
    d1, d30 = dossier(t, open1["code"]), dossier(t, open30["code"])
    eq((d1["deadlines"]["appointment_at"], d1["deadlines"]["legal_due_at"]),
       ("2026-01-05T16:00:00+07:00", "2026-01-05T16:00:00+07:00"), "Mon 05/01 16:00")
    eq(d30["deadlines"]["appointment_at"], "2026-02-13T09:00:00+07:00", "Fri 13/02 09:00")
    ev = status(t.integ.get("/api/v1/dossiers/%s/events" % open30["code"]), 200).json["items"]
    eq((ev[-1]["type"], ev[-1]["payload"]["change"]), ("calendar_reprojected",
                                                       "calendar import 2026"), "journaled")
    eq(dossier(t, closed["code"])["deadlines"]["appointment_at"], "2026-01-02T16:00:00+07:00",
       "closed dossier untouched")
    eq(t.sql("SELECT login, target, detail->>'via', detail->>'added' FROM audit_log"
             " WHERE action = 'calendar.import.apply'"),
       [["admin5", "calendar 2026", "api", "3"]], "one audit row")
    wait_day(t, SWAP_OFF, False)
    wait_day(t, MAKEUP, True)

    # -- replay ----------------------------------------------------------------------------
    n_ev = t.scalar("SELECT count(*) FROM dossier_event")
    b = status(post(t, ann, apply=True, key=key), 200)
    eq(b.headers.get("idempotent-replayed"), "true", "replayed")
    eq(b.json, a.json, "same body")
    eq(t.scalar("SELECT count(*) FROM dossier_event"), n_ev, "no new event on replay")
    c = status(post(t, ann, apply=True, key=new_key()), 200).json
    eq((c["summary"]["added"], c["summary"]["changed"], c["summary"]["unchanged"], c["moved"]),
       (0, 0, 5, []), "applying again changes nothing")
    eq(t.scalar("SELECT count(*) FROM dossier_event"), n_ev, "no new event")


def test_cli_import(t):
    """`motcua calendar import`: the same checks; writes in one transaction; running servers
    reload by NOTIFY. A made-up swap of a year left to the rules (2021: Fri 15/10 off, Sat
    23/10 worked): received Thu 14/10/2021 16:00 + 1 working day -> Fri 15/10 16:00 before,
    Mon 18/10 16:00 after."""
    d = receive(t, "2.000031", received_at="2021-10-14T16:00:00+07:00")
    before = snap(t)
    tmp = tempfile.mkdtemp()
    bad = os.path.join(tmp, "bad.tsv")
    with open(bad, "w", encoding="utf-8") as f:
        f.write(tsv(("2021-10-15", "off", "swap_off", "nghỉ hoán đổi")))
    p = t.run_cli(["calendar", "import", bad], check=False)
    eq(p.returncode, 1, "refused: %s %s" % (p.stdout, p.stderr))
    ok("refused\t2021-10-15\tswap_unpaired" in p.stdout, "names the refusal: %s" % p.stdout)
    eq(snap(t), before, "refused: nothing written")
    good = os.path.join(tmp, "good.json")
    with open(good, "w", encoding="utf-8") as f:
        json.dump([{"day": "2021-10-15", "working": False, "reason": "swap_off", "note": "nghỉ"},
                   {"day": "2021-10-23", "working": True, "reason": "makeup_saturday",
                    "note": "làm bù"}], f)
    p = t.run_cli(["calendar", "import", good, "--dry-run"])
    ok("added\t2021-10-15\twork workday (rule)\toff swap_off" in p.stdout, p.stdout)
    ok("moved\t%s\t2021-10-15T16:00:00+07:00 -> 2021-10-18T16:00:00+07:00" % d["code"]
       in p.stdout, "Thu 14/10 16:00 + 1 day: Fri 15/10 swapped: %s" % p.stdout)
    eq(snap(t), before, "dry run: nothing written")
    p = t.run_cli(["calendar", "import", good, "--json"])
    eq(json.loads(p.stdout)["applied"], True, "applied")
    eq(t.scalar("SELECT source FROM calendar_day WHERE day = '2021-10-15'"), "import:cli", "row")
    eq(dossier(t, d["code"])["deadlines"]["appointment_at"], "2021-10-18T16:00:00+07:00",
       "re-projected in the same transaction")
    eq(t.scalar("SELECT detail->>'via' FROM audit_log WHERE action = 'calendar.import.apply'"
                " AND target = 'calendar 2021'"), "cli", "audited")
    r = status(t.clerk.get("/api/v1/calendar/days?year=2021"), 200).json
    end = time.time() + 10
    while not any(x["day"] == "2021-10-15" and not x["working"] for x in r["items"]):
        ok(time.time() < end, "the server reloaded after the CLI's NOTIFY")
        time.sleep(0.1)
        r = status(t.clerk.get("/api/v1/calendar/days?year=2021"), 200).json
