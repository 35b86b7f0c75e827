#!/bin/sh
# tests/fuzz/run.sh [--build-only] [--tap] SECONDS - every libFuzzer harness for SECONDS each.
#   `make fuzz`  (SECONDS=60): new finds kept in tests/fuzz/corpus-new/<name>, crashers as
#                files crash-* in the repo root.
#   `make test`  (--tap, a few seconds each): one TAP line per harness; new finds go to a
#                scratch folder, crashers to build-fuzz/.
# The libraries are built by clang with coverage instrumentation (fuzzer-no-link) and
# ASan + UBSan, so the fuzzer is guided by the code under test, not only by the harness.
set -eu
cd "$(dirname "$0")/../.."
build_only=0 tap=0
while [ $# -gt 0 ]; do
    case "$1" in
    --build-only) build_only=1; shift ;;
    --tap) tap=1; shift ;;
    *) break ;;
    esac
done
secs=${1:-60}
B=${FUZZ_BUILD:-build-fuzz}
FCFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
make -s --no-print-directory BUILD=$B CC=clang CFLAGS="$FCFLAGS" \
    $B/libmotcua_domain.a $B/libmotcua.a >/dev/null
LIBS=$(make -s --no-print-directory print-libs)
for f in tests/fuzz/fuzz_*.c; do
    n=$(basename "$f" .c)
    case "$n" in fuzz_http_*|fuzz_db_*|fuzz_api_*) libs="$B/libmotcua.a $B/libmotcua_domain.a" ;; *) libs="$B/libmotcua_domain.a" ;; esac
    [ "$B/$n" -nt "$f" ] && [ "$B/$n" -nt "$B/libmotcua.a" ] && continue
    # shellcheck disable=SC2086
    clang -std=c11 -D_GNU_SOURCE $FCFLAGS -fsanitize=fuzzer -Iserver -I$B/gen \
        $(pkg-config --cflags jansson libevent libpq libutf8proc cairo pangocairo) -o "$B/$n" "$f" $libs \
        $LIBS
done
[ "$build_only" = 1 ] && exit 0

if [ "$tap" = 1 ]; then
    n_tests=$(ls tests/fuzz/fuzz_*.c | wc -l)
    echo "1..$n_tests"
    i=0 bad=0
    scratch=$(mktemp -d /tmp/motcua-fuzz.XXXXXX)
    for f in tests/fuzz/fuzz_*.c; do
        n=$(basename "$f" .c)
        i=$((i + 1))
        mkdir -p "$scratch/$n"
        if (cd "$B" && "./$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            "$scratch/$n" "../tests/fuzz/corpus/$n" >"$scratch/$n.log" 2>&1); then
            runs=$(grep -oE '#[0-9]+' "$scratch/$n.log" | tail -1)
            echo "ok $i - $n: ${secs}s of libFuzzer, ${runs#\#} inputs, no crash"
        else
            echo "not ok $i - $n: crash or sanitizer report (input kept in $B/)"
            tail -n 40 "$scratch/$n.log" | sed 's/^/# /'
            bad=1
        fi
    done
    rm -rf "$scratch"
    exit $bad
fi

for f in tests/fuzz/fuzz_*.c; do
    n=$(basename "$f" .c)
    mkdir -p "tests/fuzz/corpus-new/$n" "tests/fuzz/corpus/$n"
    echo "fuzz: $n for ${secs}s"
    "$B/$n" -max_total_time="$secs" "tests/fuzz/corpus-new/$n" "tests/fuzz/corpus/$n" >/dev/null 2>&1 ||
        { echo "fuzz: $n found a crash (see crash-* files)"; exit 1; }
done
echo "fuzz: no crash"
