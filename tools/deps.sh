#!/bin/sh
# tools/deps.sh - installs, with apt-get, the Debian 12 packages motcua needs that are missing
# (and only those), and says what it installs. Run by `make run` and `make test`.
set -eu
PKGS="gcc make pkg-config clang libclang-rt-14-dev
libevent-dev libpq-dev libssl-dev uuid-dev libjansson-dev libcmocka-dev libxlsxwriter-dev
libutf8proc-dev libargon2-dev libqrencode-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core
postgresql postgresql-client python3 python3-yaml openssl poppler-utils curl ca-certificates
docker-compose"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

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
