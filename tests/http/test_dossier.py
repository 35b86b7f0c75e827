"""The dossier lifecycle API (domain.md §3, §5, §6, §7, §9): reception, transitions as events,
idempotency, optimistic concurrency, illegal transitions that change nothing, reading, search.

Appointments are checked against the worked examples of domain.md §5.2 (2026 schedule, default
sessions, make-up Saturdays counted), typed from the specification, with receptions back-dated
by an integration client (the only role allowed to date a reception: `received_at`)."""
from harness import eq, new_key, ok, status

H56 = {
    "root": "000.00.00.H56",   # UBND tỉnh (scope of the integration client)
    "center": "000.00.12.H56",  # Trung tâm Phục vụ hành chính công (counter)
    "justice": "000.00.21.H56",  # Sở Tư pháp
    "land": "000.00.22.H56",     # Sở Nông nghiệp và Môi trường
    "tax": "000.00.23.H56",      # Thuế tỉnh
}
OTHER = "000.00.12.H57"


def setup(t):
    t.psql("""
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from) VALUES
      ('000.00.00.H56', 'UBND tỉnh Thử Nghiệm', 'province', 'committee', NULL, 'H56', '2000-01-01');
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)
      SELECT c, n, 'province', k, (SELECT id FROM unit WHERE code = '000.00.00.H56'), 'H56', '2000-01-01'
      FROM (VALUES ('000.00.12.H56', 'Trung tâm Phục vụ hành chính công tỉnh', 'center'),
                   ('000.00.21.H56', 'Sở Tư pháp', 'department'),
                   ('000.00.22.H56', 'Sở Nông nghiệp và Môi trường', 'department'),
                   ('000.00.23.H56', 'Thuế tỉnh', 'department')) v(c, n, k);
    INSERT INTO unit (code, name, level, kind, province, valid_from) VALUES
      ('000.00.12.H57', 'Trung tâm Phục vụ hành chính công tỉnh khác', 'province', 'center', 'H57', '2000-01-01');
    INSERT INTO field (code, name) VALUES ('G01', 'Chứng thực'), ('G02', 'Đất đai');
    INSERT INTO procedure (code, name, field_id, levels) VALUES
      ('2.000908', 'Cấp bản sao từ sổ gốc', (SELECT id FROM field WHERE code = 'G01'), '{province}'),
      ('2.000001', 'Chứng thực chữ ký', (SELECT id FROM field WHERE code = 'G01'), '{province}'),
      ('1.000001', 'Đăng ký biến động đất đai', (SELECT id FROM field WHERE code = 'G02'), '{province}'),
      ('2.000002', 'Xác nhận một ngày', (SELECT id FROM field WHERE code = 'G01'), '{province}'),
      ('2.000005', 'Năm ngày làm việc', (SELECT id FROM field WHERE code = 'G01'), '{province}'),
      ('2.000006', 'Hai ngày làm việc', (SELECT id FROM field WHERE code = 'G01'), '{province}');
    INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
      duration_unit, cutoff_minute, pause_reasons, legs, steps)
    SELECT p.id, 1, '2015-01-01', v.dv, v.du, v.cut, v.pr::text[], v.legs::jsonb, v.steps::jsonb
      FROM procedure p JOIN (VALUES
        ('2.000908', 3, 'wd', NULL::int, '{supplement,payment}', '[{"unit_code":"000.00.21.H56","minutes":1440}]',
         '[{"name":"Thẩm định","role":"official","minutes":480}]'),
        ('2.000001', 0, 'sameday', 900, '{supplement}', '[]', '[]'),
        ('1.000001', 5, 'wd', NULL, '{supplement}',
         '[{"unit_code":"000.00.21.H56","minutes":480},{"unit_code":"000.00.22.H56","minutes":960},{"unit_code":"000.00.23.H56","minutes":480}]',
         '[]'),
        ('2.000002', 1, 'wd', NULL, '{supplement}', '[]', '[]'),
        ('2.000005', 5, 'wd', NULL, '{supplement}', '[]', '[]'),
        ('2.000006', 2, 'wd', NULL, '{supplement}', '[]', '[]')
      ) v(code, dv, du, cut, pr, legs, steps) ON v.code = p.code;
    """)
    # Issue 5 rows: cases with their own (and online) durations, components, list filters.
    t.psql("""
    INSERT INTO field (code, name) VALUES ('G09', 'Lọc danh sách'), ('G10', 'Phân trang');
    INSERT INTO procedure (code, name, field_id, levels) VALUES
      ('2.000010', 'Thủ tục có trường hợp', (SELECT id FROM field WHERE code = 'G01'), '{province}'),
      ('2.000011', 'Thủ tục có thành phần hồ sơ', (SELECT id FROM field WHERE code = 'G01'), '{province}'),
      ('2.000012', 'Thủ tục đổi phiên bản', (SELECT id FROM field WHERE code = 'G01'), '{province}'),
      ('2.000020', 'Thủ tục lọc', (SELECT id FROM field WHERE code = 'G09'), '{province}'),
      ('2.000021', 'Thủ tục phân trang', (SELECT id FROM field WHERE code = 'G10'), '{province}');
    INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
      duration_unit, pause_reasons, cases, documents)
    SELECT p.id, 1, '2015-01-01', v.dv, 'wd', '{supplement}', v.cases::jsonb, v.docs::jsonb
      FROM procedure p JOIN (VALUES
        ('2.000010', 3, '[{"code":"TH1","name":"Cấp mới","duration_value":2,"duration_unit":"wd"},'
                        '{"code":"TH2","name":"Cấp lại","duration_value":5,"duration_unit":"wd",'
                        '"online_duration_value":1,"online_duration_unit":"wd"}]', '[]'),
        ('2.000011', 3, '[]', '[{"name":"Đơn đề nghị","kind":"original","count":1},'
                              '{"name":"Bản sao CCCD","kind":"copy","count":1}]'),
        ('2.000012', 2, '[]', '[]'),
        ('2.000020', 1, '[]', '[]'),
        ('2.000021', 1, '[]', '[]')
      ) v(code, dv, cases, docs) ON v.code = p.code;
    """)
    t.admin = t.account("admin5", "admin", H56["root"])
    t.clerk = t.account("clerk1", "clerk", H56["center"])
    t.official = t.account("official1", "official", H56["justice"])
    t.leader = t.account("leader1", "leader", H56["justice"])
    t.leader_root = t.account("leader0", "leader", H56["root"])
    t.far_clerk = t.account("clerk9", "clerk", OTHER)
    t.integ = t.api_key("egov", H56["root"])


APPLICANT = {"name": "Nguyễn Văn An", "id_number": "001090000001", "address": "Số 1 Tràng Tiền",
             "phone": "0900000001", "email": "an@example.vn"}


def receive(t, procedure="2.000908", received_at=None, client=None, key=None, **extra):
    body = {"applicant": dict(APPLICANT), "procedure": procedure, "channel": 1,
            "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}],
            "sets": 1, "return_method": "counter", "complete": True}
    if received_at:
        body["received_at"] = received_at
        body["receiving_unit"] = H56["center"]
    body.update(extra)
    c = client or (t.integ if received_at else t.clerk)
    r = c.post("/api/v1/dossiers", body, headers={"Idempotency-Key": key or new_key()})
    status(r, 201)
    return r.json


def event(t, client, code, version, type_, expect=200, err=None, **fields):
    body = {"type": type_, "expected_version": version}
    body.update(fields)
    r = client.post("/api/v1/dossiers/%s/events" % code, body,
                    headers={"Idempotency-Key": new_key()})
    status(r, expect, err)
    return r.json


# Every row of every dossier-related table (issue 5: "changes nothing"), as md5 of the
# table's full contents in a fixed order. Idempotency claims still 'running' are left out:
# a refused request's claim is released (deleted) asynchronously after the reply.
SNAPSHOT_TABLES = [
    ("dossier", "true"),
    ("dossier_event", "true"),
    ("dossier_pause", "true"),
    ("dossier_step", "true"),
    ("dossier_code_seq", "true"),
    ("reception_guidance", "true"),
    ("idempotency_key", "status <> 'running'"),
]


def snapshot(t, code=None):
    """Everything a failed request must leave unchanged: md5 of every table's rows (code is
    accepted for the older call sites; the snapshot covers every dossier)."""
    q = " UNION ALL ".join(
        "SELECT '%s', count(*)::text || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY"
        " x::text), '')) FROM %s x WHERE %s" % (tbl, tbl, cond) for tbl, cond in SNAPSHOT_TABLES)
    # The outbox is drained by the webhook relay at any moment, so its row count is no
    # snapshot; its rows come only from dossier_event inserts (already covered above), and
    # none may exist without its event. An alert's row (alert_id set: the scheduler fires
    # alerts on the dossiers at any moment too) has no event by design and is not counted.
    q += (" UNION ALL SELECT 'webhook_outbox_orphans', count(*)::text FROM webhook_outbox o"
          " WHERE o.alert_id IS NULL"
          " AND NOT EXISTS (SELECT 1 FROM dossier_event e WHERE e.id = o.event_id)")
    return dict((r[0], r[1]) for r in t.sql(q))


# domain.md §5.2, one row per worked example: (procedure, received, appointment).
WORKED = [
    ("2.000908", "2026-02-13T10:00:00+07:00", "2026-02-25T10:00:00+07:00"),  # Tết skipped
    ("2.000002", "2026-08-21T09:00:00+07:00", "2026-08-22T09:00:00+07:00"),  # làm bù Saturday
    ("2.000006", "2026-04-24T15:30:00+07:00", "2026-04-29T15:30:00+07:00"),  # Giỗ Tổ compensatory
    ("2.000005", "2025-01-24T16:30:00+07:00", "2025-02-07T16:30:00+07:00"),  # Tết Ất Tỵ
    ("2.000002", "2026-03-06T17:30:00+07:00", "2026-03-09T17:00:00+07:00"),  # start rolls to Mon
]


def test_worked_examples_appointments(t):
    for proc, received, appointment in WORKED:
        d = receive(t, proc, received_at=received)
        eq(d["appointment_at"], appointment, "appointment of %s received %s" % (proc, received))
        eq(d["legal_due_at"], appointment, "legal due = appointment at reception")
        eq(d["receipt"]["appointment_at"], appointment, "receipt shows the appointment")
        eq(d["regime"], "nd61" if received < "2025-07-01" else "nd118", "regime by reception date")


def test_reception_code_receipt_and_secret(t):
    a = receive(t)
    b = receive(t)
    ok(a["code"].startswith(H56["center"] + "-"), "code starts with the unit identifier: %s" % a["code"])
    parts_a, parts_b = a["code"].rsplit("-", 2), b["code"].rsplit("-", 2)
    eq(len(parts_a[1]), 6, "YYMMDD")
    eq(int(parts_b[2]), int(parts_a[2]) + 1, "gap-free per-unit per-day sequence")
    eq(len(parts_a[2]), 4, "4-digit sequence")
    eq(a["state"], 2, "received")
    rc = a["receipt"]
    eq(rc["code"], a["code"], "receipt code")
    eq(rc["applicant"]["name"], "Nguyễn Văn An", "receipt applicant")
    eq(rc["qr"]["code"], a["code"], "QR carries the code")
    # The QR's address is the citizen's lookup page of the web client (harness
    # MOTCUA_PUBLIC_URL), without the secret: the page asks for it.
    eq(rc["qr"]["lookup_url"], "https://motcua.example.vn/tra-cuu?ma=" + a["code"],
       "QR lookup address")
    ok(len(a.get("lookup_secret", "")) == 10, "lookup secret shown once")
    lk = t.anon().get("/api/v1/lookup?code=%s&secret=%s" % (a["code"], a["lookup_secret"]))
    status(lk, 200)
    h = t.scalar("SELECT lookup_secret_hash FROM dossier WHERE code = '%s'" % a["code"])
    ok(len(h) == 64 and a["lookup_secret"] not in h, "only a hash is stored")
    ev = t.clerk.get("/api/v1/dossiers/%s/events" % a["code"])
    status(ev, 200)
    eq([e["type"] for e in ev.json["items"]], ["receive"], "timeline")
    eq(ev.json["items"][0]["actor"]["login"], "clerk1", "actor recorded")


def test_simple_path(t):
    d = receive(t)
    code = d["code"]
    e = event(t, t.clerk, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    eq(e["state"], 4, "in progress")
    ok(e["event"]["payload"]["planned_end_at"] is not None, "step planned from the version's steps")
    e = event(t, t.leader, code, 2, "assign", official="official1")
    e = event(t, t.leader, code, 3, "resolve", outcome="granted")
    eq(e["state"], 9, "resolved")
    e = event(t, t.clerk, code, 4, "return_result", method="counter")
    eq(e["state"], 10, "returned")
    g = t.clerk.get("/api/v1/dossiers/%s" % code)
    status(g, 200)
    eq(g.json["state"], 10, "state")
    eq(g.json["version"], 5, "version = number of events")
    eq(g.json["classification"]["legal"] in ("early", "on_time"), True, "ended in time")
    eq(g.json["steps"][0]["official"], "official1", "assigned official on the step")
    ev = t.clerk.get("/api/v1/dossiers/%s/events" % code).json["items"]
    eq([x["seq"] for x in ev], [1, 2, 3, 4, 5], "gap-free seq")


def test_two_supplements_single_supplement_policy(t):
    d = receive(t, "2.000908", received_at="2026-03-02T08:00:00+07:00")
    code = d["code"]
    eq(d["appointment_at"], "2026-03-05T08:00:00+07:00", "3 working days")
    i = t.integ
    event(t, i, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-02T09:00:00+07:00")
    e = event(t, i, code, 2, "request_supplement", reason="Thiếu bản sao", missing=["Bản sao CCCD"],
              occurred_at="2026-03-02T10:00:00+07:00")
    eq(e["event"]["payload"]["counted"], True, "first request pauses")
    e = event(t, i, code, 3, "receive_supplement", occurred_at="2026-03-04T10:00:00+07:00")
    # Paused Mon 10:00 -> Wed 10:00 = 960 working minutes: due Thu 08:00 + 960 = Mon 09/03 08:00.
    eq(e["legal_due_at"], "2026-03-09T08:00:00+07:00", "legal due moved by the pause")
    eq(e["appointment_at"], "2026-03-05T08:00:00+07:00", "appointment never overwritten")
    e = event(t, i, code, 4, "request_supplement", reason="Thiếu nữa",
              occurred_at="2026-03-04T11:00:00+07:00")
    eq(e["event"]["payload"]["counted"], False, "second request does not pause")
    eq(e["event"]["payload"]["repeat"], True, "flagged as repeat")
    e = event(t, i, code, 5, "receive_supplement", occurred_at="2026-03-05T11:00:00+07:00")
    eq(e["legal_due_at"], "2026-03-09T08:00:00+07:00", "legal due unchanged by the repeat")
    # §6.1/§10: every resume records NgayHenTraTruoc/NgayHenTraMoi; the repeat did not pause,
    # so the new date repeats the unchanged one (the applicant is told it did not move).
    eq(e["event"]["payload"]["due_before"], "2026-03-09T08:00:00+07:00", "repeat: due_before")
    eq(e["event"]["payload"]["due_after"], "2026-03-09T08:00:00+07:00", "repeat: due_after")
    e = event(t, i, code, 6, "resolve", outcome="granted", occurred_at="2026-03-06T10:00:00+07:00")
    g = t.clerk.get("/api/v1/dossiers/%s" % code).json
    eq(g["classification"]["legal"], "early", "ended before the due date")
    eq(len(g["pauses"]), 2, "two ledger rows")
    eq(g["pauses"][0]["paused_minutes"], 960, "working minutes paused")
    eq(g["pauses"][1]["repeat"], True, "repeat row")
    eq(g["pauses"][0]["due_before"], "2026-03-05T08:00:00+07:00", "first pause: NgayHenTraTruoc")
    eq(g["pauses"][0]["due_after"], "2026-03-09T08:00:00+07:00", "first pause: NgayHenTraMoi")
    eq(g["pauses"][1]["due_before"], "2026-03-09T08:00:00+07:00", "repeat: NgayHenTraTruoc")
    eq(g["pauses"][1]["due_after"], "2026-03-09T08:00:00+07:00", "repeat: NgayHenTraMoi unchanged")
    eq(g["supplement_requests"], 2, "requests counted")


def test_lien_thong_three_units(t):
    d = receive(t, "1.000001", received_at="2026-03-02T08:00:00+07:00")
    code, i = d["code"], t.integ
    eq(d["appointment_at"], "2026-03-09T08:00:00+07:00", "5 working days")
    event(t, i, code, 1, "hand_over", to_unit=H56["justice"], step="Sở Tư pháp", leg=True,
          occurred_at="2026-03-02T08:00:00+07:00")
    event(t, i, code, 2, "hand_over", to_unit=H56["land"], step="Sở NN&MT", leg=True,
          occurred_at="2026-03-03T08:00:00+07:00")
    event(t, i, code, 3, "hand_over", to_unit=H56["tax"], step="Thuế", leg=True,
          occurred_at="2026-03-05T10:00:00+07:00")
    g = t.integ.get("/api/v1/dossiers/%s" % code).json
    steps = g["steps"]
    eq([s["unit"] for s in steps], [H56["justice"], H56["land"], H56["tax"]], "legs")
    eq([s["planned_end_at"] for s in steps],
       ["2026-03-03T08:00:00+07:00", "2026-03-05T08:00:00+07:00", "2026-03-06T10:00:00+07:00"],
       "leg plans chained from each hand-over (8 h, 16 h, 8 h)")
    eq(steps[0]["ended_at"], "2026-03-03T08:00:00+07:00", "leg 1 closed by the hand-over")
    eq(steps[2]["ended_at"], None, "last leg open")
    eq(g["current_unit"]["code"], H56["tax"], "current unit")
    eq(g["deadlines"]["appointment_at"], "2026-03-09T08:00:00+07:00", "plans never move the appointment")


def test_apology_notice_on_due_date_is_late(t):
    """issue #15: ND 61/2018 Art. 19(5): "chậm nhất 01 ngày trước ngày hết hạn". A notice dated
    the due date itself is late notice even before the due hour; the day before, at any hour
    (Mon 23:00 for Tue 08:00: 0 working minutes), is on time."""
    i = t.integ
    d = receive(t, "2.000002", received_at="2026-03-02T08:00:00+07:00")
    eq(d["appointment_at"], "2026-03-03T08:00:00+07:00", "1 working day")
    event(t, i, d["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-02T08:30:00+07:00")
    e = event(t, i, d["code"], 2, "apologize", reason="Cần xác minh",
              new_appointment="2026-03-06T17:00:00+07:00", occurred_at="2026-03-03T07:30:00+07:00")
    eq(e["event"]["payload"]["late_notice"], True, "dated on the due date")
    eq(e["event"]["payload"]["short_notice"], True, "and short of one working day")
    g = t.clerk.get("/api/v1/dossiers/%s" % d["code"]).json
    eq(g["deadlines"]["apology_late_notice"], True, "shown on the dossier")
    d2 = receive(t, "2.000002", received_at="2026-03-02T08:00:00+07:00")
    event(t, i, d2["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-02T08:30:00+07:00")
    e = event(t, i, d2["code"], 2, "apologize", reason="Cần xác minh",
              new_appointment="2026-03-06T17:00:00+07:00", occurred_at="2026-03-02T23:00:00+07:00")
    eq(e["event"]["payload"]["late_notice"], False, "dated the day before, at any hour")
    eq(e["event"]["payload"]["short_notice"], True, "0 working minutes: the warning only")


def test_late_with_apology(t):
    d = receive(t, "2.000002", received_at="2026-03-02T08:00:00+07:00")
    code, i = d["code"], t.integ
    eq(d["appointment_at"], "2026-03-03T08:00:00+07:00", "1 working day")
    event(t, i, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-02T08:30:00+07:00")
    e = event(t, i, code, 2, "apologize", reason="Cần xác minh", new_appointment="2026-03-06T17:00:00+07:00",
              occurred_at="2026-03-02T09:00:00+07:00")
    eq(e["new_appointment_at"], "2026-03-06T17:00:00+07:00", "one new appointment")
    eq(e["legal_due_at"], "2026-03-03T08:00:00+07:00", "apology does not move legal due")
    # issue #15: ND 61/2018 Art. 19(5) (ND 118/2025 the same): "chậm nhất 01 ngày trước ngày
    # hết hạn": Mon 02/03 09:00 is the day before the due date Tue 03/03, so on time by law;
    # 420 working minutes is short of the one-working-day margin, flagged as a warning only.
    eq(e["event"]["payload"]["late_notice"], False, "dated the day before the due date")
    eq(e["event"]["payload"]["short_notice"], True, "less than one working day of notice")
    before = snapshot(t, code)
    event(t, i, code, 3, "apologize", expect=409, err="APOLOGY_ALREADY_ISSUED", reason="Lần nữa",
          new_appointment="2026-03-10T17:00:00+07:00", occurred_at="2026-03-03T09:00:00+07:00")
    eq(snapshot(t, code), before, "second apology changed nothing")
    event(t, i, code, 3, "resolve", outcome="granted", occurred_at="2026-03-05T10:00:00+07:00")
    g = t.clerk.get("/api/v1/dossiers/%s" % code).json
    eq(g["classification"]["legal"], "late", "late in every statistic")
    r = t.clerk.get("/api/v1/dossiers?class=late&procedure=2.000002")
    status(r, 200)
    ok(code in [x["code"] for x in r.json["items"]], "class filter in SQL finds it")


def test_refused_at_reception_and_after_examination(t):
    r = t.clerk.post("/api/v1/dossiers", {"applicant": APPLICANT, "procedure": "2.000908",
                                          "out_of_scope": True, "reason": "Không thuộc thẩm quyền"},
                     headers={"Idempotency-Key": new_key()})
    status(r, 201)
    eq(r.json["state"], 3, "not received")
    eq(r.json["appointment_at"], None, "no appointment")
    eq(r.json["refusal"]["form"], "Mẫu 03", "refusal form")
    g = t.clerk.get("/api/v1/dossiers/%s" % r.json["code"]).json
    eq(g["classification"]["legal"], "not_counted", "never counted")
    d = receive(t)
    event(t, t.clerk, d["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    event(t, t.leader, d["code"], 2, "resolve", expect=422, err="VALIDATION_FAILED", outcome="refused")
    e = event(t, t.leader, d["code"], 2, "resolve", outcome="refused", reason="Không đủ điều kiện")
    eq(e["state"], 9, "refusal after examination is a normal end")


def test_guidance_creates_no_dossier(t):
    n0 = t.scalar("SELECT count(*) FROM dossier")
    key = new_key()
    body = {"applicant": {"name": "Trần Thị Bình"}, "procedure": "2.000908", "complete": False,
            "missing": ["Bản sao giấy khai sinh"]}
    r = t.clerk.post("/api/v1/dossiers", body,
                     headers={"Idempotency-Key": key})
    status(r, 201)
    eq(r.json["kind"], "guidance", "guidance")
    eq(t.scalar("SELECT count(*) FROM dossier"), n0, "no dossier")
    eq(t.scalar("SELECT count(*) FROM reception_guidance WHERE applicant_fold = 'tran thi binh'"),
       "1", "guidance recorded with the folded name")
    gid = r.json["id"]
    eq(str(gid), t.scalar("SELECT id FROM reception_guidance WHERE applicant_fold = 'tran thi binh'"),
       "id of the guidance row")
    # A replay answers the complete first response, id included (it is drawn in the unit).
    r2 = t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": key})
    status(r2, 201)
    eq(r2.headers.get("idempotent-replayed"), "true", "replayed")
    eq(r2.json, r.json, "replay identical to the first response")
    eq(t.scalar("SELECT count(*) FROM reception_guidance WHERE applicant_fold = 'tran thi binh'"),
       "1", "nothing recorded twice")


def test_withdrawn_then_stopped(t):
    d = receive(t)
    code = d["code"]
    event(t, t.clerk, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    e = event(t, t.clerk, code, 2, "request_withdrawal", reason="Công dân xin rút")
    eq(e["state"], 7, "withdrawal requested")
    ok(e["ended_at"] is not None, "ends at the request")
    e = event(t, t.leader, code, 3, "stop", reason="Theo đề nghị")
    eq(e["state"], 8, "stopped")
    d2 = receive(t)
    event(t, t.clerk, d2["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    event(t, t.leader, d2["code"], 2, "resolve", outcome="granted")
    before = snapshot(t, d2["code"])
    event(t, t.clerk, d2["code"], 3, "request_withdrawal", expect=409, err="WITHDRAWAL_AFTER_DECISION")
    eq(snapshot(t, d2["code"]), before, "refused withdrawal changed nothing")


def test_returned_by_post(t):
    d = receive(t, return_method="post")
    code = d["code"]
    event(t, t.clerk, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    event(t, t.leader, code, 2, "resolve", outcome="granted")
    event(t, t.clerk, code, 3, "return_result", expect=422, err="VALIDATION_FAILED", method="post")
    e = event(t, t.clerk, code, 3, "return_result", method="post", postal_receipt="EMS123456789VN")
    eq(e["state"], 10, "returned")
    eq(t.scalar("SELECT returned_at IS NOT NULL AND end_state = 9 FROM dossier WHERE code = '%s'" % code),
       "t", "returned_at stored, the end stays the resolution")


def test_idempotent_retry(t):
    key = new_key()
    body = {"applicant": APPLICANT, "procedure": "2.000908", "complete": True}
    r1 = t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": key})
    status(r1, 201)
    n = t.scalar("SELECT count(*) FROM dossier")
    r2 = t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": key})
    status(r2, 201)
    eq(r2.headers.get("idempotent-replayed"), "true", "replayed")
    eq(r2.json["code"], r1.json["code"], "same dossier")
    eq(t.scalar("SELECT count(*) FROM dossier"), n, "nothing recorded twice")
    ok("lookup_secret" not in r2.json, "secret never stored for replay")
    r3 = t.clerk.post("/api/v1/dossiers", dict(body, sets=2), headers={"Idempotency-Key": key})
    status(r3, 422, "IDEMPOTENCY_KEY_REUSED")
    # One limit (server/http/idem_key.h, openapi IdempotencyKey): 1-255 of A-Za-z0-9._:-
    long_key = "egov:" + "a" * 250
    r4 = t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": long_key})
    status(r4, 201)
    r5 = t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": long_key})
    eq(r5.headers.get("idempotent-replayed"), "true", "255-character key replayed")
    eq(r5.json["code"], r4.json["code"], "same dossier for the long key")
    for bad in (long_key + "a", "a b", "khóa"):
        status(t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": bad}), 400,
               "BAD_REQUEST")
    code = r1.json["code"]
    k2 = new_key()
    ev = {"type": "hand_over", "expected_version": 1, "to_unit": H56["justice"], "step": "Thẩm định"}
    a = t.clerk.post("/api/v1/dossiers/%s/events" % code, ev, headers={"Idempotency-Key": k2})
    status(a, 200)
    b = t.clerk.post("/api/v1/dossiers/%s/events" % code, ev, headers={"Idempotency-Key": k2})
    status(b, 200)
    eq(b.json["event"]["seq"], a.json["event"]["seq"], "same event")
    eq(t.scalar("SELECT version FROM dossier WHERE code = '%s'" % code), "2", "one event only")


def test_idempotent_claim_of_a_dead_session(t):
    """A claim left 'running' is taken over at once when the PostgreSQL session that made it
    is gone (sql/013_idem_claim.sql, server/api/dossier/idem.c); a live one still answers 409."""
    body = {"applicant": APPLICANT, "procedure": "2.000908", "complete": True}

    def left_running(claim):
        # A real request writes the record (and its true fingerprint); it is then put back
        # to 'running' as a unit cut off mid-flight would leave it, with the given session.
        key = new_key()
        status(t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": key}), 201)
        t.psql("UPDATE idempotency_key SET status = 'running', http_status = NULL, "
               "response = NULL, created_at = now(), %s WHERE key = '%s'" % (claim, key))
        return key

    # This psql session ends when psql exits: its pid then runs no session of that start.
    dead = left_running("(claim_pid, claim_backend_start) = (SELECT pid, backend_start "
                        "- interval '10 seconds' FROM pg_stat_activity "
                        "WHERE pid = pg_backend_pid())")
    # One of the server's own pool connections: alive for the whole test.
    alive = left_running("(claim_pid, claim_backend_start) = (SELECT pid, backend_start "
                         "FROM pg_stat_activity WHERE datname = current_database() "
                         "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                         "ORDER BY backend_start LIMIT 1)")
    ok(t.scalar("SELECT claim_pid IS NOT NULL FROM idempotency_key WHERE key = '%s'" % alive)
       == "t", "a live session of the server was found")
    legacy = left_running("claim_pid = NULL, claim_backend_start = NULL")
    before_restart = left_running("(claim_pid, claim_backend_start) = "
                                  "(pg_backend_pid(), pg_postmaster_start_time() "
                                  "- interval '1 second')")
    n = int(t.scalar("SELECT count(*) FROM dossier"))
    r = t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": dead})
    status(r, 201)
    ok(r.headers.get("idempotent-replayed") is None, "the dead session's claim was taken over")
    r = t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": before_restart})
    status(r, 201)
    status(t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": alive}), 409,
           "IDEMPOTENCY_IN_FLIGHT")
    status(t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": legacy}), 409,
           "IDEMPOTENCY_IN_FLIGHT")
    # The time rule stays as the fallback for both.
    t.psql("UPDATE idempotency_key SET created_at = now() - interval '2 minutes' "
           "WHERE key IN ('%s', '%s')" % (alive, legacy))
    for key in (alive, legacy):
        status(t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": key}), 201)
    eq(int(t.scalar("SELECT count(*) FROM dossier")), n + 4, "each taken-over claim ran once")
    eq(t.scalar("SELECT count(*) FROM idempotency_key WHERE key IN ('%s', '%s', '%s', '%s') "
                "AND status = 'done'" % (dead, alive, legacy, before_restart)), "4", "all done")


def test_stale_version_conflict(t):
    d = receive(t)
    code = d["code"]
    event(t, t.clerk, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    before = snapshot(t, code)
    r = event(t, t.clerk, code, 1, "hand_over", expect=409, err="VERSION_CONFLICT",
              to_unit=H56["land"], step="Khác")
    ok("2" in r["error"].get("detail", ""), "detail names the current version")
    eq(snapshot(t, code), before, "nothing changed")


ILLEGAL = [
    # (client attribute, type, fields, status, code)
    ("leader", "resolve", {"outcome": "granted"}, 409, "DOSSIER_BAD_STATE"),  # 2 -> 9 not same-day
    ("clerk", "receive_supplement", {}, 409, "DOSSIER_BAD_STATE"),
    ("clerk", "return_result", {"method": "counter"}, 409, "DOSSIER_BAD_STATE"),
    ("official", "assign", {"official": "official1"}, 403, "ROLE_NOT_ALLOWED"),
    ("leader", "apologize", {"reason": "x", "new_appointment": "2030-01-01T10:00:00+07:00"}, 409,
     "DOSSIER_BAD_STATE"),  # apology from 2: only 4, 5, 6
    ("clerk", "apologize", {"reason": "x", "new_appointment": "2030-01-01T10:00:00+07:00"}, 403,
     "ROLE_NOT_ALLOWED"),
    ("official", "stop", {"reason": "x", "legal_basis": "y"}, 403, "ROLE_NOT_ALLOWED"),
    ("clerk", "stop", {"reason": "x"}, 422, "VALIDATION_FAILED"),  # 2 -> 8 needs a legal basis
]


def test_illegal_transitions_change_nothing(t):
    d = receive(t)
    code = d["code"]
    before = snapshot(t, code)
    for who, type_, fields, st, err in ILLEGAL:
        r = getattr(t, who).post("/api/v1/dossiers/%s/events" % code,
                                 dict({"type": type_, "expected_version": 1}, **fields),
                                 headers={"Idempotency-Key": new_key()})
        status(r, st, err)
        eq(snapshot(t, code), before, "%s by %s changed nothing" % (type_, who))
    r = t.clerk.post("/api/v1/dossiers/%s/events" % code, {"type": "fly", "expected_version": 1})
    status(r, 422, "VALIDATION_FAILED")


def test_sameday_resolves_from_received(t):
    d = receive(t, "2.000001", received_at="2026-03-02T09:00:00+07:00")
    eq(d["appointment_at"], "2026-03-02T17:00:00+07:00", "before the 15:00 cut-off: same day")
    e = event(t, t.integ, d["code"], 1, "resolve", outcome="granted",
              occurred_at="2026-03-02T10:00:00+07:00")
    eq(e["state"], 9, "2 -> 9 for a same-day procedure")
    # The cut-off is "tiếp nhận hồ sơ sau 15 giờ" (the procedures' own texts, e.g. chứng
    # thực; ND 61 Art. 18): received at 15:00 it is still today's, from 15:01 the next
    # working day's (docs/domain.md: domain.md says "at or after"; motcua follows the law).
    d = receive(t, "2.000001", received_at="2026-03-02T15:00:00+07:00")
    eq(d["appointment_at"], "2026-03-02T17:00:00+07:00", "at the cut-off: the same day")
    d = receive(t, "2.000001", received_at="2026-03-02T15:01:00+07:00")
    eq(d["appointment_at"], "2026-03-03T17:00:00+07:00", "after the cut-off: next working day")
    # issue #15: the cut-off reads the reception instant itself. Received on Saturday 16:00
    # (not a working day), the dossier is handled on Monday, its first working day, like one
    # received on Saturday morning; received Friday 17:30 (after the close, so after 15 giờ)
    # it goes to the next working day, also Monday.
    d = receive(t, "2.000001", received_at="2026-03-07T16:00:00+07:00")
    eq(d["appointment_at"], "2026-03-09T17:00:00+07:00", "Saturday 16:00: Monday")
    d = receive(t, "2.000001", received_at="2026-03-06T17:30:00+07:00")
    eq(d["appointment_at"], "2026-03-09T17:00:00+07:00", "Friday after the close: Monday")


def test_time_rules(t):
    r = t.clerk.post("/api/v1/dossiers", {"applicant": APPLICANT, "procedure": "2.000908",
                                          "received_at": "2026-03-02T08:00:00+07:00"})
    status(r, 403, "FORBIDDEN")
    d = receive(t, received_at="2026-03-02T08:00:00+07:00")
    event(t, t.integ, d["code"], 1, "hand_over", expect=422, err="TIME_BACKWARDS",
          to_unit=H56["justice"], step="x", occurred_at="2026-03-01T08:00:00+07:00")
    event(t, t.integ, d["code"], 1, "hand_over", expect=422, err="TIME_IN_FUTURE",
          to_unit=H56["justice"], step="x", occurred_at="2099-03-01T08:00:00+07:00")


def test_scope_and_not_found(t):
    d = receive(t)
    status(t.far_clerk.get("/api/v1/dossiers/%s" % d["code"]), 404, "DOSSIER_NOT_FOUND")
    status(t.far_clerk.get("/api/v1/dossiers/%s/events" % d["code"]), 404, "DOSSIER_NOT_FOUND")
    event(t, t.far_clerk, d["code"], 1, "hand_over", expect=404, err="DOSSIER_NOT_FOUND",
          to_unit=OTHER, step="x")
    status(t.clerk.get("/api/v1/dossiers/NOPE-000000-0001"), 404, "DOSSIER_NOT_FOUND")
    r = t.far_clerk.get("/api/v1/dossiers")
    status(r, 200)
    eq(r.json["items"], [], "nothing of H56 listed for an H57 clerk")


def test_search_folded_and_keyset_pages(t):
    receive(t, applicant={"name": "Lê Thị Hồng Nhung"})
    for q in ("nhung", "Nhung", "Hồng", "hong nhung", "LÊ THỊ"):
        r = t.clerk.get("/api/v1/dossiers?q=" + __import__("urllib.parse").parse.quote(q))
        status(r, 200)
        ok(any(x["applicant_name"] == "Lê Thị Hồng Nhung" for x in r.json["items"]), "q=%s finds" % q)
    seen, cursor, pages = [], None, 0
    while True:
        r = t.clerk.get("/api/v1/dossiers?limit=3" + ("&cursor=" + cursor if cursor else ""))
        status(r, 200)
        seen += [x["code"] for x in r.json["items"]]
        cursor = r.json["next_cursor"]
        pages += 1
        if not cursor or pages > 100:
            break
    eq(len(seen), len(set(seen)), "no duplicates across pages")
    eq(len(seen), int(t.scalar("SELECT count(*) FROM dossier d WHERE unit_in_scope("
                              "(SELECT id FROM unit WHERE code = '%s'), d.receiving_unit_id)"
                              " OR unit_in_scope((SELECT id FROM unit WHERE code = '%s'),"
                              " d.resolving_unit_id) OR unit_in_scope((SELECT id FROM unit"
                              " WHERE code = '%s'), d.current_unit_id)"
                              % ((H56["center"],) * 3))), "every dossier in scope once")
    status(t.clerk.get("/api/v1/dossiers?cursor=Zm9v"), 400, "BAD_QUERY")
    status(t.clerk.get("/api/v1/dossiers?class=soon"), 400, "BAD_QUERY")
    # The list shows units as GET one dossier does: {code, name}.
    item = t.clerk.get("/api/v1/dossiers?limit=1").json["items"][0]
    one = status(t.clerk.get("/api/v1/dossiers/%s" % item["code"]), 200).json
    for k in ("receiving_unit", "resolving_unit", "current_unit"):
        eq(item[k], one[k], "%s shaped as in GET one" % k)
    eq(item["receiving_unit"], {"code": H56["center"],
                                "name": "Trung tâm Phục vụ hành chính công tỉnh"}, "unit object")
    # ?unit= alone and with its sub-units (the root leader sees the whole province).
    def codes(q):
        return {x["code"] for x in status(t.leader_root.get("/api/v1/dossiers?limit=500&" + q),
                                          200).json["items"]}
    just = codes("unit=" + H56["justice"])
    eq(just, set(r[0] for r in t.sql("SELECT code FROM dossier WHERE %s IN (receiving_unit_id,"
                                     " resolving_unit_id, current_unit_id)" %
                                     "(SELECT id FROM unit WHERE code = '%s')" % H56["justice"])),
       "unit filter: receiving, resolving or current")
    sub = codes("unit=%s&include_sub_units=true" % H56["root"])
    eq(sub, set(r[0] for r in t.sql("SELECT code FROM dossier WHERE receiving_unit_id IN (SELECT id"
                                    " FROM unit WHERE province = 'H56') OR resolving_unit_id IN"
                                    " (SELECT id FROM unit WHERE province = 'H56')")),
       "unit filter with sub-units: the subtree")
    eq(codes("unit=" + OTHER), set(), "a unit outside the scope lists nothing")


def test_deadline_explain_tet(t):
    d = receive(t, "2.000908", received_at="2026-02-13T10:00:00+07:00")
    r = t.clerk.get("/api/v1/dossiers/%s/deadline/explain" % d["code"])
    status(r, 200)
    ok(all("day" in x and "date" not in x for x in r.json["days"]),
       "each day named `day`, as in the calendar API")
    off = [x["day"] for x in r.json["days"] if not x["working"]]
    # domain.md §4.3: Tết Bính Ngọ off 14-22/02/2026 (weekdays 16-20 off, in a 9-day break).
    eq(off, ["2026-02-%02d" % d for d in range(14, 23)], "days skipped")
    tet = {x["day"] for x in r.json["days"] if x["reason"] == "tet"}
    ok({"2026-02-%02d" % d for d in range(16, 21)} <= tet, "weekdays 16-20 skipped for Tết: %r" % tet)
    # Same keys as the calendar API: 2026-02-16 is a Monday (Thứ Hai).
    mon = [x for x in r.json["days"] if x["day"] == "2026-02-16"][0]
    eq((mon["weekday"], mon["weekday_name"], mon["reason"]), (1, "Thứ Hai", "tet"), "weekday keys")
    ok(mon["reason_vi"] and "label" not in mon, "reason_vi replaces label")
    cal = status(t.clerk.get("/api/v1/calendar/days?year=2026"), 200)
    cd = [x for x in cal.json["items"] if x["day"] == "2026-02-16"]
    eq(len(cd), 1, "Tết Monday listed by the calendar API")
    eq(cd[0]["reason_vi"], mon["reason_vi"], "same reason_vi as the calendar API")
    eq(cd[0]["weekday"], mon["weekday_name"], "same weekday name as the calendar API")
    eq(r.json["appointment_at"], "2026-02-25T10:00:00+07:00", "appointment")


def test_event_log_is_append_only(t):
    receive(t)
    p = t.psql("UPDATE dossier_event SET type = 'x'", check=False)
    eq(t.scalar("SELECT count(*) FROM dossier_event WHERE type = 'x'"), "0", "update refused")
    t.psql("DELETE FROM dossier_event", check=False)
    ok(int(t.scalar("SELECT count(*) FROM dossier_event")) > 0, "delete refused")
    del p


def test_cases_have_their_own_durations(t):
    """Issue 5 gap 1: the case's duration (its online one for channel 2), stored as used."""
    at = "2026-03-02T08:00:00+07:00"  # Monday
    base = receive(t, "2.000010", received_at=at)
    a = receive(t, "2.000010", received_at=at, case="TH1")
    b = receive(t, "2.000010", received_at=at, case="TH2")
    c = receive(t, "2.000010", received_at=at, case="TH2", channel=2)
    # Hand-worked (2026 schedule, no day off in 02-09/03): Mon 08:00 + N working days.
    eq(base["appointment_at"], "2026-03-05T08:00:00+07:00", "no case: the version's 3 days")
    eq(a["appointment_at"], "2026-03-04T08:00:00+07:00", "TH1: 2 working days")
    eq(b["appointment_at"], "2026-03-09T08:00:00+07:00", "TH2: 5 working days")
    eq(c["appointment_at"], "2026-03-03T08:00:00+07:00", "TH2 online: 1 working day")
    eq((a["receipt"]["duration"], a["receipt"]["case"]["code"]), ({"value": 2, "unit": "wd"}, "TH1"),
       "receipt shows the case and its duration")
    for d, want in ((base, ["3", "wd", ""]), (a, ["2", "wd", "TH1"]), (b, ["5", "wd", "TH2"]),
                    (c, ["1", "wd", "TH2"])):
        eq(t.sql("SELECT duration_value, duration_unit, coalesce(case_code, '') FROM dossier"
                 " WHERE code = '%s'" % d["code"])[0], want, "duration stored as used")
    before = snapshot(t)
    for client, extra in ((t.integ, {"received_at": at, "receiving_unit": H56["center"]}),
                          (t.clerk, {})):
        r = client.post("/api/v1/dossiers", dict({"applicant": APPLICANT, "procedure": "2.000010",
                                                  "case": "TH9", "complete": True}, **extra),
                        headers={"Idempotency-Key": new_key()})
        status(r, 422, "UNKNOWN_REFERENCE")
        eq(r.json["error"]["field"], "case", "the unknown case is named")
    eq(snapshot(t), before, "an unknown case changed nothing")
    # Online intake with a case, then the clerk's acceptance (1 -> 2) uses its online duration.
    s = t.integ.post("/api/v1/dossiers", {"applicant": APPLICANT, "procedure": "2.000010",
                                          "case": "TH2", "submit": True, "received_at": at,
                                          "receiving_unit": H56["center"]},
                     headers={"Idempotency-Key": new_key()})
    status(s, 201)
    e = event(t, t.integ, s.json["code"], 1, "receive", occurred_at="2026-03-03T08:00:00+07:00")
    eq(e["appointment_at"], "2026-03-04T08:00:00+07:00", "1 -> 2: TH2 online, 1 working day")
    eq(e["event"]["payload"]["duration"], {"value": 1, "unit": "wd"}, "duration used recorded")


def test_components_of_the_version(t):
    docs = [{"name": "Đơn đề nghị", "kind": "original", "count": 1},
            {"name": "Bản sao CCCD", "kind": "copy", "count": 1}]
    d = receive(t, "2.000011", documents=docs)
    eq(d["state"], 2, "components of the version accepted")
    before = snapshot(t)
    r = t.clerk.post("/api/v1/dossiers", {"applicant": APPLICANT, "procedure": "2.000011",
                                          "complete": True,
                                          "documents": docs + [{"name": "Giấy lạ", "count": 1}]},
                     headers={"Idempotency-Key": new_key()})
    status(r, 422, "VALIDATION_FAILED")
    eq(r.json["error"]["field"], "documents[2]", "the foreign document is named")
    eq(snapshot(t), before, "nothing recorded")


def test_version_conflict_carries_current_state(t):
    d = receive(t)
    event(t, t.clerk, d["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    before = snapshot(t)
    r = event(t, t.clerk, d["code"], 1, "hand_over", expect=409, err="VERSION_CONFLICT",
              to_unit=H56["land"], step="Khác")
    eq(r["error"]["current"], {"state": 4, "state_name": "Đang xử lý", "version": 2},
       "current state in structured form")
    eq(snapshot(t), before, "nothing changed")


def test_payment_path_to_return(t):
    d = receive(t, "2.000908", received_at="2026-03-02T08:00:00+07:00")
    code, i = d["code"], t.integ
    eq(d["appointment_at"], "2026-03-05T08:00:00+07:00", "3 working days")
    event(t, i, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-02T09:00:00+07:00")
    e = event(t, i, code, 2, "request_payment", reason="Nộp lệ phí",
              occurred_at="2026-03-02T10:00:00+07:00")
    eq((e["state"], e["event"]["payload"]["counted"]), (6, True), "4 -> 6, the version counts it")
    e = event(t, i, code, 3, "payment_done", occurred_at="2026-03-03T10:00:00+07:00")
    eq(e["state"], 4, "6 -> 4")
    # Paused Mon 10:00 -> Tue 10:00 = 480 working minutes: Thu 05/03 08:00 -> Fri 06/03 08:00.
    eq(e["legal_due_at"], "2026-03-06T08:00:00+07:00", "legal due moved by the payment pause")
    event(t, i, code, 4, "resolve", outcome="granted", occurred_at="2026-03-04T10:00:00+07:00")
    e = event(t, i, code, 5, "return_result", method="counter",
              occurred_at="2026-03-04T11:00:00+07:00")
    eq(e["state"], 10, "returned")
    g = i.get("/api/v1/dossiers/%s" % code).json
    eq((g["pauses"][0]["reason"], g["pauses"][0]["paused_minutes"]), ("payment", 480), "ledger")
    eq(g["classification"]["legal"], "early", "ended before the due date")


def test_online_submission_then_clerk_receive(t):
    s = t.integ.post("/api/v1/dossiers", {"applicant": APPLICANT, "procedure": "2.000908",
                                          "submit": True, "received_at": "2026-03-01T20:00:00+07:00",
                                          "receiving_unit": H56["center"]},
                     headers={"Idempotency-Key": new_key()})
    status(s, 201)
    code = s.json["code"]
    eq((s.json["state"], s.json["appointment_at"]), (1, None), "∅ -> 1, no clock")
    ok("lookup_secret" not in s.json, "no secret before reception")
    e = event(t, t.integ, code, 1, "receive", occurred_at="2026-03-02T08:00:00+07:00")
    eq((e["state"], e["appointment_at"]), (2, "2026-03-05T08:00:00+07:00"),
       "1 -> 2: the clock starts at acceptance (3 working days)")
    ok(len(e.get("lookup_secret", "")) == 10, "secret issued at reception")
    i = t.integ
    event(t, i, code, 2, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-02T09:00:00+07:00")
    event(t, i, code, 3, "resolve", outcome="granted", occurred_at="2026-03-03T09:00:00+07:00")
    e = event(t, i, code, 4, "return_result", method="online", occurred_at="2026-03-03T10:00:00+07:00")
    eq(e["state"], 10, "returned online")
    ev = i.get("/api/v1/dossiers/%s/events" % code).json["items"]
    eq([(x["type"], x["from_state"], x["to_state"]) for x in ev],
       [("submit", None, 1), ("receive", 1, 2), ("hand_over", 2, 4), ("resolve", 4, 9),
        ("return_result", 9, 10)], "timeline ∅ -> 1 -> 2 -> 4 -> 9 -> 10")


def test_lien_thong_resolve_and_return(t):
    d = receive(t, "1.000001", received_at="2026-03-02T08:00:00+07:00")
    code, i = d["code"], t.integ
    for n, (unit, at) in enumerate(((H56["justice"], "2026-03-02T08:00:00+07:00"),
                                    (H56["land"], "2026-03-03T08:00:00+07:00"),
                                    (H56["tax"], "2026-03-05T10:00:00+07:00")), start=1):
        event(t, i, code, n, "hand_over", to_unit=unit, step="Liên thông %d" % n, leg=True,
              occurred_at=at)
    event(t, i, code, 4, "resolve", outcome="granted", occurred_at="2026-03-06T09:00:00+07:00")
    e = event(t, i, code, 5, "return_result", method="counter",
              occurred_at="2026-03-06T10:00:00+07:00")
    eq(e["state"], 10, "returned")
    g = i.get("/api/v1/dossiers/%s" % code).json
    eq([s["ended_at"] for s in g["steps"]][-1], "2026-03-06T09:00:00+07:00", "last leg closed at resolve")
    eq(g["deadlines"]["appointment_at"], "2026-03-09T08:00:00+07:00", "5 working days")
    eq(g["classification"]["legal"], "early", "06/03 before 09/03")


def test_two_supplements_through_return(t):
    d = receive(t, "2.000908", received_at="2026-03-09T08:00:00+07:00")
    code, i = d["code"], t.integ
    eq(d["appointment_at"], "2026-03-12T08:00:00+07:00", "3 working days")
    event(t, i, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-09T09:00:00+07:00")
    event(t, i, code, 2, "request_supplement", reason="Thiếu", occurred_at="2026-03-09T10:00:00+07:00")
    e = event(t, i, code, 3, "receive_supplement", occurred_at="2026-03-10T10:00:00+07:00")
    eq(e["legal_due_at"], "2026-03-13T08:00:00+07:00", "480 minutes paused: due Fri 08:00")
    event(t, i, code, 4, "request_supplement", reason="Thiếu nữa", occurred_at="2026-03-10T11:00:00+07:00")
    e = event(t, i, code, 5, "receive_supplement", occurred_at="2026-03-11T11:00:00+07:00")
    eq(e["legal_due_at"], "2026-03-13T08:00:00+07:00", "the repeat does not pause")
    event(t, i, code, 6, "resolve", outcome="refused", reason="Không đủ điều kiện",
          occurred_at="2026-03-13T09:00:00+07:00")
    e = event(t, i, code, 7, "return_result", method="counter", occurred_at="2026-03-13T10:00:00+07:00")
    eq(e["state"], 10, "returned")
    g = i.get("/api/v1/dossiers/%s" % code).json
    eq((g["classification"]["legal"], g["outcome"]), ("late", "refused"), "resolved after 13/03 08:00")


def test_late_with_apology_through_return(t):
    d = receive(t, "2.000002", received_at="2026-03-09T08:00:00+07:00")
    code, i = d["code"], t.integ
    eq(d["appointment_at"], "2026-03-10T08:00:00+07:00", "1 working day")
    event(t, i, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-09T08:30:00+07:00")
    e = event(t, i, code, 2, "apologize", reason="Cần xác minh",
              new_appointment="2026-03-13T17:00:00+07:00", occurred_at="2026-03-09T09:00:00+07:00")
    eq(e["new_appointment_at"], "2026-03-13T17:00:00+07:00", "new appointment")
    event(t, i, code, 3, "resolve", outcome="granted", occurred_at="2026-03-12T10:00:00+07:00")
    e = event(t, i, code, 4, "return_result", method="counter", occurred_at="2026-03-12T11:00:00+07:00")
    eq(e["state"], 10, "returned")
    g = i.get("/api/v1/dossiers/%s" % code).json
    eq((g["deadlines"]["legal_due_at"], g["classification"]["legal"]),
       ("2026-03-10T08:00:00+07:00", "late"), "late against the legal due, apology or not")
    eq(g["deadlines"]["new_appointment_at"], "2026-03-13T17:00:00+07:00", "new appointment kept")


def test_postal_channel_returned_by_post(t):
    d = receive(t, "2.000002", received_at="2026-03-09T08:00:00+07:00", channel=3,
                return_method="post")
    code, i = d["code"], t.integ
    eq(d["receipt"]["return_method"], "post", "receipt says the result goes by post")
    event(t, i, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-09T09:00:00+07:00")
    event(t, i, code, 2, "resolve", outcome="granted", occurred_at="2026-03-09T15:00:00+07:00")
    e = event(t, i, code, 3, "return_result", method="post", postal_receipt="EMS000000001VN",
              occurred_at="2026-03-10T09:00:00+07:00")
    eq(e["state"], 10, "returned by post")
    ev = i.get("/api/v1/dossiers/%s/events" % code).json["items"]
    eq(ev[-1]["payload"]["postal_receipt"], "EMS000000001VN", "postal receipt recorded")
    eq(t.scalar("SELECT channel FROM dossier WHERE code = '%s'" % code), "3", "channel 3")


def test_dossier_keeps_its_procedure_version(t):
    d = receive(t, "2.000012", received_at="2026-03-02T08:00:00+07:00")
    eq(d["appointment_at"], "2026-03-04T08:00:00+07:00", "version 1: 2 working days")
    v = {"effective_from": "2026-04-01", "duration_value": 5, "duration_unit": "wd"}
    status(t.admin.post("/api/v1/procedures/2.000012/versions", v), 201)
    g = t.integ.get("/api/v1/dossiers/%s" % d["code"]).json
    eq((g["procedure"]["version"] if isinstance(g.get("procedure"), dict) else g.get("procedure_version"),
        g["deadlines"]["appointment_at"]), (1, "2026-03-04T08:00:00+07:00"),
       "the dossier keeps version 1 and its appointment")
    event(t, t.integ, d["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-02T09:00:00+07:00")
    eq(t.scalar("SELECT pv.version FROM dossier d JOIN procedure_version pv ON"
                " pv.id = d.procedure_version_id WHERE d.code = '%s'" % d["code"]), "1",
       "a transition keeps the version")
    n = receive(t, "2.000012", received_at="2026-04-06T08:00:00+07:00")
    eq(n["appointment_at"], "2026-04-13T08:00:00+07:00", "version 2 from 01/04: 5 working days")


def test_list_filters_exact(t):
    i = t.integ

    def rec(at, channel):
        return receive(t, "2.000020", received_at=at, channel=channel)["code"]
    a = rec("2026-05-04T08:00:00+07:00", 1)  # due Tue 05/05 08:00
    b = rec("2026-05-06T08:00:00+07:00", 2)  # due Thu 07/05 08:00
    c = rec("2026-05-08T08:00:00+07:00", 3)  # due Mon 11/05 08:00
    event(t, i, a, 1, "resolve", expect=409, err="DOSSIER_BAD_STATE", outcome="granted",
          occurred_at="2026-05-04T10:00:00+07:00")
    event(t, i, a, 1, "hand_over", to_unit=H56["justice"], step="x", occurred_at="2026-05-04T09:00:00+07:00")
    event(t, i, a, 2, "resolve", outcome="granted", occurred_at="2026-05-04T10:00:00+07:00")
    event(t, i, c, 1, "hand_over", to_unit=H56["justice"], step="x", occurred_at="2026-05-08T09:00:00+07:00")

    def q(s):
        return sorted(x["code"] for x in status(t.leader_root.get("/api/v1/dossiers?limit=500&" + s),
                                                200).json["items"])
    eq(q("field=G09"), sorted([a, b, c]), "field")
    eq(q("field=G09&channel=2"), [b], "channel")
    eq(q("field=G09&channel=3"), [c], "channel 3")
    eq(q("field=G09&state=4"), [c], "state 4")
    eq(q("field=G09&state=9"), [a], "state 9")
    eq(q("field=G09&received_from=2026-05-05&received_to=2026-05-07"), [b], "received range")
    eq(q("field=G09&due_from=2026-05-11"), [c], "due from")
    eq(q("field=G09&due_to=2026-05-05"), [a], "due to")
    eq(q("field=G09&ended_from=2026-05-04&ended_to=2026-05-04"), [a], "ended range")
    eq(q("field=G09&ended_from=2026-05-05"), [], "nothing ended later")
    eq(q("procedure=2.000020&channel=1"), [a], "procedure and channel")


def test_keyset_stable_when_a_submission_is_received(t):
    i = t.integ
    sub = status(i.post("/api/v1/dossiers", {"applicant": APPLICANT, "procedure": "2.000021",
                                             "submit": True,
                                             "received_at": "2026-05-02T08:00:00+07:00",
                                             "receiving_unit": H56["center"]},
                        headers={"Idempotency-Key": new_key()}), 201).json["code"]
    x = receive(t, "2.000021", received_at="2026-05-05T08:00:00+07:00")["code"]
    y = receive(t, "2.000021", received_at="2026-05-07T08:00:00+07:00")["code"]
    url = "/api/v1/dossiers?field=G10&limit=1"
    full = [it["code"] for it in status(i.get("/api/v1/dossiers?field=G10&limit=50"), 200).json["items"]]
    eq(full, [y, x, sub], "newest intake first")
    seen, cursor, moved = [], None, False
    while True:
        r = status(i.get(url + ("&cursor=" + cursor if cursor else "")), 200).json
        seen += [it["code"] for it in r["items"]]
        if not moved:
            # The submission is received after the first page: its key must not move.
            event(t, i, sub, 1, "receive", occurred_at="2026-05-12T08:00:00+07:00")
            moved = True
        cursor = r["next_cursor"]
        if not cursor or len(seen) > 10:
            break
    eq(seen, full, "every dossier once, in the first order, across a 1 -> 2 receive")


def test_reissue_lookup_secret(t):
    key = new_key()
    body = {"applicant": APPLICANT, "procedure": "2.000908", "complete": True}
    first = status(t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": key}), 201).json
    replay = status(t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": key}), 201).json
    eq((replay.get("lookup_secret"), replay.get("lookup_secret_withheld")), (None, True),
       "a replay withholds the secret")
    code, old = first["code"], first["lookup_secret"]
    url = "/api/v1/dossiers/%s/lookup-secret" % code
    before = snapshot(t)
    status(t.official.post(url, {"expected_version": 1}), 403, "FORBIDDEN")
    r = status(t.clerk.post(url, {"expected_version": 7}, headers={"Idempotency-Key": new_key()}),
               409, "VERSION_CONFLICT")
    eq(r.json["error"]["current"]["version"], 1, "current version")
    status(t.clerk.post(url, {}), 422, "VALIDATION_FAILED")
    status(t.far_clerk.post(url, {"expected_version": 1}), 404, "DOSSIER_NOT_FOUND")
    eq(snapshot(t), before, "refused reissues changed nothing")
    r = status(t.clerk.post(url, {"expected_version": 1, "reason": "Mất giấy biên nhận"},
                            headers={"Idempotency-Key": new_key()}), 200).json
    new = r["lookup_secret"]
    ok(len(new) == 10 and new != old, "a new secret")
    eq((r["version"], r["state"]), (2, 2), "version bumped, state unchanged")
    status(t.anon().get("/api/v1/lookup?code=%s&secret=%s" % (code, old)), 404, "LOOKUP_FAILED")
    status(t.anon().get("/api/v1/lookup?code=%s&secret=%s" % (code, new)), 200)
    ev = t.clerk.get("/api/v1/dossiers/%s/events" % code).json["items"]
    eq([(e["type"], e["from_state"], e["to_state"]) for e in ev],
       [("receive", None, 2), ("reissue_lookup_secret", 2, 2)], "in the timeline")
    ok(new not in str(ev) and old not in str(ev), "no secret in the timeline")
    eq(ev[1]["payload"], {"reason": "Mất giấy biên nhận"}, "reason recorded")
    sub = status(t.integ.post("/api/v1/dossiers", {"applicant": APPLICANT, "procedure": "2.000908",
                                                   "submit": True}, headers={"Idempotency-Key": new_key()}),
                 201).json["code"]
    status(t.integ.post("/api/v1/dossiers/%s/lookup-secret" % sub, {"expected_version": 1}), 409,
           "DOSSIER_BAD_STATE")


# Malformed and unknown-reference requests, each refused with its code and no change at all.
def _reception_errors(t):
    base = {"applicant": APPLICANT, "procedure": "2.000908", "complete": True}
    return [
        (t.clerk, dict(base, procedure="9.999999"), 422, "UNKNOWN_REFERENCE"),
        (t.clerk, dict(base, resolving_unit="000.00.99.H56"), 422, "UNKNOWN_REFERENCE"),
        (t.clerk, dict(base, resolving_unit=H56["dissolved"]), 422, "UNIT_NOT_VALID"),
        (t.clerk, dict(base, applicant={"id_number": "1"}), 422, "VALIDATION_FAILED"),
        (t.clerk, dict(base, channel=4), 422, "VALIDATION_FAILED"),
        (t.clerk, dict(base, sets=0), 422, "VALIDATION_FAILED"),
        (t.clerk, dict(base, return_method="fax"), 422, "VALIDATION_FAILED"),
        (t.clerk, dict(base, documents=[{"name": "x", "kind": "scan"}]), 422, "VALIDATION_FAILED"),
        (t.clerk, dict(base, documents="x"), 422, "VALIDATION_FAILED"),
        (t.clerk, dict(base, out_of_scope=True), 422, "VALIDATION_FAILED"),  # no reason
        (t.clerk, dict(base, complete=False), 422, "VALIDATION_FAILED"),     # no missing list
        (t.clerk, dict(base, case="TH1"), 422, "UNKNOWN_REFERENCE"),          # 2.000908 has no case
        (t.integ, dict(base, receiving_unit=H56["dissolved"], received_at="2026-03-02T08:00:00+07:00"),
         422, "UNIT_NOT_VALID"),
        (t.integ, dict(base, receiving_unit=H56["center"], received_at="2099-01-01T08:00:00+07:00"),
         422, "TIME_IN_FUTURE"),
    ]


def test_errors_change_nothing_table(t):
    t.psql("INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, valid_to)"
           " VALUES ('000.00.29.H56', 'Sở đã giải thể', 'province', 'department',"
           " (SELECT id FROM unit WHERE code = '000.00.00.H56'), 'H56', '2000-01-01', '2020-12-31')"
           " ON CONFLICT DO NOTHING")
    H56["dissolved"] = "000.00.29.H56"
    d = receive(t)
    code = d["code"]
    event(t, t.clerk, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    done = receive(t)
    event(t, t.clerk, done["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    event(t, t.leader, done["code"], 2, "resolve", outcome="granted")
    ev = [
        (t.clerk, code, {"type": "hand_over", "expected_version": 2, "to_unit": "000.00.98.H56",
                         "step": "x"}, 422, "UNKNOWN_REFERENCE"),
        (t.clerk, code, {"type": "hand_over", "expected_version": 2, "to_unit": H56["dissolved"],
                         "step": "x"}, 422, "UNIT_NOT_VALID"),
        (t.leader, code, {"type": "assign", "expected_version": 2, "official": "nobody"}, 422,
         "UNKNOWN_REFERENCE"),
        (t.clerk, code, {"type": "hand_over", "expected_version": 2}, 422, "VALIDATION_FAILED"),
        (t.clerk, code, {"type": "hand_over", "expected_version": "2", "step": "x"}, 422,
         "VALIDATION_FAILED"),
        (t.clerk, code, {"type": "hand_over", "expected_version": 1, "step": "x"}, 409,
         "VERSION_CONFLICT"),
        (t.clerk, code, {"type": "receive_supplement", "expected_version": 2}, 409,
         "DOSSIER_BAD_STATE"),
        (t.clerk, code, {"type": "return_result", "expected_version": 2, "method": "counter"}, 409,
         "DOSSIER_BAD_STATE"),
        (t.leader, code, {"type": "resolve", "expected_version": 2, "outcome": "maybe"}, 422,
         "VALIDATION_FAILED"),
        (t.leader, code, {"type": "resolve", "expected_version": 2, "outcome": "refused"}, 422,
         "VALIDATION_FAILED"),
        (t.clerk, done["code"], {"type": "return_result", "expected_version": 3}, 422,
         "VALIDATION_FAILED"),
        (t.clerk, done["code"], {"type": "return_result", "expected_version": 3, "method": "post"},
         422, "VALIDATION_FAILED"),
        (t.leader, done["code"], {"type": "resolve", "expected_version": 3, "outcome": "granted"},
         409, "DOSSIER_BAD_STATE"),
        (t.clerk, "NOPE-000000-0001", {"type": "hand_over", "expected_version": 1, "step": "x"},
         404, "DOSSIER_NOT_FOUND"),
    ]
    before = snapshot(t)
    for client, body, st, err in _reception_errors(t):
        r = client.post("/api/v1/dossiers", body, headers={"Idempotency-Key": new_key()})
        status(r, st, err)
        eq(snapshot(t), before, "reception %r -> %s changed nothing" % (sorted(body), err))
    for client, c, body, st, err in ev:
        r = client.post("/api/v1/dossiers/%s/events" % c, body, headers={"Idempotency-Key": new_key()})
        status(r, st, err)
        eq(snapshot(t), before, "%s on %s -> %s changed nothing" % (body.get("type"), c, err))


def test_calendar_change_reprojects_open_dossiers_only(t):
    # Last in the file: the calendar change would move the dates the tests above check.
    admin = t.account("admin1", "admin", H56["root"])
    open_d = receive(t, "2.000005", received_at="2026-03-02T08:00:00+07:00")
    eq(open_d["appointment_at"], "2026-03-09T08:00:00+07:00", "5 working days")
    event(t, t.integ, open_d["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-02T09:00:00+07:00")
    done = receive(t, "2.000005", received_at="2026-03-02T08:00:00+07:00")
    event(t, t.integ, done["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định",
          occurred_at="2026-03-02T09:00:00+07:00")
    event(t, t.integ, done["code"], 2, "resolve", outcome="granted",
          occurred_at="2026-03-03T09:00:00+07:00")
    r = admin.post("/api/v1/calendar/days", {"day": "2026-03-04", "working": False,
                                             "reason": "local", "note": "Nghỉ địa phương (thử nghiệm)"})
    status(r, 201)
    ok(isinstance(r.json.get("reprojected"), int) and r.json["reprojected"] >= 1,
       "re-projected count: %r" % r.json)
    g = t.integ.get("/api/v1/dossiers/%s" % open_d["code"]).json
    eq(g["deadlines"]["appointment_at"], "2026-03-10T08:00:00+07:00", "moved by the day off")
    eq(g["deadlines"]["legal_due_at"], "2026-03-10T08:00:00+07:00", "legal due moved too")
    ev = t.integ.get("/api/v1/dossiers/%s/events" % open_d["code"]).json["items"]
    eq(ev[-1]["type"], "calendar_reprojected", "event recorded")
    eq(ev[-1]["payload"]["change"], "calendar_day 2026-03-04", "names the change")
    eq(ev[-1]["seq"], 3, "seq continues")
    g2 = t.integ.get("/api/v1/dossiers/%s" % done["code"]).json
    eq(g2["deadlines"]["appointment_at"], "2026-03-09T08:00:00+07:00", "finished dossier untouched")
    eq(g2["version"], 3, "no event on a finished dossier")


def test_successor_commune_reads_and_acts_on_a_dissolved_communes_dossier(t):
    """domain.md §1, 2025 reorganisation: the open dossier of a commune dissolved on
    30/06/2025 stays with the commune it merged into (sql/085_scope_successors.sql). The
    successor's clerk reads it, finds it in its list and under ?unit=<successor>, and acts on
    it; a sibling commune's clerk still gets 404 and changes nothing."""
    t.psql("""
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, valid_to)
    SELECT v.c, v.n, 'commune', 'committee', (SELECT id FROM unit WHERE code = '000.00.00.H56'),
           'H56', v.f::date, v.t::date
      FROM (VALUES ('001.00.40.H56', 'Ủy ban nhân dân xã Cũ (giải thể)', '2000-01-01', '2025-06-30'),
                   ('201.00.00.H56', 'Ủy ban nhân dân xã Hợp Nhất', '2025-07-01', NULL),
                   ('202.00.00.H56', 'Ủy ban nhân dân xã Bên Cạnh', '2025-07-01', NULL)) v(c, n, f, t);
    INSERT INTO unit_successor (unit_id, successor_id, since)
    SELECT a.id, b.id, '2025-07-01' FROM unit a, unit b
     WHERE a.code = '001.00.40.H56' AND b.code = '201.00.00.H56';
    """)
    old, new, sib = "001.00.40.H56", "201.00.00.H56", "202.00.00.H56"
    heir = t.account("clerk-merged", "clerk", new)
    other = t.account("clerk-sibling", "clerk", sib)
    d = receive(t, "2.000005", received_at="2025-06-20T08:00:00+07:00", receiving_unit=old)
    code = d["code"]
    eq(t.scalar("SELECT r.code || ' ' || s.code || ' ' || c.code FROM dossier x"
                " JOIN unit r ON r.id = x.receiving_unit_id JOIN unit s ON s.id = x.resolving_unit_id"
                " JOIN unit c ON c.id = x.current_unit_id WHERE x.code = '%s'" % code),
       "%s %s %s" % (old, old, old), "received, resolved and held by the dissolved commune")

    # The sibling commune: nothing, and nothing changes.
    before = snapshot(t)
    status(other.get("/api/v1/dossiers/%s" % code), 404, "DOSSIER_NOT_FOUND")
    status(other.get("/api/v1/dossiers/%s/events" % code), 404, "DOSSIER_NOT_FOUND")
    event(t, other, code, 1, "hand_over", expect=404, err="DOSSIER_NOT_FOUND", to_unit=sib,
          step="Thẩm định")
    eq(snapshot(t), before, "the sibling's refused hand-over changed nothing")
    eq([i["code"] for i in other.get("/api/v1/dossiers").json["items"]], [],
       "nothing listed for the sibling")
    r = other.get("/api/v1/dossiers?unit=%s" % new)
    status(r, 200)
    eq(r.json["items"], [], "nor through ?unit=<the other commune>")

    # The successor: reads, lists (own scope, ?unit=<successor> with and without sub-units).
    r = heir.get("/api/v1/dossiers/%s" % code)
    status(r, 200)
    eq(r.json["resolving_unit"]["code"], old, "still the dissolved commune's dossier")
    status(heir.get("/api/v1/dossiers/%s/events" % code), 200)
    eq([i["code"] for i in heir.get("/api/v1/dossiers").json["items"]], [code],
       "listed in the successor's scope")
    for q in ("unit=%s" % new, "unit=%s&include_sub_units=true" % new,
              "unit=%s&include_sub_units=false" % new):
        r = t.admin.get("/api/v1/dossiers?%s" % q)
        status(r, 200)
        eq([i["code"] for i in r.json["items"]], [code], "?%s lists the predecessor's" % q)
    r = t.admin.get("/api/v1/dossiers?unit=%s" % sib)
    eq(r.json["items"], [], "?unit=<sibling> does not")

    # ... and acts on it: hands it over to itself.
    g = event(t, heir, code, 1, "hand_over", to_unit=new, step="Thẩm định")
    eq(g["version"], 2, "transition recorded")
    eq(t.scalar("SELECT c.code FROM dossier x JOIN unit c ON c.id = x.current_unit_id"
                " WHERE x.code = '%s'" % code), new, "now held by the successor")
    eq(t.scalar("SELECT actor_login FROM dossier_event e JOIN dossier x ON x.id = e.dossier_id"
                " WHERE x.code = '%s' AND e.seq = 2" % code), "clerk-merged", "actor recorded")


def test_preview_gives_the_appointment_and_writes_nothing(t):
    """dry_run (the counter shows the appointment before the clerk confirms): every check of
    a reception, the appointment it would get, nothing written."""
    body = {"applicant": dict(APPLICANT), "procedure": "2.000908", "channel": 1,
            "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}],
            "sets": 1, "return_method": "counter", "complete": True,
            "received_at": "2026-02-13T10:00:00+07:00", "receiving_unit": H56["center"],
            "dry_run": True}
    before = snapshot(t)
    r = t.integ.post("/api/v1/dossiers", body)
    status(r, 200)
    eq(r.json["kind"], "preview", "a preview")
    eq(r.json["appointment_at"], "2026-02-25T10:00:00+07:00", "Tết skipped, as the reception")
    eq(r.json["legal_due_at"], "2026-02-25T10:00:00+07:00", "legal due")
    eq(r.json["duration"], {"value": 3, "unit": "wd"}, "the version's duration")
    ok("code" not in r.json and "lookup_secret" not in r.json, "no code, no secret")
    eq(snapshot(t), before, "a preview writes nothing")
    # the clerk's preview at now; and the reception made next gets the same appointment
    # (same minute: compare to the minute)
    body = {k: v for k, v in body.items() if k not in ("received_at", "receiving_unit")}
    p = t.clerk.post("/api/v1/dossiers", body)
    status(p, 200)
    d = receive(t)
    ok(p.json["appointment_at"] is not None, "an appointment")
    eq(p.json["appointment_at"][:16], d["appointment_at"][:16], "preview = reception")
    # refused previews: with an Idempotency-Key, of a guidance, of an unknown procedure
    before = snapshot(t)
    status(t.clerk.post("/api/v1/dossiers", body, headers={"Idempotency-Key": new_key()}), 422,
           "VALIDATION_FAILED")
    status(t.clerk.post("/api/v1/dossiers", dict(body, complete=False, missing=[])), 422,
           "VALIDATION_FAILED")
    status(t.clerk.post("/api/v1/dossiers", dict(body, procedure="9.999999")), 422)
    eq(snapshot(t), before, "refused previews write nothing")


def test_actions_are_what_the_role_may_record_now(t):
    d = receive(t)
    acts = lambda c: sorted(a["type"] for a in c.get("/api/v1/dossiers/" + d["code"]).json["actions"])
    eq(acts(t.clerk), ["hand_over", "request_withdrawal", "stop"], "clerk on a received dossier")
    eq(acts(t.official), ["hand_over"], "official on a received dossier")
    eq(acts(t.leader), ["stop"], "leader on a received dossier")
    v = event(t, t.clerk, d["code"], 1, "hand_over", step="Thẩm định",
              to_unit=H56["justice"])["version"]
    eq(acts(t.official), ["hand_over", "request_payment", "request_supplement"],
       "official while it is processed")
    eq(acts(t.leader), ["apologize", "assign", "resolve", "stop"], "leader while it is processed")
    one = t.clerk.get("/api/v1/dossiers/" + d["code"]).json["actions"][0]
    ok(one["name"] and one["type"], "each action has its Vietnamese name: %r" % one)
    event(t, t.leader, d["code"], v, "resolve", outcome="granted")
    eq(acts(t.clerk), ["return_result"], "clerk on a resolved dossier")
    eq(acts(t.official), [], "nothing for the official once it is resolved")
