/*
 * cal.h - dates, instants and the Vietnamese lunar calendar. Pure: no I/O,
 * no clock, no globals, no allocation.
 *
 * Days are int32_t day numbers: 0 = 1970-01-01, proleptic Gregorian.
 * Instants are int64_t Unix seconds (UTC). Local time is Asia/Ho_Chi_Minh,
 * UTC+7 with no daylight saving (domain.md §4.5), so local day and minute are
 * plain arithmetic on (t + CAL_TZ_OFFSET).
 *
 * The lunar calendar follows Hồ Ngọc Đức's astronomical algorithm
 * (domain.md §4.4): new moons and solar terms after Meeus, computed for UTC+7;
 * month 11 contains the winter solstice; in a 13-month year the leap month is
 * the first month without a major solar term. Valid 1900-2100 at least.
 */
#ifndef MOTCUA_DOMAIN_CAL_H
#define MOTCUA_DOMAIN_CAL_H

#include <stddef.h>
#include <stdint.h>

#define CAL_TZ_OFFSET (7 * 3600)
#define CAL_MIN_YEAR 1900
#define CAL_MAX_YEAR 2100

struct cal_date {
    int year;
    int month; /* 1-12 */
    int day;   /* 1-31 */
};

struct cal_lunar {
    int year;  /* lunar year, e.g. 2026 for Bính Ngọ */
    int month; /* 1-12 */
    int day;   /* 1-30 */
    int leap;  /* 1 when the month is the leap month (tháng nhuận) */
};

/* 1 when y-m-d is a real Gregorian date. */
int cal_valid(int year, int month, int day);

/* Day number of a valid date (Howard Hinnant's days_from_civil). */
int32_t cal_days(int year, int month, int day);

/* Gregorian date of a day number. */
struct cal_date cal_date_of(int32_t day);

/* 0 = Sunday ... 6 = Saturday. */
int cal_weekday(int32_t day);

/*
 * Vietnamese name of a cal_weekday() value (0 = "Chủ nhật", 1 = "Thứ Hai" ... 6 = "Thứ Bảy"),
 * the one table for the API, the deadline explanation and the CLI; "" outside 0..6.
 */
const char *cal_weekday_vi(int weekday);

/* Local (UTC+7) day number and minute of day (0-1439) of an instant. */
int32_t cal_local_day(int64_t t);
int cal_local_minute(int64_t t);

/* Instant of local day + minute (+ seconds). */
int64_t cal_instant(int32_t day, int minute_of_day);

/*
 * Parsers of outside input: return 0 and write *out on success, -1 otherwise.
 * cal_parse_date: exactly "YYYY-MM-DD".
 * cal_parse_instant: "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z" or "+hh:mm"/"-hh:mm"
 *   (RFC 3339); with no offset the time is local (+07:00). A space may stand for 'T'.
 * The buffers need not be NUL-terminated: n is the length.
 */
int cal_parse_date(const char *s, size_t n, int32_t *out);
int cal_parse_instant(const char *s, size_t n, int64_t *out);

/* "YYYY-MM-DD" (buf >= 11). */
void cal_format_date(int32_t day, char *buf);
/* "YYYY-MM-DDTHH:MM:SS+07:00" (buf >= 26). */
void cal_format_instant(int64_t t, char *buf);
/* "YYYY-MM-DDTHH:MM+07:00" (buf >= 23). */
void cal_format_instant_min(int64_t t, char *buf);

/* Lunar date of a day; -1 outside CAL_MIN_YEAR..CAL_MAX_YEAR. */
int cal_lunar_of(int32_t day, struct cal_lunar *out);

/* Day of a lunar date; -1 when it does not exist (e.g. a leap month that year has not). */
int cal_from_lunar(const struct cal_lunar *l, int32_t *out);

/* The leap month of a lunar year (1-12), or 0 when the year has none. */
int cal_lunar_leap_month(int lunar_year);

/* "Bính Ngọ" for 2026: can chi of a lunar year, UTF-8 (buf >= 32). */
void cal_can_chi(int lunar_year, char *buf);

#endif
