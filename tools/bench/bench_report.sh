#!/bin/sh
# bench_report.sh [--quick] - the provincial Biểu 06 of one quarter grouped by unit, from the
# report summaries (sql/020_report.sql, report_figures) and from a plain scan of the dossiers
# (report_figures_raw), on a synthetic province: BENCH_REPORT_N dossiers (default 5,000,000;
# --quick 50,000) over two years, 100+ units, generated set-based in SQL
# (tools/bench/bench_report_gen.sql), in a scratch cluster on port BENCH_REPORT_PORT (55440).
# Prints figures, asserts nothing. Needs build/motcua (make all) for the migrations.
set -eu
cd "$(dirname "$0")/../.."
n=${BENCH_REPORT_N:-5000000}
# --quick (or BENCH_QUICK=1, e.g. `make bench BENCH_QUICK=1`): 50,000 dossiers
{ [ "${1:-}" = "--quick" ] || [ -n "${BENCH_QUICK:-}" ]; } && n=50000
port=${BENCH_REPORT_PORT:-55440}
bin=${MOTCUA_BIN:-build/motcua}
. tests/pg.sh
PG_PORT=$port
pg_start
trap pg_stop EXIT
url="$PG_URL/postgres"
psql="$PG_BIN/psql -X -q -At -v ON_ERROR_STOP=1"
DATABASE_URL="$url" "$bin" migrate >/dev/null
t0=$(date +%s)
cal=$(mktemp /tmp/bench_report_cal.XXXXXX)
trap 'pg_stop; rm -f "$cal"' EXIT
# the server's working calendar, for the generated appointments and legal dues
for y in 2023 2024 2025 2026 2027; do "$bin" calendar days $y --data sql/calendar_vn.tsv; done >"$cal"
$psql "$url" -v n="$n" -v units=120 -v bulk=1 -v cal="$cal" -f tools/bench/bench_report_gen.sql >/dev/null
t1=$(date +%s)
echo "# $n dossiers, $($psql "$url" -c 'SELECT count(*) FROM unit') units, generated and summarised in $((t1 - t0)) s"
echo "# summaries: report_day $($psql "$url" -c 'SELECT count(*) FROM report_day') rows, report_bound $($psql "$url" -c 'SELECT count(*) FROM report_bound') rows, report_bound_memo $($psql "$url" -c 'SELECT count(*) FROM report_bound_memo') rows"
# Quarter IV 2025 (15/09/2025 - 14/12/2025), every unit of the province, by resolving unit.
args="'2025-09-15','2025-12-14','unit','none','resolving','historical',NULL,NULL,false,now()"
best() { # best of N runs of a query, in ms (server-side, EXPLAIN ANALYZE-free: clock_timestamp)
    $psql "$url" -c "DO \$\$ DECLARE t0 timestamptz; b float8 := 1e12; d float8; BEGIN
      FOR i IN 1..$2 LOOP t0 := clock_timestamp(); PERFORM count(*) FROM $1;
        d := extract(epoch FROM clock_timestamp() - t0) * 1000; b := least(b, d); END LOOP;
      RAISE NOTICE '%', round(b::numeric, 2); END \$\$" 2>&1 | sed -n 's/.*NOTICE: *//p'
}
fast=$(best "report_figures($args)" 10)
slow=$(best "report_figures_raw($args)" 2)
same=$($psql "$url" -c "SELECT count(*) FROM ((SELECT * FROM report_figures($args) EXCEPT SELECT * FROM report_figures_raw($args))
    UNION ALL (SELECT * FROM report_figures_raw($args) EXCEPT SELECT * FROM report_figures($args))) x")
echo "biểu 06, quarter IV/2025 by unit: summaries $fast ms, plain scan $slow ms, ratio $(echo "$slow $fast" | awk '{ printf "%.1f", $1 / $2 }')x, rows differing: $same"
fast=$(best "report_figures('2024-12-15','2025-12-14','level','field','resolving','historical',NULL,NULL,false, now())" 5)
echo "biểu 06, year 2025 by level and field: summaries $fast ms"
