#!/bin/sh
# tests/fuzz/run.sh SECONDS - `make fuzz`: every libFuzzer harness for SECONDS each (clang),
# new finds kept in tests/fuzz/corpus-new/<name>, crashers as files crash-* in the repo root.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}
B=build-fuzz
make -s BUILD=$B CC=clang $B/libmotcua_domain.a $B/libmotcua.a >/dev/null
LIBS=$(make -s --no-print-directory print-libs)
for f in tests/fuzz/fuzz_*.c; do
    n=$(basename "$f" .c)
    case "$n" in fuzz_http_*|fuzz_db_*|fuzz_api_*) libs="$B/libmotcua.a $B/libmotcua_domain.a" ;; *) libs="$B/libmotcua_domain.a" ;; esac
    clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Iserver -I$B/gen \
        $(pkg-config --cflags jansson libevent libpq libutf8proc cairo pangocairo) -o "$B/$n" "$f" $libs \
        $LIBS
    mkdir -p "tests/fuzz/corpus-new/$n" "tests/fuzz/corpus/$n"
    echo "fuzz: $n for ${secs}s"
    "$B/$n" -max_total_time="$secs" "tests/fuzz/corpus-new/$n" "tests/fuzz/corpus/$n" >/dev/null 2>&1 ||
        { echo "fuzz: $n found a crash (see crash-* files)"; exit 1; }
done
echo "fuzz: no crash"
