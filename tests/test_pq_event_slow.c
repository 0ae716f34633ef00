/*
 * Q5 (spec §4), the full grid: u in {87, 75, 50, 20, 3, 0, 115, 125} % of Udin, durations from
 * 10 ms to 60 s, onsets at 0, 45 and 90 degrees, at 4000 and 8000 Hz (8 x 12 x 3 x 2 = 576 points,
 * about 2 h of signal). Labelled "slow": run once in the release preset. tests/pq_q5.h has the
 * truth and the checks. Presence, timing, duration and kind must pass everywhere except at u = 0;
 * level and cell failures, and timing/duration/kind failures at u = 0, are printed and counted
 * against known effects (docs/pq-events.md "Q5 results"), bounded by the numbers below, measured
 * on the dev build (2026-12-07): a ratchet, never raise them. What is left is levels of 20-ms
 * events: a step on a sample instant, which one window holds alone (its half-sample share of the
 * jump in v^2: up to 2.5 % of the mean square at 4 kHz; 18 points), and a 0 deg interruption at
 * 8 kHz whose opening crossing noise places a sample late (0.71 V for 0 V; 1 point).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "pq_q5.h"

/* Upper bounds for the level and cell failures of the grid (a ratchet; see the file comment). */
#define Q5_GRID_KNOWN_LEVEL   19u /* 20-ms events at 45/90 deg (sample instant), 1 at u = 0 0 deg */
#define Q5_GRID_KNOWN_CELL    0u
#define Q5_GRID_KNOWN_NOCROSS 0u

static void test_q5_grid(void **state)
{
    (void)state;
    static const double levels[8] = {0.87, 0.75, 0.50, 0.20, 0.03, 0.0, 1.15, 1.25};
    static const double durs[12] = {0.01, 0.02, 0.05, 0.1, 0.15, 0.35,
                                    0.75, 1.5,  3.0,  7.0, 30.0, 60.0};
    static const double phases[3] = {0.0, 45.0, 90.0};
    static const uint32_t rates[2] = {4000u, 8000u};
    struct q5_fails f;
    memset(&f, 0, sizeof f);
    unsigned points = 0;
    for (unsigned r = 0; r < 2u; r++) {
        for (unsigned i = 0; i < 8u; i++) {
            for (unsigned j = 0; j < 12u; j++) {
                for (unsigned k = 0; k < 3u; k++) {
                    struct q5_point p = {rates[r], levels[i], durs[j], phases[k]};
                    q5_check(&p, &f);
                    points++;
                }
            }
        }
    }
    printf("q5 grid: %u points; failures: presence %u, timing %u, duration %u, kind %u, level %u, "
           "cell %u, u = 0 %u; worst onset-to-event %.2f ms, worst level error %.3f V\n",
           points, f.presence, f.timing, f.duration, f.kind, f.level, f.cell, f.nocross,
           f.worst_onset_ms, f.worst_level_v);
    assert_int_equal(f.presence + f.timing + f.duration + f.kind, 0);
    assert_true(f.level <= Q5_GRID_KNOWN_LEVEL);
    assert_true(f.cell <= Q5_GRID_KNOWN_CELL);
    assert_true(f.nocross <= Q5_GRID_KNOWN_NOCROSS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q5_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
