#!/bin/sh
# tools/demo/load.sh - the demo province (Đồng Nai): catalogue, and accounts when the motcua
# binary is given.
#   sh tools/demo/load.sh DATABASE_URL [MOTCUA_BINARY]
# 1. Runs tools/demo/catalog.sql in one transaction on a migrated database: units with the
#    2025 reform history, fields, 39 procedures with versions. Idempotent (ON CONFLICT DO
#    NOTHING on natural keys): a second run inserts nothing.
# 2. With the binary: creates the demo accounts below with `motcua account add`, skipping
#    logins that exist. Password: $MOTCUA_DEMO_PASSWORD, default "motcua-demo-2026"; the
#    integration account gets an API key, printed once.
#    The logins are listed in var/demo-accounts.txt (shown by tools/run.sh).
# 3. Dossiers come afterwards, through the running server's HTTP API: tools/demo/dossiers.py
#    (called by tools/run.sh once the server is ready).
set -eu
url=${1:-${DATABASE_URL:-}}
bin=${2:-}
[ -n "$url" ] || { echo "usage: $0 DATABASE_URL [MOTCUA_BINARY]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)

psql -X -q -v ON_ERROR_STOP=1 --single-transaction "$url" -f "$here/catalog.sql"
psql -X -q -A -t "$url" -c "SELECT 'Danh mục mẫu (Đồng Nai): ' || (SELECT count(*) FROM unit)
    || ' đơn vị, ' || (SELECT count(*) FROM field) || ' lĩnh vực, '
    || (SELECT count(*) FROM procedure) || ' thủ tục, '
    || (SELECT count(*) FROM procedure_version) || ' phiên bản'"

[ -n "$bin" ] || exit 0
[ -x "$bin" ] || { echo "load.sh: $bin is not executable" >&2; exit 1; }
pw=${MOTCUA_DEMO_PASSWORD:-motcua-demo-2026}

# login|role|unit|display name
accounts='admin|admin|000.00.00.H19|Quản trị hệ thống
giamsat|supervisor|000.00.00.H19|Nguyễn Thị Giám Sát
tiepnhan.tinh|clerk|000.00.01.H19|Trần Văn Tiếp Nhận
tiepnhan.longkhanh|clerk|101.01.00.H19|Lê Thị Một Cửa
chuyenvien.tuphap|official|000.00.10.H19|Phạm Văn Chuyên Viên
lanhdao.tuphap|leader|000.00.10.H19|Hoàng Văn Lãnh Đạo
chuyenvien.longkhanh|official|101.00.00.H19|Võ Thị Hộ Tịch
lanhdao.longkhanh|leader|101.00.00.H19|Đặng Văn Chủ Tịch
egov|integration|000.00.00.H19|Phần mềm một cửa Egov'

exists() {
    printf "SELECT 1 FROM account WHERE login = :'login'\n" |
        psql -X -q -A -t -v login="$1" "$url" | grep -q 1
}

echo "$accounts" | while IFS='|' read -r login role unit name; do
    if exists "$login"; then
        echo "Tài khoản $login đã có (exists)"
        continue
    fi
    if [ "$role" = integration ]; then
        DATABASE_URL=$url "$bin" account add --login "$login" --role "$role" --unit "$unit" \
            --name "$name" --api-key
    else
        printf '%s\n' "$pw" | DATABASE_URL=$url "$bin" account add --login "$login" \
            --role "$role" --unit "$unit" --name "$name" --password-stdin
    fi
done
echo "Mật khẩu các tài khoản mẫu (demo password): $pw"

mkdir -p "$here/../../var"
{
    echo "$accounts" | while IFS='|' read -r login role unit name; do
        printf '%-22s %-12s %s  %s\n' "$login" "$role" "$unit" "$name"
    done
    echo "mật khẩu / password: $pw (egov: khóa API / API key, xem tools/demo/dossiers.py)"
} >"$here/../../var/demo-accounts.txt"
