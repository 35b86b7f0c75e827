"""The web client, served by motcua from the binary and driven in real Chromium.

First the serving itself over plain HTTP (types, ETag and 304, gzip, immutable assets under
the build id, the Content-Security-Policy, no inline script in any page), then one browser
scenario per screen (tests/web/scenarios/*.mjs, Debian's Chromium through playwright-core,
axe-core on every screen state) against this module's server and database, which hold the
demo province: its catalogue and accounts (tools/demo/load.sh) and demo dossiers made
through the API (tools/demo/dossiers.py). Screenshots land in build/test-output/web-<label>/
(the README's pictures come from there).

Chromium, Node.js and the npm packages are installed by tools/deps.sh (make test); when one
is missing this suite fails and says so: the web client is part of the product.
"""
import gzip
import http.client
import os
import re
import shutil
import subprocess

from harness import ROOT, TestFailure, eq, ok

SERVER_ENV = {"MOTCUA_PROVINCE": "H19", "MOTCUA_THREADS": "2"}
WEB = os.path.join(ROOT, "tests/web")
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")


def setup(t):
    missing = [w for w, cond in (
        ("node (apt-get install nodejs)", shutil.which("node")),
        ("chromium at %s (apt-get install chromium)" % CHROMIUM, os.path.exists(CHROMIUM)),
        ("tests/web/node_modules/playwright-core (npm ci in tests/web)",
         os.path.isdir(os.path.join(WEB, "node_modules/playwright-core"))),
        ("tests/web/node_modules/axe-core (npm ci in tests/web)",
         os.path.isdir(os.path.join(WEB, "node_modules/axe-core")))) if not cond]
    if missing:
        raise TestFailure("the browser suite cannot run: missing " + ", ".join(missing))
    t.load_demo(60)


def get(t, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", t.server.port, timeout=10)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    h = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, h, body


def test_pages_and_assets_are_served_with_types_caching_and_csp(t):
    st, h, body = get(t, "/")
    eq(st, 200, "GET /")
    eq(h["content-type"], "text/html; charset=utf-8", "page type")
    eq(h["cache-control"], "no-cache", "a page is revalidated on every load")
    csp = h["content-security-policy"]
    ok("script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp,
       "CSP allows scripts from this origin only: " + csp)
    ok("frame-ancestors 'none'" in csp and "object-src 'none'" in csp, "no framing, no plugins")
    eq(h.get("x-content-type-options"), "nosniff", "nosniff")
    html = body.decode()
    ok(not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script in the page")
    ok(not re.search(r"\sstyle=", html) and not re.search(r"\son[a-z]+=", html),
       "no inline style or handler attributes")
    m = re.search(r'/assets/([0-9a-f]{12})/app\.js', html)
    ok(m, "the page names its assets under the build id: " + html[:400])
    build = m.group(1)
    # revalidation: the same ETag gives 304 and no body
    st2, h2, body2 = get(t, "/", {"If-None-Match": h["etag"]})
    eq((st2, body2), (304, b""), "304 on a matching ETag")
    # every asset the pages name is served, typed, immutable, gzip'd on request
    _, _, lk = get(t, "/tra-cuu")
    names = set(re.findall(r'/assets/%s/([A-Za-z0-9_.-]+)' % build, html + lk.decode()))
    ok({"app.js", "app.css", "lookup.js", "favicon.svg"} <= names, "assets named: %s" % names)
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
             ".svg": "image/svg+xml"}
    for n in sorted(names):
        st, h, raw = get(t, "/assets/%s/%s" % (build, n), {"Accept-Encoding": "gzip, br"})
        eq(st, 200, n)
        eq(h["content-type"], types[os.path.splitext(n)[1]], n + " type")
        eq(h["cache-control"], "public, max-age=31536000, immutable", n + " cache")
        st, h3, ident = get(t, "/assets/%s/%s" % (build, n))
        eq((st, h3.get("content-encoding")), (200, None), n + " uncompressed without gzip")
        if h.get("content-encoding") is None:
            # only a file that gzip would not shrink goes out as it is
            ok(len(ident) < 200 and len(gzip.compress(ident, 9)) >= len(ident),
               n + " is sent uncompressed although gzip shrinks it")
            continue
        eq(h.get("content-encoding"), "gzip", n + " gzip'd")
        eq(h.get("vary"), "Accept-Encoding", n + " varies by encoding")
        eq(gzip.decompress(raw), ident, n + ": gzip'd and plain bodies are the same file")
        ok(len(raw) < len(ident), n + " compression makes it smaller")
    # the ES modules the application imports are all built in
    _, _, app = get(t, "/assets/%s/app.js" % build)
    for mod in re.findall(r"from '\./([a-z-]+\.js)'", app.decode()):
        eq(get(t, "/assets/%s/%s" % (build, mod))[0], 200, "imported module " + mod)
    # an asset asked under another build id (a page from before an upgrade) is served, but
    # not promised immutable; unknown files and pages under /assets are 404 JSON
    st, h, _ = get(t, "/assets/000000000000/app.js")
    eq((st, h["cache-control"]), (200, "no-cache"), "old build id: served, revalidated")
    for p in ("/assets/%s/nope.js" % build, "/assets/%s/index.html" % build,
              "/assets/%s/..%%2Fapi.js" % build):
        st, h, body = get(t, p)
        eq(st, 404, p)
        ok(b'"error"' in body and h["content-type"].startswith("application/json"), p + " JSON")
    # the API keeps its own caching: no-store
    st, h, _ = get(t, "/api/v1/channels", {"Authorization": "Bearer x"})
    eq(h.get("cache-control"), "no-store", "API replies are not cached")


def scenario(t, name):
    shots = os.path.join(ROOT, "build/test-output/web-%s" % t.label)
    env = dict(os.environ, MOTCUA_WEB_BASE="http://127.0.0.1:%d" % t.server.port,
               MOTCUA_WEB_SHOTS=shots, MOTCUA_TEST_DATABASE=t.db_url)
    try:
        p = subprocess.run(["node", os.path.join(WEB, "run.mjs"), name], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired as e:
        raise TestFailure("scenario %s timed out: %s" % (name, (e.stdout or "")[-2000:]))
    out = (p.stdout + p.stderr).strip()
    if p.returncode != 0:
        raise TestFailure(out[-4000:])
    print("# " + out.replace("\n", "\n# "))


def test_browser_login(t):
    scenario(t, "smoke")


def test_browser_counter_receives_by_keyboard_and_prints_the_receipt(t):
    scenario(t, "counter")


def test_browser_queues_walk_a_dossier_to_its_return(t):
    scenario(t, "queues")


def test_browser_supervisor_rates_alerts_and_bieu06(t):
    scenario(t, "supervisor")


def test_browser_administrator(t):
    scenario(t, "admin")


def test_browser_citizen_lookup_from_the_qr(t):
    scenario(t, "lookup")


def test_browser_pakn_at_the_counter(t):
    scenario(t, "pakn")


def test_browser_supervisor_satisfaction(t):
    scenario(t, "satisfaction")


def test_browser_published_answers(t):
    scenario(t, "answers")
