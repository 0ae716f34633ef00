/*
 * Tariff selection: Z3 module inputs, time-of-use calendars (check, evaluation, next switch,
 * codec) and the tariff engine.
 *
 * Expected values are worked out by hand from the rules (technical facts §6.2 for Z3; the calendar
 * rules of docs/tariffs.md) and written as literals with the reasoning next to them. Weekdays come
 * from an independent calendar (Python datetime; 2027-01-01 is a Friday). UTC instants are built
 * with the host's timegm() from hand-converted wall times: CET = UTC+1, CEST = UTC+2; EU summer
 * time 2027 runs from Sunday 2027-03-28 01:00Z to Sunday 2027-10-31 01:00Z (last Sundays).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "omnipower/tariff.h"

#define DAY_S 86400u

/* UTC instant of a UTC civil time, by the host C library (independent of the code under test). */
static omp_time_s utc(int year, int month, int day, int hour, int minute)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    return (omp_time_s)timegm(&tm);
}

static struct omp_datetime lt(uint16_t year, uint8_t month, uint8_t day, uint8_t hour,
                              uint8_t minute)
{
    struct omp_datetime d = {.year = year,
                             .month = month,
                             .day = day,
                             .hour = hour,
                             .minute = minute,
                             .second = 0,
                             .wday = 0};
    return d;
}

static void add_sw(struct omp_tou_day *d, uint8_t hour, uint8_t minute, uint8_t tariff)
{
    d->sw[d->n_switches] =
        (struct omp_tou_switch){.hour = hour, .minute = minute, .tariff = tariff};
    d->n_switches++;
}

static void add_special(struct omp_tou_calendar *c, uint16_t year, uint8_t month, uint8_t day,
                        uint8_t profile)
{
    /* field by field: assigning a compound literal may copy its padding byte, which is not
     * zero, and the tests compare calendars with memcmp */
    struct omp_tou_special *sp = &c->special[c->n_special];
    sp->year = year;
    sp->month = month;
    sp->day = day;
    sp->day_profile = profile;
    c->n_special++;
}

/* ---- Z3 -------------------------------------------------------------------------------------- */

static void test_z3_inputs(void **state)
{
    (void)state;
    /* Columns: (io1, io2) = (0,0), (1,0), (0,1), (1,1); technical facts §6.2 and the Z3 names.
     * 0 = the code has no tariff inputs (or is not a Z3 code at all). */
    static const uint8_t k_want[32][4] = {
        [1] = {1, 2, 3, 4},  /* 4-tariff */
        [2] = {4, 3, 2, 1},  /* 4-tariff inverted (Table 10 "inverted") */
        [7] = {1, 2, 1, 2},  /* 2-tariff on I/O1, alarm on I/O2: io2 ignored */
        [8] = {2, 1, 2, 1},  /* 2-tariff inverted on I/O1 */
        [9] = {1, 2, 1, 2},  /* 2-tariff / alarm inverted */
        [10] = {2, 1, 2, 1}, /* 2-tariff inverted / alarm inverted */
        [11] = {1, 2, 1, 2}, /* 2-tariff / A+ out */
        [12] = {2, 1, 2, 1}, /* 2-tariff inverted / A+ out */
        [13] = {1, 1, 2, 2}, /* pulse in / 2-tariff on I/O2 */
        [14] = {2, 2, 1, 1}, /* pulse in / 2-tariff inverted on I/O2 */
        [22] = {1, 2, 3, 4}, /* 4-tariff sync load control */
        [23] = {4, 3, 2, 1}, /* 4-tariff sync load control inverted */
    };
    for (unsigned z3 = 0; z3 < 32u; z3++) {
        for (unsigned in = 0; in < 4u; in++) {
            bool io1 = (in & 1u) != 0u;
            bool io2 = (in & 2u) != 0u;
            assert_int_equal(omp_z3_tariff((uint8_t)z3, io1, io2), k_want[z3][in]);
        }
        assert_int_equal(omp_z3_has_tariff_inputs((uint8_t)z3), k_want[z3][0] != 0u);
        /* the data sheet lists 00..23 and 26..28 */
        bool valid = z3 <= 23u || (z3 >= 26u && z3 <= 28u);
        assert_int_equal(omp_z3_valid((uint8_t)z3), valid);
    }
    assert_false(omp_z3_valid(255));
    assert_int_equal(omp_z3_tariff(255, true, true), 0);
}

static void test_z3_sync_output(void **state)
{
    (void)state;
    for (uint8_t t = 1; t <= 4u; t++) {
        bool high = t >= 2u; /* inference: on in the high-rate tariffs T2.. */
        assert_int_equal(omp_z3_sync_output(OMP_Z3_PULSE_SYNC, t), high);
        assert_int_equal(omp_z3_sync_output(OMP_Z3_PULSE_INV_SYNC, t), high);
        assert_int_equal(omp_z3_sync_output(OMP_Z3_PULSE_SYNC_INV, t), !high);
        assert_int_equal(omp_z3_sync_output(OMP_Z3_PULSE_INV_SYNC_INV, t), !high);
        static const uint8_t k_other[] = {0, 1, 2, 13, 17, 22, 23, 26, 27, 28, 29, 255};
        for (size_t i = 0; i < OMP_ARRAY_LEN(k_other); i++) {
            assert_false(omp_z3_sync_output(k_other[i], t));
        }
    }
}

/* ---- the realistic calendar ------------------------------------------------------------------ */

enum { D_WD = 0, D_WE = 1, D_HOL = 2, D_MON = 3, D_SUM = 4 };

/*
 * Winter from 1 October (week 0), summer from 1 April (week 1).
 *   D_WD  winter weekday: 06:00 T2, 22:00 T1      D_WE  weekend: 00:00 T1
 *   D_HOL holiday: 00:00 T3                       D_MON winter Monday: 07:00 T4, 20:00 T2
 *   D_SUM summer weekday and Sunday: 05:00 T3, 21:00 T2
 * Week 0: Mon D_MON, Tue-Fri D_WD, Sat-Sun D_WE.  Week 1: Mon-Fri D_SUM, Sat D_WE, Sun D_SUM.
 * Special days: every year 25 Dec, 26 Dec, 1 Jan -> D_HOL; one-off 2027-04-16 -> D_HOL; one-off
 * 2027-12-25 -> D_WD (listed after the every-year 25 Dec: the one-off must win anyway).
 */
static void build_real(struct omp_tou_calendar *c)
{
    memset(c, 0, sizeof *c);
    c->n_seasons = 2;
    c->season[0] = (struct omp_tou_season){.month = 4, .day = 1, .week = 1};
    c->season[1] = (struct omp_tou_season){.month = 10, .day = 1, .week = 0};
    c->n_weeks = 2;
    c->week[0] = (struct omp_tou_week){{D_MON, D_WD, D_WD, D_WD, D_WD, D_WE, D_WE}};
    c->week[1] = (struct omp_tou_week){{D_SUM, D_SUM, D_SUM, D_SUM, D_SUM, D_WE, D_SUM}};
    c->n_days = 5;
    add_sw(&c->day[D_WD], 6, 0, 2);
    add_sw(&c->day[D_WD], 22, 0, 1);
    add_sw(&c->day[D_WE], 0, 0, 1);
    add_sw(&c->day[D_HOL], 0, 0, 3);
    add_sw(&c->day[D_MON], 7, 0, 4);
    add_sw(&c->day[D_MON], 20, 0, 2);
    add_sw(&c->day[D_SUM], 5, 0, 3);
    add_sw(&c->day[D_SUM], 21, 0, 2);
    add_special(c, OMP_TOU_EVERY_YEAR, 12, 25, D_HOL);
    add_special(c, OMP_TOU_EVERY_YEAR, 12, 26, D_HOL);
    add_special(c, OMP_TOU_EVERY_YEAR, 1, 1, D_HOL);
    add_special(c, 2027, 4, 16, D_HOL);
    add_special(c, 2027, 12, 25, D_WD);
}

/* One season, one week, every day the same profile given as (hour, minute, tariff) triples. */
static void build_daily(struct omp_tou_calendar *c, const uint8_t (*sw)[3], size_t n)
{
    memset(c, 0, sizeof *c);
    c->n_seasons = 1;
    c->season[0] = (struct omp_tou_season){.month = 1, .day = 1, .week = 0};
    c->n_weeks = 1;
    c->n_days = 1;
    for (size_t i = 0; i < n; i++) {
        add_sw(&c->day[0], sw[i][0], sw[i][1], sw[i][2]);
    }
}

struct at_case {
    struct omp_datetime local;
    uint8_t want;
    const char *why;
};

static void check_at(const struct omp_tou_calendar *c, const struct at_case *k, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t t = 0xEE;
        omp_err err = omp_tou_tariff(c, &k[i].local, &t);
        if (err != OMP_OK || t != k[i].want) {
            print_error("case %zu (%s): err %d tariff %u, want %u\n", i, k[i].why, (int)err,
                        (unsigned)t, (unsigned)k[i].want);
            fail();
        }
    }
}

static void test_tou_tariff_realistic(void **state)
{
    (void)state;
    struct omp_tou_calendar c;
    build_real(&c);
    assert_int_equal(omp_tou_check(&c), OMP_OK);
    static const struct at_case k[] = {
        {{2027, 1, 13, 10, 0, 0, 0}, 2, "Wed in January: winter by wrap-around, D_WD after 06:00"},
        {{2027, 1, 13, 5, 59, 59, 0}, 1, "Wed 05:59:59: previous day (Tue D_WD) last switch T1"},
        {{2027, 1, 13, 6, 0, 0, 0}, 2, "the switch applies from hh:mm:00"},
        {{2027, 1, 13, 21, 59, 0, 0}, 2, "before 22:00"},
        {{2027, 1, 13, 22, 0, 0, 0}, 1, "22:00 T1"},
        {{2027, 1, 16, 12, 0, 0, 0}, 1, "Saturday D_WE"},
        {{2027, 1, 18, 3, 0, 0, 0}, 1, "Mon before 07:00: previous day Sun D_WE T1"},
        {{2027, 1, 18, 7, 0, 0, 0}, 4, "Mon 07:00 T4"},
        {{2027, 1, 18, 19, 59, 0, 0}, 4, "Mon before 20:00"},
        {{2027, 1, 18, 20, 0, 0, 0}, 2, "Mon 20:00 T2"},
        {{2027, 1, 19, 3, 0, 0, 0}, 2, "Tue before 06:00: previous day Mon D_MON last T2"},
        {{2027, 1, 1, 0, 0, 0, 0}, 3, "1 Jan every year: D_HOL"},
        {{2027, 1, 1, 12, 0, 0, 0}, 3, "1 Jan (a Friday) is not D_WD"},
        {{2027, 1, 2, 3, 0, 0, 0}, 1, "Sat after the holiday: D_WE has 00:00 T1"},
        {{2027, 3, 31, 23, 0, 0, 0}, 1, "Wed 31 Mar winter D_WD after 22:00"},
        {{2027, 4, 1, 3, 0, 0, 0}, 1, "Thu 1 Apr summer before 05:00: previous day winter T1"},
        {{2027, 4, 1, 5, 0, 0, 0}, 3, "summer D_SUM 05:00 T3"},
        {{2027, 4, 1, 21, 0, 0, 0}, 2, "summer D_SUM 21:00 T2"},
        {{2027, 4, 2, 3, 0, 0, 0}, 2, "Fri 2 Apr before 05:00: previous day D_SUM last T2"},
        {{2027, 4, 16, 12, 0, 0, 0}, 3, "one-off 2027-04-16 D_HOL"},
        {{2027, 4, 17, 3, 0, 0, 0}, 1, "Sat after it: D_WE"},
        {{2028, 4, 16, 3, 0, 0, 0},
         1,
         "2028-04-16 is no special day: Sun D_SUM before 05:00, "
         "previous day Sat D_WE T1"},
        {{2027, 9, 30, 22, 0, 0, 0}, 2, "Thu 30 Sep still summer: D_SUM after 21:00"},
        {{2027, 10, 1, 3, 0, 0, 0},
         2,
         "Fri 1 Oct winter D_WD before 06:00: previous day summer "
         "D_SUM last T2"},
        {{2027, 10, 1, 6, 0, 0, 0}, 2, "winter D_WD 06:00 T2"},
        {{2027, 10, 1, 22, 0, 0, 0}, 1, "winter D_WD 22:00 T1"},
        {{2029, 10, 1, 3, 0, 0, 0},
         2,
         "Mon 1 Oct 2029 winter D_MON before 07:00: previous day "
         "Sun in summer (D_SUM) last T2, not winter D_WE T1"},
        {{2029, 10, 1, 7, 0, 0, 0}, 4, "Mon D_MON 07:00"},
        {{2027, 12, 25, 12, 0, 0, 0}, 2, "one-off 2027-12-25 D_WD wins over every-year D_HOL"},
        {{2027, 12, 25, 3, 0, 0, 0}, 1, "D_WD before 06:00: previous day Fri D_WD last T1"},
        {{2027, 12, 26, 12, 0, 0, 0}, 3, "every-year 26 Dec (Sunday) D_HOL"},
        {{2027, 12, 27, 3, 0, 0, 0}, 3, "Mon D_MON before 07:00: previous day special D_HOL T3"},
        {{2027, 12, 27, 7, 0, 0, 0}, 4, "Mon D_MON 07:00"},
        {{2028, 12, 25, 3, 0, 0, 0}, 3, "2028-12-25 (Monday) every-year D_HOL"},
        {{2028, 1, 1, 12, 0, 0, 0}, 3, "1 Jan 2028 every-year D_HOL"},
        {{2027, 12, 31, 23, 59, 0, 0}, 1, "Fri 31 Dec winter D_WD after 22:00"},
        {{1970, 1, 1, 3, 0, 0, 0}, 3, "1 Jan 1970: D_HOL (previous day 1969 never needed)"},
        {{1970, 1, 2, 3, 0, 0, 0}, 3, "Fri 2 Jan 1970 before 06:00: previous day D_HOL T3"},
        {{2199, 12, 31, 23, 59, 0, 0}, 1, "last day of the range: Tue D_WD after 22:00"},
    };
    check_at(&c, k, OMP_ARRAY_LEN(k));

    uint8_t t = 0xEE;
    struct omp_datetime bad = lt(2027, 2, 29, 12, 0);
    assert_int_equal(omp_tou_tariff(&c, &bad, &t), OMP_ERR_ARG);
    bad = lt(2027, 1, 1, 24, 0);
    assert_int_equal(omp_tou_tariff(&c, &bad, &t), OMP_ERR_ARG);
    struct omp_datetime ok = lt(2027, 1, 1, 12, 0);
    assert_int_equal(omp_tou_tariff(NULL, &ok, &t), OMP_ERR_ARG);
    assert_int_equal(omp_tou_tariff(&c, NULL, &t), OMP_ERR_ARG);
    assert_int_equal(omp_tou_tariff(&c, &ok, NULL), OMP_ERR_ARG);
    assert_int_equal(t, 0xEE);
}

/* Seasons: (1 Jan, week 0: T1 all day), (29 Feb, week 1: T2 all day). */
static void build_leap(struct omp_tou_calendar *c)
{
    memset(c, 0, sizeof *c);
    c->n_seasons = 2;
    c->season[0] = (struct omp_tou_season){.month = 1, .day = 1, .week = 0};
    c->season[1] = (struct omp_tou_season){.month = 2, .day = 29, .week = 1};
    c->n_weeks = 2;
    c->week[0] = (struct omp_tou_week){{0, 0, 0, 0, 0, 0, 0}};
    c->week[1] = (struct omp_tou_week){{1, 1, 1, 1, 1, 1, 1}};
    c->n_days = 3;
    add_sw(&c->day[0], 0, 0, 1);
    add_sw(&c->day[1], 0, 0, 2);
    add_sw(&c->day[2], 0, 0, 3);
}

static void test_tou_leap_years(void **state)
{
    (void)state;
    struct omp_tou_calendar c;
    build_leap(&c);
    assert_int_equal(omp_tou_check(&c), OMP_OK);
    static const struct at_case k_season[] = {
        {{2028, 2, 28, 12, 0, 0, 0}, 1, "2028 leap: 28 Feb before the 29 Feb season"},
        {{2028, 2, 29, 0, 0, 0, 0}, 2, "2028: season starts 29 Feb"},
        {{2028, 3, 1, 12, 0, 0, 0}, 2, "2028: 1 Mar in it"},
        {{2027, 2, 28, 23, 59, 0, 0}, 1, "2027: 28 Feb still the first season"},
        {{2027, 3, 1, 0, 0, 0, 0}, 2, "2027: the 29 Feb season starts 1 Mar"},
        {{2027, 12, 31, 12, 0, 0, 0}, 2, "31 Dec in the 29 Feb season"},
        {{2100, 3, 1, 0, 0, 0, 0}, 2, "2100 is no leap year: 1 Mar"},
        {{2100, 2, 28, 0, 0, 0, 0}, 1, "2100: 28 Feb"},
    };
    check_at(&c, k_season, OMP_ARRAY_LEN(k_season));

    /* next change, offset +60, no DST: 00:00 local is 23:00Z the day before */
    omp_time_s next = 0;
    uint8_t t = 0;
    assert_int_equal(
        omp_tou_next_switch(&c, utc(2027, 2, 27, 12, 0), 60, OMP_DST_NONE, 5 * DAY_S, &next, &t),
        OMP_OK);
    assert_int_equal(next, utc(2027, 2, 28, 23, 0)); /* 2027-03-01 00:00 local */
    assert_int_equal(t, 2);
    assert_int_equal(
        omp_tou_next_switch(&c, utc(2028, 2, 27, 12, 0), 60, OMP_DST_NONE, 5 * DAY_S, &next, &t),
        OMP_OK);
    assert_int_equal(next, utc(2028, 2, 28, 23, 0)); /* 2028-02-29 00:00 local */
    assert_int_equal(t, 2);

    /* every-year special day on 29 Feb (profile 2, T3): 2028 only; one-off 2028-02-29 too */
    add_special(&c, OMP_TOU_EVERY_YEAR, 2, 29, 2);
    assert_int_equal(omp_tou_check(&c), OMP_OK);
    static const struct at_case k_special[] = {
        {{2028, 2, 29, 12, 0, 0, 0}, 3, "2028: the special day replaces the season's profile"},
        {{2028, 3, 1, 12, 0, 0, 0}, 2, "2028: 1 Mar the season again"},
        {{2027, 2, 28, 12, 0, 0, 0}, 1, "2027: no 29 Feb, nothing matches 28 Feb"},
        {{2027, 3, 1, 12, 0, 0, 0}, 2, "2027: nothing matches 1 Mar"},
    };
    check_at(&c, k_special, OMP_ARRAY_LEN(k_special));
    assert_int_equal(
        omp_tou_next_switch(&c, utc(2028, 2, 27, 12, 0), 60, OMP_DST_NONE, 5 * DAY_S, &next, &t),
        OMP_OK);
    assert_int_equal(next, utc(2028, 2, 28, 23, 0)); /* 29 Feb 00:00 local: T3 */
    assert_int_equal(t, 3);
    assert_int_equal(omp_tou_next_switch(&c, next, 60, OMP_DST_NONE, 5 * DAY_S, &next, &t), OMP_OK);
    assert_int_equal(next, utc(2028, 2, 29, 23, 0)); /* 1 Mar 00:00 local: T2 */
    assert_int_equal(t, 2);

    add_special(&c, 2028, 2, 29, 0);
    assert_int_equal(omp_tou_check(&c), OMP_OK);
    static const struct at_case k_oneoff[] = {
        {{2028, 2, 29, 12, 0, 0, 0}, 1, "one-off 2028-02-29 (profile 0) beats the every-year"},
    };
    check_at(&c, k_oneoff, OMP_ARRAY_LEN(k_oneoff));
    c.special[1].year = 2027; /* 2027-02-29 does not exist */
    assert_int_equal(omp_tou_check(&c), OMP_ERR_RANGE);
}

/* ---- next switch ----------------------------------------------------------------------------- */

struct next_case {
    omp_time_s from;
    uint32_t horizon_s;
    omp_err want_err;
    omp_time_s want;
    uint8_t want_tariff;
    const char *why;
};

static void check_next(const struct omp_tou_calendar *c, int32_t offset, enum omp_dst_rule dst,
                       const struct next_case *k, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        omp_time_s next = -1;
        uint8_t t = 0xEE;
        omp_err err = omp_tou_next_switch(c, k[i].from, offset, dst, k[i].horizon_s, &next, &t);
        bool ok = err == k[i].want_err &&
                  (err != OMP_OK || (next == k[i].want && t == k[i].want_tariff)) &&
                  (err == OMP_OK || (next == -1 && t == 0xEE));
        if (!ok) {
            print_error("case %zu (%s): err %d next %lld tariff %u; want err %d next %lld "
                        "tariff %u\n",
                        i, k[i].why, (int)err, (long long)next, (unsigned)t, (int)k[i].want_err,
                        (long long)k[i].want, (unsigned)k[i].want_tariff);
            fail();
        }
    }
}

static void test_tou_next_switch_realistic(void **state)
{
    (void)state;
    struct omp_tou_calendar c;
    build_real(&c);
    const uint32_t h400 = 400u * DAY_S;
    const struct next_case k[] = {
        {utc(2027, 1, 13, 0, 0), h400, OMP_OK, utc(2027, 1, 13, 5, 0), 2,
         "Wed 01:00 CET T1 -> 06:00 CET = 05:00Z T2"},
        {utc(2027, 1, 13, 0, 0), 5u * 3600u, OMP_OK, utc(2027, 1, 13, 5, 0), 2,
         "horizon reaching exactly the switch"},
        {utc(2027, 1, 13, 0, 0), 5u * 3600u - 1u, OMP_ERR_NOT_FOUND, 0, 0,
         "horizon one second short"},
        {utc(2027, 1, 13, 0, 0), 0u, OMP_ERR_NOT_FOUND, 0, 0, "zero horizon"},
        {utc(2027, 1, 13, 5, 0), h400, OMP_OK, utc(2027, 1, 13, 21, 0), 1,
         "at the switch itself: the next one, 22:00 CET = 21:00Z T1"},
        {utc(2027, 1, 15, 21, 30), h400, OMP_OK, utc(2027, 1, 18, 6, 0), 4,
         "Fri 22:30 CET T1: Sat/Sun 00:00 T1 change nothing; Mon 07:00 CET = 06:00Z T4"},
        {utc(2027, 11, 2, 22, 0), h400, OMP_OK, utc(2027, 11, 3, 5, 0), 2,
         "Wed 3 Nov (winter time) 06:00 CET = 05:00Z"},
        {utc(2027, 10, 5, 21, 0), h400, OMP_OK, utc(2027, 10, 6, 4, 0), 2,
         "Wed 6 Oct (winter season, summer time) 06:00 CEST = 04:00Z"},
        {utc(2027, 10, 4, 0, 0), h400, OMP_OK, utc(2027, 10, 4, 5, 0), 4,
         "Mon 4 Oct 02:00 CEST T1 -> 07:00 CEST = 05:00Z T4"},
        {utc(2027, 3, 31, 21, 0), h400, OMP_OK, utc(2027, 4, 1, 3, 0), 3,
         "Wed 23:00 CEST T1, season change: Thu 1 Apr 05:00 CEST = 03:00Z T3"},
        {utc(2027, 4, 15, 20, 0), h400, OMP_OK, utc(2027, 4, 15, 22, 0), 3,
         "Thu 22:00 CEST T2 -> one-off 2027-04-16 00:00 CEST = 2027-04-15 22:00Z T3"},
        {utc(2026, 12, 31, 22, 0), h400, OMP_OK, utc(2026, 12, 31, 23, 0), 3,
         "new year: 1 Jan 00:00 CET = 31 Dec 23:00Z D_HOL T3"},
        {utc(2026, 12, 31, 23, 0), h400, OMP_OK, utc(2027, 1, 1, 23, 0), 1,
         "then Sat 2 Jan 00:00 CET D_WE T1"},
        {utc(2027, 12, 26, 12, 0), h400, OMP_OK, utc(2027, 12, 27, 6, 0), 4,
         "Sun 26 Dec D_HOL T3, Mon D_MON before 07:00 stays T3; 07:00 CET = 06:00Z T4"},
    };
    check_next(&c, 60, OMP_DST_EU, k, OMP_ARRAY_LEN(k));

    /* no DST, offset 0: local = UTC */
    const struct next_case k_utc[] = {
        {utc(2027, 7, 14, 0, 0), h400, OMP_OK, utc(2027, 7, 14, 5, 0), 3,
         "Wed summer D_SUM 05:00Z"},
    };
    check_next(&c, 0, OMP_DST_NONE, k_utc, OMP_ARRAY_LEN(k_utc));

    omp_time_s next = 0;
    uint8_t t = 0;
    omp_time_s from = utc(2027, 1, 13, 0, 0);
    assert_int_equal(omp_tou_next_switch(NULL, from, 60, OMP_DST_EU, h400, &next, &t), OMP_ERR_ARG);
    assert_int_equal(omp_tou_next_switch(&c, from, 60, OMP_DST_EU, h400, NULL, &t), OMP_ERR_ARG);
    assert_int_equal(omp_tou_next_switch(&c, from, 60, OMP_DST_EU, h400, &next, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_tou_next_switch(&c, from, 17, OMP_DST_EU, h400, &next, &t), OMP_ERR_ARG);
    assert_int_equal(omp_tou_next_switch(&c, -1, 60, OMP_DST_EU, h400, &next, &t), OMP_ERR_ARG);
}

static void test_tou_next_switch_dst(void **state)
{
    (void)state;
    struct omp_tou_calendar c;
    const uint32_t h = 10u * DAY_S;

    static const uint8_t k_a[][3] = {{2, 30, 2}, {12, 0, 1}};
    build_daily(&c, k_a, OMP_ARRAY_LEN(k_a));
    const struct next_case ka[] = {
        {utc(2027, 3, 27, 12, 0), h, OMP_OK, utc(2027, 3, 28, 1, 0), 2,
         "02:30 does not exist on 28 Mar: lands at the DST start 01:00Z"},
        {utc(2027, 3, 28, 1, 0), h, OMP_OK, utc(2027, 3, 28, 10, 0), 1,
         "from the DST start (03:00 CEST, T2): 12:00 CEST = 10:00Z"},
        {utc(2027, 10, 30, 12, 0), h, OMP_OK, utc(2027, 10, 31, 0, 30), 2,
         "02:30 occurs twice on 31 Oct: the first, 02:30 CEST = 00:30Z"},
        {utc(2027, 10, 31, 0, 30), h, OMP_OK, utc(2027, 10, 31, 11, 0), 1,
         "no change on the second pass of the hour: next 12:00 CET = 11:00Z"},
        {utc(2027, 10, 31, 1, 15), h, OMP_OK, utc(2027, 10, 31, 11, 0), 1,
         "from inside the second pass (02:15 CET): 12:00 CET"},
        {utc(2027, 11, 1, 0, 0), h, OMP_OK, utc(2027, 11, 1, 1, 30), 2,
         "ordinary winter day: 02:30 CET = 01:30Z"},
    };
    check_next(&c, 60, OMP_DST_EU, ka, OMP_ARRAY_LEN(ka));

    /* the engine agrees with the next-switch instants in the repeated hour */
    struct omp_tariff e;
    omp_tariff_init(&e);
    e.source = OMP_TARIFF_SRC_CALENDAR;
    assert_int_equal(omp_tariff_set_passive(&e, &c, 0), OMP_OK);
    assert_int_equal(omp_tariff_now(&e, utc(2027, 10, 31, 0, 15), 60, OMP_DST_EU), 1); /* 02:15 */
    assert_int_equal(omp_tariff_now(&e, utc(2027, 10, 31, 0, 30), 60, OMP_DST_EU), 2); /* 02:30 */
    assert_int_equal(omp_tariff_now(&e, utc(2027, 10, 31, 1, 0), 60, OMP_DST_EU),
                     2); /* 2nd 02:00 */
    assert_int_equal(omp_tariff_now(&e, utc(2027, 10, 31, 1, 15), 60, OMP_DST_EU),
                     2); /* 2nd 02:15 */
    assert_int_equal(omp_tariff_now(&e, utc(2027, 10, 31, 1, 59), 60, OMP_DST_EU), 2);
    assert_int_equal(omp_tariff_now(&e, utc(2027, 10, 31, 11, 0), 60, OMP_DST_EU), 1);
    assert_int_equal(omp_tariff_now(&e, utc(2027, 3, 28, 0, 59), 60, OMP_DST_EU),
                     1); /* 01:59 CET */
    assert_int_equal(omp_tariff_now(&e, utc(2027, 3, 28, 1, 0), 60, OMP_DST_EU),
                     2); /* 03:00 CEST */
    /* omp_tou_tariff itself sees only the wall time: 02:15 is before the 02:30 switch */
    uint8_t t = 0;
    struct omp_datetime w = lt(2027, 10, 31, 2, 15);
    assert_int_equal(omp_tou_tariff(&c, &w, &t), OMP_OK);
    assert_int_equal(t, 1);

    /* two switches in the skipped hour: both land at 01:00Z, the later one (T2) holds */
    static const uint8_t k_b[][3] = {{2, 15, 3}, {2, 45, 2}, {12, 0, 1}};
    build_daily(&c, k_b, OMP_ARRAY_LEN(k_b));
    const struct next_case kb[] = {
        {utc(2027, 3, 27, 12, 0), h, OMP_OK, utc(2027, 3, 28, 1, 0), 2, "gap: last switch wins"},
        {utc(2027, 10, 30, 12, 0), h, OMP_OK, utc(2027, 10, 31, 0, 15), 3,
         "repeated hour: 02:15 CEST = 00:15Z"},
        {utc(2027, 10, 31, 0, 15), h, OMP_OK, utc(2027, 10, 31, 0, 45), 2, "02:45 CEST = 00:45Z"},
    };
    check_next(&c, 60, OMP_DST_EU, kb, OMP_ARRAY_LEN(kb));

    /* both gap switches together give back the tariff in force: no change on 28 Mar at all */
    static const uint8_t k_c[][3] = {{2, 15, 3}, {2, 45, 1}};
    build_daily(&c, k_c, OMP_ARRAY_LEN(k_c));
    const struct next_case kc[] = {
        {utc(2027, 3, 27, 12, 0), h, OMP_OK, utc(2027, 3, 29, 0, 15), 3,
         "28 Mar: 02:15 T3 and 02:45 T1 both at 01:00Z = T1 = in force; 29 Mar 02:15 CEST"},
    };
    check_next(&c, 60, OMP_DST_EU, kc, OMP_ARRAY_LEN(kc));

    /* a single tariff never changes */
    static const uint8_t k_d[][3] = {{0, 0, 2}, {8, 0, 2}};
    build_daily(&c, k_d, OMP_ARRAY_LEN(k_d));
    const struct next_case kd[] = {
        {utc(2027, 1, 1, 0, 0), 400u * DAY_S, OMP_ERR_NOT_FOUND, 0, 0, "single tariff"},
        {utc(2199, 12, 30, 0, 0), 400u * DAY_S, OMP_ERR_NOT_FOUND, 0, 0, "end of the range"},
    };
    check_next(&c, 60, OMP_DST_EU, kd, OMP_ARRAY_LEN(kd));
}

/* ---- check ----------------------------------------------------------------------------------- */

typedef void (*mutate_fn)(struct omp_tou_calendar *c);

#define MUT(name, body)                                                                            \
    static void name(struct omp_tou_calendar *c)                                                   \
    {                                                                                              \
        body;                                                                                      \
    }

MUT(m_no_season, c->n_seasons = 0)
MUT(m_many_seasons, c->n_seasons = OMP_CONFIG_TOU_SEASONS + 1)
MUT(m_no_week, c->n_weeks = 0)
MUT(m_many_weeks, c->n_weeks = OMP_CONFIG_TOU_WEEKS + 1)
MUT(m_no_day, c->n_days = 0)
MUT(m_many_days, c->n_days = OMP_CONFIG_TOU_DAYS + 1)
MUT(m_many_special, c->n_special = OMP_CONFIG_TOU_SPECIAL_DAYS + 1)
MUT(m_season_month0, c->season[0].month = 0)
MUT(m_season_month13, c->season[1].month = 13)
MUT(m_season_day0, c->season[0].day = 0)
MUT(m_season_31apr, c->season[0].day = 31)
MUT(m_season_30feb, {
    c->season[0].month = 2;
    c->season[0].day = 30;
})
MUT(m_season_equal, {
    c->season[1].month = 4;
    c->season[1].day = 1;
})
MUT(m_season_order, { c->season[0].month = 11; })
MUT(m_season_week, c->season[1].week = 2)
MUT(m_week_day, c->week[1].day[6] = 5)
MUT(m_sw_none, c->day[D_HOL].n_switches = 0)
MUT(m_sw_many, c->day[D_HOL].n_switches = OMP_CONFIG_TOU_SWITCHES + 1)
MUT(m_sw_hour, c->day[D_WD].sw[1].hour = 24)
MUT(m_sw_minute, c->day[D_WD].sw[0].minute = 60)
MUT(m_sw_tariff0, c->day[D_WD].sw[0].tariff = 0)
MUT(m_sw_tariff_big, c->day[D_WE].sw[0].tariff = OMP_CONFIG_TARIFFS + 1)
MUT(m_sw_equal, { c->day[D_WD].sw[1].hour = 6; })
MUT(m_sw_order, { c->day[D_WD].sw[1].hour = 5; })
MUT(m_sp_year1999, c->special[3].year = 1999)
MUT(m_sp_year2200, c->special[3].year = 2200)
MUT(m_sp_year0, c->special[3].year = 0)
MUT(m_sp_29feb_2027, {
    c->special[3].month = 2;
    c->special[3].day = 29;
})
MUT(m_sp_30feb_every, {
    c->special[0].month = 2;
    c->special[0].day = 30;
})
MUT(m_sp_month13, c->special[0].month = 13)
MUT(m_sp_day0, c->special[0].day = 0)
MUT(m_sp_profile, c->special[4].day_profile = 5)
MUT(m_sp_dup_every, { c->special[1].day = 25; })
MUT(m_sp_dup_oneoff, {
    c->special[3].month = 12;
    c->special[3].day = 25;
})

MUT(m_ok_29feb_season, {
    c->season[0].month = 2;
    c->season[0].day = 29;
})
MUT(m_ok_year2000, c->special[3].year = 2000)
MUT(m_ok_year2199, c->special[3].year = 2199)
MUT(m_ok_sp_29feb_every, {
    c->special[0].month = 2;
    c->special[0].day = 29;
})
MUT(m_ok_no_special, c->n_special = 0)
MUT(m_ok_max_switches, {
    c->day[D_HOL].n_switches = 0;
    for (uint8_t i = 0; i < OMP_CONFIG_TOU_SWITCHES; i++) {
        add_sw(&c->day[D_HOL], i, 59, (uint8_t)(1u + i % OMP_CONFIG_TARIFFS));
    }
})

static void test_tou_check(void **state)
{
    (void)state;
    static const struct {
        mutate_fn f;
        omp_err want;
        const char *why;
    } k[] = {
        {m_no_season, OMP_ERR_RANGE, "no season"},
        {m_many_seasons, OMP_ERR_RANGE, "too many seasons"},
        {m_no_week, OMP_ERR_RANGE, "no week profile"},
        {m_many_weeks, OMP_ERR_RANGE, "too many week profiles"},
        {m_no_day, OMP_ERR_RANGE, "no day profile"},
        {m_many_days, OMP_ERR_RANGE, "too many day profiles"},
        {m_many_special, OMP_ERR_RANGE, "too many special days"},
        {m_season_month0, OMP_ERR_RANGE, "season month 0"},
        {m_season_month13, OMP_ERR_RANGE, "season month 13"},
        {m_season_day0, OMP_ERR_RANGE, "season day 0"},
        {m_season_31apr, OMP_ERR_RANGE, "season 31 April"},
        {m_season_30feb, OMP_ERR_RANGE, "season 30 February"},
        {m_season_equal, OMP_ERR_RANGE, "two seasons on the same date"},
        {m_season_order, OMP_ERR_RANGE, "seasons out of order"},
        {m_season_week, OMP_ERR_RANGE, "season's week index = n_weeks"},
        {m_week_day, OMP_ERR_RANGE, "week's day index = n_days"},
        {m_sw_none, OMP_ERR_RANGE, "day profile without switches"},
        {m_sw_many, OMP_ERR_RANGE, "too many switches"},
        {m_sw_hour, OMP_ERR_RANGE, "hour 24"},
        {m_sw_minute, OMP_ERR_RANGE, "minute 60"},
        {m_sw_tariff0, OMP_ERR_RANGE, "tariff 0"},
        {m_sw_tariff_big, OMP_ERR_RANGE, "tariff above OMP_CONFIG_TARIFFS"},
        {m_sw_equal, OMP_ERR_RANGE, "two switches at 06:00"},
        {m_sw_order, OMP_ERR_RANGE, "switches out of order (05:00 after 06:00)"},
        {m_sp_year1999, OMP_ERR_RANGE, "special year 1999"},
        {m_sp_year2200, OMP_ERR_RANGE, "special year 2200"},
        {m_sp_year0, OMP_ERR_RANGE, "special year 0"},
        {m_sp_29feb_2027, OMP_ERR_RANGE, "one-off 2027-02-29"},
        {m_sp_30feb_every, OMP_ERR_RANGE, "every-year 30 Feb"},
        {m_sp_month13, OMP_ERR_RANGE, "special month 13"},
        {m_sp_day0, OMP_ERR_RANGE, "special day 0"},
        {m_sp_profile, OMP_ERR_RANGE, "special day profile = n_days"},
        {m_sp_dup_every, OMP_ERR_RANGE, "every-year 25 Dec twice"},
        {m_sp_dup_oneoff, OMP_ERR_RANGE, "one-off 2027-12-25 twice"},
        {m_ok_29feb_season, OMP_OK, "season from 29 Feb"},
        {m_ok_year2000, OMP_OK, "special year 2000"},
        {m_ok_year2199, OMP_OK, "special year 2199"},
        {m_ok_sp_29feb_every, OMP_OK, "every-year 29 Feb"},
        {m_ok_no_special, OMP_OK, "no special days"},
        {m_ok_max_switches, OMP_OK, "a full day profile"},
    };
    struct omp_tou_calendar c;
    build_real(&c);
    assert_int_equal(omp_tou_check(&c), OMP_OK);
    assert_int_equal(omp_tou_check(NULL), OMP_ERR_ARG);
    for (size_t i = 0; i < OMP_ARRAY_LEN(k); i++) {
        build_real(&c);
        k[i].f(&c);
        omp_err err = omp_tou_check(&c);
        if (err != k[i].want) {
            print_error("case %zu (%s): %d, want %d\n", i, k[i].why, (int)err, (int)k[i].want);
            fail();
        }
        /* the encoder refuses what check refuses, and writes nothing */
        uint8_t buf[OMP_TOU_ENCODED_MAX];
        struct omp_wr w = omp_wr_init(buf, sizeof buf);
        assert_int_equal(omp_tou_encode(&c, &w), k[i].want);
        assert_int_equal(omp_wr_len(&w) != 0u, k[i].want == OMP_OK);
    }
}

/* ---- codec ----------------------------------------------------------------------------------- */

/* build_daily({00:00 T2}) in the format of docs/tariffs.md, written by hand */
/* clang-format off */
static const uint8_t k_small_enc[] = {
    'T', 1, 0,              /* format, version, flags */
    1, 1, 1, 0, 0,          /* 1 season, 1 week, 1 day profile, 0 special days */
    1, 1, 0,                /* season: 1 Jan, week 0 */
    0, 0, 0, 0, 0, 0, 0,    /* week 0: day profile 0 Monday .. Sunday */
    1, 0, 0, 2,             /* day 0: 1 switch, 00:00 T2 */
};

/* build_real in the same format, by hand; the offset of each line's first byte on the left */
static const uint8_t k_real_enc[] = {
    /*  0 */ 'T', 1, 0, 2, 2, 5, 0, 5,           /* 2 seasons, 2 weeks, 5 days, 5 special */
    /*  8 */ 4, 1, 1, 10, 1, 0,                  /* seasons 1 Apr week 1, 1 Oct week 0 */
    /* 14 */ 3, 0, 0, 0, 0, 1, 1,                /* week 0 */
    /* 21 */ 4, 4, 4, 4, 4, 1, 4,                /* week 1 */
    /* 28 */ 2, 6, 0, 2, 22, 0, 1,               /* D_WD */
    /* 35 */ 1, 0, 0, 1,                         /* D_WE */
    /* 39 */ 1, 0, 0, 3,                         /* D_HOL */
    /* 43 */ 2, 7, 0, 4, 20, 0, 2,               /* D_MON */
    /* 50 */ 2, 5, 0, 3, 21, 0, 2,               /* D_SUM */
    /* 57 */ 0xFF, 0xFF, 12, 25, 2,              /* every year 25 Dec */
    /* 62 */ 0xFF, 0xFF, 12, 26, 2,              /* every year 26 Dec */
    /* 67 */ 0xFF, 0xFF, 1, 1, 2,                /* every year 1 Jan */
    /* 72 */ 0x07, 0xEB, 4, 16, 2,               /* 2027 (0x07EB) 16 Apr */
    /* 77 */ 0x07, 0xEB, 12, 25, 0,              /* 2027 25 Dec */
};
/* clang-format on */

static void test_tou_encode(void **state)
{
    (void)state;
    struct omp_tou_calendar c;
    static const uint8_t k_sw[][3] = {{0, 0, 2}};
    build_daily(&c, k_sw, 1);
    uint8_t buf[OMP_TOU_ENCODED_MAX + 4];
    memset(buf, 0xA5, sizeof buf);
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_tou_encode(&c, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), sizeof k_small_enc);
    assert_memory_equal(buf, k_small_enc, sizeof k_small_enc);

    build_real(&c);
    memset(buf, 0xA5, sizeof buf);
    w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_tou_encode(&c, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), sizeof k_real_enc);
    assert_memory_equal(buf, k_real_enc, sizeof k_real_enc);
    assert_int_equal(buf[sizeof k_real_enc], 0xA5);

    /* every capacity short of the size: NOSPACE, nothing written, writer usable again */
    for (size_t cap = 0; cap < sizeof k_real_enc; cap++) {
        memset(buf, 0xA5, sizeof buf);
        w = omp_wr_init(buf, cap);
        assert_int_equal(omp_tou_encode(&c, &w), OMP_ERR_NOSPACE);
        assert_int_equal(omp_wr_len(&w), 0);
        assert_int_equal(omp_wr_status(&w), OMP_OK);
        for (size_t i = 0; i < sizeof buf; i++) {
            assert_int_equal(buf[i], 0xA5);
        }
    }
    /* after something already written, exactly sized: appended */
    memset(buf, 0xA5, sizeof buf);
    w = omp_wr_init(buf, 1u + sizeof k_real_enc);
    assert_int_equal(omp_wr_u8(&w, 0x42), OMP_OK);
    assert_int_equal(omp_tou_encode(&c, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), 1u + sizeof k_real_enc);
    assert_memory_equal(buf + 1, k_real_enc, sizeof k_real_enc);
    assert_int_equal(buf[1u + sizeof k_real_enc], 0xA5);
    /* one byte short after the prefix: the prefix stays, nothing else */
    memset(buf, 0xA5, sizeof buf);
    w = omp_wr_init(buf, sizeof k_real_enc);
    assert_int_equal(omp_wr_u8(&w, 0x42), OMP_OK);
    assert_int_equal(omp_tou_encode(&c, &w), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 1);
    assert_int_equal(buf[1], 0xA5);
    /* a writer with a sticky error keeps it */
    w = omp_wr_init(buf, 1);
    assert_int_equal(omp_wr_u16be(&w, 1), OMP_ERR_NOSPACE);
    assert_int_equal(omp_tou_encode(&c, &w), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_status(&w), OMP_ERR_NOSPACE);

    assert_int_equal(omp_tou_encode(NULL, &w), OMP_ERR_ARG);
    assert_int_equal(omp_tou_encode(&c, NULL), OMP_ERR_ARG);
}

/* A calendar with every array full fits OMP_TOU_ENCODED_MAX exactly and round-trips. */
static void test_tou_encode_max(void **state)
{
    (void)state;
    static struct omp_tou_calendar c, d;
    memset(&c, 0, sizeof c);
    c.n_seasons = OMP_CONFIG_TOU_SEASONS;
    for (uint8_t i = 0; i < OMP_CONFIG_TOU_SEASONS; i++) {
        c.season[i] = (struct omp_tou_season){
            .month = (uint8_t)(1u + i / 2u), .day = (uint8_t)(1u + i % 2u), .week = 0};
    }
    c.n_weeks = OMP_CONFIG_TOU_WEEKS;
    c.n_days = OMP_CONFIG_TOU_DAYS;
    for (uint8_t i = 0; i < OMP_CONFIG_TOU_DAYS; i++) {
        for (uint8_t k = 0; k < OMP_CONFIG_TOU_SWITCHES; k++) {
            add_sw(&c.day[i], k, i, (uint8_t)(1u + ((unsigned)i + k) % OMP_CONFIG_TARIFFS));
        }
    }
    for (uint16_t i = 0; i < OMP_CONFIG_TOU_SPECIAL_DAYS; i++) {
        add_special(&c, (uint16_t)(2000u + i / 12u), (uint8_t)(1u + i % 12u), 1,
                    (uint8_t)(i % OMP_CONFIG_TOU_DAYS));
    }
    assert_int_equal(omp_tou_check(&c), OMP_OK);
    static uint8_t buf[OMP_TOU_ENCODED_MAX];
    struct omp_wr w = omp_wr_init(buf, sizeof buf);
    assert_int_equal(omp_tou_encode(&c, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), OMP_TOU_ENCODED_MAX);
    struct omp_rd rd = omp_rd_init(buf, sizeof buf);
    assert_int_equal(omp_tou_decode(&rd, &d), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), sizeof buf);
    assert_memory_equal(&c, &d, sizeof c);
}

static void test_tou_decode(void **state)
{
    (void)state;
    struct omp_tou_calendar want, got, sentinel;
    build_real(&want);

    /* round trip, with a trailing byte that is not consumed */
    uint8_t in[sizeof k_real_enc + 1];
    memcpy(in, k_real_enc, sizeof k_real_enc);
    in[sizeof k_real_enc] = 0x99;
    struct omp_rd rd = omp_rd_init(in, sizeof in);
    assert_int_equal(omp_tou_decode(&rd, &got), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), sizeof k_real_enc);
    assert_memory_equal(&got, &want, sizeof got);

    memset(&sentinel, 0x5A, sizeof sentinel);
    /* every truncation: TRUNCATED, output and reader untouched */
    for (size_t cut = 0; cut < sizeof k_real_enc; cut++) {
        memcpy(&got, &sentinel, sizeof got);
        rd = omp_rd_init(k_real_enc, cut);
        assert_int_equal(omp_tou_decode(&rd, &got), OMP_ERR_TRUNCATED);
        assert_int_equal(omp_rd_pos(&rd), 0);
        assert_memory_equal(&got, &sentinel, sizeof got);
    }

    /* corrupted fields (offsets in k_real_enc) */
    static const struct {
        size_t at;
        uint8_t v;
        omp_err want;
        const char *why;
    } k[] = {
        {0, 'U', OMP_ERR_MALFORMED, "format byte"},
        {1, 2, OMP_ERR_MALFORMED, "version 2"},
        {1, 0, OMP_ERR_MALFORMED, "version 0"},
        {2, 1, OMP_ERR_MALFORMED, "reserved flags"},
        {3, 0, OMP_ERR_RANGE, "no season"},
        {3, OMP_CONFIG_TOU_SEASONS + 1, OMP_ERR_RANGE, "too many seasons"},
        {4, 0, OMP_ERR_RANGE, "no week"},
        {4, OMP_CONFIG_TOU_WEEKS + 1, OMP_ERR_RANGE, "too many weeks"},
        {5, 0, OMP_ERR_RANGE, "no day profile"},
        {5, OMP_CONFIG_TOU_DAYS + 1, OMP_ERR_RANGE, "too many day profiles"},
        {6, 0xFF, OMP_ERR_RANGE, "65285 special days"},
        {8, 13, OMP_ERR_RANGE, "season month 13"},
        {9, 0, OMP_ERR_RANGE, "season day 0"},
        {10, 2, OMP_ERR_RANGE, "season week 2 of 2"},
        {11, 4, OMP_ERR_RANGE, "seasons out of order (4/1 after 4/1)"},
        {14, 5, OMP_ERR_RANGE, "week day index 5 of 5"},
        {28, 0, OMP_ERR_RANGE, "D_WD with 0 switches"},
        {28, OMP_CONFIG_TOU_SWITCHES + 1, OMP_ERR_RANGE, "D_WD with too many switches"},
        {29, 24, OMP_ERR_RANGE, "switch hour 24"},
        {30, 60, OMP_ERR_RANGE, "switch minute 60"},
        {31, 0, OMP_ERR_RANGE, "tariff 0"},
        {31, OMP_CONFIG_TARIFFS + 1, OMP_ERR_RANGE, "tariff above the configured count"},
        {32, 5, OMP_ERR_RANGE, "switches out of order (22:00 -> 05:00 after 06:00)"},
        {59, 13, OMP_ERR_RANGE, "special month 13"},
        {60, 32, OMP_ERR_RANGE, "special day 32"},
        {61, 5, OMP_ERR_RANGE, "special day profile 5 of 5"},
        {65, 25, OMP_ERR_RANGE, "two every-year 25 Dec"},
        {72, 0x06, OMP_ERR_RANGE, "special year 0x06EB = 1771"},
        {73, 0xFF, OMP_ERR_RANGE, "one-off 2047-02-29 (bytes 74, 75 set below): no leap year"},
        {77, 0xFF, OMP_ERR_RANGE, "one-off 2027-12-25 made every-year: duplicates special 0"},
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(k); i++) {
        uint8_t b[sizeof k_real_enc];
        memcpy(b, k_real_enc, sizeof b);
        b[k[i].at] = k[i].v;
        if (k[i].at == 73) {
            b[74] = 2;
            b[75] = 29;
        }
        if (k[i].at == 77) {
            b[78] = 0xFF;
        }
        memcpy(&got, &sentinel, sizeof got);
        rd = omp_rd_init(b, sizeof b);
        omp_err err = omp_tou_decode(&rd, &got);
        if (err != k[i].want) {
            print_error("case %zu (%s): %d, want %d\n", i, k[i].why, (int)err, (int)k[i].want);
            fail();
        }
        assert_int_equal(omp_rd_pos(&rd), 0);
        assert_memory_equal(&got, &sentinel, sizeof got);
    }
    rd = omp_rd_init(k_real_enc, sizeof k_real_enc);
    assert_int_equal(omp_tou_decode(NULL, &got), OMP_ERR_ARG);
    assert_int_equal(omp_tou_decode(&rd, NULL), OMP_ERR_ARG);
}

/* ---- engine ---------------------------------------------------------------------------------- */

static void test_engine_sources(void **state)
{
    (void)state;
    struct omp_tariff e;
    omp_tariff_init(&e);
    assert_int_equal(e.source, OMP_TARIFF_SRC_DEFAULT);
    assert_int_equal(e.default_tariff, 1);
    assert_int_equal(e.z3, 0);
    assert_false(e.has_active);
    assert_false(e.has_passive);
    const omp_time_s now = utc(2027, 1, 13, 12, 0);
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 1);
    e.default_tariff = 3;
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 3);
    e.default_tariff = 0; /* invalid: tariff 1 */
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 1);
    e.default_tariff = OMP_CONFIG_TARIFFS + 1;
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 1);
    e.default_tariff = 3;

    e.source = OMP_TARIFF_SRC_INPUTS;
    e.z3 = OMP_Z3_4T;
    e.io1 = false;
    e.io2 = true;
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 3); /* (0 V, 230 V) T3 */
    e.z3 = OMP_Z3_4T_INV;
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 2); /* inverted T2 */
    e.z3 = OMP_Z3_2T_ALARM;
    e.io1 = true;
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 2);
    e.z3 = OMP_Z3_PULSE_ALARM; /* no tariff inputs: default */
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 3);

    e.source = OMP_TARIFF_SRC_REGISTER;
    e.register_tariff = 4;
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 4);
    e.register_tariff = 0;
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 3);
    e.register_tariff = OMP_CONFIG_TARIFFS + 1;
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 3);

    e.source = OMP_TARIFF_SRC_CALENDAR; /* no calendar: default */
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 3);
    struct omp_tou_calendar c;
    build_real(&c);
    assert_int_equal(omp_tariff_set_passive(&e, &c, 0), OMP_OK);
    /* Wed 2027-01-13 12:00Z = 13:00 CET: D_WD T2 */
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 2);
    assert_true(e.has_active);
    assert_false(e.has_passive);
    /* 05:30Z = 06:30 CET T2; with offset 0 it is 05:30 local, T1 */
    assert_int_equal(omp_tariff_now(&e, utc(2027, 1, 13, 5, 30), 60, OMP_DST_EU), 2);
    assert_int_equal(omp_tariff_now(&e, utc(2027, 1, 13, 5, 30), 0, OMP_DST_NONE), 1);
    /* an invalid offset: the calendar cannot answer, default */
    assert_int_equal(omp_tariff_now(&e, now, 17, OMP_DST_EU), 3);
    e.source = (enum omp_tariff_source)7; /* unknown source: default */
    assert_int_equal(omp_tariff_now(&e, now, 60, OMP_DST_EU), 3);
    assert_int_equal(omp_tariff_now(NULL, now, 60, OMP_DST_EU), 1);
}

static void test_engine_passive(void **state)
{
    (void)state;
    struct omp_tariff e, before;
    omp_tariff_init(&e);
    e.source = OMP_TARIFF_SRC_CALENDAR;
    struct omp_tou_calendar a, b;
    static const uint8_t k_a[][3] = {{0, 0, 2}};
    static const uint8_t k_b[][3] = {{0, 0, 3}};
    build_daily(&a, k_a, 1);
    build_daily(&b, k_b, 1);
    const omp_time_s t0 = utc(2027, 6, 1, 0, 0);

    /* passive A at t0: before it the default, from t0 on A */
    assert_int_equal(omp_tariff_set_passive(&e, &a, t0), OMP_OK);
    assert_int_equal(omp_tariff_now(&e, t0 - 1, 60, OMP_DST_EU), 1);
    assert_true(e.has_passive);
    assert_false(e.has_active);
    assert_int_equal(omp_tariff_now(&e, t0, 60, OMP_DST_EU), 2);
    assert_true(e.has_active);
    assert_false(e.has_passive);

    /* passive B a day later replaces A exactly then */
    assert_int_equal(omp_tariff_set_passive(&e, &b, t0 + DAY_S), OMP_OK);
    assert_int_equal(omp_tariff_now(&e, t0 + DAY_S - 1, 60, OMP_DST_EU), 2);
    assert_int_equal(omp_tariff_now(&e, t0 + DAY_S, 60, OMP_DST_EU), 3);
    assert_memory_equal(&e.active, &b, sizeof b);
    /* time going back does not undo an activation */
    assert_int_equal(omp_tariff_now(&e, t0, 60, OMP_DST_EU), 3);

    /* an invalid calendar changes nothing */
    b.day[0].sw[0].tariff = 0;
    memcpy(&before, &e, sizeof e);
    assert_int_equal(omp_tariff_set_passive(&e, &b, t0), OMP_ERR_RANGE);
    assert_memory_equal(&e, &before, sizeof e);
    assert_int_equal(omp_tariff_set_passive(&e, NULL, t0), OMP_ERR_ARG);
    assert_int_equal(omp_tariff_set_passive(NULL, &a, t0), OMP_ERR_ARG);
    assert_memory_equal(&e, &before, sizeof e);
}

/* When the tariff may change next (omp_tariff_next_change): a daily T1 from 00:00, T2 from
 * 13:00 local (CET, UTC+1 in January); passive calendars win when they come sooner. */
static void test_engine_next_change(void **state)
{
    (void)state;
    struct omp_tariff e;
    omp_tariff_init(&e);
    const omp_time_s t = utc(2027, 1, 4, 10, 0); /* 11:00 CET */
    /* default source: nothing changes on time */
    assert_true(omp_tariff_next_change(&e, t, 60, OMP_DST_EU) == INT64_MAX);
    e.source = OMP_TARIFF_SRC_CALENDAR;
    assert_true(omp_tariff_next_change(&e, t, 60, OMP_DST_EU) == INT64_MAX); /* no calendar */
    struct omp_tou_calendar a;
    static const uint8_t k_a[][3] = {{0, 0, 1}, {13, 0, 2}};
    build_daily(&a, k_a, 2);
    assert_int_equal(omp_tariff_set_passive(&e, &a, t - 60), OMP_OK);
    /* the passive calendar is due already: look again at the next second */
    assert_true(omp_tariff_next_change(&e, t, 60, OMP_DST_EU) == t + 1);
    assert_int_equal(omp_tariff_now(&e, t, 60, OMP_DST_EU), 1); /* activated */
    /* 13:00 CET = 12:00 UTC */
    assert_true(omp_tariff_next_change(&e, t, 60, OMP_DST_EU) == utc(2027, 1, 4, 12, 0));
    /* a passive calendar at 11:30 UTC comes first */
    assert_int_equal(omp_tariff_set_passive(&e, &a, utc(2027, 1, 4, 11, 30)), OMP_OK);
    assert_true(omp_tariff_next_change(&e, t, 60, OMP_DST_EU) == utc(2027, 1, 4, 11, 30));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_z3_inputs),
        cmocka_unit_test(test_z3_sync_output),
        cmocka_unit_test(test_tou_tariff_realistic),
        cmocka_unit_test(test_tou_leap_years),
        cmocka_unit_test(test_tou_next_switch_realistic),
        cmocka_unit_test(test_tou_next_switch_dst),
        cmocka_unit_test(test_tou_check),
        cmocka_unit_test(test_tou_encode),
        cmocka_unit_test(test_tou_encode_max),
        cmocka_unit_test(test_tou_decode),
        cmocka_unit_test(test_engine_sources),
        cmocka_unit_test(test_engine_passive),
        cmocka_unit_test(test_engine_next_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
