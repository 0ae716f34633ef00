/*
 * Long runs of lib/pq (label "slow": the release preset runs them once): Q6 over 25 h (random
 * frequency in 49.8 .. 50.2 Hz) and Q1 over 42.5 .. 57.5 Hz in 0.5 Hz steps, both of
 * shared/spec/metrology-and-power-quality.md §4, through the generator and the metrology engine
 * (tests/pq_rig.h). The short versions are in tests/test_pq.c.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pq_rig.h"

#define UN 230.0
#define T0 ((omp_time_s)1795521600) /* 2026-11-24 12:00:00 UTC: on a 2-h tick */

#include "pq_q1.h"
#include "pq_q6.h"

static void test_q6_25h(void **state)
{
    (void)state;
    struct q6 q;
    q6_run(&q, T0, 25.0 * 3600.0 + 1.0, 7u); /* + 1 s: the interval running at the last tick ends */
    print_message("Q6 25 h: %u intervals, %u restarts, %u 10-min, %u 150-cycle (%u short), %u 2-h "
                  "(%u of 12 values); worst end off a true crossing %.4f samples\n", q.intervals,
                  q.restarts, q.n10, q.n150, q.n150_short, q.n2h, q.n2h_full, q.worst_cross);
    assert_int_equal(q.bad, 0);
    assert_int_equal(q.n10, 150); /* T0 + 600 .. T0 + 25 h */
    assert_int_equal(q.n2h, 12);  /* T0 + 2 h .. T0 + 24 h */
    assert_int_equal(q.n2h_full, 12);
    assert_int_equal(q.restarts, 150); /* every tick */
    assert_true(q.worst_cross <= 1.0);
}

static void test_q1_sweep(void **state)
{
    (void)state;
    for (unsigned k = 0; k <= 30u; k++) {
        pq_q1_point(4000u, 42.5 + 0.5 * k, 0.0, 30.0, 0.005);
    }
    pq_q1_point(8000u, 50.0, 0.0, 30.0, 0.005);
    pq_q1_point(4000u, 47.0, 0.1, 100.0, 0.010); /* 47 .. 57 Hz at 0.1 Hz/s */
    pq_q1_point(4000u, 57.0, -0.1, 100.0, 0.010);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q6_25h),
        cmocka_unit_test(test_q1_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
