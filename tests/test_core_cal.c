/*
 * Calendar and time: civil <-> days <-> seconds, EU DST, local time, ISO 8601.
 *
 * Expected values come from the host C library (timegm, gmtime_r, strftime: proleptic Gregorian,
 * POSIX time), from published dates (EU summer time 2024..2026 as announced in the EU Official
 * Journal / Directive 2000/84/EC rule) or from tables written by hand from the ISO 8601 grammar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "omnipower/core.h"

/* 2200-01-01T00:00:00Z; checked against timegm() below. */
#define T_END ((omp_time_s)7258118400)

static time_t tm_to_t(int year, int month, int day, int hour, int minute, int second)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return timegm(&tm);
}

/* ISO weekday (Monday 1 .. Sunday 7) from struct tm's 0 = Sunday. */
static int iso_wday(int tm_wday)
{
    return (tm_wday == 0) ? 7 : tm_wday;
}

static void test_leap_and_month_lengths(void **state)
{
    (void)state;
    assert_false(omp_is_leap_year(1900));
    assert_true(omp_is_leap_year(2000));
    assert_true(omp_is_leap_year(2024));
    assert_false(omp_is_leap_year(2023));
    assert_false(omp_is_leap_year(2100));
    assert_false(omp_is_leap_year(2200));
    assert_true(omp_is_leap_year(2400));
    assert_true(omp_is_leap_year(0));

    static const uint8_t k_dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (uint32_t m = 1; m <= 12; m++) {
        assert_int_equal(omp_days_in_month(2023, m), k_dim[m - 1]);
        assert_int_equal(omp_days_in_month(2024, m), (m == 2) ? 29 : k_dim[m - 1]);
    }
    assert_int_equal(omp_days_in_month(2100, 2), 28);
    assert_int_equal(omp_days_in_month(2000, 2), 29);
    assert_int_equal(omp_days_in_month(2024, 0), 0);
    assert_int_equal(omp_days_in_month(2024, 13), 0);
    assert_int_equal(omp_days_in_month(2024, UINT32_MAX), 0);
}

static void test_date_valid(void **state)
{
    (void)state;
    static const struct {
        uint32_t y, m, d;
        bool ok;
    } k_cases[] = {
        {1970, 1, 1, true},           {2199, 12, 31, true}, {1969, 12, 31, false},
        {2200, 1, 1, false},          {2200, 2, 29, false}, {2024, 2, 29, true},
        {2023, 2, 29, false},         {2100, 2, 29, false}, {2000, 2, 29, true},
        {2024, 0, 1, false},          {2024, 13, 1, false}, {2024, 1, 0, false},
        {2024, 1, 32, false},         {2024, 4, 31, false}, {2024, 4, 30, true},
        {2024, 6, 31, false},         {2024, 9, 31, false}, {2024, 11, 31, false},
        {2024, 12, 31, true},         {0, 1, 1, false},     {UINT32_MAX, 1, 1, false},
        {2024, 1, UINT32_MAX, false},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_cases); i++) {
        assert_int_equal(omp_date_valid(k_cases[i].y, k_cases[i].m, k_cases[i].d), k_cases[i].ok);
    }

    struct omp_datetime dt = {2024, 3, 31, 23, 59, 59, 0};
    assert_true(omp_datetime_valid(&dt));
    dt.wday = 99; /* ignored on input */
    assert_true(omp_datetime_valid(&dt));
    dt.hour = 24;
    assert_false(omp_datetime_valid(&dt));
    dt.hour = 0;
    dt.minute = 60;
    assert_false(omp_datetime_valid(&dt));
    dt.minute = 0;
    dt.second = 60; /* no leap seconds */
    assert_false(omp_datetime_valid(&dt));
    dt.second = 0;
    dt.day = 32;
    assert_false(omp_datetime_valid(&dt));
    assert_false(omp_datetime_valid(NULL));
}

/* Every day 1970-01-01 .. 2199-12-31 against gmtime_r/timegm, both directions, with weekday. */
static void test_every_day_against_libc(void **state)
{
    (void)state;
    assert_int_equal((int64_t)tm_to_t(2200, 1, 1, 0, 0, 0), T_END);
    int32_t ndays = (int32_t)(T_END / 86400);
    for (int32_t d = 0; d < ndays; d++) {
        time_t t = (time_t)d * 86400;
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        uint32_t y = (uint32_t)tm.tm_year + 1900u;
        uint32_t m = (uint32_t)tm.tm_mon + 1u;
        uint32_t dd = (uint32_t)tm.tm_mday;

        assert_true(omp_date_valid(y, m, dd));
        assert_int_equal(omp_days_from_civil(y, m, dd), d);
        uint16_t oy = 0;
        uint8_t om = 0;
        uint8_t od = 0;
        omp_civil_from_days(d, &oy, &om, &od);
        assert_int_equal(oy, y);
        assert_int_equal(om, m);
        assert_int_equal(od, dd);
        assert_int_equal(omp_weekday_from_days(d), iso_wday(tm.tm_wday));
        if (dd == omp_days_in_month(y, m)) { /* last day of the month: the next one is invalid */
            assert_false(omp_date_valid(y, m, dd + 1u));
        }
    }
    /* the first and last days */
    assert_int_equal(omp_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(omp_days_from_civil(2199, 12, 31), ndays - 1);
}

/* Weekdays before 1970 (negative day numbers) and at the extremes of int32_t. */
static void test_weekday_negative_days(void **state)
{
    (void)state;
    for (int32_t d = -40000; d < 0; d++) { /* back to 1860 */
        time_t t = (time_t)d * 86400;
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        assert_int_equal(omp_weekday_from_days(d), iso_wday(tm.tm_wday));
    }
    enum omp_weekday w = omp_weekday_from_days(INT32_MIN);
    assert_true(w >= OMP_MONDAY && w <= OMP_SUNDAY);
    w = omp_weekday_from_days(INT32_MAX);
    assert_true(w >= OMP_MONDAY && w <= OMP_SUNDAY);
    /* invalid input to days_from_civil: result unspecified, but computed without overflow (this
     * test runs under UBSan in the asan preset); the implementation clamps to INT32_MAX */
    assert_int_equal(omp_days_from_civil(UINT32_MAX, 12, 31), INT32_MAX);
    (void)omp_days_from_civil(0, 0, 0);
    (void)omp_days_from_civil(2024, UINT32_MAX, UINT32_MAX);
    /* civil_from_days tolerates NULL outputs */
    omp_civil_from_days(0, NULL, NULL, NULL);
}

static void test_seconds_against_libc(void **state)
{
    (void)state;
    static const int32_t k_sod[] = {0, 1, 59, 60, 3599, 3600, 3661, 43200, 45296, 86399};
    int32_t ndays = (int32_t)(T_END / 86400);
    for (int32_t d = 0; d < ndays; d += 1) {
        for (size_t i = 0; i < OMP_ARRAY_LEN(k_sod); i++) {
            if ((d % 7) != 0 && i > 1u && i < OMP_ARRAY_LEN(k_sod) - 1u) {
                continue; /* full set of times one day a week, first/last second every day */
            }
            time_t t = (time_t)d * 86400 + k_sod[i];
            struct tm tm;
            assert_non_null(gmtime_r(&t, &tm));
            struct omp_datetime dt;
            memset(&dt, 0, sizeof dt);
            assert_int_equal(omp_time_to_datetime((omp_time_s)t, &dt), OMP_OK);
            assert_int_equal(dt.year, tm.tm_year + 1900);
            assert_int_equal(dt.month, tm.tm_mon + 1);
            assert_int_equal(dt.day, tm.tm_mday);
            assert_int_equal(dt.hour, tm.tm_hour);
            assert_int_equal(dt.minute, tm.tm_min);
            assert_int_equal(dt.second, tm.tm_sec);
            assert_int_equal(dt.wday, iso_wday(tm.tm_wday));

            struct omp_datetime in = {(uint16_t)(tm.tm_year + 1900),
                                      (uint8_t)(tm.tm_mon + 1),
                                      (uint8_t)tm.tm_mday,
                                      (uint8_t)tm.tm_hour,
                                      (uint8_t)tm.tm_min,
                                      (uint8_t)tm.tm_sec,
                                      0};
            omp_time_s back = -1;
            assert_int_equal(omp_datetime_to_time(&in, &back), OMP_OK);
            assert_int_equal(back, (int64_t)timegm(&tm));
        }
    }
}

static void test_seconds_errors(void **state)
{
    (void)state;
    struct omp_datetime dt;
    memset(&dt, 0x5A, sizeof dt);
    const struct omp_datetime before = dt;
    static const omp_time_s k_bad[] = {-1, T_END, INT64_MIN, INT64_MAX, -86400};
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_bad); i++) {
        assert_int_equal(omp_time_to_datetime(k_bad[i], &dt), OMP_ERR_RANGE);
        assert_memory_equal(&dt, &before, sizeof dt);
    }
    assert_int_equal(omp_time_to_datetime(0, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_time_to_datetime(T_END - 1, &dt), OMP_OK);
    assert_int_equal(dt.year, 2199);
    assert_int_equal(dt.month, 12);
    assert_int_equal(dt.day, 31);
    assert_int_equal(dt.second, 59);
    assert_int_equal(dt.wday, OMP_TUESDAY); /* 2199-12-31 is a Tuesday (timegm) */

    omp_time_s t = 12345;
    static const struct omp_datetime k_invalid[] = {
        {1969, 12, 31, 23, 59, 59, 0}, {2200, 1, 1, 0, 0, 0, 0},  {2023, 2, 29, 0, 0, 0, 0},
        {2100, 2, 29, 0, 0, 0, 0},     {2024, 0, 1, 0, 0, 0, 0},  {2024, 13, 1, 0, 0, 0, 0},
        {2024, 1, 0, 0, 0, 0, 0},      {2024, 1, 32, 0, 0, 0, 0}, {2024, 1, 1, 24, 0, 0, 0},
        {2024, 1, 1, 0, 60, 0, 0},     {2024, 1, 1, 0, 0, 60, 0},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_invalid); i++) {
        assert_int_equal(omp_datetime_to_time(&k_invalid[i], &t), OMP_ERR_RANGE);
        assert_int_equal(t, 12345);
    }
    assert_int_equal(omp_datetime_to_time(NULL, &t), OMP_ERR_ARG);
    assert_int_equal(omp_datetime_to_time(&k_invalid[0], NULL), OMP_ERR_ARG);
    assert_int_equal(t, 12345);
}

static void test_utc_offset_valid(void **state)
{
    (void)state;
    static const int32_t k_ok[] = {0, 60, -60, 330, -210, 570, 840, -720, 30, -30, -570};
    static const int32_t k_bad[] = {345, 900, -750,         870,           15,        -15,
                                    1,   45,  14 * 60 + 30, -12 * 60 - 30, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_ok); i++) {
        assert_true(omp_utc_offset_valid(k_ok[i]));
    }
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_bad); i++) {
        assert_false(omp_utc_offset_valid(k_bad[i]));
    }
}

/* Last Sunday of @p month at 01:00 UTC, computed with timegm + tm_wday. */
static time_t libc_last_sunday_0100z(int year, int month)
{
    time_t t = tm_to_t(year, month, 31, 0, 0, 0);
    struct tm tm;
    gmtime_r(&t, &tm);
    return t - (time_t)tm.tm_wday * 86400 + 3600;
}

static void test_eu_dst_bounds(void **state)
{
    (void)state;
    for (int y = 1970; y <= 2199; y++) {
        omp_time_s s = 0;
        omp_time_s e = 0;
        assert_int_equal(omp_eu_dst_bounds((uint32_t)y, &s, &e), OMP_OK);
        assert_int_equal(s, (int64_t)libc_last_sunday_0100z(y, 3));
        assert_int_equal(e, (int64_t)libc_last_sunday_0100z(y, 10));
    }
    /* published EU summer-time dates */
    static const struct {
        int y, sm, sd, em, ed;
    } k_pub[] = {
        {2024, 3, 31, 10, 27}, {2025, 3, 30, 10, 26}, {2026, 3, 29, 10, 25},
        {2021, 3, 28, 10, 31}, {2018, 3, 25, 10, 28},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_pub); i++) {
        omp_time_s s = 0;
        omp_time_s e = 0;
        assert_int_equal(omp_eu_dst_bounds((uint32_t)k_pub[i].y, &s, &e), OMP_OK);
        assert_int_equal(s, (int64_t)tm_to_t(k_pub[i].y, k_pub[i].sm, k_pub[i].sd, 1, 0, 0));
        assert_int_equal(e, (int64_t)tm_to_t(k_pub[i].y, k_pub[i].em, k_pub[i].ed, 1, 0, 0));
    }
    omp_time_s s = 77;
    omp_time_s e = 88;
    assert_int_equal(omp_eu_dst_bounds(1969, &s, &e), OMP_ERR_RANGE);
    assert_int_equal(omp_eu_dst_bounds(2200, &s, &e), OMP_ERR_RANGE);
    assert_int_equal(omp_eu_dst_bounds(2024, NULL, &e), OMP_ERR_ARG);
    assert_int_equal(omp_eu_dst_bounds(2024, &s, NULL), OMP_ERR_ARG);
    assert_int_equal(s, 77);
    assert_int_equal(e, 88);
}

static void test_dst_active(void **state)
{
    (void)state;
    for (int y = 1970; y <= 2199; y++) {
        omp_time_s s = (omp_time_s)libc_last_sunday_0100z(y, 3);
        omp_time_s e = (omp_time_s)libc_last_sunday_0100z(y, 10);
        assert_false(omp_dst_active(OMP_DST_EU, s - 1));
        assert_true(omp_dst_active(OMP_DST_EU, s));
        assert_true(omp_dst_active(OMP_DST_EU, (s + e) / 2));
        assert_true(omp_dst_active(OMP_DST_EU, e - 1));
        assert_false(omp_dst_active(OMP_DST_EU, e));
        assert_false(omp_dst_active(OMP_DST_EU, (omp_time_s)tm_to_t(y, 1, 15, 12, 0, 0)));
        assert_false(omp_dst_active(OMP_DST_EU, (omp_time_s)tm_to_t(y, 12, 15, 12, 0, 0)));
        assert_false(omp_dst_active(OMP_DST_EU, (omp_time_s)tm_to_t(y, 3, 1, 12, 0, 0)));
        assert_false(omp_dst_active(OMP_DST_EU, (omp_time_s)tm_to_t(y, 10, 31, 23, 0, 0)));
        assert_false(omp_dst_active(OMP_DST_NONE, (s + e) / 2));
        assert_false(omp_dst_active((enum omp_dst_rule)7, (s + e) / 2));
    }
    assert_false(omp_dst_active(OMP_DST_EU, -1));
    assert_false(omp_dst_active(OMP_DST_EU, T_END));
    assert_false(omp_dst_active(OMP_DST_EU, INT64_MIN));
    assert_false(omp_dst_active(OMP_DST_EU, INT64_MAX));
}

struct local_case {
    const char *what;
    int y, mo, d, h, mi, s; /* UTC */
    int32_t offset_min;
    enum omp_dst_rule rule;
    int ly, lmo, ld, lh, lmi, ls; /* expected local */
    bool dst;
};

static void test_local_time(void **state)
{
    (void)state;
    /* expected local times written by hand from the offset and the EU rule */
    static const struct local_case k_cases[] = {
        {"CET before spring switch", 2024, 3, 31, 0, 59, 59, 60, OMP_DST_EU, 2024, 3, 31, 1, 59, 59,
         false},
        {"CEST at spring switch", 2024, 3, 31, 1, 0, 0, 60, OMP_DST_EU, 2024, 3, 31, 3, 0, 0, true},
        {"CEST before autumn switch", 2024, 10, 27, 0, 59, 59, 60, OMP_DST_EU, 2024, 10, 27, 2, 59,
         59, true},
        {"CET at autumn switch (02:00 again)", 2024, 10, 27, 1, 0, 0, 60, OMP_DST_EU, 2024, 10, 27,
         2, 0, 0, false},
        {"UK GMT before", 2026, 3, 29, 0, 59, 59, 0, OMP_DST_EU, 2026, 3, 29, 0, 59, 59, false},
        {"UK BST at switch", 2026, 3, 29, 1, 0, 0, 0, OMP_DST_EU, 2026, 3, 29, 2, 0, 0, true},
        {"EET at autumn switch", 2026, 10, 25, 1, 0, 0, 120, OMP_DST_EU, 2026, 10, 25, 3, 0, 0,
         false},
        {"EEST before autumn switch", 2026, 10, 25, 0, 59, 59, 120, OMP_DST_EU, 2026, 10, 25, 3, 59,
         59, true},
        {"no DST rule in summer", 2024, 7, 1, 12, 0, 0, 60, OMP_DST_NONE, 2024, 7, 1, 13, 0, 0,
         false},
        {"India +5:30", 2024, 1, 1, 0, 0, 0, 330, OMP_DST_NONE, 2024, 1, 1, 5, 30, 0, false},
        {"Newfoundland -3:30", 2024, 1, 1, 0, 0, 0, -210, OMP_DST_NONE, 2023, 12, 31, 20, 30, 0,
         false},
        {"Darwin +9:30", 2024, 2, 28, 20, 0, 0, 570, OMP_DST_NONE, 2024, 2, 29, 5, 30, 0, false},
        {"Kiribati +14", 2023, 12, 31, 10, 0, 0, 840, OMP_DST_NONE, 2024, 1, 1, 0, 0, 0, false},
        {"Baker -12", 2024, 1, 1, 11, 59, 59, -720, OMP_DST_NONE, 2023, 12, 31, 23, 59, 59, false},
        {"epoch UTC", 1970, 1, 1, 0, 0, 0, 0, OMP_DST_EU, 1970, 1, 1, 0, 0, 0, false},
        {"last second", 2199, 12, 31, 23, 59, 59, 0, OMP_DST_EU, 2199, 12, 31, 23, 59, 59, false},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_cases); i++) {
        const struct local_case *c = &k_cases[i];
        omp_time_s utc = (omp_time_s)tm_to_t(c->y, c->mo, c->d, c->h, c->mi, c->s);
        struct omp_datetime lt;
        memset(&lt, 0, sizeof lt);
        bool dst = !c->dst;
        assert_int_equal(omp_local_time(utc, c->offset_min, c->rule, &lt, &dst), OMP_OK);
        assert_int_equal(lt.year, c->ly);
        assert_int_equal(lt.month, c->lmo);
        assert_int_equal(lt.day, c->ld);
        assert_int_equal(lt.hour, c->lh);
        assert_int_equal(lt.minute, c->lmi);
        assert_int_equal(lt.second, c->ls);
        assert_int_equal(dst, c->dst);
        /* weekday of the local date, independently from timegm */
        time_t lt_t = tm_to_t(c->ly, c->lmo, c->ld, 0, 0, 0);
        struct tm tm;
        gmtime_r(&lt_t, &tm);
        assert_int_equal(lt.wday, iso_wday(tm.tm_wday));
        /* dst_active may be NULL */
        assert_int_equal(omp_local_time(utc, c->offset_min, c->rule, &lt, NULL), OMP_OK);
    }
}

/* omp_local_to_utc: hand-made cases; the expected UTC is built with timegm (tm_to_t). */
static void test_local_to_utc(void **state)
{
    (void)state;
    struct l2u_case {
        const char *what;
        uint16_t y;
        uint8_t mo, d, h, mi;
        int32_t offset_min;
        enum omp_dst_rule rule;
        int ey, emo, ed, eh, emi; /* expected UTC */
    };
    static const struct l2u_case k_cases[] = {
        {"CET winter noon", 2026, 1, 15, 12, 0, 60, OMP_DST_EU, 2026, 1, 15, 11, 0},
        {"CEST summer noon", 2026, 7, 15, 12, 0, 60, OMP_DST_EU, 2026, 7, 15, 10, 0},
        {"before the spring gap", 2026, 3, 29, 1, 59, 60, OMP_DST_EU, 2026, 3, 29, 0, 59},
        {"gap start 02:00 -> DST start", 2026, 3, 29, 2, 0, 60, OMP_DST_EU, 2026, 3, 29, 1, 0},
        {"inside the gap 02:30 -> DST start", 2026, 3, 29, 2, 30, 60, OMP_DST_EU, 2026, 3, 29, 1,
         0},
        {"after the gap 03:00 CEST", 2026, 3, 29, 3, 0, 60, OMP_DST_EU, 2026, 3, 29, 1, 0},
        {"before the fold 01:59 CEST", 2026, 10, 25, 1, 59, 60, OMP_DST_EU, 2026, 10, 24, 23,
         59},
        {"fold 02:30: first occurrence (CEST)", 2026, 10, 25, 2, 30, 60, OMP_DST_EU, 2026, 10, 25,
         0, 30},
        {"after the fold 03:00 CET", 2026, 10, 25, 3, 0, 60, OMP_DST_EU, 2026, 10, 25, 2, 0},
        {"UK gap 01:30 -> 01:00Z", 2026, 3, 29, 1, 30, 0, OMP_DST_EU, 2026, 3, 29, 1, 0},
        {"India +5:30, no DST", 2024, 1, 1, 5, 30, 330, OMP_DST_NONE, 2024, 1, 1, 0, 0},
        {"Newfoundland -3:30", 2023, 12, 31, 20, 30, -210, OMP_DST_NONE, 2024, 1, 1, 0, 0},
        {"no rule in summer", 2024, 7, 1, 13, 0, 60, OMP_DST_NONE, 2024, 7, 1, 12, 0},
        {"leap day midnight", 2028, 2, 29, 0, 0, 60, OMP_DST_EU, 2028, 2, 28, 23, 0},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_cases); i++) {
        const struct l2u_case *c = &k_cases[i];
        struct omp_datetime lt = {.year = c->y, .month = c->mo, .day = c->d, .hour = c->h,
                                  .minute = c->mi, .second = 0, .wday = 0};
        omp_time_s utc = -1;
        assert_int_equal(omp_local_to_utc(&lt, c->offset_min, c->rule, &utc), OMP_OK);
        if (utc != (omp_time_s)tm_to_t(c->ey, c->emo, c->ed, c->eh, c->emi, 0)) {
            fail_msg("%s: got %lld", c->what, (long long)utc);
        }
    }
    /* round trip over every quarter hour of two years around the switches: UTC -> local -> UTC is
     * the identity except in the second pass of the repeated hour, which maps to the first */
    for (int year = 2024; year <= 2026; year += 2) {
        omp_time_s t0 = (omp_time_s)tm_to_t(year, 1, 1, 0, 0, 0);
        omp_time_s t1 = (omp_time_s)tm_to_t(year + 1, 1, 1, 0, 0, 0);
        for (omp_time_s t = t0; t < t1; t += 900) {
            struct omp_datetime lt;
            bool dst = false;
            assert_int_equal(omp_local_time(t, 60, OMP_DST_EU, &lt, &dst), OMP_OK);
            omp_time_s back = 0;
            assert_int_equal(omp_local_to_utc(&lt, 60, OMP_DST_EU, &back), OMP_OK);
            bool second_pass = !dst && omp_dst_active(OMP_DST_EU, t - 3600);
            assert_true(back == (second_pass ? t - 3600 : t));
        }
    }
    /* errors */
    struct omp_datetime ok = {.year = 2026, .month = 1, .day = 1, .hour = 0, .minute = 0,
                              .second = 0, .wday = 0};
    omp_time_s out = 77;
    assert_int_equal(omp_local_to_utc(NULL, 60, OMP_DST_EU, &out), OMP_ERR_ARG);
    assert_int_equal(omp_local_to_utc(&ok, 60, OMP_DST_EU, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_local_to_utc(&ok, 45, OMP_DST_EU, &out), OMP_ERR_ARG);
    assert_int_equal(omp_local_to_utc(&ok, 60, (enum omp_dst_rule)2, &out), OMP_ERR_ARG);
    struct omp_datetime bad = ok;
    bad.month = 2;
    bad.day = 30;
    assert_int_not_equal(omp_local_to_utc(&bad, 60, OMP_DST_EU, &out), OMP_OK);
    struct omp_datetime early = {.year = 1970, .month = 1, .day = 1, .hour = 0, .minute = 30,
                                 .second = 0, .wday = 0};
    assert_int_equal(omp_local_to_utc(&early, 60, OMP_DST_NONE, &out), OMP_ERR_RANGE);
    assert_int_equal(out, 77);
}

static void test_local_time_errors(void **state)
{
    (void)state;
    struct omp_datetime lt;
    memset(&lt, 0x5A, sizeof lt);
    const struct omp_datetime before = lt;
    bool dst = true;
    omp_time_s t = (omp_time_s)tm_to_t(2024, 6, 1, 0, 0, 0);
    static const int32_t k_bad_offsets[] = {345, -345, 900, -780, 45, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_bad_offsets); i++) {
        assert_int_equal(omp_local_time(t, k_bad_offsets[i], OMP_DST_EU, &lt, &dst), OMP_ERR_ARG);
    }
    assert_int_equal(omp_local_time(t, 60, (enum omp_dst_rule)2, &lt, &dst), OMP_ERR_ARG);
    assert_int_equal(omp_local_time(t, 60, OMP_DST_EU, NULL, &dst), OMP_ERR_ARG);
    /* UTC outside the range */
    assert_int_equal(omp_local_time(-1, 60, OMP_DST_EU, &lt, &dst), OMP_ERR_RANGE);
    assert_int_equal(omp_local_time(T_END, -60, OMP_DST_EU, &lt, &dst), OMP_ERR_RANGE);
    assert_int_equal(omp_local_time(INT64_MAX, 0, OMP_DST_NONE, &lt, &dst), OMP_ERR_RANGE);
    assert_int_equal(omp_local_time(INT64_MIN, 0, OMP_DST_NONE, &lt, &dst), OMP_ERR_RANGE);
    /* UTC inside, local time outside */
    assert_int_equal(omp_local_time(0, -60, OMP_DST_NONE, &lt, &dst), OMP_ERR_RANGE);
    assert_int_equal(omp_local_time(T_END - 1, 30, OMP_DST_NONE, &lt, &dst), OMP_ERR_RANGE);
    assert_memory_equal(&lt, &before, sizeof lt);
    assert_true(dst);
}

/* ---- ISO 8601 ------------------------------------------------------------------------------- */

struct iso_ok {
    const char *s;
    int y, mo, d, h, mi, sec; /* as written */
    int32_t offset_min;       /* as written */
    size_t ok_prefix[4];      /* shorter lengths that are themselves valid forms (0 ends) */
};

/* Every accepted form (hand-written from the grammar of the doc comment). */
static const struct iso_ok k_iso_ok[] = {
    {"2024-03-31T01:02:03Z", 2024, 3, 31, 1, 2, 3, 0, {16, 19, 0}},
    {"2024-03-31T01:02:03", 2024, 3, 31, 1, 2, 3, 0, {16, 0}},
    {"2024-03-31 01:02:03Z", 2024, 3, 31, 1, 2, 3, 0, {16, 19, 0}},
    {"2024-03-31 01:02:03", 2024, 3, 31, 1, 2, 3, 0, {16, 0}},
    {"2024-03-31T01:02Z", 2024, 3, 31, 1, 2, 0, 0, {16, 0}},
    {"2024-03-31T01:02", 2024, 3, 31, 1, 2, 0, 0, {0}},
    {"2024-03-31 01:02", 2024, 3, 31, 1, 2, 0, 0, {0}},
    {"2024-03-31T01:02:03+01:00", 2024, 3, 31, 1, 2, 3, 60, {16, 19, 22, 0}},
    {"2024-03-31T01:02:03-01:00", 2024, 3, 31, 1, 2, 3, -60, {16, 19, 22, 0}},
    {"2024-03-31T01:02:03+0100", 2024, 3, 31, 1, 2, 3, 60, {16, 19, 22, 0}},
    {"2024-03-31T01:02:03-0100", 2024, 3, 31, 1, 2, 3, -60, {16, 19, 22, 0}},
    {"2024-03-31T01:02:03+01", 2024, 3, 31, 1, 2, 3, 60, {16, 19, 0}},
    {"2024-03-31T01:02:03-01", 2024, 3, 31, 1, 2, 3, -60, {16, 19, 0}},
    {"2024-03-31T01:02+05:30", 2024, 3, 31, 1, 2, 0, 330, {16, 19, 0}},
    {"2024-03-31T01:02+0530", 2024, 3, 31, 1, 2, 0, 330, {16, 19, 0}},
    {"2024-03-31T01:02-03:30", 2024, 3, 31, 1, 2, 0, -210, {16, 19, 0}},
    {"2024-03-31T01:02:03+09:30", 2024, 3, 31, 1, 2, 3, 570, {16, 19, 22, 0}},
    {"2024-03-31T01:02:03+00:00", 2024, 3, 31, 1, 2, 3, 0, {16, 19, 22, 0}},
    {"2024-03-31T01:02:03-00:00", 2024, 3, 31, 1, 2, 3, 0, {16, 19, 22, 0}},
    {"2024-03-31T01:02:03+14:00", 2024, 3, 31, 1, 2, 3, 840, {16, 19, 22, 0}},
    {"2024-03-31T01:02:03-12:00", 2024, 3, 31, 1, 2, 3, -720, {16, 19, 22, 0}},
    {"1970-01-01T00:00:00Z", 1970, 1, 1, 0, 0, 0, 0, {16, 19, 0}},
    {"1970-01-01T01:00:00+01:00", 1970, 1, 1, 1, 0, 0, 60, {16, 19, 22, 0}},
    {"1970-01-01T00:00:00-12:00", 1970, 1, 1, 0, 0, 0, -720, {16, 19, 22, 0}},
    {"2199-12-31T23:59:59Z", 2199, 12, 31, 23, 59, 59, 0, {16, 19, 0}},
    {"2199-12-31T23:59:59+14:00", 2199, 12, 31, 23, 59, 59, 840, {16, 19, 22, 0}},
    {"2024-02-29T12:00:00Z", 2024, 2, 29, 12, 0, 0, 0, {16, 19, 0}},
    {"2000-02-29T00:00:00Z", 2000, 2, 29, 0, 0, 0, 0, {16, 19, 0}},
    {"2024-12-31T23:59:59-03:30", 2024, 12, 31, 23, 59, 59, -210, {16, 19, 22, 0}},
};

static omp_time_s iso_expected(const struct iso_ok *c)
{
    return (omp_time_s)tm_to_t(c->y, c->mo, c->d, c->h, c->mi, c->sec) -
           (omp_time_s)c->offset_min * 60;
}

static bool prefix_ok(const struct iso_ok *c, size_t cut)
{
    for (size_t k = 0; k < OMP_ARRAY_LEN(c->ok_prefix) && c->ok_prefix[k] != 0u; k++) {
        if (c->ok_prefix[k] == cut) {
            return true;
        }
    }
    return false;
}

static void test_iso8601_parse_ok(void **state)
{
    (void)state;
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_iso_ok); i++) {
        const struct iso_ok *c = &k_iso_ok[i];
        size_t n = strlen(c->s);
        omp_time_s t = -1;
        print_message("%s\n", c->s);
        assert_int_equal(omp_iso8601_parse(c->s, n, &t), OMP_OK);
        assert_int_equal(t, iso_expected(c));
        /* every truncation is rejected, unless it is itself one of the accepted forms */
        for (size_t cut = 0; cut < n; cut++) {
            omp_time_s u = 424242;
            omp_err err = omp_iso8601_parse(c->s, cut, &u);
            if (prefix_ok(c, cut)) {
                assert_int_equal(err, OMP_OK);
            } else {
                assert_int_equal(err, OMP_ERR_MALFORMED);
                assert_int_equal(u, 424242);
            }
        }
        /* no NUL terminator needed: the same text inside a longer buffer */
        char buf[64];
        memset(buf, '9', sizeof buf);
        memcpy(buf, c->s, n);
        t = -1;
        assert_int_equal(omp_iso8601_parse(buf, n, &t), OMP_OK);
        assert_int_equal(t, iso_expected(c));
    }
}

struct iso_bad {
    const char *s;
    size_t len; /* 0: strlen */
    omp_err want;
};

/* Rejected strings, hand-written; the error is MALFORMED for grammar, RANGE for values. */
static const struct iso_bad k_iso_bad[] = {
    {"", 0, OMP_ERR_MALFORMED},
    {"2024", 0, OMP_ERR_MALFORMED},
    {"2024-03-31", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:0", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31t01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31_01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"2024/03/31T01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"24-03-31T01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"02024-03-31T01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"+2024-03-31T01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"20240331T010203Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T010203Z", 0, OMP_ERR_MALFORMED},
    {"2024-3-31T01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-1T01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T1:02:03Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:2:03Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:3Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31TT01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31  01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03ZZ", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03Z ", 0, OMP_ERR_MALFORMED},
    {" 2024-03-31T01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03 Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03 +01:00", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03.5Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03,5Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+1", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+01:", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+01:0", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+010", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+01:000", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+01000", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+01:00Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+01:00:00", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+0a:00", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03+01;00", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03*01:00", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03\xE2\x88\x92"
     "01:00",
     0, OMP_ERR_MALFORMED}, /* U+2212 minus */
    {"2024-03-31T01:02:03Z\0", 21, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:03\0", 20, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02\0:03Z", 20, OMP_ERR_MALFORMED},
    {"2024-0a-31T01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:0/Z", 0, OMP_ERR_MALFORMED},
    {"2024-03-31T01:02:0:Z", 0, OMP_ERR_MALFORMED},
    {"-024-03-31T01:02:03Z", 0, OMP_ERR_MALFORMED},
    {"2024-13-01T00:00:00X", 0, OMP_ERR_MALFORMED}, /* grammar is checked before values */
    /* values out of range */
    {"2024-00-10T00:00:00Z", 0, OMP_ERR_RANGE},
    {"2024-13-10T00:00:00Z", 0, OMP_ERR_RANGE},
    {"2024-01-00T00:00:00Z", 0, OMP_ERR_RANGE},
    {"2024-01-32T00:00:00Z", 0, OMP_ERR_RANGE},
    {"2024-04-31T00:00:00Z", 0, OMP_ERR_RANGE},
    {"2023-02-29T00:00:00Z", 0, OMP_ERR_RANGE},
    {"2100-02-29T00:00:00Z", 0, OMP_ERR_RANGE},
    {"2024-02-30T00:00:00Z", 0, OMP_ERR_RANGE},
    {"1969-12-31T23:59:59Z", 0, OMP_ERR_RANGE},
    {"2200-01-01T00:00:00Z", 0, OMP_ERR_RANGE},
    {"2200-02-29T00:00:00Z", 0, OMP_ERR_RANGE},
    {"0000-01-01T00:00:00Z", 0, OMP_ERR_RANGE},
    {"9999-12-31T23:59:59Z", 0, OMP_ERR_RANGE},
    {"2024-03-31T24:00:00Z", 0, OMP_ERR_RANGE},
    {"2024-03-31T99:00:00Z", 0, OMP_ERR_RANGE},
    {"2024-03-31T23:60:00Z", 0, OMP_ERR_RANGE},
    {"2016-12-31T23:59:60Z", 0, OMP_ERR_RANGE}, /* leap second */
    {"2024-03-31T01:02:03+05:45", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03+0545", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03+15:00", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03+15", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03-12:30", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03-13", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03+14:30", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03+24:00", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03+99:00", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03+01:60", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03+00:90", 0, OMP_ERR_RANGE},
    {"2024-03-31T01:02:03+00:15", 0, OMP_ERR_RANGE},
    /* written date in range, UTC instant not */
    {"1970-01-01T00:30:00+01:00", 0, OMP_ERR_RANGE},
    {"1970-01-01T00:00:00+00:30", 0, OMP_ERR_RANGE},
    {"2199-12-31T23:30:00-01:00", 0, OMP_ERR_RANGE},
    /* UTC instant in range, written date not */
    {"1969-12-31T23:00:00-01:00", 0, OMP_ERR_RANGE},
    {"2200-01-01T00:30:00+01:00", 0, OMP_ERR_RANGE},
};

static void test_iso8601_parse_rejected(void **state)
{
    (void)state;
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_iso_bad); i++) {
        const struct iso_bad *c = &k_iso_bad[i];
        size_t n = (c->len != 0u) ? c->len : strlen(c->s);
        omp_time_s t = 424242;
        print_message("%s\n", c->s);
        assert_int_equal(omp_iso8601_parse(c->s, n, &t), c->want);
        assert_int_equal(t, 424242);
    }
    omp_time_s t = 424242;
    assert_int_equal(omp_iso8601_parse(NULL, 0, &t), OMP_ERR_ARG);
    assert_int_equal(omp_iso8601_parse("2024-03-31T01:02:03Z", 20, NULL), OMP_ERR_ARG);
    assert_int_equal(t, 424242);
}

static void test_iso8601_format(void **state)
{
    (void)state;
    int32_t ndays = (int32_t)(T_END / 86400);
    for (int32_t d = 0; d < ndays; d += 13) {
        time_t tt = (time_t)d * 86400 + (time_t)((d * 7919) % 86400);
        struct tm tm;
        gmtime_r(&tt, &tm);
        char want[32];
        assert_int_equal(strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm), 20);
        char out[21];
        assert_int_equal(omp_iso8601_format((omp_time_s)tt, out, sizeof out), OMP_OK);
        assert_string_equal(out, want);
        omp_time_s back = -1;
        assert_int_equal(omp_iso8601_parse(out, 20, &back), OMP_OK);
        assert_int_equal(back, (int64_t)tt);
    }

    /* guard bytes: exactly-sized buffer, too small, out of range, NULL */
    uint8_t buf[2 + 21 + 2];
    memset(buf, 0xA5, sizeof buf);
    char *out = (char *)&buf[2];
    assert_int_equal(omp_iso8601_format(0, out, 21), OMP_OK);
    assert_memory_equal(out, "1970-01-01T00:00:00Z", 21);
    assert_int_equal(buf[0], 0xA5);
    assert_int_equal(buf[1], 0xA5);
    assert_int_equal(buf[23], 0xA5);
    assert_int_equal(buf[24], 0xA5);

    assert_int_equal(omp_iso8601_format(T_END - 1, out, 21), OMP_OK);
    assert_memory_equal(out, "2199-12-31T23:59:59Z", 21);

    uint8_t before[sizeof buf];
    memset(buf, 0xA5, sizeof buf);
    memcpy(before, buf, sizeof buf);
    for (size_t cap = 0; cap < 21; cap++) {
        assert_int_equal(omp_iso8601_format(1711846923, out, cap), OMP_ERR_NOSPACE);
        assert_memory_equal(buf, before, sizeof buf);
    }
    assert_int_equal(omp_iso8601_format(-1, out, 21), OMP_ERR_RANGE);
    assert_int_equal(omp_iso8601_format(T_END, out, 21), OMP_ERR_RANGE);
    assert_int_equal(omp_iso8601_format(INT64_MIN, out, 21), OMP_ERR_RANGE);
    assert_memory_equal(buf, before, sizeof buf);
    assert_int_equal(omp_iso8601_format(0, NULL, 21), OMP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leap_and_month_lengths),
        cmocka_unit_test(test_date_valid),
        cmocka_unit_test(test_every_day_against_libc),
        cmocka_unit_test(test_weekday_negative_days),
        cmocka_unit_test(test_seconds_against_libc),
        cmocka_unit_test(test_seconds_errors),
        cmocka_unit_test(test_utc_offset_valid),
        cmocka_unit_test(test_eu_dst_bounds),
        cmocka_unit_test(test_dst_active),
        cmocka_unit_test(test_local_time),
        cmocka_unit_test(test_local_time_errors),
        cmocka_unit_test(test_local_to_utc),
        cmocka_unit_test(test_iso8601_parse_ok),
        cmocka_unit_test(test_iso8601_parse_rejected),
        cmocka_unit_test(test_iso8601_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
