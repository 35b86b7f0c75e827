#!/bin/sh
# test_calendar_cli.sh MOTCUA - `motcua calendar lunar|days|due|classify|import` (server/cli/calendar.c,
# calendar_due.c); the built-in announced schedule by default, --data FILE, --rules-only. Prints TAP. Expected outputs are typed from domain.md §4.3 / §4.4 / §5.
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

# domain.md §4.3, 2026 (New Year swap: CV 12729/VPCP-KGVX of 25/12/2025)
cat >"$tmp/w" <<'T'
2026-01-01	off	Tết Dương lịch
2026-01-02	off	Nghỉ hoán đổi ngày làm việc
2026-01-10	work	Làm bù thứ Bảy
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
grep -v -e '2026-08-22' -e '2026-01-10' "$tmp/w" >"$tmp/w2"
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
check_out "days 2027 (no announcement built in): proposed Tết and Quốc khánh" "$tmp/w" days 2027
check_out "days 2027 --rules-only: the same proposals" "$tmp/w" days 2027 --rules-only

# The built-in announced schedule is the default (issue 13 item 7: the server's calendar);
# --data FILE replaces it, --rules-only drops it. domain.md §4.3, 2024: Mon 29/04 off paid
# back by Sat 04/05 (CV 2450/VPCP-KGVX), Tết Giáp Thìn 08-14/02, Quốc khánh 02-03/09.
cat >"$tmp/w" <<'T'
2024-01-01	off	Tết Dương lịch
2024-02-08	off	Nghỉ Tết Âm lịch
2024-02-09	off	Nghỉ Tết Âm lịch
2024-02-12	off	Nghỉ Tết Âm lịch
2024-02-13	off	Nghỉ Tết Âm lịch
2024-02-14	off	Nghỉ Tết Âm lịch
2024-04-18	off	Giỗ Tổ Hùng Vương
2024-04-29	off	Nghỉ hoán đổi ngày làm việc
2024-04-30	off	Ngày Chiến thắng 30/4
2024-05-01	off	Ngày Quốc tế lao động 1/5
2024-05-04	work	Làm bù thứ Bảy
2024-09-02	off	Quốc khánh 2/9
2024-09-03	off	Nghỉ Quốc khánh (ngày liền kề)
T
check_out "days 2024 by default = domain.md §4.3 (the built-in schedule)" "$tmp/w" days 2024
check_out "days 2024 --data sql/calendar_vn.tsv = the default" "$tmp/w" days 2024 --data "$data"

# check_lines NAME PATTERN_PRESENT PATTERN_ABSENT ARGS...: exit 0, a line matching the first
# (fixed string, "" = skip) and none matching the second
check_lines() {
    name=$1 yes=$2 no=$3
    shift 3
    if "$bin" calendar "$@" >"$tmp/out" 2>"$tmp/err" &&
        { [ -z "$yes" ] || grep -qF "$yes" "$tmp/out"; } &&
        { [ -z "$no" ] || ! grep -qF "$no" "$tmp/out"; }; then
        ok "$name"
    else
        notok "$name"
        sed 's/^/# /' "$tmp/out" "$tmp/err"
    fi
}
check_lines "days 2024 --rules-only: Mon 29/04 is a working day" "2024-04-30	off" "2024-04-29" \
    days 2024 --rules-only
check_lines "days 2024 --rules-only: Sat 04/05 is a rest day" "2024-05-01	off" "2024-05-04" \
    days 2024 --rules-only
# 2026 New Year (CV 12729/VPCP-KGVX, sql/096): Fri 02/01 off, Sat 10/01 worked
check_lines "days 2026 by default: Fri 02/01 off (swap)" \
    "2026-01-02	off	Nghỉ hoán đổi ngày làm việc" "" days 2026
check_lines "days 2026 by default: Sat 10/01 worked" "2026-01-10	work	Làm bù thứ Bảy" "" days 2026
check_lines "days 2026 --rules-only: no 02/01 swap" "2026-01-01	off" "2026-01-02" \
    days 2026 --rules-only
check_lines "days 2026 --rules-only: no 10/01 make-up Saturday" "2026-01-01	off" "2026-01-10" \
    days 2026 --rules-only

# --data replaces the built-in schedule: a file with the 2026 swap only leaves 2024 with no
# announced row (no 29/04 swap, Tết proposed) while 2026 keeps 02/01 and 10/01
printf '2026-01-02\toff\tswap_off\tHoán đổi\n2026-01-10\twork\tmakeup_saturday\tLàm bù\n' \
    >"$tmp/small.tsv"
check_lines "days 2024 --data FILE: the file replaces the built-in rows" \
    "2024-02-08	off	Nghỉ Tết Âm lịch (dự kiến" "2024-04-29" days 2024 --data "$tmp/small.tsv"
check_lines "days 2026 --data FILE: the file's swap" "2026-01-02	off" "" \
    days 2026 --data "$tmp/small.tsv"
check_exit "--data with --rules-only exits 2" 2 days 2024 --data "$data" --rules-only
check_exit "due --data with --rules-only exits 2" 2 due --received 2024-04-26T10:00 \
    --duration 2d --data "$data" --rules-only

# due across the swaps. Fri 26/04/2024 10:00 + 2d = 960 min: 300 on Friday; by default Mon
# 29/04 (swap), 30/04 and 01/05 are off: 480 on Thu 02/05, 180 on Fri 03/05 -> 10:00. With
# the bare rules Mon 29/04 works: 480, then Thu 02/05 07:00 + 180 -> 10:00.
printf '2024-05-03T10:00+07:00\n' >"$tmp/w"
check_out "due across 29/04/2024 by default: Fri 03/05 10:00" "$tmp/w" \
    due --received 2024-04-26T10:00 --duration 2d
printf '2024-05-02T10:00+07:00\n' >"$tmp/w"
check_out "due across 29/04/2024 --rules-only: Thu 02/05 10:00" "$tmp/w" \
    due --received 2024-04-26T10:00 --duration 2d --rules-only
# Wed 31/12/2025 10:00 + 1d = 480: 300 on Wednesday, 180 left; by default 01/01 and Fri
# 02/01 off -> Mon 05/01 10:00; with the bare rules Fri 02/01 works -> Fri 02/01 10:00.
printf '2026-01-05T10:00+07:00\n' >"$tmp/w"
check_out "due across the 2026 New Year swap by default: Mon 05/01 10:00" "$tmp/w" \
    due --received 2025-12-31T10:00 --duration 1d
printf '2026-01-02T10:00+07:00\n' >"$tmp/w"
check_out "due across the 2026 New Year --rules-only: Fri 02/01 10:00" "$tmp/w" \
    due --received 2025-12-31T10:00 --duration 1d --rules-only
# Fri 09/01/2026 10:00 + 1d: 300 on Friday, 180 on the worked Sat 10/01 -> 10:00; with the
# bare rules Mon 12/01 10:00
printf '2026-01-10T10:00+07:00\n' >"$tmp/w"
check_out "due 1d from Fri 09/01/2026 by default ends on the worked Sat 10/01" "$tmp/w" \
    due --received 2026-01-09T10:00 --duration 1d
printf '2026-01-12T10:00+07:00\n' >"$tmp/w"
check_out "due 1d from Fri 09/01/2026 --rules-only: Mon 12/01 10:00" "$tmp/w" \
    due --received 2026-01-09T10:00 --duration 1d --rules-only
# classify follows the same calendar: received Fri 26/04/2024 10:00, due Thu 02/05 10:00 (the
# rules' due), ended Fri 03/05 09:00 -> late either way; it is the due that differs above
printf 'late\tQuá hạn\n' >"$tmp/w"
check_out "classify --rules-only: ended after the due" "$tmp/w" classify --rules legal \
    --received 2024-04-26T10:00 --due 2024-05-02T10:00 --end 2024-05-03T09:00 --rules-only
if "$bin" calendar --help | grep -q -- '--rules-only' &&
    "$bin" calendar due --help | grep -q -- '--rules-only'; then
    ok "--help names --rules-only and the built-in schedule"
else
    notok "--help names --rules-only and the built-in schedule"
fi

# due (server/cli/calendar_due.c), domain.md §5.1-§5.2. Calendar days (Civil Code 2015
# Art. 147(2), 148): counted from the day after the reception day, even when the reception is
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

# --explain lists the days skipped from the reception day, also those before the clock
# starts: Fri 13/02/2026 17:00 (closing time) + 1 working day starts Mon 23/02 07:00 after
# the Tết break Sat 14 - Sun 22/02 (CV 9859/VPCP-KGVX) and ends Mon 23/02 17:00.
cat >"$tmp/w" <<'T'
2026-02-23T17:00+07:00
Tiếp nhận / received: 2026-02-13T17:00+07:00
Bắt đầu tính / clock starts: 2026-02-23T07:00+07:00
Hạn / due: 2026-02-23T17:00+07:00
2026-02-14 (Thứ Bảy): nghỉ — Nghỉ Tết Âm lịch — Tết Bính Ngọ, CV 9859/VPCP-KGVX
2026-02-15 (Chủ nhật): nghỉ — Nghỉ Tết Âm lịch — Tết Bính Ngọ, CV 9859/VPCP-KGVX
2026-02-16 (Thứ Hai): nghỉ — Nghỉ Tết Âm lịch — Tết Bính Ngọ, CV 9859/VPCP-KGVX
2026-02-17 (Thứ Ba): nghỉ — Nghỉ Tết Âm lịch — Tết Bính Ngọ, CV 9859/VPCP-KGVX
2026-02-18 (Thứ Tư): nghỉ — Nghỉ Tết Âm lịch — Tết Bính Ngọ, CV 9859/VPCP-KGVX
2026-02-19 (Thứ Năm): nghỉ — Nghỉ Tết Âm lịch — Tết Bính Ngọ, CV 9859/VPCP-KGVX
2026-02-20 (Thứ Sáu): nghỉ — Nghỉ Tết Âm lịch — Tết Bính Ngọ, CV 9859/VPCP-KGVX
2026-02-21 (Thứ Bảy): nghỉ — Nghỉ Tết Âm lịch — Tết Bính Ngọ, CV 9859/VPCP-KGVX
2026-02-22 (Chủ nhật): nghỉ — Nghỉ Tết Âm lịch — Tết Bính Ngọ, CV 9859/VPCP-KGVX
T
check_out "due --explain: Tết eve 17:00 + 1d lists the Tết days before the clock starts" "$tmp/w" \
    due --received 2026-02-13T17:00 --duration 1d --explain --data "$data"
# calendar days: the weekends inside the period count; only the roll of the last day
# (Sat 21/03 -> Mon 23/03, Civil Code 2015 Art. 148(5)) is listed
cat >"$tmp/w" <<'T'
2026-03-23T17:00+07:00
Tiếp nhận / received: 2026-03-06T17:30+07:00
Thời hạn tính theo ngày lịch / calendar days: 2026-03-07 → 2026-03-21 (BLDS 2015 Điều 147 khoản 2, Điều 148)
Hạn / due: 2026-03-23T17:00+07:00
2026-03-21 (Thứ Bảy): nghỉ — Nghỉ cuối tuần
2026-03-22 (Chủ nhật): nghỉ — Nghỉ cuối tuần
T
check_out "due --explain 15c: only the days the end moved over" "$tmp/w" \
    due --received 2026-03-06T17:30 --duration 15c --explain --data "$data"

# --no-makeup-saturdays (domain.md §5.2): Fri 21/08/2026 09:00 + 1d: Fri 09:00-17:00 gives
# 150 + 210 = 360 min; the 120 left on Sat 22/08 (worked, CV 9859) -> 09:00, or with the
# policy off on Mon 24/08 (31/08 is the swapped day, 24/08 works) -> 09:00
printf '2026-08-22T09:00+07:00\n' >"$tmp/w"
check_out "due: 1d from Fri 21/08/2026 09:00 ends on the worked Saturday" "$tmp/w" \
    due --received 2026-08-21T09:00 --duration 1d --data "$data"
printf '2026-08-24T09:00+07:00\n' >"$tmp/w"
check_out "due --no-makeup-saturdays: Mon 24/08/2026 09:00" "$tmp/w" \
    due --received 2026-08-21T09:00 --duration 1d --no-makeup-saturdays --data "$data"

# working hours: 12h = 720 min. Mon 05/01/2026 10:00: 90 + 210 = 300 Monday, 270 Tuesday
# morning, 150 from 13:30 -> Tue 16:00. Fri 13/02 10:00: 300 Friday, Tết, then Mon 23/02
# 270 + 150 -> 16:00.
printf '2026-01-06T16:00+07:00\n' >"$tmp/w"
check_out "due 12h: Mon 10:00 -> Tue 16:00" "$tmp/w" \
    due --received 2026-01-05T10:00 --duration 12h --data "$data"
printf '2026-02-23T16:00+07:00\n' >"$tmp/w"
check_out "due 12h across Tết: Fri 13/02 10:00 -> Mon 23/02 16:00" "$tmp/w" \
    due --received 2026-02-13T10:00 --duration 12h --data "$data"

# --pause FROM/TO (supplement pauses, domain.md §6.1). Mon 05/01/2026 10:00 + 3d = Thu 08/01
# 10:00. Tue 10:00 -> Wed 10:00 pauses 480 working min -> Fri 09/01 10:00. Tue 16:00 ->
# 20:00 pauses 60 (16:00-17:00) -> Thu 11:00. Two pauses of 60 each: the second is a
# repeat under single_supplement (Thu 11:00); without the policy 120 -> Thu 14:00 (90 to
# 11:30, 30 from 13:30). An open pause has paused nothing yet.
printf '2026-01-09T10:00+07:00\n' >"$tmp/w"
check_out "due --pause: one working day paused" "$tmp/w" due --received 2026-01-05T10:00 \
    --duration 3d --pause 2026-01-06T10:00/2026-01-07T10:00 --data "$data"
printf '2026-01-08T11:00+07:00\n' >"$tmp/w"
check_out "due --pause resumed after hours: 60 min" "$tmp/w" due --received 2026-01-05T10:00 \
    --duration 3d --pause 2026-01-06T16:00/2026-01-06T20:00 --data "$data"
check_out "due: second --pause is a repeat request" "$tmp/w" due --received 2026-01-05T10:00 \
    --duration 3d --pause 2026-01-06T10:00/2026-01-06T11:00 \
    --pause 2026-01-07T09:00/2026-01-07T10:00 --data "$data"
printf '2026-01-08T14:00+07:00\n' >"$tmp/w"
check_out "due --no-single-supplement counts both pauses" "$tmp/w" due \
    --received 2026-01-05T10:00 --duration 3d --pause 2026-01-06T10:00/2026-01-06T11:00 \
    --pause 2026-01-07T09:00/2026-01-07T10:00 --no-single-supplement --data "$data"
printf '2026-01-08T10:00+07:00\n' >"$tmp/w"
check_out "due: an open pause has paused nothing yet" "$tmp/w" due \
    --received 2026-01-05T10:00 --duration 3d --pause 2026-01-06T10:00/ --data "$data"

# classify (domain.md §7). Received Mon 05/01/2026 10:00, due Thu 08/01/2026 10:00.
c="classify --received 2026-01-05T10:00 --due 2026-01-08T10:00 --data $data"
printf 'early\tTrước hạn\n' >"$tmp/w"
check_out "classify legal: ended the day before the due date" "$tmp/w" $c --rules legal \
    --end 2026-01-07T15:00
printf 'on_time\tĐúng hạn\n' >"$tmp/w"
check_out "classify legal: ended on the due date before the due time" "$tmp/w" $c \
    --rules legal --end 2026-01-08T09:00
check_out "classify dvcqg766: no early class" "$tmp/w" $c --rules dvcqg766 \
    --end 2026-01-07T15:00
printf 'late\tQuá hạn\n' >"$tmp/w"
check_out "classify legal: a minute late" "$tmp/w" $c --rules legal --end 2026-01-08T10:01
check_out "classify dvcqg766: a minute late" "$tmp/w" $c --rules dvcqg766 --end 2026-01-08T10:01
printf 'in_time\tTrong hạn\n' >"$tmp/w"
check_out "classify legal --at: open before the due" "$tmp/w" $c --rules legal \
    --at 2026-01-07T11:00
check_out "classify dvcqg766 --at: open before the due" "$tmp/w" $c --rules dvcqg766 \
    --at 2026-01-07T11:00
printf 'overdue\tQuá hạn\n' >"$tmp/w"
check_out "classify legal --at: open after the due" "$tmp/w" $c --rules legal \
    --at 2026-01-08T11:00
check_out "classify dvcqg766 --at: open after the due" "$tmp/w" $c --rules dvcqg766 \
    --at 2026-01-08T11:00
# a pause Tue 10:00 -> Wed 10:00: legal moves the due by 480 working min to Fri 09/01 10:00,
# dvcqg766 subtracts 24 h of wall-clock time; ended Fri 09:00 -> on time under both
printf 'on_time\tĐúng hạn\n' >"$tmp/w"
check_out "classify legal --pause: the pause moves the due" "$tmp/w" $c --rules legal \
    --end 2026-01-09T09:00 --pause 2026-01-06T10:00/2026-01-07T10:00
check_out "classify dvcqg766 --pause: supplement time subtracted" "$tmp/w" $c \
    --rules dvcqg766 --end 2026-01-09T09:00 --pause 2026-01-06T10:00/2026-01-07T10:00
# a pause Tue 16:00 -> 20:00: 60 working min (due Thu 11:00) but 4 h of wall-clock time
# (Thu 12:00 - 4 h = 08:00 <= 10:00): ended Thu 12:00 is late under legal, on time under 766
printf 'late\tQuá hạn\n' >"$tmp/w"
check_out "classify legal --pause after hours: 60 working min only" "$tmp/w" $c --rules legal \
    --end 2026-01-08T12:00 --pause 2026-01-06T16:00/2026-01-06T20:00
printf 'on_time\tĐúng hạn\n' >"$tmp/w"
check_out "classify dvcqg766 --pause after hours: 4 h wall clock" "$tmp/w" $c \
    --rules dvcqg766 --end 2026-01-08T12:00 --pause 2026-01-06T16:00/2026-01-06T20:00
# --end with --at: classified at --at, where the dossier is still open
printf 'in_time\tTrong hạn\n' >"$tmp/w"
check_out "classify legal --end later than --at: open at --at" "$tmp/w" $c --rules legal \
    --end 2026-01-09T09:00 --at 2026-01-07T11:00

# bad arguments of due and classify: exit 2
r="--received 2026-01-05T10:00"
check_exit "due without --duration exits 2" 2 due $r
check_exit "due with a bad --duration exits 2" 2 due $r --duration 3x
check_exit "due --duration none exits 2" 2 due $r --duration none
check_exit "due with a bad --received exits 2" 2 due --received 2026-02-30T10:00 --duration 1d
check_exit "due with --rules exits 2" 2 due $r --duration 1d --rules legal
check_exit "due with an unknown option exits 2" 2 due $r --duration 1d --bogus
check_exit "due --pause without a slash exits 2" 2 due $r --duration 3d --pause 2026-01-06T10:00
check_exit "due --pause ending before it starts exits 2" 2 due $r --duration 3d \
    --pause 2026-01-07T10:00/2026-01-06T10:00
check_exit "due with overlapping pauses exits 2" 2 due $r --duration 3d \
    --pause 2026-01-06T10:00/2026-01-07T10:00 --pause 2026-01-06T15:00/2026-01-07T11:00
check_exit "due --pause before the reception exits 2" 2 due $r --duration 3d \
    --pause 2026-01-05T09:00/2026-01-05T11:00
check_exit "due --received outside the calendar exits 2" 2 due --received 2100-12-31T10:00 \
    --duration 3d
check_exit "due --duration without a value exits 2" 2 due $r --duration
check_exit "classify without --rules exits 2" 2 classify $r --due 2026-01-08T10:00 \
    --end 2026-01-07T10:00
check_exit "classify with unknown --rules exits 2" 2 classify --rules strict $r \
    --due 2026-01-08T10:00 --end 2026-01-07T10:00
check_exit "classify without --end or --at exits 2" 2 classify --rules legal $r \
    --due 2026-01-08T10:00
check_exit "classify with a bad --due exits 2" 2 classify --rules legal $r --due tomorrow \
    --end 2026-01-07T10:00
check_exit "classify with --duration exits 2" 2 classify --rules legal $r \
    --due 2026-01-08T10:00 --end 2026-01-07T10:00 --duration 3d
check_exit "classify with --explain exits 2" 2 classify --rules dvcqg766 $r \
    --due 2026-01-08T10:00 --end 2026-01-07T10:00 --explain
check_exit "classify --end before the reception exits 2" 2 classify --rules legal $r \
    --due 2026-01-08T10:00 --end 2026-01-04T10:00
check_exit "classify --pause before the reception exits 2" 2 classify --rules legal $r \
    --due 2026-01-08T10:00 --end 2026-01-07T10:00 --pause 2026-01-05T09:00/2026-01-05T11:00

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
# `calendar import` (issue 15 part 2; against a database: tests/http/test_calendar_import.py)
check_exit "import without a file exits 2" 2 import
check_exit "import with an unknown option exits 2" 2 import "$tmp/bad.tsv" --bogus
check_exit "import with a bad format exits 2" 2 import "$tmp/bad.tsv" --format xml
check_exit "import with a bad year exits 2" 2 import "$tmp/bad.tsv" --year 20x6
check_exit "import of an unreadable file exits 1" 1 import "$tmp/none.tsv"

echo "1..$n"
[ "$fails" -eq 0 ]
