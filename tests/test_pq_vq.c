/*
 * The OMNIPOWER's voltage-quality reporting (omnipower/pq_vq.h; technical facts §8) against
 * hand-computed scenarios: a short-term deviation logs 6 -> 2 -> 7 (8 -> 3 -> 9) with its three
 * times, a long-term one one entry per window, the counters' limits (8.2) and the limits' ranges
 * (8.4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "omnipower/pq_vq.h"

static struct omp_vq g_vq;

static void start(const struct omp_vq_cfg *c)
{
    struct omp_vq_cfg d;
    omp_vq_cfg_default(&d);
    assert_int_equal(omp_vq_init(&g_vq, c != NULL ? c : &d, NULL), OMP_OK);
}

static void feed(omp_time_s first, const float *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        omp_vq_second(&g_vq, first + (omp_time_s)k, v[k]);
    }
}

static void expect_entry(omp_time_s utc, uint8_t code, uint16_t mean, uint16_t max, uint16_t min)
{
    struct omp_vq_entry e;
    assert_true(omp_vq_pop(&g_vq, &e));
    assert_int_equal(e.utc, utc);
    assert_int_equal(e.phase, 1u);
    assert_int_equal(e.code, code);
    assert_int_equal(e.mean_v, mean);
    assert_int_equal(e.max_v, max);
    assert_int_equal(e.min_v, min);
}

static void expect_none(void)
{
    struct omp_vq_entry e;
    assert_false(omp_vq_pop(&g_vq, &e));
}

/* 1-s values 230, 230, 205, 200, 203, 230 from 12:00:01 (the limits 207/253): the deviation
 * starts at the third (6: 205), its lowest is the fourth (2: 200), its last the fifth (7: 203),
 * each with its own time; reported when the sixth is back in range. */
static void test_short_term_low(void **state)
{
    (void)state;
    start(NULL);
    const omp_time_s t0 = 1798804801; /* 2027-01-01T12:00:01Z */
    const float v[] = {230.0f, 230.0f, 205.0f, 200.0f, 203.0f};
    feed(t0, v, 5u);
    expect_entry(t0 + 2, 6u, 0u, 0u, 205u);
    expect_none(); /* still running */
    omp_vq_second(&g_vq, t0 + 5, 230.0f);
    expect_entry(t0 + 3, 2u, 0u, 0u, 200u);
    expect_entry(t0 + 4, 7u, 0u, 0u, 203u);
    expect_none();
}

/* Low straight to high: 200 (6), 260 ends it (2, 7 at the same second) and starts 8; 270 the
 * highest; 255 the last above; 240 ends it: 3 (270), 9 (255). */
static void test_short_term_high_and_switch(void **state)
{
    (void)state;
    start(NULL);
    const omp_time_s t0 = 1000001;
    const float v[] = {200.0f, 260.0f, 270.0f, 255.0f, 240.0f};
    feed(t0, v, 5u);
    expect_entry(t0, 6u, 0u, 0u, 200u);
    expect_entry(t0, 2u, 0u, 0u, 200u);
    expect_entry(t0, 7u, 0u, 0u, 200u);
    expect_entry(t0 + 1, 8u, 0u, 260u, 0u);
    expect_entry(t0 + 2, 3u, 0u, 270u, 0u);
    expect_entry(t0 + 3, 9u, 0u, 255u, 0u);
    expect_none();
    /* a gap ends a running deviation at its last value */
    const float w[] = {250.0f, 258.0f};
    feed(t0 + 10, w, 2u);
    expect_entry(t0 + 11, 8u, 0u, 258u, 0u);
    omp_vq_second(&g_vq, t0 + 20, 259.0f); /* 8 s missing */
    expect_entry(t0 + 11, 3u, 0u, 258u, 0u);
    expect_entry(t0 + 11, 9u, 0u, 258u, 0u);
    expect_entry(t0 + 20, 8u, 0u, 259u, 0u);
    expect_none();
}

/* Windows of 10 s (VoltageLimitTimeThreshold's smallest) aligned to UTC, single-value limits at
 * -20 %/+20 % so that only the means report: [100, 110) nine 200 V and one 210 V: mean 201, max
 * 210, min 200: one entry 0 stamped 100; [110, 120) 230 V: none; [120, 130) 260 V: entry 1;
 * a window cut short by a gap reports the values it has. */
static void test_long_term(void **state)
{
    (void)state;
    struct omp_vq_cfg c;
    omp_vq_cfg_default(&c);
    c.window_s = 10u;
    c.single_low_v = 184u;
    c.single_high_v = 276u;
    start(&c);
    float v[30];
    for (unsigned k = 0; k < 30u; k++) {
        v[k] = k < 10u ? (k == 4u ? 210.0f : 200.0f) : k < 20u ? 230.0f : 260.0f;
    }
    feed(101, v, 10u); /* the seconds [100, 101) .. [109, 110) */
    expect_entry(100, 0u, 201u, 210u, 200u);
    expect_none();
    feed(111, v + 10, 10u);
    expect_none();
    feed(121, v + 20, 10u);
    expect_entry(120, 1u, 260u, 260u, 260u);
    expect_none();
    const float low[] = {190.0f, 192.0f, 194.0f};
    feed(131, low, 3u);                  /* [130, 133) */
    omp_vq_second(&g_vq, 151, 230.0f);   /* [150, 151): the next window */
    expect_entry(130, 0u, 192u, 194u, 190u);
    expect_none();
}

/* RVC (counter 12): steps of >= 5 % of 230 V (11.5 V) between two 1-s values, both within the
 * single-value limits 207..253 V. */
static void test_rvc(void **state)
{
    (void)state;
    start(NULL);
    const float v[] = {230.0f, 242.0f, 242.0f, 231.0f, 243.0f, 260.0f, 230.0f};
    feed(5001, v, 7u); /* +12 yes, 0, -11 no, +12 yes, +17 to 260 (out), -30 from 260 (out) */
    assert_int_equal(omp_vq_count(&g_vq, OMP_VQ_RVC), 2u);
}

/* 10-s frequencies against 50 Hz: outside -1/+1 % (F1/F2), -6/+4 % (F3/F4), -2/+2 % (F5/F6),
 * -15/+15 % (F7/F8); exactly at a limit is inside. */
static void test_frequency(void **state)
{
    (void)state;
    start(NULL);
    const float f[] = {49.4f, 50.6f, 48.9f, 46.9f, 52.1f, 42.0f, 58.0f, 50.0f, 49.5f, 50.5f};
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
        omp_vq_freq10s(&g_vq, f[k]);
    }
    static const uint16_t want[9] = {0, 4, 3, 2, 2, 3, 2, 1, 1}; /* F1..F8 by hand */
    for (unsigned n = 1; n <= 8u; n++) {
        assert_int_equal(omp_vq_count(&g_vq, n), want[n]);
    }
}

/* 10-min means: 206 V (below -10 %: 9), 195 V (below -15 % = 195.5: 9 and 10), 254 V (above
 * +10 % = 253: 11); THD-U and THD-I above 8 % (16, 21), exactly 8 % not. */
static void test_10min(void **state)
{
    (void)state;
    start(NULL);
    omp_vq_10min(&g_vq, 206.0f, 8.5f, 2.0f);
    omp_vq_10min(&g_vq, 195.0f, 3.0f, 9.0f);
    omp_vq_10min(&g_vq, 254.0f, 0.0f, 0.0f);
    omp_vq_10min(&g_vq, 230.0f, 8.0f, 8.0f);
    assert_int_equal(omp_vq_count(&g_vq, 9), 2u);
    assert_int_equal(omp_vq_count(&g_vq, 10), 1u);
    assert_int_equal(omp_vq_count(&g_vq, 11), 1u);
    assert_int_equal(omp_vq_count(&g_vq, 16), 1u);
    assert_int_equal(omp_vq_count(&g_vq, 21), 1u);
    for (unsigned n = 17; n <= 23u; n++) {
        assert_int_equal(omp_vq_count(&g_vq, n), n == 21u ? 1u : 0u); /* L2, L3: none */
    }
    expect_none();
}

/* Dips and swells of 100 ms .. 1 s are counted, at most one of each per second; interruptions
 * short (<= 180 s) or long, logged (4, 5) from 10 s on. */
static void test_dips_swells_outages(void **state)
{
    (void)state;
    const uint16_t counts[OMP_VQ_COUNTERS] = {[OMP_VQ_SWELLS - 1] = UINT16_MAX};
    struct omp_vq_cfg c;
    omp_vq_cfg_default(&c);
    assert_int_equal(omp_vq_init(&g_vq, &c, counts), OMP_OK);
    omp_vq_dip_swell(&g_vq, false, 0.05, 100);
    omp_vq_dip_swell(&g_vq, false, 0.1, 101);
    omp_vq_dip_swell(&g_vq, false, 0.3, 101); /* the same second */
    omp_vq_dip_swell(&g_vq, false, 1.0, 102);
    omp_vq_dip_swell(&g_vq, false, 1.2, 103);
    omp_vq_dip_swell(&g_vq, true, 0.5, 104);
    assert_int_equal(omp_vq_count(&g_vq, OMP_VQ_DIPS), 2u);
    assert_int_equal(omp_vq_count(&g_vq, OMP_VQ_SWELLS), UINT16_MAX); /* saturates */
    omp_vq_outage(&g_vq, 1000, 1005);
    expect_none(); /* 5 s: counted, not logged */
    omp_vq_outage(&g_vq, 2000, 2180);
    expect_entry(2000, 4u, 0u, 0u, 0u);
    expect_entry(2180, 5u, 0u, 0u, 0u);
    omp_vq_outage(&g_vq, 3000, 3181);
    expect_entry(3000, 4u, 0u, 0u, 0u);
    expect_entry(3181, 5u, 0u, 0u, 0u);
    assert_int_equal(omp_vq_count(&g_vq, OMP_VQ_INT_SHORT), 2u);
    assert_int_equal(omp_vq_count(&g_vq, OMP_VQ_INT_LONG), 1u);
    for (int k = 0; k < 5; k++) { /* ten entries into a queue of eight */
        omp_vq_outage(&g_vq, 4000 + 100 * k, 4050 + 100 * k);
    }
    assert_int_equal(g_vq.lost, 2u);
}

/* The limits' ranges of technical facts 8.4 in whole volts: mean and single-value limits within
 * +1..+20 % (233..276 V) and -1..-20 % (184..227 V); windows of 10..1800 s dividing a day. */
static void test_cfg_ranges(void **state)
{
    (void)state;
    struct omp_vq_cfg c;
    omp_vq_cfg_default(&c);
    assert_true(omp_vq_cfg_valid(&c));
    static const struct {
        size_t off;
        uint16_t v;
        bool ok;
    } k_cases[] = {
        {offsetof(struct omp_vq_cfg, mean_high_v), 232u, false},
        {offsetof(struct omp_vq_cfg, mean_high_v), 233u, true},
        {offsetof(struct omp_vq_cfg, mean_high_v), 276u, true},
        {offsetof(struct omp_vq_cfg, mean_high_v), 277u, false},
        {offsetof(struct omp_vq_cfg, mean_low_v), 183u, false},
        {offsetof(struct omp_vq_cfg, mean_low_v), 184u, true},
        {offsetof(struct omp_vq_cfg, mean_low_v), 227u, true},
        {offsetof(struct omp_vq_cfg, mean_low_v), 228u, false},
        {offsetof(struct omp_vq_cfg, single_low_v), 228u, false},
        {offsetof(struct omp_vq_cfg, single_high_v), 277u, false},
        {offsetof(struct omp_vq_cfg, window_s), 9u, false},
        {offsetof(struct omp_vq_cfg, window_s), 1200u, true},
        {offsetof(struct omp_vq_cfg, window_s), 1700u, false}, /* does not divide a day */
        {offsetof(struct omp_vq_cfg, window_s), 1800u, true},
        {offsetof(struct omp_vq_cfg, window_s), 3600u, false},
        {offsetof(struct omp_vq_cfg, outage_log_s), 1801u, false},
    };
    for (size_t k = 0; k < sizeof k_cases / sizeof k_cases[0]; k++) {
        struct omp_vq_cfg t = c;
        memcpy((uint8_t *)&t + k_cases[k].off, &k_cases[k].v, sizeof(uint16_t));
        assert_int_equal(omp_vq_cfg_valid(&t), k_cases[k].ok);
    }
    assert_int_equal(omp_vq_init(&g_vq, NULL, NULL), OMP_ERR_ARG);
    assert_int_equal(omp_vq_count(&g_vq, 0u), 0u);
    assert_int_equal(omp_vq_count(&g_vq, 24u), 0u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_term_low),
        cmocka_unit_test(test_short_term_high_and_switch),
        cmocka_unit_test(test_long_term),
        cmocka_unit_test(test_rvc),
        cmocka_unit_test(test_frequency),
        cmocka_unit_test(test_10min),
        cmocka_unit_test(test_dips_swells_outages),
        cmocka_unit_test(test_cfg_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
