"""The demo data of `make run` (tools/demo/load.sh + tools/demo/dossiers.py) against a real
server: the catalogue and accounts load, and the dossier generator's requests - signed
integration writes replaying receptions and events with their own times - all succeed and
leave dossiers in many states. A change to the API that breaks the demo fails here, not on a
new user's first `make run`.
"""
import os
import subprocess

from harness import ROOT, eq, ok


def test_demo_province_loads_through_the_api(t):
    p = subprocess.run(["sh", os.path.join(ROOT, "tools/demo/load.sh"), t.db_url, t.binary],
                       capture_output=True, text=True)
    eq(p.returncode, 0, "load.sh: %s %s" % (p.stdout[-500:], p.stderr[-500:]))
    ok(int(t.scalar("SELECT count(*) FROM procedure")) >= 30, "30+ procedures")
    p = subprocess.run(["python3", os.path.join(ROOT, "tools/demo/dossiers.py"),
                        "--url", "http://127.0.0.1:%d" % t.server.port,
                        "--database-url", t.db_url, "--bin", t.binary, "--count", "120"],
                       capture_output=True, text=True, timeout=240)
    tail = (p.stdout + p.stderr)[-1500:]
    eq(p.returncode, 0, "dossiers.py: %s" % tail)
    ok("lỗi: 0" in p.stdout, "no request failed: %s" % tail)
    eq(t.scalar("SELECT count(*) FROM dossier"), "120", "120 dossiers")
    states = {r[0] for r in t.sql("SELECT DISTINCT state FROM dossier")}
    ok(len(states) >= 7, "dossiers in many states: %s" % sorted(states))
    # every dossier's projection agrees with its event log (version = number of events)
    eq(t.scalar("SELECT count(*) FROM dossier d WHERE d.version <> (SELECT count(*)"
                " FROM dossier_event e WHERE e.dossier_id = d.id)"), "0",
       "version = events, for every dossier")


def test_demo_binh_phuoc_merger_in_reports(t):
    """Issue 15 part 5: the demo province after the 2025 merger. Đồng Nai carries its mã ĐVHC
    75 and the former Bình Phước province (mã ĐVHC 70, units H10) was dissolved on 30/06/2025
    and merged into it on 01/07/2025 (Nghị quyết 202/2025/QH15). Its pre-merger dossiers
    (received February-March 2025) count under Đồng Nai by current structure and under Bình
    Phước as it was (domain.md §1). Runs after the test above: the demo is loaded."""
    eq(t.sql("SELECT code, admin_code, valid_to FROM unit WHERE level = 'province'"
             " AND kind = 'committee' ORDER BY code"),
       [["000.00.00.H10", "70", "2025-06-30"], ["000.00.00.H19", "75", ""]],
       "the two provincial committees")
    eq(t.sql("SELECT s.code FROM unit_successor x JOIN unit u ON u.id = x.unit_id"
             " JOIN unit s ON s.id = x.successor_id WHERE u.code = '000.00.00.H10'"),
       [["000.00.00.H19"]], "Bình Phước -> Đồng Nai")
    pre = int(t.scalar("SELECT count(*) FROM dossier d JOIN unit u ON u.id = d.resolving_unit_id"
                       " WHERE u.province = 'H10' AND d.state NOT IN (1, 3)"
                       " AND d.received_at < '2025-07-01T00:00:00+07:00'"))
    ok(pre >= 3, "pre-merger Bình Phước dossiers counted in reports: %d" % pre)
    r = t.anon().post("/api/v1/auth/login", {"login": "admin", "password": "motcua-demo-2026"})
    eq(r.status, 200, "admin login")
    adm = t.client(r.json["token"])
    q = "/api/v1/stats/ontime?from=2025-02-01&to=2025-06-30&group=unit&rollup=subtree"

    def tops(structure):
        r = adm.get(q + "&structure=" + structure)
        eq(r.status, 200, "ontime %s: %r" % (structure, r))
        return {it["key"]["unit"]: it for it in r.json["items"]}

    hist, cur = tops("historical"), tops("current")
    eq(sorted(hist), ["000.00.00.H10"], "as it was: under Bình Phước")
    eq(sorted(cur), ["000.00.00.H19"], "by current structure: under Đồng Nai")
    fig = ("received", "carried_over", "resolved", "early", "on_time", "late", "open",
           "open_in_time", "open_overdue")
    eq([cur["000.00.00.H19"][k] for k in fig], [hist["000.00.00.H10"][k] for k in fig],
       "the same figures under either structure")
    eq(hist["000.00.00.H10"]["received"], pre, "every pre-merger dossier, received in the period")
    # the commune level: the wards of Đồng Xoài as they were, phường Đồng Xoài now
    r = adm.get(q.replace("&rollup=subtree", "") + "&structure=current")
    eq(sorted(it["key"]["unit"] for it in r.json["items"]), ["131.00.00.H19"],
       "the wards' figures go to phường Đồng Xoài")
    # a second load changes nothing (idempotent), also the audit log
    before = t.sql("SELECT (SELECT count(*) FROM unit), (SELECT count(*) FROM unit_successor),"
                   " (SELECT count(*) FROM audit_log)")
    p = subprocess.run(["sh", os.path.join(ROOT, "tools/demo/load.sh"), t.db_url],
                       capture_output=True, text=True)
    eq(p.returncode, 0, "second load.sh: %s" % p.stderr[-500:])
    eq(t.sql("SELECT (SELECT count(*) FROM unit), (SELECT count(*) FROM unit_successor),"
             " (SELECT count(*) FROM audit_log)"), before, "second load: nothing inserted")
