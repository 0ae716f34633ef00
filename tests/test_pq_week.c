/*
 * Unit tests of the weekly EN 50160 evaluation (lib/pq/pq_week.c), Q8 of the metrology and
 * power-quality spec (§4) and the limits of §2.1, §2.2, §2.4. Expected counts and verdicts are
 * hand-computed: 1008 values a week; 95 % of 1008 = 957.6, so 958 within (50 out) complies and 957
 * (51 out) does not; 99.5 % of 60 480 ten-second values = 60 177.6, so 302 out complies, 303 not.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/pq_event.h"

#define WEEK     1008u
#define WEEK_10S 60480u

static void near_impl(double a, double b, double tol, const char *expr, int line)
{
    if (!(fabs(a - b) <= tol)) {
        print_error("line %d: %s: %.9g vs %.9g (tol %.3g)\n", line, expr, a, b, tol);
        fail();
    }
}
#define assert_near(a, b, tol) near_impl((double)(a), (double)(b), (double)(tol), #a, __LINE__)

/* A clean 10-min value: 230 V, THD 2 %, every harmonic at half its EN 50160 limit. */
static struct omp_pq_10min clean(void)
{
    static const float half_limit[OMP_PQ_WEEK_H_COUNT] = {
        1.0f,  2.5f,  0.5f,  3.0f, 0.25f, 2.5f,  0.25f, 0.75f, 0.25f, 1.75f, 0.25f, 1.5f,
        0.25f, 0.25f, 0.25f, 1.0f, 0.25f, 0.75f, 0.25f, 0.25f, 0.25f, 0.75f, 0.25f, 0.75f};
    struct omp_pq_10min v;
    memset(&v, 0, sizeof v);
    v.urms_v = 230.0f;
    v.thd_u_pct = 2.0f;
    memcpy(v.harm_pct, half_limit, sizeof half_limit);
    return v;
}

static struct omp_pq_week_result get(const struct omp_pq_week *w, enum omp_pq_week_q q)
{
    struct omp_pq_week_result r;
    assert_int_equal(omp_pq_week_get(w, q, &r), OMP_OK);
    return r;
}

/* The §2.2 table as printed (orders 2..25). */
static void test_harmonic_limits(void **state)
{
    (void)state;
    assert_near(omp_pq_harmonic_limit_pct(2), 2.0, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(3), 5.0, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(4), 1.0, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(5), 6.0, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(7), 5.0, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(9), 1.5, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(11), 3.5, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(13), 3.0, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(15), 0.5, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(17), 2.0, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(19), 1.5, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(21), 0.5, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(23), 1.5, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(25), 1.5, 0.0);
    for (unsigned h = 6; h <= 24; h += 2) {
        assert_near(omp_pq_harmonic_limit_pct(h), 0.5, 0.0);
    }
    assert_near(omp_pq_harmonic_limit_pct(1), 0.0, 0.0);
    assert_near(omp_pq_harmonic_limit_pct(26), 0.0, 0.0);
}

/* Q8 on the voltage: 50 values at 200 V (outside 207..253, inside 195.5..253) comply, 51 not. */
static void test_q8_voltage(void **state)
{
    (void)state;
    for (unsigned out = 50; out <= 51; out++) {
        struct omp_pq_week w;
        assert_int_equal(omp_pq_week_init(&w, 230.0f, 50.0f), OMP_OK);
        for (unsigned k = 0; k < WEEK; k++) {
            struct omp_pq_10min v = clean();
            if (k % 20u == 3u && k / 20u < out) {
                v.urms_v = 200.0f;
            }
            omp_pq_week_add_10min(&w, &v);
        }
        struct omp_pq_week_result r = get(&w, OMP_PQ_WEEK_U95);
        assert_int_equal(r.valid, WEEK);
        assert_int_equal(r.within, WEEK - out);
        assert_int_equal(r.verdict, out == 50u ? OMP_PQ_COMPLIANT : OMP_PQ_NOT_COMPLIANT);
        assert_near(r.share_pct, 100.0 * (double)(WEEK - out) / WEEK, 1e-4);
        r = get(&w, OMP_PQ_WEEK_U100);
        assert_int_equal(r.verdict, OMP_PQ_COMPLIANT);
        assert_int_equal(get(&w, OMP_PQ_WEEK_THD).verdict, OMP_PQ_COMPLIANT);
        assert_int_equal(get(&w, OMP_PQ_WEEK_HARM).verdict, OMP_PQ_COMPLIANT);
    }
}

/* Limits are inclusive: 207, 253 within; 195.5 within the wide band; 195.4 and 253.1 out. */
static void test_voltage_edges(void **state)
{
    (void)state;
    struct omp_pq_week w;
    assert_int_equal(omp_pq_week_init(&w, 230.0f, 50.0f), OMP_OK);
    static const float u[5] = {207.0f, 253.0f, 195.5f, 195.4f, 253.1f};
    for (unsigned k = 0; k < 5u; k++) {
        struct omp_pq_10min v = clean();
        v.urms_v = u[k];
        omp_pq_week_add_10min(&w, &v);
    }
    assert_int_equal(get(&w, OMP_PQ_WEEK_U95).within, 2);
    struct omp_pq_week_result r = get(&w, OMP_PQ_WEEK_U100);
    assert_int_equal(r.within, 3);
    assert_int_equal(r.verdict, OMP_PQ_NOT_COMPLIANT);
}

/* Flagged values are excluded: 50 out of 1008 valid plus 40 flagged ones far out still complies;
 * 10 flagged among the 1008 (998 valid, 50 out: 948 within < 948.1) does not. */
static void test_q8_flagged(void **state)
{
    (void)state;
    struct omp_pq_week w;
    assert_int_equal(omp_pq_week_init(&w, 230.0f, 50.0f), OMP_OK);
    for (unsigned k = 0; k < WEEK + 40u; k++) {
        struct omp_pq_10min v = clean();
        if (k >= WEEK) {
            v.urms_v = 150.0f;
            v.thd_u_pct = 20.0f;
            v.harm_pct[3] = 9.0f;
            v.flagged = true;
        } else if (k < 50u) {
            v.urms_v = 200.0f;
        }
        omp_pq_week_add_10min(&w, &v);
    }
    struct omp_pq_week_result r = get(&w, OMP_PQ_WEEK_U95);
    assert_int_equal(r.valid, WEEK);
    assert_int_equal(r.flagged, 40);
    assert_int_equal(r.verdict, OMP_PQ_COMPLIANT);
    assert_int_equal(get(&w, OMP_PQ_WEEK_U100).verdict, OMP_PQ_COMPLIANT);
    assert_int_equal(get(&w, OMP_PQ_WEEK_THD).verdict, OMP_PQ_COMPLIANT);
    assert_int_equal(get(&w, OMP_PQ_WEEK_HARM).within, WEEK);

    assert_int_equal(omp_pq_week_init(&w, 230.0f, 50.0f), OMP_OK);
    for (unsigned k = 0; k < WEEK; k++) {
        struct omp_pq_10min v = clean();
        v.flagged = k >= WEEK - 10u;
        if (k < 50u) {
            v.urms_v = 200.0f;
        }
        omp_pq_week_add_10min(&w, &v);
    }
    r = get(&w, OMP_PQ_WEEK_U95);
    assert_int_equal(r.valid, 998);
    assert_int_equal(r.within, 948);
    assert_int_equal(r.verdict, OMP_PQ_NOT_COMPLIANT);
}

/* THD (N2) and individual harmonics (N1): 8.0 % and h5 = 6.0 % are within; 50 out comply, 51 not.
 * N1 counts a value once even with two orders out. */
static void test_q8_thd_harmonics(void **state)
{
    (void)state;
    for (unsigned out = 50; out <= 51; out++) {
        struct omp_pq_week w;
        assert_int_equal(omp_pq_week_init(&w, 230.0f, 50.0f), OMP_OK);
        for (unsigned k = 0; k < WEEK; k++) {
            struct omp_pq_10min v = clean();
            v.thd_u_pct = k < out ? 8.01f : 8.0f;
            v.harm_pct[5 - 2] = 6.0f;
            if (k >= 500u && k < 500u + out) {
                v.harm_pct[15 - 2] = 0.51f;
                v.harm_pct[24 - 2] = 0.6f;
            }
            omp_pq_week_add_10min(&w, &v);
        }
        uint8_t expect = out == 50u ? OMP_PQ_COMPLIANT : OMP_PQ_NOT_COMPLIANT;
        assert_int_equal(get(&w, OMP_PQ_WEEK_THD).verdict, expect);
        struct omp_pq_week_result r = get(&w, OMP_PQ_WEEK_HARM);
        assert_int_equal(r.within, WEEK - out);
        assert_int_equal(r.verdict, expect);
        assert_int_equal(omp_pq_week_harmonic(&w, 15, &r), OMP_OK);
        assert_int_equal(r.within, WEEK - out);
        assert_int_equal(omp_pq_week_harmonic(&w, 5, &r), OMP_OK);
        assert_int_equal(r.within, WEEK);
        assert_int_equal(r.verdict, OMP_PQ_COMPLIANT);
        assert_int_equal(omp_pq_week_harmonic(&w, 26, &r), OMP_ERR_ARG);
        assert_int_equal(get(&w, OMP_PQ_WEEK_U95).verdict, OMP_PQ_COMPLIANT);
    }
}

/* Frequency over a week of 10-s values: 302 at 49.4 Hz comply with 99.5 %, 303 do not; 49.5 and
 * 50.5 Hz are within; one value at 46.9 Hz (below 47 Hz) fails the 100 % rule, 47.0 does not. */
static void test_frequency(void **state)
{
    (void)state;
    for (unsigned out = 302; out <= 303; out++) {
        struct omp_pq_week w;
        assert_int_equal(omp_pq_week_init(&w, 230.0f, 50.0f), OMP_OK);
        for (unsigned k = 0; k < WEEK_10S; k++) {
            float f = k % 2u ? 49.5f : 50.5f;
            if (k < out) {
                f = 49.4f;
            }
            if (k == 1000u) {
                f = 47.0f;
            }
            omp_pq_week_add_10s(&w, f, false);
        }
        omp_pq_week_add_10s(&w, 40.0f, true);
        struct omp_pq_week_result r = get(&w, OMP_PQ_WEEK_F995);
        assert_int_equal(r.valid, WEEK_10S);
        assert_int_equal(r.flagged, 1);
        assert_int_equal(r.within, WEEK_10S - out - 1u);   /* the 47 Hz value is out of +-1 % */
        assert_int_equal(r.verdict, OMP_PQ_NOT_COMPLIANT); /* 303 or 304 out */
        assert_int_equal(get(&w, OMP_PQ_WEEK_F100).verdict, OMP_PQ_COMPLIANT);
        omp_pq_week_add_10s(&w, 46.9f, false);
        assert_int_equal(get(&w, OMP_PQ_WEEK_F100).verdict, OMP_PQ_NOT_COMPLIANT);
    }
}

/* 302 out of 60 480 complies, 303 does not (no 47 Hz value here). */
static void test_frequency_995(void **state)
{
    (void)state;
    for (unsigned out = 302; out <= 303; out++) {
        struct omp_pq_week w;
        assert_int_equal(omp_pq_week_init(&w, 230.0f, 50.0f), OMP_OK);
        for (unsigned k = 0; k < WEEK_10S; k++) {
            omp_pq_week_add_10s(&w, k < out ? 50.6f : 50.0f, false);
        }
        struct omp_pq_week_result r = get(&w, OMP_PQ_WEEK_F995);
        assert_int_equal(r.within, WEEK_10S - out);
        assert_int_equal(r.verdict, out == 302u ? OMP_PQ_COMPLIANT : OMP_PQ_NOT_COMPLIANT);
    }
}

static void test_no_data_and_args(void **state)
{
    (void)state;
    struct omp_pq_week w;
    assert_int_equal(omp_pq_week_init(&w, 0.0f, 50.0f), OMP_ERR_ARG);
    assert_int_equal(omp_pq_week_init(NULL, 230.0f, 50.0f), OMP_ERR_ARG);
    assert_int_equal(omp_pq_week_init(&w, 230.0f, 50.0f), OMP_OK);
    struct omp_pq_week_result r = get(&w, OMP_PQ_WEEK_U95);
    assert_int_equal(r.valid, 0);
    assert_int_equal(r.verdict, OMP_PQ_NO_DATA);
    assert_int_equal(omp_pq_week_get(&w, OMP_PQ_WEEK_Q_COUNT, &r), OMP_ERR_ARG);
    assert_int_equal(omp_pq_week_get(NULL, OMP_PQ_WEEK_U95, &r), OMP_ERR_ARG);
}

/* Events table: counts per cell, unclassified in [0], RVC apart. */
static void test_events_table(void **state)
{
    (void)state;
    struct omp_pq_week w;
    assert_int_equal(omp_pq_week_init(&w, 230.0f, 50.0f), OMP_OK);
    struct omp_pq_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = OMP_PQ_EV_DIP;
    ev.cell = OMP_PQ_CELL_B1 + 2;
    omp_pq_week_add_event(&w, &ev);
    omp_pq_week_add_event(&w, &ev);
    ev.kind = OMP_PQ_EV_INTERRUPTION;
    ev.cell = OMP_PQ_CELL_X1 + 4;
    omp_pq_week_add_event(&w, &ev);
    ev.cell = OMP_PQ_CELL_NONE;
    omp_pq_week_add_event(&w, &ev);
    ev.kind = OMP_PQ_EV_RVC;
    omp_pq_week_add_event(&w, &ev);
    assert_int_equal(w.cells[OMP_PQ_CELL_B1 + 2], 2);
    assert_int_equal(w.cells[OMP_PQ_CELL_X1 + 4], 1);
    assert_int_equal(w.cells[OMP_PQ_CELL_NONE], 1);
    assert_int_equal(w.rvc, 1);
    unsigned total = 0;
    for (unsigned c = 0; c < OMP_PQ_CELL_COUNT; c++) {
        total += w.cells[c];
    }
    assert_int_equal(total, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_harmonic_limits),  cmocka_unit_test(test_q8_voltage),
        cmocka_unit_test(test_voltage_edges),    cmocka_unit_test(test_q8_flagged),
        cmocka_unit_test(test_q8_thd_harmonics), cmocka_unit_test(test_frequency),
        cmocka_unit_test(test_frequency_995),    cmocka_unit_test(test_no_data_and_args),
        cmocka_unit_test(test_events_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
