/*
 * Power-cut torture of the meter's registers, long runs (label slow: release build only): a
 * compressed month with cuts sweeping every offset 1..1400 of the byte stream after each power-on
 * (at least 1400 cuts, so every offset is cut at least once), and a compressed year with cuts at
 * random bytes and outages of minutes to a day across demand periods and debiting stops. See
 * meter_torture.h for what is checked after each restart; the counts are printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meter_torture.h"

static struct tt g_tt;

static void test_month_cut_sweep(void **state)
{
    (void)state;
    assert_true(tt_run(&g_tt, 31.0, 1400u, false, 7u) >= 1400u);
}

static void test_year_cut_at_random_bytes(void **state)
{
    (void)state;
    assert_true(tt_run(&g_tt, 366.0, 0u, true, 4242u) > 500u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_cut_sweep),
        cmocka_unit_test(test_year_cut_at_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
