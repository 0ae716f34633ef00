/*
 * Tests of omnipower-sim's building block (ports/posix/sim_load.c): the synthetic load's samples
 * carry the power the model claims (independent sum of v*i over one second), the daily profile is
 * plausible and deterministic, and a meter fed by the model registers the model's energy.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/port_posix.h"
#include "omnipower/posix_sim.h"

#define T_2026_01_01 ((int64_t)1767225600) /* Thursday, 00:00 (used as local time here) */
#define DAY 86400

struct fx {
    struct omp_meter_cfg cfg;
    struct omp_sim_load load;
    int32_t *vi; /* one second */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return -1;
    }
    omp_meter_cfg_default(&f->cfg);
    if (omp_sim_load_init(&f->load, f->cfg.sample_rate_hz, 50u, (double)f->cfg.cal.v_gain,
                          (double)f->cfg.cal.i_gain) != OMP_OK) {
        free(f);
        return -1;
    }
    f->vi = calloc(2u * f->cfg.sample_rate_hz, sizeof *f->vi);
    *state = f;
    return f->vi != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    omp_sim_load_free(&f->load);
    omp_sim_load_free(&f->load); /* twice is harmless */
    free(f->vi);
    free(f);
    return 0;
}

/* P, Urms, Irms of one second of samples, computed here from the codes. */
static void measure(const struct fx *f, double *p_w, double *u_v, double *i_a)
{
    size_t n = f->cfg.sample_rate_hz;
    double svi = 0.0, svv = 0.0, sii = 0.0;
    for (size_t k = 0; k < n; k++) {
        double v = (double)f->vi[2u * k] * (double)f->cfg.cal.v_gain;
        double i = (double)f->vi[2u * k + 1u] * (double)f->cfg.cal.i_gain;
        svi += v * i;
        svv += v * v;
        sii += i * i;
    }
    *p_w = svi / (double)n;
    *u_v = sqrt(svv / (double)n);
    *i_a = sqrt(sii / (double)n);
}

static void test_init_arguments(void **state)
{
    (void)state;
    struct omp_sim_load l;
    assert_int_equal(omp_sim_load_init(&l, 8000u, 60u, 1e-4, 1e-5), OMP_ERR_ARG); /* 8000/60 */
    assert_int_equal(omp_sim_load_init(&l, 8000u, 50u, 0.0, 1e-5), OMP_ERR_ARG);
    assert_int_equal(omp_sim_load_init(&l, 8000u, 50u, 1e-4, NAN), OMP_ERR_ARG);
    assert_int_equal(omp_sim_load_init(NULL, 8000u, 50u, 1e-4, 1e-5), OMP_ERR_ARG);
    assert_string_equal(omp_sim_appliance_name(OMP_SIM_KETTLE), "kettle");
    assert_string_equal(omp_sim_appliance_name(OMP_SIM_APPLIANCE_COUNT), "?");
}

/* The samples carry the model's P, 230 V and its rms current, at many moments of a week. */
static void test_samples_match_model(void **state)
{
    struct fx *f = *state;
    unsigned checked = 0;
    for (int64_t t = T_2026_01_01; t < T_2026_01_01 + 7 * DAY; t += 1217) {
        omp_sim_load_set_time(&f->load, t);
        omp_sim_load_fill(&f->load, (uint64_t)t * 3u, f->vi, f->cfg.sample_rate_hz);
        double p, u, i;
        measure(f, &p, &u, &i);
        assert_true(fabs(u - 230.0) < 0.01);
        assert_true(fabs(p - f->load.p_w) < 0.001 * f->load.p_w + 0.05);
        assert_true(fabs(i - f->load.i_rms_a) < 0.001 * f->load.i_rms_a + 0.001);
        assert_true(f->load.p_w >= 100.0 && f->load.p_w < 12000.0);
        checked++;
    }
    assert_true(checked > 400u);
}

/* A day of the model: plausible household energy, a quiet night, an evening peak, appliances. */
static void test_daily_profile(void **state)
{
    struct fx *f = *state;
    for (int64_t day = 0; day < 14; day++) {
        int64_t t0 = T_2026_01_01 + day * DAY;
        double wh = 0.0, night_max = 0.0, evening_max = 0.0, min_w = 1e9;
        uint32_t seen = 0;
        for (int64_t s = 0; s < DAY; s += 10) {
            omp_sim_load_set_time(&f->load, t0 + s);
            double w = f->load.p_w;
            wh += w * 10.0 / 3600.0;
            seen |= f->load.on;
            min_w = fmin(min_w, w);
            if (s >= 1 * 3600 && s < 5 * 3600) {
                night_max = fmax(night_max, w);
            }
            if (s >= 17 * 3600 && s < 19 * 3600) {
                evening_max = fmax(evening_max, w);
            }
        }
        assert_true(wh > 4000.0 && wh < 16000.0);   /* 4..16 kWh per day */
        assert_true(min_w >= 100.0 && min_w < 200.0); /* base load */
        assert_true(night_max < 300.0);
        assert_true(evening_max > 2000.0);           /* cooking */
        assert_true((seen & (1u << OMP_SIM_KETTLE)) != 0u);
        assert_true((seen & (1u << OMP_SIM_FRIDGE)) != 0u);
        assert_true((seen & (1u << OMP_SIM_LIGHTS)) != 0u);
    }
    /* deterministic: the same moment gives the same load */
    omp_sim_load_set_time(&f->load, T_2026_01_01 + 18 * 3600);
    struct omp_sim_load copy = f->load;
    omp_sim_load_set_time(&f->load, T_2026_01_01 + 3 * 3600);
    omp_sim_load_set_time(&f->load, T_2026_01_01 + 18 * 3600);
    assert_true(copy.p_w == f->load.p_w && copy.on == f->load.on);
    assert_true(copy.i1_sin == f->load.i1_sin && copy.i1_cos == f->load.i1_cos);
}

/* A meter on the RAM NVM fed by the model over an evening hour registers the model's energy. */
static void test_meter_registers_model_energy(void **state)
{
    struct fx *f = *state;
    struct omp_posix_port p;
    omp_posix_port_init(&p);
    struct omp_nvm_geometry geo;
    omp_posix_nvm_default_geometry(&geo);
    assert_int_equal(omp_posix_port_use_ram_nvm(&p, &geo), OMP_OK);
    struct omp_hal hal = omp_posix_port_hal(&p);
    const omp_time_s start = 1767284400; /* 2026-01-01T16:20:00Z = 17:20 local: cooking */
    omp_posix_clock_init_sim(&p.clock, start);
    struct omp_now now;
    assert_int_equal(omp_posix_clock_now(&p.clock, &now), OMP_OK);
    struct omp_meter *m = calloc(1, sizeof *m);
    assert_non_null(m);
    assert_int_equal(omp_meter_init(m, &hal, &f->cfg, &now), OMP_OK);
    size_t per_tick = f->cfg.sample_rate_hz / 10u;
    double model_wh = 0.0;
    uint64_t sample = 0;
    for (int tick = 0; tick < 3600 * 10; tick++) {
        omp_sim_load_set_time(&f->load, now.utc_s + 3600);
        model_wh += f->load.p_w * 0.1 / 3600.0;
        omp_sim_load_fill(&f->load, sample, f->vi, per_tick);
        sample += per_tick;
        omp_meter_on_samples(m, f->vi, per_tick);
        omp_posix_clock_advance_ms(&p.clock, 100);
        assert_int_equal(omp_posix_clock_now(&p.clock, &now), OMP_OK);
        omp_meter_tick(m, &now);
        (void)omp_meter_poll(m);
    }
    struct omp_meter_snapshot s;
    assert_int_equal(omp_meter_snapshot(m, &s), OMP_OK);
    double meter_wh = (double)s.a_plus_mwh / 1000.0;
    print_message("evening hour: model %.3f Wh, meter %.3f Wh\n", model_wh, meter_wh);
    assert_true(model_wh > 500.0);
    assert_true(fabs(meter_wh - model_wh) < 0.002 * model_wh);
    assert_int_equal(s.a_minus_mwh, 0u);
    free(m);
    omp_posix_port_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_arguments),
        cmocka_unit_test_setup_teardown(test_samples_match_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daily_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meter_registers_model_energy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
