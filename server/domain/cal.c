/*
 * cal.c - day numbers, instants, strict date parsers and the Vietnamese lunar
 * calendar (contract in cal.h).
 *
 * Lunar calendar: Hồ Ngọc Đức, "Computing the Vietnamese lunar calendar"
 * (domain.md §4.4, domain-sources.md §4.3). The astronomy is Jean Meeus,
 * "Astronomical Algorithms": the mean new moon with its periodic terms (ch. 49)
 * and the apparent sun longitude of low accuracy (ch. 25). Everything is reckoned
 * for local time UTC+7, which is why Tết 1985 (21/01) and Tết 2030 (02/02) differ
 * from the Chinese UTC+8 calendar.
 *
 * Organisation (ours): a "suì" is the span from one month 11 (the lunation
 * containing the December solstice) to the next; it holds 12 or 13 lunations,
 * found by their new-moon index k. Both conversions locate the suì, label its
 * lunations, and index into it, so a conversion costs a few dozen trigonometric
 * evaluations and no table.
 */
#include "domain/cal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SECS_PER_DAY 86400
/* Julian day number of 1970-01-01 (day number 0). */
#define JDN_EPOCH 2440588
/* Julian date of the new moon of 1900-01-01 (k = 0) and the mean synodic month. */
#define NM_EPOCH_JD 2415021.076998695
#define SYNODIC 29.530588853
#define TZ_HOURS 7.0

static const double PI = 3.14159265358979323846;

int
cal_valid(int year, int month, int day)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap, max;

    if (month < 1 || month > 12 || day < 1)
        return 0;
    leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    max = mdays[month - 1] + (month == 2 && leap);
    return day <= max;
}

/* Era-based conversion after H. Hinnant, "chrono-Compatible Low-Level Date Algorithms":
   400-year eras of 146097 days, years starting on 1 March so the leap day is last. */
int32_t
cal_days(int year, int month, int day)
{
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int mp = (month + 9) % 12;
    int doy = (153 * mp + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return (int32_t)(era * 146097 + doe - 719468);
}

struct cal_date
cal_date_of(int32_t day)
{
    struct cal_date d;
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;

    d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.year = (int)(yoe + era * 400 + (d.month <= 2));
    return d;
}

int
cal_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday (4). */
    int64_t w = ((int64_t)day + 4) % 7;

    return (int)(w < 0 ? w + 7 : w);
}

const char *
cal_weekday_vi(int weekday)
{
    /* Written as offices write them: "Chủ nhật" (Sunday) is not a "Thứ". */
    static const char *const names[7] = {"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư",
                                         "Thứ Năm",  "Thứ Sáu", "Thứ Bảy"};

    return weekday >= 0 && weekday < 7 ? names[weekday] : "";
}

static int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int32_t
cal_local_day(int64_t t)
{
    return (int32_t)floor_div(t + CAL_TZ_OFFSET, SECS_PER_DAY);
}

int
cal_local_minute(int64_t t)
{
    int64_t s = t + CAL_TZ_OFFSET;

    return (int)((s - floor_div(s, SECS_PER_DAY) * SECS_PER_DAY) / 60);
}

int64_t
cal_instant(int32_t day, int minute_of_day)
{
    return (int64_t)day * SECS_PER_DAY + (int64_t)minute_of_day * 60 - CAL_TZ_OFFSET;
}

/* ---- parsers ---------------------------------------------------------------------------- */

/* n decimal digits at s, or -1. */
static int
digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DD" at s (10 bytes available). Years 0000-9999. */
static int
parse_ymd(const char *s, int32_t *out)
{
    int y = digits(s, 4), m, d;

    if (y < 0 || s[4] != '-' || s[7] != '-')
        return -1;
    m = digits(s + 5, 2);
    d = digits(s + 8, 2);
    if (m < 0 || d < 0 || !cal_valid(y, m, d))
        return -1;
    *out = cal_days(y, m, d);
    return 0;
}

int
cal_parse_date(const char *s, size_t n, int32_t *out)
{
    int32_t d;

    if (s == NULL || n != 10 || parse_ymd(s, &d) != 0)
        return -1;
    *out = d;
    return 0;
}

/* Local days a formatted instant may fall on: years 0000-9999, so that formatting
   (always +07:00, four-digit year) and parsing again gives the same instant. */
#define LOCAL_DAY_MIN (-719528) /* 0000-01-01 */
#define LOCAL_DAY_MAX 2932896   /* 9999-12-31 */

int
cal_parse_instant(const char *s, size_t n, int64_t *out)
{
    int32_t day;
    int hh, mi, ss = 0, off = CAL_TZ_OFFSET;
    size_t i = 16;
    int64_t t;

    /* "YYYY-MM-DDTHH:MM" is the shortest accepted form. */
    if (s == NULL || n < 16 || parse_ymd(s, &day) != 0)
        return -1;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return -1;
    hh = digits(s + 11, 2);
    mi = digits(s + 14, 2);
    if (hh < 0 || hh > 23 || s[13] != ':' || mi < 0 || mi > 59)
        return -1;
    if (i < n && s[i] == ':') {
        if (n - i < 3)
            return -1;
        ss = digits(s + i + 1, 2);
        /* No leap second: Unix time has none to give it. */
        if (ss < 0 || ss > 59)
            return -1;
        i += 3;
        if (i < n && s[i] == '.') {
            size_t f = ++i;

            /* Fraction of a second: 1-9 digits, dropped (instants are whole seconds). */
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == f || i - f > 9)
                return -1;
        }
    }
    if (i < n) {
        if ((s[i] == 'Z' || s[i] == 'z') && n - i == 1) {
            off = 0;
        } else if ((s[i] == '+' || s[i] == '-') && n - i == 6 && s[i + 3] == ':') {
            int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);

            if (oh < 0 || oh > 23 || om < 0 || om > 59)
                return -1;
            off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
        } else {
            return -1;
        }
    }
    t = (int64_t)day * SECS_PER_DAY + hh * 3600 + mi * 60 + ss - off;
    day = cal_local_day(t);
    if (day < LOCAL_DAY_MIN || day > LOCAL_DAY_MAX)
        return -1;
    *out = t;
    return 0;
}

/* Writes v as exactly w decimal digits (v >= 0, the caller keeps it in range). */
static char *
put_num(char *p, int v, int w)
{
    for (int i = w - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + w;
}

/* "YYYY-MM-DD" without the NUL; years outside 0000-9999 keep their last four digits. */
static char *
put_date(char *p, int32_t day)
{
    struct cal_date d = cal_date_of(day);

    p = put_num(p, (d.year % 10000 + 10000) % 10000, 4);
    *p++ = '-';
    p = put_num(p, d.month, 2);
    *p++ = '-';
    return put_num(p, d.day, 2);
}

void
cal_format_date(int32_t day, char *buf)
{
    *put_date(buf, day) = '\0';
}

static void
format_local(int64_t t, char *buf, int with_seconds)
{
    int64_t s = t + CAL_TZ_OFFSET;
    int sod = (int)(s - floor_div(s, SECS_PER_DAY) * SECS_PER_DAY);
    char *p = put_date(buf, cal_local_day(t));

    *p++ = 'T';
    p = put_num(p, sod / 3600, 2);
    *p++ = ':';
    p = put_num(p, sod / 60 % 60, 2);
    if (with_seconds) {
        *p++ = ':';
        p = put_num(p, sod % 60, 2);
    }
    memcpy(p, "+07:00", 7);
}

void
cal_format_instant(int64_t t, char *buf)
{
    format_local(t, buf, 1);
}

void
cal_format_instant_min(int64_t t, char *buf)
{
    format_local(t, buf, 0);
}

/* ---- lunar calendar ---------------------------------------------------------------------- */

/*
 * Julian date (TT, close enough to UT here after the ΔT correction) of the k-th new moon
 * after the one of 1900-01-01: Meeus' mean phase (k counted in synodic months, T in Julian
 * centuries from 1900) plus the largest periodic terms of the Moon's and Sun's anomalies
 * and the Moon's argument of latitude.
 */
static double
new_moon_jd(int k)
{
    double T = k / 1236.85, T2 = T * T, T3 = T2 * T, dr = PI / 180;
    double jd, M, Mp, F, c, dt;

    jd = 2415020.75933 + 29.53058868 * k + 0.0001178 * T2 - 0.000000155 * T3;
    jd += 0.00033 * sin((166.56 + 132.87 * T - 0.009173 * T2) * dr);
    M = 359.2242 + 29.10535608 * k - 0.0000333 * T2 - 0.00000347 * T3;   /* Sun's anomaly */
    Mp = 306.0253 + 385.81691806 * k + 0.0107306 * T2 + 0.00001236 * T3; /* Moon's anomaly */
    F = 21.2964 + 390.67050646 * k - 0.0016528 * T2 - 0.00000239 * T3;  /* latitude arg. */
    c = (0.1734 - 0.000393 * T) * sin(M * dr) + 0.0021 * sin(2 * M * dr);
    c += -0.4068 * sin(Mp * dr) + 0.0161 * sin(2 * Mp * dr) - 0.0004 * sin(3 * Mp * dr);
    c += 0.0104 * sin(2 * F * dr) - 0.0051 * sin((M + Mp) * dr) - 0.0074 * sin((M - Mp) * dr);
    c += 0.0004 * sin((2 * F + M) * dr) - 0.0004 * sin((2 * F - M) * dr);
    c += -0.0006 * sin((2 * F + Mp) * dr) + 0.0010 * sin((2 * F - Mp) * dr);
    c += 0.0005 * sin((2 * Mp + M) * dr);
    /* ΔT (TT - UT) in days, two polynomial fits either side of about 1800. */
    if (T < -11)
        dt = 0.001 + 0.000839 * T + 0.0002261 * T2 - 0.00000845 * T3 - 0.000000081 * T * T3;
    else
        dt = -0.000278 + 0.000265 * T + 0.000262 * T2;
    return jd + c - dt;
}

/* Local (UTC+7) day number of the k-th new moon: the first day of that lunar month. */
static int32_t
new_moon_day(int k)
{
    return (int32_t)floor(new_moon_jd(k) + 0.5 + TZ_HOURS / 24) - JDN_EPOCH;
}

/*
 * Sector (0-11, 30° each, 0 = from the spring equinox) of the apparent sun longitude at
 * local midnight starting the day. Sector changes are the major solar terms (trung khí);
 * sector 9 starts at the December solstice.
 */
static int
sun_sector(int32_t day)
{
    double jd = (double)day + JDN_EPOCH - 0.5 - TZ_HOURS / 24;
    double T = (jd - 2451545.0) / 36525, T2 = T * T, dr = PI / 180;
    double M, L0, C, L;

    M = 357.52910 + 35999.05030 * T - 0.0001559 * T2 - 0.00000048 * T * T2; /* mean anomaly */
    L0 = 280.46645 + 36000.76983 * T + 0.0003032 * T2;                      /* mean longitude */
    C = (1.914600 - 0.004817 * T - 0.000014 * T2) * sin(dr * M); /* equation of centre */
    C += (0.019993 - 0.000101 * T) * sin(dr * 2 * M) + 0.000290 * sin(dr * 3 * M);
    L = fmod(L0 + C, 360.0);
    if (L < 0)
        L += 360.0;
    return (int)(L / 30.0);
}

/* Index k of the lunation that starts on or before the day. */
static int
lunation_of(int32_t day)
{
    double jd = (double)day + JDN_EPOCH;
    int k = (int)floor((jd - NM_EPOCH_JD) / SYNODIC);

    while (new_moon_day(k + 1) <= day)
        k++;
    while (new_moon_day(k) > day)
        k--;
    return k;
}

/* k of month 11 of Gregorian year gy: the lunation holding the December solstice. */
static int
month11_k(int gy)
{
    int k = lunation_of(cal_days(gy, 12, 31));

    /* If the lunation covering 31/12 began after the solstice, month 11 is the one before. */
    if (sun_sector(new_moon_day(k)) >= 9)
        k--;
    return k;
}

/*
 * A suì: the lunations from month 11 of Gregorian year gy (index 0) to the next month 11
 * (excluded). leap = index of the leap month in a 13-month suì (the first lunation with no
 * major solar term inside it), or 0.
 */
struct sui {
    int gy;
    int k0;
    int n;
    int leap;
};

static void
sui_of(int gy, struct sui *s)
{
    s->gy = gy;
    s->k0 = month11_k(gy);
    s->n = month11_k(gy + 1) - s->k0;
    s->leap = 0;
    if (s->n == 13) {
        int prev = sun_sector(new_moon_day(s->k0 + 1));

        for (int i = 1; i < 13; i++) {
            int next = sun_sector(new_moon_day(s->k0 + i + 1));

            /* Same sector at both ends: no term began during lunation i. */
            if (next == prev) {
                s->leap = i;
                break;
            }
            prev = next;
        }
    }
}

/* Month number, leap flag and lunar year of lunation i of the suì. */
static void
sui_label(const struct sui *s, int i, struct cal_lunar *l)
{
    int m = 11 + i;

    if (s->leap != 0 && i >= s->leap)
        m--;
    l->leap = s->leap != 0 && i == s->leap;
    l->year = s->gy;
    if (m > 12) {
        m -= 12;
        l->year = s->gy + 1;
    }
    l->month = m;
}

int
cal_lunar_of(int32_t day, struct cal_lunar *out)
{
    struct cal_date g = cal_date_of(day);
    struct sui s;
    int k, i;

    if (g.year < CAL_MIN_YEAR || g.year > CAL_MAX_YEAR)
        return -1;
    k = lunation_of(day);
    sui_of(g.year, &s);
    if (k < s.k0)
        sui_of(g.year - 1, &s);
    i = k - s.k0;
    sui_label(&s, i, out);
    out->day = (int)(day - new_moon_day(k)) + 1;
    return 0;
}

int
cal_from_lunar(const struct cal_lunar *l, int32_t *out)
{
    struct sui s;
    struct cal_lunar lab;
    int32_t start;

    /* Lunar year CAL_MIN_YEAR - 1 is accepted: its last months cover January 1900. */
    if (l == NULL || l->year < CAL_MIN_YEAR - 1 || l->year > CAL_MAX_YEAR || l->month < 1 ||
        l->month > 12 || l->day < 1 || l->day > 30)
        return -1;
    /* Months 11 and 12 of lunar year Y lie in the suì starting in Gregorian Y, the others
       in the suì starting in Y - 1. */
    sui_of(l->month >= 11 ? l->year : l->year - 1, &s);
    for (int i = 0; i < s.n; i++) {
        sui_label(&s, i, &lab);
        if (lab.year != l->year || lab.month != l->month || lab.leap != (l->leap != 0))
            continue;
        start = new_moon_day(s.k0 + i);
        if (l->day > new_moon_day(s.k0 + i + 1) - start)
            return -1;
        *out = start + l->day - 1;
        return 0;
    }
    return -1;
}

int
cal_lunar_leap_month(int lunar_year)
{
    struct sui s;
    struct cal_lunar lab;

    /* The leap month of lunar year Y can be in either suì it spans (a leap 11 or 12
       belongs to the suì starting in Y). */
    for (int gy = lunar_year - 1; gy <= lunar_year; gy++) {
        sui_of(gy, &s);
        if (s.leap == 0)
            continue;
        sui_label(&s, s.leap, &lab);
        if (lab.year == lunar_year)
            return lab.month;
    }
    return 0;
}

void
cal_can_chi(int lunar_year, char *buf)
{
    static const char *const CAN[10] = {"Giáp", "Ất",  "Bính", "Đinh", "Mậu",
                                        "Kỷ",   "Canh", "Tân",  "Nhâm", "Quý"};
    static const char *const CHI[12] = {"Tý",  "Sửu", "Dần",  "Mão",  "Thìn", "Tỵ",
                                        "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"};
    /* Year 4 (CE) was Giáp Tý; keep the remainders non-negative. */
    int c = ((lunar_year + 6) % 10 + 10) % 10;
    int z = ((lunar_year + 8) % 12 + 12) % 12;

    snprintf(buf, 32, "%s %s", CAN[c], CHI[z]);
}
