/* Tests of the HAL contract checks in lib/core/hal.c (omp_hal_check, omp_hal_nvm_geometry). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "omnipower/hal.h"

static struct omp_nvm_geometry g_geo; /* what the fake geometry op reports (test-local state) */
static omp_err g_geo_ret;

static omp_err geo_op(void *user, struct omp_nvm_geometry *geo)
{
    (void)user;
    *geo = g_geo;
    return g_geo_ret;
}
static omp_err rd_op(void *u, uint32_t a, void *d, size_t n) { (void)u; (void)a; (void)d; (void)n; return OMP_OK; }
static omp_err pr_op(void *u, uint32_t a, const void *s, size_t n) { (void)u; (void)a; (void)s; (void)n; return OMP_OK; }
static omp_err er_op(void *u, uint32_t a) { (void)u; (void)a; return OMP_OK; }
static uint32_t ce_op(void *u) { (void)u; return 0; }
static void cx_op(void *u, uint32_t s) { (void)u; (void)s; }

static const struct omp_hal_ops k_full = {
    .nvm_geometry = geo_op, .nvm_read = rd_op, .nvm_program = pr_op, .nvm_erase = er_op,
    .crit_enter = ce_op, .crit_exit = cx_op,
};

static void test_check_required_ops(void **state)
{
    (void)state;
    struct omp_hal hal = { &k_full, NULL };
    assert_int_equal(omp_hal_check(&hal), OMP_OK);
    assert_int_equal(omp_hal_check(NULL), OMP_ERR_ARG);
    struct omp_hal no_ops = { NULL, NULL };
    assert_int_equal(omp_hal_check(&no_ops), OMP_ERR_ARG);
    /* each required op missing in turn */
    for (int i = 0; i < 6; i++) {
        struct omp_hal_ops o = k_full;
        switch (i) {
        case 0: o.nvm_geometry = NULL; break;
        case 1: o.nvm_read = NULL; break;
        case 2: o.nvm_program = NULL; break;
        case 3: o.nvm_erase = NULL; break;
        case 4: o.crit_enter = NULL; break;
        default: o.crit_exit = NULL; break;
        }
        struct omp_hal h = { &o, NULL };
        assert_int_equal(omp_hal_check(&h), OMP_ERR_UNSUPPORTED);
    }
}

static void test_geometry(void **state)
{
    (void)state;
    struct omp_hal hal = { &k_full, NULL };
    struct omp_nvm_geometry out = { 0 };
    static const struct { struct omp_nvm_geometry g; omp_err want; } cases[] = {
        { { 65536u, 4096u, 4u, 0xFFu, 100000u }, OMP_OK },
        { { 512u, 64u, 1u, 0xFFu, 1000000u }, OMP_OK },      /* EEPROM-like */
        { { 8192u, 4096u, 16u, 0x00u, 10000u }, OMP_OK },
        { { 0u, 4096u, 4u, 0xFFu, 1u }, OMP_ERR_RANGE },     /* empty */
        { { 65536u, 3000u, 4u, 0xFFu, 1u }, OMP_ERR_RANGE }, /* sector not a power of two */
        { { 65536u, 0u, 4u, 0xFFu, 1u }, OMP_ERR_RANGE },
        { { 10000u, 4096u, 4u, 0xFFu, 1u }, OMP_ERR_RANGE }, /* size not whole sectors */
        { { 65536u, 4096u, 3u, 0xFFu, 1u }, OMP_ERR_RANGE }, /* program unit not 1/2/4/8/16 */
        { { 65536u, 4096u, 32u, 0xFFu, 1u }, OMP_ERR_RANGE },
        { { 64u, 8u, 16u, 0xFFu, 1u }, OMP_ERR_RANGE },      /* unit larger than the sector */
    };
    for (size_t i = 0; i < OMP_ARRAY_LEN(cases); i++) {
        g_geo = cases[i].g;
        g_geo_ret = OMP_OK;
        struct omp_nvm_geometry before = { 1u, 2u, 3u, 4u, 5u };
        out = before;
        assert_int_equal(omp_hal_nvm_geometry(&hal, &out), cases[i].want);
        if (cases[i].want == OMP_OK) {
            assert_memory_equal(&out, &cases[i].g, sizeof out);
        } else {
            assert_memory_equal(&out, &before, sizeof out); /* untouched on error */
        }
    }
    g_geo_ret = OMP_ERR_HAL_IO; /* the op's own error is passed through */
    assert_int_equal(omp_hal_nvm_geometry(&hal, &out), OMP_ERR_HAL_IO);
    assert_int_equal(omp_hal_nvm_geometry(NULL, &out), OMP_ERR_ARG);
    assert_int_equal(omp_hal_nvm_geometry(&hal, NULL), OMP_ERR_ARG);
    struct omp_hal_ops no_geo = k_full;
    no_geo.nvm_geometry = NULL;
    struct omp_hal h = { &no_geo, NULL };
    assert_int_equal(omp_hal_nvm_geometry(&h, &out), OMP_ERR_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_required_ops),
        cmocka_unit_test(test_geometry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
