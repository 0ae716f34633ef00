/*
 * Calendar and time arithmetic: proleptic Gregorian civil dates <-> days since 1970-01-01, POSIX
 * seconds (no leap seconds), UTC offsets, the EU summer-time rule and ISO 8601 text.
 *
 * Integer only, no C library time functions. The day-count conversions use the era arithmetic of
 * H. Hinnant, "chrono-Compatible Low-Level Date Algorithms": years are shifted to start on March 1
 * so the leap day is the last day of the shifted year, then split into 400-year eras of 146097
 * days. All intermediate values are int64_t, so any input (even an invalid one) is free of
 * overflow.
 */
#include "omnipower/core.h"

/* 2200-01-01 is day 84006 after 1970-01-01: 230 years of 365 days plus 56 leap days (1972..2196
 * every 4th year, without 2100). The library's instants are [0, CAL_DAYS_END * 86400). */
#define CAL_DAYS_END 84006
#define CAL_TIME_END ((omp_time_s)CAL_DAYS_END * OMP_SECONDS_PER_DAY)

/* Days from 0000-03-01 to 1970-01-01 in the shifted calendar. */
#define CAL_DAYS_0000_03_01_TO_EPOCH 719468

bool omp_is_leap_year(uint32_t year)
{
    return (year % 4u == 0u) && ((year % 100u != 0u) || (year % 400u == 0u));
}

uint8_t omp_days_in_month(uint32_t year, uint32_t month)
{
    static const uint8_t k_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1u || month > 12u) {
        return 0u;
    }
    if (month == 2u && omp_is_leap_year(year)) {
        return 29u;
    }
    return k_days[month - 1u];
}

bool omp_date_valid(uint32_t year, uint32_t month, uint32_t day)
{
    if (year < OMP_CAL_YEAR_MIN || year > OMP_CAL_YEAR_MAX) {
        return false;
    }
    uint8_t dim = omp_days_in_month(year, month);
    return day >= 1u && day <= dim;
}

bool omp_datetime_valid(const struct omp_datetime *dt)
{
    if (dt == NULL) {
        return false;
    }
    return omp_date_valid(dt->year, dt->month, dt->day) && dt->hour < 24u && dt->minute < 60u &&
           dt->second < 60u;
}

/* Days since 1970-01-01 for any year >= 0, month 1..12 (others give a meaningless but defined
 * value) and any day. */
static int64_t days_from_civil64(uint32_t year, uint32_t month, uint32_t day)
{
    int64_t y = (int64_t)year - ((month <= 2u) ? 1 : 0);
    int64_t era = ((y >= 0) ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                         /* 0..399 */
    int64_t mp = ((int64_t)month + 9) % 12;              /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)day - 1; /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
    return era * 146097 + doe - CAL_DAYS_0000_03_01_TO_EPOCH;
}

int32_t omp_days_from_civil(uint32_t year, uint32_t month, uint32_t day)
{
    int64_t d = days_from_civil64(year, month, day);
    /* Valid inputs give 0..84005 and no input gives less than -719528 (year 0); clamp large years
     * so that the conversion is always defined. */
    if (d > INT32_MAX) {
        return INT32_MAX;
    }
    return (int32_t)d;
}

void omp_civil_from_days(int32_t days, uint16_t *year, uint8_t *month, uint8_t *day)
{
    int64_t z = (int64_t)days + CAL_DAYS_0000_03_01_TO_EPOCH;
    int64_t era = ((z >= 0) ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* 0..146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;                                    /* 0..11, March = 0 */
    int64_t d = doy - (153 * mp + 2) / 5 + 1;                            /* 1..31 */
    int64_t m = (mp < 10) ? mp + 3 : mp - 9;                             /* 1..12 */
    int64_t y = yoe + era * 400 + ((m <= 2) ? 1 : 0);
    if (year != NULL) {
        /* in range for the library's days; other days wrap (defined, documented as unspecified) */
        *year = (uint16_t)((uint64_t)y & 0xFFFFu);
    }
    if (month != NULL) {
        *month = (uint8_t)m;
    }
    if (day != NULL) {
        *day = (uint8_t)d;
    }
}

enum omp_weekday omp_weekday_from_days(int32_t days)
{
    /* 1970-01-01 (day 0) was a Thursday (4); days % 7 is -6..6 in C99 and later. */
    int32_t r = ((days % 7) + 7 + 3) % 7; /* 0 = Monday */
    return (enum omp_weekday)(r + 1);
}

omp_err omp_datetime_to_time(const struct omp_datetime *dt, omp_time_s *t)
{
    if (dt == NULL || t == NULL) {
        return OMP_ERR_ARG;
    }
    if (!omp_datetime_valid(dt)) {
        return OMP_ERR_RANGE;
    }
    omp_time_s days = omp_days_from_civil(dt->year, dt->month, dt->day);
    *t = days * OMP_SECONDS_PER_DAY + (omp_time_s)dt->hour * OMP_SECONDS_PER_HOUR +
         (omp_time_s)dt->minute * 60 + (omp_time_s)dt->second;
    return OMP_OK;
}

omp_err omp_time_to_datetime(omp_time_s t, struct omp_datetime *dt)
{
    if (dt == NULL) {
        return OMP_ERR_ARG;
    }
    if (t < 0 || t >= CAL_TIME_END) {
        return OMP_ERR_RANGE;
    }
    int32_t days = (int32_t)(t / OMP_SECONDS_PER_DAY);
    int32_t sod = (int32_t)(t % OMP_SECONDS_PER_DAY);
    struct omp_datetime r = {0};
    omp_civil_from_days(days, &r.year, &r.month, &r.day);
    r.hour = (uint8_t)(sod / OMP_SECONDS_PER_HOUR);
    r.minute = (uint8_t)((sod / 60) % 60);
    r.second = (uint8_t)(sod % 60);
    r.wday = (uint8_t)omp_weekday_from_days(days);
    *dt = r;
    return OMP_OK;
}

bool omp_utc_offset_valid(int32_t offset_min)
{
    return offset_min >= -12 * 60 && offset_min <= 14 * 60 && offset_min % 30 == 0;
}

/* 01:00 UTC of the last Sunday of @p month (31-day month) of @p year, as POSIX seconds. */
static omp_time_s last_sunday_0100z(uint32_t year, uint32_t month)
{
    int32_t d31 = omp_days_from_civil(year, month, 31u);
    int32_t back = (int32_t)omp_weekday_from_days(d31) % 7; /* Sunday 7 -> 0, Monday 1 -> 1, ... */
    return (omp_time_s)(d31 - back) * OMP_SECONDS_PER_DAY + OMP_SECONDS_PER_HOUR;
}

omp_err omp_eu_dst_bounds(uint32_t year, omp_time_s *start, omp_time_s *end)
{
    if (start == NULL || end == NULL) {
        return OMP_ERR_ARG;
    }
    if (year < OMP_CAL_YEAR_MIN || year > OMP_CAL_YEAR_MAX) {
        return OMP_ERR_RANGE;
    }
    *start = last_sunday_0100z(year, 3u);
    *end = last_sunday_0100z(year, 10u);
    return OMP_OK;
}

bool omp_dst_active(enum omp_dst_rule rule, omp_time_s utc)
{
    if (rule != OMP_DST_EU || utc < 0 || utc >= CAL_TIME_END) {
        return false;
    }
    uint16_t year = 0;
    uint8_t month = 0;
    uint8_t day = 0;
    omp_civil_from_days((int32_t)(utc / OMP_SECONDS_PER_DAY), &year, &month, &day);
    if (month < 3u || month > 10u) {
        return false; /* quick exit; also what the bounds would say */
    }
    return utc >= last_sunday_0100z(year, 3u) && utc < last_sunday_0100z(year, 10u);
}

omp_err omp_local_time(omp_time_s utc, int32_t offset_min, enum omp_dst_rule rule,
                       struct omp_datetime *local, bool *dst_active)
{
    if (local == NULL || !omp_utc_offset_valid(offset_min) ||
        (rule != OMP_DST_NONE && rule != OMP_DST_EU)) {
        return OMP_ERR_ARG;
    }
    if (utc < 0 || utc >= CAL_TIME_END) {
        return OMP_ERR_RANGE;
    }
    bool dst = omp_dst_active(rule, utc);
    omp_time_s lt = utc + (omp_time_s)offset_min * 60 + (dst ? OMP_SECONDS_PER_HOUR : 0);
    struct omp_datetime r;
    omp_err err = omp_time_to_datetime(lt, &r);
    if (err != OMP_OK) {
        return err; /* local time before 1970 or after 2199 */
    }
    *local = r;
    if (dst_active != NULL) {
        *dst_active = dst;
    }
    return OMP_OK;
}

omp_err omp_local_to_utc(const struct omp_datetime *local, int32_t offset_min,
                         enum omp_dst_rule rule, omp_time_s *utc)
{
    if (local == NULL || utc == NULL || !omp_utc_offset_valid(offset_min) ||
        (rule != OMP_DST_NONE && rule != OMP_DST_EU)) {
        return OMP_ERR_ARG;
    }
    omp_time_s lt = 0;
    omp_err err = omp_datetime_to_time(local, &lt);
    if (err != OMP_OK) {
        return err;
    }
    omp_time_s u_std = lt - (omp_time_s)offset_min * 60;
    if (u_std < 0 || u_std >= CAL_TIME_END) {
        return OMP_ERR_RANGE;
    }
    if (rule == OMP_DST_NONE) {
        *utc = u_std;
        return OMP_OK;
    }
    omp_time_s u_dst = u_std - OMP_SECONDS_PER_HOUR;
    bool dst_ok = u_dst >= 0 && omp_dst_active(rule, u_dst);
    bool std_ok = !omp_dst_active(rule, u_std);
    if (dst_ok) {
        *utc = u_dst; /* the only occurrence, or the first of two (the repeated hour) */
    } else if (std_ok) {
        *utc = u_std;
    } else {
        /* the skipped hour: u_dst is before the DST start and u_std after it; answer the start */
        uint16_t year = 0;
        uint8_t month = 0;
        uint8_t day = 0;
        omp_civil_from_days((int32_t)(u_std / OMP_SECONDS_PER_DAY), &year, &month, &day);
        *utc = last_sunday_0100z(year, 3u);
    }
    return OMP_OK;
}

/* ---- ISO 8601 ------------------------------------------------------------------------------- */

/* Reads exactly @p n decimal digits at s[*pos]; false (pos unchanged) if any is not a digit or the
 * text ends. */
static bool digits(const char *s, size_t len, size_t *pos, size_t n, uint32_t *v)
{
    if (len - *pos < n) {
        return false;
    }
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[*pos + i];
        if (c < '0' || c > '9') {
            return false;
        }
        x = x * 10u + (uint32_t)(c - '0');
    }
    *pos += n;
    *v = x;
    return true;
}

static bool literal(const char *s, size_t len, size_t *pos, char c)
{
    if (*pos < len && s[*pos] == c) {
        (*pos)++;
        return true;
    }
    return false;
}

/* Offset after the time: "", "Z", "+hh", "+hhmm", "+hh:mm" (or '-'). Grammar only: sets *sign
 * (0 for none/Z), *oh, *om. */
static bool parse_offset(const char *s, size_t len, size_t *pos, int32_t *sign, uint32_t *oh,
                         uint32_t *om)
{
    *sign = 0;
    *oh = 0u;
    *om = 0u;
    if (*pos == len) {
        return true;
    }
    if (literal(s, len, pos, 'Z')) {
        return *pos == len;
    }
    if (literal(s, len, pos, '+')) {
        *sign = 1;
    } else if (literal(s, len, pos, '-')) {
        *sign = -1;
    } else {
        return false;
    }
    if (!digits(s, len, pos, 2u, oh)) {
        return false;
    }
    if (*pos == len) {
        return true; /* +hh */
    }
    (void)literal(s, len, pos, ':'); /* "+hh:mm" and "+hhmm" are both accepted */
    if (!digits(s, len, pos, 2u, om)) {
        return false;
    }
    return *pos == len;
}

omp_err omp_iso8601_parse(const char *s, size_t len, omp_time_s *t)
{
    if (s == NULL || t == NULL) {
        return OMP_ERR_ARG;
    }
    /* 1. grammar */
    size_t pos = 0;
    uint32_t year = 0;
    uint32_t month = 0;
    uint32_t day = 0;
    uint32_t hour = 0;
    uint32_t minute = 0;
    uint32_t second = 0;
    bool ok = digits(s, len, &pos, 4u, &year) && literal(s, len, &pos, '-') &&
              digits(s, len, &pos, 2u, &month) && literal(s, len, &pos, '-') &&
              digits(s, len, &pos, 2u, &day) &&
              (literal(s, len, &pos, 'T') || literal(s, len, &pos, ' ')) &&
              digits(s, len, &pos, 2u, &hour) && literal(s, len, &pos, ':') &&
              digits(s, len, &pos, 2u, &minute);
    if (ok && literal(s, len, &pos, ':')) {
        ok = digits(s, len, &pos, 2u, &second);
    }
    int32_t sign = 0;
    uint32_t oh = 0;
    uint32_t om = 0;
    if (!ok || !parse_offset(s, len, &pos, &sign, &oh, &om)) {
        return OMP_ERR_MALFORMED;
    }
    /* 2. values */
    if (oh > 23u || om > 59u) {
        return OMP_ERR_RANGE;
    }
    int32_t offset_min = sign * (int32_t)(oh * 60u + om);
    if (!omp_utc_offset_valid(offset_min)) {
        return OMP_ERR_RANGE;
    }
    struct omp_datetime dt = {(uint16_t)year,
                              (uint8_t)month,
                              (uint8_t)day,
                              (uint8_t)hour,
                              (uint8_t)minute,
                              (uint8_t)second,
                              0u};
    omp_time_s local = 0;
    if (omp_datetime_to_time(&dt, &local) != OMP_OK) {
        return OMP_ERR_RANGE;
    }
    omp_time_s utc = local - (omp_time_s)offset_min * 60;
    if (utc < 0 || utc >= CAL_TIME_END) {
        return OMP_ERR_RANGE; /* e.g. 1970-01-01T00:30+01:00 is 1969 in UTC */
    }
    *t = utc;
    return OMP_OK;
}

static void put_dec(char *out, uint32_t v, size_t n)
{
    for (size_t i = n; i > 0u; i--) {
        out[i - 1u] = (char)('0' + (v % 10u));
        v /= 10u;
    }
}

omp_err omp_iso8601_format(omp_time_s t, char *out, size_t cap)
{
    if (out == NULL) {
        return OMP_ERR_ARG;
    }
    struct omp_datetime dt;
    omp_err err = omp_time_to_datetime(t, &dt);
    if (err != OMP_OK) {
        return err;
    }
    if (cap < 21u) {
        return OMP_ERR_NOSPACE;
    }
    char b[21] = "0000-00-00T00:00:00Z";
    put_dec(&b[0], dt.year, 4u);
    put_dec(&b[5], dt.month, 2u);
    put_dec(&b[8], dt.day, 2u);
    put_dec(&b[11], dt.hour, 2u);
    put_dec(&b[14], dt.minute, 2u);
    put_dec(&b[17], dt.second, 2u);
    for (size_t i = 0; i < sizeof b; i++) {
        out[i] = b[i];
    }
    return OMP_OK;
}
