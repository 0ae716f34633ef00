/*
 * bench_accuracy: runs the metrology acceptance bench of shared/spec/metrology-and-power-quality.md
 * §4 (M1..M12 at fs 4000 and 8000, front-end model on and off; M3, M4, M5 summarised) through
 * the generator and the engine, and prints markdown tables of the measured errors per point with
 * their limits and pass/fail. docs/accuracy.md is its output (release build):
 *
 *   cmake --preset release && cmake --build --preset release --target bench_accuracy
 *   build/release/bench/bench_accuracy --commit "$(git rev-parse --short HEAD)" > docs/accuracy.md
 *
 * Options: --quick (the fast test subset), --jobs N (worker processes, default 2), --max-s S
 * (cap per point; default 300 s as the slow test), --m4-h H (M4 hours per voltage, default 24),
 * --commit ID (printed in the header). Exit status 0 when every point passes, 1 otherwise.
 * Same harness, grid and limits as tests/test_metrology_accuracy_slow.c (tests/metro_harness.h).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS for the worker processes */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omnipower/version.h"

#define MH_IMPLEMENTATION
#include "../tests/metro_harness.h"

#define MAX_POINTS 1200u

static struct mh_point g_pts[MAX_POINTS];
static struct mh_result g_res[MAX_POINTS];

static const struct {
    enum mh_check c;
    const char *title;
    const char *what;
} k_sections[] = {
    { MH_M1, "M1 active energy, current sweep", "error of A+ or A- (net) over the interval; "
      "limit 0.10 % for I >= 0.5 A, 0.20 % below" },
    { MH_M2, "M2 reactive energy (Q1)", "error of R+ or R- (net); limit 0.20 % for I >= 0.5 A, "
      "0.40 % below" },
    { MH_M3, "M3 starting", "20 mA PF 1 both directions, 25 mA sin phi 1 both directions; first "
      "pulse <= 1.2 t1, >= 2 further pulses in the next 2 t1, energy error <= 5 %" },
    { MH_M4, "M4 no load", "I = 0 with noise, offset and -80 dB voltage-to-current crosstalk; "
      "0 pulses, each register grows < 0.1 Wh per 24 h (pro rata for shorter runs)" },
    { MH_M5, "M5 anti-creep threshold", "PF 1, 10..30 mA; no registration <= 10 mA, "
      "registration >= 20 mA (registers over the interval after a 2 s settle)" },
    { MH_M6, "M6 voltage influence", "shift of the active error vs 230 V; limit 0.10 %" },
    { MH_M7P, "M7 frequency influence, active", "shift vs 50 Hz; 0.10 % within +-2 %, "
      "0.20 % within +-5 %" },
    { MH_M7Q, "M7 frequency influence, reactive Q1", "shift vs 50 Hz; same limits" },
    { MH_M8, "M8 harmonics", "error vs the true total P; limit 0.10 %" },
    { MH_M9, "M9 DC and even harmonics", "half-wave rectified 100 A sinusoid (rms 70.7 A); shift "
      "vs the unrectified sinusoid; limit 0.30 %" },
    { MH_M10, "M10 odd and sub-harmonics", "90 deg phase-fired 5 A sinusoid, burst 2 on / 2 off "
      "of a 2.5 A sinusoid; shift vs the plain sinusoid; limit 0.30 %" },
    { MH_M11U, "M11 voltage rms", "mean of the cycle records over the interval; limit 0.05 % "
      "of Un = 0.115 V" },
    { MH_M11I, "M11 current rms", "limit 0.1 % of reading for I >= 0.25 A, 0.5 % below" },
    { MH_M12, "M12 power factor and angle", "PF grid of M1; |dPF| <= 0.002; |dphi1| <= 0.1 deg "
      "for I >= 0.5 A (in parentheses: not checked)" },
};

int main(int argc, char **argv)
{
    struct mh_grid_opts o = {
        .full = true, .min_s = 60.0, .pulses = 200.0, .max_s = 0.0, .m3 = true,
        .m4_s = MH_DAY_S, .m4_fs8000 = true,
    };
    unsigned jobs = 2u;
    const char *commit = "(not given)";
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--quick") == 0) {
            o = (struct mh_grid_opts){ .full = false, .min_s = 30.0, .pulses = 0.0, .max_s = 0.0,
                                       .m3 = false, .m4_s = 300.0, .m4_fs8000 = false };
        } else if (strcmp(argv[k], "--jobs") == 0 && k + 1 < argc) {
            jobs = (unsigned)strtoul(argv[++k], NULL, 10);
        } else if (strcmp(argv[k], "--max-s") == 0 && k + 1 < argc) {
            o.max_s = strtod(argv[++k], NULL);
        } else if (strcmp(argv[k], "--m4-h") == 0 && k + 1 < argc) {
            o.m4_s = strtod(argv[++k], NULL) * 3600.0;
        } else if (strcmp(argv[k], "--commit") == 0 && k + 1 < argc) {
            commit = argv[++k];
        } else {
            fprintf(stderr, "usage: %s [--quick] [--jobs N] [--max-s S] [--m4-h H] [--commit ID]\n",
                    argv[0]);
            return 2;
        }
    }
    const size_t n = mh_build_grid(g_pts, MAX_POINTS, &o);
    if (n == 0u) {
        fprintf(stderr, "grid does not fit\n");
        return 2;
    }
    const double t0 = mh_now_s();
    struct mh_cal cal4000, cal8000;
    (void)mh_calibrate(4000u, &cal4000);
    (void)mh_calibrate(8000u, &cal8000);
    (void)mh_run_grid(g_pts, g_res, n, jobs, &cal4000, &cal8000);
    const double wall = mh_now_s() - t0;
    double signal_s = 0.0, pairs = 0.0;
    for (size_t k = 0; k < n; k++) {
        signal_s += mh_signal_seconds(&g_pts[k]);
        pairs += (double)g_res[k].samples;
    }

    printf("# Metrology accuracy (acceptance bench, spec §4)\n\n");
    printf("Generated by `bench_accuracy` (bench/accuracy_table.c, release build) for libomnipower "
           "%s at commit %s. Do not edit by hand; regenerate with:\n\n", OMP_VERSION_STRING, commit);
    printf("```sh\ncmake --preset release && cmake --build --preset release --target bench_accuracy\n"
           "build/release/bench/bench_accuracy --commit \"$(git rev-parse --short HEAD)\" "
           "> docs/accuracy.md\n```\n\n");
    printf("Stimuli and truth: hal/wavegen.c; true values from `omp_wave_true()` (analytic), never "
           "from a run of the engine. \"FE on\": the spec's front-end model (24-bit, 400 V / 170 A "
           "full scale, -90 dBFS noise, +0.1 %% FS offsets, +0.5 %% gains, current lags 0.30 deg), "
           "engine calibrated with `omp_metro_calibrate()` from 5 A PF 1 and 5 A PF 0.5L. "
           "\"FE off\": ideal codes, nominal calibration, limits 1/10 of the table's. Energy is "
           "measured by difference of the registers between two cycle closings (after a 1 s "
           "settle) against P x whole-cycle time; pulses are checked against the registers "
           "(\"pulses-register\": pulses minus floor(register / 1 Wh), allowed +-1). Each point "
           "runs %.0f s of signal, or long enough for %.0f pulses (", o.min_s, o.pulses);
    if (o.max_s > 0.0) {
        printf("at most %.0f s", o.max_s);
    } else {
        printf("no cap: up to %.1f h at 0.25 A PF 0.5", 200.0 * 3600.0 / (230.0 * 0.25 * 0.5) / 3600.0);
    }
    printf("). Harness: tests/metro_harness.h.\n\n");
    printf("Run: %zu points, %.0f s (%.1f h) of signal, %.2f G sample pairs, %.0f s wall with %u "
           "worker processes.\n\n", n, signal_s, signal_s / 3600.0, pairs * 1e-9, wall, jobs);
    printf("Calibration (FE on):\n\n| fs | status | v_gain / nominal | i_gain / nominal | "
           "phase deg |\n| --- | --- | --- | --- | --- |\n");
    const struct mh_cal *cals[2] = { &cal4000, &cal8000 };
    for (size_t k = 0; k < 2u; k++) {
        const struct mh_cal *c = cals[k];
        printf("| %u | %s | %.6f | %.6f | %.4f |\n", k == 0u ? 4000u : 8000u,
               c->status == 0 ? "ok" : omp_err_name(c->err),
               (double)c->cal.v_gain / (double)c->nominal.v_gain,
               (double)c->cal.i_gain / (double)c->nominal.i_gain, (double)c->cal.phase_deg);
    }
    printf("\n(The front end's gains are +0.5 %%: expected ratio 1/1.005 = 0.995025; lag 0.30 deg.)\n");

    printf("\n## Summary\n\nWorst point = largest |value| / limit, separately with the front end "
           "on and off. Beside the standard's limit, the tests hold each check to a regression "
           "limit (`mh_regress_limit()` in tests/metro_harness.h): about four times the largest "
           "|value| measured here or in the fast subset of test_metrology_accuracy (30 s per "
           "point, so more noise: for several checks its values are the larger), whichever is "
           "larger. The standard's limits are 10 to 100 000 times what the "
           "engine achieves, and a tenfold regression would pass them (\"-\": none; M3, M4 and "
           "M5 are pass/fail or have no margin to speak of).\n\n| test | FE | points | failed | "
           "worst value | its limit | worst point | largest abs value | regression limit |\n"
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    unsigned total_fail = 0;
    for (size_t s = 0; s < sizeof k_sections / sizeof k_sections[0]; s++) {
        for (int fe = 1; fe >= 0; fe--) {
            struct mh_summary sum;
            total_fail += mh_evaluate_fe(k_sections[s].c, fe, g_pts, g_res, n, NULL, NULL, &sum);
            if (sum.points == 0u) {
                continue;
            }
            char d[160] = "-";
            if (sum.worst_index >= 0) {
                mh_describe(&g_pts[sum.worst_index], d, sizeof d);
            }
            const double reg = mh_regress_limit(k_sections[s].c, fe != 0);
            char rl[32] = "-";
            if (reg > 0.0) {
                (void)snprintf(rl, sizeof rl, "%.3g%s", reg, sum.max_abs <= reg ? "" : " **FAIL**");
                total_fail += sum.max_abs <= reg ? 0u : 1u;
            }
            printf("| %s | %s | %u | %u | %+.5g | %.4g | %s | %.5g | %s |\n",
                   mh_check_name[k_sections[s].c], fe ? "on" : "off", sum.points, sum.failures,
                   sum.worst, sum.worst_limit, d, sum.max_abs, rl);
        }
    }
    printf("\nUnits of the worst value: %% of reading (M1, M2, M6-M10, M11-I), V (M11-U), PF "
           "(M12: the PF or angle deviation, whichever is worse relative to its limit, expressed "
           "in PF units), Wh (M4), first pulse / (1.2 t1) (M3), 1 = failed (M5).\n");
    for (size_t s = 0; s < sizeof k_sections / sizeof k_sections[0]; s++) {
        printf("\n## %s\n\n%s.\n\n", k_sections[s].title, k_sections[s].what);
        (void)mh_evaluate(k_sections[s].c, g_pts, g_res, n, NULL, stdout, NULL);
    }
    fflush(stdout);
    fprintf(stderr, "bench_accuracy: %zu points, %u failed, %.0f s wall\n", n, total_fail, wall);
    return total_fail == 0u ? 0 : 1;
}
