"""Catalogue API end to end: units with history, fields, procedures and versions, channels.

The demo province (tools/demo/catalog.sql, Đồng Nai) is loaded by tools/demo/load.sh in
setup(), twice, to check that the loader is idempotent. Expected values are typed from the
demo data file and from the law (domain.md §1, §2), never read back from the API under test.
"""
import os
import subprocess

from harness import ROOT, TestFailure, eq, status

ADMIN = "catalog_admin"
CLERK = "catalog_clerk"


def counts(t):
    return t.sql("SELECT (SELECT count(*) FROM unit), (SELECT count(*) FROM unit_successor),"
                 " (SELECT count(*) FROM field), (SELECT count(*) FROM procedure),"
                 " (SELECT count(*) FROM procedure_version)")[0]


def load_demo(t):
    p = subprocess.run(["sh", os.path.join(ROOT, "tools/demo/load.sh"), t.db_url],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise TestFailure("load.sh failed: %s %s" % (p.stdout, p.stderr))
    return p.stdout


def setup(t):
    load_demo(t)
    first = counts(t)
    load_demo(t)
    eq(counts(t), first, "a second load.sh changes nothing")
    # 72 units, 42 successor links, 8 fields, 39 procedures, 47 versions (catalog.sql): the
    # former Bình Phước province adds its committee, centre, a city and two wards (closed
    # 30/06/2025) and phường Đồng Xoài with its centre, and 5 successor links
    eq(first, ["72", "42", "8", "39", "47"], "demo catalogue counts")
    t.admin = t.account(ADMIN, "admin", "000.00.00.H19")
    t.clerk = t.account(CLERK, "clerk", "101.01.00.H19")


def codes(resp):
    return [u["code"] for u in resp.json["items"]]


def test_units_by_level_and_date(t):
    r = status(t.clerk.get("/api/v1/units?level=district"), 200)
    # the former city of Đồng Xoài (Bình Phước, 000.00.41.H10) was district level too
    eq(sorted(codes(r)), ["000.00.31.H19", "000.00.32.H19", "000.00.41.H10", "000.01.31.H19",
                          "000.01.32.H19", "000.02.31.H19", "000.02.32.H19", "000.03.31.H19",
                          "000.03.32.H19"],
       "district-level units")
    # the district level ends on 30/06/2025 (domain.md §1)
    r = status(t.clerk.get("/api/v1/units?level=district&valid_at=2025-07-01"), 200)
    eq(codes(r), [], "no district unit in force on 01/07/2025")
    r = status(t.clerk.get("/api/v1/units?level=district&valid_at=2025-06-30"), 200)
    eq(len(r.json["items"]), 7, "district units on 30/06/2025 (LĐTBXH offices closed 28/02; Đồng Xoài of Bình Phước)")
    r = status(t.clerk.get("/api/v1/units?parent=000.00.31.H19&level=commune"), 200)
    eq(len(r.json["items"]), 12, "communes of Long Khánh before the reform")


def test_units_search_folds_diacritics(t):
    r = status(t.clerk.get("/api/v1/units?q=long%20khanh&valid_at=2026-01-01"), 200)
    eq(sorted(codes(r)), ["101.00.00.H19", "101.01.00.H19"], "q=long khanh in force in 2026")
    r = status(t.clerk.get("/api/v1/units?q=Ph%C6%B0%E1%BB%9Bc%20An"), 200)  # "Phước An"
    eq(sorted(codes(r)), ["007.00.32.H19", "113.00.00.H19", "113.01.00.H19"], "q=Phước An")


def test_units_pagination(t):
    everything = codes(status(t.clerk.get("/api/v1/units?limit=500"), 200))
    eq(len(everything), 72, "all units")
    seen, cursor = [], None
    for _ in range(30):
        path = "/api/v1/units?limit=7" + ("&cursor=" + cursor if cursor else "")
        r = status(t.clerk.get(path), 200)
        seen += codes(r)
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    eq(seen, everything, "pages concatenate to the whole list, in order, without repeats")
    status(t.clerk.get("/api/v1/units?limit=0"), 400, "BAD_QUERY")
    status(t.clerk.get("/api/v1/units?limit=501"), 400, "BAD_QUERY")
    status(t.clerk.get("/api/v1/units?cursor=zz"), 400, "BAD_QUERY")
    status(t.clerk.get("/api/v1/units?level=huyen"), 400, "BAD_QUERY")


def test_unit_history_links(t):
    r = status(t.clerk.get("/api/v1/units/001.00.31.H19"), 200).json
    eq(r["name"], "Ủy ban nhân dân phường Xuân An", "name")
    eq(r["valid_to"], "2025-06-30", "closed with the reform")
    eq(r["parent"]["code"], "000.00.31.H19", "parent district")
    eq([s["code"] for s in r["successors"]], ["101.00.00.H19"], "merged into Long Khánh")
    eq(r["successors"][0]["since"], "2025-07-01", "since")
    # one-to-many: Xuân Tân split between two wards
    r = status(t.clerk.get("/api/v1/units/010.00.31.H19"), 200).json
    eq(sorted(s["code"] for s in r["successors"]), ["101.00.00.H19", "104.00.00.H19"], "split")
    r = status(t.clerk.get("/api/v1/units/101.00.00.H19"), 200).json
    eq(sorted(p["code"] for p in r["predecessors"]),
       ["000.00.31.H19", "001.00.31.H19", "002.00.31.H19", "003.00.31.H19", "004.00.31.H19",
        "010.00.31.H19"], "predecessors of phường Long Khánh")
    eq([c["code"] for c in r["children"]], ["101.01.00.H19"], "its public administration centre")
    # Sở LĐTBXH split among three departments on 01/03/2025
    r = status(t.clerk.get("/api/v1/units/000.00.18.H19"), 200).json
    eq(sorted(s["code"] for s in r["successors"]),
       ["000.00.19.H19", "000.00.20.H19", "000.00.21.H19"], "LĐTBXH successors")
    status(t.clerk.get("/api/v1/units/999.00.00.H19"), 404, "NOT_FOUND")
    status(t.clerk.get("/api/v1/units/not-a-code"), 404, "NOT_FOUND")


def test_unit_create_rules(t):
    body = {"code": "139.00.00.H19", "name": "Ủy ban nhân dân xã Thử Nghiệm", "level": "commune",
            "kind": "committee", "parent": "000.00.00.H19", "valid_from": "2025-07-01"}
    status(t.clerk.post("/api/v1/units", body), 403, "FORBIDDEN")
    before = counts(t)
    r = status(t.admin.post("/api/v1/units", dict(body, code="131.00.00")), 422, "BAD_CODE")
    eq(r.json["error"].get("field"), "code", "field named")
    status(t.admin.post("/api/v1/units", dict(body, level="district")), 422, "UNIT_NOT_VALID")
    status(t.admin.post("/api/v1/units", dict(body, level="district", valid_to="2025-07-01")),
           422, "UNIT_NOT_VALID")
    status(t.admin.post("/api/v1/units", dict(body, parent="999.99.99.H19")), 422,
           "UNKNOWN_REFERENCE")
    status(t.admin.post("/api/v1/units", dict(body, kind="office")), 422, "VALIDATION_FAILED")
    status(t.admin.post("/api/v1/units", dict(body, valid_to="2025-01-01")), 422, "BAD_DATE")
    status(t.admin.post("/api/v1/units", dict(body, colour="red")), 422, "VALIDATION_FAILED")
    eq(counts(t), before, "nothing written by refused requests")
    r = status(t.admin.post("/api/v1/units", body), 201).json
    eq((r["code"], r["province"], r["parent"]["code"], r["valid_to"]),
       ("139.00.00.H19", "H19", "000.00.00.H19", None), "created unit")
    status(t.admin.post("/api/v1/units", body), 409, "ALREADY_EXISTS")
    # a district for history is accepted when it ends by 30/06/2025
    status(t.admin.post("/api/v1/units", dict(body, code="000.00.39.H19", level="district",
                                              name="Ủy ban nhân dân huyện Thử Nghiệm",
                                              valid_from="2019-01-01", valid_to="2025-06-30")),
           201)


def test_unit_dissolve(t):
    for code, name in (("141.00.00.H19", "Ủy ban nhân dân xã Giải Thể"),
                       ("142.00.00.H19", "Ủy ban nhân dân xã Kế Thừa")):
        status(t.admin.post("/api/v1/units", {"code": code, "name": name, "level": "commune",
                                              "kind": "committee", "parent": "000.00.00.H19",
                                              "valid_from": "2025-07-01"}), 201)
    status(t.clerk.post("/api/v1/units/141.00.00.H19/dissolve",
                        {"valid_to": "2026-06-30", "successors": ["142.00.00.H19"]}), 403,
           "FORBIDDEN")
    # a successor that is not in force on the day after: nothing changes
    status(t.admin.post("/api/v1/units/141.00.00.H19/dissolve",
                        {"valid_to": "2026-06-30", "successors": ["001.00.31.H19"]}), 422,
           "UNIT_NOT_VALID")
    eq(t.scalar("SELECT coalesce(valid_to::text, 'open') FROM unit WHERE code = '141.00.00.H19'"),
       "open", "unit still open after a refused dissolution")
    status(t.admin.post("/api/v1/units/141.00.00.H19/dissolve",
                        {"valid_to": "2025-01-01", "successors": []}), 422, "BAD_DATE")
    status(t.admin.post("/api/v1/units/141.00.00.H19/dissolve",
                        {"valid_to": "2026-06-30", "successors": ["141.00.00.H19"]}), 422,
           "VALIDATION_FAILED")
    r = status(t.admin.post("/api/v1/units/141.00.00.H19/dissolve",
                            {"valid_to": "2026-06-30", "successors": ["142.00.00.H19"]}), 200).json
    eq(r["valid_to"], "2026-06-30", "closed")
    eq([(s["code"], s["since"]) for s in r["successors"]], [("142.00.00.H19", "2026-07-01")],
       "successor from the next day")
    status(t.admin.post("/api/v1/units/141.00.00.H19/dissolve",
                        {"valid_to": "2026-07-31", "successors": []}), 409, "CONFLICT")
    status(t.admin.post("/api/v1/units/149.00.00.H19/dissolve", {"valid_to": "2026-07-31"}),
           404, "NOT_FOUND")


def test_fields(t):
    r = status(t.clerk.get("/api/v1/fields"), 200).json
    by_code = {f["code"]: f for f in r["items"]}
    eq(by_code["HOTICH"]["name"], "Hộ tịch", "field name")
    eq(by_code["HOTICH"]["procedures"], 14, "hộ tịch procedures in the demo")
    eq(by_code["CHUNGTHUC"]["procedures"], 6, "chứng thực procedures in the demo")
    status(t.clerk.post("/api/v1/fields", {"code": "TEST", "name": "Thử"}), 403, "FORBIDDEN")
    status(t.admin.post("/api/v1/fields", {"code": "TE ST", "name": "Thử"}), 422, "BAD_CODE")
    status(t.admin.post("/api/v1/fields", {"code": "TEST", "name": "Lĩnh vực thử"}), 201)
    status(t.admin.post("/api/v1/fields", {"code": "TEST", "name": "Lĩnh vực thử"}), 409,
           "ALREADY_EXISTS")


def test_procedures_list(t):
    r = status(t.clerk.get("/api/v1/procedures?field=CHUNGTHUC"), 200)
    eq(codes(r), ["2.000815", "2.000884", "2.000908", "2.000942", "2.000992", "2.001008"],
       "chứng thực procedures in code order")
    r = status(t.clerk.get("/api/v1/procedures?level=province"), 200)
    eq(codes(r), ["1.014199", "1.014200", "1.014201"], "province-level procedures")
    r = status(t.clerk.get("/api/v1/procedures?q=khai%20sinh"), 200)
    eq(codes(r), ["1.000689", "1.001193", "1.004884", "2.000528"], "q=khai sinh")
    items = {p["code"]: p for p in r.json["items"]}
    v = items["1.001193"]["version"]
    # same day, after 15:00 the next working day (NĐ 123/2015)
    eq((v["duration_unit"], v["cutoff_minute"]), ("sameday", 900), "khai sinh duration")
    status(t.clerk.get("/api/v1/procedures?level=ward"), 400, "BAD_QUERY")
    status(t.clerk.get("/api/v1/procedures?at=2026-13-01"), 422, "BAD_DATE")


def test_procedure_version_at(t):
    r = status(t.clerk.get("/api/v1/procedures/2.000635?at=2025-06-30"), 200).json
    eq((r["version"]["version"], r["version"]["resolving_level"]), (1, "district"),
       "version in force on 30/06/2025")
    r = status(t.clerk.get("/api/v1/procedures/2.000635?at=2025-07-01T08:00:00%2B07:00"), 200).json
    eq((r["version"]["version"], r["version"]["resolving_level"]), (2, "commune"),
       "version in force on 01/07/2025")
    eq([v["version"] for v in r["versions"]], [1, 2], "every version listed")
    eq(r["field"]["code"], "HOTICH", "field")
    r = status(t.clerk.get("/api/v1/procedures/1.001776?at=2024-03-01"), 200).json
    eq([leg["level"] for leg in r["version"]["legs"]], ["commune", "district", "district"],
       "liên thông legs of the ND 20/2021 version")
    r = status(t.clerk.get("/api/v1/procedures/1.013225?at=2025-01-01"), 200).json
    eq(r["version"], None, "no version before the first one")
    r = status(t.clerk.get("/api/v1/procedures/1.011607"), 200).json
    eq((r["version"]["duration_unit"], r["version"]["max_minutes"]), ("none", 14400),
       "procedure without appointment")
    status(t.clerk.get("/api/v1/procedures/9.999999"), 404, "NOT_FOUND")


VERSION = {
    "effective_from": "2026-01-01", "duration_value": 5, "duration_unit": "wd",
    "steps": [{"name": "Thẩm định", "role": "official", "minutes": 960},
              {"name": "Ký duyệt", "role": "leader", "minutes": 240}],
    "documents": [{"name": "Đơn đề nghị", "kind": "original", "count": 1}],
    "fees": [{"name": "Lệ phí", "amount": 50000}],
    "legs": [{"unit_code": "000.00.10.H19", "name": "Sở Tư pháp thẩm định", "minutes": 960},
             {"level": "commune", "minutes": 480}],
}


def versions_of(t, code):
    return t.sql("SELECT v.version, v.effective_from, coalesce(v.effective_to::text, '')"
                 "  FROM procedure_version v JOIN procedure p ON p.id = v.procedure_id"
                 " WHERE p.code = '%s' ORDER BY v.version" % code)


def test_procedure_create_and_versions(t):
    body = {"code": "1.900001", "name": "Thủ tục thử nghiệm", "field": "HOTICH",
            "levels": ["commune"], "version": VERSION}
    status(t.clerk.post("/api/v1/procedures", body), 403, "FORBIDDEN")
    status(t.admin.post("/api/v1/procedures", dict(body, code="1.90001")), 422, "BAD_CODE")
    status(t.admin.post("/api/v1/procedures", dict(body, field="KHONGCO")), 422,
           "UNKNOWN_REFERENCE")
    status(t.admin.post("/api/v1/procedures", dict(body, levels=["ward"])), 422,
           "VALIDATION_FAILED")
    bad_legs = dict(VERSION, legs=[{"unit_code": "999.99.99.H19", "minutes": 60}])
    status(t.admin.post("/api/v1/procedures", dict(body, version=bad_legs)), 422,
           "UNKNOWN_REFERENCE")
    # Inside the procedure, the version's fields are named by their full path.
    for v, field in [(dict(VERSION, legs=[{"minutes": 60}]), "version.legs[0].unit_code"),
                     (dict(VERSION, duration_unit="weeks"), "version.duration_unit")]:
        r = status(t.admin.post("/api/v1/procedures", dict(body, version=v)), 422)
        eq(r.json["error"].get("field"), field, "field path in a nested version")
    eq(t.scalar("SELECT count(*) FROM procedure WHERE code = '1.900001'"), "0",
       "nothing written by refused creations")
    r = status(t.admin.post("/api/v1/procedures", body), 201).json
    eq((r["code"], r["version"]["version"], r["version"]["effective_from"]),
       ("1.900001", 1, "2026-01-01"), "created with version 1")
    eq(r["version"]["pause_reasons"], ["supplement"], "default pause reason (domain.md §6.1)")
    status(t.admin.post("/api/v1/procedures", body), 409, "ALREADY_EXISTS")

    url = "/api/v1/procedures/1.900001/versions"
    cases = [
        (dict(VERSION, duration_unit="weeks"), "BAD_DURATION", "duration_unit"),
        (dict(VERSION, duration_value=0), "BAD_DURATION", "duration_value"),
        (dict(VERSION, cutoff_minute=900), "BAD_DURATION", "cutoff_minute"),
        (dict(VERSION, duration_unit="none"), "BAD_DURATION", "max_minutes"),
        (dict(VERSION, steps=[{"name": "x", "role": "boss", "minutes": 60}]),
         "VALIDATION_FAILED", "steps[0].role"),
        (dict(VERSION, documents=[{"name": "x", "kind": "scan"}]), "VALIDATION_FAILED",
         "documents[0].kind"),
        (dict(VERSION, legs=[{"minutes": 60}]), "VALIDATION_FAILED", "legs[0].unit_code"),
        (dict(VERSION, pause_reasons=["holiday"]), "VALIDATION_FAILED", "pause_reasons[0]"),
        (dict(VERSION, effective_from="2026-02-01", effective_to="2026-01-01"), "BAD_DATE",
         "effective_to"),
        (dict(VERSION, resolving_level="district"), "UNIT_NOT_VALID", "resolving_level"),
    ]
    for v, code, field in cases:
        r = status(t.admin.post(url, v), 422, code)
        eq(r.json["error"].get("field"), field, "field of %s" % code)
    eq(versions_of(t, "1.900001"), [["1", "2026-01-01", ""]], "no version added by refusals")

    # the next version closes the open-ended one the day before
    r = status(t.admin.post(url, dict(VERSION, effective_from="2026-07-01", duration_value=3)),
               201).json
    eq(r["version"]["version"], 2, "version 2 in force at its start")
    eq(versions_of(t, "1.900001"), [["1", "2026-01-01", "2026-06-30"], ["2", "2026-07-01", ""]],
       "version 1 closed on 30/06")
    # a version overlapping version 2, with close_previous off: refused
    status(t.admin.post(url, dict(VERSION, effective_from="2026-09-01", close_previous=False)),
           409, "CONFLICT")
    status(t.admin.post(url, dict(VERSION, effective_from="2025-12-01",
                                  effective_to="2026-01-15")), 409, "CONFLICT")
    eq(len(versions_of(t, "1.900001")), 2, "no version added by overlaps")
    r = status(t.clerk.get("/api/v1/procedures/1.900001?at=2026-06-30"), 200).json
    eq(r["version"]["duration_value"], 5, "version 1 still applies to 30/06")
    status(t.admin.post("/api/v1/procedures/9.999999/versions", VERSION), 404, "NOT_FOUND")


def test_channels(t):
    r = status(t.clerk.get("/api/v1/channels"), 200).json
    eq([(c["code"], c["name"]) for c in r["items"]],
       [(1, "Trực tiếp"), (2, "Trực tuyến"), (3, "Qua dịch vụ bưu chính công ích")],
       "DVCQG KenhThucHien")


def test_anonymous_refused(t):
    status(t.anon().get("/api/v1/units"), 401, "UNAUTHENTICATED")
    status(t.anon().get("/api/v1/procedures/1.001193"), 401, "UNAUTHENTICATED")
