"""Reports against a live server (domain.md §7, §8): on-time figures by every grouping and both
rule sets, Biểu số 06 as JSON, CSV and XLSX (the workbook opened with zipfile + ElementTree
and compared cell by cell with the JSON report), the four invariants, scope, bad parameters.

The data set is a handful of dossiers back-dated by an integration client, each placed in one
class on purpose. Every expected number below is typed from the rules of domain.md §7.1
(legal) and §7.2 (dvcqg766) applied by hand to the dates in DOSSIERS, with the 2026 calendar
(03/2026 has no holiday; sessions 07:00-11:30, 13:30-17:00, so N working days from 08:00 end
at 08:00 N working days later). The report period of most checks is the official month
"Tháng 3 năm 2026" = 15/02/2026 .. 14/03/2026 (domain.md §8.2 cut-off), end instant
15/03/2026 00:00 (UTC+7)."""
import csv
import io
import re
import xml.etree.ElementTree as ET
import zipfile

from harness import eq, new_key, ok, status

ROOT = "000.00.00.H56"
CENTER = "000.00.12.H56"
JUSTICE = "000.00.21.H56"
COMMUNE_A = "001.30.40.H56"
COMMUNE_B = "002.30.40.H56"

# Procedures: 3 working days (field G01) and 5 working days (field G02), no steps or legs.
P3, P5 = "2.000908", "1.000001"

# (name, procedure, receiving, resolving, channel, received, [events...]) where an event is
# (type, occurred_at, extra fields). Comment = class in the March 2026 report.
DOSSIERS = [
    # received in the period, due Thu 05/03 08:00, resolved Tue 03/03: trước hạn; 766 ok
    ("D1", P3, CENTER, JUSTICE, 1, "2026-03-02T08:00:00+07:00",
     [("resolve", "2026-03-03T10:00:00+07:00")]),
    # online; resolved exactly at the due instant: đúng hạn; 766 ok
    ("D2", P3, CENTER, JUSTICE, 2, "2026-03-02T08:00:00+07:00",
     [("resolve", "2026-03-05T08:00:00+07:00")]),
    # resolved Fri 06/03 09:00 > due: quá hạn; 766 late
    ("D3", P3, CENTER, JUSTICE, 1, "2026-03-02T08:00:00+07:00",
     [("resolve", "2026-03-06T09:00:00+07:00")]),
    # open at the end, due 05/03: đang giải quyết quá hạn; 766 open late
    ("D4", P3, CENTER, JUSTICE, 1, "2026-03-02T08:00:00+07:00", []),
    # 5 working days from Fri 13/03 08:00 = Fri 20/03 08:00: open in time; 766 open ok
    ("D5", P5, CENTER, JUSTICE, 1, "2026-03-13T08:00:00+07:00", []),
    # postal, received Tue 10/02 (before 15/02: từ kỳ trước), due Fri 13/02 08:00, resolved
    # Mon 02/03: quá hạn; 766 late
    ("D6", P3, CENTER, JUSTICE, 3, "2026-02-10T08:00:00+07:00",
     [("resolve", "2026-03-02T09:00:00+07:00")]),
    # received and resolved before the March period (only in the quarter): trước hạn
    ("D8", P3, CENTER, JUSTICE, 1, "2026-02-02T08:00:00+07:00",
     [("resolve", "2026-02-03T08:00:00+07:00")]),
    # supplement Mon 02/03 10:00 -> Wed 04/03 10:00 pauses 960 working minutes: legal due
    # Mon 09/03 08:00; resolved Fri 06/03: trước hạn; 766: 06/03 10:00 - 48 h = 04/03 10:00
    # <= appointment 05/03 08:00: ok
    ("D9", P3, CENTER, JUSTICE, 1, "2026-03-02T08:00:00+07:00",
     [("request_supplement", "2026-03-02T10:00:00+07:00"),
      ("receive_supplement", "2026-03-04T10:00:00+07:00"),
      ("resolve", "2026-03-06T10:00:00+07:00")]),
    # received at the provincial centre, resolved by commune A on 04/03: trước hạn
    ("D10", P3, CENTER, COMMUNE_A, 1, "2026-03-02T08:00:00+07:00",
     [("resolve", "2026-03-04T10:00:00+07:00")]),
    # commune A's own counter: online, trước hạn
    ("C1", P3, COMMUNE_A, COMMUNE_A, 2, "2026-03-02T08:00:00+07:00",
     [("resolve", "2026-03-04T09:00:00+07:00")]),
    # commune A, open and overdue at the end
    ("C2", P3, COMMUNE_A, COMMUNE_A, 1, "2026-03-02T08:00:00+07:00", []),
    # commune B, 5 working days: due Mon 09/03 08:00, resolved 09/03 10:00: quá hạn
    # its step "Thẩm định" (480 working minutes from the hand-over at 02/03 08:00, planned
    # end 03/03 08:00) is assigned to official offb and overruns: the late step of Biểu 06
    ("B1", P5, COMMUNE_B, COMMUNE_B, 1, "2026-03-02T08:00:00+07:00",
     [("assign", "2026-03-02T09:00:00+07:00", {"official": "offb"}),
      ("resolve", "2026-03-09T10:00:00+07:00")]),
]

# Expected Biểu 06 cells (columns 3..13) for March 2026, typed from the comments above:
# [3 total, 4 online, 5 direct, 6 carried, 7 resolved, 8 early, 9 on time, 10 late,
#  11 open, 12 in time, 13 overdue]
MARCH_BY_RESOLVING = {
    JUSTICE: [7, 1, 5, 1, 5, 2, 1, 2, 2, 1, 1],     # D1 D2 D3 D4 D5 D9 + D6 carried
    COMMUNE_A: [3, 1, 2, 0, 2, 2, 0, 0, 1, 0, 1],   # D10 C1 C2
    COMMUNE_B: [1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0],   # B1
}
MARCH_BY_RECEIVING = {
    CENTER: [8, 1, 6, 1, 6, 3, 1, 2, 2, 1, 1],      # D1-D6, D9, D10
    COMMUNE_A: [2, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1],   # C1 C2
    COMMUNE_B: [1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0],
}
MARCH_TOTAL = [11, 2, 8, 1, 8, 4, 1, 3, 3, 1, 2]
# level / field (by resolving unit)
MARCH_BY_LEVEL_FIELD = {
    ("province", "G01"): [6, 1, 4, 1, 5, 2, 1, 2, 1, 0, 1],  # D1 D2 D3 D4 D9 + D6
    ("province", "G02"): [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0],  # D5
    ("commune", "G01"): [3, 1, 2, 0, 2, 2, 0, 0, 1, 0, 1],   # D10 C1 C2
    ("commune", "G02"): [1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0],   # B1
}
# Quarter I 2026 = 15/12/2025 .. 14/03/2026: D6 and D8 are received in the period.
Q1_TOTAL = [12, 2, 10, 0, 9, 5, 1, 3, 3, 1, 2]


def setup(t):
    t.psql("""
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from) VALUES
      ('000.00.00.H56', 'UBND tỉnh Thử Nghiệm', 'province', 'committee', NULL, 'H56', '2000-01-01');
    INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)
      SELECT c, n, l, k, (SELECT id FROM unit WHERE code = '000.00.00.H56'), 'H56', '2000-01-01'
      FROM (VALUES ('000.00.12.H56', 'Trung tâm Phục vụ hành chính công tỉnh', 'province', 'center'),
                   ('000.00.21.H56', 'Sở Tư pháp', 'province', 'department'),
                   ('001.30.40.H56', 'UBND xã Hòa An', 'commune', 'committee'),
                   ('002.30.40.H56', 'UBND xã Phước Lộc', 'commune', 'committee')) v(c, n, l, k);
    INSERT INTO field (code, name) VALUES ('G01', 'Chứng thực'), ('G02', 'Đất đai');
    INSERT INTO procedure (code, name, field_id, levels) VALUES
      ('2.000908', 'Cấp bản sao từ sổ gốc', (SELECT id FROM field WHERE code = 'G01'), '{province,commune}'),
      ('1.000001', 'Đăng ký biến động đất đai', (SELECT id FROM field WHERE code = 'G02'), '{province,commune}');
    INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value,
      duration_unit, pause_reasons, legs, steps)
    SELECT p.id, 1, '2015-01-01', v.dv, 'wd', '{supplement}', '[]', v.steps::jsonb
      FROM procedure p JOIN (VALUES ('2.000908', 3, '[]'),
        ('1.000001', 5, '[{"name":"Thẩm định","role":"official","minutes":480}]')) v(code, dv, steps)
      ON v.code = p.code;
    """)
    t.integ = t.api_key("egov", ROOT)
    t.admin = t.account("admin1", "admin", ROOT)
    t.sup = t.account("sup1", "supervisor", ROOT)
    t.clerk_a = t.account("clerka", "clerk", COMMUNE_A)
    t.sup_a = t.account("supa", "supervisor", COMMUNE_A)
    t.off_b = t.account("offb", "official", COMMUNE_B)
    t.codes = {}
    for name, proc, rec, res, ch, at, events in DOSSIERS:
        body = {"applicant": {"name": "Trần Thị Bình", "id_number": "001090000002"},
                "procedure": proc, "channel": ch, "received_at": at, "receiving_unit": rec,
                "resolving_unit": res, "complete": True,
                "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}]}
        r = t.integ.post("/api/v1/dossiers", body, headers={"Idempotency-Key": new_key()})
        status(r, 201)
        code, version = r.json["code"], r.json["version"]
        t.codes[name] = code
        if not events:
            continue
        r = t.integ.post("/api/v1/dossiers/%s/events" % code,
                         {"type": "hand_over", "expected_version": version, "to_unit": res,
                          "step": "Thẩm định", "occurred_at": at},
                         headers={"Idempotency-Key": new_key()})
        status(r, 200)
        version += 1
        for ev in events:
            typ, when = ev[0], ev[1]
            body = {"type": typ, "expected_version": version, "occurred_at": when}
            body.update(ev[2] if len(ev) > 2 else {})
            if typ == "resolve":
                body["outcome"] = "granted"
            if typ == "request_supplement":
                body["reason"] = "Thiếu giấy tờ"
                body["missing"] = ["Bản sao CCCD"]
            r = t.integ.post("/api/v1/dossiers/%s/events" % code, body,
                             headers={"Idempotency-Key": new_key()})
            status(r, 200)
            version += 1


MARCH = "period=month&year=2026&number=3"
FIG = ("received", "received_online", "received_direct", "carried_over", "resolved", "early",
       "on_time", "late", "open", "open_in_time", "open_overdue")


def cells(item):
    """An ontime item as Biểu 06 columns 3..13."""
    v = [item[k] for k in FIG]
    return [v[0] + v[3]] + v[1:]


def ontime(c, q, expect=200):
    r = c.get("/api/v1/stats/ontime?" + q)
    status(r, expect)
    return r.json


def by_key(items, k):
    return {it["key"][k]: cells(it) for it in items}


def test_group_unit_resolving_and_receiving(t):
    j = ontime(t.admin, MARCH + "&group=unit")
    eq(j["rules"], "legal", "default rule set")
    eq(j["period"]["from"], "2026-02-15", "month cut-off: from the 15th of the month before")
    eq(j["period"]["to"], "2026-03-14", "to the 14th")
    eq(by_key(j["items"], "unit"), MARCH_BY_RESOLVING, "by resolving unit")
    j = ontime(t.admin, MARCH + "&group=unit&by=receiving")
    eq(by_key(j["items"], "unit"), MARCH_BY_RECEIVING, "by receiving unit")


def add(*rows):
    return [sum(x) for x in zip(*rows)]


def test_sub_units_rolled_up(t):
    # rollup=subtree: the unit asked for with its whole subtree as one row, summed by the
    # server (sql/064_report_rollup.sql), not by this test.
    j = ontime(t.sup, MARCH + "&group=unit&rollup=subtree&unit=%s" % ROOT)
    eq(j["rollup"], "subtree", "rollup echoed")
    eq(by_key(j["items"], "unit"), {ROOT: MARCH_TOTAL}, "root with its subtree: one row")
    j = ontime(t.sup, MARCH + "&group=level&unit=%s&include_sub_units=false" % ROOT)
    eq(j["items"], [], "root alone resolves nothing")
    j = ontime(t.sup, MARCH + "&group=unit&unit=%s&include_sub_units=false" % COMMUNE_A)
    eq(by_key(j["items"], "unit"), {COMMUNE_A: MARCH_BY_RESOLVING[COMMUNE_A]}, "one unit")


def test_rollup_children(t):
    """rollup=children: one row per child unit of the unit asked for (else of the caller's
    unit), each child's whole subtree summed, plus the unit's own dossiers. Commune B is made
    a sub-unit of commune A for this test (then put back)."""
    t.psql("UPDATE unit SET parent_id = (SELECT id FROM unit WHERE code = '%s') WHERE code = '%s'"
           % (COMMUNE_A, COMMUNE_B))
    try:
        a, b, jus = (MARCH_BY_RESOLVING[COMMUNE_A], MARCH_BY_RESOLVING[COMMUNE_B],
                     MARCH_BY_RESOLVING[JUSTICE])
        # the province supervisor, anchor = its unit (the root): A's row holds A + B
        j = ontime(t.sup, MARCH + "&group=unit&rollup=children")
        eq(j["rollup"], "children", "rollup echoed")
        eq(by_key(j["items"], "unit"), {JUSTICE: jus, COMMUNE_A: add(a, b)},
           "children of the root, B rolled up into A")
        # the plain per-unit rows still split them
        j = ontime(t.sup, MARCH + "&group=unit")
        eq(by_key(j["items"], "unit"), MARCH_BY_RESOLVING, "without rollup: per unit")
        j = ontime(t.sup, MARCH + "&group=unit&rollup=children&unit=%s" % COMMUNE_A)
        eq(by_key(j["items"], "unit"), {COMMUNE_A: a, COMMUNE_B: b},
           "children of A: A's own dossiers and B's subtree")
        j = ontime(t.sup, MARCH + "&group=unit&rollup=subtree&unit=%s" % COMMUNE_A)
        eq(by_key(j["items"], "unit"), {COMMUNE_A: add(a, b)}, "A's subtree as one row")
        j = ontime(t.admin, MARCH + "&group=unit&rollup=children")
        eq(by_key(j["items"], "unit"), {ROOT: MARCH_TOTAL}, "administrator: the top units")
        j = ontime(t.sup, MARCH + "&group=unit&by=receiving&rollup=children")
        eq(by_key(j["items"], "unit"),
           {CENTER: MARCH_BY_RECEIVING[CENTER],
            COMMUNE_A: add(MARCH_BY_RECEIVING[COMMUNE_A], MARCH_BY_RECEIVING[COMMUNE_B])},
           "by receiving unit")
        j = ontime(t.sup, MARCH + "&group=unit,channel&rollup=children")
        got = {(it["key"]["unit"], it["key"]["channel"]): cells(it) for it in j["items"]}
        eq(add(*[v for k, v in got.items() if k[0] == COMMUNE_A]), add(a, b),
           "crossed with channel, A's cells add up to A + B")
        eq(got[(COMMUNE_A, "2")], [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0], "A online: C1")
        # A's supervisor: A is the anchor
        j = ontime(t.sup_a, MARCH + "&group=unit&rollup=subtree")
        eq(by_key(j["items"], "unit"), {COMMUNE_A: add(a, b)}, "A's supervisor, subtree")
        # a clerk sees its own unit only: no roll-up of sub-units
        j = ontime(t.clerk_a, MARCH + "&group=unit&rollup=subtree")
        eq(by_key(j["items"], "unit"), {COMMUNE_A: a}, "clerk: own unit only")
        # the summaries equal the plain scan, and the leaves summed by hand
        for ru in ("children", "subtree"):
            for g in ("unit", "unit,field", "level"):
                g1, g2 = (g.split(",") + ["none"])[:2]
                args = ("'2026-02-15', '2026-03-14', '%s', '%s', 'resolving', 'historical/%s',"
                        " NULL, (SELECT id FROM unit WHERE code = '%s'), true, now()" % (g1, g2, ru, ROOT))
                diff = t.scalar("SELECT count(*) FROM ((SELECT * FROM report_figures(%s) EXCEPT"
                                " SELECT * FROM report_figures_raw(%s)) UNION ALL (SELECT * FROM"
                                " report_figures_raw(%s) EXCEPT SELECT * FROM report_figures(%s))) x"
                                % (args, args, args, args))
                eq(diff, "0", "summaries = plain scan, rollup=%s, group=%s" % (ru, g))
        leaves = t.sql("SELECT k1, received, carried, ended, open_total, open_overdue FROM"
                       " report_figures_raw('2026-02-15', '2026-03-14', 'unit', 'none', 'resolving',"
                       " 'historical', NULL, NULL, true, now()) WHERE k1 IN ('%s', '%s')"
                       % (COMMUNE_A, COMMUNE_B))
        rolled = t.sql("SELECT k1, received, carried, ended, open_total, open_overdue FROM"
                       " report_figures('2026-02-15', '2026-03-14', 'unit', 'none', 'resolving',"
                       " 'historical/children', NULL, (SELECT id FROM unit WHERE code = '%s'),"
                       " true, now()) WHERE k1 = '%s'" % (ROOT, COMMUNE_A))
        eq([int(x) for x in rolled[0][1:]],
           add(*[[int(x) for x in r[1:]] for r in leaves]), "rolled-up row = sum of the leaves")
        # Biểu 06 by unit, rolled up
        j = bieu06(t, MARCH + "&group=unit&rollup=children&unit=%s" % ROOT)
        check_invariants(j["rows"])
        eq({r["key"]: r["cells"] for r in j["rows"] if r["kind"] == "data"},
           {JUSTICE: jus, COMMUNE_A: add(a, b)}, "Biểu 06 rows per child unit")
        eq(j["rows"][-1]["cells"], MARCH_TOTAL, "Biểu 06 total")
        # the lists behind a rolled-up row
        codes = {v: k for k, v in t.codes.items()}
        items = pages(t.admin, "/api/v1/stats/ontime/dossiers?%s&cell=resolved&rollup=children"
                      "&unit=%s&key_unit=%s" % (MARCH, ROOT, COMMUNE_A), 2)
        eq([codes[i["code"]] for i in items], ["D10", "C1", "B1"], "cell list of A's subtree")
        eq({i["unit"] for i in items}, {COMMUNE_A}, "listed under the rolled-up unit")
        status(t.admin.get("/api/v1/stats/ontime?%s&rollup=up" % MARCH), 400, "BAD_QUERY")
    finally:
        t.psql("UPDATE unit SET parent_id = (SELECT id FROM unit WHERE code = '%s')"
               " WHERE code = '%s'" % (ROOT, COMMUNE_B))


def test_group_level_field_procedure_channel(t):
    j = ontime(t.admin, MARCH + "&group=level")
    eq(by_key(j["items"], "level"), {
        "province": [a + b for a, b in zip(MARCH_BY_LEVEL_FIELD[("province", "G01")],
                                            MARCH_BY_LEVEL_FIELD[("province", "G02")])],
        "commune": [a + b for a, b in zip(MARCH_BY_LEVEL_FIELD[("commune", "G01")],
                                           MARCH_BY_LEVEL_FIELD[("commune", "G02")])]},
        "by level")
    j = ontime(t.admin, MARCH + "&group=field")
    eq(by_key(j["items"], "field"), {
        "G01": [9, 2, 6, 1, 7, 4, 1, 2, 2, 0, 2],
        "G02": [2, 0, 2, 0, 1, 0, 0, 1, 1, 1, 0]}, "by field")
    j = ontime(t.admin, MARCH + "&group=procedure")
    eq(by_key(j["items"], "procedure"), {
        P3: [9, 2, 6, 1, 7, 4, 1, 2, 2, 0, 2],
        P5: [2, 0, 2, 0, 1, 0, 0, 1, 1, 1, 0]}, "by procedure")
    j = ontime(t.admin, MARCH + "&group=channel")
    eq(by_key(j["items"], "channel"), {
        "1": [8, 0, 8, 0, 5, 3, 0, 2, 3, 1, 2],     # D1 D3 D4 D5 D9 D10 C2 B1
        "2": [2, 2, 0, 0, 2, 1, 1, 0, 0, 0, 0],     # D2 C1
        "3": [1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0]},    # D6 carried over
        "by channel")


def test_two_keys_crossed(t):
    j = ontime(t.admin, MARCH + "&group=level,field")
    got = {(it["key"]["level"], it["key"]["field"]): cells(it) for it in j["items"]}
    eq(got, MARCH_BY_LEVEL_FIELD, "level x field")
    j = ontime(t.admin, MARCH + "&group=unit,channel")
    got = {(it["key"]["unit"], it["key"]["channel"]): cells(it) for it in j["items"]}
    eq(got[(COMMUNE_A, "2")], [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0], "commune A online (C1)")
    eq(got[(JUSTICE, "3")], [1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0], "justice postal (D6)")
    tot = [sum(x) for x in zip(*got.values())]
    eq(tot, MARCH_TOTAL, "crossed cells add up to the total")


def test_rates_both_rule_sets(t):
    j = ontime(t.admin, MARCH + "&group=unit&rules=dvcqg766")
    eq(j["rules"], "dvcqg766", "rule set named")
    it = {x["key"]["unit"]: x for x in j["items"]}
    js = it[JUSTICE]
    # legal: (2 early + 1 on time) / 5 resolved
    eq(js["on_time_rate"], "60.00", "legal on-time rate")
    eq(js["late_rate"], "40.00", "late share")
    eq(js["open_overdue_rate"], "50.00", "overdue / open")
    # dvcqg766: ended ok D1 D2 D9, late D3 D6; open in time D5 of D4 D5;
    # rate = (3 + 1) / (6 received + 1 carried) = 57.14
    v = js["dvcqg766"]
    eq((v["ended_on_time"], v["ended_late"], v["open_in_time"], v["open_late"]), (3, 2, 1, 1),
       "766 counters")
    eq(v["rate"], "57.14", "766 rate")
    a = it[COMMUNE_A]["dvcqg766"]
    eq((a["ended_on_time"], a["open_late"], a["rate"]), (2, 1, "66.67"), "commune A 766")
    b = it[COMMUNE_B]
    eq((b["on_time_rate"], b["dvcqg766"]["rate"]), ("0.00", "0.00"), "commune B all late")
    eq(b["open_overdue_rate"], None, "no open dossier: N/A, not 0")


def test_dvcqg_points(t):
    """Indicator 2.1 points (domain.md §8.1): min(rate / threshold, 1) x points, from the
    exact ratio. Defaults 100 % and 20 points; then MOTCUA_DVCQG21_THRESHOLD=90 on a second
    server: commune A's 2/3 gives (2/3) / 0.9 x 20 = 14.8148.. -> 14.81 (from the rounded
    rate 66.67 it would be 14.82)."""
    it = {x["key"]["unit"]: x["dvcqg766"] for x in
          ontime(t.admin, MARCH + "&group=unit&rules=dvcqg766")["items"]}
    eq((it[JUSTICE]["points"], it[COMMUNE_A]["points"], it[COMMUNE_B]["points"]),
       ("11.43", "13.33", "0.00"), "default: 4/7 x 20, 2/3 x 20, 0")
    s2 = t.start_server(env={"MOTCUA_DVCQG21_THRESHOLD": "90", "MOTCUA_DVCQG21_POINTS": "20"})
    try:
        c = t.client(t.admin.token, server=s2)
        it = {x["key"]["unit"]: x["dvcqg766"] for x in
              ontime(c, MARCH + "&group=unit&rules=dvcqg766")["items"]}
        eq(it[COMMUNE_A]["rate"], "66.67", "the rate itself does not move")
        eq((it[JUSTICE]["points"], it[COMMUNE_A]["points"]), ("12.70", "14.81"),
           "threshold 90 %: from the exact ratio")
        ch = {x["key"]["channel"]: x["dvcqg766"] for x in
              ontime(c, MARCH + "&group=channel")["items"]}
        eq((ch["2"]["rate"], ch["2"]["points"]), ("100.00", "20.00"), "at the threshold: full")
        c.close()
    finally:
        s2.stop()


def test_quarter_and_range(t):
    j = ontime(t.admin, "period=quarter&year=2026&number=1&group=level")
    eq(j["period"]["from"], "2025-12-15", "quarter I from 15/12 of the previous year")
    tot = [sum(x) for x in zip(*[cells(it) for it in j["items"]])]
    eq(tot, Q1_TOTAL, "quarter I")
    # an explicit range: only the first week of March, end instant 07/03 00:00
    j = ontime(t.admin, "from=2026-03-02&to=2026-03-06&group=unit")
    got = by_key(j["items"], "unit")
    # justice: received D1 D2 D3 D4 D9 (5), D6 carried; ended D1 D2 D3 D6 D9;
    # D4 open and overdue at 07/03 00:00
    eq(got[JUSTICE], [6, 1, 4, 1, 5, 2, 1, 2, 1, 0, 1], "first week, justice")
    # commune B: B1 open at 07/03 00:00, due 09/03: in time
    eq(got[COMMUNE_B], [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0], "first week, commune B")


def test_trend(t):
    r = t.admin.get("/api/v1/stats/trend?from=2026-03-01&to=2026-03-31&interval=day")
    status(r, 200)
    got = {it["bucket"]: (it["received"], it["resolved"]) for it in r.json["items"]}
    # received 02/03: D1 D2 D3 D4 D9 D10 C1 C2 B1 = 9, resolved 02/03: D6
    eq(got["2026-03-02"], (9, 1), "02/03")
    eq(got["2026-03-13"], (1, 0), "13/03: D5")
    eq(got["2026-03-06"], (0, 2), "06/03: D3 D9")
    eq(r.json["rules"], "legal", "rules echoed")
    # rules=dvcqg766 (regression: it was ignored): the 766 counts of the ended dossiers and
    # their rate; 06/03: D9 in time by 766, D3 late.
    r = t.admin.get("/api/v1/stats/trend?from=2026-03-01&to=2026-03-31&interval=month"
                    "&rules=dvcqg766")
    status(r, 200)
    eq(r.json["rules"], "dvcqg766", "rules echoed")
    m = r.json["items"][0]
    eq((m["dvcqg766"]["ended_on_time"], m["dvcqg766"]["ended_late"]), (5, 3),
       "March: D1 D2 D9 D10 C1 in time, D3 D6 B1 late (766)")
    eq(m["on_time_rate"], m["dvcqg766"]["rate"], "the 766 rate under rules=dvcqg766")
    r = t.admin.get("/api/v1/stats/trend?from=2026-03-06&to=2026-03-06&rules=dvcqg766")
    d = r.json["items"][0]["dvcqg766"]
    eq((d["ended_on_time"], d["ended_late"]), (1, 1), "06/03 by 766")


def test_scope(t):
    # a commune clerk sees its own commune only, whatever it asks for
    j = ontime(t.clerk_a, MARCH + "&group=unit")
    eq(by_key(j["items"], "unit"), {COMMUNE_A: MARCH_BY_RESOLVING[COMMUNE_A]}, "clerk scope")
    j = ontime(t.clerk_a, MARCH + "&group=unit&unit=%s" % JUSTICE)
    eq(by_key(j["items"], "unit"), {COMMUNE_A: MARCH_BY_RESOLVING[COMMUNE_A]},
       "clerk cannot widen")
    # a supervisor of the province sees the province
    j = ontime(t.sup, MARCH + "&group=unit")
    eq(by_key(j["items"], "unit"), MARCH_BY_RESOLVING, "province supervisor")
    # a commune supervisor asking for another unit gets nothing (existence not leaked)
    j = ontime(t.sup_a, MARCH + "&group=unit&unit=%s" % JUSTICE)
    eq(j["items"], [], "out of scope = empty")
    r = t.sup_a.get("/api/v1/reports/bieu06?" + MARCH)
    status(r, 200)
    eq(r.json["rows"][-1]["cells"], MARCH_BY_RESOLVING[COMMUNE_A], "Biểu 06 in scope")
    # integration clients read no report
    status(t.integ.get("/api/v1/stats/ontime?" + MARCH), 403)
    status(t.anon().get("/api/v1/stats/ontime?" + MARCH), 401)


def test_bad_parameters(t):
    for q, field in (("period=week&year=2026", "period"),
                     ("period=month&year=2026", "number"),
                     ("period=month&number=3", "year"),
                     ("period=month&year=2026&number=13", None),
                     ("from=2026-02-30&to=2026-03-01", "from"),
                     ("from=2026-03-02&to=2026-03-01", "to"),
                     ("from=2026-03-02", "to"),
                     (MARCH + "&by=owner", "by"),
                     (MARCH + "&structure=later", "structure"),
                     (MARCH + "&rules=fast", "rules"),
                     (MARCH + "&group=colour", None),
                     (MARCH + "&group=unit,level,field", None)):
        r = t.admin.get("/api/v1/stats/ontime?" + q)
        status(r, 400, "BAD_QUERY")
        ok(r.headers.get("content-type", "").startswith("application/json"), "JSON error")
        if field:
            ok(field in r.text, "error names %s: %s" % (field, r.text))
    status(t.admin.get("/api/v1/stats/trend?%s&interval=hour" % MARCH), 400, "BAD_QUERY")
    status(t.admin.get("/api/v1/reports/bieu06?%s&group=channel" % MARCH), 400, "BAD_QUERY")
    r = t.admin.get("/api/v1/reports/bieu06?%s&format=pdf" % MARCH)
    eq(r.status, 406, "unknown format")
    ok(r.error_code() is not None, "JSON error")


def bieu06(t, q):
    r = t.admin.get("/api/v1/reports/bieu06?" + q)
    status(r, 200)
    return r.json


def check_invariants(rows):
    for row in rows:
        c = row["cells"]
        eq(c[0], c[1] + c[2] + c[3], "3 = 4 + 5 + 6 on %s" % row["label"])
        eq(c[4], c[5] + c[6] + c[7], "7 = 8 + 9 + 10 on %s" % row["label"])
        eq(c[8], c[9] + c[10], "11 = 12 + 13 on %s" % row["label"])
        eq(c[0], c[4] + c[8], "3 = 7 + 11 on %s" % row["label"])


def test_bieu06_json(t):
    j = bieu06(t, MARCH)
    eq(j["form"], "Biểu số 06/VPCP/KSTT", "form")
    ok(j["title"].startswith("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"), "title")
    eq(j["period_label"], "Tháng 3 năm 2026", "period label")
    eq(len(j["columns"]), 13, "thirteen columns")
    check_invariants(j["rows"])
    kinds = [(r["kind"], r["stt"], r["key"]) for r in j["rows"]]
    eq(kinds, [("group", "I", "province"), ("data", "1", "G01"), ("data", "2", "G02"),
               ("group", "II", "commune"), ("data", "1", "G01"), ("data", "2", "G02"),
               ("total", "", "")], "levels (sở-ngành first, then xã), fields within")
    rows = j["rows"]
    eq(rows[1]["cells"], MARCH_BY_LEVEL_FIELD[("province", "G01")], "I.1")
    eq(rows[1]["label"], "Chứng thực", "field name")
    eq(rows[5]["cells"], MARCH_BY_LEVEL_FIELD[("commune", "G02")], "II.2")
    eq(rows[-1]["cells"], MARCH_TOTAL, "total")
    j = bieu06(t, MARCH + "&group=unit")
    check_invariants(j["rows"])
    eq({r["key"]: r["cells"] for r in j["rows"] if r["kind"] == "data"}, MARCH_BY_RESOLVING,
       "by unit")
    j = bieu06(t, "period=quarter&year=2026&number=1")
    check_invariants(j["rows"])
    eq(j["rows"][-1]["cells"], Q1_TOTAL, "quarter total")


def test_bieu06_csv(t):
    r = t.admin.get("/api/v1/reports/bieu06?" + MARCH + "&format=csv")
    status(r, 200)
    ok(r.headers["content-type"].startswith("text/csv"), "CSV type")
    ok(r.body.startswith(b"\xef\xbb\xbf"), "BOM for Excel")
    rows = list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"))))
    j = bieu06(t, MARCH)
    data = [x for x in rows if len(x) == 13 and re.fullmatch(r"-?\d+", x[2] or "x")]
    eq(len(data), len(j["rows"]), "one line per row")
    for line, row in zip(data, j["rows"]):
        eq([int(v) for v in line[2:]], row["cells"], "CSV = JSON for %s" % row["label"])
        eq(line[1], row["label"], "label")
    ok(any(B06_TITLE_START in "".join(x) for x in rows), "title in the CSV")


B06_TITLE_START = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1, int(ref[len(letters):]) - 1


def test_bieu06_xlsx(t):
    r = t.admin.get("/api/v1/reports/bieu06?" + MARCH + "&format=xlsx&recipient=" +
                    "V%C4%83n%20ph%C3%B2ng%20UBND%20t%E1%BB%89nh")
    status(r, 200)
    ok("spreadsheetml" in r.headers["content-type"], "XLSX type")
    z = zipfile.ZipFile(io.BytesIO(r.body))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(x.text or "" for x in si.iter("{%s}t" % NS["m"])))
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    grid = {}
    for c in sheet.iter("{%s}c" % NS["m"]):
        ref, typ = c.get("r"), c.get("t")
        v = c.find("m:v", NS)
        isv = c.find("m:is", NS)
        if typ == "s":
            val = shared[int(v.text)]
        elif typ == "inlineStr":
            val = "".join(x.text or "" for x in isv.iter("{%s}t" % NS["m"]))
        elif typ in (None, "n") and v is not None:
            val = float(v.text)        # a number stored as a number
        elif v is not None:
            val = v.text
        else:
            continue
        grid[col_index(ref)] = val
    merges = {m.get("ref") for m in sheet.iter("{%s}mergeCell" % NS["m"])}
    ok(str(grid[(0, 0)]).startswith(B06_TITLE_START), "title in A1: %r" % grid.get((0, 0)))
    ok("A1:M1" in merges, "title merged over the 13 columns")
    ok("Tháng 3 năm 2026" in grid[(0, 1)] and "15/02/2026" in grid[(0, 1)] and
       "14/03/2026" in grid[(0, 1)], "period line: %r" % grid[(0, 1)])
    ok("Văn phòng UBND tỉnh" in grid[(7, 2)], "recipient")
    for m in ("A5:A6", "B5:B6", "C5:F5", "G5:J5", "K5:M5"):
        ok(m in merges, "merged heading %s" % m)
    eq(grid[(2, 4)], "Số hồ sơ nhận giải quyết", "heading")
    eq(grid[(4, 5)], "Trực tiếp, dịch vụ bưu chính", "sub-heading column 5")
    eq([grid[(i, 6)] for i in range(13)], ["(%d)" % (i + 1) for i in range(13)], "column numbers")
    j = bieu06(t, MARCH)
    for k, row in enumerate(j["rows"]):
        y = 7 + k
        eq(grid[(0, y)] if (0, y) in grid else "", row["stt"], "STT row %d" % y)
        eq(grid[(1, y)], row["label"], "label row %d" % y)
        nums = [grid[(x, y)] for x in range(2, 13)]
        ok(all(isinstance(v, float) for v in nums), "numbers as numbers on row %d" % y)
        eq([int(v) for v in nums], row["cells"], "XLSX = JSON on row %d" % y)
    eq([int(grid[(x, 7 + len(j["rows"]) - 1)]) for x in range(2, 13)], MARCH_TOTAL, "total row")


def pages(c, path, limit):
    """Follows next_cursor; returns every item."""
    out, cur = [], None
    for _ in range(100):
        r = c.get(path + "&limit=%d" % limit + ("&cursor=" + cur if cur else ""))
        status(r, 200)
        out += r.json["items"]
        cur = r.json["next_cursor"]
        if cur is None:
            return out
    raise AssertionError("pagination does not end")


def test_overdue_list(t):
    # now (the test runs after 2026-03) every open dossier of the set is overdue; sorted by
    # legal due instant, then id: D4 and C2 (due 05/03 08:00), D5 (20/03 08:00)
    items = pages(t.admin, "/api/v1/stats/overdue?", 1)
    eq([i["code"] for i in items], [t.codes["D4"], t.codes["C2"], t.codes["D5"]], "most overdue first")
    eq(items[0]["legal_due_at"], "2026-03-05T08:00:00+07:00", "due")
    eq(items[0]["resolving_unit"]["code"], JUSTICE, "unit")
    ok(items[0]["overdue_working_minutes"] > items[2]["overdue_working_minutes"] > 0,
       "working minutes late")
    j = t.clerk_a.get("/api/v1/stats/overdue").json
    eq([i["code"] for i in j["items"]], [t.codes["C2"]], "a commune clerk sees its commune")
    j = t.sup.get("/api/v1/stats/overdue?unit=%s&include_sub_units=false" % JUSTICE).json
    eq([i["code"] for i in j["items"]], [t.codes["D4"], t.codes["D5"]], "per unit")
    j = t.sup.get("/api/v1/stats/overdue?by=receiving&unit=%s" % COMMUNE_A).json
    eq([i["code"] for i in j["items"]], [t.codes["C2"]], "by receiving unit")
    status(t.admin.get("/api/v1/stats/overdue?cursor=abc"), 400, "BAD_QUERY")
    status(t.admin.get("/api/v1/stats/overdue?by=owner"), 400, "BAD_QUERY")
    status(t.admin.get("/api/v1/stats/overdue?limit=0"), 400, "BAD_QUERY")


def test_due_soon_list(t):
    # received now: the clock starts now or at the next session; 3 working days = 24
    # working hours later it is due. Within 24 working hours: listed; within 23: not.
    import datetime
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7)))
    body = {"applicant": {"name": "Lê Văn Cường", "id_number": "001090000003"},
            "procedure": P3, "channel": 1, "received_at": now.isoformat(timespec="seconds"),
            "receiving_unit": CENTER, "resolving_unit": JUSTICE, "complete": True,
            "documents": [{"name": "Đơn", "kind": "original", "count": 1}]}
    r = t.integ.post("/api/v1/dossiers", body, headers={"Idempotency-Key": new_key()})
    status(r, 201)
    code = r.json["code"]
    j = t.admin.get("/api/v1/stats/due-soon?hours=24").json
    eq([i["code"] for i in j["items"]], [code], "due within 24 working hours")
    ok(0 < j["items"][0]["remaining_working_minutes"] <= 24 * 60, "remaining working minutes")
    j = t.admin.get("/api/v1/stats/due-soon?hours=23").json
    eq(j["items"], [], "not within 23 working hours")
    j = t.clerk_a.get("/api/v1/stats/due-soon?hours=24").json
    eq(j["items"], [], "out of a commune clerk's scope")
    status(t.admin.get("/api/v1/stats/due-soon?hours=0"), 400, "BAD_QUERY")
    status(t.admin.get("/api/v1/stats/due-soon?hours=x"), 400, "BAD_QUERY")


def test_cell_dossiers(t):
    codes = {v: k for k, v in t.codes.items()}
    for cell, expected in (("late", ["D3", "D6", "B1"]),
                           ("early", ["D1", "D9", "D10", "C1"]),
                           ("on_time", ["D2"]),
                           ("carried_over", ["D6"]),
                           ("open_overdue", ["D4", "C2"]),
                           ("open_in_time", ["D5"]),
                           ("received_online", ["D2", "C1"]),
                           ("late766", ["D3", "D6", "B1"]),
                           ("open_late766", ["D4", "C2"])):
        items = pages(t.admin, "/api/v1/stats/ontime/dossiers?%s&cell=%s" % (MARCH, cell), 2)
        eq([codes[i["code"]] for i in items], expected, "cell %s" % cell)
    items = pages(t.admin, "/api/v1/stats/ontime/dossiers?%s&cell=received" % MARCH, 3)
    eq(len(items), MARCH_TOTAL[0] - MARCH_TOTAL[3], "received = column 4 + 5")
    items = pages(t.admin, "/api/v1/stats/ontime/dossiers?%s&cell=open_overdue&key_unit=%s"
                  % (MARCH, JUSTICE), 5)
    eq([codes[i["code"]] for i in items], ["D4"], "cell of one unit")
    items = pages(t.admin, "/api/v1/stats/ontime/dossiers?%s&cell=resolved&level=commune&field=G01"
                  % MARCH, 5)
    eq([codes[i["code"]] for i in items], ["D10", "C1"], "cell of a level x field row")
    items = pages(t.clerk_a, "/api/v1/stats/ontime/dossiers?%s&cell=late" % MARCH, 5)
    eq(items, [], "scope applies to cell lists")
    status(t.admin.get("/api/v1/stats/ontime/dossiers?%s&cell=purple" % MARCH), 400, "BAD_QUERY")
    status(t.admin.get("/api/v1/stats/ontime/dossiers?%s&cell=late&channel=4" % MARCH), 400,
           "BAD_QUERY")


def test_bieu06_late_dossiers(t):
    codes = {v: k for k, v in t.codes.items()}
    items = pages(t.admin, "/api/v1/reports/bieu06/late-dossiers?" + MARCH, 2)
    eq(sorted((codes[i["code"]], i["kind"]) for i in items),
       [("B1", "ended_late"), ("C2", "open_overdue"), ("D3", "ended_late"),
        ("D4", "open_overdue"), ("D6", "ended_late")], "columns 10 and 13")
    b1 = [i for i in items if codes[i["code"]] == "B1"][0]
    eq(len(b1["late_steps"]), 1, "one overrun step")
    st = b1["late_steps"][0]
    eq((st["unit_code"], st["official"], st["name"]), (COMMUNE_B, "offb", "Thẩm định"),
       "unit and official of the late step")
    eq(st["planned_end_at"][:16], "2026-03-03T08:00", "planned end = hand-over + 480 working minutes")
    eq(b1["responsible"][0]["official"], "offb", "responsible official")
    d3 = [i for i in items if codes[i["code"]] == "D3"][0]
    eq(d3["late_steps"], [], "no planned step")
    eq(d3["responsible"][0]["unit_code"], JUSTICE, "falls back to the resolving unit")
    items = pages(t.sup_a, "/api/v1/reports/bieu06/late-dossiers?" + MARCH, 5)
    eq([codes[i["code"]] for i in items], ["C2"], "scope")


def local_today(t):
    import datetime
    return datetime.date.fromisoformat(
        t.scalar("SELECT to_char(now() AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD')"))


def test_running_period_classified_now(t):
    """Regression (audit): the figures of a period that has not ended classified its open
    dossiers at the period's end instant - in the future - so a dossier due later in the
    period, in time today, was counted overdue. Classified now: open in time (column 12),
    by the summaries and by the plain scan alike."""
    import datetime
    today = local_today(t)
    at = t.scalar("SELECT to_char((now() - interval '1 hour') AT TIME ZONE 'Asia/Ho_Chi_Minh',"
                  " 'YYYY-MM-DD\"T\"HH24:MI:SS\"+07:00\"')")
    body = {"applicant": {"name": "Nguyễn Văn An", "id_number": "001090000009"},
            "procedure": P3, "channel": 1, "received_at": at, "receiving_unit": COMMUNE_B,
            "resolving_unit": COMMUNE_B, "complete": True,
            "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}]}
    r = t.integ.post("/api/v1/dossiers", body, headers={"Idempotency-Key": new_key()})
    status(r, 201)
    due, code = r.json["legal_due_at"], r.json["code"]
    # an explicit range ending 40 days ahead (its end is certainly after the due instant)
    # and the official month that contains today
    end = today + datetime.timedelta(days=40)
    m = today.month + (1 if today.day >= 15 else 0)
    y = today.year + (1 if m == 13 else 0)
    m = 1 if m == 13 else m
    for q in ("from=%s&to=%s" % (today, end), "period=month&year=%d&number=%d" % (y, m)):
        j = ontime(t.admin, q + "&group=unit&unit=%s&include_sub_units=false" % COMMUNE_B)
        got = by_key(j["items"], "unit")[COMMUNE_B]
        eq(got[8:], [1, 1, 0], "%s: open 1, in time 1, overdue 0 (due %s)" % (q, due))
        # the plain scan says the same
        p = j["period"]
        raw = t.sql("SELECT open_total, open_overdue FROM report_figures_raw('%s', '%s', 'unit',"
                    " NULL, 'resolving', 'historical', NULL, (SELECT id FROM unit WHERE code ="
                    " '%s'), false, now())" % (p["from"], p["to"], COMMUNE_B))
        eq([list(map(int, x)) for x in raw], [[1, 0]], "plain scan, %s" % q)
        # and the cell lists behind columns 12 and 13
        for cell, want in (("open_in_time", [code]), ("open_overdue", [])):
            items = pages(t.admin, "/api/v1/stats/ontime/dossiers?%s&cell=%s&unit=%s"
                          "&include_sub_units=false" % (q, cell, COMMUNE_B), 5)
            eq([x["code"] for x in items], want, "%s: cell %s" % (q, cell))


def test_structure_current_keeps_dissolved_units_in_scope(t):
    """Regression (audit): under structure=current a scoped caller (or unit=) lost the
    dossiers of a unit dissolved into one of its units. Commune B is merged into commune A
    here (then the link is removed): A's supervisor sees A + B's March figures under A."""
    t.psql("INSERT INTO unit_successor (unit_id, successor_id, since) SELECT b.id, a.id,"
           " '2026-04-01' FROM unit a, unit b WHERE a.code = '%s' AND b.code = '%s'"
           % (COMMUNE_A, COMMUNE_B))
    try:
        merged = [a + b for a, b in zip(MARCH_BY_RESOLVING[COMMUNE_A],
                                        MARCH_BY_RESOLVING[COMMUNE_B])]
        j = ontime(t.sup_a, MARCH + "&group=unit&structure=current")
        eq(by_key(j["items"], "unit"), {COMMUNE_A: merged}, "supervisor of A, current")
        j = ontime(t.sup_a, MARCH + "&group=unit&structure=historical")
        eq(by_key(j["items"], "unit"), {COMMUNE_A: MARCH_BY_RESOLVING[COMMUNE_A]},
           "supervisor of A, historical: A only (B is outside A's tree)")
        j = ontime(t.sup, MARCH + "&group=unit&structure=current&unit=%s"
                   "&include_sub_units=false" % COMMUNE_A)
        eq(by_key(j["items"], "unit"), {COMMUNE_A: merged}, "unit=A, current")
        j = ontime(t.sup, MARCH + "&group=unit&structure=current")
        eq(by_key(j["items"], "unit"), {JUSTICE: MARCH_BY_RESOLVING[JUSTICE], COMMUNE_A: merged},
           "province: B under A")
        r = t.sup_a.get("/api/v1/reports/bieu06?" + MARCH + "&structure=current")
        status(r, 200)
        eq(r.json["rows"][-1]["cells"], merged, "Biểu 06 of A's supervisor, current")
    finally:
        t.psql("DELETE FROM unit_successor")


def test_as_of(t):
    """as_of (last test: it resolves D4). A report as of an instant T only counts the events
    recorded by T: resolving a dossier after T leaves it unchanged, while the live report
    moves D4 from "open overdue" (column 13) to "resolved late" (column 10)."""
    today = t.scalar("SELECT to_char(now() AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD')")
    q = "from=2026-02-15&to=%s&group=unit" % today
    t_before = t.scalar("SELECT to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                        " FROM (SELECT set_config('timezone', 'UTC', true)) s")
    live_before = ontime(t.admin, q)
    march = ontime(t.admin, MARCH + "&group=unit")
    b06_before = bieu06(t, MARCH + "&group=unit")
    # as of now: the reconstruction from the event log equals the live figures
    j = ontime(t.admin, q + "&as_of=" + t_before)
    eq(j["items"], live_before["items"], "as_of now = live figures (range to today)")
    ok(j["as_of"].startswith(t_before[:10]), "as_of echoed: %s" % j["as_of"])
    eq(ontime(t.admin, MARCH + "&group=unit&as_of=" + t_before)["items"], march["items"],
       "as_of now = live figures (March, with the pause of D9)")
    # before any event was recorded: nothing
    eq(ontime(t.admin, MARCH + "&as_of=2000-01-01T00:00:00Z")["items"], [],
       "as of 2000 nothing was recorded")
    # resolve D4 now: the live report changes, the report as of before does not
    code = t.codes["D4"]
    ver = int(t.scalar("SELECT version FROM dossier WHERE code = '%s'" % code))
    r = t.integ.post("/api/v1/dossiers/%s/events" % code,
                     {"type": "hand_over", "expected_version": ver, "to_unit": JUSTICE,
                      "step": "Thẩm định"}, headers={"Idempotency-Key": new_key()})
    status(r, 200)
    r = t.integ.post("/api/v1/dossiers/%s/events" % code,
                     {"type": "resolve", "expected_version": ver + 1, "outcome": "granted"},
                     headers={"Idempotency-Key": new_key()})
    status(r, 200)
    live_after = by_key(ontime(t.admin, q)["items"], "unit")
    before = by_key(live_before["items"], "unit")
    # columns: 3 total, 4 online, 5 direct, 6 carried, 7 resolved, 8 early, 9 on time,
    # 10 late, 11 open, 12 open in time, 13 open overdue
    exp = list(before[JUSTICE])
    exp[4] += 1
    exp[7] += 1
    exp[8] -= 1
    exp[10] -= 1
    eq(live_after[JUSTICE], exp, "live: D4 now resolved late, no longer open overdue")
    j = ontime(t.admin, q + "&as_of=" + t_before)
    eq(j["items"], live_before["items"], "as of before the resolution: unchanged")
    eq(bieu06(t, MARCH + "&group=unit&as_of=" + t_before)["rows"], b06_before["rows"],
       "Biểu 06 as of before: unchanged")
    for bad in ("yesterday", "2026-13-01T00:00:00Z", "2026-03-01"):
        r = t.admin.get("/api/v1/stats/ontime?%s&as_of=%s" % (MARCH, bad))
        status(r, 400, "BAD_QUERY")
        ok("as_of" in r.text, "error names as_of: %s" % r.text)
    status(t.admin.get("/api/v1/reports/bieu06?%s&as_of=soon" % MARCH), 400, "BAD_QUERY")


def test_as_of_ignores_later_changes(t):
    """as_of (audit): a report as of instant T uses only what was known at T - each
    dossier's state, appointment, legal due and pause ledger rebuilt from the events
    recorded by T, and the successor links recorded by T. After T: a calendar day off on
    03/03 re-projects C2 (due 05/03 08:00 -> 06/03 08:00), D5 is resolved, commune B is
    merged into commune A. The live reports change; the reports as of T do not. Last test:
    it changes the calendar."""
    codes = {v: k for k, v in t.codes.items()}
    today = local_today(t)
    week = "from=2026-03-02&to=2026-03-05&group=unit&structure=current"
    upto = "from=2026-02-15&to=%s&group=unit" % today
    cell = "/api/v1/stats/ontime/dossiers?from=2026-03-02&to=2026-03-05&unit=%s&cell=" % COMMUNE_A
    t_before = t.scalar("SELECT to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                        " FROM (SELECT set_config('timezone', 'UTC', true)) s")
    live = {q: ontime(t.admin, q)["items"] for q in (week, upto)}
    for q in (week, upto):
        eq(ontime(t.admin, q + "&as_of=" + t_before)["items"], live[q], "as of now = live: " + q)
    b06 = bieu06(t, week + "&as_of=" + t_before)
    ov = pages(t.admin, cell + "open_overdue&as_of=" + t_before, 5)
    eq([(codes[i["code"]], i["legal_due_at"]) for i in ov],
       [("C2", "2026-03-05T08:00:00+07:00")], "as of now, C2 overdue at 06/03 00:00")
    late = "/api/v1/reports/bieu06/late-dossiers?structure=current&"
    late_q = {q: late + q.split("&group=")[0] for q in (week, upto)}
    late_live = {q: pages(t.admin, u, 3) for q, u in late_q.items()}
    late_t = {q: pages(t.admin, u + "&as_of=" + t_before, 3) for q, u in late_q.items()}
    for q in (week, upto):
        eq(late_t[q], late_live[q], "late list as of now = live: " + q)
    ok(("C2", "open_overdue") in [(codes[i["code"]], i["kind"]) for i in late_t[week]],
       "late list as of now: C2 overdue at 06/03 00:00")
    eq([i["kind"] for i in late_t[upto] if codes[i["code"]] == "D5"], ["open_overdue"],
       "late list as of now: D5 open and overdue")
    # after T: a calendar re-projection, a new event, a successor link
    r = t.admin.post("/api/v1/calendar/days", {"day": "2026-03-03", "working": False,
                                               "reason": "local",
                                               "note": "Nghỉ địa phương (thử nghiệm)"})
    status(r, 201)
    ok(r.json.get("reprojected", 0) >= 1, "C2 re-projected: %r" % r.json)
    ver = int(t.scalar("SELECT version FROM dossier WHERE code = '%s'" % t.codes["D5"]))
    r = t.integ.post("/api/v1/dossiers/%s/events" % t.codes["D5"],
                     {"type": "hand_over", "expected_version": ver, "to_unit": JUSTICE,
                      "step": "Thẩm định"}, headers={"Idempotency-Key": new_key()})
    status(r, 200)
    r = t.integ.post("/api/v1/dossiers/%s/events" % t.codes["D5"],
                     {"type": "resolve", "expected_version": ver + 1, "outcome": "granted"},
                     headers={"Idempotency-Key": new_key()})
    status(r, 200)
    t.psql("INSERT INTO unit_successor (unit_id, successor_id, since) SELECT b.id, a.id,"
           " '2026-03-01' FROM unit a, unit b WHERE a.code = '%s' AND b.code = '%s'"
           % (COMMUNE_A, COMMUNE_B))
    try:
        # live: C2 in time at 06/03 00:00 now (due 06/03 08:00), B's figures under A
        before = by_key(live[week], "unit")
        exp = add(before[COMMUNE_A], before[COMMUNE_B])
        exp[9] += 1
        exp[10] -= 1
        eq(by_key(ontime(t.admin, week)["items"], "unit"),
           {JUSTICE: before[JUSTICE], COMMUNE_A: exp}, "live week: re-projected and merged")
        before = by_key(live[upto], "unit")
        exp = list(before[JUSTICE])
        exp[4] += 1    # D5 resolved (late: due 20/03)
        exp[7] += 1
        exp[8] -= 1
        exp[10] -= 1
        eq(by_key(ontime(t.admin, upto)["items"], "unit")[JUSTICE], exp, "live: D5 resolved")
        it = pages(t.admin, cell + "open_in_time", 5)
        eq([(codes[i["code"]], i["appointment_at"], i["legal_due_at"]) for i in it],
           [("C2", "2026-03-06T08:00:00+07:00", "2026-03-06T08:00:00+07:00")],
           "live list: C2 in time, moved appointment")
        # as of T: unchanged
        for q in (week, upto):
            eq(ontime(t.admin, q + "&as_of=" + t_before)["items"], live[q], "as of T: " + q)
        eq(bieu06(t, week + "&as_of=" + t_before)["rows"], b06["rows"], "Biểu 06 as of T")
        j = t.admin.get(cell + "open_overdue&as_of=" + t_before + "&limit=5").json
        eq(j["as_of"], t_before, "as_of echoed by the list")
        eq([(codes[i["code"]], i["appointment_at"], i["legal_due_at"]) for i in j["items"]],
           [("C2", "2026-03-05T08:00:00+07:00", "2026-03-05T08:00:00+07:00")],
           "list as of T: C2 overdue, appointment as it was")
        eq(pages(t.admin, cell + "open_in_time&as_of=" + t_before, 5), [],
           "list as of T: nothing in time")
        status(t.admin.get(cell + "open&as_of=later"), 400, "BAD_QUERY")
        # the late list behind Biểu 06: live C2 in time, D5 ended late; as of T unchanged
        live_late = {q: pages(t.admin, u, 3) for q, u in late_q.items()}
        ok("C2" not in [codes[i["code"]] for i in live_late[week]],
           "live late list: C2 in time after the re-projection")
        eq([i["kind"] for i in live_late[upto] if codes[i["code"]] == "D5"], ["ended_late"],
           "live late list: D5 ended late")
        for q in (week, upto):
            eq(pages(t.admin, late_q[q] + "&as_of=" + t_before, 3), late_t[q],
               "late list as of T unchanged: " + q)
        j = t.admin.get(late_q[week] + "&as_of=" + t_before + "&limit=3").json
        eq(j.get("as_of"), t_before, "as_of echoed by the late list")
        status(t.admin.get(late_q[week] + "&as_of=later"), 400, "BAD_QUERY")
    finally:
        t.psql("DELETE FROM unit_successor")
