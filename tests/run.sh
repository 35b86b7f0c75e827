#!/bin/sh
# tests/run.sh - `make test`: builds and runs every suite against a throwaway PostgreSQL,
# first as built, then built with AddressSanitizer + UndefinedBehaviorSanitizer, and ends
# with one line "N passed, N failed". Exit status 1 when anything failed.
#   MOTCUA_TEST_FAST=1  one pass, no sanitizer build
#   MOTCUA_TEST_ONLY=pattern  run only suites whose name contains pattern
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
. tests/pg.sh

PASSED=0
FAILED=0
SKIPPED=0
LOGDIR=$(mktemp -d /tmp/motcua-test.XXXXXX)
chmod 755 "$LOGDIR"

cleanup() {
    # servers of a suite that was killed by its timeout
    pkill -f "^$ROOT/build(-asan)?/motcua" 2>/dev/null
    pg_stop
    rm -rf "$LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# count_tap NAME FILE STATUS: adds the file's TAP results to the totals; a suite that exited
# non-zero without reporting a failure (a crash, a sanitizer report) counts as one failure.
count_tap() {
    name=$1 file=$2 status=$3
    ok=$(grep -E '^ok [0-9]+' "$file" | grep -vcE '# (SKIP|skip)')
    nok=$(grep -E '^not ok [0-9]+' "$file" | grep -vcE '# (SKIP|skip)')
    skip=$(grep -cE '^(not )?ok [0-9]+.*# (SKIP|skip)' "$file")
    SKIPPED=$((SKIPPED + skip))
    if [ "$status" -ne 0 ] && [ "$nok" -eq 0 ]; then
        nok=1
        echo "not ok - $name exited with status $status" >>"$file"
    fi
    if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ] && [ "$skip" -eq 0 ]; then
        nok=1
        echo "not ok - $name ran no test" >>"$file"
    fi
    PASSED=$((PASSED + ok))
    FAILED=$((FAILED + nok))
    if [ "$nok" -gt 0 ]; then
        printf '  %-40s %4d passed, %d FAILED\n' "$name" "$ok" "$nok"
        grep -E '^not ok|^#' "$file" | head -60 | sed 's/^/      /'
        tail -n 30 "$file" | grep -vE '^(ok|not ok)' | sed 's/^/      | /'
    else
        printf '  %-40s %4d passed\n' "$name" "$ok"
    fi
}

selected() {
    [ -z "${MOTCUA_TEST_ONLY:-}" ] && return 0
    case "$1" in *"$MOTCUA_TEST_ONLY"*) return 0 ;; esac
    return 1
}

run_pass() {
    build=$1 label=$2
    echo "== $label ($build)"
    export MOTCUA_TEST_DATABASE_URL="$PG_URL/unit_$label"
    pg_as "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
        -c "DROP DATABASE IF EXISTS unit_$label" -c "CREATE DATABASE unit_$label" >/dev/null 2>&1
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        n=$(basename "$t")
        selected "$n" || continue
        log="$LOGDIR/$label-$(basename $(dirname "$t"))-$n.log"
        CMOCKA_MESSAGE_OUTPUT=TAP MOTCUA_SRC="$ROOT" timeout -k 10 "${MOTCUA_SUITE_TIMEOUT:-300}" "$t" >"$log" 2>&1
        count_tap "$n" "$log" $?
    done
    for t in "$build"/tests/replay_*; do
        [ -x "$t" ] || continue
        n=$(basename "$t")
        selected "$n" || continue
        corpus=tests/fuzz/corpus/${n#replay_}
        log="$LOGDIR/$label-$(basename $(dirname "$t"))-$n.log"
        if [ -d "$corpus" ]; then "$t" "$corpus" >"$log" 2>&1; else echo "not ok 1 - no corpus $corpus" >"$log"; false; fi
        count_tap "$n" "$log" $?
    done
    for t in tests/cli/test_*.sh; do
        [ -f "$t" ] || continue
        n=$(basename "$t" .sh)
        selected "$n" || continue
        log="$LOGDIR/$label-$(basename $(dirname "$t"))-$n.log"
        MOTCUA_SRC="$ROOT" timeout -k 10 "${MOTCUA_SUITE_TIMEOUT:-300}" sh "$t" "$build/motcua" >"$log" 2>&1
        count_tap "$n" "$log" $?
    done
    for t in tests/http/test_*.py; do
        [ -f "$t" ] || continue
        n=$(basename "$t" .py)
        selected "$n" || continue
        log="$LOGDIR/$label-$(basename $(dirname "$t"))-$n.log"
        timeout -k 10 "${MOTCUA_SUITE_TIMEOUT:-300}" \
            python3 tests/http/run.py --bin "$build/motcua" --label "$label" "$t" >"$log" 2>&1
        count_tap "$n" "$log" $?
    done
}

echo "motcua: building"
make -s --no-print-directory all BUILD=build >"$LOGDIR/build.log" 2>&1 || {
    cat "$LOGDIR/build.log"
    echo "0 passed, 1 failed"
    exit 1
}
pg_start || { echo "0 passed, 1 failed"; exit 1; }
export PG_URL PG_PORT PG_TMP PG_BIN
echo "motcua: PostgreSQL on 127.0.0.1:$PG_PORT ($PG_TMP)"

start=$(date +%s)
run_pass build plain
if [ -z "${MOTCUA_TEST_FAST:-}" ]; then
    echo "motcua: building with AddressSanitizer + UBSan"
    if make -s --no-print-directory all BUILD=build-asan SAN=1 >"$LOGDIR/build-asan.log" 2>&1; then
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0
        export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
        run_pass build-asan asan
    else
        cat "$LOGDIR/build-asan.log"
        FAILED=$((FAILED + 1))
    fi
fi
echo "motcua: tests took $(( $(date +%s) - start )) s"
if [ "$SKIPPED" -gt 0 ]; then
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
    echo "$PASSED passed, $FAILED failed"
fi
[ "$FAILED" -eq 0 ]
