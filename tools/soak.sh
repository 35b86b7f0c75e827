#!/bin/sh
# tools/soak.sh - `make soak`: the load/fault test for longer than `make test` allows.
# Builds (plain and, with SOAK_SAN=1, ASan+UBSan), starts a throwaway PostgreSQL
# (tests/pg.sh) and runs tests/http/test_durability.py for MOTCUA_SOAK_SECONDS (default
# 300): client threads send acknowledged receptions and transitions at full speed while
# PostgreSQL is stopped hard and restarted every few seconds; then every acknowledged write
# must be stored exactly once, every failed one at most once, and retries must replay or
# apply once. tests/http/test_hostile.py runs after it against the same build. TAP output;
# the last line is "N passed, N failed"; exit status 1 when anything failed.
#   MOTCUA_SOAK_SECONDS=1800 make soak      half an hour
#   SOAK_SAN=1 make soak                     the same under the sanitizers
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/pg.sh
: "${MOTCUA_SOAK_SECONDS:=300}"
export MOTCUA_SOAK_SECONDS
if [ "${SOAK_SAN:-0}" = 1 ]; then
    build=build-asan
    make -s --no-print-directory all BUILD=$build SAN=1 || exit 1
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    LSAN_OPTIONS=suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0
    export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
else
    build=build
    make -s --no-print-directory all BUILD=$build || exit 1
fi
pg_start || exit 1
trap pg_stop EXIT
trap 'exit 130' INT TERM
passed=0
failed=0
for m in tests/http/test_durability.py tests/http/test_hostile.py; do
    out=$(mktemp)
    echo "== $m (${MOTCUA_SOAK_SECONDS} s of load, $build)"
    python3 tests/http/run.py --bin "$build/motcua" --label soak "$m" | tee "$out"
    passed=$((passed + $(grep -cE '^ok [0-9]+' "$out")))
    failed=$((failed + $(grep -cE '^not ok [0-9]+' "$out")))
    rm -f "$out"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
