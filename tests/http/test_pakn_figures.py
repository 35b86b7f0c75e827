"""The figures of phản ánh, kiến nghị (issue 16; shared/domain.md §12.2-§12.3): likes and
dislikes of a published answer and the portal's counts (api/voice/reaction.c), QĐ 766 5.3
counting a disliked answer, the register as figures (GET /api/v1/stats/pakn, report_pakn.c)
against a count by hand, as of an earlier instant, and the reports as CSV and XLSX.

The PAKN are taken in on a server whose clock starts on Friday 13/02/2026, the day before Tết
Bính Ngọ (14-22/02 off), and read in the period February 2026, judged at its end
(01/03/2026 00:00). Deadlines, worked out by hand (working days, domain.md §4; intake
10:00 on Friday 13/02): decide (reject) within 2 -> Tue 24/02 10:00; first request for
information within 5 -> Fri 27/02 10:00; answer within 15 -> Fri 13/03 10:00; publish within
2 of the answer."""
import csv
import io

from harness import eq, ok, status
import test_pakn as tp

H56 = tp.H56


def setup(t):
    tp.setup(t)
    t.admin = t.account("admin1", "admin", H56["root"])


def unit(t, code, name):
    t.psql("INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)"
           " SELECT '%s', '%s', 'province', 'department', id, 'H56', '2000-01-01'"
           " FROM unit WHERE code = '%s'" % (code, name, H56["root"]))
    return (tp.on(t, t.fri, t.account("clerk-" + code[-6:-4], "clerk", code)),
            tp.on(t, t.fri, t.account("leader-" + code[-6:-4], "leader", code)))


def pakn(fc, **over):
    body = {"topic": "conduct", "channel": "counter", "sender": dict(tp.SENDER),
            "content": "Phản ánh"}
    body.update(over)
    return status(fc.post("/api/v1/pakn", body), 201).json["id"]


def go(who, pid, version, type_, **fields):
    body = {"type": type_, "expected_version": version}
    body.update(fields)
    return status(who.post("/api/v1/pakn/%s/events" % pid, body), 200).json


def published(t, fc, fl):
    pid = pakn(fc)
    go(fc, pid, 1, "accept")
    go(fl, pid, 2, "answer", answer="Đã kiểm tra, chấn chỉnh")
    go(fl, pid, 3, "publish", public_text="Đơn vị đã kiểm tra và chấn chỉnh.")
    return pid


def test_reactions_on_a_published_answer(t):
    fc, fl = unit(t, "000.00.61.H56", "Sở Công Thương")
    pid = published(t, fc, fl)
    open_one = pakn(fc)
    a = t.anon()
    url = "/api/v1/public/pakn/%s/reactions" % pid
    eq(status(a.post(url, {"reaction": "like"}), 200).json,
       {"id": pid, "likes": 1, "dislikes": 0, "reaction": "like"}, "a like")
    eq(status(a.post(url, {"reaction": "like"}), 200).json["likes"], 1,
       "the same address again: still one")
    rows = t.scalar("SELECT count(*) FROM pakn_reaction WHERE pakn_id = %s" % pid)
    eq(rows, "1", "an unchanged standing appends nothing")
    eq(status(a.post(url, {"reaction": "dislike"}), 200).json,
       {"id": pid, "likes": 0, "dislikes": 1, "reaction": "dislike"}, "a change of mind")
    # refusals change nothing
    for body, code in (({"reaction": "love"}, "VALIDATION_FAILED"), ({}, "VALIDATION_FAILED"),
                       ({"reaction": "like", "name": "x"}, "VALIDATION_FAILED")):
        status(a.post(url, body), 422, code)
    status(a.post("/api/v1/public/pakn/%s/reactions" % open_one, {"reaction": "like"}), 404,
           "NOT_FOUND")
    status(a.post("/api/v1/public/pakn/abc/reactions", {"reaction": "like"}), 404, "NOT_FOUND")
    eq(t.scalar("SELECT count(*) FROM pakn_reaction WHERE pakn_id IN (%s, %s)" % (pid, open_one)),
       "2", "two standings of one voter: the like and the dislike")
    mine = [x for x in status(a.get("/api/v1/public/pakn?limit=500"), 200).json["items"]
            if x["id"] == pid]
    eq((mine[0]["likes"], mine[0]["dislikes"]), (0, 1), "the public list shows them")
    # the portal's counts, as its adapter reports them, beside ours
    purl = "/api/v1/pakn/%s/portal-reactions" % pid
    eq(status(t.admin.post(purl, {"likes": 3, "dislikes": 1}), 200).json,
       {"id": pid, "likes": 3, "dislikes": 2}, "3 + 0 likes, 1 + 1 dislikes")
    eq(status(t.admin.post(purl, {"likes": 4, "dislikes": 1}), 200).json["likes"], 4,
       "the latest report counts, not the sum of reports")
    status(t.admin.post(purl, {"likes": -1, "dislikes": 0}), 422, "VALIDATION_FAILED")
    status(t.admin.post(purl, {"likes": 1}), 422, "VALIDATION_FAILED")
    status(t.admin.post("/api/v1/pakn/%s/portal-reactions" % open_one,
                        {"likes": 1, "dislikes": 0}), 409, "PAKN_BAD_STATE")
    status(fc.post(purl, {"likes": 1, "dislikes": 0}), 403)
    eq(t.scalar("SELECT count(*) FROM pakn_portal_count"), "2", "two reports kept")
    d = status(t.supervisor.get("/api/v1/pakn/%s" % pid), 200).json
    eq((d["likes"], d["dislikes"]), (4, 2), "staff see the sum")


def test_766_5_3_counts_a_disliked_answer(t):
    """One PAKN answered in time in February; disliked (1 against 0) on 13/02: not satisfied
    under 5.3. The portal's 2 likes reported in December come after the judging instant
    (01/03) and change nothing; as of that report, for the same period, neither."""
    z = "000.00.62.H56"
    fc, fl = unit(t, z, "Sở Nội vụ")
    pid = published(t, fc, fl)
    status(t.client(None, server=t.fri).post("/api/v1/public/pakn/%s/reactions" % pid,
                                      {"reaction": "dislike"}), 200)
    url = "/api/v1/stats/satisfaction?from=2026-02-01&to=2026-02-28&unit=%s" % z
    x = status(t.supervisor.get(url), 200).json["rows"][0]
    eq(x["indicator_5_3"], {"numerator": 0, "denominator": 1, "ratio": "0.0", "points": "0.00",
                            "late": 0, "followed_up": 0, "disliked": 1}, "5.3")
    eq(x["indicator_5_2"]["numerator"], 1, "5.2: answered in time")
    status(t.admin.post("/api/v1/pakn/%s/portal-reactions" % pid, {"likes": 2, "dislikes": 0}),
           200)
    x = status(t.supervisor.get(url), 200).json["rows"][0]
    eq(x["indicator_5_3"]["disliked"], 1, "reported after the period's end")
    c = status(t.supervisor.get(url + "&format=csv"), 200)
    lines = c.body.decode("utf-8").split("\r\n")
    ok(lines[0].startswith('\ufeff"Mức độ hài lòng'), "a title with commas is quoted: " + lines[0])
    eq(lines[1], "Từ ngày 01/02/2026 đến ngày 28/02/2026", "period")
    eq(lines[3], "Sở Nội vụ,1,1,100.0,6.00,0,1,0.0,0.00,0,0,,0.00,6.00", "the unit's row")
    status(t.supervisor.get(url + "&format=pdf"), 400, "BAD_QUERY")


def test_register_against_a_count_by_hand(t):
    z = "000.00.63.H56"
    fc, fl = unit(t, z, "Sở Tài chính")
    p1 = published(t, fc, fl)                       # accepted, answered, published
    p2 = pakn(fc, topic="regulation", channel="hotline")
    go(fc, p2, 1, "accept")                         # open on 01/03, answer due 13/03
    p3 = pakn(fc)
    go(fc, p3, 1, "reject", reason="Không rõ nội dung")
    as_of = t.scalar("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                     " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
    pakn(fc)                                        # P4: undecided past 24/02 10:00
    p5 = pakn(fc, follows=p1)                       # a repeat, waiting for information
    go(fc, p5, 1, "accept")
    go(fc, p5, 2, "request_info", reason="Xin bổ sung thời gian, địa điểm")
    url = "/api/v1/stats/pakn?from=2026-02-01&to=2026-02-28&unit=%s" % z
    r = status(t.supervisor.get(url + "&group=all"), 200).json
    eq(len(r["rows"]), 1, "one row")
    x = r["rows"][0]
    eq(x["total"], 5, "five first received in February")
    eq(x["states"], {"submitted": 1, "accepted": 1, "rejected": 1, "transferred": 0,
                     "supplement_requested": 1, "answered": 0, "published": 1}, "states")
    # under competence P1, P2, P4, P5; P1 answered by its due; the others open, due 13/03
    eq(x["answer"], {"competent": 4, "on_time": 1, "late": 0, "open_in_time": 3, "overdue": 0,
                     "in_time": 4, "in_time_share": "100.0"}, "answers")
    # decided: P1, P2, P5 accepted and P3 rejected on 13/02; P4 past 24/02 10:00
    eq(x["decision"], {"decided": 4, "on_time": 4, "overdue": 1, "on_time_share": "100.0"},
       "decisions")
    eq(x["information"], {"requested": 1, "on_time": 1, "on_time_share": "100.0"}, "P5")
    eq(x["publication"], {"published": 1, "on_time": 1, "overdue": 0, "on_time_share": "100.0"},
       "P1")
    eq(x["repeats"], 1, "P5 follows P1")
    eq(r["total"]["total"], 5, "the total row")
    r = status(t.supervisor.get(url + "&group=topic"), 200).json
    eq([(y["key"], y["name"], y["total"]) for y in r["rows"]],
       [("conduct", "Hành vi của cán bộ, công chức", 4), ("regulation", "Quy định hành chính", 1)],
       "by topic")
    r = status(t.supervisor.get(url + "&group=state"), 200).json
    eq({y["key"]: (y["name"], y["total"]) for y in r["rows"]},
       {"submitted": ("Chờ tiếp nhận", 1), "accepted": ("Đang xử lý", 1),
        "rejected": ("Từ chối tiếp nhận", 1), "supplement_requested": ("Chờ bổ sung thông tin", 1),
        "published": ("Đã công khai", 1)}, "by state")
    r = status(t.supervisor.get(url + "&group=channel"), 200).json
    eq([(y["key"], y["total"]) for y in r["rows"]], [("counter", 4), ("hotline", 1)], "channels")
    r = status(t.supervisor.get(url + "&group=unit"), 200).json
    eq([(y["key"], y["name"]) for y in r["rows"]], [(z, "Sở Tài chính")], "the unit")
    # as the register stood before P4 and P5 came in
    r = status(t.supervisor.get(url + "&group=all&as_of=" + as_of), 200).json
    eq(r["as_of"], as_of, "echoed")
    eq((r["rows"][0]["total"], r["rows"][0]["states"]["published"],
        r["rows"][0]["states"]["accepted"], r["rows"][0]["repeats"]), (3, 1, 1, 0),
       "P1, P2, P3 only")
    # files
    c = status(t.supervisor.get(url + "&group=all&format=csv"), 200)
    lines = c.body.decode("utf-8").split("\r\n")
    eq(lines[0], '\ufeff"Sổ theo dõi phản ánh, kiến nghị"', "title, quoted for its comma")
    eq(lines[3], "Tổng cộng,5,1,1,1,0,1,0,1,4,1,0,3,0,4,4,1,1,1,1,1,0,1,100.0", "the row")
    eq(lines[4], "", "group=all is its own total")
    c = status(t.supervisor.get(url + "&group=topic&format=csv"), 200)
    rows = list(csv.reader(io.StringIO(c.body.decode("utf-8"), newline="")))
    eq([x[0] for x in rows[3:6]],
       ["Hành vi của cán bộ, công chức", "Quy định hành chính", "Tổng cộng"], "rows and total")
    x = status(t.supervisor.get(url + "&format=xlsx"), 200)
    ok(x.headers.get("content-type", "").startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), "XLSX")
    ok(x.body[:4] == b"PK\x03\x04", "a zip container")
    # refusals
    status(t.supervisor.get(url + "&group=officer"), 400, "BAD_QUERY")
    status(t.supervisor.get(url + "&as_of=yesterday"), 400, "BAD_QUERY")


def test_evaluations_as_of_and_xlsx(t):
    url = "/api/v1/stats/evaluations?from=2026-01-01&to=2026-12-31&group=all"
    before = status(t.supervisor.get(url), 200).json["total"]["rated"]
    x = status(t.supervisor.get(url + "&format=xlsx"), 200)
    ok(x.body[:4] == b"PK\x03\x04", "XLSX")
    r = status(t.supervisor.get(url + "&as_of=2026-01-01T00:00:00%2B07:00"), 200).json
    eq((r["as_of"], r["total"]["rated"]), ("2026-01-01T00:00:00+07:00", 0),
       "nothing was recorded by then")
    eq(before, status(t.supervisor.get(url), 200).json["total"]["rated"], "live unchanged")


def test_a_province_sets_its_own_deadlines(t):
    """Ninh Bình answers in 10 working days (QĐ 163/2025 Art. 19): a server configured so
    takes in on Fri 13/02 10:00 and dues the answer on Fri 06/03 (23-27/02 are days 1-5,
    02-06/03 days 6-10); the other deadlines keep the portal's values."""
    s = t.start_server_at(tp.FRI, env={"MOTCUA_PAKN_ANSWER_DAYS": "10"})
    try:
        r = status(t.client(t.clerk.token, server=s).post("/api/v1/pakn", {
            "topic": "conduct", "channel": "hotline", "sender": dict(tp.SENDER),
            "content": tp.BODY}), 201).json
        tod = r["received_at"][10:]
        eq((r["answer_due_at"], r["reject_due_at"]), ("2026-03-06" + tod, "2026-02-24" + tod),
           "10 working days to answer, 2 to refuse")
    finally:
        s.stop()
