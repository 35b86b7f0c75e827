#!/bin/bash
# tests/run.sh - `make test`: builds and runs every suite against a throwaway PostgreSQL,
# first as built, then built with AddressSanitizer + UndefinedBehaviorSanitizer, then every
# libFuzzer harness for a few seconds, and ends with one line "N passed, N failed". Exit
# status 1 when anything failed.
#   MOTCUA_TEST_FAST=1         one pass, no sanitizer build, no fuzzing
#   MOTCUA_TEST_ONLY=pattern   run only suites whose name contains pattern
#   MOTCUA_TEST_JOBS=N         end-to-end suites run N at a time (default 3); the suites that
#                              stop PostgreSQL (test_system, test_durability) and the
#                              browser suite (test_web) run alone
#   MOTCUA_FUZZ_SECONDS=N      seconds of libFuzzer per harness (default 5; 0 skips)
#   MOTCUA_BUILD=dir           build folder (default build-test, never make run's build/; the
#                              sanitizer build is dir-asan; both TEST_CLOCK=1: MOTCUA_TEST_NOW)
# The sanitizer and fuzzer builds run in the background while the plain pass runs.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
. tests/pg.sh

PASSED=0
FAILED=0
SKIPPED=0
LOGDIR=$(mktemp -d /tmp/motcua-test.XXXXXX)
chmod 755 "$LOGDIR"
export MOTCUA_TEST_RUN=$LOGDIR
B=${MOTCUA_BUILD:-build-test}

cleanup() {
    # servers of a suite that was killed by its timeout
    # servers this run started whose suite was killed by its timeout: only those (they carry
    # MOTCUA_TEST_RUN in their environment), never a `make run` server or another run's
    for e in /proc/[0-9]*/environ; do
        if { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qx "MOTCUA_TEST_RUN=$LOGDIR"; then
            p=${e#/proc/}
            p=${p%/environ}
            [ "$p" != $$ ] && [ "$(cat /proc/$p/comm 2>/dev/null)" = motcua ] && kill "$p" 2>/dev/null
        fi
    done
    [ -n "${BG_BUILD:-}" ] && kill "$BG_BUILD" 2>/dev/null
    pg_stop
    # MOTCUA_TEST_KEEP_LOGS=1: keep the suites' output (the figures the tests print)
    if [ -n "${MOTCUA_TEST_KEEP_LOGS:-}" ]; then echo "motcua: logs kept in $LOGDIR"; else rm -rf "$LOGDIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# count_tap NAME FILE STATUS: adds the file's TAP results to the totals; a suite that exited
# non-zero without reporting a failure (a crash, a sanitizer report) counts as one failure.
count_tap() {
    name=$1 file=$2 status=$3
    secs=""
    [ -f "$file.sec" ] && secs=" ($(cat "$file.sec") s)"
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
        printf '  %-40s %4d passed, %d FAILED%s\n' "$name" "$ok" "$nok" "$secs"
        grep -E '^not ok|^#' "$file" | head -60 | sed 's/^/      /'
        tail -n 30 "$file" | grep -vE '^(ok|not ok)' | sed 's/^/      | /'
    else
        printf '  %-40s %4d passed%s\n' "$name" "$ok" "$secs"
    fi
}

selected() {
    [ -z "${MOTCUA_TEST_ONLY:-}" ] && return 0
    case "$1" in *"$MOTCUA_TEST_ONLY"*) return 0 ;; esac
    return 1
}

# run_suite LOG CMD...: runs one suite, its output in LOG, exit status in LOG.rc, seconds in
# LOG.sec (so suites can run in the background and be counted in a fixed order).
run_suite() {
    log=$1
    shift
    s0=$(date +%s)
    "$@" >"$log" 2>&1
    echo $? >"$log.rc"
    echo $(($(date +%s) - s0)) >"$log.sec"
}

# Suites that stop and start the shared PostgreSQL, and the browser suite (Chromium wants
# both cores): they run alone.
exclusive() {
    case "$1" in test_system | test_durability | test_web) return 0 ;; esac
    return 1
}

run_pass() {
    build=$1 label=$2
    echo "== $label ($build)"
    export MOTCUA_TEST_DATABASE_URL="$PG_URL/unit_$label"
    pg_as "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
        -c "DROP DATABASE IF EXISTS unit_$label" -c "CREATE DATABASE unit_$label" >/dev/null 2>&1
    # unit tests share one database: one at a time
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        n=$(basename "$t")
        selected "$n" || continue
        log="$LOGDIR/$label-unit-$n.log"
        CMOCKA_MESSAGE_OUTPUT=TAP MOTCUA_SRC="$ROOT" run_suite "$log" \
            timeout -k 10 "${MOTCUA_SUITE_TIMEOUT:-300}" "$t"
        count_tap "$n" "$log" "$(cat "$log.rc")"
    done
    for t in "$build"/tests/replay_*; do
        [ -x "$t" ] || continue
        n=$(basename "$t")
        selected "$n" || continue
        corpus=tests/fuzz/corpus/${n#replay_}
        log="$LOGDIR/$label-replay-$n.log"
        if [ -d "$corpus" ]; then
            run_suite "$log" "$t" "$corpus"
        else
            echo "not ok 1 - no corpus $corpus" >"$log"
            echo 1 >"$log.rc"
        fi
        count_tap "$n" "$log" "$(cat "$log.rc")"
    done
    # The end-to-end suites each have their own database (cloned from one migrated
    # template, made here so that parallel suites do not race to make it) and their own
    # server on a free port: they run MOTCUA_TEST_JOBS at a time.
    pg_as "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
        -c "DROP DATABASE IF EXISTS tpl_$label" -c "CREATE DATABASE tpl_$label" >/dev/null 2>&1
    DATABASE_URL="$PG_URL/tpl_$label" "$build/motcua" migrate >"$LOGDIR/$label-tpl.log" 2>&1 ||
        cat "$LOGDIR/$label-tpl.log"
    names=() logs=() later=()
    jobs=${MOTCUA_TEST_JOBS:-3}
    for t in tests/cli/test_*.sh tests/http/test_*.py; do
        [ -f "$t" ] || continue
        n=$(basename "$t")
        n=${n%.*}
        selected "$n" || continue
        log="$LOGDIR/$label-e2e-$n.log"
        names+=("$n")
        logs+=("$log")
        case "$t" in
        *.sh) cmd=(timeout -k 10 "${MOTCUA_SUITE_TIMEOUT:-300}" sh "$t" "$build/motcua") ;;
        *) cmd=(timeout -k 10 "${MOTCUA_SUITE_TIMEOUT:-300}" python3 tests/http/run.py --bin "$build/motcua" --label "$label" "$t") ;;
        esac
        if exclusive "$n"; then
            later+=("$log" "${cmd[*]}")
            continue
        fi
        while [ "$(jobs -rp | grep -vc "^${BG_BUILD:-x}$")" -ge "$jobs" ]; do wait -n; done
        MOTCUA_SRC="$ROOT" run_suite "$log" "${cmd[@]}" &
    done
    for p in $(jobs -rp); do [ "$p" = "${BG_BUILD:-}" ] || wait "$p"; done
    i=0
    while [ $i -lt ${#later[@]} ]; do
        # shellcheck disable=SC2086
        MOTCUA_SRC="$ROOT" run_suite "${later[$i]}" ${later[$((i + 1))]}
        i=$((i + 2))
    done
    i=0
    while [ $i -lt ${#names[@]} ]; do
        count_tap "${names[$i]}" "${logs[$i]}" "$(cat "${logs[$i]}.rc" 2>/dev/null || echo 1)"
        i=$((i + 1))
    done
}

echo "motcua: building"
make -s -j2 --no-print-directory all BUILD="$B" TEST_CLOCK=1 >"$LOGDIR/build.log" 2>&1 || {
    cat "$LOGDIR/build.log"
    echo "0 passed, 1 failed"
    exit 1
}
pg_start || { echo "0 passed, 1 failed"; exit 1; }
export PG_URL PG_PORT PG_TMP PG_BIN
echo "motcua: PostgreSQL on 127.0.0.1:$PG_PORT ($PG_TMP)"

FUZZ_SECONDS=${MOTCUA_FUZZ_SECONDS:-5}
start=$(date +%s)
if [ -z "${MOTCUA_TEST_FAST:-}" ]; then
    # the sanitizer and fuzzer builds, in the background while the plain pass runs
    (
        nice make -s --no-print-directory all BUILD="$B-asan" SAN=1 TEST_CLOCK=1 >"$LOGDIR/build-asan.log" 2>&1
        echo $? >"$LOGDIR/build-asan.rc"
        if [ "$FUZZ_SECONDS" != 0 ]; then
            FUZZ_BUILD="$B-fuzz" nice sh tests/fuzz/run.sh --build-only >"$LOGDIR/build-fuzz.log" 2>&1
            echo $? >"$LOGDIR/build-fuzz.rc"
        fi
    ) &
    BG_BUILD=$!
fi
run_pass "$B" plain
if [ -z "${MOTCUA_TEST_FAST:-}" ]; then
    echo "motcua: AddressSanitizer + UBSan build"
    wait "$BG_BUILD"
    if [ "$(cat "$LOGDIR/build-asan.rc")" = 0 ]; then
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0
        export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
        run_pass "$B-asan" asan
    else
        cat "$LOGDIR/build-asan.log"
        FAILED=$((FAILED + 1))
    fi
    if [ "$FUZZ_SECONDS" != 0 ] && selected fuzz; then
        echo "== libFuzzer ($B-fuzz, ${FUZZ_SECONDS}s each)"
        log="$LOGDIR/fuzz.log"
        if [ "$(cat "$LOGDIR/build-fuzz.rc" 2>/dev/null)" = 0 ]; then
            FUZZ_BUILD="$B-fuzz" run_suite "$log" sh tests/fuzz/run.sh --tap "$FUZZ_SECONDS"
        else
            { cat "$LOGDIR/build-fuzz.log"; echo "not ok 1 - fuzzer build failed"; } >"$log"
            echo 1 >"$log.rc"
        fi
        count_tap "fuzz" "$log" "$(cat "$log.rc")"
    fi
fi
echo "motcua: tests took $(( $(date +%s) - start )) s"
if [ "$SKIPPED" -gt 0 ]; then
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
    echo "$PASSED passed, $FAILED failed"
fi
[ "$FAILED" -eq 0 ]
