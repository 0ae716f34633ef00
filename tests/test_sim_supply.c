/*
 * The simulator's scripted supply (omnipower/sim_supply.h, docs/simulator.md "Scenarios"): the
 * parser's refusals with their line numbers, and samples whose rms, frequency, harmonics and
 * events are what the script says (computed here from the codes: a DFT over whole cycles, zero
 * crossings), and a current that follows the level.
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

#include "omnipower/sim_supply.h"

#define FS  8000u
#define VPC (600.0 / 8388608.0) /* the simulator's default voltage gain */
#define PI  3.14159265358979323846

static struct omp_sim_supply g_s;

static omp_err parse(const char *text, uint32_t *line)
{
    return omp_sim_supply_parse(&g_s, text, strlen(text), line);
}

static void test_parse(void **state)
{
    (void)state;
    uint32_t line = 99;
    const char *ok = "# a comment\n"
                     "\n"
                     "0 harmonic 5 3%   # trailing comment\n"
                     "2h30m voltage 106.5%\r\n"
                     "1d frequency 49.9Hz\n"
                     "1d1h dip 40% 300ms\n"
                     "1d1h0.3s swell 253V 2s\n"
                     "1d2h interruption 4m";
    assert_int_equal(parse(ok, &line), OMP_OK);
    assert_int_equal(line, 0u);
    assert_int_equal(g_s.n, 6u);
    assert_true(fabs(g_s.step[1].t_s - 9000.0) < 1e-9);
    assert_true(fabs(g_s.step[1].a - 244.95) < 1e-9); /* 106.5 % of 230 V */
    assert_int_equal(g_s.step[0].order, 5u);
    assert_true(fabs(g_s.step[0].a - 3.0) < 1e-12);
    assert_true(fabs(g_s.step[3].a - 92.0) < 1e-9 && fabs(g_s.step[3].b - 0.3) < 1e-12);
    assert_true(fabs(g_s.step[4].t_s - 90000.3) < 1e-6); /* starts as the dip ends: no overlap */
    assert_true(fabs(g_s.step[5].b - 240.0) < 1e-9);
    static const struct {
        const char *text;
        omp_err err;
        uint32_t line;
    } bad[] = {
        {"0 voltage\n", OMP_ERR_MALFORMED, 1},            /* an argument missing */
        {"0 voltage 230 1\n", OMP_ERR_MALFORMED, 1},      /* one too many */
        {"0 volt 230\n", OMP_ERR_MALFORMED, 1},           /* no such command */
        {"\n0 voltage 500\n", OMP_ERR_RANGE, 2},          /* above 400 V */
        {"0 voltage -5\n", OMP_ERR_MALFORMED, 1},         /* no sign */
        {"0 voltage inf\n", OMP_ERR_MALFORMED, 1},
        {"0 voltage 0x10\n", OMP_ERR_MALFORMED, 1},
        {"0 frequency 60.5\n", OMP_ERR_RANGE, 1},         /* 42.5..57.5 Hz */
        {"0 harmonic 51 1\n", OMP_ERR_RANGE, 1},
        {"0 harmonic 2.5 1\n", OMP_ERR_MALFORMED, 1},     /* whole orders */
        {"0 harmonic 3 31%\n", OMP_ERR_RANGE, 1},
        {"0 dip 240V 1s\n", OMP_ERR_RANGE, 1},            /* a dip goes below 230 V */
        {"0 swell 200V 1s\n", OMP_ERR_RANGE, 1},
        {"0 dip 50% 0s\n", OMP_ERR_RANGE, 1},             /* at least 1 ms */
        {"1h30 voltage 230\n", OMP_ERR_MALFORMED, 1},     /* parts need units */
        {"1w voltage 230\n", OMP_ERR_MALFORMED, 1},
        {"10 voltage 230\n5 voltage 231\n", OMP_ERR_MALFORMED, 2}, /* time order */
        {"0 dip 50% 2s\n1 swell 120% 1s\n", OMP_ERR_MALFORMED, 2}, /* overlapping events */
        {"2e9 voltage 230\n", OMP_ERR_RANGE, 1},          /* beyond 1e9 s */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        line = 0;
        assert_int_equal(parse(bad[k].text, &line), bad[k].err);
        assert_int_equal(line, bad[k].line);
        assert_int_equal(g_s.n, 0u);
    }
    char nul[] = "0 voltage 230\n0 voltage 2X0\n";
    nul[22] = '\0'; /* a NUL inside line 2 */
    assert_int_equal(omp_sim_supply_parse(&g_s, nul, sizeof nul - 1u, &line), OMP_ERR_MALFORMED);
    assert_int_equal(line, 2u);
    static char many[1025u * 20u];
    size_t n = 0;
    for (unsigned k = 0; k < 1025u; k++) {
        n += (size_t)snprintf(many + n, sizeof many - n, "%u voltage 230\n", k);
    }
    assert_int_equal(omp_sim_supply_parse(&g_s, many, n, &line), OMP_ERR_NOSPACE);
    assert_int_equal(line, 1025u);
    assert_int_equal(omp_sim_supply_parse(NULL, "", 0, &line), OMP_ERR_ARG);
}

/* rms of the voltage codes [a, b) in volts, and of the current codes relative to @p i_ref. */
static double rms(const int32_t *vi, size_t a, size_t b, unsigned ch, double scale)
{
    double acc = 0.0;
    for (size_t k = a; k < b; k++) {
        double x = vi[2u * k + ch] * scale;
        acc += x * x;
    }
    return sqrt(acc / (double)(b - a));
}

/* Amplitude (rms) of harmonic @p h over the samples [a, a + n) of a fundamental @p f Hz. */
static double harmonic_rms(const int32_t *vi, size_t a, size_t n, unsigned h, double f)
{
    double re = 0.0, im = 0.0;
    for (size_t k = 0; k < n; k++) {
        double w = 2.0 * PI * h * f * (double)k / FS;
        re += vi[2u * (a + k)] * VPC * cos(w);
        im += vi[2u * (a + k)] * VPC * sin(w);
    }
    return sqrt(re * re + im * im) * 2.0 / (double)n / sqrt(2.0);
}

static void test_samples(void **state)
{
    (void)state;
    uint32_t line = 0;
    const char *sc = "0 harmonic 5 4%\n"
                     "0 harmonic 7 2\n"
                     "1s dip 50% 100ms\n"
                     "1.5s swell 253V 200ms\n"
                     "2s interruption 40ms\n"
                     "2.5s frequency 49.5\n"
                     "2.5s harmonic 5 0\n"
                     "2.5s harmonic 7 0\n";
    assert_int_equal(parse(sc, &line), OMP_OK);
    omp_sim_supply_start(&g_s, FS);
    enum { N = 4 * FS };
    static int32_t vi[2u * N];
    /* a load of 10 A rms in phase at 230 V: i = 10 sqrt2 sin(wt) A; codes of 1 mA */
    const double coef[4] = {10.0 * sqrt(2.0) * 1000.0, 0.0, 0.0, 0.0};
    for (size_t k = 0; k < N; k += 1000u) { /* in blocks: consecutive calls continue */
        omp_sim_supply_fill(&g_s, k, VPC, coef, vi + 2u * k, 1000u);
    }
    /* first second: 230 V fundamental, 4 % h5, 2 % h7 (rms 230 * sqrt(1 + 0.0016 + 0.0004)) */
    assert_true(fabs(rms(vi, 0, FS, 0, VPC) - 230.0 * sqrt(1.002)) < 0.01);
    assert_true(fabs(harmonic_rms(vi, 0, FS, 1, 50.0) - 230.0) < 0.01);
    assert_true(fabs(harmonic_rms(vi, 0, FS, 5, 50.0) - 9.2) < 0.01);
    assert_true(fabs(harmonic_rms(vi, 0, FS, 7, 50.0) - 4.6) < 0.01);
    assert_true(fabs(harmonic_rms(vi, 0, FS, 3, 50.0)) < 0.01);
    /* the dip: 115 V fundamental for 5 cycles from 1 s, current halved; then 230 V again */
    assert_true(fabs(harmonic_rms(vi, FS, 800, 1, 50.0) - 115.0) < 0.01);
    assert_true(fabs(rms(vi, FS, FS + 800u, 1, 1e-3) - 5.0) < 0.01);
    assert_true(fabs(harmonic_rms(vi, FS + 800u, 800, 1, 50.0) - 230.0) < 0.01);
    /* the swell: 253 V for 10 cycles from 1.5 s */
    assert_true(fabs(harmonic_rms(vi, 12000u, 1600, 1, 50.0) - 253.0) < 0.01);
    /* the interruption: 2 cycles of nothing, voltage and current */
    assert_true(rms(vi, 16000u, 16320u, 0, VPC) < 1e-3);
    assert_true(rms(vi, 16000u, 16320u, 1, 1e-3) < 1e-3);
    assert_true(fabs(rms(vi, 15840u, 16000u, 0, VPC) - 230.0 * sqrt(1.002)) < 0.01); /* before */
    /* from 2.5 s: 49.5 Hz, a pure sine. Rising zero crossings over the last 1.5 s: the phase is
     * continuous, so their spacing is 1/49.5 s */
    double first = -1.0, last = -1.0;
    unsigned crossings = 0;
    for (size_t k = 20001u; k < N; k++) {
        if (vi[2u * (k - 1u)] < 0 && vi[2u * k] >= 0) {
            double t = (double)(k - 1u) +
                       (double)-vi[2u * (k - 1u)] / (double)(vi[2u * k] - vi[2u * (k - 1u)]);
            first = first < 0.0 ? t : first;
            last = t;
            crossings++;
        }
    }
    assert_true(crossings >= 73u);
    double f = (double)(crossings - 1u) * FS / (last - first);
    assert_true(fabs(f - 49.5) < 1e-4);
    assert_true(fabs(harmonic_rms(vi, 24000u, (size_t)(FS * 40.0 / 49.5), 5, 49.5)) < 0.05);
    assert_true(fabs(omp_sim_supply_level(&g_s, 4.0) - 230.0) < 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
