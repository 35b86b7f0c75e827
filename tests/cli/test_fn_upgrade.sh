#!/bin/sh
# test_fn_upgrade.sh MOTCUA - the SQL functions in sql/fn/ (sql/fn/README, issue 13 item 3).
# Prints TAP. Needs the test cluster of tests/pg.sh (PG_URL, PG_BIN); skips without it.
#
#   * every function has exactly one CREATE FUNCTION under sql/ (a stub marked
#     "-- motcua:stub <name>" in a migration aside, whose function must be in sql/fn/);
#   * a fresh database: `motcua migrate` applies everything once, a second run nothing;
#   * a database built by the migrations as they were at commit f520759 (before sql/fn/; read
#     with git, so skipped without git or that commit; COPY directives and schema_migrations
#     rows done as server/db/migrate.c did) has every function exactly as the fresh database
#     (pg_get_functiondef of every function in schema public); `motcua migrate` then applies
#     099 and the function files, and the two schemas are the same (pg_dump --schema-only);
#   * a function file not applied as it is now is reported by `migrate --check` ("pending
#     function files: fn/...") and applied again, alone, by `migrate`.
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
OLD=f520759
fresh="fn_fresh_$$"
old="fn_old_$$"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fn_upgrade.XXXXXX")
psql="$PG_BIN/psql -X -q -At -v ON_ERROR_STOP=1"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1"; echo "#   got: $2"; echo "#  want: $3"; fi; }
cleanup() {
    $psql "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $fresh" \
        -c "DROP DATABASE IF EXISTS $old" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
$psql "$PG_URL/postgres" -c "CREATE DATABASE $fresh" -c "CREATE DATABASE $old" ||
    { echo "Bail out! cannot create the databases"; exit 1; }

# --- one CREATE FUNCTION per function ---------------------------------------------------
defs=$(grep -ohiE '^[[:space:]]*create[[:space:]]+(or[[:space:]]+replace[[:space:]]+)?function[[:space:]]+[a-z_0-9.]+' \
    sql/*.sql sql/fn/*.sql | awk '{print tolower($NF)}' | sort)
stubs=$(grep -ohE '^-- motcua:stub [a-z_0-9]+' sql/[0-9]*.sql | awk '{print $3}' | sort)
bad=$( (echo "$defs" | sort | uniq -c | awk '{print $2, $1}'
        echo "$stubs" | grep . | awk '{print $1, "stub"}') | awk '
    $2 == "stub" { stub[$1] = 1; next } { count[$1] = $2 }
    END { for (f in count) if (count[f] != 1 + (f in stub)) print f " x" count[f]
          for (f in stub) if (!(f in count)) print f "(stub only)" }' | sort | tr '\n' ' ')
check "every function has exactly one CREATE FUNCTION under sql/ (stubs aside)" "$bad" ""
missing=""
for f in $stubs; do
    grep -qiE "^create or replace function $f\(" sql/fn/*.sql || missing="$missing $f"
done
check "every stub's function is defined in sql/fn/" "$missing" ""
inmig=$(grep -liE '^create (or replace )?function' sql/fn/*.sql | wc -l)
plain=$(grep -hiE '^create function' sql/fn/*.sql | wc -l)
check "sql/fn/ files define with CREATE OR REPLACE only" "$inmig/$plain" \
    "$(ls sql/fn/*.sql | wc -l | tr -d ' ')/0"

# --- a fresh database --------------------------------------------------------------------
out=$(DATABASE_URL="$PG_URL/$fresh" "$bin" migrate 2>&1)
check "fresh: migrate applies the migrations, then each function file once" \
    "$(echo "$out" | grep -c '^Đã áp dụng: fn/')" "$(ls sql/fn/*.sql | wc -l | tr -d ' ')"
out=$(DATABASE_URL="$PG_URL/$fresh" "$bin" migrate 2>&1)
check "fresh: a second migrate applies nothing" "$(echo "$out" | grep -c 'Đã áp dụng')" 0
check "fresh: schema_functions has a row per file" \
    "$($psql "$PG_URL/$fresh" -c "SELECT string_agg('fn/' || name, ' ' ORDER BY name) FROM schema_functions")" \
    "$(ls sql/fn/*.sql | sed 's|^sql/||' | tr '\n' ' ' | sed 's/ $//')"

# fndefs DB [NAMES]: every function of schema public, signature and pg_get_functiondef;
# NAMES (space separated) are left out
fndefs() {
    $psql "$PG_URL/$1" -c "SELECT p.oid::regprocedure::text || E'\n' || pg_get_functiondef(p.oid)
        FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
        WHERE s.nspname = 'public'
          AND p.proname <> ALL (coalesce(string_to_array(nullif(btrim('${2:-}'), ''), ' '), '{}')) ORDER BY 1"
}
fndefs "$fresh" >"$tmp/fresh.fn"

# --- a database migrated the old way -----------------------------------------------------
if ! command -v git >/dev/null 2>&1 || ! git cat-file -e "$OLD^{commit}" 2>/dev/null; then
    for t in "old migrations applied" "old functions = fresh functions" "upgrade applies 099 and the function files" \
        "upgraded functions = fresh functions" "upgraded schema = fresh schema"; do
        skip "$t" "no git or no commit $OLD"
    done
    echo "1..$n"
    exit 0
fi
# apply_old FILE: the migration as of $OLD, its COPY directives as \copy of the data file's
# non-comment, non-blank lines, and its schema_migrations row, in one transaction
apply_old() {
    f=$1
    git show "$OLD:sql/$f" >"$tmp/$f" || return 1
    cp "$tmp/$f" "$tmp/$f.sum"
    : >"$tmp/$f.run"
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in
        "-- motcua:copy "*)
            target=$(echo "$line" | sed 's/^-- motcua:copy \(.*\) FROM .*$/\1/')
            data=$(echo "$line" | sed 's/^.* FROM *//; s/[[:space:]]*$//')
            git show "$OLD:sql/$data" >"$tmp/$data" || return 1
            cat "$tmp/$data" >>"$tmp/$f.sum"
            awk '{ sub(/\r$/, "") } /^[ \t]*$/ || /^#/ { next } { print }' "$tmp/$data" >"$tmp/$data.rows"
            echo "\\copy $target FROM '$tmp/$data.rows'" >>"$tmp/$f.run"
            ;;
        *) printf '%s\n' "$line" >>"$tmp/$f.run" ;;
        esac
    done <"$tmp/$f"
    sum=$(sha256sum "$tmp/$f.sum" | cut -d' ' -f1)
    echo "INSERT INTO schema_migrations (name, checksum) VALUES ('$f', '$sum');" >>"$tmp/$f.run"
    $psql "$PG_URL/$old" --single-transaction -f "$tmp/$f.run" >/dev/null
}
$psql "$PG_URL/$old" -c "CREATE TABLE schema_migrations (name text PRIMARY KEY,
    checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
failed=""
nold=0
for f in $(git ls-tree --name-only "$OLD" sql/ | sed 's|^sql/||' | grep -E '^[0-9]{3}_.*\.sql$' | sort); do
    apply_old "$f" 2>"$tmp/err" || { failed="$f: $(head -1 "$tmp/err")"; break; }
    nold=$((nold + 1))
done
check "old migrations ($OLD) applied: $nold" "$failed" ""
# The move (099) changed no body: the old functions equal the fresh ones, except those a
# later migration re-signs (DROP FUNCTION in sql/1NN_*.sql: 100 adds the caller's clock)
# and those whose body changed in sql/fn/ since the move.
later=$(ls sql/ | grep -E '^[0-9]{3}_.*\.sql$' | sort | awk '$0 > "099_functions_in_fn.sql"')
resigned=$(cd sql && cat $later </dev/null 2>/dev/null | sed -n 's/^DROP FUNCTION IF EXISTS \([a-z_0-9]*\)(.*/\1/p' | sort -u | tr '\n' ' ')
# and those added since the old commit (in the fresh database only) are not compared either
fnnames() {
    $psql "$PG_URL/$1" -c "SELECT DISTINCT p.proname FROM pg_proc p JOIN pg_namespace s
        ON s.oid = p.pronamespace WHERE s.nspname = 'public' ORDER BY 1"
}
fnnames "$old" >"$tmp/old.names"
fnnames "$fresh" >"$tmp/fresh.names"
added=$(comm -13 "$tmp/old.names" "$tmp/fresh.names" | tr '\n' ' ')
# and those whose text in sql/fn/ changed since the move ($MOVE: a body changed in place,
# as sql/fn/README says): each function's CREATE ... $$; block, then and now
MOVE=a73a32e
split_fns() {
    mkdir -p "$1"
    awk -v dir="$1" '
        /^CREATE OR REPLACE FUNCTION / { name = tolower($5); sub(/\(.*/, "", name) }
        name != "" { print >>(dir "/" name) }
        name != "" && /^\$\$;/ { close(dir "/" name); name = "" }'
}
for f in $(git ls-tree --name-only "$MOVE" sql/fn/ | grep '\.sql$'); do git show "$MOVE:$f"; done |
    split_fns "$tmp/fn.move"
cat sql/fn/*.sql | split_fns "$tmp/fn.now"
changed=$(ls "$tmp/fn.move" "$tmp/fn.now" | grep -v '^/' | grep . | sort -u | while read -r f; do
    cmp -s "$tmp/fn.move/$f" "$tmp/fn.now/$f" || printf '%s ' "$f"; done)
fndefs "$old" "$resigned $added $changed" >"$tmp/old.fn"
fndefs "$fresh" "$resigned $added $changed" >"$tmp/fresh1.fn"
if cmp -s "$tmp/old.fn" "$tmp/fresh1.fn"; then
    ok "old functions = fresh functions ($(grep -c '^CREATE OR REPLACE FUNCTION' "$tmp/fresh1.fn"), re-signed since: ${resigned:-none}, added since: ${added:-none}, changed since $MOVE: ${changed:-none})"
else
    notok "old functions = fresh functions"
    diff "$tmp/old.fn" "$tmp/fresh1.fn" | head -40 | sed 's/^/#   /'
fi
pending="099_functions_in_fn $(echo $later | sed 's/\.sql//g')"
out=$(DATABASE_URL="$PG_URL/$old" "$bin" migrate --check 2>&1)
# (a list longer than the error detail ends with "...": then its beginning is compared)
got=$(echo "$out" | grep -o 'pending migrations: .*')
want="pending migrations: $(echo $pending | sed 's/ /, /g')"
case "$got" in *...) [ "${want#"${got%...}"}" != "$want" ] && want=$got ;; esac
check "old: migrate --check names the pending migrations" "$got" "$want"
# a summary row the old rules counted (an ended dossier ok under dvcqg766) and no dossier
# backs: the upgrade rebuilds the summaries after the new bodies (102_report_rebuild_766)
$psql "$PG_URL/$old" -c "INSERT INTO report_day (day, resolving_unit_id, receiving_unit_id,
    procedure_id, channel, ended, ended_on_time, ended_ok766) VALUES ('2026-01-08', 1, 1, 1, 1, 1, 1, 1)"
out=$(DATABASE_URL="$PG_URL/$old" "$bin" migrate 2>&1)
check "upgrade: the summaries are rebuilt after the function files" \
    "$($psql "$PG_URL/$old" -c "SELECT count(*) FROM report_day")" 0
# a migration marked "-- motcua:after-functions" runs after the function files, in their
# transaction (server/db/migrate.c), and is reported after them
after=$(cd sql && grep -l '^-- motcua:after-functions' $later </dev/null 2>/dev/null | tr '\n' ' ')
check "upgrade applies 099, the later migrations, the function files, then ${after:-none}" \
    "$(echo "$out" | grep '^Đã áp dụng:' | sed 's/^Đã áp dụng: //' | tr '\n' ' ')" \
    "099_functions_in_fn.sql $(for m in $later; do case " $after " in *" $m "*) ;; *) printf '%s ' "$m" ;; esac; done)$(ls sql/fn/*.sql | sed 's|^sql/||' | tr '\n' ' ')$after"
fndefs "$old" >"$tmp/old2.fn"
if [ -s "$tmp/fresh.fn" ] && cmp -s "$tmp/old2.fn" "$tmp/fresh.fn"; then ok "upgraded functions = fresh functions ($(grep -c "^CREATE OR REPLACE FUNCTION" "$tmp/fresh.fn"))"
else notok "upgraded functions = fresh functions"; diff "$tmp/old2.fn" "$tmp/fresh.fn" | head -40 | sed 's/^/#   /'; fi
# (without the random key of pg_dump's \restrict lines)
"$PG_BIN/pg_dump" --schema-only "$PG_URL/$old" | grep -v '^\\\(un\)\{0,1\}restrict ' >"$tmp/old.sql"
"$PG_BIN/pg_dump" --schema-only "$PG_URL/$fresh" | grep -v '^\\\(un\)\{0,1\}restrict ' >"$tmp/fresh.sql"
if cmp -s "$tmp/old.sql" "$tmp/fresh.sql"; then ok "upgraded schema = fresh schema (pg_dump)"
else notok "upgraded schema = fresh schema (pg_dump)"; diff "$tmp/old.sql" "$tmp/fresh.sql" | head -40 | sed 's/^/#   /'; fi
check "old and fresh: the same report_seal" \
    "$($psql "$PG_URL/$old" -c "SELECT upto FROM report_seal")" \
    "$($psql "$PG_URL/$fresh" -c "SELECT upto FROM report_seal")"

# --- a function file changed since it was applied ----------------------------------------
$psql "$PG_URL/$old" -c "UPDATE schema_functions SET checksum = repeat('0', 64)
    WHERE name = '20_reports.sql'"
out=$(DATABASE_URL="$PG_URL/$old" "$bin" migrate --check 2>&1)
check "changed: migrate --check reports the function file" \
    "$(echo "$out" | grep -o 'pending function files: .*')" "pending function files: fn/20_reports.sql"
out=$(DATABASE_URL="$PG_URL/$old" "$bin" migrate 2>&1)
check "changed: migrate applies that file alone" \
    "$(echo "$out" | grep '^Đã áp dụng:' | tr '\n' ' ')" "Đã áp dụng: fn/20_reports.sql "
if DATABASE_URL="$PG_URL/$old" "$bin" migrate --check >/dev/null 2>&1; then ok "changed: at head again"
else notok "changed: at head again"; fi
echo "1..$n"
