"""proto/openapi.yaml stays true to the route table: every route of `motcua routes` is
described, every described operation exists, and the document is well-formed OpenAPI 3.1."""
import os
import re

import yaml

from harness import ROOT, TestFailure, eq, ok

START_SERVER = False
METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def load():
    with open(os.path.join(ROOT, "proto", "openapi.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def routes(t):
    p = t.run_cli(["routes"])
    out = set()
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out.add((parts[0].lower(), parts[1]))
    ok(out, "motcua routes printed routes")
    return out


def documented(doc):
    out = set()
    for path, item in (doc.get("paths") or {}).items():
        for m in METHODS:
            if m in item:
                out.add((m, path))
    return out


def test_openapi_is_3_1(t):
    doc = load()
    ok(str(doc.get("openapi", "")).startswith("3.1"), "openapi: 3.1.x")
    ok(doc.get("info", {}).get("title"), "info.title")
    for path, item in doc["paths"].items():
        for m in METHODS:
            if m in item:
                op = item[m]
                ok(op.get("responses"), "%s %s has responses" % (m, path))
                ok(op.get("operationId"), "%s %s has an operationId" % (m, path))


def test_every_route_is_documented(t):
    missing = sorted(routes(t) - documented(load()))
    if missing:
        raise TestFailure("routes missing from proto/openapi.yaml: %s" % missing)


def test_every_documented_operation_exists(t):
    extra = sorted(documented(load()) - routes(t))
    if extra:
        raise TestFailure("proto/openapi.yaml describes routes the server lacks: %s" % extra)


def test_error_schema_documented(t):
    doc = load()
    schemas = doc.get("components", {}).get("schemas", {})
    ok("Error" in schemas, "components.schemas.Error")
    props = schemas["Error"].get("properties", {}).get("error", {}).get("properties", {})
    for k in ("code", "message"):
        ok(k in props, "Error.error.%s" % k)
    eq(sorted(schemas["Error"].get("required", [])), ["error"], "Error requires error")


def _walk_refs(node, where, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out.append((where, v))
            else:
                _walk_refs(v, where + "/" + str(k), out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _walk_refs(v, "%s/%d" % (where, i), out)


def _resolve(doc, ref):
    """The target of a local JSON pointer "#/a/b", or raises KeyError."""
    if not ref.startswith("#/"):
        raise KeyError("not a local reference")
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(part)
    return node


def test_every_ref_resolves(t):
    doc = load()
    refs = []
    _walk_refs(doc, "#", refs)
    ok(refs, "the document uses $ref")
    bad = []
    for where, ref in refs:
        try:
            _resolve(doc, ref)
        except (KeyError, ValueError, IndexError) as e:
            bad.append("%s -> %s (%s)" % (where, ref, e))
    if bad:
        raise TestFailure("unresolved $ref: %s" % bad)


def test_operation_ids_unique(t):
    doc = load()
    seen = {}
    for path, item in doc["paths"].items():
        for m in METHODS:
            if m in item:
                oid = item[m].get("operationId")
                if oid in seen:
                    raise TestFailure("operationId %s used by %s and %s %s"
                                      % (oid, seen[oid], m, path))
                seen[oid] = "%s %s" % (m, path)


def test_redocly_lint_recommended_rules(t):
    """`redocly lint` (tests/contract/package.json, recommended rules, no ignore file and no
    configuration) reads the document itself: no error, no warning."""
    import subprocess
    contract = os.path.join(ROOT, "tests", "contract")
    cli = os.path.join(contract, "node_modules", "@redocly", "cli", "bin", "cli.js")
    if not os.path.exists(cli):
        raise TestFailure("tests/contract/node_modules/@redocly/cli is missing (npm ci in "
                          "tests/contract; tools/deps.sh test installs it)")
    for f in (".redocly.yaml", "redocly.yaml", ".redocly.lint-ignore.yaml"):
        ok(not os.path.exists(os.path.join(contract, f)) and
           not os.path.exists(os.path.join(ROOT, "proto", f)), "no %s" % f)
    p = subprocess.run(["node", cli, "lint", "--format=stylish",
                        os.path.join(ROOT, "proto", "openapi.yaml")],
                       cwd=contract, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, REDOCLY_TELEMETRY="off",
                                REDOCLY_SUPPRESS_UPDATE_NOTICE="true"))
    out = p.stdout + p.stderr
    problems = [ln for ln in out.splitlines() if re.search(r"\b(error|warning)\b", ln)
                and re.match(r"\s*\d+:\d+", ln)]
    if p.returncode != 0 or problems:
        raise TestFailure("redocly lint (exit %d):\n%s" % (p.returncode, out[-6000:]))
