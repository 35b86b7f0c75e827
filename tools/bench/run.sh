#!/bin/sh
# tools/bench/run.sh - `make bench`: runs every benchmark and prints its figures.
set -eu
cd "$(dirname "$0")/../.."
for b in build/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    MOTCUA_SRC=$(pwd) "$b"
done
for s in tools/bench/bench_*.sh tools/bench/bench_*.py; do
    [ -f "$s" ] || continue
    echo "== $(basename "$s")"
    case "$s" in *.py) python3 "$s" ;; *) sh "$s" ;; esac
done
