#!/bin/sh
# tools/lint.sh - `make lint`: cppcheck over server/.
# varFuncNullUB is suppressed: log_kv's NULL sentinel is checked by __attribute__((sentinel))
# and NULL is ((void *)0) on every platform motcua builds on (glibc, musl).
set -eu
cd "$(dirname "$0")/.."
command -v cppcheck >/dev/null || { echo "cppcheck missing: apt-get install cppcheck"; exit 1; }
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
    --inline-suppr --suppress=missingIncludeSystem --suppress=varFuncNullUB -I server server tools/embed.c
echo "lint: clean"
