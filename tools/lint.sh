#!/bin/sh
# tools/lint.sh - `make lint`: cppcheck over server/ (and clang-tidy when asked).
set -eu
cd "$(dirname "$0")/.."
command -v cppcheck >/dev/null || { echo "cppcheck missing: apt-get install cppcheck"; exit 1; }
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
    --inline-suppr --suppress=missingIncludeSystem -I server server tools/embed.c
echo "lint: clean"
