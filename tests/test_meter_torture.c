/*
 * Power-cut torture of the meter's registers, short runs for every build (ASan included): a few
 * compressed days with cuts that sweep the programmed byte stream (every offset 1..M after a
 * power-on, M = 1400: more than a start plus the longest poll, 1280 bytes, so every byte of
 * every record kind and of init is cut somewhere; see meter_torture.h), and at random bytes. The month- and year-long runs are in test_meter_torture_slow.c. See
 * meter_torture.h for what is checked after each restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meter_torture.h"

static struct tt g_tt;

static void test_cut_sweep(void **state)
{
    (void)state;
    assert_true(tt_run(&g_tt, 15.0, 1400u, false, 1u) >= 1400u);
}

static void test_cut_at_random_bytes(void **state)
{
    (void)state;
    assert_true(tt_run(&g_tt, 30.0, 0u, true, 12345u) > 100u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_sweep),
        cmocka_unit_test(test_cut_at_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
