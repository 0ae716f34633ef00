/*
 * The metrology acceptance suite shared by test_metrology_accuracy.c (fast subset) and
 * test_metrology_accuracy_slow.c (every point): one grid run in the group setup, then one cmocka
 * test per check of the spec (§4). Include after defining MS_MAX_POINTS; call ms_setup() from the
 * group setup with the file's grid options and worker count.
 */
#ifndef OMP_TESTS_METRO_SUITE_H
#define OMP_TESTS_METRO_SUITE_H

#define MH_IMPLEMENTATION
#include "metro_harness.h"

#define PI 3.14159265358979323846

static struct mh_point g_pts[MS_MAX_POINTS];
static struct mh_result g_res[MS_MAX_POINTS];
static size_t g_n;
static struct mh_cal g_cal4000, g_cal8000;

/* Build the grid, calibrate at both rates and run every point; prints the run's size and speed. */
static int ms_setup(const struct mh_grid_opts *o, unsigned workers)
{
    g_n = mh_build_grid(g_pts, MS_MAX_POINTS, o);
    if (g_n == 0u) {
        return -1;
    }
    const double t0 = mh_now_s();
    (void)mh_calibrate(4000u, &g_cal4000);
    (void)mh_calibrate(8000u, &g_cal8000);
    (void)mh_run_grid(g_pts, g_res, g_n, workers, &g_cal4000, &g_cal8000);
    double signal_s = 0.0, pairs = 0.0;
    for (size_t k = 0; k < g_n; k++) {
        signal_s += mh_signal_seconds(&g_pts[k]);
        pairs += (double)g_res[k].samples;
    }
    const double wall = mh_now_s() - t0;
    printf("[ metro    ] %zu points, %.0f s of signal, %.1f M sample pairs in %.1f s wall "
           "(%.1f M pairs/s, calibration included)\n", g_n, signal_s, pairs * 1e-6, wall,
           wall > 0.0 ? pairs * 1e-6 / wall : 0.0);
    return 0;
}

static void check(enum mh_check c)
{
    struct mh_summary s;
    const unsigned fails = mh_evaluate(c, g_pts, g_res, g_n, stdout, NULL, &s);
    if (s.worst_index >= 0) {
        char d[160];
        mh_describe(&g_pts[s.worst_index], d, sizeof d);
        printf("[ metro    ] %s: %u points, %u failed; worst %+.5g (limit %.4g) at %s\n",
               mh_check_name[c], s.points, s.failures, s.worst, s.worst_limit, d);
    }
    assert_true(s.points > 0u);
    assert_int_equal(fails, 0u);
    /* beside the standard's limit, the regression limit (metro_harness.h), FE on and off apart */
    for (int fe = 1; fe >= 0; fe--) {
        struct mh_summary f;
        (void)mh_evaluate_fe(c, fe, g_pts, g_res, g_n, NULL, NULL, &f);
        const double reg = mh_regress_limit(c, fe != 0);
        if (f.points == 0u || !(reg > 0.0)) {
            continue;
        }
        printf("[ metro    ] %s FE %s: worst |value| %.4g, regression limit %.4g\n",
               mh_check_name[c], fe ? "on" : "off", f.max_abs, reg);
        assert_true(f.max_abs <= reg);
    }
}

static void print_cal(uint32_t fs, const struct mh_cal *c)
{
    printf("[ metro    ] calibration fs=%u: %s; v_gain %.6e (nominal %.6e) i_gain %.6e (nominal "
           "%.6e) phase %.4f deg, offsets %d/%d\n", (unsigned)fs,
           c->status == 0 ? "ok" : omp_err_name(c->err), (double)c->cal.v_gain,
           (double)c->nominal.v_gain, (double)c->cal.i_gain, (double)c->nominal.i_gain,
           (double)c->cal.phase_deg, (int)c->cal.v_offset, (int)c->cal.i_offset);
}

/* The spec's front end has +0.5 % gains and a 0.30 deg lag: the calibration must find them. */
static void test_calibration(void **state)
{
    (void)state;
    const struct mh_cal *cs[2] = { &g_cal4000, &g_cal8000 };
    for (size_t k = 0; k < 2u; k++) {
        const struct mh_cal *c = cs[k];
        print_cal(k == 0u ? 4000u : 8000u, c);
        assert_int_equal(c->status, 0);
        assert_true(fabs((double)c->cal.v_gain * 1.005 / (double)c->nominal.v_gain - 1.0) < 2e-4);
        assert_true(fabs((double)c->cal.i_gain * 1.005 / (double)c->nominal.i_gain - 1.0) < 2e-4);
        assert_true(fabs((double)c->cal.phase_deg - 0.30) < 0.02);
    }
}

/* omp_wave_true against closed forms (the bench's truth must not depend on one implementation). */
static void test_truth_analytic(void **state)
{
    (void)state;
    unsigned checked = 0;
    for (size_t k = 0; k < g_n; k++) {
        const struct mh_point *p = &g_pts[k];
        const struct omp_wave_truth *t = &g_res[k].truth;
        if (g_res[k].status != 0) {
            continue;
        }
        const double u = p->urms_v, i = p->irms_a, ph = p->phi_deg * PI / 180.0;
        double p_w = 0.0, q_var = 0.0;
        switch (p->wave) {
        case MH_WAVE_SINE:
            p_w = u * i * cos(ph);
            q_var = u * i * sin(ph);
            break;
        case MH_WAVE_H5: /* U1 I1 + U5 I5, in phase */
            p_w = u * i + (0.1 * u) * (0.4 * i);
            break;
        case MH_WAVE_EN50160: /* sinusoidal current: only the fundamental carries power */
            p_w = u * i;
            break;
        case MH_WAVE_HALF_WAVE:   /* fundamental of a half-wave rectified sine: half amplitude */
        case MH_WAVE_PHASE_FIRED: /* 90 deg: (pi - a + sin(2a)/2) / pi = 1/2, in phase */
        case MH_WAVE_BURST:       /* on half of the time */
            p_w = 0.5 * u * i;
            break;
        case MH_WAVE_NO_LOAD:
        default:
            continue;
        }
        const double s = u * (i > 0.0 ? i : 1.0);
        assert_true(fabs(t->p_w - p_w) <= 1e-6 * s);
        if (p->wave == MH_WAVE_SINE) {
            assert_true(fabs(t->q1_var - q_var) <= 1e-6 * s);
            assert_true(fabs(t->irms_a - i) <= 1e-6 * (i > 0.0 ? i : 1.0));
            assert_true(fabs(t->urms_v - u) <= 1e-6 * u);
        }
        if (p->wave == MH_WAVE_HALF_WAVE) {
            assert_true(fabs(t->irms_a - i / sqrt(2.0)) <= 1e-6 * i); /* 70.7 A for 100 A */
        }
        if (p->wave == MH_WAVE_EN50160) { /* THD 8 % */
            assert_true(fabs(sqrt(t->urms_v * t->urms_v - u * u) / u - 0.08) < 2e-4);
        }
        checked++;
    }
    assert_true(checked > 0u);
}

/* M3 runs hours of signal: only the slow suite lists it */
__attribute__((unused)) static void test_m3_starting(void **state) { (void)state; check(MH_M3); }
static void test_m1_active(void **state) { (void)state; check(MH_M1); }
static void test_m2_reactive(void **state) { (void)state; check(MH_M2); }
static void test_m4_no_load(void **state) { (void)state; check(MH_M4); }
static void test_m5_creep_threshold(void **state) { (void)state; check(MH_M5); }
static void test_m6_voltage(void **state) { (void)state; check(MH_M6); }
static void test_m7_frequency(void **state) { (void)state; check(MH_M7P); }
static void test_m7_frequency_q1(void **state) { (void)state; check(MH_M7Q); }
static void test_m8_harmonics(void **state) { (void)state; check(MH_M8); }
static void test_m9_half_wave(void **state) { (void)state; check(MH_M9); }
static void test_m10_phase_fired_burst(void **state) { (void)state; check(MH_M10); }
static void test_m11_urms(void **state) { (void)state; check(MH_M11U); }
static void test_m11_irms(void **state) { (void)state; check(MH_M11I); }
static void test_m12_pf_angle(void **state) { (void)state; check(MH_M12); }

#endif /* OMP_TESTS_METRO_SUITE_H */
