/*
 * Metrology acceptance bench (shared/spec/metrology-and-power-quality.md §4), fast subset: every
 * test of M1..M12 except M3 (hours of signal) at a few points, at fs 4000 and 8000, front-end
 * model on (engine calibrated with its own routine) and off (ideal codes, limits / 10).
 * The full grid, M3 and M4 over 24 h are in test_metrology_accuracy_slow.c.
 *
 * Expected values come from omp_wave_true() of the generator's parameters, cross-checked here
 * against closed-form formulas (test_truth_analytic); never from a run of the engine.
 * Harness and limits: tests/metro_harness.h. On failure every failing point is printed with fs,
 * FE, test id, U, f, I, PF and the measured error.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MS_MAX_POINTS 400u
#include "metro_suite.h"

static int group_setup(void **state)
{
    (void)state;
    const struct mh_grid_opts o = {
        .full = false, .min_s = 30.0, .pulses = 0.0, .max_s = 0.0, .m3 = false,
        .m4_s = 300.0, .m4_fs8000 = false,
    };
    return ms_setup(&o, 1u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calibration),
        cmocka_unit_test(test_truth_analytic),
        cmocka_unit_test(test_m1_active),
        cmocka_unit_test(test_m2_reactive),
        cmocka_unit_test(test_m4_no_load),
        cmocka_unit_test(test_m5_creep_threshold),
        cmocka_unit_test(test_m6_voltage),
        cmocka_unit_test(test_m7_frequency),
        cmocka_unit_test(test_m7_frequency_q1),
        cmocka_unit_test(test_m8_harmonics),
        cmocka_unit_test(test_m9_half_wave),
        cmocka_unit_test(test_m10_phase_fired_burst),
        cmocka_unit_test(test_m11_urms),
        cmocka_unit_test(test_m11_irms),
        cmocka_unit_test(test_m12_pf_angle),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
