/*
 * Tests of the composition root (lib/meter/meter.c, on the metrology engine) on the fake board:
 * init checks, every energy register from synthetic sine waves against the analytic values
 * (U*I*cos(phi)*t, U*I*sin(phi)*t, U*I*t), no rounding loss, persistence of every register and
 * of the clock across restarts, rejection of earlier record layouts, power cuts at every byte of
 * a save, journal wrap and wear, the save policy's endurance budget, hour counter, supply and load
 * thresholds, quadrant symbols, both pulse LEDs, display, tariffs (calendar split at the switch,
 * module inputs), debiting through the meter, clock set, pulse and debiting-stop inputs. The
 * power-cut torture of a whole month is in test_meter_torture*.c.
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

#define SECTOR 4096u
#define SECTORS 16u
#define SIZE (SECTOR * SECTORS) /* 64 KiB: 7 journal, 3 mirror, 2 settings, 4 billing log */
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

static struct omp_meter_nvm_info nvm_info(const struct omp_meter *m)
{
    struct omp_meter_nvm_info i;
    assert_int_equal(omp_meter_nvm_info(m, &i), OMP_OK);
    return i;
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

/* One mains cycle (50 Hz) of interleaved codes: v = Vp sin(wt), i = Ip sin(wt - phi). */
#define SPC_MAX (32000 / 50)
static int32_t g_cycle[2 * SPC_MAX];
static int g_spc; /* samples per cycle at the configured rate */

static void make_sine(const struct omp_meter_cfg *cfg, double urms, double irms, double phi_deg)
{
    assert_int_equal(cfg->sample_rate_hz % 50u, 0u);
    g_spc = (int)(cfg->sample_rate_hz / 50u);
    assert_true(g_spc <= SPC_MAX);
    double phi = phi_deg * PI / 180.0;
    double vp = urms * 1.4142135623730951 / (double)cfg->cal.v_gain;
    double ip = irms * 1.4142135623730951 / (double)cfg->cal.i_gain;
    for (int k = 0; k < g_spc; k++) {
        double th = 2.0 * PI * (double)k / (double)g_spc;
        g_cycle[2 * k] = round_code(vp * t_sin(th));
        g_cycle[2 * k + 1] = round_code(ip * t_sin(th - phi));
    }
}

/* Feed @p seconds of the cycle in g_cycle (50 cycles a second), ticking and polling each 100 ms
 * (the engine queues OMP_METRO_CYCLE_QUEUE cycles: the meter sees every one). */
static void run_sine(struct fx *f, unsigned seconds)
{
    for (unsigned s = 0; s < seconds; s++) {
        for (int t = 0; t < 10; t++) {
            for (int c = 0; c < 5; c++) {
                omp_meter_on_samples(&f->m, g_cycle, (size_t)g_spc);
            }
            omp_fake_clock_advance_ms(&f->b.clock, 100u);
            omp_meter_tick(&f->m, &f->b.clock.now);
            assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
        }
    }
}

/* Mean of v*i of the codes in g_cycle times the gains: the power the samples carry, W. */
static double cycle_power(const struct omp_meter_cfg *cfg)
{
    double sum = 0.0;
    for (int k = 0; k < g_spc; k++) {
        sum += (double)g_cycle[2 * k] * (double)g_cycle[2 * k + 1];
    }
    return sum / (double)g_spc * (double)cfg->cal.v_gain * (double)cfg->cal.i_gain;
}

/* |got - want| <= tol, printed on failure. */
static void expect_near(const char *what, double got, double want, double tol)
{
    double d = got - want;
    if (d < -tol || d > tol) {
        print_error("%s: got %.6f, want %.6f +- %.6f\n", what, got, want, tol);
        fail();
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
    assert_int_equal(c.mains_hz, OMP_CONFIG_MAINS_HZ);
    assert_true(c.cal.v_gain == 600.0f / 8388608.0f);
    assert_true(c.cal.i_gain == 120.0f / 8388608.0f);
    assert_true(c.cal.phase_deg == 0.0f);
    assert_int_equal(c.cal.v_offset, 0);
    assert_int_equal(c.cal.i_offset, 0);
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
    /* the first start: the legal record, the clock's state record, a cold checkpoint and its
     * copy in the mirror */
    assert_int_equal(s.nvm_saves, 4u);
    assert_int_equal(f->m.persist.mirror_saves, 1u);
    assert_int_equal(f->m.persist.cold_saves, 1u);
    assert_int_equal(f->m.persist.hot_saves, 0u);
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
    for (int k = 0; k < 24; k++) {
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
        case 13: c.sample_rate_hz = 1000u; break;   /* below the engine's 2000 Hz */
        case 14: c.sample_rate_hz = 65536u; break;  /* above its 32000 Hz */
        case 15: c.cal.v_gain = 0.0f; break;
        case 16: c.cal.v_gain = -1.0f; break;
        case 17: c.cal.v_gain = NAN; break;
        case 18: c.cal.i_gain = INFINITY; break;
        case 19: c.cal.i_gain = 0.0f; break;
        case 20: c.cal.i_gain = -NAN; break;
        case 21: c.mains_hz = 0u; break;
        case 22: c.cal.phase_deg = NAN; break;
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
        memset(g_fx.mem, 0xFF, SIZE); /* the display resolution is legal data: a new meter */
        assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_OK);
    }
}

/* The region must hold the billing log (ceil(36 / 12 snapshots per 4 KiB sector) + 1 = 4 sectors
 * here: 320-byte entries), the settings store (its largest records, two calendars and the display
 * lists, about 1.9 KiB, twice over plus a spare sector: 2 sectors of 4 KiB), the mirror (3
 * sectors: omp_regs_mirror_sectors, docs/storage.md "The mirror") and at least 3 journal
 * sectors: 12 sectors of at least 1 KiB. */
static void test_init_bad_region(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    assert_int_equal(omp_store_record_size(&k_geo, OMP_REGS_SNAPSHOT_LEN), 320u);
    struct omp_meter_cfg c = g_fx.cfg;
    c.nvm_sectors = 11u;
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_RANGE);
    c.nvm_sectors = SECTORS + 1u;
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_RANGE);
    c.nvm_sectors = 12u;
    c.nvm_base = 8u; /* not sector aligned */
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_RANGE);
    c.nvm_base = 5u * SECTOR; /* only eleven sectors left */
    c.nvm_sectors = 0u;
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_RANGE);
    c.nvm_base = SIZE;
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_ERR_RANGE);
    /* sectors smaller than 1 KiB */
    struct omp_nvm_geometry small = { 16384u, 512u, 4u, 0xFFu, 100000u };
    static uint8_t mem[16384];
    static struct omp_fake_board b;
    assert_int_equal(omp_fake_board_init(&b, mem, &small, NULL, 0), OMP_OK);
    struct omp_hal hal = omp_fake_board_hal(&b);
    assert_int_equal(omp_meter_init(&g_fx.m, &hal, &g_fx.cfg, &b.clock.now), OMP_ERR_RANGE);
    /* nothing was written by the refused starts */
    assert_int_equal(g_fx.b.nvm.programmed_bytes, 0u);
    assert_int_equal(g_fx.b.nvm.erase_calls, 0u);
    /* the smallest region, in the upper half, leaves the rest untouched */
    memset(g_fx.mem, 0x3C, 4u * SECTOR);
    c.nvm_base = 4u * SECTOR;
    c.nvm_sectors = 12u;
    assert_int_equal(omp_meter_init(&g_fx.m, &g_fx.hal, &c, &g_fx.b.clock.now), OMP_OK);
    struct omp_meter_nvm_info i;
    assert_int_equal(omp_meter_nvm_info(&g_fx.m, &i), OMP_OK);
    assert_int_equal(i.journal_sectors, 3u);
    assert_int_equal(i.settings_sectors, 2u);
    assert_int_equal(i.log_sectors, 4u);
    make_sine(&g_fx.cfg, 230.0, 10.0, 0.0);
    run_sine(&g_fx, 2u);
    assert_int_equal(omp_meter_flush(&g_fx.m), OMP_OK);
    for (size_t a = 0; a < 4u * SECTOR; a++) {
        assert_int_equal(g_fx.mem[a], 0x3C);
    }
    for (size_t k = 0; k < 4u; k++) {
        assert_int_equal(g_fx.erases[k], 0u);
    }
}

/* ---- energy ------------------------------------------------------------------------------------ */

/*
 * 230 V rms, 10 A rms, 50 Hz at 8 kHz for 60 s, current lagging by phi. Expected registers are
 * the analytic ones: A = U*I*cos(phi)*t, R = U*I*sin(phi)*t (Q1 = U1*I1*sin(phi1) of a pure
 * sine), E = U*I*t, each in the register of its direction/quadrant, the others zero.
 * Tolerance per register: the last cycle may still be open in the engine (energy is added at
 * each cycle's closing zero crossing, and the last crossing comes with the next cycle), so up to
 * one cycle's energy (20 ms) may be missing; plus 0.01 % of the value for the engine's gates and
 * filters and the rounding of the codes (<= 2.9 mW, see the foundation's bound), plus 1 mWh.
 */
static double cycle_uwh(double w) /* energy of one 20 ms cycle at w watts, micro-units */
{
    return (w < 0.0 ? -w : w) * 0.02 / 3600.0 * 1e6;
}

static void expect_register(const char *what, uint64_t got_u, double want_w, double seconds)
{
    double want_u = (want_w < 0.0 ? -want_w : want_w) * seconds / 3600.0 * 1e6;
    double got = (double)got_u;
    double tol = cycle_uwh(want_w) + 1e-4 * want_u + 1000.0;
    if (got > want_u + 1e-4 * want_u + 1000.0 || got < want_u - tol) {
        print_error("%s: got %.0f u, want %.0f u (-%.0f .. +%.0f)\n", what, got, want_u, tol,
                    1e-4 * want_u + 1000.0);
        fail();
    }
}

static void check_sine_energy(double phi_deg, double cos_phi, double sin_phi)
{
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, phi_deg);
    run_sine(f, 60u);
    const double u = 230.0, i = 10.0, t = 60.0;
    double p_w = u * i * cos_phi;
    double q_var = u * i * sin_phi;
    double s_va = u * i;
    struct omp_meter_snapshot s = snap(&f->m);
    const struct omp_metro_energy *e = &s.energy;
    expect_register("A+", e->a_plus_uwh, p_w > 1.0 ? p_w : 0.0, t);
    expect_register("A-", e->a_minus_uwh, p_w < -1.0 ? p_w : 0.0, t);
    expect_register("R+", e->r_plus_uvarh, q_var > 1.0 ? q_var : 0.0, t);
    expect_register("R-", e->r_minus_uvarh, q_var < -1.0 ? q_var : 0.0, t);
    expect_register("E+", e->e_plus_uvah, p_w > 1.0 ? s_va : 0.0, t);
    expect_register("E-", e->e_minus_uvah, p_w < -1.0 ? s_va : 0.0, t);
    /* per quadrant: Q1 (P+, Q+), Q2 (P-, Q+), Q3 (P-, Q-), Q4 (P+, Q-) */
    unsigned quad = 0;
    if (q_var > 1.0) {
        quad = p_w >= 0.0 ? 1u : 2u;
    } else if (q_var < -1.0) {
        quad = p_w < 0.0 ? 3u : 4u;
    }
    for (unsigned k = 0; k < 4u; k++) {
        expect_register("R1..R4", e->r_quadrant_uvarh[k], quad == k + 1u ? q_var : 0.0, t);
    }
    assert_int_equal(s.a_plus_mwh, e->a_plus_uwh / 1000u);
    assert_int_equal(s.a_minus_mwh, e->a_minus_uwh / 1000u);
    /* the last cycle's measurements */
    expect_near("Urms", (double)s.urms_v, u, u * 2e-4);
    expect_near("Irms", (double)s.irms_a, i, i * 2e-4);
    expect_near("P", (double)s.p_w, p_w, s_va * 2e-4);
    expect_near("Q", (double)s.q_var, q_var, s_va * 5e-4);
    expect_near("S", (double)s.s_va, s_va, s_va * 4e-4);
    expect_near("PF", (double)s.pf, cos_phi, 5e-4);
    expect_near("f", (double)s.f_hz, 50.0, 0.005);
    if (quad != 0u) {
        assert_int_equal(s.quadrant, quad);
    }
    assert_true(s.cycles >= 60u * 50u - 2u && s.cycles <= 60u * 50u);
    /* pulses: 1000 imp/kWh on the active LED, 1000 imp/kvarh on the reactive one (|A|, |R|) */
    uint64_t a_wh = (e->a_plus_uwh + e->a_minus_uwh) / 1000000u;
    uint64_t r_wh = (e->r_plus_uvarh + e->r_minus_uvarh) / 1000000u;
    assert_true(f->b.pulses[OMP_PULSE_LED_ACTIVE] + 1u >= a_wh &&
                f->b.pulses[OMP_PULSE_LED_ACTIVE] <= a_wh + 1u);
    assert_true(f->b.pulses[OMP_PULSE_LED_REACTIVE] + 1u >= r_wh &&
                f->b.pulses[OMP_PULSE_LED_REACTIVE] <= r_wh + 1u);
    assert_int_equal(f->b.last_pulse_width_ms, 30u);
    assert_int_equal(f->b.crit_depth, 0u);
    assert_int_equal(f->b.crit_max_depth, 1u);
}

static void test_energy_sine_phase_0(void **state)
{
    (void)state;
    check_sine_energy(0.0, 1.0, 0.0);
    struct omp_display_frame fr;
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & 0x3Fu, OMP_SYM_IMPORT | OMP_SYM_LOAD | OMP_SYM_SUPPLY);
}

static void test_energy_sine_phase_60(void **state)
{
    (void)state;
    check_sine_energy(60.0, 0.5, 0.8660254037844386);
    struct omp_display_frame fr;
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & 0x3Fu,
                     OMP_SYM_IMPORT | OMP_SYM_Q_INDUCTIVE | OMP_SYM_LOAD | OMP_SYM_SUPPLY);
}

static void test_energy_sine_capacitive_q4(void **state)
{
    (void)state;
    check_sine_energy(-60.0, 0.5, -0.8660254037844386);
    struct omp_display_frame fr;
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & 0x3Fu,
                     OMP_SYM_IMPORT | OMP_SYM_Q_CAPACITIVE | OMP_SYM_LOAD | OMP_SYM_SUPPLY);
}

static void test_energy_sine_export_q2_q3(void **state)
{
    (void)state;
    check_sine_energy(120.0, -0.5, 0.8660254037844386); /* Q2: export, inductive */
    struct omp_display_frame fr;
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & 0x3Fu,
                     OMP_SYM_EXPORT | OMP_SYM_Q_INDUCTIVE | OMP_SYM_LOAD | OMP_SYM_SUPPLY);
    check_sine_energy(240.0, -0.5, -0.8660254037844386); /* Q3: export, capacitive */
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & 0x3Fu,
                     OMP_SYM_EXPORT | OMP_SYM_Q_CAPACITIVE | OMP_SYM_LOAD | OMP_SYM_SUPPLY);
}

static void test_energy_sine_phase_180_export(void **state)
{
    (void)state;
    check_sine_energy(180.0, -1.0, 0.0);
    struct omp_display_frame fr;
    assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & 0x3Fu, OMP_SYM_EXPORT | OMP_SYM_LOAD | OMP_SYM_SUPPLY);
}

/*
 * 5 W (230 V, 21.7 mA, above the 3.45 W starting threshold) for an hour: a cycle carries 27.8 uWh,
 * so truncating each cycle to whole micro-units would lose up to 3.6 %. After 10 s (the starting
 * gate averages P, so the first second or so may not register: allowed, and excluded here) the
 * register must grow by P*t within one cycle and 0.01 %, with P the mean power of the codes fed
 * (computed here from the codes, not by the engine).
 */
static void test_energy_tiny_power_no_rounding_loss(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    fx_start(&g_fx);
    make_sine(&g_fx.cfg, 230.0, 5.0 / 230.0, 0.0);
    double p_w = cycle_power(&g_fx.cfg);
    expect_near("P of the codes", p_w, 5.0, 0.01);
    run_sine(&g_fx, 10u);
    uint64_t start = snap(&g_fx.m).energy.a_plus_uwh;
    assert_true((double)start > p_w * 8.0 / 3600.0 * 1e6); /* registering after 10 s */
    run_sine(&g_fx, 3600u);
    struct omp_meter_snapshot s = snap(&g_fx.m);
    expect_register("A+ at 5 W", s.energy.a_plus_uwh - start, p_w, 3600.0);
    assert_int_equal(s.energy.a_minus_uwh, 0u);
    uint64_t wh = s.energy.a_plus_uwh / 1000000u;
    assert_true(g_fx.b.pulses[OMP_PULSE_LED_ACTIVE] + 1u >= wh &&
                g_fx.b.pulses[OMP_PULSE_LED_ACTIVE] <= wh + 1u);
}

static void test_energy_late_tick_loses_nothing(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    /* 5 seconds of samples, but tick only once after 5.5 s */
    for (int c = 0; c < 250; c++) {
        omp_meter_on_samples(&f->m, g_cycle, (size_t)g_spc);
    }
    omp_fake_clock_advance_ms(&f->b.clock, 5500u);
    omp_meter_tick(&f->m, &f->b.clock.now);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    struct omp_meter_snapshot s = snap(&f->m);
    expect_register("A+ after a late tick", s.energy.a_plus_uwh, 2300.0, 5.0);
    expect_near("P", (double)s.p_w, 2300.0, 0.5);
    assert_int_equal(f->m.regs.utc, T_2024_01_15_12Z + 5); /* the registers saw 5 whole seconds */
    /* the queue overflowed: older records were dropped, the meter has the newest */
    assert_true(s.cycles <= OMP_METRO_CYCLE_QUEUE);
}

/* ---- persistence ------------------------------------------------------------------------------- */

static void test_restart_continuity(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 60u);
    make_sine(&f->cfg, 230.0, 10.0, 180.0 + 30.0); /* Q3: A-, R-, E- */
    run_sine(f, 20u);
    make_sine(&f->cfg, 230.0, 10.0, 30.0); /* Q1: R+ */
    run_sine(f, 5u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    struct omp_meter_snapshot before = snap(&f->m);
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    struct omp_meter_snapshot after = snap(&m2);
    assert_int_equal(after.a_plus_mwh, before.a_plus_mwh);
    assert_int_equal(after.a_minus_mwh, before.a_minus_mwh);
    /* every register, to the micro-unit */
    assert_memory_equal(&after.energy, &before.energy, sizeof before.energy);
    assert_true(before.energy.r_plus_uvarh > 0u && before.energy.r_minus_uvarh > 0u);
    assert_true(before.energy.e_plus_uvah > 0u && before.energy.e_minus_uvah > 0u);
    assert_int_equal(after.hours_with_supply, before.hours_with_supply);
    assert_int_equal(m2.regs.supply_s, f->m.regs.supply_s);
    assert_int_equal(after.power_ups, before.power_ups + 1u);
    assert_true(before.a_plus_mwh > 0u && before.a_minus_mwh > 0u);
    /* and the engine carries on from them */
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    f->m = m2;
    run_sine(f, 10u);
    expect_register("A+ after restart", snap(&f->m).energy.a_plus_uwh - after.energy.a_plus_uwh,
                    2300.0, 10.0);
}


/* Without a flush, a restart loses at most what the save policy allows: the energy since the last
 * hot save, which is at most one display step plus hot_min_interval_s (+ the second before a
 * save can start) at the running power. */
static void test_restart_without_flush_bounded_loss(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0); /* 2300 W */
    run_sine(f, 100u);
    struct omp_meter_snapshot s = snap(&f->m);
    uint32_t t_hot = nvm_info(&f->m).hot_min_interval_s;
    /* a 10 Wh step every 15.65 s at 2300 W; saves at most every t_hot s */
    uint64_t saves = f->m.persist.hot_saves;
    assert_true(saves >= 100u / (t_hot > 16u ? t_hot + 1u : 17u) - 1u);
    assert_true(saves <= 100u / t_hot + 2u);
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    struct omp_meter_snapshot r = snap(&m2);
    assert_true(r.energy.a_plus_uwh <= s.energy.a_plus_uwh);
    double bound_uwh = 2300.0 * (t_hot + 1.0) / 3600.0 * 1e6 + 1e7; /* + one 10 Wh step */
    assert_true((double)(s.energy.a_plus_uwh - r.energy.a_plus_uwh) <= bound_uwh);
    assert_true(r.energy.a_plus_uwh > 0u);
}

static void test_power_fail_input_saves(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 3u); /* ~1.9 Wh: below the display step, nothing saved yet */
    assert_int_equal(f->m.persist.hot_saves, 0u);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(f->m.persist.hot_saves, 1u);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true); /* level, no new edge */
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(f->m.persist.hot_saves, 1u);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, false);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(f->m.persist.hot_saves, 2u);
    omp_meter_on_input(&f->m, OMP_INPUT_BUTTON, true);
    assert_int_equal(f->m.inputs, (1u << OMP_INPUT_POWER_FAIL) | (1u << OMP_INPUT_BUTTON));
    omp_meter_on_input(&f->m, OMP_INPUT_COUNT, true); /* ignored */
    /* the saved value is the exact register, restored by the next start */
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    struct omp_meter_snapshot s1 = snap(&m2), s2 = snap(&f->m);
    assert_memory_equal(&s1.registers, &s2.registers, sizeof s1.registers);
}

static void test_save_failure_is_retried(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 1u);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true);
    omp_ram_nvm_cut_after(&f->b.nvm, 1u);
    assert_int_equal(omp_meter_poll(&f->m), OMP_ERR_POWER_LOST);
    assert_int_equal(f->m.persist.hot_saves, 0u);
    omp_ram_nvm_power_on(&f->b.nvm);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK); /* the store is scanned again first */
    assert_int_equal(f->m.persist.hot_saves, 1u);
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(snap(&m2).energy.a_plus_uwh, snap(&f->m).energy.a_plus_uwh);
}

/* Energy registers as one array, for comparisons. */
static void regs_of(const struct omp_meter_snapshot *s, uint64_t out[3])
{
    out[0] = s->energy.a_plus_uwh;
    out[1] = s->energy.e_plus_uvah;
    out[2] = s->registers.a_plus_t[0];
}

/*
 * Power cut at every byte of a flush that writes all three record kinds (a debiting snapshot to
 * the billing log, a cold checkpoint and a hot record), for program units 1 and 16. After the cut
 * a new meter starts with the registers of before the flush or of the flush (never a mix, never
 * less), the debiting counter and the billing log agree, and it carries on. The flush also books
 * the engine's open partial cycle: "of the flush" is what an uncut flush saves (the runs are
 * identical), and a cut after the debiting snapshot restores the registers of the billing stop.
 */
static void test_power_cut_every_byte_of_flush(void **state)
{
    (void)state;
    static const uint32_t units[] = { 1u, 16u };
    static struct omp_meter m2, m3;
    for (size_t u = 0; u < OMP_ARRAY_LEN(units); u++) {
        struct omp_nvm_geometry geo = k_geo;
        geo.program_unit = units[u];
        uint64_t flush_bytes = 0;
        uint64_t flushed[3] = { 0 };
        for (uint64_t nth = 1u;; nth++) {
            fx_board(&g_fx, &geo, T_2024_01_15_12Z);
            fx_start(&g_fx);
            make_sine(&g_fx.cfg, 230.0, 10.0, 0.0);
            run_sine(&g_fx, 1u); /* 0.64 Wh: nothing due but what the flush forces */
            assert_int_equal(omp_meter_billing_stop(&g_fx.m), OMP_OK);
            struct omp_meter_snapshot at = snap(&g_fx.m);
            uint64_t before_bytes = g_fx.b.nvm.programmed_bytes;
            if (flush_bytes == 0u) { /* first pass: measure the flush, no cut */
                assert_int_equal(omp_meter_flush(&g_fx.m), OMP_OK);
                flush_bytes = g_fx.b.nvm.programmed_bytes - before_bytes;
                assert_true(flush_bytes >= 3u * 16u);
                struct omp_meter_snapshot fl = snap(&g_fx.m);
                uint64_t was[3];
                regs_of(&fl, flushed);
                regs_of(&at, was);
                for (size_t k = 0; k < 3u; k++) {
                    assert_true(flushed[k] >= was[k]); /* the partial cycle, never less */
                }
                continue;
            }
            if (nth > flush_bytes + 1u) {
                break;
            }
            omp_ram_nvm_cut_after(&g_fx.b.nvm, nth - 1u);
            omp_err err = omp_meter_flush(&g_fx.m);
            assert_int_equal(err, nth - 1u <= flush_bytes && nth > 1u ? OMP_ERR_POWER_LOST : OMP_OK);
            omp_ram_nvm_power_on(&g_fx.b.nvm);
            assert_int_equal(omp_meter_init(&m2, &g_fx.hal, &g_fx.cfg, &g_fx.b.clock.now), OMP_OK);
            struct omp_meter_snapshot s = snap(&m2);
            uint64_t got[3], want[3];
            regs_of(&s, got);
            regs_of(&at, want);
            bool old = got[0] == 0u && got[1] == 0u && got[2] == 0u;
            bool at_stop = memcmp(got, want, sizeof got) == 0;
            bool new_ = memcmp(got, flushed, sizeof got) == 0;
            assert_true(old || at_stop || new_);
            assert_true(s.billing_count <= 1u);
            if (new_ || at_stop) {
                assert_int_equal(s.billing_count, 1u); /* the snapshot went first */
            }
            struct omp_regs_snapshot b;
            omp_err berr = omp_meter_billing_read(&m2, 0, &b);
            if (s.billing_count == 1u) {
                assert_int_equal(berr, OMP_OK);
                assert_int_equal(b.billing_count, 1u);
                assert_true((b.quality & OMP_REGS_Q_COMMANDED) != 0u);
            } else {
                assert_int_equal(berr, OMP_ERR_NOT_FOUND);
            }
            assert_int_equal(s.power_ups, 2u);
            /* carry on: more energy, save, restart again */
            g_fx.m = m2;
            run_sine(&g_fx, 1u);
            assert_int_equal(omp_meter_flush(&g_fx.m), OMP_OK);
            struct omp_meter_snapshot later = snap(&g_fx.m);
            assert_int_equal(omp_meter_init(&m3, &g_fx.hal, &g_fx.cfg, &g_fx.b.clock.now), OMP_OK);
            {
            struct omp_meter_snapshot chk = snap(&m3);
            assert_memory_equal(&chk.registers, &later.registers, sizeof later.registers);
        }
            assert_int_equal(snap(&m3).power_ups, 3u);
        }
        printf("program unit %u: power cut at each of %llu bytes of a flush\n", units[u],
               (unsigned long long)flush_bytes);
    }
}

/* A cut during init's own records: the meter starts on the next try, counters intact. */

static void test_power_cut_during_init(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 2u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    const struct omp_meter_snapshot s0 = snap(&f->m);
    uint64_t before = f->b.nvm.programmed_bytes;
    fx_start(f);
    uint64_t init_bytes = f->b.nvm.programmed_bytes - before;
    assert_true(init_bytes > 0u);
    for (uint64_t nth = 1u; nth <= init_bytes; nth++) {
        uint32_t pu = snap(&f->m).power_ups;
        omp_ram_nvm_cut_after(&f->b.nvm, nth);
        assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now),
                         OMP_ERR_POWER_LOST);
        omp_ram_nvm_power_on(&f->b.nvm);
        fx_start(f);
        uint32_t now_pu = snap(&f->m).power_ups;
        assert_true(now_pu == pu + 1u || now_pu == pu + 2u);
        /* a cut is never damage nor a rollback (the checkpoint and its mirror copy included) */
        assert_int_equal(nvm_info(&f->m).damaged_sectors, 0u);
        assert_false(nvm_info(&f->m).rolled_back);
        struct omp_meter_snapshot chk = snap(&f->m);
        assert_memory_equal(&chk.registers, &s0.registers, sizeof s0.registers);
    }
}

static void test_journal_wrap_and_wear(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    static struct omp_meter m2;
    for (unsigned k = 0; k < 3000u; k++) {
        if (k % 50u == 0u) {
            run_sine(f, 1u);
        }
        assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
        if (k % 97u == 0u) { /* restart now and then, anywhere in the ring */
            struct omp_meter_snapshot s = snap(&f->m);
            assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
            {
            struct omp_meter_snapshot chk = snap(&m2);
            assert_memory_equal(&chk.registers, &s.registers, sizeof s.registers);
        }
            assert_int_equal(snap(&m2).power_ups, s.power_ups + 1u);
            f->m = m2;
        }
    }
    struct omp_meter_snapshot s = snap(&f->m);
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    {
            struct omp_meter_snapshot chk = snap(&m2);
            assert_memory_equal(&chk.registers, &s.registers, sizeof s.registers);
        }
    assert_int_equal(snap(&m2).hours_with_supply, s.hours_with_supply);
    /* erases are spread evenly over the journal's sectors; the billing log's are not touched by
     * register saves */
    struct omp_meter_nvm_info info = nvm_info(&m2);
    uint32_t lo = UINT32_MAX, hi = 0, total = 0;
    for (size_t k = 0; k < info.journal_sectors; k++) {
        lo = f->erases[k] < lo ? f->erases[k] : lo;
        hi = f->erases[k] > hi ? f->erases[k] : hi;
        total += f->erases[k];
    }
    assert_true(hi - lo <= 2u);
    assert_true(total >= 3000u * 32u / SECTOR); /* >= 3000 hot records of >= 32 bytes */
    /* the mirror: one entry per restart's checkpoint, one erase per sector's worth */
    uint32_t per = (SECTOR - OMP_STORE_SECTOR_HDR) /
                   omp_store_record_size(&k_geo, OMP_REGS_MIRROR_LEN);
    uint32_t mirror_erases = 0;
    for (size_t k = info.journal_sectors; k < info.journal_sectors + info.mirror_sectors; k++) {
        mirror_erases += f->erases[k];
    }
    assert_true(mirror_erases <= 1u + (3000u / 97u + 2u) / per + 1u);
    for (size_t k = info.journal_sectors + info.mirror_sectors; k < SECTORS; k++) {
        assert_true(f->erases[k] <= 1u);
    }
}

/* The newest hot record of the journal (white box: the store's index). */
static uint32_t newest_addr(const struct omp_meter *m, uint16_t key)
{
    for (size_t k = 0; k < OMP_CONFIG_STORE_KEYS; k++) {
        if (m->persist.store.index[k].key == key) {
            return m->persist.store.index[k].addr;
        }
    }
    fail();
    return 0;
}

static void test_corrupt_record_ignored(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 2u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    uint64_t a1 = snap(&f->m).energy.a_plus_uwh;
    run_sine(f, 2u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    assert_true(snap(&f->m).energy.a_plus_uwh > a1);
    f->mem[newest_addr(&f->m, 2u) + OMP_STORE_REC_HDR + 9u] ^= 0x01u; /* a bit of the payload */
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(snap(&m2).energy.a_plus_uwh, a1); /* the previous version */
    /* an NVM of zeros (not erased: 0xFF is) is foreign: the meter starts from zero, says so
       (status bit 1, error symbol, event) and writes nothing */
    memset(f->mem, 0x00, SIZE);
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(snap(&m2).a_plus_mwh, 0u);
    assert_int_equal(snap(&m2).power_ups, 1u);
    assert_int_equal(nvm_info(&m2).damaged_sectors, SECTORS);
    struct omp_evq_reader rd;
    struct omp_event ev;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&m2), &rd), OMP_OK);
    assert_int_equal(omp_evq_read(omp_meter_events(&m2), &rd, &ev, NULL), OMP_OK);
    assert_int_equal(ev.code, OMP_EV_NVM_DAMAGED);
    assert_int_equal(ev.arg, SECTORS);
    assert_int_equal(ev.flags, 15u); /* journal, billing log, settings, mirror */
    assert_int_equal(omp_meter_poll(&m2), OMP_OK);
    struct omp_display_frame fr;
    assert_int_equal(omp_meter_display(&m2, &fr), OMP_OK);
    assert_true((fr.symbols & OMP_SYM_ERROR) != 0u);
    for (size_t k = 0; k < SIZE; k++) {
        assert_int_equal(f->mem[k], 0u);
    }
}

/* Records of the earlier releases' layouts (64-byte slots, valid CRC) are not read and not
 * overwritten: the NVM is reported damaged (foreign) and kept; after an explicit format the
 * meter keeps its own records from then on. */
static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        p[k] = (uint8_t)(v >> (8u * k));
    }
}

static void test_old_layout_rejected(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    for (unsigned slot = 0; slot < 3u; slot++) { /* v1 records at 64-byte slots 0..2 */
        uint8_t *r = g_fx.mem + 64u * slot;
        memset(r, 0, 64u);
        put_le(r + 0, 0x53504D4Fu, 4u); /* "OMPS" */
        put_le(r + 4, 1u, 2u);          /* version 1 */
        put_le(r + 6, 64u, 2u);
        put_le(r + 8, 7u + slot, 4u);   /* seq */
        put_le(r + 12, 123456789u, 8u); /* A+ mWh */
        put_le(r + 36, 41u, 4u);        /* power-ups */
        put_le(r + 60, omp_crc32(r, 60u), 4u);
    }
    static uint8_t before[SIZE];
    memcpy(before, g_fx.mem, SIZE);
    fx_start(&g_fx);
    struct omp_meter_snapshot s = snap(&g_fx.m);
    assert_int_equal(s.a_plus_mwh, 0u);
    assert_int_equal(s.power_ups, 1u);
    assert_false(s.saved_utc_valid);
    assert_int_equal(nvm_info(&g_fx.m).damaged_sectors, 1u); /* the journal's first sector */
    make_sine(&g_fx.cfg, 230.0, 10.0, 0.0);
    run_sine(&g_fx, 1u);
    assert_int_equal(omp_meter_flush(&g_fx.m), OMP_ERR_NVM_CORRUPT);
    assert_memory_equal(g_fx.mem, before, SIZE);
    /* formatted on request: the meter's own records work from here on */
    assert_int_equal(omp_meter_nvm_format(&g_fx.m, &g_fx.b.clock.now), OMP_OK);
    assert_int_equal(nvm_info(&g_fx.m).damaged_sectors, 0u);
    run_sine(&g_fx, 2u);
    assert_int_equal(omp_meter_flush(&g_fx.m), OMP_OK);
    s = snap(&g_fx.m);
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &g_fx.hal, &g_fx.cfg, &g_fx.b.clock.now), OMP_OK);
    struct omp_meter_snapshot s2 = snap(&m2);
    assert_memory_equal(&s2.energy, &s.energy, sizeof s.energy);
    assert_int_equal(s2.power_ups, 2u);
    assert_int_equal(omp_meter_nvm_format(NULL, &g_fx.b.clock.now), OMP_ERR_ARG);
}

/* The record carries the clock: the next start reports it (saved_utc_s), also when it starts
 * without a valid RTC, and then keeps it in its own records until a valid time arrives. */
/* The calibration is legal data: the first start stores it; a start with another calibration is
 * refused and changes nothing; only a format (a new meter) takes another. */
static void test_calibration_is_legal(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    static struct omp_meter m2;
    struct omp_meter_cfg c = f->cfg;
    c.cal.v_gain *= 1.001f;
    static uint8_t before[SIZE];
    memcpy(before, f->mem, SIZE);
    assert_int_equal(omp_meter_init(&m2, &f->hal, &c, &f->b.clock.now), OMP_ERR_DENIED);
    assert_memory_equal(f->mem, before, SIZE);
    c = f->cfg;
    c.cal.phase_deg = 0.01f;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &c, &f->b.clock.now), OMP_ERR_DENIED);
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    memset(f->mem, 0xFF, SIZE); /* an erased NVM: a new meter */
    assert_int_equal(omp_meter_init(&m2, &f->hal, &c, &f->b.clock.now), OMP_OK);
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &f->b.clock.now), OMP_ERR_DENIED);
}

static void test_saved_utc_restored(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    assert_false(snap(&f->m).saved_utc_valid); /* nothing restored on a fresh NVM */
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 7u);
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    const omp_time_s t_saved = T_2024_01_15_12Z + 7;
    struct omp_now lost = { .mono_ms = 0, .utc_s = 0, .utc_ms = 0, .rtc_valid = false };
    static struct omp_meter m2, m3;
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &lost), OMP_OK);
    struct omp_meter_snapshot s = snap(&m2);
    assert_true(s.saved_utc_valid);
    assert_int_equal(s.saved_utc_s, t_saved);
    /* the power-up record written without a clock kept the restored time */
    assert_int_equal(omp_meter_flush(&m2), OMP_OK);
    assert_int_equal(omp_meter_init(&m3, &f->hal, &f->cfg, &lost), OMP_OK);
    assert_true(snap(&m3).saved_utc_valid);
    assert_int_equal(snap(&m3).saved_utc_s, t_saved);
    /* a valid clock from a tick goes into the next record */
    struct omp_now later = { .mono_ms = 1000u, .utc_s = t_saved + 3600, .utc_ms = 0,
                             .rtc_valid = true };
    omp_meter_tick(&m3, &later);
    assert_int_equal(omp_meter_flush(&m3), OMP_OK);
    assert_int_equal(omp_meter_init(&m2, &f->hal, &f->cfg, &later), OMP_OK);
    assert_int_equal(snap(&m2).saved_utc_s, t_saved + 3600);
}

/* ---- counters and thresholds ------------------------------------------------------------------- */

/* Feed @p seconds of a 50 Hz sine of @p urms volts and no current at the configured rate. */
static void run_volts(struct fx *f, double urms, unsigned seconds)
{
    make_sine(&f->cfg, urms, 0.0, 0.0);
    run_sine(f, seconds);
}

static void test_hour_counter(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    g_fx.cfg.sample_rate_hz = 4000u; /* the engine's other rate: half the samples of an hour */
    fx_start(&g_fx);
    run_volts(&g_fx, 230.0, 3599u); /* 230 V, no load */
    assert_int_equal(snap(&g_fx.m).hours_with_supply, 0u);
    run_volts(&g_fx, 230.0, 1u);
    assert_int_equal(snap(&g_fx.m).hours_with_supply, 1u);
    /* the hour counter moving saves (here the 13:00 demand period end's checkpoint carries it) */
    assert_false(omp_registers_hot_due(&g_fx.m.regs));
    assert_false(omp_registers_cold_due(&g_fx.m.regs));
    assert_int_equal(g_fx.m.regs.supply_s, 0u);
    assert_int_equal(snap(&g_fx.m).energy.a_plus_uwh, 0u); /* no current, no energy */
    run_volts(&g_fx, 0.0, 1800u); /* no supply: no progress */
    assert_true(g_fx.m.regs.supply_s <= 1u);
    run_volts(&g_fx, 230.0, 1800u);
    assert_int_equal(snap(&g_fx.m).hours_with_supply, 1u);
    assert_true(g_fx.m.regs.supply_s >= 1799u && g_fx.m.regs.supply_s <= 1801u);
    /* the partial hour survives a restart */
    assert_int_equal(omp_meter_flush(&g_fx.m), OMP_OK);
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &g_fx.hal, &g_fx.cfg, &g_fx.b.clock.now), OMP_OK);
    assert_int_equal(m2.regs.supply_s, g_fx.m.regs.supply_s);
    assert_int_equal(snap(&m2).hours_with_supply, 1u);
}

static void test_supply_threshold_160v(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct omp_display_frame fr;
    run_volts(f, 158.9, 10u);
    assert_int_equal(f->m.regs.supply_s, 0u);
    assert_int_equal(omp_meter_display(&f->m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & OMP_SYM_SUPPLY, 0u);
    run_volts(f, 161.0, 10u);
    assert_true(f->m.regs.supply_s >= 9u && f->m.regs.supply_s <= 10u);
    assert_int_equal(omp_meter_display(&f->m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & OMP_SYM_SUPPLY, OMP_SYM_SUPPLY);
    expect_near("Urms", (double)snap(&f->m).urms_v, 161.0, 0.05);
}

static void test_load_threshold_2w3(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct omp_display_frame fr;
    make_sine(&f->cfg, 230.0, 2.2 / 230.0, 0.0); /* 2.2 W */
    run_sine(f, 1u);
    assert_int_equal(omp_meter_display(&f->m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & (OMP_SYM_LOAD | OMP_SYM_IMPORT | OMP_SYM_EXPORT), 0u);
    make_sine(&f->cfg, 230.0, 2.4 / 230.0, 0.0); /* 2.4 W */
    run_sine(f, 1u);
    assert_int_equal(omp_meter_display(&f->m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & (OMP_SYM_LOAD | OMP_SYM_IMPORT | OMP_SYM_EXPORT),
                     OMP_SYM_LOAD | OMP_SYM_IMPORT);
    make_sine(&f->cfg, 230.0, 2.4 / 230.0, 180.0); /* 2.4 W export */
    run_sine(f, 1u);
    assert_int_equal(omp_meter_display(&f->m, &fr), OMP_OK);
    assert_int_equal(fr.symbols & (OMP_SYM_LOAD | OMP_SYM_IMPORT | OMP_SYM_EXPORT),
                     OMP_SYM_LOAD | OMP_SYM_EXPORT);
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
    /* without a pulse_start op the meter measures all the same */
    struct omp_hal_ops ops = omp_fake_board_ops;
    ops.pulse_start = NULL;
    struct omp_hal hal = { &ops, &g_fx.b };
    assert_int_equal(omp_meter_init(&g_fx.m, &hal, &g_fx.cfg, &g_fx.b.clock.now), OMP_OK);
    uint64_t before = snap(&g_fx.m).energy.a_plus_uwh;
    run_sine(&g_fx, 2u);
    assert_true(snap(&g_fx.m).energy.a_plus_uwh > before);
    assert_int_equal(g_fx.b.pulses[OMP_PULSE_LED_ACTIVE], 6u);
}

/* Z2: with "LED on at no consumption" the active LED is held on while nothing registers, and
 * released when a load registers; with the factory setting (LED off) it is never driven. */
static void test_led_steady_z2(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    g_fx.cfg.led_on_no_load = true;
    fx_start(&g_fx);
    make_sine(&g_fx.cfg, 230.0, 0.0, 0.0); /* voltage only: no load */
    run_sine(&g_fx, 3u);
    assert_true(g_fx.b.outputs[OMP_OUTPUT_LED_ACTIVE]);
    make_sine(&g_fx.cfg, 230.0, 10.0, 0.0); /* 2.3 kW: registers */
    run_sine(&g_fx, 3u);
    assert_false(g_fx.b.outputs[OMP_OUTPUT_LED_ACTIVE]);

    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    fx_start(&g_fx); /* factory default: Z2 = LED off at no consumption */
    make_sine(&g_fx.cfg, 230.0, 0.0, 0.0);
    run_sine(&g_fx, 3u);
    assert_false(g_fx.b.outputs[OMP_OUTPUT_LED_ACTIVE]);
}

/* ---- display ----------------------------------------------------------------------------------- */

/* The power-up sequence (technical facts 9.4) lasts 15 s; then the automatic list starts. */
static void skip_power_up(struct fx *f)
{
    for (int t = 0; t < 150; t++) {
        omp_fake_clock_advance_ms(&f->b.clock, 100u);
        omp_meter_tick(&f->m, &f->b.clock.now);
    }
}

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
        skip_power_up(&g_fx);
        g_fx.m.regs.e.total.a_plus_uwh = cases[k].mwh * 1000u; /* white box: set the register */
        assert_int_equal(omp_meter_poll(&g_fx.m), OMP_OK);
        assert_string_equal(g_fx.b.display.id, "1.8.0");
        assert_string_equal(g_fx.b.display.value, cases[k].want);
        assert_string_equal(g_fx.b.display.unit, "kWh");
        struct omp_display_frame fr;
        assert_int_equal(omp_meter_display(&g_fx.m, &fr), OMP_OK);
        assert_string_equal(fr.value, cases[k].want);
    }
}

/* The screen: identification field, value, unit (data sheet formats, technical facts 9.2) and
 * the text label (9.5). */
static void expect_screen4(struct fx *f, const char *id, const char *value, const char *unit,
                           const char *text)
{
    struct omp_display_frame fr;
    assert_int_equal(omp_meter_display(&f->m, &fr), OMP_OK);
    assert_string_equal(fr.text, text);
    assert_string_equal(f->b.display.text, text);
    assert_string_equal(fr.id, id);
    assert_string_equal(fr.value, value);
    assert_string_equal(fr.unit, unit);
    assert_string_equal(f->b.display.id, id);
    assert_string_equal(f->b.display.value, value);
    assert_string_equal(f->b.display.unit, unit);
}

/* The labels of the automatic list's readings. */
static const char *label_of(const char *id, const char *value)
{
    return strcmp(id, "1.8.0") == 0   ? "A+"
           : strcmp(id, "2.8.0") == 0 ? "A-"
           : strcmp(id, "1.7.0") == 0 ? "P+"
           : strchr(value, ':') != NULL && strlen(value) == 8u ? "TIME"
                                                               : "DATE";
}

static void expect_screen(struct fx *f, const char *id, const char *value, const char *unit)
{
    expect_screen4(f, id, value, unit, label_of(id, value));
}

static void test_display_scroll(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    g_fx.cfg.rom_checksum = 0x72526998u; /* technical facts 9.4: shown as 27032 */
    fx_start(&g_fx);
    struct fx *f = &g_fx;
    /* power-up (technical facts 9.4): 5 s CSUM (the low 16 bits of RomChecksum in decimal,
     * 0x6998 = 27032), 5 s the software number with its revision in the text field, 5 s more */
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    expect_screen4(f, "96.54.1", "27032", "", "CSUM");
    assert_int_equal(f->b.display.shown, 1u);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    assert_int_equal(f->b.display.shown, 1u); /* unchanged screen is not sent again */
    make_sine(&f->cfg, 230.0, 10.0, 0.0);
    run_sine(f, 5u);
    expect_screen4(f, "0.2.0", "0000100", "", "01"); /* library 0.1.0: 0000100-01 */
    run_sine(f, 5u);
    expect_screen4(f, "0.2.0", "0000100", "", "01");
    run_sine(f, 4u);
    expect_screen4(f, "0.2.0", "0000100", "", "01");
    run_sine(f, 1u); /* 15 s: the automatic list; 9.6 Wh: the 7.2 display shows 0.00 */
    expect_screen(f, "1.8.0", "0000000.00", "kWh");
    run_sine(f, 9u);
    expect_screen(f, "1.8.0", "0000000.01", "kWh"); /* 24 s at 2.3 kW = 15.3 Wh */
    run_sine(f, 1u); /* 10 s on: the next reading */
    expect_screen(f, "2.8.0", "0000000.00", "kWh");
    run_sine(f, 10u);
    expect_screen(f, "1.0.0", "13:00:35", ""); /* UTC+1, winter; HH:MM:SS */
    run_sine(f, 1u);
    expect_screen(f, "1.0.0", "13:00:36", ""); /* the clock screen follows the clock */
    run_sine(f, 9u);
    expect_screen(f, "1.0.0", "2024:01:15", ""); /* YYYY:MM:DD */
    run_sine(f, 10u);
    expect_screen(f, "1.7.0", "02.300", "kW"); /* power in the 2.3 format */
    /* L1 (230 V >= 160 V), load and import (2300 W > 2.3 W, 10 A >= 10 mA), tariff T1 */
    assert_int_equal(f->b.display.symbols, OMP_SYM_SUPPLY | OMP_SYM_LOAD | OMP_SYM_IMPORT |
                                               (1u << OMP_SYM_TARIFF_SHIFT));
    run_sine(f, 10u);
    expect_screen(f, "1.8.0", "0000000.04", "kWh"); /* 65 s at 2.3 kW = 41.5 Wh */
}

static void test_display_summer_time_and_snapshot(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_07_01_12Z);
    fx_start(&g_fx);
    make_sine(&g_fx.cfg, 230.0, 10.0, 60.0);
    run_sine(&g_fx, 25u);
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
    expect_near("P", (double)s.p_w, 1150.0, 0.5);
    assert_int_equal(s.power_ups, 1u);
    /* saves: at init (legal, state, cold and its mirror copy), and a hot record when R+ (13.8
     * varh in 25 s at 1992 var) passed 10 varh, the 7.2 display's step (the first hot save needs
     * no wait) */
    assert_int_equal(g_fx.m.persist.hot_saves, 1u);
    assert_int_equal(s.nvm_saves, 5u);
    run_sine(&g_fx, 15u); /* 15 s power-up + 20 s: the time screen */
    expect_screen(&g_fx, "1.0.0", "14:00:40", ""); /* UTC+1 + DST */
    /* no valid RTC: placeholders */
    g_fx.b.clock.now.rtc_valid = false;
    run_sine(&g_fx, 1u);
    expect_screen(&g_fx, "1.0.0", "--:--:--", "");
    assert_int_equal(omp_meter_snapshot(NULL, &s), OMP_ERR_ARG);
    assert_int_equal(omp_meter_snapshot(&g_fx.m, NULL), OMP_ERR_ARG);
}


/* ---- display lists, push buttons and events --------------------------------------------------- */

#define DITEM(a, b, c, d, e, f) {{a, b, c, d, e, f}, 2u, OMP_DISPLAY_VIEW_VALUE}

/* Hold @p input for @p held_ms (ticks every 100 ms), then release it and tick once more. */
static void press_input(struct fx *f, enum omp_input input, unsigned held_ms)
{
    omp_meter_on_input(&f->m, input, true);
    omp_meter_tick(&f->m, &f->b.clock.now);
    for (unsigned t = 0; t < held_ms; t += 100u) {
        omp_fake_clock_advance_ms(&f->b.clock, 100u);
        omp_meter_tick(&f->m, &f->b.clock.now);
    }
    omp_meter_on_input(&f->m, input, false);
    omp_meter_tick(&f->m, &f->b.clock.now);
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
}

static void idle_ms(struct fx *f, unsigned ms)
{
    for (unsigned t = 0; t < ms; t += 100u) {
        omp_fake_clock_advance_ms(&f->b.clock, 100u);
        omp_meter_tick(&f->m, &f->b.clock.now);
    }
    assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
}

/* The next event of @p r must be @p code with @p arg. */
static void expect_event(struct fx *f, struct omp_evq_reader *r, uint16_t code, uint32_t arg,
                         uint16_t flags)
{
    struct omp_event ev;
    assert_int_equal(omp_evq_read(omp_meter_events(&f->m), r, &ev, NULL), OMP_OK);
    assert_int_equal(ev.code, code);
    assert_int_equal(ev.arg, arg);
    assert_int_equal(ev.flags, flags);
}

static void test_display_lists_buttons_events(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct omp_evq_reader r;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&f->m), &r), OMP_OK);
    expect_event(f, &r, OMP_EV_POWER_UP, 0u, 0u); /* a fresh meter: no time saved before */
    skip_power_up(f);
    /* the manual list must keep the legal readings: the default type 6861111BN142101010 has
     * X9 = 4, so A+, A-, R+ and R- (technical facts 0, 9.1) */
    static const struct omp_display_item manual[] = {
        DITEM(1, 1, 1, 8, 0, 255), DITEM(1, 1, 2, 8, 0, 255), DITEM(1, 1, 3, 8, 0, 255),
        DITEM(1, 1, 4, 8, 0, 255), DITEM(0, 1, 96, 8, 0, 255),
    };
    size_t bad = 99u;
    assert_int_equal(omp_meter_display_set_list(&f->m, OMP_DISPLAY_LIST_MANUAL, manual, 3u, &bad),
                     OMP_ERR_DENIED); /* R- missing */
    assert_int_equal(bad, 3u);
    static const struct omp_display_item lp[] = {DITEM(1, 1, 1, 8, 0, 255),
                                                 DITEM(1, 1, 99, 1, 0, 255)};
    assert_int_equal(omp_meter_display_set_list(&f->m, OMP_DISPLAY_LIST_AUTO, lp, 2u, &bad),
                     OMP_ERR_DENIED); /* no load profile in the automatic list */
    assert_int_equal(bad, 1u);
    assert_int_equal(omp_meter_display_set_list(&f->m, OMP_DISPLAY_LIST_MANUAL, manual,
                                                OMP_ARRAY_LEN(manual), &bad), OMP_OK);
    expect_event(f, &r, OMP_EV_CONFIG_CHANGED, 0u, 0u);
    /* left button, short: the manual list's first item, then the next */
    press_input(f, OMP_INPUT_BUTTON, 300u);
    expect_screen4(f, "1.8.0", "0000000.00", "kWh", "A+");
    expect_event(f, &r, OMP_EV_PB1_SHORT, 300u, 0u);
    press_input(f, OMP_INPUT_BUTTON, 200u);
    expect_screen4(f, "2.8.0", "0000000.00", "kWh", "A-");
    expect_event(f, &r, OMP_EV_PB1_SHORT, 200u, 0u);
    /* back to the automatic list 2 minutes after the last press (technical facts 9.1) */
    idle_ms(f, 119800u);
    expect_screen4(f, "2.8.0", "0000000.00", "kWh", "A-");
    idle_ms(f, 200u);
    expect_screen4(f, "1.8.0", "0000000.00", "kWh", "A+");
    /* 6 s on the manual list's first item: close the breaker (an event for its service) */
    press_input(f, OMP_INPUT_BUTTON, 200u);
    press_input(f, OMP_INPUT_BUTTON, 6000u);
    expect_event(f, &r, OMP_EV_PB1_SHORT, 200u, 0u);
    expect_event(f, &r, OMP_EV_PB1_LONG_6S, (uint32_t)OMP_DISPLAY_REQ_BREAKER_CLOSE, 0u);
    /* PB2 with an empty utility list: the press is reported, the display stays */
    press_input(f, OMP_INPUT_BUTTON2, 300u);
    expect_event(f, &r, OMP_EV_PB2, 300u, 0u);
    expect_screen4(f, "1.8.0", "0000000.00", "kWh", "A+");
    /* clock set back an hour, then the power-fail warning */
    omp_time_s now = f->b.clock.now.utc_s;
    assert_int_equal(omp_meter_set_clock(&f->m, now - 3600), OMP_OK);
    expect_event(f, &r, OMP_EV_CLOCK_SET, 3600u, OMP_EVF_CLOCK_BACKWARD);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true);
    idle_ms(f, 100u);
    expect_event(f, &r, OMP_EV_POWER_DOWN, 0u, 0u);
    struct omp_event ev;
    assert_int_equal(omp_evq_read(omp_meter_events(&f->m), &r, &ev, NULL), OMP_ERR_NOT_FOUND);
    /* without mains the battery list (empty here: nothing shown) */
    assert_string_equal(f->b.display.id, "");
    /* a restart keeps the lists (NVM) and reports how long the meter was off */
    assert_int_equal(omp_meter_flush(&f->m), OMP_OK);
    omp_fake_clock_advance_ms(&f->b.clock, 60000u);
    fx_start(f);
    const struct omp_display_item *items = NULL;
    size_t n = 0;
    assert_int_equal(omp_display_get_list(&f->m.lcd.disp, OMP_DISPLAY_LIST_MANUAL, &items, &n), OMP_OK);
    assert_int_equal(n, OMP_ARRAY_LEN(manual));
    assert_memory_equal(items, manual, sizeof manual);
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&f->m), &r), OMP_OK);
    struct omp_event up;
    assert_int_equal(omp_evq_read(omp_meter_events(&f->m), &r, &up, NULL), OMP_OK);
    assert_int_equal(up.code, OMP_EV_POWER_UP);
    assert_int_equal(up.arg, 60u); /* off for 60 s (the fake RTC took the clock set) */
}

/* Tamper inputs (technical facts 3.2, 9.3): start and end events, the ALARM symbol while active. */
static void test_tamper_events(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct omp_evq_reader r;
    assert_int_equal(omp_evq_reader_init(omp_meter_events(&f->m), &r), OMP_OK);
    expect_event(f, &r, OMP_EV_POWER_UP, 0u, 0u);
    omp_meter_on_input(&f->m, OMP_INPUT_COVER, true);
    omp_meter_on_input(&f->m, OMP_INPUT_MAGNET, true);
    idle_ms(f, 100u);
    expect_event(f, &r, OMP_EV_COVER_OPEN, 0u, 0u);
    expect_event(f, &r, OMP_EV_MAGNETIC_START, 0u, 0u);
    assert_true((f->b.display.symbols & OMP_SYM_ALARM) != 0u);
    omp_meter_on_input(&f->m, OMP_INPUT_COVER, true); /* no edge: nothing */
    omp_meter_on_input(&f->m, OMP_INPUT_COVER, false);
    omp_meter_on_input(&f->m, OMP_INPUT_MAGNET, false);
    omp_meter_on_input(&f->m, OMP_INPUT_TERMINAL, true);
    omp_meter_on_input(&f->m, OMP_INPUT_TERMINAL, false); /* open and closed within a tick */
    idle_ms(f, 100u);
    expect_event(f, &r, OMP_EV_COVER_CLOSED, 0u, 0u);
    expect_event(f, &r, OMP_EV_TERMINAL_OPEN, 0u, 0u);
    expect_event(f, &r, OMP_EV_TERMINAL_CLOSED, 0u, 0u);
    expect_event(f, &r, OMP_EV_MAGNETIC_END, 0u, 0u);
    struct omp_event ev;
    assert_int_equal(omp_evq_read(omp_meter_events(&f->m), &r, &ev, NULL), OMP_ERR_NOT_FOUND);
    assert_true((f->b.display.symbols & OMP_SYM_ALARM) == 0u);
}

/* Without mains the battery list, stepped by the left button; only its allowed items. */
static void test_display_battery_list(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    skip_power_up(f);
    static const struct omp_display_item bat[] = {DITEM(1, 1, 1, 8, 0, 255),
                                                  DITEM(1, 1, 0, 0, 1, 255)};
    static const struct omp_display_item clock[] = {{{0, 1, 1, 0, 0, 255}, 2u,
                                                     OMP_DISPLAY_VIEW_TIME}};
    size_t bad = 9u;
    assert_int_equal(omp_meter_display_set_list(&f->m, OMP_DISPLAY_LIST_BATTERY, clock, 1u, &bad),
                     OMP_ERR_DENIED); /* the clock is not readable without mains (9.1) */
    assert_int_equal(bad, 0u);
    assert_int_equal(omp_meter_display_set_list(&f->m, OMP_DISPLAY_LIST_BATTERY, bat, 2u, &bad),
                     OMP_OK);
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, true);
    idle_ms(f, 100u);
    expect_screen4(f, "1.8.0", "0000000.00", "kWh", "A+");
    press_input(f, OMP_INPUT_BUTTON, 300u);
    expect_screen4(f, "0.0.1", "12345678", "", "NUM/1");
    omp_meter_on_input(&f->m, OMP_INPUT_POWER_FAIL, false); /* the mains is back */
    idle_ms(f, 100u);
    expect_screen4(f, "1.8.0", "0000000.00", "kWh", "A+"); /* the automatic list */
}

/* ---- tariffs, debiting, inputs, NVM budget ------------------------------------------------------ */

/* Every day: T1 from 00:00, T2 from 13:00 local. */
static void cal_two_rates(struct omp_tou_calendar *c)
{
    memset(c, 0, sizeof *c);
    c->n_seasons = 1;
    c->season[0] = (struct omp_tou_season){ 1, 1, 0 };
    c->n_weeks = 1;
    c->week[0] = (struct omp_tou_week){ { 0, 0, 0, 0, 0, 0, 0 } };
    c->n_days = 1;
    c->day[0].n_switches = 2;
    c->day[0].sw[0] = (struct omp_tou_switch){ 0, 0, 1 };
    c->day[0].sw[1] = (struct omp_tou_switch){ 13, 0, 2 };
}

/*
 * A calendar switch lands on its second: 2300 W from 12:59:00 to 13:01:00 local (11:59-12:01Z)
 * puts 2300 W * 60 s = 38.333 Wh in T1 and as much in T2. Ticks are 100 ms apart and the energy of
 * the tick that spans the switch is split by time; what remains is the engine's one-cycle latency
 * (20 ms at 2300 W = 12.8 mWh) and its 0.01 % error.
 */
static void test_tariff_calendar_split(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z - 60);
    g_fx.cfg.tariff_source = OMP_TARIFF_SRC_CALENDAR;
    fx_start(&g_fx);
    static struct omp_tou_calendar cal;
    cal_two_rates(&cal);
    assert_int_equal(omp_meter_set_calendar(&g_fx.m, &cal, T_2024_01_15_12Z - 60), OMP_OK);
    make_sine(&g_fx.cfg, 230.0, 10.0, 0.0);
    run_sine(&g_fx, 30u);
    assert_int_equal(snap(&g_fx.m).tariff, 1u);
    run_sine(&g_fx, 30u);
    /* the tick ending exactly at 12:00:00Z already belongs to T1; the next one to T2 */
    run_sine(&g_fx, 1u);
    assert_int_equal(snap(&g_fx.m).tariff, 2u);
    run_sine(&g_fx, 59u);
    struct omp_meter_snapshot s = snap(&g_fx.m);
    expect_near("A+ T1 Wh", (double)s.registers.a_plus_t[0] / 1e6, 2300.0 * 60.0 / 3600.0, 0.03);
    expect_near("A+ T2 Wh", (double)s.registers.a_plus_t[1] / 1e6, 2300.0 * 60.0 / 3600.0, 0.03);
    assert_int_equal(s.registers.a_plus_t[0] + s.registers.a_plus_t[1], s.energy.a_plus_uwh);
    assert_int_equal(s.registers.a_plus_t[2] + s.registers.a_plus_t[3], 0u);
    /* the calendar is in NVM: a restart keeps the tariff */
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &g_fx.hal, &g_fx.cfg, &g_fx.b.clock.now), OMP_OK);
    assert_int_equal(snap(&m2).tariff, 2u);
    /* a calendar that fails its check is refused and changes nothing */
    cal.day[0].sw[1].tariff = 9u;
    assert_int_equal(omp_meter_set_calendar(&g_fx.m, &cal, 0), OMP_ERR_RANGE);
    assert_int_equal(omp_meter_set_calendar(NULL, &cal, 0), OMP_ERR_ARG);
}

/* Z3 = 01 (4-tariff): I/O1, I/O2 levels (0,0) T1, (1,0) T2, (0,1) T3, (1,1) T4 (data sheet via
 * technical description Table 10); 10 s of 2300 W in each = 6.389 Wh. */
static void test_tariff_module_inputs(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    g_fx.cfg.tariff_source = OMP_TARIFF_SRC_INPUTS;
    g_fx.cfg.z3 = OMP_Z3_4T;
    fx_start(&g_fx);
    make_sine(&g_fx.cfg, 230.0, 10.0, 0.0);
    static const bool lv[4][2] = { { false, false }, { true, false }, { false, true }, { true, true } };
    for (int k = 0; k < 4; k++) {
        omp_meter_on_input(&g_fx.m, OMP_INPUT_TARIFF1, lv[k][0]);
        omp_meter_on_input(&g_fx.m, OMP_INPUT_TARIFF2, lv[k][1]);
        run_sine(&g_fx, 10u);
        assert_int_equal(snap(&g_fx.m).tariff, (unsigned)k + 1u);
    }
    struct omp_meter_snapshot s = snap(&g_fx.m);
    for (int k = 0; k < 4; k++) {
        expect_near("A+ per tariff Wh", (double)s.registers.a_plus_t[k] / 1e6,
                    2300.0 * 10.0 / 3600.0, 0.02);
    }
}

/*
 * Debiting through the meter, monthly on the 1st (factory Z6/Z7): 2024-02-01 00:00 local is
 * 2024-01-31T23:00:00Z. 2300 W from 22:59:00Z: the snapshot holds A+ of 60 s (38.333 Wh). A
 * restart does not take it again; setting the clock back before the stop does not either;
 * setting it forward over the 1 March stop (2024-02-29T23:00:00Z, a leap year) takes that one,
 * late and flagged.
 */
static void test_billing_through_meter(void **state)
{
    (void)state;
    const omp_time_s stop_feb = (omp_time_s)1706742000; /* 2024-01-31T23:00:00Z */
    const omp_time_s stop_mar = (omp_time_s)1709247600; /* 2024-02-29T23:00:00Z */
    fx_board(&g_fx, &k_geo, stop_feb - 60);
    fx_start(&g_fx);
    make_sine(&g_fx.cfg, 230.0, 10.0, 0.0);
    run_sine(&g_fx, 1u);
    assert_int_equal(snap(&g_fx.m).next_stop_utc, stop_feb);
    run_sine(&g_fx, 119u);
    struct omp_meter_snapshot s = snap(&g_fx.m);
    assert_int_equal(s.billing_count, 1u);
    assert_int_equal(s.billing_entries, 1u);
    assert_int_equal(s.next_stop_utc, stop_mar);
    struct omp_regs_snapshot b;
    assert_int_equal(omp_meter_billing_read(&g_fx.m, 0, &b), OMP_OK);
    assert_int_equal(b.utc, stop_feb);
    assert_int_equal(b.billing_count, 1u);
    expect_near("A+ at the stop Wh", (double)b.energy.total.a_plus_uwh / 1e6, 38.333, 0.02);
    assert_int_equal(b.quality & OMP_REGS_Q_LATE, 0u);
    assert_int_equal(omp_meter_billing_read(&g_fx.m, 1, &b), OMP_ERR_NOT_FOUND);
    /* a restart keeps the count and the log */
    static struct omp_meter m2;
    assert_int_equal(omp_meter_init(&m2, &g_fx.hal, &g_fx.cfg, &g_fx.b.clock.now), OMP_OK);
    g_fx.m = m2;
    run_sine(&g_fx, 2u);
    assert_int_equal(snap(&g_fx.m).billing_count, 1u);
    /* the clock set back 10 minutes, before the stop already taken: not taken again */
    omp_fake_clock_set_utc(&g_fx.b.clock, stop_feb - 600);
    assert_int_equal(omp_meter_set_clock(&g_fx.m, stop_feb - 600), OMP_OK);
    assert_int_equal(g_fx.b.rtc_set_value, stop_feb - 600);
    run_sine(&g_fx, 700u);
    assert_int_equal(snap(&g_fx.m).billing_count, 1u);
    /* forward over the next stop: taken at once, late */
    omp_fake_clock_set_utc(&g_fx.b.clock, stop_mar + 3600);
    assert_int_equal(omp_meter_set_clock(&g_fx.m, stop_mar + 3600), OMP_OK);
    run_sine(&g_fx, 2u);
    s = snap(&g_fx.m);
    assert_int_equal(s.billing_count, 2u);
    assert_int_equal(omp_meter_billing_read(&g_fx.m, 0, &b), OMP_OK);
    assert_int_equal(b.utc, stop_mar);
    assert_int_equal(b.billing_count, 2u);
    assert_true((b.quality & OMP_REGS_Q_LATE) != 0u);
    assert_true((b.quality & OMP_REGS_Q_CLOCK_SET) != 0u);
    assert_int_equal(omp_meter_billing_read(&g_fx.m, 1, &b), OMP_OK);
    assert_int_equal(b.billing_count, 1u);
    /* the same log through the reading API (logger.h): numbers 1 and 2, across the restart */
    const struct omp_nvm_log *bl = omp_meter_billing_log(&g_fx.m);
    assert_non_null(bl);
    assert_null(omp_meter_billing_log(NULL));
    assert_int_equal(omp_billing_count(bl), 2u);
    assert_int_equal(omp_billing_capacity(bl), 36u); /* 4 sectors of 12 snapshots, one spare */
    assert_int_equal(omp_billing_no_of_index(bl, 1u), 1u);
    assert_int_equal(omp_billing_no_of_age(bl, 0u), 2u);
    struct omp_billing_entry be;
    assert_int_equal(omp_billing_read(bl, 2u, &be), OMP_OK);
    assert_int_equal(be.status, 0u);
    assert_int_equal(be.snap.utc, stop_mar);
    assert_int_equal(be.snap.billing_count, 2u);
    assert_true((be.snap.quality & OMP_REGS_Q_LATE) != 0u);
    assert_int_equal(omp_billing_read(bl, 1u, &be), OMP_OK);
    assert_int_equal(be.snap.utc, stop_feb);
    assert_int_equal(be.snap.billing_count, 1u);
    assert_int_equal(omp_meter_set_clock(NULL, 0), OMP_ERR_ARG);
    assert_int_equal(omp_meter_set_clock(&g_fx.m, -1), OMP_ERR_RANGE);
    assert_int_equal(omp_meter_billing_read(&g_fx.m, 0, NULL), OMP_ERR_ARG);
}

/* The pulse input counts rising edges times the division (Z12 m3, 0.5 m3 per pulse); with Z3 = 15
 * a rising edge on I/O 1 is an external debiting stop. */
static void test_pulse_and_debiting_inputs(void **state)
{
    (void)state;
    fx_board(&g_fx, &k_geo, T_2024_01_15_12Z);
    g_fx.cfg.z3 = OMP_Z3_DEBIT_STOP;
    g_fx.cfg.pulse_unit = 2u;
    g_fx.cfg.pulse_milli = 500u;
    fx_start(&g_fx);
    for (int k = 0; k < 7; k++) {
        omp_meter_on_input(&g_fx.m, OMP_INPUT_PULSE, true);
        omp_meter_on_input(&g_fx.m, OMP_INPUT_PULSE, true); /* a level, not an edge */
        omp_meter_on_input(&g_fx.m, OMP_INPUT_PULSE, false);
    }
    make_sine(&g_fx.cfg, 230.0, 1.0, 0.0);
    run_sine(&g_fx, 1u);
    assert_int_equal(snap(&g_fx.m).pulse_milli, 3500u); /* 7 x 0.5 m3 */
    omp_meter_on_input(&g_fx.m, OMP_INPUT_TARIFF1, true);
    run_sine(&g_fx, 1u);
    struct omp_meter_snapshot s = snap(&g_fx.m);
    assert_int_equal(s.billing_count, 1u);
    struct omp_regs_snapshot b;
    assert_int_equal(omp_meter_billing_read(&g_fx.m, 0, &b), OMP_OK);
    assert_true((b.quality & OMP_REGS_Q_COMMANDED) != 0u);
    assert_int_equal(b.pulse_milli, 3500u);
    /* holding the input is one stop; the API stop is another */
    run_sine(&g_fx, 1u);
    assert_int_equal(snap(&g_fx.m).billing_count, 1u);
    assert_int_equal(omp_meter_billing_stop(&g_fx.m), OMP_OK);
    run_sine(&g_fx, 1u);
    assert_int_equal(snap(&g_fx.m).billing_count, 2u);
    assert_int_equal(omp_meter_billing_stop(NULL), OMP_ERR_ARG);
}

/*
 * The NVM budget of the 64 KiB fixture, recomputed here from the documented rules: the billing log
 * takes ceil(36 / entries per sector) + 1 sectors, the settings store 2 (test_init_bad_region),
 * the mirror 3, the journal the rest; the least time between
 * hot saves is hot_bytes * 20 years / (3/4 of (journal - 1) sectors' payload * 100000 cycles).
 */
static void test_nvm_info_budget(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    struct omp_meter_nvm_info i = nvm_info(&f->m);
    uint32_t entry = omp_store_record_size(&k_geo, OMP_REGS_SNAPSHOT_LEN);
    uint32_t per = (SECTOR - OMP_STORE_SECTOR_HDR) / entry;
    uint32_t log = (36u + per - 1u) / per + 1u;
    assert_int_equal(i.sector_size, SECTOR);
    assert_int_equal(i.log_sectors, log);
    assert_int_equal(i.settings_sectors, 2u);
    assert_int_equal(i.mirror_sectors, 3u);
    assert_int_equal(i.journal_sectors, SECTORS - log - 2u - 3u);
    assert_true(i.billing_capacity >= 36u);
    double budget = (double)(i.journal_sectors - 1u) * (SECTOR - OMP_STORE_SECTOR_HDR) * 1e5 * 0.75;
    double life_s = 20.0 * 31556952.0;
    double want_s = (double)i.hot_record_bytes * life_s / budget;
    assert_true(i.hot_min_interval_s >= (uint32_t)want_s && i.hot_min_interval_s <= (uint32_t)want_s + 1u);
    double loss_wh = 23000.0 * (want_s + 1.0) / 3600.0 + 10.0;
    expect_near("loss bound Wh", i.loss_bound_mwh / 1000.0, loss_wh, 1.0 + 23000.0 / 3600.0);
    printf("64 KiB: journal %u + log %u sectors, hot record %u B, hot saves >= %u s apart, "
           "loss bound %.1f Wh at Imax\n", i.journal_sectors, i.log_sectors, i.hot_record_bytes,
           i.hot_min_interval_s, i.loss_bound_mwh / 1000.0);
    assert_int_equal(omp_meter_nvm_info(NULL, &i), OMP_ERR_ARG);
    assert_int_equal(omp_meter_nvm_info(&f->m, NULL), OMP_ERR_ARG);
}

static void test_on_rx_args(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    const uint8_t b[3] = { '/', '?', '!' };
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
        cmocka_unit_test(test_energy_sine_capacitive_q4),
        cmocka_unit_test(test_energy_sine_export_q2_q3),
        cmocka_unit_test(test_energy_tiny_power_no_rounding_loss),
        cmocka_unit_test(test_energy_late_tick_loses_nothing),
        cmocka_unit_test(test_restart_continuity),
        cmocka_unit_test(test_restart_without_flush_bounded_loss),
        cmocka_unit_test(test_power_fail_input_saves),
        cmocka_unit_test(test_save_failure_is_retried),
        cmocka_unit_test(test_power_cut_every_byte_of_flush),
        cmocka_unit_test(test_power_cut_during_init),
        cmocka_unit_test(test_journal_wrap_and_wear),
        cmocka_unit_test(test_corrupt_record_ignored),
        cmocka_unit_test(test_old_layout_rejected),
        cmocka_unit_test(test_calibration_is_legal),
        cmocka_unit_test(test_saved_utc_restored),
        cmocka_unit_test(test_hour_counter),
        cmocka_unit_test(test_supply_threshold_160v),
        cmocka_unit_test(test_load_threshold_2w3),
        cmocka_unit_test(test_pulse_width_80),
        cmocka_unit_test(test_led_steady_z2),
        cmocka_unit_test(test_display_energy_format),
        cmocka_unit_test(test_display_scroll),
        cmocka_unit_test(test_display_summer_time_and_snapshot),
        cmocka_unit_test(test_display_lists_buttons_events),
        cmocka_unit_test(test_display_battery_list),
        cmocka_unit_test(test_tamper_events),
        cmocka_unit_test(test_tariff_calendar_split),
        cmocka_unit_test(test_tariff_module_inputs),
        cmocka_unit_test(test_billing_through_meter),
        cmocka_unit_test(test_pulse_and_debiting_inputs),
        cmocka_unit_test(test_nvm_info_budget),
        cmocka_unit_test(test_on_rx_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
