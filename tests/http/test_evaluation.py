"""The applicant's evaluation of a dossier (issue 16; shared/domain.md §12.1; api/voice/,
domain/sat.c, sql/110_evaluation.sql) through the real API and database: the counter keys a
kiosk rating, the applicant rates from the lookup page with the receipt's code and secret,
motcua's computed indicator values beside the applicant's answers, one evaluation per dossier
(also when two race), the reason for Không hài lòng, indicators 1-2 only after the end, the
window after the return, the amendment policy, who reads the text, and bad input refused
with nothing changed. Expected values are worked out from §12.1's table in the comments."""
import threading

import h56
from harness import eq, new_key, ok, status

H56 = {"root": "000.00.00.H56", "center": "000.00.12.H56", "justice": "000.00.21.H56"}
APPLICANT = {"name": "Trần Thị Bích Ngọc", "id_number": "075190004321",
             "address": "Số 5 đường Hà Huy Giáp", "phone": "0918765432"}
NONE9 = [None] * 9


def setup(t):
    h56.seed(t)
    t.clerk = t.account("clerk1", "clerk", H56["center"])
    t.leader = t.account("leader1", "leader", H56["justice"])
    t.official = t.account("official1", "official", H56["justice"])
    t.supervisor = t.account("sup1", "supervisor", H56["root"])


def receive(t):
    r = t.clerk.post("/api/v1/dossiers",
                     {"applicant": APPLICANT, "procedure": "2.000908", "complete": True,
                      "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}]},
                     headers={"Idempotency-Key": new_key()})
    return status(r, 201).json


def event(t, client, code, version, type_, **fields):
    body = {"type": type_, "expected_version": version}
    body.update(fields)
    r = client.post("/api/v1/dossiers/%s/events" % code, body,
                    headers={"Idempotency-Key": new_key()})
    return status(r, 200).json


def returned(t):
    """A dossier received, handed over, resolved and returned at once: early by date."""
    d = receive(t)
    event(t, t.clerk, d["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    event(t, t.leader, d["code"], 2, "resolve", outcome="granted")
    event(t, t.clerk, d["code"], 3, "return_result", method="counter")
    return d


def count(t, code):
    return int(t.scalar("SELECT count(*) FROM evaluation v JOIN dossier d ON d.id = v.dossier_id"
                        " WHERE d.code = '%s'" % code))


def kiosk(t, code, body, client=None):
    return (client or t.clerk).post("/api/v1/dossiers/%s/evaluations" % code, body)


def test_kiosk_rating_of_an_open_dossier(t):
    d = receive(t)
    r = kiosk(t, d["code"], {"rating": "very_satisfied", "channel": "kiosk",
                             "answers": [None, None, 2, None, 2, None, None, None, None]})
    status(r, 201)
    eq(r.json["version"], 1, "first version")
    eq(r.json["rating_name"], "Rất hài lòng", "rating in Vietnamese")
    eq(r.json["answers"], [None, None, 2, None, 2, None, None, None, None], "answers as given")
    # open: no class (1, 7), no end (3, 4): motcua computes nothing yet
    eq(r.json["computed"], NONE9, "nothing computed while open")
    eq(r.json["amendment"], False, "not an amendment")
    row = t.sql("SELECT v.channel, a.login, r.login, v.rating, v.answers::text"
                " FROM evaluation v JOIN dossier d ON d.id = v.dossier_id"
                " LEFT JOIN account a ON a.id = v.entered_by"
                " LEFT JOIN account r ON r.id = v.reception_account_id"
                " WHERE d.code = '%s'" % d["code"])
    eq(row, [["kiosk", "clerk1", "clerk1", "1", "{NULL,NULL,2,NULL,2,NULL,NULL,NULL,NULL}"]],
       "stored with the clerk who keyed it and the reception clerk")


def test_one_evaluation_per_dossier(t):
    d = receive(t)
    status(kiosk(t, d["code"], {"rating": "satisfied", "channel": "paper"}), 201)
    r = kiosk(t, d["code"], {"rating": "very_satisfied", "channel": "kiosk"})
    status(r, 409, "ALREADY_EVALUATED")
    eq(count(t, d["code"]), 1, "the second changed nothing")
    eq(t.scalar("SELECT rating FROM evaluation v JOIN dossier d ON d.id = v.dossier_id"
                " WHERE d.code = '%s'" % d["code"]), "2", "the first stands")


def test_two_racing_first_evaluations(t):
    d = receive(t)
    got = []

    def go():
        c = t.client(t.clerk.token)
        got.append(kiosk(t, d["code"], {"rating": "satisfied", "channel": "kiosk"}, c).status)

    th = [threading.Thread(target=go) for _ in range(4)]
    for x in th:
        x.start()
    for x in th:
        x.join()
    eq(sorted(got), [201, 409, 409, 409], "one wins: %r" % got)
    eq(count(t, d["code"]), 1, "one row")


def test_applicant_rates_a_returned_dossier_from_the_lookup_page(t):
    d = returned(t)
    r = t.anon().post("/api/v1/lookup/evaluation",
                      {"code": d["code"], "secret": d["lookup_secret"], "rating": "satisfied",
                       "answers": [2, 2, 2, 2, None, None, 1, None, None]})
    status(r, 201)
    eq(r.json["channel"], "portal", "the lookup page is the portal channel")
    # resolved the day it was received with 3 working days: early by date -> 1 = 2; no
    # supplement -> 3 = 2 and 4 = 2; early and no conduct PAKN -> 7 = 2 (domain.md §12.1)
    eq(r.json["computed"], [2, None, 2, 2, None, None, 2, None, None], "computed indicators")
    eq(r.json["answers"], [2, 2, 2, 2, None, None, 1, None, None], "kept beside them")
    row = t.sql("SELECT v.entered_by IS NULL, a.login FROM evaluation v"
                " JOIN dossier d ON d.id = v.dossier_id"
                " LEFT JOIN account a ON a.id = v.return_account_id WHERE d.code = '%s'"
                % d["code"])
    eq(row, [["t", "clerk1"]], "nobody keyed it; attributed to the return clerk")


def test_lookup_refusals(t):
    d = receive(t)
    anon = t.anon()
    r = anon.post("/api/v1/lookup/evaluation", {"code": d["code"], "secret": "SAI-MA-TRA-CUU",
                                                "rating": "satisfied"})
    status(r, 404, "LOOKUP_FAILED")
    r = anon.post("/api/v1/lookup/evaluation", {"code": "NOPE-000000-0001",
                                                "secret": d["lookup_secret"],
                                                "rating": "satisfied"})
    status(r, 404, "LOOKUP_FAILED")
    r = anon.post("/api/v1/lookup/evaluation", {"code": d["code"], "rating": "satisfied"})
    status(r, 400, "LOOKUP_MISSING_INPUT")
    eq(r.json["error"].get("field"), "secret", "names the missing secret")
    r = anon.post("/api/v1/lookup/evaluation", {"code": d["code"], "secret": d["lookup_secret"],
                                                "rating": "satisfied", "channel": "kiosk"})
    status(r, 422, "VALIDATION_FAILED")
    eq(count(t, d["code"]), 0, "nothing stored")


def test_dissatisfied_needs_a_reason(t):
    d = receive(t)
    for reason in (None, "   "):
        body = {"rating": "dissatisfied", "channel": "paper"}
        if reason is not None:
            body["reason"] = reason
        r = kiosk(t, d["code"], body)
        status(r, 422, "VALIDATION_FAILED")
        eq(r.json["error"].get("field"), "reason", "names the reason")
    eq(count(t, d["code"]), 0, "nothing stored")
    r = kiosk(t, d["code"], {"rating": "dissatisfied", "channel": "paper",
                             "reason": "Phải đi lại nhiều lần mới nộp được hồ sơ"})
    status(r, 201)
    eq(r.json["rating_name"], "Không hài lòng", "stored with its reason")


def test_indicators_1_and_2_only_after_the_end(t):
    d = receive(t)
    for ans in ([1] + [None] * 8, [None, 2] + [None] * 7):
        r = kiosk(t, d["code"], {"rating": "satisfied", "channel": "kiosk", "answers": ans})
        status(r, 422, "VALIDATION_FAILED")
        eq(r.json["error"].get("field"), "answers", "names answers")
    eq(count(t, d["code"]), 0, "nothing stored")


def test_window_after_the_return(t):
    d = returned(t)
    # returned 31 days ago (by its local date): the 30-day window ended at 24:00 yesterday
    t.psql("UPDATE dossier SET received_at = received_at - interval '31 days',"
           " appointment_at = appointment_at - interval '31 days',"
           " legal_due_at = legal_due_at - interval '31 days',"
           " returned_at = returned_at - interval '31 days',"
           " ended_at = ended_at - interval '31 days' WHERE code = '%s'" % d["code"])
    r = kiosk(t, d["code"], {"rating": "satisfied", "channel": "paper"})
    status(r, 409, "EVALUATION_CLOSED")
    eq(count(t, d["code"]), 0, "nothing stored")
    # a paper form dated within the window is still taken
    day = t.scalar("SELECT to_char((returned_at AT TIME ZONE 'Asia/Ho_Chi_Minh') + interval"
                   " '29 days', 'YYYY-MM-DD') FROM dossier WHERE code = '%s'" % d["code"])
    r = kiosk(t, d["code"], {"rating": "satisfied", "channel": "paper",
                             "evaluated_at": day + "T09:00:00+07:00"})
    status(r, 201)
    eq(r.json["evaluated_at"], day + "T09:00:00+07:00", "dated by the form")


def test_bad_input_changes_nothing(t):
    d = receive(t)
    cases = [
        ({"rating": "great", "channel": "kiosk"}, 422, "VALIDATION_FAILED", "rating"),
        ({"channel": "kiosk"}, 422, "VALIDATION_FAILED", "rating"),
        ({"rating": "satisfied"}, 422, "VALIDATION_FAILED", "channel"),
        ({"rating": "satisfied", "channel": "fax"}, 422, "VALIDATION_FAILED", "channel"),
        ({"rating": "satisfied", "channel": "kiosk", "answers": [2] * 8}, 422,
         "VALIDATION_FAILED", "answers"),
        ({"rating": "satisfied", "channel": "kiosk", "answers": [None, None, 3] + [None] * 6},
         422, "VALIDATION_FAILED", "answers"),
        ({"rating": "satisfied", "channel": "kiosk", "answers": [None, None, "2"] + [None] * 6},
         422, "VALIDATION_FAILED", "answers"),
        ({"rating": "satisfied", "channel": "kiosk", "stars": 5}, 422, "VALIDATION_FAILED",
         "stars"),
        ({"rating": "satisfied", "channel": "kiosk", "evaluated_at": "2099-01-01T00:00:00+07:00"},
         422, "TIME_IN_FUTURE", "evaluated_at"),
        ({"rating": "satisfied", "channel": "kiosk", "evaluated_at": "2020-01-01T00:00:00+07:00"},
         422, "VALIDATION_FAILED", "evaluated_at"),
        ({"rating": "satisfied", "channel": "kiosk", "reason": "x" * 2001}, 422,
         "VALIDATION_FAILED", "reason"),
    ]
    for body, st, code, field in cases:
        r = kiosk(t, d["code"], body)
        status(r, st, code)
        eq(r.json["error"].get("field"), field, "field of %r" % body)
    r = t.clerk.request("POST", "/api/v1/dossiers/%s/evaluations" % d["code"], raw=b"[1, 2]",
                        headers={"Content-Type": "application/json"})
    status(r, 422, "VALIDATION_FAILED")
    status(kiosk(t, "NOPE-000000-0001", {"rating": "satisfied", "channel": "kiosk"}), 404,
           "DOSSIER_NOT_FOUND")
    eq(count(t, d["code"]), 0, "nothing stored")


def test_who_reads_the_text(t):
    d = receive(t)
    # handed over to Sở Tư pháp: in the leader's scope (the current unit), evaluated while open
    event(t, t.clerk, d["code"], 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
    status(kiosk(t, d["code"], {"rating": "dissatisfied", "channel": "paper",
                                "reason": "Cán bộ hướng dẫn chưa rõ",
                                "evaluator_name": "Lê Văn Tám"}), 201)
    r = t.supervisor.get("/api/v1/dossiers/%s/evaluations" % d["code"])
    status(r, 200)
    eq(len(r.json["items"]), 1, "one version")
    it = r.json["items"][0]
    eq((it["version"], it["rating"], it["rating_name"], it["reason"], it["evaluator_name"],
        it["entered_by"], it["channel"]),
       (1, "dissatisfied", "Không hài lòng", "Cán bộ hướng dẫn chưa rõ", "Lê Văn Tám",
        "clerk1", "paper"), "the supervisor sees evaluator and text")
    status(t.leader.get("/api/v1/dossiers/%s/evaluations" % d["code"]), 200)
    status(t.official.get("/api/v1/dossiers/%s/evaluations" % d["code"]), 403, "FORBIDDEN")
    status(t.clerk.get("/api/v1/dossiers/%s/evaluations" % d["code"]), 403, "FORBIDDEN")
    e = receive(t)
    r = t.supervisor.get("/api/v1/dossiers/%s/evaluations" % e["code"])
    eq(status(r, 200).json["items"], [], "not evaluated yet")
    status(t.supervisor.get("/api/v1/dossiers/NOPE-000000-0001/evaluations"), 404,
           "DOSSIER_NOT_FOUND")


def test_amendment_policy(t):
    """MOTCUA_EVALUATION_AMEND_HOURS=24: a new version within 24 h, the first one kept."""
    s = t.start_server(env={"MOTCUA_EVALUATION_AMEND_HOURS": "24"})
    try:
        c = t.client(t.clerk.token, server=s)
        d = receive(t)
        status(kiosk(t, d["code"], {"rating": "satisfied", "channel": "kiosk"}, c), 201)
        r = kiosk(t, d["code"], {"rating": "dissatisfied", "channel": "kiosk",
                                 "reason": "Đổi ý sau khi nhận kết quả"}, c)
        status(r, 201)
        eq((r.json["version"], r.json["amendment"]), (2, True), "a new version")
        eq(t.sql("SELECT v.version, v.rating FROM evaluation v JOIN dossier d"
                 " ON d.id = v.dossier_id WHERE d.code = '%s' ORDER BY 1" % d["code"]),
           [["1", "2"], ["2", "3"]], "both kept")
        # 24 hours after the first: closed to amendments
        t.psql("UPDATE evaluation SET evaluated_at = evaluated_at - interval '24 hours'"
               " WHERE dossier_id = (SELECT id FROM dossier WHERE code = '%s')" % d["code"])
        status(kiosk(t, d["code"], {"rating": "satisfied", "channel": "kiosk"}, c), 409,
               "ALREADY_EVALUATED")
    finally:
        s.stop()


def test_evaluation_summary_against_a_recount(t):
    """GET /api/v1/stats/evaluations (shared/domain.md §12.3) on five dossiers of one unit,
    the expected figures worked out by hand from §12.1: each dossier's latest evaluation,
    averages of the answers to 2 decimals, total /18, class, shares, coverage."""
    y = "000.00.40.H56"
    t.psql("INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)"
           " SELECT '%s', 'Sở Y tế', 'province', 'department', id, 'H56', '2000-01-01'"
           " FROM unit WHERE code = '%s'" % (y, H56["root"]))
    c2 = t.account("clerk2", "clerk", y)
    c3 = t.account("clerk3", "clerk", y)

    def recv():
        r = c2.post("/api/v1/dossiers",
                    {"applicant": APPLICANT, "procedure": "2.000908", "complete": True,
                     "documents": [{"name": "Đơn", "kind": "original", "count": 1}]},
                    headers={"Idempotency-Key": new_key()})
        return status(r, 201).json["code"]

    def ret(code, by):
        event(t, c2, code, 1, "hand_over", to_unit=H56["justice"], step="Thẩm định")
        event(t, t.leader, code, 2, "resolve", outcome="granted")
        event(t, by, code, 3, "return_result", method="counter")

    d = [recv() for _ in range(5)]
    for i, code in enumerate(d[:4]):
        ret(code, c3 if i == 1 else c2)
    ev = [(d[0], "very_satisfied", "portal", [2] * 9, None),
          (d[1], "satisfied", "kiosk", [2, 2, 1, 1, 2, 2, 1, 2, 2], None),
          (d[2], "dissatisfied", "paper", [1, 1, 0, 2, 2, 1, 1, 2, 1], "Chờ lâu"),
          (d[4], "very_satisfied", "kiosk", None, None)]
    for code, rating, ch, ans, reason in ev:
        body = {"rating": rating, "channel": ch}
        if ans:
            body["answers"] = ans
        if reason:
            body["reason"] = reason
        status(c2.post("/api/v1/dossiers/%s/evaluations" % code, body), 201)
    today = t.scalar("SELECT to_char(now() AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD')")
    q = "/api/v1/stats/evaluations?from=%s&to=%s&unit=%s&by=receiving" % (today, today, y)
    r = status(t.supervisor.get(q + "&group=unit"), 200).json
    eq(len(r["rows"]), 1, "one unit")
    u = r["rows"][0]
    eq((u["key"], u["name"], u["rated"]), (y, "Sở Y tế", 4), "four dossiers evaluated")
    # ratings 2 / 1 / 1 of 4: 50.0 %, 25.0 %, 25.0 %
    eq(u["shares"], {"very_satisfied": "50.0", "satisfied": "25.0", "dissatisfied": "25.0"},
       "level shares")
    # answers of d0, d1, d2 (d4 answered none): 5/3, 5/3, 3/3, 5/3, 6/3, 5/3, 4/3, 6/3, 5/3
    eq(u["indicators"], ["1.67", "1.67", "1.00", "1.67", "2.00", "1.67", "1.33", "2.00", "1.67"],
       "indicator averages")
    eq((u["total"], u["class"], u["class_name"]), ("14.68", "good", "Tốt"), "total and class")
    eq((u["dissatisfied_share"], u["low_satisfaction"]), ("25.0", True), "above 10 %")
    # ended in the period: d0..d3; evaluated: d0, d1, d2
    eq(u["coverage"], {"ended": 4, "evaluated": 3, "share": "75.0"}, "coverage")
    eq(r["total"]["rated"], 4, "the total row")
    # the same as "Bảng đánh giá việc giải quyết TTHC" in CSV (UTF-8 with a BOM, CRLF)
    c = status(t.supervisor.get(q + "&group=unit&format=csv"), 200)
    ok(c.headers.get("content-type", "").startswith("text/csv"), "CSV")
    lines = c.body.decode("utf-8").split("\r\n")
    eq(lines[0], "\ufeffBảng đánh giá việc giải quyết thủ tục hành chính", "title")
    ok(lines[2].startswith("Đơn vị,Số đánh giá,Rất hài lòng,Hài lòng,Không hài lòng"), lines[2])
    eq(lines[3], "Sở Y tế,4,2,1,1,50.0,25.0,25.0,1.67,1.67,1.00,1.67,2.00,1.67,1.33,2.00,1.67,"
       "14.68,Tốt,25.0,4,3,", "the unit's row (no verified score yet: the last field empty)")
    ok(lines[4].startswith("Tổng cộng,4,"), "the total row: %s" % lines[4])
    status(t.supervisor.get(q + "&format=pdf"), 400, "BAD_QUERY")
    r = status(t.supervisor.get(q + "&group=official"), 200).json
    rows = {x["key"]: x for x in r["rows"]}
    eq(sorted(rows), ["clerk2", "clerk3"], "reception and return clerks")
    eq(rows["clerk2"]["rated"], 4, "clerk2 received all four")
    # clerk3 returned d1 only: 2,2,1,1,2,2,1,2,2 = 15.00, Xuất sắc, no Không hài lòng
    x = rows["clerk3"]
    eq((x["rated"], x["total"], x["class_name"], x["dissatisfied_share"], x["low_satisfaction"]),
       (1, "15.00", "Xuất sắc", "0.0", False), "clerk3")
    ok("coverage" not in x, "no coverage per official")
    r = status(t.supervisor.get(q + "&group=channel"), 200).json
    eq([(x["key"], x["rated"]) for x in r["rows"]], [("kiosk", 2), ("paper", 1), ("portal", 1)],
       "by channel")
    # a clerk sees only its own unit, whatever unit it asks for: the centre, not Sở Y tế
    r = status(t.clerk.get(q + "&group=unit"), 200).json
    eq([x["key"] for x in r["rows"]], [H56["center"]], "the centre's clerk sees its own unit")
    status(t.supervisor.get(q + "&group=mood"), 400, "BAD_QUERY")
    status(t.supervisor.get("/api/v1/stats/evaluations?from=x&to=y"), 400, "BAD_QUERY")


def test_conduct_pakn_makes_indicator_7_zero(t):
    """§12.1 indicator 7: a PAKN about the staff's conduct on the dossier gives 0, whatever
    its timeliness (this one was early: 2 without the PAKN)."""
    d = returned(t)
    r = t.clerk.post("/api/v1/pakn", {"topic": "conduct", "channel": "counter",
                                      "sender": {"name": "Trần Thị Bích Ngọc", "address": "Số 5",
                                                 "phone": "0918765432"},
                                      "content": "Cán bộ gây khó khăn khi tiếp nhận",
                                      "dossier_code": d["code"]})
    status(r, 201)
    r = t.anon().post("/api/v1/lookup/evaluation", {"code": d["code"], "secret": d["lookup_secret"],
                                                    "rating": "dissatisfied",
                                                    "reason": "Thái độ chưa tốt"})
    status(r, 201)
    eq(r.json["computed"][6], 0, "indicator 7 with a conduct PAKN")
    eq(r.json["computed"][0], 2, "indicator 1 still early")


def test_verified_score_beside_the_computed_one(t):
    """The supervising office's verified score (điểm thẩm định, shared/domain.md §12.1):
    recorded by a leader above the unit, shown beside the computed total for exactly its
    period, superseded by a later one (both kept, as of an instant the earlier), refused
    with nothing stored when out of range, for one's own unit or by a role without it."""
    z = "000.00.41.H56"
    t.psql("INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)"
           " SELECT '%s', 'Sở Xây dựng', 'province', 'department', id, 'H56', '2000-01-01'"
           " FROM unit WHERE code = '%s'" % (z, H56["root"]))
    boss = t.account("leader-root", "leader", H56["root"])
    own = t.account("leader-z", "leader", z)
    # a unit without evaluations has no row: one evaluation of August for it (a fixture)
    d = receive(t)
    t.psql("INSERT INTO evaluation (dossier_id, version, rating, answers, computed, channel,"
           " receiving_unit_id, resolving_unit_id, evaluated_at)"
           " SELECT d.id, 1, 2, array_fill(NULL::smallint, ARRAY[9]),"
           " array_fill(NULL::smallint, ARRAY[9]), 'paper', u.id, u.id, '2026-08-10 09:00+07'"
           " FROM dossier d, unit u WHERE d.code = '%s' AND u.code = '%s'" % (d["code"], z))
    url = "/api/v1/evaluations/verified-scores"
    q1 = {"unit": z, "from": "2026-07-01", "to": "2026-09-30"}
    r = status(boss.post(url, dict(q1, total=13.5, note="Đoàn thẩm định quý III")), 201).json
    eq((r["unit"], r["from"], r["to"], r["total"], r["note"]),
       (z, "2026-07-01", "2026-09-30", "13.50", "Đoàn thẩm định quý III"), "stored as given")
    between = t.scalar("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                       " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
    status(boss.post(url, dict(q1, total=14)), 201)
    summary = "/api/v1/stats/evaluations?from=2026-07-01&to=2026-09-30&unit=%s&group=unit" % z
    row = status(t.supervisor.get(summary), 200).json["rows"][0]
    eq((row["key"], row["verified"]["total"], row["verified"]["note"]), (z, "14.00", None),
       "the latest verified score beside the computed one")
    row = status(t.supervisor.get(summary + "&as_of=" + between), 200).json["rows"]
    eq(row[0]["verified"]["total"], "13.50", "as of before the second, the first")
    other = summary.replace("2026-09-30", "2026-08-31")
    eq(status(t.supervisor.get(other), 200).json["rows"][0]["verified"], None,
       "another period has none")
    n = t.scalar("SELECT count(*) FROM evaluation_verified")
    for who, body, st, code in (
            (boss, dict(q1, total=18.5), 422, "VALIDATION_FAILED"),
            (boss, dict(q1, total=13.555), 422, "VALIDATION_FAILED"),
            (boss, dict(q1, total="13"), 422, "VALIDATION_FAILED"),
            (boss, dict(q1, to="2026-06-30", total=10), 422, "VALIDATION_FAILED"),
            (boss, dict(q1, total=10, grade="Tốt"), 422, "VALIDATION_FAILED"),
            (own, dict(q1, total=17), 422, "UNKNOWN_REFERENCE"),
            (boss, dict(q1, unit="000.00.99.H56", total=10), 422, "UNKNOWN_REFERENCE"),
            (t.supervisor, dict(q1, total=10), 403, None),
            (t.clerk, dict(q1, total=10), 403, None)):
        status(who.post(url, body), st, code)
    eq(t.scalar("SELECT count(*) FROM evaluation_verified"), n, "nothing stored by a refusal")
