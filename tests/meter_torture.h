/*
 * Power-cut torture of the meter's registers (issue: registers that survive anything), shared by
 * tests/test_meter_torture.c (days, every build) and tests/test_meter_torture_slow.c (a month and
 * a year, release build).
 *
 * A meter with a time-of-use calendar (tariffs 1..3), monthly debiting on the 1st, 15-minute
 * demand and the pulse input in use runs on the fake board (64 KiB NVM, 4 KiB sectors) under a
 * load that changes through the day: import and export, inductive and capacitive, 2..100 A. Time
 * is compressed: each 100 ms tick feeds 100 ms of samples (4000 Hz) but advances the clocks by
 * TICK_S seconds, so a month takes seconds and the registers see the load divided by 10 * TICK_S.
 *
 * The RAM NVM is armed to cut the power after each (re)start at a byte that sweeps the stream:
 * the k-th cut comes 1 + (k * 541 mod M) programmed bytes after the previous power-on (M =
 * cut_every; 541 is prime to it, so M cuts hit every offset 1..M of what a start and the polls
 * after it write, init's own records included), or at a random byte (random mode). The cut lands
 * in whatever is being written (snapshot, cold checkpoint, hot record, state, compaction copies,
 * sector headers). After a
 * cut the supply stays off for a while (none, minutes, hours, or a day), then the meter starts
 * again from NVM (init itself may be cut again), and the harness checks:
 *  - nothing went backwards: every energy register, the hour counter, the pulse input, the
 *    debiting and threshold counters are >= their values at the last save the meter reported
 *    complete, and <= their values at the cut (nothing invented);
 *  - the loss is bounded: at most one display step plus the energy of the last two ticks;
 *  - the registers decoded (no record refused: restore_err is OMP_OK) and are consistent: the
 *    tariff registers sum to the totals, maxima are below the physical limit and time-stamped in
 *    the running debiting period, accumulated maxima never decrease;
 *  - billing: the debiting stop counter equals the number of scheduled stops passed (none lost,
 *    none taken twice), and the newest snapshot in the log carries that count.
 */
#ifndef OMP_TEST_METER_TORTURE_H
#define OMP_TEST_METER_TORTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/meter.h"

#define TT_NVM (64u * 1024u)
#define TT_SECTOR 4096u
#define TT_FS 4000u
#define TT_SPC (TT_FS / 50u)
#define TT_TICK_S 30u
#define TT_LOADS 6
#define TT_START ((omp_time_s)1798761600) /* 2027-01-01T00:00:00Z */
#define TT_PI 3.14159265358979323846

struct tt_regs {
    uint64_t e[10 + 2 * OMP_CONFIG_TARIFFS];
    uint64_t pulse;
    uint32_t hours, billing, threshold;
};

struct tt {
    uint8_t mem[TT_NVM];
    uint32_t erases[TT_NVM / TT_SECTOR];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
    int32_t load[TT_LOADS][2 * TT_SPC];
    struct tt_regs durable;   /* values at the last save the meter reported complete */
    struct tt_regs prev_tick; /* values after the previous tick */
    uint64_t max_tick_e;      /* largest growth of a register in one tick, micro-units */
    uint64_t last_tick_e[2];  /* growth of the largest register in the last two ticks */
    uint64_t acc_p_plus;      /* accumulated P+max seen last */
    uint64_t cuts, init_cuts, outages, restarts, sweep_k;
    uint32_t rng;
};

static struct omp_tou_calendar g_tt_cal;

static uint32_t tt_rand(struct tt *t)
{
    t->rng ^= t->rng << 13;
    t->rng ^= t->rng >> 17;
    t->rng ^= t->rng << 5;
    return t->rng;
}

static void tt_regs_of(const struct omp_meter *m, struct tt_regs *r)
{
    const struct omp_registers *g = &m->regs;
    const struct omp_metro_energy *e = &g->e.total;
    unsigned k = 0;
    r->e[k++] = e->a_plus_uwh;
    r->e[k++] = e->a_minus_uwh;
    r->e[k++] = e->r_plus_uvarh;
    r->e[k++] = e->r_minus_uvarh;
    for (unsigned q = 0; q < 4u; q++) {
        r->e[k++] = e->r_quadrant_uvarh[q];
    }
    r->e[k++] = e->e_plus_uvah;
    r->e[k++] = e->e_minus_uvah;
    for (unsigned q = 0; q < OMP_CONFIG_TARIFFS; q++) {
        r->e[k++] = g->e.a_plus_t[q];
        r->e[k++] = g->e.r_plus_t[q];
    }
    r->pulse = g->pulse_milli;
    r->hours = g->hours;
    r->billing = g->billing_count;
    r->threshold = g->threshold_count;
}

/* Weekdays 06:00 T2, 17:00 T3, 21:00 T1; weekends T1 all day; seasons from 1 Apr and 1 Oct. */
static void tt_calendar(struct omp_tou_calendar *c)
{
    memset(c, 0, sizeof *c);
    c->n_seasons = 2;
    c->season[0] = (struct omp_tou_season){ 4, 1, 0 };
    c->season[1] = (struct omp_tou_season){ 10, 1, 0 };
    c->n_weeks = 1;
    c->week[0] = (struct omp_tou_week){ { 0, 0, 0, 0, 0, 1, 1 } };
    c->n_days = 2;
    c->day[0].n_switches = 3;
    c->day[0].sw[0] = (struct omp_tou_switch){ 6, 0, 2 };
    c->day[0].sw[1] = (struct omp_tou_switch){ 17, 0, 3 };
    c->day[0].sw[2] = (struct omp_tou_switch){ 21, 0, 1 };
    c->day[1].n_switches = 1;
    c->day[1].sw[0] = (struct omp_tou_switch){ 0, 0, 1 };
    c->n_special = 0;
}

static void tt_make_loads(struct tt *t)
{
    static const double k_load[TT_LOADS][2] = {
        { 2.0, 0.0 }, { 40.0, 30.0 }, { 20.0, 180.0 }, { 80.0, -20.0 }, { 100.0, 0.0 },
        { 5.0, 60.0 },
    };
    double vp = 230.0 * sqrt(2.0) / (double)t->cfg.cal.v_gain;
    for (int l = 0; l < TT_LOADS; l++) {
        double ip = k_load[l][0] * sqrt(2.0) / (double)t->cfg.cal.i_gain;
        double phi = k_load[l][1] * TT_PI / 180.0;
        for (unsigned k = 0; k < TT_SPC; k++) {
            double th = 2.0 * TT_PI * k / TT_SPC;
            t->load[l][2 * k] = (int32_t)lround(vp * sin(th));
            t->load[l][2 * k + 1] = (int32_t)lround(ip * sin(th - phi));
        }
    }
}

/* The load by local hour: night base, morning, midday export, afternoon capacitive, evening peak. */
static int tt_load_at(omp_time_s utc)
{
    int h = (int)((utc / 3600) % 24);
    return h < 6 ? 0 : h < 9 ? 1 : h < 15 ? 2 : h < 18 ? 3 : h < 22 ? 4 : 5;
}

static void tt_check_restart(struct tt *t, const struct tt_regs *at_cut)
{
    struct tt_regs now;
    tt_regs_of(&t->m, &now);
    assert_int_equal(t->m.persist.restore_err, OMP_OK);
    assert_int_equal(t->m.nvm_damaged, 0u); /* a power cut is never taken for damage */
    uint64_t step = t->m.regs.cfg.save_step_u;
    uint64_t bound = step + t->last_tick_e[0] + t->last_tick_e[1] + 1u;
    for (unsigned k = 0; k < OMP_ARRAY_LEN(now.e); k++) {
        if (now.e[k] < t->durable.e[k] || now.e[k] > at_cut->e[k] ||
            at_cut->e[k] - now.e[k] > bound) {
            print_error("register %u: durable %llu, at cut %llu, restored %llu, bound %llu\n", k,
                        (unsigned long long)t->durable.e[k], (unsigned long long)at_cut->e[k],
                        (unsigned long long)now.e[k], (unsigned long long)bound);
            fail();
        }
    }
    assert_true(now.pulse >= t->durable.pulse && now.pulse <= at_cut->pulse);
    assert_true(now.hours >= t->durable.hours && now.hours <= at_cut->hours);
    assert_true(now.billing >= t->durable.billing && now.billing <= at_cut->billing);
    assert_true(now.threshold >= t->durable.threshold && now.threshold <= at_cut->threshold);
}

/* Invariants that hold at any time. */
static void tt_check_consistent(struct tt *t)
{
    const struct omp_registers *g = &t->m.regs;
    uint64_t a = 0, r = 0;
    for (unsigned q = 0; q < OMP_CONFIG_TARIFFS; q++) {
        a += g->e.a_plus_t[q];
        r += g->e.r_plus_t[q];
    }
    assert_true(a == g->e.total.a_plus_uwh);
    assert_true(r == g->e.total.r_plus_uvarh);
    /* the highest mean the compressed load can give: 100 A at 230 V over 10 * TICK_S */
    uint32_t p_lim = (uint32_t)(23000.0 * 1.01 / (10.0 * TT_TICK_S)) + 1u;
    const struct omp_regs_peak *pk[] = { &g->peaks.p_plus, &g->peaks.p_plus_t[0],
                                         &g->peaks.p_plus_t[1], &g->peaks.q_plus,
                                         &g->peaks.s_plus, &g->peaks.s_minus };
    for (size_t k = 0; k < OMP_ARRAY_LEN(pk); k++) {
        assert_true(pk[k]->value <= p_lim);
        if (pk[k]->utc != 0) {
            assert_true(pk[k]->utc >= g->last_stop_utc && pk[k]->utc <= g->utc);
        }
    }
    assert_true(g->acc.p_plus >= t->acc_p_plus);
    t->acc_p_plus = g->acc.p_plus;
}

/* Debiting: stops passed since the start (monthly on the 1st at 00:00 local, +1 h, EU DST:
 * 23:00 UTC the day before in winter, 22:00 in summer) equal the counter; the newest snapshot
 * in the log has the same count. */
static void tt_check_billing(struct tt *t)
{
    const struct omp_registers *g = &t->m.regs;
    uint32_t stops = 0;
    for (unsigned y = 2027; y <= 2029; y++) {
        for (unsigned mo = 1; mo <= 12; mo++) {
            struct omp_datetime lt = { .year = (uint16_t)y, .month = (uint8_t)mo, .day = 1 };
            omp_time_s s = 0;
            assert_int_equal(omp_local_to_utc(&lt, 60, OMP_DST_EU, &s), OMP_OK);
            if (s > TT_START && s <= g->utc) {
                stops++;
            }
        }
    }
    if (omp_registers_pending_snapshot(g) == NULL) {
        assert_int_equal(g->billing_count, stops);
    }
    struct omp_regs_snapshot snap;
    omp_err err = omp_meter_billing_read(&t->m, 0, &snap);
    if (g->billing_count == 0u) {
        assert_int_equal(err, OMP_ERR_NOT_FOUND);
    } else if (omp_registers_pending_snapshot(g) == NULL) {
        assert_int_equal(err, OMP_OK);
        assert_int_equal(snap.billing_count, g->billing_count);
    }
}

static void tt_arm(struct tt *t, uint64_t cut_every, bool random_cuts)
{
    uint64_t n = random_cuts ? 1u + tt_rand(t) % 20000u : 1u + (t->sweep_k++ * 541u) % cut_every;
    omp_ram_nvm_cut_after(&t->b.nvm, n);
}

/* Start (or restart) the meter, arming a cut for init too; each cut inside init starts again. */
static void tt_start(struct tt *t, uint64_t cut_every, bool random_cuts)
{
    for (;;) {
        omp_err err = omp_meter_init(&t->m, &t->hal, &t->cfg, &t->b.clock.now);
        if (err == OMP_OK) {
            break;
        }
        assert_int_equal(err, OMP_ERR_POWER_LOST);
        t->init_cuts++;
        omp_ram_nvm_power_on(&t->b.nvm);
        tt_arm(t, cut_every, random_cuts);
    }
    t->restarts++;
}

/*
 * Run @p days of compressed time with a cut every @p cut_every programmed bytes (or at random
 * points), starting from a blank NVM. Prints and returns the number of cuts.
 */
static uint64_t tt_run(struct tt *t, double days, uint64_t cut_every, bool random_cuts,
                       uint32_t seed)
{
    memset(t, 0, sizeof *t);
    t->rng = seed;
    const struct omp_nvm_geometry geo = { TT_NVM, TT_SECTOR, 8u, 0xFFu, 100000u };
    assert_int_equal(omp_fake_board_init(&t->b, t->mem, &geo, t->erases, TT_START), OMP_OK);
    t->hal = omp_fake_board_hal(&t->b);
    omp_meter_cfg_default(&t->cfg);
    t->cfg.sample_rate_hz = TT_FS;
    t->cfg.tariff_source = OMP_TARIFF_SRC_CALENDAR;
    t->cfg.pulse_unit = 2u;     /* m3 */
    t->cfg.pulse_milli = 10u * 1000u;
    t->cfg.power_threshold_w = 40u;
    tt_make_loads(t);
    tt_calendar(&g_tt_cal);
    assert_int_equal(omp_meter_init(&t->m, &t->hal, &t->cfg, &t->b.clock.now), OMP_OK);
    assert_int_equal(omp_meter_set_calendar(&t->m, &g_tt_cal, TT_START), OMP_OK);
    tt_regs_of(&t->m, &t->durable);
    t->prev_tick = t->durable;
    tt_arm(t, cut_every, random_cuts);

    uint64_t ticks = (uint64_t)(days * 86400.0 / TT_TICK_S);
    for (uint64_t k = 0; k < ticks; k++) {
        const int32_t *cyc = t->load[tt_load_at(t->b.clock.now.utc_s)];
        for (int c = 0; c < 5; c++) {
            omp_meter_on_samples(&t->m, cyc, TT_SPC);
        }
        if (k % 7u == 0u) { /* the pulse input: an edge now and then */
            omp_meter_on_input(&t->m, OMP_INPUT_PULSE, true);
            omp_meter_on_input(&t->m, OMP_INPUT_PULSE, false);
        }
        omp_fake_clock_advance_ms(&t->b.clock, TT_TICK_S * 1000u);
        omp_meter_tick(&t->m, &t->b.clock.now);
        struct tt_regs at;
        tt_regs_of(&t->m, &at);
        uint64_t grow = 0;
        for (unsigned r = 0; r < OMP_ARRAY_LEN(at.e); r++) {
            uint64_t d = at.e[r] - t->prev_tick.e[r];
            grow = d > grow ? d : grow;
        }
        t->last_tick_e[1] = t->last_tick_e[0];
        t->last_tick_e[0] = grow;
        t->prev_tick = at;
        uint64_t saves = t->m.persist.hot_saves + t->m.persist.cold_saves;
        omp_err err = omp_meter_poll(&t->m);
        if (err == OMP_OK) {
            if (t->m.persist.hot_saves + t->m.persist.cold_saves != saves) {
                tt_regs_of(&t->m, &t->durable);
            }
            tt_check_consistent(t);
            if (k % 97u == 0u) {
                tt_check_billing(t);
            }
            continue;
        }
        /* the cut: power off for a while, then start from NVM */
        assert_int_equal(err, OMP_ERR_POWER_LOST);
        t->cuts++;
        omp_ram_nvm_power_on(&t->b.nvm);
        uint32_t kind = tt_rand(t) % 16u;
        uint64_t off_s = kind < 10u ? 0u : kind < 13u ? 60u * (1u + tt_rand(t) % 60u)
                         : kind < 15u ? 3600u * (1u + tt_rand(t) % 12u) : 86400u;
        if (off_s > 0u) {
            t->outages++;
            omp_fake_clock_advance_ms(&t->b.clock, off_s * 1000u);
        }
        tt_arm(t, cut_every, random_cuts);
        tt_start(t, cut_every, random_cuts);
        tt_check_restart(t, &at);
        tt_regs_of(&t->m, &t->durable); /* init saved a cold checkpoint of what it restored */
        t->prev_tick = t->durable;
        t->last_tick_e[0] = t->last_tick_e[1] = 0;
        tt_check_consistent(t);
    }
    omp_ram_nvm_cut_after(&t->b.nvm, 0);
    assert_int_equal(omp_meter_poll(&t->m), OMP_OK);
    tt_check_billing(t);
    printf("torture: %.1f days of load (%u s of clock per 100 ms of samples) + outages = %.1f days "
           "of clock, cuts %s: %llu cuts in saves, %llu in init, %llu outages, %llu restarts; "
           "A+ %.3f Wh, %u debiting stops, %llu NVM erases\n",
           days, TT_TICK_S, (double)(t->b.clock.now.utc_s - TT_START) / 86400.0,
           random_cuts ? "at random bytes" : "sweeping the byte stream",
           (unsigned long long)t->cuts, (unsigned long long)t->init_cuts,
           (unsigned long long)t->outages, (unsigned long long)t->restarts,
           (double)t->m.regs.e.total.a_plus_uwh / 1e6, (unsigned)t->m.regs.billing_count,
           (unsigned long long)t->b.nvm.erase_calls);
    (void)cut_every;
    return t->cuts + t->init_cuts;
}

#endif /* OMP_TEST_METER_TORTURE_H */
