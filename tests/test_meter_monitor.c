/*
 * The register monitor 0.0.16.0.0.255 in a driven meter (docs/cosem.md "Demand and monitor"):
 * the fake board's sample stream at 230 V and a current the test chooses, ticked and polled every
 * 100 ms, with PowerThresholdValue 1000 W. Active power import of a pure sine in phase is
 * U * I: 230 V x 2 A = 460 W (below), 230 V x 10 A = 2300 W (above). Each crossing must put
 * exactly one OMP_EV_MONITOR_UP / _DOWN on the meter's event queue, with the power in W (within
 * 1 % of U * I: the engine's gates and filters), and staying on one side puts nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/hal_fakes.h"
#include "omnipower/meter.h"

#define SECTOR 4096u
#define SECTORS 16u
#define SIZE (SECTOR * SECTORS)
#define T0 ((omp_time_s)1705320000) /* 2024-01-15T12:00:00Z */
#define PI 3.14159265358979323846

static const struct omp_nvm_geometry k_geo = {
    .size = SIZE, .sector_size = SECTOR, .program_unit = 8u, .erase_value = 0xFFu,
    .erase_cycles = 100000u,
};

struct fx {
    uint8_t mem[SIZE];
    struct omp_fake_board b;
    struct omp_hal hal;
    struct omp_meter_cfg cfg;
    struct omp_meter m;
    struct omp_evq_reader rd;
};

static struct fx g_fx;

/* sin(x) by range reduction and its Taylor series (tests do not link libm). */
static double t_sin(double x)
{
    long turns = (long)(x / (2.0 * PI));
    x -= (double)turns * 2.0 * PI;
    if (x > PI) {
        x -= 2.0 * PI;
    } else if (x < -PI) {
        x += 2.0 * PI;
    }
    double term = x, sum = x;
    for (int k = 1; k < 20; k++) {
        term *= -x * x / (double)((2 * k) * (2 * k + 1));
        sum += term;
    }
    return sum;
}

#define SPC_MAX (32000 / 50)
static int32_t g_cycle[2 * SPC_MAX];
static int g_spc;

/* One 50 Hz cycle of interleaved codes at @p urms, @p irms, in phase. */
static void make_sine(const struct omp_meter_cfg *cfg, double urms, double irms)
{
    g_spc = (int)(cfg->sample_rate_hz / 50u);
    assert_true(g_spc <= SPC_MAX);
    double vp = urms * 1.4142135623730951 / (double)cfg->cal.v_gain;
    double ip = irms * 1.4142135623730951 / (double)cfg->cal.i_gain;
    for (int k = 0; k < g_spc; k++) {
        double th = 2.0 * PI * (double)k / (double)g_spc;
        double v = vp * t_sin(th), i = ip * t_sin(th);
        g_cycle[2 * k] = (int32_t)(v >= 0.0 ? v + 0.5 : v - 0.5);
        g_cycle[2 * k + 1] = (int32_t)(i >= 0.0 ? i + 0.5 : i - 0.5);
    }
}

/* @p seconds of the cycle, ticking and polling each 100 ms. */
static void run(struct fx *f, unsigned seconds)
{
    for (unsigned s = 0; s < seconds * 10u; s++) {
        for (int c = 0; c < 5; c++) {
            omp_meter_on_samples(&f->m, g_cycle, (size_t)g_spc);
        }
        omp_fake_clock_advance_ms(&f->b.clock, 100u);
        omp_meter_tick(&f->m, &f->b.clock.now);
        assert_int_equal(omp_meter_poll(&f->m), OMP_OK);
    }
}

static struct fx *fx_new(uint32_t threshold_w)
{
    struct fx *f = &g_fx;
    memset(f, 0, sizeof *f);
    assert_int_equal(omp_fake_board_init(&f->b, f->mem, &k_geo, NULL, T0), OMP_OK);
    f->hal = omp_fake_board_hal(&f->b);
    omp_meter_cfg_default(&f->cfg);
    f->cfg.meter_number = 12345678u;
    f->cfg.power_threshold_w = threshold_w;
    assert_int_equal(omp_meter_init(&f->m, &f->hal, &f->cfg, &f->b.clock.now), OMP_OK);
    assert_int_equal(omp_evq_reader_init(&f->m.events, &f->rd), OMP_OK);
    return f;
}

/* The monitor's events queued since the last call, into @p out (at most @p cap). */
static size_t monitor_events(struct fx *f, struct omp_event *out, size_t cap)
{
    size_t n = 0;
    struct omp_event ev;
    while (omp_evq_read(&f->m.events, &f->rd, &ev, NULL) == OMP_OK) {
        if (ev.code == OMP_EV_MONITOR_UP || ev.code == OMP_EV_MONITOR_DOWN) {
            assert_true(n < cap);
            out[n++] = ev;
        }
    }
    return n;
}

static void test_crossings(void **state)
{
    (void)state;
    struct fx *f = fx_new(1000u);
    struct omp_event ev[4];
    make_sine(&f->cfg, 230.0, 2.0);
    run(f, 2u);
    assert_int_equal(monitor_events(f, ev, 4u), 0u); /* 460 W: below from the start */
    make_sine(&f->cfg, 230.0, 10.0);
    run(f, 2u);
    assert_int_equal(monitor_events(f, ev, 4u), 1u); /* up once, at about 2300 W */
    assert_int_equal(ev[0].code, OMP_EV_MONITOR_UP);
    assert_in_range(ev[0].arg, 2277u, 2323u);
    assert_int_equal(ev[0].flags, 0u);
    assert_in_range(ev[0].utc_s, T0, T0 + 4);
    run(f, 3u);
    assert_int_equal(monitor_events(f, ev, 4u), 0u); /* still above: nothing more */
    make_sine(&f->cfg, 230.0, 2.0);
    run(f, 2u);
    assert_int_equal(monitor_events(f, ev, 4u), 1u); /* down once, at about 460 W */
    assert_int_equal(ev[0].code, OMP_EV_MONITOR_DOWN);
    assert_in_range(ev[0].arg, 455u, 465u);
    assert_in_range(ev[0].utc_s, T0 + 7, T0 + 9);
    /* their codes are in the standard event log's range (0x03xx) */
    assert_int_equal(omp_evlog_of(OMP_EV_MONITOR_UP), OMP_EVLOG_STANDARD);
    assert_int_equal(omp_evlog_of(OMP_EV_MONITOR_DOWN), OMP_EVLOG_STANDARD);
}

/* PowerThresholdValue 0 (the factory's: off): no crossing is reported. */
static void test_off(void **state)
{
    (void)state;
    struct fx *f = fx_new(0u);
    struct omp_event ev[4];
    make_sine(&f->cfg, 230.0, 10.0);
    run(f, 2u);
    make_sine(&f->cfg, 230.0, 0.0);
    run(f, 2u);
    assert_int_equal(monitor_events(f, ev, 4u), 0u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crossings),
        cmocka_unit_test(test_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
