#!/bin/sh
# tools/demo/load.sh - loads the demo province (Đồng Nai) catalogue into a migrated database.
#   sh tools/demo/load.sh DATABASE_URL
# Runs tools/demo/catalog.sql in one transaction; idempotent (ON CONFLICT DO NOTHING on the
# natural keys), so a second run inserts nothing. Prints the counts it finds afterwards.
# Accounts and dossiers come afterwards from tools/demo/accounts.sh and the dossier API.
set -eu
url=${1:-${DATABASE_URL:-}}
[ -n "$url" ] || { echo "usage: $0 DATABASE_URL" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
psql -X -q -v ON_ERROR_STOP=1 --single-transaction "$url" -f "$here/catalog.sql"
psql -X -q -A -t "$url" -c "SELECT 'đơn vị: ' || (SELECT count(*) FROM unit)
    || ', lĩnh vực: ' || (SELECT count(*) FROM field)
    || ', thủ tục: ' || (SELECT count(*) FROM procedure)
    || ', phiên bản: ' || (SELECT count(*) FROM procedure_version)"
