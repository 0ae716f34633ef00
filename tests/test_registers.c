/*
 * Registers: energy and tariff registers, hour counter, block demand, debiting schedule and
 * snapshots, clock set, power cut, records and restore.
 *
 * Expected values are computed by hand in the comments next to them; UTC instants come from the
 * host C library's timegm() (independent of the code under test). EU summer time 2027: from
 * Sun 2027-03-28 01:00 UTC to Sun 2027-10-31 01:00 UTC (last Sundays of March and October).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "omnipower/registers.h"

#include "test_time.h"


/* UTC, no DST, 15 min, monthly on the 1st, flagged periods not counted, 10 Wh step. */
static void cfg_utc(struct omp_regs_cfg *c)
{
    omp_regs_cfg_default(c);
    c->utc_offset_min = 0;
    c->dst_rule = OMP_DST_NONE;
}

static void init_utc(struct omp_registers *r)
{
    struct omp_regs_cfg c;
    cfg_utc(&c);
    assert_int_equal(omp_registers_init(r, &c), OMP_OK);
}

/* Constant powers (W, var, VA, VA) fed second by second so that the energy from @p t0 to t is
 * exactly floor(P * 1e6 * (t - t0) / 3600) micro-units: whole periods get exact energies. */
struct feed {
    omp_time_s t0;
    uint64_t p_w, q_var, sp_va, sm_va;
};

static uint64_t cum(uint64_t p, omp_time_s t0, omp_time_s t)
{
    return p * 1000000u * (uint64_t)(t - t0) / 3600u;
}

/* Run seconds ending at @p from .. @p to (inclusive), each after adding its energy to tariff
 * @p e_tariff; @p s_tariff is the tariff passed to omp_registers_second (a period's tariff is the
 * one passed in the second that starts it). */
static void run2(struct omp_registers *r, const struct feed *f, omp_time_s from, omp_time_s to,
                 uint8_t e_tariff, uint8_t s_tariff)
{
    for (omp_time_s t = from; t <= to; t++) {
        if (f != NULL && t > f->t0) {
            struct omp_metro_energy d;
            memset(&d, 0, sizeof d);
            d.a_plus_uwh = cum(f->p_w, f->t0, t) - cum(f->p_w, f->t0, t - 1);
            d.r_plus_uvarh = cum(f->q_var, f->t0, t) - cum(f->q_var, f->t0, t - 1);
            d.e_plus_uvah = cum(f->sp_va, f->t0, t) - cum(f->sp_va, f->t0, t - 1);
            d.e_minus_uvah = cum(f->sm_va, f->t0, t) - cum(f->sm_va, f->t0, t - 1);
            omp_registers_add_energy(r, &d, e_tariff);
        }
        assert_int_equal(omp_registers_second(r, t, true, true, s_tariff), OMP_OK);
    }
}

static void run(struct omp_registers *r, const struct feed *f, omp_time_s from, omp_time_s to,
                uint8_t tariff)
{
    run2(r, f, from, to, tariff, tariff);
}

/* ---- configuration, energy, hour counter --------------------------------------------------- */

static void test_cfg_and_init(void **state)
{
    (void)state;
    struct omp_regs_cfg c;
    omp_regs_cfg_default(&c);
    assert_int_equal(c.utc_offset_min, 60);
    assert_int_equal(c.dst_rule, OMP_DST_EU);
    assert_int_equal(c.demand_period_min, 15);
    assert_int_equal(c.billing_day, 1);
    assert_int_equal(c.billing_interval, 1);
    assert_int_equal(c.pulse_milli, 1000);
    assert_int_equal(c.save_step_u, 10000000); /* Z1 7.2: 0.01 kWh = 10 Wh = 1e7 uWh */
    assert_false(c.count_flagged_periods);

    struct omp_registers r;
    assert_int_equal(omp_registers_init(&r, &c), OMP_OK);
    assert_int_equal(omp_registers_init(NULL, &c), OMP_ERR_ARG);
    assert_int_equal(omp_registers_init(&r, NULL), OMP_ERR_ARG);
    struct omp_regs_cfg bad = c;
    bad.demand_period_min = 10;
    assert_int_equal(omp_registers_init(&r, &bad), OMP_ERR_ARG);
    bad = c;
    bad.billing_day = 29;
    assert_int_equal(omp_registers_init(&r, &bad), OMP_ERR_ARG);
    bad = c;
    bad.billing_interval = 25;
    assert_int_equal(omp_registers_init(&r, &bad), OMP_ERR_ARG);
    bad = c;
    bad.utc_offset_min = 45;
    assert_int_equal(omp_registers_init(&r, &bad), OMP_ERR_ARG);
    bad = c;
    bad.pulse_milli = 99;
    assert_int_equal(omp_registers_init(&r, &bad), OMP_ERR_ARG);
    bad = c;
    bad.save_step_u = 0;
    assert_int_equal(omp_registers_init(&r, &bad), OMP_ERR_ARG);
}

static void test_energy_tariffs_and_saturation(void **state)
{
    (void)state;
    struct omp_registers r;
    init_utc(&r);
    struct omp_metro_energy d = {
        .a_plus_uwh = 100, .a_minus_uwh = 200, .r_plus_uvarh = 300, .r_minus_uvarh = 400,
        .r_quadrant_uvarh = {5, 6, 7, 8}, .e_plus_uvah = 900, .e_minus_uvah = 1000,
    };
    omp_registers_add_energy(&r, &d, 2);
    omp_registers_add_energy(&r, &d, 2);
    omp_registers_add_energy(&r, &d, 0); /* out of range: tariff 1 */
    omp_registers_add_energy(&r, &d, 9); /* out of range: tariff 1 */
    omp_registers_add_energy(&r, &d, 4);
    /* 5 adds: totals 5 x delta */
    assert_int_equal(r.e.total.a_plus_uwh, 500);
    assert_int_equal(r.e.total.a_minus_uwh, 1000);
    assert_int_equal(r.e.total.r_plus_uvarh, 1500);
    assert_int_equal(r.e.total.r_minus_uvarh, 2000);
    assert_int_equal(r.e.total.r_quadrant_uvarh[0], 25);
    assert_int_equal(r.e.total.r_quadrant_uvarh[3], 40);
    assert_int_equal(r.e.total.e_plus_uvah, 4500);
    assert_int_equal(r.e.total.e_minus_uvah, 5000);
    /* T1: 2 adds (0 and 9), T2: 2, T3: 0, T4: 1 */
    assert_int_equal(r.e.a_plus_t[0], 200);
    assert_int_equal(r.e.a_plus_t[1], 200);
    assert_int_equal(r.e.a_plus_t[2], 0);
    assert_int_equal(r.e.a_plus_t[3], 100);
    assert_int_equal(r.e.r_plus_t[0], 600);
    assert_int_equal(r.e.r_plus_t[1], 600);
    assert_int_equal(r.e.r_plus_t[3], 300);

    struct omp_metro_energy big;
    memset(&big, 0, sizeof big);
    big.a_plus_uwh = UINT64_MAX - 600u;
    omp_registers_add_energy(&r, &big, 1); /* 500 + MAX - 600 = MAX - 100 */
    assert_true(r.e.total.a_plus_uwh == UINT64_MAX - 100u);
    omp_registers_add_energy(&r, &big, 1); /* saturates */
    assert_true(r.e.total.a_plus_uwh == UINT64_MAX);
    assert_true(r.e.a_plus_t[0] == UINT64_MAX);
    omp_registers_add_energy(&r, &d, 1);
    assert_true(r.e.total.a_plus_uwh == UINT64_MAX);

    omp_registers_add_pulses(&r, 3); /* 3 x 1000 milli */
    assert_int_equal(r.pulse_milli, 3000);
}

/* The engine's totals fed tick by tick: each feed adds the growth since the previous one; at a
 * tariff switch num/den of it goes to the old tariff (here 1/4 of 4000 uWh = 1000 to T1, 3000 to
 * T2), a share that cannot be computed exactly (den above 65536 ms, or 2^40 uVAh and more in one
 * tick) goes whole to the new tariff. */
static void test_feed_split(void **state)
{
    (void)state;
    struct omp_registers r;
    init_utc(&r);
    struct omp_metro_energy total;
    memset(&total, 0, sizeof total);
    total.a_plus_uwh = 4000u;
    total.e_plus_uvah = 5000u;
    struct omp_tariff_split sp = {1u, 2u, 1u, 4u};
    omp_registers_feed(&r, &total, &sp);
    assert_int_equal(r.e.a_plus_t[0], 1000u);
    assert_int_equal(r.e.a_plus_t[1], 3000u);
    assert_int_equal(r.e.total.a_plus_uwh, 4000u);
    assert_int_equal(r.e.total.e_plus_uvah, 5000u);
    total.a_plus_uwh = 4600u; /* +600, no switch */
    sp = (struct omp_tariff_split){2u, 2u, 0u, 1u};
    omp_registers_feed(&r, &total, &sp);
    assert_int_equal(r.e.a_plus_t[1], 3600u);
    total.a_plus_uwh = 5000u; /* +400 over a tick too long to divide */
    sp = (struct omp_tariff_split){2u, 3u, 1u, 70000u};
    omp_registers_feed(&r, &total, &sp);
    assert_int_equal(r.e.a_plus_t[1], 3600u);
    assert_int_equal(r.e.a_plus_t[2], 400u);
    total.a_plus_uwh = 5000u + (1ull << 40);
    total.e_plus_uvah = 5000u + (1ull << 40); /* too much energy to divide exactly */
    sp = (struct omp_tariff_split){3u, 1u, 1u, 2u};
    omp_registers_feed(&r, &total, &sp);
    assert_int_equal(r.e.a_plus_t[0], 1000u + (1ull << 40));
    assert_int_equal(r.e.a_plus_t[2], 400u);
    assert_int_equal(r.e.total.a_plus_uwh, total.a_plus_uwh);
    omp_registers_feed(NULL, &total, &sp); /* ignored */
    omp_registers_feed(&r, NULL, &sp);
    omp_registers_feed(&r, &total, NULL);
    assert_int_equal(r.e.total.a_plus_uwh, total.a_plus_uwh);
}

static void test_hour_counter(void **state)
{
    (void)state;
    struct omp_registers r;
    init_utc(&r);
    omp_time_s t = utc_of(2027, 1, 10, 10, 0, 0);
    for (int i = 1; i <= 3599; i++) {
        assert_int_equal(omp_registers_second(&r, t + i, true, true, 1), OMP_OK);
    }
    assert_int_equal(r.hours, 0);
    assert_int_equal(r.supply_s, 3599);
    assert_int_equal(omp_registers_second(&r, t + 3600, true, false, 1), OMP_OK); /* no supply */
    assert_int_equal(r.supply_s, 3599);
    assert_int_equal(omp_registers_second(&r, t + 3601, true, true, 1), OMP_OK);
    assert_int_equal(r.hours, 1);
    assert_int_equal(r.supply_s, 0);
    assert_int_equal(omp_registers_second(&r, t + 3602, false, true, 1), OMP_OK); /* no clock */
    assert_int_equal(r.supply_s, 1);
    assert_int_equal(omp_registers_second(NULL, t, true, true, 1), OMP_ERR_ARG);
    assert_int_equal(omp_registers_second(&r, utc_of(2200, 1, 1, 0, 0, 0), true, true, 1), OMP_ERR_ARG);
}

/* ---- demand ---------------------------------------------------------------------------------- */

static void test_demand_15min_offset60(void **state)
{
    (void)state;
    struct omp_registers r;
    struct omp_regs_cfg c;
    omp_regs_cfg_default(&c); /* +60, EU DST, 15 min */
    c.power_threshold_w = 1500;
    assert_int_equal(omp_registers_init(&r, &c), OMP_OK);

    /* first valid second 10:07:00 UTC: period 10:00..10:15 (11:00..11:15 CET), SHORT */
    omp_time_s t0 = utc_of(2027, 1, 10, 10, 7, 0);
    struct feed f = {t0, 2000, 1000, 2500, 400};
    run(&r, &f, t0, utc_of(2027, 1, 10, 10, 15, 0), 1);
    assert_true(r.demand.have_last);
    assert_int_equal(r.demand.last.end_utc, utc_of(2027, 1, 10, 10, 15, 0));
    assert_int_equal(r.demand.last.flags, OMP_REGS_PF_SHORT);
    assert_int_equal(r.demand.last.duration_s, 480); /* 10:07:01..10:15:00 */
    /* 8 min of 2 kW = 2000e6 * 480 / 3600 = 266666666 uWh; * 3600 / 900e6 = 1066 W */
    assert_int_equal(r.demand.last.p_plus_w, 1066);
    assert_int_equal(r.peaks.p_plus.value, 0); /* SHORT: excluded */
    assert_int_equal(r.threshold_count, 0);
    assert_true(omp_registers_cold_due(&r));

    /* a whole period at 2 kW, tariff 1: 2000e6 * 900 / 3600 = 500e6 uWh -> 500e6*3600/900e6 */
    struct feed f2 = {utc_of(2027, 1, 10, 10, 15, 0), 2000, 1000, 2500, 400};
    run2(&r, &f2, utc_of(2027, 1, 10, 10, 15, 1), utc_of(2027, 1, 10, 10, 30, 0), 1, 2); /* T2 next */
    assert_int_equal(r.demand.last.flags, 0);
    assert_int_equal(r.demand.last.duration_s, 900);
    assert_int_equal(r.demand.last.tariff, 1);
    assert_int_equal(r.demand.last.p_plus_w, 2000);
    assert_int_equal(r.demand.last.q_plus_var, 1000);
    assert_int_equal(r.demand.last.s_plus_va, 2500);
    assert_int_equal(r.demand.last.s_minus_va, 400);
    assert_int_equal(r.peaks.p_plus.value, 2000);
    assert_int_equal(r.peaks.p_plus.utc, utc_of(2027, 1, 10, 10, 30, 0));
    assert_int_equal(r.peaks.p_plus_t[0].value, 2000);
    assert_int_equal(r.peaks.p_plus_t[1].value, 0);
    assert_int_equal(r.peaks.q_plus.value, 1000);
    assert_int_equal(r.peaks.s_plus.value, 2500);
    assert_int_equal(r.peaks.s_minus.value, 400);
    assert_int_equal(r.threshold_count, 1); /* 2000 > 1500 */

    /* tariff 2 at 3 kW: P+max 3000 and T2 3000, T1 stays */
    struct feed f3 = {utc_of(2027, 1, 10, 10, 30, 0), 3000, 0, 0, 0};
    run(&r, &f3, utc_of(2027, 1, 10, 10, 30, 1), utc_of(2027, 1, 10, 10, 45, 0), 2);
    assert_int_equal(r.peaks.p_plus.value, 3000);
    assert_int_equal(r.peaks.p_plus.utc, utc_of(2027, 1, 10, 10, 45, 0));
    assert_int_equal(r.peaks.p_plus_t[0].value, 2000);
    assert_int_equal(r.peaks.p_plus_t[0].utc, utc_of(2027, 1, 10, 10, 30, 0));
    assert_int_equal(r.peaks.p_plus_t[1].value, 3000);
    assert_int_equal(r.peaks.q_plus.value, 1000); /* 0 var is not greater */
    assert_int_equal(r.threshold_count, 2);

    /* exactly 1500 W (1500e6*900/3600 = 375e6 uWh) is not above the threshold; tariff 1 */
    struct feed f4 = {utc_of(2027, 1, 10, 10, 45, 0), 1500, 0, 0, 0};
    run(&r, &f4, utc_of(2027, 1, 10, 10, 45, 1), utc_of(2027, 1, 10, 11, 0, 0), 1);
    assert_int_equal(r.demand.last.p_plus_w, 1500);
    assert_int_equal(r.threshold_count, 2);
    assert_int_equal(r.peaks.p_plus_t[0].value, 2000);

    /* one uWh less than 2 kW: (500e6 - 1) * 3600 / 900e6 = 1999.999996 -> 1999 (rounded down) */
    struct omp_metro_energy d;
    memset(&d, 0, sizeof d);
    d.a_plus_uwh = 500000000u - 1u;
    omp_registers_add_energy(&r, &d, 1);
    run(&r, NULL, utc_of(2027, 1, 10, 11, 0, 1), utc_of(2027, 1, 10, 11, 15, 0), 1);
    assert_int_equal(r.demand.last.p_plus_w, 1999);
}

static void test_demand_half_hour_zone_60min(void **state)
{
    (void)state;
    struct omp_registers r;
    struct omp_regs_cfg c;
    cfg_utc(&c);
    c.utc_offset_min = 330; /* +05:30: local hours start at UTC hh:30 */
    c.demand_period_min = 60;
    assert_int_equal(omp_registers_init(&r, &c), OMP_OK);
    omp_time_s t0 = utc_of(2027, 1, 10, 10, 40, 0);
    struct feed f = {t0, 2000, 0, 0, 0};
    run(&r, &f, t0, utc_of(2027, 1, 10, 11, 30, 0), 1);
    /* first period 10:30..11:30 UTC (16:00..17:00 IST), SHORT */
    assert_int_equal(r.demand.last.end_utc, utc_of(2027, 1, 10, 11, 30, 0));
    assert_int_equal(r.demand.last.flags, OMP_REGS_PF_SHORT);
    assert_int_equal(r.demand.start_utc, utc_of(2027, 1, 10, 11, 30, 0));
    assert_int_equal(r.demand.end_utc, utc_of(2027, 1, 10, 12, 30, 0));
    struct feed f2 = {utc_of(2027, 1, 10, 11, 30, 0), 2000, 0, 0, 0};
    run(&r, &f2, utc_of(2027, 1, 10, 11, 30, 1), utc_of(2027, 1, 10, 12, 30, 0), 1);
    /* 2000e6 * 3600 / 3600 = 2000e6 uWh; * 3600 / 3600e6 = 2000 W */
    assert_int_equal(r.peaks.p_plus.value, 2000);
    assert_int_equal(r.peaks.p_plus.utc, utc_of(2027, 1, 10, 12, 30, 0));

    /* 15 min in +05:30: 19800 s is a multiple of 900, so periods sit on UTC quarters */
    c.demand_period_min = 15;
    assert_int_equal(omp_registers_init(&r, &c), OMP_OK);
    assert_int_equal(omp_registers_second(&r, utc_of(2027, 1, 10, 10, 40, 0), true, true, 1), OMP_OK);
    assert_int_equal(r.demand.start_utc, utc_of(2027, 1, 10, 10, 30, 0));
    assert_int_equal(r.demand.end_utc, utc_of(2027, 1, 10, 10, 45, 0));
}

static void test_demand_5_and_30min(void **state)
{
    (void)state;
    struct omp_registers r;
    struct omp_regs_cfg c;
    cfg_utc(&c);
    c.demand_period_min = 5;
    assert_int_equal(omp_registers_init(&r, &c), OMP_OK);
    omp_time_s t0 = utc_of(2027, 1, 10, 10, 2, 0);
    run(&r, NULL, t0, utc_of(2027, 1, 10, 10, 5, 0), 1); /* first, short */
    struct feed f = {utc_of(2027, 1, 10, 10, 5, 0), 2400, 0, 0, 0};
    run(&r, &f, utc_of(2027, 1, 10, 10, 5, 1), utc_of(2027, 1, 10, 10, 10, 0), 1);
    /* 2400e6 * 300 / 3600 = 200e6 uWh; 200e6 * 3600 / 300e6 = 2400 W */
    assert_int_equal(r.demand.last.duration_s, 300);
    assert_int_equal(r.peaks.p_plus.value, 2400);
    assert_int_equal(r.peaks.p_plus.utc, utc_of(2027, 1, 10, 10, 10, 0));

    c.demand_period_min = 30;
    assert_int_equal(omp_registers_init(&r, &c), OMP_OK);
    run(&r, NULL, t0, utc_of(2027, 1, 10, 10, 30, 0), 1);
    struct feed f2 = {utc_of(2027, 1, 10, 10, 30, 0), 4000, 0, 0, 0};
    run(&r, &f2, utc_of(2027, 1, 10, 10, 30, 1), utc_of(2027, 1, 10, 11, 0, 0), 1);
    /* 4000e6 * 1800 / 3600 = 2000e6 uWh; 2000e6 * 3600 / 1800e6 = 4000 W */
    assert_int_equal(r.peaks.p_plus.value, 4000);
    assert_int_equal(r.peaks.p_plus.utc, utc_of(2027, 1, 10, 11, 0, 0));
}

static void test_demand_flagged_and_skipped(void **state)
{
    (void)state;
    struct omp_registers r;
    struct omp_regs_cfg c;
    cfg_utc(&c);
    c.count_flagged_periods = true;
    assert_int_equal(omp_registers_init(&r, &c), OMP_OK);
    omp_time_s t0 = utc_of(2027, 1, 10, 10, 10, 0);
    struct feed f = {t0, 1800, 0, 0, 0};
    run(&r, &f, t0, utc_of(2027, 1, 10, 10, 15, 0), 1);
    /* counted although SHORT: 1800e6 * 300 / 3600 = 150e6 uWh -> 150e6 * 3600 / 900e6 = 600 W */
    assert_int_equal(r.demand.last.flags, OMP_REGS_PF_SHORT);
    assert_int_equal(r.peaks.p_plus.value, 600);

    /* invalid clock for a few seconds: CLOCK_BAD on the period and the debiting period */
    assert_int_equal(omp_registers_second(&r, 0, false, true, 1), OMP_OK);
    run(&r, NULL, utc_of(2027, 1, 10, 10, 15, 2), utc_of(2027, 1, 10, 10, 30, 0), 1);
    assert_int_equal(r.demand.last.flags, OMP_REGS_PF_CLOCK_BAD);
    assert_true((r.period_quality & OMP_REGS_Q_CLOCK_BAD) != 0u);

    /* a jump of 40 min without a clock set: the period closes, the new one (10:45..11:00
     * does not follow 10:30) is SHORT */
    run(&r, NULL, utc_of(2027, 1, 10, 10, 30, 1), utc_of(2027, 1, 10, 10, 30, 1), 1);
    assert_int_equal(omp_registers_second(&r, utc_of(2027, 1, 10, 11, 10, 0), true, true, 1), OMP_OK);
    assert_int_equal(r.demand.last.end_utc, utc_of(2027, 1, 10, 10, 45, 0));
    assert_int_equal(r.demand.start_utc, utc_of(2027, 1, 10, 11, 0, 0));
    assert_int_equal(r.demand.flags, OMP_REGS_PF_SHORT);
}

/* ---- debiting schedule ----------------------------------------------------------------------- */

static void test_next_stop_every_z7(void **state)
{
    (void)state;
    /* after 2027-04-10 12:00 UTC, day 5, UTC without DST. Months per code (data sheet Z7):
     * 1 all; 2 Jan,Mar,May..; 3 Feb,Apr,Jun..; 4 Jan,Apr,Jul,Oct; 5 Feb,May,Aug,Nov;
     * 6 Mar,Jun,Sep,Dec; 7..12 Jan/Jul .. Jun/Dec; 13..24 Jan..Dec once a year.
     * April 5 has passed, so April counts from 2028. */
    static const struct {
        uint8_t code;
        int y, m;
    } k_cases[] = {
        {1, 2027, 5},  {2, 2027, 5},  {3, 2027, 6},  {4, 2027, 7},  {5, 2027, 5},
        {6, 2027, 6},  {7, 2027, 7},  {8, 2027, 8},  {9, 2027, 9},  {10, 2027, 10},
        {11, 2027, 5}, {12, 2027, 6}, {13, 2028, 1}, {14, 2028, 2}, {15, 2028, 3},
        {16, 2028, 4}, {17, 2027, 5}, {18, 2027, 6}, {19, 2027, 7}, {20, 2027, 8},
        {21, 2027, 9}, {22, 2027, 10}, {23, 2027, 11}, {24, 2027, 12},
    };
    omp_time_s after = utc_of(2027, 4, 10, 12, 0, 0);
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_cases); i++) {
        omp_time_s s = 0;
        assert_int_equal(omp_regs_next_stop(after, 5, k_cases[i].code, 0, OMP_DST_NONE, &s), OMP_OK);
        assert_int_equal(s, utc_of(k_cases[i].y, k_cases[i].m, 5, 0, 0, 0));
    }
    /* chains: code 3 (Feb, Apr, ...) from Jun 5 2027; code 9 (Mar, Sep); code 16 (April) */
    static const struct {
        uint8_t code;
        int y, m;
    } k_chain[] = {
        {3, 2027, 8}, {3, 2027, 10}, {3, 2027, 12}, {3, 2028, 2},
    };
    omp_time_s s = utc_of(2027, 6, 5, 0, 0, 0);
    for (size_t i = 0; i < OMP_ARRAY_LEN(k_chain); i++) {
        assert_int_equal(omp_regs_next_stop(s, 5, k_chain[i].code, 0, OMP_DST_NONE, &s), OMP_OK);
        assert_int_equal(s, utc_of(k_chain[i].y, k_chain[i].m, 5, 0, 0, 0));
    }
    assert_int_equal(omp_regs_next_stop(utc_of(2027, 9, 5, 0, 0, 0), 5, 9, 0, OMP_DST_NONE, &s), OMP_OK);
    assert_int_equal(s, utc_of(2028, 3, 5, 0, 0, 0));
    assert_int_equal(omp_regs_next_stop(utc_of(2028, 4, 5, 0, 0, 0), 5, 16, 0, OMP_DST_NONE, &s), OMP_OK);
    assert_int_equal(s, utc_of(2029, 4, 5, 0, 0, 0));
    /* one second before a stop gives that stop */
    assert_int_equal(omp_regs_next_stop(utc_of(2028, 4, 4, 23, 59, 59), 5, 16, 0, OMP_DST_NONE, &s),
                     OMP_OK);
    assert_int_equal(s, utc_of(2028, 4, 5, 0, 0, 0));

    assert_int_equal(omp_regs_next_stop(after, 5, 0, 0, OMP_DST_NONE, &s), OMP_ERR_NOT_FOUND);
    assert_int_equal(omp_regs_next_stop(after, 5, 25, 0, OMP_DST_NONE, &s), OMP_ERR_ARG);
    assert_int_equal(omp_regs_next_stop(after, 0, 1, 0, OMP_DST_NONE, &s), OMP_ERR_ARG);
    assert_int_equal(omp_regs_next_stop(after, 29, 1, 0, OMP_DST_NONE, &s), OMP_ERR_ARG);
    assert_int_equal(omp_regs_next_stop(after, 1, 1, 0, OMP_DST_NONE, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_regs_next_stop(utc_of(2199, 12, 15, 0, 0, 0), 1, 1, 0, OMP_DST_NONE, &s),
                     OMP_ERR_RANGE);
}

static void test_next_stop_month_ends_and_dst(void **state)
{
    (void)state;
    omp_time_s s = 0;
    /* day 28: February 2027 (28 days) and 2028 (29 days) */
    assert_int_equal(omp_regs_next_stop(utc_of(2027, 2, 1, 0, 0, 0), 28, 1, 0, OMP_DST_NONE, &s), OMP_OK);
    assert_int_equal(s, utc_of(2027, 2, 28, 0, 0, 0));
    assert_int_equal(omp_regs_next_stop(s, 28, 1, 0, OMP_DST_NONE, &s), OMP_OK);
    assert_int_equal(s, utc_of(2027, 3, 28, 0, 0, 0));
    assert_int_equal(omp_regs_next_stop(utc_of(2028, 2, 1, 0, 0, 0), 28, 1, 0, OMP_DST_NONE, &s), OMP_OK);
    assert_int_equal(s, utc_of(2028, 2, 28, 0, 0, 0));
    assert_int_equal(omp_regs_next_stop(utc_of(2028, 2, 28, 12, 0, 0), 28, 1, 0, OMP_DST_NONE, &s),
                     OMP_OK);
    assert_int_equal(s, utc_of(2028, 3, 28, 0, 0, 0));
    /* day 1 at the year end, +60 without DST: 2028-01-01 00:00 local = 2027-12-31 23:00 UTC */
    assert_int_equal(omp_regs_next_stop(utc_of(2027, 12, 31, 22, 59, 59), 1, 1, 60, OMP_DST_NONE, &s),
                     OMP_OK);
    assert_int_equal(s, utc_of(2027, 12, 31, 23, 0, 0));
    assert_int_equal(omp_regs_next_stop(s, 1, 1, 60, OMP_DST_NONE, &s), OMP_OK);
    assert_int_equal(s, utc_of(2028, 1, 31, 23, 0, 0)); /* Feb 1 00:00 local */
    /* month end: after Apr 30 2027 -> May 1 00:00 UTC */
    assert_int_equal(omp_regs_next_stop(utc_of(2027, 4, 30, 23, 0, 0), 1, 1, 0, OMP_DST_NONE, &s), OMP_OK);
    assert_int_equal(s, utc_of(2027, 5, 1, 0, 0, 0));

    /* +60 with EU DST: Jul 1 00:00 CEST = Jun 30 22:00 UTC; Jan 1 00:00 CET = Dec 31 23:00 UTC */
    assert_int_equal(omp_regs_next_stop(utc_of(2027, 6, 15, 0, 0, 0), 1, 1, 60, OMP_DST_EU, &s), OMP_OK);
    assert_int_equal(s, utc_of(2027, 6, 30, 22, 0, 0));
    assert_int_equal(omp_regs_next_stop(utc_of(2027, 12, 15, 0, 0, 0), 1, 1, 60, OMP_DST_EU, &s), OMP_OK);
    assert_int_equal(s, utc_of(2027, 12, 31, 23, 0, 0));
    /* day 28 around 2027-03-28 (DST starts 01:00 UTC, after midnight local): Mar 28 00:00 CET =
     * Mar 27 23:00 UTC; Apr 28 00:00 CEST = Apr 27 22:00 UTC */
    assert_int_equal(omp_regs_next_stop(utc_of(2027, 3, 10, 0, 0, 0), 28, 1, 60, OMP_DST_EU, &s), OMP_OK);
    assert_int_equal(s, utc_of(2027, 3, 27, 23, 0, 0));
    assert_int_equal(omp_regs_next_stop(s, 28, 1, 60, OMP_DST_EU, &s), OMP_OK);
    assert_int_equal(s, utc_of(2027, 4, 27, 22, 0, 0));
    /* DST ends 2027-10-31 01:00 UTC: Oct 28 00:00 CEST = Oct 27 22:00 UTC; Nov 28 00:00 CET =
     * Nov 27 23:00 UTC; day 1: Nov 1 00:00 CET = Oct 31 23:00 UTC */
    assert_int_equal(omp_regs_next_stop(utc_of(2027, 10, 10, 0, 0, 0), 28, 1, 60, OMP_DST_EU, &s), OMP_OK);
    assert_int_equal(s, utc_of(2027, 10, 27, 22, 0, 0));
    assert_int_equal(omp_regs_next_stop(s, 28, 1, 60, OMP_DST_EU, &s), OMP_OK);
    assert_int_equal(s, utc_of(2027, 11, 27, 23, 0, 0));
    assert_int_equal(omp_regs_next_stop(utc_of(2027, 10, 10, 0, 0, 0), 1, 1, 60, OMP_DST_EU, &s), OMP_OK);
    assert_int_equal(s, utc_of(2027, 10, 31, 23, 0, 0));
}

/* ---- debiting snapshots ---------------------------------------------------------------------- */

/* UTC registers run 22:50..23:50 on Jan 31 2027: 23:00..23:15 2 kW T1 (P+max, threshold 1500),
 * 23:15..23:30 1 kW T2 with 500 var. A+ = 500e6 + 250e6 uWh. */
static void prepare_january(struct omp_registers *r)
{
    struct omp_regs_cfg c;
    cfg_utc(&c);
    c.power_threshold_w = 1500;
    assert_int_equal(omp_registers_init(r, &c), OMP_OK);
    run(r, NULL, utc_of(2027, 1, 31, 22, 50, 0), utc_of(2027, 1, 31, 23, 0, 0), 1);
    struct feed f1 = {utc_of(2027, 1, 31, 23, 0, 0), 2000, 0, 0, 0};
    run2(r, &f1, utc_of(2027, 1, 31, 23, 0, 1), utc_of(2027, 1, 31, 23, 15, 0), 1, 2); /* T2 from 23:15 */
    struct feed f2 = {utc_of(2027, 1, 31, 23, 15, 0), 1000, 500, 0, 0};
    run2(r, &f2, utc_of(2027, 1, 31, 23, 15, 1), utc_of(2027, 1, 31, 23, 30, 0), 2, 1);
    run(r, NULL, utc_of(2027, 1, 31, 23, 30, 1), utc_of(2027, 1, 31, 23, 50, 0), 1);
    assert_int_equal(r->next_stop_utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_int_equal(r->billing_count, 0);
}

static void test_snapshot_content(void **state)
{
    (void)state;
    struct omp_registers r;
    prepare_january(&r);
    assert_null(omp_registers_pending_snapshot(&r));
    run(&r, NULL, utc_of(2027, 1, 31, 23, 50, 1), utc_of(2027, 2, 1, 0, 0, 0), 1);
    const struct omp_regs_snapshot *s = omp_registers_pending_snapshot(&r);
    assert_non_null(s);
    assert_int_equal(s->utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_int_equal(s->capture_utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_int_equal(s->quality, 0);
    assert_int_equal(s->billing_count, 1);
    /* seconds 22:50:00..00:00:00 = 70 min + 1 = 4201 s with supply: 1 h, 601 s */
    assert_int_equal(s->hours, 1);
    assert_int_equal(r.supply_s, 601);
    assert_int_equal(s->threshold_count, 1);
    assert_int_equal(s->energy.total.a_plus_uwh, 750000000u);
    assert_int_equal(s->energy.a_plus_t[0], 500000000u);
    assert_int_equal(s->energy.a_plus_t[1], 250000000u);
    /* 500 var * 900 s / 3600 = 125 varh */
    assert_int_equal(s->energy.r_plus_t[1], 125000000u);
    assert_int_equal(s->peaks.p_plus.value, 2000);
    assert_int_equal(s->peaks.p_plus.utc, utc_of(2027, 1, 31, 23, 15, 0));
    assert_int_equal(s->peaks.p_plus_t[0].value, 2000);
    assert_int_equal(s->peaks.p_plus_t[1].value, 1000);
    assert_int_equal(s->peaks.p_plus_t[1].utc, utc_of(2027, 1, 31, 23, 30, 0));
    assert_int_equal(s->peaks.q_plus.value, 500);
    assert_int_equal(s->acc.p_plus, 2000);
    assert_int_equal(s->acc.p_plus_t[0], 2000);
    assert_int_equal(s->acc.p_plus_t[1], 1000);
    assert_int_equal(s->acc.q_plus, 500);
    /* after: peaks reset, acc kept, schedule moved to Mar 1 */
    assert_int_equal(r.peaks.p_plus.value, 0);
    assert_int_equal(r.peaks.p_plus.utc, 0);
    assert_int_equal(r.peaks.q_plus.value, 0);
    assert_int_equal(r.acc.p_plus, 2000);
    assert_int_equal(r.billing_count, 1);
    assert_int_equal(r.last_stop_utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_int_equal(r.next_stop_utc, utc_of(2027, 3, 1, 0, 0, 0));
    assert_true(omp_registers_cold_due(&r));
    omp_registers_snapshot_saved(&r);
    assert_null(omp_registers_pending_snapshot(&r));

    /* a second period: one 3 kW period in February -> acc 2000 + 3000 at the March stop */
    struct feed f = {utc_of(2027, 2, 10, 0, 15, 0), 3000, 0, 0, 0};
    run(&r, NULL, utc_of(2027, 2, 10, 0, 0, 0), utc_of(2027, 2, 10, 0, 0, 0), 1); /* jump: 00:00 SHORT */
    run(&r, NULL, utc_of(2027, 2, 10, 0, 0, 1), utc_of(2027, 2, 10, 0, 15, 0), 1);
    assert_int_equal(r.demand.last.flags, OMP_REGS_PF_SHORT);
    run(&r, &f, utc_of(2027, 2, 10, 0, 15, 1), utc_of(2027, 2, 10, 0, 30, 0), 1);
    assert_int_equal(r.peaks.p_plus.value, 3000);
    run(&r, NULL, utc_of(2027, 3, 1, 0, 0, 0), utc_of(2027, 3, 1, 0, 0, 0), 1);
    s = omp_registers_pending_snapshot(&r);
    assert_non_null(s);
    assert_int_equal(s->billing_count, 2);
    assert_int_equal(s->acc.p_plus, 5000);
    assert_int_equal(s->acc.p_plus_t[0], 5000);
    assert_int_equal(s->acc.p_plus_t[1], 1000);
    assert_int_equal(s->quality, 0);
}

static void test_dst_quality(void **state)
{
    (void)state;
    struct omp_registers r;
    struct omp_regs_cfg c;
    omp_regs_cfg_default(&c); /* +60, EU */
    assert_int_equal(omp_registers_init(&r, &c), OMP_OK);
    /* Jul 1 00:00 CEST = Jun 30 22:00 UTC */
    run(&r, NULL, utc_of(2027, 6, 30, 21, 59, 0), utc_of(2027, 6, 30, 22, 0, 0), 1);
    const struct omp_regs_snapshot *s = omp_registers_pending_snapshot(&r);
    assert_non_null(s);
    assert_int_equal(s->utc, utc_of(2027, 6, 30, 22, 0, 0));
    assert_int_equal(s->quality, OMP_REGS_Q_DST);
    assert_int_equal(r.next_stop_utc, utc_of(2027, 7, 31, 22, 0, 0));
}

static void test_clock_set_back_over_taken_stop(void **state)
{
    (void)state;
    struct omp_registers r;
    prepare_january(&r);
    run(&r, NULL, utc_of(2027, 1, 31, 23, 50, 1), utc_of(2027, 2, 1, 0, 10, 0), 1);
    assert_int_equal(r.billing_count, 1);
    omp_registers_snapshot_saved(&r);
    omp_registers_clock_set(&r, utc_of(2027, 2, 1, 0, 10, 0), utc_of(2027, 1, 31, 23, 50, 0));
    assert_int_equal(r.demand.last.end_utc, utc_of(2027, 2, 1, 0, 10, 0));
    assert_int_equal(r.demand.last.flags, OMP_REGS_PF_CLOCK_SET | OMP_REGS_PF_SHORT);
    assert_int_equal(r.demand.flags, OMP_REGS_PF_CLOCK_SET | OMP_REGS_PF_SHORT);
    assert_int_equal(r.demand.start_utc, utc_of(2027, 1, 31, 23, 45, 0));
    assert_int_equal(r.next_stop_utc, utc_of(2027, 3, 1, 0, 0, 0));
    assert_true((r.period_quality & OMP_REGS_Q_CLOCK_SET) != 0u);
    run(&r, NULL, utc_of(2027, 1, 31, 23, 50, 1), utc_of(2027, 2, 1, 0, 20, 0), 1);
    assert_null(omp_registers_pending_snapshot(&r));
    assert_int_equal(r.billing_count, 1);
}

static void test_clock_set_forward_over_stop(void **state)
{
    (void)state;
    struct omp_registers r;
    prepare_january(&r);
    omp_registers_clock_set(&r, utc_of(2027, 1, 31, 23, 50, 0), utc_of(2027, 2, 1, 0, 30, 0));
    assert_int_equal(r.next_stop_utc, utc_of(2027, 2, 1, 0, 0, 0)); /* kept: jumped over */
    assert_null(omp_registers_pending_snapshot(&r));
    run(&r, NULL, utc_of(2027, 2, 1, 0, 30, 1), utc_of(2027, 2, 1, 0, 30, 1), 1);
    const struct omp_regs_snapshot *s = omp_registers_pending_snapshot(&r);
    assert_non_null(s);
    assert_int_equal(s->utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_int_equal(s->capture_utc, utc_of(2027, 2, 1, 0, 30, 1));
    assert_int_equal(s->quality, OMP_REGS_Q_LATE | OMP_REGS_Q_CLOCK_SET);
    assert_int_equal(s->peaks.p_plus.value, 2000);
    assert_int_equal(r.next_stop_utc, utc_of(2027, 3, 1, 0, 0, 0));
    assert_int_equal(r.period_quality, 0);
}

static omp_err enc_cold(struct omp_registers *r, uint8_t *buf, size_t cap, size_t *len)
{
    struct omp_wr w = omp_wr_init(buf, cap);
    omp_err err = omp_registers_encode_cold(r, &w);
    *len = omp_wr_len(&w);
    return err;
}

static omp_err enc_hot(struct omp_registers *r, uint8_t *buf, size_t cap, size_t *len)
{
    struct omp_wr w = omp_wr_init(buf, cap);
    omp_err err = omp_registers_encode_hot(r, &w);
    *len = omp_wr_len(&w);
    return err;
}

static void test_power_cut_across_stop(void **state)
{
    (void)state;
    struct omp_registers r;
    prepare_january(&r);
    uint8_t cold[OMP_REGS_COLD_MAX], hot[OMP_REGS_HOT_MAX];
    size_t cold_len = 0, hot_len = 0;
    assert_int_equal(enc_cold(&r, cold, sizeof cold, &cold_len), OMP_OK);
    omp_registers_cold_saved(&r);
    struct feed f = {utc_of(2027, 1, 31, 23, 50, 0), 3600, 0, 0, 0};
    run(&r, &f, utc_of(2027, 1, 31, 23, 50, 1), utc_of(2027, 1, 31, 23, 51, 0), 1);
    assert_int_equal(enc_hot(&r, hot, sizeof hot, &hot_len), OMP_OK);
    omp_registers_hot_saved(&r);
    /* 60 s at 3600 W = 60 Wh = 60e6 uWh on top of 750e6 */
    assert_int_equal(r.e.total.a_plus_uwh, 810000000u);

    struct omp_registers n;
    init_utc(&n);
    n.cfg.power_threshold_w = 1500;
    assert_int_equal(omp_registers_restore(&n, cold, cold_len, hot, hot_len, NULL, 0), OMP_OK);
    assert_int_equal(n.e.total.a_plus_uwh, 810000000u);
    assert_int_equal(n.checkpoint_id, 1);
    omp_registers_power_up(&n, utc_of(2027, 2, 1, 2, 0, 0), true);
    assert_true(omp_registers_cold_due(&n));
    /* the restored period 23:45..00:00 closed at power-up, flagged */
    assert_int_equal(n.demand.last.end_utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_int_equal(n.demand.last.flags, OMP_REGS_PF_POWER_CUT | OMP_REGS_PF_SHORT);
    assert_int_equal(n.demand.flags, OMP_REGS_PF_POWER_CUT | OMP_REGS_PF_SHORT);
    assert_null(omp_registers_pending_snapshot(&n));
    run(&n, NULL, utc_of(2027, 2, 1, 2, 0, 1), utc_of(2027, 2, 1, 2, 0, 5), 1);
    const struct omp_regs_snapshot *s = omp_registers_pending_snapshot(&n);
    assert_non_null(s);
    assert_int_equal(s->utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_int_equal(s->capture_utc, utc_of(2027, 2, 1, 2, 0, 1));
    assert_int_equal(s->quality, OMP_REGS_Q_LATE | OMP_REGS_Q_POWER_CUT);
    assert_int_equal(s->billing_count, 1);
    assert_int_equal(s->energy.total.a_plus_uwh, 810000000u);
    assert_int_equal(s->peaks.p_plus.value, 2000);
    omp_registers_snapshot_saved(&n);
    run(&n, NULL, utc_of(2027, 2, 1, 2, 0, 6), utc_of(2027, 2, 1, 2, 1, 0), 1);
    assert_null(omp_registers_pending_snapshot(&n));
    assert_int_equal(n.billing_count, 1);
}

static void test_several_stops_skipped(void **state)
{
    (void)state;
    struct omp_registers r;
    prepare_january(&r);
    omp_registers_power_up(&r, utc_of(2027, 5, 15, 12, 0, 0), true);
    run(&r, NULL, utc_of(2027, 5, 15, 12, 0, 1), utc_of(2027, 5, 15, 12, 0, 1), 1);
    const struct omp_regs_snapshot *s = omp_registers_pending_snapshot(&r);
    assert_non_null(s);
    assert_int_equal(s->utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_int_equal(s->quality, OMP_REGS_Q_LATE | OMP_REGS_Q_POWER_CUT | OMP_REGS_Q_SKIPPED);
    assert_int_equal(s->billing_count, 1);
    assert_int_equal(r.next_stop_utc, utc_of(2027, 6, 1, 0, 0, 0));
    omp_registers_snapshot_saved(&r);
    run(&r, NULL, utc_of(2027, 5, 15, 12, 0, 2), utc_of(2027, 5, 15, 12, 0, 10), 1);
    assert_int_equal(r.billing_count, 1);
}

static void test_commanded_stop_and_busy(void **state)
{
    (void)state;
    struct omp_registers r;
    prepare_january(&r);
    omp_time_s t = utc_of(2027, 1, 31, 23, 50, 0);
    assert_int_equal(omp_registers_billing_stop(&r, t), OMP_OK);
    const struct omp_regs_snapshot *s = omp_registers_pending_snapshot(&r);
    assert_non_null(s);
    assert_int_equal(s->utc, t);
    assert_int_equal(s->capture_utc, t);
    assert_int_equal(s->quality, OMP_REGS_Q_COMMANDED);
    assert_int_equal(s->billing_count, 1);
    assert_int_equal(s->peaks.p_plus.value, 2000);
    assert_int_equal(r.next_stop_utc, utc_of(2027, 2, 1, 0, 0, 0)); /* schedule unchanged */
    assert_int_equal(omp_registers_billing_stop(&r, t + 1), OMP_ERR_BUSY);
    assert_int_equal(omp_registers_billing_stop(NULL, t), OMP_ERR_ARG);

    /* the scheduled stop waits while a snapshot is pending, then is taken LATE */
    run(&r, NULL, utc_of(2027, 1, 31, 23, 50, 1), utc_of(2027, 2, 1, 0, 0, 5), 1);
    assert_int_equal(r.billing_count, 1);
    omp_registers_snapshot_saved(&r);
    run(&r, NULL, utc_of(2027, 2, 1, 0, 0, 6), utc_of(2027, 2, 1, 0, 0, 6), 1);
    s = omp_registers_pending_snapshot(&r);
    assert_non_null(s);
    assert_int_equal(s->billing_count, 2);
    assert_int_equal(s->utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_int_equal(s->quality, OMP_REGS_Q_LATE);
    assert_int_equal(s->peaks.p_plus.value, 0); /* reset by the commanded stop */
    assert_int_equal(s->acc.p_plus, 2000);
}

/* ---- records --------------------------------------------------------------------------------- */

static void assert_same_state(const struct omp_registers *a, const struct omp_registers *b)
{
    assert_memory_equal(&a->e, &b->e, sizeof a->e);
    assert_int_equal(a->hours, b->hours);
    assert_int_equal(a->supply_s, b->supply_s);
    assert_int_equal(a->billing_count, b->billing_count);
    assert_int_equal(a->threshold_count, b->threshold_count);
    assert_int_equal(a->pulse_milli, b->pulse_milli);
    assert_memory_equal(&a->peaks, &b->peaks, sizeof a->peaks);
    assert_memory_equal(&a->acc, &b->acc, sizeof a->acc);
    assert_int_equal(a->demand.start_utc, b->demand.start_utc);
    assert_int_equal(a->demand.end_utc, b->demand.end_utc);
    assert_int_equal(a->demand.start_a_plus, b->demand.start_a_plus);
    assert_int_equal(a->demand.start_r_plus, b->demand.start_r_plus);
    assert_int_equal(a->demand.elapsed_s, b->demand.elapsed_s);
    assert_int_equal(a->demand.tariff, b->demand.tariff);
    assert_int_equal(a->demand.flags, b->demand.flags);
    assert_int_equal(a->demand.have_last, b->demand.have_last);
    assert_int_equal(a->demand.last.end_utc, b->demand.last.end_utc);
    assert_int_equal(a->demand.last.p_plus_w, b->demand.last.p_plus_w);
    assert_int_equal(a->demand.last.flags, b->demand.last.flags);
    assert_int_equal(a->last_stop_utc, b->last_stop_utc);
    assert_int_equal(a->next_stop_utc, b->next_stop_utc);
    assert_int_equal(a->period_quality, b->period_quality);
    assert_int_equal(a->utc, b->utc);
    assert_int_equal(a->utc_valid, b->utc_valid);
}

static void test_record_layout(void **state)
{
    (void)state;
    struct omp_registers r;
    init_utc(&r);
    struct omp_metro_energy d;
    memset(&d, 0, sizeof d);
    d.a_plus_uwh = 0x01020304u;
    omp_registers_add_energy(&r, &d, 2);
    uint8_t b[OMP_REGS_COLD_MAX + 4];
    size_t n = 0;
    /* hot: 2 + 4 (id) + 4 x (10 + 2 x 4) deltas + 4 + 2 + 8 + 8 + 1 = 101 bytes (4 tariffs) */
    assert_int_equal(enc_hot(&r, b, sizeof b, &n), OMP_OK);
    assert_int_equal(n, 29u + 4u * (10u + 2u * OMP_CONFIG_TARIFFS));
    assert_int_equal(b[0], 1);
    assert_int_equal(b[1], 'H');
    assert_int_equal(b[2] | b[3] | b[4] | b[5], 0); /* checkpoint 0: no cold yet */
    assert_int_equal(b[6], 0x04);                   /* A+ delta, little-endian */
    assert_int_equal(b[9], 0x01);
    /* A+ T2 is register 10 + 1: offset 6 + 4 x 11 = 50 */
    assert_int_equal(b[50], 0x04);
    /* cold: 243 + 8 x 18 = 387 bytes, id 1 */
    assert_int_equal(enc_cold(&r, b, sizeof b, &n), OMP_OK);
    assert_int_equal(n, 243u + 8u * (10u + 2u * OMP_CONFIG_TARIFFS));
    assert_int_equal(b[0], 1);
    assert_int_equal(b[1], 'C');
    assert_int_equal(b[2], 1);
    assert_int_equal(b[6], 0x04);
    assert_int_equal(b[13], 0x00);
    /* too small: nothing written, sticky NOSPACE */
    struct omp_wr w = omp_wr_init(b, 100);
    assert_int_equal(omp_registers_encode_cold(&r, &w), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 0);
}

static void test_cold_hot_round_trip(void **state)
{
    (void)state;
    struct omp_registers r;
    prepare_january(&r);
    omp_registers_add_pulses(&r, 7);
    uint8_t cold[OMP_REGS_COLD_MAX], hot[OMP_REGS_HOT_MAX];
    size_t cold_len = 0, hot_len = 0;
    assert_int_equal(enc_cold(&r, cold, sizeof cold, &cold_len), OMP_OK);
    struct omp_registers n;
    init_utc(&n);
    n.cfg.power_threshold_w = 1500;
    assert_int_equal(omp_registers_restore(&n, cold, cold_len, NULL, 0, NULL, 0), OMP_OK);
    assert_same_state(&r, &n);
    assert_int_equal(n.checkpoint_id, 1);
    assert_false(omp_registers_hot_due(&n));
    /* cold again from the restored copy: identical except the id (2) */
    uint8_t again[OMP_REGS_COLD_MAX];
    size_t again_len = 0;
    assert_int_equal(enc_cold(&n, again, sizeof again, &again_len), OMP_OK);
    assert_int_equal(again_len, cold_len);
    assert_int_equal(again[2], 2);
    again[2] = 1;
    assert_memory_equal(again, cold, cold_len);

    /* hot on top of the confirmed cold */
    omp_registers_cold_saved(&r);
    struct feed f = {utc_of(2027, 1, 31, 23, 50, 0), 1200, 600, 0, 0};
    run(&r, &f, utc_of(2027, 1, 31, 23, 50, 1), utc_of(2027, 1, 31, 23, 55, 0), 3);
    omp_registers_add_pulses(&r, 5);
    assert_int_equal(enc_hot(&r, hot, sizeof hot, &hot_len), OMP_OK);
    init_utc(&n);
    assert_int_equal(omp_registers_restore(&n, cold, cold_len, hot, hot_len, NULL, 0), OMP_OK);
    /* 1200 W for 300 s = 100 Wh; 600 var -> 50 varh, on tariff 3 */
    assert_int_equal(n.e.total.a_plus_uwh, 850000000u);
    assert_int_equal(n.e.a_plus_t[2], 100000000u);
    assert_int_equal(n.e.r_plus_t[2], 50000000u);
    assert_int_equal(n.pulse_milli, 12000); /* 12 pulses x 1000 */
    assert_int_equal(n.utc, utc_of(2027, 1, 31, 23, 55, 0));
    assert_int_equal(n.supply_s, r.supply_s);
    assert_memory_equal(&n.e, &r.e, sizeof n.e);
    assert_int_equal(n.cold_e.total.a_plus_uwh, 750000000u); /* hot base = the checkpoint */

    /* a newer cold (id 2) makes the old hot (id 1) stale: ignored */
    uint8_t cold2[OMP_REGS_COLD_MAX];
    size_t cold2_len = 0;
    assert_int_equal(enc_cold(&r, cold2, sizeof cold2, &cold2_len), OMP_OK);
    assert_int_equal(cold2[2], 2);
    omp_registers_cold_saved(&r);
    struct omp_metro_energy d;
    memset(&d, 0, sizeof d);
    d.a_plus_uwh = 1000;
    omp_registers_add_energy(&r, &d, 1);
    uint8_t hot2[OMP_REGS_HOT_MAX];
    size_t hot2_len = 0;
    assert_int_equal(enc_hot(&r, hot2, sizeof hot2, &hot2_len), OMP_OK);
    init_utc(&n);
    assert_int_equal(omp_registers_restore(&n, cold2, cold2_len, hot, hot_len, NULL, 0), OMP_OK);
    assert_int_equal(n.e.total.a_plus_uwh, 850000000u); /* cold2 only */
    assert_int_equal(n.checkpoint_id, 2);
    init_utc(&n);
    assert_int_equal(omp_registers_restore(&n, cold2, cold2_len, hot2, hot2_len, NULL, 0), OMP_OK);
    assert_int_equal(n.e.total.a_plus_uwh, 850001000u);
    /* the next hot of the restored registers is relative to checkpoint 2 */
    uint8_t hot3[OMP_REGS_HOT_MAX];
    size_t hot3_len = 0;
    assert_int_equal(enc_hot(&n, hot3, sizeof hot3, &hot3_len), OMP_OK);
    assert_memory_equal(hot3, hot2, hot2_len);
}

static void test_snapshot_codec_and_roll_forward(void **state)
{
    (void)state;
    struct omp_registers r;
    prepare_january(&r);
    uint8_t cold[OMP_REGS_COLD_MAX];
    size_t cold_len = 0;
    assert_int_equal(enc_cold(&r, cold, sizeof cold, &cold_len), OMP_OK);
    omp_registers_cold_saved(&r);
    run(&r, NULL, utc_of(2027, 1, 31, 23, 50, 1), utc_of(2027, 2, 1, 0, 0, 0), 1);
    const struct omp_regs_snapshot *s = omp_registers_pending_snapshot(&r);
    assert_non_null(s);

    uint8_t snap[OMP_REGS_SNAPSHOT_LEN + 8];
    memset(snap, 0xA5, sizeof snap);
    struct omp_wr w = omp_wr_init(snap, OMP_REGS_SNAPSHOT_LEN - 1u);
    assert_int_equal(omp_regs_snapshot_encode(s, &w), OMP_ERR_NOSPACE);
    assert_int_equal(omp_wr_len(&w), 0);
    assert_int_equal(snap[0], 0xA5);
    w = omp_wr_init(snap, OMP_REGS_SNAPSHOT_LEN);
    assert_int_equal(omp_regs_snapshot_encode(s, &w), OMP_OK);
    assert_int_equal(omp_wr_len(&w), OMP_REGS_SNAPSHOT_LEN);
    assert_int_equal(snap[OMP_REGS_SNAPSHOT_LEN], 0xA5);
    assert_int_equal(snap[0], 1);
    assert_int_equal(snap[1], 'S');
    struct omp_rd rd = omp_rd_init(snap, OMP_REGS_SNAPSHOT_LEN);
    struct omp_regs_snapshot back;
    assert_int_equal(omp_regs_snapshot_decode(&rd, &back), OMP_OK);
    assert_int_equal(omp_rd_pos(&rd), OMP_REGS_SNAPSHOT_LEN);
    assert_int_equal(back.utc, s->utc);
    assert_int_equal(back.billing_count, 1);
    assert_memory_equal(&back.energy, &s->energy, sizeof back.energy);
    assert_memory_equal(&back.peaks, &s->peaks, sizeof back.peaks);
    assert_memory_equal(&back.acc, &s->acc, sizeof back.acc);
    uint8_t again[OMP_REGS_SNAPSHOT_LEN];
    w = omp_wr_init(again, sizeof again);
    assert_int_equal(omp_regs_snapshot_encode(&back, &w), OMP_OK);
    assert_memory_equal(again, snap, OMP_REGS_SNAPSHOT_LEN);
    /* unknown quality bit */
    uint8_t bad[OMP_REGS_SNAPSHOT_LEN];
    memcpy(bad, snap, sizeof bad);
    bad[18] = 0x80; /* offset 2 + 8 + 8 = quality */
    rd = omp_rd_init(bad, sizeof bad);
    assert_int_equal(omp_regs_snapshot_decode(&rd, &back), OMP_ERR_MALFORMED);
    assert_int_equal(omp_rd_pos(&rd), 0);

    /* power cut after the log append, before the cold: roll forward */
    struct omp_registers n;
    init_utc(&n);
    n.cfg.power_threshold_w = 1500;
    assert_int_equal(omp_registers_restore(&n, cold, cold_len, NULL, 0, snap,
                                           OMP_REGS_SNAPSHOT_LEN),
                     OMP_OK);
    assert_int_equal(n.billing_count, 1);
    assert_int_equal(n.peaks.p_plus.value, 0);
    assert_int_equal(n.acc.p_plus, 2000);
    assert_int_equal(n.acc.q_plus, 500);
    assert_int_equal(n.last_stop_utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_int_equal(n.next_stop_utc, utc_of(2027, 3, 1, 0, 0, 0));
    assert_int_equal(n.period_quality, 0);
    /* the checkpoint is from 23:50; the snapshot's stop at 00:00 is the newest time the NVM
       holds, where the clock resumes (never before it) */
    assert_true(n.utc_valid);
    assert_int_equal(n.utc, utc_of(2027, 2, 1, 0, 0, 0));
    assert_true(omp_registers_cold_due(&n));
    omp_registers_power_up(&n, utc_of(2027, 2, 1, 0, 5, 0), true);
    run(&n, NULL, utc_of(2027, 2, 1, 0, 5, 1), utc_of(2027, 2, 1, 0, 6, 0), 1);
    assert_null(omp_registers_pending_snapshot(&n)); /* not taken twice */

    /* a snapshot already in the checkpoint (count 1 = cold's 1) is not applied again */
    omp_registers_snapshot_saved(&r);
    assert_int_equal(enc_cold(&r, cold, sizeof cold, &cold_len), OMP_OK);
    omp_registers_cold_saved(&r);
    init_utc(&n);
    assert_int_equal(omp_registers_restore(&n, cold, cold_len, NULL, 0, snap,
                                           OMP_REGS_SNAPSHOT_LEN),
                     OMP_OK);
    assert_int_equal(n.billing_count, 1);
    assert_int_equal(n.acc.p_plus, 2000);
    assert_false(omp_registers_cold_due(&n));
}

static void test_restore_truncated_and_bad(void **state)
{
    (void)state;
    struct omp_registers r;
    prepare_january(&r);
    uint8_t cold[OMP_REGS_COLD_MAX], hot[OMP_REGS_HOT_MAX], snap[OMP_REGS_SNAPSHOT_LEN];
    size_t cold_len = 0, hot_len = 0;
    assert_int_equal(enc_cold(&r, cold, sizeof cold, &cold_len), OMP_OK);
    omp_registers_cold_saved(&r);
    assert_int_equal(enc_hot(&r, hot, sizeof hot, &hot_len), OMP_OK);
    assert_int_equal(omp_registers_billing_stop(&r, utc_of(2027, 1, 31, 23, 55, 0)), OMP_OK);
    struct omp_wr w = omp_wr_init(snap, sizeof snap);
    assert_int_equal(omp_regs_snapshot_encode(omp_registers_pending_snapshot(&r), &w), OMP_OK);

    struct omp_registers fresh, n;
    init_utc(&fresh);
    for (size_t cut = 1; cut < cold_len; cut++) {
        n = fresh;
        assert_int_not_equal(omp_registers_restore(&n, cold, cut, hot, hot_len, snap, sizeof snap),
                             OMP_OK);
        assert_memory_equal(&n, &fresh, sizeof n);
    }
    for (size_t cut = 1; cut < hot_len; cut++) {
        n = fresh;
        assert_int_not_equal(omp_registers_restore(&n, cold, cold_len, hot, cut, snap, sizeof snap),
                             OMP_OK);
        assert_memory_equal(&n, &fresh, sizeof n);
    }
    for (size_t cut = 1; cut < sizeof snap; cut++) {
        n = fresh;
        assert_int_equal(omp_registers_restore(&n, cold, cold_len, hot, hot_len, snap, cut),
                         OMP_ERR_TRUNCATED);
        assert_memory_equal(&n, &fresh, sizeof n);
    }
    /* wrong version, wrong kind (a hot in the cold slot), trailing byte */
    uint8_t bad[OMP_REGS_COLD_MAX + 1];
    memcpy(bad, cold, cold_len);
    bad[0] = 2;
    n = fresh;
    assert_int_equal(omp_registers_restore(&n, bad, cold_len, NULL, 0, NULL, 0), OMP_ERR_MALFORMED);
    assert_memory_equal(&n, &fresh, sizeof n);
    assert_int_equal(omp_registers_restore(&n, hot, hot_len, NULL, 0, NULL, 0), OMP_ERR_MALFORMED);
    memcpy(bad, cold, cold_len);
    bad[cold_len] = 0;
    assert_int_equal(omp_registers_restore(&n, bad, cold_len + 1u, NULL, 0, NULL, 0),
                     OMP_ERR_MALFORMED);
    assert_memory_equal(&n, &fresh, sizeof n);
    /* nothing at all: OK, unchanged */
    assert_int_equal(omp_registers_restore(&n, NULL, 0, NULL, 0, NULL, 0), OMP_OK);
    assert_memory_equal(&n, &fresh, sizeof n);
    assert_int_equal(omp_registers_restore(NULL, NULL, 0, NULL, 0, NULL, 0), OMP_ERR_ARG);
    assert_int_equal(omp_registers_restore(&n, NULL, 5, NULL, 0, NULL, 0), OMP_ERR_ARG);
}

static void test_save_due(void **state)
{
    (void)state;
    struct omp_registers r;
    init_utc(&r); /* save step 1e7 uWh = 10 Wh = 0.01 kWh (Z1 7.2) */
    assert_false(omp_registers_hot_due(&r));
    assert_false(omp_registers_cold_due(&r));
    struct omp_metro_energy d;
    memset(&d, 0, sizeof d);
    d.a_plus_uwh = 9999999;
    omp_registers_add_energy(&r, &d, 1);
    assert_false(omp_registers_hot_due(&r)); /* 0.009999999 kWh still shows 0.00 */
    d.a_plus_uwh = 1;
    omp_registers_add_energy(&r, &d, 1);
    assert_true(omp_registers_hot_due(&r)); /* 1e7 uWh: 0.01 kWh */
    omp_registers_hot_saved(&r);
    assert_false(omp_registers_hot_due(&r));
    d.a_plus_uwh = 9999999;
    omp_registers_add_energy(&r, &d, 1); /* 19999999: still 0.01 */
    assert_false(omp_registers_hot_due(&r));
    memset(&d, 0, sizeof d);
    d.e_minus_uvah = 10000000;
    omp_registers_add_energy(&r, &d, 1);
    assert_true(omp_registers_hot_due(&r));
    omp_registers_hot_saved(&r);
    /* Z1 6.3 (1 Wh = 1e6 uWh): the same registers show more digits */
    r.cfg.save_step_u = 1000000;
    omp_registers_hot_saved(&r);
    d.e_minus_uvah = 999999;
    omp_registers_add_energy(&r, &d, 1); /* E- 10999999 uVAh: 10.999999 VAh shows 10 */
    assert_false(omp_registers_hot_due(&r));
    d.e_minus_uvah = 1;
    omp_registers_add_energy(&r, &d, 1); /* 11000000 uVAh: 11 VAh */
    assert_true(omp_registers_hot_due(&r));
    omp_registers_hot_saved(&r);
    /* the hour counter moving makes a hot save due */
    for (int i = 1; i <= 3600; i++) {
        assert_int_equal(omp_registers_second(&r, 0, false, true, 1), OMP_OK);
    }
    assert_int_equal(r.hours, 1);
    assert_true(omp_registers_hot_due(&r));
    omp_registers_hot_saved(&r);
    assert_false(omp_registers_hot_due(&r));

    /* cold due once a delta from the checkpoint exceeds 2^31 */
    uint8_t buf[OMP_REGS_COLD_MAX];
    size_t len = 0;
    assert_int_equal(enc_cold(&r, buf, sizeof buf, &len), OMP_OK);
    omp_registers_cold_saved(&r);
    assert_false(omp_registers_cold_due(&r));
    memset(&d, 0, sizeof d);
    d.r_quadrant_uvarh[2] = 2147483648u; /* 2^31: not above */
    omp_registers_add_energy(&r, &d, 1);
    assert_false(omp_registers_cold_due(&r));
    d.r_quadrant_uvarh[2] = 1;
    omp_registers_add_energy(&r, &d, 1);
    assert_true(omp_registers_cold_due(&r));
    /* a hot delta above u32 cannot be encoded */
    d.r_quadrant_uvarh[2] = 2147483648u;
    omp_registers_add_energy(&r, &d, 1);
    assert_int_equal(enc_hot(&r, buf, sizeof buf, &len), OMP_ERR_OVERFLOW);
    assert_int_equal(len, 0);
}

/* The endurance budget (persist.c): 12 journal sectors of 4 KiB rated 100 000 cycles, one
 * spare: 11 * (4096 - 16) * 100 000 * 3/4 = 3 366 000 000 bytes of hot records over 20 years
 * (631 139 040 000 ms); a 48-byte hot record may then be written every
 * ceil(48 * 631 139 040 000 / 3 366 000 000) = 9001 ms; rated 10 000 cycles (also when the
 * geometry says 0): 90 003 ms; no spare sector: never within the life. */
static void test_hot_interval_budget(void **state)
{
    (void)state;
    struct omp_nvm_geometry geo = {.size = 65536u, .sector_size = 4096u, .program_unit = 8u,
                                   .erase_value = 0xFFu, .erase_cycles = 100000u};
    assert_int_equal(omp_regs_hot_interval_ms(&geo, 12u, 48u), 9001u);
    geo.erase_cycles = 10000u;
    assert_int_equal(omp_regs_hot_interval_ms(&geo, 12u, 48u), 90003u);
    geo.erase_cycles = 0u;
    assert_int_equal(omp_regs_hot_interval_ms(&geo, 12u, 48u), 90003u);
    assert_int_equal(omp_regs_hot_interval_ms(&geo, 1u, 48u), 631139040000u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg_and_init),
        cmocka_unit_test(test_energy_tariffs_and_saturation),
        cmocka_unit_test(test_feed_split),
        cmocka_unit_test(test_hour_counter),
        cmocka_unit_test(test_demand_15min_offset60),
        cmocka_unit_test(test_demand_half_hour_zone_60min),
        cmocka_unit_test(test_demand_5_and_30min),
        cmocka_unit_test(test_demand_flagged_and_skipped),
        cmocka_unit_test(test_next_stop_every_z7),
        cmocka_unit_test(test_next_stop_month_ends_and_dst),
        cmocka_unit_test(test_snapshot_content),
        cmocka_unit_test(test_dst_quality),
        cmocka_unit_test(test_clock_set_back_over_taken_stop),
        cmocka_unit_test(test_clock_set_forward_over_stop),
        cmocka_unit_test(test_power_cut_across_stop),
        cmocka_unit_test(test_several_stops_skipped),
        cmocka_unit_test(test_commanded_stop_and_busy),
        cmocka_unit_test(test_record_layout),
        cmocka_unit_test(test_cold_hot_round_trip),
        cmocka_unit_test(test_snapshot_codec_and_roll_forward),
        cmocka_unit_test(test_restore_truncated_and_bad),
        cmocka_unit_test(test_save_due),
        cmocka_unit_test(test_hot_interval_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
