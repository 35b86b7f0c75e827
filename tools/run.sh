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

# As root, the server does not keep root: it runs as `nobody` through setpriv (which execs,
# so SERVER_PID is the server itself and SIGTERM reaches it directly), with no supplementary
# groups and no_new_privs. It needs no file of the checkout at run time (migrations and the
# calendar are embedded), only a readable binary (copied to a temporary folder when nobody
# cannot reach build/), the database socket (mode 0777 under var/pg) and /tmp. It keeps
# root, saying why, when it cannot work unprivileged: a port under 1024, a TLS key or
# MOTCUA_CONFIG file that nobody cannot read, a password file of root's for DATABASE_URL;
# MOTCUA_RUN_AS_ROOT=1 keeps root on purpose. docs/operations.md "make run as root".
SERVER_USER=
SERVER_BIN=$BIN
RUN_TMP=
choose_server_user() {
    [ "$(id -u)" = 0 ] || return 0
    why=
    if [ -n "${MOTCUA_RUN_AS_ROOT:-}" ]; then
        why="MOTCUA_RUN_AS_ROOT"
    elif ! command -v setpriv >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1; then
        why="setpriv or the user nobody is missing"
    elif [ "${LISTEN##*:}" -lt 1024 ] 2>/dev/null; then
        why="port ${LISTEN##*:} < 1024"
    elif [ -n "${PGPASSFILE:-}" ] || [ -f "${HOME:-/root}/.pgpass" ]; then
        why="DATABASE_URL may need root's password file"
    else
        for f in "${MOTCUA_TLS_CERT:-}" "${MOTCUA_TLS_KEY:-}" "${MOTCUA_CONFIG:-}"; do
            [ -n "$f" ] && ! runuser -u nobody -- test -r "$f" && why="nobody cannot read $f"
        done
    fi
    if [ -n "$why" ]; then
        say "motcua: máy chủ chạy với quyền root ($why) (server runs as root)"
        return 0
    fi
    if ! runuser -u nobody -- test -x "$BIN"; then
        RUN_TMP=$(mktemp -d /tmp/motcua-run.XXXXXX) || return 0
        chmod 755 "$RUN_TMP"
        cp "$BIN" "$RUN_TMP/motcua" && chmod 755 "$RUN_TMP/motcua" || return 0
        SERVER_BIN="$RUN_TMP/motcua"
    fi
    SERVER_USER=nobody
    say "motcua: máy chủ chạy với người dùng nobody, không phải root (server runs as nobody)"
}

start_server() {
    if [ -n "$SERVER_USER" ]; then
        MOTCUA_LISTEN=$LISTEN HOME=/nonexistent setpriv --reuid="$SERVER_USER" \
            --regid="$(id -g "$SERVER_USER")" --clear-groups --no-new-privs -- "$SERVER_BIN" &
    else
        MOTCUA_LISTEN=$LISTEN "$SERVER_BIN" &
    fi
    SERVER_PID=$!
}

stop_all() {
    [ -n "${SERVER_PID:-}" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [ -n "$RUN_TMP" ] && rm -rf "$RUN_TMP"
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

choose_server_user
start_server
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
say "Mở trình duyệt (open in a browser):  http://$LISTEN/"
say "  quầy tiếp nhận: đăng nhập tiepnhan.tinh; giám sát: giamsat; quản trị: admin"
say "  tra cứu của người dân (citizen lookup): http://$LISTEN/tra-cuu"
say "API:  curl http://$LISTEN/readyz"
[ -f var/demo-accounts.txt ] && { say "Tài khoản mẫu (demo accounts):"; sed 's/^/  /' var/demo-accounts.txt; }
say "Nhấn Ctrl-C để dừng (press Ctrl-C to stop)."
wait "$SERVER_PID"
stop_all
