#!/bin/sh
# tools/deps.sh - installs, with apt-get, the Debian 12 packages motcua needs that are missing
# (and only those), and says what it installs. Run by `make run` and `make test`.
#   sh tools/deps.sh        build, run and the server's own tests
#   sh tools/deps.sh test   also the browser suite: Debian's Chromium, Node.js (when no node
#                           is on PATH) and the npm packages of tests/web (npm ci, lockfile),
#                           and those of the API contract suite in tests/contract (Stoplight
#                           Prism, Redocly CLI: npm ci, lockfile)
set -eu
PKGS="gcc make pkg-config clang libclang-rt-14-dev zlib1g-dev
libevent-dev libpq-dev libssl-dev uuid-dev libjansson-dev libcmocka-dev libxlsxwriter-dev
libutf8proc-dev libargon2-dev libqrencode-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core
postgresql postgresql-client python3 python3-yaml openssl poppler-utils curl ca-certificates
docker-compose"

if [ "${1:-}" = test ]; then
    PKGS="$PKGS chromium fonts-noto-core zbar-tools"
    command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
fi

webdeps() {
    [ "${1:-}" = test ] || return 0
    here=$(cd "$(dirname "$0")/.." && pwd)
    if [ ! -d "$here/tests/web/node_modules/playwright-core" ] ||
        [ ! -d "$here/tests/web/node_modules/axe-core" ]; then
        echo "motcua: cài gói npm cho kiểm thử trình duyệt (npm ci in tests/web)"
        (cd "$here/tests/web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
    if [ ! -d "$here/tests/contract/node_modules/@stoplight/prism-cli" ] ||
        [ ! -d "$here/tests/contract/node_modules/@redocly/cli" ]; then
        echo "motcua: cài gói npm cho kiểm thử hợp đồng API (npm ci in tests/contract)"
        (cd "$here/tests/contract" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
}

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    webdeps "${1:-}"
    exit 0
fi

echo "motcua: cài đặt các gói còn thiếu (installing missing packages):$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "motcua: cần quyền root hoặc sudo để cài:$missing" >&2
        exit 1
    }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Debian's postgresql package starts a system cluster; motcua uses its own under var/.
echo "motcua: đã cài xong (installed):$missing"
webdeps "${1:-}"
