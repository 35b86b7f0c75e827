#!/bin/sh
# tests/pg.sh - a throwaway PostgreSQL cluster for the test run.
#   . tests/pg.sh; pg_start; ... "$PG_URL" ...; pg_stop
# The cluster lives in a fresh temporary directory, listens on 127.0.0.1 on a free port and on
# a unix socket in that directory, trusts local connections, and is removed by pg_stop.
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user.

pg_bindir() {
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_as() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
    PG_BIN=$(pg_bindir) || { echo "pg.sh: PostgreSQL server binaries not found" >&2; return 1; }
    PG_TMP=$(mktemp -d /tmp/motcua-pg.XXXXXX)
    chmod 755 "$PG_TMP"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_TMP"
    PG_PORT=${PG_PORT:-$(pg_free_port)}
    pg_as "$PG_BIN/initdb" -D "$PG_TMP/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; return 1; }
    # fsync off only speeds the throwaway cluster; synchronous_commit stays on, and an
    # immediate shutdown (the restart tests) loses nothing the OS already has.
    pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -w -t 60 -l "$PG_TMP/log" \
        -o "-p $PG_PORT -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 -c shared_buffers=64MB" \
        start >/dev/null || { cat "$PG_TMP/log" >&2; return 1; }
    PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT"
    export PG_BIN PG_TMP PG_PORT PG_URL
}

# pg_restart [immediate|fast]: stop (hard by default) and start again on the same port.
pg_restart() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m "${1:-immediate}" -w stop >/dev/null 2>&1
    pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -w -t 60 -l "$PG_TMP/log" \
        -o "-p $PG_PORT -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 -c shared_buffers=64MB" \
        start >/dev/null
}

pg_stop() {
    [ -n "${PG_TMP:-}" ] || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$PG_TMP"
    PG_TMP=
}
