#!/usr/bin/env python3
"""Runs one end-to-end test module (see harness.py) and prints TAP."""
import argparse
import importlib.util
import inspect
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--label", default="plain")
    ap.add_argument("module")
    ap.add_argument("-k", default=None, help="only tests whose name contains this")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    name = os.path.splitext(os.path.basename(a.module))[0]
    spec = importlib.util.spec_from_file_location(name, a.module)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    tests = [(n, f) for n, f in vars(mod).items()
             if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == name]
    tests.sort(key=lambda nf: nf[1].__code__.co_firstlineno)
    if a.k:
        tests = [(n, f) for n, f in tests if a.k in n]

    t = harness.Ctx(binary, a.label, name, getattr(mod, "SERVER_ENV", None))
    n = 0
    failed = 0
    print("1..%d" % (len(tests) + 1))
    try:
        t.create_database()
        if getattr(mod, "START_SERVER", True):
            t.server = t.start_server()
        if hasattr(mod, "setup"):
            mod.setup(t)
    except Exception:  # noqa: BLE001
        print("not ok 1 - %s setup" % name)
        for line in traceback.format_exc().splitlines():
            print("# " + line)
        if t.server:
            print("# server log:\n# " + t.server.log()[-3000:].replace("\n", "\n# "))
            # Don't leave the server holding connections to the module's database.
            try:
                t.server.stop()
            except Exception:  # noqa: BLE001
                pass
        return 1
    for tn, f in tests:
        n += 1
        t0 = time.time()
        try:
            f(t)
            print("ok %d - %s.%s (%.2fs)" % (n, name, tn, time.time() - t0))
        except Exception:  # noqa: BLE001
            failed += 1
            print("not ok %d - %s.%s" % (n, name, tn))
            for line in traceback.format_exc().splitlines()[-25:]:
                print("# " + line)
        sys.stdout.flush()
    t.close()
    n += 1
    if t.server is not None:
        try:
            rc = t.server.stop()
            rep = t.server.sanitizer_report()
            if rc != 0 or rep:
                failed += 1
                print("not ok %d - %s: server stopped cleanly (exit %s)" % (n, name, rc))
                print("# " + (rep or t.server.log()[-2000:]).replace("\n", "\n# "))
            else:
                print("ok %d - %s: server stopped cleanly" % (n, name))
        except Exception:  # noqa: BLE001
            failed += 1
            print("not ok %d - %s: server stop" % (n, name))
            for line in traceback.format_exc().splitlines()[-10:]:
                print("# " + line)
    else:
        print("ok %d - %s: no shared server" % (n, name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
