#!/bin/sh
# test_calendar_cli.sh MOTCUA - `motcua calendar lunar|days|due` (server/cli/calendar.c,
# calendar_due.c). Prints TAP. Expected outputs are typed from domain.md §4.3 / §4.4 / §5.
set -u
case "${1:-}" in
"") echo "usage: $0 path/to/motcua" >&2; exit 2 ;;
/*) bin=$1 ;;
*) bin=$(pwd)/$1 ;;
esac
cd "$(dirname "$0")/../.." || exit 2
if [ ! -x "$bin" ]; then
    echo "Bail out! no executable $bin"
    exit 2
fi
data=sql/calendar_vn.tsv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# check_out NAME EXPECTED_FILE ARGS...: exit 0 and stdout equal to the file
check_out() {
    name=$1 want=$2
    shift 2
    if "$bin" calendar "$@" >"$tmp/out" 2>"$tmp/err" && cmp -s "$tmp/out" "$want"; then
        ok "$name"
    else
        notok "$name"
        diff "$want" "$tmp/out" | sed 's/^/# /'
        sed 's/^/# stderr: /' "$tmp/err"
    fi
}

# check_exit NAME CODE ARGS...: exit status, nothing on stdout, a bilingual message on stderr
check_exit() {
    name=$1 code=$2
    shift 2
    "$bin" calendar "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq "$code" ] && [ ! -s "$tmp/out" ] && grep -q ' / ' "$tmp/err"; then
        ok "$name"
    else
        notok "$name (exit $rc, want $code)"
        sed 's/^/# /' "$tmp/err"
    fi
}

printf '2026-02-17 âm lịch 01/01/Bính Ngọ\n' >"$tmp/w"
check_out "lunar: Tết Bính Ngọ" "$tmp/w" lunar 2026-02-17
printf '2023-03-22 âm lịch 01/02 (nhuận)/Quý Mão\n' >"$tmp/w"
check_out "lunar: first day of the leap month 2 of Quý Mão" "$tmp/w" lunar 2023-03-22
printf '1985-01-21 âm lịch 01/01/Ất Sửu\n' >"$tmp/w"
check_out "lunar: Tết 1985 on 21/01 (UTC+7)" "$tmp/w" lunar 1985-01-21
printf '2024-04-18 âm lịch 10/03/Giáp Thìn\n' >"$tmp/w"
check_out "lunar: Giỗ Tổ 2024" "$tmp/w" lunar 2024-04-18 --data "$data"
printf '2026-02-16 âm lịch 29/12/Ất Tỵ\n' >"$tmp/w"
check_out "lunar: 29 Chạp Ất Tỵ" "$tmp/w" lunar 2026-02-16

# domain.md §4.3, 2026
cat >"$tmp/w" <<'T'
2026-01-01	off	Tết Dương lịch
2026-02-16	off	Nghỉ Tết Âm lịch
2026-02-17	off	Nghỉ Tết Âm lịch
2026-02-18	off	Nghỉ Tết Âm lịch
2026-02-19	off	Nghỉ Tết Âm lịch
2026-02-20	off	Nghỉ Tết Âm lịch
2026-04-27	off	Nghỉ bù
2026-04-30	off	Ngày Chiến thắng 30/4
2026-05-01	off	Ngày Quốc tế lao động 1/5
2026-08-22	work	Làm bù thứ Bảy
2026-08-31	off	Nghỉ hoán đổi ngày làm việc
2026-09-01	off	Nghỉ Quốc khánh (ngày liền kề)
2026-09-02	off	Quốc khánh 2/9
T
check_out "days 2026 with the announced data = domain.md §4.3" "$tmp/w" days 2026 --data "$data"
grep -v '2026-08-22' "$tmp/w" >"$tmp/w2"
check_out "days 2026 --no-makeup-saturdays drops the worked Saturday" "$tmp/w2" days 2026 --no-makeup-saturdays --data "$data"

# domain.md §4.3, 2023 (no Saturday worked)
cat >"$tmp/w" <<'T'
2023-01-02	off	Nghỉ bù
2023-01-20	off	Nghỉ Tết Âm lịch
2023-01-23	off	Nghỉ Tết Âm lịch
2023-01-24	off	Nghỉ Tết Âm lịch
2023-01-25	off	Nghỉ Tết Âm lịch
2023-01-26	off	Nghỉ Tết Âm lịch
2023-05-01	off	Ngày Quốc tế lao động 1/5
2023-05-02	off	Nghỉ bù
2023-05-03	off	Nghỉ bù
2023-09-01	off	Nghỉ Quốc khánh (ngày liền kề)
2023-09-04	off	Nghỉ bù
T
check_out "days 2023 with the announced data = domain.md §4.3" "$tmp/w" days 2023 --data "$data"

# 2027 has no announcement: Tết (Sat 06/02/2027) is proposed from the day before giao thừa
cat >"$tmp/w" <<'T'
2027-01-01	off	Tết Dương lịch
2027-02-04	off	Nghỉ Tết Âm lịch (dự kiến, chưa có thông báo)
2027-02-05	off	Nghỉ Tết Âm lịch (dự kiến, chưa có thông báo)
2027-02-08	off	Nghỉ Tết Âm lịch (dự kiến, chưa có thông báo)
2027-02-09	off	Nghỉ Tết Âm lịch (dự kiến, chưa có thông báo)
2027-02-10	off	Nghỉ Tết Âm lịch (dự kiến, chưa có thông báo)
2027-04-16	off	Giỗ Tổ Hùng Vương
2027-04-30	off	Ngày Chiến thắng 30/4
2027-05-03	off	Nghỉ bù
2027-09-02	off	Quốc khánh 2/9
2027-09-03	off	Nghỉ Quốc khánh (ngày liền kề, dự kiến, chưa có thông báo)
T
check_out "days 2027 without data: proposed Tết and Quốc khánh" "$tmp/w" days 2027

# due (server/cli/calendar_due.c), domain.md §5.1-§5.2. Calendar days (Civil Code 2015
# Art. 147(1)-148): counted from the day after the reception day, even when the reception is
# after closing time; a last day off moves to the end of the next working day.
printf '2026-03-23T17:00+07:00\n' >"$tmp/w"
check_out "due: Fri 17:30 + 15c ends Sat 21/03 -> Mon 23/03 17:00" "$tmp/w" \
    due --received 2026-03-06T17:30 --duration 15c --data "$data"
printf '2026-02-23T17:00+07:00\n' >"$tmp/w"
check_out "due: Tết eve 17:30 + 1c ends Sat 14/02 (Tết) -> Mon 23/02" "$tmp/w" \
    due --received 2026-02-13T17:30 --duration 1c --data "$data"
printf '2026-03-09T17:00+07:00\n' >"$tmp/w"
check_out "due: Fri 17:30 + 1 working day (clock rolls to Mon 07:00)" "$tmp/w" \
    due --received 2026-03-06T17:30 --duration 1d --data "$data"

check_exit "bad date exits 2" 2 lunar 2026-02-30
check_exit "date with trailing text exits 2" 2 lunar 2026-02-17x
check_exit "date outside 1900-2100 exits 2" 2 lunar 1899-12-31
check_exit "missing date exits 2" 2 lunar
check_exit "bad year exits 2" 2 days 20x6
check_exit "year outside 1900-2100 exits 2" 2 days 2101
check_exit "unknown option exits 2" 2 days 2026 --bogus
check_exit "--data without a file exits 2" 2 days 2026 --data
check_exit "two positional arguments exit 2" 2 days 2026 2027
check_exit "unknown subcommand exits 2" 2 moon 2026-02-17
check_exit "no subcommand exits 2" 2
check_exit "unreadable data file exits 1" 1 days 2026 --data "$tmp/none.tsv"
printf '2026-02-16\toff\tholiday\tx\n' >"$tmp/bad.tsv"
check_exit "malformed data file exits 1" 1 days 2026 --data "$tmp/bad.tsv"

echo "1..$n"
[ "$fails" -eq 0 ]
