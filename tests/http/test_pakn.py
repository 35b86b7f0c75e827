"""Phản ánh, kiến nghị (issue 16; shared/domain.md §12.2; api/voice/pakn.c, domain/pakn.c,
sql/111_pakn.sql) through the real API and database, on servers whose clock is pinned so
that the deadlines cross Tết Bính Ngọ 2026 (14-22/02 off): intake at the counter or hotline
and from the citizen's lookup page, the fields ND 20/2008 Art. 7 requires, khiếu nại routed
out, the steps in order with optimistic concurrency, a transfer restarting the clock at the
new receiver, the leader answering and publishing, the register with its filters, and in time
/ overdue as QĐ 766 5.2 reads them. Every deadline is worked out by hand beside it."""
import h56
from harness import eq, new_key, ok, status

H56 = {"root": "000.00.00.H56", "center": "000.00.12.H56", "justice": "000.00.21.H56"}
SENDER = {"name": "Hoàng Văn Bình", "address": "Số 8 đường Phan Chu Trinh, phường Tam Hiệp",
          "phone": "0987654321"}
BODY = "Cán bộ hẹn trả kết quả nhưng đến hẹn chưa có, không được giải thích lý do"
FRI = "2026-02-13T10:00:00+07:00"   # the day before Tết
TUE = "2026-02-24T08:00:00+07:00"   # the second working day after it


def setup(t):
    h56.seed(t)
    t.clerk = t.account("clerk1", "clerk", H56["center"])
    t.leader = t.account("leader1", "leader", H56["justice"])
    t.supervisor = t.account("sup1", "supervisor", H56["root"])
    t.fri = t.start_server_at(FRI)
    t.tue = t.start_server_at(TUE)


def on(t, server, who):
    return t.client(who.token, server=server)


def intake(t, server, **over):
    body = {"topic": "conduct", "channel": "hotline", "sender": dict(SENDER), "content": BODY}
    body.update(over)
    return on(t, server, t.clerk).post("/api/v1/pakn", body)


def step(t, server, who, pid, version, type_, expect=200, err=None, **fields):
    body = {"type": type_, "expected_version": version}
    body.update(fields)
    r = on(t, server, who).post("/api/v1/pakn/%s/events" % pid, body)
    status(r, expect, err)
    return r.json


def count(t):
    return int(t.scalar("SELECT count(*) FROM pakn"))


def test_intake_deadlines_across_tet(t):
    r = status(intake(t, t.fri), 201).json
    eq((r["state"], r["state_name"], r["version"], r["channel"], r["unit"]),
       ("submitted", "Chờ tiếp nhận", 1, "hotline", H56["center"]), "taken in at the counter")
    # the pinned clock ticks: the dues keep the reception's time of day
    ok(r["received_at"].startswith("2026-02-13T10:0"), "received now: %s" % r["received_at"])
    tod = r["received_at"][10:]
    # working days after Fri 13/02: Mon 23/02 (1), Tue 24 (2), Wed 25, Thu 26, Fri 27 (5);
    # 15: 02, 03, 04, 05, 06, 09, 10, 11, 12, 13/03
    eq(r["reject_due_at"], "2026-02-24" + tod, "refuse within 2 working days")
    eq(r["transfer_due_at"], "2026-02-27" + tod, "transfer within 5")
    eq(r["supplement_due_at"], "2026-02-27" + tod, "first request within 5")
    eq(r["answer_due_at"], "2026-03-13" + tod, "answer within 15")
    eq(r["sender"]["name"], SENDER["name"], "the sender, for staff")
    eq((r["in_time"], r["overdue"]), (True, False), "in time at intake")
    rows = t.sql("SELECT type, to_state FROM pakn_event WHERE pakn_id = %s" % r["id"])
    eq(rows, [["receive", "0"]], "the first step logged")


def test_intake_refusals_change_nothing(t):
    before = count(t)
    cases = [
        ({"sender": {"name": "A", "address": "B"}}, "phone"),
        ({"sender": {"name": "", "address": "B", "phone": "1"}}, "name"),
        ({"content": "   "}, "content"),
        ({"topic": "weather"}, "topic"),
        ({"channel": "pigeon"}, "channel"),
        ({"kind": "complaint"}, "kind"),
        ({"colour": "red"}, "colour"),
        ({"sender": "Bình"}, "sender"),
    ]
    for over, field in cases:
        r = intake(t, t.server, **over)
        status(r, 422, "VALIDATION_FAILED")
        eq(r.json["error"].get("field"), field, "field of %r" % over)
    r = intake(t, t.server, unit=H56["justice"])
    status(r, 422, "UNKNOWN_REFERENCE")
    eq(r.json["error"].get("field"), "unit", "a unit out of the clerk's scope")
    r = intake(t, t.server, dossier_code="NOPE-000000-0001")
    status(r, 422, "UNKNOWN_REFERENCE")
    eq(count(t), before, "nothing stored")


def test_steps_transfer_answer_publish(t):
    p = status(intake(t, t.fri), 201).json
    pid = p["id"]
    e = step(t, t.fri, t.clerk, pid, 1, "accept")
    eq((e["state"], e["version"]), ("accepted", 2), "accepted")
    step(t, t.fri, t.clerk, pid, 2, "request_info", 422, "VALIDATION_FAILED")
    e = step(t, t.fri, t.clerk, pid, 2, "request_info", reason="Xin số điện thoại của cán bộ")
    eq(e["state"], "supplement_requested", "waiting for information")
    ok(e["first_info_at"].startswith("2026-02-13T10:"), "first request now: %s" % e["first_info_at"])
    e = step(t, t.fri, t.clerk, pid, 3, "receive_info")
    eq(e["state"], "accepted", "back to handling")
    step(t, t.fri, t.clerk, pid, 3, "accept", 409, "VERSION_CONFLICT")
    step(t, t.fri, t.clerk, pid, 4, "receive_info", 409, "PAKN_BAD_STATE")
    step(t, t.fri, t.clerk, pid, 4, "transfer", 422, "UNKNOWN_REFERENCE", to_unit="000.00.99.H56")
    # Tue 24/02 08:00 the counter passes it to Sở Tư pháp: the clock restarts there
    e = step(t, t.tue, t.clerk, pid, 4, "transfer", to_unit=H56["justice"])
    eq((e["state"], e["unit"]), ("submitted", H56["justice"]), "submitted again at the new receiver")
    ok(e["arrived_at"].startswith("2026-02-24T08:0"), "arrived now: %s" % e["arrived_at"])
    tod = e["arrived_at"][10:]
    # from Tue 24/02 08:00: 25, 26 (2); 25, 26, 27, 02/03, 03 (5); ... 16, 17/03 (15)
    eq(e["reject_due_at"], "2026-02-26" + tod, "refuse within 2 of the transfer")
    eq(e["answer_due_at"], "2026-03-17" + tod, "answer within 15 of the transfer")
    eq(e["received_at"], p["received_at"], "the first reception stays (a PAKN counts once)")
    status(on(t, t.tue, t.clerk).get("/api/v1/pakn/%s" % pid), 404)
    e = step(t, t.tue, t.leader, pid, 5, "accept")
    step(t, t.tue, t.clerk, pid, 6, "answer", 404, answer="x")  # out of the counter's scope
    e = step(t, t.tue, t.leader, pid, 6, "answer",
             answer="Sở đã nhắc nhở cán bộ và trả kết quả cho ông ngày 25/02/2026")
    eq(e["state"], "answered", "answered")
    # publish within 2 working days of the answer: Wed 25, Thu 26/02
    eq(e["publish_due_at"], "2026-02-26" + e["answered_at"][10:], "publish within 2")
    step(t, t.tue, t.leader, pid, 7, "publish", 422, "VALIDATION_FAILED")
    e = step(t, t.tue, t.leader, pid, 7, "publish",
             public_text="Phản ánh về việc chậm trả kết quả: đơn vị đã chấn chỉnh.")
    eq((e["state"], e["state_name"], e["in_time"]), ("published", "Đã công khai", True),
       "published, answered in time")
    step(t, t.tue, t.leader, pid, 8, "accept", 409, "PAKN_BAD_STATE")
    d = status(on(t, t.tue, t.leader).get("/api/v1/pakn/%s" % pid), 200).json
    eq([(x["type"], x["to_state"]) for x in d["events"]],
       [("receive", "submitted"), ("accept", "accepted"), ("request_info", "supplement_requested"),
        ("receive_info", "accepted"), ("transfer", "submitted"), ("accept", "accepted"),
        ("answer", "answered"), ("publish", "published")], "every step logged in order")
    eq(d["events"][4]["payload"], {"to_unit": H56["justice"]}, "the transfer's target")


def test_only_a_leader_answers(t):
    p = status(intake(t, t.fri), 201).json
    step(t, t.fri, t.clerk, p["id"], 1, "accept")
    step(t, t.fri, t.clerk, p["id"], 2, "answer", 403, "ROLE_NOT_ALLOWED", answer="Đã xử lý")
    eq(t.scalar("SELECT version FROM pakn WHERE id = %s" % p["id"]), "2", "unchanged")


def test_rejected_and_transferred_out(t):
    a = status(intake(t, t.fri), 201).json
    step(t, t.fri, t.clerk, a["id"], 1, "reject", 422, "VALIDATION_FAILED")
    e = step(t, t.fri, t.clerk, a["id"], 1, "reject", reason="Không rõ nội dung phản ánh")
    eq((e["state"], e["in_time"], e["overdue"]), ("rejected", None, False), "rejected: not counted")
    b = status(intake(t, t.fri, topic="regulation"), 201).json
    e = step(t, t.fri, t.clerk, b["id"], 1, "transfer", to_body="Bộ Tư pháp")
    eq(e["state"], "transferred", "sent to a body outside the system")


def test_citizen_sends_one_from_the_lookup_page(t):
    r = t.clerk.post("/api/v1/dossiers",
                     {"applicant": {"name": "Lý Thị Hoa", "id_number": "075190001111"},
                      "procedure": "2.000908", "complete": True,
                      "documents": [{"name": "Đơn", "kind": "original", "count": 1}]},
                     headers={"Idempotency-Key": new_key()})
    d = status(r, 201).json
    anon = t.anon()
    body = {"code": d["code"], "secret": d["lookup_secret"], "topic": "conduct",
            "content": "Cán bộ tiếp nhận yêu cầu nộp thêm giấy tờ không có trong danh mục",
            "name": "Lý Thị Hoa", "address": "Tổ 3, khu phố 2", "phone": "0911222333"}
    r = status(anon.post("/api/v1/lookup/pakn", body), 201).json
    eq((r["channel"], r["dossier_code"], r["unit"]), ("portal", d["code"], H56["center"]),
       "linked to the dossier, sent to its counter")
    status(anon.post("/api/v1/lookup/pakn", dict(body, secret="SAI-MA")), 404, "LOOKUP_FAILED")
    b = dict(body)
    del b["phone"]
    r = anon.post("/api/v1/lookup/pakn", b)
    status(r, 422, "VALIDATION_FAILED")
    eq(r.json["error"].get("field"), "phone", "the phone is required")
    status(anon.post("/api/v1/lookup/pakn", dict(body, channel="dvcqg")), 422, "VALIDATION_FAILED")


def test_register_filters_and_overdue_now(t):
    p = status(intake(t, t.fri), 201).json
    # read on today's server (December 2026): the answer was due 13/03/2026
    r = status(t.supervisor.get("/api/v1/pakn?state=submitted&limit=500"), 200).json
    mine = [x for x in r["items"] if x["id"] == p["id"]]
    eq(len(mine), 1, "listed for the province's supervisor")
    eq((mine[0]["overdue"], mine[0]["in_time"]), (True, False), "overdue today")
    ok(all(x["state"] == "submitted" for x in r["items"]), "state filter")
    r = status(t.supervisor.get("/api/v1/pakn?topic=regulation"), 200).json
    ok(all(x["topic"] == "regulation" for x in r["items"]), "topic filter")
    ids = [x["id"] for x in status(t.supervisor.get("/api/v1/pakn?limit=2"), 200).json["items"]]
    page = status(t.supervisor.get("/api/v1/pakn?limit=2&cursor=%d" % ids[-1]), 200).json
    ok(all(x["id"] < ids[-1] for x in page["items"]), "keyset pages")
    status(t.supervisor.get("/api/v1/pakn?state=lost"), 400, "BAD_QUERY")
    status(t.supervisor.get("/api/v1/pakn/abc"), 404)
    status(t.supervisor.get("/api/v1/pakn/99999999"), 404)


def test_satisfaction_766_against_a_recount(t):
    """GET /api/v1/stats/satisfaction: QĐ 766 5.2-5.4 for one unit in February 2026, judged
    at the period's end (01/03/2026 00:00), every figure counted by hand below."""
    z = "000.00.50.H56"
    t.psql("INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)"
           " SELECT '%s', 'Sở Xây dựng', 'province', 'department', id, 'H56', '2000-01-01'"
           " FROM unit WHERE code = '%s'" % (z, H56["root"]))
    cz = t.account("clerk-z", "clerk", z)
    lz = t.account("leader-z", "leader", z)
    fc, fl = on(t, t.fri, cz), on(t, t.fri, lz)

    def dossier():
        r = fc.post("/api/v1/dossiers", {"applicant": {"name": "Vũ Thị Mai", "id_number": "0751"},
                                         "procedure": "2.000908", "complete": True,
                                         "documents": [{"name": "Đơn", "kind": "original",
                                                        "count": 1}]},
                    headers={"Idempotency-Key": new_key()})
        code = status(r, 201).json["code"]
        for who, v, ev in ((fc, 1, {"type": "hand_over", "to_unit": z, "step": "Thẩm định"}),
                           (fl, 2, {"type": "resolve", "outcome": "granted"}),
                           (fc, 3, {"type": "return_result", "method": "counter"})):
            ev["expected_version"] = v
            status(who.post("/api/v1/dossiers/%s/events" % code, ev,
                            headers={"Idempotency-Key": new_key()}), 200)
        return code

    q = [dossier() for _ in range(4)]

    def pakn(**over):
        body = {"topic": "conduct", "channel": "counter", "sender": dict(SENDER),
                "content": "Phản ánh"}
        body.update(over)
        return status(fc.post("/api/v1/pakn", body), 201).json["id"]

    def answer(pid):
        status(fc.post("/api/v1/pakn/%s/events" % pid, {"type": "accept", "expected_version": 1}),
               200)
        status(fl.post("/api/v1/pakn/%s/events" % pid,
                       {"type": "answer", "expected_version": 2, "answer": "Đã xử lý"}), 200)

    p1 = pakn(dossier_code=q[2])       # answered in time; names Q3
    pakn()                             # P2: open, its due 13/03 not past on 01/03
    p3 = pakn()                        # rejected: not under the indicator
    status(fc.post("/api/v1/pakn/%s/events" % p3, {"type": "reject", "expected_version": 1,
                                                   "reason": "Không rõ nội dung"}), 200)
    p4 = pakn()                        # answered after its due (moved before the answer)
    p5 = pakn()                        # answered in time, then followed up by P6
    for pid in (p1, p4, p5):
        answer(pid)
    t.psql("UPDATE pakn SET answer_due_at = answered_at - interval '1 hour' WHERE id = %s" % p4)
    p6 = pakn(follows=p5)              # a repeat on P5's result
    # Q2 and Q4 rated Không hài lòng; Q4 also late under dvcqg766 (appointment moved earlier)
    for code in (q[1], q[3]):
        status(fc.post("/api/v1/dossiers/%s/evaluations" % code,
                       {"rating": "dissatisfied", "channel": "paper", "reason": "Chậm"}), 201)
    t.psql("UPDATE dossier SET appointment_at = ended_at - interval '1 day' WHERE code = '%s'"
           % q[3])
    url = ("/api/v1/stats/satisfaction?from=2026-02-01&to=2026-02-28&unit=%s&by=resolving" % z)
    r = status(t.supervisor.get(url), 200).json
    eq([x["key"] for x in r["rows"]], [z], "one unit")
    x = r["rows"][0]
    # 5.2: P1, P2, P4, P5, P6 under competence; in time all but P4: 4/5 = 80.0 %, 6 x 0.8
    eq(x["indicator_5_2"], {"numerator": 4, "denominator": 5, "ratio": "80.0", "points": "4.80"},
       "5.2")
    # 5.3: handled P1, P4, P5; P4 late, P5 followed up: 1/3, 6 x 1/3 = 2.00
    eq(x["indicator_5_3"], {"numerator": 1, "denominator": 3, "ratio": "33.3", "points": "2.00",
                            "late": 1, "followed_up": 1, "disliked": 0}, "5.3")
    # 5.4: D = Q1..Q4; B = Q2 (dislike), Q3 (PAKN), Q4 (late and dislike) once each: 1/4 =
    # 25.0 %; min(6, 6 x 25 / 90) = 1.67
    eq(x["indicator_5_4"], {"dossiers": 4, "unsatisfied": 3, "late": 1,
                            "pakn_or_dissatisfied": 3, "ratio": "25.0", "points": "1.67"}, "5.4")
    eq(x["points"], "8.47", "4.80 + 2.00 + 1.67")
    # the 2022 text: 100 % - 25 % late - 75 % PAKN or dislike = 0: no points
    r = status(t.supervisor.get(url + "&formula=additive"), 200).json
    eq((r["formula"], r["rows"][0]["indicator_5_4"]["ratio"],
        r["rows"][0]["indicator_5_4"]["points"]), ("additive", "0.0", "0.00"), "additive")
    status(t.supervisor.get(url + "&formula=mean"), 400, "BAD_QUERY")


def test_published_answers_are_public_without_personal_data(t):
    p = status(intake(t, t.server), 201).json
    step(t, t.server, t.clerk, p["id"], 1, "transfer", to_unit=H56["justice"])
    step(t, t.server, t.leader, p["id"], 2, "accept")
    step(t, t.server, t.leader, p["id"], 3, "answer", answer="Đã trả lời ông Bình qua điện thoại")
    unpublished = status(t.anon().get("/api/v1/public/pakn?limit=500"), 200).json["items"]
    ok(p["id"] not in [x["id"] for x in unpublished], "not public before it is published")
    step(t, t.server, t.leader, p["id"], 4, "publish",
         public_text="Phản ánh về thái độ tiếp nhận: đơn vị đã kiểm tra và chấn chỉnh.")
    r = status(t.anon().get("/api/v1/public/pakn?limit=500"), 200)
    mine = [x for x in r.json["items"] if x["id"] == p["id"]]
    eq(len(mine), 1, "published")
    eq(sorted(mine[0]), ["dislikes", "id", "likes", "public_text", "published_at", "received_at",
                         "topic", "unit", "unit_name"], "only what is public")
    for private in (SENDER["name"], SENDER["phone"], BODY, "ông Bình"):
        ok(private not in r.text, "nothing personal: %s" % private)
    status(t.anon().get("/api/v1/public/pakn?cursor=abc"), 400, "BAD_QUERY")


def test_a_follow_up_names_the_earlier_one(t):
    first = status(intake(t, t.server), 201).json
    r = status(intake(t, t.server, follows=first["id"]), 201).json
    eq(r["parent_id"], first["id"], "linked to the earlier PAKN")
    r = intake(t, t.server, follows=99999999)
    status(r, 422, "UNKNOWN_REFERENCE")
    eq(r.json["error"].get("field"), "follows", "names follows")
