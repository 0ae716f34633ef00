/*
 * Tests of the composition root (lib/meter/meter.c) on the fake board: init checks, energy from
 * synthetic sine waves against P = U*I*cos(phi)*t, rounding carry, persistence across restarts,
 * power cuts at every byte of a save, ring wrap, hour counter, supply threshold, pulses, display.
 */
#include <math.h> /* NAN / INFINITY macros only: no libm function is called */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/meter.h"

#define SECTOR 256u /* 4 record slots of 64 bytes per sector */
#define SECTORS 4u
#define SIZE (SECTOR * SECTORS)
#define REC_SIZE 64u
#define T_2024_01_15_12Z ((omp_time_s)1705320000) /* 2024-01-15T12:00:00Z (winter) */
#define T_2024_07_01_12Z ((omp_time_s)1719835200) /* 2024-07-01T12:00:00Z (summer) */
#define PI 3.14159265358979323846

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

struct fx {
    uint8_t mem[SIZE];
    uint32_t erases[SECTORS];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
};

static struct fx g_fx; /* tests' storage (the library itself keeps none) */

static void fx_board(struct fx *f, const struct omp_nvm_geometry *geo, omp_time_s utc)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, geo, f->erases, utc), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
}

static void fx_start(struct fx *f)
{
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
}

static struct fx *fx_new(void)
{
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    fx_start(&g_fx);
    return &g_fx;
}

static struct omp_meter_snapshot snap(const struct omp_meter *m)
{
    struct omp_meter_snapshot s;
    assert_int_equal(omp_meter_snapshot(m, &s), OMP_OK);
    return s;
}

/* sin(x) by range reduction and its Taylor series (tests do not link libm); |error| < 1e-15. */
static double t_sin(double x)
{
    long turns = (long)(x / (2.0 * PI));
    x -= (double)turns * 2.0 * PI;
    if (x > PI) {
        x -= 2.0 * PI;
    } else if (x < -PI) {
        x += 2.0 * PI;
    }
    double term = x;
    double sum = x;
    for (int k = 1; k < 20; k++) {
        term *= -x * x / (double)((2 * k) * (2 * k + 1));
        sum += term;
    }
    return sum;
}

static int32_t round_code(double x)
{
    return (int32_t)(x >= 0.0 ? x + 0.5 : x - 0.5);
}

/* One mains cycle of interleaved codes: v = Vp sin(wt), i = Ip sin(wt - phi). */
#define SPC (8000 / 50) /* samples per cycle at 8 kHz, 50 Hz */
static int32_t g_cycle[2 * SPC];

static void make_sine(const struct omp_meter_cfg *cfg, double urms, double irms, double phi_deg)
{
    assert_int_equal(cfg->sample_rate_hz, 8000u);
    double phi = phi_deg * PI / 180.0;
    double vp = urms * 1.4142135623730951 / (double)cfg->volts_per_code;
    double ip = irms * 1.4142135623730951 / (double)cfg->amps_per_code;
    for (int k = 0; k < SPC; k++) {
        double th = 2.0 * PI * (double)k / (double)SPC;
        g_cycle[2 * k] = round_code(vp * t_sin(th));
        g_cycle[2 * k + 1] = round_code(ip * t_sin(th - phi));
    }
}

static void step_second(struct fx *f)
{
    omp_fake_clock_advance_ms(&f->b.clock, 1000u);
    omp_meter_tick(&f->m, &f->b.clock.now);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
}

/* Feed @p seconds of the cycle in g_cycle (50 cycles a second), ticking and polling each second. */
static void run_sine(struct fx *f, unsigned seconds)
{
    for (unsigned s = 0; s < seconds; s++) {
        for (int c = 0; c < 50; c++) {
            omp_meter_on_samples(&f->m, g_cycle, SPC);
        }
        step_second(f);
    }
}

/* Feed @p seconds of constant codes (DC) at the configured sample rate. */
static void run_dc(struct fx *f, int32_t v, int32_t i, unsigned seconds)
{
    static int32_t block[2 * 1000];
    assert_true(f->m.cfg.sample_rate_hz % 1000u == 0u);
    for (size_t k = 0; k < 1000u; k++) {
        block[2 * k] = v;
        block[2 * k + 1] = i;
    }
    for (unsigned s = 0; s < seconds; s++) {
        for (uint32_t b = 0; b < f->m.cfg.sample_rate_hz / 1000u; b++) {
            omp_meter_on_samples(&f->m, block, 1000u);
        }
        step_second(f);
    }
}

/* ---- init -------------------------------------------------------------------------------------- */

static void test_cfg_default(void **state)
{
    (void)state;
    struct omp_meter_cfg c;
    omp_meter_cfg_default(&c);
    assert_int_equal(c.utc_offset_min, 60);
    assert_int_equal(c.dst_rule, OMP_DST_EU);
    assert_int_equal(c.energy_digits, 7u);
    assert_int_equal(c.energy_decimals, 2u);
    assert_false(c.led_on_no_load);
    assert_int_equal(c.pulse_width_ms, 30u);
    assert_int_equal(c.sample_rate_hz, OMP_CONFIG_SAMPLE_RATE_HZ);
    assert_true(c.volts_per_code == 600.0f / 8388608.0f);
    assert_true(c.amps_per_code == 120.0f / 8388608.0f);
    assert_int_equal(c.nvm_base, 0u);
    assert_int_equal(c.nvm_sectors, 0u);
    assert_true(c.meter_number >= 1u && c.meter_number <= 99999999u);
}

static void test_init_fresh(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct omp_meter_snapshot s = snap(&f->m);
    assert_int_equal(s.a_plus_mwh, 0u);
    assert_int_equal(s.a_minus_mwh, 0u);
    assert_int_equal(s.hours_with_supply, 0u);
    assert_int_equal(s.power_ups, 1u);
    assert_int_equal(s.nvm_saves, 1u); /* the power-up is recorded */
    assert_int_equal(f->b.crit_depth, 0u);
    printf("sizeof(struct omp_meter) = %zu\n", sizeof(struct omp_meter));
}

static void test_init_missing_required_op(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    for (int which = 0; which < 6; which++) {
        struct omp_hal_ops ops = omp_fake_board_ops;
        switch (which) {
        case 0: ops.nvm_geometry = NULL; break;
        case 1: ops.nvm_read = NULL; break;
        case 2: ops.nvm_program = NULL; break;
        case 3: ops.nvm_erase = NULL; break;
        case 4: ops.crit_enter = NULL; break;
        default: ops.crit_exit = NULL; break;
        }
        struct omp_hal hal = { &ops, &g_fx.b };
        assert_int_equal(omp_meter_init(&g_fx.m, &hal, &g_fx.cfg, &g_fx.b.clock.now),
                         OMP_ERR_UNSUPPORTED);
    }
    /* optional ops may be missing */
    struct omp_hal_ops ops = omp_fake_board_ops;
    ops.display_show = NULL;
    ops.pulse_start = NULL;
    ops.rtc_set = NULL;
    struct omp_hal hal = { &ops, &g_fx.b };
    assert_int_equal(omp_meter_init(&g_fx.m, &hal, &g_fx.cfg, &g_fx.b.clock.now), OMP_OK);
    assert_int_equal(omp_meter_poll(&g_fx.m), OMP_OK);
    assert_int_equal(omp_meter_init(NULL, &hal, &g_fx.cfg, &g_fx.b.clock.now), OMP_ERR_ARG);
    assert_int_equal(omp_meter_init(&g_fx.m, NULL, &g_fx.cfg, &g_fx.b.clock.now), OMP_ERR_ARG);
    assert_int_equal(omp_meter_init(&g_fx.m, &hal, NULL, &g_fx.b.clock.now), OMP_ERR_ARG);
    assert_int_equal(omp_meter_init(&g_fx.m, &hal, &g_fx.cfg, NULL), OMP_ERR_ARG);
    struct omp_hal no_ops = { NULL, &g_fx.b };
    assert_int_equal(omp_meter_init(&g_fx.m, &no_ops, &g_fx.cfg, &g_fx.b.clock.now), OMP_ERR_ARG);
}

static void test_init_bad_cfg(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    for (int k = 0; k < 22; k++) {
        struct omp_meter_cfg c = g_fx.cfg;
        switch (k) {
        case 0: c.meter_number = 0u; break;
        case 1: c.meter_number = 100000000u; break;
        case 2: c.utc_offset_min = 17; break;           /* not a whole or half hour */
        case 3: c.utc_offset_min = 15 * 60; break;      /* beyond +14:00 */
        case 4: c.utc_offset_min = -13 * 60; break;     /* beyond -12:00 */
        case 5: c.dst_rule = (enum omp_dst_rule)2; break;
        case 6: c.energy_digits = 7u; c.energy_decimals = 1u; break; /* not a Z1 code */
        case 7: c.energy_digits = 6u; c.energy_decimals = 2u; break;
        case 8: c.energy_digits = 8u; c.energy_decimals = 1u; break;
        case 9: c.energy_digits = 7u; c.energy_decimals = 3u; break;
        case 10: c.pulse_width_ms = 50u; break;
        case 11: c.pulse_width_ms = 0u; break;
        case 12: c.sample_rate_hz = 0u; break;
        case 13: c.sample_rate_hz = 99u; break;
        case 14: c.sample_rate_hz = 65537u; break;
        case 15: c.volts_per_code = 0.0f; break;
        case 16: c.volts_per_code = -1.0f; break;
        case 17: c.volts_per_code = NAN; break;
        case 18: c.amps_per_code = INFINITY; break;
        case 19: c.amps_per_code = 0.0f; break;
        case 20: c.amps_per_code = -NAN; break;
        default: c.meter_number = 0xFFFFFFFFu; break;
        }
        assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_ARG);
    }
    /* the rejected inits wrote nothing to the NVM */
    assert_int_equal(g_fx.b.nvm.programmed_bytes, 0u);
    /* every Z1 code and both Z8 widths, half-hour and extreme offsets are accepted */
    static const uint8_t z1[4][2] = { { 7, 0 }, { 6, 1 }, { 7, 2 }, { 6, 3 } };
    for (int k = 0; k < 4; k++) {
        struct omp_meter_cfg c = g_fx.cfg;
        c.energy_digits = z1[k][0];
        c.energy_decimals = z1[k][1];
        c.pulse_width_ms = (k & 1) ? 80u : 30u;
        c.utc_offset_min = (k == 0) ? 330 : (k == 1) ? -12 * 60 : (k == 2) ? 14 * 60 : 0;
        c.dst_rule = (k & 1) ? OMP_DST_NONE : OMP_DST_EU;
        assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_OK);
    }
}

static void test_init_bad_region(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    struct omp_meter_cfg c = g_fx.cfg;
    c.nvm_sectors = 1u; /* a ring needs two sectors */
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_RANGE);
    c.nvm_sectors = SECTORS + 1u;
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_RANGE);
    c.nvm_sectors = 2u;
    c.nvm_base = 8u; /* not sector aligned */
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_RANGE);
    c.nvm_base = 3u * SECTOR; /* only one sector left */
    c.nvm_sectors = 0u;
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_RANGE);
    c.nvm_base = SIZE;
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_RANGE);
    /* sectors smaller than a record */
    struct omp_nvm_geometry small = { 512u, 32u, 4u, 0xFFu, 100000u };
    static uint8_t mem[512];
    static struct omp_fake_board b;
    assert_int_equal(omp_fake_board_init(&b, mem, &small, NULL, 0), OMP_OK);
    struct omp_hal hal = omp_fake_board_hal(&b);
    assert_int_equal(omp_meter_init(&g_fx.m, &hal, &g_fx.cfg, &b.clock.now), OMP_ERR_RANGE);
    /* a region in the upper half leaves the lower half untouched */
    memset(g_fx.mem, 0x3C, 2u * SECTOR);
    c.nvm_base = 2u * SECTOR;
    c.nvm_sectors = 2u;
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_OK);
    assert_int_equal(omp_meter_flush(&g_fx.m), OMP_OK);
    for (size_t a = 0; a < 2u * SECTOR; a++) {
        assert_int_equal(g_fx.mem[a], 0x3C);
    }
    assert_int_equal(g_fx.erases[0] + g_fx.erases[1], 0u);
    assert_int_equal(g_fx.erases[2], 1u);
}

/* ---- energy ------------------------------------------------------------------------------------ */

/*
 * 230 V rms, 10 A rms, 50 Hz at 8 kHz for 60 s. Whole cycles of equally spaced samples make the
 * discrete mean of v*i exactly U*I*cos(phi), so the expected energy is P*t = U*I*cos(phi)*60 s.
 * Tolerance: the register is truncated to whole mWh (the rest, < 1 mWh, is in the residue), and
 * rounding v and i to integer codes changes each product by at most 0.5*|i| + 0.5*|v| + 0.25
 * codes^2 <= (0.5*0.99e6 + 0.5*4.55e6 + 0.25) * (600*120/2^46) W = 2.9 mW, i.e. <= 0.05 mWh over
 * 60 s. So expected - 1.05 mWh <= register <= expected + 0.05 mWh.
 */
static void check_sine_energy(double phi_deg, double cos_phi)
{
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, phi_deg);
    run_sine(f, 60u);
    double p_w = 230.0 * 10.0 * cos_phi;
    double want_mwh = p_w * 60.0 / 3.6;
    struct omp_meter_snapshot s = snap(&f->m);
    double got = (double)(p_w >= 0.0 ? s.a_plus_mwh : s.a_minus_mwh);
    assert_true(got >= (want_mwh < 0 ? -want_mwh : want_mwh) - 1.05);
    assert_true(got <= (want_mwh < 0 ? -want_mwh : want_mwh) + 0.05);
    assert_int_equal(p_w >= 0.0 ? s.a_minus_mwh : s.a_plus_mwh, 0u);
    /* last second's measurements (float: relative 1e-4) */
    assert_true(s.urms_v > 230.0f * 0.9999f && s.urms_v < 230.0f * 1.0001f);
    assert_true(s.irms_a > 10.0f * 0.9999f && s.irms_a < 10.0f * 1.0001f);
    assert_true(s.p_w > (float)p_w - 0.01f && s.p_w < (float)p_w + 0.01f);
    /* pulses: 1000 imp/kWh = one per Wh, both directions on the active LED */
    assert_int_equal(f->b.pulses[OMP_PULSE_LED_ACTIVE], (s.a_plus_mwh + s.a_minus_mwh) / 1000u);
    assert_int_equal(f->b.last_pulse_width_ms, 30u);
    assert_int_equal(f->b.crit_depth, 0u);
    assert_int_equal(f->b.crit_max_depth, 1u);
}

static void test_energy_sine_phase_0(void **state)
{
    (void)state;
    check_sine_energy(0.0, 1.0);
}

static void test_energy_sine_phase_60(void **state)
{
    (void)state;
    check_sine_energy(60.0, 0.5);
}

static void test_energy_sine_phase_180_export(void **state)
{
    (void)state;
    check_sine_energy(180.0, -1.0);
    struct omp_display_frame fr;
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & (OMP_SYM_EXPORT | OMP_SYM_IMPORT | OMP_SYM_LOAD | OMP_SYM_SUPPLY),
                     OMP_SYM_EXPORT | OMP_SYM_LOAD | OMP_SYM_SUPPLY);
}

/*
 * About 3 W (below 3.6 W, so every second adds less than 1 mWh) for 10 hours: without the carry
 * the register would stay 0. The register plus the residue must equal the sum of the per-second
 * energies exactly (each second is the same block, rounded once to whole uWs), and the register
 * must match P*t within 1 mWh.
 */
static void test_energy_tiny_power_no_rounding_loss(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    g_fx.cfg.sample_rate_hz = 1000u;
    fx_start(&g_fx);
    const int32_t v = 3200000, i = 916;
    const unsigned seconds = 36000u;
    run_dc(&g_fx, v, i, seconds);
    double k = (double)g_fx.cfg.volts_per_code * (double)g_fx.cfg.amps_per_code;
    double p_w = (double)v * (double)i * k;
    assert_true(p_w > 2.99 && p_w < 3.0);
    double e_uws = 1000.0 * (double)v * (double)i * k * 1e6 / 1000.0;
    int64_t per_s = (int64_t)(e_uws + 0.5);
    struct omp_meter_snapshot s = snap(&g_fx.m);
    assert_int_equal((int64_t)s.a_plus_mwh * 3600000 + g_fx.m.residue_uws, per_s * seconds);
    double want = p_w * seconds / 3.6;
    assert_true((double)s.a_plus_mwh <= want && (double)s.a_plus_mwh >= want - 1.0);
    assert_int_equal(s.a_minus_mwh, 0u);
    assert_int_equal(g_fx.b.pulses[OMP_PULSE_LED_ACTIVE], s.a_plus_mwh / 1000u);
}

static void test_energy_late_tick_loses_nothing(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    /* 5 seconds of samples, but tick only once after 5.5 s */
    for (int c = 0; c < 250; c++) {
        omp_meter_on_samples(&f->m, g_cycle, SPC);
    }
    omp_fake_clock_advance_ms(&f->b.clock, 5500u);
    omp_meter_tick(&f->m, &f->b.clock.now);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    struct omp_meter_snapshot s = snap(&f->m);
    double want = 2300.0 * 5.0 / 3.6;
    assert_true((double)s.a_plus_mwh >= want - 1.05 && (double)s.a_plus_mwh <= want + 0.05);
    assert_true(s.p_w > 2299.9f && s.p_w < 2300.1f);
    assert_int_equal(f->m.last_second_ms, 5000u);
}

/* ---- persistence ------------------------------------------------------------------------------- */

static void test_restart_continuity(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 60u);
    make_sine(&f->cfg, 230.0, 10.0, 180.0);
    run_sine(f, 20u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    struct omp_meter_snapshot before = snap(&f->m);
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    struct omp_meter_snapshot after = snap(&m2);
    assert_int_equal(after.a_plus_mwh, before.a_plus_mwh);
    assert_int_equal(after.a_minus_mwh, before.a_minus_mwh);
    assert_int_equal(after.hours_with_supply, before.hours_with_supply);
    assert_int_equal(m2.supply_s, f->m.supply_s);
    assert_int_equal(after.power_ups, before.power_ups + 1u);
    assert_true(before.a_plus_mwh > 0u && before.a_minus_mwh > 0u);
}

static void test_restart_without_flush_keeps_last_save(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 100u);
    struct omp_meter_snapshot s = snap(&f->m);
    /* saves happen at each 10 Wh step of the 7.2 display: 1 at init + one per step */
    assert_int_equal(s.nvm_saves, 1u + s.a_plus_mwh / 10000u);
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    struct omp_meter_snapshot r = snap(&m2);
    assert_true(r.a_plus_mwh <= s.a_plus_mwh);
    assert_true(s.a_plus_mwh - r.a_plus_mwh < 10000u + 640u); /* < one step + one second */
    assert_int_equal(r.a_plus_mwh / 10000u, s.a_plus_mwh / 10000u);
}

static void test_power_fail_input_saves(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 3u); /* ~1.9 Wh: below the display step, nothing saved yet */
    assert_int_equal(snap(&f->m).nvm_saves, 1u);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(snap(&f->m).nvm_saves, 2u);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true); /* level, no new edge */
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(snap(&f->m).nvm_saves, 2u);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, false);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(snap(&f->m).nvm_saves, 3u);
    omp_meter_on_input(&f->m, OMP_INPUT_BUTTON, true);
    assert_int_equal(f->m.inputs, (1u << OMP_INPUT_POWER_FAIL) | (1u << OMP_INPUT_BUTTON));
    omp_meter_on_input(&f->m, OMP_INPUT_COUNT, true); /* ignored */
    /* the saved value is the exact register, restored by the next start */
    uint64_t a = snap(&f->m).a_plus_mwh;
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(snap(&m2).a_plus_mwh, a);
}

static void test_save_failure_is_retried(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true);
    omp_ram_nvm_cut_after(&f->b.nvm, 1u);
    assert_int_equal(omp_meter_poll(&f->m), OMP_ERR_POWER_LOST);
    assert_int_equal(snap(&f->m).nvm_saves, 1u);
    omp_ram_nvm_power_on(&f->b.nvm);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(snap(&f->m).nvm_saves, 2u);
}

/*
 * Power cut at every byte of a save (records are 64 bytes, one program call), with the save in
 * the middle of a sector and at the start of a sector (erase first), for program units 1, 8 and
 * 16. After power returns a new meter must start, with the old or the new registers, never less
 * than the old, and carry on saving past the torn slot.
 */
static void test_power_cut_every_byte_of_save(void **state)
{
    (void)state;
    static const uint32_t units[] = { 1u, 8u, 16u };
    static struct omp_meter m2, m3;
    for (size_t u = 0; u < OMP_ARRAY_LEN(units); u++) {
        struct omp_nvm_geometry geo = k_geo;
        geo.program_unit = units[u];
        for (unsigned pre_saves = 1u; pre_saves <= 3u; pre_saves++) {
            for (uint64_t nth = 1u; nth <= REC_SIZE; nth++) {
                fx_board(&g_fx, &geo, T_2024_01_15_12Z);
                fx_start(&g_fx); /* record in slot 0 */
                make_sine(&g_fx.cfg, 230.0, 10.0, 0.0);
                /* pre_saves 1, 2: newest at slot 1, 2 (next save mid-sector);
                 * 3: newest at slot 3 (next save at slot 4 = start of sector 1, erased first) */
                for (unsigned k = 0; k < pre_saves; k++) {
                    run_sine(&g_fx, 1u);
                    assert_int_equal(omp_meter_flush(&g_fx.m), OMP_OK);
                }
                uint64_t old_a = snap(&g_fx.m).a_plus_mwh;
                run_sine(&g_fx, 2u);
                uint64_t new_a = snap(&g_fx.m).a_plus_mwh;
                assert_true(new_a > old_a);
                omp_ram_nvm_cut_after(&g_fx.b.nvm, nth);
                assert_int_equal(omp_meter_flush(&g_fx.m), OMP_ERR_POWER_LOST);
                omp_ram_nvm_power_on(&g_fx.b.nvm);

                assert_int_equal(omp_meter_init(&m2, &g_fx.hal, &g_fx.cfg, &g_fx.b.clock.now),
                                 OMP_OK);
                struct omp_meter_snapshot s = snap(&m2);
                assert_true(s.a_plus_mwh == old_a || s.a_plus_mwh == new_a);
                assert_int_equal(s.power_ups, 2u);
                assert_int_equal(s.a_minus_mwh, 0u);
                /* carry on: more energy, save, restart again */
                g_fx.m = m2;
                run_sine(&g_fx, 1u);
                assert_int_equal(omp_meter_flush(&g_fx.m), OMP_OK);
                uint64_t later = snap(&g_fx.m).a_plus_mwh;
                assert_int_equal(omp_meter_init(&m3, &g_fx.hal, &g_fx.cfg, &g_fx.b.clock.now),
                                 OMP_OK);
                assert_int_equal(snap(&m3).a_plus_mwh, later);
                assert_int_equal(snap(&m3).power_ups, 3u);
            }
        }
    }
}

/* A cut during init's own power-up save: the meter starts on the next try, counters intact. */
static void test_power_cut_during_init_save(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    for (uint64_t nth = 1u; nth <= REC_SIZE; nth++) {
        uint32_t pu = snap(&f->m).power_ups;
        omp_ram_nvm_cut_after(&f->b.nvm, nth);
        assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now),
                         OMP_ERR_POWER_LOST);
        omp_ram_nvm_power_on(&f->b.nvm);
        fx_start(f);
        uint32_t now_pu = snap(&f->m).power_ups;
        assert_true(now_pu == pu + 1u || now_pu == pu + 2u);
    }
}

static void test_ring_wrap_and_wear(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    static struct omp_meter m2;
    for (unsigned k = 0; k < 1000u; k++) {
        if (k % 50u == 0u) {
            run_sine(f, 1u);
        }
        assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
        if (k % 97u == 0u) { /* restart now and then, anywhere in the ring */
            struct omp_meter_snapshot s = snap(&f->m);
            assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
            assert_int_equal(snap(&m2).a_plus_mwh, s.a_plus_mwh);
            assert_int_equal(snap(&m2).power_ups, s.power_ups + 1u);
            f->m = m2;
        }
    }
    struct omp_meter_snapshot s = snap(&f->m);
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(snap(&m2).a_plus_mwh, s.a_plus_mwh);
    assert_int_equal(snap(&m2).hours_with_supply, s.hours_with_supply);
    /* erases are spread evenly over the ring: one per entry into a sector */
    uint32_t lo = UINT32_MAX, hi = 0, total = 0;
    for (size_t k = 0; k < SECTORS; k++) {
        lo = f->erases[k] < lo ? f->erases[k] : lo;
        hi = f->erases[k] > hi ? f->erases[k] : hi;
        total += f->erases[k];
    }
    assert_true(hi - lo <= 1u);
    assert_true(total >= 1000u / 4u);
    assert_true(total <= (1000u + 20u) / 4u + 2u);
}

static void test_corrupt_record_ignored(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 2u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK); /* slot 1 */
    uint64_t a1 = snap(&f->m).a_plus_mwh;
    run_sine(f, 2u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK); /* slot 2 */
    f->mem[2u * REC_SIZE + 12u] ^= 0x01u;             /* flip a bit of slot 2's A+ field */
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(snap(&m2).a_plus_mwh, a1);
    /* an NVM of garbage starts from zero */
    memset(f->mem, 0x00, SIZE);
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(snap(&m2).a_plus_mwh, 0u);
    assert_int_equal(snap(&m2).power_ups, 1u);
}

/* ---- counters and thresholds ------------------------------------------------------------------- */

static void test_hour_counter(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    g_fx.cfg.sample_rate_hz = 1000u;
    fx_start(&g_fx);
    run_dc(&g_fx, 3215633, 0, 3599u); /* 230 V, no load */
    assert_int_equal(snap(&g_fx.m).hours_with_supply, 0u);
    assert_int_equal(snap(&g_fx.m).nvm_saves, 1u);
    run_dc(&g_fx, 3215633, 0, 1u);
    assert_int_equal(snap(&g_fx.m).hours_with_supply, 1u);
    assert_int_equal(snap(&g_fx.m).nvm_saves, 2u); /* the hour counter moving saves */
    assert_int_equal(g_fx.m.supply_s, 0u);
    run_dc(&g_fx, 0, 0, 1800u); /* no supply: no progress */
    run_dc(&g_fx, 3215633, 0, 1800u);
    assert_int_equal(snap(&g_fx.m).hours_with_supply, 1u);
    assert_int_equal(g_fx.m.supply_s, 1800u);
    /* the partial hour survives a restart */
    assert_int_equal(omp_meter_flush(&g_fx.m), OMP_OK);
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &g_fx.hal, &g_fx.cfg, &g_fx.b.clock.now), OMP_OK);
    assert_int_equal(m2.supply_s, 1800u);
    assert_int_equal(snap(&m2).hours_with_supply, 1u);
}

static void test_supply_threshold_160v(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    g_fx.cfg.sample_rate_hz = 1000u;
    fx_start(&g_fx);
    const int32_t v159 = 2222000; /* 158.9 V */
    const int32_t v161 = 2251000; /* 161.0 V */
    struct omp_display_frame fr;
    run_dc(&g_fx, v159, 0, 10u);
    assert_int_equal(g_fx.m.supply_s, 0u);
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & OMP_SYM_SUPPLY, 0u);
    run_dc(&g_fx, -v161, 0, 10u); /* sign does not matter for rms */
    assert_int_equal(g_fx.m.supply_s, 10u);
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & OMP_SYM_SUPPLY, OMP_SYM_SUPPLY);
    assert_true(snap(&g_fx.m).urms_v > 160.9f && snap(&g_fx.m).urms_v < 161.1f);
}

static void test_load_threshold_2w3(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    g_fx.cfg.sample_rate_hz = 1000u;
    fx_start(&g_fx);
    struct omp_display_frame fr;
    run_dc(&g_fx, 3200000, 700, 1u); /* 2.29 W */
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & (OMP_SYM_LOAD | OMP_SYM_IMPORT | OMP_SYM_EXPORT), 0u);
    run_dc(&g_fx, 3200000, 705, 1u); /* 2.31 W */
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & (OMP_SYM_LOAD | OMP_SYM_IMPORT | OMP_SYM_EXPORT),
                     OMP_SYM_LOAD | OMP_SYM_IMPORT);
}

static void test_pulse_width_80(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    g_fx.cfg.pulse_width_ms = 80u;
    fx_start(&g_fx);
    make_sine(&g_fx.cfg, 230.0, 10.0, 0.0);
    run_sine(&g_fx, 10u); /* 6.39 Wh */
    assert_int_equal(g_fx.b.pulses[OMP_PULSE_LED_ACTIVE], 6u);
    assert_int_equal(g_fx.b.last_pulse_width_ms, 80u);
    assert_int_equal(g_fx.b.pulses[OMP_PULSE_LED_REACTIVE], 0u);
}

/* ---- display ----------------------------------------------------------------------------------- */

static void test_display_energy_format(void **state)
{
    (void)state;
    static const struct {
        uint8_t digits, decimals;
        uint64_t mwh;
        const char *want;
    } cases[] = {
        { 7, 2, 0u, "0000000.00" },
        { 7, 2, 12345678u, "0000012.34" },          /* 12.345678 kWh, truncated */
        { 6, 3, 12345678u, "000012.345" },
        { 7, 0, 12345678u, "0000012" },
        { 6, 1, 12345678u, "000012.3" },
        { 7, 2, 123456789012u, "0123456.78" },
        { 7, 2, 12345678901234u, "2345678.90" },    /* 12345678.9 kWh: 7 digits roll over */
        { 6, 3, 999999999999u, "999999.999" },
    };
    for (size_t k = 0; k < OMP_ARRAY_LEN(cases); k++) {
        fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
        g_fx.cfg.energy_digits = cases[k].digits;
        g_fx.cfg.energy_decimals = cases[k].decimals;
        fx_start(&g_fx);
        g_fx.m.a_plus_mwh = cases[k].mwh; /* white box: set the register directly */
        assert_int_equal(omp_meter_poll(&g_fx.m), OMP_OK);
        assert_string_equal(g_fx.b.display.id, "1.8.0");
        assert_string_equal(g_fx.b.display.value, cases[k].want);
        assert_string_equal(g_fx.b.display.unit, "kWh");
        struct omp_display_frame fr;
        assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
        assert_string_equal(fr.value, cases[k].want);
    }
}

static void expect_screen(struct fx *f, const char *id, const char *value, const char *unit)
{
    struct omp_display_frame fr;
    assert_int_equal(omp_meter_display(&f->m, &fr), OMP_OK);
    assert_string_equal(fr.id, id);
    assert_string_equal(fr.value, value);
    assert_string_equal(fr.unit, unit);
    assert_string_equal(f->b.display.id, id);
    assert_string_equal(f->b.display.value, value);
    assert_string_equal(f->b.display.unit, unit);
}

static void test_display_scroll(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    expect_screen(f, "1.8.0", "0000000.00", "kWh");
    assert_int_equal(f->b.display.shown, 1u);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(f->b.display.shown, 1u); /* unchanged screen is not sent again */
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 9u); /* 5.75 Wh: the 7.2 display does not change */
    expect_screen(f, "1.8.0", "0000000.00", "kWh");
    run_sine(f, 1u); /* 10 s: next screen */
    expect_screen(f, "2.8.0", "0000000.00", "kWh");
    run_sine(f, 10u);
    expect_screen(f, "0.9.1", "13:00:20", ""); /* UTC+1, winter */
    run_sine(f, 1u);
    expect_screen(f, "0.9.1", "13:00:21", ""); /* the clock screen follows the clock */
    run_sine(f, 9u);
    expect_screen(f, "0.9.2", "24.01.15", "");
    run_sine(f, 10u);
    expect_screen(f, "1.7.0", "2.300", "kW");
    assert_int_equal(f->b.display.symbols, OMP_SYM_SUPPLY | OMP_SYM_LOAD | OMP_SYM_IMPORT);
    run_sine(f, 10u);
    expect_screen(f, "1.8.0", "0000000.03", "kWh"); /* 60 s at 2.3 kW = 38.3 Wh */
}

static void test_display_summer_time_and_snapshot(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_07_01_12Z);
    fx_start(&g_fx);
    make_sine(&g_fx.cfg, 230.0, 10.0, 60.0);
    run_sine(&g_fx, 25u);
    expect_screen(&g_fx, "0.9.1", "14:00:25", ""); /* UTC+1 + DST */
    struct omp_meter_snapshot s = snap(&g_fx.m);
    assert_int_equal(s.utc_s, T_2024_07_01_12Z + 25);
    assert_true(s.dst_active);
    assert_int_equal(s.local.year, 2024u);
    assert_int_equal(s.local.month, 7u);
    assert_int_equal(s.local.day, 1u);
    assert_int_equal(s.local.hour, 14u);
    assert_int_equal(s.local.minute, 0u);
    assert_int_equal(s.local.second, 25u);
    assert_int_equal(s.local.wday, OMP_MONDAY);
    assert_true(s.p_w > 1149.9f && s.p_w < 1150.1f);
    assert_int_equal(s.power_ups, 1u);
    assert_int_equal(s.nvm_saves, 1u);
    /* no valid RTC: placeholders */
    g_fx.b.clock.now.rtc_valid = false;
    run_sine(&g_fx, 1u);
    expect_screen(&g_fx, "0.9.1", "--:--:--", "");
    assert_int_equal(omp_meter_snapshot(NULL, &s), OMP_ERR_ARG);
    assert_int_equal(omp_meter_snapshot(&g_fx.m, NULL), OMP_ERR_ARG);
}

static void test_on_rx_unsupported(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    const uint8_t b[3] = { '/', '?', '!' };
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_OPTICAL, b, sizeof b), OMP_ERR_UNSUPPORTED);
    assert_int_equal(omp_meter_on_rx(NULL, OMP_PORT_OPTICAL, b, sizeof b), OMP_ERR_ARG);
    assert_int_equal(omp_meter_on_rx(&f->m, OMP_PORT_COUNT, b, sizeof b), OMP_ERR_ARG);
    assert_int_equal(omp_meter_poll(NULL), OMP_ERR_ARG);
    assert_int_equal(omp_meter_flush(NULL), OMP_ERR_ARG);
    struct omp_display_frame fr;
    assert_int_equal(omp_meter_display(NULL, &fr), OMP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg_default),
        cmocka_unit_test(test_init_fresh),
        cmocka_unit_test(test_init_missing_required_op),
        cmocka_unit_test(test_init_bad_cfg),
        cmocka_unit_test(test_init_bad_region),
        cmocka_unit_test(test_energy_sine_phase_0),
        cmocka_unit_test(test_energy_sine_phase_60),
        cmocka_unit_test(test_energy_sine_phase_180_export),
        cmocka_unit_test(test_energy_tiny_power_no_rounding_loss),
        cmocka_unit_test(test_energy_late_tick_loses_nothing),
        cmocka_unit_test(test_restart_continuity),
        cmocka_unit_test(test_restart_without_flush_keeps_last_save),
        cmocka_unit_test(test_power_fail_input_saves),
        cmocka_unit_test(test_save_failure_is_retried),
        cmocka_unit_test(test_power_cut_every_byte_of_save),
        cmocka_unit_test(test_power_cut_during_init_save),
        cmocka_unit_test(test_ring_wrap_and_wear),
        cmocka_unit_test(test_corrupt_record_ignored),
        cmocka_unit_test(test_hour_counter),
        cmocka_unit_test(test_supply_threshold_160v),
        cmocka_unit_test(test_load_threshold_2w3),
        cmocka_unit_test(test_pulse_width_80),
        cmocka_unit_test(test_display_energy_format),
        cmocka_unit_test(test_display_scroll),
        cmocka_unit_test(test_display_summer_time_and_snapshot),
        cmocka_unit_test(test_on_rx_unsupported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
