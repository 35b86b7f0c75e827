#!/bin/sh
# tools/run.sh - `make run`: a local PostgreSQL cluster under var/ (unless DATABASE_URL is
# given), migrations, demo data, then the server in the foreground. Ctrl-C stops the server
# and the cluster. Running it again reuses the cluster and its data.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
. tests/pg.sh
BIN="$ROOT/build/motcua"
LISTEN=${MOTCUA_LISTEN:-127.0.0.1:8080}
PGDIR="$ROOT/var/pg"
PGPORT_LOCAL=${MOTCUA_PG_PORT:-5439}
OWN_CLUSTER=0

say() { printf '%s\n' "$*"; }

start_cluster() {
    PG_BIN=$(pg_bindir) || { say "Không tìm thấy PostgreSQL (initdb)." >&2; exit 1; }
    mkdir -p "$ROOT/var"
    if [ "$(id -u)" = 0 ]; then
        chmod 755 "$ROOT/var"
        # The cluster belongs to `postgres`, which must reach var/pg. When the checkout sits
        # in a private directory (a 0700 home or mktemp folder), keep the cluster in
        # /var/tmp and leave var/pg as a link to it, rather than loosening the user's folders.
        if [ ! -e "$PGDIR" ] && ! runuser -u postgres -- test -x "$ROOT/var"; then
            real="/var/tmp/motcua-pg-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
            mkdir -p "$real"
            chmod 755 "$real"
            ln -s "$real" "$PGDIR"
            say "motcua: postgres không truy cập được $ROOT; cụm đặt tại $real (var/pg trỏ tới đó)"
        fi
        mkdir -p "$PGDIR"
        PGDIR=$(readlink -f "$PGDIR")
        chown postgres "$PGDIR"
    else
        mkdir -p "$PGDIR"
    fi
    if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
        say "motcua: tạo cụm PostgreSQL cục bộ tại var/pg (creating a local cluster)"
        pg_as "$PG_BIN/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
            >"$PGDIR/initdb.log" 2>&1 || { cat "$PGDIR/initdb.log"; exit 1; }
    fi
    if ! pg_as "$PG_BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
        pg_as "$PG_BIN/pg_ctl" -D "$PGDIR/data" -w -t 60 -l "$PGDIR/log" \
            -o "-p $PGPORT_LOCAL -k $PGDIR -c listen_addresses=''" start >/dev/null ||
            { tail -20 "$PGDIR/log"; exit 1; }
        OWN_CLUSTER=1
    fi
    URL_ADMIN="postgresql:///postgres?host=$PGDIR&port=$PGPORT_LOCAL&user=postgres"
    if ! psql -X -q -A -t "$URL_ADMIN" -c "SELECT 1 FROM pg_database WHERE datname='motcua'" | grep -q 1; then
        psql -X -q "$URL_ADMIN" -c "CREATE DATABASE motcua" >/dev/null || exit 1
    fi
    DATABASE_URL="postgresql:///motcua?host=$PGDIR&port=$PGPORT_LOCAL&user=postgres"
    export DATABASE_URL
}

stop_all() {
    [ -n "${SERVER_PID:-}" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    if [ "$OWN_CLUSTER" = 1 ]; then
        pg_as "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1
        say "motcua: đã dừng máy chủ và cụm PostgreSQL (server and cluster stopped)"
    fi
}

if [ -z "${DATABASE_URL:-}" ]; then
    start_cluster
fi
trap 'stop_all; exit 0' INT TERM

"$BIN" migrate || { stop_all; exit 1; }
if [ -x tools/demo/load.sh ] || [ -f tools/demo/load.sh ]; then
    sh tools/demo/load.sh "$DATABASE_URL" "$BIN" || { stop_all; exit 1; }
fi
[ "${1:-}" = "--demo-only" ] && { stop_all; exit 0; }

MOTCUA_LISTEN=$LISTEN "$BIN" &
SERVER_PID=$!
i=0
until curl -fsS "http://$LISTEN/readyz" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 200 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
        say "motcua: máy chủ không khởi động được (server failed to start)" >&2
        stop_all
        exit 1
    fi
    sleep 0.1
done
if [ -f tools/demo/dossiers.py ]; then
    python3 tools/demo/dossiers.py --url "http://$LISTEN" --database-url "$DATABASE_URL" --bin "$BIN" ||
        say "motcua: nạp hồ sơ mẫu thất bại (demo dossiers failed)" >&2
fi
say ""
say "motcua đang chạy tại http://$LISTEN  (cơ sở dữ liệu: $DATABASE_URL)"
say "Thử ngay:  curl http://$LISTEN/readyz"
[ -f var/demo-accounts.txt ] && { say "Tài khoản mẫu (demo accounts):"; sed 's/^/  /' var/demo-accounts.txt; }
say "Nhấn Ctrl-C để dừng (press Ctrl-C to stop)."
wait "$SERVER_PID"
stop_all
