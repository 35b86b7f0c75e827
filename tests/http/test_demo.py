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
