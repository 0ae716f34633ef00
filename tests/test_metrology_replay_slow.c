/*
 * Replay of whole recordings (tests/metro_replay.h), 10 minutes each: whole and fractional
 * numbers of cycles, several phase angles at the first sample, 8 and 4 kHz, four load shapes.
 * Label "slow" (9.6 M sample pairs per recording at 8 kHz): runs once in the release build. The
 * 1 s and 30 s recordings are in test_metrology_replay.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metro_replay.h"

static void run_cases(double seconds, const double *starts, size_t n_starts)
{
    static const uint32_t fs[2] = { 8000u, 4000u };
    static const enum rp_load loads[4] = { RP_PF1, RP_PF05L, RP_EXPORT, RP_HARMONIC };
    int bad = 0;
    for (size_t f = 0; f < 2u; f++) {
        for (size_t s = 0; s < n_starts; s++) {
            const struct rp_case c = { fs[f], seconds, starts[s], loads[s % 4u], s == 1u };
            bad += rp_check(&c);
        }
    }
    assert_int_equal(bad, 0);
}

static const double k_starts[] = { 0.0, 37.0, 90.0, 180.0, 271.5 };

static void test_replay_10min_whole(void **state)
{
    (void)state;
    run_cases(600.0, k_starts, OMP_ARRAY_LEN(k_starts));
}

static void test_replay_10min_fraction(void **state)
{
    (void)state;
    run_cases(600.0 + 0.53 / 50.0, k_starts, OMP_ARRAY_LEN(k_starts));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_10min_whole),
        cmocka_unit_test(test_replay_10min_fraction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
