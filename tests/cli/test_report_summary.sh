#!/bin/sh
# test_report_summary.sh MOTCUA - the report summaries (sql/020_report.sql) against a plain scan.
# Prints TAP. Needs the test cluster of tests/pg.sh (PG_URL, PG_BIN); skips without it.
#
# A fresh database is migrated by `motcua migrate`, filled by tools/bench/bench_report_gen.sql
# THROUGH the trigger (dossiers inserted as received, pauses added, then ended, as the write
# path does), with appointments and legal dues on the server's working calendar (`motcua
# calendar days`, checked against `motcua calendar due` on dossiers straddling Tết, 30/4-1/5
# and 2/9), dossiers never counted (states 1, 3), without an appointment, ended exactly at
# the due or at a report boundary, and sub-units three levels deep; then: (1) the trigger-maintained tables must equal a set-based rebuild; (2) for
# official periods (month, quarter, six and nine months, year, domain.md §8.2) and odd ranges
# across Tết, 30/4 and the 01/07/2025 reform, grouped by every key and pair of keys, by
# resolving and receiving unit, historical and current structure, every cell of
# report_figures (summaries) must equal report_figures_raw (plain scan of the dossiers);
# (3) write-path style transactions (end + pause ledger in one transaction, in either order)
# keep (1) true; (4) Biểu 06's invariants hold on every cell; (5) roll-ups (rollup=children,
# subtree) from the summaries equal the plain scan and the leaves summed along the tree.
set -u
case "${1:-}" in
"") echo "usage: $0 path/to/motcua" >&2; exit 2 ;;
/*) bin=$1 ;;
*) bin=$(pwd)/$1 ;;
esac
cd "$(dirname "$0")/../.." || exit 2
if [ -z "${PG_URL:-}" ] || [ -z "${PG_BIN:-}" ]; then
    echo "1..0 # SKIP no test PostgreSQL (PG_URL)"
    exit 0
fi
db="report_sum_$$"
psql="$PG_BIN/psql -X -q -At -v ON_ERROR_STOP=1"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
$psql "$PG_URL/postgres" -c "CREATE DATABASE $db" || { echo "Bail out! cannot create $db"; exit 1; }
trap '$psql "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1' EXIT
url="$PG_URL/$db"
if DATABASE_URL="$url" "$bin" migrate >/dev/null 2>&1; then ok "migrate"; else notok "migrate"; exit 1; fi
cal="${TMPDIR:-/tmp}/report_sum_cal_$$.tsv"
trap '$psql "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; rm -f "$cal"' EXIT
for y in 2023 2024 2025 2026 2027; do "$bin" calendar days $y --data sql/calendar_vn.tsv; done >"$cal"
if $psql "$url" -v n="${REPORT_TEST_N:-1500}" -v units=30 -v bulk=0 -v cal="$cal" \
    -f tools/bench/bench_report_gen.sql >/dev/null; then
    ok "generate dossiers through the trigger"
else
    notok "generate dossiers through the trigger"; exit 1
fi

# diff_tables LABEL: trigger-maintained summaries == rebuild
diff_tables() {
    out=$($psql "$url" <<'EOF'
CREATE TEMP TABLE a AS SELECT * FROM report_day WHERE received <> 0 OR ended <> 0;
CREATE TEMP TABLE b AS SELECT * FROM report_bound WHERE open <> 0;
CREATE TEMP TABLE c AS SELECT * FROM report_bound_memo;
CREATE TEMP TABLE m AS SELECT * FROM report_month WHERE received <> 0 OR ended <> 0;
CREATE TEMP TABLE mu AS SELECT * FROM report_month_unit WHERE received <> 0 OR ended <> 0;
CREATE TEMP TABLE bu AS SELECT * FROM report_bound_unit WHERE open <> 0;
BEGIN;
SELECT report_rebuild(now());
SELECT (SELECT count(*) FROM ((SELECT * FROM a EXCEPT SELECT * FROM report_day)
        UNION ALL (SELECT * FROM report_day EXCEPT SELECT * FROM a)) x)
     + (SELECT count(*) FROM ((SELECT * FROM b EXCEPT SELECT * FROM report_bound)
        UNION ALL (SELECT * FROM report_bound EXCEPT SELECT * FROM b)) y)
     + (SELECT count(*) FROM ((SELECT * FROM c EXCEPT SELECT * FROM report_bound_memo)
        UNION ALL (SELECT * FROM report_bound_memo EXCEPT SELECT * FROM c)) z)
     + (SELECT count(*) FROM ((SELECT * FROM m EXCEPT SELECT * FROM report_month)
        UNION ALL (SELECT * FROM report_month EXCEPT SELECT * FROM m)) w)
     + (SELECT count(*) FROM ((SELECT * FROM mu EXCEPT SELECT * FROM report_month_unit)
        UNION ALL (SELECT * FROM report_month_unit EXCEPT SELECT * FROM mu)) v)
     + (SELECT count(*) FROM ((SELECT * FROM bu EXCEPT SELECT * FROM report_bound_unit)
        UNION ALL (SELECT * FROM report_bound_unit EXCEPT SELECT * FROM bu)) t);
ROLLBACK;
EOF
)
    last=$(echo "$out" | tail -n 1)
    if [ "$last" = "0" ]; then ok "$1"; else notok "$1"; echo "# $out" | head -5; fi
}
diff_tables "trigger-maintained summaries equal the rebuild"

# The generated classes are all there (or the comparisons below prove little).
r=$($psql "$url" -c "SELECT
  (SELECT count(*) FROM dossier WHERE state = 1 AND received_at IS NULL) > 0,
  (SELECT count(*) FROM dossier WHERE state = 3) > 0,
  (SELECT count(*) FROM dossier WHERE NOT has_appointment AND ended_at IS NOT NULL) > 0,
  (SELECT count(*) FROM dossier WHERE state NOT IN (1, 3) AND ended_at = legal_due_at) > 0,
  (SELECT count(*) FROM dossier WHERE report_cls_legal(ended_at, legal_due_at, has_appointment) = 1) > 0,
  (SELECT count(*) FROM dossier WHERE report_cls_legal(ended_at, legal_due_at, has_appointment) = 3) > 0,
  (SELECT count(*) FROM dossier WHERE ended_at IS NULL AND state NOT IN (1, 3)) > 0,
  (SELECT count(*) FROM dossier WHERE ended_at = report_lstart(report_lday(ended_at))
     AND extract(day FROM report_lday(ended_at)) = 15) > 0,
  (SELECT count(*) FROM dossier WHERE received_at < TIMESTAMPTZ '2026-02-16 00:00+07'
     AND legal_due_at > TIMESTAMPTZ '2026-02-21 00:00+07' AND state NOT IN (1, 3)) > 0,
  (SELECT count(*) FROM dossier WHERE received_at < TIMESTAMPTZ '2025-04-30 00:00+07'
     AND legal_due_at > TIMESTAMPTZ '2025-05-02 00:00+07' AND state NOT IN (1, 3)) > 0,
  (SELECT count(*) FROM dossier WHERE received_at < TIMESTAMPTZ '2025-09-01 00:00+07'
     AND legal_due_at > TIMESTAMPTZ '2025-09-03 00:00+07' AND state NOT IN (1, 3)) > 0,
  (SELECT count(*) FROM unit u JOIN unit p ON p.id = u.parent_id WHERE p.parent_id IS NOT NULL
     AND EXISTS (SELECT 1 FROM unit c WHERE c.parent_id = u.id)) > 0")
if [ "$r" = "t|t|t|t|t|t|t|t|t|t|t|t" ]; then
    ok "every class generated (states 1 and 3, no appointment, at the due, early, late, open, at a boundary midnight, across Tết, 30/4, 2/9, a 3-level tree)"
else
    notok "classes missing: $r"
fi

# The generated dues are the server's: `motcua calendar due` on dossiers whose window
# crosses Tết 2025 and 2026, 30/4-1/5, 2/9, a Sunday reception, without an appointment, with
# a supplement pause (legal due moved by its working time), and two others.
cases=$($psql "$url" -F ' ' -c "
WITH c AS (
  SELECT DISTINCT ON (w) w, d.id FROM dossier d
  CROSS JOIN LATERAL (VALUES
     ('tet25', d.received_at < TIMESTAMPTZ '2025-01-25 00:00+07' AND d.legal_due_at > TIMESTAMPTZ '2025-02-03 00:00+07'),
     ('tet26', d.received_at < TIMESTAMPTZ '2026-02-14 00:00+07' AND d.legal_due_at > TIMESTAMPTZ '2026-02-23 00:00+07'),
     ('apr30', d.received_at < TIMESTAMPTZ '2025-04-30 00:00+07' AND d.legal_due_at > TIMESTAMPTZ '2025-05-02 00:00+07'),
     ('sep2', d.received_at < TIMESTAMPTZ '2025-09-01 00:00+07' AND d.legal_due_at > TIMESTAMPTZ '2025-09-03 00:00+07'),
     ('sunday', extract(isodow FROM d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh') = 7),
     ('noappt', NOT d.has_appointment),
     ('paused', EXISTS (SELECT 1 FROM dossier_pause p WHERE p.dossier_id = d.id AND p.n = 1
                        AND p.counted AND p.resolved_at IS NOT NULL)),
     ('any1', d.id % 97 = 3), ('any2', d.id % 89 = 5)) v(w, hit)
  WHERE v.hit AND d.state NOT IN (1, 3) ORDER BY w, d.id)
SELECT c.w, to_char(d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD\"T\"HH24:MI'),
       d.duration_value,
       coalesce((SELECT to_char(p.requested_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD\"T\"HH24:MI')
                 || '/' || to_char(p.resolved_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD\"T\"HH24:MI')
                 FROM dossier_pause p WHERE p.dossier_id = d.id AND p.n = 1 AND p.counted
                   AND p.resolved_at IS NOT NULL), '-'),
       to_char(d.legal_due_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD\"T\"HH24:MI\"+07:00\"')
FROM c JOIN dossier d ON d.id = c.id ORDER BY c.w")
bad=0
cnt=0
while read -r w rcv dur pause due; do
    [ -n "$w" ] || continue
    cnt=$((cnt + 1))
    if [ "$pause" = "-" ]; then
        got=$("$bin" calendar due --received "$rcv" --duration "${dur}d" --data sql/calendar_vn.tsv)
    else
        got=$("$bin" calendar due --received "$rcv" --duration "${dur}d" --pause "$pause" \
            --data sql/calendar_vn.tsv)
    fi
    if [ "$got" != "$due" ]; then
        bad=$((bad + 1))
        echo "# $w: received $rcv + ${dur}d, pause $pause: generated $due, motcua calendar due $got"
    fi
done <<CASES
$cases
CASES
if [ "$bad" -eq 0 ] && [ "$cnt" -ge 9 ]; then
    ok "generated dues = motcua calendar due ($cnt cases: Tết 2025/2026, 30/4, 2/9, Sunday, no appointment, pause)"
else
    notok "generated dues differ from motcua calendar due: $bad of $cnt"
fi

# Periods: official cut-offs (15th of the month before .. 14th) and explicit ranges.
periods="2025-01-15:2025-02-14 2025-03-15:2025-06-14 2024-12-15:2025-06-14 2024-12-15:2025-09-14
2024-12-15:2025-12-14 2025-06-15:2025-09-14 2025-01-25:2025-02-05 2025-06-30:2025-07-01
2024-02-15:2026-02-14 2026-02-14:2026-02-14 2025-04-30:2025-05-02
2025-03-10:2025-08-20 2025-02-15:2025-04-20 2025-01-01:2025-12-31 2026-01-15:2026-11-14"
for p in $periods; do
    from=${p%%:*} to=${p##*:}
    r=$($psql "$url" -c "
SELECT sum(bad) || ' ' || sum(cells) FROM
 (VALUES ('none','none'),('unit','none'),('level','none'),('procedure','none'),('field','none'),
         ('channel','none'),('unit','field'),('level','field'),('unit','channel'),
         ('procedure','channel')) g(g1, g2),
 (VALUES ('resolving'),('receiving')) b(by), (VALUES ('historical'),('current')) s(st),
 LATERAL (SELECT
   (SELECT count(*) FROM ((SELECT * FROM report_figures('$from','$to',g1,g2,by,st,NULL,NULL,false, now())
     EXCEPT SELECT * FROM report_figures_raw('$from','$to',g1,g2,by,st,NULL,NULL,false, now())) UNION ALL
    (SELECT * FROM report_figures_raw('$from','$to',g1,g2,by,st,NULL,NULL,false, now())
     EXCEPT SELECT * FROM report_figures('$from','$to',g1,g2,by,st,NULL,NULL,false, now()))) x) AS bad,
   (SELECT count(*) FROM report_figures_raw('$from','$to',g1,g2,by,st,NULL,NULL,false, now())) AS cells) c")
    set -- $r
    if [ "$1" -eq 0 ] && [ "$2" -gt 0 ]; then
        ok "summaries = plain scan, $from..$to, 10 groupings x by x structure ($2 rows)"
    else
        notok "summaries = plain scan, $from..$to: $1 of $2 rows differ"
    fi
done
# Roll-ups: the summaries = the plain scan with rollup=children / subtree (anchored at the
# root and at a unit with sub-units), and the rolled-up rows =
# the per-unit rows of the plain scan summed along the tree (walked here, independently of
# report_units).
r=$($psql "$url" -c "
WITH a(anchor) AS (SELECT id FROM unit WHERE code = '000.00.00.H56'
                   UNION ALL (SELECT u.id FROM unit u WHERE u.parent_id IS NOT NULL
                              AND EXISTS (SELECT 1 FROM unit c WHERE c.parent_id = u.id)
                              ORDER BY u.id LIMIT 1)),
     p(f, t) AS (VALUES (DATE '2024-12-15', DATE '2025-12-14'), (DATE '2025-04-25', DATE '2025-09-05')),
     g(g1, g2) AS (VALUES ('unit', 'none'), ('unit', 'field'), ('level', 'channel')),
     s(st) AS (VALUES ('historical/children'), ('historical/subtree'), ('current/children'))
SELECT sum((SELECT count(*) FROM ((SELECT * FROM report_figures(f, t, g1, g2, 'resolving', st, NULL, anchor, true, now())
        EXCEPT SELECT * FROM report_figures_raw(f, t, g1, g2, 'resolving', st, NULL, anchor, true, now())) UNION ALL
       (SELECT * FROM report_figures_raw(f, t, g1, g2, 'resolving', st, NULL, anchor, true, now())
        EXCEPT SELECT * FROM report_figures(f, t, g1, g2, 'resolving', st, NULL, anchor, true, now()))) x))
    || ' ' || sum((SELECT count(*) FROM report_figures_raw(f, t, g1, g2, 'resolving', st, NULL, anchor, true, now())))
FROM a, p, g, s")
set -- $r
if [ "$1" -eq 0 ] && [ "$2" -gt 0 ]; then ok "roll-ups: summaries = plain scan ($2 rows)"; else notok "roll-ups: $1 of $2 rows differ"; fi
r=$($psql "$url" -c "
WITH RECURSIVE top(id, t) AS (
    SELECT id, id FROM unit WHERE parent_id = (SELECT id FROM unit WHERE code = '000.00.00.H56')
    UNION ALL SELECT u.id, top.t FROM unit u JOIN top ON u.parent_id = top.id
), leaf AS (
    SELECT tu.code AS k, sum(received) AS a, sum(recv_online) AS b, sum(carried) AS c,
           sum(ended) AS d, sum(ended_early) AS e, sum(ended_on_time) AS f, sum(ended_late) AS g,
           sum(open_total) AS h, sum(open_overdue) AS i, sum(ended_ok766) AS j, sum(open_ok766) AS l
    FROM report_figures_raw('2024-12-15', '2025-12-14', 'unit', 'none', 'resolving', 'historical',
                            NULL, NULL, true, now()) r
    JOIN unit u ON u.code = r.k1 JOIN top ON top.id = u.id JOIN unit tu ON tu.id = top.t
    GROUP BY tu.code
), roll AS (
    SELECT k1 AS k, received AS a, recv_online AS b, carried AS c, ended AS d, ended_early AS e,
           ended_on_time AS f, ended_late AS g, open_total AS h, open_overdue AS i,
           ended_ok766 AS j, open_ok766 AS l
    FROM report_figures('2024-12-15', '2025-12-14', 'unit', 'none', 'resolving',
                        'historical/children', NULL,
                        (SELECT id FROM unit WHERE code = '000.00.00.H56'), true, now())
)
SELECT (SELECT count(*) FROM ((SELECT * FROM leaf EXCEPT SELECT * FROM roll)
                              UNION ALL (SELECT * FROM roll EXCEPT SELECT * FROM leaf)) x)
    || ' ' || (SELECT count(*) FROM roll) || ' '
    || (SELECT count(*) FROM report_figures_raw('2024-12-15', '2025-12-14', 'unit', 'none',
                                                'resolving', 'historical', NULL, NULL, true, now()))")
set -- $r
if [ "$1" -eq 0 ] && [ "$2" -gt 0 ] && [ "$3" -gt "$2" ]; then
    ok "rollup=children = the leaves summed along the tree ($3 units into $2 rows)"
else
    notok "rollup=children vs leaves: $1 rows differ ($2 rolled-up rows, $3 units)"
fi

# 2023 has no dossier: nothing may come out of the summaries.
r=$($psql "$url" -c "SELECT count(*) FROM report_figures('2023-01-01','2023-12-31','unit','none','resolving','historical',NULL,NULL,false, now())")
if [ "$r" = "0" ]; then ok "no figures before the first dossier"; else notok "figures before the first dossier: $r"; fi

# A sub-tree and a scope: the province root with sub-units equals everything; one commune.
r=$($psql "$url" -c "SELECT count(*) FROM ((SELECT * FROM report_figures('2025-03-15','2025-06-14','unit','none','resolving','historical',(SELECT id FROM unit WHERE code='000.00.00.H56'),NULL,false, now())
    EXCEPT SELECT * FROM report_figures_raw('2025-03-15','2025-06-14','unit','none','resolving','historical',NULL,NULL,false, now()))) x")
if [ "$r" = "0" ]; then ok "province scope covers every unit"; else notok "province scope: $r rows differ"; fi
r=$($psql "$url" -c "SELECT count(*) FROM report_figures('2025-03-15','2025-06-14','unit','none','resolving','historical',NULL,(SELECT min(id) FROM unit WHERE level='commune'),false, now())")
if [ "$r" = "1" ]; then ok "one unit gives one row"; else notok "one unit gives $r rows"; fi

# Biểu 06 invariants on every cell of a year: 3 = 4 + 5 + 6 (received + carried), 7 = 8 + 9 + 10,
# 11 = 12 + 13 (by construction in C), 3 = 7 + 11.
r=$($psql "$url" -c "SELECT count(*) FROM report_figures('2024-12-15','2025-12-14','unit','field','resolving','historical',NULL,NULL,false, now())
    WHERE received <> recv_online + recv_direct OR ended <> ended_early + ended_on_time + ended_late
       OR received + carried <> ended + open_total OR open_overdue > open_total OR ended <> ended_ok766 + ended_late766")
if [ "$r" = "0" ]; then ok "Biểu 06 invariants hold on every cell"; else notok "invariants fail on $r cells"; fi

# Write-path style transactions on open dossiers: a supplement request (pause row first, then
# the dossier), a resume, then ends, each in one transaction; the deferred trigger must see
# the ledger either way.
$psql "$url" <<'EOF' >/dev/null
BEGIN;
INSERT INTO dossier_pause (dossier_id, n, province, reason, requested_at, counted, was_late, due_before)
SELECT id, 9, 'H56', 'supplement', received_at + interval '2 hours', true, false, legal_due_at
FROM dossier WHERE ended_at IS NULL AND state = 4 ORDER BY id LIMIT 20;
UPDATE dossier SET state = 5, paused_since = received_at + interval '2 hours'
WHERE id IN (SELECT dossier_id FROM dossier_pause WHERE n = 9);
COMMIT;
BEGIN;
UPDATE dossier SET state = 8, end_state = 8, ended_at = received_at + interval '3 days'
WHERE id IN (SELECT dossier_id FROM dossier_pause WHERE n = 9 ORDER BY dossier_id LIMIT 10);
UPDATE dossier_pause SET resolved_at = requested_at + interval '1 day',
       due_after = due_before + interval '1 day'
WHERE n = 9 AND dossier_id IN (SELECT dossier_id FROM dossier_pause WHERE n = 9 ORDER BY dossier_id LIMIT 10);
UPDATE dossier SET legal_due_at = legal_due_at + interval '1 day'
WHERE id IN (SELECT dossier_id FROM dossier_pause WHERE n = 9 ORDER BY dossier_id LIMIT 10);
COMMIT;
EOF
diff_tables "ends with the pause ledger written in the same transaction"


# A ledger change alone (no dossier row change): the state at sealed boundaries follows it.
$psql "$url" -c "UPDATE dossier_pause SET was_late = NOT was_late
    WHERE resolved_at IS NULL AND dossier_id IN (SELECT dossier_id FROM report_bound_memo)" >/dev/null
diff_tables "a pause ledger change alone resyncs the boundaries"

# Lazy sealing: pretend only boundaries up to 14/06/2025 were sealed (every dossier resynced
# to that), then seal up to now through report_seal_one: same tables as the rebuild.
$psql "$url" >/dev/null <<'EOF2'
UPDATE report_seal SET upto = DATE '2025-06-14';
SELECT count(report_bound_sync(id)) FROM dossier;
EOF2
r=$($psql "$url" -c "SELECT count(*) FROM report_bound_memo WHERE b0 + make_interval(months => cardinality(sts) - 1) > DATE '2025-06-14'")
if [ "$r" = "0" ]; then ok "resync trims the memos to the sealed boundary"; else notok "resync left $r memos past it"; fi
$psql "$url" -c "SELECT report_seal_to(now())" >/dev/null
diff_tables "sealing the later boundaries one by one equals the rebuild"

echo "1..$n"
