#!/bin/sh
# docker-compose.yml: accepted by `docker compose config` (or docker-compose v1) when either is
# installed, and in any case has PostgreSQL 15 + motcua with healthchecks and a volume.
cd "${MOTCUA_SRC:-.}" || exit 1
n=0
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
if docker compose version >/dev/null 2>&1; then
    t "docker compose config accepts the file" "docker compose -f docker-compose.yml config -q"
elif command -v docker-compose >/dev/null 2>&1; then
    t "docker-compose config accepts the file" "docker-compose -f docker-compose.yml config -q"
else
    echo "ok $((n = n + 1)) - no compose client installed # SKIP"
fi
t "structure: db is postgres:15, motcua built here, healthchecks, a volume" "python3 - <<'PY'
import yaml, sys
d = yaml.safe_load(open('docker-compose.yml'))
s = d['services']
ok = (s['db']['image'] == 'postgres:15' and 'healthcheck' in s['db'] and 'healthcheck' in s['motcua']
      and s['motcua'].get('build') == {'context': '.', 'dockerfile': 'tools/docker/Dockerfile'} and 'pgdata' in d.get('volumes', {})
      and 'DATABASE_URL' in s['motcua']['environment'])
sys.exit(0 if ok else 1)
PY"
t "Dockerfile builds the binary and runs it unprivileged" "grep -q 'make -j2 build/motcua' tools/docker/Dockerfile && grep -q '^USER motcua' tools/docker/Dockerfile"
echo "1..$n"
